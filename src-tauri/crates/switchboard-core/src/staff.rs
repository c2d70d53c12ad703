//! Staff members and their Slack connections: the admin's Staff view and `switchboard staff`.
//!
//! A member's **connection** is the grey or colour Slack logo: colour when they are linked to a
//! Slack user, the link is switched on, the Slack user is live and the workspace connected;
//! grey otherwise, with the reason ([`MemberView::reason`]). Switching it off holds the
//! direct messages waiting for them; switching it on sends them. [`recipients`] is what routing
//! reads: who a direct message is for, and whether and when it can go.

use serde::{Deserialize, Serialize};
use switchboard_store::audit;
use switchboard_store::rusqlite::Connection;
pub use switchboard_store::staff::LinkedBy;
use switchboard_store::staff::{self as stored, Hours, Link, Member, Show, State};
use switchboard_store::{directory, outbox, rules, workspaces};

use crate::catalog::{Event, looks_like_email};
use crate::event_kind::EventKind;
use crate::events::Event as Announcement;
use crate::hours;
use crate::profile::Profile;
use crate::projects::{check_given, check_text, refused};
use crate::routing::{DmTarget, Reason, Recipient};
use crate::{Error, Result};

/// The hold reason of direct messages waiting while a member's connection is switched off.
pub const SWITCHED_OFF: &str = "staff_switched_off";
/// The hold reason of direct messages waiting for the recipient's working hours.
pub const WORKING_HOURS: &str = "working_hours";

/// Where a member's direct messages go in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmTargetView {
    /// `app`: the app's direct message with the member; `channel`: a channel they chose.
    pub kind: &'static str,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    /// "Direct message from the app", "#team-ann".
    pub label: String,
}

/// A member's link to a Slack user in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkView {
    pub team_id: String,
    pub team_name: Option<String>,
    /// `connected`, `needs_reconnect` or `disabled`.
    pub workspace_status: String,
    pub slack_user_id: String,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
    pub user_deleted: bool,
    pub enabled: bool,
    pub dm: DmTargetView,
    /// `email_match`, `manual` or `sign_in`.
    pub linked_by: String,
    pub linked_at: i64,
    pub switched_at: Option<i64>,
    pub switched_by: Option<String>,
}

impl From<Link> for LinkView {
    fn from(l: Link) -> LinkView {
        let dm = if l.dm_choice == "channel" {
            DmTargetView {
                kind: "channel",
                label: match (&l.dm_channel_name, &l.dm_channel_id) {
                    (Some(name), _) => format!("#{name}"),
                    (None, Some(id)) => id.clone(),
                    (None, None) => "a channel".into(),
                },
                channel_id: l.dm_channel_id,
                channel_name: l.dm_channel_name,
            }
        } else {
            DmTargetView {
                kind: "app",
                label: "Direct message from the app".into(),
                channel_id: l.dm_channel_id,
                channel_name: None,
            }
        };
        LinkView {
            team_id: l.team_id,
            team_name: l.team_name,
            workspace_status: l.workspace_status,
            slack_user_id: l.slack_user_id,
            user_name: l.user_name,
            user_email: l.user_email,
            user_deleted: l.user_deleted,
            enabled: l.enabled,
            dm,
            linked_by: l.linked_by,
            linked_at: l.linked_at,
            switched_at: l.switched_at,
            switched_by: l.switched_by,
        }
    }
}

