//! The embedded schema migrations, tracked by `PRAGMA user_version`.
//!
//! A shipped migration is never edited: a change to the schema is a new file appended here.
//! `tests/migrations.rs` checks the list is valid and that the schema matches the domain model.

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use crate::{Error, Result};

const MIGRATION_LIST: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_initial.sql")),
    M::up(include_str!("../migrations/0002_directory_and_tokens.sql")),
    M::up(include_str!(
        "../migrations/0003_token_health_and_resumable_sync.sql"
    )),
    M::up(include_str!("../migrations/0004_directory_clustered.sql")),
    M::up(include_str!("../migrations/0005_routing_and_outbox.sql")),
    M::up(include_str!("../migrations/0006_delivery.sql")),
    M::up(include_str!("../migrations/0007_routes_on_the_event.sql")),
    // Rebuilds `event` and `outbox`: applied with foreign keys off, checked before commit.
    M::up(include_str!("../migrations/0008_one_message_per_event.sql")).foreign_key_check(),
    // Rebuilds `notification_channel` with AUTOINCREMENT: the same.
    M::up(include_str!(
        "../migrations/0009_channel_ids_never_reused.sql"
    ))
    .foreign_key_check(),
    M::up(include_str!(
        "../migrations/0010_staff_connections_and_direct_messages.sql"
    )),
    M::up(include_str!("../migrations/0011_inbound.sql")),
    // Rebuilds `outbox` (webhook calls): the same.
    M::up(include_str!(
        "../migrations/0012_decisions_and_conversations.sql"
    ))
    .foreign_key_check(),
];

/// Every migration, in order.
pub const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_LIST);

/// Number of migrations this build knows, i.e. the schema version it writes.
pub const LATEST_VERSION: usize = MIGRATION_LIST.len();

/// Brings `conn` to the latest schema; refuses a database from a newer build.
pub(crate) fn apply(conn: &mut Connection, path: &Path) -> Result<()> {
    MIGRATIONS.to_latest(conn).map_err(|source| match source {
        rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        ) => {
            let found = conn
                .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
                .map_or(0, |v| usize::try_from(v).unwrap_or(0));
            Error::TooNew {
                path: path.to_path_buf(),
                found,
                known: LATEST_VERSION,
            }
        }
        rusqlite_migration::Error::RusqliteError { err, .. } => Error::classify(path, err),
        source => Error::Migration {
            path: path.to_path_buf(),
            source,
        },
    })
}
