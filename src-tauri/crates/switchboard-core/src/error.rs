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
}

impl From<switchboard_store::rusqlite::Error> for Error {
    fn from(error: switchboard_store::rusqlite::Error) -> Self {
        Error::Store(error.into())
    }
}
