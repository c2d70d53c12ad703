//! Importing staff from CSV: a preview row by row (create, update, unchanged, or the errors of
//! the row), then all rows in one transaction — or none, when any row has an error.
//!
//! Columns (first line, any order and letter case): `name` (required), `email`, `role`
//! (owner, admin, manager or staff; empty is staff), `manager` (the manager's email or external
//! id, in the store or anywhere in the file), `external_id`, `active` (true/false, yes/no,
//! 1/0; empty is true). A row updates the member with its external id, else the member with its
//! email; any other row adds one. A column the file leaves out leaves that field as it is.

use std::collections::HashMap;

use serde::Serialize;
use switchboard_store::rusqlite::Connection;
use switchboard_store::staff::{self as stored, Member};
use switchboard_store::{audit, outbox};

use crate::events::Event as Announcement;
use crate::profile::Profile;
use crate::projects::{Record, RowAction, RowError, check_text, parse_active, read_records};
use crate::staff::{check_email, check_member_name, check_role};
use crate::{Error, Result};

/// One row of the file and what importing it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffRow {
    pub line: u32,
    pub action: RowAction,
    pub staff_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    pub role: String,
    /// The manager as the file names them.
    pub manager: Option<String>,
    pub external_id: Option<String>,
    pub active: bool,
    pub changes: Vec<&'static str>,
    pub errors: Vec<RowError>,
}

/// What importing a file does (or did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffImport {
    pub rows: Vec<StaffRow>,
    pub creates: u32,
    pub updates: u32,
    pub unchanged: u32,
    pub errors: u32,
    pub ignored_columns: Vec<String>,
    pub imported: bool,
}

const COLUMNS: [&str; 6] = ["name", "email", "role", "manager", "external_id", "active"];
const EXAMPLE_HEADER: &str = "name,email,role,manager,external_id,active";

fn column(header: &str) -> Option<usize> {
    let key: String = header
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let key = match key.as_str() {
        "full_name" | "staff_name" => "name",
        "e_mail" | "mail" => "email",
        "manager_email" | "approver" => "manager",
        "externalid" | "id" => "external_id",
        other => other,
    };
    COLUMNS.iter().position(|c| *c == key)
}

struct Table {
    at: [Option<usize>; 6],
    width: usize,
    ignored: Vec<String>,
    rows: Vec<Record>,
}

fn read_table(text: &str) -> Result<Table> {
    let (header, records) = read_records(text, EXAMPLE_HEADER)?;
    let mut at = [None; 6];
    let mut ignored = Vec::new();
    for (index, cell) in header.fields.iter().enumerate() {
        match column(cell) {
            Some(c) if at[c].is_some() => {
                return Err(Error::invalid(
                    "csv",
                    format!(
                        "The header names the column {} twice (columns {} and {}): keep one.",
                        COLUMNS[c],
                        at[c].map_or(0, |i: usize| i + 1),
                        index + 1
                    ),
                ));
            }
            Some(c) => at[c] = Some(index),
            None if !cell.trim().is_empty() => ignored.push(cell.trim().to_owned()),
            None => {}
        }
    }
    if at[0].is_none() {
        let cells: Vec<&str> = header.fields.iter().map(|c| c.trim()).collect();
        return Err(Error::invalid(
            "csv",
            format!(
                "The header (line {}) has no name column; it has {}. The first line names the columns, e.g. {EXAMPLE_HEADER}",
                header.line,
                cells.join(", ")
            ),
        ));
    }
    Ok(Table {
        at,
        width: header.fields.len(),
        ignored,
        rows: records.collect(),
    })
}

struct Planned {
    preview: StaffImport,
    /// For each row without errors: the member it updates.
    targets: Vec<Option<i64>>,
    known: Known,
}

/// Every member, read once for the whole file (not three lookups a row): by id, by email
/// (lower case) and by external id.
struct Known {
    by_id: HashMap<i64, Member>,
    by_email: HashMap<String, i64>,
    by_external_id: HashMap<String, i64>,
}

impl Known {
    fn read(conn: &Connection) -> Result<Known> {
        let all = stored::list(
            conn,
            &stored::Filter {
                include_inactive: true,
                limit: u64::MAX,
                ..stored::Filter::default()
            },
        )?;
        let mut known = Known {
            by_id: HashMap::with_capacity(all.rows.len()),
            by_email: HashMap::new(),
            by_external_id: HashMap::new(),
        };
        // An email two members share names the active one first, then the oldest, as
        // `staff::by_email` answers.
        let mut rows = all.rows;
        rows.sort_by_key(|m| (!m.active, m.id));
        for m in rows {
            if let Some(e) = &m.email {
                known.by_email.entry(e.to_lowercase()).or_insert(m.id);
            }
            if let Some(x) = &m.external_id {
                known.by_external_id.insert(x.clone(), m.id);
            }
            known.by_id.insert(m.id, m);
        }
        Ok(known)
    }

    fn email(&self, email: &str) -> Option<&Member> {
        self.by_id.get(self.by_email.get(&email.to_lowercase())?)
    }

