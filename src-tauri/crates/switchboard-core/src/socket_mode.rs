//! Socket Mode: how Slack reaches a desktop app that has no public URL. The supervisor runs
//! [`run`] while the console or `switchboard serve` runs; it keeps one WebSocket open to Slack
//! with the app-level token from the keyring.
//!
//! - Every envelope is written to the store ([`crate::inbound::receive_batch`]) and only then
//!   acknowledged, on the socket it came from, before any slow work: a crash after the ack
//!   loses nothing, and an envelope Slack delivers again is recognised and acknowledged
//!   without being handled twice. Slash commands are answered in the ack itself.
//! - Slack's `disconnect` notice (a refresh, `too_many_websockets`) opens the next connection
//!   at once; the old one is closed only after the new one said `hello`, and envelopes that
//!   still arrive on it while it closes are kept and acknowledged.
//! - Any other drop reconnects with backoff (1 s doubling to [`MAX_BACKOFF`], with jitter);
//!   a token Slack refuses stops until the token changes.
//!
//! [`SocketStatus`] says whether Slack can reach Switchboard now; the status bar and the
//! workspace cards show it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use switchboard_slack::Token;
use switchboard_slack::socket_mode::{Hello, Incoming, SocketConnection};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::profile::Profile;
use crate::secrets::{SecretKey, SecretKind};

/// The longest wait between reconnection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long a retiring connection may take to close, still taking envelopes meanwhile.
const RETIRE_GRACE: Duration = Duration::from_secs(3);
/// The most envelopes kept in one transaction.
const MAX_BATCH: usize = 200;

/// Where Socket Mode stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SocketState {
    /// Nothing runs it in this process (a command-line call, or before the supervisor starts).
    #[default]
    Stopped,
    /// No app-level token in Settings.
    NotConfigured,
    Connecting,
    /// Slack can reach Switchboard now.
    Connected,
    /// The connection dropped; trying again at `retry_at_ms`.
    Retrying,
    /// Slack refused the token; waits until it changes.
    Refused,
}

/// Whether Slack can reach Switchboard now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SocketStatus {
    pub state: SocketState,
    /// When this state began (Unix ms).
    pub since_ms: i64,
    /// Open sockets: two for a moment while a refresh hands over.
    pub connections: u32,
    /// Why it is not connected, said so that the person knows what to do.
    pub detail: Option<String>,
    /// The next attempt (Unix ms), while retrying.
    pub retry_at_ms: Option<i64>,
    /// The app's `A…` id, from Slack's `hello`.
    pub app_id: Option<String>,
}

fn status(profile: &Profile, state: SocketState) -> SocketStatus {
    let current = profile.socket_status();
    SocketStatus {
        state,
        since_ms: if current.state == state {
            current.since_ms
        } else {
            profile.now_ms()
        },
        connections: 0,
        detail: None,
        retry_at_ms: None,
        app_id: current.app_id,
    }
}

/// The app-level token, if one is kept.
pub async fn app_token(profile: &Profile) -> crate::Result<Option<Token>> {
    Ok(profile
        .secrets()
        .get(SecretKey::app(SecretKind::AppToken))
        .await?
        .map(crate::secrets::Secret::into_token))
}

/// Why a session ended.
enum Ended {
    Shutdown,
    TokenChanged,
    /// Slack refused the token: a sentence saying what to do.
    Refused(String),
    /// The link dropped or could not be opened; `connected` if it had been up.
    Dropped {
        reason: String,
        connected: bool,
    },
}

