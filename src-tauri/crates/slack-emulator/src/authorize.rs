//! The consent pages: `GET /oauth/v2/authorize` (and `/openid/connect/authorize`) shows a real
//! HTML form — workspace and person pickers, the requested scopes explained, Allow / Deny — and
//! `POST` to the same URL with `decision=allow|deny` redirects the way Slack does: with `code`
//! and `state`, or with `error=access_denied`. Requests Slack would refuse (unknown client,
//! redirect not registered exactly, http redirect without PKCE, bad PKCE parameters, scopes the
//! app does not have) get an error page and no redirect.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::Shared;
use crate::methods::oauth::is_desktop_redirect;
use crate::request::parse_form_into;
use crate::state::{AuthCode, World};

/// Codes are single use and expire after ten minutes.
const CODE_SECONDS: i64 = 600;

/// What a valid authorize request asks for.
#[derive(Debug)]
struct Ask {
    client_id: String,
    app_name: String,
    redirect_uri: String,
    /// Whether the request named the redirect (then the exchange must name it too).
    redirect_given: bool,
    state: Option<String>,
    bot_scopes: BTreeSet<String>,
    user_scopes: BTreeSet<String>,
    dropped_bot_scopes: bool,
    code_challenge: Option<String>,
    team: Option<String>,
    nonce: Option<String>,
    openid: bool,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn scopes(value: Option<&String>, separator: char) -> BTreeSet<String> {
    value
        .map(|v| {
            v.split(separator)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// What each scope lets the app do, in the words of the consent page.
fn explain(scope: &str) -> &'static str {
    match scope {
        "chat:write" => "Send messages",
        "chat:write.public" => "Send messages to channels it isn't a member of",
        "channels:read" => "View basic information about public channels",
        "groups:read" => "View basic information about private channels it has been added to",
        "channels:join" => "Join public channels",
        "channels:write" => "Manage public channels and join them",
        "channels:history" => "View messages in public channels",
        "groups:history" => "View messages in private channels it has been added to",
        "im:history" => "View messages in direct messages",
        "mpim:history" => "View messages in group direct messages it has been added to",
        "im:write" => "Start direct messages with people",
        "commands" => "Add shortcuts and/or slash commands that people can use",
        "files:read" => "View files shared in channels and conversations that it has been added to",
        "users:read" => "View people in the workspace",
        "users:read.email" => "View email addresses of people in the workspace",
        "team:read" => "View the workspace's name, email domain and icon",
        "openid" => "Confirm your identity",
        "email" => "View your email address",
        "profile" => "View your name and profile picture",
        _ => "Additional access",
    }
}

/// Why an authorize request is refused: Slack's error code and what its page says.
#[derive(Debug)]
struct Refused {
    code: &'static str,
    detail: String,
}

fn refused(code: &'static str, detail: impl Into<String>) -> Refused {
    Refused {
        code,
        detail: detail.into(),
    }
}

fn error_page(code: &str, detail: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Slack: something went wrong</title></head>\
         <body><h1>Something went wrong when authorizing this app.</h1><p>{}</p><p>Error code: <code id=\"error\">{}</code></p></body></html>",
        escape(detail),
        escape(code)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

fn validate(world: &World, query: &BTreeMap<String, String>, openid: bool) -> Result<Ask, Refused> {
    let client_id = query.get("client_id").cloned().unwrap_or_default();
    let app = world.apps.get(&client_id).ok_or_else(|| {
        refused(
            "invalid_client_id",
            "This app's client ID is not known to Slack.",
        )
    })?;
    let redirect_given = query.contains_key("redirect_uri");
    let redirect_uri = match query.get("redirect_uri") {
        Some(uri) if app.redirect_urls.iter().any(|r| r == uri) => uri.clone(),
        Some(uri) => {
            return Err(refused(
                "bad_redirect_uri",
                format!("redirect_uri did not match any configured URIs. Passed URI: {uri}"),
            ));
        }
        None => app.redirect_urls.first().cloned().ok_or_else(|| {
            refused(
                "bad_redirect_uri",
                "This app has no redirect URL configured.",
            )
        })?,
    };
    let desktop = is_desktop_redirect(&redirect_uri);
    if !app.pkce && !redirect_uri.starts_with("https://") {
        return Err(refused(
            "bad_redirect_uri",
            "Apps without PKCE must use an https redirect URL.",
        ));
    }
    let code_challenge = query.get("code_challenge").cloned();
    match (
        code_challenge.is_some(),
        query.get("code_challenge_method").map(String::as_str),
    ) {
        (true, Some("S256")) => {}
        (true, _) => {
            return Err(refused(
                "invalid_code_challenge_method",
                "Only code_challenge_method=S256 is supported.",
            ));
        }
        (false, _) if app.pkce && desktop => {
            return Err(refused(
                "invalid_code_challenge",
                "Desktop redirects need a PKCE code_challenge.",
            ));
        }
        (false, _) => {}
    }
    if code_challenge.is_some() && !app.pkce {
        return Err(refused(
            "invalid_code_challenge",
            "PKCE is not enabled for this app.",
        ));
    }
    let (mut bot_scopes, user_scopes) = if openid {
        (BTreeSet::new(), scopes(query.get("scope"), ' '))
    } else {
        (
            scopes(query.get("scope"), ','),
            scopes(query.get("user_scope"), ','),
        )
    };
    if openid && !user_scopes.contains("openid") {
        return Err(refused(
            "invalid_scope",
            "Sign in with Slack needs the openid scope.",
        ));
    }
    // Slack's OpenID page grants only `openid email profile`, and only those the app has.
    let allowed_user: BTreeSet<&str> = app
        .user_scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !openid || ["openid", "email", "profile"].contains(s))
        .collect();
    let allowed_bot: BTreeSet<&str> = app.bot_scopes.iter().map(String::as_str).collect();
    if let Some(scope) = bot_scopes
        .iter()
        .find(|s| !allowed_bot.contains(s.as_str()))
    {
        return Err(refused(
            "invalid_scope",
            format!("Invalid permissions requested: {scope}"),
        ));
    }
    if let Some(scope) = user_scopes
        .iter()
        .find(|s| !allowed_user.contains(s.as_str()))
    {
        return Err(refused(
            "invalid_scope",
            format!("Invalid permissions requested: {scope}"),
        ));
    }
    // Desktop redirects of PKCE apps cannot receive bot scopes: the person gets user scopes only.
    let dropped_bot_scopes = app.pkce && desktop && !bot_scopes.is_empty();
    if dropped_bot_scopes {
        bot_scopes.clear();
    }
    if bot_scopes.is_empty() && user_scopes.is_empty() {
        let code = if dropped_bot_scopes {
            "no_user_scopes"
        } else {
            "no_scopes"
        };
        return Err(refused(
            code,
            "No permissions were requested that this kind of redirect can grant.",
        ));
    }
    Ok(Ask {
        client_id,
        app_name: app.name.clone(),
        redirect_uri,
        redirect_given,
        state: query.get("state").cloned(),
        bot_scopes,
        user_scopes,
        dropped_bot_scopes,
        code_challenge,
        team: query.get("team").cloned(),
        nonce: query.get("nonce").cloned(),
        openid,
    })
}

fn query_map(raw: Option<&str>) -> BTreeMap<String, String> {
    let mut args = serde_json::Map::new();
    parse_form_into(raw.unwrap_or("").as_bytes(), &mut args);
    args.into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
        .collect()
}

fn consent_page(world: &World, ask: &Ask, action: &str) -> Response {
    let signed_in = world
        .browser_user
        .as_ref()
        .and_then(|id| world.users.get(id));
    let mut teams: Vec<_> = world
        .teams
        .values()
        .filter(|t| ask.team.as_ref().is_none_or(|wanted| wanted == &t.id))
        .collect();
    // The signed-in person's workspace comes first and is chosen.
    if let Some(person) = signed_in {
        teams.sort_by_key(|t| t.id != person.team_id);
    }
    let mut team_options = String::new();
    let mut people = String::new();
    for (index, team) in teams.iter().enumerate() {
        team_options.push_str(&format!(
            "<label><input type=\"radio\" name=\"team_id\" value=\"{id}\"{checked}> {name} <small>({domain}.slack.com)</small></label><br>",
            id = escape(&team.id),
            checked = if index == 0 { " checked" } else { "" },
            name = escape(&team.name),
            domain = escape(&team.domain),
        ));
        let chosen = signed_in
            .filter(|p| p.team_id == team.id)
            .map_or(team.admin_user.as_str(), |p| p.id.as_str());
        for user in world
            .users
            .values()
            .filter(|u| u.team_id == team.id && !u.is_bot && !u.deleted)
        {
            people.push_str(&format!(
                "<option value=\"{id}\"{selected}>{name} — {team}</option>",
                id = escape(&user.id),
                selected = if user.id == chosen && index == 0 {
                    " selected"
                } else {
                    ""
                },
                name = escape(&user.real_name),
                team = escape(&team.name),
            ));
        }
    }
    let list = |set: &BTreeSet<String>| {
        set.iter()
            .map(|s| {
                format!(
                    "<li><code>{}</code>: {}</li>",
                    escape(s),
                    escape(explain(s))
                )
            })
            .collect::<String>()
    };
    let mut sections = String::new();
    if !ask.bot_scopes.is_empty() {
        sections.push_str(&format!(
            "<h2>What {} will be able to do as a bot</h2><ul id=\"bot-scopes\">{}</ul>",
            escape(&ask.app_name),
            list(&ask.bot_scopes)
        ));
    }
    if !ask.user_scopes.is_empty() {
        sections.push_str(&format!(
            "<h2>What {} will be able to do on your behalf</h2><ul id=\"user-scopes\">{}</ul>",
            escape(&ask.app_name),
            list(&ask.user_scopes)
        ));
    }
    if ask.dropped_bot_scopes {
        sections.push_str("<p id=\"desktop-note\">Bot permissions are not available to apps that sign in from a desktop; only permissions on your behalf are granted.</p>");
    }
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{app} is requesting permission to access your Slack workspace</title></head><body>\
         <h1>{app} is requesting permission to access your Slack workspace</h1>\
         <form method=\"post\" action=\"{action}\">\
         <fieldset><legend>Workspace</legend>{team_options}</fieldset>\
         <p><label>Signed in as <select name=\"user_id\">{people}</select></label></p>\
         {sections}\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button> \
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         </form></body></html>",
        app = escape(&ask.app_name),
        action = escape(action),
    );
    Html(body).into_response()
}

fn redirect(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(uri) {
        Ok(url) => url,
        Err(_) => return error_page("bad_redirect_uri", "The redirect URL is not a valid URL."),
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (key, value) in params {
            pairs.append_pair(key, value);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

async fn show(shared: Arc<Shared>, query: Option<String>, path: &str, openid: bool) -> Response {
    let world = shared.lock();
    let map = query_map(query.as_deref());
    match validate(&world, &map, openid) {
        Ok(ask) => {
            let action = match &query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_owned(),
            };
            consent_page(&world, &ask, &action)
        }
        Err(why) => error_page(why.code, &why.detail),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct Decision {
    decision: String,
    team_id: Option<String>,
    user_id: Option<String>,
}

async fn decide(
    shared: Arc<Shared>,
    query: Option<String>,
    decision: Decision,
    openid: bool,
) -> Response {
    let mut world = shared.lock();
    let map = query_map(query.as_deref());
    let ask = match validate(&world, &map, openid) {
        Ok(ask) => ask,
        Err(why) => return error_page(why.code, &why.detail),
    };
    let state = ask.state.clone().unwrap_or_default();
    let mut params: Vec<(&str, &str)> = Vec::new();
    if decision.decision != "allow" {
        params.push(("error", "access_denied"));
        if ask.state.is_some() {
            params.push(("state", &state));
        }
        return redirect(&ask.redirect_uri, &params);
    }
    let team_id = match decision.team_id.filter(|t| world.teams.contains_key(t)) {
        Some(team) => team,
        None => return error_page("invalid_team", "Choose a workspace to install the app to."),
    };
    let user_id = decision
        .user_id
        .filter(|u| {
            world
                .users
                .get(u)
                .is_some_and(|u| u.team_id == team_id && !u.deleted)
        })
        .or_else(|| {
            // The form sent nobody: the person signed in to the browser, if in this workspace.
            world
                .browser_user
                .clone()
                .filter(|u| world.users.get(u).is_some_and(|u| u.team_id == team_id))
        })
        .unwrap_or_else(|| world.teams[&team_id].admin_user.clone());
    let code = format!("{}.{}", world.now(), world.secret(32));
    let expires_at = world.now() + CODE_SECONDS;
    world.codes.insert(
        code.clone(),
        AuthCode {
            client_id: ask.client_id.clone(),
            team_id,
            user_id,
            redirect_uri: ask.redirect_given.then(|| ask.redirect_uri.clone()),
            code_challenge: ask.code_challenge.clone(),
            bot_scopes: ask.bot_scopes.clone(),
            user_scopes: ask.user_scopes.clone(),
            expires_at,
            used: false,
            openid: ask.openid,
            nonce: ask.nonce.clone(),
        },
    );
    params.push(("code", &code));
    if ask.state.is_some() {
        params.push(("state", &state));
    }
    redirect(&ask.redirect_uri, &params)
}

pub async fn oauth_get(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    show(shared, query, "/oauth/v2/authorize", false).await
}

pub async fn oauth_post(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    Form(decision): Form<Decision>,
) -> Response {
    decide(shared, query, decision, false).await
}

pub async fn openid_get(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    show(shared, query, "/openid/connect/authorize", true).await
}

pub async fn openid_post(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    Form(decision): Form<Decision>,
) -> Response {
    decide(shared, query, decision, true).await
}
