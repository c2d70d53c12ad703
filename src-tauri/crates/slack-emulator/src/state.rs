//! The emulator's world: workspaces, users, channels, messages, apps, tokens and OAuth codes,
//! behind one mutex. Every handler locks it for a short, synchronous critical section.
//!
//! Ids are deterministic (a counter per kind), so seeds and tests are repeatable; secrets
//! (tokens, codes) are random, as Slack's are.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// A Slack workspace.
#[derive(Debug, Clone)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub email_domain: String,
    /// The admin who installs apps from the consent page.
    pub admin_user: String,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub real_name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub deleted: bool,
    pub is_bot: bool,
    pub is_admin: bool,
    pub is_owner: bool,
    pub tz: String,
    pub tz_label: String,
    pub tz_offset: i64,
    pub title: String,
    pub color: String,
    pub updated: i64,
    /// For bot users: the bot id (`B…`) and the app they belong to.
    pub bot_id: Option<String>,
    pub app_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub is_private: bool,
    pub is_archived: bool,
    pub is_general: bool,
    /// A direct message (`D…`) with `im_user`.
    pub is_im: bool,
    pub im_user: Option<String>,
    pub created: i64,
    pub creator: String,
    pub members: BTreeSet<String>,
    /// Members counted in `num_members` but not tracked one by one (large seeds).
    pub phantom_members: u32,
    pub topic: String,
    pub purpose: String,
    /// Messages, oldest first; `ts` is unique per channel.
    pub messages: Vec<Message>,
    /// The last `ts` handed out, to keep them unique and increasing.
    pub last_ts: (i64, u32),
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub ts: String,
    pub channel: String,
    pub user: Option<String>,
    pub bot_id: Option<String>,
    pub app_id: Option<String>,
    pub text: String,
    pub blocks: Option<serde_json::Value>,
    pub metadata: Option<serde_json::Value>,
    pub thread_ts: Option<String>,
    pub edited: Option<String>,
    /// Which token posted it, for the control endpoint.
    pub posted_with: String,
}

/// What kind of token, which decides what it acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Bot,
    User,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub kind: TokenKind,
    pub team_id: String,
    /// The user the token acts as (the bot user for bot tokens).
    pub user_id: String,
    pub app_id: String,
    pub scopes: BTreeSet<String>,
    /// Unix seconds after which the token answers `token_expired` (rotating tokens).
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshRecord {
    pub app_id: String,
    pub team_id: String,
    pub user_id: String,
    pub kind: TokenKind,
    pub scopes: BTreeSet<String>,
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

/// A registered Slack app.
#[derive(Debug, Clone, Serialize)]
pub struct App {
    pub app_id: String,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub redirect_urls: Vec<String>,
    pub pkce: bool,
    pub token_rotation: bool,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    pub name: String,
    /// The app-level token (`xapp-…`, scope `connections:write`) that opens Socket Mode
    /// connections; Slack shows it once on the app's Basic Information page.
    pub app_token: String,
    /// The app's bot user per workspace, created on first install.
    #[serde(skip)]
    pub bot_users: BTreeMap<String, String>,
}

/// An authorization code handed out by the consent page.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub team_id: String,
    pub user_id: String,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<String>,
    pub bot_scopes: BTreeSet<String>,
    pub user_scopes: BTreeSet<String>,
    pub expires_at: i64,
    pub used: bool,
    pub openid: bool,
    pub nonce: Option<String>,
}

/// A fault to inject: with probability `rate`, calls to `method` (or every method) fail.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Fault {
    pub method: String,
    pub rate: f64,
    pub kind: FaultKind,
    /// How long a `timeout` fault stalls before answering (default 30 s, past a client's
    /// usual timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum FaultKind {
    #[serde(rename = "5xx")]
    ServerError,
    #[serde(rename = "timeout")]
    Timeout,
    #[serde(rename = "reset")]
    Reset,
    #[serde(rename = "429")]
    RateLimited,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub requests: BTreeMap<String, u64>,
    pub rate_limited: BTreeMap<String, u64>,
    pub faults_injected: BTreeMap<String, u64>,
}

/// A `trigger_id` an interaction carried: who may open a modal with it, until when.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub app_id: String,
    pub team_id: String,
    pub user_id: String,
    /// Unix milliseconds; Slack's triggers last 3 seconds.
    pub issued_at_ms: i64,
    pub used: bool,
}

/// A modal open in someone's Slack.
#[derive(Debug, Clone)]
pub struct OpenView {
    pub app_id: String,
    pub team_id: String,
    pub user_id: String,
    /// The view as `views.open` answered it.
    pub view: serde_json::Value,
    /// Order of opening, to find the newest.
    pub seq: u64,
}

