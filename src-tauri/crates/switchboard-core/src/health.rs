//! Keeping workspaces healthy: [`check`] runs `auth.test` for each token a workspace holds
//! (on start and every 15 minutes), refreshes a rotating user token before it expires or when
//! Slack says `token_expired` (then retries once), records the granted scopes, and turns a
//! dead token (`invalid_auth`, `token_revoked`, `account_inactive`) into `needs_reconnect` with
//! a reason a person can act on. [`disconnect`] revokes the tokens with Slack, deletes them
//! from the keyring and either keeps the workspace's mappings for a later reconnect or
//! removes them. Status changes and disconnects are audited.

use std::sync::Mutex;

use switchboard_slack::{Error as SlackError, SlackClient, Token};
use switchboard_store::workspaces::{self, Status, Workspace};
use switchboard_store::{Store, audit};

use crate::oauth::{self, REFRESH_MARGIN_MS};
use crate::secrets::{SecretKey, SecretKind, SecretStore};
use crate::slack_app::{self, ScopeProblem};
use crate::{Error, Result};

/// How often the console checks every workspace.
pub const CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub team_id: String,
    pub name: String,
    pub status: Status,
    pub reason: Option<String>,
    /// Features the granted scopes leave broken.
    pub scope_problems: Vec<ScopeProblem>,
    /// The user token was rotated during the check.
    pub refreshed: bool,
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The words for a token Slack no longer accepts.
pub fn dead_token_reason(which: &str, code: &str) -> String {
    let what = match code {
        "token_revoked" => format!("The {which} token was revoked in Slack (token_revoked)."),
        "account_inactive" => format!(
            "The Slack account behind the {which} token was deactivated (account_inactive)."
        ),
        "invalid_refresh_token" => format!(
            "The saved sign-in for the {which} token expired (refresh tokens of desktop apps last 30 days) or was revoked."
        ),
        other => format!(
            "Slack no longer accepts the {which} token ({other}): the app was uninstalled or reinstalled, or the token was revoked."
        ),
    };
    format!("{what} Reconnect to restore it; its channels, toggles and links are kept.")
}

enum TokenHealth {
    Ok(Option<Vec<String>>),
    Dead(String),
}

async fn test_token(client: &SlackClient, token: &Token, which: &str) -> Result<TokenHealth> {
    match client.auth_test(token).await {
        Ok(identity) => Ok(TokenHealth::Ok(identity.scopes.clone())),
        Err(error) if error.needs_reconnect() => Ok(TokenHealth::Dead(dead_token_reason(
            which,
            error.code().unwrap_or("invalid_auth"),
        ))),
        Err(error) => Err(Error::Slack(error)),
    }
}

fn secret(secrets: &dyn SecretStore, kind: SecretKind, team_id: &str) -> Result<Option<Token>> {
    Ok(secrets
        .get(&SecretKey::workspace(kind, team_id))?
        .map(|s| s.into_token()))
}

/// Refreshes the user token and records the new expiry; `Ok(None)` when the refresh token is
/// dead (the reason is returned instead).
async fn refresh_user_token(
    client: &SlackClient,
    secrets: &dyn SecretStore,
    store: &Mutex<Store>,
    team_id: &str,
    now: i64,
) -> Result<std::result::Result<Token, String>> {
    let client_id = slack_app::load(lock(store).conn())?.client_id;
    match oauth::refresh(client, secrets, &client_id, team_id, now).await {
        Ok(refreshed) => {
            workspaces::record_token_refresh(
                lock(store).conn(),
                team_id,
                refreshed.token_expires_at,
                refreshed.refresh_expires_at,
                now,
            )?;
            Ok(Ok(refreshed.token))
        }
        Err(Error::Slack(error)) if error.needs_reconnect() => Ok(Err(dead_token_reason(
            "user",
            error.code().unwrap_or("invalid_auth"),
        ))),
        Err(Error::InvalidInput(_)) => Ok(Err(dead_token_reason("user", "invalid_refresh_token"))),
        Err(other) => Err(other),
    }
}

