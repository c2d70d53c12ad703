//! Receiving an event: the one function behind the ingest API, `switchboard event send` and
//! the console's test buttons. It validates the event against the catalogue, routes it, renders
//! each message, and stores the event, every routing decision and the outbox rows in **one**
//! transaction — so a message is queued exactly when its event is stored, and an event id seen
//! before is answered from what was stored the first time (accepted once).

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

use switchboard_store::events::{self as stored, NewEvent, NewMessage, NewRoute, Outcome, Route};
use switchboard_store::rusqlite::Connection;
use switchboard_store::{directory, rules};

use crate::catalog::{Event, IncomingEvent, object_key};
use crate::event_kind::EventKind;
use crate::events::Event as Announcement;
use crate::profile::Profile;
use crate::render::{self, Context};
use crate::routing::{self, Action, ProjectState, Reason};
use crate::{Error, Result};

/// Which door an event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Ui,
    Cli,
    Ingest,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Cli => "cli",
            Source::Ingest => "ingest",
        }
    }
}

/// Where routing sent the event, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteView {
    /// `#name` (or the channel id when the directory lost it); `None` for decisions about no
    /// channel (nothing takes the kind, unknown project).
    pub channel: Option<Arc<str>>,
    pub channel_id: Option<String>,
    pub team_id: Option<String>,
    pub notification_channel_id: Option<i64>,
    /// `queued`, `held` or `skipped`.
    pub outcome: &'static str,
    /// A stable code (`kind_on`, `kind_off`, `integration_off`…).
    pub reason: String,
    /// What it means, with the fix where there is one.
    pub sentence: Arc<str>,
    pub outbox_id: Option<i64>,
    /// The staff member of a direct message.
    pub staff_id: Option<i64>,
}

/// The answer to a received event: the same for every copy of the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub event_id: i64,
    pub id: String,
    pub kind: String,
    pub received_at: i64,
    pub routes: Vec<RouteView>,
}

/// Receives `incoming` through `source`: validated, routed, stored with its queued messages.
/// Returns the receipt and whether the id had been received before (then nothing new is
/// stored or queued).
pub fn receive(
    profile: &Profile,
    incoming: IncomingEvent,
    source: Source,
) -> Result<(Receipt, bool)> {
    receive_batch(profile, vec![incoming], source)?
        .pop()
        .unwrap_or_else(|| Err(Error::invalid("events", "No event was given.")))
}

/// Receives a batch (at most [`MAX_BATCH`]) in one transaction: each event on its own, so one
/// bad event (invalid, or an id already used for another event) does not refuse the others;
/// the results are in the batch's order.
pub fn receive_batch(
    profile: &Profile,
    batch: Vec<IncomingEvent>,
    source: Source,
) -> Result<Vec<Result<(Receipt, bool)>>> {
    if batch.len() > MAX_BATCH {
        return Err(Error::invalid(
            "events",
            format!(
                "A batch holds at most {MAX_BATCH} events; this one has {}: split it.",
                batch.len()
            ),
        ));
    }
    let now = profile.now_ms();
    let validated: Vec<Result<Event>> = batch.into_iter().map(IncomingEvent::validate).collect();
    let results = profile
        .db()?
        .write(|tx| Routing::read(profile, tx)?.receive_all(tx, validated, source, now))?;
    let mut queued = false;
    for (receipt, duplicate) in results.iter().flatten() {
        if !duplicate {
            queued |= receipt.routes.iter().any(|r| r.outcome == "queued");
            profile.emit(Announcement::EventReceived {
                event_id: receipt.event_id,
            });
        }
    }
    if queued {
        profile.wake_delivery();
    }
    Ok(results)
}

/// The most events one batch may carry.
pub const MAX_BATCH: usize = 500;

/// Batches at least this long are routed and rendered on a helper thread while the
/// transaction's thread stores the events before them; shorter ones (a single event from
/// `POST /v1/events`) all on the transaction's thread.
const PIPELINE_FROM: usize = 32;

/// What receiving reads once per transaction, however many events it routes: the routing
/// settings, each workspace's time zone and each kind's template.
struct Routing {
    settings: routing::Settings,
    time_zones: HashMap<String, String>,
    /// Each kind's channel template and direct-message template.
    templates: HashMap<EventKind, (Option<String>, Option<String>)>,
    said: Explanations,
}

/// An event looked up in the store, and what becomes of it.
enum Step {
    /// New: to route, render and store.
    Fresh(Box<Fresh>),
    /// New, handed to routing (on the helper thread or inline): stored when its turn comes.
    Pending,
    /// Received before (in an earlier transaction): its stored answer.
    Repeat(Receipt),
    /// The same event as number `.0` of this batch.
    SameAs(usize),
    /// Refused on its own (invalid, or an id already used for another event).
    Refused(Error),
}

