//! Channels, toggles and routing through core's user actions against the emulator: adding
//! channels from the synced directory (joining a public one, refusing a private one the app is
//! not in), events routed to exactly the channels that switched their kind on, with a reason
//! for every other channel, the same id accepted once, and the integration switch.

mod common;

use common::World;
use slack_emulator::Seed;
use switchboard_core::catalog::{IncomingEvent, sample};
use switchboard_core::channels::{self, AddChannel, Change};
use switchboard_core::ingest::{self, Source};
use switchboard_core::{Error, EventKind, directory};

async fn world() -> (World, String) {
    let world = World::start(Seed::Large {
        channels: 60,
        users: 20,
    })
    .await;
    let team = world.first_team();
    world.paste(&world.bot_token(0), None).await.unwrap();
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    (world, team)
}

fn add(team: &str, channel: &str, kinds: &[EventKind], join: bool) -> AddChannel {
    AddChannel {
        team_id: team.to_owned(),
        channel: channel.to_owned(),
        kinds: kinds.to_vec(),
        thread_per_object: true,
        join,
    }
}

fn invoice(id: &str) -> IncomingEvent {
    let mut event = sample(EventKind::InvoiceSent);
    event.id = id.to_owned();
    event
}

#[tokio::test]
async fn channels_are_added_from_the_directory_and_events_reach_exactly_those_that_asked() {
    let (world, team) = world().await;
    let profile = &world.profile;

    // #channel-000003 has the app in it; #channel-000001 does not (public: join on request);
    // #channel-000027 is private without the app, so Slack does not list it to the app.
    let sales = channels::add(
        profile,
        add(&team, "#channel-000003", &[EventKind::InvoiceSent], false),
    )
    .await
    .unwrap();
    assert_eq!(sales.name.as_deref(), Some("channel-000003"));
    assert_eq!(sales.kinds, [EventKind::InvoiceSent]);

    let refused = channels::add(profile, add(&team, "#channel-000001", &[], false))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput { field: "channel", message } if message.contains("not in #channel-000001")),
        "{refused:?}"
    );
    let ops = channels::add(
        profile,
        add(&team, "#channel-000001", &[EventKind::ClientCreated], true),
    )
    .await
    .unwrap();
    assert!(ops.is_member, "joined with conversations.join");
    assert_eq!(
        world.count(
            "SELECT is_member FROM slack_channel WHERE team_id = ?1 AND name = 'channel-000001'",
            &team
        ),
        1
    );

    let private = channels::add(profile, add(&team, "#channel-000027", &[], true))
        .await
        .unwrap_err();
    assert!(
        matches!(&private, Error::InvalidInput { message, .. } if message.contains("/invite")),
        "{private:?}"
    );
    let missing = channels::add(profile, add(&team, "#no-such-channel", &[], true))
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, Error::InvalidInput { message, .. } if message.contains("sync the directory")),
        "{missing:?}"
    );
    let twice = channels::add(profile, add(&team, "#channel-000003", &[], false))
        .await
        .unwrap_err();
    assert!(matches!(twice, Error::InvalidInput { .. }), "{twice:?}");

    // An invoice reaches #channel-000003 only; #channel-000001 says why not.
    let (receipt, duplicate) = ingest::receive(profile, invoice("inv-1"), Source::Ingest).unwrap();
    assert!(!duplicate);
    let outcomes: Vec<_> = receipt
        .routes
        .iter()
        .map(|r| {
            (
                r.channel.as_deref().unwrap_or(""),
                r.outcome,
                r.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("#channel-000001", "skipped", "kind_off"),
            ("#channel-000003", "queued", "kind_on"),
        ]
    );
    assert!(
        receipt.routes[0].sentence.contains("switch it on"),
        "{:?}",
        receipt.routes[0]
    );
    let queued = receipt.routes[1].outbox_id.expect("an outbox row");
    let payload: String = world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            let threaded: bool = c.query_row(
                "SELECT count(*) = 1 FROM outbox WHERE id = ?1 AND state = 'pending' AND thread_key = 'invoice:1042'",
                [queued],
                |r| r.get(0),
            )?;
            assert!(threaded, "queued, pending, in the invoice's thread");
            switchboard_store::outbox::payload(c, queued)
        })
        .unwrap()
        .expect("the message");
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert!(
        payload["text"].as_str().unwrap().contains("1042"),
        "the rendered message names the invoice: {payload}"
    );

    // The same id again: the same answer, nothing new queued.
    let (again, duplicate) = ingest::receive(profile, invoice("inv-1"), Source::Cli).unwrap();
    assert!(duplicate);
    assert_eq!(again, receipt);
    assert_eq!(
        world.count("SELECT count(*) FROM outbox WHERE team_id = ?1", &team),
        1
    );

    // The same id for a different event is refused, naming the id.
    let mut other = invoice("inv-1");
    other
        .data
        .insert("number".into(), serde_json::json!("1043"));
    let conflict = ingest::receive(profile, other, Source::Ingest).unwrap_err();
    assert!(
        matches!(&conflict, Error::InvalidInput { field: "id", message } if message.contains("different event")),
        "{conflict:?}"
    );

    // Switched off in the channel, and the channel disabled: skipped, with the reason.
    channels::change(
        profile,
        sales.id,
        Change::Kinds(vec![EventKind::InvoiceSent], false),
    )
    .unwrap();
    let (off, _) = ingest::receive(profile, invoice("inv-2"), Source::Ingest).unwrap();
    assert!(
        off.routes.iter().any(|r| r.reason == "no_channel"),
        "{off:?}"
    );
    channels::change(
        profile,
        sales.id,
        Change::Kinds(vec![EventKind::InvoiceSent], true),
    )
    .unwrap();
    channels::change(profile, sales.id, Change::Enabled(false)).unwrap();
    let (disabled, _) = ingest::receive(profile, invoice("inv-3"), Source::Ingest).unwrap();
    assert!(
        disabled
            .routes
            .iter()
            .any(|r| r.reason == "channel_disabled" && r.outcome == "skipped"),
        "{disabled:?}"
    );
    channels::change(profile, sales.id, Change::Enabled(true)).unwrap();

    // The default channel catches kinds no channel takes.
    channels::change(profile, ops.id, Change::Default(true)).unwrap();
    let (caught, _) =
        ingest::receive(profile, sample(EventKind::ItemReorderLevel), Source::Ingest).unwrap();
    assert!(
        caught
            .routes
            .iter()
            .any(|r| r.channel.as_deref() == Some("#channel-000001")
                && r.reason == "default_channel"),
        "{caught:?}"
    );

    // The integration switched off: a pending message is held, new events queue nothing.
    let state = channels::set_integration(profile, false).unwrap();
    assert!(!state.enabled);
    assert_eq!(
        state.held, 2,
        "the invoice and the reorder message were waiting"
    );
    let (skipped, _) = ingest::receive(profile, invoice("inv-4"), Source::Ingest).unwrap();
    assert!(
        skipped
            .routes
            .iter()
            .any(|r| r.reason == "integration_off" && r.outbox_id.is_none()),
        "{skipped:?}"
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM outbox WHERE team_id = ?1 AND state = 'pending'",
            &team
        ),
        0
    );
    assert!(channels::set_integration(profile, true).unwrap().enabled);

    // Every change was audited, with its old and new value, in order.
    let entries: Vec<(String, String, Option<String>, Option<String>)> = profile
        .db()
        .unwrap()
        .read(|c| {
            let mut statement = c.prepare(
                "SELECT action, subject, old_value, new_value FROM audit_log
                 WHERE action LIKE 'channel.%' OR subject = 'Slack integration' ORDER BY id",
            )?;
            let rows =
                statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(switchboard_store::Error::from)
        })
        .unwrap();
    let s = |v: &str| Some(v.to_owned());
    let sales_subject = "#channel-000003 (Large Co)".to_owned();
    assert_eq!(
        entries,
        [
            (
                "channel.added".into(),
                sales_subject.clone(),
                None,
                s("invoice.sent")
            ),
            (
                "channel.added".into(),
                "#channel-000001 (Large Co)".into(),
                None,
                s("client.created")
            ),
            (
                "channel.kinds".into(),
                sales_subject.clone(),
                s("invoice.sent"),
                s("")
            ),
            (
                "channel.kinds".into(),
                sales_subject.clone(),
                s(""),
                s("invoice.sent")
            ),
            (
                "channel.enabled".into(),
                sales_subject.clone(),
                s("true"),
                s("false")
            ),
            (
                "channel.enabled".into(),
                sales_subject.clone(),
                s("false"),
                s("true")
            ),
            (
                "channel.default".into(),
                "#channel-000001 (Large Co)".into(),
                s("false"),
                s("true")
            ),
            (
                "setting.changed".into(),
                "Slack integration".into(),
                s("on"),
                s("off")
            ),
            (
                "setting.changed".into(),
                "Slack integration".into(),
                s("off"),
                s("on")
            ),
        ]
    );
    // A change that changes nothing is not recorded.
    channels::change(profile, sales.id, Change::Enabled(true)).unwrap();
    assert_eq!(
        world.count(
            "SELECT count(*) FROM audit_log WHERE action = 'channel.enabled' AND ?1 = ?1",
            ""
        ),
        2
    );

    // Removing a channel discards what still waits for it; the rows stay as history.
    channels::remove(profile, sales.id).unwrap();
    assert_eq!(
        world.count("SELECT count(*) FROM outbox WHERE team_id = ?1", &team),
        2
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM outbox WHERE team_id = ?1 AND state = 'discarded'",
            &team
        ),
        1
    );
    assert_eq!(channels::list(profile).unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_events_are_refused_naming_the_field_and_nothing_is_stored() {
    let (world, _team) = world().await;
    let mut bad = invoice("bad-1");
    bad.data.insert("amount".into(), serde_json::json!("12,50"));
    let error = ingest::receive(&world.profile, bad, Source::Ingest).unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidInput {
                field: "data.amount",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        world.count("SELECT count(*) FROM event WHERE ?1 = ?1", ""),
        0
    );

    let batch = vec![invoice("b-1"), {
        let mut e = invoice("b-2");
        e.kind = "invoice.paid".into();
        e
    }];
    let results = ingest::receive_batch(&world.profile, batch, Source::Ingest).unwrap();
    assert!(results[0].is_ok());
    assert!(matches!(
        results[1],
        Err(Error::InvalidInput { field: "kind", .. })
    ));
    assert_eq!(
        world.count("SELECT count(*) FROM event WHERE ?1 = ?1", ""),
        1
    );
}

#[tokio::test]
async fn a_long_batch_is_stored_in_order_and_an_id_repeated_within_it_is_taken_once() {
    let (world, team) = world().await;
    let profile = &world.profile;
    let sales = channels::add(
        profile,
        add(&team, "#channel-000003", &[EventKind::InvoiceSent], false),
    )
    .await
    .unwrap();

    // Long enough to be routed and rendered on the helper thread.
    let mut batch: Vec<IncomingEvent> = (0..60).map(|i| invoice(&format!("long-{i}"))).collect();
    batch[10] = invoice("long-3"); // the same event as number 3
    batch[20] = {
        let mut other = invoice("long-4"); // number 4's id, another event
        other
            .data
            .insert("number".into(), serde_json::json!("9999"));
        other
    };
    let results = ingest::receive_batch(profile, batch, Source::Ingest).unwrap();
    assert_eq!(results.len(), 60);
    let (third, repeated) = results[3].as_ref().unwrap();
    assert!(!repeated);
    let (again, repeated) = results[10].as_ref().unwrap();
    assert!(repeated, "the repeat is answered as a repeat");
    assert_eq!(again, third, "with the same receipt");
    assert!(
        matches!(&results[20], Err(Error::InvalidInput { field: "id", message })
            if message.contains("already used for a different event")),
        "{:?}",
        results[20]
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM event WHERE idempotency_key LIKE ?1",
            "long-%"
        ),
        58,
        "60 events, one repeated and one refused"
    );
    // Stored, and queued, in the order they arrived.
    let ids: Vec<i64> = results
        .iter()
        .enumerate()
        .filter(|(at, _)| *at != 10 && *at != 20)
        .map(|(_, r)| r.as_ref().unwrap().0.routes[0].outbox_id.unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(
        results[0]
            .as_ref()
            .unwrap()
            .0
            .routes
            .iter()
            .any(|r| r.notification_channel_id == Some(sales.id) && r.outcome == "queued"),
    );
}
