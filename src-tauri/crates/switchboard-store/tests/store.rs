//! Integration tests of the store: opening, pragmas, migrations, refusal of foreign files,
//! and the repositories.

use switchboard_store::{
    DB_FILE_NAME, Error, Store, audit, migrations, overview,
    rusqlite::{Connection, params},
    settings,
};

#[test]
fn migrations_are_valid() {
    // rusqlite_migration's own check: every migration applies in order on an empty database.
    migrations::MIGRATIONS
        .validate()
        .expect("the embedded migrations apply cleanly to an empty database");
}

#[test]
fn open_creates_directory_and_file_with_wal_and_foreign_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested").join("data");
    let store = Store::open(&dir).expect("a missing data directory is created");
    assert_eq!(store.path(), Some(dir.join(DB_FILE_NAME).as_path()));
    assert!(dir.join(DB_FILE_NAME).is_file(), "the database file exists");

    let conn = store.conn();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "file databases run in WAL mode");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1, "foreign keys are enforced");
    let busy: i64 = conn
        .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
        .unwrap();
    assert!(
        busy >= 1000,
        "writers wait for locks instead of failing at once, got {busy} ms"
    );
    assert_eq!(
        store.schema_version().unwrap() as usize,
        migrations::LATEST_VERSION,
        "every migration is applied at open"
    );
}

#[test]
fn reopening_keeps_what_was_stored() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let store = Store::open(tmp.path()).unwrap();
        settings::set(store.conn(), "theme", &"dark", 1).unwrap();
    }
    let store = Store::open(tmp.path()).unwrap();
    let theme: Option<String> = settings::get(store.conn(), "theme").unwrap();
    assert_eq!(
        theme.as_deref(),
        Some("dark"),
        "a second open sees the first one's data"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(DB_FILE_NAME);
    let content = b"these are somebody's notes, not a database\n".repeat(200);
    std::fs::write(&path, &content).unwrap();

    let error = Store::open(tmp.path()).expect_err("a text file is not opened as a database");
    assert!(
        matches!(error, Error::NotADatabase { .. }),
        "the error names the problem, got {error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("--data-dir") && message.contains(DB_FILE_NAME),
        "the message says which file and what to do: {message}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        content,
        "the file is not modified"
    );
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let store = Store::open(tmp.path()).unwrap();
        settings::set(store.conn(), "kept", &42, 1).unwrap();
        store
            .conn()
            .pragma_update(
                None,
                "user_version",
                (migrations::LATEST_VERSION + 5) as i64,
            )
            .unwrap();
    }
    let error = Store::open(tmp.path()).expect_err("a future schema is not downgraded");
    match &error {
        Error::TooNew { found, known, .. } => {
            assert_eq!(*found, migrations::LATEST_VERSION + 5);
            assert_eq!(*known, migrations::LATEST_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(error.to_string().contains("update Switchboard"), "{error}");

    // The data is still there for the newer build.
    let conn = Connection::open(tmp.path().join(DB_FILE_NAME)).unwrap();
    let kept: String = conn
        .query_row(
            "SELECT value_json FROM app_setting WHERE key = 'kept'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "42");
}

#[test]
fn an_unwritable_data_directory_gets_an_actionable_error() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let error =
        Store::open(&blocker.join("data")).expect_err("a path under a file cannot be created");
    assert!(matches!(error, Error::DataDir { .. }), "{error:?}");
    assert!(error.to_string().contains("--data-dir"), "{error}");
}

#[test]
fn schema_holds_the_whole_domain_model() {
    let store = Store::open_in_memory().unwrap();
    let mut tables: Vec<String> = store
        .conn()
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    assert_eq!(
        tables,
        [
            "app_setting",
            "audit_log",
            "decision",
            "delivery_attempt",
            "directory_sync",
            "escalation_rule",
            "event",
            "inbound",
            "notification_channel",
            "notification_toggle",
            "object_thread",
            "outbox",
            "project",
            "project_channel",
            "slack_channel",
            "slack_user",
            "staff",
            "staff_message",
            "staff_slack_link",
            "template",
            "workspace",
        ],
        "design.md's domain model, one table each, plus app settings, resumable syncs, and \
         delivery's record (routes, attempts, threads), what Slack sent over Socket Mode, decisions \
         made with its buttons and what staff wrote to the app"
    );
}

#[test]
fn foreign_keys_and_checks_reject_inconsistent_rows() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    let orphan = conn.execute(
        "INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at) VALUES ('T404', 'C1', 'general', 0)",
        [],
    );
    assert!(
        orphan.is_err(),
        "a channel of an unknown workspace is refused"
    );

    let bad_state = conn.execute(
        "INSERT INTO workspace (team_id, name, domain, status, connected_at, updated_at)
         VALUES ('T1', 'Acme', 'acme', 'sleeping', 0, 0)",
        [],
    );
    assert!(bad_state.is_err(), "an unknown workspace status is refused");

    conn.execute(
        "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at) VALUES ('T1', 'Acme', 'acme', 0, 0)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO slack_channel (team_id, channel_id, name, last_seen_at) VALUES ('T1', 'C1', 'general', 0)",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM workspace WHERE team_id = 'T1'", [])
        .unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM slack_channel", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "a workspace's directory cache goes with it");
}

#[test]
fn settings_round_trip_and_report_undecodable_values() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    assert_eq!(
        settings::get::<String>(conn, "theme").unwrap(),
        None,
        "unset is None"
    );
    settings::set(conn, "theme", &"light", 1).unwrap();
    settings::set(conn, "theme", &"dark", 2).unwrap();
    assert_eq!(
        settings::get::<String>(conn, "theme").unwrap().as_deref(),
        Some("dark"),
        "the last write wins"
    );
    let error = settings::get::<u32>(conn, "theme").expect_err("a string is not a number");
    assert!(
        matches!(error, Error::BadSetting { ref key, .. } if key == "theme"),
        "{error:?}"
    );
}

#[test]
fn audit_log_reads_back_newest_first() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    for (at, new) in [(10, "light"), (20, "dark")] {
        audit::record(
            conn,
            audit::NewAuditEntry {
                at,
                actor: "owner",
                action: "setting.changed",
                subject: "theme",
                old_value: None,
                new_value: Some(new),
            },
        )
        .unwrap();
    }
    let entries = audit::recent(conn, 10).unwrap();
    let values: Vec<_> = entries.iter().map(|e| e.new_value.as_deref()).collect();
    assert_eq!(values, [Some("dark"), Some("light")], "newest first");
    assert_eq!(
        audit::recent(conn, 1).unwrap().len(),
        1,
        "the limit is honoured"
    );
}

