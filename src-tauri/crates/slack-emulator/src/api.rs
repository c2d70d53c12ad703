//! `/api/<method>`: parses the call, injects configured faults, applies rate limits,
//! authenticates, runs the method, and answers the way Slack does — always
//! `application/json; charset=utf-8`, HTTP 200 with `ok:false` for platform errors, 429 with
//! `Retry-After` when limited, warnings in `warning` and `response_metadata.warnings`, and the
//! token's scopes in `X-OAuth-Scopes`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::methods::{self, Answer, ApiError, Auth};
use crate::ratelimit::{self, Limit};
use crate::request::{self, ApiRequest};
use crate::state::{FaultKind, World};

/// Largest request body accepted (Slack's own limit for method calls is a few MB).
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// How long a `timeout` fault stalls before answering.
pub const TIMEOUT_FAULT_STALL: Duration = Duration::from_secs(30);

pub fn slack_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Scopes that would let a token call `method` (`X-Accepted-OAuth-Scopes`).
fn accepted_scopes(method: &str) -> &'static str {
    match method {
        "team.info" => "team:read",
        "conversations.list" | "conversations.info" => {
            "channels:read,groups:read,im:read,mpim:read"
        }
        "conversations.join" => "channels:join,channels:write",
        "conversations.open" => "im:write,mpim:write",
        "conversations.history" | "conversations.replies" => {
            "channels:history,groups:history,im:history,mpim:history"
        }
        "users.list" | "users.info" => "users:read",
        "users.lookupByEmail" => "users:read.email",
        "chat.postMessage" | "chat.update" | "chat.delete" => "chat:write",
        "openid.connect.userInfo" => "openid",
        _ => "",
    }
}

async fn read_body(
    request: Request,
) -> Result<(axum::http::HeaderMap, Bytes, Option<Vec<(String, String)>>), &'static str> {
    let headers = request.headers().clone();
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if is_multipart {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|_| "invalid_form_data")?;
        let mut fields = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| "invalid_form_data")?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let value = field.text().await.map_err(|_| "invalid_form_data")?;
            fields.push((name, value));
        }
        return Ok((headers, Bytes::new(), Some(fields)));
    }
    let body = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
        .await
        .map_err(|_| "request_too_large")?;
    Ok((headers, body, None))
}

/// The rate-limit buckets a call draws from: per (workspace, app, method) by tier, and for
/// chat.postMessage per channel and per workspace.
fn limit_keys(method: &str, auth: &Auth, req: &ApiRequest) -> Vec<(String, Limit)> {
    let scope = format!("{}:{}", auth.record.team_id, auth.record.app_id);
    let mut keys = Vec::new();
    if let Some(limit) = ratelimit::limit_for(method) {
        keys.push((format!("{scope}:{method}"), limit));
    }
    if method == "chat.postMessage" {
        let channel = req.str("channel").unwrap_or_default();
        keys.push((
            format!("{scope}:post:{channel}"),
            ratelimit::POST_PER_CHANNEL,
        ));
        keys.push((format!("{scope}:post"), ratelimit::POST_PER_WORKSPACE));
    }
    keys
}

