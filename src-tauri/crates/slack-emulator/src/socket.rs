//! Socket Mode, as Slack speaks it (`../shared/socket-mode.md`).
//!
//! - `apps.connections.open` with an app-level token (`xapp-…`) hands out a single-use
//!   `ws://…/link/?ticket=…&app_id=…` URL.
//! - The WebSocket says `hello` first, pings every [`PING_EVERY`], carries envelopes
//!   (`events_api`, `interactive`, `slash_commands`) to one open connection of the app chosen at
//!   random, and takes acks `{"envelope_id", "payload"}`. At most [`MAX_CONNECTIONS`] per app;
//!   one more is told `too_many_websockets`.
//! - An `events_api` envelope not acknowledged within [`ACK_DEADLINE`] is delivered again with
//!   `retry_attempt` and `retry_reason`, up to [`MAX_RETRIES`] times; while the app has no
//!   connection it waits for one. Slack spaces its retries out (about +1 and +5 minutes); the
//!   emulator retries after each missed deadline so tests stay quick. Interactive and
//!   slash-command envelopes are not retried: the person sees Slack's `dispatch_failed`, and
//!   the control endpoint answers that.
//! - A connection lives [`CONNECTION_TIME`] (360 s with `debug_reconnects=true`), then gets a
//!   `disconnect` warning and is closed [`WARNING_GRACE`] later.
//!
//! Control endpoints act as a Slack user: `POST /_emulator/socket/slash-command`,
//! `…/block-action`, `…/dm` (with or without a file), and `…/drop` (close abruptly, warn with
//! `disconnect`, or refuse new sockets for a while). `GET /_emulator/stats` reports deliveries,
//! acks, retries and ack latency.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::Shared;
use crate::api::slack_json;
use crate::request::ApiRequest;
use crate::seed::SEEDED_CLIENT_ID;
use crate::state::{App, Message as SlackMessage, World};

/// Slack's deadline for an ack.
pub const ACK_DEADLINE: Duration = Duration::from_secs(3);
/// How often an unacknowledged `events_api` envelope is delivered again.
pub const MAX_RETRIES: u32 = 3;
/// Slack pings every few seconds; clients treat 30 s of silence as a dead link.
pub const PING_EVERY: Duration = Duration::from_secs(5);
/// A connection's lifetime: Slack's reported `approximate_connection_time` (5 h 1 min).
pub const CONNECTION_TIME: Duration = Duration::from_secs(18_060);
const DEBUG_CONNECTION_TIME: Duration = Duration::from_secs(360);
/// Between a `disconnect` warning and the close.
pub const WARNING_GRACE: Duration = Duration::from_secs(10);
pub const MAX_CONNECTIONS: usize = 10;
const HOST: &str = "applink-emulator";

/// Everything Socket Mode holds, behind its own lock (never held across an `.await`).
#[derive(Debug, Default)]
pub struct Hub {
    next_connection: u64,
    connections: Vec<Connection>,
    tickets: HashMap<String, Ticket>,
    /// Envelopes delivered and not yet acknowledged, by envelope id.
    waiting: HashMap<String, Waiting>,
    refuse_until: Option<Instant>,
    stats: SocketStats,
    /// Bodies posted to `response_url`s, oldest first.
    responses: Vec<Value>,
}

#[derive(Debug)]
struct Connection {
    id: u64,
    app_id: String,
    to_socket: mpsc::UnboundedSender<Out>,
    /// Told to `disconnect`: new envelopes go elsewhere while another connection is open.
    warned: bool,
}

#[derive(Debug, Clone)]
struct Ticket {
    app_id: String,
    debug_reconnects: bool,
}

#[derive(Debug)]
struct Waiting {
    sent_at: Instant,
    ack: oneshot::Sender<Value>,
}

#[derive(Debug, Default)]
struct SocketStats {
    opened: u64,
    delivered: u64,
    acked: u64,
    retried: u64,
    lost: u64,
    unknown_acks: u64,
    ack_ms: Vec<f64>,
}

/// What a connection's task is told to do.
#[derive(Debug)]
enum Out {
    Text(String),
    /// Send `disconnect` with this reason, close `after` later.
    Warn {
        reason: String,
        after: Duration,
    },
    /// Stop at once, without a close frame (a dropped network).
    Drop,
}

impl Hub {
    pub fn clear(&mut self) {
        for connection in self.connections.drain(..) {
            let _ = connection.to_socket.send(Out::Drop);
        }
        *self = Hub::default();
    }
}

pub(crate) fn hub(shared: &Shared) -> std::sync::MutexGuard<'_, Hub> {
    shared.socket.lock().unwrap_or_else(|p| p.into_inner())
}

