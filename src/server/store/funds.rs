//! SQL for co-marketing funds, shared by both engines through
//! `fund_store!`. A partner's fund writes take turns (`ORG_LOCK` on
//! PostgreSQL, the single writer on SQLite), so the budget a request or an
//! approval is checked against stays true until it commits; every decision
//! is an `UPDATE` guarded by the request's version and status.

use super::common::*;
pub(super) use crate::domain::funds::{
    check_fits, committed, fund_budget, no_budget_reason, ActivityKind, Commitment, FundRequest, FundStatus,
    OverBudget, Quarter,
};
use crate::domain::revenue::Money;

#[async_trait]
pub trait FundStore: Send + Sync + 'static {
    /// Stores a request if it fits in what remains of its quarter's budget
    /// (checked in the transaction); otherwise writes nothing and says what
    /// remains. Refused (`Rule`) if the partner has no fund budget.
    async fn request_funds(
        &self,
        brand_id: i64,
        request: &NewFundRequest,
        audit: NewAudit,
    ) -> StoreResult<Result<i64, crate::domain::funds::OverBudget>>;
    /// Applies a decision (`domain::funds::fund_step`) if the request is
    /// still at its version and state: an approval re-checks the budget; an
    /// approved claim writes its payable ledger line. Emails and audit row in
    /// the same transaction.
    async fn move_fund_request(
        &self,
        brand_id: i64,
        change: FundMove<'_>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<Result<(), crate::domain::funds::OverBudget>>;
    /// Records a claim (and its proof file, replacing any earlier one).
    async fn claim_funds(&self, brand_id: i64, claim: FundClaim, audit: NewAudit) -> StoreResult<()>;
    /// One partner's requests, latest activity first.
    async fn fund_requests(
        &self,
        brand_id: i64,
        organisation_id: i64,
    ) -> StoreResult<Vec<crate::domain::funds::FundRequest>>;
    /// Requests and claims waiting for a manager, oldest first.
    async fn fund_queue(&self, brand_id: i64) -> StoreResult<Vec<crate::domain::funds::FundRequest>>;
    async fn fund_request(&self, brand_id: i64, id: i64) -> StoreResult<Option<crate::domain::funds::FundRequest>>;
    /// A claim's proof file and the organisation it belongs to.
    async fn fund_proof_file(&self, brand_id: i64, id: i64) -> StoreResult<Option<(i64, ProofFile)>>;
    /// The partner's bounty lines: (milestone, amount, payout status of
    /// their statement).
    async fn bounty_lines(
        &self,
        brand_id: i64,
        organisation_id: i64,
    ) -> StoreResult<Vec<(String, crate::domain::revenue::Money, Option<PayoutStatus>)>>;
}

/// A request about to be stored (already checked by the service).
#[derive(Debug, Clone)]
pub struct NewFundRequest {
    pub organisation_id: i64,
    pub kind: ActivityKind,
    pub title: String,
    /// Start of the activity's UTC day.
    pub activity_ms: i64,
    pub requested_minor: i64,
    pub requested_by: i64,
}

/// A decision on a request, as seen at `version` in state `from`.
#[derive(Debug, Clone, Copy)]
pub struct FundMove<'a> {
    pub id: i64,
    /// Set when a partner acts: the request must be its own.
    pub organisation_id: Option<i64>,
    pub version: i64,
    pub from: FundStatus,
    pub to: FundStatus,
    /// The reason of a rejection.
    pub note: Option<&'a str>,
    pub by: i64,
}

