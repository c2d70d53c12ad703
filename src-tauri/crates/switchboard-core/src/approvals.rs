//! Approvals decided in Slack: the **Approve** and **Reject** buttons on a timesheet-approval or
//! vacation-request message, the modal that asks why a request is rejected, and the record of
//! each decision.
//!
//! A click arrives over Socket Mode as a `block_actions` envelope and is handled after its
//! ack ([`crate::inbound`]). Only the approver the message was sent to may decide, once: a
//! second click or someone else's gets a polite ephemeral answer through the interaction's
//! `response_url`. A decision is kept in one transaction with the webhook call that tells the
//! business application ([`crate::webhook`], through the outbox); then the message is updated
//! in place to show the decision, who made it and when, without its buttons.

use serde_json::{Value, json};
use switchboard_store::decisions::{self as stored, Kept, NewDecision};
use switchboard_store::{events as stored_events, outbox, staff as stored_staff};

use crate::event_kind::EventKind;
use crate::events::Event;
use crate::profile::Profile;
use crate::render::{self, Message};
use crate::{Error, Result};

/// The block holding an approval request's buttons (and its link button, if any).
pub const BLOCK_ID: &str = "switchboard_approval";
pub const APPROVE: &str = "approval.approve";
pub const REJECT: &str = "approval.reject";
/// The reject modal's `callback_id`, and its reason input's block and action id.
pub const REJECT_VIEW: &str = "approval.reject_reason";
pub const REASON: &str = "reason";
/// Slack's limit for a plain-text input is 3,000 characters; a reason needs far fewer.
const MAX_REASON: usize = 1_000;

/// Whether `kind` is an approval request that carries buttons.
pub fn is_approval(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::TimesheetApproval | EventKind::VacationRequested
    )
}

/// The Approve and Reject buttons of request `event_key`.
pub fn buttons(event_key: &str) -> [Value; 2] {
    [
        json!({
            "type": "button",
            "action_id": APPROVE,
            "text": {"type": "plain_text", "text": "Approve", "emoji": true},
            "style": "primary",
            "value": event_key,
        }),
        json!({
            "type": "button",
            "action_id": REJECT,
            "text": {"type": "plain_text", "text": "Reject", "emoji": true},
            "style": "danger",
            "value": event_key,
        }),
    ]
}

/// A click or submission, as far as deciding needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Click {
    team_id: String,
    user_id: String,
    channel_id: String,
    message_ts: String,
    event_key: String,
}

/// What the request and its approver are, read in one go.
struct Request {
    event_id: i64,
    kind: EventKind,
    /// The approver's staff id and name.
    approver: Option<(i64, String)>,
    /// The outbox row that posted the message.
    outbox_id: i64,
}

/// Why a click decides nothing, said to the person who clicked.
enum Refusal {
    Unknown,
    Already(Box<stored::Decision>),
    NotApprover(Option<String>),
}

impl Refusal {
    fn sentence(&self, time_zone: &str) -> String {
        match self {
            Refusal::Unknown => "Switchboard does not know this request any more, so nothing was recorded. Decide it in the business application.".into(),
            Refusal::Already(decision) => format!(
                "This request was already {} by {} on {}; nothing changed.",
                decision.decision,
                decision.decided_by,
                render::format_time(decision.decided_at, time_zone)
            ),
            Refusal::NotApprover(Some(name)) => format!(
                "Only {name}, who was asked to approve this request, can approve or reject it; nothing was recorded."
            ),
            Refusal::NotApprover(None) => "Only the approver this request was sent to can approve or reject it; nothing was recorded.".into(),
        }
    }

    fn outcome(&self) -> String {
        match self {
            Refusal::Unknown => "refused: unknown request".into(),
            Refusal::Already(d) => format!("refused: already {} by {}", d.decision, d.decided_by),
            Refusal::NotApprover(_) => "refused: not the approver".into(),
        }
    }
}

