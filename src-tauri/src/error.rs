//! The IPC boundary's one error type: `{ code, message }`. The UI switches on `code`, never on
//! the message, and shows the message, which says what the person can do.

use serde::Serialize;

/// What kind of failure a command met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was refused; the message says what is accepted.
    InvalidInput,
    /// The database could not be opened; nothing can be read or saved until it is fixed.
    StorageUnavailable,
    /// Reading or writing the database failed.
    Storage,
    /// Slack could not be reached or refused the call.
    Slack,
    /// The OS keyring could not store or read a secret.
    Keyring,
    /// The OAuth redirect brought no code: denied, timed out, cancelled, or the port was busy.
    #[serde(rename = "oauth")]
    OAuth,
}

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<switchboard_core::Error> for CommandError {
    fn from(error: switchboard_core::Error) -> Self {
        let code = match &error {
            switchboard_core::Error::InvalidInput(_) => ErrorCode::InvalidInput,
            switchboard_core::Error::Store(_) => ErrorCode::Storage,
            switchboard_core::Error::Slack(_) => ErrorCode::Slack,
            switchboard_core::Error::Secrets(_) => ErrorCode::Keyring,
            switchboard_core::Error::Callback(_) => ErrorCode::OAuth,
        };
        CommandError {
            code,
            message: error.to_string(),
        }
    }
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
        }
    }
}
