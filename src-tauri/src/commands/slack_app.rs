//! Commands of Settings → Slack app: the app's client id, redirect port and connection modes,
//! its client secret (kept in the keyring), and the manifest that creates a matching Slack app.

use switchboard_core::slack_app;
use tauri::State;

use crate::dto::{SlackAppSettings, SlackAppSetup};
use crate::error::CommandError;
use crate::state::AppState;

/// The Slack app settings with the redirect URL, the manifest and the scopes explained.
#[tauri::command]
#[specta::specta]
pub async fn slack_app_setup(state: State<'_, AppState>) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    let settings = slack_app::settings(&profile)?;
    Ok(SlackAppSetup::new(
        settings,
        slack_app::has_client_secret(&profile).await,
    ))
}

/// Validates and saves the Slack app settings (each change audited).
#[tauri::command]
#[specta::specta]
pub async fn save_slack_app_settings(
    state: State<'_, AppState>,
    settings: SlackAppSettings,
) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    let saved = slack_app::save_settings(&profile, &settings.into())?;
    Ok(SlackAppSetup::new(
        saved,
        slack_app::has_client_secret(&profile).await,
    ))
}

/// Keeps the app's client secret in the keyring (`None` removes it); audited without the value.
#[tauri::command]
#[specta::specta]
pub async fn save_client_secret(
    state: State<'_, AppState>,
    secret: Option<String>,
) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    slack_app::set_client_secret(&profile, secret.as_deref()).await?;
    Ok(SlackAppSetup::new(
        slack_app::settings(&profile)?,
        slack_app::has_client_secret(&profile).await,
    ))
}
