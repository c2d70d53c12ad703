//! The audit log: who changed which setting, when, with old and new value.

use rusqlite::{Connection, params};

use crate::Result;

/// One change, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// A change about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewAuditEntry<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

/// Appends `entry` and returns its id.
pub fn record(conn: &Connection, entry: NewAuditEntry<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.old_value,
            entry.new_value
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, at, actor, action, subject, old_value, new_value
         FROM audit_log ORDER BY at DESC, id DESC LIMIT ?1",
    )?;
    let rows = statement.query_map([limit], |row| {
        Ok(AuditEntry {
            id: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject: row.get(4)?,
            old_value: row.get(5)?,
            new_value: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
