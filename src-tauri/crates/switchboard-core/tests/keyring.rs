//! The keyring store against the real Secret Service. `make test` runs every test inside
//! `scripts/with-keyring` (a private D-Bus session with an unlocked gnome-keyring); outside
//! such a session this test fails and says so.

use switchboard_core::secrets::{KeyringStore, SecretKey, SecretKind, SecretStore};

fn unique_profile(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test-{name}-{nanos}-{}", std::process::id())
}

#[test]
fn secrets_round_trip_through_the_secret_service_and_profiles_stay_apart() {
    let store = KeyringStore::with_profile(&unique_profile("a"));
    let other = KeyringStore::with_profile(&unique_profile("b"));
    let key = SecretKey::workspace(SecretKind::BotToken, "T0123");

    let stored = store.put(&key, "xoxb-1-secret");
    if let Err(error) = &stored {
        panic!("{error}. Run the tests under scripts/with-keyring (make test does).");
    }
    assert_eq!(
        store.get(&key).unwrap().unwrap().expose(),
        "xoxb-1-secret",
        "read back what was stored"
    );
    store.put(&key, "xoxb-2-secret").unwrap();
    assert_eq!(
        store.get(&key).unwrap().unwrap().expose(),
        "xoxb-2-secret",
        "a put replaces"
    );
    assert!(
        other.get(&key).unwrap().is_none(),
        "another data directory's profile does not see it"
    );
    assert!(
        store
            .get(&SecretKey::workspace(SecretKind::UserToken, "T0123"))
            .unwrap()
            .is_none(),
        "other kinds are apart"
    );

    store.delete(&key).unwrap();
    assert!(store.get(&key).unwrap().is_none(), "deleted");
    store
        .delete(&key)
        .expect("deleting a missing secret is not an error");
}
