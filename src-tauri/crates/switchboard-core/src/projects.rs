//! The business application's projects, as the account owner keeps them in the Projects view
//! and with `switchboard project …`. This module has one function per action: list (search and
//! page through them), add, edit, archive, and assign a channel (a project's timer events then
//! go to that channel, see [`crate::routing`]). Importing from CSV is two steps: a preview
//! that gives every row's action and errors, then the import, which writes every row in one
//! transaction or none of them. Every change is audited with old and new value and
//! announced with [`Event::ProjectsChanged`].
//!
//! The CSV reader is here too (an RFC 4180 parser, see [`preview`] for the columns). It is a
//! small function, so the workspace has no `csv` dependency for one import.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use switchboard_store::audit;
use switchboard_store::channels::{self as stored_channels, NotificationChannel};
use switchboard_store::projects::{self as stored, AssignedChannel, Project};
use switchboard_store::rusqlite::Connection;

use crate::events::Event;
use crate::profile::Profile;
use crate::{Error, Result};

/// The longest project name, in characters.
pub const MAX_NAME: usize = 200;
/// The longest external id or client name, in characters.
pub const MAX_TEXT: usize = 200;
/// The largest CSV file an import reads, in bytes (5 MiB).
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;
/// The most rows (not counting the header) an import reads.
pub const MAX_CSV_ROWS: usize = 50_000;
/// The most projects one page of the list holds.
pub const MAX_PAGE: u32 = 1_000;
/// The page size when the caller names none.
pub const DEFAULT_PAGE: u32 = 200;

/// The notification channel a project is assigned.
///
/// ```json
/// { "id": 3, "team_id": "T0001", "channel_id": "C0003", "name": "#design", "enabled": true }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelRef {
    /// The notification channel's id, as `switchboard channel list` shows it.
    pub id: i64,
    pub team_id: String,
    /// Slack's channel id (`C…`).
    pub channel_id: String,
    /// `#name`, or Slack's channel id when the directory no longer lists the channel.
    pub name: String,
    /// Whether the channel is enabled (a disabled one receives nothing).
    pub enabled: bool,
}

fn channel_label(name: Option<&str>, channel_id: &str) -> String {
    match name {
        Some(name) => format!("#{name}"),
        None => channel_id.to_owned(),
    }
}

impl From<AssignedChannel> for ChannelRef {
    fn from(c: AssignedChannel) -> ChannelRef {
        ChannelRef {
            name: channel_label(c.name.as_deref(), &c.channel_id),
            id: c.id,
            team_id: c.team_id,
            channel_id: c.channel_id,
            enabled: c.enabled,
        }
    }
}

impl From<&NotificationChannel> for ChannelRef {
    fn from(c: &NotificationChannel) -> ChannelRef {
        ChannelRef {
            id: c.id,
            team_id: c.team_id.clone(),
            channel_id: c.channel_id.clone(),
            name: channel_label(c.channel_name.as_deref(), &c.channel_id),
            enabled: c.enabled,
        }
    }
}

/// A project as the Projects view and `switchboard project list --json` show it.
///
/// ```json
/// {
///   "id": 12,
///   "external_id": "website-relaunch",
///   "name": "Website relaunch",
///   "client": "Globex GmbH",
///   "active": true,
///   "channel": { "id": 3, "team_id": "T0001", "channel_id": "C0003", "name": "#design",
///                "enabled": true },
///   "created_at": 1764000000000,
///   "updated_at": 1764000000000
/// }
/// ```
///
/// `external_id`, `client` and `channel` are `null` when the project has none; times are Unix
/// milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectView {
    pub id: i64,
    /// The business application's id for it: events name their project by this.
    pub external_id: Option<String>,
    pub name: String,
    pub client: Option<String>,
    /// `false` once archived: its channel then gets none of its events.
    pub active: bool,
    pub channel: Option<ChannelRef>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> ProjectView {
        ProjectView {
            id: p.id,
            external_id: p.external_id,
            name: p.name,
            client: p.client_name,
            active: !p.archived,
            channel: p.assigned.map(ChannelRef::from),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Where a page of the list continues: the last project of the previous page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectCursor {
    pub name: String,
    pub id: i64,
}

/// Which projects to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ProjectQuery {
    /// Only projects whose name, client or external id contains this (letters A–Z in any
    /// case; other letters as written).
    pub search: Option<String>,
    /// Archived projects too.
    pub include_archived: bool,
    /// Continue after this project (the previous page's `next`).
    pub after: Option<ProjectCursor>,
    /// Skip this many (a scrolled window of the list).
    pub offset: u64,
    /// At most this many: [`DEFAULT_PAGE`] unless given, never more than [`MAX_PAGE`].
    pub limit: Option<u32>,
}

/// One page of the list, by name (letter case ignored).
///
/// ```json
/// { "items": [ /* ProjectView */ ], "total": 10000,
///   "next": { "name": "Website relaunch", "id": 12 } }
/// ```
///
/// `total` counts every project that matches (not only this page); `next` is `null` on the
/// last page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectPage {
    pub items: Vec<ProjectView>,
    pub total: u64,
    pub next: Option<ProjectCursor>,
}

/// One page of projects, by name, searched.
pub fn list(profile: &Profile, query: &ProjectQuery) -> Result<ProjectPage> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let page = profile.db()?.read(|conn| {
        stored::list(
            conn,
            &stored::Filter {
                search: query.search.as_deref(),
                include_archived: query.include_archived,
                after: query.after.as_ref().map(|c| (c.name.as_str(), c.id)),
                offset: query.offset,
                // One more than asked for says whether another page follows.
                limit: u64::from(limit) + 1,
            },
        )
    })?;
    let mut rows = page.rows;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|p| ProjectCursor {
        name: p.name.clone(),
        id: p.id,
    });
    Ok(ProjectPage {
        items: rows.into_iter().map(ProjectView::from).collect(),
        total: page.total,
        next,
    })
}

/// Project `id`.
pub fn get(profile: &Profile, id: i64) -> Result<ProjectView> {
    Ok(profile.db()?.read(|conn| one(conn, id))?.into())
}

/// The project `reference` names: its external id, else its number, else its name (which must
/// then be unique).
pub fn find(profile: &Profile, reference: &str) -> Result<ProjectView> {
    Ok(profile.db()?.read(|conn| resolve(conn, reference))?.into())
}

