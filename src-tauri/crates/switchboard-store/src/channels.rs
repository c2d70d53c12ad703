//! Notification channels: the Slack channels Switchboard posts to, each with its event-kind
//! toggles, an `enabled` switch, the thread-per-object option and the workspace-default flag.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::Result;

/// A notification channel with its toggles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationChannel {
    pub id: i64,
    pub team_id: String,
    pub channel_id: String,
    /// The directory's current name, else the name when it was added.
    pub channel_name: Option<String>,
    /// Private, archived, app a member: as the directory last listed them (`None`: not listed).
    pub is_private: Option<bool>,
    pub is_archived: Option<bool>,
    pub is_member: Option<bool>,
    pub enabled: bool,
    pub thread_per_object: bool,
    pub is_default: bool,
    /// Event kinds switched on, in identifier order.
    pub kinds: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT n.id, n.team_id, n.channel_id, coalesce(c.name, n.channel_name),
        c.is_private, c.is_archived, c.is_member, n.enabled, n.thread_per_object, n.is_default,
        (SELECT group_concat(event_kind, ',') FROM
            (SELECT event_kind FROM notification_toggle t
             WHERE t.notification_channel_id = n.id AND t.enabled = 1 ORDER BY event_kind)),
        n.created_at, n.updated_at
    FROM notification_channel n
    LEFT JOIN slack_channel c ON c.team_id = n.team_id AND c.channel_id = n.channel_id
        AND c.vanished_at IS NULL";

fn from_row(row: &Row<'_>) -> rusqlite::Result<NotificationChannel> {
    let kinds: Option<String> = row.get(10)?;
    Ok(NotificationChannel {
        id: row.get(0)?,
        team_id: row.get(1)?,
        channel_id: row.get(2)?,
        channel_name: row.get(3)?,
        is_private: row.get(4)?,
        is_archived: row.get(5)?,
        is_member: row.get(6)?,
        enabled: row.get(7)?,
        thread_per_object: row.get(8)?,
        is_default: row.get(9)?,
        kinds: kinds
            .map(|k| k.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
    })
}

/// Every notification channel, by workspace and name.
pub fn list(conn: &Connection) -> Result<Vec<NotificationChannel>> {
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT} ORDER BY n.team_id, coalesce(c.name, n.channel_name, n.channel_id), n.id"
    ))?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One notification channel.
pub fn get(conn: &Connection, id: i64) -> Result<Option<NotificationChannel>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE n.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The notification channel for Slack channel `channel_id` of `team_id`, if there is one.
pub fn find(conn: &Connection, team_id: &str, channel_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM notification_channel WHERE team_id = ?1 AND channel_id = ?2",
            params![team_id, channel_id],
            |row| row.get(0),
        )
        .optional()?)
}

/// A channel about to be added.
#[derive(Debug, Clone)]
pub struct NewChannel<'a> {
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub channel_name: Option<&'a str>,
    pub kinds: &'a [&'a str],
    pub thread_per_object: bool,
    pub now: i64,
}

/// Adds a channel with `kinds` switched on; returns its id.
pub fn insert(conn: &Connection, new: &NewChannel<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO notification_channel (team_id, channel_id, channel_name, enabled,
             thread_per_object, created_at, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)",
        params![
            new.team_id,
            new.channel_id,
            new.channel_name,
            new.thread_per_object,
            new.now
        ],
    )?;
    let id = conn.last_insert_rowid();
    for kind in new.kinds {
        set_kind(conn, id, kind, true, new.now)?;
    }
    Ok(id)
}

/// Switches `kind` on or off for channel `id`.
pub fn set_kind(conn: &Connection, id: i64, kind: &str, on: bool, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO notification_toggle (notification_channel_id, event_kind, enabled)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (notification_channel_id, event_kind) DO UPDATE SET enabled = excluded.enabled",
        params![id, kind, on],
    )?;
    touch(conn, id, now)
}

fn touch(conn: &Connection, id: i64, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE notification_channel SET updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Enables or disables channel `id` as a whole.
pub fn set_enabled(conn: &Connection, id: i64, enabled: bool, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE notification_channel SET enabled = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, enabled, now],
    )?;
    Ok(())
}

/// Turns threads per business object on or off for channel `id`.
pub fn set_thread_per_object(conn: &Connection, id: i64, on: bool, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE notification_channel SET thread_per_object = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, on, now],
    )?;
    Ok(())
}

/// Makes channel `id` its workspace's default (or not); a workspace has at most one.
pub fn set_default(conn: &Connection, id: i64, on: bool, now: i64) -> Result<()> {
    if on {
        conn.execute(
            "UPDATE notification_channel SET is_default = 0, updated_at = ?2
             WHERE is_default = 1 AND id != ?1
               AND team_id = (SELECT team_id FROM notification_channel WHERE id = ?1)",
            params![id, now],
        )?;
    }
    conn.execute(
        "UPDATE notification_channel SET is_default = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, on, now],
    )?;
    Ok(())
}

/// Removes channel `id` with its toggles and project assignments; its past deliveries keep
/// the channel's id and name in their own rows.
pub fn remove(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.execute("DELETE FROM notification_channel WHERE id = ?1", [id])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn channels_keep_their_toggles_and_one_default_per_workspace() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at)
                 VALUES ('T1', 'C1', 'sales', 0);",
        )
        .unwrap();
        let sales = insert(
            conn,
            &NewChannel {
                team_id: "T1",
                channel_id: "C1",
                channel_name: Some("sales-old"),
                kinds: &["invoice.sent", "client.created"],
                thread_per_object: true,
                now: 5,
            },
        )
        .unwrap();
        let ops = insert(
            conn,
            &NewChannel {
                team_id: "T1",
                channel_id: "C2",
                channel_name: Some("ops"),
                kinds: &[],
                thread_per_object: false,
                now: 6,
            },
        )
        .unwrap();
        set_kind(conn, sales, "invoice.sent", false, 7).unwrap();
        set_kind(conn, sales, "payment.received", true, 7).unwrap();
        set_default(conn, sales, true, 8).unwrap();
        set_default(conn, ops, true, 9).unwrap();
        let all = list(conn).unwrap();
        assert_eq!(all.len(), 2);
        let sales_row = all.iter().find(|c| c.id == sales).unwrap();
        assert_eq!(
            sales_row.channel_name.as_deref(),
            Some("sales"),
            "the directory's name wins"
        );
        assert_eq!(sales_row.kinds, ["client.created", "payment.received"]);
        assert!(
            !sales_row.is_default,
            "setting another default clears this one"
        );
        let ops_row = get(conn, ops).unwrap().unwrap();
        assert_eq!(ops_row.channel_name.as_deref(), Some("ops"));
        assert!(ops_row.is_default && !ops_row.thread_per_object);
        assert_eq!(find(conn, "T1", "C2").unwrap(), Some(ops));
        assert!(remove(conn, sales).unwrap());
        let toggles: i64 = conn
            .query_row("SELECT count(*) FROM notification_toggle", [], |r| r.get(0))
            .unwrap();
        assert_eq!(toggles, 0, "toggles go with their channel");
    }
}
