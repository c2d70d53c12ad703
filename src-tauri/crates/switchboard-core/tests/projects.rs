//! Projects through core's user actions: adding, editing, archiving and finding them; a CSV
//! import previewed row by row, refused whole when a row has an error and applied whole when
//! none has; ten thousand projects paged and searched; and, over the emulator, a project's
//! channel receiving the project's timer events.

mod common;

use std::sync::Arc;

use common::World;
use slack_emulator::Seed;
use switchboard_core::catalog::{IncomingEvent, sample};
use switchboard_core::channels::{self, AddChannel};
use switchboard_core::events::{Event, Recorded};
use switchboard_core::ingest::{self, Source};
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_core::projects::{
    self, DEFAULT_PAGE, MAX_PAGE, NewProject, ProjectEdit, ProjectQuery, ProjectView, RowAction,
};
use switchboard_core::{Error, EventKind, directory};

/// A profile on a temporary directory (no Slack needed), recording what it announces.
fn profile() -> (tempfile::TempDir, Profile, Arc<Recorded>) {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Recorded::default());
    let profile = Profile::open(ProfileConfig {
        secrets: SecretsIn::Memory,
        actor: "ada".to_owned(),
        events: events.clone(),
        ..ProfileConfig::new(dir.path().to_path_buf(), Endpoints::slack())
    });
    (dir, profile, events)
}

fn new(name: &str, client: Option<&str>, external_id: Option<&str>) -> NewProject {
    NewProject {
        name: name.to_owned(),
        client: client.map(str::to_owned),
        external_id: external_id.map(str::to_owned),
    }
}

/// Every project, archived ones too, by name.
fn all(profile: &Profile) -> Vec<ProjectView> {
    projects::list(
        profile,
        &ProjectQuery {
            include_archived: true,
            limit: Some(MAX_PAGE),
            ..ProjectQuery::default()
        },
    )
    .unwrap()
    .items
}

type Entry = (String, String, Option<String>, Option<String>);

