//! What every command can reach. The store sits behind a mutex: SQLite calls are short, and one
//! connection keeps writes ordered. A database that cannot be opened does not stop the window
//! from opening: the UI shows `open_error` and what to do about it.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use switchboard_store::Store;

use crate::cli::Cli;
use crate::error::{CommandError, ErrorCode};

pub struct AppState {
    store: Option<Mutex<Store>>,
    pub data_dir: PathBuf,
    pub database_path: PathBuf,
    pub open_error: Option<String>,
    pub slack_api_base: String,
    /// Who the audit log names for changes made in this window: the OS account running it.
    pub actor: String,
}

impl AppState {
    pub fn open(data_dir: PathBuf, cli: &Cli) -> AppState {
        let database_path = data_dir.join(switchboard_store::DB_FILE_NAME);
        let (store, open_error) = match Store::open(&data_dir) {
            Ok(store) => (Some(Mutex::new(store)), None),
            Err(error) => (None, Some(error.to_string())),
        };
        AppState {
            store,
            data_dir,
            database_path,
            open_error,
            slack_api_base: cli.slack_api_base.to_string(),
            actor: local_user(),
        }
    }

    /// The store, or the reason it is unavailable as an error the UI can show.
    pub fn store(&self) -> Result<MutexGuard<'_, Store>, CommandError> {
        let store = self.store.as_ref().ok_or_else(|| CommandError {
            code: ErrorCode::StorageUnavailable,
            message: self
                .open_error
                .clone()
                .unwrap_or_else(|| "the database is not open".to_owned()),
        })?;
        // A panic while holding the lock leaves SQLite consistent (transactions roll back),
        // so a poisoned lock is safe to take over.
        Ok(store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// The OS account name, as the audit log's actor; a desktop console has no other login.
pub(crate) fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "local user".to_owned())
}