/// A member's working hours as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursView {
    /// Weekdays as bits, Monday = 1 … Sunday = 64.
    pub days: u8,
    /// `HH:MM`.
    pub start: String,
    pub end: String,
    /// Set for the member; `None`: their Slack time zone.
    pub time_zone: Option<String>,
    /// The zone the hours are read in now.
    pub effective_time_zone: String,
    /// "Mon–Fri 08:00–18:00 (Europe/Berlin)".
    pub summary: String,
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `HH:MM` (or `H:MM`, `24:00`) as minutes after midnight.
pub fn parse_hhmm(text: &str, field: &'static str) -> Result<u16> {
    let bad = || {
        Error::invalid(
            field,
            format!("{text:?} is not a time of day: write it as HH:MM, e.g. 08:00."),
        )
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// The zone a member's hours are read in: theirs, else their Slack user's, else this
/// computer's.
fn effective_zone(hours: &Hours, link: Option<&Link>) -> String {
    hours
        .time_zone
        .clone()
        .or_else(|| link.and_then(|l| l.user_tz.clone()))
        .unwrap_or_else(|| {
            jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_owned()
        })
}

fn hours_view(hours: &Hours, link: Option<&Link>) -> HoursView {
    let zone = effective_zone(hours, link);
    HoursView {
        days: hours.days,
        start: hhmm(hours.start),
        end: hhmm(hours.end),
        time_zone: hours.time_zone.clone(),
        summary: format!("{} ({zone})", hours::describe(hours)),
        effective_time_zone: zone,
    }
}

/// A staff member as the Staff view and `staff list` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberView {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub role: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub active: bool,
    /// `connected`, `inactive`, `not_linked`, `switched_off`, `slack_user_deactivated`,
    /// `workspace_needs_reconnect` or `workspace_disconnected`.
    pub state: &'static str,
    /// The colour logo: messages reach the member.
    pub connected: bool,
    /// What the logo's label says: why it is grey, or where it is connected.
    pub reason: String,
    /// Whether the logo can be switched (the member is linked and active).
    pub switchable: bool,
    /// The connection is switched on (the admin's choice, whatever else stops it).
    pub switched_on: bool,
    /// What the last automatic link found while unlinked: `no_email`, `no_match`, `several`,
    /// `deactivated`.
    pub match_state: Option<String>,
    pub match_detail: Option<String>,
    pub link: Option<LinkView>,
    /// Workspaces the member is linked in.
    pub links: u32,
    pub hours: HoursView,
    pub created_at: i64,
    pub updated_at: i64,
}

fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Why the logo is grey (or where it is connected), in a sentence.
fn reason_of(member: &Member) -> String {
    let link = member.link.as_ref();
    let user = link
        .and_then(|l| l.user_name.clone())
        .map(|n| format!("@{n}"))
        .or_else(|| link.map(|l| l.slack_user_id.clone()))
        .unwrap_or_default();
    let team = link
        .and_then(|l| l.team_name.clone().or(Some(l.team_id.clone())))
        .unwrap_or_default();
    match member.state {
        State::Connected => format!("Connected to Slack as {user} in {team}"),
        State::Inactive => "Deactivated in the business application: nothing is sent".into(),
        State::NotLinked => match (member.match_state.as_deref(), &member.match_detail) {
            (Some(_), Some(detail)) => format!("Not linked to a Slack user: {detail}"),
            _ => "Not linked to a Slack user".into(),
        },
        State::SwitchedOff => {
            match link.and_then(|l| Some((l.switched_by.clone()?, l.switched_at?))) {
                Some((by, at)) => format!("Switched off by {by} on {}", when(at)),
                None => "Switched off by an admin".into(),
            }
        }
        State::SlackUserDeactivated => {
            format!("The Slack user {user} is deactivated in {team}: link their current account")
        }
        State::WorkspaceNeedsReconnect => {
            format!("The workspace {team} needs reconnecting: messages wait until it is")
        }
        State::WorkspaceDisconnected => format!(
            "The workspace {team} is disconnected: connect it again in Workspaces, or link them in another workspace"
        ),
    }
}

impl From<Member> for MemberView {
    fn from(m: Member) -> MemberView {
        let reason = reason_of(&m);
        let hours = hours_view(&m.hours, m.link.as_ref());
        MemberView {
            id: m.id,
            state: m.state.as_str(),
            connected: m.state == State::Connected,
            switchable: m.active && m.link.is_some(),
            switched_on: m.link.as_ref().is_some_and(|l| l.enabled),
            reason,
            external_id: m.external_id,
            name: m.name,
            email: m.email,
            role: m.role,
            manager_id: m.manager_id,
            manager_name: m.manager_name,
            active: m.active,
            match_state: m.match_state,
            match_detail: m.match_detail,
            link: m.link.map(LinkView::from),
            links: m.links,
            hours,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A member with every link, for the row's detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberDetail {
    pub member: MemberView,
    pub links: Vec<LinkView>,
}

/// Which members a page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StaffQuery {
    pub search: Option<String>,
    /// `all` (default), `connected`, `not_connected`, `no_match`, `needs_attention`.
    pub show: Option<String>,
    pub include_inactive: bool,
    pub offset: u64,
    pub limit: Option<u64>,
}

/// One page of members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffPage {
    pub total: u64,
    pub connected: u64,
    pub offset: u64,
    pub rows: Vec<MemberView>,
}

/// The filters `show` takes.
pub const SHOWS: [&str; 5] = [
    "all",
    "connected",
    "not_connected",
    "no_match",
    "needs_attention",
];

fn parse_show(show: Option<&str>) -> Result<Show> {
    Ok(match show.unwrap_or("all") {
        "all" | "" => Show::All,
        "connected" => Show::Connected,
        "not_connected" => Show::NotConnected,
        "no_match" => Show::NoMatch,
        "needs_attention" => Show::NeedsAttention,
        other => {
            return Err(Error::invalid(
                "show",
                format!(
                    "{other:?} is not a filter; use one of {}.",
                    SHOWS.join(", ")
                ),
            ));
        }
    })
}

/// The most rows one page holds.
pub const MAX_PAGE: u64 = 1_000;

/// One page of members in name order.
pub fn list(profile: &Profile, query: &StaffQuery) -> Result<StaffPage> {
    let show = parse_show(query.show.as_deref())?;
    let limit = query.limit.unwrap_or(200).min(MAX_PAGE);
    let page = profile.db()?.read(|conn| {
        stored::list(
            conn,
            &stored::Filter {
                search: query.search.as_deref(),
                show,
                include_inactive: query.include_inactive,
                offset: query.offset,
                limit,
            },
        )
        .map_err(Error::from)
    })?;
    Ok(StaffPage {
        total: page.total,
        connected: page.connected,
        offset: query.offset,
        rows: page.rows.into_iter().map(MemberView::from).collect(),
    })
}

fn one(conn: &Connection, id: i64) -> Result<Member> {
    stored::get(conn, id)?.ok_or_else(|| Error::NotFound {
        what: "staff member",
        message: format!("There is no staff member #{id}: `switchboard staff list` shows them."),
    })
}

/// The member `reference` names: an email, an external id, or `#id`.
fn resolve(conn: &Connection, reference: &str) -> Result<Member> {
    let reference = reference.trim();
    if let Some(id) = reference.strip_prefix('#').and_then(|n| n.parse().ok()) {
        return one(conn, id);
    }
    if reference.contains('@') {
        let mut found = stored::by_email(conn, reference)?;
        if found.is_empty() {
            return Err(Error::NotFound {
                what: "staff member",
                message: format!(
                    "No staff member has the email {reference}: `switchboard staff list` shows them."
                ),
            });
        }
        return Ok(found.remove(0));
    }
    if let Some(member) = stored::by_external_id(conn, reference)? {
        return Ok(member);
    }
    if let Ok(id) = reference.parse::<i64>()
        && let Some(member) = stored::get(conn, id)?
    {
        return Ok(member);
    }
    Err(Error::NotFound {
        what: "staff member",
        message: format!(
            "No staff member is {reference:?}: name them by email, external id or #id."
        ),
    })
}

/// Member `id` with every link.
pub fn get(profile: &Profile, id: i64) -> Result<MemberDetail> {
    profile.db()?.read(|conn| {
        let member = one(conn, id)?;
        let links = stored::links(conn, id)?
            .into_iter()
            .map(LinkView::from)
            .collect();
        Ok(MemberDetail {
            member: member.into(),
            links,
        })
    })
}

/// The member `reference` names (email, external id or `#id`).
pub fn find(profile: &Profile, reference: &str) -> Result<MemberView> {
    profile
        .db()?
        .read(|conn| resolve(conn, reference).map(MemberView::from))
}

// ---------------------------------------------------------------------------------------------
// The member's own fields

/// The roles a member may have.
pub const ROLES: [&str; 4] = ["owner", "admin", "manager", "staff"];

pub(crate) fn check_role(value: &str) -> std::result::Result<String, String> {
    let role = value.trim().to_ascii_lowercase();
    let role = if role.is_empty() {
        "staff".into()
    } else {
        role
    };
    if ROLES.contains(&role.as_str()) {
        Ok(role)
    } else {
        Err(format!(
            "{:?} is not a role; use one of {}",
            value.trim(),
            ROLES.join(", ")
        ))
    }
}

pub(crate) fn check_member_name(value: &str) -> std::result::Result<String, String> {
    match check_text(value, "A name")? {
        None => Err("A staff member needs a name".into()),
        Some(name) => Ok(name),
    }
}

pub(crate) fn check_email(value: &str) -> std::result::Result<Option<String>, String> {
    let email = value.trim();
    if email.is_empty() {
        return Ok(None);
    }
    if email.chars().count() > 320 || !looks_like_email(email) {
        return Err(format!("{email:?} is not an email address"));
    }
    Ok(Some(email.to_owned()))
}

/// The email is no other member's (an email names one member in events and commands).
fn ensure_email_free(conn: &Connection, email: &str, except: Option<i64>) -> Result<()> {
    if let Some(other) = stored::by_email(conn, email)?
        .into_iter()
        .find(|m| Some(m.id) != except)
    {
        return Err(Error::invalid(
            "email",
            format!(
                "{email} is already the email of {} (#{}): each member has their own.",
                other.name, other.id
            ),
        ));
    }
    Ok(())
}

fn ensure_external_id_free(
    conn: &Connection,
    external_id: &str,
    except: Option<i64>,
) -> Result<()> {
    if let Some(other) = stored::by_external_id(conn, external_id)?
        && Some(other.id) != except
    {
        return Err(Error::invalid(
            "external_id",
            format!(
                "The external id {external_id:?} is already {}'s (#{}).",
                other.name, other.id
            ),
        ));
    }
    Ok(())
}

/// The manager `reference` names (email, external id or `#id`), checked not to make a circle.
fn manager_of(conn: &Connection, member: Option<&Member>, reference: &str) -> Result<Option<i64>> {
    if reference.trim().is_empty() {
        return Ok(None);
    }
    let manager = resolve(conn, reference).map_err(|error| match error {
        Error::NotFound { .. } => Error::invalid(
            "manager",
            format!(
                "No staff member is {:?}: name the manager by email, external id or #id.",
                reference.trim()
            ),
        ),
        other => other,
    })?;
    if member.is_some_and(|m| m.id == manager.id) {
        return Err(Error::invalid(
            "manager",
            "A member cannot be their own manager: choose someone else, or leave it empty.",
        ));
    }
    if let Some(member) = member
        && stored::manages_through(conn, member.id, manager.id)?
    {
        return Err(Error::invalid(
            "manager",
            format!(
                "{} cannot be {}'s manager: {} manages {}, directly or through others. Choose someone else.",
                manager.name, member.name, member.name, manager.name
            ),
        ));
    }
    Ok(Some(manager.id))
}

/// A new member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NewMember {
    pub name: String,
    pub email: Option<String>,
    pub role: Option<String>,
    /// Their manager: email, external id or `#id`.
    pub manager: Option<String>,
    pub external_id: Option<String>,
}

