//! Commands for the console's own preferences.

use tauri::State;

use crate::dto::{Preferences, Theme};
use crate::error::CommandError;
use crate::state::AppState;

/// The current preferences.
#[tauri::command]
#[specta::specta]
pub fn preferences(state: State<'_, AppState>) -> Result<Preferences, CommandError> {
    let profile = state.profile();
    let store = profile.store()?;
    Ok(switchboard_core::preferences::load(store.conn())?.into())
}

/// Sets the colour theme (audited) and returns the preferences as stored.
#[tauri::command]
#[specta::specta]
pub fn set_theme(state: State<'_, AppState>, theme: Theme) -> Result<Preferences, CommandError> {
    let profile = state.profile();
    let mut store = profile.store()?;
    switchboard_core::preferences::set_theme(
        store.conn_mut(),
        theme.into(),
        &state.actor,
        switchboard_store::now_ms(),
    )?;
    Ok(switchboard_core::preferences::load(store.conn())?.into())
}
