//! Connecting (OAuth with PKCE through the loopback redirect, or a pasted bot token), keeping
//! workspaces healthy (revoked tokens, each token on its own, rotating user and bot tokens,
//! single-flight refresh, expired refresh tokens, missing scopes), disconnecting — all through
//! core's user actions (`oauth::connect`, `workspaces::connect_bot_token`, `health::check`…)
//! against the Slack emulator.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{World, rotating_bot_install};
use serde_json::json;
use slack_emulator::Seed;
use switchboard_core::oauth::{self, Callback, CallbackError};
use switchboard_core::profile::SecretsIn;
use switchboard_core::secrets::{SecretError, SecretKey, SecretKind, SecretStore};
use switchboard_core::slack_app::Feature;
use switchboard_core::workspaces::Status;
use switchboard_core::{Disposition, Error, TokenRole, health, tokens, workspaces};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn oauth_with_pkce_connects_a_user_token_and_keeps_it_out_of_the_database() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    let connected = world
        .connect_with_oauth(&team, "allow", None)
        .await
        .unwrap();
    assert_eq!(connected, team);
    let ws = world.workspace(&team);
    assert!(ws.has_user_token && !ws.has_bot_token);
    assert_eq!(
        (ws.name.as_str(), ws.domain.as_str()),
        ("Acme Studio", "acme-studio")
    );
    assert!(ws.icon_url.is_some());
    assert_eq!(ws.authed_user_id.as_deref(), Some("U0000000001"));
    assert!(ws.user_scopes.contains(&"chat:write".to_owned()));
    assert!(
        ws.user_token_rotates,
        "a localhost redirect of a PKCE app rotates"
    );
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
    assert!(
        !world.holds(&token) && !world.holds(&refresh),
        "no database file holds a token"
    );

    // A second OAuth connection to the same team is a reconnect; a bot token adds to it.
    world
        .connect_with_oauth(&team, "allow", Some(&team))
        .await
        .unwrap();
    let bot = world.bot_token(0);
    let both = world.paste(&bot, None).await.unwrap();
    assert!(both.reconnect && both.warning.is_none());
    let ws = world.workspace(&team);
    assert!(
        ws.has_bot_token && ws.has_user_token,
        "a workspace holds both tokens"
    );
    let (used, role) = tokens::fresh_token(&world.profile, &team).await.unwrap();
    assert_eq!(
        (used.expose(), role),
        (bot.as_str(), TokenRole::Bot),
        "work prefers the bot token"
    );
}

#[tokio::test]
async fn denied_consent_connects_nothing_and_says_so() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    let error = world
        .connect_with_oauth(&team, "deny", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Callback(CallbackError::Denied)),
        "{error:?}"
    );
    assert!(error.to_string().contains("cancelled"));
    assert!(workspaces::list(&world.profile).unwrap().is_empty());
}

#[tokio::test]
async fn reconnecting_checks_the_team_chosen_on_slacks_page_and_changes_nothing_when_it_differs() {
    let world = World::start(Seed::Demo).await;
    let (acme, northwind) = (
        world.first_team(),
        world.seeded()[1]["team_id"].as_str().unwrap().to_owned(),
    );
    world
        .connect_with_oauth(&acme, "allow", None)
        .await
        .unwrap();
    let revokes_before = world.emulator_requests("auth.revoke").await;
    let before = world.workspace(&acme);
    let token_before = world.secret(SecretKind::UserToken, &acme).unwrap();
    // Reconnecting Acme, the person picks Northwind on Slack's page.
    let error = world
        .connect_with_oauth(&northwind, "allow", Some(&acme))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidInput { field: "team", message } if message.contains("Northwind Traders") && message.contains("Acme Studio")),
        "{error:?}"
    );
    assert_eq!(world.workspace(&acme), before, "the workspace is unchanged");
    assert_eq!(
        world.secret(SecretKind::UserToken, &acme).unwrap(),
        token_before
    );
    assert!(
        world.secret(SecretKind::UserToken, &northwind).is_none(),
        "nothing of Northwind is kept"
    );
    assert_eq!(workspaces::list(&world.profile).unwrap().len(), 1);
    assert_eq!(
        world.emulator_requests("auth.revoke").await - revokes_before,
        1,
        "the token Slack issued for the wrong workspace was revoked at once"
    );
}

