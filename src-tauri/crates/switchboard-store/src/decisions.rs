//! Approval decisions made in Slack: one per request, with who decided, when and why.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// A decision about to be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision<'a> {
    /// The request's event (its row id).
    pub event_id: i64,
    /// `approved` or `rejected`.
    pub decision: &'a str,
    pub reason: Option<&'a str>,
    pub team_id: &'a str,
    pub slack_user_id: &'a str,
    pub staff_id: Option<i64>,
    /// The approver's name as the message and the log show it.
    pub decided_by: &'a str,
    pub decided_at: i64,
    /// The message that carried the buttons.
    pub channel_id: &'a str,
    pub message_ts: &'a str,
}

/// A kept decision, with what it decided about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub event_id: i64,
    /// The request's id as the business application sent it.
    pub event_key: String,
    pub kind: String,
    /// The requester's email, as the request named them.
    pub staff_email: Option<String>,
    /// The requester's name, when they are a staff member.
    pub staff_name: Option<String>,
    pub decision: String,
    pub reason: Option<String>,
    pub team_id: String,
    pub slack_user_id: String,
    pub staff_id: Option<i64>,
    pub decided_by: String,
    pub decided_at: i64,
    pub channel_id: String,
    pub message_ts: String,
    /// The update of the decided message in Slack (its outbox row's state and last error).
    pub update: Option<OutboxState>,
    /// The webhook call telling the business application, if one was queued: its outbox
    /// row, state, attempts and last error.
    pub webhook: Option<OutboxState>,
}

/// Where an outbox row about a decision (the webhook call, the message's update) stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxState {
    pub outbox_id: i64,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Whether the decision was new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    New(i64),
    /// The request was decided before: that decision.
    Already(Box<Decision>),
}

/// Keeps `decision` unless its request was decided already.
pub fn record(conn: &Connection, decision: &NewDecision<'_>) -> Result<Kept> {
    if let Some(earlier) = for_event(conn, decision.event_id)? {
        return Ok(Kept::Already(Box::new(earlier)));
    }
    conn.prepare_cached(
        "INSERT INTO decision (event_id, decision, reason, team_id, slack_user_id, staff_id,
             decided_by, decided_at, channel_id, message_ts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        decision.event_id,
        decision.decision,
        decision.reason,
        decision.team_id,
        decision.slack_user_id,
        decision.staff_id,
        decision.decided_by,
        decision.decided_at,
        decision.channel_id,
        decision.message_ts
    ])?;
    Ok(Kept::New(conn.last_insert_rowid()))
}

const COLUMNS: &str = "d.id, d.event_id, e.idempotency_key, e.kind, e.staff_email, d.decision,
    d.reason, d.team_id, d.slack_user_id, d.staff_id, d.decided_by, d.decided_at, d.channel_id,
    d.message_ts, u.id, u.state, u.attempts, u.last_error, o.id, o.state, o.attempts,
    o.last_error, s.name";

/// The newest message update and webhook call of each decision's request.
const FROM: &str = "FROM decision d JOIN event e ON e.id = d.event_id
    LEFT JOIN staff s ON s.id = (SELECT m.id FROM staff m
                                 WHERE m.email = e.staff_email COLLATE NOCASE
                                 ORDER BY m.active DESC, m.id LIMIT 1)
    LEFT JOIN outbox u ON u.id = (SELECT max(x.id) FROM outbox x
                                  WHERE x.event_id = d.event_id AND x.target_kind = 'update')
    LEFT JOIN outbox o ON o.id = (SELECT max(w.id) FROM outbox w
                                  WHERE w.event_id = d.event_id AND w.target_kind = 'webhook')";

/// The outbox row whose four columns start at `at`, if there is one.
fn row_state(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<OutboxState>> {
    let outbox_id: Option<i64> = r.get(at)?;
    Ok(match outbox_id {
        Some(outbox_id) => Some(OutboxState {
            outbox_id,
            state: r.get(at + 1)?,
            attempts: r.get(at + 2)?,
            last_error: r.get(at + 3)?,
        }),
        None => None,
    })
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Decision> {
    let update = row_state(r, 14)?;
    let webhook = row_state(r, 18)?;
    Ok(Decision {
        id: r.get(0)?,
        event_id: r.get(1)?,
        event_key: r.get(2)?,
        kind: r.get(3)?,
        staff_email: r.get(4)?,
        staff_name: r.get(22)?,
        decision: r.get(5)?,
        reason: r.get(6)?,
        team_id: r.get(7)?,
        slack_user_id: r.get(8)?,
        staff_id: r.get(9)?,
        decided_by: r.get(10)?,
        decided_at: r.get(11)?,
        channel_id: r.get(12)?,
        message_ts: r.get(13)?,
        update,
        webhook,
    })
}

/// The decision about request `event_id`, if it was decided.
pub fn for_event(conn: &Connection, event_id: i64) -> Result<Option<Decision>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE d.event_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([event_id], from_row)
        .optional()?)
}

/// Decision `id`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Decision>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE d.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// Decisions whose request has no webhook call yet (made while no URL was set), oldest first.
pub fn unsent(conn: &Connection) -> Result<Vec<Decision>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE o.id IS NULL ORDER BY d.decided_at, d.id");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Decisions newest first, `limit` at most.
pub fn list(conn: &Connection, limit: u32) -> Result<Vec<Decision>> {
    let sql = format!("SELECT {COLUMNS} {FROM} ORDER BY d.decided_at DESC, d.id DESC LIMIT ?1");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
