//! `/switchboard search FILTER`: projects and recent events matching a small filter language,
//! answered privately in Slack.
//!
//! A filter is terms separated by spaces, all of which must match:
//! - `kind:invoice.sent`, `kind:invoice.*` (a group by its prefix), `kind:invoices` (a group);
//! - `client:"Acme Ltd"`, `project:Website` (name or id in the business application),
//!   `staff:jane@example.com` (the member an event is about or for; part of the address is
//!   enough) — contains, case ignored;
//! - `state:failed` (`queued`/`pending`, `sending`, `sent`, `failed`, `held`, `skipped`,
//!   `discarded`);
//! - `since:7d` (`m`, `h`, `d`, `w`) or `since:2026-11-01`;
//! - `amount>1000`, also `>=`, `<`, `<=`, `=`;
//! - free words or `"quoted phrases"`, found in the event's summary, client, project or staff.
//!
//! Projects are listed when the filter has only `project:`, `client:` and free words. Errors
//! say at which character the filter goes wrong and what was expected there.

use std::fmt;

use serde_json::Value;
use switchboard_store::{events as stored_events, projects as stored_projects};

use crate::catalog;
use crate::event_kind::EventKind;
use crate::profile::Profile;
use crate::{Error, Result};

/// How many events are looked through (the newest), and how many of each list are shown.
const SCAN: u32 = 5_000;
const SHOW: usize = 10;

/// A filter the user got wrong: where (1-based character) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub at: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at, self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
}

/// One term of a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Kinds(Vec<EventKind>),
    Client(String),
    Project(String),
    Staff(String),
    State(String),
    /// Unix milliseconds.
    Since(i64),
    Amount(Compare, f64),
    Word(String),
}

impl Term {
    fn only_for_events(&self) -> bool {
        !matches!(self, Term::Client(_) | Term::Project(_) | Term::Word(_))
    }
}

const FIELDS: &str = "kind, client, project, staff, state, since, amount";
const STATES: [&str; 8] = [
    "queued",
    "pending",
    "sending",
    "sent",
    "failed",
    "held",
    "skipped",
    "discarded",
];

/// Reads a filter; `now` is the time `since:7d` counts back from.
pub fn parse(filter: &str, now: i64) -> std::result::Result<Vec<Term>, FilterError> {
    let chars: Vec<char> = filter.chars().collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // A field name, an operator, or a free word.
        let mut name = String::new();
        while i < chars.len()
            && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.' | '@' | '*'))
        {
            name.push(chars[i]);
            i += 1;
        }
        let next = chars.get(i).copied();
        let is_compare = matches!(next, Some('>' | '<' | '='));
        if next == Some('"') && name.is_empty() {
            let (phrase, end) = quoted(&chars, i)?;
            i = end;
            terms.push(Term::Word(phrase.to_lowercase()));
            continue;
        }
        if next == Some(':') {
            i += 1;
            let value_at = i;
            let value = if chars.get(i) == Some(&'"') {
                let (v, end) = quoted(&chars, i)?;
                i = end;
                v
            } else {
                let mut v = String::new();
                while i < chars.len() && !chars[i].is_whitespace() {
                    v.push(chars[i]);
                    i += 1;
                }
                v
            };
            let at = value_at + 1;
            if value.trim().is_empty() {
                return Err(FilterError {
                    at,
                    message: format!("expected a value after {name}: (e.g. {})", example(&name)),
                });
            }
            terms.push(field(
                &name.to_lowercase(),
                value.trim(),
                at,
                start + 1,
                now,
            )?);
            continue;
        }
        if is_compare {
            if !name.eq_ignore_ascii_case("amount") {
                return Err(FilterError {
                    at: start + 1,
                    message: format!(
                        "only amount compares with >, <, >=, <= or =; {name:?} is not a field that does"
                    ),
                });
            }
            let mut op = String::new();
            while i < chars.len() && matches!(chars[i], '>' | '<' | '=') {
                op.push(chars[i]);
                i += 1;
            }
            let compare = match op.as_str() {
                ">" => Compare::Greater,
                ">=" => Compare::GreaterOrEqual,
                "<" => Compare::Less,
                "<=" => Compare::LessOrEqual,
                "=" | "==" => Compare::Equal,
                _ => {
                    return Err(FilterError {
                        at: i - op.chars().count() + 1,
                        message: format!("expected one of >, >=, <, <=, = after amount, not {op}"),
                    });
                }
            };
            let number_at = i + 1;
            let mut number = String::new();
            while i < chars.len() && !chars[i].is_whitespace() {
                number.push(chars[i]);
                i += 1;
            }
            let value: f64 = number.replace(',', "").parse().map_err(|_| FilterError {
                at: number_at,
                message: if number.is_empty() {
                    format!("expected a number after amount{op}, e.g. amount{op}1000")
                } else {
                    format!("expected a number after amount{op}, not {number:?}")
                },
            })?;
            terms.push(Term::Amount(compare, value));
            continue;
        }
        if name.eq_ignore_ascii_case("amount")
            && next.is_some_and(char::is_whitespace)
            && chars[i..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| matches!(c, '>' | '<' | '='))
        {
            return Err(FilterError {
                at: start + 1,
                message:
                    "expected amount and its comparison together, without spaces, e.g. amount>1000"
                        .into(),
            });
        }
        if name.is_empty() {
            return Err(FilterError {
                at: start + 1,
                message: format!(
                    "expected a word, a \"phrase\" or a field ({FIELDS}), not {:?}",
                    chars[start]
                ),
            });
        }
        // A free word: the rest up to the next space.
        let mut word = name;
        while i < chars.len() && !chars[i].is_whitespace() {
            word.push(chars[i]);
            i += 1;
        }
        terms.push(Term::Word(word.to_lowercase()));
    }
    Ok(terms)
}

