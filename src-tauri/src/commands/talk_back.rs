//! Commands for what Slack says back: decisions made with the approval buttons, the decisions
//! webhook, staff conversations and the file types staff may send. One core call each
//! (`switchboard_core::approvals`, `webhook`, `conversations`), as `switchboard decisions` is.

use switchboard_core::{approvals, conversations, dm, webhook};
use tauri::State;

use crate::dto::{ConversationLine, Decision, DmSent, UnreadConversation, WebhookSettings};
use crate::error::CommandError;
use crate::state::AppState;

/// Decisions, newest first.
#[tauri::command]
#[specta::specta]
pub async fn decisions(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<Decision>, CommandError> {
    Ok(approvals::list(&state.profile(), limit)?
        .into_iter()
        .map(Decision::from)
        .collect())
}

async fn settings_of(
    profile: &switchboard_core::profile::Profile,
    change: webhook::WebhookChange,
) -> Result<WebhookSettings, CommandError> {
    let file_types = conversations::file_types(profile)?;
    Ok(WebhookSettings {
        url: change.settings.url,
        has_secret: change.settings.has_secret,
        new_secret: change.new_secret,
        file_types_described: conversations::describe(&file_types),
        file_types,
    })
}

/// The decisions webhook and the file types staff may send.
#[tauri::command]
#[specta::specta]
pub async fn webhook_settings(state: State<'_, AppState>) -> Result<WebhookSettings, CommandError> {
    let profile = state.profile();
    let settings = webhook::settings(&profile).await?;
    settings_of(
        &profile,
        webhook::WebhookChange {
            settings,
            new_secret: None,
        },
    )
    .await
}

/// Sets (or with an empty `url` removes) the webhook URL; `rotateSecret` makes a new signing
/// secret, returned this once.
#[tauri::command]
#[specta::specta]
pub async fn set_webhook(
    state: State<'_, AppState>,
    url: Option<String>,
    rotate_secret: bool,
) -> Result<WebhookSettings, CommandError> {
    let profile = state.profile();
    let change = webhook::set(&profile, url.as_deref(), rotate_secret).await?;
    settings_of(&profile, change).await
}

/// Sets the file types staff may send (`image/*`, `pdf`…).
#[tauri::command]
#[specta::specta]
pub async fn set_file_types(
    state: State<'_, AppState>,
    types: Vec<String>,
) -> Result<Vec<String>, CommandError> {
    Ok(conversations::set_file_types(&state.profile(), &types)?)
}

/// Member `staffId`'s conversation, newest first, before `before` (Unix ms).
#[tauri::command]
#[specta::specta]
pub async fn conversation(
    state: State<'_, AppState>,
    staff_id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<ConversationLine>, CommandError> {
    Ok(
        conversations::thread(&state.profile(), staff_id, before, limit)?
            .into_iter()
            .map(ConversationLine::from)
            .collect(),
    )
}

/// Members with unread messages, newest first.
#[tauri::command]
#[specta::specta]
pub async fn unread_conversations(
    state: State<'_, AppState>,
) -> Result<Vec<UnreadConversation>, CommandError> {
    Ok(conversations::unread(&state.profile())?
        .into_iter()
        .map(|u| UnreadConversation {
            staff_id: u.staff_id,
            name: u.name,
            count: u.count,
            newest_at: u.newest_at,
        })
        .collect())
}

/// Marks member `staffId`'s messages read.
#[tauri::command]
#[specta::specta]
pub async fn mark_conversation_read(
    state: State<'_, AppState>,
    staff_id: i64,
) -> Result<u32, CommandError> {
    Ok(conversations::mark_read(&state.profile(), staff_id)? as u32)
}

/// Answers member `staffId` in their direct messages, through the outbox.
#[tauri::command]
#[specta::specta]
pub async fn reply_to_staff(
    state: State<'_, AppState>,
    staff_id: i64,
    text: String,
    sender: Option<String>,
    id: Option<String>,
) -> Result<DmSent, CommandError> {
    let profile = state.profile();
    if let Some(sender) = sender.as_deref().filter(|s| !s.trim().is_empty()) {
        dm::remember_sender(&profile, sender)?;
    }
    Ok(conversations::reply(&profile, staff_id, &text, sender.as_deref(), id.as_deref())?.into())
}
