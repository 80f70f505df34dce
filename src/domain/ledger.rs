//! The revenue ledger's rules (guide "Partner Revenue Share"): reading an
//! import, turning revenue events into commission lines with the terms in
//! force, placing lines in monthly statements, closing statements and moving
//! payouts. Pure: the store hands in what it read and writes what comes back.

use super::application::RevenueModel;
use super::format::{count, thousands};
use super::revenue::{apply_bps, commission, volume_bonus, Commission, Currency, Money, ShareRule};
use super::terms::{in_force, Terms, TermsVersion};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

choices!(
    EventKind {
        Invoice => "invoice", "Invoice";
        Refund => "refund", "Refund";
    }
);

choices!(
    LineKind {
        Commission => "commission", "Commission";
        Clawback => "clawback", "Refund clawback";
        Bonus => "bonus", "Volume bonus";
        Bounty => "bounty", "Integration bounty";
        Fund => "fund", "Co-marketing fund";
    }
);

choices!(
    StatementStatus {
        Open => "open", "Open";
        Closed => "closed", "Closed";
    }
);

choices!(
    PayoutStatus {
        Pending => "pending", "Waiting for approval";
        Approved => "approved", "Approved";
        Paid => "paid", "Paid";
    }
);

choices!(
    PayoutAction {
        Approve => "approve", "Approve";
        Pay => "pay", "Mark as paid";
    }
);

/// Certification milestones that can carry an integration bounty.
pub const BOUNTY_MILESTONES: &[&str] = &["certified", "listed", "featured", "premier"];

/// A calendar month (UTC), the period of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Month {
    pub fn of(t: DateTime<Utc>) -> Month {
        Month { year: t.year(), month: t.month() }
    }

    pub fn of_ms(ms: i64) -> Month {
        Month::of(DateTime::from_timestamp_millis(ms).unwrap_or_default())
    }

    /// `2026-11`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `November 2026`.
    pub fn label(self) -> String {
        format!("{} {}", MONTH_NAMES[(self.month as usize).clamp(1, 12) - 1], self.year)
    }

    /// `Nov`.
    pub fn short(self) -> &'static str {
        &MONTH_NAMES[(self.month as usize).clamp(1, 12) - 1][..3]
    }

    pub fn start_ms(self) -> i64 {
        Utc.with_ymd_and_hms(self.year, self.month, 1, 0, 0, 0).single().map(|t| t.timestamp_millis()).unwrap_or(0)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }

    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }

    pub fn is_quarter_end(self) -> bool {
        self.month.is_multiple_of(3)
    }

    /// The three months of this month's calendar quarter.
    pub fn quarter_months(self) -> [Month; 3] {
        let first = Month { year: self.year, month: (self.quarter() - 1) * 3 + 1 };
        [first, first.next(), first.next().next()]
    }

    /// The `n` months ending with this one, oldest first.
    pub fn last_n(self, n: usize) -> Vec<Month> {
        let mut out = vec![self];
        for _ in 1..n {
            let earlier = out[out.len() - 1].prev();
            out.push(earlier);
        }
        out.reverse();
        out
    }
}

/// A UTC calendar quarter: the period of a fund budget and of a
/// quarterly review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

impl Quarter {
    pub fn of_date(d: NaiveDate) -> Quarter {
        Quarter { year: d.year(), q: (d.month() - 1) / 3 + 1 }
    }

    pub fn of(t: DateTime<Utc>) -> Quarter {
        Quarter::of_date(t.date_naive())
    }

    pub fn of_ms(ms: i64) -> Quarter {
        Quarter::of(DateTime::from_timestamp_millis(ms).unwrap_or_default())
    }

    /// The first day of the quarter.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }

    pub fn start_ms(self) -> i64 {
        Utc.from_utc_datetime(&self.first_day().and_hms_opt(0, 0, 0).unwrap_or_default()).timestamp_millis()
    }

    /// `2026-Q3`: stored, and sorts in time order.
    pub fn key(self) -> String {
        format!("{:04}-Q{}", self.year, self.q)
    }

    /// Its three months.
    pub fn months(self) -> [Month; 3] {
        Month { year: self.year, month: (self.q - 1) * 3 + 1 }.quarter_months()
    }

    /// The quarter before this one.
    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter { year: self.year - 1, q: 4 }
        } else {
            Quarter { year: self.year, q: self.q - 1 }
        }
    }

    /// `Q3 2026 (July–September)`.
    pub fn long_label(self) -> String {
        let [first, _, last] = self.months();
        format!("{self} ({}–{})", MONTH_NAMES[first.month as usize - 1], MONTH_NAMES[last.month as usize - 1])
    }

    pub fn parse(s: &str) -> Option<Quarter> {
        let (y, q) = s.split_once("-Q")?;
        let (year, q) = (y.parse().ok()?, q.parse().ok()?);
        (1..=4).contains(&q).then_some(Quarter { year, q })
    }
}

impl fmt::Display for Quarter {
    /// `Q3 2026`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Q{} {}", self.q, self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Where a line dated in `belongs` lands, given the partner's latest closed
/// statement in that currency: its own month while that is still open,
/// otherwise the month after the last closed one, as an adjustment.
pub fn statement_month(belongs: Month, last_closed: Option<Month>) -> (Month, bool) {
    match last_closed {
        Some(closed) if belongs <= closed => (closed.next(), true),
        _ => (belongs, false),
    }
}

/// The columns of a revenue import, in the order of the template.
pub const CSV_COLUMNS: [&str; 9] =
    ["partner", "customer", "date", "amount", "currency", "kind", "refunds", "external_id", "customer_price"];
const REQUIRED_COLUMNS: [&str; 7] = ["partner", "customer", "date", "amount", "currency", "kind", "external_id"];
pub const MAX_IMPORT_ROWS: usize = 5_000;
/// The largest file an import takes: 5,000 rows fit well within it.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

/// What an import takes, said on the form before anything is uploaded.
pub fn import_limits() -> String {
    format!(
        "A CSV file in UTF-8 of at most {} MiB and {} rows; split larger files.",
        MAX_IMPORT_BYTES / 1024 / 1024,
        thousands(MAX_IMPORT_ROWS as u64)
    )
}

choices!(
    /// An upload turned away before its rows are read. Nothing is recorded:
    /// there is no import to show, only the form again with the reason
    /// (`?import_refused=<key>`).
    ImportRefusal {
        TooLarge => "too-large", "Larger than the limit";
        NotUtf8 => "not-utf8", "Not UTF-8 text";
        Empty => "empty", "Nothing to import";
    }
);

impl ImportRefusal {
    /// What happened and how to fix it, naming the limit it met.
    pub fn message(self) -> String {
        match self {
            ImportRefusal::TooLarge => format!(
                "Nothing was imported: the file is larger than {} MiB. Split it into files of at most {} rows and \
                 import each.",
                MAX_IMPORT_BYTES / 1024 / 1024,
                thousands(MAX_IMPORT_ROWS as u64)
            ),
            ImportRefusal::NotUtf8 => {
                "Nothing was imported: the file is not UTF-8 text. Save it from your spreadsheet \
                                       as \"CSV UTF-8\" and import it again."
                    .to_owned()
            }
            ImportRefusal::Empty => "Nothing was imported: choose a CSV file or paste rows.".to_owned(),
        }
    }
}

/// An upload's bytes as the text of an import, or why it is turned away.
pub fn import_text(bytes: Vec<u8>) -> Result<String, ImportRefusal> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportRefusal::TooLarge);
    }
    let text = String::from_utf8(bytes).map_err(|_| ImportRefusal::NotUtf8)?;
    if text.chars().all(|c| c.is_whitespace() || c == '\u{feff}') {
        return Err(ImportRefusal::Empty);
    }
    Ok(text)
}

choices!(
    /// Which imports the list of imports shows.
    ImportShow {
        All => "", "All imports";
        Imported => "imported", "Imported";
        Refused => "refused", "Refused";
    }
);

impl ImportShow {
    /// Read from the address; anything unknown shows every import.
    pub fn read(key: &str) -> ImportShow {
        ImportShow::parse(key).unwrap_or(ImportShow::All)
    }

    /// Whether the imports asked for were imported (`Some(true)`) or
    /// refused (`Some(false)`); `None` when either will do.
    pub fn imported(self) -> Option<bool> {
        match self {
            ImportShow::All => None,
            ImportShow::Imported => Some(true),
            ImportShow::Refused => Some(false),
        }
    }
}

/// One import's outcome in a line of a list: "3 new, 1 already recorded"
/// or "Refused: 2 problems". The full sentences are `imported_summary` and
/// `refused_import_summary`, on the import's own page.
pub fn import_result(imported: bool, new: i64, unchanged: i64, problems: usize) -> String {
    if imported {
        format!("{new} new, {unchanged} already recorded")
    } else {
        format!("Refused: {}", count(problems, "problem", "problems"))
    }
}

