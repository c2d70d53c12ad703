//! Where Slack tokens, client secrets and ingest tokens live: the OS keyring, and memory.
//! Never SQLite, logs or the web view (design.md invariant).
//!
//! [`SecretStore`] is the abstraction; [`KeyringStore`] keeps secrets in the platform's
//! credential store (the Secret Service on Linux), and [`MemoryStore`] keeps them in memory
//! (the demo, tests). Each keyring store is bound to a *profile* — an id stored in each data
//! directory's database — so a test's temporary directory and the real one never see each
//! other's secrets, and a moved data directory keeps its own. [`Secrets`] is how async code
//! calls a store: off the async threads.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use switchboard_slack::{ClientSecret, Token};

/// What a secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// A workspace's bot token (`xoxb-`).
    BotToken,
    /// A workspace's user token (`xoxp-`, possibly rotating).
    UserToken,
    /// The refresh token of a rotating user token.
    RefreshToken,
    /// The refresh token of a rotating bot token (an app with token rotation on).
    BotRefreshToken,
    /// The Slack app's client secret, when it has one.
    ClientSecret,
    /// The bearer token of the local ingest API.
    IngestToken,
    /// The Slack app's app-level token (`xapp-`, `connections:write`) for Socket Mode.
    AppToken,
    /// The signing secret of the decisions webhook.
    WebhookSecret,
}

impl SecretKind {
    fn as_str(self) -> &'static str {
        match self {
            SecretKind::BotToken => "bot-token",
            SecretKind::UserToken => "user-token",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::BotRefreshToken => "bot-refresh-token",
            SecretKind::ClientSecret => "client-secret",
            SecretKind::IngestToken => "ingest-token",
            SecretKind::AppToken => "app-token",
            SecretKind::WebhookSecret => "webhook-secret",
        }
    }
}

/// Which secret: its kind and what it belongs to (a team id, or `app` for app-wide ones).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    pub kind: SecretKind,
    pub owner: String,
}

impl SecretKey {
    pub fn workspace(kind: SecretKind, team_id: &str) -> SecretKey {
        SecretKey {
            kind,
            owner: team_id.to_owned(),
        }
    }

    pub fn app(kind: SecretKind) -> SecretKey {
        SecretKey {
            kind,
            owner: "app".to_owned(),
        }
    }

    /// The keyring account name, e.g. `bot-token:T0123`.
    fn account(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.owner)
    }
}

/// A secret read from a store; `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_token(self) -> Token {
        Token::new(self.0)
    }

    pub fn into_client_secret(self) -> ClientSecret {
        ClientSecret::new(self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Why a secret could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No keyring service is running or reachable (no Secret Service on the session bus).
    #[error(
        "the system keyring is not available ({0}); on Linux, start a Secret Service such as gnome-keyring and unlock it"
    )]
    Unavailable(String),
    /// The keyring is there but locked or refused access.
    #[error("the system keyring refused access ({0}); unlock it and try again")]
    Locked(String),
    /// Any other keyring failure.
    #[error("the system keyring failed: {0}")]
    Failed(String),
}

/// A place for secrets. Implementations are cheap to share across threads.
pub trait SecretStore: Send + Sync {
    /// Stores `secret` under `key`, replacing what was there.
    fn put(&self, key: &SecretKey, secret: &str) -> Result<(), SecretError>;
    /// The secret under `key`, `None` when there is none.
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, SecretError>;
    /// Removes the secret under `key`; removing a missing one is not an error.
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
}

/// The keyring profile of a data directory made before profiles had ids: a short, stable name
/// derived from its canonical path. New data directories get a random id instead
/// ([`new_profile_id`]); an old one keeps this as its id, so its secrets are still found.
pub fn profile_for(data_dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let canonical = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    // FNV-1a: stable across runs and Rust versions, unlike DefaultHasher's guarantee.
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for byte in bytes {
                self.0 ^= u64::from(*byte);
                self.0 = self.0.wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    canonical.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Secrets in the OS keyring, under the service `app.switchboard.console/<profile>`.
///
/// The connection to the Secret Service is made on first use and made again after a failure,
/// so a keyring that was missing or locked when Switchboard started works as soon as it is
/// there (*Try again* in the console) — the `keyring` crate's default store would remember
/// the first failure until the process ends.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
    #[cfg(target_os = "linux")]
    backend:
        std::sync::Arc<Mutex<Option<std::sync::Arc<zbus_secret_service_keyring_store::Store>>>>,
}

impl KeyringStore {
    /// A store for the profile `profile` (see [`crate::profile`]: an id kept in the database,
    /// so moving the data directory keeps its secrets).
    pub fn with_profile(profile: &str) -> KeyringStore {
        KeyringStore {
            service: format!("{}/{profile}", switchboard_store::APP_IDENTIFIER),
            #[cfg(target_os = "linux")]
            backend: Default::default(),
        }
    }

    #[cfg(target_os = "linux")]
    fn entry(&self, key: &SecretKey) -> Result<keyring_core::Entry, SecretError> {
        use keyring_core::api::CredentialStoreApi;
        let mut backend = self.backend.lock().unwrap_or_else(|p| p.into_inner());
        let store = match backend.as_ref() {
            Some(store) => store.clone(),
            None => {
                let store = zbus_secret_service_keyring_store::Store::new()
                    .map_err(|e| SecretError::Unavailable(e.to_string()))?;
                *backend = Some(store.clone());
                store
            }
        };
        store
            .build(&self.service, &key.account(), None)
            .map_err(|e| self.failed(e))
    }

    #[cfg(not(target_os = "linux"))]
    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &key.account()).map_err(|e| self.failed(e))
    }

    /// Classifies a failure; one that may come from a lost connection forgets it, so the next
    /// call connects again.
    fn failed(&self, error: KeyringError) -> SecretError {
        #[cfg(target_os = "linux")]
        if !matches!(error, KeyringError::NoEntry) {
            *self.backend.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        match error {
            KeyringError::NoStorageAccess(_) => SecretError::Locked(error.to_string()),
            KeyringError::PlatformFailure(_) | KeyringError::NoDefaultStore => {
                SecretError::Unavailable(error.to_string())
            }
            other => SecretError::Failed(other.to_string()),
        }
    }
}

