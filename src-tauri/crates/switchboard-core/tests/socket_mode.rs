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

/// The public, unarchived channels of `team` in the synced directory, in id order.
fn public_channels(world: &World, team: &str) -> Vec<String> {
    world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            let mut statement = c.prepare(
                "SELECT channel_id FROM slack_channel WHERE team_id = ?1 AND is_archived = 0 \
                 AND is_private = 0 ORDER BY channel_id",
            )?;
            let ids = statement
                .query_map([team], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok::<_, switchboard_store::Error>(ids)
        })
        .unwrap()
}

/// The texts of the messages in the emulator's `channel`, oldest first.
async fn said_in(world: &World, channel: &str) -> Vec<String> {
    world.inspect(&format!("messages?channel={channel}")).await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Waits until a message in `channel` contains every one of `needles`.
async fn until_said(world: &World, channel: &str, needles: &[&str]) {
    until(&format!("{needles:?} in {channel}"), async || {
        said_in(world, channel)
            .await
            .iter()
            .any(|m| needles.iter().all(|n| m.contains(n)))
    })
    .await;
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
        outcomes.iter().all(|o| o
            .outcome
            .as_deref()
            .is_some_and(|t| t.contains("is not linked to a staff member"))),
        "{outcomes:?}"
    );
    // Ann is not linked: told how to get linked once, not once per message.
    let answers = outcomes
        .iter()
        .filter(|o| {
            o.outcome
                .as_deref()
                .is_some_and(|t| t.starts_with("answered: "))
        })
        .count();
    assert_eq!(answers, 1, "{outcomes:?}");
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
    let channel_ids = public_channels(&world, &team);
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

/// A team with Olga (owner, manager of Sam and Eve), Sam and Eve (staff) linked by email, and
/// Socket Mode connected under a supervisor.
struct Team {
    world: World,
    team: String,
    olga: String,
    sam: String,
    eve: String,
    supervisor: Supervisor,
}

async fn team() -> Team {
    let (world, team) = world().await;
    let olga = add_user(&world, &team, "olga", "olga@example.com").await;
    let sam = add_user(&world, &team, "sam", "sam@example.com").await;
    let eve = add_user(&world, &team, "eve", "eve@example.com").await;
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    staff_import::import(
        &world.profile,
        "name,email,role,manager\n\
         Olga Owner,olga@example.com,owner,\n\
         Sam Staff,sam@example.com,staff,olga@example.com\n\
         Eve Else,eve@example.com,staff,olga@example.com\n",
    )
    .unwrap();
    let plans = linking::plan(&world.profile, Some(&team), &|_| {})
        .await
        .unwrap();
    for plan in &plans {
        linking::apply(&world.profile, plan, &linking::every_match(plan)).unwrap();
    }
    slack_app::set_app_token(&world.profile, Some(&app_token(&world)))
        .await
        .unwrap();
    let supervisor = Supervisor::start(world.profile.clone());
    connected(&world).await;
    Team {
        world,
        team,
        olga,
        sam,
        eve,
        supervisor,
    }
}

/// Sam's vacation request `id`, urgent (the test may run outside working hours); returns the
/// message's channel and ts once it is in Olga's Slack.
async fn request_vacation(t: &Team, id: &str) -> (String, String) {
    let incoming: switchboard_core::catalog::IncomingEvent = serde_json::from_value(json!({
        "id": id, "kind": "vacation.requested", "occurred_at": "2026-12-06T09:00:00Z",
        "staff": "sam@example.com", "urgent": true,
        "data": {"from": "2026-12-21", "to": "2027-01-02", "note": "Family visit",
                 "link": "https://app.example.com/vacations/311"},
    }))
    .unwrap();
    switchboard_core::ingest::receive(
        &t.world.profile,
        incoming,
        switchboard_core::ingest::Source::Cli,
    )
    .unwrap();
    let mut found = None;
    until("the request is in Slack", async || {
        let rows = outbox_of(t, id);
        found = rows
            .iter()
            .find(|r| r.target_kind == "dm" && r.state == "sent")
            .map(|r| {
                let channel = t
                    .world
                    .profile
                    .db()
                    .unwrap()
                    .read(|c| {
                        c.query_row(
                            "SELECT slack_channel_id FROM outbox WHERE id = ?1",
                            [r.id],
                            |row| row.get::<_, String>(0),
                        )
                        .map_err(switchboard_store::Error::from)
                    })
                    .unwrap();
                (channel, r.slack_ts.clone().unwrap())
            });
        found.is_some()
    })
    .await;
    found.unwrap()
}

fn outbox_of(t: &Team, key: &str) -> Vec<switchboard_store::outbox::Row> {
    t.world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            let event = switchboard_store::events::find_by_key(c, key)?.unwrap();
            switchboard_store::outbox::list(
                c,
                &switchboard_store::outbox::Filter {
                    event_id: Some(event.id),
                    limit: 50,
                    ..Default::default()
                },
            )
        })
        .unwrap()
}

