//! Commands of the Workspaces view: the cards, connecting (OAuth with PKCE through the system
//! browser, or a pasted bot token), health checks, disconnecting, and directory sync.

use std::sync::Arc;

use switchboard_core::{directory, health, oauth, slack_app, workspaces};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tokio_util::sync::CancellationToken;

use crate::dto::{Connected, Disconnected, SyncOutcome, SyncProgress, WorkspaceCard};
use crate::error::{CommandError, ErrorCode};
use crate::state::{AppState, Profile};

/// Every workspace of the active profile, as cards.
pub(crate) fn cards(profile: &Profile) -> Result<Vec<WorkspaceCard>, CommandError> {
    let store = profile.store()?;
    let list = workspaces::list(store.conn())?;
    list.into_iter()
        .map(|w| {
            let counts = switchboard_store::directory::counts(store.conn(), &w.team_id)
                .map_err(switchboard_core::Error::from)?;
            Ok(WorkspaceCard::new(w, counts))
        })
        .collect()
}

/// The workspace cards.
#[tauri::command]
#[specta::specta]
pub fn workspaces(state: State<'_, AppState>) -> Result<Vec<WorkspaceCard>, CommandError> {
    cards(&state.profile())
}

/// The workspace's icon as a `data:` URL (the web view loads no remote image), or `None` when
/// it has none or it cannot be downloaded; the card then shows the name's initials.
#[tauri::command]
#[specta::specta]
pub async fn workspace_icon(
    state: State<'_, AppState>,
    team_id: String,
) -> Result<Option<String>, CommandError> {
    let profile = state.profile();
    let Some(url) = switchboard_store::workspaces::get(profile.store()?.conn(), &team_id)
        .map_err(switchboard_core::Error::from)?
        .and_then(|w| w.icon_url)
    else {
        return Ok(None);
    };
    if let Some(known) = profile
        .icons
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&url)
    {
        return Ok(known.clone());
    }
    let icon = match profile.slack()?.fetch_icon_data_url(&url).await {
        Ok(icon) => icon,
        Err(error) => {
            tracing::info!(%team_id, "workspace icon not loaded: {error}");
            None
        }
    };
    profile
        .icons
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(url, icon.clone());
    Ok(icon)
}

/// Connects (or reconnects) a workspace with a pasted bot token (`xoxb-…`): validated with
/// Slack, kept in the keyring, never returned.
#[tauri::command]
#[specta::specta]
pub async fn connect_bot_token(
    state: State<'_, AppState>,
    token: String,
) -> Result<Connected, CommandError> {
    let profile = state.profile();
    if !slack_app::load(profile.store()?.conn())?.bot_token_enabled {
        return Err(CommandError::new(
            ErrorCode::InvalidInput,
            "Connecting with a bot token is turned off in Settings → Slack app.",
        ));
    }
    connect_with_bot_token(&profile, &state.actor, &token).await
}

pub(crate) async fn connect_with_bot_token(
    profile: &Profile,
    actor: &str,
    token: &str,
) -> Result<Connected, CommandError> {
    let install = workspaces::validate_bot_token(profile.slack()?, token).await?;
    let mut store = profile.store()?;
    let connected = workspaces::record_bot_install(
        store.conn_mut(),
        profile.secrets.as_ref(),
        &install,
        actor,
        profile.is_demo(),
        switchboard_store::now_ms(),
    )?;
    tracing::info!(team = %connected.team_id, reconnect = connected.reconnect, "connected with a bot token");
    Ok(connected.into())
}

/// Opens `url` in the system browser, or with the command named by `SWITCHBOARD_URL_OPENER`
/// (tests "click Allow" with it; no desktop browser is needed).
fn open_url(app: &AppHandle, url: &str) -> Result<(), CommandError> {
    if let Some(command) = std::env::var_os("SWITCHBOARD_URL_OPENER").filter(|c| !c.is_empty()) {
        let mut child = std::process::Command::new(&command)
            .arg(url)
            .spawn()
            .map_err(|e| {
                CommandError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "SWITCHBOARD_URL_OPENER ({}) could not be started: {e}",
                        command.to_string_lossy()
                    ),
                )
            })?;
        // Reap it whenever it ends.
        std::thread::spawn(move || child.wait());
        return Ok(());
    }
    use tauri_plugin_opener::OpenerExt;
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        CommandError::new(
            ErrorCode::InvalidInput,
            format!("The browser could not be opened ({e}). Open this address yourself: {url}"),
        )
    })
}

