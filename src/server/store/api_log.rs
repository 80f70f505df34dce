//! SQL for the API request log (each call, and hourly rollups for the
//! traffic view) and idempotency keys, shared by both engines through
//! `api_log_store!`.

use super::common::*;
pub(super) use crate::domain::integration::{latency_bucket, Environment, RequestLogEntry, TrafficHour, FAST_US};

/// One API request for the request log.
#[derive(Debug, Clone)]
pub struct ApiRequestRecord {
    pub organisation_id: i64,
    pub environment: Environment,
    pub key_id: Option<i64>,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub latency_us: i64,
    pub at: DateTime<Utc>,
}

/// Where an idempotency key stands when a request arrives with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyState {
    /// First use: the request runs, then `finish_idempotent` keeps its answer.
    New,
    /// Seen with the same request: answer as before.
    Replay { status: u16, body: String },
    /// Seen with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

/// The API request log and idempotency keys.
#[async_trait]
pub trait ApiLogStore: Send + Sync + 'static {
    /// Logs a batch of calls and adds them to the hourly rollups, in one
    /// transaction.
    async fn record_api_requests(&self, batch: &[ApiRequestRecord]) -> StoreResult<()>;
    /// Hourly rollups since `since`, oldest first, both environments.
    async fn api_traffic(&self, org: OrgRef, since: DateTime<Utc>) -> StoreResult<Vec<TrafficHour>>;
    /// Newest first.
    async fn recent_api_requests(&self, org: OrgRef, limit: i64) -> StoreResult<Vec<RequestLogEntry>>;
    /// Forgets request-log rows and idempotency keys older than `before`.
    async fn prune_api_log(&self, before: DateTime<Utc>) -> StoreResult<()>;

    /// Takes `key` for a request, or says what became of it. A first request
    /// still without an answer after `abandoned_after` died (a crash): the
    /// new one takes over.
    async fn begin_idempotent(
        &self,
        org: OrgRef,
        env: Environment,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
        abandoned_after: chrono::Duration,
    ) -> StoreResult<IdempotencyState>;
    /// Keeps the answer; a `None` status forgets the key so it can be retried.
    async fn finish_idempotent(
        &self,
        org: OrgRef,
        env: Environment,
        key: &str,
        answer: Option<(u16, String)>,
    ) -> StoreResult<()>;
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

/// Emits `impl ApiLogStore for $store`.
macro_rules! api_log_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl ApiLogStore for $store {
            async fn record_api_requests(&self, batch: &[ApiRequestRecord]) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                for r in batch {
                sqlx::query(
                    "INSERT INTO api_requests (organisation_id, environment, key_id, method, route, status, \
                     latency_us, at) \
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
                let bucket =
                    ["lat_0", "lat_1", "lat_2", "lat_3", "lat_4", "lat_5", "lat_6"][latency_bucket(r.latency_us)];
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
                }
                tx.commit().await?;
                Ok(())
            }

            async fn api_traffic(&self, org: OrgRef, since: DateTime<Utc>) -> StoreResult<Vec<TrafficHour>> {
                let organisation_id = org.id();
                let rows: Vec<TrafficRow> = sqlx::query_as(
                    "SELECT environment, hour, requests, errors, client_errors, latency_sum_us, latency_max_us, fast, \
                    lat_0, lat_1, lat_2, lat_3, lat_4, lat_5, lat_6 FROM api_traffic WHERE organisation_id = $1 AND \
                     hour >= $2 ORDER BY hour, environment",
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

            async fn recent_api_requests(&self, org: OrgRef, limit: i64) -> StoreResult<Vec<RequestLogEntry>> {
                let organisation_id = org.id();
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
                org: OrgRef,
                env: Environment,
                key: &str,
                request_hash: &str,
                now: DateTime<Utc>,
                abandoned_after: chrono::Duration,
            ) -> StoreResult<IdempotencyState> {
                let organisation_id = org.id();
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
                    let (hash, status, response, created): (String, Option<i64>, Option<String>, i64) = sqlx::query_as(
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
                        // A first request with no answer past the time limit of
                        // requests died: this one takes over.
                        (true, _, _) if created < ms(now - abandoned_after) => {
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
                org: OrgRef,
                env: Environment,
                key: &str,
                answer: Option<(u16, String)>,
            ) -> StoreResult<()> {
                let organisation_id = org.id();
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
                        .execute(self.write_pool())
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
                        .execute(self.write_pool())
                        .await?;
                    }
                }
                Ok(())
            }
        }
    };
}
