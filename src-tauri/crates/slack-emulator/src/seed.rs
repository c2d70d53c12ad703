//! Seeds: the demo world (two realistic workspaces with the Switchboard app installed) and a
//! deterministic large one for speed tests. Both register the seeded Switchboard app, which is
//! PKCE-enabled and accepts the configured redirect URLs.

use std::collections::{BTreeMap, BTreeSet};

use crate::state::{App, Channel, TokenKind, TokenRecord, User, World};

/// Which world to start with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// No workspace at all; apps and data come through the control endpoints.
    Empty,
    /// Two realistic workspaces with a few dozen channels and people.
    Demo,
    /// One workspace with `channels` channels and `users` users, deterministic.
    Large { channels: u32, users: u32 },
}

/// The seeded Switchboard app's client id.
pub const SEEDED_CLIENT_ID: &str = "1000000001.2000000001";

/// The seeded app's client secret. Every Slack app has one, PKCE or not; Sign in with Slack
/// (`openid.connect.token`) asks for it.
pub const SEEDED_CLIENT_SECRET: &str = "5eedc11e4750c7e75eedc11e4750c7e7";

/// Bot scopes the seeded app has and its bot token is granted.
pub const BOT_SCOPES: &[&str] = &[
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:read",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "mpim:history",
    "team:read",
    "users:read",
    "users:read.email",
];

/// User scopes the seeded app may request and its admin user token is granted.
pub const USER_SCOPES: &[&str] = &[
    "channels:history",
    "channels:read",
    "channels:write",
    "chat:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "team:read",
    "users:read",
    "users:read.email",
];

/// Tokens the seed installed, per workspace, reported by `GET /_emulator/workspaces`.
#[derive(Debug, Clone, Default)]
pub struct Installed {
    pub bot_tokens: BTreeMap<String, String>,
    pub admin_tokens: BTreeMap<String, String>,
}

struct TeamSpec<'a> {
    name: &'a str,
    domain: &'a str,
    people: &'a [(&'a str, &'a str, &'a str, &'a str)],
    /// (name, private, archived, bot is member, topic)
    channels: &'a [(&'a str, bool, bool, bool, &'a str)],
}

const ACME_PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("Ada Okafor", "ada", "Managing Director", "Europe/Berlin"),
    (
        "Bruno Lindqvist",
        "bruno",
        "Head of Projects",
        "Europe/Stockholm",
    ),
    (
        "Chiara Esposito",
        "chiara",
        "Project Manager",
        "Europe/Rome",
    ),
    ("Dev Raman", "dev", "Senior Developer", "Asia/Kolkata"),
    ("Emma Schulz", "emma", "Designer", "Europe/Berlin"),
    ("Farid Haddad", "farid", "Developer", "Europe/Paris"),
    ("Grace Kim", "grace", "Account Manager", "America/New_York"),
    ("Hannah Weber", "hannah", "Bookkeeper", "Europe/Vienna"),
    ("Ivan Petrov", "ivan", "DevOps Engineer", "Europe/Sofia"),
    ("Julia Nowak", "julia", "HR Manager", "Europe/Warsaw"),
    ("Kwame Mensah", "kwame", "Developer", "Africa/Accra"),
    ("Lena Fischer", "lena", "Office Manager", "Europe/Berlin"),
    ("Mateo García", "mateo", "Sales", "Europe/Madrid"),
    ("Nora Jensen", "nora", "Copywriter", "Europe/Copenhagen"),
    ("Oliver Brown", "oliver", "Intern", "Europe/London"),
    ("Priya Nair", "priya", "QA Engineer", "Asia/Kolkata"),
    ("Quentin Moreau", "quentin", "Controller", "Europe/Paris"),
    ("Rosa Almeida", "rosa", "Support", "America/Sao_Paulo"),
    ("Sven Olsen", "sven", "Former Developer", "Europe/Oslo"),
    ("Tomoko Sato", "tomoko", "Illustrator", "Asia/Tokyo"),
];

