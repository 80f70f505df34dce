//! SQL for support tickets and quarterly reviews, shared by both engines
//! through `support_store!`.

use super::common::*;
pub(super) use crate::domain::certification::SupportTier;
pub(super) use crate::domain::support::{
    AttachmentView, MessageView, Resolution, Severity, TicketClock, TicketColumn, TicketSort, TicketStatus, TicketView,
};

/// A ticket about to be opened.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub opened_by: i64,
    pub subject: String,
    pub description: String,
    pub severity: Severity,
    pub tier: SupportTier,
    pub target_minutes: i64,
    pub opened_at: DateTime<Utc>,
    pub attachment: Option<NewAttachment>,
}

/// A checked file: its content type was sniffed from the bytes.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewReply {
    pub author_id: i64,
    pub from_staff: bool,
    pub body: String,
    pub attachment: Option<NewAttachment>,
}

/// Which tickets to list: one partner's or the brand's; the queue order
/// (waiting for a first response, by due time) or newest first.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub organisation_id: Option<i64>,
    pub status: Option<TicketStatus>,
    pub queue: bool,
    pub limit: i64,
    /// Only tickets whose subject or partner matches this
    /// `domain::listing::like_pattern`.
    pub search: Option<String>,
    /// An order chosen on the queue (`queue` then only says which tickets);
    /// `None` keeps the list's own order.
    pub sort: Option<TicketSort>,
    /// Tickets skipped before the first listed, for later pages.
    pub offset: i64,
    /// Only tickets past their first-response target at this moment (ms):
    /// unanswered and due before it, or answered after their due time.
    /// The SQL twin of `domain::support::sla_clock`'s `Breached`.
    pub breached_at: Option<i64>,
}

