//! The outbox: one row per message to deliver. Rows are written with their event
//! ([`crate::events::insert`]); these change many at once.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// Holds every pending message for `reason` (e.g. `integration_off`); returns how many.
pub fn hold_pending(conn: &Connection, reason: &str, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'held', hold_reason = ?1, updated_at = ?2
         WHERE state = 'pending' AND target_kind != 'webhook'",
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

/// A message the worker is about to send: claimed (`sending`) until `lease_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub event_id: Option<i64>,
    pub notification_channel_id: Option<i64>,
    pub team_id: String,
    pub target_kind: String,
    pub target_id: String,
    pub target_name: Option<String>,
    pub payload_json: String,
    pub thread_key: Option<String>,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
    /// Whether an earlier send may have reached Slack: look for it before sending.
    pub check_first: bool,
    pub created_at: i64,
    /// When the earlier attempt that may have reached Slack started (for the history search).
    pub previous_attempt_at: Option<i64>,
    /// The staff member a direct message is for.
    pub staff_id: Option<i64>,
}

/// A channel's queue: a workspace and a target (channel or DM) whose messages go in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lane {
    pub team_id: String,
    pub target_id: String,
}

/// The lanes whose first waiting message is due at `now` (at most `limit`), and when the next
/// one that is not due yet will be.
pub fn due_lanes(conn: &Connection, now: i64, limit: usize) -> Result<(Vec<Lane>, Option<i64>)> {
    let mut statement = conn.prepare_cached(
        "SELECT o.team_id, o.target_id, o.next_attempt_at
         FROM outbox o
         WHERE o.id IN (SELECT min(id) FROM outbox WHERE state IN ('pending', 'sending')
                        GROUP BY team_id, target_id)
         ORDER BY o.next_attempt_at, o.id",
    )?;
    let mut lanes = Vec::new();
    let mut next = None;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let at: i64 = row.get(2)?;
        if at <= now {
            if lanes.len() < limit {
                lanes.push(Lane {
                    team_id: row.get(0)?,
                    target_id: row.get(1)?,
                });
            }
        } else {
            next = Some(next.map_or(at, |n: i64| n.min(at)));
            break;
        }
    }
    Ok((lanes, next))
}

