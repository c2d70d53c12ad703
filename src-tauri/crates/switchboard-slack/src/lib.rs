//! Switchboard's Slack Web API client. No storage and no UI live here.
//!
//! A tour:
//! - [`SlackClient`] (`client`): one HTTP client, an injectable base URL, Slack's encoding and
//!   envelope, warnings and granted scopes, 429s waited out, reads retried, writes never
//!   retried blindly. [`ClientConfig`] holds the knobs.
//! - `pacing`: stays under Slack's limits per (token, method) by tier, and one message per
//!   second per channel for `chat.postMessage`.
//! - [`api`]: the methods, one module per family, with typed requests and responses;
//!   [`paginate`] walks cursor-paged lists.
//! - [`ids`], [`token`], [`types`]: newtype ids, tokens and secrets that never print
//!   themselves, and Slack's objects.
//! - [`socket_mode`]: Socket Mode's WebSocket (`apps.connections.open`, `hello`, envelopes,
//!   acks, `disconnect`, pings).
//! - [`format`]: escaping text for `mrkdwn`.
//! - `icon`: workspace icons downloaded as `data:` URLs for the web view.
//! - [`Error`]: Slack's `ok:false` codes (with `needed`/`provided`), rate limiting, HTTP,
//!   transport (and whether the request may have been sent), decoding.

pub mod api;
mod client;
mod error;
pub mod format;
mod icon;
pub mod ids;
pub mod method;
mod pacing;
pub mod paginate;
pub mod socket_mode;
pub mod token;
pub mod types;

pub use client::{ClientConfig, DEFAULT_BASE_URL, Response, SlackClient};
pub use error::{Error, Result};
pub use ids::{ChannelId, TeamId, Ts, UserId};
pub use token::{ClientSecret, Token, TokenKind};