/// Checks one workspace's tokens with Slack and records what it found. A transient failure
/// (Slack unreachable, rate limited) changes nothing and is returned as an error.
pub async fn check(
    client: &SlackClient,
    secrets: &dyn SecretStore,
    store: &Mutex<Store>,
    team_id: &str,
    actor: &str,
    now: i64,
) -> Result<Checked> {
    let Some(ws) = workspaces::get(lock(store).conn(), team_id)? else {
        return Err(Error::InvalidInput(format!(
            "No workspace {team_id} is connected; `switchboard workspace list` shows the ones that are."
        )));
    };
    if ws.status == Status::Disabled {
        return Ok(checked(&ws, Vec::new(), false));
    }
    let mut dead: Option<String> = None;
    let mut bot_scopes = None;
    let mut user_scopes = None;
    let mut refreshed = false;

    if ws.has_bot_token {
        match secret(secrets, SecretKind::BotToken, team_id)? {
            None => dead = Some("The bot token is missing from the system keyring (it was deleted there, or this data directory was copied from another computer). Reconnect to restore it; its channels, toggles and links are kept.".to_owned()),
            Some(token) => match test_token(client, &token, "bot").await? {
                TokenHealth::Ok(scopes) => bot_scopes = scopes,
                TokenHealth::Dead(reason) => dead = Some(reason),
            },
        }
    }
    let bot_refused = dead.is_some();
    if ws.has_user_token && dead.is_none() {
        let mut token = secret(secrets, SecretKind::UserToken, team_id)?;
        let expiring = ws.user_token_rotates
            && ws
                .token_expires_at
                .is_some_and(|at| at - now < REFRESH_MARGIN_MS);
        if token.is_some() && expiring {
            match refresh_user_token(client, secrets, store, team_id, now).await? {
                Ok(new) => {
                    token = Some(new);
                    refreshed = true;
                }
                Err(reason) => dead = Some(reason),
            }
        }
        match (token, &dead) {
            (_, Some(_)) => {}
            (None, None) => dead = Some("The user token is missing from the system keyring. Reconnect to restore it; its channels, toggles and links are kept.".to_owned()),
            (Some(token), None) => {
                let mut outcome = client.auth_test(&token).await;
                if matches!(&outcome, Err(e) if e.token_expired()) && ws.user_token_rotates {
                    match refresh_user_token(client, secrets, store, team_id, now).await? {
                        Ok(new) => {
                            refreshed = true;
                            outcome = client.auth_test(&new).await;
                        }
                        Err(reason) => dead = Some(reason),
                    }
                }
                match outcome {
                    _ if dead.is_some() => {}
                    Ok(identity) => user_scopes = identity.scopes.clone(),
                    Err(error) if error.needs_reconnect() || error.token_expired() => {
                        dead = Some(dead_token_reason("user", error.code().unwrap_or("invalid_auth")));
                    }
                    Err(error) => return Err(Error::Slack(error)),
                }
            }
        }
    }

    let mut guard = lock(store);
    let tx = guard.conn_mut().transaction()?;
    workspaces::record_health_check(
        &tx,
        team_id,
        bot_scopes.as_deref(),
        user_scopes.as_deref(),
        now,
    )?;
    let (status, reason, refused) = match &dead {
        Some(reason) => (
            Status::NeedsReconnect,
            Some(reason.as_str()),
            Some(if bot_refused { "bot" } else { "user" }),
        ),
        None => (Status::Connected, None, None),
    };
    if let Some(before) = workspaces::set_status(&tx, team_id, status, reason, refused, now)? {
        audit::record(
            &tx,
            audit::NewAuditEntry {
                at: now,
                actor,
                action: "workspace.status_changed",
                subject: &format!("{} ({team_id})", ws.name),
                old_value: Some(before.as_str()),
                new_value: Some(&match reason {
                    Some(reason) => format!("{}: {reason}", status.as_str()),
                    None => status.as_str().to_owned(),
                }),
            },
        )?;
    }
    let after = workspaces::get(&tx, team_id)?.unwrap_or(ws);
    tx.commit()?;
    Ok(checked(&after, problems_of(&after), refreshed))
}

fn problems_of(ws: &Workspace) -> Vec<ScopeProblem> {
    slack_app::scope_problems(
        ws.has_bot_token,
        &ws.bot_scopes,
        ws.has_user_token,
        &ws.user_scopes,
    )
}

fn checked(ws: &Workspace, scope_problems: Vec<ScopeProblem>, refreshed: bool) -> Checked {
    Checked {
        team_id: ws.team_id.clone(),
        name: ws.name.clone(),
        status: ws.status,
        reason: ws.status_reason.clone(),
        scope_problems,
        refreshed,
    }
}

/// The scope problems of a workspace as stored.
pub fn scope_problems(ws: &Workspace) -> Vec<ScopeProblem> {
    problems_of(ws)
}

/// What disconnecting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    pub team_id: String,
    pub name: String,
    /// Tokens Slack confirmed revoked (`bot`, `user`).
    pub revoked: Vec<&'static str>,
    /// Why a token could not be revoked with Slack (it was deleted here all the same).
    pub revoke_warning: Option<String>,
    pub kept_mappings: bool,
}

