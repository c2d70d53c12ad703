//! What the console holds, for each view's empty state and the sidebar's badges.

use switchboard_store::{overview, rusqlite::Connection};

pub use switchboard_store::overview::Counts;

use crate::Result;

/// Counts of everything the console holds.
pub fn counts(conn: &Connection) -> Result<Counts> {
    Ok(overview::counts(conn)?)
}

/// Counts of everything `profile` holds.
pub fn counts_in(profile: &crate::profile::Profile) -> Result<Counts> {
    profile.db()?.read(counts)
}
