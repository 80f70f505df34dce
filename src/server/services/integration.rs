//! Integration use cases: API keys (owners create, rotate and revoke them
//! on the developer pages), authenticating API calls, agents and their
//! trust scores, outcome events under the sandbox's limits, simulated
//! streams, the API traffic view, and the weekly sandbox reset.

use crate::domain::account::CurrentUser;
use crate::domain::audit;
use crate::domain::certification::{transition, CertActor, CertEvent, CertState};
use crate::domain::integration::{
    check_agent_limit, check_name, check_reference, day_of, event_quota_exceeded, key_status, may_create_key,
    parse_scopes, simulate as simulated_stream, summarise, week_of, week_start_ms, AgentView, ApiKeyView, Environment,
    EventIn, Grace, Scope, TrustChange, SANDBOX_EVENTS_PER_DAY, SANDBOX_MAX_AGENTS,
};
use crate::domain::onboarding::Binding;
use crate::domain::role::OrgAccess;
use crate::domain::webhook::Outcome;
use crate::error::AppError;
use crate::server::checks::Checks;
use crate::server::context::{internal, store_error, Ctx};
use crate::server::secrets::{new_api_key, new_public_id, Secrets};
use crate::server::services::partners::org_for;
use crate::server::state::AppState;
use crate::server::store::{
    ApiKeyRecord, EventBatch, EventResult, KeyAuth, NewAgent, NewApiKey, NewAudit, OrgRef, StoreError, TransitionWrite,
};
use crate::views::integration::{DeveloperView, TrafficView};
use serde_json::json;

/// The partner an API call acts for, from its key. Scopes are checked where
/// the key is used (`api_v1`); these use cases serve pages too.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub credential: Credential,
    /// The person an OAuth app acts for, when one consented.
    pub user_id: Option<i64>,
    pub brand_id: i64,
    pub organisation_id: i64,
    /// The same organisation, checked against the key's brand.
    pub org: OrgRef,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
}

/// What authenticated an API call: an API key, or an access token issued
/// to an OAuth client. Rate limits and "last used" are per credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    Key(i64),
    Client {
        pk: i64,
        client_id: String,
    },
    /// A signed-in person on the portal's own pages (the GraphQL explorer,
    /// the sandbox simulator), never through the API's gate.
    Portal {
        user_id: i64,
    },
}

impl Credential {
    /// How the audit names the caller.
    pub fn label(&self) -> String {
        match self {
            Credential::Key(id) => format!("API key {id}"),
            Credential::Client { client_id, .. } => format!("OAuth client {client_id}"),
            Credential::Portal { user_id } => format!("user {user_id} on the portal"),
        }
    }
}

/// Session key of a just-created API key, shown once on the next page view.
const NEW_KEY: &str = "new_api_key";

/// The organisation whose integration the user works on, checked against
/// the request's brand (404 otherwise), and whether they may change its keys
/// and subscriptions (its owners may; staff and members look only).
pub(crate) async fn integration_org(
    ctx: &Ctx,
    user: &CurrentUser,
    org: Option<i64>,
) -> Result<(OrgRef, bool), AppError> {
    let (org, access) = org_for(user, org)?;
    let owner = access == OrgAccess::OwnOrganisation && user.is_owner();
    Ok((org_in_brand(&ctx.state, ctx.meta.brand.id, org).await?, owner))
}