fn one(conn: &Connection, id: i64) -> Result<Project> {
    stored::get(conn, id)?.ok_or_else(|| Error::NotFound {
        what: "project",
        message: format!("There is no project {id}: `switchboard project list` shows them."),
    })
}

/// Resolves a reference as a person types it: external id first (what events use), then the
/// project's number, then its exact name (letter case ignored when no name matches exactly).
fn resolve(conn: &Connection, reference: &str) -> Result<Project> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(Error::invalid(
            "project",
            "Name the project: its external id, its number or its name.",
        ));
    }
    if let Some(project) = stored::by_external_id(conn, reference)? {
        return Ok(project);
    }
    if let Ok(id) = reference.parse::<i64>()
        && let Some(project) = stored::get(conn, id)?
    {
        return Ok(project);
    }
    let named = stored::by_name(conn, reference)?;
    let exact: Vec<Project> = named
        .iter()
        .filter(|p| p.name == reference)
        .cloned()
        .collect();
    let mut candidates = if exact.is_empty() { named } else { exact };
    match candidates.len() {
        0 => Err(Error::NotFound {
            what: "project",
            message: format!(
                "No project has the external id, number or name {reference:?}: `switchboard project list --search {}` finds projects by part of their name.",
                shell_word(reference)
            ),
        }),
        1 => Ok(candidates.remove(0)),
        n => {
            let ids: Vec<String> = candidates
                .iter()
                .map(|p| match &p.external_id {
                    Some(id) => id.clone(),
                    None => format!("number {}", p.id),
                })
                .collect();
            Err(Error::invalid(
                "project",
                format!(
                    "{n} projects are named {reference:?}; name one by its external id or number: {}.",
                    ids.join(", ")
                ),
            ))
        }
    }
}

/// `text` quoted for a shell when it needs it, for commands quoted in messages.
pub(crate) fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.@#".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// How the audit log names a project: its name, and its external id when it has one.
fn subject(project: &Project) -> String {
    match &project.external_id {
        Some(id) => format!("{} ({id})", project.name),
        None => project.name.clone(),
    }
}

// Checks shared by the actions and the import. They return the reason without a final period,
// so it reads both as a sentence of its own and in an import row's cell.

/// A name, trimmed: required, one line, at most [`MAX_NAME`] characters.
fn check_name(value: &str) -> std::result::Result<String, String> {
    let name = value.trim();
    if name.is_empty() {
        return Err("A project needs a name".to_owned());
    }
    one_line(name, "A name")?;
    let length = name.chars().count();
    if length > MAX_NAME {
        return Err(format!(
            "A name has at most {MAX_NAME} characters; this one has {length}"
        ));
    }
    Ok(name.to_owned())
}

/// An optional text, trimmed (empty is none): one line, at most [`MAX_TEXT`] characters.
pub(crate) fn check_text(value: &str, what: &str) -> std::result::Result<Option<String>, String> {
    let text = value.trim();
    if text.is_empty() {
        return Ok(None);
    }
    one_line(text, what)?;
    let length = text.chars().count();
    if length > MAX_TEXT {
        return Err(format!(
            "{what} has at most {MAX_TEXT} characters; this one has {length}"
        ));
    }
    Ok(Some(text.to_owned()))
}

pub(crate) fn one_line(text: &str, what: &str) -> std::result::Result<(), String> {
    if text.chars().any(char::is_control) {
        return Err(format!(
            "{what} must be one line of text, without line breaks or tabs"
        ));
    }
    Ok(())
}

/// An edit's optional field, checked: `None` when it was not given, else `check`'s answer, a
/// refusal naming `field`.
pub(crate) fn check_given<T>(
    value: Option<&str>,
    field: &'static str,
    check: impl FnOnce(&str) -> std::result::Result<T, String>,
) -> Result<Option<T>> {
    value.map(check).transpose().map_err(refused(field))
}

/// A refused field of an action, as an error.
pub(crate) fn refused(field: &'static str) -> impl FnOnce(String) -> Error {
    move |reason| Error::invalid(field, format!("{reason}."))
}

/// A project's own fields, compared and written as one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Values {
    external_id: Option<String>,
    name: String,
    client: Option<String>,
    active: bool,
}

impl Values {
    fn of(project: &Project) -> Values {
        Values {
            external_id: project.external_id.clone(),
            name: project.name.clone(),
            client: project.client_name.clone(),
            active: !project.archived,
        }
    }

    fn fields(&self) -> stored::Fields<'_> {
        stored::Fields {
            external_id: self.external_id.as_deref(),
            name: &self.name,
            client_name: self.client.as_deref(),
            archived: !self.active,
        }
    }

    /// The fields (by column name) whose value differs in `other`.
    fn changed(&self, other: &Values) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.name != other.name {
            changed.push("name");
        }
        if self.external_id != other.external_id {
            changed.push("external_id");
        }
        if self.client != other.client {
            changed.push("client");
        }
        if self.active != other.active {
            changed.push("active");
        }
        changed
    }

    /// `name: Website; client: (none)` for the audit log.
    fn show(&self, fields: &[&str]) -> String {
        let none = || "(none)".to_owned();
        fields
            .iter()
            .map(|field| {
                let value = match *field {
                    "name" => self.name.clone(),
                    "external_id" => self.external_id.clone().unwrap_or_else(none),
                    "client" => self.client.clone().unwrap_or_else(none),
                    _ => self.active.to_string(),
                };
                format!("{field}: {value}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Refuses `external_id` when another project than `except` has it, naming that project.
fn ensure_free(conn: &Connection, external_id: &str, except: Option<i64>) -> Result<()> {
    match stored::by_external_id(conn, external_id)? {
        Some(other) if Some(other.id) != except => Err(Error::invalid(
            "external_id",
            format!(
                "The project {:?} already has the external id {external_id:?}: give this one another id, or edit that project.",
                other.name
            ),
        )),
        _ => Ok(()),
    }
}

/// A project about to be added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct NewProject {
    pub name: String,
    pub client: Option<String>,
    /// The business application's id for it; events name their project by this.
    pub external_id: Option<String>,
}

/// Adds an active project (audited as `project.created`). Fields are trimmed; the name is
/// required; an external id another project has is refused, naming that project.
pub fn add(profile: &Profile, new: NewProject) -> Result<ProjectView> {
    let values = Values {
        name: check_name(&new.name).map_err(refused("name"))?,
        client: check_text(new.client.as_deref().unwrap_or(""), "A client")
            .map_err(refused("client"))?,
        external_id: check_text(new.external_id.as_deref().unwrap_or(""), "An external id")
            .map_err(refused("external_id"))?,
        active: true,
    };
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let project = profile.db()?.write(|tx| {
        if let Some(external_id) = &values.external_id {
            ensure_free(tx, external_id, None)?;
        }
        let id = stored::insert(tx, &values.fields(), now)?;
        let project = one(tx, id)?;
        let fields: &[&str] = match (&values.external_id, &values.client) {
            (Some(_), Some(_)) => &["name", "external_id", "client"],
            (Some(_), None) => &["name", "external_id"],
            (None, Some(_)) => &["name", "client"],
            (None, None) => &["name"],
        };
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "project.created",
                subject: &subject(&project),
                old_value: None,
                new_value: Some(&values.show(fields)),
            },
        )?;
        Ok::<_, Error>(project)
    })?;
    profile.emit(Event::ProjectsChanged);
    Ok(project.into())
}

/// A change to a project's fields: `None` leaves a field as it is; for the client and the
/// external id, an empty text removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ProjectEdit {
    pub name: Option<String>,
    pub client: Option<String>,
    pub external_id: Option<String>,
}