fn bring_to_front(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// The OAuth flow for `profile`: authorize in the browser, receive the one redirect, exchange
/// the code, validate and record. `team` pre-selects a workspace (a reconnect).
pub(crate) async fn connect_with_oauth(
    app: &AppHandle,
    state: &AppState,
    profile: &Arc<Profile>,
    team: Option<&str>,
) -> Result<Connected, CommandError> {
    let settings = slack_app::load(profile.store()?.conn())?;
    let authorization = oauth::begin(&profile.oauth_base, &settings, team)?;
    let callback = oauth::Callback::bind(settings.redirect_port)
        .await
        .map_err(switchboard_core::Error::from)?;
    let cancel = CancellationToken::new();
    if let Some(previous) = state
        .oauth
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(cancel.clone())
    {
        previous.cancel();
    }
    open_url(app, authorization.url.as_str())?;
    let code = callback
        .wait(&authorization, oauth::DEFAULT_TIMEOUT, &cancel)
        .await;
    {
        // This flow is over: forget its cancel handle unless a newer flow replaced it.
        let mut current = state.oauth.lock().unwrap_or_else(|p| p.into_inner());
        if current
            .as_ref()
            .is_some_and(|c| c.is_cancelled() || !cancel.is_cancelled())
        {
            *current = None;
        }
    }
    bring_to_front(app);
    let code = code.map_err(switchboard_core::Error::from)?;
    let install = oauth::exchange(profile.slack()?, &settings, authorization, &code).await?;
    let mut store = profile.store()?;
    let connected = oauth::record_user_install(
        store.conn_mut(),
        profile.secrets.as_ref(),
        &install,
        &state.actor,
        profile.is_demo(),
        switchboard_store::now_ms(),
    )?;
    tracing::info!(team = %connected.team_id, reconnect = connected.reconnect, "connected with OAuth");
    Ok(connected.into())
}

/// Connects (or reconnects) a workspace with OAuth and PKCE: opens Slack's authorize page in
/// the browser and waits (up to five minutes) for its redirect to the loopback listener.
#[tauri::command]
#[specta::specta]
pub async fn connect_oauth(
    app: AppHandle,
    state: State<'_, AppState>,
    team_id: Option<String>,
) -> Result<Connected, CommandError> {
    let profile = state.profile();
    connect_with_oauth(&app, &state, &profile, team_id.as_deref()).await
}

/// Stops waiting for the OAuth redirect.
#[tauri::command]
#[specta::specta]
pub fn cancel_oauth(state: State<'_, AppState>) {
    if let Some(cancel) = state.oauth.lock().unwrap_or_else(|p| p.into_inner()).take() {
        cancel.cancel();
    }
}

/// Checks every workspace with Slack now (the console also does on start and every 15
/// minutes) and returns the cards as they are afterwards.
#[tauri::command]
#[specta::specta]
pub async fn check_workspaces(
    state: State<'_, AppState>,
) -> Result<Vec<WorkspaceCard>, CommandError> {
    let profile = state.profile();
    check_all(&profile, &state.actor).await?;
    cards(&profile)
}

/// Health-checks every workspace that is not disconnected. A workspace Slack cannot be asked
/// about keeps its status; the first such failure is returned after all were tried.
pub(crate) async fn check_all(profile: &Profile, actor: &str) -> Result<(), CommandError> {
    let store = profile.store_mutex()?;
    let teams: Vec<String> = workspaces::list(profile.store()?.conn())?
        .into_iter()
        .filter(|w| w.status != switchboard_store::workspaces::Status::Disabled)
        .map(|w| w.team_id)
        .collect();
    let mut first_error = None;
    for team in teams {
        if let Err(error) = health::check(
            profile.slack()?,
            profile.secrets.as_ref(),
            store,
            &team,
            actor,
            switchboard_store::now_ms(),
        )
        .await
        {
            tracing::warn!(%team, "health check failed: {error}");
            first_error.get_or_insert(error);
        }
    }
    match first_error {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// Revokes the workspace's tokens with Slack, deletes them, and keeps or removes its mappings.
#[tauri::command]
#[specta::specta]
pub async fn disconnect_workspace(
    state: State<'_, AppState>,
    team_id: String,
    keep_mappings: bool,
) -> Result<Disconnected, CommandError> {
    let profile = state.profile();
    let done = health::disconnect(
        profile.slack()?,
        profile.secrets.as_ref(),
        profile.store_mutex()?,
        &team_id,
        keep_mappings,
        &state.actor,
        switchboard_store::now_ms(),
    )
    .await?;
    profile.forget_channel_index(&team_id);
    Ok(Disconnected {
        team_id: done.team_id,
        name: done.name,
        revoked: done.revoked.iter().map(|s| (*s).to_owned()).collect(),
        warning: done.revoke_warning,
        kept_mappings: done.kept_mappings,
    })
}

/// Syncs a workspace's channels and users into the cache, sending progress after every page.
#[tauri::command]
#[specta::specta]
pub async fn sync_directory(
    state: State<'_, AppState>,
    team_id: String,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncOutcome, CommandError> {
    let profile = state.profile();
    let token = health::fresh_token(
        profile.slack()?,
        profile.secrets.as_ref(),
        profile.store_mutex()?,
        &team_id,
        switchboard_store::now_ms(),
    )
    .await?;
    let cancel = CancellationToken::new();
    if let Some(previous) = state
        .syncs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(team_id.clone(), cancel.clone())
    {
        previous.cancel();
    }
    let mut last = SyncProgress {
        team_id: team_id.clone(),
        phase: crate::dto::SyncPhase::Channels,
        channels: 0.0,
        users: 0.0,
        requests: 0,
    };
    let result = directory::sync(
        profile.slack()?,
        &token,
        &team_id,
        profile.store_mutex()?,
        &cancel,
        switchboard_store::now_ms,
        |progress| {
            last = progress.into();
            let _ = on_progress.send(last.clone());
        },
    )
    .await;
    state
        .syncs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&team_id);
    profile.forget_channel_index(&team_id);
    match result? {
        Some(summary) => {
            directory::audit_sync(profile.store()?.conn(), &summary, &state.actor)?;
            Ok(SyncOutcome {
                team_id,
                cancelled: false,
                channels: summary.channels as f64,
                users: summary.users as f64,
                requests: summary.pages,
                vanished_channels: summary.vanished_channels as f64,
                vanished_users: summary.vanished_users as f64,
            })
        }
        None => Ok(SyncOutcome {
            team_id,
            cancelled: true,
            channels: last.channels,
            users: last.users,
            requests: last.requests,
            vanished_channels: 0.0,
            vanished_users: 0.0,
        }),
    }
}

/// Stops a running directory sync; what it wrote so far stays.
#[tauri::command]
#[specta::specta]
pub fn cancel_sync(state: State<'_, AppState>, team_id: String) {
    if let Some(cancel) = state
        .syncs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&team_id)
    {
        cancel.cancel();
    }
}
