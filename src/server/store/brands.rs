//! SQL for white-label brands, logos and custom domains, shared by both
//! engines through `brand_store!`.

use super::common::*;

pub(super) use crate::domain::brand::{DomainRecord, MAX_DOMAIN_FAILURES};

/// A white-label brand's look as saved from its branding page.
#[derive(Debug, Clone)]
pub struct BrandLook {
    pub name: String,
    pub primary_colour: Option<String>,
    pub accent_colour: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
}

/// A checked logo image.
#[derive(Debug, Clone)]
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub width: i64,
    pub height: i64,
    pub etag: String,
}

#[async_trait]
pub trait BrandStore: Send + Sync + 'static {
    /// The brand a white-label partner owns, once it has saved one.
    async fn partner_brand(&self, organisation_id: i64) -> StoreResult<Option<Brand>>;
    /// Creates or updates the partner's brand.
    async fn save_partner_brand(
        &self,
        organisation_id: i64,
        look: &BrandLook,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> StoreResult<Brand>;
    async fn save_logo(&self, brand_id: i64, logo: &Logo, now: DateTime<Utc>, audit: NewAudit) -> StoreResult<()>;
    async fn logo(&self, brand_id: i64) -> StoreResult<Option<Logo>>;
    async fn brand_domains(&self, brand_id: i64) -> StoreResult<Vec<crate::domain::brand::DomainRecord>>;
    /// Registers a domain waiting for verification; a domain belongs to one
    /// brand only.
    async fn request_domain(&self, brand_id: i64, domain: &str, token: &str, audit: NewAudit) -> StoreResult<()>;
    async fn remove_domain(&self, brand_id: i64, domain: &str, audit: NewAudit) -> StoreResult<()>;
    /// Records a verification: success verifies (and resets failures);
    /// failures in a row beyond the limit stop a verified domain serving.
    async fn domain_checked(&self, domain: &str, outcome: Result<(), &str>, now: DateTime<Utc>) -> StoreResult<()>;
    /// The brand's own email wording: (kind, subject, body).
    async fn email_templates(&self, brand_id: i64) -> StoreResult<Vec<(String, String, String)>>;
    async fn save_email_template(
        &self,
        brand_id: i64,
        kind: &str,
        subject: &str,
        body: &str,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Back to the built-in wording.
    async fn reset_email_template(&self, brand_id: i64, kind: &str, audit: NewAudit) -> StoreResult<()>;
    /// Claims the verified domains last checked before `due_before`:
    /// (domain, token).
    async fn claim_domain_checks(
        &self,
        due_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, String)>>;
}

#[derive(sqlx::FromRow)]
pub(super) struct DomainRow {
    pub domain: String,
    pub token: Option<String>,
    pub verified_at: Option<i64>,
    pub checked_at: Option<i64>,
    pub last_error: Option<String>,
    pub failures: i64,
}

impl From<DomainRow> for DomainRecord {
    fn from(r: DomainRow) -> Self {
        DomainRecord {
            domain: r.domain,
            token: r.token.unwrap_or_default(),
            verified_at_ms: r.verified_at,
            checked_at_ms: r.checked_at,
            last_error: r.last_error,
            failures: r.failures,
        }
    }
}

/// Emits `impl BrandStore for $store`.
macro_rules! brand_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl BrandStore for $store {
            async fn partner_brand(&self, organisation_id: i64) -> StoreResult<Option<Brand>> {
                let row: Option<BrandRow> = sqlx::query_as(&format!(
                    "{} WHERE organisation_id = $1",
                    $crate::server::store::sql::BRAND_SELECT
                ))
                .bind(organisation_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn save_partner_brand(
                &self,
                organisation_id: i64,
                look: &BrandLook,
                now: DateTime<Utc>,
                audit: NewAudit,
            ) -> StoreResult<Brand> {
                let mut tx = self.begin_write().await?;
                let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM brands WHERE organisation_id = $1")
                    .bind(organisation_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let id: i64 =
                    match existing {
                        Some(id) => {
                            sqlx::query(
                            "UPDATE brands SET name = $1, primary_colour = $2, accent_colour = $3, support_email = $4, \
                             support_url = $5, updated_at = $6 WHERE id = $7",
                        )
                        .bind(&look.name)
                        .bind(&look.primary_colour)
                        .bind(&look.accent_colour)
                        .bind(&look.support_email)
                        .bind(&look.support_url)
                        .bind(ms(now))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                            id
                        }
                        None => sqlx::query_scalar(
                            "INSERT INTO brands (slug, name, is_default, created_at, organisation_id, primary_colour, \
                             accent_colour, support_email, support_url, updated_at) \
                             VALUES ($1, $2, FALSE, $3, $4, $5, $6, $7, $8, $3) RETURNING id",
                        )
                        .bind(format!("partner-{organisation_id}"))
                        .bind(&look.name)
                        .bind(ms(now))
                        .bind(organisation_id)
                        .bind(&look.primary_colour)
                        .bind(&look.accent_colour)
                        .bind(&look.support_email)
                        .bind(&look.support_url)
                        .fetch_one(&mut *tx)
                        .await?,
                    };
                Self::insert_audit(&mut tx, &audit).await?;
                let row: BrandRow =
                    sqlx::query_as(&format!("{} WHERE id = $1", $crate::server::store::sql::BRAND_SELECT))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn save_logo(
                &self,
                brand_id: i64,
                logo: &Logo,
                now: DateTime<Utc>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO brand_logos (brand_id, content_type, bytes, width, height, etag, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (brand_id) DO UPDATE SET \
                     content_type = excluded.content_type, bytes = excluded.bytes, width = excluded.width, \
                     height = excluded.height, etag = excluded.etag, updated_at = excluded.updated_at",
                )
                .bind(brand_id)
                .bind(&logo.content_type)
                .bind(&logo.bytes)
                .bind(logo.width)
                .bind(logo.height)
                .bind(&logo.etag)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE brands SET updated_at = $1 WHERE id = $2")
                    .bind(ms(now))
                    .bind(brand_id)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn logo(&self, brand_id: i64) -> StoreResult<Option<Logo>> {
                let row: Option<(String, Vec<u8>, i64, i64, String)> = sqlx::query_as(
                    "SELECT content_type, bytes, width, height, etag FROM brand_logos WHERE brand_id = $1",
                )
                .bind(brand_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(content_type, bytes, width, height, etag)| Logo {
                    content_type,
                    bytes,
                    width,
                    height,
                    etag,
                }))
            }

            async fn brand_domains(&self, brand_id: i64) -> StoreResult<Vec<DomainRecord>> {
                let rows: Vec<DomainRow> = sqlx::query_as(
                    "SELECT domain, token, verified_at, checked_at, last_error, failures FROM brand_domains \
                     WHERE brand_id = $1 ORDER BY domain",
                )
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn request_domain(
                &self,
                brand_id: i64,
                domain: &str,
                token: &str,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let res = sqlx::query(
                    "INSERT INTO brand_domains (domain, brand_id, verified_at, token, created_at, failures) \
                     VALUES ($1, $2, NULL, $3, $4, 0)",
                )
                .bind(domain)
                .bind(brand_id)
                .bind(token)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await;
                match res {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict("This domain is already registered in the portal."))
                    }
                    Err(e) => return Err(e.into()),
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_domain(&self, brand_id: i64, domain: &str, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM brand_domains WHERE brand_id = $1 AND domain = $2")
                    .bind(brand_id)
                    .bind(domain)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn domain_checked(
                &self,
                domain: &str,
                outcome: Result<(), &str>,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                match outcome {
                    Ok(()) => {
                        sqlx::query(
                            "UPDATE brand_domains SET verified_at = COALESCE(verified_at, $1), checked_at = $1, \
                             last_error = NULL, failures = 0 WHERE domain = $2",
                        )
                        .bind(ms(now))
                        .bind(domain)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Err(error) => {
                        // A verified domain stops serving only after several
                        // failed checks in a row: one DNS hiccup is not enough.
                        sqlx::query(
                            "UPDATE brand_domains SET checked_at = $1, last_error = $2, failures = failures + 1, \
                             verified_at = CASE WHEN failures + 1 >= $3 THEN NULL ELSE verified_at END \
                             WHERE domain = $4",
                        )
                        .bind(ms(now))
                        .bind(error)
                        .bind(MAX_DOMAIN_FAILURES)
                        .bind(domain)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn email_templates(&self, brand_id: i64) -> StoreResult<Vec<(String, String, String)>> {
                Ok(sqlx::query_as("SELECT kind, subject, body FROM email_templates WHERE brand_id = $1 ORDER BY kind")
                    .bind(brand_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn save_email_template(
                &self,
                brand_id: i64,
                kind: &str,
                subject: &str,
                body: &str,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO email_templates (brand_id, kind, subject, body, updated_at) VALUES ($1, $2, $3, $4, \
                     $5) \
                     ON CONFLICT (brand_id, kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, \
                     updated_at = excluded.updated_at",
                )
                .bind(brand_id)
                .bind(kind)
                .bind(subject)
                .bind(body)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn reset_email_template(&self, brand_id: i64, kind: &str, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM email_templates WHERE brand_id = $1 AND kind = $2")
                    .bind(brand_id)
                    .bind(kind)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn claim_domain_checks(
                &self,
                due_before: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<(String, String)>> {
                let mut tx = self.begin_write().await?;
                // One UPDATE claims each check once, whichever instance runs it.
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                    "UPDATE brand_domains SET checked_at = $1 WHERE verified_at IS NOT NULL AND token IS NOT NULL \
                     AND (checked_at IS NULL OR checked_at < $2) RETURNING domain, token",
                )
                .bind(ms(now))
                .bind(ms(due_before))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(|(d, t)| (d, t.unwrap_or_default())).collect())
            }
        }
    };
}
