//! Staff through the real UI, on the demo workspace: staff imported with `switchboard staff
//! import`, linked by email from the Staff view with a review before saving, colour and grey
//! logos with the reason, a logo clicked off and on again. Screenshots of the list and the
//! review, in light and dark.

use crate::harness::{App, wait_for, with_app};

const CONSENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/consent.py");

async fn click(app: &App, css: &str) {
    app.find(css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// How many rows carry a colour logo.
async fn colour_logos(app: &App) -> usize {
    let mut n = 0;
    for logo in app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid='staff-logo']"))
        .await
        .unwrap()
    {
        if logo.attr("data-connected").await.unwrap().as_deref() == Some("true") {
            n += 1;
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_are_linked_by_email_and_their_logo_switches() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    with_app(&data, &[("SWITCHBOARD_URL_OPENER", CONSENT)], |app| async move {
        app.start_demo().await;
        app.demo_cli(
            &["staff", "import", "-"],
            Some(
                "name,email,role,manager\n\
                 Ada Okafor,ada@acme-studio.example,manager,\n\
                 Bruno Lindqvist,bruno@acme-studio.example,staff,ada@acme-studio.example\n\
                 Chiara Esposito,Chiara+pm@Acme-Studio.example,staff,ada@acme-studio.example\n\
                 Dev Raman,dev@acme-studio.example,staff,ada@acme-studio.example\n\
                 Nobody Known,nobody@elsewhere.example,staff,ada@acme-studio.example\n",
            ),
        );

        app.open_view("staff", "Staff").await;
        app.wait_for_text("[data-testid='staff-count']", "5 members, 0 connected")
            .await;
        click(&app, "[data-testid='staff-autolink']").await;
        let summary = app
            .wait_for_text("[data-testid='autolink-summary']", "to link")
            .await;
        assert!(summary.starts_with("4 to link"), "{summary}");
        app.screenshot("staff-autolink-review").await;
        click(&app, "[data-testid='autolink-save']").await;
        app.wait_for_text("[data-testid='staff-notice']", "Linked 4 staff members")
            .await;
        app.wait_for_text("[data-testid='staff-count']", "5 members, 4 connected")
            .await;
        wait_for("four colour logos", || async {
            (colour_logos(&app).await == 4).then_some(())
        })
        .await;
        let reason = app
            .wait_for_text("[data-testid='staff-reason']", "Not linked")
            .await;
        assert!(reason.contains("no Slack user"), "{reason}");
        app.screenshot("staff-list").await;
        crate::choose_theme(&app, "dark").await;
        app.open_view("staff", "Staff").await;
        app.wait_for_text("[data-testid='staff-count']", "5 members, 4 connected")
            .await;
        app.screenshot("dark-staff-list").await;

        // Dev's logo off, then on again.
        let dev = "[data-testid='staff-row'][data-state] [data-testid='staff-logo'][aria-label*='Dev Raman']";
        click(&app, dev).await;
        app.wait_for_text("[data-testid='staff-notice']", "Dev Raman's Slack connection is off")
            .await;
        wait_for("three colour logos", || async {
            (colour_logos(&app).await == 3).then_some(())
        })
        .await;
        app.wait_for_text("[data-testid='staff-count']", "5 members, 3 connected")
            .await;
        let label = app.find(dev).await.attr("aria-label").await.unwrap().unwrap();
        assert!(label.contains(": off. Switched off by"), "{label}");
        app.screenshot("staff-logo-off").await;
        click(&app, dev).await;
        app.wait_for_text("[data-testid='staff-notice']", "Dev Raman's Slack connection is on")
            .await;
        wait_for("four colour logos again", || async {
            (colour_logos(&app).await == 4).then_some(())
        })
        .await;

        // A manager writes Bruno about his vacation: the preview shows it as Slack will, Send
        // queues it (urgent, so the hour of the run does not hold it), and it arrives in his DM
        // with the sender named; the history shows it sent. Nobody Known is greyed, and Send
        // says why it is off.
        app.open_view("messages", "Messages").await;
        let search = app.find("[data-testid='dm-search']").await;
        search.send_keys("Nobody").await.unwrap();
        click(&app, "[data-testid='dm-person'][aria-label^='Nobody Known']").await;
        let why = app
            .wait_for_text("[data-testid='dm-send-why']", "cannot receive Slack messages")
            .await;
        assert!(why.contains("Nobody Known"), "{why}");
        let send = app.find("[data-testid='dm-send']").await;
        assert_eq!(send.prop("disabled").await.unwrap().as_deref(), Some("true"));
        click(&app, "[data-testid='dm-change']").await;
        let search = app.find("[data-testid='dm-search']").await;
        search.clear().await.unwrap();
        search.send_keys("Bruno").await.unwrap();
        click(&app, "[data-testid='dm-person'][aria-label^='Bruno Lindqvist']").await;
        app.find("[data-testid='dm-purpose'] option[value='vacation_request']")
            .await
            .click()
            .await
            .unwrap();
        set_value(&app, "[data-testid='dm-field-from']", "2026-12-21").await;
        set_value(&app, "[data-testid='dm-field-to']", "2026-12-24").await;
        app.find("[data-testid='dm-link']")
            .await
            .send_keys("https://app.example.com/vacations/311")
            .await
            .unwrap();
        app.find("[data-testid='dm-text']")
            .await
            .send_keys("Enjoy the break!")
            .await
            .unwrap();
        let sender = app.find("[data-testid='dm-sender']").await;
        sender.clear().await.unwrap();
        sender.send_keys("Ada Okafor").await.unwrap();
        click(&app, "[data-testid='dm-urgent']").await;
        app.wait_for_text("[data-testid='dm-preview']", "Your vacation request")
            .await;
        let preview = app
            .wait_for_text("[data-testid='dm-preview']", "from Ada Okafor via Switchboard")
            .await;
        assert!(preview.contains("Enjoy the break!"), "{preview}");
        app.screenshot("dark-messages-composer").await;
        click(&app, "[data-testid='dm-send']").await;
        app.wait_for_text("[data-testid='dm-outcome']", "Queued for Bruno Lindqvist")
            .await;
        app.screenshot("dark-messages-queued").await;
        app.wait_for_text("[data-testid='dm-history-entry'][data-state='sent']", "Vacation")
            .await;
        app.screenshot("dark-messages-sent").await;
        app.open_view("workspaces", "Workspaces").await;
        let demo_url = app.find(".demo-bar .mono").await.text().await.unwrap();
        let answer = crate::get_json(&format!("{demo_url}/_emulator/messages"), None).await;
        let dms: Vec<&serde_json::Value> = answer["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"].as_str().is_some_and(|c| c.starts_with('D')))
            .collect();
        assert_eq!(dms.len(), 1, "{answer}");
        let text = dms[0]["text"].as_str().unwrap();
        assert!(text.contains("Your vacation request"), "{text}");
        assert!(text.contains("Enjoy the break!"), "{text}");
        let blocks = dms[0]["blocks"].to_string();
        assert!(blocks.contains("from Ada Okafor via Switchboard"), "{blocks}");
        assert!(blocks.contains("vacations/311"), "{blocks}");
        crate::choose_theme(&app, "light").await;
        app.open_view("messages", "Messages").await;
        app.find("[data-testid='dm-search']").await.send_keys("Bruno").await.unwrap();
        click(&app, "[data-testid='dm-person'][aria-label^='Bruno Lindqvist']").await;
        app.wait_for_text("[data-testid='dm-history-entry'][data-state='sent']", "Vacation")
            .await;
        app.client
            .execute(
                "document.querySelector(\"[data-testid='dm-history']\").scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        app.screenshot("messages-history").await;

        // Chiara's details: her link, unlinked after a confirmation, then linked again by hand
        // by searching the workspace's Slack users.
        app.open_view("staff", "Staff").await;
        app.find("[data-testid='staff-search']").await.send_keys("Chiara").await.unwrap();
        app.wait_for_text("[data-testid='staff-count']", "1 member").await;
        click(&app, "[data-testid='staff-open']").await;
        app.wait_for_text("[data-testid='staff-link']", "Acme Studio").await;
        app.screenshot("staff-detail").await;
        click(&app, "[data-testid='staff-unlink']").await;
        click(&app, "[data-testid='staff-unlink-confirm']").await;
        app.wait_for_text("[data-testid='staff-dialog-status']", "no longer linked")
            .await;
        app.find("[data-testid='staff-user-search']")
            .await
            .send_keys("chiara")
            .await
            .unwrap();
        click(&app, "[data-testid='staff-link-user']").await;
        app.wait_for_text("[data-testid='staff-dialog-status']", "is linked to")
            .await;
        app.wait_for_text("[data-testid='staff-link']", "by hand").await;
        app.screenshot("staff-detail-linked-by-hand").await;

        // Unlinked once more, Chiara signs in with Slack herself (the emulator's browser has her
        // signed in; consent.py clicks Allow) and is linked to her own Slack identity.
        click(&app, "[data-testid='staff-unlink']").await;
        click(&app, "[data-testid='staff-unlink-confirm']").await;
        app.wait_for_text("[data-testid='staff-dialog-status']", "no longer linked")
            .await;
        let seeded = crate::get_json(&format!("{demo_url}/_emulator/workspaces"), None).await;
        let acme = seeded["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == "Acme Studio")
            .unwrap_or_else(|| panic!("the demo has Acme Studio: {seeded}"));
        let found = crate::get_json(
            &format!("{demo_url}/api/users.list"),
            acme["bot_token"].as_str(),
        )
        .await;
        let chiara = found["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == "chiara")
            .unwrap_or_else(|| panic!("Chiara is in the demo workspace: {found}"))["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let browser = crate::post_json(
            &format!("{demo_url}/_emulator/browser"),
            serde_json::json!({"user_id": chiara}),
        )
        .await;
        assert_eq!(browser["ok"], true, "{browser}");
        click(&app, "[data-testid='staff-sign-in-button']").await;
        let said = app
            .wait_for_text("[data-testid='staff-dialog-status']", "signed in with Slack")
            .await;
        assert!(said.contains("@Chiara in Acme Studio"), "{said}");
        app.wait_for_text("[data-testid='staff-link']", "by signing in with Slack")
            .await;
        app.screenshot("staff-detail-signed-in").await;
        app.client
            .execute("document.querySelector('[data-testid=staff-dialog]').close();", vec![])
            .await
            .unwrap();

        // Ten thousand more staff through the Import dialog; the list scrolls them, in both
        // themes.
        let many = tmp.path().join("many.csv");
        let mut text = String::from("name,email,role,manager\n");
        for i in 0..10_000 {
            text.push_str(&format!(
                "Member {i:05} With A Rather Long Name To Test The Layout,member{i:05}@a-company-with-a-long-domain.example,staff,ada@acme-studio.example\n"
            ));
        }
        std::fs::write(&many, text).unwrap();
        app.open_view("workspaces", "Workspaces").await;
        app.open_view("staff", "Staff").await;
        click(&app, "[data-testid='staff-import']").await;
        app.find("[data-testid='staff-import-file']")
            .await
            .send_keys(many.to_str().unwrap())
            .await
            .unwrap();
        app.wait_for_text("[data-testid='staff-import-summary']", "10,000 members to add")
            .await;
        app.screenshot("staff-import-preview").await;
        click(&app, "[data-testid='staff-import-run']").await;
        app.wait_for_text("[data-testid='staff-notice']", "Imported many.csv")
            .await;
        app.wait_for_text("[data-testid='staff-count']", "10,005 members").await;
        app.client
            .execute(
                "document.querySelector(\"[data-testid='staff-list']\").scrollTop = 250000;",
                vec![],
            )
            .await
            .unwrap();
        app.wait_for_text("[data-testid='staff-list']", "Member 04").await;
        app.screenshot("staff-list-10000").await;
        crate::choose_theme(&app, "dark").await;
        app.open_view("staff", "Staff").await;
        app.wait_for_text("[data-testid='staff-count']", "10,005 members").await;
        app.screenshot("dark-staff-list-10000").await;

        // The flex-time rule without the manager: saved at once, and the sentence follows.
        app.open_view("settings", "Settings").await;
        click(
            &app,
            "[data-testid='escalation-rules'] fieldset[data-kind='escalation.flextime'] label:nth-child(3) input",
        )
        .await;
        app.wait_for_text("[data-testid='escalation-rules']", "Flex-time escalation: saved")
            .await;
        let rule = app
            .wait_for_text(
                "[data-testid='escalation-rules'] fieldset[data-kind='escalation.flextime']",
                "Sent to the member; direct messages within",
            )
            .await;
        assert!(!rule.contains("their manager"), "{rule}");
        app.client
            .execute(
                "document.querySelector(\"[data-testid='escalation-rules']\").scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        app.screenshot("dark-settings-escalation-rules").await;
    })
    .await;
}

/// Sets an input's value as typing would (a date input takes no keys in a fixed format).
async fn set_value(app: &App, css: &str, value: &str) {
    let element = app.find(css).await;
    app.client
        .execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::to_value(&element).unwrap(), serde_json::json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("setting {css}: {e}"));
}
