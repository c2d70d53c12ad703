//! Commands of the Staff and Messages views: the member list with each Slack logo, switching a
//! connection, linking (automatic with a review, by hand), unlinking, DM target, working hours,
//! the CSV import, escalation rules, and sending a direct message — each one core call, as the
//! `switchboard staff` and `switchboard dm` subcommands are.

use switchboard_core::dm::{self, Compose};
use switchboard_core::ingest::Source;
use switchboard_core::linking::{self, Choice};
use switchboard_core::staff::{self, HoursInput, LinkedBy, MemberEdit, NewMember, StaffQuery};
use switchboard_core::{EventKind, staff_import};
use tauri::State;
use tauri::ipc::Channel;

use crate::dto::{
    DmPurpose, DmSent, EscalationRule, KindTemplate, LinkApplied, LinkCandidate, LinkPlan,
    LinkPlanProgress, StaffDetail, StaffImportPreview, StaffMember, StaffSignedIn, StaffWindow,
    TemplatePreview,
};
use crate::error::CommandError;
use crate::state::AppState;

/// A window of members by name: `limit` from `offset`, searched by name, email or external id,
/// filtered by connection (`all`, `connected`, `not_connected`, `no_match`, `needs_attention`).
#[tauri::command]
#[specta::specta]
pub async fn staff_members(
    state: State<'_, AppState>,
    search: String,
    show: String,
    include_inactive: bool,
    offset: u32,
    limit: u32,
) -> Result<StaffWindow, CommandError> {
    let query = StaffQuery {
        search: Some(search).filter(|s| !s.trim().is_empty()),
        show: Some(show),
        include_inactive,
        offset: u64::from(offset),
        limit: Some(u64::from(limit)),
    };
    Ok(staff::list(&state.profile(), &query)?.into())
}

/// A member with every link.
#[tauri::command]
#[specta::specta]
pub async fn staff_member(
    state: State<'_, AppState>,
    id: i64,
) -> Result<StaffDetail, CommandError> {
    Ok(staff::get(&state.profile(), id)?.into())
}

/// Adds a member.
#[tauri::command]
#[specta::specta]
pub async fn add_staff_member(
    state: State<'_, AppState>,
    name: String,
    email: String,
    role: String,
    manager: String,
    external_id: String,
) -> Result<StaffMember, CommandError> {
    let new = NewMember {
        name,
        email: Some(email),
        role: Some(role),
        manager: Some(manager),
        external_id: Some(external_id),
    };
    Ok(staff::add(&state.profile(), new)?.into())
}

/// Changes a member (an empty email, manager or external id removes it).
#[tauri::command]
#[specta::specta]
pub async fn edit_staff_member(
    state: State<'_, AppState>,
    id: i64,
    name: String,
    email: String,
    role: String,
    manager: String,
    external_id: String,
) -> Result<StaffMember, CommandError> {
    let edit = MemberEdit {
        name: Some(name),
        email: Some(email),
        role: Some(role),
        manager: Some(manager),
        external_id: Some(external_id),
    };
    Ok(staff::edit(&state.profile(), id, edit)?.into())
}

/// Deactivates a member (or activates them again).
#[tauri::command]
#[specta::specta]
pub async fn set_staff_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> Result<StaffMember, CommandError> {
    Ok(staff::set_active(&state.profile(), id, active)?.into())
}

/// Switches a member's Slack connection on or off (the logo).
#[tauri::command]
#[specta::specta]
pub async fn set_staff_connection(
    state: State<'_, AppState>,
    id: i64,
    on: bool,
) -> Result<StaffMember, CommandError> {
    Ok(staff::set_connection(&state.profile(), &format!("#{id}"), on)?.into())
}

/// Links a member to a Slack user by hand.
#[tauri::command]
#[specta::specta]
pub async fn link_staff_member(
    state: State<'_, AppState>,
    id: i64,
    team_id: String,
    user_id: String,
) -> Result<StaffMember, CommandError> {
    Ok(staff::link(&state.profile(), id, &team_id, &user_id, LinkedBy::Manual)?.into())
}

