//! Integration rules (guide "SDK Integration Flow", "API Integration
//! Patterns", "Sandbox Environment"): API keys, their environments and
//! scopes, the sandbox's limits and weekly reset, agent and event input,
//! simulated event streams, and which webhook events a subscription may ask
//! for. Time arrives as milliseconds since the epoch.

use super::certification::CertState;
use super::webhook::Outcome;
use super::DAY_MS;
use serde::{Deserialize, Serialize};

choices!(
    /// Where a key, an agent or a subscription lives. Sandbox data never
    /// mixes with production data.
    Environment {
        Sandbox => "sandbox", "Sandbox";
        Production => "production", "Production";
    }
);

impl Environment {
    /// The start of every key of this environment, so a leaked key is
    /// recognisable (and secret scanners can find it).
    pub fn key_prefix(self) -> &'static str {
        match self {
            Environment::Sandbox => "pk_test_",
            Environment::Production => "pk_live_",
        }
    }

    /// The environment a presented key claims by its prefix.
    pub fn of_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| key.starts_with(e.key_prefix()))
    }
}

choices!(
    /// What a key may do.
    Scope {
        AgentsRead => "agents:read", "Read agents and trust scores";
        AgentsWrite => "agents:write", "Register agents";
        EventsWrite => "events:write", "Send agent events";
        WebhooksManage => "webhooks:manage", "Manage webhook subscriptions";
        CertificationRead => "certification:read", "Read certification status";
        LeadsRead => "leads:read", "Read leads from the partner directory";
        DealsRead => "deals:read", "Read registered deals";
        DealsWrite => "deals:write", "Register deals";
        RevenueRead => "revenue:read", "Read revenue summaries and statements";
    }
);

/// Leads, deals and revenue are production data: a sandbox credential
/// never reads or writes them, over REST or GraphQL. `what` names the data
/// asked for; the error is the message to answer with.
pub fn production_data(environment: Environment, what: &str) -> Result<(), String> {
    match environment {
        Environment::Production => Ok(()),
        Environment::Sandbox => {
            Err(format!("{what}: production data only; use a production key (pk_live_) or a production app's token."))
        }
    }
}

/// Scopes as stored: their keys separated by spaces.
pub fn scopes_text(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.key()).collect::<Vec<_>>().join(" ")
}

/// Reads stored scopes; unknown words are dropped (a scope retired later
/// simply stops granting anything).
pub fn scopes_from_text(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// The scopes a form asked for: at least one, all known, each once.
pub fn parse_scopes(keys: &[String]) -> Result<Vec<Scope>, String> {
    let mut out = Vec::new();
    for k in keys {
        let s = Scope::parse(k.trim()).ok_or_else(|| format!("Unknown scope: {k}."))?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err("Choose at least one scope.".into());
    }
    Ok(out)
}

/// Whether a partner in `state` may hold keys of `env`: sandbox keys always,
/// production keys once certified (and while certified).
pub fn may_create_key(env: Environment, state: CertState) -> Result<(), String> {
    let certified = matches!(
        state,
        CertState::Certified
            | CertState::Listed
            | CertState::Featured
            | CertState::Premier
            | CertState::Recertification
    );
    match env {
        Environment::Sandbox if state == CertState::Suspended => Err("A suspended partner cannot create keys.".into()),
        Environment::Sandbox => Ok(()),
        Environment::Production if certified => Ok(()),
        Environment::Production => Err("Production keys are available once your integration is certified.".into()),
    }
}

pub const KEY_NAME_MAX: usize = 60;

/// A key's or a subscription's name: trimmed, 1 to 60 characters, one line.
pub fn check_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("Give it a name, such as \"CI pipeline\".".into());
    }
    if n.chars().count() > KEY_NAME_MAX || n.chars().any(char::is_control) {
        return Err(format!("Use at most {KEY_NAME_MAX} characters on one line."));
    }
    if n.chars().any(super::text::is_direction_control) {
        return Err(super::text::DIRECTION_CONTROLS.into());
    }
    Ok(n.to_owned())
}

choices!(
    /// How long a rotated key keeps working beside its replacement.
    Grace {
        Now => "0", "End the old key now";
        OneHour => "1", "1 hour";
        OneDay => "24", "24 hours";
        OneWeek => "168", "7 days";
    }
);

