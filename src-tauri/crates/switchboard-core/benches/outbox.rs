//! Benchmark of the outbox (prints figures and whether each target is met; asserts nothing
//! about speed):
//!
//! 1. **Ingest throughput**: events received in batches of 500 through `ingest::receive_batch`
//!    (what `POST /v1/events/batch` calls) into a profile with 30 notification channels: each
//!    event is validated, routed over all 30 channels (every decision stored), rendered and
//!    queued. Target: ≥ 10,000 events/s.
//! 2. **Ingest latency**: single events through the real HTTP front door (`POST /v1/events`,
//!    bearer token, loopback) at 1,000 events/s, open loop (each request leaves at its
//!    scheduled time whether or not earlier ones were answered). Target: p99 ≤ 20 ms.
//! 3. **Activity at 100,000 events**: the same database topped up to 100,000 events, then
//!    the timeline's pages and filters and an event's story, timed. Target: each ≤ 100 ms.
//! 4. **Delivery under Slack's limits**: 1,300 messages over 30 channels, delivered by the
//!    worker with the client's pacing, to an emulator (a separate process) enforcing Slack's
//!    `chat.postMessage` limits (about one a second per channel, 300 a minute per workspace
//!    with a burst of 100). Reports the share of the rate those limits allow (the least time
//!    they allow for 1,300 messages ÷ the time taken), the calls answered 429, and the
//!    messages lost or duplicated per the emulator's record. Targets: ≥ 95%, ≤ 1% 429s,
//!    0 lost, 0 duplicated.
//!
//! 5. **Direct messages with channel posts**: 1,000 direct messages to 100 linked staff members
//!    (10 each: `conversations.open` once per member, then `chat.postMessage` into the DM) and
//!    300 channel posts over the 30 channels, delivered together under the same limits. The
//!    least time is the workspace's `chat.postMessage` bucket for 1,300 posts, or the
//!    `conversations.open` tier (50 a minute) for 100 opens, whichever is longer. Same targets.
//!
//! `make bench` runs it; alone: `cargo build --release -p slack-emulator && cargo bench -p
//! switchboard-core --bench outbox`. `BENCH_INGEST_EVENTS` (per round, default 20,000),
//! `BENCH_INGEST_ROUNDS` (default 3; the target is judged on the median round),
//! `BENCH_LATENCY_EVENTS` (per round, default 5,000; 3 rounds, `BENCH_LATENCY_ROUNDS`, the
//! target judged on the median p99) and `SLACK_EMULATOR_BIN` override the defaults;
//! `BENCH_SKIP_DELIVERY=1` stops after the ingest figures (the delivery part takes 4 minutes,
//! as Slack's limits do); `BENCH_ONLY_DMS=1` runs part 5 alone (4 minutes too).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use slack_emulator::process::{self, EmulatorProcess};
use switchboard_core::catalog::{IncomingEvent, sample};
use switchboard_core::channels::{self, AddChannel};
use switchboard_core::ingest::{self, Source};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_core::workspaces::{self, BotTokenPaste};

/// The allocator the `switchboard` binary uses (`src-tauri/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use switchboard_core::{EventKind, delivery, directory, ingest_server, ingest_token};
use tokio_util::sync::CancellationToken;

const CHANNELS: usize = 30;
const MESSAGES: usize = 1_300;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn control(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}/_emulator/{path}"))
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("JSON")
}

/// A profile connected to the emulator's first workspace with 30 channels, channel `i` taking
/// `kinds(i)`.
async fn profile(
    base: &str,
    dir: &std::path::Path,
    kinds: impl Fn(usize) -> Vec<EventKind>,
) -> Arc<Profile> {
    let profile = Arc::new(Profile::open(ProfileConfig {
        secrets: SecretsIn::Memory,
        ..ProfileConfig::new(
            dir.to_path_buf(),
            Endpoints::new(&format!("{base}/api/"), &format!("{base}/")).expect("endpoints"),
        )
    }));
    let seeded = control(base, "workspaces").await;
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
    directory::sync_workspace(&profile, &team, |_| {})
        .await
        .expect("synced");
    let mut added = 0;
    let mut n = 0;
    while added < CHANNELS {
        n += 1;
        let request = AddChannel {
            team_id: team.clone(),
            channel: format!("#channel-{n:06}"),
            kinds: kinds(added),
            thread_per_object: true,
            join: true,
        };
        if channels::add(&profile, request).await.is_ok() {
            added += 1;
        }
        assert!(n < 200, "could not add {CHANNELS} channels");
    }
    profile
}

