//! Settings → Slack app.

use serde::{Deserialize, Serialize};
use specta::Type;

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
    /// What the manifest switches on so that Slack can talk back, and why.
    pub inbound_features: Vec<ScopeInfo>,
    /// A client secret is kept in the keyring (never shown).
    pub has_client_secret: bool,
    /// An app-level token (Socket Mode) is kept in the keyring (never shown).
    pub has_app_token: bool,
}

impl SlackAppSetup {
    /// The settings with everything derived from them; `has_client_secret` from the keyring.
    pub fn new(
        s: switchboard_core::slack_app::AppSettings,
        has_client_secret: bool,
        has_app_token: bool,
    ) -> Self {
        use switchboard_core::slack_app;
        let scopes = |list: &mut dyn Iterator<Item = &slack_app::ScopeInfo>| {
            list.map(|i| ScopeInfo {
                scope: i.scope.to_owned(),
                why: i.why.to_owned(),
            })
            .collect()
        };
        SlackAppSetup {
            redirect_url: s.redirect_url(),
            manifest_json: slack_app::manifest_json(&s),
            manifest_yaml: slack_app::manifest_yaml(&s),
            bot_scopes: scopes(&mut slack_app::BOT_SCOPES.iter()),
            user_scopes: scopes(&mut slack_app::manifest_user_scopes()),
            inbound_features: scopes(&mut slack_app::INBOUND_FEATURES.iter()),
            has_client_secret,
            has_app_token,
            settings: s.into(),
        }
    }
}

/// Where Socket Mode stands.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SocketState {
    Stopped,
    NotConfigured,
    Connecting,
    Connected,
    Retrying,
    Refused,
}

/// Whether Slack can reach Switchboard now, and if not, why.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SocketStatus {
    pub state: SocketState,
    pub since_ms: f64,
    /// Open sockets: two for a moment while Slack's refresh hands over.
    pub connections: u32,
    /// Why it is not connected, and what to do.
    pub detail: Option<String>,
    pub retry_at_ms: Option<f64>,
    pub app_id: Option<String>,
}

impl From<switchboard_core::socket_mode::SocketStatus> for SocketStatus {
    fn from(s: switchboard_core::socket_mode::SocketStatus) -> Self {
        use switchboard_core::socket_mode::SocketState as Core;
        SocketStatus {
            state: match s.state {
                Core::Stopped => SocketState::Stopped,
                Core::NotConfigured => SocketState::NotConfigured,
                Core::Connecting => SocketState::Connecting,
                Core::Connected => SocketState::Connected,
                Core::Retrying => SocketState::Retrying,
                Core::Refused => SocketState::Refused,
            },
            since_ms: s.since_ms as f64,
            connections: s.connections,
            detail: s.detail,
            retry_at_ms: s.retry_at_ms.map(|t| t as f64),
            app_id: s.app_id,
        }
    }
}
