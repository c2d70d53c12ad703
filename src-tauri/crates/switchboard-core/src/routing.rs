//! Routing: a pure function from (event, settings) to the channels an event goes to, and the
//! ones it does not go to with the reason — the answer to "why did #sales not get invoice 1042?".
//!
//! [`route`] considers every notification channel. A channel takes an event when the event's
//! kind is switched on there, or when it is the channel of the event's project (timer events
//! and project escalations). A workspace's default channel takes the kinds no enabled channel
//! of that workspace takes. A channel that takes the event still does not get it when it is
//! disabled, when the integration is off, or when its workspace is disconnected; while its
//! workspace needs reconnecting the message is queued **held** and sent after the reconnect.
//! [`settings`] reads what routing needs from the store.

use std::collections::{BTreeMap, BTreeSet};

use switchboard_store::rusqlite::Connection;
use switchboard_store::workspaces::{self, Status};
use switchboard_store::{channels, projects, settings as stored};

use crate::Result;
use crate::catalog::Event;
use crate::event_kind::{EventKind, Routing};

/// The setting that turns the whole Slack integration off (`false`) and on.
pub const INTEGRATION_SETTING: &str = "integration.enabled";

/// A notification channel as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: i64,
    pub team_id: String,
    pub channel_id: String,
    pub name: Option<String>,
    pub enabled: bool,
    pub is_default: bool,
    pub thread_per_object: bool,
    pub kinds: BTreeSet<EventKind>,
}

/// A workspace's state, as far as delivery cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reachable {
    Yes,
    /// Slack refuses its tokens until someone reconnects it: messages wait.
    NeedsReconnect,
    /// Disconnected on purpose: nothing is sent there.
    Disconnected,
}

/// The event's project, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectState {
    /// The event names no project.
    None,
    /// The event names a project Switchboard does not know.
    Unknown(String),
    Known {
        id: i64,
        external_id: String,
        name: String,
        channel: Option<i64>,
    },
    /// The project is archived: its channel gets nothing.
    Archived(String),
}

/// Everything routing reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub integration_on: bool,
    pub channels: Vec<Channel>,
    pub workspaces: BTreeMap<String, Reachable>,
    pub project: ProjectState,
    /// Whether `escalation.project` goes to the project's channel (its escalation rule; yes
    /// when no rule is set).
    pub escalation_to_project_channel: bool,
}

/// Declares [`Reason`] from one list: each variant with its stable code.
macro_rules! reasons {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// Why a channel gets an event, or does not. The codes are stable (stored, shown,
        /// filtered).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason { $($(#[doc = $doc])* $variant,)* }

        impl Reason {
            /// Every reason, for parsing stored codes.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $code,)* }
            }
        }
    };
}

reasons! {
    /// The kind is switched on in the channel.
    KindOn = "kind_on",
    /// The channel is the project's channel.
    ProjectChannel = "project_channel",
    /// No channel of the workspace takes the kind; this is the workspace's default channel.
    DefaultChannel = "default_channel",
    KindOff = "kind_off",
    ChannelDisabled = "channel_disabled",
    IntegrationOff = "integration_off",
    NeedsReconnect = "needs_reconnect",
    WorkspaceDisconnected = "workspace_disconnected",
    /// No channel takes the kind and no default channel is set.
    NoChannel = "no_channel",
    /// The event names a project Switchboard does not know.
    ProjectUnknown = "project_unknown",
    /// The project has no channel assigned.
    ProjectWithoutChannel = "project_without_channel",
    /// The project is archived.
    ProjectArchived = "project_archived",
    /// Queued for the person's direct messages.
    DirectMessage = "direct_message",
    /// Held until the person's next working period starts.
    OutsideWorkingHours = "working_hours",
    /// Not delivered: the person is linked to no Slack user.
    StaffNotLinked = "staff_not_linked",
    /// Not delivered: an admin switched the person's Slack connection off.
    StaffSwitchedOff = "staff_switched_off",
    /// Not delivered: the person is deactivated in the business application.
    StaffInactive = "staff_inactive",
    /// Not delivered: the person's Slack user is deactivated.
    SlackUserDeactivated = "slack_user_deactivated",
    /// Not delivered: the person's workspace is disconnected.
    StaffWorkspaceDisconnected = "staff_workspace_disconnected",
    /// Not delivered: no staff member has the email the event names.
    StaffUnknown = "staff_unknown",
    /// Not delivered: the member has no manager to send the request to.
    NoManager = "no_manager",
    /// The escalation rule sends no direct message over Slack for this kind.
    EscalationOff = "escalation_off",
}

