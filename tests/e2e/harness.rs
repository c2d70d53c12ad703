//! The end-to-end harness: starts a private Xvfb display and tauri-driver (which starts
//! WebKitWebDriver, which starts the real `switchboard` binary), connects a WebDriver client,
//! and stops every process it started when the test ends, whether it passed or panicked.
//!
//! All waits are bounded: each polls a condition until a deadline and fails with what it was
//! waiting for.

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::json;

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

/// Sessions run one at a time: each starts WebKit, and two cores are shared by everything.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A started process, killed with its whole process group when dropped.
struct Guard {
    name: &'static str,
    child: Child,
}

impl Guard {
    fn spawn(name: &'static str, command: &mut Command) -> Guard {
        // Its own process group, so the kill also reaches what it started (WebKitWebDriver,
        // the app and WebKit's helper processes).
        command.process_group(0);
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("starting {name}: {e} (is it installed? `make deps` installs it)")
        });
        Guard { name, child }
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        for signal in ["-TERM", "-KILL"] {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if self.exited().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if self.exited().is_some() {
                break;
            }
        }
        let _ = self.child.wait();
        let _ = self.name;
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Polls `check` until it gives `Some`, or panics after [`WAIT`] naming `what`.
pub async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

fn wait_blocking(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting for {what}"
        );
        std::thread::sleep(POLL);
    }
}

/// A private X display.
struct Display {
    number: u32,
    _xvfb: Guard,
}

impl Display {
    fn start() -> Display {
        // Take the first display number nobody holds; Xvfb refuses a taken one, so retry.
        for number in 90..200 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let mut xvfb = Guard::spawn(
                "Xvfb",
                Command::new("Xvfb")
                    .arg(format!(":{number}"))
                    .args(["-screen", "0", "1400x900x24", "-nolisten", "tcp"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
            let deadline = Instant::now() + WAIT;
            while Instant::now() < deadline && xvfb.exited().is_none() && !socket.exists() {
                std::thread::sleep(POLL);
            }
            if socket.exists() && xvfb.exited().is_none() {
                return Display {
                    number,
                    _xvfb: xvfb,
                };
            }
        }
        panic!("no free X display between :90 and :199 for Xvfb");
    }
}

/// A running console: the WebDriver client and the data directory it was started with.
pub struct App {
    pub client: Client,
    pub data_dir: PathBuf,
}

/// Everything one session started, in the order it must be stopped (reverse of start).
struct Processes {
    _driver: Guard,
    _display: Display,
}

/// Starts the console on `data_dir` with a display and a driver of its own (and `env` added to
/// the environment the app inherits), runs `body`, then
/// ends the session and stops every process, even when `body` panics. The panic is re-raised
/// after cleanup so the test fails with its own message.
pub async fn with_app<F, Fut>(data_dir: &Path, env: &[(&str, &str)], body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let (processes, client) = start(data_dir, env).await;
    let app = App {
        client: client.clone(),
        data_dir: data_dir.to_path_buf(),
    };
    let outcome = tokio::spawn(body(app)).await;
    // End the WebDriver session first, so WebKitWebDriver closes the app in order.
    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    drop(processes);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the test task did not finish: {error}"),
        }
    }
}

async fn start(data_dir: &Path, env: &[(&str, &str)]) -> (Processes, Client) {
    let display = Display::start();
    let port = free_port();
    let native_port = free_port();
    // Kept after the run (target/tmp/e2e-logs), so a failure can be read afterwards.
    let log_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-logs");
    std::fs::create_dir_all(&log_dir).expect("creating the e2e log directory");
    let driver_log = log_dir.join(format!("tauri-driver-{port}.log"));
    let log = std::fs::File::create(&driver_log).expect("creating the driver log");
    let mut driver = Guard::spawn(
        "tauri-driver",
        Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", format!(":{}", display.number))
            // Keep the app's logs quiet unless something is wrong.
            .env("SWITCHBOARD_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    );
    wait_blocking("tauri-driver to listen", || {
        assert!(
            driver.exited().is_none(),
            "tauri-driver exited at start; its log: {}",
            std::fs::read_to_string(&driver_log).unwrap_or_default()
        );
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });

    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({
            "application": env!("CARGO_BIN_EXE_switchboard"),
            "args": ["--data-dir", data_dir],
        }),
    );
    let client = tokio::time::timeout(
        WAIT * 2,
        ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .expect("the WebDriver session to start in time")
    .unwrap_or_else(|e| {
        panic!(
            "starting a WebDriver session with the app: {e}; driver log: {}",
            std::fs::read_to_string(&driver_log).unwrap_or_default()
        )
    });
    (
        Processes {
            _driver: driver,
            _display: display,
        },
        client,
    )
}

impl App {
    /// Workspaces → *Explore with a demo workspace* on a fresh install; waits for the demo's
    /// directory to be synced and returns the demo Slack's address.
    pub async fn start_demo(&self) -> String {
        self.wait_for_text(
            ".view[data-view='workspaces']",
            "Explore with a demo workspace",
        )
        .await;
        self.find(".demo-offer button")
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking the demo offer: {e}"));
        self.wait_for_text("[data-testid='notice']", "Synced Acme Studio")
            .await;
        self.find(".demo-bar .mono").await.text().await.unwrap()
    }

    /// Runs `switchboard ARGS` on the demo's data directory (as another process would, beside
    /// the console), with `stdin` as its standard input; asserts it succeeded and returns
    /// what it printed.
    pub fn demo_cli(&self, args: &[&str], stdin: Option<&str>) -> String {
        use std::io::Write as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--data-dir")
            .arg(self.data_dir.join("demo"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running switchboard");
        let mut input = child.stdin.take().expect("a stdin pipe");
        if let Some(text) = stdin {
            input
                .write_all(text.as_bytes())
                .expect("writing to switchboard");
        }
        drop(input);
        let output = child.wait_with_output().expect("switchboard to finish");
        assert!(
            output.status.success(),
            "switchboard {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits for an element matching `css` and returns it.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within {WAIT:?}: {e}"))
    }

    /// Waits until the first element matching `css` contains `text`, and returns its whole
    /// rendered text (read in the page: WebKitWebDriver's own text algorithm fails inside a
    /// modal `<dialog>` and on elements holding a `<details>`).
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let what = format!("{css} to contain {text:?}");
        wait_for(&what, || async {
            let shown = self
                .client
                .execute(
                    "return document.querySelector(arguments[0])?.innerText ?? null;",
                    vec![serde_json::json!(css)],
                )
                .await
                .ok()?;
            let shown = shown.as_str()?.to_owned();
            shown.contains(text).then_some(shown)
        })
        .await
    }

    /// Clicks the sidebar link of `view` and waits for its heading.
    pub async fn open_view(&self, view: &str, label: &str) {
        self.find(&format!("nav a[data-view='{view}']"))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {label}: {e}"));
        self.wait_for_text("main h1", label).await;
        self.find(&format!(".view[data-view='{view}']")).await;
    }

    /// The `data-theme` the document carries (`None` when it follows the OS).
    pub async fn theme(&self) -> Option<String> {
        let value = self
            .client
            .execute(
                "return document.documentElement.dataset.theme ?? null;",
                vec![],
            )
            .await
            .expect("reading the document's theme");
        value.as_str().map(str::to_owned)
    }

    /// Saves a PNG of the window to `target/e2e-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        // Two animation frames: what was just rendered (a view opened, a theme switched) is
        // painted before the picture is taken, not a blank frame in between.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
                vec![],
            )
            .await
            .expect("waiting for the window to paint");
        let png = self.client.screenshot().await.expect("taking a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("e2e-screenshots")
}
