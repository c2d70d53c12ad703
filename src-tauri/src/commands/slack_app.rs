//! Commands of Settings → Slack app: the app's client id, redirect port and connection modes,
//! its client secret (kept in the keyring), and the manifest that creates a matching Slack app.

use switchboard_core::slack_app;
use tauri::State;

use crate::dto::{SlackAppSettings, SlackAppSetup, SocketStatus};
use crate::error::CommandError;
use crate::state::AppState;

/// The Slack app settings with the redirect URL, the manifest and the scopes explained.
#[tauri::command]
#[specta::specta]
pub async fn slack_app_setup(state: State<'_, AppState>) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    let settings = slack_app::settings(&profile)?;
    setup(&profile, settings).await
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
    setup(&profile, saved).await
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
    setup(&profile, slack_app::settings(&profile)?).await
}

/// Checks the app-level token (`xapp-…`) with Slack and keeps it in the keyring (`None`
/// removes it); Socket Mode reconnects with it at once. Audited without the value.
#[tauri::command]
#[specta::specta]
pub async fn save_app_token(
    state: State<'_, AppState>,
    token: Option<String>,
) -> Result<SlackAppSetup, CommandError> {
    let profile = state.profile();
    slack_app::set_app_token(&profile, token.as_deref()).await?;
    setup(&profile, slack_app::settings(&profile)?).await
}

/// Whether Slack can reach Switchboard now (Socket Mode), and if not, why.
#[tauri::command]
#[specta::specta]
pub fn socket_status(state: State<'_, AppState>) -> SocketStatus {
    state.profile().socket_status().into()
}

async fn setup(
    profile: &switchboard_core::profile::Profile,
    settings: slack_app::AppSettings,
) -> Result<SlackAppSetup, CommandError> {
    Ok(SlackAppSetup::new(
        settings,
        slack_app::has_client_secret(profile).await,
        slack_app::has_app_token(profile).await,
    ))
}
