//! The account owner's notification channels: adding one from the synced directory (joining a
//! public channel the app is not in), switching event kinds on and off, disabling, the
//! workspace's default channel, threads per business object, removing — and the global switch
//! that turns the whole integration off. Each is one function here; every change is audited and
//! announced.

use serde::Serialize;
use std::collections::BTreeMap;
use switchboard_slack::ChannelId;

use switchboard_store::rusqlite::Connection;
use switchboard_store::{audit, channels as stored, directory, outbox, settings, workspaces};

use crate::event_kind::EventKind;
use crate::events::Event;
use crate::profile::Profile;
use crate::routing::{INTEGRATION_SETTING, Reason, integration_on};
use crate::{Error, Result, tokens};

/// A notification channel as the Channels view and `switchboard channel list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelView {
    pub id: i64,
    pub team_id: String,
    pub workspace_name: String,
    pub channel_id: String,
    /// `None` when the directory does not list it (deleted, or the app lost access).
    pub name: Option<String>,
    pub is_private: bool,
    pub is_archived: bool,
    /// Whether the app is in the channel (it must be, to post).
    pub is_member: bool,
    pub enabled: bool,
    pub thread_per_object: bool,
    pub is_default: bool,
    /// Kinds switched on, in catalogue order.
    pub kinds: Vec<EventKind>,
}

fn workspace_names(conn: &Connection) -> Result<BTreeMap<String, String>> {
    Ok(workspaces::list(conn)?
        .into_iter()
        .map(|w| (w.team_id, w.name))
        .collect())
}

fn view(c: stored::NotificationChannel, workspace_name: String) -> ChannelView {
    let mut kinds: Vec<EventKind> = c.kinds.iter().filter_map(|k| k.parse().ok()).collect();
    kinds.sort();
    ChannelView {
        id: c.id,
        team_id: c.team_id,
        workspace_name,
        channel_id: c.channel_id,
        name: c.channel_name,
        is_private: c.is_private.unwrap_or(false),
        is_archived: c.is_archived.unwrap_or(false),
        is_member: c.is_member.unwrap_or(false),
        enabled: c.enabled,
        thread_per_object: c.thread_per_object,
        is_default: c.is_default,
        kinds,
    }
}

/// Every notification channel, by workspace and name.
pub fn list(profile: &Profile) -> Result<Vec<ChannelView>> {
    profile.db()?.read(|conn| {
        let names = workspace_names(conn)?;
        Ok(stored::list(conn)?
            .into_iter()
            .map(|c| {
                let name = names.get(&c.team_id).cloned().unwrap_or_default();
                view(c, name)
            })
            .collect())
    })
}

/// One notification channel.
pub fn get(profile: &Profile, id: i64) -> Result<ChannelView> {
    profile.db()?.read(|conn| one(conn, id))
}

fn one(conn: &Connection, id: i64) -> Result<ChannelView> {
    let channel = stored::get(conn, id)?.ok_or_else(|| not_found(id))?;
    let name = workspace_names(conn)?
        .remove(&channel.team_id)
        .unwrap_or_default();
    Ok(view(channel, name))
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "channel",
        message: format!(
            "There is no notification channel {id}: `switchboard channel list` shows them."
        ),
    }
}

/// Parses a list of kinds and groups (`invoice.sent`, `invoices`, `time_tracking`).
pub fn parse_kinds(items: &[String]) -> Result<Vec<EventKind>> {
    let mut kinds = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        let group: Vec<EventKind> = EventKind::ALL
            .iter()
            .copied()
            .filter(|k| group_id(k.group()) == item.to_lowercase())
            .collect();
        if group.is_empty() {
            kinds.push(item.parse::<EventKind>().map_err(|_| {
                Error::invalid(
                    "kinds",
                    format!(
                        "{item:?} is neither an event kind nor a group; groups are {}, kinds are e.g. invoice.sent",
                        groups().join(", ")
                    ),
                )
            })?);
        } else {
            kinds.extend(group);
        }
    }
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

/// A group's identifier: `Time tracking` → `time_tracking`.
pub fn group_id(group: &str) -> String {
    group.to_lowercase().replace(' ', "_")
}

/// Every group's identifier, in catalogue order (`time_tracking`, `clients`, `invoices` …).
pub fn groups() -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for kind in EventKind::ALL {
        let id = group_id(kind.group());
        if !groups.contains(&id) {
            groups.push(id);
        }
    }
    groups
}

/// What the owner asks for when adding a channel.
#[derive(Debug, Clone)]
pub struct AddChannel {
    pub team_id: String,
    /// A channel id (`C…`, `G…`) or `#name`, looked up in the synced directory.
    pub channel: String,
    pub kinds: Vec<EventKind>,
    pub thread_per_object: bool,
    /// Join the channel (`conversations.join`) if it is public and the app is not in it.
    pub join: bool,
}

