//! The `switchboard` binary: parses the command line before anything else, then either runs a
//! headless subcommand (which never opens a window) or starts the console.

// Release builds on Windows would otherwise open a console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;
use switchboard_app::cli::Cli;

/// mimalloc instead of the system allocator: receiving events allocates many small strings
/// (one decision per channel), and glibc's malloc spent a quarter of the ingest benchmark's
/// time on them (`benches/outbox.rs` uses the same allocator, so it measures what ships).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    switchboard_app::mark_process_start();
    let cli = Cli::parse();
    switchboard_app::init_logging();
    let result = match &cli.command {
        None => switchboard_app::run_console(&cli).map(|()| ExitCode::SUCCESS),
        Some(command) => switchboard_app::cli::run(&cli, command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("switchboard: {error:#}");
            ExitCode::FAILURE
        }
    }
}
