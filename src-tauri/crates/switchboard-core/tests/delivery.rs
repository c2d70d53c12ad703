//! Delivery over the emulator: queued messages reach the right channels with the right text,
//! once, in order per channel, updates about one invoice in one thread; faults (5xx, timeouts,
//! cut connections, 429s) do not lose or repeat a message; a revoked token holds the rest until
//! the workspace is reconnected; errors that will not heal fail with the fix.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::World;
use serde_json::{Value, json};
use slack_emulator::Seed;
use switchboard_core::catalog::{IncomingEvent, sample};
use switchboard_core::channels::{self, AddChannel};
use switchboard_core::delivery;
use switchboard_core::ingest::{self, Source};
use switchboard_core::outbox::{self, Query};
use switchboard_core::profile::SecretsIn;
use switchboard_core::{EventKind, directory};
use tokio_util::sync::CancellationToken;

async fn world_with(
    tune: impl FnOnce(&mut switchboard_core::profile::ProfileConfig),
) -> (World, String) {
    let world = World::start_tuned(
        Seed::Large {
            channels: 40,
            users: 10,
        },
        SecretsIn::Memory,
        tune,
    )
    .await;
    let team = world.first_team();
    world.paste(&world.bot_token(0), None).await.unwrap();
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    (world, team)
}

/// No pacing: the emulator runs without limits, and these tests are about correctness.
async fn world() -> (World, String) {
    world_with(|config| config.slack_pacing = false).await
}

/// Public channels the app is in, by name.
fn member_channels(world: &World, team: &str, n: usize) -> Vec<String> {
    world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            let mut s = c.prepare(
                "SELECT name FROM slack_channel WHERE team_id = ?1 AND is_member = 1
                 AND is_private = 0 AND is_archived = 0 ORDER BY name",
            )?;
            let names = s
                .query_map([team], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, switchboard_store::Error>(names)
        })
        .unwrap()
        .into_iter()
        .take(n)
        .collect()
}

async fn add_channel(world: &World, team: &str, name: &str, kinds: &[EventKind]) -> (i64, String) {
    let view = channels::add(
        &world.profile,
        AddChannel {
            team_id: team.to_owned(),
            channel: format!("#{name}"),
            kinds: kinds.to_vec(),
            thread_per_object: true,
            join: true,
        },
    )
    .await
    .unwrap();
    (view.id, view.channel_id)
}

fn invoice(kind: EventKind, id: &str, number: u32) -> IncomingEvent {
    let mut event = sample(kind);
    event.id = id.to_owned();
    let key = if kind == EventKind::PaymentReceived {
        "invoice"
    } else {
        "number"
    };
    event.data.insert(key.into(), json!(number.to_string()));
    event.data.insert(
        "link".into(),
        json!(format!("https://app.example.com/invoices/{number}")),
    );
    event
}

async fn deliver(world: &World) -> delivery::Summary {
    tokio::time::timeout(
        Duration::from_secs(120),
        delivery::until_idle(world.profile.clone(), CancellationToken::new()),
    )
    .await
    .expect("delivery finishes")
    .expect("delivery runs")
}

/// Every message in the emulator, by channel, oldest first.
async fn slack_messages(world: &World) -> Vec<Value> {
    let answer: Value = world.inspect("messages").await;
    answer["messages"].as_array().unwrap().clone()
}

/// The outbox id each Slack message carries, by channel, in the order Slack holds them.
fn outbox_ids_by_channel(messages: &[Value]) -> BTreeMap<String, Vec<i64>> {
    let mut by_channel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for m in messages {
        if m["metadata"]["event_type"] == delivery::METADATA_EVENT_TYPE {
            by_channel
                .entry(m["channel"].as_str().unwrap().to_owned())
                .or_default()
                .push(
                    m["metadata"]["event_payload"]["outbox_id"]
                        .as_i64()
                        .unwrap(),
                );
        }
    }
    by_channel
}

