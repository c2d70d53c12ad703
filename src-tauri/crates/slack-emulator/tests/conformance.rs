//! The emulator's answers checked against the response schemas of Slack's OpenAPI spec
//! (`reference/slack-api-specs`), for every method the spec covers: successes against the
//! `200` schema, refusals against the `default` one.
//!
//! The spec dates from 2020. Fields and error codes Slack added since (message `metadata`,
//! token rotation, PKCE) are listed in [`NEWER_THAN_SPEC`] with where they are documented;
//! anything else outside the schema fails the test.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Value, json};
use slack_emulator::{Config, Emulator};

/// Properties Slack returns today that the 2020 spec does not list.
const NEWER_THAN_SPEC: &[(&str, &str)] = &[
    (
        "metadata",
        "message metadata, docs.slack.dev/messaging/message-metadata (2022)",
    ),
    (
        "app_id",
        "messages posted by apps carry app_id (docs.slack.dev reference/objects/message)",
    ),
    (
        "edited",
        "edited messages carry edited{user,ts} (docs.slack.dev reference/objects/message)",
    ),
    (
        "warning",
        "warnings on successful answers, docs.slack.dev/apis/web-api (slack-api.md §3)",
    ),
    ("warnings", "response_metadata.warnings, slack-api.md §3"),
    (
        "expires_in",
        "token rotation, docs.slack.dev/authentication/using-token-rotation",
    ),
    (
        "refresh_token",
        "token rotation, docs.slack.dev/authentication/using-token-rotation",
    ),
    (
        "response_metadata",
        "cursor paging of conversations.history, slack-api.md §2",
    ),
    (
        "no_op",
        "conversations.open on an open DM, docs.slack.dev/reference/methods/conversations.open",
    ),
    (
        "already_open",
        "conversations.open on an open DM, docs.slack.dev/reference/methods/conversations.open",
    ),
];

/// Error codes Slack documents that the spec's (incomplete, 2020) enums lack, with the source.
const CODES_MISSING_FROM_SPEC: &[(&str, &str)] = &[
    ("token_expired", "token rotation; slack-api.md §3"),
    ("invalid_code_verifier", "PKCE (2026); slack-api.md §1.3"),
    (
        "invalid_metadata_format",
        "message metadata; docs.slack.dev/reference/methods/chat.postMessage",
    ),
    (
        "invalid_cursor",
        "conversations.list errors; slack-api.md §2",
    ),
    (
        "invalid_limit",
        "conversations.list errors; slack-api.md §2",
    ),
    (
        "invalid_types",
        "conversations.list errors; slack-api.md §2",
    ),
    ("users_not_found", "users.lookupByEmail; slack-api.md §2"),
    (
        "already_in_channel",
        "conversations.join warning; slack-api.md §2",
    ),
];

/// Places where the spec contradicts itself and Slack; the path is skipped, with the reason.
const SPEC_ERRATA: &[(&str, &str)] = &[(
    "chat.update.message.blocks",
    "typed as an object here, but an array of blocks in chat.postMessage's schema and in Slack's answers",
)];

struct Validator {
    definitions: Value,
    patterns: BTreeMap<String, Regex>,
}

impl Validator {
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/definitions/");
                self.resolve(&self.definitions[name])
            }
            None => schema,
        }
    }

    fn pattern(&mut self, pattern: &str) -> Regex {
        self.patterns
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern).expect("the spec's patterns compile"))
            .clone()
    }

    /// Appends to `errors` every way `value` breaks `schema`.
    fn check(&mut self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
        if SPEC_ERRATA.iter().any(|(p, _)| *p == path) {
            return;
        }
        let schema = self.resolve(schema).clone();
        // A bare `items` list is the spec generator's way of saying "one of these".
        if let (Some(variants), None) = (
            schema.get("items").and_then(Value::as_array),
            schema.get("type"),
        ) {
            let mut best: Option<Vec<String>> = None;
            for variant in variants {
                let mut attempt = Vec::new();
                self.check(variant, value, path, &mut attempt);
                if attempt.is_empty() {
                    return;
                }
                if best.as_ref().is_none_or(|b| attempt.len() < b.len()) {
                    best = Some(attempt);
                }
            }
            errors.extend(best.unwrap_or_default());
            return;
        }
        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let fits = |t: &str| match t {
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                "object" => value.is_object(),
                "array" => value.is_array(),
                "null" => value.is_null(),
                _ => true,
            };
            if !allowed.iter().any(|t| fits(t)) {
                errors.push(format!("{path}: {value} is not {allowed:?}"));
                return;
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            let newer = value
                .as_str()
                .is_some_and(|v| CODES_MISSING_FROM_SPEC.iter().any(|(c, _)| *c == v));
            if !newer {
                errors.push(format!("{path}: {value} is not one of the spec's values"));
            }
        }
        if let (Some(pattern), Some(text)) = (
            schema.get("pattern").and_then(Value::as_str),
            value.as_str(),
        ) && !self.pattern(pattern).is_match(text)
        {
            errors.push(format!("{path}: {text:?} does not match {pattern}"));
        }
        if let Some(object) = value.as_object() {
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    errors.push(format!("{path}: missing required {name}"));
                }
            }
            let properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (name, field) in object {
                match properties.get(name) {
                    Some(field_schema) => {
                        self.check(field_schema, field, &format!("{path}.{name}"), errors)
                    }
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false))
                            if !NEWER_THAN_SPEC.iter().any(|(n, _)| n == name) =>
                        {
                            errors.push(format!("{path}: {name} is not in the spec"));
                        }
                        Some(extra @ Value::Object(_)) => {
                            self.check(extra, field, &format!("{path}.{name}"), errors)
                        }
                        _ => {}
                    },
                }
            }
        }
        if let Some(list) = value.as_array() {
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (list.len() as u64) < min
            {
                errors.push(format!("{path}: fewer than {min} items"));
            }
            if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                for (i, item) in list.iter().enumerate() {
                    if list[..i].contains(item) {
                        errors.push(format!("{path}[{i}]: duplicate item"));
                    }
                }
            }
            if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
                for (i, item) in list.iter().enumerate() {
                    self.check(items, item, &format!("{path}[{i}]"), errors);
                }
            }
        }
    }
}

