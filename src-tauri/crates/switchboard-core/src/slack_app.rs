//! The Slack app an owner connects through: its settings (client id, redirect port, which ways
//! to connect are offered), the scopes Switchboard asks for with what each one is for, the
//! app manifest that creates a matching app in a minute, and the scope check that says which
//! features a workspace's granted scopes leave broken.

use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_store::{audit, rusqlite::Connection, settings};

use crate::{Error, Result};

const SETTINGS_KEY: &str = "slack.app";

/// Default loopback port of the OAuth redirect; the emulator's seeded app registers it too.
pub const DEFAULT_REDIRECT_PORT: u16 = 8765;

/// The Slack app settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSettings {
    /// The app's client id (Basic Information → App Credentials); empty until the owner
    /// created the app, which only the OAuth way needs.
    pub client_id: String,
    /// The redirect is `http://localhost:PORT/callback`, exactly as registered in the app.
    pub redirect_port: u16,
    /// Offer "Sign in with Slack" (OAuth with PKCE, a user token).
    pub oauth_enabled: bool,
    /// Offer pasting a bot token (`xoxb-…`).
    pub bot_token_enabled: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            client_id: String::new(),
            redirect_port: DEFAULT_REDIRECT_PORT,
            oauth_enabled: true,
            bot_token_enabled: true,
        }
    }
}

impl AppSettings {
    /// The redirect URL to register in the app and to bind the listener to.
    pub fn redirect_url(&self) -> String {
        format!("http://localhost:{}/callback", self.redirect_port)
    }

    /// Checks the values a person typed; the message says what to change.
    pub fn validate(&self) -> Result<()> {
        let id = self.client_id.trim();
        if !id.is_empty() && !id.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(Error::invalid(
                "client_id",
                format!(
                    "“{id}” is not a Slack client ID; copy it from your app's Basic Information page (digits with a dot, like 1234567890.1234567890)."
                ),
            ));
        }
        if self.redirect_port < 1024 {
            return Err(Error::invalid(
                "redirect_port",
                format!(
                    "Port {} is reserved for system services; choose a port from 1024 to 65535 and register the same one in your Slack app.",
                    self.redirect_port
                ),
            ));
        }
        if !self.oauth_enabled && !self.bot_token_enabled {
            return Err(Error::invalid(
                "oauth_enabled",
                "Keep at least one way to connect a workspace turned on.",
            ));
        }
        Ok(())
    }
}

/// Reads the settings (defaults when never saved, or unreadable).
pub fn load(conn: &Connection) -> Result<AppSettings> {
    Ok(settings::get::<AppSettings>(conn, SETTINGS_KEY)
        .ok()
        .flatten()
        .unwrap_or_default())
}

/// The settings of `profile`.
pub fn settings(profile: &crate::profile::Profile) -> Result<AppSettings> {
    profile.db()?.read(load)
}

/// Validates and saves the settings of `profile` in one transaction, auditing each field
/// that changed: the user action behind Settings → Slack app.
pub fn save_settings(profile: &crate::profile::Profile, new: &AppSettings) -> Result<AppSettings> {
    let actor = profile.actor.clone();
    profile
        .db()?
        .write(|tx| save(tx, new, &actor, switchboard_store::now_ms()))
}

/// Keeps the Slack app's client secret in the keyring (never the database), or removes it
/// with `None`; audited without the value. Only renewing the rotating bot tokens of an app
/// without PKCE needs it (a PKCE app is a public client and renews with its client ID).
pub async fn set_client_secret(
    profile: &crate::profile::Profile,
    secret: Option<&str>,
) -> Result<()> {
    use crate::secrets::{SecretKey, SecretKind};
    let key = SecretKey::app(SecretKind::ClientSecret);
    let secret = secret.map(str::trim).filter(|s| !s.is_empty());
    match secret {
        Some(secret) => {
            if secret.len() < 16 || !secret.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(Error::invalid(
                    "client_secret",
                    "This is not a Slack client secret: copy the Client Secret from Basic Information → App Credentials (letters and digits, usually 32 of them).",
                ));
            }
            profile.secrets().put(key, secret.to_owned()).await?;
        }
        None => profile.secrets().delete(key).await?,
    }
    audit_secret(profile, "Slack client secret", secret.is_some())
}

