//! Staff members of the business application and their Slack connections: one page of the list
//! (searched, filtered by connection state, in name order), one member by id or email, adding,
//! editing, deactivating, an import's rows in the caller's transaction, and each member's links
//! to Slack users (per workspace) with the switch an admin flips (`enabled`, the logo).
//!
//! A member's **connection state** is worked out here, in SQL, so the list can filter 10,000
//! members by it without reading them all: from the member's best link (enabled first, then a
//! connected workspace, then a live Slack user, then the newest) — see [`State`].

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::Result;

/// Where a member's Slack connection stands: the first that applies, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Enabled, the workspace connected, the Slack user live: messages are sent (colour logo).
    Connected,
    /// Deactivated in the business application: nothing is sent.
    Inactive,
    /// No Slack user is linked.
    NotLinked,
    /// An admin switched the connection off.
    SwitchedOff,
    /// The linked Slack user is deactivated (or gone from the workspace).
    SlackUserDeactivated,
    /// The link's workspace needs reconnecting: messages wait.
    WorkspaceNeedsReconnect,
    /// The link's workspace was disconnected.
    WorkspaceDisconnected,
}

impl State {
    pub const ALL: &'static [State] = &[
        State::Connected,
        State::Inactive,
        State::NotLinked,
        State::SwitchedOff,
        State::SlackUserDeactivated,
        State::WorkspaceNeedsReconnect,
        State::WorkspaceDisconnected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Connected => "connected",
            State::Inactive => "inactive",
            State::NotLinked => "not_linked",
            State::SwitchedOff => "switched_off",
            State::SlackUserDeactivated => "slack_user_deactivated",
            State::WorkspaceNeedsReconnect => "workspace_needs_reconnect",
            State::WorkspaceDisconnected => "workspace_disconnected",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.iter().copied().find(|s| s.as_str() == code)
    }
}

/// A member's working hours: direct messages that arrive outside them wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    /// Weekdays as bits, Monday = 1 … Sunday = 64.
    pub days: u8,
    /// Minutes after midnight.
    pub start: u16,
    pub end: u16,
    /// `None`: the member's Slack time zone.
    pub time_zone: Option<String>,
}

impl Default for Hours {
    /// 08:00–18:00, Monday to Friday, in the member's Slack time zone.
    fn default() -> Hours {
        Hours {
            days: 0b001_1111,
            start: 8 * 60,
            end: 18 * 60,
            time_zone: None,
        }
    }
}

/// A member's link to a Slack user in one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub team_id: String,
    pub team_name: Option<String>,
    /// `connected`, `needs_reconnect` or `disabled`.
    pub workspace_status: String,
    pub slack_user_id: String,
    /// The Slack user's display name, else real name, else handle (as the directory has it).
    pub user_name: Option<String>,
    pub user_email: Option<String>,
    pub user_deleted: bool,
    pub user_tz: Option<String>,
    pub enabled: bool,
    /// `app` (the app's DM with the member) or `channel` (a channel they chose).
    pub dm_choice: String,
    pub dm_channel_id: Option<String>,
    pub dm_channel_name: Option<String>,
    /// `email_match`, `manual` or `sign_in`.
    pub linked_by: String,
    pub linked_at: i64,
    pub switched_at: Option<i64>,
    pub switched_by: Option<String>,
}

/// A staff member with their best link and connection state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    /// `owner`, `admin`, `manager` or `staff`.
    pub role: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub hours: Hours,
    /// What the last automatic link found for the member while unlinked (`no_email`,
    /// `no_match`, `several`, `deactivated`), and its detail.
    pub match_state: Option<String>,
    pub match_detail: Option<String>,
    pub link: Option<Link>,
    /// How many workspaces the member is linked in.
    pub links: u32,
    pub state: State,
}

