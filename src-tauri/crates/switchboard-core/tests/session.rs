//! The console's session through core: background work owned by a supervisor (started,
//! restarted when the demo is entered and left, stopped on quit after in-flight work), the
//! demo started through the real OAuth flow and the real paste path with its secrets in
//! memory, and a fresh demo database each time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_core::events::{Event, Recorded};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_core::session::Session;
use switchboard_core::{demo, workspaces};

/// Waits (with a deadline) until `events` holds one matching `wanted`.
async fn wait_for(events: &Recorded, wanted: impl Fn(&Event) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if events.0.lock().unwrap().iter().any(&wanted) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no such event within 20 s: {:?}", events.0.lock().unwrap());
}

/// The person at the consent page: picks the demo's first workspace and allows.
fn browser(url: &str) -> switchboard_core::Result<()> {
    let url = url.to_owned();
    tokio::spawn(async move {
        let parsed = url::Url::parse(&url).unwrap();
        let base = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap());
        let base = format!("{base}:{}", parsed.port().unwrap());
        let seeded: serde_json::Value = reqwest::get(format!("{base}/_emulator/workspaces"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let team = seeded["workspaces"][0]["team_id"]
            .as_str()
            .unwrap()
            .to_owned();
        reqwest::Client::new()
            .post(&url)
            .form(&[("decision", "allow"), ("team_id", team.as_str())])
            .send()
            .await
            .unwrap();
    });
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_follows_the_active_profile_and_the_demo_needs_no_keyring() {
    let home_dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Recorded::default());
    let home = Profile::open(ProfileConfig {
        secrets: SecretsIn::Memory,
        events: events.clone(),
        ..ProfileConfig::new(home_dir.path().to_path_buf(), Endpoints::slack())
    });
    let session = Session::new(home, events.clone());
    assert_eq!(
        session.background_tasks().await,
        0,
        "nothing runs before it is started"
    );
    session.start_background().await;
    assert_eq!(
        session.background_tasks().await,
        6,
        "the health loop, the delivery worker, Socket Mode and its handler, the ingest API and the store watcher"
    );
    wait_for(&events, |e| {
        matches!(e, Event::HealthChecked { checked: 0, .. })
    })
    .await;

    // Another process (here: another profile over the same directory, as `switchboard project
    // add` would open it) changes the database: the console announces it like its own change.
    tokio::time::sleep(switchboard_core::watch::LOOK_EVERY * 2).await;
    events.0.lock().unwrap().clear();
    let other = Profile::open(ProfileConfig {
        secrets: SecretsIn::Memory,
        ..ProfileConfig::new(home_dir.path().to_path_buf(), Endpoints::slack())
    });
    switchboard_core::projects::add(
        &other,
        switchboard_core::projects::NewProject {
            name: "Website relaunch".into(),
            client: None,
            external_id: Some("web".into()),
        },
    )
    .unwrap();
    wait_for(&events, |e| matches!(e, Event::ProjectsChanged)).await;
    drop(other);

    // The demo: a profile of its own, secrets in memory (no OS keyring is touched), the real
    // OAuth flow and the real paste path; background work moves to it.
    let connected = demo::start(&session, &browser).await.unwrap();
    let profile = session.profile();
    assert!(
        profile.is_demo() && profile.keyring_profile.is_none(),
        "secrets in memory"
    );
    assert_eq!(profile.data_dir, home_dir.path().join("demo"));
    let ws = &workspaces::list(&profile).unwrap()[0];
    assert_eq!(ws.team_id, connected.team_id);
    assert!(
        ws.has_bot_token && ws.has_user_token,
        "both ways in were used"
    );
    assert!(ws.is_demo);
    assert_eq!(
        session.background_tasks().await,
        6,
        "restarted for the demo"
    );
    // The demo keeps its app's app-level token too: Slack can reach it over Socket Mode.
    let deadline = Instant::now() + Duration::from_secs(20);
    while profile.socket_status().state != switchboard_core::socket_mode::SocketState::Connected {
        assert!(Instant::now() < deadline, "{:?}", profile.socket_status());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        workspaces::list(&session.home()).unwrap().is_empty(),
        "the person's data is untouched"
    );

    // A second demo starts from a fresh database.
    let audit_before = profile
        .db()
        .unwrap()
        .read(|c| switchboard_store::audit::recent(c, 100))
        .unwrap()
        .len();
    demo::start(&session, &browser).await.unwrap();
    let again = session.profile();
    let audit_after = again
        .db()
        .unwrap()
        .read(|c| switchboard_store::audit::recent(c, 100))
        .unwrap()
        .len();
    assert_eq!(
        audit_after, audit_before,
        "the same steps, on a reset database"
    );
    assert!(
        profile.is_shutting_down(),
        "the first demo profile was shut down when replaced"
    );

    assert!(demo::leave(&session).await);
    assert!(
        !session.profile().is_demo(),
        "back to the person's own profile"
    );
    assert_eq!(session.background_tasks().await, 6, "restarted for home");
    assert!(
        !demo::leave(&session).await,
        "leaving twice changes nothing"
    );

    session.shutdown().await;
    assert_eq!(
        session.background_tasks().await,
        0,
        "quitting stops background work"
    );
    assert!(session.profile().is_shutting_down());
}
