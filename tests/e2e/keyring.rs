//! A desktop without a usable keyring: the console says so in plain words, with what to
//! install or unlock, keeps working for everything that needs no secret, and *Try again*
//! works as soon as a Secret Service is there — without restarting the app.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{App, wait_for, with_app};

/// Kills a helper process when the test ends, even when it panics.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn banner(app: &App) -> Option<String> {
    let found = app
        .client
        .find(fantoccini::Locator::Css("[data-testid='keyring-banner']"))
        .await
        .ok()?;
    found.text().await.ok()
}

/// Starts a session bus at `address` and an unlocked gnome-keyring on it, apart from any
/// keyring the test session has.
fn start_secret_service(dir: &Path, address: &str) -> (Killed, Killed) {
    let bus = Killed(
        Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting dbus-daemon"),
    );
    let socket = dir.join("bus");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "the session bus did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (home, runtime) = (dir.join("keyring-home"), dir.join("runtime"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets", "--foreground"])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("XDG_DATA_HOME", &home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env_remove("GNOME_KEYRING_CONTROL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting gnome-keyring-daemon");
    {
        use std::io::Write;
        let mut stdin = keyring.stdin.take().unwrap();
        stdin.write_all(b"e2e-keyring").unwrap();
    }
    (bus, Killed(keyring))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_the_console_explains_and_try_again_works_once_one_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bus_dir = tmp.path().join("dbus");
    std::fs::create_dir_all(&bus_dir).unwrap();
    let address = format!("unix:path={}", bus_dir.join("bus").display());
    let env = [("DBUS_SESSION_BUS_ADDRESS", address.as_str())];
    let bus_dir_for_body = bus_dir.clone();
    let address_for_body = address.clone();
    with_app(&data, &env, move |app| async move {
        let said = wait_for("the keyring banner", || async {
            banner(&app).await.filter(|t| t.contains("cannot be used"))
        })
        .await;
        assert!(
            said.contains("gnome-keyring") && said.contains("your settings and data are safe"),
            "plain words, with what to install: {said}"
        );
        app.screenshot("keyring-unavailable").await;
        // Everything that needs no secret still works: the views open, the theme is kept.
        app.open_view("settings", "Settings").await;
        app.open_view("workspaces", "Workspaces").await;

        // A Secret Service appears on the session bus; Try again finds it without a restart.
        let _service = start_secret_service(&bus_dir_for_body, &address_for_body);
        wait_for("Try again to find the keyring", || async {
            if banner(&app).await.is_none() {
                return Some(());
            }
            if let Ok(button) = app
                .client
                .find(fantoccini::Locator::Css(
                    "[data-testid='keyring-banner'] button",
                ))
                .await
            {
                let _ = button.click().await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            None
        })
        .await;
        app.screenshot("keyring-available-again").await;
    })
    .await;
}
