//! The emulator over real HTTP: the binary's contract, the control endpoints, the request
//! conventions real clients use, and Slack's rules of visibility and membership.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use slack_emulator::{Config, Emulator};

struct Env {
    emulator: Emulator,
    http: reqwest::Client,
    bot: String,
    admin: String,
    team_id: String,
}

async fn env() -> Env {
    let emulator = Emulator::start_with(
        "127.0.0.1:0".parse().unwrap(),
        Config {
            rate_limits: false,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let workspaces: Value = http
        .get(format!("{}/_emulator/workspaces", emulator.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &workspaces["workspaces"][0];
    Env {
        bot: first["bot_token"].as_str().unwrap().to_owned(),
        admin: first["admin_user_token"].as_str().unwrap().to_owned(),
        team_id: first["team_id"].as_str().unwrap().to_owned(),
        http,
        emulator,
    }
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    async fn api(&self, method: &str, token: &str, args: &[(&str, &str)]) -> Value {
        self.http
            .post(self.url(&format!("/api/{method}")))
            .bearer_auth(token)
            .form(args)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn control(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn channel(&self, name: &str) -> String {
        let list = self
            .api(
                "conversations.list",
                &self.admin,
                &[
                    ("types", "public_channel,private_channel"),
                    ("limit", "1000"),
                ],
            )
            .await;
        let channels = list["channels"].as_array().unwrap();
        channels
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("#{name} in {list}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[test]
fn the_binary_prints_its_address_first_and_serves_the_requested_seed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slack-emulator"))
        .args([
            "--seed",
            "large",
            "--channels",
            "300",
            "--users",
            "40",
            "--redirect-uri",
            "http://localhost:9999/callback",
            "--no-rate-limits",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let workspaces: Value = runtime.block_on(async {
        reqwest::get(format!("{base}/_emulator/workspaces"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let _ = child.kill();
    let _ = child.wait();
    let list = workspaces["workspaces"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "Large Co");
    assert!(list[0]["bot_token"].as_str().unwrap().starts_with("xoxb-"));
    assert!(
        list[0]["admin_user_token"]
            .as_str()
            .unwrap()
            .starts_with("xoxp-")
    );
}

#[tokio::test]
async fn unknown_methods_and_api_test_answer_like_slack() {
    let e = env().await;
    let response = e
        .http
        .get(e.url("/api/api.test?foo=bar"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"ok": true, "args": {"foo": "bar"}})
    );
    let body: Value = e
        .http
        .get(e.url("/api/chat.fly"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "unknown_method");
    let body: Value = e
        .http
        .get(e.url("/api/api.test?error=my_error"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (body["ok"].clone(), body["error"].clone()),
        (json!(false), json!("my_error"))
    );
}

#[tokio::test]
async fn every_way_real_clients_send_a_call_is_accepted() {
    let e = env().await;
    // GET with the token as a query parameter (old SDKs, curl).
    let body: Value = e
        .http
        .get(e.url(&format!("/api/auth.test?token={}", e.bot)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true, "{body}");
    // POST form with the token in the body (Node SDK style).
    let body: Value = e
        .http
        .post(e.url("/api/auth.test"))
        .form(&[("token", e.bot.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
    // Multipart (file-upload style clients).
    let form = reqwest::multipart::Form::new()
        .text("token", e.bot.clone())
        .text("email", "ada@acme-studio.example");
    let body: Value = e
        .http
        .post(e.url("/api/users.lookupByEmail"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["user"]["name"], "ada", "{body}");
    // JSON needs the Bearer header; a token field in JSON is ignored, as by Slack.
    let body: Value = e
        .http
        .post(e.url("/api/auth.test"))
        .header("content-type", "application/json; charset=utf-8")
        .body(json!({"token": e.bot}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "not_authed");
    // Charset warnings.
    let body: Value = e
        .http
        .post(e.url("/api/auth.test"))
        .bearer_auth(&e.bot)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["warning"], "missing_charset");
    assert_eq!(
        body["response_metadata"]["warnings"],
        json!(["missing_charset"])
    );
    let body: Value = e
        .http
        .post(e.url("/api/auth.test"))
        .bearer_auth(&e.bot)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body("a=b")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["warning"], "superfluous_charset");
}

#[tokio::test]
async fn visibility_membership_and_authorship_follow_slack() {
    let e = env().await;
    let hr = {
        // The admin is in #hr-confidential; the bot is not.
        e.channel("hr-confidential").await
    };
    let info = e
        .api("conversations.info", &e.bot, &[("channel", &hr)])
        .await;
    assert_eq!(
        info["error"], "channel_not_found",
        "a private channel the bot is not in does not exist for it"
    );
    let history = e
        .api(
            "conversations.history",
            &e.bot,
            &[("channel", &e.channel("random").await)],
        )
        .await;
    assert_eq!(
        history["error"], "not_in_channel",
        "a bot reads only channels it is in"
    );
    let archived = e.channel("old-website-2023").await;
    let post = e
        .api(
            "chat.postMessage",
            &e.bot,
            &[("channel", &archived), ("text", "x")],
        )
        .await;
    assert_eq!(post["error"], "is_archived");

    // A user token cannot post where the person is not a member (the admin is not in #social).
    let social = e.channel("social").await;
    let info = e
        .api("conversations.info", &e.admin, &[("channel", &social)])
        .await;
    assert_eq!(
        info["channel"]["is_member"], false,
        "the seed leaves the admin out of #social"
    );
    let post = e
        .api(
            "chat.postMessage",
            &e.admin,
            &[("channel", &social), ("text", "x")],
        )
        .await;
    assert_eq!(post["error"], "not_in_channel");
    // Only the author edits or deletes.
    let general = e.channel("general").await;
    let posted = e
        .api(
            "chat.postMessage",
            &e.admin,
            &[("channel", &general), ("text", "mine")],
        )
        .await;
    let ts = posted["ts"].as_str().unwrap();
    let edit = e
        .api(
            "chat.update",
            &e.bot,
            &[("channel", &general), ("ts", ts), ("text", "theirs")],
        )
        .await;
    assert_eq!(edit["error"], "cant_update_message");
    let delete = e
        .api("chat.delete", &e.bot, &[("channel", &general), ("ts", ts)])
        .await;
    assert_eq!(delete["error"], "cant_delete_message");

    // ts are unique and increasing within a channel, even within one second.
    let mut last = String::new();
    for n in 0..5 {
        let posted = e
            .api(
                "chat.postMessage",
                &e.bot,
                &[("channel", &general), ("text", &format!("n{n}"))],
            )
            .await;
        let ts = posted["ts"].as_str().unwrap().to_owned();
        assert!(ts > last, "{ts} after {last}");
        last = ts;
    }
    // A deleted person cannot be messaged.
    let users = e.api("users.list", &e.bot, &[("limit", "1000")]).await;
    let gone = users["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["deleted"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        e.api("conversations.open", &e.bot, &[("users", &gone)])
            .await["error"],
        "user_disabled"
    );
    // Email addresses need users:read.email; blocks and metadata are validated.
    let bad_metadata = e
        .api(
            "chat.postMessage",
            &e.bot,
            &[
                ("channel", &general),
                ("text", "x"),
                ("metadata", "{\"event_type\":\"\"}"),
            ],
        )
        .await;
    assert_eq!(bad_metadata["error"], "invalid_metadata_format");
    let bad_blocks = e
        .api(
            "chat.postMessage",
            &e.bot,
            &[
                ("channel", &general),
                ("text", "x"),
                ("blocks", "[{\"text\":\"no type\"}]"),
            ],
        )
        .await;
    assert_eq!(bad_blocks["error"], "invalid_blocks");
    assert!(
        bad_blocks["response_metadata"]["messages"][0]
            .as_str()
            .unwrap()
            .starts_with("[ERROR]")
    );
    let long = "x".repeat(40_001);
    let truncated = e
        .api(
            "chat.postMessage",
            &e.bot,
            &[("channel", &general), ("text", &long)],
        )
        .await;
    assert_eq!(truncated["warning"], "message_truncated");
    assert_eq!(truncated["message"]["text"].as_str().unwrap().len(), 40_000);
}

#[tokio::test]
async fn control_endpoints_revoke_uninstall_record_and_reset() {
    let e = env().await;
    let general = e.channel("general").await;
    let metadata = json!({"event_type": "switchboard_delivery", "event_payload": {"outbox_id": 9}})
        .to_string();
    e.api(
        "chat.postMessage",
        &e.bot,
        &[
            ("channel", &general),
            ("text", "hello"),
            ("metadata", &metadata),
        ],
    )
    .await;
    let messages: Value = e
        .http
        .get(e.url(&format!("/_emulator/messages?channel={general}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = &messages["messages"][0];
    assert_eq!(
        (message["text"].clone(), message["token"].clone()),
        (json!("hello"), json!(e.bot))
    );
    assert_eq!(message["metadata"]["event_payload"]["outbox_id"], 9);
    let elsewhere: Value = e
        .http
        .get(e.url("/_emulator/messages?channel=C404"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        elsewhere["messages"],
        json!([]),
        "the channel filter applies"
    );

    let (status, _) = e
        .control("/_emulator/tokens/revoke", json!({"token": e.admin}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        e.api("auth.test", &e.admin, &[]).await["error"],
        "token_revoked"
    );
    let (status, body) = e
        .control("/_emulator/tokens/revoke", json!({"token": "xoxb-unknown"}))
        .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("token_not_found"))
    );
    // Every user token of a workspace at once, for tests that cannot see the tokens; the
    // bot token stays.
    let (status, body) = e
        .control(
            "/_emulator/tokens/revoke",
            json!({"team_id": e.team_id, "kind": "user"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["revoked_tokens"], 0,
        "the one user token was already revoked"
    );
    assert_eq!(e.api("auth.test", &e.bot, &[]).await["ok"], true);
    let (status, _) = e
        .control(
            "/_emulator/tokens/revoke",
            json!({"team_id": e.team_id, "kind": "robot"}),
        )
        .await;
    assert_eq!(status, 400);

    let (_, body) = e
        .control("/_emulator/apps/uninstall", json!({"team_id": e.team_id}))
        .await;
    assert!(body["revoked_tokens"].as_u64().unwrap() >= 1);
    assert_eq!(
        e.api("auth.test", &e.bot, &[]).await["error"],
        "token_revoked",
        "uninstalling revokes the bot token"
    );

    let (status, _) = e
        .control(
            "/_emulator/faults",
            json!({"method": "*", "rate": 2.0, "kind": "5xx"}),
        )
        .await;
    assert_eq!(status, 400, "a rate above 1 is refused");

    let stats: Value = e
        .http
        .get(e.url("/_emulator/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        stats["requests"]["auth.test"].as_u64().unwrap() >= 2,
        "{stats}"
    );

    e.control("/_emulator/reset", json!({})).await;
    assert_eq!(
        e.api("auth.test", &e.bot, &[]).await["ok"],
        true,
        "reset restores the seeded tokens"
    );
    let messages: Value = e
        .http
        .get(e.url("/_emulator/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        messages["messages"],
        json!([]),
        "and forgets posted messages"
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_can_be_switched_off() {
    let e = env().await;
    e.control("/_emulator/rate-limits", json!({"enabled": true}))
        .await;
    let general = e.channel("general").await;
    let mut limited = None;
    for n in 0..10 {
        let response = e
            .http
            .post(e.url("/api/chat.postMessage"))
            .bearer_auth(&e.bot)
            .form(&[("channel", general.as_str()), ("text", &format!("{n}"))])
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            limited = Some((
                response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
                response.json::<Value>().await.unwrap(),
            ));
            break;
        }
    }
    let (retry_after, body) = limited.expect("a burst to one channel is limited");
    assert!(retry_after.parse::<u64>().unwrap() >= 1);
    assert_eq!(body, json!({"ok": false, "error": "ratelimited"}));

    e.control("/_emulator/rate-limits", json!({"enabled": false}))
        .await;
    for n in 0..20 {
        let body = e
            .api(
                "chat.postMessage",
                &e.bot,
                &[("channel", &general), ("text", &format!("free {n}"))],
            )
            .await;
        assert_eq!(body["ok"], true, "no limits when switched off");
    }
}

#[tokio::test]
async fn emails_need_users_read_email_and_rotating_apps_install_rotating_bot_tokens() {
    let e = env().await;
    // The seeded app has users:read.email: users.list carries addresses, lookupByEmail works.
    let listed = e.api("users.list", &e.bot, &[("limit", "50")]).await;
    let with_email = listed["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["profile"]["email"].is_string())
        .count();
    assert!(with_email > 0, "addresses are shown with the scope");
    let email = listed["members"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|u| u["profile"]["email"].as_str())
        .unwrap()
        .to_owned();
    let found = e
        .api("users.lookupByEmail", &e.bot, &[("email", &email)])
        .await;
    assert_eq!(found["ok"], true, "{found}");

    // An app installed without it: no addresses, and lookupByEmail names the missing scope.
    let (status, _) = e
        .control(
            "/_emulator/apps",
            json!({"client_id": "8.8", "client_secret": "s", "redirect_urls": ["https://x.test/cb"],
                   "bot_scopes": ["users:read", "chat:write"]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, installed) = e
        .control(
            "/_emulator/apps/install",
            json!({"team_id": e.team_id, "client_id": "8.8"}),
        )
        .await;
    let narrow = installed["bot_token"].as_str().unwrap().to_owned();
    assert!(
        narrow.starts_with("xoxb-"),
        "no rotation, no expiry: {narrow}"
    );
    assert!(installed["refresh_token"].is_null());
    let listed = e.api("users.list", &narrow, &[("limit", "50")]).await;
    assert!(
        listed["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["profile"]["email"].is_null()),
        "no addresses without users:read.email"
    );
    let refused = e
        .api("users.lookupByEmail", &narrow, &[("email", &email)])
        .await;
    assert_eq!(refused["error"], "missing_scope");
    assert_eq!(refused["needed"], "users:read.email");

    // An app with token rotation on installs a 12-hour bot token with its refresh token, as
    // Slack does; the refresh token renews it once.
    e.control(
        "/_emulator/apps",
        json!({"client_id": "9.9", "client_secret": "s", "redirect_urls": ["https://x.test/cb"],
               "token_rotation": true, "bot_scopes": ["chat:write"]}),
    )
    .await;
    let (_, rotating) = e
        .control(
            "/_emulator/apps/install",
            json!({"team_id": e.team_id, "client_id": "9.9"}),
        )
        .await;
    assert!(
        rotating["bot_token"]
            .as_str()
            .unwrap()
            .starts_with("xoxe.xoxb-1-")
    );
    assert_eq!(rotating["expires_in"], 43_200);
    let refresh = rotating["refresh_token"].as_str().unwrap();
    let renew = |secret: &'static str| {
        e.http
            .post(e.url("/api/oauth.v2.access"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", "9.9"),
                ("client_secret", secret),
            ])
            .send()
    };
    let renewed: Value = renew("s").await.unwrap().json().await.unwrap();
    assert_eq!(renewed["ok"], true, "{renewed}");
    assert!(
        renewed["access_token"]
            .as_str()
            .unwrap()
            .starts_with("xoxe.xoxb-")
    );
    let again: Value = renew("s").await.unwrap().json().await.unwrap();
    assert_eq!(
        again["error"], "invalid_refresh_token",
        "a refresh token works once"
    );
}