/// Claims the first waiting message of `lane` when it is due: `sending` until
/// `now + lease_ms`, its attempt counted. `Ok(Err(at))` when the head waits until `at`
/// (a backoff, or another sender's lease); `Ok(Ok(None))` when the lane is empty.
#[allow(clippy::type_complexity)]
pub fn claim_next(
    conn: &Connection,
    lane: &Lane,
    now: i64,
    lease_ms: i64,
) -> Result<std::result::Result<Option<Claimed>, i64>> {
    let head: Option<(i64, String, i64)> = conn
        .prepare_cached(
            "SELECT id, state, next_attempt_at FROM outbox
             WHERE team_id = ?1 AND target_id = ?2 AND state IN ('pending', 'sending')
             ORDER BY id LIMIT 1",
        )?
        .query_row(params![lane.team_id, lane.target_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((id, state, at)) = head else {
        return Ok(Ok(None));
    };
    if at > now {
        return Ok(Err(at));
    }
    Ok(Ok(claim(conn, id, state == "sending", now, lease_ms)?))
}

/// Claims message `id` (pending, or `sending` with its lease run out) for one attempt.
/// `interrupted` says the last sender stopped mid-send (its lease ran out): that attempt is
/// recorded and this one looks for the message before sending.
pub fn claim(
    conn: &Connection,
    id: i64,
    interrupted: bool,
    now: i64,
    lease_ms: i64,
) -> Result<Option<Claimed>> {
    if interrupted {
        let attempts: i64 =
            conn.query_row("SELECT attempts FROM outbox WHERE id = ?1", [id], |row| {
                row.get(0)
            })?;
        conn.execute(
            "INSERT OR IGNORE INTO delivery_attempt (outbox_id, attempt, started_at, finished_at,
                 outcome, error_code, error)
             SELECT id, attempts, updated_at, ?2, 'retry', 'interrupted',
                    'Switchboard stopped while sending this message; Slack is checked for it before it is sent again.'
             FROM outbox WHERE id = ?1 AND attempts = ?3",
            params![id, now, attempts],
        )?;
        conn.execute("UPDATE outbox SET check_first = 1 WHERE id = ?1", [id])?;
    }
    let claimed = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                 next_attempt_at = ?2 + ?3, updated_at = ?2
             WHERE id = ?1 AND state IN ('pending', 'sending') AND next_attempt_at <= ?2
             RETURNING id, event_id, notification_channel_id, team_id, target_kind, target_id,
                       target_name,
                       coalesce(payload_json,
                                (SELECT message_json FROM event WHERE event.id = outbox.event_id)),
                       thread_key, attempts, check_first, created_at, staff_id",
        )?
        .query_row(params![id, now, lease_ms], |row| {
            Ok(Claimed {
                id: row.get(0)?,
                event_id: row.get(1)?,
                notification_channel_id: row.get(2)?,
                team_id: row.get(3)?,
                target_kind: row.get(4)?,
                target_id: row.get(5)?,
                target_name: row.get(6)?,
                // Never NULL while the event is kept (events are not deleted); an empty
                // payload fails delivery with a "could not be read" error rather than a panic.
                payload_json: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
                thread_key: row.get(8)?,
                attempt: row.get(9)?,
                check_first: row.get::<_, i64>(10)? == 1,
                created_at: row.get(11)?,
                previous_attempt_at: None,
                staff_id: row.get(12)?,
            })
        })
        .optional()?;
    let Some(mut claimed) = claimed else {
        return Ok(None);
    };
    if claimed.check_first {
        claimed.previous_attempt_at = conn
            .query_row(
                "SELECT min(started_at) FROM delivery_attempt
                 WHERE outbox_id = ?1 AND outcome = 'retry'",
                [id],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
    }
    Ok(Some(claimed))
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempted {
    /// Slack took it (`found`: an earlier send had, and the history search found it).
    Sent {
        found: bool,
        channel_id: String,
        ts: String,
        thread_ts: Option<String>,
        permalink: Option<String>,
        /// The thread this message started for its business object.
        started_thread: Option<(String, String)>,
    },
    /// Try again at `at`; `maybe_sent` when the send may have reached Slack.
    Retry {
        at: i64,
        code: String,
        error: String,
        maybe_sent: bool,
    },
    /// Wait, with the other messages of its workspace, for `reason` to clear.
    Held {
        reason: String,
        code: String,
        error: String,
        maybe_sent: bool,
    },
    /// Will not heal by waiting: the sentence says what to do.
    Failed { code: String, error: String },
}

/// Records how attempt `claimed.attempt` of message `claimed.id` (started at `started_at`)
/// ended.
pub fn record(
    conn: &Connection,
    claimed: &Claimed,
    started_at: i64,
    outcome: &Attempted,
    now: i64,
) -> Result<()> {
    let mut attempt = conn.prepare_cached(
        "INSERT OR REPLACE INTO delivery_attempt (outbox_id, attempt, started_at, finished_at,
             outcome, error_code, error, wait_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    match outcome {
        Attempted::Sent {
            found,
            channel_id,
            ts,
            thread_ts,
            permalink,
            started_thread,
        } => {
            attempt.execute(params![
                claimed.id,
                claimed.attempt,
                started_at,
                now,
                if *found { "found" } else { "sent" },
                None::<String>,
                None::<String>,
                None::<i64>
            ])?;
            conn.prepare_cached(
                "UPDATE outbox SET state = 'sent', check_first = 0, hold_reason = NULL,
                     error_code = NULL, last_error = NULL, slack_channel_id = ?2, slack_ts = ?3,
                     thread_ts = ?4, permalink = ?5, sent_at = ?6, updated_at = ?6
                 WHERE id = ?1",
            )?
            .execute(params![
                claimed.id, channel_id, ts, thread_ts, permalink, now
            ])?;
            if let Some((key, thread)) = started_thread {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO object_thread (team_id, channel_id, object_key,
                         thread_ts, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    claimed.team_id,
                    claimed.target_id,
                    key,
                    thread,
                    now
                ])?;
            }
        }
        Attempted::Retry {
            at,
            code,
            error,
            maybe_sent,
        } => {
            attempt.execute(params![
                claimed.id,
                claimed.attempt,
                started_at,
                now,
                "retry",
                code,
                error,
                at - now
            ])?;
            conn.prepare_cached(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?2,
                     check_first = max(check_first, ?3), error_code = ?4, last_error = ?5,
                     updated_at = ?6
                 WHERE id = ?1",
            )?
            .execute(params![
                claimed.id,
                at,
                *maybe_sent as i64,
                code,
                error,
                now
            ])?;
        }
        Attempted::Held {
            reason,
            code,
            error,
            maybe_sent,
        } => {
            attempt.execute(params![
                claimed.id,
                claimed.attempt,
                started_at,
                now,
                "held",
                code,
                error,
                None::<i64>
            ])?;
            conn.prepare_cached(
                "UPDATE outbox SET state = 'held', hold_reason = ?2, next_attempt_at = ?6,
                     check_first = max(check_first, ?3), error_code = ?4, last_error = ?5,
                     updated_at = ?6
                 WHERE id = ?1",
            )?
            .execute(params![
                claimed.id,
                reason,
                *maybe_sent as i64,
                code,
                error,
                now
            ])?;
            hold_team(conn, &claimed.team_id, reason, now)?;
        }
        Attempted::Failed { code, error } => {
            attempt.execute(params![
                claimed.id,
                claimed.attempt,
                started_at,
                now,
                "failed",
                code,
                error,
                None::<i64>
            ])?;
            conn.prepare_cached(
                "UPDATE outbox SET state = 'failed', error_code = ?2, last_error = ?3,
                     updated_at = ?4
                 WHERE id = ?1",
            )?
            .execute(params![claimed.id, code, error, now])?;
        }
    }
    Ok(())
}

/// Holds every waiting message of workspace `team_id` for `reason` (`needs_reconnect`);
/// returns how many. Messages mid-send keep their lease and are held when their attempt ends.
pub fn hold_team(conn: &Connection, team_id: &str, reason: &str, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'held', hold_reason = ?2, updated_at = ?3
         WHERE team_id = ?1 AND target_kind != 'webhook'
           AND (state = 'pending' OR (state = 'sending' AND next_attempt_at <= ?3))",
        params![team_id, reason, now],
    )? as u64)
}

