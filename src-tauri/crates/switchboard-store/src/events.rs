//! Received events with their routing decision, and the outbox rows routing queued — written
//! together in one transaction, so a message is queued exactly when its event is stored.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// An event about to be stored.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    /// `ui`, `cli` or `ingest`.
    pub source: &'a str,
    pub payload_json: &'a str,
    /// The rendered message its outbox rows share (those whose `payload_json` is `None`).
    pub message_json: Option<&'a str>,
    pub occurred_at: i64,
    pub project_key: Option<&'a str>,
    pub project_id: Option<i64>,
    pub staff_email: Option<&'a str>,
    pub object_key: Option<&'a str>,
    pub received_at: i64,
}

/// What routing decided for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Queued,
    Held,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "queued",
            Outcome::Held => "held",
            Outcome::Skipped => "skipped",
        }
    }

    fn parse(text: &str) -> Outcome {
        match text {
            "queued" => Outcome::Queued,
            "held" => Outcome::Held,
            _ => Outcome::Skipped,
        }
    }
}

/// A message to queue with its route.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// `None`: the event's `message_json`, stored once however many channels it goes to.
    pub payload_json: Option<String>,
    pub thread_key: Option<String>,
    pub hold_reason: Option<String>,
    /// Held until this time (Unix ms), then released on its own: a direct message waiting for
    /// its recipient's working hours.
    pub not_before: Option<i64>,
    /// Never held for working hours (an urgent direct message).
    pub urgent: bool,
}

/// A routing decision (stored, or about to be: then `outbox_id` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub notification_channel_id: Option<i64>,
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub outcome: Outcome,
    /// A stable reason code (`kind_on`, `kind_off`, `integration_off`…).
    pub reason: String,
    pub outbox_id: Option<i64>,
    /// The staff member a direct message is for (then `channel_name` is their name and
    /// `channel_id` the Slack user or the channel they chose).
    pub staff_id: Option<i64>,
}

/// A routing decision about to be stored, with the message it queues (queued and held
/// routes).
#[derive(Debug, Clone)]
pub struct NewRoute {
    pub route: Route,
    pub message: Option<NewMessage>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub source: String,
    pub payload_json: String,
    pub occurred_at: Option<i64>,
    pub received_at: i64,
    pub routes: Vec<Route>,
}

/// A decision as stored in `event.routes_json`, written for every event, so short: a channel
/// that skipped the event is stored as its notification channel id and the reason alone (its
/// workspace, channel and name are read back from the channel); `o` is left out for skips; and
/// channels next to each other that skipped it for the same reason share one entry, the first
/// in `n` and the others in `ns` (`{"n":3,"ns":[4,5,9],"r":"kind_off"}`).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRoute {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    notification_channel_id: Option<i64>,
    #[serde(rename = "ns", default, skip_serializing_if = "Vec::is_empty")]
    more: Vec<i64>,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    team_id: Option<String>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    channel_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "o", default = "skipped", skip_serializing_if = "is_skipped")]
    outcome: String,
    #[serde(rename = "r")]
    reason: String,
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    staff_id: Option<i64>,
}

fn skipped() -> String {
    Outcome::Skipped.as_str().to_owned()
}

fn is_skipped(outcome: &str) -> bool {
    outcome == Outcome::Skipped.as_str()
}

impl StoredRoute {
    /// The decisions as stored: short skips with one reason next to each other share an entry.
    fn all_of(routes: &[NewRoute]) -> Vec<StoredRoute> {
        let mut stored: Vec<StoredRoute> = Vec::with_capacity(routes.len());
        for NewRoute { route, .. } in routes {
            if let (Some(last), Some(id)) = (stored.last_mut(), route.notification_channel_id)
                && last.is_short_skip()
                && route.outcome == Outcome::Skipped
                && last.reason == route.reason
            {
                last.more.push(id);
                continue;
            }
            stored.push(StoredRoute::of(route));
        }
        stored
    }

