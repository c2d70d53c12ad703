//! `conversations.list`, `.info`, `.join`, `.open`, `.history`.

use std::collections::BTreeSet;
use std::ops::Bound;

use serde_json::{Value, json};

use super::objects::ChannelObject;
use super::{
    Answer, ApiError, Auth, MethodResult, channel_json, decode_cursor, encode_cursor,
    history_scope, page_json, page_limit, read_scope, require_scope, required, visible_channel,
};
use crate::request::ApiRequest;
use crate::state::{Channel, Message, World};

const TYPES: [(&str, &str); 4] = [
    ("public_channel", "channels:read"),
    ("private_channel", "groups:read"),
    ("mpim", "mpim:read"),
    ("im", "im:read"),
];

fn kind(channel: &Channel) -> &'static str {
    if channel.is_im {
        "im"
    } else if channel.is_private {
        "private_channel"
    } else {
        "public_channel"
    }
}

/// <https://docs.slack.dev/reference/methods/conversations.list>: the conversations of the
/// requested types the actor can see (private ones only when a member), paged by cursor.
pub fn list(world: &World, auth: &Auth, req: &ApiRequest) -> Result<Answer, ApiError> {
    let requested = req
        .str("types")
        .unwrap_or_else(|| "public_channel".to_owned());
    let mut types = BTreeSet::new();
    for name in requested
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let (_, scope) = TYPES
            .iter()
            .find(|(t, _)| *t == name)
            .ok_or_else(|| ApiError::new("invalid_types"))?;
        require_scope(auth, &[scope])?;
        types.insert(name);
    }
    let exclude_archived = req.flag("exclude_archived");
    let limit = page_limit(req, 100)?;
    let start = match req.str("cursor") {
        Some(cursor) => Bound::Excluded(decode_cursor(&cursor)?),
        None => Bound::Unbounded,
    };
    let actor = auth.actor();
    let mut channels = Vec::with_capacity(limit);
    let mut last = None;
    let mut more = false;
    for (id, channel) in world.channels.range((start, Bound::Unbounded)) {
        let visible = channel.team_id == auth.record.team_id
            && types.contains(kind(channel))
            && !(exclude_archived && channel.is_archived)
            && (!channel.is_private || channel.members.contains(actor));
        if !visible {
            continue;
        }
        if channels.len() == limit {
            more = true;
            break;
        }
        channels.push(ChannelObject::new(channel, actor, true));
        last = Some(id.clone());
    }
    let next_cursor = match (more, last) {
        (true, Some(last)) => encode_cursor(&last),
        _ => String::new(),
    };
    Ok(Answer::Raw(page_json(
        "channels",
        &channels,
        &json!({"response_metadata": {"next_cursor": next_cursor}}),
    )))
}

/// <https://docs.slack.dev/reference/methods/conversations.info>
pub fn info(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    let id = required(req, "channel", "channel_not_found")?;
    let channel = visible_channel(world, auth, &id)?;
    require_scope(auth, &[read_scope(channel)])?;
    Ok(json!({"channel": channel_json(channel, auth.actor(), req.flag("include_num_members"))}))
}

/// <https://docs.slack.dev/reference/methods/conversations.join>: public channels only; a
/// member gets the `already_in_channel` warning.
pub fn join(
    world: &mut World,
    auth: &Auth,
    req: &ApiRequest,
    warnings: &mut Vec<&'static str>,
) -> MethodResult {
    let id = required(req, "channel", "channel_not_found")?;
    let channel = visible_channel(world, auth, &id)?;
    require_scope(auth, &["channels:join", "channels:write"])?;
    if channel.is_private || channel.is_im {
        return Err(ApiError::new("method_not_supported_for_channel_type"));
    }
    if channel.is_archived {
        return Err(ApiError::new("is_archived"));
    }
    let actor = auth.actor().to_owned();
    let channel = world.channels.get_mut(&id).expect("visible");
    if !channel.members.insert(actor.clone()) {
        warnings.push("already_in_channel");
    }
    Ok(json!({"channel": channel_json(channel, &actor, true)}))
}

