//! The Staff view's rows and details, automatic linking's plan, the staff CSV import, and the
//! Messages view's purposes and answers.

use serde::{Deserialize, Serialize};
use specta::Type;
use switchboard_core::dm::{Purpose, Sent};
use switchboard_core::linking::{Applied, CandidateView, LinkProgress, Plan, Proposal};
use switchboard_core::staff::{
    DmTargetView, HoursView, LinkView, MemberDetail, MemberView, RuleView, StaffPage,
};
use switchboard_core::staff_import::{StaffImport, StaffRow};

/// Where a member's direct messages go in one workspace.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DmTarget {
    /// `app` (the app's direct message) or `channel`.
    pub kind: String,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub label: String,
}

impl From<DmTargetView> for DmTarget {
    fn from(d: DmTargetView) -> Self {
        DmTarget {
            kind: d.kind.into(),
            channel_id: d.channel_id,
            channel_name: d.channel_name,
            label: d.label,
        }
    }
}

/// A member's link to a Slack user in one workspace.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffLink {
    pub team_id: String,
    pub team_name: Option<String>,
    pub workspace_status: String,
    pub slack_user_id: String,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
    pub user_deleted: bool,
    pub enabled: bool,
    pub dm: DmTarget,
    pub linked_by: String,
    pub linked_at: i64,
    pub switched_at: Option<i64>,
    pub switched_by: Option<String>,
}

impl From<LinkView> for StaffLink {
    fn from(l: LinkView) -> Self {
        StaffLink {
            team_id: l.team_id,
            team_name: l.team_name,
            workspace_status: l.workspace_status,
            slack_user_id: l.slack_user_id,
            user_name: l.user_name,
            user_email: l.user_email,
            user_deleted: l.user_deleted,
            enabled: l.enabled,
            dm: l.dm.into(),
            linked_by: l.linked_by,
            linked_at: l.linked_at,
            switched_at: l.switched_at,
            switched_by: l.switched_by,
        }
    }
}

/// Working hours.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkingHours {
    /// Weekdays as bits, Monday = 1 … Sunday = 64.
    pub days: u8,
    pub start: String,
    pub end: String,
    pub time_zone: Option<String>,
    pub effective_time_zone: String,
    pub summary: String,
}

impl From<HoursView> for WorkingHours {
    fn from(h: HoursView) -> Self {
        WorkingHours {
            days: h.days,
            start: h.start,
            end: h.end,
            time_zone: h.time_zone,
            effective_time_zone: h.effective_time_zone,
            summary: h.summary,
        }
    }
}

/// A staff member with their Slack connection (the logo).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffMember {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub role: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub active: bool,
    pub state: String,
    /// The colour logo.
    pub connected: bool,
    /// Why the logo is grey, or where it is connected.
    pub reason: String,
    pub switchable: bool,
    pub switched_on: bool,
    pub match_state: Option<String>,
    pub match_detail: Option<String>,
    pub link: Option<StaffLink>,
    pub links: u32,
    pub hours: WorkingHours,
    pub updated_at: i64,
}

impl From<MemberView> for StaffMember {
    fn from(m: MemberView) -> Self {
        StaffMember {
            id: m.id,
            external_id: m.external_id,
            name: m.name,
            email: m.email,
            role: m.role,
            manager_id: m.manager_id,
            manager_name: m.manager_name,
            active: m.active,
            state: m.state.into(),
            connected: m.connected,
            reason: m.reason,
            switchable: m.switchable,
            switched_on: m.switched_on,
            match_state: m.match_state,
            match_detail: m.match_detail,
            link: m.link.map(Into::into),
            links: m.links,
            hours: m.hours.into(),
            updated_at: m.updated_at,
        }
    }
}

/// A window of members.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffWindow {
    pub total: u32,
    pub connected: u32,
    pub offset: u32,
    pub rows: Vec<StaffMember>,
}

