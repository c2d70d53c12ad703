//! Keeping workspaces healthy. [`check`] asks Slack about each token a workspace holds, each on
//! its own (`auth.test`; a rotating token is renewed first when it is about to expire, and on
//! `token_expired`, then asked again), records the granted scopes, and records which token
//! Slack refused and why. A workspace needs reconnecting only when no token works; when one
//! still does it keeps working for what that token can do, and its reason says what is lost.
//! [`check_all`] does every workspace (on start and every 15 minutes, from the supervisor).
//! [`disconnect`] revokes the tokens with Slack, deletes them from the keyring and keeps the
//! workspace's mappings for a later reconnect or removes them. Status changes are audited.

use switchboard_slack::{Error as SlackError, Token};
use switchboard_store::audit;
use switchboard_store::workspaces::{self, Status, Workspace};

use crate::error::TokenRole;
use crate::events::Event;
use crate::profile::Profile;
use crate::secrets::{SecretKey, SecretKind};
use crate::slack_app::{self, ScopeProblem};
use crate::tokens::{self, kinds};
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
    /// Why Slack refused each token (`None`: it works or there is none).
    pub bot_token_error: Option<String>,
    pub user_token_error: Option<String>,
    /// Features the granted scopes leave broken.
    pub scope_problems: Vec<ScopeProblem>,
}

/// The words for a token Slack no longer accepts.
pub fn dead_token_reason(role: TokenRole, code: &str) -> String {
    let which = role.as_str();
    let what = match code {
        "token_revoked" => format!("The {which} token was revoked in Slack (token_revoked)."),
        "account_inactive" => format!(
            "The Slack account behind the {which} token was deactivated (account_inactive)."
        ),
        "invalid_refresh_token" => format!(
            "The saved refresh token for the {which} token expired (refresh tokens of desktop apps last 30 days) or was revoked (invalid_refresh_token)."
        ),
        "token_expired" => format!(
            "The {which} token expired (token_expired) and Switchboard holds no refresh token to renew it."
        ),
        other => format!(
            "Slack no longer accepts the {which} token ({other}): the app was uninstalled or reinstalled, or the token was revoked."
        ),
    };
    format!("{what}{RECONNECT_SUFFIX}")
}

/// The words for a rotating token that expired with no way to renew it.
pub fn expired_reason(role: TokenRole) -> String {
    match role {
        TokenRole::Bot => "The bot token expired (token_expired): the Slack app has token rotation on, so its bot tokens last 12 hours, and no refresh token was given with it. Paste the bot token again together with its refresh token (both on the app's OAuth & Permissions page), or turn token rotation off by creating the app from Switchboard's manifest.".to_owned(),
        TokenRole::User => dead_token_reason(role, "token_expired"),
    }
}

/// The suffix every dead-token reason ends with.
const RECONNECT_SUFFIX: &str =
    " Reconnect to restore it; its channels, toggles and links are kept.";

/// What a workspace loses while only one of its tokens works, and how to get it back.
fn what_is_lost(ws: &Workspace, dead: TokenRole) -> String {
    match dead {
        TokenRole::Bot => format!(
            "Switchboard keeps working with the user token{}: messages are posted as that person instead of the app, and only to channels they are in. Paste the app's bot token again to restore it.",
            ws.authed_user_id
                .as_deref()
                .map(|u| format!(" of <@{u}>"))
                .unwrap_or_default()
        ),
        TokenRole::User => "Switchboard keeps working with the bot token: messages still come from the app; what needs the signed-in person (acting as them) waits. Sign in again to restore it.".to_owned(),
    }
}

/// The status, reason and refused token a workspace has with these token errors.
fn status_of(
    ws: &Workspace,
    bot_error: Option<&str>,
    user_error: Option<&str>,
) -> (Status, Option<String>, Option<TokenRole>) {
    let bot_works = ws.has_bot_token && bot_error.is_none();
    let user_works = ws.has_user_token && user_error.is_none();
    match (bot_error, user_error) {
        (None, None) => (Status::Connected, None, None),
        (Some(reason), _) if !user_works => (
            Status::NeedsReconnect,
            Some(reason.to_owned()),
            Some(TokenRole::Bot),
        ),
        (_, Some(reason)) if !bot_works => (
            Status::NeedsReconnect,
            Some(reason.to_owned()),
            Some(TokenRole::User),
        ),
        (Some(reason), _) => (
            Status::Connected,
            Some(format!(
                "{} {}",
                reason.trim_end_matches(RECONNECT_SUFFIX),
                what_is_lost(ws, TokenRole::Bot)
            )),
            Some(TokenRole::Bot),
        ),
        (None, Some(reason)) => (
            Status::Connected,
            Some(format!(
                "{} {}",
                reason.trim_end_matches(RECONNECT_SUFFIX),
                what_is_lost(ws, TokenRole::User)
            )),
            Some(TokenRole::User),
        ),
    }
}

