//! Commands for the console's own preferences.

use tauri::State;

use crate::dto::{Preferences, Theme};
use crate::error::CommandError;
use crate::state::AppState;

/// The current preferences.
#[tauri::command]
#[specta::specta]
pub async fn preferences(state: State<'_, AppState>) -> Result<Preferences, CommandError> {
    Ok(switchboard_core::preferences::preferences(&state.profile())?.into())
}

/// Sets the colour theme (audited) and returns the preferences as stored.
#[tauri::command]
#[specta::specta]
pub async fn set_theme(
    state: State<'_, AppState>,
    theme: Theme,
) -> Result<Preferences, CommandError> {
    Ok(switchboard_core::preferences::choose_theme(&state.profile(), theme.into())?.into())
}