impl From<StaffPage> for StaffWindow {
    fn from(p: StaffPage) -> Self {
        StaffWindow {
            total: p.total as u32,
            connected: p.connected as u32,
            offset: p.offset as u32,
            rows: p.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// A member with every link.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffDetail {
    pub member: StaffMember,
    pub links: Vec<StaffLink>,
}

impl From<MemberDetail> for StaffDetail {
    fn from(d: MemberDetail) -> Self {
        StaffDetail {
            member: d.member.into(),
            links: d.links.into_iter().map(Into::into).collect(),
        }
    }
}

/// A Slack user a member may be linked to.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkCandidate {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub deactivated: bool,
}

impl From<CandidateView> for LinkCandidate {
    fn from(c: CandidateView) -> Self {
        LinkCandidate {
            user_id: c.user_id,
            name: c.name,
            email: c.email,
            deactivated: c.deactivated,
        }
    }
}

/// What matching found for one member.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkProposal {
    pub staff_id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `match`, `several`, `deactivated`, `no_match`, `no_email`, `taken` or `shared`.
    pub outcome: String,
    pub user: Option<LinkCandidate>,
    pub candidates: Vec<LinkCandidate>,
    pub source: Option<String>,
    pub detail: String,
}

impl From<Proposal> for LinkProposal {
    fn from(p: Proposal) -> Self {
        LinkProposal {
            staff_id: p.staff_id,
            name: p.name,
            email: p.email,
            outcome: p.outcome.into(),
            user: p.user.map(Into::into),
            candidates: p.candidates.into_iter().map(Into::into).collect(),
            source: p.source.map(Into::into),
            detail: p.detail,
        }
    }
}

/// What matching found in one workspace, for review before anything is saved.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkPlan {
    pub team_id: String,
    pub team_name: String,
    pub proposals: Vec<LinkProposal>,
    pub already_linked: u32,
    pub matched: u32,
    pub several: u32,
    pub deactivated: u32,
    pub no_match: u32,
    pub no_email: u32,
    pub taken: u32,
    pub shared: u32,
    pub looked_up: u32,
    pub not_looked_up: u32,
}

impl From<Plan> for LinkPlan {
    fn from(p: Plan) -> Self {
        LinkPlan {
            team_id: p.team_id,
            team_name: p.team_name,
            proposals: p.proposals.into_iter().map(Into::into).collect(),
            already_linked: p.already_linked,
            matched: p.matched,
            several: p.several,
            deactivated: p.deactivated,
            no_match: p.no_match,
            no_email: p.no_email,
            taken: p.taken,
            shared: p.shared,
            looked_up: p.looked_up,
            not_looked_up: p.not_looked_up,
        }
    }
}

/// How far matching is.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LinkPlanProgress {
    pub done: u32,
    pub total: u32,
}

impl From<LinkProgress> for LinkPlanProgress {
    fn from(p: LinkProgress) -> Self {
        LinkPlanProgress {
            done: p.done,
            total: p.total,
        }
    }
}

/// What saving reviewed links did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkApplied {
    pub linked: u32,
    pub unmatched: u32,
    /// "#12 (Ann Lee): …" for each link refused.
    pub refused: Vec<String>,
}

impl From<Applied> for LinkApplied {
    fn from(a: Applied) -> Self {
        LinkApplied {
            linked: a.linked,
            unmatched: a.unmatched,
            refused: a
                .refused
                .into_iter()
                .map(|r| format!("{} (#{}): {}", r.name, r.staff_id, r.error))
                .collect(),
        }
    }
}

/// One row of a staff import.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffImportRow {
    pub line: u32,
    pub action: String,
    pub staff_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    pub role: String,
    pub manager: Option<String>,
    pub active: bool,
    pub changes: Vec<String>,
    /// "column: message".
    pub errors: Vec<String>,
}

impl From<StaffRow> for StaffImportRow {
    fn from(r: StaffRow) -> Self {
        StaffImportRow {
            line: r.line,
            action: r.action.as_str().into(),
            staff_id: r.staff_id,
            name: r.name,
            email: r.email,
            role: r.role,
            manager: r.manager,
            active: r.active,
            changes: r.changes.into_iter().map(Into::into).collect(),
            errors: r
                .errors
                .into_iter()
                .map(|e| format!("{}: {}", e.column, e.message))
                .collect(),
        }
    }
}