#[test]
fn overview_counts_what_is_stored() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    assert_eq!(
        overview::counts(conn).unwrap(),
        overview::Counts::default(),
        "empty at first"
    );

    conn.execute(
        "INSERT INTO workspace (team_id, name, domain, status, connected_at, updated_at)
         VALUES ('T1', 'Acme', 'acme', 'connected', 0, 0), ('T2', 'Beta', 'beta', 'needs_reconnect', 0, 0),
                ('T3', 'Gone', 'gone', 'disabled', 0, 0)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO staff (name, email, created_at) VALUES (?1, ?2, 0)",
        params!["Ada Lovelace", "ada@example.com"],
    )
    .unwrap();
    let counts = overview::counts(conn).unwrap();
    assert_eq!(
        counts.workspaces, 2,
        "a disconnected workspace is not counted as connected"
    );
    assert_eq!(
        counts.workspaces_needing_attention, 1,
        "only T2 needs a reconnect; T3 was disconnected on purpose"
    );
    assert_eq!(counts.staff, 1);
    assert_eq!(counts.linked_staff, 0, "nobody is linked yet");
}

#[test]
fn a_cached_directory_survives_the_move_to_clustered_tables() {
    // A database written by a build that stopped at migration 3 (rowid tables).
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(DB_FILE_NAME);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::MIGRATIONS.to_version(&mut conn, 3).unwrap();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO slack_channel (team_id, channel_id, name, is_private, member_count,
                 topic, last_seen_at, vanished_at)
                 VALUES ('T1', 'C1', 'general', 0, 12, 'Company news', 5, NULL),
                        ('T1', 'C2', 'old-project', 1, NULL, NULL, 3, 4);
             INSERT INTO slack_user (team_id, user_id, name, real_name, email, tz, last_seen_at)
                 VALUES ('T1', 'U1', 'jane', 'Jane Doe', 'Jane@Acme.example', 'Europe/Berlin', 5);",
        )
        .unwrap();
    }
    let store = Store::open(tmp.path()).expect("the upgrade applies");
    let conn = store.conn();
    type Row = (
        String,
        String,
        bool,
        Option<i64>,
        Option<String>,
        Option<i64>,
    );
    let channels: Vec<Row> = conn
        .prepare(
            "SELECT channel_id, name, is_private, member_count, topic, vanished_at
             FROM slack_channel ORDER BY channel_id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        channels,
        vec![
            (
                "C1".into(),
                "general".into(),
                false,
                Some(12),
                Some("Company news".into()),
                None
            ),
            ("C2".into(), "old-project".into(), true, None, None, Some(4)),
        ]
    );
    let (email, tz): (String, String) = conn
        .query_row(
            "SELECT email, tz FROM slack_user WHERE team_id = 'T1' AND email = 'jane@acme.example' COLLATE NOCASE",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (email.as_str(), tz.as_str()),
        ("Jane@Acme.example", "Europe/Berlin")
    );
    let without_rowid: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('slack_channel', 'slack_user')
             AND sql LIKE '%WITHOUT ROWID%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        without_rowid, 2,
        "both directory tables are clustered on their keys"
    );
    let indexes: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN
             ('slack_channel', 'slack_user') AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["slack_user_by_email", "slack_user_live"]);
    // The workspace's cascade still reaches the rebuilt tables.
    conn.execute("DELETE FROM workspace WHERE team_id = 'T1'", [])
        .unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM slack_channel) + (SELECT count(*) FROM slack_user)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn routing_decisions_move_onto_their_event_with_every_value() {
    // A database written by a build that stopped at migration 6 (decisions in event_route).
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(DB_FILE_NAME);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::MIGRATIONS.to_version(&mut conn, 6).unwrap();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO notification_channel (id, team_id, channel_id, channel_name, created_at)
                 VALUES (1, 'T1', 'C1', 'sales', 0), (2, 'T1', 'C2', 'ops', 0);
             INSERT INTO event (id, idempotency_key, kind, source, payload_json, received_at)
                 VALUES (7, 'inv-1', 'invoice.sent', 'ingest', '{}', 5);
             INSERT INTO outbox (id, event_id, notification_channel_id, team_id, target_kind,
                 target_id, payload_json, next_attempt_at, created_at, updated_at)
                 VALUES (40, 7, 1, 'T1', 'channel', 'C1', '{}', 5, 5, 5);
             INSERT INTO event_route (event_id, seq, notification_channel_id, team_id, channel_id,
                 channel_name, outcome, reason, outbox_id)
                 VALUES (7, 0, 1, 'T1', 'C1', 'sales', 'queued', 'kind_on', 40),
                        (7, 1, 2, 'T1', 'C2', 'ops', 'skipped', 'kind_off', NULL),
                        (7, 2, NULL, NULL, NULL, NULL, 'skipped', 'no_channel', NULL);",
        )
        .unwrap();
    }
    let store = Store::open(tmp.path()).expect("the upgrade applies");
    let routes = switchboard_store::events::routes(store.conn(), 7).unwrap();
    let seen: Vec<_> = routes
        .iter()
        .map(|r| {
            (
                r.notification_channel_id,
                r.channel_id.as_deref(),
                r.channel_name.as_deref(),
                r.outcome.as_str(),
                r.reason.as_str(),
                r.outbox_id,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                Some(1),
                Some("C1"),
                Some("sales"),
                "queued",
                "kind_on",
                Some(40)
            ),
            (
                Some(2),
                Some("C2"),
                Some("ops"),
                "skipped",
                "kind_off",
                None
            ),
            (None, None, None, "skipped", "no_channel", None),
        ]
    );
}

