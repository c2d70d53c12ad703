//! The Workspaces view: cards, connecting, disconnecting, directory sync.

use serde::Serialize;
use specta::Type;

/// Connection health of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceStatus {
    Connected,
    NeedsReconnect,
    Disabled,
}

impl From<switchboard_core::workspaces::Status> for WorkspaceStatus {
    fn from(status: switchboard_core::workspaces::Status) -> Self {
        use switchboard_core::workspaces::Status;
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
    /// Why Slack refused each token; a workspace with one working token keeps working.
    pub bot_token_error: Option<String>,
    pub user_token_error: Option<String>,
    /// A rotating bot token: when it expires, and whether Switchboard can renew it.
    pub bot_token_expires_at: Option<f64>,
    pub bot_token_refreshable: bool,
    pub channels: f64,
    pub users: f64,
    pub is_demo: bool,
}

impl From<switchboard_core::workspaces::Card> for WorkspaceCard {
    fn from(card: switchboard_core::workspaces::Card) -> Self {
        let w = card.workspace;
        let bot_token_expires_at =
            switchboard_core::tokens::expires_at(&w, switchboard_core::TokenRole::Bot);
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
            bot_token_error: w.bot_token_error,
            user_token_error: w.user_token_error,
            bot_token_expires_at: bot_token_expires_at.map(|t| t as f64),
            bot_token_refreshable: w.bot_token_refreshable,
            channels: card.channels as f64,
            users: card.users as f64,
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
    /// Something to know although it worked (a bot token that expires within 12 hours).
    pub warning: Option<String>,
}

impl From<switchboard_core::workspaces::Connected> for Connected {
    fn from(c: switchboard_core::workspaces::Connected) -> Self {
        Connected {
            team_id: c.team_id,
            name: c.name,
            reconnect: c.reconnect,
            warning: c.warning,
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

impl From<switchboard_core::health::Disconnected> for Disconnected {
    fn from(d: switchboard_core::health::Disconnected) -> Self {
        Disconnected {
            team_id: d.team_id,
            name: d.name,
            revoked: d.revoked.iter().map(|s| (*s).to_owned()).collect(),
            warning: d.revoke_warning,
            kept_mappings: d.kept_mappings,
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
    /// This sync continues one that was interrupted.
    pub resumed: bool,
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
            resumed: p.resumed,
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
    pub resumed: bool,
}

impl From<switchboard_core::directory::SyncOutcome> for SyncOutcome {
    fn from(outcome: switchboard_core::directory::SyncOutcome) -> Self {
        use switchboard_core::directory::SyncOutcome as Core;
        match outcome {
            Core::Complete(s) => SyncOutcome {
                team_id: s.team_id,
                cancelled: false,
                channels: s.channels as f64,
                users: s.users as f64,
                requests: s.pages,
                vanished_channels: s.vanished_channels as f64,
                vanished_users: s.vanished_users as f64,
                resumed: s.resumed,
            },
            Core::Cancelled(p) => SyncOutcome {
                team_id: p.team_id,
                cancelled: true,
                channels: p.channels as f64,
                users: p.users as f64,
                requests: p.pages,
                vanished_channels: 0.0,
                vanished_users: 0.0,
                resumed: p.resumed,
            },
        }
    }
}
