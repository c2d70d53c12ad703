//! Connected Slack workspaces. Tokens are never here (they are in the OS keyring); this table
//! holds what Slack said about the workspace and its connection.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::Result;

/// Connection health of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Connected,
    NeedsReconnect,
    Disabled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connected => "connected",
            Status::NeedsReconnect => "needs_reconnect",
            Status::Disabled => "disabled",
        }
    }

    fn parse(value: &str) -> Status {
        match value {
            "needs_reconnect" => Status::NeedsReconnect,
            "disabled" => Status::Disabled,
            _ => Status::Connected,
        }
    }
}

/// A workspace row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub team_id: String,
    pub name: String,
    pub domain: String,
    pub icon_url: Option<String>,
    pub has_bot_token: bool,
    pub has_user_token: bool,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    pub bot_user_id: Option<String>,
    pub authed_user_id: Option<String>,
    pub status: Status,
    pub status_reason: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: i64,
    pub last_health_check_at: Option<i64>,
    pub is_demo: bool,
    /// Whether the user token rotates; then it expires at `token_expires_at` and its refresh
    /// token at `refresh_expires_at`.
    pub user_token_rotates: bool,
    pub token_expires_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
    pub directory_synced_at: Option<i64>,
    /// When it needs reconnecting: which token Slack refused, `bot` or `user`.
    pub reconnect_token: Option<String>,
    /// Why Slack refused the bot token (`None`: it works, or there is none).
    pub bot_token_error: Option<String>,
    /// Why Slack refused the user token.
    pub user_token_error: Option<String>,
    /// The bot token rotates (an app with token rotation on): it expires at
    /// `bot_token_expires_at`, and is renewed when a refresh token is held (`bot_token_refreshable`).
    pub bot_token_rotates: bool,
    pub bot_token_expires_at: Option<i64>,
    pub bot_token_refreshable: bool,
}

impl Workspace {
    /// How the workspace is connected, in words.
    pub fn mode(&self) -> &'static str {
        match (self.has_bot_token, self.has_user_token) {
            (true, true) => "bot + user token",
            (true, false) => "bot token",
            (false, true) => "user token",
            (false, false) => "no token",
        }
    }
}

/// What connecting a bot token records.
#[derive(Debug, Clone)]
pub struct BotConnection<'a> {
    pub team_id: &'a str,
    pub name: &'a str,
    pub domain: &'a str,
    pub icon_url: Option<&'a str>,
    pub bot_user_id: &'a str,
    pub bot_scopes: &'a [String],
    pub connected_by: &'a str,
    pub is_demo: bool,
    /// A rotating bot token: when it expires, and whether its refresh token is held.
    pub rotates: bool,
    pub expires_at: Option<i64>,
    pub refreshable: bool,
}

fn scopes(text: String) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Workspace> {
    Ok(Workspace {
        team_id: row.get("team_id")?,
        name: row.get("name")?,
        domain: row.get("domain")?,
        icon_url: row.get("icon_url")?,
        has_bot_token: row.get("has_bot_token")?,
        has_user_token: row.get("has_user_token")?,
        bot_scopes: scopes(row.get("bot_scopes")?),
        user_scopes: scopes(row.get("user_scopes")?),
        bot_user_id: row.get("bot_user_id")?,
        authed_user_id: row.get("authed_user_id")?,
        status: Status::parse(&row.get::<_, String>("status")?),
        status_reason: row.get("status_reason")?,
        connected_by: row.get("connected_by")?,
        connected_at: row.get("connected_at")?,
        last_health_check_at: row.get("last_health_check_at")?,
        is_demo: row.get("is_demo")?,
        user_token_rotates: row.get("user_token_rotates")?,
        token_expires_at: row.get("token_expires_at")?,
        refresh_expires_at: row.get("refresh_expires_at")?,
        directory_synced_at: row.get("directory_synced_at")?,
        reconnect_token: row.get("reconnect_token")?,
        bot_token_error: row.get("bot_token_error")?,
        user_token_error: row.get("user_token_error")?,
        bot_token_rotates: row.get("bot_token_rotates")?,
        bot_token_expires_at: row.get("bot_token_expires_at")?,
        bot_token_refreshable: row.get("bot_token_refreshable")?,
    })
}

