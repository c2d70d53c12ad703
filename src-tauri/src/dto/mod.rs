//! Data that crosses to the web view, converted from domain types; one file per file of
//! `commands/`. Field names are camelCase in TypeScript; numbers are plain JS numbers (ids and
//! Unix milliseconds fit in 2^53).

mod activity;
mod app;
mod channels;
mod directory;
mod events;
mod ingest;
mod preferences;
mod projects;
mod slack_app;
mod staff;
mod talk_back;
mod templates;
mod workspaces;

pub use activity::*;
pub use app::*;
pub use channels::*;
pub use directory::*;
pub use events::*;
pub use ingest::*;
pub use preferences::*;
pub use projects::*;
pub use slack_app::*;
pub use staff::*;
pub use talk_back::*;
pub use templates::*;
pub use workspaces::*;