#[tokio::test]
async fn a_wrong_state_or_path_or_an_idle_connection_never_stops_the_real_callback() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    let settings = switchboard_core::slack_app::settings(&world.profile).unwrap();
    let authorization = oauth::begin(&world.profile.endpoints.oauth_base, &settings, None).unwrap();
    let callback = world.profile.take_reserved_callback().unwrap();
    let port = world.port;
    let url = authorization.url.to_string();
    let browser = tokio::spawn(async move {
        // A browser's speculative pre-connection that never sends a request.
        let idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
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
        let page = common::consent(url, team, "allow").await;
        drop(idle);
        page
    });
    let started = std::time::Instant::now();
    let code = callback
        .wait(
            &authorization,
            Duration::from_secs(30),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the idle connection (dropped after 10 s) did not hold the callback back"
    );
    assert_ne!(code, "stolen");
    assert!(browser.await.unwrap().contains("Connected to Slack"));
    assert!(
        reqwest::get(format!("http://localhost:{port}/callback"))
            .await
            .is_err(),
        "the listener closed after the one valid callback"
    );

    // The code works once; replaying it is refused with a way forward.
    let client = world.profile.slack().unwrap();
    let install = oauth::exchange(client, &settings, authorization, &code)
        .await
        .unwrap();
    assert!(install.token.expose().starts_with("xoxe.xoxp-"));
    let again = oauth::begin(&world.profile.endpoints.oauth_base, &settings, None).unwrap();
    let replay = oauth::exchange(client, &settings, again, &code)
        .await
        .unwrap_err();
    assert!(
        matches!(&replay, Error::InvalidInput { message, .. } if message.contains("already used or has expired")),
        "{replay:?}"
    );
}

#[tokio::test]
async fn the_listener_times_out_can_be_cancelled_reports_a_busy_port_and_binds_port_zero() {
    let world = World::start(Seed::Empty).await;
    let settings = switchboard_core::slack_app::settings(&world.profile).unwrap();
    let authorization = oauth::begin(&world.profile.endpoints.oauth_base, &settings, None).unwrap();
    let callback = world.profile.take_reserved_callback().unwrap();
    let busy = Callback::bind(world.port).await.err().unwrap();
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
    let callback = Callback::bind(world.port).await.unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let cancelled = callback
        .wait(&authorization, Duration::from_secs(60), &cancel)
        .await
        .unwrap_err();
    assert_eq!(cancelled, CallbackError::Cancelled);
    let any = Callback::bind(0).await.unwrap();
    assert_ne!(any.port(), 0, "port 0 takes a free port and reports it");
    assert!(Callback::bind(any.port()).await.is_err(), "and keeps it");
}

#[tokio::test]
async fn a_revoked_token_needs_a_reconnect_and_a_reconnect_restores_it_with_its_mappings() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    world
        .connect_with_oauth(&team, "allow", None)
        .await
        .unwrap();
    world.exec("INSERT INTO notification_channel (team_id, channel_id, label, created_at) VALUES (?1, 'C1', 'ops', 1)", &team);
    let healthy = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(healthy.status, Status::Connected);
    assert!(
        healthy.scope_problems.is_empty(),
        "{:?}",
        healthy.scope_problems
    );

    world
        .control("tokens/revoke", json!({"team_id": team, "kind": "user"}))
        .await;
    let sick = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(sick.status, Status::NeedsReconnect);
    let reason = sick.reason.unwrap();
    assert!(
        reason.contains("token_revoked") && reason.contains("Reconnect"),
        "{reason}"
    );
    assert_eq!(
        world.workspace(&team).reconnect_token.as_deref(),
        Some("user")
    );
    let error = tokens::fresh_token(&world.profile, &team)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NeedsReconnect { team_id, token: TokenRole::User, .. } if *team_id == team),
        "work on it says which workspace and token: {error:?}"
    );
    assert_eq!(
        error.disposition(),
        Disposition::Hold,
        "delivery holds, not retries"
    );
    let changes = world.count("SELECT count(*) FROM audit_log WHERE action = 'workspace.status_changed' AND new_value LIKE ?1", "needs_reconnect%");
    assert_eq!(changes, 1, "the status change is audited");

    world
        .connect_with_oauth(&team, "allow", Some(&team))
        .await
        .unwrap();
    assert_eq!(world.workspace(&team).status, Status::Connected);
    assert_eq!(world.workspace(&team).reconnect_token, None);
    let restored = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(restored.status, Status::Connected, "{:?}", restored.reason);
    assert_eq!(
        world.count(
            "SELECT count(*) FROM notification_channel WHERE team_id = ?1",
            &team
        ),
        1,
        "the reconnect kept the mapping"
    );
}