/// Sends again what was held for `reason` — in workspaces that are connected now when
/// `connected_only` — from `now`; returns how many.
pub fn release(conn: &Connection, reason: &str, connected_only: bool, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'pending', hold_reason = NULL, next_attempt_at = ?2,
             updated_at = ?2
         WHERE state = 'held' AND hold_reason = ?1
           AND (?3 = 0 OR team_id IN (SELECT team_id FROM workspace WHERE status = 'connected'))",
        params![reason, now, connected_only as i64],
    )? as u64)
}

/// Holds every waiting direct message to staff member `staff_id` for `reason`
/// (`staff_switched_off`), whatever else held it (working hours, a workspace to reconnect), so
/// nothing releases it while the reason stands; returns how many. A message mid-send finishes
/// its attempt.
pub fn hold_staff(conn: &Connection, staff_id: i64, reason: &str, now: i64) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET state = 'held', hold_reason = ?2, updated_at = ?3
             WHERE staff_id = ?1
               AND (state = 'pending' OR (state = 'held' AND hold_reason IS NOT ?2))",
        )?
        .execute(params![staff_id, reason, now])? as u64)
}

/// Ends the hold for `reason` of the direct messages to `staff_id`: they are sent from `now`,
/// or, with `then` (another reason and a time), held for that reason until then (a member's
/// working hours) — urgent ones excepted, which are sent; returns how many.
pub fn release_staff(
    conn: &Connection,
    staff_id: i64,
    reason: &str,
    then: Option<(&str, i64)>,
    now: i64,
) -> Result<u64> {
    let (next_reason, at) = then.unzip();
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET
                 state = CASE WHEN ?4 IS NULL OR urgent = 1 THEN 'pending' ELSE 'held' END,
                 hold_reason = CASE WHEN ?4 IS NULL OR urgent = 1 THEN NULL ELSE ?4 END,
                 next_attempt_at = CASE WHEN ?4 IS NULL OR urgent = 1 THEN ?3 ELSE ?5 END,
                 updated_at = ?3
             WHERE staff_id = ?1 AND state = 'held' AND hold_reason = ?2",
        )?
        .execute(params![staff_id, reason, now, next_reason, at])? as u64)
}

/// Releases what was held for `reason` until a time that has come (`next_attempt_at <= now`:
/// direct messages waiting for working hours); how many. Earliest-first is kept by id.
pub fn release_due(conn: &Connection, reason: &str, now: i64) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET state = 'pending', hold_reason = NULL, updated_at = ?2
             WHERE state = 'held' AND hold_reason = ?1 AND next_attempt_at <= ?2",
        )?
        .execute(params![reason, now])? as u64)
}

/// Discards what still waits (pending or held) for staff member `staff_id` — in workspace
/// `team_id`, or everywhere with `None` — saying `why`; returns how many.
pub fn discard_waiting_for_staff(
    conn: &Connection,
    staff_id: i64,
    team_id: Option<&str>,
    why: &str,
    now: i64,
) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET state = 'discarded', last_error = ?2, updated_at = ?3
             WHERE staff_id = ?1 AND state IN ('pending', 'held') AND (?4 IS NULL OR team_id = ?4)",
        )?
        .execute(params![staff_id, why, now, team_id])? as u64)
}