impl Grace {
    pub fn millis(self) -> i64 {
        let hours: i64 = self.key().parse().unwrap_or(0);
        hours * 3_600_000
    }
}

choices!(
    /// Where a key stands at a moment.
    KeyStatus {
        Active => "active", "Active";
        Expiring => "expiring", "Expiring";
        Expired => "expired", "Expired";
        Revoked => "revoked", "Revoked";
    }
);

/// A key's standing: revocation ends it at once; a rotated key keeps
/// working until its grace period ends.
pub fn key_status(revoked_at_ms: Option<i64>, expires_at_ms: Option<i64>, now_ms: i64) -> KeyStatus {
    match (revoked_at_ms, expires_at_ms) {
        (Some(_), _) => KeyStatus::Revoked,
        (None, Some(end)) if end <= now_ms => KeyStatus::Expired,
        (None, Some(_)) => KeyStatus::Expiring,
        (None, None) => KeyStatus::Active,
    }
}

impl KeyStatus {
    pub fn authenticates(self) -> bool {
        matches!(self, KeyStatus::Active | KeyStatus::Expiring)
    }
}

/// A key as its owners see it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    /// The prefix and first characters, enough to recognise the key.
    pub hint: String,
    pub created_at_ms: i64,
    pub created_by: String,
    pub expires_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
    pub status: KeyStatus,
}

// ---- Sandbox limits -------------------------------------------------------

pub const SANDBOX_MAX_AGENTS: i64 = 100;
pub const SANDBOX_EVENTS_PER_DAY: i64 = 10_000;
/// Events in one `POST /events`.
pub const MAX_EVENT_BATCH: usize = 100;

/// The UTC day number of a moment (days since 1970-01-01).
pub fn day_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(DAY_MS)
}

/// When the daily event quota starts again: the next UTC midnight.
pub fn day_resets_at_ms(now_ms: i64) -> i64 {
    (day_of(now_ms) + 1) * DAY_MS
}

/// The number of the week (Monday 00:00 UTC to Monday) a moment falls in.
/// 1970-01-01 was a Thursday, so weeks are counted from Monday 1969-12-29.
pub fn week_of(now_ms: i64) -> i64 {
    (day_of(now_ms) + 3).div_euclid(7)
}

/// When week `week` (as `week_of` counts) began: its Monday 00:00 UTC.
pub fn week_start_ms(week: i64) -> i64 {
    (week * 7 - 3) * DAY_MS
}

/// When the sandbox is next cleared: the next Monday 00:00 UTC.
pub fn week_resets_at_ms(now_ms: i64) -> i64 {
    ((week_of(now_ms) + 1) * 7 - 3) * DAY_MS
}

/// A sandbox limit a request would pass, with when it frees up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitExceeded {
    pub what: String,
    pub limit: i64,
    pub resets_at_ms: i64,
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = chrono::DateTime::from_timestamp_millis(self.resets_at_ms)
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        write!(f, "The sandbox allows {} {}; it resets at {at}.", self.limit, self.what)
    }
}

/// Whether one more agent fits: sandbox partners hold at most 100 until the
/// weekly reset; production is not limited here.
pub fn check_agent_limit(env: Environment, existing: i64, now_ms: i64) -> Result<(), LimitExceeded> {
    if env == Environment::Sandbox && existing >= SANDBOX_MAX_AGENTS {
        return Err(LimitExceeded {
            what: "agents".into(),
            limit: SANDBOX_MAX_AGENTS,
            resets_at_ms: week_resets_at_ms(now_ms),
        });
    }
    Ok(())
}

/// The refusal when a batch of events would pass the daily sandbox quota.
pub fn event_quota_exceeded(now_ms: i64) -> LimitExceeded {
    LimitExceeded {
        what: "events per day".into(),
        limit: SANDBOX_EVENTS_PER_DAY,
        resets_at_ms: day_resets_at_ms(now_ms),
    }
}

// ---- Agents and events -----------------------------------------------------

/// A partner's own reference for an agent or an event: 1 to 128 of letters,
/// digits and `._:-`, so it is safe in URLs and logs.
pub fn check_reference(what: &str, s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 128 {
        return Err(format!("{what} must be 1 to 128 characters."));
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')) {
        return Err(format!("{what} may hold only letters, digits and . _ : -"));
    }
    Ok(s.to_owned())
}

