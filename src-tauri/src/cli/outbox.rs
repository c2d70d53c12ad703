//! `switchboard outbox list|show|deliver|retry|discard`: the outbox through core's `outbox`
//! and `delivery` functions, the same ones the console's Activity view calls.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use switchboard_core::delivery::{self, Summary};
use switchboard_core::outbox::{self, Detail, Item, Query};
use tokio_util::sync::CancellationToken;

use super::{Cli, print_json, runtime};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List messages, newest first: state, target, attempts, the error with its fix, the
    /// Slack permalink
    List {
        /// Only messages in this state: pending, sending, sent, failed, held or discarded
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// Only messages of this event kind (e.g. invoice.sent)
        #[arg(long)]
        kind: Option<String>,
        /// Only messages to this channel id
        #[arg(long, value_name = "CHANNEL_ID")]
        channel: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 200)]
        limit: u32,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// One message with every attempt at it: when, what happened, how long delivery waited
    Show {
        id: i64,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Deliver what is due now, in this process. Refused while the console or `switchboard
    /// serve` delivers this data directory
    Deliver {
        /// Exit when nothing is due (nothing being sent, no retry due within a minute);
        /// held and failed messages wait for a person
        #[arg(long, required = true)]
        until_idle: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Send a failed, held or discarded message again
    Retry {
        id: i64,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Discard a waiting or failed message: it will not be sent
    Discard {
        id: i64,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &OutboxCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    match command {
        OutboxCommand::List {
            state,
            kind,
            channel,
            limit,
            json,
        } => {
            let items = outbox::list(
                &profile,
                &Query {
                    state: state.clone(),
                    kind: kind.clone(),
                    channel_id: channel.clone(),
                    limit: Some(*limit),
                    ..Query::default()
                },
            )?;
            if *json {
                print_json(&items)?;
            } else if items.is_empty() {
                println!(
                    "No messages{}.",
                    state
                        .as_deref()
                        .map(|s| format!(" are {s}"))
                        .unwrap_or_default()
                );
            } else {
                for item in &items {
                    print_item(item);
                }
            }
        }
        OutboxCommand::Show { id, json } => {
            let detail = outbox::detail(&profile, *id)?;
            if *json {
                print_json(&detail)?;
            } else {
                print_detail(&detail);
            }
        }
        OutboxCommand::Deliver { json, .. } => {
            let profile = Arc::new(profile);
            let summary = runtime()?.block_on(async {
                let shutdown = CancellationToken::new();
                let stop = shutdown.clone();
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        stop.cancel();
                    }
                });
                delivery::until_idle(profile.clone(), shutdown).await
            })?;
            if *json {
                print_json(&summary)?;
            } else {
                print_summary(&summary);
            }
        }
        OutboxCommand::Retry { id, json } => {
            let item = outbox::retry(&profile, *id)?;
            if *json {
                print_json(&item)?;
            } else {
                println!("Message {} to {} is queued again.", item.id, item.target);
            }
        }
        OutboxCommand::Discard { id, json } => {
            let item = outbox::discard(&profile, *id)?;
            if *json {
                print_json(&item)?;
            } else {
                println!("Message {} to {} is discarded.", item.id, item.target);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_item(item: &Item) {
    let what = match (&item.kind, &item.event) {
        (Some(kind), Some(event)) => format!("{kind} {event}"),
        _ => "test message".to_owned(),
    };
    let status = match item.state.as_str() {
        "sent" => item.permalink.clone().unwrap_or_default(),
        "held" => format!("held: {}", item.hold_reason.as_deref().unwrap_or("")),
        _ => item.error.clone().unwrap_or_default(),
    };
    println!(
        "{:>6}  {:<9} {:<24} {:<32} {}",
        item.id, item.state, item.target, what, status
    );
}

fn print_detail(detail: &Detail) {
    let item = &detail.item;
    println!("Message {} to {} ({})", item.id, item.target, item.state);
    if let (Some(kind), Some(event)) = (&item.kind, &item.event) {
        println!("  event      {event} ({kind})");
    }
    if let Some(thread) = &item.thread_key {
        println!("  thread     {thread}");
    }
    if let Some(link) = &item.permalink {
        println!("  in Slack   {link}");
    }
    if let Some(error) = &item.error {
        println!("  why        {error}");
    }
    for attempt in &detail.attempts_made {
        let wait = attempt
            .wait_ms
            .map(|ms| format!(", then waited {:.1} s", ms as f64 / 1000.0))
            .unwrap_or_default();
        println!(
            "  attempt {}  {}{}{wait}",
            attempt.attempt,
            attempt.outcome,
            attempt
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
}

fn print_summary(summary: &Summary) {
    println!(
        "Sent {}, found already in Slack {}, to retry {}, held {}, failed {}.",
        summary.sent, summary.found, summary.retried, summary.held, summary.failed
    );
}