/// Records a bot token connection (validated just now, so it counts as a health check). A
/// known team id is a reconnect: the row is updated in
/// place, so every mapping and toggle that refers to it stays. Returns whether it was new.
pub fn record_bot_connection(
    conn: &Connection,
    c: &BotConnection<'_>,
    now_ms: i64,
) -> Result<bool> {
    let existed = get(conn, c.team_id)?.is_some();
    conn.execute(
        "INSERT INTO workspace (team_id, name, domain, icon_url, has_bot_token, bot_scopes, bot_user_id,
                                status, status_reason, connected_by, connected_at, is_demo, updated_at,
                                last_health_check_at, bot_token_rotates, bot_token_expires_at,
                                bot_token_refreshable)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, 'connected', NULL, ?7, ?8, ?9, ?8, ?8, ?10, ?11, ?12)
         ON CONFLICT (team_id) DO UPDATE SET last_health_check_at = excluded.last_health_check_at,
             name = excluded.name, domain = excluded.domain, icon_url = excluded.icon_url,
             has_bot_token = 1, bot_scopes = excluded.bot_scopes, bot_user_id = excluded.bot_user_id,
             bot_token_rotates = excluded.bot_token_rotates,
             bot_token_expires_at = excluded.bot_token_expires_at,
             bot_token_refreshable = excluded.bot_token_refreshable, bot_token_error = NULL,
             status = 'connected',
             status_reason = CASE WHEN has_user_token = 1 THEN user_token_error END,
             reconnect_token = CASE WHEN has_user_token = 1 AND user_token_error IS NOT NULL THEN 'user' END,
             connected_by = excluded.connected_by,
             updated_at = excluded.updated_at",
        params![
            c.team_id,
            c.name,
            c.domain,
            c.icon_url,
            c.bot_scopes.join(","),
            c.bot_user_id,
            c.connected_by,
            now_ms,
            c.is_demo,
            c.rotates,
            c.expires_at,
            c.refreshable
        ],
    )?;
    Ok(!existed)
}

/// What connecting with OAuth (a user token) records.
#[derive(Debug, Clone)]
pub struct UserConnection<'a> {
    pub team_id: &'a str,
    pub name: &'a str,
    pub domain: &'a str,
    pub icon_url: Option<&'a str>,
    pub authed_user_id: &'a str,
    pub user_scopes: &'a [String],
    pub rotates: bool,
    pub token_expires_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
    pub connected_by: &'a str,
    pub is_demo: bool,
}

/// Records a user token connection; like [`record_bot_connection`], a known team id is a
/// reconnect that keeps the bot token's details and every mapping. Returns whether it was new.
pub fn record_user_connection(
    conn: &Connection,
    c: &UserConnection<'_>,
    now_ms: i64,
) -> Result<bool> {
    let existed = get(conn, c.team_id)?.is_some();
    conn.execute(
        "INSERT INTO workspace (team_id, name, domain, icon_url, has_user_token, user_scopes,
                                authed_user_id, user_token_rotates, token_expires_at,
                                refresh_expires_at, status, status_reason, connected_by,
                                connected_at, is_demo, updated_at, last_health_check_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, 'connected', NULL, ?10, ?11, ?12, ?11, ?11)
         ON CONFLICT (team_id) DO UPDATE SET last_health_check_at = excluded.last_health_check_at,
             name = excluded.name, domain = excluded.domain,
             icon_url = coalesce(excluded.icon_url, icon_url),
             has_user_token = 1, user_scopes = excluded.user_scopes,
             authed_user_id = excluded.authed_user_id,
             user_token_rotates = excluded.user_token_rotates,
             token_expires_at = excluded.token_expires_at,
             refresh_expires_at = excluded.refresh_expires_at, user_token_error = NULL,
             status = 'connected',
             status_reason = CASE WHEN has_bot_token = 1 THEN bot_token_error END,
             reconnect_token = CASE WHEN has_bot_token = 1 AND bot_token_error IS NOT NULL THEN 'bot' END,
             connected_by = excluded.connected_by,
             updated_at = excluded.updated_at",
        params![
            c.team_id,
            c.name,
            c.domain,
            c.icon_url,
            c.user_scopes.join(","),
            c.authed_user_id,
            c.rotates,
            c.token_expires_at,
            c.refresh_expires_at,
            c.connected_by,
            now_ms,
            c.is_demo
        ],
    )?;
    Ok(!existed)
}

