//! Benchmark of Socket Mode (prints figures and whether each target is met; asserts nothing
//! about speed). The emulator runs as a separate process and measures each ack from the moment
//! it wrote the envelope to the socket until the ack arrived; Switchboard runs its real
//! connection and handler under the supervisor, into a SQLite store on disk.
//!
//! 1. **Ack latency at 100 envelopes/s**: direct messages to the app (`events_api`
//!    envelopes), open loop (each sent at its scheduled time, whatever came of the earlier
//!    ones), 30 s. Target: p99 ack ≤ 50 ms.
//! 2. **Throughput**: 5,000 direct messages sent as fast as the emulator takes them (32 at a
//!    time); envelopes handled per second is 5,000 ÷ the time from the first send until the
//!    last is stored, acknowledged and handled. No target; the figure is in README.
//!
//! Every envelope must be handled exactly once: the bench counts rows and fails loudly if one
//! is missing or doubled. `make bench` runs it; alone: `cargo build --release -p
//! slack-emulator && cargo bench -p switchboard-core --bench socket`. `BENCH_SOCKET_SECONDS`
//! (default 30) and `BENCH_SOCKET_BURST` (default 5,000) override the sizes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use slack_emulator::process::{self, EmulatorProcess};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_core::socket_mode::SocketState;
use switchboard_core::supervisor::Supervisor;
use switchboard_core::workspaces::{self, BotTokenPaste};
use tokio::task::JoinSet;

/// The allocator the `switchboard` binary uses (`src-tauri/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}/_emulator/{path}"))
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("JSON")
}

async fn post(client: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    client
        .post(format!("{base}/_emulator/{path}"))
        .json(&body)
        .send()
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("JSON")
}

fn handled(profile: &Profile) -> i64 {
    profile
        .db()
        .expect("a database")
        .read(|c| {
            c.query_row(
                "SELECT count(*) FROM inbound WHERE handled_at IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(switchboard_store::Error::from)
        })
        .expect("counted")
}

fn rows(profile: &Profile) -> i64 {
    profile
        .db()
        .expect("a database")
        .read(|c| {
            c.query_row("SELECT count(*) FROM inbound", [], |r| r.get(0))
                .map_err(switchboard_store::Error::from)
        })
        .expect("counted")
}

async fn until_handled(profile: &Profile, count: i64) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(300);
    while handled(profile) < count {
        assert!(Instant::now() < deadline, "envelopes were not all handled");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Instant::now()
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn main() {
    let binary = process::binary_beside_current_exe();
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo build --release -p slack-emulator` first",
        binary.display()
    );
    let emulator = EmulatorProcess::start(
        &binary,
        &[
            "--seed",
            "large",
            "--channels",
            "20",
            "--users",
            "20",
            "--no-rate-limits",
        ],
    )
    .expect("starting the emulator");
    let base = emulator.base_url.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a directory");
    runtime.block_on(async move {
        let profile = Arc::new(Profile::open(ProfileConfig {
            secrets: SecretsIn::Memory,
            ..ProfileConfig::new(
                dir.path().to_path_buf(),
                Endpoints::new(&format!("{base}/api/"), &format!("{base}/")).expect("endpoints"),
            )
        }));
        let seeded = get(&base, "workspaces").await;
        let first = &seeded["workspaces"][0];
        let team = first["team_id"].as_str().expect("a team").to_owned();
        workspaces::connect_bot_token(
            &profile,
            &BotTokenPaste {
                token: first["bot_token"].as_str().expect("a token").to_owned(),
                refresh_token: None,
            },
        )
        .await
        .expect("connected");
        switchboard_core::slack_app::set_app_token(
            &profile,
            first["app_token"].as_str(),
        )
        .await
        .expect("the app-level token is accepted");
        let client = reqwest::Client::new();
        let user = post(
            &client,
            &base,
            "users",
            json!({"team_id": team, "name": "ann", "real_name": "Ann", "email": "ann@example.com"}),
        )
        .await["user_id"]
            .as_str()
            .expect("a user")
            .to_owned();
        let supervisor = Supervisor::start(profile.clone());
        let deadline = Instant::now() + Duration::from_secs(20);
        while profile.socket_status().state != SocketState::Connected {
            assert!(Instant::now() < deadline, "{:?}", profile.socket_status());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // 1. Ack latency at 100 envelopes/s, open loop.
        let seconds = env_number("BENCH_SOCKET_SECONDS", 30);
        let count = seconds * 100;
        let start = tokio::time::Instant::now();
        let mut sends = JoinSet::new();
        for i in 0..count {
            let (client, base, team, user) = (client.clone(), base.clone(), team.clone(), user.clone());
            let at = start + Duration::from_millis(i as u64 * 10);
            sends.spawn(async move {
                tokio::time::sleep_until(at).await;
                post(&client, &base, "socket/dm", json!({"team_id": team, "user_id": user, "text": format!("hello {i}")})).await
            });
        }
        while let Some(sent) = sends.join_next().await {
            assert_eq!(sent.expect("sent")["ok"], true);
        }
        until_handled(&profile, count as i64).await;
        let stats = get(&base, "stats").await["socket"].clone();
        let ack = &stats["ack_ms"];
        let p99 = ack["p99"].as_f64().unwrap_or(f64::MAX);
        println!(
            "ack latency at 100 envelopes/s: {count} envelopes over {seconds} s; p50 {:.2} ms, p99 {p99:.2} ms, max {:.2} ms; retried {}, lost {}; target p99 ≤ 50 ms: {}",
            ack["p50"].as_f64().unwrap_or(0.0),
            ack["max"].as_f64().unwrap_or(0.0),
            stats["retried"],
            stats["lost"],
            verdict(p99 <= 50.0)
        );

        // 2. Throughput.
        let burst = env_number("BENCH_SOCKET_BURST", 5_000);
        let before = handled(&profile);
        let began = Instant::now();
        let mut sends = JoinSet::new();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..32 {
            let (client, base, team, user, next) =
                (client.clone(), base.clone(), team.clone(), user.clone(), next.clone());
            sends.spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= burst {
                        return;
                    }
                    let sent = post(&client, &base, "socket/dm", json!({"team_id": team, "user_id": user, "text": format!("burst {i}")})).await;
                    assert_eq!(sent["ok"], true, "{sent}");
                }
            });
        }
        while let Some(done) = sends.join_next().await {
            done.expect("sent");
        }
        let sent_in = began.elapsed();
        let finished = until_handled(&profile, before + burst as i64).await;
        let took = finished - began;
        let stats = get(&base, "stats").await["socket"].clone();
        println!(
            "throughput: {burst} envelopes handled in {:.2} s = {:.0} envelopes/s (sending them took {:.2} s); ack p99 over both parts {:.2} ms",
            took.as_secs_f64(),
            burst as f64 / took.as_secs_f64(),
            sent_in.as_secs_f64(),
            stats["ack_ms"]["p99"].as_f64().unwrap_or(0.0)
        );
        let total = (count + burst) as i64;
        assert_eq!(rows(&profile), total, "every envelope kept exactly once");
        assert_eq!(stats["lost"], 0, "{stats}");
        println!("exactly once: {total} envelopes, {total} rows, 0 lost");
        supervisor.shutdown().await;
    });
    drop(emulator);
}
