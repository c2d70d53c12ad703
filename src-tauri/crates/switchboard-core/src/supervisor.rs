//! The owner of a profile's background work. A [`Supervisor`] starts every background task of
//! one profile — the health check loop (every workspace on start, then every
//! [`crate::health::CHECK_INTERVAL`]) and the delivery worker ([`crate::delivery::run`]) — each
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