/// An agent as partners and their customers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    /// The public id (`agt_…`).
    pub id: String,
    pub name: String,
    pub environment: Environment,
    pub external_ref: Option<String>,
    /// The white-label customer it is assigned to (their email).
    pub customer: Option<String>,
    pub trust_score: i64,
    pub events: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// One step of an agent's trust history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustChange {
    pub event_id: String,
    pub outcome: Outcome,
    pub score_before: i64,
    pub score_after: i64,
    pub at_ms: i64,
}

/// One outcome event as received, before it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventIn {
    pub event_id: String,
    pub agent_id: String,
    pub outcome: Outcome,
}

/// What became of one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventResult {
    pub event_id: String,
    pub agent_id: String,
    /// False when the event id was seen before (nothing changed).
    pub applied: bool,
    pub trust_score: i64,
}

/// An event stored by an earlier batch: its agent and the score it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenEvent {
    pub agent_id: String,
    pub score_after: i64,
}

/// One event of a batch to store: it moved its agent from `score_before`
/// to `score_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutcome<'a> {
    pub event: &'a EventIn,
    pub score_before: i64,
    pub score_after: i64,
}

/// An agent's standing once a batch is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentMoved<'a> {
    pub agent_id: &'a str,
    pub score: i64,
    /// Events the batch added to the agent.
    pub events: i64,
}

/// A batch of outcome events worked out before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPlan<'a> {
    /// One per event, in the order sent.
    pub results: Vec<EventResult>,
    /// The events to store, in the order sent.
    pub new: Vec<NewOutcome<'a>>,
    /// Every agent a new event moved, in order of its first event.
    pub agents: Vec<AgentMoved<'a>>,
}

/// Applies a batch in order, as if each event came in its own request: an
/// event id stored before (`seen`) or earlier in the batch changes nothing
/// and answers with what that event left; each new event moves its agent's
/// score from where the batch's earlier events left it (`scores` holds the
/// stored ones). `Err` names an agent of a new event that `scores` lacks:
/// the batch is refused whole.
pub fn plan_events<'a>(
    events: &'a [EventIn],
    seen: &std::collections::HashMap<String, SeenEvent>,
    scores: &std::collections::HashMap<String, i64>,
) -> Result<EventPlan<'a>, &'a str> {
    use std::collections::HashMap;
    let mut results: Vec<EventResult> = Vec::with_capacity(events.len());
    let mut new = Vec::new();
    let mut agents: Vec<AgentMoved<'a>> = Vec::new();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(s) = seen.get(&e.event_id) {
            results.push(EventResult {
                event_id: e.event_id.clone(),
                agent_id: s.agent_id.clone(),
                applied: false,
                trust_score: s.score_after,
            });
            continue;
        }
        if let Some(&first) = first_of.get(e.event_id.as_str()) {
            let again = EventResult { applied: false, ..results[first].clone() };
            results.push(again);
            continue;
        }
        first_of.insert(&e.event_id, i);
        let at = match agents.iter().position(|a| a.agent_id == e.agent_id) {
            Some(at) => at,
            None => {
                let score = *scores.get(&e.agent_id).ok_or(e.agent_id.as_str())?;
                agents.push(AgentMoved { agent_id: &e.agent_id, score, events: 0 });
                agents.len() - 1
            }
        };
        let before = agents[at].score;
        let after = super::webhook::apply_outcome(before, e.outcome);
        agents[at].score = after;
        agents[at].events += 1;
        new.push(NewOutcome { event: e, score_before: before, score_after: after });
        results.push(EventResult {
            event_id: e.event_id.clone(),
            agent_id: e.agent_id.clone(),
            applied: true,
            trust_score: after,
        });
    }
    Ok(EventPlan { results, new, agents })
}

/// A small deterministic generator (xorshift64*), so a simulated stream is
/// reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A realistic stream of `count` outcomes over `agents` agents: mostly
/// successes (85 %), some timeouts (8 %) and failures (6 %), rare policy
/// violations (1 %); each agent leans a little better or worse so scores
/// spread out. Returns (agent index, outcome) pairs.
pub fn simulate(seed: u64, agents: usize, count: usize) -> Vec<(usize, Outcome)> {
    if agents == 0 {
        return Vec::new();
    }
    // Spread nearby seeds apart (and never zero, which xorshift keeps at zero).
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..count)
        .map(|_| {
            let agent = (rng.next() % agents as u64) as usize;
            // Agents with an even index do slightly better than odd ones.
            let lean = if agent.is_multiple_of(2) { 3 } else { 0 };
            let roll = (rng.next() % 100) as i64 + lean;
            let outcome = match roll {
                0 => Outcome::PolicyViolation,
                1..=6 => Outcome::Failure,
                7..=14 => Outcome::Timeout,
                _ => Outcome::Success,
            };
            (agent, outcome)
        })
        .collect()
}

