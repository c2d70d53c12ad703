//! The `switchboard` binary's command line, run as a person would: `--version`, `--help`, flag
//! validation, and a headless subcommand, which must work with no display at all (it never
//! opens a window).

use std::process::{Command, Output};

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        // No display: a subcommand that tried to open a window would fail.
        .env_remove("DISPLAY")
        // Every log line, so the token scans see all of them.
        .env("SWITCHBOARD_LOG", "trace")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("running switchboard")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn version_and_help_describe_the_program() {
    let output = switchboard(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        stdout(&output).trim(),
        format!("switchboard {}", env!("CARGO_PKG_VERSION"))
    );

    let output = switchboard(&["--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    for flag in [
        "--data-dir",
        "--slack-api-base",
        "--slack-oauth-base",
        "--version",
        "info",
    ] {
        assert!(help.contains(flag), "--help mentions {flag}:\n{help}");
    }
}

#[test]
fn info_creates_the_database_headlessly_and_reports_it_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data_str = data.to_str().unwrap();
    let output = switchboard(&[
        "info",
        "--json",
        "--data-dir",
        data_str,
        "--slack-api-base",
        "http://127.0.0.1:9/api",
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let info: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["data_dir"], data_str);
    assert_eq!(info["schema_version"], 12, "migrations were applied");
    assert_eq!(
        info["slack_api_base"], "http://127.0.0.1:9/api/",
        "the base URL is normalised to end in a slash"
    );
    let db = data.join("switchboard.sqlite3");
    assert_eq!(info["database"], db.to_str().unwrap());

    // The file is a real database with the schema.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        tables >= 15,
        "the domain schema exists, found {tables} tables"
    );
}

#[test]
fn bad_flags_are_refused_with_a_reason() {
    let output = switchboard(&["info", "--slack-api-base", "slack.com/api"]);
    assert_eq!(output.status.code(), Some(2), "usage errors exit with 2");
    let message = stderr(&output);
    assert!(
        message.contains("is not a URL") && message.contains("https://slack.com/api/"),
        "{message}"
    );

    let output = switchboard(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("frobnicate"));
}

