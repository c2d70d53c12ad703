//! Decoding of the example responses in Slack's OpenAPI spec (`reference/slack-api-specs`)
//! into this crate's types: each method's documented success answer must decode, keeping the
//! fields Switchboard relies on.

use serde::de::DeserializeOwned;
use serde_json::Value;
use switchboard_slack::api::{auth, chat, conversations, oauth, team, users};

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../reference/slack-api-specs/slack_web_openapi_v2.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the vendored Slack OpenAPI spec"))
        .unwrap()
}

/// The spec's example success answer of `method`.
fn example(spec: &Value, method: &str) -> Value {
    let path = &spec["paths"][format!("/{method}")];
    let operation = path
        .as_object()
        .and_then(|ops| ops.values().next())
        .unwrap_or_else(|| panic!("{method} is not in the spec"));
    operation["responses"]["200"]["examples"]["application/json"].clone()
}

/// Decodes the example of `method` as `T` and hands it to `inspect`.
fn check<T: DeserializeOwned>(spec: &Value, method: &str, inspect: impl FnOnce(T)) {
    let example = example(spec, method);
    assert_eq!(example["ok"], true, "{method}: a success example");
    let decoded: T = serde_json::from_value(example.clone())
        .unwrap_or_else(|e| panic!("{method}: {e}\n{example:#}"));
    inspect(decoded);
}

#[test]
fn every_method_example_decodes() {
    let spec = spec();
    check::<auth::AuthTest>(&spec, "auth.test", |t| {
        assert!(!t.team_id.as_str().is_empty() && !t.user_id.as_str().is_empty());
        assert!(t.url.starts_with("https://"));
    });
    check::<auth::Revoked>(&spec, "auth.revoke", |r| assert!(r.revoked));
    check::<team::TeamInfo>(&spec, "team.info", |t| {
        assert!(!t.team.name.is_empty());
        assert!(t.team.icon.image_132.is_some() || t.team.icon.image_68.is_some());
    });
    check::<conversations::ConversationsPage>(&spec, "conversations.list", |p| {
        assert_eq!(p.channels.len(), 2);
        assert_eq!(p.channels[0].name.as_deref(), Some("general"));
        assert!(p.channels[0].is_member && p.channels[0].is_general);
        assert_eq!(p.channels[0].num_members, Some(4));
        assert!(
            !p.response_metadata.next_cursor.is_empty(),
            "the example has a next page"
        );
    });
    check::<conversations::ConversationInfo>(&spec, "conversations.info", |c| {
        assert!(!c.channel.id.as_str().is_empty())
    });
    check::<conversations::ConversationInfo>(&spec, "conversations.join", |c| {
        assert!(c.channel.name.is_some())
    });
    check::<conversations::Opened>(&spec, "conversations.open", |o| {
        assert!(o.channel.id.as_str().starts_with('D'))
    });
    check::<conversations::HistoryPage>(&spec, "conversations.history", |h| {
        assert!(!h.messages.is_empty());
        assert!(h.messages.iter().all(|m| !m.ts.as_str().is_empty()));
    });
    check::<users::UsersPage>(&spec, "users.list", |p| {
        assert!(!p.members.is_empty());
        assert!(p.members.iter().any(|u| u.profile.real_name.is_some()));
    });
    check::<users::UserInfo>(&spec, "users.info", |u| assert!(!u.user.name.is_empty()));
    check::<users::UserInfo>(&spec, "users.lookupByEmail", |u| {
        assert!(!u.user.id.as_str().is_empty())
    });
    check::<chat::Posted>(&spec, "chat.postMessage", |p| {
        assert!(!p.ts.as_str().is_empty());
        assert_eq!(p.message.ts, p.ts, "the message carries the same ts");
    });
    check::<chat::Updated>(&spec, "chat.update", |u| assert!(!u.ts.as_str().is_empty()));
    check::<chat::Deleted>(&spec, "chat.delete", |d| {
        assert!(!d.channel.as_str().is_empty())
    });
    check::<chat::Permalink>(&spec, "chat.getPermalink", |p| {
        assert!(p.permalink.starts_with("https://"))
    });
    check::<oauth::OAuthAccess>(&spec, "oauth.v2.access", |a| {
        assert!(
            a.access_token.is_some(),
            "the bot token decodes into a redacting Token"
        );
        assert!(a.team.is_some());
    });
}
