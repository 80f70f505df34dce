//! SQL for API keys, agents and trust scores, the sandbox, the API request
//! log, idempotency keys and webhooks, shared by both engines through
//! `integration_store!`. Each engine supplies `ORG_LOCK` (serialises one
//! partner's agent and event writes on PostgreSQL), `FAN_OUT_SELECT` (the
//! events not yet fanned out, skipping rows another instance holds on
//! PostgreSQL) and `CLAIM_DELIVERIES`.

pub(super) use crate::domain::integration::{
    latency_bucket, scopes_from_text, scopes_text, AgentView, AttemptView, DeliveryStatus, DeliveryView, Environment,
    RequestLogEntry, TrafficHour, TrustChange, FAST_US,
};
pub(super) use crate::domain::webhook::{apply_outcome, envelope, message_id, Outcome, INITIAL_TRUST};

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

impl From<KeyRow> for super::ApiKeyRecord {
    fn from(r: KeyRow) -> Self {
        super::ApiKeyRecord {
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

pub(super) const SUBSCRIPTION_SELECT: &str = "SELECT id, public_id, organisation_id, environment, url, patterns, \
     secret, previous_secret, previous_until, active, disabled_reason, created_at FROM webhook_subscriptions";

#[derive(sqlx::FromRow)]
pub(super) struct SubscriptionRow {
    pub id: i64,
    pub public_id: String,
    pub organisation_id: i64,
    pub environment: String,
    pub url: String,
    pub patterns: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<i64>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
}

impl From<SubscriptionRow> for super::SubscriptionRecord {
    fn from(r: SubscriptionRow) -> Self {
        super::SubscriptionRecord {
            id: r.id,
            public_id: r.public_id,
            organisation_id: r.organisation_id,
            environment: env_of(&r.environment),
            url: r.url,
            patterns: r.patterns.split_whitespace().map(str::to_owned).collect(),
            secret_enc: r.secret,
            previous_secret_enc: r.previous_secret,
            previous_until_ms: r.previous_until,
            active: r.active,
            disabled_reason: r.disabled_reason,
            created_at_ms: r.created_at,
        }
    }
}

pub(super) const DELIVERY_SELECT: &str = "SELECT d.id, d.msg_id, d.event_type, d.status, d.attempts, \
     d.next_attempt_at, d.created_at, d.payload, \
     (SELECT w.response_status FROM webhook_attempts w WHERE w.delivery_id = d.id ORDER BY w.id DESC LIMIT 1) AS last_status, \
     (SELECT w.error FROM webhook_attempts w WHERE w.delivery_id = d.id ORDER BY w.id DESC LIMIT 1) AS last_error, \
     (SELECT w.duration_ms FROM webhook_attempts w WHERE w.delivery_id = d.id ORDER BY w.id DESC LIMIT 1) AS last_duration \
     FROM webhook_deliveries d";

#[derive(sqlx::FromRow)]
pub(super) struct DeliveryRow {
    pub id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub payload: String,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_duration: Option<i64>,
}

impl DeliveryRow {
    pub fn split(self) -> (DeliveryView, String) {
        let status = DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Pending);
        (
            DeliveryView {
                id: self.id,
                msg_id: self.msg_id,
                event_type: self.event_type,
                status,
                attempts: self.attempts,
                next_attempt_at_ms: (status == DeliveryStatus::Pending).then_some(self.next_attempt_at),
                created_at_ms: self.created_at,
                last_response_status: self.last_status,
                last_error: self.last_error,
                last_duration_ms: self.last_duration,
            },
            self.payload,
        )
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TrafficRow {
    pub environment: String,
    pub hour: i64,
    pub requests: i64,
    pub errors: i64,
    pub client_errors: i64,
    pub latency_sum_us: i64,
    pub latency_max_us: i64,
    pub fast: i64,
    pub lat_0: i64,
    pub lat_1: i64,
    pub lat_2: i64,
    pub lat_3: i64,
    pub lat_4: i64,
    pub lat_5: i64,
    pub lat_6: i64,
}

/// Emits `impl IntegrationStore for $store`.
macro_rules! integration_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl IntegrationStore for $store {
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
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn register_agent(&self, agent: NewAgent, limit: Option<i64>) -> StoreResult<AgentView> {
                let mut tx = self.begin_write().await?;
                if let Some(sql) = Self::ORG_LOCK {
                    sqlx::query(sql).bind(agent.organisation_id).execute(&mut *tx).await?;
                }
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

            async fn agents(&self, organisation_id: i64, env: Environment) -> StoreResult<Vec<AgentView>> {
                let rows: Vec<AgentRow> = sqlx::query_as(&format!(
                    "{AGENT_SELECT} WHERE a.organisation_id = $1 AND a.environment = $2 ORDER BY a.id DESC"
                ))
                .bind(organisation_id)
                .bind(env.key())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn agent_count(&self, organisation_id: i64, env: Environment) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM agents WHERE organisation_id = $1 AND environment = $2")
                    .bind(organisation_id)
                    .bind(env.key())
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn agent(
                &self,
                organisation_id: i64,
                env: Environment,
                public_id: &str,
            ) -> StoreResult<Option<AgentView>> {
                let row: Option<AgentRow> = sqlx::query_as(&format!(
                    "{AGENT_SELECT} WHERE a.organisation_id = $1 AND a.environment = $2 AND a.public_id = $3"
                ))
                .bind(organisation_id)
                .bind(env.key())
                .bind(public_id)
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
                    .map(|(event_id, outcome, before, after, at)| TrustChange {
                        event_id,
                        outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Success),
                        score_before: before,
                        score_after: after,
                        at_ms: at,
                    })
                    .collect())
            }

            async fn customer_agents(&self, customer_user_id: i64) -> StoreResult<Vec<AgentView>> {
                let rows: Vec<AgentRow> = sqlx::query_as(&format!(
                    "{AGENT_SELECT} WHERE a.customer_user_id = $1 ORDER BY a.name, a.id"
                ))
                .bind(customer_user_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn record_events(&self, batch: EventBatch) -> StoreResult<EventsOutcome> {
                let mut tx = self.begin_write().await?;
                if let Some(sql) = Self::ORG_LOCK {
                    sqlx::query(sql).bind(batch.organisation_id).execute(&mut *tx).await?;
                }
                let org = batch.organisation_id;
                let env = batch.environment.key();
                let now = ms(batch.now);
                let first_sandbox_event = batch.environment == Environment::Sandbox
                    && sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sandbox_usage WHERE organisation_id = $1")
                        .bind(org)
                        .fetch_one(&mut *tx)
                        .await?
                        == 0;
                // Which events are new: not stored before, and not repeated
                // earlier in this batch.
                let mut results: Vec<Option<EventResult>> = Vec::with_capacity(batch.events.len());
                let mut fresh = 0i64;
                for (i, e) in batch.events.iter().enumerate() {
                    let seen: Option<(i64, String)> = sqlx::query_as(
                        "SELECT e.score_after, a.public_id FROM agent_events e JOIN agents a ON a.id = e.agent_id \
                         WHERE e.organisation_id = $1 AND e.environment = $2 AND e.event_id = $3",
                    )
                    .bind(org)
                    .bind(env)
                    .bind(&e.event_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let repeated = batch.events[..i].iter().any(|p| p.event_id == e.event_id);
                    match seen {
                        Some((score, agent_id)) => results.push(Some(EventResult {
                            event_id: e.event_id.clone(),
                            agent_id,
                            applied: false,
                            trust_score: score,
                        })),
                        None if repeated => results.push(None),
                        None => {
                            fresh += 1;
                            results.push(None);
                        }
                    }
                }
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
                let mut out = Vec::with_capacity(results.len());
                for (e, done) in batch.events.iter().zip(results) {
                    if let Some(r) = done {
                        out.push(r);
                        continue;
                    }
                    if let Some(prev) = out.iter().find(|r: &&EventResult| r.event_id == e.event_id) {
                        let again = EventResult { applied: false, ..prev.clone() };
                        out.push(again);
                        continue;
                    }
                    let agent: Option<(i64, i64)> = sqlx::query_as(
                        "SELECT id, trust_score FROM agents WHERE organisation_id = $1 AND environment = $2 \
                         AND public_id = $3",
                    )
                    .bind(org)
                    .bind(env)
                    .bind(&e.agent_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((agent_pk, before)) = agent else { return Err(StoreError::NotFound) };
                    let after = apply_outcome(before, e.outcome);
                    sqlx::query("UPDATE agents SET trust_score = $1, events = events + 1, updated_at = $2 WHERE id = $3")
                        .bind(after)
                        .bind(now)
                        .bind(agent_pk)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO agent_events (agent_id, organisation_id, environment, event_id, outcome, \
                         score_before, score_after, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(agent_pk)
                    .bind(org)
                    .bind(env)
                    .bind(&e.event_id)
                    .bind(e.outcome.key())
                    .bind(before)
                    .bind(after)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if after != before {
                        let payload = serde_json::json!({
                            "agent_id": e.agent_id,
                            "environment": env,
                            "previous_score": before,
                            "score": after,
                            "outcome": e.outcome.key(),
                            "event_id": e.event_id,
                        });
                        sqlx::query(
                            "INSERT INTO event_log (brand_id, organisation_id, event_type, payload, created_at, environment) \
                             VALUES ($1, $2, 'trust.score_changed', $3, $4, $5)",
                        )
                        .bind(batch.brand_id)
                        .bind(org)
                        .bind(payload.to_string())
                        .bind(now)
                        .bind(env)
                        .execute(&mut *tx)
                        .await?;
                    }
                    out.push(EventResult {
                        event_id: e.event_id.clone(),
                        agent_id: e.agent_id.clone(),
                        applied: true,
                        trust_score: after,
                    });
                }
                tx.commit().await?;
                Ok(EventsOutcome { results: out, first_sandbox_event: first_sandbox_event && fresh > 0 })
            }

            async fn sandbox_events_on(&self, organisation_id: i64, day: i64) -> StoreResult<i64> {
                let n: Option<i64> =
                    sqlx::query_scalar("SELECT events FROM sandbox_usage WHERE organisation_id = $1 AND day = $2")
                        .bind(organisation_id)
                        .bind(day)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(n.unwrap_or(0))
            }

            async fn reset_sandbox(&self, week: i64) -> StoreResult<bool> {
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
                for sql in ["DELETE FROM agent_events WHERE environment = 'sandbox'", "DELETE FROM agents WHERE environment = 'sandbox'"] {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn record_api_request(&self, r: ApiRequestRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO api_requests (organisation_id, environment, key_id, method, route, status, latency_us, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(r.organisation_id)
                .bind(r.environment.key())
                .bind(r.key_id)
                .bind(&r.method)
                .bind(&r.route)
                .bind(i64::from(r.status))
                .bind(r.latency_us)
                .bind(ms(r.at))
                .execute(&mut *tx)
                .await?;
                // One statement per bucket column keeps the SQL plain; the
                // column name comes from a fixed list, never from input.
                let bucket = ["lat_0", "lat_1", "lat_2", "lat_3", "lat_4", "lat_5", "lat_6"][latency_bucket(r.latency_us)];
                sqlx::query(&format!(
                    "INSERT INTO api_traffic (organisation_id, environment, hour, requests, errors, client_errors, \
                     latency_sum_us, latency_max_us, fast, {bucket}) VALUES ($1, $2, $3, 1, $4, $5, $6, $6, $7, 1) \
                     ON CONFLICT (organisation_id, environment, hour) DO UPDATE SET \
                     requests = api_traffic.requests + 1, errors = api_traffic.errors + excluded.errors, \
                     client_errors = api_traffic.client_errors + excluded.client_errors, \
                     latency_sum_us = api_traffic.latency_sum_us + excluded.latency_sum_us, \
                     latency_max_us = CASE WHEN excluded.latency_max_us > api_traffic.latency_max_us \
                     THEN excluded.latency_max_us ELSE api_traffic.latency_max_us END, \
                     fast = api_traffic.fast + excluded.fast, {bucket} = api_traffic.{bucket} + 1"
                ))
                .bind(r.organisation_id)
                .bind(r.environment.key())
                .bind(ms(r.at).div_euclid(3_600_000))
                .bind(i64::from(r.status >= 500))
                .bind(i64::from((400..500).contains(&r.status)))
                .bind(r.latency_us)
                .bind(i64::from(r.latency_us < FAST_US))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn api_traffic(&self, organisation_id: i64, since: DateTime<Utc>) -> StoreResult<Vec<TrafficHour>> {
                let rows: Vec<TrafficRow> = sqlx::query_as(
                    "SELECT environment, hour, requests, errors, client_errors, latency_sum_us, latency_max_us, fast, \
                     lat_0, lat_1, lat_2, lat_3, lat_4, lat_5, lat_6 FROM api_traffic WHERE organisation_id = $1 AND hour >= $2 ORDER BY hour, environment",
                )
                .bind(organisation_id)
                .bind(ms(since).div_euclid(3_600_000))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| TrafficHour {
                        environment: env_of(&r.environment),
                        hour: r.hour,
                        requests: r.requests,
                        errors: r.errors,
                        client_errors: r.client_errors,
                        latency_sum_us: r.latency_sum_us,
                        latency_max_us: r.latency_max_us,
                        fast: r.fast,
                        latency_buckets: [r.lat_0, r.lat_1, r.lat_2, r.lat_3, r.lat_4, r.lat_5, r.lat_6],
                    })
                    .collect())
            }

            async fn recent_api_requests(&self, organisation_id: i64, limit: i64) -> StoreResult<Vec<RequestLogEntry>> {
                let rows: Vec<(String, String, i64, i64, i64, String)> = sqlx::query_as(
                    "SELECT method, route, status, latency_us, at, environment FROM api_requests \
                     WHERE organisation_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(organisation_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(method, route, status, latency_us, at_ms, env)| RequestLogEntry {
                        method,
                        route,
                        status,
                        latency_us,
                        at_ms,
                        environment: env_of(&env),
                    })
                    .collect())
            }

            async fn prune_api_log(&self, before: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM api_requests WHERE at < $1").bind(ms(before)).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(ms(before))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn begin_idempotent(
                &self,
                organisation_id: i64,
                env: Environment,
                key: &str,
                request_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<IdempotencyState> {
                let mut tx = self.begin_write().await?;
                let inserted = sqlx::query(
                    "INSERT INTO idempotency_keys (organisation_id, environment, idem_key, request_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id, environment, idem_key) DO NOTHING",
                )
                .bind(organisation_id)
                .bind(env.key())
                .bind(key)
                .bind(request_hash)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let state = if inserted == 1 {
                    IdempotencyState::New
                } else {
                    let (hash, status, response, created): (String, Option<i64>, Option<String>, i64) =
                        sqlx::query_as(
                            "SELECT request_hash, status, response, created_at FROM idempotency_keys \
                             WHERE organisation_id = $1 AND environment = $2 AND idem_key = $3",
                        )
                        .bind(organisation_id)
                        .bind(env.key())
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await?;
                    match (hash == request_hash, status, response) {
                        (false, _, _) => IdempotencyState::Mismatch,
                        (true, Some(status), Some(body)) => {
                            IdempotencyState::Replay { status: u16::try_from(status).unwrap_or(200), body }
                        }
                        // A first request that has had no answer for ten
                        // minutes died (requests time out long before): this
                        // one takes over.
                        (true, _, _) if created < ms(now) - 600_000 => {
                            sqlx::query(
                                "UPDATE idempotency_keys SET created_at = $1 WHERE organisation_id = $2 \
                                 AND environment = $3 AND idem_key = $4",
                            )
                            .bind(ms(now))
                            .bind(organisation_id)
                            .bind(env.key())
                            .bind(key)
                            .execute(&mut *tx)
                            .await?;
                            IdempotencyState::New
                        }
                        (true, _, _) => IdempotencyState::InProgress,
                    }
                };
                tx.commit().await?;
                Ok(state)
            }

            async fn finish_idempotent(
                &self,
                organisation_id: i64,
                env: Environment,
                key: &str,
                answer: Option<(u16, String)>,
            ) -> StoreResult<()> {
                match answer {
                    Some((status, body)) => {
                        sqlx::query(
                            "UPDATE idempotency_keys SET status = $1, response = $2 WHERE organisation_id = $3 \
                             AND environment = $4 AND idem_key = $5",
                        )
                        .bind(i64::from(status))
                        .bind(body)
                        .bind(organisation_id)
                        .bind(env.key())
                        .bind(key)
                        .execute(&self.pool)
                        .await?;
                    }
                    None => {
                        sqlx::query(
                            "DELETE FROM idempotency_keys WHERE organisation_id = $1 AND environment = $2 \
                             AND idem_key = $3",
                        )
                        .bind(organisation_id)
                        .bind(env.key())
                        .bind(key)
                        .execute(&self.pool)
                        .await?;
                    }
                }
                Ok(())
            }

            async fn create_subscription(
                &self,
                sub: NewSubscription,
                audit: NewAudit,
            ) -> StoreResult<SubscriptionRecord> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO webhook_subscriptions (public_id, brand_id, organisation_id, environment, url, \
                     patterns, secret, active, created_at, since_event) VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, \
                     (SELECT COALESCE(MAX(id), 0) FROM event_log)) RETURNING id",
                )
                .bind(&sub.public_id)
                .bind(sub.brand_id)
                .bind(sub.organisation_id)
                .bind(sub.environment.key())
                .bind(&sub.url)
                .bind(sub.patterns.join(" "))
                .bind(&sub.secret_enc)
                .bind(ms(sub.now))
                .fetch_one(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                let row: SubscriptionRow = sqlx::query_as(&format!("{SUBSCRIPTION_SELECT} WHERE id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn subscriptions(&self, organisation_id: i64) -> StoreResult<Vec<SubscriptionRecord>> {
                let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
                    "{SUBSCRIPTION_SELECT} WHERE organisation_id = $1 AND deleted_at IS NULL ORDER BY id"
                ))
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn subscription(
                &self,
                organisation_id: i64,
                public_id: &str,
            ) -> StoreResult<Option<SubscriptionRecord>> {
                let row: Option<SubscriptionRow> = sqlx::query_as(&format!(
                    "{SUBSCRIPTION_SELECT} WHERE organisation_id = $1 AND public_id = $2 AND deleted_at IS NULL"
                ))
                .bind(organisation_id)
                .bind(public_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn subscription_by_id(&self, id: i64) -> StoreResult<Option<SubscriptionRecord>> {
                let row: Option<SubscriptionRow> = sqlx::query_as(&format!("{SUBSCRIPTION_SELECT} WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn delete_subscription(&self, id: i64, now: DateTime<Utc>, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE webhook_subscriptions SET deleted_at = $1, active = FALSE WHERE id = $2 AND deleted_at IS NULL",
                )
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::NotFound);
                }
                Self::cancel_pending(&mut tx, id, ms(now)).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn rotate_subscription_secret(
                &self,
                id: i64,
                secret_enc: &str,
                previous_until: DateTime<Utc>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                // While a previous secret still signs, a second rotation would
                // end it early; it waits.
                let done = sqlx::query(
                    "UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = $1, secret = $2 \
                     WHERE id = $3 AND deleted_at IS NULL AND (previous_until IS NULL OR previous_until <= $4)",
                )
                .bind(ms(previous_until))
                .bind(secret_enc)
                .bind(id)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::Conflict(
                        "The previous secret is still in its grace period; rotate again once it ends.",
                    ));
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_subscription_active(&self, id: i64, active: bool, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE webhook_subscriptions SET active = $1, disabled_reason = NULL WHERE id = $2 \
                     AND deleted_at IS NULL",
                )
                .bind(active)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if !active {
                    Self::cancel_pending(&mut tx, id, ms(audit.at)).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn queue_delivery(
                &self,
                subscription_id: i64,
                event_log_id: Option<i64>,
                msg_id: &str,
                event_type: &str,
                payload: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = Self::insert_delivery(&mut tx, subscription_id, event_log_id, msg_id, event_type, payload, ms(now))
                    .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn fan_out(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<usize> {
                // Most passes find nothing: look before taking the write lock.
                let waiting: Option<i64> = sqlx::query_scalar("SELECT id FROM event_log WHERE fanned_out = FALSE LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
                if waiting.is_none() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                let events: Vec<(i64, Option<i64>, String, String, i64, Option<String>)> =
                    sqlx::query_as(Self::FAN_OUT_SELECT).bind(limit).fetch_all(&mut *tx).await?;
                if events.is_empty() {
                    return Ok(0);
                }
                let mut subs: std::collections::HashMap<i64, Vec<(i64, String, Vec<String>, i64)>> = Default::default();
                for (id, org, event_type, payload, at, env) in &events {
                    let Some(org) = org else { continue };
                    if !subs.contains_key(org) {
                        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
                            "SELECT id, environment, patterns, since_event FROM webhook_subscriptions \
                             WHERE organisation_id = $1 AND active AND deleted_at IS NULL",
                        )
                        .bind(org)
                        .fetch_all(&mut *tx)
                        .await?;
                        let parsed = rows
                            .into_iter()
                            .map(|(id, env, p, since)| (id, env, p.split_whitespace().map(str::to_owned).collect(), since))
                            .collect();
                        subs.insert(*org, parsed);
                    }
                    let data: serde_json::Value = serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
                    let body = envelope(event_type, *at, &data);
                    for (sub_id, sub_env, patterns, since) in &subs[org] {
                        // Agent events reach their own environment; program
                        // events (certification, statements, payouts) are
                        // production data. A subscription gets only events
                        // logged after it was made.
                        let env_ok = env.as_deref().unwrap_or("production") == sub_env;
                        let wanted = *id > *since && crate::domain::integration::subscription_takes(patterns, event_type);
                        if env_ok && wanted {
                            Self::insert_delivery(&mut tx, *sub_id, Some(*id), &message_id(*id), event_type, &body, ms(now))
                                .await?;
                        }
                    }
                }
                for (id, ..) in &events {
                    sqlx::query("UPDATE event_log SET fanned_out = TRUE WHERE id = $1").bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(events.len())
            }

            async fn claim_deliveries(
                &self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: i64,
            ) -> StoreResult<Vec<DueDelivery>> {
                let due: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                     AND (locked_until IS NULL OR locked_until <= $1) LIMIT 1",
                )
                .bind(ms(now))
                .fetch_optional(&self.pool)
                .await?;
                if due.is_none() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                let rows: Vec<(i64, i64, String, String, String, i64, i64)> = sqlx::query_as(Self::CLAIM_DELIVERIES)
                    .bind(ms(lease_until))
                    .bind(ms(now))
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, subscription_id, msg_id, event_type, payload, attempts, created)| DueDelivery {
                        id,
                        subscription_id,
                        msg_id,
                        event_type,
                        payload,
                        attempts,
                        created_at_ms: created,
                    })
                    .collect())
            }

            async fn finish_attempt(&self, a: AttemptRecord, next: AttemptNext) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms, response_status, error, \
                     response_body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(a.delivery_id)
                .bind(a.attempt)
                .bind(ms(a.at))
                .bind(a.duration_ms)
                .bind(a.response_status.map(i64::from))
                .bind(&a.error)
                .bind(&a.response_body)
                .execute(&mut *tx)
                .await?;
                let (status, next_at, finished) = match &next {
                    AttemptNext::Delivered => ("delivered", ms(a.at), Some(ms(a.at))),
                    AttemptNext::RetryAt(t) => ("pending", ms(*t), None),
                    AttemptNext::GiveUp | AttemptNext::Disable(_) => ("failed", ms(a.at), Some(ms(a.at))),
                };
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, finished_at = $4, \
                     locked_until = NULL WHERE id = $5 AND status = 'pending'",
                )
                .bind(status)
                .bind(a.attempt)
                .bind(next_at)
                .bind(finished)
                .bind(a.delivery_id)
                .execute(&mut *tx)
                .await?;
                if let AttemptNext::Disable(reason) = &next {
                    let sub: i64 = sqlx::query_scalar("SELECT subscription_id FROM webhook_deliveries WHERE id = $1")
                        .bind(a.delivery_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE webhook_subscriptions SET active = FALSE, disabled_reason = $1 WHERE id = $2")
                        .bind(reason)
                        .bind(sub)
                        .execute(&mut *tx)
                        .await?;
                    Self::cancel_pending(&mut tx, sub, ms(a.at)).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn deliveries(&self, subscription_id: i64, limit: i64) -> StoreResult<Vec<(DeliveryView, String)>> {
                let rows: Vec<DeliveryRow> =
                    sqlx::query_as(&format!("{DELIVERY_SELECT} WHERE d.subscription_id = $1 ORDER BY d.id DESC LIMIT $2"))
                        .bind(subscription_id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(DeliveryRow::split).collect())
            }

            async fn delivery(&self, subscription_id: i64, id: i64) -> StoreResult<Option<(DeliveryView, String)>> {
                let row: Option<DeliveryRow> =
                    sqlx::query_as(&format!("{DELIVERY_SELECT} WHERE d.subscription_id = $1 AND d.id = $2"))
                        .bind(subscription_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(DeliveryRow::split))
            }

            async fn attempts(&self, delivery_id: i64) -> StoreResult<Vec<AttemptView>> {
                let rows: Vec<(i64, i64, i64, Option<i64>, Option<String>, Option<String>)> = sqlx::query_as(
                    "SELECT attempt, at, duration_ms, response_status, error, response_body FROM webhook_attempts \
                     WHERE delivery_id = $1 ORDER BY id",
                )
                .bind(delivery_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(attempt, at_ms, duration_ms, response_status, error, response_body)| AttemptView {
                        attempt,
                        at_ms,
                        duration_ms,
                        response_status,
                        error,
                        response_body,
                    })
                    .collect())
            }

            async fn webhook_attempt_counts(
                &self,
                organisation_id: i64,
                since: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<(i64, i64)> {
                Ok(sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN w.response_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END), 0) \
                     AS BIGINT), COUNT(*) FROM webhook_attempts w JOIN webhook_deliveries d ON d.id = w.delivery_id \
                     WHERE d.organisation_id = $1 AND w.at >= $2 AND w.at < $3",
                )
                .bind(organisation_id)
                .bind(ms(since))
                .bind(ms(until))
                .fetch_one(&self.pool)
                .await?)
            }
        }

        impl $store {
            /// Ends a subscription's pending deliveries (it was deleted or disabled).
            async fn cancel_pending(tx: &mut sqlx::Transaction<'_, $db>, subscription_id: i64, at: i64) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'cancelled', finished_at = $1 \
                     WHERE subscription_id = $2 AND status = 'pending'",
                )
                .bind(at)
                .bind(subscription_id)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

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

            async fn insert_delivery(
                tx: &mut sqlx::Transaction<'_, $db>,
                subscription_id: i64,
                event_log_id: Option<i64>,
                msg_id: &str,
                event_type: &str,
                payload: &str,
                now: i64,
            ) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO webhook_deliveries (subscription_id, organisation_id, event_log_id, msg_id, event_type, \
                     payload, status, attempts, next_attempt_at, created_at) \
                     SELECT id, organisation_id, $1, $2, $3, $4, 'pending', 0, $5, $5 FROM webhook_subscriptions \
                     WHERE id = $6 RETURNING id",
                )
                .bind(event_log_id)
                .bind(msg_id)
                .bind(event_type)
                .bind(payload)
                .bind(now)
                .bind(subscription_id)
                .fetch_one(&mut **tx)
                .await?)
            }
        }
    };
}