fn subject(member: &Member) -> String {
    match &member.email {
        Some(email) => format!("{} <{email}>", member.name),
        None => member.name.clone(),
    }
}

fn record(
    conn: &Connection,
    actor: &str,
    action: &str,
    subject: &str,
    old: Option<&str>,
    new: Option<&str>,
    now: i64,
) -> Result<()> {
    audit::record(
        conn,
        audit::NewAuditEntry {
            at: now,
            actor,
            action,
            subject,
            old_value: old,
            new_value: new,
        },
    )?;
    Ok(())
}

/// Adds an active member (audited as `staff.created`).
pub fn add(profile: &Profile, new: NewMember) -> Result<MemberView> {
    let name = check_member_name(&new.name).map_err(refused("name"))?;
    let email = check_email(new.email.as_deref().unwrap_or("")).map_err(refused("email"))?;
    let role = check_role(new.role.as_deref().unwrap_or("")).map_err(refused("role"))?;
    let external_id = check_text(new.external_id.as_deref().unwrap_or(""), "An external id")
        .map_err(refused("external_id"))?;
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let member = profile.db()?.write(|tx| {
        if let Some(email) = &email {
            ensure_email_free(tx, email, None)?;
        }
        if let Some(x) = &external_id {
            ensure_external_id_free(tx, x, None)?;
        }
        let manager_id = manager_of(tx, None, new.manager.as_deref().unwrap_or(""))?;
        let id = stored::insert(
            tx,
            &stored::Fields {
                external_id: external_id.as_deref(),
                name: &name,
                email: email.as_deref(),
                role: &role,
                manager_id,
                active: true,
            },
            now,
        )?;
        let member = one(tx, id)?;
        record(
            tx,
            &actor,
            "staff.created",
            &subject(&member),
            None,
            Some(&format!("role: {role}")),
            now,
        )?;
        Ok::<_, Error>(member)
    })?;
    profile.emit(Announcement::StaffChanged);
    Ok(member.into())
}

