//! What an event of each kind carries, and the validation every front door runs on it.
//!
//! An event arrives as [`IncomingEvent`] (the ingest API's JSON, `switchboard event send`, the
//! console's test buttons) and leaves [`IncomingEvent::validate`] as an [`Event`]: a known kind,
//! a parsed timestamp, and `data` holding exactly the kind's fields, each of its type (amounts
//! as decimal strings, dates as `YYYY-MM-DD`, links as `http(s)` URLs). A refusal names the bad
//! field (`data.amount`) and says what is expected.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event_kind::EventKind;
use crate::{Error, Result};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text (at most 2,000 characters).
    Text,
    /// A decimal amount, as a JSON number or string (`1250`, `"1250.50"`).
    Amount,
    /// An ISO 4217 currency code (`EUR`).
    Currency,
    /// A number (hours, stock).
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An `http` or `https` link.
    Url,
    /// One of the listed values.
    OneOf(&'static [&'static str]),
}

/// One field of a kind's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// `data.<name>`, the name an error gives.
    pub path: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// What it is, for README and the template editor.
    pub about: &'static str,
}

macro_rules! fields {
    ($($name:literal : $ty:expr, $req:literal, $about:literal;)*) => {
        &[$(Field {
            name: $name,
            path: concat!("data.", $name),
            ty: $ty,
            required: $req,
            about: $about,
        },)*]
    };
}

use FieldType::*;

const TIMER: &[Field] = fields! {
    "task": Text, true, "the task the time is booked on";
    "hours": Number, false, "hours booked so far (paused, stopped)";
    "note": Text, false, "the staff member's note";
    "link": Url, false, "the timer or timesheet in the business application";
};
const CLIENT: &[Field] = fields! {
    "client": Text, true, "the client's name";
    "contact": Text, false, "the contact person";
    "email": Text, false, "the client's email address";
    "link": Url, false, "the client in the business application";
};
const INVOICE: &[Field] = fields! {
    "number": Text, true, "the invoice number";
    "client": Text, true, "the client's name";
    "amount": Amount, false, "the invoice total";
    "currency": Currency, false, "the currency of the amount (required with an amount)";
    "due_date": Date, false, "when it is due";
    "note": Text, false, "the client's note or review comment";
    "link": Url, false, "the invoice in the business application";
};
const ESTIMATE: &[Field] = fields! {
    "number": Text, true, "the estimate number";
    "client": Text, true, "the client's name";
    "amount": Amount, false, "the estimate total";
    "currency": Currency, false, "the currency of the amount (required with an amount)";
    "valid_until": Date, false, "the last day the estimate is valid";
    "note": Text, false, "the client's note or review comment";
    "link": Url, false, "the estimate in the business application";
};
const PAYMENT: &[Field] = fields! {
    "invoice": Text, true, "the number of the invoice paid";
    "client": Text, true, "the client's name";
    "amount": Amount, true, "the amount received";
    "currency": Currency, true, "the currency of the amount";
    "payment": OneOf(&["full", "partial", "cash_discount"]), true, "full, partial, or with cash discount";
    "outstanding": Amount, false, "what is still open after a partial payment";
    "discount": Amount, false, "the cash discount taken";
    "link": Url, false, "the payment or invoice in the business application";
};
const ITEM: &[Field] = fields! {
    "item": Text, true, "the item's name";
    "sku": Text, false, "its stock-keeping unit";
    "stock": Number, true, "the quantity in stock";
    "reorder_level": Number, true, "the level that triggers reordering";
    "unit": Text, false, "the unit of the quantities (pcs, kg)";
    "link": Url, false, "the item in the business application";
};
const TIMESHEET: &[Field] = fields! {
    "period": Text, true, "the period the timesheet covers (e.g. 2026-W47)";
    "hours": Number, true, "the hours on the timesheet";
    "note": Text, false, "a note to the approver, or with the decision";
    "link": Url, false, "the timesheet in the business application";
    "decision": OneOf(&["approved", "rejected"]), false, "set when the timesheet was decided: the message then goes to the staff member, not their manager";
};
const VACATION: &[Field] = fields! {
    "from": Date, true, "the first day off";
    "to": Date, true, "the last day off";
    "note": Text, false, "a note to the approver, or with the decision";
    "link": Url, false, "the request in the business application";
    "decision": OneOf(&["approved", "rejected"]), false, "set when the request was decided: the message then goes to the staff member, not their manager";
};
const DIRECT: &[Field] = fields! {
    "text": Text, true, "what the manager writes";
    "link": Url, false, "a link shown as a button";
};
const FLEXTIME: &[Field] = fields! {
    "balance_hours": Number, true, "the flex-time balance";
    "limit_hours": Number, true, "the limit it crossed";
    "link": Url, false, "the staff member's time account";
};
const PROJECT_ESCALATION: &[Field] = fields! {
    "reason": OneOf(&["budget", "deadline"]), true, "what the project exceeds";
    "detail": Text, false, "e.g. 112% of budget used";
    "link": Url, false, "the project in the business application";
};

