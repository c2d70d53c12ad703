//! Conversations with staff: what a linked member writes to the app in Slack, shown in the
//! Messages view next to what was sent to them, and the manager's answer.
//!
//! A `message.im` event arrives over Socket Mode ([`crate::inbound`]). From a linked, active
//! member it is kept (once: Slack's `ts` is unique in its channel) with its files, each checked
//! against the allowlist in Settings (default: images and PDF); a refused file is answered with
//! the types that are accepted. Someone not linked is told how to get linked; a group DM is
//! refused with a note (conversations are 1:1). Answers go through the outbox like every
//! message. The manager's reply is a `message.direct` sent with [`crate::dm::send`], urgent
//! (the member just wrote), so it lands in the same DM.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchboard_store::conversations::{self as stored, NewStaffMessage};
use switchboard_store::{audit, outbox, settings, staff as stored_staff};

use crate::dm::{self, Compose, Sent};
use crate::events::Event;
use crate::ingest::Source;
use crate::profile::Profile;
use crate::{Error, Result};

/// The setting holding the accepted file types.
pub const FILE_TYPES_SETTING: &str = "conversations.file_types";
/// Images (by MIME type) and PDF.
pub const DEFAULT_FILE_TYPES: [&str; 2] = ["image/*", "pdf"];
/// A message this long is cut when kept (Slack allows 40,000 characters).
const MAX_TEXT: usize = 40_000;
/// Someone not linked is told how to get linked at most once in this long, however much they
/// write.
const TELL_UNLINKED_EVERY_MS: i64 = 60 * 60 * 1000;

/// A file that came with a message, and whether it was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Slack's short type (`pdf`, `png`, `zip`).
    pub filetype: String,
    pub mimetype: String,
    pub accepted: bool,
}

/// The accepted file types: `image/*`-style MIME patterns and short types or extensions.
pub fn file_types(profile: &Profile) -> Result<Vec<String>> {
    profile.db()?.read(|conn| {
        Ok(settings::get::<Vec<String>>(conn, FILE_TYPES_SETTING)?
            .unwrap_or_else(|| DEFAULT_FILE_TYPES.map(str::to_owned).to_vec()))
    })
}

