//! SQL for deal registration, shared by both engines through `deal_store!`.
//! Every step is an `UPDATE` guarded by the deal's version and status, and
//! writes its `deal.*` event to `event_log` for webhook delivery in the
//! same transaction.

use super::common::*;
use crate::domain::deals::WonCustomer;
pub use crate::domain::deals::{Deal, DealStatus, Funnel, NewDeal, WonEvent};
use crate::domain::revenue::{Currency, Money};

#[async_trait]
pub trait DealStore: Send + Sync + 'static {
    /// Stores a registration, noting `conflict_with` (another partner's
    /// live deal on the same customer); the emails and a `deal.registered`
    /// event go in the same transaction.
    async fn create_deal(
        &self,
        brand_id: i64,
        organisation_id: i64,
        deal: &NewDeal,
        conflict_with: Option<i64>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn deal(&self, brand_id: i64, id: i64) -> StoreResult<Option<Deal>>;
    /// A partner's deals, newest first.
    async fn partner_deals(&self, brand_id: i64, organisation_id: i64, limit: i64) -> StoreResult<Vec<Deal>>;
    /// Every deal of the program: those waiting for a decision first (the
    /// oldest first), then the newest.
    async fn program_deals(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<Deal>>;
    /// The registered and approved deals of a brand on customer `domain` or
    /// company `company_key`: what a new claim is checked against.
    async fn claims_on(&self, brand_id: i64, domain: &str, company_key: &str) -> StoreResult<Vec<Deal>>;
    /// Moves deal `id` from `from` (at `version`) to `change.to`, writing
    /// `deal.<to>`; `Conflict` if someone moved it first.
    async fn move_deal(
        &self,
        brand_id: i64,
        change: DealMove<'_>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Approved deals whose window ends by `warn_until` and whose partner
    /// was not yet warned.
    async fn deals_to_warn(&self, now: DateTime<Utc>, warn_until: i64) -> StoreResult<Vec<(i64, Deal)>>;
    /// Notes that deal `id`'s partner was warned, with its emails; false if
    /// another instance did first.
    async fn mark_deal_warned(&self, id: i64, mails: Vec<OutgoingEmail>, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Ends every approved deal whose window closed by `now`; returns
    /// (deal, brand, partner) for the log.
    async fn expire_deals(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, i64, i64)>>;
    /// The customers of a brand's won deals, for revenue attribution.
    async fn won_customers(&self, brand_id: i64) -> StoreResult<Vec<WonCustomer>>;
    /// Revenue recorded for won deals' customers under their partner, per
    /// deal and currency (invoices less refunds); one partner's, or all.
    async fn won_revenue(&self, brand_id: i64, organisation_id: Option<i64>) -> StoreResult<Vec<(i64, Money)>>;
    /// The revenue events counted for one partner's won deals (newest
    /// first, at most `limit`): which invoices and refunds a deal brought.
    async fn won_events(&self, brand_id: i64, organisation_id: i64, limit: i64) -> StoreResult<Vec<WonEvent>>;
    /// The leads and deals of one partner, or of every partner, by stage,
    /// with the time to accept and the revenue won: the funnel.
    async fn funnels(&self, brand_id: i64, organisation_id: Option<i64>) -> StoreResult<Vec<Funnel>>;
}

/// One step of a deal.
#[derive(Debug, Clone)]
pub struct DealMove<'a> {
    pub id: i64,
    pub version: i64,
    pub from: DealStatus,
    pub to: DealStatus,
    pub protected_until: Option<i64>,
    pub note: Option<&'a str>,
    pub customer_ref: Option<&'a str>,
}

pub(super) const DEAL_COLUMNS: &str = "d.id, d.organisation_id, o.name, d.status, d.company, d.domain, \
     d.contact_name, d.contact_email, d.products, d.value_minor, d.currency, d.close_on, d.created_at, \
     d.protected_until, d.conflict_with, d.note, d.customer_ref, d.version";

pub(super) const DEAL_FROM: &str = "FROM deals d JOIN organisations o ON o.id = d.organisation_id";

/// The registered and approved deals of brand `$1` on domain `$2` or
/// company key `$3`: what a claim is checked against.
pub(super) const CLAIMS_WHERE: &str = "WHERE d.brand_id = $1 \
 AND d.status IN ('registered', 'approved') AND (d.domain = $2 OR d.company_key = $3) \
 ORDER BY d.created_at, d.id LIMIT 200";

/// The advisory lock key of a brand's deal approvals (PostgreSQL; SQLite
/// has one writer): below every organisation's key, which is its id.
pub(super) fn approvals_lock(brand_id: i64) -> i64 {
    -1_000_000 - brand_id
}

/// Revenue recorded for won deals' customers under their partner (invoices
/// less refunds) from the day each deal was registered, with `$1` the brand
/// and `$2` one partner or NULL for all; grouped by the caller.
pub(super) const WON_REVENUE: &str = "CAST(SUM(CASE WHEN e.kind = 'refund' THEN -e.amount_minor \
     ELSE e.amount_minor END) AS BIGINT) FROM deals d JOIN revenue_events e \
     ON e.brand_id = d.brand_id AND e.organisation_id = d.organisation_id \
     AND LOWER(e.customer) = LOWER(d.customer_ref) \
     AND e.occurred_at >= d.created_at - (d.created_at % 86400000) \
     WHERE d.brand_id = $1 AND d.status = 'won' AND ($2 IS NULL OR d.organisation_id = $2)";

/// The events `WON_REVENUE` sums, one by one, newest first, at most `$3`.
pub(super) fn won_events_sql() -> String {
    let from = WON_REVENUE.split_once(" FROM ").map(|(_, f)| f).unwrap_or_default();
    format!(
        "SELECT d.id, e.external_id, e.kind, e.amount_minor, e.currency, e.occurred_at FROM {from} \
         ORDER BY e.occurred_at DESC, e.id DESC LIMIT $3"
    )
}

pub(super) type DealRow = (
    (i64, i64, String, String, String, String, String, String, String),
    (i64, String, String, i64, Option<i64>, Option<i64>, Option<String>, Option<String>, i64),
);

pub(super) fn deal_of(r: DealRow) -> Deal {
    let ((id, org, organisation, status, company, domain, contact_name, contact_email, products), rest) = r;
    let (value_minor, currency, close_on, created, protected_until, conflict_with, note, customer_ref, version) = rest;
    let currency = Currency::parse(&currency).unwrap_or_else(|_| Currency::parse("USD").expect("USD is a currency"));
    Deal {
        id,
        organisation_id: org,
        organisation,
        status: DealStatus::parse(&status).unwrap_or(DealStatus::Registered),
        company,
        domain,
        contact_name,
        contact_email,
        products: products.lines().map(str::to_owned).collect(),
        value: Money::new(value_minor, currency),
        close_on,
        created_at_ms: created,
        protected_until_ms: protected_until,
        conflict_with,
        note,
        customer_ref,
        version,
    }
}

/// The webhook payload of a deal event: what the partner needs to match it
/// to its own records, without the customer's contact person.
pub(super) fn deal_event(d: &Deal, previous: Option<DealStatus>, at: i64) -> serde_json::Value {
    serde_json::json!({
        "deal_id": d.id,
        "organisation_id": d.organisation_id,
        "status": d.status.key(),
        "previous_status": previous.map(|p| p.key()),
        "company": d.company,
        "domain": d.domain,
        "products": d.products,
        "value_minor": d.value.minor,
        "currency": d.value.currency.code(),
        "protected_until": d.protected_until_ms,
        "at": at,
    })
}

/// Reads one deal row: the tuple is split in two because sqlx decodes
/// tuples of at most 16 columns.
macro_rules! read_deal {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        (
            (
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
                r.try_get(6)?,
                r.try_get(7)?,
                r.try_get(8)?,
            ),
            (
                r.try_get(9)?,
                r.try_get(10)?,
                r.try_get(11)?,
                r.try_get(12)?,
                r.try_get(13)?,
                r.try_get(14)?,
                r.try_get(15)?,
                r.try_get(16)?,
                r.try_get(17)?,
            ),
        )
    }};
}