/// The audit log's entries whose action is like `pattern`, in order.
fn audit(profile: &Profile, pattern: &str) -> Vec<Entry> {
    profile
        .db()
        .unwrap()
        .read(|c| {
            let mut statement = c.prepare(
                "SELECT action, subject, old_value, new_value FROM audit_log
                 WHERE action LIKE ?1 ORDER BY id",
            )?;
            let rows = statement.query_map([pattern], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(switchboard_store::Error::from)
        })
        .unwrap()
}

fn entry(action: &str, subject: &str, old: Option<&str>, new: Option<&str>) -> Entry {
    (
        action.to_owned(),
        subject.to_owned(),
        old.map(str::to_owned),
        new.map(str::to_owned),
    )
}

#[test]
fn projects_are_added_edited_archived_and_found() {
    let (_dir, profile, events) = profile();
    let web = projects::add(
        &profile,
        new(" Website relaunch ", Some("Globex GmbH "), Some(" web-1")),
    )
    .unwrap();
    assert_eq!(
        (
            web.name.as_str(),
            web.client.as_deref(),
            web.external_id.as_deref(),
            web.active,
            web.channel.as_ref()
        ),
        (
            "Website relaunch",
            Some("Globex GmbH"),
            Some("web-1"),
            true,
            None
        ),
        "fields are trimmed; a new project is active and has no channel"
    );
    let crm = projects::add(&profile, new("CRM rollout", Some("Initech"), Some("crm"))).unwrap();

    // An external id belongs to one project: the refusal names the project that has it.
    let taken = projects::add(&profile, new("Other", None, Some("web-1"))).unwrap_err();
    assert!(
        matches!(&taken, Error::InvalidInput { field: "external_id", message } if message.contains("Website relaunch")),
        "{taken:?}"
    );
    for bad in [" ".to_owned(), "x".repeat(201), "two\nlines".to_owned()] {
        let refused = projects::add(&profile, new(&bad, None, None)).unwrap_err();
        assert!(
            matches!(refused, Error::InvalidInput { field: "name", .. }),
            "{bad:?}: {refused:?}"
        );
    }

    // Editing changes what is named; an empty client removes it.
    let edited = projects::edit(
        &profile,
        web.id,
        ProjectEdit {
            name: Some("Website 2.0".into()),
            client: Some(String::new()),
            external_id: None,
        },
    )
    .unwrap();
    assert_eq!(
        (
            edited.name.as_str(),
            edited.client.as_deref(),
            edited.external_id.as_deref()
        ),
        ("Website 2.0", None, Some("web-1"))
    );
    let clash = projects::edit(
        &profile,
        crm.id,
        ProjectEdit {
            external_id: Some("web-1".into()),
            ..ProjectEdit::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            clash,
            Error::InvalidInput {
                field: "external_id",
                ..
            }
        ),
        "{clash:?}"
    );
    let unchanged = projects::edit(
        &profile,
        crm.id,
        ProjectEdit {
            name: Some(" CRM rollout".into()),
            ..ProjectEdit::default()
        },
    )
    .unwrap();
    assert_eq!(unchanged.name, "CRM rollout");

    // Archived projects leave the list unless asked for; search covers name, client and
    // external id, in any letter case.
    assert!(
        !projects::set_active(&profile, crm.id, false)
            .unwrap()
            .active
    );
    let search = |text: &str, include_archived: bool| {
        projects::list(
            &profile,
            &ProjectQuery {
                search: Some(text.to_owned()),
                include_archived,
                ..ProjectQuery::default()
            },
        )
        .unwrap()
    };
    assert_eq!(search("initech", false).total, 0);
    let found = search("INITECH", true);
    assert_eq!(
        found.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        [crm.id]
    );
    assert!(!found.items[0].active);
    assert_eq!(search("WEB-1", false).items[0].id, web.id);
    assert_eq!(search("2.0", false).total, 1);
    assert!(projects::set_active(&profile, crm.id, true).unwrap().active);
    // Making an active project active is no change: neither audited nor announced.
    projects::set_active(&profile, web.id, true).unwrap();

    // A project is found by external id, number, or name when only one has it.
    assert_eq!(projects::find(&profile, "crm").unwrap().id, crm.id);
    assert_eq!(
        projects::find(&profile, &web.id.to_string()).unwrap().id,
        web.id
    );
    assert_eq!(projects::find(&profile, "Website 2.0").unwrap().id, web.id);
    projects::add(&profile, new("Website 2.0", None, None)).unwrap();
    let ambiguous = projects::find(&profile, "Website 2.0").unwrap_err();
    assert!(
        matches!(&ambiguous, Error::InvalidInput { field: "project", message } if message.contains("web-1")),
        "the candidates are listed by external id: {ambiguous:?}"
    );
    let missing = projects::find(&profile, "nope").unwrap_err();
    assert!(
        matches!(
            missing,
            Error::NotFound {
                what: "project",
                ..
            }
        ),
        "{missing:?}"
    );

    // Every change is audited with old and new value; refused ones and no-ops are not.
    assert_eq!(
        audit(&profile, "project.%"),
        [
            entry(
                "project.created",
                "Website relaunch (web-1)",
                None,
                Some("name: Website relaunch; external_id: web-1; client: Globex GmbH")
            ),
            entry(
                "project.created",
                "CRM rollout (crm)",
                None,
                Some("name: CRM rollout; external_id: crm; client: Initech")
            ),
            entry(
                "project.edited",
                "Website relaunch (web-1)",
                Some("name: Website relaunch; client: Globex GmbH"),
                Some("name: Website 2.0; client: (none)")
            ),
            entry(
                "project.active",
                "CRM rollout (crm)",
                Some("true"),
                Some("false")
            ),
            entry(
                "project.active",
                "CRM rollout (crm)",
                Some("false"),
                Some("true")
            ),
            entry(
                "project.created",
                "Website 2.0",
                None,
                Some("name: Website 2.0")
            ),
        ]
    );
    let announced = events
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| **e == Event::ProjectsChanged)
        .count();
    assert_eq!(announced, 6, "each change is announced, once");
}