/// Changes project `id`'s fields (audited as `project.edited` with the old and new value of
/// each changed field; a change that changes nothing is not recorded).
pub fn edit(profile: &Profile, id: i64, edit: ProjectEdit) -> Result<ProjectView> {
    let name = check_given(edit.name.as_deref(), "name", check_name)?;
    let client = check_given(edit.client.as_deref(), "client", |c| {
        check_text(c, "A client")
    })?;
    let external_id = check_given(edit.external_id.as_deref(), "external_id", |x| {
        check_text(x, "An external id")
    })?;
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let (project, changed) = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        let old = Values::of(&before);
        let new = Values {
            name: name.unwrap_or_else(|| old.name.clone()),
            client: client.unwrap_or_else(|| old.client.clone()),
            external_id: external_id.unwrap_or_else(|| old.external_id.clone()),
            active: old.active,
        };
        let changed = old.changed(&new);
        if changed.is_empty() {
            return Ok((before, false));
        }
        if let Some(external_id) = &new.external_id {
            ensure_free(tx, external_id, Some(id))?;
        }
        stored::update(tx, id, &new.fields(), now)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "project.edited",
                subject: &subject(&before),
                old_value: Some(&old.show(&changed)),
                new_value: Some(&new.show(&changed)),
            },
        )?;
        Ok::<_, Error>((one(tx, id)?, true))
    })?;
    if changed {
        profile.emit(Event::ProjectsChanged);
    }
    Ok(project.into())
}

/// Archives project `id` (`active` false) or makes it active again (audited as
/// `project.active`, old and new `true`/`false`). An archived project keeps its channel, but
/// its events are routed nowhere until it is active again.
pub fn set_active(profile: &Profile, id: i64, active: bool) -> Result<ProjectView> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let (project, changed) = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        if before.archived != active {
            // Already as asked.
            return Ok((before, false));
        }
        stored::set_archived(tx, id, !active, now)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "project.active",
                subject: &subject(&before),
                old_value: Some(&(!before.archived).to_string()),
                new_value: Some(&active.to_string()),
            },
        )?;
        Ok::<_, Error>((one(tx, id)?, true))
    })?;
    if changed {
        profile.emit(Event::ProjectsChanged);
    }
    Ok(project.into())
}

/// Assigns the project `project` names (external id, number, or unique name: see [`find`])
/// notification channel `channel`, or none (audited as `project.channel` with the old and new
/// channel's name). The project's `timer.*` events then go to that channel.
pub fn assign(profile: &Profile, project: &str, channel: Option<i64>) -> Result<ProjectView> {
    change_channel(profile, |conn| resolve(conn, project), channel)
}

/// [`assign`] for project `id` (the console, which knows the id).
pub fn assign_id(profile: &Profile, id: i64, channel: Option<i64>) -> Result<ProjectView> {
    change_channel(profile, |conn| one(conn, id), channel)
}

fn no_channel(id: i64) -> Error {
    Error::NotFound {
        what: "channel",
        message: format!(
            "There is no notification channel {id}: `switchboard channel list` shows them."
        ),
    }
}

fn change_channel(
    profile: &Profile,
    find: impl FnOnce(&Connection) -> Result<Project>,
    channel: Option<i64>,
) -> Result<ProjectView> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let (project, changed) = profile.db()?.write(|tx| {
        let conn: &Connection = tx;
        let before = find(conn)?;
        let target = match channel {
            Some(id) => Some(stored_channels::get(conn, id)?.ok_or_else(|| no_channel(id))?),
            None => None,
        };
        if before.channel == channel {
            return Ok((before, false));
        }
        stored::assign(conn, before.id, channel, now)?;
        let old = before
            .assigned
            .as_ref()
            .map(|c| channel_label(c.name.as_deref(), &c.channel_id));
        let new = target
            .as_ref()
            .map(|c| channel_label(c.channel_name.as_deref(), &c.channel_id));
        audit::record(
            conn,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "project.channel",
                subject: &subject(&before),
                old_value: old.as_deref(),
                new_value: new.as_deref(),
            },
        )?;
        Ok::<_, Error>((one(conn, before.id)?, true))
    })?;
    if changed {
        profile.emit(Event::ProjectsChanged);
    }
    Ok(project.into())
}

// ---------------------------------------------------------------------------------------------
// Import from CSV

/// What importing a row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// Adds a project.
    Create,
    /// Changes the project with the row's external id.
    Update,
    /// The project with the row's external id already is as the row says.
    Unchanged,
    /// The row has errors: the file cannot be imported until they are fixed.
    Error,
}

impl RowAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RowAction::Create => "create",
            RowAction::Update => "update",
            RowAction::Unchanged => "unchanged",
            RowAction::Error => "error",
        }
    }
}

/// What is wrong with one cell of a row (`column` is `row` when it is the row's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub column: &'static str,
    pub message: String,
}

