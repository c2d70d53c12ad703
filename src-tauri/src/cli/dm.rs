//! `switchboard dm send --to EMAIL --purpose P [--text T] [--link URL] [--json]`: a manager's
//! direct message through core's `dm::send`, queued in the outbox and delivered by whoever
//! delivers this data directory (the console, `serve`, or `outbox deliver`).
//!
//! `--json` prints a `Sent`: `{ "event_id", "id", "kind", "staff_id", "recipient", "outcome"
//! (queued, held or skipped), "reason", "sentence", "outbox_id", "sender", "duplicate" }`. The
//! exit code is 1 when the message cannot reach the member (`outcome` skipped: the sentence
//! says why, and it is recorded in Activity).

use std::process::ExitCode;

use clap::Subcommand;
use switchboard_core::dm::{self, Compose};
use switchboard_core::ingest::Source;

use super::{Cli, print_json};

#[derive(Debug, Subcommand)]
pub enum DmCommand {
    /// Send a staff member a direct message on Slack
    Send {
        /// The member: email, external id or #id
        #[arg(long)]
        to: String,
        /// timesheet_approval, vacation_request, flextime_escalation, project_escalation or text
        #[arg(long)]
        purpose: String,
        /// The message (text), or a note with it (the other purposes)
        #[arg(long)]
        text: Option<String>,
        /// A link shown as a button
        #[arg(long)]
        link: Option<String>,
        /// The purpose's fields as NAME=VALUE (period=2026-W47, hours=38.5, from=2026-12-21,
        /// to=2026-12-24, project=website, reason=budget…)
        #[arg(long = "data", value_name = "NAME=VALUE")]
        data: Vec<String>,
        /// Who sends it, named in the message [default: the sender set in the console, else
        /// this computer's user]
        #[arg(long)]
        from: Option<String>,
        /// Deliver at once, even outside the member's working hours
        #[arg(long)]
        urgent: bool,
        /// An id of your own: the same id is sent once
        #[arg(long)]
        id: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &DmCommand) -> anyhow::Result<ExitCode> {
    let DmCommand::Send {
        to,
        purpose,
        text,
        link,
        data,
        from,
        urgent,
        id,
        json,
    } = command;
    let mut fields = serde_json::Map::new();
    for pair in data {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--data {pair:?} is not NAME=VALUE (e.g. --data period=2026-W47)")
        })?;
        // As text, as the console sends it: the catalogue reads numbers and dates from text.
        fields.insert(
            name.trim().to_owned(),
            serde_json::Value::String(value.to_owned()),
        );
    }
    let profile = cli.profile()?;
    let sent = dm::send(
        &profile,
        &Compose {
            to: to.clone(),
            purpose: purpose.clone(),
            text: text.clone(),
            link: link.clone(),
            fields,
            urgent: *urgent,
            sender: from.clone(),
            id: id.clone(),
        },
        Source::Cli,
    )?;
    if *json {
        print_json(&sent)?;
    } else if sent.duplicate {
        println!(
            "{} was sent before (id {}); nothing new was queued. {}",
            sent.kind, sent.id, sent.sentence
        );
    } else {
        println!(
            "{} to {} from {}: {} {}",
            sent.kind, sent.recipient, sent.sender, sent.outcome, sent.sentence
        );
        if let Some(id) = sent.outbox_id {
            println!("Message {id} in the outbox (`switchboard outbox show {id}`).");
        }
    }
    Ok(if sent.delivered_or_waiting() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
