//! Connecting with OAuth + PKCE through the loopback redirect, keeping workspaces healthy
//! (revoked tokens, rotating-token refresh, expired refresh tokens, missing scopes),
//! disconnecting, and syncing the directory — all against the Slack emulator, with a
//! "browser" that fetches the consent page and submits it as a person would.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use slack_emulator::{Config, Emulator, Seed};
use switchboard_core::oauth::{self, Callback, CallbackError};
use switchboard_core::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
use switchboard_core::slack_app::{AppSettings, Feature};
use switchboard_core::{Error, directory, health, workspaces};
use switchboard_slack::{ClientConfig, SlackClient};
use switchboard_store::workspaces::Status;
use switchboard_store::{Store, directory as cache};
use tokio_util::sync::CancellationToken;

const CLIENT_ID: &str = "1000000001.2000000001";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct World {
    emulator: Emulator,
    client: SlackClient,
    settings: AppSettings,
    oauth_base: url::Url,
    store: Mutex<Store>,
    secrets: MemoryStore,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start(seed: Seed) -> World {
        let port = free_port();
        let emulator = Emulator::start_with(
            "127.0.0.1:0".parse().unwrap(),
            Config {
                seed,
                redirect_urls: vec![format!("http://localhost:{port}/callback")],
                rate_limits: false,
            },
        )
        .await
        .unwrap();
        let client =
            SlackClient::new(ClientConfig::with_base_url(&emulator.api_base()).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let settings = AppSettings {
            client_id: CLIENT_ID.into(),
            redirect_port: port,
            ..AppSettings::default()
        };
        let mut store = Store::open(dir.path()).unwrap();
        switchboard_core::slack_app::save(store.conn_mut(), &settings, "test", 0).unwrap();
        World {
            oauth_base: url::Url::parse(&format!("{}/", emulator.base_url())).unwrap(),
            emulator,
            client,
            settings,
            store: Mutex::new(store),
            secrets: MemoryStore::default(),
            _dir: dir,
        }
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}/_emulator/{path}", self.emulator.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn seeded(&self) -> Value {
        self.emulator.workspaces()["workspaces"].clone()
    }

    fn secret(&self, kind: SecretKind, team: &str) -> Option<String> {
        self.secrets
            .get(&SecretKey::workspace(kind, team))
            .unwrap()
            .map(|s| s.expose().to_owned())
    }

    fn workspace(&self, team: &str) -> switchboard_store::workspaces::Workspace {
        switchboard_store::workspaces::get(self.store.lock().unwrap().conn(), team)
            .unwrap()
            .expect("the workspace is recorded")
    }

    /// The whole OAuth flow with a person who picks `team` and clicks `decision`.
    async fn connect_with_oauth(
        &self,
        team: &str,
        decision: &'static str,
    ) -> switchboard_core::Result<String> {
        let authorization = oauth::begin(&self.oauth_base, &self.settings, None)?;
        let callback = Callback::bind(self.settings.redirect_port).await?;
        let browser = tokio::spawn(consent(
            authorization.url.to_string(),
            team.to_owned(),
            decision,
        ));
        let code = callback
            .wait(
                &authorization,
                Duration::from_secs(10),
                &CancellationToken::new(),
            )
            .await;
        let page = browser.await.unwrap();
        let code = match code {
            Ok(code) => {
                assert!(page.contains("Connected to Slack"), "{page}");
                code
            }
            Err(error) => {
                assert!(page.contains("Not connected"), "{page}");
                return Err(error.into());
            }
        };
        let install = oauth::exchange(&self.client, &self.settings, authorization, &code).await?;
        let connected = oauth::record_user_install(
            self.store.lock().unwrap().conn_mut(),
            &self.secrets,
            &install,
            "ada",
            false,
            switchboard_store::now_ms(),
        )?;
        Ok(connected.team_id)
    }
}