/// Each channel received exactly `expected` (outbox ids, in order), nothing twice.
fn assert_exactly_once_in_order(messages: &[Value], expected: &BTreeMap<String, Vec<i64>>) {
    let got = outbox_ids_by_channel(messages);
    for (channel, ids) in &got {
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            ids.len(),
            "{channel} received a message twice: {ids:?}"
        );
        assert_eq!(ids, &sorted, "{channel} received messages out of order");
    }
    assert_eq!(&got, expected);
}

fn queued_by_channel(world: &World) -> BTreeMap<String, Vec<i64>> {
    let items = outbox::list(
        &world.profile,
        &Query {
            limit: Some(10_000),
            ..Query::default()
        },
    )
    .unwrap();
    let mut by_channel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for item in items.into_iter().rev() {
        by_channel.entry(item.target_id).or_default().push(item.id);
    }
    by_channel
}

#[tokio::test]
async fn messages_reach_their_channels_once_with_their_text_and_one_thread_per_invoice() {
    let (world, team) = world().await;
    let names = member_channels(&world, &team, 2);
    let (_, sales) = add_channel(
        &world,
        &team,
        &names[0],
        &[
            EventKind::InvoiceSent,
            EventKind::InvoiceOpened,
            EventKind::PaymentReceived,
        ],
    )
    .await;
    let (_, ops) = add_channel(&world, &team, &names[1], &[EventKind::InvoiceSent]).await;

    let p = &world.profile;
    ingest::receive(
        p,
        invoice(EventKind::InvoiceSent, "a", 1042),
        Source::Ingest,
    )
    .unwrap();
    ingest::receive(
        p,
        invoice(EventKind::InvoiceSent, "b", 1043),
        Source::Ingest,
    )
    .unwrap();
    ingest::receive(
        p,
        invoice(EventKind::InvoiceOpened, "c", 1042),
        Source::Ingest,
    )
    .unwrap();
    ingest::receive(
        p,
        invoice(EventKind::PaymentReceived, "d", 1042),
        Source::Ingest,
    )
    .unwrap();
    // The same id again is accepted once: nothing more is queued.
    let (_, duplicate) = ingest::receive(
        p,
        invoice(EventKind::InvoiceSent, "a", 1042),
        Source::Ingest,
    )
    .unwrap();
    assert!(duplicate);

    let summary = deliver(&world).await;
    assert_eq!(summary.sent, 6, "{summary:?}");
    let messages = slack_messages(&world).await;
    assert_exactly_once_in_order(&messages, &queued_by_channel(&world));

    let in_sales: Vec<&Value> = messages.iter().filter(|m| m["channel"] == sales).collect();
    assert_eq!(in_sales.len(), 4);
    assert!(
        in_sales[0]["text"].as_str().unwrap().contains("1042"),
        "{}",
        in_sales[0]
    );
    assert!(
        in_sales[0]["text"].as_str().unwrap().contains("1,250.00"),
        "{}",
        in_sales[0]
    );
    assert_eq!(
        in_sales[0]["thread_ts"], in_sales[0]["ts"],
        "the first message about 1042 starts its thread (a parent carries its own ts)"
    );
    assert!(in_sales[1]["text"].as_str().unwrap().contains("1043"));
    assert!(
        in_sales[1]["thread_ts"].is_null(),
        "1043 has its own thread"
    );
    let thread = in_sales[0]["ts"].clone();
    assert_eq!(
        in_sales[2]["thread_ts"], thread,
        "opened joins 1042's thread"
    );
    assert_eq!(
        in_sales[3]["thread_ts"], thread,
        "the payment joins 1042's thread"
    );
    let buttons = in_sales[0]["blocks"].to_string();
    assert!(
        buttons.contains("https://app.example.com/invoices/1042"),
        "a link button: {buttons}"
    );
    assert_eq!(messages.iter().filter(|m| m["channel"] == ops).count(), 2);

    // Every row records Slack's answer and a permalink; each attempt is on record.
    let sent = outbox::list(
        p,
        &Query {
            state: Some("sent".into()),
            ..Query::default()
        },
    )
    .unwrap();
    assert_eq!(sent.len(), 6);
    for item in &sent {
        let link = item.permalink.as_deref().expect("a permalink");
        assert!(link.contains(&item.target_id), "{link}");
        assert_eq!(item.attempts, 1);
        let detail = outbox::detail(p, item.id).unwrap();
        assert_eq!(detail.attempts_made.len(), 1);
        assert_eq!(detail.attempts_made[0].outcome, "sent");
    }
    // A second run finds nothing to do.
    assert_eq!(deliver(&world).await, delivery::Summary::default());
}

