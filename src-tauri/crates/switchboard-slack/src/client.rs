//! [`SlackClient`]: one `reqwest::Client` with timeouts and a user agent naming Switchboard, an
//! injectable base URL, proactive pacing, and Slack's conventions — JSON bodies with
//! `charset=utf-8` and a Bearer token for writes, forms for reads, `ok:false` errors, warnings,
//! granted scopes from `X-OAuth-Scopes`, and HTTP 429 waited out (`Retry-After` plus jitter).
//!
//! Reads are retried on transient failures (connection errors, timeouts, 5xx) with capped
//! backoff. Writes are not: the caller decides, after checking whether the write happened.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::method::{Encoding, Method};
use crate::pacing::Pacer;
use crate::token::Token;

/// Slack's Web API.
pub const DEFAULT_BASE_URL: &str = "https://slack.com/api/";

/// How a client behaves; [`ClientConfig::default`] suits Slack itself.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where `<method>` is resolved, ending in `/` (an emulator's `http://127.0.0.1:PORT/api/`).
    pub base_url: Url,
    /// Total time for one HTTP exchange.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Pace calls below Slack's limits. Off only for speed tests against an emulator.
    pub pacing: bool,
    /// How many HTTP 429 answers one call waits out before giving up.
    pub max_rate_limit_waits: u32,
    /// How many times a read is retried after a transient failure.
    pub max_read_retries: u32,
    /// First backoff before retrying a read; doubles each time up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: Url::parse(DEFAULT_BASE_URL).expect("a valid URL"),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            pacing: true,
            max_rate_limit_waits: 10,
            max_read_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl ClientConfig {
    /// The default configuration against another base URL (a trailing `/` is added).
    pub fn with_base_url(base_url: &str) -> Result<ClientConfig> {
        let mut url = Url::parse(base_url)
            .map_err(|e| Error::Request(format!("{base_url:?} is not a URL: {e}")))?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(ClientConfig {
            base_url: url,
            ..ClientConfig::default()
        })
    }
}

/// A successful answer: the typed data plus what Slack said beside it.
#[derive(Debug, Clone)]
pub struct Response<T> {
    pub data: T,
    /// `warning` and `response_metadata.warnings`, e.g. `already_in_channel`.
    pub warnings: Vec<String>,
    /// The token's granted scopes, from `X-OAuth-Scopes`.
    pub scopes: Option<Vec<String>>,
    /// Scopes that would allow this method, from `X-Accepted-OAuth-Scopes`.
    pub accepted_scopes: Option<Vec<String>>,
}