/// Reads the request of `click` and checks the clicker may decide it.
fn check(profile: &Profile, click: &Click) -> Result<std::result::Result<Request, Refusal>> {
    profile.db()?.read(|conn| {
        let Some(event) = stored_events::find_by_key(conn, &click.event_key)? else {
            return Ok(Err(Refusal::Unknown));
        };
        let Some(kind) = event
            .kind
            .parse::<EventKind>()
            .ok()
            .filter(|k| is_approval(*k))
        else {
            return Ok(Err(Refusal::Unknown));
        };
        if let Some(decision) = stored::for_event(conn, event.id)? {
            return Ok(Err(Refusal::Already(Box::new(decision))));
        }
        let rows = outbox::list(
            conn,
            &outbox::Filter {
                event_id: Some(event.id),
                limit: 100,
                ..outbox::Filter::default()
            },
        )?;
        let Some(row) = rows.iter().find(|r| {
            r.target_kind == "dm" && r.slack_ts.as_deref() == Some(click.message_ts.as_str())
        }) else {
            return Ok(Err(Refusal::Unknown));
        };
        let approver = match row.staff_id {
            Some(id) => stored_staff::get(conn, id)?.map(|m| (m.id, m.name)),
            None => None,
        };
        let clicker = stored_staff::linked_to(conn, &click.team_id, &click.user_id)?;
        let is_approver = match (&approver, clicker) {
            (Some((approver, _)), Some(clicker)) => *approver == clicker,
            // A message to a Slack user nobody is linked to any more: that user decides.
            (None, _) => row.target_id == click.user_id,
            _ => false,
        };
        if !is_approver {
            return Ok(Err(Refusal::NotApprover(approver.map(|(_, name)| name))));
        }
        Ok(Ok(Request {
            event_id: event.id,
            kind,
            approver,
            outbox_id: row.id,
        }))
    })
}

fn click_of(payload: &Value, event_key: &str) -> Click {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Click {
        team_id: text(&payload["team"]["id"]),
        user_id: text(&payload["user"]["id"]),
        channel_id: payload["container"]["channel_id"]
            .as_str()
            .or_else(|| payload["channel"]["id"].as_str())
            .unwrap_or_default()
            .to_owned(),
        message_ts: text(&payload["container"]["message_ts"]),
        event_key: event_key.to_owned(),
    }
}

/// Handles a `block_actions` payload whose action is one of the approval buttons; says what
/// came of it. Other actions (the link button) need nothing.
pub async fn handle_action(profile: &Profile, payload: &Value) -> String {
    let Some(action) = payload["actions"].as_array().and_then(|a| a.first()) else {
        return "ignored: a block action without an action".into();
    };
    let action_id = action["action_id"].as_str().unwrap_or_default();
    if action_id != APPROVE && action_id != REJECT {
        return format!("ignored: nothing to do for the button {action_id:?}");
    }
    let click = click_of(payload, action["value"].as_str().unwrap_or_default());
    let response_url = payload["response_url"].as_str().unwrap_or_default();
    let request = match check(profile, &click) {
        Ok(Ok(request)) => request,
        Ok(Err(refusal)) => {
            tell(
                profile,
                response_url,
                &refusal.sentence(&crate::ingest::time_zone_or_utc(profile, &click.team_id)),
            )
            .await;
            return refusal.outcome();
        }
        Err(error) => {
            tell(
                profile,
                response_url,
                &format!("Switchboard could not record this ({error}); nothing changed. Try again in a moment."),
            )
            .await;
            return format!("failed: {error}");
        }
    };
    if action_id == APPROVE {
        return decide(profile, &click, &request, "approved", None).await;
    }
    let trigger_id = payload["trigger_id"].as_str().unwrap_or_default();
    match open_reason_modal(profile, &click, &request, trigger_id).await {
        Ok(()) => "asked for a reason to reject".into(),
        Err(error) => {
            tell(
                profile,
                response_url,
                &format!("Slack did not open the form for a reason ({error}); nothing was recorded. Click Reject again."),
            )
            .await;
            format!("failed to ask for a reason: {error}")
        }
    }
}

async fn open_reason_modal(
    profile: &Profile,
    click: &Click,
    request: &Request,
    trigger_id: &str,
) -> Result<()> {
    let what = match request.kind {
        EventKind::VacationRequested => "vacation request",
        _ => "timesheet",
    };
    let metadata = json!({
        "event": click.event_key,
        "channel": click.channel_id,
        "ts": click.message_ts,
    });
    let view = json!({
        "type": "modal",
        "callback_id": REJECT_VIEW,
        "private_metadata": metadata.to_string(),
        "title": {"type": "plain_text", "text": "Reject request"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn",
                "text": format!("Say why you reject this {what}; the business application records it with your decision.")}},
            {"type": "input", "block_id": REASON, "label": {"type": "plain_text", "text": "Reason"},
             "element": {"type": "plain_text_input", "action_id": REASON, "multiline": true,
                         "max_length": MAX_REASON,
                         "placeholder": {"type": "plain_text", "text": "e.g. The team is short that week"}}},
        ],
    });
    let (token, _) = crate::tokens::fresh_token(profile, &click.team_id).await?;
    profile
        .slack()?
        .views_open(&token, trigger_id, &view)
        .await
        .map_err(Error::from)?;
    Ok(())
}