    fn is_short_skip(&self) -> bool {
        is_skipped(&self.outcome)
            && self.notification_channel_id.is_some()
            && self.channel_id.is_none()
    }

    /// The decisions an entry stands for (one, or one per channel of a shared skip).
    fn expand(mut self) -> impl Iterator<Item = StoredRoute> {
        let more = std::mem::take(&mut self.more);
        let reason = self.reason.clone();
        std::iter::once(self).chain(more.into_iter().map(move |id| StoredRoute {
            notification_channel_id: Some(id),
            more: Vec::new(),
            team_id: None,
            channel_id: None,
            name: None,
            outcome: skipped(),
            reason: reason.clone(),
            staff_id: None,
        }))
    }

    fn of(route: &Route) -> StoredRoute {
        let short = route.outcome == Outcome::Skipped && route.notification_channel_id.is_some();
        StoredRoute {
            notification_channel_id: route.notification_channel_id,
            more: Vec::new(),
            team_id: route.team_id.clone().filter(|_| !short),
            channel_id: route.channel_id.clone().filter(|_| !short),
            name: route.channel_name.clone().filter(|_| !short),
            outcome: route.outcome.as_str().to_owned(),
            reason: route.reason.clone(),
            staff_id: route.staff_id,
        }
    }
}

/// Stores `event` with its routes, queueing each route's message; returns the event's id and
/// the routes as stored (with their outbox ids). The caller checks the key first
/// ([`find_by_key`]) in the same transaction.
pub fn insert(
    conn: &Connection,
    event: &NewEvent<'_>,
    routes: Vec<NewRoute>,
) -> Result<(i64, Vec<Route>)> {
    let decisions = StoredRoute::all_of(&routes);
    let routes_json = serde_json::to_string(&decisions)
        .map_err(|e| crate::Error::Corrupt(format!("routing decisions: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO event (idempotency_key, kind, source, payload_json, project_id, received_at,
             occurred_at, project_key, staff_email, object_key, routes_json, message_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        event.key,
        event.kind,
        event.source,
        event.payload_json,
        event.project_id,
        event.received_at,
        event.occurred_at,
        event.project_key,
        event.staff_email,
        event.object_key,
        routes_json,
        event.message_json
    ])?;
    let event_id = conn.last_insert_rowid();
    let mut queue = conn.prepare_cached(
        "INSERT INTO outbox (event_id, notification_channel_id, team_id, target_kind, target_id,
             target_name, payload_json, thread_key, state, hold_reason, next_attempt_at,
             created_at, updated_at, staff_id, urgent)
         VALUES (?1, ?2, ?3, CASE WHEN ?12 IS NULL THEN 'channel' ELSE 'dm' END, ?4, ?5, ?6,
                 ?7, ?8, ?9, ?11, ?10, ?10, ?12, ?13)",
    )?;
    let mut stored = Vec::with_capacity(routes.len());
    for NewRoute { mut route, message } in routes {
        route.outbox_id = match (&message, &route.team_id, &route.channel_id) {
            (Some(message), Some(team_id), Some(channel_id)) => {
                queue.execute(params![
                    event_id,
                    route.notification_channel_id,
                    team_id,
                    channel_id,
                    route.channel_name,
                    message.payload_json,
                    message.thread_key,
                    if message.hold_reason.is_some() {
                        "held"
                    } else {
                        "pending"
                    },
                    message.hold_reason,
                    event.received_at,
                    message.not_before.unwrap_or(event.received_at),
                    route.staff_id,
                    message.urgent
                ])?;
                Some(conn.last_insert_rowid())
            }
            _ => None,
        };
        stored.push(route);
    }
    Ok((event_id, stored))
}

/// The event stored under idempotency key `key`, with its routes.
pub fn find_by_key(conn: &Connection, key: &str) -> Result<Option<StoredEvent>> {
    find(conn, "idempotency_key = ?1", key)
}

/// Event `id` with its routes.
pub fn get(conn: &Connection, id: i64) -> Result<Option<StoredEvent>> {
    find(conn, "id = ?1", id)
}