impl<T> Response<T> {
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

/// What every Slack answer carries besides the method's own fields.
#[derive(Debug, serde::Deserialize)]
struct Envelope {
    ok: bool,
    error: Option<String>,
    needed: Option<String>,
    provided: Option<String>,
    warning: Option<String>,
    response_metadata: Option<Metadata>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct Metadata {
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    messages: Vec<String>,
}

/// How a call authenticates.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Credentials<'a> {
    Bearer(&'a Token),
    /// OAuth client credentials: HTTP Basic when a secret is given, else `client_id` in the form.
    Client {
        id: &'a str,
        secret: Option<&'a str>,
    },
}

/// A Slack Web API client. Cheap to clone; clones share the connection pool and pacing.
#[derive(Debug, Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    config: std::sync::Arc<ClientConfig>,
    pacer: std::sync::Arc<Pacer>,
}

impl SlackClient {
    pub fn new(config: ClientConfig) -> Result<SlackClient> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "Switchboard/",
                env!("CARGO_PKG_VERSION"),
                " switchboard-slack"
            ))
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| Error::Request(format!("cannot build the HTTP client: {e}")))?;
        let pacer = std::sync::Arc::new(Pacer::new(config.pacing));
        Ok(SlackClient {
            http,
            config: std::sync::Arc::new(config),
            pacer,
        })
    }

    /// The underlying HTTP client (for downloads that are not API calls, like icons).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Tells the pacer which workspace `token` belongs to, so every token of a workspace shares
    /// its schedule as Slack's limits do. `auth.test` calls it; callers that know may too.
    pub fn learn_workspace(&self, token: &Token, team_id: &str) {
        self.pacer.learn_workspace(token, team_id);
    }

    /// Calls `method` with `args` as `token`.
    pub async fn call<A: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: &Method,
        token: &Token,
        args: &A,
    ) -> Result<Response<T>> {
        self.call_with(method, Credentials::Bearer(token), args, None)
            .await
    }

    /// Like [`SlackClient::call`], pacing per `channel` too (chat.postMessage).
    pub(crate) async fn call_in_channel<A: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: &Method,
        token: &Token,
        args: &A,
        channel: &str,
    ) -> Result<Response<T>> {
        self.call_with(method, Credentials::Bearer(token), args, Some(channel))
            .await
    }

    pub(crate) async fn call_with<A: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: &Method,
        credentials: Credentials<'_>,
        args: &A,
        channel: Option<&str>,
    ) -> Result<Response<T>> {
        let url =
            self.config.base_url.join(method.name).map_err(|e| {
                Error::Request(format!("cannot build the URL of {}: {e}", method.name))
            })?;
        let body = encode(method, credentials, args)?;
        let mut rate_limit_waits = 0;
        let mut read_retries = 0;
        loop {
            if let Credentials::Bearer(token) = credentials {
                self.pacer.acquire(token, method, channel).await;
            }
            let mut request = self
                .http
                .post(url.clone())
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
            request = match credentials {
                Credentials::Bearer(token) => {
                    request.header(AUTHORIZATION, format!("Bearer {}", token.expose()))
                }
                Credentials::Client {
                    id,
                    secret: Some(secret),
                } => request.basic_auth(id, Some(secret)),
                Credentials::Client { .. } => request,
            };
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(bytes) => Ok((status, headers, bytes)),
                        // The request went out; only the answer was lost.
                        Err(source) => Err(Error::Transport {
                            method: method.name,
                            sent: true,
                            source,
                        }),
                    }
                }
                Err(source) => {
                    let sent = !(source.is_connect() || source.is_builder());
                    Err(Error::Transport {
                        method: method.name,
                        sent,
                        source,
                    })
                }
            };
            let error = match outcome {
                Ok((StatusCode::TOO_MANY_REQUESTS, headers, _)) => {
                    let wait = retry_after(&headers);
                    if rate_limit_waits >= self.config.max_rate_limit_waits {
                        return Err(Error::RateLimited {
                            method: method.name,
                            retry_after: wait,
                        });
                    }
                    rate_limit_waits += 1;
                    let wait = wait + jitter(Duration::from_secs(1));
                    if let Credentials::Bearer(token) = credentials {
                        self.pacer.penalise(token, method, channel, wait);
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Ok((status, headers, bytes)) if status == StatusCode::OK => {
                    return decode(method, &headers, &bytes);
                }
                Ok((status, _, _)) => Error::Http {
                    method: method.name,
                    status: status.as_u16(),
                },
                Err(error) => error,
            };
            // Reads are retried after transient failures; writes go back to the caller.
            let retry_read = !method.write
                && read_retries < self.config.max_read_retries
                && error.is_transient();
            // A connection that was never made is safe to retry for writes as well.
            let never_sent = matches!(&error, Error::Transport { sent: false, .. });
            if !(retry_read || (never_sent && read_retries < self.config.max_read_retries)) {
                return Err(error);
            }
            let backoff = self
                .config
                .initial_backoff
                .saturating_mul(1 << read_retries.min(16))
                .min(self.config.max_backoff);
            read_retries += 1;
            tokio::time::sleep(backoff + jitter(backoff / 4)).await;
        }
    }
}

struct Body {
    content_type: &'static str,
    bytes: Vec<u8>,
}

fn encode<A: Serialize + ?Sized>(
    method: &Method,
    credentials: Credentials<'_>,
    args: &A,
) -> Result<Body> {
    let bad = |e: String| {
        Error::Request(format!(
            "cannot encode the arguments of {}: {e}",
            method.name
        ))
    };
    match method.encoding {
        Encoding::Json => Ok(Body {
            content_type: "application/json; charset=utf-8",
            bytes: serde_json::to_vec(args).map_err(|e| bad(e.to_string()))?,
        }),
        Encoding::Form => {
            let mut form = serde_urlencoded::to_string(args).map_err(|e| bad(e.to_string()))?;
            if let Credentials::Client { id, secret: None } = credentials {
                let prefix = serde_urlencoded::to_string([("client_id", id)])
                    .map_err(|e| bad(e.to_string()))?;
                form = if form.is_empty() {
                    prefix
                } else {
                    format!("{prefix}&{form}")
                };
            }
            Ok(Body {
                content_type: "application/x-www-form-urlencoded",
                bytes: form.into_bytes(),
            })
        }
    }
}