// ---- Webhook subscriptions ---------------------------------------------------

/// Every event type a subscription can receive.
pub const EVENT_TYPES: &[&str] = &[
    "trust.score_changed",
    "cert.state_changed",
    "partner.approved",
    "commission.created",
    "commission.reversed",
    "statement.closed",
    "payout.approved",
    "payout.paid",
    "listing.submitted",
    "listing.approved",
    "listing.sent_back",
    "lead.offered",
    "lead.accepted",
    "lead.returned",
    "lead.contacted",
    "lead.qualified",
    "lead.won",
    "lead.lost",
    "deal.registered",
    "deal.approved",
    "deal.rejected",
    "deal.won",
    "deal.lost",
    "deal.expired",
    "webhook.test",
];

/// What each event type reports, for the API document and the reference
/// page; a test keeps it in step with `EVENT_TYPES`.
pub fn event_description(event_type: &str) -> &'static str {
    match event_type {
        "trust.score_changed" => "An agent's trust score moved after an outcome event (in the key's environment).",
        "cert.state_changed" => "The partner's certification moved to another state.",
        "partner.approved" => "The partner's application was approved.",
        "commission.created" => {
            "Recorded revenue added commission lines to a statement: per import and statement, the lines, \
             their commission and the first 100 external ids."
        }
        "commission.reversed" => "Refunds clawed commission back on a statement, summed as commission.created is.",
        "statement.closed" => "A monthly statement was closed with its balance.",
        "payout.approved" => "A manager approved a payout; it is ready to be paid.",
        "payout.paid" => "A payout was paid.",
        "listing.submitted" => "A marketplace listing version was sent for review.",
        "listing.approved" => "A listing version was approved; it shows while the certification is listed.",
        "listing.sent_back" => "A listing version was sent back with a manager's note.",
        "lead.offered" => "A customer's request from the directory is offered to the partner, with its response time.",
        "lead.accepted" => "The partner accepted a lead.",
        "lead.returned" => "A lead was declined or not accepted in time and went back to the partner managers.",
        "lead.contacted" => "A lead was marked as contacted.",
        "lead.qualified" => "A lead was marked as qualified.",
        "lead.won" => "A lead was won.",
        "lead.lost" => "A lead was lost.",
        "deal.registered" => "The partner registered a deal; `conflict_with` is not in it, read the deal.",
        "deal.approved" => "A manager approved a registered deal; `protected_until` ends its protection.",
        "deal.rejected" => "A manager turned a registered deal down.",
        "deal.won" => "A deal was won; revenue of its customer counts for the partner.",
        "deal.lost" => "A deal was lost or withdrawn.",
        "deal.expired" => "An approved deal's protection ended before it was won.",
        "webhook.test" => "A test delivery sent from the portal or the API.",
        _ => "",
    }
}

pub const MAX_PATTERNS: usize = 10;

/// Reads a subscription's patterns (separated by commas or spaces): each is
/// `*`, a known family followed by `.*`, or a known event name.
pub fn parse_patterns(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for p in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|p| !p.is_empty()) {
        let known = p == "*"
            || EVENT_TYPES.contains(&p)
            || p.strip_suffix(".*").is_some_and(|fam| EVENT_TYPES.iter().any(|t| t.split('.').next() == Some(fam)));
        if !known {
            return Err(format!(
                "{p} matches no event. Use *, a family such as trust.* or cert.*, or an event name such as payout.paid."
            ));
        }
        if !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    if out.is_empty() {
        return Err("Choose at least one event pattern, such as trust.* or *.".into());
    }
    if out.len() > MAX_PATTERNS {
        return Err(format!("Use at most {MAX_PATTERNS} patterns."));
    }
    Ok(out)
}

/// Whether any of a subscription's patterns takes the event.
pub fn subscription_takes(patterns: &[String], event_type: &str) -> bool {
    patterns.iter().any(|p| super::webhook::pattern_matches(p, event_type))
}