#[test]
fn rebuilding_event_and_outbox_keeps_every_row_and_attempt() {
    // A database written by a build that stopped at migration 7: payloads on every outbox
    // row, attempts and threads recorded. Rebuilding the tables must not cascade into them.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(DB_FILE_NAME);
    {
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrations::MIGRATIONS.to_version(&mut conn, 7).unwrap();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO notification_channel (id, team_id, channel_id, channel_name, created_at)
                 VALUES (1, 'T1', 'C1', 'sales', 0);
             INSERT INTO event (id, idempotency_key, kind, source, payload_json, received_at,
                 occurred_at, object_key, routes_json)
                 VALUES (7, 'inv-1', 'invoice.sent', 'ingest', '{\"id\":\"inv-1\"}', 5, 4,
                         'invoice:1', '[{\"n\":1,\"o\":\"queued\",\"r\":\"kind_on\"}]');
             INSERT INTO outbox (id, event_id, notification_channel_id, team_id, target_kind,
                 target_id, payload_json, thread_key, state, attempts, next_attempt_at,
                 slack_ts, permalink, created_at, updated_at, check_first)
                 VALUES (40, 7, 1, 'T1', 'channel', 'C1', '{\"text\":\"Invoice 1\"}',
                         'invoice:1', 'sent', 2, 5, '1.000100', 'https://x.slack.com/p1',
                         5, 6, 0);
             INSERT INTO delivery_attempt (outbox_id, attempt, started_at, outcome, wait_ms)
                 VALUES (40, 1, 5, 'retry', 1000), (40, 2, 6, 'sent', NULL);",
        )
        .unwrap();
    }
    let store = Store::open(tmp.path()).expect("the upgrade applies");
    let conn = store.conn();
    assert_eq!(
        switchboard_store::outbox::payload(conn, 40)
            .unwrap()
            .as_deref(),
        Some("{\"text\":\"Invoice 1\"}"),
        "the row keeps its own payload"
    );
    let kept: (String, String, i64, String, String) = conn
        .query_row(
            "SELECT e.object_key, e.routes_json, o.attempts, o.slack_ts, o.permalink
             FROM outbox o JOIN event e ON e.id = o.event_id WHERE o.id = 40",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        kept,
        (
            "invoice:1".to_owned(),
            "[{\"n\":1,\"o\":\"queued\",\"r\":\"kind_on\"}]".to_owned(),
            2,
            "1.000100".to_owned(),
            "https://x.slack.com/p1".to_owned()
        )
    );
    let attempts: i64 = conn
        .query_row(
            "SELECT count(*) FROM delivery_attempt WHERE outbox_id = 40",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(attempts, 2, "dropping the old outbox did not cascade");
    let foreign_keys: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(foreign_keys, 1, "foreign keys are on again after migrating");
    // The rebuilt outbox still refers to the rebuilt event, and attempts to the outbox.
    conn.execute("DELETE FROM outbox WHERE id = 40", [])
        .unwrap();
    let attempts: i64 = conn
        .query_row("SELECT count(*) FROM delivery_attempt", [], |r| r.get(0))
        .unwrap();
    assert_eq!(attempts, 0, "attempts still go with their message");
    let orphan = conn.execute(
        "INSERT INTO outbox (event_id, team_id, target_kind, target_id, next_attempt_at,
             created_at, updated_at) VALUES (999, 'T1', 'channel', 'C1', 0, 0, 0)",
        [],
    );
    assert!(orphan.is_err(), "a message of an unknown event is refused");
    let bodiless = conn.execute(
        "INSERT INTO outbox (team_id, target_kind, target_id, next_attempt_at, created_at,
             updated_at) VALUES ('T1', 'channel', 'C1', 0, 0, 0)",
        [],
    );
    assert!(
        bodiless.is_err(),
        "a message without an event needs its own payload"
    );
}

