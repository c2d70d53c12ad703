//! `users.list`, `users.info`, `users.lookupByEmail`.

use std::ops::Bound;

use serde_json::json;

use super::objects::UserObject;
use super::{
    Answer, ApiError, Auth, MethodResult, decode_cursor, encode_cursor, page_json, page_limit,
    require_scope, required, user_json,
};
use crate::request::ApiRequest;
use crate::state::World;

fn with_email(auth: &Auth) -> bool {
    auth.record.scopes.contains("users:read.email")
}

/// <https://docs.slack.dev/reference/methods/users.list>: every user of the workspace,
/// deleted ones and bots included, paged by cursor.
pub fn list(world: &World, auth: &Auth, req: &ApiRequest) -> Result<Answer, ApiError> {
    require_scope(auth, &["users:read"])?;
    let limit = page_limit(req, 200)?;
    let start = match req.str("cursor") {
        Some(cursor) => Bound::Excluded(decode_cursor(&cursor)?),
        None => Bound::Unbounded,
    };
    let team = &auth.record.team_id;
    let email = with_email(auth);
    let mut members = Vec::with_capacity(limit);
    let mut last = None;
    let mut more = false;
    for (id, user) in world.users.range((start, Bound::Unbounded)) {
        if &user.team_id != team {
            continue;
        }
        if members.len() == limit {
            more = true;
            break;
        }
        members.push(UserObject::new(user, email));
        last = Some(id.clone());
    }
    let next_cursor = match (more, last) {
        (true, Some(last)) => encode_cursor(&last),
        _ => String::new(),
    };
    Ok(Answer::Raw(page_json(
        "members",
        &members,
        &json!({"cache_ts": world.now(), "response_metadata": {"next_cursor": next_cursor}}),
    )))
}

/// <https://docs.slack.dev/reference/methods/users.info>
pub fn info(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    require_scope(auth, &["users:read"])?;
    let id = required(req, "user", "user_not_found")?;
    let user = world
        .users
        .get(&id)
        .filter(|u| u.team_id == auth.record.team_id)
        .ok_or_else(|| ApiError::new("user_not_found"))?;
    Ok(json!({"user": user_json(user, with_email(auth))}))
}

/// <https://docs.slack.dev/reference/methods/users.lookupByEmail>: note the plural error.
pub fn lookup_by_email(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    require_scope(auth, &["users:read.email"])?;
    let email = required(req, "email", "users_not_found")?;
    let user = world
        .users
        .values()
        .find(|u| {
            u.team_id == auth.record.team_id
                && !u.deleted
                && u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        })
        .ok_or_else(|| ApiError::new("users_not_found"))?;
    Ok(json!({"user": user_json(user, true)}))
}