impl Reason {
    pub fn parse(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == code)
    }

    /// The sentence a person reads, with the fix where there is one. `channel` is `#name`.
    pub fn sentence(self, kind: &str, channel: &str) -> String {
        match self {
            Reason::KindOn => format!("{kind} is switched on in {channel}."),
            Reason::ProjectChannel => format!("{channel} is the project's channel."),
            Reason::DefaultChannel => format!(
                "No channel of the workspace takes {kind}, and {channel} is its default channel."
            ),
            Reason::KindOff => format!(
                "{kind} is switched off in {channel}: switch it on for that channel to receive it there."
            ),
            Reason::ChannelDisabled => {
                format!("{channel} is disabled: enable it to receive messages there again.")
            }
            Reason::IntegrationOff => {
                "The Slack integration was switched off: nothing was queued.".to_owned()
            }
            Reason::NeedsReconnect => format!(
                "The workspace of {channel} needs reconnecting: the message waits and is sent after the reconnect."
            ),
            Reason::WorkspaceDisconnected => format!(
                "The workspace of {channel} is disconnected: connect it again to deliver there."
            ),
            Reason::NoChannel => format!(
                "No channel takes {kind} and no default channel is set: switch it on in a channel, or set a default channel."
            ),
            Reason::ProjectUnknown => format!(
                "The event names a project Switchboard does not know ({channel}): add the project with that external id."
            ),
            Reason::ProjectWithoutChannel => {
                format!("The project {channel} has no channel: assign the project a channel.")
            }
            Reason::ProjectArchived => format!(
                "The project {channel} is archived: unarchive the project for its channel to receive {kind} again."
            ),
            Reason::DirectMessage => format!("Sent to {channel} as a direct message."),
            Reason::OutsideWorkingHours => format!(
                "{channel} is outside their working hours: the message waits and is sent when their next working period starts."
            ),
            Reason::StaffNotLinked => format!(
                "Not delivered: {channel} is not connected to Slack (not linked to a Slack user): link them in Staff."
            ),
            Reason::StaffSwitchedOff => format!(
                "Not delivered: {channel} is not connected to Slack (an admin switched it off): switch their Slack logo on in Staff."
            ),
            Reason::StaffInactive => {
                format!("Not delivered: {channel} is deactivated in the business application.")
            }
            Reason::SlackUserDeactivated => format!(
                "Not delivered: the Slack user of {channel} is deactivated: link them to their current Slack user in Staff."
            ),
            Reason::StaffWorkspaceDisconnected => format!(
                "Not delivered: the Slack workspace of {channel} is disconnected: connect it again, or link them in another workspace."
            ),
            Reason::StaffUnknown => format!(
                "Not delivered: no staff member has the email {channel}: add them in Staff."
            ),
            Reason::NoManager => format!(
                "Not delivered: {channel} has no manager to send the request to: set their manager in Staff."
            ),
            Reason::EscalationOff => format!(
                "The escalation rule for {kind} sends no direct message over Slack: change it in Settings → Escalation rules."
            ),
        }
    }
}

/// What happens with the event in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Queued for delivery.
    Deliver,
    /// Queued, held until the workspace is reconnected.
    Hold,
    Skip,
}

/// One line of the routing decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The notification channel (`None` for decisions about no channel).
    pub channel: Option<i64>,
    pub action: Action,
    pub reason: Reason,
}

