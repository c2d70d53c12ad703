//! The loopback listener of the OAuth redirect: binds exactly `localhost:PORT` (127.0.0.1 and,
//! where the system has it, ::1), accepts one `GET /callback` whose `Host` is `localhost:PORT`
//! and whose `state` matches (compared in constant time), answers every request with a small
//! page, and closes after the valid callback, a timeout or a cancel.
//!
//! Connections are served concurrently: a browser opens speculative connections it may never
//! use (or a tab sends a slow request), and one silent connection must not delay the real
//! callback behind it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Authorization;

/// Why no code came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error(
        "the redirect port {port} is in use by another program ({detail}); close it, or choose another port in Settings → Slack app and register the same one in your Slack app"
    )]
    PortInUse { port: u16, detail: String },
    #[error(
        "Slack did not redirect back within {0} seconds; start again and finish in the browser"
    )]
    TimedOut(u64),
    #[error("you cancelled in Slack (access_denied); nothing was changed")]
    Denied,
    #[error("Slack reported an error: {0}")]
    Slack(String),
    #[error("cancelled before Slack answered; nothing was changed")]
    Cancelled,
}

/// The loopback listener for one authorization.
#[derive(Debug)]
pub struct Callback {
    listeners: Vec<TcpListener>,
    port: u16,
}

/// What a request to the listener was.
#[derive(Debug, PartialEq, Eq)]
enum Arrival {
    Code(String),
    Error(String),
    WrongState,
    WrongHost,
    NotCallback,
}

/// How long one connection may take to send its request head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl Callback {
    /// Binds `localhost:PORT` on IPv4 and, where the system has it, IPv6 — browsers resolve
    /// `localhost` to either. Nothing else is bound. Port 0 takes a free port and keeps it
    /// (see [`Callback::port`]), so nothing can take it between choosing and using it.
    pub async fn bind(port: u16) -> Result<Callback, CallbackError> {
        let v4 =
            TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| CallbackError::PortInUse {
                    port,
                    detail: e.to_string(),
                })?;
        let port = v4
            .local_addr()
            .map_err(|e| CallbackError::PortInUse {
                port,
                detail: e.to_string(),
            })?
            .port();
        let mut listeners = vec![v4];
        if let Ok(v6) = TcpListener::bind(("::1", port)).await {
            listeners.push(v6);
        }
        Ok(Callback { listeners, port })
    }

    /// The port bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    async fn accept(&self) -> std::io::Result<TcpStream> {
        match self.listeners.as_slice() {
            [v4] => v4.accept().await.map(|(s, _)| s),
            [v4, v6, ..] => tokio::select! {
                r = v4.accept() => r.map(|(s, _)| s),
                r = v6.accept() => r.map(|(s, _)| s),
            },
            [] => std::future::pending().await,
        }
    }

    /// Waits for the one callback of `authorization`, answering every request with a page;
    /// returns the code. The listener closes when this returns.
    pub async fn wait(
        self,
        authorization: &Authorization,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<String, CallbackError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let state = authorization.state().to_owned();
        let sign_in = authorization.is_sign_in();
        let mut connections: JoinSet<Option<Result<String, CallbackError>>> = JoinSet::new();
        loop {
            tokio::select! {
                () = cancel.cancelled() => return Err(CallbackError::Cancelled),
                () = tokio::time::sleep_until(deadline) => return Err(CallbackError::TimedOut(timeout.as_secs())),
                accepted = self.accept() => {
                    if let Ok(stream) = accepted {
                        connections.spawn(serve(stream, self.port, state.clone(), sign_in));
                    }
                }
                Some(Ok(Some(outcome))) = connections.join_next(), if !connections.is_empty() => {
                    return outcome;
                }
            }
        }
    }
}

