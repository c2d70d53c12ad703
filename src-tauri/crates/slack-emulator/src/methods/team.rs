//! `team.info`.

use serde_json::json;

use super::{ApiError, Auth, MethodResult, require_scope};
use crate::request::ApiRequest;
use crate::state::World;

/// <https://docs.slack.dev/reference/methods/team.info>
pub fn info(world: &World, auth: &Auth, req: &ApiRequest) -> MethodResult {
    require_scope(auth, &["team:read"])?;
    let team_id = req
        .str("team")
        .unwrap_or_else(|| auth.record.team_id.clone());
    if team_id != auth.record.team_id {
        return Err(ApiError::new("team_not_found"));
    }
    let team = &world.teams[&team_id];
    let icon = |size: u32| format!("https://avatars.slack-edge.example/{}_{size}.png", team.id);
    Ok(json!({
        "team": {
            "id": team.id,
            "name": team.name,
            "domain": team.domain,
            "email_domain": team.email_domain,
            "icon": {
                "image_34": icon(34),
                "image_44": icon(44),
                "image_68": icon(68),
                "image_88": icon(88),
                "image_102": icon(102),
                "image_132": icon(132),
                "image_230": icon(230),
                "image_default": true,
            },
        }
    }))
}
