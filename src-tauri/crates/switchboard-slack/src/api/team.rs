//! `team.info`.

use serde::{Deserialize, Serialize};

use crate::client::{Response, SlackClient};
use crate::error::Result;
use crate::ids::TeamId;
use crate::method;
use crate::token::Token;
use crate::types::Team;

#[derive(Debug, Clone, Deserialize)]
pub struct TeamInfo {
    pub team: Team,
}

#[derive(Serialize)]
struct Args<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a TeamId>,
}

impl SlackClient {
    /// The workspace's name, domain and icon (scope `team:read`).
    /// <https://docs.slack.dev/reference/methods/team.info>
    pub async fn team_info(
        &self,
        token: &Token,
        team: Option<&TeamId>,
    ) -> Result<Response<TeamInfo>> {
        self.call(&method::TEAM_INFO, token, &Args { team }).await
    }
}
