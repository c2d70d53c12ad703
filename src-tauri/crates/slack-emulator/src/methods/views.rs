//! `views.open`: a modal opened in answer to an interaction, with the interaction's
//! `trigger_id` (single use, 3 seconds), as <https://docs.slack.dev/reference/methods/views.open>
//! describes. The person then submits it through `POST /_emulator/socket/view-submission`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{ApiError, Auth, MethodResult};
use crate::request::ApiRequest;
use crate::state::{OpenView, World};

/// Slack's trigger lifetime.
pub const TRIGGER_MS: i64 = 3_000;

/// Wall-clock Unix milliseconds (triggers expire in real time, whatever the emulator clock).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn invalid(message: &str) -> ApiError {
    ApiError::new("invalid_arguments").with(
        "response_metadata",
        json!({"messages": [format!("[ERROR] {message}")]}),
    )
}

/// Checks a modal the way Slack's validation does for the fields Switchboard uses.
fn check_view(view: &Value) -> Result<(), ApiError> {
    if view["type"] != "modal" {
        return Err(invalid("must be a modal view [json-pointer:/view/type]"));
    }
    for (field, max) in [("title", 24), ("submit", 24), ("close", 24)] {
        match &view[field] {
            Value::Null if field != "title" => {}
            text if text["type"] == "plain_text" => {
                let length = text["text"].as_str().map_or(0, |t| t.chars().count());
                if length == 0 || length > max {
                    return Err(invalid(&format!(
                        "must be 1 to {max} characters [json-pointer:/view/{field}/text]"
                    )));
                }
            }
            _ => {
                return Err(invalid(&format!(
                    "must be a plain_text object [json-pointer:/view/{field}]"
                )));
            }
        }
    }
    let blocks = view["blocks"]
        .as_array()
        .ok_or_else(|| invalid("must provide an array [json-pointer:/view/blocks]"))?;
    if blocks.is_empty() || blocks.len() > 100 {
        return Err(invalid(
            "must hold 1 to 100 blocks [json-pointer:/view/blocks]",
        ));
    }
    let has_input = blocks.iter().any(|b| b["type"] == "input");
    if has_input && view["submit"].is_null() {
        return Err(invalid(
            "a view with input blocks needs a submit button [json-pointer:/view/submit]",
        ));
    }
    if view["private_metadata"]
        .as_str()
        .is_some_and(|m| m.len() > 3_000)
    {
        return Err(invalid(
            "must be at most 3000 characters [json-pointer:/view/private_metadata]",
        ));
    }
    if view["callback_id"].as_str().is_some_and(|c| c.len() > 255) {
        return Err(invalid(
            "must be at most 255 characters [json-pointer:/view/callback_id]",
        ));
    }
    Ok(())
}

/// <https://docs.slack.dev/reference/methods/views.open>
pub fn open(world: &mut World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    let trigger_id = req
        .str("trigger_id")
        .ok_or_else(|| ApiError::new("invalid_arguments"))?;
    let view = req
        .json("view")
        .map_err(|()| ApiError::new("invalid_arguments"))?
        .ok_or_else(|| invalid("missing required field: view"))?;
    let now = now_ms();
    let trigger = world
        .triggers
        .get_mut(&trigger_id)
        .filter(|t| t.app_id == auth.record.app_id && t.team_id == auth.record.team_id)
        .ok_or_else(|| ApiError::new("invalid_trigger_id"))?;
    if trigger.used {
        return Err(ApiError::new("exchanged_trigger_id"));
    }
    if now - trigger.issued_at_ms > TRIGGER_MS {
        return Err(ApiError::new("expired_trigger_id"));
    }
    check_view(&view)?;
    trigger.used = true;
    let (team_id, user_id) = (trigger.team_id.clone(), trigger.user_id.clone());
    let id = world.next_id('V');
    let bot_id = world
        .users
        .get(&auth.record.user_id)
        .and_then(|u| u.bot_id.clone())
        .unwrap_or_default();
    let mut shown = view.clone();
    let fields = json!({
        "id": id,
        "team_id": team_id,
        "state": {"values": {}},
        "hash": format!("{}.{}", now / 1000, world.secret(8)),
        "previous_view_id": null,
        "root_view_id": id,
        "app_id": auth.record.app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
        "private_metadata": view["private_metadata"].as_str().unwrap_or_default(),
        "callback_id": view["callback_id"].as_str().unwrap_or_default(),
        "clear_on_close": false,
        "notify_on_close": false,
    });
    if let (Some(shown), Some(fields)) = (shown.as_object_mut(), fields.as_object()) {
        for (k, v) in fields {
            shown.insert(k.clone(), v.clone());
        }
    }
    let seq = world.views.len() as u64 + now as u64;
    world.views.insert(
        id,
        OpenView {
            app_id: auth.record.app_id.clone(),
            team_id,
            user_id,
            view: shown.clone(),
            seq,
        },
    );
    Ok(json!({"view": shown}))
}
