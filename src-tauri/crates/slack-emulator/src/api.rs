//! The `/api/<method>` routes and Slack's response conventions.

use std::collections::BTreeMap;

use axum::{
    Router,
    extract::{Path, RawQuery},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};
use serde_json::{Value, json};

pub(crate) fn router() -> Router {
    Router::new().route("/api/{method}", any(dispatch))
}

/// Slack answers every method call with JSON in UTF-8 and HTTP 200, errors included.
fn slack_json(body: Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn parse_form(raw: &str) -> BTreeMap<String, String> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn dispatch(Path(method): Path<String>, RawQuery(query): RawQuery, body: String) -> Response {
    let mut args = parse_form(query.as_deref().unwrap_or(""));
    args.extend(parse_form(&body));
    match method.as_str() {
        // https://docs.slack.dev/reference/methods/api.test
        "api.test" => {
            let echoed: serde_json::Map<String, Value> = args
                .iter()
                .filter(|(key, _)| key.as_str() != "token")
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            match args.get("error") {
                Some(error) => slack_json(json!({"ok": false, "error": error, "args": echoed})),
                None if echoed.is_empty() => slack_json(json!({"ok": true})),
                None => slack_json(json!({"ok": true, "args": echoed})),
            }
        }
        _ => slack_json(json!({"ok": false, "error": "unknown_method", "req_method": method})),
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_form_encoding() {
        assert_eq!(percent_decode("a+b%20c%26"), "a b c&");
        assert_eq!(percent_decode("100%"), "100%", "a stray percent is kept");
        assert_eq!(percent_decode("%zz"), "%zz", "bad hex is kept");
    }
}
