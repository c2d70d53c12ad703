//! Commands of the Activity view.

use tauri::State;

use crate::dto::ActivityEntry;
use crate::error::CommandError;
use crate::state::AppState;

/// The newest `limit` audit-log entries, newest first.
#[tauri::command]
#[specta::specta]
pub async fn recent_activity(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<ActivityEntry>, CommandError> {
    let entries = switchboard_core::activity::recent_in(&state.profile(), limit)?;
    Ok(entries.into_iter().map(Into::into).collect())
}
