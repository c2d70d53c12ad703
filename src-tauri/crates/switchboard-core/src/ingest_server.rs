//! The local ingest API: how the business application hands Switchboard its events over HTTP.
//! `switchboard serve` runs it without a window and the console runs it while open; both call
//! [`Server::bind`] and [`Server::run`]. Every accepted event goes through
//! [`crate::ingest::receive`] — the function behind `switchboard event send` too — on the
//! blocking pool, since it writes SQLite.
//!
//! Only programs on this computer may call it, never a web page. A request is checked in this
//! order, and each refusal is JSON, `{"error": {"code", "field"?, "message"}}`, whose message
//! says what to fix:
//! 1. the peer is a loopback address (403 `forbidden_peer`): the listener binds 127.0.0.1
//!    only, and this is the second lock;
//! 2. no `Origin` header (403 `browser_origin`): browsers send one with every cross-origin
//!    POST, so a page the owner visits cannot post events even when it finds the port (DNS
//!    rebinding included);
//! 3. the bearer token (401 `unauthorized`), compared in constant time (`ingest_token`);
//! 4. `Content-Type: application/json` (415 `unsupported_media_type`);
//! 5. the body's size: 64 KiB for one event, 4 MiB for a batch (413 `payload_too_large`);
//! 6. the JSON's shape (400 `invalid_json`, naming the field, line and column);
//! 7. the catalogue (422 `invalid_input`, naming the field, e.g. `data.amount`).
//!
//! Routes: `POST /v1/events` (one event; 202 `{"receipt": …}`), `POST /v1/events/batch`
//! (`{"events": […]}`, at most [`crate::ingest::MAX_BATCH`]; 200 with one result per event,
//! in order), `GET /v1/health` (no token). Anything else is answered 404 or 405, in JSON too.
//!
//! Idempotency comes from `ingest`: an `id` seen before is stored once and answered with the
//! receipt of the first time, so the answer (status and body) is the same. The answer carries
//! nothing that says which copy it was.
//!
//! The expected token is kept in memory, read when the server binds. Until one is made
//! (Settings, or `switchboard ingest-token --rotate`, which show it once) every request is
//! refused saying so: the API is never open, and nobody holds a token they never saw. A
//! rotation elsewhere — Settings, or
//! `switchboard ingest-token --rotate` in another process — changes the token's creation time
//! in the database; the server looks at it at most once a second, so the old token stops
//! working within a second. A token that does not match also makes the server read the
//! keyring again, at most once a second, before it refuses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::catalog::IncomingEvent;
use crate::ingest::{self, MAX_BATCH, Receipt, Source};
use crate::ingest_token;
use crate::profile::{Profile, lock};
use crate::secrets::Secret;
use crate::{Error, Result};

/// The port the API listens on unless the owner chose another.
pub const DEFAULT_PORT: u16 = 7823;

/// The setting holding the port the owner chose (Settings → Ingest API).
pub const PORT_SETTING: &str = "ingest.port";

/// The largest body of `POST /v1/events`: one event.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The largest body of `POST /v1/events/batch`: up to [`MAX_BATCH`] events.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// How often, at most, the server looks for a rotated token (see the module comment).
const REREAD_INTERVAL: Duration = Duration::from_secs(1);

/// The port the ingest API listens on: the owner's choice, else [`DEFAULT_PORT`].
pub fn configured_port(profile: &Profile) -> Result<u16> {
    Ok(profile
        .db()?
        .read(|conn| switchboard_store::settings::get::<u16>(conn, PORT_SETTING))?
        .unwrap_or(DEFAULT_PORT))
}

/// Sets the port the ingest API listens on from its next start (audited). Setting the current
/// value again changes nothing.
pub fn set_port(profile: &Profile, port: u16) -> Result<()> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    profile.db()?.write(|tx| {
        let was =
            switchboard_store::settings::get::<u16>(tx, PORT_SETTING)?.unwrap_or(DEFAULT_PORT);
        if was != port {
            switchboard_store::settings::set(tx, PORT_SETTING, &port, now)?;
            switchboard_store::audit::record(
                tx,
                switchboard_store::audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: "setting.changed",
                    subject: "Ingest API port",
                    old_value: Some(&was.to_string()),
                    new_value: Some(&port.to_string()),
                },
            )?;
        }
        Ok::<_, Error>(())
    })
}

/// The ingest API, bound to `127.0.0.1:PORT` and ready to serve.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    listener: TcpListener,
    api: Arc<Api>,
}

