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
    /// A client secret is kept in the keyring (never shown).
    pub has_client_secret: bool,
}

impl SlackAppSetup {
    /// The settings with everything derived from them; `has_client_secret` from the keyring.
    pub fn new(s: switchboard_core::slack_app::AppSettings, has_client_secret: bool) -> Self {
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
            has_client_secret,
            settings: s.into(),
        }
    }
}