/// `org` as a handle the integration reads take, if it belongs to `brand_id`.
pub(crate) async fn org_in_brand(state: &AppState, brand_id: i64, org: i64) -> Result<OrgRef, AppError> {
    state.store.organisation_in(brand_id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

fn key_view(r: ApiKeyRecord, now_ms: i64) -> ApiKeyView {
    ApiKeyView {
        status: key_status(r.revoked_at_ms, r.expires_at_ms, now_ms),
        id: r.id,
        name: r.name,
        environment: r.environment,
        scopes: r.scopes,
        hint: r.hint,
        created_at_ms: r.created_at_ms,
        created_by: r.created_by,
        expires_at_ms: r.expires_at_ms,
        revoked_at_ms: r.revoked_at_ms,
        last_used_at_ms: r.last_used_at_ms,
    }
}

pub(crate) async fn cert_state(ctx_state: &AppState, brand_id: i64, org: i64) -> Result<CertState, AppError> {
    Ok(ctx_state.store.certification(brand_id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?.state)
}

pub async fn developer_view(ctx: &Ctx, org: Option<i64>) -> Result<DeveloperView, AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    let store = &ctx.state.store;
    let rec = store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let now = ctx.now();
    let now_ms = now.timestamp_millis();
    let keys = store.api_keys(ctx.meta.brand.id, org).await.map_err(store_error)?;
    // Shown once: taken out of the session as it is read.
    let new_key: Option<(i64, String)> = if can_manage {
        ctx.session.remove(NEW_KEY).await.map_err(|e| internal(format!("session: {e}")))?
    } else {
        None
    };
    Ok(DeveloperView {
        organisation_id: org,
        organisation: rec.organisation,
        can_manage,
        production_refusal: may_create_key(Environment::Production, rec.state).err(),
        keys: keys.into_iter().map(|k| key_view(k, now_ms)).collect(),
        new_key,
        sandbox_agents: store.agent_count(scope, Environment::Sandbox).await.map_err(store_error)?,
        sandbox_events_today: store.sandbox_events_on(scope, day_of(now_ms)).await.map_err(store_error)?,
        agent_limit: SANDBOX_MAX_AGENTS,
        event_limit: SANDBOX_EVENTS_PER_DAY,
        day_resets_at_ms: crate::domain::integration::day_resets_at_ms(now_ms),
        week_resets_at_ms: crate::domain::integration::week_resets_at_ms(now_ms),
        now_ms,
    })
}

fn new_key_record(
    ctx: &Ctx,
    org: i64,
    env: Environment,
    name: String,
    scopes: Vec<Scope>,
    by: &str,
) -> (String, NewApiKey) {
    let secret = new_api_key(env.key_prefix());
    let hint = format!("{}…", &secret[..env.key_prefix().len() + 4]);
    let record = NewApiKey {
        brand_id: ctx.meta.brand.id,
        organisation_id: org,
        environment: env,
        name,
        scopes,
        key_hash: Secrets::of(&ctx.state.config).hash_api_key(&secret),
        hint,
        created_by: by.to_owned(),
        created_at: ctx.now(),
    };
    (secret, record)
}

pub async fn create_key(
    ctx: &Ctx,
    org: Option<i64>,
    name: &str,
    environment: &str,
    scopes: &[String],
) -> Result<i64, AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    let mut checks = Checks::default();
    let name = checks.check("name", check_name(name));
    let env = checks.check("environment", Environment::parse(environment).ok_or("Choose sandbox or production."));
    let scopes = checks.check("scopes", parse_scopes(scopes));
    checks.finish()?;
    let (name, env, scopes) =
        (name.unwrap_or_default(), env.unwrap_or(Environment::Sandbox), scopes.unwrap_or_default());
    let state = cert_state(&ctx.state, ctx.meta.brand.id, org).await?;
    may_create_key(env, state).map_err(|m| AppError::field("environment", m))?;
    let (secret, record) = new_key_record(ctx, org, env, name.clone(), scopes.clone(), &user.email);
    let a = ctx.audit(
        Some(&user),
        audit::API_KEY_CREATED,
        format!("organisation:{org}"),
        json!({ "after": { "name": name, "environment": env.key(), "scopes": crate::domain::integration::scopes_text(&scopes), "hint": record.hint } }),
    ).about(org);
    let (id, _) = ctx.state.store.create_api_key(record, a).await.map_err(store_error)?;
    ctx.session.insert(NEW_KEY, (id, secret)).await.map_err(|e| internal(format!("session write: {e}")))?;
    // Every sandbox key (not just the first) makes sure access was granted:
    // both steps are idempotent, so a failure after the key was stored is
    // repaired by the next key.
    if env == Environment::Sandbox {
        sandbox_started(&ctx.state, ctx.meta.brand.id, org, Binding::SandboxKeyCreated).await?;
    }
    Ok(id)
}

/// The first sandbox key ticks its onboarding item and, for a partner
/// still `registered`, grants sandbox access (`registered` → `development`).
/// The first sandbox event ticks its own item.
async fn sandbox_started(state: &AppState, brand_id: i64, org: i64, binding: Binding) -> Result<(), AppError> {
    let now = state.clock.now();
    state.store.raise_onboarding_event(org, binding, now).await.map_err(store_error)?;
    if binding != Binding::SandboxKeyCreated {
        return Ok(());
    }
    // A concurrent change to the partner's standing moves its version: read
    // again and retry once.
    for _ in 0..2 {
        if grant_sandbox_access(state, brand_id, org, now).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// Fires `sandbox_access_granted` if the partner is still `registered`;
/// false when another change got in first.
async fn grant_sandbox_access(
    state: &AppState,
    brand_id: i64,
    org: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    let rec = state.store.certification(brand_id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let Ok(t) = transition(rec.state, rec.interrupted, CertEvent::SandboxAccessGranted, CertActor::System, "") else {
        return Ok(true);
    };
    let actor = crate::server::store::Actor { id: None, label: "sandbox".into() };
    let a = NewAudit {
        brand_id,
        at: now,
        actor_id: None,
        actor_email: "sandbox".into(),
        action: audit::CERT_TRANSITION,
        subject: format!("organisation:{org}"),
        detail: json!({ "before": { "state": t.from.key() }, "after": { "state": t.to.key() }, "event": t.event.key() }),
        client_ip: "local".into(),
        organisation_id: Some(org),
    };
    let note = "First sandbox key created.";
    let write = TransitionWrite {
        organisation_id: org,
        version: rec.version,
        transition: t,
        actor: &actor,
        note,
        evidence: "",
    };
    match state.store.record_transition(brand_id, write, Vec::new(), a).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(store_error(e)),
    }
}

/// Returns the new key's id.
pub async fn rotate_key(ctx: &Ctx, org: Option<i64>, id: i64, grace: &str) -> Result<i64, AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    let grace =
        Grace::parse(grace).ok_or_else(|| AppError::field("grace", "Choose how long the old key keeps working."))?;
    let store = &ctx.state.store;
    let old = store
        .api_keys(ctx.meta.brand.id, org)
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(AppError::NotFound)?;
    let state = cert_state(&ctx.state, ctx.meta.brand.id, org).await?;
    may_create_key(old.environment, state).map_err(AppError::Refused)?;
    let (secret, record) = new_key_record(ctx, org, old.environment, old.name.clone(), old.scopes.clone(), &user.email);
    let ends = ctx.now() + chrono::Duration::milliseconds(grace.millis());
    let a = ctx.audit(
        Some(&user),
        audit::API_KEY_ROTATED,
        format!("api_key:{id}"),
        json!({ "before": { "hint": old.hint }, "after": { "hint": record.hint, "old_key_ends": ends.timestamp_millis() } }),
    ).about(org);
    let new_id = store.rotate_api_key(id, ends, record, a).await.map_err(store_error)?;
    ctx.session.insert(NEW_KEY, (new_id, secret)).await.map_err(|e| internal(format!("session write: {e}")))?;
    Ok(new_id)
}

pub async fn revoke_key(ctx: &Ctx, org: Option<i64>, id: i64) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    let a = ctx.audit(Some(&user), audit::API_KEY_REVOKED, format!("api_key:{id}"), json!({})).about(org);
    ctx.state.store.revoke_api_key(ctx.meta.brand.id, org, id, ctx.now(), a).await.map_err(store_error)
}

/// Why a bearer key was not accepted (all answer 401 alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Invalid,
}

