//! Data that crosses to the web view, converted from domain types; one file per file of
//! `commands/`. Field names are camelCase in TypeScript; numbers are plain JS numbers (ids and
//! Unix milliseconds fit in 2^53).

mod activity;
mod app;
mod directory;
mod events;
mod preferences;
mod slack_app;
mod workspaces;

pub use activity::*;
pub use app::*;
pub use directory::*;
pub use events::*;
pub use preferences::*;
pub use slack_app::*;
pub use workspaces::*;
