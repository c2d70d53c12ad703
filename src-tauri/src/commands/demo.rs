//! The demo workspace (core's `demo`): the in-process Slack emulator, a demo profile with its
//! secrets in memory, the real OAuth flow in the browser and the real bot-token paste path.

use tauri::{AppHandle, State};

use crate::commands::workspaces::{bring_to_front, open_url};
use crate::dto::{Connected, UiEvent};
use crate::error::CommandError;
use crate::state::AppState;

/// Starts a fresh demo: the emulator, the demo database, then the OAuth connection and the
/// bot token of the workspace chosen on the consent page.
#[tauri::command]
#[specta::specta]
pub async fn start_demo(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Connected, CommandError> {
    let opener = app.clone();
    let result =
        switchboard_core::demo::start(&state.session, &move |url| open_url(&opener, url)).await;
    bring_to_front(&app);
    state.events.send(UiEvent::ProfileChanged);
    Ok(result?.into())
}

/// Leaves the demo: back to the person's own data; the demo Slack stops.
#[tauri::command]
#[specta::specta]
pub async fn leave_demo(state: State<'_, AppState>) -> Result<(), CommandError> {
    if switchboard_core::demo::leave(&state.session).await {
        state.events.send(UiEvent::ProfileChanged);
    }
    Ok(())
}
