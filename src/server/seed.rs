//! `partner-portal seed`: a program to click through (`--demo`) or to
//! measure (`--partners N --ledger M`), written through the store's own use
//! cases so every row is one the portal itself could have made: partners in
//! every application and certification state, their terms, a revenue ledger
//! with quarter statements, agents with outcome events, support tickets.
//!
//! Everyone seeded signs in with one password (hashed once: hashing per
//! partner would dominate a large seed). A database that already holds
//! applications is refused, so a seed never mixes into a real program.

use super::auth::hash_password;
use super::clock::{Clock, SystemClock};
use super::config::Config;
use super::secrets::{new_api_key, new_public_id, Secrets};
use super::store::{
    self, Actor, DecisionRecord, EventBatch, ImportBatch, ImportOutcome, NewAgent, NewApiKey, NewAudit, NewTicket,
    NewToken, NewUser, OutgoingEmail, Store, TransitionWrite,
};
use crate::domain::application::{ApplicationInput, Decision, RevenueModel};
use crate::domain::certification::{support_tier, transition, CertActor, CertEvent, CertState};
use crate::domain::integration::{simulate, Environment, EventIn, Scope};
use crate::domain::ledger::{EventInput, EventKind, Month};
use crate::domain::revenue::{Currency, Money};
use crate::domain::role::Role;
use crate::domain::support::{response_target_minutes, Severity};
use crate::domain::terms::default_terms;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::time::Instant;

/// What to make.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub partners: usize,
    pub ledger: usize,
    /// Believable names for a newcomer instead of numbered partners.
    pub demo: bool,
    pub password: String,
}

/// Where an applicant ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Submitted,
    InfoRequested,
    Rejected,
    Approved(CertState),
}

/// The certification states an approved partner is walked to, in turn.
const CERT_TARGETS: [CertState; 10] = [
    CertState::Certified,
    CertState::Development,
    CertState::Listed,
    CertState::Registered,
    CertState::Testing,
    CertState::Featured,
    CertState::Review,
    CertState::Premier,
    CertState::Recertification,
    CertState::Suspended,
];

/// Partner `i`'s revenue model and final state: one in ten waits for review,
/// one in twenty has a question to answer, one in twenty was turned down;
/// the approved rest cycle through every certification state.
pub fn plan(i: usize) -> (RevenueModel, Outcome) {
    let model =
        [RevenueModel::Reseller, RevenueModel::Referral, RevenueModel::Technology, RevenueModel::WhiteLabel][i % 4];
    let outcome = match i % 20 {
        5 | 15 => Outcome::Submitted,
        9 => Outcome::InfoRequested,
        19 => Outcome::Rejected,
        _ => Outcome::Approved(CERT_TARGETS[(i / 4) % CERT_TARGETS.len()]),
    };
    (model, outcome)
}

/// The events that walk a partner from `registered` to `target`.
pub fn cert_path(target: CertState) -> &'static [CertEvent] {
    use CertEvent::*;
    const FULL: [CertEvent; 7] = [
        SandboxAccessGranted,
        IntegrationBuilt,
        SubmittedForReview,
        Passed,
        Published,
        HighPerformance,
        StrategicPartnership,
    ];
    match target {
        CertState::Registered => &[],
        CertState::Development => &FULL[..1],
        CertState::Testing => &FULL[..2],
        CertState::Review => &FULL[..3],
        CertState::Certified => &FULL[..4],
        CertState::Listed => &FULL[..5],
        CertState::Featured => &FULL[..6],
        CertState::Premier => &FULL[..7],
        CertState::Recertification => {
            &[SandboxAccessGranted, IntegrationBuilt, SubmittedForReview, Passed, AnnualReviewDue]
        }
        CertState::Suspended => &[
            SandboxAccessGranted,
            IntegrationBuilt,
            SubmittedForReview,
            Passed,
            AnnualReviewDue,
            RecertificationFailed,
        ],
    }
}

/// Named for what they do: partner `i` has model `plan(i).0`, which cycles
/// reseller, referral, technology, white-label.
const DEMO_COMPANIES: [&str; 12] = [
    "Harbor Resellers",
    "Cedar & Pine Consulting",
    "Lumen AI",
    "Saltmarsh Software",
    "Vantage Distribution",
    "Meridian Partners",
    "Orbit Cloud",
    "Bluefin Systems",
    "Northwind Resale",
    "Tallgrass Advisory",
    "Wren Robotics",
    "Quarry Data",
];

