//! Socket Mode's wire protocol (`../shared/socket-mode.md`): `apps.connections.open` with the
//! app-level token gives a single-use WebSocket URL; the socket says `hello`, then carries
//! envelopes and `disconnect` notices; every envelope is acknowledged with
//! `{"envelope_id", "payload"?}`. One [`SocketConnection`] is one WebSocket. It pings Slack
//! every [`PING_EVERY`] and treats [`SILENCE_LIMIT`] without any frame as a dead link; Slack's
//! own pings are answered with a pong carrying the same bytes.
//!
//! Nothing here stores or decides: what to do with an envelope, and when to open the next
//! connection, is the caller's.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::client::{Response, SlackClient};
use crate::error::{Error, Result};
use crate::method;
use crate::token::Token;

/// How often the client pings Slack (Python's SDK: 5 s).
pub const PING_EVERY: Duration = Duration::from_secs(5);
/// Silence after which a link is dead: neither Slack's pings nor our pongs came back (Node and
/// slack-go: 30 s).
pub const SILENCE_LIMIT: Duration = Duration::from_secs(30);
/// How long the socket may take to open and say `hello`.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize)]
struct ConnectionsOpen {
    url: String,
}

impl SlackClient {
    /// A fresh, single-use Socket Mode URL for the app-level token (`xapp-…` with
    /// `connections:write`). <https://docs.slack.dev/reference/methods/apps.connections.open>
    pub async fn apps_connections_open(&self, app_token: &Token) -> Result<String> {
        let response: Response<ConnectionsOpen> = self
            .call(&method::APPS_CONNECTIONS_OPEN, app_token, &())
            .await?;
        Ok(response.into_inner().url)
    }
}

/// What Slack says first on a new socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Hello {
    /// Open connections of the app, this one included.
    #[serde(default)]
    pub num_connections: u32,
    #[serde(default)]
    pub connection_info: ConnectionInfo,
    #[serde(default)]
    pub debug_info: DebugInfo,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ConnectionInfo {
    /// The `A…` id of the app.
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DebugInfo {
    pub host: Option<String>,
    /// Seconds until Slack refreshes this connection.
    pub approximate_connection_time: Option<u64>,
}

/// An envelope: one event, interaction or slash command.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Envelope {
    pub envelope_id: String,
    /// `events_api`, `interactive` or `slash_commands`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub accepts_response_payload: bool,
    /// 0 on the first delivery; Slack counts up when it delivers again.
    #[serde(default)]
    pub retry_attempt: u32,
    #[serde(default)]
    pub retry_reason: String,
}

impl Envelope {
    /// The Events API event id (`Ev…`) of an `events_api` envelope.
    pub fn event_id(&self) -> Option<&str> {
        self.payload.get("event_id").and_then(Value::as_str)
    }

    /// The workspace the envelope comes from.
    pub fn team_id(&self) -> Option<&str> {
        self.payload
            .get("team_id")
            .and_then(Value::as_str)
            .or_else(|| self.payload.pointer("/team/id").and_then(Value::as_str))
    }
}

/// What arrives on an open socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Envelope(Box<Envelope>),
    /// Slack will close this socket soon (`warning`, `refresh_requested`,
    /// `too_many_websockets`, `link_disabled`): open the next one now.
    Disconnect {
        reason: String,
    },
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One Socket Mode WebSocket, after `hello`.
#[derive(Debug)]
pub struct SocketConnection {
    socket: Socket,
    last_heard: Instant,
    next_ping: Instant,
}

fn socket_error(what: &str, error: impl std::fmt::Display) -> Error {
    Error::Request(format!("Socket Mode: {what}: {error}"))
}