/// Everything the emulator holds.
#[derive(Debug)]
pub struct World {
    pub teams: BTreeMap<String, Team>,
    pub users: BTreeMap<String, User>,
    pub channels: BTreeMap<String, Channel>,
    pub apps: BTreeMap<String, App>,
    pub tokens: HashMap<String, TokenRecord>,
    pub refresh_tokens: HashMap<String, RefreshRecord>,
    pub codes: HashMap<String, AuthCode>,
    pub faults: Vec<Fault>,
    pub stats: Stats,
    /// Seconds added to the wall clock (`POST /_emulator/clock`), to test expiry.
    pub clock_offset: i64,
    /// The person signed in to Slack in "the browser" (`POST /_emulator/browser`): the consent
    /// pages pre-select them and their workspace, as Slack's pages do for the signed-in person.
    pub browser_user: Option<String>,
    /// App-level tokens revoked through `POST /_emulator/tokens/revoke`.
    pub revoked_app_tokens: BTreeSet<String>,
    /// `trigger_id`s handed out with interactions, for `views.open`.
    pub triggers: HashMap<String, Trigger>,
    /// Modals open now, by view id.
    pub views: BTreeMap<String, OpenView>,
    counters: HashMap<char, u64>,
    /// Where secrets come from: a fixed seed while seeding, so seeded tokens survive a reset;
    /// entropy afterwards.
    pub rng: fastrand::Rng,
}

impl Default for World {
    fn default() -> Self {
        World {
            teams: BTreeMap::new(),
            users: BTreeMap::new(),
            channels: BTreeMap::new(),
            apps: BTreeMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            codes: HashMap::new(),
            faults: Vec::new(),
            stats: Stats::default(),
            clock_offset: 0,
            browser_user: None,
            revoked_app_tokens: BTreeSet::new(),
            triggers: HashMap::new(),
            views: BTreeMap::new(),
            counters: HashMap::new(),
            rng: fastrand::Rng::new(),
        }
    }
}

impl World {
    /// A random alphanumeric secret.
    pub fn secret(&mut self, len: usize) -> String {
        (0..len).map(|_| self.rng.alphanumeric()).collect()
    }

    /// Current emulator time, Unix seconds.
    pub fn now(&self) -> i64 {
        unix_now() + self.clock_offset
    }

    /// The next id of a kind: `T`, `U`, `C`, `D`, `B`, `A`, `G`…, e.g. `C0000000012`.
    pub fn next_id(&mut self, prefix: char) -> String {
        let counter = self.counters.entry(prefix).or_insert(0);
        *counter += 1;
        format!("{prefix}{}", base36(*counter, 10))
    }

    /// A fresh app-level token for `app_id`, shaped like Slack's
    /// (`xapp-1-A…-<digits>-<64 hex>`).
    pub fn new_app_token(&mut self, app_id: &str) -> String {
        let digits: String = (0..13).map(|_| self.rng.digit(10)).collect();
        let hex: String = (0..64).map(|_| self.rng.digit(16)).collect();
        format!("xapp-1-{app_id}-{digits}-{hex}")
    }

    /// The app whose app-level token this is, unless it was revoked.
    pub fn app_of_app_token(&self, token: &str) -> Option<&App> {
        self.apps
            .values()
            .find(|a| a.app_token == token && !self.revoked_app_tokens.contains(token))
    }

    pub fn team_of_token(&self, token: &str) -> Option<&TokenRecord> {
        self.tokens.get(token)
    }

    /// A `ts` for a new message in `channel`: the current second, with a sequence number that
    /// keeps every `ts` unique and increasing within the channel.
    pub fn next_ts(&mut self, channel: &str) -> String {
        let now = self.now();
        let channel = self.channels.get_mut(channel).expect("channel exists");
        let (second, seq) = channel.last_ts;
        let next = if now > second {
            (now, 1)
        } else {
            (second, seq + 1)
        };
        channel.last_ts = next;
        format!("{}.{:06}", next.0, next.1)
    }

    /// Issues a new token and returns its secret.
    pub fn issue_token(&mut self, record: TokenRecord, rotating: bool) -> String {
        let prefix = match (record.kind, rotating) {
            (TokenKind::Bot, false) => "xoxb",
            (TokenKind::User, false) => "xoxp",
            (TokenKind::Bot, true) => "xoxe.xoxb-1",
            (TokenKind::User, true) => "xoxe.xoxp-1",
        };
        let team_number = record.team_id.trim_start_matches(['T', 'E']).to_owned();
        let serial = self.next_id('K');
        let token = format!(
            "{prefix}-{team_number}-{}-{}",
            &serial[1..],
            self.secret(24)
        );
        self.tokens.insert(token.clone(), record);
        token
    }