choices!(
    /// Where a webhook delivery stands.
    DeliveryStatus {
        Pending => "pending", "Pending";
        Delivered => "delivered", "Delivered";
        Failed => "failed", "Failed";
        Cancelled => "cancelled", "Cancelled";
    }
);

/// A subscription as its owners see it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub id: String,
    pub url: String,
    pub environment: Environment,
    pub patterns: Vec<String>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at_ms: i64,
    /// During a secret rotation: when the previous secret stops signing.
    pub rotating_until_ms: Option<i64>,
}

/// One event's delivery to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub last_response_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i64>,
}

/// How deliveries to a subscription are going, from its newest ones
/// (newest first): how many of those that finished or are being retried
/// failed, and whether the newest of them failed. A subscription whose
/// receiver answers nothing but errors is not "Active" as if all were well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryHealth {
    pub failed: usize,
    pub of: usize,
    pub failing_now: bool,
}

pub fn delivery_health(newest_first: &[DeliveryView]) -> DeliveryHealth {
    let tried = newest_first.iter().filter(|d| match d.status {
        DeliveryStatus::Delivered | DeliveryStatus::Failed => true,
        DeliveryStatus::Pending => d.attempts > 0,
        DeliveryStatus::Cancelled => false,
    });
    let outcomes: Vec<bool> = tried.map(|d| d.status != DeliveryStatus::Delivered).collect();
    DeliveryHealth {
        failed: outcomes.iter().filter(|f| **f).count(),
        of: outcomes.len(),
        failing_now: outcomes.first().copied().unwrap_or(false),
    }
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub attempt: i64,
    pub at_ms: i64,
    pub duration_ms: i64,
    pub response_status: Option<i64>,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// A share in basis points as people read it: `99.97 %`.
pub fn format_bps(bps: i64) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}

/// An hour of a partner's API traffic in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficHour {
    pub environment: Environment,
    /// Hours since the epoch.
    pub hour: i64,
    pub requests: i64,
    pub errors: i64,
    pub client_errors: i64,
    pub latency_sum_us: i64,
    pub latency_max_us: i64,
    /// Requests answered in under 50 ms.
    pub fast: i64,
    /// Requests per latency bucket (see `LATENCY_BOUNDS_US`).
    pub latency_buckets: [i64; 7],
}

/// A request answered in under this many microseconds counts as fast.
pub const FAST_US: i64 = 50_000;

/// Upper bounds of the latency buckets; the last bucket takes the rest.
pub const LATENCY_BOUNDS_US: [i64; 6] = [10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000];

/// The bucket a latency falls in: the first whose bound it is under.
pub fn latency_bucket(us: i64) -> usize {
    LATENCY_BOUNDS_US.iter().position(|b| us < *b).unwrap_or(LATENCY_BOUNDS_US.len())
}

/// The latency under which `share_bps` of requests were answered, read from
/// the buckets as the bucket's upper bound (so never flattering); `None`
/// without requests or when it lies beyond the last bound (over 1 s).
pub fn latency_percentile_us(buckets: &[i64; 7], share_bps: i64) -> Option<i64> {
    let total: i64 = buckets.iter().sum();
    if total == 0 {
        return None;
    }
    // The rank of the request at that share, counted from 1, rounded up.
    let rank = ((total * share_bps + 9_999) / 10_000).max(1);
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return LATENCY_BOUNDS_US.get(i).copied();
        }
    }
    None
}

/// Traffic over a period, summed from its hours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficSummary {
    pub requests: i64,
    pub errors: i64,
    pub client_errors: i64,
    /// Mean latency in microseconds (0 without requests).
    pub mean_latency_us: i64,
    pub max_latency_us: i64,
    /// Share of requests answered in under 50 ms, in basis points.
    pub fast_bps: i64,
    /// Share of requests answered without a server error, in basis points.
    pub success_bps: i64,
    pub latency_buckets: [i64; 7],
    /// Half of the requests were answered under this (µs), and 95 %.
    pub p50_us: Option<i64>,
    pub p95_us: Option<i64>,
}