/// Adds a notification channel with `kinds` switched on (audited). A public channel the app is
/// not in is joined when `join` is set, and refused with the way to do it otherwise; a private
/// one must invite the app first.
pub async fn add(profile: &Profile, request: AddChannel) -> Result<ChannelView> {
    let channel_text = request.channel.trim().to_owned();
    if channel_text.is_empty() {
        return Err(Error::invalid(
            "channel",
            "Name the channel: its id (C…) or #name.",
        ));
    }
    let team_id = request.team_id.clone();
    let (workspace, listed) = profile.db()?.read(|conn| {
        let workspace = workspaces::get(conn, &team_id)?.map(|w| w.name);
        let listed = directory::find_channel(conn, &team_id, &channel_text)?;
        if let Some(listed) = &listed
            && stored::find(conn, &team_id, &listed.channel_id)?.is_some()
        {
            return Err(already(&listed.name));
        }
        Ok::<_, Error>((workspace, listed))
    })?;
    let workspace = workspace.ok_or_else(|| Error::no_workspace(&team_id))?;
    let Some(listed) = listed else {
        return Err(Error::invalid(
            "channel",
            format!(
                "{workspace}'s synced directory has no channel {channel_text}. Check the name. A private channel is listed only once Switchboard's app is in it: type /invite @Switchboard there. Then sync the directory (Workspaces → Sync, or `switchboard workspace sync {team_id}`) and try again."
            ),
        ));
    };
    if listed.is_archived {
        return Err(Error::invalid(
            "channel",
            format!(
                "#{} is archived: Slack accepts no messages there. Unarchive it in Slack or pick another channel.",
                listed.name
            ),
        ));
    }
    if !listed.is_member {
        if listed.is_private {
            return Err(Error::invalid(
                "channel",
                format!(
                    "#{} is private and Switchboard's app is not in it: in Slack, open #{} and type /invite @Switchboard, then sync the directory.",
                    listed.name, listed.name
                ),
            ));
        }
        if !request.join {
            return Err(Error::invalid(
                "channel",
                format!(
                    "Switchboard's app is not in #{}: let Switchboard join it, or type /invite @Switchboard there.",
                    listed.name
                ),
            ));
        }
        let (token, _) = tokens::fresh_token(profile, &team_id).await?;
        profile
            .slack()?
            .conversations_join(&token, &ChannelId::new(&listed.channel_id))
            .await?;
        let (team, channel) = (team_id.clone(), listed.channel_id.clone());
        profile
            .db()?
            .write(|tx| directory::mark_member(tx, &team, &channel))?;
    }
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let kinds: Vec<&str> = request.kinds.iter().map(|k| k.as_str()).collect();
    let id = profile.db()?.write(|tx| {
        if stored::find(tx, &team_id, &listed.channel_id)?.is_some() {
            return Err(Error::invalid(
                "channel",
                format!(
                    "#{} is already a notification channel: edit its kinds instead.",
                    listed.name
                ),
            ));
        }
        let id = stored::insert(
            tx,
            &stored::NewChannel {
                team_id: &team_id,
                channel_id: &listed.channel_id,
                channel_name: Some(&listed.name),
                kinds: &kinds,
                thread_per_object: request.thread_per_object,
                now,
            },
        )?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "channel.added",
                subject: &format!("#{} ({workspace})", listed.name),
                old_value: None,
                new_value: Some(&kinds.join(", ")),
            },
        )?;
        Ok(id)
    })?;
    profile.emit(Event::ChannelsChanged);
    get(profile, id)
}

fn already(name: &str) -> Error {
    Error::invalid(
        "channel",
        format!("#{name} is already a notification channel: edit its kinds instead."),
    )
}

