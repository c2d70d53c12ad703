//! Proactive pacing, so the client stays under Slack's limits instead of collecting 429s:
//! a generic cell-rate schedule per (token, method) by tier, and for `chat.postMessage` one
//! message per second per channel plus a workspace-wide cap. After a 429 the key is held back
//! for `Retry-After`, so concurrent callers wait too.
//!
//! Time is `tokio::time`, so tests can pause it.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::Token;
use crate::method::{self, Method};

/// One schedule: calls are spaced `interval` apart, with up to `burst` at once.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    /// When the next call would be due if no burst were allowed (the GCRA "TAT").
    theoretical: Instant,
}

/// The per-key schedules of one client.
#[derive(Debug)]
pub struct Pacer {
    enabled: bool,
    schedules: Mutex<HashMap<String, Schedule>>,
    /// The workspace each token belongs to, once `auth.test` said so: Slack limits per app
    /// per workspace, so a workspace's bot and user tokens share one schedule.
    workspaces: Mutex<HashMap<u64, String>>,
}

/// Per channel: one message a second.
const POST_PER_CHANNEL: (f64, f64) = (60.0, 1.0);

impl Pacer {
    pub fn new(enabled: bool) -> Pacer {
        Pacer {
            enabled,
            schedules: Mutex::new(HashMap::new()),
            workspaces: Mutex::new(HashMap::new()),
        }
    }

    /// Records that `token` belongs to workspace `team_id`.
    pub fn learn_workspace(&self, token: &Token, team_id: &str) {
        let mut workspaces = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
        workspaces.insert(Self::token_key(token), team_id.to_owned());
    }

    /// A stable, non-secret key for a token, until its workspace is known.
    fn token_key(token: &Token) -> u64 {
        let mut hasher = DefaultHasher::new();
        token.expose().hash(&mut hasher);
        hasher.finish()
    }

    fn keys(
        &self,
        token: &Token,
        method: &Method,
        channel: Option<&str>,
    ) -> Vec<(String, (f64, f64))> {
        let token_key = Self::token_key(token);
        let owner = self
            .workspaces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&token_key)
            .cloned()
            .unwrap_or_else(|| format!("token:{token_key:x}"));
        let mut keys = vec![(format!("{owner}:{}", method.name), method.tier.budget())];
        if method.name == method::CHAT_POST_MESSAGE.name
            && let Some(channel) = channel
        {
            keys.push((format!("{owner}:post:{channel}"), POST_PER_CHANNEL));
        }
        keys
    }

    /// Reserves the next slot for a call and waits until it is due.
    pub async fn acquire(&self, token: &Token, method: &Method, channel: Option<&str>) {
        if !self.enabled {
            return;
        }
        let wait = {
            let mut schedules = self.schedules.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let keys = self.keys(token, method, channel);
            // The call starts when every schedule allows it; then each advances by its interval.
            let start = keys
                .iter()
                .map(|(key, (per_minute, burst))| {
                    let interval = Duration::from_secs_f64(60.0 / per_minute);
                    let theoretical = schedules.get(key).map_or(now, |s| s.theoretical.max(now));
                    let tolerance = interval.mul_f64(burst - 1.0);
                    theoretical.checked_sub(tolerance).unwrap_or(now).max(now)
                })
                .max()
                .unwrap_or(now);
            for (key, (per_minute, _)) in keys {
                let interval = Duration::from_secs_f64(60.0 / per_minute);
                let theoretical = schedules
                    .get(&key)
                    .map_or(start, |s| s.theoretical.max(start));
                schedules.insert(
                    key,
                    Schedule {
                        theoretical: theoretical + interval,
                    },
                );
            }
            start.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds the method back for `wait` after Slack answered 429.
    pub fn penalise(&self, token: &Token, method: &Method, channel: Option<&str>, wait: Duration) {
        let mut schedules = self.schedules.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + wait;
        for (key, (per_minute, burst)) in self.keys(token, method, channel) {
            // No call may start before `until`, burst or not: move the schedule past the
            // burst tolerance too.
            let interval = Duration::from_secs_f64(60.0 / per_minute);
            let blocked = until + interval.mul_f64(burst - 1.0);
            let entry = schedules.entry(key).or_insert(Schedule {
                theoretical: blocked,
            });
            entry.theoretical = entry.theoretical.max(blocked);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn posts_to_one_channel_are_a_second_apart_and_other_channels_do_not_wait() {
        let pacer = Pacer::new(true);
        let token = Token::new("xoxb-1");
        let start = Instant::now();
        pacer
            .acquire(&token, &method::CHAT_POST_MESSAGE, Some("C1"))
            .await;
        pacer
            .acquire(&token, &method::CHAT_POST_MESSAGE, Some("C1"))
            .await;
        pacer
            .acquire(&token, &method::CHAT_POST_MESSAGE, Some("C1"))
            .await;
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_secs(2) && elapsed < Duration::from_millis(2100),
            "three posts to one channel took {elapsed:?}"
        );

        let before = Instant::now();
        pacer
            .acquire(&token, &method::CHAT_POST_MESSAGE, Some("C2"))
            .await;
        assert!(
            before.elapsed() < Duration::from_millis(300),
            "another channel is not held up by C1"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_tier_allows_its_burst_then_spaces_calls() {
        let pacer = Pacer::new(true);
        let token = Token::new("xoxb-1");
        let start = Instant::now();
        for _ in 0..5 {
            pacer
                .acquire(&token, &method::CONVERSATIONS_LIST, None)
                .await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(10),
            "tier 2 allows a burst of five"
        );
        pacer
            .acquire(&token, &method::CONVERSATIONS_LIST, None)
            .await;
        assert!(
            start.elapsed() >= Duration::from_secs(3),
            "the sixth waits for the 20/min pace, {:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_of_one_workspace_share_its_schedule() {
        let pacer = Pacer::new(true);
        let bot = Token::new("xoxb-1");
        let user = Token::new("xoxp-1");
        pacer.learn_workspace(&bot, "T1");
        pacer.learn_workspace(&user, "T1");
        let start = Instant::now();
        pacer
            .acquire(&bot, &method::CHAT_POST_MESSAGE, Some("C1"))
            .await;
        pacer
            .acquire(&user, &method::CHAT_POST_MESSAGE, Some("C1"))
            .await;
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "the user token waits for the bot's post to C1"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_the_method_back_and_pacing_can_be_off() {
        let pacer = Pacer::new(true);
        let token = Token::new("xoxb-1");
        pacer.penalise(&token, &method::USERS_INFO, None, Duration::from_secs(7));
        let start = Instant::now();
        pacer.acquire(&token, &method::USERS_INFO, None).await;
        assert!(
            start.elapsed() >= Duration::from_secs(7),
            "waited out Retry-After"
        );

        let off = Pacer::new(false);
        let start = Instant::now();
        for _ in 0..100 {
            off.acquire(&token, &method::CONVERSATIONS_LIST, None).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "no pacing when turned off");
    }
}