/// One row of the file and what importing it does.
///
/// ```json
/// { "line": 4, "action": "update", "project_id": 12, "external_id": "website-relaunch",
///   "name": "Website relaunch", "client": "Globex GmbH", "active": true,
///   "channel": { "id": 3, "team_id": "T0001", "channel_id": "C0003", "name": "#design",
///                "enabled": true },
///   "changes": ["name", "channel"], "errors": [] }
/// ```
///
/// `line` is the line of the file where the row starts (the header is line 1). The values are
/// the project as it will be after the import; `changes` names the columns an update
/// changes; `errors` is empty unless `action` is `error`, e.g.
/// `[{ "column": "active", "message": "\"maybe\" is not one of true/false, yes/no or 1/0" }]`.
/// `project_id` is `null` for a row that creates a project until it is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    pub line: u32,
    pub action: RowAction,
    pub project_id: Option<i64>,
    pub external_id: Option<String>,
    pub name: String,
    pub client: Option<String>,
    pub active: bool,
    pub channel: Option<ChannelRef>,
    pub changes: Vec<&'static str>,
    pub errors: Vec<RowError>,
}

/// What importing a file does (or did), row by row.
///
/// ```json
/// { "rows": [ /* PreviewRow */ ], "creates": 120, "updates": 3, "unchanged": 877,
///   "errors": 0, "ignored_columns": ["budget"], "imported": true }
/// ```
///
/// `errors` counts rows with errors (a file with any is not imported); `ignored_columns` are
/// header cells that are not one of the known columns; `imported` says whether the rows were
/// written (always `false` for a preview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportPreview {
    pub rows: Vec<PreviewRow>,
    pub creates: u32,
    pub updates: u32,
    pub unchanged: u32,
    pub errors: u32,
    pub ignored_columns: Vec<String>,
    pub imported: bool,
}

/// What importing `csv_text` would do, row by row; nothing is written.
///
/// The file is CSV (RFC 4180: fields with commas, quotes or line breaks in double quotes, a
/// quote inside one doubled; CRLF or LF; a leading byte-order mark is skipped; a header
/// separated by semicolons or tabs instead of commas sets that separator). The first line
/// names the columns, in any order and letter case:
/// - `name` (required): the project's name.
/// - `external_id` (also `external id`): the business application's id. A row whose external
///   id a project has updates that project; any other row creates one. Each external id may
///   appear once in a file.
/// - `client` (also `client_name`).
/// - `active`: `true`/`false`, `yes`/`no` or `1`/`0`; empty means true.
/// - `channel`: the notification channel's number (`switchboard channel list`) or its
///   `#name`; empty means none.
///
/// A column the file has sets that field on every row, an empty cell included (no client, no
/// channel); a column the file leaves out leaves that field of existing projects as it is.
/// Other columns are ignored and listed; blank lines are skipped. At most [`MAX_CSV_BYTES`]
/// and [`MAX_CSV_ROWS`] rows.
pub fn preview(profile: &Profile, csv_text: &str) -> Result<ImportPreview> {
    let table = read_table(csv_text)?;
    let planned = profile.db()?.read(|conn| plan(conn, &table))?;
    Ok(planned.preview)
}

/// Imports `csv_text` (see [`preview`] for the file): every row is written in one transaction,
/// or, when any row has an error, none is and the errors are returned, first ones named. One
/// audit entry (`projects.imported`) records the counts.
pub fn import(profile: &Profile, csv_text: &str) -> Result<ImportPreview> {
    let table = read_table(csv_text)?;
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let preview = profile.db()?.write(|tx| {
        // Planned inside the transaction that writes: what was matched is what is changed.
        let Planned {
            mut preview,
            writes,
        } = plan(tx, &table)?;
        if preview.errors > 0 {
            return Err(refusal(&preview));
        }
        let rows: Vec<stored::ImportRow<'_>> = writes
            .iter()
            .map(|w| stored::ImportRow {
                id: w.id,
                fields: w.values.fields(),
                channel: w.channel,
            })
            .collect();
        let ids = stored::write_rows(tx, &rows, now)?;
        for (write, id) in writes.iter().zip(ids) {
            preview.rows[write.row].project_id = Some(id);
        }
        if !rows.is_empty() {
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: "projects.imported",
                    subject: "Projects (CSV import)",
                    old_value: None,
                    new_value: Some(&format!(
                        "{} created, {} updated, {} unchanged",
                        preview.creates, preview.updates, preview.unchanged
                    )),
                },
            )?;
        }
        preview.imported = true;
        Ok::<_, Error>(preview)
    })?;
    if preview.creates + preview.updates > 0 {
        profile.emit(Event::ProjectsChanged);
    }
    Ok(preview)
}

/// The error of a file with row errors: how many rows, and the first errors with their line.
fn refusal(preview: &ImportPreview) -> Error {
    refusal_of(
        preview.errors,
        preview
            .rows
            .iter()
            .map(|row| (row.line, row.errors.as_slice())),
    )
}

/// The error of an import with `rows` rows in error: how many, and the first errors of
/// `errors` (each row's line and errors), "line 4 (active): …".
pub(crate) fn refusal_of<'a>(
    rows: u32,
    errors: impl Iterator<Item = (u32, &'a [RowError])>,
) -> Error {
    const SHOWN: usize = 10;
    let details: Vec<String> = errors
        .flat_map(|(line, errors)| {
            errors
                .iter()
                .map(move |e| format!("line {line} ({}): {}", e.column, e.message))
        })
        .collect();
    let more = match details.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!("; and {n} more"),
    };
    let rows = match rows {
        1 => "1 row has errors".to_owned(),
        n => format!("{n} rows have errors"),
    };
    let shown: Vec<&str> = details.iter().take(SHOWN).map(String::as_str).collect();
    Error::invalid(
        "csv",
        format!(
            "{rows}; nothing was imported: {}{more}. Fix them and import the file again.",
            shown.join("; ")
        ),
    )
}

/// The columns an import knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    ExternalId,
    Client,
    Active,
    Channel,
}