fn kind_list(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One change to a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Switch these kinds on or off (a group's all/none is one change).
    Kinds(Vec<EventKind>, bool),
    Enabled(bool),
    ThreadPerObject(bool),
    Default(bool),
}

/// Applies `change` to channel `id` (audited with old and new value) and returns it.
pub fn change(profile: &Profile, id: i64, change: Change) -> Result<ChannelView> {
    change_by(profile, id, change, &profile.actor)
}

/// [`change`], made by `actor` (a Slack user running `/switchboard subscribe`).
pub fn change_by(profile: &Profile, id: i64, change: Change, actor: &str) -> Result<ChannelView> {
    let now = switchboard_store::now_ms();
    let updated = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        let mut entries: Vec<(&str, String, Option<String>, Option<String>)> = Vec::new();
        match &change {
            Change::Kinds(kinds, on) => {
                for kind in kinds {
                    stored::set_kind(tx, id, kind.as_str(), *on, now)?;
                }
            }
            Change::Enabled(on) => stored::set_enabled(tx, id, *on, now)?,
            Change::ThreadPerObject(on) => stored::set_thread_per_object(tx, id, *on, now)?,
            Change::Default(on) => {
                // The workspace's previous default stops being one: recorded too.
                if *on {
                    for other in stored::list(tx)?
                        .into_iter()
                        .filter(|c| c.is_default && c.team_id == before.team_id && c.id != id)
                    {
                        let other = one(tx, other.id)?;
                        entries.push((
                            "channel.default",
                            subject(&other),
                            Some("true".into()),
                            Some("false".into()),
                        ));
                    }
                }
                stored::set_default(tx, id, *on, now)?;
            }
        }
        let after = one(tx, id)?;
        let (action, old, new) = match &change {
            Change::Kinds(..) => (
                "channel.kinds",
                kind_list(&before.kinds),
                kind_list(&after.kinds),
            ),
            Change::Enabled(_) => (
                "channel.enabled",
                before.enabled.to_string(),
                after.enabled.to_string(),
            ),
            Change::ThreadPerObject(_) => (
                "channel.thread_per_object",
                before.thread_per_object.to_string(),
                after.thread_per_object.to_string(),
            ),
            Change::Default(_) => (
                "channel.default",
                before.is_default.to_string(),
                after.is_default.to_string(),
            ),
        };
        // A change that changes nothing is not recorded.
        if old != new {
            entries.push((action, subject(&before), Some(old), Some(new)));
        }
        for (action, subject, old, new) in &entries {
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor,
                    action,
                    subject,
                    old_value: old.as_deref(),
                    new_value: new.as_deref(),
                },
            )?;
        }
        Ok::<_, Error>(after)
    })?;
    profile.emit(Event::ChannelsChanged);
    Ok(updated)
}

fn subject(channel: &ChannelView) -> String {
    format!(
        "#{} ({})",
        channel.name.as_deref().unwrap_or(&channel.channel_id),
        channel.workspace_name
    )
}

/// Removes channel `id` (audited). Messages still waiting for it (pending or held) are
/// discarded: the owner no longer wants messages there. Sent ones stay in the history.
pub fn remove(profile: &Profile, id: i64) -> Result<()> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        let discarded = outbox::discard_waiting_for(
            tx,
            id,
            "The channel was removed from Switchboard before this was sent.",
            now,
        )?;
        stored::remove(tx, id)?;
        let kinds = format!(
            "{}; {discarded} waiting message(s) discarded",
            kind_list(&before.kinds)
        );
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "channel.removed",
                subject: &subject(&before),
                old_value: Some(&kinds),
                new_value: None,
            },
        )?;
        Ok::<_, Error>(())
    })?;
    profile.emit(Event::ChannelsChanged);
    Ok(())
}

/// The integration switch and what waits because of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Integration {
    pub enabled: bool,
    /// Messages held because the integration was off: send or discard them.
    pub held: u64,
}

/// Whether the integration is on, and how many messages it holds.
pub fn integration(profile: &Profile) -> Result<Integration> {
    profile.db()?.read(integration_in)
}

fn integration_in(conn: &Connection) -> Result<Integration> {
    Ok(Integration {
        enabled: integration_on(conn)?,
        held: outbox::held(conn, Reason::IntegrationOff.as_str())?,
    })
}

/// Turns the integration on or off (audited). Off: messages waiting to be sent are held, and
/// new events are recorded but queue nothing. On: the held ones wait for the owner to send or
/// discard them.
pub fn set_integration(profile: &Profile, on: bool) -> Result<Integration> {
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let state = profile.db()?.write(|tx| {
        let was = integration_on(tx)?;
        if was != on {
            settings::set(tx, INTEGRATION_SETTING, &on, now)?;
            if !on {
                outbox::hold_pending(tx, Reason::IntegrationOff.as_str(), now)?;
            }
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: "setting.changed",
                    subject: "Slack integration",
                    old_value: Some(if was { "on" } else { "off" }),
                    new_value: Some(if on { "on" } else { "off" }),
                },
            )?;
        }
        integration_in(tx)
    })?;
    profile.emit(Event::ChannelsChanged);
    profile.emit(Event::OutboxChanged);
    profile.wake_delivery();
    Ok(state)
}

/// What became of a channel's test message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestOutcome {
    pub outbox_id: i64,
    /// sent, failed, held — or pending when delivery had not finished within the wait.
    pub state: String,
    /// The message in Slack, once sent.
    pub permalink: Option<String>,
    /// What went wrong, with the fix (failed or held), or why it still waits.
    pub sentence: Option<String>,
}

