//! The channel picker's rows.

use serde::Serialize;
use specta::Type;

/// A cached channel as the picker lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryChannel {
    pub channel_id: String,
    pub name: String,
    pub is_private: bool,
    pub is_archived: bool,
    pub is_member: bool,
    pub member_count: Option<u32>,
    pub topic: Option<String>,
}

/// One window of the channel picker.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChannelWindow {
    pub total: f64,
    pub offset: f64,
    pub rows: Vec<DirectoryChannel>,
    /// How long the search took in Rust, in microseconds.
    pub micros: f64,
}
