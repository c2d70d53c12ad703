//! The channel picker's search over the cached directory, through an in-memory index per
//! workspace (see `switchboard_core::directory::ChannelIndex`).

use tauri::State;

use crate::dto::{ChannelWindow, DirectoryChannel};
use crate::error::CommandError;
use crate::state::AppState;

/// Live channels of a workspace whose name contains `query`, `limit` rows from `offset`, and
/// how many match in all; the picker asks for the rows it is about to show.
#[tauri::command]
#[specta::specta]
pub async fn search_channels(
    state: State<'_, AppState>,
    team_id: String,
    query: String,
    include_archived: bool,
    offset: u32,
    limit: u32,
) -> Result<ChannelWindow, CommandError> {
    let index = switchboard_core::directory::channel_index(&state.profile(), &team_id)?;
    let started = std::time::Instant::now();
    let window = index.search(
        &query,
        include_archived,
        u64::from(offset),
        u64::from(limit.min(500)),
    );
    Ok(ChannelWindow {
        total: window.total as f64,
        offset: window.offset as f64,
        micros: started.elapsed().as_micros() as f64,
        rows: window
            .rows
            .into_iter()
            .map(|c| DirectoryChannel {
                channel_id: c.channel_id,
                name: c.name,
                is_private: c.is_private,
                is_archived: c.is_archived,
                is_member: c.is_member,
                member_count: c.member_count,
                topic: c.topic,
            })
            .collect(),
    })
}