async fn click(t: &Team, user: &str, channel: &str, ts: &str, action: &str) -> Value {
    t.world
        .control(
            "socket/block-action",
            json!({"team_id": t.team, "user_id": user, "channel_id": channel, "ts": ts,
                   "action_id": action}),
        )
        .await
}

async fn message(t: &Team, channel: &str, ts: &str) -> Value {
    let all = t
        .world
        .inspect(&format!("messages?channel={channel}"))
        .await;
    all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["ts"] == ts)
        .cloned()
        .unwrap()
}

async fn responses(t: &Team) -> Vec<String> {
    t.world.inspect("socket/responses").await["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn decision_of(t: &Team, key: &str) -> Option<switchboard_core::approvals::DecisionView> {
    switchboard_core::approvals::list(&t.world.profile, 100)
        .unwrap()
        .into_iter()
        .find(|d| d.request_id == key)
}

/// A webhook receiver on 127.0.0.1:`port`: keeps each call's headers and body.
async fn receiver(
    port: u16,
) -> (
    std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
    tokio::task::JoinHandle<()>,
) {
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = calls.clone();
    let app = axum::Router::new().route(
        "/hooks/decisions",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (calls, task)
}

#[tokio::test]
async fn approvers_decide_with_buttons_once_and_the_business_app_hears_each_decision_once() {
    let t = team().await;
    // The receiver is down at first: the port is chosen, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Approve: the message shows the decision and loses its buttons.
    let (channel, ts) = request_vacation(&t, "vac-approve").await;
    let posted = message(&t, &channel, &ts).await;
    let ids: Vec<&str> = posted["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().into_iter().flatten())
        .filter_map(|e| e["action_id"].as_str())
        .collect();
    assert_eq!(ids, ["approval.approve", "approval.reject", "open_link"]);
    let answer = click(&t, &t.olga, &channel, &ts, "approval.approve").await;
    assert_eq!(answer["ok"], true, "acknowledged in time: {answer}");
    until("approved", async || {
        decision_of(&t, "vac-approve").is_some_and(|d| d.message_updated)
    })
    .await;
    let decided = decision_of(&t, "vac-approve").unwrap();
    assert_eq!(
        (decided.decision.as_str(), decided.decided_by.as_str()),
        ("approved", "Olga Owner")
    );
    assert_eq!(decided.staff.as_deref(), Some("sam@example.com"));
    assert_eq!(decided.staff_name.as_deref(), Some("Sam Staff"));
    let updated = message(&t, &channel, &ts).await;
    let shown = updated["blocks"].to_string();
    assert!(
        !shown.contains("approval.approve") && !shown.contains("approval.reject"),
        "{shown}"
    );
    assert!(shown.contains("open_link"), "the link stays: {shown}");
    assert!(
        shown.contains("*Approved* by Olga Owner on <!date^"),
        "{shown}"
    );

    assert_eq!(
        decided.webhook_state, None,
        "no URL was set when it was decided"
    );
    // The URL is set after the first decision: that decision is sent too.
    let change = switchboard_core::webhook::set(
        &t.world.profile,
        Some(&format!("http://127.0.0.1:{port}/hooks/decisions")),
        false,
    )
    .await
    .unwrap();
    let secret = change
        .new_secret
        .expect("a secret is made with the first URL");

    // A double click: both clicks reach Switchboard before the buttons are gone; one decides.
    let (channel2, ts2) = request_vacation(&t, "vac-double").await;
    let (a, b) = tokio::join!(
        click(&t, &t.olga, &channel2, &ts2, "approval.approve"),
        click(&t, &t.olga, &channel2, &ts2, "approval.approve"),
    );
    assert_eq!(
        (a["ok"].clone(), b["ok"].clone()),
        (json!(true), json!(true))
    );
    until("the second click refused", async || {
        responses(&t)
            .await
            .iter()
            .any(|r| r.contains("already approved by Olga Owner"))
    })
    .await;
    let decisions = switchboard_core::approvals::list(&t.world.profile, 100).unwrap();
    assert_eq!(
        decisions
            .iter()
            .filter(|d| d.request_id == "vac-double")
            .count(),
        1
    );

    // Reject: a form asks why; an empty reason keeps it open, a reason is recorded and shown.
    let (channel3, ts3) = request_vacation(&t, "vac-reject").await;
    click(&t, &t.olga, &channel3, &ts3, "approval.reject").await;
    until("the form is open", async || {
        t.world.inspect("views").await["views"]
            .as_array()
            .unwrap()
            .len()
            == 1
    })
    .await;
    let empty = t
        .world
        .control(
            "socket/view-submission",
            json!({"team_id": t.team, "user_id": t.olga, "values": {"reason": ""}}),
        )
        .await;
    assert_eq!(empty["response"]["response_action"], "errors", "{empty}");
    assert!(decision_of(&t, "vac-reject").is_none());
    let submitted = t
        .world
        .control(
            "socket/view-submission",
            json!({"team_id": t.team, "user_id": t.olga, "values": {"reason": "Short-staffed that week"}}),
        )
        .await;
    assert_eq!(submitted["ok"], true, "{submitted}");
    assert!(
        submitted["response"].get("response_action").is_none(),
        "{submitted}"
    );
    until("rejected", async || {
        decision_of(&t, "vac-reject").is_some_and(|d| d.message_updated)
    })
    .await;
    let rejected = decision_of(&t, "vac-reject").unwrap();
    assert_eq!(rejected.decision, "rejected");
    assert_eq!(rejected.reason.as_deref(), Some("Short-staffed that week"));
    let shown = message(&t, &channel3, &ts3).await["blocks"].to_string();
    assert!(
        shown.contains("*Rejected* by Olga Owner") && shown.contains("Short-staffed that week"),
        "{shown}"
    );

    // Someone who is not the approver: Olga's requests go to a channel Eve is in.
    let public = public_channels(&t.world, &t.team)[0].clone();
    let olga_id = switchboard_core::staff::find(&t.world.profile, "olga@example.com")
        .unwrap()
        .id;
    switchboard_core::staff::set_dm_target(&t.world.profile, olga_id, &t.team, Some(&public))
        .unwrap();
    let bot = t.world.workspace(&t.team).bot_user_id.unwrap();
    for member in [&t.eve, &t.olga, &bot] {
        let added = t
            .world
            .control(
                "channels/update",
                json!({"channel": public, "add_member": member}),
            )
            .await;
        assert_eq!(added["ok"], true, "{added}");
    }
    let (channel4, ts4) = request_vacation(&t, "vac-wrong-person").await;
    assert_eq!(channel4, public);
    let eve_click = click(&t, &t.eve, &channel4, &ts4, "approval.approve").await;
    assert_eq!(eve_click["ok"], true, "{eve_click}");
    until("Eve refused", async || {
        responses(&t)
            .await
            .iter()
            .any(|r| r.contains("Only Olga Owner, who was asked to approve"))
    })
    .await;
    assert!(decision_of(&t, "vac-wrong-person").is_none());
    let still = message(&t, &channel4, &ts4).await["blocks"].to_string();
    assert!(
        still.contains("approval.approve"),
        "the buttons stay for Olga: {still}"
    );

    // The business application comes back: every decision arrives exactly once, signed.
    // Calls go in order: the oldest is tried (and retried with backoff) while the receiver is
    // down, the others wait behind it.
    until(
        "the first call tried while the receiver was down",
        async || {
            decision_of(&t, "vac-approve")
                .is_some_and(|d| d.webhook_attempts >= 1 && d.webhook_error.is_some())
        },
    )
    .await;
    let (calls, server) = receiver(port).await;
    t.world.profile.advance_clock(10 * 60 * 1000);
    until("three decisions delivered", async || {
        t.world.profile.wake_delivery();
        calls.lock().unwrap().len() >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3, "exactly once each");
    let mut requests = Vec::new();
    for (headers, body) in &calls {
        let header = |name: &str| headers[name].to_str().unwrap().to_owned();
        let timestamp: i64 = header("x-switchboard-timestamp").parse().unwrap();
        assert_eq!(
            header("x-switchboard-signature"),
            switchboard_core::webhook::sign(&secret, timestamp, body),
            "the signature verifies"
        );
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["type"], "approval.decided");
        assert_eq!(body["decided_by"]["email"], "olga@example.com");
        requests.push((
            body["request"]["id"].as_str().unwrap().to_owned(),
            body["decision"].as_str().unwrap().to_owned(),
        ));
    }
    requests.sort();
    assert_eq!(
        requests,
        [
            ("vac-approve".to_owned(), "approved".to_owned()),
            ("vac-double".to_owned(), "approved".to_owned()),
            ("vac-reject".to_owned(), "rejected".to_owned()),
        ]
    );
    for key in ["vac-approve", "vac-double", "vac-reject"] {
        assert_eq!(
            decision_of(&t, key).unwrap().webhook_state.as_deref(),
            Some("sent"),
            "{key}"
        );
    }
    server.abort();
    t.supervisor.shutdown().await;
}

#[tokio::test]
async fn search_answers_privately_and_says_where_a_filter_goes_wrong() {
    let t = team().await;
    for (id, client, amount) in [
        ("inv-1", "Acme Ltd", "1250.00"),
        ("inv-2", "Globex GmbH", "300.00"),
    ] {
        let incoming: switchboard_core::catalog::IncomingEvent = serde_json::from_value(json!({
            "id": id, "kind": "invoice.sent", "occurred_at": "2026-12-06T09:00:00Z",
            "data": {"number": id, "client": client, "amount": amount, "currency": "EUR",
                     "due_date": "2026-12-20"},
        }))
        .unwrap();
        switchboard_core::ingest::receive(
            &t.world.profile,
            incoming,
            switchboard_core::ingest::Source::Cli,
        )
        .unwrap();
    }
    let dm_channel = t
        .world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": t.sam, "text": "hi"}),
        )
        .await["channel"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = slash(
        &t.world,
        &t.team,
        &t.olga,
        &dm_channel,
        r#"search kind:invoice.* client:"Acme Ltd" amount>1000 since:7d"#,
    )
    .await;
    assert!(
        found.contains("*Recent events* (1 of 1") && found.contains("`inv-1`"),
        "{found}"
    );
    let none = slash(
        &t.world,
        &t.team,
        &t.olga,
        &dm_channel,
        "search kind:invoices amount>5000",
    )
    .await;
    assert!(none.starts_with("Nothing matches"), "{none}");
    let bad = slash(
        &t.world,
        &t.team,
        &t.olga,
        &dm_channel,
        "search kind:invoice.* amount>lots",
    )
    .await;
    assert!(
        bad.contains("at character 23: expected a number after amount>")
            && bad.contains("search FILTER"),
        "{bad}"
    );
    let unknown = slash(&t.world, &t.team, &t.olga, &dm_channel, "search colour:red").await;
    let empty = slash(&t.world, &t.team, &t.olga, &dm_channel, "search").await;
    assert!(empty.starts_with("Say what to look for"), "{empty}");
    // Sam is staff: invoices and amounts are not for him.
    let refused = slash(
        &t.world,
        &t.team,
        &t.sam,
        &dm_channel,
        "search kind:invoices",
    )
    .await;
    assert!(
        refused.contains("owner, admin or manager") && refused.contains("Olga Owner"),
        "{refused}"
    );
    assert!(
        unknown.contains("at character 1: expected a field"),
        "{unknown}"
    );
    t.supervisor.shutdown().await;
}

#[tokio::test]
async fn staff_write_to_the_app_and_the_manager_answers_from_the_console() {
    let t = team().await;
    let sam_id = switchboard_core::staff::find(&t.world.profile, "sam@example.com")
        .unwrap()
        .id;
    let said = t
        .world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": t.sam, "text": "Can I swap Friday?"}),
        )
        .await;
    let dm_channel = said["channel"].as_str().unwrap().to_owned();
    until("kept", async || {
        switchboard_core::conversations::unread(&t.world.profile)
            .unwrap()
            .first()
            .is_some_and(|u| u.count == 1)
    })
    .await;
    let unread = switchboard_core::conversations::unread(&t.world.profile).unwrap();
    assert_eq!(
        (unread[0].staff_id, unread[0].name.as_str()),
        (sam_id, "Sam Staff")
    );

    // Files: a PDF is taken, a zip is refused with the types that are.
    t.world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": t.sam, "text": "Here is the form",
                                     "file_name": "form.pdf"}),
        )
        .await;
    t.world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": t.sam, "text": "",
                                     "file_name": "tools.zip"}),
        )
        .await;
    until("three kept", async || {
        switchboard_core::conversations::unread(&t.world.profile)
            .unwrap()
            .first()
            .is_some_and(|u| u.count == 3)
    })
    .await;
    let lines =
        switchboard_core::conversations::thread(&t.world.profile, sam_id, None, 50).unwrap();
    let incoming: Vec<_> = lines.iter().filter(|l| l.direction == "in").collect();
    assert_eq!(incoming.len(), 3);
    assert_eq!(incoming[0].files[0].name, "tools.zip");
    assert!(!incoming[0].files[0].accepted);
    assert!(incoming[1].files[0].accepted);
    until_said(
        &t.world,
        &dm_channel,
        &["does not take *tools.zip*: it accepts only images and PDF"],
    )
    .await;

    // The manager answers: the reply goes through the outbox into the same DM.
    let sent = switchboard_core::conversations::reply(
        &t.world.profile,
        sam_id,
        "Yes, swap it.",
        Some("Olga Owner"),
        None,
    )
    .unwrap();
    assert_eq!(sent.outcome, "queued", "{sent:?}");
    until_said(&t.world, &dm_channel, &["Yes, swap it."]).await;
    assert!(
        switchboard_core::conversations::unread(&t.world.profile)
            .unwrap()
            .is_empty(),
        "answering reads"
    );
    let lines =
        switchboard_core::conversations::thread(&t.world.profile, sam_id, None, 50).unwrap();
    assert_eq!(lines[0].direction, "out");

    // Someone not linked is told how to get linked; nothing is kept for them.
    let stranger = add_user(&t.world, &t.team, "stranger", "stranger@example.com").await;
    let said = t
        .world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": stranger, "text": "hello?"}),
        )
        .await;
    let stranger_dm = said["channel"].as_str().unwrap().to_owned();
    until_said(
        &t.world,
        &stranger_dm,
        &["not linked to a staff member", "Olga Owner"],
    )
    .await;
    // A group DM is answered in the group that conversations are 1:1, and not kept.
    let group = t
        .world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": t.sam, "text": "team question", "group_with": [t.eve]}),
        )
        .await;
    let group_channel = group["channel"].as_str().unwrap().to_owned();
    assert!(group_channel.starts_with('G'), "{group}");
    until_said(
        &t.world,
        &group_channel,
        &["Switchboard keeps conversations 1:1"],
    )
    .await;
    // Sam's messages go to a channel now; an answer to what he wrote still lands in the DM he
    // wrote from.
    let channel = public_channels(&t.world, &t.team)[0].clone();
    switchboard_core::staff::set_dm_target(&t.world.profile, sam_id, &t.team, Some(&channel))
        .unwrap();
    let again = switchboard_core::conversations::reply(
        &t.world.profile,
        sam_id,
        "Still here.",
        Some("Olga Owner"),
        Some("reply-1"),
    )
    .unwrap();
    let twice = switchboard_core::conversations::reply(
        &t.world.profile,
        sam_id,
        "Still here.",
        Some("Olga Owner"),
        Some("reply-1"),
    )
    .unwrap();
    assert!(!again.duplicate && twice.duplicate, "{again:?} {twice:?}");
    assert_eq!(again.outbox_id, twice.outbox_id);
    until_said(&t.world, &dm_channel, &["Still here."]).await;
    assert!(
        !said_in(&t.world, &channel)
            .await
            .iter()
            .any(|m| m.contains("Still here.")),
        "not in the channel his notifications go to"
    );
    // A redelivered DM is kept once.
    t.world
        .control(
            "socket/dm",
            json!({"team_id": t.team, "user_id": t.sam, "text": "twice?", "duplicate": true}),
        )
        .await;
    until("kept once", async || {
        switchboard_core::conversations::unread(&t.world.profile)
            .unwrap()
            .first()
            .is_some_and(|u| u.count == 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        switchboard_core::conversations::unread(&t.world.profile).unwrap()[0].count,
        1
    );
    t.supervisor.shutdown().await;
}
