//! The owner of a profile's background work. A [`Supervisor`] starts every background task of
//! one profile — the health check loop (every workspace on start, then every
//! [`crate::health::CHECK_INTERVAL`]), the delivery worker ([`crate::delivery::run`]), Slack's
//! Socket Mode connection ([`crate::socket_mode::run`]) with the handler of what arrives on it
//! ([`crate::inbound::run`]) and, for
//! the console, the ingest API and the store watcher ([`crate::watch::run`]) — each
//! with the supervisor's shutdown token, and [`Supervisor::shutdown`] stops them and waits until
//! each has finished what it was doing. Modelled on mini-redis's shutdown: a token every task
//! selects on between steps, and a tracker that says when the last one is gone.
//!
//! Shutdown order: cancel the token (no task starts a new step), close the tracker, wait for
//! every task's current step (a health check in flight runs to its end, so no workspace is
//! left half-recorded).

use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::profile::Profile;

/// The background tasks of one profile.
#[derive(Debug)]
pub struct Supervisor {
    profile: Arc<Profile>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl Supervisor {
    /// Starts every background task of `profile` on the current Tokio runtime.
    pub fn start(profile: Arc<Profile>) -> Supervisor {
        let supervisor = Supervisor {
            profile,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
        };
        supervisor.spawn("health checks", health_loop);
        supervisor.spawn("delivery", crate::delivery::run);
        supervisor.spawn("Socket Mode", crate::socket_mode::run);
        supervisor.spawn("handling what Slack sent", crate::inbound::run);
        supervisor
    }

    /// The console's background work: [`Supervisor::start`]'s, the ingest API on its
    /// configured port (`switchboard serve` binds its own, to print the port first; whether it
    /// listens, or why not, is in [`Profile::ingest_status`]), and following what other
    /// processes write to the database ([`crate::watch::run`]), so the window shows it.
    pub fn start_with_ingest(profile: Arc<Profile>) -> Supervisor {
        let supervisor = Supervisor::start(profile);
        supervisor.spawn("ingest API", ingest_api);
        supervisor.spawn("watching the store", crate::watch::run);
        supervisor
    }

    /// The profile this supervisor works for.
    pub fn profile(&self) -> &Arc<Profile> {
        &self.profile
    }

    /// Runs `task` until it returns; it must return soon after `shutdown` is cancelled.
    pub fn spawn<F, Fut>(&self, name: &'static str, task: F)
    where
        F: FnOnce(Arc<Profile>, CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let work = task(self.profile.clone(), self.shutdown.clone());
        self.tasks.spawn(async move {
            work.await;
            tracing::debug!("{name} stopped");
        });
    }

    /// How many background tasks are running.
    pub fn running(&self) -> usize {
        self.tasks.len()
    }

    /// Stops every task and waits until each has finished its current step.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}

/// Checks every workspace now, then every [`crate::health::CHECK_INTERVAL`], until shut down.
/// A check in progress is never cut short: the token is looked at between rounds.
async fn health_loop(profile: Arc<Profile>, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(crate::health::CHECK_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if let Err(error) = crate::health::check_all(&profile).await {
            tracing::warn!("workspace health check: {error}");
        }
    }
}

/// Serves the ingest API on the configured port until shut down. A port that cannot be bound
/// (another program, or `switchboard serve`, has it) is recorded — Settings shows why — and
/// tried again every [`INGEST_RETRY`]; the rest of the background work goes on meanwhile.
async fn ingest_api(profile: Arc<Profile>, shutdown: CancellationToken) {
    loop {
        let bound = match crate::ingest_server::configured_port(&profile) {
            Ok(port) => crate::ingest_server::Server::bind(profile.clone(), port).await,
            Err(error) => Err(error),
        };
        match bound {
            Ok(server) => {
                profile.set_ingest_status(Ok(server.url()));
                server.run(shutdown).await;
                profile.set_ingest_status(Err("stopped".into()));
                return;
            }
            Err(error) => {
                tracing::warn!("the ingest API is not running: {error}");
                profile.set_ingest_status(Err(error.to_string()));
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(INGEST_RETRY) => {}
        }
    }
}

/// How long the console waits before trying the ingest API's port again.
pub const INGEST_RETRY: std::time::Duration = std::time::Duration::from_secs(30);