/// `apps.connections.open`: an app-level token in `Authorization: Bearer`; answers a
/// single-use WebSocket URL on the host the caller reached.
pub fn connections_open(shared: &Shared, headers: &HeaderMap, req: &ApiRequest) -> Response {
    let answer = |body: Value| slack_json(StatusCode::OK, &body);
    let Some(token) = req.token.as_deref() else {
        return answer(json!({"ok": false, "error": "not_authed"}));
    };
    let app_id = {
        let world = shared.lock();
        match world.app_of_app_token(token) {
            Some(app) => app.app_id.clone(),
            None if world.tokens.contains_key(token) => {
                return answer(json!({"ok": false, "error": "not_allowed_token_type"}));
            }
            None if world.revoked_app_tokens.contains(token) => {
                return answer(json!({"ok": false, "error": "token_revoked"}));
            }
            None => return answer(json!({"ok": false, "error": "invalid_auth"})),
        }
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let ticket = random_hex(16);
    hub(shared).tickets.insert(
        ticket.clone(),
        Ticket {
            app_id: app_id.clone(),
            debug_reconnects: false,
        },
    );
    // Slack's URL carries an opaque hash in `app_id`, not the `A…` id.
    let opaque = hex_of(&app_id);
    answer(json!({
        "ok": true,
        "url": format!("ws://{host}/link/?ticket={ticket}&app_id={opaque}"),
    }))
}

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    ticket: Option<String>,
    debug_reconnects: Option<String>,
}

