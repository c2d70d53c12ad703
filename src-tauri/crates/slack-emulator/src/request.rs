//! Turns an HTTP request into a Slack method call: arguments from the query string and the
//! body (form, JSON, multipart or text/plain), the token from `Authorization: Bearer` or the
//! `token` argument, HTTP Basic client credentials, and the warnings Slack gives for
//! content types (`missing_charset`, `superfluous_charset`).

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use base64::Engine;
use serde_json::{Map, Value};

/// A parsed method call.
#[derive(Debug, Default)]
pub struct ApiRequest {
    pub args: Map<String, Value>,
    pub token: Option<String>,
    /// `Authorization: Basic` client id and secret (oauth.* methods).
    pub basic: Option<(String, String)>,
    pub warnings: Vec<&'static str>,
}

impl ApiRequest {
    /// An argument as text: strings as they are, numbers and booleans spelled out.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.args.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
        .filter(|s| !s.is_empty())
    }

    /// A boolean argument: `true`/`1` are true (Slack's SDKs send either).
    pub fn flag(&self, name: &str) -> bool {
        match self.args.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            Some(Value::String(s)) => matches!(s.as_str(), "true" | "1"),
            _ => false,
        }
    }

    /// A JSON argument that forms send as a JSON string and JSON bodies inline
    /// (`blocks`, `metadata`, `attachments`). `Err` when the string is not JSON.
    pub fn json(&self, name: &str) -> Result<Option<Value>, ()> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|_| ()),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// An integer argument; `Err` when present but not a number.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ()> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
            _ => Err(()),
        }
    }
}

/// A request Slack refuses before looking at the method (`invalid_json`, …).
#[derive(Debug)]
pub struct Refusal(pub &'static str);

pub fn parse_form_into(raw: &[u8], args: &mut Map<String, Value>) {
    for (key, value) in form_urlencoded::parse(raw) {
        args.insert(key.into_owned(), Value::String(value.into_owned()));
    }
}

fn content_type(headers: &HeaderMap) -> Option<(String, Option<String>)> {
    let raw = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mut parts = raw.split(';');
    let mime = parts.next()?.trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    });
    Some((mime, charset))
}

/// Parses everything but multipart bodies, which the caller reads with axum's extractor and
/// passes in `multipart_fields`.
pub fn parse(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &Bytes,
    multipart_fields: Option<Vec<(String, String)>>,
) -> Result<ApiRequest, Refusal> {
    let mut request = ApiRequest::default();
    if let Some(query) = query {
        parse_form_into(query.as_bytes(), &mut request.args);
    }
    let mut json_body = false;
    if let Some(fields) = multipart_fields {
        for (name, value) in fields {
            request.args.insert(name, Value::String(value));
        }
    } else if !body.is_empty() {
        match content_type(headers) {
            None => return Err(Refusal("missing_post_type")),
            Some((mime, charset)) => {
                if let Some(charset) = &charset
                    && charset != "utf-8"
                    && charset != "iso-8859-1"
                {
                    return Err(Refusal("invalid_charset"));
                }
                match mime.as_str() {
                    "application/x-www-form-urlencoded" | "text/plain" => {
                        if charset.is_some() && mime != "text/plain" {
                            request.warnings.push("superfluous_charset");
                        }
                        parse_form_into(body, &mut request.args);
                    }
                    "application/json" => {
                        if charset.is_none() {
                            request.warnings.push("missing_charset");
                        }
                        let value: Value =
                            serde_json::from_slice(body).map_err(|_| Refusal("invalid_json"))?;
                        let Value::Object(object) = value else {
                            return Err(Refusal("json_not_object"));
                        };
                        json_body = true;
                        for (key, value) in object {
                            // A JSON body cannot carry the token: Slack wants it in the header.
                            if key != "token" {
                                request.args.insert(key, value);
                            }
                        }
                    }
                    _ => return Err(Refusal("invalid_post_type")),
                }
            }
        }
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(auth) = authorization {
        if let Some(bearer) = auth.strip_prefix("Bearer ") {
            request.token = Some(bearer.trim().to_owned());
        } else if let Some(basic) = auth.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                request.basic = Some((id.to_owned(), secret.to_owned()));
            }
        }
    }
    if request.token.is_none() && !json_body {
        request.token = request.str("token");
    }
    request.args.remove("token");
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_query_form_and_bearer() {
        let body = Bytes::from_static(b"channel=C1&text=hi+there&token=xoxb-form");
        let req = parse(
            &headers(&[("content-type", "application/x-www-form-urlencoded")]),
            Some("limit=5"),
            &body,
            None,
        )
        .unwrap();
        assert_eq!(req.str("channel").as_deref(), Some("C1"));
        assert_eq!(req.str("text").as_deref(), Some("hi there"));
        assert_eq!(req.int("limit"), Ok(Some(5)));
        assert_eq!(
            req.token.as_deref(),
            Some("xoxb-form"),
            "token parameter accepted"
        );
        assert!(req.warnings.is_empty());
    }

    #[test]
    fn json_needs_bearer_and_charset() {
        let body = Bytes::from_static(br#"{"channel":"C1","token":"xoxb-ignored","blocks":[]}"#);
        let req = parse(
            &headers(&[("content-type", "application/json")]),
            None,
            &body,
            None,
        )
        .unwrap();
        assert_eq!(req.token, None, "a token in a JSON body is not honoured");
        assert_eq!(req.warnings, ["missing_charset"]);
        assert_eq!(req.json("blocks"), Ok(Some(serde_json::json!([]))));

        let req = parse(
            &headers(&[
                ("content-type", "application/json; charset=utf-8"),
                ("authorization", "Bearer xoxb-1"),
            ]),
            None,
            &body,
            None,
        )
        .unwrap();
        assert_eq!(req.token.as_deref(), Some("xoxb-1"));
        assert!(req.warnings.is_empty());
    }

    #[test]
    fn refuses_what_slack_refuses() {
        let cases: [(&str, &[u8], &str); 4] = [
            (
                "application/json; charset=utf-8",
                b"{not json",
                "invalid_json",
            ),
            (
                "application/json; charset=utf-8",
                b"[1,2]",
                "json_not_object",
            ),
            ("application/xml", b"<a/>", "invalid_post_type"),
            (
                "application/x-www-form-urlencoded; charset=koi8-r",
                b"a=b",
                "invalid_charset",
            ),
        ];
        for (ct, body, code) in cases {
            let error = parse(
                &headers(&[("content-type", ct)]),
                None,
                &Bytes::copy_from_slice(body),
                None,
            )
            .unwrap_err();
            assert_eq!(error.0, code, "{ct}");
        }
        let req = parse(
            &headers(&[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )]),
            None,
            &Bytes::from_static(b"a=b"),
            None,
        )
        .unwrap();
        assert_eq!(req.warnings, ["superfluous_charset"]);
    }

    #[test]
    fn reads_basic_client_credentials() {
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("123.456:s3cret")
        );
        let req = parse(
            &headers(&[("authorization", &value)]),
            Some("code=abc"),
            &Bytes::new(),
            None,
        )
        .unwrap();
        assert_eq!(req.basic, Some(("123.456".into(), "s3cret".into())));
        assert_eq!(req.token, None);
    }
}
