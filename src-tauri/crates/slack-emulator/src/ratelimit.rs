//! Slack's rate limits: a token bucket per (workspace, app, method) sized by the method's tier,
//! and for `chat.postMessage` about one message per second per channel plus a workspace-wide
//! cap. A refused call gets HTTP 429, `Retry-After` and `{"ok":false,"error":"ratelimited"}`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Calls per minute a method's tier allows, and the burst it tolerates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub per_minute: f64,
    pub burst: f64,
}

/// The tier of each method the emulator serves (Slack's published tiers).
pub fn limit_for(method: &str) -> Option<Limit> {
    let tier = |per_minute: f64| {
        Some(Limit {
            per_minute,
            burst: per_minute,
        })
    };
    match method {
        "conversations.list" | "users.list" => tier(20.0),
        "team.info"
        | "conversations.info"
        | "conversations.join"
        | "conversations.open"
        | "conversations.history"
        | "conversations.replies"
        | "users.lookupByEmail"
        | "chat.update"
        | "chat.delete"
        | "auth.revoke"
        | "openid.connect.token" => tier(50.0),
        "users.info" | "openid.connect.userInfo" => tier(100.0),
        // Special: "hundreds per minute".
        "auth.test" | "chat.getPermalink" | "api.test" => tier(600.0),
        // oauth.v2.access is special and not limited in practice; chat.postMessage has its own.
        _ => None,
    }
}

/// chat.postMessage: one per second per channel, short bursts allowed.
pub const POST_PER_CHANNEL: Limit = Limit {
    per_minute: 60.0,
    burst: 4.0,
};
/// chat.postMessage: "several hundred messages per minute" per workspace.
pub const POST_PER_WORKSPACE: Limit = Limit {
    per_minute: 300.0,
    burst: 100.0,
};

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// All buckets; `check` takes one token or says how long to wait.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// Takes one call from each of `keys` (all or none); `Err(wait)` when any bucket is empty.
    pub fn check(&mut self, keys: &[(String, Limit)], now: Instant) -> Result<(), Duration> {
        let mut refreshed = Vec::with_capacity(keys.len());
        let mut wait = Duration::ZERO;
        for (key, limit) in keys {
            let per_second = limit.per_minute / 60.0;
            let bucket = self.buckets.get(key).copied().unwrap_or(Bucket {
                tokens: limit.burst,
                updated: now,
            });
            let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
            let tokens = (bucket.tokens + elapsed * per_second).min(limit.burst);
            if tokens < 1.0 {
                wait = wait.max(Duration::from_secs_f64((1.0 - tokens) / per_second));
            }
            refreshed.push((
                key.clone(),
                Bucket {
                    tokens,
                    updated: now,
                },
            ));
        }
        if !wait.is_zero() {
            for (key, bucket) in refreshed {
                self.buckets.insert(key, bucket);
            }
            return Err(wait);
        }
        for (key, mut bucket) in refreshed {
            bucket.tokens -= 1.0;
            self.buckets.insert(key, bucket);
        }
        Ok(())
    }

    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_asks_to_wait_and_refills() {
        let mut limiter = RateLimiter::default();
        let limit = Limit {
            per_minute: 60.0,
            burst: 2.0,
        };
        let keys = [("k".to_owned(), limit)];
        let start = Instant::now();
        assert!(limiter.check(&keys, start).is_ok());
        assert!(
            limiter.check(&keys, start).is_ok(),
            "the burst allows two at once"
        );
        let wait = limiter.check(&keys, start).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limiter.check(&keys, start + Duration::from_secs(1)).is_ok(),
            "one refilled per second"
        );
    }

    #[test]
    fn every_key_must_have_room() {
        let mut limiter = RateLimiter::default();
        let roomy = (
            "channel".to_owned(),
            Limit {
                per_minute: 60.0,
                burst: 5.0,
            },
        );
        let tight = (
            "workspace".to_owned(),
            Limit {
                per_minute: 60.0,
                burst: 1.0,
            },
        );
        let now = Instant::now();
        assert!(limiter.check(&[roomy.clone(), tight.clone()], now).is_ok());
        assert!(
            limiter.check(&[roomy.clone(), tight], now).is_err(),
            "the workspace cap binds"
        );
        assert!(
            limiter.check(&[roomy], now).is_ok(),
            "a refused call took nothing from the others"
        );
    }
}
