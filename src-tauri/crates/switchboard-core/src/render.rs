//! The Slack message for a validated event: what the owner reads in the channel or DM.
//!
//! [`render`] turns an [`Event`] into a [`Message`]: the mrkdwn text (the owner's template for
//! the kind, or the default wording), a context line with the time in the workspace's zone and
//! the project, and a link button when the event carries `data.link`. It is a pure function,
//! so the console's previews, the outbox and the tests all see the same message.
//!
//! Three rules hold for every message:
//! - Every value that comes from outside (event data, project and staff names) goes through
//!   [`escape`], so an event can never mention, link or broadcast (`<!channel>`, `@here`). The
//!   owner's template keeps its mrkdwn (`*bold*`, `<https://…|links>`), but mentions and
//!   broadcasts written in it are shown as text too.
//! - Slack's limits are met by shortening, never by failing: the message still goes out and
//!   [`Message::notes`] says what was cut.
//! - Optional values read well when absent: the default wording leaves out the parts it has no
//!   value for, and a template line whose placeholders are all empty is left out.
//!
//! Templates use `{name}` placeholders ([`placeholders`] lists a kind's), `{{` and `}}` for
//! literal braces; [`lint`] checks a template before the owner saves it.

use std::collections::BTreeMap;

use jiff::fmt::strtime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, civil};
use serde_json::{Value, json};

use crate::EventKind;
use crate::catalog::{Event, FieldType};

/// What rendering needs besides the event.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// IANA time zone of the workspace, e.g. "Europe/Berlin"; unknown names fall back to UTC.
    pub time_zone: &'a str,
    /// The project's display name (events name projects by external id).
    pub project_name: Option<&'a str>,
    /// The staff member's display name (events name staff by email).
    pub staff_name: Option<&'a str>,
    /// The owner's template for this kind (mrkdwn with {placeholders}); None = the default.
    pub template: Option<&'a str>,
    /// Who sends a direct message, named in its context line ("from Jane Doe via
    /// Switchboard"); `None` for channel messages.
    pub sender: Option<&'a str>,
}

/// A message ready for `chat.postMessage`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// The fallback/notification `text` (plain mrkdwn, never empty).
    pub text: String,
    /// Block Kit blocks: a section with the mrkdwn text, a context line with time and project,
    /// and an `actions` block with one link button when the event has `data.link`.
    pub blocks: Vec<Value>,
    /// Notes about what was shortened to fit Slack's limits (empty normally).
    pub notes: Vec<String>,
}

/// A problem [`lint`] found in a template.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LintWarning {
    /// The placeholder's name as written (`ammount`), or the text at fault (`{`, `<!channel>`).
    pub placeholder: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// Slack's limits (`slack-api.md` §5).
const MAX_BLOCKS: usize = 50;
const MAX_SECTION_TEXT: usize = 3_000;
const MAX_TEXT: usize = 40_000;
const MAX_BUTTON_TEXT: usize = 75;
const MAX_BUTTON_URL: usize = 3_000;

const SECTION_NOTE: &str =
    "The message was shortened to fit Slack's 3,000-character section limit.";
const TEXT_NOTE: &str =
    "The notification text was shortened to fit Slack's 40,000-character message limit.";
const CONTEXT_NOTE: &str =
    "The time and project line was shortened to fit Slack's 3,000-character text limit.";
const BUTTON_TEXT_NOTE: &str =
    "The button text was shortened to fit Slack's 75-character button limit.";
const BUTTON_URL_NOTE: &str =
    "The link button was left out: its link is longer than Slack's 3,000-character button limit.";
const BLOCKS_NOTE: &str = "Blocks beyond Slack's limit of 50 a message were left out.";
const EMPTY_TEMPLATE_NOTE: &str =
    "The template rendered no text for this event, so the default wording was used.";

/// Inserted after the `@` of `@channel`, `@here` and `@everyone` so that no client turns the
/// word into a broadcast; it is invisible.
const WORD_JOINER: char = '\u{2060}';
const BROADCASTS: [&str; 3] = ["channel", "here", "everyone"];
/// The only entities Slack knows (`slack-api.md` §5); any other `&` is a literal ampersand.
const ENTITIES: [&str; 3] = ["&amp;", "&lt;", "&gt;"];
/// What an owner's template may keep between `<` and `>`: links and date formatting. Anything
/// else there (`<!channel>`, `<@U…>`, `<#C…>`, `<!subteam^…>`) would notify people.
const KEPT_LINKS: [&str; 4] = ["http://", "https://", "mailto:", "!date^"];

/// Placeholders every kind offers besides its data fields.
const COMMON_PLACEHOLDERS: [&str; 6] = [
    "kind",
    "kind_label",
    "project",
    "staff",
    "occurred_at",
    "sender",
];

/// Stands in, while a message is put together, for a placeholder that had no value, so that
/// [`tidy`] can clean up around it ("(…)" left empty, a dangling ": "). A private-use
/// character, removed from every value and template first, so it never comes from outside.
const EMPTY: char = '\u{E000}';
/// Separators that are dropped between two empty placeholders or before a closing bracket.
const SEPARATORS: [&str; 10] = ["", " ", ", ", "; ", ": ", " / ", " · ", " - ", " – ", " — "];
/// Markup that is dropped when it wraps nothing but an empty placeholder.
const WRAPPERS: [(char, char); 5] = [('(', ')'), ('*', '*'), ('_', '_'), ('~', '~'), ('`', '`')];
/// Punctuation dropped when it ends a line right before an empty placeholder.
const DANGLING: [char; 8] = [':', ',', ';', '-', '–', '—', '·', '/'];

/// The placeholders' values: escaped mrkdwn, only those that are present and not blank.
type Values = BTreeMap<&'static str, String>;

/// Renders the Slack message for a validated event.
pub fn render(event: &Event, ctx: &Context<'_>) -> Message {
    let values = values(event, ctx);
    let mut notes = Vec::new();

    let template = ctx.template.filter(|t| !t.trim().is_empty());
    let mut body = match template {
        Some(template) => finish(&substitute(template, &values)),
        None => default_body(event, &values),
    };
    if template.is_some() && body.trim().is_empty() {
        // An empty section is refused by Slack; the default wording says what happened.
        note(&mut notes, EMPTY_TEMPLATE_NOTE);
        body = default_body(event, &values);
    }
    if body.trim().is_empty() {
        body = escape(event.kind.label());
    }

    let text = fit(&body, MAX_TEXT, true, &mut notes, TEXT_NOTE);
    let section = fit(&body, MAX_SECTION_TEXT, true, &mut notes, SECTION_NOTE);
    let context = fit(
        &context_line(&values),
        MAX_SECTION_TEXT,
        true,
        &mut notes,
        CONTEXT_NOTE,
    );

    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": section}}),
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}),
    ];
    let link = link_button(event, &mut notes);
    if crate::approvals::is_approval(event.kind)
        && !matches!(raw(event, "decision"), Some("approved" | "rejected"))
    {
        // A request: Approve and Reject beside the link, answered over Socket Mode.
        let mut elements: Vec<Value> = crate::approvals::buttons(&event.id).into();
        if let Some(link) = &link {
            elements.extend(link["elements"].as_array().into_iter().flatten().cloned());
        }
        blocks.push(json!({
            "type": "actions",
            "block_id": crate::approvals::BLOCK_ID,
            "elements": elements,
        }));
    } else if let Some(button) = link {
        blocks.push(button);
    }
    // Three blocks today; the check keeps the limit true if more blocks are added.
    if blocks.len() > MAX_BLOCKS {
        blocks.truncate(MAX_BLOCKS);
        note(&mut notes, BLOCKS_NOTE);
    }

    Message {
        text,
        blocks,
        notes,
    }
}

