//! Connecting with OAuth v2 and PKCE from the desktop (slack-api.md §1.1–1.4).
//!
//! [`begin`] builds Slack's authorize URL with a random single-use `state` and an S256 PKCE
//! challenge (the `oauth2` crate's pieces). [`Callback::bind`] listens on exactly the registered
//! `http://localhost:PORT/callback`; [`Callback::wait`] accepts exactly one callback carrying
//! the right `state` (a wrong path gets 404, a wrong `state` or host gets a refusal page, and
//! the listener keeps waiting), shows a friendly page in the browser, times out, and closes.
//! [`exchange`] trades the code (with the verifier) for a user token and validates it with
//! `auth.test`. [`connect`] is the whole user action — settings, the listener, the browser
//! (the front door passes in only how to open a URL), the exchange, the check that a reconnect
//! picked the same workspace, the keyring first and the workspace second, the audit entry and
//! the change event. Token refresh is in [`crate::tokens`].
//!
//! Slack's `oauth.v2.access` answer is not RFC 6749-shaped (a user-scopes-only install has its
//! token under `authed_user`), so the exchange goes through `switchboard-slack`, not `oauth2`'s
//! token client.

mod loopback;
mod sign_in;

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use switchboard_slack::api::oauth::{ClientCredentials, Grant};
use switchboard_slack::{Error as SlackError, SlackClient, Token};
use switchboard_store::workspaces;
use tokio_util::sync::CancellationToken;

pub use loopback::{Callback, CallbackError};
pub use sign_in::{SignedIn, link_member_by_sign_in};

use crate::profile::{Profile, lock};
use crate::secrets::SecretKind;
use crate::slack_app::{self, AppSettings};
use crate::tokens::REFRESH_TOKEN_LIFETIME_MS;
use crate::workspaces::Connected;
use crate::{Error, Result};

/// How long the listener waits for the browser before giving up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A started authorization: the URL to open, and what only this process knows.
pub struct Authorization {
    pub url: url::Url,
    pub redirect_url: String,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    /// Sign in with Slack only: the nonce the ID token must carry back.
    nonce: Option<String>,
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

    /// Whether this is Sign in with Slack (it carries a nonce) rather than an install.
    pub fn is_sign_in(&self) -> bool {
        self.nonce.is_some()
    }
}

/// Which of Slack's two authorize pages a flow goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// `oauth/v2/authorize`: install the app for the person, asking Switchboard's user scopes.
    Install,
    /// `openid/connect/authorize`: Sign in with Slack, asking only who the person is.
    SignIn,
}

/// Builds the authorize URL for the app in `settings` against `oauth_base`
/// (`https://slack.com/` or an emulator), asking for Switchboard's user scopes.
pub fn begin(
    oauth_base: &url::Url,
    settings: &AppSettings,
    team: Option<&str>,
) -> Result<Authorization> {
    if !settings.oauth_enabled {
        return Err(Error::invalid(
            "oauth_enabled",
            "Connecting with OAuth is turned off in Settings → Slack app.",
        ));
    }
    authorize(oauth_base, settings, team, Flow::Install)
}

/// Builds the Sign in with Slack URL (OpenID Connect: `openid email profile`, a random
/// `nonce` the ID token must carry back, PKCE and `state` as for [`begin`]).
pub fn begin_sign_in(
    oauth_base: &url::Url,
    settings: &AppSettings,
    team: Option<&str>,
) -> Result<Authorization> {
    authorize(oauth_base, settings, team, Flow::SignIn)
}

