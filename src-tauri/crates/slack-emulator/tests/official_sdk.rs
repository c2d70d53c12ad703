//! Slack's official Python SDK (`slack_sdk`) against the emulator: `tests/sdk/python_sdk_check.py`
//! calls every method Switchboard uses, pages, meets errors, 429s and the PKCE OAuth flow as an
//! app would against Slack, and fails at the first answer Slack would not give;
//! `tests/sdk/socket_mode_check.py` does the same for Socket Mode (`slack_sdk.socket_mode`).
//!
//! The SDK lives in a virtual environment that `scripts/setup` creates (`.venv-sdk`, pinned
//! version); `SLACK_SDK_PYTHON` may name another interpreter that has it.

use std::path::PathBuf;
use std::process::Command;

use slack_emulator::{Config, Emulator};

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("SLACK_SDK_PYTHON") {
        return path.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../.venv-sdk/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run scripts/setup (it installs Slack's Python SDK for this test)",
        venv.display()
    );
    venv
}

/// Runs `tests/sdk/<script>` with Slack's Python SDK against a fresh emulator (rate limits
/// off) and checks that it ran to the end.
async fn run_sdk_script(script: &str) {
    let emulator = Emulator::start_with(
        "127.0.0.1:0".parse().unwrap(),
        Config {
            rate_limits: false,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(script);
    let base = emulator.base_url();
    let output =
        tokio::task::spawn_blocking(move || Command::new(python()).arg(script).arg(base).output())
            .await
            .unwrap()
            .expect("running the Python SDK check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK check failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.starts_with("ok: "),
        "the check ran to the end: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slacks_python_sdk_cannot_tell_the_emulator_from_slack() {
    run_sdk_script("python_sdk_check.py").await;
}

/// `slack_sdk.socket_mode` connects with the app-level token, receives and acknowledges every
/// kind of envelope, gets an unacknowledged event again as a retry, and reconnects after a
/// `disconnect` warning and a dropped socket (`tests/sdk/socket_mode_check.py`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slacks_socket_mode_client_talks_to_the_emulator() {
    run_sdk_script("socket_mode_check.py").await;
}