/// `GET /link/?ticket=…`: the WebSocket. A ticket works once.
pub async fn link(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<LinkQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = {
        let mut hub = hub(&shared);
        if hub.refuse_until.is_some_and(|until| Instant::now() < until) {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Socket Mode is unavailable",
            )
                .into_response();
        }
        let ticket = query.ticket.as_deref().and_then(|t| hub.tickets.remove(t));
        match ticket {
            Some(mut ticket) => {
                ticket.debug_reconnects = query.debug_reconnects.as_deref() == Some("true");
                ticket
            }
            None => return (StatusCode::UNAUTHORIZED, "invalid ticket").into_response(),
        }
    };
    upgrade.on_upgrade(move |socket| serve(shared, socket, ticket))
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket, ticket: Ticket) {
    let (to_socket, mut from_hub) = mpsc::unbounded_channel();
    let (id, count) = {
        let mut hub = hub(&shared);
        hub.next_connection += 1;
        let id = hub.next_connection;
        let count = hub
            .connections
            .iter()
            .filter(|c| c.app_id == ticket.app_id)
            .count()
            + 1;
        if count <= MAX_CONNECTIONS {
            hub.connections.push(Connection {
                id,
                app_id: ticket.app_id.clone(),
                to_socket,
                warned: false,
            });
            hub.stats.opened += 1;
        }
        (id, count)
    };
    if count > MAX_CONNECTIONS {
        let refusal = json!({"type": "disconnect", "reason": "too_many_websockets",
            "num_connections": count - 1, "debug_info": {"host": HOST}});
        let _ = socket.send(Message::Text(refusal.to_string().into())).await;
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    shared.socket_opened.notify_waiters();
    let lifetime = if ticket.debug_reconnects {
        DEBUG_CONNECTION_TIME
    } else {
        CONNECTION_TIME
    };
    let hello = json!({
        "type": "hello",
        "num_connections": count,
        "debug_info": {"host": HOST, "build_number": 1,
            "approximate_connection_time": lifetime.as_secs()},
        "connection_info": {"app_id": ticket.app_id},
    });
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_ok()
    {
        converse(&shared, &mut socket, &mut from_hub, lifetime).await;
    }
    hub(&shared).connections.retain(|c| c.id != id);
}

/// The connection's life after `hello`: acks in, envelopes and pings out, until either side
/// ends it.
async fn converse(
    shared: &Shared,
    socket: &mut WebSocket,
    from_hub: &mut mpsc::UnboundedReceiver<Out>,
    lifetime: Duration,
) {
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let expiry = tokio::time::sleep(lifetime);
    tokio::pin!(expiry);
    let mut close_at: Option<tokio::time::Instant> = None;
    loop {
        let closing = async {
            match close_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => acknowledge(shared, text.as_str()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            out = from_hub.recv() => match out {
                Some(Out::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Some(Out::Warn { reason, after }) => {
                    let warning = json!({"type": "disconnect", "reason": reason,
                        "debug_info": {"host": HOST}});
                    if socket.send(Message::Text(warning.to_string().into())).await.is_err() {
                        return;
                    }
                    close_at = Some(tokio::time::Instant::now() + after);
                }
                Some(Out::Drop) | None => return,
            },
            _ = pings.tick() => {
                let ping = format!("Ping from {HOST}");
                if socket.send(Message::Ping(ping.into_bytes().into())).await.is_err() {
                    return;
                }
            }
            () = &mut expiry, if close_at.is_none() => {
                let warning = json!({"type": "disconnect", "reason": "warning",
                    "debug_info": {"host": HOST}});
                let _ = socket.send(Message::Text(warning.to_string().into())).await;
                close_at = Some(tokio::time::Instant::now() + WARNING_GRACE);
            }
            () = closing => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

/// An ack from the app: `{"envelope_id": …, "payload": …}`.
fn acknowledge(shared: &Shared, text: &str) {
    let Ok(ack) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let Some(envelope_id) = ack["envelope_id"].as_str() else {
        return;
    };
    let mut hub = hub(shared);
    match hub.waiting.remove(envelope_id) {
        Some(waiting) => {
            let ms = waiting.sent_at.elapsed().as_secs_f64() * 1000.0;
            hub.stats.acked += 1;
            hub.stats.ack_ms.push(ms);
            let _ = waiting
                .ack
                .send(ack.get("payload").cloned().unwrap_or(Value::Null));
        }
        None => hub.stats.unknown_acks += 1,
    }
}

/// What became of an envelope.
#[derive(Debug)]
pub enum Delivery {
    /// Acknowledged; the ack's payload (`null` without one).
    Acked(Value),
    /// Not acknowledged in time and not retried (interactive, slash commands).
    DispatchFailed,
}

/// How an envelope travels.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub app_id: String,
    pub kind: &'static str,
    pub payload: Value,
    /// Deliver once more after the first ack, as when an ack is lost on the way.
    pub duplicate: bool,
}

/// Delivers `envelope` as Slack does, retrying `events_api` envelopes, and says what became
/// of its first acknowledged delivery.
pub async fn deliver(shared: Arc<Shared>, envelope: Envelope) -> Delivery {
    let envelope_id = random_envelope_id();
    let retried = envelope.kind == "events_api";
    let mut first_ack = None;
    let mut reason = "";
    for attempt in 0..=MAX_RETRIES {
        let body = json!({
            "envelope_id": envelope_id,
            "payload": envelope.payload,
            "type": envelope.kind,
            "accepts_response_payload": envelope.kind == "slash_commands",
            "retry_attempt": attempt,
            "retry_reason": reason,
        });
        let deadline = tokio::time::Instant::now() + ACK_DEADLINE;
        let ack = match send(
            &shared,
            &envelope.app_id,
            &envelope_id,
            &body,
            deadline,
            retried,
        )
        .await
        {
            Some(ack) => ack,
            None => {
                if !retried {
                    return Delivery::DispatchFailed;
                }
                reason = "timeout";
                hub(&shared).stats.retried += u64::from(attempt < MAX_RETRIES);
                continue;
            }
        };
        let ack = tokio::time::timeout_at(deadline, ack).await;
        hub(&shared).waiting.remove(&envelope_id);
        match ack {
            Ok(Ok(payload)) => {
                if envelope.duplicate && first_ack.is_none() && attempt < MAX_RETRIES {
                    first_ack = Some(payload);
                    reason = "timeout";
                    hub(&shared).stats.retried += 1;
                    continue;
                }
                return Delivery::Acked(first_ack.unwrap_or(payload));
            }
            _ if !retried => return Delivery::DispatchFailed,
            _ => {
                reason = "timeout";
                hub(&shared).stats.retried += u64::from(attempt < MAX_RETRIES);
            }
        }
    }
    match first_ack {
        Some(payload) => Delivery::Acked(payload),
        None => {
            hub(&shared).stats.lost += 1;
            Delivery::DispatchFailed
        }
    }
}

/// Sends `body` to an open connection of `app_id` (waiting for one until `deadline` when
/// `wait` is set) and returns where its ack will arrive.
async fn send(
    shared: &Shared,
    app_id: &str,
    envelope_id: &str,
    body: &Value,
    deadline: tokio::time::Instant,
    wait: bool,
) -> Option<oneshot::Receiver<Value>> {
    let text = body.to_string();
    loop {
        // Registered before looking, so a connection opened in between is not missed.
        let opened = shared.socket_opened.notified();
        {
            let mut hub = hub(shared);
            let open: Vec<usize> = hub
                .connections
                .iter()
                .enumerate()
                .filter(|(_, c)| c.app_id == app_id && !c.to_socket.is_closed())
                .map(|(i, _)| i)
                .collect();
            let fresh: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&i| !hub.connections[i].warned)
                .collect();
            let choice = if fresh.is_empty() { &open } else { &fresh };
            if !choice.is_empty() {
                let index = choice[fastrand::usize(..choice.len())];
                let (ack, arrives) = oneshot::channel();
                hub.waiting.insert(
                    envelope_id.to_owned(),
                    Waiting {
                        sent_at: Instant::now(),
                        ack,
                    },
                );
                hub.stats.delivered += 1;
                if hub.connections[index]
                    .to_socket
                    .send(Out::Text(text.clone()))
                    .is_ok()
                {
                    return Some(arrives);
                }
                hub.waiting.remove(envelope_id);
            }
        }
        if !wait {
            return None;
        }
        if tokio::time::timeout_at(deadline, opened).await.is_err() {
            return None;
        }
    }
}

/// Closes every connection of `app_id` at once, without a close frame.
pub fn drop_app(shared: &Shared, app_id: &str) -> usize {
    let mut hub = hub(shared);
    let mut dropped = 0;
    for connection in hub.connections.iter().filter(|c| c.app_id == app_id) {
        dropped += usize::from(connection.to_socket.send(Out::Drop).is_ok());
    }
    hub.connections.retain(|c| c.app_id != app_id);
    dropped
}

// ---- control endpoints -------------------------------------------------------------------

/// A control call refused, with what was wrong.
#[derive(Debug)]
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"ok": false, "error": self.1}))).into_response()
    }
}

