//! The store's one error type. Each variant is something a caller can act on, and its message
//! says what to do.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The platform reports no app-data directory (no `$HOME`); pass `--data-dir`.
    #[error("no app-data directory is known for this user; start Switchboard with --data-dir DIR")]
    NoDataDir,

    /// The data directory cannot be created or written.
    #[error("cannot create the data directory {}: {source}; choose another with --data-dir DIR", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file at the database path is not an SQLite database. It is left untouched.
    #[error("{} is not a Switchboard database (it is not SQLite); move it away or choose another --data-dir", path.display())]
    NotADatabase { path: PathBuf },

    /// The database was written by a newer Switchboard; opening it could lose data.
    #[error("{} was written by a newer Switchboard (schema version {found}, this build knows {known}); update Switchboard to open it", path.display())]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },

    /// Another process holds the database locked for longer than the busy timeout.
    #[error("the database {} is locked by another process; close the other Switchboard window or command and retry", path.display())]
    Locked { path: PathBuf },

    /// A stored value does not decode as the type the caller asked for.
    #[error("setting {key:?} holds a value this version cannot read: {source}")]
    BadSetting {
        key: String,
        #[source]
        source: serde_json::Error,
    },

    /// A stored record does not decode (written by a newer build, or edited by hand).
    #[error("the database holds a record this version cannot read: {0}")]
    Corrupt(String),

    /// A migration failed to apply.
    #[error("cannot upgrade the database {}: {source}", path.display())]
    Migration {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },

    /// Any other SQLite failure.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl Error {
    /// Turns an SQLite error met while opening `path` into the variant a person can act on.
    pub(crate) fn classify(path: &std::path::Path, source: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode;
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => Error::NotADatabase {
                path: path.to_path_buf(),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Locked {
                path: path.to_path_buf(),
            },
            _ => Error::Sqlite(source),
        }
    }
}
