//! Commands of the Workspaces view: the cards, connecting (OAuth with PKCE through the system
//! browser, or a pasted bot token), health checks, disconnecting, and directory sync. Each is
//! one core call; the only thing the shell adds is how a URL reaches the browser.

use switchboard_core::{directory, health, oauth, workspaces};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::dto::{Connected, Disconnected, SyncOutcome, SyncProgress, WorkspaceCard};
use crate::error::CommandError;
use crate::state::AppState;

/// The workspace cards.
#[tauri::command]
#[specta::specta]
pub async fn workspaces(state: State<'_, AppState>) -> Result<Vec<WorkspaceCard>, CommandError> {
    Ok(workspaces::cards(&state.profile())?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The workspace's icon as a `data:` URL (the web view loads no remote image), or `None` when
/// it has none or it cannot be downloaded; the card then shows the name's initials.
#[tauri::command]
#[specta::specta]
pub async fn workspace_icon(
    state: State<'_, AppState>,
    team_id: String,
) -> Result<Option<String>, CommandError> {
    Ok(workspaces::icon(&state.profile(), &team_id).await?)
}

/// Connects (or reconnects) a workspace with a pasted bot token (`xoxb-…`, or a rotating
/// `xoxe.xoxb-…` with its refresh token): validated with Slack, kept in the keyring, never
/// returned.
#[tauri::command]
#[specta::specta]
pub async fn connect_bot_token(
    state: State<'_, AppState>,
    token: String,
    refresh_token: Option<String>,
) -> Result<Connected, CommandError> {
    let paste = workspaces::BotTokenPaste {
        token,
        refresh_token,
    };
    Ok(workspaces::connect_bot_token(&state.profile(), &paste)
        .await?
        .into())
}

/// Opens `url` in the system browser, or with the command named by `SWITCHBOARD_URL_OPENER`
/// (tests "click Allow" with it; no desktop browser is needed).
pub(crate) fn open_url(app: &AppHandle, url: &str) -> switchboard_core::Result<()> {
    if let Some(command) = std::env::var_os("SWITCHBOARD_URL_OPENER").filter(|c| !c.is_empty()) {
        let mut child = std::process::Command::new(&command)
            .arg(url)
            .spawn()
            .map_err(|e| {
                switchboard_core::Error::invalid(
                    "browser",
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
        switchboard_core::Error::invalid(
            "browser",
            format!("The browser could not be opened ({e}). Open this address yourself: {url}"),
        )
    })
}

pub(crate) fn bring_to_front(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
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
    let opener = app.clone();
    let result = oauth::connect(&state.profile(), team_id.as_deref(), &move |url| {
        open_url(&opener, url)
    })
    .await;
    bring_to_front(&app);
    Ok(result?.into())
}

/// Stops waiting for the OAuth redirect.
#[tauri::command]
#[specta::specta]
pub async fn cancel_oauth(state: State<'_, AppState>) -> Result<(), CommandError> {
    oauth::cancel(&state.profile());
    Ok(())
}

/// Checks every workspace with Slack now (the supervisor also does on start and every 15
/// minutes) and returns the cards as they are afterwards. A workspace Slack could not be asked
/// about keeps its status; the first such failure is returned after all were tried.
#[tauri::command]
#[specta::specta]
pub async fn check_workspaces(
    state: State<'_, AppState>,
) -> Result<Vec<WorkspaceCard>, CommandError> {
    let profile = state.profile();
    let outcomes = health::check_all(&profile).await?;
    if let Some(error) = outcomes.into_iter().find_map(|o| o.result.err()) {
        return Err(error.into());
    }
    Ok(workspaces::cards(&profile)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Revokes the workspace's tokens with Slack, deletes them, and keeps or removes its mappings.
#[tauri::command]
#[specta::specta]
pub async fn disconnect_workspace(
    state: State<'_, AppState>,
    team_id: String,
    keep_mappings: bool,
) -> Result<Disconnected, CommandError> {
    Ok(
        health::disconnect(&state.profile(), &team_id, keep_mappings)
            .await?
            .into(),
    )
}

/// Syncs a workspace's channels and users into the cache, sending progress after every page.
#[tauri::command]
#[specta::specta]
pub async fn sync_directory(
    state: State<'_, AppState>,
    team_id: String,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncOutcome, CommandError> {
    let outcome = directory::sync_workspace(&state.profile(), &team_id, |progress| {
        let _ = on_progress.send(progress.into());
    })
    .await?;
    Ok(outcome.into())
}

/// Stops a running directory sync; what it wrote so far stays and the next sync resumes.
#[tauri::command]
#[specta::specta]
pub async fn cancel_sync(state: State<'_, AppState>, team_id: String) -> Result<(), CommandError> {
    directory::cancel_sync(&state.profile(), &team_id);
    Ok(())
}
