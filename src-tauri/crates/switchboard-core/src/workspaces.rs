//! Connecting Slack workspaces with a pasted bot token (`xoxb-…`) of the app installed from
//! Switchboard's manifest: [`connect_bot_token`] is the whole user action — the Settings rule
//! that allows it, validation with Slack, a rotating token's refresh token, the keyring first
//! and the workspace row second (so the database never names a token that is not stored), the
//! audit entry and the change event. Connecting a known team id is a reconnect and keeps every
//! mapping. OAuth is in [`crate::oauth`].

use switchboard_slack::api::auth::AuthTest;
use switchboard_slack::{Error as SlackError, SlackClient, Token, TokenKind};
use switchboard_store::rusqlite::Connection;
use switchboard_store::{audit, workspaces};

pub use switchboard_store::workspaces::{Status, Workspace};

use crate::events::Event;
use crate::profile::Profile;
use crate::secrets::{SecretKey, SecretKind};
use crate::tokens::ROTATING_TOKEN_LIFETIME_MS;
use crate::{Error, Result};

/// What Slack said about a pasted bot token.
#[derive(Debug, Clone)]
pub struct BotInstall {
    pub token: Token,
    pub team_id: String,
    pub name: String,
    pub domain: String,
    pub icon_url: Option<String>,
    pub bot_user_id: String,
    pub scopes: Vec<String>,
}

/// What connecting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    pub team_id: String,
    pub name: String,
    /// The team was already known: its mappings and toggles were kept.
    pub reconnect: bool,
    /// Something the person should know although it worked (a token that will expire).
    pub warning: Option<String>,
}

fn refused(message: impl Into<String>) -> Error {
    Error::invalid("token", message)
}