fn run(
    world: &mut World,
    method: &str,
    auth: Option<&Auth>,
    req: &ApiRequest,
    warnings: &mut Vec<&'static str>,
) -> Result<Answer, ApiError> {
    use methods::{auth as a, chat, conversations as c, oauth, team, users};
    let authed = || auth.ok_or_else(|| ApiError::new("not_authed"));
    match method {
        "conversations.list" => return c::list(world, authed()?, req),
        "users.list" => return users::list(world, authed()?, req),
        _ => {}
    }
    let answer = match method {
        "api.test" => a::api_test(req),
        "oauth.v2.access" => oauth::v2_access(world, req),
        "openid.connect.token" => oauth::openid_token(world, req),
        "auth.test" => a::test(world, authed()?),
        "auth.revoke" => a::revoke(world, authed()?, req),
        "team.info" => team::info(world, authed()?, req),
        "conversations.info" => c::info(world, authed()?, req),
        "conversations.join" => c::join(world, authed()?, req, warnings),
        "conversations.open" => c::open(world, authed()?, req),
        "conversations.history" => c::history(world, authed()?, req),
        "conversations.replies" => c::replies(world, authed()?, req),
        "users.info" => users::info(world, authed()?, req),
        "users.lookupByEmail" => users::lookup_by_email(world, authed()?, req),
        "chat.postMessage" => chat::post_message(world, authed()?, req, warnings),
        "chat.update" => chat::update(world, authed()?, req),
        "chat.delete" => chat::delete(world, authed()?, req),
        "chat.getPermalink" => chat::get_permalink(world, authed()?, req),
        "openid.connect.userInfo" => oauth::openid_user_info(world, authed()?),
        "views.open" => methods::views::open(world, authed()?, req),
        _ => Err(ApiError::new("unknown_method").with("req_method", json!(method))),
    };
    answer.map(Answer::Json)
}

/// Every method the emulator serves.
const METHODS: &[&str] = &[
    "api.test",
    "oauth.v2.access",
    "openid.connect.token",
    "auth.test",
    "auth.revoke",
    "team.info",
    "conversations.list",
    "conversations.info",
    "conversations.join",
    "conversations.open",
    "conversations.history",
    "conversations.replies",
    "users.list",
    "users.info",
    "users.lookupByEmail",
    "chat.postMessage",
    "chat.update",
    "chat.delete",
    "chat.getPermalink",
    "openid.connect.userInfo",
    "views.open",
];

/// Methods that authenticate with client credentials, or not at all.
fn needs_token(method: &str) -> bool {
    !matches!(
        method,
        "api.test" | "oauth.v2.access" | "openid.connect.token"
    )
}

fn with_warnings(mut body: Map<String, Value>, warnings: &[&'static str]) -> Map<String, Value> {
    if !warnings.is_empty() {
        body.insert("warning".into(), json!(warnings.join(",")));
        let metadata = body.entry("response_metadata").or_insert_with(|| json!({}));
        if let Some(object) = metadata.as_object_mut() {
            object.insert("warnings".into(), json!(warnings));
        }
    }
    body
}

pub async fn dispatch(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Response {
    let (headers, body, multipart) = match read_body(request).await {
        Ok(parts) => parts,
        Err(code) => return slack_json(StatusCode::OK, &json!({"ok": false, "error": code})),
    };
    let fault = {
        let mut world = shared.lock();
        *world.stats.requests.entry(method.clone()).or_default() += 1;
        let fault = world
            .faults
            .iter()
            .find(|f| (f.method == method || f.method == "*") && fastrand::f64() < f.rate)
            .map(|f| (f.kind, f.stall_ms));
        if let Some((kind, _)) = fault {
            let name = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *world.stats.faults_injected.entry(name).or_default() += 1;
        }
        fault
    };
    // Faults that stop the call before Slack would have processed it.
    let stall = fault
        .and_then(|(_, stall)| stall)
        .map_or(TIMEOUT_FAULT_STALL, Duration::from_millis);
    let fault = fault.map(|(kind, _)| kind);
    match fault {
        Some(FaultKind::ServerError) => {
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                "<html><body><h1>Slack is temporarily unavailable</h1></body></html>",
            )
                .into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            return response;
        }
        Some(FaultKind::RateLimited) => {
            return rate_limited(&shared, &method, Duration::from_secs(1));
        }
        _ => {}
    }
    let req = match request::parse(&headers, query.as_deref(), &body, multipart) {
        Ok(req) => req,
        Err(refusal) => {
            return slack_json(StatusCode::OK, &json!({"ok": false, "error": refusal.0}));
        }
    };
    if method == "apps.connections.open" {
        return crate::socket::connections_open(&shared, &headers, &req);
    }
    let mut warnings = req.warnings.clone();
    if !METHODS.contains(&method.as_str()) {
        let error = ApiError::new("unknown_method").with("req_method", json!(method));
        return respond(Err(error), &warnings, None, &method);
    }
    let (outcome, scopes) = {
        let mut world = shared.lock();
        let auth = if needs_token(&method) {
            match methods::authenticate(&world, &req) {
                Ok(auth) => Some(auth),
                Err(error) => {
                    drop(world);
                    return respond(Err(error), &warnings, None, &method);
                }
            }
        } else {
            None
        };
        if let Some(auth) = &auth
            && shared.rate_limits_enabled()
        {
            let keys = limit_keys(&method, auth, &req);
            if let Err(wait) = shared
                .limiter
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .check(&keys, Instant::now())
            {
                drop(world);
                return rate_limited(&shared, &method, wait);
            }
        }
        let outcome = run(&mut world, &method, auth.as_ref(), &req, &mut warnings);
        (outcome, auth.map(|a| a.scopes_csv()))
    };
    let response = respond(outcome, &warnings, scopes, &method);
    // Faults after Slack processed the call: the client cannot know whether it worked.
    match fault {
        Some(FaultKind::Timeout) => {
            tokio::time::sleep(stall).await;
            response
        }
        Some(FaultKind::Reset) => {
            let (parts, _) = response.into_parts();
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                ))
            });
            Response::from_parts(parts, Body::from_stream(broken))
        }
        _ => response,
    }
}