    fn external_id(&self, external_id: &str) -> Option<&Member> {
        self.by_id.get(self.by_external_id.get(external_id)?)
    }

    /// The member `reference` names: an email or an external id.
    fn named(&self, reference: &str) -> Option<&Member> {
        self.email(reference)
            .or_else(|| self.external_id(reference))
    }
}

fn plan(conn: &Connection, table: &Table) -> Result<Planned> {
    let known = Known::read(conn)?;
    let mut targeted: HashMap<i64, u32> = HashMap::new();
    let mut preview = StaffImport {
        rows: Vec::new(),
        creates: 0,
        updates: 0,
        unchanged: 0,
        errors: 0,
        ignored_columns: table.ignored.clone(),
        imported: false,
    };
    let mut targets = Vec::new();
    let mut emails: HashMap<String, u32> = HashMap::new();
    let mut external_ids: HashMap<String, u32> = HashMap::new();
    let cell = |record: &Record, c: usize| -> Option<String> {
        table.at[c].map(|i| record.fields.get(i).cloned().unwrap_or_default())
    };
    for record in &table.rows {
        if record.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut errors = Vec::new();
        let mut fail = |column: &'static str, message: String| {
            errors.push(RowError { column, message });
        };
        if record.fields.len() > table.width {
            fail(
                "row",
                format!(
                    "The row has {} cells; the header has {}: quote cells that hold commas",
                    record.fields.len(),
                    table.width
                ),
            );
        }
        let name = check_member_name(&cell(record, 0).unwrap_or_default()).unwrap_or_else(|e| {
            fail("name", e);
            String::new()
        });
        let email = cell(record, 1).map(|v| {
            check_email(&v).unwrap_or_else(|e| {
                fail("email", e);
                None
            })
        });
        let role = cell(record, 2).map(|v| {
            check_role(&v).unwrap_or_else(|e| {
                fail("role", e);
                "staff".into()
            })
        });
        let manager = cell(record, 3).map(|v| v.trim().to_owned());
        let external_id = cell(record, 4).map(|v| {
            check_text(&v, "An external id").unwrap_or_else(|e| {
                fail("external_id", e);
                None
            })
        });
        let active = cell(record, 5).map(|v| {
            parse_active(&v).unwrap_or_else(|e| {
                fail("active", e);
                true
            })
        });
        if let Some(Some(e)) = &email
            && let Some(first) = emails.insert(e.to_lowercase(), record.line)
        {
            fail(
                "email",
                format!("{e} is also on line {first}: each member once"),
            );
        }
        if let Some(Some(x)) = &external_id
            && let Some(first) = external_ids.insert(x.clone(), record.line)
        {
            fail(
                "external_id",
                format!("{x:?} is also on line {first}: each member once"),
            );
        }
        // The member the row updates: by external id, else by email.
        let existing: Option<&Member> = match (&external_id, &email) {
            (Some(Some(x)), _) if let Some(m) = known.external_id(x) => Some(m),
            (_, Some(Some(e))) => known.email(e),
            _ => None,
        };
        if let (Some(m), Some(Some(e))) = (existing, &email)
            && let Some(other) = known.email(e).filter(|o| o.id != m.id)
        {
            fail(
                "email",
                format!(
                    "{e} is already the email of {} (#{}): change it in the file, or change theirs in Staff first",
                    other.name, other.id
                ),
            );
        }
        if let Some(m) = existing
            && let Some(first) = targeted.insert(m.id, record.line)
        {
            fail(
                "row",
                format!(
                    "Line {first} already changes {} (#{}): each member once",
                    m.name, m.id
                ),
            );
        }
        let email = email.unwrap_or_else(|| existing.and_then(|m| m.email.clone()));
        let role = role.unwrap_or_else(|| existing.map_or("staff".into(), |m| m.role.clone()));
        let external_id =
            external_id.unwrap_or_else(|| existing.and_then(|m| m.external_id.clone()));
        let active = active.unwrap_or_else(|| existing.is_none_or(|m| m.active));
        if let Some(reference) = manager.as_deref().filter(|m| !m.is_empty()) {
            let is_self = email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(reference))
                || external_id.as_deref() == Some(reference);
            if is_self {
                fail(
                    "manager",
                    "A member cannot be their own manager: leave it empty or name someone else"
                        .into(),
                );
            }
        }
        let mut changes = Vec::new();
        if let Some(m) = existing {
            if m.name != name {
                changes.push("name");
            }
            if m.email != email {
                changes.push("email");
            }
            if m.role != role {
                changes.push("role");
            }
            if m.external_id != external_id {
                changes.push("external_id");
            }
            if m.active != active {
                changes.push("active");
            }
            if let Some(reference) = &manager {
                let now_named = m.manager_id.and_then(|id| known.by_id.get(&id));
                let same = match now_named {
                    Some(n) => {
                        n.email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(reference))
                            || n.external_id.as_deref() == Some(reference.as_str())
                    }
                    None => reference.is_empty(),
                };
                if !same {
                    changes.push("manager");
                }
            }
        }
        let action = if !errors.is_empty() {
            RowAction::Error
        } else if existing.is_none() {
            RowAction::Create
        } else if changes.is_empty() {
            RowAction::Unchanged
        } else {
            RowAction::Update
        };
        targets.push(existing.map(|m| m.id));
        preview.rows.push(StaffRow {
            line: record.line,
            action,
            staff_id: existing.map(|m| m.id),
            name,
            email,
            role,
            manager,
            external_id,
            active,
            changes,
            errors,
        });
    }
    // Managers are looked up once every row is known: a manager may be further down the file.
    let in_file: HashMap<String, usize> = preview
        .rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            [
                r.email.as_ref().map(|e| (e.to_lowercase(), i)),
                r.external_id.clone().map(|x| (x, i)),
            ]
        })
        .flatten()
        .collect();
    for row in &mut preview.rows {
        let Some(reference) = row.manager.as_deref().filter(|m| !m.is_empty()) else {
            continue;
        };
        let known = in_file.contains_key(&reference.to_lowercase())
            || in_file.contains_key(reference)
            || known.named(reference).is_some();
        if !known {
            row.errors.push(RowError {
                column: "manager",
                message: format!(
                    "No member is {reference:?}, in the file or in Switchboard: name the manager by email or external id"
                ),
            });
            row.action = RowAction::Error;
        }
    }
    for row in &preview.rows {
        match row.action {
            RowAction::Create => preview.creates += 1,
            RowAction::Update => preview.updates += 1,
            RowAction::Unchanged => preview.unchanged += 1,
            RowAction::Error => preview.errors += 1,
        }
    }
    Ok(Planned {
        preview,
        targets,
        known,
    })
}

