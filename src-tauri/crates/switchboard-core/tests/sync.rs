//! Directory sync through core's `directory::sync_workspace` against the emulator: both lists
//! paged concurrently and written while the next page is fetched, vanished rows, cancel, and a
//! sync interrupted part-way that resumes from its last cursor instead of starting over.

mod common;

use common::World;
use slack_emulator::Seed;
use switchboard_core::directory::{self, Phase, SyncOutcome};
use switchboard_store::directory as cache;

#[tokio::test]
async fn a_sync_pages_both_lists_marks_what_vanished_and_resumes_after_an_interruption() {
    let world = World::start(Seed::Large {
        channels: 2_500,
        users: 1_200,
    })
    .await;
    let team = world.first_team();
    world.paste(&world.bot_token(0), None).await.unwrap();

    let mut seen = Vec::new();
    let mut searchable = Vec::new();
    let profile = &world.profile;
    let outcome = directory::sync_workspace(profile, &team, |p| {
        seen.push(p.clone());
        // The picker searches what has arrived while the sync goes on.
        let index = directory::channel_index(profile, &team).unwrap();
        searchable.push((p.channels, index.search("", true, 0, 1).total));
    })
    .await
    .unwrap();
    let SyncOutcome::Complete(summary) = outcome else {
        panic!("not cancelled: {outcome:?}");
    };
    let (channels, users) = world
        .profile
        .db()
        .unwrap()
        .read(|c| cache::counts(c, &team))
        .unwrap();
    assert_eq!((summary.channels, summary.users), (channels, users));
    assert!(
        channels >= 2_400,
        "public and visible private channels: {channels}"
    );
    assert!(users >= 1_200, "{users}");
    assert!(
        summary.pages >= 5,
        "paged at 1000 a page: {}",
        summary.pages
    );
    assert!(!summary.resumed);
    assert!(
        seen.windows(2)
            .all(|w| w[0].channels <= w[1].channels && w[0].users <= w[1].users),
        "progress only grows"
    );
    let first_user_page = seen.iter().position(|p| p.users > 0).unwrap();
    let last_channel_page = seen.iter().rposition(|p| p.channels < channels).unwrap();
    assert!(
        first_user_page <= last_channel_page,
        "users arrive while channels are still being paged (concurrent lists)"
    );
    assert_eq!(seen.last().unwrap().phase, Phase::Done);
    assert!(
        searchable
            .iter()
            .any(|&(arrived, found)| found > 0 && found == arrived && arrived < channels),
        "part-way through, the picker found exactly the channels written so far: {searchable:?}"
    );
    assert!(world.workspace(&team).directory_synced_at.is_some());
    assert_eq!(
        world.count(
            "SELECT count(*) FROM audit_log WHERE action = ?1",
            "workspace.directory_synced"
        ),
        1,
        "a complete sync is audited"
    );

    // A channel that disappears from Slack is marked vanished by the next complete sync.
    world.exec(
        "INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at) VALUES (?1, 'CGONE', 'gone', 1)",
        &team,
    );
    let SyncOutcome::Complete(summary) = directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap()
    else {
        panic!("complete");
    };
    assert_eq!(summary.vanished_channels, 1);

    // Interrupted after three pages: what was written stays, nothing is marked vanished, and
    // the next sync resumes from the saved cursors.
    let profile = &world.profile;
    let outcome = directory::sync_workspace(profile, &team, |p| {
        if p.pages == 3 {
            directory::cancel_sync(profile, &team);
        }
    })
    .await
    .unwrap();
    let SyncOutcome::Cancelled(at) = outcome else {
        panic!("cancelled: {outcome:?}");
    };
    assert!(at.pages >= 3);
    let saved = world
        .profile
        .db()
        .unwrap()
        .read(|c| cache::sync_state(c, &team))
        .unwrap()
        .expect("the interrupted sync's cursors are saved");
    assert!(saved.channels_cursor.is_some() || saved.users_cursor.is_some());
    let SyncOutcome::Complete(resumed) = directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap()
    else {
        panic!("complete");
    };
    assert!(resumed.resumed, "the second sync continued the first");
    assert_eq!(
        (resumed.channels, resumed.users),
        (channels, users),
        "it counts what both runs read"
    );
    assert_eq!(
        resumed.vanished_channels, 0,
        "nothing seen by either run is marked vanished"
    );
    assert!(
        world
            .profile
            .db()
            .unwrap()
            .read(|c| cache::sync_state(c, &team))
            .unwrap()
            .is_none(),
        "a complete sync leaves no saved cursor"
    );
}
