//! The IPC boundary's one error type: `{ code, message, field?, teamId? }`. The UI switches on
//! `code`, never on the message, and shows the message, which says what the person can do.
//! The codes are core's ([`switchboard_core::Error::code`]), one for one.

use serde::Serialize;

/// What kind of failure a command met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
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
        let code = match error.code() {
            "invalid_input" => ErrorCode::InvalidInput,
            "not_found" => ErrorCode::NotFound,
            "needs_reconnect" => ErrorCode::NeedsReconnect,
            "slack_refused" => ErrorCode::SlackRefused,
            "transient" => ErrorCode::Transient,
            "keyring_unavailable" => ErrorCode::KeyringUnavailable,
            "keyring_locked" => ErrorCode::KeyringLocked,
            "storage_unavailable" => ErrorCode::StorageUnavailable,
            "cancelled" => ErrorCode::Cancelled,
            "oauth" => ErrorCode::OAuth,
            _ => ErrorCode::Storage,
        };
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
