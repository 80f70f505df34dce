//! Support tickets (guide "Support Tiers for Partners"; handbook §6.1
//! "Issue Management Framework"). A ticket's first-response target is fixed
//! when it is opened, from the partner's support tier at that moment, so a
//! later change of tier never moves a running clock. The clock runs around
//! the clock: no business hours are assumed. Times are UTC milliseconds.

use super::certification::SupportTier;
use super::listing::{Column, Order, Sort};
use serde::{Deserialize, Serialize};

choices!(
    /// The handbook's issue classification.
    Severity {
        Tier1 => "tier1", "Tier 1 — critical";
        Tier2 => "tier2", "Tier 2 — significant";
        Tier3 => "tier3", "Tier 3 — minor";
    }
);

impl Severity {
    pub fn description(self) -> &'static str {
        match self {
            Severity::Tier1 => "System availability or data integrity is affected.",
            Severity::Tier2 => "Functionality or performance is affected.",
            Severity::Tier3 => "Limited impact on users or operations.",
        }
    }
}

choices!(
    TicketStatus {
        Open => "open", "Open";
        Resolved => "resolved", "Resolved";
    }
);

choices!(
    /// Where a ticket stands against its first-response target.
    SlaState {
        OnTrack => "on_track", "On track";
        AtRisk => "at_risk", "At risk";
        Breached => "breached", "Breached";
        Met => "met", "Responded in time";
    }
);

pub const MINUTE_MS: i64 = 60_000;
pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const STEP_MAX: usize = 5_000;

/// The first-response target in minutes for a ticket opened now. A
/// configured Tier 1 target tightens the tier's target, never loosens it.
pub fn response_target_minutes(tier: SupportTier, severity: Severity, tier1_minutes: Option<i64>) -> i64 {
    let base = tier.response_hours() * 60;
    match (severity, tier1_minutes) {
        (Severity::Tier1, Some(m)) if m > 0 => base.min(m),
        _ => base,
    }
}

/// The clock of one ticket, as both sides see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub state: SlaState,
    pub due_ms: i64,
    /// Time from opening to the first response, or to now while waiting.
    pub elapsed_ms: i64,
    /// Before the due time, what is left; after it, how far past (negative).
    pub remaining_ms: i64,
    /// Whether the clock still runs (no first response yet).
    pub running: bool,
}

/// Where a ticket stands: at risk from 80 % of the target, breached after
/// the due time; a first response stops the clock, met if it came in time.
pub fn sla_clock(opened_ms: i64, target_minutes: i64, first_response_ms: Option<i64>, now_ms: i64) -> SlaClock {
    let target_ms = target_minutes * MINUTE_MS;
    let due_ms = opened_ms + target_ms;
    let stopped_at = first_response_ms.unwrap_or(now_ms);
    let elapsed_ms = (stopped_at - opened_ms).max(0);
    let state = if elapsed_ms > target_ms {
        SlaState::Breached
    } else if first_response_ms.is_some() {
        SlaState::Met
    } else if elapsed_ms * 5 >= target_ms * 4 {
        SlaState::AtRisk
    } else {
        SlaState::OnTrack
    };
    SlaClock { state, due_ms, elapsed_ms, remaining_ms: due_ms - stopped_at, running: first_response_ms.is_none() }
}

