//! Co-marketing funds and integration bounties (guide "Co-Marketing
//! Opportunities"; handbook: MDF for Premier and technology partners).
//!
//! A partner with a fund budget (`Terms::fund_budget_minor`, per UTC
//! calendar quarter, in the terms' currency) requests money for an activity;
//! a manager approves or rejects it; after the activity the partner claims
//! with proof; an approved claim becomes a payable ledger line.
//!
//! ```text
//! requested ─approve→ approved ─claim→ claimed ─approve claim→ paid
//!     │                   ↑                │
//!     ├─reject→ rejected  └──reject claim──┘   (the partner claims again)
//!     └─withdraw→ withdrawn
//! ```
//!
//! **Budget arithmetic**: a quarter's committed amount is the sum of its
//! requests that are waiting (the requested amount) or approved, claimed or
//! paid (the approved amount). Rejected and withdrawn requests free their
//! money. Remaining = budget − committed; a request, and its approval,
//! must fit in what remains.

use super::application::{parse_website, RevenueModel};
use super::certification::CertState;
use super::ledger::PayoutStatus;
use super::revenue::{Currency, Money};
use super::terms::Terms;
use super::upload::sniff_document;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

choices!(
    /// The joint activities the guide lists.
    ActivityKind {
        CaseStudy => "case_study", "Case study";
        Webinar => "webinar", "Webinar";
        BlogPost => "blog_post", "Blog post";
        ConferenceBooth => "conference_booth", "Conference booth";
    }
);

/// An activity as lists show it: its kind, then its title, unless the
/// title already starts with the kind ("Case study: Acme" stays as typed
/// instead of "Case study: Case study: Acme").
pub fn activity_heading(kind: ActivityKind, title: &str) -> String {
    let label = kind.label();
    let starts = title.get(..label.len()).is_some_and(|head| head.eq_ignore_ascii_case(label));
    if starts {
        title.to_owned()
    } else {
        format!("{label}: {title}")
    }
}

choices!(
    FundStatus {
        Requested => "requested", "Waiting for approval";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
        Withdrawn => "withdrawn", "Withdrawn";
        Claimed => "claimed", "Claim waiting for approval";
        Paid => "paid", "Claim approved";
    }
);

choices!(
    FundAction {
        Approve => "approve", "Approve";
        Reject => "reject", "Reject";
        Withdraw => "withdraw", "Withdraw";
        ApproveClaim => "approve_claim", "Approve claim";
        RejectClaim => "reject_claim", "Reject claim";
    }
);

choices!(
    /// Where an integration bounty of the terms stands.
    BountyState {
        Open => "open", "Open";
        Earned => "earned", "Earned";
        Paid => "paid", "Paid";
    }
);

/// The largest request, in minor units (as for a revenue event).
pub const MAX_FUND_MINOR: i64 = 1_000_000_000_000;
/// The largest proof file.
pub const MAX_PROOF_BYTES: usize = super::upload::MAX_UPLOAD_BYTES;
pub const TITLE_MAX: usize = 200;
pub const REASON_MAX: usize = 1_000;
/// How far ahead an activity may be planned.
pub const MAX_DAYS_AHEAD: i64 = 366;

pub use super::ledger::Quarter;

pub use super::revenue::format_money;

/// The fund budget a partner may draw on per quarter under `terms`: only
/// technology partners and Premier partners, and only a positive budget.
pub fn fund_budget(terms: &Terms, state: CertState) -> Option<Money> {
    let eligible = eligible(Some(terms.model), state);
    let currency = Currency::parse(&terms.currency).ok()?;
    terms.fund_budget_minor.filter(|b| eligible && *b > 0).map(|b| Money::new(b, currency))
}

/// Whether co-marketing funds apply to a partner at all: technology
/// partners and Premier partners (handbook), whatever their budget. The
/// partner's menu and its overview for staff follow the same rule.
pub fn eligible(model: Option<RevenueModel>, state: CertState) -> bool {
    model == Some(RevenueModel::Technology) || state == CertState::Premier
}

/// Why a partner cannot request funds at all, for the page and the server.
pub fn no_budget_reason(terms: &Terms, state: CertState) -> &'static str {
    if !eligible(Some(terms.model), state) {
        "Co-marketing funds are for technology partners and Premier partners."
    } else {
        "No co-marketing fund budget is set in your terms yet; ask your partner manager."
    }
}

