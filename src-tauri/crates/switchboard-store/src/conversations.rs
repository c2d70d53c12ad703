//! What linked staff members write to the app in Slack, kept for the Messages view.

use rusqlite::{Connection, params};

use crate::Result;

/// A message a staff member wrote, about to be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffMessage<'a> {
    pub staff_id: i64,
    pub team_id: &'a str,
    pub slack_user_id: &'a str,
    pub channel_id: &'a str,
    pub ts: &'a str,
    pub text: &'a str,
    /// `[{"name", "size", "filetype", "mimetype", "accepted"}]`, when files came with it.
    pub files_json: Option<&'a str>,
    pub received_at: i64,
}

/// A kept message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMessage {
    pub id: i64,
    pub staff_id: i64,
    pub team_id: String,
    pub slack_user_id: String,
    pub channel_id: String,
    pub ts: String,
    pub text: String,
    pub files_json: Option<String>,
    pub received_at: i64,
    pub read_at: Option<i64>,
}

/// Keeps `message`; `None` when it was kept before (Slack's `ts` in its channel is unique).
pub fn record(conn: &Connection, message: &NewStaffMessage<'_>) -> Result<Option<i64>> {
    let changed = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO staff_message (staff_id, team_id, slack_user_id, channel_id,
                 ts, text, files_json, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            message.staff_id,
            message.team_id,
            message.slack_user_id,
            message.channel_id,
            message.ts,
            message.text,
            message.files_json,
            message.received_at
        ])?;
    Ok((changed == 1).then(|| conn.last_insert_rowid()))
}

const COLUMNS: &str = "id, staff_id, team_id, slack_user_id, channel_id, ts, text, files_json, \
                       received_at, read_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffMessage> {
    Ok(StaffMessage {
        id: r.get(0)?,
        staff_id: r.get(1)?,
        team_id: r.get(2)?,
        slack_user_id: r.get(3)?,
        channel_id: r.get(4)?,
        ts: r.get(5)?,
        text: r.get(6)?,
        files_json: r.get(7)?,
        received_at: r.get(8)?,
        read_at: r.get(9)?,
    })
}

/// What member `staff_id` wrote, newest first, `limit` at most, before id `before`.
pub fn of_staff(
    conn: &Connection,
    staff_id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<StaffMessage>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM staff_message WHERE staff_id = ?1 AND id < ?2
         ORDER BY id DESC LIMIT ?3"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(
        params![staff_id, before.unwrap_or(i64::MAX), limit],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks what member `staff_id` wrote as read; returns how many were unread.
pub fn mark_read(conn: &Connection, staff_id: i64, now: i64) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "UPDATE staff_message SET read_at = ?2 WHERE staff_id = ?1 AND read_at IS NULL",
        )?
        .execute(params![staff_id, now])? as u64)
}

/// Unread messages per member (only members with some), and their newest message's time.
pub fn unread(conn: &Connection) -> Result<Vec<(i64, u32, i64)>> {
    let mut statement = conn.prepare_cached(
        "SELECT staff_id, count(*), max(received_at) FROM staff_message
         WHERE read_at IS NULL GROUP BY staff_id ORDER BY max(received_at) DESC",
    )?;
    let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