/// A change to a member: `None` leaves a field as it is; an empty email, manager or external
/// id removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemberEdit {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub manager: Option<String>,
    pub external_id: Option<String>,
}

/// Changes member `id` (audited as `staff.edited` with each changed field's old and new value).
pub fn edit(profile: &Profile, id: i64, edit: MemberEdit) -> Result<MemberView> {
    let name = check_given(edit.name.as_deref(), "name", check_member_name)?;
    let email = check_given(edit.email.as_deref(), "email", check_email)?;
    let role = check_given(edit.role.as_deref(), "role", check_role)?;
    let external_id = check_given(edit.external_id.as_deref(), "external_id", |x| {
        check_text(x, "An external id")
    })?;
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let (member, changed) = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        let email = email.unwrap_or_else(|| before.email.clone());
        let external_id = external_id.unwrap_or_else(|| before.external_id.clone());
        if let Some(e) = &email
            && !before
                .email
                .as_deref()
                .is_some_and(|b| b.eq_ignore_ascii_case(e))
        {
            ensure_email_free(tx, e, Some(id))?;
        }
        if let Some(x) = &external_id {
            ensure_external_id_free(tx, x, Some(id))?;
        }
        let manager_id = match &edit.manager {
            Some(reference) => manager_of(tx, Some(&before), reference)?,
            None => before.manager_id,
        };
        let after = stored::Fields {
            external_id: external_id.as_deref(),
            name: name.as_deref().unwrap_or(&before.name),
            email: email.as_deref(),
            role: role.as_deref().unwrap_or(&before.role),
            manager_id,
            active: before.active,
        };
        let mut old = Vec::new();
        let mut new = Vec::new();
        let mut diff = |field: &str, a: Option<&str>, b: Option<&str>| {
            if a != b {
                old.push(format!("{field}: {}", a.unwrap_or("—")));
                new.push(format!("{field}: {}", b.unwrap_or("—")));
            }
        };
        diff("name", Some(&before.name), Some(after.name));
        diff("email", before.email.as_deref(), after.email);
        diff("role", Some(&before.role), Some(after.role));
        diff(
            "external_id",
            before.external_id.as_deref(),
            after.external_id,
        );
        // By id: two members may share a name.
        if manager_id != before.manager_id {
            let named = |id: Option<i64>| -> Result<String> {
                Ok(match id {
                    Some(m) => format!("{} (#{m})", one(tx, m)?.name),
                    None => "—".into(),
                })
            };
            old.push(format!("manager: {}", named(before.manager_id)?));
            new.push(format!("manager: {}", named(manager_id)?));
        }
        if old.is_empty() {
            return Ok((before, false));
        }
        stored::update(tx, id, &after, now)?;
        record(
            tx,
            &actor,
            "staff.edited",
            &subject(&before),
            Some(&old.join("; ")),
            Some(&new.join("; ")),
            now,
        )?;
        Ok::<_, Error>((one(tx, id)?, true))
    })?;
    if changed {
        profile.emit(Announcement::StaffChanged);
    }
    Ok(member.into())
}