/// "3 h 20 min", "2 d 4 h", "45 min": durations for people.
pub fn format_duration(ms: i64) -> String {
    let minutes = ms.abs() / MINUTE_MS;
    let (d, h, m) = (minutes / 1_440, (minutes % 1_440) / 60, minutes % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// The handbook's six resolution steps, required before a Tier 1 ticket
/// is closed.
pub const RESOLUTION_STEPS: [(&str, &str, &str); 6] = [
    ("identification", "Identification and documentation", "What happened, with the supporting evidence."),
    ("impact", "Impact assessment", "Business, technical and customer impact."),
    ("plan", "Resolution plan", "The approach and who did what."),
    ("implementation", "Implementation", "The steps carried out."),
    ("verification", "Verification", "How we confirmed the issue is fully resolved."),
    ("prevention", "Prevention analysis", "Root cause and the measures against a repeat."),
];

/// What is written when a ticket is resolved: a summary always, and for
/// Tier 1 the six steps, keyed as in `RESOLUTION_STEPS`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub summary: String,
    #[serde(default)]
    pub steps: Vec<(String, String)>,
}

impl Resolution {
    pub fn step(&self, key: &str) -> &str {
        self.steps.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// Every problem with a resolution, as (field, message). Steps are kept
/// only for Tier 1, where each is required.
pub fn check_resolution(severity: Severity, r: &Resolution) -> Result<Resolution, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let summary = r.summary.trim().to_owned();
    if summary.is_empty() {
        errors.push(("summary".into(), "Say how the issue was resolved.".into()));
    } else if summary.chars().count() > BODY_MAX {
        errors.push(("summary".into(), format!("At most {BODY_MAX} characters.")));
    }
    let mut steps = Vec::new();
    if severity == Severity::Tier1 {
        for (key, label, _) in RESOLUTION_STEPS {
            let text = r.step(key).trim();
            if text.is_empty() {
                errors.push((format!("step_{key}"), format!("{label} is required to close a Tier 1 ticket.")));
            } else if text.chars().count() > STEP_MAX {
                errors.push((format!("step_{key}"), format!("At most {STEP_MAX} characters.")));
            } else {
                steps.push((key.to_owned(), text.to_owned()));
            }
        }
    }
    if errors.is_empty() {
        Ok(Resolution { summary, steps })
    } else {
        Err(errors)
    }
}

pub const ATTACHMENT_MAX_BYTES: usize = super::upload::MAX_UPLOAD_BYTES;

/// The content type of an attachment, judged from its bytes (the name and
/// the browser's claim are not trusted): PDF, PNG, JPEG, GIF, or UTF-8
/// plain text such as a log.
pub fn sniff_attachment(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err(format!("Files can be at most {} MiB.", ATTACHMENT_MAX_BYTES / 1024 / 1024));
    }
    let kind = if let Some((kind, _)) = super::upload::sniff_document(bytes) {
        kind
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
        "text/plain; charset=utf-8"
    } else {
        return Err("Attach a PDF, PNG, JPEG or GIF image, or a plain-text file such as a log.".into());
    };
    Ok(kind)
}

/// A file name safe to send back in `Content-Disposition`: its last path
/// part, printable ASCII without quotes, 100 characters at most.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .take(100)
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "attachment".into()
    } else {
        trimmed.to_owned()
    }
}

/// A ticket as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub subject: String,
    pub severity: Severity,
    /// The support tier at opening, which set the target.
    pub tier: SupportTier,
    pub target_minutes: i64,
    pub opened_ms: i64,
    pub opened_by: String,
    pub first_response_ms: Option<i64>,
    pub status: TicketStatus,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub resolution: Option<Resolution>,
    pub resolved_ms: Option<i64>,
    pub updated_ms: i64,
    pub version: i64,
}

impl TicketView {
    pub fn clock(&self, now_ms: i64) -> SlaClock {
        sla_clock(self.opened_ms, self.target_minutes, self.first_response_ms, now_ms)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// One message of a ticket's conversation; the first is the description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub author: String,
    pub from_staff: bool,
    pub body: String,
    pub at_ms: i64,
    pub attachments: Vec<AttachmentView>,
}

/// One ticket as the SLA report sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClock {
    pub tier: SupportTier,
    pub severity: Severity,
    pub opened_ms: i64,
    pub target_minutes: i64,
    pub first_response_ms: Option<i64>,
}

/// Met, breached and still-waiting counts of one support tier.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaCounts {
    pub opened: i64,
    pub met: i64,
    pub breached: i64,
    /// No response yet and still within the target.
    pub waiting: i64,
}

impl SlaCounts {
    /// Met as a share of the decided tickets, in basis points.
    pub fn met_bps(&self) -> Option<i64> {
        let decided = self.met + self.breached;
        (decided > 0).then(|| self.met * 10_000 / decided)
    }

    fn add(&mut self, state: SlaState) {
        self.opened += 1;
        match state {
            SlaState::Met => self.met += 1,
            SlaState::Breached => self.breached += 1,
            SlaState::OnTrack | SlaState::AtRisk => self.waiting += 1,
        }
    }
}

/// The monthly SLA report: tickets opened in the month, per support tier at
/// opening (Registered, Certified, Premier) and in total, judged at `now`.
pub fn sla_report(tickets: &[TicketClock], now_ms: i64) -> (Vec<(SupportTier, SlaCounts)>, SlaCounts) {
    let tiers = [SupportTier::Registered, SupportTier::Certified, SupportTier::Premier];
    let mut rows: Vec<(SupportTier, SlaCounts)> = tiers.iter().map(|t| (*t, SlaCounts::default())).collect();
    let mut total = SlaCounts::default();
    for t in tickets {
        let state = sla_clock(t.opened_ms, t.target_minutes, t.first_response_ms, now_ms).state;
        if let Some((_, c)) = rows.iter_mut().find(|(tier, _)| *tier == t.tier) {
            c.add(state);
        }
        total.add(state);
    }
    (rows, total)
}

