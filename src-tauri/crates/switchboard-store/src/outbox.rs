//! The outbox: one row per message to deliver. Rows are written with their event
//! ([`crate::events::insert`]); these change many at once.

use rusqlite::{Connection, params};

use crate::Result;

/// Holds every pending message for `reason` (e.g. `integration_off`); returns how many.
pub fn hold_pending(conn: &Connection, reason: &str, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'held', hold_reason = ?1, updated_at = ?2
         WHERE state = 'pending'",
        params![reason, now],
    )? as u64)
}

/// How many messages are held for `reason`.
pub fn held(conn: &Connection, reason: &str) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox WHERE state = 'held' AND hold_reason = ?1",
        [reason],
        |row| row.get::<_, i64>(0),
    )? as u64)
}

/// Discards what still waits (pending or held) for notification channel `channel`, saying
/// `why`; returns how many. Sent messages stay as they are.
pub fn discard_waiting_for(conn: &Connection, channel: i64, why: &str, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'discarded', last_error = ?2, updated_at = ?3
         WHERE notification_channel_id = ?1 AND state IN ('pending', 'held')",
        params![channel, why, now],
    )? as u64)
}