/// Deactivates member `id` (or activates them again), audited as `staff.active`. A deactivated
/// member is sent nothing: their waiting direct messages are discarded with the reason.
pub fn set_active(profile: &Profile, id: i64, active: bool) -> Result<MemberView> {
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let (member, changed) = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        if before.active == active {
            return Ok((before, false));
        }
        let fields = stored::Fields {
            external_id: before.external_id.as_deref(),
            name: &before.name,
            email: before.email.as_deref(),
            role: &before.role,
            manager_id: before.manager_id,
            active,
        };
        stored::update(tx, id, &fields, now)?;
        if !active {
            outbox::discard_waiting_for_staff(tx, id, None, &deactivated(&before.name), now)?;
        }
        record(
            tx,
            &actor,
            "staff.active",
            &subject(&before),
            Some(&before.active.to_string()),
            Some(&active.to_string()),
            now,
        )?;
        Ok::<_, Error>((one(tx, id)?, true))
    })?;
    if changed {
        profile.emit(Announcement::StaffChanged);
        if !active {
            profile.emit(Announcement::OutboxChanged);
        }
    }
    Ok(member.into())
}

/// Why a deactivated member's waiting messages were discarded.
pub(crate) fn deactivated(name: &str) -> String {
    format!("{name} was deactivated in the business application: nothing is sent to them.")
}

// ---------------------------------------------------------------------------------------------
// The connection

/// When member `member`'s next working period starts, if they are outside one `now`.
fn outside_hours(member: &Member, now: i64) -> Option<i64> {
    let zone = effective_zone(&member.hours, member.link.as_ref());
    hours::next_start(&member.hours, &hours::zone(&zone), now)
}

/// Switches member `reference`'s Slack connection on or off (the logo), audited as
/// `staff.slack` (`on`/`off`). Off holds the direct messages waiting for them; on sends them.
pub fn set_connection(profile: &Profile, reference: &str, on: bool) -> Result<MemberView> {
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let (member, changed, released) = profile.db()?.write(|tx| {
        let before = resolve(tx, reference)?;
        if before.link.is_none() {
            return Err(Error::invalid(
                "staff",
                format!(
                    "{} is not linked to a Slack user, so there is no connection to switch: link them first (`switchboard staff link --auto`, or Link in Staff).",
                    before.name
                ),
            ));
        }
        let changed = stored::set_enabled(tx, before.id, on, &actor, now)?;
        if changed == 0 {
            return Ok((before, false, 0));
        }
        let released = if on {
            // Outside their working hours the messages wait for the next period, as new ones do.
            let then = outside_hours(&before, now).map(|at| (WORKING_HOURS, at));
            outbox::release_staff(tx, before.id, SWITCHED_OFF, then, now)?
        } else {
            outbox::hold_staff(tx, before.id, SWITCHED_OFF, now)?
        };
        let word = |b: bool| if b { "on" } else { "off" };
        record(tx, &actor, "staff.slack", &subject(&before), Some(word(!on)), Some(word(on)), now)?;
        Ok::<_, Error>((one(tx, before.id)?, true, released))
    })?;
    if changed {
        profile.emit(Announcement::StaffChanged);
        if released > 0 {
            profile.emit(Announcement::OutboxChanged);
            profile.wake_delivery();
        }
    }
    Ok(member.into())
}

/// Links member `id` to Slack user `user_id` of workspace `team_id` (replacing their link there),
/// audited as `staff.linked`. The user must be in the synced directory, a person (no bot), and
/// no other member's.
pub fn link(
    profile: &Profile,
    id: i64,
    team_id: &str,
    user_id: &str,
    by: LinkedBy,
) -> Result<MemberView> {
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let member = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        link_in(tx, &actor, &before, team_id, user_id, by, now)?;
        one(tx, id)
    })?;
    profile.emit(Announcement::StaffChanged);
    Ok(member.into())
}

fn link_in(
    tx: &Connection,
    actor: &str,
    member: &Member,
    team_id: &str,
    user_id: &str,
    by: LinkedBy,
    now: i64,
) -> Result<()> {
    let workspace = workspaces::get(tx, team_id)?.ok_or_else(|| Error::no_workspace(team_id))?;
    let user = link_checked(tx, member.id, &workspace, user_id, by, now)?;
    record(
        tx,
        actor,
        "staff.linked",
        &subject(member),
        None,
        Some(&format!(
            "@{} in {} ({})",
            user.name,
            workspace.name,
            by.as_str()
        )),
        now,
    )?;
    Ok(())
}