/// Records the token errors and the status they give, auditing a status change.
fn record_health(
    tx: &switchboard_store::rusqlite::Connection,
    ws: &Workspace,
    bot_error: Option<&str>,
    user_error: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<()> {
    let (status, reason, refused) = status_of(ws, bot_error, user_error);
    workspaces::set_token_errors(tx, &ws.team_id, bot_error, user_error)?;
    let before = workspaces::set_status(
        tx,
        &ws.team_id,
        status,
        reason.as_deref(),
        refused.map(TokenRole::as_str),
        now,
    )?;
    let changed_reason = ws.status_reason.as_deref() != reason.as_deref();
    if before.is_some() || changed_reason {
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor,
                action: "workspace.status_changed",
                subject: &format!("{} ({})", ws.name, ws.team_id),
                old_value: Some(ws.status.as_str()),
                new_value: Some(&match &reason {
                    Some(reason) => format!("{}: {reason}", status.as_str()),
                    None => status.as_str().to_owned(),
                }),
            },
        )?;
    }
    Ok(())
}

/// Records that Slack refused the token of `role` (found outside a health check: a refresh
/// that failed, a token missing from the keyring, a call answered `invalid_auth`).
pub async fn mark_token_dead(
    profile: &Profile,
    team_id: &str,
    role: TokenRole,
    reason: &str,
) -> Result<()> {
    let actor = profile.actor.clone();
    profile.db()?.write(|tx| {
        let Some(ws) = workspaces::get(tx, team_id)? else {
            return Ok::<_, Error>(());
        };
        let (bot, user) = match role {
            TokenRole::Bot => (Some(reason), ws.user_token_error.as_deref()),
            TokenRole::User => (ws.bot_token_error.as_deref(), Some(reason)),
        };
        record_health(tx, &ws, bot, user, &actor, switchboard_store::now_ms())
    })?;
    profile.emit(Event::WorkspaceChanged {
        team_id: team_id.to_owned(),
    });
    Ok(())
}

/// What asking Slack about one token found.
enum TokenHealth {
    Works(Option<Vec<String>>),
    Refused(String),
}

/// Asks Slack about the token of `role`: renewed first when it is about to expire, renewed and
/// asked again on `token_expired`. A transient failure comes back as an error.
async fn test_token(profile: &Profile, ws: &Workspace, role: TokenRole) -> Result<TokenHealth> {
    let now = switchboard_store::now_ms();
    let stored = profile.secrets().token(kinds(role).0, &ws.team_id).await?;
    let Some(mut token) = stored else {
        return Ok(TokenHealth::Refused(tokens::missing_reason(role)));
    };
    let about_to_expire =
        tokens::expires_at(ws, role).is_some_and(|at| at - now < tokens::REFRESH_MARGIN_MS);
    if about_to_expire && tokens::refreshable(ws, role) {
        match refreshed(profile, ws, role, now).await? {
            Ok(new) => token = new,
            Err(reason) => return Ok(TokenHealth::Refused(reason)),
        }
    }
    let mut answer = profile.slack()?.auth_test(&token).await;
    if matches!(&answer, Err(e) if e.token_expired()) {
        if !tokens::refreshable(ws, role) {
            return Ok(TokenHealth::Refused(expired_reason(role)));
        }
        match refreshed(profile, ws, role, now).await? {
            Ok(new) => answer = profile.slack()?.auth_test(&new).await,
            Err(reason) => return Ok(TokenHealth::Refused(reason)),
        }
    }
    match answer {
        Ok(identity) => Ok(TokenHealth::Works(identity.scopes.clone())),
        Err(error) if error.needs_reconnect() || error.token_expired() => Ok(TokenHealth::Refused(
            dead_token_reason(role, error.code().unwrap_or("invalid_auth")),
        )),
        Err(error) => Err(error.into()),
    }
}

/// A refresh, with a refusal turned into its reason.
async fn refreshed(
    profile: &Profile,
    ws: &Workspace,
    role: TokenRole,
    now: i64,
) -> Result<std::result::Result<Token, String>> {
    match tokens::refresh(
        profile,
        &ws.team_id,
        role,
        tokens::expires_at(ws, role),
        now,
    )
    .await
    {
        Ok(token) => Ok(Ok(token)),
        Err(Error::NeedsReconnect { reason, .. }) => Ok(Err(reason)),
        Err(other) => Err(other),
    }
}

