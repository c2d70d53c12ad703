//! Benchmark (prints figures; asserts nothing about speed): syncs a large workspace's
//! directory — 100,000 channels and 50,000 users by default — from the Slack emulator (a
//! separate process, rate limits off) into a fresh SQLite store through `directory::sync`
//! with client pacing off, then measures the channel picker's search at that size.
//!
//! `make bench` runs it; alone: `cargo build --release -p slack-emulator &&
//! cargo bench -p switchboard-core --bench sync`. `BENCH_CHANNELS`, `BENCH_USERS` and
//! `SLACK_EMULATOR_BIN` override the defaults.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use slack_emulator::process::{self, EmulatorProcess};
use switchboard_core::directory;
use switchboard_slack::{ClientConfig, SlackClient, Token};
use switchboard_store::{Store, directory as cache};
use tokio_util::sync::CancellationToken;

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let channels = env_number("BENCH_CHANNELS", 100_000);
    let users = env_number("BENCH_USERS", 50_000);
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
            &channels.to_string(),
            "--users",
            &users.to_string(),
            "--no-rate-limits",
        ],
    )
    .expect("starting the emulator");
    let base = emulator.base_url.clone();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(dir.path()).expect("a store");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    let (token, team_id) = runtime.block_on(async {
        let seeded: serde_json::Value = reqwest::get(format!("{base}/_emulator/workspaces"))
            .await
            .expect("the emulator answers")
            .json()
            .await
            .expect("JSON");
        let first = &seeded["workspaces"][0];
        (
            Token::new(first["bot_token"].as_str().unwrap_or_default()),
            first["team_id"].as_str().unwrap_or_default().to_owned(),
        )
    });
    store
        .conn()
        .execute(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at) VALUES (?1, 'Large', 'large', 0, 0)",
            [&team_id],
        )
        .expect("a workspace row");
    let store = Mutex::new(store);
    let mut config = ClientConfig::with_base_url(&format!("{base}/api/")).expect("a base URL");
    config.pacing = false;
    let client = SlackClient::new(config).expect("a client");

    let sync = |label: &str| {
        let started = Instant::now();
        let summary = runtime
            .block_on(directory::sync(
                &client,
                &token,
                &team_id,
                &store,
                &CancellationToken::new(),
                switchboard_store::now_ms,
                |_| {},
            ))
            .expect("the sync")
            .expect("not cancelled");
        let took = started.elapsed();
        println!(
            "  {label:<22} {:>7} channels + {:>6} users in {:>4} requests, {:>6.2} s",
            summary.channels,
            summary.users,
            summary.pages,
            took.as_secs_f64()
        );
    };
    println!(
        "Directory sync into SQLite (emulator: {channels} channels, {users} users, limits off; client pacing off)"
    );
    sync("first sync");
    sync("second sync (no change)");
    let db_size = std::fs::metadata(dir.path().join(switchboard_store::DB_FILE_NAME))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(dir.path().join("switchboard.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "  peak memory: Switchboard (client + store) {:.1} MiB, emulator {:.1} MiB; database {:.1} MiB",
        process::peak_mib("self"),
        emulator.peak_mib(),
        db_size as f64 / (1024.0 * 1024.0)
    );
    drop(emulator);

    let store = store.into_inner().expect("the store");
    let (live, _) = cache::counts(store.conn(), &team_id).expect("counts");
    let before = process::peak_mib("self");
    let started = Instant::now();
    let index = directory::ChannelIndex::load(store.conn(), &team_id).expect("the index");
    println!(
        "Channel picker over {live} cached channels: index built in {:.0} ms (peak memory {before:.1} → {:.1} MiB)",
        started.elapsed().as_secs_f64() * 1000.0,
        process::peak_mib("self")
    );
    println!("  search (median of 25, 100 rows a window)      in Rust (the picker)   in SQLite");
    let cases: [(&str, &str, u64); 7] = [
        ("no filter, first window", "", 0),
        ("no filter, deep window", "", 90_000),
        ("common substring", "channel-0", 0),
        ("narrow substring", "04242", 0),
        ("one match", "#general", 0),
        ("no match", "zzz-nothing", 0),
        ("common, deep window", "channel", 60_000),
    ];
    for (label, query, offset) in cases {
        let mut total = 0;
        let sql = (0..25)
            .map(|_| {
                let started = Instant::now();
                let window =
                    cache::search_channels(store.conn(), &team_id, query, false, offset, 100)
                        .expect("a search");
                total = window.total;
                started.elapsed()
            })
            .collect();
        // The first search of a query filters every name; scrolling the same query reuses it.
        index.forget_matches();
        let started = Instant::now();
        let first = index.search(query, false, offset, 100);
        let first_took = started.elapsed();
        assert_eq!(first.total, total, "the index agrees with SQLite");
        let scroll = (0..25)
            .map(|i| {
                let started = Instant::now();
                index.search(query, false, offset + i * 100, 100);
                started.elapsed()
            })
            .collect();
        println!(
            "  {label:<26} {query:<12} {total:>6} matches  new {:>5.2} ms, scroll {:>5.3} ms   {:>6.2} ms",
            first_took.as_secs_f64() * 1000.0,
            median(scroll).as_secs_f64() * 1000.0,
            median(sql).as_secs_f64() * 1000.0
        );
    }
}
