//! What every command can reach: the core [`Session`] (the active profile — the person's own
//! data directory, or the demo — and the supervisor of its background work), and the web
//! view's event subscriptions. The composition root itself is core's
//! (`switchboard_core::profile`), built here from the command line as the CLI builds it.

use std::sync::{Arc, Mutex};

use switchboard_core::events::{Event, EventSink};
use switchboard_core::profile::{Profile, ProfileConfig};
use switchboard_core::session::Session;
use tauri::ipc::Channel;

use crate::cli::Cli;
use crate::dto::UiEvent;

/// The web view's open event channels; an event goes to each, a closed one is dropped.
#[derive(Default)]
pub struct UiEvents {
    channels: Mutex<Vec<Channel<UiEvent>>>,
}

impl UiEvents {
    pub fn subscribe(&self, channel: Channel<UiEvent>) {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(channel);
    }

    pub fn send(&self, event: UiEvent) {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|channel| channel.send(event.clone()).is_ok());
    }
}

impl EventSink for UiEvents {
    fn emit(&self, event: Event) {
        self.send(event.into());
    }
}

pub struct AppState {
    pub session: Session,
    pub events: Arc<UiEvents>,
}

impl AppState {
    /// The session of the data directory `cli` names, announcing changes to the web view.
    pub fn open(cli: &Cli) -> anyhow::Result<AppState> {
        let events = Arc::new(UiEvents::default());
        let mut config = ProfileConfig::new(cli.data_dir()?, cli.endpoints()?);
        config.events = events.clone();
        let session = Session::new(Profile::open(config), events.clone());
        Ok(AppState { session, events })
    }

    /// The profile commands work on now.
    pub fn profile(&self) -> Arc<Profile> {
        self.session.profile()
    }
}
