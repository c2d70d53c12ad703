//! The client against the Slack emulator over real HTTP: a typed result for every method,
//! Slack's errors, pagination, 429s waited out, injected faults, OAuth with PKCE and token
//! rotation, Sign in with Slack.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;
use slack_emulator::{Config, Emulator, Seed};
use switchboard_slack::api::chat::{PostMessage, UpdateMessage};
use switchboard_slack::api::conversations::{History, ListConversations};
use switchboard_slack::api::oauth::{ClientCredentials, Grant};
use switchboard_slack::api::users::ListUsers;
use switchboard_slack::types::MessageMetadata;
use switchboard_slack::{ChannelId, ClientConfig, ClientSecret, Error, SlackClient, Token, UserId};

struct World {
    emulator: Emulator,
    control: reqwest::Client,
    client: SlackClient,
    bot: Token,
    admin: Token,
    team_id: String,
}

async fn start(config: Config, client_config: impl FnOnce(&mut ClientConfig)) -> World {
    let emulator = Emulator::start_with("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let mut settings = ClientConfig::with_base_url(&emulator.api_base()).unwrap();
    client_config(&mut settings);
    let client = SlackClient::new(settings).unwrap();
    let control = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let workspaces: Value = emulator.workspaces();
    let first = &workspaces["workspaces"][0];
    World {
        bot: Token::new(first["bot_token"].as_str().unwrap_or_default()),
        admin: Token::new(first["admin_user_token"].as_str().unwrap_or_default()),
        team_id: first["team_id"].as_str().unwrap_or_default().to_owned(),
        client,
        control,
        emulator,
    }
}

async fn demo() -> World {
    start(Config::default(), |_| {}).await
}

impl World {
    async fn control_post(&self, path: &str, body: Value) -> Value {
        let response = self
            .control
            .post(format!("{}{path}", self.emulator.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// Replaces any injected fault with one: `kind` on every call of `method`.
    async fn fault(&self, method: &str, kind: &str, rate: f64) {
        self.control
            .delete(format!("{}/_emulator/faults", self.emulator.base_url()))
            .send()
            .await
            .unwrap();
        let body = self
            .control_post(
                "/_emulator/faults",
                json!({"method": method, "rate": rate, "kind": kind}),
            )
            .await;
        assert_eq!(body["ok"], true, "{body}");
    }

    async fn stats(&self) -> Value {
        self.control
            .get(format!("{}/_emulator/stats", self.emulator.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn channel_named(&self, name: &str) -> ChannelId {
        let mut pages = self.client.conversations_list_pages(
            &self.bot,
            ListConversations {
                types: "public_channel,private_channel".into(),
                ..Default::default()
            },
        );
        while let Some(page) = pages.next_page().await {
            if let Some(c) = page
                .unwrap()
                .data
                .channels
                .into_iter()
                .find(|c| c.name.as_deref() == Some(name))
            {
                return c.id;
            }
        }
        panic!("no channel #{name}");
    }
}

/// A plain text message to `channel`.
fn text(channel: &impl ToString, text: &str) -> PostMessage {
    PostMessage {
        channel: channel.to_string(),
        text: text.to_owned(),
        ..Default::default()
    }
}

fn api_code(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api { code, .. }) => code,
        other => panic!("expected a Slack error, got {other:?}"),
    }
}

#[tokio::test]
async fn identity_team_and_scopes() {
    let w = demo().await;
    let me = w.client.auth_test(&w.bot).await.unwrap();
    assert_eq!(me.team_id.as_str(), w.team_id);
    assert!(me.bot_id.is_some(), "a bot token reports its bot id");
    assert_eq!(me.url, "https://acme-studio.slack.com/");
    let scopes = me.scopes.clone().expect("X-OAuth-Scopes is read");
    assert!(scopes.contains(&"chat:write".to_owned()), "{scopes:?}");

    let team = w.client.team_info(&w.bot, None).await.unwrap();
    assert_eq!(team.team.name, "Acme Studio");
    assert_eq!(team.team.domain.as_deref(), Some("acme-studio"));
    assert!(team.team.icon.image_132.is_some());

    let user = w.client.auth_test(&w.admin).await.unwrap();
    assert!(user.bot_id.is_none(), "a user token is not a bot");
}

#[tokio::test]
async fn conversations_directory_join_open_and_history() {
    let w = demo().await;
    let mut pages = w.client.conversations_list_pages(
        &w.bot,
        ListConversations {
            types: "public_channel,private_channel".into(),
            limit: 7,
            ..Default::default()
        },
    );
    let mut all = Vec::new();
    while let Some(page) = pages.next_page().await {
        all.extend(page.unwrap().data.channels);
    }
    assert_eq!(
        pages.pages_fetched(),
        all.len().div_ceil(7) as u32,
        "pages of 7 until the cursor is empty"
    );
    assert!(
        all.iter()
            .any(|c| c.is_private && c.name.as_deref() == Some("leadership")),
        "private channels the bot is in are listed"
    );
    assert!(
        !all.iter()
            .any(|c| c.name.as_deref() == Some("hr-confidential")),
        "private channels the bot is not in are hidden"
    );
    let ids: std::collections::BTreeSet<_> = all.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), all.len(), "no channel twice across pages");

    let random = w.channel_named("random").await;
    let info = w
        .client
        .conversations_info(&w.bot, &random, true)
        .await
        .unwrap();
    assert!(!info.channel.is_member);
    assert!(info.channel.num_members.unwrap() > 5);

    let joined = w.client.conversations_join(&w.bot, &random).await.unwrap();
    assert!(joined.channel.is_member && joined.warnings.is_empty());
    let again = w.client.conversations_join(&w.bot, &random).await.unwrap();
    assert_eq!(
        again.warnings,
        ["already_in_channel"],
        "the warning is surfaced, not dropped"
    );

    let archived = all.iter().find(|c| c.is_archived).unwrap().id.clone();
    assert_eq!(
        api_code(w.client.conversations_join(&w.bot, &archived).await),
        "is_archived"
    );
    assert_eq!(
        api_code(
            w.client
                .conversations_info(&w.bot, &ChannelId::from("C999"), false)
                .await
        ),
        "channel_not_found"
    );

    let chiara = w
        .client
        .users_lookup_by_email(&w.bot, "chiara@acme-studio.example")
        .await
        .unwrap()
        .data
        .user
        .id;
    let dm = w
        .client
        .conversations_open(&w.bot, std::slice::from_ref(&chiara))
        .await
        .unwrap();
    assert!(dm.channel.id.as_str().starts_with('D'));
    let again = w
        .client
        .conversations_open(&w.bot, &[chiara])
        .await
        .unwrap();
    assert_eq!(
        again.channel.id, dm.channel.id,
        "the same DM is found again"
    );
    assert!(again.already_open);

    // History, newest first, metadata only when asked.
    let general = w.channel_named("general").await;
    for n in 0..3 {
        let metadata = MessageMetadata {
            event_type: "switchboard_delivery".into(),
            event_payload: json!({"outbox_id": n}),
        };
        w.client
            .chat_post_message(
                &w.bot,
                &PostMessage {
                    channel: general.to_string(),
                    text: format!("message {n}"),
                    metadata: Some(metadata),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let plain = w
        .client
        .conversations_history(&w.bot, &History::new(general.clone()))
        .await
        .unwrap();
    assert_eq!(
        plain
            .messages
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>(),
        ["message 2", "message 1", "message 0"]
    );
    assert!(
        plain.messages[0].metadata.is_none(),
        "metadata needs include_all_metadata"
    );
    let mut request = History::new(general);
    request.include_all_metadata = true;
    request.limit = 2;
    let mut pages = w.client.conversations_history_pages(&w.bot, request);
    let mut outbox_ids = Vec::new();
    while let Some(page) = pages.next_page().await {
        outbox_ids.extend(page.unwrap().data.messages.iter().map(|m| {
            m.metadata.as_ref().unwrap().event_payload["outbox_id"]
                .as_i64()
                .unwrap()
        }));
    }
    assert_eq!(outbox_ids, [2, 1, 0], "paged newest first, with metadata");
}

#[tokio::test]
async fn users_are_listed_looked_up_and_missing_ones_reported() {
    let w = demo().await;
    let mut pages = w.client.users_list_pages(
        &w.bot,
        ListUsers {
            limit: 5,
            cursor: None,
        },
    );
    let mut users = Vec::new();
    while let Some(page) = pages.next_page().await {
        users.extend(page.unwrap().data.members);
    }
    assert!(users.len() >= 20);
    assert!(users.iter().any(|u| u.deleted), "deleted users are listed");
    assert!(users.iter().any(|u| u.is_bot), "bots are listed");
    let ada = users.iter().find(|u| u.name == "ada").unwrap();
    assert_eq!(
        ada.profile.email.as_deref(),
        Some("ada@acme-studio.example")
    );
    assert_eq!(ada.tz.as_deref(), Some("Europe/Berlin"));

    let info = w.client.users_info(&w.bot, &ada.id).await.unwrap();
    assert_eq!(info.user.real_name.as_deref(), Some("Ada Okafor"));
    assert_eq!(
        api_code(w.client.users_info(&w.bot, &UserId::from("U404")).await),
        "user_not_found"
    );
    assert_eq!(
        api_code(
            w.client
                .users_lookup_by_email(&w.bot, "nobody@acme-studio.example")
                .await
        ),
        "users_not_found"
    );
}

#[tokio::test]
async fn chat_post_update_permalink_delete_and_refusals() {
    let w = demo().await;
    let sales = w.channel_named("sales").await;
    let posted = w.client.chat_post_message(&w.bot, &PostMessage {
        channel: sales.to_string(),
        text: "Invoice 2026-117 sent to Müller & Söhne".into(),
        blocks: Some(json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*Invoice sent*"}}])),
        unfurl_links: Some(false),
        ..Default::default()
    }).await.unwrap();
    assert_eq!(posted.channel, sales);
    assert_eq!(
        posted.message.text,
        "Invoice 2026-117 sent to Müller & Söhne"
    );
    assert!(posted.message.bot_id.is_some(), "posted as the app");

    let updated = w
        .client
        .chat_update(
            &w.bot,
            &UpdateMessage {
                channel: sales.to_string(),
                ts: posted.ts.to_string(),
                text: Some("Invoice 2026-117 opened".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.text, "Invoice 2026-117 opened");
    let link = w
        .client
        .chat_get_permalink(&w.bot, &sales, &posted.ts)
        .await
        .unwrap();
    assert!(
        link.permalink
            .starts_with(&format!("https://acme-studio.slack.com/archives/{sales}/p")),
        "{}",
        link.permalink
    );
    w.client
        .chat_delete(&w.bot, &sales, &posted.ts)
        .await
        .unwrap();
    assert_eq!(
        api_code(
            w.client
                .chat_get_permalink(&w.bot, &sales, &posted.ts)
                .await
        ),
        "message_not_found"
    );

    // The admin (a user token) is not in #leadership's private sibling #hr-confidential…
    let design = w.channel_named("design").await;
    let as_user = w
        .client
        .chat_post_message(
            &w.admin,
            &PostMessage {
                channel: "C999".into(),
                text: "x".into(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(api_code(as_user), "channel_not_found");
    let no_text = w
        .client
        .chat_post_message(
            &w.bot,
            &PostMessage {
                channel: design.to_string(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(api_code(no_text), "no_text");
    // A bot with chat:write.public may post where it is not a member.
    assert!(
        w.client
            .chat_post_message(&w.bot, &text(&design, "hi"))
            .await
            .is_ok()
    );
    // A direct message by user id.
    let ada = w
        .client
        .users_lookup_by_email(&w.bot, "ada@acme-studio.example")
        .await
        .unwrap()
        .data
        .user
        .id;
    let dm = w
        .client
        .chat_post_message(&w.bot, &text(&ada, "Please approve the timesheet"))
        .await
        .unwrap();
    assert!(
        dm.channel.as_str().starts_with('D'),
        "posting to a user id lands in the DM"
    );
}

#[tokio::test]
async fn missing_scope_names_what_is_needed_and_what_the_token_has() {
    let w = demo().await;
    // An app with only chat:write, installed by PKCE from a desktop redirect.
    let app = w.control_post("/_emulator/apps", json!({"client_id": "9.9", "pkce": true, "redirect_urls": ["http://localhost:8765/callback"], "user_scopes": ["chat:write"]})).await;
    assert_eq!(app["ok"], true, "{app}");
    let (token, _) = pkce_install(&w, "9.9", "chat:write").await;
    let error = w
        .client
        .users_list(&token, &ListUsers::default())
        .await
        .unwrap_err();
    match &error {
        Error::Api {
            code,
            needed,
            provided,
            ..
        } => {
            assert_eq!(code, "missing_scope");
            assert_eq!(needed.as_deref(), Some("users:read"));
            assert_eq!(provided.as_deref(), Some("chat:write"));
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("needs users:read"), "{error}");
}

#[tokio::test]
async fn revoked_expired_and_bogus_tokens() {
    let w = demo().await;
    assert!(
        w.client
            .auth_test(&Token::new("xoxb-not-a-token"))
            .await
            .unwrap_err()
            .needs_reconnect(),
        "invalid_auth"
    );
    assert_eq!(
        api_code(w.client.auth_test(&Token::new("xoxb-not-a-token")).await),
        "invalid_auth"
    );

    w.control_post(
        "/_emulator/tokens/expire",
        json!({"token": w.admin.expose()}),
    )
    .await;
    let expired = w.client.auth_test(&w.admin).await.unwrap_err();
    assert!(expired.token_expired(), "{expired:?}");

    let revoked = w.client.auth_revoke(&w.bot, true).await.unwrap();
    assert!(!revoked.revoked, "test=1 only checks");
    assert!(w.client.auth_revoke(&w.bot, false).await.unwrap().revoked);
    let error = w.client.auth_test(&w.bot).await.unwrap_err();
    assert_eq!(error.code(), Some("token_revoked"));
    assert!(error.needs_reconnect());
}

#[tokio::test]
async fn rate_limits_are_waited_out_and_pacing_avoids_them() {
    // Pacing off: the emulator answers 429 and the client waits Retry-After.
    let w = start(Config::default(), |c| c.pacing = false).await;
    let ops = w.channel_named("ops").await;
    for n in 0..7 {
        w.client
            .chat_post_message(&w.bot, &text(&ops, &format!("burst {n}")))
            .await
            .expect("429s are waited out");
    }
    let stats = w.stats().await;
    assert!(
        stats["total_rate_limited"].as_u64().unwrap() >= 1,
        "the burst met 429s: {stats}"
    );

    // Pacing on: about one per second, no 429.
    let w = demo().await;
    let ops = w.channel_named("ops").await;
    let start = Instant::now();
    for n in 0..4 {
        w.client
            .chat_post_message(&w.bot, &text(&ops, &format!("paced {n}")))
            .await
            .unwrap();
    }
    assert!(
        start.elapsed() >= Duration::from_secs(3),
        "paced to one per second: {:?}",
        start.elapsed()
    );
    assert_eq!(
        w.stats().await["total_rate_limited"],
        0,
        "a paced client meets no 429"
    );
}

#[tokio::test]
async fn injected_faults_retry_reads_and_leave_writes_to_the_caller() {
    let w = start(Config::default(), |c| {
        c.initial_backoff = Duration::from_millis(20);
        c.timeout = Duration::from_millis(800);
    })
    .await;
    let general = w.channel_named("general").await;

    // Reads: a 5xx every time exhausts the retries (1 + 3 calls), then an Http error.
    w.fault("users.list", "5xx", 1.0).await;
    let error = w
        .client
        .users_list(&w.bot, &ListUsers::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(
        w.stats().await["requests"]["users.list"],
        4,
        "one call and three retries"
    );

    // Writes: one 5xx, no retry, and the outcome is unknown.
    w.fault("chat.postMessage", "5xx", 1.0).await;
    let error = w
        .client
        .chat_post_message(&w.bot, &text(&general, "once"))
        .await
        .unwrap_err();
    assert!(error.outcome_unknown());
    assert_eq!(
        w.stats().await["requests"]["chat.postMessage"],
        1,
        "a write is not retried"
    );

    // A timeout after Slack processed the write: the message exists although the call failed.
    w.fault("chat.postMessage", "timeout", 1.0).await;
    let metadata = MessageMetadata {
        event_type: "switchboard_delivery".into(),
        event_payload: json!({"outbox_id": 41}),
    };
    let error = w
        .client
        .chat_post_message(
            &w.bot,
            &PostMessage {
                channel: general.to_string(),
                text: "uncertain".into(),
                metadata: Some(metadata),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport { sent: true, .. }),
        "{error:?}"
    );
    assert!(error.outcome_unknown());
    let mut request = History::new(general.clone());
    request.include_all_metadata = true;
    let history = w
        .client
        .conversations_history(&w.bot, &request)
        .await
        .unwrap();
    assert!(
        history.messages.iter().any(|m| m
            .metadata
            .as_ref()
            .is_some_and(|md| md.event_payload["outbox_id"] == 41)),
        "the check before resending finds it"
    );

    // A reset after processing is an uncertain transport error too.
    w.fault("chat.postMessage", "reset", 1.0).await;
    let error = w
        .client
        .chat_post_message(&w.bot, &text(&general, "reset"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport { sent: true, .. }),
        "{error:?}"
    );

    // 429 faults on reads are waited out.
    w.fault("auth.test", "429", 0.5).await;
    for _ in 0..4 {
        w.client
            .auth_test(&w.bot)
            .await
            .expect("429 faults are waited out");
    }
    let stats = w.stats().await;
    assert!(
        stats["faults_injected"].as_object().unwrap().len() >= 3,
        "{stats}"
    );
}

fn pkce_pair() -> (String, String) {
    let verifier = format!("verifier-{}-{}", fastrand_like(), "x".repeat(40));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn fastrand_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Approves the consent page exactly as a browser would, returning the redirect's query.
async fn consent(w: &World, query: &str, decision: &str) -> String {
    let url = format!("{}/oauth/v2/authorize?{query}", w.emulator.base_url());
    let page = w.control.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Allow") && html.contains("Acme Studio"),
        "a consent page: {html}"
    );
    let response = w
        .control
        .post(&url)
        .form(&[("decision", decision), ("team_id", w.team_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "consent redirects");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://localhost:8765/callback?"),
        "{location}"
    );
    location.split_once('?').unwrap().1.to_owned()
}

fn param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A PKCE install of `client_id` from the desktop redirect: (user token, refresh token).
async fn pkce_install(w: &World, client_id: &str, user_scope: &str) -> (Token, Token) {
    let (verifier, challenge) = pkce_pair();
    let query = format!(
        "client_id={client_id}&user_scope={user_scope}&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback&state=s1&code_challenge={challenge}&code_challenge_method=S256"
    );
    let redirect = consent(w, &query, "allow").await;
    assert_eq!(
        param(&redirect, "state").as_deref(),
        Some("s1"),
        "state comes back"
    );
    let code = param(&redirect, "code").expect("a code");
    let client = ClientCredentials {
        client_id: client_id.into(),
        client_secret: None,
    };
    let access = w
        .client
        .oauth_v2_access(
            &client,
            &Grant::AuthorizationCode {
                code,
                redirect_uri: Some("http://localhost:8765/callback".into()),
                code_verifier: Some(verifier),
            },
        )
        .await
        .unwrap();
    let user = access
        .data
        .authed_user
        .clone()
        .expect("user scopes give a user token");
    (user.access_token.unwrap(), user.refresh_token.unwrap())
}

#[tokio::test]
async fn oauth_with_pkce_gives_rotating_user_tokens_and_refresh_rotates_them() {
    let w = demo().await;
    let (verifier, challenge) = pkce_pair();
    // Bot scopes asked from a desktop redirect are not granted: user scopes only.
    let query = format!(
        "client_id=1000000001.2000000001&scope=chat:write&user_scope=chat:write,users:read&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback&state=abc&code_challenge={challenge}&code_challenge_method=S256"
    );
    let code = param(&consent(&w, &query, "allow").await, "code").unwrap();
    let client = ClientCredentials {
        client_id: "1000000001.2000000001".into(),
        client_secret: None,
    };
    let grant = Grant::AuthorizationCode {
        code: code.clone(),
        redirect_uri: Some("http://localhost:8765/callback".into()),
        code_verifier: Some(verifier.clone()),
    };

    let access = w.client.oauth_v2_access(&client, &grant).await.unwrap();
    assert!(
        access.access_token.is_none(),
        "no bot token for a desktop redirect"
    );
    let user = access.authed_user.clone().unwrap();
    let token = user.access_token.clone().unwrap();
    assert!(
        token.expose().starts_with("xoxe.xoxp-"),
        "a rotating user token"
    );
    assert_eq!(user.expires_in, Some(43_200));
    assert!(
        !format!("{access:?}").contains(token.expose()),
        "Debug never shows the token"
    );
    let me = w.client.auth_test(&token).await.unwrap();
    assert_eq!(
        me.user_id.as_str(),
        "U0000000001",
        "the token acts as the person who approved"
    );

    // The code is single use.
    assert_eq!(
        api_code(w.client.oauth_v2_access(&client, &grant).await),
        "invalid_code"
    );

    // Refresh: new tokens, and the old refresh token stops working.
    let refresh = user.refresh_token.unwrap();
    let refreshed = w
        .client
        .oauth_v2_access(&client, &Grant::RefreshToken(refresh.clone()))
        .await
        .unwrap();
    let new_token = refreshed.access_token.clone().unwrap();
    assert_ne!(new_token, token);
    assert!(refreshed.refresh_token.is_some());
    assert!(w.client.auth_test(&new_token).await.is_ok());
    assert_eq!(
        api_code(
            w.client
                .oauth_v2_access(&client, &Grant::RefreshToken(refresh))
                .await
        ),
        "invalid_refresh_token"
    );

    // Thirty days later the refresh token of a PKCE app has expired.
    let later = refreshed.refresh_token.clone().unwrap();
    w.control_post("/_emulator/clock", json!({"advance_seconds": 31 * 86_400}))
        .await;
    assert!(
        w.client
            .auth_test(&new_token)
            .await
            .unwrap_err()
            .token_expired(),
        "12 h access tokens expired too"
    );
    assert_eq!(
        api_code(
            w.client
                .oauth_v2_access(&client, &Grant::RefreshToken(later))
                .await
        ),
        "invalid_refresh_token"
    );
}

#[tokio::test]
async fn oauth_refusals_follow_slacks_rules() {
    let w = demo().await;
    let base = w.emulator.base_url();
    let (verifier, challenge) = pkce_pair();
    // Denied consent.
    let denied = consent(&w, &format!("client_id=1000000001.2000000001&user_scope=chat:write&state=z&code_challenge={challenge}&code_challenge_method=S256"), "deny").await;
    assert_eq!(param(&denied, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&denied, "state").as_deref(), Some("z"));

    // A redirect that is not registered exactly gets an error page, not a redirect.
    for bad in [
        "http%3A%2F%2F127.0.0.1%3A8765%2Fcallback",
        "http%3A%2F%2Flocalhost%3A8766%2Fcallback",
        "http%3A%2F%2Flocalhost%3A8765%2Fother",
    ] {
        let page = w.control.get(format!("{base}/oauth/v2/authorize?client_id=1000000001.2000000001&user_scope=chat:write&redirect_uri={bad}&code_challenge={challenge}&code_challenge_method=S256")).send().await.unwrap();
        assert_eq!(page.status(), 400, "{bad}");
        assert!(page.text().await.unwrap().contains("bad_redirect_uri"));
    }
    // PKCE is required for the desktop redirect, and only S256.
    let page = w
        .control
        .get(format!(
            "{base}/oauth/v2/authorize?client_id=1000000001.2000000001&user_scope=chat:write"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let page = w.control.get(format!("{base}/oauth/v2/authorize?client_id=1000000001.2000000001&user_scope=chat:write&code_challenge=abc&code_challenge_method=plain")).send().await.unwrap();
    assert_eq!(page.status(), 400);
    // An app without PKCE cannot register an http redirect.
    let refused = w.control_post("/_emulator/apps", json!({"client_id": "5.5", "client_secret": "s", "redirect_urls": ["http://localhost:9000/cb"], "pkce": false})).await;
    assert_eq!(refused["ok"], false, "{refused}");

    // A wrong verifier, and a redirect_uri that differs at exchange time.
    let code = param(&consent(&w, &format!("client_id=1000000001.2000000001&user_scope=chat:write&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback&code_challenge={challenge}&code_challenge_method=S256"), "allow").await, "code").unwrap();
    let client = ClientCredentials {
        client_id: "1000000001.2000000001".into(),
        client_secret: None,
    };
    let wrong_verifier = Grant::AuthorizationCode {
        code: code.clone(),
        redirect_uri: Some("http://localhost:8765/callback".into()),
        code_verifier: Some("not-the-verifier".into()),
    };
    assert_eq!(
        api_code(w.client.oauth_v2_access(&client, &wrong_verifier).await),
        "invalid_code_verifier"
    );
    let wrong_redirect = Grant::AuthorizationCode {
        code: code.clone(),
        redirect_uri: Some("http://localhost:8765/other".into()),
        code_verifier: Some(verifier.clone()),
    };
    assert_eq!(
        api_code(w.client.oauth_v2_access(&client, &wrong_redirect).await),
        "bad_redirect_uri"
    );
    // Codes expire after ten minutes.
    w.control_post("/_emulator/clock", json!({"advance_seconds": 601}))
        .await;
    let late = Grant::AuthorizationCode {
        code,
        redirect_uri: Some("http://localhost:8765/callback".into()),
        code_verifier: Some(verifier),
    };
    assert_eq!(
        api_code(w.client.oauth_v2_access(&client, &late).await),
        "invalid_code"
    );
    assert_eq!(
        api_code(
            w.client
                .oauth_v2_access(
                    &ClientCredentials {
                        client_id: "0.0".into(),
                        client_secret: None
                    },
                    &Grant::RefreshToken(Token::new("xoxe-1-x"))
                )
                .await
        ),
        "invalid_client_id"
    );
}

#[tokio::test]
async fn a_confidential_app_uses_basic_credentials_and_sign_in_with_slack() {
    let w = demo().await;
    let app = w.control_post("/_emulator/apps", json!({
        "client_id": "7.7", "client_secret": "sekrit", "pkce": false, "token_rotation": true,
        "redirect_urls": ["https://switchboard.example/callback"],
        "bot_scopes": ["chat:write", "channels:read"], "user_scopes": ["users:read", "openid", "email", "profile"],
    })).await;
    assert_eq!(app["ok"], true, "{app}");
    // Override the redirect the consent helper expects: read the Location ourselves.
    let url = format!(
        "{}/oauth/v2/authorize?client_id=7.7&scope=chat:write,channels:read&user_scope=users:read&redirect_uri=https%3A%2F%2Fswitchboard.example%2Fcallback&state=q",
        w.emulator.base_url()
    );
    let response = w
        .control
        .post(&url)
        .form(&[("decision", "allow"), ("team_id", w.team_id.as_str())])
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = param(location.split_once('?').unwrap().1, "code").unwrap();
    let grant = Grant::AuthorizationCode {
        code,
        redirect_uri: Some("https://switchboard.example/callback".into()),
        code_verifier: None,
    };

    let without_secret = ClientCredentials {
        client_id: "7.7".into(),
        client_secret: None,
    };
    assert_eq!(
        api_code(w.client.oauth_v2_access(&without_secret, &grant).await),
        "bad_client_secret"
    );
    let wrong = ClientCredentials {
        client_id: "7.7".into(),
        client_secret: Some(ClientSecret::new("nope")),
    };
    assert_eq!(
        api_code(w.client.oauth_v2_access(&wrong, &grant).await),
        "bad_client_secret"
    );
    let client = ClientCredentials {
        client_id: "7.7".into(),
        client_secret: Some(ClientSecret::new("sekrit")),
    };
    let access = w.client.oauth_v2_access(&client, &grant).await.unwrap();
    let bot = access.access_token.clone().unwrap();
    assert!(bot.is_bot(), "an https install grants the bot token");
    assert_eq!(access.token_type.as_deref(), Some("bot"));
    assert!(access.bot_user_id.is_some());
    assert!(
        access.authed_user.as_ref().unwrap().access_token.is_some(),
        "and the user token"
    );
    assert!(w.client.auth_test(&bot).await.unwrap().bot_id.is_some());

    // Sign in with Slack.
    let url = format!(
        "{}/openid/connect/authorize?response_type=code&client_id=7.7&scope=openid%20email%20profile&redirect_uri=https%3A%2F%2Fswitchboard.example%2Fcallback&state=o&nonce=n1",
        w.emulator.base_url()
    );
    let response = w
        .control
        .post(&url)
        .form(&[("decision", "allow"), ("team_id", w.team_id.as_str())])
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = param(location.split_once('?').unwrap().1, "code").unwrap();
    let grant = Grant::AuthorizationCode {
        code,
        redirect_uri: Some("https://switchboard.example/callback".into()),
        code_verifier: None,
    };
    let token = w
        .client
        .openid_connect_token(&client, &grant)
        .await
        .unwrap();
    let id_token = token.id_token.clone().unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["nonce"], "n1");
    assert_eq!(claims["aud"], "7.7");
    let info = w
        .client
        .openid_connect_user_info(&token.access_token)
        .await
        .unwrap();
    assert_eq!(info.email.as_deref(), Some("ada@acme-studio.example"));
    assert_eq!(info.team_id.as_str(), w.team_id);
}

#[tokio::test]
async fn large_workspaces_page_completely() {
    let w = start(
        Config {
            seed: Seed::Large {
                channels: 2_500,
                users: 1_200,
            },
            rate_limits: false,
            ..Config::default()
        },
        |c| c.pacing = false,
    )
    .await;
    let mut pages = w.client.conversations_list_pages(
        &w.bot,
        ListConversations {
            types: "public_channel,private_channel".into(),
            limit: 1000,
            ..Default::default()
        },
    );
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        count += page.unwrap().data.channels.len();
    }
    // 2,500 channels: 125 private (1 in 20), the bot in 63 of them, so 62 are hidden.
    assert_eq!(count, 2_500 - 62, "every channel the bot can see, once");
    assert_eq!(pages.pages_fetched(), 3);
    let mut pages = w.client.users_list_pages(
        &w.bot,
        ListUsers {
            limit: 500,
            cursor: None,
        },
    );
    let mut users = 0;
    while let Some(page) = pages.next_page().await {
        users += page.unwrap().data.members.len();
    }
    assert_eq!(users, 1_200 + 1, "every user and the bot");
}

#[tokio::test]
async fn requests_name_switchboard_and_its_version_and_respect_the_base_url() {
    // A one-shot listener records what the client sends.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0; 4096];
        let n = socket.read(&mut buffer).await.unwrap();
        let body = r#"{"ok":true,"url":"https://x.slack.com/","team":"X","user":"u","team_id":"T1","user_id":"U1"}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(reply.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    });
    // No trailing slash: the client adds it, so the method lands under /api/.
    let client =
        SlackClient::new(ClientConfig::with_base_url(&format!("http://{addr}/api")).unwrap())
            .unwrap();
    client.auth_test(&Token::new("xoxb-test")).await.unwrap();
    let request = server.await.unwrap().to_ascii_lowercase();
    assert!(
        request.starts_with("post /api/auth.test http/1.1"),
        "{request}"
    );
    assert!(
        request.contains(&format!(
            "user-agent: switchboard/{} switchboard-slack",
            env!("CARGO_PKG_VERSION")
        )),
        "{request}"
    );
    assert!(
        request.contains("authorization: bearer xoxb-test"),
        "{request}"
    );
}
