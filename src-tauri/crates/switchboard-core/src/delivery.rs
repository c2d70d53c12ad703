//! Delivery: the worker that takes the outbox to Slack, exactly once and in order per channel.
//!
//! - **Lanes.** Each (workspace, channel) is a lane: its messages go one after another in the
//!   order their events arrived; lanes run side by side. A message waiting out a backoff holds
//!   its lane (a later message never overtakes it).
//! - **Pacing.** The Slack client paces `chat.postMessage` to about one a second per channel
//!   and the workspace's cap overall, and waits out `Retry-After` after a 429.
//! - **Exactly once.** A message is claimed (`sending`, with a lease) in the database before it
//!   is sent, and carries its outbox id and this database's instance id in Slack message
//!   `metadata`. When an attempt's outcome is unknown — a timeout, a cut connection, a 5xx, a
//!   crash between sending and recording — the message is marked `check_first`, and the next
//!   attempt first looks for it in the channel's history (or its thread) from shortly before
//!   the first uncertain attempt, with `include_all_metadata`; found means sent.
//! - **Held, not dropped.** A workspace whose token Slack refuses is marked for reconnecting and
//!   its messages are held; once it is connected again (and the integration is on), they are
//!   released and sent. Errors that waiting will not heal fail the message with a sentence that
//!   says what to do.
//! - **One worker per data directory.** The worker takes `delivery.lock` in the data directory,
//!   so the console, `switchboard serve` and `switchboard outbox deliver` never deliver the same
//!   outbox at once; the lease covers a sender that died.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use switchboard_slack::api::chat::PostMessage;
use switchboard_slack::api::conversations::{History, HistoryPage, Replies};
use switchboard_slack::paginate::{CursorRequest, Pages};
use switchboard_slack::types::MessageMetadata;
use switchboard_slack::{ChannelId, Token, Ts, UserId};
use switchboard_store::outbox::{self, Attempted, Claimed, Lane};
use switchboard_store::settings;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::events::Event;
use crate::profile::Profile;
use crate::render::Message;
use crate::routing::{self, Reason};
use crate::{Error, Result};

/// The `event_type` of the metadata every delivered message carries.
pub const METADATA_EVENT_TYPE: &str = "switchboard_delivery";
/// How long a claimed message belongs to its sender; after that it counts as interrupted.
pub const LEASE_MS: i64 = 120_000;
/// How far before the first uncertain attempt the history search starts (clock skew).
const SEARCH_MARGIN_S: i64 = 120;
/// After this long failing transiently, a message fails for good.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 60 * 60 * 1000;
/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;
/// How many lanes send at once.
const MAX_LANES: usize = 64;
/// How often the worker looks for work other processes queued (the CLI, `serve`).
const POLL: Duration = Duration::from_secs(1);
/// `until_idle` waits for retries due within this long, not for later ones.
const IDLE_HORIZON_MS: i64 = 60_000;
/// The lock file that makes one worker per data directory.
pub const LOCK_FILE: &str = "delivery.lock";

/// What a delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sent: u64,
    pub found: u64,
    pub retried: u64,
    pub held: u64,
    pub failed: u64,
}

impl Summary {
    fn add(&mut self, outcome: &Attempted) {
        match outcome {
            Attempted::Sent { found: true, .. } => self.found += 1,
            Attempted::Sent { .. } => self.sent += 1,
            Attempted::Retry { .. } => self.retried += 1,
            Attempted::Held { .. } => self.held += 1,
            Attempted::Failed { .. } => self.failed += 1,
        }
    }

    fn merge(&mut self, other: &Summary) {
        self.sent += other.sent;
        self.found += other.found;
        self.retried += other.retried;
        self.held += other.held;
        self.failed += other.failed;
    }
}

/// A cross-process lock on a file in the data directory, held until dropped.
pub(crate) struct FileLock(#[allow(dead_code)] std::fs::File);

fn try_lock(profile: &Profile) -> Result<Option<FileLock>> {
    try_lock_file(profile, LOCK_FILE)
}

/// Takes the lock file `name` in the data directory, `None` while another process holds it.
pub(crate) fn try_lock_file(profile: &Profile, name: &str) -> Result<Option<FileLock>> {
    let path = profile.data_dir.join(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            Error::StorageUnavailable(format!(
                "the lock {} could not be opened ({e})",
                path.display()
            ))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(FileLock(file))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::StorageUnavailable(format!(
            "the lock {} could not be taken ({e})",
            path.display()
        ))),
    }
}