#[tokio::test]
async fn a_dead_bot_token_does_not_hide_a_working_user_token() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    world
        .connect_with_oauth(&team, "allow", None)
        .await
        .unwrap();
    world.paste(&world.bot_token(0), None).await.unwrap();
    // A team-wide revoke of every bot token of the workspace, which holds tokens.
    let revoked = world
        .control("tokens/revoke", json!({"team_id": team, "kind": "bot"}))
        .await;
    assert!(
        revoked["revoked_tokens"].as_u64().unwrap() >= 1,
        "{revoked}"
    );

    let checked = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(
        checked.status,
        Status::Connected,
        "the user token still works"
    );
    assert!(
        checked
            .bot_token_error
            .as_deref()
            .unwrap()
            .contains("token_revoked")
    );
    assert!(checked.user_token_error.is_none());
    let reason = checked.reason.unwrap();
    assert!(
        reason.contains("keeps working with the user token")
            && reason.contains("instead of the app"),
        "it says exactly what is lost: {reason}"
    );
    let (_, role) = tokens::fresh_token(&world.profile, &team).await.unwrap();
    assert_eq!(role, TokenRole::User, "work goes on with the user token");
    assert_eq!(
        world.workspace(&team).reconnect_token.as_deref(),
        Some("bot")
    );

    // When the user token dies too, nothing works: needs reconnecting.
    world
        .control("tokens/revoke", json!({"team_id": team, "kind": "user"}))
        .await;
    let checked = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(checked.status, Status::NeedsReconnect);

    // Pasting a new bot token brings the workspace back with the bot; the user token is
    // still refused and still said.
    let fresh_bot = world
        .control("apps/install", json!({"team_id": team}))
        .await["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    world.paste(&fresh_bot, None).await.unwrap();
    let ws = world.workspace(&team);
    assert_eq!(ws.status, Status::Connected);
    assert!(ws.bot_token_error.is_none() && ws.user_token_error.is_some());
    assert_eq!(ws.reconnect_token.as_deref(), Some("user"));
}

#[tokio::test]
async fn rotating_user_tokens_are_refreshed_before_expiry_and_on_token_expired() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    world
        .connect_with_oauth(&team, "allow", None)
        .await
        .unwrap();
    let first_token = world.secret(SecretKind::UserToken, &team).unwrap();
    let first_refresh = world.secret(SecretKind::RefreshToken, &team).unwrap();

    // Near expiry (the emulator's clock moves 11h45m on): the check refreshes first.
    world.exec(
        "UPDATE workspace SET token_expires_at = 1 WHERE team_id = ?1",
        &team,
    );
    let checked = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(checked.status, Status::Connected);
    let second_token = world.secret(SecretKind::UserToken, &team).unwrap();
    let second_refresh = world.secret(SecretKind::RefreshToken, &team).unwrap();
    assert_ne!(first_token, second_token);
    assert_ne!(
        first_refresh, second_refresh,
        "the rotated refresh token replaced the old one"
    );
    assert!(
        world.workspace(&team).token_expires_at.unwrap()
            > switchboard_store::now_ms() + 11 * 3600 * 1000
    );
    assert!(
        !world.holds(&second_token) && !world.holds(&second_refresh),
        "still no token in any file"
    );

    // A fresh token is used as it is.
    let (still, _) = tokens::fresh_token(&world.profile, &team).await.unwrap();
    assert_eq!(still.expose(), second_token);

    // Slack says token_expired (clock skew, a sleeping laptop): refresh and retry once.
    world
        .control("tokens/expire", json!({"token": second_token}))
        .await;
    let checked = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(checked.status, Status::Connected);
    assert_ne!(
        world.secret(SecretKind::UserToken, &team).unwrap(),
        second_token
    );
}

