//! `switchboard info`: opens (and if needed creates or upgrades) the database and reports on it.

use std::path::PathBuf;

use serde::Serialize;

use super::Cli;

/// `info --json`.
#[derive(Debug, Serialize)]
pub struct Info {
    pub version: &'static str,
    pub data_dir: PathBuf,
    pub database: PathBuf,
    pub schema_version: u32,
    pub slack_api_base: String,
    pub slack_oauth_base: String,
    /// The id the keyring stores this data directory's secrets under.
    pub keyring_profile: Option<String>,
}

pub fn run(cli: &Cli, json: bool) -> anyhow::Result<()> {
    let profile = cli.profile()?;
    let info = Info {
        version: env!("CARGO_PKG_VERSION"),
        database: profile.database_path.clone(),
        data_dir: profile.data_dir.clone(),
        schema_version: profile.db()?.schema_version()?,
        slack_api_base: profile.endpoints.api_base.to_string(),
        slack_oauth_base: profile.endpoints.oauth_base.to_string(),
        keyring_profile: profile.keyring_profile.clone(),
    };
    if json {
        return super::print_json(&info);
    }
    println!("Switchboard {}", info.version);
    println!("data directory  {}", info.data_dir.display());
    println!(
        "database        {} (schema version {})",
        info.database.display(),
        info.schema_version
    );
    println!("Slack API       {}", info.slack_api_base);
    println!("Slack OAuth     {}", info.slack_oauth_base);
    Ok(())
}
