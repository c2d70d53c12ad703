//! What the app-level commands return: build facts, counts, the event catalogue.

use serde::Serialize;
use specta::Type;
use switchboard_core::event_kind;

/// Facts about this build and where its data lives; shown in the status bar.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database_path: String,
    /// Why the database could not be opened, when it could not.
    pub database_error: Option<String>,
    pub slack_api_base: String,
    /// In the demo: the address of the in-process demo Slack (the console shows a DEMO badge).
    pub demo_slack_url: Option<String>,
}

/// How many of each thing the console holds.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub workspaces: u32,
    pub workspaces_needing_attention: u32,
    pub directory_channels: u32,
    pub notification_channels: u32,
    pub projects: u32,
    pub staff: u32,
    pub linked_staff: u32,
    pub templates: u32,
    pub events: u32,
    pub outbox_pending: u32,
    pub outbox_failed: u32,
    pub audit_entries: u32,
}

impl From<switchboard_core::overview::Counts> for Overview {
    fn from(c: switchboard_core::overview::Counts) -> Self {
        Overview {
            workspaces: c.workspaces,
            workspaces_needing_attention: c.workspaces_needing_attention,
            directory_channels: c.directory_channels,
            notification_channels: c.notification_channels,
            projects: c.projects,
            staff: c.staff,
            linked_staff: c.linked_staff,
            templates: c.templates,
            events: c.events,
            outbox_pending: c.outbox_pending,
            outbox_failed: c.outbox_failed,
            audit_entries: c.audit_entries,
        }
    }
}

/// How an event kind is routed, as the UI explains it.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    ProjectAndToggledChannels,
    ToggledChannels,
    DirectMessage,
    EscalationRule,
}

/// One kind of the event catalogue.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventKindInfo {
    pub id: String,
    pub group: String,
    pub label: String,
    pub routing: Routing,
}

impl From<switchboard_core::EventKind> for EventKindInfo {
    fn from(kind: switchboard_core::EventKind) -> Self {
        EventKindInfo {
            id: kind.as_str().to_owned(),
            group: kind.group().to_owned(),
            label: kind.label().to_owned(),
            routing: match kind.routing() {
                event_kind::Routing::ProjectAndToggledChannels => {
                    Routing::ProjectAndToggledChannels
                }
                event_kind::Routing::ToggledChannels => Routing::ToggledChannels,
                event_kind::Routing::DirectMessage => Routing::DirectMessage,
                event_kind::Routing::EscalationRule => Routing::EscalationRule,
            },
        }
    }
}
