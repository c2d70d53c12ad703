//! Control endpoints under `/_emulator/`, in JSON, for tests, the demo and scripts: seeded
//! workspaces and their tokens, posted messages, token revocation and expiry, uninstalls, app
//! registration, fault injection, request statistics, the clock, and a reset.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Shared;
use crate::methods::oauth::is_desktop_redirect;
use crate::seed::SEEDED_CLIENT_ID;
use crate::state::{App, Fault, TokenKind};

fn refuse(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"ok": false, "error": message})),
    )
        .into_response()
}

/// The seeded workspaces with their tokens (also [`crate::Emulator::workspaces`]).
pub(crate) fn seeded_workspaces(shared: &Shared) -> Value {
    let world = shared.lock();
    let installed = shared.installed.lock().unwrap_or_else(|p| p.into_inner());
    let app = world.apps.get(SEEDED_CLIENT_ID);
    let list: Vec<Value> = world
        .teams
        .values()
        .map(|team| {
            json!({
                "team_id": team.id,
                "name": team.name,
                "domain": team.domain,
                "client_id": SEEDED_CLIENT_ID,
                "bot_user_id": app.and_then(|a| a.bot_users.get(&team.id)),
                "bot_token": installed.bot_tokens.get(&team.id),
                "admin_user_id": team.admin_user,
                "admin_user_token": installed.admin_tokens.get(&team.id),
                "app_id": app.map(|a| &a.app_id),
                "app_token": app.map(|a| &a.app_token),
            })
        })
        .collect();
    json!({"ok": true, "workspaces": list})
}

/// `GET /_emulator/workspaces`
pub async fn workspaces(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(seeded_workspaces(&shared))
}

#[derive(Debug, Deserialize)]
pub struct MessageFilter {
    channel: Option<String>,
}

/// `GET /_emulator/messages[?channel=C]`, oldest first.
pub async fn messages(
    State(shared): State<Arc<Shared>>,
    Query(filter): Query<MessageFilter>,
) -> Json<Value> {
    let world = shared.lock();
    let list: Vec<Value> = world
        .channels
        .values()
        .filter(|c| filter.channel.as_ref().is_none_or(|wanted| wanted == &c.id))
        .flat_map(|c| c.messages.iter())
        .map(|m| {
            json!({
                "channel": m.channel,
                "ts": m.ts,
                "text": m.text,
                "blocks": m.blocks,
                "metadata": m.metadata,
                "thread_ts": m.thread_ts,
                "user": m.user,
                "bot_id": m.bot_id,
                "token": m.posted_with,
            })
        })
        .collect();
    Json(json!({"ok": true, "messages": list}))
}

#[derive(Debug, Deserialize)]
pub struct TokenBody {
    token: String,
}

#[derive(Debug, Deserialize)]
pub struct RevokeBody {
    token: Option<String>,
    team_id: Option<String>,
    /// `bot` or `user`, with `team_id`: every such token of the workspace.
    kind: Option<String>,
}

/// `POST /_emulator/tokens/revoke`: `{"token": …}` revokes one token; `{"team_id": …,
/// "kind": "user"|"bot"}` revokes every token of that kind in the workspace (as when a person
/// revokes an app's access), for tests that cannot see the tokens they revoke.
pub async fn revoke_token(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<RevokeBody>,
) -> Response {
    let mut world = shared.lock();
    if let Some(token) = body.token {
        if let Some(app_id) = world.app_of_app_token(&token).map(|a| a.app_id.clone()) {
            world.revoked_app_tokens.insert(token);
            drop(world);
            let dropped = crate::socket::drop_app(&shared, &app_id);
            return Json(json!({"ok": true, "revoked_tokens": 1, "dropped_connections": dropped}))
                .into_response();
        }
        return match world.tokens.get_mut(&token) {
            Some(record) => {
                record.revoked = true;
                Json(json!({"ok": true, "revoked_tokens": 1})).into_response()
            }
            None => refuse("token_not_found"),
        };
    }
    let (Some(team_id), Some(kind)) = (body.team_id, body.kind) else {
        return refuse("give a token, or a team_id and a kind (bot or user)");
    };
    let kind = match kind.as_str() {
        "bot" => TokenKind::Bot,
        "user" => TokenKind::User,
        _ => return refuse("kind is bot or user"),
    };
    let mut revoked = 0;
    for record in world.tokens.values_mut() {
        if record.team_id == team_id && record.kind == kind && !record.revoked {
            record.revoked = true;
            revoked += 1;
        }
    }
    Json(json!({"ok": true, "revoked_tokens": revoked})).into_response()
}

