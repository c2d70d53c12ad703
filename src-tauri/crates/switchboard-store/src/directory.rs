//! The cached directory of each workspace: its channels and users as Slack last listed them.
//!
//! Sync is incremental: every listed row is upserted with `last_seen_at` = the sync's start
//! and `vanished_at` cleared; once a sync has listed everything, rows it did not see are marked
//! vanished (never deleted, so a mapping to an archived-then-deleted channel still shows a
//! name). The picker reads live rows only, in name order, a window at a time.

use rusqlite::{Connection, Row, params};

use crate::Result;

/// A channel as Slack listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub channel_id: String,
    pub name: String,
    pub is_private: bool,
    pub is_archived: bool,
    pub is_member: bool,
    pub member_count: Option<u32>,
    pub topic: Option<String>,
}

/// A user as Slack listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user_id: String,
    pub name: String,
    pub real_name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub is_deleted: bool,
    pub is_bot: bool,
    pub tz: Option<String>,
    pub avatar_url: Option<String>,
}

/// Upserts one page of channels seen by the sync that started at `seen_at`.
pub fn upsert_channels(
    conn: &Connection,
    team_id: &str,
    channels: &[Channel],
    seen_at: i64,
) -> Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO slack_channel (team_id, channel_id, name, is_private, is_archived, is_member,
                                    member_count, topic, last_seen_at, vanished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)
         ON CONFLICT (team_id, channel_id) DO UPDATE SET
             name = excluded.name, is_private = excluded.is_private,
             is_archived = excluded.is_archived, is_member = excluded.is_member,
             member_count = excluded.member_count, topic = excluded.topic,
             last_seen_at = excluded.last_seen_at, vanished_at = NULL",
    )?;
    for c in channels {
        statement.execute(params![
            team_id,
            c.channel_id,
            c.name,
            c.is_private,
            c.is_archived,
            c.is_member,
            c.member_count,
            c.topic,
            seen_at
        ])?;
    }
    Ok(())
}

/// Upserts one page of users seen by the sync that started at `seen_at`.
pub fn upsert_users(conn: &Connection, team_id: &str, users: &[User], seen_at: i64) -> Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO slack_user (team_id, user_id, name, real_name, display_name, email, is_deleted,
                                 is_bot, tz, avatar_url, last_seen_at, vanished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)
         ON CONFLICT (team_id, user_id) DO UPDATE SET
             name = excluded.name, real_name = excluded.real_name,
             display_name = excluded.display_name, email = excluded.email,
             is_deleted = excluded.is_deleted, is_bot = excluded.is_bot, tz = excluded.tz,
             avatar_url = excluded.avatar_url, last_seen_at = excluded.last_seen_at,
             vanished_at = NULL",
    )?;
    for u in users {
        statement.execute(params![
            team_id,
            u.user_id,
            u.name,
            u.real_name,
            u.display_name,
            u.email,
            u.is_deleted,
            u.is_bot,
            u.tz,
            u.avatar_url,
            seen_at
        ])?;
    }
    Ok(())
}

/// What a completed sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vanished {
    pub channels: u64,
    pub users: u64,
}

/// After a complete sync that started at `seen_at`: marks what it did not see as vanished,
/// and records the sync's time on the workspace.
pub fn finish_sync(conn: &Connection, team_id: &str, seen_at: i64, now: i64) -> Result<Vanished> {
    let channels = conn.execute(
        "UPDATE slack_channel SET vanished_at = ?3
         WHERE team_id = ?1 AND last_seen_at < ?2 AND vanished_at IS NULL",
        params![team_id, seen_at, now],
    )?;
    let users = conn.execute(
        "UPDATE slack_user SET vanished_at = ?3
         WHERE team_id = ?1 AND last_seen_at < ?2 AND vanished_at IS NULL",
        params![team_id, seen_at, now],
    )?;
    conn.execute(
        "UPDATE workspace SET directory_synced_at = ?2 WHERE team_id = ?1",
        params![team_id, now],
    )?;
    conn.execute("DELETE FROM directory_sync WHERE team_id = ?1", [team_id])?;
    Ok(Vanished {
        channels: channels as u64,
        users: users as u64,
    })
}

/// Which of a workspace's two directory lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Channels,
    Users,
}

/// A sync in progress, as last recorded: where each list has got to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    pub started_at: i64,
    pub channels_cursor: Option<String>,
    pub channels_done: bool,
    pub users_cursor: Option<String>,
    pub users_done: bool,
    pub channels: u64,
    pub users: u64,
    pub pages: u32,
}

