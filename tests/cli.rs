//! The `switchboard` binary's command line, run as a person would: `--version`, `--help`, flag
//! validation, and a headless subcommand, which must work with no display at all (it never
//! opens a window).

use std::process::{Command, Output};

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        // No display: a subcommand that tried to open a window would fail.
        .env_remove("DISPLAY")
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
    assert_eq!(info["schema_version"], 1, "migrations were applied");
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
