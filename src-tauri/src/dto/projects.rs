//! The Projects view's rows, pages and CSV import previews.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::projects::{
    ChannelRef, ImportPreview, PreviewRow, ProjectCursor, ProjectPage, ProjectView,
};

/// The channel a project is assigned.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProjectChannel {
    /// The notification channel's id.
    pub id: i64,
    pub team_id: String,
    pub channel_id: String,
    /// `#name` (or Slack's id when the directory lost it).
    pub name: String,
    pub enabled: bool,
}

impl From<ChannelRef> for ProjectChannel {
    fn from(c: ChannelRef) -> Self {
        ProjectChannel {
            id: c.id,
            team_id: c.team_id,
            channel_id: c.channel_id,
            name: c.name,
            enabled: c.enabled,
        }
    }
}

/// A project.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub client: Option<String>,
    pub active: bool,
    pub channel: Option<ProjectChannel>,
    pub updated_at: i64,
}

impl From<ProjectView> for Project {
    fn from(p: ProjectView) -> Self {
        Project {
            id: p.id,
            external_id: p.external_id,
            name: p.name,
            client: p.client,
            active: p.active,
            channel: p.channel.map(Into::into),
            updated_at: p.updated_at,
        }
    }
}

/// Where a page continues.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct ProjectsAfter {
    pub name: String,
    pub id: i64,
}

/// A window of the project list.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProjectWindow {
    pub items: Vec<Project>,
    /// How many match in all.
    pub total: u32,
    pub next: Option<ProjectsAfter>,
}

impl From<ProjectPage> for ProjectWindow {
    fn from(p: ProjectPage) -> Self {
        ProjectWindow {
            items: p.items.into_iter().map(Into::into).collect(),
            total: p.total.min(u64::from(u32::MAX)) as u32,
            next: p
                .next
                .map(|ProjectCursor { name, id }| ProjectsAfter { name, id }),
        }
    }
}

/// One cell's error in an import row.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ImportCellError {
    pub column: String,
    pub message: String,
}

/// One row of a CSV file and what importing it does.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportRow {
    pub line: u32,
    /// create, update, unchanged or error.
    pub action: String,
    pub project_id: Option<i64>,
    pub external_id: Option<String>,
    pub name: String,
    pub client: Option<String>,
    pub active: bool,
    pub channel: Option<ProjectChannel>,
    pub changes: Vec<String>,
    pub errors: Vec<ImportCellError>,
}

impl From<PreviewRow> for ImportRow {
    fn from(r: PreviewRow) -> Self {
        ImportRow {
            line: r.line,
            action: r.action.as_str().to_owned(),
            project_id: r.project_id,
            external_id: r.external_id,
            name: r.name,
            client: r.client,
            active: r.active,
            channel: r.channel.map(Into::into),
            changes: r.changes.iter().map(|c| (*c).to_owned()).collect(),
            errors: r
                .errors
                .into_iter()
                .map(|e| ImportCellError {
                    column: e.column.to_owned(),
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// What importing a file does (or did).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub rows: Vec<ImportRow>,
    pub creates: u32,
    pub updates: u32,
    pub unchanged: u32,
    pub errors: u32,
    pub ignored_columns: Vec<String>,
    pub imported: bool,
}

impl From<ImportPreview> for ImportSummary {
    fn from(p: ImportPreview) -> Self {
        ImportSummary {
            rows: p.rows.into_iter().map(Into::into).collect(),
            creates: p.creates,
            updates: p.updates,
            unchanged: p.unchanged,
            errors: p.errors,
            ignored_columns: p.ignored_columns,
            imported: p.imported,
        }
    }
}