/// The headline of a refused import. A problem with the file as a whole
/// (the header, a row over the limit) has no rows to count.
pub fn refused_import_summary(problems: usize, rows: i64) -> String {
    let problems_text = count(problems, "problem", "problems");
    let them = if problems == 1 { "it" } else { "them" };
    match rows {
        0 => format!("Nothing was imported: {problems_text} with the file. Fix {them} and import the file again."),
        1 => format!("Nothing was imported: {problems_text} in its one row. Fix {them} and import the file again."),
        n => format!(
            "Nothing was imported: {problems_text} in {}. Fix {them} and import the file again.",
            count(n, "row", "rows")
        ),
    }
}

/// The headline of an import that went through.
pub fn imported_summary(new: i64, unchanged: i64) -> String {
    match unchanged {
        0 => format!("Imported: {}.", count(new, "new event", "new events")),
        1 => {
            format!("Imported: {}; 1 row was already recorded and was skipped.", count(new, "new event", "new events"))
        }
        n => format!(
            "Imported: {}; {} were already recorded and were skipped.",
            count(new, "new event", "new events"),
            count(n, "row", "rows")
        ),
    }
}
/// The largest single event, in minor units: far above any real invoice and
/// far below where sums of many could overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

/// One row as typed, before any checking. `row` is its line in the file
/// (the header is line 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawEvent {
    pub row: usize,
    pub partner: String,
    pub customer: String,
    pub date: String,
    pub amount: String,
    pub currency: String,
    pub kind: String,
    pub refunds: String,
    pub external_id: String,
    pub customer_price: String,
}

/// A problem with one row of an import (or one field of a single event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(row: usize, field: &str, message: impl Into<String>) -> RowError {
        RowError { row, field: field.to_owned(), message: message.into() }
    }
}

/// Reads CSV text with a header row naming the columns (any order; `refunds`
/// and `customer_price` may be left out).
pub fn read_csv(text: &str) -> Result<Vec<RawEvent>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("The file is not readable as CSV: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !headers.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "The header row must name the columns {}; missing: {}.",
            CSV_COLUMNS.join(", "),
            missing.join(", ")
        ));
    }
    if let Some(unknown) = headers.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(format!("Unknown column \"{unknown}\". The columns are {}.", CSV_COLUMNS.join(", ")));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("Line {}: not readable as CSV: {e}", i + 2))?;
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if rows.len() == MAX_IMPORT_ROWS {
            return Err(format!(
                "The file has more than {} rows, the most one import takes; split it and import each part.",
                thousands(MAX_IMPORT_ROWS as u64)
            ));
        }
        // The line in the file as an editor numbers it (blank lines count).
        let row = record.position().map(|p| line_of(text, p.byte() as usize)).unwrap_or(i + 2);
        if record.len() != headers.len() {
            return Err(format!(
                "Line {row} has {} fields but the header names {}. Quote values that contain commas, like \"1,000.00\".",
                record.len(),
                headers.len()
            ));
        }
        let get = |name: &str| {
            headers.iter().position(|h| h == name).and_then(|p| record.get(p)).unwrap_or_default().to_owned()
        };
        rows.push(RawEvent {
            row,
            partner: get("partner"),
            customer: get("customer"),
            date: get("date"),
            amount: get("amount"),
            currency: get("currency"),
            kind: get("kind"),
            refunds: get("refunds"),
            external_id: get("external_id"),
            customer_price: get("customer_price"),
        });
    }
    if rows.is_empty() {
        return Err("The file has a header but no rows.".into());
    }
    Ok(rows)
}

/// The 1-based line of the first non-blank byte at or after `byte`.
fn line_of(text: &str, byte: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = byte.min(bytes.len());
    while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
        start += 1;
    }
    bytes[..start].iter().filter(|b| **b == b'\n').count() + 1
}

/// A checked revenue event. `amount` is as entered (positive); a refund's
/// effect is negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInput {
    pub row: usize,
    pub organisation_id: i64,
    pub customer: String,
    pub occurred_ms: i64,
    pub kind: EventKind,
    pub amount: Money,
    pub refunds: Option<String>,
    pub external_id: String,
    pub customer_price_minor: Option<i64>,
}

impl EventInput {
    /// The revenue this event adds (negative for a refund).
    pub fn signed_minor(&self) -> i64 {
        match self.kind {
            EventKind::Invoice => self.amount.minor,
            EventKind::Refund => -self.amount.minor,
        }
    }
}

fn text_field(row: usize, field: &str, v: &str, max: usize, errors: &mut Vec<RowError>) -> String {
    let t = v.trim();
    if t.is_empty() {
        errors.push(RowError::new(row, field, "Required."));
    } else if t.chars().count() > max {
        errors.push(RowError::new(row, field, format!("Use at most {max} characters.")));
    } else if t.chars().any(char::is_control) {
        errors.push(RowError::new(row, field, "Remove control characters."));
    } else if t.chars().any(super::text::is_direction_control) {
        errors.push(RowError::new(row, field, super::text::DIRECTION_CONTROLS));
    }
    t.to_owned()
}

/// Checks one event's fields. `organisation` is the partner the row named,
/// as resolved by the caller (or why it could not be). Events cannot be
/// dated after `today`.
pub fn parse_event(
    raw: &RawEvent,
    organisation: Result<i64, String>,
    today: NaiveDate,
) -> Result<EventInput, Vec<RowError>> {
    let row = raw.row;
    let mut errors = Vec::new();
    let organisation_id = organisation.map_err(|m| errors.push(RowError::new(row, "partner", m))).ok();
    let customer = text_field(row, "customer", &raw.customer, 200, &mut errors);
    let external_id = text_field(row, "external_id", &raw.external_id, 100, &mut errors);
    let date = match NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            errors.push(RowError::new(row, "date", "The date is in the future."));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(RowError::new(row, "date", "Use a date like 2026-11-01."));
            None
        }
    };
    let kind = EventKind::parse(&raw.kind.trim().to_ascii_lowercase());
    if kind.is_none() {
        errors.push(RowError::new(row, "kind", "Use invoice or refund."));
    }
    let currency =
        Currency::parse(&raw.currency).map_err(|e| errors.push(RowError::new(row, "currency", e.to_string()))).ok();
    let amount = currency.and_then(|c| match Money::parse(&raw.amount, c) {
        Ok(m) if m.minor > MAX_AMOUNT_MINOR => {
            errors.push(RowError::new(row, "amount", "The amount is too large for one event."));
            None
        }
        Ok(m) if m.minor > 0 => Some(m),
        Ok(_) => {
            errors.push(RowError::new(row, "amount", "Enter a positive amount; a refund is recorded as kind refund."));
            None
        }
        Err(e) => {
            errors.push(RowError::new(row, "amount", e.to_string()));
            None
        }
    });
    let customer_price_minor = match (raw.customer_price.trim(), currency) {
        ("", _) | (_, None) => None,
        (p, Some(c)) => match Money::parse(p, c) {
            Ok(m) if m.minor >= 0 => Some(m.minor),
            Ok(_) => {
                errors.push(RowError::new(row, "customer_price", "A price cannot be negative."));
                None
            }
            Err(e) => {
                errors.push(RowError::new(row, "customer_price", e.to_string()));
                None
            }
        },
    };
    let refunds = Some(raw.refunds.trim().to_owned()).filter(|r| !r.is_empty());
    match (kind, &refunds) {
        (Some(EventKind::Refund), None) => {
            errors.push(RowError::new(row, "refunds", "A refund names the external id of the invoice it refunds."))
        }
        (Some(EventKind::Invoice), Some(_)) => {
            errors.push(RowError::new(row, "refunds", "Only a refund refers to an invoice."))
        }
        _ => {}
    }
    match (organisation_id, date, kind, amount) {
        (Some(organisation_id), Some(date), Some(kind), Some(amount)) if errors.is_empty() => Ok(EventInput {
            row,
            organisation_id,
            customer,
            occurred_ms: date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0),
            kind,
            amount,
            refunds,
            external_id,
            customer_price_minor,
        }),
        _ => Err(errors),
    }
}

/// The commission line an invoice produced, so a refund claws back at the
/// same rate under the same terms version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownLine {
    pub rate_bps: i64,
    pub rule: ShareRule,
    pub terms_version: i64,
}

/// An event already in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownEvent {
    pub event: EventInput,
    /// For an invoice: its line, and how much of it is already refunded.
    pub line: Option<KnownLine>,
    pub refunded_minor: i64,
}

/// What the store read for planning an import.
#[derive(Debug, Clone, Default)]
pub struct LedgerContext {
    /// Events by external id: those the import names or refers to.
    pub known: HashMap<String, KnownEvent>,
    /// Each partner's terms versions.
    pub terms: HashMap<i64, Vec<TermsVersion>>,
    /// First invoice date per (partner, customer).
    pub first_invoice_ms: HashMap<(i64, String), i64>,
    /// Latest closed statement month per (partner, currency code).
    pub last_closed: HashMap<(i64, String), Month>,
}

