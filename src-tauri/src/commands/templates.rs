//! Commands of the template editor: each kind's template, a live preview, save or reset — one
//! core call each (`switchboard_core::templates`).

use switchboard_core::templates;
use tauri::State;

use crate::dto::{KindTemplate, TemplatePreview};
use crate::error::CommandError;
use crate::state::AppState;

/// Every kind's template, in catalogue order.
#[tauri::command]
#[specta::specta]
pub async fn templates(state: State<'_, AppState>) -> Result<Vec<KindTemplate>, CommandError> {
    Ok(templates::list(&state.profile())?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Renders `template` (empty: the default wording) for `kind` from the last event of that kind,
/// or sample data.
#[tauri::command]
#[specta::specta]
pub async fn preview_template(
    state: State<'_, AppState>,
    kind: String,
    template: String,
) -> Result<TemplatePreview, CommandError> {
    Ok(templates::preview(&state.profile(), &kind, Some(&template))?.into())
}

/// Saves `kind`'s template; an empty one goes back to the default wording.
#[tauri::command]
#[specta::specta]
pub async fn save_template(
    state: State<'_, AppState>,
    kind: String,
    template: String,
) -> Result<KindTemplate, CommandError> {
    Ok(templates::save(&state.profile(), &kind, Some(&template))?.into())
}