#[tokio::test]
async fn ten_concurrent_callers_spend_the_refresh_token_once() {
    let world = Arc::new(World::start(Seed::Demo).await);
    let team = world.first_team();
    world
        .connect_with_oauth(&team, "allow", None)
        .await
        .unwrap();
    world.exec(
        "UPDATE workspace SET token_expires_at = 1 WHERE team_id = ?1",
        &team,
    );
    let before = world.emulator_requests("oauth.v2.access").await;
    let mut callers = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (world, team) = (world.clone(), team.clone());
        callers.spawn(async move {
            if i % 2 == 0 {
                tokens::fresh_token(&world.profile, &team)
                    .await
                    .map(|(t, _)| t.expose().to_owned())
            } else {
                health::check(&world.profile, &team)
                    .await
                    .map(|c| format!("{:?}", c.status))
            }
        });
    }
    while let Some(result) = callers.join_next().await {
        result.unwrap().expect("every caller gets a working token");
    }
    let refreshes = world.emulator_requests("oauth.v2.access").await - before;
    assert_eq!(refreshes, 1, "one refresh for ten callers");
    assert_eq!(
        world.workspace(&team).status,
        Status::Connected,
        "nobody was forced to sign in"
    );
}

#[tokio::test]
async fn a_refresh_token_past_thirty_days_asks_for_a_reconnect() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    world
        .connect_with_oauth(&team, "allow", None)
        .await
        .unwrap();
    world
        .control("clock", json!({"advance_seconds": 31 * 24 * 3600}))
        .await;
    let checked = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(checked.status, Status::NeedsReconnect);
    assert!(checked.reason.unwrap().contains("30 days"));
}

