//! `chat.postMessage`, `chat.update`, `chat.delete`, `chat.getPermalink`.

use serde_json::{Value, json};

use super::conversations::message_json;
use super::{ApiError, Auth, MethodResult, require_scope, required, visible_channel};
use crate::request::ApiRequest;
use crate::state::{Message, World};

/// Slack truncates longer text and warns `message_truncated`.
const MAX_TEXT: usize = 40_000;
const MAX_BLOCKS: usize = 50;

/// Resolves `channel` for posting: a user id means the DM with that user (App Home for bots).
fn target_channel(world: &mut World, auth: &Auth, id: &str) -> Result<String, ApiError> {
    if id.starts_with('U') || id.starts_with('W') {
        let user = world
            .users
            .get(id)
            .filter(|u| u.team_id == auth.record.team_id)
            .ok_or_else(|| ApiError::new("channel_not_found"))?;
        if user.deleted {
            return Err(ApiError::new("user_disabled"));
        }
        return Ok(world.open_im(&auth.record.team_id, auth.actor(), id));
    }
    Ok(visible_channel(world, auth, id)?.id.clone())
}

/// Reads `blocks` and `metadata`, validating them as Slack does.
fn content(req: &ApiRequest) -> Result<(Option<Value>, Option<Value>), ApiError> {
    let blocks = req
        .json("blocks")
        .map_err(|()| ApiError::new("invalid_blocks_format"))?;
    if let Some(blocks) = &blocks {
        let Some(list) = blocks.as_array() else {
            return Err(ApiError::new("invalid_blocks_format"));
        };
        if list.len() > MAX_BLOCKS
            || list
                .iter()
                .any(|b| b.get("type").and_then(Value::as_str).is_none())
        {
            return Err(ApiError::new("invalid_blocks").with(
                "response_metadata",
                json!({"messages": ["[ERROR] each block needs a type, and a message holds at most 50 blocks"]}),
            ));
        }
    }
    let metadata = req
        .json("metadata")
        .map_err(|()| ApiError::new("invalid_metadata_format"))?;
    if let Some(metadata) = &metadata {
        let valid = metadata
            .get("event_type")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty())
            && metadata.get("event_payload").is_some_and(Value::is_object);
        if !valid {
            return Err(ApiError::new("invalid_metadata_format"));
        }
    }
    Ok((blocks, metadata))
}

/// <https://docs.slack.dev/reference/methods/chat.postMessage>
pub fn post_message(
    world: &mut World,
    auth: &Auth,
    req: &ApiRequest,
    warnings: &mut Vec<&'static str>,
) -> MethodResult {
    require_scope(auth, &["chat:write"])?;
    let channel_arg = required(req, "channel", "channel_not_found")?;
    let (blocks, metadata) = content(req)?;
    let mut text = req.str("text").unwrap_or_default();
    if text.is_empty() && blocks.is_none() && req.str("attachments").is_none() {
        return Err(ApiError::new("no_text"));
    }
    let channel_id = target_channel(world, auth, &channel_arg)?;
    let channel = &world.channels[&channel_id];
    if channel.is_archived {
        return Err(ApiError::new("is_archived"));
    }
    let member = channel.members.contains(auth.actor());
    if !member {
        let may_post_anyway = auth.is_bot()
            && !channel.is_private
            && auth.record.scopes.contains("chat:write.public");
        if !may_post_anyway {
            return Err(ApiError::new("not_in_channel"));
        }
    }
    if text.chars().count() > MAX_TEXT {
        text = text.chars().take(MAX_TEXT).collect();
        warnings.push("message_truncated");
    }
    let user = &world.users[auth.actor()];
    let message = Message {
        ts: String::new(),
        channel: channel_id.clone(),
        user: Some(user.id.clone()),
        bot_id: user.bot_id.clone(),
        app_id: auth.is_bot().then(|| auth.record.app_id.clone()),
        text,
        blocks,
        metadata,
        thread_ts: req.str("thread_ts"),
        edited: None,
        posted_with: auth.token.clone(),
    };
    let ts = world.next_ts(&channel_id);
    // A parent message with replies carries its own ts as `thread_ts`, as in Slack.
    if let Some(parent_ts) = &message.thread_ts
        && let Some(parent) = world
            .channels
            .get_mut(&channel_id)
            .and_then(|c| c.messages.iter_mut().find(|m| &m.ts == parent_ts))
    {
        parent.thread_ts = Some(parent_ts.clone());
    }
    let message = Message {
        ts: ts.clone(),
        ..message
    };
    let rendered = message_json(&message, &auth.record.team_id, true);
    world
        .channels
        .get_mut(&channel_id)
        .expect("exists")
        .messages
        .push(message);
    Ok(json!({"channel": channel_id, "ts": ts, "message": rendered}))
}

fn own_message<'w>(
    world: &'w mut World,
    auth: &Auth,
    channel: &str,
    ts: &str,
    refusal: &str,
) -> Result<&'w mut Message, ApiError> {
    visible_channel(world, auth, channel)?;
    let actor = auth.actor().to_owned();
    let channel = world.channels.get_mut(channel).expect("visible");
    let message = channel
        .messages
        .iter_mut()
        .find(|m| m.ts == ts)
        .ok_or_else(|| ApiError::new("message_not_found"))?;
    if message.user.as_deref() != Some(actor.as_str()) {
        return Err(ApiError::new(refusal));
    }
    Ok(message)
}

/// <https://docs.slack.dev/reference/methods/chat.update>: only the author may edit.
pub fn update(world: &mut World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    require_scope(auth, &["chat:write"])?;
    let channel = required(req, "channel", "channel_not_found")?;
    let ts = required(req, "ts", "message_not_found")?;
    let (blocks, metadata) = content(req)?;
    let text = req.str("text");
    if text.is_none() && blocks.is_none() {
        return Err(ApiError::new("no_text"));
    }
    let now = world.now();
    let team = auth.record.team_id.clone();
    let message = own_message(world, auth, &channel, &ts, "cant_update_message")?;
    if let Some(text) = text {
        message.text = text;
    }
    if blocks.is_some() {
        message.blocks = blocks;
    }
    if metadata.is_some() {
        message.metadata = metadata;
    }
    message.edited = Some(format!("{now}.000000"));
    let rendered = message_json(message, &team, true);
    Ok(json!({"channel": channel, "ts": ts, "text": message.text, "message": rendered}))
}

/// <https://docs.slack.dev/reference/methods/chat.delete>: only the author may delete.
pub fn delete(world: &mut World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    require_scope(auth, &["chat:write"])?;
    let channel = required(req, "channel", "channel_not_found")?;
    let ts = required(req, "ts", "message_not_found")?;
    own_message(world, auth, &channel, &ts, "cant_delete_message")?;
    world
        .channels
        .get_mut(&channel)
        .expect("visible")
        .messages
        .retain(|m| m.ts != ts);
    Ok(json!({"channel": channel, "ts": ts}))
}

/// <https://docs.slack.dev/reference/methods/chat.getPermalink>
pub fn get_permalink(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    let channel_id = required(req, "channel", "channel_not_found")?;
    let ts = required(req, "message_ts", "message_not_found")?;
    let channel = visible_channel(world, auth, &channel_id)?;
    if !channel.messages.iter().any(|m| m.ts == ts) {
        return Err(ApiError::new("message_not_found"));
    }
    let domain = &world.teams[&channel.team_id].domain;
    Ok(json!({
        "channel": channel_id,
        "permalink": format!("https://{domain}.slack.com/archives/{channel_id}/p{}", ts.replace('.', "")),
    }))
}
