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
    })
}

/// Records a bot token connection. A known team id is a reconnect: the row is updated in
/// place, so every mapping and toggle that refers to it stays. Returns whether it was new.
pub fn record_bot_connection(
    conn: &Connection,
    c: &BotConnection<'_>,
    now_ms: i64,
) -> Result<bool> {
    let existed = get(conn, c.team_id)?.is_some();
    conn.execute(
        "INSERT INTO workspace (team_id, name, domain, icon_url, has_bot_token, bot_scopes, bot_user_id,
                                status, status_reason, connected_by, connected_at, is_demo, updated_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, 'connected', NULL, ?7, ?8, ?9, ?8)
         ON CONFLICT (team_id) DO UPDATE SET
             name = excluded.name, domain = excluded.domain, icon_url = excluded.icon_url,
             has_bot_token = 1, bot_scopes = excluded.bot_scopes, bot_user_id = excluded.bot_user_id,
             status = 'connected', status_reason = NULL, connected_by = excluded.connected_by,
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
            c.is_demo
        ],
    )?;
    Ok(!existed)
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
