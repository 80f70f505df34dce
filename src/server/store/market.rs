//! SQL for the marketplace, shared by both engines through `market_store!`:
//! listings in versions, their review, and the public directory. A
//! partner's listing writes take turns (`ORG_LOCK` on PostgreSQL, the single
//! writer on SQLite); every decision is an `UPDATE` guarded by the version
//! number and its status, so a second decision finds nothing to change.

pub use super::brands::Logo as StoredImage;
use super::common::*;
use crate::domain::application::{Category, IntegrationOption, PartnerKind};
pub(super) use crate::domain::marketplace::{can_submit, edit_target, tags, EditTarget};
use crate::domain::marketplace::{untag, Industry, Region};
pub use crate::domain::marketplace::{
    DirectoryEntry, DirectoryFilter, Listing, ListingContent, ListingQueueItem, ListingStatus, ListingVersion,
};
pub(super) use crate::domain::showcase::{place, swap_with, ImageKind, ListingImage, LOGO_POSITION};

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
    /// Adds a picture to the version being edited (a new draft copying the
    /// latest when that one is decided), where `domain::showcase::place`
    /// puts it; a logo replaces the version's logo. Refused (`Rule`) with no
    /// listing yet, while a version is in review, or past six screenshots.
    /// Returns the version's number.
    async fn add_listing_image(
        &self,
        brand_id: i64,
        organisation_id: i64,
        image: &NewListingImage,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Removes the picture at `position` from the version being edited, as
    /// `add_listing_image` finds it. `Conflict` when no picture is there.
    async fn remove_listing_image(
        &self,
        brand_id: i64,
        organisation_id: i64,
        position: i64,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Moves the screenshot at `position` one place earlier or later in the
    /// version being edited; `Rule` at either end.
    #[allow(clippy::too_many_arguments)]
    async fn move_listing_image(
        &self,
        brand_id: i64,
        organisation_id: i64,
        position: i64,
        earlier: bool,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// A picture of any version of the partner's listing, for its own people
    /// and the program's managers.
    async fn listing_image(&self, brand_id: i64, organisation_id: i64, id: i64) -> StoreResult<Option<StoredImage>>;
    /// A picture of a shown partner's published version, for everyone.
    async fn published_image(&self, brand_id: i64, slug: &str, id: i64) -> StoreResult<Option<StoredImage>>;
}

/// A checked upload (`server::logo::check_logo`) about to join a listing.
pub struct NewListingImage {
    pub kind: ImageKind,
    pub alt: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub width: i64,
    pub height: i64,
    /// The SHA-256 of the bytes, in hex: the blob's key.
    pub sha: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct ImageRow {
    pub id: i64,
    pub kind: String,
    pub position: i64,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

impl ImageRow {
    pub fn into_image(self) -> StoreResult<ListingImage> {
        Ok(ListingImage {
            id: self.id,
            kind: ImageKind::parse(&self.kind).ok_or_else(|| super::partners::corrupt("listing image"))?,
            position: self.position,
            alt: self.alt,
            width: self.width,
            height: self.height,
        })
    }
}

pub(super) fn images(rows: Vec<ImageRow>) -> StoreResult<Vec<ListingImage>> {
    rows.into_iter().map(ImageRow::into_image).collect()
}

/// A version's pictures (`$1` its id), in place order.
pub(super) const IMAGES_SQL: &str = "SELECT i.id, i.kind, i.position, i.alt, b.width, b.height \
     FROM listing_images i JOIN listing_image_blobs b ON b.sha = i.sha \
     WHERE i.listing_version_id = $1 ORDER BY i.position";

/// A picture's bytes from `listing_images i` joined to its version `v`
/// and listing `l`.
pub(super) const IMAGE_BYTES_SQL: &str = "SELECT b.content_type, b.bytes, b.width, b.height, b.sha \
     FROM listing_images i JOIN listing_image_blobs b ON b.sha = i.sha";

#[derive(sqlx::FromRow)]
pub(super) struct BytesRow {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub width: i64,
    pub height: i64,
    pub sha: String,
}

impl BytesRow {
    pub fn into_image(self) -> StoredImage {
        StoredImage {
            content_type: self.content_type,
            bytes: self.bytes,
            width: self.width,
            height: self.height,
            etag: format!("\"{}\"", self.sha),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VersionRow {
    pub version_id: i64,
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
pub(super) const VERSION_COLUMNS: &str =
    "v.id AS version_id, v.number, v.status, v.name, v.short_description, v.long_description, \
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
    pub fn into_version(self, images: Vec<ListingImage>) -> StoreResult<ListingVersion> {
        Ok(ListingVersion {
            images,
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
    /// The logo, when the query joined it (`DIRECTORY_LOGO`).
    #[sqlx(default)]
    pub logo_id: Option<i64>,
    #[sqlx(default)]
    pub logo_width: Option<i64>,
    #[sqlx(default)]
    pub logo_height: Option<i64>,
    #[sqlx(flatten)]
    pub version: VersionRow,
}

/// The published version's logo for each directory row.
pub(super) const DIRECTORY_LOGO: &str = "LEFT JOIN listing_images li ON li.listing_version_id = v.id \
     AND li.kind = 'logo' LEFT JOIN listing_image_blobs lb ON lb.sha = li.sha";
pub(super) const DIRECTORY_LOGO_COLUMNS: &str = "li.id AS logo_id, lb.width AS logo_width, lb.height AS logo_height";

impl EntryRow {
    /// The entry with `images`, or with its joined logo when `None`.
    pub fn into_entry(self, images: Option<Vec<ListingImage>>) -> StoreResult<DirectoryEntry> {
        let logo = match (self.logo_id, self.logo_width, self.logo_height) {
            (Some(id), Some(width), Some(height)) => vec![ListingImage {
                id,
                kind: ImageKind::Logo,
                position: LOGO_POSITION,
                alt: String::new(),
                width,
                height,
            }],
            _ => Vec::new(),
        };
        Ok(DirectoryEntry {
            images: images.unwrap_or(logo),
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
    format!(
        "l.brand_id = $1 AND o.certification_state IN ({}) AND ($2 = '' OR v.partner_kind LIKE $2) \
         AND ($3 = '' OR v.category = $3) AND ($4 = '' OR v.integrations LIKE $4) \
         AND ($5 = '' OR v.regions LIKE $5) AND ($6 = '' OR v.industries LIKE $6) AND {}",
        shown_states(),
        search_clause(searching, "$7", &["v.name", "v.short_description", "v.long_description"])
    )
}

/// The certification states whose listing shows, as an SQL list.
pub(super) fn shown_states() -> String {
    let shown: Vec<String> =
        crate::domain::marketplace::SHOWN_STATES.iter().map(|s| format!("'{}'", s.key())).collect();
    shown.join(", ")
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
            /// The listing's id and the id, number and status of its latest
            /// version.
            async fn latest_listing_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                organisation_id: i64,
            ) -> StoreResult<Option<(i64, Option<(i64, i64, String)>)>> {
                let listing: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM listings WHERE brand_id = $1 AND organisation_id = $2")
                        .bind(brand_id)
                        .bind(organisation_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                let Some(id) = listing else { return Ok(None) };
                let latest: Option<(i64, i64, String)> = sqlx::query_as(
                    "SELECT id, number, status FROM listing_versions WHERE listing_id = $1 \
                     ORDER BY number DESC LIMIT 1",
                )
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                Ok(Some((id, latest)))
            }

            /// The version a change goes into, as `(id, number)`: the latest
            /// while it is a draft or sent back, otherwise a new draft copying
            /// the latest version's content and pictures, so a decided
            /// version stays as it was decided. The first save (`slug` given)
            /// creates the listing, whose first version that save fills in.
            async fn editable_version_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                organisation_id: i64,
                slug: Option<&str>,
                by: i64,
                now: i64,
            ) -> StoreResult<(i64, i64)> {
                let (listing_id, latest) = match Self::latest_listing_tx(tx, brand_id, organisation_id).await? {
                    Some(found) => found,
                    None => {
                        let Some(slug) = slug else {
                            let first = "Save your listing first: its pictures belong to a version of it.";
                            return Err(StoreError::Rule(first.into()));
                        };
                        // The first free of `slug`, `slug-2`, `slug-3`, … in
                        // the brand.
                        let taken: Vec<String> = sqlx::query_scalar(
                            "SELECT slug FROM listings WHERE brand_id = $1 AND (slug = $2 OR slug LIKE $3)",
                        )
                        .bind(brand_id)
                        .bind(slug)
                        .bind(format!("{slug}-%"))
                        .fetch_all(&mut **tx)
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
                        .fetch_one(&mut **tx)
                        .await?;
                        (id, None)
                    }
                };
                let status = latest.as_ref().and_then(|(_, _, s)| ListingStatus::parse(s));
                let target = edit_target(status).map_err(|e| StoreError::Rule(e.to_owned()))?;
                match (target, latest) {
                    (EditTarget::Latest, Some((id, number, _))) => Ok((id, number)),
                    (_, Some((from, number, _))) => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO listing_versions (listing_id, number, status, name, short_description, \
                             long_description, partner_kind, category, integrations, regions, industries, website, \
                             support_email, docs_url, setup_steps, written_by, written_at) \
                             SELECT listing_id, $2, 'draft', name, short_description, long_description, partner_kind, \
                             category, integrations, regions, industries, website, support_email, docs_url, \
                             setup_steps, $3, $4 FROM listing_versions WHERE id = $1 RETURNING id",
                        )
                        .bind(from)
                        .bind(number + 1)
                        .bind(by)
                        .bind(now)
                        .fetch_one(&mut **tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO listing_images (listing_version_id, kind, position, sha, alt) \
                             SELECT $2, kind, position, sha, alt FROM listing_images WHERE listing_version_id = $1",
                        )
                        .bind(from)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                        Ok((id, number + 1))
                    }
                    (_, None) => {
                        // Blank only until the save creating it fills it in,
                        // in this transaction.
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO listing_versions (listing_id, number, status, name, short_description, \
                             long_description, partner_kind, category, integrations, regions, industries, website, \
                             support_email, setup_steps, written_by, written_at) \
                             VALUES ($1, 1, 'draft', '', '', '', '', '', '', '', '', '', '', '', $2, $3) RETURNING id",
                        )
                        .bind(listing_id)
                        .bind(by)
                        .bind(now)
                        .fetch_one(&mut **tx)
                        .await?;
                        Ok((id, 1))
                    }
                }
            }

            async fn images_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                version_id: i64,
            ) -> StoreResult<Vec<ListingImage>> {
                let rows: Vec<$crate::server::store::market::ImageRow> =
                    sqlx::query_as($crate::server::store::market::IMAGES_SQL)
                        .bind(version_id)
                        .fetch_all(&mut **tx)
                        .await?;
                $crate::server::store::market::images(rows)
            }

            async fn images_of(&self, version_id: i64) -> StoreResult<Vec<ListingImage>> {
                let rows: Vec<$crate::server::store::market::ImageRow> =
                    sqlx::query_as($crate::server::store::market::IMAGES_SQL)
                        .bind(version_id)
                        .fetch_all(&self.pool)
                        .await?;
                $crate::server::store::market::images(rows)
            }

            /// Starts a picture change: the partner's writes take turns, and
            /// the change goes into the version being edited.
            async fn begin_image_change(
                &self,
                brand_id: i64,
                organisation_id: i64,
                by: i64,
                now: i64,
            ) -> StoreResult<(sqlx::Transaction<'static, $db>, (i64, i64))> {
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::ORG_LOCK, organisation_id).await?;
                let version = Self::editable_version_tx(&mut tx, brand_id, organisation_id, None, by, now).await?;
                Ok((tx, version))
            }

            /// Takes the picture at `position` out of `version`; returns
            /// its blob's key, if a picture was there.
            async fn take_out_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                version: i64,
                position: i64,
            ) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar(
                    "DELETE FROM listing_images WHERE listing_version_id = $1 AND position = $2 RETURNING sha",
                )
                .bind(version)
                .bind(position)
                .fetch_optional(&mut **tx)
                .await?)
            }

            /// Drops a blob no picture names any more.
            async fn forget_blob_tx(tx: &mut sqlx::Transaction<'_, $db>, sha: &str) -> StoreResult<()> {
                sqlx::query(
                    "DELETE FROM listing_image_blobs WHERE sha = $1 \
                     AND NOT EXISTS (SELECT 1 FROM listing_images WHERE sha = $1)",
                )
                .bind(sha)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Ends a picture change: the version becomes a draft written
            /// by `by` now, as a saved text makes it, and the audit row names
            /// it.
            async fn finish_image_change(
                mut tx: sqlx::Transaction<'_, $db>,
                (version, number): (i64, i64),
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                sqlx::query(
                    "UPDATE listing_versions SET status = 'draft', written_by = $2, written_at = $3 WHERE id = $1",
                )
                .bind(version)
                .bind(by)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.detail["version"] = serde_json::json!(number);
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(number)
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
                let latest_images = self.images_of(latest.version_id).await?;
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
                    latest: latest.into_version(latest_images)?,
                    published: match published {
                        Some(p) => {
                            let images = self.images_of(p.version_id).await?;
                            Some(p.into_version(images)?)
                        }
                        None => None,
                    },
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
                let (version, number) =
                    Self::editable_version_tx(&mut tx, brand_id, organisation_id, Some(slug), by, now).await?;
                sqlx::query(
                    "UPDATE listing_versions SET status = 'draft', name = $2, short_description = $3, \
                     long_description = $4, partner_kind = $5, category = $6, integrations = $7, regions = $8, \
                     industries = $9, website = $10, support_email = $11, docs_url = $12, setup_steps = $13, \
                     written_by = $14, written_at = $15 WHERE id = $1",
                )
                .bind(version)
                .bind(&c.name)
                .bind(&c.short_description)
                .bind(&c.long_description)
                .bind(c.kind.key())
                .bind(c.category.key())
                .bind(tags(c.integrations.iter().map(|i| i.key())))
                .bind(tags(c.regions.iter().map(|r| r.key())))
                .bind(tags(c.industries.iter().map(|i| i.key())))
                .bind(&c.website)
                .bind(&c.support_email)
                .bind(&c.docs_url)
                .bind(&c.setup_steps)
                .bind(by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
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
                    Some((id, Some((_, number, status)))) => (id, Some((number, ListingStatus::parse(&status)))),
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
                    directory_where, EntryRow, DIRECTORY_FROM, DIRECTORY_LOGO, DIRECTORY_LOGO_COLUMNS, VERSION_COLUMNS,
                    VERSION_JOINS,
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
                    "SELECT l.slug, l.organisation_id, o.certification_state AS state, {DIRECTORY_LOGO_COLUMNS}, \
                     {VERSION_COLUMNS} {DIRECTORY_FROM} {VERSION_JOINS} {DIRECTORY_LOGO} \
                     WHERE {filter_sql} ORDER BY CASE o.certification_state WHEN 'premier' THEN 0 \
                     WHEN 'featured' THEN 1 ELSE 2 END, LOWER(v.name), l.id LIMIT $8 OFFSET $9"
                );
                let rows: Vec<EntryRow> = bind_directory!(sqlx::query_as(&sql), brand_id, filter, q)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?;
                Ok((rows.into_iter().map(|r| r.into_entry(None)).collect::<StoreResult<_>>()?, total))
            }

            async fn directory_listing(&self, brand_id: i64, slug: &str) -> StoreResult<Option<DirectoryEntry>> {
                use $crate::server::store::market::{EntryRow, DIRECTORY_FROM, VERSION_COLUMNS, VERSION_JOINS};
                let row: Option<EntryRow> = sqlx::query_as(&format!(
                    "SELECT l.slug, l.organisation_id, o.certification_state AS state, {VERSION_COLUMNS} \
                     {DIRECTORY_FROM} {VERSION_JOINS} \
                     WHERE l.brand_id = $1 AND l.slug = $2 AND o.certification_state IN ({})",
                    $crate::server::store::market::shown_states()
                ))
                .bind(brand_id)
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let images = self.images_of(row.version.version_id).await?;
                row.into_entry(Some(images)).map(Some)
            }

            async fn add_listing_image(
                &self,
                brand_id: i64,
                organisation_id: i64,
                image: &$crate::server::store::market::NewListingImage,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let (mut tx, (version, number)) =
                    self.begin_image_change(brand_id, organisation_id, by, ms(audit.at)).await?;
                let existing = Self::images_tx(&mut tx, version).await?;
                let placed = place(image.kind.key(), &image.alt, &existing).map_err(|(_, m)| StoreError::Rule(m))?;
                sqlx::query(
                    "INSERT INTO listing_image_blobs (sha, content_type, bytes, width, height, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha) DO NOTHING",
                )
                .bind(&image.sha)
                .bind(&image.content_type)
                .bind(&image.bytes)
                .bind(image.width)
                .bind(image.height)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?;
                let replaced = Self::take_out_tx(&mut tx, version, placed.position).await?;
                sqlx::query(
                    "INSERT INTO listing_images (listing_version_id, kind, position, sha, alt) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(version)
                .bind(placed.kind.key())
                .bind(placed.position)
                .bind(&image.sha)
                .bind(&placed.alt)
                .execute(&mut *tx)
                .await?;
                if let Some(old) = replaced {
                    Self::forget_blob_tx(&mut tx, &old).await?;
                }
                Self::finish_image_change(tx, (version, number), by, audit).await
            }

            async fn remove_listing_image(
                &self,
                brand_id: i64,
                organisation_id: i64,
                position: i64,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let (mut tx, (version, number)) =
                    self.begin_image_change(brand_id, organisation_id, by, ms(audit.at)).await?;
                let removed = Self::take_out_tx(&mut tx, version, position).await?;
                let Some(sha) = removed else {
                    return Err(StoreError::Conflict("That picture is no longer there. Reload to see the listing now."));
                };
                Self::forget_blob_tx(&mut tx, &sha).await?;
                Self::finish_image_change(tx, (version, number), by, audit).await
            }

            async fn move_listing_image(
                &self,
                brand_id: i64,
                organisation_id: i64,
                position: i64,
                earlier: bool,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let (mut tx, (version, number)) =
                    self.begin_image_change(brand_id, organisation_id, by, ms(audit.at)).await?;
                let existing = Self::images_tx(&mut tx, version).await?;
                let Some((a, b)) = swap_with(&existing, position, earlier) else {
                    return Err(StoreError::Rule(
                        if earlier { "That screenshot is already first." } else { "That screenshot is already last." }
                            .into(),
                    ));
                };
                // Through a free place: the pair (version, position) is unique.
                for (from, to) in [(a, -1), (b, a), (-1, b)] {
                    sqlx::query(
                        "UPDATE listing_images SET position = $3 WHERE listing_version_id = $1 AND position = $2",
                    )
                    .bind(version)
                    .bind(from)
                    .bind(to)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::finish_image_change(tx, (version, number), by, audit).await
            }

            async fn listing_image(
                &self,
                brand_id: i64,
                organisation_id: i64,
                id: i64,
            ) -> StoreResult<Option<$crate::server::store::market::StoredImage>> {
                use $crate::server::store::market::{BytesRow, IMAGE_BYTES_SQL};
                let row: Option<BytesRow> = sqlx::query_as(&format!(
                    "{IMAGE_BYTES_SQL} JOIN listing_versions v ON v.id = i.listing_version_id \
                     JOIN listings l ON l.id = v.listing_id \
                     WHERE l.brand_id = $1 AND l.organisation_id = $2 AND i.id = $3"
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(BytesRow::into_image))
            }

            async fn published_image(
                &self,
                brand_id: i64,
                slug: &str,
                id: i64,
            ) -> StoreResult<Option<$crate::server::store::market::StoredImage>> {
                use $crate::server::store::market::{BytesRow, IMAGE_BYTES_SQL};
                let row: Option<BytesRow> = sqlx::query_as(&format!(
                    "{IMAGE_BYTES_SQL} JOIN listings l ON l.published_version = i.listing_version_id \
                     JOIN organisations o ON o.id = l.organisation_id \
                     WHERE l.brand_id = $1 AND l.slug = $2 AND i.id = $3 AND o.certification_state IN ({})",
                    $crate::server::store::market::shown_states()
                ))
                .bind(brand_id)
                .bind(slug)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(BytesRow::into_image))
            }
        }
    };
}