const ACME_CHANNELS: &[(&str, bool, bool, bool, &str)] = &[
    ("general", false, false, true, "Company-wide announcements"),
    ("random", false, false, false, "Water cooler"),
    ("projects", false, false, true, "All project updates"),
    (
        "project-website-relaunch",
        false,
        false,
        true,
        "Website relaunch for Müller & Söhne",
    ),
    (
        "project-mobile-app",
        false,
        false,
        false,
        "Mobile app for Fjord Logistics",
    ),
    (
        "project-brand-refresh",
        false,
        false,
        true,
        "Brand refresh, phase 2",
    ),
    (
        "project-intranet",
        false,
        false,
        false,
        "Intranet migration",
    ),
    ("sales", false, false, true, "Leads, offers and estimates"),
    ("invoices", false, false, true, "Invoices sent and opened"),
    ("payments", false, false, true, "Incoming payments"),
    (
        "time-tracking",
        false,
        false,
        false,
        "Who is working on what",
    ),
    ("design", false, false, false, "Design reviews"),
    ("dev", false, false, false, "Engineering"),
    ("ops", false, false, true, "Servers and deployments"),
    ("support", false, false, false, "Customer support"),
    ("inventory", false, false, false, "Stock and reorder levels"),
    ("hr", false, false, false, "People matters"),
    ("marketing", false, false, false, "Campaigns"),
    ("social", false, false, false, "After-work plans"),
    ("leadership", true, false, true, "Private: leadership team"),
    ("finance", true, false, true, "Private: finance"),
    ("hr-confidential", true, false, false, "Private: HR"),
    (
        "escalations",
        true,
        false,
        true,
        "Private: flex-time and project escalations",
    ),
    ("old-website-2023", false, true, false, "Archived project"),
    ("summer-party-2024", false, true, false, "Archived"),
];

const NORTHWIND_PEOPLE: &[(&str, &str, &str, &str)] = &[
    (
        "Andrew Fuller",
        "andrew",
        "Vice President, Sales",
        "America/Seattle",
    ),
    (
        "Nancy Davolio",
        "nancy",
        "Sales Representative",
        "America/Los_Angeles",
    ),
    (
        "Janet Leverling",
        "janet",
        "Sales Representative",
        "America/Denver",
    ),
    (
        "Margaret Peacock",
        "margaret",
        "Sales Representative",
        "America/Chicago",
    ),
    (
        "Steven Buchanan",
        "steven",
        "Sales Manager",
        "Europe/London",
    ),
    (
        "Michael Suyama",
        "michael",
        "Sales Representative",
        "Europe/London",
    ),
    (
        "Robert King",
        "robert",
        "Sales Representative",
        "Europe/London",
    ),
    (
        "Laura Callahan",
        "laura",
        "Inside Sales Coordinator",
        "America/Seattle",
    ),
    (
        "Anne Dodsworth",
        "anne",
        "Sales Representative",
        "Europe/London",
    ),
    ("Yoshi Tanaka", "yoshi", "Warehouse Lead", "Asia/Tokyo"),
    ("Zoë Martin", "zoe", "Accountant", "Europe/Paris"),
    (
        "Carlos Hernández",
        "carlos",
        "Logistics",
        "America/Mexico_City",
    ),
];

const NORTHWIND_CHANNELS: &[(&str, bool, bool, bool, &str)] = &[
    ("general", false, false, true, "Everyone at Northwind"),
    ("random", false, false, false, "Anything goes"),
    ("orders", false, false, true, "New orders"),
    ("invoices", false, false, true, "Billing"),
    ("payments", false, false, true, "Payments received"),
    ("warehouse", false, false, true, "Stock and reorder alerts"),
    ("sales-emea", false, false, false, "Sales in Europe"),
    (
        "sales-americas",
        false,
        false,
        false,
        "Sales in the Americas",
    ),
    ("shipping", false, false, false, "Shipments"),
    ("management", true, false, true, "Private: management"),
    ("payroll", true, false, false, "Private: payroll"),
    ("catalog-2022", false, true, false, "Archived"),
];

