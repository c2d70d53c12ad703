//! Command-line interface of the `switchboard` binary: global flags (the console and every
//! headless subcommand), and one file per subcommand group (`info`, `workspace`). Each
//! subcommand parses, builds the profile through core's composition root, calls the core
//! function of its user action, and prints text or JSON from a typed `Serialize` struct.
//!
//! Exit codes (also in `--help`): 0 success; 1 an error (the reason on stderr); 2 bad usage;
//! 3 a workspace needs reconnecting; 4 a workspace could not be checked or synced.

mod app_token;
mod channel;
mod decisions;
mod dm;
mod event;
mod info;
mod ingest_token;
mod outbox;
mod project;
mod serve;
mod staff;
mod template;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig};

pub use app_token::AppTokenArgs;
pub use channel::{ChannelCommand, IntegrationCommand};
pub use decisions::DecisionsCommand;
pub use dm::DmCommand;
pub use event::EventCommand;
pub use ingest_token::IngestTokenArgs;
pub use outbox::OutboxCommand;
pub use project::ProjectCommand;
pub use serve::ServeArgs;
pub use staff::StaffCommand;
pub use template::TemplateCommand;
pub use workspace::WorkspaceCommand;

/// Exit code: a workspace needs reconnecting.
pub const EXIT_NEEDS_RECONNECT: u8 = 3;
/// Exit code: a workspace could not be checked or synced.
pub const EXIT_INCOMPLETE: u8 = 4;

/// Desktop admin console for a business application's Slack integration.
///
/// Without a subcommand, opens the console window.
#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about,
    long_about,
    after_help = "Exit codes: 0 success; 1 an error (the reason on stderr); 2 bad usage; 3 a workspace needs reconnecting; 4 a workspace could not be checked or synced."
)]
pub struct Cli {
    /// Directory of the database and local state [default: the platform's app-data directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Base URL of the Slack Web API (a Slack emulator's `/api/` in tests)
    #[arg(long, global = true, value_name = "URL", default_value = "https://slack.com/api/", value_parser = parse_base_url)]
    pub slack_api_base: url::Url,

    /// Base URL of Slack's OAuth pages (`oauth/v2/authorize` is resolved against it)
    #[arg(long, global = true, value_name = "URL", default_value = "https://slack.com/", value_parser = parse_base_url)]
    pub slack_oauth_base: url::Url,

    /// Do not pace calls below Slack's rate limits (only against an emulator without limits,
    /// for tests)
    #[arg(long, global = true, hide = true)]
    pub slack_no_pacing: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the version, the data directory and the database's schema version
    Info {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Connected Slack workspaces
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Events of the business application: send one and see where it was routed
    #[command(subcommand)]
    Event(EventCommand),
    /// Notification channels: which event kinds each receives
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// The global Slack integration switch
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Run the local ingest API without a window: POST /v1/events on 127.0.0.1, printing
    /// `listening http://127.0.0.1:PORT` first, and deliver what it queues; serves until
    /// Ctrl-C or SIGTERM
    Serve(ServeArgs),
    /// The ingest API's bearer token: whether one exists and when it was made; --rotate makes
    /// a new one and prints it once
    IngestToken(IngestTokenArgs),
    /// The Slack app's app-level token (xapp-…) for Socket Mode: whether one is kept; --stdin
    /// checks one with Slack and keeps it, --remove removes it
    AppToken(AppTokenArgs),
    /// Projects of the business application: list, add, edit, import from CSV, assign a
    /// channel, archive
    #[command(subcommand)]
    Project(ProjectCommand),
    /// The outbox: messages waiting, sent, held or failed, and delivering them
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// How each event kind's message is worded: list, preview, set, reset
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Staff members and their Slack connections: list, import, link, enable, disable
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Direct messages to staff members on Slack
    #[command(subcommand)]
    Dm(DmCommand),
    /// Approvals decided in Slack with the Approve and Reject buttons, and the webhook that
    /// tells the business application
    #[command(subcommand)]
    Decisions(DecisionsCommand),
}

/// Accepts an absolute http(s) URL and makes sure it ends in `/`, so relative method names
/// resolve beneath it (`…/api/` + `auth.test`). Core's [`Endpoints`] holds the rule.
fn parse_base_url(value: &str) -> Result<url::Url, String> {
    Endpoints::new(value, "https://slack.com/")
        .map(|e| e.api_base)
        .map_err(|e| e.to_string())
}

impl Cli {
    /// The data directory: `--data-dir` or the platform default.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => switchboard_core::profile::default_data_dir()
                .context("finding the app-data directory"),
        }
    }

    /// Where Slack is, from `--slack-api-base` and `--slack-oauth-base`.
    pub fn endpoints(&self) -> anyhow::Result<Endpoints> {
        Ok(Endpoints::new(
            self.slack_api_base.as_str(),
            self.slack_oauth_base.as_str(),
        )?)
    }

    /// The profile of the data directory, built by core's composition root.
    pub fn profile(&self) -> anyhow::Result<Profile> {
        let profile = Profile::open(ProfileConfig {
            slack_pacing: !self.slack_no_pacing,
            ..ProfileConfig::new(self.data_dir()?, self.endpoints()?)
        });
        if let Some(error) = profile.open_error() {
            anyhow::bail!("opening the database: {error}");
        }
        Ok(profile)
    }
}

/// The runtime a headless subcommand runs on.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Prints `value` as pretty JSON.
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs the headless subcommand `command`; the exit code says how it went.
pub fn run(cli: &Cli, command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Info { json } => info::run(cli, *json).map(|()| ExitCode::SUCCESS),
        Command::Workspace(command) => workspace::run(cli, command),
        Command::Event(command) => event::run(cli, command),
        Command::Outbox(command) => outbox::run(cli, command),
        Command::Project(command) => project::run(cli, command),
        Command::Channel(command) => channel::run(cli, command),
        Command::Serve(args) => serve::run(cli, args),
        Command::IngestToken(args) => ingest_token::run(cli, args),
        Command::AppToken(args) => app_token::run(cli, args),
        Command::Integration(command) => channel::run_integration(cli, command),
        Command::Template(command) => template::run(cli, command),
        Command::Staff(command) => staff::run(cli, command),
        Command::Dm(command) => dm::run(cli, command),
        Command::Decisions(command) => decisions::run(cli, command),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_or_refused_with_a_reason() {
        let ok = [
            ("https://slack.com/api", "https://slack.com/api/"),
            ("http://127.0.0.1:4000/api/", "http://127.0.0.1:4000/api/"),
        ];
        for (input, expected) in ok {
            assert_eq!(parse_base_url(input).unwrap().as_str(), expected, "{input}");
        }
        for bad in [
            "slack.com/api",
            "ftp://slack.com/",
            "https://slack.com/api?x=1",
        ] {
            let error = parse_base_url(bad).expect_err(bad);
            assert!(error.contains(bad), "the error quotes the input: {error}");
        }
    }

    #[test]
    fn global_flags_parse_before_and_after_subcommands() {
        let cli =
            Cli::try_parse_from(["switchboard", "info", "--data-dir", "/tmp/x", "--json"]).unwrap();
        assert_eq!(
            cli.data_dir.as_deref(),
            Some(std::path::Path::new("/tmp/x"))
        );
        assert!(matches!(cli.command, Some(Command::Info { json: true })));
        let cli = Cli::try_parse_from(["switchboard"]).unwrap();
        assert!(cli.command.is_none(), "no subcommand opens the console");
        assert_eq!(cli.slack_api_base.as_str(), "https://slack.com/api/");
    }
}
