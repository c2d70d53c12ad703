//! What the binary's headless tests share: running `switchboard` on one data directory against
//! an emulator, connecting its first workspace through `workspace connect --token-stdin`, and
//! reading what the emulator received.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use slack_emulator::Emulator;

/// `switchboard` on data directory `data`, talking to the emulator's `api`.
pub struct Switchboard {
    pub data: String,
    pub api: String,
    /// Pace calls to Slack (off against an emulator without limits: `--slack-no-pacing`).
    pub pacing: bool,
}

impl Switchboard {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .args(["--data-dir", &self.data, "--slack-api-base", &self.api])
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        if !self.pacing {
            command.arg("--slack-no-pacing");
        }
        command
    }

    /// Runs and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let output = self.command(args).output().expect("running switchboard");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs, expects success, and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(
            code,
            Some(0),
            "{args:?}: {err}. Run the tests under scripts/with-keyring (make test does)."
        );
        out
    }

    /// Runs, expects success, and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// Connects a workspace with `token` on standard input, as a person pasting it would.
    pub fn connect(&self, token: &str) {
        let mut child = self
            .command(&["workspace", "connect", "--token-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running switchboard");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(token.as_bytes())
            .unwrap();
        let connected = child.wait_with_output().unwrap();
        assert!(
            connected.status.success(),
            "{}. Run the tests under scripts/with-keyring (make test does).",
            String::from_utf8_lossy(&connected.stderr)
        );
    }
}

/// The first seeded workspace: its team id and bot token.
pub fn first_workspace(emulator: &Emulator) -> (String, String) {
    let seeded = emulator.workspaces();
    let first = &seeded["workspaces"][0];
    (
        first["team_id"].as_str().unwrap().to_owned(),
        first["bot_token"].as_str().unwrap().to_owned(),
    )
}

/// Every message the emulator holds, by channel, oldest first.
pub async fn slack_messages(emulator: &Emulator) -> Vec<Value> {
    let answer: Value = reqwest::get(format!("{}/_emulator/messages", emulator.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["messages"].as_array().unwrap().clone()
}