fn refuse(status: StatusCode, message: String) -> Response {
    Refusal(status, message).into_response()
}

/// The app a control call acts on: `app_id` or the seeded Switchboard app.
fn app_for(world: &World, app_id: Option<&str>) -> Result<App, Refusal> {
    let app = match app_id {
        Some(id) => world.apps.values().find(|a| a.app_id == id),
        None => world.apps.get(SEEDED_CLIENT_ID),
    };
    app.cloned()
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, "no such app".into()))
}

/// A person acting in a workspace: the workspace, the user (active, in it) and the app's bot
/// user there (installed).
fn actor(
    world: &World,
    app: &App,
    team_id: &str,
    user_id: &str,
) -> Result<(String, String), Refusal> {
    let team = world
        .teams
        .get(team_id)
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no workspace {team_id}")))?;
    let user = world
        .users
        .get(user_id)
        .filter(|u| u.team_id == team_id && !u.deleted)
        .ok_or_else(|| {
            Refusal(
                StatusCode::NOT_FOUND,
                format!("no active user {user_id} in {team_id}"),
            )
        })?;
    if !app.bot_users.contains_key(team_id) {
        return Err(Refusal(
            StatusCode::CONFLICT,
            format!("the app is not installed in {team_id}"),
        ));
    }
    Ok((team.domain.clone(), user.name.clone()))
}

/// The app a control call acts on and the person acting: the app, the workspace's domain and
/// the user's name.
fn acting(
    world: &World,
    app_id: Option<&str>,
    team_id: &str,
    user_id: &str,
) -> Result<(App, String, String), Refusal> {
    let app = app_for(world, app_id)?;
    let (domain, user_name) = actor(world, &app, team_id, user_id)?;
    Ok((app, domain, user_name))
}

fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// What a control call that waits for the app's ack answers.
fn delivered(envelope_id: Option<String>, delivery: Delivery) -> Response {
    match delivery {
        Delivery::Acked(payload) => {
            Json(json!({"ok": true, "envelope_id": envelope_id, "response": payload}))
                .into_response()
        }
        // What Slack tells the person when the app did not answer in time.
        Delivery::DispatchFailed => {
            Json(json!({"ok": false, "error": "dispatch_failed"})).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SlashCommandBody {
    team_id: String,
    user_id: String,
    channel_id: String,
    command: String,
    #[serde(default)]
    text: String,
    app_id: Option<String>,
}

/// `POST /_emulator/socket/slash-command`: a person runs `command text` in `channel_id`.
/// Answers once the app acknowledged, with the ack's payload in `response` (what Slack shows
/// the person), or `dispatch_failed` after [`ACK_DEADLINE`].
pub async fn slash_command(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<SlashCommandBody>,
) -> Response {
    let (app, payload) = {
        let mut world = shared.lock();
        let (app, domain, user_name) =
            match acting(&world, body.app_id.as_deref(), &body.team_id, &body.user_id) {
                Ok(found) => found,
                Err(refusal) => return refusal.into_response(),
            };
        let Some(channel) = world
            .channels
            .get(&body.channel_id)
            .filter(|c| c.team_id == body.team_id)
        else {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("no channel {} in {}", body.channel_id, body.team_id),
            );
        };
        if !body.command.starts_with('/') {
            return refuse(StatusCode::BAD_REQUEST, "a command starts with /".into());
        }
        let channel_name = if channel.is_im {
            "directmessage".to_owned()
        } else {
            channel.name.clone()
        };
        let trigger = trigger_id(&mut world, &app.app_id, &body.team_id, &body.user_id);
        let hook = format!(
            "http://{}/_emulator/hooks/commands/{}/{}",
            host_of(&headers),
            body.team_id,
            random_hex(12)
        );
        let payload = json!({
            "token": verification_token(&app),
            "team_id": body.team_id,
            "team_domain": domain,
            "channel_id": body.channel_id,
            "channel_name": channel_name,
            "user_id": body.user_id,
            "user_name": user_name,
            "command": body.command,
            "text": body.text,
            "api_app_id": app.app_id,
            "is_enterprise_install": "false",
            "response_url": hook,
            "trigger_id": trigger,
        });
        (app, payload)
    };
    let delivery = deliver(
        shared,
        Envelope {
            app_id: app.app_id,
            kind: "slash_commands",
            payload,
            duplicate: false,
        },
    )
    .await;
    delivered(None, delivery)
}

#[derive(Debug, Deserialize)]
pub struct BlockActionBody {
    team_id: String,
    user_id: String,
    channel_id: String,
    ts: String,
    action_id: String,
    value: Option<String>,
    app_id: Option<String>,
}

/// `POST /_emulator/socket/block-action`: a person clicks the button `action_id` on the
/// message `ts` in `channel_id`. The message must carry that button, as in Slack.
pub async fn block_action(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<BlockActionBody>,
) -> Response {
    let (app, payload) = {
        let mut world = shared.lock();
        let (app, domain, user_name) =
            match acting(&world, body.app_id.as_deref(), &body.team_id, &body.user_id) {
                Ok(found) => found,
                Err(refusal) => return refusal.into_response(),
            };
        let Some(channel) = world
            .channels
            .get(&body.channel_id)
            .filter(|c| c.team_id == body.team_id)
        else {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("no channel {} in {}", body.channel_id, body.team_id),
            );
        };
        if channel.is_im && !channel.members.contains(&body.user_id) {
            return refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "{} cannot see the direct message {}",
                    body.user_id, channel.id
                ),
            );
        }
        let Some(message) = channel.messages.iter().find(|m| m.ts == body.ts) else {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("no message {} in {}", body.ts, body.channel_id),
            );
        };
        let Some((block_id, element)) = find_action(message, &body.action_id) else {
            return refuse(
                StatusCode::NOT_FOUND,
                format!(
                    "the message {} has no button with action_id {}",
                    body.ts, body.action_id
                ),
            );
        };
        let channel_name = if channel.is_im {
            "directmessage".to_owned()
        } else {
            channel.name.clone()
        };
        let rendered = crate::methods::conversations::message_json(message, &body.team_id, false);
        let mut action = json!({
            "action_id": body.action_id,
            "block_id": block_id,
            "text": element.get("text").cloned().unwrap_or(Value::Null),
            "value": body.value.clone().or_else(|| element["value"].as_str().map(str::to_owned)),
            "type": element["type"].as_str().unwrap_or("button"),
            "action_ts": format!("{}.{:06}", world.now(), fastrand::u32(..1_000_000)),
        });
        if let Some(style) = element.get("style") {
            action["style"] = style.clone();
        }
        let trigger = trigger_id(&mut world, &app.app_id, &body.team_id, &body.user_id);
        let payload = json!({
            "type": "block_actions",
            "user": {"id": body.user_id, "username": user_name, "name": user_name,
                "team_id": body.team_id},
            "api_app_id": app.app_id,
            "token": verification_token(&app),
            "container": {"type": "message", "message_ts": body.ts,
                "channel_id": body.channel_id, "is_ephemeral": false},
            "trigger_id": trigger,
            "team": {"id": body.team_id, "domain": domain},
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": {"id": body.channel_id, "name": channel_name},
            "message": rendered,
            "state": {"values": {}},
            "response_url": format!("http://{}/_emulator/hooks/actions/{}/{}",
                host_of(&headers), body.team_id, random_hex(12)),
            "actions": [action],
        });
        (app, payload)
    };
    let delivery = deliver(
        shared,
        Envelope {
            app_id: app.app_id,
            kind: "interactive",
            payload,
            duplicate: false,
        },
    )
    .await;
    delivered(None, delivery)
}

