//! `switchboard app-token`: the Slack app's app-level token (`xapp-…`), which Socket Mode
//! connects with. Without flags it says whether one is kept, never the token. `--stdin` reads
//! one from standard input, checks it with Slack and keeps it in the keyring; `--remove`
//! removes it. A running console or `switchboard serve` picks the change up when it next
//! connects (at once in the process that made it). `--json` prints the struct below.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use switchboard_core::slack_app;

use super::{Cli, print_json, runtime};

/// `switchboard app-token`'s flags.
#[derive(Debug, Args)]
pub struct AppTokenArgs {
    /// Read the app-level token from standard input, check it with Slack and keep it
    #[arg(long, conflicts_with = "remove")]
    pub stdin: bool,
    /// Remove the kept app-level token
    #[arg(long)]
    pub remove: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `app-token --json`: whether an app-level token is kept.
#[derive(Debug, Serialize)]
pub struct AppTokenJson {
    pub kept: bool,
}

pub fn run(cli: &Cli, args: &AppTokenArgs) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    let runtime = runtime()?;
    let said = if args.stdin {
        let mut pasted = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut pasted)?;
        runtime.block_on(slack_app::set_app_token(&profile, Some(pasted.trim())))?;
        "Slack accepted the app-level token; it is kept in the system keyring. Slack reaches Switchboard while the console or `switchboard serve` runs."
    } else if args.remove {
        runtime.block_on(slack_app::set_app_token(&profile, None))?;
        "The app-level token was removed: Slack cannot reach Switchboard until one is kept again."
    } else if runtime.block_on(slack_app::has_app_token(&profile)) {
        "An app-level token is kept in the system keyring (not shown). Slack reaches Switchboard through it while the console or `switchboard serve` runs."
    } else {
        "No app-level token is kept: Slack cannot reach Switchboard. Generate one under Basic Information → App-Level Tokens (scope connections:write) and run `switchboard app-token --stdin`."
    };
    if args.json {
        print_json(&AppTokenJson {
            kept: runtime.block_on(slack_app::has_app_token(&profile)),
        })?;
    } else {
        println!("{said}");
    }
    Ok(ExitCode::SUCCESS)
}