/// After a refresh: the new expiry times of the user token and its refresh token.
pub fn record_token_refresh(
    conn: &Connection,
    team_id: &str,
    token_expires_at: Option<i64>,
    refresh_expires_at: Option<i64>,
    now_ms: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE workspace SET token_expires_at = ?2, refresh_expires_at = ?3, updated_at = ?4
         WHERE team_id = ?1",
        params![team_id, token_expires_at, refresh_expires_at, now_ms],
    )?;
    Ok(())
}

/// After a bot token refresh: its new expiry.
pub fn record_bot_token_refresh(
    conn: &Connection,
    team_id: &str,
    expires_at: Option<i64>,
    now_ms: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE workspace SET bot_token_expires_at = ?2, updated_at = ?3 WHERE team_id = ?1",
        params![team_id, expires_at, now_ms],
    )?;
    Ok(())
}

/// Records why Slack refused each token (`None`: it works or there is none).
pub fn set_token_errors(
    conn: &Connection,
    team_id: &str,
    bot: Option<&str>,
    user: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE workspace SET bot_token_error = ?2, user_token_error = ?3 WHERE team_id = ?1",
        params![team_id, bot, user],
    )?;
    Ok(())
}

/// Sets the status after a health check (or a failed call), with the reason people read and,
/// for `needs_reconnect`, which token (`bot` or `user`) Slack refused. Returns the previous
/// status when it changed.
pub fn set_status(
    conn: &Connection,
    team_id: &str,
    status: Status,
    reason: Option<&str>,
    reconnect_token: Option<&str>,
    now_ms: i64,
) -> Result<Option<Status>> {
    let Some(before) = get(conn, team_id)? else {
        return Ok(None);
    };
    conn.execute(
        "UPDATE workspace SET status = ?2, status_reason = ?3, reconnect_token = ?4, updated_at = ?5
         WHERE team_id = ?1",
        params![team_id, status.as_str(), reason, reconnect_token, now_ms],
    )?;
    Ok((before.status != status).then_some(before.status))
}

/// A health check ran; records the scopes Slack reported for each token it checked.
pub fn record_health_check(
    conn: &Connection,
    team_id: &str,
    bot_scopes: Option<&[String]>,
    user_scopes: Option<&[String]>,
    now_ms: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE workspace SET last_health_check_at = ?2,
             bot_scopes = coalesce(?3, bot_scopes), user_scopes = coalesce(?4, user_scopes)
         WHERE team_id = ?1",
        params![
            team_id,
            now_ms,
            bot_scopes.map(|s| s.join(",")),
            user_scopes.map(|s| s.join(","))
        ],
    )?;
    Ok(())
}

/// Disconnecting: either keeps the workspace (its tokens gone, status `disabled`) so a later
/// reconnect finds every mapping, or removes it with everything that refers to it.
pub fn disconnect(
    conn: &Connection,
    team_id: &str,
    keep_mappings: bool,
    now_ms: i64,
) -> Result<()> {
    if keep_mappings {
        conn.execute(
            "UPDATE workspace SET has_bot_token = 0, has_user_token = 0, status = 'disabled',
                 reconnect_token = NULL,
                 status_reason = 'Disconnected; reconnect to use its channels again',
                 user_token_rotates = 0, token_expires_at = NULL, refresh_expires_at = NULL,
                 bot_token_rotates = 0, bot_token_expires_at = NULL, bot_token_refreshable = 0,
                 bot_token_error = NULL, user_token_error = NULL,
                 bot_scopes = '', user_scopes = '', updated_at = ?2
             WHERE team_id = ?1",
            params![team_id, now_ms],
        )?;
    } else {
        // The outbox keeps no cascade (a message must not vanish silently while its workspace
        // exists); a workspace removed on purpose takes its undeliverable messages with it.
        conn.execute("DELETE FROM outbox WHERE team_id = ?1", [team_id])?;
        conn.execute("DELETE FROM workspace WHERE team_id = ?1", [team_id])?;
    }
    Ok(())
}

pub fn get(conn: &Connection, team_id: &str) -> Result<Option<Workspace>> {
    Ok(conn
        .query_row(
            "SELECT * FROM workspace WHERE team_id = ?1",
            [team_id],
            from_row,
        )
        .optional()?)
}

/// Every workspace, by name.
pub fn list(conn: &Connection) -> Result<Vec<Workspace>> {
    let mut statement =
        conn.prepare_cached("SELECT * FROM workspace ORDER BY name COLLATE NOCASE, team_id")?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