/// Lets the member sign in with Slack at this computer: opens Slack's sign-in page in the
/// browser, waits (up to five minutes) for its redirect, and links the member to the Slack
/// identity that signed in. `cancel_oauth` stops the wait.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_staff_member(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
    team_id: Option<String>,
) -> Result<StaffSignedIn, CommandError> {
    let opener = app.clone();
    let result = switchboard_core::oauth::link_member_by_sign_in(
        &state.profile(),
        id,
        team_id.as_deref(),
        &move |url| crate::commands::workspaces::open_url(&opener, url),
    )
    .await;
    crate::commands::workspaces::bring_to_front(&app);
    Ok(result?.into())
}

/// Removes a member's link in a workspace (every link: no team).
#[tauri::command]
#[specta::specta]
pub async fn unlink_staff_member(
    state: State<'_, AppState>,
    id: i64,
    team_id: Option<String>,
) -> Result<StaffMember, CommandError> {
    Ok(staff::unlink(&state.profile(), id, team_id.as_deref())?.into())
}

/// Where a member's direct messages go: the app's DM (no channel) or a channel.
#[tauri::command]
#[specta::specta]
pub async fn set_staff_dm_target(
    state: State<'_, AppState>,
    id: i64,
    team_id: String,
    channel_id: Option<String>,
) -> Result<StaffMember, CommandError> {
    Ok(staff::set_dm_target(&state.profile(), id, &team_id, channel_id.as_deref())?.into())
}

/// Sets a member's working hours.
#[tauri::command]
#[specta::specta]
pub async fn set_staff_hours(
    state: State<'_, AppState>,
    id: i64,
    days: u8,
    start: String,
    end: String,
    time_zone: Option<String>,
) -> Result<StaffMember, CommandError> {
    let hours = HoursInput {
        days,
        start,
        end,
        time_zone,
    };
    Ok(staff::set_hours(&state.profile(), id, hours)?.into())
}

/// Matches every unlinked member by email, in every connected workspace (or one), with progress
/// while Slack is asked about unknown addresses. Nothing is saved: the plan is reviewed first.
#[tauri::command]
#[specta::specta]
pub async fn plan_staff_links(
    state: State<'_, AppState>,
    team_id: Option<String>,
    on_progress: Channel<LinkPlanProgress>,
) -> Result<Vec<LinkPlan>, CommandError> {
    let plans = linking::plan(&state.profile(), team_id.as_deref(), &|p| {
        let _ = on_progress.send(p.into());
    })
    .await?;
    Ok(plans.into_iter().map(Into::into).collect())
}

/// Saves the links a person kept (and chose) from the workspace's plan.
#[tauri::command]
#[specta::specta]
pub async fn apply_staff_links(
    state: State<'_, AppState>,
    team_id: String,
    choices: Vec<LinkCandidateChoice>,
) -> Result<LinkApplied, CommandError> {
    let choices: Vec<Choice> = choices
        .into_iter()
        .map(|c| Choice {
            staff_id: c.staff_id,
            user_id: c.user_id,
        })
        .collect();
    Ok(linking::apply_reviewed(&state.profile(), &team_id, &choices)?.into())
}

/// One kept link.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkCandidateChoice {
    pub staff_id: i64,
    pub user_id: String,
}

/// Slack users of a workspace to link a member to, by name, display name or email.
#[tauri::command]
#[specta::specta]
pub async fn search_slack_users(
    state: State<'_, AppState>,
    team_id: String,
    query: String,
) -> Result<Vec<LinkCandidate>, CommandError> {
    Ok(
        linking::search_people(&state.profile(), &team_id, &query, 50)?
            .into_iter()
            .map(Into::into)
            .collect(),
    )
}

/// What importing a staff CSV file would do; nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn preview_staff_import(
    state: State<'_, AppState>,
    csv: String,
) -> Result<StaffImportPreview, CommandError> {
    Ok(staff_import::preview(&state.profile(), &csv)?.into())
}