/// Sums hours into one summary, with integer shares in basis points
/// (rounded down, so 99.99 % never shows as 100 %).
pub fn summarise(hours: &[TrafficHour]) -> TrafficSummary {
    let requests: i64 = hours.iter().map(|h| h.requests).sum();
    let errors: i64 = hours.iter().map(|h| h.errors).sum();
    let fast: i64 = hours.iter().map(|h| h.fast).sum();
    let latency: i64 = hours.iter().map(|h| h.latency_sum_us).sum();
    let share = |n: i64| if requests == 0 { 0 } else { n * 10_000 / requests };
    let mut buckets = [0i64; 7];
    for h in hours {
        for (b, n) in buckets.iter_mut().zip(h.latency_buckets) {
            *b += n;
        }
    }
    TrafficSummary {
        latency_buckets: buckets,
        p50_us: latency_percentile_us(&buckets, 5_000),
        p95_us: latency_percentile_us(&buckets, 9_500),
        requests,
        errors,
        client_errors: hours.iter().map(|h| h.client_errors).sum(),
        mean_latency_us: if requests == 0 { 0 } else { latency / requests },
        max_latency_us: hours.iter().map(|h| h.latency_max_us).max().unwrap_or(0),
        fast_bps: share(fast),
        success_bps: if requests == 0 { 0 } else { share(requests - errors) },
    }
}

