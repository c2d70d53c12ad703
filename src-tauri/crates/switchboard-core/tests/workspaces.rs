//! Connecting a workspace with a pasted bot token, against the Slack emulator: what is
//! recorded, what a reconnect keeps, what is refused and how it is explained, and that the
//! database never holds the token.

use serde_json::Value;
use slack_emulator::{Config, Emulator};
use switchboard_core::secrets::{MemoryStore, SecretKey, SecretKind, SecretStore};
use switchboard_core::workspaces;
use switchboard_slack::{ClientConfig, SlackClient};
use switchboard_store::{Store, rusqlite::params};

struct Setup {
    emulator: Emulator,
    client: SlackClient,
    bot: String,
    admin: String,
    team_id: String,
}

async fn setup() -> Setup {
    let emulator = Emulator::start_with("127.0.0.1:0".parse().unwrap(), Config::default())
        .await
        .unwrap();
    let client =
        SlackClient::new(ClientConfig::with_base_url(&emulator.api_base()).unwrap()).unwrap();
    let workspaces: Value = emulator.workspaces();
    let first = &workspaces["workspaces"][0];
    Setup {
        bot: first["bot_token"].as_str().unwrap().to_owned(),
        admin: first["admin_user_token"].as_str().unwrap().to_owned(),
        team_id: first["team_id"].as_str().unwrap().to_owned(),
        client,
        emulator,
    }
}

fn refusal(result: switchboard_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(switchboard_core::Error::InvalidInput(message)) => message,
        other => panic!("expected a refusal with an explanation, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bot_token_connects_and_a_reconnect_keeps_the_mappings() {
    let s = setup().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let secrets = MemoryStore::default();

    let install = workspaces::validate_bot_token(&s.client, &format!("  {}\n", s.bot))
        .await
        .unwrap();
    assert_eq!(install.team_id, s.team_id);
    assert_eq!(
        (install.name.as_str(), install.domain.as_str()),
        ("Acme Studio", "acme-studio")
    );
    assert!(install.icon_url.is_some(), "the icon comes from team.info");
    assert!(
        install.scopes.contains(&"chat:write".to_owned()),
        "granted scopes are recorded"
    );
    let connected =
        workspaces::record_bot_install(store.conn_mut(), &secrets, &install, "ada", false, 1_000)
            .unwrap();
    assert!(!connected.reconnect);

    let listed = workspaces::list(store.conn()).unwrap();
    assert_eq!(listed.len(), 1);
    let workspace = &listed[0];
    assert!(workspace.has_bot_token && !workspace.has_user_token);
    assert_eq!(workspace.connected_by.as_deref(), Some("ada"));
    assert_eq!(
        workspace.bot_user_id.as_deref(),
        Some(install.bot_user_id.as_str())
    );
    let key = SecretKey::workspace(SecretKind::BotToken, &s.team_id);
    assert_eq!(
        secrets.get(&key).unwrap().unwrap().expose(),
        s.bot,
        "the token is in the secret store"
    );

    // A mapping made while connected…
    store
        .conn()
        .execute("INSERT INTO notification_channel (team_id, channel_id, created_at) VALUES (?1, 'C0000000001', 0)", params![s.team_id])
        .unwrap();
    // …survives connecting the same team again.
    let again =
        workspaces::record_bot_install(store.conn_mut(), &secrets, &install, "ada", false, 2_000)
            .unwrap();
    assert!(again.reconnect, "a known team id is a reconnect");
    let kept: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM notification_channel", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, 1, "the mapping is kept");
    let connected_at: i64 = store
        .conn()
        .query_row("SELECT connected_at FROM workspace", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        connected_at, 1_000,
        "a reconnect keeps when it was first connected"
    );
    let actions: Vec<String> = switchboard_store::audit::recent(store.conn(), 10)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["workspace.reconnected", "workspace.connected"],
        "both are audited"
    );

    // The token appears nowhere in the database files.
    drop(store);
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let needle = s.bot.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "a database file holds the token"
        );
    }
}

#[tokio::test]
async fn wrong_tokens_are_refused_with_what_to_do() {
    let s = setup().await;
    let message = refusal(workspaces::validate_bot_token(&s.client, &s.admin).await);
    assert!(
        message.contains("user token") && message.contains("xoxb-"),
        "{message}"
    );
    let message = refusal(workspaces::validate_bot_token(&s.client, "hello").await);
    assert!(message.contains("should start with xoxb-"), "{message}");
    let message = refusal(workspaces::validate_bot_token(&s.client, "").await);
    assert!(message.contains("OAuth & Permissions"), "{message}");
    let message = refusal(workspaces::validate_bot_token(&s.client, "xoxb-1-2-invalid").await);
    assert!(message.contains("did not accept"), "{message}");

    let revoke = reqwest::Client::new()
        .post(format!("{}/_emulator/tokens/revoke", s.emulator.base_url()))
        .json(&serde_json::json!({"token": s.bot}))
        .send()
        .await
        .unwrap();
    assert!(revoke.status().is_success());
    let message = refusal(workspaces::validate_bot_token(&s.client, &s.bot).await);
    assert!(message.contains("revoked"), "{message}");
}

#[tokio::test]
async fn a_keyring_failure_records_nothing() {
    struct Broken;
    impl SecretStore for Broken {
        fn put(
            &self,
            _: &SecretKey,
            _: &str,
        ) -> Result<(), switchboard_core::secrets::SecretError> {
            Err(switchboard_core::secrets::SecretError::Locked(
                "test".into(),
            ))
        }
        fn get(
            &self,
            _: &SecretKey,
        ) -> Result<Option<switchboard_core::secrets::Secret>, switchboard_core::secrets::SecretError>
        {
            Ok(None)
        }
        fn delete(&self, _: &SecretKey) -> Result<(), switchboard_core::secrets::SecretError> {
            Ok(())
        }
    }
    let s = setup().await;
    let mut store = Store::open_in_memory().unwrap();
    let install = workspaces::validate_bot_token(&s.client, &s.bot)
        .await
        .unwrap();
    let error =
        workspaces::record_bot_install(store.conn_mut(), &Broken, &install, "ada", false, 1)
            .unwrap_err();
    assert!(error.to_string().contains("unlock it"), "{error}");
    assert!(
        workspaces::list(store.conn()).unwrap().is_empty(),
        "no workspace row without its token"
    );
}
