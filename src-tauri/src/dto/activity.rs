//! The Activity view's entries.

use serde::Serialize;
use specta::Type;

/// One audit-log entry as the Activity view lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub id: f64,
    /// Unix milliseconds.
    pub at: f64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl From<switchboard_core::activity::AuditEntry> for ActivityEntry {
    fn from(e: switchboard_core::activity::AuditEntry) -> Self {
        ActivityEntry {
            id: e.id as f64,
            at: e.at as f64,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            old_value: e.old_value,
            new_value: e.new_value,
        }
    }
}
