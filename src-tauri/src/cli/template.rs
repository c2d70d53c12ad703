//! `switchboard template list|show|set|reset`: the Channels view's *Message wording* through
//! core's `templates` functions (the same preview, lint and audit as the console's editor).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgGroup, Subcommand};
use switchboard_core::templates::{self, Preview, TemplateView};

use super::{Cli, print_json};

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Every event kind with its wording: the default or the owner's template
    List {
        #[arg(long)]
        json: bool,
    },
    /// Preview KIND's message as the channel will read it, rendered from the last event of the
    /// kind received (sample data when there is none), with its warnings; --text previews a
    /// draft without saving it
    Show {
        kind: String,
        /// A draft to preview instead of the saved template
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Save KIND's template ({placeholders}, mrkdwn); warnings are printed, not refused
    #[command(group(ArgGroup::new("source").args(["text", "file"]).required(true)))]
    Set {
        kind: String,
        /// The template
        #[arg(long)]
        text: Option<String>,
        /// A file holding the template (`-` for standard input)
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Go back to KIND's default wording
    Reset {
        kind: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &TemplateCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    match command {
        TemplateCommand::List { json } => {
            let all = templates::list(&profile)?;
            if *json {
                print_json(&all)?;
            } else {
                for t in &all {
                    println!(
                        "{:<24} {:<8} {}",
                        t.kind.as_str(),
                        if t.template.is_some() {
                            "custom"
                        } else {
                            "default"
                        },
                        t.template
                            .as_deref()
                            .unwrap_or(t.default_template)
                            .replace('\n', " ⏎ ")
                    );
                }
            }
        }
        TemplateCommand::Show { kind, text, json } => {
            let draft = match text {
                Some(text) => Some(text.clone()),
                None => saved(&profile, kind)?.template,
            };
            let preview = templates::preview(&profile, kind, draft.as_deref())?;
            if *json {
                print_json(&preview)?;
            } else {
                print_preview(&preview);
            }
        }
        TemplateCommand::Set {
            kind,
            text,
            file,
            json,
        } => {
            let body = match (text, file) {
                (Some(text), _) => text.clone(),
                (None, Some(path)) if path.as_os_str() == "-" => {
                    std::io::read_to_string(std::io::stdin()).context("reading standard input")?
                }
                (None, Some(path)) => std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
                (None, None) => unreachable!("clap requires --text or --file"),
            };
            let view = templates::save(&profile, kind, Some(&body))?;
            let preview = templates::preview(&profile, kind, view.template.as_deref())?;
            if *json {
                print_json(&view)?;
            } else {
                println!("Saved the template of {}.", view.kind.as_str());
                print_preview(&preview);
            }
        }
        TemplateCommand::Reset { kind, json } => {
            let view = templates::save(&profile, kind, None)?;
            if *json {
                print_json(&view)?;
            } else {
                println!(
                    "{} uses the default wording again: {}",
                    view.kind.as_str(),
                    view.default_template
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The saved template of `kind` (its kind parsed by core, so a bad one is refused the same way).
fn saved(profile: &switchboard_core::profile::Profile, kind: &str) -> anyhow::Result<TemplateView> {
    let kind: switchboard_core::EventKind = kind.parse()?;
    templates::list(profile)?
        .into_iter()
        .find(|t| t.kind == kind)
        .context("the catalogue lists every kind")
}

fn print_preview(preview: &Preview) {
    match &preview.from_event {
        Some(id) => println!("Rendered from event {id}, times in {}:", preview.time_zone),
        None => println!("Rendered from sample data, times in {}:", preview.time_zone),
    }
    println!();
    for line in preview.text.lines() {
        println!("  {line}");
    }
    println!();
    for note in &preview.notes {
        println!("note: {note}");
    }
    for warning in &preview.warnings {
        println!("warning: {}: {}", warning.placeholder, warning.message);
    }
}