/// Whether a kind needs a top-level `project` or `staff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
}

impl EventKind {
    /// The fields of this kind's `data`.
    pub fn fields(self) -> &'static [Field] {
        use EventKind::*;
        match self {
            TimerStarted | TimerPaused | TimerStopped => TIMER,
            ClientCreated => CLIENT,
            InvoiceSent | InvoiceOpened | InvoiceReviewed | InvoiceNoteAdded => INVOICE,
            EstimateSent
            | EstimateOpened
            | EstimateReviewed
            | EstimateNoteAdded
            | EstimateAccepted
            | EstimateValidityReminder => ESTIMATE,
            PaymentReceived => PAYMENT,
            ItemReorderLevel => ITEM,
            TimesheetApproval => TIMESHEET,
            VacationRequested => VACATION,
            EscalationFlextime => FLEXTIME,
            EscalationProject => PROJECT_ESCALATION,
            MessageDirect => DIRECT,
        }
    }

    /// Whether the event names a project (its external id).
    pub fn project(self) -> Need {
        use EventKind::*;
        match self {
            TimerStarted | TimerPaused | TimerStopped | EscalationProject => Need::Required,
            _ => Need::Optional,
        }
    }

    /// Whether the event names a staff member (their email).
    pub fn staff(self) -> Need {
        use EventKind::*;
        match self {
            TimerStarted | TimerPaused | TimerStopped | TimesheetApproval | VacationRequested
            | EscalationFlextime | MessageDirect => Need::Required,
            _ => Need::Optional,
        }
    }

    /// Fields a kind needs beyond its own list: `note` for the "note added" kinds,
    /// `valid_until` for the validity reminder.
    fn also_required(self) -> &'static [&'static str] {
        use EventKind::*;
        match self {
            InvoiceNoteAdded | EstimateNoteAdded => &["note"],
            EstimateValidityReminder => &["valid_until"],
            _ => &[],
        }
    }
}

/// The business object an event is about, so that updates about it share one Slack thread:
/// `invoice:1042` (a payment joins its invoice's thread), `estimate:E-7`,
/// `timer:<project>:<staff>:<task>`.
pub fn object_key(event: &Event) -> Option<String> {
    use EventKind::*;
    let text = |name: &str| event.data.get(name).and_then(Value::as_str);
    match event.kind {
        InvoiceSent | InvoiceOpened | InvoiceReviewed | InvoiceNoteAdded => {
            Some(format!("invoice:{}", text("number")?))
        }
        PaymentReceived => Some(format!("invoice:{}", text("invoice")?)),
        EstimateSent
        | EstimateOpened
        | EstimateReviewed
        | EstimateNoteAdded
        | EstimateAccepted
        | EstimateValidityReminder => Some(format!("estimate:{}", text("number")?)),
        TimerStarted | TimerPaused | TimerStopped => Some(format!(
            "timer:{}:{}:{}",
            event.project.as_deref()?,
            event.staff.as_deref()?,
            text("task")?
        )),
        _ => None,
    }
}

/// An event as a sender writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingEvent {
    /// The sender's idempotency key: the same id is accepted once.
    pub id: String,
    pub kind: String,
    /// RFC 3339, e.g. `2026-11-23T09:30:00Z`.
    pub occurred_at: String,
    /// The project's external id.
    #[serde(default)]
    pub project: Option<String>,
    /// The staff member's email.
    #[serde(default)]
    pub staff: Option<String>,
    /// Direct-message kinds: the recipient's email, when it is not the one routing picks (the
    /// member's manager for a request, the member for a decision or an escalation).
    #[serde(default)]
    pub to: Option<String>,
    /// Direct-message kinds: who sends it, named in the message ("from Jane Doe via
    /// Switchboard").
    #[serde(default)]
    pub from: Option<String>,
    /// Escalations and direct messages: delivered at once, even outside the recipient's
    /// working hours.
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub data: serde_json::Map<String, Value>,
}

