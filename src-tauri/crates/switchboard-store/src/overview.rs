//! Counts of what the console holds, one query, so each view knows whether it is empty and
//! what the person should do first.

use rusqlite::Connection;

use crate::Result;

/// How many of each thing the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Workspaces not disconnected (healthy or needing a reconnect).
    pub workspaces: u32,
    pub workspaces_needing_attention: u32,
    pub directory_channels: u32,
    pub notification_channels: u32,
    pub projects: u32,
    pub staff: u32,
    /// Active members with a working connection (the colour logo: see `staff::State`).
    pub linked_staff: u32,
    pub templates: u32,
    pub events: u32,
    pub outbox_pending: u32,
    pub outbox_failed: u32,
    pub audit_entries: u32,
}

/// Counts everything in one round trip.
pub fn counts(conn: &Connection) -> Result<Counts> {
    Ok(conn.query_row(
        "SELECT
            (SELECT count(*) FROM workspace WHERE status <> 'disabled'),
            (SELECT count(*) FROM workspace WHERE status = 'needs_reconnect'),
            (SELECT count(*) FROM slack_channel WHERE vanished_at IS NULL),
            (SELECT count(*) FROM notification_channel),
            (SELECT count(*) FROM project WHERE archived = 0),
            (SELECT count(*) FROM staff WHERE active = 1),
            (SELECT count(DISTINCT l.staff_id) FROM staff_slack_link l
             JOIN staff s ON s.id = l.staff_id AND s.active = 1
             JOIN workspace w ON w.team_id = l.team_id AND w.status = 'connected'
             LEFT JOIN slack_user u ON u.team_id = l.team_id AND u.user_id = l.slack_user_id
             WHERE l.enabled = 1 AND coalesce(u.is_deleted, 0) = 0 AND u.vanished_at IS NULL),
            (SELECT count(*) FROM template),
            (SELECT count(*) FROM event),
            (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending', 'held')),
            (SELECT count(*) FROM outbox WHERE state = 'failed'),
            (SELECT count(*) FROM audit_log)",
        [],
        |row| {
            Ok(Counts {
                workspaces: row.get(0)?,
                workspaces_needing_attention: row.get(1)?,
                directory_channels: row.get(2)?,
                notification_channels: row.get(3)?,
                projects: row.get(4)?,
                staff: row.get(5)?,
                linked_staff: row.get(6)?,
                templates: row.get(7)?,
                events: row.get(8)?,
                outbox_pending: row.get(9)?,
                outbox_failed: row.get(10)?,
                audit_entries: row.get(11)?,
            })
        },
    )?)
}

/// What another process may have changed, in a few indexed lookups: the workspaces (count and
/// last update, and the workspace updated last), the settings (every change is audited), the
/// events received, and the outbox (newest message, and the state of what waits, is held, has
/// failed or was discarded). Two equal fingerprints mean nothing the console shows changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    pub workspaces: (i64, i64),
    pub workspace_updated_last: Option<String>,
    pub settings: i64,
    pub newest_event: i64,
    pub outbox: [i64; 7],
    /// The newest decision.
    pub newest_decision: i64,
    /// The newest staff message, its member, and how many are unread.
    pub staff_messages: (i64, i64, i64),
}

/// The store's [`Fingerprint`] now.
pub fn fingerprint(conn: &Connection) -> Result<Fingerprint> {
    Ok(conn
        .prepare_cached(
            "SELECT
                (SELECT count(*) FROM workspace),
                (SELECT coalesce(max(updated_at), 0) FROM workspace),
                (SELECT team_id FROM workspace ORDER BY updated_at DESC LIMIT 1),
                (SELECT coalesce(max(id), 0) FROM audit_log),
                (SELECT coalesce(max(id), 0) FROM event),
                (SELECT coalesce(max(id), 0) FROM outbox),
                (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')),
                (SELECT coalesce(sum(attempts), 0) FROM outbox
                 WHERE state IN ('pending', 'sending')),
                (SELECT coalesce(max(updated_at), 0) FROM outbox
                 WHERE state IN ('pending', 'sending')),
                (SELECT count(*) FROM outbox WHERE state = 'held'),
                (SELECT count(*) FROM outbox WHERE state = 'failed'),
                (SELECT count(*) FROM outbox WHERE state = 'discarded'),
                (SELECT coalesce(max(id), 0) FROM decision),
                (SELECT coalesce(max(id), 0) FROM staff_message),
                (SELECT coalesce(staff_id, 0) FROM staff_message ORDER BY id DESC LIMIT 1),
                (SELECT count(*) FROM staff_message WHERE read_at IS NULL)",
        )?
        .query_row([], |row| {
            Ok(Fingerprint {
                workspaces: (row.get(0)?, row.get(1)?),
                workspace_updated_last: row.get(2)?,
                settings: row.get(3)?,
                newest_event: row.get(4)?,
                outbox: [
                    row.get(5)?,
                    row.get(6)?,
                    row.get(7)?,
                    row.get(8)?,
                    row.get(9)?,
                    row.get(10)?,
                    row.get(11)?,
                ],
                newest_decision: row.get(12)?,
                staff_messages: (
                    row.get(13)?,
                    row.get::<_, Option<i64>>(14)?.unwrap_or(0),
                    row.get(15)?,
                ),
            })
        })?)
}
