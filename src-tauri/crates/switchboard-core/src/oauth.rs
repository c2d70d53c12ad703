//! Connecting with OAuth v2 and PKCE from the desktop (slack-api.md §1.1–1.4).
//!
//! [`begin`] builds Slack's authorize URL with a random single-use `state` and an S256 PKCE
//! challenge (the `oauth2` crate's pieces). [`Callback::bind`] listens on exactly the registered
//! `http://localhost:PORT/callback`; [`Callback::wait`] accepts exactly one callback carrying
//! the right `state` (a wrong path gets 404, a wrong `state` or host gets a refusal page, and
//! the listener keeps waiting), shows a friendly page in the browser, times out, and closes.
//! [`exchange`] trades the code (with the verifier) for a user token, validates it with
//! `auth.test`, and [`record_user_install`] stores the tokens in the keyring first and the
//! workspace second. [`refresh`] rotates a user token: the new refresh token is stored before
//! the old one is discarded.
//!
//! Slack's `oauth.v2.access` answer is not RFC 6749-shaped (a user-scopes-only install has its
//! token under `authed_user`), so the exchange goes through `switchboard-slack`, not `oauth2`'s
//! token client.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl};
use switchboard_slack::api::oauth::{AuthedUser, ClientCredentials, Grant};
use switchboard_slack::{Error as SlackError, SlackClient, Token};
use switchboard_store::rusqlite::Connection;
use switchboard_store::workspaces;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::secrets::{SecretKey, SecretKind, SecretStore};
use crate::slack_app::{self, AppSettings};
use crate::workspaces::Connected;
use crate::{Error, Result};

/// How long the listener waits for the browser before giving up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// PKCE refresh tokens expire after 30 days (slack-api.md §1.3).
pub const REFRESH_TOKEN_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Refresh a rotating token when it has less than this left.
pub const REFRESH_MARGIN_MS: i64 = 30 * 60 * 1000;

/// A started authorization: the URL to open, and what only this process knows.
pub struct Authorization {
    pub url: url::Url,
    pub redirect_url: String,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// The `state` sent to Slack; tests use it to forge a wrong one.
    pub fn state(&self) -> &str {
        self.state.secret()
    }
}

/// Builds the authorize URL for the app in `settings` against `oauth_base`
/// (`https://slack.com/` or an emulator), asking for Switchboard's user scopes.
pub fn begin(
    oauth_base: &url::Url,
    settings: &AppSettings,
    team: Option<&str>,
) -> Result<Authorization> {
    if settings.client_id.trim().is_empty() {
        return Err(Error::InvalidInput(
            "Set your Slack app's client ID in Settings → Slack app first (create the app from the manifest shown there).".to_owned(),
        ));
    }
    if !settings.oauth_enabled {
        return Err(Error::InvalidInput(
            "Connecting with OAuth is turned off in Settings → Slack app.".to_owned(),
        ));
    }
    let auth_url = oauth_base
        .join("oauth/v2/authorize")
        .map_err(|e| Error::InvalidInput(format!("bad Slack OAuth base URL: {e}")))?;
    let redirect_url = settings.redirect_url();
    let client = BasicClient::new(ClientId::new(settings.client_id.trim().to_owned()))
        .set_auth_uri(AuthUrl::from_url(auth_url))
        .set_redirect_uri(
            RedirectUrl::new(redirect_url.clone())
                .map_err(|e| Error::InvalidInput(format!("bad redirect URL: {e}")))?,
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_extra_param("user_scope", slack_app::user_scope_list().join(","));
    if let Some(team) = team {
        request = request.add_extra_param("team", team.to_owned());
    }
    let (url, state) = request.url();
    Ok(Authorization {
        url,
        redirect_url,
        state,
        verifier,
    })
}

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
    #[error("you cancelled the connection in Slack (access_denied); nothing was changed")]
    Denied,
    #[error("Slack reported an error: {0}")]
    Slack(String),
    #[error("connecting was cancelled")]
    Cancelled,
}

/// The loopback listener for one authorization.
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

