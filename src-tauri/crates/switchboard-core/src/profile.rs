//! The composition root: a [`Profile`] is one data directory with everything that works on it —
//! the database ([`Db`]), the secrets (OS keyring or memory), the Slack client and the Slack
//! endpoints, the caches the console keeps, and the lifetime of its work (a shutdown token and
//! a task tracker the [`crate::supervisor`] waits on). The console, the CLI, the ingest server
//! and tests all build it with [`Profile::open`], so every front door works on the same thing.
//!
//! The keyring profile is an id stored in the database, not the directory's path, so a data
//! directory that is moved keeps its secrets.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use switchboard_slack::SlackClient;
use switchboard_store::Db;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::error::TokenRole;
use crate::events::{Event, EventSink, NoEvents};
use crate::secrets::{KeyringStore, Secrets};
use crate::{Error, Result};

/// Where Slack is: its Web API and its OAuth pages (Slack itself, or an emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub api_base: url::Url,
    pub oauth_base: url::Url,
}

impl Endpoints {
    /// Slack itself.
    pub fn slack() -> Endpoints {
        Endpoints::new("https://slack.com/api/", "https://slack.com/").expect("valid URLs")
    }

    /// Endpoints from two base URLs; each must be an absolute http(s) URL.
    pub fn new(api_base: &str, oauth_base: &str) -> Result<Endpoints> {
        let parse = |field: &'static str, value: &str| {
            let mut url = url::Url::parse(value).map_err(|e| {
                Error::invalid(
                    field,
                    format!("{value:?} is not a URL ({e}); give one like https://slack.com/api/"),
                )
            })?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Error::invalid(
                    field,
                    format!("{value:?} must start with http:// or https://"),
                ));
            }
            if url.query().is_some() || url.fragment().is_some() {
                return Err(Error::invalid(
                    field,
                    format!("{value:?} must not carry a query or fragment"),
                ));
            }
            if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            Ok(url)
        };
        Ok(Endpoints {
            api_base: parse("slack_api_base", api_base)?,
            oauth_base: parse("slack_oauth_base", oauth_base)?,
        })
    }
}

/// Where a profile keeps its secrets.
#[derive(Clone)]
pub enum SecretsIn {
    /// The OS keyring, under the profile id stored in the database.
    Keyring,
    /// Memory only: the demo (it must work without any OS keyring) and tests.
    Memory,
    /// A store the caller made (tests: a keyring that fails).
    Store(Arc<dyn crate::secrets::SecretStore>),
}

/// How to open a profile.
pub struct ProfileConfig {
    pub data_dir: PathBuf,
    pub endpoints: Endpoints,
    pub secrets: SecretsIn,
    /// Who the audit log names for changes made through this profile.
    pub actor: String,
    /// Where changes are announced (the console's window; nothing for the CLI).
    pub events: Arc<dyn EventSink>,
    /// The in-process Slack emulator behind a demo profile.
    pub demo: Option<slack_emulator::Emulator>,
    /// Pace calls below Slack's limits (off only against an emulator without limits).
    pub slack_pacing: bool,
    /// How long one call to Slack may take before it counts as timed out.
    pub slack_timeout: std::time::Duration,
}

