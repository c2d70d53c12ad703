//! `chat.postMessage`, `chat.update`, `chat.delete`, `chat.getPermalink`.

use serde::{Deserialize, Serialize};

use crate::client::{Response, SlackClient};
use crate::error::Result;
use crate::ids::{ChannelId, Ts};
use crate::method;
use crate::token::Token;
use crate::types::{Message, MessageMetadata};

/// A message to post. `text` is the notification fallback when `blocks` are given.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PostMessage {
    /// A channel id, or a user id for the DM with that user.
    pub channel: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<serde_json::Value>,
    /// Invisible structured data; Switchboard puts its outbox id here to find sent messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MessageMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<Ts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_links: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_media: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrkdwn: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Posted {
    pub channel: ChannelId,
    pub ts: Ts,
    pub message: Message,
}

/// A change to a posted message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateMessage {
    pub channel: String,
    pub ts: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MessageMetadata>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Updated {
    pub channel: ChannelId,
    pub ts: Ts,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Deleted {
    pub channel: ChannelId,
    pub ts: Ts,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Permalink {
    pub channel: ChannelId,
    pub permalink: String,
}

#[derive(Serialize)]
struct MessageRef<'a> {
    channel: &'a ChannelId,
    ts: &'a Ts,
}

#[derive(Serialize)]
struct PermalinkArgs<'a> {
    channel: &'a ChannelId,
    message_ts: &'a Ts,
}

impl SlackClient {
    /// Posts a message, paced to about one per second per channel.
    /// <https://docs.slack.dev/reference/methods/chat.postMessage>
    pub async fn chat_post_message(
        &self,
        token: &Token,
        message: &PostMessage,
    ) -> Result<Response<Posted>> {
        self.call_in_channel(&method::CHAT_POST_MESSAGE, token, message, &message.channel)
            .await
    }

    /// <https://docs.slack.dev/reference/methods/chat.update>
    pub async fn chat_update(
        &self,
        token: &Token,
        update: &UpdateMessage,
    ) -> Result<Response<Updated>> {
        self.call(&method::CHAT_UPDATE, token, update).await
    }

    /// <https://docs.slack.dev/reference/methods/chat.delete>
    pub async fn chat_delete(
        &self,
        token: &Token,
        channel: &ChannelId,
        ts: &Ts,
    ) -> Result<Response<Deleted>> {
        self.call(&method::CHAT_DELETE, token, &MessageRef { channel, ts })
            .await
    }

    /// <https://docs.slack.dev/reference/methods/chat.getPermalink>
    pub async fn chat_get_permalink(
        &self,
        token: &Token,
        channel: &ChannelId,
        message_ts: &Ts,
    ) -> Result<Response<Permalink>> {
        self.call(
            &method::CHAT_GET_PERMALINK,
            token,
            &PermalinkArgs {
                channel,
                message_ts,
            },
        )
        .await
    }
}
