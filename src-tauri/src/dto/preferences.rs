//! The console's preferences.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::preferences;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl From<preferences::Theme> for Theme {
    fn from(theme: preferences::Theme) -> Self {
        match theme {
            preferences::Theme::System => Theme::System,
            preferences::Theme::Light => Theme::Light,
            preferences::Theme::Dark => Theme::Dark,
        }
    }
}

impl From<Theme> for preferences::Theme {
    fn from(theme: Theme) -> Self {
        match theme {
            Theme::System => preferences::Theme::System,
            Theme::Light => preferences::Theme::Light,
            Theme::Dark => preferences::Theme::Dark,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub theme: Theme,
}

impl From<preferences::Preferences> for Preferences {
    fn from(p: preferences::Preferences) -> Self {
        Preferences {
            theme: p.theme.into(),
        }
    }
}
