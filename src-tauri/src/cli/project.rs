//! `switchboard project list|add|edit|import|assign|archive|unarchive`: the Projects view's
//! settings through core's `projects` functions.
//!
//! `--json` prints core's structs (their doc comments show each shape):
//! - `list`: a `ProjectPage`, `{ "items": [ProjectView…], "total": N, "next": null }`, where
//!   `total` counts every match and `next` is set only when `--limit` left some out.
//! - `add`, `edit`, `assign`, `archive`, `unarchive`: the project as a `ProjectView`,
//!   `{ "id", "external_id", "name", "client", "active", "channel": { "id", "team_id",
//!   "channel_id", "name", "enabled" } | null, "created_at", "updated_at" }`.
//! - `import`: an `ImportPreview`, `{ "rows": [{ "line", "action", "project_id",
//!   "external_id", "name", "client", "active", "channel", "changes", "errors": [{ "column",
//!   "message" }] }…], "creates", "updates", "unchanged", "errors", "ignored_columns",
//!   "imported" }`, printed for `--dry-run`, for a refused file (exit code 1, `imported`
//!   false) and after an import.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgGroup, Subcommand};
use switchboard_core::profile::Profile;
use switchboard_core::projects::{
    self, ImportPreview, MAX_CSV_BYTES, MAX_PAGE, NewProject, ProjectEdit, ProjectPage,
    ProjectQuery, ProjectView, RowAction,
};