/// Records that a key was used (at most once a minute per key).
pub async fn key_used(state: &AppState, caller: &ApiCaller) {
    let now = state.clock.now();
    let result = match &caller.credential {
        Credential::Key(id) => {
            if !state.traffic.should_touch(*id, now.timestamp_millis()) {
                return;
            }
            state.store.touch_api_key(*id, now).await
        }
        // Client ids share the map with key ids: negated, so they never meet.
        Credential::Client { pk, .. } => {
            if !state.traffic.should_touch(-pk, now.timestamp_millis()) {
                return;
            }
            state.store.touch_oauth_client(*pk, now).await
        }
        Credential::Portal { .. } => return,
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "recording a credential's use");
    }
}

/// The credential in `Authorization: Bearer <credential>` (the scheme is
/// case-insensitive, RFC 9110).
pub fn bearer(header: Option<&str>) -> Option<&str> {
    header
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, k)| k.trim())
}

/// Whether a bearer credential has the shape of an API key (rather than an
/// OAuth access token).
pub fn is_api_key(credential: &str) -> bool {
    Environment::of_key(credential).is_some()
}

/// The caller behind `Authorization: Bearer <key>` on `brand_id`'s host.
pub async fn authenticate(state: &AppState, brand_id: i64, header: Option<&str>) -> Result<ApiCaller, AuthFailure> {
    let key = bearer(header).ok_or(AuthFailure::Missing)?;
    let claimed = Environment::of_key(key).ok_or(AuthFailure::Invalid)?;
    let hash = Secrets::of(&state.config).hash_api_key(key);
    let found: Option<KeyAuth> = state.store.key_by_hash(&hash).await.map_err(|e| {
        tracing::error!(error = %e, "API key lookup");
        AuthFailure::Invalid
    })?;
    let k = found.ok_or(AuthFailure::Invalid)?;
    let now = state.clock.now();
    // Keys follow the partner's standing: none while suspended, production
    // ones only while certified.
    if k.brand_id != brand_id
        || k.environment != claimed
        || !key_status(k.revoked_at_ms, k.expires_at_ms, now.timestamp_millis()).authenticates()
        || may_create_key(k.environment, k.cert_state).is_err()
    {
        return Err(AuthFailure::Invalid);
    }
    Ok(ApiCaller {
        credential: Credential::Key(k.id),
        user_id: None,
        brand_id: k.brand_id,
        organisation_id: k.organisation_id,
        org: k.org,
        environment: k.environment,
        scopes: k.scopes,
    })
}

