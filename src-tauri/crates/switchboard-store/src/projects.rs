//! Projects of the business application, and the channel each is assigned: one page of the list
//! (searched, in name order, by offset or after a cursor), one project by id, external id or
//! name, adding, editing, archiving, assigning a channel, and writing an import's rows in the
//! caller's transaction (so an import is all or nothing).
//!
//! The list is ordered by `name COLLATE NOCASE, id`, which is the order of the
//! `project_by_name` index (its entries end in the rowid), so a page is read from the index
//! without sorting the whole table: tens of thousands of projects page as fast as ten.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::Result;

/// A project with its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub client_name: Option<String>,
    pub archived: bool,
    /// The notification channel it is assigned, if any (what routing reads).
    pub channel: Option<i64>,
    /// That channel with where it is and its name, for showing it.
    pub assigned: Option<AssignedChannel>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The notification channel a project is assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedChannel {
    /// The notification channel's id.
    pub id: i64,
    pub team_id: String,
    /// Slack's channel id.
    pub channel_id: String,
    /// The directory's current name, else the name when the channel was added.
    pub name: Option<String>,
    pub enabled: bool,
}

const SELECT: &str = "SELECT p.id, p.external_id, p.name, p.client_name, p.archived,
        p.created_at, p.updated_at,
        n.id, n.team_id, n.channel_id, coalesce(c.name, n.channel_name), n.enabled
    FROM project p
    LEFT JOIN project_channel pc ON pc.project_id = p.id
    LEFT JOIN notification_channel n ON n.id = pc.notification_channel_id
    LEFT JOIN slack_channel c ON c.team_id = n.team_id AND c.channel_id = n.channel_id
        AND c.vanished_at IS NULL";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Project> {
    let channel: Option<i64> = row.get(7)?;
    let assigned = match channel {
        Some(id) => Some(AssignedChannel {
            id,
            team_id: row.get(8)?,
            channel_id: row.get(9)?,
            name: row.get(10)?,
            enabled: row.get(11)?,
        }),
        None => None,
    };
    Ok(Project {
        id: row.get(0)?,
        external_id: row.get(1)?,
        name: row.get(2)?,
        client_name: row.get(3)?,
        archived: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        channel,
        assigned,
    })
}

/// The project whose external id is `external_id` (exactly: it is the sender's key).
pub fn by_external_id(conn: &Connection, external_id: &str) -> Result<Option<Project>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.external_id = ?1"))?
        .query_row([external_id], from_row)
        .optional()?)
}

/// Project `id`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Project>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Projects named `name`, ignoring ASCII case (names need not be unique), oldest first.
pub fn by_name(conn: &Connection, name: &str) -> Result<Vec<Project>> {
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT} WHERE p.name COLLATE NOCASE = ?1 ORDER BY p.id"
    ))?;
    let rows = statement.query_map([name], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Which projects one page of the list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// Only projects whose name, client or external id contains this (case-insensitive for
    /// ASCII letters, as SQLite's `LIKE`).
    pub search: Option<&'a str>,
    /// Archived projects too.
    pub include_archived: bool,
    /// Only projects after this `(name, id)` in list order (keyset paging: the last row of the
    /// previous page).
    pub after: Option<(&'a str, i64)>,
    /// Rows to skip (after `after`, when both are given).
    pub offset: u64,
    pub limit: u64,
}

/// One page of projects, and how many match the filter in all (ignoring `after`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub total: u64,
    pub rows: Vec<Project>,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern that finds `query` anywhere.
/// `LIKE` already ignores ASCII case, so the text is not lowered (SQLite's `lower` would not
/// lower other letters either, and a lowered `Ä` would then match nothing).
pub(crate) fn like_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for ch in query.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// One page of projects in name order (ASCII case ignored, then oldest first).
pub fn list(conn: &Connection, filter: &Filter<'_>) -> Result<Page> {
    let search = filter
        .search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(like_pattern);
    let matches = "(?1 OR p.archived = 0)
        AND (?2 IS NULL OR p.name LIKE ?2 ESCAPE '\\' OR p.client_name LIKE ?2 ESCAPE '\\'
             OR p.external_id LIKE ?2 ESCAPE '\\')";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM project p WHERE {matches}"))?
        .query_row(params![filter.include_archived, search], |row| row.get(0))?;
    // Two statements rather than `?3 IS NULL OR …`, so that the cursor's form lets SQLite seek
    // in the index instead of reading every row before it.
    let (after_name, after_id) = filter.after.unzip();
    let after = if filter.after.is_some() {
        "AND p.name COLLATE NOCASE >= ?3
         AND (p.name COLLATE NOCASE > ?3 OR p.id > ?4)"
    } else {
        // Always true; it keeps the parameters' numbering the same in both statements.
        "AND ?3 IS NULL AND ?4 IS NULL"
    };
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT} WHERE {matches} {after}
         ORDER BY p.name COLLATE NOCASE, p.id LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = statement
        .query_map(
            params![
                filter.include_archived,
                search,
                after_name,
                after_id,
                i64::try_from(filter.limit).unwrap_or(i64::MAX),
                i64::try_from(filter.offset).unwrap_or(i64::MAX),
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Page {
        total: u64::try_from(total).unwrap_or(0),
        rows,
    })
}

/// A project's own fields, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    pub external_id: Option<&'a str>,
    pub name: &'a str,
    pub client_name: Option<&'a str>,
    pub archived: bool,
}

/// Adds a project; returns its id.
pub fn insert(conn: &Connection, fields: &Fields<'_>, now: i64) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO project (external_id, name, client_name, archived, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![
        fields.external_id,
        fields.name,
        fields.client_name,
        fields.archived,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces project `id`'s fields; `false` when there is no such project.
pub fn update(conn: &Connection, id: i64, fields: &Fields<'_>, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE project SET external_id = ?2, name = ?3, client_name = ?4, archived = ?5,
                 updated_at = ?6
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            fields.external_id,
            fields.name,
            fields.client_name,
            fields.archived,
            now
        ])?;
    Ok(changed > 0)
}