/// Links member `staff_id` to Slack user `user_id` of `workspace` as [`link`] does, without an
/// audit entry of its own (a bulk link records one for all): the user must be in the synced
/// directory, a person, and no other member's. Returns the user.
pub(crate) fn link_checked(
    tx: &Connection,
    staff_id: i64,
    workspace: &workspaces::Workspace,
    user_id: &str,
    by: LinkedBy,
    now: i64,
) -> Result<directory::User> {
    let team_id = workspace.team_id.as_str();
    let user = directory::user(tx, team_id, user_id)?.ok_or_else(|| {
        Error::invalid(
            "user",
            format!(
                "Slack user {user_id} is not in {}'s synced directory: sync the workspace, then pick them again.",
                workspace.name
            ),
        )
    })?;
    if user.is_bot {
        return Err(Error::invalid(
            "user",
            format!(
                "{} is a bot, not a person: pick the member's own Slack user.",
                user.name
            ),
        ));
    }
    if let Some(other) = stored::linked_to(tx, team_id, user_id)?
        && other != staff_id
    {
        let other = one(tx, other)?;
        return Err(Error::invalid(
            "user",
            format!(
                "@{} is already linked to {} in {}: unlink them first.",
                user.name, other.name, workspace.name
            ),
        ));
    }
    // Messages still waiting for the user this replaces would reach the wrong person.
    if stored::links(tx, staff_id)?
        .iter()
        .any(|l| l.team_id == team_id && l.slack_user_id != user_id)
    {
        outbox::discard_waiting_for_staff(
            tx,
            staff_id,
            Some(team_id),
            "The staff member was linked to another Slack user: send it again to reach them there.",
            now,
        )?;
    }
    stored::link(tx, staff_id, team_id, user_id, by, now)?;
    Ok(user)
}

/// Removes member `id`'s link in `team_id` (every link: `None`), audited as `staff.unlinked`.
/// Direct messages still waiting for them are discarded with the reason.
pub fn unlink(profile: &Profile, id: i64, team_id: Option<&str>) -> Result<MemberView> {
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let (member, discarded) = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        let links = stored::links(tx, id)?;
        let gone: Vec<&Link> = links
            .iter()
            .filter(|l| team_id.is_none_or(|t| t == l.team_id))
            .collect();
        if gone.is_empty() {
            return Err(Error::invalid(
                "team_id",
                format!("{} is not linked there: nothing to unlink.", before.name),
            ));
        }
        let names: Vec<String> = gone
            .iter()
            .map(|l| {
                format!(
                    "@{} in {}",
                    l.user_name.as_deref().unwrap_or(&l.slack_user_id),
                    l.team_name.as_deref().unwrap_or(&l.team_id)
                )
            })
            .collect();
        stored::unlink(tx, id, team_id, now)?;
        // What waited for the removed links has no one to go to there.
        let discarded = outbox::discard_waiting_for_staff(
            tx,
            id,
            team_id,
            &format!(
                "{} was unlinked from Slack: link them again and send it anew.",
                before.name
            ),
            now,
        )?;
        record(
            tx,
            &actor,
            "staff.unlinked",
            &subject(&before),
            Some(&names.join(", ")),
            None,
            now,
        )?;
        Ok::<_, Error>((one(tx, id)?, discarded))
    })?;
    profile.emit(Announcement::StaffChanged);
    if discarded > 0 {
        profile.emit(Announcement::OutboxChanged);
    }
    Ok(member.into())
}

/// Sets where member `id`'s direct messages go in `team_id`: the app's direct message with them
/// (`channel` `None`) or a channel of the workspace (its Slack id), audited as `staff.dm_target`.
pub fn set_dm_target(
    profile: &Profile,
    id: i64,
    team_id: &str,
    channel: Option<&str>,
) -> Result<MemberView> {
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let member = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        let chosen = match channel {
            Some(channel_id) => {
                let found = directory::find_channel(tx, team_id, channel_id)?.ok_or_else(|| {
                    Error::invalid(
                        "channel",
                        format!("Channel {channel_id} is not in the workspace's synced directory: sync it, then pick again."),
                    )
                })?;
                if found.is_archived {
                    return Err(Error::invalid(
                        "channel",
                        format!("#{} is archived: pick a channel people still use.", found.name),
                    ));
                }
                Some((channel_id.to_owned(), found.name))
            }
            None => None,
        };
        let set = stored::set_dm_target(
            tx,
            id,
            team_id,
            chosen.as_ref().map(|(c, n)| (c.as_str(), Some(n.as_str()))),
            now,
        )?;
        if !set {
            return Err(Error::invalid(
                "team_id",
                format!("{} is not linked in workspace {team_id}: link them there first.", before.name),
            ));
        }
        let label = chosen
            .as_ref()
            .map_or("the app's direct message".to_owned(), |(_, n)| format!("#{n}"));
        record(tx, &actor, "staff.dm_target", &subject(&before), None, Some(&label), now)?;
        one(tx, id)
    })?;
    profile.emit(Announcement::StaffChanged);
    Ok(member.into())
}