/// The block id and element of the interactive element `action_id` in `message`'s blocks.
fn find_action(message: &SlackMessage, action_id: &str) -> Option<(String, Value)> {
    let blocks = message.blocks.as_ref()?.as_array()?;
    blocks.iter().find_map(|block| {
        let mut elements: Vec<&Value> =
            block["elements"].as_array().into_iter().flatten().collect();
        elements.extend(block.get("accessory"));
        elements
            .into_iter()
            .find(|e| e["action_id"] == action_id)
            .map(|e| {
                let block_id = block["block_id"].as_str().unwrap_or_default().to_owned();
                (block_id, e.clone())
            })
    })
}

#[derive(Debug, Deserialize)]
pub struct DmBody {
    team_id: String,
    user_id: String,
    #[serde(default)]
    text: String,
    file_name: Option<String>,
    file_type: Option<String>,
    file_size: Option<u64>,
    /// Deliver the envelope once more after its ack, as when an ack is lost.
    #[serde(default)]
    duplicate: bool,
    /// Others in a group direct message with the person and the app (`message.mpim`); none:
    /// the app's 1:1 DM (`message.im`).
    #[serde(default)]
    group_with: Vec<String>,
    app_id: Option<String>,
}

/// `POST /_emulator/socket/dm`: a person sends the app a direct message (in its Messages tab),
/// with a file when `file_name` is given. The message is in the DM's history at once; the
/// `message.im` event is delivered in the background, retried until acknowledged. Answers
/// the DM's channel, the message `ts`, and the event and envelope ids.
pub async fn dm(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<DmBody>,
) -> Response {
    let (app, payload, channel_id, ts, event_id) = {
        let mut world = shared.lock();
        let (app, _, _) = match acting(&world, body.app_id.as_deref(), &body.team_id, &body.user_id)
        {
            Ok(found) => found,
            Err(refusal) => return refusal.into_response(),
        };
        if body.text.is_empty() && body.file_name.is_none() {
            return refuse(
                StatusCode::BAD_REQUEST,
                "a message needs text or a file".into(),
            );
        }
        let bot_user = app.bot_users[&body.team_id].clone();
        for other in &body.group_with {
            if let Err(refusal) = actor(&world, &app, &body.team_id, other) {
                return refusal.into_response();
            }
        }
        let channel_id = if body.group_with.is_empty() {
            world.open_im(&body.team_id, &bot_user, &body.user_id)
        } else {
            let mut members = body.group_with.clone();
            members.push(body.user_id.clone());
            members.push(bot_user.clone());
            world.open_mpim(&body.team_id, &body.user_id, &members)
        };
        let ts = world.next_ts(&channel_id);
        let files = body.file_name.as_ref().map(|name| {
            let filetype = body.file_type.clone().unwrap_or_else(|| {
                name.rsplit_once('.')
                    .map_or("binary", |(_, e)| e)
                    .to_lowercase()
            });
            let id = world.next_id('F');
            let host = host_of(&headers);
            json!([{
                "id": id,
                "created": world.now(),
                "timestamp": world.now(),
                "name": name,
                "title": name,
                "mimetype": mimetype(&filetype),
                "filetype": filetype,
                "pretty_type": filetype.to_uppercase(),
                "user": body.user_id,
                "mode": "hosted",
                "size": body.file_size.unwrap_or(48_213),
                "url_private": format!("http://{host}/files-pri/{}-{id}/{name}", body.team_id),
                "url_private_download":
                    format!("http://{host}/files-pri/{}-{id}/download/{name}", body.team_id),
            }])
        });
        let message = SlackMessage {
            ts: ts.clone(),
            channel: channel_id.clone(),
            user: Some(body.user_id.clone()),
            bot_id: None,
            app_id: None,
            text: body.text.clone(),
            blocks: None,
            metadata: None,
            thread_ts: None,
            edited: None,
            posted_with: String::new(),
        };
        if let Some(channel) = world.channels.get_mut(&channel_id) {
            channel.messages.push(message);
        }
        let event_id = format!("Ev{}", &world.next_id('E')[1..]);
        let mut event = json!({
            "type": "message",
            "channel": channel_id,
            "channel_type": if body.group_with.is_empty() { "im" } else { "mpim" },
            "user": body.user_id,
            "text": body.text,
            "ts": ts,
            "event_ts": ts,
            "team": body.team_id,
            "client_msg_id": random_uuid(),
        });
        if let Some(files) = files {
            event["subtype"] = json!("file_share");
            event["files"] = files;
            event["upload"] = json!(false);
        }
        let payload = json!({
            "token": verification_token(&app),
            "team_id": body.team_id,
            "context_team_id": body.team_id,
            "api_app_id": app.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": world.now(),
            "authorizations": [{"enterprise_id": null, "team_id": body.team_id,
                "user_id": bot_user, "is_bot": true, "is_enterprise_install": false}],
            "is_ext_shared_channel": false,
            "event_context": format!("4-{}", random_hex(20)),
        });
        (app, payload, channel_id, ts, event_id)
    };
    tokio::spawn(deliver(
        shared,
        Envelope {
            app_id: app.app_id,
            kind: "events_api",
            payload,
            duplicate: body.duplicate,
        },
    ));
    Json(json!({"ok": true, "channel": channel_id, "ts": ts, "event_id": event_id})).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DropBody {
    /// `close` (default): every socket closes at once, without a close frame. `warning`: each
    /// gets Slack's `disconnect` (with `reason`, default `warning`) and closes `after_ms` later
    /// (default 10 s). `refuse`: as `close`, and new sockets are refused for `for_ms` (default
    /// 5 s).
    how: Option<String>,
    reason: Option<String>,
    after_ms: Option<u64>,
    for_ms: Option<u64>,
    app_id: Option<String>,
}

/// `POST /_emulator/socket/drop`
pub async fn drop_sockets(
    State(shared): State<Arc<Shared>>,
    body: Option<Json<DropBody>>,
) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or(DropBody {
        how: None,
        reason: None,
        after_ms: None,
        for_ms: None,
        app_id: None,
    });
    let app_id = {
        let world = shared.lock();
        match app_for(&world, body.app_id.as_deref()) {
            Ok(app) => app.app_id,
            Err(refusal) => return refusal.into_response(),
        }
    };
    match body.how.as_deref().unwrap_or("close") {
        "close" => Json(json!({"ok": true, "dropped": drop_app(&shared, &app_id)})).into_response(),
        "refuse" => {
            let dropped = drop_app(&shared, &app_id);
            let span = Duration::from_millis(body.for_ms.unwrap_or(5_000));
            hub(&shared).refuse_until = Some(Instant::now() + span);
            Json(json!({"ok": true, "dropped": dropped, "refusing_ms": span.as_millis() as u64}))
                .into_response()
        }
        "warning" => {
            let reason = body.reason.unwrap_or_else(|| "warning".to_owned());
            let after = Duration::from_millis(body.after_ms.unwrap_or(10_000));
            let mut hub = hub(&shared);
            let mut warned = 0;
            for connection in hub.connections.iter_mut().filter(|c| c.app_id == app_id) {
                connection.warned = true;
                warned += usize::from(
                    connection
                        .to_socket
                        .send(Out::Warn {
                            reason: reason.clone(),
                            after,
                        })
                        .is_ok(),
                );
            }
            Json(json!({"ok": true, "warned": warned})).into_response()
        }
        other => refuse(
            StatusCode::BAD_REQUEST,
            format!("how must be close, warning or refuse, not {other}"),
        ),
    }
}

