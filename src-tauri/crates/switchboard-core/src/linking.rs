//! Linking staff members to Slack users automatically, by email: [`plan`] matches every active
//! member not yet linked in a workspace against its synced directory (case-insensitive,
//! `+tags` ignored, see [`crate::email_match`]), asks Slack (`users.lookupByEmail`) about the
//! addresses the directory does not have, and says for each member what it found — one Slack
//! user, several, only a deactivated one, none, no address. Nothing is saved until [`apply`]
//! writes the links a person reviewed (the console) or every single match (`switchboard staff
//! link --auto`), with what was not matched recorded for the "no Slack match" filter.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use switchboard_store::staff::{self as stored, LinkedBy};
use switchboard_store::{audit, directory, workspaces};

use crate::email_match::{self, Candidate, Match};
use crate::events::Event as Announcement;
use crate::profile::Profile;
use crate::{Error, Result};

/// The most addresses one plan asks Slack about (`users.lookupByEmail` is a Tier 3 method,
/// about 50 calls a minute): more means the directory is out of date, and a sync is the fix.
pub const MAX_LOOKUPS: usize = 50;

/// A Slack user a member may be linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub deactivated: bool,
}

impl From<Candidate> for CandidateView {
    fn from(c: Candidate) -> CandidateView {
        CandidateView {
            user_id: c.user_id,
            name: c.name,
            email: c.email,
            deactivated: c.deactivated,
        }
    }
}

/// What matching found for one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub staff_id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `match` (one Slack user: linked by `apply`), `several`, `deactivated`, `no_match`,
    /// `no_email`, `taken` (the user is linked to another member) or `shared` (another
    /// member's address leads to the same user).
    pub outcome: &'static str,
    /// The Slack user a `match` links to.
    pub user: Option<CandidateView>,
    /// The users a person chooses from (`several`), or the deactivated one.
    pub candidates: Vec<CandidateView>,
    /// Where it was found: `directory` or `lookup` (`users.lookupByEmail`).
    pub source: Option<&'static str>,
    /// In a sentence.
    pub detail: String,
}

/// What matching found in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub team_id: String,
    pub team_name: String,
    pub proposals: Vec<Proposal>,
    /// Active members already linked there (left as they are).
    pub already_linked: u32,
    pub matched: u32,
    pub several: u32,
    pub deactivated: u32,
    pub no_match: u32,
    pub no_email: u32,
    pub taken: u32,
    /// Members whose addresses lead to one Slack user another member's address leads to too
    /// (`jane@…` and `jane+hr@…`): a person chooses.
    pub shared: u32,
    /// Addresses asked of Slack, and those left unasked past [`MAX_LOOKUPS`].
    pub looked_up: u32,
    pub not_looked_up: u32,
}

/// How far planning is (lookups are the slow part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinkProgress {
    pub done: u32,
    pub total: u32,
}

/// Matches the members of every connected workspace (or of `team_id`) to its Slack users.
/// Nothing is saved.
pub async fn plan(
    profile: &Profile,
    team_id: Option<&str>,
    progress: &(dyn Fn(LinkProgress) + Send + Sync),
) -> Result<Vec<Plan>> {
    let teams = profile.db()?.read(|conn| {
        let all = workspaces::list(conn)?;
        Ok::<_, Error>(all)
    })?;
    let teams: Vec<_> = match team_id {
        Some(t) => {
            let found: Vec<_> = teams.into_iter().filter(|w| w.team_id == t).collect();
            if found.is_empty() {
                return Err(Error::no_workspace(t));
            }
            found
        }
        None => teams
            .into_iter()
            .filter(|w| w.status == workspaces::Status::Connected)
            .collect(),
    };
    if teams.is_empty() {
        return Err(Error::invalid(
            "team",
            "No workspace is connected: connect one in Workspaces, sync its directory, then link staff.",
        ));
    }
    let mut plans = Vec::new();
    for ws in teams {
        let plan = plan_one(profile, &ws.team_id, &ws.name, progress).await?;
        crate::profile::lock(&profile.link_plans).insert(ws.team_id.clone(), plan.clone());
        plans.push(plan);
    }
    Ok(plans)
}

