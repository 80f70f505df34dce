//! Integration certification (guide "Integration Certification"): the states
//! a partner moves through, the events that move it, who may fire each, and
//! the support tier that follows from the state.
//!
//! `transition` is the single source of truth: the server enforces it and the
//! UI asks `allowed_events` which buttons to show.

use serde::{Deserialize, Serialize};

choices!(
    CertState {
        Registered => "registered", "Registered";
        Development => "development", "Development";
        Testing => "testing", "Testing";
        Review => "review", "Review";
        Certified => "certified", "Certified";
        Listed => "listed", "Listed";
        Featured => "featured", "Featured";
        Premier => "premier", "Premier";
        Recertification => "recertification", "Recertification";
        Suspended => "suspended", "Suspended";
    }
);

choices!(
    CertEvent {
        SandboxAccessGranted => "sandbox_access_granted", "Grant sandbox access";
        IntegrationBuilt => "integration_built", "Integration built";
        SubmittedForReview => "submitted_for_review", "Submit for review";
        Passed => "passed", "Pass certification";
        IssuesFound => "issues_found", "Issues found";
        Published => "published", "Publish in the marketplace";
        HighPerformance => "high_performance", "Feature (high performance)";
        StrategicPartnership => "strategic_partnership", "Promote to premier";
        AnnualReviewDue => "annual_review_due", "Start recertification";
        RecertificationPassed => "recertification_passed", "Recertification passed";
        RecertificationFailed => "recertification_failed", "Recertification failed";
        Reinstated => "reinstated", "Reinstate to development";
    }
);

/// Who fires an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertActor {
    /// The scheduler or another feature (e.g. the first sandbox key).
    System,
    Partner,
    Manager,
    /// An administrator: everything a manager may, and reinstatement.
    Admin,
}

impl CertActor {
    pub const ALL: [CertActor; 4] = [CertActor::System, CertActor::Partner, CertActor::Manager, CertActor::Admin];
}

/// States from which the annual review interrupts.
pub const RECERTIFIABLE: [CertState; 4] =
    [CertState::Certified, CertState::Listed, CertState::Featured, CertState::Premier];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum TransitionError {
    #[error("“{event}” is not possible while the partner is in {state}.")]
    NotFromState { state: &'static str, event: &'static str },
    #[error("You may not “{event}”.")]
    NotPermitted { event: &'static str },
    #[error("Add a note: “{event}” needs one.")]
    NoteRequired { event: &'static str },
    #[error("The state to return to after recertification is unknown.")]
    NoStateToReturnTo,
}

/// One stored transition, as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub from: CertState,
    pub to: CertState,
    pub event: CertEvent,
    pub actor: String,
    pub note: String,
    pub evidence: String,
    pub at_ms: i64,
}

/// A transition decided by the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: CertState,
    pub to: CertState,
    pub event: CertEvent,
    /// What to remember as the interrupted state (set on entering
    /// recertification, cleared otherwise).
    pub remember: Option<CertState>,
}

/// The state an event leads from, and who may fire it. `None` as `from`
/// means one of `RECERTIFIABLE`.
fn rule(event: CertEvent) -> (Option<CertState>, &'static [CertActor]) {
    use CertActor::*;
    use CertEvent::*;
    const STAFF: &[CertActor] = &[Manager, Admin];
    match event {
        SandboxAccessGranted => (Some(CertState::Registered), &[System, Manager, Admin]),
        IntegrationBuilt => (Some(CertState::Development), &[Partner]),
        SubmittedForReview => (Some(CertState::Testing), &[Partner]),
        Passed | IssuesFound => (Some(CertState::Review), STAFF),
        Published => (Some(CertState::Certified), STAFF),
        HighPerformance => (Some(CertState::Listed), STAFF),
        StrategicPartnership => (Some(CertState::Featured), STAFF),
        AnnualReviewDue => (None, &[System, Manager, Admin]),
        RecertificationPassed | RecertificationFailed => (Some(CertState::Recertification), STAFF),
        Reinstated => (Some(CertState::Suspended), &[Admin]),
    }
}

/// Events whose note is required (the partner or the record needs to know why).
pub fn needs_note(event: CertEvent) -> bool {
    matches!(
        event,
        CertEvent::SubmittedForReview
            | CertEvent::IssuesFound
            | CertEvent::RecertificationFailed
            | CertEvent::Reinstated
    )
}