/// A validated event (stored as this JSON, read back with `Deserialize`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub kind: EventKind,
    /// Unix milliseconds.
    pub occurred_at: i64,
    pub project: Option<String>,
    /// Lower-cased email.
    pub staff: Option<String>,
    /// The recipient's lower-cased email (direct-message kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The sender's name (direct-message kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
    /// Exactly the kind's fields: amounts as decimal strings, numbers as numbers.
    pub data: BTreeMap<String, Value>,
}

const MAX_ID: usize = 200;
const MAX_TEXT: usize = 2_000;

impl IncomingEvent {
    /// Checks the event against the catalogue.
    pub fn validate(self) -> Result<Event> {
        let id = self.id.trim();
        if id.is_empty() || id.chars().count() > MAX_ID || id.chars().any(char::is_control) {
            return Err(Error::invalid(
                "id",
                format!(
                    "`id` must be 1 to {MAX_ID} printable characters: the sender's idempotency key"
                ),
            ));
        }
        let kind: EventKind = self.kind.parse()?;
        let occurred_at = self
            .occurred_at
            .parse::<jiff::Timestamp>()
            .map_err(|e| {
                Error::invalid(
                    "occurred_at",
                    format!(
                        "`occurred_at` must be an RFC 3339 time such as 2026-11-23T09:30:00Z ({e})"
                    ),
                )
            })?
            .as_millisecond();
        let project = optional_text(self.project, "project", 200)?;
        let staff = optional_text(self.staff, "staff", 320)?.map(|s| s.to_lowercase());
        if let Some(email) = &staff
            && !looks_like_email(email)
        {
            return Err(Error::invalid(
                "staff",
                format!("`staff` must be the staff member's email address, not {email:?}"),
            ));
        }
        let to = optional_text(self.to, "to", 320)?.map(|s| s.to_lowercase());
        if let Some(email) = &to
            && !looks_like_email(email)
        {
            return Err(Error::invalid(
                "to",
                format!("`to` must be the recipient's email address, not {email:?}"),
            ));
        }
        let from = optional_text(self.from, "from", 200)?;
        let personal = matches!(
            kind.routing(),
            crate::event_kind::Routing::DirectMessage | crate::event_kind::Routing::EscalationRule
        );
        if !personal && (to.is_some() || from.is_some() || self.urgent) {
            let field = if to.is_some() {
                "to"
            } else if from.is_some() {
                "from"
            } else {
                "urgent"
            };
            return Err(Error::invalid(
                field,
                format!(
                    "`{field}` is for direct messages and escalations; a {kind} event goes to channels"
                ),
            ));
        }
        if kind.project() == Need::Required && project.is_none() {
            return Err(Error::invalid(
                "project",
                format!("a {kind} event names its project: add `project` (its external id)"),
            ));
        }
        if kind.staff() == Need::Required && staff.is_none() {
            return Err(Error::invalid(
                "staff",
                format!("a {kind} event names its staff member: add `staff` (their email)"),
            ));
        }
        let fields = kind.fields();
        if let Some(unknown) = self
            .data
            .keys()
            .find(|name| !fields.iter().any(|f| f.name == name.as_str()))
        {
            let known: Vec<_> = fields.iter().map(|f| f.name).collect();
            return Err(Error::invalid(
                "data",
                format!(
                    "{kind} has no field {unknown:?} in `data`; its fields are: {}",
                    known.join(", ")
                ),
            ));
        }
        let mut data = BTreeMap::new();
        let mut given = self.data;
        for field in fields {
            let value = given.remove(field.name).filter(|v| !v.is_null());
            let required = field.required || kind.also_required().contains(&field.name);
            match value {
                None if required => {
                    return Err(Error::invalid(
                        field.path,
                        format!("{kind} needs `{}`: {}", field.path, field.about),
                    ));
                }
                None => {}
                Some(value) => {
                    data.insert(field.name.to_owned(), check(field, value)?);
                }
            }
        }
        if kind == EventKind::PaymentReceived {
            for amount in ["amount", "outstanding", "discount"] {
                if let Some(Value::String(a)) = data.get(amount)
                    && a.starts_with('-')
                {
                    return Err(Error::invalid(
                        match amount {
                            "amount" => "data.amount",
                            "outstanding" => "data.outstanding",
                            _ => "data.discount",
                        },
                        format!("`data.{amount}` of a payment cannot be negative"),
                    ));
                }
            }
            if data.get("payment").and_then(Value::as_str) == Some("cash_discount")
                && !data.contains_key("discount")
            {
                return Err(Error::invalid(
                    "data.discount",
                    "a payment with cash discount names the discount taken in `data.discount`",
                ));
            }
        }
        for amount in ["amount", "outstanding", "discount"] {
            if data.contains_key(amount) && !data.contains_key("currency") {
                return Err(Error::invalid(
                    "data.currency",
                    format!("`data.{amount}` needs `data.currency` (an ISO 4217 code such as EUR)"),
                ));
            }
        }
        if let (Some(Value::String(from)), Some(Value::String(to))) =
            (data.get("from"), data.get("to"))
            && to < from
        {
            return Err(Error::invalid(
                "data.to",
                format!("`data.to` ({to}) is before `data.from` ({from})"),
            ));
        }
        Ok(Event {
            id: id.to_owned(),
            kind,
            occurred_at,
            project,
            staff,
            to,
            from,
            urgent: self.urgent,
            data,
        })
    }
}

