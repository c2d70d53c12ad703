//! Matching staff members to Slack users by email (issue 10's automatic linking), as UserGems
//! matches people: case-insensitive, tolerant of `+tags` (`jane+slack@acme.com` is
//! `jane@acme.com`), and honest about what it could not decide — several Slack users with the
//! address, only a deactivated one, or none. Bots never match. Pure: the directory is read once
//! into a [`Directory`], so matching 10,000 staff members is one pass over it.

use std::collections::HashMap;

/// A Slack user as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: String,
    /// The name Slack shows (display name, else real name, else handle).
    pub name: String,
    pub email: String,
    /// Deactivated in Slack (`deleted`).
    pub deactivated: bool,
    pub bot: bool,
}

/// What an email address found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Exactly one active Slack user has it (deactivated ones with it are ignored).
    One(Candidate),
    /// Several active Slack users have it: a person must choose.
    Several(Vec<Candidate>),
    /// Only deactivated Slack users have it: nothing can be sent to them.
    Deactivated(Candidate),
    /// No Slack user has it.
    NoMatch,
    /// The staff member's address is missing or not an email address.
    NoEmail,
}

/// The comparable form of an address: trimmed, lower case, the local part's `+tag` removed.
/// `None` when it is not `local@domain`.
pub fn normalize(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@')?;
    let local = local.split('+').next().unwrap_or(local);
    if local.is_empty() || domain.is_empty() || !domain.contains('.') || domain.contains('@') {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

/// A workspace's users by normalized email.
#[derive(Debug, Default)]
pub struct Directory {
    by_email: HashMap<String, Vec<Candidate>>,
}

impl Directory {
    /// Indexes `users`; bots and users without an address are left out.
    pub fn new(users: impl IntoIterator<Item = Candidate>) -> Directory {
        let mut by_email: HashMap<String, Vec<Candidate>> = HashMap::new();
        for user in users {
            if user.bot {
                continue;
            }
            if let Some(key) = normalize(&user.email) {
                by_email.entry(key).or_default().push(user);
            }
        }
        Directory { by_email }
    }

    /// What `email` finds.
    pub fn find(&self, email: Option<&str>) -> Match {
        let Some(key) = email.and_then(normalize) else {
            return Match::NoEmail;
        };
        let Some(found) = self.by_email.get(&key) else {
            return Match::NoMatch;
        };
        let active: Vec<&Candidate> = found.iter().filter(|c| !c.deactivated).collect();
        match active.as_slice() {
            [one] => Match::One((*one).clone()),
            [] => Match::Deactivated(found[0].clone()),
            several => {
                let mut several: Vec<Candidate> = several.iter().map(|c| (*c).clone()).collect();
                several.sort_by(|a, b| a.user_id.cmp(&b.user_id));
                Match::Several(several)
            }
        }
    }
}

impl Candidate {
    /// A synced directory user as a candidate (`None` without an address).
    pub fn of(user: switchboard_store::directory::User) -> Option<Candidate> {
        let name = [&user.display_name, &user.real_name]
            .into_iter()
            .flatten()
            .find(|n| !n.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| user.name.clone());
        Some(Candidate {
            email: user.email?,
            user_id: user.user_id,
            name,
            deactivated: user.is_deleted,
            bot: user.is_bot,
        })
    }
}

/// The synced directory of workspace `team_id`, ready to match against.
pub fn directory(profile: &crate::profile::Profile, team_id: &str) -> crate::Result<Directory> {
    let users = profile.db()?.read(|conn| {
        switchboard_store::directory::users_with_email(conn, team_id).map_err(crate::Error::from)
    })?;
    Ok(Directory::new(users.into_iter().filter_map(Candidate::of)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, email: &str) -> Candidate {
        Candidate {
            user_id: id.into(),
            name: id.to_lowercase(),
            email: email.into(),
            deactivated: false,
            bot: false,
        }
    }

    #[test]
    fn a_synced_directory_is_matched_as_stored() {
        use switchboard_store::directory::{User, upsert_users};
        let store = switchboard_store::Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
             VALUES ('T1', 'Acme', 'acme', 0, 0)",
            [],
        )
        .unwrap();
        let person = |id: &str, email: Option<&str>, display: Option<&str>| User {
            user_id: id.into(),
            name: format!("handle-{id}"),
            real_name: Some(format!("Real {id}")),
            display_name: display.map(str::to_owned),
            email: email.map(str::to_owned),
            is_deleted: false,
            is_bot: false,
            tz: None,
            avatar_url: None,
        };
        upsert_users(
            conn,
            "T1",
            &[
                person("U1", Some("Jane@acme.com"), Some("jane")),
                person("U2", None, None),
                person("U3", Some("sam@acme.com"), Some(" ")),
            ],
            1,
        )
        .unwrap();
        let users = switchboard_store::directory::users_with_email(conn, "T1").unwrap();
        assert_eq!(
            users.len(),
            2,
            "a user without an address cannot be matched"
        );
        let directory = Directory::new(users.into_iter().filter_map(Candidate::of));
        assert!(matches!(
            directory.find(Some("jane+x@acme.com")),
            Match::One(c) if c.user_id == "U1" && c.name == "jane"
        ));
        assert!(
            matches!(
                directory.find(Some("SAM@acme.com")),
                Match::One(c) if c.name == "Real U3"
            ),
            "a blank display name falls back to the real name"
        );
    }

    #[test]
    fn addresses_compare_without_case_spaces_or_plus_tags() {
        assert_eq!(
            normalize(" Jane.Doe@Acme.COM "),
            Some("jane.doe@acme.com".into())
        );
        assert_eq!(
            normalize("jane+slack@acme.com"),
            Some("jane@acme.com".into())
        );
        assert_eq!(normalize("jane+a+b@acme.com"), Some("jane@acme.com".into()));
        for bad in [
            "",
            "jane",
            "@acme.com",
            "jane@",
            "jane@localhost",
            "+x@acme.com",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?} is not an address");
        }
    }

    #[test]
    fn each_outcome_of_matching() {
        let mut gone = user("U4", "old@acme.com");
        gone.deactivated = true;
        let mut gone_too = user("U6", "Twin@acme.com");
        gone_too.deactivated = true;
        let mut bot = user("B1", "bot@acme.com");
        bot.bot = true;
        let directory = Directory::new([
            user("U1", "Jane@Acme.com"),
            user("U2", "shared@acme.com"),
            user("U3", "shared+ops@acme.com"),
            gone,
            user("U5", "twin@acme.com"),
            gone_too,
            bot,
            user("U7", "not an address"),
        ]);
        assert_eq!(
            directory.find(Some("jane+timesheets@ACME.com")),
            Match::One(user("U1", "Jane@Acme.com")),
            "mixed case and a +tag on the staff side"
        );
        assert_eq!(
            directory.find(Some("shared@acme.com")),
            Match::Several(vec![
                user("U2", "shared@acme.com"),
                user("U3", "shared+ops@acme.com")
            ]),
            "a +tag on the Slack side, and two people with one address"
        );
        assert!(matches!(
            directory.find(Some("old@acme.com")),
            Match::Deactivated(c) if c.user_id == "U4"
        ));
        assert_eq!(
            directory.find(Some("twin@acme.com")),
            Match::One(user("U5", "twin@acme.com")),
            "a deactivated namesake does not make it ambiguous"
        );
        assert_eq!(
            directory.find(Some("bot@acme.com")),
            Match::NoMatch,
            "bots never match"
        );
        assert_eq!(directory.find(Some("nobody@acme.com")), Match::NoMatch);
        assert_eq!(directory.find(None), Match::NoEmail);
        assert_eq!(directory.find(Some("jane")), Match::NoEmail);
    }
}
