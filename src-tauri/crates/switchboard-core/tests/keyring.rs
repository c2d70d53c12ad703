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

/// The keyring profile is an id kept in the database: a data directory that is moved finds
/// its secrets at the new place.
#[tokio::test]
async fn a_moved_data_directory_keeps_its_secrets() {
    use switchboard_core::profile::{Endpoints, Profile, ProfileConfig};
    let root = tempfile::tempdir().unwrap();
    let before = root.path().join("before");
    let profile = Profile::open(ProfileConfig::new(before.clone(), Endpoints::slack()));
    let key = SecretKey::workspace(SecretKind::BotToken, "T0MOVE");
    profile
        .secrets()
        .put(key.clone(), "xoxb-moved".to_owned())
        .await
        .expect("run under scripts/with-keyring");
    drop(profile);
    let after = root.path().join("elsewhere/after");
    std::fs::create_dir_all(after.parent().unwrap()).unwrap();
    std::fs::rename(&before, &after).unwrap();
    let moved = Profile::open(ProfileConfig::new(after, Endpoints::slack()));
    assert_eq!(
        moved
            .secrets()
            .get(key.clone())
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "xoxb-moved",
        "the moved directory's token is still found"
    );
    moved.secrets().delete(key).await.unwrap();
}