#[test]
fn a_removed_channels_id_is_never_given_to_another() {
    // A database at migration 8 whose events name channels 5 and 7, both removed since.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(DB_FILE_NAME);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::MIGRATIONS.to_version(&mut conn, 8).unwrap();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO notification_channel (id, team_id, channel_id, channel_name, created_at)
                 VALUES (1, 'T1', 'C1', 'sales', 0), (2, 'T1', 'C2', 'ops', 0);
             INSERT INTO notification_toggle (notification_channel_id, event_kind, enabled)
                 VALUES (2, 'invoice.sent', 1);
             INSERT INTO event (id, idempotency_key, kind, source, payload_json, received_at,
                 routes_json)
                 VALUES (7, 'inv-1', 'invoice.sent', 'ingest', '{}', 5,
                         '[{\"n\":5,\"ns\":[7],\"r\":\"kind_off\"},{\"n\":2,\"r\":\"kind_off\"}]');",
        )
        .unwrap();
    }
    let store = Store::open(tmp.path()).expect("the upgrade applies");
    let conn = store.conn();
    conn.execute(
        "INSERT INTO notification_channel (team_id, channel_id, created_at) VALUES ('T1', 'C9', 0)",
        [],
    )
    .unwrap();
    assert_eq!(
        conn.last_insert_rowid(),
        8,
        "above every id a decision names"
    );
    let kept: i64 = conn
        .query_row(
            "SELECT count(*) FROM notification_toggle t JOIN notification_channel n
                 ON n.id = t.notification_channel_id WHERE n.channel_id = 'C2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 1, "toggles keep their channel");
    conn.execute("DELETE FROM notification_channel WHERE id = 8", [])
        .unwrap();
    conn.execute(
        "INSERT INTO notification_channel (team_id, channel_id, created_at) VALUES ('T1', 'C10', 0)",
        [],
    )
    .unwrap();
    assert_eq!(
        conn.last_insert_rowid(),
        9,
        "the removed one's id is not reused"
    );
}