/// Working hours as the Staff view and the CLI send them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoursInput {
    pub days: u8,
    pub start: String,
    pub end: String,
    /// Empty or `None`: the member's Slack time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Sets member `id`'s working hours, audited as `staff.hours`.
pub fn set_hours(profile: &Profile, id: i64, input: HoursInput) -> Result<MemberView> {
    let hours = Hours {
        days: input.days,
        start: parse_hhmm(&input.start, "hours.start")?,
        end: parse_hhmm(&input.end, "hours.end")?,
        time_zone: input
            .time_zone
            .map(|z| z.trim().to_owned())
            .filter(|z| !z.is_empty()),
    };
    hours::check(&hours)?;
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    let member = profile.db()?.write(|tx| {
        let before = one(tx, id)?;
        if before.hours == hours {
            return Ok(before);
        }
        stored::set_hours(tx, id, &hours, now)?;
        // Messages already waiting for the old hours follow the new ones.
        let after = one(tx, id)?;
        let then = outside_hours(&after, now).map(|at| (WORKING_HOURS, at));
        outbox::release_staff(tx, id, WORKING_HOURS, then, now)?;
        record(
            tx,
            &actor,
            "staff.hours",
            &subject(&before),
            Some(&hours::describe(&before.hours)),
            Some(&hours::describe(&hours)),
            now,
        )?;
        one(tx, id)
    })?;
    profile.emit(Announcement::StaffChanged);
    profile.emit(Announcement::OutboxChanged);
    profile.wake_delivery();
    Ok(member.into())
}

// ---------------------------------------------------------------------------------------------
// Who a direct message is for

/// An escalation kind's rule: the owner's, or the default (Slack on; flex time to the member and
/// their manager; project escalations to the project's channel and the member's manager).
pub fn escalation_rule(conn: &Connection, kind: EventKind) -> Result<rules::EscalationRule> {
    Ok(
        rules::escalation_rule(conn, kind.as_str())?.unwrap_or(rules::EscalationRule {
            slack: true,
            member: kind == EventKind::EscalationFlextime,
            manager: true,
            project_channel: kind == EventKind::EscalationProject,
            urgent: false,
            updated_at: 0,
        }),
    )
}

fn recipient_of(member: Member, urgent: bool, now: i64) -> Recipient {
    let reason = match member.state {
        State::Connected | State::WorkspaceNeedsReconnect => None,
        State::Inactive => Some(Reason::StaffInactive),
        State::NotLinked => Some(Reason::StaffNotLinked),
        State::SwitchedOff => Some(Reason::StaffSwitchedOff),
        State::SlackUserDeactivated => Some(Reason::SlackUserDeactivated),
        State::WorkspaceDisconnected => Some(Reason::StaffWorkspaceDisconnected),
    };
    let (Some(link), None) = (member.link.as_ref(), reason) else {
        return Recipient::Unreachable {
            staff_id: member.id,
            name: member.name,
            reason: reason.unwrap_or(Reason::StaffNotLinked),
        };
    };
    let time_zone = effective_zone(&member.hours, Some(link));
    let wait_until = if urgent {
        None
    } else {
        hours::next_start(&member.hours, &hours::zone(&time_zone), now)
    };
    let target_id = match (&link.dm_choice[..], &link.dm_channel_id) {
        ("channel", Some(channel)) => channel.clone(),
        _ => link.slack_user_id.clone(),
    };
    Recipient::Reachable(DmTarget {
        staff_id: member.id,
        name: member.name,
        team_id: link.team_id.clone(),
        target_id,
        needs_reconnect: member.state == State::WorkspaceNeedsReconnect,
        time_zone,
        wait_until,
        urgent,
    })
}

fn by_email(conn: &Connection, email: &str) -> Result<Option<Member>> {
    Ok(stored::by_email(conn, email)?.into_iter().next())
}

