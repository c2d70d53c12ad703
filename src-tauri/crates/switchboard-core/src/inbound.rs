//! What Slack sends over Socket Mode, from the socket to its effect.
//!
//! [`receive_batch`] runs before the ack: it keeps the envelope in the store (so a crash or a
//! reconnect after the ack loses nothing) and recognises one Slack delivers again (same
//! envelope id, or the same Events API event id in a new envelope). Slash commands are
//! answered there, in the ack itself: their work is a few reads and at most one small write.
//! Everything else is handled afterwards by [`run`], which the supervisor starts: it takes the
//! envelopes not yet handled, oldest first, and records what came of each.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use switchboard_slack::socket_mode::Envelope;
use switchboard_store::inbound::{self as stored, NewInbound, Recorded};
use tokio_util::sync::CancellationToken;

use crate::Result;
use crate::events::Event;
use crate::profile::Profile;

/// Handled envelopes are forgotten after a week: Slack redelivers within minutes.
const KEEP_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How often the processor forgets old envelopes.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// How often envelopes another process kept are looked for.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Envelopes taken per round.
const BATCH: usize = 100;

/// The kinds of envelope Switchboard keeps.
const KINDS: [&str; 3] = ["events_api", "interactive", "slash_commands"];

/// Keeps envelopes that arrived together and returns the payload to acknowledge each with (a
/// slash command's answer, a modal's errors), in the order of `envelopes`. The ones handled
/// later are kept in one transaction (one disk sync for the lot); slash commands, and reject
/// forms that cannot be taken (no reason, decided meanwhile), are answered one by one. An
/// error means none was kept: the caller must not acknowledge them, so Slack sends them again.
pub fn receive_batch(profile: &Profile, envelopes: &[Envelope]) -> Result<Vec<Option<Value>>> {
    let mut answers = vec![None; envelopes.len()];
    // A submitted form answered in the ack: it stays open with what is wrong.
    let mut refused_forms: Vec<Option<Value>> = envelopes
        .iter()
        .map(|e| {
            (e.kind == "interactive" && e.payload["type"] == "view_submission")
                .then(|| crate::approvals::submission_ack(profile, &e.payload))
                .flatten()
        })
        .collect();
    let now = profile.now_ms();
    let payloads: Vec<String> = envelopes.iter().map(|e| e.payload.to_string()).collect();
    let row = |i: usize| NewInbound {
        envelope_id: &envelopes[i].envelope_id,
        event_id: envelopes[i].event_id(),
        kind: envelopes[i].kind.as_str(),
        team_id: envelopes[i].team_id(),
        payload: &payloads[i],
        retry_attempt: envelopes[i].retry_attempt,
        received_at: now,
    };
    let later: Vec<usize> = (0..envelopes.len())
        .filter(|&i| {
            let kind = envelopes[i].kind.as_str();
            if !KINDS.contains(&kind) {
                tracing::info!("Socket Mode: ignoring an envelope of type {kind:?}");
            }
            KINDS.contains(&kind) && kind != "slash_commands" && refused_forms[i].is_none()
        })
        .collect();
    let db = profile.db()?;
    if !later.is_empty() {
        let recorded = db.write(|tx| {
            later
                .iter()
                .map(|&i| stored::record(tx, &row(i)))
                .collect::<switchboard_store::Result<Vec<_>>>()
                .map_err(crate::Error::from)
        })?;
        for (&i, recorded) in later.iter().zip(recorded) {
            if let Recorded::Again(earlier) = recorded {
                tracing::info!(
                    "Socket Mode: envelope {} repeats #{earlier}; acknowledged, not handled again",
                    envelopes[i].envelope_id
                );
            }
        }
    }
    for (i, envelope) in envelopes.iter().enumerate() {
        let refused_form = refused_forms[i].take();
        if envelope.kind != "slash_commands" && refused_form.is_none() {
            continue;
        }
        // Answered now, then kept as handled: Slack does not send a slash command again, and
        // the answer must travel in the ack.
        if db.read(|conn| stored::known(conn, &envelope.envelope_id))? {
            continue;
        }
        let (answer, outcome) = match refused_form {
            Some(errors) => {
                let why = errors["errors"][crate::approvals::REASON]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                (errors, format!("form kept open: {why}"))
            }
            None => crate::slash::answer(profile, &envelope.payload),
        };
        let handled_at = profile.now_ms();
        db.write(|tx| {
            if let Recorded::New(id) = stored::record(tx, &row(i))? {
                stored::handled(tx, id, &outcome, handled_at)?;
            }
            Ok::<_, crate::Error>(())
        })?;
        profile.emit(Event::InboundHandled);
        answers[i] = Some(answer);
    }
    Ok(answers)
}

