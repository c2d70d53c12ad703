//! What the owner sees and does around delivery, over the emulator: the Activity timeline says
//! where each event went and why it skipped a channel (and filters and pages), an event's
//! story has every attempt; a channel's test message goes through the outbox and the delivery
//! worker and reports its link or the fix; templates preview from the last real event (sample
//! data before one arrives), warn about unknown placeholders, and what is saved is what the
//! next event's message says.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::World;
use serde_json::{Value, json};
use slack_emulator::Seed;
use switchboard_core::catalog::{IncomingEvent, sample};
use switchboard_core::channels::{self, AddChannel, Change};
use switchboard_core::ingest::{self, Source};
use switchboard_core::profile::{Profile, SecretsIn};
use switchboard_core::timeline::{self, TimelineQuery};
use switchboard_core::{EventKind, delivery, directory, templates};
use tokio_util::sync::CancellationToken;

async fn world() -> (World, String) {
    let world = World::start_tuned(
        Seed::Large {
            channels: 20,
            users: 5,
        },
        SecretsIn::Memory,
        |config| config.slack_pacing = false,
    )
    .await;
    let team = world.first_team();
    world.paste(&world.bot_token(0), None).await.unwrap();
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    (world, team)
}

async fn add(world: &World, team: &str, name: &str, kinds: &[EventKind]) -> channels::ChannelView {
    channels::add(
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
    .unwrap()
}

fn event(kind: EventKind, id: &str) -> IncomingEvent {
    let mut event = sample(kind);
    event.id = id.to_owned();
    event
}

async fn deliver(profile: &Arc<Profile>) {
    tokio::time::timeout(
        Duration::from_secs(60),
        delivery::until_idle(profile.clone(), CancellationToken::new()),
    )
    .await
    .expect("delivery finishes")
    .expect("delivery runs");
}

fn page(profile: &Profile, query: TimelineQuery) -> timeline::Page {
    timeline::timeline(
        profile,
        &TimelineQuery {
            limit: query.limit.max(1),
            ..query
        },
    )
    .unwrap()
}

fn all() -> TimelineQuery {
    TimelineQuery {
        limit: 100,
        ..TimelineQuery::default()
    }
}

#[tokio::test]
async fn the_timeline_says_where_each_event_went_and_why_the_others_skipped_it() {
    let (world, team) = world().await;
    let p = &world.profile;
    let sales = add(&world, &team, "channel-000001", &[EventKind::InvoiceSent]).await;
    let ops = add(&world, &team, "channel-000002", &[EventKind::ClientCreated]).await;
    let off = add(&world, &team, "channel-000003", &[EventKind::InvoiceSent]).await;
    channels::change(p, off.id, Change::Enabled(false)).unwrap();

    ingest::receive(p, event(EventKind::InvoiceSent, "inv-1"), Source::Ingest).unwrap();
    ingest::receive(p, event(EventKind::ClientCreated, "cl-1"), Source::Cli).unwrap();
    deliver(p).await;

    let listed = page(p, all());
    assert_eq!(listed.entries.len(), 2);
    assert_eq!(listed.next, None);
    let client = &listed.entries[0];
    let invoice = &listed.entries[1];
    assert_eq!(
        (client.id.as_str(), client.source.as_str()),
        ("cl-1", "cli"),
        "newest first"
    );
    assert_eq!(invoice.kind, "invoice.sent");
    assert_eq!(invoice.kind_label, "An invoice is sent");
    assert_eq!(invoice.group, "Invoices");
    assert_eq!(
        invoice.summary, "Invoice 1042 for Globex GmbH (€1,250.00) was sent, due Mon 7 Dec 2026",
        "one plain line: no emoji code, no mrkdwn"
    );
    let line = |entry: &timeline::Entry, id: i64| {
        entry
            .lines
            .iter()
            .find(|l| l.notification_channel_id == Some(id))
            .cloned()
            .unwrap_or_else(|| panic!("no line for channel {id} in {entry:?}"))
    };
    let sent = line(invoice, sales.id);
    assert_eq!(
        (sent.state.as_str(), sent.reason.as_str()),
        ("sent", "kind_on")
    );
    assert_eq!(sent.attempts, 1);
    assert!(
        sent.permalink
            .as_deref()
            .is_some_and(|l| l.contains(&sales.channel_id)),
        "{sent:?}"
    );
    let skipped = line(invoice, ops.id);
    assert_eq!(
        (skipped.state.as_str(), skipped.reason.as_str()),
        ("skipped", "kind_off")
    );
    assert_eq!(
        skipped.sentence,
        "invoice.sent is switched off in #channel-000002: switch it on for that channel to receive it there."
    );
    assert_eq!(skipped.channel.as_deref(), Some("#channel-000002"));
    let disabled = line(invoice, off.id);
    assert_eq!(
        (disabled.state.as_str(), disabled.reason.as_str()),
        ("skipped", "channel_disabled")
    );

    // Filters: state, kind or group, channel, time; paging continues where a page ended.
    let ids = |q: TimelineQuery| -> Vec<String> {
        page(p, q).entries.into_iter().map(|e| e.id).collect()
    };
    assert_eq!(
        ids(TimelineQuery {
            kinds: vec!["invoices".into()],
            ..all()
        }),
        ["inv-1"]
    );
    assert_eq!(
        ids(TimelineQuery {
            kinds: vec!["client.created".into()],
            ..all()
        }),
        ["cl-1"]
    );
    assert_eq!(
        ids(TimelineQuery {
            state: Some("sent".into()),
            ..all()
        }),
        ["cl-1", "inv-1"]
    );
    assert_eq!(
        ids(TimelineQuery {
            channel: Some(off.id),
            ..all()
        }),
        ["cl-1", "inv-1"],
        "a channel's filter finds what it skipped too"
    );
    assert_eq!(
        ids(TimelineQuery {
            channel: Some(sales.id),
            state: Some("sent".into()),
            ..all()
        }),
        ["inv-1"],
        "what reached #sales"
    );
    assert_eq!(
        ids(TimelineQuery {
            since: Some(invoice.received_at + 3_600_000),
            ..all()
        }),
        Vec::<String>::new()
    );
    let first = page(p, TimelineQuery { limit: 1, ..all() });
    assert_eq!(first.entries[0].id, "cl-1");
    let second = page(
        p,
        TimelineQuery {
            limit: 1,
            before: first.next,
            ..all()
        },
    );
    assert_eq!(second.entries[0].id, "inv-1");
    let refused = timeline::timeline(
        p,
        &TimelineQuery {
            state: Some("lost".into()),
            ..all()
        },
    )
    .unwrap_err();
    assert!(refused.to_string().contains("skipped"), "{refused}");

    // With the integration off an event is recorded and every channel says why it got nothing.
    channels::set_integration(p, false).unwrap();
    ingest::receive(p, event(EventKind::InvoiceSent, "inv-2"), Source::Ingest).unwrap();
    let newest = page(p, all()).entries.remove(0);
    assert_eq!(newest.id, "inv-2");
    assert!(
        newest.lines.iter().all(|l| l.state == "skipped"),
        "{newest:?}"
    );
    let would_have = line(&newest, sales.id);
    assert_eq!(would_have.reason, "integration_off");
    assert_eq!(
        would_have.sentence,
        "The Slack integration was switched off: nothing was queued."
    );
    assert_eq!(
        line(&newest, ops.id).reason,
        "kind_off",
        "a channel that would not have got it says so"
    );
    assert_eq!(
        ids(TimelineQuery {
            state: Some("skipped".into()),
            ..all()
        }),
        ["inv-2", "cl-1", "inv-1"]
    );

    // The story: the event as stored and each message with its attempts.
    let story = timeline::why(p, invoice.event_id).unwrap();
    assert_eq!(story.entry.id, "inv-1");
    assert_eq!(story.event["data"]["number"], json!("1042"));
    assert_eq!(story.messages.len(), 1);
    assert_eq!(story.messages[0].item.target, "#channel-000001");
    assert_eq!(story.messages[0].attempts_made.len(), 1);
    assert_eq!(story.messages[0].attempts_made[0].outcome, "sent");
    // Removing a channel keeps what was sent there in the history.
    channels::remove(p, sales.id).unwrap();
    let after = page(
        p,
        TimelineQuery {
            kinds: vec!["invoice.sent".into()],
            ..all()
        },
    );
    let kept = after
        .entries
        .iter()
        .find(|e| e.id == "inv-1")
        .unwrap()
        .lines
        .iter()
        .find(|l| l.channel_id.as_deref() == Some(sales.channel_id.as_str()))
        .cloned()
        .expect("the removed channel's line");
    assert_eq!(kept.state, "sent", "{kept:?}");
    assert!(kept.permalink.is_some());

    let missing = timeline::why(p, 999_999).unwrap_err();
    assert_eq!(missing.code(), "not_found");
}

#[tokio::test]
async fn a_test_message_goes_through_the_delivery_worker_and_reports_its_link_or_the_fix() {
    let (world, team) = world().await;
    let p = world.profile.clone();
    let channel = add(&world, &team, "channel-000001", &[EventKind::InvoiceSent]).await;

    // No worker yet: the test message waits, and a second click waits for the same one.
    let waiting = channels::send_test_waiting(&p, channel.id, Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(waiting.state, "pending", "{waiting:?}");
    assert!(
        waiting
            .sentence
            .as_deref()
            .is_some_and(|s| s.contains("stays queued")),
        "{waiting:?}"
    );
    let again = channels::send_test_waiting(&p, channel.id, Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(again.outbox_id, waiting.outbox_id, "not queued twice");

    // The worker runs as the console's supervisor runs it.
    let stop = CancellationToken::new();
    let worker = tokio::spawn(delivery::run(p.clone(), stop.clone()));

    let outcome = channels::send_test(&p, channel.id).await.unwrap();
    assert_eq!(outcome.state, "sent", "{outcome:?}");
    assert_eq!(
        outcome.outbox_id, waiting.outbox_id,
        "the click waited for the message already queued"
    );
    assert_eq!(
        channels::test_outcome(&p, waiting.outbox_id).unwrap(),
        outcome,
        "what the card asks when it follows a message that waited"
    );
    assert_eq!(outcome.sentence, None);
    let link = outcome.permalink.expect("a link to the message");
    assert!(link.contains(&channel.channel_id), "{link}");
    let messages: Value = world.inspect("messages").await;
    let posted: Vec<&Value> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"] == json!(channel.channel_id))
        .collect();
    assert_eq!(posted.len(), 1, "sent once");
    let text = posted[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with(":wave: Test message from Switchboard")
            && text.contains("#channel-000001 receives 1 event kind (Invoices)"),
        "{text}"
    );
    assert_eq!(
        posted[0]["metadata"]["event_payload"]["outbox_id"],
        json!(outcome.outbox_id),
        "it carries its outbox id like every message"
    );

    // An archived channel: the test says so, with the fix.
    world
        .control(
            "channels/update",
            json!({"channel": channel.channel_id, "archived": true}),
        )
        .await;
    let failed = channels::send_test(&p, channel.id).await.unwrap();
    assert_eq!(failed.state, "failed");
    assert!(
        failed
            .sentence
            .as_deref()
            .is_some_and(|s| s.contains("is archived: unarchive it in Slack")),
        "{failed:?}"
    );

    // A test message still queued when the integration is switched off is held, and says so
    // with the fix.
    stop.cancel();
    worker.await.unwrap();
    let queued = channels::send_test_waiting(&p, channel.id, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(queued.state, "pending", "{queued:?}");
    channels::set_integration(&p, false).unwrap();
    let held = channels::test_outcome(&p, queued.outbox_id).unwrap();
    assert_eq!(held.state, "held", "{held:?}");
    assert!(
        held.sentence.as_deref().is_some_and(|s| s
            .contains("held when the Slack integration was switched off")
            && s.contains("#channel-000001")),
        "{held:?}"
    );

    // With the integration off there is nothing to test.
    let refused = channels::send_test(&p, channel.id).await.unwrap_err();
    assert!(
        refused.to_string().contains("integration is off"),
        "{refused}"
    );
}

#[tokio::test]
async fn templates_preview_from_the_last_real_event_and_what_is_saved_is_what_is_sent() {
    let (world, team) = world().await;
    let p = &world.profile;
    add(&world, &team, "channel-000001", &[EventKind::InvoiceSent]).await;

    let listed = templates::list(p).unwrap();
    assert_eq!(listed.len(), EventKind::ALL.len());
    let invoice = listed
        .iter()
        .find(|t| t.kind == EventKind::InvoiceSent)
        .unwrap();
    assert_eq!(invoice.template, None, "the default wording is in use");
    assert!(
        invoice
            .placeholders
            .iter()
            .any(|p| p.name == "amount" && !p.about.is_empty())
    );

    // No invoice.sent yet: sample data.
    let sample_preview = templates::preview(p, "invoice.sent", Some("Invoice {number}")).unwrap();
    assert_eq!(sample_preview.from_event, None);
    assert_eq!(sample_preview.text, "Invoice 1042");

    let mut real = event(EventKind::InvoiceSent, "inv-77");
    real.data.insert("number".into(), json!("7707"));
    real.data.insert("client".into(), json!("<!channel> & Co"));
    ingest::receive(p, real, Source::Ingest).unwrap();
    let preview = templates::preview(
        p,
        "invoice.sent",
        Some("Invoice *{number}* for {client} ({ammount})"),
    )
    .unwrap();
    assert_eq!(preview.from_event.as_deref(), Some("inv-77"));
    assert_eq!(
        preview.text, "Invoice *7707* for &lt;!channel&gt; &amp; Co",
        "inserted values are escaped; the unknown placeholder renders empty"
    );
    assert_eq!(preview.warnings.len(), 1, "{:?}", preview.warnings);
    assert_eq!(preview.warnings[0].placeholder, "ammount");
    assert!(preview.warnings[0].message.contains("{amount}"));

    // Saved: the next event's message uses it; reset: the default wording again.
    let saved = templates::save(
        p,
        "invoice.sent",
        Some("Sent: invoice {number} to {client}\n"),
    )
    .unwrap();
    assert_eq!(
        saved.template.as_deref(),
        Some("Sent: invoice {number} to {client}")
    );
    let (receipt, _) =
        ingest::receive(p, event(EventKind::InvoiceSent, "inv-78"), Source::Ingest).unwrap();
    let outbox_id = receipt.routes[0].outbox_id.unwrap();
    let payload: String = p
        .db()
        .unwrap()
        .read(|c| switchboard_store::outbox::payload(c, outbox_id))
        .unwrap()
        .expect("the message");
    let message: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(message["text"], json!("Sent: invoice 1042 to Globex GmbH"));
    let reset = templates::save(p, "invoice.sent", Some("  ")).unwrap();
    assert_eq!(reset.template, None);
    assert_eq!(
        templates::list(p)
            .unwrap()
            .into_iter()
            .find(|t| t.kind == EventKind::InvoiceSent)
            .unwrap()
            .template,
        None
    );
    let audited = switchboard_core::activity::recent_in(p, 50)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "template.changed")
        .count();
    assert_eq!(audited, 2, "saving and resetting are both in the audit log");

    let unknown = templates::preview(p, "invoice.lost", None).unwrap_err();
    assert_eq!(unknown.code(), "invalid_input");
    let long = "x".repeat(templates::MAX_TEMPLATE + 1);
    let refused = templates::save(p, "invoice.sent", Some(&long)).unwrap_err();
    assert!(refused.to_string().contains("at most"), "{refused}");
}
