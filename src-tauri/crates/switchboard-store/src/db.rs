//! [`Db`]: the database as the rest of Switchboard shares it — one writer connection and a small
//! pool of read-only connections over the same WAL file, so a long sync or delivery that writes
//! page after page never blocks a click that only reads.
//!
//! Work on the database is a closure: [`Db::read`] lends a read-only connection, [`Db::write`]
//! an immediate transaction on the writer, committed when the closure returns `Ok`. A closure is
//! synchronous, so no Slack call, keyring call or other `.await` can happen while a connection
//! or the writer's lock is held — the rule is kept by the type, not by review.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{Error, Result, Store};

/// Idle readers kept open; more are opened under load and closed afterwards.
const IDLE_READERS: usize = 4;

/// The shared database: one writer, many readers.
#[derive(Debug)]
pub struct Db {
    writer: Mutex<Store>,
    readers: Mutex<Vec<Connection>>,
    /// `None` for an in-memory database, whose readers are the writer itself.
    path: Option<PathBuf>,
}

impl Db {
    /// Opens (creating and migrating when needed) the database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Db> {
        Ok(Db::from_store(Store::open(data_dir)?))
    }

    /// An in-memory database with every migration applied, for tests. Reads go through the
    /// writer (an in-memory database is private to its connection).
    pub fn open_in_memory() -> Result<Db> {
        Ok(Db::from_store(Store::open_in_memory()?))
    }

    /// Shares an open store.
    pub fn from_store(store: Store) -> Db {
        Db {
            path: store.path().map(Path::to_path_buf),
            writer: Mutex::new(store),
            readers: Mutex::new(Vec::new()),
        }
    }

    /// Path of the database file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn writer(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves SQLite consistent (an open transaction rolls
        // back when dropped), so a poisoned lock is safe to take over.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open_reader(path: &Path) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|source| Error::classify(path, source))?;
        conn.busy_timeout(crate::BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(conn)
    }

    /// Runs `f` on a read-only connection. Readers see the last committed state and never wait
    /// for the writer.
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<Error>,
    {
        let Some(path) = &self.path else {
            return f(self.writer().conn());
        };
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => Db::open_reader(path)?,
        };
        let result = f(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    /// Runs `f` in an immediate transaction on the writer and commits when it returns `Ok`;
    /// an `Err` rolls everything back.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<Error>,
    {
        let mut store = self.writer();
        let tx = store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| E::from(Error::from(e)))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| E::from(Error::from(e)))?;
        Ok(value)
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<u32> {
        self.writer().schema_version()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_committed_data_while_the_writer_holds_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|tx| crate::settings::set(tx, "k", &1, 0)).unwrap();
        let seen_during = db
            .write(|tx| {
                crate::settings::set(tx, "k", &2, 0)?;
                // The writer's transaction is open and holds the write lock; a reader still
                // answers at once, with the last committed value.
                db.read(|conn| crate::settings::get::<i64>(conn, "k"))
            })
            .unwrap();
        assert_eq!(seen_during, Some(1), "a reader sees the committed value");
        assert_eq!(
            db.read(|conn| crate::settings::get::<i64>(conn, "k"))
                .unwrap(),
            Some(2),
            "and the new one once committed"
        );
    }

    #[test]
    fn a_failed_write_rolls_back_and_readers_cannot_write() {
        let db = Db::open_in_memory().unwrap();
        let failed: Result<()> = db.write(|tx| {
            crate::settings::set(tx, "k", &1, 0)?;
            Err(Error::NoDataDir)
        });
        assert!(failed.is_err());
        assert_eq!(
            db.read(|conn| crate::settings::get::<i64>(conn, "k"))
                .unwrap(),
            None,
            "nothing of a failed write stays"
        );
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let refused: Result<()> = db.read(|conn| crate::settings::set(conn, "k", &1, 0));
        assert!(refused.is_err(), "a reader is read-only");
    }
}