/// Records that a secret was kept or removed, without its value.
fn audit_secret(profile: &crate::profile::Profile, subject: &str, set: bool) -> Result<()> {
    let actor = profile.actor.clone();
    profile.db()?.write(|tx| {
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: switchboard_store::now_ms(),
                actor: &actor,
                action: "setting.changed",
                subject,
                old_value: None,
                new_value: Some(if set {
                    "set (kept in the system keyring)"
                } else {
                    "removed"
                }),
            },
        )?;
        Ok(())
    })
}

/// Whether a client secret is kept (`false` too when the keyring cannot be asked).
pub async fn has_client_secret(profile: &crate::profile::Profile) -> bool {
    use crate::secrets::{SecretKey, SecretKind};
    matches!(
        profile
            .secrets()
            .get(SecretKey::app(SecretKind::ClientSecret))
            .await,
        Ok(Some(_))
    )
}

/// Keeps the app-level token (`xapp-…`, scope `connections:write`) Socket Mode connects with,
/// after Slack accepted it (`apps.connections.open`); `None` removes it. Either way the Socket
/// Mode connection starts over with what is kept now.
pub async fn set_app_token(profile: &crate::profile::Profile, token: Option<&str>) -> Result<()> {
    use crate::secrets::{SecretKey, SecretKind};
    let key = SecretKey::app(SecretKind::AppToken);
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    match token {
        Some(token) => {
            check_app_token(profile, token).await?;
            profile.secrets().put(key, token.to_owned()).await?;
        }
        None => profile.secrets().delete(key).await?,
    }
    audit_secret(profile, "Slack app-level token", token.is_some())?;
    profile.wake_socket();
    Ok(())
}

/// Refuses what is not an app-level token, and one Slack does not accept, saying what to do.
async fn check_app_token(profile: &crate::profile::Profile, token: &str) -> Result<()> {
    let invalid = |message: &str| Err(Error::invalid("app_token", message));
    if token.starts_with("xoxb-") || token.starts_with("xoxp-") || token.starts_with("xoxe") {
        return invalid(
            "This is a bot or user token; Socket Mode needs the app-level token (xapp-…) from Basic Information → App-Level Tokens.",
        );
    }
    if !token.starts_with("xapp-")
        || token.len() < 20
        || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return invalid(
            "This is not an app-level token: generate one under Basic Information → App-Level Tokens with the scope connections:write, then paste the xapp-… value.",
        );
    }
    let slack = profile.slack()?;
    match slack
        .apps_connections_open(&switchboard_slack::Token::new(token.to_owned()))
        .await
    {
        Ok(_) => Ok(()),
        Err(error) => {
            let error = Error::from(error);
            match &error {
                Error::SlackRefused { code, .. } => {
                    let why = match code.as_str() {
                        "invalid_auth" | "not_authed" => {
                            "Slack does not know this app-level token: copy it again from Basic Information → App-Level Tokens"
                        }
                        "token_revoked" => {
                            "This app-level token was revoked: generate a new one under Basic Information → App-Level Tokens"
                        }
                        "missing_scope" => {
                            "This app-level token lacks the scope connections:write: add it under Basic Information → App-Level Tokens"
                        }
                        "not_allowed_token_type" => {
                            "Slack says this is not an app-level token: paste the xapp-… token from Basic Information → App-Level Tokens"
                        }
                        _ => "",
                    };
                    if why.is_empty() {
                        Err(Error::invalid(
                            "app_token",
                            format!(
                                "Slack refused the app-level token ({code}); nothing was saved."
                            ),
                        ))
                    } else {
                        Err(Error::invalid(
                            "app_token",
                            format!("{why}. Nothing was saved."),
                        ))
                    }
                }
                _ => Err(Error::invalid(
                    "app_token",
                    format!(
                        "Could not check the app-level token with Slack ({error}); nothing was saved. Try again when Slack can be reached."
                    ),
                )),
            }
        }
    }
}

/// Whether an app-level token is kept (`false` too when the keyring cannot be asked).
pub async fn has_app_token(profile: &crate::profile::Profile) -> bool {
    use crate::secrets::{SecretKey, SecretKind};
    matches!(
        profile
            .secrets()
            .get(SecretKey::app(SecretKind::AppToken))
            .await,
        Ok(Some(_))
    )
}

