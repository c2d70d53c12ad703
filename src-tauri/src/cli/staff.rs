//! `switchboard staff import|list|add|link|enable|disable|unlink|hours`: the Staff view through
//! core's `staff`, `staff_import` and `linking` functions.
//!
//! `--json` prints core's structs:
//! - `list`: `{ "total", "connected", "rows": [MemberView…] }`, each member with `state`
//!   (`connected`, `not_linked`, `switched_off`, `slack_user_deactivated`,
//!   `workspace_needs_reconnect`, `workspace_disconnected`, `inactive`), `connected` (the
//!   colour logo), `reason` (why it is grey, or where it is connected), `link` and `hours`.
//! - `import`: a `StaffImport`, `{ "rows": [{ "line", "action", "staff_id", "name", "email",
//!   "role", "manager", "external_id", "active", "changes", "errors" }…], "creates",
//!   "updates", "unchanged", "errors", "ignored_columns", "imported" }`.
//! - `link --auto`: `[{ "plan": Plan, "applied": Applied }…]`, one per workspace: each
//!   member's `outcome` (`match`, `several`, `deactivated`, `no_match`, `no_email`, `taken`)
//!   and what was saved.
//! - `add`, `enable`, `disable`, `unlink`, `hours`, `link --user`: the member (`MemberView`).

use std::path::Path;
use std::process::ExitCode;

use clap::{ArgGroup, Subcommand};
use serde::Serialize;
use switchboard_core::linking::{self, Applied, Plan};
use switchboard_core::staff::{
    self, HoursInput, LinkedBy, MemberView, NewMember, StaffPage, StaffQuery,
};
use switchboard_core::staff_import::{self, StaffImport};

