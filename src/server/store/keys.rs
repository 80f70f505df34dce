//! SQL for API keys, agents and trust scores, outcome events and the
//! sandbox, shared by both engines through `key_store!`. Each engine supplies
//! `ORG_LOCK`, which serialises one partner's agent and event writes on
//! PostgreSQL.

use super::common::*;
pub(super) use crate::domain::integration::{
    plan_events, scopes_from_text, scopes_text, AgentView, Environment, SeenEvent, TrustChange,
};
pub(super) use crate::domain::webhook::{Outcome, INITIAL_TRUST};

/// A new API key (only its keyed hash is stored).
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub key_hash: String,
    pub hint: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// What authenticating a key needs.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    pub id: i64,
    pub brand_id: i64,
    pub organisation_id: i64,
    /// The key's organisation, in the key's brand.
    pub org: OrgRef,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub revoked_at_ms: Option<i64>,
    pub expires_at_ms: Option<i64>,
    /// The partner's certification state now (keys follow it).
    pub cert_state: CertState,
}

/// A stored key, for its owners' list (status is worked out by the caller).
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub name: String,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub hint: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub public_id: String,
    pub name: String,
    pub external_ref: Option<String>,
    pub customer_user_id: Option<i64>,
    pub now: DateTime<Utc>,
}

/// Who sends a batch of outcome events, and the sandbox quota that applies.
#[derive(Debug, Clone)]
pub struct EventBatch {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub events: Vec<EventIn>,
    /// (UTC day, events allowed that day) for sandbox batches.
    pub quota: Option<(i64, i64)>,
    pub now: DateTime<Utc>,
}

pub use crate::domain::integration::EventResult;

#[derive(Debug, Clone)]
pub struct EventsOutcome {
    pub results: Vec<EventResult>,
    /// This was the partner's first sandbox event ever.
    pub first_sandbox_event: bool,
}

