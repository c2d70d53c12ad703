//! Socket Mode over the emulator: the app-level token is checked before it is kept; the
//! supervisor's connection says hello and acknowledges every envelope well inside Slack's 3
//! seconds; a dropped socket, a `disconnect` warning (the next connection opened before the old
//! one closes) and a redelivered envelope lose and repeat nothing; a revoked token stops with a
//! sentence saying what to do; `/switchboard` lists, subscribes and unsubscribes, for owners and
//! admins only, with every change in the audit log.

mod common;

use std::time::Duration;

use common::World;
use serde_json::{Value, json};
use slack_emulator::Seed;
use switchboard_core::channels::{self, AddChannel};
use switchboard_core::profile::SecretsIn;
use switchboard_core::socket_mode::SocketState;
use switchboard_core::supervisor::Supervisor;
use switchboard_core::{EventKind, activity, directory, linking, slack_app, staff_import};

async fn world() -> (World, String) {
    let world = World::start_tuned(
        Seed::Large {
            channels: 6,
            users: 4,
        },
        SecretsIn::Memory,
        |config| config.slack_pacing = false,
    )
    .await;
    let team = world.first_team();
    world.paste(&world.bot_token(0), None).await.unwrap();
    (world, team)
}

fn app_token(world: &World) -> String {
    world.seeded()[0]["app_token"].as_str().unwrap().to_owned()
}

async fn add_user(world: &World, team: &str, name: &str, email: &str) -> String {
    let answer = world
        .control(
            "users",
            json!({"team_id": team, "name": name, "real_name": name, "email": email}),
        )
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    answer["user_id"].as_str().unwrap().to_owned()
}

/// Waits (at most 20 s) until `check` holds.
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn connected(world: &World) {
    until("Socket Mode connected", async || {
        world.profile.socket_status().state == SocketState::Connected
    })
    .await;
}

async fn socket_stats(world: &World) -> Value {
    world.inspect("stats").await["socket"].clone()
}

fn inbound_count(world: &World, sql_where: &str) -> i64 {
    world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            c.query_row(
                &format!("SELECT count(*) FROM inbound WHERE {sql_where}"),
                [],
                |r| r.get(0),
            )
            .map_err(switchboard_store::Error::from)
        })
        .unwrap()
}