/// One plain line about an event, for lists (the Activity timeline): the first line of its
/// default wording without emoji codes, mrkdwn marks or entities, e.g. "Invoice 1042 for
/// Globex GmbH (€1,250.00) was sent".
pub fn summary(event: &Event) -> String {
    let values = values(
        event,
        &Context {
            time_zone: "UTC",
            project_name: None,
            staff_name: None,
            template: None,
            sender: None,
        },
    );
    let body = default_body(event, &values);
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut text = first.trim();
    // A leading `:emoji:` code.
    if let Some(rest) = text.strip_prefix(':')
        && let Some(end) = rest.find(':')
        && !rest[..end].contains(' ')
    {
        text = rest[end + 1..].trim_start();
    }
    let plain: String = text
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '~' | '`'))
        .collect();
    let plain = plain
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace(WORD_JOINER, "");
    if plain.trim().is_empty() {
        event.kind.label().to_owned()
    } else {
        plain.trim().to_owned()
    }
}

/// The default template of a kind, the one the template editor starts from.
///
/// For example `:receipt: Invoice *{number}* for {client} ({amount}) was sent`. [`render`]
/// without a template uses slightly richer wording written in code (the due date, "paid in
/// full" or "partial payment", "below" or "at" the reorder level), which a single template
/// cannot express.
pub fn default_template(kind: EventKind) -> &'static str {
    use EventKind::*;
    match kind {
        TimerStarted => ":arrow_forward: *{staff}* started *{task}* in {project}",
        TimerPaused => ":pause_button: *{staff}* paused *{task}* in {project} ({hours})",
        TimerStopped => ":stop_button: *{staff}* stopped *{task}* in {project} ({hours})\n> {note}",
        ClientCreated => ":bust_in_silhouette: New client *{client}*\nContact: {contact} ({email})",
        InvoiceSent => ":receipt: Invoice *{number}* for {client} ({amount}) was sent",
        InvoiceOpened => ":eyes: {client} opened invoice *{number}* ({amount})",
        InvoiceReviewed => ":mag: {client} reviewed invoice *{number}* ({amount})\n> {note}",
        InvoiceNoteAdded => ":speech_balloon: {client} replied to invoice *{number}*:\n> {note}",
        EstimateSent => {
            ":memo: Estimate *{number}* for {client} ({amount}) was sent\nValid until {valid_until}"
        }
        EstimateOpened => ":eyes: {client} opened estimate *{number}* ({amount})",
        EstimateReviewed => ":mag: {client} reviewed estimate *{number}* ({amount})\n> {note}",
        EstimateNoteAdded => ":speech_balloon: {client} replied to estimate *{number}*:\n> {note}",
        EstimateAccepted => ":white_check_mark: {client} accepted estimate *{number}* ({amount})",
        EstimateValidityReminder => {
            ":hourglass_flowing_sand: Estimate *{number}* for {client} ({amount}) is valid until {valid_until}"
        }
        PaymentReceived => {
            ":moneybag: Payment of *{amount}* from {client} for invoice *{invoice}* ({payment})\nStill outstanding: {outstanding}\nCash discount: {discount}"
        }
        ItemReorderLevel => {
            ":package: *{item}* ({sku}) has reached its reorder level: {stock} {unit} in stock, reorder level {reorder_level} {unit}"
        }
        TimesheetApproval => {
            ":clipboard: Timesheet *{period}* from *{staff}* ({hours}) is waiting for your approval\n> {note}"
        }
        VacationRequested => {
            ":palm_tree: *{staff}* requested vacation from {from} to {to}\n> {note}"
        }
        EscalationFlextime => {
            ":warning: The flex-time balance of *{staff}* is *{balance_hours}*, beyond the limit of {limit_hours}"
        }
        EscalationProject => ":rotating_light: Project *{project}* exceeds its {reason}: {detail}",
        MessageDirect => "{text}",
    }
}

