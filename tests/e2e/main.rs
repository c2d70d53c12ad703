//! The end-to-end suite: the real `switchboard` binary, with its UI embedded, under Xvfb,
//! driven through tauri-driver and WebKitWebDriver. Each test starts the app on a fresh data
//! directory, asserts on what a person sees, and saves screenshots to
//! `target/e2e-screenshots/`.
//!
//! Run with `make e2e` (or `cargo test --features custom-protocol --test e2e`): the feature
//! embeds `ui/dist`, without it a debug binary would load the dev server instead.

mod harness;
mod keyring;
mod routing;
mod socket;
mod staff;
mod talk_back;
mod workspaces;

use fantoccini::key::Key;
use harness::{App, with_app};

/// Every view, with its sidebar label and a sentence its empty state shows on a fresh install.
const VIEWS: [(&str, &str, &str); 7] = [
    (
        "workspaces",
        "Workspaces",
        "Connect your first Slack workspace",
    ),
    ("channels", "Channels", "Connect a workspace first"),
    ("projects", "Projects", "No projects yet"),
    ("staff", "Staff", "No staff members yet"),
    ("messages", "Messages", "No messages sent yet"),
    ("activity", "Activity", "No events have arrived yet"),
    ("settings", "Settings", "Appearance"),
];

/// What the emulator (or Slack's API on it) answers to a GET of `url`, with a bearer `token`.
async fn get_json(url: &str, token: Option<&str>) -> serde_json::Value {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// What the emulator answers to `body` posted as JSON to `url`.
async fn post_json(url: &str, body: serde_json::Value) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

fn fresh_data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let data = tmp.path().join("data");
    (tmp, data)
}

/// Visits every view, checks it shows `expected` (and Settings' audit log `audit`), and
/// saves `THEME-VIEW.png`.
async fn visit_every_view(app: &App, theme: &str, audit: &str) {
    for (view, label, expected) in VIEWS {
        app.open_view(view, label).await;
        if view == "settings" {
            app.wait_for_text("[data-testid='audit-log']", audit).await;
        }
        app.wait_for_text(&format!(".view[data-view='{view}']"), expected)
            .await;
        app.screenshot(&format!("{theme}-{view}")).await;
    }
}

async fn prefers_dark(app: &App) -> bool {
    app.client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .expect("querying prefers-color-scheme")
        .as_bool()
        .expect("a boolean")
}

/// The page's painted background colour, as `rgb(r, g, b)`.
async fn background(app: &App) -> String {
    let value = app
        .client
        .execute(
            "return getComputedStyle(document.documentElement).backgroundColor;",
            vec![],
        )
        .await
        .expect("reading the background colour");
    value.as_str().expect("a colour string").to_owned()
}