impl Column {
    fn parse(header: &str) -> Option<Column> {
        let key: String = header
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Some(match key.as_str() {
            "name" | "project_name" => Column::Name,
            "external_id" | "externalid" => Column::ExternalId,
            "client" | "client_name" => Column::Client,
            "active" => Column::Active,
            "channel" => Column::Channel,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::ExternalId => "external_id",
            Column::Client => "client",
            Column::Active => "active",
            Column::Channel => "channel",
        }
    }
}

/// A file read and its header understood: where each known column is.
#[derive(Debug)]
struct Table {
    name: usize,
    external_id: Option<usize>,
    client: Option<usize>,
    active: Option<usize>,
    channel: Option<usize>,
    /// How many cells the header has.
    width: usize,
    ignored: Vec<String>,
    rows: Vec<Record>,
}

pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

const EXAMPLE_HEADER: &str = "name,external_id,client,active,channel";

/// The records of a CSV file (at most [`MAX_CSV_BYTES`] and [`MAX_CSV_ROWS`] rows) with its
/// header first; refuses what is not CSV, or is empty, for the whole file (`example_header`
/// shows what the first line should be).
pub(crate) fn read_records(
    text: &str,
    example_header: &str,
) -> Result<(Record, std::vec::IntoIter<Record>)> {
    if text.len() > MAX_CSV_BYTES {
        return Err(Error::invalid(
            "csv",
            format!(
                "The file is {:.1} MB; an import reads at most {} MB: split it into smaller files.",
                text.len() as f64 / (1024.0 * 1024.0),
                MAX_CSV_BYTES / (1024 * 1024)
            ),
        ));
    }
    let records = parse_csv(text, MAX_CSV_ROWS + 1).map_err(|error| match error {
        CsvError::Malformed { line, message } => Error::invalid(
            "csv",
            format!("The file is not valid CSV: line {line}: {message}."),
        ),
        CsvError::TooManyRecords => Error::invalid(
            "csv",
            format!(
                "The file has more than {} rows; an import reads at most that many: split it into smaller files.",
                grouped(MAX_CSV_ROWS)
            ),
        ),
    })?;
    let mut records = records.into_iter();
    let Some(header) = records.next() else {
        return Err(Error::invalid(
            "csv",
            format!("The file is empty: its first line names the columns, e.g. {example_header}"),
        ));
    };
    Ok((header, records))
}

/// Reads the file and its header; refuses what is not an import at all (too large, not CSV,
/// no header, no `name` column, a column twice) for the whole file.
fn read_table(text: &str) -> Result<Table> {
    let (header, records) = read_records(text, EXAMPLE_HEADER)?;
    let mut found: HashMap<&'static str, usize> = HashMap::new();
    let mut columns: [Option<usize>; 5] = [None; 5];
    let mut ignored = Vec::new();
    for (index, cell) in header.fields.iter().enumerate() {
        let Some(column) = Column::parse(cell) else {
            if !cell.trim().is_empty() {
                ignored.push(cell.trim().to_owned());
            }
            continue;
        };
        if let Some(first) = found.insert(column.as_str(), index) {
            return Err(Error::invalid(
                "csv",
                format!(
                    "The header names the column {} twice (columns {} and {}): keep one.",
                    column.as_str(),
                    first + 1,
                    index + 1
                ),
            ));
        }
        columns[column as usize] = Some(index);
    }
    let Some(name) = columns[Column::Name as usize] else {
        let cells: Vec<&str> = header.fields.iter().map(|c| c.trim()).collect();
        return Err(Error::invalid(
            "csv",
            format!(
                "The header (line {}) has no name column; it has {}. The first line names the columns, e.g. {EXAMPLE_HEADER}",
                header.line,
                cells.join(", ")
            ),
        ));
    };
    Ok(Table {
        name,
        external_id: columns[Column::ExternalId as usize],
        client: columns[Column::Client as usize],
        active: columns[Column::Active as usize],
        channel: columns[Column::Channel as usize],
        width: header.fields.len(),
        ignored,
        rows: records.collect(),
    })
}

/// `true`/`false`, `yes`/`no`, `1`/`0`; empty is true.
pub(crate) fn parse_active(value: &str) -> std::result::Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!(
            "{:?} is not one of true/false, yes/no or 1/0",
            value.trim()
        )),
    }
}

/// The notification channels a `channel` cell can name.
struct ChannelChoice {
    all: Vec<NotificationChannel>,
}

