//! Where Slack tokens, client secrets and ingest tokens live: the OS keyring, and memory.
//! Never SQLite, logs or the web view (design.md invariant).
//!
//! [`SecretStore`] is the abstraction; [`KeyringStore`] keeps secrets in the platform's
//! credential store (the Secret Service on Linux, through the `keyring` crate), and
//! [`MemoryStore`] keeps them in memory for unit tests. Each store is bound to a *profile* —
//! one per data directory — so the demo database, a test's temporary one and the real one
//! never see each other's secrets.

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
    /// The Slack app's client secret, when it has one.
    ClientSecret,
    /// The bearer token of the local ingest API.
    IngestToken,
}

impl SecretKind {
    fn as_str(self) -> &'static str {
        match self {
            SecretKind::BotToken => "bot-token",
            SecretKind::UserToken => "user-token",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::ClientSecret => "client-secret",
            SecretKind::IngestToken => "ingest-token",
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

/// The profile of a data directory: a short, stable name derived from its canonical path.
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
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// A store for the data directory `data_dir`.
    pub fn for_data_dir(data_dir: &Path) -> KeyringStore {
        KeyringStore::with_profile(&profile_for(data_dir))
    }

    pub fn with_profile(profile: &str) -> KeyringStore {
        KeyringStore {
            service: format!("{}/{profile}", switchboard_store::APP_IDENTIFIER),
        }
    }

    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &key.account()).map_err(classify)
    }
}

fn classify(error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::NoDefaultStore | keyring::Error::NoStorageAccess(_)
            if keyring::Entry::store_status().is_err() =>
        {
            SecretError::Unavailable(error.to_string())
        }
        keyring::Error::NoStorageAccess(_) => SecretError::Locked(error.to_string()),
        other => SecretError::Failed(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, key: &SecretKey, secret: &str) -> Result<(), SecretError> {
        self.entry(key)?.set_password(secret).map_err(classify)
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(Secret(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(classify(error)),
        }
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }
}

/// Secrets in memory only, for tests.
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