#[tokio::test]
async fn a_pasted_rotating_bot_token_is_renewed_with_its_refresh_token_or_warned_about() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    // An app with token rotation on, installed from its settings page: xoxe.xoxb, 12 hours.
    let (bot, refresh) = rotating_bot_install(&world, &team, "5.5", true).await;
    assert!(
        bot.starts_with("xoxe.xoxb-"),
        "the emulator rotates as Slack does"
    );
    let mut settings = switchboard_core::slack_app::settings(&world.profile).unwrap();
    settings.client_id = "5.5".into();
    switchboard_core::slack_app::save_settings(&world.profile, &settings).unwrap();

    // Without its refresh token: accepted, with a warning that it stops within 12 hours.
    let connected = world.paste(&bot, None).await.unwrap();
    assert!(
        connected.warning.as_deref().unwrap().contains("12 hours"),
        "{:?}",
        connected.warning
    );
    let ws = world.workspace(&team);
    assert!(ws.bot_token_rotates && !ws.bot_token_refreshable);
    // When it expires, nothing can renew it: needs reconnecting, with that reason — never a glitch.
    world.control("tokens/expire", json!({"token": bot})).await;
    let checked = health::check(&world.profile, &team).await.unwrap();
    assert_eq!(checked.status, Status::NeedsReconnect);
    assert!(
        checked.reason.unwrap().contains("token rotation"),
        "the reason names the cause"
    );

    // With its refresh token: renewed at once (the refresh token is proven), then before expiry.
    let connected = world.paste(&bot, Some(&refresh)).await;
    assert!(
        connected.is_err(),
        "an expired token is refused at paste time"
    );
    let (bot, refresh) = rotating_bot_install(&world, &team, "5.6", true).await;
    settings.client_id = "5.6".into();
    switchboard_core::slack_app::save_settings(&world.profile, &settings).unwrap();
    let connected = world.paste(&bot, Some(&refresh)).await.unwrap();
    assert!(connected.warning.is_none());
    let ws = world.workspace(&team);
    assert!(ws.bot_token_rotates && ws.bot_token_refreshable);
    assert_eq!(ws.status, Status::Connected);
    let stored = world.secret(SecretKind::BotToken, &team).unwrap();
    assert_ne!(stored, bot, "renewed at paste time");
    world.exec(
        "UPDATE workspace SET bot_token_expires_at = 1 WHERE team_id = ?1",
        &team,
    );
    let (renewed, role) = tokens::fresh_token(&world.profile, &team).await.unwrap();
    assert_eq!(role, TokenRole::Bot);
    assert_ne!(
        renewed.expose(),
        stored,
        "renewed before use when about to expire"
    );
    assert!(
        !world.holds(renewed.expose()),
        "the renewed token is not in any file"
    );

    // An app without PKCE is a confidential client: renewing takes its client secret, which the
    // owner keeps in the keyring through Settings (never in the database).
    let (bot, refresh) = rotating_bot_install(&world, &team, "5.7", false).await;
    settings.client_id = "5.7".into();
    switchboard_core::slack_app::save_settings(&world.profile, &settings).unwrap();
    let refused = world.paste(&bot, Some(&refresh)).await.unwrap_err();
    assert!(
        matches!(
            refused,
            Error::InvalidInput {
                field: "client_secret",
                ..
            }
        ),
        "{refused:?}"
    );
    let bad = switchboard_core::slack_app::set_client_secret(&world.profile, Some("nope")).await;
    assert!(matches!(
        bad,
        Err(Error::InvalidInput {
            field: "client_secret",
            ..
        })
    ));
    switchboard_core::slack_app::set_client_secret(&world.profile, Some("s3cret0000000000"))
        .await
        .unwrap();
    assert!(switchboard_core::slack_app::has_client_secret(&world.profile).await);
    assert!(
        !world.holds("s3cret0000000000"),
        "the client secret is not in the database"
    );
    let connected = world.paste(&bot, Some(&refresh)).await.unwrap();
    assert!(connected.warning.is_none());
    assert!(world.workspace(&team).bot_token_refreshable);

    // A refresh token with a plain bot token is refused, naming the field.
    let plain = world
        .paste(&world.bot_token(0), Some("xoxe-1-abc"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            plain,
            Error::InvalidInput {
                field: "refresh_token",
                ..
            }
        ),
        "{plain:?}"
    );
}

#[tokio::test]
async fn the_bot_token_rule_of_settings_holds_for_every_front_door() {
    let world = World::start(Seed::Demo).await;
    let mut settings = switchboard_core::slack_app::settings(&world.profile).unwrap();
    settings.bot_token_enabled = false;
    switchboard_core::slack_app::save_settings(&world.profile, &settings).unwrap();
    let refused = world.paste(&world.bot_token(0), None).await.unwrap_err();
    assert!(
        refused.to_string().contains("turned off in Settings"),
        "{refused}"
    );
    assert!(workspaces::list(&world.profile).unwrap().is_empty());
}