impl ChannelChoice {
    /// The channel `text` names (`None` when empty): its number, or `#name` (the `#` may be
    /// left out).
    fn find(&self, text: &str) -> std::result::Result<Option<&NotificationChannel>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if let Ok(id) = text.parse::<i64>() {
            return self.all.iter().find(|c| c.id == id).map(Some).ok_or_else(|| {
                format!("There is no notification channel {id}; `switchboard channel list` shows them")
            });
        }
        let name = text.strip_prefix('#').unwrap_or(text);
        let matching: Vec<&NotificationChannel> = self
            .all
            .iter()
            .filter(|c| {
                c.channel_id == name
                    || c.channel_name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .collect();
        match matching[..] {
            [] => Err(format!(
                "No notification channel is named #{name}; add it under Channels first (or `switchboard channel add`), or give a number from `switchboard channel list`"
            )),
            [one] => Ok(Some(one)),
            _ => {
                let ids: Vec<String> = matching.iter().map(|c| c.id.to_string()).collect();
                Err(format!(
                    "#{name} is a notification channel in more than one workspace (numbers {}); give its number instead",
                    ids.join(", ")
                ))
            }
        }
    }
}

/// A row to write, and the preview row it belongs to.
#[derive(Debug)]
struct Write {
    row: usize,
    id: Option<i64>,
    values: Values,
    /// `None`: the file has no channel column, so the assignment stays.
    channel: Option<Option<i64>>,
}

#[derive(Debug)]
struct Planned {
    preview: ImportPreview,
    writes: Vec<Write>,
}

/// Decides every row of `table` against the projects and channels `conn` holds.
fn plan(conn: &Connection, table: &Table) -> Result<Planned> {
    let channels = ChannelChoice {
        all: stored_channels::list(conn)?,
    };
    let mut preview = ImportPreview {
        rows: Vec::with_capacity(table.rows.len()),
        creates: 0,
        updates: 0,
        unchanged: 0,
        errors: 0,
        ignored_columns: table.ignored.clone(),
        imported: false,
    };
    let mut writes = Vec::new();
    // Each external id's first line in the file.
    let mut seen: HashMap<String, u32> = HashMap::new();
    for record in &table.rows {
        let cell =
            |index: Option<usize>| index.map(|i| record.fields.get(i).map_or("", |f| f.trim()));
        let mut errors = Vec::new();
        if record.fields.len() > table.width
            && record.fields[table.width..]
                .iter()
                .any(|f| !f.trim().is_empty())
        {
            errors.push(RowError {
                column: "row",
                message: format!(
                    "The row has {} cells but the header names {}; quote a value that contains the separator",
                    record.fields.len(),
                    table.width
                ),
            });
        }
        let mut error = |column: Column, message: String| {
            errors.push(RowError {
                column: column.as_str(),
                message,
            });
        };
        let raw_name = cell(Some(table.name)).unwrap_or("");
        let name = check_name(raw_name).unwrap_or_else(|reason| {
            error(Column::Name, reason);
            raw_name.to_owned()
        });
        let external_id = cell(table.external_id).and_then(|raw| {
            check_text(raw, "An external id").unwrap_or_else(|reason| {
                error(Column::ExternalId, reason);
                Some(raw.to_owned())
            })
        });
        // `None`: the column is not in the file.
        let client = cell(table.client).map(|raw| {
            check_text(raw, "A client").unwrap_or_else(|reason| {
                error(Column::Client, reason);
                Some(raw.to_owned())
            })
        });
        let active = cell(table.active).map(|raw| {
            parse_active(raw).unwrap_or_else(|reason| {
                error(Column::Active, reason);
                true
            })
        });
        let channel = cell(table.channel).map(|raw| {
            channels.find(raw).unwrap_or_else(|reason| {
                error(Column::Channel, reason);
                None
            })
        });
        if let Some(external_id) = &external_id {
            match seen.get(external_id) {
                Some(first) => error(
                    Column::ExternalId,
                    format!(
                        "The external id {external_id:?} is also on line {first}; a project may appear once"
                    ),
                ),
                None => {
                    seen.insert(external_id.clone(), record.line);
                }
            }
        }
        let existing = match &external_id {
            Some(external_id) => stored::by_external_id(conn, external_id)?,
            None => None,
        };
        let (values, shown_channel, changes, id) = match &existing {
            Some(project) => {
                let old = Values::of(project);
                let new = Values {
                    external_id: old.external_id.clone(),
                    name,
                    client: client.unwrap_or_else(|| old.client.clone()),
                    active: active.unwrap_or(old.active),
                };
                let mut changes = old.changed(&new);
                let shown = match channel {
                    Some(chosen) => chosen.map(ChannelRef::from),
                    None => project.assigned.clone().map(ChannelRef::from),
                };
                if shown.as_ref().map(|c| c.id) != project.channel {
                    changes.push("channel");
                }
                (new, shown, changes, Some(project.id))
            }
            None => {
                let new = Values {
                    external_id,
                    name,
                    client: client.flatten(),
                    active: active.unwrap_or(true),
                };
                (
                    new,
                    channel.flatten().map(ChannelRef::from),
                    Vec::new(),
                    None,
                )
            }
        };
        let action = if !errors.is_empty() {
            preview.errors += 1;
            RowAction::Error
        } else if id.is_none() {
            preview.creates += 1;
            RowAction::Create
        } else if changes.is_empty() {
            preview.unchanged += 1;
            RowAction::Unchanged
        } else {
            preview.updates += 1;
            RowAction::Update
        };
        if matches!(action, RowAction::Create | RowAction::Update) {
            writes.push(Write {
                row: preview.rows.len(),
                id,
                values: values.clone(),
                channel: channel.map(|c| c.map(|c| c.id)),
            });
        }
        preview.rows.push(PreviewRow {
            line: record.line,
            action,
            project_id: id,
            external_id: values.external_id,
            name: values.name,
            client: values.client,
            active: values.active,
            channel: shown_channel,
            changes: if action == RowAction::Error {
                Vec::new()
            } else {
                changes
            },
            errors,
        });
    }
    Ok(Planned { preview, writes })
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180)

/// One record of a CSV file, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) line: u32,
    pub(crate) fields: Vec<String>,
}

/// Why a file could not be read as CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CsvError {
    /// The text breaks CSV's rules on `line`.
    Malformed { line: u32, message: &'static str },
    /// More records than the caller reads.
    TooManyRecords,
}

/// The most cells one record may have: more is not a project list (and would cost memory).
const MAX_FIELDS: usize = 1_000;

/// Where the parser is within a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Nothing read yet.
    Start,
    /// In an unquoted field.
    Plain,
    /// Inside quotes.
    Quoted,
    /// After a quoted field's closing quote.
    Closed,
}

/// The separator: the one of `,` `;` and tab that the first line uses most (commas on a tie),
/// as spreadsheets in some languages save "CSV" with semicolons.
fn separator_of(text: &str) -> char {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let mut best = 0;
    for (i, &count) in counts.iter().enumerate() {
        if count > counts[best] {
            best = i;
        }
    }
    [',', ';', '\t'][best]
}

/// Ends the field being read (of the record starting on `line`).
fn end_field(
    fields: &mut Vec<String>,
    field: &mut String,
    line: u32,
) -> std::result::Result<(), CsvError> {
    if fields.len() == MAX_FIELDS {
        return Err(CsvError::Malformed {
            line,
            message: "a row has more than 1,000 cells",
        });
    }
    fields.push(std::mem::take(field));
    Ok(())
}

/// Ends the record being read, which starts on `line`; a blank one is dropped.
fn end_record(
    records: &mut Vec<Record>,
    fields: &mut Vec<String>,
    line: u32,
    max_records: usize,
) -> std::result::Result<(), CsvError> {
    if fields.iter().all(|f| f.trim().is_empty()) {
        fields.clear();
        return Ok(());
    }
    if records.len() == max_records {
        return Err(CsvError::TooManyRecords);
    }
    records.push(Record {
        line,
        fields: std::mem::take(fields),
    });
    Ok(())
}