/// A browser: loads the consent page, then submits it; follows Slack's redirect to the
/// loopback listener and returns the page it showed.
async fn consent(url: String, team: String, decision: &str) -> String {
    let browser = reqwest::Client::new();
    let page = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Allow"), "the consent page asks: {page}");
    browser
        .post(&url)
        .form(&[("decision", decision), ("team_id", team.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn first_team(world: &World) -> String {
    world.seeded().await[0]["team_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn oauth_with_pkce_connects_a_user_token_and_keeps_it_out_of_the_database() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    let connected = world.connect_with_oauth(&team, "allow").await.unwrap();
    assert_eq!(connected, team);
    let ws = world.workspace(&team);
    assert!(ws.has_user_token && !ws.has_bot_token);
    assert_eq!(ws.name, "Acme Studio");
    assert_eq!(ws.domain, "acme-studio");
    assert!(ws.icon_url.is_some());
    assert_eq!(ws.authed_user_id.as_deref(), Some("U0000000001"));
    assert!(ws.user_scopes.contains(&"chat:write".to_owned()));
    assert!(ws.user_token_rotates, "the seeded PKCE app rotates tokens");
    assert!(
        ws.last_health_check_at.is_some(),
        "connecting validated it just now"
    );
    let now = switchboard_store::now_ms();
    assert!(ws.token_expires_at.unwrap() > now + 11 * 3600 * 1000);
    assert!(ws.refresh_expires_at.unwrap() > now + 29 * 24 * 3600 * 1000);
    let token = world.secret(SecretKind::UserToken, &team).unwrap();
    let refresh = world.secret(SecretKind::RefreshToken, &team).unwrap();
    assert!(token.starts_with("xoxe.xoxp-"), "{}", &token[..8]);
    assert!(refresh.starts_with("xoxe-"));

    // The database file holds neither token.
    let dir = world._dir.path().to_path_buf();
    drop(world.store.lock().unwrap());
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&token) && !text.contains(&refresh));
    }

    // A second OAuth connection to the same team is a reconnect; a bot token adds to it.
    world.connect_with_oauth(&team, "allow").await.unwrap();
    let bot = world.seeded().await[0]["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let install = workspaces::validate_bot_token(&world.client, &bot)
        .await
        .unwrap();
    let both = workspaces::record_bot_install(
        world.store.lock().unwrap().conn_mut(),
        &world.secrets,
        &install,
        "ada",
        false,
        now,
    )
    .unwrap();
    assert!(both.reconnect);
    let ws = world.workspace(&team);
    assert!(
        ws.has_bot_token && ws.has_user_token,
        "a workspace holds both tokens"
    );
    assert_eq!(
        health::preferred_token(&world.secrets, &ws)
            .unwrap()
            .expose(),
        bot,
        "work prefers the bot token"
    );
}

#[tokio::test]
async fn denied_consent_connects_nothing_and_says_so() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    let error = world.connect_with_oauth(&team, "deny").await.unwrap_err();
    assert!(
        matches!(error, Error::Callback(CallbackError::Denied)),
        "{error:?}"
    );
    assert!(error.to_string().contains("cancelled"));
    assert!(
        workspaces::list(world.store.lock().unwrap().conn())
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_wrong_state_or_path_is_refused_and_the_real_callback_still_lands() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    let authorization = oauth::begin(&world.oauth_base, &world.settings, None).unwrap();
    let callback = Callback::bind(world.settings.redirect_port).await.unwrap();
    let port = world.settings.redirect_port;
    let url = authorization.url.to_string();
    let browser = tokio::spawn(async move {
        let http = reqwest::Client::new();
        let forged = http
            .get(format!(
                "http://localhost:{port}/callback?code=stolen&state=forged"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 400);
        assert!(
            forged
                .text()
                .await
                .unwrap()
                .contains("not from Switchboard")
        );
        let elsewhere = http
            .get(format!("http://localhost:{port}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(elsewhere.status(), 404);
        consent(url, team, "allow").await
    });
    let code = callback
        .wait(
            &authorization,
            Duration::from_secs(10),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_ne!(code, "stolen");
    assert!(browser.await.unwrap().contains("Connected to Slack"));

    // The listener closed after the one valid callback.
    assert!(
        reqwest::get(format!("http://localhost:{port}/callback"))
            .await
            .is_err(),
        "nothing listens any more"
    );

    // The code works once; replaying it is refused with a way forward.
    let settings = world.settings.clone();
    let verifier_holder = authorization;
    let install = oauth::exchange(&world.client, &settings, verifier_holder, &code)
        .await
        .unwrap();
    assert!(install.token.expose().starts_with("xoxe.xoxp-"));
    let again = oauth::begin(&world.oauth_base, &settings, None).unwrap();
    let replay = oauth::exchange(&world.client, &settings, again, &code)
        .await
        .unwrap_err();
    assert!(
        matches!(&replay, Error::InvalidInput(m) if m.contains("already used or has expired")),
        "{replay:?}"
    );
}

#[tokio::test]
async fn a_redirect_the_app_did_not_register_is_refused_by_slack() {
    let world = World::start(Seed::Demo).await;
    let mut settings = world.settings.clone();
    settings.redirect_port = free_port();
    let authorization = oauth::begin(&world.oauth_base, &settings, None).unwrap();
    let page = reqwest::get(authorization.url.as_str())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("redirect_uri did not match"), "{page}");
    // Exchanging any code against the wrong redirect is refused too.
    let error = oauth::exchange(&world.client, &settings, authorization, "1.abc")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
}

#[tokio::test]
async fn the_listener_times_out_and_can_be_cancelled_and_reports_a_busy_port() {
    let world = World::start(Seed::Empty).await;
    let authorization = oauth::begin(&world.oauth_base, &world.settings, None).unwrap();
    let callback = Callback::bind(world.settings.redirect_port).await.unwrap();
    let busy = Callback::bind(world.settings.redirect_port)
        .await
        .err()
        .unwrap();
    assert!(matches!(busy, CallbackError::PortInUse { .. }));
    assert!(busy.to_string().contains("choose another port"));
    let timed_out = callback
        .wait(
            &authorization,
            Duration::from_millis(300),
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(timed_out, CallbackError::TimedOut(0));

    let callback = Callback::bind(world.settings.redirect_port).await.unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let cancelled = callback
        .wait(&authorization, Duration::from_secs(60), &cancel)
        .await
        .unwrap_err();
    assert_eq!(cancelled, CallbackError::Cancelled);
}

#[tokio::test]
async fn a_revoked_token_needs_a_reconnect_and_a_reconnect_restores_it_with_its_mappings() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    world.connect_with_oauth(&team, "allow").await.unwrap();
    world
        .store
        .lock()
        .unwrap()
        .conn()
        .execute(
            "INSERT INTO notification_channel (team_id, channel_id, label, created_at) VALUES (?1, 'C1', 'ops', 1)",
            [&team],
        )
        .unwrap();

    let healthy = health::check(
        &world.client,
        &world.secrets,
        &world.store,
        &team,
        "ada",
        10,
    )
    .await
    .unwrap();
    assert_eq!(healthy.status, Status::Connected);
    assert!(
        healthy.scope_problems.is_empty(),
        "{:?}",
        healthy.scope_problems
    );
    assert_eq!(world.workspace(&team).last_health_check_at, Some(10));

    let token = world.secret(SecretKind::UserToken, &team).unwrap();
    world
        .control("tokens/revoke", json!({"token": token}))
        .await;
    let sick = health::check(
        &world.client,
        &world.secrets,
        &world.store,
        &team,
        "ada",
        20,
    )
    .await
    .unwrap();
    assert_eq!(sick.status, Status::NeedsReconnect);
    let reason = sick.reason.unwrap();
    assert!(
        reason.contains("token_revoked") && reason.contains("Reconnect"),
        "{reason}"
    );
    assert_eq!(
        world.workspace(&team).reconnect_token.as_deref(),
        Some("user"),
        "the refused token is recorded, so Reconnect offers signing in again"
    );
    let activity = switchboard_store::audit::recent(world.store.lock().unwrap().conn(), 5).unwrap();
    let change = activity
        .iter()
        .find(|e| e.action == "workspace.status_changed")
        .expect("the status change is audited");
    assert!(
        change
            .new_value
            .as_deref()
            .unwrap()
            .starts_with("needs_reconnect")
    );

    // Reconnecting (OAuth again) restores it, and the mapping is still there.
    world.connect_with_oauth(&team, "allow").await.unwrap();
    assert_eq!(world.workspace(&team).status, Status::Connected);
    assert_eq!(world.workspace(&team).reconnect_token, None);
    let restored = health::check(
        &world.client,
        &world.secrets,
        &world.store,
        &team,
        "ada",
        30,
    )
    .await
    .unwrap();
    assert_eq!(restored.status, Status::Connected, "{:?}", restored.reason);
    let mappings: i64 = world
        .store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT count(*) FROM notification_channel WHERE team_id = ?1",
            [&team],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(mappings, 1, "the reconnect kept the mapping");
}

#[tokio::test]
async fn rotating_tokens_are_refreshed_before_expiry_and_on_token_expired() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    world.connect_with_oauth(&team, "allow").await.unwrap();
    let first_token = world.secret(SecretKind::UserToken, &team).unwrap();
    let first_refresh = world.secret(SecretKind::RefreshToken, &team).unwrap();

    // Near expiry: the check refreshes first, and stores the new refresh token.
    let soon = world.workspace(&team).token_expires_at.unwrap() - 60_000;
    let checked = health::check(
        &world.client,
        &world.secrets,
        &world.store,
        &team,
        "ada",
        soon,
    )
    .await
    .unwrap();
    assert!(checked.refreshed);
    assert_eq!(checked.status, Status::Connected);
    let second_token = world.secret(SecretKind::UserToken, &team).unwrap();
    let second_refresh = world.secret(SecretKind::RefreshToken, &team).unwrap();
    assert_ne!(first_token, second_token);
    assert_ne!(
        first_refresh, second_refresh,
        "the rotated refresh token replaced the old one"
    );
    assert!(world.workspace(&team).token_expires_at.unwrap() > soon + 11 * 3600 * 1000);

    // Work that needs the token (a sync) refreshes it first when it is about to expire.
    let expiry = world.workspace(&team).token_expires_at.unwrap();
    let fresh = health::fresh_token(
        &world.client,
        &world.secrets,
        &world.store,
        &team,
        expiry - 1_000,
    )
    .await
    .unwrap();
    assert_ne!(fresh.expose(), second_token, "refreshed before use");
    let second_token = fresh.expose().to_owned();
    let still = health::fresh_token(&world.client, &world.secrets, &world.store, &team, 0)
        .await
        .unwrap();
    assert_eq!(
        still.expose(),
        second_token,
        "a fresh token is used as it is"
    );

    // Slack says token_expired (clock skew, a sleeping laptop): refresh and retry once.
    world
        .control("tokens/expire", json!({"token": second_token}))
        .await;
    let checked = health::check(&world.client, &world.secrets, &world.store, &team, "ada", 0)
        .await
        .unwrap();
    assert!(checked.refreshed, "token_expired triggered a refresh");
    assert_eq!(checked.status, Status::Connected);
    assert_ne!(
        world.secret(SecretKind::UserToken, &team).unwrap(),
        second_token
    );
}

#[tokio::test]
async fn a_refresh_token_past_thirty_days_asks_for_a_reconnect() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    world.connect_with_oauth(&team, "allow").await.unwrap();
    world
        .control("clock", json!({"advance_seconds": 31 * 24 * 3600}))
        .await;
    let now = world.workspace(&team).token_expires_at.unwrap();
    let checked = health::check(
        &world.client,
        &world.secrets,
        &world.store,
        &team,
        "ada",
        now,
    )
    .await
    .unwrap();
    assert_eq!(checked.status, Status::NeedsReconnect);
    assert!(checked.reason.unwrap().contains("30 days"));
}

#[tokio::test]
async fn missing_scopes_name_the_features_that_will_fail() {
    let world = World::start(Seed::Demo).await;
    let team = first_team(&world).await;
    // An app whose owner left im:write and users:read.email out of the manifest.
    world
        .control(
            "apps",
            json!({"client_id": "7.7", "client_secret": "s3cret", "redirect_urls": ["https://example.test/cb"],
                   "bot_scopes": ["chat:write", "chat:write.public", "channels:read", "groups:read", "users:read", "team:read"]}),
        )
        .await;
    let authorize = format!(
        "{}/oauth/v2/authorize?client_id=7.7&scope=chat:write,chat:write.public,channels:read,groups:read,users:read,team:read&redirect_uri=https://example.test/cb",
        world.emulator.base_url()
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = no_redirects
        .post(&authorize)
        .form(&[("decision", "allow"), ("team_id", team.as_str())])
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let access = world
        .client
        .oauth_v2_access(
            &switchboard_slack::api::oauth::ClientCredentials {
                client_id: "7.7".into(),
                client_secret: Some(switchboard_slack::ClientSecret::new("s3cret")),
            },
            &switchboard_slack::api::oauth::Grant::AuthorizationCode {
                code,
                redirect_uri: Some("https://example.test/cb".into()),
                code_verifier: None,
            },
        )
        .await
        .unwrap()
        .into_inner();
    let bot = access.access_token.unwrap();
    let install = workspaces::validate_bot_token(&world.client, bot.expose())
        .await
        .unwrap();
    workspaces::record_bot_install(
        world.store.lock().unwrap().conn_mut(),
        &world.secrets,
        &install,
        "ada",
        false,
        1,
    )
    .unwrap();
    let checked = health::check(&world.client, &world.secrets, &world.store, &team, "ada", 2)
        .await
        .unwrap();
    let broken: Vec<Feature> = checked.scope_problems.iter().map(|p| p.feature).collect();
    assert_eq!(broken, [Feature::StaffEmailMatch, Feature::DirectMessages]);
    let sentence = switchboard_core::slack_app::describe(&checked.scope_problems[1]);
    assert!(
        sentence.contains("im:write") && sentence.contains("Re-install the app from the manifest"),
        "{sentence}"
    );
}

#[tokio::test]
async fn disconnect_revokes_deletes_the_secrets_and_keeps_or_drops_the_mappings() {
    let world = World::start(Seed::Demo).await;
    let seeded = world.seeded().await;
    for (i, keep) in [(0, true), (1, false)] {
        let team = seeded[i]["team_id"].as_str().unwrap().to_owned();
        let bot = seeded[i]["bot_token"].as_str().unwrap().to_owned();
        let install = workspaces::validate_bot_token(&world.client, &bot)
            .await
            .unwrap();
        workspaces::record_bot_install(
            world.store.lock().unwrap().conn_mut(),
            &world.secrets,
            &install,
            "ada",
            false,
            1,
        )
        .unwrap();
        world.store.lock().unwrap().conn().execute(
            "INSERT INTO notification_channel (team_id, channel_id, created_at) VALUES (?1, 'C1', 1)",
            [&team],
        ).unwrap();
        let done = health::disconnect(
            &world.client,
            &world.secrets,
            &world.store,
            &team,
            keep,
            "ada",
            5,
        )
        .await
        .unwrap();
        assert_eq!(done.revoked, ["bot"]);
        assert!(done.revoke_warning.is_none());
        assert!(world.secret(SecretKind::BotToken, &team).is_none());
        assert!(
            world
                .client
                .auth_test(&switchboard_slack::Token::new(bot))
                .await
                .unwrap_err()
                .needs_reconnect(),
            "Slack revoked it"
        );
        let store = world.store.lock().unwrap();
        let row = switchboard_store::workspaces::get(store.conn(), &team).unwrap();
        let mappings: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM notification_channel WHERE team_id = ?1",
                [&team],
                |r| r.get(0),
            )
            .unwrap();
        if keep {
            let row = row.unwrap();
            assert_eq!(row.status, Status::Disabled);
            assert!(!row.has_bot_token);
            assert_eq!(mappings, 1);
        } else {
            assert!(row.is_none());
            assert_eq!(mappings, 0);
        }
    }
    let actions: Vec<String> =
        switchboard_store::audit::recent(world.store.lock().unwrap().conn(), 2)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
    assert_eq!(
        actions,
        ["workspace.disconnected", "workspace.disconnected"]
    );
}

#[tokio::test]
async fn directory_sync_pages_everything_marks_what_vanished_and_can_be_cancelled() {
    let world = World::start(Seed::Large {
        channels: 2_500,
        users: 1_200,
    })
    .await;
    let seeded = world.seeded().await;
    let team = seeded[0]["team_id"].as_str().unwrap().to_owned();
    let bot = switchboard_slack::Token::new(seeded[0]["bot_token"].as_str().unwrap());
    world.store.lock().unwrap().conn().execute(
        "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at) VALUES (?1, 'Large', 'large', 0, 0)",
        [&team],
    ).unwrap();
    let mut seen = Vec::new();
    let summary = directory::sync(
        &world.client,
        &bot,
        &team,
        &world.store,
        &CancellationToken::new(),
        || 100,
        |p| seen.push(p.clone()),
    )
    .await
    .unwrap()
    .expect("not cancelled");
    let (channels, users) = cache::counts(world.store.lock().unwrap().conn(), &team).unwrap();
    assert_eq!((summary.channels, summary.users), (channels, users));
    assert!(
        channels >= 2_400,
        "public and visible private channels: {channels}"
    );
    assert!(users >= 1_200, "{users}");
    assert!(
        summary.pages >= 5,
        "paged at 1000 a page: {}",
        summary.pages
    );
    assert!(
        seen.windows(2)
            .all(|w| w[0].channels + w[0].users <= w[1].channels + w[1].users),
        "progress only grows"
    );
    assert_eq!(seen.last().unwrap().phase, directory::Phase::Done);
    assert_eq!(world.workspace(&team).directory_synced_at, Some(100));

    // A channel that disappears from Slack is marked vanished by the next complete sync.
    world.store.lock().unwrap().conn().execute(
        "INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at) VALUES (?1, 'CGONE', 'gone', 1)",
        [&team],
    ).unwrap();
    let summary = directory::sync(
        &world.client,
        &bot,
        &team,
        &world.store,
        &CancellationToken::new(),
        || 200,
        |_| {},
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(summary.vanished_channels, 1);
    assert_eq!(
        cache::search_channels(
            world.store.lock().unwrap().conn(),
            &team,
            "gone",
            true,
            0,
            10
        )
        .unwrap()
        .total,
        0
    );

    // Cancelled after the first page: what was written stays, nothing is marked vanished.
    let cancel = CancellationToken::new();
    let outcome = directory::sync(
        &world.client,
        &bot,
        &team,
        &world.store,
        &cancel,
        || 300,
        |p| {
            if p.pages == 1 {
                cancel.cancel();
            }
        },
    )
    .await
    .unwrap();
    assert!(outcome.is_none());
    assert_eq!(
        cache::counts(world.store.lock().unwrap().conn(), &team).unwrap(),
        (channels, users)
    );
    assert_eq!(world.workspace(&team).directory_synced_at, Some(200));
}
