//! Slack reaching Switchboard (Socket Mode) through the real UI, on the demo: the status bar and
//! the workspace card say "Slack can reach Switchboard"; the owner removes the app-level token
//! in Settings → Slack app and the console says why Slack cannot reach it; a bot token pasted
//! instead is refused with what to paste; the demo app's xapp- token is checked and kept, and
//! Slack reaches Switchboard again: `/switchboard help` run in Slack is answered, and a dropped
//! socket comes back by itself.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::harness::{App, wait_for, with_app};
use crate::routing::click;

const CONSENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/consent.py");
const STATUS_BAR: &str = ".status [data-testid='socket-status']";

async fn control(demo_url: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{demo_url}/_emulator/{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn type_token(app: &App, token: &str) {
    let field = app.find("[data-testid='app-token']").await;
    field.clear().await.unwrap();
    field.send_keys(token).await.unwrap();
    click(app, "[data-testid='save-app-token']").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_pastes_the_app_level_token_and_slack_can_reach_switchboard() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    with_app(
        &data,
        &[("SWITCHBOARD_URL_OPENER", CONSENT)],
        |app| async move {
            let demo_url = app.start_demo().await;
            app.wait_for_text(STATUS_BAR, "Slack can reach Switchboard")
                .await;
            app.wait_for_text(
                "article.workspace [data-testid='socket-status']",
                "Slack can reach Switchboard",
            )
            .await;
            app.screenshot("socket-workspaces-connected").await;

            app.open_view("settings", "Settings").await;
            click(&app, "[data-testid='remove-app-token']").await;
            app.wait_for_text(STATUS_BAR, "no app-level token").await;
            let seeded = crate::get_json(&format!("{demo_url}/_emulator/workspaces"), None).await;
            let workspace = &seeded["workspaces"][0];
            let (app_token, bot_token) = (
                workspace["app_token"].as_str().unwrap().to_owned(),
                workspace["bot_token"].as_str().unwrap().to_owned(),
            );

            // A bot token is not what Socket Mode needs: refused, saying what to paste.
            type_token(&app, &bot_token).await;
            let refusal = app.wait_for_text(".secret [role='alert']", "xapp-").await;
            assert!(refusal.contains("App-Level Tokens"), "{refusal}");
            app.screenshot("socket-settings-refused").await;

            type_token(&app, &app_token).await;
            app.wait_for_text(".secret [role='status']", "Slack accepted it")
                .await;
            app.wait_for_text(STATUS_BAR, "Slack can reach Switchboard")
                .await;
            app.screenshot("socket-settings-connected").await;

            // Slack runs the slash command: Switchboard answers in the ack.
            let team = workspace["team_id"].as_str().unwrap();
            let user = workspace["admin_user_id"].as_str().unwrap();
            let channels = crate::get_json(
                &format!("{demo_url}/api/conversations.list?limit=5"),
                Some(&bot_token),
            )
            .await;
            let channel = channels["channels"][0]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{channels}"));
            let answer = control(
                &demo_url,
                "socket/slash-command",
                json!({"team_id": team, "user_id": user, "channel_id": channel,
                   "command": "/switchboard", "text": "help"}),
            )
            .await;
            assert_eq!(answer["ok"], true, "{answer}");
            let text = answer["response"]["text"].as_str().unwrap_or_default();
            assert!(text.contains("/switchboard subscribe KIND"), "{answer}");

            // The socket drops: the console says so, and it comes back by itself.
            let dropped = control(
                &demo_url,
                "socket/drop",
                json!({"how": "refuse", "for_ms": 1500}),
            )
            .await;
            assert_eq!(dropped["ok"], true, "{dropped}");
            wait_for("the drop to show", async || {
                let state = app
                    .client
                    .find(Locator::Css(STATUS_BAR))
                    .await
                    .ok()?
                    .attr("data-state")
                    .await
                    .ok()??;
                (state == "retrying" || state == "connecting").then_some(())
            })
            .await;
            app.wait_for_text(STATUS_BAR, "Slack can reach Switchboard")
                .await;
        },
    )
    .await;
}