/// Keeps Slack's Socket Mode connection up until `shutdown`.
pub async fn run(profile: Arc<Profile>, shutdown: CancellationToken) {
    let mut failures: u32 = 0;
    loop {
        // Registered before the token is read, so a change in between is not missed.
        let wake = profile.socket_wake.clone();
        let changed = wake.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let ended = match app_token(&profile).await {
            Ok(Some(token)) => session(&profile, &token, &shutdown, changed.as_mut()).await,
            Ok(None) => {
                profile.set_socket_status(SocketStatus {
                    detail: Some(
                        "Paste the app-level token in Settings → Slack app so Slack can reach Switchboard."
                            .into(),
                    ),
                    ..status(&profile, SocketState::NotConfigured)
                });
                tokio::select! {
                    () = shutdown.cancelled() => Ended::Shutdown,
                    () = changed.as_mut() => Ended::TokenChanged,
                }
            }
            Err(error) => Ended::Dropped {
                reason: error.to_string(),
                connected: false,
            },
        };
        match ended {
            Ended::Shutdown => {
                profile.set_socket_status(status(&profile, SocketState::Stopped));
                return;
            }
            Ended::TokenChanged => failures = 0,
            Ended::Refused(sentence) => {
                profile.set_socket_status(SocketStatus {
                    detail: Some(sentence),
                    ..status(&profile, SocketState::Refused)
                });
                match pause(&profile, &shutdown, None).await {
                    Paused::Shutdown => return,
                    Paused::Woken => failures = 0,
                    Paused::Waited => {}
                }
            }
            Ended::Dropped { reason, connected } => {
                if connected {
                    failures = 0;
                }
                let delay = backoff(failures);
                failures = failures.saturating_add(1);
                tracing::warn!("Socket Mode: {reason}; trying again in {delay:?}");
                profile.set_socket_status(SocketStatus {
                    detail: Some(format!(
                        "Slack cannot reach Switchboard: {reason}. Trying again by itself."
                    )),
                    retry_at_ms: Some(profile.now_ms() + delay.as_millis() as i64),
                    ..status(&profile, SocketState::Retrying)
                });
                match pause(&profile, &shutdown, Some(delay)).await {
                    Paused::Shutdown => return,
                    Paused::Woken => failures = 0,
                    Paused::Waited => {}
                }
            }
        }
    }
}

/// How a pause between sessions ended.
enum Paused {
    /// Shut down: the status says `Stopped`.
    Shutdown,
    /// The token changed.
    Woken,
    /// `delay` passed.
    Waited,
}