/// The member's best link: enabled first, then a connected workspace, then a live user, then
/// the newest.
const BEST_LINK: &str = "(SELECT b.rowid FROM staff_slack_link b
        JOIN workspace bw ON bw.team_id = b.team_id
        LEFT JOIN slack_user bu ON bu.team_id = b.team_id AND bu.user_id = b.slack_user_id
        WHERE b.staff_id = s.id
        ORDER BY b.enabled DESC, bw.status = 'connected' DESC,
                 coalesce(bu.is_deleted = 0 AND bu.vanished_at IS NULL, 1) DESC,
                 b.linked_at DESC
        LIMIT 1)";

/// The state, as [`State`] orders its causes.
const STATE: &str = "CASE
        WHEN s.active = 0 THEN 'inactive'
        WHEN l.staff_id IS NULL THEN 'not_linked'
        WHEN l.enabled = 0 THEN 'switched_off'
        WHEN u.is_deleted = 1 OR u.vanished_at IS NOT NULL THEN 'slack_user_deactivated'
        WHEN w.status = 'needs_reconnect' THEN 'workspace_needs_reconnect'
        WHEN w.status <> 'connected' THEN 'workspace_disconnected'
        ELSE 'connected' END";

fn select() -> String {
    format!(
        "SELECT s.id, s.external_id, s.name, s.email, s.role, s.manager_id, m.name, s.active,
            s.created_at, s.updated_at, s.work_days, s.work_start, s.work_end, s.work_time_zone,
            s.match_state, s.match_detail,
            (SELECT count(*) FROM staff_slack_link c WHERE c.staff_id = s.id),
            {STATE} AS state,
            l.team_id, w.name, w.status, l.slack_user_id,
            coalesce(nullif(u.display_name, ''), nullif(u.real_name, ''), u.name), u.email,
            coalesce(u.is_deleted = 1 OR u.vanished_at IS NOT NULL, 0), u.tz,
            l.enabled, l.dm_choice, l.dm_channel_id, l.dm_channel_name, l.linked_by,
            l.linked_at, l.switched_at, l.switched_by
         FROM staff s
         LEFT JOIN staff m ON m.id = s.manager_id
         LEFT JOIN staff_slack_link l ON l.rowid = {BEST_LINK}
         LEFT JOIN workspace w ON w.team_id = l.team_id
         LEFT JOIN slack_user u ON u.team_id = l.team_id AND u.user_id = l.slack_user_id"
    )
}

fn link_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<Link>> {
    let Some(team_id) = row.get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    Ok(Some(Link {
        team_id,
        team_name: row.get(at + 1)?,
        workspace_status: row
            .get::<_, Option<String>>(at + 2)?
            .unwrap_or_else(|| "disabled".into()),
        slack_user_id: row.get(at + 3)?,
        user_name: row.get(at + 4)?,
        user_email: row.get(at + 5)?,
        user_deleted: row.get(at + 6)?,
        user_tz: row.get(at + 7)?,
        enabled: row.get(at + 8)?,
        dm_choice: row.get(at + 9)?,
        dm_channel_id: row.get(at + 10)?,
        dm_channel_name: row.get(at + 11)?,
        linked_by: row.get(at + 12)?,
        linked_at: row.get(at + 13)?,
        switched_at: row.get(at + 14)?,
        switched_by: row.get(at + 15)?,
    }))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Member> {
    let state: String = row.get(17)?;
    Ok(Member {
        id: row.get(0)?,
        external_id: row.get(1)?,
        name: row.get(2)?,
        email: row.get(3)?,
        role: row.get(4)?,
        manager_id: row.get(5)?,
        manager_name: row.get(6)?,
        active: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        hours: Hours {
            days: row.get(10)?,
            start: row.get(11)?,
            end: row.get(12)?,
            time_zone: row.get(13)?,
        },
        match_state: row.get(14)?,
        match_detail: row.get(15)?,
        links: row.get(16)?,
        state: State::parse(&state).unwrap_or(State::NotLinked),
        link: link_from(row, 18)?,
    })
}

/// Member `id`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Member>> {
    Ok(conn
        .prepare_cached(&format!("{} WHERE s.id = ?1", select()))?
        .query_row([id], from_row)
        .optional()?)
}