/// What `GET /api/v1/me` tells a caller about itself: an SDK's first call,
/// to check its credential and learn its limits.
pub struct CallerProfile {
    pub organisation: String,
    pub cert_state: CertState,
    /// Sandbox callers only.
    pub sandbox: Option<SandboxUse>,
}

/// A sandbox caller's use of its quotas.
pub struct SandboxUse {
    pub agents: i64,
    pub events_today: i64,
    /// When the day's event quota resets.
    pub resets_at_ms: i64,
}

pub async fn caller_profile(state: &AppState, caller: &ApiCaller) -> Result<CallerProfile, AppError> {
    let rec = state.store.certification(caller.brand_id, caller.organisation_id).await.map_err(store_error)?;
    let rec = rec.ok_or(AppError::NotFound)?;
    let now_ms = state.clock.now().timestamp_millis();
    let sandbox = if caller.environment == Environment::Sandbox {
        let agents = state.store.agent_count(caller.org, Environment::Sandbox).await.map_err(store_error)?;
        let events = state.store.sandbox_events_on(caller.org, day_of(now_ms)).await.map_err(store_error)?;
        Some(SandboxUse {
            agents,
            events_today: events,
            resets_at_ms: crate::domain::integration::day_resets_at_ms(now_ms),
        })
    } else {
        None
    };
    Ok(CallerProfile { organisation: rec.organisation, cert_state: rec.state, sandbox })
}