/// Placeholders a kind offers: every data field name of the kind, plus `kind`, `kind_label`,
/// `project`, `staff` and `occurred_at` (date and time in the workspace's zone).
///
/// Values are shown formatted: `{amount}` (and `{outstanding}`, `{discount}`) with its currency
/// ("€1,250.00"), dates as "Mon 7 Dec 2026", hours as "3.25 h", `{project}` and `{staff}` by
/// their display names when known.
pub fn placeholders(kind: EventKind) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = kind.fields().iter().map(|field| field.name).collect();
    for name in COMMON_PLACEHOLDERS {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Checks a template before the owner saves it.
///
/// Warns about unknown placeholders (`{ammount}`) and unbalanced braces, and suggests the
/// closest known name ("did you mean `{amount}`?"). Also warns about mentions and broadcasts
/// (`<!channel>`, `<@U…>`, `@here`) in the template: they are shown as plain text, never sent
/// as notifications.
pub fn lint(kind: EventKind, template: &str) -> Vec<LintWarning> {
    let known = placeholders(kind);
    let mut warnings = Vec::new();
    let mut warn = |placeholder: &str, message: String| {
        let warning = LintWarning {
            placeholder: placeholder.to_owned(),
            message,
        };
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    };
    for token in tokenize(template) {
        match token {
            Token::Placeholder("") => warn(
                "{}",
                "`{}` names no placeholder and renders as nothing; write `{{}}` for literal braces."
                    .to_owned(),
            ),
            Token::Placeholder(name) if !known.contains(&name) => {
                let message = match closest(name, &known) {
                    Some(suggestion) => format!(
                        "`{{{name}}}` is not a placeholder of {kind} and renders as nothing; \
                         did you mean `{{{suggestion}}}`?"
                    ),
                    None => format!(
                        "`{{{name}}}` is not a placeholder of {kind} and renders as nothing; \
                         its placeholders are: {}.",
                        known.join(", ")
                    ),
                };
                warn(name, message);
            }
            Token::Unclosed => warn(
                "{",
                "A `{` is not closed on its line: close the placeholder with `}`, or write `{{` \
                 for a literal brace."
                    .to_owned(),
            ),
            Token::Unopened => warn(
                "}",
                "A `}` closes no placeholder: write `}}` for a literal brace.".to_owned(),
            ),
            Token::Placeholder(_) | Token::Text(_) | Token::Brace(_) => {}
        }
    }
    for (at, _) in template.match_indices('<') {
        let rest = &template[at..];
        if kept_link(rest).is_none() && rest[1..].starts_with(['!', '@', '#']) {
            let end = match rest.find(['>', '\n']) {
                Some(end) if rest.as_bytes()[end] == b'>' => end + 1,
                Some(end) => end,
                None => rest.len(),
            };
            let mention = &rest[..end];
            warn(
                mention,
                format!(
                    "`{mention}` would notify people, so it is shown as plain text: messages \
                     from templates never mention or broadcast."
                ),
            );
        }
    }
    for (at, _) in template.match_indices('@') {
        let before = template[..at].chars().next_back();
        if let Some(word) = broadcast_after(before, &template[at + 1..]) {
            let written = &template[at..at + 1 + word.len()];
            warn(
                written,
                format!(
                    "`{written}` would notify everyone in some clients, so it is sent with an \
                     invisible character that stops the broadcast."
                ),
            );
        }
    }
    warnings
}

/// Escapes text for Slack mrkdwn, so that it can never mention, link or broadcast.
///
/// `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;`, which neutralises anything that could become
/// a mention, channel link or broadcast (`<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`,
/// `<#C…>`). The literal words `@channel`, `@here` and `@everyone`, which Slack turns into
/// broadcasts in some clients, get an invisible U+2060 after the `@`.
///
/// (U+2060 is strictly the WORD JOINER: invisible and zero-width like the zero-width joiner,
/// but it never combines emoji.) Escaping `<` is what neutralises `<!channel>`, `<@U…>` and
/// `<#C…>`: Slack shows `&lt;!channel&gt;` as the text "<!channel>". An `@` inside a word
/// (`ops@here.io`) is no broadcast and is left alone.
pub fn escape(text: &str) -> String {
    // Slack's own three escapes (the client's `format::escape_text`), then the broadcast words.
    // An `@` after an escape sees `;` where it saw `&`, `<` or `>`: neither is alphanumeric, so
    // the broadcast rule reads the same.
    let escaped = switchboard_slack::format::escape_text(text);
    let mut out = String::with_capacity(escaped.len() + escaped.len() / 8);
    let mut before = None;
    for (at, c) in escaped.char_indices() {
        out.push(c);
        if c == '@' && broadcast_after(before, &escaped[at + 1..]).is_some() {
            out.push(WORD_JOINER);
        }
        before = Some(c);
    }
    out
}

/// An amount with its currency, as people write it.
///
/// "€1,250.00", "$8,400.00", "£12.50", "¥1,250" (JPY has 0 decimals), "CHF 1,250.00",
/// otherwise "1,250.00 SEK"; negative amounts "-€3.20". Input is the catalogue's normalised
/// decimal string. Amounts are rounded half away from zero to the currency's decimals (0 for
/// JPY, KRW and a few others, 3 for BHD, KWD, OMR…, else 2). Text that is not a plain decimal
/// is shown as given, followed by the currency.
pub fn format_money(amount: &str, currency: &str) -> String {
    let amount = amount.trim();
    let currency = currency.trim().to_ascii_uppercase();
    let Some((negative, number)) = round_decimal(amount, decimals_of(&currency)) else {
        return format!("{amount} {currency}").trim().to_owned();
    };
    let sign = if negative { "-" } else { "" };
    match currency.as_str() {
        "EUR" => format!("{sign}€{number}"),
        "USD" => format!("{sign}${number}"),
        "GBP" => format!("{sign}£{number}"),
        "JPY" => format!("{sign}¥{number}"),
        "CHF" => format!("{sign}CHF {number}"),
        "" => format!("{sign}{number}"),
        _ => format!("{sign}{number} {currency}"),
    }
}

/// A date (`YYYY-MM-DD`) as "Mon 7 Dec 2026" ([`format_time`] does timestamps).
///
/// Text that is not such a date is returned as given.
pub fn format_date(date: &str) -> String {
    match date.trim().parse::<civil::Date>() {
        Ok(day) => strtime::format("%a %-d %b %Y", day).unwrap_or_else(|_| date.to_owned()),
        Err(_) => date.to_owned(),
    }
}

/// A timestamp (Unix milliseconds) in the named IANA zone, as "Mon 23 Nov 2026, 10:30 CET".
///
/// An unknown zone falls back to UTC ("…, 09:30 UTC"); a timestamp outside jiff's range (which a
/// validated event cannot have) is shown as its number.
pub fn format_time(ms: i64, time_zone: &str) -> String {
    let Ok(at) = Timestamp::from_millisecond(ms) else {
        return ms.to_string();
    };
    let zone = TimeZone::get(time_zone.trim()).unwrap_or(TimeZone::UTC);
    let zoned = at.to_zoned(zone);
    strtime::format("%a %-d %b %Y, %H:%M %Z", &zoned).unwrap_or_else(|_| zoned.to_string())
}

/// The values of an event's placeholders, formatted and escaped.
fn values(event: &Event, ctx: &Context<'_>) -> Values {
    let mut values = Values::new();
    let currency = event
        .data
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("");
    for field in event.kind.fields() {
        let Some(value) = event.data.get(field.name) else {
            continue;
        };
        let shown = match field.ty {
            FieldType::Amount => format_money(&plain(value), currency),
            FieldType::Number => match number(value) {
                Some(n) if field.name.ends_with("hours") => format!("{} h", format_number(n)),
                Some(n) => format_number(n),
                None => plain(value),
            },
            FieldType::Date => format_date(&plain(value)),
            // `cash_discount` reads as "cash discount".
            FieldType::OneOf(_) => plain(value).replace('_', " "),
            FieldType::Text | FieldType::Currency | FieldType::Url => plain(value),
        };
        insert(&mut values, field.name, &shown);
    }
    insert(&mut values, "kind", event.kind.as_str());
    insert(&mut values, "kind_label", event.kind.label());
    if let Some(project) = blank_to_none(ctx.project_name).or(event.project.as_deref()) {
        insert(&mut values, "project", project);
    }
    if let Some(staff) = blank_to_none(ctx.staff_name).or(event.staff.as_deref()) {
        insert(&mut values, "staff", staff);
    }
    insert(
        &mut values,
        "occurred_at",
        &format_time(event.occurred_at, ctx.time_zone),
    );
    if let Some(sender) = blank_to_none(ctx.sender).or(event.from.as_deref()) {
        insert(&mut values, "sender", sender);
    }
    values
}

/// Adds a value, escaped, unless it is blank.
fn insert(values: &mut Values, name: &'static str, raw: &str) {
    let shown = escape(raw.trim()).replace(EMPTY, "");
    if !shown.is_empty() {
        values.insert(name, shown);
    }
}

fn blank_to_none(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// A JSON value as text: strings as they are, numbers and the rest as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
        .filter(|n: &f64| n.is_finite())
}

/// The raw text of a data field, for decisions (which payment, which reason).
fn raw<'e>(event: &'e Event, name: &str) -> Option<&'e str> {
    event.data.get(name).and_then(Value::as_str).map(str::trim)
}