/// Validates and saves the settings in the caller's transaction, auditing each field that
/// changed.
pub fn save(tx: &Connection, new: &AppSettings, actor: &str, now_ms: i64) -> Result<AppSettings> {
    let mut new = new.clone();
    new.client_id = new.client_id.trim().to_owned();
    new.validate()?;
    let old = load(tx)?;
    let on_off = |b: bool| if b { "on" } else { "off" }.to_owned();
    let changes = [
        (
            "Slack client ID",
            old.client_id.clone(),
            new.client_id.clone(),
        ),
        (
            "OAuth redirect port",
            old.redirect_port.to_string(),
            new.redirect_port.to_string(),
        ),
        (
            "Connect with OAuth",
            on_off(old.oauth_enabled),
            on_off(new.oauth_enabled),
        ),
        (
            "Connect with a bot token",
            on_off(old.bot_token_enabled),
            on_off(new.bot_token_enabled),
        ),
    ];
    for (subject, before, after) in changes.iter().filter(|(_, b, a)| b != a) {
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now_ms,
                actor,
                action: "setting.changed",
                subject,
                old_value: Some(before),
                new_value: Some(after),
            },
        )?;
    }
    settings::set(tx, SETTINGS_KEY, &new, now_ms)?;
    Ok(new)
}

/// A feature of Switchboard that needs Slack scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    ChannelNotifications,
    ChannelPicker,
    StaffDirectory,
    StaffEmailMatch,
    DirectMessages,
    WorkspaceIcon,
}

impl Feature {
    pub const ALL: [Feature; 6] = [
        Feature::ChannelNotifications,
        Feature::ChannelPicker,
        Feature::StaffDirectory,
        Feature::StaffEmailMatch,
        Feature::DirectMessages,
        Feature::WorkspaceIcon,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Feature::ChannelNotifications => "Channel notifications",
            Feature::ChannelPicker => "Channel picker",
            Feature::StaffDirectory => "Linking staff to Slack users",
            Feature::StaffEmailMatch => "Matching staff by email",
            Feature::DirectMessages => "Direct messages to staff",
            Feature::WorkspaceIcon => "Workspace name and icon",
        }
    }

    /// Scopes a bot token needs for this feature.
    pub fn bot_scopes(self) -> &'static [&'static str] {
        match self {
            Feature::ChannelNotifications => &["chat:write", "chat:write.public"],
            Feature::ChannelPicker => &["channels:read", "groups:read"],
            Feature::StaffDirectory => &["users:read"],
            Feature::StaffEmailMatch => &["users:read.email"],
            Feature::DirectMessages => &["im:write", "chat:write"],
            Feature::WorkspaceIcon => &["team:read"],
        }
    }

    /// Scopes a user token needs for this feature.
    pub fn user_scopes(self) -> &'static [&'static str] {
        match self {
            Feature::ChannelNotifications => &["chat:write"],
            Feature::ChannelPicker => &["channels:read", "groups:read"],
            Feature::StaffDirectory => &["users:read"],
            Feature::StaffEmailMatch => &["users:read.email"],
            Feature::DirectMessages => &["im:write", "chat:write"],
            Feature::WorkspaceIcon => &["team:read"],
        }
    }
}

/// A scope Switchboard asks for, with why (one line) and what breaks without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeInfo {
    pub scope: &'static str,
    pub why: &'static str,
}