impl ProfileConfig {
    /// A profile of `data_dir` talking to `endpoints`, secrets in the OS keyring, changes made
    /// by the OS account running this process, no events.
    pub fn new(data_dir: PathBuf, endpoints: Endpoints) -> ProfileConfig {
        ProfileConfig {
            data_dir,
            endpoints,
            secrets: SecretsIn::Keyring,
            actor: local_user(),
            events: Arc::new(NoEvents),
            demo: None,
            slack_pacing: true,
            slack_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// The lock one refresh of a workspace token holds while others wait.
pub(crate) type RefreshFlight = Arc<tokio::sync::Mutex<()>>;

/// The setting that holds the keyring profile id.
const KEYRING_PROFILE_KEY: &str = "secrets.keyring_profile";

/// One data directory with everything that works on it.
pub struct Profile {
    pub data_dir: PathBuf,
    pub database_path: PathBuf,
    db: std::result::Result<Arc<Db>, String>,
    secrets: Secrets,
    /// The keyring profile id (`None` with secrets in memory).
    pub keyring_profile: Option<String>,
    /// Built on first use: setting up TLS takes 50–100 ms, which a window need not wait for.
    slack: OnceLock<SlackClient>,
    pub endpoints: Endpoints,
    pub actor: String,
    events: Arc<dyn EventSink>,
    demo: Option<slack_emulator::Emulator>,
    slack_pacing: bool,
    slack_timeout: std::time::Duration,
    /// Cancelled when the profile shuts down; long work stops at its next step.
    pub(crate) lifetime: CancellationToken,
    /// Every task working on this profile, so shutting down can wait for them.
    pub(crate) tasks: TaskTracker,
    /// The channel picker's index per team id, built on first search, dropped after a sync.
    pub(crate) channel_indexes: Mutex<HashMap<String, Arc<crate::directory::ChannelIndex>>>,
    /// The time zone messages to each workspace are rendered in (most of its people's), by team
    /// id, with when it was read: counting a large directory's zones for every event received
    /// one at a time would cost more than the event. Dropped after a sync; read again after
    /// [`TIME_ZONE_TTL`].
    pub(crate) time_zones: Mutex<HashMap<String, (String, std::time::Instant)>>,
    /// Workspace icons as `data:` URLs (or `None`: not loadable), by icon URL.
    pub(crate) icons: Mutex<HashMap<String, Option<String>>>,
    /// One refresh at a time per workspace token, across every caller in this process.
    pub(crate) refreshes: Mutex<HashMap<(String, TokenRole), RefreshFlight>>,
    /// Running directory syncs, by team id, so they can be cancelled.
    pub(crate) syncs: Mutex<HashMap<String, CancellationToken>>,
    /// The OAuth flow waiting for its redirect, so it can be cancelled.
    pub(crate) oauth: Mutex<Option<CancellationToken>>,
    /// A loopback listener bound before the flow starts (the demo binds port 0 and keeps it,
    /// so no other program can take the port between choosing and using it).
    pub(crate) reserved_callback: Mutex<Option<crate::oauth::Callback>>,
    /// Wakes the delivery worker when something was queued or released.
    pub(crate) delivery_wake: Arc<tokio::sync::Notify>,
    /// Whether Slack can reach Switchboard over Socket Mode now, in this process.
    socket_status: Mutex<crate::socket_mode::SocketStatus>,
    /// Wakes the Socket Mode task when the app-level token changed.
    pub(crate) socket_wake: Arc<tokio::sync::Notify>,
    /// Wakes the inbound worker when an envelope was kept.
    pub(crate) inbound_wake: Arc<tokio::sync::Notify>,
    /// The ingest API this process serves: its URL, or why it is not running.
    ingest_status: Mutex<Option<std::result::Result<String, String>>>,
    /// Added to the wall clock where time decides what happens (working hours): tests move it
    /// forward instead of waiting.
    clock_offset_ms: std::sync::atomic::AtomicI64,
    /// The automatic-link plans under review in the console, by team id.
    pub(crate) link_plans: Mutex<HashMap<String, crate::linking::Plan>>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("data_dir", &self.data_dir)
            .field("demo", &self.demo.is_some())
            .finish_non_exhaustive()
    }
}

/// How long a workspace's time zone is used before it is counted again.
pub(crate) const TIME_ZONE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every mutex here guards a cache or a handle; a panic cannot leave one half-changed.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Profile {
    /// Opens the profile of `config.data_dir`. A database that cannot be opened does not fail
    /// this: the profile remembers why, every operation that needs the database says so, and
    /// the console still opens its window to explain.
    pub fn open(config: ProfileConfig) -> Profile {
        let database_path = config.data_dir.join(switchboard_store::DB_FILE_NAME);
        let db = Db::open(&config.data_dir)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        let (secrets, keyring_profile) = match config.secrets {
            SecretsIn::Memory => (Secrets::in_memory(), None),
            SecretsIn::Store(store) => (Secrets::new(store), None),
            SecretsIn::Keyring => {
                let id = match &db {
                    Ok(db) => keyring_profile_id(db, &config.data_dir),
                    // Without a database nothing is connected; the old path-derived id at least
                    // finds the secrets once the database is fixed.
                    Err(_) => crate::secrets::profile_for(&config.data_dir),
                };
                (
                    Secrets::new(Arc::new(KeyringStore::with_profile(&id))),
                    Some(id),
                )
            }
        };
        Profile {
            data_dir: config.data_dir,
            database_path,
            db,
            secrets,
            keyring_profile,
            slack: OnceLock::new(),
            endpoints: config.endpoints,
            actor: config.actor,
            events: config.events,
            demo: config.demo,
            slack_pacing: config.slack_pacing,
            slack_timeout: config.slack_timeout,
            lifetime: CancellationToken::new(),
            tasks: TaskTracker::new(),
            channel_indexes: Mutex::new(HashMap::new()),
            time_zones: Mutex::new(HashMap::new()),
            icons: Mutex::new(HashMap::new()),
            refreshes: Mutex::new(HashMap::new()),
            syncs: Mutex::new(HashMap::new()),
            oauth: Mutex::new(None),
            reserved_callback: Mutex::new(None),
            delivery_wake: Arc::new(tokio::sync::Notify::new()),
            socket_status: Mutex::new(crate::socket_mode::SocketStatus::default()),
            socket_wake: Arc::new(tokio::sync::Notify::new()),
            inbound_wake: Arc::new(tokio::sync::Notify::new()),
            ingest_status: Mutex::new(None),
            clock_offset_ms: std::sync::atomic::AtomicI64::new(0),
            link_plans: Mutex::new(HashMap::new()),
        }
    }

    /// The database, or why it is unavailable.
    pub fn db(&self) -> Result<&Db> {
        self.db
            .as_deref()
            .map_err(|message| Error::StorageUnavailable(message.clone()))
    }

    /// The database, shared with work on the blocking pool.
    pub fn shared_db(&self) -> Result<Arc<Db>> {
        self.db.clone().map_err(Error::StorageUnavailable)
    }

    /// Why the database could not be opened, if it could not.
    pub fn open_error(&self) -> Option<&str> {
        self.db.as_ref().err().map(String::as_str)
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// The Slack client of this profile.
    pub fn slack(&self) -> Result<&SlackClient> {
        if let Some(client) = self.slack.get() {
            return Ok(client);
        }
        let mut config =
            switchboard_slack::ClientConfig::with_base_url(self.endpoints.api_base.as_str())
                .map_err(|e| Error::invalid("slack_api_base", e.to_string()))?;
        config.pacing = self.slack_pacing;
        config.timeout = self.slack_timeout;
        let client = SlackClient::new(config).map_err(Error::from)?;
        Ok(self.slack.get_or_init(|| client))
    }

    /// The demo's Slack emulator, `None` for a person's own profile.
    pub fn demo(&self) -> Option<&slack_emulator::Emulator> {
        self.demo.as_ref()
    }

    pub fn is_demo(&self) -> bool {
        self.demo.is_some()
    }

    /// Whether this process serves the ingest API: its URL, why not, or `None` (not started).
    pub fn ingest_status(&self) -> Option<std::result::Result<String, String>> {
        lock(&self.ingest_status).clone()
    }

    pub(crate) fn set_ingest_status(&self, status: std::result::Result<String, String>) {
        *lock(&self.ingest_status) = Some(status);
    }

    /// Whether Slack can reach Switchboard over Socket Mode now (from this process).
    pub fn socket_status(&self) -> crate::socket_mode::SocketStatus {
        lock(&self.socket_status).clone()
    }

    /// Records the Socket Mode state and announces a change.
    pub(crate) fn set_socket_status(&self, status: crate::socket_mode::SocketStatus) {
        let changed = {
            let mut current = lock(&self.socket_status);
            let changed = current.state != status.state
                || current.connections != status.connections
                || current.detail != status.detail;
            *current = status;
            changed
        };
        if changed {
            self.emit(Event::SocketChanged);
        }
    }

    /// Tells the Socket Mode task the app-level token changed.
    pub fn wake_socket(&self) {
        self.socket_wake.notify_one();
    }

    /// Tells the inbound worker an envelope is waiting.
    pub fn wake_inbound(&self) {
        self.inbound_wake.notify_one();
    }

    /// Tells the delivery worker there may be something to send now.
    /// Now (Unix ms) as this profile sees it: the wall clock, plus what tests moved it forward.
    pub fn now_ms(&self) -> i64 {
        switchboard_store::now_ms()
            + self
                .clock_offset_ms
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this profile's clock forward by `ms` (tests of working hours) and wakes delivery.
    pub fn advance_clock(&self, ms: i64) {
        self.clock_offset_ms
            .fetch_add(ms.max(0), std::sync::atomic::Ordering::Relaxed);
        self.wake_delivery();
    }

    pub fn wake_delivery(&self) {
        self.delivery_wake.notify_one();
    }

    /// Announces a change to whoever listens (the console's window).
    pub fn emit(&self, event: Event) {
        self.events.emit(event);
    }

    /// Hands the OAuth flow a listener bound in advance (see `reserved_callback`).
    pub fn reserve_callback(&self, callback: crate::oauth::Callback) {
        *lock(&self.reserved_callback) = Some(callback);
    }

    /// Interrupts the person's work on this profile (running syncs, an OAuth flow waiting for
    /// its redirect); what was written stays, and a sync resumes next time.
    pub fn interrupt(&self) {
        if let Some(flow) = lock(&self.oauth).take() {
            flow.cancel();
        }
        for (_, sync) in lock(&self.syncs).drain() {
            sync.cancel();
        }
    }

    /// Takes back the listener given to [`Profile::reserve_callback`], if no flow used it.
    pub fn take_reserved_callback(&self) -> Option<crate::oauth::Callback> {
        lock(&self.reserved_callback).take()
    }

    /// Stops this profile's work for good: interrupts it, and waits until every tracked task
    /// has finished its current step.
    pub async fn shutdown(&self) {
        self.lifetime.cancel();
        self.interrupt();
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// Whether [`Profile::shutdown`] has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.lifetime.is_cancelled()
    }

    /// Runs `work` as a task of this profile: shutting down waits for it.
    pub async fn track<F: Future>(&self, work: F) -> F::Output {
        self.tasks.track_future(work).await
    }

    /// The path of a per-profile lock file (cross-process coordination, e.g. token refresh).
    pub(crate) fn lock_path(&self, name: &str) -> PathBuf {
        self.data_dir.join(format!(".{name}.lock"))
    }
}

/// The keyring profile id of the database in `db`: read, or created on first open. A data
/// directory from before ids existed gets the id its secrets were stored under (derived from
/// its path), so nothing is orphaned.
fn keyring_profile_id(db: &Db, data_dir: &Path) -> String {
    let stored =
        db.read(|conn| switchboard_store::settings::get::<String>(conn, KEYRING_PROFILE_KEY));
    if let Ok(Some(id)) = stored {
        return id;
    }
    let id = if db
        .read(switchboard_store::workspaces::list)
        .is_ok_and(|list| !list.is_empty())
    {
        crate::secrets::profile_for(data_dir)
    } else {
        crate::secrets::new_profile_id()
    };
    let _ = db.write(|tx| {
        switchboard_store::settings::set(tx, KEYRING_PROFILE_KEY, &id, switchboard_store::now_ms())
    });
    id
}

/// The platform's app-data directory for Switchboard (`~/.local/share/app.switchboard.console`
/// on Linux), the one Tauri's path resolver returns.
pub fn default_data_dir() -> Result<PathBuf> {
    Ok(switchboard_store::default_data_dir()?)
}

/// The OS account name, as the audit log's actor; a desktop console has no other login.
pub fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "local user".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_normalised_or_refused_naming_the_field() {
        let ok = Endpoints::new("https://slack.com/api", "http://127.0.0.1:4000").unwrap();
        assert_eq!(ok.api_base.as_str(), "https://slack.com/api/");
        assert_eq!(ok.oauth_base.as_str(), "http://127.0.0.1:4000/");
        for (api, oauth, field) in [
            ("slack.com/api", "https://slack.com/", "slack_api_base"),
            (
                "https://slack.com/api/",
                "ftp://slack.com/",
                "slack_oauth_base",
            ),
            (
                "https://slack.com/api?x=1",
                "https://slack.com/",
                "slack_api_base",
            ),
        ] {
            let error = Endpoints::new(api, oauth).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidInput { field: f, .. } if *f == field),
                "{api} {oauth}: {error:?}"
            );
        }
    }

    #[test]
    fn the_keyring_profile_id_lives_in_the_database_and_survives_a_move() {
        let root = tempfile::tempdir().unwrap();
        let first = root.path().join("a");
        let profile = Profile::open(ProfileConfig::new(first.clone(), Endpoints::slack()));
        let id = profile.keyring_profile.clone().unwrap();
        drop(profile);
        let moved = root.path().join("b");
        std::fs::rename(&first, &moved).unwrap();
        let again = Profile::open(ProfileConfig::new(moved, Endpoints::slack()));
        assert_eq!(
            again.keyring_profile.as_deref(),
            Some(id.as_str()),
            "a moved data directory keeps its keyring profile"
        );
        let other = Profile::open(ProfileConfig::new(
            root.path().join("c"),
            Endpoints::slack(),
        ));
        assert_ne!(
            other.keyring_profile, again.keyring_profile,
            "ids differ per directory"
        );
    }
}
