//! The `slack-emulator` binary: serves the emulator and prints `listening http://HOST:PORT` as
//! its first line, so a script can read the base URL. Stops on Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use clap::Parser;

/// A Slack Web API emulator on loopback, for tests and demos.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let emulator = slack_emulator::Emulator::start(args.addr).await?;
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