#[tokio::test]
async fn missing_scopes_name_the_features_that_will_fail() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    // An app whose owner left im:write and users:read.email out of the manifest.
    world
        .control(
            "apps",
            json!({"client_id": "7.7", "client_secret": "s3cret", "redirect_urls": ["https://example.test/cb"],
                   "bot_scopes": ["chat:write", "chat:write.public", "channels:read", "groups:read", "users:read", "team:read"]}),
        )
        .await;
    let installed = world
        .control("apps/install", json!({"team_id": team, "client_id": "7.7"}))
        .await;
    world
        .paste(installed["bot_token"].as_str().unwrap(), None)
        .await
        .unwrap();
    let checked = health::check(&world.profile, &team).await.unwrap();
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
    let seeded = world.seeded();
    for (i, keep) in [(0, true), (1, false)] {
        let team = seeded[i]["team_id"].as_str().unwrap().to_owned();
        let bot = world.bot_token(i);
        world.paste(&bot, None).await.unwrap();
        world.exec("INSERT INTO notification_channel (team_id, channel_id, created_at) VALUES (?1, 'C1', 1)", &team);
        let done = health::disconnect(&world.profile, &team, keep)
            .await
            .unwrap();
        assert_eq!(done.revoked, ["bot"]);
        assert!(done.revoke_warning.is_none());
        assert!(world.secret(SecretKind::BotToken, &team).is_none());
        assert!(
            world
                .profile
                .slack()
                .unwrap()
                .auth_test(&switchboard_slack::Token::new(bot))
                .await
                .unwrap_err()
                .needs_reconnect(),
            "Slack revoked it"
        );
        let mappings = world.count(
            "SELECT count(*) FROM notification_channel WHERE team_id = ?1",
            &team,
        );
        let row = world
            .profile
            .db()
            .unwrap()
            .read(|c| switchboard_store::workspaces::get(c, &team))
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
    assert_eq!(
        world.count(
            "SELECT count(*) FROM audit_log WHERE action = ?1",
            "workspace.disconnected"
        ),
        2
    );
}

#[tokio::test]
async fn a_pasted_token_is_validated_recorded_and_explained_when_refused() {
    let world = World::start(Seed::Demo).await;
    let team = world.first_team();
    let bot = world.bot_token(0);
    let connected = world.paste(&format!("  {bot}\n"), None).await.unwrap();
    assert!(!connected.reconnect);
    let ws = world.workspace(&team);
    assert_eq!(
        (ws.name.as_str(), ws.domain.as_str()),
        ("Acme Studio", "acme-studio")
    );
    assert!(ws.icon_url.is_some() && ws.bot_scopes.contains(&"chat:write".to_owned()));
    assert_eq!(ws.connected_by.as_deref(), Some("ada"));
    assert!(!world.holds(&bot), "no database file holds the token");
    world.exec("INSERT INTO notification_channel (team_id, channel_id, created_at) VALUES (?1, 'C0000000001', 0)", &team);
    let again = world.paste(&bot, None).await.unwrap();
    assert!(again.reconnect, "a known team id is a reconnect");
    assert_eq!(
        world.count(
            "SELECT count(*) FROM notification_channel WHERE team_id = ?1",
            &team
        ),
        1
    );
    assert_eq!(
        world.workspace(&team).connected_at,
        ws.connected_at,
        "a reconnect keeps when it was first connected"
    );

    let admin = world.seeded()[0]["admin_user_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for (pasted, expect) in [
        (admin.as_str(), "user token"),
        ("hello", "should start with xoxb-"),
        ("", "OAuth & Permissions"),
        ("xoxb-1-2-invalid", "did not accept"),
    ] {
        let error = world.paste(pasted, None).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field: "token", message } if message.contains(expect)),
            "{pasted:?}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_keyring_failure_records_nothing_and_says_what_to_do() {
    struct Locked;
    impl SecretStore for Locked {
        fn put(&self, _: &SecretKey, _: &str) -> Result<(), SecretError> {
            Err(SecretError::Locked("test".into()))
        }
        fn get(
            &self,
            _: &SecretKey,
        ) -> Result<Option<switchboard_core::secrets::Secret>, SecretError> {
            Ok(None)
        }
        fn delete(&self, _: &SecretKey) -> Result<(), SecretError> {
            Ok(())
        }
    }
    let world = World::start_with(Seed::Demo, SecretsIn::Store(Arc::new(Locked))).await;
    let error = world.paste(&world.bot_token(0), None).await.unwrap_err();
    assert_eq!(error.code(), "keyring_locked");
    assert!(error.to_string().contains("unlock it"), "{error}");
    assert!(
        workspaces::list(&world.profile).unwrap().is_empty(),
        "no workspace row without its token"
    );
}

impl World {
    async fn emulator_requests(&self, method: &str) -> u64 {
        let stats: serde_json::Value = self.inspect("stats").await;
        stats["requests"][method].as_u64().unwrap_or(0)
    }
}
