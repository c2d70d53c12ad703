//! Benchmark (prints figures; asserts nothing about speed): pages a large workspace's whole
//! directory — 100,000 channels and 50,000 users by default — from the Slack emulator with
//! rate limits off, through the client with pacing off, and prints wall time, requests made
//! and the peak memory of the client and of the emulator.
//!
//! `make bench` runs it; alone: `cargo build --release -p slack-emulator &&
//! cargo bench -p switchboard-slack --bench directory`. `BENCH_CHANNELS`, `BENCH_USERS` and
//! `SLACK_EMULATOR_BIN` override the defaults.

use std::time::Instant;

use slack_emulator::process;

use switchboard_slack::api::conversations::ListConversations;
use switchboard_slack::api::users::ListUsers;
use switchboard_slack::{ClientConfig, SlackClient, Token};

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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

    let seeding = Instant::now();
    let emulator = process::EmulatorProcess::start(
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
    let seeded_in = seeding.elapsed();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let result = runtime.block_on(async {
        let workspaces: serde_json::Value = reqwest::get(format!("{base}/_emulator/workspaces"))
            .await?
            .json()
            .await?;
        let token = Token::new(
            workspaces["workspaces"][0]["bot_token"]
                .as_str()
                .unwrap_or_default(),
        );
        let mut config = ClientConfig::with_base_url(&format!("{base}/api/")).expect("a base URL");
        config.pacing = false;
        let client = SlackClient::new(config).expect("a client");

        let started = Instant::now();
        let mut pages = client.conversations_list_pages(
            &token,
            ListConversations {
                types: "public_channel,private_channel".into(),
                limit: 1000,
                ..Default::default()
            },
        );
        let mut channel_count = 0usize;
        while let Some(page) = pages.next_page().await {
            channel_count += page.expect("a page of channels").data.channels.len();
        }
        let channel_requests = pages.pages_fetched();
        let channels_took = started.elapsed();

        let started = Instant::now();
        let mut pages = client.users_list_pages(
            &token,
            ListUsers {
                limit: 1000,
                cursor: None,
            },
        );
        let mut user_count = 0usize;
        while let Some(page) = pages.next_page().await {
            user_count += page.expect("a page of users").data.members.len();
        }
        let user_requests = pages.pages_fetched();
        let users_took = started.elapsed();
        let stats: serde_json::Value = reqwest::get(format!("{base}/_emulator/stats"))
            .await?
            .json()
            .await?;
        Ok::<_, reqwest::Error>((
            channel_count,
            channel_requests,
            channels_took,
            user_count,
            user_requests,
            users_took,
            stats,
        ))
    });
    let emulator_peak = emulator.peak_mib();
    drop(emulator);
    let (
        channel_count,
        channel_requests,
        channels_took,
        user_count,
        user_requests,
        users_took,
        stats,
    ) = result.expect("talking to the emulator");

    println!(
        "Directory paging through switchboard-slack (emulator: {channels} channels, {users} users, limits off; client pacing off)"
    );
    println!(
        "  emulator seeded and listening in   {:>8.2} s",
        seeded_in.as_secs_f64()
    );
    println!(
        "  conversations.list: {channel_count:>7} channels in {channel_requests:>4} requests, {:>6.2} s ({:.0} channels/s)",
        channels_took.as_secs_f64(),
        channel_count as f64 / channels_took.as_secs_f64()
    );
    println!(
        "  users.list:         {user_count:>7} users    in {user_requests:>4} requests, {:>6.2} s ({:.0} users/s)",
        users_took.as_secs_f64(),
        user_count as f64 / users_took.as_secs_f64()
    );
    println!(
        "  total wall time {:.2} s, requests made {} (emulator counted {})",
        (channels_took + users_took).as_secs_f64(),
        channel_requests + user_requests,
        stats["total_requests"]
    );
    println!(
        "  peak memory: client {:.1} MiB, emulator {:.1} MiB",
        process::peak_mib("self"),
        emulator_peak
    );
}
