//! The `slack-emulator` binary: serves the emulator and prints `listening http://HOST:PORT` as
//! its first line, so a script can read the base URL. Stops on Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};
use slack_emulator::{Config, Emulator, Seed};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeedName {
    /// No workspace; register apps and data through /_emulator/
    Empty,
    /// Two realistic workspaces with the Switchboard app installed
    Demo,
    /// One workspace with --channels and --users, deterministic
    Large,
}

/// A Slack Web API emulator on loopback, for tests and demos.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The world to start with
    #[arg(long, value_enum, default_value = "demo")]
    seed: SeedName,
    /// Channels of the large seed
    #[arg(long, default_value_t = 10_000)]
    channels: u32,
    /// Users of the large seed
    #[arg(long, default_value_t = 5_000)]
    users: u32,
    /// Redirect URL the seeded app accepts (repeatable)
    #[arg(long = "redirect-uri", default_values_t = ["http://localhost:8765/callback".to_owned()])]
    redirect_uris: Vec<String>,
    /// Turn Slack's rate limits off (for speed tests)
    #[arg(long)]
    no_rate_limits: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let seed = match args.seed {
        SeedName::Empty => Seed::Empty,
        SeedName::Demo => Seed::Demo,
        SeedName::Large => Seed::Large {
            channels: args.channels,
            users: args.users,
        },
    };
    let config = Config {
        seed,
        redirect_urls: args.redirect_uris,
        rate_limits: !args.no_rate_limits,
    };
    let emulator = Emulator::start_with(args.addr, config).await?;
    println!("listening {}", emulator.base_url());
    wait_for_stop_signal().await;
    emulator.shutdown().await
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
