//! Settings → Ingest API: the token's state (never the token, except once when made), the port
//! and whether this window serves it.

use serde::Serialize;
use specta::Type;

/// The ingest API as Settings shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IngestSettings {
    pub token_exists: bool,
    /// When the token was made (Unix ms).
    pub token_created_at: Option<i64>,
    /// The port the console serves on (from its next start when just changed).
    pub port: u16,
    /// The URL this window serves now, if it does.
    pub listening: Option<String>,
    /// Why it does not, if it tried.
    pub problem: Option<String>,
}
