//! The crash test: a headless delivery process (`switchboard outbox deliver --until-idle`) is
//! killed with SIGKILL while it sends 1,000 messages, then started again; the emulator's record
//! must show every message exactly once, in order per channel. Run under scripts/with-keyring
//! (`make test` does): the workspace's token lives in the real Secret Service.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use slack_emulator::{Config, Emulator, Seed};
use switchboard_core::EventKind;
use switchboard_core::catalog::sample;
use switchboard_core::ingest::{self, Source};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};

const EVENTS: usize = 100;
const CHANNELS: usize = 10;

fn switchboard(data: &str, api: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .args([
            "--data-dir",
            data,
            "--slack-api-base",
            api,
            "--slack-no-pacing",
        ])
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}

fn ok(mut command: Command) -> String {
    let output = command.output().expect("running switchboard");
    assert!(
        output.status.success(),
        "{}. Run the tests under scripts/with-keyring (make test does).",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn slack_messages(emulator: &Emulator) -> Vec<Value> {
    let answer: Value = reqwest::get(format!("{}/_emulator/messages", emulator.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["messages"].as_array().unwrap().clone()
}

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
    let seeded = emulator.workspaces();
    let team = seeded["workspaces"][0]["team_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bot = seeded["workspaces"][0]["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().to_str().unwrap().to_owned();
    let api = emulator.api_base();

    let mut connect = switchboard(&data, &api, &["workspace", "connect", "--token-stdin"]);
    connect
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = connect.spawn().unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(bot.as_bytes())
            .unwrap();
    }
    let connected = child.wait_with_output().unwrap();
    assert!(
        connected.status.success(),
        "{}. Run the tests under scripts/with-keyring (make test does).",
        String::from_utf8_lossy(&connected.stderr)
    );
    ok(switchboard(&data, &api, &["workspace", "sync", &team]));

    // Ten public channels, each taking invoices (the app joins those it is not in).
    let mut added = 0;
    for n in 1..40 {
        if added == CHANNELS {
            break;
        }
        let name = format!("#channel-{n:06}");
        let output = switchboard(
            &data,
            &api,
            &[
                "channel",
                "add",
                "--team",
                &team,
                "--channel",
                &name,
                "--kinds",
                "invoices",
            ],
        )
        .output()
        .unwrap();
        if output.status.success() {
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
    let mut deliver = switchboard(&data, &api, &["outbox", "deliver", "--until-idle"]);
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
    let out = ok(switchboard(
        &data,
        &api,
        &["outbox", "deliver", "--until-idle", "--json"],
    ));
    let summary: Value = serde_json::from_str(&out).unwrap();
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
    let listed: Value = serde_json::from_str(&ok(switchboard(
        &data,
        &api,
        &[
            "outbox", "list", "--state", "sent", "--limit", "5000", "--json",
        ],
    )))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), EVENTS * CHANNELS);
    println!(
        "killed at {at_kill} of {} messages; the restart sent the rest",
        EVENTS * CHANNELS
    );
}