/// Decides the outcome of `event` fired by `actor` on a partner in `state`
/// (`interrupted` is the state recertification interrupted, if any).
pub fn transition(
    state: CertState,
    interrupted: Option<CertState>,
    event: CertEvent,
    actor: CertActor,
    note: &str,
) -> Result<Transition, TransitionError> {
    let (from, actors) = rule(event);
    let from_ok = match from {
        Some(f) => f == state,
        None => RECERTIFIABLE.contains(&state),
    };
    if !from_ok {
        return Err(TransitionError::NotFromState { state: state.label(), event: event.label() });
    }
    if !actors.contains(&actor) {
        return Err(TransitionError::NotPermitted { event: event.label() });
    }
    if needs_note(event) && note.trim().is_empty() {
        return Err(TransitionError::NoteRequired { event: event.label() });
    }
    use CertEvent::*;
    let (to, remember) = match event {
        SandboxAccessGranted | IssuesFound | Reinstated => (CertState::Development, None),
        IntegrationBuilt => (CertState::Testing, None),
        SubmittedForReview => (CertState::Review, None),
        Passed => (CertState::Certified, None),
        Published => (CertState::Listed, None),
        HighPerformance => (CertState::Featured, None),
        StrategicPartnership => (CertState::Premier, None),
        AnnualReviewDue => (CertState::Recertification, Some(state)),
        RecertificationPassed => (interrupted.ok_or(TransitionError::NoStateToReturnTo)?, None),
        RecertificationFailed => (CertState::Suspended, None),
    };
    Ok(Transition { from: state, to, event, remember })
}

/// The events `actor` may fire from `state`, for the UI.
pub fn allowed_events(state: CertState, interrupted: Option<CertState>, actor: CertActor) -> Vec<CertEvent> {
    CertEvent::ALL.iter().copied().filter(|e| transition(state, interrupted, *e, actor, "a note").is_ok()).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupportTier {
    Registered,
    Certified,
    Premier,
}

impl SupportTier {
    pub const ALL: [SupportTier; 3] = [SupportTier::Registered, SupportTier::Certified, SupportTier::Premier];

    /// The stored form.
    pub fn key(self) -> &'static str {
        match self {
            SupportTier::Registered => "registered",
            SupportTier::Certified => "certified",
            SupportTier::Premier => "premier",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            SupportTier::Registered => "Registered",
            SupportTier::Certified => "Certified",
            SupportTier::Premier => "Premier",
        }
    }

    /// First-response target in hours (guide "Support Tiers").
    pub fn response_hours(self) -> i64 {
        match self {
            SupportTier::Registered => 72,
            SupportTier::Certified => 24,
            SupportTier::Premier => 4,
        }
    }

    pub fn benefits(self) -> &'static str {
        match self {
            SupportTier::Registered => "Community forum, documentation and email support.",
            SupportTier::Certified => "Priority email support, a partner manager, and co-marketing eligibility.",
            SupportTier::Premier => "A dedicated partner manager, phone support and joint roadmap reviews.",
        }
    }
}

pub fn support_tier(state: CertState) -> SupportTier {
    match state {
        CertState::Registered
        | CertState::Development
        | CertState::Testing
        | CertState::Review
        | CertState::Suspended => SupportTier::Registered,
        CertState::Certified | CertState::Listed | CertState::Featured | CertState::Recertification => {
            SupportTier::Certified
        }
        CertState::Premier => SupportTier::Premier,
    }
}

/// What a partner should do next, in plain words.
pub fn next_step(state: CertState) -> &'static str {
    match state {
        CertState::Registered => "Create your first sandbox key, or ask your partner manager for sandbox access.",
        CertState::Development => "Build your integration against the sandbox, then mark it built.",
        CertState::Testing => "Test in the sandbox and submit for review with your evidence: notes, links, results.",
        CertState::Review => "A partner manager is reviewing your submission.",
        CertState::Certified => "You are certified. Your partner manager can publish you in the marketplace.",
        CertState::Listed | CertState::Featured | CertState::Premier => {
            "Keep your integration healthy; it is reviewed yearly."
        }
        CertState::Recertification => "Your annual review is under way with your partner manager.",
        CertState::Suspended => "Your certification is suspended. Contact your partner manager.",
    }
}