/// Whether member `id` exists.
pub fn exists(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM staff WHERE id = ?1)")?
        .query_row([id], |row| row.get(0))?)
}

/// Members whose email is `email` (ASCII case ignored), active ones first, then oldest.
pub fn by_email(conn: &Connection, email: &str) -> Result<Vec<Member>> {
    let mut statement = conn.prepare_cached(&format!(
        "{} WHERE s.email = ?1 COLLATE NOCASE ORDER BY s.active DESC, s.id",
        select()
    ))?;
    let rows = statement.query_map([email], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The member whose external id is `external_id`.
pub fn by_external_id(conn: &Connection, external_id: &str) -> Result<Option<Member>> {
    Ok(conn
        .prepare_cached(&format!("{} WHERE s.external_id = ?1", select()))?
        .query_row([external_id], from_row)
        .optional()?)
}

/// Which members a page shows, by connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    #[default]
    All,
    /// Colour logos.
    Connected,
    /// Grey logos.
    NotConnected,
    /// Not linked, and the last automatic link found no usable Slack user.
    NoMatch,
    /// Linked but not working for a reason an admin should look at (a deactivated Slack user,
    /// a workspace to reconnect), or several Slack users share the member's email.
    NeedsAttention,
}

impl Show {
    fn condition(self) -> &'static str {
        match self {
            Show::All => "1",
            Show::Connected => "state = 'connected'",
            Show::NotConnected => "state <> 'connected'",
            Show::NoMatch => "state = 'not_linked' AND s.match_state IS NOT NULL",
            Show::NeedsAttention => {
                "(state IN ('slack_user_deactivated', 'workspace_needs_reconnect',
                            'workspace_disconnected')
                  OR (state = 'not_linked' AND s.match_state IN ('several', 'deactivated')))"
            }
        }
    }
}

/// Which members one page of the list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// Only members whose name, email or external id contains this (ASCII case ignored).
    pub search: Option<&'a str>,
    pub show: Show,
    /// Deactivated members too.
    pub include_inactive: bool,
    pub offset: u64,
    pub limit: u64,
}

/// One page of members, how many match the filter, and how many of those are connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub total: u64,
    pub connected: u64,
    pub rows: Vec<Member>,
}

