//! Events to channels through the real UI, on the demo workspace: a notification channel added
//! from the picker with the Invoices group switched on, one kind switched off again on its
//! card, a test message delivered with its link, a project assigned the channel; then events
//! sent through the ingest API (with a token made in Settings) and through `switchboard event
//! send`, seen in Activity with where they went and why the rest were skipped, and in the
//! emulator's record of Slack. Screenshots of each view with data, in light and dark.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::harness::{App, wait_for, with_app};

const CONSENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/consent.py");

pub(crate) async fn click(app: &App, css: &str) {
    app.find(css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

async fn value(app: &App, css: &str) -> String {
    app.find(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Chooses the `<option>` of the `<select>` at `css` whose value is `option`.
async fn choose(app: &App, css: &str, option: &str) {
    app.find(&format!("{css} option[value='{option}']"))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("choosing {option} in {css}: {e}"));
}

async fn messages(demo_url: &str) -> Vec<Value> {
    let answer: Value = reqwest::get(format!("{demo_url}/_emulator/messages"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["messages"].as_array().unwrap().clone()
}

async fn shoot_views(app: &App, theme: &str) {
    for (view, label) in [
        ("channels", "Channels"),
        ("projects", "Projects"),
        ("activity", "Activity"),
        ("settings", "Settings"),
    ] {
        app.open_view(view, label).await;
        app.screenshot(&format!("{theme}-{view}-with-data")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_the_channels_the_owner_chose_and_activity_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    with_app(&data, &[("SWITCHBOARD_URL_OPENER", CONSENT)], |app| async move {
        let demo_url = app.start_demo().await;

        // Add #general with the Invoices group on.
        app.open_view("channels", "Channels").await;
        app.screenshot("channels-before-add").await;
        click(&app, "[data-testid='add-channel']").await;
        // The picker lists the directory once its index is built.
        app.wait_for_text("[data-testid='channel-count']", "22 channels")
            .await;
        app.find("[data-testid='channel-search']")
            .await
            .send_keys("general")
            .await
            .unwrap();
        app.wait_for_text("dialog .list .row button", "general").await;
        click(&app, "dialog .list .row button").await;
        app.wait_for_text("[data-testid='add-channel-verdict']", "general")
            .await;
        click(&app, "[data-testid='group-all-invoices']").await;
        assert_eq!(
            app.find("[data-testid='kind-invoice.sent']")
                .await
                .prop("checked")
                .await
                .unwrap()
                .as_deref(),
            Some("true")
        );
        app.screenshot("channels-add-with-kinds").await;
        click(&app, "[data-testid='add-channel-confirm']").await;
        let card = app
            .wait_for_text("[data-testid='channel-card']", "general")
            .await;
        assert!(card.contains("4 of 18 kinds"), "the Invoices group is on: {card}");
        let slack_channel = app
            .find("[data-testid='channel-card']")
            .await
            .attr("data-channel-id")
            .await
            .unwrap()
            .expect("the card names its Slack channel");
        let channel_id = app
            .find("[data-testid='channel-card']")
            .await
            .attr("data-id")
            .await
            .unwrap()
            .expect("the card names its channel");

        // invoice.opened switched off again on the card.
        let opened = "[data-testid='channel-card'] [data-testid='channel-kind-invoice.opened']";
        click(&app, opened).await;
        wait_for("invoice.opened to be off", || async {
            let on = app.find(opened).await.prop("checked").await.ok()??;
            (on == "false").then_some(())
        })
        .await;

        // A test message goes through delivery and links to the message.
        click(&app, "[data-testid='channel-test']").await;
        app.wait_for_text("[data-testid='channel-test-result']", "Delivered")
            .await;
        let link = app
            .find("[data-testid='channel-test-result'] [data-testid='slack-link']")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(
            link.contains(&format!("slack.com/archives/{slack_channel}/p")),
            "the link points at the message in #general: {link}"
        );
        app.screenshot("channels-tested").await;

        // A project with the channel.
        app.open_view("projects", "Projects").await;
        click(&app, "[data-testid='add-project']").await;
        app.find("[data-testid='project-name']")
            .await
            .send_keys("Website relaunch")
            .await
            .unwrap();
        app.find("[data-testid='project-external-id']")
            .await
            .send_keys("web")
            .await
            .unwrap();
        click(&app, "[data-testid='project-save']").await;
        app.wait_for_text("[data-testid='project-row']", "Website relaunch")
            .await;
        choose(&app, "[data-testid='project-channel']", &channel_id).await;
        wait_for("the project to show its channel", || async {
            let chosen = value(&app, "[data-testid='project-channel']").await;
            (chosen == channel_id).then_some(())
        })
        .await;

        // A token for the ingest API, shown once in Settings.
        app.open_view("settings", "Settings").await;
        let status = app
            .wait_for_text("[data-testid='ingest-status']", "http://127.0.0.1:")
            .await;
        let url = status
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap()
            .trim_end_matches(['.', ','])
            .to_owned();
        click(&app, "[data-testid='ingest-rotate']").await;
        let token = wait_for("the new token", || async {
            let token = value(&app, "[data-testid='ingest-token-value']").await;
            token.starts_with("sbi_").then_some(token)
        })
        .await;
        app.screenshot("settings-ingest-token").await;

        // Events through the ingest API…
        let http = reqwest::Client::new();
        let event = |id: &str, kind: &str, data: Value| {
            json!({"id": id, "kind": kind, "occurred_at": "2026-11-23T09:30:00Z", "data": data})
        };
        let invoice = json!({"number": "1042", "client": "Globex GmbH", "amount": "1250.00",
            "currency": "EUR", "link": "https://app.example.com/invoices/1042"});
        let wrong = http
            .post(format!("{url}/v1/events"))
            .bearer_auth("sbi_wrong")
            .json(&event("x", "invoice.sent", invoice.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        for (id, kind) in [("inv-1042-sent", "invoice.sent"), ("inv-1042-opened", "invoice.opened")] {
            let answer = http
                .post(format!("{url}/v1/events"))
                .bearer_auth(&token)
                .json(&event(id, kind, invoice.clone()))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 202, "{}", answer.text().await.unwrap());
        }
        // …and through the command line, on the same database.
        let sent = app.demo_cli(
            &["event", "send", "--json"],
            Some(
                &json!({"id": "timer-1", "kind": "timer.started", "occurred_at": "2026-11-23T09:31:00Z",
                    "project": "web", "staff": "ada@example.com", "data": {"task": "Design review"}})
                .to_string(),
            ),
        );
        let receipt: Value = serde_json::from_str(&sent).unwrap();
        assert_eq!(receipt["routes"][0]["reason"], "project_channel", "{receipt}");

        // Activity: each event with where it went and why not elsewhere.
        app.open_view("activity", "Activity").await;
        let entry = |id: &str| format!("[data-testid='timeline-entry'][data-kind='{id}']");
        wait_for("three events, two sent", || async {
            let sent = app
                .client
                .find_all(Locator::Css("[data-testid='timeline-line'][data-state='sent']"))
                .await
                .ok()?;
            let rows = app
                .client
                .find_all(Locator::Css("[data-testid='timeline-entry']"))
                .await
                .ok()?;
            (rows.len() == 3 && sent.len() == 2).then_some(())
        })
        .await;
        let skipped = app
            .find(&format!("{} [data-testid='timeline-line']", entry("invoice.opened")))
            .await;
        assert_eq!(
            skipped.attr("data-state").await.unwrap().as_deref(),
            Some("skipped")
        );
        app.screenshot("activity-timeline").await;
        click(&app, &format!("{} button.open", entry("invoice.opened"))).await;
        let story = app
            .wait_for_text("[data-testid='event-story']", "switched off")
            .await;
        assert!(story.contains("#general"), "{story}");
        assert_eq!(
            app.find("[data-testid='story-line']")
                .await
                .attr("data-reason")
                .await
                .unwrap()
                .as_deref(),
            Some("kind_off")
        );
        app.screenshot("activity-why").await;

        // Slack's record: the test message, the invoice and the timer in #general, once each,
        // and nothing about the opened invoice.
        let general: Vec<String> = messages(&demo_url)
            .await
            .into_iter()
            .filter(|m| m["metadata"]["event_type"] == "switchboard_delivery")
            .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(general.len(), 3, "{general:?}");
        assert!(general[0].contains("Test message from Switchboard"), "{general:?}");
        assert!(general[1].contains("Invoice *1042*"), "{general:?}");
        assert!(general[2].contains("Design review"), "{general:?}");

        // The wording of invoice.sent, previewed from the invoice that just arrived, saved.
        app.open_view("channels", "Channels").await;
        click(&app, "details.wording summary").await;
        app.find("[data-testid='template-editor']").await;
        choose(&app, "[data-testid='template-kind']", "invoice.sent").await;
        app.wait_for_text("[data-testid='template-source']", "inv-1042-sent")
            .await;
        let text = app.find("[data-testid='template-text']").await;
        text.clear().await.unwrap();
        text.send_keys("Sent: invoice *{number}* to {client} ({ammount})")
            .await
            .unwrap();
        app.wait_for_text("[data-testid='template-warning']", "ammount")
            .await;
        app.wait_for_text("[data-testid='template-preview']", "Sent: invoice 1042 to Globex GmbH")
            .await;
        app.screenshot("channels-template-editor").await;
        click(&app, "[data-testid='template-save']").await;
        wait_for("the template to be saved", || async {
            let kind = app.find("[data-testid='template-kind'] option[value='invoice.sent']").await;
            kind.text().await.ok()?.contains("customised").then_some(())
        })
        .await;

        shoot_views(&app, "light").await;
        app.open_view("settings", "Settings").await;
        click(&app, "label:has(input[value='dark'])").await;
        wait_for("the dark theme", || async {
            (app.theme().await.as_deref() == Some("dark")).then_some(())
        })
        .await;
        shoot_views(&app, "dark").await;
    })
    .await;
}