/// Waits for shutdown, a token change, or `delay` (forever without one).
async fn pause(profile: &Profile, shutdown: &CancellationToken, delay: Option<Duration>) -> Paused {
    let wake = profile.socket_wake.clone();
    let waited = async {
        match delay {
            Some(delay) => tokio::time::sleep(delay).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = shutdown.cancelled() => {
            profile.set_socket_status(status(profile, SocketState::Stopped));
            Paused::Shutdown
        }
        () = wake.notified() => Paused::Woken,
        () = waited => Paused::Waited,
    }
}

/// 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`], each with up to a quarter more at random so that
/// many clients do not reconnect in step.
pub fn backoff(failures: u32) -> Duration {
    let base = Duration::from_secs(1u64 << failures.min(6)).min(MAX_BACKOFF);
    base + base.mul_f64(fastrand::f64() * 0.25)
}

/// Whether Slack refused the token itself (trying again will not help).
fn is_refusal(error: &Error) -> Option<String> {
    let code = match error {
        Error::SlackRefused { code, .. } => code.as_str(),
        _ => return None,
    };
    let sentence = match code {
        "invalid_auth" | "not_authed" => {
            "Slack does not accept the app-level token: generate a new one under Basic Information → App-Level Tokens (scope connections:write) and paste it in Settings → Slack app."
        }
        "token_revoked" | "account_inactive" => {
            "The app-level token was revoked: generate a new one under Basic Information → App-Level Tokens and paste it in Settings → Slack app."
        }
        "not_allowed_token_type" => {
            "This is not an app-level token: paste the xapp-… token from Basic Information → App-Level Tokens."
        }
        "missing_scope" => {
            "The app-level token lacks connections:write: add that scope to it under Basic Information → App-Level Tokens."
        }
        "team_disabled" | "user_removed_from_team" | "link_disabled" => {
            "Slack turned Socket Mode off for this app: switch Socket Mode on in the app's settings (Settings → Socket Mode)."
        }
        _ => return None,
    };
    Some(sentence.to_owned())
}

/// Opens one socket: a fresh URL, then the WebSocket and its `hello`.
async fn open(profile: &Profile, token: &Token) -> crate::Result<(SocketConnection, Hello)> {
    let url = profile.slack()?.apps_connections_open(token).await?;
    Ok(SocketConnection::connect(&url).await?)
}

/// What a connection's task reports.
enum Report {
    /// Slack said it will close this one.
    Warned(u64, String),
    Closed(u64, String),
}

/// One token's connections, until the token changes, Slack refuses it, the last connection
/// drops, or shutdown.
async fn session(
    profile: &Arc<Profile>,
    token: &Token,
    shutdown: &CancellationToken,
    mut changed: std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>,
) -> Ended {
    profile.set_socket_status(status(profile, SocketState::Connecting));
    let first = tokio::select! {
        () = shutdown.cancelled() => return Ended::Shutdown,
        () = changed.as_mut() => return Ended::TokenChanged,
        opened = open(profile, token) => opened,
    };
    let (connection, hello) = match first {
        Ok(opened) => opened,
        Err(error) => {
            return match is_refusal(&error) {
                Some(sentence) => Ended::Refused(sentence),
                None => Ended::Dropped {
                    reason: error.to_string(),
                    connected: false,
                },
            };
        }
    };
    let (reports, mut reported) = mpsc::unbounded_channel();
    let mut live: HashMap<u64, CancellationToken> = HashMap::new();
    let mut warned: Vec<u64> = Vec::new();
    let mut next_id = 0u64;
    let mut start = |connection: SocketConnection, live: &mut HashMap<u64, CancellationToken>| {
        next_id += 1;
        let stop = CancellationToken::new();
        live.insert(next_id, stop.clone());
        let task = converse(profile.clone(), connection, next_id, reports.clone(), stop);
        profile.tasks.spawn(task);
    };
    start(connection, &mut live);
    let connected = |profile: &Profile, count: usize, hello: &Hello| {
        let mut now = status(profile, SocketState::Connected);
        now.connections = count as u32;
        now.app_id = hello.connection_info.app_id.clone().or(now.app_id);
        profile.set_socket_status(now);
    };
    connected(profile, live.len(), &hello);
    // The next connection being opened after a `disconnect` notice.
    let mut replacing: Option<tokio::task::JoinHandle<crate::Result<(SocketConnection, Hello)>>> =
        None;
    let stop_all = |live: &HashMap<u64, CancellationToken>| live.values().for_each(|s| s.cancel());
    loop {
        tokio::select! {
            () = shutdown.cancelled() => {
                stop_all(&live);
                return Ended::Shutdown;
            }
            () = changed.as_mut() => {
                stop_all(&live);
                return Ended::TokenChanged;
            }
            report = reported.recv() => match report {
                Some(Report::Warned(id, reason)) => {
                    tracing::info!("Socket Mode: Slack will close connection {id} ({reason}); opening the next");
                    warned.push(id);
                    if replacing.is_none() {
                        let (profile, token) = (profile.clone(), token.clone());
                        replacing = Some(tokio::spawn(async move { open(&profile, &token).await }));
                    }
                }
                Some(Report::Closed(id, reason)) => {
                    live.remove(&id);
                    warned.retain(|w| *w != id);
                    if live.is_empty() && replacing.is_none() {
                        return Ended::Dropped { reason, connected: true };
                    }
                    if !live.is_empty() {
                        connected(profile, live.len(), &hello);
                    }
                }
                None => return Ended::Dropped { reason: "the connection ended".into(), connected: true },
            },
            opened = async { replacing.as_mut().expect("guarded").await }, if replacing.is_some() => {
                replacing = None;
                match opened {
                    Ok(Ok((connection, next_hello))) => {
                        start(connection, &mut live);
                        // The new one is up: only now are the warned ones let go.
                        for id in warned.drain(..) {
                            if let Some(stop) = live.get(&id) {
                                stop.cancel();
                            }
                        }
                        connected(profile, live.len(), &next_hello);
                    }
                    Ok(Err(error)) => {
                        if let Some(sentence) = is_refusal(&error) {
                            stop_all(&live);
                            return Ended::Refused(sentence);
                        }
                        if live.is_empty() {
                            return Ended::Dropped { reason: error.to_string(), connected: true };
                        }
                        // The old one still works: try the next one again shortly.
                        let (profile, token) = (profile.clone(), token.clone());
                        replacing = Some(tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            open(&profile, &token).await
                        }));
                    }
                    Err(join) => {
                        return Ended::Dropped { reason: join.to_string(), connected: true };
                    }
                }
            }
        }
    }
}

