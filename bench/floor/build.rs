//! Build script of the floor app: compiles its config and capability.
fn main() {
    tauri_build::build();
}
