//! The desktop shell of Switchboard: the only crate that knows Tauri.
//!
//! A tour:
//! - [`cli`]: the command line, parsed before Tauri starts; headless subcommands run there, one
//!   file per subcommand group.
//! - `state`: what every command can reach: core's `Session` (the active profile, built by
//!   core's composition root, and the supervisor of its background work) and the web view's
//!   event channels.
//! - `commands`: one file per area; each command is `async` (never on the main thread), parses
//!   its input, calls one function of `switchboard-core` and maps the result to a DTO. No SQL,
//!   HTTP or business rule lives here, and nothing here names `switchboard_store`.
//! - `dto`: the types that cross to the web view, one file per file of `commands`; their
//!   TypeScript twins are generated into `ui/src/lib/bindings.ts` by [`specta_builder`] and
//!   checked by `tests/invariants.rs`.
//! - `error`: the one error type of the IPC boundary, `{ code, message, field?, teamId? }`.

pub mod cli;
mod commands;
mod dto;
mod error;
mod state;

use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

pub use error::{CommandError, ErrorCode};

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Records when the process started, for the "UI ready in N ms" log line.
pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

/// Milliseconds since [`mark_process_start`].
pub(crate) fn ms_since_start() -> u128 {
    PROCESS_START
        .get_or_init(Instant::now)
        .elapsed()
        .as_millis()
}

/// Logs to stderr; `SWITCHBOARD_LOG` sets the filter (default `info`). Tokens never reach a
/// log line: they are wrapped in a redacting type before anything could print them.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Every command the web view may call, with the types they use. The same list registers the
/// handlers, exports the TypeScript bindings, and is checked against the permissions.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        commands::app::app_info,
        commands::app::overview,
        commands::app::event_catalogue,
        commands::app::keyring_status,
        commands::app::subscribe_events,
        commands::preferences::preferences,
        commands::preferences::set_theme,
        commands::activity::recent_activity,
        commands::activity::timeline,
        commands::activity::event_story,
        commands::activity::retry_message,
        commands::activity::discard_message,
        commands::activity::open_message,
        commands::channels::notification_channels,
        commands::channels::add_notification_channel,
        commands::channels::set_channel_kinds,
        commands::channels::set_channel_enabled,
        commands::channels::set_channel_threads,
        commands::channels::set_default_channel,
        commands::channels::remove_notification_channel,
        commands::channels::send_test_message,
        commands::channels::test_message_outcome,
        commands::channels::integration,
        commands::channels::set_integration,
        commands::channels::decide_held,
        commands::projects::projects,
        commands::projects::add_project,
        commands::projects::edit_project,
        commands::projects::set_project_active,
        commands::projects::assign_project_channel,
        commands::projects::preview_project_import,
        commands::projects::import_projects,
        commands::staff::staff_members,
        commands::staff::staff_member,
        commands::staff::add_staff_member,
        commands::staff::edit_staff_member,
        commands::staff::set_staff_active,
        commands::staff::set_staff_connection,
        commands::staff::link_staff_member,
        commands::staff::sign_in_staff_member,
        commands::staff::unlink_staff_member,
        commands::staff::set_staff_dm_target,
        commands::staff::set_staff_hours,
        commands::staff::plan_staff_links,
        commands::staff::apply_staff_links,
        commands::staff::search_slack_users,
        commands::staff::preview_staff_import,
        commands::staff::import_staff,
        commands::staff::escalation_rules,
        commands::staff::set_escalation_rule,
        commands::staff::dm_purposes,
        commands::staff::send_dm,
        commands::staff::dm_sender,
        commands::staff::dm_template,
        commands::staff::save_dm_template,
        commands::staff::preview_dm,
        commands::templates::templates,
        commands::templates::preview_template,
        commands::templates::save_template,
        commands::ingest::ingest_settings,
        commands::ingest::rotate_ingest_token,
        commands::ingest::set_ingest_port,
        commands::workspaces::workspaces,
        commands::workspaces::workspace_icon,
        commands::workspaces::connect_bot_token,
        commands::workspaces::connect_oauth,
        commands::workspaces::cancel_oauth,
        commands::workspaces::check_workspaces,
        commands::workspaces::disconnect_workspace,
        commands::workspaces::sync_directory,
        commands::workspaces::cancel_sync,
        commands::directory::search_channels,
        commands::slack_app::slack_app_setup,
        commands::slack_app::save_slack_app_settings,
        commands::slack_app::save_client_secret,
        commands::slack_app::save_app_token,
        commands::slack_app::socket_status,
        commands::talk_back::decisions,
        commands::talk_back::webhook_settings,
        commands::talk_back::set_webhook,
        commands::talk_back::set_file_types,
        commands::talk_back::conversation,
        commands::talk_back::unread_conversations,
        commands::talk_back::mark_conversation_read,
        commands::talk_back::reply_to_staff,
        commands::demo::start_demo,
        commands::demo::leave_demo,
    ])
}

/// The TypeScript exporter settings the bindings are generated with.
pub fn bindings_exporter() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default()
        .bigint(specta_typescript::BigIntExportBehavior::Number)
        .header("// Generated by `UPDATE_BINDINGS=1 cargo test --test invariants`; do not edit.\n")
}

/// Writes the TypeScript bindings to `path`.
///
/// tauri-specta 2.0.0-rc.21 with specta rc.22 declares `type TAURI_CHANNEL<TSend> = null` for a
/// `tauri::ipc::Channel` argument while also importing `Channel as TAURI_CHANNEL`, which
/// TypeScript refuses; the declaration is dropped so the import (the real class) is used.
pub fn export_bindings(path: &std::path::Path) -> anyhow::Result<()> {
    specta_builder()
        .export(bindings_exporter(), path)
        .context("exporting the TypeScript bindings")?;
    let text = std::fs::read_to_string(path)?;
    let fixed = text.replace("export type TAURI_CHANNEL<TSend> = null\n", "");
    std::fs::write(path, fixed)?;
    Ok(())
}

/// Opens the console window and runs until it is closed; then stops the background work and
/// waits for what is in flight.
pub fn run_console(cli: &cli::Cli) -> anyhow::Result<()> {
    let data_dir = cli.data_dir()?;
    let state = state::AppState::open(cli)?;
    tracing::debug!("profile opened at {} ms", ms_since_start());
    if let Some(error) = state.profile().open_error() {
        // The window still opens and shows this, so a person sees what is wrong and what to do.
        tracing::error!("{error}");
    }
    let builder = specta_builder();
    let webview_dir = data_dir.join("webview");
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .manage(state)
        .setup(move |app| {
            builder.mount_events(app);
            // The web view keeps its storage under the data directory, so separate data
            // directories (tests, demo) never share state.
            WebviewWindowBuilder::new(app, "main", WebviewUrl::default())
                .title("Switchboard")
                .inner_size(1200.0, 780.0)
                .min_inner_size(880.0, 560.0)
                .data_directory(webview_dir)
                .build()?;
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
            // Background work (health checks: every workspace now, then every 15 minutes)
            // belongs to the session's supervisor.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle
                    .state::<state::AppState>()
                    .session
                    .start_background()
                    .await;
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("building the console window")?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // In-flight work finishes (a health check records its result) before the process
            // ends; nothing new starts.
            let session = &handle.state::<state::AppState>().session;
            tauri::async_runtime::block_on(session.shutdown());
            tracing::info!("background work stopped");
        }
    });
    Ok(())
}