choices!(
    /// The columns that order the staff's ticket queue.
    TicketColumn {
        Due => "due", "First response due";
        Opened => "opened", "Opened";
        Partner => "partner", "Partner";
        Severity => "severity", "Severity";
    }
);

/// Tickets waiting for a first response first, the soonest due at the top
/// (the default); the newest first by opening; the most critical first.
pub const TICKET_COLUMNS: [Column; 4] =
    [Column::up("due"), Column::down("opened"), Column::up("partner"), Column::up("severity")];

/// The order of the ticket queue.
pub type TicketSort = Sort<TicketColumn>;

impl TicketSort {
    pub fn of(order: &Order) -> TicketSort {
        Sort::read(order, TicketColumn::parse, TicketColumn::Due)
    }
}

/// Tickets listed per page of the queue.
pub const TICKETS_PAGE: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 60 * MINUTE_MS;

    #[test]
    fn each_support_tier_has_its_first_response_target() {
        assert_eq!(response_target_minutes(SupportTier::Registered, Severity::Tier2, None), 72 * 60);
        assert_eq!(response_target_minutes(SupportTier::Certified, Severity::Tier3, None), 24 * 60);
        assert_eq!(response_target_minutes(SupportTier::Premier, Severity::Tier1, None), 4 * 60);
    }

    #[test]
    fn a_configured_tier_one_target_tightens_but_never_loosens() {
        assert_eq!(response_target_minutes(SupportTier::Registered, Severity::Tier1, Some(120)), 120);
        assert_eq!(response_target_minutes(SupportTier::Premier, Severity::Tier1, Some(480)), 240);
        assert_eq!(response_target_minutes(SupportTier::Registered, Severity::Tier2, Some(120)), 72 * 60);
        assert_eq!(response_target_minutes(SupportTier::Certified, Severity::Tier1, Some(0)), 24 * 60);
    }

    #[test]
    fn the_clock_is_on_track_until_eighty_percent_of_the_target() {
        let target = 10 * 60; // ten hours
        let c = sla_clock(0, target, None, 8 * H - 1);
        assert_eq!((c.state, c.running), (SlaState::OnTrack, true));
        assert_eq!(c.due_ms, 10 * H);
        assert_eq!(c.remaining_ms, 2 * H + 1);
        assert_eq!(sla_clock(0, target, None, 8 * H).state, SlaState::AtRisk);
        assert_eq!(sla_clock(0, target, None, 10 * H).state, SlaState::AtRisk, "due, not yet past");
        let late = sla_clock(0, target, None, 10 * H + 1);
        assert_eq!((late.state, late.remaining_ms), (SlaState::Breached, -1));
    }

    #[test]
    fn a_first_response_stops_the_clock() {
        let c = sla_clock(0, 240, Some(3 * H), 100 * H);
        assert_eq!((c.state, c.elapsed_ms, c.running), (SlaState::Met, 3 * H, false));
        let late = sla_clock(0, 240, Some(5 * H), 100 * H);
        assert_eq!((late.state, late.elapsed_ms), (SlaState::Breached, 5 * H));
    }

    #[test]
    fn a_tier_change_mid_ticket_keeps_the_target_set_at_opening() {
        // Opened as Registered (72 h); the partner becomes Premier (4 h) an
        // hour later. The stored target is what the clock reads, so ten
        // hours in the ticket is still on track.
        let target_at_opening = response_target_minutes(SupportTier::Registered, Severity::Tier2, None);
        let now_premier = response_target_minutes(SupportTier::Premier, Severity::Tier2, None);
        assert_eq!(sla_clock(0, target_at_opening, None, 10 * H).state, SlaState::OnTrack);
        assert_eq!(sla_clock(0, now_premier, None, 10 * H).state, SlaState::Breached);
    }

    #[test]
    fn nights_and_weekends_count_because_no_business_hours_are_assumed() {
        // Friday 2026-11-20 18:00 UTC, Certified: due Saturday 18:00.
        let friday_evening = 1_795_197_600_000;
        let c = sla_clock(friday_evening, 24 * 60, None, friday_evening);
        assert_eq!(c.due_ms - friday_evening, 24 * H);
    }

    #[test]
    fn tier_one_tickets_need_all_six_resolution_steps() {
        let mut r = Resolution { summary: "Restarted the ingest.".into(), steps: vec![] };
        let errors = check_resolution(Severity::Tier1, &r).unwrap_err();
        assert_eq!(errors.len(), 6);
        assert_eq!(errors[0].0, "step_identification");
        r.steps = RESOLUTION_STEPS.iter().map(|(k, ..)| (k.to_string(), format!(" {k} text "))).collect();
        r.steps[5].1 = "   ".into();
        let errors = check_resolution(Severity::Tier1, &r).unwrap_err();
        assert_eq!(
            errors,
            vec![(
                "step_prevention".to_string(),
                "Prevention analysis is required to close a Tier 1 ticket.".to_string()
            )]
        );
        r.steps[5].1 = "Alert on queue depth.".into();
        let ok = check_resolution(Severity::Tier1, &r).unwrap();
        assert_eq!(ok.step("identification"), "identification text");
        assert_eq!(ok.steps.len(), 6);
    }

    #[test]
    fn other_tiers_need_only_a_summary() {
        let r = Resolution { summary: "  ".into(), steps: vec![("impact".into(), "x".into())] };
        assert_eq!(check_resolution(Severity::Tier3, &r).unwrap_err()[0].0, "summary");
        let ok = check_resolution(Severity::Tier2, &Resolution { summary: "Fixed.".into(), ..r }).unwrap();
        assert!(ok.steps.is_empty(), "steps are kept for Tier 1 only");
    }

    #[test]
    fn attachments_are_judged_by_their_bytes() {
        assert_eq!(sniff_attachment(b"%PDF-1.7\n..."), Ok("application/pdf"));
        assert_eq!(sniff_attachment(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(sniff_attachment(b"2026-11-22 error: timeout\n"), Ok("text/plain; charset=utf-8"));
        assert!(sniff_attachment(b"MZ\x90\x00\x03").is_err(), "an executable is refused");
        assert!(sniff_attachment(b"").is_err());
        assert!(sniff_attachment(&vec![b'a'; ATTACHMENT_MAX_BYTES + 1]).is_err());
    }

    #[test]
    fn file_names_lose_paths_and_odd_characters() {
        assert_eq!(clean_file_name("C:\\logs\\run 1.log"), "run_1.log");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b;.pdf"), "a_b_.pdf");
        assert_eq!(clean_file_name("..."), "attachment");
    }

    #[test]
    fn the_report_counts_met_breached_and_waiting_per_tier() {
        let t = |tier, opened_ms, target_minutes, first_response_ms| TicketClock {
            tier,
            severity: Severity::Tier2,
            opened_ms,
            target_minutes,
            first_response_ms,
        };
        let tickets = [
            t(SupportTier::Premier, 0, 240, Some(H)),           // met
            t(SupportTier::Premier, 0, 240, Some(5 * H)),       // breached
            t(SupportTier::Premier, 0, 240, None),              // breached, still waiting
            t(SupportTier::Registered, 0, 72 * 60, None),       // waiting
            t(SupportTier::Certified, 0, 24 * 60, Some(2 * H)), // met
        ];
        let (rows, total) = sla_report(&tickets, 6 * H);
        assert_eq!(rows[2].1, SlaCounts { opened: 3, met: 1, breached: 2, waiting: 0 });
        assert_eq!(rows[0].1, SlaCounts { opened: 1, met: 0, breached: 0, waiting: 1 });
        assert_eq!(total, SlaCounts { opened: 5, met: 2, breached: 2, waiting: 1 });
        assert_eq!(total.met_bps(), Some(5_000));
        assert_eq!(SlaCounts::default().met_bps(), None);
    }

    #[test]
    fn durations_read_in_days_hours_and_minutes() {
        assert_eq!(format_duration(45 * MINUTE_MS), "45 min");
        assert_eq!(format_duration(3 * H + 20 * MINUTE_MS), "3 h 20 min");
        assert_eq!(format_duration(-2 * H), "2 h");
        assert_eq!(format_duration(52 * H), "2 d 4 h");
    }

    #[test]
    fn the_queue_starts_with_the_soonest_due_and_reads_unknown_orders_as_that() {
        use crate::domain::listing::order;
        let sort = TicketSort::of(&order(&TICKET_COLUMNS, "whatever", ""));
        assert_eq!((sort.column, sort.descending), (TicketColumn::Due, false));
        let sort = TicketSort::of(&order(&TICKET_COLUMNS, "opened", ""));
        assert_eq!((sort.column, sort.descending), (TicketColumn::Opened, true));
    }

    #[test]
    fn severity_keys_sort_the_most_critical_first() {
        let mut keys: Vec<&str> = Severity::ALL.iter().rev().map(|s| s.key()).collect();
        keys.sort();
        assert_eq!(keys, Severity::ALL.iter().map(|s| s.key()).collect::<Vec<_>>());
    }
}
