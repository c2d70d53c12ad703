//! Commands about the app itself: build facts, counts for empty states, the event catalogue,
//! the keyring's state, and the event subscription.

use tauri::State;
use tauri::ipc::Channel;

use crate::dto::{AppInfo, EventKindInfo, KeyringStatus, Overview, UiEvent};
use crate::error::CommandError;
use crate::state::AppState;

/// Version, data directory and database path, and why the database is unavailable if it is.
/// The UI calls it first, so its first call marks the UI as ready in the log.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CommandError> {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| tracing::info!("ui ready in {} ms", crate::ms_since_start()));
    let profile = state.profile();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: profile.data_dir.display().to_string(),
        database_path: profile.database_path.display().to_string(),
        database_error: profile.open_error().map(str::to_owned),
        slack_api_base: profile.endpoints.api_base.to_string(),
        demo_slack_url: profile.demo().map(slack_emulator::Emulator::base_url),
    })
}

/// How many of each thing the console holds.
#[tauri::command]
#[specta::specta]
pub async fn overview(state: State<'_, AppState>) -> Result<Overview, CommandError> {
    Ok(switchboard_core::overview::counts_in(&state.profile())?.into())
}

/// Every event kind the business application can send, in catalogue order.
#[tauri::command]
#[specta::specta]
pub fn event_catalogue() -> Vec<EventKindInfo> {
    switchboard_core::EventKind::ALL
        .iter()
        .map(|&kind| kind.into())
        .collect()
}

/// Whether the system keyring answers now; the console shows the reason with *Try again*,
/// which calls this again (a keyring started or unlocked meanwhile works without a restart).
#[tauri::command]
#[specta::specta]
pub async fn keyring_status(state: State<'_, AppState>) -> Result<KeyringStatus, CommandError> {
    let profile = state.profile();
    let in_memory = profile.keyring_profile.is_none();
    Ok(match profile.secrets().probe().await {
        Ok(()) => KeyringStatus {
            available: true,
            code: None,
            message: None,
            in_memory,
        },
        Err(error) => {
            let error = switchboard_core::Error::from(error);
            KeyringStatus {
                available: false,
                code: Some(error.code().to_owned()),
                message: Some(error.to_string()),
                in_memory,
            }
        }
    })
}

/// Opens the channel Rust announces changes on; the UI reloads what changed instead of polling.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_events(
    state: State<'_, AppState>,
    on_event: Channel<UiEvent>,
) -> Result<(), CommandError> {
    state.events.subscribe(on_event);
    Ok(())
}
