//! Data that crosses to the web view, converted from domain types. Field names are camelCase
//! in TypeScript; numbers are plain JS numbers (ids and Unix milliseconds fit in 2^53).

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::{event_kind, preferences};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl From<preferences::Theme> for Theme {
    fn from(theme: preferences::Theme) -> Self {
        match theme {
            preferences::Theme::System => Theme::System,
            preferences::Theme::Light => Theme::Light,
            preferences::Theme::Dark => Theme::Dark,
        }
    }
}

impl From<Theme> for preferences::Theme {
    fn from(theme: Theme) -> Self {
        match theme {
            Theme::System => preferences::Theme::System,
            Theme::Light => preferences::Theme::Light,
            Theme::Dark => preferences::Theme::Dark,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub theme: Theme,
}

impl From<preferences::Preferences> for Preferences {
    fn from(p: preferences::Preferences) -> Self {
        Preferences {
            theme: p.theme.into(),
        }
    }
}

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

/// Connection health of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceStatus {
    Connected,
    NeedsReconnect,
    Disabled,
}

impl From<switchboard_store::workspaces::Status> for WorkspaceStatus {
    fn from(status: switchboard_store::workspaces::Status) -> Self {
        use switchboard_store::workspaces::Status;
        match status {
            Status::Connected => WorkspaceStatus::Connected,
            Status::NeedsReconnect => WorkspaceStatus::NeedsReconnect,
            Status::Disabled => WorkspaceStatus::Disabled,
        }
    }
}

/// How a workspace that needs reconnecting comes back: the token Slack refused decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ReconnectWith {
    /// The user token: sign in with Slack again.
    SignIn,
    /// The bot token: paste the app's bot token again.
    BotToken,
}

/// A workspace card: what Slack said about it, how it is connected, and how healthy it is.
/// Never a token.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCard {
    pub team_id: String,
    pub name: String,
    pub domain: String,
    pub icon_url: Option<String>,
    /// "bot token", "user token", "bot + user token" or "no token".
    pub mode: String,
    pub has_bot_token: bool,
    pub has_user_token: bool,
    pub status: WorkspaceStatus,
    pub status_reason: Option<String>,
    pub reconnect_with: Option<ReconnectWith>,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    /// One sentence per feature the granted scopes leave broken, with the fix.
    pub scope_problems: Vec<String>,
    pub bot_user_id: Option<String>,
    pub authed_user_id: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: f64,
    pub last_health_check_at: Option<f64>,
    pub directory_synced_at: Option<f64>,
    pub token_expires_at: Option<f64>,
    pub refresh_expires_at: Option<f64>,
    pub channels: f64,
    pub users: f64,
    pub is_demo: bool,
}

impl WorkspaceCard {
    pub fn new(w: switchboard_store::workspaces::Workspace, counts: (u64, u64)) -> Self {
        let scope_problems = switchboard_core::health::scope_problems(&w)
            .iter()
            .map(switchboard_core::slack_app::describe)
            .collect();
        WorkspaceCard {
            mode: w.mode().to_owned(),
            scope_problems,
            team_id: w.team_id,
            name: w.name,
            domain: w.domain,
            icon_url: w.icon_url,
            has_bot_token: w.has_bot_token,
            has_user_token: w.has_user_token,
            status: w.status.into(),
            status_reason: w.status_reason,
            reconnect_with: match w.reconnect_token.as_deref() {
                Some("user") => Some(ReconnectWith::SignIn),
                Some("bot") => Some(ReconnectWith::BotToken),
                _ => None,
            },
            bot_scopes: w.bot_scopes,
            user_scopes: w.user_scopes,
            bot_user_id: w.bot_user_id,
            authed_user_id: w.authed_user_id,
            connected_by: w.connected_by,
            connected_at: w.connected_at as f64,
            last_health_check_at: w.last_health_check_at.map(|t| t as f64),
            directory_synced_at: w.directory_synced_at.map(|t| t as f64),
            token_expires_at: w.token_expires_at.map(|t| t as f64),
            refresh_expires_at: w.refresh_expires_at.map(|t| t as f64),
            channels: counts.0 as f64,
            users: counts.1 as f64,
            is_demo: w.is_demo,
        }
    }
}

/// What connecting did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    pub team_id: String,
    pub name: String,
    /// The team was known: its mappings and toggles were kept.
    pub reconnect: bool,
}

