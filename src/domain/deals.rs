//! Deal registration: a partner claims a customer it is selling to, a
//! manager approves the claim, and the partner is protected on that customer
//! for a window of days.
//!
//! The rules, from the marketplace issue: "another partner's open
//! registration for the same customer domain within its protection window,
//! or the same customer with one product in common, sends the deal to a
//! manager with both shown; otherwise approval by a manager starts a
//! protection window (90 days by default, configurable; expiry emailed 14
//! days before). Stages `registered → approved → won | lost | expired`; a
//! won deal links to revenue events (by customer and external id) so
//! referral commissions are attributed to the registering partner."
//!
//! A manager may also turn a registration down (`rejected`, with a note),
//! which the stages above leave out but every review needs.

use super::email::Email;
use super::leads::LeadStatus;
use super::revenue::{Currency, Money};
use super::DAY_MS;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

choices!(
    /// Where a registered deal stands.
    DealStatus {
        Registered => "registered", "Waiting for approval";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Not approved";
        Won => "won", "Won";
        Lost => "lost", "Lost";
        Expired => "expired", "Expired";
    }
);

choices!(
    /// What a partner or a manager does with a deal.
    DealAction {
        Approve => "approve", "Approve";
        Reject => "reject", "Turn down";
        Won => "won", "Mark as won";
        Lost => "lost", "Mark as lost";
    }
);

/// How long an approved registration protects the partner, unless the
/// program configures another window.
pub const DEFAULT_PROTECTION_DAYS: i64 = 90;
/// How long before the window ends its partner is warned.
pub const WARN_BEFORE_DAYS: i64 = 14;
pub const MAX_PRODUCTS: usize = 10;
pub const PRODUCT_MAX: usize = 60;
/// The furthest a close date may lie ahead: two years.
pub const MAX_CLOSE_DAYS: i64 = 730;
pub const NOTE_MAX: usize = 500;

/// The registration form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealInput {
    pub company: String,
    pub domain: String,
    pub contact_name: String,
    pub contact_email: String,
    /// Products, separated by commas.
    pub products: String,
    pub value: String,
    pub currency: String,
    /// `YYYY-MM-DD`, as a date field posts it.
    pub close_on: String,
}

/// A checked registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeal {
    pub company: String,
    /// The customer's domain as compared: lower case, no `www.`.
    pub domain: String,
    pub contact_name: String,
    pub contact_email: String,
    pub products: Vec<String>,
    pub value: Money,
    pub close_on: String,
}