/// Sets the accepted file types (one or more; `image/*`, `application/pdf`, `pdf`, `docx`…),
/// audited.
pub fn set_file_types(profile: &Profile, types: &[String]) -> Result<Vec<String>> {
    let mut clean: Vec<String> = Vec::new();
    for raw in types.iter().flat_map(|t| t.split([',', ' '])) {
        let t = raw.trim().trim_start_matches('.').to_lowercase();
        if t.is_empty() {
            continue;
        }
        let valid = t.len() <= 80
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '*' | '.' | '-' | '+'))
            && (!t.contains('*') || t.ends_with("/*"));
        if !valid {
            return Err(Error::invalid(
                "file_types",
                format!(
                    "{raw:?} is not a file type: use a short type such as pdf or png, or a MIME type such as image/* or application/pdf."
                ),
            ));
        }
        if !clean.contains(&t) {
            clean.push(t);
        }
    }
    if clean.is_empty() {
        return Err(Error::invalid(
            "file_types",
            "Name at least one file type staff may send (e.g. image/*, pdf).",
        ));
    }
    let actor = profile.actor.clone();
    let now = profile.now_ms();
    profile.db()?.write(|tx| {
        let before = settings::get::<Vec<String>>(tx, FILE_TYPES_SETTING)?
            .unwrap_or_else(|| DEFAULT_FILE_TYPES.map(str::to_owned).to_vec());
        if before != clean {
            settings::set(tx, FILE_TYPES_SETTING, &clean, now)?;
            audit::record(
                tx,
                audit::NewAuditEntry {
                    at: now,
                    actor: &actor,
                    action: "setting.changed",
                    subject: "File types staff may send",
                    old_value: Some(&before.join(", ")),
                    new_value: Some(&clean.join(", ")),
                },
            )?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(clean)
}

/// Whether a file of `filetype`/`mimetype` named `name` is on `allowed`.
pub fn accepts(allowed: &[String], name: &str, filetype: &str, mimetype: &str) -> bool {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_lowercase());
    let filetype = filetype.to_lowercase();
    let mimetype = mimetype.to_lowercase();
    allowed.iter().any(|rule| {
        if let Some(family) = rule.strip_suffix("/*") {
            mimetype.split('/').next() == Some(family)
        } else if rule.contains('/') {
            mimetype == *rule
        } else {
            filetype == *rule || extension.as_deref() == Some(rule.as_str())
        }
    })
}

/// "images and PDF", "PNG, PDF and DOCX": the allowlist in words.
pub fn describe(allowed: &[String]) -> String {
    let words: Vec<String> = allowed
        .iter()
        .map(|t| match t.strip_suffix("/*") {
            Some("image") => "images".to_owned(),
            Some(family) => format!("{family} files"),
            None => match t.rsplit_once('/') {
                Some((_, sub)) => sub.to_uppercase(),
                None => t.to_uppercase(),
            },
        })
        .collect();
    match words.as_slice() {
        [] => "no files".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Handles a direct message Slack sent the app; says what came of it.
pub fn receive(profile: &Profile, payload: &Value) -> String {
    match receive_inner(profile, payload) {
        Ok(outcome) => outcome,
        Err(error) => format!("failed: {error}"),
    }
}

fn receive_inner(profile: &Profile, payload: &Value) -> Result<String> {
    let event = &payload["event"];
    let text_of = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let team_id = payload["team_id"]
        .as_str()
        .or_else(|| event["team"].as_str())
        .unwrap_or_default()
        .to_owned();
    let user_id = text_of(&event["user"]);
    let channel_id = text_of(&event["channel"]);
    let ts = text_of(&event["ts"]);
    match event["subtype"].as_str() {
        None | Some("file_share") => {}
        Some(other) => return Ok(format!("ignored: a {other} message")),
    }
    if event["channel_type"] == "mpim" {
        answer(
            profile,
            &team_id,
            &channel_id,
            None,
            "Switchboard keeps conversations 1:1: write to me in my Messages tab (Apps → Switchboard) and a manager answers you from the console.",
        )?;
        return Ok("refused: a group direct message".into());
    }
    let db = profile.db()?;
    let member = db.read(|conn| {
        let id = stored_staff::linked_to(conn, &team_id, &user_id)?;
        Ok::<_, Error>(match id {
            Some(id) => stored_staff::get(conn, id)?,
            None => None,
        })
    })?;
    let inactive = member.as_ref().is_some_and(|m| !m.active);
    let Some(member) = member.filter(|m| m.active) else {
        let since = profile.now_ms() - TELL_UNLINKED_EVERY_MS;
        let told = db.read(|conn| {
            Ok::<_, Error>(
                !outbox::list(
                    conn,
                    &outbox::Filter {
                        team_id: Some(team_id.clone()),
                        target_id: Some(user_id.clone()),
                        since: Some(since),
                        limit: 1,
                        ..outbox::Filter::default()
                    },
                )?
                .is_empty(),
            )
        })?;
        if told {
            return Ok(format!(
                "not kept: {user_id} is not linked to a staff member (told how to get linked within the hour)"
            ));
        }
        let admins = db.read(|conn| {
            Ok::<_, Error>(stored_staff::names_with_roles(conn, &["owner", "admin"])?)
        })?;
        let ask = match admins.as_slice() {
            [] => "your account owner".to_owned(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        answer(
            profile,
            &team_id,
            &user_id,
            None,
            &if inactive {
                format!(
                    "Hi! Your staff record in Switchboard is deactivated, so no one reads messages here. If that is a mistake, ask {ask} to reactivate you (Switchboard → Staff → your name); then write again."
                )
            } else {
                format!(
                    "Hi! Your Slack account is not linked to a staff member in Switchboard yet, so no one can read this here. Ask {ask} to link you (Switchboard → Staff → your name → Link), or to let you *Sign in with Slack* there; then write again."
                )
            },
        )?;
        if inactive {
            return Ok(format!(
                "answered: {user_id} is linked to a deactivated staff member"
            ));
        }
        return Ok(format!(
            "answered: {user_id} is not linked to a staff member"
        ));
    };
    let allowed = file_types(profile)?;
    let files: Vec<FileView> = event["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let name = f["name"]
                .as_str()
                .or(f["title"].as_str())
                .unwrap_or("file")
                .to_owned();
            let filetype = text_of(&f["filetype"]);
            let mimetype = text_of(&f["mimetype"]);
            FileView {
                accepted: accepts(&allowed, &name, &filetype, &mimetype),
                size: f["size"].as_u64().unwrap_or(0),
                name,
                filetype,
                mimetype,
            }
        })
        .collect();
    let text: String = text_of(&event["text"]).chars().take(MAX_TEXT).collect();
    let files_json = (!files.is_empty())
        .then(|| serde_json::to_string(&files))
        .transpose()
        .map_err(|e| Error::StorageUnavailable(format!("the files could not be kept: {e}")))?;
    let now = profile.now_ms();
    let kept = db.write(|tx| {
        Ok::<_, Error>(stored::record(
            tx,
            &NewStaffMessage {
                staff_id: member.id,
                team_id: &team_id,
                slack_user_id: &user_id,
                channel_id: &channel_id,
                ts: &ts,
                text: &text,
                files_json: files_json.as_deref(),
                received_at: now,
            },
        )?)
    })?;
    if kept.is_none() {
        return Ok("already kept".into());
    }
    profile.emit(Event::ConversationChanged {
        staff_id: member.id,
    });
    let refused: Vec<&FileView> = files.iter().filter(|f| !f.accepted).collect();
    if refused.is_empty() {
        return Ok(format!(
            "kept in the conversation with {}{}",
            member.name,
            if files.is_empty() {
                String::new()
            } else {
                format!(" with {} file(s)", files.len())
            }
        ));
    }
    let names: Vec<String> = refused.iter().map(|f| format!("*{}*", f.name)).collect();
    answer(
        profile,
        &team_id,
        &user_id,
        Some(member.id),
        &format!(
            "Sorry, Switchboard does not take {}: it accepts only {}. Your message{} reached your manager; send the file another way, or as one of those types.",
            names.join(", "),
            describe(&allowed),
            if text.trim().is_empty() {
                "'s other parts"
            } else {
                ""
            },
        ),
    )?;
    Ok(format!(
        "kept in the conversation with {}; refused {}",
        member.name,
        refused
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Queues the manager's answer straight into the DM `wrote` came from (once per `id`).
fn answer_in(
    profile: &Profile,
    member: &stored_staff::Member,
    wrote: &stored::StaffMessage,
    text: &str,
    sender: Option<&str>,
    id: Option<&str>,
) -> Result<Sent> {
    let sender = dm::sender(profile, sender)?;
    let id = id.map_or_else(|| crate::catalog::fresh_id("reply"), str::to_owned);
    let context = format!("from {} via Switchboard", crate::render::escape(&sender));
    let mut payload = message(&crate::render::escape(text.trim()), Some(&context));
    // Kept with the message, so the same answer is queued once.
    payload["reply_id"] = json!(id);
    let payload = payload.to_string();
    let now = profile.now_ms();
    let (outbox_id, duplicate) = profile.db()?.write(|tx| {
        let earlier: Option<i64> = tx
            .query_row(
                "SELECT id FROM outbox WHERE team_id = ?1 AND target_id = ?2
                   AND json_extract(payload_json, '$.reply_id') = ?3",
                switchboard_store::rusqlite::params![wrote.team_id, wrote.channel_id, id],
                |row| row.get(0),
            )
            .ok();
        if let Some(earlier) = earlier {
            return Ok::<_, Error>((earlier, true));
        }
        let queued = outbox::enqueue(
            tx,
            &outbox::Standalone {
                notification_channel_id: None,
                event_id: None,
                team_id: &wrote.team_id,
                target_kind: "dm",
                target_id: &wrote.channel_id,
                staff_id: Some(member.id),
                target_name: Some(&member.name),
                payload_json: &payload,
                now,
            },
        )?;
        Ok((queued, false))
    })?;
    profile.emit(Event::OutboxChanged);
    profile.wake_delivery();
    Ok(Sent {
        event_id: None,
        id,
        kind: crate::EventKind::MessageDirect.as_str().to_owned(),
        staff_id: member.id,
        recipient: member.name.clone(),
        outcome: "queued".into(),
        reason: "conversation".into(),
        sentence: format!("Queued for the direct message {} wrote from.", member.name),
        outbox_id: Some(outbox_id),
        sender,
        duplicate,
    })
}

/// A message as the outbox stores it ([`crate::render::Message`]): `text` (mrkdwn) as its
/// section, and a context line under it when given.
fn message(text: &str, context: Option<&str>) -> Value {
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})];
    if let Some(context) = context {
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}));
    }
    json!(crate::render::Message {
        text: text.to_owned(),
        blocks,
        notes: Vec::new(),
    })
}

/// Queues an answer from the app to `target` (a Slack user, or a group DM's channel).
fn answer(
    profile: &Profile,
    team_id: &str,
    target: &str,
    staff_id: Option<i64>,
    text: &str,
) -> Result<()> {
    let payload = message(text, None).to_string();
    let now = profile.now_ms();
    profile.db()?.write(|tx| {
        // Only to a workspace Switchboard knows (the outbox row names it).
        if switchboard_store::workspaces::get(tx, team_id)?.is_none() {
            return Err(Error::no_workspace(team_id));
        }
        outbox::enqueue(
            tx,
            &outbox::Standalone {
                notification_channel_id: None,
                event_id: None,
                team_id,
                target_kind: "dm",
                target_id: target,
                staff_id,
                target_name: None,
                payload_json: &payload,
                now,
            },
        )?;
        Ok(())
    })?;
    profile.emit(Event::OutboxChanged);
    profile.wake_delivery();
    Ok(())
}

/// One line of a conversation: a message the member wrote, or one sent to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// `in` (the member wrote it) or `out` (sent to them).
    pub direction: &'static str,
    /// The staff message's id (`in`) or the outbox row's (`out`).
    pub id: i64,
    /// Unix milliseconds: received, or queued.
    pub at: i64,
    /// mrkdwn as Slack shows it.
    pub text: String,
    pub files: Vec<FileView>,
    /// `out`: the event kind (`message.direct`, `vacation.requested`…), if it was an event.
    pub kind: Option<String>,
    /// `out`: `pending`, `sending`, `sent`, `failed`, `held`, `discarded`.
    pub state: Option<String>,
    pub error: Option<String>,
    pub permalink: Option<String>,
    /// `in`: when a manager first saw it.
    pub read_at: Option<i64>,
}