/// Checks a pasted token with Slack (`auth.test`, then `team.info` for the icon) and says,
/// in words a person can act on, what is wrong with it if anything.
pub async fn validate_bot_token(client: &SlackClient, pasted: &str) -> Result<BotInstall> {
    let pasted = pasted.trim();
    if pasted.is_empty() {
        return Err(refused(
            "Paste the Bot User OAuth Token (it starts with xoxb-) from your Slack app's OAuth & Permissions page.",
        ));
    }
    let token = Token::new(pasted);
    match token.kind() {
        _ if token.is_bot() => {}
        TokenKind::User | TokenKind::Rotating => {
            return Err(refused(
                "This is a user token (xoxp-…), which acts as a person. Paste the Bot User OAuth Token (xoxb-…) instead, or use “Sign in with Slack” to connect as yourself.",
            ));
        }
        TokenKind::App => {
            return Err(refused(
                "This is an app-level token (xapp-…). Paste the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.",
            ));
        }
        TokenKind::Refresh => {
            return Err(refused(
                "This is a refresh token (xoxe-…). Paste the Bot User OAuth Token (xoxb-… or xoxe.xoxb-…) from OAuth & Permissions, and the refresh token in its own field.",
            ));
        }
        _ => {
            return Err(refused(
                "This does not look like a Slack bot token; it should start with xoxb-. Copy the Bot User OAuth Token from your Slack app's OAuth & Permissions page.",
            ));
        }
    }
    let identity = match client.auth_test(&token).await {
        Ok(identity) => identity,
        Err(error) if error.needs_reconnect() => {
            return Err(refused(
                "Slack did not accept this token: it is mistyped, revoked, or the app was removed from the workspace. Copy the Bot User OAuth Token again, or reinstall the app.",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let Some(bot_user_id) = identity
        .bot_id
        .as_ref()
        .map(|_| identity.user_id.to_string())
    else {
        return Err(refused(
            "Slack says this token does not belong to a bot. Paste the Bot User OAuth Token (xoxb-…).",
        ));
    };
    let scopes = identity.scopes.clone().unwrap_or_default();
    let team = team_facts(client, &token, &identity).await?;
    Ok(BotInstall {
        team_id: identity.team_id.to_string(),
        name: team.name,
        domain: team.domain,
        icon_url: team.icon_url,
        bot_user_id,
        scopes,
        token,
    })
}

/// A workspace's name, domain and icon, as a card shows them.
#[derive(Debug, Clone)]
pub(crate) struct TeamFacts {
    pub name: String,
    pub domain: String,
    pub icon_url: Option<String>,
}

/// Asks `team.info` for the name, domain and icon; without `team:read` the connection still
/// works, with what `auth.test` said (the domain from its URL) and no icon.
pub(crate) async fn team_facts(
    client: &SlackClient,
    token: &Token,
    identity: &AuthTest,
) -> Result<TeamFacts> {
    let team = match client.team_info(token, None).await {
        Ok(info) => Some(info.into_inner().team),
        Err(SlackError::Api { code, .. }) if code == "missing_scope" => None,
        Err(error) => return Err(error.into()),
    };
    let domain_from_url = identity
        .url
        .trim_start_matches("https://")
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(TeamFacts {
        name: team
            .as_ref()
            .map_or_else(|| identity.team.clone(), |t| t.name.clone()),
        domain: team
            .as_ref()
            .and_then(|t| t.domain.clone())
            .unwrap_or(domain_from_url),
        icon_url: team.and_then(|t| t.icon.image_132.or(t.icon.image_68)),
    })
}

/// The last steps of every way to connect: the secrets into the keyring first (`None`
/// deletes), then — only when that worked — the workspace row (`record`, which says whether the
/// team was new) and its audit entry in one transaction, then the change event.
pub(crate) async fn record_connection(
    profile: &Profile,
    team_id: &str,
    name: &str,
    secrets: Vec<(SecretKind, Option<String>)>,
    how: &str,
    record: impl FnOnce(&Connection, &str, i64) -> switchboard_store::Result<bool>,
) -> Result<Connected> {
    for (kind, secret) in secrets {
        let key = SecretKey::workspace(kind, team_id);
        match secret {
            Some(secret) => profile.secrets().put(key, secret).await?,
            None => profile.secrets().delete(key).await?,
        }
    }
    let actor = profile.actor.clone();
    let now_ms = switchboard_store::now_ms();
    let reconnect = profile.db()?.write(|tx| {
        let reconnect = !record(tx, &actor, now_ms)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now_ms,
                actor: &actor,
                action: if reconnect {
                    "workspace.reconnected"
                } else {
                    "workspace.connected"
                },
                subject: &format!("{name} ({team_id})"),
                old_value: None,
                new_value: Some(how),
            },
        )?;
        Ok::<_, Error>(reconnect)
    })?;
    tracing::info!(team = %team_id, reconnect, how, "connected");
    profile.emit(Event::WorkspaceChanged {
        team_id: team_id.to_owned(),
    });
    Ok(Connected {
        team_id: team_id.to_owned(),
        name: name.to_owned(),
        reconnect,
        warning: None,
    })
}

/// A pasted bot token, and its refresh token when the app rotates tokens.
#[derive(Debug, Clone, Default)]
pub struct BotTokenPaste {
    pub token: String,
    pub refresh_token: Option<String>,
}

/// How a pasted bot token lives: for ever, or 12 hours (renewed when its refresh token came).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lifetime {
    rotates: bool,
    expires_at: Option<i64>,
    refresh_token: Option<Token>,
}

/// Connects (or reconnects) a workspace with a pasted bot token: the whole user action, the
/// same for the console and `switchboard workspace connect`.
///
/// A rotating bot token (`xoxe.xoxb-…`, an app with token rotation on) expires after 12 hours.
/// With its refresh token it is renewed at once — which proves the refresh token and the app's
/// credentials, and gives the exact expiry — and then before each expiry. Without one it is
/// accepted with a warning that it stops within 12 hours.
pub async fn connect_bot_token(profile: &Profile, paste: &BotTokenPaste) -> Result<Connected> {
    let settings = profile.db()?.read(crate::slack_app::load)?;
    if !settings.bot_token_enabled {
        return Err(refused(
            "Connecting with a bot token is turned off in Settings → Slack app.",
        ));
    }
    let refresh = paste
        .refresh_token
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(Token::new);
    if let Some(refresh) = &refresh
        && refresh.kind() != TokenKind::Refresh
    {
        return Err(Error::invalid(
            "refresh_token",
            "The refresh token starts with xoxe- (not xoxe.xoxb-); copy it from the Refresh Token field of the app's OAuth & Permissions page, or leave it empty.",
        ));
    }
    let mut install = validate_bot_token(profile.slack()?, &paste.token).await?;
    let rotating = install.token.kind() == TokenKind::Rotating;
    let now = switchboard_store::now_ms();
    let (lifetime, warning) = match (rotating, refresh) {
        (false, Some(_)) => {
            return Err(Error::invalid(
                "refresh_token",
                "This bot token does not expire (it starts with xoxb-), so it has no refresh token: leave the refresh token empty.",
            ));
        }
        (false, None) => (
            Lifetime {
                rotates: false,
                expires_at: None,
                refresh_token: None,
            },
            None,
        ),
        (true, None) => (
            Lifetime {
                rotates: true,
                expires_at: Some(now + ROTATING_TOKEN_LIFETIME_MS),
                refresh_token: None,
            },
            Some("This bot token expires within 12 hours: the Slack app has token rotation on. Paste it again with its refresh token (both are on the app's OAuth & Permissions page) so Switchboard renews it, or create the app from Switchboard's manifest, which leaves rotation off.".to_owned()),
        ),
        (true, Some(refresh)) => {
            let renewed = renew_pasted(profile, &settings, &refresh, now).await?;
            install.token = renewed.0;
            (
                Lifetime {
                    rotates: true,
                    expires_at: renewed.2,
                    refresh_token: Some(renewed.1),
                },
                None,
            )
        }
    };
    record_bot_install(profile, &install, &lifetime)
        .await
        .map(|mut c| {
            c.warning = warning;
            c
        })
}

/// Renews a pasted rotating bot token with its refresh token: the new token, the new refresh
/// token, and when the token expires.
async fn renew_pasted(
    profile: &Profile,
    settings: &crate::slack_app::AppSettings,
    refresh: &Token,
    now: i64,
) -> Result<(Token, Token, Option<i64>)> {
    if settings.client_id.trim().is_empty() {
        return Err(Error::invalid(
            "client_id",
            "Renewing a rotating bot token takes the Slack app's client ID: enter it in Settings → Slack app (Basic Information in the app's settings), then paste again.",
        ));
    }
    let access = crate::tokens::renew_with(profile, &settings.client_id, refresh.clone())
        .await?
        .map_err(|error| match error.code() {
            Some("invalid_refresh_token") => Error::invalid(
                "refresh_token",
                "Slack did not accept this refresh token: it was already used or belongs to another app. Copy both tokens again from the app's OAuth & Permissions page.",
            ),
            Some("bad_client_secret") => Error::invalid(
                "client_secret",
                "Slack wants the app's client secret to renew this token (the app does not use PKCE): enter it in Settings → Slack app, then paste again.",
            ),
            Some("invalid_client_id") => Error::invalid(
                "client_id",
                "Slack does not know the client ID in Settings → Slack app; copy it again from the app's Basic Information page.",
            ),
            _ => Error::from(error),
        })?
        .into_inner();
    match (access.access_token, access.refresh_token) {
        (Some(token), Some(new_refresh)) if token.is_bot() => Ok((
            token,
            new_refresh,
            access.expires_in.map(|s| now + s * 1000),
        )),
        _ => Err(Error::invalid(
            "refresh_token",
            "This refresh token does not belong to a bot token; copy the refresh token shown beside the Bot User OAuth Token.",
        )),
    }
}

/// Stores the tokens, then records the workspace (see [`record_connection`]).
async fn record_bot_install(
    profile: &Profile,
    install: &BotInstall,
    lifetime: &Lifetime,
) -> Result<Connected> {
    let how = format!(
        "bot token{}, scopes {}",
        match (lifetime.rotates, lifetime.refresh_token.is_some()) {
            (true, true) => " (rotating, renewed with its refresh token)",
            (true, false) => " (rotating, expires within 12 hours)",
            _ => "",
        },
        install.scopes.join(",")
    );
    record_connection(
        profile,
        &install.team_id,
        &install.name,
        vec![
            (
                SecretKind::BotRefreshToken,
                lifetime
                    .refresh_token
                    .as_ref()
                    .map(|t| t.expose().to_owned()),
            ),
            (
                SecretKind::BotToken,
                Some(install.token.expose().to_owned()),
            ),
        ],
        &how,
        |tx, actor, now_ms| {
            workspaces::record_bot_connection(
                tx,
                &workspaces::BotConnection {
                    team_id: &install.team_id,
                    name: &install.name,
                    domain: &install.domain,
                    icon_url: install.icon_url.as_deref(),
                    bot_user_id: &install.bot_user_id,
                    bot_scopes: &install.scopes,
                    connected_by: actor,
                    is_demo: profile.is_demo(),
                    rotates: lifetime.rotates,
                    expires_at: lifetime.expires_at,
                    refreshable: lifetime.refresh_token.is_some(),
                },
                now_ms,
            )
        },
    )
    .await
}

/// Every connected workspace.
pub fn list(profile: &Profile) -> Result<Vec<Workspace>> {
    profile
        .db()?
        .read(|conn| workspaces::list(conn).map_err(Error::from))
}

/// A workspace with its cached directory counts, as a card shows it.
#[derive(Debug, Clone)]
pub struct Card {
    pub workspace: Workspace,
    pub channels: u64,
    pub users: u64,
}

/// Every workspace with its directory counts.
pub fn cards(profile: &Profile) -> Result<Vec<Card>> {
    profile.db()?.read(|conn| {
        workspaces::list(conn)?
            .into_iter()
            .map(|w| {
                let (channels, users) = switchboard_store::directory::counts(conn, &w.team_id)?;
                Ok(Card {
                    workspace: w,
                    channels,
                    users,
                })
            })
            .collect()
    })
}

/// The workspace's icon as a `data:` URL (a web view loads no remote image), or `None` when it
/// has none or it cannot be downloaded; remembered per icon URL.
pub async fn icon(profile: &Profile, team_id: &str) -> Result<Option<String>> {
    let Some(url) = crate::tokens::workspace(profile, team_id)?.icon_url else {
        return Ok(None);
    };
    if let Some(known) = crate::profile::lock(&profile.icons).get(&url) {
        return Ok(known.clone());
    }
    let icon = match profile.slack()?.fetch_icon_data_url(&url).await {
        Ok(icon) => icon,
        Err(error) => {
            tracing::info!(%team_id, "workspace icon not loaded: {error}");
            None
        }
    };
    crate::profile::lock(&profile.icons).insert(url, icon.clone());
    Ok(icon)
}
