//! The Activity timeline: what happened to each received event and why. One entry per event,
//! newest first, with one line per routing decision — the channels it was queued for (with
//! the message's state, attempts, error and permalink) and the ones that skipped it, with the
//! reason in a sentence. [`why`] adds the event's data and every attempt with its wait, so
//! "why did #sales not get invoice 1042?" is answered in one place. The console's Activity
//! view reads these two functions; `switchboard outbox` reads the outbox the same way.

use serde::Serialize;
use switchboard_store::events::{self as stored, EventFilter, Route, StoredEvent};
use switchboard_store::outbox::{self as stored_outbox, Filter, Row};
use switchboard_store::rusqlite::Connection;

use crate::catalog::Event;
use crate::event_kind::EventKind;
use crate::outbox::{Attempt, Item};
use crate::profile::Profile;
use crate::routing::Reason;
use crate::{Error, Result};

/// The states a timeline line can be in, as filtered: the outbox's (`pending` is shown as
/// queued) and `skipped` for channels routing passed over.
pub const STATES: &[&str] = &[
    "pending",
    "sending",
    "sent",
    "failed",
    "held",
    "discarded",
    "skipped",
];

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct TimelineQuery {
    pub state: Option<String>,
    /// Kinds or groups (`invoice.sent`, `invoices`); empty = every kind.
    pub kinds: Vec<String>,
    /// A notification channel's id.
    pub channel: Option<i64>,
    /// Received at or after (Unix ms).
    pub since: Option<i64>,
    /// Received before (Unix ms).
    pub until: Option<i64>,
    /// Continue after this event id (the page's `next`).
    pub before: Option<i64>,
    /// Only direct messages to (and decisions about) this staff member, each entry with only
    /// its lines about them: a member's message history.
    pub staff: Option<i64>,
    pub limit: u32,
}

/// One routing decision of an event, with its message's state when one was queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `#name` (or the channel id when the directory lost it); for decisions about no channel,
    /// the project named (or nothing).
    pub channel: Option<String>,
    pub channel_id: Option<String>,
    pub team_id: Option<String>,
    pub notification_channel_id: Option<i64>,
    /// The staff member a direct message is for.
    pub staff_id: Option<i64>,
    /// pending, sending, sent, failed, held, discarded — or skipped.
    pub state: String,
    /// Routing's stable reason code (`kind_on`, `kind_off`, `integration_off`…).
    pub reason: String,
    /// Why, in a sentence, with the fix where there is one: the routing reason, or the
    /// message's error once delivery failed or holds it.
    pub sentence: String,
    pub outbox_id: Option<i64>,
    pub attempts: i64,
    pub permalink: Option<String>,
    /// When the message's state last changed (Unix ms).
    pub updated_at: Option<i64>,
    /// When the next attempt is due (pending messages).
    pub next_attempt_at: Option<i64>,
}

/// An event with what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub event_id: i64,
    /// The sender's id.
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub group: String,
    /// `ui`, `cli` or `ingest`.
    pub source: String,
    /// One line about the event ("Invoice 1042 for Globex GmbH (€1,250.00) was sent").
    pub summary: String,
    pub occurred_at: Option<i64>,
    pub received_at: i64,
    pub lines: Vec<Line>,
}

/// One page of the timeline; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub next: Option<i64>,
}

/// The most entries one page returns.
pub const MAX_PAGE: u32 = 1_000;

/// Events matching `query`, newest first.
pub fn timeline(profile: &Profile, query: &TimelineQuery) -> Result<Page> {
    if let Some(state) = &query.state
        && !STATES.contains(&state.as_str())
    {
        return Err(Error::invalid(
            "state",
            format!(
                "{state:?} is not a state; use one of {}.",
                STATES.join(", ")
            ),
        ));
    }
    let kinds = crate::channels::parse_kinds(&query.kinds)?
        .into_iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    let limit = query.limit.clamp(1, MAX_PAGE);
    let filter = EventFilter {
        kinds,
        state: query.state.clone(),
        channel: query.channel,
        since: query.since,
        until: query.until,
        before: query.before,
        staff: query.staff,
        limit,
    };
    profile.db()?.read(|conn| {
        let events = stored::page(conn, &filter)?;
        let next = (events.len() == limit as usize)
            .then(|| events.last().map(|e| e.id))
            .flatten();
        let entries = events
            .into_iter()
            .map(|event| {
                let mut entry = entry(conn, event)?;
                if let Some(staff) = query.staff {
                    entry.lines.retain(|line| line.staff_id == Some(staff));
                }
                Ok(entry)
            })
            .collect::<Result<_>>()?;
        Ok(Page { entries, next })
    })
}

/// An event's whole story: the timeline entry, the event as received, and each message with
/// every attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Why {
    #[serde(flatten)]
    pub entry: Entry,
    /// The event as stored (validated: amounts as decimal strings, times in Unix ms).
    pub event: serde_json::Value,
    pub messages: Vec<MessageStory>,
}

/// A queued message with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageStory {
    #[serde(flatten)]
    pub item: Item,
    pub attempts_made: Vec<Attempt>,
}