fn optional_text(value: Option<String>, field: &'static str, max: usize) -> Result<Option<String>> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
            Err(Error::invalid(
                field,
                format!("`{field}` must be at most {max} printable characters"),
            ))
        }
        other => Ok(other),
    }
}

pub(crate) fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
}

/// Checks one value against its field's type and returns it normalised.
fn check(field: &Field, value: Value) -> Result<Value> {
    let bad =
        |expected: &str| Error::invalid(field.path, format!("`{}` must be {expected}", field.path));
    match field.ty {
        Text => match value {
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_TEXT => {
                Ok(Value::String(s.trim().to_owned()))
            }
            _ => Err(bad(&format!("text of 1 to {MAX_TEXT} characters"))),
        },
        Amount => {
            let text = match &value {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.trim().to_owned(),
                _ => String::new(),
            };
            normalise_amount(&text)
                .map(Value::String)
                .ok_or_else(|| bad("a decimal amount such as 1250 or \"1250.50\""))
        }
        Currency => match value {
            Value::String(s)
                if s.trim().len() == 3 && s.trim().chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                Ok(Value::String(s.trim().to_ascii_uppercase()))
            }
            _ => Err(bad("an ISO 4217 currency code such as EUR or USD")),
        },
        Number => match value {
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(Value::Number(n)),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad("a number")),
            _ => Err(bad("a number")),
        },
        Date => match value {
            // Exactly YYYY-MM-DD (jiff would also take a date-time and keep only its date).
            Value::String(s)
                if s.trim().len() == 10 && s.trim().parse::<jiff::civil::Date>().is_ok() =>
            {
                Ok(Value::String(s.trim().to_owned()))
            }
            _ => Err(bad("a date written YYYY-MM-DD")),
        },
        Url => match value {
            Value::String(s) => match url::Url::parse(s.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    Ok(Value::String(u.to_string()))
                }
                _ => Err(bad("an http or https link")),
            },
            _ => Err(bad("an http or https link")),
        },
        OneOf(choices) => match value {
            Value::String(s) if choices.contains(&s.trim()) => {
                Ok(Value::String(s.trim().to_owned()))
            }
            _ => Err(bad(&format!("one of: {}", choices.join(", ")))),
        },
    }
}

/// `1250`, `1250.5`, `-3.20` → the same digits, at most 4 decimals; `None` if not a plain
/// decimal (no exponents, no thousands separators).
fn normalise_amount(text: &str) -> Option<String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !whole.is_empty()
        && whole.len() <= 15
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.len() <= 4
        && fraction.chars().all(|c| c.is_ascii_digit())
        && !(digits.contains('.') && fraction.is_empty());
    plain.then(|| text.to_owned())
}