fn invoice(id: String, number: usize) -> IncomingEvent {
    let mut event = sample(EventKind::InvoiceSent);
    event.id = id;
    event
        .data
        .insert("number".into(), json!(number.to_string()));
    event
}

fn client(id: String) -> IncomingEvent {
    let mut event = sample(EventKind::ClientCreated);
    event.id = id;
    event
}

/// Tops the ingest database up to `total` events, gives its messages a realistic mix of states
/// (90% sent, 0.1% failed, the rest waiting), then times what the Activity view asks for: the
/// first page, a page half way down, each filter (a rare state, a channel, a channel's skips,
/// a group of kinds, a time window) and an event's story. Target: each ≤ 100 ms, the time
/// under which a list still feels instant as it pages in while scrolling.
fn activity_at_scale(profile: &Profile, kinds: &[EventKind], total: usize) {
    use switchboard_core::timeline::{self, TimelineQuery};
    let db = profile.db().expect("db");
    let count = |db: &switchboard_store::Db| -> usize {
        db.read(|c| {
            c.query_row("SELECT count(*) FROM event", [], |r| r.get::<_, i64>(0))
                .map_err(switchboard_store::Error::from)
        })
        .expect("count") as usize
    };
    let have = count(db);
    let events: Vec<IncomingEvent> = (have..total)
        .map(|i| {
            let mut event = sample(kinds[i % 12]);
            event.id = format!("a-{i}");
            event
        })
        .collect();
    for batch in events.chunks(ingest::MAX_BATCH) {
        ingest::receive_batch(profile, batch.to_vec(), Source::Ingest).expect("stored");
    }
    db.write(|tx| {
        tx.execute_batch(
            "UPDATE outbox SET state = 'sent', sent_at = updated_at,
                 permalink = 'https://example.slack.com/archives/' || target_id || '/p' || id
             WHERE id % 10 <> 0;
             UPDATE outbox SET state = 'failed', error_code = 'is_archived',
                 last_error = 'The channel is archived.' WHERE id % 1000 = 0;",
        )
        .map_err(switchboard_store::Error::from)
    })
    .expect("states");
    let events = count(db);
    let channel: i64 = db
        .read(|c| {
            c.query_row(
                "SELECT id FROM notification_channel ORDER BY id LIMIT 1 OFFSET 7",
                [],
                |r| r.get(0),
            )
            .map_err(switchboard_store::Error::from)
        })
        .expect("a channel");
    let newest = timeline::timeline(
        profile,
        &TimelineQuery {
            limit: 1,
            ..TimelineQuery::default()
        },
    )
    .expect("a page");
    let top = newest.entries[0].event_id;
    let received = newest.entries[0].received_at;
    let page = |query: TimelineQuery| TimelineQuery {
        limit: 200,
        ..query
    };
    let queries: Vec<(&str, TimelineQuery)> = vec![
        ("first page", page(TimelineQuery::default())),
        (
            "a page half way down",
            page(TimelineQuery {
                before: Some(top / 2),
                ..TimelineQuery::default()
            }),
        ),
        (
            "failed (0.1% of messages)",
            page(TimelineQuery {
                state: Some("failed".into()),
                ..TimelineQuery::default()
            }),
        ),
        (
            "one channel",
            page(TimelineQuery {
                channel: Some(channel),
                ..TimelineQuery::default()
            }),
        ),
        (
            "what one channel skipped",
            page(TimelineQuery {
                state: Some("skipped".into()),
                channel: Some(channel),
                ..TimelineQuery::default()
            }),
        ),
        (
            "sent to one channel",
            page(TimelineQuery {
                state: Some("sent".into()),
                channel: Some(channel),
                ..TimelineQuery::default()
            }),
        ),
        (
            "the invoices group",
            page(TimelineQuery {
                kinds: vec!["invoices".into()],
                ..TimelineQuery::default()
            }),
        ),
        (
            "a one-second window",
            page(TimelineQuery {
                since: Some(received - 1_000),
                until: Some(received),
                ..TimelineQuery::default()
            }),
        ),
    ];
    let mut worst = Duration::ZERO;
    let mut figures = Vec::new();
    for (name, query) in &queries {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..5 {
            let started = Instant::now();
            found = timeline::timeline(profile, query)
                .expect("a page")
                .entries
                .len();
            times.push(started.elapsed());
        }
        times.sort();
        worst = worst.max(times[2]);
        figures.push(format!(
            "{name} {:.1} ms ({found})",
            times[2].as_secs_f64() * 1000.0
        ));
    }
    let mut times = Vec::new();
    for i in 0..5 {
        let started = Instant::now();
        timeline::why(profile, top - i * 997).expect("a story");
        times.push(started.elapsed());
    }
    times.sort();
    worst = worst.max(times[2]);
    figures.push(format!(
        "an event's story {:.1} ms",
        times[2].as_secs_f64() * 1000.0
    ));
    println!(
        "activity: {events} events, pages of 200 (median of 5; events found): {}; target ≤ 100 ms each: {}",
        figures.join(", "),
        met(worst <= Duration::from_millis(100))
    );
}

