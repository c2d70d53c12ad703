//! Sign in with Slack for a staff member (slack-api.md §1.6): the member, at this computer,
//! proves who they are in Slack, and Switchboard links them to that Slack user.
//!
//! The flow is OpenID Connect through the same loopback listener as connecting a workspace:
//! `openid/connect/authorize` (scopes `openid email profile`, a random `state` and `nonce`, a
//! PKCE challenge), the code traded with `openid.connect.token` (Slack wants the app's client
//! secret for this, also from apps that use PKCE), the ID token's `aud` and `nonce` checked,
//! the identity read with `openid.connect.userInfo`, and the user token revoked at once:
//! Switchboard keeps nothing of the sign-in but the link. The Slack user must be in a connected
//! workspace; one the synced directory does not have yet is asked about with `users.info`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use switchboard_slack::api::oauth::{ClientCredentials, Grant, OpenIdUserInfo};
use switchboard_slack::{Error as SlackError, UserId};
use switchboard_store::staff::{self as stored, LinkedBy};
use switchboard_store::{directory, workspaces};

use super::{Authorization, await_code, begin_sign_in, oauth_error};
use crate::profile::Profile;
use crate::secrets::{SecretKey, SecretKind};
use crate::staff::MemberView;
use crate::{Error, Result};

/// A member linked by signing in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub member: MemberView,
    pub team_id: String,
    pub team_name: String,
    pub user_id: String,
    /// The Slack user's name as the directory has it (display name, else real name, else handle).
    pub user_name: String,
    /// The address Slack confirmed for the person.
    pub slack_email: Option<String>,
    /// Worth knowing: the Slack address is not the member's.
    pub note: Option<String>,
}