/// `POST /_emulator/hooks/…`: a `response_url`. Bodies are kept for `GET
/// /_emulator/socket/responses`.
pub async fn hook(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    hub(&shared).responses.push(body);
    (StatusCode::OK, "ok").into_response()
}

/// `GET /_emulator/socket/responses`
pub async fn responses(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"ok": true, "responses": hub(&shared).responses}))
}

/// The `socket` part of `GET /_emulator/stats`.
pub fn stats(shared: &Shared) -> Value {
    let hub = hub(shared);
    let stats = &hub.stats;
    let mut sorted = stats.ack_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| -> Value {
        if sorted.is_empty() {
            return Value::Null;
        }
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        json!((sorted[index] * 1000.0).round() / 1000.0)
    };
    json!({
        "connections": hub.connections.len(),
        "opened": stats.opened,
        "delivered": stats.delivered,
        "acked": stats.acked,
        "retried": stats.retried,
        "lost": stats.lost,
        "unknown_acks": stats.unknown_acks,
        "waiting": hub.waiting.len(),
        "ack_ms": {"count": sorted.len(), "p50": at(0.5), "p99": at(0.99), "max": at(1.0)},
    })
}

fn verification_token(app: &App) -> String {
    hex_of(&app.client_id)[..24].to_owned()
}

/// A new `trigger_id` for an interaction by `user_id`, which `views.open` accepts for 3 s.
fn trigger_id(world: &mut World, app_id: &str, team_id: &str, user_id: &str) -> String {
    let id = format!(
        "{}.{}.{}",
        world.now(),
        fastrand::u64(1_000_000_000..9_999_999_999),
        random_hex(16)
    );
    let now = crate::methods::views::now_ms();
    // Expired ones are forgotten as new ones come.
    world.triggers.retain(|_, t| now - t.issued_at_ms < 60_000);
    world.triggers.insert(
        id.clone(),
        crate::state::Trigger {
            app_id: app_id.to_owned(),
            team_id: team_id.to_owned(),
            user_id: user_id.to_owned(),
            issued_at_ms: now,
            used: false,
        },
    );
    id
}

