//! The outbox as people act on it: list messages with their state and Slack's answer, see a
//! message's attempts, retry a failed or held one, discard one, and decide about what the
//! integration switch held. One function per action, behind the CLI (`switchboard outbox …`)
//! and the console's Activity view alike; each change is audited and wakes the worker.

use serde::Serialize;
use switchboard_store::audit;
use switchboard_store::outbox::{self as stored, AttemptRow, Filter, Row};
use switchboard_store::rusqlite::Connection;

use crate::events::Event;
use crate::profile::Profile;
use crate::routing::Reason;
use crate::{Error, Result};

/// The states a message can be in, as listed and filtered.
pub const STATES: &[&str] = &["pending", "sending", "sent", "failed", "held", "discarded"];

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: i64,
    pub event_id: Option<i64>,
    /// The sender's id of the event.
    pub event: Option<String>,
    pub kind: Option<String>,
    pub team_id: String,
    /// `channel` or `dm`.
    pub target_kind: String,
    pub target_id: String,
    /// `#name` of the channel.
    pub target: String,
    pub notification_channel_id: Option<i64>,
    /// The business object whose thread it joins (`invoice:1042`).
    pub thread_key: Option<String>,
    /// pending, sending, sent, failed, held or discarded.
    pub state: String,
    /// Why it is held: `needs_reconnect` or `integration_off`.
    pub hold_reason: Option<String>,
    pub attempts: i64,
    /// When the next attempt is due (pending messages).
    pub next_attempt_at: Option<i64>,
    pub error_code: Option<String>,
    /// What went wrong, with the fix.
    pub error: Option<String>,
    pub slack_ts: Option<String>,
    pub thread_ts: Option<String>,
    pub permalink: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    /// The staff member a direct message is for.
    pub staff_id: Option<i64>,
}

impl From<Row> for Item {
    fn from(row: Row) -> Item {
        let target = match &row.target_name {
            Some(name) if row.target_kind == "channel" => format!("#{name}"),
            Some(name) => name.clone(),
            None => row.target_id.clone(),
        };
        Item {
            id: row.id,
            event_id: row.event_id,
            event: row.event_key,
            kind: row.kind,
            team_id: row.team_id,
            target_kind: row.target_kind,
            target_id: row.target_id,
            target,
            notification_channel_id: row.notification_channel_id,
            thread_key: row.thread_key,
            // Pending: the next attempt; held for working hours: when it is released.
            next_attempt_at: (row.state == "pending"
                || (row.state == "held"
                    && row.hold_reason.as_deref() == Some(crate::staff::WORKING_HOURS)))
            .then_some(row.next_attempt_at),
            state: row.state,
            hold_reason: row.hold_reason,
            attempts: row.attempts,
            error_code: row.error_code,
            error: row.last_error,
            slack_ts: row.slack_ts,
            thread_ts: row.thread_ts,
            permalink: row.permalink,
            created_at: row.created_at,
            updated_at: row.updated_at,
            sent_at: row.sent_at,
            staff_id: row.staff_id,
        }
    }
}

/// One attempt at a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub attempt: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// sent, found (an earlier send had arrived), retry, held or failed.
    pub outcome: String,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// How long delivery then waited before the next attempt.
    pub wait_ms: Option<i64>,
}

impl From<AttemptRow> for Attempt {
    fn from(row: AttemptRow) -> Attempt {
        Attempt {
            attempt: row.attempt,
            started_at: row.started_at,
            finished_at: row.finished_at,
            outcome: row.outcome,
            error_code: row.error_code,
            error: row.error,
            wait_ms: row.wait_ms,
        }
    }
}

/// A message with every attempt at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub item: Item,
    pub attempts_made: Vec<Attempt>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub since: Option<i64>,
    pub event_id: Option<i64>,
    /// Direct messages to this staff member.
    pub staff_id: Option<i64>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// The most messages one listing returns.
pub const MAX_LIST: u32 = 10_000;

/// Messages matching `query`, newest first.
pub fn list(profile: &Profile, query: &Query) -> Result<Vec<Item>> {
    if let Some(state) = &query.state
        && !STATES.contains(&state.as_str())
    {
        return Err(Error::invalid(
            "state",
            format!(
                "{state:?} is not a message state; use one of {}.",
                STATES.join(", ")
            ),
        ));
    }
    let filter = Filter {
        state: query.state.clone(),
        kind: query.kind.clone(),
        team_id: query.team_id.clone(),
        target_id: query.channel_id.clone(),
        since: query.since,
        event_id: query.event_id,
        staff_id: query.staff_id,
        before: query.before,
        limit: query.limit.unwrap_or(200).clamp(1, MAX_LIST),
    };
    let rows = profile
        .db()?
        .read(|conn| stored::list(conn, &filter).map_err(Error::from))?;
    Ok(rows.into_iter().map(Item::from).collect())
}

