//! Slack's Web API methods, one module per family, over the [`World`]. Each handler returns
//! the response body without `ok` (added by the dispatcher) or an [`ApiError`].

pub mod auth;
pub mod chat;
pub mod conversations;
pub mod oauth;
pub mod objects;
pub mod team;
pub mod users;
pub mod views;

use serde_json::{Map, Value, json};

use crate::request::ApiRequest;
use crate::state::{Channel, TokenKind, TokenRecord, User, World};

/// `{"ok":false,"error":code, …extra}`.
#[derive(Debug)]
pub struct ApiError {
    pub code: String,
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(code: &str) -> ApiError {
        ApiError {
            code: code.to_owned(),
            extra: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        self.extra.insert(key.to_owned(), value);
        self
    }
}

pub type MethodResult = Result<Value, ApiError>;

/// The calling token, validated.
#[derive(Debug, Clone)]
pub struct Auth {
    pub token: String,
    pub record: TokenRecord,
}

impl Auth {
    pub fn actor(&self) -> &str {
        &self.record.user_id
    }

    pub fn is_bot(&self) -> bool {
        self.record.kind == TokenKind::Bot
    }

    pub fn scopes_csv(&self) -> String {
        self.record
            .scopes
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Validates the request's token the way Slack does: `not_authed`, `invalid_auth`,
/// `token_revoked`, `token_expired`, `account_inactive`.
pub fn authenticate(world: &World, req: &ApiRequest) -> Result<Auth, ApiError> {
    let token = req
        .token
        .as_deref()
        .ok_or_else(|| ApiError::new("not_authed"))?;
    if world.app_of_app_token(token).is_some() {
        // An app-level token only opens Socket Mode connections.
        return Err(ApiError::new("not_allowed_token_type"));
    }
    let record = world
        .tokens
        .get(token)
        .ok_or_else(|| ApiError::new("invalid_auth"))?;
    if record.revoked {
        return Err(ApiError::new("token_revoked"));
    }
    if record.expires_at.is_some_and(|at| world.now() >= at) {
        return Err(ApiError::new("token_expired"));
    }
    if world.users.get(&record.user_id).is_none_or(|u| u.deleted) {
        return Err(ApiError::new("account_inactive"));
    }
    Ok(Auth {
        token: token.to_owned(),
        record: record.clone(),
    })
}

/// `missing_scope` unless the token has one of `any_of`.
pub fn require_scope(auth: &Auth, any_of: &[&str]) -> Result<(), ApiError> {
    if any_of.is_empty() || any_of.iter().any(|s| auth.record.scopes.contains(*s)) {
        return Ok(());
    }
    Err(ApiError::new("missing_scope")
        .with("needed", json!(any_of.join(",")))
        .with("provided", json!(auth.scopes_csv())))
}

/// A required argument, or `error` (Slack names the missing one per method).
pub fn required(req: &ApiRequest, name: &str, error: &str) -> Result<String, ApiError> {
    req.str(name).ok_or_else(|| ApiError::new(error))
}

/// The conversation `id` as the actor may see it: `channel_not_found` for unknown ids, other
/// workspaces' channels, and private conversations the actor is not in.
pub fn visible_channel<'w>(
    world: &'w World,
    auth: &Auth,
    id: &str,
) -> Result<&'w Channel, ApiError> {
    let channel = world
        .channels
        .get(id)
        .filter(|c| c.team_id == auth.record.team_id)
        .ok_or_else(|| ApiError::new("channel_not_found"))?;
    if channel.is_private && !channel.members.contains(auth.actor()) {
        return Err(ApiError::new("channel_not_found"));
    }
    Ok(channel)
}

/// The scope that reads conversations of this kind.
pub fn read_scope(channel: &Channel) -> &'static str {
    if channel.is_im {
        "im:read"
    } else if channel.is_private {
        "groups:read"
    } else {
        "channels:read"
    }
}

pub fn history_scope(channel: &Channel) -> &'static str {
    if channel.is_im {
        "im:history"
    } else if channel.is_private {
        "groups:history"
    } else {
        "channels:history"
    }
}

/// A conversation object as Slack renders it for `actor` ([`objects::ChannelObject`]).
pub fn channel_json(channel: &Channel, actor: &str, with_num_members: bool) -> Value {
    serde_json::to_value(objects::ChannelObject::new(
        channel,
        actor,
        with_num_members,
    ))
    .expect("a conversation object serializes")
}

/// A user object ([`objects::UserObject`]); `email` only for tokens with `users:read.email`.
pub fn user_json(user: &User, with_email: bool) -> Value {
    serde_json::to_value(objects::UserObject::new(user, with_email))
        .expect("a user object serializes")
}

/// A handler's answer: a JSON object, or one already written out (the list methods write their
/// pages straight from [`objects`]), in both cases without `ok`.
#[derive(Debug)]
pub enum Answer {
    Json(Value),
    Raw(String),
}

/// Writes a JSON object whose `key` holds `items` (serialized straight, no `Value`) and whose
/// other fields are those of the object `rest`, for the list methods.
pub fn page_json<T: serde::Serialize>(key: &str, items: &[T], rest: &Value) -> String {
    let mut out = serde_json::to_string(rest).expect("an object serializes");
    let items = serde_json::to_string(items).expect("items serialize");
    let key = serde_json::to_string(key).expect("a key serializes");
    let separator = if out == "{}" { "" } else { "," };
    out.insert_str(1, &format!("{key}:{items}{separator}"));
    out
}

/// The cursor after `last_id`, in Slack's style (base64 of an opaque key).
pub fn encode_cursor(last_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("next:{last_id}"))
}

/// The id a cursor continues after; `invalid_cursor` for anything we did not hand out.
pub fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("next:").map(str::to_owned))
        .ok_or_else(|| ApiError::new("invalid_cursor"))
}

/// Validates `limit` against Slack's bounds for list methods (1…1000), defaulting to `default`.
pub fn page_limit(req: &ApiRequest, default: usize) -> Result<usize, ApiError> {
    match req.int("limit") {
        Ok(None) => Ok(default),
        Ok(Some(0)) => Ok(default),
        Ok(Some(n)) if (1..=1000).contains(&n) => Ok(n as usize),
        _ => Err(ApiError::new("invalid_limit")),
    }
}