fn company(opts: &SeedOptions, i: usize) -> String {
    if opts.demo {
        let base = DEMO_COMPANIES[i % DEMO_COMPANIES.len()];
        match i / DEMO_COMPANIES.len() {
            0 => base.to_owned(),
            n => format!("{base} {}", n + 1),
        }
    } else {
        format!("Partner {i:06}")
    }
}

/// The partner's web host and owner address, from its name.
fn host(name: &str) -> String {
    let slug: String =
        name.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').collect::<String>();
    format!("{}.example", slug.split_whitespace().collect::<Vec<_>>().join("-"))
}

pub fn owner_email(opts: &SeedOptions, i: usize) -> String {
    format!("owner@{}", host(&company(opts, i)))
}

pub fn manager_email(opts: &SeedOptions) -> String {
    if opts.demo { "manager@demo.example" } else { "manager@seed.example" }.to_owned()
}

/// What was made, for the operator (and the benchmark, which reads it).
#[derive(Debug, Default)]
pub struct Seeded {
    pub partners: usize,
    pub approved: usize,
    pub ledger_rows: usize,
    pub agents: usize,
    pub agent_events: usize,
    pub tickets: usize,
    /// The first two certified technology partners: owner, production key
    /// (all scopes) and one agent, what API examples and benchmarks need.
    pub api_partners: Vec<(String, String, String)>,
    pub reseller_owner: Option<String>,
}

struct Ctx {
    store: Arc<dyn Store>,
    brand: i64,
    manager: i64,
    now: DateTime<Utc>,
    password_hash: String,
    secrets: Secrets,
    tier1_minutes: Option<i64>,
}

impl Ctx {
    fn audit(&self, action: &'static str, subject: String) -> NewAudit {
        NewAudit {
            brand_id: self.brand,
            at: self.now,
            actor_id: None,
            actor_email: "seed".into(),
            action,
            subject,
            detail: serde_json::json!({ "seeded": true }),
            client_ip: "local".into(),
            organisation_id: None,
        }
    }
}

fn mail(to: &str, subject: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!("{subject}\n\n(This program was generated by `partner-portal seed`.)"),
        from_name: None,
        html: None,
    }
}