/// The whole user action behind "Sign in with Slack" on a member: checks what can be checked
/// before the browser opens (the member, a connected workspace, the app's client ID and
/// secret), shows Slack's sign-in page through `open`, waits for the redirect, and links the
/// member to the Slack identity that signed in (audited as `staff.linked`, `sign_in`). `team`
/// pre-selects a workspace on Slack's page and must then be the one chosen. [`super::cancel`]
/// stops the wait.
pub async fn link_member_by_sign_in(
    profile: &Profile,
    staff_id: i64,
    team: Option<&str>,
    open: &(dyn Fn(&str) -> Result<()> + Send + Sync),
) -> Result<SignedIn> {
    let (settings, member, connected) = profile.db()?.read(|conn| {
        let settings = crate::slack_app::load(conn)?;
        let member = stored::get(conn, staff_id)?.ok_or_else(|| {
            Error::invalid(
                "staff",
                format!("There is no staff member #{staff_id}; reload the Staff view."),
            )
        })?;
        Ok::<_, Error>((settings, member, workspaces::list(conn)?))
    })?;
    if !member.active {
        return Err(Error::invalid(
            "staff",
            format!(
                "{} is deactivated: reactivate them before they sign in.",
                member.name
            ),
        ));
    }
    if connected.is_empty() {
        return Err(Error::invalid(
            "team",
            "Connect a Slack workspace in Workspaces first: a member signs in to one of them.",
        ));
    }
    if let Some(team) = team
        && !connected.iter().any(|w| w.team_id == team)
    {
        return Err(Error::no_workspace(team));
    }
    let secret = profile
        .secrets()
        .get(SecretKey::app(SecretKind::ClientSecret))
        .await?
        .map(|s| s.into_client_secret())
        .ok_or_else(|| {
            Error::invalid(
                "client_secret",
                "Sign in with Slack needs your Slack app's client secret (Slack asks for it to confirm who signed in): copy the Client Secret from the app's Basic Information page into Settings → Slack app.",
            )
        })?;
    let authorization = begin_sign_in(&profile.endpoints.oauth_base, &settings, team)?;
    let code = await_code(profile, &settings, &authorization, open).await?;

    let slack = profile.slack()?;
    let client_id = settings.client_id.trim().to_owned();
    let token = slack
        .openid_connect_token(
            &ClientCredentials {
                client_id: client_id.clone(),
                client_secret: Some(secret),
            },
            &Grant::AuthorizationCode {
                code,
                redirect_uri: Some(authorization.redirect_url.clone()),
                code_verifier: Some(authorization.verifier.secret().clone()),
            },
        )
        .await
        .map_err(sign_in_error)?
        .into_inner();
    let who = match check_id_token(token.id_token.as_deref(), &client_id, &authorization) {
        Ok(()) => slack
            .openid_connect_user_info(&token.access_token)
            .await
            .map_err(Error::from),
        Err(refused) => Err(refused),
    };
    // Nothing of the sign-in is kept: the token goes back to Slack whatever came of it.
    if let Err(error) = slack.auth_revoke(&token.access_token, false).await {
        tracing::warn!("revoking the sign-in token: {error}");
    }
    let who: OpenIdUserInfo = who?.into_inner();
    let team_id = who.team_id.to_string();
    let signed_in_to = who.team_name.clone().unwrap_or_else(|| team_id.clone());
    let Some(workspace) = connected.iter().find(|w| w.team_id == team_id) else {
        let names: Vec<&str> = connected.iter().map(|w| w.name.as_str()).collect();
        return Err(Error::invalid(
            "team",
            format!(
                "{} signed in to {signed_in_to}, which Switchboard is not connected to. Nobody was linked: sign in again and choose {} at the top right of Slack's page, or connect {signed_in_to} in Workspaces first.",
                member.name,
                names.join(" or ")
            ),
        ));
    };
    if let Some(team) = team
        && team != team_id
    {
        let wanted = connected
            .iter()
            .find(|w| w.team_id == team)
            .map_or(team, |w| w.name.as_str());
        return Err(Error::invalid(
            "team",
            format!(
                "{} signed in to {signed_in_to}, not {wanted}. Nobody was linked: sign in again and choose {wanted} at the top right of Slack's page.",
                member.name
            ),
        ));
    }
    let linked_there = profile
        .db()?
        .read(|conn| stored::links(conn, staff_id))?
        .into_iter()
        .find(|l| l.team_id == team_id && l.slack_user_id != who.sub.as_str());
    if let Some(other) = linked_there {
        return Err(Error::invalid(
            "user",
            format!(
                "{} is linked to @{} in {} already, and someone signed in as another Slack user. Nobody was changed: if the new account is theirs, unlink them in {} first, then sign in again.",
                member.name,
                other.user_name.as_deref().unwrap_or(&other.slack_user_id),
                workspace.name,
                workspace.name
            ),
        ));
    }
    let user = known_user(profile, workspace, &who.sub).await?;
    let view = crate::staff::link(
        profile,
        staff_id,
        &team_id,
        who.sub.as_str(),
        LinkedBy::SignIn,
    )?;
    let slack_email = who.email.clone().or(user.email.clone());
    let note = match (
        member
            .email
            .as_deref()
            .and_then(crate::email_match::normalize),
        slack_email
            .as_deref()
            .and_then(crate::email_match::normalize),
    ) {
        (Some(ours), Some(theirs)) if ours != theirs => Some(format!(
            "Their Slack address ({}) is not the one Switchboard has for {} ({}): check that the right person signed in.",
            slack_email.as_deref().unwrap_or_default(),
            member.name,
            member.email.as_deref().unwrap_or_default()
        )),
        _ => None,
    };
    Ok(SignedIn {
        member: view,
        team_id,
        team_name: workspace.name.clone(),
        user_id: who.sub.to_string(),
        user_name: user
            .display_name
            .clone()
            .filter(|n| !n.is_empty())
            .or(user.real_name.clone().filter(|n| !n.is_empty()))
            .unwrap_or(user.name.clone()),
        slack_email,
        note,
    })
}

