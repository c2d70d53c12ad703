//! The demo workspace: Switchboard starts the Slack emulator in-process on loopback with the
//! demo seed, opens a fresh demo profile (`<data-dir>/demo`, its database reset, its secrets
//! in memory so the demo works without any OS keyring), connects through the real OAuth flow
//! (the browser shows the emulator's consent page) and then adds the demo app's bot token
//! through the real paste path. Leaving returns to the person's own profile.

use std::sync::Arc;

use crate::oauth::Callback;
use crate::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use crate::session::Session;
use crate::slack_app::AppSettings;
use crate::workspaces::{BotTokenPaste, Connected};
use crate::{Error, Result};

fn failed(what: &str, error: impl std::fmt::Display) -> Error {
    Error::StorageUnavailable(format!("The demo could not start: {what} ({error})."))
}

/// Starts a fresh demo and connects its workspace; `open` shows the consent page.
pub async fn start(
    session: &Session,
    open: &(dyn Fn(&str) -> Result<()> + Send + Sync),
) -> Result<Connected> {
    session.leave_demo().await;
    let home = session.home();
    let demo_dir = home.data_dir.join("demo");
    for suffix in ["", "-wal", "-shm"] {
        let path = demo_dir.join(format!("{}{suffix}", switchboard_store::DB_FILE_NAME));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(failed(&format!("{} could not be reset", path.display()), e)),
        }
    }
    // Bound now and kept: the port goes into the demo app's redirect URL, and nothing can
    // take it before the OAuth flow uses it.
    let callback = Callback::bind(0).await?;
    let port = callback.port();
    let emulator = slack_emulator::Emulator::start_with(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        slack_emulator::Config {
            seed: slack_emulator::Seed::Demo,
            redirect_urls: vec![format!("http://localhost:{port}/callback")],
            rate_limits: true,
        },
    )
    .await
    .map_err(|e| failed("the demo Slack did not start", e))?;
    let base = emulator.base_url();
    let endpoints = Endpoints::new(&emulator.api_base(), &format!("{base}/"))?;
    let profile = Profile::open(ProfileConfig {
        secrets: SecretsIn::Memory,
        actor: home.actor.clone(),
        events: session.events(),
        demo: Some(emulator),
        ..ProfileConfig::new(demo_dir, endpoints)
    });
    crate::slack_app::save_settings(
        &profile,
        &AppSettings {
            client_id: slack_emulator::SEEDED_CLIENT_ID.to_owned(),
            redirect_port: port,
            ..AppSettings::default()
        },
    )?;
    // As an owner copies it from the app's Basic Information page: Sign in with Slack needs it.
    crate::slack_app::set_client_secret(&profile, Some(slack_emulator::SEEDED_CLIENT_SECRET))
        .await?;
    profile.reserve_callback(callback);
    session.enter_demo(profile).await;
    let profile: Arc<Profile> = session.profile();
    tracing::info!(%base, "demo Slack started");

    let connected = crate::oauth::connect(&profile, None, open).await?;
    // The demo app's bot token, as an owner would copy it from the app's settings page.
    let seeded = profile
        .demo()
        .map(slack_emulator::Emulator::workspaces)
        .unwrap_or_default();
    let bot = seeded["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| w["team_id"] == connected.team_id.as_str())
        .and_then(|w| w["bot_token"].as_str())
        .ok_or_else(|| failed("the demo workspace has no bot token", &connected.team_id))?
        .to_owned();
    let card = crate::workspaces::connect_bot_token(
        &profile,
        &BotTokenPaste {
            token: bot,
            refresh_token: None,
        },
    )
    .await?;
    // And its app-level token, so that Slack can reach the demo over Socket Mode.
    if let Some(app_token) = seeded["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| w["team_id"] == connected.team_id.as_str())
        .and_then(|w| w["app_token"].as_str())
    {
        crate::slack_app::set_app_token(&profile, Some(app_token)).await?;
    }
    Ok(card)
}

/// Leaves the demo: back to the person's own profile; the demo's Slack stops.
pub async fn leave(session: &Session) -> bool {
    session.leave_demo().await
}
