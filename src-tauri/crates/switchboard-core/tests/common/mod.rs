//! The world the core's integration tests run in: the Slack emulator on `127.0.0.1:0`, and a
//! profile built by core's composition root on a temporary data directory (secrets in memory),
//! with a "browser" that fetches the consent page and submits it as a person would.

#![allow(dead_code)]

use serde_json::{Value, json};
use slack_emulator::{Config, Emulator, Seed};
use switchboard_core::oauth::Callback;
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_core::secrets::{SecretKey, SecretKind};
use switchboard_core::slack_app::AppSettings;
use switchboard_core::workspaces::{BotTokenPaste, Workspace};

pub const CLIENT_ID: &str = "1000000001.2000000001";

pub struct World {
    pub emulator: Emulator,
    pub profile: std::sync::Arc<Profile>,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl World {
    pub async fn start(seed: Seed) -> World {
        World::start_with(seed, SecretsIn::Memory).await
    }

    pub async fn start_with(seed: Seed, secrets: SecretsIn) -> World {
        World::start_tuned(seed, secrets, |_| {}).await
    }

    /// A world whose profile `tune` adjusts first (a shorter Slack timeout, no pacing).
    pub async fn start_tuned(
        seed: Seed,
        secrets: SecretsIn,
        tune: impl FnOnce(&mut ProfileConfig),
    ) -> World {
        // Port 0, kept until the first flow: nothing else can take it meanwhile.
        let callback = Callback::bind(0).await.unwrap();
        let port = callback.port();
        let emulator = Emulator::start_with(
            "127.0.0.1:0".parse().unwrap(),
            Config {
                seed,
                redirect_urls: vec![format!("http://localhost:{port}/callback")],
                rate_limits: false,
            },
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut config = ProfileConfig {
            secrets,
            actor: "ada".to_owned(),
            ..ProfileConfig::new(
                dir.path().to_path_buf(),
                Endpoints::new(&emulator.api_base(), &format!("{}/", emulator.base_url())).unwrap(),
            )
        };
        tune(&mut config);
        let profile = Profile::open(config);
        switchboard_core::slack_app::save_settings(
            &profile,
            &AppSettings {
                client_id: CLIENT_ID.into(),
                redirect_port: port,
                ..AppSettings::default()
            },
        )
        .unwrap();
        profile.reserve_callback(callback);
        World {
            emulator,
            profile: std::sync::Arc::new(profile),
            port,
            dir,
        }
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}/_emulator/{path}", self.emulator.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// What the emulator's control API answers to a GET of `/_emulator/{path}`.
    pub async fn inspect(&self, path: &str) -> Value {
        reqwest::get(format!("{}/_emulator/{path}", self.emulator.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub fn seeded(&self) -> Value {
        self.emulator.workspaces()["workspaces"].clone()
    }

    pub fn first_team(&self) -> String {
        self.seeded()[0]["team_id"].as_str().unwrap().to_owned()
    }

    pub fn bot_token(&self, i: usize) -> String {
        self.seeded()[i]["bot_token"].as_str().unwrap().to_owned()
    }

    pub fn secret(&self, kind: SecretKind, team: &str) -> Option<String> {
        self.profile
            .secrets()
            .store()
            .get(&SecretKey::workspace(kind, team))
            .unwrap()
            .map(|s| s.expose().to_owned())
    }

    pub fn workspace(&self, team: &str) -> Workspace {
        self.profile
            .db()
            .unwrap()
            .read(|c| switchboard_store::workspaces::get(c, team))
            .unwrap()
            .expect("the workspace is recorded")
    }

    /// Runs one statement with `team` as `?1`.
    pub fn exec(&self, sql: &str, team: &str) {
        self.profile
            .db()
            .unwrap()
            .write(|tx| {
                tx.execute(sql, [team])
                    .map_err(switchboard_store::Error::from)
            })
            .unwrap();
    }

    pub fn count(&self, sql: &str, team: &str) -> i64 {
        self.profile
            .db()
            .unwrap()
            .read(|c| {
                c.query_row(sql, [team], |r| r.get(0))
                    .map_err(switchboard_store::Error::from)
            })
            .unwrap()
    }

    /// The whole OAuth flow through core's `oauth::connect`, with a person who picks `team`
    /// and clicks `decision`; `reconnecting` is the workspace being reconnected.
    pub async fn connect_with_oauth(
        &self,
        team: &str,
        decision: &'static str,
        reconnecting: Option<&str>,
    ) -> switchboard_core::Result<String> {
        if let Ok(callback) = Callback::bind(self.port).await {
            self.profile.reserve_callback(callback);
        }
        let (pages, mut page) = tokio::sync::mpsc::unbounded_channel();
        let team = team.to_owned();
        let opener = move |url: &str| {
            let pages = pages.clone();
            let (url, team) = (url.to_owned(), team.clone());
            tokio::spawn(async move {
                let _ = pages.send(consent(url, team, decision).await);
            });
            Ok(())
        };
        let result = switchboard_core::oauth::connect(&self.profile, reconnecting, &opener).await;
        let shown = page.recv().await.unwrap_or_default();
        match &result {
            Ok(_) => assert!(shown.contains("Connected to Slack"), "{shown}"),
            Err(_) if decision == "deny" => assert!(shown.contains("Not connected"), "{shown}"),
            Err(_) => {}
        }
        result.map(|c| c.team_id)
    }

    /// Sign in with Slack for member `staff_id` through core's `oauth::link_member_by_sign_in`,
    /// with `user` signed in to Slack in the browser, who picks `team` and clicks `decision`.
    pub async fn sign_in_as(
        &self,
        staff_id: i64,
        user: &str,
        team: &str,
        decision: &'static str,
    ) -> switchboard_core::Result<switchboard_core::oauth::SignedIn> {
        let answer = self.control("browser", json!({"user_id": user})).await;
        assert_eq!(answer["ok"], true, "{answer}");
        let (pages, mut page) = tokio::sync::mpsc::unbounded_channel();
        let team = team.to_owned();
        let opener = move |url: &str| {
            assert!(url.contains("/openid/connect/authorize?"), "{url}");
            let pages = pages.clone();
            let (url, team) = (url.to_owned(), team.clone());
            tokio::spawn(async move {
                let _ = pages.send(consent(url, team, decision).await);
            });
            Ok(())
        };
        let result =
            switchboard_core::oauth::link_member_by_sign_in(&self.profile, staff_id, None, &opener)
                .await;
        let shown = page.recv().await.unwrap_or_default();
        if decision == "deny" {
            assert!(shown.contains("Not signed in"), "{shown}");
        } else {
            assert!(shown.contains("Signed in with Slack"), "{shown}");
        }
        result
    }

    pub async fn paste(
        &self,
        token: &str,
        refresh: Option<&str>,
    ) -> switchboard_core::Result<switchboard_core::workspaces::Connected> {
        switchboard_core::workspaces::connect_bot_token(
            &self.profile,
            &BotTokenPaste {
                token: token.to_owned(),
                refresh_token: refresh.map(str::to_owned),
            },
        )
        .await
    }

    /// Every file of the data directory, as bytes (for "no token is stored here" checks).
    pub fn data_files(&self) -> Vec<Vec<u8>> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| {
                let path = e.unwrap().path();
                path.is_file().then(|| std::fs::read(path).unwrap())
            })
            .collect()
    }

    pub fn holds(&self, needle: &str) -> bool {
        self.data_files()
            .iter()
            .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    }
}

/// A browser: loads the consent page, then submits it; follows Slack's redirect to the
/// loopback listener and returns the page it showed.
pub async fn consent(url: String, team: String, decision: &str) -> String {
    let browser = reqwest::Client::new();
    let page = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Allow"), "the consent page asks: {page}");
    browser
        .post(&url)
        .form(&[("decision", decision), ("team_id", team.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Registers an app with token rotation on and installs it to `team` from its settings page:
/// the bot token and refresh token an owner would copy.
pub async fn rotating_bot_install(
    world: &World,
    team: &str,
    client_id: &str,
    pkce: bool,
) -> (String, String) {
    let mut app = json!({"client_id": client_id, "token_rotation": true, "pkce": pkce,
        "redirect_urls": [if pkce { "http://localhost:1/callback" } else { "https://example.test/cb" }],
        "bot_scopes": ["chat:write", "chat:write.public", "channels:read", "groups:read", "users:read", "users:read.email", "team:read", "im:write", "channels:join"]});
    if !pkce {
        app["client_secret"] = json!("s3cret0000000000");
    }
    let registered = world.control("apps", app).await;
    assert_eq!(registered["ok"], true, "{registered}");
    let installed = world
        .control(
            "apps/install",
            json!({"team_id": team, "client_id": client_id}),
        )
        .await;
    (
        installed["bot_token"].as_str().unwrap().to_owned(),
        installed["refresh_token"].as_str().unwrap().to_owned(),
    )
}