impl Server {
    /// Reads the expected token (with none, every request is refused until one is made) and
    /// binds `127.0.0.1:port`; port 0 takes a free one (see [`Server::addr`]).
    pub async fn bind(profile: Arc<Profile>, port: u16) -> Result<Server> {
        Server::bind_with(profile, port, REREAD_INTERVAL).await
    }

    async fn bind_with(profile: Arc<Profile>, port: u16, reread_every: Duration) -> Result<Server> {
        let api = Api::open(profile, reread_every).await?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|e| port_refused(port, &e))?;
        let addr = listener.local_addr().map_err(|e| port_refused(port, &e))?;
        Ok(Server {
            addr,
            listener,
            api: Arc::new(api),
        })
    }

    /// The address bound (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:7823`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, lets the requests in flight
    /// finish (an event being stored is stored and answered), and returns.
    pub async fn run(self, shutdown: CancellationToken) {
        let app = router(self.api).into_make_service_with_connect_info::<SocketAddr>();
        if let Err(error) = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
        {
            tracing::error!("the ingest API stopped: {error}");
        }
    }
}

/// Why `port` could not be bound, as the owner can act on it.
fn port_refused(port: u16, error: &std::io::Error) -> Error {
    let message = match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "Port {port} is in use by another program: choose another with --port or in Settings"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "Port {port} may not be opened by this user ({error}): choose one above 1023 with --port or in Settings"
        ),
        _ => format!(
            "Port {port} could not be opened ({error}): choose another with --port or in Settings"
        ),
    };
    Error::invalid("port", message)
}

/// What every handler shares: the profile and the token requests must carry.
#[derive(Debug)]
struct Api {
    profile: Arc<Profile>,
    token: Mutex<TokenCache>,
    /// [`REREAD_INTERVAL`]; zero in tests, so a rotation is seen at the next request.
    reread_every: Duration,
}

/// The expected token, and when it was last compared with the keyring and the database.
#[derive(Debug)]
struct TokenCache {
    /// `None` when the keyring no longer holds one: every request is refused.
    token: Option<Secret>,
    /// The `ingest.token_created_at` setting that went with `token`.
    created_at: Option<i64>,
    /// When the setting was last looked at.
    checked_at: Instant,
    /// When the keyring was last read because a token did not match.
    reread_at: Option<Instant>,
}

impl Api {
    /// Reads the token (`None` until one is made).
    async fn open(profile: Arc<Profile>, reread_every: Duration) -> Result<Api> {
        // The time first: a rotation between the two reads then shows as a changed time.
        let created_at = ingest_token::created_at(&profile)?;
        let token = ingest_token::current(&profile).await?;
        let api = Api {
            profile,
            token: Mutex::new(TokenCache {
                token,
                created_at,
                checked_at: Instant::now(),
                reread_at: None,
            }),
            reread_every,
        };
        Ok(api)
    }

    /// Accepts the request's bearer token or says why not.
    async fn authorize(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(given) = bearer(headers) else {
            return Err(Refusal::unauthorized(
                "This request carries no bearer token. Send Authorization: Bearer <token>; create one in Settings → Ingest API or with `switchboard ingest-token --rotate`.",
            ));
        };
        if self.accepts(given).await {
            Ok(())
        } else if lock(&self.token).token.is_none() {
            Err(Refusal::unauthorized(
                "No ingest token has been made yet, so no request is accepted. Create one in Settings → Ingest API or with `switchboard ingest-token --rotate` (each shows it once), then send Authorization: Bearer <token>.",
            ))
        } else {
            Err(Refusal::unauthorized(
                "The bearer token is not this Switchboard's ingest token (it may have been rotated). Send Authorization: Bearer <token> with the current one; create one in Settings → Ingest API or with `switchboard ingest-token --rotate`.",
            ))
        }
    }

    async fn accepts(&self, given: &str) -> bool {
        let now = Instant::now();
        let (matched, look) = {
            let mut cache = lock(&self.token);
            let look = now.saturating_duration_since(cache.checked_at) >= self.reread_every;
            if look {
                cache.checked_at = now;
            }
            let matched = cache
                .token
                .as_ref()
                .is_some_and(|t| ingest_token::matches(t.expose(), given));
            (matched, look)
        };
        if look && self.rotated() {
            // The cached token is stale, whether or not it matched.
            return self
                .reread()
                .await
                .is_some_and(|t| ingest_token::matches(t.expose(), given));
        }
        if matched {
            return true;
        }
        // Another process may have put a new token in the keyring a moment ago; look, but
        // not more than once a second, so wrong tokens cannot make the keyring busy.
        let due = {
            let mut cache = lock(&self.token);
            let due = cache
                .reread_at
                .is_none_or(|at| now.saturating_duration_since(at) >= self.reread_every);
            if due {
                cache.reread_at = Some(now);
            }
            due
        };
        due && self
            .reread()
            .await
            .is_some_and(|t| ingest_token::matches(t.expose(), given))
    }

