//! The domain's one error type. Each variant is something a caller acts on differently, and
//! [`Error::disposition`] says how background work (delivery, health checks) treats it without
//! reading message text: hold until a person reconnects, retry later, or fail for good.

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which of a workspace's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenRole {
    /// The app's bot token (`xoxb-`): messages come from the app.
    Bot,
    /// The user token of the person who signed in (`xoxp-`).
    User,
}

impl TokenRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRole::Bot => "bot",
            TokenRole::User => "user",
        }
    }
}

/// How background work treats a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Nothing can succeed until a person acts (reconnects a workspace, unlocks the keyring):
    /// keep the work and hold it.
    Hold,
    /// Trying again later can succeed without anyone changing anything.
    Retry,
    /// Trying again gives the same answer: give up and say why.
    Fail,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What the caller named does not exist (a workspace, a channel…).
    #[error("{message}")]
    NotFound { what: &'static str, message: String },

    /// A value the domain does not accept; `field` names it and the message says what is.
    #[error("{message}")]
    InvalidInput {
        field: &'static str,
        message: String,
    },

    /// Slack no longer accepts `token` of workspace `team_id`; a person must reconnect it.
    #[error("{reason}")]
    NeedsReconnect {
        team_id: String,
        token: TokenRole,
        reason: String,
    },

    /// Slack refused the call with `code` for a reason retrying will not change.
    #[error("{message}")]
    SlackRefused {
        code: String,
        message: String,
        #[source]
        source: Option<Box<switchboard_slack::Error>>,
    },

    /// Slack could not be reached, was rate limiting, or had an outage: retry later.
    #[error("Slack could not be reached or was busy ({source}); try again in a moment.")]
    Transient {
        retry_after: Option<Duration>,
        #[source]
        source: Box<switchboard_slack::Error>,
    },

    /// The OS keyring is missing, locked, or failed.
    #[error(transparent)]
    Keyring(#[from] crate::secrets::SecretError),

    /// The database could not be opened; nothing can be read or saved until it is fixed.
    #[error("{0}")]
    StorageUnavailable(String),

    /// The database failed.
    #[error(transparent)]
    Store(#[from] switchboard_store::Error),

    /// The OAuth redirect did not bring a code (denied, timed out, port in use, cancelled).
    #[error(transparent)]
    Callback(#[from] crate::oauth::CallbackError),
}

impl Error {
    /// A refused value of `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Error {
        Error::InvalidInput {
            field,
            message: message.into(),
        }
    }

    /// `what` is not (or no longer) there.
    pub fn not_found(what: &'static str) -> Error {
        Error::NotFound {
            what,
            message: format!(
                "Switchboard cannot find {what} any more; reload the view and try again."
            ),
        }
    }

    /// No workspace `team_id` is known.
    pub fn no_workspace(team_id: &str) -> Error {
        Error::NotFound {
            what: "workspace",
            message: format!(
                "No workspace {team_id} is connected; `switchboard workspace list` shows the ones that are."
            ),
        }
    }

    /// A stable, snake_case name of the variant, for the UI and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput { .. } => "invalid_input",
            Error::NeedsReconnect { .. } => "needs_reconnect",
            Error::SlackRefused { .. } => "slack_refused",
            Error::Transient { .. } => "transient",
            Error::Keyring(crate::secrets::SecretError::Locked(_)) => "keyring_locked",
            Error::Keyring(_) => "keyring_unavailable",
            Error::StorageUnavailable(_) => "storage_unavailable",
            Error::Store(_) => "storage",
            Error::Callback(crate::oauth::CallbackError::Cancelled) => "cancelled",
            Error::Callback(_) => "oauth",
        }
    }

    /// How background work treats this failure.
    pub fn disposition(&self) -> Disposition {
        match self {
            Error::NeedsReconnect { .. } | Error::Keyring(_) => Disposition::Hold,
            Error::Transient { .. } => Disposition::Retry,
            Error::Store(switchboard_store::Error::Locked { .. }) => Disposition::Retry,
            _ => Disposition::Fail,
        }
    }

    /// Slack's error code, when Slack refused.
    pub fn slack_code(&self) -> Option<&str> {
        match self {
            Error::SlackRefused { code, .. } => Some(code),
            Error::Transient { source, .. } => source.code(),
            _ => None,
        }
    }
}

impl From<switchboard_slack::Error> for Error {
    fn from(error: switchboard_slack::Error) -> Self {
        if error.is_transient() {
            let retry_after = match &error {
                switchboard_slack::Error::RateLimited { retry_after, .. } => Some(*retry_after),
                _ => None,
            };
            return Error::Transient {
                retry_after,
                source: Box::new(error),
            };
        }
        let code = error.code().unwrap_or("slack_error").to_owned();
        Error::SlackRefused {
            message: format!("{error}"),
            code,
            source: Some(Box::new(error)),
        }
    }
}

impl From<switchboard_store::rusqlite::Error> for Error {
    fn from(error: switchboard_store::rusqlite::Error) -> Self {
        Error::Store(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_a_code_and_a_disposition() {
        let reconnect = Error::NeedsReconnect {
            team_id: "T1".into(),
            token: TokenRole::Bot,
            reason: "revoked".into(),
        };
        assert_eq!(
            (reconnect.code(), reconnect.disposition()),
            ("needs_reconnect", Disposition::Hold),
            "a dead token holds work until a person reconnects"
        );
        let keyring = Error::from(crate::secrets::SecretError::Unavailable("no bus".into()));
        assert_eq!(
            (keyring.code(), keyring.disposition()),
            ("keyring_unavailable", Disposition::Hold)
        );
        let refused = Error::from(switchboard_slack::Error::Api {
            method: "chat.postMessage",
            code: "channel_not_found".into(),
            needed: None,
            provided: None,
            messages: vec![],
        });
        assert_eq!(
            (refused.code(), refused.disposition(), refused.slack_code()),
            (
                "slack_refused",
                Disposition::Fail,
                Some("channel_not_found")
            ),
            "a refusal keeps Slack's code and is not retried"
        );
        let busy = Error::from(switchboard_slack::Error::RateLimited {
            method: "chat.postMessage",
            retry_after: Duration::from_secs(3),
        });
        assert!(
            matches!(busy, Error::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(3)),
            "a rate limit is transient and keeps Slack's wait"
        );
        assert_eq!(busy.disposition(), Disposition::Retry);
        let invalid = Error::invalid("client_id", "bad");
        assert!(matches!(
            invalid,
            Error::InvalidInput {
                field: "client_id",
                ..
            }
        ));
        assert_eq!(invalid.disposition(), Disposition::Fail);
    }
}
