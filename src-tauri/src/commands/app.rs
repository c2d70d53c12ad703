//! Commands about the app itself: build facts, counts for empty states, the event catalogue.

use tauri::State;

use crate::dto::{AppInfo, EventKindInfo, Overview};
use crate::error::CommandError;
use crate::state::AppState;

/// Version, data directory and database path, and why the database is unavailable if it is.
/// The UI calls it first, so its first call marks the UI as ready in the log.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| tracing::info!("ui ready in {} ms", crate::ms_since_start()));
    let profile = state.profile();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: profile.data_dir.display().to_string(),
        database_path: profile.database_path.display().to_string(),
        database_error: profile.open_error.clone(),
        slack_api_base: profile.slack_api_base.clone(),
        demo_slack_url: profile.demo.as_ref().map(|d| d.emulator.base_url()),
    }
}

/// How many of each thing the console holds.
#[tauri::command]
#[specta::specta]
pub fn overview(state: State<'_, AppState>) -> Result<Overview, CommandError> {
    let profile = state.profile();
    let store = profile.store()?;
    Ok(switchboard_core::overview::counts(store.conn())?.into())
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