    /// Whether the token's creation time in the database differs from the cached one.
    fn rotated(&self) -> bool {
        match ingest_token::created_at(&self.profile) {
            Ok(stored) => stored != lock(&self.token).created_at,
            Err(error) => {
                tracing::warn!("ingest API: could not look for a rotated token: {error}");
                false
            }
        }
    }

    /// Reads the token again; `None` when the keyring holds none or cannot be read (then
    /// requests are refused until it can).
    async fn reread(&self) -> Option<Secret> {
        let created_at = ingest_token::created_at(&self.profile).ok().flatten();
        let token = match ingest_token::current(&self.profile).await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!("ingest API: could not read the ingest token: {error}");
                return None;
            }
        };
        let mut cache = lock(&self.token);
        cache.token = token.clone();
        cache.created_at = created_at;
        token
    }

    /// Runs `work` on the blocking pool: ingest writes SQLite and must not stall the server's
    /// async workers.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Profile) -> Result<T> + Send + 'static,
    ) -> Result<T, Refusal> {
        let profile = self.profile.clone();
        match tokio::task::spawn_blocking(move || work(&profile)).await {
            Ok(result) => result.map_err(Refusal::from),
            Err(error) => Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                None,
                format!("Receiving the event failed unexpectedly ({error}); send it again."),
            )),
        }
    }
}

/// The ingest API's routes. Tests serve it with a [`MockConnectInfo`] layer to play a peer
/// that is not on this computer.
fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/v1/events", post(one_event))
        .route("/v1/events/batch", post(batch))
        .route("/v1/health", get(health))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(middleware::from_fn(guard))
        .with_state(api)
}

/// Checks 1 and 2 of the module comment, for every route: a loopback peer, and no browser.
async fn guard(request: Request, next: Next) -> Response {
    let extensions = request.extensions();
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|info| info.0)
        });
    match peer {
        Some(peer) if peer_allowed(peer.ip()) => {}
        _ => {
            let who = peer.map_or_else(|| "an unknown address".to_owned(), |p| p.ip().to_string());
            tracing::warn!("ingest API: refused a request from {who}");
            return Refusal::new(
                StatusCode::FORBIDDEN,
                "forbidden_peer",
                None,
                format!(
                    "The ingest API answers programs on this computer only, and this request came from {who}. Send it from this computer to http://127.0.0.1."
                ),
            )
            .into_response();
        }
    }
    if let Some(origin) = request.headers().get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("?");
        return Refusal::new(
            StatusCode::FORBIDDEN,
            "browser_origin",
            None,
            format!(
                "Requests from web pages are refused (this one came from a page at {origin}): a page in a browser must not be able to send events. Call the ingest API from your application's server-side code, which sends no Origin header."
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// Whether `ip` is this computer: 127.0.0.0/8, `::1`, or 127.x written as IPv6.
fn peer_allowed(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `GET /v1/health`: whether the API is up, and which Switchboard answers.
async fn health() -> Json<Health> {
    Json(Health {
        ok: true,
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Debug, Serialize)]
struct Health {
    ok: bool,
    version: &'static str,
}

/// `POST /v1/events`: one event.
async fn one_event(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    api.authorize(&headers).await?;
    require_json(&headers)?;
    let bytes = read_body(&headers, body, MAX_EVENT_BYTES).await?;
    let incoming: IncomingEvent = parse(&bytes, "one event as a JSON object")?;
    let (receipt, _duplicate) = api
        .blocking(move |profile| ingest::receive(profile, incoming, Source::Ingest))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { receipt })).into_response())
}

/// The answer to an accepted event: the same for every copy of its id.
#[derive(Debug, Serialize)]
struct Accepted {
    receipt: Receipt,
}

/// The body of `POST /v1/events/batch`. Each event is parsed on its own, so one that does not
/// fit the shape is answered in its place instead of refusing the batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    events: Vec<serde_json::Value>,
}

/// One event's result in a batch: `{"ok": true, "receipt": …}` or `{"ok": false, "error": …}`.
#[derive(Debug, Serialize)]
struct BatchItem {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<Receipt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody>,
}

impl BatchItem {
    fn accepted(receipt: Receipt) -> BatchItem {
        BatchItem {
            ok: true,
            receipt: Some(receipt),
            error: None,
        }
    }