/// The lock file that makes one process (the console or `serve`) the handler.
const LOCK_FILE: &str = "inbound.lock";

/// Handles kept envelopes until `shutdown`: woken by [`Profile::wake_inbound`] after each ack,
/// and once an hour to forget old ones. One process per data directory handles (the lock file
/// `inbound.lock`): the console and `switchboard serve` may both hold a Socket Mode connection
/// and keep what arrives, but only one acts on it, so nothing is answered or decided twice.
pub async fn run(profile: Arc<Profile>, shutdown: CancellationToken) {
    let lock = loop {
        match crate::delivery::try_lock_file(&profile, LOCK_FILE) {
            Ok(Some(lock)) => break lock,
            Ok(None) => tracing::info!(
                "another Switchboard process handles what Slack sends; waiting for it"
            ),
            Err(error) => tracing::warn!("handling what Slack sends cannot start: {error}"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    };
    handle_until(&profile, &shutdown).await;
    drop(lock);
}

async fn handle_until(profile: &Arc<Profile>, shutdown: &CancellationToken) {
    let mut last_prune: Option<tokio::time::Instant> = None;
    loop {
        let wake = profile.inbound_wake.clone();
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(tokio::time::Instant::now());
            let before = profile.now_ms() - KEEP_MS;
            if let Err(error) = profile
                .db()
                .and_then(|db| db.write(|tx| stored::prune(tx, before).map_err(crate::Error::from)))
            {
                tracing::warn!("Socket Mode: cannot forget old envelopes: {error}");
            }
        }
        let more = match handle_waiting(profile).await {
            Ok(more) => more,
            Err(error) => {
                tracing::warn!("Socket Mode: cannot handle what Slack sent: {error}");
                false
            }
        };
        if more {
            continue;
        }
        // Woken by this process's acks; what another process's connection kept is picked up
        // within a second.
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = woken.as_mut() => {}
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}

/// Handles one batch of waiting envelopes, oldest first; `true` if there may be more.
pub async fn handle_waiting(profile: &Profile) -> Result<bool> {
    let db = profile.db()?;
    let waiting = db.read(|conn| stored::waiting(conn, BATCH).map_err(crate::Error::from))?;
    for envelope in &waiting {
        let outcome = handle(profile, envelope).await;
        let now = profile.now_ms();
        db.write(|tx| stored::handled(tx, envelope.id, &outcome, now))?;
    }
    if !waiting.is_empty() {
        profile.emit(Event::InboundHandled);
    }
    Ok(waiting.len() == BATCH)
}

/// Does what one envelope asks and says what came of it.
async fn handle(profile: &Profile, envelope: &stored::Inbound) -> String {
    let payload: Value = match serde_json::from_str(&envelope.payload) {
        Ok(payload) => payload,
        Err(error) => return format!("unreadable: {error}"),
    };
    match envelope.kind.as_str() {
        "events_api" => {
            let event = &payload["event"];
            let kind = event["type"].as_str().unwrap_or("?");
            if event.get("bot_id").is_some() || event["subtype"] == "bot_message" {
                return format!("ignored: {kind} from a bot");
            }
            match (kind, event["channel_type"].as_str()) {
                ("message", Some("im" | "mpim")) => {
                    crate::conversations::receive(profile, &payload)
                }
                _ => format!("ignored: Switchboard does not act on {kind} events"),
            }
        }
        "interactive" => match payload["type"].as_str().unwrap_or_default() {
            "block_actions" => crate::approvals::handle_action(profile, &payload).await,
            "view_submission" => crate::approvals::handle_submission(profile, &payload).await,
            "view_closed" => "ignored: a form was closed without deciding".into(),
            other => format!("ignored: Switchboard does not act on {other:?} interactions"),
        },
        other => format!("ignored: unexpected {other}"),
    }
}

/// What Slack sent lately, newest first.
pub fn recent(profile: &Profile, limit: usize) -> Result<Vec<stored::Inbound>> {
    profile
        .db()?
        .read(|conn| stored::recent(conn, limit).map_err(crate::Error::from))
}