/// Bot scopes, in the manifest's order.
pub const BOT_SCOPES: &[ScopeInfo] = &[
    ScopeInfo {
        scope: "chat:write",
        why: "Post notifications and direct messages as the app. Without it nothing is delivered.",
    },
    ScopeInfo {
        scope: "chat:write.public",
        why: "Post to public channels without inviting the app first. Without it each channel needs /invite @Switchboard.",
    },
    ScopeInfo {
        scope: "channels:join",
        why: "Join a public channel when it is chosen for notifications. Without it you invite the app by hand.",
    },
    ScopeInfo {
        scope: "channels:read",
        why: "List public channels for the channel picker. Without it the picker is empty.",
    },
    ScopeInfo {
        scope: "groups:read",
        why: "List the private channels the app was invited to. Without them the picker shows public channels only.",
    },
    ScopeInfo {
        scope: "users:read",
        why: "List members to link staff to Slack users. Without it staff cannot be linked.",
    },
    ScopeInfo {
        scope: "users:read.email",
        why: "Read members' email addresses to link staff automatically. Without it every link is made by hand.",
    },
    ScopeInfo {
        scope: "im:write",
        why: "Open a direct message with a staff member. Without it timesheet and vacation messages fail.",
    },
    ScopeInfo {
        scope: "team:read",
        why: "Read the workspace's name and icon for its card. Without it the card shows no icon.",
    },
    ScopeInfo {
        scope: "commands",
        why: "Add the /switchboard slash command. Without it channels cannot be subscribed from Slack.",
    },
    ScopeInfo {
        scope: "im:history",
        why: "Receive the direct messages staff send the app (the message.im event). Without it Slack does not send them.",
    },
    ScopeInfo {
        scope: "mpim:history",
        why: "Receive messages in group DMs the app is added to (message.mpim), to answer that conversations are 1:1. Without it such messages go unanswered.",
    },
    ScopeInfo {
        scope: "files:read",
        why: "Read the name, type and size of files staff send the app. Without it attachments cannot be checked.",
    },
];

/// What the manifest switches on so that Slack can talk back over Socket Mode, and why: the
/// Settings view lists these next to the scopes.
pub const INBOUND_FEATURES: &[ScopeInfo] = &[
    ScopeInfo {
        scope: "Socket Mode",
        why: "Slack sends events, clicks and commands over a WebSocket Switchboard opens, so a desktop app needs no public URL. Needs an app-level token with connections:write.",
    },
    ScopeInfo {
        scope: "Interactivity",
        why: "Slack tells Switchboard when someone clicks a button on its messages: Approve and Reject on timesheet approvals and vacation requests, and the form that asks why a request is rejected.",
    },
    ScopeInfo {
        scope: "/switchboard",
        why: "The slash command: list, subscribe and unsubscribe what a channel receives, and search projects and recent events.",
    },
    ScopeInfo {
        scope: "message.im",
        why: "The event subscription for direct messages staff write to the app (the Messages tab is on so they can). They show in Switchboard's Messages view, where a manager answers.",
    },
    ScopeInfo {
        scope: "message.mpim",
        why: "The event subscription for group DMs the app is in: Switchboard answers that conversations are 1:1.",
    },
];

/// The slash command the manifest declares.
pub const SLASH_COMMAND: &str = "/switchboard";

/// User scopes (the OAuth way: the token acts as the person who connected).
pub const USER_SCOPES: &[ScopeInfo] = &[
    ScopeInfo {
        scope: "chat:write",
        why: "Post notifications and direct messages as you. Without it nothing is delivered.",
    },
    ScopeInfo {
        scope: "channels:read",
        why: "List public channels for the channel picker. Without it the picker is empty.",
    },
    ScopeInfo {
        scope: "groups:read",
        why: "List the private channels you are in. Without them the picker shows public channels only.",
    },
    ScopeInfo {
        scope: "users:read",
        why: "List members to link staff to Slack users. Without it staff cannot be linked.",
    },
    ScopeInfo {
        scope: "users:read.email",
        why: "Read members' email addresses to link staff automatically. Without it every link is made by hand.",
    },
    ScopeInfo {
        scope: "im:write",
        why: "Open a direct message with a staff member. Without it timesheet and vacation messages fail.",
    },
    ScopeInfo {
        scope: "team:read",
        why: "Read the workspace's name and icon for its card. Without it the card shows no icon.",
    },
];

/// The scopes of Sign in with Slack (a staff member links themselves). The manifest lists them
/// with the user scopes, because Slack's OpenID page grants only scopes the app has; they are
/// asked for on that page alone, never with the other user scopes.
pub const SIGN_IN_SCOPES: &[ScopeInfo] = &[
    ScopeInfo {
        scope: "openid",
        why: "Let a staff member sign in with Slack to link themselves. Without it Sign in with Slack fails.",
    },
    ScopeInfo {
        scope: "email",
        why: "See the address of the staff member who signs in, to tell you when it is not theirs.",
    },
    ScopeInfo {
        scope: "profile",
        why: "See the name of the staff member who signs in.",
    },
];