impl DealInput {
    /// Checks every field against `today` (the program's date) and reports
    /// all problems at once, by field name.
    pub fn parse(&self, today: NaiveDate) -> Result<NewDeal, Vec<(&'static str, String)>> {
        use super::application::required_text as text;
        let mut errors = Vec::new();
        let company = text("company", &self.company, 200, &mut errors);
        let domain = customer_domain(&self.domain).map_err(|m| errors.push(("domain", m))).ok();
        let contact_name = text("contact_name", &self.contact_name, 100, &mut errors);
        let contact_email =
            Email::parse(&self.contact_email).map_err(|e| errors.push(("contact_email", e.to_string()))).ok();
        let products = parse_products(&self.products).map_err(|m| errors.push(("products", m))).ok();
        let value = Currency::parse(&self.currency)
            .map_err(|e| errors.push(("currency", e.to_string())))
            .ok()
            .and_then(|c| match Money::parse(&self.value, c) {
                Ok(m) if m.minor > 0 => Some(m),
                Ok(_) => {
                    errors.push(("value", "Enter the deal's expected value, above zero.".into()));
                    None
                }
                Err(e) => {
                    errors.push(("value", e.to_string()));
                    None
                }
            });
        let close_on = close_date(&self.close_on, today).map_err(|m| errors.push(("close_on", m))).ok();
        match (domain, contact_email, products, value, close_on) {
            (Some(domain), Some(email), Some(products), Some(value), Some(close_on)) if errors.is_empty() => {
                Ok(NewDeal {
                    company,
                    domain,
                    contact_name,
                    contact_email: email.as_str().to_owned(),
                    products,
                    value,
                    close_on: close_on.format("%Y-%m-%d").to_string(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// An amount given in minor units (as the API takes money) written as the
/// form types it, so both are checked by one parser; an unknown currency
/// leaves it empty, and the currency's own error is reported.
pub fn value_text(minor: i64, currency: &str) -> String {
    Currency::parse(currency)
        .map(|c| Money::new(minor, c).to_string().split(' ').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// The customer's domain as deals compare it: `https://www.Acme.com/buy`
/// and `acme.com` are the same customer.
pub fn customer_domain(input: &str) -> Result<String, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("Enter the customer's web domain, such as acme.com.".into());
    }
    let t = t.split_once("://").map(|(_, rest)| rest).unwrap_or(t);
    let host = t.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    super::whitelabel::parse_domain(host).map_err(|e| match e {
        super::whitelabel::DomainError::TooShort => "Use the customer's domain, such as acme.com.".into(),
        other => other.to_string().replace("partners.example.com", "acme.com"),
    })
}

/// Products separated by commas, each kept as typed; the same product
/// twice (in any case) counts once.
pub fn parse_products(input: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for p in input.split([',', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        if p.chars().count() > PRODUCT_MAX {
            return Err(format!("Keep each product under {PRODUCT_MAX} characters."));
        }
        if p.chars().any(char::is_control) || p.chars().any(super::text::is_direction_control) {
            return Err("Remove control characters from the products.".into());
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(p)) {
            out.push(p.to_owned());
        }
    }
    if out.is_empty() {
        return Err("Name at least one product the customer is buying.".into());
    }
    if out.len() > MAX_PRODUCTS {
        return Err(format!("Name at most {MAX_PRODUCTS} products."));
    }
    Ok(out)
}

/// A list of products (the API's) as the form's text, for
/// `parse_products`; a name holding the form's separators is refused, as
/// it would be split in two.
pub fn products_text(list: &[String]) -> Result<String, String> {
    if list.iter().any(|p| p.contains([',', '\n'])) {
        return Err("A product's name cannot contain a comma or a line break.".into());
    }
    Ok(list.join(", "))
}

/// The expected close date: a real date, not past, at most two years out.
pub fn close_date(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .map_err(|_| "Enter the expected close date as a date, such as 2027-03-31.".to_owned())?;
    if d < today {
        return Err("The expected close date has passed; enter a date from today on.".into());
    }
    if (d - today).num_days() > MAX_CLOSE_DAYS {
        return Err("Register deals expected to close within two years.".into());
    }
    Ok(d)
}

/// A company name as deals compare it: letters and digits in lower case,
/// without a legal form at the end ("Acme, Inc." and "ACME" are the same).
pub fn company_key(name: &str) -> String {
    const FORMS: [&str; 14] =
        ["inc", "ltd", "llc", "gmbh", "corp", "corporation", "co", "sa", "sas", "ag", "bv", "plc", "limited", "oy"];
    let mut words: Vec<String> =
        name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
    while words.len() > 1 && words.last().is_some_and(|w| FORMS.contains(&w.as_str())) {
        words.pop();
    }
    words.concat()
}

/// One registered deal as the partner and the managers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub status: DealStatus,
    pub company: String,
    pub domain: String,
    pub contact_name: String,
    pub contact_email: String,
    pub products: Vec<String>,
    pub value: Money,
    pub close_on: String,
    pub created_at_ms: i64,
    /// When an approval's protection ends.
    pub protected_until_ms: Option<i64>,
    /// Another partner's deal this one conflicted with when registered.
    pub conflict_with: Option<i64>,
    /// The manager's note on a decision.
    pub note: Option<String>,
    /// The customer as revenue events name it, once won.
    pub customer_ref: Option<String>,
    pub version: i64,
}

impl Deal {
    /// Whether the deal still claims its customer at `now`: waiting for a
    /// decision, or approved and inside its window.
    pub fn live(&self, now_ms: i64) -> bool {
        match self.status {
            DealStatus::Registered => true,
            DealStatus::Approved => self.protected_until_ms.is_some_and(|u| u > now_ms),
            _ => false,
        }
    }

    /// Whether this deal and `other` claim the same customer: the same
    /// domain, or the same company with a product in common.
    pub fn same_customer(&self, domain: &str, company: &str, products: &[String]) -> bool {
        self.domain == domain
            || (company_key(&self.company) == company_key(company)
                && self.products.iter().any(|p| products.iter().any(|q| q.eq_ignore_ascii_case(p))))
    }
}

/// The deals of other partners that a registration by `organisation_id`
/// conflicts with at `now`, in the order given.
pub fn conflicts<'a>(deal: &NewDeal, organisation_id: i64, others: &'a [Deal], now_ms: i64) -> Vec<&'a Deal> {
    others
        .iter()
        .filter(|o| o.organisation_id != organisation_id && o.live(now_ms))
        .filter(|o| o.same_customer(&deal.domain, &deal.company, &deal.products))
        .collect()
}

/// What a manager's or a partner's action leads to from `status`, or why
/// it may not. Managers approve and turn down; partners close.
pub fn next_status(status: DealStatus, action: DealAction, by_manager: bool) -> Result<DealStatus, &'static str> {
    use DealAction as A;
    use DealStatus as S;
    match (status, action, by_manager) {
        (S::Registered, A::Approve, true) => Ok(S::Approved),
        (S::Registered, A::Reject, true) => Ok(S::Rejected),
        (S::Approved, A::Won, false) => Ok(S::Won),
        // A partner withdraws a registration or reports a lost sale.
        (S::Registered | S::Approved, A::Lost, false) => Ok(S::Lost),
        (S::Registered, A::Won, false) => Err("Wait for a manager to approve the deal first."),
        (_, A::Approve | A::Reject, false) | (_, A::Won | A::Lost, true) => Err("That step is not yours to take."),
        (S::Won | S::Lost | S::Rejected | S::Expired, ..) => Err("This deal is closed."),
        _ => Err("That step does not follow from where the deal stands."),
    }
}

/// The actions offered on a deal in `status`.
pub fn actions(status: DealStatus, by_manager: bool) -> Vec<DealAction> {
    DealAction::ALL.iter().copied().filter(|a| next_status(status, *a, by_manager).is_ok()).collect()
}

/// Whether a manager may approve `deal` at `now`: not while another
/// partner holds an approved, protected claim on the same customer.
pub fn may_approve(deal: &Deal, others: &[Deal], now_ms: i64) -> Result<(), String> {
    let held = others.iter().find(|o| {
        o.id != deal.id
            && o.organisation_id != deal.organisation_id
            && o.status == DealStatus::Approved
            && o.live(now_ms)
            && o.same_customer(&deal.domain, &deal.company, &deal.products)
    });
    match held {
        Some(o) => Err(format!(
            "{} is protected for {} (deal #{}) until {}. Turn this registration down, or approve it once that \
             protection ends.",
            o.company,
            o.organisation,
            o.id,
            o.protected_until_ms.map(super::format::date_utc).unwrap_or_default()
        )),
        None => Ok(()),
    }
}

/// When an approval made at `now` stops protecting its partner.
pub fn protected_until(now_ms: i64, days: i64) -> i64 {
    now_ms + days * DAY_MS
}

/// Days of protection left at `now`, a begun day counting whole: an
/// approval made just now reads as the whole window, and the last hours as
/// one day.
pub fn days_left(until_ms: i64, now_ms: i64) -> i64 {
    (until_ms - now_ms + DAY_MS - 1).div_euclid(DAY_MS).max(0)
}

/// The latest end of a window whose partner is warned at `now`: windows
/// ending within `WARN_BEFORE_DAYS`.
pub fn warn_until(now_ms: i64) -> i64 {
    now_ms + WARN_BEFORE_DAYS * DAY_MS
}

/// A manager's note: required to turn a deal down, optional otherwise.
pub fn decision_note(action: DealAction, note: &str) -> Result<Option<String>, (&'static str, String)> {
    let n = note.trim();
    if n.chars().count() > NOTE_MAX {
        return Err(("note", format!("Keep the note under {NOTE_MAX} characters.")));
    }
    match (action, n.is_empty()) {
        (DealAction::Reject, true) => Err(("note", "Say why the deal is turned down: the partner reads it.".into())),
        (_, true) => Ok(None),
        _ => Ok(Some(n.to_owned())),
    }
}

/// The customer as revenue events will name it, given when a deal is won:
/// required, as typed.
pub fn customer_ref(input: &str) -> Result<String, (&'static str, String)> {
    let t = input.trim();
    if t.is_empty() {
        Err(("customer_ref", "Enter the customer as your revenue imports name it.".into()))
    } else if t.chars().count() > 200 || t.chars().any(char::is_control) {
        Err(("customer_ref", "Use at most 200 characters, without control characters.".into()))
    } else {
        Ok(t.to_owned())
    }
}

/// A won deal's customer, as revenue attribution reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WonCustomer {
    pub deal_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub customer_ref: String,
}

/// A revenue event counted for a won deal: what links the deal to the
/// partner's statement lines, by the event's external id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WonEvent {
    pub deal_id: i64,
    pub external_id: String,
    pub refund: bool,
    /// As entered: positive for invoices and refunds alike.
    pub amount: Money,
    pub occurred_at_ms: i64,
}

/// The won deal whose customer a revenue event with no partner named
/// belongs to: its partner is credited. A row that names a partner keeps
/// it (the manager importing decides), so a partner's claim on a customer
/// never takes or blocks revenue named for another.
pub fn attribute<'a>(customer: &str, won: &'a [WonCustomer]) -> Option<&'a WonCustomer> {
    let c = customer.trim();
    won.iter().find(|w| w.customer_ref.eq_ignore_ascii_case(c))
}