pub async fn seed(config: &Config, opts: &SeedOptions) -> anyhow::Result<Seeded> {
    let (store, _) = store::connect(config.database_url.expose()).await?;
    let brand = store.default_brand().await?.id;
    if store.application_queue(brand, "", "", 0, 1).await?.1 > 0 {
        anyhow::bail!("this database already holds applications; seed an empty one");
    }
    let now = SystemClock.now();
    let password_hash = hash_password(opts.password.clone()).await?;
    let manager = store
        .create_user(
            NewUser {
                brand_id: brand,
                email: manager_email(opts),
                display_name: "Morgan Manager".into(),
                role: Role::Manager,
                password_hash: password_hash.clone(),
                created_at: now,
            },
            NewAudit {
                brand_id: brand,
                at: now,
                actor_id: None,
                actor_email: "seed".into(),
                action: crate::domain::audit::USER_CREATED,
                subject: String::new(),
                detail: serde_json::json!({ "seeded": true }),
                client_ip: "local".into(),
                organisation_id: None,
            },
        )
        .await?;
    let ctx = Arc::new(Ctx {
        store,
        brand,
        manager,
        now,
        password_hash,
        secrets: Secrets::of(config),
        tier1_minutes: config.support_tier1_minutes,
    });

    let started = Instant::now();
    let mut seeded = Seeded { partners: opts.partners, ..Seeded::default() };
    // Partners are independent: a few at a time keeps PostgreSQL busy, and
    // SQLite's single writer simply takes them in turn.
    let mut revenue_orgs = Vec::new();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < opts.partners || !set.is_empty() {
        while next < opts.partners && set.len() < 4 {
            let (ctx, opts, i) = (ctx.clone(), opts.clone(), next);
            set.spawn(async move { partner(&ctx, &opts, i).await.map(|r| (i, r)) });
            next += 1;
        }
        if let Some(done) = set.join_next().await {
            let (i, made) = done??;
            if let Some(made) = made {
                seeded.approved += 1;
                seeded.agents += made.agents;
                seeded.agent_events += made.events;
                seeded.tickets += made.tickets;
                if made.revenue {
                    revenue_orgs.push(made.org);
                    if seeded.reseller_owner.is_none() {
                        seeded.reseller_owner = Some(owner_email(opts, i));
                    }
                }
                if let (Some(key), Some(agent)) = (made.key, made.agent) {
                    if seeded.api_partners.len() < 2 {
                        seeded.api_partners.push((owner_email(opts, i), key, agent));
                    }
                }
            }
        }
        if next % 500 == 0 && next > 0 && set.is_empty() {
            eprintln!("seed: {next} partners in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    revenue_orgs.sort_unstable();
    seeded.ledger_rows = ledger(&ctx, &revenue_orgs, opts.ledger, &started).await?;
    let current = Month::of(now);
    let mut quarters = Vec::new();
    let mut m = current.quarter_months()[0].prev();
    for _ in 0..4 {
        quarters.push(m.quarter_months());
        m = m.quarter_months()[0].prev();
    }
    // Quarters that ended get the statement whose close pays their bonus.
    ctx.store.open_quarter_end_statements(brand, &quarters, now.timestamp_millis()).await?;
    Ok(seeded)
}

struct Made {
    org: i64,
    revenue: bool,
    agents: usize,
    events: usize,
    tickets: usize,
    key: Option<String>,
    agent: Option<String>,
}

/// Applies as partner `i` and takes the application to its planned end.
async fn partner(ctx: &Ctx, opts: &SeedOptions, i: usize) -> anyhow::Result<Option<Made>> {
    let (model, outcome) = plan(i);
    let name = company(opts, i);
    let email = owner_email(opts, i);
    let (kind, category) = match model {
        RevenueModel::Technology => ("technology/ai_platform", "technology_integration"),
        RevenueModel::Reseller => ("reseller/var", "distribution_channels"),
        RevenueModel::Referral => ("solution/consultancy", "domain_expertise"),
        RevenueModel::WhiteLabel => ("solution/isv", "co_development"),
    };
    let app = ApplicationInput {
        company: name.clone(),
        website: format!("https://{}", host(&name)),
        contact_name: "Alex Owner".into(),
        email: email.clone(),
        kind: kind.into(),
        category: category.into(),
        integration: if model == RevenueModel::WhiteLabel { "white_label" } else { "api" }.into(),
        revenue_model: model.key().into(),
        pitch: format!("{name} brings the program to customers we already serve."),
    }
    .parse()
    .map_err(|e| anyhow::anyhow!("seeded application refused: {e:?}"))?;
    let s = &ctx.store;
    let token = NewToken {
        token_hash: ctx.secrets.hash_api_key(&new_public_id("seed")),
        brand_id: ctx.brand,
        email: email.clone(),
        user_id: None,
        role: None,
        display_name: None,
        org: None,
        created_by: None,
        created_at: ctx.now,
        expires_at: ctx.now + Duration::days(7),
    };
    let audit = |action| ctx.audit(action, format!("application:{name}"));
    let id = s
        .submit_application(
            ctx.brand,
            &app,
            "!",
            token,
            mail(&email, "We received your application"),
            audit(crate::domain::audit::APPLICATION_SUBMITTED),
        )
        .await?;
    let user = s.login_record(ctx.brand, &email).await?.ok_or_else(|| anyhow::anyhow!("no account for {email}"))?;
    s.change_password(user.user_id, &ctx.password_hash, audit(crate::domain::audit::PASSWORD_CHANGED)).await?;
    use crate::domain::audit::{APPLICATION_APPROVED, APPLICATION_INFO_REQUESTED, APPLICATION_REJECTED};
    let (decision, action) = match outcome {
        Outcome::Submitted => return Ok(None),
        Outcome::InfoRequested => (
            Decision::RequestInfo { question: "Which regions do your customers sit in?".into() },
            APPLICATION_INFO_REQUESTED,
        ),
        Outcome::Rejected => (
            Decision::Reject { reason: "We are not adding partners in this segment this year.".into() },
            APPLICATION_REJECTED,
        ),
        Outcome::Approved(_) => (Decision::Approve, APPLICATION_APPROVED),
    };
    let terms = default_terms(model);
    let record =
        DecisionRecord { application_id: id, version: 0, decision: &decision, terms: &terms, decided_by: ctx.manager };
    let decided = s
        .decide_application(
            ctx.brand,
            record,
            mail(&email, "About your application"),
            NewAudit {
                // Approved before the ledger starts, so its terms cover every row.
                at: ctx.now - Duration::days(600),
                ..audit(action)
            },
        )
        .await?;
    let (Some(org), Outcome::Approved(target)) = (decided, outcome) else { return Ok(None) };

    for event in cert_path(target) {
        let rec = s.certification(ctx.brand, org).await?.ok_or_else(|| anyhow::anyhow!("no certification"))?;
        let t = [CertActor::System, CertActor::Partner, CertActor::Manager, CertActor::Admin]
            .into_iter()
            .find_map(|who| transition(rec.state, rec.interrupted, *event, who, "Seeded.").ok())
            .ok_or_else(|| anyhow::anyhow!("{} cannot follow {}", event.key(), rec.state.key()))?;
        let actor = Actor { id: Some(ctx.manager), label: "seed".into() };
        let write = TransitionWrite {
            organisation_id: org,
            version: rec.version,
            transition: t,
            actor: &actor,
            note: "Seeded.",
            evidence: "",
        };
        s.record_transition(ctx.brand, write, Vec::new(), audit(crate::domain::audit::CERT_TRANSITION)).await?;
    }

    let mut made = Made {
        org,
        revenue: model != RevenueModel::Technology,
        agents: 0,
        events: 0,
        tickets: 0,
        key: None,
        agent: None,
    };
    if model == RevenueModel::Technology && target != CertState::Registered {
        // Certified partners work in production; the rest build in the sandbox.
        let live =
            matches!(target, CertState::Certified | CertState::Listed | CertState::Featured | CertState::Premier);
        let env = if live { Environment::Production } else { Environment::Sandbox };
        let secret = new_api_key(env.key_prefix());
        let key = NewApiKey {
            brand_id: ctx.brand,
            organisation_id: org,
            environment: env,
            name: "Seeded key".into(),
            scopes: Scope::ALL.to_vec(),
            key_hash: ctx.secrets.hash_api_key(&secret),
            hint: format!("{}…", &secret[..env.key_prefix().len() + 4]),
            created_by: email.clone(),
            created_at: ctx.now,
        };
        s.create_api_key(key, audit(crate::domain::audit::API_KEY_CREATED)).await?;
        let mut agents = Vec::new();
        for n in ["Support triage agent", "Invoice matching agent", "Lead scoring agent"] {
            let agent = NewAgent {
                brand_id: ctx.brand,
                organisation_id: org,
                environment: env,
                public_id: new_public_id("agt_"),
                name: n.into(),
                external_ref: None,
                customer_user_id: None,
                now: ctx.now,
            };
            agents.push(s.register_agent(agent, None).await?.id);
        }
        let events: Vec<EventIn> = simulate(i as u64, agents.len(), 30)
            .into_iter()
            .enumerate()
            .map(|(n, (a, outcome))| EventIn {
                event_id: format!("seed_{i}_{n}"),
                agent_id: agents[a].clone(),
                outcome,
            })
            .collect();
        made.events = events.len();
        let batch = EventBatch {
            brand_id: ctx.brand,
            organisation_id: org,
            environment: env,
            events,
            quota: None,
            now: ctx.now,
        };
        s.record_events(batch).await?;
        made.agents = agents.len();
        if live {
            made.key = Some(secret);
            made.agent = agents.first().cloned();
        }
    }
    if i.is_multiple_of(3) {
        let severity = Severity::ALL[i % Severity::ALL.len()];
        let tier = support_tier(target);
        let ticket = NewTicket {
            brand_id: ctx.brand,
            organisation_id: org,
            opened_by: user.user_id,
            subject: "Webhook signatures fail after rotating the secret".into(),
            description: "Since rotating our signing secret yesterday, about one delivery in ten fails verification."
                .into(),
            severity,
            tier,
            target_minutes: response_target_minutes(tier, severity, ctx.tier1_minutes),
            opened_at: ctx.now - Duration::hours((i % 48) as i64),
            attachment: None,
        };
        s.open_ticket(ticket, &|_| Vec::new(), audit(crate::domain::audit::TICKET_OPENED)).await?;
        made.tickets = 1;
    }
    Ok(Some(made))
}

/// `rows` invoices spread over the revenue partners and the past eighteen
/// months, imported 5,000 at a time as a manager's uploads would be.
async fn ledger(ctx: &Ctx, orgs: &[i64], rows: usize, started: &Instant) -> anyhow::Result<usize> {
    if orgs.is_empty() || rows == 0 {
        return Ok(0);
    }
    let usd = Currency::parse("USD")?;
    let span_ms = Duration::days(540).num_milliseconds();
    let start_ms = (ctx.now - Duration::days(545)).timestamp_millis();
    let mut n = 0;
    while n < rows {
        let chunk: Vec<EventInput> = (n..(n + 5_000).min(rows))
            .map(|k| {
                // A fixed stride through time, so every month gets rows and
                // the order within an import is not sorted.
                let at = start_ms + ((k as i64).wrapping_mul(7_919_993) % span_ms).abs();
                EventInput {
                    row: k - n + 2,
                    organisation_id: orgs[k % orgs.len()],
                    customer: format!("customer-{:04}", (k / orgs.len()) % 50),
                    occurred_ms: at,
                    kind: EventKind::Invoice,
                    amount: Money::new(5_000 + ((k as i64 * 7_907) % 495_000), usd),
                    refunds: None,
                    external_id: format!("inv-{k:09}"),
                    customer_price_minor: None,
                }
            })
            .collect();
        let count = chunk.len();
        let batch = ImportBatch {
            source: "seed".into(),
            rows: chunk,
            row_count: count,
            created_by: ctx.manager,
            dry_run: false,
        };
        match ctx
            .store
            .import_revenue(ctx.brand, batch, ctx.audit(crate::domain::audit::REVENUE_IMPORTED, "ledger".into()))
            .await?
        {
            ImportOutcome::Imported(_) => {}
            ImportOutcome::Checked(_) => anyhow::bail!("seeded import was only checked"),
            ImportOutcome::Rejected(e) => anyhow::bail!("seeded import refused: {:?}", &e[..e.len().min(3)]),
        }
        n += count;
        if n % 100_000 == 0 {
            eprintln!("seed: {n} ledger rows in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_application_status_and_certification_state_appears_among_forty_partners() {
        let outcomes: Vec<Outcome> = (0..40).map(|i| plan(i).1).collect();
        for o in [Outcome::Submitted, Outcome::InfoRequested, Outcome::Rejected] {
            assert!(outcomes.contains(&o), "{o:?}");
        }
        for s in CertState::ALL {
            assert!(outcomes.contains(&Outcome::Approved(*s)), "{s:?}");
        }
    }

    #[test]
    fn each_certification_path_is_allowed_by_the_transition_rule_from_registered() {
        for target in CertState::ALL {
            let (mut state, mut interrupted) = (CertState::Registered, None);
            for event in cert_path(*target) {
                let t = [CertActor::System, CertActor::Partner, CertActor::Manager, CertActor::Admin]
                    .into_iter()
                    .find_map(|who| transition(state, interrupted, *event, who, "Seeded.").ok())
                    .unwrap_or_else(|| panic!("{} from {}", event.key(), state.key()));
                (state, interrupted) = (t.to, t.remember);
            }
            assert_eq!(state, *target);
        }
    }

    #[test]
    fn owner_addresses_are_distinct_and_on_example_domains() {
        let opts = SeedOptions { partners: 30, ledger: 0, demo: true, password: String::new() };
        let emails: std::collections::HashSet<String> = (0..30).map(|i| owner_email(&opts, i)).collect();
        assert_eq!(emails.len(), 30);
        assert!(emails.iter().all(|e| e.ends_with(".example")));
        assert_eq!(owner_email(&opts, 1), "owner@cedar-pine-consulting.example");
    }
}