/// <https://docs.slack.dev/reference/methods/conversations.open>: opens (or finds) the DM with
/// one user; `return_im` returns the whole conversation.
pub fn open(world: &mut World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    require_scope(auth, &["im:write", "mpim:write"])?;
    if let Some(id) = req.str("channel") {
        let channel = visible_channel(world, auth, &id)?;
        return Ok(
            json!({"channel": channel_json(channel, auth.actor(), false), "no_op": true, "already_open": true}),
        );
    }
    let users = req
        .str("users")
        .ok_or_else(|| ApiError::new("users_list_not_supplied"))?;
    let users: Vec<&str> = users
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    match users.len() {
        0 => return Err(ApiError::new("users_list_not_supplied")),
        1 => {}
        2..=8 => return Err(ApiError::new("method_not_supported_for_channel_type")),
        _ => return Err(ApiError::new("too_many_users")),
    }
    let other = users[0];
    let user = world
        .users
        .get(other)
        .filter(|u| u.team_id == auth.record.team_id)
        .ok_or_else(|| ApiError::new("user_not_found"))?;
    if user.deleted {
        return Err(ApiError::new("user_disabled"));
    }
    let existed = world.channels.values().any(|c| {
        c.is_im
            && c.team_id == auth.record.team_id
            && c.members.contains(auth.actor())
            && c.members.contains(other)
    });
    let id = world.open_im(&auth.record.team_id, auth.actor(), other);
    let channel = &world.channels[&id];
    let mut body = if req.flag("return_im") {
        json!({"channel": channel_json(channel, auth.actor(), false)})
    } else {
        json!({"channel": {"id": id}})
    };
    if existed {
        body["no_op"] = json!(true);
        body["already_open"] = json!(true);
    }
    Ok(body)
}

/// A message as `conversations.history` and `chat.*` render it.
pub fn message_json(message: &Message, team_id: &str, with_metadata: bool) -> Value {
    let mut object = json!({"type": "message", "text": message.text, "ts": message.ts});
    if let Some(user) = &message.user {
        object["user"] = json!(user);
    }
    if let Some(bot_id) = &message.bot_id {
        object["bot_id"] = json!(bot_id);
    }
    if let Some(app_id) = &message.app_id {
        object["app_id"] = json!(app_id);
    }
    object["team"] = json!(team_id);
    if let Some(blocks) = &message.blocks {
        object["blocks"] = blocks.clone();
    }
    if let Some(thread_ts) = &message.thread_ts {
        object["thread_ts"] = json!(thread_ts);
    }
    if let Some(edited) = &message.edited {
        object["edited"] = json!({"user": message.user.clone().unwrap_or_default(), "ts": edited});
    }
    if with_metadata && let Some(metadata) = &message.metadata {
        object["metadata"] = metadata.clone();
    }
    object
}

fn parse_ts(value: Option<String>, error: &str) -> Result<Option<(i64, u32)>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    let (secs, frac) = value.split_once('.').unwrap_or((&value, "0"));
    let secs = secs.parse().map_err(|_| ApiError::new(error))?;
    let frac = frac.parse().map_err(|_| ApiError::new(error))?;
    Ok(Some((secs, frac)))
}

fn ts_key(ts: &str) -> (i64, u32) {
    parse_ts(Some(ts.to_owned()), "")
        .ok()
        .flatten()
        .unwrap_or((0, 0))
}