/// One request as far as the budget is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    pub status: FundStatus,
    pub requested_minor: i64,
    pub approved_minor: Option<i64>,
}

/// What one request holds of its quarter's budget.
pub fn committed_by(c: &Commitment) -> i64 {
    match c.status {
        FundStatus::Requested => c.requested_minor,
        FundStatus::Approved | FundStatus::Claimed | FundStatus::Paid => c.approved_minor.unwrap_or(c.requested_minor),
        FundStatus::Rejected | FundStatus::Withdrawn => 0,
    }
}

/// What a quarter's requests hold of its budget.
pub fn committed(list: &[Commitment]) -> i64 {
    list.iter().map(committed_by).fold(0i64, |a, b| a.saturating_add(b))
}

/// A quarter's budget and what is committed of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetUse {
    pub quarter: Quarter,
    pub budget: Money,
    pub committed: Money,
}

impl BudgetUse {
    pub fn remaining(&self) -> Money {
        Money::new(self.budget.minor.saturating_sub(self.committed.minor), self.budget.currency)
    }
}

/// A request (or an approval) that does not fit in what remains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverBudget {
    pub quarter: Quarter,
    pub remaining: Money,
    pub budget: Money,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.remaining.minor <= 0 {
            write!(f, "Nothing remains of the {} fund budget of {}.", self.quarter, format_money(self.budget))
        } else {
            write!(
                f,
                "Only {} remains of the {} fund budget of {}.",
                format_money(self.remaining),
                self.quarter,
                format_money(self.budget)
            )
        }
    }
}

/// Whether `amount` more fits in the budget, given what the quarter's
/// requests already hold (`others`, not counting the one being decided).
pub fn check_fits(budget: Money, quarter: Quarter, others: i64, amount: i64) -> Result<(), OverBudget> {
    let remaining = budget.minor.saturating_sub(others);
    if amount <= remaining {
        Ok(())
    } else {
        Err(OverBudget { quarter, remaining: Money::new(remaining.max(0), budget.currency), budget })
    }
}

/// A positive amount in `currency`, at most `MAX_FUND_MINOR`.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, String> {
    let m = Money::parse(text, currency).map_err(|e| e.to_string())?;
    if m.minor <= 0 {
        return Err("Enter an amount above zero.".into());
    }
    if m.minor > MAX_FUND_MINOR {
        return Err("The amount is too large.".into());
    }
    Ok(m.minor)
}

/// A short text of a request or a decision, over one or more lines.
pub fn parse_text(text: &str, max: usize, missing: &str) -> Result<String, String> {
    super::text::check(text, max, true, missing)
}

/// The activity date of a request: `YYYY-MM-DD`, from the first day of the
/// current quarter (earlier quarters' budgets are over) to a year ahead.
pub fn parse_activity_date(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| "Use a date like 2026-12-01.".to_owned())?;
    let earliest = Quarter::of_date(today).first_day();
    if d < earliest {
        return Err(format!("Use a date from {earliest} on: earlier quarters' budgets are closed."));
    }
    if (d - today).num_days() > MAX_DAYS_AHEAD {
        return Err("Use a date within a year from today.".into());
    }
    Ok(d)
}

/// A proof link: an http or https address with a real host name.
pub fn parse_proof_link(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let lower = t.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err("Enter a link starting with https:// or http://.".into());
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) || t.len() > 500 {
        return Err("Enter one web address (up to 500 characters, no spaces).".into());
    }
    parse_website(t).map(|(url, _)| Some(url)).map_err(|e| e.to_owned())
}

/// Checks a proof file: not empty, at most 5 MiB, a PDF, PNG or JPEG.
pub fn check_proof_file(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if bytes.len() > MAX_PROOF_BYTES {
        return Err("Use a file of at most 5 MiB.".into());
    }
    sniff_document(bytes).map(|(t, _)| t).ok_or_else(|| "Use a PDF, PNG or JPEG file.".into())
}