/// Archives project `id` (or makes it active again); `false` when there is no such project.
pub fn set_archived(conn: &Connection, id: i64, archived: bool, now: i64) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE project SET archived = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, archived, now],
    )?;
    Ok(changed > 0)
}

/// Assigns project `id` notification channel `channel`, or none. A project has at most one.
pub fn assign(conn: &Connection, id: i64, channel: Option<i64>, now: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM project_channel WHERE project_id = ?1")?
        .execute([id])?;
    if let Some(channel) = channel {
        conn.prepare_cached(
            "INSERT INTO project_channel (project_id, notification_channel_id) VALUES (?1, ?2)",
        )?
        .execute(params![id, channel])?;
    }
    conn.prepare_cached("UPDATE project SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// One row of an import, about to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportRow<'a> {
    /// The project to update; `None` adds one.
    pub id: Option<i64>,
    pub fields: Fields<'a>,
    /// The channel to assign (`Some(None)`: none); `None` leaves the assignment as it is.
    pub channel: Option<Option<i64>>,
}

/// Writes an import's rows in the caller's transaction (so an import is all or nothing) and
/// returns the ids, in the rows' order. Each statement is prepared once for all the rows.
pub fn write_rows(conn: &Connection, rows: &[ImportRow<'_>], now: i64) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let id = match row.id {
            Some(id) => {
                update(conn, id, &row.fields, now)?;
                id
            }
            None => insert(conn, &row.fields, now)?,
        };
        if let Some(channel) = row.channel {
            assign(conn, id, channel, now)?;
        }
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn fields<'a>(external_id: Option<&'a str>, name: &'a str) -> Fields<'a> {
        Fields {
            external_id,
            name,
            client_name: None,
            archived: false,
        }
    }

    fn names(page: &Page) -> Vec<&str> {
        page.rows.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn projects_page_in_name_order_are_searched_and_keep_one_channel() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at)
                 VALUES ('T1', 'C1', 'design', 0);
             INSERT INTO notification_channel (id, team_id, channel_id, channel_name, created_at)
                 VALUES (7, 'T1', 'C1', 'design-old', 0), (8, 'T1', 'C2', 'ops', 0);",
        )
        .unwrap();
        let web = insert(conn, &fields(Some("web-1"), "website"), 1).unwrap();
        insert(conn, &fields(None, "Apps 50%"), 2).unwrap();
        insert(conn, &fields(Some("crm"), "CRM rollout"), 3).unwrap();
        let old = insert(
            conn,
            &Fields {
                client_name: Some("Globex"),
                archived: true,
                ..fields(None, "Billing")
            },
            4,
        )
        .unwrap();
        insert(conn, &fields(None, "website"), 5).unwrap();

        let all = |after, offset, limit| {
            list(
                conn,
                &Filter {
                    include_archived: true,
                    after,
                    offset,
                    limit,
                    ..Filter::default()
                },
            )
            .unwrap()
        };
        let first = all(None, 0, 2);
        assert_eq!(first.total, 5);
        assert_eq!(
            names(&first),
            ["Apps 50%", "Billing"],
            "ASCII case is ignored"
        );
        let last = first.rows.last().unwrap();
        let next = all(Some((last.name.as_str(), last.id)), 0, 10);
        assert_eq!(
            names(&next),
            ["CRM rollout", "website", "website"],
            "a cursor continues after the last row; equal names by id"
        );
        assert_eq!(
            names(&all(None, 3, 10)),
            ["website", "website"],
            "offset paging reaches the same rows"
        );

        let search = |text| {
            list(
                conn,
                &Filter {
                    search: Some(text),
                    limit: 10,
                    ..Filter::default()
                },
            )
            .unwrap()
        };
        assert_eq!(names(&search("WEB")), ["website", "website"]);
        assert_eq!(names(&search("Crm")), ["CRM rollout"], "by external id");
        assert_eq!(
            names(&search("0%")),
            ["Apps 50%"],
            "% is a character, not a wildcard"
        );
        assert_eq!(search("globex").total, 0, "archived ones are left out");
        assert_eq!(by_name(conn, "WEBSITE").unwrap().len(), 2);

        assign(conn, web, Some(7), 9).unwrap();
        assign(conn, web, Some(8), 10).unwrap();
        let project = by_external_id(conn, "web-1").unwrap().unwrap();
        assert_eq!(
            project.channel,
            Some(8),
            "a new channel replaces the old one"
        );
        assert_eq!(project.updated_at, 10);
        assign(conn, web, Some(7), 11).unwrap();
        let shown = get(conn, web).unwrap().unwrap().assigned.unwrap();
        assert_eq!(
            (shown.channel_id.as_str(), shown.name.as_deref()),
            ("C1", Some("design")),
            "the directory's name wins"
        );
        assign(conn, web, None, 12).unwrap();
        assert_eq!(get(conn, web).unwrap().unwrap().channel, None);

        write_rows(
            conn,
            &[
                ImportRow {
                    id: Some(old),
                    fields: fields(Some("bill"), "Billing"),
                    channel: Some(Some(8)),
                },
                ImportRow {
                    id: None,
                    fields: fields(Some("new"), "New"),
                    channel: None,
                },
            ],
            13,
        )
        .unwrap();
        let billing = get(conn, old).unwrap().unwrap();
        assert!(!billing.archived && billing.channel == Some(8));
        assert_eq!(by_external_id(conn, "new").unwrap().unwrap().created_at, 13);
    }
}
