//! Staff through the real UI, on the demo workspace: staff imported with `switchboard staff
//! import`, linked by email from the Staff view with a review before saving, colour and grey
//! logos with the reason, a logo clicked off and on again. Screenshots of the list and the
//! review, in light and dark.

use std::process::Command;

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
        app.wait_for_text(".view[data-view='workspaces']", "Explore with a demo workspace")
            .await;
        click(&app, ".demo-offer button").await;
        app.wait_for_text("[data-testid='notice']", "Synced Acme Studio")
            .await;

        let csv = tmp.path().join("staff.csv");
        std::fs::write(
            &csv,
            "name,email,role,manager\n\
             Ada Okafor,ada@acme-studio.example,manager,\n\
             Bruno Lindqvist,bruno@acme-studio.example,staff,ada@acme-studio.example\n\
             Chiara Esposito,Chiara+pm@Acme-Studio.example,staff,ada@acme-studio.example\n\
             Dev Raman,dev@acme-studio.example,staff,ada@acme-studio.example\n\
             Nobody Known,nobody@elsewhere.example,staff,ada@acme-studio.example\n",
        )
        .unwrap();
        let imported = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--data-dir")
            .arg(app.data_dir.join("demo"))
            .args(["staff", "import"])
            .arg(&csv)
            .output()
            .unwrap();
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
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
    })
    .await;
}
