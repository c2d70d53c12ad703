//! What Slack sent over Socket Mode, kept from before its ack until it has been handled.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// An envelope as Slack delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInbound<'a> {
    pub envelope_id: &'a str,
    /// The Events API event id, for `events_api` envelopes.
    pub event_id: Option<&'a str>,
    pub kind: &'a str,
    pub team_id: Option<&'a str>,
    /// The envelope's payload, as JSON.
    pub payload: &'a str,
    pub retry_attempt: u32,
    pub received_at: i64,
}

/// A stored envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub id: i64,
    pub envelope_id: String,
    pub event_id: Option<String>,
    pub kind: String,
    pub team_id: Option<String>,
    pub payload: String,
    pub retry_attempt: u32,
    pub received_at: i64,
    pub handled_at: Option<i64>,
    pub outcome: Option<String>,
}

/// Whether an envelope was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New(i64),
    /// Slack delivered it before (same envelope id, or same event id): the earlier row.
    Again(i64),
}

/// Keeps `envelope` unless it is one already kept.
pub fn record(conn: &Connection, envelope: &NewInbound<'_>) -> Result<Recorded> {
    let earlier: Option<i64> = conn
        .query_row(
            "SELECT id FROM inbound WHERE envelope_id = ?1 OR (?2 IS NOT NULL AND event_id = ?2)",
            params![envelope.envelope_id, envelope.event_id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = earlier {
        return Ok(Recorded::Again(id));
    }
    conn.execute(
        "INSERT INTO inbound (envelope_id, event_id, kind, team_id, payload, retry_attempt, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            envelope.envelope_id,
            envelope.event_id,
            envelope.kind,
            envelope.team_id,
            envelope.payload,
            envelope.retry_attempt,
            envelope.received_at
        ],
    )?;
    Ok(Recorded::New(conn.last_insert_rowid()))
}

const COLUMNS: &str = "id, envelope_id, event_id, kind, team_id, payload, retry_attempt, \
                       received_at, handled_at, outcome";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Inbound> {
    Ok(Inbound {
        id: row.get(0)?,
        envelope_id: row.get(1)?,
        event_id: row.get(2)?,
        kind: row.get(3)?,
        team_id: row.get(4)?,
        payload: row.get(5)?,
        retry_attempt: row.get(6)?,
        received_at: row.get(7)?,
        handled_at: row.get(8)?,
        outcome: row.get(9)?,
    })
}

/// Whether an envelope with this id was kept already.
pub fn known(conn: &Connection, envelope_id: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM inbound WHERE envelope_id = ?1",
            [envelope_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Envelopes not yet handled, oldest first.
pub fn waiting(conn: &Connection, limit: usize) -> Result<Vec<Inbound>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM inbound WHERE handled_at IS NULL ORDER BY id LIMIT ?1"
    ))?;
    let rows = statement.query_map([limit as i64], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Inbound>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM inbound WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Marks an envelope handled, saying what came of it.
pub fn handled(conn: &Connection, id: i64, outcome: &str, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE inbound SET handled_at = ?2, outcome = ?3 WHERE id = ?1",
        params![id, now_ms, outcome],
    )?;
    Ok(())
}

/// Newest first, for Activity and tests.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Inbound>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM inbound ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = statement.query_map([limit as i64], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Forgets handled envelopes received before `before_ms`. Slack redelivers for minutes, not
/// days, so a week's memory is ample to recognise a repeat.
pub fn prune(conn: &Connection, before_ms: i64) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM inbound WHERE handled_at IS NOT NULL AND received_at < ?1",
        [before_ms],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn envelope<'a>(envelope_id: &'a str, event_id: Option<&'a str>, at: i64) -> NewInbound<'a> {
        NewInbound {
            envelope_id,
            event_id,
            kind: "events_api",
            team_id: Some("T1"),
            payload: "{}",
            retry_attempt: 0,
            received_at: at,
        }
    }

    #[test]
    fn a_repeat_by_envelope_or_event_id_is_recognised_and_old_handled_ones_are_forgotten() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let Recorded::New(first) = record(conn, &envelope("e1", Some("Ev1"), 10)).unwrap() else {
            panic!("new")
        };
        // Slack's retry: the same envelope id.
        assert_eq!(
            record(conn, &envelope("e1", Some("Ev1"), 11)).unwrap(),
            Recorded::Again(first)
        );
        // The same event in another envelope.
        assert_eq!(
            record(conn, &envelope("e2", Some("Ev1"), 12)).unwrap(),
            Recorded::Again(first)
        );
        // Interactive envelopes have no event id: the envelope id alone decides.
        let Recorded::New(second) = record(conn, &envelope("e3", None, 13)).unwrap() else {
            panic!("new")
        };
        assert!(matches!(
            record(conn, &envelope("e4", None, 14)).unwrap(),
            Recorded::New(_)
        ));
        assert!(known(conn, "e3").unwrap() && !known(conn, "e9").unwrap());
        assert_eq!(waiting(conn, 10).unwrap().len(), 3);

        handled(conn, first, "kept", 20).unwrap();
        assert_eq!(waiting(conn, 10).unwrap()[0].id, second);
        let kept = get(conn, first).unwrap().unwrap();
        assert_eq!(
            (kept.handled_at, kept.outcome.as_deref()),
            (Some(20), Some("kept"))
        );
        // Only handled envelopes are forgotten: a waiting one survives any age.
        assert_eq!(prune(conn, 1_000).unwrap(), 1);
        assert_eq!(recent(conn, 10).unwrap().len(), 2);
    }
}