/// Every user scope the manifest lists: the OAuth way's and Sign in with Slack's.
pub fn manifest_user_scopes() -> impl Iterator<Item = &'static ScopeInfo> {
    USER_SCOPES.iter().chain(SIGN_IN_SCOPES)
}

/// The user scopes the OAuth way requests, comma-separated as Slack's authorize URL wants.
pub fn user_scope_list() -> Vec<&'static str> {
    USER_SCOPES.iter().map(|s| s.scope).collect()
}

/// The Slack app manifest for `settings`, as a JSON value.
pub fn manifest(settings: &AppSettings) -> serde_json::Value {
    json!({
        "_metadata": { "major_version": 1, "minor_version": 1 },
        "display_information": {
            "name": "Switchboard",
            "description": "Notifications, approvals and staff messages from your business application.",
            "background_color": "#1f2937"
        },
        "features": {
            "app_home": {
                "home_tab_enabled": false,
                "messages_tab_enabled": true,
                "messages_tab_read_only_enabled": false
            },
            "bot_user": { "display_name": "Switchboard", "always_online": true },
            "slash_commands": [{
                "command": SLASH_COMMAND,
                "description": "See and change what this channel receives from Switchboard",
                "usage_hint": "list | subscribe KIND… | unsubscribe KIND… | search FILTER | help",
                "should_escape": false
            }]
        },
        "oauth_config": {
            "redirect_urls": [settings.redirect_url()],
            "scopes": {
                "bot": BOT_SCOPES.iter().map(|s| s.scope).collect::<Vec<_>>(),
                "user": manifest_user_scopes().map(|s| s.scope).collect::<Vec<_>>()
            }
        },
        "settings": {
            "event_subscriptions": { "bot_events": ["message.im", "message.mpim"] },
            "interactivity": { "is_enabled": true },
            "org_deploy_enabled": false,
            "socket_mode_enabled": true,
            // Off on purpose: with rotation on, Slack issues the bot token an owner installs from
            // the app's settings page as a 12-hour `xoxe.xoxb-` token. The sign-in (a localhost
            // redirect of a PKCE app) rotates anyway, whatever this says (slack-api.md §1.3).
            "token_rotation_enabled": false
        }
    })
}

/// The manifest as pretty JSON.
pub fn manifest_json(settings: &AppSettings) -> String {
    serde_json::to_string_pretty(&manifest(settings)).unwrap_or_default()
}

/// The manifest as YAML. Strings are written double-quoted with JSON escapes, which YAML reads
/// the same way, so no value can be misread (`on`, `1.0`, a leading `#`).
pub fn manifest_yaml(settings: &AppSettings) -> String {
    let mut out = String::new();
    write_yaml(&manifest(settings), 0, &mut out);
    out
}

fn write_yaml(value: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value;
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::Object(_) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(value, indent + 2, out);
                    }
                    Value::Array(items) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        for item in items {
                            out.push_str(&format!("{pad}  - {item}\n"));
                        }
                    }
                    scalar => out.push_str(&format!("{pad}{key}: {scalar}\n")),
                }
            }
        }
        scalar => out.push_str(&format!("{pad}{scalar}\n")),
    }
}

/// A feature the granted scopes leave broken, and what is missing for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeProblem {
    pub feature: Feature,
    pub missing: Vec<String>,
}

/// Compares what a workspace's tokens were granted with what each feature needs. A feature
/// works when either token has every scope it needs (delivery prefers the bot token). With
/// no token at all there is nothing to compare, and no problem is reported.
pub fn scope_problems(
    has_bot: bool,
    bot_scopes: &[String],
    has_user: bool,
    user_scopes: &[String],
) -> Vec<ScopeProblem> {
    let missing = |granted: &[String], needed: &[&str]| -> Vec<String> {
        needed
            .iter()
            .filter(|n| !granted.iter().any(|g| g == *n))
            .map(|n| (*n).to_owned())
            .collect()
    };
    Feature::ALL
        .into_iter()
        .filter_map(|feature| {
            let bot_missing = has_bot.then(|| missing(bot_scopes, feature.bot_scopes()));
            let user_missing = has_user.then(|| missing(user_scopes, feature.user_scopes()));
            let satisfied = [&bot_missing, &user_missing]
                .iter()
                .any(|m| m.as_ref().is_some_and(Vec::is_empty));
            if satisfied || (!has_bot && !has_user) {
                return None;
            }
            // Report against the token delivery prefers.
            let missing = bot_missing.or(user_missing).unwrap_or_default();
            Some(ScopeProblem { feature, missing })
        })
        .collect()
}