/// Builds the world for `seed`, with the Switchboard app accepting `redirect_urls`.
pub fn build(seed: &Seed, redirect_urls: &[String]) -> (World, Installed) {
    let mut world = World::default();
    // Seeded tokens are the same every time, so they survive `POST /_emulator/reset`.
    world.rng = fastrand::Rng::with_seed(0x5EED_5EED);
    let app_id = world.next_id('A');
    let app_token = world.new_app_token(&app_id);
    world.apps.insert(
        SEEDED_CLIENT_ID.to_owned(),
        App {
            app_id,
            app_token,
            client_id: SEEDED_CLIENT_ID.to_owned(),
            client_secret: Some(SEEDED_CLIENT_SECRET.to_owned()),
            redirect_urls: redirect_urls.to_vec(),
            pkce: true,
            // As Switchboard's manifest sets it: bot tokens installed from the app's settings
            // page do not expire; the desktop sign-in rotates all the same.
            token_rotation: false,
            bot_scopes: BOT_SCOPES.iter().map(|s| s.to_string()).collect(),
            // As Switchboard's manifest lists them: the OAuth way's and Sign in with Slack's.
            user_scopes: USER_SCOPES
                .iter()
                .chain(&["openid", "email", "profile"])
                .map(|s| s.to_string())
                .collect(),
            name: "Switchboard".to_owned(),
            bot_users: BTreeMap::new(),
        },
    );
    let mut installed = Installed::default();
    match seed {
        Seed::Empty => {}
        Seed::Demo => {
            for spec in [
                TeamSpec {
                    name: "Acme Studio",
                    domain: "acme-studio",
                    people: ACME_PEOPLE,
                    channels: ACME_CHANNELS,
                },
                TeamSpec {
                    name: "Northwind Traders",
                    domain: "northwind",
                    people: NORTHWIND_PEOPLE,
                    channels: NORTHWIND_CHANNELS,
                },
            ] {
                seed_team(&mut world, &mut installed, &spec);
            }
        }
        Seed::Large { channels, users } => {
            seed_large(&mut world, &mut installed, *channels, *users)
        }
    }
    world.rng = fastrand::Rng::new();
    (world, installed)
}

fn add_team(world: &mut World, name: &str, domain: &str) -> String {
    let id = world.next_id('T');
    world.teams.insert(
        id.clone(),
        crate::state::Team {
            id: id.clone(),
            name: name.to_owned(),
            domain: domain.to_owned(),
            email_domain: format!("{domain}.example"),
            admin_user: String::new(),
        },
    );
    id
}