#[test]
fn the_outbox_rebuilt_for_webhooks_keeps_direct_messages_and_their_attempts() {
    // A database at migration 11: a direct message to a staff member, urgent, with attempts.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(DB_FILE_NAME);
    {
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrations::MIGRATIONS.to_version(&mut conn, 11).unwrap();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO staff (id, name, email, created_at) VALUES (3, 'Sam', 'sam@x.example', 0);
             INSERT INTO event (id, idempotency_key, kind, source, payload_json, received_at,
                 message_json)
                 VALUES (7, 'vac-1', 'vacation.requested', 'ingest', '{}', 5, '{\"text\":\"v\"}');
             INSERT INTO outbox (id, event_id, team_id, target_kind, target_id, target_name,
                 state, attempts, next_attempt_at, slack_ts, created_at, updated_at, staff_id,
                 urgent)
                 VALUES (40, 7, 'T1', 'dm', 'U1', 'Sam', 'sent', 2, 5, '1.000100', 5, 6, 3, 1);
             INSERT INTO delivery_attempt (outbox_id, attempt, started_at, outcome, wait_ms)
                 VALUES (40, 1, 5, 'retry', 1000), (40, 2, 6, 'sent', NULL);",
        )
        .unwrap();
    }
    let store = Store::open(tmp.path()).expect("the upgrade applies");
    let conn = store.conn();
    let kept: (i64, i64, String, i64) = conn
        .query_row(
            "SELECT staff_id, urgent, slack_ts, attempts FROM outbox WHERE id = 40",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(kept, (3, 1, "1.000100".to_owned(), 2));
    let attempts: i64 = conn
        .query_row(
            "SELECT count(*) FROM delivery_attempt WHERE outbox_id = 40",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(attempts, 2, "rebuilding the outbox did not cascade");
    for kind in ["webhook", "update"] {
        conn.execute(
            "INSERT INTO outbox (event_id, team_id, target_kind, target_id, payload_json,
                 next_attempt_at, created_at, updated_at)
             VALUES (7, 'T1', ?1, 'decisions', '{}', 0, 0, 0)",
            [kind],
        )
        .unwrap_or_else(|e| panic!("a {kind} row is accepted: {e}"));
    }
    let unknown = conn.execute(
        "INSERT INTO outbox (event_id, team_id, target_kind, target_id, next_attempt_at,
             created_at, updated_at) VALUES (7, 'T1', 'fax', 'x', 0, 0, 0)",
        [],
    );
    assert!(unknown.is_err(), "other target kinds are refused");
}
