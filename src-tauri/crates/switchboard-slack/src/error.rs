//! The client's one error type. Each variant is something a caller acts on differently:
//! re-authenticate, re-install with a scope, wait, retry, or check before resending.

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Slack answered `ok:false` with `code` (e.g. `channel_not_found`, `missing_scope`).
    #[error("{method}: Slack refused the call: {code}{}", scope_hint(needed.as_deref(), provided.as_deref()))]
    Api {
        method: &'static str,
        code: String,
        /// For `missing_scope`: the scope(s) that would allow the call.
        needed: Option<String>,
        /// For `missing_scope`: the scopes the token has.
        provided: Option<String>,
        /// Detailed reasons from `response_metadata.messages` (e.g. for `invalid_blocks`).
        messages: Vec<String>,
    },

    /// Slack kept answering HTTP 429 after the client waited as asked.
    #[error("{method}: rate limited by Slack; retry after {retry_after:?}")]
    RateLimited {
        method: &'static str,
        retry_after: Duration,
    },

    /// Slack answered with an HTTP status other than 200 or 429 (an outage page, usually).
    #[error("{method}: Slack answered HTTP {status}")]
    Http { method: &'static str, status: u16 },

    /// The request did not complete. `sent` says whether it may have reached Slack: a write
    /// whose request may have been sent must be checked before it is sent again.
    #[error("{method}: could not reach Slack: {source}")]
    Transport {
        method: &'static str,
        sent: bool,
        #[source]
        source: reqwest::Error,
    },

    /// Slack's answer was not the JSON this client expects.
    #[error("{method}: unexpected answer from Slack: {source}")]
    Decode {
        method: &'static str,
        #[source]
        source: serde_json::Error,
    },

    /// The request could not be built (a bad base URL or an argument that cannot be encoded).
    #[error("{0}")]
    Request(String),
}

fn scope_hint(needed: Option<&str>, provided: Option<&str>) -> String {
    match (needed, provided) {
        (Some(needed), Some(provided)) => format!(" (needs {needed}; the token has {provided})"),
        (Some(needed), None) => format!(" (needs {needed})"),
        _ => String::new(),
    }
}

impl Error {
    /// Slack's error code for `ok:false` answers.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the token is no longer usable and the workspace must be reconnected.
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self.code(),
            Some("invalid_auth" | "token_revoked" | "account_inactive" | "not_authed")
        )
    }

    /// Whether a rotating token expired and a refresh (then one retry) is the fix.
    pub fn token_expired(&self) -> bool {
        self.code() == Some("token_expired")
    }

    /// Whether the call may have been carried out although it failed: a write in that state
    /// must be checked (e.g. by its message metadata) before it is sent again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Transport { sent, .. } => *sent,
            Error::Http { status, .. } => *status >= 500,
            Error::Decode { .. } => true,
            Error::Api { code, .. } => matches!(
                code.as_str(),
                "internal_error" | "fatal_error" | "request_timeout" | "service_unavailable"
            ),
            _ => false,
        }
    }

    /// Whether trying again later can succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::RateLimited { .. } => true,
            Error::Http { status, .. } => *status >= 500,
            Error::Api { code, .. } => matches!(
                code.as_str(),
                "internal_error"
                    | "fatal_error"
                    | "request_timeout"
                    | "service_unavailable"
                    | "ratelimited"
            ),
            _ => false,
        }
    }
}