/// A new event with what routing and rendering it need from the store.
struct Fresh {
    event: Event,
    payload_json: String,
    project: ProjectState,
    staff_name: Option<String>,
    template: Option<String>,
    /// The kind's template for direct messages ([`crate::templates::DIRECT`]).
    direct_template: Option<String>,
    /// Who its direct messages are for.
    recipients: Vec<routing::Recipient>,
}

/// A new event routed and rendered, ready to store.
struct Ready {
    event: Event,
    payload_json: String,
    project_id: Option<i64>,
    object: Option<String>,
    message_json: Option<String>,
    routes: Vec<NewRoute>,
}

impl Routing {
    fn read(profile: &Profile, tx: &Connection) -> Result<Routing> {
        let settings = routing::settings(tx)?;
        let mut time_zones = HashMap::new();
        for channel in &settings.channels {
            if !time_zones.contains_key(&channel.team_id) {
                let zone = cached_time_zone(profile, tx, &channel.team_id)?;
                time_zones.insert(channel.team_id.clone(), zone);
            }
        }
        Ok(Routing {
            settings,
            time_zones,
            templates: HashMap::new(),
            said: Explanations::default(),
        })
    }

    /// Receives `events` in order: each is looked up (repeats answered as stored), then the new
    /// ones are routed and rendered — on a helper thread for a long batch, overlapping with
    /// storing the ones before — and stored in arrival order, which is the order their
    /// messages keep in each channel.
    fn receive_all(
        &mut self,
        tx: &Connection,
        events: Vec<Result<Event>>,
        source: Source,
        now: i64,
    ) -> Result<Vec<Result<(Receipt, bool)>>> {
        let mut steps = Vec::with_capacity(events.len());
        let mut first: HashMap<String, (usize, String, EventKind)> = HashMap::new();
        for (at, event) in events.into_iter().enumerate() {
            steps.push(match event {
                Ok(event) => self.look_up(tx, event, at, &mut first, now)?,
                Err(error) => Step::Refused(error),
            });
        }
        let mut fresh = Vec::new();
        for step in &mut steps {
            if let Step::Fresh(_) = step
                && let Step::Fresh(taken) = std::mem::replace(step, Step::Pending)
            {
                fresh.push(taken);
            }
        }
        let pipelined = fresh.len() >= PIPELINE_FROM;
        let settings = &mut self.settings;
        let zones = &self.time_zones;
        let said = &mut self.said;
        std::thread::scope(|scope| {
            let (send, ready) = std::sync::mpsc::sync_channel::<Result<Ready>>(64);
            let mut inline = None;
            if pipelined {
                let mut settings = settings.clone();
                scope.spawn(move || {
                    for one in fresh {
                        if send.send(prepare(&mut settings, zones, *one)).is_err() {
                            return;
                        }
                    }
                });
            } else {
                inline = Some(fresh.into_iter());
            }
            let mut results: Vec<Result<(Receipt, bool)>> = Vec::with_capacity(steps.len());
            for step in steps {
                results.push(match step {
                    Step::SameAs(earlier) => match &results[earlier] {
                        Ok((receipt, _)) => Ok((receipt.clone(), true)),
                        Err(_) => unreachable!("a new event is stored, or the whole batch fails"),
                    },
                    Step::Pending => {
                        let next = match &mut inline {
                            Some(rest) => rest.next().map(|one| prepare(settings, zones, *one)),
                            None => ready.recv().ok(),
                        };
                        let ready = next.ok_or_else(|| {
                            Error::StorageUnavailable(
                                "routing the batch stopped unexpectedly and nothing of it was stored: send the batch again".into(),
                            )
                        })??;
                        Ok(store(tx, ready, source, now, said)?)
                    }
                    Step::Repeat(receipt) => Ok((receipt, true)),
                    Step::Refused(error) => Err(error),
                    Step::Fresh(_) => unreachable!("taken above"),
                });
            }
            Ok(results)
        })
    }

