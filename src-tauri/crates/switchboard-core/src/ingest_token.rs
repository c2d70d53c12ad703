//! The ingest API's bearer token: 32 bytes of the operating system's randomness, kept only in
//! the keyring (design.md invariant: never SQLite, logs or the web view), shown to the owner
//! once, when it is made, and rotatable.
//!
//! The database keeps only *when* the current token was made (`ingest.token_created_at`). That
//! is what Settings and `switchboard ingest-token` show, and what a running ingest server
//! watches to notice a rotation made by another process (`switchboard ingest-token --rotate`
//! while `switchboard serve` runs), so the old token stops working within a second.
//!
//! Every change is audited as `ingest_token.created` or `ingest_token.rotated`; the audit entry
//! never holds the token.

use base64::Engine as _;
use serde::Serialize;
use switchboard_store::{audit, settings};

use crate::profile::Profile;
use crate::secrets::{Secret, SecretError, SecretKey, SecretKind};
use crate::{Error, Result};

/// Every ingest token starts with this, so a leaked one is recognisable (secret scanners,
/// a log someone pasted).
pub const PREFIX: &str = "sbi_";

/// The setting holding when the current token was made (Unix milliseconds).
pub const CREATED_AT_SETTING: &str = "ingest.token_created_at";

/// How many random bytes a token carries (43 characters of URL-safe base64).
const TOKEN_BYTES: usize = 32;

/// Whether a token exists and when it was made; never the token itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TokenStatus {
    pub exists: bool,
    /// Unix milliseconds; `None` when there is no token, or it was made by a build that did
    /// not record the time.
    pub created_at: Option<i64>,
}

impl TokenStatus {
    /// When the token was made, in UTC to the second (`2026-11-23T09:30:00Z`).
    pub fn created_at_rfc3339(&self) -> Option<String> {
        let at = self.created_at?;
        jiff::Timestamp::from_second(at.div_euclid(1000))
            .ok()
            .map(|t| t.to_string())
    }
}

fn key() -> SecretKey {
    SecretKey::app(SecretKind::IngestToken)
}

/// The current token, read from the keyring; `None` when there is none.
pub async fn current(profile: &Profile) -> Result<Option<Secret>> {
    Ok(profile.secrets().get(key()).await?)
}

/// When the current token was made, as recorded in the database.
pub fn created_at(profile: &Profile) -> Result<Option<i64>> {
    Ok(profile
        .db()?
        .read(|conn| settings::get::<i64>(conn, CREATED_AT_SETTING))?)
}

/// Whether a token exists and when it was made.
pub async fn status(profile: &Profile) -> Result<TokenStatus> {
    let exists = current(profile).await?.is_some();
    let created_at = if exists { created_at(profile)? } else { None };
    Ok(TokenStatus { exists, created_at })
}

/// Makes a new token in place of the current one, if any (which stops working), and returns
/// it, to be shown once. Audited as `ingest_token.created` the first time, then
/// `ingest_token.rotated`.
pub async fn rotate(profile: &Profile) -> Result<Secret> {
    let action = if current(profile).await?.is_some() {
        "ingest_token.rotated"
    } else {
        "ingest_token.created"
    };
    let token = generate()?;
    replace(profile, &token, action).await?;
    Ok(token)
}

/// Stores `token` in the keyring, then records when it was made and the audit entry.
///
/// The keyring comes first: a token recorded as made but missing from the keyring would be
/// worse than the opposite (a token without its time, which `status` shows as unknown). The
/// database is checked before, so an unavailable one changes nothing.
async fn replace(profile: &Profile, token: &Secret, action: &str) -> Result<()> {
    profile.db()?;
    profile
        .secrets()
        .put(key(), token.expose().to_owned())
        .await?;
    let now = switchboard_store::now_ms();
    let actor = profile.actor.clone();
    profile.db()?.write(|tx| {
        // Strictly later than the time it replaces, even within one millisecond: a running
        // server notices a rotation by this value changing.
        let before = settings::get::<i64>(tx, CREATED_AT_SETTING)?;
        let made_at = before.map_or(now, |before| now.max(before + 1));
        settings::set(tx, CREATED_AT_SETTING, &made_at, now)?;
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action,
                subject: "Ingest API token",
                old_value: None,
                new_value: None,
            },
        )?;
        Ok::<_, Error>(())
    })
}

