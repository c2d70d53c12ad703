//! The console's own preferences. A change is stored and audited in one transaction.

use std::fmt;
use std::str::FromStr;

use switchboard_store::{audit, rusqlite::Connection, settings};

use crate::{Error, Result};

const THEME_KEY: &str = "ui.theme";

/// Colour theme of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the operating system's light/dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Theme {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        match value {
            "system" => Ok(Theme::System),
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            other => Err(Error::invalid(
                "theme",
                format!("unknown theme {other:?}; choose system, light or dark"),
            )),
        }
    }
}

/// All preferences, as the UI reads them at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preferences {
    pub theme: Theme,
}

/// Reads the preferences; a value this version cannot read falls back to the default, so a
/// preference never stops the console from starting.
pub fn load(conn: &Connection) -> Result<Preferences> {
    let theme = settings::get::<String>(conn, THEME_KEY)
        .ok()
        .flatten()
        .and_then(|value| value.parse().ok())
        .unwrap_or_default();
    Ok(Preferences { theme })
}

/// Sets the theme and records the change in the audit log. Setting the current value again
/// changes nothing and writes no audit entry.
pub fn set_theme(tx: &Connection, theme: Theme, actor: &str, now_ms: i64) -> Result<()> {
    let old = load(tx)?.theme;
    if old != theme {
        settings::set(tx, THEME_KEY, &theme.as_str(), now_ms)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now_ms,
                actor,
                action: "setting.changed",
                subject: "Theme",
                old_value: Some(old.as_str()),
                new_value: Some(theme.as_str()),
            },
        )?;
    }
    Ok(())
}

/// The preferences of `profile`.
pub fn preferences(profile: &crate::profile::Profile) -> Result<Preferences> {
    profile.db()?.read(load)
}

/// Sets the theme of `profile` (audited) and returns the preferences as stored.
pub fn choose_theme(profile: &crate::profile::Profile, theme: Theme) -> Result<Preferences> {
    let actor = profile.actor.clone();
    profile.db()?.write(|tx| {
        set_theme(tx, theme, &actor, switchboard_store::now_ms())?;
        load(tx)
    })
}
