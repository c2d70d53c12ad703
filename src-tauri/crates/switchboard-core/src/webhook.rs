//! The decisions webhook: how the business application learns what an approver decided in
//! Slack.
//!
//! The owner sets a URL (Settings → Decisions webhook, or `switchboard decisions webhook
//! --url`); Switchboard makes a signing secret, keeps it in the keyring and shows it once. Each
//! decision queues one call in the outbox in the same transaction as the decision
//! ([`queue_decision`]), so the delivery worker retries it with backoff until the receiver
//! accepts it (any 2xx), and Activity shows it under the request. A call carries:
//!
//! - `X-Switchboard-Delivery`: the call's id, the same on every retry (a receiver that saw it
//!   already answers 2xx and ignores it);
//! - `X-Switchboard-Timestamp`: Unix seconds when this attempt was signed;
//! - `X-Switchboard-Signature`: `v1=` and the hex HMAC-SHA256, keyed with the secret, of
//!   `v1:{timestamp}:{body}` (Slack's own scheme, with our names).

use std::sync::OnceLock;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_store::outbox::{self, Attempted, Claimed};
use switchboard_store::rusqlite::Connection;
use switchboard_store::{audit, decisions, settings, staff as stored_staff};

use crate::profile::Profile;
use crate::secrets::{Secret, SecretKey, SecretKind};
use crate::{Error, Result};

/// The setting holding the URL.
pub const URL_SETTING: &str = "decisions.webhook_url";
/// The lane of webhook calls in the outbox (`target_id`).
pub const LANE: &str = "decisions";
const TIMEOUT: Duration = Duration::from_secs(10);

/// What Settings shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookSettings {
    pub url: Option<String>,
    /// Whether a signing secret is kept (`false` too when the keyring cannot be asked).
    pub has_secret: bool,
}

/// After a change: the settings, and the new signing secret when one was made (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookChange {
    pub settings: WebhookSettings,
    pub new_secret: Option<String>,
}

/// The URL and whether a secret is kept.
pub async fn settings(profile: &Profile) -> Result<WebhookSettings> {
    let url = profile
        .db()?
        .read(|conn| settings::get::<String>(conn, URL_SETTING).map_err(Error::from))?;
    let has_secret = matches!(
        profile
            .secrets()
            .get(SecretKey::app(SecretKind::WebhookSecret))
            .await,
        Ok(Some(_))
    );
    Ok(WebhookSettings { url, has_secret })
}

/// Checks a webhook URL: http or https with a host; plain http only to this computer.
pub fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::invalid(
            "url",
            format!("This is not a URL ({e}): give the full address, e.g. https://app.example.com/hooks/switchboard."),
        )
    })?;
    let local = matches!(
        parsed.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
    );
    match parsed.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return Err(Error::invalid(
                "url",
                "Decisions leave this computer only over https: use an https:// address (plain http is allowed for localhost).",
            ));
        }
        other => {
            return Err(Error::invalid(
                "url",
                format!("A webhook is called over https, not {other}: use an https:// address."),
            ));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid("url", "The URL has no host name."));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid(
            "url",
            "Put no user name or password in the URL: the receiver checks the signature instead.",
        ));
    }
    Ok(parsed.to_string())
}

/// Sets the URL (`None` removes it), making a signing secret when none is kept or when
/// `rotate_secret`; audited. Calls already queued go to the URL set when they are sent, and
/// decisions made while no URL was set are queued now, oldest first.
pub async fn set(
    profile: &Profile,
    url: Option<&str>,
    rotate_secret: bool,
) -> Result<WebhookChange> {
    let url = url
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(check_url)
        .transpose()?;
    let key = SecretKey::app(SecretKind::WebhookSecret);
    let kept = profile.secrets().get(key.clone()).await?;
    let new_secret = if rotate_secret || (url.is_some() && kept.is_none()) {
        let secret = crate::ingest_token::random_secret("whsec_")?
            .expose()
            .to_owned();
        profile.secrets().put(key.clone(), secret.clone()).await?;
        Some(secret)
    } else {
        None
    };
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let saved = profile.db().and_then(|db| {
        db.write(|tx| {
            let before = settings::get::<String>(tx, URL_SETTING)?;
            if before != url {
                match &url {
                    Some(url) => settings::set(tx, URL_SETTING, url, now)?,
                    None => {
                        tx.execute("DELETE FROM app_setting WHERE key = ?1", [URL_SETTING])?;
                    }
                }
                audit::record(
                    tx,
                    audit::NewAuditEntry {
                        at: now,
                        actor: &actor,
                        action: "setting.changed",
                        subject: "Decisions webhook URL",
                        old_value: before.as_deref(),
                        new_value: url.as_deref(),
                    },
                )?;
            }
            if url.is_some() {
                for decision in decisions::unsent(tx)? {
                    queue_decision(tx, &decision, now)?;
                }
            }
            if new_secret.is_some() {
                audit::record(
                    tx,
                    audit::NewAuditEntry {
                        at: now,
                        actor: &actor,
                        action: "setting.changed",
                        subject: "Decisions webhook signing secret",
                        old_value: None,
                        new_value: Some("new secret (kept in the system keyring)"),
                    },
                )?;
            }
            Ok::<_, Error>(())
        })
    });
    if let Err(error) = saved {
        // Nothing was saved: the secret the receiver knows stays the one in the keyring.
        if new_secret.is_some() {
            let restored = match &kept {
                Some(old) => profile.secrets().put(key, old.expose().to_owned()).await,
                None => profile.secrets().delete(key).await,
            };
            if let Err(keyring) = restored {
                tracing::warn!("the earlier webhook secret could not be put back: {keyring}");
            }
        }
        return Err(error);
    }
    profile.wake_delivery();
    Ok(WebhookChange {
        settings: settings(profile).await?,
        new_secret,
    })
}

