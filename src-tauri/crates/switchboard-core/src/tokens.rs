//! The token work is done with, and keeping rotating tokens alive.
//!
//! [`fresh_token`] picks the token for a workspace (the bot token unless Slack refused it, else
//! the user token) and renews it first when it is about to expire. [`refresh`] renews one
//! rotating token (user or bot) with its refresh token.
//!
//! A rotating refresh token can be used once, so a refresh is **single-flight**: within the
//! process one caller per workspace token refreshes while the others wait on an async mutex;
//! across processes on one data directory (the console and a CLI command) an exclusive lock on
//! a file in the data directory does the same. Whoever waited then finds the stored expiry
//! moved on and uses the stored token instead of spending the refresh token again.

use std::sync::Arc;

use switchboard_slack::Token;
use switchboard_slack::api::oauth::{AuthedUser, ClientCredentials, Grant, OAuthAccess};
use switchboard_store::workspaces::{self, Workspace};

use crate::error::TokenRole;
use crate::events::Event;
use crate::profile::{Profile, lock};
use crate::secrets::{SecretKey, SecretKind};
use crate::{Error, Result};

/// PKCE refresh tokens expire after 30 days (slack-api.md §1.3).
pub const REFRESH_TOKEN_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Refresh a rotating token when it has less than this left.
pub const REFRESH_MARGIN_MS: i64 = 30 * 60 * 1000;

/// Rotating access tokens live 12 hours (slack-api.md §1.2).
pub const ROTATING_TOKEN_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;

/// The keyring entries of a token role.
pub(crate) fn kinds(role: TokenRole) -> (SecretKind, SecretKind) {
    match role {
        TokenRole::Bot => (SecretKind::BotToken, SecretKind::BotRefreshToken),
        TokenRole::User => (SecretKind::UserToken, SecretKind::RefreshToken),
    }
}

/// When the token of `role` expires, if it rotates.
pub fn expires_at(ws: &Workspace, role: TokenRole) -> Option<i64> {
    match role {
        TokenRole::Bot => ws
            .bot_token_rotates
            .then_some(ws.bot_token_expires_at)
            .flatten(),
        TokenRole::User => ws
            .user_token_rotates
            .then_some(ws.token_expires_at)
            .flatten(),
    }
}

/// Whether the token of `role` can be renewed here (it rotates and its refresh token is held).
pub fn refreshable(ws: &Workspace, role: TokenRole) -> bool {
    match role {
        TokenRole::Bot => ws.bot_token_rotates && ws.bot_token_refreshable,
        TokenRole::User => ws.user_token_rotates,
    }
}

fn expiring(ws: &Workspace, role: TokenRole, now: i64) -> bool {
    expires_at(ws, role).is_some_and(|at| at - now < REFRESH_MARGIN_MS)
}

/// Which token work uses: the bot token when the workspace has one Slack has not refused,
/// else the user token. `None` when neither can work.
pub fn preferred_role(ws: &Workspace) -> Option<TokenRole> {
    if ws.has_bot_token && ws.bot_token_error.is_none() {
        Some(TokenRole::Bot)
    } else if ws.has_user_token && ws.user_token_error.is_none() {
        Some(TokenRole::User)
    } else {
        None
    }
}

pub(crate) fn workspace(profile: &Profile, team_id: &str) -> Result<Workspace> {
    profile
        .db()?
        .read(|conn| workspaces::get(conn, team_id).map_err(Error::from))?
        .ok_or_else(|| Error::no_workspace(team_id))
}

/// The token to work with now, renewed first when it expires within [`REFRESH_MARGIN_MS`] (the
/// console may have been closed for longer than a token lives). A token that cannot be renewed
/// marks the workspace and comes back as [`Error::NeedsReconnect`].
pub async fn fresh_token(profile: &Profile, team_id: &str) -> Result<(Token, TokenRole)> {
    let ws = workspace(profile, team_id)?;
    let Some(role) = preferred_role(&ws) else {
        return Err(Error::NeedsReconnect {
            team_id: team_id.to_owned(),
            token: ws.reconnect_token.as_deref().map_or(TokenRole::Bot, |t| {
                if t == "user" {
                    TokenRole::User
                } else {
                    TokenRole::Bot
                }
            }),
            reason: ws
                .status_reason
                .clone()
                .unwrap_or_else(|| format!("{} has no working token; reconnect it.", ws.name)),
        });
    };
    let now = switchboard_store::now_ms();
    if expiring(&ws, role, now) {
        let token = renew(profile, &ws, role, now).await?;
        return Ok((token, role));
    }
    match profile.secrets().token(kinds(role).0, team_id).await? {
        Some(token) => Ok((token, role)),
        None => {
            let reason = missing_reason(role);
            crate::health::mark_token_dead(profile, team_id, role, &reason).await?;
            Err(Error::NeedsReconnect {
                team_id: team_id.to_owned(),
                token: role,
                reason,
            })
        }
    }
}

