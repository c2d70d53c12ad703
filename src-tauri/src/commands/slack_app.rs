//! Commands of Settings → Slack app: the app's client id, redirect port and connection modes,
//! and the manifest that creates a matching Slack app.

use tauri::State;

use crate::dto::{SlackAppSettings, SlackAppSetup};
use crate::error::CommandError;
use crate::state::AppState;

/// The Slack app settings with the redirect URL, the manifest and the scopes explained.
#[tauri::command]
#[specta::specta]
pub async fn slack_app_setup(state: State<'_, AppState>) -> Result<SlackAppSetup, CommandError> {
    Ok(switchboard_core::slack_app::settings(&state.profile())?.into())
}

/// Validates and saves the Slack app settings (each change audited).
#[tauri::command]
#[specta::specta]
pub async fn save_slack_app_settings(
    state: State<'_, AppState>,
    settings: SlackAppSettings,
) -> Result<SlackAppSetup, CommandError> {
    let saved = switchboard_core::slack_app::save_settings(&state.profile(), &settings.into())?;
    Ok(saved.into())
}