/// Disconnects a workspace: `auth.revoke` for each token, the secrets deleted, and the
/// workspace kept (tokens gone, mappings intact) or removed with its mappings.
pub async fn disconnect(
    client: &SlackClient,
    secrets: &dyn SecretStore,
    store: &Mutex<Store>,
    team_id: &str,
    keep_mappings: bool,
    actor: &str,
    now: i64,
) -> Result<Disconnected> {
    let Some(ws) = workspaces::get(lock(store).conn(), team_id)? else {
        return Err(Error::InvalidInput(format!(
            "No workspace {team_id} is connected; `switchboard workspace list` shows the ones that are."
        )));
    };
    let mut revoked = Vec::new();
    let mut warnings = Vec::new();
    for (kind, which) in [
        (SecretKind::BotToken, "bot"),
        (SecretKind::UserToken, "user"),
    ] {
        let Some(token) = secret(secrets, kind, team_id)? else {
            continue;
        };
        match client.auth_revoke(&token, false).await {
            Ok(answer) if answer.revoked => revoked.push(which),
            Ok(_) => warnings.push(format!("Slack did not revoke the {which} token.")),
            // A token Slack already refuses is as good as revoked.
            Err(error) if error.needs_reconnect() => revoked.push(which),
            Err(error @ (SlackError::Transport { .. } | SlackError::Http { .. })) => {
                warnings.push(format!("Slack could not be reached to revoke the {which} token ({error}); it was deleted here. To be sure, remove the app in Slack's workspace settings."));
            }
            Err(error) => warnings.push(format!(
                "Slack refused to revoke the {which} token ({error}); it was deleted here."
            )),
        }
    }
    for kind in [
        SecretKind::BotToken,
        SecretKind::UserToken,
        SecretKind::RefreshToken,
    ] {
        secrets.delete(&SecretKey::workspace(kind, team_id))?;
    }
    let mut guard = lock(store);
    let tx = guard.conn_mut().transaction()?;
    workspaces::disconnect(&tx, team_id, keep_mappings, now)?;
    audit::record(
        &tx,
        audit::NewAuditEntry {
            at: now,
            actor,
            action: "workspace.disconnected",
            subject: &format!("{} ({team_id})", ws.name),
            old_value: Some(ws.mode()),
            new_value: Some(if keep_mappings {
                "tokens revoked and deleted; mappings kept for a reconnect"
            } else {
                "tokens revoked and deleted; workspace and its mappings removed"
            }),
        },
    )?;
    tx.commit()?;
    Ok(Disconnected {
        team_id: team_id.to_owned(),
        name: ws.name,
        revoked,
        revoke_warning: (!warnings.is_empty()).then(|| warnings.join(" ")),
        kept_mappings: keep_mappings,
    })
}

/// The token to work with now, as [`preferred_token`] picks it, with a rotating user token
/// refreshed first when it expires within [`REFRESH_MARGIN_MS`] (the console may have been
/// closed for longer than a token lives). A refresh Slack refuses marks the workspace
/// `needs_reconnect` and says why.
pub async fn fresh_token(
    client: &SlackClient,
    secrets: &dyn SecretStore,
    store: &Mutex<Store>,
    team_id: &str,
    now: i64,
) -> Result<Token> {
    let Some(ws) = workspaces::get(lock(store).conn(), team_id)? else {
        return Err(Error::InvalidInput(format!(
            "No workspace {team_id} is connected; `switchboard workspace list` shows the ones that are."
        )));
    };
    let uses_user_token = !(ws.has_bot_token
        && secrets
            .get(&SecretKey::workspace(SecretKind::BotToken, team_id))?
            .is_some());
    let expiring = ws.user_token_rotates
        && ws
            .token_expires_at
            .is_some_and(|at| at - now < REFRESH_MARGIN_MS);
    if uses_user_token && ws.has_user_token && expiring {
        return match refresh_user_token(client, secrets, store, team_id, now).await? {
            Ok(token) => Ok(token),
            Err(reason) => {
                workspaces::set_status(
                    lock(store).conn(),
                    team_id,
                    Status::NeedsReconnect,
                    Some(&reason),
                    Some("user"),
                    now,
                )?;
                Err(Error::InvalidInput(reason))
            }
        };
    }
    preferred_token(secrets, &ws)
}

/// The token work is done with: the bot token when there is one (delivery prefers it), else
/// the user token.
pub fn preferred_token(secrets: &dyn SecretStore, ws: &Workspace) -> Result<Token> {
    if ws.has_bot_token
        && let Some(token) = secret(secrets, SecretKind::BotToken, &ws.team_id)?
    {
        return Ok(token);
    }
    if ws.has_user_token
        && let Some(token) = secret(secrets, SecretKind::UserToken, &ws.team_id)?
    {
        return Ok(token);
    }
    Err(Error::InvalidInput(format!(
        "{} has no token in the system keyring; reconnect it.",
        ws.name
    )))
}
