//! SQL for certification, shared by both engines through `cert_store!`.

use super::common::*;
use super::partners::Actor;
pub(super) use crate::domain::certification::CertEvent;
pub(super) use crate::domain::onboarding::Binding as OnboardingBinding;

/// A partner's certification standing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertRecord {
    pub organisation_id: i64,
    pub organisation: String,
    pub state: CertState,
    pub interrupted: Option<CertState>,
    pub version: i64,
    pub certified_at_ms: Option<i64>,
    pub state_since_ms: i64,
}

/// A transition to store, as decided by the domain at `version`.
#[derive(Debug, Clone, Copy)]
pub struct TransitionWrite<'a> {
    pub organisation_id: i64,
    pub version: i64,
    pub transition: Transition,
    pub actor: &'a Actor,
    pub note: &'a str,
    pub evidence: &'a str,
}

#[async_trait]
pub trait CertStore: Send + Sync + 'static {
    async fn certification(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<CertRecord>>;
    async fn certification_history(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<TransitionRecord>>;
    /// Every partner's standing in the brand (for queues and the funnel).
    async fn certifications(&self, brand_id: i64) -> StoreResult<Vec<CertRecord>>;
    /// Applies a transition decided by the domain, if the partner is still at
    /// `version` in `transition.from`. In the same transaction: the timeline
    /// row, a `cert.state_changed` event, bound onboarding ticks, the audit
    /// row and the emails.
    async fn record_transition(
        &self,
        brand_id: i64,
        write: TransitionWrite<'_>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Partners in a recertifiable state certified at or before `cutoff`,
    /// across brands: (brand, organisation, version, state).
    async fn due_for_recertification(&self, cutoff: DateTime<Utc>) -> StoreResult<Vec<(i64, i64, i64, CertState)>>;
    /// Claims the 30-day reminder for partners certified at or before
    /// `cutoff`; returns (brand, organisation, owner emails) claimed now.
    async fn claim_recert_reminders(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, i64, Vec<String>)>>;
    async fn queue_email(&self, mail: OutgoingEmail, now: DateTime<Utc>) -> StoreResult<()>;
    /// Every stored transition of the brand, oldest first (for the funnel).
    async fn all_transitions(&self, brand_id: i64) -> StoreResult<Vec<(i64, TransitionRecord)>>;
}

#[derive(sqlx::FromRow)]
pub(super) struct CertRow {
    pub id: i64,
    pub name: String,
    pub certification_state: String,
    pub previous_state: Option<String>,
    pub version: i64,
    pub certified_at: Option<i64>,
    pub state_since: Option<i64>,
}

impl CertRow {
    pub fn into_record(self) -> StoreResult<CertRecord> {
        Ok(CertRecord {
            organisation_id: self.id,
            organisation: self.name,
            state: CertState::parse(&self.certification_state).ok_or_else(|| super::partners::corrupt("state"))?,
            interrupted: self.previous_state.as_deref().and_then(CertState::parse),
            version: self.version,
            certified_at_ms: self.certified_at,
            state_since_ms: self.state_since.unwrap_or_default(),
        })
    }
}

pub(super) const CERT_SELECT: &str =
    "SELECT id, name, certification_state, previous_state, version, certified_at, state_since FROM organisations";

#[derive(sqlx::FromRow)]
pub(super) struct TransitionRow {
    pub organisation_id: i64,
    pub from_state: String,
    pub to_state: String,
    pub event: String,
    pub actor: String,
    pub note: String,
    pub evidence: String,
    pub at: i64,
}

impl TransitionRow {
    pub fn into_record(self) -> StoreResult<(i64, TransitionRecord)> {
        let bad = || super::partners::corrupt("transition");
        Ok((
            self.organisation_id,
            TransitionRecord {
                from: CertState::parse(&self.from_state).ok_or_else(bad)?,
                to: CertState::parse(&self.to_state).ok_or_else(bad)?,
                event: CertEvent::parse(&self.event).ok_or_else(bad)?,
                actor: self.actor,
                note: self.note,
                evidence: self.evidence,
                at_ms: self.at,
            },
        ))
    }
}

pub(super) const RECERTIFIABLE_SQL: &str = "('certified', 'listed', 'featured', 'premier')";

/// Emits `impl CertStore for $store`.
macro_rules! cert_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn owner_emails(&self, organisation_id: i64) -> StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT email FROM users WHERE org_id = $1 AND org_role = 'owner' AND disabled_at IS NULL ORDER BY \
                     email",
                )
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?)
            }
        }

        #[async_trait]
        impl CertStore for $store {
            async fn certification(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<CertRecord>> {
                let row: Option<CertRow> = sqlx::query_as(&format!(
                    "{} WHERE brand_id = $1 AND id = $2",
                    $crate::server::store::certification::CERT_SELECT
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(CertRow::into_record).transpose()
            }

            async fn certification_history(
                &self,
                brand_id: i64,
                organisation_id: i64,
            ) -> StoreResult<Vec<TransitionRecord>> {
                let rows: Vec<TransitionRow> = sqlx::query_as(
                    "SELECT t.organisation_id, t.from_state, t.to_state, t.event, t.actor, t.note, t.evidence, t.at \
                     FROM cert_transitions t JOIN organisations o ON o.id = t.organisation_id \
                     WHERE o.brand_id = $1 AND t.organisation_id = $2 ORDER BY t.id",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(|r| r.into_record().map(|(_, t)| t)).collect()
            }

            async fn certifications(&self, brand_id: i64) -> StoreResult<Vec<CertRecord>> {
                let rows: Vec<CertRow> = sqlx::query_as(&format!(
                    "{} WHERE brand_id = $1 AND approved_at IS NOT NULL ORDER BY state_since, id",
                    $crate::server::store::certification::CERT_SELECT
                ))
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(CertRow::into_record).collect()
            }

            async fn record_transition(
                &self,
                brand_id: i64,
                write: TransitionWrite<'_>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let TransitionWrite { organisation_id, version, transition: t, actor, note, evidence } = write;
                let now = ms(audit.at);
                // Certification, and each passed recertification, restart the
                // twelve-month clock.
                let restarts_clock = (t.from == CertState::Review && t.to == CertState::Certified)
                    || t.event == CertEvent::RecertificationPassed;
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE organisations SET certification_state = $1, previous_state = $2, version = version + 1, \
                     state_since = $3, certified_at = CASE WHEN $4 THEN $3 ELSE certified_at END, \
                     recert_reminded_at = CASE WHEN $4 THEN NULL ELSE recert_reminded_at END \
                     WHERE id = $5 AND brand_id = $6 AND version = $7 AND certification_state = $8",
                )
                .bind(t.to.key())
                .bind(t.remember.map(|s| s.key()))
                .bind(now)
                .bind(restarts_clock)
                .bind(organisation_id)
                .bind(brand_id)
                .bind(version)
                .bind(t.from.key())
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::Conflict(
                        "The partner's certification changed since you looked. Reload and try again.",
                    ));
                }
                sqlx::query(
                    "INSERT INTO cert_transitions (organisation_id, from_state, to_state, event, actor_id, actor, \
                     note, \
                     evidence, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(organisation_id)
                .bind(t.from.key())
                .bind(t.to.key())
                .bind(t.event.key())
                .bind(actor.id)
                .bind(&actor.label)
                .bind(note)
                .bind(evidence)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let payload = serde_json::json!({
                    "organisation_id": organisation_id,
                    "previous_state": t.from.key(),
                    "state": t.to.key(),
                    "event": t.event.key(),
                    "at": now,
                });
                sqlx::query(
                    "INSERT INTO event_log (brand_id, organisation_id, event_type, payload, created_at) \
                     VALUES ($1, $2, 'cert.state_changed', $3, $4)",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .bind(payload.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let binding = match (t.from, t.to) {
                    (_, CertState::Review) => Some(OnboardingBinding::CertificationSubmitted),
                    (CertState::Review, CertState::Certified) => Some(OnboardingBinding::Certified),
                    _ => None,
                };
                if let Some(b) = binding {
                    use $crate::server::store::partners::PlanScope;
                    Self::take_lock(&mut tx, Self::PLAN_LOCK, organisation_id).await?;
                    Self::tally_plan(&mut tx, organisation_id, PlanScope::Binding(b.key()), -1).await?;
                    sqlx::query(
                        "UPDATE onboarding_items SET done_at = $1, done_by = 'system' \
                         WHERE organisation_id = $2 AND binding = $3 AND done_at IS NULL",
                    )
                    .bind(now)
                    .bind(organisation_id)
                    .bind(b.key())
                    .execute(&mut *tx)
                    .await?;
                    Self::tally_plan(&mut tx, organisation_id, PlanScope::Binding(b.key()), 1).await?;
                }
                if $crate::domain::ledger::BOUNTY_MILESTONES.contains(&t.to.key()) {
                    Self::award_bounty(&mut tx, brand_id, organisation_id, t.to.key(), now).await?;
                }
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn due_for_recertification(
                &self,
                cutoff: DateTime<Utc>,
            ) -> StoreResult<Vec<(i64, i64, i64, CertState)>> {
                let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
                    "SELECT brand_id, id, version, certification_state FROM organisations \
                     WHERE certification_state IN {} AND certified_at <= $1 ORDER BY id",
                    $crate::server::store::certification::RECERTIFIABLE_SQL
                ))
                .bind(ms(cutoff))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(|(b, id, v, s)| Some((b, id, v, CertState::parse(&s)?))).collect())
            }

            async fn claim_recert_reminders(
                &self,
                cutoff: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<(i64, i64, Vec<String>)>> {
                let mut tx = self.begin_write().await?;
                // One UPDATE claims each reminder once, whichever instance runs it.
                let claimed: Vec<(i64, i64)> = sqlx::query_as(&format!(
                    "UPDATE organisations SET recert_reminded_at = $1 WHERE certification_state IN {} \
                     AND certified_at <= $2 AND recert_reminded_at IS NULL RETURNING brand_id, id",
                    $crate::server::store::certification::RECERTIFIABLE_SQL
                ))
                .bind(ms(now))
                .bind(ms(cutoff))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut out = Vec::with_capacity(claimed.len());
                for (brand, org) in claimed {
                    out.push((brand, org, self.owner_emails(org).await?));
                }
                Ok(out)
            }

            async fn queue_email(&self, mail: OutgoingEmail, now: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::insert_email(&mut tx, &mail, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn all_transitions(&self, brand_id: i64) -> StoreResult<Vec<(i64, TransitionRecord)>> {
                let rows: Vec<TransitionRow> = sqlx::query_as(
                    "SELECT t.organisation_id, t.from_state, t.to_state, t.event, t.actor, t.note, t.evidence, t.at \
                     FROM cert_transitions t JOIN organisations o ON o.id = t.organisation_id \
                     WHERE o.brand_id = $1 ORDER BY t.id",
                )
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TransitionRow::into_record).collect()
            }
        }
    };
}