/// A ticket with the addresses its emails go to.
#[derive(Debug, Clone)]
pub struct TicketRecord {
    pub view: TicketView,
    pub opener_email: String,
    pub assignee_email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttachmentFile {
    pub ticket_id: i64,
    pub organisation_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewReview {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub quarter: String,
    pub snapshot: ReviewSnapshot,
    pub recommendations: String,
    pub created_by: i64,
}

#[async_trait]
pub trait SupportStore: Send + Sync + 'static {
    /// Opens a ticket with its description as the first message; `mails`
    /// gets the new ticket's id.
    async fn open_ticket(
        &self,
        ticket: NewTicket,
        mails: &(dyn Fn(i64) -> Vec<OutgoingEmail> + Send + Sync),
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn ticket(&self, brand_id: i64, ticket_id: i64) -> StoreResult<Option<TicketRecord>>;
    async fn ticket_messages(&self, brand_id: i64, ticket_id: i64) -> StoreResult<Vec<MessageView>>;
    async fn tickets(&self, brand_id: i64, filter: TicketFilter) -> StoreResult<Vec<TicketView>>;
    /// How many tickets `filter` lets through, whatever its limit.
    async fn ticket_count(&self, brand_id: i64, filter: &TicketFilter) -> StoreResult<i64>;
    /// Adds a message to an open ticket; a staff reply stops the clock if
    /// it is the first. A resolved ticket refuses replies.
    async fn add_reply(
        &self,
        brand_id: i64,
        ticket_id: i64,
        reply: NewReply,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Assigns to an active manager or admin of the brand, or nobody.
    async fn assign_ticket(
        &self,
        brand_id: i64,
        ticket_id: i64,
        assignee_id: Option<i64>,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn resolve_ticket(
        &self,
        brand_id: i64,
        ticket_id: i64,
        by: i64,
        resolution: &Resolution,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn reopen_ticket(
        &self,
        brand_id: i64,
        ticket_id: i64,
        by: i64,
        reason: &str,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn attachment(&self, brand_id: i64, attachment_id: i64) -> StoreResult<Option<AttachmentFile>>;
    /// Tickets opened from `from` until before `until`, as the SLA report
    /// and the scorecard judge them.
    async fn ticket_clocks(
        &self,
        brand_id: i64,
        organisation_id: Option<i64>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<TicketClock>>;
    /// Saves a quarterly review; generating a quarter again replaces it.
    async fn save_review(&self, review: NewReview, audit: NewAudit) -> StoreResult<i64>;
    /// A partner's reviews, latest quarter first.
    async fn reviews(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ReviewRecord>>;
    async fn review(&self, brand_id: i64, review_id: i64) -> StoreResult<Option<ReviewRecord>>;
}

#[derive(sqlx::FromRow)]
pub(super) struct TicketRow {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub subject: String,
    pub severity: String,
    pub support_tier: String,
    pub target_minutes: i64,
    pub opened_at: i64,
    pub opened_by: String,
    pub opened_by_email: String,
    pub first_response_at: Option<i64>,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub assignee_email: Option<String>,
    pub resolution: Option<String>,
    pub resolved_at: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
}

impl TicketRow {
    pub fn into_record(self) -> StoreResult<TicketRecord> {
        let bad = || super::partners::corrupt("ticket");
        let resolution = match self.resolution.as_deref() {
            None => None,
            Some(text) => Some(serde_json::from_str::<Resolution>(text).map_err(|_| bad())?),
        };
        Ok(TicketRecord {
            view: TicketView {
                id: self.id,
                organisation_id: self.organisation_id,
                organisation: self.organisation,
                subject: self.subject,
                severity: Severity::parse(&self.severity).ok_or_else(bad)?,
                tier: SupportTier::parse(&self.support_tier).ok_or_else(bad)?,
                target_minutes: self.target_minutes,
                opened_ms: self.opened_at,
                opened_by: self.opened_by,
                first_response_ms: self.first_response_at,
                status: TicketStatus::parse(&self.status).ok_or_else(bad)?,
                assignee_id: self.assignee_id,
                assignee: self.assignee,
                resolution,
                resolved_ms: self.resolved_at,
                updated_ms: self.updated_at,
                version: self.version,
            },
            opener_email: self.opened_by_email,
            assignee_email: self.assignee_email,
        })
    }
}

pub(super) const TICKET_SELECT: &str = "SELECT t.id, t.organisation_id, o.name AS organisation, t.subject, \
     t.severity, t.support_tier, t.target_minutes, t.opened_at, \
     COALESCE(NULLIF(ou.display_name, ''), ou.email) AS opened_by, ou.email AS opened_by_email, \
     t.first_response_at, t.status, t.assignee_id, COALESCE(NULLIF(au.display_name, ''), au.email) AS assignee, \
     au.email AS assignee_email, t.resolution, t.resolved_at, t.updated_at, t.version \
     FROM support_tickets t JOIN organisations o ON o.id = t.organisation_id \
     JOIN users ou ON ou.id = t.opened_by LEFT JOIN users au ON au.id = t.assignee_id";

#[derive(sqlx::FromRow)]
pub(super) struct ReviewRow {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub quarter: String,
    pub snapshot: String,
    pub recommendations: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ReviewRow {
    pub fn into_record(self) -> StoreResult<ReviewRecord> {
        Ok(ReviewRecord {
            id: self.id,
            organisation_id: self.organisation_id,
            organisation: self.organisation,
            quarter: self.quarter,
            snapshot: serde_json::from_str(&self.snapshot).map_err(|_| super::partners::corrupt("review"))?,
            recommendations: self.recommendations,
            created_by: self.created_by,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
        })
    }
}

pub(super) const REVIEW_SELECT: &str = "SELECT r.id, r.organisation_id, o.name AS organisation, r.quarter, \
     r.snapshot, r.recommendations, COALESCE(NULLIF(u.display_name, ''), u.email) AS created_by, r.created_at, \
     r.updated_at FROM quarterly_reviews r JOIN organisations o ON o.id = r.organisation_id \
     JOIN users u ON u.id = r.created_by";

/// The tickets' filter: `$1` brand, `$2` a partner or NULL, `$3` a status
/// or NULL. A missing filter tests its own parameter rather than every row:
/// `($2 IS NULL OR t.organisation_id = $2)` kept SQLite off the partner's
/// index, so one partner's page walked every ticket of the program.
pub(super) fn ticket_filter(organisation: bool, status: bool) -> String {
    let status = if status { "t.status = $3" } else { "$3 IS NULL" };
    if organisation {
        format!("{} AND t.organisation_id = $2 AND {status}", BRAND_NOT_INDEXED)
    } else {
        format!("t.brand_id = $1 AND $2 IS NULL AND {status}")
    }
}

/// ORDER BY for a ticket list. The queue: tickets still waiting for a first
/// response by due time, then the rest by their last activity; otherwise
/// the newest first. A chosen order keeps the waiting tickets first when it
/// is by due time, as only they have one.
pub(super) fn ticket_order(queue: bool, sort: Option<TicketSort>) -> String {
    const WAITING_DUE: &str = "(t.first_response_at IS NOT NULL), \
         CASE WHEN t.first_response_at IS NULL THEN t.due_at ELSE 0 END";
    let Some(sort) = sort else {
        return if queue {
            format!("{WAITING_DUE}, t.updated_at DESC, t.id")
        } else {
            "t.opened_at DESC, t.id DESC".into()
        };
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    match sort.column {
        TicketColumn::Due => format!("{WAITING_DUE} {dir}, t.updated_at DESC, t.id"),
        TicketColumn::Opened => format!("t.opened_at {dir}, t.id {dir}"),
        TicketColumn::Partner => format!("LOWER(o.name) {dir}, t.opened_at DESC, t.id DESC"),
        TicketColumn::Severity => format!("t.severity {dir}, t.opened_at DESC, t.id DESC"),
    }
}

/// A ticket list's search, `$4`: a `like_pattern` matched against the
/// subject and the partner's name.
pub(super) fn ticket_search(searching: bool) -> String {
    super::common::search_clause(searching, "$4", &["t.subject", "o.name"])
}

/// The whole WHERE of a ticket list and its count, binding `$1`–`$5` in
/// `bind_ticket_filter!`'s order, so the list and its count never differ.
pub(super) fn ticket_where(filter: &TicketFilter) -> String {
    let breached =
        if filter.breached_at.is_some() { "COALESCE(t.first_response_at, $5) > t.due_at" } else { "$5 IS NULL" };
    format!(
        "{} AND {} AND {breached}",
        ticket_filter(filter.organisation_id.is_some(), filter.status.is_some()),
        ticket_search(filter.search.is_some())
    )
}

/// The brand check of a query that names one partner. SQLite, without
/// table statistics, would pick a brand index as readily as the partner's
/// and walk the whole program; the unary `+` keeps the test but takes the
/// brand's indexes out of the choice (`EXPLAIN QUERY PLAN`). PostgreSQL
/// reads it as the same comparison.
pub(super) const BRAND_NOT_INDEXED: &str = "+t.brand_id = $1";

/// Binds `ticket_where`'s `$1`–`$5` to a query, in its order.
macro_rules! bind_ticket_filter {
    ($query:expr, $brand:expr, $filter:expr) => {
        $query
            .bind($brand)
            .bind($filter.organisation_id)
            .bind($filter.status.map(|s| s.key()))
            .bind($filter.search.as_deref().unwrap_or_default())
            .bind($filter.breached_at)
    };
}

/// Emits `impl SupportStore for $store`.
macro_rules! support_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn insert_message(
                tx: &mut sqlx::Transaction<'_, $db>,
                ticket_id: i64,
                author_id: i64,
                from_staff: bool,
                body: &str,
                attachment: Option<&NewAttachment>,
                now: i64,
            ) -> StoreResult<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO support_messages (ticket_id, author_id, from_staff, body, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(ticket_id)
                .bind(author_id)
                .bind(from_staff)
                .bind(body)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?;
                if let Some(a) = attachment {
                    sqlx::query(
                        "INSERT INTO support_attachments (ticket_id, message_id, file_name, content_type, size, bytes, \
                         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(ticket_id)
                    .bind(id)
                    .bind(&a.file_name)
                    .bind(&a.content_type)
                    .bind(a.bytes.len() as i64)
                    .bind(&a.bytes[..])
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(id)
            }

            async fn finish_ticket_write(
                mut tx: sqlx::Transaction<'_, $db>,
                mails: &[OutgoingEmail],
                audit: &NewAudit,
            ) -> StoreResult<()> {
                for mail in mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                Self::insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl SupportStore for $store {
            async fn open_ticket(
                &self,
                t: NewTicket,
                mails: &(dyn Fn(i64) -> Vec<OutgoingEmail> + Send + Sync),
                mut audit: NewAudit,
            ) -> StoreResult<i64> {
                let now = ms(t.opened_at);
                let due = now + t.target_minutes * $crate::domain::support::MINUTE_MS;
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO support_tickets (brand_id, organisation_id, opened_by, subject, severity, \
                     support_tier, \
                     target_minutes, opened_at, due_at, status, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $8) RETURNING id",
                )
                .bind(t.brand_id)
                .bind(t.organisation_id)
                .bind(t.opened_by)
                .bind(&t.subject)
                .bind(t.severity.key())
                .bind(t.tier.key())
                .bind(t.target_minutes)
                .bind(now)
                .bind(due)
                .fetch_one(&mut *tx)
                .await?;
                Self::insert_message(&mut tx, id, t.opened_by, false, &t.description, t.attachment.as_ref(), now)
                    .await?;
                audit.subject = format!("ticket:{id}");
                Self::finish_ticket_write(tx, &mails(id), &audit).await?;
                Ok(id)
            }

            async fn ticket(&self, brand_id: i64, ticket_id: i64) -> StoreResult<Option<TicketRecord>> {
                let row: Option<TicketRow> = sqlx::query_as(&format!(
                    "{} WHERE t.brand_id = $1 AND t.id = $2",
                    $crate::server::store::support::TICKET_SELECT
                ))
                .bind(brand_id)
                .bind(ticket_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TicketRow::into_record).transpose()
            }

            async fn ticket_messages(&self, brand_id: i64, ticket_id: i64) -> StoreResult<Vec<MessageView>> {
                let rows: Vec<(i64, String, bool, String, i64)> = sqlx::query_as(
                    "SELECT m.id, COALESCE(NULLIF(u.display_name, ''), u.email), m.from_staff, m.body, m.created_at \
                     FROM support_messages m JOIN support_tickets t ON t.id = m.ticket_id \
                     JOIN users u ON u.id = m.author_id WHERE t.brand_id = $1 AND m.ticket_id = $2 ORDER BY m.id",
                )
                .bind(brand_id)
                .bind(ticket_id)
                .fetch_all(&self.pool)
                .await?;
                let files: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
                    "SELECT a.id, a.message_id, a.file_name, a.content_type, a.size FROM support_attachments a \
                     JOIN support_tickets t ON t.id = a.ticket_id WHERE t.brand_id = $1 AND a.ticket_id = $2 \
                     ORDER BY a.id",
                )
                .bind(brand_id)
                .bind(ticket_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, author, from_staff, body, at_ms)| MessageView {
                        id,
                        author,
                        from_staff,
                        body,
                        at_ms,
                        attachments: files
                            .iter()
                            .filter(|f| f.1 == id)
                            .map(|f| AttachmentView {
                                id: f.0,
                                file_name: f.2.clone(),
                                content_type: f.3.clone(),
                                size: f.4,
                            })
                            .collect(),
                    })
                    .collect())
            }

            async fn tickets(&self, brand_id: i64, filter: TicketFilter) -> StoreResult<Vec<TicketView>> {
                let order = $crate::server::store::support::ticket_order(filter.queue, filter.sort);
                let sql = format!(
                    "{} WHERE {} ORDER BY {order} LIMIT $6 OFFSET $7",
                    $crate::server::store::support::TICKET_SELECT,
                    $crate::server::store::support::ticket_where(&filter),
                );
                let rows: Vec<TicketRow> = bind_ticket_filter!(sqlx::query_as(&sql), brand_id, &filter)
                    .bind(filter.limit)
                    .bind(filter.offset)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(|r| r.into_record().map(|r| r.view)).collect()
            }

            async fn ticket_count(&self, brand_id: i64, filter: &TicketFilter) -> StoreResult<i64> {
                let sql = format!(
                    "SELECT COUNT(*) FROM support_tickets t JOIN organisations o ON o.id = t.organisation_id WHERE {}",
                    $crate::server::store::support::ticket_where(filter),
                );
                Ok(bind_ticket_filter!(sqlx::query_scalar(&sql), brand_id, filter).fetch_one(&self.pool).await?)
            }

            async fn add_reply(
                &self,
                brand_id: i64,
                ticket_id: i64,
                reply: NewReply,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                // A staff reply is the first response if none came before,
                // and takes an unassigned ticket.
                let changed = sqlx::query(
                    "UPDATE support_tickets SET updated_at = $1, version = version + 1, \
                    first_response_at = CASE WHEN $2 AND first_response_at IS NULL THEN $1 ELSE first_response_at \
                     END, \
                    first_response_by = CASE WHEN $2 AND first_response_at IS NULL THEN $3 ELSE first_response_by \
                     END, \
                     assignee_id = CASE WHEN $2 AND assignee_id IS NULL THEN $3 ELSE assignee_id END \
                     WHERE id = $4 AND brand_id = $5 AND status = 'open'",
                )
                .bind(now)
                .bind(reply.from_staff)
                .bind(reply.author_id)
                .bind(ticket_id)
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::Rule(
                        "This ticket is resolved. Ask your partner manager to reopen it, or open a new ticket.".into(),
                    ));
                }
                let id = Self::insert_message(
                    &mut tx,
                    ticket_id,
                    reply.author_id,
                    reply.from_staff,
                    &reply.body,
                    reply.attachment.as_ref(),
                    now,
                )
                .await?;
                Self::finish_ticket_write(tx, &mails, &audit).await?;
                Ok(id)
            }

            async fn assign_ticket(
                &self,
                brand_id: i64,
                ticket_id: i64,
                assignee_id: Option<i64>,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                if let Some(a) = assignee_id {
                    let staff: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM users WHERE id = $1 AND brand_id = $2 AND role IN ('admin', 'manager') \
                         AND disabled_at IS NULL",
                    )
                    .bind(a)
                    .bind(brand_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if staff.is_none() {
                        return Err(StoreError::Rule(
                            "Tickets can be assigned to active partner managers only.".into(),
                        ));
                    }
                }
                let changed = sqlx::query(
                    "UPDATE support_tickets SET assignee_id = $1, updated_at = $2, version = version + 1 \
                     WHERE id = $3 AND brand_id = $4",
                )
                .bind(assignee_id)
                .bind(ms(audit.at))
                .bind(ticket_id)
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                Self::finish_ticket_write(tx, &mails, &audit).await
            }

            async fn resolve_ticket(
                &self,
                brand_id: i64,
                ticket_id: i64,
                by: i64,
                resolution: &Resolution,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                // Resolving answers the partner too, so it stops a running clock.
                let changed = sqlx::query(
                    "UPDATE support_tickets SET status = 'resolved', resolution = $1, resolved_at = $2, \
                     resolved_by = $3, updated_at = $2, version = version + 1, \
                     first_response_by = CASE WHEN first_response_at IS NULL THEN $3 ELSE first_response_by END, \
                     first_response_at = COALESCE(first_response_at, $2) \
                     WHERE id = $4 AND brand_id = $5 AND status = 'open'",
                )
                .bind(serde_json::to_string(resolution).expect("a resolution serialises"))
                .bind(now)
                .bind(by)
                .bind(ticket_id)
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::Conflict("This ticket is already resolved."));
                }
                Self::finish_ticket_write(tx, &mails, &audit).await
            }

            async fn reopen_ticket(
                &self,
                brand_id: i64,
                ticket_id: i64,
                by: i64,
                reason: &str,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE support_tickets SET status = 'open', resolution = NULL, resolved_at = NULL, \
                     resolved_by = NULL, updated_at = $1, version = version + 1 \
                     WHERE id = $2 AND brand_id = $3 AND status = 'resolved'",
                )
                .bind(now)
                .bind(ticket_id)
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::Conflict("This ticket is already open."));
                }
                Self::insert_message(&mut tx, ticket_id, by, true, &format!("Reopened: {reason}"), None, now).await?;
                Self::finish_ticket_write(tx, &mails, &audit).await
            }

            async fn attachment(&self, brand_id: i64, attachment_id: i64) -> StoreResult<Option<AttachmentFile>> {
                let row: Option<(i64, i64, String, String, Vec<u8>)> = sqlx::query_as(
                    "SELECT a.ticket_id, t.organisation_id, a.file_name, a.content_type, a.bytes \
                     FROM support_attachments a JOIN support_tickets t ON t.id = a.ticket_id \
                     WHERE t.brand_id = $1 AND a.id = $2",
                )
                .bind(brand_id)
                .bind(attachment_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(ticket_id, organisation_id, file_name, content_type, bytes)| AttachmentFile {
                    ticket_id,
                    organisation_id,
                    file_name,
                    content_type,
                    bytes,
                }))
            }

            async fn ticket_clocks(
                &self,
                brand_id: i64,
                organisation_id: Option<i64>,
                from: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<Vec<TicketClock>> {
                // One partner's clocks through `support_tickets_by_org`, the
                // program's through `support_tickets_by_month`.
                let of = if organisation_id.is_some() {
                    $crate::server::store::support::BRAND_NOT_INDEXED.to_owned() + " AND t.organisation_id = $2"
                } else {
                    "t.brand_id = $1 AND $2 IS NULL".to_owned()
                };
                let rows: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as(&format!(
                    "SELECT support_tier, severity, opened_at, target_minutes, first_response_at \
                     FROM support_tickets t WHERE {of} AND t.opened_at >= $3 AND t.opened_at < $4 ORDER BY t.opened_at"
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .bind(ms(from))
                .bind(ms(until))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(tier, severity, opened_ms, target_minutes, first_response_ms)| {
                        let bad = || super::partners::corrupt("ticket");
                        Ok(TicketClock {
                            tier: SupportTier::parse(&tier).ok_or_else(bad)?,
                            severity: Severity::parse(&severity).ok_or_else(bad)?,
                            opened_ms,
                            target_minutes,
                            first_response_ms,
                        })
                    })
                    .collect()
            }

            async fn save_review(&self, review: NewReview, audit: NewAudit) -> StoreResult<i64> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                let snapshot = serde_json::to_string(&review.snapshot).expect("a snapshot serialises");
                // Generating a quarter again refreshes its figures and
                // recommendations; one review per partner and quarter.
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO quarterly_reviews (brand_id, organisation_id, quarter, snapshot, recommendations, \
                     created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                     ON CONFLICT (organisation_id, quarter) DO UPDATE SET snapshot = excluded.snapshot, \
                     recommendations = excluded.recommendations, created_by = excluded.created_by, \
                     updated_at = excluded.updated_at RETURNING id",
                )
                .bind(review.brand_id)
                .bind(review.organisation_id)
                .bind(&review.quarter)
                .bind(snapshot)
                .bind(&review.recommendations)
                .bind(review.created_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.subject = format!("review:{id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn reviews(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ReviewRecord>> {
                let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
                    "{} WHERE r.brand_id = $1 AND r.organisation_id = $2 ORDER BY r.quarter DESC",
                    $crate::server::store::support::REVIEW_SELECT
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(ReviewRow::into_record).collect()
            }

            async fn review(&self, brand_id: i64, review_id: i64) -> StoreResult<Option<ReviewRecord>> {
                let row: Option<ReviewRow> = sqlx::query_as(&format!(
                    "{} WHERE r.brand_id = $1 AND r.id = $2",
                    $crate::server::store::support::REVIEW_SELECT
                ))
                .bind(brand_id)
                .bind(review_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(ReviewRow::into_record).transpose()
            }
        }
    };
}