/// Routes `event` under `settings`: one decision per notification channel (in the order of
/// `settings.channels`), plus one without a channel when no channel gets it at all.
pub fn route(event: &Event, settings: &Settings) -> Vec<Decision> {
    let kind = event.kind;
    let project_wanted = match kind.routing() {
        Routing::ProjectAndToggledChannels => true,
        Routing::EscalationRule => {
            kind == EventKind::EscalationProject && settings.escalation_to_project_channel
        }
        _ => false,
    };
    let project_channel = match &settings.project {
        ProjectState::Known { channel, .. } if project_wanted => *channel,
        _ => None,
    };
    // Kinds about one person (approvals, flex time) never fall through to a default channel.
    let personal =
        matches!(kind.routing(), Routing::DirectMessage) || kind == EventKind::EscalationFlextime;
    let takes = |c: &Channel| c.kinds.contains(&kind) || project_channel == Some(c.id);
    // Workspaces where an enabled channel takes the kind: their default channel stays quiet.
    let taken_in: BTreeSet<&str> = settings
        .channels
        .iter()
        .filter(|c| c.enabled && takes(c))
        .map(|c| c.team_id.as_str())
        .collect();
    let mut decisions: Vec<Decision> = settings
        .channels
        .iter()
        .map(|c| {
            let reason = if project_channel == Some(c.id) {
                Some(Reason::ProjectChannel)
            } else if c.kinds.contains(&kind) {
                Some(Reason::KindOn)
            } else if c.is_default && !personal && !taken_in.contains(c.team_id.as_str()) {
                Some(Reason::DefaultChannel)
            } else {
                None
            };
            let Some(reason) = reason else {
                return Decision {
                    channel: Some(c.id),
                    action: Action::Skip,
                    reason: Reason::KindOff,
                };
            };
            let reachable = settings
                .workspaces
                .get(&c.team_id)
                .copied()
                .unwrap_or(Reachable::Disconnected);
            let (action, reason) = if !c.enabled {
                (Action::Skip, Reason::ChannelDisabled)
            } else if !settings.integration_on {
                (Action::Skip, Reason::IntegrationOff)
            } else {
                match reachable {
                    Reachable::Yes => (Action::Deliver, reason),
                    Reachable::NeedsReconnect => (Action::Hold, Reason::NeedsReconnect),
                    Reachable::Disconnected => (Action::Skip, Reason::WorkspaceDisconnected),
                }
            };
            Decision {
                channel: Some(c.id),
                action,
                reason,
            }
        })
        .collect();
    match &settings.project {
        ProjectState::Unknown(_) if project_wanted => decisions.push(Decision {
            channel: None,
            action: Action::Skip,
            reason: Reason::ProjectUnknown,
        }),
        ProjectState::Known { channel: None, .. } if project_wanted => decisions.push(Decision {
            channel: None,
            action: Action::Skip,
            reason: Reason::ProjectWithoutChannel,
        }),
        ProjectState::Archived(_) if project_wanted => decisions.push(Decision {
            channel: None,
            action: Action::Skip,
            reason: Reason::ProjectArchived,
        }),
        _ => {}
    }
    let reached = decisions
        .iter()
        .any(|d| d.channel.is_some() && d.reason != Reason::KindOff);
    // A kind about one person goes to their direct messages ([`route_direct`]): that no channel
    // takes it is no news then.
    if !(reached || (personal && settings.integration_on)) {
        decisions.push(Decision {
            channel: None,
            action: Action::Skip,
            reason: if settings.integration_on {
                Reason::NoChannel
            } else {
                Reason::IntegrationOff
            },
        });
    }
    decisions
}

/// A person a direct message is for, as the store has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Linked, enabled, their workspace connected or waiting to be reconnected.
    Reachable(DmTarget),
    /// A member the message cannot go to, and why.
    Unreachable {
        staff_id: i64,
        name: String,
        reason: Reason,
    },
    /// No staff member has this email.
    Unknown { email: String },
    /// The member has no manager to send the request to.
    NoManager { staff_id: i64, name: String },
    /// The escalation rule sends no direct message.
    RuleOff,
}

