//! `switchboard ingest-token`: the ingest API's bearer token. Without flags it says whether a
//! token exists and when it was made — never the token, which is shown only once, when it is
//! made. `--rotate` makes a new one (the old one stops working) and prints it alone on standard
//! output, so `TOKEN=$(switchboard ingest-token --rotate)` works; `--json` prints the typed
//! structs below instead.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use switchboard_core::ingest_token;

use super::{Cli, print_json, runtime};

/// `switchboard ingest-token`'s flags.
#[derive(Debug, Args)]
pub struct IngestTokenArgs {
    /// Make a new token in place of the current one and print it, once; senders using the
    /// old one are refused from then on
    #[arg(long)]
    pub rotate: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `ingest-token --json`: whether a token exists and when it was made (Unix milliseconds).
#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub exists: bool,
    pub created_at: Option<i64>,
}

/// `ingest-token --rotate --json`: the new token, shown this once.
#[derive(Debug, Serialize)]
pub struct RotatedJson<'a> {
    pub token: &'a str,
    pub created_at: Option<i64>,
}

pub fn run(cli: &Cli, args: &IngestTokenArgs) -> anyhow::Result<ExitCode> {
    let profile = cli.profile()?;
    let runtime = runtime()?;
    if args.rotate {
        let token = runtime.block_on(ingest_token::rotate(&profile))?;
        if args.json {
            print_json(&RotatedJson {
                token: token.expose(),
                created_at: ingest_token::created_at(&profile)?,
            })?;
        } else {
            println!("{}", token.expose());
            // Only for a person at a terminal: a script reading the token gets the token alone.
            if std::io::stdout().is_terminal() {
                eprintln!(
                    "This is the new ingest token; it is not shown again. Senders using the old one are refused from now on."
                );
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let status = runtime.block_on(ingest_token::status(&profile))?;
    if args.json {
        print_json(&StatusJson {
            exists: status.exists,
            created_at: status.created_at,
        })?;
    } else if status.exists {
        let made = status
            .created_at_rfc3339()
            .map_or_else(String::new, |at| format!(", made {at}"));
        println!(
            "An ingest token exists{made}. The token itself is shown only once, when it is made: run `switchboard ingest-token --rotate` for a new one (the old one then stops working)."
        );
    } else {
        println!(
            "No ingest token exists yet. Run `switchboard ingest-token --rotate` to make one; it is printed once. (`switchboard serve` also makes one when it starts, without showing it.)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