/// Checks a claim: after the activity (its day has come), a positive amount
/// not above the approved one, and proof as a link, a file or both.
pub fn check_claim(
    activity: NaiveDate,
    today: NaiveDate,
    approved: Money,
    amount: i64,
    has_proof: bool,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if today < activity {
        errors.push(("amount", format!("Claim after the activity: from {activity} on.")));
    } else if amount > approved.minor {
        errors.push(("amount", format!("Claim at most the approved {}.", format_money(approved))));
    }
    if !has_proof {
        errors.push(("link", "Add a link to the published activity, a file, or both.".to_owned()));
    }
    errors
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FundStepError {
    #[error("This request is {0}; it cannot be {1}.")]
    WrongState(&'static str, &'static str),
}

fn state_words(s: FundStatus) -> &'static str {
    match s {
        FundStatus::Requested => "waiting for approval",
        FundStatus::Approved => "approved",
        FundStatus::Rejected => "rejected",
        FundStatus::Withdrawn => "withdrawn",
        FundStatus::Claimed => "claimed",
        FundStatus::Paid => "paid out",
    }
}

/// The next state after a decision (claims move through `check_claim`).
pub fn fund_step(status: FundStatus, action: FundAction) -> Result<FundStatus, FundStepError> {
    match (status, action) {
        (FundStatus::Requested, FundAction::Approve) => Ok(FundStatus::Approved),
        (FundStatus::Requested, FundAction::Reject) => Ok(FundStatus::Rejected),
        (FundStatus::Requested, FundAction::Withdraw) => Ok(FundStatus::Withdrawn),
        (FundStatus::Claimed, FundAction::ApproveClaim) => Ok(FundStatus::Paid),
        // A rejected claim goes back to approved: the partner may claim again.
        (FundStatus::Claimed, FundAction::RejectClaim) => Ok(FundStatus::Approved),
        (s, a) => Err(FundStepError::WrongState(
            state_words(s),
            match a {
                FundAction::Approve => "approved",
                FundAction::Reject => "rejected",
                FundAction::Withdraw => "withdrawn",
                FundAction::ApproveClaim | FundAction::RejectClaim => "decided as a claim",
            },
        )),
    }
}

/// Whether an action needs a reason from the manager.
pub fn needs_reason(action: FundAction) -> bool {
    matches!(action, FundAction::Reject | FundAction::RejectClaim)
}

/// A bounty's state from its ledger line, if any, and that line's payout.
pub fn bounty_state(line: Option<Option<PayoutStatus>>) -> BountyState {
    match line {
        None => BountyState::Open,
        Some(Some(PayoutStatus::Paid)) => BountyState::Paid,
        Some(_) => BountyState::Earned,
    }
}

