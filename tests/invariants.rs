//! Checks of the project's invariants (ARCHITECTURE.md): generated bindings are fresh, every
//! registered command has a permission and the window's capability grants exactly those,
//! only the shell depends on Tauri, the CSP allows no remote origin, devtools stay off in
//! release builds, and every source file says what it is for.
//!
//! `UPDATE_BINDINGS=1 cargo test --test invariants` regenerates `ui/src/lib/bindings.ts`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const BINDINGS: &str = "ui/src/lib/bindings.ts";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The bindings as the current Rust code generates them.
fn generated_bindings() -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    switchboard_app::export_bindings(&path).expect("exporting the TypeScript bindings");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn typescript_bindings_are_fresh() {
    let fresh = generated_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(root().join(BINDINGS), &fresh).unwrap();
        return;
    }
    let committed = read(BINDINGS);
    assert!(
        committed == fresh,
        "{BINDINGS} is stale: a command or DTO changed. Run `UPDATE_BINDINGS=1 cargo test --test invariants` and commit the result."
    );
}

/// Command names as registered: each appears in the generated bindings as `invoke("name"`.
fn registered_commands() -> BTreeSet<String> {
    let bindings = generated_bindings();
    let commands: BTreeSet<String> = bindings
        .split("TAURI_INVOKE(\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    assert!(
        !commands.is_empty(),
        "no command found in the generated bindings"
    );
    commands
}

#[test]
fn every_command_has_a_permission_and_the_capability_grants_exactly_those() {
    let commands = registered_commands();

    // Permissions declared in src-tauri/permissions: identifier -> allowed commands.
    let mut permitted = BTreeSet::new();
    let mut identifiers = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("src-tauri/permissions")).unwrap() {
        let path = entry.unwrap().path();
        let file: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for permission in file["permission"].as_array().unwrap() {
            let id = permission["identifier"].as_str().unwrap().to_owned();
            let allowed: Vec<String> = permission["commands"]["allow"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                allowed.len(),
                1,
                "{id}: one permission per command keeps grants exact"
            );
            assert_eq!(
                id,
                format!("allow-{}", allowed[0].replace('_', "-")),
                "naming rule"
            );
            permitted.extend(allowed);
            identifiers.insert(id);
        }
    }
    let unpermitted: Vec<_> = commands.difference(&permitted).collect();
    assert!(
        unpermitted.is_empty(),
        "registered commands without a permission file in src-tauri/permissions: {unpermitted:?}"
    );
    let stale: Vec<_> = permitted.difference(&commands).collect();
    assert!(
        stale.is_empty(),
        "permissions for commands that no longer exist: {stale:?}"
    );

    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main-window.json")).unwrap();
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission identifiers").to_owned())
        .collect();
    assert_eq!(
        granted, identifiers,
        "the main window is granted exactly the app's command permissions (no core, shell or plugin permission)"
    );
}

#[test]
fn csp_is_strict_and_has_no_remote_origin() {
    let config: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = config["app"]["security"]["csp"]
        .as_object()
        .expect("a CSP object");
    for (directive, sources) in csp {
        let sources = sources.as_str().unwrap();
        for source in sources.split_whitespace() {
            let allowed = matches!(
                source,
                "'self'" | "'none'" | "data:" | "ipc:" | "http://ipc.localhost"
            );
            assert!(
                allowed,
                "CSP {directive} allows {source}: all Slack traffic goes from Rust"
            );
        }
        assert!(
            !sources.contains("unsafe"),
            "CSP {directive} must not use unsafe-*"
        );
    }
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    assert_eq!(
        config["app"]["withGlobalTauri"], false,
        "no global window.__TAURI__"
    );
}