impl SocketConnection {
    /// Opens `url` and waits for `hello` (at most [`HELLO_TIMEOUT`]).
    pub async fn connect(url: &str) -> Result<(SocketConnection, Hello)> {
        let opening = async {
            let (socket, _) = tokio_tungstenite::connect_async(url)
                .await
                .map_err(|e| socket_error("cannot open the WebSocket", e))?;
            let now = Instant::now();
            let mut connection = SocketConnection {
                socket,
                last_heard: now,
                next_ping: now + PING_EVERY,
            };
            loop {
                let text = match connection.frame().await? {
                    Some(text) => text,
                    None => return Err(socket_error("closed before hello", "no frame")),
                };
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| socket_error("unreadable first message", e))?;
                match value.get("type").and_then(Value::as_str) {
                    Some("hello") => {
                        let hello = serde_json::from_value(value)
                            .map_err(|e| socket_error("unreadable hello", e))?;
                        return Ok((connection, hello));
                    }
                    Some("disconnect") => {
                        let reason = value["reason"].as_str().unwrap_or("unknown").to_owned();
                        return Err(socket_error("refused", reason));
                    }
                    _ => {}
                }
            }
        };
        tokio::time::timeout(HELLO_TIMEOUT, opening)
            .await
            .map_err(|_| socket_error("no hello", "timed out"))?
    }

    /// The next envelope or notice; `None` once Slack closed the socket. Pings Slack while it
    /// waits, and fails when the link has been silent for [`SILENCE_LIMIT`]. Cancel-safe.
    pub async fn next(&mut self) -> Result<Option<Incoming>> {
        loop {
            let Some(text) = self.frame().await? else {
                return Ok(None);
            };
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match value.get("type").and_then(Value::as_str) {
                Some("disconnect") => {
                    let reason = value["reason"].as_str().unwrap_or("unknown").to_owned();
                    return Ok(Some(Incoming::Disconnect { reason }));
                }
                Some("hello") | None => {}
                Some(_) if value.get("envelope_id").is_some() => {
                    if let Ok(envelope) = serde_json::from_value::<Envelope>(value) {
                        return Ok(Some(Incoming::Envelope(Box::new(envelope))));
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// The next text frame, answering pings and pinging on schedule. Cancel-safe: a frame is
    /// taken off the stream only when it is returned.
    async fn frame(&mut self) -> Result<Option<String>> {
        loop {
            let wake = self.next_ping.min(self.last_heard + SILENCE_LIMIT);
            let read = tokio::time::timeout_at(wake, self.socket.next()).await;
            let now = Instant::now();
            match read {
                Err(_) => {
                    if now >= self.last_heard + SILENCE_LIMIT {
                        return Err(socket_error(
                            "the link went silent",
                            format!("nothing heard for {} s", SILENCE_LIMIT.as_secs()),
                        ));
                    }
                    self.next_ping = now + PING_EVERY;
                    let millis = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis());
                    let stamp = format!("switchboard:{millis}");
                    self.socket
                        .send(Message::Ping(stamp.into_bytes().into()))
                        .await
                        .map_err(|e| socket_error("cannot ping", e))?;
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(error))) => return Err(socket_error("the link broke", error)),
                Ok(Some(Ok(message))) => {
                    self.last_heard = now;
                    match message {
                        Message::Text(text) => return Ok(Some(text.as_str().to_owned())),
                        Message::Close(_) => return Ok(None),
                        // Tungstenite queues the pong itself; sending anything flushes it.
                        Message::Ping(_) => {
                            self.socket
                                .flush()
                                .await
                                .map_err(|e| socket_error("cannot answer a ping", e))?;
                        }
                        Message::Pong(_) | Message::Binary(_) | Message::Frame(_) => {}
                    }
                }
            }
        }
    }

    /// Acknowledges an envelope; `payload` is the answer to a slash command (shown to the
    /// person who ran it) or a modal's response action.
    pub async fn ack(&mut self, envelope_id: &str, payload: Option<&Value>) -> Result<()> {
        let mut ack = serde_json::json!({ "envelope_id": envelope_id });
        if let Some(payload) = payload {
            ack["payload"] = payload.clone();
        }
        self.socket
            .send(Message::Text(ack.to_string().into()))
            .await
            .map_err(|e| socket_error("cannot acknowledge", e))
    }

    /// Sends a normal close frame and goes on reading: envelopes Slack sends before its own
    /// close frame still arrive through [`SocketConnection::next`].
    pub async fn send_close(&mut self) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }

    /// Closes the socket with a normal close frame; waits at most a second for Slack's (it
    /// may leave the TCP connection open after the handshake).
    pub async fn close(mut self) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            let _ = self.socket.send(Message::Close(Some(frame))).await;
            while let Some(Ok(_)) = self.socket.next().await {}
        })
        .await;
    }
}
