//! What the client knows about each method: its name, its rate-limit tier, how its arguments
//! are encoded, and whether it changes anything (writes are never retried blindly).

/// Slack's rate-limit tiers. <https://docs.slack.dev/apis/web-api/rate-limits>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// 1+ per minute.
    One,
    /// 20+ per minute.
    Two,
    /// 50+ per minute.
    Three,
    /// 100+ per minute.
    Four,
    /// A method-specific limit, per minute.
    Special(u32),
    /// A method-specific limit with the burst it tolerates.
    Burst { per_minute: u32, burst: u32 },
}

impl Tier {
    /// Calls per minute the client allows itself, and the burst it starts with. A little
    /// under Slack's figures, so a paced client does not meet 429s in normal use.
    pub fn budget(self) -> (f64, f64) {
        match self {
            Tier::One => (1.0, 1.0),
            Tier::Two => (20.0, 5.0),
            Tier::Three => (50.0, 10.0),
            Tier::Four => (100.0, 20.0),
            Tier::Special(per_minute) => {
                (f64::from(per_minute), f64::from(per_minute / 10).max(1.0))
            }
            Tier::Burst { per_minute, burst } => (f64::from(per_minute), f64::from(burst)),
        }
    }
}

/// How a method's arguments travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-www-form-urlencoded` (read methods, OAuth).
    Form,
    /// `application/json; charset=utf-8` with a Bearer token (write methods).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    pub name: &'static str,
    pub tier: Tier,
    pub encoding: Encoding,
    /// Whether the call changes something in Slack; writes are not retried on transport errors.
    pub write: bool,
}

const fn read(name: &'static str, tier: Tier) -> Method {
    Method {
        name,
        tier,
        encoding: Encoding::Form,
        write: false,
    }
}

const fn write(name: &'static str, tier: Tier) -> Method {
    Method {
        name,
        tier,
        encoding: Encoding::Json,
        write: true,
    }
}

pub const AUTH_TEST: Method = read("auth.test", Tier::Special(600));
pub const AUTH_REVOKE: Method = Method {
    encoding: Encoding::Form,
    ..write("auth.revoke", Tier::Three)
};
pub const TEAM_INFO: Method = read("team.info", Tier::Three);
pub const CONVERSATIONS_LIST: Method = read("conversations.list", Tier::Two);
pub const CONVERSATIONS_INFO: Method = read("conversations.info", Tier::Three);
pub const CONVERSATIONS_JOIN: Method = write("conversations.join", Tier::Three);
pub const CONVERSATIONS_OPEN: Method = write("conversations.open", Tier::Three);
pub const CONVERSATIONS_HISTORY: Method = read("conversations.history", Tier::Three);
pub const CONVERSATIONS_REPLIES: Method = read("conversations.replies", Tier::Three);
pub const USERS_LIST: Method = read("users.list", Tier::Two);
pub const USERS_INFO: Method = read("users.info", Tier::Four);
pub const USERS_LOOKUP_BY_EMAIL: Method = read("users.lookupByEmail", Tier::Three);
/// Paced separately: about one message per second per channel, and a workspace-wide cap.
/// Slack allows "several hundred messages per minute" per workspace with short bursts (and
/// about one a second per channel, paced separately): 300 a minute with a burst of 100 is the
/// model the emulator enforces. A workspace that allows fewer answers 429, and the pacer then
/// holds every sender back for `Retry-After`.
pub const CHAT_POST_MESSAGE: Method = write(
    "chat.postMessage",
    Tier::Burst {
        per_minute: 300,
        burst: 100,
    },
);
pub const CHAT_UPDATE: Method = write("chat.update", Tier::Three);
pub const CHAT_DELETE: Method = write("chat.delete", Tier::Three);
pub const CHAT_GET_PERMALINK: Method = read("chat.getPermalink", Tier::Special(600));
/// Exchanging a code twice fails, so the token exchange counts as a write.
pub const OAUTH_V2_ACCESS: Method = Method {
    encoding: Encoding::Form,
    ..write("oauth.v2.access", Tier::Special(600))
};
pub const OPENID_CONNECT_TOKEN: Method = Method {
    encoding: Encoding::Form,
    ..write("openid.connect.token", Tier::Three)
};
/// Tier 1 on api.slack.com, "50+ per minute" in another copy of the docs, and reconnect storms
/// have met 429 (socket-mode.md §1): 20 a minute with a small burst covers a refresh and a
/// few reconnects; the caller backs off beyond that.
pub const APPS_CONNECTIONS_OPEN: Method = Method {
    encoding: Encoding::Form,
    ..write(
        "apps.connections.open",
        Tier::Burst {
            per_minute: 20,
            burst: 4,
        },
    )
};
/// A modal for a click: the trigger lasts 3 seconds, so it is tier 4 (100+ a minute).
pub const VIEWS_OPEN: Method = write("views.open", Tier::Four);
pub const OPENID_CONNECT_USER_INFO: Method = read("openid.connect.userInfo", Tier::Four);