/// Discards every held message held for `reason`; returns how many.
pub fn discard_held(conn: &Connection, reason: &str, why: &str, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'discarded', last_error = ?2, updated_at = ?3
         WHERE state = 'held' AND hold_reason = ?1",
        params![reason, why, now],
    )? as u64)
}

/// The thread of business object `key` in a channel, when one was started.
pub fn thread_of(
    conn: &Connection,
    team_id: &str,
    channel_id: &str,
    key: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT thread_ts FROM object_thread
             WHERE team_id = ?1 AND channel_id = ?2 AND object_key = ?3",
        )?
        .query_row(params![team_id, channel_id, key], |row| row.get(0))
        .optional()?)
}

/// Makes every message mid-send due now (the caller holds the delivery lock, so their senders
/// are gone): each is looked for in Slack before it is sent again.
pub fn expire_leases(conn: &Connection, now: i64) -> Result<u64> {
    Ok(conn.execute(
        "UPDATE outbox SET next_attempt_at = ?1 WHERE state = 'sending' AND next_attempt_at > ?1",
        [now],
    )? as u64)
}

/// A message as people see it: where it goes, its state and Slack's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub event_id: Option<i64>,
    /// The sender's id of the event (`inv-1042-sent`).
    pub event_key: Option<String>,
    pub kind: Option<String>,
    pub notification_channel_id: Option<i64>,
    pub team_id: String,
    pub target_kind: String,
    pub target_id: String,
    pub target_name: Option<String>,
    pub thread_key: Option<String>,
    pub state: String,
    pub hold_reason: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub error_code: Option<String>,
    pub last_error: Option<String>,
    pub slack_ts: Option<String>,
    pub thread_ts: Option<String>,
    pub permalink: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    /// The staff member a direct message is for.
    pub staff_id: Option<i64>,
}

/// Which messages to list (all filters optional), newest first, `limit` at most, before id
/// `before` (paging).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub team_id: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<i64>,
    pub event_id: Option<i64>,
    /// Direct messages to this staff member.
    pub staff_id: Option<i64>,
    pub before: Option<i64>,
    pub limit: u32,
}

const ROW_COLUMNS: &str = "o.id, o.event_id, e.idempotency_key, e.kind, o.notification_channel_id,
    o.team_id, o.target_kind, o.target_id, o.target_name, o.thread_key, o.state, o.hold_reason,
    o.attempts, o.next_attempt_at, o.error_code, o.last_error, o.slack_ts, o.thread_ts,
    o.permalink, o.created_at, o.updated_at, o.sent_at, o.staff_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        event_id: r.get(1)?,
        event_key: r.get(2)?,
        kind: r.get(3)?,
        notification_channel_id: r.get(4)?,
        team_id: r.get(5)?,
        target_kind: r.get(6)?,
        target_id: r.get(7)?,
        target_name: r.get(8)?,
        thread_key: r.get(9)?,
        state: r.get(10)?,
        hold_reason: r.get(11)?,
        attempts: r.get(12)?,
        next_attempt_at: r.get(13)?,
        error_code: r.get(14)?,
        last_error: r.get(15)?,
        slack_ts: r.get(16)?,
        thread_ts: r.get(17)?,
        permalink: r.get(18)?,
        created_at: r.get(19)?,
        updated_at: r.get(20)?,
        sent_at: r.get(21)?,
        staff_id: r.get(22)?,
    })
}

/// Messages matching `filter`, newest first. Only the filters given are in the statement, so
/// SQLite can use the index a filter has (`o.event_id = ?` with `IS NULL OR` beside it was a
/// scan of the whole outbox for each event on an Activity page).
pub fn list(conn: &Connection, filter: &Filter) -> Result<Vec<Row>> {
    fn given<T: rusqlite::ToSql>(value: &Option<T>) -> Option<&dyn rusqlite::ToSql> {
        value.as_ref().map(|v| v as &dyn rusqlite::ToSql)
    }
    let candidates: [(&str, Option<&dyn rusqlite::ToSql>); 8] = [
        ("o.staff_id = ?", given(&filter.staff_id)),
        ("o.state = ?", given(&filter.state)),
        ("e.kind = ?", given(&filter.kind)),
        ("o.team_id = ?", given(&filter.team_id)),
        ("o.target_id = ?", given(&filter.target_id)),
        ("o.created_at >= ?", given(&filter.since)),
        ("o.event_id = ?", given(&filter.event_id)),
        ("o.id < ?", given(&filter.before)),
    ];
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
    for (clause, value) in candidates {
        if let Some(value) = value {
            clauses.push(clause);
            values.push(value);
        }
    }
    let filters = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    values.push(&filter.limit);
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM outbox o LEFT JOIN event e ON e.id = o.event_id
         {filters} ORDER BY o.id DESC LIMIT ?"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(values.as_slice(), row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Message `id`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Row>> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM outbox o LEFT JOIN event e ON e.id = o.event_id WHERE o.id = ?1"
    );
    Ok(conn.prepare_cached(&sql)?.query_row([id], row).optional()?)
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub attempt: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: String,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub wait_ms: Option<i64>,
}