/// One page of members in name order (ASCII case ignored, then oldest first).
pub fn list(conn: &Connection, filter: &Filter<'_>) -> Result<Page> {
    let search = filter
        .search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::projects::like_pattern);
    let matches = format!(
        "(?1 OR s.active = 1)
         AND (?2 IS NULL OR s.name LIKE ?2 ESCAPE '\\' OR s.email LIKE ?2 ESCAPE '\\'
              OR s.external_id LIKE ?2 ESCAPE '\\')
         AND {show}",
        show = filter.show.condition(),
    );
    let base = select();
    let (total, connected): (i64, i64) = conn
        .prepare_cached(&format!(
            "SELECT count(*), coalesce(sum(state = 'connected'), 0)
             FROM ({base} WHERE {matches})"
        ))?
        .query_row(params![filter.include_inactive, search], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let mut statement = conn.prepare_cached(&format!(
        "{base} WHERE {matches} ORDER BY s.name COLLATE NOCASE, s.id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = statement
        .query_map(
            params![
                filter.include_inactive,
                search,
                i64::try_from(filter.limit).unwrap_or(i64::MAX),
                i64::try_from(filter.offset).unwrap_or(i64::MAX),
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Page {
        total: u64::try_from(total).unwrap_or(0),
        connected: u64::try_from(connected).unwrap_or(0),
        rows,
    })
}

/// Every link of member `staff_id`, best first.
pub fn links(conn: &Connection, staff_id: i64) -> Result<Vec<Link>> {
    let mut statement = conn.prepare_cached(
        "SELECT l.team_id, w.name, w.status, l.slack_user_id,
            coalesce(nullif(u.display_name, ''), nullif(u.real_name, ''), u.name), u.email,
            coalesce(u.is_deleted = 1 OR u.vanished_at IS NOT NULL, 0), u.tz,
            l.enabled, l.dm_choice, l.dm_channel_id, l.dm_channel_name, l.linked_by,
            l.linked_at, l.switched_at, l.switched_by
         FROM staff_slack_link l
         JOIN workspace w ON w.team_id = l.team_id
         LEFT JOIN slack_user u ON u.team_id = l.team_id AND u.user_id = l.slack_user_id
         WHERE l.staff_id = ?1
         ORDER BY l.enabled DESC, w.status = 'connected' DESC, l.linked_at DESC",
    )?;
    let rows = statement.query_map([staff_id], |row| {
        Ok(link_from(row, 0)?.expect("team_id is NOT NULL"))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A member's own fields, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    pub external_id: Option<&'a str>,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub manager_id: Option<i64>,
    pub active: bool,
}

/// Adds a member; returns their id.
pub fn insert(conn: &Connection, fields: &Fields<'_>, now: i64) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO staff (external_id, name, email, role, manager_id, active, created_at,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        fields.external_id,
        fields.name,
        fields.email,
        fields.role,
        fields.manager_id,
        fields.active,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces member `id`'s fields; `false` when there is no such member. A changed email
/// forgets what the last automatic link found.
pub fn update(conn: &Connection, id: i64, fields: &Fields<'_>, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE staff SET external_id = ?2, name = ?3, email = ?4, role = ?5,
                 manager_id = ?6, active = ?7, updated_at = ?8,
                 match_state = CASE WHEN email IS ?4 THEN match_state END,
                 match_detail = CASE WHEN email IS ?4 THEN match_detail END
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            fields.external_id,
            fields.name,
            fields.email,
            fields.role,
            fields.manager_id,
            fields.active,
            now
        ])?;
    Ok(changed > 0)
}

/// Whether setting `manager_id` as `id`'s manager would make a circle (someone managing
/// themselves through others).
pub fn manages_through(conn: &Connection, id: i64, manager_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "WITH RECURSIVE up(id, n) AS (
                 SELECT ?2, 0
                 UNION SELECT s.manager_id, up.n + 1 FROM staff s JOIN up ON s.id = up.id
                 WHERE s.manager_id IS NOT NULL AND up.n < 10000)
             SELECT EXISTS (SELECT 1 FROM up WHERE id = ?1)",
        )?
        .query_row(params![id, manager_id], |row| row.get(0))?)
}

/// Sets member `id`'s working hours.
pub fn set_hours(conn: &Connection, id: i64, hours: &Hours, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE staff SET work_days = ?2, work_start = ?3, work_end = ?4,
                 work_time_zone = ?5, updated_at = ?6
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            hours.days,
            hours.start,
            hours.end,
            hours.time_zone,
            now
        ])?;
    Ok(changed > 0)
}

/// Records what the last automatic link found for member `id` (`None`: nothing to report).
pub fn set_match(
    conn: &Connection,
    id: i64,
    state: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    conn.prepare_cached("UPDATE staff SET match_state = ?2, match_detail = ?3 WHERE id = ?1")?
        .execute(params![id, state, detail])?;
    Ok(())
}

/// How a member was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedBy {
    EmailMatch,
    Manual,
    SignIn,
}

impl LinkedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkedBy::EmailMatch => "email_match",
            LinkedBy::Manual => "manual",
            LinkedBy::SignIn => "sign_in",
        }
    }
}

/// The names of active members with one of `roles`, by name.
pub fn names_with_roles(conn: &Connection, roles: &[&str]) -> Result<Vec<String>> {
    let mut statement =
        conn.prepare_cached("SELECT name, role FROM staff WHERE active = 1 ORDER BY name")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut names = Vec::new();
    for row in rows {
        let (name, role) = row?;
        if roles.contains(&role.as_str()) {
            names.push(name);
        }
    }
    Ok(names)
}

