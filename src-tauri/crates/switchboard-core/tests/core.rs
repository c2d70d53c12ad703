//! Integration tests of the domain against a store with every migration applied.

use switchboard_core::{
    activity, overview,
    preferences::{self, Theme},
};
use switchboard_store::Store;

fn store() -> Store {
    Store::open_in_memory().expect("an in-memory store with every migration")
}

#[test]
fn theme_defaults_to_system_and_changes_are_audited() {
    let mut store = store();
    assert_eq!(
        preferences::load(store.conn()).unwrap().theme,
        Theme::System,
        "follows the OS by default"
    );

    preferences::set_theme(store.conn_mut(), Theme::Dark, "owner", 100).unwrap();
    assert_eq!(preferences::load(store.conn()).unwrap().theme, Theme::Dark);

    let entries = activity::recent(store.conn(), 10).unwrap();
    assert_eq!(entries.len(), 1, "one change, one entry");
    let entry = &entries[0];
    assert_eq!(
        (
            entry.subject.as_str(),
            entry.old_value.as_deref(),
            entry.new_value.as_deref()
        ),
        ("Theme", Some("system"), Some("dark")),
        "old and new values are recorded"
    );

    preferences::set_theme(store.conn_mut(), Theme::Dark, "owner", 200).unwrap();
    assert_eq!(
        activity::recent(store.conn(), 10).unwrap().len(),
        1,
        "no change, no entry"
    );
    assert_eq!(overview::counts(store.conn()).unwrap().audit_entries, 1);
}

#[test]
fn bad_theme_and_page_size_are_explained() {
    let error = "purple".parse::<Theme>().unwrap_err().to_string();
    assert!(error.contains("system, light or dark"), "{error}");
    let error = activity::recent(store().conn(), 0).unwrap_err().to_string();
    assert!(error.contains("between 1 and"), "{error}");
}