/// Who the direct messages of `event` are for, and whether and when each can go (at `now`):
/// - `message.direct`: `to`, else `staff`;
/// - `timesheet.approval`, `vacation.requested`: `to`; else the member for a decision, their
///   manager (the approver) for a request;
/// - escalations: `to`; else as the kind's escalation rule says (the member, their manager).
///
/// Empty for kinds that go to channels only, and for a project escalation whose rule only
/// posts to the project's channel.
pub fn recipients(conn: &Connection, event: &Event, now: i64) -> Result<Vec<Recipient>> {
    use EventKind::*;
    let person = |email: &str, urgent: bool| -> Result<Recipient> {
        Ok(match by_email(conn, email)? {
            Some(member) => recipient_of(member, urgent, now),
            None => Recipient::Unknown {
                email: email.to_owned(),
            },
        })
    };
    let manager = |email: &str, urgent: bool| -> Result<Recipient> {
        let Some(member) = by_email(conn, email)? else {
            return Ok(Recipient::Unknown {
                email: email.to_owned(),
            });
        };
        match member.manager_id {
            Some(id) => Ok(recipient_of(one(conn, id)?, urgent, now)),
            None => Ok(Recipient::NoManager {
                staff_id: member.id,
                name: member.name,
            }),
        }
    };
    let urgent = event.urgent;
    let mut found = match event.kind {
        MessageDirect => match event.to.as_deref().or(event.staff.as_deref()) {
            Some(email) => vec![person(email, urgent)?],
            None => Vec::new(),
        },
        TimesheetApproval | VacationRequested => {
            match (&event.to, &event.staff, event.data.contains_key("decision")) {
                (Some(to), _, _) => vec![person(to, urgent)?],
                (None, Some(staff), true) => vec![person(staff, urgent)?],
                (None, Some(staff), false) => vec![manager(staff, urgent)?],
                (None, None, _) => Vec::new(),
            }
        }
        EscalationFlextime | EscalationProject => {
            let rule = escalation_rule(conn, event.kind)?;
            let urgent = urgent || rule.urgent;
            if !rule.slack {
                // The owner's "no Slack for this kind" holds for a named recipient too.
                vec![Recipient::RuleOff]
            } else if let Some(to) = &event.to {
                vec![person(to, urgent)?]
            } else {
                let mut found = Vec::new();
                if let Some(staff) = &event.staff {
                    if rule.member {
                        found.push(person(staff, urgent)?);
                    }
                    if rule.manager {
                        found.push(manager(staff, urgent)?);
                    }
                }
                if found.is_empty() && !(event.kind == EscalationProject && rule.project_channel) {
                    found.push(Recipient::RuleOff);
                }
                found
            }
        }
        _ => Vec::new(),
    };
    // One message per person, however they were named.
    let mut seen = std::collections::HashSet::new();
    found.retain(|r| match r {
        Recipient::Reachable(t) => seen.insert(t.staff_id),
        Recipient::Unreachable { staff_id, .. } => seen.insert(*staff_id),
        _ => true,
    });
    Ok(found)
}

/// An escalation rule as Settings and the CLI show and set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    /// Whether the kind goes to Slack at all (zistemo's "Messenger").
    pub slack: bool,
    /// A direct message to the member it is about.
    pub member: bool,
    /// A direct message to their manager.
    pub manager: bool,
    /// A post in the project's channel (project escalations only).
    pub project_channel: bool,
    /// Delivered at once, even outside working hours.
    pub urgent: bool,
}

/// The escalation kinds, with their rules (the owner's or the default).
pub fn escalation_rules(profile: &Profile) -> Result<Vec<(EventKind, RuleView)>> {
    profile.db()?.read(|conn| {
        [EventKind::EscalationFlextime, EventKind::EscalationProject]
            .into_iter()
            .map(|kind| {
                let r = escalation_rule(conn, kind)?;
                Ok((
                    kind,
                    RuleView {
                        slack: r.slack,
                        member: r.member,
                        manager: r.manager,
                        project_channel: r.project_channel,
                        urgent: r.urgent,
                    },
                ))
            })
            .collect()
    })
}

/// Sets escalation kind `kind`'s rule, audited as `escalation.rule` with the old and new rule.
pub fn set_escalation_rule(profile: &Profile, kind: EventKind, rule: RuleView) -> Result<RuleView> {
    if !matches!(
        kind,
        EventKind::EscalationFlextime | EventKind::EscalationProject
    ) {
        return Err(Error::invalid(
            "kind",
            format!(
                "{kind} is not an escalation: rules are for escalation.flextime and escalation.project."
            ),
        ));
    }
    if rule.project_channel && kind != EventKind::EscalationProject {
        return Err(Error::invalid(
            "project_channel",
            "Only project escalations have a project's channel to post to.",
        ));
    }
    let describe = |r: &rules::EscalationRule| {
        if !r.slack {
            return "Slack off".to_owned();
        }
        let mut to = Vec::new();
        if r.member {
            to.push("the member");
        }
        if r.manager {
            to.push("their manager");
        }
        if r.project_channel {
            to.push("the project's channel");
        }
        format!(
            "Slack to {}{}",
            if to.is_empty() {
                "nobody".to_owned()
            } else {
                to.join(", ")
            },
            if r.urgent { ", urgent" } else { "" }
        )
    };
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    profile.db()?.write(|tx| {
        let before = escalation_rule(tx, kind)?;
        let after = rules::EscalationRule {
            slack: rule.slack,
            member: rule.member,
            manager: rule.manager,
            project_channel: rule.project_channel,
            urgent: rule.urgent,
            updated_at: now,
        };
        rules::set_escalation_rule(tx, kind.as_str(), &after)?;
        record(
            tx,
            &actor,
            "escalation.rule",
            kind.as_str(),
            Some(&describe(&before)),
            Some(&describe(&after)),
            now,
        )?;
        Ok::<_, Error>(())
    })?;
    profile.emit(Announcement::ChannelsChanged);
    Ok(rule)
}