/// Event `event_id` with its routing decisions, its data and each message's attempts.
pub fn why(profile: &Profile, event_id: i64) -> Result<Why> {
    profile.db()?.read(|conn| {
        let event = stored::get(conn, event_id)?.ok_or_else(|| Error::NotFound {
            what: "event",
            message: format!(
                "No event {event_id} was received; the Activity view lists the ones that were."
            ),
        })?;
        let data = serde_json::from_str(&event.payload_json).map_err(|e| {
            Error::from(switchboard_store::Error::Corrupt(format!(
                "event {event_id}: {e}"
            )))
        })?;
        let (entry, rows) = entry_and_messages(conn, event)?;
        let messages = rows
            .into_iter()
            .map(|row| {
                let attempts_made = stored_outbox::attempts(conn, row.id)?
                    .into_iter()
                    .map(Attempt::from)
                    .collect();
                Ok(MessageStory {
                    item: row.into(),
                    attempts_made,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Why {
            entry,
            event: data,
            messages,
        })
    })
}

fn entry(conn: &Connection, event: StoredEvent) -> Result<Entry> {
    Ok(entry_and_messages(conn, event)?.0)
}

/// The timeline entry of `event`, and the messages routing queued for it (read in one query,
/// in the order of its routes).
fn entry_and_messages(conn: &Connection, event: StoredEvent) -> Result<(Entry, Vec<Row>)> {
    let mut queued = stored_outbox::list(
        conn,
        &Filter {
            event_id: Some(event.id),
            limit: u32::MAX,
            ..Filter::default()
        },
    )?;
    let kind: Option<EventKind> = event.kind.parse().ok();
    let summary = serde_json::from_str::<Event>(&event.payload_json)
        .map(|e| crate::render::summary(&e))
        .unwrap_or_else(|_| event.kind.clone());
    let label = kind.map_or(event.kind.as_str(), |k| k.label()).to_owned();
    let mut rows = Vec::new();
    let mut lines: Vec<Line> = event
        .routes
        .into_iter()
        .map(|route| {
            let row = route
                .outbox_id
                .and_then(|id| queued.iter().position(|r| r.id == id))
                .map(|at| queued.swap_remove(at));
            let line = line(&event.kind, route, row.as_ref());
            rows.extend(row);
            line
        })
        .collect();
    // A decision's message update and webhook call ride the outbox under its request: a line
    // each.
    queued.sort_by_key(|r| r.id);
    for row in queued
        .into_iter()
        .filter(|r| matches!(r.target_kind.as_str(), "webhook" | "update"))
    {
        lines.push(decision_line(&row));
        rows.push(row);
    }
    let entry = Entry {
        event_id: event.id,
        id: event.key,
        group: kind.map_or("", |k| k.group()).to_owned(),
        kind: event.kind,
        kind_label: label,
        source: event.source,
        summary,
        occurred_at: event.occurred_at,
        received_at: event.received_at,
        lines,
    };
    Ok((entry, rows))
}

/// What a held, failed or discarded message's state means, with the fix: why it is held, or
/// Slack's error as delivery worded it. `None` for the other states (the routing decision
/// says it). `channel` is `#name`. The timeline's lines and a channel's test message say it so.
pub(crate) fn message_sentence(row: &Row, kind: &str, channel: &str) -> Option<String> {
    match row.hold_reason.as_deref().and_then(Reason::parse) {
        Some(Reason::IntegrationOff) if row.state == "held" => Some(format!(
            "Queued for {channel}, then held when the Slack integration was switched off: send or discard the held messages in Channels once it is on."
        )),
        Some(reason) if row.state == "held" => Some(reason.sentence(kind, channel)),
        _ => matches!(row.state.as_str(), "failed" | "discarded")
            .then(|| row.last_error.clone().filter(|e| !e.is_empty()))
            .flatten(),
    }
}

/// The line of a decision's webhook call or message update: where it goes and how it stands.
fn decision_line(row: &Row) -> Line {
    let webhook = row.target_kind == "webhook";
    let url = row.target_name.clone().unwrap_or_default();
    let done = if webhook {
        format!("The decision was sent to the business application at {url}, which accepted it.")
    } else {
        "The approval message in Slack shows the decision instead of its buttons.".to_owned()
    };
    let going = if webhook {
        format!("The decision is being sent to the business application at {url}.")
    } else {
        "The approval message in Slack is being changed to show the decision.".to_owned()
    };
    let sentence = match row.state.as_str() {
        "sent" => done,
        "pending" | "sending" => match &row.last_error {
            Some(error) if row.attempts > 0 => error.clone(),
            _ => going,
        },
        _ => row.last_error.clone().unwrap_or(going),
    };
    Line {
        channel: Some(if webhook {
            "Decisions webhook".to_owned()
        } else {
            "Approval message".to_owned()
        }),
        channel_id: (!webhook).then(|| row.target_id.clone()),
        team_id: Some(row.team_id.clone()),
        notification_channel_id: None,
        staff_id: None,
        state: row.state.clone(),
        reason: if webhook {
            "decision_webhook"
        } else {
            "decision_shown"
        }
        .to_owned(),
        sentence,
        outbox_id: Some(row.id),
        attempts: row.attempts,
        permalink: None,
        updated_at: Some(row.updated_at),
        next_attempt_at: (row.state == "pending").then_some(row.next_attempt_at),
    }
}

fn line(kind: &str, route: Route, message: Option<&Row>) -> Line {
    let (channel, sentence) = crate::ingest::explain(kind, &route);
    let mut line = Line {
        channel,
        channel_id: route.channel_id,
        team_id: route.team_id,
        notification_channel_id: route.notification_channel_id,
        staff_id: route.staff_id,
        state: route.outcome.as_str().to_owned(),
        reason: route.reason,
        sentence,
        outbox_id: route.outbox_id,
        attempts: 0,
        permalink: None,
        updated_at: None,
        next_attempt_at: None,
    };
    if let Some(row) = message {
        if let Some(sentence) = message_sentence(row, kind, line.channel.as_deref().unwrap_or("")) {
            line.sentence = sentence;
        }
        line.next_attempt_at = (row.state == "pending").then_some(row.next_attempt_at);
        line.state = row.state.clone();
        line.attempts = row.attempts;
        line.permalink = row.permalink.clone();
        line.updated_at = Some(row.updated_at);
    }
    line
}
