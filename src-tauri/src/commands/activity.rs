//! Commands of the Activity view (the timeline of events and deliveries, an event's story,
//! Retry and Discard) and the audit log Settings shows. Each is one core call
//! (`switchboard_core::timeline`, `outbox`, `activity`), as `switchboard outbox` is.

use switchboard_core::{outbox, timeline};
use tauri::State;

use crate::dto::{ActivityEntry, EventStory, TimelineFilter, TimelinePage};
use crate::error::CommandError;
use crate::state::AppState;

/// The newest `limit` audit-log entries, newest first.
#[tauri::command]
#[specta::specta]
pub async fn recent_activity(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<ActivityEntry>, CommandError> {
    let entries = switchboard_core::activity::recent_in(&state.profile(), limit)?;
    Ok(entries.into_iter().map(Into::into).collect())
}

/// A page of the timeline: events matching `filter`, newest first, each with its routing
/// decisions and their messages' states.
#[tauri::command]
#[specta::specta]
pub async fn timeline(
    state: State<'_, AppState>,
    filter: TimelineFilter,
) -> Result<TimelinePage, CommandError> {
    let query = timeline::TimelineQuery {
        state: filter.state,
        kinds: filter.kinds,
        channel: filter.channel,
        since: filter.since,
        until: filter.until,
        before: filter.before,
        staff: filter.staff,
        limit: filter.limit,
    };
    let page = timeline::timeline(&state.profile(), &query)?;
    Ok(TimelinePage {
        entries: page.entries.into_iter().map(Into::into).collect(),
        next: page.next,
    })
}

/// Event `event_id`'s whole story: where it went, what skipped it and why, every attempt.
#[tauri::command]
#[specta::specta]
pub async fn event_story(
    state: State<'_, AppState>,
    event_id: i64,
) -> Result<EventStory, CommandError> {
    Ok(timeline::why(&state.profile(), event_id)?.into())
}

/// Sends a failed, held or discarded message again.
#[tauri::command]
#[specta::specta]
pub async fn retry_message(state: State<'_, AppState>, id: i64) -> Result<(), CommandError> {
    outbox::retry(&state.profile(), id)?;
    Ok(())
}

/// Discards a message that waits or failed.
#[tauri::command]
#[specta::specta]
pub async fn discard_message(state: State<'_, AppState>, id: i64) -> Result<(), CommandError> {
    outbox::discard(&state.profile(), id)?;
    Ok(())
}

/// Opens message `id` in Slack (its permalink) in the system browser. The web view names the
/// message, never a URL, so no page can make the console open an address of its choosing.
#[tauri::command]
#[specta::specta]
pub async fn open_message(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> Result<(), CommandError> {
    let detail = outbox::detail(&state.profile(), id)?;
    let Some(link) = detail.item.permalink else {
        return Err(switchboard_core::Error::invalid(
            "id",
            format!("Message {id} has no link yet: it is {}.", detail.item.state),
        )
        .into());
    };
    if !is_slack_link(&link) {
        return Err(switchboard_core::Error::invalid(
            "id",
            format!("Message {id}'s link is not a Slack address, so it is not opened: {link}"),
        )
        .into());
    }
    Ok(super::workspaces::open_url(&app, &link)?)
}

/// Whether `link` is a Slack permalink (`https://*.slack.com/…`; the demo's emulator answers
/// with the same shape).
fn is_slack_link(link: &str) -> bool {
    let Ok(url) = url::Url::parse(link) else {
        return false;
    };
    match (url.scheme(), url.host_str()) {
        ("https", Some(host)) => host == "slack.com" || host.ends_with(".slack.com"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_slack_permalinks_are_opened() {
        use super::is_slack_link;
        assert!(is_slack_link("https://acme.slack.com/archives/C1/p1"));
        assert!(is_slack_link("https://slack.com/archives/C1/p1"));
        assert!(!is_slack_link("https://evil.example/slack.com"));
        assert!(!is_slack_link("https://slack.com.evil.example/x"));
        assert!(!is_slack_link("http://acme.slack.com/archives/C1/p1"));
        assert!(!is_slack_link("file:///etc/passwd"));
    }
}