/// An agent to register, as the API received it.
pub struct AgentForm {
    pub name: String,
    pub external_ref: Option<String>,
    pub customer: Option<String>,
}

pub async fn register_agent(state: &AppState, caller: &ApiCaller, form: AgentForm) -> Result<AgentView, AppError> {
    let mut checks = Checks::default();
    let name = checks.check("name", check_name(&form.name));
    let external_ref = match form.external_ref.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => checks.check("external_ref", check_reference("external_ref", r)),
        None => None,
    };
    let customer_email = form.customer.as_deref().map(str::trim).filter(|s| !s.is_empty());
    checks.finish()?;
    let customer_user_id = match customer_email {
        Some(email) => Some(customer_of(state, caller.organisation_id, email).await?),
        None => None,
    };
    let now = state.clock.now();
    check_agent_limit(
        caller.environment,
        state.store.agent_count(caller.org, caller.environment).await.map_err(store_error)?,
        now.timestamp_millis(),
    )
    .map_err(AppError::Limit)?;
    let agent = NewAgent {
        brand_id: caller.brand_id,
        organisation_id: caller.organisation_id,
        environment: caller.environment,
        public_id: new_public_id("agt_"),
        name: name.unwrap_or_default(),
        external_ref,
        customer_user_id,
        now,
    };
    let limit = (caller.environment == Environment::Sandbox).then_some(SANDBOX_MAX_AGENTS);
    state.store.register_agent(agent, limit).await.map_err(|e| match e {
        StoreError::Rule(_) => AppError::Limit(
            check_agent_limit(Environment::Sandbox, SANDBOX_MAX_AGENTS, now.timestamp_millis()).unwrap_err(),
        ),
        other => store_error(other),
    })
}

/// A white-label customer of the caller's own brand, by email.
async fn customer_of(state: &AppState, org: i64, email: &str) -> Result<i64, AppError> {
    let not_found = || AppError::field("customer", "No customer of yours has this email.");
    let brand = state.store.partner_brand(org).await.map_err(store_error)?.ok_or_else(not_found)?;
    let login =
        state.store.login_record(brand.id, &email.to_lowercase()).await.map_err(store_error)?.ok_or_else(not_found)?;
    let user = state.store.session_user(brand.id, login.user_id).await.map_err(store_error)?.ok_or_else(not_found)?;
    if user.user.role != crate::domain::role::Role::Customer {
        return Err(not_found());
    }
    Ok(login.user_id)
}

pub async fn list_agents(state: &AppState, caller: &ApiCaller) -> Result<Vec<AgentView>, AppError> {
    state.store.agents(caller.org, caller.environment).await.map_err(store_error)
}

/// A page of the caller's agents, oldest first, after the agent `after`;
/// and whether more follow. An unknown cursor is refused.
pub async fn agents_after(
    state: &AppState,
    caller: &ApiCaller,
    after: Option<&str>,
    first: usize,
) -> Result<(Vec<AgentView>, bool), AppError> {
    let page = state.store.agents_page(caller.org, caller.environment, after, first as i64 + 1).await;
    let mut page = page.map_err(store_error)?.ok_or_else(|| AppError::field("after", "Unknown cursor."))?;
    // One more than asked for tells whether another page follows.
    let more = page.len() > first;
    page.truncate(first);
    Ok((page, more))
}