/// Reads one request, answers it, and says whether it ended the flow.
async fn serve(
    mut stream: TcpStream,
    port: u16,
    state: String,
    sign_in: bool,
) -> Option<Result<String, CallbackError>> {
    let arrival = read_request(&mut stream, port, &state).await?;
    let not_done = if sign_in {
        "Not signed in"
    } else {
        "Not connected"
    };
    let (status, title, body, outcome) = match arrival {
        Arrival::Code(code) if sign_in => (
            "200 OK",
            "Signed in with Slack",
            "Switchboard received your Slack identity. Return to Switchboard to see whether you are linked; you can close this tab.",
            Some(Ok(code)),
        ),
        Arrival::Code(code) => (
            "200 OK",
            "Connected to Slack",
            "Switchboard received Slack's answer and is finishing the connection. You can close this tab and return to Switchboard.",
            Some(Ok(code)),
        ),
        Arrival::Error(error) if error == "access_denied" => (
            "200 OK",
            not_done,
            if sign_in {
                "You cancelled in Slack, so nobody was linked. Return to Switchboard to try again."
            } else {
                "You cancelled in Slack, so nothing was connected. Return to Switchboard to try again."
            },
            Some(Err(CallbackError::Denied)),
        ),
        Arrival::Error(error) => (
            "200 OK",
            not_done,
            "Slack reported an error. Return to Switchboard for details.",
            Some(Err(CallbackError::Slack(error))),
        ),
        Arrival::WrongState => (
            "400 Bad Request",
            "This link is not from Switchboard",
            "This sign-in answer does not belong to the connection Switchboard started (its state does not match), so it was ignored. Start connecting again from Switchboard.",
            None,
        ),
        Arrival::WrongHost => (
            "400 Bad Request",
            "Wrong address",
            "Switchboard only accepts Slack's redirect at the exact registered address (http://localhost:PORT/callback).",
            None,
        ),
        Arrival::NotCallback => ("404 Not Found", "Not found", "Nothing here.", None),
    };
    let page = page(title, body);
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    outcome
}

/// The request head, classified; `None` for a client that sends nothing, too much, or too
/// slowly (it is dropped).
async fn read_request(stream: &mut TcpStream, port: u16, state: &str) -> Option<Arrival> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    let read = tokio::time::timeout(REQUEST_TIMEOUT, async {
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
            if buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                return Some(());
            }
            if buffer.len() > 16 * 1024 {
                return None;
            }
        }
    })
    .await;
    if !matches!(read, Ok(Some(()))) {
        return None;
    }
    Some(classify(&String::from_utf8_lossy(&buffer), port, state))
}

fn classify(head: &str, port: u16, state: &str) -> Arrival {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let host = lines
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("host").then(|| value.trim())
        })
        .unwrap_or("");
    let Ok(url) = url::Url::parse(&format!("http://localhost{target}")) else {
        return Arrival::NotCallback;
    };
    if method != "GET" || url.path() != "/callback" {
        return Arrival::NotCallback;
    }
    if host != format!("localhost:{port}") {
        return Arrival::WrongHost;
    }
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    // Compare in constant time: the state is a secret.
    let given = query.get("state").map(String::as_bytes).unwrap_or_default();
    let expected = state.as_bytes();
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Arrival::WrongState;
    }
    match (query.get("code"), query.get("error")) {
        (_, Some(error)) => Arrival::Error(error.clone()),
        (Some(code), None) if !code.is_empty() => Arrival::Code(code.clone()),
        _ => Arrival::Error("missing_code".to_owned()),
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · Switchboard</title>\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <style>body{{font:16px system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0;color:#1f2937;background:#f8fafc}}\
         main{{max-width:32rem;padding:2rem;border-radius:12px;background:#fff;box-shadow:0 1px 4px #0002}}h1{{font-size:1.3rem}}\
         @media (prefers-color-scheme:dark){{body{{background:#0f172a;color:#e2e8f0}}main{{background:#1e293b}}}}</style></head>\
         <body><main><h1>{title}</h1><p>{body}</p></main></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_callback_with_the_right_state_is_accepted() {
        let head =
            |target: &str, host: &str| format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let ok = classify(
            &head("/callback?code=abc&state=s1", "localhost:8765"),
            8765,
            "s1",
        );
        assert_eq!(ok, Arrival::Code("abc".into()));
        assert_eq!(
            classify(
                &head("/callback?code=abc&state=s2", "localhost:8765"),
                8765,
                "s1"
            ),
            Arrival::WrongState
        );
        assert_eq!(
            classify(&head("/callback?code=abc", "localhost:8765"), 8765, "s1"),
            Arrival::WrongState
        );
        assert_eq!(
            classify(
                &head("/callback?code=abc&state=s1", "127.0.0.1:8765"),
                8765,
                "s1"
            ),
            Arrival::WrongHost
        );
        assert_eq!(
            classify(&head("/favicon.ico", "localhost:8765"), 8765, "s1"),
            Arrival::NotCallback
        );
        assert_eq!(
            classify(&head("/callback/x?state=s1", "localhost:8765"), 8765, "s1"),
            Arrival::NotCallback
        );
        assert_eq!(
            classify(
                &head("/callback?error=access_denied&state=s1", "localhost:8765"),
                8765,
                "s1"
            ),
            Arrival::Error("access_denied".into())
        );
    }
}
