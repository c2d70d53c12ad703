//! Switchboard's domain, free of Tauri and of any window.
//!
//! A tour:
//! - [`event_kind`]: the catalogue of event kinds the business application sends, with their
//!   stable identifiers and where each is routed.
//! - [`preferences`]: the console's own preferences (theme), changed with an audit entry.
//! - [`overview`]: what the console holds, for the views' empty states and the sidebar badges.
//! - [`activity`]: the audit log as the Activity view shows it.
//! - [`secrets`]: tokens and secrets in the OS keyring (or memory), never in SQLite.
//! - [`slack_app`]: the Slack app's settings, the scopes asked for and why, the manifest, and
//!   the scope check.
//! - [`workspaces`]: connecting Slack workspaces (a pasted bot token so far).
//! - [`oauth`]: connecting with OAuth v2 + PKCE through a loopback redirect; token refresh.
//! - [`health`]: the periodic `auth.test` per workspace, refreshing rotating tokens, the
//!   scope check, and disconnecting.
//! - [`directory`]: syncing each workspace's channels and users into the cache.
//!
//! Every function takes its dependencies explicitly (a `&Connection`, a clock value), so the
//! shell, the headless CLI and the tests call the same code.

pub mod activity;
pub mod directory;
mod error;
pub mod event_kind;
pub mod health;
pub mod oauth;
pub mod overview;
pub mod preferences;
pub mod secrets;
pub mod slack_app;
pub mod workspaces;

pub use error::{Error, Result};
pub use event_kind::EventKind;