pub async fn agent(state: &AppState, caller: &ApiCaller, id: &str) -> Result<AgentView, AppError> {
    state.store.agent(caller.org, caller.environment, id).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// An agent's score and its 50 latest changes.
pub async fn trust(state: &AppState, caller: &ApiCaller, id: &str) -> Result<(AgentView, Vec<TrustChange>), AppError> {
    state
        .store
        .agent_with_history(caller.org, caller.environment, id, 50)
        .await
        .map_err(store_error)?
        .ok_or(AppError::NotFound)
}

/// One outcome event as the API received it.
pub struct EventForm {
    pub event_id: String,
    pub agent_id: String,
    pub outcome: String,
}

pub async fn record_events(
    state: &AppState,
    caller: &ApiCaller,
    forms: Vec<EventForm>,
) -> Result<Vec<EventResult>, AppError> {
    if forms.is_empty() || forms.len() > crate::domain::integration::MAX_EVENT_BATCH {
        return Err(AppError::field("events", "Send 1 to 100 events at once."));
    }
    let mut checks = Checks::default();
    let mut events = Vec::with_capacity(forms.len());
    for (i, f) in forms.iter().enumerate() {
        let event_id = checks.check(&format!("events[{i}].event_id"), check_reference("event_id", &f.event_id));
        let agent_id = checks.check(&format!("events[{i}].agent_id"), check_reference("agent_id", &f.agent_id));
        let outcome = checks.check(
            &format!("events[{i}].outcome"),
            Outcome::parse(f.outcome.trim())
                .ok_or("outcome must be one of success, failure, timeout, policy_violation."),
        );
        if let (Some(event_id), Some(agent_id), Some(outcome)) = (event_id, agent_id, outcome) {
            events.push(EventIn { event_id, agent_id, outcome });
        }
    }
    checks.finish()?;
    apply_events(state, caller.brand_id, caller.organisation_id, caller.environment, events).await
}

async fn apply_events(
    state: &AppState,
    brand_id: i64,
    org: i64,
    env: Environment,
    events: Vec<EventIn>,
) -> Result<Vec<EventResult>, AppError> {
    let now = state.clock.now();
    let now_ms = now.timestamp_millis();
    let quota = (env == Environment::Sandbox).then_some((day_of(now_ms), SANDBOX_EVENTS_PER_DAY));
    let agent_ids: Vec<String> = events.iter().map(|e| e.agent_id.clone()).collect();
    let batch = EventBatch { brand_id, organisation_id: org, environment: env, events, quota, now };
    let outcome = state.store.record_events(batch).await.map_err(|e| match e {
        StoreError::Rule(_) => AppError::Limit(event_quota_exceeded(now_ms)),
        StoreError::NotFound => {
            AppError::field("agent_id", format!("Unknown agent among: {}. Register it first.", agent_ids.join(", ")))
        }
        other => store_error(other),
    })?;
    if outcome.first_sandbox_event {
        sandbox_started(state, brand_id, org, Binding::SandboxEventReceived).await?;
    }
    Ok(outcome.results)
}

/// Generates a realistic stream of `count` events over the partner's
/// sandbox agents (registering three test agents if it has none), so trust
/// scores and webhooks move. Counts against the daily quota like any event.
pub async fn simulate(ctx: &Ctx, org: Option<i64>, count: i64) -> Result<usize, AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    if !(1..=100).contains(&count) {
        return Err(AppError::field("count", "Simulate 1 to 100 events at a time."));
    }
    let state = &ctx.state;
    let mut agents = state.store.agents(scope, Environment::Sandbox).await.map_err(store_error)?;
    if agents.is_empty() {
        let caller = ApiCaller {
            credential: Credential::Portal { user_id: user.id },
            user_id: Some(user.id),
            brand_id: ctx.meta.brand.id,
            organisation_id: org,
            org: scope,
            environment: Environment::Sandbox,
            scopes: Vec::new(),
        };
        for name in ["Test agent A", "Test agent B", "Test agent C"] {
            let form = AgentForm { name: name.into(), external_ref: None, customer: None };
            agents.push(register_agent(state, &caller, form).await?);
        }
    }
    let now_ms = ctx.now().timestamp_millis();
    let stream = simulated_stream(now_ms as u64, agents.len(), count as usize);
    let events: Vec<EventIn> = stream
        .into_iter()
        .enumerate()
        .map(|(i, (a, outcome))| EventIn {
            event_id: format!("sim_{now_ms}_{i}"),
            agent_id: agents[a].id.clone(),
            outcome,
        })
        .collect();
    let n = events.len();
    apply_events(state, ctx.meta.brand.id, org, Environment::Sandbox, events).await?;
    Ok(n)
}

