//! A manager's direct message to a staff member: the Messages view's Send and `switchboard dm
//! send`. A message is an event of its purpose's kind (`timesheet.approval`,
//! `vacation.requested`, `escalation.flextime`, `escalation.project`, `message.direct`) sent
//! `to` the member and `from` the sender, received like any other ([`crate::ingest::receive`]):
//! routed to the member's direct messages (or why not), rendered with the kind's template and
//! the sender named, queued in the outbox and delivered exactly once.

use serde::{Deserialize, Serialize};
use switchboard_store::{rules, settings};

use crate::catalog::{self, IncomingEvent};
use crate::event_kind::EventKind;
use crate::ingest::{self, RouteView, Source};
use crate::profile::Profile;
use crate::render::{self, Context};
use crate::staff::MemberView;
use crate::templates::{self, DIRECT, Preview, TemplateView};
use crate::{Error, Result};

/// What a manager writes a direct message for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Purpose {
    /// The name people and the CLI use (`vacation_request`).
    pub name: &'static str,
    pub kind: EventKind,
    pub label: &'static str,
}

/// Every purpose, in the composer's order.
pub const PURPOSES: [Purpose; 5] = [
    Purpose {
        name: "timesheet_approval",
        kind: EventKind::TimesheetApproval,
        label: "Timesheet approval",
    },
    Purpose {
        name: "vacation_request",
        kind: EventKind::VacationRequested,
        label: "Vacation request",
    },
    Purpose {
        name: "flextime_escalation",
        kind: EventKind::EscalationFlextime,
        label: "Flex-time escalation",
    },
    Purpose {
        name: "project_escalation",
        kind: EventKind::EscalationProject,
        label: "Project escalation",
    },
    Purpose {
        name: "text",
        kind: EventKind::MessageDirect,
        label: "Free text",
    },
];

/// A field the composer asks for beyond the message text and the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurposeField {
    /// The name in `Compose::fields` (`period`, `from`, `project`…).
    pub name: &'static str,
    /// `text`, `number`, `date`, `choice` or `project` (a project's external id or name).
    pub input: &'static str,
    /// The values a `choice` takes, the first the default.
    pub options: &'static [&'static str],
    pub required: bool,
    /// What it is, as the catalogue says.
    pub about: &'static str,
}

impl Purpose {
    /// What the composer asks for: the kind's fields but the text (or note) and the link,
    /// which every purpose has, and the project an escalation is about.
    pub fn fields(self) -> Vec<PurposeField> {
        use catalog::{FieldType, Need};
        let project = (self.kind.project() == Need::Required).then_some(PurposeField {
            name: "project",
            input: "project",
            options: &[],
            required: true,
            about: "the project, by its id in the business application or its name",
        });
        project
            .into_iter()
            .chain(
                self.kind
                    .fields()
                    .iter()
                    .filter(|f| !matches!(f.name, "text" | "note" | "link"))
                    .map(|f| PurposeField {
                        name: f.name,
                        input: match f.ty {
                            FieldType::Number | FieldType::Amount => "number",
                            FieldType::Date => "date",
                            FieldType::OneOf(_) => "choice",
                            _ => "text",
                        },
                        options: match f.ty {
                            FieldType::OneOf(options) => options,
                            _ => &[],
                        },
                        required: f.required,
                        about: f.about,
                    }),
            )
            .collect()
    }
}

/// The purpose `name` names (its name, or its event kind).
pub fn purpose(name: &str) -> Result<Purpose> {
    let name = name.trim();
    PURPOSES
        .iter()
        .find(|p| p.name == name || p.kind.as_str() == name)
        .copied()
        .ok_or_else(|| {
            Error::invalid(
                "purpose",
                format!(
                    "{name:?} is not a purpose; use one of {}.",
                    PURPOSES.map(|p| p.name).join(", ")
                ),
            )
        })
}

/// The setting that remembers who sends from this computer.
pub const SENDER_SETTING: &str = "messages.sender";