/// How long [`send_test`] waits for the delivery worker's answer.
pub const TEST_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Sends a test message to channel `id` through the real delivery path: it is queued in the
/// outbox like any message (behind what already waits for the channel) and the delivery worker
/// sends it; this waits up to [`TEST_WAIT`] for the outcome. While the channel's last test
/// message still waits, another click waits for that one instead of queueing a second. Refused
/// while the integration is off. A disabled channel can be tested: the test is how an owner
/// checks it before enabling.
pub async fn send_test(profile: &Profile, id: i64) -> Result<TestOutcome> {
    send_test_waiting(profile, id, TEST_WAIT).await
}

/// [`send_test`], waiting at most `wait` for the outcome.
pub async fn send_test_waiting(
    profile: &Profile,
    id: i64,
    wait: std::time::Duration,
) -> Result<TestOutcome> {
    let channel = get(profile, id)?;
    let label = channel
        .name
        .as_deref()
        .map_or_else(|| channel.channel_id.clone(), |n| format!("#{n}"));
    let kinds = if channel.kinds.is_empty() {
        "no event kinds yet".to_owned()
    } else {
        let mut groups: Vec<&str> = channel.kinds.iter().map(|k| k.group()).collect();
        groups.dedup();
        format!(
            "{} event kind{} ({})",
            channel.kinds.len(),
            if channel.kinds.len() == 1 { "" } else { "s" },
            groups.join(", ")
        )
    };
    let text = format!(
        ":wave: Test message from Switchboard, sent by {}. {} receives {}.",
        crate::render::escape(&profile.actor),
        crate::render::escape(&label),
        crate::render::escape(&kinds)
    );
    let message = crate::render::Message {
        blocks: vec![serde_json::json!({
            "type": "section", "text": {"type": "mrkdwn", "text": text}
        })],
        text,
        notes: Vec::new(),
    };
    let payload_json = serde_json::to_string(&message)
        .map_err(|e| Error::StorageUnavailable(format!("the test message: {e}")))?;
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    let (outbox_id, queued) = profile.db()?.write(|tx| {
        if !integration_on(tx)? {
            return Err(Error::invalid(
                "integration",
                "The Slack integration is off: turn it on to send a test message.",
            ));
        }
        if let Some(waiting) = outbox::waiting_test(tx, channel.id)? {
            return Ok((waiting, false));
        }
        let outbox_id = outbox::enqueue(
            tx,
            &outbox::Standalone {
                notification_channel_id: Some(channel.id),
                event_id: None,
                team_id: &channel.team_id,
                target_kind: "channel",
                target_id: &channel.channel_id,
                staff_id: None,
                target_name: channel.name.as_deref(),
                payload_json: &payload_json,
                now,
            },
        )?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "channel.tested",
                subject: &format!("{label} ({})", channel.workspace_name),
                old_value: None,
                new_value: Some(&format!("message {outbox_id}")),
            },
        )?;
        Ok((outbox_id, true))
    })?;
    if queued {
        profile.emit(Event::OutboxChanged);
    }
    profile.wake_delivery();
    let deadline = std::time::Instant::now() + wait;
    loop {
        let outcome = test_outcome(profile, outbox_id)?;
        let done = !matches!(outcome.state.as_str(), "pending" | "sending");
        if done || std::time::Instant::now() >= deadline {
            return Ok(outcome);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Where test message `outbox_id` stands now: sent (with its link), failed or held (with the
/// reason and the fix), or still waiting (with the last error, if an attempt failed). The
/// Channels view follows a test message that was not sent within [`TEST_WAIT`] with this.
pub fn test_outcome(profile: &Profile, outbox_id: i64) -> Result<TestOutcome> {
    let row = profile
        .db()?
        .read(|conn| outbox::get(conn, outbox_id).map_err(Error::from))?
        .ok_or_else(|| Error::NotFound {
            what: "message",
            message: format!(
                "There is no message {outbox_id} (its workspace or channel was removed): send a new test message from Channels."
            ),
        })?;
    let channel = row
        .target_name
        .as_deref()
        .map_or_else(|| row.target_id.clone(), |n| format!("#{n}"));
    let sentence = match row.state.as_str() {
        "sent" => None,
        "pending" | "sending" => Some(format!(
            "Not sent yet{}: it stays queued and goes out as soon as Slack accepts it.",
            row.last_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )),
        _ => crate::timeline::message_sentence(&row, "", &channel),
    };
    Ok(TestOutcome {
        outbox_id,
        state: row.state,
        permalink: row.permalink,
        sentence,
    })
}
