//! The console's own settings as JSON values under stable keys.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Serialize, de::DeserializeOwned};

use crate::{Error, Result};

/// Reads the setting `key`, `None` when it was never set.
pub fn get<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT value_json FROM app_setting WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()?;
    raw.map(|json| {
        serde_json::from_str(&json).map_err(|source| Error::BadSetting {
            key: key.to_owned(),
            source,
        })
    })
    .transpose()
}

/// Reads the setting `key` as raw JSON text, `None` when it was never set.
pub fn get_raw(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value_json FROM app_setting WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()?)
}

/// Writes the setting `key`.
pub fn set<T: Serialize>(conn: &Connection, key: &str, value: &T, now_ms: i64) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|source| Error::BadSetting {
        key: key.to_owned(),
        source,
    })?;
    conn.execute(
        "INSERT INTO app_setting (key, value_json, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,
                                         updated_at = excluded.updated_at",
        params![key, json, now_ms],
    )?;
    Ok(())
}