/// A number without trailing zeros and with at most two decimals: "3.25", "38.5", "40",
/// "12,000".
fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let fixed = format!("{:.2}", n.abs());
    // `{:.2}` always writes a point, so trimming zeros stops at it at the latest.
    let fixed = fixed.trim_end_matches('0').trim_end_matches('.');
    let (whole, fraction) = fixed.split_once('.').unwrap_or((fixed, ""));
    let sign = if n < 0.0 && fixed != "0" { "-" } else { "" };
    let mut out = format!("{sign}{}", group(whole));
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// ASCII digits with a comma every three: "1234567" → "1,234,567".
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (at, digit) in digits.char_indices() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// How many decimals a currency shows (ISO 4217 minor units, for the common exceptions).
fn decimals_of(currency: &str) -> usize {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "PYG" | "UGX" | "XAF" | "XOF" | "XPF" | "RWF"
        | "KMF" | "GNF" | "VUV" | "DJF" | "BIF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// A plain decimal ("-1250.5") rounded half away from zero to `places` decimals, as its sign
/// and grouped digits ("1,250.50"); `None` if the text is not a plain decimal. Works on the
/// digits themselves, so no amount loses precision on the way through a float.
fn round_decimal(text: &str, places: usize) -> Option<(bool, String)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let padded = format!("{fraction:0<places$}");
    let round_up = padded.as_bytes().get(places).is_some_and(|d| *d >= b'5');
    let mut scaled = format!("{whole}{}", &padded[..places]).into_bytes();
    if round_up {
        let mut carry = true;
        for digit in scaled.iter_mut().rev() {
            if *digit == b'9' {
                *digit = b'0';
            } else {
                *digit += 1;
                carry = false;
                break;
            }
        }
        if carry {
            scaled.insert(0, b'1');
        }
    }
    // Only ASCII digits went in.
    let scaled = String::from_utf8(scaled).ok()?;
    let (int_part, frac_part) = scaled.split_at(scaled.len() - places);
    let int_part = match int_part.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    };
    let zero = int_part == "0" && frac_part.bytes().all(|b| b == b'0');
    let mut out = group(int_part);
    if places > 0 {
        out.push('.');
        out.push_str(frac_part);
    }
    Some((negative && !zero, out))
}

/// If `after` (the text after an `@`) starts with a broadcast word, that word; an `@` inside
/// a word (an email address) is none.
fn broadcast_after(before: Option<char>, after: &str) -> Option<&'static str> {
    if before.is_some_and(char::is_alphanumeric) {
        return None;
    }
    BROADCASTS.into_iter().find(|word| {
        after
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    })
}

/// A piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'t> {
    Text(&'t str),
    /// `{{` or `}}`: a literal brace.
    Brace(char),
    /// `{name}`, the name trimmed.
    Placeholder(&'t str),
    /// A `{` with no `}` after it on its line.
    Unclosed,
    /// A `}` that closes nothing.
    Unopened,
}

/// Splits a template into text, placeholders and braces. A placeholder never spans lines.
fn tokenize(template: &str) -> Vec<Token<'_>> {
    let bytes = template.as_bytes();
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut at = 0;
    // Only ASCII braces end a text run, so every slice below is on a char boundary.
    while at < bytes.len() {
        let found = match bytes[at] {
            b'{' if bytes.get(at + 1) == Some(&b'{') => Some((Token::Brace('{'), 2)),
            b'}' if bytes.get(at + 1) == Some(&b'}') => Some((Token::Brace('}'), 2)),
            b'{' => {
                let rest = &template[at + 1..];
                match rest.find(['{', '}', '\n']) {
                    Some(end) if rest.as_bytes()[end] == b'}' => {
                        Some((Token::Placeholder(rest[..end].trim()), end + 2))
                    }
                    _ => Some((Token::Unclosed, 1)),
                }
            }
            b'}' => Some((Token::Unopened, 1)),
            _ => None,
        };
        match found {
            Some((token, len)) => {
                if start < at {
                    tokens.push(Token::Text(&template[start..at]));
                }
                tokens.push(token);
                at += len;
                start = at;
            }
            None => at += 1,
        }
    }
    if start < bytes.len() {
        tokens.push(Token::Text(&template[start..]));
    }
    tokens
}

/// Fills a template's placeholders; an unknown or absent one becomes [`EMPTY`]. A line whose
/// placeholders are all empty is left out (`> {note}` without a note, `Valid until {…}`).
fn substitute(template: &str, values: &Values) -> String {
    let mut lines = Vec::new();
    for line in template.split('\n') {
        let mut out = String::with_capacity(line.len() + 32);
        let (mut asked, mut given) = (0, 0);
        for token in tokenize(line) {
            match token {
                Token::Text(text) => out.push_str(&text.replace(EMPTY, "")),
                Token::Brace(brace) => out.push(brace),
                Token::Unclosed => out.push('{'),
                Token::Unopened => out.push('}'),
                Token::Placeholder(name) => {
                    asked += 1;
                    match values.get(name) {
                        Some(value) => {
                            given += 1;
                            out.push_str(value);
                        }
                        None => out.push(EMPTY),
                    }
                }
            }
        }
        if asked == 0 || given > 0 {
            lines.push(out);
        }
    }
    lines.join("\n")
}

/// The last steps for any body: mentions neutralised, empty placeholders tidied away.
fn finish(filled: &str) -> String {
    tidy(&sanitise(filled))
}

/// Keeps the owner's mrkdwn but never a notification: `&`, `<` and `>` that are not Slack
/// syntax are escaped, `<…>` is kept only for links and dates, and broadcast words get a
/// [`WORD_JOINER`]. Values inserted earlier are already escaped and pass through unchanged.
fn sanitise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let mut step = c.len_utf8();
        match c {
            '&' => match ENTITIES
                .into_iter()
                .find(|entity| rest.starts_with(*entity))
            {
                Some(entity) => {
                    out.push_str(entity);
                    step = entity.len();
                }
                None => out.push_str("&amp;"),
            },
            '<' => match kept_link(rest) {
                Some(link) => {
                    out.push_str(link);
                    step = link.len();
                }
                None => out.push_str("&lt;"),
            },
            // `>` opening a line is a block quote.
            '>' if out.is_empty() || out.ends_with('\n') => out.push('>'),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push('@');
                if broadcast_after(out[..out.len() - 1].chars().next_back(), &rest[1..]).is_some() {
                    out.push(WORD_JOINER);
                }
            }
            _ => out.push(c),
        }
        rest = &rest[step..];
    }
    out
}

/// If `rest` (starting with `<`) opens a link or date the owner may keep, the whole `<…>`.
fn kept_link(rest: &str) -> Option<&str> {
    let inner = rest.strip_prefix('<')?;
    let end = inner.find(['<', '>', '\n'])?;
    if inner.as_bytes()[end] != b'>' {
        return None;
    }
    let head = inner[..end].to_ascii_lowercase();
    if KEPT_LINKS
        .into_iter()
        .any(|prefix| head.starts_with(prefix))
    {
        // `<`, the inside, `>`.
        Some(&rest[..end + 2])
    } else {
        None
    }
}

/// Cleans up around placeholders that had no value: drops markup and brackets that wrap
/// nothing, separators between or before nothing, a line's dangling end ("due: "), and lines
/// left with nothing but a quote marker. Lines without an empty placeholder are kept as written.
fn tidy(text: &str) -> String {
    let empty = EMPTY.to_string();
    let mut lines = Vec::new();
    for line in text.split('\n') {
        if !line.contains(EMPTY) {
            lines.push(line.trim_end().to_owned());
            continue;
        }
        let mut line = line.to_owned();
        loop {
            let before = line.len();
            for separator in SEPARATORS {
                line = line.replace(&format!("{EMPTY}{separator}{EMPTY}"), &empty);
                if !separator.is_empty() {
                    line = line.replace(&format!("{separator}{EMPTY})"), ")");
                    line = line.replace(&format!("({EMPTY}{separator}"), "(");
                }
            }
            for (open, close) in WRAPPERS {
                line = line.replace(&format!("{open}{EMPTY}{close}"), &empty);
            }
            if line.len() == before {
                break;
            }
        }
        let mut kept = line.trim_end();
        if kept.ends_with(EMPTY) {
            kept = kept.trim_end_matches(|c: char| {
                c == EMPTY || c.is_whitespace() || DANGLING.contains(&c)
            });
        }
        if kept.starts_with(EMPTY) {
            kept = kept.trim_start_matches(|c: char| c == EMPTY || c.is_whitespace());
        }
        let kept = kept.replace(&format!(" {EMPTY} "), " ").replace(EMPTY, "");
        if !matches!(kept.trim(), "" | ">") {
            lines.push(kept);
        }
    }
    lines.join("\n").trim().to_owned()
}

