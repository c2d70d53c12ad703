//! Following what other processes write to the profile's database. The console announces its
//! own changes as it makes them ([`crate::events`]); `switchboard event send`, `switchboard
//! channel add` or `switchboard outbox deliver` run in processes of their own, writing the same
//! database. [`run`] (a supervisor task of the console) looks at the store's
//! [`Fingerprint`](switchboard_store::overview::Fingerprint) every [`LOOK_EVERY`] and announces
//! what changed, so the views update as they do for the console's own work.

use std::sync::Arc;
use std::time::Duration;

use switchboard_store::overview::{self, Fingerprint};
use tokio_util::sync::CancellationToken;

use crate::events::Event;
use crate::profile::Profile;

/// How often the store is looked at: a few indexed lookups each time.
pub const LOOK_EVERY: Duration = Duration::from_secs(1);

/// What changed between two fingerprints, as the announcements the views listen to.
pub fn changes(before: &Fingerprint, now: &Fingerprint) -> Vec<Event> {
    let mut changed = Vec::new();
    if before.workspaces != now.workspaces {
        changed.push(Event::WorkspaceChanged {
            team_id: now.workspace_updated_last.clone().unwrap_or_default(),
        });
    }
    if before.settings != now.settings {
        // Channels, toggles, the integration switch, templates, projects and staff are all
        // audited.
        changed.push(Event::ChannelsChanged);
        changed.push(Event::ProjectsChanged);
        changed.push(Event::StaffChanged);
    }
    if before.newest_event != now.newest_event {
        changed.push(Event::EventReceived {
            event_id: now.newest_event,
        });
    }
    if before.outbox != now.outbox {
        changed.push(Event::OutboxChanged);
    }
    if before.newest_decision != now.newest_decision {
        changed.push(Event::DecisionMade {
            decision_id: now.newest_decision,
        });
    }
    if before.staff_messages != now.staff_messages {
        changed.push(Event::ConversationChanged {
            staff_id: now.staff_messages.1,
        });
    }
    changed
}

/// Announces what other processes change until shut down. The first look only records; a
/// store that cannot be read now is looked at again on the next tick.
pub async fn run(profile: Arc<Profile>, shutdown: CancellationToken) {
    let mut last: Option<Fingerprint> = None;
    let mut ticks = tokio::time::interval(LOOK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let looked = {
            let profile = profile.clone();
            tokio::task::spawn_blocking(move || {
                profile
                    .db()
                    .map_err(|e| e.to_string())?
                    .read(overview::fingerprint)
                    .map_err(|e| e.to_string())
            })
            .await
        };
        let now = match looked {
            Ok(Ok(now)) => now,
            Ok(Err(error)) => {
                tracing::debug!("watching the store: {error}");
                continue;
            }
            Err(_) => continue,
        };
        if let Some(before) = &last {
            for event in changes(before, &now) {
                profile.emit(event);
            }
        }
        last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_of_the_fingerprint_announces_its_change() {
        let before = Fingerprint {
            workspaces: (1, 10),
            workspace_updated_last: Some("T1".into()),
            settings: 5,
            newest_event: 100,
            outbox: [40, 2, 3, 10, 0, 1, 0],
            newest_decision: 3,
            staff_messages: (7, 2, 1),
        };
        assert!(changes(&before, &before).is_empty(), "nothing changed");
        let mut sent = before.clone();
        sent.outbox = [40, 1, 2, 11, 0, 1, 0];
        assert_eq!(changes(&before, &sent), [Event::OutboxChanged]);
        let mut received = before.clone();
        received.newest_event = 102;
        received.outbox[0] = 42;
        assert_eq!(
            changes(&before, &received),
            [Event::EventReceived { event_id: 102 }, Event::OutboxChanged]
        );
        let mut set = before.clone();
        set.settings = 6;
        assert_eq!(
            changes(&before, &set),
            [
                Event::ChannelsChanged,
                Event::ProjectsChanged,
                Event::StaffChanged
            ]
        );
        let mut reconnected = before.clone();
        reconnected.workspaces = (1, 11);
        assert_eq!(
            changes(&before, &reconnected),
            [Event::WorkspaceChanged {
                team_id: "T1".into()
            }]
        );
        let mut decided = before.clone();
        decided.newest_decision = 4;
        assert_eq!(
            changes(&before, &decided),
            [Event::DecisionMade { decision_id: 4 }]
        );
        let mut wrote = before.clone();
        wrote.staff_messages = (8, 5, 2);
        assert_eq!(
            changes(&before, &wrote),
            [Event::ConversationChanged { staff_id: 5 }]
        );
        let mut read = before.clone();
        read.staff_messages = (7, 2, 0);
        assert_eq!(
            changes(&before, &read),
            [Event::ConversationChanged { staff_id: 2 }]
        );
    }
}
