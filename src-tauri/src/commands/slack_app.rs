//! Commands of Settings → Slack app: the app's client id, redirect port and connection modes,
//! and the manifest that creates a matching Slack app.

use tauri::State;

use crate::dto::{SlackAppSettings, SlackAppSetup};
use crate::error::CommandError;
use crate::state::AppState;

/// The Slack app settings with the redirect URL, the manifest and the scopes explained.
#[tauri::command]
#[specta::specta]
pub fn slack_app_setup(state: State<'_, AppState>) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    let store = profile.store()?;
    Ok(switchboard_core::slack_app::load(store.conn())?.into())
}

/// Validates and saves the Slack app settings (each change audited).
#[tauri::command]
#[specta::specta]
pub fn save_slack_app_settings(
    state: State<'_, AppState>,
    settings: SlackAppSettings,
) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    let mut store = profile.store()?;
    let saved = switchboard_core::slack_app::save(
        store.conn_mut(),
        &settings.into(),
        &state.actor,
        switchboard_store::now_ms(),
    )?;
    Ok(saved.into())
}