/// Reads CSV text into records: RFC 4180 (quoted fields may hold separators, quotes written
/// twice and line breaks; records end with CRLF, LF or CR), a little more lenient where
/// spreadsheets are (a quote inside an unquoted field is a character; spaces around a quoted
/// field are dropped). Blank records are skipped. At most `max_records` records are read.
pub(crate) fn parse_csv(
    text: &str,
    max_records: usize,
) -> std::result::Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let separator = separator_of(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut at = At::Start;
    let mut line: u32 = 1;
    let mut record_line: u32 = 1;
    let mut quote_line: u32 = 1;

    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at == At::Quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => at = At::Closed,
                _ => {
                    if c == '\n' {
                        line = line.saturating_add(1);
                    }
                    field.push(c);
                }
            }
            continue;
        }
        if c == separator {
            end_field(&mut fields, &mut field, record_line)?;
            at = At::Start;
        } else if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            end_field(&mut fields, &mut field, record_line)?;
            end_record(&mut records, &mut fields, record_line, max_records)?;
            line = line.saturating_add(1);
            record_line = line;
            at = At::Start;
        } else if c == '"' && at != At::Closed && field.trim().is_empty() {
            // Spaces before an opening quote are not part of the field.
            field.clear();
            quote_line = line;
            at = At::Quoted;
        } else if at == At::Closed {
            if !c.is_whitespace() {
                return Err(CsvError::Malformed {
                    line,
                    message: "text follows a closing quote; inside a quoted field, write a quote as two quotes (\"\")",
                });
            }
        } else {
            field.push(c);
            at = At::Plain;
        }
    }
    if at == At::Quoted {
        return Err(CsvError::Malformed {
            line: quote_line,
            message: "a quoted field starts here and is never closed",
        });
    }
    if at != At::Start || !fields.is_empty() {
        end_field(&mut fields, &mut field, record_line)?;
        end_record(&mut records, &mut fields, record_line, max_records)?;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Endpoints, ProfileConfig, SecretsIn};

    fn check_csv(text: &str, expected: &[(u32, &[&str])]) {
        let records = parse_csv(text, 100).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        let got: Vec<(u32, Vec<&str>)> = records
            .iter()
            .map(|r| (r.line, r.fields.iter().map(String::as_str).collect()))
            .collect();
        let expected: Vec<(u32, Vec<&str>)> =
            expected.iter().map(|(l, f)| (*l, f.to_vec())).collect();
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn csv_is_read_as_rfc_4180_says() {
        // Quoted separators, doubled quotes, CRLF, no final line break.
        check_csv(
            "name,client\r\nWebsite,\"Globex, Inc.\"\r\n\"The \"\"best\"\" app\",x",
            &[
                (1, &["name", "client"]),
                (2, &["Website", "Globex, Inc."]),
                (3, &["The \"best\" app", "x"]),
            ],
        );
        // A line break inside quotes; a blank line skipped; lines counted in the file.
        check_csv(
            "name,note\n\"two\nlines\",x\n\n  \nlast,y\n",
            &[
                (1, &["name", "note"]),
                (2, &["two\nlines", "x"]),
                (6, &["last", "y"]),
            ],
        );
        // Empty fields, including a last one after a trailing separator; lone CR ends lines.
        check_csv("a,,c,\rd,e", &[(1, &["a", "", "c", ""]), (2, &["d", "e"])]);
        // Spaces around a quoted field are dropped; a quote inside a plain field is text.
        check_csv(
            "a, \"b,c\" ,d\n5\" screen,x",
            &[(1, &["a", "b,c", "d"]), (2, &["5\" screen", "x"])],
        );
        // A byte-order mark is skipped; a semicolon header sets the separator.
        check_csv(
            "\u{feff}name;client\nA;B, Inc.",
            &[(1, &["name", "client"]), (2, &["A", "B, Inc."])],
        );
        check_csv(
            "name\tclient\nA\tB",
            &[(1, &["name", "client"]), (2, &["A", "B"])],
        );
        check_csv("", &[]);
        check_csv("\"\"\n", &[]);
    }

    #[test]
    fn malformed_csv_is_refused_naming_the_line() {
        assert_eq!(
            parse_csv("name\nok\n\"open,\nstill open", 100),
            Err(CsvError::Malformed {
                line: 3,
                message: "a quoted field starts here and is never closed"
            }),
            "the line where the unclosed quote starts"
        );
        assert!(
            matches!(
                parse_csv("name\n\"a\"b,c", 100),
                Err(CsvError::Malformed { line: 2, .. })
            ),
            "text after a closing quote is an error, not guessed at"
        );
        assert_eq!(
            parse_csv("h\n1\n2\n3\n", 3),
            Err(CsvError::TooManyRecords),
            "reading stops at the limit"
        );
        assert_eq!(
            parse_csv("h\n1\n\n\n2\n", 3).unwrap().len(),
            3,
            "blank lines do not count"
        );
    }

    fn profile() -> (tempfile::TempDir, Profile) {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open(ProfileConfig {
            secrets: SecretsIn::Memory,
            actor: "ada".to_owned(),
            ..ProfileConfig::new(dir.path().to_path_buf(), Endpoints::slack())
        });
        profile
            .db()
            .unwrap()
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                         VALUES ('T1', 'Acme', 'acme', 0, 0), ('T2', 'Beta', 'beta', 0, 0);
                     INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at)
                         VALUES ('T1', 'C1', 'sales', 0), ('T1', 'C2', 'ops', 0),
                                ('T1', 'C3', 'shared', 0), ('T2', 'C9', 'shared', 0);
                     INSERT INTO notification_channel (id, team_id, channel_id, created_at)
                         VALUES (1, 'T1', 'C1', 0), (2, 'T1', 'C2', 0),
                                (3, 'T1', 'C3', 0), (4, 'T2', 'C9', 0);",
                )
                .map_err(switchboard_store::Error::from)
            })
            .unwrap();
        (dir, profile)
    }

    /// A row in one line: `line action external-id name [client=…] [archived] [#channel]
    /// [changes=…] [!column…]`.
    fn summary(row: &PreviewRow) -> String {
        let mut s = format!(
            "{} {} {} {}",
            row.line,
            row.action.as_str(),
            row.external_id.as_deref().unwrap_or("-"),
            row.name
        );
        if let Some(client) = &row.client {
            s += &format!(" client={client}");
        }
        if !row.active {
            s += " archived";
        }
        if let Some(channel) = &row.channel {
            s += &format!(" {}", channel.name);
        }
        if !row.changes.is_empty() {
            s += &format!(" changes={}", row.changes.join(","));
        }
        for error in &row.errors {
            s += &format!(" !{}", error.column);
        }
        s
    }

    fn check_preview(profile: &Profile, csv: &str, expected: &[&str]) -> ImportPreview {
        let preview = preview(profile, csv).unwrap();
        let got: Vec<String> = preview.rows.iter().map(summary).collect();
        assert_eq!(got, expected, "{csv}");
        preview
    }

    fn csv_refusal(profile: &Profile, csv: &str) -> String {
        match preview(profile, csv) {
            Err(Error::InvalidInput {
                field: "csv",
                message,
            }) => message,
            other => panic!("{csv:?} should be refused as a whole: {other:?}"),
        }
    }

    #[test]
    fn the_header_names_the_columns_in_any_order_and_case() {
        let (_dir, profile) = profile();
        let preview = check_preview(
            &profile,
            "Client,NAME,Budget,External ID,\nGlobex,Website,100,web-1,\n",
            &["2 create web-1 Website client=Globex"],
        );
        assert_eq!(
            preview.ignored_columns,
            ["Budget"],
            "unknown columns are listed, blank header cells are not"
        );
        assert!(csv_refusal(&profile, "client,external_id\nA,1").contains("no name column"));
        assert!(csv_refusal(&profile, "name,Name\nA,B").contains("twice (columns 1 and 2)"));
        assert!(csv_refusal(&profile, "\n\n").contains("empty"));
        assert!(csv_refusal(&profile, "name\n\"open").contains("line 2"));
    }

    #[test]
    fn each_row_previews_its_action_and_its_errors() {
        let (_dir, profile) = profile();
        add(
            &profile,
            NewProject {
                name: "Website".into(),
                client: Some("Globex".into()),
                external_id: Some("web-1".into()),
            },
        )
        .unwrap();
        let crm = add(
            &profile,
            NewProject {
                name: "CRM".into(),
                client: None,
                external_id: Some("crm".into()),
            },
        )
        .unwrap();
        assign_id(&profile, crm.id, Some(2)).unwrap();
        let csv = "name,external_id,client,active,channel
Website,web-1,Globex,yes,
CRM rollout,crm,,true,#ops
New one,new-1,Initech,0,1
,x-1,,,
Bad,x-2,,maybe,
Dup,new-1,,,
Lost,x-3,,,#nowhere
Twice,x-4,,,#shared

\"Quoted, name\",,\"Client \"\"Q\"\"\",no,SALES
Extra,x-5,,,,surplus
";
        let preview = check_preview(
            &profile,
            csv,
            &[
                "2 unchanged web-1 Website client=Globex",
                "3 update crm CRM rollout #ops changes=name",
                "4 create new-1 New one client=Initech archived #sales",
                "5 error x-1  !name",
                "6 error x-2 Bad !active",
                "7 error new-1 Dup !external_id",
                "8 error x-3 Lost !channel",
                "9 error x-4 Twice !channel",
                "11 create - Quoted, name client=Client \"Q\" archived #sales",
                "12 error x-5 Extra !row",
            ],
        );
        assert_eq!(
            (
                preview.creates,
                preview.updates,
                preview.unchanged,
                preview.errors
            ),
            (2, 1, 1, 6)
        );
        let message = |line: u32| {
            preview.rows.iter().find(|r| r.line == line).unwrap().errors[0]
                .message
                .clone()
        };
        assert!(message(7).contains("also on line 4"), "{}", message(7));
        assert!(
            message(8).contains("switchboard channel list"),
            "{}",
            message(8)
        );
        assert!(message(9).contains("numbers 3, 4"), "{}", message(9));
        assert!(message(6).contains("\"maybe\""), "{}", message(6));

        // Without a channel column, the assignment stays; without client, the client stays.
        check_preview(
            &profile,
            "external_id,name\ncrm,CRM\nweb-1,Web\n",
            &[
                "2 unchanged crm CRM #ops",
                "3 update web-1 Web client=Globex changes=name",
            ],
        );
        // An empty channel cell where the column is present removes the assignment.
        check_preview(
            &profile,
            "external_id,name,channel\ncrm,CRM,\n",
            &["2 update crm CRM changes=channel"],
        );
    }

    #[test]
    fn an_import_with_errors_writes_nothing_and_one_without_writes_everything() {
        let (_dir, profile) = profile();
        let bad = "name,external_id\nA,a\n,b\nC,c\n";
        let refused = import(&profile, bad).unwrap_err();
        assert!(
            matches!(&refused, Error::InvalidInput { field: "csv", message }
                if message.starts_with("1 row has errors; nothing was imported: line 3 (name): A project needs a name")),
            "{refused:?}"
        );
        let everything = ProjectQuery {
            include_archived: true,
            ..ProjectQuery::default()
        };
        assert_eq!(
            list(&profile, &everything).unwrap().total,
            0,
            "not even row 2"
        );

        let done = import(&profile, "name,external_id,channel\nA,a,#sales\nC,c,\n").unwrap();
        assert!(done.imported);
        assert!(
            done.rows.iter().all(|r| r.project_id.is_some()),
            "created rows carry their new id"
        );
        let page = list(&profile, &everything).unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(
            page.items[0].channel.as_ref().map(|c| c.name.as_str()),
            Some("#sales")
        );
        let again = import(&profile, "name,external_id,channel\nA,a,#sales\nC,c,\n").unwrap();
        assert_eq!((again.creates, again.updates, again.unchanged), (0, 0, 2));
        let imports: i64 = profile
            .db()
            .unwrap()
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM audit_log WHERE action = 'projects.imported'",
                    [],
                    |r| r.get(0),
                )
                .map_err(switchboard_store::Error::from)
            })
            .unwrap();
        assert_eq!(imports, 1, "an import that changes nothing is not recorded");
    }

    #[test]
    fn files_beyond_the_limits_are_refused_before_any_row_is_read() {
        let (_dir, profile) = profile();
        let many = format!("name\n{}", "p\n".repeat(MAX_CSV_ROWS + 1));
        assert!(csv_refusal(&profile, &many).contains("more than 50,000 rows"));
        let big = format!("name\n{}", "x".repeat(MAX_CSV_BYTES));
        assert!(csv_refusal(&profile, &big).contains("at most 5 MB"));
        let exactly = format!("name\n{}", "p\n".repeat(MAX_CSV_ROWS));
        assert_eq!(
            preview(&profile, &exactly).unwrap().creates as usize,
            MAX_CSV_ROWS
        );
    }

    #[test]
    fn names_and_texts_are_trimmed_single_lines_of_bounded_length() {
        assert_eq!(check_name("  Website  ").unwrap(), "Website");
        assert!(check_name(" ").is_err());
        assert!(check_name("two\nlines").is_err());
        assert!(
            check_name(&"é".repeat(MAX_NAME)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_name(&"é".repeat(MAX_NAME + 1)).is_err());
        assert_eq!(check_text("  ", "A client").unwrap(), None);
        assert_eq!(grouped(50_000), "50,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(shell_word("web site"), "'web site'");
    }
}
