//! Switchboard's local SQLite store.
//!
//! A tour:
//! - [`Db`] shares the database: one writer and pooled read-only connections (WAL), work
//!   passed in as closures so no lock is ever held across an `.await`.
//! - [`Store`] opens (or creates) the database file in the data directory, sets the connection
//!   up (WAL, `foreign_keys=ON`, `busy_timeout`) and applies the embedded [`migrations`].
//! - [`settings`] is the key/value table of the console's own settings.
//! - [`audit`] records who changed which setting, and reads the log back.
//! - [`overview`] counts what the console holds, so each view can show the right empty state.
//! - [`workspaces`]: connected Slack workspaces (never their tokens).
//! - [`directory`]: each workspace's cached channels and users, and the picker's search.
//! - [`inbound`]: what Slack sent over Socket Mode, kept from before its ack until handled.
//! - [`decisions`]: approvals decided with Slack's buttons; [`conversations`]: what staff
//!   wrote to the app.
//!
//! Repositories are free functions over a `&rusqlite::Connection`, so callers choose the
//! transaction they run in (the outbox invariant needs decision and outbox row in one).

pub mod audit;
pub mod channels;
pub mod conversations;
mod db;
pub mod decisions;
pub mod directory;
mod error;
pub mod events;
pub mod inbound;
pub mod migrations;
pub mod outbox;
pub mod overview;
pub mod projects;
pub mod rules;
pub mod settings;
pub mod staff;
pub mod workspaces;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use db::Db;
pub use error::{Error, Result};
pub use rusqlite;

/// Name of the database file inside the data directory.
pub const DB_FILE_NAME: &str = "switchboard.sqlite3";

/// The application identifier; the default data directory is named after it, as Tauri does.
pub const APP_IDENTIFIER: &str = "app.switchboard.console";

/// How long a writer waits for another connection's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The platform's app-data directory for Switchboard (`~/.local/share/app.switchboard.console`
/// on Linux), the same one Tauri's path resolver returns.
pub fn default_data_dir() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|dir| dir.join(APP_IDENTIFIER))
        .ok_or(Error::NoDataDir)
}

/// An open database with every migration applied.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens the database in `data_dir`, creating the directory and the file when missing.
    ///
    /// A file that is not a Switchboard database, or one written by a newer Switchboard, is
    /// refused and left untouched.
    pub fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE_NAME);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&path, flags)
            .map_err(|source| Error::classify(&path, source))?;
        let mut store = Store {
            conn,
            path: Some(path),
        };
        store.prepare()?;
        Ok(store)
    }

    /// An in-memory database with every migration applied, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store { conn, path: None };
        store.prepare()?;
        Ok(store)
    }

    /// Path of the database file, `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The schema version (`PRAGMA user_version`), i.e. the number of applied migrations.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    fn prepare(&mut self) -> Result<()> {
        let path = self.path.clone().unwrap_or_default();
        let setup = || -> rusqlite::Result<()> {
            self.conn.busy_timeout(BUSY_TIMEOUT)?;
            // The first statement that reads the file: a non-database file fails here.
            let mode: String = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            debug_assert!(mode == "wal" || mode == "memory", "journal mode {mode}");
            // Off while migrations run: a migration that rebuilds a table drops the old one,
            // which with foreign keys on would cascade into the tables referring to it. A
            // migration that rebuilds checks the references before it commits.
            self.conn.pragma_update(None, "foreign_keys", "OFF")?;
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
            // 32 MiB of page cache (the default is 2 MiB): an ingest batch touches the outbox's
            // and the events' indexes all over, and re-reading their pages dominated it.
            self.conn.pragma_update(None, "cache_size", -32_768)?;
            self.conn
                .set_prepared_statement_cache_capacity(STATEMENT_CACHE);

            Ok(())
        };
        setup().map_err(|source| Error::classify(&path, source))?;
        migrations::apply(&mut self.conn, &path)?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|source| Error::classify(&path, source))
    }
}

/// Prepared statements each connection keeps (rusqlite keeps 16): receiving a batch of events
/// runs more distinct statements than that, and each one evicted was parsed again.
pub(crate) const STATEMENT_CACHE: usize = 128;

/// Current time in Unix milliseconds, the unit every `*_at` column uses.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
