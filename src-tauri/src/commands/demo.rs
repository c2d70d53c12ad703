//! The demo workspace: Switchboard starts the Slack emulator in-process on loopback with the
//! demo seed, switches to a separate demo database (and keyring profile), connects through the
//! real OAuth flow (the browser shows the emulator's consent page) and then adds the demo app's
//! bot token through the real paste path. Leaving the demo returns to the person's own data.

use tauri::{AppHandle, State};

use crate::commands::workspaces::{connect_with_bot_token, connect_with_oauth};
use crate::dto::Connected;
use crate::error::{CommandError, ErrorCode};
use crate::state::{AppState, DemoSlack, Profile};

fn failed(what: &str, error: impl std::fmt::Display) -> CommandError {
    CommandError::new(
        ErrorCode::Slack,
        format!("The demo could not start: {what} ({error})."),
    )
}

/// A loopback port nothing listens on now, for the demo app's redirect URL.
fn free_port() -> Result<u16, CommandError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| failed("no free loopback port", e))
}

/// Starts a fresh demo: the emulator, the demo database, then the OAuth connection and the
/// bot token of the workspace chosen on the consent page.
#[tauri::command]
#[specta::specta]
pub async fn start_demo(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Connected, CommandError> {
    state.leave_demo();
    let demo_dir = state.home_data_dir().join("demo");
    for suffix in ["", "-wal", "-shm"] {
        let path = demo_dir.join(format!("{}{suffix}", switchboard_store::DB_FILE_NAME));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(failed(&format!("{} could not be reset", path.display()), e)),
        }
    }
    let port = free_port()?;
    let emulator = slack_emulator::Emulator::start_with(
        "127.0.0.1:0"
            .parse()
            .map_err(|e| failed("bad address", e))?,
        slack_emulator::Config {
            seed: slack_emulator::Seed::Demo,
            redirect_urls: vec![format!("http://localhost:{port}/callback")],
            rate_limits: true,
        },
    )
    .await
    .map_err(|e| failed("the demo Slack did not start", e))?;
    let base = emulator.base_url();
    let oauth_base = url::Url::parse(&format!("{base}/")).map_err(|e| failed("bad URL", e))?;
    let profile = Profile::open(
        demo_dir,
        &emulator.api_base(),
        oauth_base,
        Some(DemoSlack { emulator }),
    )?;
    {
        let mut store = profile.store()?;
        switchboard_core::slack_app::save(
            store.conn_mut(),
            &switchboard_core::slack_app::AppSettings {
                client_id: slack_emulator::SEEDED_CLIENT_ID.to_owned(),
                redirect_port: port,
                ..Default::default()
            },
            &state.actor,
            switchboard_store::now_ms(),
        )?;
    }
    state.enter_demo(profile);
    let profile = state.profile();
    tracing::info!(%base, "demo Slack started");

    let connected = connect_with_oauth(&app, &state, &profile, None).await?;
    // The demo app's bot token, as an owner would copy it from the app's settings page.
    let seeded = profile
        .demo
        .as_ref()
        .map(|demo| demo.emulator.workspaces())
        .unwrap_or_default();
    let bot = seeded["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| w["team_id"] == connected.team_id.as_str())
        .and_then(|w| w["bot_token"].as_str())
        .ok_or_else(|| failed("the demo workspace has no bot token", &connected.team_id))?
        .to_owned();
    connect_with_bot_token(&profile, &state.actor, &bot).await
}

/// Leaves the demo: back to the person's own data; the demo Slack stops.
#[tauri::command]
#[specta::specta]
pub fn leave_demo(state: State<'_, AppState>) {
    state.leave_demo();
}
