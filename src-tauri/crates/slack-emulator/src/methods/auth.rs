//! `auth.test`, `auth.revoke` and `api.test`.

use serde_json::{Map, Value, json};

use super::{ApiError, Auth, MethodResult};
use crate::request::ApiRequest;
use crate::state::World;

/// <https://docs.slack.dev/reference/methods/auth.test>
pub fn test(world: &World, auth: &Auth) -> MethodResult {
    let team = &world.teams[&auth.record.team_id];
    let user = &world.users[auth.actor()];
    let mut body = json!({
        "url": format!("https://{}.slack.com/", team.domain),
        "team": team.name,
        "user": user.name,
        "team_id": team.id,
        "user_id": user.id,
        "is_enterprise_install": false,
    });
    if let Some(bot_id) = &user.bot_id {
        body["bot_id"] = json!(bot_id);
    }
    if let Some(at) = auth.record.expires_at {
        body["expires_in"] = json!((at - world.now()).max(0));
    }
    Ok(body)
}

/// <https://docs.slack.dev/reference/methods/auth.revoke>; `test=1` only checks.
pub fn revoke(world: &mut World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    if req.flag("test") {
        return Ok(json!({"revoked": false}));
    }
    if let Some(record) = world.tokens.get_mut(&auth.token) {
        record.revoked = true;
    }
    Ok(json!({"revoked": true}))
}

/// <https://docs.slack.dev/reference/methods/api.test>: echoes its arguments; `error=x` fails
/// with `x`.
pub fn api_test(req: &ApiRequest) -> MethodResult {
    let args: Map<String, Value> = req
        .args
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.clone(), |s| json!(s)),
            )
        })
        .collect();
    if let Some(error) = req.str("error") {
        return Err(ApiError::new(&error).with("args", Value::Object(args)));
    }
    if args.is_empty() {
        Ok(json!({}))
    } else {
        Ok(json!({"args": args}))
    }
}