/// The next level on the certification path, what reaching it takes,
/// and the support tier it brings; `None` at the top (Premier) and while
/// off the path (in recertification or suspended, where `next_step` says
/// what to do).
pub fn next_level(state: CertState) -> Option<(CertState, &'static str, SupportTier)> {
    let (to, needs) = match state {
        CertState::Registered => (CertState::Development, "sandbox access: create a sandbox key"),
        CertState::Development => (CertState::Testing, "your integration built against the sandbox"),
        CertState::Testing => (CertState::Review, "a submission with evidence: notes, links and sandbox results"),
        CertState::Review => (CertState::Certified, "a partner manager's review that passes"),
        CertState::Certified => (CertState::Listed, "publication in the marketplace by your partner manager"),
        CertState::Listed => (CertState::Featured, "high performance, as your partner manager judges it"),
        CertState::Featured => (CertState::Premier, "a strategic partnership with the program"),
        CertState::Premier | CertState::Recertification | CertState::Suspended => return None,
    };
    Some((to, needs, support_tier(to)))
}

/// Whether the partner's next step is work in the sandbox (keys on the
/// Developers page), so its certification card leads there even when the
/// partner's menu leaves Developers out.
pub fn needs_sandbox(state: CertState) -> bool {
    matches!(state, CertState::Registered | CertState::Development | CertState::Testing)
}

/// A certified partner is due for its annual review twelve calendar months
/// after certification; it is reminded thirty days before.
pub fn recertification_cutoff(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    now.checked_sub_months(chrono::Months::new(12)).unwrap_or(now)
}

pub fn reminder_cutoff(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    recertification_cutoff(now + chrono::Duration::days(30))
}

/// Recertifications open longer than this are flagged to managers.
pub const RECERT_FLAG_DAYS: i64 = 60;