/// Saves the links a person reviewed in workspace `team_id`'s last plan (see [`apply`]); the
/// plan is then done with.
pub fn apply_reviewed(profile: &Profile, team_id: &str, choices: &[Choice]) -> Result<Applied> {
    let plan = crate::profile::lock(&profile.link_plans)
        .get(team_id)
        .cloned()
        .ok_or_else(|| {
            Error::invalid(
                "team_id",
                "There is no match to review for this workspace (it was saved, or Switchboard restarted): match again.",
            )
        })?;
    let applied = apply(profile, &plan, choices)?;
    // Done with only once saved: a failed save can be tried again.
    crate::profile::lock(&profile.link_plans).remove(team_id);
    Ok(applied)
}

async fn plan_one(
    profile: &Profile,
    team_id: &str,
    team_name: &str,
    progress: &(dyn Fn(LinkProgress) + Send + Sync),
) -> Result<Plan> {
    let directory = email_match::directory(profile, team_id)?;
    let (members, linked) = profile.db()?.read(|conn| {
        Ok::<_, Error>((
            stored::emails(conn, team_id)?,
            stored::linked_users(conn, team_id)?
                .into_iter()
                .collect::<HashMap<String, i64>>(),
        ))
    })?;
    let mut plan = Plan {
        team_id: team_id.to_owned(),
        team_name: team_name.to_owned(),
        proposals: Vec::new(),
        already_linked: 0,
        matched: 0,
        several: 0,
        deactivated: 0,
        no_match: 0,
        no_email: 0,
        taken: 0,
        shared: 0,
        looked_up: 0,
        not_looked_up: 0,
    };
    let mut found: Vec<(i64, String, String, Match)> = Vec::new();
    for (id, name, email, is_linked) in members {
        if is_linked {
            plan.already_linked += 1;
            continue;
        }
        let email_opt = (!email.is_empty()).then_some(email.as_str());
        let matched = directory.find(email_opt);
        found.push((id, name, email, matched));
    }
    // Ask Slack about addresses the directory does not have (it may be out of date).
    let unknown: Vec<usize> = found
        .iter()
        .enumerate()
        .filter(|(_, (.., m))| *m == Match::NoMatch)
        .map(|(i, _)| i)
        .collect();
    let asked: Vec<usize> = unknown.iter().copied().take(MAX_LOOKUPS).collect();
    plan.not_looked_up = (unknown.len() - asked.len()) as u32;
    let mut sources: HashMap<usize, &'static str> = HashMap::new();
    if !asked.is_empty() {
        let total = asked.len() as u32;
        progress(LinkProgress { done: 0, total });
        // Without a usable token (a workspace to reconnect, a locked keyring) the directory's
        // answer stands, and the addresses count as not asked.
        let token = match crate::tokens::fresh_token(profile, team_id).await {
            Ok((token, _)) => Some(token),
            Err(error) => {
                tracing::info!("linking without users.lookupByEmail: {error}");
                None
            }
        };
        let Some(token) = token else {
            plan.not_looked_up += total;
            return finish(plan, found, &sources, &linked, team_name);
        };
        let slack = profile.slack()?;
        let mut learned = Vec::new();
        for (n, at) in asked.iter().enumerate() {
            let email = found[*at].2.clone();
            match slack.users_lookup_by_email(&token, &email).await {
                Ok(info) => {
                    let row = crate::directory::user_row(info.into_inner().user);
                    if let Some(candidate) = Candidate::of(row.clone())
                        && !candidate.bot
                    {
                        found[*at].3 = if candidate.deactivated {
                            Match::Deactivated(candidate)
                        } else {
                            Match::One(candidate)
                        };
                        sources.insert(*at, "lookup");
                        learned.push(row);
                    }
                }
                Err(error) if error.code() == Some("users_not_found") => {}
                // Any other answer (no users:read.email, a rate limit, Slack unreachable) ends
                // the lookups; what was found stands and the rest count as not asked.
                Err(error) => {
                    tracing::info!("users.lookupByEmail stopped: {error}");
                    plan.not_looked_up += total - n as u32;
                    break;
                }
            }
            plan.looked_up += 1;
            progress(LinkProgress {
                done: n as u32 + 1,
                total,
            });
        }
        if !learned.is_empty() {
            // What Slack answered joins the directory, so linking finds the users.
            let now = profile.now_ms();
            profile.db()?.write(|tx| {
                directory::upsert_users(tx, team_id, &learned, now).map_err(Error::from)
            })?;
        }
    }
    finish(plan, found, &sources, &linked, team_name)
}