/// Fills fragments of the default wording.
struct Fill<'v> {
    values: &'v Values,
}

impl Fill<'_> {
    fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The fragment with its placeholders filled in.
    fn put(&self, fragment: &str) -> String {
        substitute(fragment, self.values)
    }

    /// The fragment if every placeholder in it has a value, else nothing.
    fn opt(&self, fragment: &str) -> String {
        let complete = tokenize(fragment)
            .iter()
            .all(|token| !matches!(token, Token::Placeholder(name) if !self.has(name)));
        if complete {
            self.put(fragment)
        } else {
            String::new()
        }
    }

    /// A value as a block quote on the lines below, or nothing.
    fn quote(&self, name: &str) -> String {
        let Some(text) = self.values.get(name) else {
            return String::new();
        };
        let mut quoted = String::with_capacity(text.len() + 8);
        for line in text.lines() {
            quoted.push_str("\n> ");
            quoted.push_str(line);
        }
        quoted
    }
}

/// The default wording of a kind: a fitting emoji, the headline, and what optional values say.
fn default_body(event: &Event, values: &Values) -> String {
    use EventKind::*;
    let f = Fill { values };
    let amount = f.opt(" ({amount})");
    let note = f.quote("note");
    // A reply's headline introduces the quoted note.
    let colon = if note.is_empty() { "" } else { ":" };
    let body = match event.kind {
        TimerStarted => {
            f.put(":arrow_forward: *{staff}* started *{task}*") + &f.opt(" in {project}")
        }
        TimerPaused => {
            f.put(":pause_button: *{staff}* paused *{task}*")
                + &f.opt(" in {project}")
                + &f.opt(" after {hours}")
        }
        TimerStopped => {
            f.put(":stop_button: *{staff}* stopped *{task}*")
                + &f.opt(" in {project}")
                + &f.opt(": {hours} booked")
                + &note
        }
        ClientCreated => {
            let contact = match (f.has("contact"), f.has("email")) {
                (true, true) => f.put(" — contact: {contact} ({email})"),
                (true, false) => f.put(" — contact: {contact}"),
                (false, true) => f.put(" — {email}"),
                (false, false) => String::new(),
            };
            f.put(":bust_in_silhouette: New client *{client}*") + &contact
        }
        InvoiceSent => {
            f.put(":receipt: Invoice *{number}* for {client}")
                + &amount
                + " was sent"
                + &f.opt(", due {due_date}")
                + &note
        }
        InvoiceOpened => f.put(":eyes: {client} opened invoice *{number}*") + &amount + &note,
        InvoiceReviewed => f.put(":mag: {client} reviewed invoice *{number}*") + &amount + &note,
        InvoiceNoteAdded => {
            f.put(":speech_balloon: {client} replied to invoice *{number}*")
                + &amount
                + colon
                + &note
        }
        EstimateSent => {
            f.put(":memo: Estimate *{number}* for {client}")
                + &amount
                + " was sent"
                + &f.opt(", valid until {valid_until}")
                + &note
        }
        EstimateOpened => f.put(":eyes: {client} opened estimate *{number}*") + &amount + &note,
        EstimateReviewed => f.put(":mag: {client} reviewed estimate *{number}*") + &amount + &note,
        EstimateNoteAdded => {
            f.put(":speech_balloon: {client} replied to estimate *{number}*")
                + &amount
                + colon
                + &note
        }
        EstimateAccepted => {
            f.put(":white_check_mark: {client} accepted estimate *{number}*") + &amount + &note
        }
        EstimateValidityReminder => {
            f.put(":hourglass_flowing_sand: Estimate *{number}* for {client}")
                + &amount
                + &f.opt(" is valid only until {valid_until}")
        }
        PaymentReceived => match raw(event, "payment") {
            Some("partial") => f.put(
                ":moneybag: Partial payment of *{amount}* from {client} for invoice *{invoice}*",
            ) + &f.opt(", {outstanding} still outstanding"),
            Some("cash_discount") => {
                let discount = if f.has("discount") {
                    f.put(" after a cash discount of {discount}")
                } else {
                    " after a cash discount".to_owned()
                };
                f.put(":moneybag: Invoice *{invoice}* is paid: *{amount}* from {client}")
                    + &discount
            }
            _ => f.put(":moneybag: Invoice *{invoice}* is paid in full: *{amount}* from {client}"),
        },
        ItemReorderLevel => {
            let below = matches!(
                (event.data.get("stock").and_then(number), event.data.get("reorder_level").and_then(number)),
                (Some(stock), Some(level)) if stock < level
            );
            let unit = f.opt(" {unit}");
            let state = if below { " is below" } else { " has reached" };
            f.put(":package: *{item}*")
                + &f.opt(" ({sku})")
                + state
                + " its reorder level: "
                + &f.put("{stock}")
                + &unit
                + " in stock, reorder level "
                + &f.put("{reorder_level}")
                + &unit
        }
        TimesheetApproval => match raw(event, "decision") {
            Some(decision @ ("approved" | "rejected")) => {
                let mark = if decision == "approved" {
                    ":white_check_mark:"
                } else {
                    ":x:"
                };
                f.put(&format!("{mark} Your timesheet *{{period}}*"))
                    + &f.opt(" ({hours})")
                    + &format!(" was {decision}")
                    + &note
            }
            _ => {
                f.put(":clipboard: Timesheet *{period}* from *{staff}*")
                    + &f.opt(" ({hours})")
                    + " is waiting for your approval"
                    + &note
            }
        },
        VacationRequested => {
            let one_day = raw(event, "from") == raw(event, "to");
            match raw(event, "decision") {
                Some(decision @ ("approved" | "rejected")) => {
                    let mark = if decision == "approved" {
                        ":white_check_mark:"
                    } else {
                        ":x:"
                    };
                    let dates = if one_day {
                        f.put(" for {from}")
                    } else {
                        f.put(" from {from} to {to}")
                    };
                    format!("{mark} Your vacation request")
                        + &dates
                        + &format!(" was {decision}")
                        + &note
                }
                _ => {
                    let dates = if one_day {
                        f.put(" requested a day off on {from}")
                    } else {
                        f.put(" requested vacation from {from} to {to}")
                    };
                    f.put(":palm_tree: *{staff}*") + &dates + &note
                }
            }
        }
        MessageDirect => f.put("{text}"),
        EscalationFlextime => f.put(
            ":warning: The flex-time balance of *{staff}* is *{balance_hours}*, beyond the limit \
             of {limit_hours}",
        ),
        EscalationProject => {
            let headline = match raw(event, "reason") {
                Some("deadline") => ":rotating_light: Project *{project}* is past its deadline",
                _ => ":rotating_light: Project *{project}* is over budget",
            };
            f.put(headline) + &f.opt(": {detail}")
        }
    };
    finish(&body)
}

