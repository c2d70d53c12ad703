//! Automatic linking at scale: 10,000 staff members matched by email against a 50,000-user
//! directory (target: under 1 s), and the matches saved. Prints figures; asserts nothing about
//! time (a shared VM's speed varies), only that the work was done.
//!
//! `cargo bench -p switchboard-core --bench linking`

use std::time::Instant;

use switchboard_core::linking;
use switchboard_core::profile::{Endpoints, Profile, ProfileConfig, SecretsIn};
use switchboard_store::directory::{self, User};
use switchboard_store::staff::{self, Fields};

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
        // The first 9,900 staff have a Slack user; the last 100 have none (no match).
        for n in 0..STAFF {
            let email = if n < STAFF - 100 {
                format!("person.{}@bench.example", n * 5)
            } else {
                format!("gone.{n}@elsewhere.example")
            };
            staff::insert(
                tx,
                &Fields {
                    external_id: None,
                    name: &format!("Staff {n:05}"),
                    email: Some(&email),
                    role: "staff",
                    manager_id: None,
                    active: true,
                },
                0,
            )?;
        }
        Ok::<_, switchboard_store::Error>(())
    })
    .expect("seeding");
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
}
