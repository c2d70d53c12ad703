//! `switchboard serve` as a business application meets it: the first line names the port,
//! events need the rotated token, a received event is routed and delivered by the same process,
//! and the headless configuration commands (`channel`, `integration`, `outbox`) answer in JSON.
//! Run under scripts/with-keyring (`make test` does).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Switchboard, first_workspace, slack_messages};
use serde_json::{Value, json};
use slack_emulator::{Config, Emulator, Seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_events_with_the_token_and_delivers_them() {
    let emulator = Emulator::start_with(
        "127.0.0.1:0".parse().unwrap(),
        Config {
            seed: Seed::Large {
                channels: 20,
                users: 5,
            },
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let (team, bot) = first_workspace(&emulator);
    let tmp = tempfile::tempdir().unwrap();
    let run = Switchboard {
        data: tmp.path().to_str().unwrap().to_owned(),
        api: emulator.api_base(),
        pacing: true,
    };
    run.connect(&bot);
    assert_eq!(run.run(&["workspace", "sync", &team]).0, Some(0));

    // Headless configuration, in JSON.
    let added = run.json(&[
        "channel",
        "add",
        "--team",
        &team,
        "--channel",
        "#channel-000003",
        "--kinds",
        "invoices,payments",
        "--json",
    ]);
    assert_eq!(added["name"], "channel-000003");
    assert_eq!(
        added["kinds"],
        json!([
            "invoice.sent",
            "invoice.opened",
            "invoice.reviewed",
            "invoice.note_added",
            "payment.received"
        ])
    );
    let id = added["id"].as_i64().unwrap().to_string();
    let changed = run.json(&[
        "channel",
        "set",
        &id,
        "--kind",
        "invoice.opened",
        "--off",
        "--json",
    ]);
    assert!(
        !changed["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("invoice.opened"))
    );
    let listed = run.json(&["channel", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // A test message, delivered by the command itself.
    let tested = run.json(&["channel", "test", &id, "--json"]);
    assert_eq!(tested["state"], "sent", "{tested}");
    assert!(
        tested["permalink"]
            .as_str()
            .is_some_and(|l| l.contains("/archives/")),
        "{tested}"
    );
    let posted = slack_messages(&emulator).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(
        posted[0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with(":wave: Test message from Switchboard")),
        "{posted:?}"
    );
    let (code, _, err) = run.run(&["channel", "set", "999", "--kind", "invoices", "--on"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("channel list"), "{err}");
    let (code, _, err) = run.run(&["channel", "set", &id, "--kind", "invoices.sent", "--on"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("invoices.sent"), "names the bad kind: {err}");
    assert_eq!(
        run.json(&["integration", "status", "--json"]),
        json!({"enabled": true, "held": 0})
    );

    // The token is printed once, alone, by --rotate.
    let (code, token, _) = run.run(&["ingest-token", "--rotate"]);
    assert_eq!(code, Some(0));
    let token = token.trim().to_owned();
    assert!(token.starts_with("sbi_"), "{token}");
    let status = run.json(&["ingest-token", "--json"]);
    assert!(
        !status.to_string().contains(&token),
        "the token is never shown again"
    );

    let mut server = run
        .command(&["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the first line names the address: {first:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let event = json!({"id": "inv-1042-sent", "kind": "invoice.sent",
        "occurred_at": "2026-11-23T09:30:00Z",
        "data": {"number": "1042", "client": "Globex GmbH", "amount": "1250.00",
                 "currency": "EUR", "link": "https://app.example.com/invoices/1042"}});
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let refused = http
        .post(format!("{url}/v1/events"))
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let accepted = http
        .post(format!("{url}/v1/events"))
        .bearer_auth(&token)
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let receipt: Value = accepted.json().await.unwrap();
    assert_eq!(receipt["receipt"]["routes"][0]["outcome"], "queued");

    // The server's own delivery worker sends it.
    let started = Instant::now();
    let delivered = loop {
        let messages = slack_messages(&emulator).await;
        if let Some(m) = messages
            .iter()
            .find(|m| m["text"].as_str().unwrap_or("").contains("1042"))
        {
            break m.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "not delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(delivered["metadata"]["event_type"], "switchboard_delivery");

    // Stopped with SIGTERM, it exits cleanly.
    let stopped = Command::new("kill")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "serve exits 0 on SIGTERM: {status:?}");

    // The event's message, newest, and the test message before it.
    let sent = run.json(&["outbox", "list", "--state", "sent", "--json"]);
    assert_eq!(sent.as_array().unwrap().len(), 2);
    assert_eq!(sent[0]["target"], "#channel-000003");
    assert!(
        sent[0]["permalink"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let detail = run.json(&["outbox", "show", &sent[0]["id"].to_string(), "--json"]);
    assert_eq!(detail["attempts_made"][0]["outcome"], "sent");
    let (code, _, err) = run.run(&["outbox", "retry", &sent[0]["id"].to_string()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("was sent already"), "{err}");
    let (code, _, err) = run.run(&["outbox", "list", "--state", "lost"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("pending, sending, sent"), "{err}");

    // Integration off: events are recorded, skipped, nothing queued.
    assert_eq!(
        run.json(&["integration", "off", "--json"])["enabled"],
        false
    );
    let mut send = run.command(&["event", "send", "--json"]);
    send.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = send.spawn().unwrap();
    let mut second = event.clone();
    second["id"] = json!("inv-1043-sent");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(second.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let skipped: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(skipped["routes"][0]["reason"], "integration_off");
    assert_eq!(run.json(&["integration", "on", "--json"])["enabled"], true);
}

/// The staff and direct-message commands as a script uses them: import, link by email, list
/// with the connection and its reason, switch off and on, send a direct message, deliver it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_are_imported_linked_switched_and_sent_direct_messages_from_the_command_line() {
    let emulator = Emulator::start_with(
        "127.0.0.1:0".parse().unwrap(),
        Config {
            seed: Seed::Large {
                channels: 4,
                users: 6,
            },
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let (team, bot) = first_workspace(&emulator);
    let tmp = tempfile::tempdir().unwrap();
    let run = Switchboard {
        data: tmp.path().to_str().unwrap().to_owned(),
        api: emulator.api_base(),
        pacing: false,
    };
    run.connect(&bot);
    assert_eq!(run.run(&["workspace", "sync", &team]).0, Some(0));
    let csv = tmp.path().join("staff.csv");
    std::fs::write(
        &csv,
        "name,email,role,manager\n\
         Admin Large,admin@large-co.example,manager,\n\
         Una One,User-000001@Large-Co.example,staff,admin@large-co.example\n\
         Tess Two,user-000002+hr@large-co.example,staff,admin@large-co.example\n\
         Nemo,nobody@elsewhere.example,staff,admin@large-co.example\n",
    )
    .unwrap();
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "name,email,role\nZed,not-an-email,boss\n").unwrap();
    let (code, out, err) = run.run(&["staff", "import", bad.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("not an email address") && out.contains("not a role"),
        "{out}"
    );
    let imported = run.json(&["staff", "import", csv.to_str().unwrap(), "--json"]);
    assert_eq!(
        (imported["creates"].as_u64(), imported["imported"].as_bool()),
        (Some(4), Some(true))
    );

    let linked = run.json(&["staff", "link", "--auto", "--team", &team, "--json"]);
    let plan = &linked[0]["plan"];
    let outcome = |email: &str| {
        plan["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["email"] == email)
            .map(|p| p["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        outcome("User-000001@Large-Co.example").as_deref(),
        Some("match")
    );
    assert_eq!(
        outcome("user-000002+hr@large-co.example").as_deref(),
        Some("match")
    );
    assert_eq!(
        outcome("nobody@elsewhere.example").as_deref(),
        Some("no_match")
    );
    assert_eq!(linked[0]["applied"]["linked"], 3);

    let list = run.json(&["staff", "list", "--json"]);
    assert_eq!(
        (list["total"].as_u64(), list["connected"].as_u64()),
        (Some(4), Some(3))
    );
    let nemo = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Nemo")
        .unwrap();
    assert_eq!(
        (nemo["state"].as_str(), nemo["connected"].as_bool()),
        (Some("not_linked"), Some(false))
    );
    assert!(
        nemo["reason"].as_str().unwrap().contains("no Slack user"),
        "{nemo}"
    );

    let off = run.json(&["staff", "disable", "user-000001@large-co.example", "--json"]);
    assert_eq!(off["state"], "switched_off");
    let refused = run.run(&[
        "dm",
        "send",
        "--to",
        "user-000001@large-co.example",
        "--purpose",
        "text",
        "--text",
        "Hello",
        "--urgent",
        "--json",
    ]);
    assert_eq!(refused.0, Some(1), "not delivered: switched off");
    let refused: Value = serde_json::from_str(&refused.1).unwrap();
    assert_eq!(refused["reason"], "staff_switched_off");
    let on = run.json(&["staff", "enable", "user-000001@large-co.example", "--json"]);
    assert_eq!(on["connected"], true);

    let sent = run.json(&[
        "dm",
        "send",
        "--to",
        "user-000001@large-co.example",
        "--purpose",
        "vacation_request",
        "--data",
        "from=2026-12-21",
        "--data",
        "to=2026-12-24",
        "--text",
        "Enjoy the break",
        "--link",
        "https://app.example.com/vacations/311",
        "--from",
        "Admin Large",
        "--urgent",
        "--json",
    ]);
    assert_eq!(
        (sent["outcome"].as_str(), sent["recipient"].as_str()),
        (Some("queued"), Some("Una One")),
        "{sent}"
    );
    let delivered = run.json(&["outbox", "deliver", "--until-idle", "--json"]);
    assert_eq!(delivered["sent"], 1, "{delivered}");
    let messages = slack_messages(&emulator).await;
    let dm = messages
        .iter()
        .find(|m| m["channel"].as_str().unwrap_or("").starts_with('D'))
        .expect("a direct message");
    let blocks = dm["blocks"].to_string();
    assert!(
        blocks.contains("from Admin Large via Switchboard"),
        "{blocks}"
    );
    assert!(blocks.contains("vacations/311"), "{blocks}");
}