/// One partner's leads and deals by stage, and the revenue its won deals
/// brought: a row of the program's funnel, or the partner's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    pub organisation_id: i64,
    pub organisation: String,
    pub leads: Vec<(LeadStatus, i64)>,
    /// Accepted leads, and the milliseconds from request to acceptance
    /// summed over them.
    pub accepted: i64,
    pub accept_ms: i64,
    pub deals: Vec<(DealStatus, i64)>,
    pub revenue: Vec<Money>,
}

impl Funnel {
    fn leads_in(&self, pick: &[LeadStatus]) -> i64 {
        self.leads.iter().filter(|(s, _)| pick.contains(s)).map(|(_, n)| n).sum()
    }

    fn deals_in(&self, pick: &[DealStatus]) -> i64 {
        self.deals.iter().filter(|(s, _)| pick.contains(s)).map(|(_, n)| n).sum()
    }

    pub fn lead_count(&self) -> i64 {
        self.leads.iter().map(|(_, n)| n).sum()
    }

    pub fn deal_count(&self) -> i64 {
        self.deals.iter().map(|(_, n)| n).sum()
    }

    pub fn leads_won(&self) -> i64 {
        self.leads_in(&[LeadStatus::Won])
    }

    pub fn deals_won(&self) -> i64 {
        self.deals_in(&[DealStatus::Won])
    }