fn respond(
    outcome: Result<Answer, ApiError>,
    warnings: &[&'static str],
    scopes: Option<String>,
    method: &str,
) -> Response {
    let outcome = match outcome {
        // A page written straight: `ok` goes first; with warnings to add, it takes the general
        // path (rare: only a request's encoding draws one on a list method).
        Ok(Answer::Raw(raw)) if warnings.is_empty() => {
            let body = format!("{{\"ok\":true,{}", &raw[1..]);
            return with_scopes(raw_json(body), scopes, method);
        }
        Ok(Answer::Raw(raw)) => {
            Ok(serde_json::from_str::<Value>(&raw).expect("the emulator wrote valid JSON"))
        }
        Ok(Answer::Json(value)) => Ok(value),
        Err(error) => Err(error),
    };
    let body = match outcome {
        Ok(Value::Object(fields)) => {
            let mut body = Map::new();
            body.insert("ok".into(), json!(true));
            body.extend(fields);
            with_warnings(body, warnings)
        }
        Ok(_) => unreachable!("method handlers return objects"),
        Err(error) => {
            let mut body = Map::new();
            body.insert("ok".into(), json!(false));
            body.insert("error".into(), json!(error.code));
            body.extend(error.extra);
            with_warnings(body, warnings)
        }
    };
    with_scopes(
        slack_json(StatusCode::OK, &Value::Object(body)),
        scopes,
        method,
    )
}

/// A JSON body already written out, with Slack's content type.
fn raw_json(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Adds the token's scopes (`X-OAuth-Scopes`) and the method's accepted ones.
fn with_scopes(mut response: Response, scopes: Option<String>, method: &str) -> Response {
    if let Some(scopes) = scopes
        && let Ok(value) = HeaderValue::from_str(&scopes)
    {
        response.headers_mut().insert("x-oauth-scopes", value);
        let accepted = accepted_scopes(method);
        if !accepted.is_empty() {
            response.headers_mut().insert(
                "x-accepted-oauth-scopes",
                HeaderValue::from_static(accepted),
            );
        }
    }
    response
}

fn rate_limited(shared: &Shared, method: &str, wait: Duration) -> Response {
    *shared
        .lock()
        .stats
        .rate_limited
        .entry(method.to_owned())
        .or_default() += 1;
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = slack_json(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({"ok": false, "error": "ratelimited"}),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}