/// The unfinished sync of `team_id`, if one was interrupted.
pub fn sync_state(conn: &Connection, team_id: &str) -> Result<Option<SyncState>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT started_at, channels_cursor, channels_done, users_cursor, users_done,
                    channels, users, pages
             FROM directory_sync WHERE team_id = ?1",
            [team_id],
            |row| {
                Ok(SyncState {
                    started_at: row.get(0)?,
                    channels_cursor: row.get(1)?,
                    channels_done: row.get(2)?,
                    users_cursor: row.get(3)?,
                    users_done: row.get(4)?,
                    channels: row.get::<_, i64>(5)? as u64,
                    users: row.get::<_, i64>(6)? as u64,
                    pages: row.get(7)?,
                })
            },
        )
        .optional()?)
}

/// Starts recording a sync that began at `started_at` (replacing any unfinished one).
pub fn begin_sync(conn: &Connection, team_id: &str, started_at: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO directory_sync (team_id, started_at, updated_at) VALUES (?1, ?2, ?2)
         ON CONFLICT (team_id) DO UPDATE SET started_at = excluded.started_at,
             channels_cursor = NULL, channels_done = 0, users_cursor = NULL, users_done = 0,
             channels = 0, users = 0, pages = 0, updated_at = excluded.updated_at",
        params![team_id, started_at],
    )?;
    Ok(())
}

/// After a page of `list` was written: the cursor of the next page (`None`: the list is done)
/// and how many rows it held. Runs in the page's own transaction, so the cursor never gets ahead
/// of the rows.
pub fn record_page(
    conn: &Connection,
    team_id: &str,
    list: List,
    next_cursor: Option<&str>,
    rows: u64,
    now: i64,
) -> Result<()> {
    let sql = match list {
        List::Channels => {
            "UPDATE directory_sync SET channels_cursor = ?2, channels_done = ?3,
                 channels = channels + ?4, pages = pages + 1, updated_at = ?5 WHERE team_id = ?1"
        }
        List::Users => {
            "UPDATE directory_sync SET users_cursor = ?2, users_done = ?3,
                 users = users + ?4, pages = pages + 1, updated_at = ?5 WHERE team_id = ?1"
        }
    };
    conn.execute(
        sql,
        params![
            team_id,
            next_cursor,
            next_cursor.is_none(),
            rows as i64,
            now
        ],
    )?;
    Ok(())
}

/// Restarts one list from its first page (Slack no longer accepts its cursor).
pub fn restart_list(conn: &Connection, team_id: &str, list: List) -> Result<()> {
    let sql = match list {
        List::Channels => {
            "UPDATE directory_sync SET channels_cursor = NULL, channels_done = 0 WHERE team_id = ?1"
        }
        List::Users => {
            "UPDATE directory_sync SET users_cursor = NULL, users_done = 0 WHERE team_id = ?1"
        }
    };
    conn.execute(sql, [team_id])?;
    Ok(())
}

/// How many live (not vanished) channels and users a workspace's cache holds.
pub fn counts(conn: &Connection, team_id: &str) -> Result<(u64, u64)> {
    let count = |table: &str| -> Result<u64> {
        Ok(conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE team_id = ?1 AND vanished_at IS NULL"),
            [team_id],
            |row| row.get::<_, i64>(0),
        )? as u64)
    };
    Ok((count("slack_channel")?, count("slack_user")?))
}

/// The live channel `channel` of `team_id`: its id (`C…`) or `#name`.
pub fn find_channel(conn: &Connection, team_id: &str, channel: &str) -> Result<Option<Channel>> {
    use rusqlite::OptionalExtension;
    let (column, value) = match channel.strip_prefix('#') {
        Some(name) => ("name", name),
        None => ("channel_id", channel),
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT channel_id, name, is_private, is_archived, is_member, member_count, topic
             FROM slack_channel WHERE team_id = ?1 AND {column} = ?2 AND vanished_at IS NULL"
        ))?
        .query_row([team_id, value], channel_from_row)
        .optional()?)
}

/// Records that the app is now in channel `channel_id` (it joined).
pub fn mark_member(conn: &Connection, team_id: &str, channel_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE slack_channel SET is_member = 1 WHERE team_id = ?1 AND channel_id = ?2",
        [team_id, channel_id],
    )?;
    Ok(())
}