/// A direct message as composed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Compose {
    /// The member: email, external id or `#id`.
    pub to: String,
    pub purpose: String,
    /// Free text: the message; other purposes: a note with it.
    pub text: Option<String>,
    /// A link shown as a button (the timesheet, the vacation request).
    pub link: Option<String>,
    /// The purpose's other fields (`period`, `hours`, `from`, `to`, `project`, `reason`…;
    /// `decision` is `approved` unless given as `rejected`).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Delivered at once, even outside the member's working hours.
    pub urgent: bool,
    /// Who sends it (named in the message); `None`: the remembered sender, else this computer's
    /// user.
    pub sender: Option<String>,
    /// The idempotency key (a second send with it is answered, not sent again); `None`: new.
    pub id: Option<String>,
}

/// What sending did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// The event it is; `None` for an answer queued straight into the DM a member wrote from
    /// (not an event of its own).
    pub event_id: Option<i64>,
    pub id: String,
    pub kind: String,
    pub staff_id: i64,
    pub recipient: String,
    /// `queued`, `held` (working hours, or a workspace to reconnect) or `skipped` (not
    /// delivered: the member cannot receive Slack messages).
    pub outcome: String,
    pub reason: String,
    pub sentence: String,
    pub outbox_id: Option<i64>,
    pub sender: String,
    /// Whether this id had been sent before (nothing new was queued).
    pub duplicate: bool,
}

impl Sent {
    pub fn delivered_or_waiting(&self) -> bool {
        self.outcome != "skipped"
    }
}

/// The sender named in messages: `given`, else the remembered one, else this computer's user.
pub fn sender(profile: &Profile, given: Option<&str>) -> Result<String> {
    if let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) {
        return Ok(given.to_owned());
    }
    let remembered = profile
        .db()?
        .read(|conn| Ok::<_, Error>(settings::get::<String>(conn, SENDER_SETTING)?))?;
    Ok(remembered.unwrap_or_else(|| profile.actor.clone()))
}

/// Remembers `name` as who sends from this computer.
pub fn remember_sender(profile: &Profile, name: &str) -> Result<()> {
    let Some(name) = crate::projects::check_text(name, "The sender")
        .map_err(|message| Error::invalid("sender", format!("{message}.")))?
    else {
        return Err(Error::invalid(
            "sender",
            "Name the sender: the member reads \"from <sender> via Switchboard\".",
        ));
    };
    profile
        .db()?
        .write(|tx| Ok::<_, Error>(settings::set(tx, SENDER_SETTING, &name, profile.now_ms())?))?;
    Ok(())
}

/// Builds the event `compose` stands for (validated by the catalogue when received).
pub fn event_of(
    profile: &Profile,
    compose: &Compose,
) -> Result<(IncomingEvent, MemberView, String)> {
    let purpose = purpose(&compose.purpose)?;
    let member = crate::staff::find(profile, &compose.to).map_err(|e| match e {
        Error::NotFound { message, .. } => Error::invalid("to", message),
        other => other,
    })?;
    let Some(email) = member.email.clone() else {
        return Err(Error::invalid(
            "to",
            format!(
                "{} has no email address, which direct messages are addressed by: add one in Staff.",
                member.name
            ),
        ));
    };
    let sender = sender(profile, compose.sender.as_deref())?;
    let mut data = compose.fields.clone();
    let text = compose
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(text) = text {
        let field = if purpose.kind == EventKind::MessageDirect {
            "text"
        } else {
            "note"
        };
        data.insert(field.into(), text.into());
    }
    // A manager writes to the member about their own timesheet or vacation: a decision, worded
    // for them ("Your vacation request … was approved"). A request's wording ("… is waiting for
    // your approval") is for the approver, whom routing finds from the event, not the composer.
    if matches!(
        purpose.kind,
        EventKind::TimesheetApproval | EventKind::VacationRequested
    ) {
        data.entry("decision").or_insert_with(|| "approved".into());
    }
    if let Some(link) = compose
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        data.insert("link".into(), link.into());
    }
    let project = data
        .remove("project")
        .and_then(|p| p.as_str().map(str::to_owned));
    // Sent again with its id (a retry, a second click): the same event, so it is answered as
    // sent before instead of refused as a different one.
    let occurred_at = match &compose.id {
        Some(id) => profile
            .db()?
            .read(|conn| Ok::<_, Error>(switchboard_store::events::find_by_key(conn, id)?))?
            .and_then(|stored| serde_json::from_str::<catalog::Event>(&stored.payload_json).ok())
            .and_then(|e| jiff::Timestamp::from_millisecond(e.occurred_at).ok())
            .map(|t| t.to_string()),
        None => None,
    };
    let incoming = IncomingEvent {
        id: compose
            .id
            .clone()
            .unwrap_or_else(|| catalog::fresh_id("dm")),
        kind: purpose.kind.as_str().to_owned(),
        occurred_at: occurred_at.unwrap_or_else(catalog::now_rfc3339),
        project,
        staff: Some(email.clone()),
        to: Some(email),
        from: Some(sender.clone()),
        urgent: compose.urgent,
        data,
    };
    Ok((incoming, member, sender))
}