/// The supervisor's delivery task: delivers until `shutdown`. While another process delivers
/// this data directory's outbox, it waits for that process to stop.
pub async fn run(profile: Arc<Profile>, shutdown: CancellationToken) {
    let lock = loop {
        match try_lock(&profile) {
            Ok(Some(lock)) => break lock,
            Ok(None) => tracing::info!("another Switchboard process delivers; waiting for it"),
            Err(error) => tracing::warn!("delivery cannot start: {error}"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    };
    if let Err(error) = deliver(&profile, &shutdown, false).await {
        tracing::warn!("delivery stopped: {error}");
    }
    drop(lock);
}

/// Delivers until nothing is due — nothing being sent, nothing due within a minute; held and
/// failed messages wait for a person — then returns what it did:
/// `switchboard outbox deliver --until-idle`.
pub async fn until_idle(profile: Arc<Profile>, shutdown: CancellationToken) -> Result<Summary> {
    let Some(lock) = try_lock(&profile)? else {
        return Err(Error::invalid(
            "outbox",
            "Another Switchboard process (the console or `switchboard serve`) is delivering this outbox; it sends what is due. Stop it first to deliver from here.",
        ));
    };
    let summary = deliver(&profile, &shutdown, true).await;
    drop(lock);
    summary
}

/// The delivery loop: start a task per due lane, wait for work, repeat.
async fn deliver(
    profile: &Arc<Profile>,
    shutdown: &CancellationToken,
    until_idle: bool,
) -> Result<Summary> {
    let now = profile.now_ms();
    // Holding the lock, this process is the only sender: whatever was mid-send was
    // interrupted (a crash), and is looked for before it is sent again.
    let instance = profile.db()?.write(|tx| {
        outbox::expire_leases(tx, now)?;
        instance_id(tx)
    })?;
    let instance: Arc<str> = instance.into();
    let mut lanes: JoinSet<(Lane, Result<Summary>)> = JoinSet::new();
    let mut running: HashSet<Lane> = HashSet::new();
    let mut summary = Summary::default();
    loop {
        let now = profile.now_ms();
        let (due, next) = profile.db()?.write(|tx| {
            if routing::integration_on(tx)? {
                let released = outbox::release(tx, Reason::NeedsReconnect.as_str(), true, now)?;
                if released > 0 {
                    tracing::info!("{released} held messages released after a reconnect");
                }
                let released = outbox::release_due(tx, crate::staff::WORKING_HOURS, now)?;
                if released > 0 {
                    tracing::info!("{released} direct messages released: working hours began");
                }
            }
            Ok::<_, Error>(outbox::due_lanes(tx, now, MAX_LANES)?)
        })?;
        for lane in due {
            if running.len() < MAX_LANES && running.insert(lane.clone()) {
                let profile = profile.clone();
                let shutdown = shutdown.clone();
                let instance = instance.clone();
                lanes.spawn(async move {
                    let result = run_lane(&profile, &lane, &instance, &shutdown).await;
                    (lane, result)
                });
            }
        }
        // Idle: nothing sending, nothing due within a minute (later retries wait for the
        // next run).
        if until_idle && running.is_empty() && next.is_none_or(|at| at - now > IDLE_HORIZON_MS) {
            return Ok(summary);
        }
        let wait = next.map_or(POLL, |at| {
            Duration::from_millis((at - now).clamp(0, POLL.as_millis() as i64) as u64)
        });
        tokio::select! {
            () = shutdown.cancelled() => {
                // Each lane finishes the message it is sending.
                while let Some(done) = lanes.join_next().await {
                    if let Ok((_, Ok(done))) = done {
                        summary.merge(&done);
                    }
                }
                return Ok(summary);
            }
            Some(done) = lanes.join_next(), if !lanes.is_empty() => {
                match done {
                    Ok((lane, result)) => {
                        running.remove(&lane);
                        match result {
                            Ok(done) => summary.merge(&done),
                            Err(error) => tracing::warn!(
                                "delivery to {} in {}: {error}", lane.target_id, lane.team_id
                            ),
                        }
                    }
                    Err(error) => {
                        tracing::error!("a delivery task failed: {error}");
                        running.clear();
                    }
                }
            }
            () = profile.delivery_wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Sends the messages of one lane in order until it is empty, its head must wait, or the
/// worker shuts down.
async fn run_lane(
    profile: &Profile,
    lane: &Lane,
    instance: &str,
    shutdown: &CancellationToken,
) -> Result<Summary> {
    let mut summary = Summary::default();
    // The workspace's token, read (keyring, maybe a refresh) once per run of the lane rather
    // than once per message; dropped after any failure so the next attempt reads it afresh.
    let mut token: Option<Token> = None;
    while !shutdown.is_cancelled() {
        let now = profile.now_ms();
        let claimed = profile.db()?.write(|tx| {
            // The Slack integration's switch holds Slack messages; the business application
            // still hears decisions already made.
            if lane.target_id != crate::webhook::LANE && !routing::integration_on(tx)? {
                return Ok::<_, Error>(None);
            }
            Ok(outbox::claim_next(tx, lane, now, LEASE_MS)?.ok().flatten())
        })?;
        let Some(claimed) = claimed else {
            break;
        };
        let outcome = attempt(profile, &claimed, instance, now, &mut token).await?;
        summary.add(&outcome);
        let stop = !matches!(outcome, Attempted::Sent { .. } | Attempted::Failed { .. });
        if stop {
            break;
        }
    }
    Ok(summary)
}

/// This database's instance id (migration 0006 sets it).
fn instance_id(conn: &switchboard_store::rusqlite::Connection) -> Result<String> {
    Ok(settings::get::<String>(conn, "outbox.instance")?.unwrap_or_else(|| "unknown".into()))
}

/// One attempt at a claimed message, recorded; returns what it came to.
async fn attempt(
    profile: &Profile,
    claimed: &Claimed,
    instance: &str,
    started_at: i64,
    token: &mut Option<Token>,
) -> Result<Attempted> {
    let outcome = if claimed.target_kind == "webhook" {
        // Retried until the business application accepts it: no 24-hour limit.
        crate::webhook::send(profile, claimed).await
    } else {
        let sent = if claimed.target_kind == "update" {
            update(profile, claimed, token).await
        } else {
            send(profile, claimed, instance, token).await
        };
        let outcome = match sent {
            Ok(outcome) => outcome,
            Err(error) => {
                *token = None;
                classify(profile, claimed, &error).await
            }
        };
        give_up_if_too_old(claimed, outcome)
    };
    let now = profile.now_ms();
    profile
        .db()?
        .write(|tx| outbox::record(tx, claimed, started_at, &outcome, now))?;
    profile.emit(Event::OutboxChanged);
    Ok(outcome)
}

fn give_up_if_too_old(claimed: &Claimed, outcome: Attempted) -> Attempted {
    match outcome {
        Attempted::Retry {
            at, code, error, ..
        } if at - claimed.created_at > GIVE_UP_AFTER_MS => Attempted::Failed {
            code: "gave_up".into(),
            error: format!(
                "Slack could not take this message for 24 hours (last: {error} [{code}]); retry it once Slack works again."
            ),
        },
        other => other,
    }
}

/// Failures that end an attempt before Slack answered it, or that Slack answered.
enum SendError {
    /// Slack's client failed; `maybe_sent` when the post may have gone through.
    Slack {
        error: switchboard_slack::Error,
        maybe_sent: bool,
    },
    /// Switchboard's own failure (token, database).
    Core(Error),
}

impl From<Error> for SendError {
    fn from(error: Error) -> Self {
        SendError::Core(error)
    }
}

async fn send(
    profile: &Profile,
    claimed: &Claimed,
    instance: &str,
    cached: &mut Option<Token>,
) -> std::result::Result<Attempted, SendError> {
    let token = token_of(profile, claimed, cached).await?;
    let message: Message = serde_json::from_str(&claimed.payload_json).map_err(|e| {
        Error::invalid(
            "payload",
            format!("the stored message cannot be read ({e})"),
        )
    })?;
    let thread_ts = match &claimed.thread_key {
        Some(key) => profile.db()?.read(|conn| {
            outbox::thread_of(conn, &claimed.team_id, &claimed.target_id, key).map_err(Error::from)
        })?,
        None => None,
    };
    let slack = profile.slack()?;
    let channel = ChannelId::new(target_channel(profile, &token, claimed).await?);
    if claimed.check_first
        && let Some(found) = find_sent(
            profile,
            &token,
            claimed,
            &channel,
            instance,
            thread_ts.as_deref(),
        )
        .await
        .map_err(|error| SendError::Slack {
            error,
            maybe_sent: true,
        })?
    {
        return Ok(sent(profile, &token, claimed, &channel, found, thread_ts, true).await);
    }
    let post = PostMessage {
        channel: channel.as_str().to_owned(),
        text: message.text,
        blocks: (!message.blocks.is_empty()).then(|| serde_json::Value::from(message.blocks)),
        metadata: Some(metadata(claimed.id, instance)),
        thread_ts: thread_ts.clone().map(Ts::new),
        unfurl_links: Some(false),
        unfurl_media: Some(false),
        mrkdwn: None,
    };
    match slack.chat_post_message(&token, &post).await {
        Ok(posted) => {
            let posted = posted.into_inner();
            Ok(sent(
                profile,
                &token,
                claimed,
                &posted.channel,
                posted.ts.as_str().to_owned(),
                thread_ts,
                false,
            )
            .await)
        }
        Err(error) => {
            let maybe_sent = error.outcome_unknown();
            Err(SendError::Slack { error, maybe_sent })
        }
    }
}

/// The workspace's token: the one this lane read already, else a fresh one (kept for the
/// lane's next message).
async fn token_of(
    profile: &Profile,
    claimed: &Claimed,
    cached: &mut Option<Token>,
) -> std::result::Result<Token, SendError> {
    if let Some(token) = cached {
        return Ok(token.clone());
    }
    let (token, _) = crate::tokens::fresh_token(profile, &claimed.team_id).await?;
    *cached = Some(token.clone());
    Ok(token)
}

/// A change to a posted message (an approval's decision replacing its buttons): `chat.update`
/// of the stored `channel`, `ts`, `text` and `blocks`. Sending it twice shows the same, so an
/// unknown outcome is simply tried again.
async fn update(
    profile: &Profile,
    claimed: &Claimed,
    cached: &mut Option<Token>,
) -> std::result::Result<Attempted, SendError> {
    let token = token_of(profile, claimed, cached).await?;
    let change: serde_json::Value = serde_json::from_str(&claimed.payload_json).map_err(|e| {
        Error::invalid("payload", format!("the stored change cannot be read ({e})"))
    })?;
    let text = |name: &str| change[name].as_str().unwrap_or_default().to_owned();
    let update = switchboard_slack::api::chat::UpdateMessage {
        channel: text("channel"),
        ts: text("ts"),
        text: Some(text("text")),
        blocks: Some(change["blocks"].clone()),
        metadata: None,
    };
    match profile.slack()?.chat_update(&token, &update).await {
        Ok(_) => Ok(Attempted::Sent {
            found: false,
            channel_id: update.channel,
            ts: update.ts,
            thread_ts: None,
            permalink: None,
            started_thread: None,
        }),
        Err(error) => Err(SendError::Slack {
            error,
            maybe_sent: false,
        }),
    }
}

/// Where a claimed message is posted: its channel, or for a direct message to a Slack user the
/// app's DM with them — opened with `conversations.open` the first time and remembered.
async fn target_channel(
    profile: &Profile,
    token: &Token,
    claimed: &Claimed,
) -> std::result::Result<String, SendError> {
    let to_user = claimed.target_kind == "dm"
        && (claimed.target_id.starts_with('U') || claimed.target_id.starts_with('W'));
    if !to_user {
        return Ok(claimed.target_id.clone());
    }
    let cached = profile.db()?.read(|conn| {
        switchboard_store::staff::dm_channel(conn, &claimed.team_id, &claimed.target_id)
            .map_err(Error::from)
    })?;
    if let Some(channel) = cached {
        return Ok(channel);
    }
    let opened = profile
        .slack()?
        .conversations_open(token, &[UserId::new(claimed.target_id.clone())])
        .await
        .map_err(|error| SendError::Slack {
            error,
            maybe_sent: false,
        })?
        .into_inner();
    let channel = opened.channel.id.as_str().to_owned();
    profile.db()?.write(|tx| {
        switchboard_store::staff::cache_dm_channel(
            tx,
            &claimed.team_id,
            &claimed.target_id,
            &channel,
        )
        .map_err(Error::from)
    })?;
    Ok(channel)
}

/// The metadata that lets a sent message be found again.
pub fn metadata(outbox_id: i64, instance: &str) -> MessageMetadata {
    MessageMetadata {
        event_type: METADATA_EVENT_TYPE.to_owned(),
        event_payload: serde_json::json!({"outbox_id": outbox_id, "instance": instance}),
    }
}

fn is_ours(message: &switchboard_slack::types::Message, outbox_id: i64, instance: &str) -> bool {
    message.metadata.as_ref().is_some_and(|m| {
        m.event_type == METADATA_EVENT_TYPE
            && m.event_payload["outbox_id"].as_i64() == Some(outbox_id)
            && m.event_payload["instance"].as_str() == Some(instance)
    })
}

/// Looks for a message sent by an earlier, uncertain attempt: in the thread it would have
/// joined, or the channel's history, from shortly before that attempt.
async fn find_sent(
    profile: &Profile,
    token: &Token,
    claimed: &Claimed,
    channel: &ChannelId,
    instance: &str,
    thread_ts: Option<&str>,
) -> switchboard_slack::Result<Option<String>> {
    let Ok(slack) = profile.slack() else {
        return Ok(None);
    };
    let since = claimed.previous_attempt_at.unwrap_or(claimed.created_at) / 1000 - SEARCH_MARGIN_S;
    let oldest = Ts::new(format!("{}.000000", since.max(0)));
    let channel = channel.clone();
    let mut joined = false;
    loop {
        let search = async {
            if let Some(thread) = thread_ts {
                let mut request = Replies::new(channel.clone(), Ts::new(thread));
                request.oldest = Some(oldest.clone());
                request.include_all_metadata = true;
                first_ours(
                    slack.conversations_replies_pages(token, request),
                    claimed.id,
                    instance,
                )
                .await
            } else {
                let mut request = History::new(channel.clone());
                request.oldest = Some(oldest.clone());
                request.include_all_metadata = true;
                first_ours(
                    slack.conversations_history_pages(token, request),
                    claimed.id,
                    instance,
                )
                .await
            }
        };
        match search.await {
            // The app posts to public channels it is not in (chat:write.public) but reads
            // only those it is in: join, then look.
            Err(error) if error.code() == Some("not_in_channel") && !joined => {
                joined = true;
                slack.conversations_join(token, &channel).await?;
            }
            other => return other,
        }
    }
}

/// The ts of the first message in `pages` that is outbox message `outbox_id` of `instance`.
async fn first_ours<R: CursorRequest>(
    mut pages: Pages<R, HistoryPage>,
    outbox_id: i64,
    instance: &str,
) -> switchboard_slack::Result<Option<String>> {
    while let Some(page) = pages.next_page().await {
        let page = page?.into_inner();
        if let Some(found) = page
            .messages
            .iter()
            .find(|m| is_ours(m, outbox_id, instance))
        {
            return Ok(Some(found.ts.as_str().to_owned()));
        }
    }
    Ok(None)
}

/// A message Slack has: its permalink, and the thread it started for its business object.
async fn sent(
    profile: &Profile,
    token: &Token,
    claimed: &Claimed,
    channel: &ChannelId,
    ts: String,
    thread_ts: Option<String>,
    found: bool,
) -> Attempted {
    let permalink = match profile.slack() {
        Ok(slack) => slack
            .chat_get_permalink(token, channel, &Ts::new(ts.clone()))
            .await
            .ok()
            .map(|p| p.into_inner().permalink),
        Err(_) => None,
    };
    let started_thread = match (&claimed.thread_key, &thread_ts) {
        (Some(key), None) => Some((key.clone(), ts.clone())),
        _ => None,
    };
    Attempted::Sent {
        found,
        channel_id: channel.as_str().to_owned(),
        ts,
        thread_ts,
        permalink,
        started_thread,
    }
}

/// What a failed attempt means for the message.
async fn classify(profile: &Profile, claimed: &Claimed, error: &SendError) -> Attempted {
    let now = profile.now_ms();
    let name = match (&claimed.target_name, claimed.target_kind.as_str()) {
        (Some(name), "dm") => format!("@{name}"),
        (Some(name), _) => name.clone(),
        (None, _) => claimed.target_id.clone(),
    };
    match error {
        SendError::Core(Error::NeedsReconnect { reason, .. }) => Attempted::Held {
            reason: Reason::NeedsReconnect.as_str().into(),
            code: "needs_reconnect".into(),
            error: reason.clone(),
            maybe_sent: claimed.check_first,
        },
        SendError::Core(error) => Attempted::Retry {
            at: now + backoff_ms(claimed.attempt).max(30_000),
            code: error.code().into(),
            error: error.to_string(),
            maybe_sent: claimed.check_first,
        },
        SendError::Slack { error, maybe_sent } => {
            let maybe_sent = *maybe_sent || claimed.check_first;
            if error.needs_reconnect() || error.token_expired() {
                let role = crate::error::TokenRole::Bot;
                let code = error.code().unwrap_or("invalid_auth");
                let reason = crate::health::dead_token_reason(role, code);
                if error.needs_reconnect()
                    && let Err(e) =
                        crate::health::mark_token_dead(profile, &claimed.team_id, role, &reason)
                            .await
                {
                    tracing::warn!("recording the dead token: {e}");
                }
                if error.token_expired() {
                    // A rotating token that expired before its stored expiry: renew it now
                    // (a refusal marks the workspace) and try again.
                    let renewed = match crate::tokens::workspace(profile, &claimed.team_id) {
                        Ok(ws) => crate::tokens::renew(profile, &ws, role, now)
                            .await
                            .map(|_| ()),
                        Err(e) => Err(e),
                    };
                    if let Err(Error::NeedsReconnect { reason, .. }) = renewed {
                        return Attempted::Held {
                            reason: Reason::NeedsReconnect.as_str().into(),
                            code: code.into(),
                            error: reason,
                            maybe_sent,
                        };
                    }
                    return Attempted::Retry {
                        at: now,
                        code: code.into(),
                        error: reason,
                        maybe_sent,
                    };
                }
                return Attempted::Held {
                    reason: Reason::NeedsReconnect.as_str().into(),
                    code: code.into(),
                    error: reason,
                    maybe_sent,
                };
            }
            if let switchboard_slack::Error::RateLimited { retry_after, .. } = error {
                return Attempted::Retry {
                    at: now + retry_after.as_millis() as i64,
                    code: "ratelimited".into(),
                    error: format!(
                        "Slack asked to wait {} s before the next message (rate limit).",
                        retry_after.as_secs()
                    ),
                    maybe_sent,
                };
            }
            if error.is_transient() || error.outcome_unknown() {
                return Attempted::Retry {
                    at: now + backoff_ms(claimed.attempt),
                    code: error.code().unwrap_or(transport_code(error)).into(),
                    error: format!(
                        "{error}{}",
                        if maybe_sent {
                            "; Slack may have received it, so it is looked for before it is sent again"
                        } else {
                            ""
                        }
                    ),
                    maybe_sent,
                };
            }
            let code = error.code().unwrap_or("slack_error").to_owned();
            Attempted::Failed {
                error: failure_sentence(&code, &name, error),
                code,
            }
        }
    }
}

fn transport_code(error: &switchboard_slack::Error) -> &'static str {
    match error {
        switchboard_slack::Error::Http { .. } => "http_error",
        switchboard_slack::Error::Transport { .. } => "connection_failed",
        switchboard_slack::Error::Decode { .. } => "bad_answer",
        _ => "slack_error",
    }
}

/// The wait before attempt `attempt + 1`: exponential from one second, capped, with jitter so
/// messages that failed together do not retry together.
pub(crate) fn backoff_ms(attempt: i64) -> i64 {
    let base = 1000_i64
        .saturating_mul(1 << attempt.clamp(0, 20).saturating_sub(1))
        .min(MAX_BACKOFF_MS);
    base / 2 + (fastrand::f64() * (base / 2) as f64) as i64
}

/// What a person reads for an error waiting will not heal, with the fix.
pub fn failure_sentence(code: &str, channel: &str, error: &switchboard_slack::Error) -> String {
    let channel = if channel.starts_with('#')
        || channel.starts_with('@')
        || channel.starts_with('U')
        || channel.starts_with('W')
        || channel.starts_with('C')
        || channel.starts_with('D')
        || channel.starts_with('G')
    {
        channel.to_owned()
    } else {
        format!("#{channel}")
    };
    match code {
        "user_not_found" | "user_disabled" | "account_inactive" => format!(
            "Slack says the recipient's user {channel} is gone or deactivated: link the staff member to their current Slack user in Staff, then retry."
        ),
        "cannot_dm_bot" => format!(
            "{channel} is a bot, which cannot receive direct messages: link the staff member to their own Slack user in Staff, then retry."
        ),
        "messages_tab_disabled" => "The app's Messages tab is switched off, so Slack refuses direct messages from it: switch it on in the Slack app's App Home settings, then retry.".to_owned(),
        "message_not_found" | "cant_update_message" | "edit_window_closed" => format!(
            "Slack no longer lets Switchboard change this message in {channel} ({code}: it was deleted, or is too old); the decision is recorded and was sent on, only the message still shows its buttons."
        ),
        "not_in_channel" => format!(
            "Switchboard is not in {channel}: invite it with /invite @Switchboard in that channel, then retry."
        ),
        "channel_not_found" => format!(
            "{channel} no longer exists, or Switchboard cannot see it (a private channel it was removed from): invite the app back, or send this kind to another channel, then retry."
        ),
        "is_archived" => format!(
            "{channel} is archived: unarchive it in Slack, or send this kind to another channel, then retry."
        ),
        "missing_scope" => format!(
            "The Slack app lacks a permission it needs to post ({error}): add it in Settings → Slack app and reconnect the workspace, then retry."
        ),
        "restricted_action"
        | "restricted_action_read_only_channel"
        | "restricted_action_thread_only_channel"
        | "restricted_action_non_threadable_channel" => {
            format!(
                "{channel} does not let Switchboard post ({code}): let apps post there in the channel's settings, or choose another channel, then retry."
            )
        }
        "msg_too_long"
        | "invalid_blocks"
        | "invalid_blocks_format"
        | "too_many_attachments"
        | "invalid_metadata_format"
        | "invalid_metadata_schema"
        | "metadata_too_large" => format!(
            "Slack refused the message's content ({error}). Edit the kind's template, then retry; if it happens with the default template, report it."
        ),
        _ => format!("Slack refused the message: {error}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_from_a_second_to_five_minutes_with_jitter() {
        for _ in 0..100 {
            let first = backoff_ms(1);
            assert!((500..=1000).contains(&first), "{first}");
            let fifth = backoff_ms(5);
            assert!((8_000..=16_000).contains(&fifth), "{fifth}");
            let late = backoff_ms(40);
            assert!(
                (MAX_BACKOFF_MS / 2..=MAX_BACKOFF_MS).contains(&late),
                "{late}"
            );
        }
    }

    #[test]
    fn errors_that_will_not_heal_say_what_to_do() {
        let error = switchboard_slack::Error::Api {
            method: "chat.postMessage",
            code: "not_in_channel".into(),
            needed: None,
            provided: None,
            messages: vec![],
        };
        assert_eq!(
            failure_sentence("not_in_channel", "sales", &error),
            "Switchboard is not in #sales: invite it with /invite @Switchboard in that channel, then retry."
        );
        assert!(
            failure_sentence("is_archived", "#old", &error)
                .starts_with("#old is archived: unarchive it")
        );
        assert!(
            failure_sentence("channel_not_found", "#gone", &error).contains("invite the app back")
        );
    }

    #[test]
    fn only_this_databases_message_with_this_id_counts_as_sent() {
        let message = |payload: serde_json::Value| switchboard_slack::types::Message {
            ts: Ts::new("1.000001"),
            text: String::new(),
            user: None,
            bot_id: None,
            thread_ts: None,
            subtype: None,
            blocks: None,
            metadata: Some(MessageMetadata {
                event_type: METADATA_EVENT_TYPE.into(),
                event_payload: payload,
            }),
        };
        assert!(is_ours(
            &message(serde_json::json!({"outbox_id": 7, "instance": "a"})),
            7,
            "a"
        ));
        assert!(!is_ours(
            &message(serde_json::json!({"outbox_id": 7, "instance": "b"})),
            7,
            "a"
        ));
        assert!(!is_ours(
            &message(serde_json::json!({"outbox_id": 8, "instance": "a"})),
            7,
            "a"
        ));
    }
}