    fn refused(refusal: Refusal) -> BatchItem {
        BatchItem {
            ok: false,
            receipt: None,
            error: Some(refusal.error),
        }
    }
}

#[derive(Debug, Serialize)]
struct BatchAnswer {
    results: Vec<BatchItem>,
}

/// `POST /v1/events/batch`: up to [`MAX_BATCH`] events in one transaction, each accepted or
/// refused on its own; the results are in the batch's order.
async fn batch(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    api.authorize(&headers).await?;
    require_json(&headers)?;
    let bytes = read_body(&headers, body, MAX_BATCH_BYTES).await?;
    let BatchBody { events } = parse(&bytes, r#"a JSON object {"events": [...]}"#)?;
    if events.len() > MAX_BATCH {
        return Err(Error::invalid(
            "events",
            format!(
                "A batch holds at most {MAX_BATCH} events; this one has {}: split it.",
                events.len()
            ),
        )
        .into());
    }
    let mut results: Vec<Option<BatchItem>> = Vec::with_capacity(events.len());
    let mut parsed = Vec::with_capacity(events.len());
    let mut places = Vec::with_capacity(events.len());
    for (place, value) in events.into_iter().enumerate() {
        match parse_value::<IncomingEvent>(value) {
            Ok(event) => {
                results.push(None);
                parsed.push(event);
                places.push(place);
            }
            Err(refusal) => results.push(Some(BatchItem::refused(refusal))),
        }
    }
    if !parsed.is_empty() {
        let received = api
            .blocking(move |profile| ingest::receive_batch(profile, parsed, Source::Ingest))
            .await?;
        for (place, result) in places.into_iter().zip(received) {
            results[place] = Some(match result {
                Ok((receipt, _duplicate)) => BatchItem::accepted(receipt),
                Err(error) => BatchItem::refused(error.into()),
            });
        }
    }
    let results = results
        .into_iter()
        .map(|item| {
            item.unwrap_or_else(|| {
                BatchItem::refused(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    None,
                    "This event got no answer; send it again.".to_owned(),
                ))
            })
        })
        .collect();
    Ok((StatusCode::OK, Json(BatchAnswer { results })).into_response())
}

async fn not_found(uri: Uri) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
        format!(
            "There is no {} here: send events to POST /v1/events or POST /v1/events/batch.",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Refusal {
    let allowed = if uri.path() == "/v1/health" {
        "GET"
    } else {
        "POST"
    };
    Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
        format!("{} does not take {method}: use {allowed}.", uri.path()),
    )
}

/// Check 4: the body is declared JSON (`application/json`, or a `+json` type).
fn require_json(headers: &HeaderMap) -> Result<(), Refusal> {
    let declared = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Ok(());
    }
    let had = if declared.is_empty() {
        "none".to_owned()
    } else {
        declared.to_owned()
    };
    Err(Refusal::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
        format!(
            "Send the body as JSON with Content-Type: application/json (this request's Content-Type: {had})."
        ),
    ))
}

/// Check 5: reads the body, refusing one larger than `limit`.
///
/// A body a little too large is read to its end and dropped before the refusal is sent: a
/// client still sending when the server closes the connection sees it reset instead of the
/// answer that says why. One declared (or found) more than four times too large is not read.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, Refusal> {
    let drain = limit.saturating_mul(4);
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > drain as u64) {
        return Err(too_large(limit));
    }
    let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(limit).min(limit));
    let mut bytes = Vec::with_capacity(capacity);
    let mut seen = 0usize;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                None,
                format!("The request's body could not be read ({e}); send it again."),
            )
        })?;
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            bytes.extend_from_slice(&chunk);
        } else if seen > drain {
            break;
        }
    }
    if seen > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

fn too_large(limit: usize) -> Refusal {
    let advice = if limit == MAX_EVENT_BYTES {
        "shorten its text fields, or send many events through POST /v1/events/batch"
    } else {
        "split it into smaller batches"
    };
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        None,
        format!(
            "The body is larger than this endpoint takes, {} KiB ({limit} bytes): {advice}.",
            limit / 1024
        ),
    )
}

/// Check 6: parses `bytes` as `T`, refusing with the field, line and column of the problem.
/// `expected` says what the body should be when it is empty.
fn parse<T: DeserializeOwned>(bytes: &[u8], expected: &str) -> Result<T, Refusal> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            None,
            format!("The body is empty: send {expected}."),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| json_refusal(&e.path().to_string(), e.inner()))?;
    deserializer.end().map_err(|e| json_refusal(".", &e))?;
    Ok(value)
}