struct Harness {
    emulator: Emulator,
    http: reqwest::Client,
    spec: Value,
    validator: Validator,
    checked: BTreeMap<String, u32>,
}

impl Harness {
    async fn new() -> Harness {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../reference/slack-api-specs/slack_web_openapi_v2.json"
        );
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let validator = Validator {
            definitions: spec["definitions"].clone(),
            patterns: BTreeMap::new(),
        };
        let emulator = Emulator::start_with(
            "127.0.0.1:0".parse().unwrap(),
            Config {
                rate_limits: false,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Harness {
            emulator,
            http,
            spec,
            validator,
            checked: BTreeMap::new(),
        }
    }

    /// Calls `method` with form `args` as `token` and checks the answer against the spec.
    async fn call(&mut self, method: &str, token: Option<&str>, args: &[(&str, &str)]) -> Value {
        let mut request = self
            .http
            .post(format!("{}/api/{method}", self.emulator.base_url()))
            .form(args);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        let operation = self.spec["paths"][format!("/{method}")]
            .as_object()
            .and_then(|o| o.values().next())
            .cloned()
            .unwrap_or_else(|| panic!("{method} is not in the spec"));
        let status = if body["ok"] == true { "200" } else { "default" };
        let schema = operation["responses"][status]["schema"].clone();
        let mut errors = Vec::new();
        self.validator.check(&schema, &body, method, &mut errors);
        assert!(
            errors.is_empty(),
            "{method} ({status}) breaks the spec:\n{}\n{body:#}",
            errors.join("\n")
        );
        *self.checked.entry(method.to_owned()).or_default() += 1;
        body
    }
}

#[tokio::test]
async fn answers_conform_to_the_slack_openapi_spec() {
    let mut h = Harness::new().await;
    let workspaces: Value = h
        .http
        .get(format!("{}/_emulator/workspaces", h.emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bot = workspaces["workspaces"][0]["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = workspaces["workspaces"][0]["admin_user_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bot = bot.as_str();

    h.call("api.test", None, &[("foo", "bar")]).await;
    h.call("api.test", None, &[("error", "my_error")]).await;
    h.call("auth.test", Some(bot), &[]).await;
    h.call("auth.test", Some("xoxb-nope"), &[]).await;
    h.call("team.info", Some(bot), &[]).await;
    let list = h
        .call(
            "conversations.list",
            Some(bot),
            &[
                ("types", "public_channel,private_channel"),
                ("limit", "1000"),
            ],
        )
        .await;
    h.call("conversations.list", Some(bot), &[("cursor", "bogus")])
        .await;
    h.call("conversations.list", Some(bot), &[("types", "im")])
        .await;
    let channels = list["channels"].as_array().unwrap().clone();
    let id_of = |name: &str| {
        channels.iter().find(|c| c["name"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let general = id_of("general");
    let random = id_of("random");
    h.call(
        "conversations.info",
        Some(bot),
        &[("channel", &general), ("include_num_members", "true")],
    )
    .await;
    h.call("conversations.info", Some(bot), &[("channel", "C404")])
        .await;
    h.call("conversations.join", Some(bot), &[("channel", &random)])
        .await;
    h.call("conversations.join", Some(bot), &[("channel", &random)])
        .await;
    let users = h.call("users.list", Some(bot), &[("limit", "1000")]).await;
    let person = users["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["is_bot"] == false && u["deleted"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.call("users.info", Some(bot), &[("user", &person)]).await;
    h.call("users.info", Some(bot), &[("user", "U404")]).await;
    h.call(
        "users.lookupByEmail",
        Some(bot),
        &[("email", "ada@acme-studio.example")],
    )
    .await;
    h.call(
        "users.lookupByEmail",
        Some(bot),
        &[("email", "nobody@example.com")],
    )
    .await;
    h.call("conversations.open", Some(bot), &[("users", &person)])
        .await;
    h.call(
        "conversations.open",
        Some(bot),
        &[("users", &person), ("return_im", "true")],
    )
    .await;
    let metadata = json!({"event_type": "switchboard_delivery", "event_payload": {"outbox_id": 1}})
        .to_string();
    let blocks =
        json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]).to_string();
    let posted = h
        .call(
            "chat.postMessage",
            Some(bot),
            &[
                ("channel", &general),
                ("text", "hello"),
                ("metadata", &metadata),
                ("blocks", &blocks),
            ],
        )
        .await;
    h.call("chat.postMessage", Some(bot), &[("channel", &general)])
        .await;
    h.call(
        "chat.postMessage",
        Some(bot),
        &[("channel", "C404"), ("text", "x")],
    )
    .await;
    let ts = posted["ts"].as_str().unwrap().to_owned();
    h.call(
        "chat.postMessage",
        Some(bot),
        &[
            ("channel", &general),
            ("text", "in thread"),
            ("thread_ts", &ts),
        ],
    )
    .await;
    h.call(
        "conversations.history",
        Some(bot),
        &[
            ("channel", &general),
            ("include_all_metadata", "true"),
            ("limit", "1"),
        ],
    )
    .await;
    h.call("conversations.history", Some(bot), &[("channel", &general)])
        .await;
    h.call(
        "chat.update",
        Some(bot),
        &[("channel", &general), ("ts", &ts), ("text", "edited")],
    )
    .await;
    h.call(
        "chat.update",
        Some(bot),
        &[("channel", &general), ("ts", "1.000001"), ("text", "x")],
    )
    .await;
    h.call(
        "chat.getPermalink",
        Some(bot),
        &[("channel", &general), ("message_ts", &ts)],
    )
    .await;
    h.call(
        "chat.delete",
        Some(bot),
        &[("channel", &general), ("ts", &ts)],
    )
    .await;
    h.call(
        "chat.delete",
        Some(bot),
        &[("channel", &general), ("ts", &ts)],
    )
    .await;
    h.call("auth.revoke", Some(&admin), &[("test", "1")]).await;
    h.call(
        "oauth.v2.access",
        None,
        &[("client_id", "1000000001.2000000001"), ("code", "nope")],
    )
    .await;
    h.call("auth.revoke", Some(&admin), &[]).await;
    h.call("auth.test", Some(&admin), &[]).await;

    let expected = [
        "api.test",
        "auth.revoke",
        "auth.test",
        "chat.delete",
        "chat.getPermalink",
        "chat.postMessage",
        "chat.update",
        "conversations.history",
        "conversations.info",
        "conversations.join",
        "conversations.list",
        "conversations.open",
        "oauth.v2.access",
        "team.info",
        "users.info",
        "users.list",
        "users.lookupByEmail",
    ];
    assert_eq!(
        h.checked.keys().map(String::as_str).collect::<Vec<_>>(),
        expected,
        "every method the spec covers was checked"
    );
}

#[test]
fn the_validator_catches_what_breaks_a_schema() {
    let definitions = json!({"defs_ts": {"type": "string", "pattern": "^\\d{10}\\.\\d{6}$"}});
    let mut validator = Validator {
        definitions,
        patterns: BTreeMap::new(),
    };
    let schema = json!({
        "type": "object", "additionalProperties": false, "required": ["ok", "ts"],
        "properties": {"ok": {"type": "boolean"}, "ts": {"$ref": "#/definitions/defs_ts"}, "kind": {"enum": ["a"]}},
    });
    let mut errors = Vec::new();
    validator.check(
        &schema,
        &json!({"ok": true, "ts": "1700000000.000100"}),
        "r",
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:?}");
    validator.check(
        &schema,
        &json!({"ok": "yes", "ts": "17.1", "kind": "b", "surprise": 1}),
        "r",
        &mut errors,
    );
    assert_eq!(
        errors.len(),
        4,
        "wrong type, bad pattern, bad enum, unknown property: {errors:?}"
    );
    let mut missing = Vec::new();
    validator.check(&schema, &json!({"metadata": {}}), "r", &mut missing);
    assert_eq!(
        missing.len(),
        2,
        "two required fields missing; metadata is newer than the spec: {missing:?}"
    );
}