impl Callback {
    /// Binds `localhost:PORT` on IPv4 and, where the system has it, IPv6 — browsers resolve
    /// `localhost` to either. Nothing else is bound.
    pub async fn bind(port: u16) -> Result<Callback, CallbackError> {
        let v4 =
            TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| CallbackError::PortInUse {
                    port,
                    detail: e.to_string(),
                })?;
        let mut listeners = vec![v4];
        if let Ok(v6) = TcpListener::bind(("::1", port)).await {
            listeners.push(v6);
        }
        Ok(Callback { listeners, port })
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
        loop {
            let stream = tokio::select! {
                () = cancel.cancelled() => return Err(CallbackError::Cancelled),
                () = tokio::time::sleep_until(deadline) => return Err(CallbackError::TimedOut(timeout.as_secs())),
                accepted = self.accept() => match accepted {
                    Ok(stream) => stream,
                    Err(_) => continue,
                },
            };
            let Some((mut stream, arrival)) = self.read_request(stream, authorization).await else {
                continue;
            };
            let (status, title, body, outcome) = match arrival {
                Arrival::Code(code) => (
                    "200 OK",
                    "Connected to Slack",
                    "Switchboard received Slack's answer and is finishing the connection. You can close this tab and return to Switchboard.",
                    Some(Ok(code)),
                ),
                Arrival::Error(error) if error == "access_denied" => (
                    "200 OK",
                    "Not connected",
                    "You cancelled in Slack, so nothing was connected. Return to Switchboard to try again.",
                    Some(Err(CallbackError::Denied)),
                ),
                Arrival::Error(error) => (
                    "200 OK",
                    "Not connected",
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
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
    }

    async fn read_request(
        &self,
        mut stream: TcpStream,
        authorization: &Authorization,
    ) -> Option<(TcpStream, Arrival)> {
        let mut buffer = Vec::with_capacity(2048);
        let mut chunk = [0u8; 2048];
        // A browser sends the head at once; a silent or oversized client is dropped.
        let read = tokio::time::timeout(Duration::from_secs(10), async {
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
        let head = String::from_utf8_lossy(&buffer);
        let arrival = classify(&head, self.port, authorization.state.secret());
        Some((stream, arrival))
    }
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

/// What Slack granted through OAuth: a user token acting as the person who connected.
#[derive(Debug, Clone)]
pub struct UserInstall {
    pub token: Token,
    pub refresh_token: Option<Token>,
    pub expires_in: Option<i64>,
    pub team_id: String,
    pub name: String,
    pub domain: String,
    pub icon_url: Option<String>,
    pub authed_user_id: String,
    pub scopes: Vec<String>,
}

fn oauth_error(error: SlackError) -> Error {
    let message = match error.code() {
        Some("invalid_code") => {
            "Slack refused the sign-in code: it was already used or has expired. Start connecting again."
        }
        Some("bad_redirect_uri") => {
            "Slack says the redirect URL does not match the app's: register exactly the redirect URL shown in Settings → Slack app."
        }
        Some("invalid_client_id") => {
            "Slack does not know this client ID; copy it again from your app's Basic Information page into Settings → Slack app."
        }
        Some("invalid_code_verifier" | "invalid_code_challenge") => {
            "Slack refused the PKCE proof; turn on PKCE in your app's OAuth & Permissions page and start again."
        }
        Some("invalid_refresh_token") => {
            "Slack no longer accepts the saved sign-in (refresh tokens of desktop apps expire after 30 days). Reconnect the workspace."
        }
        _ => return Error::Slack(error),
    };
    Error::InvalidInput(message.to_owned())
}

/// Exchanges the code for tokens and validates them with `auth.test` and `team.info`.
pub async fn exchange(
    client: &SlackClient,
    settings: &AppSettings,
    authorization: Authorization,
    code: &str,
) -> Result<UserInstall> {
    let credentials = ClientCredentials {
        client_id: settings.client_id.trim().to_owned(),
        client_secret: None,
    };
    let access = client
        .oauth_v2_access(
            &credentials,
            &Grant::AuthorizationCode {
                code: code.to_owned(),
                redirect_uri: Some(authorization.redirect_url.clone()),
                code_verifier: Some(authorization.verifier.secret().clone()),
            },
        )
        .await
        .map_err(oauth_error)?
        .into_inner();
    let Some(user) = access.authed_user else {
        return Err(Error::InvalidInput(
            "Slack granted no user token; make sure the app requests the user scopes of the manifest.".to_owned(),
        ));
    };
    let Some(token) = user.access_token else {
        return Err(Error::InvalidInput(
            "Slack granted no user token; make sure the app requests the user scopes of the manifest.".to_owned(),
        ));
    };
    let identity = client.auth_test(&token).await?;
    let scopes = identity
        .scopes
        .clone()
        .or_else(|| {
            user.scope
                .as_ref()
                .map(|s| s.split(',').map(str::to_owned).collect())
        })
        .unwrap_or_default();
    let team = crate::workspaces::team_facts(client, &token, &identity).await?;
    Ok(UserInstall {
        team_id: identity.team_id.to_string(),
        name: team.name,
        domain: team.domain,
        icon_url: team.icon_url,
        authed_user_id: identity.user_id.to_string(),
        scopes,
        refresh_token: user.refresh_token,
        expires_in: user.expires_in,
        token,
    })
}

/// Stores the user token (and refresh token) in `secrets`, then records the workspace and an
/// audit entry in one transaction. A keyring failure writes nothing to the database.
pub fn record_user_install(
    conn: &mut Connection,
    secrets: &dyn SecretStore,
    install: &UserInstall,
    actor: &str,
    is_demo: bool,
    now_ms: i64,
) -> Result<Connected> {
    let team = &install.team_id;
    if let Some(refresh) = &install.refresh_token {
        secrets.put(
            &SecretKey::workspace(SecretKind::RefreshToken, team),
            refresh.expose(),
        )?;
    } else {
        secrets.delete(&SecretKey::workspace(SecretKind::RefreshToken, team))?;
    }
    secrets.put(
        &SecretKey::workspace(SecretKind::UserToken, team),
        install.token.expose(),
    )?;
    let rotates = install.refresh_token.is_some();
    let tx = conn.transaction()?;
    let reconnect = !workspaces::record_user_connection(
        &tx,
        &workspaces::UserConnection {
            team_id: team,
            name: &install.name,
            domain: &install.domain,
            icon_url: install.icon_url.as_deref(),
            authed_user_id: &install.authed_user_id,
            user_scopes: &install.scopes,
            rotates,
            token_expires_at: install.expires_in.map(|s| now_ms + s * 1000),
            refresh_expires_at: rotates.then_some(now_ms + REFRESH_TOKEN_LIFETIME_MS),
            connected_by: actor,
            is_demo,
        },
        now_ms,
    )?;
    crate::workspaces::audit_connection(
        &tx,
        actor,
        now_ms,
        reconnect,
        &format!("{} ({team})", install.name),
        &format!(
            "user token of {}{}, scopes {}",
            install.authed_user_id,
            if rotates { " (rotating)" } else { "" },
            install.scopes.join(",")
        ),
    )?;
    tx.commit()?;
    Ok(Connected {
        team_id: team.clone(),
        name: install.name.clone(),
        reconnect,
    })
}

/// A refreshed user token.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub token: Token,
    pub token_expires_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
}

/// Rotates the user token of `team_id`. The new refresh token is in the keyring before
/// anything else changes; the old one is revoked by Slack on use, so a crash between the two
/// writes leaves a working refresh token, never none. The caller records the new expiry times.
pub async fn refresh(
    client: &SlackClient,
    secrets: &dyn SecretStore,
    client_id: &str,
    team_id: &str,
    now_ms: i64,
) -> Result<Refreshed> {
    let refresh_key = SecretKey::workspace(SecretKind::RefreshToken, team_id);
    let Some(refresh_token) = secrets.get(&refresh_key)? else {
        return Err(Error::InvalidInput(
            "There is no saved refresh token for this workspace; reconnect it.".to_owned(),
        ));
    };
    let access = client
        .oauth_v2_access(
            &ClientCredentials {
                client_id: client_id.to_owned(),
                client_secret: None,
            },
            &Grant::RefreshToken(refresh_token.into_token()),
        )
        .await
        .map_err(oauth_error)?
        .into_inner();
    // A user-token refresh answers at the top level; accept `authed_user` as well.
    let (token, new_refresh, expires_in) = match (access.access_token, access.authed_user) {
        (Some(token), _) => (token, access.refresh_token, access.expires_in),
        (
            None,
            Some(AuthedUser {
                access_token: Some(token),
                refresh_token,
                expires_in,
                ..
            }),
        ) => (token, refresh_token, expires_in),
        _ => {
            return Err(Error::InvalidInput(
                "Slack's refresh answer held no token; reconnect the workspace.".to_owned(),
            ));
        }
    };
    if let Some(new_refresh) = &new_refresh {
        secrets.put(&refresh_key, new_refresh.expose())?;
    }
    secrets.put(
        &SecretKey::workspace(SecretKind::UserToken, team_id),
        token.expose(),
    )?;
    Ok(Refreshed {
        token,
        token_expires_at: expires_in.map(|s| now_ms + s * 1000),
        refresh_expires_at: new_refresh
            .is_some()
            .then_some(now_ms + REFRESH_TOKEN_LIFETIME_MS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_carries_pkce_state_and_user_scopes_only() {
        let settings = AppSettings {
            client_id: "1.2".into(),
            redirect_port: 9999,
            ..AppSettings::default()
        };
        let base = url::Url::parse("https://slack.com/").unwrap();
        let a = begin(&base, &settings, Some("T1")).unwrap();
        let b = begin(&base, &settings, None).unwrap();
        assert_ne!(a.state(), b.state(), "state is random per authorization");
        let q: std::collections::HashMap<_, _> = a.url.query_pairs().into_owned().collect();
        assert_eq!(a.url.path(), "/oauth/v2/authorize");
        assert_eq!(q["client_id"], "1.2");
        assert_eq!(q["redirect_uri"], "http://localhost:9999/callback");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], a.state());
        assert_eq!(q["team"], "T1");
        assert!(q["user_scope"].contains("chat:write"));
        assert!(
            !q.contains_key("scope"),
            "desktop redirects get no bot scopes"
        );
        let no_id = AppSettings::default();
        assert!(
            matches!(begin(&base, &no_id, None), Err(Error::InvalidInput(m)) if m.contains("client ID"))
        );
    }

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
