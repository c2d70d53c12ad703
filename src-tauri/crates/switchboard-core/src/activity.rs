//! The Activity view's data: the audit log, newest first.

use switchboard_store::{audit, rusqlite::Connection};

pub use switchboard_store::audit::AuditEntry;

use crate::{Error, Result};

/// The most entries one call returns; the view pages with this size.
pub const MAX_PAGE: u32 = 500;

/// The newest `limit` audit entries.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(Error::invalid(
            "limit",
            format!("ask for between 1 and {MAX_PAGE} activity entries, not {limit}"),
        ));
    }
    Ok(audit::recent(conn, limit)?)
}

/// The newest `limit` audit entries of `profile`.
pub fn recent_in(profile: &crate::profile::Profile, limit: u32) -> Result<Vec<AuditEntry>> {
    profile.db()?.read(|conn| recent(conn, limit))
}
