//! [`Db`]: the database as the rest of Switchboard shares it — one writer connection and a small
//! pool of read-only connections over the same WAL file, so a long sync or delivery that writes
//! page after page never blocks a click that only reads.
//!
//! Work on the database is a closure: [`Db::read`] lends a read-only connection, [`Db::write`]
//! an immediate transaction on the writer, committed when the closure returns `Ok`. A closure is
//! synchronous, so no Slack call, keyring call or other `.await` can happen while a connection
//! or the writer's lock is held — the rule is kept by the type, not by review.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{Error, Result, Store};

/// Idle readers kept open; more are opened under load and closed afterwards.
const IDLE_READERS: usize = 4;

/// How often the checkpointer copies the write-ahead log into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The WAL pages after which the writer checkpoints itself (SQLite's default is 1,000): only
/// when the checkpointer falls that far behind.
const WRITER_CHECKPOINT_PAGES: i64 = 8_000;

/// The shared database: one writer, many readers.
#[derive(Debug)]
pub struct Db {
    writer: Mutex<Store>,
    readers: Mutex<Vec<Connection>>,
    /// `None` for an in-memory database, whose readers are the writer itself.
    path: Option<PathBuf>,
    /// Copies the write-ahead log into the database beside the writer (file databases);
    /// stopped and joined when the database is dropped.
    _checkpointer: Option<Checkpointer>,
}

/// A thread that checkpoints the WAL on its own connection, so the writer never does it on
/// commit. SQLite's automatic checkpoint runs inside the commit that crosses 1,000 pages,
/// stalling that write (and every request waiting for the writer) while it copies and syncs
/// 4 MiB: a tenth of ingest's time, and its slowest requests. A passive checkpoint from here
/// copies what is committed while the writer goes on appending.
#[derive(Debug)]
struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// `None` when its connection or thread cannot be had.
    fn start(path: &Path) -> Option<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        conn.busy_timeout(crate::BUSY_TIMEOUT).ok()?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut seen: Option<i64> = None;
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    // Only when something was committed since the last look.
                    let version = conn
                        .query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0))
                        .ok();
                    if version.is_some() && version == seen {
                        continue;
                    }
                    // `(busy, log frames, frames copied)`: done when every frame is copied. A
                    // failure or a partial copy (a reader holds old frames) is tried again on
                    // the next tick; the writer checkpoints itself if this falls far behind.
                    let done = conn
                        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                            Ok((
                                row.get::<_, i64>(0)?,
                                row.get::<_, i64>(1)?,
                                row.get::<_, i64>(2)?,
                            ))
                        })
                        .is_ok_and(|(busy, log, copied)| busy == 0 && log == copied);
                    if done {
                        seen = version;
                    }
                }
            })
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
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

    /// Shares an open store. A file database gets its checkpointer; should the thread not
    /// start, the writer keeps checkpointing on commit as SQLite does by default.
    pub fn from_store(store: Store) -> Db {
        let path = store.path().map(Path::to_path_buf);
        let checkpointer = path.as_deref().and_then(|path| {
            let started = Checkpointer::start(path)?;
            store
                .conn()
                .pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)
                .ok()?;
            Some(started)
        });
        Db {
            path,
            writer: Mutex::new(store),
            readers: Mutex::new(Vec::new()),
            _checkpointer: checkpointer,
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
        conn.set_prepared_statement_cache_capacity(crate::STATEMENT_CACHE);
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
    fn the_log_reaches_the_database_without_the_writer_checkpointing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let file = dir.path().join(crate::DB_FILE_NAME);
        let before = std::fs::metadata(&file).unwrap().len();
        // About 400 pages, far below the writer's own checkpoint threshold.
        db.write(|tx| {
            for i in 0..400 {
                crate::settings::set(tx, &format!("k{i}"), &"x".repeat(3_000), 0)?;
            }
            Ok::<_, Error>(())
        })
        .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&file).unwrap().len() < before + 400 * 3_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the checkpointer copies committed pages into the database file"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(db);
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