/// One socket's life: every envelope kept, then acknowledged; `disconnect` reported; when
/// `stop` is cancelled, a close frame, and envelopes still arriving kept until it closes.
async fn converse(
    profile: Arc<Profile>,
    mut connection: SocketConnection,
    id: u64,
    reports: mpsc::UnboundedSender<Report>,
    stop: CancellationToken,
) {
    let mut closing_by: Option<tokio::time::Instant> = None;
    let reason = loop {
        let deadline = async {
            match closing_by {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let incoming = tokio::select! {
            () = stop.cancelled(), if closing_by.is_none() => {
                connection.send_close().await;
                closing_by = Some(tokio::time::Instant::now() + RETIRE_GRACE);
                continue;
            }
            () = deadline => break "closed by Switchboard".to_owned(),
            incoming = connection.next() => incoming,
        };
        // Envelopes that arrived together are kept together (one transaction), then each
        // acknowledged.
        let mut batch = Vec::new();
        let mut ended: Option<String> = None;
        let mut next = Some(incoming);
        while let Some(incoming) = next.take() {
            match incoming {
                Ok(Some(Incoming::Envelope(envelope))) => batch.push(*envelope),
                Ok(Some(Incoming::Disconnect { reason })) => {
                    let _ = reports.send(Report::Warned(id, reason));
                }
                Ok(None) => ended = Some("Slack closed the connection".to_owned()),
                Err(error) => ended = Some(error.to_string()),
            }
            if ended.is_none() && batch.len() < MAX_BATCH {
                next = arrived(connection.next()).await;
            }
        }
        if !batch.is_empty()
            && let Err(error) = take(&profile, &mut connection, batch).await
        {
            break error;
        }
        if let Some(reason) = ended {
            break reason;
        }
    };
    let _ = reports.send(Report::Closed(id, reason));
}

/// What `future` gives when polled once: only what has already arrived (a zero timeout would
/// wait for the timer's next millisecond). Used with cancel-safe futures only.
async fn arrived<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        std::task::Poll::Ready(output) => std::task::Poll::Ready(Some(output)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

/// Keeps envelopes, then acknowledges each (with the answer, for a slash command). Envelopes
/// that cannot be kept are not acknowledged: Slack delivers them again.
async fn take(
    profile: &Arc<Profile>,
    connection: &mut SocketConnection,
    envelopes: Vec<switchboard_slack::socket_mode::Envelope>,
) -> Result<(), String> {
    let ids: Vec<String> = envelopes.iter().map(|e| e.envelope_id.clone()).collect();
    let kept = {
        let profile = profile.clone();
        tokio::task::spawn_blocking(move || crate::inbound::receive_batch(&profile, &envelopes))
            .await
    };
    match kept {
        Ok(Ok(answers)) => {
            for (envelope_id, answer) in ids.iter().zip(answers) {
                connection
                    .ack(envelope_id, answer.as_ref())
                    .await
                    .map_err(|e| e.to_string())?;
            }
            profile.wake_inbound();
            Ok(())
        }
        Ok(Err(error)) => {
            tracing::warn!(
                "Socket Mode: {} envelopes not kept, so not acknowledged: {error}",
                ids.len()
            );
            Ok(())
        }
        Err(join) => Err(join.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_a_minute() {
        for failures in 0..10 {
            let wait = backoff(failures);
            let base = Duration::from_secs(1u64 << failures.min(6)).min(MAX_BACKOFF);
            assert!(
                wait >= base && wait <= base.mul_f64(1.25),
                "{failures}: {wait:?}"
            );
        }
        assert!(backoff(20) <= MAX_BACKOFF.mul_f64(1.25));
    }
}
