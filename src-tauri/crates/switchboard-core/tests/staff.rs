//! Staff connections and direct messages over the emulator: email matching (letter case,
//! `+tags`, several users with one address, deactivated users, no match, Slack asked about an
//! address the synced directory lacks); switching a member off holds their messages with the
//! reason and on sends them; direct messages reach the member's DM channel with the template
//! and the sender's name; working hours hold them and release them (on the profile's clock),
//! urgent escalations go at once; requests go to the manager, decisions to the member,
//! escalations as their rule says; nothing is dropped silently.

mod common;

use std::time::Duration;

use common::World;
use serde_json::{Value, json};
use slack_emulator::Seed;
use switchboard_core::catalog::IncomingEvent;
use switchboard_core::delivery;
use switchboard_core::dm::{self, Compose};
use switchboard_core::ingest::{self, Source};
use switchboard_core::linking;
use switchboard_core::profile::SecretsIn;
use switchboard_core::staff::{self, HoursInput, RuleView, StaffQuery};
use switchboard_core::{EventKind, directory, staff_import};
use tokio_util::sync::CancellationToken;

struct Setup {
    world: World,
    team: String,
    /// Slack user ids by handle.
    users: std::collections::HashMap<String, String>,
}

async fn add_user(world: &World, team: &str, name: &str, email: &str, deleted: bool) -> String {
    let answer = world
        .control(
            "users",
            json!({"team_id": team, "name": name, "real_name": name, "email": email,
                   "deleted": deleted, "tz": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(answer["ok"], true, "{answer}");
    answer["user_id"].as_str().unwrap().to_owned()
}

const STAFF_CSV: &str = "name,email,role,manager\n\
    Mara Boss,mara@example.com,manager,\n\
    Ann Lee,ann.lee@example.com,staff,mara@example.com\n\
    Bob Stone,bob@example.com,staff,mara@example.com\n\
    Cy Young,cy+work@example.com,staff,mara@example.com\n\
    Dee Two,dup@example.com,staff,mara@example.com\n\
    Gus Gone,gone@example.com,staff,mara@example.com\n\
    Nia None,nobody@example.com,staff,mara@example.com\n\
    Pat Late,late@example.com,staff,mara@example.com\n\
    Quinn Quiet,,staff,mara@example.com\n\
    Zed One,zed@example.com,staff,mara@example.com\n\
    Zed Two,zed+two@example.com,staff,mara@example.com\n";

async fn setup() -> Setup {
    let world = World::start_tuned(
        Seed::Large {
            channels: 6,
            users: 4,
        },
        SecretsIn::Memory,
        |config| config.slack_pacing = false,
    )
    .await;
    let team = world.first_team();
    let mut users = std::collections::HashMap::new();
    for (handle, email, deleted) in [
        ("mara", "mara@example.com", false),
        ("ann", "Ann.Lee@Example.COM", false),
        ("bob", "bob+slack@example.com", false),
        ("cy", "cy@example.com", false),
        ("dee1", "dup@example.com", false),
        ("dee2", "DUP@example.com", false),
        ("gus", "gone@example.com", true),
        ("zed", "zed@example.com", false),
    ] {
        users.insert(
            handle.to_owned(),
            add_user(&world, &team, handle, email, deleted).await,
        );
    }
    world.paste(&world.bot_token(0), None).await.unwrap();
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    // Pat joins Slack after the sync: only users.lookupByEmail knows them.
    users.insert(
        "pat".into(),
        add_user(&world, &team, "pat", "late@example.com", false).await,
    );
    let imported = staff_import::import(&world.profile, STAFF_CSV).unwrap();
    assert!(imported.imported && imported.creates == 11, "{imported:?}");
    Setup { world, team, users }
}

fn member_id(world: &World, email: &str) -> i64 {
    staff::find(&world.profile, email).unwrap().id
}

async fn deliver(world: &World) -> delivery::Summary {
    tokio::time::timeout(
        Duration::from_secs(60),
        delivery::until_idle(world.profile.clone(), CancellationToken::new()),
    )
    .await
    .expect("delivery finishes")
    .expect("delivery runs")
}

async fn slack_messages(world: &World) -> Vec<Value> {
    let answer: Value = world.inspect("messages").await;
    answer["messages"].as_array().unwrap().clone()
}

/// The DM messages Slack holds for channel `channel`.
async fn in_channel(world: &World, channel: &str) -> Vec<Value> {
    slack_messages(world)
        .await
        .into_iter()
        .filter(|m| m["channel"] == channel)
        .collect()
}

fn dm_channel_of(world: &World, team: &str, user: &str) -> Option<String> {
    world
        .profile
        .db()
        .unwrap()
        .read(|c| switchboard_store::staff::dm_channel(c, team, user))
        .unwrap()
}

async fn link_all(setup: &Setup) -> linking::Plan {
    let plans = linking::plan(&setup.world.profile, Some(&setup.team), &|_| {})
        .await
        .unwrap();
    let plan = plans.into_iter().next().unwrap();
    let applied =
        linking::apply(&setup.world.profile, &plan, &linking::every_match(&plan)).unwrap();
    assert!(applied.refused.is_empty(), "{applied:?}");
    plan
}

fn outcome_of(plan: &linking::Plan, email: &str) -> (&'static str, Option<String>) {
    let p = plan
        .proposals
        .iter()
        .find(|p| p.email.as_deref() == Some(email) || (email.is_empty() && p.email.is_none()))
        .unwrap_or_else(|| panic!("{email} in {plan:?}"));
    (p.outcome, p.user.as_ref().map(|u| u.user_id.clone()))
}

#[tokio::test]
async fn email_matching_links_what_is_certain_and_reports_the_rest() {
    let setup = setup().await;
    let plan = link_all(&setup).await;
    let u = |h: &str| Some(setup.users[h].clone());
    assert_eq!(outcome_of(&plan, "mara@example.com"), ("match", u("mara")));
    assert_eq!(
        outcome_of(&plan, "ann.lee@example.com"),
        ("match", u("ann")),
        "letter case is ignored"
    );
    assert_eq!(
        outcome_of(&plan, "bob@example.com"),
        ("match", u("bob")),
        "a +tag on the Slack side"
    );
    assert_eq!(
        outcome_of(&plan, "cy+work@example.com"),
        ("match", u("cy")),
        "a +tag on the staff side"
    );
    assert_eq!(outcome_of(&plan, "dup@example.com").0, "several");
    assert_eq!(outcome_of(&plan, "gone@example.com").0, "deactivated");
    assert_eq!(outcome_of(&plan, "nobody@example.com").0, "no_match");
    assert_eq!(outcome_of(&plan, "").0, "no_email");
    assert_eq!(
        outcome_of(&plan, "late@example.com"),
        ("match", u("pat")),
        "users.lookupByEmail finds who joined after the sync"
    );
    let pat = plan
        .proposals
        .iter()
        .find(|p| p.email.as_deref() == Some("late@example.com"))
        .unwrap();
    assert_eq!(pat.source, Some("lookup"));
    assert_eq!((plan.matched, plan.looked_up), (5, 2), "{plan:?}");
    assert_eq!(
        (
            outcome_of(&plan, "zed@example.com").0,
            outcome_of(&plan, "zed+two@example.com").0,
            plan.shared
        ),
        ("shared", "shared", 2),
        "two members whose addresses lead to one Slack user: neither is linked"
    );

    // What was linked reads as connected; the rest say why not, and filter.
    let page = |show: &str| {
        staff::list(
            &setup.world.profile,
            &StaffQuery {
                show: Some(show.into()),
                ..StaffQuery::default()
            },
        )
        .unwrap()
    };
    assert_eq!(page("connected").total, 5);
    let no_match: Vec<String> = page("no_match").rows.into_iter().map(|m| m.name).collect();
    assert_eq!(
        no_match,
        [
            "Dee Two",
            "Gus Gone",
            "Nia None",
            "Quinn Quiet",
            "Zed One",
            "Zed Two"
        ]
    );
    let attention: Vec<String> = page("needs_attention")
        .rows
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(attention, ["Dee Two", "Gus Gone", "Zed One", "Zed Two"]);
    let nia = staff::find(&setup.world.profile, "nobody@example.com").unwrap();
    assert!(!nia.connected && nia.state == "not_linked");
    assert!(nia.reason.contains("no Slack user"), "{}", nia.reason);

    // A second run changes nothing that was linked.
    let again = linking::plan(&setup.world.profile, Some(&setup.team), &|_| {})
        .await
        .unwrap();
    assert_eq!((again[0].already_linked, again[0].matched), (5, 0));

    // Linking by hand: one of the two users with Dee's address.
    let dee = member_id(&setup.world, "dup@example.com");
    let linked = staff::link(
        &setup.world.profile,
        dee,
        &setup.team,
        &setup.users["dee2"],
        switchboard_store::staff::LinkedBy::Manual,
    )
    .unwrap();
    assert!(linked.connected, "{linked:?}");
    let taken = staff::link(
        &setup.world.profile,
        member_id(&setup.world, "nobody@example.com"),
        &setup.team,
        &setup.users["dee2"],
        switchboard_store::staff::LinkedBy::Manual,
    )
    .unwrap_err();
    assert!(
        taken.to_string().contains("already linked to Dee Two"),
        "{taken}"
    );
}

fn compose(to: &str, purpose: &str, text: &str) -> Compose {
    Compose {
        to: to.into(),
        purpose: purpose.into(),
        text: Some(text.into()),
        sender: Some("Mara Boss".into()),
        ..Compose::default()
    }
}

#[tokio::test]
async fn direct_messages_reach_the_members_dm_with_the_template_and_the_sender() {
    let setup = setup().await;
    link_all(&setup).await;
    let world = &setup.world;
    let mut vacation = compose("ann.lee@example.com", "vacation_request", "Enjoy!");
    vacation.link = Some("https://app.example.com/vacations/311".into());
    vacation.fields.insert("from".into(), json!("2026-12-21"));
    vacation.fields.insert("to".into(), json!("2026-12-24"));
    vacation.urgent = true;
    let sent = dm::send(&world.profile, &vacation, Source::Cli).unwrap();
    assert_eq!(
        (sent.outcome.as_str(), sent.reason.as_str()),
        ("queued", "direct_message"),
        "{sent:?}"
    );
    assert_eq!(sent.recipient, "Ann Lee");
    let summary = deliver(world).await;
    assert_eq!(summary.sent, 1, "{summary:?}");
    let channel = dm_channel_of(world, &setup.team, &setup.users["ann"]).expect("opened");
    assert!(channel.starts_with('D'), "{channel}");
    let messages = in_channel(world, &channel).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let blocks = messages[0]["blocks"].to_string();
    assert!(
        blocks.contains("from Mara Boss via Switchboard"),
        "{blocks}"
    );
    assert!(
        blocks.contains("vacations/311"),
        "the link button: {blocks}"
    );
    assert!(
        messages[0]["text"]
            .as_str()
            .unwrap()
            .starts_with(":white_check_mark: Your vacation request from Mon 21 Dec 2026 to Thu 24 Dec 2026 was approved")
            && messages[0]["text"].as_str().unwrap().contains("Enjoy!"),
        "{}",
        messages[0]["text"]
    );

    // The purpose's template is used (a channel template of the same kind is not); the preview
    // is what arrives; sent once, whatever is sent again with the same id.
    switchboard_core::templates::save(
        &world.profile,
        EventKind::VacationRequested.as_str(),
        Some("CHANNEL WORDING {staff}"),
    )
    .unwrap();
    let saved = dm::save_template(
        &world.profile,
        "text",
        Some(":wave: {sender} writes: {text}"),
    )
    .unwrap();
    assert_eq!(
        saved.template.as_deref(),
        Some(":wave: {sender} writes: {text}")
    );
    assert_eq!(dm::template(&world.profile, "text").unwrap(), saved);
    let bob_ref = format!("#{}", member_id(world, "bob@example.com"));
    let mut text = compose(&bob_ref, "text", "Please check your hours");
    text.id = Some("dm-once".into());
    text.urgent = true;
    let preview = dm::preview(&world.profile, &text, None).unwrap();
    assert_eq!(
        preview.text,
        ":wave: Mara Boss writes: Please check your hours"
    );
    let draft = dm::preview(&world.profile, &text, Some("{nonsense} {text}")).unwrap();
    assert_eq!(draft.text, "Please check your hours");
    assert_eq!(draft.warnings.len(), 1, "{:?}", draft.warnings);
    assert!(
        format!("{:?}", draft.warnings[0]).contains("nonsense"),
        "{:?}",
        draft.warnings
    );
    let mut bad = text.clone();
    bad.purpose = "timesheet_approval".into();
    bad.fields.insert("period".into(), json!("2026-W47"));
    bad.fields.insert("hours".into(), json!("many"));
    let refused = dm::preview(&world.profile, &bad, None).unwrap_err();
    assert!(
        matches!(&refused, switchboard_core::Error::InvalidInput { field, .. } if field.contains("hours")),
        "{refused:?}"
    );
    // Numbers arrive as text from the console and the CLI, and are read as numbers.
    bad.fields.insert("hours".into(), json!("38.5"));
    let good = dm::preview(&world.profile, &bad, None).unwrap();
    assert!(good.text.contains("38.5"), "{}", good.text);
    dm::send(&world.profile, &text, Source::Ui).unwrap();
    let again = dm::send(&world.profile, &text, Source::Ui).unwrap();
    assert!(again.duplicate);
    deliver(world).await;
    let bob_channel = dm_channel_of(world, &setup.team, &setup.users["bob"]).unwrap();
    let bob = in_channel(world, &bob_channel).await;
    assert_eq!(bob.len(), 1);
    assert_eq!(
        bob[0]["text"].as_str().unwrap(),
        ":wave: Mara Boss writes: Please check your hours"
    );
    let mut vacation_again = vacation.clone();
    vacation_again.to = bob_ref.clone();
    vacation_again.urgent = true;
    dm::send(&world.profile, &vacation_again, Source::Ui).unwrap();
    deliver(world).await;
    let bob = in_channel(world, &bob_channel).await;
    assert!(
        !bob.iter()
            .any(|m| m["text"].as_str().unwrap().contains("CHANNEL WORDING")),
        "{bob:?}"
    );

    // Bob's history: his two messages, newest first, each sent with its permalink; Ann's is not
    // in it.
    let history = switchboard_core::timeline::timeline(
        &world.profile,
        &switchboard_core::timeline::TimelineQuery {
            staff: Some(member_id(world, "bob@example.com")),
            limit: 50,
            ..Default::default()
        },
    )
    .unwrap();
    let kinds: Vec<&str> = history.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["vacation.requested", "message.direct"],
        "{history:?}"
    );
    for entry in &history.entries {
        assert_eq!(entry.lines.len(), 1, "{entry:?}");
        assert_eq!(entry.lines[0].state, "sent", "{entry:?}");
        assert!(entry.lines[0].permalink.is_some(), "{entry:?}");
    }

    // A member who cannot receive messages: recorded as not delivered, never dropped.
    let nia = dm::send(
        &world.profile,
        &compose("nobody@example.com", "text", "Hi"),
        Source::Ui,
    )
    .unwrap();
    assert_eq!(
        (nia.outcome.as_str(), nia.reason.as_str()),
        ("skipped", "staff_not_linked")
    );
    assert!(
        nia.sentence
            .starts_with("Not delivered: Nia None is not connected to Slack"),
        "{}",
        nia.sentence
    );

    // Relinked to another Slack user before delivery: the message for the old user is discarded,
    // saying why, instead of reaching the wrong person.
    let mut stale = compose("bob@example.com", "text", "For the old account");
    stale.urgent = true;
    let stale = dm::send(&world.profile, &stale, Source::Ui).unwrap();
    staff::link(
        &world.profile,
        member_id(world, "bob@example.com"),
        &setup.team,
        &setup.users["dee1"],
        switchboard_store::staff::LinkedBy::Manual,
    )
    .unwrap();
    let item = switchboard_core::outbox::detail(&world.profile, stale.outbox_id.unwrap())
        .unwrap()
        .item;
    assert_eq!(item.state, "discarded");
    assert!(
        item.error
            .as_deref()
            .unwrap_or("")
            .contains("linked to another Slack user"),
        "{item:?}"
    );
    assert_eq!(deliver(world).await.sent, 0);
}

#[tokio::test]
async fn switching_a_member_off_holds_their_messages_and_on_sends_them() {
    let setup = setup().await;
    link_all(&setup).await;
    let world = &setup.world;
    let mut first = compose("bob@example.com", "text", "One");
    first.urgent = true;
    let queued = dm::send(&world.profile, &first, Source::Ui).unwrap();
    // Switched off before delivery: the waiting message is held with the reason.
    let off = staff::set_connection(&world.profile, "bob@example.com", false).unwrap();
    assert!(!off.connected && off.state == "switched_off", "{off:?}");
    assert!(off.reason.starts_with("Switched off by"), "{}", off.reason);
    let held = switchboard_core::outbox::detail(&world.profile, queued.outbox_id.unwrap()).unwrap();
    assert_eq!(
        (held.item.state.as_str(), held.item.hold_reason.as_deref()),
        ("held", Some("staff_switched_off"))
    );
    // New messages while off are recorded as not delivered.
    let mut second = compose("bob@example.com", "text", "Two");
    second.urgent = true;
    let refused = dm::send(&world.profile, &second, Source::Ui).unwrap();
    assert_eq!(
        (
            refused.outcome.as_str(),
            refused.reason.as_str(),
            refused.outbox_id
        ),
        ("skipped", "staff_switched_off", None)
    );
    assert!(
        refused
            .sentence
            .starts_with("Not delivered: Bob Stone is not connected to Slack"),
        "{}",
        refused.sentence
    );
    // Recorded in his history with the reason, not dropped.
    let history = switchboard_core::timeline::timeline(
        &world.profile,
        &switchboard_core::timeline::TimelineQuery {
            staff: Some(member_id(world, "bob@example.com")),
            limit: 10,
            ..Default::default()
        },
    )
    .unwrap();
    let lines: Vec<(&str, &str)> = history
        .entries
        .iter()
        .flat_map(|e| e.lines.iter())
        .map(|l| (l.state.as_str(), l.reason.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("skipped", "staff_switched_off"),
            ("held", "direct_message")
        ],
        "{history:?}"
    );
    assert_eq!(deliver(world).await.sent, 0);
    // It reads the same from a new profile over the same directory (a restart).
    let reopened =
        switchboard_core::profile::Profile::open(switchboard_core::profile::ProfileConfig {
            secrets: SecretsIn::Memory,
            ..switchboard_core::profile::ProfileConfig::new(
                world.dir.path().to_path_buf(),
                world.profile.endpoints.clone(),
            )
        });
    let member = staff::find(&reopened, "bob@example.com").unwrap();
    assert!(
        !member.switched_on && member.state == "switched_off",
        "{member:?}"
    );

    let on = staff::set_connection(&world.profile, "bob@example.com", true).unwrap();
    assert!(on.connected);
    assert_eq!(deliver(world).await.sent, 1);
    let channel = dm_channel_of(world, &setup.team, &setup.users["bob"]).unwrap();
    let texts: Vec<String> = in_channel(world, &channel)
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["One"]);
    let audit: Vec<(String, String, String)> = world
        .profile
        .db()
        .unwrap()
        .read(|c| {
            let mut q = c.prepare(
                "SELECT subject, old_value, new_value FROM audit_log
                 WHERE action = 'staff.slack' ORDER BY id",
            )?;
            let rows = q
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, switchboard_store::Error>(rows)
        })
        .unwrap();
    let bob = "Bob Stone <bob@example.com>".to_owned();
    assert_eq!(
        audit,
        [
            (bob.clone(), "on".into(), "off".into()),
            (bob, "off".into(), "on".into())
        ]
    );
}

#[tokio::test]
async fn working_hours_hold_messages_until_the_next_period_and_urgent_ones_go_at_once() {
    let setup = setup().await;
    link_all(&setup).await;
    let world = &setup.world;
    let ann = member_id(world, "ann.lee@example.com");
    // A period starting two hours from now (UTC), every day.
    let now = jiff::Timestamp::from_millisecond(world.profile.now_ms())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    let start = (now.hour() as u16 + 2) % 24 * 60;
    let end = (start + 60) % (24 * 60);
    staff::set_hours(
        &world.profile,
        ann,
        HoursInput {
            days: 127,
            start: format!("{:02}:{:02}", start / 60, start % 60),
            end: format!("{:02}:{:02}", end / 60, end % 60),
            time_zone: Some("UTC".into()),
        },
    )
    .unwrap();
    let waiting = dm::send(
        &world.profile,
        &compose("ann.lee@example.com", "text", "Later"),
        Source::Ui,
    )
    .unwrap();
    assert_eq!(
        (waiting.outcome.as_str(), waiting.reason.as_str()),
        ("held", "working_hours"),
        "{waiting:?}"
    );
    let item = switchboard_core::outbox::detail(&world.profile, waiting.outbox_id.unwrap())
        .unwrap()
        .item;
    let release = item.next_attempt_at.expect("held until a time");
    let expected = {
        let today = now.date().at((start / 60) as i8, (start % 60) as i8, 0, 0);
        let at = today.to_zoned(jiff::tz::TimeZone::UTC).unwrap();
        // Two hours ahead may be tomorrow already.
        let at = if at.timestamp() <= now.timestamp() {
            at.tomorrow().unwrap()
        } else {
            at
        };
        at.timestamp().as_millisecond()
    };
    assert_eq!(release, expected, "held until her next period starts");

    // An urgent flex-time escalation bypasses the hours.
    let urgent = ingest::receive(
        &world.profile,
        IncomingEvent {
            id: "flex-1".into(),
            kind: "escalation.flextime".into(),
            occurred_at: "2026-11-24T08:00:00Z".into(),
            project: None,
            staff: Some("ann.lee@example.com".into()),
            to: None,
            from: None,
            urgent: true,
            data: serde_json::from_value(json!({"balance_hours": 42.5, "limit_hours": 40}))
                .unwrap(),
        },
        Source::Ingest,
    )
    .unwrap()
    .0;
    let to_ann = urgent
        .routes
        .iter()
        .find(|r| r.channel.as_deref() == Some("Ann Lee"))
        .unwrap();
    assert_eq!(to_ann.outcome, "queued", "{urgent:?}");
    let summary = deliver(world).await;
    assert_eq!(
        summary.sent, 2,
        "the escalation to Ann and to her manager: {summary:?}"
    );
    let channel = dm_channel_of(world, &setup.team, &setup.users["ann"]).unwrap();
    let texts = |messages: Vec<Value>| -> Vec<String> {
        messages
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let so_far = texts(in_channel(world, &channel).await);
    assert_eq!(so_far.len(), 1, "only the urgent one: {so_far:?}");
    assert!(so_far[0].contains("42.5"), "the escalation: {so_far:?}");

    // The delivery loop releases the held message when her period starts, not before.
    world
        .profile
        .advance_clock(release - world.profile.now_ms() - 1_000);
    assert_eq!(deliver(world).await.sent, 0, "a second before her period");
    world.profile.advance_clock(2_000);
    assert_eq!(deliver(world).await.sent, 1, "her period has started");
    assert_eq!(
        texts(in_channel(world, &channel).await)
            .last()
            .map(String::as_str),
        Some("Later")
    );

    // After her period a new message waits for the next day's; switched off meanwhile, her
    // period comes and it still waits; switched on within it, it goes.
    world.profile.advance_clock(2 * 3_600_000);
    let next = dm::send(
        &world.profile,
        &compose("ann.lee@example.com", "text", "Tomorrow"),
        Source::Ui,
    )
    .unwrap();
    assert_eq!(next.outcome, "held", "{next:?}");
    let tomorrow = switchboard_core::outbox::detail(&world.profile, next.outbox_id.unwrap())
        .unwrap()
        .item
        .next_attempt_at
        .unwrap();
    assert_eq!(tomorrow, release + 24 * 3_600_000, "the next day's period");
    staff::set_connection(&world.profile, "ann.lee@example.com", false).unwrap();
    world
        .profile
        .advance_clock(tomorrow - world.profile.now_ms() + 1_000);
    assert_eq!(
        deliver(world).await.sent,
        0,
        "switched off wins over working hours"
    );
    staff::set_connection(&world.profile, "ann.lee@example.com", true).unwrap();
    let summary = deliver(world).await;
    assert_eq!(summary.sent, 1, "{summary:?}");
    assert_eq!(
        texts(in_channel(world, &channel).await),
        [so_far[0].as_str(), "Later", "Tomorrow"]
    );
}

fn event(id: &str, kind: &str, staff: &str, data: Value) -> IncomingEvent {
    IncomingEvent {
        id: id.into(),
        kind: kind.into(),
        occurred_at: "2026-11-24T08:00:00Z".into(),
        project: None,
        staff: Some(staff.into()),
        to: None,
        from: None,
        urgent: true,
        data: serde_json::from_value(data).unwrap(),
    }
}

fn targets(receipt: &ingest::Receipt) -> Vec<(String, String)> {
    receipt
        .routes
        .iter()
        .filter(|r| r.staff_id.is_some() || r.notification_channel_id.is_none())
        .map(|r| {
            (
                r.channel.as_deref().unwrap_or("").to_owned(),
                r.reason.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn requests_go_to_the_manager_decisions_to_the_member_and_escalations_by_their_rule() {
    let setup = setup().await;
    link_all(&setup).await;
    let p = &setup.world.profile;
    let receive = |e: IncomingEvent| ingest::receive(p, e, Source::Ingest).unwrap().0;
    let request = receive(event(
        "v-1",
        "vacation.requested",
        "ann.lee@example.com",
        json!({"from": "2026-12-21", "to": "2026-12-24"}),
    ));
    assert_eq!(
        targets(&request),
        [("Mara Boss".into(), "direct_message".into())]
    );
    let decision = receive(event(
        "v-2",
        "vacation.requested",
        "ann.lee@example.com",
        json!({"from": "2026-12-21", "to": "2026-12-24", "decision": "approved"}),
    ));
    assert_eq!(
        targets(&decision),
        [("Ann Lee".into(), "direct_message".into())]
    );
    let no_manager = receive(event(
        "t-1",
        "timesheet.approval",
        "mara@example.com",
        json!({"period": "2026-W47", "hours": 40}),
    ));
    assert_eq!(
        targets(&no_manager),
        [("Mara Boss".into(), "no_manager".into())]
    );
    let stranger = receive(event(
        "t-2",
        "timesheet.approval",
        "who@example.com",
        json!({"period": "2026-W47", "hours": 40}),
    ));
    assert_eq!(
        targets(&stranger),
        [("who@example.com".into(), "staff_unknown".into())]
    );

    // Flex time: by default the member and the manager.
    let flex = json!({"balance_hours": 42.5, "limit_hours": 40});
    let both = receive(event(
        "f-1",
        "escalation.flextime",
        "bob@example.com",
        flex.clone(),
    ));
    assert_eq!(
        targets(&both),
        [
            ("Bob Stone".into(), "direct_message".into()),
            ("Mara Boss".into(), "direct_message".into())
        ]
    );
    let manager_only = RuleView {
        slack: true,
        member: false,
        manager: true,
        project_channel: false,
        urgent: false,
    };
    staff::set_escalation_rule(p, EventKind::EscalationFlextime, manager_only).unwrap();
    let to_manager = receive(event(
        "f-2",
        "escalation.flextime",
        "bob@example.com",
        flex.clone(),
    ));
    assert_eq!(
        targets(&to_manager),
        [("Mara Boss".into(), "direct_message".into())]
    );
    staff::set_escalation_rule(
        p,
        EventKind::EscalationFlextime,
        RuleView {
            slack: false,
            ..manager_only
        },
    )
    .unwrap();
    let off = receive(event("f-3", "escalation.flextime", "bob@example.com", flex));
    assert_eq!(targets(&off), [("".into(), "escalation_off".into())]);
    assert!(
        off.routes[0..]
            .iter()
            .any(|r| r.sentence.contains("Settings → Escalation rules")),
        "{off:?}"
    );
    assert!(
        staff::set_escalation_rule(
            p,
            EventKind::EscalationFlextime,
            RuleView {
                project_channel: true,
                ..manager_only
            }
        )
        .is_err(),
        "flex time has no project channel"
    );

    // The rule's `urgent`: outside Bob's hours a member-only escalation waits for them unless
    // the rule (or the event) says urgent.
    let bob = member_id(&setup.world, "bob@example.com");
    let hour = jiff::Timestamp::from_millisecond(p.now_ms())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .hour() as u16;
    let start = (hour + 2) % 24;
    staff::set_hours(
        p,
        bob,
        HoursInput {
            days: 127,
            start: format!("{start:02}:00"),
            end: format!("{:02}:00", (start + 1) % 24),
            time_zone: Some("UTC".into()),
        },
    )
    .unwrap();
    let member_only = RuleView {
        slack: true,
        member: true,
        manager: false,
        project_channel: false,
        urgent: false,
    };
    staff::set_escalation_rule(p, EventKind::EscalationFlextime, member_only).unwrap();
    let mut calm = event(
        "f-4",
        "escalation.flextime",
        "bob@example.com",
        json!({"balance_hours": 41, "limit_hours": 40}),
    );
    calm.urgent = false;
    let waits = receive(calm.clone());
    assert_eq!(
        targets(&waits),
        [("Bob Stone".into(), "working_hours".into())]
    );
    assert_eq!(waits.routes[0].outcome, "held", "{waits:?}");
    staff::set_escalation_rule(
        p,
        EventKind::EscalationFlextime,
        RuleView {
            urgent: true,
            ..member_only
        },
    )
    .unwrap();
    calm.id = "f-5".into();
    let now = receive(calm);
    assert_eq!(
        targets(&now),
        [("Bob Stone".into(), "direct_message".into())]
    );
    assert_eq!(now.routes[0].outcome, "queued", "{now:?}");
    let summary = deliver(&setup.world).await;
    assert_eq!(
        summary.sent, 6,
        "Mara (the request), Ann (the decision), Bob and Mara (flex time), Mara (manager only), Bob (urgent by its rule): {summary:?}"
    );
}

#[tokio::test]
async fn a_member_who_signs_in_with_slack_is_linked_to_their_own_slack_identity() {
    let setup = setup().await;
    let world = &setup.world;
    let pat = member_id(world, "late@example.com");
    let nia = member_id(world, "nobody@example.com");
    let links_of = |id: i64| staff::get(&world.profile, id).unwrap().links;

    // Without the app's client secret nothing starts: Slack wants it for Sign in with Slack.
    let never_opened = |_: &str| -> switchboard_core::Result<()> {
        panic!("the browser is not opened when the sign-in cannot finish")
    };
    let refused =
        switchboard_core::oauth::link_member_by_sign_in(&world.profile, pat, None, &never_opened)
            .await
            .unwrap_err();
    assert!(
        matches!(&refused, switchboard_core::Error::InvalidInput { field: "client_secret", message } if message.contains("Settings → Slack app")),
        "{refused:?}"
    );

    // A wrong secret: Slack refuses the exchange, the sentence says what to do, nobody is linked.
    switchboard_core::slack_app::set_client_secret(&world.profile, Some("wrongwrongwrong0000"))
        .await
        .unwrap();
    let refused = world
        .sign_in_as(pat, &setup.users["pat"], &setup.team, "allow")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("refused the app's client secret"),
        "{refused}"
    );
    assert!(links_of(pat).is_empty());
    switchboard_core::slack_app::set_client_secret(
        &world.profile,
        Some(slack_emulator::SEEDED_CLIENT_SECRET),
    )
    .await
    .unwrap();

    // Cancelling on Slack's page links nobody.
    let denied = world
        .sign_in_as(pat, &setup.users["pat"], &setup.team, "deny")
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("access_denied"), "{denied}");
    assert!(links_of(pat).is_empty());

    // Pat joined Slack after the last directory sync: Slack is asked who they are, they join
    // the directory, and Pat is linked to them, by sign-in.
    let signed = world
        .sign_in_as(pat, &setup.users["pat"], &setup.team, "allow")
        .await
        .unwrap();
    assert_eq!(signed.user_id, setup.users["pat"]);
    assert_eq!(signed.team_id, setup.team);
    assert_eq!(signed.slack_email.as_deref(), Some("late@example.com"));
    assert_eq!(signed.note, None, "the addresses agree");
    assert!(signed.member.connected, "{:?}", signed.member);
    let links = links_of(pat);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].slack_user_id, setup.users["pat"]);
    assert_eq!(links[0].linked_by, "sign_in");
    let audit = world
        .profile
        .db()
        .unwrap()
        .read(|c| switchboard_store::audit::recent(c, 5))
        .unwrap();
    assert!(
        audit.iter().any(|e| e.action == "staff.linked"
            && e.subject.contains("Pat Late")
            && e.new_value
                .as_deref()
                .is_some_and(|v| v.contains("(sign_in)"))),
        "{audit:?}"
    );
    // Nothing of the sign-in is kept: each token Slack granted (the wrong secret got none) went
    // back with auth.revoke, and users.info was asked about Pat once.
    let stats: Value = world.inspect("stats").await;
    assert_eq!(stats["requests"]["openid.connect.userInfo"], 1, "{stats}");
    assert_eq!(stats["requests"]["auth.revoke"], 1, "{stats}");

    assert_eq!(stats["requests"]["users.info"], 1, "{stats}");

    // Pat, linked, signs in as another Slack user (someone else at the browser): refused, and
    // Pat's link stays as it was.
    let replacing = world
        .sign_in_as(pat, &setup.users["zed"], &setup.team, "allow")
        .await
        .unwrap_err();
    assert!(
        replacing.to_string().contains("is linked to @pat")
            && replacing.to_string().contains("Nobody was changed"),
        "{replacing}"
    );
    assert_eq!(links_of(pat)[0].slack_user_id, setup.users["pat"]);

    // Someone else signing in as Pat's Slack user is refused: the user is Pat's.
    let taken = world
        .sign_in_as(nia, &setup.users["pat"], &setup.team, "allow")
        .await
        .unwrap_err();
    assert!(
        taken.to_string().contains("already linked to Pat Late"),
        "{taken}"
    );
    assert!(links_of(nia).is_empty());

    // Nia signs in as a Slack user whose address is not hers: linked (it is her identity, she
    // proved it), with a note to check the right person signed in.
    let signed = world
        .sign_in_as(nia, &setup.users["zed"], &setup.team, "allow")
        .await
        .unwrap();
    let note = signed.note.expect("the addresses differ");
    assert!(
        note.contains("zed@example.com") && note.contains("nobody@example.com"),
        "{note}"
    );
    assert_eq!(links_of(nia)[0].linked_by, "sign_in");

    // Delivery reaches the member linked by sign-in, in their own DM.
    let mut welcome = compose("late@example.com", "text", "Welcome aboard");
    welcome.urgent = true;
    let sent = dm::send(&world.profile, &welcome, Source::Ui).unwrap();
    assert_eq!(sent.outcome, "queued", "{sent:?}");
    deliver(world).await;
    let channel = dm_channel_of(world, &setup.team, &setup.users["pat"]).expect("a DM was opened");
    let arrived = in_channel(world, &channel).await;
    assert_eq!(arrived.len(), 1, "{arrived:?}");
    assert!(
        arrived[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Welcome aboard")),
        "{arrived:?}"
    );
}

#[tokio::test]
async fn signing_in_to_a_workspace_switchboard_is_not_connected_to_links_nobody() {
    let world = World::start(Seed::Demo).await;
    let seeded = world.seeded();
    let (first, second) = (
        seeded[0]["team_id"].as_str().unwrap().to_owned(),
        seeded[1]["team_id"].as_str().unwrap().to_owned(),
    );
    world.paste(&world.bot_token(0), None).await.unwrap();
    directory::sync_workspace(&world.profile, &first, |_| {})
        .await
        .unwrap();
    switchboard_core::slack_app::set_client_secret(
        &world.profile,
        Some(slack_emulator::SEEDED_CLIENT_SECRET),
    )
    .await
    .unwrap();
    let member = staff::add(
        &world.profile,
        staff::NewMember {
            name: "Ola Other".into(),
            email: Some("ola@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let someone_there = seeded[1]["admin_user_id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("the seed names the second workspace's admin: {seeded}"));
    // A workspace connection still waiting for its browser is stopped by the sign-in, which
    // takes over the redirect port.
    let profile = world.profile.clone();
    let (opened, was_opened) = tokio::sync::oneshot::channel();
    let opened = std::sync::Mutex::new(Some(opened));
    let waiting = tokio::spawn(async move {
        switchboard_core::oauth::connect(&profile, None, &move |_| {
            if let Some(opened) = opened.lock().unwrap().take() {
                let _ = opened.send(());
            }
            Ok(())
        })
        .await
    });
    was_opened.await.unwrap();
    let refused = world
        .sign_in_as(member.id, &someone_there, &second, "allow")
        .await
        .unwrap_err();
    let stopped = waiting.await.unwrap().unwrap_err();
    assert_eq!(stopped.code(), "cancelled", "{stopped:?}");
    let text = refused.to_string();
    assert!(
        text.contains("not connected to") && text.contains("Nobody was linked"),
        "{text}"
    );
    assert!(
        staff::get(&world.profile, member.id)
            .unwrap()
            .links
            .is_empty()
    );
}
