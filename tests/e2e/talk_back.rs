//! Slack talking back through the real UI, on the demo: the owner sets the decisions webhook in
//! Settings (the signing secret shown once); the business application asks for Bruno's
//! vacation, Ada (his manager, in the emulator) approves it with the button on the message in
//! her DM, and both the console (Settings → Decisions) and the business application's webhook
//! see it, signed, while the message in Slack shows the decision instead of its buttons. Then
//! Bruno writes to the app: the sidebar counts it, Messages shows it in his conversation, and
//! the answer typed there arrives in his DM.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{App, wait_for, with_app};
use crate::routing::click;

const CONSENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/consent.py");

/// One webhook call as the receiver saw it: lower-cased headers and the body.
type Call = (Vec<(String, String)>, String);

/// A minimal HTTP receiver on a free loopback port: answers every request 200 and keeps it.
async fn receiver() -> (u16, Arc<Mutex<Vec<Call>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let kept = calls.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut raw = Vec::new();
                let mut buffer = [0u8; 4096];
                let (head, length) = loop {
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    raw.extend_from_slice(&buffer[..n]);
                    if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&raw[..end]).to_string();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        raw.drain(..end + 4);
                        break (head, length);
                    }
                };
                while raw.len() < length {
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    raw.extend_from_slice(&buffer[..n]);
                }
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
                    .collect();
                kept.lock()
                    .unwrap()
                    .push((headers, String::from_utf8_lossy(&raw).to_string()));
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    (port, calls)
}

/// The demo's messages in direct-message channels.
async fn dms(demo_url: &str) -> Vec<Value> {
    let answer = crate::get_json(&format!("{demo_url}/_emulator/messages"), None).await;
    answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"].as_str().is_some_and(|c| c.starts_with('D')))
        .cloned()
        .collect()
}