    /// Looks `event` (number `at` of the batch) up: a repeat of a stored event or of an earlier
    /// one of the batch, the same id for a different event (refused), or new — with its
    /// project, staff member and template read.
    fn look_up(
        &mut self,
        tx: &Connection,
        event: Event,
        at: usize,
        first: &mut HashMap<String, (usize, String, EventKind)>,
        now: i64,
    ) -> Result<Step> {
        let payload_json = serde_json::to_string(&event).map_err(|e| {
            Error::StorageUnavailable(format!("the event could not be stored: {e}"))
        })?;
        let used_for = |kind: &str, received_at: i64| {
            Error::invalid(
                "id",
                format!(
                    "id {:?} was already used for a different event ({kind} received at {}): give each event its own id.",
                    event.id,
                    jiff::Timestamp::from_millisecond(received_at)
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                ),
            )
        };
        if let Some((earlier, earlier_payload, earlier_kind)) = first.get(&event.id) {
            return Ok(if *earlier_payload == payload_json {
                Step::SameAs(*earlier)
            } else {
                Step::Refused(used_for(earlier_kind.as_str(), now))
            });
        }
        if let Some(stored) = stored::find_by_key(tx, &event.id)? {
            // The same id for a different event would lose the second one silently.
            if stored.payload_json != payload_json {
                return Ok(Step::Refused(used_for(&stored.kind, stored.received_at)));
            }
            return Ok(Step::Repeat(receipt_of(
                stored.id,
                stored.key,
                stored.kind,
                stored.received_at,
                stored.routes,
                &mut self.said,
            )));
        }
        first.insert(event.id.clone(), (at, payload_json.clone(), event.kind));
        let project = routing::project_state(tx, &event)?;
        let staff_name = match &event.staff {
            Some(email) => rules::active_staff_name(tx, email)?,
            None => None,
        };
        let (template, direct_template) = match self.templates.get(&event.kind) {
            Some(templates) => templates.clone(),
            None => {
                let templates = (
                    rules::template(tx, event.kind.as_str(), crate::templates::CHANNEL)?,
                    rules::template(tx, event.kind.as_str(), crate::templates::DIRECT)?,
                );
                self.templates.insert(event.kind, templates.clone());
                templates
            }
        };
        let recipients = crate::staff::recipients(tx, &event, now)?;
        Ok(Step::Fresh(Box::new(Fresh {
            event,
            payload_json,
            project,
            staff_name,
            template,
            direct_template,
            recipients,
        })))
    }
}

/// Stores a routed event with its queued messages; its receipt.
fn store(
    tx: &Connection,
    ready: Ready,
    source: Source,
    now: i64,
    said: &mut Explanations,
) -> Result<(Receipt, bool)> {
    let Ready {
        event,
        payload_json,
        project_id,
        object,
        message_json,
        routes,
    } = ready;
    let (event_id, routes) = stored::insert(
        tx,
        &NewEvent {
            key: &event.id,
            kind: event.kind.as_str(),
            source: source.as_str(),
            payload_json: &payload_json,
            message_json: message_json.as_deref(),
            occurred_at: event.occurred_at,
            project_key: event.project.as_deref(),
            project_id,
            staff_email: event.staff.as_deref(),
            object_key: object.as_deref(),
            received_at: now,
        },
        routes,
    )?;
    Ok((
        receipt_of(
            event_id,
            event.id,
            event.kind.as_str().to_owned(),
            now,
            routes,
            said,
        ),
        false,
    ))
}