/// Imports a staff CSV file: every row, or none.
#[tauri::command]
#[specta::specta]
pub async fn import_staff(
    state: State<'_, AppState>,
    csv: String,
) -> Result<StaffImportPreview, CommandError> {
    Ok(staff_import::import(&state.profile(), &csv)?.into())
}

/// The escalation kinds' rules.
#[tauri::command]
#[specta::specta]
pub async fn escalation_rules(
    state: State<'_, AppState>,
) -> Result<Vec<EscalationRule>, CommandError> {
    Ok(staff::escalation_rules(&state.profile())?
        .into_iter()
        .map(|(kind, rule)| EscalationRule::of(kind, rule))
        .collect())
}

/// Sets an escalation kind's rule.
#[tauri::command]
#[specta::specta]
pub async fn set_escalation_rule(
    state: State<'_, AppState>,
    rule: EscalationRule,
) -> Result<EscalationRule, CommandError> {
    let kind: EventKind = rule.kind.parse()?;
    let saved = staff::set_escalation_rule(&state.profile(), kind, rule.rule())?;
    Ok(EscalationRule::of(kind, saved))
}

/// The purposes a manager writes for.
#[tauri::command]
#[specta::specta]
pub async fn dm_purposes() -> Result<Vec<DmPurpose>, CommandError> {
    Ok(dm::PURPOSES.into_iter().map(Into::into).collect())
}

/// Sends a staff member a direct message through the outbox.
#[tauri::command]
#[specta::specta]
pub async fn send_dm(
    state: State<'_, AppState>,
    message: DmMessage,
) -> Result<DmSent, CommandError> {
    let profile = state.profile();
    if let Some(sender) = message.sender.as_deref().filter(|s| !s.trim().is_empty()) {
        dm::remember_sender(&profile, sender)?;
    }
    let compose = message.compose();
    Ok(dm::send(&profile, &compose, Source::Ui)?.into())
}

impl DmMessage {
    fn compose(self) -> Compose {
        Compose {
            to: format!("#{}", self.staff_id),
            purpose: self.purpose,
            text: self.text,
            link: self.link,
            fields: self
                .fields
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
            urgent: self.urgent,
            sender: self.sender,
            id: self.id,
        }
    }
}

/// The template a purpose's direct messages are written with.
#[tauri::command]
#[specta::specta]
pub async fn dm_template(
    state: State<'_, AppState>,
    purpose: String,
) -> Result<KindTemplate, CommandError> {
    Ok(dm::template(&state.profile(), &purpose)?.into())
}

/// Saves a purpose's template for later messages; an empty one goes back to the default
/// wording.
#[tauri::command]
#[specta::specta]
pub async fn save_dm_template(
    state: State<'_, AppState>,
    purpose: String,
    template: String,
) -> Result<KindTemplate, CommandError> {
    Ok(dm::save_template(&state.profile(), &purpose, Some(&template))?.into())
}

/// The composed message as the member will read it in Slack, with `template` (`null`: the
/// purpose's saved one). Nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn preview_dm(
    state: State<'_, AppState>,
    message: DmMessage,
    template: Option<String>,
) -> Result<TemplatePreview, CommandError> {
    let profile = state.profile();
    let compose = message.compose();
    Ok(dm::preview(&profile, &compose, template.as_deref())?.into())
}

/// A direct message as the composer sends it.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DmMessage {
    pub staff_id: i64,
    pub purpose: String,
    pub text: Option<String>,
    pub link: Option<String>,
    /// The purpose's fields as typed (`period`, `hours`, `from`, `to`, `project`, `reason`…);
    /// the catalogue reads numbers and dates from the text.
    pub fields: std::collections::BTreeMap<String, String>,
    pub urgent: bool,
    pub sender: Option<String>,
    /// The idempotency key: a second click sends nothing new.
    pub id: Option<String>,
}

/// Who sends from this computer (named in messages).
#[tauri::command]
#[specta::specta]
pub async fn dm_sender(state: State<'_, AppState>) -> Result<String, CommandError> {
    Ok(dm::sender(&state.profile(), None)?)
}