pub(crate) fn missing_reason(role: TokenRole) -> String {
    format!(
        "The {} token is missing from the system keyring (it was deleted there, or this data directory was copied from another computer). Reconnect to restore it; its channels, toggles and links are kept.",
        role.as_str()
    )
}

/// Renews the token of `role` when it can be, or marks it dead with the reason when it cannot.
pub(crate) async fn renew(
    profile: &Profile,
    ws: &Workspace,
    role: TokenRole,
    now: i64,
) -> Result<Token> {
    if !refreshable(ws, role) {
        let reason = crate::health::expired_reason(role);
        crate::health::mark_token_dead(profile, &ws.team_id, role, &reason).await?;
        return Err(Error::NeedsReconnect {
            team_id: ws.team_id.clone(),
            token: role,
            reason,
        });
    }
    match refresh(profile, &ws.team_id, role, expires_at(ws, role), now).await {
        Err(Error::NeedsReconnect {
            team_id,
            token,
            reason,
        }) => {
            crate::health::mark_token_dead(profile, &team_id, token, &reason).await?;
            Err(Error::NeedsReconnect {
                team_id,
                token,
                reason,
            })
        }
        other => other,
    }
}

/// Holds the cross-process refresh lock of one workspace token until dropped.
struct FileLock(#[allow(dead_code)] std::fs::File);

async fn lock_file(path: std::path::PathBuf) -> Result<FileLock> {
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        // Blocks until another process's refresh is done; the OS releases the lock if that
        // process dies.
        file.lock()?;
        Ok(FileLock(file))
    })
    .await
    .map_err(|e| Error::invalid("refresh", format!("the refresh lock task failed: {e}")))?
    .map_err(|e: std::io::Error| {
        Error::StorageUnavailable(format!(
            "the refresh lock in the data directory could not be taken ({e})"
        ))
    })
}

/// Renews the rotating token of `role`, single-flight. `seen_expiry` is the expiry the caller
/// saw: when the stored one differs after waiting for the lock, someone else refreshed, and the
/// stored token is returned without spending the refresh token again.
pub async fn refresh(
    profile: &Profile,
    team_id: &str,
    role: TokenRole,
    seen_expiry: Option<i64>,
    now: i64,
) -> Result<Token> {
    let flight = lock(&profile.refreshes)
        .entry((team_id.to_owned(), role))
        .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
        .clone();
    let _in_process = flight.lock().await;
    let _across_processes =
        lock_file(profile.lock_path(&format!("refresh-{team_id}-{}", role.as_str()))).await?;
    let ws = workspace(profile, team_id)?;
    if expires_at(&ws, role) != seen_expiry
        && !expiring(&ws, role, switchboard_store::now_ms())
        && let Some(token) = profile.secrets().token(kinds(role).0, team_id).await?
    {
        return Ok(token);
    }
    refresh_now(profile, &ws, role, now).await
}

/// Asks Slack for a new token with `refresh`, as the app `client_id` (with the app's client
/// secret from the keyring when the owner gave one: apps without PKCE need it). Slack's answer
/// is returned as is, for each caller to explain its refusals.
pub(crate) async fn renew_with(
    profile: &Profile,
    client_id: &str,
    refresh: Token,
) -> Result<switchboard_slack::Result<switchboard_slack::Response<OAuthAccess>>> {
    let client_secret = profile
        .secrets()
        .get(SecretKey::app(SecretKind::ClientSecret))
        .await?
        .map(|s| s.into_client_secret());
    Ok(profile
        .slack()?
        .oauth_v2_access(
            &ClientCredentials {
                client_id: client_id.trim().to_owned(),
                client_secret,
            },
            &Grant::RefreshToken(refresh),
        )
        .await)
}