/// Each member's proposal, from what the directory (and Slack) found.
fn finish(
    mut plan: Plan,
    found: Vec<(i64, String, String, Match)>,
    sources: &HashMap<usize, &'static str>,
    linked: &HashMap<String, i64>,
    team_name: &str,
) -> Result<Plan> {
    // A user two members' addresses lead to (`+tags` removed) is nobody's until a person says.
    let mut leads: HashMap<&str, u32> = HashMap::new();
    for (.., matched) in &found {
        if let Match::One(user) = matched {
            *leads.entry(user.user_id.as_str()).or_default() += 1;
        }
    }
    let shared: std::collections::HashSet<String> = leads
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(user, _)| user.to_owned())
        .collect();
    for (at, (staff_id, name, email, matched)) in found.into_iter().enumerate() {
        let email_shown = (!email.is_empty()).then(|| email.clone());
        let source = sources.get(&at).copied().unwrap_or("directory");
        let proposal = match matched {
            Match::One(user) if shared.contains(&user.user_id) => {
                plan.shared += 1;
                Proposal {
                    staff_id,
                    name,
                    email: email_shown,
                    outcome: "shared",
                    detail: format!(
                        "@{} ({}) is what other members' addresses lead to as well: link by hand",
                        user.name, user.email
                    ),
                    user: None,
                    candidates: vec![user.into()],
                    source: Some(source),
                }
            }
            Match::One(user) => match linked.get(&user.user_id) {
                Some(_) => {
                    plan.taken += 1;
                    Proposal {
                        staff_id,
                        name,
                        email: email_shown,
                        outcome: "taken",
                        detail: format!(
                            "@{} has this address but is linked to another member",
                            user.name
                        ),
                        user: None,
                        candidates: vec![user.into()],
                        source: Some(source),
                    }
                }
                None => {
                    plan.matched += 1;
                    Proposal {
                        staff_id,
                        name,
                        email: email_shown,
                        outcome: "match",
                        detail: format!("@{} ({})", user.name, user.email),
                        user: Some(user.into()),
                        candidates: Vec::new(),
                        source: Some(source),
                    }
                }
            },
            Match::Several(users) => {
                plan.several += 1;
                Proposal {
                    staff_id,
                    name,
                    email: email_shown,
                    outcome: "several",
                    detail: format!(
                        "{} Slack users have this address: {}",
                        users.len(),
                        users
                            .iter()
                            .map(|u| format!("@{}", u.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    user: None,
                    candidates: users.into_iter().map(CandidateView::from).collect(),
                    source: Some(source),
                }
            }
            Match::Deactivated(user) => {
                plan.deactivated += 1;
                Proposal {
                    staff_id,
                    name,
                    email: email_shown,
                    outcome: "deactivated",
                    detail: format!(
                        "the Slack user @{} with this address is deactivated",
                        user.name
                    ),
                    user: None,
                    candidates: vec![user.into()],
                    source: Some(source),
                }
            }
            Match::NoMatch => {
                plan.no_match += 1;
                Proposal {
                    staff_id,
                    name,
                    detail: format!("no Slack user in {team_name} has {email}"),
                    email: email_shown,
                    outcome: "no_match",
                    user: None,
                    candidates: Vec::new(),
                    source: None,
                }
            }
            Match::NoEmail => {
                plan.no_email += 1;
                Proposal {
                    staff_id,
                    name,
                    email: email_shown,
                    outcome: "no_email",
                    detail: "no email address to match: add one, or link by hand".into(),
                    user: None,
                    candidates: Vec::new(),
                    source: None,
                }
            }
        };
        plan.proposals.push(proposal);
    }
    Ok(plan)
}

/// One link a person confirmed (or chose among several).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    pub staff_id: i64,
    pub user_id: String,
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub team_id: String,
    pub linked: u32,
    /// Members whose link was refused, with why (the directory changed since the plan).
    pub refused: Vec<Refused>,
    /// Members recorded as having no usable match.
    pub unmatched: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub staff_id: i64,
    pub name: String,
    pub user_id: String,
    pub error: String,
}

/// Saves `choices` in workspace `team_id` (linked by email match, switched on) and records
/// for the plan's unmatched members what was found, in one transaction; one audit entry
/// (`staff.auto_linked`) says how many.
pub fn apply(profile: &Profile, plan: &Plan, choices: &[Choice]) -> Result<Applied> {
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let chosen: std::collections::HashSet<i64> = choices.iter().map(|c| c.staff_id).collect();
    let applied = profile.db()?.write(|tx| {
        let mut applied = Applied {
            team_id: plan.team_id.clone(),
            linked: 0,
            refused: Vec::new(),
            unmatched: 0,
        };
        let workspace = workspaces::get(tx, &plan.team_id)?
            .ok_or_else(|| Error::no_workspace(&plan.team_id))?;
        for choice in choices {
            let linked = if stored::exists(tx, choice.staff_id)? {
                crate::staff::link_checked(
                    tx,
                    choice.staff_id,
                    &workspace,
                    &choice.user_id,
                    LinkedBy::EmailMatch,
                    now,
                )
                .map(|_| ())
            } else {
                Err(Error::invalid(
                    "staff",
                    "The member was removed since the match: match again.",
                ))
            };
            match linked {
                Ok(()) => applied.linked += 1,
                Err(error) => applied.refused.push(Refused {
                    staff_id: choice.staff_id,
                    name: plan
                        .proposals
                        .iter()
                        .find(|p| p.staff_id == choice.staff_id)
                        .map_or_else(|| format!("#{}", choice.staff_id), |p| p.name.clone()),
                    user_id: choice.user_id.clone(),
                    error: error.to_string(),
                }),
            }
        }
        for p in &plan.proposals {
            if chosen.contains(&p.staff_id) {
                continue;
            }
            let state = match p.outcome {
                "no_match" | "no_email" | "several" | "deactivated" => Some(p.outcome),
                "taken" => Some("no_match"),
                "shared" => Some("several"),
                _ => None,
            };
            if let Some(state) = state {
                stored::set_match(tx, p.staff_id, Some(state), Some(&p.detail))?;
                applied.unmatched += 1;
            }
        }
        audit::record(
            tx,
            audit::NewAuditEntry {
                at: now,
                actor: &actor,
                action: "staff.auto_linked",
                subject: &format!("Staff in {}", plan.team_name),
                old_value: None,
                new_value: Some(&format!(
                    "{} linked by email, {} without a usable match",
                    applied.linked, applied.unmatched
                )),
            },
        )?;
        Ok::<_, Error>(applied)
    })?;
    profile.emit(Announcement::StaffChanged);
    Ok(applied)
}

/// Every single match of `plan`, as choices (what `staff link --auto` saves).
pub fn every_match(plan: &Plan) -> Vec<Choice> {
    plan.proposals
        .iter()
        .filter_map(|p| {
            Some(Choice {
                staff_id: p.staff_id,
                user_id: p.user.as_ref()?.user_id.clone(),
            })
        })
        .collect()
}

/// Live people of workspace `team_id` whose name, display name or email contains `query` (at
/// most `limit`, by name): whom a member can be linked to by hand.
pub fn search_people(
    profile: &Profile,
    team_id: &str,
    query: &str,
    limit: u64,
) -> Result<Vec<CandidateView>> {
    let window = profile.db()?.read(|conn| {
        directory::search_users(conn, team_id, query.trim(), 0, limit.min(200)).map_err(Error::from)
    })?;
    Ok(window
        .rows
        .into_iter()
        .map(|u| {
            let email = u.email.clone().unwrap_or_default();
            let name = [&u.display_name, &u.real_name]
                .into_iter()
                .flatten()
                .find(|n| !n.trim().is_empty())
                .cloned()
                .unwrap_or_else(|| u.name.clone());
            CandidateView {
                user_id: u.user_id,
                name,
                email,
                deactivated: u.is_deleted,
            }
        })
        .collect())
}
