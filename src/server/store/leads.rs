//! SQL for customer referrals and their leads, shared by both engines
//! through `lead_store!`. Every step is an `UPDATE` guarded by the lead's
//! version and status, so of two people acting at once the second finds
//! nothing to change and is told so.

use super::common::*;
pub use crate::domain::leads::{Lead, LeadStatus, Referral};

#[async_trait]
pub trait LeadStore: Send + Sync + 'static {
    /// Stores a visitor's request as a lead: offered to `organisation_id`
    /// until `respond_by`, or with the managers when `None`. The emails (the
    /// partner's owners, the visitor) go in the same transaction.
    #[allow(clippy::too_many_arguments)]
    async fn create_lead(
        &self,
        brand_id: i64,
        organisation_id: Option<i64>,
        referral: &Referral,
        respond_by: Option<i64>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn lead(&self, brand_id: i64, id: i64) -> StoreResult<Option<Lead>>;
    /// A partner's leads (those offered to it or taken), newest first.
    async fn partner_leads(&self, brand_id: i64, organisation_id: i64, limit: i64) -> StoreResult<Vec<Lead>>;
    /// Every lead of the program, those with the managers first, then the
    /// newest.
    async fn program_leads(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<Lead>>;
    /// Moves lead `id` from `from` (at `version`) to `change.to`; `Conflict`
    /// if someone moved it first.
    async fn move_lead(
        &self,
        brand_id: i64,
        change: LeadMove<'_>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Hands back to the managers every lead offered and not answered by
    /// `now`; returns the ids, for their emails and audit.
    async fn return_overdue_leads(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, i64, i64)>>;
}

/// One step of a lead.
#[derive(Debug, Clone)]
pub struct LeadMove<'a> {
    pub id: i64,
    pub version: i64,
    pub from: LeadStatus,
    pub to: LeadStatus,
    /// The partner it is offered to or held by afterwards.
    pub organisation_id: Option<i64>,
    pub respond_by: Option<i64>,
    pub note: Option<&'a str>,
}

pub(super) const LEAD_COLUMNS: &str = "l.id, l.status, l.organisation_id, o.name, l.company, l.name, l.email, \
     l.country, l.need, l.created_at, l.respond_by, l.version, l.note";

pub(super) type LeadRow = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    Option<String>,
);

pub(super) fn lead_of(r: LeadRow) -> Lead {
    let (id, status, organisation_id, organisation, company, name, email, country, need, created, respond_by, v, note) =
        r;
    Lead {
        id,
        status: LeadStatus::parse(&status).unwrap_or(LeadStatus::Returned),
        organisation_id,
        organisation,
        company,
        name,
        email,
        country,
        need,
        created_at_ms: created,
        respond_by_ms: respond_by,
        version: v,
        note,
    }
}

/// The webhook payload of a lead event: what the partner needs to find the
/// lead, without the visitor's name or address (those stay behind sign-in).
pub(super) fn lead_event(
    id: i64,
    status: &str,
    previous: Option<&str>,
    company: &str,
    country: &str,
    at: i64,
) -> serde_json::Value {
    serde_json::json!({
        "lead_id": id,
        "status": status,
        "previous_status": previous,
        "company": company,
        "country": country,
        "at": at,
    })
}