/// One refresh with Slack: the new refresh token is in the keyring before anything else
/// changes (the old one is revoked by Slack on use, so a crash between the writes leaves a
/// working refresh token, never none), then the access token, then the new expiry.
async fn refresh_now(
    profile: &Profile,
    ws: &Workspace,
    role: TokenRole,
    now: i64,
) -> Result<Token> {
    let team_id = ws.team_id.as_str();
    let (token_kind, refresh_kind) = kinds(role);
    let dead = |code: &str| Error::NeedsReconnect {
        team_id: team_id.to_owned(),
        token: role,
        reason: crate::health::dead_token_reason(role, code),
    };
    let Some(refresh_token) = profile
        .secrets()
        .get(SecretKey::workspace(refresh_kind, team_id))
        .await?
    else {
        return Err(dead("invalid_refresh_token"));
    };
    let settings = profile.db()?.read(crate::slack_app::load)?;
    if settings.client_id.trim().is_empty() {
        return Err(Error::NeedsReconnect {
            team_id: team_id.to_owned(),
            token: role,
            reason: format!(
                "The {} token rotates and needs renewing, which takes the Slack app's client ID: enter it in Settings → Slack app, then check the workspace again.",
                role.as_str()
            ),
        });
    }
    let answer = renew_with(profile, &settings.client_id, refresh_token.into_token()).await?;
    let access = match answer {
        Ok(access) => access.into_inner(),
        Err(error) if error.code() == Some("bad_client_secret") => {
            return Err(Error::NeedsReconnect {
                team_id: team_id.to_owned(),
                token: role,
                reason: format!(
                    "Slack wants the app's client secret to renew the {} token (the app does not use PKCE): enter it in Settings → Slack app, then check the workspace again.",
                    role.as_str()
                ),
            });
        }
        Err(error)
            if error.needs_reconnect()
                || matches!(
                    error.code(),
                    Some("invalid_refresh_token" | "invalid_client_id" | "invalid_grant_type")
                ) =>
        {
            return Err(dead(error.code().unwrap_or("invalid_refresh_token")));
        }
        Err(error) => return Err(error.into()),
    };
    // A user-token refresh answers at the top level; accept `authed_user` as well.
    let (token, new_refresh, expires_in) = match (access.access_token, access.authed_user) {
        (Some(token), _) => (token, access.refresh_token, access.expires_in),
        (
            None,
            Some(AuthedUser {
                access_token: Some(token),
                refresh_token,
                expires_in,
                ..
            }),
        ) => (token, refresh_token, expires_in),
        _ => return Err(dead("invalid_refresh_token")),
    };
    if let Some(new_refresh) = &new_refresh {
        profile
            .secrets()
            .put(
                SecretKey::workspace(refresh_kind, team_id),
                new_refresh.expose().to_owned(),
            )
            .await?;
    }
    profile
        .secrets()
        .put(
            SecretKey::workspace(token_kind, team_id),
            token.expose().to_owned(),
        )
        .await?;
    let token_expires_at = expires_in.map(|s| now + s * 1000);
    profile.db()?.write(|tx| {
        match role {
            TokenRole::User => workspaces::record_token_refresh(
                tx,
                team_id,
                token_expires_at,
                new_refresh
                    .is_some()
                    .then_some(now + REFRESH_TOKEN_LIFETIME_MS)
                    .or(ws.refresh_expires_at),
                now,
            )?,
            TokenRole::Bot => {
                workspaces::record_bot_token_refresh(tx, team_id, token_expires_at, now)?
            }
        }
        Ok::<_, Error>(())
    })?;
    tracing::info!(team = %team_id, token = role.as_str(), "rotating token refreshed");
    profile.emit(Event::WorkspaceChanged {
        team_id: team_id.to_owned(),
    });
    Ok(token)
}

/// The name of workspace `team_id`, or [`Error::NotFound`].
pub fn workspace_name(profile: &Profile, team_id: &str) -> Result<String> {
    Ok(workspace(profile, team_id)?.name)
}