#[tokio::test]
async fn with_a_tenth_of_calls_failing_every_message_arrives_exactly_once_and_in_order() {
    let (world, team) = world_with(|config| {
        config.slack_pacing = false;
        config.slack_timeout = Duration::from_millis(700);
    })
    .await;
    let names = member_channels(&world, &team, 4);
    for name in &names {
        add_channel(
            &world,
            &team,
            name,
            &[EventKind::InvoiceSent, EventKind::ClientCreated],
        )
        .await;
    }
    let batch: Vec<IncomingEvent> = (0..150)
        .map(|i| {
            let kind = if i % 3 == 0 {
                EventKind::ClientCreated
            } else {
                EventKind::InvoiceSent
            };
            let mut event = invoice(kind, &format!("e-{i}"), 2000 + i);
            if kind == EventKind::ClientCreated {
                event = sample(kind);
                event.id = format!("e-{i}");
            }
            event
        })
        .collect();
    ingest::receive_batch(&world.profile, batch, Source::Ingest).unwrap();
    // 10% of all calls fail: server errors and 429s before Slack acts, timeouts and cut
    // connections after it did.
    for kind in ["5xx", "429", "timeout", "reset"] {
        let answer = world
            .control(
                "faults",
                json!({"method": "*", "rate": 0.025, "kind": kind, "stall_ms": 1000}),
            )
            .await;
        assert_eq!(answer["ok"], true, "{answer}");
    }
    let summary = deliver(&world).await;
    assert_eq!(summary.sent + summary.found, 600, "{summary:?}");
    // Some sends had their answer cut off after Slack took them: found, not sent again.
    assert!(summary.found > 0, "{summary:?}");
    let stats: Value = world.inspect("stats").await;
    let injected: u64 = stats["faults_injected"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(injected >= 20, "faults were injected: {stats}");
    let messages = slack_messages(&world).await;
    assert_exactly_once_in_order(&messages, &queued_by_channel(&world));
    let not_sent = outbox::list(&world.profile, &Query::default())
        .unwrap()
        .into_iter()
        .filter(|i| i.state != "sent")
        .count();
    assert_eq!(not_sent, 0);
}

#[tokio::test]
async fn a_revoked_token_holds_the_rest_until_the_workspace_is_reconnected() {
    let (world, team) = world().await;
    let names = member_channels(&world, &team, 2);
    for name in &names {
        add_channel(&world, &team, name, &[EventKind::InvoiceSent]).await;
    }
    let first: Vec<IncomingEvent> = (0..10)
        .map(|i| invoice(EventKind::InvoiceSent, &format!("a-{i}"), 3000 + i))
        .collect();
    ingest::receive_batch(&world.profile, first, Source::Ingest).unwrap();
    assert_eq!(deliver(&world).await.sent, 20);

    // The token is revoked: the next messages are held, not dropped.
    let revoked = world
        .control("tokens/revoke", json!({"team_id": team, "kind": "bot"}))
        .await;
    assert_eq!(revoked["ok"], true, "{revoked}");
    let second: Vec<IncomingEvent> = (0..10)
        .map(|i| invoice(EventKind::InvoiceSent, &format!("b-{i}"), 4000 + i))
        .collect();
    ingest::receive_batch(&world.profile, second, Source::Ingest).unwrap();
    let summary = deliver(&world).await;
    assert_eq!(summary.sent, 0, "{summary:?}");
    assert!(summary.held >= 1, "{summary:?}");
    let held = outbox::list(
        &world.profile,
        &Query {
            state: Some("held".into()),
            ..Query::default()
        },
    )
    .unwrap();
    assert_eq!(held.len(), 20, "every waiting message is held");
    assert!(
        held.iter()
            .all(|i| i.hold_reason.as_deref() == Some("needs_reconnect"))
    );
    assert_eq!(
        world.workspace(&team).status,
        switchboard_store::workspaces::Status::NeedsReconnect
    );
    // Events received while it needs reconnecting are held at once.
    let (receipt, _) = ingest::receive(
        &world.profile,
        invoice(EventKind::InvoiceSent, "c-0", 5000),
        Source::Ingest,
    )
    .unwrap();
    assert!(
        receipt.routes.iter().all(|r| r.outcome == "held"),
        "{receipt:?}"
    );

    // Reconnected with a new token: everything held is delivered, once.
    let installed = world
        .control(
            "apps/install",
            json!({"team_id": team, "client_id": slack_emulator::seed::SEEDED_CLIENT_ID}),
        )
        .await;
    world
        .paste(installed["bot_token"].as_str().unwrap(), None)
        .await
        .unwrap();
    let summary = deliver(&world).await;
    assert_eq!(summary.sent, 22, "{summary:?}");
    let messages = slack_messages(&world).await;
    assert_exactly_once_in_order(&messages, &queued_by_channel(&world));
}

#[tokio::test]
async fn errors_that_will_not_heal_fail_with_the_fix_and_later_messages_still_go() {
    let (world, team) = world().await;
    let names = member_channels(&world, &team, 2);
    let (_, archived) = add_channel(&world, &team, &names[0], &[EventKind::InvoiceSent]).await;
    let (_, kicked) = add_channel(&world, &team, &names[1], &[EventKind::InvoiceSent]).await;
    // #channel-000007 is private with the app in it (the large seed's rule).
    let (_, private) =
        add_channel(&world, &team, "channel-000007", &[EventKind::InvoiceSent]).await;
    let bot = world.workspace(&team).bot_user_id.unwrap();
    world
        .control(
            "channels/update",
            json!({"channel": archived, "archived": true}),
        )
        .await;
    // Removed from both: chat:write.public still reaches the public one, not the private.
    for channel in [&kicked, &private] {
        world
            .control(
                "channels/update",
                json!({"channel": channel, "remove_member": bot}),
            )
            .await;
    }
    ingest::receive(
        &world.profile,
        invoice(EventKind::InvoiceSent, "x", 1),
        Source::Ingest,
    )
    .unwrap();
    deliver(&world).await;
    let items: HashMap<String, outbox::Item> = outbox::list(&world.profile, &Query::default())
        .unwrap()
        .into_iter()
        .map(|i| (i.target_id.clone(), i))
        .collect();
    let failed = &items[&archived];
    assert_eq!(failed.state, "failed");
    assert_eq!(failed.error_code.as_deref(), Some("is_archived"));
    assert!(
        failed
            .error
            .as_deref()
            .unwrap()
            .contains("is archived: unarchive it in Slack"),
        "{failed:?}"
    );
    // The app may still post to a public channel it left (chat:write.public).
    assert_eq!(items[&kicked].state, "sent");
    let refused = &items[&private];
    assert_eq!(refused.state, "failed");
    // Slack hides a private channel from an app that is not in it: `channel_not_found`.
    assert_eq!(refused.error_code.as_deref(), Some("channel_not_found"));
    assert_eq!(
        refused.error.as_deref(),
        Some(
            "#channel-000007 no longer exists, or Switchboard cannot see it (a private channel it was removed from): invite the app back, or send this kind to another channel, then retry."
        )
    );

    // Retrying after the fix sends it; discarding a failed one keeps it from being sent.
    world
        .control(
            "channels/update",
            json!({"channel": archived, "archived": false}),
        )
        .await;
    let retried = outbox::retry(&world.profile, failed.id).unwrap();
    assert_eq!(retried.state, "pending");
    assert_eq!(deliver(&world).await.sent, 1);
    let again = outbox::retry(&world.profile, failed.id).unwrap_err();
    assert!(again.to_string().contains("was sent already"), "{again}");
}
