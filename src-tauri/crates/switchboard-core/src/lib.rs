//! Switchboard's domain, free of Tauri and of any window.
//!
//! A tour:
//! - [`event_kind`]: the catalogue of event kinds the business application sends, with their
//!   stable identifiers and where each is routed.
//! - [`preferences`]: the console's own preferences (theme), changed with an audit entry.
//! - [`overview`]: what the console holds, for the views' empty states and the sidebar badges.
//! - [`activity`]: the audit log as the Activity view shows it.
//! - [`secrets`]: tokens and secrets in the OS keyring (or memory), never in SQLite.
//! - [`workspaces`]: connecting Slack workspaces (a pasted bot token so far).
//!
//! Every function takes its dependencies explicitly (a `&Connection`, a clock value), so the
//! shell, the headless CLI and the tests call the same code.

pub mod activity;
mod error;
pub mod event_kind;
pub mod overview;
pub mod preferences;
pub mod secrets;
pub mod workspaces;

pub use error::{Error, Result};
pub use event_kind::EventKind;