/// Emits `impl LeadStore for $store`.
macro_rules! lead_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl LeadStore for $store {
            async fn create_lead(
                &self,
                brand_id: i64,
                organisation_id: Option<i64>,
                r: &Referral,
                respond_by: Option<i64>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let now = ms(audit.at);
                let status = if organisation_id.is_some() { "offered" } else { "returned" };
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO leads (brand_id, organisation_id, status, company, name, email, country, need, \
                     consented_at, created_at, respond_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $9) RETURNING id",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .bind(status)
                .bind(&r.company)
                .bind(&r.name)
                .bind(&r.email)
                .bind(&r.country)
                .bind(&r.need)
                .bind(now)
                .bind(respond_by)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(org) = organisation_id {
                    let payload =
                        $crate::server::store::leads::lead_event(id, status, None, &r.company, &r.country, now);
                    Self::insert_program_event(&mut tx, brand_id, org, "lead.offered", payload, now).await?;
                }
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                let mut audit = audit;
                audit.subject = format!("lead:{id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn lead(&self, brand_id: i64, id: i64) -> StoreResult<Option<Lead>> {
                use $crate::server::store::leads::{lead_of, LeadRow, LEAD_COLUMNS};
                let row: Option<LeadRow> = sqlx::query_as(&format!(
                    "SELECT {LEAD_COLUMNS} FROM leads l LEFT JOIN organisations o ON o.id = l.organisation_id \
                     WHERE l.brand_id = $1 AND l.id = $2"
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(lead_of))
            }

            async fn partner_leads(&self, brand_id: i64, organisation_id: i64, limit: i64) -> StoreResult<Vec<Lead>> {
                use $crate::server::store::leads::{lead_of, LeadRow, LEAD_COLUMNS};
                let rows: Vec<LeadRow> = sqlx::query_as(&format!(
                    "SELECT {LEAD_COLUMNS} FROM leads l LEFT JOIN organisations o ON o.id = l.organisation_id \
                     WHERE l.brand_id = $1 AND l.organisation_id = $2 AND l.status <> 'returned' \
                     ORDER BY l.created_at DESC, l.id DESC LIMIT $3"
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(lead_of).collect())
            }

            async fn program_leads(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<Lead>> {
                use $crate::server::store::leads::{lead_of, LeadRow, LEAD_COLUMNS};
                let rows: Vec<LeadRow> = sqlx::query_as(&format!(
                    "SELECT {LEAD_COLUMNS} FROM leads l LEFT JOIN organisations o ON o.id = l.organisation_id \
                     WHERE l.brand_id = $1 \
                     ORDER BY CASE WHEN l.status = 'returned' THEN 0 ELSE 1 END, l.created_at DESC, l.id DESC \
                     LIMIT $2"
                ))
                .bind(brand_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(lead_of).collect())
            }

            async fn move_lead(
                &self,
                brand_id: i64,
                c: LeadMove<'_>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE leads SET status = $4, organisation_id = $5, respond_by = $6, \
                     note = $7, version = version + 1, updated_at = $8, \
                     accepted_at = CASE WHEN $4 = 'accepted' THEN $8 ELSE accepted_at END \
                     WHERE brand_id = $1 AND id = $2 AND version = $3 AND status = $9",
                )
                .bind(brand_id)
                .bind(c.id)
                .bind(c.version)
                .bind(c.to.key())
                .bind(c.organisation_id)
                .bind(c.respond_by)
                .bind(c.note)
                .bind(now)
                .bind(c.from.key())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::Conflict("Someone changed this lead first. Reload to see it now."));
                }
                if let Some(org) = c.organisation_id {
                    let (company, country): (String, String) =
                        sqlx::query_as("SELECT company, country FROM leads WHERE id = $1")
                            .bind(c.id)
                            .fetch_one(&mut *tx)
                            .await?;
                    let to = c.to.key();
                    let payload =
                        $crate::server::store::leads::lead_event(c.id, to, Some(c.from.key()), &company, &country, now);
                    Self::insert_program_event(&mut tx, brand_id, org, &format!("lead.{to}"), payload, now).await?;
                }
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn return_overdue_leads(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, i64, i64)>> {
                let mut tx = self.begin_write().await?;
                let rows: Vec<(i64, i64, Option<i64>, String, String)> = sqlx::query_as(
                    "UPDATE leads SET status = 'returned', respond_by = NULL, \
                     note = 'Not accepted in time: back with the partner managers.', \
                     version = version + 1, updated_at = $1 \
                     WHERE status = 'offered' AND respond_by < $1 \
                     RETURNING id, brand_id, organisation_id, company, country",
                )
                .bind(ms(now))
                .fetch_all(&mut *tx)
                .await?;
                for (id, brand, org, company, country) in &rows {
                    let Some(org) = org else { continue };
                    let at = ms(now);
                    let payload = $crate::server::store::leads::lead_event(
                        *id,
                        "returned",
                        Some("offered"),
                        company,
                        country,
                        at,
                    );
                    Self::insert_program_event(&mut tx, *brand, *org, "lead.returned", payload, at).await?;
                }
                tx.commit().await?;
                let rows: Vec<(i64, i64, Option<i64>)> = rows.into_iter().map(|(id, b, o, ..)| (id, b, o)).collect();
                Ok(rows.into_iter().map(|(id, brand, org)| (id, brand, org.unwrap_or_default())).collect())
            }
        }
    };
}