/// The member linked to Slack user `user_id` in `team_id`, if any.
pub fn linked_to(conn: &Connection, team_id: &str, user_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT staff_id FROM staff_slack_link WHERE team_id = ?1 AND slack_user_id = ?2",
        )?
        .query_row([team_id, user_id], |row| row.get(0))
        .optional()?)
}

/// Links member `staff_id` to Slack user `user_id` in `team_id` (replacing their link in that
/// workspace: a new user forgets the cached DM channel, the same one keeps it). The link starts
/// enabled, unless it replaces one an admin switched off. The caller checks the user is not
/// linked to someone else.
pub fn link(
    conn: &Connection,
    staff_id: i64,
    team_id: &str,
    user_id: &str,
    by: LinkedBy,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO staff_slack_link (staff_id, team_id, slack_user_id, linked_by, linked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (staff_id, team_id) DO UPDATE SET
             dm_channel_id = CASE WHEN slack_user_id = excluded.slack_user_id
                                  OR dm_choice = 'channel' THEN dm_channel_id END,
             dm_channel_name = CASE WHEN slack_user_id = excluded.slack_user_id
                                    OR dm_choice = 'channel' THEN dm_channel_name END,
             slack_user_id = excluded.slack_user_id,
             linked_by = excluded.linked_by,
             linked_at = excluded.linked_at",
    )?
    .execute(params![staff_id, team_id, user_id, by.as_str(), now])?;
    conn.prepare_cached(
        "UPDATE staff SET match_state = NULL, match_detail = NULL, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![staff_id, now])?;
    Ok(())
}

/// Removes member `staff_id`'s link in `team_id` (every link: `None`); how many were removed.
pub fn unlink(conn: &Connection, staff_id: i64, team_id: Option<&str>, now: i64) -> Result<u64> {
    let removed = conn
        .prepare_cached(
            "DELETE FROM staff_slack_link WHERE staff_id = ?1 AND (?2 IS NULL OR team_id = ?2)",
        )?
        .execute(params![staff_id, team_id])?;
    conn.prepare_cached("UPDATE staff SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![staff_id, now])?;
    Ok(removed as u64)
}

/// Switches every link of member `staff_id` on or off; how many changed.
pub fn set_enabled(
    conn: &Connection,
    staff_id: i64,
    enabled: bool,
    by: &str,
    now: i64,
) -> Result<u64> {
    let changed = conn
        .prepare_cached(
            "UPDATE staff_slack_link SET enabled = ?2, switched_at = ?3, switched_by = ?4
             WHERE staff_id = ?1 AND enabled <> ?2",
        )?
        .execute(params![staff_id, enabled, now, by])?;
    conn.prepare_cached("UPDATE staff SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![staff_id, now])?;
    Ok(changed as u64)
}

/// Sets where member `staff_id`'s direct messages go in `team_id`: the app's DM (`None`) or a
/// channel they chose (its id and name). `false` when there is no such link.
pub fn set_dm_target(
    conn: &Connection,
    staff_id: i64,
    team_id: &str,
    channel: Option<(&str, Option<&str>)>,
    now: i64,
) -> Result<bool> {
    let (choice, id, name) = match channel {
        Some((id, name)) => ("channel", Some(id), name),
        None => ("app", None, None),
    };
    let changed = conn
        .prepare_cached(
            "UPDATE staff_slack_link SET dm_choice = ?3, dm_channel_id = ?4, dm_channel_name = ?5
             WHERE staff_id = ?1 AND team_id = ?2",
        )?
        .execute(params![staff_id, team_id, choice, id, name])?;
    conn.prepare_cached("UPDATE staff SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![staff_id, now])?;
    Ok(changed > 0)
}

/// The app's DM channel with Slack user `user_id`, when `conversations.open` answered before.
pub fn dm_channel(conn: &Connection, team_id: &str, user_id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT dm_channel_id FROM staff_slack_link
             WHERE team_id = ?1 AND slack_user_id = ?2 AND dm_choice = 'app'",
        )?
        .query_row([team_id, user_id], |row| row.get(0))
        .optional()?
        .flatten())
}

/// Remembers the app's DM channel with Slack user `user_id` (what `conversations.open` said).
pub fn cache_dm_channel(
    conn: &Connection,
    team_id: &str,
    user_id: &str,
    channel: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE staff_slack_link SET dm_channel_id = ?3
         WHERE team_id = ?1 AND slack_user_id = ?2 AND dm_choice = 'app'",
    )?
    .execute(params![team_id, user_id, channel])?;
    Ok(())
}

/// Sets member `id`'s manager (after an import wrote everyone, so managers named in later rows
/// exist).
pub fn set_manager(conn: &Connection, id: i64, manager_id: Option<i64>) -> Result<()> {
    conn.prepare_cached("UPDATE staff SET manager_id = ?2 WHERE id = ?1")?
        .execute(params![id, manager_id])?;
    Ok(())
}

/// Every active member, for automatic linking: (id, name, email or `""`, whether they are
/// linked in `team_id`), by name.
pub fn emails(conn: &Connection, team_id: &str) -> Result<Vec<(i64, String, String, bool)>> {
    let mut statement = conn.prepare_cached(
        "SELECT s.id, s.name, coalesce(s.email, ''),
                EXISTS (SELECT 1 FROM staff_slack_link l
                        WHERE l.staff_id = s.id AND l.team_id = ?1)
         FROM staff s WHERE s.active = 1 ORDER BY s.name COLLATE NOCASE, s.id",
    )?;
    let rows = statement.query_map([team_id], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every Slack user linked in `team_id`, with the member: (user id, staff id).
pub fn linked_users(conn: &Connection, team_id: &str) -> Result<Vec<(String, i64)>> {
    let mut statement = conn.prepare_cached(
        "SELECT slack_user_id, staff_id FROM staff_slack_link WHERE team_id = ?1",
    )?;
    let rows = statement.query_map([team_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn fields<'a>(name: &'a str, email: Option<&'a str>) -> Fields<'a> {
        Fields {
            external_id: None,
            name,
            email,
            role: "staff",
            manager_id: None,
            active: true,
        }
    }

    fn states(conn: &Connection, show: Show) -> Vec<(String, State)> {
        list(
            conn,
            &Filter {
                show,
                include_inactive: true,
                limit: 100,
                ..Filter::default()
            },
        )
        .unwrap()
        .rows
        .into_iter()
        .map(|m| (m.name, m.state))
        .collect()
    }

    #[test]
    fn a_members_state_comes_from_their_best_link_and_filters_the_list() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at, status)
                 VALUES ('T1', 'Acme', 'acme', 0, 0, 'connected'),
                        ('T2', 'Beta', 'beta', 0, 0, 'needs_reconnect');
             INSERT INTO slack_user (team_id, user_id, name, email, is_deleted, last_seen_at)
                 VALUES ('T1', 'U1', 'ann', 'ann@x.com', 0, 0),
                        ('T1', 'U2', 'bob', 'bob@x.com', 1, 0),
                        ('T2', 'U3', 'cy', 'cy@x.com', 0, 0),
                        ('T1', 'U4', 'dee', 'dee@x.com', 0, 0),
                        ('T2', 'U5', 'ann', 'ann@x.com', 0, 0),
                        ('T1', 'U6', 'ann2', NULL, 0, 0);",
        )
        .unwrap();
        let ann = insert(conn, &fields("Ann", Some("ann@x.com")), 1).unwrap();
        let bob = insert(conn, &fields("bob", Some("bob@x.com")), 1).unwrap();
        let cy = insert(conn, &fields("Cy", Some("cy@x.com")), 1).unwrap();
        let dee = insert(conn, &fields("Dee", Some("dee@x.com")), 1).unwrap();
        let eve = insert(conn, &fields("Eve", None), 1).unwrap();
        let fay = insert(
            conn,
            &Fields {
                active: false,
                ..fields("Fay", None)
            },
            1,
        )
        .unwrap();
        link(conn, ann, "T2", "U5", LinkedBy::Manual, 2).unwrap();
        link(conn, ann, "T1", "U1", LinkedBy::EmailMatch, 3).unwrap();
        link(conn, bob, "T1", "U2", LinkedBy::EmailMatch, 3).unwrap();
        link(conn, cy, "T2", "U3", LinkedBy::EmailMatch, 3).unwrap();
        link(conn, dee, "T1", "U4", LinkedBy::EmailMatch, 3).unwrap();
        assert_eq!(set_enabled(conn, dee, false, "admin", 4).unwrap(), 1);
        set_match(conn, eve, Some("no_match"), None).unwrap();
        let _ = fay;

        assert_eq!(
            states(conn, Show::All),
            [
                ("Ann".to_owned(), State::Connected),
                ("bob".to_owned(), State::SlackUserDeactivated),
                ("Cy".to_owned(), State::WorkspaceNeedsReconnect),
                ("Dee".to_owned(), State::SwitchedOff),
                ("Eve".to_owned(), State::NotLinked),
                ("Fay".to_owned(), State::Inactive),
            ]
        );
        let ann_row = get(conn, ann).unwrap().unwrap();
        let best = ann_row.link.unwrap();
        assert_eq!(
            (best.team_id.as_str(), ann_row.links),
            ("T1", 2),
            "the connected workspace's link is the best"
        );
        assert_eq!(states(conn, Show::Connected).len(), 1);
        assert_eq!(states(conn, Show::NotConnected).len(), 5);
        assert_eq!(
            states(conn, Show::NoMatch),
            [("Eve".to_owned(), State::NotLinked)]
        );
        assert_eq!(
            states(conn, Show::NeedsAttention)
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>(),
            ["bob", "Cy"]
        );
        let dee_link = &links(conn, dee).unwrap()[0];
        assert_eq!(
            (dee_link.enabled, dee_link.switched_by.as_deref()),
            (false, Some("admin"))
        );
        assert_eq!(set_enabled(conn, dee, false, "admin", 5).unwrap(), 0);

        let page = list(
            conn,
            &Filter {
                search: Some("X.COM"),
                limit: 2,
                offset: 1,
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!((page.total, page.connected), (4, 1));
        assert_eq!(page.rows.len(), 2);
        let everyone = list(
            conn,
            &Filter {
                limit: 0,
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(
            (everyone.total, everyone.connected),
            (5, 1),
            "inactive members are not counted"
        );

        cache_dm_channel(conn, "T1", "U1", "D1").unwrap();
        link(conn, ann, "T1", "U1", LinkedBy::Manual, 6).unwrap();
        assert_eq!(
            links(conn, ann).unwrap()[0].dm_channel_id.as_deref(),
            Some("D1"),
            "relinking the same user keeps the DM channel"
        );
        link(conn, ann, "T1", "U6", LinkedBy::Manual, 7).unwrap();
        assert_eq!(links(conn, ann).unwrap()[0].dm_channel_id, None);
        assert_eq!(unlink(conn, ann, None, 8).unwrap(), 2);
        assert_eq!(get(conn, ann).unwrap().unwrap().state, State::NotLinked);

        set_manager(conn, bob, Some(cy)).unwrap();
        set_manager(conn, cy, Some(dee)).unwrap();
        assert!(
            manages_through(conn, dee, bob).unwrap(),
            "dee → bob → cy → dee"
        );
        assert!(!manages_through(conn, bob, dee).unwrap());
        assert_eq!(
            by_email(conn, "BOB@x.com").unwrap()[0]
                .manager_name
                .as_deref(),
            Some("Cy")
        );
    }
}
