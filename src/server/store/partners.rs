//! SQL for applications, evaluation, terms and onboarding plans, shared by
//! both engines through `partner_store!` (see `sql.rs` for the conventions).

use super::common::*;
pub(super) use crate::domain::application::{Category, IntegrationOption, PartnerKind, RevenueModel};

/// One partner's onboarding progress, counted by the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgProgress {
    pub organisation_id: i64,
    pub organisation: String,
    pub approved_at_ms: i64,
    pub progress: Progress,
}

/// What the program knows of one partner organisation, for its overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerProfile {
    pub organisation_id: i64,
    pub organisation: String,
    pub kind: Option<PartnerKind>,
    pub model: Option<RevenueModel>,
    pub state: CertState,
    pub approved_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(super) struct PartnerProfileRow {
    pub id: i64,
    pub name: String,
    pub partner_kind: Option<String>,
    pub revenue_model: Option<String>,
    pub certification_state: String,
    pub approved_at: Option<i64>,
}

impl PartnerProfileRow {
    pub fn into_profile(self) -> StoreResult<PartnerProfile> {
        Ok(PartnerProfile {
            organisation_id: self.id,
            organisation: self.name,
            kind: self.partner_kind.as_deref().and_then(PartnerKind::parse),
            model: self.revenue_model.as_deref().and_then(RevenueModel::parse),
            state: CertState::parse(&self.certification_state).ok_or_else(|| corrupt("certification state"))?,
            approved_at_ms: self.approved_at,
        })
    }
}

/// A manager's decision on one application, as seen at `version`.
#[derive(Debug, Clone, Copy)]
pub struct DecisionRecord<'a> {
    pub application_id: i64,
    pub version: i64,
    pub decision: &'a Decision,
    /// Terms to store if the decision is an approval.
    pub terms: &'a Terms,
    pub decided_by: i64,
}

/// Who did something, for "ticked by" and "decided by".
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub label: String,
}

