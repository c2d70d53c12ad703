//! What the core announces while it works, so a window can update without polling: a
//! workspace changed (connected, checked, refreshed, disconnected), a directory sync moved on,
//! a health check finished. The console forwards each to the web view as a Tauri event; the CLI
//! listens to none.

use crate::directory::Progress;

/// Something that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A workspace's row changed (or it was removed): reload its card and the counts.
    WorkspaceChanged { team_id: String },
    /// A directory sync read another page, or finished.
    SyncProgress(Progress),
    /// A round of health checks finished: how many workspaces were checked, and how many of
    /// them could not be asked (Slack unreachable).
    HealthChecked { checked: u32, unreachable: u32 },
    /// A notification channel was added, changed or removed, or the integration switched.
    ChannelsChanged,
    /// An event was received and routed.
    EventReceived { event_id: i64 },
    /// Messages in the outbox changed state (sent, failed, held, released, discarded).
    OutboxChanged,
    /// A project was added, edited, archived or unarchived, assigned a channel, or projects
    /// were imported.
    ProjectsChanged,
    /// A staff member was added, edited, (de)activated, linked or unlinked, or switched on or
    /// off, or staff were imported.
    StaffChanged,
    /// Whether Slack can reach Switchboard changed (Socket Mode connected, dropped, refused).
    SocketChanged,
    /// Something Slack sent over Socket Mode was handled.
    InboundHandled,
    /// An approver decided a request in Slack.
    DecisionMade { decision_id: i64 },
    /// A staff member wrote to the app, or a conversation was read.
    ConversationChanged { staff_id: i64 },
}

/// Where events go.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

/// Nobody listens (the CLI, tests that do not care).
#[derive(Debug, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _: Event) {}
}

/// Keeps every event, for tests.
#[derive(Debug, Default)]
pub struct Recorded(pub std::sync::Mutex<Vec<Event>>);

impl EventSink for Recorded {
    fn emit(&self, event: Event) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(event);
    }
}