/// What importing `csv_text` would do, row by row; nothing is written.
pub fn preview(profile: &Profile, csv_text: &str) -> Result<StaffImport> {
    let table = read_table(csv_text)?;
    Ok(profile.db()?.read(|conn| plan(conn, &table))?.preview)
}

/// Imports `csv_text`: every row in one transaction, or none when any row has an error (the
/// first errors are named). One audit entry (`staff.imported`) records the counts.
pub fn import(profile: &Profile, csv_text: &str) -> Result<StaffImport> {
    let table = read_table(csv_text)?;
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let preview = profile.db()?.write(|tx| {
        let Planned {
            mut preview,
            targets,
            known,
        } = plan(tx, &table)?;
        if preview.errors > 0 {
            return Err(refusal(&preview));
        }
        let mut ids: HashMap<String, i64> = HashMap::new();
        for (row, target) in preview.rows.iter_mut().zip(&targets) {
            let fields = stored::Fields {
                external_id: row.external_id.as_deref(),
                name: &row.name,
                email: row.email.as_deref(),
                role: &row.role,
                manager_id: target.and_then(|id| known.by_id.get(&id)?.manager_id),
                active: row.active,
            };
            let id = match target {
                Some(id) if row.action == RowAction::Update => {
                    stored::update(tx, *id, &fields, now)?;
                    // Deactivated by the file: nothing more is sent to them, as in Staff.
                    if known.by_id.get(id).is_some_and(|m| m.active) && !row.active {
                        outbox::discard_waiting_for_staff(
                            tx,
                            *id,
                            None,
                            &crate::staff::deactivated(&row.name),
                            now,
                        )?;
                    }
                    *id
                }
                Some(id) => *id,
                None => stored::insert(tx, &fields, now)?,
            };
            row.staff_id = Some(id);
            if let Some(e) = &row.email {
                ids.insert(e.to_lowercase(), id);
            }
            if let Some(x) = &row.external_id {
                ids.insert(x.clone(), id);
            }
        }
        // Every manager is set first, then circles are looked for: a later row may break a
        // circle an earlier one would have made.
        let mut managed = Vec::new();
        for row in &preview.rows {
            let Some(reference) = &row.manager else {
                continue;
            };
            let manager = if reference.is_empty() {
                None
            } else {
                ids.get(&reference.to_lowercase())
                    .or(ids.get(reference))
                    .copied()
                    .or_else(|| known.named(reference).map(|m| m.id))
            };
            let id = row.staff_id.expect("written above");
            stored::set_manager(tx, id, manager)?;
            if let Some(m) = manager {
                managed.push((row, id, m, reference));
            }
        }
        for (row, id, manager, reference) in managed {
            if stored::manages_through(tx, id, manager)? {
                return Err(Error::invalid(
                    "csv",
                    format!(
                        "line {} (manager): {reference} cannot manage {}: that makes a circle of managers. Nothing was imported.",
                        row.line, row.name
                    ),
                ));
            }
        }
        if preview.creates + preview.updates > 0 {
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: "staff.imported",
                    subject: "Staff (CSV import)",
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
        profile.emit(Announcement::StaffChanged);
    }
    Ok(preview)
}

fn refusal(preview: &StaffImport) -> Error {
    crate::projects::refusal_of(
        preview.errors,
        preview
            .rows
            .iter()
            .map(|row| (row.line, row.errors.as_slice())),
    )
}