fn scope_list(headers: &HeaderMap, name: &str) -> Option<Vec<String>> {
    let value = headers.get(name)?.to_str().ok()?;
    Some(
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

fn decode<T: DeserializeOwned>(
    method: &Method,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Response<T>> {
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|source| Error::Decode {
        method: method.name,
        source,
    })?;
    let metadata = envelope.response_metadata.unwrap_or_default();
    if !envelope.ok {
        return Err(Error::Api {
            method: method.name,
            code: envelope.error.unwrap_or_else(|| "unknown_error".to_owned()),
            needed: envelope.needed,
            provided: envelope.provided,
            messages: metadata.messages,
        });
    }
    let data: T = serde_json::from_slice(bytes).map_err(|source| Error::Decode {
        method: method.name,
        source,
    })?;
    let mut warnings: Vec<String> = envelope
        .warning
        .iter()
        .flat_map(|w| w.split(','))
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect();
    for warning in metadata.warnings {
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    Ok(Response {
        data,
        warnings,
        scopes: scope_list(headers, "x-oauth-scopes"),
        accepted_scopes: scope_list(headers, "x-accepted-oauth-scopes"),
    })
}

/// `Retry-After` in seconds; Slack always sends it with 429, one second if it is missing.
fn retry_after(headers: &HeaderMap) -> Duration {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs)
}

/// A random extra wait up to `max`, so clients that were limited together do not retry together.
fn jitter(max: Duration) -> Duration {
    max.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_specs_error_examples_become_api_errors_with_their_code() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../reference/slack-api-specs/slack_web_openapi_v2.json"
        );
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for name in [
            "chat.postMessage",
            "conversations.history",
            "users.lookupByEmail",
            "conversations.join",
            "auth.test",
        ] {
            let operation = spec["paths"][format!("/{name}")]
                .as_object()
                .and_then(|o| o.values().next())
                .unwrap();
            let example = &operation["responses"]["default"]["examples"]["application/json"];
            let bytes = serde_json::to_vec(example).unwrap();
            let error = decode::<serde_json::Value>(&method::AUTH_TEST, &HeaderMap::new(), &bytes)
                .unwrap_err();
            assert_eq!(error.code(), example["error"].as_str(), "{name}: {example}");
        }
    }

    #[test]
    fn missing_scope_warnings_and_scopes_are_read() {
        let error = decode::<serde_json::Value>(
            &method::USERS_LIST,
            &HeaderMap::new(),
            br#"{"ok":false,"error":"missing_scope","needed":"users:read","provided":"chat:write"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&error, Error::Api { needed: Some(n), provided: Some(p), .. } if n == "users:read" && p == "chat:write"),
            "{error:?}"
        );

        let response = decode::<serde_json::Value>(
            &method::CONVERSATIONS_JOIN,
            &headers(&[("x-oauth-scopes", "chat:write, channels:join"), ("x-accepted-oauth-scopes", "channels:join")]),
            br#"{"ok":true,"warning":"already_in_channel,superfluous_charset","response_metadata":{"warnings":["already_in_channel"]}}"#,
        )
        .unwrap();
        assert_eq!(
            response.warnings,
            ["already_in_channel", "superfluous_charset"],
            "both sources, no duplicates"
        );
        assert_eq!(
            response.scopes.as_deref(),
            Some(&["chat:write".to_owned(), "channels:join".to_owned()][..])
        );
        assert_eq!(
            response.accepted_scopes.as_deref(),
            Some(&["channels:join".to_owned()][..])
        );
    }

    #[test]
    fn an_html_outage_page_is_a_decode_error() {
        let error = decode::<serde_json::Value>(
            &method::AUTH_TEST,
            &HeaderMap::new(),
            b"<html>down</html>",
        )
        .unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    }

    #[test]
    fn bodies_are_encoded_the_way_slack_expects() {
        let token = Token::new("xoxb-1");
        let json = encode(
            &method::CHAT_POST_MESSAGE,
            Credentials::Bearer(&token),
            &serde_json::json!({"channel": "C1", "text": "a&b"}),
        )
        .unwrap();
        assert_eq!(
            json.content_type, "application/json; charset=utf-8",
            "JSON declares its charset"
        );
        let form = encode(
            &method::USERS_LIST,
            Credentials::Bearer(&token),
            &serde_json::json!({"limit": 200, "cursor": "a b"}),
        )
        .unwrap();
        assert_eq!(
            form.content_type, "application/x-www-form-urlencoded",
            "forms carry no charset"
        );
        assert_eq!(
            String::from_utf8(form.bytes).unwrap(),
            "cursor=a+b&limit=200"
        );
        let public = encode(
            &method::OAUTH_V2_ACCESS,
            Credentials::Client {
                id: "1.2",
                secret: None,
            },
            &serde_json::json!({"code": "c"}),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(public.bytes).unwrap(),
            "client_id=1.2&code=c",
            "a public client names itself in the form"
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")])),
            Duration::from_secs(7)
        );
        assert_eq!(retry_after(&HeaderMap::new()), Duration::from_secs(1));
    }
}