/// Routes `fresh` over `settings` (its project set on them) and renders its message once per
/// workspace (in `zones`' time zone): the first is stored once on the event, another
/// workspace's rows carry their own. Reads nothing from the store.
fn prepare(
    settings: &mut routing::Settings,
    zones: &HashMap<String, String>,
    fresh: Fresh,
) -> Result<Ready> {
    let Fresh {
        event,
        payload_json,
        project,
        staff_name,
        template,
        direct_template,
        recipients,
    } = fresh;
    settings.project = project;
    let decisions = routing::route(&event, settings);
    let (project_name, project_id) = match &settings.project {
        ProjectState::Known { name, id, .. } => (Some(name.clone()), Some(*id)),
        _ => (None, None),
    };
    let object = object_key(&event);
    let mut message_json: Option<(String, String)> = None;
    let mut rendered_for: HashMap<String, String> = HashMap::new();
    let mut routes = Vec::with_capacity(decisions.len());
    for decision in &decisions {
        let channel = decision
            .channel
            .and_then(|id| settings.channels.iter().find(|c| c.id == id));
        let message = match (decision.action, channel) {
            (Action::Deliver | Action::Hold, Some(channel)) => {
                let shared = message_json
                    .as_ref()
                    .is_some_and(|(team, _)| *team == channel.team_id);
                let payload_json = match rendered_for.get(&channel.team_id) {
                    _ if shared => None,
                    Some(json) => Some(json.clone()),
                    None => {
                        // Every channel's workspace has its zone (`Routing::read`).
                        let rendered = render::render(
                            &event,
                            &Context {
                                time_zone: &zones[&channel.team_id],
                                project_name: project_name.as_deref(),
                                staff_name: staff_name.as_deref(),
                                template: template.as_deref(),
                                sender: None,
                            },
                        );
                        let json = serde_json::to_string(&rendered).map_err(|e| {
                            Error::StorageUnavailable(format!("a message could not be stored: {e}"))
                        })?;
                        if message_json.is_none() {
                            message_json = Some((channel.team_id.clone(), json));
                            None
                        } else {
                            rendered_for.insert(channel.team_id.clone(), json.clone());
                            Some(json)
                        }
                    }
                };
                Some(NewMessage {
                    payload_json,
                    thread_key: object.clone().filter(|_| channel.thread_per_object),
                    hold_reason: (decision.action == Action::Hold)
                        .then(|| Reason::NeedsReconnect.as_str().to_owned()),
                    not_before: None,
                    urgent: false,
                })
            }
            _ => None,
        };
        routes.push(NewRoute {
            route: Route {
                notification_channel_id: channel.map(|c| c.id),
                team_id: channel.map(|c| c.team_id.clone()),
                channel_id: channel.map(|c| c.channel_id.clone()),
                channel_name: match (channel, decision.reason) {
                    (Some(c), _) => c.name.clone(),
                    (
                        None,
                        Reason::ProjectUnknown
                        | Reason::ProjectWithoutChannel
                        | Reason::ProjectArchived,
                    ) => event.project.clone(),
                    (None, _) => None,
                },
                outcome: match decision.action {
                    Action::Deliver => Outcome::Queued,
                    Action::Hold => Outcome::Held,
                    Action::Skip => Outcome::Skipped,
                },
                reason: decision.reason.as_str().to_owned(),
                outbox_id: None,
                staff_id: None,
            },
            message,
        });
    }
    for decision in routing::route_direct(&recipients, settings.integration_on) {
        routes.push(direct_route(
            &event,
            &recipients[decision.recipient],
            &decision,
            &Context {
                time_zone: "UTC",
                project_name: project_name.as_deref(),
                staff_name: staff_name.as_deref(),
                template: direct_template.as_deref(),
                sender: event.from.as_deref(),
            },
        )?);
    }
    Ok(Ready {
        event,
        payload_json,
        project_id,
        object,
        message_json: message_json.map(|(_, json)| json),
        routes,
    })
}

/// A direct-message decision as stored: the member's name as its target, the message rendered
/// in their time zone with the sender named, held until their working hours when it must wait.
fn direct_route(
    event: &Event,
    recipient: &routing::Recipient,
    decision: &routing::DirectDecision,
    ctx: &Context<'_>,
) -> Result<NewRoute> {
    use routing::Recipient;
    let outcome = match decision.action {
        Action::Deliver => Outcome::Queued,
        Action::Hold => Outcome::Held,
        Action::Skip => Outcome::Skipped,
    };
    let (staff_id, name) = match recipient {
        Recipient::Reachable(t) => (Some(t.staff_id), Some(t.name.clone())),
        Recipient::Unreachable { staff_id, name, .. } | Recipient::NoManager { staff_id, name } => {
            (Some(*staff_id), Some(name.clone()))
        }
        Recipient::Unknown { email } => (None, Some(email.clone())),
        Recipient::RuleOff => (None, None),
    };
    let (team_id, channel_id, message) = match (recipient, decision.action) {
        (Recipient::Reachable(t), Action::Deliver | Action::Hold) => {
            let rendered = render::render(
                event,
                &Context {
                    time_zone: &t.time_zone,
                    ..*ctx
                },
            );
            let json = serde_json::to_string(&rendered).map_err(|e| {
                Error::StorageUnavailable(format!("a message could not be stored: {e}"))
            })?;
            (
                Some(t.team_id.clone()),
                Some(t.target_id.clone()),
                Some(NewMessage {
                    payload_json: Some(json),
                    thread_key: None,
                    hold_reason: (decision.action == Action::Hold)
                        .then(|| decision.reason.as_str().to_owned()),
                    not_before: decision.not_before,
                    urgent: t.urgent,
                }),
            )
        }
        _ => (None, None, None),
    };
    Ok(NewRoute {
        route: Route {
            notification_channel_id: None,
            team_id,
            channel_id,
            channel_name: name,
            outcome,
            reason: decision.reason.as_str().to_owned(),
            outbox_id: None,
            staff_id,
        },
        message,
    })
}

/// The time zone messages to `team_id` show times in: the one most of its people are in (Slack
/// has no workspace time zone), else this computer's.
pub(crate) fn time_zone(conn: &Connection, team_id: &str) -> Result<String> {
    Ok(
        directory::common_time_zone(conn, team_id)?.unwrap_or_else(|| {
            jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_owned()
        }),
    )
}

