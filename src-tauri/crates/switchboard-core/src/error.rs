//! The domain's one error type; each variant is something a caller can act on.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The person gave a value the domain does not accept; the message says which are.
    #[error("{0}")]
    InvalidInput(String),

    /// The store failed.
    #[error(transparent)]
    Store(#[from] switchboard_store::Error),

    /// Slack could not be asked, or refused in a way the caller did not anticipate.
    #[error(transparent)]
    Slack(#[from] switchboard_slack::Error),

    /// The OS keyring could not store or read a secret.
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretError),

    /// The OAuth redirect did not bring a code (denied, timed out, port in use, cancelled).
    #[error(transparent)]
    Callback(#[from] crate::oauth::CallbackError),
}

impl From<switchboard_store::rusqlite::Error> for Error {
    fn from(error: switchboard_store::rusqlite::Error) -> Self {
        Error::Store(error.into())
    }
}
