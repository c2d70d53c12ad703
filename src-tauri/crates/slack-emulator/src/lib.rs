//! A Slack Web API emulator on loopback.
//!
//! It answers `/api/<method>` the way Slack does: always `application/json; charset=utf-8`,
//! HTTP 200 with `{"ok":false,"error":…}` for platform errors. [`Emulator::start`] binds a
//! port (`127.0.0.1:0` by default) and returns a handle that owns the server task and its
//! shutdown signal.

mod api;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running emulator. Dropping it without [`Emulator::shutdown`] stops the server as well.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Emulator {
    /// Binds `addr` and starts serving on the current Tokio runtime.
    pub async fn start(addr: SocketAddr) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let app = api::router();
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
