//! Projects of the business application, and the channel each is assigned.

use rusqlite::{Connection, OptionalExtension, Row};

use crate::Result;

/// A project with its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub client_name: Option<String>,
    pub archived: bool,
    /// The notification channel it is assigned, if any.
    pub channel: Option<i64>,
}

const SELECT: &str = "SELECT p.id, p.external_id, p.name, p.client_name, p.archived,
        (SELECT notification_channel_id FROM project_channel pc WHERE pc.project_id = p.id)
    FROM project p";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: row.get(0)?,
        external_id: row.get(1)?,
        name: row.get(2)?,
        client_name: row.get(3)?,
        archived: row.get(4)?,
        channel: row.get(5)?,
    })
}

/// The project whose external id is `external_id`.
pub fn by_external_id(conn: &Connection, external_id: &str) -> Result<Option<Project>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE p.external_id = ?1"))?
        .query_row([external_id], from_row)
        .optional()?)
}