/// Emits `impl DealStore for $store`.
macro_rules! deal_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Reads deal rows selected with `DEAL_COLUMNS`.
            fn deals_of(rows: &[<$db as sqlx::Database>::Row]) -> StoreResult<Vec<Deal>> {
                use $crate::server::store::deals::{deal_of, DealRow};
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let row: DealRow = read_deal!(r);
                    out.push(deal_of(row));
                }
                Ok(out)
            }

            async fn insert_deal_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                d: &Deal,
                previous: Option<DealStatus>,
                at: i64,
            ) -> StoreResult<()> {
                let payload = $crate::server::store::deals::deal_event(d, previous, at);
                let kind = format!("deal.{}", d.status.key());
                Self::insert_program_event(tx, brand_id, d.organisation_id, &kind, payload, at).await
            }

            async fn deal_in(tx: &mut sqlx::Transaction<'_, $db>, brand_id: i64, id: i64) -> StoreResult<Deal> {
                use $crate::server::store::deals::{DEAL_COLUMNS, DEAL_FROM};
                let sql = format!("SELECT {DEAL_COLUMNS} {DEAL_FROM} WHERE d.brand_id = $1 AND d.id = $2");
                let rows = sqlx::query(&sql).bind(brand_id).bind(id).fetch_all(&mut **tx).await?;
                Self::deals_of(&rows)?.into_iter().next().ok_or(StoreError::NotFound)
            }
        }

        #[async_trait]
        impl DealStore for $store {
            async fn create_deal(
                &self,
                brand_id: i64,
                organisation_id: i64,
                d: &NewDeal,
                conflict_with: Option<i64>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO deals (brand_id, organisation_id, status, company, company_key, domain, contact_name, \
                     contact_email, products, value_minor, currency, close_on, conflict_with, created_at, updated_at) \
                     VALUES ($1, $2, 'registered', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .bind(&d.company)
                .bind($crate::domain::deals::company_key(&d.company))
                .bind(&d.domain)
                .bind(&d.contact_name)
                .bind(&d.contact_email)
                .bind(d.products.join("\n"))
                .bind(d.value.minor)
                .bind(d.value.currency.code())
                .bind(&d.close_on)
                .bind(conflict_with)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let deal = Self::deal_in(&mut tx, brand_id, id).await?;
                Self::insert_deal_event(&mut tx, brand_id, &deal, None, now).await?;
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                let mut audit = audit;
                audit.subject = format!("deal:{id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn deal(&self, brand_id: i64, id: i64) -> StoreResult<Option<Deal>> {
                use $crate::server::store::deals::{DEAL_COLUMNS, DEAL_FROM};
                let sql = format!("SELECT {DEAL_COLUMNS} {DEAL_FROM} WHERE d.brand_id = $1 AND d.id = $2");
                let rows = sqlx::query(&sql).bind(brand_id).bind(id).fetch_all(&self.pool).await?;
                Ok(Self::deals_of(&rows)?.into_iter().next())
            }

            async fn partner_deals(&self, brand_id: i64, organisation_id: i64, limit: i64) -> StoreResult<Vec<Deal>> {
                use $crate::server::store::deals::{DEAL_COLUMNS, DEAL_FROM};
                let sql = format!(
                    "SELECT {DEAL_COLUMNS} {DEAL_FROM} WHERE d.brand_id = $1 AND d.organisation_id = $2 \
                     ORDER BY d.created_at DESC, d.id DESC LIMIT $3"
                );
                let q = sqlx::query(&sql).bind(brand_id).bind(organisation_id).bind(limit);
                Self::deals_of(&q.fetch_all(&self.pool).await?)
            }

            async fn program_deals(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<Deal>> {
                use $crate::server::store::deals::{DEAL_COLUMNS, DEAL_FROM};
                let sql = format!(
                    "SELECT {DEAL_COLUMNS} {DEAL_FROM} WHERE d.brand_id = $1 \
                     ORDER BY CASE WHEN d.status = 'registered' THEN 0 ELSE 1 END, \
                     CASE WHEN d.status = 'registered' THEN d.created_at ELSE -d.created_at END, d.id LIMIT $2"
                );
                Self::deals_of(&sqlx::query(&sql).bind(brand_id).bind(limit).fetch_all(&self.pool).await?)
            }

            async fn claims_on(&self, brand_id: i64, domain: &str, company_key: &str) -> StoreResult<Vec<Deal>> {
                use $crate::server::store::deals::{DEAL_COLUMNS, DEAL_FROM};
                use $crate::server::store::deals::CLAIMS_WHERE;
                let sql = format!("SELECT {DEAL_COLUMNS} {DEAL_FROM} {CLAIMS_WHERE}");
                let q = sqlx::query(&sql).bind(brand_id).bind(domain).bind(company_key);
                Self::deals_of(&q.fetch_all(&self.pool).await?)
            }

            async fn move_deal(
                &self,
                brand_id: i64,
                c: DealMove<'_>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                use $crate::server::store::deals::{approvals_lock, CLAIMS_WHERE, DEAL_COLUMNS, DEAL_FROM};
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                if c.to == DealStatus::Approved {
                    // Approvals of one brand take turns, and each checks the
                    // claims as they stand inside its own transaction, so two
                    // partners are never protected on one customer.
                    Self::take_lock(&mut tx, Self::ORG_LOCK, approvals_lock(brand_id)).await?;
                    let deal = Self::deal_in(&mut tx, brand_id, c.id).await?;
                    let sql = format!("SELECT {DEAL_COLUMNS} {DEAL_FROM} {CLAIMS_WHERE}");
                    let rows = sqlx::query(&sql)
                        .bind(brand_id)
                        .bind(&deal.domain)
                        .bind($crate::domain::deals::company_key(&deal.company))
                        .fetch_all(&mut *tx)
                        .await?;
                    let claims = Self::deals_of(&rows)?;
                    $crate::domain::deals::may_approve(&deal, &claims, now).map_err(StoreError::Rule)?;
                }
                if let (DealStatus::Won, Some(customer)) = (c.to, c.customer_ref) {
                    // One won deal per customer: its revenue has one partner.
                    let taken: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM deals WHERE brand_id = $1 AND status = 'won' \
                         AND LOWER(customer_ref) = LOWER($2) AND id <> $3 LIMIT 1",
                    )
                    .bind(brand_id)
                    .bind(customer)
                    .bind(c.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(other) = taken {
                        return Err(StoreError::Rule(format!(
                            "Customer {customer} is already won by deal #{other}; name the customer as your revenue \
                             imports do, or ask a partner manager."
                        )));
                    }
                }
                let done = sqlx::query(
                    "UPDATE deals SET status = $4, protected_until = COALESCE($5, protected_until), \
                     note = COALESCE($6, note), customer_ref = COALESCE($7, customer_ref), \
                     version = version + 1, updated_at = $8 \
                     WHERE brand_id = $1 AND id = $2 AND version = $3 AND status = $9",
                )
                .bind(brand_id)
                .bind(c.id)
                .bind(c.version)
                .bind(c.to.key())
                .bind(c.protected_until)
                .bind(c.note)
                .bind(c.customer_ref)
                .bind(now)
                .bind(c.from.key())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::Conflict("Someone changed this deal first. Reload to see it now."));
                }
                let deal = Self::deal_in(&mut tx, brand_id, c.id).await?;
                Self::insert_deal_event(&mut tx, brand_id, &deal, Some(c.from), now).await?;
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn deals_to_warn(&self, now: DateTime<Utc>, warn_until: i64) -> StoreResult<Vec<(i64, Deal)>> {
                use $crate::server::store::deals::{DEAL_COLUMNS, DEAL_FROM};
                let ids: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT brand_id, id FROM deals WHERE status = 'approved' AND warned_at IS NULL \
                     AND protected_until > $1 AND protected_until <= $2 ORDER BY protected_until LIMIT 100",
                )
                .bind(ms(now))
                .bind(warn_until)
                .fetch_all(&self.pool)
                .await?;
                let sql = format!("SELECT {DEAL_COLUMNS} {DEAL_FROM} WHERE d.brand_id = $1 AND d.id = $2");
                let mut out = Vec::new();
                for (brand, id) in ids {
                    let rows = sqlx::query(&sql).bind(brand).bind(id).fetch_all(&self.pool).await?;
                    out.extend(Self::deals_of(&rows)?.into_iter().map(|d| (brand, d)));
                }
                Ok(out)
            }

            async fn mark_deal_warned(
                &self,
                id: i64,
                mails: Vec<OutgoingEmail>,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE deals SET warned_at = $1 WHERE id = $2 AND warned_at IS NULL AND status = 'approved'",
                )
                    .bind(ms(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if done == 0 {
                    return Ok(false);
                }
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, at).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn expire_deals(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, i64, i64)>> {
                let now = ms(now);
                let mut tx = self.begin_write().await?;
                let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "UPDATE deals SET status = 'expired', version = version + 1, updated_at = $1 \
                     WHERE status = 'approved' AND protected_until <= $1 RETURNING id, brand_id, organisation_id",
                )
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
                for (id, brand, _) in &rows {
                    let deal = Self::deal_in(&mut tx, *brand, *id).await?;
                    Self::insert_deal_event(&mut tx, *brand, &deal, Some(DealStatus::Approved), now).await?;
                }
                tx.commit().await?;
                Ok(rows)
            }

            async fn won_customers(&self, brand_id: i64) -> StoreResult<Vec<$crate::domain::deals::WonCustomer>> {
                let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
                    "SELECT d.id, d.organisation_id, o.name, d.customer_ref FROM deals d \
                     JOIN organisations o ON o.id = d.organisation_id \
                     WHERE d.brand_id = $1 AND d.status = 'won' AND d.customer_ref IS NOT NULL ORDER BY d.id",
                )
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(deal_id, organisation_id, organisation, customer_ref)| {
                        $crate::domain::deals::WonCustomer { deal_id, organisation_id, organisation, customer_ref }
                    })
                    .collect())
            }

            async fn won_revenue(
                &self,
                brand_id: i64,
                organisation_id: Option<i64>,
            ) -> StoreResult<Vec<(i64, $crate::domain::revenue::Money)>> {
                use $crate::domain::revenue::{Currency, Money};
                use $crate::server::store::deals::WON_REVENUE;
                let sql = format!(
                    "SELECT d.id, e.currency, {WON_REVENUE} GROUP BY d.id, e.currency ORDER BY d.id, e.currency"
                );
                let rows: Vec<(i64, String, i64)> = sqlx::query_as(&sql)
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(id, cur, minor)| Currency::parse(&cur).ok().map(|c| (id, Money::new(minor, c))))
                    .collect())
            }

            async fn won_events(
                &self,
                brand_id: i64,
                organisation_id: i64,
                limit: i64,
            ) -> StoreResult<Vec<WonEvent>> {
                use $crate::domain::revenue::{Currency, Money};
                let rows: Vec<(i64, String, String, i64, String, i64)> =
                    sqlx::query_as(&$crate::server::store::deals::won_events_sql())
                        .bind(brand_id)
                        .bind(organisation_id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(deal_id, external_id, kind, minor, cur, at)| {
                        Currency::parse(&cur).ok().map(|c| WonEvent {
                            deal_id,
                            external_id,
                            refund: kind == "refund",
                            amount: Money::new(minor, c),
                            occurred_at_ms: at,
                        })
                    })
                    .collect())
            }

            async fn funnels(&self, brand_id: i64, organisation_id: Option<i64>) -> StoreResult<Vec<Funnel>> {
                use $crate::domain::revenue::{Currency, Money};
                let leads: Vec<(i64, String, String, i64)> = sqlx::query_as(
                    "SELECT l.organisation_id, o.name, l.status, COUNT(*) FROM leads l \
                     JOIN organisations o ON o.id = l.organisation_id \
                     WHERE l.brand_id = $1 AND ($2 IS NULL OR l.organisation_id = $2) \
                     GROUP BY l.organisation_id, o.name, l.status",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                let acceptance: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT organisation_id, COUNT(*), CAST(COALESCE(SUM(accepted_at - created_at), 0) AS BIGINT) \
                     FROM leads WHERE brand_id = $1 AND ($2 IS NULL OR organisation_id = $2) \
                     AND accepted_at IS NOT NULL AND organisation_id IS NOT NULL GROUP BY organisation_id",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                let deals: Vec<(i64, String, String, i64)> = sqlx::query_as(
                    "SELECT d.organisation_id, o.name, d.status, COUNT(*) FROM deals d \
                     JOIN organisations o ON o.id = d.organisation_id \
                     WHERE d.brand_id = $1 AND ($2 IS NULL OR d.organisation_id = $2) \
                     GROUP BY d.organisation_id, o.name, d.status",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                let sql = format!(
                    "SELECT d.organisation_id, e.currency, {} GROUP BY d.organisation_id, e.currency",
                    $crate::server::store::deals::WON_REVENUE
                );
                let revenue: Vec<(i64, String, i64)> = sqlx::query_as(&sql)
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                let revenue: Vec<(i64, Money)> = revenue
                    .into_iter()
                    .filter_map(|(org, cur, minor)| Currency::parse(&cur).ok().map(|c| (org, Money::new(minor, c))))
                    .collect();
                Ok($crate::domain::deals::funnels(&leads, &acceptance, &deals, &revenue))
            }
        }
    };
}