/// The context block's line: when it happened in the workspace's zone, the project, and who
/// sent a direct message.
fn context_line(values: &Values) -> String {
    let mut line = values.get("occurred_at").cloned().unwrap_or_default();
    if let Some(project) = values.get("project") {
        line.push_str(" · Project: ");
        line.push_str(project);
    }
    if let Some(sender) = values.get("sender") {
        line.push_str(" · from ");
        line.push_str(sender);
        line.push_str(" via Switchboard");
    }
    line
}

/// The `actions` block with one button to `data.link`, if the event has a link that fits.
fn link_button(event: &Event, notes: &mut Vec<String>) -> Option<Value> {
    let url = raw(event, "link").filter(|url| !url.is_empty())?;
    if url.chars().count() > MAX_BUTTON_URL {
        note(notes, BUTTON_URL_NOTE);
        return None;
    }
    // plain_text: shown as written, so it is shortened but not escaped.
    let label = fit(
        &button_label(event),
        MAX_BUTTON_TEXT,
        false,
        notes,
        BUTTON_TEXT_NOTE,
    );
    Some(json!({
        "type": "actions",
        "elements": [{
            "type": "button",
            "text": {"type": "plain_text", "text": label, "emoji": true},
            "url": url,
            "action_id": "open_link",
        }],
    }))
}

/// "Open invoice 1042", "Open estimate E-207", "Review timesheet"…
fn button_label(event: &Event) -> String {
    use EventKind::*;
    let named = |what: &str, field: &str| match raw(event, field).filter(|v| !v.is_empty()) {
        Some(name) => format!("{what} {name}"),
        None => what.to_owned(),
    };
    match event.kind {
        InvoiceSent | InvoiceOpened | InvoiceReviewed | InvoiceNoteAdded => {
            named("Open invoice", "number")
        }
        PaymentReceived => named("Open invoice", "invoice"),
        EstimateSent
        | EstimateOpened
        | EstimateReviewed
        | EstimateNoteAdded
        | EstimateAccepted
        | EstimateValidityReminder => named("Open estimate", "number"),
        TimerStarted | TimerPaused | TimerStopped => "Open timesheet".to_owned(),
        ClientCreated => "Open client".to_owned(),
        ItemReorderLevel => "Open item".to_owned(),
        TimesheetApproval => "Review timesheet".to_owned(),
        VacationRequested => "Review request".to_owned(),
        EscalationFlextime => "Open time account".to_owned(),
        EscalationProject => "Open project".to_owned(),
        MessageDirect => "Open link".to_owned(),
    }
}

/// The text, shortened to `max` characters if it is longer, with a note saying so.
fn fit(text: &str, max: usize, mrkdwn: bool, notes: &mut Vec<String>, why: &str) -> String {
    match shorten(text, max, mrkdwn) {
        Some(short) => {
            note(notes, why);
            short
        }
        None => text.to_owned(),
    }
}

fn note(notes: &mut Vec<String>, note: &str) {
    if notes.iter().all(|n| n != note) {
        notes.push(note.to_owned());
    }
}

/// `None` if the text fits in `max` characters; else the text cut at a char boundary, with
/// "…" appended, `max` characters at most. In mrkdwn the cut never splits an entity (`&amp;`)
/// or a `<link|label>`: it moves to before it.
fn shorten(text: &str, max: usize, mrkdwn: bool) -> Option<String> {
    if text.chars().count() <= max {
        return None;
    }
    let end = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(at, _)| at);
    let mut cut = &text[..end];
    if mrkdwn {
        // Every raw `<` in a rendered body opens a link (values are escaped), every `&` an
        // entity.
        if let Some(open) = cut.rfind('<')
            && !cut[open..].contains('>')
        {
            cut = &cut[..open];
        }
        if let Some(amp) = cut.rfind('&')
            && !cut[amp..].contains(';')
        {
            cut = &cut[..amp];
        }
    }
    let mut short = cut.trim_end().to_owned();
    short.push('…');
    Some(short)
}

