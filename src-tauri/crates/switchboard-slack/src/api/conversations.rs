//! `conversations.list`, `.info`, `.join`, `.open`, `.history`.

use serde::{Deserialize, Serialize};

use crate::client::{Response, SlackClient};
use crate::error::Result;
use crate::ids::{ChannelId, Ts, UserId};
use crate::method;
use crate::paginate::{CursorPage, CursorRequest, Pages};
use crate::token::Token;
use crate::types::{Conversation, Message, ResponseMetadata};

/// Arguments of `conversations.list`.
#[derive(Debug, Clone, Serialize)]
pub struct ListConversations {
    /// Comma-separated: `public_channel`, `private_channel`, `mpim`, `im`.
    pub types: String,
    pub exclude_archived: bool,
    /// Page size, at most 1000 (Slack recommends 200).
    pub limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Default for ListConversations {
    fn default() -> Self {
        ListConversations {
            types: "public_channel".to_owned(),
            exclude_archived: false,
            limit: 200,
            cursor: None,
        }
    }
}

impl CursorRequest for ListConversations {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationsPage {
    pub channels: Vec<Conversation>,
    #[serde(default)]
    pub response_metadata: ResponseMetadata,
}

impl CursorPage for ConversationsPage {
    fn next_cursor(&self) -> Option<&str> {
        Some(&self.response_metadata.next_cursor)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConversationInfo {
    pub channel: Conversation,
}

/// The DM `conversations.open` opened; `channel` is complete only with `return_im`.
#[derive(Debug, Clone, Deserialize)]
pub struct Opened {
    pub channel: OpenedChannel,
    #[serde(default)]
    pub already_open: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpenedChannel {
    pub id: ChannelId,
}

/// Arguments of `conversations.history`.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub channel: ChannelId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<Ts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<Ts>,
    pub inclusive: bool,
    pub limit: u32,
    /// Return each message's `metadata` (how the outbox finds what it already sent).
    pub include_all_metadata: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl History {
    pub fn new(channel: ChannelId) -> History {
        History {
            channel,
            latest: None,
            oldest: None,
            inclusive: false,
            limit: 200,
            include_all_metadata: false,
            cursor: None,
        }
    }
}

impl CursorRequest for History {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

/// Arguments of `conversations.replies`: the messages of the thread started by `ts`.
#[derive(Debug, Clone, Serialize)]
pub struct Replies {
    pub channel: ChannelId,
    /// The thread's parent message.
    pub ts: Ts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<Ts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<Ts>,
    pub inclusive: bool,
    pub limit: u32,
    pub include_all_metadata: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Replies {
    pub fn new(channel: ChannelId, ts: Ts) -> Replies {
        Replies {
            channel,
            ts,
            latest: None,
            oldest: None,
            inclusive: false,
            limit: 200,
            include_all_metadata: false,
            cursor: None,
        }
    }
}

impl CursorRequest for Replies {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub response_metadata: ResponseMetadata,
}

impl CursorPage for HistoryPage {
    fn next_cursor(&self) -> Option<&str> {
        Some(&self.response_metadata.next_cursor)
    }
}

#[derive(Serialize)]
struct InfoArgs<'a> {
    channel: &'a ChannelId,
    include_num_members: bool,
}

#[derive(Serialize)]
struct ChannelArg<'a> {
    channel: &'a ChannelId,
}

#[derive(Serialize)]
struct OpenArgs {
    users: String,
    return_im: bool,
}

impl SlackClient {
    /// One page of conversations. <https://docs.slack.dev/reference/methods/conversations.list>
    pub async fn conversations_list(
        &self,
        token: &Token,
        request: &ListConversations,
    ) -> Result<Response<ConversationsPage>> {
        self.call(&method::CONVERSATIONS_LIST, token, request).await
    }

    /// Every page of conversations, one at a time.
    pub fn conversations_list_pages(
        &self,
        token: &Token,
        request: ListConversations,
    ) -> Pages<ListConversations, ConversationsPage> {
        Pages::new(self, token, method::CONVERSATIONS_LIST, request)
    }

    /// <https://docs.slack.dev/reference/methods/conversations.info>
    pub async fn conversations_info(
        &self,
        token: &Token,
        channel: &ChannelId,
        include_num_members: bool,
    ) -> Result<Response<ConversationInfo>> {
        self.call(
            &method::CONVERSATIONS_INFO,
            token,
            &InfoArgs {
                channel,
                include_num_members,
            },
        )
        .await
    }

    /// Joins a public channel; a member gets the `already_in_channel` warning.
    /// <https://docs.slack.dev/reference/methods/conversations.join>
    pub async fn conversations_join(
        &self,
        token: &Token,
        channel: &ChannelId,
    ) -> Result<Response<ConversationInfo>> {
        self.call(&method::CONVERSATIONS_JOIN, token, &ChannelArg { channel })
            .await
    }

    /// Opens (or finds) the DM with `users` (one id: a DM; several: a group DM).
    /// <https://docs.slack.dev/reference/methods/conversations.open>
    pub async fn conversations_open(
        &self,
        token: &Token,
        users: &[UserId],
    ) -> Result<Response<Opened>> {
        let users = users
            .iter()
            .map(UserId::as_str)
            .collect::<Vec<_>>()
            .join(",");
        self.call(
            &method::CONVERSATIONS_OPEN,
            token,
            &OpenArgs {
                users,
                return_im: false,
            },
        )
        .await
    }

    /// One page of messages, newest first. <https://docs.slack.dev/reference/methods/conversations.history>
    pub async fn conversations_history(
        &self,
        token: &Token,
        request: &History,
    ) -> Result<Response<HistoryPage>> {
        self.call(&method::CONVERSATIONS_HISTORY, token, request)
            .await
    }

    /// Every page of messages, newest first.
    pub fn conversations_history_pages(
        &self,
        token: &Token,
        request: History,
    ) -> Pages<History, HistoryPage> {
        Pages::new(self, token, method::CONVERSATIONS_HISTORY, request)
    }

    /// Every page of a thread, oldest first, the parent first.
    /// <https://docs.slack.dev/reference/methods/conversations.replies>
    pub fn conversations_replies_pages(
        &self,
        token: &Token,
        request: Replies,
    ) -> Pages<Replies, HistoryPage> {
        Pages::new(self, token, method::CONVERSATIONS_REPLIES, request)
    }
}
