//! The IPC boundary's one error type: `{ code, message, field?, teamId? }`. The UI switches on
//! `code`, never on the message, and shows the message, which says what the person can do.
//! The codes are core's ([`switchboard_core::Error::code`]), one for one.

use serde::{Deserialize, Serialize};

/// What kind of failure a command met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was refused; `field` names it and the message says what is accepted.
    InvalidInput,
    /// What was named does not exist.
    NotFound,
    /// Slack no longer accepts a workspace's token (`team_id`): reconnect it.
    NeedsReconnect,
    /// Slack refused the call; the message carries Slack's code and what to do.
    SlackRefused,
    /// Slack could not be reached or was busy: try again in a moment.
    Transient,
    /// No usable system keyring (no Secret Service running): install or start one.
    KeyringUnavailable,
    /// The system keyring is locked or refused access: unlock it and try again.
    KeyringLocked,
    /// The database could not be opened; nothing can be read or saved until it is fixed.
    StorageUnavailable,
    /// Reading or writing the database failed.
    Storage,
    /// The OAuth redirect brought no code: denied, timed out, or the port was busy.
    #[serde(rename = "oauth")]
    OAuth,
    /// The person cancelled.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// For `invalid_input`: the field that was refused.
    pub field: Option<String>,
    /// For `needs_reconnect`: the workspace.
    pub team_id: Option<String>,
}

impl From<switchboard_core::Error> for CommandError {
    fn from(error: switchboard_core::Error) -> Self {
        let code = ErrorCode::of(error.code());
        let (field, team_id) = match &error {
            switchboard_core::Error::InvalidInput { field, .. } => {
                (Some((*field).to_owned()), None)
            }
            switchboard_core::Error::NeedsReconnect { team_id, .. } => {
                (None, Some(team_id.clone()))
            }
            _ => (None, None),
        };
        CommandError {
            code,
            message: error.to_string(),
            field,
            team_id,
        }
    }
}

impl ErrorCode {
    /// The code named `name` by core (`switchboard_core::Error::code`): the same snake_case
    /// names, read through serde so the two lists cannot drift apart (a test checks each).
    fn of(name: &str) -> ErrorCode {
        serde_json::from_value(serde_json::Value::String(name.to_owned()))
            .unwrap_or(ErrorCode::Storage)
    }
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
            field: None,
            team_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_crosses_with_its_own_code() {
        use switchboard_core::Error;
        use switchboard_core::oauth::CallbackError;
        use switchboard_core::secrets::SecretError;
        let errors = [
            Error::NotFound {
                what: "workspace",
                message: "m".into(),
            },
            Error::invalid("field", "m"),
            Error::NeedsReconnect {
                team_id: "T1".into(),
                token: switchboard_core::TokenRole::Bot,
                reason: "r".into(),
            },
            Error::SlackRefused {
                code: "channel_not_found".into(),
                message: "m".into(),
                source: None,
            },
            Error::Keyring(SecretError::Unavailable("x".into())),
            Error::Keyring(SecretError::Locked("x".into())),
            Error::StorageUnavailable("x".into()),
            Error::Callback(CallbackError::Cancelled),
            Error::Callback(CallbackError::Denied),
        ];
        for error in errors {
            let core = error.code();
            let crossed = CommandError::from(error);
            assert_eq!(
                serde_json::to_value(crossed.code).unwrap(),
                core,
                "the UI sees core's code {core}"
            );
        }
        // Transient errors need a Slack error to build; their name maps all the same.
        assert_eq!(ErrorCode::of("transient"), ErrorCode::Transient);
        assert_eq!(ErrorCode::of("storage"), ErrorCode::Storage);
    }
}