/// The one event matching `condition` (on `?1` = `value`), with its routes.
fn find(
    conn: &Connection,
    condition: &str,
    value: impl rusqlite::ToSql,
) -> Result<Option<StoredEvent>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT id, idempotency_key, kind, source, payload_json, occurred_at, received_at,
                    routes_json
             FROM event WHERE {condition}"
        ))?
        .query_row([value], |row| {
            Ok((stored_event(row)?, row.get::<_, Option<String>>(7)?))
        })
        .optional()?;
    let Some((mut event, json)) = found else {
        return Ok(None);
    };
    event.routes = decode_routes(
        conn,
        event.id,
        json.as_deref(),
        &mut ChannelNames::default(),
    )?;
    Ok(Some(event))
}

/// An event row without its routes (columns as `find` and `page` select them, `routes_json`
/// after them).
fn stored_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEvent> {
    Ok(StoredEvent {
        id: row.get(0)?,
        key: row.get(1)?,
        kind: row.get(2)?,
        source: row.get(3)?,
        payload_json: row.get(4)?,
        occurred_at: row.get(5)?,
        received_at: row.get(6)?,
        routes: Vec::new(),
    })
}

/// The routing decisions of event `event_id`, in order, each with the message it queued.
pub fn routes(conn: &Connection, event_id: i64) -> Result<Vec<Route>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT routes_json FROM event WHERE id = ?1")?
        .query_row([event_id], |row| row.get(0))
        .optional()?
        .flatten();
    decode_routes(
        conn,
        event_id,
        json.as_deref(),
        &mut ChannelNames::default(),
    )
}

/// Where each notification channel is (workspace, channel id, name as the directory has it),
/// read once for all the events of a page: a skip is stored as the channel's id alone.
#[derive(Default)]
struct ChannelNames(std::collections::HashMap<i64, Option<(String, String, Option<String>)>>);

impl ChannelNames {
    fn get(
        &mut self,
        conn: &Connection,
        id: i64,
    ) -> Result<Option<&(String, String, Option<String>)>> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(id) {
            let found = conn
                .prepare_cached(
                    "SELECT n.team_id, n.channel_id, coalesce(c.name, n.channel_name)
                     FROM notification_channel n
                     LEFT JOIN slack_channel c ON c.team_id = n.team_id
                         AND c.channel_id = n.channel_id AND c.vanished_at IS NULL
                     WHERE n.id = ?1",
                )?
                .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?;
            slot.insert(found);
        }
        Ok(self.0.get(&id).and_then(Option::as_ref))
    }
}