/// Parses one event of a batch; the field named is relative to the event.
fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Refusal> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| json_refusal(&e.path().to_string(), e.inner()))
}

/// A JSON error as a 400 naming the field (from the path, or from serde's "unknown field" and
/// "missing field" messages, which fail at the object holding the field) and the position.
fn json_refusal(path: &str, error: &serde_json::Error) -> Refusal {
    let text = error.to_string();
    let position = (error.line() > 0).then(|| (error.line(), error.column()));
    // serde_json ends its message with the position; it is given in a sentence of our own.
    let bare: &str = match position {
        Some((line, column)) => text
            .strip_suffix(&format!(" at line {line} column {column}"))
            .unwrap_or(&text),
        None => &text,
    };
    let at = position
        .map(|(line, column)| format!(" (line {line}, column {column})"))
        .unwrap_or_default();
    if error.is_syntax() || error.is_eof() {
        return Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            None,
            format!("The body is not valid JSON: {bare}{at}."),
        );
    }
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|start| bare.strip_prefix(start))
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty());
    let field = match (path, named) {
        (".", Some(name)) => Some(name.to_owned()),
        (".", None) => None,
        (path, Some(name)) if !path.ends_with(name) => Some(format!("{path}.{name}")),
        (path, _) => Some(path.to_owned()),
    };
    let message = match &field {
        Some(field) => format!("`{field}`: {bare}{at}."),
        None => format!("The body does not have the expected shape: {bare}{at}."),
    };
    Refusal::new(StatusCode::BAD_REQUEST, "invalid_json", field, message)
}

/// A refused request: its status and the `error` object of the answer.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    error: ErrorBody,
}

/// `{"code", "field"?, "message"}`: a stable code for programs, the field at fault when there
/// is one, and a sentence saying what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ErrorBody {
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    message: String,
}

#[derive(Serialize)]
struct ErrorAnswer<'a> {
    error: &'a ErrorBody,
}

impl Refusal {
    fn new(status: StatusCode, code: &str, field: Option<String>, message: String) -> Refusal {
        Refusal {
            status,
            error: ErrorBody {
                code: code.to_owned(),
                field,
                message,
            },
        }
    }