/// A line to write, and how it was computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedLine {
    pub kind: LineKind,
    pub commission: Commission,
    pub terms_version: i64,
    /// The month of the event the line comes from.
    pub belongs: Month,
    /// The statement it lands in; later than `belongs` for an adjustment.
    pub statement_month: Month,
    pub adjustment: bool,
    /// Referral lines: when the customer was first invoiced.
    pub first_invoice_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEvent {
    pub event: EventInput,
    pub line: PlannedLine,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportPlan {
    /// New events in row order.
    pub new: Vec<PlannedEvent>,
    /// Rows whose external id is already recorded with the same details.
    pub unchanged: usize,
}

fn same_event(a: &EventInput, b: &EventInput) -> bool {
    (a.organisation_id, &a.customer, a.occurred_ms, a.kind, a.amount, &a.refunds, a.customer_price_minor)
        == (b.organisation_id, &b.customer, b.occurred_ms, b.kind, b.amount, &b.refunds, b.customer_price_minor)
}

fn day(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

struct Invoice {
    event: EventInput,
    line: KnownLine,
    refunded_minor: i64,
}

/// Checks every row against the ledger and computes its commission line.
/// Either every row is fine and the plan lists what to write, or nothing is
/// written and every problem is returned. Rows already recorded with the
/// same details are counted as unchanged, so importing twice changes nothing.
pub fn plan_import(rows: &[EventInput], ctx: &LedgerContext) -> Result<ImportPlan, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut plan = ImportPlan::default();
    let mut seen: HashMap<&str, &EventInput> = HashMap::new();
    let mut first_invoice = ctx.first_invoice_ms.clone();
    for r in rows.iter().filter(|r| r.kind == EventKind::Invoice && !ctx.known.contains_key(&r.external_id)) {
        let first = first_invoice.entry((r.organisation_id, r.customer.clone())).or_insert(r.occurred_ms);
        *first = (*first).min(r.occurred_ms);
    }
    let mut invoices: HashMap<String, Invoice> = HashMap::new();
    // Invoices before refunds, so a refund may refer to an invoice anywhere
    // in the same file.
    let mut order: Vec<&EventInput> = rows.iter().collect();
    order.sort_by_key(|r| (r.kind == EventKind::Refund, r.row));
    for r in order {
        let err = |field: &str, m: String| RowError::new(r.row, field, m);
        if let Some(prev) = seen.get(r.external_id.as_str()) {
            if same_event(prev, r) {
                plan.unchanged += 1;
            } else {
                errors.push(err(
                    "external_id",
                    format!("External id {} is also on row {} with different details.", r.external_id, prev.row),
                ));
            }
            continue;
        }
        seen.insert(&r.external_id, r);
        if let Some(k) = ctx.known.get(&r.external_id) {
            if same_event(&k.event, r) {
                plan.unchanged += 1;
            } else {
                errors.push(err(
                    "external_id",
                    format!(
                        "External id {} is already recorded with different details ({} {} for {} on {}).",
                        r.external_id,
                        k.event.kind.label().to_lowercase(),
                        k.event.amount,
                        k.event.customer,
                        day(k.event.occurred_ms)
                    ),
                ));
            }
            continue;
        }
        let belongs = Month::of_ms(r.occurred_ms);
        let (statement, adjustment) = statement_month(
            belongs,
            ctx.last_closed.get(&(r.organisation_id, r.amount.currency.code().to_owned())).copied(),
        );
        match r.kind {
            EventKind::Invoice => {
                let versions = ctx.terms.get(&r.organisation_id).map(Vec::as_slice).unwrap_or_default();
                let Some(tv) = in_force(versions, r.occurred_ms) else {
                    errors.push(err(
                        "date",
                        format!("No revenue-share terms were in force for this partner on {}.", day(r.occurred_ms)),
                    ));
                    continue;
                };
                let first =
                    first_invoice.get(&(r.organisation_id, r.customer.clone())).copied().unwrap_or(r.occurred_ms);
                let c = commission(
                    &tv.terms,
                    r.amount,
                    DateTime::from_timestamp_millis(r.occurred_ms).unwrap_or_default(),
                    DateTime::from_timestamp_millis(first).unwrap_or_default(),
                );
                invoices.insert(
                    r.external_id.clone(),
                    Invoice {
                        event: r.clone(),
                        line: KnownLine { rate_bps: c.rate_bps, rule: c.rule, terms_version: tv.version },
                        refunded_minor: 0,
                    },
                );
                let referral = tv.terms.model == RevenueModel::Referral;
                plan.new.push(PlannedEvent {
                    event: r.clone(),
                    line: PlannedLine {
                        kind: LineKind::Commission,
                        commission: c,
                        terms_version: tv.version,
                        belongs,
                        statement_month: statement,
                        adjustment,
                        first_invoice_ms: referral.then_some(first),
                    },
                });
            }
            EventKind::Refund => {
                let reference = r.refunds.clone().unwrap_or_default();
                if !invoices.contains_key(&reference) {
                    match ctx.known.get(&reference) {
                        Some(KnownEvent { event, line: Some(line), refunded_minor })
                            if event.kind == EventKind::Invoice =>
                        {
                            invoices.insert(
                                reference.clone(),
                                Invoice { event: event.clone(), line: *line, refunded_minor: *refunded_minor },
                            );
                        }
                        _ => {
                            errors
                                .push(err("refunds", format!("No invoice with external id {reference} is recorded.")));
                            continue;
                        }
                    }
                }
                let Some(inv) = invoices.get_mut(&reference) else { continue };
                let problem = if inv.event.organisation_id != r.organisation_id {
                    Some("The invoice belongs to another partner.".to_owned())
                } else if inv.event.customer != r.customer {
                    Some(format!("The invoice is for customer {}.", inv.event.customer))
                } else if inv.event.amount.currency != r.amount.currency {
                    Some(format!("The invoice is in {}.", inv.event.amount.currency.code()))
                } else if r.occurred_ms < inv.event.occurred_ms {
                    Some(format!("The refund is dated before its invoice ({}).", day(inv.event.occurred_ms)))
                } else if r.amount.minor > inv.event.amount.minor - inv.refunded_minor {
                    Some(format!(
                        "The refund exceeds what remains refundable on the invoice ({}).",
                        Money::new(inv.event.amount.minor - inv.refunded_minor, r.amount.currency)
                    ))
                } else {
                    None
                };
                if let Some(p) = problem {
                    errors.push(err("refunds", p));
                    continue;
                }
                // Claw back the change in the rounded share of what has been
                // refunded so far, so partial refunds that add up to the
                // invoice claw back exactly its commission, never more.
                let rate = inv.line.rate_bps;
                let before = apply_bps(inv.refunded_minor, rate);
                inv.refunded_minor += r.amount.minor;
                let base = Money::new(-r.amount.minor, r.amount.currency);
                let c = Commission {
                    base,
                    rate_bps: rate,
                    rule: inv.line.rule,
                    amount: Money::new(before - apply_bps(inv.refunded_minor, rate), base.currency),
                };
                plan.new.push(PlannedEvent {
                    event: r.clone(),
                    line: PlannedLine {
                        kind: LineKind::Clawback,
                        commission: c,
                        terms_version: inv.line.terms_version,
                        belongs,
                        statement_month: statement,
                        adjustment,
                        first_invoice_ms: None,
                    },
                });
            }
        }
    }
    if errors.is_empty() {
        plan.new.sort_by_key(|p| p.event.row);
        Ok(plan)
    } else {
        errors.sort_by(|a, b| (a.row, &a.field).cmp(&(b.row, &b.field)));
        Err(errors)
    }
}

/// A statement's closing figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// Carried in plus the lines.
    pub balance_minor: i64,
    /// A positive balance is paid out.
    pub payout_minor: Option<i64>,
    /// A negative balance is carried into the next statement.
    pub carry_forward_minor: i64,
}