#[test]
fn devtools_stay_off_in_release_builds() {
    // Tauri opens devtools in release builds only with its `devtools` feature.
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let tauri = &manifest["workspace"]["dependencies"]["tauri"];
    let features: Vec<&str> = tauri
        .get("features")
        .and_then(|f| f.as_array())
        .map(|f| f.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert!(
        !features.contains(&"devtools"),
        "tauri's devtools feature is on: {features:?}"
    );
    let own_features = manifest["features"].as_table().unwrap();
    for (name, enables) in own_features {
        assert!(
            !enables.to_string().contains("devtools"),
            "feature {name} turns devtools on"
        );
    }
}

/// What `cargo tree -p <package> -i <target>` prints: the tree (empty when `target` is not in
/// the package's graph), or why cargo could not answer — including a package name that does
/// not exist, which must fail the check rather than pass it.
fn inverse_tree(package: &str, target: &str) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // `cargo tree -p` with an unknown name quietly shows another package's tree; ask cargo
    // which packages the workspace has first.
    let metadata = Command::new(&cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .expect("running cargo metadata");
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let known = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == package);
    if !known {
        return Err(format!("no package {package} in the workspace"));
    }
    let output = Command::new(&cargo)
        .args([
            "tree",
            "--locked",
            "-e",
            "normal,build",
            "-p",
            package,
            "-i",
            target,
        ])
        .current_dir(root())
        .output()
        .expect("running cargo tree");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    // Only "the *target* is not in the graph" means an empty tree; an unknown *package* is an
    // error.
    if stderr.contains(&format!("`{target}` did not match any packages")) {
        return Ok(String::new());
    }
    Err(stderr)
}

#[test]
fn no_crate_under_src_tauri_crates_depends_on_tauri() {
    let crates_dir = root().join("src-tauri/crates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates_dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let tree = inverse_tree(&name, "tauri")
            .unwrap_or_else(|e| panic!("cargo tree failed for {name}: {e}"));
        assert!(
            tree.trim().is_empty(),
            "{name} depends on tauri (design.md invariant):\n{tree}"
        );
        checked += 1;
    }
    assert_eq!(checked, 4, "the four Tauri-free crates were checked");
    assert!(
        inverse_tree("switchboard-cor", "tauri").is_err(),
        "a misspelt crate name fails the check instead of passing it"
    );
    assert!(
        !inverse_tree("switchboard", "tauri")
            .unwrap()
            .trim()
            .is_empty(),
        "the check sees tauri where it is (the shell)"
    );
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.clone(), read(&path)));
            }
        }
    }
    out
}

#[test]
fn the_shell_reaches_the_database_only_through_core() {
    for (path, text) in sources(&root().join("src-tauri/src")) {
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            assert!(
                !line.contains("switchboard_store::") && !line.contains("rusqlite"),
                "{}:{}: the shell names the store; call a switchboard-core function instead:\n{line}",
                path.display(),
                n + 1
            );
        }
    }
    let manifest = read(root().join("Cargo.toml"));
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap();
    assert!(
        !deps.contains("switchboard-store") && !deps.contains("rusqlite"),
        "the app package depends on core only"
    );
}

#[test]
fn commands_that_touch_state_never_run_on_the_main_thread() {
    // Tauri runs a synchronous command on the main thread, where a keyring unlock prompt or a
    // slow database would freeze the window; async commands run on the async runtime.
    let mut checked = 0;
    for (path, text) in sources(&root().join("src-tauri/src/commands")) {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[tauri::command]" {
                continue;
            }
            let signature: String = lines[i + 1..]
                .iter()
                .skip_while(|l| l.trim_start().starts_with("#["))
                .take_while(|l| !l.contains('{'))
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let takes_state = signature.contains("State<") || signature.contains("AppHandle");
            assert!(
                !takes_state || signature.contains("async fn"),
                "{}: a command that reaches the profile must be async: {signature}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "every command was looked at ({checked})");
}

#[test]
fn every_source_file_opens_with_a_doc_comment() {
    let mut missing = Vec::new();
    let mut stack = vec![root().join("src-tauri"), root().join("tests")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") && !path.ends_with("gen") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.starts_with("//!") {
                    missing.push(path.strip_prefix(root()).unwrap().display().to_string());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "files that do not open with a //! comment: {missing:?}"
    );
}