fn authorize(
    oauth_base: &url::Url,
    settings: &AppSettings,
    team: Option<&str>,
    flow: Flow,
) -> Result<Authorization> {
    if settings.client_id.trim().is_empty() {
        return Err(Error::invalid(
            "client_id",
            "Set your Slack app's client ID in Settings → Slack app first (create the app from the manifest shown there).".to_owned(),
        ));
    }
    let path = match flow {
        Flow::Install => "oauth/v2/authorize",
        Flow::SignIn => "openid/connect/authorize",
    };
    let auth_url = oauth_base.join(path).map_err(|e| {
        Error::invalid("slack_oauth_base", format!("bad Slack OAuth base URL: {e}"))
    })?;
    let redirect_url = settings.redirect_url();
    let client = BasicClient::new(ClientId::new(settings.client_id.trim().to_owned()))
        .set_auth_uri(AuthUrl::from_url(auth_url))
        .set_redirect_uri(
            RedirectUrl::new(redirect_url.clone())
                .map_err(|e| Error::invalid("redirect_port", format!("bad redirect URL: {e}")))?,
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    let nonce = match flow {
        Flow::Install => {
            request = request.add_extra_param("user_scope", slack_app::user_scope_list().join(","));
            None
        }
        Flow::SignIn => {
            let nonce = CsrfToken::new_random().secret().clone();
            request = request
                .add_scopes(["openid", "email", "profile"].map(|s| Scope::new(s.to_owned())))
                .add_extra_param("nonce", nonce.clone());
            Some(nonce)
        }
    };
    if let Some(team) = team {
        request = request.add_extra_param("team", team.to_owned());
    }
    let (url, state) = request.url();
    Ok(Authorization {
        url,
        redirect_url,
        state,
        verifier,
        nonce,
    })
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
            "Slack refused the sign-in code: it was already used or has expired. Start again from Switchboard."
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
        _ => return error.into(),
    };
    Error::invalid("code", message)
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
    let no_user_token = || {
        Error::invalid(
            "code",
            "Slack granted no user token; make sure the app requests the user scopes of the manifest.",
        )
    };
    let user = access.authed_user.ok_or_else(no_user_token)?;
    let token = user.access_token.ok_or_else(no_user_token)?;
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

/// Connects (or reconnects) a workspace with OAuth and PKCE: the whole user action, the same
/// for every front door. `team` is the workspace being reconnected (pre-selected on Slack's
/// page); `open` shows the authorize URL to the person (the system browser). Waits up to
/// [`DEFAULT_TIMEOUT`] for the redirect; [`cancel`] or shutting the profile down stops it.
pub async fn connect(
    profile: &Profile,
    team: Option<&str>,
    open: &(dyn Fn(&str) -> Result<()> + Send + Sync),
) -> Result<Connected> {
    let settings = profile.db()?.read(slack_app::load)?;
    let reconnecting = match team {
        Some(team) => Some(crate::tokens::workspace(profile, team)?),
        None => None,
    };
    let authorization = begin(&profile.endpoints.oauth_base, &settings, team)?;
    let code = await_code(profile, &settings, &authorization, open).await?;
    let install = exchange(profile.slack()?, &settings, authorization, &code).await?;
    if let Some(ws) = reconnecting
        && ws.team_id != install.team_id
    {
        // The person picked another workspace on Slack's page: nothing of it is kept.
        if let Err(error) = profile.slack()?.auth_revoke(&install.token, false).await {
            tracing::warn!("revoking the token of the wrong workspace: {error}");
        }
        return Err(Error::invalid(
            "team",
            format!(
                "You chose {} on Slack's page, but you are reconnecting {}. Nothing was changed; reconnect again and choose {} (top right of Slack's page).",
                install.name, ws.name, ws.name
            ),
        ));
    }
    record_user_install(profile, &install).await
}

/// Opens `authorization` in the browser (through `open`) and waits for its one redirect on the
/// loopback listener: the listener reserved in advance if it is on the settings' port, else
/// one bound now. One flow waits at a time: starting another cancels it, as does [`cancel`].
async fn await_code(
    profile: &Profile,
    settings: &AppSettings,
    authorization: &Authorization,
    open: &(dyn Fn(&str) -> Result<()> + Send + Sync),
) -> Result<String> {
    // A flow still waiting is stopped first: its listener holds the port until it has ended.
    let cancel = profile.lifetime.child_token();
    let replaced = lock(&profile.oauth).replace(cancel.clone());
    if let Some(previous) = &replaced {
        previous.cancel();
    }
    let reserved = lock(&profile.reserved_callback)
        .take()
        .filter(|c| c.port() == settings.redirect_port);
    let callback = match reserved {
        Some(callback) => Ok(callback),
        None => bind_when_free(settings.redirect_port, replaced.is_some()).await,
    };
    let callback = match callback {
        Ok(callback) => callback,
        Err(error) => {
            forget_flow(profile, &cancel);
            return Err(error.into());
        }
    };
    let code = match open(authorization.url.as_str()) {
        Ok(()) => callback.wait(authorization, DEFAULT_TIMEOUT, &cancel).await,
        Err(error) => {
            forget_flow(profile, &cancel);
            return Err(error);
        }
    };
    forget_flow(profile, &cancel);
    Ok(code?)
}

/// Binds the listener; when a flow was just stopped, waits up to a second for it to let go.
async fn bind_when_free(
    port: u16,
    replacing: bool,
) -> std::result::Result<Callback, CallbackError> {
    let mut tries = if replacing { 20 } else { 1 };
    loop {
        match Callback::bind(port).await {
            Err(CallbackError::PortInUse { .. }) if tries > 1 => {
                tries -= 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// This flow is over: forget its cancel handle unless a newer flow replaced it.
fn forget_flow(profile: &Profile, cancel: &CancellationToken) {
    let mut current = lock(&profile.oauth);
    if current
        .as_ref()
        .is_some_and(|c| c.is_cancelled() || !cancel.is_cancelled())
    {
        *current = None;
    }
}

/// Stops waiting for the OAuth redirect.
pub fn cancel(profile: &Profile) {
    if let Some(flow) = lock(&profile.oauth).take() {
        flow.cancel();
    }
}

/// Stores the user token (and refresh token) in the keyring, then records the workspace
/// (see [`crate::workspaces::record_connection`]).
async fn record_user_install(profile: &Profile, install: &UserInstall) -> Result<Connected> {
    let rotates = install.refresh_token.is_some();
    let how = format!(
        "user token of {}{}, scopes {}",
        install.authed_user_id,
        if rotates { " (rotating)" } else { "" },
        install.scopes.join(",")
    );
    crate::workspaces::record_connection(
        profile,
        &install.team_id,
        &install.name,
        vec![
            (
                SecretKind::RefreshToken,
                install
                    .refresh_token
                    .as_ref()
                    .map(|t| t.expose().to_owned()),
            ),
            (
                SecretKind::UserToken,
                Some(install.token.expose().to_owned()),
            ),
        ],
        &how,
        |tx, actor, now_ms| {
            workspaces::record_user_connection(
                tx,
                &workspaces::UserConnection {
                    team_id: &install.team_id,
                    name: &install.name,
                    domain: &install.domain,
                    icon_url: install.icon_url.as_deref(),
                    authed_user_id: &install.authed_user_id,
                    user_scopes: &install.scopes,
                    rotates,
                    token_expires_at: install.expires_in.map(|s| now_ms + s * 1000),
                    refresh_expires_at: rotates.then_some(now_ms + REFRESH_TOKEN_LIFETIME_MS),
                    connected_by: actor,
                    is_demo: profile.is_demo(),
                },
                now_ms,
            )
        },
    )
    .await
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
            matches!(begin(&base, &no_id, None), Err(Error::InvalidInput { field: "client_id", message }) if message.contains("client ID"))
        );
    }
}