use super::{Cli, print_json, project::read_csv, runtime};

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Staff members by name, with their Slack connection (on/off) and why
    List {
        /// Only members whose name, email or external id contains this
        #[arg(long)]
        search: Option<String>,
        /// all, connected, not_connected, no_match or needs_attention
        #[arg(long, default_value = "all")]
        show: String,
        /// Include deactivated members
        #[arg(long)]
        inactive: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Import staff from a CSV file (`-`: standard input) whose first line names the columns:
    /// name (required), email, role (owner, admin, manager, staff), manager (their email or
    /// external id), external_id, active. A row updates the member with its external id, else
    /// with its email; others are added. A file with any row in error is not imported at all
    Import {
        file: std::path::PathBuf,
        /// Only show what importing would do (exit code 1 when a row has errors)
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Add a staff member
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// owner, admin, manager or staff
        #[arg(long)]
        role: Option<String>,
        /// Their manager: email, external id or #id
        #[arg(long)]
        manager: Option<String>,
        #[arg(long, value_name = "ID")]
        external_id: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Link staff to Slack users: --auto matches every unlinked member by email (letter case
    /// and +tags ignored; Slack is asked about addresses the synced directory lacks) and saves
    /// each single match, printing what it matched and what it could not; --user links one
    /// member by hand
    #[command(group(ArgGroup::new("how").args(["auto", "user"]).required(true)))]
    Link {
        #[arg(long)]
        auto: bool,
        /// Only this workspace (team id) [default: every connected one]
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        /// The member to link by hand (email, external id or #id), with --user
        #[arg(long, requires = "user")]
        member: Option<String>,
        /// The Slack user id (U…) to link the member to, with --member and --team
        #[arg(long, requires_all = ["member", "team"])]
        user: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Switch MEMBER's Slack connection on (their waiting direct messages are sent)
    Enable {
        /// Email, external id or #id
        member: String,
        #[arg(long)]
        json: bool,
    },
    /// Switch MEMBER's Slack connection off (their direct messages wait)
    Disable {
        /// Email, external id or #id
        member: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove MEMBER's link to Slack (in --team, or everywhere)
    Unlink {
        member: String,
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Set MEMBER's working hours (what is not given stays as it is; the default is Mon–Fri
    /// 08:00–18:00 in their Slack time zone): direct messages outside them wait for the next
    /// start
    #[command(group(ArgGroup::new("hours").args(["days", "start", "end", "time_zone"]).required(true).multiple(true)))]
    Hours {
        member: String,
        /// Working days, e.g. mon-fri or mon,tue,thu
        #[arg(long)]
        days: Option<String>,
        /// HH:MM
        #[arg(long)]
        start: Option<String>,
        /// HH:MM
        #[arg(long)]
        end: Option<String>,
        /// An IANA time zone, or "slack" for their Slack time zone
        #[arg(long)]
        time_zone: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// `mon-fri`, `mon,wed,fri`, `sat-sun` as weekday bits (Monday = 1).
fn parse_days(text: &str) -> anyhow::Result<u8> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let day = |d: &str| {
        let d = d.trim().to_ascii_lowercase();
        NAMES.iter().position(|n| d.starts_with(n)).ok_or_else(|| {
            anyhow::anyhow!("{d:?} is not a weekday: use mon, tue, wed, thu, fri, sat or sun")
        })
    };
    let mut bits = 0u8;
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    bits |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => bits |= 1 << day(part)?,
        }
    }
    Ok(bits)
}

#[derive(Serialize)]
struct Linked {
    plan: Plan,
    applied: Applied,
}

pub fn run(cli: &Cli, command: &StaffCommand) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    let (member, json, said): (MemberView, bool, &str) = match command {
        StaffCommand::List {
            search,
            show,
            inactive,
            json,
        } => {
            let mut all = StaffPage {
                total: 0,
                connected: 0,
                offset: 0,
                rows: Vec::new(),
            };
            loop {
                let page = staff::list(
                    &profile,
                    &StaffQuery {
                        search: search.clone(),
                        show: Some(show.clone()),
                        include_inactive: *inactive,
                        offset: all.rows.len() as u64,
                        limit: Some(staff::MAX_PAGE),
                    },
                )?;
                all.total = page.total;
                all.connected = page.connected;
                let done = page.rows.is_empty();
                all.rows.extend(page.rows);
                if done || all.rows.len() as u64 >= all.total {
                    break;
                }
            }
            if *json {
                print_json(&all)?;
            } else {
                if all.rows.is_empty() {
                    println!(
                        "No staff members{}.",
                        if search.is_some() || show != "all" {
                            " match"
                        } else {
                            " yet: `switchboard staff import FILE.csv` adds them"
                        }
                    );
                }
                for m in &all.rows {
                    println!(
                        "#{:<5} {:<28} {:<32} {:<8} {:<4} {}",
                        m.id,
                        m.name,
                        m.email.as_deref().unwrap_or("—"),
                        m.role,
                        if m.connected { "on" } else { "off" },
                        m.reason
                    );
                }
                println!(
                    "{} members, {} connected to Slack.",
                    all.total, all.connected
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        StaffCommand::Import {
            file,
            dry_run,
            json,
        } => return import(&profile, file, *dry_run, *json),
        StaffCommand::Add {
            name,
            email,
            role,
            manager,
            external_id,
            json,
        } => (
            staff::add(
                &profile,
                NewMember {
                    name: name.clone(),
                    email: email.clone(),
                    role: role.clone(),
                    manager: manager.clone(),
                    external_id: external_id.clone(),
                },
            )?,
            *json,
            "added",
        ),
        StaffCommand::Link {
            auto: true,
            team,
            json,
            ..
        } => return link_auto(&profile, team.as_deref(), *json),
        StaffCommand::Link {
            member,
            team,
            user,
            json,
            ..
        } => {
            let (Some(member), Some(team), Some(user)) = (member, team, user) else {
                anyhow::bail!("linking by hand needs --member, --team and --user");
            };
            let id = staff::find(&profile, member)?.id;
            (
                staff::link(&profile, id, team, user, LinkedBy::Manual)?,
                *json,
                "linked",
            )
        }
        StaffCommand::Enable { member, json } => (
            staff::set_connection(&profile, member, true)?,
            *json,
            "switched on",
        ),
        StaffCommand::Disable { member, json } => (
            staff::set_connection(&profile, member, false)?,
            *json,
            "switched off",
        ),
        StaffCommand::Unlink { member, team, json } => {
            let id = staff::find(&profile, member)?.id;
            (
                staff::unlink(&profile, id, team.as_deref())?,
                *json,
                "unlinked",
            )
        }
        StaffCommand::Hours {
            member,
            days,
            start,
            end,
            time_zone,
            json,
        } => {
            let current = staff::find(&profile, member)?;
            let hours = HoursInput {
                days: match days {
                    Some(days) => parse_days(days)?,
                    None => current.hours.days,
                },
                start: start.clone().unwrap_or(current.hours.start),
                end: end.clone().unwrap_or(current.hours.end),
                time_zone: match time_zone.as_deref() {
                    Some("slack") => None,
                    Some(zone) => Some(zone.to_owned()),
                    None => current.hours.time_zone,
                },
            };
            let id = current.id;
            (
                staff::set_hours(&profile, id, hours)?,
                *json,
                "working hours set",
            )
        }
    };
    if json {
        print_json(&member)?;
    } else {
        println!(
            "{} ({}): {said}. Slack: {} — {}.",
            member.name,
            member.email.as_deref().unwrap_or("no email"),
            if member.connected { "on" } else { "off" },
            member.reason
        );
        println!("Working hours: {}.", member.hours.summary);
    }
    Ok(ExitCode::SUCCESS)
}

fn import(
    profile: &switchboard_core::profile::Profile,
    file: &Path,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let text = read_csv(file)?;
    let preview = staff_import::preview(profile, &text)?;
    if dry_run || preview.errors > 0 {
        if json {
            print_json(&preview)?;
        } else {
            print_rows(&preview);
        }
        if preview.errors > 0 {
            eprintln!(
                "switchboard: {} rows have errors; nothing was imported",
                preview.errors
            );
            return Ok(ExitCode::FAILURE);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let done = staff_import::import(profile, &text)?;
    if json {
        print_json(&done)?;
    } else {
        println!(
            "Imported {}: {} added, {} updated, {} unchanged.",
            file.display(),
            done.creates,
            done.updates,
            done.unchanged
        );
        if !done.ignored_columns.is_empty() {
            println!("Ignored columns: {}.", done.ignored_columns.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rows(preview: &StaffImport) {
    for row in &preview.rows {
        let what = match row.errors.is_empty() {
            true => row.action.as_str().to_owned(),
            false => row
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.column, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        };
        println!("line {:<5} {:<28} {what}", row.line, row.name);
    }
    println!(
        "{} to add, {} to update, {} unchanged, {} in error.",
        preview.creates, preview.updates, preview.unchanged, preview.errors
    );
}

fn link_auto(
    profile: &switchboard_core::profile::Profile,
    team: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let plans = runtime()?.block_on(linking::plan(profile, team, &|p| {
        if !json && p.total > 0 {
            eprint!(
                "\rAsking Slack about addresses the directory lacks: {}/{}",
                p.done, p.total
            );
            if p.done == p.total {
                eprintln!();
            }
        }
    }))?;
    let mut out = Vec::new();
    for plan in plans {
        let applied = linking::apply(profile, &plan, &linking::every_match(&plan))?;
        if !json {
            println!(
                "{}: {} linked, {} already linked, {} not linked.",
                plan.team_name,
                applied.linked,
                plan.already_linked,
                plan.proposals.len() as u32 - applied.linked
            );
            for p in &plan.proposals {
                let refused = applied.refused.iter().any(|r| r.staff_id == p.staff_id);
                let mark = match p.outcome {
                    "match" if refused => "refused",
                    "match" => "linked",
                    other => other,
                };
                println!(
                    "  {:<12} {:<28} {:<32} {}",
                    mark,
                    p.name,
                    p.email.as_deref().unwrap_or("—"),
                    p.detail
                );
            }
            for r in &applied.refused {
                println!(
                    "  refused      #{} → {}: {}",
                    r.staff_id, r.user_id, r.error
                );
            }
            if plan.not_looked_up > 0 {
                println!(
                    "  {} addresses were not asked of Slack (at most {} a run): sync the workspace's directory and run this again.",
                    plan.not_looked_up,
                    linking::MAX_LOOKUPS
                );
            }
        }
        out.push(Linked { plan, applied });
    }
    if json {
        print_json(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_days;

    #[test]
    fn days_read_as_ranges_and_lists() {
        assert_eq!(parse_days("mon-fri").unwrap(), 0b001_1111);
        assert_eq!(
            parse_days("sat-mon").unwrap(),
            0b110_0001,
            "a range wraps past Sunday"
        );
        assert_eq!(parse_days("Mon,Wednesday").unwrap(), 0b000_0101);
        assert!(parse_days("funday").is_err());
    }
}