/// The Slack user from the synced directory, or from `users.info` (then added to the
/// directory) when they joined after the last sync.
async fn known_user(
    profile: &Profile,
    workspace: &workspaces::Workspace,
    user_id: &UserId,
) -> Result<directory::User> {
    let team_id = workspace.team_id.as_str();
    if let Some(user) = profile
        .db()?
        .read(|conn| directory::user(conn, team_id, user_id.as_str()))?
    {
        return Ok(user);
    }
    let unknown = |why: String| {
        Error::invalid(
            "user",
            format!(
                "Slack user {user_id} is not in {}'s synced directory and Slack could not be asked about them ({why}): sync the workspace's directory, then sign in again.",
                workspace.name
            ),
        )
    };
    let (token, _) = crate::tokens::fresh_token(profile, team_id)
        .await
        .map_err(|e| unknown(e.to_string()))?;
    let info = profile
        .slack()?
        .users_info(&token, user_id)
        .await
        .map_err(|e| unknown(e.to_string()))?
        .into_inner();
    let row = crate::directory::user_row(info.user);
    let now = profile.now_ms();
    profile.db()?.write(|tx| {
        directory::upsert_users(tx, team_id, std::slice::from_ref(&row), now).map_err(Error::from)
    })?;
    Ok(row)
}

/// The ID token came straight from Slack over TLS, so its claims are read without checking the
/// signature (OpenID Connect Core §3.1.3.7); they must be for this app and this sign-in.
fn check_id_token(
    id_token: Option<&str>,
    client_id: &str,
    authorization: &Authorization,
) -> Result<()> {
    let refused = |why: &str| {
        Error::invalid(
            "code",
            format!(
                "Slack's answer does not belong to this sign-in ({why}). Nobody was linked: sign in again."
            ),
        )
    };
    let claims: serde_json::Value = id_token
        .ok_or_else(|| refused("it carries no ID token"))?
        .split('.')
        .nth(1)
        .and_then(|part| URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| refused("its ID token cannot be read"))?;
    let audience_ok = match &claims["aud"] {
        serde_json::Value::String(aud) => aud == client_id,
        serde_json::Value::Array(auds) => auds.iter().any(|a| a == client_id),
        _ => false,
    };
    if !audience_ok {
        return Err(refused("its ID token is for another app"));
    }
    if claims["nonce"].as_str() != authorization.nonce.as_deref() {
        return Err(refused("its ID token carries another nonce"));
    }
    Ok(())
}

fn sign_in_error(error: SlackError) -> Error {
    match error.code() {
        Some("bad_client_secret") => Error::invalid(
            "client_secret",
            "Slack refused the app's client secret: copy the Client Secret again from the app's Basic Information page into Settings → Slack app.",
        ),
        _ => oauth_error(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack_app::AppSettings;

    fn token_with(claims: serde_json::Value) -> String {
        format!(
            "e30.{}.sig",
            URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes())
        )
    }

    #[test]
    fn the_id_token_must_name_this_app_and_carry_this_nonce() {
        let settings = AppSettings {
            client_id: "1.2".into(),
            redirect_port: 9999,
            ..AppSettings::default()
        };
        let base = url::Url::parse("https://slack.com/").unwrap();
        let a = begin_sign_in(&base, &settings, None).unwrap();
        let q: std::collections::HashMap<_, _> = a.url.query_pairs().into_owned().collect();
        assert_eq!(a.url.path(), "/openid/connect/authorize");
        assert_eq!(q["scope"], "openid email profile");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!q.contains_key("user_scope"));
        let nonce = q["nonce"].clone();
        assert!(nonce.len() >= 16);
        assert!(a.is_sign_in());

        let good = token_with(serde_json::json!({"aud": "1.2", "nonce": nonce}));
        check_id_token(Some(&good), "1.2", &a).unwrap();
        let listed = token_with(serde_json::json!({"aud": ["9.9", "1.2"], "nonce": nonce}));
        check_id_token(Some(&listed), "1.2", &a).unwrap();
        assert!(
            check_id_token(None, "1.2", &a).is_err(),
            "an ID token is required"
        );
        for bad in [
            token_with(serde_json::json!({"aud": "9.9", "nonce": nonce})),
            token_with(serde_json::json!({"aud": "1.2", "nonce": "other"})),
            token_with(serde_json::json!({"aud": "1.2"})),
            "not-a-jwt".to_owned(),
        ] {
            let refused = check_id_token(Some(&bad), "1.2", &a).unwrap_err();
            assert!(
                refused
                    .to_string()
                    .contains("does not belong to this sign-in"),
                "{refused}"
            );
        }
    }
}
