//! What Slack said back, as the web view shows it: decisions, the decisions webhook, staff
//! conversations and the file types staff may send.

use serde::Serialize;
use specta::Type;

/// An approval decided in Slack.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub id: i64,
    pub request_id: String,
    pub kind: String,
    pub staff: Option<String>,
    pub staff_name: Option<String>,
    /// `approved` or `rejected`.
    pub decision: String,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: i64,
    pub message_updated: bool,
    pub message_error: Option<String>,
    /// The webhook call's outbox state; `None` when no URL was set.
    pub webhook_state: Option<String>,
    pub webhook_attempts: i64,
    pub webhook_error: Option<String>,
}

impl From<switchboard_core::approvals::DecisionView> for Decision {
    fn from(d: switchboard_core::approvals::DecisionView) -> Self {
        Decision {
            id: d.id,
            request_id: d.request_id,
            kind: d.kind,
            staff: d.staff,
            staff_name: d.staff_name,
            decision: d.decision,
            reason: d.reason,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            message_updated: d.message_updated,
            message_error: d.message_error,
            webhook_state: d.webhook_state,
            webhook_attempts: d.webhook_attempts,
            webhook_error: d.webhook_error,
        }
    }
}

/// Settings → Decisions webhook.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettings {
    pub url: Option<String>,
    pub has_secret: bool,
    /// A signing secret made by this change: shown this once.
    pub new_secret: Option<String>,
    /// The accepted file types of staff conversations (`image/*`, `pdf`…).
    pub file_types: Vec<String>,
    /// The same in words: "images and PDF".
    pub file_types_described: String,
}

/// A file a member sent.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConversationFile {
    pub name: String,
    /// Bytes (up to 2^53).
    pub size: f64,
    pub filetype: String,
    pub accepted: bool,
}

/// One line of a member's conversation.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConversationLine {
    /// `in` (the member wrote it) or `out` (sent to them).
    pub direction: String,
    pub id: i64,
    pub at: i64,
    pub text: String,
    pub files: Vec<ConversationFile>,
    pub kind: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub permalink: Option<String>,
    pub read_at: Option<i64>,
}

impl From<switchboard_core::conversations::Line> for ConversationLine {
    fn from(l: switchboard_core::conversations::Line) -> Self {
        ConversationLine {
            direction: l.direction.to_owned(),
            id: l.id,
            at: l.at,
            text: l.text,
            files: l
                .files
                .into_iter()
                .map(|f| ConversationFile {
                    name: f.name,
                    size: f.size as f64,
                    filetype: f.filetype,
                    accepted: f.accepted,
                })
                .collect(),
            kind: l.kind,
            state: l.state,
            error: l.error,
            permalink: l.permalink,
            read_at: l.read_at,
        }
    }
}

/// A member with messages nobody has read.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UnreadConversation {
    pub staff_id: i64,
    pub name: String,
    pub count: u32,
    pub newest_at: i64,
}