impl From<switchboard_core::workspaces::Connected> for Connected {
    fn from(c: switchboard_core::workspaces::Connected) -> Self {
        Connected {
            team_id: c.team_id,
            name: c.name,
            reconnect: c.reconnect,
        }
    }
}

/// What disconnecting did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Disconnected {
    pub team_id: String,
    pub name: String,
    pub revoked: Vec<String>,
    pub warning: Option<String>,
    pub kept_mappings: bool,
}

/// The Slack app settings as the owner edits them.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlackAppSettings {
    pub client_id: String,
    pub redirect_port: u16,
    pub oauth_enabled: bool,
    pub bot_token_enabled: bool,
}

impl From<switchboard_core::slack_app::AppSettings> for SlackAppSettings {
    fn from(s: switchboard_core::slack_app::AppSettings) -> Self {
        SlackAppSettings {
            client_id: s.client_id,
            redirect_port: s.redirect_port,
            oauth_enabled: s.oauth_enabled,
            bot_token_enabled: s.bot_token_enabled,
        }
    }
}

impl From<SlackAppSettings> for switchboard_core::slack_app::AppSettings {
    fn from(s: SlackAppSettings) -> Self {
        switchboard_core::slack_app::AppSettings {
            client_id: s.client_id,
            redirect_port: s.redirect_port,
            oauth_enabled: s.oauth_enabled,
            bot_token_enabled: s.bot_token_enabled,
        }
    }
}

/// A scope Switchboard asks for and why.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ScopeInfo {
    pub scope: String,
    pub why: String,
}

/// The Slack app settings with everything derived from them: the redirect URL to register,
/// the manifest in both formats, and the scopes explained.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlackAppSetup {
    pub settings: SlackAppSettings,
    pub redirect_url: String,
    pub manifest_json: String,
    pub manifest_yaml: String,
    pub bot_scopes: Vec<ScopeInfo>,
    pub user_scopes: Vec<ScopeInfo>,
}

impl From<switchboard_core::slack_app::AppSettings> for SlackAppSetup {
    fn from(s: switchboard_core::slack_app::AppSettings) -> Self {
        use switchboard_core::slack_app;
        let scopes = |list: &[slack_app::ScopeInfo]| {
            list.iter()
                .map(|i| ScopeInfo {
                    scope: i.scope.to_owned(),
                    why: i.why.to_owned(),
                })
                .collect()
        };
        SlackAppSetup {
            redirect_url: s.redirect_url(),
            manifest_json: slack_app::manifest_json(&s),
            manifest_yaml: slack_app::manifest_yaml(&s),
            bot_scopes: scopes(slack_app::BOT_SCOPES),
            user_scopes: scopes(slack_app::USER_SCOPES),
            settings: s.into(),
        }
    }
}

/// Which list a directory sync is reading.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Channels,
    Users,
    Done,
}

/// Progress of a directory sync, sent after every page.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    pub team_id: String,
    pub phase: SyncPhase,
    pub channels: f64,
    pub users: f64,
    pub requests: u32,
}

impl From<&switchboard_core::directory::Progress> for SyncProgress {
    fn from(p: &switchboard_core::directory::Progress) -> Self {
        use switchboard_core::directory::Phase;
        SyncProgress {
            team_id: p.team_id.clone(),
            phase: match p.phase {
                Phase::Channels => SyncPhase::Channels,
                Phase::Users => SyncPhase::Users,
                Phase::Done => SyncPhase::Done,
            },
            channels: p.channels as f64,
            users: p.users as f64,
            requests: p.pages,
        }
    }
}

/// How a directory sync ended.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    pub team_id: String,
    pub cancelled: bool,
    pub channels: f64,
    pub users: f64,
    pub requests: u32,
    pub vanished_channels: f64,
    pub vanished_users: f64,
}

/// A cached channel as the picker lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryChannel {
    pub channel_id: String,
    pub name: String,
    pub is_private: bool,
    pub is_archived: bool,
    pub is_member: bool,
    pub member_count: Option<u32>,
    pub topic: Option<String>,
}

/// One window of the channel picker.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChannelWindow {
    pub total: f64,
    pub offset: f64,
    pub rows: Vec<DirectoryChannel>,
    /// How long the search took in Rust, in microseconds.
    pub micros: f64,
}
