//! Build script of the desktop shell: compiles `tauri.conf.json`, the window capability in
//! `src-tauri/capabilities` and the app's command permissions in `src-tauri/permissions` into
//! the binary, so Tauri's runtime authority rejects any command the capability does not grant.

fn main() {
    // tauri-build only watches tauri.conf.json; a new or changed permission or capability must
    // rebuild the access list too (cargo scans a directory for any change inside it).
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/permissions");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(
            tauri_build::AppManifest::new().permissions_path_pattern("src-tauri/permissions/**/*"),
        );
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