/// A member's conversation, newest first: up to `limit` lines older than `before` (Unix ms).
pub fn thread(
    profile: &Profile,
    staff_id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Line>> {
    if !(1..=500).contains(&limit) {
        return Err(Error::invalid("limit", "Ask for 1 to 500 lines at a time."));
    }
    profile.db()?.read(|conn| {
        if stored_staff::get(conn, staff_id)?.is_none() {
            return Err(Error::NotFound {
                what: "staff member",
                message: format!("No staff member #{staff_id}: reload Staff."),
            });
        }
        let cutoff = before.unwrap_or(i64::MAX);
        let mut lines: Vec<Line> = Vec::new();
        let mut older = None;
        // Walk both lists newest first until `limit` lines older than the cutoff are found.
        loop {
            let page = stored::of_staff(conn, staff_id, older, 200)?;
            let done = page.len() < 200;
            older = page.last().map(|m| m.id);
            for m in page.into_iter().filter(|m| m.received_at < cutoff) {
                lines.push(Line {
                    direction: "in",
                    id: m.id,
                    at: m.received_at,
                    text: m.text,
                    files: m
                        .files_json
                        .as_deref()
                        .and_then(|j| serde_json::from_str(j).ok())
                        .unwrap_or_default(),
                    kind: None,
                    state: None,
                    error: None,
                    permalink: None,
                    read_at: m.read_at,
                });
            }
            if done || lines.len() >= limit as usize {
                break;
            }
        }
        let mut before_id = None;
        let mut out = 0;
        loop {
            let page = outbox::list(
                conn,
                &outbox::Filter {
                    staff_id: Some(staff_id),
                    before: before_id,
                    limit: 200,
                    ..outbox::Filter::default()
                },
            )?;
            let done = page.len() < 200;
            before_id = page.last().map(|r| r.id);
            for row in page
                .into_iter()
                .filter(|r| r.target_kind == "dm" && r.created_at < cutoff)
            {
                let text = outbox::payload(conn, row.id)?
                    .and_then(|p| serde_json::from_str::<Value>(&p).ok())
                    .and_then(|p| p["text"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                out += 1;
                lines.push(Line {
                    direction: "out",
                    id: row.id,
                    at: row.created_at,
                    text,
                    files: Vec::new(),
                    kind: row.kind,
                    state: Some(row.state),
                    error: row.last_error,
                    permalink: row.permalink,
                    read_at: None,
                });
            }
            if done || out >= limit {
                break;
            }
        }
        lines.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        lines.truncate(limit as usize);
        Ok(lines)
    })
}

/// Marks what member `staff_id` wrote as read.
pub fn mark_read(profile: &Profile, staff_id: i64) -> Result<u64> {
    let now = profile.now_ms();
    let marked = profile
        .db()?
        .write(|tx| Ok::<_, Error>(stored::mark_read(tx, staff_id, now)?))?;
    if marked > 0 {
        profile.emit(Event::ConversationChanged { staff_id });
    }
    Ok(marked)
}

/// Members with unread messages: their id, how many, and when the newest came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unread {
    pub staff_id: i64,
    pub name: String,
    pub count: u32,
    pub newest_at: i64,
}

/// Who wrote what nobody has read yet, newest first.
pub fn unread(profile: &Profile) -> Result<Vec<Unread>> {
    profile.db()?.read(|conn| {
        let mut out = Vec::new();
        for (staff_id, count, newest_at) in stored::unread(conn)? {
            let name = stored_staff::get(conn, staff_id)?
                .map(|m| m.name)
                .unwrap_or_default();
            out.push(Unread {
                staff_id,
                name,
                count,
                newest_at,
            });
        }
        Ok(out)
    })
}

/// The manager's answer to member `staff_id`, into the DM they last wrote from, with `id` as
/// its idempotency key. When that is where their messages go anyway (the app's DM in the
/// workspace they are linked in) it is a `message.direct` event like any other, urgent (they
/// just wrote); when their messages go elsewhere (a channel they chose, another workspace) it
/// is queued straight into the DM they wrote from, so the conversation stays in one place.
pub fn reply(
    profile: &Profile,
    staff_id: i64,
    text: &str,
    sender: Option<&str>,
    id: Option<&str>,
) -> Result<Sent> {
    if text.trim().is_empty() {
        return Err(Error::invalid("text", "Write the answer first."));
    }
    let (member, last) = profile.db()?.read(|conn| {
        let member = stored_staff::get(conn, staff_id)?.ok_or_else(|| Error::NotFound {
            what: "staff member",
            message: format!("No staff member #{staff_id}: reload Staff."),
        })?;
        let last = stored::of_staff(conn, staff_id, None, 1)?
            .into_iter()
            .next();
        Ok::<_, Error>((member, last))
    })?;
    let same_dm = match (&member.link, &last) {
        (_, None) => true,
        (Some(link), Some(wrote)) => {
            link.team_id == wrote.team_id
                && link.slack_user_id == wrote.slack_user_id
                && link.dm_choice == "app"
        }
        (None, Some(_)) => false,
    };
    if let (false, Some(wrote)) = (same_dm, &last) {
        let sent = answer_in(profile, &member, wrote, text, sender, id)?;
        mark_read(profile, staff_id)?;
        return Ok(sent);
    }
    let sent = dm::send(
        profile,
        &Compose {
            to: format!("#{staff_id}"),
            purpose: "text".into(),
            text: Some(text.to_owned()),
            urgent: true,
            sender: sender.map(str::to_owned),
            id: id.map(str::to_owned),
            ..Compose::default()
        },
        Source::Ui,
    )?;
    mark_read(profile, staff_id)?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        DEFAULT_FILE_TYPES.map(str::to_owned).to_vec()
    }

    #[test]
    fn images_and_pdf_are_accepted_by_default_and_nothing_else() {
        let allowed = defaults();
        assert!(accepts(&allowed, "photo.heic", "heic", "image/heic"));
        assert!(accepts(&allowed, "scan.PDF", "pdf", "application/pdf"));
        assert!(!accepts(&allowed, "tools.zip", "zip", "application/zip"));
        assert!(!accepts(
            &allowed,
            "run.exe",
            "binary",
            "application/octet-stream"
        ));
        assert_eq!(describe(&allowed), "images and PDF");
    }

    #[test]
    fn rules_match_by_mime_type_short_type_or_extension() {
        let allowed = vec!["application/pdf".to_owned(), "docx".to_owned()];
        assert!(accepts(&allowed, "a.pdf", "pdf", "application/pdf"));
        assert!(accepts(&allowed, "b.docx", "", ""));
        assert!(!accepts(&allowed, "c.png", "png", "image/png"));
        assert_eq!(describe(&allowed), "PDF and DOCX");
    }
}