/// One logged API request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogEntry {
    pub method: String,
    pub route: String,
    pub status: i64,
    pub latency_us: i64,
    pub at_ms: i64,
    pub environment: Environment,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_subscription_is_failing_when_its_newest_tried_delivery_failed_and_counts_every_failure() {
        use super::*;
        let d = |status, attempts| DeliveryView {
            id: 1,
            msg_id: "msg".into(),
            event_type: "webhook.test".into(),
            status,
            attempts,
            next_attempt_at_ms: None,
            created_at_ms: 0,
            last_response_status: None,
            last_error: None,
            last_duration_ms: None,
        };
        use DeliveryStatus::*;
        // Newest first: a retry after a failure, a cancelled one (not tried),
        // one given up, one delivered; a new one not yet tried is left out.
        let log = [d(Pending, 0), d(Pending, 2), d(Cancelled, 0), d(Failed, 8), d(Delivered, 1)];
        assert_eq!(delivery_health(&log), DeliveryHealth { failed: 2, of: 3, failing_now: true });
        let recovered = [d(Delivered, 1), d(Failed, 8)];
        assert_eq!(delivery_health(&recovered), DeliveryHealth { failed: 1, of: 2, failing_now: false });
        assert_eq!(delivery_health(&[]), DeliveryHealth { failed: 0, of: 0, failing_now: false });
    }

    #[test]
    fn a_week_starts_on_monday_at_midnight_utc_and_the_next_reset_is_the_next_week_start() {
        let tuesday_noon = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z").unwrap().timestamp_millis();
        let monday = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z").unwrap().timestamp_millis();
        assert_eq!(week_start_ms(week_of(tuesday_noon)), monday);
        assert_eq!(week_resets_at_ms(tuesday_noon), week_start_ms(week_of(tuesday_noon) + 1));
    }

    use super::*;

    fn ev(id: &str, agent: &str, outcome: Outcome) -> EventIn {
        EventIn { event_id: id.into(), agent_id: agent.into(), outcome }
    }

    #[test]
    fn a_batch_moves_each_agent_from_where_its_earlier_events_left_it() {
        let events =
            [ev("e1", "a", Outcome::Success), ev("e2", "b", Outcome::PolicyViolation), ev("e3", "a", Outcome::Failure)];
        let scores = [("a".to_owned(), 500), ("b".to_owned(), 990)].into();
        let plan = plan_events(&events, &Default::default(), &scores).unwrap();
        let a1 = super::super::webhook::apply_outcome(500, Outcome::Success);
        let a2 = super::super::webhook::apply_outcome(a1, Outcome::Failure);
        let b1 = super::super::webhook::apply_outcome(990, Outcome::PolicyViolation);
        let moved: Vec<(i64, i64)> = plan.new.iter().map(|n| (n.score_before, n.score_after)).collect();
        assert_eq!(moved, [(500, a1), (990, b1), (a1, a2)]);
        assert_eq!(
            plan.agents,
            [AgentMoved { agent_id: "a", score: a2, events: 2 }, AgentMoved { agent_id: "b", score: b1, events: 1 }]
        );
        assert!(plan.results.iter().all(|r| r.applied));
        assert_eq!(plan.results[2].trust_score, a2);
    }

    #[test]
    fn an_event_seen_before_or_earlier_in_the_batch_changes_nothing_and_answers_with_what_it_left() {
        let events = [
            ev("old", "a", Outcome::Failure),
            ev("e1", "a", Outcome::Success),
            ev("e1", "b", Outcome::Failure),
            ev("old", "a", Outcome::Success),
        ];
        let seen = [("old".to_owned(), SeenEvent { agent_id: "z".into(), score_after: 7 })].into();
        let scores = [("a".to_owned(), 500)].into();
        let plan = plan_events(&events, &seen, &scores).unwrap();
        let applied: Vec<bool> = plan.results.iter().map(|r| r.applied).collect();
        assert_eq!(applied, [false, true, false, false]);
        assert_eq!((plan.results[0].agent_id.as_str(), plan.results[0].trust_score), ("z", 7));
        assert_eq!(plan.results[2], EventResult { applied: false, ..plan.results[1].clone() });
        assert_eq!(plan.new.len(), 1);
        assert_eq!(plan.agents.len(), 1, "the repeated id named agent b, which it never reached");
    }

    #[test]
    fn a_new_event_for_an_unknown_agent_refuses_the_batch_but_a_repeated_one_does_not() {
        let scores = [("a".to_owned(), 500)].into();
        let events = [ev("e1", "a", Outcome::Success), ev("e2", "nobody", Outcome::Success)];
        assert_eq!(plan_events(&events, &Default::default(), &scores).unwrap_err(), "nobody");
        let seen = [("e2".to_owned(), SeenEvent { agent_id: "a".into(), score_after: 510 })].into();
        assert!(plan_events(&events, &seen, &scores).is_ok());
    }

    #[test]
    fn keys_are_recognised_by_their_environment_prefix() {
        assert_eq!(Environment::of_key("pk_test_abc"), Some(Environment::Sandbox));
        assert_eq!(Environment::of_key("pk_live_abc"), Some(Environment::Production));
        assert_eq!(Environment::of_key("sk_live_abc"), None);
    }

    #[test]
    fn a_sandbox_credential_is_refused_production_data_with_what_it_asked_for() {
        assert_eq!(production_data(Environment::Production, "Revenue"), Ok(()));
        let refused = production_data(Environment::Sandbox, "Leads and deals").unwrap_err();
        assert!(refused.starts_with("Leads and deals: production data only") && refused.contains("pk_live_"));
    }

    #[test]
    fn production_keys_wait_for_certification() {
        assert!(may_create_key(Environment::Sandbox, CertState::Registered).is_ok());
        assert!(may_create_key(Environment::Production, CertState::Development).is_err());
        assert!(may_create_key(Environment::Production, CertState::Certified).is_ok());
        assert!(may_create_key(Environment::Production, CertState::Recertification).is_ok());
        assert!(may_create_key(Environment::Sandbox, CertState::Suspended).is_err());
    }

    #[test]
    fn scopes_must_be_known_and_at_least_one() {
        assert_eq!(
            parse_scopes(&["agents:read".into(), "agents:read".into(), "events:write".into()]).unwrap(),
            vec![Scope::AgentsRead, Scope::EventsWrite]
        );
        assert!(parse_scopes(&[]).is_err());
        assert!(parse_scopes(&["admin".into()]).is_err());
        assert_eq!(scopes_from_text(&scopes_text(&[Scope::WebhooksManage])), vec![Scope::WebhooksManage]);
    }

    #[test]
    fn a_rotated_key_works_until_its_grace_period_ends_and_a_revoked_one_never() {
        assert_eq!(key_status(None, None, 10), KeyStatus::Active);
        assert_eq!(key_status(None, Some(20), 10), KeyStatus::Expiring);
        assert!(key_status(None, Some(20), 10).authenticates());
        assert_eq!(key_status(None, Some(20), 20), KeyStatus::Expired);
        assert!(!key_status(Some(5), None, 10).authenticates());
        assert_eq!(Grace::OneDay.millis(), 86_400_000);
        assert_eq!(Grace::Now.millis(), 0);
    }

    #[test]
    fn the_daily_quota_resets_at_utc_midnight_and_the_sandbox_on_monday() {
        // 2026-11-22 10:00 UTC is a Sunday.
        let sunday = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").unwrap().timestamp_millis();
        let midnight = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z").unwrap().timestamp_millis();
        assert_eq!(day_resets_at_ms(sunday), midnight);
        assert_eq!(week_resets_at_ms(sunday), midnight);
        assert_eq!(week_of(midnight), week_of(sunday) + 1);
        assert_eq!(week_of(midnight - 1), week_of(sunday));
        assert_eq!(week_resets_at_ms(midnight), midnight + 7 * DAY_MS);
    }

    #[test]
    fn the_sandbox_holds_a_hundred_agents_and_production_is_not_limited() {
        assert!(check_agent_limit(Environment::Sandbox, 99, 0).is_ok());
        let e = check_agent_limit(Environment::Sandbox, 100, 0).unwrap_err();
        assert_eq!(e.limit, 100);
        assert!(e.to_string().contains("100 agents"), "{e}");
        assert!(check_agent_limit(Environment::Production, 10_000, 0).is_ok());
        assert_eq!(event_quota_exceeded(0).resets_at_ms, DAY_MS);
    }

    #[test]
    fn references_are_short_and_url_safe() {
        assert_eq!(check_reference("Event id", " evt_1:a-b.c ").unwrap(), "evt_1:a-b.c");
        assert!(check_reference("Event id", "").is_err());
        assert!(check_reference("Event id", "a b").is_err());
        assert!(check_reference("Event id", &"x".repeat(129)).is_err());
    }

    #[test]
    fn simulated_streams_are_reproducible_and_mostly_successes() {
        let a = simulate(42, 5, 1000);
        assert!(a == simulate(42, 5, 1000), "the same seed gives the same stream");
        assert!(a != simulate(43, 5, 1000), "another seed gives another stream");
        let successes = a.iter().filter(|(_, o)| *o == Outcome::Success).count();
        assert!((800..950).contains(&successes), "{successes}");
        assert!(a.iter().any(|(_, o)| *o == Outcome::PolicyViolation || *o == Outcome::Failure));
        assert!(a.iter().all(|(i, _)| *i < 5));
        assert!(simulate(1, 0, 10).is_empty());
    }

    #[test]
    fn patterns_name_known_events_or_families() {
        assert_eq!(parse_patterns("trust.*, cert.state_changed").unwrap(), vec!["trust.*", "cert.state_changed"]);
        assert_eq!(parse_patterns("*").unwrap(), vec!["*"]);
        assert!(parse_patterns("").is_err());
        assert!(parse_patterns("trusts.*").is_err());
        assert!(parse_patterns("payout.sent").is_err());
        assert!(subscription_takes(&["cert.*".into()], "cert.state_changed"));
        assert!(!subscription_takes(&["cert.*".into()], "trust.score_changed"));
    }

    #[test]
    fn traffic_sums_its_hours_and_rounds_shares_down() {
        let h = |requests, errors, fast, sum, max| TrafficHour {
            environment: Environment::Sandbox,
            hour: 1,
            requests,
            errors,
            client_errors: 1,
            latency_sum_us: sum,
            latency_max_us: max,
            fast,
            latency_buckets: [fast, 0, 0, 0, 0, requests - fast, 0],
        };
        let s = summarise(&[h(9_999, 0, 9_999, 9_999_000, 2_000), h(1, 1, 0, 60_000, 60_000)]);
        assert_eq!(s.requests, 10_000);
        assert_eq!(s.success_bps, 9_999);
        assert_eq!(s.fast_bps, 9_999);
        assert_eq!(s.mean_latency_us, 1_005);
        assert_eq!(s.max_latency_us, 60_000);
        assert_eq!(s.client_errors, 2);
        assert_eq!((s.p50_us, s.p95_us), (Some(10_000), Some(10_000)));
        assert_eq!(summarise(&[]), TrafficSummary::default());
    }

    #[test]
    fn percentiles_are_read_as_the_upper_bound_of_their_bucket() {
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(9_999), 0);
        assert_eq!(latency_bucket(10_000), 1);
        assert_eq!(latency_bucket(5_000_000), 6);
        let b = [50, 30, 15, 4, 1, 0, 0];
        assert_eq!(latency_percentile_us(&b, 5_000), Some(10_000));
        assert_eq!(latency_percentile_us(&b, 8_000), Some(25_000));
        assert_eq!(latency_percentile_us(&b, 9_500), Some(50_000));
        assert_eq!(latency_percentile_us(&b, 10_000), Some(250_000));
        assert_eq!(latency_percentile_us(&[0, 0, 0, 0, 0, 0, 3], 5_000), None, "beyond the last bound");
        assert_eq!(latency_percentile_us(&[0; 7], 5_000), None);
    }
}