/// A new token: [`PREFIX`] and 43 characters of URL-safe base64 of 32 bytes from the
/// operating system's random source.
pub fn generate() -> Result<Secret> {
    random_secret(PREFIX)
}

/// `prefix` and 43 characters of URL-safe base64 of 32 bytes from the operating system's
/// random source (never a seeded, predictable generator: it is a secret). The ingest token and
/// the decisions webhook's signing secret are made so.
pub fn random_secret(prefix: &str) -> Result<Secret> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| {
        SecretError::Failed(format!(
            "the operating system's random source failed ({e}), so no secret could be made"
        ))
    })?;
    Ok(Secret::new(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )))
}

/// Whether `given` is `expected`, looking at every byte whatever the first difference, so the
/// time taken does not tell a caller how much of a guess was right. The length is not secret
/// (every token has the same). An empty `expected` matches nothing.
pub fn matches(expected: &str, given: &str) -> bool {
    let (expected, given) = (expected.as_bytes(), given.as_bytes());
    !expected.is_empty()
        && expected.len() == given.len()
        && expected
            .iter()
            .zip(given)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Endpoints, ProfileConfig, SecretsIn};

    fn profile() -> (tempfile::TempDir, Profile) {
        let dir = tempfile::tempdir().unwrap();
        let profile = Profile::open(ProfileConfig {
            secrets: SecretsIn::Memory,
            actor: "ada".to_owned(),
            ..ProfileConfig::new(dir.path().to_path_buf(), Endpoints::slack())
        });
        (dir, profile)
    }

    #[test]
    fn tokens_are_prefixed_url_safe_and_never_repeat() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        for token in [&a, &b] {
            let body = token
                .expose()
                .strip_prefix(PREFIX)
                .expect("starts with sbi_");
            assert_eq!(
                body.len(),
                43,
                "32 bytes are 43 characters of unpadded base64"
            );
            assert!(
                body.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "URL-safe, so it needs no quoting in a header or a shell: {body}"
            );
        }
        assert_ne!(a, b, "each token is fresh randomness");
    }

    #[test]
    fn matching_needs_every_byte_and_never_matches_an_empty_token() {
        assert!(matches("sbi_abc", "sbi_abc"));
        assert!(!matches("sbi_abc", "sbi_abd"), "the last byte counts");
        assert!(!matches("sbi_abc", "sbi_ab"), "a prefix is not the token");
        assert!(!matches("sbi_abc", ""), "no token is not the token");
        assert!(
            !matches("", ""),
            "an empty expected token must not open the API"
        );
    }

    #[tokio::test]
    async fn a_token_is_made_once_and_rotating_replaces_it_with_an_audit_entry_but_no_secret() {
        let (_dir, profile) = profile();
        assert_eq!(
            status(&profile).await.unwrap(),
            TokenStatus {
                exists: false,
                created_at: None
            }
        );

        let first = rotate(&profile).await.unwrap();
        let made = status(&profile).await.unwrap();
        assert!(made.exists && made.created_at.is_some(), "{made:?}");
        assert!(made.created_at_rfc3339().unwrap().ends_with('Z'));

        let second = rotate(&profile).await.unwrap();
        assert_ne!(first, second, "rotating makes a new token");
        assert_eq!(
            current(&profile).await.unwrap().as_ref(),
            Some(&second),
            "the keyring holds the new one; the old one is gone"
        );

        let entries = profile
            .db()
            .unwrap()
            .read(|conn| audit::recent(conn, 10))
            .unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["ingest_token.rotated", "ingest_token.created"],
            "both changes are audited, newest first"
        );
        assert!(entries.iter().all(|e| e.actor == "ada"));
        for entry in &entries {
            let text = format!("{entry:?}");
            for token in [&first, &second] {
                assert!(
                    !text.contains(token.expose().strip_prefix(PREFIX).unwrap()),
                    "the audit log never holds a token: {text}"
                );
            }
        }
    }
}
