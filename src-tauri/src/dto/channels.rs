//! The Channels view's notification channels, the integration switch and test messages.

use serde::Serialize;
use specta::Type;
use switchboard_core::channels::{ChannelView, Integration, TestOutcome};

/// A notification channel with the event kinds it receives.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NotificationChannel {
    pub id: i64,
    pub team_id: String,
    pub workspace_name: String,
    pub channel_id: String,
    /// `None` when the directory no longer lists it.
    pub name: Option<String>,
    pub is_private: bool,
    pub is_archived: bool,
    pub is_member: bool,
    pub enabled: bool,
    pub thread_per_object: bool,
    pub is_default: bool,
    /// Kind ids switched on, in catalogue order.
    pub kinds: Vec<String>,
}

impl From<ChannelView> for NotificationChannel {
    fn from(c: ChannelView) -> Self {
        NotificationChannel {
            id: c.id,
            team_id: c.team_id,
            workspace_name: c.workspace_name,
            channel_id: c.channel_id,
            name: c.name,
            is_private: c.is_private,
            is_archived: c.is_archived,
            is_member: c.is_member,
            enabled: c.enabled,
            thread_per_object: c.thread_per_object,
            is_default: c.is_default,
            kinds: c.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        }
    }
}

/// The global switch and what it holds.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationState {
    pub enabled: bool,
    /// Messages held while the integration was off: send or discard them.
    pub held: u32,
}

impl From<Integration> for IntegrationState {
    fn from(i: Integration) -> Self {
        IntegrationState {
            enabled: i.enabled,
            held: i.held.min(u64::from(u32::MAX)) as u32,
        }
    }
}

/// What became of a test message.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub outbox_id: i64,
    /// sent, failed, held — or pending when it was not sent within the wait.
    pub state: String,
    pub permalink: Option<String>,
    /// What went wrong with the fix, or why it still waits.
    pub sentence: Option<String>,
}

impl From<TestOutcome> for TestResult {
    fn from(t: TestOutcome) -> Self {
        TestResult {
            outbox_id: t.outbox_id,
            state: t.state,
            permalink: t.permalink,
            sentence: t.sentence,
        }
    }
}
