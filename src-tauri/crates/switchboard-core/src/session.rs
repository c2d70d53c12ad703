//! The console's session: which profile is active (the person's own, or the demo's), and the
//! [`Supervisor`] running its background work. Switching profiles stops the old profile's
//! background work (waiting for it), interrupts its user work (syncs, an OAuth flow), shuts a
//! demo profile down for good, and starts the new profile's background work. Quitting shuts
//! everything down in the same order.

use std::sync::{Arc, Mutex, RwLock};

use crate::events::EventSink;
use crate::profile::{Profile, lock};
use crate::supervisor::Supervisor;

/// The active profile and its background work.
pub struct Session {
    active: RwLock<Arc<Profile>>,
    /// The person's own profile while the demo is active.
    home: Mutex<Option<Arc<Profile>>>,
    background: tokio::sync::Mutex<Option<Supervisor>>,
    events: Arc<dyn EventSink>,
}

impl Session {
    /// A session on `home`; background work starts with [`Session::start_background`].
    pub fn new(home: Profile, events: Arc<dyn EventSink>) -> Session {
        Session {
            active: RwLock::new(Arc::new(home)),
            home: Mutex::new(None),
            background: tokio::sync::Mutex::new(None),
            events,
        }
    }

    /// The profile work happens on now.
    pub fn profile(&self) -> Arc<Profile> {
        self.active
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Where the active profile's events go (a new demo profile announces to the same place).
    pub fn events(&self) -> Arc<dyn EventSink> {
        self.events.clone()
    }

    /// The person's own profile, whether or not the demo is active.
    pub fn home(&self) -> Arc<Profile> {
        lock(&self.home).clone().unwrap_or_else(|| self.profile())
    }

    /// Starts the active profile's background work (once; again after a switch).
    pub async fn start_background(&self) {
        let mut background = self.background.lock().await;
        if background.is_none() {
            *background = Some(Supervisor::start_with_ingest(self.profile()));
        }
    }

    /// Whether background work is running, and how many tasks.
    pub async fn background_tasks(&self) -> usize {
        self.background
            .lock()
            .await
            .as_ref()
            .map_or(0, Supervisor::running)
    }

    async fn switch(&self, next: Arc<Profile>) {
        let mut background = self.background.lock().await;
        let was_running = match background.take() {
            Some(supervisor) => {
                supervisor.shutdown().await;
                true
            }
            None => false,
        };
        let previous = {
            let mut active = self.active.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *active, next.clone())
        };
        previous.interrupt();
        if previous.is_demo() {
            // A demo profile is not kept: its Slack and database go when it is left.
            previous.shutdown().await;
        }
        if was_running {
            *background = Some(Supervisor::start_with_ingest(next));
        }
    }

    /// Makes `demo` the active profile, keeping the person's own to return to.
    pub async fn enter_demo(&self, demo: Profile) {
        {
            let mut home = lock(&self.home);
            if home.is_none() {
                *home = Some(self.profile());
            }
        }
        self.switch(Arc::new(demo)).await;
    }

    /// Back to the person's own profile; `false` when the demo was not active.
    pub async fn leave_demo(&self) -> bool {
        let home = lock(&self.home).take();
        match home {
            Some(home) => {
                self.switch(home).await;
                true
            }
            None => false,
        }
    }

    /// Stops all background work and the active profile's work, waiting for each.
    pub async fn shutdown(&self) {
        if let Some(supervisor) = self.background.lock().await.take() {
            supervisor.shutdown().await;
        }
        self.profile().shutdown().await;
        let home = lock(&self.home).take();
        if let Some(home) = home {
            home.shutdown().await;
        }
    }
}