pub(crate) async fn choose_theme(app: &App, theme: &str) {
    app.open_view("settings", "Settings").await;
    app.find(&format!("label:has(input[value='{theme}'])"))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("choosing the {theme} theme: {e}"));
    harness::wait_for(&format!("the {theme} theme"), || async {
        (app.theme().await.as_deref() == Some(theme)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_shows_its_empty_state_in_light_and_dark() {
    let (_tmp, data) = fresh_data_dir();
    with_app(&data, &[], |app| async move {
        // The status bar names this build and the database in the data directory we chose.
        let version = app.wait_for_text("[data-testid='app-version']", "v").await;
        assert!(
            version.contains(env!("CARGO_PKG_VERSION")),
            "status bar: {version}"
        );
        let db = app
            .wait_for_text("[data-testid='database-path']", "switchboard.sqlite3")
            .await;
        assert!(
            db.contains(&app.data_dir.display().to_string()),
            "database path: {db}"
        );
        assert!(
            app.data_dir.join("switchboard.sqlite3").is_file(),
            "the database was created"
        );

        // A fresh install follows the OS, which under a bare Xvfb is light.
        assert_eq!(
            app.theme().await,
            None,
            "no theme is pinned on a fresh install"
        );
        assert!(!prefers_dark(&app).await, "bare Xvfb prefers light");
        visit_every_view(&app, "light", "Nothing has been changed yet").await;

        choose_theme(&app, "dark").await;
        visit_every_view(&app, "dark", "Changed Theme from system to dark").await;

        choose_theme(&app, "light").await;
        app.open_view("settings", "Settings").await;
        let log = app
            .wait_for_text(
                "[data-testid='audit-log']",
                "Changed Theme from dark to light",
            )
            .await;
        assert!(
            log.contains("Changed Theme from system to dark"),
            "both changes, newest first: {log}"
        );
        app.screenshot("light-settings-audit-log").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_theme_follows_the_os() {
    let (_tmp, data) = fresh_data_dir();
    with_app(&data, &[("GTK_THEME", "Adwaita:dark")], |app| async move {
        app.wait_for_text("main h1", "Workspaces").await;
        assert_eq!(app.theme().await, None, "nothing pinned: the OS decides");
        assert!(
            prefers_dark(&app).await,
            "a dark GTK theme makes the web view prefer dark"
        );
        assert_eq!(
            background(&app).await,
            "rgb(14, 16, 22)",
            "the dark background is painted"
        );
        app.screenshot("system-dark-workspaces").await;

        // Pinning light overrides the OS.
        choose_theme(&app, "light").await;
        assert_eq!(
            background(&app).await,
            "rgb(245, 246, 250)",
            "the light background is painted"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyboard_reaches_every_view() {
    let (_tmp, data) = fresh_data_dir();
    with_app(&data, &[], |app| async move {
        app.wait_for_text("main h1", "Workspaces").await;
        let first = app.find("nav a[data-view='workspaces']").await;
        first.send_keys(&Key::Down.to_string()).await.unwrap();
        app.wait_for_text("main h1", "Channels").await;
        let focused = app.client.active_element().await.unwrap();
        assert_eq!(
            focused.attr("data-view").await.unwrap().as_deref(),
            Some("channels"),
            "focus follows the arrow key"
        );
        focused.send_keys(&Key::End.to_string()).await.unwrap();
        app.wait_for_text("main h1", "Settings").await;
        let focused = app.client.active_element().await.unwrap();
        focused.send_keys(&Key::Down.to_string()).await.unwrap();
        app.wait_for_text("main h1", "Workspaces").await;

        // From an empty state, the action takes the person to the prerequisite.
        app.open_view("channels", "Channels").await;
        let button = app.find(".view button.primary").await;
        assert!(button.text().await.unwrap().contains("Go to Workspaces"));
        button.send_keys(&Key::Enter.to_string()).await.unwrap();
        app.wait_for_text("main h1", "Workspaces").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_theme_survives_a_restart() {
    let (_tmp, data) = fresh_data_dir();
    with_app(&data, &[], |app| async move {
        choose_theme(&app, "dark").await;
    })
    .await;
    with_app(&data, &[], |app| async move {
        app.wait_for_text("main h1", "Workspaces").await;
        harness::wait_for("the stored dark theme after restart", || async {
            (app.theme().await.as_deref() == Some("dark")).then_some(())
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_database_file_is_explained_and_left_alone() {
    let (_tmp, data) = fresh_data_dir();
    std::fs::create_dir_all(&data).unwrap();
    let path = data.join("switchboard.sqlite3");
    let content = b"quarterly notes, not a database\n".repeat(100);
    std::fs::write(&path, &content).unwrap();
    with_app(&data, &[], |app| async move {
        let alert = app
            .wait_for_text("[role='alert']", "cannot open its database")
            .await;
        assert!(
            alert.contains("is not a Switchboard database"),
            "banner: {alert}"
        );
        assert!(
            alert.contains("--data-dir"),
            "the banner says what to do: {alert}"
        );
        app.screenshot("error-database-unavailable").await;
    })
    .await;
    assert_eq!(
        std::fs::read(&path).unwrap(),
        content,
        "the file was not touched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layout_holds_at_minimum_size_with_a_long_data_path() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp
        .path()
        .join("a-rather-long-folder-name-for-the-switchboard-console")
        .join("with-nested-folders-that-keep-going-for-a-while")
        .join("data");
    with_app(&data, &[], |app| async move {
        app.wait_for_text("[data-testid='database-path']", "switchboard.sqlite3")
            .await;
        // The smallest size the window allows (tauri's min_inner_size in src-tauri/src/lib.rs).
        app.client
            .set_window_size(880, 560)
            .await
            .expect("resizing the window");
        harness::wait_for("the page to shrink to the window", || async {
            let width = app
                .client
                .execute("return document.documentElement.clientWidth;", vec![])
                .await
                .ok()?;
            (width.as_u64()? <= 880).then_some(())
        })
        .await;
        for (view, label, _) in VIEWS {
            app.open_view(view, label).await;
            let overflow = app
                .client
                .execute(
                    "const d = document.documentElement; return d.scrollWidth - d.clientWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                overflow.as_i64(),
                Some(0),
                "{view} overflows horizontally at 880 px"
            );
        }
        app.open_view("workspaces", "Workspaces").await;
        app.screenshot("min-size-workspaces").await;
        app.open_view("settings", "Settings").await;
        app.screenshot("min-size-settings").await;
    })
    .await;
}
