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
    pub decision: String,
    pub reason: Option<String>,
    pub team_id: String,
    pub slack_user_id: String,
    pub staff_id: Option<i64>,
    pub decided_by: String,
    pub decided_at: i64,
    pub channel_id: String,
    pub message_ts: String,
    pub message_updated_at: Option<i64>,
    pub message_error: Option<String>,
    /// The webhook call telling the business application, if one was queued: its outbox
    /// row, state, attempts and last error.
    pub webhook: Option<WebhookState>,
}

/// Where the webhook call about a decision stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookState {
    pub outbox_id: i64,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
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

/// Records how updating the decided message went: `error` None = it shows the decision now.
pub fn message_updated(conn: &Connection, id: i64, error: Option<&str>, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE decision SET message_updated_at = CASE WHEN ?2 IS NULL THEN ?3 END,
             message_error = ?2
         WHERE id = ?1",
    )?
    .execute(params![id, error, now])?;
    Ok(())
}

const COLUMNS: &str = "d.id, d.event_id, e.idempotency_key, e.kind, e.staff_email, d.decision,
    d.reason, d.team_id, d.slack_user_id, d.staff_id, d.decided_by, d.decided_at, d.channel_id,
    d.message_ts, d.message_updated_at, d.message_error, o.id, o.state, o.attempts,
    o.last_error, o.sent_at";

/// The newest webhook call of each decision's request.
const FROM: &str = "FROM decision d JOIN event e ON e.id = d.event_id
    LEFT JOIN outbox o ON o.id = (SELECT max(w.id) FROM outbox w
                                  WHERE w.event_id = d.event_id AND w.target_kind = 'webhook')";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Decision> {
    let outbox_id: Option<i64> = r.get(16)?;
    let webhook = match outbox_id {
        Some(outbox_id) => Some(WebhookState {
            outbox_id,
            state: r.get(17)?,
            attempts: r.get(18)?,
            last_error: r.get(19)?,
            sent_at: r.get(20)?,
        }),
        None => None,
    };
    Ok(Decision {
        id: r.get(0)?,
        event_id: r.get(1)?,
        event_key: r.get(2)?,
        kind: r.get(3)?,
        staff_email: r.get(4)?,
        decision: r.get(5)?,
        reason: r.get(6)?,
        team_id: r.get(7)?,
        slack_user_id: r.get(8)?,
        staff_id: r.get(9)?,
        decided_by: r.get(10)?,
        decided_at: r.get(11)?,
        channel_id: r.get(12)?,
        message_ts: r.get(13)?,
        message_updated_at: r.get(14)?,
        message_error: r.get(15)?,
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

/// Decisions newest first, `limit` at most, made at or after `since` when given.
pub fn list(conn: &Connection, since: Option<i64>, limit: u32) -> Result<Vec<Decision>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE d.decided_at >= ?1 ORDER BY d.decided_at DESC, d.id DESC
         LIMIT ?2"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params![since.unwrap_or(i64::MIN), limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The decisions about the requests `event_ids` (for a member's message history).
pub fn for_events(conn: &Connection, event_ids: &[i64]) -> Result<Vec<Decision>> {
    let ids = serde_json::to_string(event_ids).unwrap_or_else(|_| "[]".into());
    let sql =
        format!("SELECT {COLUMNS} {FROM} WHERE d.event_id IN (SELECT value FROM json_each(?1))");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([ids], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
