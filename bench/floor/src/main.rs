//! The floor app: one window, one embedded page, one command the page calls when it has loaded,
//! which logs "ui ready in N ms" exactly as Switchboard does.

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

#[tauri::command]
fn ready() {
    let ms = START.get_or_init(Instant::now).elapsed().as_millis();
    eprintln!("ui ready in {ms} ms");
}

fn main() {
    START.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("running the floor app");
}