/// The decisions stored as `json` for event `event_id`, each with its channel filled in and the
/// message it queued.
fn decode_routes(
    conn: &Connection,
    event_id: i64,
    json: Option<&str>,
    channels: &mut ChannelNames,
) -> Result<Vec<Route>> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let decisions: Vec<StoredRoute> = serde_json::from_str(json).map_err(|e| {
        crate::Error::Corrupt(format!("routing decisions of event {event_id}: {e}"))
    })?;
    let mut messages = conn.prepare_cached(
        "SELECT team_id, target_id, id FROM outbox WHERE event_id = ?1 ORDER BY id",
    )?;
    let mut queued: Vec<(String, String, i64)> = messages
        .query_map([event_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut decisions: Vec<StoredRoute> = decisions
        .into_iter()
        .flat_map(StoredRoute::expand)
        .collect();
    for d in &mut decisions {
        if let (Some(n), None) = (d.notification_channel_id, &d.channel_id)
            && let Some((team_id, channel_id, name)) = channels.get(conn, n)?
        {
            d.team_id = Some(team_id.clone());
            d.channel_id = Some(channel_id.clone());
            d.name = name.clone();
        }
    }
    Ok(decisions
        .into_iter()
        .map(|d| {
            let outcome = Outcome::parse(&d.outcome);
            // By workspace and Slack channel (a removed channel's messages lose their
            // notification channel id, not their target), each message to one decision.
            let outbox_id = (outcome != Outcome::Skipped)
                .then(|| {
                    queued
                        .iter()
                        .position(|(team, target, _)| {
                            Some(team.as_str()) == d.team_id.as_deref()
                                && Some(target.as_str()) == d.channel_id.as_deref()
                        })
                        .map(|at| queued.remove(at).2)
                })
                .flatten();
            Route {
                notification_channel_id: d.notification_channel_id,
                team_id: d.team_id,
                channel_id: d.channel_id,
                channel_name: d.name,
                outcome,
                reason: d.reason,
                outbox_id,
                staff_id: d.staff_id,
            }
        })
        .collect())
}

/// Which events the Activity timeline lists (all filters optional), newest first.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<String>,
    /// Only events with a delivery in this outbox state, or with a skipped decision
    /// (`skipped`) — to `channel` when that is given too.
    pub state: Option<String>,
    /// Only events routed to or skipped by this notification channel.
    pub channel: Option<i64>,
    /// Received at or after (Unix ms).
    pub since: Option<i64>,
    /// Received before (Unix ms).
    pub until: Option<i64>,
    /// Events with a smaller id (paging).
    pub before: Option<i64>,
    /// Only events with a direct message to (or a decision about) this staff member.
    pub staff: Option<i64>,
    pub limit: u32,
}

/// Fewer messages than this in a state make it rare (see [`page`]).
const RARE_STATE_ROWS: i64 = 5_000;

