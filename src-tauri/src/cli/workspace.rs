//! `switchboard workspace …`: headless, never opens a window. Each subcommand calls the core
//! function of its user action and prints text, or JSON from the typed structs below (their
//! shapes are documented by `tests/cli.rs`'s snapshots).

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use switchboard_core::directory::{self, SyncOutcome};
use switchboard_core::workspaces::{Status, Workspace};
use switchboard_core::{health, workspaces};

use super::{Cli, EXIT_INCOMPLETE, EXIT_NEEDS_RECONNECT, print_json, runtime};

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List connected workspaces
    List {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Connect (or reconnect) a workspace with the bot token of the app installed from
    /// Switchboard's manifest; the token is read from standard input and kept in the keyring.
    /// A rotating bot token (xoxe.xoxb-…) may be followed by its refresh token on a second line
    Connect {
        /// Read the bot token (xoxb-…), and optionally its refresh token on the next line,
        /// from standard input
        #[arg(long, required = true)]
        token_stdin: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Sync the cached channels and users of one workspace, or of every connected one (each
    /// reported; exit code 4 when any could not be synced). An interrupted sync resumes
    Sync {
        /// The workspace's team id (T…); all connected workspaces when left out
        team_id: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Check every workspace's tokens with Slack (auth.test), refresh rotating tokens, and
    /// report what needs reconnecting and which features lack scopes. Exit code 3 when a
    /// workspace needs reconnecting, 4 when one could not be checked
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

/// `workspace list --json`: one per workspace. Never a token.
#[derive(Debug, Serialize)]
pub struct WorkspaceJson {
    pub team_id: String,
    pub name: String,
    pub domain: String,
    pub icon_url: Option<String>,
    pub mode: &'static str,
    pub status: &'static str,
    pub status_reason: Option<String>,
    pub reconnect_token: Option<String>,
    pub bot_token: bool,
    pub user_token: bool,
    pub bot_token_error: Option<String>,
    pub user_token_error: Option<String>,
    pub bot_token_expires_at: Option<i64>,
    pub bot_token_refreshable: bool,
    pub user_token_expires_at: Option<i64>,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    pub bot_user_id: Option<String>,
    pub authed_user_id: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: i64,
    pub last_health_check_at: Option<i64>,
    pub directory_synced_at: Option<i64>,
    pub scope_problems: Vec<String>,
    pub demo: bool,
}

impl From<Workspace> for WorkspaceJson {
    fn from(w: Workspace) -> Self {
        WorkspaceJson {
            scope_problems: health::scope_problems(&w)
                .iter()
                .map(switchboard_core::slack_app::describe)
                .collect(),
            mode: w.mode(),
            status: w.status.as_str(),
            bot_token_expires_at: switchboard_core::tokens::expires_at(
                &w,
                switchboard_core::TokenRole::Bot,
            ),
            user_token_expires_at: switchboard_core::tokens::expires_at(
                &w,
                switchboard_core::TokenRole::User,
            ),
            team_id: w.team_id,
            name: w.name,
            domain: w.domain,
            icon_url: w.icon_url,
            status_reason: w.status_reason,
            reconnect_token: w.reconnect_token,
            bot_token: w.has_bot_token,
            user_token: w.has_user_token,
            bot_token_error: w.bot_token_error,
            user_token_error: w.user_token_error,
            bot_token_refreshable: w.bot_token_refreshable,
            bot_scopes: w.bot_scopes,
            user_scopes: w.user_scopes,
            bot_user_id: w.bot_user_id,
            authed_user_id: w.authed_user_id,
            connected_by: w.connected_by,
            connected_at: w.connected_at,
            last_health_check_at: w.last_health_check_at,
            directory_synced_at: w.directory_synced_at,
            demo: w.is_demo,
        }
    }
}

/// `workspace connect --json`.
#[derive(Debug, Serialize)]
pub struct ConnectJson {
    pub team_id: String,
    pub name: String,
    pub reconnect: bool,
    pub warning: Option<String>,
}

/// An error as scripts read it: core's code and the sentence.
#[derive(Debug, Serialize)]
pub struct ErrorJson {
    pub code: &'static str,
    pub message: String,
}

impl From<&switchboard_core::Error> for ErrorJson {
    fn from(error: &switchboard_core::Error) -> Self {
        ErrorJson {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// `workspace sync --json`: one per workspace tried.
#[derive(Debug, Serialize)]
pub struct SyncJson {
    pub team_id: String,
    pub name: String,
    /// `complete`, `cancelled` or `failed`.
    pub result: &'static str,
    pub channels: u64,
    pub users: u64,
    pub requests: u32,
    pub vanished_channels: u64,
    pub vanished_users: u64,
    pub resumed: bool,
    pub error: Option<ErrorJson>,
}

/// `workspace check --json`: one per workspace that is not disconnected.
#[derive(Debug, Serialize)]
pub struct CheckJson {
    pub team_id: String,
    pub name: String,
    /// `connected`, `needs_reconnect`, or `unchecked` (Slack could not be asked; `error` says
    /// why and the stored status is unchanged).
    pub status: &'static str,
    pub reason: Option<String>,
    pub bot_token_error: Option<String>,
    pub user_token_error: Option<String>,
    pub scope_problems: Vec<String>,
    pub error: Option<ErrorJson>,
}

/// `workspace disconnect --json`.
#[derive(Debug, Serialize)]
pub struct DisconnectJson {
    pub team_id: String,
    pub name: String,
    pub revoked: Vec<&'static str>,
    pub warning: Option<String>,
    pub kept_mappings: bool,
}

pub fn run(cli: &Cli, command: &WorkspaceCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    let runtime = runtime()?;
    match command {
        WorkspaceCommand::List { json } => {
            let list = workspaces::list(&profile)?;
            if *json {
                let list: Vec<WorkspaceJson> = list.into_iter().map(Into::into).collect();
                print_json(&list)?;
            } else if list.is_empty() {
                println!(
                    "No workspace connected. Connect one with: switchboard workspace connect --token-stdin"
                );
            } else {
                for w in &list {
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
            Ok(ExitCode::SUCCESS)
        }
        WorkspaceCommand::Connect { json, .. } => {
            let mut pasted = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut pasted)?;
            let mut lines = pasted.lines().map(str::trim).filter(|l| !l.is_empty());
            let paste = workspaces::BotTokenPaste {
                token: lines.next().unwrap_or_default().to_owned(),
                refresh_token: lines.next().map(str::to_owned),
            };
            let connected = runtime.block_on(workspaces::connect_bot_token(&profile, &paste))?;
            if *json {
                print_json(&ConnectJson {
                    team_id: connected.team_id,
                    name: connected.name,
                    reconnect: connected.reconnect,
                    warning: connected.warning,
                })?;
            } else {
                if connected.reconnect {
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
                if let Some(warning) = connected.warning {
                    println!("Warning: {warning}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkspaceCommand::Sync { team_id, json } => {
            let quiet = *json;
            let report = |p: &directory::Progress| {
                if !quiet && p.pages > 0 && p.pages.is_multiple_of(10) {
                    eprintln!(
                        "{}: {} channels, {} users so far…",
                        p.team_id, p.channels, p.users
                    );
                }
            };
            let results = match team_id {
                Some(team) => {
                    let name = switchboard_core::tokens::workspace_name(&profile, team)?;
                    vec![directory::WorkspaceSync {
                        team_id: team.clone(),
                        name,
                        result: runtime.block_on(directory::sync_workspace(&profile, team, report)),
                    }]
                }
                None => runtime.block_on(directory::sync_all(&profile, report))?,
            };
            if results.is_empty() {
                anyhow::bail!(
                    "no workspace is connected; connect one with `switchboard workspace connect --token-stdin`"
                );
            }
            let mut code = ExitCode::SUCCESS;
            let mut out = Vec::new();
            for s in results {
                let mut row = SyncJson {
                    team_id: s.team_id.clone(),
                    name: s.name.clone(),
                    result: "failed",
                    channels: 0,
                    users: 0,
                    requests: 0,
                    vanished_channels: 0,
                    vanished_users: 0,
                    resumed: false,
                    error: None,
                };
                match &s.result {
                    Ok(SyncOutcome::Complete(sum)) => {
                        row.result = "complete";
                        row.channels = sum.channels;
                        row.users = sum.users;
                        row.requests = sum.pages;
                        row.vanished_channels = sum.vanished_channels;
                        row.vanished_users = sum.vanished_users;
                        row.resumed = sum.resumed;
                    }
                    Ok(SyncOutcome::Cancelled(p)) => {
                        row.result = "cancelled";
                        row.channels = p.channels;
                        row.users = p.users;
                        row.requests = p.pages;
                        code = ExitCode::from(EXIT_INCOMPLETE);
                    }
                    Err(error) => {
                        row.error = Some(error.into());
                        code = ExitCode::from(match error {
                            switchboard_core::Error::NeedsReconnect { .. } => EXIT_NEEDS_RECONNECT,
                            _ => EXIT_INCOMPLETE,
                        });
                    }
                }
                if !*json {
                    match (&row.error, row.result) {
                        (Some(error), _) => {
                            println!(
                                "{} ({}): not synced: {}",
                                row.name, row.team_id, error.message
                            )
                        }
                        (None, "cancelled") => println!(
                            "{} ({}): interrupted after {} channels and {} users; the next sync resumes.",
                            row.name, row.team_id, row.channels, row.users
                        ),
                        _ => println!(
                            "{} ({}): {} channels, {} users in {} requests{}; {} channels and {} users gone since the last sync.",
                            row.name,
                            row.team_id,
                            row.channels,
                            row.users,
                            row.requests,
                            if row.resumed { " (resumed)" } else { "" },
                            row.vanished_channels,
                            row.vanished_users
                        ),
                    }
                }
                out.push(row);
            }
            if *json {
                print_json(&out)?;
            }
            Ok(code)
        }
        WorkspaceCommand::Check { json } => {
            let outcomes = runtime.block_on(health::check_all(&profile))?;
            let mut needs_reconnect = false;
            let mut unchecked = false;
            let mut out = Vec::new();
            for o in outcomes {
                let row = match &o.result {
                    Ok(c) => {
                        needs_reconnect |= c.status == Status::NeedsReconnect;
                        CheckJson {
                            team_id: o.team_id.clone(),
                            name: o.name.clone(),
                            status: c.status.as_str(),
                            reason: c.reason.clone(),
                            bot_token_error: c.bot_token_error.clone(),
                            user_token_error: c.user_token_error.clone(),
                            scope_problems: c
                                .scope_problems
                                .iter()
                                .map(switchboard_core::slack_app::describe)
                                .collect(),
                            error: None,
                        }
                    }
                    Err(error) => {
                        unchecked = true;
                        CheckJson {
                            team_id: o.team_id.clone(),
                            name: o.name.clone(),
                            status: "unchecked",
                            reason: Some(format!(
                                "Slack could not be asked ({error}); the status is unchanged."
                            )),
                            bot_token_error: None,
                            user_token_error: None,
                            scope_problems: Vec::new(),
                            error: Some(error.into()),
                        }
                    }
                };
                if !*json {
                    println!("{} ({}): {}", row.name, row.team_id, row.status);
                    for line in row.reason.iter().chain(&row.scope_problems) {
                        println!("  {line}");
                    }
                }
                out.push(row);
            }
            if *json {
                print_json(&out)?;
            } else if out.is_empty() {
                println!("No workspace connected.");
            }
            Ok(if needs_reconnect {
                ExitCode::from(EXIT_NEEDS_RECONNECT)
            } else if unchecked {
                ExitCode::from(EXIT_INCOMPLETE)
            } else {
                ExitCode::SUCCESS
            })
        }
        WorkspaceCommand::Disconnect {
            team_id,
            forget_mappings,
            json,
        } => {
            let done =
                runtime.block_on(health::disconnect(&profile, team_id, !*forget_mappings))?;
            if *json {
                print_json(&DisconnectJson {
                    team_id: done.team_id,
                    name: done.name,
                    revoked: done.revoked,
                    warning: done.revoke_warning,
                    kept_mappings: done.kept_mappings,
                })?;
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
            Ok(ExitCode::SUCCESS)
        }
    }
}
