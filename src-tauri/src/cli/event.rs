//! `switchboard event send`: one event into the same core function the ingest API calls
//! (`ingest::receive`), and what it was routed to.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use switchboard_core::catalog::{self, IncomingEvent};
use switchboard_core::ingest::{self, Receipt, Source};

use super::{Cli, print_json};

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Send one event: as JSON on standard input (the ingest API's shape), or from flags. Prints
    /// the channels it was routed to, and the ones it was not with the reason. The same id
    /// again is accepted once: the second answer repeats the first
    Send {
        /// The event kind (e.g. invoice.sent); with it, the event is built from flags instead
        /// of standard input
        #[arg(long)]
        kind: Option<String>,
        /// The sender's idempotency key [default: a new random id]
        #[arg(long, requires = "kind")]
        id: Option<String>,
        /// When it happened, RFC 3339 [default: now]
        #[arg(long, value_name = "TIME", requires = "kind")]
        occurred_at: Option<String>,
        /// The project's external id
        #[arg(long, requires = "kind")]
        project: Option<String>,
        /// The staff member's email
        #[arg(long, requires = "kind")]
        staff: Option<String>,
        /// A field of the kind's data, NAME=VALUE (repeatable), e.g. --data number=1042
        #[arg(long = "data", value_name = "NAME=VALUE", requires = "kind")]
        data: Vec<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &EventCommand) -> anyhow::Result<ExitCode> {
    match command {
        EventCommand::Send {
            kind,
            id,
            occurred_at,
            project,
            staff,
            data,
            json,
        } => {
            let incoming = match kind {
                Some(kind) => from_flags(kind, id, occurred_at, project, staff, data)?,
                None => {
                    let mut text = String::new();
                    std::io::stdin()
                        .read_to_string(&mut text)
                        .context("reading the event from standard input")?;
                    if text.trim().is_empty() {
                        anyhow::bail!(
                            "no event on standard input: pipe one as JSON, or give --kind and the fields as flags"
                        );
                    }
                    serde_json::from_str(&text).map_err(|e| {
                        anyhow::anyhow!("the event on standard input is not valid: {e}")
                    })?
                }
            };
            let profile = cli.profile()?;
            let (receipt, duplicate) = ingest::receive(&profile, incoming, Source::Cli)?;
            if *json {
                print_json(&receipt)?;
            } else {
                print_text(&receipt, duplicate);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn from_flags(
    kind: &str,
    id: &Option<String>,
    occurred_at: &Option<String>,
    project: &Option<String>,
    staff: &Option<String>,
    data: &[String],
) -> anyhow::Result<IncomingEvent> {
    let mut fields = serde_json::Map::new();
    for pair in data {
        let (name, value) = pair.split_once('=').with_context(|| {
            format!("--data {pair:?} is not NAME=VALUE (e.g. --data number=1042)")
        })?;
        fields.insert(
            name.trim().to_owned(),
            serde_json::Value::String(value.to_owned()),
        );
    }
    Ok(IncomingEvent {
        id: id.clone().unwrap_or_else(|| catalog::fresh_id("cli")),
        kind: kind.to_owned(),
        occurred_at: occurred_at.clone().unwrap_or_else(catalog::now_rfc3339),
        project: project.clone(),
        staff: staff.clone(),
        to: None,
        from: None,
        urgent: false,
        data: fields,
    })
}

fn print_text(receipt: &Receipt, duplicate: bool) {
    if duplicate {
        println!(
            "Event {} ({}) was received before; it was routed as follows and nothing new was queued.",
            receipt.id, receipt.kind
        );
    } else {
        println!("Event {} ({}) received.", receipt.id, receipt.kind);
    }
    for route in &receipt.routes {
        let target = route.channel.as_deref().unwrap_or("—");
        println!("  {:<8} {target:<24} {}", route.outcome, route.sentence);
    }
}