#[async_trait]
pub trait PartnerStore: Send + Sync + 'static {
    /// Creates the applicant's account (no usable password until they follow
    /// the emailed link), the application, the link's token and its email.
    async fn submit_application(
        &self,
        brand_id: i64,
        app: &NewApplication,
        unusable_hash: &str,
        token: NewToken,
        mail: OutgoingEmail,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Oldest first, `limit` from `offset`, and how many match in all;
    /// empty filters match everything; `kind_prefix` is a partner type such
    /// as `technology`.
    async fn application_queue(
        &self,
        brand_id: i64,
        status: &str,
        kind_prefix: &str,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<ApplicationSummary>, i64)>;
    async fn application(&self, brand_id: i64, id: i64) -> StoreResult<Option<ApplicationDetail>>;
    async fn application_of_user(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<ApplicationDetail>>;
    /// A manager's scorecard, replacing their earlier one. Only while the
    /// application awaits a decision.
    async fn save_scorecard(
        &self,
        brand_id: i64,
        application_id: i64,
        manager_id: i64,
        scores: Scores,
        notes: &[String; 5],
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Records a decision if the application is still at `version` and
    /// awaiting one. Approval creates the organisation (applicant as owner,
    /// state `registered`), its terms and its onboarding plan.
    async fn decide_application(
        &self,
        brand_id: i64,
        record: DecisionRecord<'_>,
        mail: OutgoingEmail,
        audit: NewAudit,
    ) -> StoreResult<Option<i64>>;
    /// The applicant answers a request for information; the application
    /// returns to the queue.
    async fn answer_application(&self, brand_id: i64, user_id: i64, answer: &str, audit: NewAudit) -> StoreResult<()>;
    async fn application_status(&self, brand_id: i64, id: i64) -> StoreResult<Option<ApplicationStatus>>;

    async fn current_terms(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<Terms>>;
    async fn plan(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<PlanItem>>;
    /// Ticks or unticks one item of the organisation's plan.
    async fn set_plan_item(
        &self,
        brand_id: i64,
        organisation_id: i64,
        item_id: i64,
        done: bool,
        actor: &Actor,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Ticks the open items bound to `binding`; returns how many.
    async fn raise_onboarding_event(
        &self,
        organisation_id: i64,
        binding: Binding,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// One organisation of the brand, as its overview shows it.
    async fn partner_profile(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<PartnerProfile>>;
    /// How many of the brand's organisations have a plan, of those whose
    /// name matches `search` (a `domain::listing::like_pattern`) if given.
    async fn planned_partner_count(&self, brand_id: i64, search: Option<&str>) -> StoreResult<i64>;
    /// `limit` partners with a plan from `offset`, in `sort` order, with
    /// their progress at `now`; only names matching `search` if given.
    /// Sorted by name or approval, only the page's plans are read; the other
    /// orders count every plan in SQL.
    async fn partner_progress_page(
        &self,
        brand_id: i64,
        sort: PartnerSort,
        search: Option<&str>,
        now: DateTime<Utc>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<OrgProgress>>;
    /// The brand's plan items counted by title and state
    /// (`domain::onboarding::stalls` ranks them): a few rows per title.
    async fn stall_counts(&self, brand_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<StallCount>>;
    async fn template_items(&self) -> StoreResult<Vec<TemplateItem>>;
    async fn add_template_item(
        &self,
        phase: Phase,
        title: &str,
        binding: Option<Binding>,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn remove_template_item(&self, id: i64, audit: NewAudit) -> StoreResult<()>;
}

#[derive(sqlx::FromRow)]
pub(super) struct ApplicationRow {
    pub id: i64,
    pub version: i64,
    pub company: String,
    pub website: String,
    pub company_domain: String,
    pub contact_name: String,
    pub email: String,
    pub partner_kind: String,
    pub category: String,
    pub integration: String,
    pub revenue_model: String,
    pub pitch: String,
    pub status: String,
    pub info_question: Option<String>,
    pub info_answer: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by_email: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
    pub organisation_id: Option<i64>,
}

pub(super) const APPLICATION_COLUMNS: &str =
    "a.id, a.version, a.company, a.website, a.company_domain, a.contact_name, \
     a.email, a.partner_kind, a.category, a.integration, a.revenue_model, a.pitch, a.status, a.info_question, \
     a.info_answer, a.decision_reason, m.email AS decided_by_email, a.decided_at, a.created_at, a.organisation_id \
     FROM applications a LEFT JOIN users m ON m.id = a.decided_by";

/// A stored value that no longer parses is a bug, not user input.
pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("unreadable {what} in the database")))
}

impl ApplicationRow {
    pub fn into_detail(self) -> StoreResult<ApplicationDetail> {
        Ok(ApplicationDetail {
            id: self.id,
            version: self.version,
            company: self.company,
            website: self.website,
            company_domain: self.company_domain,
            contact_name: self.contact_name,
            email: self.email,
            kind: PartnerKind::parse(&self.partner_kind).ok_or_else(|| corrupt("partner kind"))?,
            category: Category::parse(&self.category).ok_or_else(|| corrupt("category"))?,
            integration: IntegrationOption::parse(&self.integration).ok_or_else(|| corrupt("integration"))?,
            revenue_model: RevenueModel::parse(&self.revenue_model).ok_or_else(|| corrupt("revenue model"))?,
            pitch: self.pitch,
            status: ApplicationStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            info_question: self.info_question,
            info_answer: self.info_answer,
            decision_reason: self.decision_reason,
            decided_by: self.decided_by_email,
            decided_at_ms: self.decided_at,
            created_at_ms: self.created_at,
            organisation_id: self.organisation_id,
            scorecards: Vec::new(),
            duplicates: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    pub id: i64,
    pub company: String,
    pub company_domain: String,
    pub partner_kind: String,
    pub category: String,
    pub status: String,
    pub created_at: i64,
    pub scorecards: i64,
    pub duplicates: i64,
}

impl SummaryRow {
    pub fn into_summary(self) -> StoreResult<ApplicationSummary> {
        Ok(ApplicationSummary {
            id: self.id,
            company: self.company,
            company_domain: self.company_domain,
            kind: PartnerKind::parse(&self.partner_kind).ok_or_else(|| corrupt("partner kind"))?,
            category: Category::parse(&self.category).ok_or_else(|| corrupt("category"))?,
            status: ApplicationStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            created_at_ms: self.created_at,
            scorecards: self.scorecards,
            duplicates: self.duplicates,
        })
    }
}

pub(super) const SUMMARY_SELECT: &str =
    "SELECT a.id, a.company, a.company_domain, a.partner_kind, a.category, a.status, \
     a.created_at, \
     (SELECT COUNT(*) FROM application_scores s WHERE s.application_id = a.id) AS scorecards, \
     (SELECT COUNT(*) FROM applications d WHERE d.brand_id = a.brand_id AND d.company_domain = a.company_domain \
      AND d.id <> a.id) AS duplicates \
     FROM applications a";

#[derive(sqlx::FromRow)]
pub(super) struct ScoreRow {
    pub manager_id: i64,
    pub manager: String,
    pub strategic_alignment: i64,
    pub market_impact: i64,
    pub technical_compatibility: i64,
    pub operational_feasibility: i64,
    pub financial_value: i64,
    pub strategic_alignment_note: String,
    pub market_impact_note: String,
    pub technical_compatibility_note: String,
    pub operational_feasibility_note: String,
    pub financial_value_note: String,
    pub scored_at: i64,
}

impl ScoreRow {
    pub fn into_scorecard(self) -> StoreResult<Scorecard> {
        let b = |v: i64| u8::try_from(v).map_err(|_| corrupt("score"));
        Ok(Scorecard {
            manager_id: self.manager_id,
            manager: self.manager,
            scores: Scores([
                b(self.strategic_alignment)?,
                b(self.market_impact)?,
                b(self.technical_compatibility)?,
                b(self.operational_feasibility)?,
                b(self.financial_value)?,
            ]),
            notes: [
                self.strategic_alignment_note,
                self.market_impact_note,
                self.technical_compatibility_note,
                self.operational_feasibility_note,
                self.financial_value_note,
            ],
            scored_at_ms: self.scored_at,
        })
    }
}

pub(super) use crate::domain::application::Scorecard;

#[derive(sqlx::FromRow)]
pub(super) struct PlanRow {
    pub id: i64,
    pub phase: String,
    pub position: i64,
    pub title: String,
    pub binding: Option<String>,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
}

impl PlanRow {
    pub fn into_item(self) -> StoreResult<PlanItem> {
        Ok(PlanItem {
            id: self.id,
            phase: Phase::parse(&self.phase).ok_or_else(|| corrupt("phase"))?,
            position: self.position,
            title: self.title,
            binding: self.binding.as_deref().and_then(Binding::parse),
            due_at_ms: self.due_at,
            done_at_ms: self.done_at,
            done_by: self.done_by,
        })
    }
}

pub(super) const PLAN_SELECT: &str = "SELECT i.id, i.phase, i.position, i.title, i.binding, i.due_at, i.done_at, \
     i.done_by FROM onboarding_items i JOIN organisations o ON o.id = i.organisation_id";

#[derive(sqlx::FromRow)]
pub(super) struct ProgressRow {
    pub id: i64,
    pub name: String,
    pub approved_at: Option<i64>,
    pub total: i64,
    pub done: i64,
    pub overdue: i64,
}

impl ProgressRow {
    pub fn into_progress(self) -> OrgProgress {
        OrgProgress {
            organisation_id: self.id,
            organisation: self.name,
            approved_at_ms: self.approved_at.unwrap_or_default(),
            progress: Progress {
                done: self.done.max(0) as usize,
                total: self.total.max(0) as usize,
                overdue: self.overdue.max(0) as usize,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct StallRow {
    pub title: String,
    pub days: Option<i64>,
    pub n: i64,
    pub overdue: i64,
}

/// Which of one partner's plan items a write touches, for the stall
/// rollups (`onboarding_done_days`, `onboarding_open_due`).
#[derive(Debug, Clone, Copy)]
pub(super) enum PlanScope<'a> {
    /// The whole plan, as it is created.
    Plan,
    Item(i64),
    /// Every item bound to one automatic event (`Binding::key`).
    Binding(&'a str),
}

/// The statements that move the items of `scope` (`$2` the partner, `$3`
/// the item or binding) into the rollups, `$1` times: -1 before a write
/// takes them out of the buckets of their old state, +1 after puts them in
/// those of the new one. Items are never deleted, and a plan's titles, due
/// dates and start never change, so only completion moves an item.
pub(super) fn tally_plan_sql(scope: PlanScope<'_>) -> [String; 2] {
    let of = match scope {
        PlanScope::Plan => "",
        PlanScope::Item(_) => "AND i.id = $3",
        PlanScope::Binding(_) => "AND i.binding = $3",
    };
    use crate::domain::DAY_MS;
    let days = format!("(i.done_at - COALESCE(o.approved_at, 0)) / {DAY_MS}");
    [
        format!(
            "INSERT INTO onboarding_done_days (brand_id, title, days, n) \
             SELECT o.brand_id, i.title, {days}, $1 * COUNT(*) \
             FROM onboarding_items i JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.organisation_id = $2 {of} AND i.done_at IS NOT NULL GROUP BY o.brand_id, i.title, {days} \
             ON CONFLICT (brand_id, title, days) DO UPDATE SET n = onboarding_done_days.n + excluded.n"
        ),
        format!(
            "INSERT INTO onboarding_open_due (brand_id, title, due_day, n) \
             SELECT o.brand_id, i.title, i.due_at / {DAY_MS}, $1 * COUNT(*) \
             FROM onboarding_items i JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.organisation_id = $2 {of} AND i.done_at IS NULL GROUP BY o.brand_id, i.title, i.due_at / {DAY_MS} \
             ON CONFLICT (brand_id, title, due_day) DO UPDATE SET n = onboarding_open_due.n + excluded.n"
        ),
    ]
}

/// Where partners stall, from the rollups: completions by title and days,
/// open items by title with those due before today's UTC midnight (`$2`,
/// a day number) overdue, plus today's overdue items counted one by one
/// (`$3` midnight and `$4` now, in ms) through `onboarding_items_open_by_due`.
/// `CROSS JOIN` makes SQLite start from that index: left to itself it walks
/// every partner of the brand and their items (3 ms instead of 0.1 ms at
/// 1,000 partners); PostgreSQL plans it as any join.
pub(super) const STALL_COUNTS: &str = "SELECT title, days, n, 0 AS overdue FROM onboarding_done_days \
     WHERE brand_id = $1 AND n > 0 \
     UNION ALL SELECT title, CAST(NULL AS BIGINT), CAST(SUM(n) AS BIGINT), \
     CAST(SUM(CASE WHEN due_day < $2 THEN n ELSE 0 END) AS BIGINT) FROM onboarding_open_due \
     WHERE brand_id = $1 GROUP BY title HAVING SUM(n) > 0 \
     UNION ALL SELECT i.title, CAST(NULL AS BIGINT), 0, COUNT(*) \
     FROM onboarding_items i CROSS JOIN organisations o WHERE o.id = i.organisation_id \
     AND i.done_at IS NULL AND i.due_at >= $3 AND i.due_at < $4 AND o.brand_id = $1 GROUP BY i.title";

/// An organisation's name matches `param`, a `domain::listing::like_pattern`
/// (or, not `searching`, every organisation passes).
pub(super) fn name_matches(searching: bool, param: &str) -> String {
    super::common::search_clause(searching, param, &["o.name"])
}

/// The partner list's page query: `$1` brand, `$2` now (ms), `$3` limit,
/// `$4` offset, `$5` the name pattern when `searching` (else empty, and
/// compared with itself so every partner passes). By name or approval it
/// walks the brand's organisations and counts only the page's plans; by
/// progress or overdue items it must count every plan before it can order
/// them. Ties go by name, then id, so pages never overlap.
pub(super) fn progress_page_sql(sort: PartnerSort, searching: bool) -> String {
    const DONE: &str = "SUM(CASE WHEN i.done_at IS NOT NULL THEN 1 ELSE 0 END)";
    const OVERDUE: &str = "SUM(CASE WHEN i.done_at IS NULL AND i.due_at < $2 THEN 1 ELSE 0 END)";
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let filter = name_matches(searching, "$5");
    let order = match sort.column {
        PartnerColumn::Name | PartnerColumn::Approved => {
            let order = if sort.column == PartnerColumn::Name {
                format!("o.name {dir}, o.id {dir}")
            } else {
                format!("o.approved_at {dir}, o.name, o.id")
            };
            return format!(
                "SELECT o.id, o.name, o.approved_at, \
                 (SELECT COUNT(*) FROM onboarding_items i WHERE i.organisation_id = o.id) AS total, \
                 (SELECT {DONE} FROM onboarding_items i WHERE i.organisation_id = o.id) AS done, \
                 (SELECT {OVERDUE} FROM onboarding_items i WHERE i.organisation_id = o.id) AS overdue \
                 FROM organisations o WHERE o.brand_id = $1 AND {filter} \
                 AND EXISTS (SELECT 1 FROM onboarding_items i WHERE i.organisation_id = o.id) \
                 ORDER BY {order} LIMIT $3 OFFSET $4"
            );
        }
        PartnerColumn::Progress => format!("({DONE} * 100) / COUNT(*) {dir}, o.name, o.id"),
        PartnerColumn::Overdue => format!("{OVERDUE} {dir}, o.name, o.id"),
    };
    format!(
        "SELECT o.id, o.name, o.approved_at, COUNT(*) AS total, {DONE} AS done, {OVERDUE} AS overdue \
         FROM onboarding_items i JOIN organisations o ON o.id = i.organisation_id WHERE o.brand_id = $1 AND {filter} \
         GROUP BY o.id, o.name, o.approved_at ORDER BY {order} LIMIT $3 OFFSET $4"
    )
}

/// Phases ordered as the plan reads, for ORDER BY.
pub(super) const PHASE_ORDER: &str = "CASE i.phase WHEN 'preparation' THEN 1 WHEN 'technical_integration' THEN 2 \
     WHEN 'business_alignment' THEN 3 ELSE 4 END";

/// The review queue's filter: `$1` brand, `$2` status, `$3` partner type
/// prefix with `%`. An unset filter compares its parameter with itself
/// instead of every row, so the engine walks `applications_queue` (a
/// status) or `applications_by_brand_created` (all) in page order and stops
/// at the page, rather than sorting every application of the brand.
pub(super) fn queue_filter(status: &str, kind_prefix: &str) -> String {
    let status = if status.is_empty() { "$2 = ''" } else { "a.status = $2" };
    let kind = if kind_prefix.is_empty() { "$3 = '%'" } else { "a.partner_kind LIKE $3" };
    format!("a.brand_id = $1 AND {status} AND {kind}")
}

#[derive(sqlx::FromRow)]
pub(super) struct TermsRow {
    pub model: String,
    pub currency: String,
    pub first_year_bps: Option<i64>,
    pub ongoing_bps: Option<i64>,
    pub margin_bps: Option<i64>,
    pub fund_budget_minor: Option<i64>,
    pub bonus_schedule: String,
    pub bounties: String,
}

impl TermsRow {
    pub fn into_terms(self) -> StoreResult<Terms> {
        Ok(Terms {
            model: RevenueModel::parse(&self.model).ok_or_else(|| corrupt("revenue model"))?,
            currency: self.currency,
            first_year_bps: self.first_year_bps,
            ongoing_bps: self.ongoing_bps,
            margin_bps: self.margin_bps,
            fund_budget_minor: self.fund_budget_minor,
            bonus_schedule: serde_json::from_str(&self.bonus_schedule).map_err(|_| corrupt("bonus schedule"))?,
            bounties: serde_json::from_str(&self.bounties).map_err(|_| corrupt("bounties"))?,
        })
    }
}

pub(super) const TERMS_COLUMNS: &str = "t.model, t.currency, t.first_year_bps, t.ongoing_bps, t.margin_bps, \
     t.fund_budget_minor, t.bonus_schedule, t.bounties";

/// Midnight UTC of the day `t` falls on: terms take effect by day.
pub(super) fn day_start_ms(t: DateTime<Utc>) -> i64 {
    let v = ms(t);
    v - v.rem_euclid(crate::domain::DAY_MS)
}

#[derive(sqlx::FromRow)]
pub(super) struct TemplateRow {
    pub id: i64,
    pub phase: String,
    pub position: i64,
    pub title: String,
    pub binding: Option<String>,
}

/// Emits `impl PartnerStore for $store`.
macro_rules! partner_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Moves the items of `scope` out of (`sign` -1) or into (+1)
            /// the stall rollups, in the caller's transaction.
            async fn tally_plan(
                tx: &mut sqlx::Transaction<'_, $db>,
                organisation_id: i64,
                scope: $crate::server::store::partners::PlanScope<'_>,
                sign: i64,
            ) -> StoreResult<()> {
                use $crate::server::store::partners::PlanScope;
                for sql in $crate::server::store::partners::tally_plan_sql(scope) {
                    let q = sqlx::query(&sql).bind(sign).bind(organisation_id);
                    let q = match scope {
                        PlanScope::Plan => q,
                        PlanScope::Item(id) => q.bind(id),
                        PlanScope::Binding(key) => q.bind(key),
                    };
                    q.execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn scorecards(&self, application_id: i64) -> StoreResult<Vec<Scorecard>> {
                let rows: Vec<ScoreRow> = sqlx::query_as(
                    "SELECT s.manager_id, u.email AS manager, s.strategic_alignment, s.market_impact, \
                     s.technical_compatibility, s.operational_feasibility, s.financial_value, \
                     s.strategic_alignment_note, s.market_impact_note, s.technical_compatibility_note, \
                     s.operational_feasibility_note, s.financial_value_note, s.scored_at \
                     FROM application_scores s JOIN users u ON u.id = s.manager_id \
                     WHERE s.application_id = $1 ORDER BY s.scored_at",
                )
                .bind(application_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(ScoreRow::into_scorecard).collect()
            }

            async fn complete_detail(
                &self,
                brand_id: i64,
                row: Option<ApplicationRow>,
            ) -> StoreResult<Option<ApplicationDetail>> {
                let Some(row) = row else { return Ok(None) };
                let mut detail = row.into_detail()?;
                detail.scorecards = self.scorecards(detail.id).await?;
                let dups: Vec<SummaryRow> = sqlx::query_as(&format!(
                    "{} WHERE a.brand_id = $1 AND a.company_domain = $2 AND a.id <> $3 ORDER BY a.created_at",
                    $crate::server::store::partners::SUMMARY_SELECT
                ))
                .bind(brand_id)
                .bind(&detail.company_domain)
                .bind(detail.id)
                .fetch_all(&self.pool)
                .await?;
                detail.duplicates = dups.into_iter().map(SummaryRow::into_summary).collect::<StoreResult<_>>()?;
                Ok(Some(detail))
            }
        }

        #[async_trait]
        impl PartnerStore for $store {
            async fn submit_application(
                &self,
                brand_id: i64,
                app: &NewApplication,
                unusable_hash: &str,
                token: NewToken,
                mail: OutgoingEmail,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let user: Result<i64, sqlx::Error> = sqlx::query_scalar(
                    "INSERT INTO users (brand_id, email, display_name, password_hash, role, created_at, \
                     password_changed_at) \
                     VALUES ($1, $2, $3, $4, 'partner', $5, $5) RETURNING id",
                )
                .bind(brand_id)
                .bind(app.email.as_str())
                .bind(&app.contact_name)
                .bind(unusable_hash)
                .bind(ms(audit.at))
                .fetch_one(&mut *tx)
                .await;
                let user_id = match user {
                    Ok(id) => id,
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict(
                            "An account with this email address already exists. Sign in to see your application.",
                        ))
                    }
                    Err(e) => return Err(e.into()),
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO applications (brand_id, user_id, company, website, company_domain, contact_name, \
                     email, \
                     partner_kind, category, integration, revenue_model, pitch, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'submitted', $13, $13) RETURNING id",
                )
                .bind(brand_id)
                .bind(user_id)
                .bind(&app.company)
                .bind(&app.website)
                .bind(&app.company_domain)
                .bind(&app.contact_name)
                .bind(app.email.as_str())
                .bind(app.kind.key())
                .bind(app.category.key())
                .bind(app.integration.key())
                .bind(app.revenue_model.key())
                .bind(&app.pitch)
                .bind(ms(audit.at))
                .fetch_one(&mut *tx)
                .await?;
                Self::move_status_count(&mut tx, "application_status_counts", brand_id, None, "submitted").await?;
                let token = NewToken { user_id: Some(user_id), ..token };
                Self::insert_token(&mut tx, &token, TokenPurpose::Application).await?;
                Self::insert_email(&mut tx, &mail, audit.at).await?;
                let audit = NewAudit { actor_id: Some(user_id), subject: format!("application:{id}"), ..audit };
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn application_queue(
                &self,
                brand_id: i64,
                status: &str,
                kind_prefix: &str,
                offset: i64,
                limit: i64,
            ) -> StoreResult<(Vec<ApplicationSummary>, i64)> {
                let matching = $crate::server::store::partners::queue_filter(status, kind_prefix);
                // Without a type filter the count is a row or a few of the
                // per-status counts (migration 0019), not a walk of the queue.
                let count = if kind_prefix.is_empty() {
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM application_status_counts \
                     WHERE brand_id = $1 AND ($2 = '' OR status = $2) AND $3 = '%'"
                        .to_owned()
                } else {
                    format!("SELECT COUNT(*) FROM applications a WHERE {matching}")
                };
                let total: i64 = sqlx::query_scalar(&count)
                    .bind(brand_id)
                    .bind(status)
                    .bind(format!("{kind_prefix}%"))
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
                    "{} WHERE {matching} ORDER BY a.created_at, a.id LIMIT $4 OFFSET $5",
                    $crate::server::store::partners::SUMMARY_SELECT
                ))
                .bind(brand_id)
                .bind(status)
                .bind(format!("{kind_prefix}%"))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok((rows.into_iter().map(SummaryRow::into_summary).collect::<StoreResult<_>>()?, total))
            }

            async fn application(&self, brand_id: i64, id: i64) -> StoreResult<Option<ApplicationDetail>> {
                let row: Option<ApplicationRow> = sqlx::query_as(&format!(
                    "SELECT {} WHERE a.brand_id = $1 AND a.id = $2",
                    $crate::server::store::partners::APPLICATION_COLUMNS
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                self.complete_detail(brand_id, row).await
            }

            async fn application_of_user(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<ApplicationDetail>> {
                let row: Option<ApplicationRow> = sqlx::query_as(&format!(
                    "SELECT {} WHERE a.brand_id = $1 AND a.user_id = $2 ORDER BY a.id DESC LIMIT 1",
                    $crate::server::store::partners::APPLICATION_COLUMNS
                ))
                .bind(brand_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                let mut detail = self.complete_detail(brand_id, row).await?;
                // Applicants see their own application, not the panel's work.
                if let Some(d) = detail.as_mut() {
                    d.scorecards.clear();
                    d.duplicates.clear();
                }
                Ok(detail)
            }

            async fn save_scorecard(
                &self,
                brand_id: i64,
                application_id: i64,
                manager_id: i64,
                scores: Scores,
                notes: &[String; 5],
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let status: Option<String> =
                    sqlx::query_scalar("SELECT status FROM applications WHERE id = $1 AND brand_id = $2")
                        .bind(application_id)
                        .bind(brand_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match status.as_deref() {
                    None => return Err(StoreError::NotFound),
                    Some("submitted") => {}
                    Some(_) => return Err(StoreError::Conflict("This application is not waiting for review.")),
                }
                let s = scores.0;
                sqlx::query(
                    "INSERT INTO application_scores (application_id, manager_id, strategic_alignment, market_impact, \
                     technical_compatibility, operational_feasibility, financial_value, strategic_alignment_note, \
                    market_impact_note, technical_compatibility_note, operational_feasibility_note, \
                     financial_value_note, \
                     scored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (application_id, manager_id) DO UPDATE SET \
                     strategic_alignment = excluded.strategic_alignment, market_impact = excluded.market_impact, \
                     technical_compatibility = excluded.technical_compatibility, \
                    operational_feasibility = excluded.operational_feasibility, financial_value = \
                     excluded.financial_value, \
                     strategic_alignment_note = excluded.strategic_alignment_note, \
                     market_impact_note = excluded.market_impact_note, \
                     technical_compatibility_note = excluded.technical_compatibility_note, \
                     operational_feasibility_note = excluded.operational_feasibility_note, \
                     financial_value_note = excluded.financial_value_note, scored_at = excluded.scored_at",
                )
                .bind(application_id)
                .bind(manager_id)
                .bind(i64::from(s[0]))
                .bind(i64::from(s[1]))
                .bind(i64::from(s[2]))
                .bind(i64::from(s[3]))
                .bind(i64::from(s[4]))
                .bind(&notes[0])
                .bind(&notes[1])
                .bind(&notes[2])
                .bind(&notes[3])
                .bind(&notes[4])
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn decide_application(
                &self,
                brand_id: i64,
                record: DecisionRecord<'_>,
                mail: OutgoingEmail,
                audit: NewAudit,
            ) -> StoreResult<Option<i64>> {
                let DecisionRecord { application_id, version, decision, terms, decided_by } = record;
                let now = audit.at;
                let mut tx = self.begin_write().await?;
                let (question, reason) = match decision {
                    Decision::RequestInfo { question } => (Some(question.as_str()), None),
                    Decision::Reject { reason } => (None, Some(reason.as_str())),
                    Decision::Approve => (None, None),
                };
                // The version and status guard make a second, concurrent
                // decision update nothing instead of overwriting the first.
                let row: Option<(i64, String, String, String)> = sqlx::query_as(
                    "UPDATE applications SET status = $1, info_question = COALESCE($2, info_question), \
                     info_answer = CASE WHEN $2 IS NULL THEN info_answer ELSE NULL END, decision_reason = $3, \
                     decided_by = $4, decided_at = $5, updated_at = $5, version = version + 1 \
                     WHERE id = $6 AND brand_id = $7 AND version = $8 AND status = 'submitted' \
                     RETURNING user_id, company, revenue_model, partner_kind",
                )
                .bind(decision.status().key())
                .bind(question)
                .bind(reason)
                .bind(decided_by)
                .bind(ms(now))
                .bind(application_id)
                .bind(brand_id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((user_id, company, revenue_model, partner_kind)) = row else {
                    let exists: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM applications WHERE id = $1 AND brand_id = $2")
                            .bind(application_id)
                            .bind(brand_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(match exists {
                        None => StoreError::NotFound,
                        Some(_) => StoreError::Conflict(
                            "This application changed since you opened it (someone else decided, or the applicant \
                             answered). Reload to see it.",
                        ),
                    });
                };
                // The guard above: every decision moves a submitted application.
                Self::move_status_count(
                    &mut tx,
                    "application_status_counts",
                    brand_id,
                    Some("submitted"),
                    decision.status().key(),
                )
                .await?;
                let mut organisation_id = None;
                if *decision == Decision::Approve {
                    let org: i64 = sqlx::query_scalar(
                        "INSERT INTO organisations (brand_id, name, created_at, revenue_model, partner_kind, \
                        certification_state, approved_at, state_since) VALUES ($1, $2, $3, $4, $5, 'registered', $3, \
                         $3) \
                         RETURNING id",
                    )
                    .bind(brand_id)
                    .bind(&company)
                    .bind(ms(now))
                    .bind(&revenue_model)
                    .bind(&partner_kind)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE users SET org_id = $1, org_role = 'owner' WHERE id = $2")
                        .bind(org)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE applications SET organisation_id = $1 WHERE id = $2")
                        .bind(org)
                        .bind(application_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO revenue_terms (organisation_id, version, model, effective_from, currency, \
                         first_year_bps, ongoing_bps, margin_bps, fund_budget_minor, created_at, created_by, \
                         bonus_schedule, bounties) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(org)
                    .bind(terms.model.key())
                    .bind($crate::server::store::partners::day_start_ms(now))
                    .bind(&terms.currency)
                    .bind(terms.first_year_bps)
                    .bind(terms.ongoing_bps)
                    .bind(terms.margin_bps)
                    .bind(terms.fund_budget_minor)
                    .bind(ms(now))
                    .bind(decided_by)
                    .bind(serde_json::json!(terms.bonus_schedule).to_string())
                    .bind(serde_json::json!(terms.bounties).to_string())
                    .execute(&mut *tx)
                    .await?;
                    // The partner's own copy: later template edits leave it be.
                    let plan = sqlx::query(
                        "INSERT INTO onboarding_items (organisation_id, phase, position, title, binding, due_at) \
                         SELECT $1, phase, position, title, binding, \
                         CASE phase WHEN 'preparation' THEN $2 WHEN 'technical_integration' THEN $3 \
                         WHEN 'business_alignment' THEN $4 ELSE $5 END \
                         FROM onboarding_template_items",
                    )
                    .bind(org)
                    .bind(ms(Phase::Preparation.due(now)))
                    .bind(ms(Phase::TechnicalIntegration.due(now)))
                    .bind(ms(Phase::BusinessAlignment.due(now)))
                    .bind(ms(Phase::LaunchAndOptimization.due(now)))
                    .execute(&mut *tx)
                    .await?;
                    Self::tally_plan(&mut tx, org, $crate::server::store::partners::PlanScope::Plan, 1).await?;
                    // The partner list's pager count (migration 0019); an
                    // empty template makes no plan.
                    if plan.rows_affected() > 0 {
                        sqlx::query(
                            "INSERT INTO onboarding_plan_counts (brand_id, n) VALUES ($1, 1) \
                             ON CONFLICT (brand_id) DO UPDATE SET n = onboarding_plan_counts.n + 1",
                        )
                        .bind(brand_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query(
                        "INSERT INTO event_log (brand_id, organisation_id, event_type, payload, created_at) \
                         VALUES ($1, $2, 'partner.approved', $3, $4)",
                    )
                    .bind(brand_id)
                    .bind(org)
                    .bind(serde_json::json!({ "organisation_id": org, "name": company, "at": ms(now) }).to_string())
                    .bind(ms(now))
                    .execute(&mut *tx)
                    .await?;
                    organisation_id = Some(org);
                }
                Self::insert_email(&mut tx, &mail, now).await?;
                // An approval is the first entry of the new partner's history.
                let audit = NewAudit { organisation_id: organisation_id.or(audit.organisation_id), ..audit };
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(organisation_id)
            }

            async fn answer_application(
                &self,
                brand_id: i64,
                user_id: i64,
                answer: &str,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE applications SET status = 'submitted', info_answer = $1, updated_at = $2, version = \
                     version + 1 \
                     WHERE brand_id = $3 AND user_id = $4 AND status = 'info_requested'",
                )
                .bind(answer)
                .bind(ms(audit.at))
                .bind(brand_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict("Your application is not waiting for an answer."));
                }
                Self::move_status_count(
                    &mut tx,
                    "application_status_counts",
                    brand_id,
                    Some("info_requested"),
                    "submitted",
                )
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn application_status(&self, brand_id: i64, id: i64) -> StoreResult<Option<ApplicationStatus>> {
                let s: Option<String> =
                    sqlx::query_scalar("SELECT status FROM applications WHERE id = $1 AND brand_id = $2")
                        .bind(id)
                        .bind(brand_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(s.as_deref().and_then(ApplicationStatus::parse))
            }

            async fn current_terms(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Option<Terms>> {
                let row: Option<TermsRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM revenue_terms t JOIN organisations o ON o.id = t.organisation_id \
                     WHERE o.brand_id = $1 AND t.organisation_id = $2 ORDER BY t.version DESC LIMIT 1",
                    $crate::server::store::partners::TERMS_COLUMNS
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TermsRow::into_terms).transpose()
            }

            async fn plan(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<PlanItem>> {
                let rows: Vec<PlanRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND i.organisation_id = $2 ORDER BY {}, i.position",
                    $crate::server::store::partners::PLAN_SELECT,
                    $crate::server::store::partners::PHASE_ORDER
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(PlanRow::into_item).collect()
            }

            async fn set_plan_item(
                &self,
                brand_id: i64,
                organisation_id: i64,
                item_id: i64,
                done: bool,
                actor: &Actor,
                audit: NewAudit,
            ) -> StoreResult<()> {
                use $crate::server::store::partners::PlanScope;
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::PLAN_LOCK, organisation_id).await?;
                Self::tally_plan(&mut tx, organisation_id, PlanScope::Item(item_id), -1).await?;
                let changed = sqlx::query(
                    "UPDATE onboarding_items SET done_at = $1, done_by_id = $2, done_by = $3 \
                     WHERE id = $4 AND organisation_id = $5 \
                     AND organisation_id IN (SELECT id FROM organisations WHERE brand_id = $6)",
                )
                .bind(done.then(|| ms(audit.at)))
                .bind(if done { actor.id } else { None })
                .bind(done.then(|| actor.label.clone()))
                .bind(item_id)
                .bind(organisation_id)
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                Self::tally_plan(&mut tx, organisation_id, PlanScope::Item(item_id), 1).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn raise_onboarding_event(
                &self,
                organisation_id: i64,
                binding: Binding,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                use $crate::server::store::partners::PlanScope;
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::PLAN_LOCK, organisation_id).await?;
                Self::tally_plan(&mut tx, organisation_id, PlanScope::Binding(binding.key()), -1).await?;
                let done = sqlx::query(
                    "UPDATE onboarding_items SET done_at = $1, done_by = 'system' \
                     WHERE organisation_id = $2 AND binding = $3 AND done_at IS NULL",
                )
                .bind(ms(now))
                .bind(organisation_id)
                .bind(binding.key())
                .execute(&mut *tx)
                .await?;
                Self::tally_plan(&mut tx, organisation_id, PlanScope::Binding(binding.key()), 1).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn partner_profile(
                &self,
                brand_id: i64,
                organisation_id: i64,
            ) -> StoreResult<Option<$crate::server::store::partners::PartnerProfile>> {
                let row: Option<$crate::server::store::partners::PartnerProfileRow> = sqlx::query_as(
                    "SELECT id, name, partner_kind, revenue_model, certification_state, approved_at \
                     FROM organisations WHERE brand_id = $1 AND id = $2",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| r.into_profile()).transpose()
            }

            async fn planned_partner_count(&self, brand_id: i64, search: Option<&str>) -> StoreResult<i64> {
                let Some(pattern) = search else {
                    return Ok(sqlx::query_scalar(
                        "SELECT COALESCE((SELECT n FROM onboarding_plan_counts WHERE brand_id = $1), 0)",
                    )
                    .bind(brand_id)
                    .fetch_one(&self.pool)
                    .await?);
                };
                Ok(sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM organisations o WHERE o.brand_id = $1 AND {} \
                     AND EXISTS (SELECT 1 FROM onboarding_items i WHERE i.organisation_id = o.id)",
                    $crate::server::store::partners::name_matches(true, "$2")
                ))
                .bind(brand_id)
                .bind(pattern)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn partner_progress_page(
                &self,
                brand_id: i64,
                sort: PartnerSort,
                search: Option<&str>,
                now: DateTime<Utc>,
                offset: i64,
                limit: i64,
            ) -> StoreResult<Vec<OrgProgress>> {
                let sql = $crate::server::store::partners::progress_page_sql(sort, search.is_some());
                let rows: Vec<ProgressRow> = sqlx::query_as(&sql)
                    .bind(brand_id)
                    .bind(ms(now))
                    .bind(limit)
                    .bind(offset)
                    .bind(search.unwrap_or_default())
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(ProgressRow::into_progress).collect())
            }

            async fn stall_counts(&self, brand_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<StallCount>> {
                let midnight = $crate::server::store::partners::day_start_ms(now);
                let rows: Vec<StallRow> = sqlx::query_as($crate::server::store::partners::STALL_COUNTS)
                    .bind(brand_id)
                    .bind(midnight / $crate::domain::DAY_MS)
                    .bind(midnight)
                    .bind(ms(now))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| StallCount {
                        title: r.title,
                        days: r.days,
                        count: r.n.max(0) as usize,
                        overdue: r.overdue.max(0) as usize,
                    })
                    .collect())
            }

            async fn template_items(&self) -> StoreResult<Vec<TemplateItem>> {
                let rows: Vec<TemplateRow> = sqlx::query_as(&format!(
                    "SELECT i.id, i.phase, i.position, i.title, i.binding FROM onboarding_template_items i \
                     ORDER BY {}, i.position, i.id",
                    $crate::server::store::partners::PHASE_ORDER
                ))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|r| {
                        Ok(TemplateItem {
                            id: r.id,
                            phase: Phase::parse(&r.phase).ok_or_else(|| corrupt("phase"))?,
                            position: r.position,
                            title: r.title,
                            binding: r.binding.as_deref().and_then(Binding::parse),
                        })
                    })
                    .collect()
            }

            async fn add_template_item(
                &self,
                phase: Phase,
                title: &str,
                binding: Option<Binding>,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO onboarding_template_items (phase, position, title, binding) \
                     SELECT $1, COALESCE(MAX(position), 0) + 1, $2, $3 FROM onboarding_template_items WHERE phase = $1 \
                     RETURNING id",
                )
                .bind(phase.key())
                .bind(title)
                .bind(binding.map(|b| b.key()))
                .fetch_one(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn remove_template_item(&self, id: i64, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let gone = sqlx::query("DELETE FROM onboarding_template_items WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if gone.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