pub fn close_statement(carried_in_minor: i64, lines_total_minor: i64) -> Closing {
    let balance = carried_in_minor.saturating_add(lines_total_minor);
    Closing {
        balance_minor: balance,
        payout_minor: (balance > 0).then_some(balance),
        carry_forward_minor: balance.min(0),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CloseError {
    #[error("This statement is already closed.")]
    AlreadyClosed,
    #[error("{0} is not over yet; a statement closes after its month ends.")]
    MonthNotOver(Month),
    #[error("Close the {0} statement first; statements close in order.")]
    EarlierOpen(Month),
}

/// Whether the statement for `month` may close now.
pub fn check_close(
    month: Month,
    status: StatementStatus,
    now: Month,
    earliest_open: Option<Month>,
) -> Result<(), CloseError> {
    if status == StatementStatus::Closed {
        return Err(CloseError::AlreadyClosed);
    }
    if month >= now {
        return Err(CloseError::MonthNotOver(month));
    }
    match earliest_open {
        Some(e) if e < month => Err(CloseError::EarlierOpen(e)),
        _ => Ok(()),
    }
}

/// The terms in force on the last day of `month`, which govern its close.
pub fn in_force_for_close(versions: &[TermsVersion], month: Month) -> Option<&TermsVersion> {
    in_force(versions, month.next().start_ms() - 1)
}

/// The reseller's bonus earned when the statement for `month` closes: only
/// at a quarter's end, on the quarter's revenue in the terms' currency.
pub fn quarter_bonus(terms: &Terms, month: Month, currency: &str, quarter_revenue_minor: i64) -> Option<i64> {
    if terms.model != RevenueModel::Reseller || !month.is_quarter_end() || terms.currency != currency {
        return None;
    }
    Some(volume_bonus(&terms.bonus_schedule, quarter_revenue_minor)).filter(|b| *b > 0)
}

/// The bounty a milestone earns under these terms, if any.
pub fn bounty(terms: &Terms, milestone: &str) -> Option<i64> {
    if terms.model != RevenueModel::Technology {
        return None;
    }
    terms.bounties.iter().find(|(m, _)| m == milestone).map(|(_, a)| *a).filter(|a| *a > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayoutError {
    #[error("This payout is {0}; it cannot be {1}.")]
    WrongState(&'static str, &'static str),
    #[error("Enter the payment reference (up to 100 characters).")]
    ReferenceRequired,
}

/// The payouts a manager saw when asked to approve them together, as the
/// form carries them: `id:version` pairs separated by commas.
pub fn seen_payouts(list: &[Payout]) -> String {
    list.iter().map(|p| format!("{}:{}", p.id, p.version)).collect::<Vec<_>>().join(",")
}

/// Reads `seen_payouts` back; anything else is refused whole.
pub fn parse_seen_payouts(s: &str) -> Option<Vec<(i64, i64)>> {
    let pairs: Option<Vec<(i64, i64)>> = s
        .split(',')
        .map(|pair| {
            let (id, version) = pair.trim().split_once(':')?;
            Some((id.parse().ok()?, version.parse().ok()?))
        })
        .collect();
    pairs.filter(|p| !p.is_empty() && p.len() <= 1000)
}

/// The payouts a manager asked to approve together (`seen`, as
/// `parse_seen_payouts` reads them) out of those waiting for approval now:
/// every one, each still at the version seen, or `None` when any was
/// approved, paid or changed meanwhile, so none is approved.
pub fn still_as_seen(seen: &[(i64, i64)], mut waiting: Vec<Payout>) -> Option<Vec<Payout>> {
    waiting.retain(|p| seen.iter().any(|(id, _)| *id == p.id));
    let unchanged = waiting.len() == seen.len() && waiting.iter().all(|p| seen.contains(&(p.id, p.version)));
    unchanged.then_some(waiting)
}

/// Amounts added up per currency, in the order currencies first appear:
/// the total a bulk action names before it acts.
pub fn total_per_currency(amounts: impl IntoIterator<Item = Money>) -> Vec<Money> {
    let mut totals: Vec<Money> = Vec::new();
    for m in amounts {
        match totals.iter_mut().find(|t| t.currency == m.currency) {
            Some(t) => t.minor += m.minor,
            None => totals.push(m),
        }
    }
    totals
}

/// The next payout state: pending → approved → paid (with a reference).
pub fn payout_step(status: PayoutStatus, action: PayoutAction, reference: &str) -> Result<PayoutStatus, PayoutError> {
    match (status, action) {
        (PayoutStatus::Pending, PayoutAction::Approve) => Ok(PayoutStatus::Approved),
        (PayoutStatus::Approved, PayoutAction::Pay) => {
            let r = reference.trim();
            if r.is_empty() || r.chars().count() > 100 || r.chars().any(char::is_control) {
                Err(PayoutError::ReferenceRequired)
            } else {
                Ok(PayoutStatus::Paid)
            }
        }
        (s, a) => Err(PayoutError::WrongState(
            match s {
                PayoutStatus::Pending => "waiting for approval",
                PayoutStatus::Approved => "approved",
                PayoutStatus::Paid => "paid",
            },
            match a {
                PayoutAction::Approve => "approved",
                PayoutAction::Pay => "marked as paid before it is approved",
            },
        )),
    }
}

/// `12.5` → 1250 basis points. At most two decimals.
pub fn parse_percent(s: &str) -> Result<i64, String> {
    let t = s.trim().trim_end_matches('%').trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err("Enter a percentage like 12.5 (at most two decimals).".into());
    }
    let whole: i64 = whole.parse().map_err(|_| "The percentage is too large.".to_owned())?;
    let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .filter(|b| *b <= 10_000)
        .ok_or_else(|| "Use at most 100 %.".into())
}

/// A volume-bonus schedule typed one tier per line as `threshold, bonus`
/// (amounts in `currency`).
pub fn parse_schedule(text: &str, currency: Currency) -> Result<Vec<(i64, i64)>, String> {
    let mut tiers: Vec<(i64, i64)> = Vec::new();
    for (i, line) in text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()) {
        let n = i + 1;
        let (t, b) = line.split_once(['=', ';', '\t']).or_else(|| line.rsplit_once(',')).ok_or_else(|| {
            format!("Line {n}: write the quarterly revenue threshold and the bonus, like 100000.00 = 1000.00.")
        })?;
        let t = Money::parse(t, currency).map_err(|e| format!("Line {n}: {e}"))?.minor;
        let b = Money::parse(b, currency).map_err(|e| format!("Line {n}: {e}"))?.minor;
        if t <= 0 || b < 0 {
            return Err(format!("Line {n}: the threshold must be positive and the bonus not negative."));
        }
        if tiers.iter().any(|(x, _)| *x == t) {
            return Err(format!("Line {n}: that threshold is listed twice."));
        }
        tiers.push((t, b));
    }
    tiers.sort();
    Ok(tiers)
}

/// A text cell for a CSV export that spreadsheets will not run as a
/// formula: text starting with `=`, `+`, `-`, `@` or a control character
/// gets a leading apostrophe (OWASP "CSV injection").
pub fn spreadsheet_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The exact, unrounded share as a decimal in the currency's units, for
/// "why this amount": `12345 × 1250 bps` in USD is `15.431250`.
pub fn exact_share(base: Money, bps: i64) -> String {
    let product = i128::from(base.minor) * i128::from(bps);
    let places = base.currency.minor_digits() + 4;
    let scale = 10i128.pow(places);
    let sign = if product < 0 { "-" } else { "" };
    let abs = product.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale as u128, abs % scale as u128, width = places as usize)
}

/// A monthly statement of one partner in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub currency: Currency,
    pub month: Month,
    pub status: StatementStatus,
    pub lines_total_minor: i64,
    pub carried_in_minor: i64,
    /// Set when closed.
    pub balance_minor: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub payout: Option<Payout>,
}

/// One line of a statement with everything "why this amount" shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub id: i64,
    pub kind: LineKind,
    pub customer: String,
    /// The source event, if the line has one (bonuses and bounties do not).
    pub event_external_id: Option<String>,
    pub event_date_ms: Option<i64>,
    /// The invoice a refund refers to.
    pub refunds_external_id: Option<String>,
    pub customer_price_minor: Option<i64>,
    pub milestone: Option<String>,
    /// The co-marketing activity of a fund line: "Webinar: Scaling agents".
    #[serde(default)]
    pub fund_activity: Option<String>,
    pub belongs: Month,
    pub adjustment: bool,
    pub base: Money,
    pub rate_bps: i64,
    pub rule: ShareRule,
    pub amount: Money,
    pub terms_version: Option<i64>,
    pub first_invoice_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub id: i64,
    pub statement_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub month: Month,
    pub amount: Money,
    pub status: PayoutStatus,
    pub reference: Option<String>,
    pub version: i64,
    pub created_at_ms: i64,
    pub paid_at_ms: Option<i64>,
}

/// An import attempt: imported whole, or rejected with its row errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub id: i64,
    pub source: String,
    pub imported: bool,
    pub row_count: i64,
    pub new_count: i64,
    pub unchanged_count: i64,
    pub errors: Vec<RowError>,
    pub created_at_ms: i64,
    pub created_by: String,
}

/// One partner's revenue and commission in one month and currency, from
/// the rollups (by the month the underlying events belong to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyFigure {
    pub organisation_id: i64,
    pub organisation: String,
    pub month: Month,
    pub currency: Currency,
    pub revenue_minor: i64,
    pub commission_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFigure {
    pub customer: String,
    pub currency: Currency,
    pub revenue_minor: i64,
    pub commission_minor: i64,
    /// White-label: what the partner charged its customer, where recorded.
    pub customer_price_minor: i64,
}