/// Events matching `filter`, newest first, each with its routes.
pub fn page(conn: &Connection, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
    let kinds = (!filter.kinds.is_empty())
        .then(|| serde_json::to_string(&filter.kinds))
        .transpose()
        .map_err(|e| crate::Error::Corrupt(format!("kind filter: {e}")))?;
    // Only the filters given are in the statement, so SQLite can use what each has (the
    // rowid range of `before` above all: with `?4 IS NULL OR` beside it, a page half way down
    // read every newer event first). Every statement names ?7 (the limit) and ?8, so all eight
    // values bind whichever filters it holds.
    // A state few messages are in (failed, held) is looked up from the outbox's state index;
    // a common one (sent) is checked event by event, newest first, and a page fills at once.
    let rare_state = match filter.state.as_deref() {
        Some("skipped") | None => false,
        Some(state) => {
            let common: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE state = ?1 LIMIT ?2)",
                )?
                .query_row(params![state, RARE_STATE_ROWS], |row| row.get(0))?;
            common < RARE_STATE_ROWS
        }
    };
    let mut clauses: Vec<&str> = Vec::new();
    if kinds.is_some() {
        clauses.push("e.kind IN (SELECT value FROM json_each(?1))");
    }
    if filter.since.is_some() {
        clauses.push("e.received_at >= ?2");
    }
    if filter.until.is_some() {
        clauses.push("e.received_at < ?3");
    }
    if filter.before.is_some() {
        clauses.push("e.id < ?4");
    }
    clauses.push(match filter.staff {
        Some(_) => {
            "EXISTS (SELECT 1 FROM json_each(e.routes_json) j
                     WHERE json_extract(j.value, '$.s') = ?8)"
        }
        None => "?8 IS NULL",
    });
    clauses.push(match (filter.state.as_deref(), filter.channel) {
        (Some("skipped"), None) => {
            "EXISTS (SELECT 1 FROM json_each(e.routes_json) j
                     WHERE coalesce(json_extract(j.value, '$.o'), 'skipped') = 'skipped')"
        }
        // A channel is in a decision as its own entry, or as one of a shared skip's.
        (Some("skipped"), Some(_)) => {
            "EXISTS (SELECT 1 FROM json_each(e.routes_json) j
                     WHERE coalesce(json_extract(j.value, '$.o'), 'skipped') = 'skipped'
                       AND (json_extract(j.value, '$.n') = ?6
                            OR ?6 IN (SELECT value FROM json_each(j.value, '$.ns'))))"
        }
        (Some(_), None) if rare_state => {
            "e.id IN (SELECT o.event_id FROM outbox o WHERE o.state = ?5)"
        }
        (Some(_), Some(_)) if rare_state => {
            "e.id IN (SELECT o.event_id FROM outbox o
                      WHERE o.state = ?5 AND o.notification_channel_id = ?6)"
        }
        (Some(_), None) => {
            "EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id AND o.state = ?5)"
        }
        (Some(_), Some(_)) => {
            "EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id AND o.state = ?5
                                             AND o.notification_channel_id = ?6)"
        }
        (None, Some(_)) => {
            "EXISTS (SELECT 1 FROM json_each(e.routes_json) j
                     WHERE json_extract(j.value, '$.n') = ?6
                        OR ?6 IN (SELECT value FROM json_each(j.value, '$.ns')))"
        }
        (None, None) => "1",
    });
    let sql = format!(
        "SELECT e.id, e.idempotency_key, e.kind, e.source, e.payload_json, e.occurred_at,
                e.received_at, e.routes_json
         FROM event e
         WHERE {}
         ORDER BY e.id DESC LIMIT ?7",
        clauses.join(" AND ")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let found: Vec<(StoredEvent, Option<String>)> = statement
        .query_map(
            params![
                kinds,
                filter.since,
                filter.until,
                filter.before,
                filter.state,
                filter.channel,
                filter.limit,
                filter.staff
            ],
            |row| Ok((stored_event(row)?, row.get(7)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut channels = ChannelNames::default();
    found
        .into_iter()
        .map(|(mut event, json)| {
            event.routes = decode_routes(conn, event.id, json.as_deref(), &mut channels)?;
            Ok(event)
        })
        .collect()
}

/// The stored payload of the newest event of `kind`, if any was received.
pub fn last_payload(conn: &Connection, kind: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT payload_json FROM event WHERE kind = ?1 ORDER BY received_at DESC, id DESC LIMIT 1",
        )?
        .query_row([kind], |row| row.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(n: i64, outcome: Outcome, reason: &str) -> NewRoute {
        let queued = outcome != Outcome::Skipped;
        NewRoute {
            route: Route {
                notification_channel_id: Some(n),
                team_id: Some("T1".into()),
                channel_id: Some(format!("C{n}")),
                channel_name: Some(format!("ch{n}")),
                outcome,
                reason: reason.into(),
                outbox_id: None,
                staff_id: None,
            },
            message: queued.then(|| NewMessage {
                payload_json: (n == 5).then(|| "{\"text\":\"own\"}".to_owned()),
                thread_key: None,
                hold_reason: None,
                not_before: None,
                urgent: false,
            }),
        }
    }

    #[test]
    fn skips_share_an_entry_and_read_back_one_per_channel_in_order() {
        let store = crate::Store::open_in_memory().unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "INSERT INTO workspace (team_id, name, domain, connected_at, updated_at)
                 VALUES ('T1', 'Acme', 'acme', 0, 0);
             INSERT INTO notification_channel (id, team_id, channel_id, channel_name, created_at)
             VALUES (1, 'T1', 'C1', 'ch1', 0), (2, 'T1', 'C2', 'ch2', 0), (3, 'T1', 'C3', 'ch3', 0),
                    (4, 'T1', 'C4', 'ch4', 0), (5, 'T1', 'C5', 'ch5', 0), (6, 'T1', 'C6', 'ch6', 0);",
        )
        .unwrap();
        let decided = vec![
            route(1, Outcome::Skipped, "kind_off"),
            route(2, Outcome::Skipped, "kind_off"),
            route(3, Outcome::Queued, "kind_on"),
            route(4, Outcome::Skipped, "kind_off"),
            route(6, Outcome::Skipped, "channel_disabled"),
            route(5, Outcome::Queued, "kind_on"),
        ];
        let (id, stored) = insert(
            conn,
            &NewEvent {
                key: "inv-1",
                kind: "invoice.sent",
                source: "ingest",
                payload_json: "{}",
                message_json: Some("{\"text\":\"shared\"}"),
                occurred_at: 1,
                project_key: None,
                project_id: None,
                staff_email: None,
                object_key: None,
                received_at: 2,
            },
            decided,
        )
        .unwrap();
        let json: String = conn
            .query_row("SELECT routes_json FROM event WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(
            json.starts_with("[{\"n\":1,\"ns\":[2],\"r\":\"kind_off\"},"),
            "neighbouring skips share an entry: {json}"
        );
        let read: Vec<(Option<i64>, Option<String>, &str, String)> = routes(conn, id)
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.notification_channel_id,
                    r.channel_name,
                    r.outcome.as_str(),
                    r.reason,
                )
            })
            .collect();
        let expected: Vec<(Option<i64>, Option<String>, &str, String)> = [
            (1, "skipped", "kind_off"),
            (2, "skipped", "kind_off"),
            (3, "queued", "kind_on"),
            (4, "skipped", "kind_off"),
            (6, "skipped", "channel_disabled"),
            (5, "queued", "kind_on"),
        ]
        .into_iter()
        .map(|(n, o, r)| (Some(n), Some(format!("ch{n}")), o, r.to_owned()))
        .collect();
        assert_eq!(
            read, expected,
            "one decision per channel, in the order made"
        );

        // The message is stored once on the event unless a row carries its own.
        let shared = stored[2].outbox_id.unwrap();
        let own = stored[5].outbox_id.unwrap();
        assert_eq!(
            crate::outbox::payload(conn, shared).unwrap().as_deref(),
            Some("{\"text\":\"shared\"}")
        );
        assert_eq!(
            crate::outbox::payload(conn, own).unwrap().as_deref(),
            Some("{\"text\":\"own\"}")
        );

        // Filters find a channel inside a shared entry.
        let find = |state: Option<&str>, channel: i64| {
            page(
                conn,
                &EventFilter {
                    state: state.map(str::to_owned),
                    channel: Some(channel),
                    limit: 10,
                    ..EventFilter::default()
                },
            )
            .unwrap()
            .len()
        };
        assert_eq!(find(None, 2), 1, "channel 2 considered it");
        assert_eq!(find(Some("skipped"), 2), 1, "and skipped it");
        assert_eq!(find(Some("skipped"), 4), 1);
        assert_eq!(find(Some("skipped"), 3), 0, "channel 3 did not skip it");
        assert_eq!(find(Some("pending"), 3), 1, "its message waits");
        assert_eq!(find(Some("pending"), 2), 0);

        // A common state (more messages in it than RARE_STATE_ROWS) is checked event by event
        // and finds the same.
        for i in 0..RARE_STATE_ROWS {
            insert(
                conn,
                &NewEvent {
                    key: &format!("bulk-{i}"),
                    kind: "client.created",
                    source: "ingest",
                    payload_json: "{}",
                    message_json: Some("{}"),
                    occurred_at: 1,
                    project_key: None,
                    project_id: None,
                    staff_email: None,
                    object_key: None,
                    received_at: 3,
                },
                vec![route(4, Outcome::Queued, "kind_on")],
            )
            .unwrap();
        }
        let pending_in = |channel: i64, limit: u32| {
            page(
                conn,
                &EventFilter {
                    state: Some("pending".into()),
                    channel: Some(channel),
                    limit,
                    ..EventFilter::default()
                },
            )
            .unwrap()
        };
        assert_eq!(pending_in(3, 10).len(), 1, "the first event, still");
        assert_eq!(pending_in(3, 10)[0].key, "inv-1");
        let newest = pending_in(4, 2);
        assert_eq!(
            newest.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            [
                format!("bulk-{}", RARE_STATE_ROWS - 1),
                format!("bulk-{}", RARE_STATE_ROWS - 2)
            ],
            "newest first"
        );
    }
}
