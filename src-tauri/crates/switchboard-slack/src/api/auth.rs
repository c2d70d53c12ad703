//! `auth.test` and `auth.revoke`.

use serde::{Deserialize, Serialize};

use crate::client::{Response, SlackClient};
use crate::error::Result;
use crate::ids::{TeamId, UserId};
use crate::method;
use crate::token::Token;

/// What `auth.test` says about a token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthTest {
    pub url: String,
    pub team: String,
    pub user: String,
    pub team_id: TeamId,
    pub user_id: UserId,
    /// Present for bot tokens.
    pub bot_id: Option<String>,
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub is_enterprise_install: bool,
    /// Seconds until a rotating token expires.
    pub expires_in: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Revoked {
    pub revoked: bool,
}

#[derive(Serialize)]
struct RevokeArgs {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    test: bool,
}

impl SlackClient {
    /// Checks a token and tells who and where it is. The granted scopes are in
    /// [`Response::scopes`]. <https://docs.slack.dev/reference/methods/auth.test>
    pub async fn auth_test(&self, token: &Token) -> Result<Response<AuthTest>> {
        let response: Response<AuthTest> = self.call(&method::AUTH_TEST, token, &()).await?;
        self.learn_workspace(token, response.team_id.as_str());
        Ok(response)
    }

    /// Revokes the token (`test` only checks it could be). <https://docs.slack.dev/reference/methods/auth.revoke>
    pub async fn auth_revoke(&self, token: &Token, test: bool) -> Result<Response<Revoked>> {
        self.call(&method::AUTH_REVOKE, token, &RevokeArgs { test })
            .await
    }
}