fn mimetype(filetype: &str) -> &'static str {
    match filetype {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "text" | "txt" => "text/plain",
        "csv" => "text/csv",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "exe" => "application/x-msdownload",
        _ => "application/octet-stream",
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes * 2).map(|_| fastrand::digit(16)).collect()
}

fn random_uuid() -> String {
    let hex = random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Slack's envelope ids are UUIDs.
fn random_envelope_id() -> String {
    random_uuid()
}

/// A stable 64-hex stand-in for an id (the URL's opaque `app_id`, verification tokens).
fn hex_of(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Deserialize)]
pub struct ViewSubmissionBody {
    team_id: String,
    user_id: String,
    /// The modal; default: the newest one open for `user_id`.
    view_id: Option<String>,
    /// What the person typed: `{"block_id": {"action_id": "text"}}`, or `{"id": "text"}` for
    /// an input whose block and action share the id.
    #[serde(default)]
    values: serde_json::Map<String, Value>,
    app_id: Option<String>,
}

/// `POST /_emulator/socket/view-submission`: a person submits a modal the app opened with
/// `views.open`. Answers once the app acknowledged, with the ack's payload in `response`: an
/// empty ack closes the modal; `response_action: errors` keeps it open (as Slack does).
pub async fn view_submission(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<ViewSubmissionBody>,
) -> Response {
    let (app, payload, view_id) = {
        let mut world = shared.lock();
        let (app, domain, user_name) =
            match acting(&world, body.app_id.as_deref(), &body.team_id, &body.user_id) {
                Ok(found) => found,
                Err(refusal) => return refusal.into_response(),
            };
        let open = world
            .views
            .iter()
            .filter(|(id, v)| {
                v.app_id == app.app_id
                    && v.team_id == body.team_id
                    && v.user_id == body.user_id
                    && body
                        .view_id
                        .as_deref()
                        .is_none_or(|wanted| wanted == id.as_str())
            })
            .max_by_key(|(_, v)| v.seq)
            .map(|(id, v)| (id.clone(), v.view.clone()));
        let Some((view_id, mut view)) = open else {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("{} has no modal of this app open", body.user_id),
            );
        };
        // Every input block answers, typed or not, as Slack sends it.
        let mut values = serde_json::Map::new();
        for block in view["blocks"].as_array().into_iter().flatten() {
            if block["type"] != "input" {
                continue;
            }
            let block_id = block["block_id"].as_str().unwrap_or_default().to_owned();
            let action_id = block["element"]["action_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let typed = body.values.get(&block_id).and_then(|v| match v {
                Value::String(text) => Some(text.clone()),
                Value::Object(by_action) => by_action
                    .get(&action_id)
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            });
            values.insert(
                block_id,
                json!({action_id: {"type": block["element"]["type"], "value": typed}}),
            );
        }
        view["state"] = json!({"values": values});
        let trigger = trigger_id(&mut world, &app.app_id, &body.team_id, &body.user_id);
        let payload = json!({
            "type": "view_submission",
            "team": {"id": body.team_id, "domain": domain},
            "user": {"id": body.user_id, "username": user_name, "name": user_name,
                "team_id": body.team_id},
            "api_app_id": app.app_id,
            "token": verification_token(&app),
            "trigger_id": trigger,
            "view": view,
            "response_urls": [],
            "is_enterprise_install": false,
            "enterprise": null,
        });
        (app, payload, view_id)
    };
    let delivery = deliver(
        shared.clone(),
        Envelope {
            app_id: app.app_id,
            kind: "interactive",
            payload,
            duplicate: false,
        },
    )
    .await;
    if let Delivery::Acked(ack) = &delivery
        && ack["response_action"] != "errors"
    {
        shared.lock().views.remove(&view_id);
    }
    let mut answer = delivered(None, delivery);
    if answer.status().is_success() {
        answer.headers_mut().insert(
            "x-emulator-view-id",
            axum::http::HeaderValue::from_str(&view_id)
                .unwrap_or(axum::http::HeaderValue::from_static("")),
        );
    }
    answer
}

/// `GET /_emulator/views`: the modals open now.
pub async fn views(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let world = shared.lock();
    let views: Vec<Value> = world
        .views
        .iter()
        .map(
            |(id, v)| json!({"id": id, "team_id": v.team_id, "user_id": v.user_id, "view": v.view}),
        )
        .collect();
    Json(json!({"ok": true, "views": views}))
}