fn example(field: &str) -> &'static str {
    match field {
        "kind" => "kind:invoice.*",
        "client" => "client:\"Acme Ltd\"",
        "project" => "project:Website",
        "staff" => "staff:jane@example.com",
        "state" => "state:failed",
        "since" => "since:7d",
        _ => "kind:invoice.*",
    }
}

/// A quoted phrase starting at `chars[at] == '"'`: its text and the index after it.
fn quoted(chars: &[char], at: usize) -> std::result::Result<(String, usize), FilterError> {
    let mut i = at + 1;
    let mut text = String::new();
    while i < chars.len() && chars[i] != '"' {
        text.push(chars[i]);
        i += 1;
    }
    if i == chars.len() {
        return Err(FilterError {
            at: at + 1,
            message: "expected a closing \" for the quote opened here".into(),
        });
    }
    Ok((text, i + 1))
}

fn field(
    name: &str,
    value: &str,
    at: usize,
    name_at: usize,
    now: i64,
) -> std::result::Result<Term, FilterError> {
    let error = |message: String| FilterError { at, message };
    match name {
        "kind" => {
            let value = value.to_lowercase();
            let kinds: Vec<EventKind> = if let Some(prefix) = value.strip_suffix('*') {
                EventKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| k.as_str().starts_with(prefix))
                    .collect()
            } else if let Ok(kind) = value.parse::<EventKind>() {
                vec![kind]
            } else {
                crate::channels::parse_kinds(std::slice::from_ref(&value)).unwrap_or_default()
            };
            if kinds.is_empty() {
                return Err(error(format!(
                    "expected an event kind (e.g. invoice.sent), a prefix with * (invoice.*) or a group ({}), not {value:?}",
                    crate::channels::groups().join(", ")
                )));
            }
            Ok(Term::Kinds(kinds))
        }
        "client" => Ok(Term::Client(value.to_lowercase())),
        "project" => Ok(Term::Project(value.to_lowercase())),
        "staff" => Ok(Term::Staff(value.to_lowercase())),
        "state" => {
            let state = value.to_lowercase();
            if !STATES.contains(&state.as_str()) {
                return Err(error(format!(
                    "expected a state ({}), not {value:?}",
                    STATES.join(", ")
                )));
            }
            Ok(Term::State(if state == "queued" {
                "pending".into()
            } else {
                state
            }))
        }
        "since" => since(value, now).map(Term::Since).ok_or_else(|| {
            error(format!(
                "expected a time span such as 30m, 12h, 7d or 2w, or a date such as 2026-11-01, not {value:?}"
            ))
        }),
        other => Err(FilterError {
            at: name_at,
            message: format!("expected a field ({FIELDS}), not {other:?}"),
        }),
    }
}

