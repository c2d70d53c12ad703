//! Automatic linking at scale: 10,000 staff members matched by email against a 50,000-user
//! directory (target: under 1 s), and the matches saved. Prints figures; asserts nothing about
//! time (a shared VM's speed varies), only that the work was done.
//!
//! `cargo bench -p switchboard-core --bench linking`

use std::time::Instant;

use switchboard_core::linking;
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_core::staff::{self, StaffQuery};
use switchboard_store::directory::{self, User};

const USERS: usize = 50_000;
const STAFF: usize = 10_000;
const TEAM: &str = "T0BENCH";

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = Profile::open(ProfileConfig {
        secrets: SecretsIn::Memory,
        ..ProfileConfig::new(
            dir.path().to_path_buf(),
            Endpoints::new("http://127.0.0.1:9/api/", "http://127.0.0.1:9/").expect("endpoints"),
        )
    });
    let db = profile.db().expect("the database");
    db.write(|tx| {
        tx.execute(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
             VALUES (?1, 'Bench Co', 'bench', 0, 0)",
            [TEAM],
        )?;
        let users: Vec<User> = (0..USERS)
            .map(|n| User {
                user_id: format!("U{n:08}"),
                name: format!("user{n}"),
                real_name: Some(format!("User {n}")),
                display_name: None,
                // Upper case and +tags on the Slack side for a tenth of them.
                email: Some(if n % 10 == 0 {
                    format!("Person.{n}+slack@Bench.example")
                } else {
                    format!("person.{n}@bench.example")
                }),
                is_deleted: n % 97 == 0,
                is_bot: false,
                tz: Some("Europe/Berlin".into()),
                avatar_url: None,
            })
            .collect();
        directory::upsert_users(tx, TEAM, &users, 0)?;
        Ok::<_, switchboard_store::Error>(())
    })
    .expect("seeding");
    // The first 9,900 staff have a Slack user; the last 100 have none (no match). Imported as
    // an admin would, from CSV, each with a manager.
    let mut csv = String::from("name,email,role,manager\n");
    for n in 0..STAFF {
        let email = if n < STAFF - 100 {
            format!("person.{}@bench.example", n * 5)
        } else {
            format!("gone.{n}@elsewhere.example")
        };
        let manager = if n == 0 {
            String::new()
        } else {
            "person.0@bench.example".to_owned()
        };
        csv.push_str(&format!("Staff {n:05},{email},staff,{manager}\n"));
    }
    let started = Instant::now();
    let imported = switchboard_core::staff_import::import(&profile, &csv).expect("imported");
    let import_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(imported.creates as usize, STAFF);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let started = Instant::now();
    let plans = runtime
        .block_on(linking::plan(&profile, Some(TEAM), &|_| {}))
        .expect("a plan");
    let planned = started.elapsed();
    let plan = &plans[0];
    let started = Instant::now();
    let applied = linking::apply(&profile, plan, &linking::every_match(plan)).expect("saved");
    let saved = started.elapsed();
    assert_eq!(plan.proposals.len(), STAFF);
    // The input fixes the answers: every member but the deactivated users' and the 100 without
    // a Slack user is matched, `+tags` and letter case included.
    assert_eq!(plan.matched, 9_797, "matched");
    assert_eq!(plan.no_match, 100, "no match");
    assert_eq!(
        (plan.matched + plan.deactivated + plan.no_match) as usize,
        STAFF,
        "every member has one outcome"
    );
    assert_eq!(applied.linked, plan.matched);
    println!(
        "auto-link: {STAFF} staff against {USERS} users: matched in {:.0} ms ({} to link, {} deactivated, {} no match, {} not asked of Slack), saved in {:.0} ms; {:.0} ms in all",
        planned.as_secs_f64() * 1000.0,
        plan.matched,
        plan.deactivated,
        plan.no_match,
        plan.not_looked_up,
        saved.as_secs_f64() * 1000.0,
        (planned + saved).as_secs_f64() * 1000.0
    );
    println!("staff import: {STAFF} rows from CSV in {import_ms:.0} ms");
    for (what, query) in [
        ("first page", StaffQuery::default()),
        (
            "deep page (offset 9,800)",
            StaffQuery {
                offset: 9_800,
                ..StaffQuery::default()
            },
        ),
        (
            "no Slack match",
            StaffQuery {
                show: Some("no_match".into()),
                ..StaffQuery::default()
            },
        ),
        (
            "search \"staff 09\"",
            StaffQuery {
                search: Some("staff 09".into()),
                ..StaffQuery::default()
            },
        ),
    ] {
        let started = Instant::now();
        let page = staff::list(&profile, &query).expect("a page");
        println!(
            "staff list, {what}: {} of {} rows in {:.1} ms",
            page.rows.len(),
            page.total,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
