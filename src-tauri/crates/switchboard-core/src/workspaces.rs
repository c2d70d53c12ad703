//! Connecting Slack workspaces. Today: a pasted bot token (`xoxb-…`) of the app installed from
//! Switchboard's manifest. Validation talks to Slack and needs no database; recording writes the
//! token to the keyring first and the workspace row second, so the database never names a token
//! that is not stored. Connecting a known team id is a reconnect and keeps every mapping.

use switchboard_slack::api::auth::AuthTest;
use switchboard_slack::{Error as SlackError, SlackClient, Token, TokenKind};
use switchboard_store::rusqlite::Connection;
use switchboard_store::{audit, workspaces};

use crate::secrets::{SecretKey, SecretKind, SecretStore};
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
}

fn refused(message: impl Into<String>) -> Error {
    Error::InvalidInput(message.into())
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
                "This is a refresh token (xoxe-…). Paste the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.",
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
        Err(error) => return Err(Error::Slack(error)),
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
        Err(error) => return Err(Error::Slack(error)),
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

/// Audits a connection in the transaction that recorded it.
pub(crate) fn audit_connection(
    tx: &Connection,
    actor: &str,
    now_ms: i64,
    reconnect: bool,
    subject: &str,
    how: &str,
) -> Result<()> {
    audit::record(
        tx,
        audit::NewAuditEntry {
            at: now_ms,
            actor,
            action: if reconnect {
                "workspace.reconnected"
            } else {
                "workspace.connected"
            },
            subject,
            old_value: None,
            new_value: Some(how),
        },
    )?;
    Ok(())
}

/// Stores the token in `secrets`, then records the workspace and an audit entry in one
/// transaction. A keyring failure writes nothing.
pub fn record_bot_install(
    conn: &mut Connection,
    secrets: &dyn SecretStore,
    install: &BotInstall,
    actor: &str,
    is_demo: bool,
    now_ms: i64,
) -> Result<Connected> {
    secrets
        .put(
            &SecretKey::workspace(SecretKind::BotToken, &install.team_id),
            install.token.expose(),
        )
        .map_err(Error::Secrets)?;
    let tx = conn.transaction()?;
    let reconnect = !workspaces::record_bot_connection(
        &tx,
        &workspaces::BotConnection {
            team_id: &install.team_id,
            name: &install.name,
            domain: &install.domain,
            icon_url: install.icon_url.as_deref(),
            bot_user_id: &install.bot_user_id,
            bot_scopes: &install.scopes,
            connected_by: actor,
            is_demo,
        },
        now_ms,
    )?;
    audit_connection(
        &tx,
        actor,
        now_ms,
        reconnect,
        &format!("{} ({})", install.name, install.team_id),
        &format!("bot token, scopes {}", install.scopes.join(",")),
    )?;
    tx.commit()?;
    Ok(Connected {
        team_id: install.team_id.clone(),
        name: install.name.clone(),
        reconnect,
    })
}

/// Every connected workspace.
pub fn list(conn: &Connection) -> Result<Vec<workspaces::Workspace>> {
    Ok(workspaces::list(conn)?)
}