/// The time zone most of a workspace's people are in (Slack has no workspace time zone).
pub fn common_time_zone(conn: &Connection, team_id: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT tz FROM slack_user WHERE team_id = ?1 AND tz IS NOT NULL AND is_bot = 0
                 AND is_deleted = 0 AND vanished_at IS NULL
             GROUP BY tz ORDER BY count(*) DESC, tz LIMIT 1",
        )?
        .query_row([team_id], |row| row.get(0))
        .optional()?)
}

/// One window of the picker's list and how many rows match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window<T> {
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<T>,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for ch in query.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

fn channel_from_row(row: &Row<'_>) -> rusqlite::Result<Channel> {
    Ok(Channel {
        channel_id: row.get(0)?,
        name: row.get(1)?,
        is_private: row.get(2)?,
        is_archived: row.get(3)?,
        is_member: row.get(4)?,
        member_count: row.get(5)?,
        topic: row.get(6)?,
    })
}

/// Live channels whose name contains `query` (case-insensitive; a leading `#` is ignored), in
/// name order, `limit` rows from `offset`. Archived channels are left out unless asked for.
pub fn search_channels(
    conn: &Connection,
    team_id: &str,
    query: &str,
    include_archived: bool,
    offset: u64,
    limit: u64,
) -> Result<Window<Channel>> {
    let pattern = like_pattern(query.trim().trim_start_matches('#'));
    let filter = "team_id = ?1 AND vanished_at IS NULL AND (?2 OR is_archived = 0)
                  AND (?3 = '%%' OR name LIKE ?3 ESCAPE '\\')";
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM slack_channel WHERE {filter}"
        ))?
        .query_row(params![team_id, include_archived, pattern], |row| {
            row.get(0)
        })?;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT channel_id, name, is_private, is_archived, is_member, member_count, topic
         FROM slack_channel WHERE {filter} ORDER BY name, channel_id LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = statement
        .query_map(
            params![
                team_id,
                include_archived,
                pattern,
                limit as i64,
                offset as i64
            ],
            channel_from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Window {
        total: total as u64,
        offset,
        rows,
    })
}

/// User `user_id` of `team_id` as the directory has them (deactivated ones and bots too), or
/// `None` when the directory does not list them (any more).
pub fn user(conn: &Connection, team_id: &str, user_id: &str) -> Result<Option<User>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT user_id, name, real_name, display_name, email, is_deleted, is_bot, tz,
                    avatar_url
             FROM slack_user WHERE team_id = ?1 AND user_id = ?2 AND vanished_at IS NULL",
        )?
        .query_row([team_id, user_id], |row| {
            Ok(User {
                user_id: row.get(0)?,
                name: row.get(1)?,
                real_name: row.get(2)?,
                display_name: row.get(3)?,
                email: row.get(4)?,
                is_deleted: row.get(5)?,
                is_bot: row.get(6)?,
                tz: row.get(7)?,
                avatar_url: row.get(8)?,
            })
        })
        .optional()?)
}

