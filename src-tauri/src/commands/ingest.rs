//! Commands of Settings → Ingest API: its state, a new token (shown once), the port. One core
//! call each (`switchboard_core::ingest_token`, `ingest_server`), as `switchboard ingest-token`
//! is.

use switchboard_core::{ingest_server, ingest_token};
use tauri::State;

use crate::dto::IngestSettings;
use crate::error::CommandError;
use crate::state::AppState;

/// The token's state, the port, and whether this window serves the API now.
#[tauri::command]
#[specta::specta]
pub async fn ingest_settings(state: State<'_, AppState>) -> Result<IngestSettings, CommandError> {
    let profile = state.profile();
    let token = ingest_token::status(&profile).await?;
    let status = profile.ingest_status();
    Ok(IngestSettings {
        token_exists: token.exists,
        token_created_at: token.created_at,
        port: ingest_server::configured_port(&profile)?,
        listening: status.clone().and_then(Result::ok),
        problem: status.and_then(Result::err),
    })
}

/// Makes a new ingest token (the old one stops working at once) and returns it: the only time
/// it is shown.
#[tauri::command]
#[specta::specta]
pub async fn rotate_ingest_token(state: State<'_, AppState>) -> Result<String, CommandError> {
    let token = ingest_token::rotate(&state.profile()).await?;
    Ok(token.expose().to_owned())
}

/// Sets the port the ingest API listens on from the console's next start.
#[tauri::command]
#[specta::specta]
pub async fn set_ingest_port(state: State<'_, AppState>, port: u16) -> Result<(), CommandError> {
    Ok(ingest_server::set_port(&state.profile(), port)?)
}
