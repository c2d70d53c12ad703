//! The owner's message templates, one per event kind: list them with their placeholders,
//! preview a draft rendered from the last real event of the kind (sample data when none was
//! received), and save or reset one (audited). Rendering is [`crate::render`]'s, so the preview
//! is exactly what the channel will read.

use serde::Serialize;
use switchboard_store::{audit, events as stored_events, rules, workspaces};

use crate::catalog::{Event, sample};
use crate::event_kind::EventKind;
use crate::profile::Profile;
use crate::render::{self, Context, LintWarning};
use crate::{Error, Result};

/// The name channel templates are stored under (`template.name`).
pub const CHANNEL: &str = "channel";

/// The name direct-message templates are stored under: a manager's message to a member is
/// worded for them, not for a channel, so the Messages view keeps its own per kind.
pub const DIRECT: &str = "direct";

/// The longest template body accepted.
pub const MAX_TEMPLATE: usize = 10_000;

/// A placeholder a kind's template may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub name: &'static str,
    pub about: &'static str,
}

/// A kind's template as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateView {
    pub kind: EventKind,
    pub label: &'static str,
    pub group: &'static str,
    /// The owner's template; `None` while the default wording is used.
    pub template: Option<String>,
    /// What the editor starts from.
    pub default_template: &'static str,
    pub placeholders: Vec<Placeholder>,
}

const COMMON: [(&str, &str); 5] = [
    ("kind", "The event kind's id, e.g. invoice.sent"),
    ("kind_label", "What the kind means, e.g. An invoice is sent"),
    (
        "project",
        "The project's name (or its external id when unknown)",
    ),
    (
        "staff",
        "The staff member's name (or their email when unknown)",
    ),
    (
        "occurred_at",
        "When it happened, in the workspace's time zone",
    ),
];

fn placeholders(kind: EventKind) -> Vec<Placeholder> {
    render::placeholders(kind)
        .into_iter()
        .map(|name| Placeholder {
            name,
            about: kind
                .fields()
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.about)
                .or_else(|| COMMON.iter().find(|(n, _)| *n == name).map(|(_, a)| *a))
                .unwrap_or(""),
        })
        .collect()
}

pub(crate) fn view(kind: EventKind, template: Option<String>) -> TemplateView {
    TemplateView {
        kind,
        label: kind.label(),
        group: kind.group(),
        template,
        default_template: render::default_template(kind),
        placeholders: placeholders(kind),
    }
}

/// Every kind's template, in catalogue order.
pub fn list(profile: &Profile) -> Result<Vec<TemplateView>> {
    let written = profile
        .db()?
        .read(|conn| rules::templates(conn, CHANNEL).map_err(Error::from))?;
    Ok(EventKind::ALL
        .iter()
        .map(|&kind| {
            let template = written
                .iter()
                .find(|(purpose, _)| purpose == kind.as_str())
                .map(|(_, body)| body.clone());
            view(kind, template)
        })
        .collect())
}

/// A draft rendered as the channel will read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The notification text (mrkdwn).
    pub text: String,
    /// The Block Kit blocks.
    pub blocks: Vec<serde_json::Value>,
    /// What was shortened to fit Slack's limits.
    pub notes: Vec<String>,
    /// Unknown placeholders, unbalanced braces, mentions written in the template.
    pub warnings: Vec<LintWarning>,
    /// The sender's id of the event it was rendered from; `None` for sample data.
    pub from_event: Option<String>,
    /// The time zone dates and times were shown in (the first workspace's).
    pub time_zone: String,
}

/// Renders `template` (`None` or blank: the default wording) for `kind` from the last event of
/// that kind received, or from sample data when none was.
pub fn preview(profile: &Profile, kind: &str, template: Option<&str>) -> Result<Preview> {
    let kind: EventKind = kind.parse()?;
    let (stored, time_zone, project_name, staff_name) = profile.db()?.read(|conn| {
        let stored = stored_events::last_payload(conn, kind.as_str())?
            .and_then(|json| serde_json::from_str::<Event>(&json).ok());
        let team = workspaces::list(conn)?
            .into_iter()
            .next()
            .map(|w| w.team_id);
        let time_zone = match team {
            Some(team) => crate::ingest::time_zone(conn, &team)?,
            None => jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_owned(),
        };
        let (project, staff) = match &stored {
            Some(event) => (
                match crate::routing::project_state(conn, event)? {
                    crate::routing::ProjectState::Known { name, .. } => Some(name),
                    _ => None,
                },
                match &event.staff {
                    Some(email) => rules::active_staff_name(conn, email)?,
                    None => None,
                },
            ),
            None => (None, None),
        };
        Ok::<_, Error>((stored, time_zone, project, staff))
    })?;
    let (event, from_event) = match stored {
        Some(event) => {
            let id = event.id.clone();
            (event, Some(id))
        }
        None => (sample(kind).validate()?, None),
    };
    let template = template.filter(|t| !t.trim().is_empty());
    let message = render::render(
        &event,
        &Context {
            time_zone: &time_zone,
            project_name: project_name.as_deref(),
            staff_name: staff_name.as_deref(),
            template,
            sender: None,
        },
    );
    Ok(Preview {
        text: message.text,
        blocks: message.blocks,
        notes: message.notes,
        warnings: template.map(|t| render::lint(kind, t)).unwrap_or_default(),
        from_event,
        time_zone,
    })
}

/// Saves the owner's template for `kind`; `None` or a blank one goes back to the default
/// wording. Warnings do not refuse a template (the preview shows them); a template longer
/// than [`MAX_TEMPLATE`] characters is refused. Audited as `template.changed`.
pub fn save(profile: &Profile, kind: &str, template: Option<&str>) -> Result<TemplateView> {
    save_as(profile, kind.parse()?, CHANNEL, template)
}

/// Saves `kind`'s template stored under `name` ([`CHANNEL`] or [`DIRECT`]), as [`save`] says.
pub(crate) fn save_as(
    profile: &Profile,
    kind: EventKind,
    name: &str,
    template: Option<&str>,
) -> Result<TemplateView> {
    let template = template
        .map(|t| t.trim_end().to_owned())
        .filter(|t| !t.trim().is_empty());
    if let Some(body) = &template
        && body.chars().count() > MAX_TEMPLATE
    {
        return Err(Error::invalid(
            "template",
            format!(
                "A template holds at most {MAX_TEMPLATE} characters; this one has {}. Slack shows at most 3,000 a section.",
                body.chars().count()
            ),
        ));
    }
    let actor = profile.actor.clone();
    let now = switchboard_store::now_ms();
    profile.db()?.write(|tx| {
        let before = rules::set_template(tx, kind.as_str(), name, template.as_deref(), now)?;
        if before != template {
            let subject = match name {
                CHANNEL => kind.as_str().to_owned(),
                _ => format!("{} ({name} messages)", kind.as_str()),
            };
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: "template.changed",
                    subject: &subject,
                    old_value: Some(before.as_deref().unwrap_or("(default)")),
                    new_value: Some(template.as_deref().unwrap_or("(default)")),
                },
            )?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(view(kind, template))
}