/// Message `id` with its attempts.
pub fn detail(profile: &Profile, id: i64) -> Result<Detail> {
    profile.db()?.read(|conn| {
        let row = stored::get(conn, id)?.ok_or_else(|| not_found(id))?;
        let attempts = stored::attempts(conn, id)?;
        Ok(Detail {
            item: row.into(),
            attempts_made: attempts.into_iter().map(Attempt::from).collect(),
        })
    })
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "message",
        message: format!(
            "No message {id} is in the outbox; `switchboard outbox list` shows the ones that are."
        ),
    }
}

/// Moves message `id` to `to` through `apply` (audited as `action` with the old and new
/// state), unless `refusal` says why not; a message already in `to` is returned unchanged.
fn change_state(
    profile: &Profile,
    id: i64,
    to: &str,
    action: &str,
    refusal: impl Fn(&Row) -> Option<String>,
    apply: impl FnOnce(&Connection, &str, i64) -> switchboard_store::Result<bool>,
) -> Result<Item> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let item = profile.db()?.write(|tx| {
        let row = stored::get(tx, id)?.ok_or_else(|| not_found(id))?;
        if let Some(why) = refusal(&row) {
            return Err(Error::invalid("id", why));
        }
        if row.state == to {
            return Ok(Item::from(row));
        }
        apply(tx, &actor, now)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action,
                subject: &format!("message {id}"),
                old_value: Some(&row.state),
                new_value: Some(to),
            },
        )?;
        Ok(Item::from(
            stored::get(tx, id)?.ok_or_else(|| not_found(id))?,
        ))
    })?;
    profile.emit(Event::OutboxChanged);
    profile.wake_delivery();
    Ok(item)
}

/// Sends a failed, held or discarded message again (due now). A message that was sent, or is
/// waiting already, is refused with what it is.
pub fn retry(profile: &Profile, id: i64) -> Result<Item> {
    change_state(
        profile,
        id,
        "pending",
        "outbox.retried",
        |row| match row.state.as_str() {
            "sent" => Some(format!(
                "Message {id} was sent already{}; nothing to retry.",
                row.permalink
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default()
            )),
            "pending" | "sending" => Some(format!(
                "Message {id} is waiting to be sent already; nothing to retry."
            )),
            _ => None,
        },
        |tx, _, now| stored::requeue(tx, id, &["failed", "held", "discarded"], now),
    )
}

/// Discards a message that waits or failed: it will not be sent. Sent messages stay.
pub fn discard(profile: &Profile, id: i64) -> Result<Item> {
    change_state(
        profile,
        id,
        "discarded",
        "outbox.discarded",
        |row| match row.state.as_str() {
            "sent" => Some(format!(
                "Message {id} was sent already; it cannot be discarded."
            )),
            "sending" => Some(format!(
                "Message {id} is being sent right now; discard it if the attempt fails."
            )),
            _ => None,
        },
        |tx, actor, now| {
            stored::discard(
                tx,
                id,
                &["pending", "held", "failed"],
                &format!("Discarded by {actor}."),
                now,
            )
        },
    )
}

/// What to do with the messages the integration switch held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldChoice {
    Send,
    Discard,
}

/// Sends or discards every message held while the integration was off; returns how many.
pub fn decide_held(profile: &Profile, choice: HeldChoice) -> Result<u64> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let reason = Reason::IntegrationOff.as_str();
    let count = profile.db()?.write(|tx| {
        if choice == HeldChoice::Send && !crate::routing::integration_on(tx)? {
            return Err(Error::invalid(
                "integration",
                "The Slack integration is off: turn it on before sending what it held.",
            ));
        }
        let count = match choice {
            HeldChoice::Send => stored::release(tx, reason, false, now)?,
            HeldChoice::Discard => stored::discard_held(
                tx,
                reason,
                &format!("Held while the integration was off; discarded by {actor}."),
                now,
            )?,
        };
        if count > 0 {
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: match choice {
                        HeldChoice::Send => "outbox.held_sent",
                        HeldChoice::Discard => "outbox.held_discarded",
                    },
                    subject: "messages held while the integration was off",
                    old_value: Some(&count.to_string()),
                    new_value: None,
                },
            )?;
        }
        Ok(count)
    })?;
    profile.emit(Event::OutboxChanged);
    profile.wake_delivery();
    Ok(count)
}
