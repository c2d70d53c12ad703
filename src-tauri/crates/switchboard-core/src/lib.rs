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
//! - [`profile`]: the composition root — a data directory with its database, secrets, Slack
//!   client and endpoints. Every front door (console, CLI, ingest server) and every test builds
//!   one with [`profile::Profile::open`] and calls the user actions below with it.
//! - [`session`] and [`supervisor`]: the console's active profile (own or demo) and the owner
//!   of its background work, with an orderly shutdown. [`events`]: what changed, for the UI.
//! - [`error`]: what went wrong, in a form code acts on ([`Error::code`],
//!   [`Error::disposition`]).
//! - [`workspaces`]: connecting with a pasted bot token (rotating ones included), the cards.
//! - [`oauth`]: connecting with OAuth v2 + PKCE through a loopback redirect.
//! - [`tokens`]: the token work is done with; single-flight refresh of rotating tokens.
//! - [`health`]: `auth.test` per token, each on its own; the scope check; disconnecting.
//! - [`directory`]: syncing each workspace's channels and users into the cache, resumably.
//! - [`demo`]: the demo workspace on the in-process Slack emulator.
//! - Events: [`catalog`] (each kind's fields, validation naming the bad field), [`routing`] (a
//!   pure function from event and settings to a decision per channel, with its reason),
//!   [`render`] (each kind's message, escaped, within Slack's limits), [`ingest`] (receive:
//!   validate, route, render, store event and outbox rows in one transaction), [`channels`]
//!   and [`projects`] (what routing reads, set by the owner), [`delivery`] (the worker that
//!   takes the outbox to Slack exactly once, in order per channel), [`outbox`] (list, retry,
//!   discard), [`ingest_token`] and [`ingest_server`] (the local HTTP door onto [`ingest`]),
//!   [`timeline`] (the Activity view: each event with where it went and why) and
//!   [`templates`] (the owner's wording per kind, previewed from the last real event).
//! - Slack talking back: [`socket_mode`] (the Socket Mode connection the supervisor keeps
//!   open), [`inbound`] (each envelope kept before its ack, handled once) and [`slash`]
//!   (`/switchboard`, answered in the ack).
//!
//! One function per user action (`workspaces::connect_bot_token`, `oauth::connect`,
//! `health::check_all`, `directory::sync_workspace`, `health::disconnect`, `demo::start`…):
//! it owns the action's rules, so the front doors only parse, call it and map the result.
//! Pure pieces take their dependencies explicitly (a `&Connection`, a clock value).

pub mod activity;
pub mod approvals;
pub mod catalog;
pub mod channels;
pub mod conversations;
pub mod delivery;
pub mod demo;
pub mod directory;
pub mod dm;
pub mod email_match;
pub mod error;
pub mod event_kind;
pub mod events;
pub mod health;
pub mod hours;
pub mod inbound;
pub mod ingest;
pub mod ingest_server;
pub mod ingest_token;
pub mod linking;
pub mod oauth;
pub mod outbox;
pub mod overview;
pub mod preferences;
pub mod profile;
pub mod projects;
pub mod render;
pub mod routing;
pub mod search;
pub mod secrets;
pub mod session;
pub mod slack_app;
pub mod slash;
pub mod socket_mode;
pub mod staff;
pub mod staff_import;
pub mod supervisor;
pub mod templates;
pub mod timeline;
pub mod tokens;
pub mod watch;
pub mod webhook;
pub mod workspaces;

pub use error::{Disposition, Error, Result, TokenRole};
pub use event_kind::EventKind;