/// One fund request as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundRequest {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub kind: ActivityKind,
    pub title: String,
    /// Start of the activity's UTC day.
    pub activity_ms: i64,
    pub quarter: Quarter,
    pub requested: Money,
    pub approved: Option<Money>,
    pub status: FundStatus,
    pub version: i64,
    pub requested_by: String,
    pub requested_at_ms: i64,
    /// The manager's reason for a rejection.
    pub decision_note: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub claim: Option<Money>,
    pub claim_link: Option<String>,
    /// (content type, size in bytes) of the proof file.
    pub claim_file: Option<(String, i64)>,
    pub claimed_at_ms: Option<i64>,
    /// Why the last claim was rejected.
    pub claim_note: Option<String>,
    /// The ledger line of the approved claim, and its statement.
    pub statement_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activity_reads_as_its_kind_and_title_without_naming_the_kind_twice() {
        assert_eq!(activity_heading(ActivityKind::Webinar, "Scaling agents"), "Webinar: Scaling agents");
        assert_eq!(activity_heading(ActivityKind::CaseStudy, "Case study: Acme"), "Case study: Acme");
        assert_eq!(activity_heading(ActivityKind::CaseStudy, "case study of Acme"), "case study of Acme");
        assert_eq!(activity_heading(ActivityKind::BlogPost, "Blog"), "Blog post: Blog");
        assert_eq!(
            activity_heading(ActivityKind::Webinar, "Wé"),
            "Webinar: Wé",
            "a short title with a multi-byte letter"
        );
    }
    use crate::domain::terms::default_terms;
    use chrono::{TimeZone, Utc};

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").unwrap())
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn c(status: FundStatus, requested: i64, approved: Option<i64>) -> Commitment {
        Commitment { status, requested_minor: requested, approved_minor: approved }
    }

    #[test]
    fn a_date_belongs_to_its_utc_calendar_quarter() {
        assert_eq!(Quarter::of_date(day(2026, 1, 1)), Quarter { year: 2026, q: 1 });
        assert_eq!(Quarter::of_date(day(2026, 3, 31)), Quarter { year: 2026, q: 1 });
        assert_eq!(Quarter::of_date(day(2026, 4, 1)), Quarter { year: 2026, q: 2 });
        assert_eq!(Quarter::of_date(day(2026, 12, 31)), Quarter { year: 2026, q: 4 });
        let last_ms_of_june = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap().timestamp_millis() - 1;
        assert_eq!(Quarter::of_ms(last_ms_of_june).to_string(), "Q2 2026");
        assert_eq!(Quarter::parse("2026-Q3"), Some(Quarter { year: 2026, q: 3 }));
        assert_eq!(Quarter { year: 2026, q: 3 }.first_day(), day(2026, 7, 1));
        assert_eq!(Quarter::parse("2026-Q5"), None);
    }

    #[test]
    fn waiting_requests_hold_what_they_ask_and_decided_ones_what_was_approved() {
        let list = [
            c(FundStatus::Requested, 1_000, None),
            c(FundStatus::Approved, 2_000, Some(2_000)),
            c(FundStatus::Claimed, 3_000, Some(3_000)),
            c(FundStatus::Paid, 500, Some(400)),
            c(FundStatus::Rejected, 9_000, None),
            c(FundStatus::Withdrawn, 9_000, None),
        ];
        assert_eq!(committed(&list), 1_000 + 2_000 + 3_000 + 400);
    }

    #[test]
    fn remaining_is_the_budget_less_what_is_committed() {
        let u = BudgetUse { quarter: Quarter { year: 2026, q: 1 }, budget: usd(500_000), committed: usd(375_000) };
        assert_eq!(u.remaining(), usd(125_000));
    }

    #[test]
    fn a_request_within_the_remaining_budget_fits_exactly_up_to_the_last_cent() {
        let q = Quarter { year: 2026, q: 2 };
        assert_eq!(check_fits(usd(500_000), q, 375_000, 125_000), Ok(()));
        assert_eq!(check_fits(usd(500_000), q, 0, 1), Ok(()));
    }

    #[test]
    fn a_request_over_the_remaining_budget_is_refused_naming_what_remains() {
        let q = Quarter { year: 2026, q: 2 };
        let e = check_fits(usd(500_000), q, 375_000, 125_001).unwrap_err();
        assert_eq!(e.remaining, usd(125_000));
        assert_eq!(e.to_string(), "Only $1,250.00 remains of the Q2 2026 fund budget of $5,000.00.");
        let spent = check_fits(usd(500_000), q, 600_000, 1).unwrap_err();
        assert_eq!(spent.remaining, usd(0), "never a negative remainder");
        assert_eq!(spent.to_string(), "Nothing remains of the Q2 2026 fund budget of $5,000.00.");
    }

    #[test]
    fn only_technology_and_premier_partners_with_a_positive_budget_have_one() {
        let mut tech = default_terms(RevenueModel::Technology);
        assert_eq!(fund_budget(&tech, CertState::Registered), None, "the default budget is zero");
        tech.fund_budget_minor = Some(500_000);
        assert_eq!(fund_budget(&tech, CertState::Registered), Some(usd(500_000)));
        let mut reseller = default_terms(RevenueModel::Reseller);
        reseller.fund_budget_minor = Some(100_000);
        assert_eq!(fund_budget(&reseller, CertState::Listed), None);
        assert_eq!(fund_budget(&reseller, CertState::Premier), Some(usd(100_000)));
        assert!(no_budget_reason(&reseller, CertState::Listed).contains("Premier"));
        assert!(no_budget_reason(&tech, CertState::Listed).contains("No co-marketing fund budget"));
    }

    #[test]
    fn amounts_are_positive_and_exact() {
        let usd_c = Currency::parse("USD").unwrap();
        assert_eq!(parse_amount("1,250.00", usd_c), Ok(125_000));
        assert!(parse_amount("0", usd_c).is_err());
        assert!(parse_amount("-5", usd_c).is_err());
        assert!(parse_amount("1.001", usd_c).is_err());
        assert!(parse_amount("99999999999999", usd_c).is_err());
    }

    #[test]
    fn an_activity_is_dated_from_this_quarter_to_a_year_ahead() {
        let today = day(2026, 5, 20);
        assert_eq!(parse_activity_date("2026-04-01", today), Ok(day(2026, 4, 1)));
        assert_eq!(parse_activity_date("2027-05-20", today), Ok(day(2027, 5, 20)), "future activities are planned");
        assert!(parse_activity_date("2026-03-31", today).unwrap_err().contains("2026-04-01"));
        assert!(parse_activity_date("2027-05-22", today).is_err());
        assert!(parse_activity_date("20/05/2026", today).is_err());
    }

    #[test]
    fn a_claim_comes_after_the_activity_and_not_above_the_approved_amount() {
        let (activity, approved) = (day(2026, 5, 20), usd(100_000));
        assert!(check_claim(activity, day(2026, 5, 20), approved, 100_000, true).is_empty(), "on the day");
        assert!(check_claim(activity, day(2026, 6, 1), approved, 80_000, true).is_empty());
        let early = check_claim(activity, day(2026, 5, 19), approved, 100_000, true);
        assert_eq!(early[0].0, "amount");
        assert!(early[0].1.contains("after the activity"));
        let over = check_claim(activity, day(2026, 6, 1), approved, 100_001, true);
        assert_eq!(over[0].1, "Claim at most the approved $1,000.00.");
        let no_proof = check_claim(activity, day(2026, 6, 1), approved, 1, false);
        assert_eq!(no_proof[0].0, "link");
    }

    #[test]
    fn proof_links_are_web_addresses() {
        assert_eq!(
            parse_proof_link(" https://blog.example.com/post "),
            Ok(Some("https://blog.example.com/post".to_owned()))
        );
        assert_eq!(parse_proof_link(""), Ok(None));
        assert!(parse_proof_link("javascript:alert(1)").is_err());
        assert!(parse_proof_link("blog.example.com").is_err());
        assert!(parse_proof_link("https://localhost/x").is_err());
        assert!(parse_proof_link("https://a.example/x y").is_err());
    }

    #[test]
    fn proof_files_are_known_by_their_bytes_not_their_names() {
        assert_eq!(check_proof_file(b"%PDF-1.7\n..."), Ok("application/pdf"));
        assert_eq!(check_proof_file(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Ok("image/png"));
        assert_eq!(check_proof_file(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert!(check_proof_file(b"<html>").is_err());
        assert!(check_proof_file(b"").is_err());
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_PROOF_BYTES + 1, 0);
        assert!(check_proof_file(&big).unwrap_err().contains("5 MiB"));
    }

    #[test]
    fn requests_move_only_along_the_arrows() {
        use FundAction as A;
        use FundStatus as S;
        assert_eq!(fund_step(S::Requested, A::Approve), Ok(S::Approved));
        assert_eq!(fund_step(S::Requested, A::Reject), Ok(S::Rejected));
        assert_eq!(fund_step(S::Requested, A::Withdraw), Ok(S::Withdrawn));
        assert_eq!(fund_step(S::Claimed, A::ApproveClaim), Ok(S::Paid));
        assert_eq!(fund_step(S::Claimed, A::RejectClaim), Ok(S::Approved), "the partner may claim again");
        assert!(fund_step(S::Approved, A::Approve).is_err());
        assert!(fund_step(S::Approved, A::Withdraw).is_err());
        assert!(fund_step(S::Paid, A::ApproveClaim).is_err(), "a claim is paid once");
        assert_eq!(
            fund_step(S::Rejected, A::Approve).unwrap_err().to_string(),
            "This request is rejected; it cannot be approved."
        );
        assert!(needs_reason(A::Reject) && needs_reason(A::RejectClaim) && !needs_reason(A::Approve));
    }

    #[test]
    fn a_bounty_is_open_until_its_line_exists_and_paid_once_its_payout_is() {
        assert_eq!(bounty_state(None), BountyState::Open);
        assert_eq!(bounty_state(Some(None)), BountyState::Earned, "statement still open");
        assert_eq!(bounty_state(Some(Some(PayoutStatus::Approved))), BountyState::Earned);
        assert_eq!(bounty_state(Some(Some(PayoutStatus::Paid))), BountyState::Paid);
    }
}
