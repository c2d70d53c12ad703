//! Slack's objects as the methods return them: conversations, users, messages, teams. Fields
//! Switchboard does not use are left out; unknown fields are ignored, so Slack may add some.

use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, TeamId, Ts, UserId};

/// A channel's topic or purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextField {
    #[serde(default)]
    pub value: String,
}

/// A conversation: public or private channel, DM or group DM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ChannelId,
    /// Channels have a name; DMs do not.
    pub name: Option<String>,
    #[serde(default)]
    pub is_channel: bool,
    #[serde(default)]
    pub is_group: bool,
    #[serde(default)]
    pub is_im: bool,
    #[serde(default)]
    pub is_mpim: bool,
    #[serde(default)]
    pub is_private: bool,
    #[serde(default)]
    pub is_archived: bool,
    #[serde(default)]
    pub is_general: bool,
    /// Whether the calling token's user (or bot) is in the conversation.
    #[serde(default)]
    pub is_member: bool,
    pub num_members: Option<u32>,
    pub created: Option<i64>,
    pub creator: Option<UserId>,
    pub topic: Option<TextField>,
    pub purpose: Option<TextField>,
    /// For DMs: the other person.
    pub user: Option<UserId>,
}

/// A user's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub real_name: Option<String>,
    pub display_name: Option<String>,
    /// Present only for tokens with `users:read.email`.
    pub email: Option<String>,
    pub title: Option<String>,
    pub image_72: Option<String>,
    pub image_192: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub team_id: Option<TeamId>,
    pub name: String,
    #[serde(default)]
    pub deleted: bool,
    pub real_name: Option<String>,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_owner: bool,
    pub tz: Option<String>,
    pub tz_offset: Option<i64>,
    #[serde(default)]
    pub profile: UserProfile,
}

/// Structured data attached to a message, invisible to readers.
/// <https://docs.slack.dev/messaging/message-metadata>
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageMetadata {
    pub event_type: String,
    pub event_payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub ts: Ts,
    #[serde(default)]
    pub text: String,
    pub user: Option<UserId>,
    pub bot_id: Option<String>,
    pub thread_ts: Option<Ts>,
    pub subtype: Option<String>,
    pub blocks: Option<serde_json::Value>,
    pub metadata: Option<MessageMetadata>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamIcon {
    pub image_34: Option<String>,
    pub image_68: Option<String>,
    pub image_132: Option<String>,
    pub image_230: Option<String>,
    #[serde(default)]
    pub image_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub domain: Option<String>,
    pub email_domain: Option<String>,
    #[serde(default)]
    pub icon: TeamIcon,
}

/// `response_metadata` of list methods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseMetadata {
    #[serde(default)]
    pub next_cursor: String,
}
