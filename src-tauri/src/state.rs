//! What every command can reach. The console works on one *profile* at a time: the person's
//! own data directory, or the demo (its own database and keyring profile, talking to the
//! in-process Slack emulator). Commands take the active profile with [`AppState::profile`]; the
//! store sits behind a mutex inside it (SQLite calls are short, one connection keeps writes
//! ordered). A database that cannot be opened does not stop the window from opening: the UI
//! shows `open_error` and what to do about it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

use switchboard_core::secrets::{KeyringStore, SecretStore};
use switchboard_slack::SlackClient;
use switchboard_store::Store;
use tokio_util::sync::CancellationToken;

use crate::cli::Cli;
use crate::error::{CommandError, ErrorCode};

/// The in-process Slack emulator behind the demo profile.
pub struct DemoSlack {
    pub emulator: slack_emulator::Emulator,
}

/// One data directory with everything that belongs to it.
pub struct Profile {
    store: Option<Mutex<Store>>,
    pub data_dir: PathBuf,
    pub database_path: PathBuf,
    pub open_error: Option<String>,
    pub secrets: Arc<dyn SecretStore>,
    /// Built on first use: setting up TLS takes 50–100 ms, which the window need not wait for.
    slack: OnceLock<SlackClient>,
    pub slack_api_base: String,
    pub oauth_base: url::Url,
    /// `Some` for the demo profile.
    pub demo: Option<DemoSlack>,
    /// The channel picker's index per team id, built on first search, dropped after a sync.
    pub channel_indexes: Mutex<HashMap<String, Arc<switchboard_core::directory::ChannelIndex>>>,
    /// Workspace icons as `data:` URLs (or `None`: not loadable), by icon URL.
    pub icons: Mutex<HashMap<String, Option<String>>>,
}

impl Profile {
    /// Opens the profile of `data_dir` talking to Slack at `api_base` / `oauth_base`.
    pub fn open(
        data_dir: PathBuf,
        api_base: &str,
        oauth_base: url::Url,
        demo: Option<DemoSlack>,
    ) -> Result<Profile, CommandError> {
        let database_path = data_dir.join(switchboard_store::DB_FILE_NAME);
        let (store, open_error) = match Store::open(&data_dir) {
            Ok(store) => (Some(Mutex::new(store)), None),
            Err(error) => (None, Some(error.to_string())),
        };
        // Checked now, so a bad base URL is reported at start, not at the first Slack call.
        switchboard_slack::ClientConfig::with_base_url(api_base)
            .map_err(|e| CommandError::new(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(Profile {
            secrets: Arc::new(KeyringStore::for_data_dir(&data_dir)),
            store,
            data_dir,
            database_path,
            open_error,
            slack: OnceLock::new(),
            slack_api_base: api_base.to_owned(),
            oauth_base,
            demo,
            channel_indexes: Mutex::new(HashMap::new()),
            icons: Mutex::new(HashMap::new()),
        })
    }

    /// The Slack client of this profile.
    pub fn slack(&self) -> Result<&SlackClient, CommandError> {
        if let Some(client) = self.slack.get() {
            return Ok(client);
        }
        let config = switchboard_slack::ClientConfig::with_base_url(&self.slack_api_base)
            .map_err(|e| CommandError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let client = SlackClient::new(config)
            .map_err(|e| CommandError::new(ErrorCode::Slack, e.to_string()))?;
        Ok(self.slack.get_or_init(|| client))
    }

    /// The store, or the reason it is unavailable as an error the UI can show.
    pub fn store(&self) -> Result<MutexGuard<'_, Store>, CommandError> {
        Ok(self
            .store_mutex()?
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// The mutex itself, for work that takes and releases the lock around Slack calls.
    pub fn store_mutex(&self) -> Result<&Mutex<Store>, CommandError> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back),
        // so a poisoned lock is safe to take over.
        self.store.as_ref().ok_or_else(|| CommandError {
            code: ErrorCode::StorageUnavailable,
            message: self
                .open_error
                .clone()
                .unwrap_or_else(|| "the database is not open".to_owned()),
        })
    }

    /// The picker's index of `team_id`, built from the cache when missing.
    pub fn channel_index(
        &self,
        team_id: &str,
    ) -> Result<Arc<switchboard_core::directory::ChannelIndex>, CommandError> {
        let mut indexes = self
            .channel_indexes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(index) = indexes.get(team_id) {
            return Ok(index.clone());
        }
        let index = Arc::new(switchboard_core::directory::ChannelIndex::load(
            self.store()?.conn(),
            team_id,
        )?);
        indexes.insert(team_id.to_owned(), index.clone());
        Ok(index)
    }

    /// Forgets the picker's index of `team_id` (its cache changed).
    pub fn forget_channel_index(&self, team_id: &str) {
        self.channel_indexes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(team_id);
    }

    pub fn is_demo(&self) -> bool {
        self.demo.is_some()
    }
}

pub struct AppState {
    active: RwLock<Arc<Profile>>,
    /// The person's own profile, kept while the demo is active.
    home: Mutex<Option<Arc<Profile>>>,
    /// Who the audit log names for changes made in this window: the OS account running it.
    pub actor: String,
    /// Running directory syncs, by team id, so they can be cancelled.
    pub syncs: Mutex<HashMap<String, CancellationToken>>,
    /// The OAuth flow waiting for its redirect, so it can be cancelled.
    pub oauth: Mutex<Option<CancellationToken>>,
}

impl AppState {
    pub fn open(data_dir: PathBuf, cli: &Cli) -> AppState {
        let profile = Profile::open(
            data_dir.clone(),
            cli.slack_api_base.as_str(),
            cli.slack_oauth_base.clone(),
            None,
        )
        .unwrap_or_else(|error| {
            // Only a malformed base URL fails here, and clap already validated it.
            panic!("opening the profile: {error}")
        });
        AppState {
            active: RwLock::new(Arc::new(profile)),
            home: Mutex::new(None),
            actor: local_user(),
            syncs: Mutex::new(HashMap::new()),
            oauth: Mutex::new(None),
        }
    }

    /// The profile commands work on now.
    pub fn profile(&self) -> Arc<Profile> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Switches to `demo`, keeping the person's own profile to return to.
    pub fn enter_demo(&self, demo: Profile) {
        let mut active = self
            .active
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut home = self.home.lock().unwrap_or_else(|p| p.into_inner());
        if home.is_none() {
            *home = Some(active.clone());
        }
        *active = Arc::new(demo);
    }

    /// Back to the person's own profile; the demo's emulator stops when its last user lets go.
    pub fn leave_demo(&self) {
        let mut home = self.home.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(profile) = home.take() {
            *self
                .active
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = profile;
        }
    }

    /// The person's own profile, whether or not the demo is active.
    pub fn home_data_dir(&self) -> PathBuf {
        let home = self.home.lock().unwrap_or_else(|p| p.into_inner());
        home.as_ref()
            .map_or_else(|| self.profile().data_dir.clone(), |p| p.data_dir.clone())
    }
}

/// The OS account name, as the audit log's actor; a desktop console has no other login.
pub(crate) fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "local user".to_owned())
}
