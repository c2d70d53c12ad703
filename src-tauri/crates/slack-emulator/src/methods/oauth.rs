//! `oauth.v2.access`, `openid.connect.token` and `openid.connect.userInfo`: token exchange for
//! codes from the consent page, with Slack's rules — exact `redirect_uri`, S256 PKCE,
//! single-use codes that expire, client secret unless PKCE, rotating tokens (12 h) with refresh
//! tokens that are revoked on use and, for PKCE apps, expire after 30 days.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{ApiError, Auth, MethodResult};
use crate::request::ApiRequest;
use crate::seed::ensure_bot_user;
use crate::state::{App, RefreshRecord, TokenKind, TokenRecord, World};

/// Rotating access tokens live 12 hours.
pub const ACCESS_TOKEN_SECONDS: i64 = 43_200;
/// Refresh tokens of PKCE apps expire after 30 days.
pub const PKCE_REFRESH_SECONDS: i64 = 30 * 86_400;

/// A desktop redirect: a custom scheme, or an http(s) redirect to `localhost`/`127.0.0.1`.
pub fn is_desktop_redirect(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {
            matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
        }
        Ok(_) => true,
        Err(_) => false,
    }
}

/// S256: base64url(sha256(verifier)), no padding (RFC 7636).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The calling app, and whether the caller proved it holds the app's secret.
fn client(world: &World, req: &ApiRequest) -> Result<(App, bool), ApiError> {
    let (id, secret) = match &req.basic {
        Some((id, secret)) => (Some(id.clone()), Some(secret.clone())),
        None => (req.str("client_id"), req.str("client_secret")),
    };
    // An empty secret is no secret (SDKs that require the argument send "" for PKCE apps).
    let secret = secret.filter(|s| !s.is_empty());
    let id = id.ok_or_else(|| ApiError::new("invalid_client_id"))?;
    let app = world
        .apps
        .get(&id)
        .ok_or_else(|| ApiError::new("invalid_client_id"))?;
    let authenticated = match (&app.client_secret, &secret) {
        (Some(expected), Some(given)) if expected == given => true,
        (_, Some(_)) => return Err(ApiError::new("bad_client_secret")),
        _ => false,
    };
    Ok((app.clone(), authenticated))
}

pub(crate) struct Grant {
    pub kind: TokenKind,
    pub user_id: String,
    pub scopes: BTreeSet<String>,
}

/// Issues an access token (and a refresh token when rotating); returns the token fields.
pub(crate) fn issue(
    world: &mut World,
    app: &App,
    team_id: &str,
    grant: Grant,
    rotating: bool,
    pkce: bool,
) -> Value {
    let now = world.now();
    let token = world.issue_token(
        TokenRecord {
            kind: grant.kind,
            team_id: team_id.to_owned(),
            user_id: grant.user_id.clone(),
            app_id: app.app_id.clone(),
            scopes: grant.scopes.clone(),
            expires_at: rotating.then_some(now + ACCESS_TOKEN_SECONDS),
            revoked: false,
        },
        rotating,
    );
    let mut fields = json!({
        "access_token": token,
        "token_type": if grant.kind == TokenKind::Bot { "bot" } else { "user" },
        "scope": grant.scopes.iter().cloned().collect::<Vec<_>>().join(","),
    });
    if rotating {
        let refresh = world.issue_refresh_token(RefreshRecord {
            app_id: app.app_id.clone(),
            team_id: team_id.to_owned(),
            user_id: grant.user_id,
            kind: grant.kind,
            scopes: grant.scopes,
            expires_at: pkce.then_some(now + PKCE_REFRESH_SECONDS),
            revoked: false,
        });
        fields["refresh_token"] = json!(refresh);
        fields["expires_in"] = json!(ACCESS_TOKEN_SECONDS);
    }
    fields
}

fn team_json(world: &World, team_id: &str) -> Value {
    json!({"id": team_id, "name": world.teams[team_id].name})
}