#[test]
fn a_foreign_file_is_refused_without_being_modified() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("switchboard.sqlite3");
    std::fs::write(&db, b"not sqlite at all\n".repeat(300)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let output = switchboard(&["info", "--data-dir", tmp.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("is not a Switchboard database"),
        "{message}"
    );
    assert!(
        message.contains("--data-dir"),
        "the message says what to do: {message}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
}

fn switchboard_with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running switchboard");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The whole headless workspace lifecycle against the emulator, with the tokens in the real
/// Secret Service (run under scripts/with-keyring, as `make test` does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_commands_connect_list_sync_check_and_disconnect() {
    let emulator = slack_emulator::Emulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let seeded = emulator.workspaces();
    let team = seeded["workspaces"][0]["team_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bot = seeded["workspaces"][0]["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = seeded["workspaces"][0]["admin_user_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().to_str().unwrap().to_owned();
    let api = emulator.api_base();
    let secrets = [bot.clone(), admin.clone()];
    let run = |args: &[&str]| {
        let mut all = vec!["--data-dir", &data, "--slack-api-base", &api];
        all.extend_from_slice(args);
        let output = switchboard(&all);
        let (out, err) = (stdout(&output), stderr(&output));
        for secret in &secrets {
            assert!(
                !out.contains(secret.as_str()) && !err.contains(secret.as_str()),
                "a token reached the output or the log of {args:?}"
            );
        }
        (output.status.code(), out, err)
    };
    let (code, out, _) = run(&["workspace", "list"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("No workspace connected"), "{out}");

    // A user token is refused with the reason; nothing is stored.
    let mut args = vec!["--data-dir", &data, "--slack-api-base", &api];
    args.extend(["workspace", "connect", "--token-stdin"]);
    let refused = switchboard_with_stdin(&args, &admin);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("user token"),
        "{}",
        stderr(&refused)
    );
    let invalid = switchboard_with_stdin(&args, "xoxb-123-456-nope");
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stderr(&invalid).contains("did not accept this token"));
    assert_eq!(run(&["workspace", "list", "--json"]).1.trim(), "[]");

    let connected = switchboard_with_stdin(&args, &format!("{bot}\n"));
    assert!(
        connected.status.success(),
        "{}. Run the tests under scripts/with-keyring (make test does).",
        stderr(&connected)
    );
    assert!(stdout(&connected).contains("Connected Acme Studio"));

    // The app-level token for Socket Mode: a bot token is refused, the app's own is checked
    // with Slack and kept, never printed; --remove removes it.
    let app_token = seeded["workspaces"][0]["app_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut app_args = vec!["--data-dir", &data, "--slack-api-base", &api];
    app_args.extend(["app-token", "--stdin"]);
    let refused = switchboard_with_stdin(&app_args, &bot);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("xapp-"), "{}", stderr(&refused));
    let kept = switchboard_with_stdin(&app_args, &format!("{app_token}\n"));
    assert!(kept.status.success(), "{}", stderr(&kept));
    assert!(
        stdout(&kept).contains("Slack accepted"),
        "{}",
        stdout(&kept)
    );
    let (code, out, _) = run(&["app-token", "--json"]);
    assert_eq!(code, Some(0));
    assert!(!out.contains(&app_token));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        serde_json::json!({"kept": true})
    );
    let (code, out, _) = run(&["app-token", "--remove"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(run(&["app-token"]).1.contains("No app-level token is kept"));

    let (_, out, _) = run(&["workspace", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["team_id"], team.as_str());
    assert_eq!(list[0]["mode"], "bot token");
    assert_eq!(list[0]["status"], "connected");
    assert_eq!(list[0]["scope_problems"].as_array().unwrap().len(), 0);
    assert!(!out.contains(&bot), "the token never leaves the keyring");

    expect_test::expect![[r#"
        [].authed_user_id: null
        [].bot_scopes[]: string
        [].bot_token: bool
        [].bot_token_error: null
        [].bot_token_expires_at: null
        [].bot_token_refreshable: bool
        [].bot_user_id: string
        [].connected_at: number
        [].connected_by: string
        [].demo: bool
        [].directory_synced_at: null
        [].domain: string
        [].icon_url: string
        [].last_health_check_at: number
        [].mode: string
        [].name: string
        [].reconnect_token: null
        [].scope_problems: []
        [].status: string
        [].status_reason: null
        [].team_id: string
        [].user_scopes: []
        [].user_token: bool
        [].user_token_error: null
        [].user_token_expires_at: null"#]]
    .assert_eq(&shape_of(&list));

    let (code, out, err) = run(&["workspace", "sync", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let synced: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(synced[0]["channels"].as_u64().unwrap() >= 5, "{out}");
    assert!(synced[0]["users"].as_u64().unwrap() >= 5, "{out}");
    expect_test::expect![[r#"
        [].channels: number
        [].error: null
        [].name: string
        [].requests: number
        [].result: string
        [].resumed: bool
        [].team_id: string
        [].users: number
        [].vanished_channels: number
        [].vanished_users: number"#]]
    .assert_eq(&shape_of(&synced));
    let (code, _, err) = run(&["workspace", "sync", "T999"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("No workspace T999"), "{err}");

    let (code, out, _) = run(&["workspace", "check", "--json"]);
    assert_eq!(code, Some(0));
    let checked: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checked[0]["status"], "connected");
    expect_test::expect![[r#"
        [].bot_token_error: null
        [].error: null
        [].name: string
        [].reason: null
        [].scope_problems: []
        [].status: string
        [].team_id: string
        [].user_token_error: null"#]]
    .assert_eq(&shape_of(&checked));

    // A second workspace whose token dies: `sync` with no team still syncs the first, reports
    // both, and exits non-zero.
    let northwind_bot = seeded["workspaces"][1]["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let joined = switchboard_with_stdin(&args, &northwind_bot);
    assert!(joined.status.success(), "{}", stderr(&joined));
    let mut connect_json = args.clone();
    connect_json.push("--json");
    let again = switchboard_with_stdin(&connect_json, &northwind_bot);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["reconnect"], true);
    expect_test::expect![[r#"
        .name: string
        .reconnect: bool
        .team_id: string
        .warning: null"#]]
    .assert_eq(&shape_of(&again));
    reqwest::Client::new()
        .post(format!("{}/_emulator/tokens/revoke", emulator.base_url()))
        .json(&serde_json::json!({"token": northwind_bot}))
        .send()
        .await
        .unwrap();
    let (code, out, _) = run(&["workspace", "sync", "--json"]);
    assert_ne!(
        code,
        Some(0),
        "a failed workspace makes the exit code non-zero"
    );
    let synced: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results: Vec<&str> = synced
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        ["complete", "failed"],
        "each workspace is reported: {out}"
    );
    assert!(synced[1]["error"]["code"].is_string());
    let (code, out, _) = run(&["workspace", "check", "--json"]);
    assert_eq!(
        code,
        Some(3),
        "exit code 3: a workspace needs reconnecting: {out}"
    );
    let (code, out, _) = run(&["workspace", "disconnect", "--json", "T0000000002"]);
    assert_eq!(code, Some(0), "{out}");
    let done: serde_json::Value = serde_json::from_str(&out).unwrap();
    expect_test::expect![[r#"
        .kept_mappings: bool
        .name: string
        .revoked[]: string
        .team_id: string
        .warning: null"#]]
    .assert_eq(&shape_of(&done));
    let (_, _, _) = run(&[
        "workspace",
        "disconnect",
        "--forget-mappings",
        "T0000000002",
    ]);

    // Revoked in Slack: the check says so, and how to fix it.
    reqwest::Client::new()
        .post(format!("{}/_emulator/tokens/revoke", emulator.base_url()))
        .json(&serde_json::json!({"token": bot}))
        .send()
        .await
        .unwrap();
    let (code, out, _) = run(&["workspace", "check"]);
    assert!(
        out.contains("needs_reconnect") && out.contains("token_revoked"),
        "{out}"
    );
    assert_eq!(code, Some(3), "scripts learn from the exit code");
    let (_, out, _) = run(&["workspace", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        list[0]["reconnect_token"], "bot",
        "the bot token is the one to replace"
    );

    let (code, out, err) = run(&["workspace", "disconnect", &team]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("kept for a reconnect"), "{out}");
    let (_, out, _) = run(&["workspace", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["status"], "disabled");
    assert_eq!(list[0]["bot_token"], false);
    let (code, out, _) = run(&["workspace", "disconnect", &team, "--forget-mappings"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("removed"));
    assert_eq!(run(&["workspace", "list", "--json"]).1.trim(), "[]");
}

/// The shape of a JSON answer: every leaf replaced by its type, so a snapshot documents the
/// fields scripts rely on without the values that change from run to run.
fn shape_of(value: &serde_json::Value) -> String {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>, path: String) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    walk(v, out, format!("{path}.{k}"));
                }
            }
            serde_json::Value::Array(items) => match items.first() {
                Some(first) => walk(first, out, format!("{path}[]")),
                None => out.push(format!("{path}: []")),
            },
            serde_json::Value::Null => out.push(format!("{path}: null")),
            serde_json::Value::Bool(_) => out.push(format!("{path}: bool")),
            serde_json::Value::Number(_) => out.push(format!("{path}: number")),
            serde_json::Value::String(_) => out.push(format!("{path}: string")),
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out, String::new());
    out.join("\n")
}

/// With no Secret Service on the session bus, connecting says what to install or start, exits
/// non-zero and stores nothing; what needs no secret (listing) still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_connecting_explains_and_stores_nothing() {
    let emulator = slack_emulator::Emulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let bot = emulator.workspaces()["workspaces"][0]["bot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = emulator.api_base();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().to_str().unwrap().to_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "--data-dir",
            &data,
            "--slack-api-base",
            &api,
            "workspace",
            "connect",
            "--token-stdin",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus", data),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(bot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("keyring is not available") && err.contains("gnome-keyring"),
        "it says what is missing and what to start: {err}"
    );
    let listed = switchboard(&["--data-dir", &data, "workspace", "list", "--json"]);
    assert!(listed.status.success());
    assert_eq!(stdout(&listed).trim(), "[]", "nothing was stored");
}

#[test]
fn event_send_routes_one_event_from_stdin_or_flags_and_accepts_an_id_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data_str = data.to_str().unwrap();
    let base = [
        "--data-dir",
        data_str,
        "--slack-api-base",
        "http://127.0.0.1:9/api",
    ];
    let event = r#"{"id":"inv-1042-sent","kind":"invoice.sent","occurred_at":"2026-11-23T09:30:00Z",
        "data":{"number":"1042","client":"Globex","amount":"1250.00","currency":"EUR"}}"#;
    let mut args = base.to_vec();
    args.extend(["event", "send", "--json"]);
    let first = switchboard_with_stdin(&args, event);
    assert!(first.status.success(), "stderr: {}", stderr(&first));
    let receipt: serde_json::Value = serde_json::from_str(&stdout(&first)).expect("JSON");
    assert_eq!(receipt["id"], "inv-1042-sent");
    assert_eq!(receipt["kind"], "invoice.sent");
    assert_eq!(receipt["routes"][0]["outcome"], "skipped");
    assert_eq!(receipt["routes"][0]["reason"], "no_channel");
    assert!(
        receipt["routes"][0]["sentence"]
            .as_str()
            .unwrap()
            .contains("default channel"),
        "{receipt}"
    );
    let again = switchboard_with_stdin(&args, event);
    assert_eq!(
        stdout(&again),
        stdout(&first),
        "the same id is answered the same way"
    );

    // Flags instead of JSON, text output.
    let mut args = base.to_vec();
    args.extend([
        "event",
        "send",
        "--kind",
        "client.created",
        "--data",
        "client=Initech",
    ]);
    let flags = switchboard(&args);
    assert!(flags.status.success(), "stderr: {}", stderr(&flags));
    assert!(
        stdout(&flags).contains("client.created) received"),
        "{}",
        stdout(&flags)
    );

    // A bad field is named, and nothing is stored.
    let mut args = base.to_vec();
    args.extend([
        "event",
        "send",
        "--kind",
        "invoice.sent",
        "--data",
        "number=1",
    ]);
    let bad = switchboard(&args);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("data.client"), "{}", stderr(&bad));
    let unknown = switchboard_with_stdin(
        &[&base[..], &["event", "send"]].concat(),
        r#"{"id":"x","kind":"invoice.sent","occurred_at":"2026-11-23T09:30:00Z","projet":"p"}"#,
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("projet"), "{}", stderr(&unknown));
}

#[test]
fn templates_are_listed_previewed_set_from_a_file_or_stdin_and_reset() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let base = ["--data-dir", data.to_str().unwrap()];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(extra);
        switchboard(&args)
    };
    let json = |extra: &[&str]| -> serde_json::Value {
        let output = run(extra);
        assert!(output.status.success(), "stderr: {}", stderr(&output));
        serde_json::from_str(&stdout(&output)).expect("JSON")
    };

    let listed = json(&["template", "list", "--json"]);
    let invoice = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "invoice.sent")
        .expect("every kind is listed");
    assert_eq!(
        invoice["template"],
        serde_json::Value::Null,
        "default wording"
    );

    // A draft previewed from sample data, with a warning for the unknown placeholder.
    let preview = json(&[
        "template",
        "show",
        "invoice.sent",
        "--text",
        "Invoice {number} for {client}: {ammount}",
        "--json",
    ]);
    assert_eq!(
        preview["from_event"],
        serde_json::Value::Null,
        "sample data"
    );
    assert!(
        preview["text"].as_str().unwrap().starts_with("Invoice "),
        "{preview}"
    );
    assert_eq!(
        preview["warnings"][0]["placeholder"], "ammount",
        "{preview}"
    );

    // Saved from a file: listed as the owner's, and shown as saved.
    let file = tmp.path().join("invoice.txt");
    std::fs::write(&file, "Invoice *{number}* went to {client}\n").unwrap();
    let saved = json(&[
        "template",
        "set",
        "invoice.sent",
        "--file",
        file.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(saved["template"], "Invoice *{number}* went to {client}");
    let shown = run(&["template", "show", "invoice.sent"]);
    assert!(shown.status.success());
    assert!(
        stdout(&shown).contains("went to"),
        "the saved template is previewed: {}",
        stdout(&shown)
    );
    // From standard input.
    let mut args = base.to_vec();
    args.extend([
        "template",
        "set",
        "payment.received",
        "--file",
        "-",
        "--json",
    ]);
    let piped = switchboard_with_stdin(&args, "Paid: {number}");
    assert!(piped.status.success(), "stderr: {}", stderr(&piped));
    let piped: serde_json::Value = serde_json::from_str(&stdout(&piped)).unwrap();
    assert_eq!(piped["template"], "Paid: {number}");

    let reset = json(&["template", "reset", "invoice.sent", "--json"]);
    assert_eq!(reset["template"], serde_json::Value::Null);

    // A kind that does not exist is refused, naming it.
    let bad = run(&["template", "set", "invoice.snet", "--text", "x"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("invoice.snet"), "{}", stderr(&bad));
    let neither = run(&["template", "set", "invoice.sent"]);
    assert_eq!(
        neither.status.code(),
        Some(2),
        "--text or --file is required"
    );
}

#[test]
fn decisions_are_listed_and_the_webhook_is_set_with_a_secret_shown_once() {
    // The keyring is the session's own (scripts/with-keyring), as `make test` runs it.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let listed = switchboard(&["decisions", "list", "--json", "--data-dir", data]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"decisions": []}));
    let text = switchboard(&["decisions", "list", "--data-dir", data]);
    assert!(
        stdout(&text).starts_with("No decisions yet."),
        "{}",
        stdout(&text)
    );

    let empty = switchboard(&["decisions", "webhook", "--url", " ", "--data-dir", data]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(stderr(&empty).contains("--remove"), "{}", stderr(&empty));
    let plain = switchboard(&[
        "decisions",
        "webhook",
        "--url",
        "http://app.example.com/x",
        "--data-dir",
        data,
    ]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(stderr(&plain).contains("https"), "{}", stderr(&plain));

    let set = switchboard(&[
        "decisions",
        "webhook",
        "--url",
        "https://app.example.com/hooks/switchboard",
        "--json",
        "--data-dir",
        data,
    ]);
    assert!(set.status.success(), "{}", stderr(&set));
    let json: serde_json::Value = serde_json::from_slice(&set.stdout).unwrap();
    assert_eq!(json["url"], "https://app.example.com/hooks/switchboard");
    assert_eq!(json["has_secret"], true);
    let secret = json["new_secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{json}");
    // Shown once: asking again shows the URL, never the secret.
    let again = switchboard(&["decisions", "webhook", "--json", "--data-dir", data]);
    let json: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(json["new_secret"], serde_json::Value::Null);
    assert!(!stdout(&again).contains(secret));
    let removed = switchboard(&[
        "decisions",
        "webhook",
        "--remove",
        "--json",
        "--data-dir",
        data,
    ]);
    let json: serde_json::Value = serde_json::from_slice(&removed.stdout).unwrap();
    assert_eq!(json["url"], serde_json::Value::Null);
}
