//! Commands of the Channels view: notification channels and their event kinds, the default
//! channel, threads, test messages, and the global integration switch. Each is one core call
//! (`switchboard_core::channels`, `outbox::decide_held`), as the `switchboard channel` and
//! `switchboard integration` subcommands are.

use switchboard_core::channels::{self, AddChannel, Change};
use switchboard_core::outbox::{self, HeldChoice};
use tauri::State;

use crate::dto::{IntegrationState, NotificationChannel, TestResult};
use crate::error::CommandError;
use crate::state::AppState;

/// Every notification channel, by workspace and name.
#[tauri::command]
#[specta::specta]
pub async fn notification_channels(
    state: State<'_, AppState>,
) -> Result<Vec<NotificationChannel>, CommandError> {
    Ok(channels::list(&state.profile())?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Adds channel `channel` (id or #name) of workspace `team_id` with `kinds` (kinds or groups)
/// switched on; a public channel the app is not in is joined when `join` is set.
#[tauri::command]
#[specta::specta]
pub async fn add_notification_channel(
    state: State<'_, AppState>,
    team_id: String,
    channel: String,
    kinds: Vec<String>,
    thread_per_object: bool,
    join: bool,
) -> Result<NotificationChannel, CommandError> {
    let request = AddChannel {
        team_id,
        channel,
        kinds: channels::parse_kinds(&kinds)?,
        thread_per_object,
        join,
    };
    Ok(channels::add(&state.profile(), request).await?.into())
}

fn changed(
    state: &State<'_, AppState>,
    id: i64,
    change: Change,
) -> Result<NotificationChannel, CommandError> {
    Ok(channels::change(&state.profile(), id, change)?.into())
}

/// Switches `kinds` (kinds or groups) on or off in channel `id`.
#[tauri::command]
#[specta::specta]
pub async fn set_channel_kinds(
    state: State<'_, AppState>,
    id: i64,
    kinds: Vec<String>,
    on: bool,
) -> Result<NotificationChannel, CommandError> {
    changed(
        &state,
        id,
        Change::Kinds(channels::parse_kinds(&kinds)?, on),
    )
}

/// Enables or disables channel `id` as a whole (its kinds are kept).
#[tauri::command]
#[specta::specta]
pub async fn set_channel_enabled(
    state: State<'_, AppState>,
    id: i64,
    enabled: bool,
) -> Result<NotificationChannel, CommandError> {
    changed(&state, id, Change::Enabled(enabled))
}

/// One thread per business object in channel `id`, or not.
#[tauri::command]
#[specta::specta]
pub async fn set_channel_threads(
    state: State<'_, AppState>,
    id: i64,
    on: bool,
) -> Result<NotificationChannel, CommandError> {
    changed(&state, id, Change::ThreadPerObject(on))
}

/// Makes channel `id` its workspace's default channel, or stops it being that.
#[tauri::command]
#[specta::specta]
pub async fn set_default_channel(
    state: State<'_, AppState>,
    id: i64,
    on: bool,
) -> Result<NotificationChannel, CommandError> {
    changed(&state, id, Change::Default(on))
}

/// Removes channel `id`; messages still waiting for it are discarded.
#[tauri::command]
#[specta::specta]
pub async fn remove_notification_channel(
    state: State<'_, AppState>,
    id: i64,
) -> Result<(), CommandError> {
    Ok(channels::remove(&state.profile(), id)?)
}

/// Sends a test message to channel `id` through the outbox and the delivery worker, and waits
/// (up to 20 s) for the outcome.
#[tauri::command]
#[specta::specta]
pub async fn send_test_message(
    state: State<'_, AppState>,
    id: i64,
) -> Result<TestResult, CommandError> {
    Ok(channels::send_test(&state.profile(), id).await?.into())
}

/// Where test message `outbox_id` stands now (the card follows one not sent within the wait).
#[tauri::command]
#[specta::specta]
pub async fn test_message_outcome(
    state: State<'_, AppState>,
    outbox_id: i64,
) -> Result<TestResult, CommandError> {
    Ok(channels::test_outcome(&state.profile(), outbox_id)?.into())
}

/// Whether the Slack integration is on, and how many messages it holds.
#[tauri::command]
#[specta::specta]
pub async fn integration(state: State<'_, AppState>) -> Result<IntegrationState, CommandError> {
    Ok(channels::integration(&state.profile())?.into())
}

/// Turns the Slack integration on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_integration(
    state: State<'_, AppState>,
    on: bool,
) -> Result<IntegrationState, CommandError> {
    Ok(channels::set_integration(&state.profile(), on)?.into())
}

/// Sends (`send`) or discards the messages held while the integration was off; returns the
/// switch's state after.
#[tauri::command]
#[specta::specta]
pub async fn decide_held(
    state: State<'_, AppState>,
    send: bool,
) -> Result<IntegrationState, CommandError> {
    let profile = state.profile();
    outbox::decide_held(
        &profile,
        if send {
            HeldChoice::Send
        } else {
            HeldChoice::Discard
        },
    )?;
    Ok(channels::integration(&profile)?.into())
}