    /// Of the leads the partner answered, the share it accepted (a lead
    /// still offered is not answered yet).
    pub fn acceptance(&self) -> Option<u32> {
        use LeadStatus as S;
        let taken = self.leads_in(&[S::Accepted, S::Contacted, S::Qualified, S::Won, S::Lost]);
        percent(taken, taken + self.leads_in(&[S::Returned]))
    }

    /// Of the leads closed, the share won.
    pub fn lead_conversion(&self) -> Option<u32> {
        percent(self.leads_won(), self.leads_in(&[LeadStatus::Won, LeadStatus::Lost]))
    }

    /// Of the deals closed (won, lost or expired), the share won.
    pub fn win_rate(&self) -> Option<u32> {
        percent(self.deals_won(), self.deals_in(&[DealStatus::Won, DealStatus::Lost, DealStatus::Expired]))
    }

    /// The average time from a visitor's request to the partner's
    /// acceptance, in minutes.
    pub fn time_to_accept_minutes(&self) -> Option<i64> {
        (self.accepted > 0).then(|| self.accept_ms / self.accepted / 60_000)
    }
}

/// `part` of `whole` in whole percent, rounded; `None` of nothing.
pub fn percent(part: i64, whole: i64) -> Option<u32> {
    (whole > 0).then(|| ((part * 200 + whole) / (whole * 2)) as u32)
}

