//! `/switchboard`, the slash command: what a channel receives, changed from Slack.
//!
//! Answered in the Socket Mode ack ([`crate::inbound::receive_batch`]), privately to the person who
//! ran it (`response_type: ephemeral`). `subscribe` and `unsubscribe` take kinds and groups as
//! the Channels view does ([`crate::channels::parse_kinds`]) and change the channel through
//! [`crate::channels::change_by`], so the audit log names the Slack user and the Channels view
//! updates live. Only staff linked as owner or admin may change a channel.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use switchboard_store::{channels as stored_channels, staff as stored_staff};

use crate::channels::{self, Change, ChannelView};
use crate::event_kind::EventKind;
use crate::profile::Profile;
use crate::{Error, Result};

/// The command as Slack sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub team_id: String,
    pub channel_id: String,
    pub user_id: String,
    pub command: String,
    pub text: String,
}

impl Command {
    /// Reads a `slash_commands` payload.
    pub fn from_payload(payload: &Value) -> Command {
        let field = |name: &str| payload[name].as_str().unwrap_or_default().to_owned();
        Command {
            team_id: field("team_id"),
            channel_id: field("channel_id"),
            user_id: field("user_id"),
            command: field("command"),
            text: field("text"),
        }
    }
}

/// The ack payload answering `payload`, and a line saying what came of it.
pub fn answer(profile: &Profile, payload: &Value) -> (Value, String) {
    let command = Command::from_payload(payload);
    let (text, outcome) = match run(profile, &command) {
        Ok(answer) => answer,
        Err(error) => (
            format!("Switchboard could not do that: {error}"),
            format!("failed: {error}"),
        ),
    };
    (
        json!({ "response_type": "ephemeral", "text": text }),
        outcome,
    )
}

/// What `/switchboard TEXT` answers, and the outcome for the record.
pub fn run(profile: &Profile, command: &Command) -> Result<(String, String)> {
    let name = if command.command.is_empty() {
        "/switchboard"
    } else {
        command.command.as_str()
    };
    let mut words = command.text.split_whitespace();
    let verb = words.next().unwrap_or("help").to_lowercase();
    let rest: Vec<String> = words.map(str::to_owned).collect();
    match verb.as_str() {
        "help" => Ok((help(name), "answered help".into())),
        "list" => list(profile, command, name),
        "subscribe" => subscribe(profile, command, name, &rest, true),
        "unsubscribe" => subscribe(profile, command, name, &rest, false),
        "search" => search(profile, command, name),
        other => Ok((
            format!(
                "`{name} {other}` is not something I know.\n\n{}",
                help(name)
            ),
            format!("unknown subcommand {other:?}"),
        )),
    }
}

fn help(name: &str) -> String {
    let groups = channels::groups().join("`, `");
    format!(
        "*{name}* changes what this channel receives from Switchboard.\n\
         • `{name} list`: what this channel receives.\n\
         • `{name} subscribe KIND…`: receive these too, e.g. `{name} subscribe invoices payment.received`.\n\
         • `{name} unsubscribe KIND…`: stop receiving them.\n\
         • `{name} search FILTER`: projects and recent events, answered only to you.\n\
         • `{name} help`: this.\n\
         Groups: `{groups}`. Kinds are e.g. `invoice.sent`, `timer.started`. \
         Only staff linked as owner or admin in Switchboard may subscribe or unsubscribe.\n\
         {}",
        crate::search::language(name)
    )
}

fn search(profile: &Profile, command: &Command, name: &str) -> Result<(String, String)> {
    let filter = command
        .text
        .trim_start()
        .get("search".len()..)
        .unwrap_or_default()
        .trim();
    // Invoices, amounts and staff addresses: not for guests or people nobody linked.
    if let Err(refusal) = allowed_as(
        profile,
        command,
        &["owner", "admin", "manager"],
        "owner, admin or manager",
        "search",
    )? {
        return Ok((
            refusal,
            "search refused: not owner, admin or manager".into(),
        ));
    }
    if filter.is_empty() {
        return Ok((
            format!(
                "Say what to look for, e.g. `{name} search kind:invoice.* since:7d`.\n{}",
                crate::search::language(name)
            ),
            "search: no filter given".into(),
        ));
    }
    match crate::search::search(profile, filter) {
        Ok(found) => {
            let zone = crate::ingest::time_zone_or_utc(profile, &command.team_id);
            Ok((
                crate::search::answer_text(&found, filter, &zone),
                format!(
                    "searched {filter:?}: {} projects, {} events",
                    found.projects_total, found.events_total
                ),
            ))
        }
        Err(Error::InvalidInput { message, .. }) => Ok((
            format!(
                "Nothing searched: `{}` {message}.\n{}",
                filter.replace('`', "'"),
                crate::search::language(name)
            ),
            format!("search refused: {message}"),
        )),
        Err(other) => Err(other),
    }
}

/// The notification channel the command was run in, if it is one.
fn this_channel(profile: &Profile, command: &Command) -> Result<Option<ChannelView>> {
    let id = profile.db()?.read(|conn| {
        stored_channels::find(conn, &command.team_id, &command.channel_id).map_err(Error::from)
    })?;
    id.map(|id| channels::get(profile, id)).transpose()
}

fn not_a_channel(name: &str) -> String {
    format!(
        "This channel does not receive anything from Switchboard yet. An owner adds it in \
         Switchboard → Channels → Add channel; then `{name} subscribe KIND…` works here."
    )
}

