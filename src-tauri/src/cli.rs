//! Command-line interface of the `switchboard` binary. Global flags apply to the console and to
//! every headless subcommand; later issues add subcommands here.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Serialize;

/// Desktop admin console for a business application's Slack integration.
///
/// Without a subcommand, opens the console window.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about)]
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
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List connected workspaces
    List {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Connect (or reconnect) a workspace with the bot token of the app installed from
    /// Switchboard's manifest; the token is read from standard input and kept in the keyring
    Connect {
        /// Read the bot token (xoxb-…) from standard input
        #[arg(long, required = true)]
        token_stdin: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Sync the cached channels and users of one workspace, or of every connected one
    Sync {
        /// The workspace's team id (T…); all connected workspaces when left out
        team_id: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Check every workspace's tokens with Slack (auth.test), refresh rotating tokens, and
    /// report what needs reconnecting and which features lack scopes
    Check {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Revoke a workspace's tokens with Slack and delete them from the keyring; its channels,
    /// toggles and links are kept for a later reconnect unless --forget-mappings is given
    Disconnect {
        /// The workspace's team id (T…)
        team_id: String,
        /// Also remove the workspace's channels, toggles and staff links
        #[arg(long)]
        forget_mappings: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

/// Accepts an absolute http(s) URL and makes sure it ends in `/`, so relative method names
/// resolve beneath it (`…/api/` + `auth.test`).
fn parse_base_url(value: &str) -> Result<url::Url, String> {
    let mut url = url::Url::parse(value).map_err(|error| {
        format!("{value:?} is not a URL ({error}); give one like https://slack.com/api/")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{value:?} must start with http:// or https://"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{value:?} must not carry a query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

impl Cli {
    /// The data directory: `--data-dir` or the platform default.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => switchboard_store::default_data_dir().context("finding the app-data directory"),
        }
    }
}

fn workspace_json(w: &switchboard_store::workspaces::Workspace) -> serde_json::Value {
    let problems: Vec<String> = switchboard_core::health::scope_problems(w)
        .iter()
        .map(switchboard_core::slack_app::describe)
        .collect();
    serde_json::json!({
        "team_id": w.team_id, "name": w.name, "domain": w.domain, "icon_url": w.icon_url,
        "mode": w.mode(), "status": w.status.as_str(), "status_reason": w.status_reason,
        "reconnect_token": w.reconnect_token,
        "bot_token": w.has_bot_token, "user_token": w.has_user_token,
        "bot_scopes": w.bot_scopes, "user_scopes": w.user_scopes,
        "bot_user_id": w.bot_user_id, "authed_user_id": w.authed_user_id,
        "connected_by": w.connected_by, "connected_at": w.connected_at,
        "last_health_check_at": w.last_health_check_at,
        "directory_synced_at": w.directory_synced_at,
        "scope_problems": problems, "demo": w.is_demo,
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The team ids a command works on: the one named (which must exist) or every connected one.
fn chosen_workspaces(
    store: &switchboard_store::Store,
    team_id: Option<&str>,
) -> anyhow::Result<Vec<switchboard_store::workspaces::Workspace>> {
    let all = switchboard_core::workspaces::list(store.conn())?;
    match team_id {
        Some(id) => match all.into_iter().find(|w| w.team_id == id) {
            Some(w) => Ok(vec![w]),
            None => anyhow::bail!(
                "no workspace {id} is connected; `switchboard workspace list` shows the ones that are"
            ),
        },
        None => Ok(all
            .into_iter()
            .filter(|w| w.status != switchboard_store::workspaces::Status::Disabled)
            .collect()),
    }
}

/// `switchboard workspace …`: headless, never opens a window.
pub fn run_workspace(cli: &Cli, command: &WorkspaceCommand) -> anyhow::Result<()> {
    let data_dir = cli.data_dir()?;
    let store = switchboard_store::Store::open(&data_dir).context("opening the database")?;
    let secrets = switchboard_core::secrets::KeyringStore::for_data_dir(&data_dir);
    let actor = crate::state::local_user();
    match command {
        WorkspaceCommand::List { json } => {
            let workspaces = switchboard_core::workspaces::list(store.conn())?;
            if *json {
                let list: Vec<serde_json::Value> = workspaces.iter().map(workspace_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if workspaces.is_empty() {
                println!(
                    "No workspace connected. Connect one with: switchboard workspace connect --token-stdin"
                );
            } else {
                for w in &workspaces {
                    println!(
                        "{:<12} {:<28} {:<24} {:<16} {}",
                        w.team_id,
                        w.name,
                        format!("{}.slack.com", w.domain),
                        w.mode(),
                        w.status.as_str()
                    );
                }
            }
            Ok(())
        }
        WorkspaceCommand::Connect { json, .. } => {
            let mut store = store;
            let mut pasted = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut pasted)
                .context("reading the token from standard input")?;
            let client = slack_client(cli)?;
            let install = runtime()?.block_on(switchboard_core::workspaces::validate_bot_token(
                &client, &pasted,
            ))?;
            let connected = switchboard_core::workspaces::record_bot_install(
                store.conn_mut(),
                &secrets,
                &install,
                &actor,
                false,
                switchboard_store::now_ms(),
            )?;
            if *json {
                println!(
                    "{}",
                    serde_json::json!({"team_id": connected.team_id, "name": connected.name, "reconnect": connected.reconnect})
                );
            } else if connected.reconnect {
                println!(
                    "Reconnected {} ({}); its channels, toggles and links are kept.",
                    connected.name, connected.team_id
                );
            } else {
                println!(
                    "Connected {} ({}) with the app's bot token.",
                    connected.name, connected.team_id
                );
            }
            Ok(())
        }
        WorkspaceCommand::Sync { team_id, json } => {
            let chosen = chosen_workspaces(&store, team_id.as_deref())?;
            if chosen.is_empty() {
                anyhow::bail!(
                    "no workspace is connected; connect one with `switchboard workspace connect --token-stdin`"
                );
            }
            let client = slack_client(cli)?;
            let store = std::sync::Mutex::new(store);
            let runtime = runtime()?;
            let mut results = Vec::new();
            for w in chosen {
                let token = runtime.block_on(switchboard_core::health::fresh_token(
                    &client,
                    &secrets,
                    &store,
                    &w.team_id,
                    switchboard_store::now_ms(),
                ))?;
                let name = w.name.clone();
                let summary = runtime
                    .block_on(switchboard_core::directory::sync(
                        &client,
                        &token,
                        &w.team_id,
                        &store,
                        &tokio_util::sync::CancellationToken::new(),
                        switchboard_store::now_ms,
                        |p| {
                            if !*json && p.pages > 0 && p.pages % 10 == 0 {
                                eprintln!(
                                    "{name}: {} channels, {} users so far…",
                                    p.channels, p.users
                                );
                            }
                        },
                    ))
                    .with_context(|| format!("syncing {name} ({})", w.team_id))?
                    .context("the sync was cancelled")?;
                {
                    let guard = store.lock().unwrap_or_else(|p| p.into_inner());
                    switchboard_core::directory::audit_sync(guard.conn(), &summary, &actor)?;
                }
                if !*json {
                    println!(
                        "{name} ({}): {} channels, {} users in {} requests; {} channels and {} users gone since the last sync.",
                        summary.team_id,
                        summary.channels,
                        summary.users,
                        summary.pages,
                        summary.vanished_channels,
                        summary.vanished_users
                    );
                }
                results.push(serde_json::json!({
                    "team_id": summary.team_id, "name": name, "channels": summary.channels,
                    "users": summary.users, "requests": summary.pages,
                    "vanished_channels": summary.vanished_channels,
                    "vanished_users": summary.vanished_users,
                }));
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            }
            Ok(())
        }
        WorkspaceCommand::Check { json } => {
            let chosen = chosen_workspaces(&store, None)?;
            let client = slack_client(cli)?;
            let store = std::sync::Mutex::new(store);
            let runtime = runtime()?;
            let mut results = Vec::new();
            for w in chosen {
                let outcome = runtime.block_on(switchboard_core::health::check(
                    &client,
                    &secrets,
                    &store,
                    &w.team_id,
                    &actor,
                    switchboard_store::now_ms(),
                ));
                let (status, reason, problems) = match outcome {
                    Ok(checked) => (
                        checked.status.as_str().to_owned(),
                        checked.reason,
                        checked
                            .scope_problems
                            .iter()
                            .map(switchboard_core::slack_app::describe)
                            .collect::<Vec<_>>(),
                    ),
                    Err(error) => (
                        "unchecked".to_owned(),
                        Some(format!(
                            "Slack could not be asked ({error}); the status is unchanged."
                        )),
                        Vec::new(),
                    ),
                };
                if !*json {
                    println!("{} ({}): {status}", w.name, w.team_id);
                    for line in reason.iter().chain(&problems) {
                        println!("  {line}");
                    }
                }
                results.push(serde_json::json!({
                    "team_id": w.team_id, "name": w.name, "status": status,
                    "reason": reason, "scope_problems": problems,
                }));
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            } else if results.is_empty() {
                println!("No workspace connected.");
            }
            Ok(())
        }
        WorkspaceCommand::Disconnect {
            team_id,
            forget_mappings,
            json,
        } => {
            let client = slack_client(cli)?;
            let store = std::sync::Mutex::new(store);
            let done = runtime()?.block_on(switchboard_core::health::disconnect(
                &client,
                &secrets,
                &store,
                team_id,
                !*forget_mappings,
                &actor,
                switchboard_store::now_ms(),
            ))?;
            if *json {
                println!(
                    "{}",
                    serde_json::json!({"team_id": done.team_id, "name": done.name, "revoked": done.revoked,
                                       "warning": done.revoke_warning, "kept_mappings": done.kept_mappings})
                );
            } else {
                println!(
                    "Disconnected {} ({}): {}.",
                    done.name,
                    done.team_id,
                    if done.kept_mappings {
                        "tokens revoked and deleted; its channels, toggles and links are kept for a reconnect"
                    } else {
                        "tokens revoked and deleted; the workspace and its mappings are removed"
                    }
                );
                if let Some(warning) = done.revoke_warning {
                    println!("Warning: {warning}");
                }
            }
            Ok(())
        }
    }
}

/// The Slack client for `--slack-api-base`.
pub fn slack_client(cli: &Cli) -> anyhow::Result<switchboard_slack::SlackClient> {
    let config = switchboard_slack::ClientConfig::with_base_url(cli.slack_api_base.as_str())?;
    Ok(switchboard_slack::SlackClient::new(config)?)
}

#[derive(Debug, Serialize)]
struct Info {
    version: &'static str,
    data_dir: PathBuf,
    database: PathBuf,
    schema_version: u32,
    slack_api_base: String,
    slack_oauth_base: String,
}

/// `switchboard info`: opens (and if needed creates or upgrades) the database and reports on it.
pub fn print_info(cli: &Cli, json: bool) -> anyhow::Result<()> {
    let data_dir = cli.data_dir()?;
    let store = switchboard_store::Store::open(&data_dir).context("opening the database")?;
    let info = Info {
        version: env!("CARGO_PKG_VERSION"),
        database: data_dir.join(switchboard_store::DB_FILE_NAME),
        data_dir,
        schema_version: store.schema_version()?,
        slack_api_base: cli.slack_api_base.to_string(),
        slack_oauth_base: cli.slack_oauth_base.to_string(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        println!("Switchboard {}", info.version);
        println!("data directory  {}", info.data_dir.display());
        println!(
            "database        {} (schema version {})",
            info.database.display(),
            info.schema_version
        );
        println!("Slack API       {}", info.slack_api_base);
        println!("Slack OAuth     {}", info.slack_oauth_base);
    }
    Ok(())
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