    fn unauthorized(message: &str) -> Refusal {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            None,
            message.to_owned(),
        )
    }
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Refusal {
        let status = match &error {
            Error::InvalidInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            // Nothing the sender can fix, and sending again later may work.
            Error::StorageUnavailable(_)
            | Error::Store(switchboard_store::Error::Locked { .. })
            | Error::Keyring(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let field = match &error {
            Error::InvalidInput { field, .. } => Some((*field).to_owned()),
            _ => None,
        };
        Refusal::new(status, error.code(), field, error.to_string())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorAnswer { error: &self.error })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"switchboard\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventKind;
    use crate::catalog::sample;
    use crate::profile::{Endpoints, ProfileConfig, SecretsIn};
    use crate::secrets::{SecretKey, SecretKind};
    use serde_json::{Value, json};

    /// A server on `127.0.0.1:0` for a fresh profile (secrets in memory), with the client and
    /// the token it made.
    struct Running {
        base: String,
        token: String,
        profile: Arc<Profile>,
        client: reqwest::Client,
        shutdown: CancellationToken,
        serving: tokio::task::JoinHandle<()>,
        _dir: tempfile::TempDir,
    }

    /// One answer: its status, `WWW-Authenticate` and JSON body.
    #[derive(Debug)]
    struct Answer {
        status: u16,
        challenge: Option<String>,
        body: Value,
        text: String,
    }

    impl Answer {
        fn code(&self) -> &str {
            self.body["error"]["code"].as_str().unwrap_or("")
        }

        fn field(&self) -> Option<&str> {
            self.body["error"]["field"].as_str()
        }

        fn message(&self) -> &str {
            self.body["error"]["message"].as_str().unwrap_or("")
        }
    }

    fn test_profile() -> (tempfile::TempDir, Arc<Profile>) {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open(ProfileConfig {
            secrets: SecretsIn::Memory,
            actor: "ada".to_owned(),
            ..ProfileConfig::new(dir.path().to_path_buf(), Endpoints::slack())
        });
        (dir, Arc::new(profile))
    }

    /// Serves the real way (the peer is this test, on loopback), or, with `peer`, as if every
    /// request came from `peer`.
    async fn start(peer: Option<SocketAddr>) -> Running {
        let (dir, profile) = test_profile();
        let server = Server::bind_with(profile.clone(), 0, Duration::ZERO)
            .await
            .unwrap();
        assert!(server.addr().ip().is_loopback(), "bound to 127.0.0.1 only");
        let token = ingest_token::rotate(&profile)
            .await
            .unwrap()
            .expose()
            .to_owned();
        let base = server.url();
        let shutdown = CancellationToken::new();
        let serving = match peer {
            None => tokio::spawn(server.run(shutdown.clone())),
            Some(peer) => {
                let app = router(server.api).layer(MockConnectInfo(peer));
                let stop = shutdown.clone().cancelled_owned();
                let listener = server.listener;
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(stop)
                        .await;
                })
            }
        };
        Running {
            base,
            token,
            profile,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            shutdown,
            serving,
            _dir: dir,
        }
    }

    impl Running {
        /// A JSON POST to `path` carrying `token` (none when `None`).
        fn post(&self, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
            let request = self
                .client
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/json");
            match token {
                Some(token) => request.header("Authorization", format!("Bearer {token}")),
                None => request,
            }
        }

        /// One event, with the right token.
        async fn send(&self, event: &Value) -> Answer {
            answer(
                self.post("/v1/events", Some(&self.token))
                    .body(event.to_string()),
            )
            .await
        }

        fn stored(&self, sql: &str) -> i64 {
            self.profile
                .db()
                .unwrap()
                .read(|c| {
                    c.query_row(sql, [], |r| r.get(0))
                        .map_err(switchboard_store::Error::from)
                })
                .unwrap()
        }

        async fn stop(self) {
            self.shutdown.cancel();
            tokio::time::timeout(Duration::from_secs(10), self.serving)
                .await
                .expect("a cancelled server stops within 10 s")
                .unwrap();
        }
    }

    async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("every answer is JSON ({e}): {text}"));
        Answer {
            status,
            challenge,
            body,
            text,
        }
    }

    fn invoice(id: &str) -> Value {
        let mut event = sample(EventKind::InvoiceSent);
        event.id = id.to_owned();
        serde_json::to_value(event).unwrap()
    }

    #[tokio::test]
    async fn a_missing_or_wrong_token_is_refused_saying_how_to_get_one() {
        let api = start(None).await;
        let missing = answer(
            api.post("/v1/events", None)
                .body(invoice("a-1").to_string()),
        )
        .await;
        let wrong = answer(
            api.post("/v1/events", Some("sbi_not-the-token"))
                .body(invoice("a-1").to_string()),
        )
        .await;
        for refused in [&missing, &wrong] {
            assert_eq!(
                (refused.status, refused.code()),
                (401, "unauthorized"),
                "{refused:?}"
            );
            assert!(
                refused
                    .challenge
                    .as_deref()
                    .is_some_and(|c| c.starts_with("Bearer")),
                "401 names the scheme to use: {refused:?}"
            );
            assert!(
                refused.message().contains("Authorization: Bearer <token>")
                    && refused
                        .message()
                        .contains("switchboard ingest-token --rotate"),
                "the message says what to send and where to get it: {}",
                refused.message()
            );
        }
        assert_eq!(
            api.stored("SELECT count(*) FROM event"),
            0,
            "nothing is received without the token"
        );
        let accepted = api.send(&invoice("a-1")).await;
        assert_eq!(
            accepted.status, 202,
            "the right token is accepted: {accepted:?}"
        );
        api.stop().await;
    }

    #[tokio::test]
    async fn a_peer_that_is_not_this_computer_is_refused_even_with_the_token() {
        let api = start(Some("203.0.113.7:50000".parse().unwrap())).await;
        let refused = api.send(&invoice("p-1")).await;
        assert_eq!(
            (refused.status, refused.code()),
            (403, "forbidden_peer"),
            "{refused:?}"
        );
        assert!(
            refused.message().contains("203.0.113.7"),
            "{}",
            refused.message()
        );
        let health = answer(api.client.get(format!("{}/v1/health", api.base))).await;
        assert_eq!(
            health.status, 403,
            "not even the health check answers a remote peer"
        );
        assert_eq!(api.stored("SELECT count(*) FROM event"), 0);

        for (ip, allowed) in [
            ("127.0.0.1", true),
            ("127.8.9.10", true),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("10.0.0.2", false),
            ("192.168.1.20", false),
            ("0.0.0.0", false),
            ("::ffff:10.0.0.2", false),
            ("fe80::1", false),
        ] {
            assert_eq!(peer_allowed(ip.parse().unwrap()), allowed, "{ip}");
        }
        api.stop().await;
    }

    #[tokio::test]
    async fn a_request_from_a_web_page_is_refused_even_with_the_token() {
        let api = start(None).await;
        let refused = answer(
            api.post("/v1/events", Some(&api.token))
                .header("Origin", "https://evil.example")
                .body(invoice("o-1").to_string()),
        )
        .await;
        assert_eq!(
            (refused.status, refused.code()),
            (403, "browser_origin"),
            "{refused:?}"
        );
        assert!(
            refused.message().contains("web pages")
                && refused.message().contains("https://evil.example"),
            "{}",
            refused.message()
        );
        assert_eq!(api.stored("SELECT count(*) FROM event"), 0);
        api.stop().await;
    }

    #[tokio::test]
    async fn an_oversized_body_is_refused_naming_the_limit() {
        let api = start(None).await;
        let mut event = invoice("big-1");
        event["data"]["note"] = json!("x".repeat(MAX_EVENT_BYTES));
        let refused = api.send(&event).await;
        assert_eq!(
            (refused.status, refused.code()),
            (413, "payload_too_large"),
            "{refused:?}"
        );
        assert!(
            refused.message().contains("64 KiB") && refused.message().contains("65536 bytes"),
            "the message names the limit: {}",
            refused.message()
        );
        assert_eq!(api.stored("SELECT count(*) FROM event"), 0);

        let plain = answer(
            api.client
                .post(format!("{}/v1/events", api.base))
                .header("Authorization", format!("Bearer {}", api.token))
                .header("Content-Type", "text/plain")
                .body(invoice("ct-1").to_string()),
        )
        .await;
        assert_eq!(
            (plain.status, plain.code()),
            (415, "unsupported_media_type"),
            "the body must be declared JSON: {plain:?}"
        );
        api.stop().await;
    }

    #[tokio::test]
    async fn an_invalid_event_is_refused_naming_the_field_and_nothing_is_stored() {
        let api = start(None).await;
        let mut bad = invoice("bad-1");
        bad["data"]["amount"] = json!("12,50");
        let refused = api.send(&bad).await;
        assert_eq!(
            (refused.status, refused.code(), refused.field()),
            (422, "invalid_input", Some("data.amount")),
            "{refused:?}"
        );
        assert!(
            refused.message().contains("decimal amount"),
            "{}",
            refused.message()
        );
        assert_eq!(api.stored("SELECT count(*) FROM event"), 0);
        api.stop().await;
    }

    #[tokio::test]
    async fn json_that_does_not_fit_is_refused_naming_the_field_and_where() {
        let api = start(None).await;
        let mut unknown = invoice("j-1");
        unknown["colour"] = json!("red");
        let mut mistyped = invoice("j-2");
        mistyped["id"] = json!(5);
        let mut missing = invoice("j-3");
        missing.as_object_mut().unwrap().remove("kind");
        for (event, field) in [(unknown, "colour"), (mistyped, "id"), (missing, "kind")] {
            let refused = api.send(&event).await;
            assert_eq!(
                (refused.status, refused.code(), refused.field()),
                (400, "invalid_json", Some(field)),
                "{refused:?}"
            );
            assert!(
                refused.message().contains(&format!("`{field}`"))
                    && refused.message().contains("line 1"),
                "the message names the field and the position: {}",
                refused.message()
            );
        }
        let broken = answer(
            api.post("/v1/events", Some(&api.token))
                .body(r#"{"id": "j-4","#),
        )
        .await;
        assert_eq!(
            (broken.status, broken.code()),
            (400, "invalid_json"),
            "{broken:?}"
        );
        assert!(
            broken.message().contains("line 1, column"),
            "{}",
            broken.message()
        );
        let empty = answer(api.post("/v1/events", Some(&api.token)).body("")).await;
        assert!(empty.message().contains("empty"), "{empty:?}");
        assert_eq!(api.stored("SELECT count(*) FROM event"), 0);
        api.stop().await;
    }

    #[tokio::test]
    async fn the_same_id_twice_is_stored_once_and_answered_the_same_way() {
        let api = start(None).await;
        let first = api.send(&invoice("twice-1")).await;
        let second = api.send(&invoice("twice-1")).await;
        assert_eq!(first.status, 202, "{first:?}");
        assert_eq!(first.body["receipt"]["id"], "twice-1");
        assert_eq!(
            (second.status, &second.text),
            (first.status, &first.text),
            "a repeat is answered exactly like the first copy"
        );
        assert_eq!(
            api.stored("SELECT count(*) FROM event WHERE idempotency_key = 'twice-1'"),
            1,
            "and stored once"
        );
        api.stop().await;
    }

    #[tokio::test]
    async fn a_batch_answers_each_event_in_its_place() {
        let api = start(None).await;
        let mut invalid = invoice("b-2");
        invalid["data"]["amount"] = json!("12,50");
        let mut misshapen = invoice("b-3");
        misshapen["colour"] = json!("red");
        let body = json!({"events": [invoice("b-1"), invalid, misshapen, invoice("b-4")]});
        let answered = answer(
            api.post("/v1/events/batch", Some(&api.token))
                .body(body.to_string()),
        )
        .await;
        assert_eq!(answered.status, 200, "{answered:?}");
        let results = answered.body["results"].as_array().unwrap();
        let summary: Vec<_> = results
            .iter()
            .map(|r| {
                (
                    r["ok"].as_bool().unwrap(),
                    r["receipt"]["id"].as_str().map(str::to_owned),
                    r["error"]["field"].as_str().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (true, Some("b-1".to_owned()), None),
                (false, None, Some("data.amount".to_owned())),
                (false, None, Some("colour".to_owned())),
                (true, Some("b-4".to_owned()), None),
            ],
            "one result per event, in order; a bad one does not refuse the others"
        );
        assert_eq!(api.stored("SELECT count(*) FROM event"), 2);

        let too_many: Vec<_> = (0..=MAX_BATCH)
            .map(|i| invoice(&format!("many-{i}")))
            .collect();
        let refused = answer(
            api.post("/v1/events/batch", Some(&api.token))
                .body(json!({"events": too_many}).to_string()),
        )
        .await;
        assert_eq!(
            (refused.status, refused.code(), refused.field()),
            (422, "invalid_input", Some("events")),
            "{refused:?}"
        );
        assert!(refused.message().contains("500"), "{}", refused.message());
        assert_eq!(
            api.stored("SELECT count(*) FROM event"),
            2,
            "a refused batch stores nothing"
        );
        api.stop().await;
    }

    #[tokio::test]
    async fn health_needs_no_token_and_other_paths_answer_in_json() {
        let api = start(None).await;
        let health = answer(api.client.get(format!("{}/v1/health", api.base))).await;
        assert_eq!((health.status, &health.body["ok"]), (200, &json!(true)));
        let missing = answer(api.post("/v1/nothing", Some(&api.token)).body("{}")).await;
        assert_eq!(
            (missing.status, missing.code()),
            (404, "not_found"),
            "{missing:?}"
        );
        let wrong_method = answer(api.client.get(format!("{}/v1/events", api.base))).await;
        assert_eq!(
            (wrong_method.status, wrong_method.code()),
            (405, "method_not_allowed"),
            "{wrong_method:?}"
        );
        api.stop().await;
    }

    #[tokio::test]
    async fn a_rotated_token_replaces_the_old_one_at_once() {
        let api = start(None).await;
        let old = api.token.clone();
        let new = ingest_token::rotate(&api.profile).await.unwrap();
        let refused = answer(
            api.post("/v1/events", Some(&old))
                .body(invoice("r-1").to_string()),
        )
        .await;
        assert_eq!(
            refused.status, 401,
            "the old token stops working: {refused:?}"
        );
        let accepted = answer(
            api.post("/v1/events", Some(new.expose()))
                .body(invoice("r-1").to_string()),
        )
        .await;
        assert_eq!(accepted.status, 202, "the new one works: {accepted:?}");

        // Another process that writes the keyring without the database (an older build) is
        // still noticed: a token that does not match makes the server read the keyring.
        api.profile
            .secrets()
            .put(
                SecretKey::app(SecretKind::IngestToken),
                "sbi_from-elsewhere".to_owned(),
            )
            .await
            .unwrap();
        let elsewhere = answer(
            api.post("/v1/events", Some("sbi_from-elsewhere"))
                .body(invoice("r-2").to_string()),
        )
        .await;
        assert_eq!(elsewhere.status, 202, "{elsewhere:?}");
        api.stop().await;
    }

    #[tokio::test]
    async fn binding_a_port_in_use_says_which_and_what_to_do() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let (_dir, profile) = test_profile();
        let error = Server::bind(profile.clone(), port).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field: "port", message }
                if *message == format!("Port {port} is in use by another program: choose another with --port or in Settings")),
            "{error:?}"
        );

        let server = Server::bind(profile.clone(), 0).await.unwrap();
        assert_eq!(
            server.url(),
            format!("http://127.0.0.1:{}", server.addr().port())
        );
        assert_ne!(
            server.addr().port(),
            0,
            "port 0 takes a free port and reports it"
        );
        assert_eq!(configured_port(&profile).unwrap(), DEFAULT_PORT);
        set_port(&profile, 9000).unwrap();
        assert_eq!(configured_port(&profile).unwrap(), 9000);
    }
}
