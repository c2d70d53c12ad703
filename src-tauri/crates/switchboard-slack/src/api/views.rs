//! `views.open` (a modal in answer to a click) and posting to an interaction's
//! `response_url` (an ephemeral answer to the person who clicked).

use serde::{Deserialize, Serialize};

use crate::client::{Response, SlackClient};
use crate::error::{Error, Result};
use crate::method;
use crate::token::Token;

#[derive(Serialize)]
struct OpenArgs<'a> {
    trigger_id: &'a str,
    view: &'a serde_json::Value,
}

/// The view Slack opened.
#[derive(Debug, Clone, Deserialize)]
pub struct Opened {
    pub view: OpenedView,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpenedView {
    pub id: String,
}

impl SlackClient {
    /// Opens the modal `view` for the person whose click made `trigger_id` (valid for 3 s).
    /// <https://docs.slack.dev/reference/methods/views.open>
    pub async fn views_open(
        &self,
        token: &Token,
        trigger_id: &str,
        view: &serde_json::Value,
    ) -> Result<Response<Opened>> {
        self.call(&method::VIEWS_OPEN, token, &OpenArgs { trigger_id, view })
            .await
    }

    /// Posts `body` (`{"response_type": "ephemeral", "text": …}`, or `replace_original`) to
    /// an interaction's `response_url`; no token: the URL is the credential.
    /// <https://docs.slack.dev/interactivity/handling-user-interaction#message_responses>
    pub async fn respond(&self, response_url: &str, body: &serde_json::Value) -> Result<()> {
        let url = url::Url::parse(response_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| Error::Request(format!("not a response URL: {response_url}")))?;
        let response = self
            .http()
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|source| Error::Transport {
                method: "response_url",
                sent: source.is_timeout() || source.is_body(),
                source,
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Http {
                method: "response_url",
                status: status.as_u16(),
            });
        }
        Ok(())
    }
}