/// What a checked import would add to one statement: the partner's month
/// and currency that its lines land in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStatement {
    pub organisation_id: i64,
    pub month: Month,
    pub currency: Currency,
    pub events: usize,
    /// Revenue the lines carry (refunds negative).
    pub revenue_minor: i64,
    pub commission_minor: i64,
    /// Lines for an earlier month's event (a refund after its month closed).
    pub adjustments: usize,
}

/// Sums a plan per statement (partner, month, currency) in that order, so a
/// manager sees where every line would land before importing.
pub fn planned_statements(plan: &ImportPlan) -> Vec<PlannedStatement> {
    let mut map: std::collections::BTreeMap<(i64, Month, &'static str), PlannedStatement> = Default::default();
    for p in &plan.new {
        let currency = p.event.amount.currency;
        let key = (p.event.organisation_id, p.line.statement_month, currency.code());
        let s = map.entry(key).or_insert(PlannedStatement {
            organisation_id: p.event.organisation_id,
            month: p.line.statement_month,
            currency,
            events: 0,
            revenue_minor: 0,
            commission_minor: 0,
            adjustments: 0,
        });
        s.events += 1;
        s.revenue_minor += p.event.signed_minor();
        s.commission_minor += p.line.commission.amount.minor;
        s.adjustments += usize::from(p.line.adjustment);
    }
    map.into_values().collect()
}

/// What an import tells a partner's webhook subscribers about one of its
/// statements: the commission lines it created (`commission.created`, from
/// invoices) or reversed (`commission.reversed`, from refunds). One notice
/// per statement and kind rather than per line, so a year of history moved
/// in does not flood a partner's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionNotice {
    pub organisation_id: i64,
    pub event_type: &'static str,
    pub month: Month,
    pub currency: Currency,
    pub lines: usize,
    pub commission_minor: i64,
    /// The events' external ids, the first `NOTICE_IDS` of them.
    pub external_ids: Vec<String>,
}

/// External ids a commission notice lists; `lines` counts them all.
pub const NOTICE_IDS: usize = 100;

/// The notices of a plan, by partner, statement and kind.
pub fn commission_notices(plan: &ImportPlan) -> Vec<CommissionNotice> {
    let mut map: std::collections::BTreeMap<(i64, Month, &'static str, &'static str), CommissionNotice> =
        Default::default();
    for p in &plan.new {
        let event_type = match p.event.kind {
            EventKind::Invoice => "commission.created",
            EventKind::Refund => "commission.reversed",
        };
        let currency = p.event.amount.currency;
        let key = (p.event.organisation_id, p.line.statement_month, currency.code(), event_type);
        let n = map.entry(key).or_insert(CommissionNotice {
            organisation_id: p.event.organisation_id,
            event_type,
            month: p.line.statement_month,
            currency,
            lines: 0,
            commission_minor: 0,
            external_ids: Vec::new(),
        });
        n.lines += 1;
        n.commission_minor += p.line.commission.amount.minor;
        if n.external_ids.len() < NOTICE_IDS {
            n.external_ids.push(p.event.external_id.clone());
        }
    }
    map.into_values().collect()
}

/// The headline of a check that found problems.
pub fn refused_check_summary(problems: usize, rows: usize) -> String {
    let found = refused_import_summary(problems, rows as i64);
    // Same counting words as a refused import, said of a check.
    found.replacen("Nothing was imported", "Importing this file would be refused", 1).replacen(
        "import the file again",
        "check it again",
        1,
    )
}

/// The headline of a check that found no problem.
pub fn checked_summary(new: usize, unchanged: usize, statements: usize, partners: usize) -> String {
    let skipped = match unchanged {
        0 => String::new(),
        1 => "; 1 row is already recorded and would be skipped".to_owned(),
        n => format!("; {} are already recorded and would be skipped", count(n as i64, "row", "rows")),
    };
    format!(
        "No problem found. Importing would add {} to {} of {}{skipped}. Nothing has been imported yet.",
        count(new as i64, "new event", "new events"),
        count(statements as i64, "statement", "statements"),
        count(partners as i64, "partner", "partners"),
    )
}