/// <https://docs.slack.dev/reference/methods/oauth.v2.access>
pub fn v2_access(world: &mut World, req: &ApiRequest) -> MethodResult {
    let (app, authenticated) = client(world, req)?;
    let grant_type = req.str("grant_type").unwrap_or_else(|| {
        if req.str("refresh_token").is_some() {
            "refresh_token"
        } else {
            "authorization_code"
        }
        .to_owned()
    });
    match grant_type.as_str() {
        "authorization_code" => exchange_code(world, req, &app, authenticated, false),
        "refresh_token" => refresh(world, req, &app, authenticated),
        _ => Err(ApiError::new("invalid_grant_type")),
    }
}

fn exchange_code(
    world: &mut World,
    req: &ApiRequest,
    app: &App,
    authenticated: bool,
    openid: bool,
) -> MethodResult {
    let code = req
        .str("code")
        .ok_or_else(|| ApiError::new("invalid_code"))?;
    let now = world.now();
    let record = world
        .codes
        .get_mut(&code)
        .ok_or_else(|| ApiError::new("invalid_code"))?;
    if record.used
        || record.expires_at <= now
        || record.client_id != app.client_id
        || record.openid != openid
    {
        return Err(ApiError::new("invalid_code"));
    }
    // The redirect_uri sent to authorize must be sent again, identical.
    if record.redirect_uri.is_some() && req.str("redirect_uri") != record.redirect_uri {
        return Err(ApiError::new("bad_redirect_uri"));
    }
    match &record.code_challenge {
        Some(challenge) => {
            let verifier = req
                .str("code_verifier")
                .ok_or_else(|| ApiError::new("invalid_code_verifier"))?;
            if &s256(&verifier) != challenge {
                return Err(ApiError::new("invalid_code_verifier"));
            }
        }
        None if !authenticated => return Err(ApiError::new("bad_client_secret")),
        None => {}
    }
    if openid && !authenticated {
        return Err(ApiError::new("bad_client_secret"));
    }
    record.used = true;
    let record = record.clone();
    let desktop = record
        .redirect_uri
        .as_deref()
        .is_some_and(is_desktop_redirect);
    let rotating = app.token_rotation || (app.pkce && desktop);
    let team_id = record.team_id.clone();
    if openid {
        let user = issue(
            world,
            app,
            &team_id,
            Grant {
                kind: TokenKind::User,
                user_id: record.user_id.clone(),
                scopes: record.user_scopes.clone(),
            },
            rotating,
            app.pkce,
        );
        let id_token = id_token(
            world,
            app,
            &team_id,
            &record.user_id,
            record.nonce.as_deref(),
        );
        let mut body = json!({"access_token": user["access_token"], "token_type": "Bearer", "id_token": id_token});
        if rotating {
            body["refresh_token"] = user["refresh_token"].clone();
            body["expires_in"] = user["expires_in"].clone();
        }
        return Ok(body);
    }
    let mut body = json!({
        "app_id": app.app_id,
        "team": team_json(world, &team_id),
        "enterprise": null,
        "is_enterprise_install": false,
        "authed_user": {"id": record.user_id},
    });
    if !record.bot_scopes.is_empty() {
        let bot_user = ensure_bot_user(world, &app.client_id, &team_id);
        let fields = issue(
            world,
            app,
            &team_id,
            Grant {
                kind: TokenKind::Bot,
                user_id: bot_user.clone(),
                scopes: record.bot_scopes.clone(),
            },
            rotating,
            app.pkce,
        );
        for (key, value) in fields.as_object().expect("object") {
            body[key] = value.clone();
        }
        body["bot_user_id"] = json!(bot_user);
    }
    if !record.user_scopes.is_empty() {
        let fields = issue(
            world,
            app,
            &team_id,
            Grant {
                kind: TokenKind::User,
                user_id: record.user_id.clone(),
                scopes: record.user_scopes.clone(),
            },
            rotating,
            app.pkce,
        );
        for (key, value) in fields.as_object().expect("object") {
            body["authed_user"][key] = value.clone();
        }
    }
    Ok(body)
}