/// Median of whole days, the lower middle for an even count.
pub fn median_days(mut days: Vec<i64>) -> Option<i64> {
    days.sort_unstable();
    (!days.is_empty()).then(|| days[(days.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use CertActor as A;
    use CertEvent as E;
    use CertState as S;

    /// The SPEC table: (from, event, actors, to).
    fn table() -> Vec<(S, E, Vec<A>, S)> {
        let staff = vec![A::Manager, A::Admin];
        let mut t = vec![
            (S::Registered, E::SandboxAccessGranted, vec![A::System, A::Manager, A::Admin], S::Development),
            (S::Development, E::IntegrationBuilt, vec![A::Partner], S::Testing),
            (S::Testing, E::SubmittedForReview, vec![A::Partner], S::Review),
            (S::Review, E::Passed, staff.clone(), S::Certified),
            (S::Review, E::IssuesFound, staff.clone(), S::Development),
            (S::Certified, E::Published, staff.clone(), S::Listed),
            (S::Listed, E::HighPerformance, staff.clone(), S::Featured),
            (S::Featured, E::StrategicPartnership, staff.clone(), S::Premier),
            (S::Recertification, E::RecertificationFailed, staff.clone(), S::Suspended),
            (S::Suspended, E::Reinstated, vec![A::Admin], S::Development),
        ];
        for s in RECERTIFIABLE {
            t.push((s, E::AnnualReviewDue, vec![A::System, A::Manager, A::Admin], S::Recertification));
        }
        t
    }

    #[test]
    fn every_state_event_and_actor_is_allowed_exactly_as_the_table_says() {
        let table = table();
        for &state in S::ALL {
            for &event in E::ALL {
                if event == E::RecertificationPassed {
                    continue; // its target depends on the interrupted state: tested below
                }
                for actor in A::ALL {
                    let expected = table.iter().find(|(f, e, a, _)| *f == state && *e == event && a.contains(&actor));
                    let got = transition(state, None, event, actor, "a note");
                    match expected {
                        Some((_, _, _, to)) => assert_eq!(got.map(|t| t.to), Ok(*to), "{state:?} {event:?} {actor:?}"),
                        None => assert!(got.is_err(), "{state:?} {event:?} {actor:?} should be refused"),
                    }
                }
            }
        }
    }

    #[test]
    fn recertification_returns_to_the_state_it_interrupted() {
        for s in RECERTIFIABLE {
            let into = transition(s, None, E::AnnualReviewDue, A::System, "").unwrap();
            assert_eq!((into.to, into.remember), (S::Recertification, Some(s)));
            let back = transition(S::Recertification, into.remember, E::RecertificationPassed, A::Manager, "").unwrap();
            assert_eq!(back.to, s);
        }
        assert_eq!(
            transition(S::Recertification, None, E::RecertificationPassed, A::Manager, ""),
            Err(TransitionError::NoStateToReturnTo)
        );
        for actor in [A::System, A::Partner] {
            assert!(transition(S::Recertification, Some(S::Listed), E::RecertificationPassed, actor, "").is_err());
        }
    }

    #[test]
    fn a_refusal_says_why() {
        assert!(matches!(
            transition(S::Review, None, E::Passed, A::Partner, ""),
            Err(TransitionError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(S::Testing, None, E::Passed, A::Manager, ""),
            Err(TransitionError::NotFromState { .. })
        ));
        assert!(matches!(
            transition(S::Review, None, E::IssuesFound, A::Manager, " "),
            Err(TransitionError::NoteRequired { .. })
        ));
        assert!(matches!(
            transition(S::Testing, None, E::SubmittedForReview, A::Partner, ""),
            Err(TransitionError::NoteRequired { .. })
        ));
    }

    #[test]
    fn the_buttons_offered_are_the_events_the_rules_allow() {
        assert_eq!(allowed_events(S::Development, None, A::Partner), vec![E::IntegrationBuilt]);
        assert_eq!(allowed_events(S::Review, None, A::Manager), vec![E::Passed, E::IssuesFound]);
        assert_eq!(allowed_events(S::Review, None, A::Partner), vec![]);
        assert_eq!(allowed_events(S::Listed, None, A::Manager), vec![E::HighPerformance, E::AnnualReviewDue]);
        assert_eq!(allowed_events(S::Suspended, None, A::Manager), vec![]);
        assert_eq!(allowed_events(S::Suspended, None, A::Admin), vec![E::Reinstated]);
    }

    #[test]
    fn the_support_tier_follows_the_state() {
        for s in [S::Registered, S::Development, S::Testing, S::Review, S::Suspended] {
            assert_eq!(support_tier(s), SupportTier::Registered);
        }
        for s in [S::Certified, S::Listed, S::Featured, S::Recertification] {
            assert_eq!(support_tier(s), SupportTier::Certified);
        }
        assert_eq!(support_tier(S::Premier), SupportTier::Premier);
        assert_eq!(
            [SupportTier::Registered, SupportTier::Certified, SupportTier::Premier].map(SupportTier::response_hours),
            [72, 24, 4]
        );
    }

    #[test]
    fn the_annual_review_falls_twelve_calendar_months_after_certification() {
        use chrono::TimeZone;
        let now = chrono::Utc.with_ymd_and_hms(2027, 3, 31, 12, 0, 0).unwrap();
        assert_eq!(recertification_cutoff(now), chrono::Utc.with_ymd_and_hms(2026, 3, 31, 12, 0, 0).unwrap());
        // The reminder goes out thirty days before the review is due.
        assert_eq!(reminder_cutoff(now), chrono::Utc.with_ymd_and_hms(2026, 4, 30, 12, 0, 0).unwrap());
    }

    #[test]
    fn the_median_of_days_is_a_day_that_occurred() {
        assert_eq!(median_days(vec![]), None);
        assert_eq!(median_days(vec![9, 1, 5]), Some(5));
        assert_eq!(median_days(vec![4, 1, 9, 7]), Some(4));
    }

    #[test]
    fn states_and_events_round_trip_through_their_keys() {
        for s in S::ALL {
            assert_eq!(S::parse(s.key()), Some(*s));
        }
        for e in E::ALL {
            assert_eq!(E::parse(e.key()), Some(*e));
        }
    }

    #[test]
    fn only_partners_still_building_are_sent_to_the_sandbox() {
        let building: Vec<CertState> = CertState::ALL.iter().copied().filter(|s| needs_sandbox(*s)).collect();
        assert_eq!(building, [CertState::Registered, CertState::Development, CertState::Testing]);
    }

    #[test]
    fn each_level_on_the_path_leads_to_the_next_by_a_transition_that_exists() {
        for state in CertState::ALL {
            if let Some((to, needs, tier)) = next_level(*state) {
                let reaches = CertEvent::ALL.iter().any(|e| {
                    let actor = rule(*e).1[0];
                    transition(*state, None, *e, actor, "note").is_ok_and(|t| t.to == to)
                });
                assert!(reaches, "{state:?} → {to:?}");
                assert!(!needs.is_empty());
                assert_eq!(tier, support_tier(to));
            }
        }
        assert_eq!(next_level(CertState::Featured).map(|n| n.2), Some(SupportTier::Premier));
        assert_eq!(next_level(CertState::Premier), None, "the top of the path");
        assert_eq!(next_level(CertState::Suspended), None);
    }
}