/// API keys, agents, trust scores, outcome events and the sandbox.
#[async_trait]
pub trait KeyStore: Send + Sync + 'static {
    /// Stores a key; returns its id and whether it is the partner's first
    /// sandbox key.
    async fn create_api_key(&self, key: NewApiKey, audit: NewAudit) -> StoreResult<(i64, bool)>;
    /// The organisation `id` if it belongs to `brand_id`: the one way to an
    /// `OrgRef`, which the integration reads below take.
    async fn organisation_in(&self, brand_id: i64, id: i64) -> StoreResult<Option<OrgRef>>;
    async fn api_keys(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Ends `old_id` at `old_ends` and stores its replacement, in one
    /// transaction; refused if the old key is revoked or already rotated.
    async fn rotate_api_key(
        &self,
        old_id: i64,
        old_ends: DateTime<Utc>,
        new: NewApiKey,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn revoke_api_key(
        &self,
        brand_id: i64,
        organisation_id: i64,
        id: i64,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn key_by_hash(&self, key_hash: &str) -> StoreResult<Option<KeyAuth>>;
    /// Records use, at most once a minute per key (keeps writes cheap).
    async fn touch_api_key(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;

    /// Registers an agent unless the environment already holds `limit`.
    async fn register_agent(&self, agent: NewAgent, limit: Option<i64>) -> StoreResult<AgentView>;
    async fn agents(&self, org: OrgRef, env: Environment) -> StoreResult<Vec<AgentView>>;
    /// Up to `limit` agents, oldest first, after the agent `after` (a
    /// public id) or from the first; `None` when `after` is not one of this
    /// organisation's agents in `env`.
    async fn agents_page(
        &self,
        org: OrgRef,
        env: Environment,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Option<Vec<AgentView>>>;
    async fn agent_count(&self, org: OrgRef, env: Environment) -> StoreResult<i64>;
    async fn agent(&self, org: OrgRef, env: Environment, public_id: &str) -> StoreResult<Option<AgentView>>;
    /// An agent and its `limit` latest changes, newest first, in one read.
    async fn agent_with_history(
        &self,
        org: OrgRef,
        env: Environment,
        public_id: &str,
        limit: i64,
    ) -> StoreResult<Option<(AgentView, Vec<TrustChange>)>>;
    /// Newest first.
    async fn trust_history(&self, public_id: &str, limit: i64) -> StoreResult<Vec<TrustChange>>;
    /// Agents assigned to a white-label customer, any partner environment.
    async fn customer_agents(&self, customer_user_id: i64) -> StoreResult<Vec<AgentView>>;
    /// Applies a batch in one transaction: repeated event ids change
    /// nothing; each new event moves its agent's score
    /// (`webhook::apply_outcome`) and writes `trust.score_changed`. A sandbox
    /// batch that would pass the day's quota writes nothing
    /// (`StoreError::Rule("quota")`); an unknown agent fails the batch
    /// (`StoreError::NotFound`).
    async fn record_events(&self, batch: EventBatch) -> StoreResult<EventsOutcome>;
    /// Sandbox events used on a UTC day.
    async fn sandbox_events_on(&self, org: OrgRef, day: i64) -> StoreResult<i64>;
    /// Clears every sandbox agent and its outcome events once per week number
    /// (whichever instance claims the week does it). Returns whether this
    /// call did it.
    async fn reset_sandbox(&self, week: i64, week_start: DateTime<Utc>) -> StoreResult<bool>;
}

pub(super) fn env_of(s: &str) -> Environment {
    Environment::parse(s).unwrap_or(Environment::Sandbox)
}

pub(super) const KEY_SELECT: &str = "SELECT id, name, environment, scopes, hint, created_by, created_at, expires_at, \
     revoked_at, last_used_at FROM api_keys";

#[derive(sqlx::FromRow)]
pub(super) struct KeyRow {
    pub id: i64,
    pub name: String,
    pub environment: String,
    pub scopes: String,
    pub hint: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl From<KeyRow> for ApiKeyRecord {
    fn from(r: KeyRow) -> Self {
        ApiKeyRecord {
            id: r.id,
            name: r.name,
            environment: env_of(&r.environment),
            scopes: scopes_from_text(&r.scopes),
            hint: r.hint,
            created_by: r.created_by,
            created_at_ms: r.created_at,
            expires_at_ms: r.expires_at,
            revoked_at_ms: r.revoked_at,
            last_used_at_ms: r.last_used_at,
        }
    }
}

pub(super) const AGENT_SELECT: &str =
    "SELECT a.public_id, a.name, a.environment, a.external_ref, u.email AS customer, \
     a.trust_score, a.events, a.created_at, a.updated_at FROM agents a LEFT JOIN users u ON u.id = a.customer_user_id";

#[derive(sqlx::FromRow)]
pub(super) struct AgentRow {
    pub public_id: String,
    pub name: String,
    pub environment: String,
    pub external_ref: Option<String>,
    pub customer: Option<String>,
    pub trust_score: i64,
    pub events: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<AgentRow> for AgentView {
    fn from(r: AgentRow) -> Self {
        AgentView {
            id: r.public_id,
            name: r.name,
            environment: env_of(&r.environment),
            external_ref: r.external_ref,
            customer: r.customer,
            trust_score: r.trust_score,
            events: r.events,
            created_at_ms: r.created_at,
            updated_at_ms: r.updated_at,
        }
    }
}

/// An agent with one of its latest changes, or none (`agent_with_history`).
#[derive(sqlx::FromRow)]
pub(super) struct AgentHistoryRow {
    #[sqlx(flatten)]
    pub agent: AgentRow,
    pub event_id: Option<String>,
    pub outcome: Option<String>,
    pub score_before: Option<i64>,
    pub score_after: Option<i64>,
    pub received_at: Option<i64>,
}

pub(super) fn trust_change(event_id: String, outcome: &str, before: i64, after: i64, at: i64) -> TrustChange {
    TrustChange {
        event_id,
        outcome: Outcome::parse(outcome).unwrap_or(Outcome::Success),
        score_before: before,
        score_after: after,
        at_ms: at,
    }
}

/// Emits `impl KeyStore for $store`.
macro_rules! key_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl KeyStore for $store {
            async fn create_api_key(&self, key: NewApiKey, audit: NewAudit) -> StoreResult<(i64, bool)> {
                let mut tx = self.begin_write().await?;
                let sandbox_keys: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM api_keys WHERE organisation_id = $1 AND environment = 'sandbox'",
                )
                .bind(key.organisation_id)
                .fetch_one(&mut *tx)
                .await?;
                let id = Self::insert_key(&mut tx, &key).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok((id, key.environment == Environment::Sandbox && sandbox_keys == 0))
            }

            async fn organisation_in(&self, brand_id: i64, id: i64) -> StoreResult<Option<OrgRef>> {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1 AND brand_id = $2")
                        .bind(id)
                        .bind(brand_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(found.map(|id| OrgRef::checked(brand_id, id)))
            }

            async fn api_keys(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ApiKeyRecord>> {
                let rows: Vec<KeyRow> = sqlx::query_as(&format!(
                    "{KEY_SELECT} WHERE brand_id = $1 AND organisation_id = $2 ORDER BY id DESC"
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn rotate_api_key(
                &self,
                old_id: i64,
                old_ends: DateTime<Utc>,
                new: NewApiKey,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let env: Option<String> = sqlx::query_scalar(
                    "UPDATE api_keys SET expires_at = $1 WHERE id = $2 AND brand_id = $3 AND organisation_id = $4 \
                     AND revoked_at IS NULL AND expires_at IS NULL RETURNING environment",
                )
                .bind(ms(old_ends))
                .bind(old_id)
                .bind(new.brand_id)
                .bind(new.organisation_id)
                .fetch_optional(&mut *tx)
                .await?;
                match env {
                    None => return Err(StoreError::Conflict("This key was already rotated or revoked.")),
                    Some(e) if e != new.environment.key() => return Err(StoreError::NotFound),
                    Some(_) => {}
                }
                let id = Self::insert_key(&mut tx, &new).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn revoke_api_key(
                &self,
                brand_id: i64,
                organisation_id: i64,
                id: i64,
                now: DateTime<Utc>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND brand_id = $3 AND organisation_id = $4 \
                     AND revoked_at IS NULL",
                )
                .bind(ms(now))
                .bind(id)
                .bind(brand_id)
                .bind(organisation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::NotFound);
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn key_by_hash(&self, key_hash: &str) -> StoreResult<Option<KeyAuth>> {
                let row: Option<(i64, i64, i64, String, String, Option<i64>, Option<i64>, String)> = sqlx::query_as(
                    "SELECT k.id, k.brand_id, k.organisation_id, k.environment, k.scopes, k.revoked_at, k.expires_at, \
                     o.certification_state FROM api_keys k JOIN organisations o ON o.id = k.organisation_id \
                     WHERE k.key_hash = $1",
                )
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, brand_id, organisation_id, env, scopes, revoked, expires, state)| KeyAuth {
                    id,
                    brand_id,
                    organisation_id,
                    org: OrgRef::checked(brand_id, organisation_id),
                    environment: env_of(&env),
                    scopes: scopes_from_text(&scopes),
                    revoked_at_ms: revoked,
                    expires_at_ms: expires,
                    cert_state: crate::domain::certification::CertState::parse(&state)
                        .unwrap_or(crate::domain::certification::CertState::Suspended),
                }))
            }

            async fn touch_api_key(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 \
                     AND (last_used_at IS NULL OR last_used_at < $1 - 60000)",
                )
                .bind(ms(now))
                .bind(id)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn register_agent(&self, agent: NewAgent, limit: Option<i64>) -> StoreResult<AgentView> {
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, agent.organisation_id).await?;
                if let Some(limit) = limit {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM agents WHERE organisation_id = $1 AND environment = $2",
                    )
                    .bind(agent.organisation_id)
                    .bind(agent.environment.key())
                    .fetch_one(&mut *tx)
                    .await?;
                    if n >= limit {
                        return Err(StoreError::Rule("limit".into()));
                    }
                }
                sqlx::query(
                    "INSERT INTO agents (public_id, brand_id, organisation_id, environment, name, external_ref, \
                     customer_user_id, trust_score, events, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)",
                )
                .bind(&agent.public_id)
                .bind(agent.brand_id)
                .bind(agent.organisation_id)
                .bind(agent.environment.key())
                .bind(&agent.name)
                .bind(&agent.external_ref)
                .bind(agent.customer_user_id)
                .bind(INITIAL_TRUST)
                .bind(ms(agent.now))
                .execute(&mut *tx)
                .await?;
                let row: AgentRow = sqlx::query_as(&format!("{AGENT_SELECT} WHERE a.public_id = $1"))
                    .bind(&agent.public_id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn agents(&self, org: OrgRef, env: Environment) -> StoreResult<Vec<AgentView>> {
                let rows: Vec<AgentRow> = sqlx::query_as(&format!(
                    "{AGENT_SELECT} WHERE a.organisation_id = $1 AND a.environment = $2 AND a.brand_id = $3 \
                     ORDER BY a.id DESC"
                ))
                .bind(org.id())
                .bind(env.key())
                .bind(org.brand_id())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn agents_page(
                &self,
                org: OrgRef,
                env: Environment,
                after: Option<&str>,
                limit: i64,
            ) -> StoreResult<Option<Vec<AgentView>>> {
                let from: i64 = match after {
                    None => 0,
                    Some(public_id) => {
                        let id: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM agents WHERE organisation_id = $1 AND environment = $2 AND brand_id = $3 \
                             AND public_id = $4",
                        )
                        .bind(org.id())
                        .bind(env.key())
                        .bind(org.brand_id())
                        .bind(public_id)
                        .fetch_optional(&self.pool)
                        .await?;
                        match id {
                            Some(id) => id,
                            None => return Ok(None),
                        }
                    }
                };
                // Walks the (organisation_id, environment, id) index from the cursor.
                let rows: Vec<AgentRow> = sqlx::query_as(&format!(
                    "{AGENT_SELECT} WHERE a.organisation_id = $1 AND a.environment = $2 AND a.brand_id = $3 \
                     AND a.id > $4 ORDER BY a.id LIMIT $5"
                ))
                .bind(org.id())
                .bind(env.key())
                .bind(org.brand_id())
                .bind(from)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(Some(rows.into_iter().map(Into::into).collect()))
            }

            async fn agent_count(&self, org: OrgRef, env: Environment) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM agents WHERE organisation_id = $1 AND environment = $2 AND brand_id = $3",
                )
                .bind(org.id())
                .bind(env.key())
                .bind(org.brand_id())
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn agent(&self, org: OrgRef, env: Environment, public_id: &str) -> StoreResult<Option<AgentView>> {
                let row: Option<AgentRow> = sqlx::query_as(&format!(
                    "{AGENT_SELECT} WHERE a.organisation_id = $1 AND a.environment = $2 AND a.public_id = $3 \
                     AND a.brand_id = $4"
                ))
                .bind(org.id())
                .bind(env.key())
                .bind(public_id)
                .bind(org.brand_id())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn trust_history(&self, public_id: &str, limit: i64) -> StoreResult<Vec<TrustChange>> {
                let rows: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
                    // The agent's id first, so the read walks its own
                    // (agent_id, id) index entries instead of the whole log.
                    "SELECT event_id, outcome, score_before, score_after, received_at FROM agent_events \
                     WHERE agent_id = (SELECT id FROM agents WHERE public_id = $1) ORDER BY id DESC LIMIT $2",
                )
                .bind(public_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(event_id, outcome, before, after, at)| trust_change(event_id, &outcome, before, after, at))
                    .collect())
            }

            async fn agent_with_history(
                &self,
                org: OrgRef,
                env: Environment,
                public_id: &str,
                limit: i64,
            ) -> StoreResult<Option<(AgentView, Vec<TrustChange>)>> {
                // One statement where `GET /trust` made two: the agent, then
                // its changes through their (agent_id, id) index.
                let rows: Vec<AgentHistoryRow> = sqlx::query_as(&format!(
                    "WITH ag AS ({AGENT_SELECT} WHERE a.organisation_id = $1 AND a.environment = $2 \
                     AND a.public_id = $3 AND a.brand_id = $4), \
                     h AS (SELECT id, event_id, outcome, score_before, score_after, received_at FROM agent_events \
                     WHERE agent_id = (SELECT x.id FROM agents x JOIN ag ON x.public_id = ag.public_id) \
                     ORDER BY id DESC LIMIT $5) \
                     SELECT ag.*, h.event_id, h.outcome, h.score_before, h.score_after, h.received_at \
                     FROM ag LEFT JOIN h ON 1 = 1 ORDER BY h.id DESC"
                ))
                .bind(org.id())
                .bind(env.key())
                .bind(public_id)
                .bind(org.brand_id())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut rows = rows.into_iter();
                let Some(first) = rows.next() else { return Ok(None) };
                let mut history = Vec::new();
                let mut agent = None;
                for r in std::iter::once(first).chain(rows) {
                    if let (Some(id), Some(o), Some(b), Some(a), Some(at)) =
                        (r.event_id, r.outcome, r.score_before, r.score_after, r.received_at)
                    {
                        history.push(trust_change(id, &o, b, a, at));
                    }
                    agent.get_or_insert(r.agent);
                }
                Ok(agent.map(|a| (a.into(), history)))
            }

            async fn customer_agents(&self, customer_user_id: i64) -> StoreResult<Vec<AgentView>> {
                let rows: Vec<AgentRow> =
                    sqlx::query_as(&format!("{AGENT_SELECT} WHERE a.customer_user_id = $1 ORDER BY a.name, a.id"))
                        .bind(customer_user_id)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn record_events(&self, batch: EventBatch) -> StoreResult<EventsOutcome> {
                use std::collections::HashMap;
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, batch.organisation_id).await?;
                let org = batch.organisation_id;
                let env = batch.environment.key();
                let now = ms(batch.now);
                let first_sandbox_event = batch.environment == Environment::Sandbox
                    && sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sandbox_usage WHERE organisation_id = $1")
                        .bind(org)
                        .fetch_one(&mut *tx)
                        .await?
                        == 0;
                // One read for the whole batch (`BATCH_KNOWN`: the agents
                // named, kind 0, and the events stored before, kind 1), where
                // a statement per event made a batch of 100 wait for 200
                // answers. The id lists travel as one parameter each, so the
                // statement's text, and its prepared plan, is the same for
                // every batch.
                let mut event_ids: Vec<&str> = batch.events.iter().map(|e| e.event_id.as_str()).collect();
                let mut agent_ids: Vec<&str> = batch.events.iter().map(|e| e.agent_id.as_str()).collect();
                event_ids.sort_unstable();
                event_ids.dedup();
                agent_ids.sort_unstable();
                agent_ids.dedup();
                let q = sqlx::query_as::<_, (i32, String, String, i64, i64)>(Self::BATCH_KNOWN)
                    .bind(org)
                    .bind(env)
                    .bind(Self::text_list(&agent_ids))
                    .bind(Self::text_list(&event_ids));
                let mut seen = HashMap::new();
                let mut scores = HashMap::new();
                let mut agent_pk = HashMap::new();
                for (kind, key, agent_id, pk, score) in q.fetch_all(&mut *tx).await? {
                    if kind == 1 {
                        seen.insert(key, SeenEvent { agent_id, score_after: score });
                    } else {
                        scores.insert(key, score);
                        agent_pk.insert(agent_id, pk);
                    }
                }
                let plan = plan_events(&batch.events, &seen, &scores).map_err(|_| StoreError::NotFound)?;
                let fresh = plan.new.len() as i64;
                if let (Some((day, limit)), true) = (batch.quota, fresh > 0) {
                    sqlx::query(
                        "INSERT INTO sandbox_usage (organisation_id, day, events) VALUES ($1, $2, 0) \
                         ON CONFLICT (organisation_id, day) DO NOTHING",
                    )
                    .bind(org)
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
                    let fits = sqlx::query(
                        "UPDATE sandbox_usage SET events = events + $1 WHERE organisation_id = $2 AND day = $3 \
                         AND events + $1 <= $4",
                    )
                    .bind(fresh)
                    .bind(org)
                    .bind(day)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if fits == 0 {
                        return Err(StoreError::Rule("quota".into()));
                    }
                }
                for moved in &plan.agents {
                    sqlx::query(
                        "UPDATE agents SET trust_score = $1, events = events + $2, updated_at = $3 WHERE id = $4",
                    )
                    .bind(moved.score)
                    .bind(moved.events)
                    .bind(now)
                    .bind(agent_pk[moved.agent_id])
                    .execute(&mut *tx)
                    .await?;
                }
                // One statement per table for the batch (at most
                // `MAX_EVENT_BATCH` rows, 800 parameters: within both
                // engines' limits); rows keep the order sent, so ids do too.
                if !plan.new.is_empty() {
                    let values = (0..plan.new.len())
                        .map(|i| {
                            let p = 8 * i;
                            format!("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5,
                                p + 6, p + 7, p + 8)
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO agent_events (agent_id, organisation_id, environment, event_id, outcome, \
                         score_before, score_after, received_at) VALUES {values}"
                    );
                    let mut q = sqlx::query(&sql);
                    for n in &plan.new {
                        q = q
                            .bind(agent_pk[n.event.agent_id.as_str()])
                            .bind(org)
                            .bind(env)
                            .bind(&n.event.event_id)
                            .bind(n.event.outcome.key())
                            .bind(n.score_before)
                            .bind(n.score_after)
                            .bind(now);
                    }
                    q.execute(&mut *tx).await?;
                }
                let changed: Vec<_> = plan.new.iter().filter(|n| n.score_after != n.score_before).collect();
                if !changed.is_empty() {
                    let values = (0..changed.len())
                        .map(|i| format!("($1, $2, 'trust.score_changed', ${}, $3, $4)", i + 5))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO event_log (brand_id, organisation_id, event_type, payload, created_at, \
                         environment) VALUES {values}"
                    );
                    let mut q = sqlx::query(&sql).bind(batch.brand_id).bind(org).bind(now).bind(env);
                    for n in changed {
                        let payload = serde_json::json!({
                            "agent_id": n.event.agent_id,
                            "environment": env,
                            "previous_score": n.score_before,
                            "score": n.score_after,
                            "outcome": n.event.outcome.key(),
                            "event_id": n.event.event_id,
                        });
                        q = q.bind(payload.to_string());
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(EventsOutcome { results: plan.results, first_sandbox_event: first_sandbox_event && fresh > 0 })
            }

            async fn sandbox_events_on(&self, org: OrgRef, day: i64) -> StoreResult<i64> {
                let n: Option<i64> =
                    sqlx::query_scalar("SELECT events FROM sandbox_usage WHERE organisation_id = $1 AND day = $2")
                        .bind(org.id())
                        .bind(day)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(n.unwrap_or(0))
            }

            async fn reset_sandbox(&self, week: i64, week_start: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let claimed = sqlx::query(
                    "UPDATE integration_schedule SET sandbox_reset_week = $1 WHERE id = 1 AND sandbox_reset_week < $1",
                )
                .bind(week)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed == 0 {
                    return Ok(false);
                }
                // The event log and its deliveries stay: deleting the newest
                // rows would let SQLite hand their ids out again, and ids
                // are message ids and the fan-out's "since" marks.
                // Agents made this week stay: a reset clears the weeks before
                // (a first start, or one late after downtime, must not wipe
                // what partners made minutes ago).
                for sql in [
                    "DELETE FROM agent_events WHERE agent_id IN \
                     (SELECT id FROM agents WHERE environment = 'sandbox' AND created_at < $1)",
                    "DELETE FROM agents WHERE environment = 'sandbox' AND created_at < $1",
                ] {
                    sqlx::query(sql).bind(ms(week_start)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }

        impl $store {
            async fn insert_key(tx: &mut sqlx::Transaction<'_, $db>, key: &NewApiKey) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO api_keys (brand_id, organisation_id, environment, name, scopes, key_hash, hint, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(key.brand_id)
                .bind(key.organisation_id)
                .bind(key.environment.key())
                .bind(&key.name)
                .bind(scopes_text(&key.scopes))
                .bind(&key.key_hash)
                .bind(&key.hint)
                .bind(&key.created_by)
                .bind(ms(key.created_at))
                .fetch_one(&mut **tx)
                .await?)
            }
        }
    };
}
