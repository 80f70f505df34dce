//! SQL for webhook subscriptions and deliveries, shared by both engines
//! through `webhook_store!`. Each engine supplies `FAN_OUT_SELECT` (the events
//! not yet fanned out, skipping rows another instance holds on PostgreSQL)
//! and `CLAIM_DELIVERIES`.

use super::common::*;
use super::keys::env_of;
pub(super) use crate::domain::integration::{AttemptView, DeliveryStatus, DeliveryView, Environment};
pub(super) use crate::domain::webhook::{envelope, message_id};

/// The claim shared by both engines, around each one's way of locking the
/// candidates (`{lock}`): the 2,000 oldest due (a person's requests first),
/// numbered per subscription, kept while the subscription's leases in
/// flight plus its number stay within `$4`; a person's request always goes.
macro_rules! claim_deliveries_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE webhook_deliveries SET locked_until = $1 WHERE id IN (\
             SELECT r.id FROM (\
               SELECT c.id, c.priority, c.next_attempt_at, c.subscription_id, \
                 ROW_NUMBER() OVER (PARTITION BY c.subscription_id ORDER BY c.priority DESC, c.next_attempt_at, c.id) \
                   AS n \
               FROM (SELECT id, priority, next_attempt_at, subscription_id FROM webhook_deliveries \
                     WHERE status = 'pending' AND next_attempt_at <= $2 \
                       AND (locked_until IS NULL OR locked_until <= $2) \
                     ORDER BY priority DESC, next_attempt_at, id LIMIT 2000 ",
            $lock,
            ") c) r \
             LEFT JOIN (SELECT subscription_id, COUNT(*) AS busy FROM webhook_deliveries \
                        WHERE status = 'pending' AND locked_until > $2 GROUP BY subscription_id) b \
               ON b.subscription_id = r.subscription_id \
             WHERE r.priority > 0 OR r.n + COALESCE(b.busy, 0) <= $4 \
             ORDER BY r.priority DESC, r.next_attempt_at, r.id LIMIT $3) \
             RETURNING id, subscription_id, msg_id, event_type, payload, attempts, created_at"
        )
    };
}

#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub public_id: String,
    pub url: String,
    pub patterns: Vec<String>,
    pub secret_enc: String,
    pub now: DateTime<Utc>,
}

/// A stored subscription; its secrets still encrypted.
#[derive(Debug, Clone)]
pub struct SubscriptionRecord {
    pub id: i64,
    pub public_id: String,
    pub organisation_id: i64,
    pub environment: Environment,
    pub url: String,
    pub patterns: Vec<String>,
    pub secret_enc: String,
    pub previous_secret_enc: Option<String>,
    pub previous_until_ms: Option<i64>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at_ms: i64,
}

/// A delivery claimed for an attempt.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub subscription_id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub created_at_ms: i64,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: i64,
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub duration_ms: i64,
    pub response_status: Option<u16>,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptNext {
    Delivered,
    RetryAt(DateTime<Utc>),
    /// The schedule is spent.
    GiveUp,
    /// The receiver answered 410 Gone: stop and disable the subscription.
    Disable(String),
}