/// A fresh idempotency key for an event a person sends by hand (`cli-…`, `ui-…`): the time in
/// nanoseconds, the process and a counter, so two sends never share one.
pub fn fresh_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}-{}",
        jiff::Timestamp::now().as_nanosecond(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Now, as RFC 3339 (`occurred_at` of an event sent by hand).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

/// Sample data for a kind: the preview when no real event exists yet, and README's examples.
pub fn sample(kind: EventKind) -> IncomingEvent {
    use EventKind::*;
    let data = match kind {
        TimerStarted => serde_json::json!({"task": "Design review"}),
        TimerPaused => serde_json::json!({"task": "Design review", "hours": 1.5}),
        TimerStopped => {
            serde_json::json!({"task": "Design review", "hours": 3.25, "note": "Mock-ups done"})
        }
        ClientCreated => serde_json::json!({"client": "Globex GmbH", "contact": "Hank Scorpio",
            "link": "https://app.example.com/clients/88"}),
        InvoiceSent | InvoiceOpened | InvoiceReviewed => serde_json::json!({"number": "1042",
            "client": "Globex GmbH", "amount": "1250.00", "currency": "EUR",
            "due_date": "2026-12-07", "link": "https://app.example.com/invoices/1042"}),
        InvoiceNoteAdded => serde_json::json!({"number": "1042", "client": "Globex GmbH",
            "note": "Could you split this into two invoices?",
            "link": "https://app.example.com/invoices/1042"}),
        EstimateSent | EstimateOpened | EstimateReviewed | EstimateAccepted => {
            serde_json::json!({"number": "E-207", "client": "Initech", "amount": "8400",
                "currency": "USD", "valid_until": "2026-12-31",
                "link": "https://app.example.com/estimates/207"})
        }
        EstimateNoteAdded => serde_json::json!({"number": "E-207", "client": "Initech",
            "note": "Can we start in January?", "link": "https://app.example.com/estimates/207"}),
        EstimateValidityReminder => serde_json::json!({"number": "E-207", "client": "Initech",
            "valid_until": "2026-12-31", "link": "https://app.example.com/estimates/207"}),
        PaymentReceived => serde_json::json!({"invoice": "1042", "client": "Globex GmbH",
            "amount": "1225.00", "currency": "EUR", "payment": "cash_discount", "discount": "25.00",
            "link": "https://app.example.com/invoices/1042"}),
        ItemReorderLevel => serde_json::json!({"item": "A4 paper, 80 g", "sku": "PAP-A4-80",
            "stock": 12, "reorder_level": 20, "unit": "reams"}),
        TimesheetApproval => serde_json::json!({"period": "2026-W47", "hours": 38.5,
            "link": "https://app.example.com/timesheets/2026-W47/jane"}),
        VacationRequested => serde_json::json!({"from": "2026-12-21", "to": "2027-01-02",
            "note": "Family visit", "link": "https://app.example.com/vacations/311"}),
        EscalationFlextime => serde_json::json!({"balance_hours": 42.5, "limit_hours": 40}),
        EscalationProject => {
            serde_json::json!({"reason": "budget", "detail": "112% of budget used",
            "link": "https://app.example.com/projects/website-relaunch"})
        }
        MessageDirect => serde_json::json!({"text": "Could you add Friday's hours before noon?",
            "link": "https://app.example.com/timesheets/2026-W47/jane"}),
    };
    IncomingEvent {
        id: format!("sample-{}", kind.as_str()),
        kind: kind.as_str().to_owned(),
        occurred_at: "2026-11-23T09:30:00Z".to_owned(),
        project: (kind.project() == Need::Required || kind.group() == "Time tracking")
            .then(|| "website-relaunch".to_owned()),
        staff: (kind.staff() == Need::Required).then(|| "jane.doe@example.com".to_owned()),
        to: None,
        from: None,
        urgent: false,
        data: match data {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value) -> IncomingEvent {
        IncomingEvent {
            id: "e-1".into(),
            kind: kind.into(),
            occurred_at: "2026-11-23T09:30:00+01:00".into(),
            project: None,
            staff: None,
            to: None,
            from: None,
            urgent: false,
            data: data.as_object().cloned().unwrap_or_default(),
        }
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, .. } => field.to_owned(),
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn every_kind_has_a_sample_that_validates() {
        for kind in EventKind::ALL {
            let event = sample(*kind)
                .validate()
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(event.kind, *kind);
        }
    }

    #[test]
    fn a_valid_invoice_is_normalised() {
        let e = event(
            "invoice.sent",
            serde_json::json!({"number": " 1042 ", "client": "Globex", "amount": 1250.5,
                "currency": "eur", "link": "https://app.example.com/i/1042"}),
        )
        .validate()
        .unwrap();
        assert_eq!(e.data["number"], "1042");
        assert_eq!(e.data["amount"], "1250.5");
        assert_eq!(e.data["currency"], "EUR");
        assert_eq!(e.occurred_at, 1_795_422_600_000);
        assert_eq!(object_key(&e).as_deref(), Some("invoice:1042"));
    }

    #[test]
    fn refusals_name_the_field() {
        let cases = [
            (event("invoice.paid", serde_json::json!({})), "kind"),
            (
                event("invoice.sent", serde_json::json!({"client": "Globex"})),
                "data.number",
            ),
            (
                event(
                    "invoice.sent",
                    serde_json::json!({"number": "1", "client": "G", "amount": "1,250"}),
                ),
                "data.amount",
            ),
            (
                event(
                    "invoice.sent",
                    serde_json::json!({"number": "1", "client": "G", "amount": "12"}),
                ),
                "data.currency",
            ),
            (
                event(
                    "invoice.sent",
                    serde_json::json!({"number": "1", "client": "G", "ammount": "12"}),
                ),
                "data",
            ),
            (
                event(
                    "invoice.sent",
                    serde_json::json!({"number": "1", "client": "G", "link": "javascript:alert(1)"}),
                ),
                "data.link",
            ),
            (
                event(
                    "invoice.note_added",
                    serde_json::json!({"number": "1", "client": "G"}),
                ),
                "data.note",
            ),
            (
                event("timer.started", serde_json::json!({"task": "x"})),
                "project",
            ),
            (
                event(
                    "payment.received",
                    serde_json::json!({"invoice": "1", "client": "G", "amount": "5",
                    "currency": "EUR", "payment": "most"}),
                ),
                "data.payment",
            ),
        ];
        for (incoming, field) in cases {
            let kind = incoming.kind.clone();
            assert_eq!(field_of(incoming.validate().unwrap_err()), field, "{kind}");
        }
        let mut bad_time = event("client.created", serde_json::json!({"client": "G"}));
        bad_time.occurred_at = "yesterday".into();
        assert_eq!(field_of(bad_time.validate().unwrap_err()), "occurred_at");
        let mut bad_id = event("client.created", serde_json::json!({"client": "G"}));
        bad_id.id = "  ".into();
        assert_eq!(field_of(bad_id.validate().unwrap_err()), "id");
        let mut datetime = sample(EventKind::InvoiceSent);
        datetime
            .data
            .insert("due_date".into(), "2026-12-07T23:30:00".into());
        assert_eq!(field_of(datetime.validate().unwrap_err()), "data.due_date");
        let mut no_discount = sample(EventKind::PaymentReceived);
        no_discount.data.remove("discount");
        assert_eq!(
            field_of(no_discount.validate().unwrap_err()),
            "data.discount"
        );
        let mut negative = sample(EventKind::PaymentReceived);
        negative.data.insert("amount".into(), "-5".into());
        assert_eq!(field_of(negative.validate().unwrap_err()), "data.amount");
        let mut two_ats = event("client.created", serde_json::json!({"client": "G"}));
        two_ats.staff = Some("a@b.c@d.e".into());
        assert_eq!(field_of(two_ats.validate().unwrap_err()), "staff");
        let mut bad_staff = event("client.created", serde_json::json!({"client": "G"}));
        bad_staff.staff = Some("jane".into());
        assert_eq!(field_of(bad_staff.validate().unwrap_err()), "staff");
        let mut backwards = sample(EventKind::VacationRequested);
        backwards.data.insert("to".into(), "2026-12-01".into());
        assert_eq!(field_of(backwards.validate().unwrap_err()), "data.to");
    }

    #[test]
    fn unknown_top_level_fields_are_refused_when_parsed() {
        let error = serde_json::from_str::<IncomingEvent>(
            r#"{"id":"1","kind":"client.created","occurred_at":"2026-11-23T09:30:00Z","projet":"x","data":{}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("projet"), "{error}");
    }

    #[test]
    fn timers_and_payments_share_their_objects_thread() {
        let timer = sample(EventKind::TimerPaused).validate().unwrap();
        assert_eq!(
            object_key(&timer).as_deref(),
            Some("timer:website-relaunch:jane.doe@example.com:Design review")
        );
        let payment = sample(EventKind::PaymentReceived).validate().unwrap();
        let invoice = sample(EventKind::InvoiceSent).validate().unwrap();
        assert_eq!(object_key(&payment), object_key(&invoice));
        assert_eq!(
            object_key(&sample(EventKind::ClientCreated).validate().unwrap()),
            None
        );
    }
}