fn since(value: &str, now: i64) -> Option<i64> {
    if let Ok(date) = value.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    let unit = value.chars().last()?;
    let number: i64 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    let minutes = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 24 * 60,
        'w' => 7 * 24 * 60,
        _ => return None,
    };
    (number > 0).then(|| now - number.saturating_mul(minutes * 60_000))
}

/// An event that matched.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FoundEvent {
    pub id: String,
    pub kind: String,
    pub summary: String,
    /// Unix milliseconds.
    pub received_at: i64,
    /// How its messages stand: `sent`, `failed`, … (the worst of them), `skipped` when none was
    /// queued.
    pub state: String,
}

/// A project that matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundProject {
    pub name: String,
    pub external_id: Option<String>,
    pub client: Option<String>,
    pub channel: Option<String>,
}

/// What a search found: up to ten of each, and how many matched in all.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found {
    pub projects: Vec<FoundProject>,
    pub projects_total: usize,
    pub events: Vec<FoundEvent>,
    pub events_total: usize,
    /// How many of the newest events were looked through.
    pub scanned: usize,
}

/// Runs `filter`.
pub fn search(profile: &Profile, filter: &str) -> Result<Found> {
    let terms =
        parse(filter, profile.now_ms()).map_err(|e| Error::invalid("filter", e.to_string()))?;
    if terms.is_empty() {
        return Err(Error::invalid(
            "filter",
            "Say what to look for, e.g. kind:invoice.* since:7d, or a client's name.",
        ));
    }
    let db = profile.db()?;
    let (projects, projects_total) = if terms.iter().any(Term::only_for_events) {
        (Vec::new(), 0)
    } else {
        db.read(|conn| find_projects(conn, &terms))?
    };
    let (events, events_total, scanned) = db.read(|conn| find_events(conn, &terms))?;
    Ok(Found {
        projects,
        projects_total,
        events,
        events_total,
        scanned,
    })
}

fn contains(haystack: Option<&str>, needle: &str) -> bool {
    haystack.is_some_and(|h| h.to_lowercase().contains(needle))
}

fn find_projects(
    conn: &switchboard_store::rusqlite::Connection,
    terms: &[Term],
) -> Result<(Vec<FoundProject>, usize)> {
    // The store finds the projects whose name, client or id contains one term; the others are
    // checked here. Only an ASCII term narrows: SQLite's LIKE ignores the case of ASCII letters
    // alone, and the terms are lower-cased.
    let narrowing = terms.iter().find_map(|t| match t {
        Term::Project(v) | Term::Client(v) | Term::Word(v) if v.is_ascii() => Some(v.as_str()),
        _ => None,
    });
    let page = stored_projects::list(
        conn,
        &stored_projects::Filter {
            search: narrowing,
            include_archived: false,
            after: None,
            offset: 0,
            limit: 100_000,
        },
    )?;
    let matched: Vec<&stored_projects::Project> = page
        .rows
        .iter()
        .filter(|p| {
            terms.iter().all(|t| match t {
                Term::Project(v) => {
                    contains(Some(&p.name), v) || contains(p.external_id.as_deref(), v)
                }
                Term::Client(v) => contains(p.client_name.as_deref(), v),
                Term::Word(w) => {
                    contains(Some(&p.name), w)
                        || contains(p.client_name.as_deref(), w)
                        || contains(p.external_id.as_deref(), w)
                }
                _ => true,
            })
        })
        .collect();
    let total = matched.len();
    let shown = matched
        .into_iter()
        .take(SHOW)
        .map(|p| FoundProject {
            name: p.name.clone(),
            external_id: p.external_id.clone(),
            client: p.client_name.clone(),
            channel: p.assigned.as_ref().and_then(|a| a.name.clone()),
        })
        .collect();
    Ok((shown, total))
}

