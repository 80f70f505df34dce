//! Customer referrals and the leads they become.
//!
//! The guide's listing benefits include "Customer referrals": a visitor of
//! a listed partner's page asks to be contacted, with no account. The
//! request is a lead offered to that partner, who accepts or declines it
//! (with a reason) within a response time, shown as a clock as support
//! tickets are; a lead declined or not accepted in time goes back to the
//! managers, who offer it to another partner. An accepted lead moves
//! `accepted → contacted → qualified → won | lost`.

use super::email::Email;
use serde::{Deserialize, Serialize};

choices!(
    /// Where a lead stands.
    LeadStatus {
        Offered => "offered", "Waiting for the partner";
        Returned => "returned", "With the partner managers";
        Accepted => "accepted", "Accepted";
        Contacted => "contacted", "Contacted";
        Qualified => "qualified", "Qualified";
        Won => "won", "Won";
        Lost => "lost", "Lost";
    }
);

choices!(
    /// What a partner does with a lead.
    LeadAction {
        Accept => "accept", "Accept";
        Decline => "decline", "Decline";
        Contacted => "contacted", "Mark as contacted";
        Qualified => "qualified", "Mark as qualified";
        Won => "won", "Mark as won";
        Lost => "lost", "Mark as lost";
    }
);

/// How long a partner has to accept or decline a lead, unless the program
/// configures another time: two days.
pub const DEFAULT_RESPONSE_HOURS: i64 = 48;
/// When a lead offered at `now_ms` goes back to the managers unanswered.
pub fn respond_by(now_ms: i64, hours: i64) -> i64 {
    now_ms + hours * 3_600_000
}

/// The least time a person takes to fill the contact form; a faster post
/// is a script.
pub const MIN_FILL_MS: i64 = 3_000;
/// A form older than this was left open; it is filled again.
pub const MAX_FILL_MS: i64 = 24 * 3_600_000;
pub const NEED_MAX: usize = 2_000;
pub const REASON_MAX: usize = 500;

/// The visitor's request as typed into the contact form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralInput {
    pub company: String,
    pub name: String,
    pub email: String,
    pub country: String,
    pub need: String,
    /// The consent box: present when ticked.
    pub consent: bool,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub company: String,
    pub name: String,
    pub email: String,
    pub country: String,
    pub need: String,
}

impl ReferralInput {
    /// Checks every field and reports all problems at once, by field name.
    pub fn parse(&self) -> Result<Referral, Vec<(&'static str, String)>> {
        use super::application::required_text as text;
        let mut errors = Vec::new();
        let company = text("company", &self.company, 200, &mut errors);
        let name = text("name", &self.name, 100, &mut errors);
        let country = text("country", &self.country, 80, &mut errors);
        let need = text("need", &self.need, NEED_MAX, &mut errors);
        let email = Email::parse(&self.email).map_err(|e| errors.push(("email", e.to_string()))).ok();
        if !self.consent {
            errors.push(("consent", "Tick the box to let the partner contact you.".into()));
        }
        match email {
            Some(email) if errors.is_empty() => {
                Ok(Referral { company, name, email: email.as_str().to_owned(), country, need })
            }
            _ => Err(errors),
        }
    }
}

/// Why a contact form is not taken, before its fields are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spam {
    /// The field people do not see was filled: a script. It is told all
    /// went well, and nothing is written.
    Honeypot,
    /// Sent faster than a person types, or with no start time.
    TooFast,
    /// The form was opened more than a day ago.
    Stale,
}

impl Spam {
    /// What the visitor reads. A script filling the trap learns nothing.
    pub fn message(self) -> &'static str {
        match self {
            Spam::Honeypot => "",
            Spam::TooFast => "That was quick. Check your request and send it again.",
            Spam::Stale => "This form was opened too long ago. Check your request and send it again.",
        }
    }
}

