//! The workspace lifecycle through the real UI: the demo workspace connected through the real
//! OAuth redirect (tests/e2e/consent.py stands in for the person clicking Allow) and the real
//! bot-token paste path, its directory synced and searched, a second workspace added, a token
//! revoked in the emulator turning the card to "needs reconnect", and Reconnect restoring it
//! with its mappings; a disconnect that keeps the mappings, and leaving the demo. Screenshots
//! of each state.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::harness::{App, wait_for, with_app};

const CONSENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/consent.py");

async fn card_status(app: &App, team: &str) -> Option<String> {
    let card = app
        .client
        .find(Locator::Css(&format!(
            "article.workspace[data-team-id='{team}']"
        )))
        .await
        .ok()?;
    card.attr("data-status").await.ok()?
}

/// The rendered text of the first element matching `css`, read in the page (WebKitWebDriver's
/// own text algorithm fails on elements holding a `<details>`).
async fn inner_text(app: &App, css: &str) -> String {
    app.client
        .execute(
            "return document.querySelector(arguments[0])?.innerText ?? '';",
            vec![json!(css)],
        )
        .await
        .expect("reading innerText")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until the rendered text of `css` contains `text`, and returns it.
async fn wait_for_inner_text(app: &App, css: &str, text: &str) -> String {
    wait_for(&format!("{css} to show {text:?}"), || async {
        let shown = inner_text(app, css).await;
        shown.contains(text).then_some(shown)
    })
    .await
}

async fn wait_for_status(app: &App, team: &str, status: &str) {
    wait_for(&format!("{team} to be {status}"), || async {
        (card_status(app, team).await.as_deref() == Some(status)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn the_demo_workspace_connects_syncs_adds_a_second_and_reconnects_after_a_revoke() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    with_app(&data, &[("SWITCHBOARD_URL_OPENER", CONSENT)], |app| async move {
        app.wait_for_text(".view[data-view='workspaces']", "Explore with a demo workspace")
            .await;
        app.find(".demo-offer button").await.click().await.unwrap();

        // The real OAuth redirect, then the bot token, then the first sync.
        wait_for_inner_text(&app, "[data-testid='notice']", "Synced Acme Studio").await;
        wait_for_inner_text(&app, "article.workspace h3", "Acme Studio").await;
        let card = inner_text(&app, "article.workspace").await;
        assert!(card.contains("bot + user token"), "{card}");
        assert!(card.contains("DEMO"), "{card}");
        assert!(card.contains("channels") && card.contains("synced"), "{card}");
        app.find("[data-testid='demo-badge']").await;
        let demo_url = app.find(".demo-bar .mono").await.text().await.unwrap();
        assert!(demo_url.starts_with("http://127.0.0.1:"), "{demo_url}");
        app.screenshot("workspaces-demo-connected").await;

        // The channel picker (in Add channel) searches the synced directory.
        app.open_view("channels", "Channels").await;
        app.find("[data-testid='add-channel']").await.click().await.unwrap();
        wait_for_inner_text(&app, "[data-testid='channel-count']", "channel").await;
        app.find("[data-testid='channel-search']").await.send_keys("gen").await.unwrap();
        let count = wait_for_inner_text(&app, "[data-testid='channel-count']", "match").await;
        assert!(count.starts_with("1 channel"), "{count}");
        wait_for_inner_text(&app, ".list .row button", "general").await;
        app.find(".list .row button").await.click().await.unwrap();
        wait_for_inner_text(&app, "[data-testid='add-channel-verdict']", "general").await;
        app.screenshot("channels-add-dialog").await;
        app.client.active_element().await.unwrap().send_keys(&fantoccini::key::Key::Escape.to_string()).await.unwrap();

        // A second workspace: Northwind's bot token pasted into the dialog.
        let seeded: Value = reqwest::get(format!("{demo_url}/_emulator/workspaces"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = seeded["workspaces"].as_array().unwrap();
        let acme = list.iter().find(|w| w["name"] == "Acme Studio").unwrap();
        let northwind = list.iter().find(|w| w["name"] == "Northwind Traders").unwrap();
        let acme_id = acme["team_id"].as_str().unwrap().to_owned();
        app.open_view("workspaces", "Workspaces").await;
        wait_for_inner_text(&app, ".toolbar", "Connect workspace").await;
        app.find(".toolbar .button.primary").await.click().await.unwrap();
        // A user token pasted by mistake is refused with what to paste instead.
        let input = app.find("#bot-token").await;
        input.send_keys(northwind["admin_user_token"].as_str().unwrap()).await.unwrap();
        app.find("dialog form button[type='submit']").await.click().await.unwrap();
        let refusal = wait_for_inner_text(&app, "dialog .error", "user token").await;
        assert!(refusal.contains("xoxb-"), "{refusal}");
        app.screenshot("workspaces-connect-refused").await;
        // A rotating bot token (an app with token rotation on) asks for its refresh token too.
        input.clear().await.unwrap();
        input.send_keys("xoxe.xoxb-1-abc").await.unwrap();
        let hint = wait_for_inner_text(&app, "#token-hint", "12 hours").await;
        assert!(hint.contains("refresh token"), "{hint}");
        app.find("#refresh-token").await;
        app.screenshot("workspaces-connect-rotating").await;
        input.clear().await.unwrap();
        input.send_keys(northwind["bot_token"].as_str().unwrap()).await.unwrap();
        app.screenshot("workspaces-connect-dialog").await;
        app.find("dialog form button[type='submit']").await.click().await.unwrap();
        wait_for_inner_text(&app, "[data-testid='notice']", "Connected Northwind Traders").await;
        wait_for("two cards", || async {
            let cards = app.client.find_all(Locator::Css("article.workspace")).await.ok()?;
            (cards.len() == 2).then_some(())
        })
        .await;
        wait_for("the dialog to close and the new card to sync", || async {
            let open = app.client.find(Locator::Css("dialog[open]")).await.is_ok();
            let synced = inner_text(&app, "article.workspace:nth-of-type(2) [data-testid='directory']").await;
            (!open && synced.contains("synced")).then_some(())
        })
        .await;
        app.screenshot("workspaces-two").await;

        // A mapping to keep: a notification channel of Acme, written as the app would.
        let db = app.data_dir.join("demo").join("switchboard.sqlite3");
        {
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            conn.execute(
                "INSERT INTO notification_channel (team_id, channel_id, label, created_at) VALUES (?1, 'C0000000001', 'ops', 1)",
                [&acme_id],
            )
            .unwrap();
        }

        // The person's sign-in is revoked in Slack. Acme also holds the app's bot token, so the
        // check keeps it working with the bot token and says exactly what is lost.
        let revoked: Value = reqwest::Client::new()
            .post(format!("{demo_url}/_emulator/tokens/revoke"))
            .json(&json!({"team_id": acme_id, "kind": "user"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(revoked["revoked_tokens"].as_u64().unwrap() >= 1, "{revoked}");
        app.find(".toolbar .button:not(.primary)").await.click().await.unwrap();
        let degraded = format!("article.workspace[data-team-id='{acme_id}'] [data-testid='degraded']");
        let said = wait_for_inner_text(&app, &degraded, "token_revoked").await;
        assert!(said.contains("keeps working with the bot token"), "{said}");
        assert_eq!(card_status(&app, &acme_id).await.as_deref(), Some("connected"), "still working");
        assert_eq!(card_status(&app, northwind["team_id"].as_str().unwrap()).await.as_deref(), Some("connected"));
        app.screenshot("workspaces-degraded").await;

        // Sign in again from the card: OAuth for that team; the card is whole and the mapping kept.
        app.find(&format!("{degraded} button")).await.click().await.unwrap();
        wait_for_inner_text(&app, "[data-testid='notice']", "Reconnected Acme Studio").await;
        wait_for("the card to be whole again", || async {
            app.client.find(Locator::Css(&degraded)).await.is_err().then_some(())
        })
        .await;
        app.find(".toolbar .button:not(.primary)").await.click().await.unwrap();
        wait_for_inner_text(&app, "[data-testid='notice']", "every workspace is healthy").await;
        let kept: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM notification_channel WHERE team_id = ?1", [&acme_id], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1, "the reconnect kept the mapping");
        app.screenshot("workspaces-reconnected").await;

        // Disconnect Northwind, keeping its mappings: the card stays, disconnected.
        let northwind_id = northwind["team_id"].as_str().unwrap().to_owned();
        let footer = format!("article.workspace[data-team-id='{northwind_id}'] footer .subtle");
        app.find(&footer).await.click().await.unwrap();
        wait_for_inner_text(&app, "dialog.confirm", "Disconnect Northwind Traders?").await;
        app.screenshot("workspaces-disconnect-dialog").await;
        app.find("dialog.confirm button[type='submit']").await.click().await.unwrap();
        wait_for_inner_text(&app, "[data-testid='notice']", "Disconnected Northwind Traders").await;
        wait_for_status(&app, &northwind_id, "disabled").await;
        let answer: Value = reqwest::Client::new()
            .post(format!("{demo_url}/api/auth.test"))
            .bearer_auth(northwind["bot_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["error"], "token_revoked", "Slack revoked the token");
        app.screenshot("workspaces-disconnected").await;

        // Settings shows the demo app's manifest with the exact redirect URL.
        app.open_view("settings", "Settings").await;
        let redirect = app.find("[data-testid='redirect-url']").await.text().await.unwrap();
        assert!(redirect.starts_with("http://localhost:") && redirect.ends_with("/callback"));
        let manifest = app.find("[data-testid='manifest']").await.prop("value").await.unwrap().unwrap_or_default();
        assert!(manifest.contains(&redirect), "{manifest}");
        app.screenshot("settings-slack-app").await;

        // The smallest window, dark, with a workspace whose name and reason are very long.
        {
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            conn.execute(
                "INSERT INTO workspace (team_id, name, domain, status, status_reason, connected_at, is_demo, updated_at)
                 VALUES ('T0LONGNAME', 'Worldwide Consolidated Holdings International Subsidiary Operations Group', 'worldwide-consolidated-holdings-international', 'needs_reconnect',
                         'Slack no longer accepts the bot token (invalid_auth): the app was uninstalled or reinstalled, or the token was revoked. Reconnect to restore it; its channels, toggles and links are kept.', 1, 1, 1)",
                [],
            )
            .unwrap();
        }
        app.find("label:has(input[value='dark'])").await.click().await.unwrap();
        app.client.set_window_size(880, 560).await.expect("resizing the window");
        app.open_view("workspaces", "Workspaces").await;
        wait_for_inner_text(&app, ".grid", "Worldwide Consolidated").await;
        let overflow = app
            .client
            .execute("const d = document.documentElement; return d.scrollWidth - d.clientWidth;", vec![])
            .await
            .unwrap();
        assert_eq!(overflow.as_i64(), Some(0), "nothing overflows sideways");
        app.screenshot("workspaces-dark-minimum-size").await;
        app.client
            .execute("document.querySelector(\"[data-team-id='T0LONGNAME']\").scrollIntoView();", vec![])
            .await
            .unwrap();
        app.screenshot("workspaces-dark-minimum-size-long-name").await;

        // Leaving the demo returns to the person's own, empty, data.
        app.open_view("workspaces", "Workspaces").await;
        app.find(".demo-bar button").await.click().await.unwrap();
        wait_for_inner_text(&app, ".view[data-view='workspaces']", "Explore with a demo workspace").await;
        let badge = app.client.find(Locator::Css("[data-testid='demo-badge']")).await;
        assert!(badge.is_err(), "no DEMO badge outside the demo");
    })
    .await;
}