/// The partner's agents in one environment, for its pages.
pub async fn agents_page(
    ctx: &Ctx,
    org: Option<i64>,
    env: Environment,
) -> Result<crate::views::integration::AgentsView, AppError> {
    let user = ctx.require_user().await?;
    let (org, can_manage) = integration_org(ctx, &user, org).await?;
    let agents = ctx.state.store.agents(org, env).await.map_err(store_error)?;
    Ok(crate::views::integration::AgentsView { organisation_id: org.id(), environment: env, can_manage, agents })
}

pub async fn agent_page(
    ctx: &Ctx,
    org: Option<i64>,
    env: Environment,
    id: &str,
) -> Result<(AgentView, Vec<TrustChange>), AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = integration_org(ctx, &user, org).await?;
    ctx.state.store.agent_with_history(org, env, id, 100).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// A white-label customer's own agents, with their recent changes.
pub async fn customer_agents(ctx: &Ctx) -> Result<Vec<(AgentView, Vec<TrustChange>)>, AppError> {
    let user = ctx.require_user().await?;
    if user.role != crate::domain::role::Role::Customer {
        return Err(AppError::Forbidden);
    }
    let mut out = Vec::new();
    for a in ctx.state.store.customer_agents(user.id).await.map_err(store_error)? {
        let history = ctx.state.store.trust_history(&a.id, 5).await.map_err(store_error)?;
        out.push((a, history));
    }
    Ok(out)
}

/// The last 24 hours of API traffic and the latest requests.
pub async fn traffic(ctx: &Ctx, org: Option<i64>) -> Result<TrafficView, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = integration_org(ctx, &user, org).await?;
    let now = ctx.now();
    // This instance's waiting calls first, so a partner sees the call just made.
    ctx.state.traffic.write_waiting(&*ctx.state.store).await;
    let hours = ctx.state.store.api_traffic(org, now - chrono::Duration::hours(23)).await.map_err(store_error)?;
    let by_env = |env: Environment| {
        let h: Vec<_> = hours.iter().filter(|h| h.environment == env).cloned().collect();
        summarise(&h)
    };
    Ok(TrafficView {
        organisation_id: org.id(),
        sandbox: by_env(Environment::Sandbox),
        production: by_env(Environment::Production),
        hours: hours.clone(),
        recent: ctx.state.store.recent_api_requests(org, 50).await.map_err(store_error)?,
        now_ms: now.timestamp_millis(),
    })
}

/// One pass of the integration scheduler: the weekly sandbox reset (one
/// instance of several claims each week) and pruning of the request log.
pub async fn run_maintenance_once(state: &AppState) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let week = week_of(now.timestamp_millis());
    let start = chrono::DateTime::from_timestamp_millis(week_start_ms(week)).unwrap_or(now);
    let reset = state.store.reset_sandbox(week, start).await?;
    state.store.prune_rate_counters((now - chrono::Duration::days(1)).timestamp_millis()).await?;
    state.store.prune_api_log(now - chrono::Duration::days(7)).await?;
    Ok(reset)
}

/// The signed-in owner's organisation and audit identity, or 403.
async fn owner(ctx: &Ctx, org: Option<i64>) -> Result<(OrgRef, super::webhooks::Who), AppError> {
    let user = ctx.require_user().await?;
    let (org, can_manage) = integration_org(ctx, &user, org).await?;
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    Ok((org, super::webhooks::Who::of_user(ctx, &user)))
}