/// Checks a post of the contact form against the spam defences: the trap
/// field is empty and the form was filled in a human time.
/// `started_ms` is the form's own (signed) opening time.
pub fn spam_check(trap: &str, started_ms: Option<i64>, now_ms: i64) -> Result<(), Spam> {
    if !trap.trim().is_empty() {
        return Err(Spam::Honeypot);
    }
    let Some(started) = started_ms else { return Err(Spam::TooFast) };
    let took = now_ms - started;
    if took < MIN_FILL_MS {
        Err(Spam::TooFast)
    } else if took > MAX_FILL_MS {
        Err(Spam::Stale)
    } else {
        Ok(())
    }
}

/// What a partner's action leads to from `status`, or why it may not.
pub fn partner_action(status: LeadStatus, action: LeadAction) -> Result<LeadStatus, &'static str> {
    use LeadAction as A;
    use LeadStatus as S;
    match (status, action) {
        (S::Offered, A::Accept) => Ok(S::Accepted),
        // Declining hands the lead back to the managers.
        (S::Offered, A::Decline) => Ok(S::Returned),
        (S::Accepted, A::Contacted) => Ok(S::Contacted),
        (S::Accepted | S::Contacted, A::Qualified) => Ok(S::Qualified),
        (S::Accepted | S::Contacted | S::Qualified, A::Won | A::Lost) => {
            Ok(if action == A::Won { S::Won } else { S::Lost })
        }
        (S::Returned, _) => Err("This lead is no longer offered to you."),
        (S::Won | S::Lost, _) => Err("This lead is closed."),
        (S::Offered, _) => Err("Accept the lead first."),
        _ => Err("That step does not follow from where the lead stands."),
    }
}

/// The actions a partner is offered on a lead in `status`.
pub fn partner_actions(status: LeadStatus) -> Vec<LeadAction> {
    LeadAction::ALL.iter().copied().filter(|a| partner_action(status, *a).is_ok()).collect()
}

/// The reason a decline needs, trimmed.
pub fn decline_reason(reason: &str) -> Result<String, (&'static str, String)> {
    let r = reason.trim();
    if r.is_empty() {
        Err(("reason", "Say why you decline: the partner managers offer the lead to someone else.".into()))
    } else if r.chars().count() > REASON_MAX {
        Err(("reason", format!("Keep the reason under {REASON_MAX} characters.")))
    } else {
        Ok(r.to_owned())
    }
}

/// Whether a manager may offer a lead in `status` to a partner: one with
/// the managers, or one still waiting (to take it back and offer it
/// elsewhere).
pub fn may_route(status: LeadStatus) -> bool {
    matches!(status, LeadStatus::Returned | LeadStatus::Offered)
}

/// The response clock of an offered lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Clock {
    /// Time left to answer, in minutes.
    Running { minutes_left: i64 },
    /// Past the time: the next round of the scheduler returns it.
    Overdue { minutes_over: i64 },
}

/// The clock of a lead offered until `respond_by_ms`.
pub fn clock(respond_by_ms: i64, now_ms: i64) -> Clock {
    let minutes = (respond_by_ms - now_ms).div_euclid(60_000);
    if now_ms <= respond_by_ms {
        Clock::Running { minutes_left: minutes }
    } else {
        Clock::Overdue { minutes_over: -minutes }
    }
}

/// A span of minutes in words, to the largest two units: "1 day 3 h",
/// "2 h", "40 min".
pub fn span_words(m: i64) -> String {
    let (d, h, min) = (m / 1_440, (m % 1_440) / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{min} min"),
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} {}", if d == 1 { "day" } else { "days" }),
        (d, h) => format!("{d} {} {h} h", if d == 1 { "day" } else { "days" }),
    }
}

/// The clock in words: "1 day 3 h left", "40 min left", "2 h overdue".
pub fn clock_words(c: Clock) -> String {
    let span = span_words;
    match c {
        Clock::Running { minutes_left } => format!("{} left", span(minutes_left)),
        Clock::Overdue { minutes_over } => format!("{} overdue", span(minutes_over)),
    }
}