/// CPU time this thread has used (user and system), from `/proc/thread-self/stat`, in the
/// kernel's clock ticks (100 a second on Linux).
fn thread_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |t| t.iter().filter_map(|v| v.parse::<u64>().ok()).sum());
    Duration::from_millis(ticks * 10)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
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
        &["--seed", "large", "--channels", "200", "--users", "50"],
    )
    .expect("starting the emulator");
    let base = emulator.base_url.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    // `BENCH_ONLY_DMS=1`: only part 5.
    if std::env::var_os("BENCH_ONLY_DMS").is_some() {
        let dm_dir = tempfile::tempdir().expect("a directory");
        runtime.block_on(direct_messages(&base, dm_dir.path()));
        return;
    }

    // 1. Ingest throughput.
    let events = env_number("BENCH_INGEST_EVENTS", 20_000);
    let ingest_dir = tempfile::tempdir().expect("a directory");
    // The 13 kinds routed by toggles, each switched on in two of the 30 channels (the last four
    // channels take inventory as well); events rotate over the first twelve kinds, so each is
    // routed over all 30 channels and queued for two.
    let kinds: Vec<EventKind> = EventKind::ALL
        .iter()
        .copied()
        .filter(|k| k.routing() == switchboard_core::event_kind::Routing::ToggledChannels)
        .collect();
    let ingest_profile = runtime.block_on(profile(&base, ingest_dir.path(), |i| {
        vec![kinds[i % kinds.len()]]
    }));
    // Rounds into the same database (it grows as it would), each timed on the wall clock and
    // on this thread's CPU clock: this machine is a shared virtual one, where the same round
    // takes from 1.5 to 2.3 s as neighbours come and go; the CPU time shows the work itself.
    let rounds = env_number("BENCH_INGEST_ROUNDS", 3).max(1);
    let mut rates = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let batches: Vec<Vec<IncomingEvent>> = (0..events)
            .map(|i| {
                let mut event = sample(kinds[i % 12]);
                event.id = format!("r{round}-t-{i}");
                event
            })
            .collect::<Vec<_>>()
            .chunks(ingest::MAX_BATCH)
            .map(<[IncomingEvent]>::to_vec)
            .collect();
        let cpu_started = thread_cpu_time();
        let started = Instant::now();
        for batch in batches {
            let results =
                ingest::receive_batch(&ingest_profile, batch, Source::Ingest).expect("stored");
            assert!(results.iter().all(Result::is_ok));
        }
        let elapsed = started.elapsed();
        let cpu = thread_cpu_time().saturating_sub(cpu_started);
        let rate = events as f64 / elapsed.as_secs_f64();
        rates.push(rate);
        println!(
            "ingest round {}: {events} events in batches of {} in {:.2} s = {rate:.0} events/s; {:.2} s of CPU = {:.0} events per CPU-second",
            round + 1,
            ingest::MAX_BATCH,
            elapsed.as_secs_f64(),
            cpu.as_secs_f64(),
            events as f64 / cpu.as_secs_f64().max(0.001)
        );
    }
    let (queued, sizes): (i64, [f64; 4]) = ingest_profile
        .db()
        .expect("db")
        .read(|c| {
            let queued = c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
            let sizes = c.query_row(
                "SELECT avg(length(payload_json)), avg(length(routes_json)),
                        avg(length(message_json)),
                        (SELECT avg(length(coalesce(payload_json, ''))) FROM outbox)
                 FROM event",
                [],
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
            )?;
            Ok::<_, switchboard_store::Error>((queued, sizes))
        })
        .expect("count");
    let mut sorted_rates = rates.clone();
    sorted_rates.sort_by(f64::total_cmp);
    let median = sorted_rates[sorted_rates.len() / 2];
    println!(
        "ingest: each event routed over {CHANNELS} channels, every decision stored, rendered once and queued for 2 or 3 ({queued} messages queued in all); median of {rounds} rounds {median:.0} events/s; target ≥ 10,000/s: {}",
        met(median >= 10_000.0)
    );
    println!(
        "ingest: bytes stored per event: payload {:.0}, routing decisions {:.0}, message {:.0}; per queued message {:.0} (its own payload, when it differs from its event's)",
        sizes[0], sizes[1], sizes[2], sizes[3]
    );

    // 2. Latency at 1,000 events/s through the HTTP front door.
    let latency_events = env_number("BENCH_LATENCY_EVENTS", 5_000);
    let latency_rounds = env_number("BENCH_LATENCY_ROUNDS", 3).max(1);
    let latencies = runtime.block_on(async {
        let token = ingest_token::rotate(&ingest_profile)
            .await
            .expect("a token");
        let server = ingest_server::Server::bind(ingest_profile.clone(), 0)
            .await
            .expect("bound");
        let url = format!("{}/v1/events", server.url());
        let shutdown = CancellationToken::new();
        let serving = tokio::spawn(server.run(shutdown.clone()));
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(256)
            .build()
            .expect("a client");
        let mut rounds = Vec::new();
        for round in 0..latency_rounds {
            let start = tokio::time::Instant::now();
            let mut requests = Vec::with_capacity(latency_events);
            for i in 0..latency_events {
                let at = start + Duration::from_micros(1_000 * i as u64);
                let http = http.clone();
                let url = url.clone();
                let token = token.expose().to_owned();
                let body = serde_json::to_vec(&invoice(
                    format!("l{round}-{i}"),
                    50_000 + round * latency_events + i,
                ))
                .expect("JSON");
                requests.push(tokio::spawn(async move {
                    tokio::time::sleep_until(at).await;
                    let sent = Instant::now();
                    let answer = http
                        .post(&url)
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("answered");
                    assert_eq!(answer.status(), 202);
                    sent.elapsed()
                }));
            }
            let mut latencies = Vec::with_capacity(latency_events);
            for request in requests {
                latencies.push(request.await.expect("a request"));
            }
            rounds.push(latencies);
        }
        shutdown.cancel();
        let _ = serving.await;
        rounds
    });
    let mut p99s = Vec::with_capacity(latency_rounds);
    for (round, latencies) in latencies.iter().enumerate() {
        let mut sorted = latencies.clone();
        sorted.sort();
        let (p50, p99) = (percentile(&sorted, 0.50), percentile(&sorted, 0.99));
        p99s.push(p99);
        println!(
            "ingest latency round {}: {latency_events} single events over HTTP at 1,000/s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            round + 1,
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        );
    }
    p99s.sort();
    let p99 = p99s[p99s.len() / 2];
    println!(
        "ingest latency: median p99 of {latency_rounds} rounds {:.2} ms; target p99 ≤ 20 ms: {}",
        p99.as_secs_f64() * 1000.0,
        met(p99 <= Duration::from_millis(20))
    );

    // 3. The Activity timeline over 100,000 events.
    activity_at_scale(
        &ingest_profile,
        &kinds,
        env_number("BENCH_TIMELINE_EVENTS", 100_000),
    );

    // 4. Delivery of 1,300 messages over 30 channels under Slack's limits.
    if std::env::var_os("BENCH_SKIP_DELIVERY").is_some() {
        return;
    }
    let delivery_dir = tempfile::tempdir().expect("a directory");
    let (summary, elapsed, stats, messages) = runtime.block_on(async {
        let profile = profile(&base, delivery_dir.path(), |i| {
            if i == 0 {
                vec![EventKind::ClientCreated, EventKind::InvoiceSent]
            } else {
                vec![EventKind::InvoiceSent]
            }
        })
        .await;
        // 43 invoices reach all 30 channels (1,290 messages); 10 clients reach the first.
        let per_channel = MESSAGES / CHANNELS;
        let mut batch: Vec<IncomingEvent> = (0..per_channel)
            .map(|i| invoice(format!("d-{i}"), 90_000 + i))
            .collect();
        batch.extend((0..MESSAGES - per_channel * CHANNELS).map(|i| client(format!("c-{i}"))));
        ingest::receive_batch(&profile, batch, Source::Ingest).expect("stored");
        let before = control(&base, "stats").await;
        let started = Instant::now();
        let summary = delivery::until_idle(profile.clone(), CancellationToken::new())
            .await
            .expect("delivered");
        let elapsed = started.elapsed();
        let after = control(&base, "stats").await;
        let count = |stats: &Value, key: &str| stats[key]["chat.postMessage"].as_u64().unwrap_or(0);
        let stats = (
            count(&after, "requests") - count(&before, "requests"),
            count(&after, "rate_limited") - count(&before, "rate_limited"),
        );
        let messages = control(&base, "messages").await["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (summary, elapsed, stats, messages)
    });
    let mut seen = HashSet::new();
    let mut duplicated = 0;
    let mut per_channel: BTreeMap<String, usize> = BTreeMap::new();
    for m in &messages {
        let Some(id) = m["metadata"]["event_payload"]["outbox_id"].as_i64() else {
            continue;
        };
        if !seen.insert(id) {
            duplicated += 1;
        }
        *per_channel
            .entry(m["channel"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let lost = MESSAGES.saturating_sub(seen.len());
    // The least time the emulator's limits allow: the workspace bucket (300/min, burst 100)
    // binds; no channel gets more than one a second.
    let allowed = (MESSAGES as f64 - 100.0) / 5.0;
    let share = allowed / elapsed.as_secs_f64() * 100.0;
    let (posts, limited) = stats;
    let limited_share = limited as f64 / posts.max(1) as f64 * 100.0;
    println!(
        "delivery: {MESSAGES} messages over {} channels in {:.1} s; Slack's limits allow it in {allowed:.1} s at the least: {share:.1}% of the allowed rate (target ≥ 95%: {}); {posts} chat.postMessage calls, {limited} answered 429 = {limited_share:.2}% (target ≤ 1%: {}); lost {lost}, duplicated {duplicated} (target 0: {}); worker: {summary:?}",
        per_channel.len(),
        elapsed.as_secs_f64(),
        met(share >= 95.0),
        met(limited_share <= 1.0),
        met(lost == 0 && duplicated == 0),
    );

    // 5. 1,000 direct messages to 100 members and 300 channel posts, delivered together.
    let dm_dir = tempfile::tempdir().expect("a directory");
    runtime.block_on(direct_messages(&base, dm_dir.path()));
    drop(emulator);
}

const MEMBERS: usize = 100;
const DMS: usize = 1_000;
const POSTS: usize = 300;

async fn direct_messages(base: &str, dir: &std::path::Path) {
    use switchboard_core::dm::{self, Compose};
    use switchboard_core::{linking, staff_import};
    let seeded = control(base, "workspaces").await;
    let team = seeded["workspaces"][0]["team_id"]
        .as_str()
        .expect("a team")
        .to_owned();
    let http = reqwest::Client::new();
    let mut csv = String::from("name,email,role\n");
    for i in 0..MEMBERS {
        let email = format!("bench.member.{i}@dm-bench.example");
        http.post(format!("{base}/_emulator/users"))
            .json(&json!({"team_id": team, "name": format!("bench{i}"),
                "real_name": format!("Bench Member {i}"), "email": email}))
            .send()
            .await
            .expect("the emulator answers")
            .error_for_status()
            .expect("a user added");
        csv.push_str(&format!("Bench Member {i},{email},staff\n"));
    }
    let profile = profile(base, dir, |_| vec![EventKind::InvoiceSent]).await;
    staff_import::import(&profile, &csv).expect("imported");
    let plans = linking::plan(&profile, Some(&team), &|_| {})
        .await
        .expect("planned");
    let applied =
        linking::apply(&profile, &plans[0], &linking::every_match(&plans[0])).expect("linked");
    assert_eq!(applied.linked as usize, MEMBERS, "{applied:?}");
    // Ten invoices reach all 30 channels (300 posts); 1,000 urgent messages (working hours
    // would otherwise hold some, by the hour of the run) to the 100 members.
    let invoices: Vec<IncomingEvent> = (0..POSTS / CHANNELS)
        .map(|i| invoice(format!("dm-bench-invoice-{i}"), 70_000 + i))
        .collect();
    ingest::receive_batch(&profile, invoices, Source::Ingest).expect("stored");
    for n in 0..DMS {
        let sent = dm::send(
            &profile,
            &Compose {
                to: format!("bench.member.{}@dm-bench.example", n % MEMBERS),
                purpose: "text".into(),
                text: Some(format!("Message {n}")),
                urgent: true,
                sender: Some("Bench Manager".into()),
                ..Compose::default()
            },
            Source::Cli,
        )
        .expect("sent");
        assert_eq!(sent.outcome, "queued", "{sent:?}");
    }
    let before = control(base, "stats").await;
    let started = Instant::now();
    let summary = delivery::until_idle(profile.clone(), CancellationToken::new())
        .await
        .expect("delivered");
    let elapsed = started.elapsed();
    let after = control(base, "stats").await;
    let count = |stats: &Value, key: &str, method: &str| {
        stats[key][method].as_u64().unwrap_or(0) - before[key][method].as_u64().unwrap_or(0)
    };
    let posts = count(&after, "requests", "chat.postMessage");
    let opens = count(&after, "requests", "conversations.open");
    let limited = count(&after, "rate_limited", "chat.postMessage")
        + count(&after, "rate_limited", "conversations.open");
    let messages = control(base, "messages").await["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut seen = HashSet::new();
    let mut duplicated = 0;
    let (mut in_dms, mut in_channels) = (0, 0);
    // The emulator's record holds the earlier delivery's messages too: this run's are the ones
    // in DMs (nothing else writes to one) and its invoices, numbered from 70000.
    for m in &messages {
        let Some(id) = m["metadata"]["event_payload"]["outbox_id"].as_i64() else {
            continue;
        };
        let dm = m["channel"].as_str().is_some_and(|c| c.starts_with('D'));
        let ours = dm || m["text"].as_str().is_some_and(|t| t.contains("*7000"));
        if !ours {
            continue;
        }
        if !seen.insert(id) {
            duplicated += 1;
        }
        if dm {
            in_dms += 1;
        } else {
            in_channels += 1;
        }
    }
    let expected = DMS + POSTS;
    let lost = expected.saturating_sub(seen.len());
    let by_posts = (expected as f64 - 100.0) / 5.0;
    let by_opens = (MEMBERS as f64 - 50.0) / (50.0 / 60.0);
    let allowed = by_posts.max(by_opens);
    let share = allowed / elapsed.as_secs_f64() * 100.0;
    let limited_share = limited as f64 / (posts + opens).max(1) as f64 * 100.0;
    println!(
        "direct messages: {DMS} DMs to {MEMBERS} members + {POSTS} channel posts in {:.1} s; Slack's limits allow it in {allowed:.1} s at the least: {share:.1}% of the allowed rate (target ≥ 95%: {}); {posts} chat.postMessage and {opens} conversations.open calls, {limited} answered 429 = {limited_share:.2}% (target ≤ 1%: {}); {in_dms} in DMs and {in_channels} in channels; lost {lost}, duplicated {duplicated} (target 0: {}); worker: {summary:?}",
        elapsed.as_secs_f64(),
        met(share >= 95.0),
        met(limited_share <= 1.0),
        met(lost == 0 && duplicated == 0),
    );
}

/// How a figure compares with its target, as the printed line says it.
fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