/// One sentence a person can act on for a scope problem.
pub fn describe(problem: &ScopeProblem) -> String {
    format!(
        "{} will fail: Slack did not grant {}. Re-install the app from the manifest in Settings → Slack app, then reconnect.",
        problem.feature.title(),
        problem.missing.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(scopes: &[&str]) -> Vec<String> {
        scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_manifest_names_the_exact_redirect_and_every_scope_in_both_formats() {
        let settings = AppSettings {
            redirect_port: 9123,
            ..AppSettings::default()
        };
        let json: serde_json::Value = serde_json::from_str(&manifest_json(&settings)).unwrap();
        assert_eq!(
            json["oauth_config"]["redirect_urls"][0],
            "http://localhost:9123/callback"
        );
        assert_eq!(
            json["oauth_config"]["scopes"]["bot"]
                .as_array()
                .unwrap()
                .len(),
            BOT_SCOPES.len()
        );
        assert_eq!(json["features"]["bot_user"]["display_name"], "Switchboard");
        let yaml = manifest_yaml(&settings);
        assert!(yaml.contains("  redirect_urls:\n    - \"http://localhost:9123/callback\"\n"));
        assert!(yaml.contains("    bot:\n      - \"chat:write\"\n"));
        assert!(
            yaml.contains("  token_rotation_enabled: false\n"),
            "rotation off, so a bot token installed from the app's page does not expire in 12 hours"
        );
        // Every feature's scopes are requested, so a fresh install has no scope problem.
        for feature in Feature::ALL {
            for scope in feature.bot_scopes() {
                assert!(BOT_SCOPES.iter().any(|s| s.scope == *scope), "{scope}");
            }
            for scope in feature.user_scopes() {
                assert!(USER_SCOPES.iter().any(|s| s.scope == *scope), "{scope}");
            }
        }
    }

    #[test]
    fn scope_problems_name_the_broken_feature_and_the_missing_scope() {
        let all_bot = owned(&BOT_SCOPES.iter().map(|s| s.scope).collect::<Vec<_>>());
        assert!(scope_problems(true, &all_bot, false, &[]).is_empty());
        let without_im: Vec<String> = all_bot
            .iter()
            .filter(|s| *s != "im:write")
            .cloned()
            .collect();
        let problems = scope_problems(true, &without_im, false, &[]);
        assert_eq!(
            problems,
            vec![ScopeProblem {
                feature: Feature::DirectMessages,
                missing: vec!["im:write".into()]
            }]
        );
        assert!(
            describe(&problems[0])
                .starts_with("Direct messages to staff will fail: Slack did not grant im:write.")
        );
        // A user token with the scope covers what the bot token lacks.
        let all_user = owned(&user_scope_list());
        assert!(scope_problems(true, &without_im, true, &all_user).is_empty());
    }

    #[test]
    fn settings_are_validated_and_each_change_is_audited() {
        let store = switchboard_store::Store::open_in_memory().unwrap();
        assert_eq!(load(store.conn()).unwrap(), AppSettings::default());
        let bad = AppSettings {
            client_id: "abc".into(),
            ..AppSettings::default()
        };
        assert!(
            matches!(save(store.conn(), &bad, "me", 1), Err(Error::InvalidInput { field: "client_id", message }) if message.contains("not a Slack client ID"))
        );
        let none = AppSettings {
            oauth_enabled: false,
            bot_token_enabled: false,
            ..AppSettings::default()
        };
        assert!(save(store.conn(), &none, "me", 1).is_err());
        let good = AppSettings {
            client_id: " 1000000001.2000000001 ".into(),
            redirect_port: 9000,
            ..AppSettings::default()
        };
        let saved = save(store.conn(), &good, "me", 2).unwrap();
        assert_eq!(saved.client_id, "1000000001.2000000001");
        assert_eq!(load(store.conn()).unwrap(), saved);
        let entries = audit::recent(store.conn(), 10).unwrap();
        let subjects: Vec<&str> = entries.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        assert!(subjects.contains(&"Slack client ID"));
        assert!(subjects.contains(&"OAuth redirect port"));
    }
}