/// <https://docs.slack.dev/reference/methods/conversations.history>: newest first; bots read
/// only channels they are in; `metadata` only with `include_all_metadata`.
pub fn history(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    let id = required(req, "channel", "channel_not_found")?;
    let channel = visible_channel(world, auth, &id)?;
    require_scope(auth, &[history_scope(channel)])?;
    if !channel.members.contains(auth.actor()) {
        return Err(ApiError::new("not_in_channel"));
    }
    let latest = parse_ts(req.str("latest"), "invalid_ts_latest")?;
    let oldest = parse_ts(req.str("oldest"), "invalid_ts_oldest")?;
    let inclusive = req.flag("inclusive");
    let limit = match req.int("limit") {
        Ok(None) | Ok(Some(0)) => 100,
        Ok(Some(n)) if (1..=999).contains(&n) => n as usize,
        Ok(Some(n)) if n > 999 => 999,
        _ => return Err(ApiError::new("invalid_limit")),
    };
    let before: Option<(i64, u32)> = match req.str("cursor") {
        Some(cursor) => Some(ts_key(&decode_cursor(&cursor)?)),
        None => None,
    };
    let with_metadata = req.flag("include_all_metadata");
    let in_range = |m: &&Message| {
        let key = ts_key(&m.ts);
        let under_latest = latest.is_none_or(|l| if inclusive { key <= l } else { key < l });
        let over_oldest = oldest.is_none_or(|o| if inclusive { key >= o } else { key > o });
        let before_cursor = before.is_none_or(|b| key < b);
        under_latest && over_oldest && before_cursor
    };
    // Thread replies stay in their thread (conversations.replies), as in Slack.
    let top_level = |m: &&Message| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts);
    let mut selected: Vec<&Message> = channel
        .messages
        .iter()
        .rev()
        .filter(top_level)
        .filter(in_range)
        .take(limit + 1)
        .collect();
    let has_more = selected.len() > limit;
    selected.truncate(limit);
    let next_cursor = if has_more {
        selected
            .last()
            .map(|m| encode_cursor(&m.ts))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let messages: Vec<Value> = selected
        .iter()
        .map(|m| message_json(m, &channel.team_id, with_metadata))
        .collect();
    let mut body = json!({
        "messages": messages,
        "has_more": has_more,
        "pin_count": 0,
        "channel_actions_ts": null,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    });
    if let Some(latest) = req.str("latest") {
        body["latest"] = json!(latest);
    }
    Ok(body)
}

/// <https://docs.slack.dev/reference/methods/conversations.replies>: a thread, oldest first,
/// its parent message first on the first page; `metadata` only with `include_all_metadata`.
pub fn replies(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    let id = required(req, "channel", "channel_not_found")?;
    let channel = visible_channel(world, auth, &id)?;
    require_scope(auth, &[history_scope(channel)])?;
    if !channel.members.contains(auth.actor()) {
        return Err(ApiError::new("not_in_channel"));
    }
    let thread = required(req, "ts", "thread_not_found")?;
    let Some(parent) = channel.messages.iter().find(|m| m.ts == thread) else {
        return Err(ApiError::new("thread_not_found"));
    };
    let latest = parse_ts(req.str("latest"), "invalid_ts_latest")?;
    let oldest = parse_ts(req.str("oldest"), "invalid_ts_oldest")?;
    let inclusive = req.flag("inclusive");
    let limit = match req.int("limit") {
        Ok(None) | Ok(Some(0)) => 1000,
        Ok(Some(n)) if (1..=1000).contains(&n) => n as usize,
        Ok(Some(_)) => 1000,
        _ => return Err(ApiError::new("invalid_limit")),
    };
    let after: Option<(i64, u32)> = match req.str("cursor") {
        Some(cursor) => Some(ts_key(&decode_cursor(&cursor)?)),
        None => None,
    };
    let in_range = |m: &&Message| {
        let key = ts_key(&m.ts);
        let under_latest = latest.is_none_or(|l| if inclusive { key <= l } else { key < l });
        let over_oldest = oldest.is_none_or(|o| if inclusive { key >= o } else { key > o });
        let after_cursor = after.is_none_or(|a| key > a);
        under_latest && over_oldest && after_cursor
    };
    let mut selected: Vec<&Message> = Vec::new();
    if after.is_none() {
        selected.push(parent);
    }
    selected.extend(
        channel
            .messages
            .iter()
            .filter(|m| m.ts != thread && m.thread_ts.as_deref() == Some(thread.as_str()))
            .filter(in_range)
            .take(limit + 1),
    );
    let has_more = selected.len() > limit;
    selected.truncate(limit);
    let next_cursor = if has_more {
        selected
            .last()
            .map(|m| encode_cursor(&m.ts))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let with_metadata = req.flag("include_all_metadata");
    let messages: Vec<Value> = selected
        .iter()
        .map(|m| message_json(m, &channel.team_id, with_metadata))
        .collect();
    Ok(json!({
        "messages": messages,
        "has_more": has_more,
        "response_metadata": {"next_cursor": next_cursor},
    }))
}