#[test]
fn an_import_is_previewed_row_by_row_and_applied_whole_or_not_at_all() {
    let (_dir, profile, _) = profile();
    projects::add(&profile, new("Website", Some("Globex"), Some("web-1"))).unwrap();
    let before = all(&profile);
    let csv = "External ID,Name,Client,Active\r\n\
               web-1,Website relaunch,Globex,yes\r\n\
               new-1,\"Apps, mobile\",Initech,no\r\n\
               new-2,,Initech,yes\r\n";

    let preview = projects::preview(&profile, csv).unwrap();
    let actions: Vec<(u32, RowAction)> = preview.rows.iter().map(|r| (r.line, r.action)).collect();
    assert_eq!(
        actions,
        [
            (2, RowAction::Update),
            (3, RowAction::Create),
            (4, RowAction::Error)
        ]
    );
    assert_eq!(preview.rows[0].changes, ["name"]);
    assert_eq!(preview.rows[2].errors[0].column, "name");
    assert!(!preview.imported);
    assert_eq!(all(&profile), before, "a preview writes nothing");

    let refused = projects::import(&profile, csv).unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput { field: "csv", message }
            if message.contains("nothing was imported") && message.contains("line 4 (name)")),
        "{refused:?}"
    );
    assert_eq!(
        all(&profile),
        before,
        "a refused import writes nothing, not even its good rows"
    );

    let fixed = csv.replace("new-2,,", "new-2,Intranet,");
    let done = projects::import(&profile, &fixed).unwrap();
    assert!(done.imported);
    assert_eq!(
        (done.creates, done.updates, done.unchanged, done.errors),
        (2, 1, 0, 0)
    );
    let names: Vec<(String, Option<String>, bool)> = all(&profile)
        .into_iter()
        .map(|p| (p.name, p.external_id, p.active))
        .collect();
    assert_eq!(
        names,
        [
            ("Apps, mobile".to_owned(), Some("new-1".to_owned()), false),
            ("Intranet".to_owned(), Some("new-2".to_owned()), true),
            (
                "Website relaunch".to_owned(),
                Some("web-1".to_owned()),
                true
            ),
        ]
    );
    assert_eq!(
        audit(&profile, "projects.%"),
        [entry(
            "projects.imported",
            "Projects (CSV import)",
            None,
            Some("2 created, 1 updated, 0 unchanged")
        )],
        "one entry for the whole import"
    );
}

