//! The event catalogue of design.md. The identifiers (`timer.started`, …) are stable: they are
//! stored in toggles and events and sent by the business application, so they never change.

use std::fmt;
use std::str::FromStr;

/// Where an event kind is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// The project's channel, and channels that toggled the kind on.
    ProjectAndToggledChannels,
    /// Channels that toggled the kind on.
    ToggledChannels,
    /// The staff member's or approver's direct message.
    DirectMessage,
    /// As the escalation rule says: DM and/or the project's channel.
    EscalationRule,
}

macro_rules! event_kinds {
    ($($variant:ident = $id:literal, $group:literal, $label:literal, $routing:ident;)*) => {
        /// A kind of event the business application reports.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventKind { $($variant,)* }

        impl EventKind {
            /// Every kind, in catalogue order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The stable identifier, e.g. `invoice.sent`.
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $id,)* }
            }

            /// The group the kind is shown under (Time tracking, Invoices, …).
            pub fn group(self) -> &'static str {
                match self { $(EventKind::$variant => $group,)* }
            }

            /// What a person reads next to the toggle.
            pub fn label(self) -> &'static str {
                match self { $(EventKind::$variant => $label,)* }
            }

            pub fn routing(self) -> Routing {
                match self { $(EventKind::$variant => Routing::$routing,)* }
            }
        }

        impl FromStr for EventKind {
            type Err = crate::Error;

            fn from_str(id: &str) -> crate::Result<Self> {
                match id {
                    $($id => Ok(EventKind::$variant),)*
                    other => Err(crate::Error::invalid("kind", format!(
                        "unknown event kind {other:?}; known kinds are: {}",
                        EventKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                    ))),
                }
            }
        }
    };
}

event_kinds! {
    TimerStarted = "timer.started", "Time tracking", "A staff member starts work", ProjectAndToggledChannels;
    TimerPaused = "timer.paused", "Time tracking", "A staff member pauses work", ProjectAndToggledChannels;
    TimerStopped = "timer.stopped", "Time tracking", "A staff member stops work", ProjectAndToggledChannels;
    ClientCreated = "client.created", "Clients", "A new client is created", ToggledChannels;
    InvoiceSent = "invoice.sent", "Invoices", "An invoice is sent", ToggledChannels;
    InvoiceOpened = "invoice.opened", "Invoices", "A client opens an invoice email", ToggledChannels;
    InvoiceReviewed = "invoice.reviewed", "Invoices", "A client reviews an invoice", ToggledChannels;
    InvoiceNoteAdded = "invoice.note_added", "Invoices", "A client replies to an invoice", ToggledChannels;
    EstimateSent = "estimate.sent", "Estimates", "An estimate is sent", ToggledChannels;
    EstimateOpened = "estimate.opened", "Estimates", "A client opens an estimate email", ToggledChannels;
    EstimateReviewed = "estimate.reviewed", "Estimates", "A client reviews an estimate", ToggledChannels;
    EstimateNoteAdded = "estimate.note_added", "Estimates", "A client replies to an estimate", ToggledChannels;
    EstimateAccepted = "estimate.accepted", "Estimates", "A client accepts an estimate", ToggledChannels;
    EstimateValidityReminder = "estimate.validity_reminder", "Estimates", "An estimate is about to expire", ToggledChannels;
    PaymentReceived = "payment.received", "Payments", "A payment arrives (full, partial or with cash discount)", ToggledChannels;
    ItemReorderLevel = "item.reorder_level", "Inventory", "An item reaches its reorder level", ToggledChannels;
    TimesheetApproval = "timesheet.approval", "Approvals", "A timesheet needs approval", DirectMessage;
    VacationRequested = "vacation.requested", "Approvals", "A vacation is requested", DirectMessage;
    EscalationFlextime = "escalation.flextime", "Escalations", "Flex-time balance crosses a limit", EscalationRule;
    EscalationProject = "escalation.project", "Escalations", "A project exceeds its budget or deadline", EscalationRule;
    MessageDirect = "message.direct", "Direct messages", "A manager writes to a staff member", DirectMessage;
}

impl serde::Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        id.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for kind in EventKind::ALL {
            assert!(seen.insert(kind.as_str()), "{kind} appears twice");
            assert_eq!(kind.as_str().parse::<EventKind>().unwrap(), *kind);
        }
        assert_eq!(
            EventKind::ALL.len(),
            21,
            "design.md's catalogue has 20 kinds, plus message.direct (a manager's own words)"
        );
    }

    #[test]
    fn unknown_kind_lists_the_known_ones() {
        let error = "invoice.paid".parse::<EventKind>().unwrap_err().to_string();
        assert!(
            error.contains("invoice.paid") && error.contains("invoice.sent"),
            "{error}"
        );
    }

    #[test]
    fn routing_follows_the_catalogue() {
        assert_eq!(
            EventKind::TimerStarted.routing(),
            Routing::ProjectAndToggledChannels
        );
        assert_eq!(
            EventKind::PaymentReceived.routing(),
            Routing::ToggledChannels
        );
        assert_eq!(
            EventKind::VacationRequested.routing(),
            Routing::DirectMessage
        );
        assert_eq!(
            EventKind::EscalationProject.routing(),
            Routing::EscalationRule
        );
    }
}