fn tz_label(tz: &str) -> (&'static str, i64) {
    match tz.split('/').next().unwrap_or("") {
        "America" => ("Eastern Standard Time", -18000),
        "Asia" => ("India Standard Time", 19800),
        "Africa" => ("Greenwich Mean Time", 0),
        _ => ("Central European Time", 3600),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn add_user(
    world: &mut World,
    team_id: &str,
    real_name: &str,
    handle: &str,
    title: &str,
    tz: &str,
    email_domain: &str,
    deleted: bool,
) -> String {
    let id = world.next_id('U');
    let (label, offset) = tz_label(tz);
    let updated = world.now();
    world.users.insert(
        id.clone(),
        User {
            id: id.clone(),
            team_id: team_id.to_owned(),
            name: handle.to_owned(),
            real_name: real_name.to_owned(),
            display_name: real_name.split(' ').next().unwrap_or(real_name).to_owned(),
            email: Some(format!("{handle}@{email_domain}")),
            deleted,
            is_bot: false,
            is_admin: false,
            is_owner: false,
            tz: tz.to_owned(),
            tz_label: label.to_owned(),
            tz_offset: offset,
            title: title.to_owned(),
            color: "9f69e7".to_owned(),
            updated,
            bot_id: None,
            app_id: None,
        },
    );
    id
}

/// Creates the app's bot user in `team_id` (once) and returns its user id.
pub fn ensure_bot_user(world: &mut World, client_id: &str, team_id: &str) -> String {
    if let Some(existing) = world
        .apps
        .get(client_id)
        .and_then(|a| a.bot_users.get(team_id))
    {
        return existing.clone();
    }
    let (app_id, name) = {
        let app = &world.apps[client_id];
        (app.app_id.clone(), app.name.clone())
    };
    let user_id = world.next_id('U');
    let bot_id = world.next_id('B');
    let updated = world.now();
    world.users.insert(
        user_id.clone(),
        User {
            id: user_id.clone(),
            team_id: team_id.to_owned(),
            name: name.to_lowercase(),
            real_name: name.clone(),
            display_name: name,
            email: None,
            deleted: false,
            is_bot: true,
            is_admin: false,
            is_owner: false,
            tz: "America/Los_Angeles".to_owned(),
            tz_label: "Pacific Standard Time".to_owned(),
            tz_offset: -28800,
            title: String::new(),
            color: "3c989f".to_owned(),
            updated,
            bot_id: Some(bot_id),
            app_id: Some(app_id),
        },
    );
    if let Some(app) = world.apps.get_mut(client_id) {
        app.bot_users.insert(team_id.to_owned(), user_id.clone());
    }
    user_id
}

/// Installs the seeded app: a bot token and an admin user token, non-rotating, all scopes.
fn install_seeded_app(world: &mut World, installed: &mut Installed, team_id: &str, admin: &str) {
    let bot_user = ensure_bot_user(world, SEEDED_CLIENT_ID, team_id);
    let app_id = world.apps[SEEDED_CLIENT_ID].app_id.clone();
    let bot = world.issue_token(
        TokenRecord {
            kind: TokenKind::Bot,
            team_id: team_id.to_owned(),
            user_id: bot_user,
            app_id: app_id.clone(),
            scopes: BOT_SCOPES.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
            revoked: false,
        },
        false,
    );
    let user = world.issue_token(
        TokenRecord {
            kind: TokenKind::User,
            team_id: team_id.to_owned(),
            user_id: admin.to_owned(),
            app_id,
            scopes: USER_SCOPES.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
            revoked: false,
        },
        false,
    );
    installed.bot_tokens.insert(team_id.to_owned(), bot);
    installed.admin_tokens.insert(team_id.to_owned(), user);
}

#[allow(clippy::too_many_arguments)]
fn add_channel(
    world: &mut World,
    team_id: &str,
    name: &str,
    private: bool,
    archived: bool,
    members: BTreeSet<String>,
    phantom_members: u32,
    topic: &str,
    creator: &str,
) -> String {
    let id = world.next_id(if private { 'G' } else { 'C' });
    let created = world.now() - 86_400 * 400;
    world.channels.insert(
        id.clone(),
        Channel {
            id: id.clone(),
            team_id: team_id.to_owned(),
            name: name.to_owned(),
            is_private: private,
            is_archived: archived,
            is_general: name == "general",
            is_im: false,
            im_user: None,
            created,
            creator: creator.to_owned(),
            members,
            phantom_members,
            topic: topic.to_owned(),
            purpose: topic.to_owned(),
            messages: Vec::new(),
            last_ts: (0, 0),
        },
    );
    id
}

fn seed_team(world: &mut World, installed: &mut Installed, spec: &TeamSpec<'_>) {
    let team_id = add_team(world, spec.name, spec.domain);
    let email_domain = format!("{}.example", spec.domain);
    let mut people = Vec::new();
    for (index, (real_name, handle, title, tz)) in spec.people.iter().enumerate() {
        // The last person of Acme has left: a deleted account, as real workspaces have.
        let deleted = spec.domain == "acme-studio" && index == spec.people.len() - 2;
        people.push(add_user(
            world,
            &team_id,
            real_name,
            handle,
            title,
            tz,
            &email_domain,
            deleted,
        ));
    }
    let admin = people[0].clone();
    if let Some(user) = world.users.get_mut(&admin) {
        user.is_admin = true;
        user.is_owner = true;
    }
    if let Some(team) = world.teams.get_mut(&team_id) {
        team.admin_user = admin.clone();
    }
    // Another app's bot, so directories hold bots that are not ours.
    let other_bot = add_user(
        world,
        &team_id,
        "Calendar Bot",
        "calendar",
        "",
        "Europe/London",
        &email_domain,
        false,
    );
    if let Some(user) = world.users.get_mut(&other_bot) {
        user.is_bot = true;
        user.email = None;
        user.bot_id = Some(format!("B{}", &other_bot[1..]));
    }
    install_seeded_app(world, installed, &team_id, &admin);
    let bot_user = world.apps[SEEDED_CLIENT_ID].bot_users[&team_id].clone();

    let active: Vec<String> = people
        .iter()
        .filter(|id| !world.users[*id].deleted)
        .cloned()
        .collect();
    for (index, (name, private, archived, bot_member, topic)) in spec.channels.iter().enumerate() {
        let mut members: BTreeSet<String> = if *name == "general" || *name == "random" {
            active.iter().cloned().collect()
        } else {
            // A deterministic subset: everyone whose position shares a factor with the channel.
            active
                .iter()
                .enumerate()
                // The admin is in every channel but #social, so "not a member" can be tested.
                .filter(|(i, _)| {
                    let admin = *i == 0;
                    !(admin && *name == "social") && ((i + index) % 3 != 1 || admin)
                })
                .map(|(_, id)| id.clone())
                .collect()
        };
        if *bot_member {
            members.insert(bot_user.clone());
        }
        add_channel(
            world, &team_id, name, *private, *archived, members, 0, topic, &admin,
        );
    }
}

fn seed_large(world: &mut World, installed: &mut Installed, channels: u32, users: u32) {
    let team_id = add_team(world, "Large Co", "large-co");
    let email_domain = "large-co.example".to_owned();
    let admin = add_user(
        world,
        &team_id,
        "Admin Large",
        "admin",
        "Administrator",
        "Europe/Berlin",
        &email_domain,
        false,
    );
    if let Some(team) = world.teams.get_mut(&team_id) {
        team.admin_user = admin.clone();
    }
    for n in 1..users {
        let handle = format!("user-{n:06}");
        let real_name = format!("User {n:06}");
        let deleted = n % 97 == 0;
        add_user(
            world,
            &team_id,
            &real_name,
            &handle,
            "Staff",
            "Europe/Berlin",
            &email_domain,
            deleted,
        );
    }
    install_seeded_app(world, installed, &team_id, &admin);
    let bot_user = world.apps[SEEDED_CLIENT_ID].bot_users[&team_id].clone();
    for n in 0..channels {
        let private = n % 20 == 7;
        let archived = n % 33 == 5;
        let mut members = BTreeSet::new();
        // The bot is in every third public channel and in every other private one.
        if (!private && n % 3 == 0) || (private && (n / 20) % 2 == 0) {
            members.insert(bot_user.clone());
        }
        let name = if n == 0 {
            "general".to_owned()
        } else {
            format!("channel-{n:06}")
        };
        add_channel(
            world,
            &team_id,
            &name,
            private,
            archived,
            members,
            3 + n % 50,
            "",
            &admin,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_two_installed_workspaces_with_dozens_of_channels_and_people() {
        let (world, installed) = build(&Seed::Demo, &["http://localhost:8765/callback".into()]);
        assert_eq!(world.teams.len(), 2);
        assert_eq!(
            installed.bot_tokens.len(),
            2,
            "the app is installed in both"
        );
        let acme = world
            .teams
            .values()
            .find(|t| t.domain == "acme-studio")
            .unwrap();
        let channels = world
            .channels
            .values()
            .filter(|c| c.team_id == acme.id)
            .count();
        let people = world
            .users
            .values()
            .filter(|u| u.team_id == acme.id && !u.is_bot)
            .count();
        assert!(
            channels >= 20 && people >= 20,
            "{channels} channels, {people} people"
        );
        assert!(
            world.users.values().any(|u| u.deleted),
            "a deleted user exists"
        );
        assert!(
            world.channels.values().any(|c| c.is_archived),
            "an archived channel exists"
        );
        assert!(
            world.channels.values().any(|c| c.is_private),
            "a private channel exists"
        );
    }

    #[test]
    fn large_seed_is_deterministic_and_sized() {
        let a = build(
            &Seed::Large {
                channels: 500,
                users: 200,
            },
            &[],
        )
        .0;
        let b = build(
            &Seed::Large {
                channels: 500,
                users: 200,
            },
            &[],
        )
        .0;
        assert_eq!(a.channels.len(), 500);
        let humans = a.users.values().filter(|u| !u.is_bot).count();
        assert_eq!(humans, 200);
        let names = |w: &World| {
            w.channels
                .values()
                .map(|c| (c.id.clone(), c.name.clone(), c.is_private))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b), "same arguments, same world");
    }
}