#[test]
fn ten_thousand_projects_are_imported_paged_and_searched() {
    let (_dir, profile, _) = profile();
    let mut csv = String::from("name,external_id,client\n");
    for i in 0..10_000 {
        csv.push_str(&format!("Project {i:05},P-{i:05},Client {}\n", i % 100));
    }
    let done = projects::import(&profile, &csv).unwrap();
    assert_eq!(done.creates, 10_000);

    let first = projects::list(&profile, &ProjectQuery::default()).unwrap();
    assert_eq!(first.total, 10_000);
    assert_eq!(
        first.items.len(),
        DEFAULT_PAGE as usize,
        "one page, not the whole table"
    );

    // Following `next` visits every project once, in name order.
    let mut seen = 0;
    let mut last = String::new();
    let mut after = None;
    loop {
        let page = projects::list(
            &profile,
            &ProjectQuery {
                after,
                limit: Some(MAX_PAGE),
                ..ProjectQuery::default()
            },
        )
        .unwrap();
        for project in &page.items {
            assert!(project.name > last, "{} after {last}", project.name);
            last.clone_from(&project.name);
            seen += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, 10_000);

    // A scrolled window is read by offset.
    let window = projects::list(
        &profile,
        &ProjectQuery {
            offset: 4_200,
            limit: Some(3),
            ..ProjectQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        window
            .items
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Project 04200", "Project 04201", "Project 04202"]
    );

    let search = |text: &str| {
        projects::list(
            &profile,
            &ProjectQuery {
                search: Some(text.to_owned()),
                ..ProjectQuery::default()
            },
        )
        .unwrap()
    };
    let one = search("p-04242");
    assert_eq!(one.total, 1);
    assert_eq!(one.items[0].name, "Project 04242");
    assert_eq!(
        search("Client 42").total,
        100,
        "every hundredth project has that client"
    );
}

fn timer(id: &str) -> IncomingEvent {
    // The sample names the project `website-relaunch` and a staff member.
    let mut event = sample(EventKind::TimerStarted);
    event.id = id.to_owned();
    event
}

#[tokio::test]
async fn a_projects_timer_events_go_to_the_channel_it_is_assigned() {
    let world = World::start(Seed::Large {
        channels: 60,
        users: 20,
    })
    .await;
    let team = world.first_team();
    world.paste(&world.bot_token(0), None).await.unwrap();
    directory::sync_workspace(&world.profile, &team, |_| {})
        .await
        .unwrap();
    let profile = &world.profile;
    // A channel that switched no kind on: only the project sends it anything.
    let design = channels::add(
        profile,
        AddChannel {
            team_id: team.clone(),
            channel: "#channel-000003".into(),
            kinds: vec![],
            thread_per_object: true,
            join: false,
        },
    )
    .await
    .unwrap();
    let project = projects::add(
        profile,
        new(
            "Website relaunch",
            Some("Globex GmbH"),
            Some("website-relaunch"),
        ),
    )
    .unwrap();

    let (unassigned, _) = ingest::receive(profile, timer("t-1"), Source::Cli).unwrap();
    assert!(
        unassigned
            .routes
            .iter()
            .any(|r| r.reason == "project_without_channel"),
        "{unassigned:?}"
    );

    let missing = projects::assign(profile, "website-relaunch", Some(design.id + 100)).unwrap_err();
    assert!(
        matches!(&missing, Error::NotFound { what: "channel", message } if message.contains("switchboard channel list")),
        "{missing:?}"
    );
    let assigned = projects::assign(profile, "Website relaunch", Some(design.id)).unwrap();
    let channel = assigned.channel.clone().expect("a channel is assigned");
    assert_eq!(
        (channel.id, channel.name.as_str()),
        (design.id, "#channel-000003"),
        "the project shows its channel's name"
    );
    assert_eq!(
        projects::get(profile, project.id).unwrap().channel,
        Some(channel)
    );

    let (receipt, _) = ingest::receive(profile, timer("t-2"), Source::Cli).unwrap();
    let to_design: Vec<(&str, &str)> = receipt
        .routes
        .iter()
        .filter(|r| r.notification_channel_id == Some(design.id))
        .map(|r| (r.outcome, r.reason.as_str()))
        .collect();
    assert_eq!(to_design, [("queued", "project_channel")], "{receipt:?}");

    // Archived, its events go nowhere, and the receipt says why.
    projects::set_active(profile, project.id, false).unwrap();
    let (archived, _) = ingest::receive(profile, timer("t-3"), Source::Cli).unwrap();
    assert!(
        archived
            .routes
            .iter()
            .any(|r| r.reason == "project_archived")
            && archived.routes.iter().all(|r| r.outcome != "queued"),
        "{archived:?}"
    );
    projects::set_active(profile, project.id, true).unwrap();

    let cleared = projects::assign(profile, &project.id.to_string(), None).unwrap();
    assert_eq!(cleared.channel, None);
    assert_eq!(
        audit(profile, "project.channel"),
        [
            entry(
                "project.channel",
                "Website relaunch (website-relaunch)",
                None,
                Some("#channel-000003")
            ),
            entry(
                "project.channel",
                "Website relaunch (website-relaunch)",
                Some("#channel-000003"),
                None
            ),
        ]
    );
}