/// Sends `compose` through the outbox: one event, one direct message (or the reason it cannot
/// go, recorded in Activity).
pub fn send(profile: &Profile, compose: &Compose, source: Source) -> Result<Sent> {
    let (incoming, member, sender) = event_of(profile, compose)?;
    let staff_id = member.id;
    let (receipt, duplicate) = ingest::receive(profile, incoming, source)?;
    let route: Option<&RouteView> = receipt
        .routes
        .iter()
        .find(|r| r.staff_id == Some(staff_id))
        .or_else(|| {
            receipt
                .routes
                .iter()
                .find(|r| r.notification_channel_id.is_none())
        });
    let Some(route) = route else {
        return Err(Error::invalid(
            "to",
            format!(
                "Nothing was decided about the member for event {}: see it in Activity, and report this with that id.",
                receipt.id
            ),
        ));
    };
    Ok(Sent {
        event_id: Some(receipt.event_id),
        id: receipt.id.clone(),
        kind: receipt.kind.clone(),
        staff_id,
        recipient: route.channel.as_deref().unwrap_or_default().to_owned(),
        outcome: route.outcome.to_owned(),
        reason: route.reason.clone(),
        sentence: route.sentence.to_string(),
        outbox_id: route.outbox_id,
        sender,
        duplicate,
    })
}

/// The template `purpose`'s messages are written with (`None` in it: the default wording).
pub fn template(profile: &Profile, purpose_name: &str) -> Result<TemplateView> {
    let kind = purpose(purpose_name)?.kind;
    let body = profile
        .db()?
        .read(|conn| rules::template(conn, kind.as_str(), DIRECT).map_err(Error::from))?;
    Ok(templates::view(kind, body))
}

/// Saves `purpose`'s template for every later message (`None` or blank: the default wording);
/// audited as `template.changed`. Long templates are refused as the channel editor refuses
/// them.
pub fn save_template(
    profile: &Profile,
    purpose_name: &str,
    template: Option<&str>,
) -> Result<TemplateView> {
    templates::save_as(profile, purpose(purpose_name)?.kind, DIRECT, template)
}

/// `compose` rendered as the member will read it in Slack, with `template` (`None`: the
/// purpose's saved one, else the default wording), in the member's time zone and with the
/// sender named. Nothing is stored or sent; a field the catalogue refuses is refused here too,
/// so the composer shows the same error Send would.
pub fn preview(profile: &Profile, compose: &Compose, template: Option<&str>) -> Result<Preview> {
    let (incoming, member, sender) = event_of(profile, compose)?;
    let event = incoming.validate()?;
    let (saved, project_name) = profile.db()?.read(|conn| {
        let saved = rules::template(conn, event.kind.as_str(), DIRECT)?;
        let project = match crate::routing::project_state(conn, &event)? {
            crate::routing::ProjectState::Known { name, .. } => Some(name),
            _ => None,
        };
        Ok::<_, Error>((saved, project))
    })?;
    let template = match template {
        Some(draft) => Some(draft).filter(|t| !t.trim().is_empty()),
        None => saved.as_deref(),
    };
    let time_zone = member.hours.effective_time_zone.clone();
    let message = render::render(
        &event,
        &Context {
            time_zone: &time_zone,
            project_name: project_name.as_deref(),
            staff_name: Some(&member.name),
            template,
            sender: Some(&sender),
        },
    );
    Ok(Preview {
        text: message.text,
        blocks: message.blocks,
        notes: message.notes,
        warnings: template
            .map(|t| render::lint(event.kind, t))
            .unwrap_or_default(),
        from_event: None,
        time_zone,
    })
}