/// The signature of `body` at `timestamp` (Unix seconds) with `secret`: `v1=` and hex.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("v1:{timestamp}:{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(3 + digest.len() * 2);
    hex.push_str("v1=");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Queues the call about `decision` when a URL is set; returns its outbox id.
pub fn queue_decision(
    tx: &Connection,
    decision: &decisions::Decision,
    now: i64,
) -> Result<Option<i64>> {
    let Some(url) = settings::get::<String>(tx, URL_SETTING)? else {
        return Ok(None);
    };
    let request: Value = switchboard_store::events::get(tx, decision.event_id)?
        .and_then(|e| serde_json::from_str(&e.payload_json).ok())
        .unwrap_or(Value::Null);
    let staff_email = request["staff"].as_str();
    let data = &request["data"];
    let approver_email = match decision.staff_id {
        Some(id) => stored_staff::get(tx, id)?.and_then(|m| m.email),
        None => None,
    };
    let decided_at = jiff::Timestamp::from_millisecond(decision.decided_at)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let body = json!({
        "type": "approval.decided",
        "decision_id": decision.id,
        "request": {
            "id": decision.event_key,
            "kind": decision.kind,
            "staff": staff_email,
            "data": data,
        },
        "decision": decision.decision,
        "reason": decision.reason,
        "decided_by": {
            "name": decision.decided_by,
            "email": approver_email,
            "slack_user_id": decision.slack_user_id,
            "team_id": decision.team_id,
        },
        "decided_at": decided_at,
    });
    let id = outbox::enqueue(
        tx,
        &outbox::Standalone {
            notification_channel_id: None,
            event_id: Some(decision.event_id),
            team_id: &decision.team_id,
            target_kind: "webhook",
            target_id: LANE,
            staff_id: None,
            target_name: Some(&url),
            payload_json: &body.to_string(),
            now,
        },
    )?;
    Ok(Some(id))
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!(
                "Switchboard/",
                env!("CARGO_PKG_VERSION"),
                " (decisions webhook)"
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// One attempt at the webhook call `claimed`: sent on a 2xx, retried with backoff otherwise
/// (every failure may heal: the receiver is down, busy or being fixed).
pub async fn send(profile: &Profile, claimed: &Claimed) -> Attempted {
    let now = profile.now_ms();
    let retry = |code: &str, error: String| Attempted::Retry {
        at: now + crate::delivery::backoff_ms(claimed.attempt),
        code: code.to_owned(),
        error,
        maybe_sent: false,
    };
    let url = match profile.db().and_then(|db| {
        db.read(|conn| settings::get::<String>(conn, URL_SETTING).map_err(Error::from))
    }) {
        Ok(Some(url)) => url,
        Ok(None) => {
            return Attempted::Failed {
                code: "no_webhook_url".into(),
                error: "No decisions webhook URL is set: set one in Settings → Decisions → Webhook URL, then Retry.".into(),
            };
        }
        Err(error) => return retry("storage", error.to_string()),
    };
    let secret: Secret = match profile
        .secrets()
        .get(SecretKey::app(SecretKind::WebhookSecret))
        .await
    {
        Ok(Some(secret)) => secret,
        Ok(None) => {
            return Attempted::Failed {
                code: "no_webhook_secret".into(),
                error: "The decisions webhook has no signing secret: make one in Settings → Decisions (Make a new secret), then Retry.".into(),
            };
        }
        Err(error) => return retry("keyring", error.to_string()),
    };
    let timestamp = now.div_euclid(1000);
    let body = &claimed.payload_json;
    let signature = sign(secret.expose(), timestamp, body);
    let answer = client()
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Switchboard-Delivery", claimed.id.to_string())
        .header("X-Switchboard-Timestamp", timestamp.to_string())
        .header("X-Switchboard-Signature", signature)
        .body(body.clone())
        .send()
        .await;
    match answer {
        Ok(response) if response.status().is_success() => Attempted::Sent {
            found: false,
            channel_id: String::new(),
            ts: String::new(),
            thread_ts: None,
            permalink: None,
            started_thread: None,
        },
        Ok(response) => {
            let status = response.status();
            let said: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            let said = if said.trim().is_empty() {
                String::new()
            } else {
                format!(" ({})", said.trim())
            };
            retry(
                &format!("http_{}", status.as_u16()),
                format!(
                    "The webhook at {url} answered {status}{said}; Switchboard tries again until it accepts the call."
                ),
            )
        }
        Err(error) => retry(
            if error.is_timeout() {
                "timeout"
            } else {
                "unreachable"
            },
            format!(
                "The webhook at {url} could not be reached ({error}); Switchboard tries again until it answers."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_version_time_and_body() {
        // RFC 4231 does not cover this framing; the value below was computed with Python's
        // hmac module: hmac.new(b"whsec_test", b"v1:1700000000:{}", "sha256").hexdigest().
        assert_eq!(
            sign("whsec_test", 1_700_000_000, "{}"),
            "v1=9ba56d05528f0736e202cc65e275c478409d1b38770c8990408fef8958858e56"
        );
    }

    #[test]
    fn urls_are_https_or_local_http() {
        assert!(check_url("https://app.example.com/hooks").is_ok());
        assert!(check_url("http://127.0.0.1:9000/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert_eq!(
            check_url(" https://app.example.com/hooks ").unwrap(),
            "https://app.example.com/hooks",
            "trimmed and kept as given"
        );
        for (bad, says) in [
            ("http://app.example.com/x", "use an https:// address"),
            ("ftp://x.example", "use an https:// address"),
            ("not a url", "give the full address"),
            ("https://u:p@x.example/", "no user name or password"),
        ] {
            let error = check_url(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
