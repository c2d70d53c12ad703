//! The Activity view's entries: the timeline of events and deliveries, an event's story, and
//! the audit log.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::timeline;

/// One audit-log entry as the Activity view lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub id: f64,
    /// Unix milliseconds.
    pub at: f64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl From<switchboard_core::activity::AuditEntry> for ActivityEntry {
    fn from(e: switchboard_core::activity::AuditEntry) -> Self {
        ActivityEntry {
            id: e.id as f64,
            at: e.at as f64,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            old_value: e.old_value,
            new_value: e.new_value,
        }
    }
}

/// One routing decision of an event, with its message's state.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TimelineLine {
    /// `#name`; for decisions about no channel, the project named (or nothing).
    pub channel: Option<String>,
    pub channel_id: Option<String>,
    pub team_id: Option<String>,
    pub notification_channel_id: Option<i64>,
    /// The staff member a direct message is for.
    pub staff_id: Option<i64>,
    /// pending (shown as queued), sending, sent, failed, held, discarded or skipped.
    pub state: String,
    pub reason: String,
    /// Why, with the fix where there is one.
    pub sentence: String,
    pub outbox_id: Option<i64>,
    pub attempts: i64,
    pub permalink: Option<String>,
    pub updated_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
}

impl From<timeline::Line> for TimelineLine {
    fn from(l: timeline::Line) -> Self {
        TimelineLine {
            channel: l.channel,
            channel_id: l.channel_id,
            team_id: l.team_id,
            notification_channel_id: l.notification_channel_id,
            staff_id: l.staff_id,
            state: l.state,
            reason: l.reason,
            sentence: l.sentence,
            outbox_id: l.outbox_id,
            attempts: l.attempts,
            permalink: l.permalink,
            updated_at: l.updated_at,
            next_attempt_at: l.next_attempt_at,
        }
    }
}

/// An event with where it went and why.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub event_id: i64,
    /// The sender's id.
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub group: String,
    pub source: String,
    pub summary: String,
    pub occurred_at: Option<i64>,
    pub received_at: i64,
    pub lines: Vec<TimelineLine>,
}

impl From<timeline::Entry> for TimelineEntry {
    fn from(e: timeline::Entry) -> Self {
        TimelineEntry {
            event_id: e.event_id,
            id: e.id,
            kind: e.kind,
            kind_label: e.kind_label,
            group: e.group,
            source: e.source,
            summary: e.summary,
            occurred_at: e.occurred_at,
            received_at: e.received_at,
            lines: e.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// A page of the timeline; `next` continues it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next: Option<i64>,
}

/// Which events the timeline lists.
#[derive(Debug, Clone, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct TimelineFilter {
    pub state: Option<String>,
    /// Kinds or groups.
    pub kinds: Vec<String>,
    /// A notification channel's id.
    pub channel: Option<i64>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub before: Option<i64>,
    /// A staff member: only their direct messages (their history in Messages).
    pub staff: Option<i64>,
    pub limit: u32,
}

/// One attempt at a message.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempt: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// sent, found, retry, held or failed.
    pub outcome: String,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// How long delivery waited before the next attempt.
    pub wait_ms: Option<i64>,
}

/// A message routing queued, with every attempt.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageStory {
    pub outbox_id: i64,
    pub target: String,
    pub state: String,
    pub hold_reason: Option<String>,
    pub error: Option<String>,
    pub thread_key: Option<String>,
    pub permalink: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: Vec<AttemptView>,
}

/// An event's whole story.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventStory {
    pub entry: TimelineEntry,
    /// The event as stored, pretty-printed JSON.
    pub event_json: String,
    pub messages: Vec<MessageStory>,
}

impl From<timeline::Why> for EventStory {
    fn from(w: timeline::Why) -> Self {
        EventStory {
            entry: w.entry.into(),
            event_json: serde_json::to_string_pretty(&w.event).unwrap_or_default(),
            messages: w
                .messages
                .into_iter()
                .map(|m| MessageStory {
                    outbox_id: m.item.id,
                    target: m.item.target,
                    state: m.item.state,
                    hold_reason: m.item.hold_reason,
                    error: m.item.error,
                    thread_key: m.item.thread_key,
                    permalink: m.item.permalink,
                    created_at: m.item.created_at,
                    sent_at: m.item.sent_at,
                    attempts: m
                        .attempts_made
                        .into_iter()
                        .map(|a| AttemptView {
                            attempt: a.attempt,
                            started_at: a.started_at,
                            finished_at: a.finished_at,
                            outcome: a.outcome,
                            error_code: a.error_code,
                            error: a.error,
                            wait_ms: a.wait_ms,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
