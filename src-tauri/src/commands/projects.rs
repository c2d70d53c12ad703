//! Commands of the Projects view: search and page, add, edit, archive, assign a channel, and
//! import from CSV with a preview — each one core call (`switchboard_core::projects`), as the
//! `switchboard project` subcommands are.

use switchboard_core::projects::{self, NewProject, ProjectCursor, ProjectEdit, ProjectQuery};
use tauri::State;

use crate::dto::{ImportSummary, Project, ProjectWindow, ProjectsAfter};
use crate::error::CommandError;
use crate::state::AppState;

/// A window of projects by name: `limit` from `offset` (or after `after`), searched by name,
/// client or external id.
#[tauri::command]
#[specta::specta]
pub async fn projects(
    state: State<'_, AppState>,
    search: String,
    include_archived: bool,
    after: Option<ProjectsAfter>,
    offset: u32,
    limit: u32,
) -> Result<ProjectWindow, CommandError> {
    let query = ProjectQuery {
        search: Some(search).filter(|s| !s.trim().is_empty()),
        include_archived,
        after: after.map(|ProjectsAfter { name, id }| ProjectCursor { name, id }),
        offset: u64::from(offset),
        limit: Some(limit),
    };
    Ok(projects::list(&state.profile(), &query)?.into())
}

/// Adds a project.
#[tauri::command]
#[specta::specta]
pub async fn add_project(
    state: State<'_, AppState>,
    name: String,
    client: Option<String>,
    external_id: Option<String>,
) -> Result<Project, CommandError> {
    let new = NewProject {
        name,
        client,
        external_id,
    };
    Ok(projects::add(&state.profile(), new)?.into())
}

/// Changes a project's name, client and external id (an empty client or id removes it).
#[tauri::command]
#[specta::specta]
pub async fn edit_project(
    state: State<'_, AppState>,
    id: i64,
    name: String,
    client: String,
    external_id: String,
) -> Result<Project, CommandError> {
    let edit = ProjectEdit {
        name: Some(name),
        client: Some(client),
        external_id: Some(external_id),
    };
    Ok(projects::edit(&state.profile(), id, edit)?.into())
}

/// Archives (`active` false) or unarchives a project.
#[tauri::command]
#[specta::specta]
pub async fn set_project_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> Result<Project, CommandError> {
    Ok(projects::set_active(&state.profile(), id, active)?.into())
}

/// Assigns notification channel `channel` to a project, or none.
#[tauri::command]
#[specta::specta]
pub async fn assign_project_channel(
    state: State<'_, AppState>,
    id: i64,
    channel: Option<i64>,
) -> Result<Project, CommandError> {
    Ok(projects::assign_id(&state.profile(), id, channel)?.into())
}

/// What importing `csv` would do, row by row; nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn preview_project_import(
    state: State<'_, AppState>,
    csv: String,
) -> Result<ImportSummary, CommandError> {
    Ok(projects::preview(&state.profile(), &csv)?.into())
}

/// Imports `csv`: every row, or none when any row has an error (then the errors are returned).
#[tauri::command]
#[specta::specta]
pub async fn import_projects(
    state: State<'_, AppState>,
    csv: String,
) -> Result<ImportSummary, CommandError> {
    Ok(projects::import(&state.profile(), &csv)?.into())
}