/// Sums figures per (month, currency), months in order.
pub fn totals_by_month(figures: &[MonthlyFigure]) -> Vec<(Month, Currency, i64, i64)> {
    let mut map: std::collections::BTreeMap<(Month, &'static str), (Currency, i64, i64)> = Default::default();
    for f in figures {
        let e = map.entry((f.month, f.currency.code())).or_insert((f.currency, 0, 0));
        e.1 += f.revenue_minor;
        e.2 += f.commission_minor;
    }
    map.into_iter().map(|((m, _), (c, r, k))| (m, c, r, k)).collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_upload_turned_away_says_why_and_names_the_limit_it_met() {
        assert_eq!(import_text(vec![0xe9, b'\n']), Err(ImportRefusal::NotUtf8), "Latin-1 é");
        assert_eq!(import_text(" \u{feff}\n\t".as_bytes().to_vec()), Err(ImportRefusal::Empty));
        assert_eq!(import_text(b"partner\n".to_vec()).as_deref(), Ok("partner\n"));
        assert_eq!(import_text(vec![b'a'; MAX_IMPORT_BYTES + 1]), Err(ImportRefusal::TooLarge));
        let too_large = ImportRefusal::TooLarge.message();
        assert!(too_large.contains("2 MiB") && too_large.contains("5,000 rows"), "{too_large}");
        assert!(ImportRefusal::NotUtf8.message().contains("CSV UTF-8"));
        assert_eq!(ImportRefusal::parse("not-utf8"), Some(ImportRefusal::NotUtf8));
        assert_eq!(import_limits(), "A CSV file in UTF-8 of at most 2 MiB and 5,000 rows; split larger files.");
    }

    #[test]
    fn a_refused_import_counts_its_problems_and_rows_in_words_that_agree() {
        assert_eq!(
            refused_import_summary(1, 0),
            "Nothing was imported: 1 problem with the file. Fix it and import the file again."
        );
        assert_eq!(
            refused_import_summary(1, 1),
            "Nothing was imported: 1 problem in its one row. Fix it and import the file again."
        );
        assert_eq!(
            refused_import_summary(3, 4_200),
            "Nothing was imported: 3 problems in 4,200 rows. Fix them and import the file again."
        );
        assert_eq!(imported_summary(1, 0), "Imported: 1 new event.");
        assert_eq!(imported_summary(2, 1), "Imported: 2 new events; 1 row was already recorded and was skipped.");
    }

    use super::*;
    use crate::domain::terms::default_terms;

    #[test]
    fn an_import_notifies_commission_created_and_reversed_once_per_statement() {
        let ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let rows = [
            event(2, "inv-1", EventKind::Invoice, 100_000, ms(2026, 5, 10)),
            event(3, "inv-2", EventKind::Invoice, 50_000, ms(2026, 5, 20)),
            event(4, "ref-1", EventKind::Refund, 20_000, ms(2026, 5, 21)),
        ];
        let plan = plan_import(&rows, &ctx).unwrap();
        let got: Vec<_> = commission_notices(&plan)
            .into_iter()
            .map(|n| (n.event_type, n.month, n.lines, n.commission_minor, n.external_ids))
            .collect();
        assert_eq!(
            got,
            [
                ("commission.created", m(2026, 5), 2, 30_000, vec!["inv-1".to_owned(), "inv-2".to_owned()]),
                ("commission.reversed", m(2026, 5), 1, -4_000, vec!["ref-1".to_owned()]),
            ]
        );
    }

    #[test]
    fn a_check_sums_what_an_import_would_add_to_each_statement_without_writing_it() {
        let ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let rows = [
            event(2, "inv-1", EventKind::Invoice, 100_000, ms(2026, 5, 10)),
            event(3, "inv-2", EventKind::Invoice, 50_000, ms(2026, 5, 20)),
            event(4, "inv-3", EventKind::Invoice, 10_000, ms(2026, 6, 2)),
            event(5, "ref-1", EventKind::Refund, 20_000, ms(2026, 6, 3)),
        ];
        let plan = plan_import(&rows, &ctx).unwrap();
        let got = planned_statements(&plan);
        let sums: Vec<_> = got.iter().map(|s| (s.month, s.events, s.revenue_minor, s.commission_minor)).collect();
        let rate =
            |minor: i64| plan.new.iter().find(|p| p.event.amount.minor == minor).unwrap().line.commission.amount.minor;
        assert_eq!(
            sums,
            [
                (m(2026, 5), 2, 150_000, rate(100_000) + rate(50_000)),
                (m(2026, 6), 2, -10_000, rate(10_000) + rate(20_000))
            ]
        );
        assert!(rate(20_000) < 0, "a refund claws back");
        assert_eq!(
            checked_summary(4, 1, 2, 1),
            "No problem found. Importing would add 4 new events to 2 statements of 1 partner; 1 row is already \
             recorded and would be skipped. Nothing has been imported yet."
        );
        assert_eq!(
            refused_check_summary(2, 10),
            "Importing this file would be refused: 2 problems in 10 rows. Fix them and check it again."
        );
    }

    #[test]
    fn an_import_list_line_counts_new_and_skipped_rows_or_the_problems_that_refused_it() {
        assert_eq!(import_result(true, 3, 0, 0), "3 new, 0 already recorded");
        assert_eq!(import_result(false, 0, 0, 1), "Refused: 1 problem");
        assert_eq!(import_result(false, 0, 0, 2), "Refused: 2 problems");
    }

    #[test]
    fn the_import_list_choice_reads_unknown_keys_as_every_import() {
        assert_eq!(ImportShow::read("refused").imported(), Some(false));
        assert_eq!(ImportShow::read("imported").imported(), Some(true));
        assert_eq!(ImportShow::read("<script>").imported(), None);
    }

    #[test]
    fn the_payouts_seen_travel_as_id_version_pairs_and_anything_else_is_refused() {
        assert_eq!(parse_seen_payouts("12:0, 13:4"), Some(vec![(12, 0), (13, 4)]));
        for bad in ["", "12", "12:x", "12:0,,13:1", "a:b"] {
            assert_eq!(parse_seen_payouts(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn payouts_approved_together_go_only_if_every_one_still_waits_as_seen() {
        let payout = |id: i64, version: i64| Payout {
            id,
            statement_id: id,
            organisation_id: 1,
            organisation: "Acme".into(),
            month: Month { year: 2026, month: 10 },
            amount: Money::new(100, usd()),
            status: PayoutStatus::Pending,
            reference: None,
            version,
            created_at_ms: 0,
            paid_at_ms: None,
        };
        let waiting = || vec![payout(1, 0), payout(2, 3), payout(9, 0)];
        let ids = |l: Option<Vec<Payout>>| l.map(|l| l.iter().map(|p| p.id).collect::<Vec<_>>());
        assert_eq!(ids(still_as_seen(&[(1, 0), (2, 3)], waiting())), Some(vec![1, 2]), "others waiting stay out");
        assert_eq!(ids(still_as_seen(&[(1, 0), (2, 2)], waiting())), None, "one changed since");
        assert_eq!(ids(still_as_seen(&[(1, 0), (5, 0)], waiting())), None, "one no longer waits");
    }

    #[test]
    fn a_bulk_total_adds_up_per_currency_in_the_order_they_appear() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let totals = total_per_currency([Money::new(100, usd), Money::new(250, eur), Money::new(5, usd)]);
        assert_eq!(totals, vec![Money::new(105, usd), Money::new(250, eur)]);
        assert!(total_per_currency([]).is_empty());
    }

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn ms(y: i32, m: u32, d: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap().timestamp_millis()
    }

    fn m(y: i32, mo: u32) -> Month {
        Month { year: y, month: mo }
    }

    fn terms_ctx(org: i64, terms: Terms) -> LedgerContext {
        let mut ctx = LedgerContext::default();
        ctx.terms.insert(org, vec![TermsVersion { version: 1, effective_from_ms: ms(2025, 1, 1), terms }]);
        ctx
    }

    fn event(row: usize, ext: &str, kind: EventKind, minor: i64, on: i64) -> EventInput {
        EventInput {
            row,
            organisation_id: 7,
            customer: "Acme".into(),
            occurred_ms: on,
            kind,
            amount: Money::new(minor, usd()),
            refunds: (kind == EventKind::Refund).then(|| "inv-1".to_owned()),
            external_id: ext.into(),
            customer_price_minor: None,
        }
    }

    /// What the store would hold after writing a plan.
    fn apply(ctx: &mut LedgerContext, plan: &ImportPlan) {
        for p in &plan.new {
            if let Some(r) = &p.event.refunds {
                if let Some(inv) = ctx.known.get_mut(r) {
                    inv.refunded_minor += p.event.amount.minor;
                }
            }
            ctx.known.insert(
                p.event.external_id.clone(),
                KnownEvent {
                    event: p.event.clone(),
                    line: (p.event.kind == EventKind::Invoice).then_some(KnownLine {
                        rate_bps: p.line.commission.rate_bps,
                        rule: p.line.commission.rule,
                        terms_version: p.line.terms_version,
                    }),
                    refunded_minor: 0,
                },
            );
        }
    }

    #[test]
    fn quarters_know_their_months_neighbours_and_labels() {
        let q = Quarter::parse("2026-Q3").unwrap();
        assert_eq!(q.months(), [m(2026, 7), m(2026, 8), m(2026, 9)]);
        assert_eq!(q.long_label(), "Q3 2026 (July–September)");
        assert_eq!(Quarter::parse("2026-Q1").unwrap().prev().key(), "2025-Q4");
        assert_eq!(Quarter::parse("2026-Q5"), None);
    }

    #[test]
    fn months_know_their_neighbours_quarters_and_labels() {
        assert_eq!(m(2026, 12).next(), m(2027, 1));
        assert_eq!(m(2026, 1).prev(), m(2025, 12));
        assert_eq!(Month::parse("2026-03"), Some(m(2026, 3)));
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(m(2026, 11).key(), "2026-11");
        assert_eq!(m(2026, 11).label(), "November 2026");
        assert_eq!(m(2026, 5).quarter_months(), [m(2026, 4), m(2026, 5), m(2026, 6)]);
        assert!(m(2026, 6).is_quarter_end() && !m(2026, 5).is_quarter_end());
        assert_eq!(m(2026, 2).last_n(3), vec![m(2025, 12), m(2026, 1), m(2026, 2)]);
        assert_eq!(Month::of_ms(ms(2026, 2, 28)), m(2026, 2));
    }

    #[test]
    fn a_line_lands_in_its_own_month_unless_that_month_is_closed() {
        assert_eq!(statement_month(m(2026, 10), None), (m(2026, 10), false));
        assert_eq!(statement_month(m(2026, 10), Some(m(2026, 9))), (m(2026, 10), false));
        assert_eq!(statement_month(m(2026, 9), Some(m(2026, 10))), (m(2026, 11), true));
        assert_eq!(statement_month(m(2026, 10), Some(m(2026, 10))), (m(2026, 11), true));
    }

    #[test]
    fn csv_rows_are_read_by_header_name_with_their_line_numbers() {
        let text = "external_id,partner,customer,date,amount,currency,kind\n\
                    inv-1,Acme Partners,Globex,2026-11-01,100.00,USD,invoice\n\n\
                    inv-2,\"Acme, Inc\",Globex,2026-11-02,5,JPY,invoice\n";
        let rows = read_csv(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].row, rows[0].external_id.as_str(), rows[0].partner.as_str()),
            (2, "inv-1", "Acme Partners")
        );
        assert_eq!((rows[1].row, rows[1].partner.as_str(), rows[1].refunds.as_str()), (4, "Acme, Inc", ""));
    }

    #[test]
    fn a_row_with_more_or_fewer_fields_than_the_header_is_refused() {
        let text = "partner,customer,date,amount,currency,kind,external_id,customer_price\n\
                    P,C,2026-11-01,10,USD,invoice,inv-1,1,000.00\n";
        assert!(read_csv(text).unwrap_err().contains("Line 2 has 9 fields but the header names 8"));
    }

    #[test]
    fn partial_refunds_claw_back_exactly_the_invoices_commission_in_total() {
        let mut t = default_terms(RevenueModel::Referral);
        t.first_year_bps = Some(1_000);
        let mut ctx = terms_ctx(7, t);
        let inv = plan_import(&[event(2, "inv-1", EventKind::Invoice, 15, ms(2026, 9, 10))], &ctx).unwrap();
        assert_eq!(inv.new[0].line.commission.amount.minor, 2); // 1.5 cents rounds to 2
        apply(&mut ctx, &inv);
        let parts: Vec<_> =
            (0..3).map(|i| event(2 + i, &format!("ref-{i}"), EventKind::Refund, 5, ms(2026, 9, 11))).collect();
        let plan = plan_import(&parts, &ctx).unwrap();
        let back: Vec<i64> = plan.new.iter().map(|p| p.line.commission.amount.minor).collect();
        assert_eq!(back.iter().sum::<i64>(), -2, "{back:?}");
    }

    #[test]
    fn a_csv_without_the_required_columns_or_rows_is_refused_whole() {
        assert!(read_csv("partner,customer\nA,B\n").unwrap_err().contains("missing: date, amount, currency, kind"));
        assert!(read_csv(&CSV_COLUMNS.join(",")).unwrap_err().contains("no rows"));
        assert!(read_csv("partner,customer,date,amount,currency,kind,external_id,colour\n")
            .unwrap_err()
            .contains("colour"));
    }

    #[test]
    fn every_problem_of_a_row_is_reported_by_field() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let raw = RawEvent {
            row: 3,
            customer: "".into(),
            date: "2026-12-01".into(),
            amount: "10.001".into(),
            currency: "USD".into(),
            kind: "refund".into(),
            external_id: "x".into(),
            ..Default::default()
        };
        let errors = parse_event(&raw, Err("No partner is named Foo.".into()), today).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["partner", "customer", "date", "amount", "refunds"]);
        assert!(errors.iter().all(|e| e.row == 3));
        let good = RawEvent {
            customer: "Globex".into(),
            date: "2026-11-22".into(),
            amount: "10.00".into(),
            refunds: "inv-1".into(),
            ..raw
        };
        let e = parse_event(&good, Ok(7), today).unwrap();
        assert_eq!((e.amount.minor, e.signed_minor(), e.kind), (1_000, -1_000, EventKind::Refund));
    }

    #[test]
    fn an_invoice_earns_commission_under_the_terms_in_force_on_its_date() {
        let mut ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let mut better = default_terms(RevenueModel::Reseller);
        better.margin_bps = Some(2_500);
        ctx.terms.get_mut(&7).unwrap().push(TermsVersion {
            version: 2,
            effective_from_ms: ms(2026, 6, 1),
            terms: better,
        });
        let rows = [
            event(2, "inv-1", EventKind::Invoice, 100_000, ms(2026, 5, 31)),
            event(3, "inv-2", EventKind::Invoice, 100_000, ms(2026, 6, 1)),
        ];
        let plan = plan_import(&rows, &ctx).unwrap();
        let got: Vec<_> = plan.new.iter().map(|p| (p.line.terms_version, p.line.commission.amount.minor)).collect();
        assert_eq!(got, [(1, 20_000), (2, 25_000)]);
    }

    #[test]
    fn a_referral_line_uses_the_first_year_rate_until_twelve_months_after_the_first_invoice() {
        let ctx = terms_ctx(7, default_terms(RevenueModel::Referral));
        let rows = [
            event(2, "inv-b", EventKind::Invoice, 10_000, ms(2026, 3, 14)),
            event(3, "inv-c", EventKind::Invoice, 10_000, ms(2026, 3, 15)),
            // The earliest invoice anywhere in the file starts the year.
            event(4, "inv-a", EventKind::Invoice, 10_000, ms(2025, 3, 15)),
        ];
        let plan = plan_import(&rows, &ctx).unwrap();
        let got: Vec<_> = plan.new.iter().map(|p| (p.line.commission.rule, p.line.commission.amount.minor)).collect();
        assert_eq!(
            got,
            [
                (ShareRule::ReferralFirstYear, 1_000),
                (ShareRule::ReferralOngoing, 500),
                (ShareRule::ReferralFirstYear, 1_000)
            ]
        );
        assert_eq!(plan.new[1].line.first_invoice_ms, Some(ms(2025, 3, 15)));
    }

    #[test]
    fn a_refund_claws_back_at_its_invoices_rate_even_after_the_terms_changed() {
        let mut ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let first = plan_import(&[event(2, "inv-1", EventKind::Invoice, 12_345, ms(2026, 5, 10))], &ctx).unwrap();
        apply(&mut ctx, &first);
        let mut better = default_terms(RevenueModel::Reseller);
        better.margin_bps = Some(3_000);
        ctx.terms.get_mut(&7).unwrap().push(TermsVersion {
            version: 2,
            effective_from_ms: ms(2026, 6, 1),
            terms: better,
        });
        ctx.last_closed.insert((7, "USD".into()), m(2026, 5));
        let refund = plan_import(&[event(2, "ref-1", EventKind::Refund, 12_345, ms(2026, 6, 2))], &ctx).unwrap();
        let line = &refund.new[0].line;
        assert_eq!((line.kind, line.terms_version, line.commission.rate_bps), (LineKind::Clawback, 1, 2_000));
        assert_eq!(line.commission.amount.minor, -first.new[0].line.commission.amount.minor);
        assert_eq!((line.statement_month, line.adjustment), (m(2026, 6), false));
    }

    #[test]
    fn a_late_refund_for_a_closed_month_lands_in_the_next_open_statement_as_an_adjustment() {
        let mut ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let inv = plan_import(&[event(2, "inv-1", EventKind::Invoice, 50_000, ms(2026, 9, 10))], &ctx).unwrap();
        apply(&mut ctx, &inv);
        ctx.last_closed.insert((7, "USD".into()), m(2026, 10));
        let plan = plan_import(&[event(2, "ref-1", EventKind::Refund, 20_000, ms(2026, 9, 20))], &ctx).unwrap();
        let line = &plan.new[0].line;
        assert_eq!((line.belongs, line.statement_month, line.adjustment), (m(2026, 9), m(2026, 11), true));
        assert_eq!(line.commission.amount.minor, -4_000);
    }

    #[test]
    fn refunds_must_match_their_invoice_and_never_exceed_it() {
        let mut ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let inv = plan_import(&[event(2, "inv-1", EventKind::Invoice, 10_000, ms(2026, 9, 10))], &ctx).unwrap();
        apply(&mut ctx, &inv);
        let ok = event(2, "ref-1", EventKind::Refund, 6_000, ms(2026, 9, 11));
        let too_much = event(3, "ref-2", EventKind::Refund, 4_001, ms(2026, 9, 12));
        let early = event(4, "ref-3", EventKind::Refund, 1, ms(2026, 9, 1));
        let mut other = event(5, "ref-4", EventKind::Refund, 1, ms(2026, 9, 12));
        other.customer = "Initech".into();
        let mut missing = event(6, "ref-5", EventKind::Refund, 1, ms(2026, 9, 12));
        missing.refunds = Some("inv-9".into());
        let errors = plan_import(&[ok, too_much, early, other, missing], &ctx).unwrap_err();
        let rows: Vec<_> = errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, [3, 4, 5, 6]);
        assert!(errors[0].message.contains("40.00 USD"), "{}", errors[0].message);
    }

    #[test]
    fn one_bad_row_rejects_the_whole_import_and_names_every_problem() {
        let ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let mut unknown_partner = event(3, "inv-2", EventKind::Invoice, 1, ms(2026, 9, 10));
        unknown_partner.organisation_id = 99;
        let rows = [event(2, "inv-1", EventKind::Invoice, 10_000, ms(2026, 9, 10)), unknown_partner];
        let errors = plan_import(&rows, &ctx).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].row, errors[0].field.as_str()), (3, "date"));
    }

    #[test]
    fn a_known_external_id_with_other_details_is_an_error_and_with_the_same_details_is_skipped() {
        let mut ctx = terms_ctx(7, default_terms(RevenueModel::Reseller));
        let rows = [event(2, "inv-1", EventKind::Invoice, 10_000, ms(2026, 9, 10))];
        let first = plan_import(&rows, &ctx).unwrap();
        apply(&mut ctx, &first);
        assert_eq!(plan_import(&rows, &ctx).unwrap(), ImportPlan { new: vec![], unchanged: 1 });
        let changed = [event(2, "inv-1", EventKind::Invoice, 10_001, ms(2026, 9, 10))];
        assert!(plan_import(&changed, &ctx).unwrap_err()[0].message.contains("already recorded"));
        let twice = [rows[0].clone(), event(3, "inv-1", EventKind::Invoice, 5, ms(2026, 9, 10))];
        let fresh = terms_ctx(7, default_terms(RevenueModel::Reseller));
        assert!(plan_import(&twice, &fresh).unwrap_err()[0].message.contains("also on row 2"));
    }

    #[test]
    fn jpy_and_bhd_lines_round_to_their_own_minor_units() {
        let mut t = default_terms(RevenueModel::Referral);
        t.first_year_bps = Some(1_250);
        let ctx = terms_ctx(7, t);
        let jpy = Currency::parse("JPY").unwrap();
        let bhd = Currency::parse("BHD").unwrap();
        let mut a = event(2, "inv-1", EventKind::Invoice, 0, ms(2026, 9, 10));
        a.amount = Money::parse("1004", jpy).unwrap(); // 125.5 yen → 126
        let mut b = event(3, "inv-2", EventKind::Invoice, 0, ms(2026, 9, 10));
        b.amount = Money::parse("10.004", bhd).unwrap(); // 1.2505 BHD → 1.251
        let plan = plan_import(&[a, b], &ctx).unwrap();
        assert_eq!(plan.new[0].line.commission.amount.to_string(), "126 JPY");
        assert_eq!(plan.new[1].line.commission.amount.to_string(), "1.251 BHD");
        assert_eq!(exact_share(plan.new[1].line.commission.base, 1_250), "1.2505000");
    }

    #[test]
    fn a_statement_pays_a_positive_balance_and_carries_a_negative_one_forward() {
        assert_eq!(
            close_statement(0, 5_000),
            Closing { balance_minor: 5_000, payout_minor: Some(5_000), carry_forward_minor: 0 }
        );
        assert_eq!(
            close_statement(0, -3_000),
            Closing { balance_minor: -3_000, payout_minor: None, carry_forward_minor: -3_000 }
        );
        assert_eq!(
            close_statement(-3_000, 2_000),
            Closing { balance_minor: -1_000, payout_minor: None, carry_forward_minor: -1_000 }
        );
        assert_eq!(
            close_statement(-1_000, 2_500),
            Closing { balance_minor: 1_500, payout_minor: Some(1_500), carry_forward_minor: 0 }
        );
    }

    #[test]
    fn statements_close_in_order_once_their_month_is_over() {
        let open = StatementStatus::Open;
        assert_eq!(check_close(m(2026, 10), open, m(2026, 11), Some(m(2026, 10))), Ok(()));
        assert_eq!(check_close(m(2026, 11), open, m(2026, 11), None), Err(CloseError::MonthNotOver(m(2026, 11))));
        assert_eq!(
            check_close(m(2026, 10), open, m(2026, 11), Some(m(2026, 9))),
            Err(CloseError::EarlierOpen(m(2026, 9)))
        );
        assert_eq!(
            check_close(m(2026, 10), StatementStatus::Closed, m(2026, 11), None),
            Err(CloseError::AlreadyClosed)
        );
    }

    #[test]
    fn a_reseller_crossing_a_threshold_earns_its_bonus_when_the_quarter_closes() {
        let mut t = default_terms(RevenueModel::Reseller);
        t.bonus_schedule = vec![(5_000_000, 50_000), (10_000_000, 150_000)];
        assert_eq!(quarter_bonus(&t, m(2026, 9), "USD", 4_999_999), None);
        assert_eq!(quarter_bonus(&t, m(2026, 9), "USD", 5_000_000), Some(50_000));
        assert_eq!(quarter_bonus(&t, m(2026, 9), "USD", 12_000_000), Some(150_000));
        assert_eq!(quarter_bonus(&t, m(2026, 8), "USD", 12_000_000), None);
        assert_eq!(quarter_bonus(&t, m(2026, 9), "EUR", 12_000_000), None);
        assert_eq!(quarter_bonus(&default_terms(RevenueModel::Referral), m(2026, 9), "USD", 12_000_000), None);
    }

    #[test]
    fn technology_partners_earn_the_bounty_of_a_milestone_they_have_one_for() {
        let mut t = default_terms(RevenueModel::Technology);
        t.bounties = vec![("certified".into(), 250_000)];
        assert_eq!(bounty(&t, "certified"), Some(250_000));
        assert_eq!(bounty(&t, "listed"), None);
        assert_eq!(bounty(&default_terms(RevenueModel::Reseller), "certified"), None);
    }

    #[test]
    fn payouts_are_approved_then_paid_with_a_reference() {
        use PayoutAction::*;
        use PayoutStatus::*;
        assert_eq!(payout_step(Pending, Approve, ""), Ok(Approved));
        assert_eq!(payout_step(Approved, Pay, "WIRE-2026-11-0042"), Ok(Paid));
        assert_eq!(payout_step(Approved, Pay, "  "), Err(PayoutError::ReferenceRequired));
        assert!(payout_step(Pending, Pay, "x").is_err());
        assert!(payout_step(Paid, Approve, "").is_err());
    }

    #[test]
    fn program_totals_add_up_per_month_and_currency() {
        let f = |org: i64, month: Month, revenue, commission| MonthlyFigure {
            organisation_id: org,
            organisation: format!("P{org}"),
            month,
            currency: usd(),
            revenue_minor: revenue,
            commission_minor: commission,
        };
        let figures = [f(1, m(2026, 10), 100, 10), f(2, m(2026, 10), 50, 20), f(1, m(2026, 11), 30, 3)];
        let totals = totals_by_month(&figures);
        assert_eq!(totals, vec![(m(2026, 10), usd(), 150, 30), (m(2026, 11), usd(), 30, 3)]);
    }

    #[test]
    fn exported_text_cannot_run_as_a_spreadsheet_formula() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Globex"), "Globex");
    }

    #[test]
    fn percentages_and_bonus_schedules_parse_exactly() {
        assert_eq!(parse_percent("12.5"), Ok(1_250));
        assert_eq!(parse_percent("10 %"), Ok(1_000));
        assert!(parse_percent("12.555").is_err() && parse_percent("abc").is_err() && parse_percent("101").is_err());
        let s = parse_schedule("100000.00 = 1000\n\n50000, 250.50\n", usd()).unwrap();
        assert_eq!(s, vec![(5_000_000, 25_050), (10_000_000, 100_000)]);
        assert!(parse_schedule("100 = 1\n100 = 2", usd()).unwrap_err().contains("Line 2"));
        assert!(parse_schedule("lots", usd()).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn rows() -> impl Strategy<Value = Vec<EventInput>> {
            prop::collection::vec((1i64..1_000_000, 0u32..300, 0usize..4, prop::bool::ANY), 1..25).prop_map(|specs| {
                let mut out: Vec<EventInput> = Vec::new();
                let mut remaining: HashMap<String, i64> = HashMap::new();
                for (i, (minor, day_offset, customer, refund)) in specs.into_iter().enumerate() {
                    let on = ms(2026, 1, 1) + i64::from(day_offset) * 86_400_000;
                    let mut e = event(i + 2, &format!("ev-{i}"), EventKind::Invoice, minor, on);
                    e.customer = format!("customer-{customer}");
                    if refund && i > 0 {
                        // Refund part of an earlier invoice of the same customer, if any.
                        if let Some(inv) = out.iter().find(|x| {
                            x.kind == EventKind::Invoice
                                && x.customer == e.customer
                                && x.occurred_ms <= on
                                && remaining[&x.external_id] >= (x.amount.minor / 4).max(1)
                        }) {
                            let part = (inv.amount.minor / 4).max(1);
                            *remaining.get_mut(&inv.external_id).unwrap() -= part;
                            e.kind = EventKind::Refund;
                            e.refunds = Some(inv.external_id.clone());
                            e.amount = Money::new(part, usd());
                        }
                    }
                    if e.kind == EventKind::Invoice {
                        remaining.insert(e.external_id.clone(), e.amount.minor);
                    }
                    out.push(e);
                }
                out
            })
        }

        proptest! {
            #[test]
            fn importing_the_same_rows_twice_changes_nothing(rows in rows()) {
                let mut ctx = terms_ctx(7, default_terms(RevenueModel::Referral));
                let first = plan_import(&rows, &ctx).unwrap();
                apply(&mut ctx, &first);
                let second = plan_import(&rows, &ctx).unwrap();
                prop_assert!(second.new.is_empty());
                prop_assert_eq!(second.unchanged, rows.len());
            }

            #[test]
            fn refunding_an_invoice_in_parts_claws_back_exactly_its_commission(
                minor in 1i64..100_000, parts in prop::collection::vec(1i64..1_000, 1..8), bps in 1i64..10_000
            ) {
                let mut t = default_terms(RevenueModel::Reseller);
                t.margin_bps = Some(bps);
                let mut ctx = terms_ctx(7, t);
                let inv = plan_import(&[event(2, "inv-1", EventKind::Invoice, minor, ms(2026, 9, 10))], &ctx).unwrap();
                apply(&mut ctx, &inv);
                // Split the invoice into parts that add up to it exactly.
                let total: i64 = parts.iter().sum();
                let mut amounts: Vec<i64> = parts.iter().map(|p| p * minor / total).collect();
                let rest = minor - amounts.iter().sum::<i64>();
                amounts.push(rest);
                let refunds: Vec<EventInput> = amounts.iter().enumerate().filter(|(_, a)| **a > 0)
                    .map(|(i, a)| event(3 + i, &format!("ref-{i}"), EventKind::Refund, *a, ms(2026, 9, 11))).collect();
                let plan = plan_import(&refunds, &ctx).unwrap();
                let back: i64 = plan.new.iter().map(|p| p.line.commission.amount.minor).sum();
                prop_assert_eq!(back, -inv.new[0].line.commission.amount.minor);
            }

            #[test]
            fn a_statements_balance_is_what_it_carried_in_plus_the_sum_of_its_lines(
                carried in -1_000_000i64..0, lines in prop::collection::vec(-100_000i64..100_000, 0..50)
            ) {
                let total: i64 = lines.iter().sum();
                let c = close_statement(carried, total);
                prop_assert_eq!(c.balance_minor, carried + total);
                prop_assert_eq!(c.payout_minor.unwrap_or(0) + c.carry_forward_minor, c.balance_minor);
                prop_assert!(c.payout_minor.is_none_or(|p| p > 0) && c.carry_forward_minor <= 0);
            }
        }
    }
}
