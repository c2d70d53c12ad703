//! The Tauri commands, one file per area. Each is a thin adapter: parse, call one core
//! function, map the result. Every command here needs a permission file in
//! `src-tauri/permissions/` and a grant in `src-tauri/capabilities/main-window.json`
//! (`tests/invariants.rs` fails otherwise).

pub mod activity;
pub mod app;
pub mod channels;
pub mod demo;
pub mod directory;
pub mod ingest;
pub mod preferences;
pub mod projects;
pub mod slack_app;
pub mod staff;
pub mod talk_back;
pub mod templates;
pub mod workspaces;