/// One lead as the partner and the managers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub id: i64,
    pub status: LeadStatus,
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub company: String,
    pub name: String,
    pub email: String,
    pub country: String,
    pub need: String,
    pub created_at_ms: i64,
    pub respond_by_ms: Option<i64>,
    pub version: i64,
    /// The latest decline's reason, or why it came back.
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReferralInput {
        ReferralInput {
            company: "Northwind Bank".into(),
            name: "Nia".into(),
            email: "Nia@Northwind.example".into(),
            country: "Portugal".into(),
            need: "Agent trust scores for our support bots.".into(),
            consent: true,
        }
    }

    #[test]
    fn a_complete_request_is_read_with_its_email_in_lower_case() {
        let r = input().parse().unwrap();
        assert_eq!(r.email, "nia@northwind.example");
        assert_eq!(r.company, "Northwind Bank");
    }

    #[test]
    fn a_request_without_consent_or_contact_names_every_problem() {
        let bad = ReferralInput { consent: false, email: "nia".into(), name: " ".into(), ..input() };
        let fields: Vec<_> = bad.parse().unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "email", "consent"]);
    }

    #[test]
    fn the_trap_field_and_inhuman_speed_are_spam_and_a_day_old_form_is_stale() {
        assert_eq!(spam_check("", Some(0), 10_000), Ok(()));
        assert_eq!(spam_check("http://spam", Some(0), 10_000), Err(Spam::Honeypot));
        assert_eq!(spam_check("", Some(0), 2_999), Err(Spam::TooFast));
        assert_eq!(spam_check("", None, 10_000), Err(Spam::TooFast));
        assert_eq!(spam_check("", Some(0), MAX_FILL_MS + 1), Err(Spam::Stale));
        assert_eq!(Spam::Honeypot.message(), "", "a script learns nothing");
    }

    #[test]
    fn a_partner_accepts_or_declines_an_offer_and_then_walks_the_stages_to_won_or_lost() {
        use LeadAction as A;
        use LeadStatus as S;
        assert_eq!(partner_action(S::Offered, A::Accept), Ok(S::Accepted));
        assert_eq!(partner_action(S::Offered, A::Decline), Ok(S::Returned));
        assert_eq!(partner_action(S::Accepted, A::Contacted), Ok(S::Contacted));
        assert_eq!(partner_action(S::Contacted, A::Qualified), Ok(S::Qualified));
        assert_eq!(partner_action(S::Qualified, A::Won), Ok(S::Won));
        assert_eq!(partner_action(S::Accepted, A::Lost), Ok(S::Lost));
        assert!(partner_action(S::Offered, A::Won).is_err());
        assert!(partner_action(S::Returned, A::Accept).is_err());
        assert!(partner_action(S::Won, A::Lost).is_err());
        assert!(partner_action(S::Qualified, A::Contacted).is_err(), "stages do not go back");
        assert_eq!(partner_actions(S::Offered), [A::Accept, A::Decline]);
        assert!(partner_actions(S::Lost).is_empty());
    }

    #[test]
    fn a_decline_needs_a_reason_and_managers_route_only_open_offers() {
        assert_eq!(decline_reason("  Outside our region "), Ok("Outside our region".into()));
        assert_eq!(decline_reason(" ").unwrap_err().0, "reason");
        assert!(may_route(LeadStatus::Returned) && may_route(LeadStatus::Offered));
        assert!(!may_route(LeadStatus::Accepted) && !may_route(LeadStatus::Won));
    }

    #[test]
    fn the_clock_counts_down_to_the_response_time_and_then_up() {
        let h = 3_600_000;
        assert_eq!(clock(48 * h, 0), Clock::Running { minutes_left: 2_880 });
        assert_eq!(clock_words(clock(48 * h, 0)), "2 days left");
        assert_eq!(clock_words(clock(27 * h, 0)), "1 day 3 h left");
        assert_eq!(clock_words(clock(40 * 60_000, 0)), "40 min left");
        assert_eq!(clock(0, 2 * h), Clock::Overdue { minutes_over: 120 });
        assert_eq!(clock_words(clock(0, 2 * h)), "2 h overdue");
    }
}