/// A checked proof file.
#[derive(Debug, Clone)]
pub struct ProofFile {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A partner's claim on an approved request, as seen at `version`.
#[derive(Debug, Clone)]
pub struct FundClaim {
    pub id: i64,
    pub organisation_id: i64,
    pub version: i64,
    pub amount_minor: i64,
    pub link: Option<String>,
    pub file: Option<ProofFile>,
    pub by: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct FundRow {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub kind: String,
    pub title: String,
    pub activity_at: i64,
    pub quarter: String,
    pub currency: String,
    pub requested_minor: i64,
    pub approved_minor: Option<i64>,
    pub status: String,
    pub version: i64,
    pub requested_by: Option<String>,
    pub requested_at: i64,
    pub decision_note: Option<String>,
    pub decided_at: Option<i64>,
    pub claim_minor: Option<i64>,
    pub claim_link: Option<String>,
    pub file_type: Option<String>,
    pub file_size: Option<i64>,
    pub claimed_at: Option<i64>,
    pub claim_note: Option<String>,
    pub statement_id: Option<i64>,
}

impl FundRow {
    pub fn into_request(self) -> StoreResult<FundRequest> {
        let bad = || super::partners::corrupt("fund request");
        let c = super::revenue::currency(&self.currency)?;
        Ok(FundRequest {
            id: self.id,
            organisation_id: self.organisation_id,
            organisation: self.name,
            kind: ActivityKind::parse(&self.kind).ok_or_else(bad)?,
            title: self.title,
            activity_ms: self.activity_at,
            quarter: Quarter::parse(&self.quarter).ok_or_else(bad)?,
            requested: Money::new(self.requested_minor, c),
            approved: self.approved_minor.map(|m| Money::new(m, c)),
            status: FundStatus::parse(&self.status).ok_or_else(bad)?,
            version: self.version,
            requested_by: self.requested_by.unwrap_or_default(),
            requested_at_ms: self.requested_at,
            decision_note: self.decision_note,
            decided_at_ms: self.decided_at,
            claim: self.claim_minor.map(|m| Money::new(m, c)),
            claim_link: self.claim_link,
            claim_file: self.file_type.zip(self.file_size),
            claimed_at_ms: self.claimed_at,
            claim_note: self.claim_note,
            statement_id: self.statement_id,
        })
    }
}

pub(super) const FUND_SELECT: &str = "SELECT f.id, f.organisation_id, o.name, f.kind, f.title, f.activity_at, \
     f.quarter, f.currency, f.requested_minor, f.approved_minor, f.status, f.version, u.email AS requested_by, \
     f.requested_at, f.decision_note, f.decided_at, f.claim_minor, f.claim_link, cf.content_type AS file_type, \
     cf.size_bytes AS file_size, f.claimed_at, f.claim_note, l.statement_id \
     FROM fund_requests f JOIN organisations o ON o.id = f.organisation_id \
     LEFT JOIN users u ON u.id = f.requested_by LEFT JOIN fund_claim_files cf ON cf.request_id = f.id \
     LEFT JOIN commission_lines l ON l.fund_request_id = f.id";

pub(super) fn commitment(status: &str, requested_minor: i64, approved_minor: Option<i64>) -> StoreResult<Commitment> {
    Ok(Commitment {
        status: FundStatus::parse(status).ok_or_else(|| super::partners::corrupt("fund request"))?,
        requested_minor,
        approved_minor,
    })
}

/// Emits `impl FundStore for $store`.
macro_rules! fund_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// The partner's budget for the quarter of `activity_ms` and what
            /// the quarter's other requests (not `except`) hold of it.
            async fn fund_budget_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                organisation_id: i64,
                activity_ms: i64,
                except: Option<i64>,
            ) -> StoreResult<(Money, Quarter, i64)> {
                let state: Option<String> =
                    sqlx::query_scalar("SELECT certification_state FROM organisations WHERE id = $1 AND brand_id = $2")
                        .bind(organisation_id)
                        .bind(brand_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                let state = state
                    .as_deref()
                    .and_then(crate::domain::certification::CertState::parse)
                    .ok_or(StoreError::NotFound)?;
                let versions = Self::terms_versions_tx(tx, brand_id, &[organisation_id]).await?;
                let versions = versions.get(&organisation_id).map(Vec::as_slice).unwrap_or_default();
                let Some(tv) = in_force(versions, activity_ms).or(versions.first()) else {
                    return Err(StoreError::NotFound);
                };
                let Some(budget) = fund_budget(&tv.terms, state) else {
                    return Err(StoreError::Rule(no_budget_reason(&tv.terms, state).to_owned()));
                };
                let quarter = Quarter::of_ms(activity_ms);
                let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT id, status, requested_minor, approved_minor FROM fund_requests \
                     WHERE organisation_id = $1 AND quarter = $2 AND currency = $3",
                )
                .bind(organisation_id)
                .bind(quarter.key())
                .bind(budget.currency.code())
                .fetch_all(&mut **tx)
                .await?;
                let mut list = Vec::new();
                for (id, status, requested, approved) in rows {
                    if Some(id) != except {
                        list.push($crate::server::store::funds::commitment(&status, requested, approved)?);
                    }
                }
                Ok((budget, quarter, committed(&list)))
            }
        }

        #[async_trait]
        impl FundStore for $store {
            async fn request_funds(
                &self,
                brand_id: i64,
                r: &NewFundRequest,
                audit: NewAudit,
            ) -> StoreResult<Result<i64, OverBudget>> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, r.organisation_id).await?;
                let (budget, quarter, held) =
                    Self::fund_budget_tx(&mut tx, brand_id, r.organisation_id, r.activity_ms, None).await?;
                if let Err(over) = check_fits(budget, quarter, held, r.requested_minor) {
                    return Ok(Err(over));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO fund_requests (brand_id, organisation_id, kind, title, activity_at, quarter, \
                     currency, \
                     requested_minor, status, requested_by, requested_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10) RETURNING id",
                )
                .bind(brand_id)
                .bind(r.organisation_id)
                .bind(r.kind.key())
                .bind(&r.title)
                .bind(r.activity_ms)
                .bind(quarter.key())
                .bind(budget.currency.code())
                .bind(r.requested_minor)
                .bind(r.requested_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.subject = format!("fund_request:{id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(Ok(id))
            }

            async fn move_fund_request(
                &self,
                brand_id: i64,
                m: FundMove<'_>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<Result<(), OverBudget>> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                let row: Option<(i64, i64, String, i64, Option<i64>, Option<i64>, String, String)> = sqlx::query_as(
                    "SELECT organisation_id, activity_at, currency, requested_minor, approved_minor, claim_minor, \
                     kind, title FROM fund_requests \
                     WHERE id = $1 AND brand_id = $2 AND ($3 IS NULL OR organisation_id = $3)",
                )
                .bind(m.id)
                .bind(brand_id)
                .bind(m.organisation_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((org, activity_ms, code, requested, approved, claim, kind, title)) = row else {
                    return Err(StoreError::NotFound);
                };
                Self::take_lock(&mut tx, Self::ORG_LOCK, org).await?;
                let changed = "The request changed since you looked. Reload and try again.";
                let done = match (m.from, m.to) {
                    (FundStatus::Requested, FundStatus::Approved) => {
                        // Re-checked here: the budget may have been lowered
                        // since the request was made.
                        let (budget, quarter, others) =
                            Self::fund_budget_tx(&mut tx, brand_id, org, activity_ms, Some(m.id)).await?;
                        if let Err(over) = check_fits(budget, quarter, others, requested) {
                            return Ok(Err(over));
                        }
                        sqlx::query(
                            "UPDATE fund_requests SET status = 'approved', approved_minor = requested_minor, \
                             decided_by = $1, decided_at = $2, version = version + 1 \
                             WHERE id = $3 AND version = $4 AND status = 'requested'",
                        )
                        .bind(m.by)
                        .bind(now)
                        .bind(m.id)
                        .bind(m.version)
                        .execute(&mut *tx)
                        .await?
                    }
                    (FundStatus::Requested, FundStatus::Rejected | FundStatus::Withdrawn) => {
                        sqlx::query(
                            "UPDATE fund_requests SET status = $1, decision_note = $2, decided_by = $3, \
                             decided_at = $4, version = version + 1 \
                             WHERE id = $5 AND version = $6 AND status = 'requested'",
                        )
                        .bind(m.to.key())
                        .bind(m.note)
                        .bind(m.by)
                        .bind(now)
                        .bind(m.id)
                        .bind(m.version)
                        .execute(&mut *tx)
                        .await?
                    }
                    (FundStatus::Claimed, FundStatus::Approved) => {
                        // A rejected claim: its proof goes, the partner claims again.
                        let done = sqlx::query(
                            "UPDATE fund_requests SET status = 'approved', claim_note = $1, claim_minor = NULL, \
                             claim_link = NULL, claimed_at = NULL, claimed_by = NULL, claim_decided_by = $2, \
                             claim_decided_at = $3, version = version + 1 \
                             WHERE id = $4 AND version = $5 AND status = 'claimed'",
                        )
                        .bind(m.note)
                        .bind(m.by)
                        .bind(now)
                        .bind(m.id)
                        .bind(m.version)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("DELETE FROM fund_claim_files WHERE request_id = $1")
                            .bind(m.id)
                            .execute(&mut *tx)
                            .await?;
                        done
                    }
                    (FundStatus::Claimed, FundStatus::Paid) => {
                        let done = sqlx::query(
                            "UPDATE fund_requests SET status = 'paid', claim_decided_by = $1, claim_decided_at = $2, \
                             version = version + 1 WHERE id = $3 AND version = $4 AND status = 'claimed'",
                        )
                        .bind(m.by)
                        .bind(now)
                        .bind(m.id)
                        .bind(m.version)
                        .execute(&mut *tx)
                        .await?;
                        if done.rows_affected() != 1 {
                            return Err(StoreError::Conflict(changed));
                        }
                        let amount = claim.ok_or_else(|| super::partners::corrupt("fund claim"))?;
                        let c = $crate::server::store::revenue::currency(&code)?;
                        Self::take_lock(&mut tx, Self::LEDGER_LOCK, brand_id).await?;
                        let versions = Self::terms_versions_tx(&mut tx, brand_id, &[org]).await?;
                        let terms_version = versions
                            .get(&org)
                            .and_then(|v| in_force(v, activity_ms).or(v.first()))
                            .map(|tv| tv.version);
                        let belongs = Month::of_ms(now);
                        let (statement, adjustment) =
                            statement_month(belongs, Self::last_closed_month(&mut tx, org, c.code()).await?);
                        let line = NewLine {
                            organisation_id: org,
                            event_id: None,
                            kind: LineKind::Fund,
                            milestone: None,
                            customer: "",
                            belongs,
                            statement_month: statement,
                            adjustment,
                            commission: Commission {
                                base: Money::new(amount, c),
                                rate_bps: 10_000,
                                rule: ShareRule::Fund,
                                amount: Money::new(amount, c),
                            },
                            terms_version,
                            first_invoice_ms: None,
                            revenue_minor: 0,
                            customer_price_minor: 0,
                            now_ms: now,
                        };
                        let line_id = Self::insert_line(&mut tx, brand_id, &line).await?;
                        // The unique index makes a second line for the same
                        // request impossible, whatever the guard above.
                        let tagged = sqlx::query("UPDATE commission_lines SET fund_request_id = $1 WHERE id = $2")
                            .bind(m.id)
                            .bind(line_id)
                            .execute(&mut *tx)
                            .await;
                        match tagged {
                            Ok(_) => {}
                            Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict(changed)),
                            Err(e) => return Err(e.into()),
                        }
                        let payload = serde_json::json!({
                            "organisation_id": org,
                            "fund_request_id": m.id,
                            "line_id": line_id,
                            "kind": kind,
                            "title": title,
                            "approved_minor": approved,
                            "amount_minor": amount,
                            "currency": code,
                            "statement_month": statement.key(),
                        });
                        let mut a = audit.clone();
                        a.detail = payload;
                        Self::insert_audit(&mut tx, &a).await?;
                        for mail in &mails {
                            Self::insert_email(&mut tx, mail, audit.at).await?;
                        }
                        tx.commit().await?;
                        return Ok(Ok(()));
                    }
                    _ => return Err(StoreError::Rule("That change is not possible for a fund request.".into())),
                };
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict(changed));
                }
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(Ok(()))
            }

            async fn claim_funds(&self, brand_id: i64, c: FundClaim, audit: NewAudit) -> StoreResult<()> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, c.organisation_id).await?;
                // Guards: still approved at the version seen, the activity's
                // day has come, and the claim is not above the approved amount.
                let done = sqlx::query(
                    "UPDATE fund_requests SET status = 'claimed', claim_minor = $1, claim_link = $2, claimed_by = $3, \
                     claimed_at = $4, claim_note = NULL, version = version + 1 \
                     WHERE id = $5 AND brand_id = $6 AND organisation_id = $7 AND version = $8 \
                     AND status = 'approved' AND approved_minor >= $1 AND activity_at <= $4",
                )
                .bind(c.amount_minor)
                .bind(&c.link)
                .bind(c.by)
                .bind(now)
                .bind(c.id)
                .bind(brand_id)
                .bind(c.organisation_id)
                .bind(c.version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("The request changed since you looked. Reload and try again."));
                }
                sqlx::query("DELETE FROM fund_claim_files WHERE request_id = $1").bind(c.id).execute(&mut *tx).await?;
                if let Some(f) = &c.file {
                    sqlx::query(
                        "INSERT INTO fund_claim_files (request_id, content_type, file_name, size_bytes, bytes, \
                         created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(c.id)
                    .bind(&f.content_type)
                    .bind(&f.file_name)
                    .bind(f.bytes.len() as i64)
                    .bind(&f.bytes)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn fund_requests(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<FundRequest>> {
                let rows: Vec<FundRow> = sqlx::query_as(&format!(
                    "{} WHERE f.brand_id = $1 AND f.organisation_id = $2 ORDER BY f.activity_at DESC, f.id DESC LIMIT \
                     500",
                    $crate::server::store::funds::FUND_SELECT
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(FundRow::into_request).collect()
            }

            async fn fund_queue(&self, brand_id: i64) -> StoreResult<Vec<FundRequest>> {
                let rows: Vec<FundRow> = sqlx::query_as(&format!(
                    "{} WHERE f.brand_id = $1 AND f.status IN ('requested', 'claimed') \
                     ORDER BY COALESCE(f.claimed_at, f.requested_at), f.id LIMIT 500",
                    $crate::server::store::funds::FUND_SELECT
                ))
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(FundRow::into_request).collect()
            }

            async fn fund_request(&self, brand_id: i64, id: i64) -> StoreResult<Option<FundRequest>> {
                let row: Option<FundRow> = sqlx::query_as(&format!(
                    "{} WHERE f.brand_id = $1 AND f.id = $2",
                    $crate::server::store::funds::FUND_SELECT
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(FundRow::into_request).transpose()
            }

            async fn fund_proof_file(&self, brand_id: i64, id: i64) -> StoreResult<Option<(i64, ProofFile)>> {
                let row: Option<(i64, String, String, Vec<u8>)> = sqlx::query_as(
                    "SELECT f.organisation_id, cf.content_type, cf.file_name, cf.bytes FROM fund_claim_files cf \
                     JOIN fund_requests f ON f.id = cf.request_id WHERE f.brand_id = $1 AND f.id = $2",
                )
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(org, content_type, file_name, bytes)| (org, ProofFile { content_type, file_name, bytes })))
            }

            async fn bounty_lines(
                &self,
                brand_id: i64,
                organisation_id: i64,
            ) -> StoreResult<Vec<(String, Money, Option<PayoutStatus>)>> {
                let rows: Vec<(String, i64, String, Option<String>)> = sqlx::query_as(
                    "SELECT l.milestone, l.amount_minor, l.currency, p.status FROM commission_lines l \
                     JOIN organisations o ON o.id = l.organisation_id \
                     LEFT JOIN payouts p ON p.statement_id = l.statement_id \
                     WHERE o.brand_id = $1 AND l.organisation_id = $2 AND l.milestone IS NOT NULL ORDER BY l.id",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(milestone, amount, code, status)| {
                        let c = $crate::server::store::revenue::currency(&code)?;
                        Ok((milestone, Money::new(amount, c), status.as_deref().and_then(PayoutStatus::parse)))
                    })
                    .collect()
            }
        }
    };
}