/// The known name closest to an unknown one, if any is close enough to be a likely typo.
fn closest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let wanted = name.to_lowercase();
    let length = wanted.chars().count();
    let (distance, best) = known
        .iter()
        .map(|candidate| (edit_distance(&wanted, candidate), *candidate))
        .min_by_key(|(distance, _)| *distance)?;
    if distance <= (length / 3).max(1) {
        return Some(best);
    }
    // `{amount_formatted}`, `{due}`: a known name inside the unknown one or the other way round.
    if length >= 3 {
        return known
            .iter()
            .find(|candidate| wanted.contains(**candidate) || candidate.contains(wanted.as_str()))
            .copied();
    }
    None
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::sample;

    const BERLIN: Context<'static> = Context {
        time_zone: "Europe/Berlin",
        project_name: None,
        staff_name: None,
        template: None,
        sender: None,
    };

    /// 2026-11-23T09:30:00Z, the samples' time.
    const SAMPLE_MS: i64 = 1_795_426_200_000;

    fn sample_event(kind: EventKind) -> Event {
        sample(kind)
            .validate()
            .unwrap_or_else(|e| panic!("{kind}: the catalogue's sample must validate: {e}"))
    }

    fn section_text(message: &Message) -> &str {
        message.blocks[0]["text"]["text"]
            .as_str()
            .expect("the first block is a section with mrkdwn text")
    }

    #[test]
    fn every_kind_renders_its_sample_with_default_wording() {
        for kind in EventKind::ALL {
            let event = sample_event(*kind);
            let message = render(&event, &BERLIN);
            assert!(
                !message.text.trim().is_empty(),
                "{kind}: Slack needs a fallback text"
            );
            assert!(
                !message.text.contains(['{', '}', EMPTY]),
                "{kind}: no placeholder may be left over: {}",
                message.text
            );
            assert!(
                message.text.starts_with(':') || *kind == EventKind::MessageDirect,
                "{kind}: the default wording opens with an emoji: {}",
                message.text
            );
            assert!(
                message.notes.is_empty(),
                "{kind}: a sample fits Slack's limits: {:?}",
                message.notes
            );
            assert_eq!(
                section_text(&message),
                message.text,
                "{kind}: the section shows the same text as the notification"
            );
            let expected_blocks = if event.data.contains_key("link") {
                3
            } else {
                2
            };
            assert_eq!(
                message.blocks.len(),
                expected_blocks,
                "{kind}: section, context, and a button only when there is a link"
            );
        }
    }

    #[test]
    fn default_templates_lint_clean_and_render_every_sample() {
        for kind in EventKind::ALL {
            let template = default_template(*kind);
            let warnings = lint(*kind, template);
            assert!(
                warnings.is_empty(),
                "{kind}: the editor must not start from a template it warns about: {warnings:?}"
            );
            let ctx = Context {
                template: Some(template),
                sender: None,
                ..BERLIN
            };
            let message = render(&sample_event(*kind), &ctx);
            assert!(
                !message.text.contains(['{', '}', EMPTY]) && !message.text.contains("()"),
                "{kind}: absent optional values leave no trace: {}",
                message.text
            );
            assert!(
                !message.text.ends_with([':', ',', '>']) && !message.text.contains("\n>\n"),
                "{kind}: no dangling punctuation or empty quote: {}",
                message.text
            );
            assert!(
                message.notes.is_empty(),
                "{kind}: the template renders text, so no fallback note: {:?}",
                message.notes
            );
        }
    }

    #[test]
    fn default_wording_reads_well_per_kind() {
        let named = Context {
            project_name: Some("Website relaunch"),
            staff_name: Some("Jane Doe"),
            ..BERLIN
        };
        let text = |kind: EventKind, ctx: &Context<'_>| render(&sample_event(kind), ctx).text;
        let cases = [
            (
                EventKind::TimerStopped,
                &named,
                ":stop_button: *Jane Doe* stopped *Design review* in Website relaunch: 3.25 h booked\n> Mock-ups done",
            ),
            (
                EventKind::TimerPaused,
                &BERLIN,
                ":pause_button: *jane.doe@example.com* paused *Design review* in website-relaunch after 1.5 h",
            ),
            (
                EventKind::InvoiceSent,
                &BERLIN,
                ":receipt: Invoice *1042* for Globex GmbH (€1,250.00) was sent, due Mon 7 Dec 2026",
            ),
            (
                EventKind::InvoiceNoteAdded,
                &BERLIN,
                ":speech_balloon: Globex GmbH replied to invoice *1042*:\n> Could you split this into two invoices?",
            ),
            (
                EventKind::EstimateAccepted,
                &BERLIN,
                ":white_check_mark: Initech accepted estimate *E-207* ($8,400.00)",
            ),
            (
                EventKind::ClientCreated,
                &BERLIN,
                ":bust_in_silhouette: New client *Globex GmbH* — contact: Hank Scorpio",
            ),
            (
                EventKind::PaymentReceived,
                &BERLIN,
                ":moneybag: Invoice *1042* is paid: *€1,225.00* from Globex GmbH after a cash discount of €25.00",
            ),
            (
                EventKind::ItemReorderLevel,
                &BERLIN,
                ":package: *A4 paper, 80 g* (PAP-A4-80) is below its reorder level: 12 reams in stock, reorder level 20 reams",
            ),
            (
                EventKind::TimesheetApproval,
                &named,
                ":clipboard: Timesheet *2026-W47* from *Jane Doe* (38.5 h) is waiting for your approval",
            ),
            (
                EventKind::VacationRequested,
                &named,
                ":palm_tree: *Jane Doe* requested vacation from Mon 21 Dec 2026 to Sat 2 Jan 2027\n> Family visit",
            ),
            (
                EventKind::EscalationFlextime,
                &named,
                ":warning: The flex-time balance of *Jane Doe* is *42.5 h*, beyond the limit of 40 h",
            ),
            (
                EventKind::EscalationProject,
                &named,
                ":rotating_light: Project *Website relaunch* is over budget: 112% of budget used",
            ),
        ];
        for (kind, ctx, expected) in cases {
            assert_eq!(text(kind, ctx), expected, "{kind}");
        }
    }

    #[test]
    fn payments_say_full_partial_or_discount() {
        let payment = |data: Value| {
            let mut incoming = sample(EventKind::PaymentReceived);
            incoming.data = data.as_object().cloned().unwrap_or_default();
            render(&incoming.validate().expect("a valid payment"), &BERLIN).text
        };
        assert_eq!(
            payment(
                json!({"invoice": "1042", "client": "Globex GmbH", "amount": "500",
                "currency": "EUR", "payment": "partial", "outstanding": "750"})
            ),
            ":moneybag: Partial payment of *€500.00* from Globex GmbH for invoice *1042*, €750.00 still outstanding",
            "a partial payment says what is still open"
        );
        assert_eq!(
            payment(
                json!({"invoice": "1042", "client": "Globex GmbH", "amount": "1250",
                "currency": "EUR", "payment": "full"})
            ),
            ":moneybag: Invoice *1042* is paid in full: *€1,250.00* from Globex GmbH",
            "a full payment says so"
        );
    }

    #[test]
    fn blocks_carry_the_time_project_and_link_button() {
        let ctx = Context {
            project_name: Some("Website relaunch"),
            ..BERLIN
        };
        let timer = render(&sample_event(EventKind::TimerStarted), &ctx);
        assert_eq!(
            timer.blocks[1],
            json!({"type": "context", "elements": [{"type": "mrkdwn",
                "text": "Mon 23 Nov 2026, 10:30 CET · Project: Website relaunch"}]}),
            "the context line shows the time in the workspace's zone and the project"
        );
        let invoice = render(&sample_event(EventKind::InvoiceSent), &BERLIN);
        assert_eq!(
            invoice.blocks[2],
            json!({"type": "actions", "elements": [{"type": "button",
                "text": {"type": "plain_text", "text": "Open invoice 1042", "emoji": true},
                "url": "https://app.example.com/invoices/1042", "action_id": "open_link"}]}),
            "an event with a link gets one button to it"
        );
        let item = render(&sample_event(EventKind::ItemReorderLevel), &BERLIN);
        assert!(
            item.blocks.iter().all(|block| block["type"] != "actions"),
            "no link, no button"
        );
    }

    #[test]
    fn escaping_neutralises_mentions_broadcasts_and_ampersands() {
        assert_eq!(
            escape("<!channel> Fish & chips for <@U123> in <#C42>"),
            "&lt;!channel&gt; Fish &amp; chips for &lt;@U123&gt; in &lt;#C42&gt;",
            "escaping `<` turns Slack syntax into plain text"
        );
        assert_eq!(
            escape("ping @here, @Channel and @everyone!"),
            "ping @\u{2060}here, @\u{2060}Channel and @\u{2060}everyone!",
            "broadcast words get an invisible joiner after the @"
        );
        assert_eq!(
            escape("ops@here.io"),
            "ops@here.io",
            "an email address is no broadcast and stays intact"
        );

        let mut event = sample_event(EventKind::InvoiceSent);
        event
            .data
            .insert("client".into(), Value::from("<!channel> & @here Co"));
        let text = render(&event, &BERLIN).text;
        assert!(
            text.contains("&lt;!channel&gt; &amp; @\u{2060}here Co") && !text.contains("<!"),
            "event data never mentions anyone: {text}"
        );
    }

    #[test]
    fn owner_templates_keep_mrkdwn_and_links_but_not_mentions() {
        let ctx = Context {
            template: Some(
                "*Heads up* <!here> <@U1> <#C1|sales>: {number} <https://x.example/i|open it> R&D @channel > 3",
            ),
            ..BERLIN
        };
        assert_eq!(
            render(&sample_event(EventKind::InvoiceSent), &ctx).text,
            "*Heads up* &lt;!here&gt; &lt;@U1&gt; &lt;#C1|sales&gt;: 1042 <https://x.example/i|open it> R&amp;D @\u{2060}channel &gt; 3",
            "bold and links stay; mentions, broadcasts and stray `&`/`>` become text"
        );
    }

    #[test]
    fn custom_templates_fill_placeholders() {
        let ctx = Context {
            project_name: Some("Website relaunch"),
            template: Some(
                "{{{kind}}} *{client}* owes {amount} by {due_date} ({kind_label})\nProject {project}, at {occurred_at}",
            ),
            ..BERLIN
        };
        assert_eq!(
            render(&sample_event(EventKind::InvoiceSent), &ctx).text,
            "{invoice.sent} *Globex GmbH* owes €1,250.00 by Mon 7 Dec 2026 (An invoice is sent)\nProject Website relaunch, at Mon 23 Nov 2026, 10:30 CET",
            "`{{`/`}}` are literal braces and every placeholder is filled, formatted"
        );

        let unknown = Context {
            template: Some("Invoice {number}: {ammount}"),
            sender: None,
            ..BERLIN
        };
        assert_eq!(
            render(&sample_event(EventKind::InvoiceSent), &unknown).text,
            "Invoice 1042",
            "an unknown placeholder renders as nothing, without a dangling colon"
        );

        let nothing = Context {
            template: Some("{ammount}"),
            sender: None,
            ..BERLIN
        };
        let message = render(&sample_event(EventKind::InvoiceSent), &nothing);
        assert!(
            message.text.starts_with(":receipt: Invoice *1042*"),
            "a template that renders nothing falls back to the default wording: {}",
            message.text
        );
        assert_eq!(message.notes, [EMPTY_TEMPLATE_NOTE]);
    }

    #[test]
    fn long_text_is_shortened_with_a_note() {
        let mut event = sample_event(EventKind::InvoiceNoteAdded);
        event
            .data
            .insert("note".into(), Value::from("R&D ".repeat(1_250)));
        let message = render(&event, &BERLIN);
        let section = section_text(&message);
        assert!(
            section.chars().count() <= MAX_SECTION_TEXT && section.ends_with('…'),
            "the section is cut to Slack's 3,000 characters and says so with …"
        );
        assert!(
            section
                .match_indices('&')
                .all(|(at, _)| section[at..].starts_with("&amp;")),
            "the cut never splits `&amp;`"
        );
        assert_eq!(message.notes, [SECTION_NOTE]);
        assert!(
            message.text.ends_with("R&amp;D") && message.text.chars().count() > MAX_SECTION_TEXT,
            "the notification text has its own, larger limit and stays whole"
        );

        event
            .data
            .insert("note".into(), Value::from("x".repeat(45_000)));
        let message = render(&event, &BERLIN);
        assert!(
            message.text.chars().count() <= MAX_TEXT,
            "the fallback text fits 40,000 characters"
        );
        assert_eq!(message.notes, [TEXT_NOTE, SECTION_NOTE]);
    }

    #[test]
    fn buttons_fit_slack_limits() {
        let mut event = sample_event(EventKind::InvoiceSent);
        event
            .data
            .insert("number".into(), Value::from("9".repeat(100)));
        let message = render(&event, &BERLIN);
        let label = message.blocks[2]["elements"][0]["text"]["text"]
            .as_str()
            .expect("a button label");
        assert!(
            label.chars().count() == MAX_BUTTON_TEXT && label.ends_with('…'),
            "the label is cut to 75 characters: {label}"
        );
        assert_eq!(message.notes, [BUTTON_TEXT_NOTE]);

        let mut event = sample_event(EventKind::InvoiceSent);
        let long = format!("https://app.example.com/{}", "a".repeat(3_000));
        event.data.insert("link".into(), Value::from(long));
        let message = render(&event, &BERLIN);
        assert_eq!(
            message.blocks.len(),
            2,
            "a link Slack would refuse is left out rather than failing the message"
        );
        assert_eq!(message.notes, [BUTTON_URL_NOTE]);
    }

    #[test]
    fn lint_suggests_the_closest_placeholder() {
        let warnings = lint(EventKind::InvoiceSent, "Invoice {number}: {ammount}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].placeholder, "ammount");
        assert!(
            warnings[0].message.contains("did you mean `{amount}`"),
            "the typo gets the likely name: {}",
            warnings[0].message
        );

        let braces = lint(EventKind::InvoiceSent, "{number {{fine}} }");
        let flagged: Vec<&str> = braces.iter().map(|w| w.placeholder.as_str()).collect();
        assert_eq!(
            flagged,
            ["{", "}"],
            "an unclosed `{{` and a stray `}}` are both reported"
        );

        let mentions = lint(EventKind::InvoiceSent, "<!channel> {number} @here");
        let flagged: Vec<&str> = mentions.iter().map(|w| w.placeholder.as_str()).collect();
        assert_eq!(
            flagged,
            ["<!channel>", "@here"],
            "the owner learns broadcasts are not sent"
        );

        assert!(
            lint(
                EventKind::TimerStopped,
                "{staff} {hours} {occurred_at} {{x}}"
            )
            .is_empty(),
            "known placeholders and escaped braces are fine"
        );
    }

    #[test]
    fn placeholders_are_the_fields_plus_common_ones() {
        let names = placeholders(EventKind::InvoiceSent);
        for expected in [
            "number",
            "amount",
            "link",
            "kind",
            "kind_label",
            "project",
            "occurred_at",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "no name is offered twice");
    }

    #[test]
    fn money_is_formatted_per_currency() {
        let cases = [
            ("1250", "EUR", "€1,250.00"),
            ("8400", "USD", "$8,400.00"),
            ("12.5", "GBP", "£12.50"),
            ("1250", "JPY", "¥1,250"),
            ("1250.5", "JPY", "¥1,251"),
            ("1250", "CHF", "CHF 1,250.00"),
            ("1250", "SEK", "1,250.00 SEK"),
            ("-3.20", "EUR", "-€3.20"),
            ("-3.2", "SEK", "-3.20 SEK"),
            ("999.995", "EUR", "€1,000.00"),
            ("1234567.8912", "usd", "$1,234,567.89"),
            ("-0.001", "EUR", "€0.00"),
            ("0", "EUR", "€0.00"),
            ("12.3456", "KWD", "12.346 KWD"),
            ("abc", "EUR", "abc EUR"),
        ];
        for (amount, currency, expected) in cases {
            assert_eq!(
                format_money(amount, currency),
                expected,
                "{amount} {currency}"
            );
        }
    }

    #[test]
    fn hours_show_without_trailing_zeros() {
        let cases = [
            (3.25, "3.25"),
            (38.5, "38.5"),
            (40.0, "40"),
            (1.0 / 3.0, "0.33"),
            (12_000.0, "12,000"),
            (-2.5, "-2.5"),
            (-0.001, "0"),
        ];
        for (n, expected) in cases {
            assert_eq!(format_number(n), expected, "{n}");
        }
    }

    #[test]
    fn dates_and_times_in_the_workspace_zone() {
        assert_eq!(format_date("2026-12-07"), "Mon 7 Dec 2026");
        assert_eq!(
            format_date("next week"),
            "next week",
            "not a date: shown as given"
        );
        assert_eq!(
            format_time(SAMPLE_MS, "Europe/Berlin"),
            "Mon 23 Nov 2026, 10:30 CET",
            "09:30Z is 10:30 in Berlin in winter"
        );
        assert_eq!(
            format_time(1_782_898_200_000, "Europe/Berlin"),
            "Wed 1 Jul 2026, 11:30 CEST",
            "summer time moves the clock and the abbreviation"
        );
        assert_eq!(
            format_time(SAMPLE_MS, "Mars/Olympus_Mons"),
            "Mon 23 Nov 2026, 09:30 UTC",
            "an unknown zone falls back to UTC"
        );
        let event = sample_event(EventKind::InvoiceSent);
        assert_eq!(event.occurred_at, SAMPLE_MS, "the samples happen at 09:30Z");
    }
}
