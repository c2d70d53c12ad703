//! `switchboard serve`: the local ingest API without a window, for a server or a script. It
//! binds `127.0.0.1:PORT` through core's [`Server`], prints `listening http://127.0.0.1:PORT`
//! as the first line on standard output (scripts and tests wait for it, then read the port
//! from it), and serves until Ctrl-C or SIGTERM. It runs under the profile's [`Supervisor`]
//! beside the other background work (health checks, the delivery worker), so events received
//! here are also delivered; on exit each stops in order.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use switchboard_core::ingest_server::{self, Server};
use switchboard_core::profile::Profile;
use switchboard_core::supervisor::Supervisor;

use super::{Cli, runtime};

/// `switchboard serve`'s flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 to listen on; 0 takes any free port (the `listening` line says
    /// which) [default: the port chosen in Settings, else 7823]
    #[arg(long)]
    pub port: Option<u16>,
}

pub fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let profile = Arc::new(cli.profile()?);
    runtime()?.block_on(serve(profile, args.port))
}

async fn serve(profile: Arc<Profile>, port: Option<u16>) -> anyhow::Result<ExitCode> {
    let port = match port {
        Some(port) => port,
        None => ingest_server::configured_port(&profile)
            .context("reading the ingest API's port from the settings")?,
    };
    let server = Server::bind(profile.clone(), port).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening {}", server.url()).context("writing to standard output")?;
        stdout.flush().context("writing to standard output")?;
    }
    if switchboard_core::ingest_token::status(&profile)
        .await
        .is_ok_and(|s| !s.exists)
    {
        eprintln!(
            "No ingest token exists yet, so every request is refused: make one with `switchboard ingest-token --rotate` (it prints it once)."
        );
    }

    // The server is one of the profile's background tasks: shutting the supervisor down stops
    // it accepting, lets the requests in flight be answered, and waits for the delivery
    // worker's and health checks' current steps.
    let supervisor = Supervisor::start(profile.clone());
    supervisor.spawn("ingest API", move |_, shutdown| server.run(shutdown));
    let signal = stop_signal()
        .await
        .context("listening for Ctrl-C and SIGTERM");
    supervisor.shutdown().await;
    profile.shutdown().await;
    signal.map(|()| ExitCode::SUCCESS)
}

/// Waits for Ctrl-C, or SIGTERM where there are signals (a service manager's stop).
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