/// The attempts at message `id`, in order.
pub fn attempts(conn: &Connection, id: i64) -> Result<Vec<AttemptRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT attempt, started_at, finished_at, outcome, error_code, error, wait_ms
         FROM delivery_attempt WHERE outbox_id = ?1 ORDER BY attempt",
    )?;
    let rows = statement.query_map([id], |r| {
        Ok(AttemptRow {
            attempt: r.get(0)?,
            started_at: r.get(1)?,
            finished_at: r.get(2)?,
            outcome: r.get(3)?,
            error_code: r.get(4)?,
            error: r.get(5)?,
            wait_ms: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Moves message `id` to `pending` (due now) from one of `from`; whether it moved.
pub fn requeue(conn: &Connection, id: i64, from: &[&str], now: i64) -> Result<bool> {
    let states = serde_json::to_string(from).unwrap_or_else(|_| "[]".into());
    Ok(conn.execute(
        "UPDATE outbox SET state = 'pending', hold_reason = NULL, next_attempt_at = ?2,
             updated_at = ?2
         WHERE id = ?1 AND state IN (SELECT value FROM json_each(?3))",
        params![id, now, states],
    )? == 1)
}

/// Discards message `id` from one of `from`, saying `why`; whether it moved.
pub fn discard(conn: &Connection, id: i64, from: &[&str], why: &str, now: i64) -> Result<bool> {
    let states = serde_json::to_string(from).unwrap_or_else(|_| "[]".into());
    Ok(conn.execute(
        "UPDATE outbox SET state = 'discarded', last_error = ?2, updated_at = ?3
         WHERE id = ?1 AND state IN (SELECT value FROM json_each(?4))",
        params![id, why, now, states],
    )? == 1)
}

/// A message routing did not make (a channel's test message, an answer to a staff member, a
/// webhook call), queued due now.
#[derive(Debug, Clone)]
pub struct Standalone<'a> {
    pub notification_channel_id: Option<i64>,
    /// The event it belongs to, if any (a decision's webhook call: its request).
    pub event_id: Option<i64>,
    pub team_id: &'a str,
    /// `channel`, `dm` (a Slack user or DM channel) or `webhook`.
    pub target_kind: &'a str,
    pub target_id: &'a str,
    /// The staff member a direct message is for.
    pub staff_id: Option<i64>,
    pub target_name: Option<&'a str>,
    pub payload_json: &'a str,
    pub now: i64,
}

/// Queues `message` behind what already waits for its channel; returns its id.
pub fn enqueue(conn: &Connection, message: &Standalone<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (notification_channel_id, team_id, target_kind, target_id,
             target_name, payload_json, state, next_attempt_at, created_at, updated_at,
             event_id, staff_id, urgent)
         VALUES (?1, ?2, ?7, ?3, ?4, ?5, 'pending', ?6, ?6, ?6, ?8, ?9, ?10)",
    )?
    .execute(params![
        message.notification_channel_id,
        message.team_id,
        message.target_id,
        message.target_name,
        message.payload_json,
        message.now,
        message.target_kind,
        message.event_id,
        message.staff_id,
        message.staff_id.is_some() as i64
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The test message of notification channel `notification_channel_id` still waiting to be
/// sent (pending or sending), if there is one: a test message is the channel's message that
/// belongs to no event.
pub fn waiting_test(conn: &Connection, notification_channel_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM outbox
             WHERE state IN ('pending', 'sending') AND event_id IS NULL
               AND notification_channel_id = ?1
             ORDER BY id LIMIT 1",
        )?
        .query_row([notification_channel_id], |row| row.get(0))
        .optional()?)
}

/// The message (Block Kit payload as JSON) that outbox row `id` sends: its own, or its
/// event's when the row shares it.
pub fn payload(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(o.payload_json, e.message_json)
             FROM outbox o LEFT JOIN event e ON e.id = o.event_id WHERE o.id = ?1",
        )?
        .query_row([id], |row| row.get(0))
        .optional()?
        .flatten())
}