/// [`time_zone`], counted at most every [`crate::profile::TIME_ZONE_TTL`] per workspace.
/// Workspace `team_id`'s time zone for dates in answers, UTC when it cannot be read.
pub(crate) fn time_zone_or_utc(profile: &Profile, team_id: &str) -> String {
    profile
        .db()
        .and_then(|db| db.read(|conn| cached_time_zone(profile, conn, team_id)))
        .unwrap_or_else(|_| "UTC".to_owned())
}

pub(crate) fn cached_time_zone(
    profile: &Profile,
    conn: &Connection,
    team_id: &str,
) -> Result<String> {
    use crate::profile::{TIME_ZONE_TTL, lock};
    if let Some((zone, at)) = lock(&profile.time_zones).get(team_id)
        && at.elapsed() < TIME_ZONE_TTL
    {
        return Ok(zone.clone());
    }
    let zone = time_zone(conn, team_id)?;
    lock(&profile.time_zones).insert(
        team_id.to_owned(),
        (zone.clone(), std::time::Instant::now()),
    );
    Ok(zone)
}

/// How a routing decision names its target (`#name`, the channel id when the directory lost it,
/// or the project an unknown-project decision is about) and why it was made, in a sentence.
/// The receipt and the Activity timeline both say it this way.
pub(crate) fn explain(kind: &str, route: &Route) -> (Option<String>, String) {
    let channel = match (&route.channel_name, &route.channel_id) {
        // A direct message names its person.
        (Some(name), Some(_)) if route.staff_id.is_some() => Some(name.clone()),
        (Some(name), Some(_)) => Some(format!("#{name}")),
        (None, Some(id)) => Some(id.clone()),
        (Some(name), None) => Some(name.clone()),
        (None, None) => None,
    };
    let sentence = Reason::parse(&route.reason).map_or_else(
        || route.reason.clone(),
        |reason| reason.sentence(kind, channel.as_deref().unwrap_or("")),
    );
    (channel, sentence)
}

/// Decisions already explained in one batch, by kind, channel and reason: an event routed over
/// 30 channels is skipped by most of them for the same reason as the event of its kind before
/// it, and saying that again for every event took a tenth of the time a batch is received in.
#[derive(Default)]
struct Explanations(HashMap<String, HashMap<(i64, Reason), Explained>>);

/// A decision explained, with the channel's name and id it was explained with.
struct Explained {
    name: Option<String>,
    channel_id: Option<String>,
    channel: Option<Arc<str>>,
    sentence: Arc<str>,
}

impl Explanations {
    fn explain(&mut self, kind: &str, route: &Route) -> (Option<Arc<str>>, Arc<str>) {
        let said = |route: &Route| {
            let (channel, sentence) = explain(kind, route);
            Explained {
                name: route.channel_name.clone(),
                channel_id: route.channel_id.clone(),
                channel: channel.map(Arc::from),
                sentence: Arc::from(sentence),
            }
        };
        let (Some(channel), Some(reason)) =
            (route.notification_channel_id, Reason::parse(&route.reason))
        else {
            let said = said(route);
            return (said.channel, said.sentence);
        };
        if !self.0.contains_key(kind) {
            self.0.insert(kind.to_owned(), HashMap::new());
        }
        let of_kind = self.0.get_mut(kind).expect("inserted above");
        let explained = of_kind
            .entry((channel, reason))
            .or_insert_with(|| said(route));
        // An older event's decision may name the channel as it was called then.
        if explained.name != route.channel_name || explained.channel_id != route.channel_id {
            let said = said(route);
            return (said.channel, said.sentence);
        }
        (explained.channel.clone(), explained.sentence.clone())
    }
}

/// The answer about an event, from its stored routes: built the same way the first time and
/// for every repeat, so the answers are identical.
fn receipt_of(
    event_id: i64,
    id: String,
    kind: String,
    received_at: i64,
    routes: Vec<Route>,
    said: &mut Explanations,
) -> Receipt {
    let routes = routes
        .into_iter()
        .map(|r| {
            let (channel, sentence) = said.explain(&kind, &r);
            RouteView {
                channel,
                channel_id: r.channel_id,
                team_id: r.team_id,
                notification_channel_id: r.notification_channel_id,
                outcome: r.outcome.as_str(),
                reason: r.reason,
                sentence,
                outbox_id: r.outbox_id,
                staff_id: r.staff_id,
            }
        })
        .collect();
    Receipt {
        event_id,
        id,
        kind,
        received_at,
        routes,
    }
}
