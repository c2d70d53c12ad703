//! OAuth v2 token exchange (`oauth.v2.access`: authorization code with optional PKCE, refresh)
//! and Sign in with Slack (`openid.connect.token`, `openid.connect.userInfo`). Client
//! credentials go in HTTP Basic when there is a secret, as Slack recommends.

use serde::{Deserialize, Serialize};

use crate::client::{Credentials, Response, SlackClient};
use crate::error::Result;
use crate::ids::{TeamId, UserId};
use crate::method;
use crate::token::{ClientSecret, Token};

/// The app asking: its client id, and its secret unless it is a PKCE public client.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Option<ClientSecret>,
}

/// What is exchanged for tokens.
#[derive(Debug, Clone)]
pub enum Grant {
    /// A code from the authorize redirect; `redirect_uri` exactly as sent there; the PKCE
    /// verifier whose S256 challenge was sent there.
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
    },
    /// A refresh token of a rotating installation; the answer carries a new one, and the old
    /// one stops working.
    RefreshToken(Token),
}

#[derive(Serialize)]
struct GrantArgs<'a> {
    grant_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

impl<'a> GrantArgs<'a> {
    fn from(grant: &'a Grant) -> Self {
        match grant {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => GrantArgs {
                grant_type: "authorization_code",
                code: Some(code),
                redirect_uri: redirect_uri.as_deref(),
                code_verifier: code_verifier.as_deref(),
                refresh_token: None,
            },
            Grant::RefreshToken(token) => GrantArgs {
                grant_type: "refresh_token",
                code: None,
                redirect_uri: None,
                code_verifier: None,
                refresh_token: Some(token.expose()),
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TeamRef {
    pub id: TeamId,
    pub name: Option<String>,
}

/// The user part of an installation (the token acts as this person).
#[derive(Debug, Clone, Deserialize)]
pub struct AuthedUser {
    pub id: UserId,
    pub scope: Option<String>,
    #[serde(default, deserialize_with = "crate::token::optional_token")]
    pub access_token: Option<Token>,
    pub token_type: Option<String>,
    #[serde(default, deserialize_with = "crate::token::optional_token")]
    pub refresh_token: Option<Token>,
    pub expires_in: Option<i64>,
}

/// What `oauth.v2.access` returns: a bot token at the top level when bot scopes were
/// granted, a user token in `authed_user` when user scopes were; each with `refresh_token`
/// and `expires_in` when rotating. A refresh returns the refreshed token at the top level.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthAccess {
    pub app_id: Option<String>,
    pub team: Option<TeamRef>,
    #[serde(default, deserialize_with = "crate::token::optional_token")]
    pub access_token: Option<Token>,
    pub token_type: Option<String>,
    pub scope: Option<String>,
    pub bot_user_id: Option<UserId>,
    #[serde(default, deserialize_with = "crate::token::optional_token")]
    pub refresh_token: Option<Token>,
    pub expires_in: Option<i64>,
    pub authed_user: Option<AuthedUser>,
    /// On a user-token refresh: whose token it is.
    pub user_id: Option<UserId>,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// What `openid.connect.token` returns.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenIdToken {
    #[serde(deserialize_with = "crate::token::token")]
    pub access_token: Token,
    pub token_type: Option<String>,
    /// A JWT with the person's identity claims.
    pub id_token: Option<String>,
    #[serde(default, deserialize_with = "crate::token::optional_token")]
    pub refresh_token: Option<Token>,
    pub expires_in: Option<i64>,
}

/// The claims `openid.connect.userInfo` returns.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenIdUserInfo {
    pub sub: UserId,
    #[serde(rename = "https://slack.com/team_id")]
    pub team_id: TeamId,
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    #[serde(rename = "https://slack.com/team_name")]
    pub team_name: Option<String>,
    #[serde(rename = "https://slack.com/team_domain")]
    pub team_domain: Option<String>,
}

impl SlackClient {
    /// Exchanges a code (or refresh token) for tokens.
    /// <https://docs.slack.dev/reference/methods/oauth.v2.access>
    pub async fn oauth_v2_access(
        &self,
        client: &ClientCredentials,
        grant: &Grant,
    ) -> Result<Response<OAuthAccess>> {
        let credentials = Credentials::Client {
            id: &client.client_id,
            secret: client.client_secret.as_ref().map(ClientSecret::expose),
        };
        self.call_with(
            &method::OAUTH_V2_ACCESS,
            credentials,
            &GrantArgs::from(grant),
            None,
        )
        .await
    }

    /// Sign in with Slack: exchanges a code for a user token and an ID token.
    /// <https://docs.slack.dev/reference/methods/openid.connect.token>
    pub async fn openid_connect_token(
        &self,
        client: &ClientCredentials,
        grant: &Grant,
    ) -> Result<Response<OpenIdToken>> {
        let credentials = Credentials::Client {
            id: &client.client_id,
            secret: client.client_secret.as_ref().map(ClientSecret::expose),
        };
        self.call_with(
            &method::OPENID_CONNECT_TOKEN,
            credentials,
            &GrantArgs::from(grant),
            None,
        )
        .await
    }

    /// The signed-in person's identity. <https://docs.slack.dev/reference/methods/openid.connect.userInfo>
    pub async fn openid_connect_user_info(
        &self,
        token: &Token,
    ) -> Result<Response<OpenIdUserInfo>> {
        self.call(&method::OPENID_CONNECT_USER_INFO, token, &())
            .await
    }
}