use super::{Cli, print_json};

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Projects by name, with their external id, client and channel
    List {
        /// Only projects whose name, client or external id contains this
        #[arg(long)]
        search: Option<String>,
        /// Include archived projects
        #[arg(long)]
        archived: bool,
        /// At most this many [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Add an active project
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        client: Option<String>,
        /// The business application's id for it: events name their project by this
        #[arg(long, value_name = "ID")]
        external_id: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Change PROJECT's name, client or external id (an empty client or external id removes
    /// it). PROJECT is its external id, its number, or its name
    #[command(group(ArgGroup::new("change").args(["name", "client", "external_id"]).required(true).multiple(true)))]
    Edit {
        project: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        client: Option<String>,
        #[arg(long, value_name = "ID")]
        external_id: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Import projects from a CSV file (`-`: standard input) whose first line names the
    /// columns: name (required), external_id, client, active (true/false, yes/no, 1/0) and
    /// channel (a number from `switchboard channel list`, or #name). A row whose external id a
    /// project has updates it; others create one. A column the file leaves out is left as it
    /// is. A file with any row in error is not imported at all: the rows are listed and the
    /// exit code is 1
    Import {
        file: std::path::PathBuf,
        /// Only show what importing would do (exit code 1 when a row has errors)
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Assign PROJECT a notification channel: its timer events go there. PROJECT is its
    /// external id, its number, or its name
    #[command(group(ArgGroup::new("target").args(["channel", "none"]).required(true)))]
    Assign {
        project: String,
        /// The notification channel's number, from `switchboard channel list`
        #[arg(long, value_name = "ID")]
        channel: Option<i64>,
        /// Take the project's channel away
        #[arg(long)]
        none: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Archive PROJECT: its events then go to no channel
    Archive {
        project: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Make an archived PROJECT active again
    Unarchive {
        project: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &ProjectCommand) -> anyhow::Result<ExitCode> {
    if let ProjectCommand::Import {
        file,
        dry_run,
        json,
    } = command
    {
        return import(cli, file, *dry_run, *json);
    }
    let profile = cli.profile()?;
    let (project, json, said) = match command {
        ProjectCommand::List {
            search,
            archived,
            limit,
            json,
        } => {
            let page = list(&profile, search.as_deref(), *archived, *limit)?;
            if *json {
                print_json(&page)?;
            } else {
                print_list(&page, search.as_deref());
            }
            return Ok(ExitCode::SUCCESS);
        }
        ProjectCommand::Add {
            name,
            client,
            external_id,
            json,
        } => {
            let project = projects::add(
                &profile,
                NewProject {
                    name: name.clone(),
                    client: client.clone(),
                    external_id: external_id.clone(),
                },
            )?;
            (project, *json, "added")
        }
        ProjectCommand::Edit {
            project,
            name,
            client,
            external_id,
            json,
        } => {
            let id = projects::find(&profile, project)?.id;
            let project = projects::edit(
                &profile,
                id,
                ProjectEdit {
                    name: name.clone(),
                    client: client.clone(),
                    external_id: external_id.clone(),
                },
            )?;
            (project, *json, "saved")
        }
        ProjectCommand::Assign {
            project,
            channel,
            none,
            json,
        } => {
            let channel = if *none { None } else { *channel };
            let project = projects::assign(&profile, project, channel)?;
            (project, *json, "assigned")
        }
        ProjectCommand::Archive { project, json } => {
            let id = projects::find(&profile, project)?.id;
            (
                projects::set_active(&profile, id, false)?,
                *json,
                "archived",
            )
        }
        ProjectCommand::Unarchive { project, json } => {
            let id = projects::find(&profile, project)?.id;
            (projects::set_active(&profile, id, true)?, *json, "active")
        }
        ProjectCommand::Import { .. } => unreachable!("handled above"),
    };
    if json {
        print_json(&project)?;
    } else {
        print_project(&project, said);
    }
    Ok(ExitCode::SUCCESS)
}

/// Every matching project (or the first `limit`), read page by page.
fn list(
    profile: &Profile,
    search: Option<&str>,
    include_archived: bool,
    limit: Option<u32>,
) -> anyhow::Result<ProjectPage> {
    let mut query = ProjectQuery {
        search: search.map(str::to_owned),
        include_archived,
        ..ProjectQuery::default()
    };
    let mut all = ProjectPage {
        items: Vec::new(),
        total: 0,
        next: None,
    };
    loop {
        let wanted = limit.map_or(MAX_PAGE, |l| {
            l.saturating_sub(u32::try_from(all.items.len()).unwrap_or(u32::MAX))
        });
        if wanted == 0 {
            break;
        }
        query.limit = Some(wanted.min(MAX_PAGE));
        let page = projects::list(profile, &query)?;
        all.total = page.total;
        all.items.extend(page.items);
        all.next = page.next;
        match &all.next {
            Some(next) => query.after = Some(next.clone()),
            None => break,
        }
    }
    Ok(all)
}

/// Reads the file (or standard input for `-`), refusing one too large before reading it.
pub(super) fn read_csv(path: &Path) -> anyhow::Result<String> {
    let limit = MAX_CSV_BYTES as u64;
    let too_large = |size: u64| {
        anyhow::anyhow!(
            "{} is {:.1} MB; an import reads at most {} MB: split it into smaller files",
            path.display(),
            size as f64 / (1024.0 * 1024.0),
            MAX_CSV_BYTES / (1024 * 1024)
        )
    };
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .context("reading the CSV file from standard input")?;
        if bytes.len() as u64 > limit {
            anyhow::bail!(
                "standard input holds more than {} MB; an import reads at most that: split it into smaller files",
                MAX_CSV_BYTES / (1024 * 1024)
            );
        }
    } else {
        let size = std::fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        if size > limit {
            return Err(too_large(size));
        }
        bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    }
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "{} is not UTF-8 text: save it from the spreadsheet as \"CSV UTF-8\" and import it again",
            path.display()
        )
    })
}

fn import(cli: &Cli, file: &Path, dry_run: bool, json: bool) -> anyhow::Result<ExitCode> {
    let text = read_csv(file)?;
    let profile = cli.profile()?;
    let preview = projects::preview(&profile, &text)?;
    if dry_run || preview.errors > 0 {
        if json {
            print_json(&preview)?;
        } else {
            print_preview(&preview, dry_run);
        }
        if preview.errors > 0 {
            if !dry_run {
                eprintln!(
                    "switchboard: {}; nothing was imported",
                    rows_in_error(preview.errors)
                );
            }
            return Ok(ExitCode::FAILURE);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Planned again in the transaction that writes, so a change made meanwhile is seen.
    let done = projects::import(&profile, &text)?;
    if json {
        print_json(&done)?;
    } else {
        println!(
            "Imported {}: {} created, {} updated, {} unchanged.",
            file.display(),
            done.creates,
            done.updates,
            done.unchanged
        );
        print_ignored(&done);
    }
    Ok(ExitCode::SUCCESS)
}

fn rows_in_error(n: u32) -> String {
    match n {
        1 => "1 row has errors".to_owned(),
        n => format!("{n} rows have errors"),
    }
}

fn print_ignored(preview: &ImportPreview) {
    if !preview.ignored_columns.is_empty() {
        println!(
            "Ignored columns (not name, external_id, client, active or channel): {}.",
            preview.ignored_columns.join(", ")
        );
    }
}

fn print_preview(preview: &ImportPreview, dry_run: bool) {
    println!(
        "{} to create, {} to update, {} unchanged, {} with errors.",
        preview.creates, preview.updates, preview.unchanged, preview.errors
    );
    print_ignored(preview);
    if preview.errors > 0 {
        let rows: Vec<Vec<String>> = preview
            .rows
            .iter()
            .flat_map(|row| {
                row.errors
                    .iter()
                    .map(|e| vec![row.line.to_string(), e.column.to_owned(), e.message.clone()])
            })
            .collect();
        println!();
        print_table(&["LINE", "COLUMN", "PROBLEM"], &rows);
        println!();
        println!(
            "{}: fix them and {} again; a file with errors is not imported at all.",
            rows_in_error(preview.errors),
            if dry_run { "preview it" } else { "import it" }
        );
        return;
    }
    let rows: Vec<Vec<String>> = preview
        .rows
        .iter()
        .filter(|row| matches!(row.action, RowAction::Create | RowAction::Update))
        .map(|row| {
            vec![
                row.line.to_string(),
                row.action.as_str().to_owned(),
                row.external_id.clone().unwrap_or_default(),
                row.name.clone(),
                row.client.clone().unwrap_or_default(),
                active(row.active).to_owned(),
                row.channel
                    .as_ref()
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                row.changes.join(", "),
            ]
        })
        .collect();
    if !rows.is_empty() {
        println!();
        print_table(
            &[
                "LINE",
                "ACTION",
                "EXTERNAL ID",
                "NAME",
                "CLIENT",
                "STATE",
                "CHANNEL",
                "CHANGES",
            ],
            &rows,
        );
    }
    if dry_run {
        println!();
        println!("Nothing was imported (--dry-run); run it again without --dry-run to import.");
    }
}

fn active(active: bool) -> &'static str {
    if active { "active" } else { "archived" }
}

/// `Website relaunch (website-relaunch)`, or with the number when it has no external id.
fn label(project: &ProjectView) -> String {
    match &project.external_id {
        Some(id) => format!("{} ({id})", project.name),
        None => format!("{} (number {})", project.name, project.id),
    }
}

fn print_project(project: &ProjectView, said: &str) {
    let label = label(project);
    match (said, &project.channel) {
        ("assigned", Some(channel)) => println!(
            "{label} → {}: its timer events go there{}.",
            channel.name,
            if channel.enabled {
                ""
            } else {
                " once the channel is enabled again (`switchboard channel enable`)"
            }
        ),
        ("assigned", None) => println!("{label} has no channel now."),
        ("archived", _) => {
            println!("{label} is archived: its events go to no channel until it is unarchived.")
        }
        ("active", _) => println!("{label} is active."),
        _ => {
            println!("Project {label} {said}.");
            println!(
                "  client   {}",
                project.client.as_deref().unwrap_or("(none)")
            );
            println!(
                "  channel  {}",
                project
                    .channel
                    .as_ref()
                    .map_or("(none)", |c| c.name.as_str())
            );
        }
    }
}

fn print_list(page: &ProjectPage, search: Option<&str>) {
    if page.items.is_empty() {
        match search {
            Some(search) => println!("No project matches {search:?}."),
            None => println!(
                "No projects yet: add one with `switchboard project add --name NAME`, or import a CSV file with `switchboard project import FILE.csv`."
            ),
        }
        return;
    }
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                p.external_id.clone().unwrap_or_default(),
                p.name.clone(),
                p.client.clone().unwrap_or_default(),
                p.channel
                    .as_ref()
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                active(p.active).to_owned(),
            ]
        })
        .collect();
    print_table(
        &["NO.", "EXTERNAL ID", "NAME", "CLIENT", "CHANNEL", "STATE"],
        &rows,
    );
    let shown = page.items.len() as u64;
    if shown < page.total {
        println!("{shown} of {} projects.", page.total);
    } else {
        println!("{shown} project{}.", if shown == 1 { "" } else { "s" });
    }
}

/// The widest a column gets; longer values are cut with `…`.
const MAX_CELL: usize = 40;

/// Prints rows under headers in aligned columns (the last one unpadded).
fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([header.chars().count()])
                .max()
                .unwrap_or(0)
                .min(MAX_CELL)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| fit(cell, widths[i], i == last))
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// `text` cut to `width` characters (with `…`), padded to it unless it is the last column.
fn fit(text: &str, width: usize, last: bool) -> String {
    let length = text.chars().count();
    let mut cell: String = if length > width && !last {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        text.to_owned()
    };
    if !last {
        let shown = cell.chars().count();
        cell.extend(std::iter::repeat_n(' ', width.saturating_sub(shown)));
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_and_padded_to_their_column() {
        assert_eq!(fit("abc", 5, false), "abc  ");
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(
            fit("abcdef", 4, true),
            "abcdef",
            "the last column is never cut"
        );
        assert_eq!(fit("äöü", 3, false), "äöü", "characters, not bytes");
    }
}