    pub fn issue_refresh_token(&mut self, record: RefreshRecord) -> String {
        let token = format!("xoxe-1-{}", self.secret(40));
        self.refresh_tokens.insert(token.clone(), record);
        token
    }

    /// Revokes every token of `app_id` in `team_id` (an uninstall).
    pub fn uninstall(&mut self, team_id: &str, app_id: Option<&str>) -> usize {
        let mut revoked = 0;
        for token in self.tokens.values_mut() {
            if token.team_id == team_id
                && app_id.is_none_or(|a| a == token.app_id)
                && !token.revoked
            {
                token.revoked = true;
                revoked += 1;
            }
        }
        for refresh in self.refresh_tokens.values_mut() {
            if refresh.team_id == team_id && app_id.is_none_or(|a| a == refresh.app_id) {
                refresh.revoked = true;
            }
        }
        revoked
    }

    /// The DM channel between a workspace's user and another user, opened on demand.
    pub fn open_im(&mut self, team_id: &str, actor: &str, other: &str) -> String {
        let existing = self.channels.values().find(|c| {
            c.is_im
                && c.team_id == team_id
                && c.members.contains(actor)
                && c.members.contains(other)
        });
        if let Some(channel) = existing {
            return channel.id.clone();
        }
        let id = self.next_id('D');
        let channel = Channel {
            id: id.clone(),
            team_id: team_id.to_owned(),
            name: other.to_owned(),
            is_private: true,
            is_archived: false,
            is_general: false,
            is_im: true,
            im_user: Some(other.to_owned()),
            created: self.now(),
            creator: actor.to_owned(),
            members: [actor.to_owned(), other.to_owned()].into_iter().collect(),
            phantom_members: 0,
            topic: String::new(),
            purpose: String::new(),
            messages: Vec::new(),
            last_ts: (0, 0),
        };
        self.channels.insert(id.clone(), channel);
        id
    }

    /// The group direct message among `members` (the app's bot user among them), opened
    /// when it is first used: a private conversation named `mpdm-a--b--c-1`, as Slack names
    /// them.
    pub fn open_mpim(&mut self, team_id: &str, creator: &str, members: &[String]) -> String {
        let wanted: BTreeSet<String> = members.iter().cloned().collect();
        if let Some(channel) = self
            .channels
            .values()
            .find(|c| c.team_id == team_id && c.name.starts_with("mpdm-") && c.members == wanted)
        {
            return channel.id.clone();
        }
        let names: Vec<String> = wanted
            .iter()
            .map(|u| {
                self.users
                    .get(u)
                    .map_or_else(|| u.to_lowercase(), |u| u.name.clone())
            })
            .collect();
        let id = self.next_id('G');
        let channel = Channel {
            id: id.clone(),
            team_id: team_id.to_owned(),
            name: format!("mpdm-{}-1", names.join("--")),
            is_private: true,
            is_archived: false,
            is_general: false,
            is_im: false,
            im_user: None,
            created: self.now(),
            creator: creator.to_owned(),
            members: wanted,
            phantom_members: 0,
            topic: String::new(),
            purpose: String::new(),
            messages: Vec::new(),
            last_ts: (0, 0),
        };
        self.channels.insert(id.clone(), channel);
        id
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64
}

/// `n` in base 36, upper case, left-padded with zeros to `width`.
pub fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_ts_are_unique_and_ordered() {
        let mut world = World::default();
        assert_eq!(world.next_id('C'), "C0000000001");
        assert_eq!(world.next_id('C'), "C0000000002");
        assert_eq!(
            world.next_id('U'),
            "U0000000001",
            "each kind counts on its own"
        );
        assert_eq!(base36(36 * 36, 3), "100");

        world.channels.insert(
            "C1".into(),
            Channel {
                id: "C1".into(),
                team_id: "T1".into(),
                name: "general".into(),
                is_private: false,
                is_archived: false,
                is_general: true,
                is_im: false,
                im_user: None,
                created: 0,
                creator: "U1".into(),
                members: BTreeSet::new(),
                phantom_members: 0,
                topic: String::new(),
                purpose: String::new(),
                messages: Vec::new(),
                last_ts: (0, 0),
            },
        );
        let first = world.next_ts("C1");
        let second = world.next_ts("C1");
        assert!(second > first, "{second} follows {first}");
        assert_eq!(first.len(), second.len(), "same shape: seconds.6 digits");
        assert_eq!(first.split('.').nth(1).unwrap().len(), 6);
    }
}