/// Every user of `team_id` still listed by Slack that has an email address (deactivated ones
/// and bots too: matching says why they cannot be linked), for matching staff by email.
pub fn users_with_email(conn: &Connection, team_id: &str) -> Result<Vec<User>> {
    let mut statement = conn.prepare_cached(
        "SELECT user_id, name, real_name, display_name, email, is_deleted, is_bot, tz, avatar_url
         FROM slack_user
         WHERE team_id = ?1 AND vanished_at IS NULL AND email IS NOT NULL AND email <> ''",
    )?;
    let rows = statement.query_map([team_id], |row| {
        Ok(User {
            user_id: row.get(0)?,
            name: row.get(1)?,
            real_name: row.get(2)?,
            display_name: row.get(3)?,
            email: row.get(4)?,
            is_deleted: row.get(5)?,
            is_bot: row.get(6)?,
            tz: row.get(7)?,
            avatar_url: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Live people (no bots, no deactivated accounts) whose name, real name, display name or
/// email contains `query`, by name.
pub fn search_users(
    conn: &Connection,
    team_id: &str,
    query: &str,
    offset: u64,
    limit: u64,
) -> Result<Window<User>> {
    let pattern = like_pattern(query);
    let filter = "team_id = ?1 AND vanished_at IS NULL AND is_deleted = 0 AND is_bot = 0
                  AND (?2 = '%%' OR name LIKE ?2 ESCAPE '\\' OR real_name LIKE ?2 ESCAPE '\\'
                       OR display_name LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\')";
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM slack_user WHERE {filter}"))?
        .query_row(params![team_id, pattern], |row| row.get(0))?;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT user_id, name, real_name, display_name, email, is_deleted, is_bot, tz, avatar_url
         FROM slack_user WHERE {filter} ORDER BY name, user_id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = statement
        .query_map(
            params![team_id, pattern, limit as i64, offset as i64],
            |row| {
                Ok(User {
                    user_id: row.get(0)?,
                    name: row.get(1)?,
                    real_name: row.get(2)?,
                    display_name: row.get(3)?,
                    email: row.get(4)?,
                    is_deleted: row.get(5)?,
                    is_bot: row.get(6)?,
                    tz: row.get(7)?,
                    avatar_url: row.get(8)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Window {
        total: total as u64,
        offset,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn channel(id: &str, name: &str) -> Channel {
        Channel {
            channel_id: id.into(),
            name: name.into(),
            is_private: false,
            is_archived: false,
            is_member: true,
            member_count: Some(3),
            topic: None,
        }
    }

    fn store_with_workspace() -> Store {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0)",
                [],
            )
            .unwrap();
        store
    }

    #[test]
    fn a_complete_sync_marks_what_it_did_not_see_and_a_later_one_revives_it() {
        let store = store_with_workspace();
        let conn = store.conn();
        upsert_channels(
            conn,
            "T1",
            &[channel("C1", "general"), channel("C2", "random")],
            100,
        )
        .unwrap();
        finish_sync(conn, "T1", 100, 101).unwrap();
        assert_eq!(counts(conn, "T1").unwrap(), (2, 0));

        upsert_channels(conn, "T1", &[channel("C1", "general-renamed")], 200).unwrap();
        let vanished = finish_sync(conn, "T1", 200, 201).unwrap();
        assert_eq!(vanished.channels, 1);
        let live = search_channels(conn, "T1", "", false, 0, 10).unwrap();
        assert_eq!(live.total, 1);
        assert_eq!(live.rows[0].name, "general-renamed");

        upsert_channels(conn, "T1", &[channel("C2", "random")], 300).unwrap();
        assert_eq!(
            counts(conn, "T1").unwrap(),
            (2, 0),
            "seen again: live again"
        );
    }

    #[test]
    fn search_is_case_insensitive_windowed_and_treats_wildcards_literally() {
        let store = store_with_workspace();
        let conn = store.conn();
        let mut page: Vec<Channel> = (0..50)
            .map(|i| channel(&format!("C{i:03}"), &format!("team-{i:02}")))
            .collect();
        page.push(channel("CX1", "100%_done"));
        page.push(channel("CX2", "1000-done"));
        let mut archived = channel("CX3", "team-archive");
        archived.is_archived = true;
        page.push(archived);
        upsert_channels(conn, "T1", &page, 1).unwrap();

        let window = search_channels(conn, "T1", "#TEAM-", false, 10, 5).unwrap();
        assert_eq!(
            window.total, 50,
            "archived channels are left out by default"
        );
        let names: Vec<&str> = window.rows.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["team-10", "team-11", "team-12", "team-13", "team-14"]
        );
        assert_eq!(
            search_channels(conn, "T1", "team-", true, 0, 0)
                .unwrap()
                .total,
            51
        );
        let literal = search_channels(conn, "T1", "%_", false, 0, 10).unwrap();
        assert_eq!(literal.total, 1);
        assert_eq!(literal.rows[0].name, "100%_done");
    }

    #[test]
    fn user_search_matches_any_name_or_email_and_skips_bots_and_deactivated() {
        let store = store_with_workspace();
        let conn = store.conn();
        let person = |id: &str, name: &str, email: &str| User {
            user_id: id.into(),
            name: name.into(),
            real_name: Some(format!("{name} Real")),
            display_name: None,
            email: Some(email.into()),
            is_deleted: false,
            is_bot: false,
            tz: None,
            avatar_url: None,
        };
        let mut bot = person("U3", "deploybot", "");
        bot.is_bot = true;
        let mut gone = person("U4", "ada.old", "ada@old.example");
        gone.is_deleted = true;
        upsert_users(
            conn,
            "T1",
            &[
                person("U1", "ada", "ada@acme.example"),
                person("U2", "grace", "grace@acme.example"),
                bot,
                gone,
            ],
            1,
        )
        .unwrap();
        let found = search_users(conn, "T1", "ACME.EXAMPLE", 0, 10).unwrap();
        assert_eq!(found.total, 2);
        assert_eq!(search_users(conn, "T1", "ada", 0, 10).unwrap().total, 1);
        assert_eq!(search_users(conn, "T1", "", 0, 10).unwrap().total, 2);
    }
}
