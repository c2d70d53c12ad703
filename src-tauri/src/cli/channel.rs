//! `switchboard channel list|add|set|enable|disable|default|remove|test` and `switchboard
//! integration on|off|status`: the Channels view's settings through core's `channels` and
//! `outbox` functions.

use std::process::ExitCode;

use clap::{ArgGroup, Subcommand};
use switchboard_core::EventKind;
use switchboard_core::channels::{self, AddChannel, Change, ChannelView, Integration};
use switchboard_core::outbox::{self, HeldChoice};

use super::{Cli, print_json, runtime};

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Notification channels with the event kinds each receives
    List {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Add a notification channel from the synced directory (`switchboard workspace sync`
    /// first). A public channel the app is not in is joined; a private one needs `/invite`
    #[command(group(ArgGroup::new("which").args(["kinds", "all"])))]
    Add {
        /// The workspace's team id (T…)
        #[arg(long)]
        team: String,
        /// The channel: its id (C…) or #name
        #[arg(long)]
        channel: String,
        /// Event kinds or groups to switch on, comma-separated (e.g. invoice.sent,payments)
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
        /// Switch every event kind on
        #[arg(long)]
        all: bool,
        /// Post every update as its own message instead of one thread per invoice, estimate
        /// or project timer
        #[arg(long)]
        no_thread: bool,
        /// Refuse instead of joining a public channel the app is not in
        #[arg(long)]
        no_join: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Switch event kinds (or groups) on or off for channel ID
    #[command(group(ArgGroup::new("state").args(["on", "off"]).required(true)))]
    Set {
        id: i64,
        /// Event kinds or groups, comma-separated
        #[arg(long, value_delimiter = ',', required = true)]
        kind: Vec<String>,
        #[arg(long)]
        on: bool,
        #[arg(long)]
        off: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Let channel ID receive events again
    Enable {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Stop channel ID receiving any event, keeping its kinds
    Disable {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Make channel ID its workspace's default: it catches kinds no channel takes
    Default {
        id: i64,
        /// Stop it being the default
        #[arg(long)]
        off: bool,
        #[arg(long)]
        json: bool,
    },
    /// One thread per business object in channel ID, or not
    #[command(group(ArgGroup::new("state").args(["on", "off"]).required(true)))]
    Threads {
        id: i64,
        #[arg(long)]
        on: bool,
        #[arg(long)]
        off: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove channel ID; messages still waiting for it are discarded
    Remove { id: i64 },
    /// Send a test message to channel ID through the outbox, delivered by this process; waits
    /// up to 20 s for Slack's answer and exits 1 unless it was sent
    Test {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Whether the Slack integration is on, and how many messages it holds
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Turn the Slack integration on; messages it held wait unless told what to do
    #[command(group(ArgGroup::new("held").args(["send_held", "discard_held"])))]
    On {
        /// Send the messages held while it was off
        #[arg(long)]
        send_held: bool,
        /// Discard the messages held while it was off
        #[arg(long)]
        discard_held: bool,
        #[arg(long)]
        json: bool,
    },
    /// Turn the Slack integration off: events are still received and recorded, nothing new is
    /// queued, and waiting messages are held
    Off {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &ChannelCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    let (view, json) = match command {
        ChannelCommand::List { json } => {
            let list = channels::list(&profile)?;
            if *json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!(
                    "No notification channels yet: add one with `switchboard channel add --team T --channel #name --kinds …`."
                );
            } else {
                for channel in &list {
                    print_channel(channel);
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        ChannelCommand::Add {
            team,
            channel,
            kinds,
            all,
            no_thread,
            no_join,
            json,
        } => {
            let kinds = if *all {
                EventKind::ALL.to_vec()
            } else {
                channels::parse_kinds(kinds)?
            };
            let request = AddChannel {
                team_id: team.clone(),
                channel: channel.clone(),
                kinds,
                thread_per_object: !no_thread,
                join: !no_join,
            };
            let view = runtime()?.block_on(channels::add(&profile, request))?;
            (view, *json)
        }
        ChannelCommand::Set {
            id, kind, on, json, ..
        } => {
            let kinds = channels::parse_kinds(kind)?;
            (
                channels::change(&profile, *id, Change::Kinds(kinds, *on))?,
                *json,
            )
        }
        ChannelCommand::Enable { id, json } => (
            channels::change(&profile, *id, Change::Enabled(true))?,
            *json,
        ),
        ChannelCommand::Disable { id, json } => (
            channels::change(&profile, *id, Change::Enabled(false))?,
            *json,
        ),
        ChannelCommand::Default { id, off, json } => (
            channels::change(&profile, *id, Change::Default(!off))?,
            *json,
        ),
        ChannelCommand::Threads { id, on, json, .. } => (
            channels::change(&profile, *id, Change::ThreadPerObject(*on))?,
            *json,
        ),
        ChannelCommand::Remove { id } => {
            let before = channels::get(&profile, *id)?;
            channels::remove(&profile, *id)?;
            println!("Removed {} ({}).", label(&before), before.workspace_name);
            return Ok(ExitCode::SUCCESS);
        }
        ChannelCommand::Test { id, json } => return test(profile, *id, *json),
    };
    if json {
        print_json(&view)?;
    } else {
        print_channel(&view);
    }
    Ok(ExitCode::SUCCESS)
}

/// `channel test`: the console's *Send test message*, with this process's delivery worker
/// sending it (no console may be running).
fn test(
    profile: switchboard_core::profile::Profile,
    id: i64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let profile = std::sync::Arc::new(profile);
    let outcome = runtime()?.block_on(async {
        let stop = tokio_util::sync::CancellationToken::new();
        let worker = tokio::spawn(switchboard_core::delivery::run(
            profile.clone(),
            stop.clone(),
        ));
        let outcome = channels::send_test(&profile, id).await;
        stop.cancel();
        let _ = worker.await;
        outcome
    })?;
    if json {
        print_json(&outcome)?;
    } else {
        match (
            outcome.state.as_str(),
            &outcome.permalink,
            &outcome.sentence,
        ) {
            ("sent", Some(link), _) => println!("Delivered: {link}"),
            ("sent", None, _) => println!("Delivered."),
            (state, _, Some(sentence)) => println!("{state}: {sentence}"),
            (state, _, None) => println!(
                "{state}: `switchboard outbox show {}` lists its attempts.",
                outcome.outbox_id
            ),
        }
    }
    Ok(if outcome.state == "sent" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn run_integration(cli: &Cli, command: &IntegrationCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    let (state, json, decided) = match command {
        IntegrationCommand::Status { json } => (channels::integration(&profile)?, *json, None),
        IntegrationCommand::Off { json } => {
            (channels::set_integration(&profile, false)?, *json, None)
        }
        IntegrationCommand::On {
            send_held,
            discard_held,
            json,
        } => {
            channels::set_integration(&profile, true)?;
            let decided = if *send_held {
                Some(("sent", outbox::decide_held(&profile, HeldChoice::Send)?))
            } else if *discard_held {
                Some((
                    "discarded",
                    outbox::decide_held(&profile, HeldChoice::Discard)?,
                ))
            } else {
                None
            };
            (channels::integration(&profile)?, *json, decided)
        }
    };
    if json {
        print_json(&state)?;
    } else {
        print_integration(&state, decided);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_integration(state: &Integration, decided: Option<(&str, u64)>) {
    println!(
        "The Slack integration is {}.",
        if state.enabled { "on" } else { "off" }
    );
    if let Some((what, count)) = decided {
        println!("{count} held message(s) {what}.");
    }
    if state.held > 0 {
        println!(
            "{} message(s) held while it was off: `switchboard integration on --send-held` sends them, `--discard-held` drops them.",
            state.held
        );
    }
}

fn label(channel: &ChannelView) -> String {
    channel
        .name
        .as_deref()
        .map_or_else(|| channel.channel_id.clone(), |n| format!("#{n}"))
}

fn print_channel(channel: &ChannelView) {
    let mut flags = Vec::new();
    if !channel.enabled {
        flags.push("disabled");
    }
    if channel.is_default {
        flags.push("default");
    }
    if !channel.thread_per_object {
        flags.push("no threads");
    }
    if !channel.is_member {
        flags.push("app not in channel");
    }
    if channel.is_archived {
        flags.push("archived");
    }
    let kinds: Vec<&str> = channel.kinds.iter().map(|k| k.as_str()).collect();
    println!(
        "{:>4}  {:<24} {:<20} {}{}",
        channel.id,
        label(channel),
        channel.workspace_name,
        if kinds.is_empty() {
            "no kinds on".to_owned()
        } else {
            kinds.join(", ")
        },
        if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(", "))
        }
    );
}
