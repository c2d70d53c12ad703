//! The crash test: a headless delivery process (`switchboard outbox deliver --until-idle`) is
//! killed with SIGKILL while it sends 1,000 messages, then started again; the emulator's record
//! must show every message exactly once, in order per channel. Run under scripts/with-keyring
//! (`make test` does): the workspace's token lives in the real Secret Service.

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Switchboard, first_workspace, slack_messages};
use serde_json::Value;
use slack_emulator::{Config, Emulator, Seed};
use switchboard_core::EventKind;
use switchboard_core::catalog::sample;
use switchboard_core::ingest::{self, Source};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};

const EVENTS: usize = 100;
const CHANNELS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_process_killed_mid_run_leaves_every_message_exactly_once_in_order() {
    let emulator = Emulator::start_with(
        "127.0.0.1:0".parse().unwrap(),
        Config {
            seed: Seed::Large {
                channels: 40,
                users: 10,
            },
            rate_limits: false,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let (team, bot) = first_workspace(&emulator);
    let tmp = tempfile::tempdir().unwrap();
    let api = emulator.api_base();
    let app = Switchboard {
        data: tmp.path().to_str().unwrap().to_owned(),
        api: api.clone(),
        pacing: false,
    };
    app.connect(&bot);
    app.ok(&["workspace", "sync", &team]);

    // Ten public channels, each taking invoices (the app joins those it is not in).
    let mut added = 0;
    for n in 1..40 {
        if added == CHANNELS {
            break;
        }
        let name = format!("#channel-{n:06}");
        let (code, _, _) = app.run(&[
            "channel",
            "add",
            "--team",
            &team,
            "--channel",
            &name,
            "--kinds",
            "invoices",
        ]);
        if code == Some(0) {
            added += 1;
        }
    }
    assert_eq!(added, CHANNELS, "ten channels were added");

    // 100 invoice events: 1,000 messages queued, received through core as the ingest API does.
    {
        let profile = Profile::open(ProfileConfig {
            secrets: SecretsIn::Memory,
            ..ProfileConfig::new(
                tmp.path().to_path_buf(),
                Endpoints::new(&api, &format!("{}/", emulator.base_url())).unwrap(),
            )
        });
        let batch = (0..EVENTS)
            .map(|i| {
                let mut event = sample(EventKind::InvoiceSent);
                event.id = format!("crash-{i}");
                event
                    .data
                    .insert("number".into(), Value::from(format!("{}", 7000 + i)));
                event
            })
            .collect();
        let results = ingest::receive_batch(&profile, batch, Source::Ingest).unwrap();
        assert!(results.iter().all(Result::is_ok));
    }

    // Deliver, and kill the process once a third of the messages are in Slack.
    let mut deliver = app.command(&["outbox", "deliver", "--until-idle"]);
    deliver.stdout(Stdio::null()).stderr(Stdio::null());
    let mut first = deliver.spawn().unwrap();
    let started = Instant::now();
    loop {
        let count = slack_messages(&emulator).await.len();
        if count >= 300 {
            break;
        }
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before the kill"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "delivery stalled at {count}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let at_kill = slack_messages(&emulator).await.len();
    assert!(
        at_kill < EVENTS * CHANNELS,
        "killed mid-run ({at_kill} sent)"
    );

    // Restarted, it finishes the job.
    let summary = app.json(&["outbox", "deliver", "--until-idle", "--json"]);
    assert_eq!(summary["failed"], 0, "{summary}");

    let messages = slack_messages(&emulator).await;
    let mut by_channel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for m in &messages {
        let id = m["metadata"]["event_payload"]["outbox_id"]
            .as_i64()
            .expect("our metadata");
        by_channel
            .entry(m["channel"].as_str().unwrap().to_owned())
            .or_default()
            .push(id);
    }
    assert_eq!(
        messages.len(),
        EVENTS * CHANNELS,
        "every message exactly once"
    );
    assert_eq!(by_channel.len(), CHANNELS);
    for (channel, ids) in &by_channel {
        assert_eq!(ids.len(), EVENTS, "{channel}");
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "{channel} is in order: {ids:?}"
        );
    }
    let listed = app.json(&[
        "outbox", "list", "--state", "sent", "--limit", "5000", "--json",
    ]);
    assert_eq!(listed.as_array().unwrap().len(), EVENTS * CHANNELS);
    println!(
        "killed at {at_kill} of {} messages; the restart sent the rest",
        EVENTS * CHANNELS
    );
}