/// `• Invoices: all 4 (`invoices`)`, `• Time tracking: `timer.started``, one group per line.
fn describe(kinds: &[EventKind]) -> String {
    let mut by_group: BTreeMap<&str, Vec<EventKind>> = BTreeMap::new();
    for kind in kinds {
        by_group.entry(kind.group()).or_default().push(*kind);
    }
    let mut lines = Vec::new();
    for (group, on) in by_group {
        let all = EventKind::ALL.iter().filter(|k| k.group() == group).count();
        if on.len() == all && all > 1 {
            lines.push(format!(
                "• {group}: all {all} (`{}`)",
                channels::group_id(group)
            ));
        } else {
            let ids: Vec<String> = on.iter().map(|k| format!("`{k}`")).collect();
            lines.push(format!("• {group}: {}", ids.join(", ")));
        }
    }
    lines.join("\n")
}

fn channel_name(channel: &ChannelView) -> String {
    format!(
        "#{}",
        channel.name.as_deref().unwrap_or(&channel.channel_id)
    )
}

fn list(profile: &Profile, command: &Command, name: &str) -> Result<(String, String)> {
    let Some(channel) = this_channel(profile, command)? else {
        return Ok((
            not_a_channel(name),
            "listed: not a notification channel".into(),
        ));
    };
    let mut text = if channel.kinds.is_empty() {
        format!(
            "{} receives no event kinds. `{name} subscribe KIND…` adds some.",
            channel_name(&channel)
        )
    } else {
        format!(
            "{} receives:\n{}",
            channel_name(&channel),
            describe(&channel.kinds)
        )
    };
    if channel.is_default {
        text.push_str("\nIt is also the workspace's default channel: it gets the kinds no other channel takes.");
    }
    if !channel.enabled {
        text.push_str("\n*Paused:* nothing is posted here until an owner switches it back on in Switchboard → Channels.");
    }
    Ok((text, format!("listed {}", channel_name(&channel))))
}

/// The Slack user as the audit log names them, if they may change channels.
fn allowed(profile: &Profile, command: &Command) -> Result<std::result::Result<String, String>> {
    allowed_as(
        profile,
        command,
        &["owner", "admin"],
        "owner or admin",
        "change what this channel receives",
    )
}

/// The Slack user as the audit log names them, if they are linked to an active member with one
/// of `roles`; else who to ask.
fn allowed_as(
    profile: &Profile,
    command: &Command,
    roles: &[&str],
    roles_in_words: &str,
    action: &str,
) -> Result<std::result::Result<String, String>> {
    profile.db()?.read(|conn| {
        let member = match stored_staff::linked_to(conn, &command.team_id, &command.user_id)? {
            Some(id) => stored_staff::get(conn, id)?,
            None => None,
        };
        if let Some(member) = member.filter(|m| m.active)
            && roles.contains(&member.role.as_str())
        {
            return Ok(Ok(format!("{} (Slack <@{}>)", member.name, command.user_id)));
        }
        let who = stored_staff::names_with_roles(conn, &["owner", "admin"])?;
        let ask = match who.as_slice() {
            [] => "No one is linked as owner or admin yet: the account owner sets roles in Switchboard → Staff.".to_owned(),
            names => format!("Ask {}.", join_names(names)),
        };
        Ok(Err(format!(
            "Only staff linked as {roles_in_words} in Switchboard may {action}. {ask}"
        )))
    })
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn subscribe(
    profile: &Profile,
    command: &Command,
    name: &str,
    items: &[String],
    on: bool,
) -> Result<(String, String)> {
    let verb = if on { "subscribe" } else { "unsubscribe" };
    if items.is_empty() {
        return Ok((
            format!(
                "Say which kinds, e.g. `{name} {verb} invoices` or `{name} {verb} timer.started`. Groups: `{}`.",
                channels::groups().join("`, `")
            ),
            format!("{verb}: no kinds given"),
        ));
    }
    let actor = match allowed(profile, command)? {
        Ok(actor) => actor,
        Err(refusal) => return Ok((refusal, format!("{verb} refused: not owner or admin"))),
    };
    let Some(channel) = this_channel(profile, command)? else {
        return Ok((
            not_a_channel(name),
            format!("{verb}: not a notification channel"),
        ));
    };
    let kinds = match channels::parse_kinds(items) {
        Ok(kinds) => kinds,
        Err(error) => {
            let reason = match &error {
                Error::InvalidInput { message, .. } => message.clone(),
                other => other.to_string(),
            };
            return Ok((
                format!("Nothing changed: {reason}."),
                format!("{verb}: {reason}"),
            ));
        }
    };
    let changing: Vec<EventKind> = kinds
        .iter()
        .copied()
        .filter(|k| channel.kinds.contains(k) != on)
        .collect();
    let here = channel_name(&channel);
    if changing.is_empty() {
        let already = if on {
            "already receives"
        } else {
            "does not receive"
        };
        return Ok((
            format!("Nothing changed: {here} {already} those."),
            format!("{verb}: nothing to change in {here}"),
        ));
    }
    let after = channels::change_by(
        profile,
        channel.id,
        Change::Kinds(changing.clone(), on),
        &actor,
    )?;
    let ids: Vec<String> = changing.iter().map(|k| format!("`{k}`")).collect();
    let done = if on {
        "now receives"
    } else {
        "no longer receives"
    };
    let mut text = format!("{here} {done} {}.", ids.join(", "));
    if after.kinds.is_empty() {
        text.push_str(" It receives no event kinds now.");
    } else {
        text.push_str(&format!(" It receives:\n{}", describe(&after.kinds)));
    }
    Ok((text, format!("{verb}d {here}: {}", kind_ids(&changing))))
}

fn kind_ids(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