#[cfg(target_os = "linux")]
type KeyringError = keyring_core::Error;
#[cfg(not(target_os = "linux"))]
type KeyringError = keyring::Error;

impl SecretStore for KeyringStore {
    fn put(&self, key: &SecretKey, secret: &str) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(secret)
            .map_err(|e| self.failed(e))
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(Secret(secret))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(error) => Err(self.failed(error)),
        }
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(error) => Err(self.failed(error)),
        }
    }
}

/// Asks `store` whether it can be used now (a read of a key nothing writes): `Ok` when it
/// answers, the reason otherwise. The console shows the reason with *Try again*.
pub fn probe(store: &dyn SecretStore) -> Result<(), SecretError> {
    store
        .get(&SecretKey {
            kind: SecretKind::IngestToken,
            owner: "probe".to_owned(),
        })
        .map(|_| ())
}

/// The secrets of a profile, for async code: each keyring call runs on the blocking pool, so a
/// keyring that shows an unlock prompt or a slow D-Bus never stalls the async workers.
#[derive(Clone)]
pub struct Secrets(std::sync::Arc<dyn SecretStore>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets")
    }
}

impl Secrets {
    pub fn new(store: std::sync::Arc<dyn SecretStore>) -> Secrets {
        Secrets(store)
    }

    /// Secrets held in memory only (the demo, tests).
    pub fn in_memory() -> Secrets {
        Secrets(std::sync::Arc::new(MemoryStore::default()))
    }

    /// The store itself, for synchronous callers (tests).
    pub fn store(&self) -> &dyn SecretStore {
        self.0.as_ref()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> Result<T, SecretError> + Send + 'static,
    ) -> Result<T, SecretError> {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .unwrap_or_else(|e| {
                Err(SecretError::Failed(format!(
                    "the keyring call panicked: {e}"
                )))
            })
    }

    pub async fn get(&self, key: SecretKey) -> Result<Option<Secret>, SecretError> {
        self.blocking(move |s| s.get(&key)).await
    }

    pub async fn put(&self, key: SecretKey, secret: String) -> Result<(), SecretError> {
        self.blocking(move |s| s.put(&key, &secret)).await
    }

    pub async fn delete(&self, key: SecretKey) -> Result<(), SecretError> {
        self.blocking(move |s| s.delete(&key)).await
    }

    /// The token under `kind` of workspace `team_id`.
    pub async fn token(
        &self,
        kind: SecretKind,
        team_id: &str,
    ) -> Result<Option<Token>, SecretError> {
        Ok(self
            .get(SecretKey::workspace(kind, team_id))
            .await?
            .map(Secret::into_token))
    }

    /// Whether the store answers now.
    pub async fn probe(&self) -> Result<(), SecretError> {
        self.blocking(|s| probe(s)).await
    }
}

/// A new random keyring profile id (16 hex digits).
pub fn new_profile_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS per process; two draws and the time make it unique.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// Secrets in memory only: the demo (it is a demo, and must work without an OS keyring) and
/// tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<SecretKey, String>>,
}

impl SecretStore for MemoryStore {
    fn put(&self, key: &SecretKey, secret: &str) -> Result<(), SecretError> {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), secret.to_owned());
        Ok(())
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, SecretError> {
        Ok(self
            .secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
            .map(Secret))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_store_round_trips_and_deletes() {
        let store = MemoryStore::default();
        let key = SecretKey::workspace(SecretKind::BotToken, "T1");
        assert!(store.get(&key).unwrap().is_none());
        store.put(&key, "xoxb-1").unwrap();
        store.put(&key, "xoxb-2").unwrap();
        assert_eq!(
            store.get(&key).unwrap().unwrap().expose(),
            "xoxb-2",
            "a put replaces"
        );
        assert!(
            store
                .get(&SecretKey::workspace(SecretKind::UserToken, "T1"))
                .unwrap()
                .is_none(),
            "kinds are apart"
        );
        store.delete(&key).unwrap();
        store.delete(&key).unwrap();
        assert!(store.get(&key).unwrap().is_none());
    }

    #[test]
    fn secrets_and_keys_never_print_the_secret() {
        let secret = Secret::new("xoxb-very-secret");
        assert!(!format!("{secret:?}").contains("very-secret"));
        assert_eq!(
            SecretKey::workspace(SecretKind::RefreshToken, "T9").account(),
            "refresh-token:T9"
        );
    }

    #[test]
    fn profiles_are_stable_and_differ_per_directory() {
        let a = profile_for(Path::new("/nonexistent/a"));
        assert_eq!(a, profile_for(Path::new("/nonexistent/a")), "stable");
        assert_ne!(a, profile_for(Path::new("/nonexistent/b")));
        assert_eq!(a.len(), 16);
    }
}