/// `POST /_emulator/tokens/expire`: the token answers `token_expired` from now on.
pub async fn expire_token(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<TokenBody>,
) -> Response {
    let mut world = shared.lock();
    let now = world.now();
    match world.tokens.get_mut(&body.token) {
        Some(record) => {
            record.expires_at = Some(now);
            Json(json!({"ok": true})).into_response()
        }
        None => refuse("token_not_found"),
    }
}

/// An app in a workspace: the body of `apps/install` and `apps/uninstall`.
#[derive(Debug, Deserialize)]
pub struct AppInTeam {
    team_id: String,
    /// The seeded Switchboard app when left out.
    client_id: Option<String>,
}

impl AppInTeam {
    /// The app, when both the workspace and the app exist; the refusal's code otherwise.
    fn find(&self, world: &crate::state::World) -> Result<App, &'static str> {
        if !world.teams.contains_key(&self.team_id) {
            return Err("team_not_found");
        }
        let client_id = self.client_id.as_deref().unwrap_or(SEEDED_CLIENT_ID);
        world
            .apps
            .get(client_id)
            .cloned()
            .ok_or("invalid_client_id")
    }
}

/// `POST /_emulator/apps/uninstall`: revokes the app's tokens in the workspace.
pub async fn uninstall(State(shared): State<Arc<Shared>>, Json(body): Json<AppInTeam>) -> Response {
    let mut world = shared.lock();
    let app = match body.find(&world) {
        Ok(app) => app,
        Err(code) => return refuse(code),
    };
    let revoked = world.uninstall(&body.team_id, Some(&app.app_id));
    Json(json!({"ok": true, "revoked_tokens": revoked})).into_response()
}

