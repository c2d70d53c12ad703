//! What the owner set for people and escalations, as routing and rendering read it: staff
//! names, message templates and escalation rules.

use rusqlite::{Connection, OptionalExtension};

use crate::Result;

/// The name of the active staff member with `email` (case-insensitive).
pub fn active_staff_name(conn: &Connection, email: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM staff WHERE email = ?1 COLLATE NOCASE AND active = 1")?
        .query_row([email], |row| row.get(0))
        .optional()?)
}

/// The template body the owner wrote for `purpose` (an event kind) under `name`.
pub fn template(conn: &Connection, purpose: &str, name: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT body FROM template WHERE purpose = ?1 AND name = ?2")?
        .query_row([purpose, name], |row| row.get(0))
        .optional()?)
}

/// An escalation rule: whether Slack is used for the kind, for whom, and whether it is urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationRule {
    /// Whether the kind goes to Slack at all (the "Messenger" option).
    pub slack: bool,
    /// A direct message to the member the escalation is about.
    pub member: bool,
    /// A direct message to their manager.
    pub manager: bool,
    /// A post in the project's channel (project escalations).
    pub project_channel: bool,
    /// Delivered at once, even outside working hours.
    pub urgent: bool,
    pub updated_at: i64,
}

/// The newest rule for escalation kind `kind`, if the owner set one.
pub fn escalation_rule(conn: &Connection, kind: &str) -> Result<Option<EscalationRule>> {
    Ok(conn
        .prepare_cached(
            "SELECT to_messenger, dm_staff, dm_manager, post_to_project_channel, urgent, updated_at
             FROM escalation_rule WHERE kind = ?1 ORDER BY updated_at DESC, id DESC LIMIT 1",
        )?
        .query_row([kind], |row| {
            Ok(EscalationRule {
                slack: row.get(0)?,
                member: row.get(1)?,
                manager: row.get(2)?,
                project_channel: row.get(3)?,
                urgent: row.get(4)?,
                updated_at: row.get(5)?,
            })
        })
        .optional()?)
}

/// Sets the rule for escalation kind `kind` (one rule per kind: older ones are removed).
pub fn set_escalation_rule(conn: &Connection, kind: &str, rule: &EscalationRule) -> Result<()> {
    conn.prepare_cached("DELETE FROM escalation_rule WHERE kind = ?1")?
        .execute([kind])?;
    conn.prepare_cached(
        "INSERT INTO escalation_rule (kind, to_messenger, dm_staff, dm_manager,
             post_to_project_channel, urgent, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        kind,
        rule.slack,
        rule.member,
        rule.manager,
        rule.project_channel,
        rule.urgent,
        rule.updated_at
    ])?;
    Ok(())
}

/// Saves the owner's template body for `purpose` under `name`, or removes it (`None`: the
/// default wording is used again). Returns the body it replaced.
pub fn set_template(
    conn: &Connection,
    purpose: &str,
    name: &str,
    body: Option<&str>,
    now: i64,
) -> Result<Option<String>> {
    let before = template(conn, purpose, name)?;
    match body {
        Some(body) => {
            conn.prepare_cached(
                "INSERT INTO template (purpose, name, body, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (purpose, name) DO UPDATE SET body = excluded.body,
                     updated_at = excluded.updated_at",
            )?
            .execute(rusqlite::params![purpose, name, body, now])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM template WHERE purpose = ?1 AND name = ?2")?
                .execute([purpose, name])?;
        }
    }
    Ok(before)
}

/// Every template the owner wrote under `name`: (purpose, body).
pub fn templates(conn: &Connection, name: &str) -> Result<Vec<(String, String)>> {
    Ok(conn
        .prepare_cached("SELECT purpose, body FROM template WHERE name = ?1 ORDER BY purpose")?
        .query_map([name], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}