fn refresh(world: &mut World, req: &ApiRequest, app: &App, authenticated: bool) -> MethodResult {
    // Refreshing needs the secret, except for PKCE apps (public clients).
    if !app.pkce && !authenticated {
        return Err(ApiError::new("bad_client_secret"));
    }
    let token = req
        .str("refresh_token")
        .ok_or_else(|| ApiError::new("invalid_refresh_token"))?;
    let now = world.now();
    let record = world
        .refresh_tokens
        .get_mut(&token)
        .filter(|r| !r.revoked && r.app_id == app.app_id && r.expires_at.is_none_or(|at| now < at))
        .ok_or_else(|| ApiError::new("invalid_refresh_token"))?;
    // The old refresh token is revoked on use.
    record.revoked = true;
    let record = record.clone();
    let fields = issue(
        world,
        app,
        &record.team_id,
        Grant {
            kind: record.kind,
            user_id: record.user_id.clone(),
            scopes: record.scopes,
        },
        true,
        app.pkce,
    );
    let mut body = json!({
        "app_id": app.app_id,
        "team": team_json(world, &record.team_id),
        "enterprise": null,
        "is_enterprise_install": false,
    });
    for (key, value) in fields.as_object().expect("object") {
        body[key] = value.clone();
    }
    if record.kind == TokenKind::Bot {
        body["bot_user_id"] = json!(record.user_id);
    } else {
        body["user_id"] = json!(record.user_id);
    }
    Ok(body)
}

/// <https://docs.slack.dev/reference/methods/openid.connect.token>: codes from
/// `/openid/connect/authorize` only; the client secret is required.
pub fn openid_token(world: &mut World, req: &ApiRequest) -> MethodResult {
    let (app, authenticated) = client(world, req)?;
    match req.str("grant_type").as_deref() {
        Some("refresh_token") => refresh(world, req, &app, authenticated),
        None | Some("authorization_code") => {
            if !authenticated {
                return Err(ApiError::new("bad_client_secret"));
            }
            exchange_code(world, req, &app, authenticated, true)
        }
        Some(_) => Err(ApiError::new("invalid_grant_type")),
    }
}

fn claims(world: &World, team_id: &str, user_id: &str) -> Value {
    let user = &world.users[user_id];
    let team = &world.teams[team_id];
    json!({
        "sub": user.id,
        "https://slack.com/user_id": user.id,
        "https://slack.com/team_id": team.id,
        "email": user.email,
        "email_verified": user.email.is_some(),
        "date_email_verified": world.now() - 86_400 * 200,
        "name": user.real_name,
        "picture": format!("https://avatars.slack-edge.example/{}_512.png", user.id),
        "given_name": user.real_name.split(' ').next().unwrap_or(""),
        "family_name": user.real_name.split(' ').skip(1).collect::<Vec<_>>().join(" "),
        "locale": "en-US",
        "https://slack.com/team_name": team.name,
        "https://slack.com/team_domain": team.domain,
        "https://slack.com/user_image_192": format!("https://avatars.slack-edge.example/{}_192.png", user.id),
        "https://slack.com/team_image_230": format!("https://avatars.slack-edge.example/{}_230.png", team.id),
        "https://slack.com/team_image_default": true,
    })
}

/// An ID token (JWT, HS256 with the client secret) carrying the user's claims.
fn id_token(world: &World, app: &App, team_id: &str, user_id: &str, nonce: Option<&str>) -> String {
    let now = world.now();
    let mut payload = claims(world, team_id, user_id);
    payload["iss"] = json!("https://slack.com");
    payload["aud"] = json!(app.client_id);
    payload["iat"] = json!(now);
    payload["exp"] = json!(now + 3600);
    payload["auth_time"] = json!(now);
    if let Some(nonce) = nonce {
        payload["nonce"] = json!(nonce);
    }
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signing_input = format!("{header}.{body}");
    let key = app.client_secret.clone().unwrap_or_default();
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// <https://docs.slack.dev/reference/methods/openid.connect.userInfo>: needs `openid`.
pub fn openid_user_info(world: &World, auth: &Auth) -> MethodResult {
    super::require_scope(auth, &["openid"])?;
    Ok(claims(world, &auth.record.team_id, auth.actor()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn desktop_redirects_are_recognised() {
        for uri in [
            "http://localhost:8765/callback",
            "http://127.0.0.1:1/cb",
            "myapp://auth",
        ] {
            assert!(is_desktop_redirect(uri), "{uri}");
        }
        assert!(!is_desktop_redirect("https://example.com/callback"));
    }
}