/// Builds the funnels of the partners from the store's counts: leads as
/// (partner, name, status, count), acceptance as (partner, accepted, total
/// milliseconds to accept), deals as (partner, name, status, count), and
/// won revenue as (partner, amount). Ordered by partner name.
pub fn funnels(
    leads: &[(i64, String, String, i64)],
    acceptance: &[(i64, i64, i64)],
    deals: &[(i64, String, String, i64)],
    revenue: &[(i64, Money)],
) -> Vec<Funnel> {
    let mut out: Vec<Funnel> = Vec::new();
    fn row<'a>(out: &'a mut Vec<Funnel>, org: i64, name: &str) -> &'a mut Funnel {
        if let Some(i) = out.iter().position(|f| f.organisation_id == org) {
            return &mut out[i];
        }
        out.push(Funnel { organisation_id: org, organisation: name.to_owned(), ..Funnel::default() });
        out.last_mut().expect("just pushed")
    }
    for (org, name, status, n) in leads {
        if let Some(s) = LeadStatus::parse(status) {
            row(&mut out, *org, name).leads.push((s, *n));
        }
    }
    for (org, name, status, n) in deals {
        if let Some(s) = DealStatus::parse(status) {
            row(&mut out, *org, name).deals.push((s, *n));
        }
    }
    for (org, accepted, ms) in acceptance {
        if let Some(f) = out.iter_mut().find(|f| f.organisation_id == *org) {
            f.accepted = *accepted;
            f.accept_ms = *ms;
        }
    }
    for f in &mut out {
        let own = revenue.iter().filter(|(org, _)| *org == f.organisation_id).map(|(_, m)| *m);
        f.revenue = super::ledger::total_per_currency(own);
    }
    out.sort_by_key(|f| f.organisation.to_lowercase());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn input() -> DealInput {
        DealInput {
            company: "Northwind Bank".into(),
            domain: "https://www.Northwind.example/about".into(),
            contact_name: "Nia".into(),
            contact_email: "Nia@Northwind.example".into(),
            products: "Trust scores, Agent audit, trust scores".into(),
            value: "12000.00".into(),
            currency: "usd".into(),
            close_on: "2027-03-31".into(),
        }
    }

    fn deal(id: i64, org: i64, status: DealStatus, domain: &str, products: &[&str]) -> Deal {
        Deal {
            id,
            organisation_id: org,
            organisation: format!("Partner {org}"),
            status,
            company: "Northwind Bank".into(),
            domain: domain.into(),
            contact_name: "Nia".into(),
            contact_email: "nia@northwind.example".into(),
            products: products.iter().map(|p| p.to_string()).collect(),
            value: Money::new(100, Currency::parse("USD").unwrap()),
            close_on: "2027-03-31".into(),
            created_at_ms: 0,
            protected_until_ms: (status == DealStatus::Approved).then_some(10 * DAY_MS),
            conflict_with: None,
            note: None,
            customer_ref: None,
            version: 0,
        }
    }

    #[test]
    fn a_complete_registration_is_read_with_its_domain_bare_and_products_once() {
        let d = input().parse(today()).unwrap();
        assert_eq!(d.domain, "northwind.example");
        assert_eq!(d.contact_email, "nia@northwind.example");
        assert_eq!(d.products, ["Trust scores", "Agent audit"]);
        assert_eq!(d.value.minor, 1_200_000);
        assert_eq!(d.close_on, "2027-03-31");
    }

    #[test]
    fn a_registration_with_bad_fields_names_every_problem() {
        let bad = DealInput {
            domain: "localhost".into(),
            products: " , ".into(),
            value: "0".into(),
            close_on: "2026-11-30".into(),
            contact_email: "nia".into(),
            ..input()
        };
        let fields: Vec<_> = bad.parse(today()).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["domain", "contact_email", "products", "value", "close_on"]);
        let money = DealInput { value: "12,50".into(), currency: "XYZ".into(), ..input() };
        let fields: Vec<_> = money.parse(today()).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["currency"]);
    }

    #[test]
    fn an_amount_in_minor_units_reads_as_the_form_would_type_it() {
        assert_eq!(value_text(1_200_050, "usd"), "12000.50");
        assert_eq!(value_text(5_000, "JPY"), "5000");
        assert_eq!(value_text(-100, "EUR"), "-1.00");
        assert_eq!(value_text(100, "XYZ"), "");
    }

    #[test]
    fn a_close_date_may_be_today_but_not_past_or_beyond_two_years() {
        assert!(close_date("2026-12-01", today()).is_ok());
        assert!(close_date("2026-11-30", today()).is_err());
        assert!(close_date("2028-12-01", today()).is_err());
        assert!(close_date("31/03/2027", today()).is_err());
    }

    #[test]
    fn company_names_compare_without_case_punctuation_or_legal_form() {
        assert_eq!(company_key("Acme, Inc."), company_key("ACME"));
        assert_eq!(company_key("Northwind Bank plc"), "northwindbank");
        assert_eq!(company_key("Co"), "co", "a name is never emptied");
    }

    #[test]
    fn another_partners_live_deal_on_the_same_domain_or_company_and_product_conflicts() {
        let new = input().parse(today()).unwrap();
        let now = DAY_MS;
        let others = vec![
            deal(1, 2, DealStatus::Registered, "northwind.example", &["Billing"]),
            deal(2, 2, DealStatus::Approved, "northwind.co.uk", &["trust scores"]),
            deal(3, 2, DealStatus::Approved, "northwind.co.uk", &["Billing"]),
            deal(4, 1, DealStatus::Registered, "northwind.example", &["Trust scores"]),
            deal(5, 2, DealStatus::Lost, "northwind.example", &["Trust scores"]),
        ];
        let ids: Vec<i64> = conflicts(&new, 1, &others, now).iter().map(|d| d.id).collect();
        assert_eq!(ids, [1, 2], "same domain; same company with a product in common; not its own nor closed");
        assert!(conflicts(&new, 1, &others, 11 * DAY_MS).iter().all(|d| d.id == 1), "an ended window claims nothing");
    }

    #[test]
    fn managers_decide_registrations_and_partners_close_approved_deals() {
        use DealAction as A;
        use DealStatus as S;
        assert_eq!(next_status(S::Registered, A::Approve, true), Ok(S::Approved));
        assert_eq!(next_status(S::Registered, A::Reject, true), Ok(S::Rejected));
        assert_eq!(next_status(S::Approved, A::Won, false), Ok(S::Won));
        assert_eq!(next_status(S::Registered, A::Lost, false), Ok(S::Lost));
        assert!(next_status(S::Registered, A::Won, false).is_err());
        assert!(next_status(S::Registered, A::Approve, false).is_err(), "a partner cannot approve its own deal");
        assert!(next_status(S::Expired, A::Won, false).is_err());
        assert_eq!(actions(S::Registered, true), [A::Approve, A::Reject]);
        assert_eq!(actions(S::Approved, false), [A::Won, A::Lost]);
        assert!(actions(S::Won, false).is_empty());
    }

    #[test]
    fn approval_is_refused_while_another_partner_is_protected_on_the_customer() {
        let mine = deal(9, 1, DealStatus::Registered, "northwind.example", &["Trust scores"]);
        let held = deal(3, 2, DealStatus::Approved, "northwind.example", &["Billing"]);
        let waiting = deal(4, 2, DealStatus::Registered, "northwind.example", &["Billing"]);
        assert!(may_approve(&mine, std::slice::from_ref(&waiting), DAY_MS).is_ok());
        let refused = may_approve(&mine, std::slice::from_ref(&held), DAY_MS).unwrap_err();
        assert!(refused.contains("Partner 2") && refused.contains("#3"), "{refused}");
        assert!(may_approve(&mine, &[held], 11 * DAY_MS).is_ok(), "once the window ends");
    }

    #[test]
    fn the_window_is_counted_in_days_and_its_warning_falls_in_the_last_fourteen() {
        let until = protected_until(0, 90);
        assert_eq!(until, 90 * DAY_MS);
        assert!(until > warn_until(75 * DAY_MS), "day 75: more than 14 days left");
        assert!(until <= warn_until(76 * DAY_MS), "day 76: warned");
    }

    #[test]
    fn turning_a_deal_down_needs_a_note_and_winning_one_names_the_customer() {
        assert_eq!(decision_note(DealAction::Approve, " "), Ok(None));
        assert_eq!(decision_note(DealAction::Reject, " ").unwrap_err().0, "note");
        assert_eq!(decision_note(DealAction::Reject, " Duplicate "), Ok(Some("Duplicate".into())));
        assert_eq!(customer_ref(" cus_42 "), Ok("cus_42".into()));
        assert!(customer_ref(" ").is_err());
    }

    #[test]
    fn a_funnel_counts_answered_leads_closed_deals_and_the_time_to_accept() {
        let usd = Currency::parse("USD").unwrap();
        let leads = vec![
            (1, "Acme".to_owned(), "accepted".to_owned(), 2),
            (1, "Acme".to_owned(), "won".to_owned(), 1),
            (1, "Acme".to_owned(), "returned".to_owned(), 1),
            (1, "Acme".to_owned(), "offered".to_owned(), 5),
            (2, "bravo".to_owned(), "lost".to_owned(), 1),
        ];
        let deals = vec![
            (1, "Acme".to_owned(), "won".to_owned(), 3),
            (1, "Acme".to_owned(), "expired".to_owned(), 1),
            (3, "Zed".to_owned(), "registered".to_owned(), 1),
        ];
        let f = funnels(
            &leads,
            &[(1, 3, 3 * 90 * 60_000)],
            &deals,
            &[(1, Money::new(500, usd)), (1, Money::new(250, usd))],
        );
        let names: Vec<&str> = f.iter().map(|f| f.organisation.as_str()).collect();
        assert_eq!(names, ["Acme", "bravo", "Zed"]);
        let acme = &f[0];
        assert_eq!((acme.lead_count(), acme.leads_won(), acme.deal_count(), acme.deals_won()), (9, 1, 4, 3));
        assert_eq!(acme.acceptance(), Some(75), "3 taken of 4 answered; offered ones wait");
        assert_eq!(acme.lead_conversion(), Some(100));
        assert_eq!(acme.win_rate(), Some(75));
        assert_eq!(acme.time_to_accept_minutes(), Some(90));
        assert_eq!(acme.revenue, [Money::new(750, usd)]);
        assert_eq!((f[2].win_rate(), f[2].time_to_accept_minutes()), (None, None), "nothing closed yet");
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
    }

    #[test]
    fn revenue_of_a_won_customer_with_no_partner_named_goes_to_the_registering_partner() {
        let won = vec![WonCustomer {
            deal_id: 7,
            organisation_id: 1,
            organisation: "Acme".into(),
            customer_ref: "cus_42".into(),
        }];
        assert_eq!(attribute(" CUS_42 ", &won).map(|w| w.organisation_id), Some(1));
        assert_eq!(attribute("cus_43", &won), None);
    }

    #[test]
    fn days_left_count_a_begun_day_whole_and_never_go_below_zero() {
        let now = 1_000 * DAY_MS;
        assert_eq!(days_left(protected_until(now, 90), now), 90);
        assert_eq!(days_left(now + DAY_MS + 1, now), 2);
        assert_eq!(days_left(now + 1, now), 1);
        assert_eq!(days_left(now, now), 0);
        assert_eq!(days_left(now - 5 * DAY_MS, now), 0);
    }

    #[test]
    fn a_list_of_products_becomes_the_forms_text_unless_a_name_holds_a_separator() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(products_text(&list(&["Trust scores", "Audit"])).unwrap(), "Trust scores, Audit");
        assert!(products_text(&list(&["Scores, audit"])).is_err());
        assert!(products_text(&list(&["Scores\naudit"])).is_err());
        assert_eq!(parse_products(&products_text(&list(&["A", "a", "B"])).unwrap()).unwrap(), ["A", "B"]);
    }
}
