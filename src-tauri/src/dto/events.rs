//! What Rust tells the web view without being asked: changes it should show now, instead of
//! polling. Sent over the channel the UI opens with `subscribe_events`.

use serde::Serialize;
use specta::Type;

use super::SyncProgress;

/// Something changed.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UiEvent {
    /// A workspace was connected, checked, refreshed, synced or disconnected: reload the cards
    /// and counts.
    #[serde(rename_all = "camelCase")]
    WorkspaceChanged { team_id: String },
    /// A directory sync read another page.
    SyncProgress(SyncProgress),
    /// A round of health checks finished.
    #[serde(rename_all = "camelCase")]
    HealthChecked { checked: u32, unreachable: u32 },
    /// The active profile changed (the demo was entered or left): reload everything.
    ProfileChanged,
    /// Notification channels or the integration switch changed.
    ChannelsChanged,
    /// An event was received and routed.
    #[serde(rename_all = "camelCase")]
    EventReceived { event_id: i64 },
    /// Messages in the outbox changed state.
    OutboxChanged,
    /// Projects changed (added, edited, archived, assigned, imported).
    ProjectsChanged,
    /// Staff changed (added, edited, linked, switched on or off, imported).
    StaffChanged,
    /// Whether Slack can reach Switchboard (Socket Mode) changed: ask `socket_status`.
    SocketChanged,
    /// Something Slack sent (a slash command, a direct message) was handled.
    InboundHandled,
    /// An approver decided a request with the buttons in Slack.
    #[serde(rename_all = "camelCase")]
    DecisionMade { decision_id: i64 },
    /// A staff member wrote to the app, or their conversation was read.
    #[serde(rename_all = "camelCase")]
    ConversationChanged { staff_id: i64 },
}

impl From<switchboard_core::events::Event> for UiEvent {
    fn from(event: switchboard_core::events::Event) -> Self {
        use switchboard_core::events::Event;
        match event {
            Event::WorkspaceChanged { team_id } => UiEvent::WorkspaceChanged { team_id },
            Event::SyncProgress(progress) => UiEvent::SyncProgress((&progress).into()),
            Event::HealthChecked {
                checked,
                unreachable,
            } => UiEvent::HealthChecked {
                checked,
                unreachable,
            },
            Event::ChannelsChanged => UiEvent::ChannelsChanged,
            Event::EventReceived { event_id } => UiEvent::EventReceived { event_id },
            Event::OutboxChanged => UiEvent::OutboxChanged,
            Event::ProjectsChanged => UiEvent::ProjectsChanged,
            Event::StaffChanged => UiEvent::StaffChanged,
            Event::SocketChanged => UiEvent::SocketChanged,
            Event::InboundHandled => UiEvent::InboundHandled,
            Event::DecisionMade { decision_id } => UiEvent::DecisionMade { decision_id },
            Event::ConversationChanged { staff_id } => UiEvent::ConversationChanged { staff_id },
        }
    }
}

/// Whether the OS keyring can be used now.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyringStatus {
    pub available: bool,
    /// `keyring_unavailable` or `keyring_locked` when it cannot.
    pub code: Option<String>,
    /// What is wrong and what to do, in plain words.
    pub message: Option<String>,
    /// The demo keeps its secrets in memory and needs no keyring.
    pub in_memory: bool,
}