/// Webhook subscriptions, fan-out from the event log, and deliveries.
#[async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    async fn create_subscription(&self, sub: NewSubscription, audit: NewAudit) -> StoreResult<SubscriptionRecord>;
    async fn subscriptions(&self, org: OrgRef) -> StoreResult<Vec<SubscriptionRecord>>;
    async fn subscription(&self, org: OrgRef, public_id: &str) -> StoreResult<Option<SubscriptionRecord>>;
    async fn subscription_by_id(&self, id: i64) -> StoreResult<Option<SubscriptionRecord>>;
    /// Deletes a subscription and cancels its pending deliveries.
    async fn delete_subscription(&self, id: i64, now: DateTime<Utc>, audit: NewAudit) -> StoreResult<()>;
    /// Swaps in a new secret; the old one also signs until `previous_until`.
    async fn rotate_subscription_secret(
        &self,
        id: i64,
        secret_enc: &str,
        previous_until: DateTime<Utc>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn set_subscription_active(&self, id: i64, active: bool, audit: NewAudit) -> StoreResult<()>;
    /// Queues one delivery a person asked for (a test, or a replay of an
    /// earlier one): it goes before any backlog, since someone is watching.
    async fn queue_delivery(
        &self,
        subscription_id: i64,
        event_log_id: Option<i64>,
        msg_id: &str,
        event_type: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Turns `event_log` rows not yet fanned out into deliveries for the
    /// subscriptions that take them, marking them in the same transaction.
    /// Returns how many events it read.
    async fn fan_out(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<usize>;
    /// Claims due deliveries until `lease_until` (several instances never
    /// claim the same one): deliveries a person asked for first, then the
    /// oldest due, but never more than `per_receiver` leased at once to one
    /// subscription (counting every instance's leases), so one slow
    /// receiver cannot take every attempt slot.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
        per_receiver: i64,
    ) -> StoreResult<Vec<DueDelivery>>;
    async fn finish_attempt(&self, attempt: AttemptRecord, next: AttemptNext) -> StoreResult<()>;
    /// Newest first, with the last attempt's response status and error, and
    /// each delivery's body.
    /// Newest first, `limit` with ids below `before`; only failed ones
    /// (given up, or waiting for a retry) when `failed_only`.
    async fn deliveries(
        &self,
        subscription_id: i64,
        before: i64,
        failed_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<(DeliveryView, String)>>;
    async fn delivery(&self, subscription_id: i64, id: i64) -> StoreResult<Option<(DeliveryView, String)>>;
    async fn attempts(&self, delivery_id: i64) -> StoreResult<Vec<AttemptView>>;
    /// Delivery attempts to a partner's receivers from `since` until
    /// before `until`: (answered 2xx, all).
    async fn webhook_attempt_counts(
        &self,
        organisation_id: i64,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<(i64, i64)>;
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

impl From<SubscriptionRow> for SubscriptionRecord {
    fn from(r: SubscriptionRow) -> Self {
        SubscriptionRecord {
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
    (SELECT w.response_status FROM webhook_attempts w WHERE w.delivery_id = d.id ORDER BY w.id DESC LIMIT 1) AS \
     last_status, \
     (SELECT w.error FROM webhook_attempts w WHERE w.delivery_id = d.id ORDER BY w.id DESC LIMIT 1) AS last_error, \
    (SELECT w.duration_ms FROM webhook_attempts w WHERE w.delivery_id = d.id ORDER BY w.id DESC LIMIT 1) AS \
     last_duration \
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

/// Emits `impl WebhookStore for $store`.
macro_rules! webhook_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl WebhookStore for $store {
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

            async fn subscriptions(&self, org: OrgRef) -> StoreResult<Vec<SubscriptionRecord>> {
                let organisation_id = org.id();
                let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
                    "{SUBSCRIPTION_SELECT} WHERE organisation_id = $1 AND brand_id = $2 AND deleted_at IS NULL \
                     ORDER BY id"
                ))
                .bind(organisation_id)
                .bind(org.brand_id())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn subscription(
                &self,
                org: OrgRef,
                public_id: &str,
            ) -> StoreResult<Option<SubscriptionRecord>> {
                let organisation_id = org.id();
                let row: Option<SubscriptionRow> = sqlx::query_as(&format!(
                    "{SUBSCRIPTION_SELECT} WHERE organisation_id = $1 AND public_id = $2 AND brand_id = $3 \
                     AND deleted_at IS NULL"
                ))
                .bind(organisation_id)
                .bind(public_id)
                .bind(org.brand_id())
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
                    "UPDATE webhook_subscriptions SET deleted_at = $1, active = FALSE WHERE id = $2 AND deleted_at IS \
                     NULL",
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
                let message = (msg_id, event_type, payload);
                let id = Self::insert_delivery(&mut tx, subscription_id, event_log_id, message, ms(now), 1).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn fan_out(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<usize> {
                // Most passes find nothing: look before taking the write lock.
                let waiting: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM event_log WHERE fanned_out = FALSE LIMIT 1")
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
                            .map(|(id, env, p, since)| {
                                (id, env, p.split_whitespace().map(str::to_owned).collect(), since)
                            })
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
                        let wanted =
                            *id > *since && crate::domain::integration::subscription_takes(patterns, event_type);
                        if env_ok && wanted {
                            Self::insert_delivery(
                                &mut tx,
                                *sub_id,
                                Some(*id),
                                (&message_id(*id), event_type, &body),
                                ms(now),
                                0,
                            )
                            .await?;
                        }
                    }
                }
                for (id, ..) in &events {
                    sqlx::query("UPDATE event_log SET fanned_out = TRUE WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(events.len())
            }

            async fn claim_deliveries(
                &self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: i64,
                per_receiver: i64,
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
                    .bind(per_receiver)
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

            async fn deliveries(
                &self,
                subscription_id: i64,
                before: i64,
                failed_only: bool,
                limit: i64,
            ) -> StoreResult<Vec<(DeliveryView, String)>> {
                let failed = if failed_only {
                    " AND (d.status = 'failed' OR (d.status = 'pending' AND d.attempts > 0))"
                } else {
                    ""
                };
                let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
                    "{DELIVERY_SELECT} WHERE d.subscription_id = $1 AND d.id < $2{failed} ORDER BY d.id DESC LIMIT $3"
                ))
                .bind(subscription_id)
                .bind(before)
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
            async fn cancel_pending(
                tx: &mut sqlx::Transaction<'_, $db>,
                subscription_id: i64,
                at: i64,
            ) -> StoreResult<()> {
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

            async fn insert_delivery(
                tx: &mut sqlx::Transaction<'_, $db>,
                subscription_id: i64,
                event_log_id: Option<i64>,
                (msg_id, event_type, payload): (&str, &str, &str),
                now: i64,
                priority: i64,
            ) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO webhook_deliveries (subscription_id, organisation_id, event_log_id, msg_id, \
                     event_type, payload, status, attempts, next_attempt_at, created_at, priority) \
                     SELECT id, organisation_id, $1, $2, $3, $4, 'pending', 0, $5, $5, $7 FROM webhook_subscriptions \
                     WHERE id = $6 RETURNING id",
                )
                .bind(event_log_id)
                .bind(msg_id)
                .bind(event_type)
                .bind(payload)
                .bind(now)
                .bind(subscription_id)
                .bind(priority)
                .fetch_one(&mut **tx)
                .await?)
            }
        }
    };
}