/// A member a direct message can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmTarget {
    pub staff_id: i64,
    pub name: String,
    pub team_id: String,
    /// The Slack user (the app's DM with them, opened on delivery) or the channel they chose.
    pub target_id: String,
    /// Their workspace needs reconnecting: the message waits.
    pub needs_reconnect: bool,
    /// Their time zone (working hours and the message's times).
    pub time_zone: String,
    /// `None` when now is within their working hours (or the message is urgent); else when
    /// their next working period starts (Unix ms).
    pub wait_until: Option<i64>,
    /// Never held for working hours.
    pub urgent: bool,
}

/// One direct-message decision: for `recipients[recipient]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectDecision {
    pub recipient: usize,
    pub action: Action,
    pub reason: Reason,
    /// Held until then (working hours).
    pub not_before: Option<i64>,
}

/// Routes a direct message to each of `recipients` (worked out from the event, the staff and
/// the escalation rules by [`crate::staff::recipients`]).
pub fn route_direct(recipients: &[Recipient], integration_on: bool) -> Vec<DirectDecision> {
    recipients
        .iter()
        .enumerate()
        .map(|(at, recipient)| {
            let (action, reason, not_before) = match recipient {
                _ if !integration_on => (Action::Skip, Reason::IntegrationOff, None),
                Recipient::Reachable(r) if r.needs_reconnect => {
                    (Action::Hold, Reason::NeedsReconnect, None)
                }
                Recipient::Reachable(r) => match r.wait_until {
                    Some(at) => (Action::Hold, Reason::OutsideWorkingHours, Some(at)),
                    None => (Action::Deliver, Reason::DirectMessage, None),
                },
                Recipient::Unreachable { reason, .. } => (Action::Skip, *reason, None),
                Recipient::Unknown { .. } => (Action::Skip, Reason::StaffUnknown, None),
                Recipient::NoManager { .. } => (Action::Skip, Reason::NoManager, None),
                Recipient::RuleOff => (Action::Skip, Reason::EscalationOff, None),
            };
            DirectDecision {
                recipient: at,
                action,
                reason,
                not_before,
            }
        })
        .collect()
}

/// Whether the integration is on (it is unless the owner switched it off).
pub fn integration_on(conn: &Connection) -> Result<bool> {
    Ok(stored::get::<bool>(conn, INTEGRATION_SETTING)?.unwrap_or(true))
}

/// Reads what routing needs, all but the event's project (`ProjectState::None`; set it with
/// [`project_state`]): once per transaction, however many events it routes.
pub fn settings(conn: &Connection) -> Result<Settings> {
    let channels = channels::list(conn)?
        .into_iter()
        .map(|c| Channel {
            kinds: c.kinds.iter().filter_map(|k| k.parse().ok()).collect(),
            id: c.id,
            team_id: c.team_id,
            channel_id: c.channel_id,
            name: c.channel_name,
            enabled: c.enabled,
            is_default: c.is_default,
            thread_per_object: c.thread_per_object,
        })
        .collect();
    let workspaces = workspaces::list(conn)?
        .into_iter()
        .map(|w| {
            let reachable = match w.status {
                Status::Connected => Reachable::Yes,
                Status::NeedsReconnect => Reachable::NeedsReconnect,
                Status::Disabled => Reachable::Disconnected,
            };
            (w.team_id, reachable)
        })
        .collect();
    let rule = crate::staff::escalation_rule(conn, EventKind::EscalationProject)?;
    let escalation_to_project_channel = rule.slack && rule.project_channel;
    Ok(Settings {
        integration_on: integration_on(conn)?,
        channels,
        workspaces,
        project: ProjectState::None,
        escalation_to_project_channel,
    })
}

