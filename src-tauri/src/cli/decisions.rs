//! `switchboard decisions list [--limit N] [--json]`: approvals decided in Slack with the
//! Approve and Reject buttons, newest first, with where each one's webhook call stands.
//! `switchboard decisions webhook [--url URL | --remove] [--rotate-secret] [--json]`: the URL
//! the business application is told at, and its signing secret (printed once, when made).
//!
//! `list --json` prints `{"decisions": [DecisionView…]}`: `id`, `request_id` (the request's
//! id as the business application sent it), `kind`, `staff` (the requester's email),
//! `staff_name` (the requester's name, when they are a staff member),
//! `decision` (`approved`/`rejected`), `reason`, `decided_by`, `decided_by_slack_user`,
//! `team_id`, `decided_at` (Unix ms), `message_updated`, `message_error`, `webhook_state`,
//! `webhook_attempts`, `webhook_error`. `webhook --json` prints `{"url", "has_secret",
//! "new_secret"}`.

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use switchboard_core::approvals::{self, DecisionView};
use switchboard_core::webhook;

use super::{Cli, print_json, runtime};

#[derive(Debug, Subcommand)]
pub enum DecisionsCommand {
    /// Approvals decided in Slack, newest first
    List {
        /// How many, newest first (1 to 1000)
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Where decisions are sent: show, set (--url) or remove (--remove) the webhook URL;
    /// --rotate-secret makes a new signing secret (printed once)
    Webhook {
        /// The business application's URL for decisions (https, or http to localhost)
        #[arg(long, conflicts_with = "remove")]
        url: Option<String>,
        /// Stop sending decisions
        #[arg(long)]
        remove: bool,
        /// Make a new signing secret (the old one stops verifying) and print it once
        #[arg(long)]
        rotate_secret: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Serialize)]
struct ListJson<'a> {
    decisions: &'a [DecisionView],
}

#[derive(Debug, Serialize)]
struct WebhookJson<'a> {
    url: Option<&'a str>,
    has_secret: bool,
    new_secret: Option<&'a str>,
}

pub fn run(cli: &Cli, command: &DecisionsCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    match command {
        DecisionsCommand::List { limit, json } => {
            let decisions = approvals::list(&profile, *limit)?;
            if *json {
                print_json(&ListJson {
                    decisions: &decisions,
                })?;
            } else if decisions.is_empty() {
                println!(
                    "No decisions yet. Approvers decide timesheet approvals and vacation requests with the buttons on the message Switchboard sends them in Slack."
                );
            } else {
                for d in &decisions {
                    let at = d.decided_at_rfc3339();
                    let reason = d
                        .reason
                        .as_deref()
                        .map_or_else(String::new, |r| format!(": {r}"));
                    let webhook = match &d.webhook_state {
                        Some(state) => format!(" [webhook {state}]"),
                        None => String::new(),
                    };
                    println!(
                        "{at}  {} {} ({}) {} by {}{reason}{webhook}",
                        d.kind,
                        d.request_id,
                        d.staff_name
                            .as_deref()
                            .or(d.staff.as_deref())
                            .unwrap_or("-"),
                        d.decision,
                        d.decided_by
                    );
                }
            }
        }
        DecisionsCommand::Webhook {
            url,
            remove,
            rotate_secret,
            json,
        } => {
            if url.as_deref().is_some_and(|u| u.trim().is_empty()) {
                anyhow::bail!(
                    "--url needs the business application's address, e.g. --url https://app.example.com/hooks/switchboard; to stop sending decisions use --remove"
                );
            }
            let runtime = runtime()?;
            let (settings, new_secret) = if url.is_some() || *remove || *rotate_secret {
                let keep = if *remove {
                    None
                } else {
                    match url {
                        Some(url) => Some(url.clone()),
                        None => runtime.block_on(webhook::settings(&profile))?.url,
                    }
                };
                let change =
                    runtime.block_on(webhook::set(&profile, keep.as_deref(), *rotate_secret))?;
                (change.settings, change.new_secret)
            } else {
                (runtime.block_on(webhook::settings(&profile))?, None)
            };
            if *json {
                print_json(&WebhookJson {
                    url: settings.url.as_deref(),
                    has_secret: settings.has_secret,
                    new_secret: new_secret.as_deref(),
                })?;
            } else {
                match &settings.url {
                    Some(url) => println!("Decisions are sent to {url}."),
                    None => println!(
                        "No webhook URL is set: decisions are kept (switchboard decisions list) but not sent. Set one with --url."
                    ),
                }
                if let Some(secret) = &new_secret {
                    println!(
                        "Signing secret (shown once; verify X-Switchboard-Signature with it): {secret}"
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