async fn dm(world: &World, team: &str, user: &str, text: &str, duplicate: bool) -> String {
    let answer = world
        .control(
            "socket/dm",
            json!({"team_id": team, "user_id": user, "text": text, "duplicate": duplicate}),
        )
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    answer["event_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_app_token_is_checked_before_it_is_kept() {
    let (world, _team) = world().await;
    let refused = |result: switchboard_core::Result<()>| match result {
        Err(switchboard_core::Error::InvalidInput { field, message }) => {
            assert_eq!(field, "app_token");
            message
        }
        other => panic!("expected a refusal, got {other:?}"),
    };
    let bot = refused(slack_app::set_app_token(&world.profile, Some(&world.bot_token(0))).await);
    assert!(bot.contains("xapp-"), "{bot}");
    let typo = refused(slack_app::set_app_token(&world.profile, Some("xapp-1-nope")).await);
    assert!(typo.contains("App-Level Tokens"), "{typo}");
    let unknown = format!("xapp-1-A0000000000-1234567890123-{}", "ab".repeat(32));
    let unknown = refused(slack_app::set_app_token(&world.profile, Some(&unknown)).await);
    assert!(
        unknown.contains("does not know") && unknown.contains("Nothing was saved"),
        "{unknown}"
    );
    assert!(!slack_app::has_app_token(&world.profile).await);

    slack_app::set_app_token(&world.profile, Some(&app_token(&world)))
        .await
        .unwrap();
    assert!(slack_app::has_app_token(&world.profile).await);
    let entries = activity::recent_in(&world.profile, 50).unwrap();
    assert!(
        entries.iter().any(|e| e.subject == "Slack app-level token"),
        "the change is audited"
    );
    // Nothing of the token reaches the database.
    assert!(!world.holds(&app_token(&world)));
}

#[tokio::test]
async fn every_envelope_is_acknowledged_in_time_and_handled_once_across_drops_and_warnings() {
    let (world, team) = world().await;
    let ann = add_user(&world, &team, "ann", "ann@example.com").await;
    slack_app::set_app_token(&world.profile, Some(&app_token(&world)))
        .await
        .unwrap();
    let supervisor = Supervisor::start(world.profile.clone());
    connected(&world).await;
    assert!(
        world.profile.socket_status().app_id.is_some(),
        "hello names the app"
    );

    let mut sent = Vec::new();
    for i in 0..20 {
        sent.push(dm(&world, &team, &ann, &format!("before {i}"), i % 5 == 0).await);
    }
    // A socket that drops without a word: Switchboard reconnects by itself.
    let dropped = world.control("socket/drop", json!({"how": "close"})).await;
    assert_eq!(dropped["ok"], true, "{dropped}");
    for i in 0..20 {
        sent.push(dm(&world, &team, &ann, &format!("after the drop {i}"), false).await);
    }
    connected(&world).await;
    // Slack's refresh: a `disconnect` warning, then the socket closes a second later. The next
    // one is opened before that.
    // Watched from before the warning until after the old socket closed: Switchboard stays
    // reachable throughout (the next socket is opened before the warned one goes).
    let watcher = {
        let profile = world.profile.clone();
        tokio::spawn(async move {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..400 {
                seen.insert(format!("{:?}", profile.socket_status().state));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            seen
        })
    };
    let opened_before = socket_stats(&world).await["opened"].as_u64().unwrap();
    let warned = world
        .control(
            "socket/drop",
            json!({"how": "warning", "reason": "refresh_requested", "after_ms": 1000}),
        )
        .await;
    assert_eq!(warned["warned"], 1, "{warned}");
    for i in 0..20 {
        sent.push(
            dm(
                &world,
                &team,
                &ann,
                &format!("during the refresh {i}"),
                i % 4 == 0,
            )
            .await,
        );
    }
    let seen = watcher.await.unwrap();
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["Connected".to_owned()],
        "never unreachable during the refresh"
    );
    assert_eq!(
        socket_stats(&world).await["opened"].as_u64().unwrap(),
        opened_before + 1,
        "one new socket for the refresh, no retries"
    );
    until("every DM handled", async || {
        inbound_count(&world, "handled_at IS NOT NULL") == sent.len() as i64
    })
    .await;
    until("the emulator has nothing waiting", async || {
        socket_stats(&world).await["waiting"] == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stats = socket_stats(&world).await;
    assert_eq!(stats["lost"], 0, "{stats}");
    assert_eq!(stats["unknown_acks"], 0, "{stats}");
    assert!(stats["opened"].as_u64().unwrap() >= 3, "{stats}");
    // Slack's deadline is 3 s; the ack comes right after the envelope is stored.
    let max_ack = stats["ack_ms"]["max"].as_f64().unwrap();
    assert!(max_ack < 3000.0, "{stats}");
    // Exactly once: one row per event, every one handled, none twice.
    assert_eq!(inbound_count(&world, "1"), sent.len() as i64);
    for event_id in &sent {
        let rows = inbound_count(&world, &format!("event_id = '{event_id}'"));
        assert_eq!(rows, 1, "{event_id}");
    }
    let outcomes = switchboard_core::inbound::recent(&world.profile, 100).unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| o.outcome.as_deref().is_some_and(|t| t.starts_with("kept"))),
        "{outcomes:?}"
    );
    assert_eq!(world.profile.socket_status().state, SocketState::Connected);
    supervisor.shutdown().await;
    assert_eq!(world.profile.socket_status().state, SocketState::Stopped);
}

#[tokio::test]
async fn a_refused_socket_retries_and_a_revoked_token_says_what_to_do() {
    let (world, _team) = world().await;
    let token = app_token(&world);
    let supervisor = Supervisor::start(world.profile.clone());
    until("not configured", async || {
        world.profile.socket_status().state == SocketState::NotConfigured
    })
    .await;
    slack_app::set_app_token(&world.profile, Some(&token))
        .await
        .unwrap();
    connected(&world).await;

    // Slack refuses sockets for a moment: the state says it retries, then it is back.
    let refused = world
        .control("socket/drop", json!({"how": "refuse", "for_ms": 1500}))
        .await;
    assert_eq!(refused["ok"], true, "{refused}");
    until("retrying", async || {
        world.profile.socket_status().state == SocketState::Retrying
    })
    .await;
    let status = world.profile.socket_status();
    assert!(
        status.retry_at_ms.is_some() && status.detail.is_some(),
        "{status:?}"
    );
    connected(&world).await;

    let revoked = world
        .control("tokens/revoke", json!({"token": token}))
        .await;
    assert_eq!(revoked["ok"], true, "{revoked}");
    until("refused", async || {
        world.profile.socket_status().state == SocketState::Refused
    })
    .await;
    let detail = world.profile.socket_status().detail.unwrap();
    assert!(
        detail.contains("revoked") && detail.contains("Settings → Slack app"),
        "{detail}"
    );
    supervisor.shutdown().await;
}

const STAFF_CSV: &str = "name,email,role,manager\n\
    Olga Owner,olga@example.com,owner,\n\
    Sam Staff,sam@example.com,staff,olga@example.com\n";

async fn slash(world: &World, team: &str, user: &str, channel: &str, text: &str) -> String {
    let answer = world
        .control(
            "socket/slash-command",
            json!({"team_id": team, "user_id": user, "channel_id": channel,
                   "command": "/switchboard", "text": text}),
        )
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["response"]["response_type"], "ephemeral", "{answer}");
    answer["response"]["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_slash_command_lists_subscribes_and_unsubscribes_for_owners_and_admins_only() {
    let (world, team) = world().await;
    let olga = add_user(&world, &team, "olga", "olga@example.com").await;
    let sam = add_user(&world, &team, "sam", "sam@example.com").await;
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    staff_import::import(&world.profile, STAFF_CSV).unwrap();
    let plans = linking::plan(&world.profile, Some(&team), &|_| {})
        .await
        .unwrap();
    for plan in &plans {
        linking::apply(&world.profile, plan, &linking::every_match(plan)).unwrap();
    }
    let channel_ids: Vec<String> = world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            let mut statement = c.prepare(
                "SELECT channel_id FROM slack_channel WHERE team_id = ?1 AND is_archived = 0 \
                 AND is_private = 0 ORDER BY channel_id",
            )?;
            let ids = statement
                .query_map([&team], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok::<_, switchboard_store::Error>(ids)
        })
        .unwrap();
    let (ours, other) = (channel_ids[0].clone(), channel_ids[1].clone());
    let added = channels::add(
        &world.profile,
        AddChannel {
            team_id: team.clone(),
            channel: ours.clone(),
            kinds: vec![EventKind::PaymentReceived],
            thread_per_object: true,
            join: true,
        },
    )
    .await
    .unwrap();
    slack_app::set_app_token(&world.profile, Some(&app_token(&world)))
        .await
        .unwrap();
    let supervisor = Supervisor::start(world.profile.clone());
    connected(&world).await;

    let help = slash(&world, &team, &sam, &ours, "").await;
    assert!(
        help.contains("/switchboard subscribe KIND") && help.contains("`invoices`"),
        "{help}"
    );
    let listed = slash(&world, &team, &sam, &ours, "list").await;
    assert!(
        listed.contains("receives:") && listed.contains("`payment.received`"),
        "{listed}"
    );
    let elsewhere = slash(&world, &team, &olga, &other, "list").await;
    assert!(
        elsewhere.contains("does not receive anything"),
        "{elsewhere}"
    );

    // Sam is staff: told who can.
    let refused = slash(&world, &team, &sam, &ours, "subscribe invoices").await;
    assert!(
        refused.contains("owner or admin") && refused.contains("Olga Owner"),
        "{refused}"
    );
    assert_eq!(
        channels::get(&world.profile, added.id).unwrap().kinds,
        vec![EventKind::PaymentReceived]
    );

    let bad = slash(&world, &team, &olga, &ours, "subscribe invoicez").await;
    assert!(
        bad.starts_with("Nothing changed") && bad.contains("\"invoicez\""),
        "{bad}"
    );
    let empty = slash(&world, &team, &olga, &ours, "subscribe").await;
    assert!(empty.contains("Say which kinds"), "{empty}");

    let subscribed = slash(&world, &team, &olga, &ours, "subscribe invoices").await;
    assert!(
        subscribed.contains("now receives `invoice.sent`"),
        "{subscribed}"
    );
    let kinds = channels::get(&world.profile, added.id).unwrap().kinds;
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    let again = slash(&world, &team, &olga, &ours, "subscribe invoice.sent").await;
    assert!(again.contains("already receives"), "{again}");
    let unsubscribed = slash(
        &world,
        &team,
        &olga,
        &ours,
        "unsubscribe invoice.opened payment.received",
    )
    .await;
    assert!(
        unsubscribed.contains("no longer receives"),
        "{unsubscribed}"
    );
    let kinds = channels::get(&world.profile, added.id).unwrap().kinds;
    assert_eq!(
        kinds,
        vec![
            EventKind::InvoiceSent,
            EventKind::InvoiceReviewed,
            EventKind::InvoiceNoteAdded
        ]
    );
    let listed = slash(&world, &team, &olga, &ours, "list").await;
    assert!(listed.contains("• Invoices: `invoice.sent`"), "{listed}");
    let unknown = slash(&world, &team, &olga, &ours, "archive").await;
    assert!(unknown.contains("is not something I know"), "{unknown}");

    // The audit log names the Slack user who changed it.
    let entries = activity::recent_in(&world.profile, 50).unwrap();
    let by_slack: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "channel.kinds" && e.actor.contains("Olga Owner"))
        .collect();
    assert_eq!(by_slack.len(), 2, "{entries:?}");
    // Each command is kept as handled, with what came of it.
    assert_eq!(
        inbound_count(&world, "kind = 'slash_commands' AND handled_at IS NOT NULL"),
        11
    );
    supervisor.shutdown().await;
}
