//! Switchboard's Slack Web API client: typed ids, tokens that never reveal themselves, and
//! Slack's text formatting rules. No storage and no UI live here.
//!
//! - [`ids`]: newtypes for Slack's identifiers, so a channel id cannot be passed as a user id.
//! - [`token`]: [`Token`], whose `Debug` and `Display` never print the secret.
//! - [`format`]: escaping of user-supplied text for Slack's `mrkdwn`.

pub mod format;
pub mod ids;
pub mod token;

pub use ids::{ChannelId, TeamId, Ts, UserId};
pub use token::{Token, TokenKind};