/// Checks one workspace's tokens with Slack and records what it found. A transient failure
/// (Slack unreachable, rate limited) changes nothing and is returned as an error.
pub async fn check(profile: &Profile, team_id: &str) -> Result<Checked> {
    let ws = tokens::workspace(profile, team_id)?;
    if ws.status == Status::Disabled {
        return Ok(checked(&ws));
    }
    let mut errors = [None, None];
    let mut scopes: [Option<Vec<String>>; 2] = [None, None];
    for (i, role, held) in [
        (0, TokenRole::Bot, ws.has_bot_token),
        (1, TokenRole::User, ws.has_user_token),
    ] {
        if !held {
            continue;
        }
        match test_token(profile, &ws, role).await? {
            TokenHealth::Works(granted) => scopes[i] = granted,
            TokenHealth::Refused(reason) => errors[i] = Some(reason),
        }
    }
    let now = switchboard_store::now_ms();
    let actor = profile.actor.clone();
    let after = profile.db()?.write(|tx| {
        // Re-read: a refresh during the check moved the expiry on.
        let ws = workspaces::get(tx, team_id)?.ok_or_else(|| Error::no_workspace(team_id))?;
        workspaces::record_health_check(
            tx,
            team_id,
            scopes[0].as_deref(),
            scopes[1].as_deref(),
            now,
        )?;
        record_health(
            tx,
            &ws,
            errors[0].as_deref(),
            errors[1].as_deref(),
            &actor,
            now,
        )?;
        workspaces::get(tx, team_id)?.ok_or_else(|| Error::no_workspace(team_id))
    })?;
    profile.emit(Event::WorkspaceChanged {
        team_id: team_id.to_owned(),
    });
    Ok(checked(&after))
}

fn checked(ws: &Workspace) -> Checked {
    Checked {
        team_id: ws.team_id.clone(),
        name: ws.name.clone(),
        status: ws.status,
        reason: ws.status_reason.clone(),
        bot_token_error: ws.bot_token_error.clone(),
        user_token_error: ws.user_token_error.clone(),
        scope_problems: scope_problems(ws),
    }
}

/// The scope problems of a workspace as stored.
pub fn scope_problems(ws: &Workspace) -> Vec<ScopeProblem> {
    slack_app::scope_problems(
        ws.has_bot_token,
        &ws.bot_scopes,
        ws.has_user_token,
        &ws.user_scopes,
    )
}

/// One workspace's result in a round of checks.
#[derive(Debug)]
pub struct CheckOutcome {
    pub team_id: String,
    pub name: String,
    /// What the check found, or why Slack could not be asked (the status is then unchanged).
    pub result: Result<Checked>,
}

impl CheckOutcome {
    /// Whether this workspace needs a person: it needs reconnecting or could not be checked.
    pub fn needs_attention(&self) -> bool {
        !matches!(&self.result, Ok(c) if c.status != Status::NeedsReconnect)
    }
}

/// Checks every workspace that is not disconnected, each on its own: one Slack cannot be asked
/// about keeps its status and the others are still checked.
pub async fn check_all(profile: &Profile) -> Result<Vec<CheckOutcome>> {
    let list = profile
        .db()?
        .read(|conn| workspaces::list(conn).map_err(Error::from))?;
    let mut outcomes = Vec::new();
    for ws in list.into_iter().filter(|w| w.status != Status::Disabled) {
        if profile.is_shutting_down() {
            break;
        }
        let result = check(profile, &ws.team_id).await;
        if let Err(error) = &result {
            tracing::warn!(team = %ws.team_id, "health check failed: {error}");
        }
        outcomes.push(CheckOutcome {
            team_id: ws.team_id,
            name: ws.name,
            result,
        });
    }
    profile.emit(Event::HealthChecked {
        checked: outcomes.len() as u32,
        unreachable: outcomes.iter().filter(|o| o.result.is_err()).count() as u32,
    });
    Ok(outcomes)
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
    profile: &Profile,
    team_id: &str,
    keep_mappings: bool,
) -> Result<Disconnected> {
    let ws = tokens::workspace(profile, team_id)?;
    let mut revoked = Vec::new();
    let mut warnings = Vec::new();
    for role in [TokenRole::Bot, TokenRole::User] {
        let Some(token) = profile.secrets().token(kinds(role).0, team_id).await? else {
            continue;
        };
        let which = role.as_str();
        match profile.slack()?.auth_revoke(&token, false).await {
            Ok(answer) if answer.revoked => revoked.push(which),
            Ok(_) => warnings.push(format!("Slack did not revoke the {which} token.")),
            // A token Slack already refuses is as good as revoked.
            Err(error) if error.needs_reconnect() || error.token_expired() => revoked.push(which),
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
        SecretKind::BotRefreshToken,
    ] {
        profile
            .secrets()
            .delete(SecretKey::workspace(kind, team_id))
            .await?;
    }
    let now = switchboard_store::now_ms();
    let actor = profile.actor.clone();
    profile.db()?.write(|tx| {
        workspaces::disconnect(tx, team_id, keep_mappings, now)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
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
        Ok::<_, Error>(())
    })?;
    crate::directory::forget_index(profile, team_id);
    profile.emit(Event::WorkspaceChanged {
        team_id: team_id.to_owned(),
    });
    Ok(Disconnected {
        team_id: team_id.to_owned(),
        name: ws.name,
        revoked,
        revoke_warning: (!warnings.is_empty()).then(|| warnings.join(" ")),
        kept_mappings: keep_mappings,
    })
}
