//! SQL for the marketplace, shared by both engines through `market_store!`:
//! listings in versions, their review, and the public directory. A
//! partner's listing writes take turns (`ORG_LOCK` on PostgreSQL, the single
//! writer on SQLite); every decision is an `UPDATE` guarded by the version
//! number and its status, so a second decision finds nothing to change.

use super::common::*;
use crate::domain::application::{Category, IntegrationOption, PartnerKind};
pub(super) use crate::domain::marketplace::{can_submit, edit_target, tags, EditTarget};
use crate::domain::marketplace::{untag, Industry, Region};
pub use crate::domain::marketplace::{
    DirectoryEntry, DirectoryFilter, Listing, ListingContent, ListingQueueItem, ListingStatus, ListingVersion,
};

#[async_trait]
pub trait MarketStore: Send + Sync + 'static {
    /// A partner's listing with its latest and published versions.
    async fn listing(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<Listing>>;
    /// Saves `content` as the listing's latest version (`domain::
    /// marketplace::edit_target` decides whether it is a new one) and returns
    /// its number. Creates the listing, with its slug, on the first save.
    /// Refused (`Rule`) while a version is in review.
    async fn save_listing(
        &self,
        brand_id: i64,
        organisation_id: i64,
        content: &ListingContent,
        slug: &str,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Sends the latest version for review; refused (`Rule`) unless it is a
    /// draft or was sent back. Returns its number.
    async fn submit_listing(
        &self,
        brand_id: i64,
        organisation_id: i64,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Decides version `number` if it is still in review (`Conflict`
    /// otherwise): `Approved` publishes it in place of the earlier approved
    /// version; `SentBack` keeps the note for the partner.
    #[allow(clippy::too_many_arguments)]
    async fn decide_listing(
        &self,
        brand_id: i64,
        organisation_id: i64,
        number: i64,
        to: ListingStatus,
        note: Option<&str>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Versions waiting for review, oldest first.
    async fn listing_queue(&self, brand_id: i64) -> StoreResult<Vec<ListingQueueItem>>;
    /// Whether the partner has an approved version to publish.
    async fn has_approved_listing(&self, brand_id: i64, organisation_id: i64) -> StoreResult<bool>;
    /// One page of the directory: shown partners matching `filter` (`q` a
    /// `like_pattern`, or empty), premier first, then featured, then by
    /// name; with how many match in all.
    async fn directory(
        &self,
        brand_id: i64,
        filter: &DirectoryFilter,
        q: &str,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<DirectoryEntry>, i64)>;
    /// A shown partner's published listing, by its slug.
    async fn directory_listing(&self, brand_id: i64, slug: &str) -> StoreResult<Option<DirectoryEntry>>;
}

#[derive(sqlx::FromRow)]
pub(super) struct VersionRow {
    pub number: i64,
    pub status: String,
    pub name: String,
    pub short_description: String,
    pub long_description: String,
    pub partner_kind: String,
    pub category: String,
    pub integrations: String,
    pub regions: String,
    pub industries: String,
    pub website: String,
    pub support_email: String,
    pub docs_url: Option<String>,
    pub setup_steps: String,
    pub written_by: Option<String>,
    pub written_at: i64,
    pub submitted_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: Option<String>,
}

/// The columns of `VersionRow` from `listing_versions v`, with the writer's
/// and decider's emails.
pub(super) const VERSION_COLUMNS: &str = "v.number, v.status, v.name, v.short_description, v.long_description, \
     v.partner_kind, v.category, v.integrations, v.regions, v.industries, v.website, v.support_email, \
     v.docs_url, v.setup_steps, w.email AS written_by, v.written_at, v.submitted_at, d.email AS decided_by, \
     v.decided_at, v.note";
pub(super) const VERSION_JOINS: &str =
    "LEFT JOIN users w ON w.id = v.written_by LEFT JOIN users d ON d.id = v.decided_by";

fn all_of<T>(column: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Vec<T>> {
    untag(column).map(|k| parse(k).ok_or_else(|| super::partners::corrupt("listing"))).collect()
}

pub(super) fn content(r: &VersionRow) -> StoreResult<ListingContent> {
    let bad = || super::partners::corrupt("listing");
    Ok(ListingContent {
        name: r.name.clone(),
        short_description: r.short_description.clone(),
        long_description: r.long_description.clone(),
        kind: PartnerKind::parse(&r.partner_kind).ok_or_else(bad)?,
        category: Category::parse(&r.category).ok_or_else(bad)?,
        integrations: all_of(&r.integrations, IntegrationOption::parse)?,
        regions: all_of(&r.regions, Region::parse)?,
        industries: all_of(&r.industries, Industry::parse)?,
        website: r.website.clone(),
        support_email: r.support_email.clone(),
        docs_url: r.docs_url.clone(),
        setup_steps: r.setup_steps.clone(),
    })
}

impl VersionRow {
    pub fn into_version(self) -> StoreResult<ListingVersion> {
        Ok(ListingVersion {
            content: content(&self)?,
            number: self.number,
            status: ListingStatus::parse(&self.status).ok_or_else(|| super::partners::corrupt("listing"))?,
            written_by: self.written_by.unwrap_or_default(),
            written_at_ms: self.written_at,
            submitted_at_ms: self.submitted_at,
            decided_by: self.decided_by,
            decided_at_ms: self.decided_at,
            note: self.note,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EntryRow {
    pub slug: String,
    pub organisation_id: i64,
    pub state: String,
    #[sqlx(flatten)]
    pub version: VersionRow,
}

impl EntryRow {
    pub fn into_entry(self) -> StoreResult<DirectoryEntry> {
        Ok(DirectoryEntry {
            content: content(&self.version)?,
            slug: self.slug,
            organisation_id: self.organisation_id,
            state: CertState::parse(&self.state).ok_or_else(|| super::partners::corrupt("organisation"))?,
        })
    }
}

/// The directory's WHERE over `listings l`, its published `listing_versions
/// v` and `organisations o`: `$1` brand, `$2` a partner-kind prefix
/// pattern, `$3` category, `$4`–`$6` tag patterns (integration, region,
/// industry), each empty for any, and `$7` the search.
pub(super) fn directory_where(searching: bool) -> String {
    let shown: Vec<String> =
        crate::domain::marketplace::SHOWN_STATES.iter().map(|s| format!("'{}'", s.key())).collect();
    format!(
        "l.brand_id = $1 AND o.certification_state IN ({}) AND ($2 = '' OR v.partner_kind LIKE $2) \
         AND ($3 = '' OR v.category = $3) AND ($4 = '' OR v.integrations LIKE $4) \
         AND ($5 = '' OR v.regions LIKE $5) AND ($6 = '' OR v.industries LIKE $6) AND {}",
        shown.join(", "),
        search_clause(searching, "$7", &["v.name", "v.short_description", "v.long_description"])
    )
}

pub(super) const DIRECTORY_FROM: &str = "FROM listings l JOIN listing_versions v ON v.id = l.published_version \
     JOIN organisations o ON o.id = l.organisation_id";

/// Binds `directory_where`'s `$1`–`$7`.
macro_rules! bind_directory {
    ($query:expr, $brand:expr, $filter:expr, $q:expr) => {{
        use $crate::domain::marketplace::tag_pattern;
        let f: &DirectoryFilter = $filter;
        $query
            .bind($brand)
            .bind(f.partner_type.as_deref().map(|t| format!("{t}/%")).unwrap_or_default())
            .bind(f.category.map(|c| c.key()).unwrap_or_default())
            .bind(f.integration.map(|i| tag_pattern(i.key())).unwrap_or_default())
            .bind(f.region.map(|r| tag_pattern(r.key())).unwrap_or_default())
            .bind(f.industry.map(|i| tag_pattern(i.key())).unwrap_or_default())
            .bind($q)
    }};
}

/// Emits `impl MarketStore for $store`.
macro_rules! market_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// The listing's id and the number and status of its latest version.
            async fn latest_listing_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                organisation_id: i64,
            ) -> StoreResult<Option<(i64, Option<(i64, String)>)>> {
                let listing: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM listings WHERE brand_id = $1 AND organisation_id = $2")
                        .bind(brand_id)
                        .bind(organisation_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                let Some(id) = listing else { return Ok(None) };
                let latest: Option<(i64, String)> = sqlx::query_as(
                    "SELECT number, status FROM listing_versions WHERE listing_id = $1 ORDER BY number DESC LIMIT 1",
                )
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                Ok(Some((id, latest)))
            }
        }

        #[async_trait]
        impl MarketStore for $store {
            async fn listing(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<Listing>> {
                let head: Option<(i64, String, Option<i64>, String, String)> = sqlx::query_as(
                    "SELECT l.id, l.slug, l.published_version, o.name, o.certification_state FROM listings l \
                     JOIN organisations o ON o.id = l.organisation_id \
                     WHERE l.brand_id = $1 AND l.organisation_id = $2",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_optional(&self.pool)
                .await?;
                let Some((id, slug, published, organisation, state)) = head else { return Ok(None) };
                let select = format!(
                    "SELECT {} FROM listing_versions v {} WHERE v.listing_id = $1",
                    $crate::server::store::market::VERSION_COLUMNS,
                    $crate::server::store::market::VERSION_JOINS
                );
                let latest: Option<$crate::server::store::market::VersionRow> =
                    sqlx::query_as(&format!("{select} ORDER BY v.number DESC LIMIT 1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(latest) = latest else { return Ok(None) };
                let published: Option<$crate::server::store::market::VersionRow> = match published {
                    Some(version) => sqlx::query_as(&format!("{select} AND v.id = $2"))
                        .bind(id)
                        .bind(version)
                        .fetch_optional(&self.pool)
                        .await?,
                    None => None,
                };
                Ok(Some(Listing {
                    organisation_id,
                    organisation,
                    slug,
                    state: CertState::parse(&state).ok_or_else(|| super::partners::corrupt("organisation"))?,
                    latest: latest.into_version()?,
                    published: published.map(|p| p.into_version()).transpose()?,
                }))
            }

            async fn save_listing(
                &self,
                brand_id: i64,
                organisation_id: i64,
                c: &ListingContent,
                slug: &str,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, organisation_id).await?;
                let (listing_id, latest) = match Self::latest_listing_tx(&mut tx, brand_id, organisation_id).await? {
                    Some(found) => found,
                    None => {
                        // The first free of `slug`, `slug-2`, `slug-3`, … in
                        // the brand.
                        let taken: Vec<String> = sqlx::query_scalar(
                            "SELECT slug FROM listings WHERE brand_id = $1 AND (slug = $2 OR slug LIKE $3)",
                        )
                        .bind(brand_id)
                        .bind(slug)
                        .bind(format!("{slug}-%"))
                        .fetch_all(&mut *tx)
                        .await?;
                        let free = (1..)
                            .map(|n| if n == 1 { slug.to_owned() } else { format!("{slug}-{n}") })
                            .find(|s| !taken.contains(s))
                            .unwrap_or_else(|| slug.to_owned());
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO listings (brand_id, organisation_id, slug, created_at) \
                             VALUES ($1, $2, $3, $4) RETURNING id",
                        )
                        .bind(brand_id)
                        .bind(organisation_id)
                        .bind(&free)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                        (id, None)
                    }
                };
                let status = latest.as_ref().map(|(_, s)| ListingStatus::parse(s)).unwrap_or(None);
                let target = edit_target(status).map_err(|e| StoreError::Rule(e.to_owned()))?;
                let integrations = tags(c.integrations.iter().map(|i| i.key()));
                let regions = tags(c.regions.iter().map(|r| r.key()));
                let industries = tags(c.industries.iter().map(|i| i.key()));
                let number = match (target, latest) {
                    (EditTarget::Latest, Some((number, _))) => {
                        sqlx::query(
                            "UPDATE listing_versions SET status = 'draft', name = $3, short_description = $4, \
                             long_description = $5, partner_kind = $6, category = $7, integrations = $8, \
                             regions = $9, industries = $10, website = $11, support_email = $12, docs_url = $13, \
                             setup_steps = $14, written_by = $15, written_at = $16 \
                             WHERE listing_id = $1 AND number = $2",
                        )
                        .bind(listing_id)
                        .bind(number)
                        .bind(&c.name)
                        .bind(&c.short_description)
                        .bind(&c.long_description)
                        .bind(c.kind.key())
                        .bind(c.category.key())
                        .bind(&integrations)
                        .bind(&regions)
                        .bind(&industries)
                        .bind(&c.website)
                        .bind(&c.support_email)
                        .bind(&c.docs_url)
                        .bind(&c.setup_steps)
                        .bind(by)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        number
                    }
                    (_, latest) => {
                        let number = latest.map(|(n, _)| n + 1).unwrap_or(1);
                        sqlx::query(
                            "INSERT INTO listing_versions (listing_id, number, status, name, short_description, \
                             long_description, partner_kind, category, integrations, regions, industries, website, \
                             support_email, docs_url, setup_steps, written_by, written_at) \
                             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                        )
                        .bind(listing_id)
                        .bind(number)
                        .bind(&c.name)
                        .bind(&c.short_description)
                        .bind(&c.long_description)
                        .bind(c.kind.key())
                        .bind(c.category.key())
                        .bind(&integrations)
                        .bind(&regions)
                        .bind(&industries)
                        .bind(&c.website)
                        .bind(&c.support_email)
                        .bind(&c.docs_url)
                        .bind(&c.setup_steps)
                        .bind(by)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        number
                    }
                };
                let mut audit = audit;
                audit.detail["version"] = serde_json::json!(number);
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(number)
            }

            async fn submit_listing(
                &self,
                brand_id: i64,
                organisation_id: i64,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, organisation_id).await?;
                let found = Self::latest_listing_tx(&mut tx, brand_id, organisation_id).await?;
                let (listing_id, latest) = match found {
                    Some((id, Some((number, status)))) => (id, Some((number, ListingStatus::parse(&status)))),
                    _ => (0, None),
                };
                can_submit(latest.and_then(|(_, s)| s)).map_err(|e| StoreError::Rule(e.to_owned()))?;
                let number = latest.map(|(n, _)| n).unwrap_or_default();
                sqlx::query(
                    "UPDATE listing_versions SET status = 'in_review', submitted_at = $3, note = NULL \
                     WHERE listing_id = $1 AND number = $2",
                )
                .bind(listing_id)
                .bind(number)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let payload = serde_json::json!({ "organisation_id": organisation_id, "version": number, "at": now });
                let kind = "listing.submitted";
                Self::insert_program_event(&mut tx, brand_id, organisation_id, kind, payload, now).await?;
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                let mut audit = audit;
                audit.detail["version"] = serde_json::json!(number);
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(number)
            }

            async fn decide_listing(
                &self,
                brand_id: i64,
                organisation_id: i64,
                number: i64,
                to: ListingStatus,
                note: Option<&str>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, organisation_id).await?;
                let listing: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM listings WHERE brand_id = $1 AND organisation_id = $2")
                        .bind(brand_id)
                        .bind(organisation_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(listing_id) = listing else { return Err(StoreError::NotFound) };
                let version: Option<i64> = sqlx::query_scalar(
                    "UPDATE listing_versions SET status = $3, note = $4, decided_by = $5, decided_at = $6 \
                     WHERE listing_id = $1 AND number = $2 AND status = 'in_review' RETURNING id",
                )
                .bind(listing_id)
                .bind(number)
                .bind(to.key())
                .bind(note)
                .bind(audit.actor_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(version) = version else {
                    return Err(StoreError::Conflict(
                        "Someone decided on this listing first, or the partner changed it. Reload to see it now.",
                    ));
                };
                if to == ListingStatus::Approved {
                    sqlx::query(
                        "UPDATE listing_versions SET status = 'superseded' \
                         WHERE listing_id = $1 AND status = 'approved' AND id <> $2",
                    )
                    .bind(listing_id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE listings SET published_version = $2 WHERE id = $1")
                        .bind(listing_id)
                        .bind(version)
                        .execute(&mut *tx)
                        .await?;
                }
                let payload = serde_json::json!({
                    "organisation_id": organisation_id, "version": number, "status": to.key(), "note": note, "at": now,
                });
                let kind = format!("listing.{}", to.key());
                Self::insert_program_event(&mut tx, brand_id, organisation_id, &kind, payload, now).await?;
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn listing_queue(&self, brand_id: i64) -> StoreResult<Vec<ListingQueueItem>> {
                let rows: Vec<(i64, String, String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                    "SELECT l.organisation_id, o.name, v.name, v.number, v.submitted_at, l.published_version \
                     FROM listing_versions v JOIN listings l ON l.id = v.listing_id \
                     JOIN organisations o ON o.id = l.organisation_id \
                     WHERE v.status = 'in_review' AND l.brand_id = $1 ORDER BY v.submitted_at, v.id",
                )
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(organisation_id, organisation, name, number, submitted, published)| ListingQueueItem {
                        organisation_id,
                        organisation,
                        name,
                        number,
                        submitted_at_ms: submitted.unwrap_or_default(),
                        published: published.is_some(),
                    })
                    .collect())
            }

            async fn has_approved_listing(&self, brand_id: i64, organisation_id: i64) -> StoreResult<bool> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM listings WHERE brand_id = $1 AND organisation_id = $2 \
                     AND published_version IS NOT NULL",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(n > 0)
            }

            async fn directory(
                &self,
                brand_id: i64,
                filter: &DirectoryFilter,
                q: &str,
                offset: i64,
                limit: i64,
            ) -> StoreResult<(Vec<DirectoryEntry>, i64)> {
                use $crate::server::store::market::{
                    directory_where, EntryRow, DIRECTORY_FROM, VERSION_COLUMNS, VERSION_JOINS,
                };
                let filter_sql = directory_where(!q.is_empty());
                let total: i64 = bind_directory!(
                    sqlx::query_scalar(&format!("SELECT COUNT(*) {DIRECTORY_FROM} WHERE {filter_sql}")),
                    brand_id,
                    filter,
                    q
                )
                .fetch_one(&self.pool)
                .await?;
                let sql = format!(
                    "SELECT l.slug, l.organisation_id, o.certification_state AS state, {VERSION_COLUMNS} \
                     {DIRECTORY_FROM} {VERSION_JOINS} \
                     WHERE {filter_sql} ORDER BY CASE o.certification_state WHEN 'premier' THEN 0 \
                     WHEN 'featured' THEN 1 ELSE 2 END, LOWER(v.name), l.id LIMIT $8 OFFSET $9"
                );
                let rows: Vec<EntryRow> = bind_directory!(sqlx::query_as(&sql), brand_id, filter, q)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?;
                Ok((rows.into_iter().map(EntryRow::into_entry).collect::<StoreResult<_>>()?, total))
            }

            async fn directory_listing(&self, brand_id: i64, slug: &str) -> StoreResult<Option<DirectoryEntry>> {
                use $crate::server::store::market::{EntryRow, DIRECTORY_FROM, VERSION_COLUMNS, VERSION_JOINS};
                let shown: Vec<String> = $crate::domain::marketplace::SHOWN_STATES
                    .iter()
                    .map(|s| format!("'{}'", s.key()))
                    .collect();
                let row: Option<EntryRow> = sqlx::query_as(&format!(
                    "SELECT l.slug, l.organisation_id, o.certification_state AS state, {VERSION_COLUMNS} \
                     {DIRECTORY_FROM} {VERSION_JOINS} \
                     WHERE l.brand_id = $1 AND l.slug = $2 AND o.certification_state IN ({})",
                    shown.join(", ")
                ))
                .bind(brand_id)
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
                row.map(EntryRow::into_entry).transpose()
            }
        }
    };
}