/// What a reject modal's submission says: the request and the reason, or why it cannot be
/// read.
fn submission(payload: &Value) -> Option<(Click, String)> {
    let view = &payload["view"];
    if view["callback_id"] != REJECT_VIEW {
        return None;
    }
    let metadata: Value = serde_json::from_str(view["private_metadata"].as_str()?).ok()?;
    let reason = view["state"]["values"][REASON][REASON]["value"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Some((
        Click {
            team_id: text(&payload["team"]["id"]),
            user_id: text(&payload["user"]["id"]),
            channel_id: text(&metadata["channel"]),
            message_ts: text(&metadata["ts"]),
            event_key: text(&metadata["event"]),
        },
        reason,
    ))
}

/// The ack of a `view_submission`: `None` closes the modal (the rejection is recorded after
/// the ack); `response_action: errors` keeps it open with the reason it cannot be taken, as
/// Slack lets an app do only in the ack.
pub fn submission_ack(profile: &Profile, payload: &Value) -> Option<Value> {
    let (click, reason) = submission(payload)?;
    let error = if reason.is_empty() {
        Some("Say why, so the requester knows.".to_owned())
    } else if reason.chars().count() > MAX_REASON {
        Some(format!("At most {MAX_REASON} characters, please."))
    } else {
        match check(profile, &click) {
            Ok(Ok(_)) => None,
            Ok(Err(refusal)) => {
                Some(refusal.sentence(&crate::ingest::time_zone_or_utc(profile, &click.team_id)))
            }
            Err(error) => Some(format!(
                "Switchboard could not record this ({error}). Try again in a moment."
            )),
        }
    };
    error.map(|e| json!({"response_action": "errors", "errors": {REASON: e}}))
}

/// Records the rejection a submitted modal carries.
pub async fn handle_submission(profile: &Profile, payload: &Value) -> String {
    let Some((click, reason)) = submission(payload) else {
        return "ignored: a view Switchboard did not open".into();
    };
    if reason.is_empty() {
        return "refused: no reason given".into();
    }
    match check(profile, &click) {
        Ok(Ok(request)) => decide(profile, &click, &request, "rejected", Some(&reason)).await,
        Ok(Err(refusal)) => refusal.outcome(),
        Err(error) => format!("failed: {error}"),
    }
}

/// Keeps the decision with, in the same transaction, the update that shows it on the message
/// and the webhook call that tells the business application: the outbox sends both, retrying
/// until Slack and the receiver take them, so neither is lost to a crash or an outage.
async fn decide(
    profile: &Profile,
    click: &Click,
    request: &Request,
    decision: &str,
    reason: Option<&str>,
) -> String {
    let now = profile.now_ms();
    let decided_by = request
        .approver
        .as_ref()
        .map_or_else(|| format!("<@{}>", click.user_id), |(_, name)| name.clone());
    let time_zone = crate::ingest::time_zone_or_utc(profile, &click.team_id);
    let kept = profile.db().and_then(|db| {
        db.write(|tx| {
            let kept = stored::record(
                tx,
                &NewDecision {
                    event_id: request.event_id,
                    decision,
                    reason,
                    team_id: &click.team_id,
                    slack_user_id: &click.user_id,
                    staff_id: request.approver.as_ref().map(|(id, _)| *id),
                    decided_by: &decided_by,
                    decided_at: now,
                    channel_id: &click.channel_id,
                    message_ts: &click.message_ts,
                },
            )?;
            if let Kept::New(id) = kept {
                let decision_row = stored::get(tx, id)?
                    .ok_or_else(|| Error::not_found("the decision just recorded"))?;
                let posted = outbox::payload(tx, request.outbox_id)?
                    .ok_or_else(|| Error::not_found("the approval message"))?;
                let posted: Message = serde_json::from_str(&posted).map_err(|e| {
                    Error::invalid(
                        "payload",
                        format!("the stored message cannot be read ({e})"),
                    )
                })?;
                let shown =
                    decided_message(&posted, decision, &decided_by, reason, now, &time_zone);
                let update = json!({
                    "channel": click.channel_id,
                    "ts": click.message_ts,
                    "text": shown.text,
                    "blocks": shown.blocks,
                })
                .to_string();
                outbox::enqueue(
                    tx,
                    &outbox::Standalone {
                        notification_channel_id: None,
                        event_id: Some(request.event_id),
                        team_id: &click.team_id,
                        target_kind: "update",
                        target_id: &click.channel_id,
                        staff_id: None,
                        target_name: None,
                        payload_json: &update,
                        now,
                    },
                )?;
                crate::webhook::queue_decision(tx, &decision_row, now)?;
            }
            Ok::<_, Error>(kept)
        })
    });
    let id = match kept {
        Ok(Kept::New(id)) => id,
        Ok(Kept::Already(earlier)) => {
            return Refusal::Already(earlier).outcome();
        }
        Err(error) => return format!("failed: {error}"),
    };
    profile.emit(Event::DecisionMade { decision_id: id });
    profile.emit(Event::OutboxChanged);
    profile.wake_delivery();
    format!("{decision} by {decided_by}")
}

/// The message as it was posted, its approval buttons replaced by the decision.
pub fn decided_message(
    posted: &Message,
    decision: &str,
    decided_by: &str,
    reason: Option<&str>,
    decided_at_ms: i64,
    time_zone: &str,
) -> Message {
    let mark = if decision == "approved" {
        ":white_check_mark:"
    } else {
        ":x:"
    };
    let verb = if decision == "approved" {
        "Approved"
    } else {
        "Rejected"
    };
    let seconds = decided_at_ms.div_euclid(1000);
    let fallback = render::format_time(decided_at_ms, time_zone);
    // A Slack user no staff member is linked to is named by a mention, which Slack shows as
    // their name; a staff member's name is text.
    let who = if decided_by.starts_with("<@") && decided_by.ends_with('>') {
        decided_by.to_owned()
    } else {
        render::escape(decided_by)
    };
    let mut line = format!(
        "{mark} *{verb}* by {who} on <!date^{seconds}^{{date_short_pretty}} at {{time}}|{fallback}>"
    );
    if let Some(reason) = reason {
        line.push_str(&format!(": {}", render::escape(reason)));
    }
    let mut blocks = Vec::with_capacity(posted.blocks.len() + 1);
    for block in &posted.blocks {
        if block["block_id"] == BLOCK_ID {
            let kept: Vec<Value> = block["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["action_id"] != APPROVE && e["action_id"] != REJECT)
                .cloned()
                .collect();
            if !kept.is_empty() {
                let mut block = block.clone();
                block["elements"] = Value::from(kept);
                blocks.push(block);
            }
        } else {
            blocks.push(block.clone());
        }
    }
    blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": line}}));
    Message {
        text: format!("{} ({} by {decided_by})", posted.text, verb.to_lowercase()),
        blocks,
        notes: Vec::new(),
    }
}

/// An ephemeral answer to the person who clicked; a failure is only logged (the outcome
/// already says what happened).
async fn tell(profile: &Profile, response_url: &str, text: &str) {
    if response_url.is_empty() {
        return;
    }
    let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
    match profile.slack() {
        Ok(slack) => {
            if let Err(error) = slack.respond(response_url, &body).await {
                tracing::warn!("an answer to a click could not be sent: {error}");
            }
        }
        Err(error) => tracing::warn!("an answer to a click could not be sent: {error}"),
    }
}

/// A decision as the console and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecisionView {
    pub id: i64,
    /// The request's id as the business application sent it.
    pub request_id: String,
    pub kind: String,
    /// The requester's email.
    pub staff: Option<String>,
    /// The requester's name, when they are a staff member.
    pub staff_name: Option<String>,
    /// `approved` or `rejected`.
    pub decision: String,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_by_slack_user: String,
    pub team_id: String,
    /// Unix milliseconds.
    pub decided_at: i64,
    /// Whether the Slack message shows the decision yet (its update is sent through the
    /// outbox); `message_error` says why not when Slack refused or could not be reached.
    pub message_updated: bool,
    pub message_error: Option<String>,
    /// The webhook call: `pending`, `sending`, `sent`, `failed`, `held`, `discarded`; `None`
    /// when no webhook URL was set at the time.
    pub webhook_state: Option<String>,
    pub webhook_attempts: i64,
    pub webhook_error: Option<String>,
}

impl DecisionView {
    /// When it was decided, as RFC 3339 (UTC).
    pub fn decided_at_rfc3339(&self) -> String {
        jiff::Timestamp::from_millisecond(self.decided_at)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }
}

impl From<stored::Decision> for DecisionView {
    fn from(d: stored::Decision) -> Self {
        DecisionView {
            id: d.id,
            request_id: d.event_key,
            kind: d.kind,
            staff: d.staff_email,
            staff_name: d.staff_name,
            decision: d.decision,
            reason: d.reason,
            decided_by: d.decided_by,
            decided_by_slack_user: d.slack_user_id,
            team_id: d.team_id,
            decided_at: d.decided_at,
            message_updated: d.update.as_ref().is_some_and(|u| u.state == "sent"),
            message_error: d
                .update
                .as_ref()
                .filter(|u| u.state != "sent")
                .and_then(|u| u.last_error.clone()),
            webhook_state: d.webhook.as_ref().map(|w| w.state.clone()),
            webhook_attempts: d.webhook.as_ref().map_or(0, |w| w.attempts),
            webhook_error: d.webhook.and_then(|w| w.last_error),
        }
    }
}

/// Decisions newest first, `limit` at most (1 to 1,000).
pub fn list(profile: &Profile, limit: u32) -> Result<Vec<DecisionView>> {
    if !(1..=1_000).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            "Say how many decisions, from 1 to 1000.",
        ));
    }
    let rows = profile
        .db()?
        .read(|conn| stored::list(conn, limit).map_err(Error::from))?;
    Ok(rows.into_iter().map(DecisionView::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(link: bool) -> Message {
        let mut elements: Vec<Value> = buttons("vac-1").into();
        if link {
            elements.push(
                json!({"type": "button", "action_id": "open_link", "url": "https://x.example/1",
                "text": {"type": "plain_text", "text": "Open request"}}),
            );
        }
        Message {
            text: "Jane requested vacation".into(),
            blocks: vec![
                json!({"type": "section", "text": {"type": "mrkdwn", "text": "Jane requested vacation"}}),
                json!({"type": "actions", "block_id": BLOCK_ID, "elements": elements}),
            ],
            notes: vec![],
        }
    }

    #[test]
    fn a_decided_message_keeps_the_link_and_loses_the_buttons() {
        let at = 1_796_551_200_000; // 2026-12-06 10:00 UTC
        let message = decided_message(&posted(true), "approved", "Tom <Boss>", None, at, "UTC");
        assert_eq!(message.blocks.len(), 3);
        let actions = &message.blocks[1]["elements"];
        assert_eq!(actions.as_array().unwrap().len(), 1);
        assert_eq!(actions[0]["action_id"], "open_link");
        let line = message.blocks[2]["text"]["text"].as_str().unwrap();
        assert!(
            line.starts_with(
                ":white_check_mark: *Approved* by Tom &lt;Boss&gt; on <!date^1796551200^"
            ),
            "{line}"
        );
        assert!(
            message.text.ends_with("(approved by Tom <Boss>)"),
            "{}",
            message.text
        );
    }

    #[test]
    fn an_approver_nobody_is_linked_to_is_mentioned_not_escaped() {
        let message = decided_message(&posted(false), "approved", "<@U0123>", None, 0, "UTC");
        let line = message.blocks[1]["text"]["text"].as_str().unwrap();
        assert!(line.contains("*Approved* by <@U0123> on"), "{line}");
    }

    #[test]
    fn a_rejection_without_a_link_drops_the_block_and_says_why() {
        let message = decided_message(
            &posted(false),
            "rejected",
            "Tom",
            Some("Short <staffed>"),
            0,
            "UTC",
        );
        assert_eq!(message.blocks.len(), 2);
        assert!(message.blocks.iter().all(|b| b["block_id"] != BLOCK_ID));
        let line = message.blocks[1]["text"]["text"].as_str().unwrap();
        assert!(line.starts_with(":x: *Rejected* by Tom on"), "{line}");
        assert!(line.ends_with(": Short &lt;staffed&gt;"), "{line}");
    }

    #[test]
    fn a_submission_reads_the_request_and_the_reason() {
        let payload = json!({
            "type": "view_submission",
            "team": {"id": "T1"}, "user": {"id": "U2"},
            "view": {"callback_id": REJECT_VIEW,
                     "private_metadata": json!({"event": "vac-1", "channel": "D1", "ts": "1.2"}).to_string(),
                     "state": {"values": {"reason": {"reason": {"type": "plain_text_input", "value": "  busy  "}}}}},
        });
        let (click, reason) = submission(&payload).unwrap();
        assert_eq!(reason, "busy");
        assert_eq!(
            click,
            Click {
                team_id: "T1".into(),
                user_id: "U2".into(),
                channel_id: "D1".into(),
                message_ts: "1.2".into(),
                event_key: "vac-1".into(),
            }
        );
        let other = json!({"view": {"callback_id": "something_else"}});
        assert!(submission(&other).is_none());
    }
}