fn find_events(
    conn: &switchboard_store::rusqlite::Connection,
    terms: &[Term],
) -> Result<(Vec<FoundEvent>, usize, usize)> {
    let mut filter = stored_events::EventFilter {
        limit: SCAN,
        ..stored_events::EventFilter::default()
    };
    for term in terms {
        match term {
            Term::Kinds(kinds) => {
                let ids: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
                filter.kinds = if filter.kinds.is_empty() {
                    ids
                } else {
                    filter
                        .kinds
                        .iter()
                        .filter(|k| ids.contains(k))
                        .cloned()
                        .collect()
                };
                if filter.kinds.is_empty() {
                    return Ok((Vec::new(), 0, 0));
                }
            }
            Term::State(state) => filter.state = Some(state.clone()),
            Term::Since(at) => filter.since = Some(filter.since.map_or(*at, |s| s.max(*at))),
            _ => {}
        }
    }
    let rows = stored_events::page(conn, &filter)?;
    let scanned = rows.len();
    let mut found = Vec::new();
    let mut total = 0;
    for row in rows {
        let Ok(event) = serde_json::from_str::<catalog::Event>(&row.payload_json) else {
            continue;
        };
        let data = &event.data;
        let text = |name: &str| data.get(name).and_then(Value::as_str);
        // The summary is rendered only when a word must be looked for in it, or for the events
        // shown.
        let mut summary: Option<String> = None;
        let project = event.project.as_deref();
        let staff = [event.staff.as_deref(), event.to.as_deref()];
        let client = text("client");
        let amount = data.get("amount").and_then(|a| match a {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.replace(',', "").parse().ok(),
            _ => None,
        });
        let matches = terms.iter().all(|t| match t {
            Term::Client(v) => contains(client, v),
            Term::Project(v) => contains(project, v),
            Term::Staff(v) => staff.iter().any(|s| contains(*s, v)),
            Term::Amount(op, n) => amount.is_some_and(|a| match op {
                Compare::Less => a < *n,
                Compare::LessOrEqual => a <= *n,
                Compare::Equal => (a - n).abs() < 0.005,
                Compare::GreaterOrEqual => a >= *n,
                Compare::Greater => a > *n,
            }),
            Term::Word(w) => {
                contains(
                    Some(summary.get_or_insert_with(|| crate::render::summary(&event))),
                    w,
                ) || contains(client, w)
                    || contains(project, w)
                    || staff.iter().any(|s| contains(*s, w))
                    || contains(Some(&row.key), w)
            }
            Term::Kinds(_) | Term::State(_) | Term::Since(_) => true,
        });
        if !matches {
            continue;
        }
        total += 1;
        if found.len() < SHOW {
            found.push(FoundEvent {
                id: row.key.clone(),
                kind: row.kind.clone(),
                summary: summary.unwrap_or_else(|| crate::render::summary(&event)),
                received_at: row.received_at,
                state: state_of(conn, row.id)?,
            });
        }
    }
    Ok((found, total, scanned))
}

/// How an event's messages stand, worst first: `failed`, `held`, `pending`, `sending`,
/// `sent`, `discarded`; `skipped` when none was queued.
fn state_of(conn: &switchboard_store::rusqlite::Connection, event_id: i64) -> Result<String> {
    let rows = switchboard_store::outbox::list(
        conn,
        &switchboard_store::outbox::Filter {
            event_id: Some(event_id),
            limit: 1_000,
            ..switchboard_store::outbox::Filter::default()
        },
    )?;
    for state in ["failed", "held", "pending", "sending", "sent", "discarded"] {
        if rows.iter().any(|r| r.state == state) {
            return Ok(state.into());
        }
    }
    Ok("skipped".into())
}

