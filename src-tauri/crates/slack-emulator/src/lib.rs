//! A Slack Web API emulator on loopback, faithful enough that Slack's SDKs cannot tell it from
//! Slack, for Switchboard's tests and its demo workspace.
//!
//! A tour:
//! - [`Emulator`] binds a port and owns the server task and its shutdown signal.
//! - `api`: `/api/<method>` — parsing (`request`), faults, rate limits (`ratelimit`),
//!   authentication and the methods (`methods/`), answered the way Slack answers.
//! - `authorize`: the OAuth consent pages, a real HTML form.
//! - `control`: `/_emulator/…` endpoints for tests and scripts.
//! - `socket`: Socket Mode (`apps.connections.open`, the WebSocket, envelopes, acks and
//!   retries) and the control endpoints that act as a Slack user.
//! - `state` is the world; [`seed`] builds the demo and large worlds.

mod api;
mod authorize;
mod control;
mod methods;
mod ratelimit;
mod request;
pub mod seed;
mod socket;
mod state;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{any, get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod process;
pub use seed::{SEEDED_CLIENT_ID, SEEDED_CLIENT_SECRET, Seed};

/// How an emulator starts.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: Seed,
    /// Redirect URLs the seeded app accepts.
    pub redirect_urls: Vec<String>,
    /// Slack's rate limits; off for speed tests.
    pub rate_limits: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: Seed::Demo,
            redirect_urls: vec!["http://localhost:8765/callback".to_owned()],
            rate_limits: true,
        }
    }
}

/// State shared by every handler.
#[derive(Debug)]
pub(crate) struct Shared {
    world: Mutex<state::World>,
    limiter: Mutex<ratelimit::RateLimiter>,
    installed: Mutex<seed::Installed>,
    rate_limits: AtomicBool,
    config: Config,
    /// Socket Mode's connections and envelopes awaiting acks.
    socket: Mutex<socket::Hub>,
    /// Woken whenever a Socket Mode connection opens.
    socket_opened: tokio::sync::Notify,
}

impl Shared {
    fn new(config: Config) -> Shared {
        let (world, installed) = seed::build(&config.seed, &config.redirect_urls);
        Shared {
            world: Mutex::new(world),
            limiter: Mutex::new(ratelimit::RateLimiter::default()),
            installed: Mutex::new(installed),
            rate_limits: AtomicBool::new(config.rate_limits),
            config,
            socket: Mutex::new(socket::Hub::default()),
            socket_opened: tokio::sync::Notify::new(),
        }
    }

    /// The world. A handler that panicked cannot have left it half-changed in a way that
    /// matters to a test double, so a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reset(&self) {
        let (world, installed) = seed::build(&self.config.seed, &self.config.redirect_urls);
        *self.lock() = world;
        *self.installed.lock().unwrap_or_else(|p| p.into_inner()) = installed;
        self.limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.rate_limits
            .store(self.config.rate_limits, Ordering::Relaxed);
        socket::hub(self).clear();
    }

    fn rate_limits_enabled(&self) -> bool {
        self.rate_limits.load(Ordering::Relaxed)
    }

    fn set_rate_limits(&self, enabled: bool) {
        self.rate_limits.store(enabled, Ordering::Relaxed);
    }
}

fn router(shared: Arc<Shared>) -> Router {
    use axum::routing::delete;
    Router::new()
        .route("/api/{method}", any(api::dispatch))
        .route(
            "/oauth/v2/authorize",
            get(authorize::oauth_get).post(authorize::oauth_post),
        )
        .route(
            "/openid/connect/authorize",
            get(authorize::openid_get).post(authorize::openid_post),
        )
        .route("/link/", get(socket::link))
        .route(
            "/_emulator/socket/slash-command",
            post(socket::slash_command),
        )
        .route("/_emulator/socket/block-action", post(socket::block_action))
        .route("/_emulator/socket/dm", post(socket::dm))
        .route("/_emulator/socket/drop", post(socket::drop_sockets))
        .route(
            "/_emulator/socket/view-submission",
            post(socket::view_submission),
        )
        .route("/_emulator/views", get(socket::views))
        .route("/_emulator/socket/responses", get(socket::responses))
        .route("/_emulator/hooks/{*path}", post(socket::hook))
        .route("/_emulator/workspaces", get(control::workspaces))
        .route("/_emulator/messages", get(control::messages))
        .route("/_emulator/channels/update", post(control::update_channel))
        .route("/_emulator/users", post(control::user))
        .route("/_emulator/browser", post(control::browser))
        .route("/_emulator/tokens/revoke", post(control::revoke_token))
        .route("/_emulator/tokens/expire", post(control::expire_token))
        .route("/_emulator/apps", post(control::register_app))
        .route("/_emulator/apps/uninstall", post(control::uninstall))
        .route("/_emulator/apps/install", post(control::install))
        .route(
            "/_emulator/faults",
            post(control::add_fault).merge(delete(control::clear_faults)),
        )
        .route("/_emulator/stats", get(control::stats))
        .route("/_emulator/reset", post(control::reset))
        .route("/_emulator/clock", post(control::clock))
        .route("/_emulator/rate-limits", post(control::rate_limits))
        .with_state(shared)
}

/// A running emulator. Dropping it without [`Emulator::shutdown`] stops the server as well.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Emulator {
    /// Binds `addr` with the default configuration (demo seed, rate limits on).
    pub async fn start(addr: SocketAddr) -> std::io::Result<Emulator> {
        Emulator::start_with(addr, Config::default()).await
    }

    /// Binds `addr` and starts serving `config` on the current Tokio runtime.
    pub async fn start_with(addr: SocketAddr, config: Config) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let shared = Arc::new(Shared::new(config));
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // Either an explicit shutdown or the handle being dropped stops the server.
                    let _ = stop.await;
                })
                .await
        });
        Ok(Emulator {
            addr,
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What `GET /_emulator/workspaces` answers (team ids, names, the seeded bot and admin
    /// tokens), read in-process: `value["workspaces"][i]["bot_token"]`.
    pub fn workspaces(&self) -> serde_json::Value {
        control::seeded_workspaces(&self.shared)
    }

    /// The Web API base a client is given, e.g. `http://127.0.0.1:41234/api/`.
    pub fn api_base(&self) -> String {
        format!("{}/api/", self.base_url())
    }

    /// Stops accepting, finishes in-flight requests and waits for the server task.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