/// `POST /_emulator/apps/install`: *Install to Workspace* on the app's settings page, as the
/// owner does before copying the bot token: a bot token with the app's bot scopes — rotating
/// (`xoxe.xoxb-…`, 12 hours, with its refresh token) when the app has token rotation on, as
/// Slack issues it.
pub async fn install(State(shared): State<Arc<Shared>>, Json(body): Json<AppInTeam>) -> Response {
    let mut world = shared.lock();
    let app = match body.find(&world) {
        Ok(app) => app,
        Err(code) => return refuse(code),
    };
    if app.bot_scopes.is_empty() {
        return refuse("the app has no bot scopes, so installing it gives no bot token");
    }
    let bot_user = crate::seed::ensure_bot_user(&mut world, &app.client_id, &body.team_id);
    let fields = crate::methods::oauth::issue(
        &mut world,
        &app,
        &body.team_id,
        crate::methods::oauth::Grant {
            kind: TokenKind::Bot,
            user_id: bot_user.clone(),
            scopes: app.bot_scopes.iter().cloned().collect(),
        },
        app.token_rotation,
        app.pkce,
    );
    Json(json!({
        "ok": true,
        "bot_token": fields["access_token"],
        "refresh_token": fields.get("refresh_token"),
        "expires_in": fields.get("expires_in"),
        "bot_user_id": bot_user,
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct AppBody {
    client_id: Option<String>,
    client_secret: Option<String>,
    #[serde(default)]
    redirect_urls: Vec<String>,
    #[serde(default)]
    pkce: bool,
    token_rotation: Option<bool>,
    #[serde(default)]
    bot_scopes: Vec<String>,
    #[serde(default)]
    user_scopes: Vec<String>,
    name: Option<String>,
}

/// `POST /_emulator/apps`: registers a Slack app, with Slack's redirect rules.
pub async fn register_app(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<AppBody>,
) -> Response {
    let mut world = shared.lock();
    if body.redirect_urls.is_empty() {
        return refuse("an app needs at least one redirect URL");
    }
    for url in &body.redirect_urls {
        if url::Url::parse(url).is_err() {
            return refuse(&format!("{url} is not a URL"));
        }
        if !body.pkce && !url.starts_with("https://") {
            return refuse(&format!(
                "{url}: apps without PKCE must use https redirect URLs"
            ));
        }
    }
    if !body.pkce && body.client_secret.is_none() {
        return refuse("an app without PKCE is a confidential client and needs a client_secret");
    }
    let client_id = body.client_id.unwrap_or_else(|| {
        format!(
            "{}.{}",
            1_000_000_000 + world.apps.len(),
            2_000_000_000 + world.apps.len()
        )
    });
    if world.apps.contains_key(&client_id) {
        return refuse("client_id already registered");
    }
    let app_id = world.next_id('A');
    let app_token = world.new_app_token(&app_id);
    let desktop_only = body.redirect_urls.iter().all(|u| is_desktop_redirect(u));
    let app = App {
        app_id,
        client_id: client_id.clone(),
        client_secret: body.client_secret,
        redirect_urls: body.redirect_urls,
        pkce: body.pkce,
        token_rotation: body.token_rotation.unwrap_or(body.pkce && desktop_only),
        bot_scopes: body
            .bot_scopes
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        user_scopes: body
            .user_scopes
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        name: body.name.unwrap_or_else(|| "Test App".to_owned()),
        app_token,
        bot_users: BTreeMap::new(),
    };
    let rendered = serde_json::to_value(&app).unwrap_or(Value::Null);
    world.apps.insert(client_id, app);
    Json(json!({"ok": true, "app": rendered})).into_response()
}

/// `POST /_emulator/faults`
pub async fn add_fault(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> Response {
    if !(0.0..=1.0).contains(&fault.rate) {
        return refuse("rate must be between 0 and 1");
    }
    shared.lock().faults.push(fault);
    Json(json!({"ok": true})).into_response()
}

/// `DELETE /_emulator/faults`
pub async fn clear_faults(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.lock().faults.clear();
    Json(json!({"ok": true}))
}

/// `GET /_emulator/stats`
pub async fn stats(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.lock();
    let stats = &world.stats;
    Json(json!({
        "ok": true,
        "requests": stats.requests,
        "total_requests": stats.requests.values().sum::<u64>(),
        "rate_limited": stats.rate_limited,
        "total_rate_limited": stats.rate_limited.values().sum::<u64>(),
        "faults_injected": stats.faults_injected,
        "socket": crate::socket::stats(&shared),
    }))
}

/// `POST /_emulator/reset`: back to the seed, limits and faults cleared.
pub async fn reset(State(shared): State<Arc<Shared>>) -> Json<Value> {
    shared.reset();
    Json(json!({"ok": true}))
}

#[derive(Debug, Deserialize)]
pub struct BrowserBody {
    user_id: Option<String>,
}

/// `POST /_emulator/browser`: who is signed in to Slack in the browser (`user_id`, or `null`
/// for nobody: the workspace's admin is then pre-selected). The consent pages pre-select them
/// and their workspace, so a script that clicks Allow signs in as them.
pub async fn browser(State(shared): State<Arc<Shared>>, Json(body): Json<BrowserBody>) -> Response {
    let mut world = shared.lock();
    if let Some(id) = &body.user_id
        && world.users.get(id).is_none_or(|u| u.deleted || u.is_bot)
    {
        return refuse("user_not_found");
    }
    world.browser_user = body.user_id.clone();
    Json(json!({"ok": true, "user_id": body.user_id})).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ClockBody {
    advance_seconds: i64,
}

/// `POST /_emulator/clock`: moves the emulator's clock forward, to test expiry.
pub async fn clock(State(shared): State<Arc<Shared>>, Json(body): Json<ClockBody>) -> Response {
    if body.advance_seconds < 0 {
        return refuse("the clock only moves forward");
    }
    let mut world = shared.lock();
    world.clock_offset += body.advance_seconds;
    Json(json!({"ok": true, "now": world.now()})).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LimitsBody {
    enabled: bool,
}

/// `POST /_emulator/rate-limits`: turns rate limiting on or off.
pub async fn rate_limits(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<LimitsBody>,
) -> Json<Value> {
    shared.set_rate_limits(body.enabled);
    Json(json!({"ok": true, "enabled": body.enabled}))
}

#[derive(Debug, Deserialize)]
pub struct ChannelChange {
    channel: String,
    /// Archive (`true`) or unarchive (`false`) it.
    archived: Option<bool>,
    /// A member to remove (a person kicking the app out: `/remove @App`).
    remove_member: Option<String>,
    /// A member to add (an `/invite`).
    add_member: Option<String>,
}

/// `POST /_emulator/channels/update`: what people do to a channel in Slack — archive or
/// unarchive it, remove or invite a member — so delivery's failures can be provoked.
pub async fn update_channel(
    State(shared): State<Arc<Shared>>,
    Json(change): Json<ChannelChange>,
) -> Response {
    let mut world = shared.lock();
    let Some(channel) = world.channels.get_mut(&change.channel) else {
        return refuse("channel_not_found");
    };
    if let Some(archived) = change.archived {
        channel.is_archived = archived;
    }
    if let Some(user) = &change.remove_member {
        channel.members.remove(user);
    }
    if let Some(user) = change.add_member {
        channel.members.insert(user);
    }
    Json(
        json!({"ok": true, "channel": channel.id, "is_archived": channel.is_archived,
                "members": channel.members}),
    )
    .into_response()
}

/// A person to add to (or change in) a workspace, as people join and leave in Slack.
#[derive(Debug, Deserialize)]
pub struct UserChange {
    team_id: String,
    /// Change this user (else add one).
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    /// Set exactly as given (letter case and `+tags` kept); `""` removes it.
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    deleted: Option<bool>,
    #[serde(default)]
    tz: Option<String>,
}

/// `POST /_emulator/users`: adds a person to a workspace (`name`, `real_name`, `email`, `tz`,
/// `deleted`), or changes one (`user_id`: deactivate, reactivate, a new address). Answers the
/// user's id.
pub async fn user(State(shared): State<Arc<Shared>>, Json(change): Json<UserChange>) -> Response {
    let mut world = shared.lock();
    if !world.teams.contains_key(&change.team_id) {
        return refuse("team_not_found");
    }
    let id = match &change.user_id {
        Some(id) => {
            if world
                .users
                .get(id)
                .is_none_or(|u| u.team_id != change.team_id)
            {
                return refuse("user_not_found");
            }
            id.clone()
        }
        None => {
            let handle = change.name.clone().unwrap_or_else(|| "person".into());
            let real_name = change.real_name.clone().unwrap_or_else(|| handle.clone());
            let tz = change.tz.clone().unwrap_or_else(|| "Europe/Berlin".into());
            crate::seed::add_user(
                &mut world,
                &change.team_id,
                &real_name,
                &handle,
                "",
                &tz,
                "example.invalid",
                false,
            )
        }
    };
    let now = world.now();
    let user = world.users.get_mut(&id).expect("found or added above");
    if let Some(name) = change.name {
        user.name = name;
    }
    if let Some(real_name) = change.real_name {
        user.display_name = real_name.split(' ').next().unwrap_or(&real_name).to_owned();
        user.real_name = real_name;
    }
    if let Some(email) = change.email {
        user.email = (!email.is_empty()).then_some(email);
    }
    if let Some(deleted) = change.deleted {
        user.deleted = deleted;
    }
    if let Some(tz) = change.tz {
        user.tz = tz;
    }
    user.updated = now;
    Json(json!({"ok": true, "user_id": id})).into_response()
}