/// What importing a staff file does (or did).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffImportPreview {
    pub rows: Vec<StaffImportRow>,
    pub creates: u32,
    pub updates: u32,
    pub unchanged: u32,
    pub errors: u32,
    pub ignored_columns: Vec<String>,
    pub imported: bool,
}

impl From<StaffImport> for StaffImportPreview {
    fn from(i: StaffImport) -> Self {
        StaffImportPreview {
            rows: i.rows.into_iter().map(Into::into).collect(),
            creates: i.creates,
            updates: i.updates,
            unchanged: i.unchanged,
            errors: i.errors,
            ignored_columns: i.ignored_columns,
            imported: i.imported,
        }
    }
}

/// A purpose a manager writes for.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DmPurpose {
    pub name: String,
    pub kind: String,
    pub label: String,
    /// What the composer asks for besides the text and the link.
    pub fields: Vec<DmField>,
}

/// A field of a purpose, as the composer shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DmField {
    pub name: String,
    /// `text`, `number`, `date`, `choice` or `project`.
    pub input: String,
    /// A `choice`'s values, the first the default.
    pub options: Vec<String>,
    pub required: bool,
    pub about: String,
}

impl From<Purpose> for DmPurpose {
    fn from(p: Purpose) -> Self {
        DmPurpose {
            name: p.name.into(),
            kind: p.kind.as_str().into(),
            label: p.label.into(),
            fields: p
                .fields()
                .into_iter()
                .map(|f| DmField {
                    name: f.name.into(),
                    input: f.input.into(),
                    options: f.options.iter().map(|o| (*o).into()).collect(),
                    required: f.required,
                    about: f.about.into(),
                })
                .collect(),
        }
    }
}

/// What sending a direct message did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DmSent {
    pub event_id: Option<i64>,
    pub id: String,
    pub staff_id: i64,
    pub recipient: String,
    /// `queued`, `held` or `skipped`.
    pub outcome: String,
    pub reason: String,
    pub sentence: String,
    pub outbox_id: Option<i64>,
    pub sender: String,
    pub duplicate: bool,
}

impl From<Sent> for DmSent {
    fn from(s: Sent) -> Self {
        DmSent {
            event_id: s.event_id,
            id: s.id,
            staff_id: s.staff_id,
            recipient: s.recipient,
            outcome: s.outcome,
            reason: s.reason,
            sentence: s.sentence,
            outbox_id: s.outbox_id,
            sender: s.sender,
            duplicate: s.duplicate,
        }
    }
}

/// An escalation kind's rule.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EscalationRule {
    pub kind: String,
    pub slack: bool,
    pub member: bool,
    pub manager: bool,
    pub project_channel: bool,
    pub urgent: bool,
}

impl EscalationRule {
    pub fn of(kind: switchboard_core::EventKind, r: RuleView) -> Self {
        EscalationRule {
            kind: kind.as_str().into(),
            slack: r.slack,
            member: r.member,
            manager: r.manager,
            project_channel: r.project_channel,
            urgent: r.urgent,
        }
    }

    pub fn rule(&self) -> RuleView {
        RuleView {
            slack: self.slack,
            member: self.member,
            manager: self.manager,
            project_channel: self.project_channel,
            urgent: self.urgent,
        }
    }
}

/// A member linked by signing in with Slack.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffSignedIn {
    pub member: StaffMember,
    pub team_id: String,
    pub team_name: String,
    pub user_id: String,
    pub user_name: String,
    pub slack_email: Option<String>,
    /// Worth checking: the Slack address is not the member's.
    pub note: Option<String>,
}

impl From<switchboard_core::oauth::SignedIn> for StaffSignedIn {
    fn from(s: switchboard_core::oauth::SignedIn) -> Self {
        StaffSignedIn {
            member: s.member.into(),
            team_id: s.team_id,
            team_name: s.team_name,
            user_id: s.user_id,
            user_name: s.user_name,
            slack_email: s.slack_email,
            note: s.note,
        }
    }
}