/// The private answer in Slack: what was found, in mrkdwn.
pub fn answer_text(found: &Found, filter: &str, time_zone: &str) -> String {
    let mut text = String::new();
    if found.projects_total > 0 {
        text.push_str(&format!(
            "*Projects* ({} of {}):\n",
            found.projects.len(),
            found.projects_total
        ));
        for p in &found.projects {
            let mut line = format!("• *{}*", crate::render::escape(&p.name));
            if let Some(client) = &p.client {
                line.push_str(&format!(" for {}", crate::render::escape(client)));
            }
            if let Some(id) = &p.external_id {
                line.push_str(&format!(" (`{}`)", crate::render::escape(id)));
            }
            if let Some(channel) = &p.channel {
                line.push_str(&format!(" → #{}", crate::render::escape(channel)));
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
    if found.events_total > 0 {
        text.push_str(&format!(
            "*Recent events* ({} of {}, newest first):\n",
            found.events.len(),
            found.events_total
        ));
        for e in &found.events {
            text.push_str(&format!(
                "• {} · {} · _{}_ · `{}`\n",
                crate::render::format_time(e.received_at, time_zone),
                crate::render::escape(&e.summary),
                e.state,
                crate::render::escape(&e.id)
            ));
        }
    }
    if text.is_empty() {
        text = format!(
            "Nothing matches `{}` in the newest {} events or the projects.",
            filter.replace('`', "'"),
            found.scanned
        );
    }
    text.trim_end().to_owned()
}

/// The filter language in a few lines, for `/switchboard help` and errors.
pub fn language(name: &str) -> String {
    format!(
        "`{name} search FILTER` finds projects and recent events. Terms (all must match): \
         `kind:invoice.*` or `kind:invoices`, `client:\"Acme Ltd\"`, `project:Website`, \
         `staff:jane@example.com`, `state:failed`, `since:7d` (or a date), `amount>1000` \
         (`>=`, `<`, `<=`, `=`), and free words or \"phrases\"."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_551_200_000;

    #[test]
    fn every_field_reads() {
        let terms = parse(
            r#"kind:invoice.* client:"Acme Ltd" project:Website staff:jane@ state:failed since:7d amount>1000 overdue "second reminder""#,
            NOW,
        )
        .unwrap();
        assert_eq!(terms.len(), 9);
        match &terms[0] {
            Term::Kinds(kinds) => {
                assert_eq!(kinds.len(), 4);
                assert!(kinds.iter().all(|k| k.as_str().starts_with("invoice.")));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(terms[1], Term::Client("acme ltd".into()));
        assert_eq!(terms[2], Term::Project("website".into()));
        assert_eq!(terms[3], Term::Staff("jane@".into()));
        assert_eq!(terms[4], Term::State("failed".into()));
        assert_eq!(terms[5], Term::Since(NOW - 7 * 86_400_000));
        assert_eq!(terms[6], Term::Amount(Compare::Greater, 1000.0));
        assert_eq!(terms[7], Term::Word("overdue".into()));
        assert_eq!(terms[8], Term::Word("second reminder".into()));
    }

    #[test]
    fn groups_dates_and_operators() {
        assert!(matches!(&parse("kind:invoices", NOW).unwrap()[0], Term::Kinds(k) if k.len() == 4));
        assert_eq!(
            parse("since:2026-11-01", NOW).unwrap()[0],
            Term::Since(1793491200000)
        );
        assert_eq!(
            parse("amount<=99.5", NOW).unwrap()[0],
            Term::Amount(Compare::LessOrEqual, 99.5)
        );
    }

    #[test]
    fn errors_say_where_and_what_was_expected() {
        let cases = [
            ("kind:", 6, "expected a value after kind:"),
            ("state:lost", 7, "expected a state"),
            ("since:7x", 7, "expected a time span"),
            ("colour:red", 1, "expected a field (kind, client"),
            ("amount>lots", 8, "expected a number after amount>"),
            ("price>5", 1, "only amount compares"),
            ("client:\"Acme", 8, "expected a closing \""),
            ("kind:invoice.paid", 6, "expected an event kind"),
            ("amount>>5", 7, "expected one of >, >=, <, <=, ="),
            (
                "amount > 5",
                1,
                "expected amount and its comparison together",
            ),
        ];
        for (filter, at, expected) in cases {
            let error = parse(filter, NOW).unwrap_err();
            assert_eq!(error.at, at, "{filter}: {error}");
            assert!(error.message.starts_with(expected), "{filter}: {error}");
        }
    }
}