pub async fn webhooks_page(ctx: &Ctx, org: Option<i64>) -> Result<crate::views::integration::WebhooksView, AppError> {
    let user = ctx.require_user().await?;
    let (org, can_manage) = integration_org(ctx, &user, org).await?;
    let (subscriptions, health) = super::webhooks::list_with_health(&ctx.state, org).await?.into_iter().unzip();
    Ok(crate::views::integration::WebhooksView { organisation_id: org.id(), can_manage, subscriptions, health })
}

/// Returns the new subscription's id.
pub async fn create_webhook(
    ctx: &Ctx,
    org: Option<i64>,
    environment: &str,
    url: &str,
    patterns: &str,
) -> Result<String, AppError> {
    let (org, who) = owner(ctx, org).await?;
    let env = Environment::parse(environment)
        .ok_or_else(|| AppError::field("environment", "Choose sandbox or production."))?;
    let (view, _) = super::webhooks::create(&ctx.state, &who, org, env, url, patterns).await?;
    Ok(view.id)
}

/// A subscription with one page of its delivery log: newest first, from
/// below `before` when paging back, failures only when `failed_only`.
pub async fn webhook_page(
    ctx: &Ctx,
    org: Option<i64>,
    id: &str,
    before: Option<i64>,
    failed_only: bool,
) -> Result<crate::views::integration::SubscriptionDetail, AppError> {
    use crate::domain::integration::delivery_health;
    use crate::views::integration::{DeliveryLine, SubscriptionDetail, DELIVERIES_PAGE};
    let user = ctx.require_user().await?;
    let (org, can_manage) = integration_org(ctx, &user, org).await?;
    let s = super::webhooks::find(&ctx.state, org, id).await?;
    let secret = if can_manage { Some(super::webhooks::reveal(&ctx.state, &s)?) } else { None };
    let store = &ctx.state.store;
    let newest = store.deliveries(s.id, i64::MAX, false, DELIVERIES_PAGE as i64).await.map_err(store_error)?;
    let health = delivery_health(&newest.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>());
    // One more than a page says whether there is an older one.
    let mut page = store
        .deliveries(s.id, before.unwrap_or(i64::MAX), failed_only, DELIVERIES_PAGE as i64 + 1)
        .await
        .map_err(store_error)?;
    let more = page.len() > DELIVERIES_PAGE;
    page.truncate(DELIVERIES_PAGE);
    let older_than = more.then(|| page.last().map(|(d, _)| d.id)).flatten();
    let mut deliveries = Vec::new();
    for (d, payload) in page {
        let attempts = store.attempts(d.id).await.map_err(store_error)?;
        deliveries.push(DeliveryLine { delivery: d, attempts, payload });
    }
    let subscription = super::webhooks::view(&s, ctx.now().timestamp_millis());
    Ok(SubscriptionDetail {
        organisation_id: org.id(),
        can_manage,
        subscription,
        secret,
        deliveries,
        older_than,
        failed_only,
        health,
    })
}

/// Carries out an owner's action on a subscription; returns the page flag.
pub async fn webhook_action(
    ctx: &Ctx,
    org: Option<i64>,
    id: &str,
    action: &str,
    delivery: Option<i64>,
) -> Result<&'static str, AppError> {
    let (org, who) = owner(ctx, org).await?;
    let state = &ctx.state;
    match (action, delivery) {
        ("delete", _) => super::webhooks::delete(state, &who, org, id).await.map(|_| "deleted"),
        ("rotate", _) => super::webhooks::rotate_secret(state, &who, org, id).await.map(|_| "rotated"),
        ("test", _) => super::webhooks::send_test(state, org, id).await.map(|_| "test"),
        ("enable", _) => super::webhooks::set_active(state, &who, org, id, true).await.map(|_| "enabled"),
        ("disable", _) => super::webhooks::set_active(state, &who, org, id, false).await.map(|_| "disabled"),
        ("replay", Some(d)) => super::webhooks::replay(state, org, id, d).await.map(|_| "replayed"),
        _ => Err(AppError::Refused("Unknown action.".into())),
    }
}