/// The project `event` names, as stored.
pub fn project_state(conn: &Connection, event: &Event) -> Result<ProjectState> {
    Ok(match &event.project {
        None => ProjectState::None,
        Some(key) => match projects::by_external_id(conn, key)? {
            Some(p) if !p.archived => ProjectState::Known {
                id: p.id,
                external_id: key.clone(),
                name: p.name,
                channel: p.channel,
            },
            Some(_) => ProjectState::Archived(key.clone()),
            None => ProjectState::Unknown(key.clone()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::sample;

    fn channel(id: i64, team: &str, kinds: &[EventKind]) -> Channel {
        Channel {
            id,
            team_id: team.into(),
            channel_id: format!("C{id}"),
            name: Some(format!("ch{id}")),
            enabled: true,
            is_default: false,
            thread_per_object: true,
            kinds: kinds.iter().copied().collect(),
        }
    }

    fn settings(channels: Vec<Channel>) -> Settings {
        Settings {
            integration_on: true,
            channels,
            workspaces: [
                ("T1".to_owned(), Reachable::Yes),
                ("T2".to_owned(), Reachable::Yes),
            ]
            .into(),
            project: ProjectState::None,
            escalation_to_project_channel: true,
        }
    }

    fn event(kind: EventKind) -> Event {
        sample(kind).validate().unwrap()
    }

    fn project(channel: Option<i64>) -> ProjectState {
        ProjectState::Known {
            id: 7,
            external_id: "website-relaunch".into(),
            name: "Website relaunch".into(),
            channel,
        }
    }

    fn says(decisions: &[Decision], reason: Reason) -> bool {
        decisions.iter().any(|d| d.reason == reason)
    }

    fn delivered(decisions: &[Decision]) -> Vec<(i64, Reason)> {
        decisions
            .iter()
            .filter(|d| d.action == Action::Deliver)
            .map(|d| (d.channel.unwrap(), d.reason))
            .collect()
    }

    #[test]
    fn every_kind_reaches_exactly_the_channels_that_switched_it_on() {
        for (i, kind) in EventKind::ALL.iter().enumerate() {
            let other = EventKind::ALL[(i + 1) % EventKind::ALL.len()];
            let s = settings(vec![
                channel(1, "T1", &[*kind]),
                channel(2, "T1", &[other]),
                channel(3, "T2", &[*kind, other]),
            ]);
            let decisions = route(&event(*kind), &s);
            assert_eq!(
                delivered(&decisions),
                [(1, Reason::KindOn), (3, Reason::KindOn)],
                "{kind}"
            );
            assert_eq!(
                decisions[1],
                Decision {
                    channel: Some(2),
                    action: Action::Skip,
                    reason: Reason::KindOff
                },
                "{kind}"
            );
            assert_eq!(decisions.len(), 3, "{kind}: nothing about no channel");
        }
    }

    #[test]
    fn disabled_channels_integration_off_and_workspace_state_say_why() {
        let kind = EventKind::InvoiceSent;
        let mut disabled = channel(1, "T1", &[kind]);
        disabled.enabled = false;
        let mut s = settings(vec![
            disabled,
            channel(2, "T2", &[kind]),
            channel(3, "T3", &[kind]),
        ]);
        s.workspaces.insert("T2".into(), Reachable::NeedsReconnect);
        // T3 is not in the workspace list: disconnected or removed.
        let decisions = route(&event(kind), &s);
        let got: Vec<_> = decisions.iter().map(|d| (d.action, d.reason)).collect();
        assert_eq!(
            got,
            [
                (Action::Skip, Reason::ChannelDisabled),
                (Action::Hold, Reason::NeedsReconnect),
                (Action::Skip, Reason::WorkspaceDisconnected),
            ]
        );
        s.integration_on = false;
        let off: Vec<_> = route(&event(kind), &s)
            .iter()
            .map(|d| (d.action, d.reason))
            .collect();
        assert_eq!(
            off,
            [
                (Action::Skip, Reason::ChannelDisabled),
                (Action::Skip, Reason::IntegrationOff),
                (Action::Skip, Reason::IntegrationOff),
            ],
            "nothing is queued while the integration is off"
        );
    }

    #[test]
    fn the_default_channel_catches_kinds_no_channel_of_its_workspace_takes() {
        let mut default = channel(2, "T1", &[]);
        default.is_default = true;
        let mut other_default = channel(4, "T2", &[]);
        other_default.is_default = true;
        let s = settings(vec![
            channel(1, "T1", &[EventKind::InvoiceSent]),
            default,
            channel(3, "T2", &[EventKind::ClientCreated]),
            other_default,
        ]);
        assert_eq!(
            delivered(&route(&event(EventKind::InvoiceSent), &s)),
            [(1, Reason::KindOn), (4, Reason::DefaultChannel)]
        );
        assert_eq!(
            delivered(&route(&event(EventKind::ItemReorderLevel), &s)),
            [(2, Reason::DefaultChannel), (4, Reason::DefaultChannel)]
        );
        // A disabled channel takes nothing, so the default catches what it would have.
        let mut s2 = s.clone();
        s2.channels[0].enabled = false;
        assert_eq!(
            delivered(&route(&event(EventKind::InvoiceSent), &s2)),
            [(2, Reason::DefaultChannel), (4, Reason::DefaultChannel)]
        );
    }

    #[test]
    fn timer_events_go_to_their_projects_channel_once() {
        let kind = EventKind::TimerStarted;
        let mut s = settings(vec![channel(1, "T1", &[]), channel(2, "T1", &[kind])]);
        s.project = project(Some(1));
        assert_eq!(
            delivered(&route(&event(kind), &s)),
            [(1, Reason::ProjectChannel), (2, Reason::KindOn)]
        );
        // The project's channel also switched the kind on: still one message.
        s.channels[0].kinds.insert(kind);
        assert_eq!(
            delivered(&route(&event(kind), &s)),
            [(1, Reason::ProjectChannel), (2, Reason::KindOn)]
        );
        // Invoices do not follow the project.
        assert_eq!(delivered(&route(&event(EventKind::InvoiceSent), &s)), []);
    }

    #[test]
    fn unknown_projects_and_unassigned_ones_are_reported() {
        let kind = EventKind::TimerStopped;
        let mut s = settings(vec![channel(1, "T1", &[])]);
        s.project = ProjectState::Unknown("nope".into());
        let decisions = route(&event(kind), &s);
        assert!(says(&decisions, Reason::ProjectUnknown));
        assert!(says(&decisions, Reason::NoChannel));
        s.project = project(None);
        let decisions = route(&event(kind), &s);
        assert!(says(&decisions, Reason::ProjectWithoutChannel));
    }

    #[test]
    fn personal_kinds_never_reach_a_default_channel() {
        let mut default = channel(1, "T1", &[]);
        default.is_default = true;
        let s = settings(vec![default]);
        for kind in [
            EventKind::VacationRequested,
            EventKind::TimesheetApproval,
            EventKind::EscalationFlextime,
            EventKind::MessageDirect,
        ] {
            let decisions = route(&event(kind), &s);
            assert_eq!(delivered(&decisions), [], "{kind}");
            assert!(
                decisions.iter().all(|d| d.channel.is_some()),
                "{kind}: its direct messages are decided by route_direct, not here: {decisions:?}"
            );
        }
    }

    #[test]
    fn project_escalations_follow_their_rule_and_archived_projects_say_so() {
        let kind = EventKind::EscalationProject;
        let mut s = settings(vec![channel(1, "T1", &[])]);
        s.project = project(Some(1));
        assert_eq!(
            delivered(&route(&event(kind), &s)),
            [(1, Reason::ProjectChannel)]
        );
        s.escalation_to_project_channel = false;
        assert_eq!(delivered(&route(&event(kind), &s)), []);
        s.project = ProjectState::Archived("website-relaunch".into());
        let decisions = route(&event(EventKind::TimerStarted), &s);
        assert!(says(&decisions, Reason::ProjectArchived), "{decisions:?}");
    }

    #[test]
    fn no_channel_at_all_is_one_clear_decision() {
        let decisions = route(&event(EventKind::ClientCreated), &settings(vec![]));
        assert_eq!(
            decisions,
            [Decision {
                channel: None,
                action: Action::Skip,
                reason: Reason::NoChannel
            }]
        );
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(*reason));
            assert!(!reason.sentence("invoice.sent", "#sales").is_empty());
        }
    }
}