async fn type_into(app: &App, css: &str, text: &str) {
    let field = app.find(css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_decides_in_slack_and_staff_write_back() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    with_app(&data, &[("SWITCHBOARD_URL_OPENER", CONSENT)], |app| async move {
        let demo_url = app.start_demo().await;
        app.wait_for_text(".status [data-testid='socket-status']", "Slack can reach Switchboard")
            .await;
        let seeded = crate::get_json(&format!("{demo_url}/_emulator/workspaces"), None).await;
        let team = seeded["workspaces"][0]["team_id"].as_str().unwrap().to_owned();
        let bot = seeded["workspaces"][0]["bot_token"].as_str().unwrap().to_owned();
        let users = crate::get_json(&format!("{demo_url}/api/users.list?limit=200"), Some(&bot)).await;
        let user_id = |email: &str| -> String {
            users["members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["profile"]["email"] == email)
                .and_then(|u| u["id"].as_str())
                .unwrap_or_else(|| panic!("no {email} in {users}"))
                .to_owned()
        };
        let (ada, bruno) = (user_id("ada@acme-studio.example"), user_id("bruno@acme-studio.example"));

        // Staff: Ada manages Bruno; both linked by email from the Staff view.
        app.demo_cli(
            &["staff", "import", "-"],
            Some(
                "name,email,role,manager\n\
                 Ada Okafor,ada@acme-studio.example,manager,\n\
                 Bruno Lindqvist,bruno@acme-studio.example,staff,ada@acme-studio.example\n",
            ),
        );
        app.open_view("staff", "Staff").await;
        app.wait_for_text("[data-testid='staff-count']", "2 members").await;
        click(&app, "[data-testid='staff-autolink']").await;
        app.wait_for_text("[data-testid='autolink-summary']", "to link").await;
        click(&app, "[data-testid='autolink-save']").await;
        app.wait_for_text("[data-testid='staff-count']", "2 members, 2 connected")
            .await;

        // Settings → Decisions: the webhook URL; the signing secret is shown once.
        let (port, calls) = receiver().await;
        app.open_view("settings", "Settings").await;
        type_into(&app, "[data-testid='webhook-url']", &format!("http://127.0.0.1:{port}/hooks/decisions")).await;
        click(&app, "[data-testid='webhook-save']").await;
        app.wait_for_text("[data-testid='webhook-secret']", "shown once").await;
        let secret = app
            .find("[data-testid='webhook-secret'] input")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap();
        assert!(secret.starts_with("whsec_"), "{secret}");
        app.client
            .execute("document.querySelector(\"[data-testid='decisions-settings']\").scrollIntoView();", vec![])
            .await
            .unwrap();
        app.screenshot("settings-decisions-secret").await;

        // The business application asks for Bruno's vacation: it reaches Ada with buttons.
        app.demo_cli(
            &["event", "send", "--json"],
            Some(
                &json!({"id": "vac-311", "kind": "vacation.requested", "occurred_at": "2026-12-06T09:00:00Z",
                       "staff": "bruno@acme-studio.example", "urgent": true,
                       "data": {"from": "2026-12-21", "to": "2026-12-24", "note": "Family visit",
                                "link": "https://app.example.com/vacations/311"}})
                .to_string(),
            ),
        );
        let request = wait_for("the request in Ada's DM", || async {
            dms(&demo_url)
                .await
                .into_iter()
                .find(|m| m["blocks"].to_string().contains("approval.approve"))
        })
        .await;
        let (channel, ts) = (
            request["channel"].as_str().unwrap().to_owned(),
            request["ts"].as_str().unwrap().to_owned(),
        );
        let clicked = crate::post_json(
            &format!("{demo_url}/_emulator/socket/block-action"),
            json!({"team_id": team, "user_id": ada, "channel_id": channel, "ts": ts,
                   "action_id": "approval.approve"}),
        )
        .await;
        assert_eq!(clicked["ok"], true, "{clicked}");

        // The console sees it…
        let decided = app
            .wait_for_text("[data-testid='decisions']", "Approved")
            .await;
        assert!(decided.contains("Vacation request of Bruno Lindqvist by Ada Okafor"), "{decided}");
        app.wait_for_text("[data-testid='decisions']", "received by the business application")
            .await;
        app.screenshot("settings-decisions").await;
        // …the business application too, once and signed…
        let calls = wait_for("the webhook call", || async {
            let calls = calls.lock().unwrap().clone();
            (!calls.is_empty()).then_some(calls)
        })
        .await;
        assert_eq!(calls.len(), 1, "{calls:?}");
        let (headers, body) = &calls[0];
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
        };
        let timestamp: i64 = header("x-switchboard-timestamp").parse().unwrap();
        assert_eq!(
            header("x-switchboard-signature"),
            switchboard_core::webhook::sign(&secret, timestamp, body)
        );
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["decision"], "approved");
        assert_eq!(body["request"]["id"], "vac-311");
        assert_eq!(body["decided_by"]["name"], "Ada Okafor");
        // …and the message in Slack shows the decision instead of its buttons.
        let updated = wait_for("the message updated", || async {
            dms(&demo_url).await.into_iter().find(|m| {
                m["ts"] == ts.as_str() && m["blocks"].to_string().contains("*Approved* by Ada Okafor")
            })
        })
        .await;
        assert!(!updated["blocks"].to_string().contains("approval.approve"), "{updated}");
        // Activity tells the request's story: Ada's DM, the message shown decided, the call.
        app.open_view("activity", "Activity").await;
        let request = "[data-testid='timeline-entry'][data-kind='vacation.requested']";
        app.wait_for_text(request, "Decisions webhook").await;
        click(&app, &format!("{request} button.open")).await;
        let story = app
            .wait_for_text("[data-testid='event-story']", "which accepted it")
            .await;
        assert!(
            story.contains("Approval message") && story.contains("shows the decision instead of its buttons"),
            "{story}"
        );
        app.screenshot("activity-decision").await;

        // Bruno writes to the app: counted in the sidebar, shown in Messages, answered there.
        let said = crate::post_json(
            &format!("{demo_url}/_emulator/socket/dm"),
            json!({"team_id": team, "user_id": bruno, "text": "Thanks! Can I also swap Friday?",
                   "file_name": "swap-form.pdf", "file_size": 48213}),
        )
        .await;
        assert_eq!(said["ok"], true, "{said}");
        let bruno_dm = said["channel"].as_str().unwrap().to_owned();
        app.wait_for_text("a[data-view='messages'] .badge", "1").await;
        app.open_view("messages", "Messages").await;
        app.wait_for_text("[data-testid='unread']", "Bruno Lindqvist").await;
        app.screenshot("messages-unread").await;
        click(&app, "[data-testid='unread-member']").await;
        let conversation = app
            .wait_for_text("[data-testid='conversation']", "Can I also swap Friday?")
            .await;
        assert!(conversation.contains("swap-form.pdf"), "{conversation}");
        type_into(&app, "[data-testid='conversation-answer']", "Yes, swap it with Dev.").await;
        click(&app, "[data-testid='conversation-send']").await;
        wait_for("the answer in Bruno's DM", || async {
            dms(&demo_url)
                .await
                .into_iter()
                .find(|m| m["channel"] == bruno_dm.as_str() && m["text"].as_str().unwrap_or_default().contains("Yes, swap it with Dev."))
        })
        .await;
        app.wait_for_text("[data-testid='conversation']", "sent").await;
        // The member's history lists the answer as sent too.
        app.wait_for_text("[data-testid='dm-history-entry'][data-state='sent']", "Yes, swap it with Dev.")
            .await;
        app.screenshot("messages-conversation").await;
        crate::choose_theme(&app, "dark").await;
        app.open_view("messages", "Messages").await;
        app.screenshot("dark-messages-after-answer").await;
    })
    .await;
}
