//! Persistence. `Store` is the one door to the database: each method is a use
//! case that commits as a whole (including the audit and outbox rows it
//! implies) or not at all. Two implementations share their SQL text through
//! the `sql_store!` macro in `sql.rs`; the few statements that differ per
//! engine live in `sqlite.rs` and `postgres.rs`.

mod sessions;
#[macro_use]
mod sql;
#[macro_use]
mod partners;
#[macro_use]
mod certification;
#[macro_use]
mod revenue;
#[macro_use]
mod brands;
mod postgres;
mod sqlite;

pub use postgres::PgStore;
pub use sessions::AnySessionStore;
pub use sqlite::SqliteStore;

use crate::domain::account::{CurrentUser, InvitationView, PendingInvitation, TeamMember, UserSummary};
use crate::domain::application::{ApplicationDetail, ApplicationStatus, ApplicationSummary, Decision, NewApplication};
use crate::domain::audit::AuditEntry;
use crate::domain::brand::Brand;
pub use crate::domain::certification::TimelineEntry as TransitionRecord;
use crate::domain::certification::{CertState, Transition};
use crate::domain::evaluation::Scores;
use crate::domain::ledger::{
    CustomerFigure, EventInput, ImportRecord, Month, MonthlyFigure, Payout, PayoutStatus, RowError, Statement,
    StatementLine, StatementStatus,
};
use crate::domain::onboarding::{Binding, Phase, PlanItem, TemplateItem};
use crate::domain::role::{OrgRole, Role};
use crate::domain::terms::{Terms, TermsVersion};
use crate::domain::token::TokenError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule would be broken (the text names which, for the user).
    #[error("{0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A business rule checked inside the transaction refused the change.
    #[error("{0}")]
    Rule(String),
    /// Anything else from the database. Its text is logged, never shown.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(sqlx::Error::Migrate(Box::new(e)))
    }
}

/// An audit row to be written with the change it describes.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub brand_id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_email: String,
    pub action: &'static str,
    pub subject: String,
    pub detail: serde_json::Value,
    pub client_ip: String,
}

/// A message for the outbox worker to send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The sender's display name (a white-label brand's), else the default.
    #[serde(default)]
    pub from_name: Option<String>,
    /// An HTML alternative to `text`, already escaped.
    #[serde(default)]
    pub html: Option<String>,
}

/// What sign-in needs to know about an account. Not `Serialize`: the hash
/// must never travel to a browser.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub user_id: i64,
    pub email: String,
    pub password_hash: String,
    pub disabled: bool,
    pub session_epoch: i64,
}

/// The signed-in user plus what the server checks the session against.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: CurrentUser,
    pub session_epoch: i64,
    pub disabled: bool,
}

/// A one-time token about to be stored (only its hash is kept).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token_hash: String,
    pub brand_id: i64,
    pub email: String,
    pub user_id: Option<i64>,
    pub role: Option<Role>,
    pub display_name: Option<String>,
    /// For an invitation into a partner organisation: which, and as what.
    pub org: Option<(i64, OrgRole)>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A claimed outbox row.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// A new account created directly (command line), not through an invitation.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub brand_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait Store: PartnerStore + CertStore + RevenueStore + BrandStore + Send + Sync + 'static {
    /// Applies pending migrations. Safe to call from several instances.
    async fn migrate(&self) -> StoreResult<()>;
    async fn ping(&self) -> StoreResult<()>;

    async fn default_brand(&self) -> StoreResult<Brand>;
    /// The brand serving a verified custom domain, if any.
    async fn brand_for_domain(&self, domain: &str) -> StoreResult<Option<Brand>>;
    async fn create_brand(&self, slug: &str, name: &str, now: DateTime<Utc>) -> StoreResult<Brand>;
    /// Records a custom domain for a brand; `verified_at` set means it serves.
    async fn add_domain(&self, brand_id: i64, domain: &str, verified_at: Option<DateTime<Utc>>) -> StoreResult<()>;

    async fn create_user(&self, user: NewUser, audit: NewAudit) -> StoreResult<i64>;
    async fn login_record(&self, brand_id: i64, email: &str) -> StoreResult<Option<LoginRecord>>;
    async fn login_record_by_id(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<LoginRecord>>;
    /// Recent failure times for the account and for the client address.
    async fn login_failures_since(
        &self,
        brand_id: i64,
        email: &str,
        client_ip: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(Vec<DateTime<Utc>>, Vec<DateTime<Utc>>)>;
    async fn record_login_failure(&self, email: &str, audit: NewAudit) -> StoreResult<()>;
    /// Clears the account's failure count and audits the sign-in.
    async fn record_login_success(&self, email: &str, audit: NewAudit) -> StoreResult<()>;
    async fn session_user(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<SessionUser>>;
    async fn list_users(&self, brand_id: i64) -> StoreResult<Vec<UserSummary>>;
    /// Sets a user's role and disabled flag; the audit row gets before/after.
    /// Disabling ends the user's sessions.
    async fn update_user_access(&self, user_id: i64, role: Role, disabled: bool, audit: NewAudit) -> StoreResult<()>;
    /// Sets a new password and ends every other session of the user.
    async fn change_password(&self, user_id: i64, password_hash: &str, audit: NewAudit) -> StoreResult<i64>;

    async fn create_password_reset(&self, token: NewToken, mail: OutgoingEmail, audit: NewAudit) -> StoreResult<()>;
    /// Redeems a reset token: sets the password, uses the token, ends sessions.
    async fn redeem_password_reset(
        &self,
        brand_id: i64,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        client_ip: &str,
    ) -> StoreResult<i64>;

    async fn create_invitation(&self, token: NewToken, mail: OutgoingEmail, audit: NewAudit) -> StoreResult<()>;
    async fn invitation(&self, brand_id: i64, token_hash: &str, now: DateTime<Utc>) -> StoreResult<InvitationView>;
    async fn accept_invitation(
        &self,
        brand_id: i64,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        client_ip: &str,
    ) -> StoreResult<i64>;
    async fn pending_invitations(&self, brand_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<PendingInvitation>>;
    /// Invitations waiting to join one organisation.
    async fn pending_org_invitations(
        &self,
        brand_id: i64,
        org_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<PendingInvitation>>;
    /// The people of one partner organisation.
    async fn org_members(&self, brand_id: i64, org_id: i64) -> StoreResult<Vec<TeamMember>>;
    /// Removes a person from the organisation: the account is disabled and
    /// its sessions end. The last active owner cannot be removed.
    async fn remove_org_member(&self, brand_id: i64, org_id: i64, user_id: i64, audit: NewAudit) -> StoreResult<()>;

    async fn record_audit(&self, audit: NewAudit) -> StoreResult<()>;
    /// Newest first; `before_id` pages backwards.
    async fn audit_entries(&self, brand_id: i64, before_id: Option<i64>, limit: i64) -> StoreResult<Vec<AuditEntry>>;

    /// Leases up to `limit` due outbox rows until `lease_until`. Two workers
    /// never hold the same row.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<OutboxItem>>;
    /// Marks a row delivered and drops its payload, which may hold a link.
    async fn finish_outbox(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;
    async fn retry_outbox(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()>;
    /// Rows not yet delivered (for tests and the operator's health view).
    async fn pending_outbox_count(&self) -> StoreResult<i64>;
}

/// Organisation facts pages need next to a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrgPlanItem {
    pub organisation_id: i64,
    pub organisation: String,
    pub approved_at_ms: i64,
    pub item: PlanItem,
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
    /// Oldest first; empty filters match everything; `kind_prefix` is a
    /// partner type such as `technology`.
    async fn application_queue(
        &self,
        brand_id: i64,
        status: &str,
        kind_prefix: &str,
    ) -> StoreResult<Vec<ApplicationSummary>>;
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
    /// Every plan item of every partner of the brand.
    async fn all_plan_items(&self, brand_id: i64) -> StoreResult<Vec<OrgPlanItem>>;
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

/// Revenue events to check and record as one import.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    /// A file name, "pasted" or "form".
    pub source: String,
    pub rows: Vec<EventInput>,
    /// Rows in the file, including any refused before planning.
    pub row_count: usize,
    pub created_by: i64,
    /// Check only: report the rows' problems and write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Imported(ImportRecord),
    /// Nothing was written.
    Rejected(Vec<RowError>),
}

#[async_trait]
pub trait RevenueStore: Send + Sync + 'static {
    /// Every version of a partner's terms, oldest first.
    async fn terms_versions(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<TermsVersion>>;
    /// Adds the next version, taking effect at `effective_from_ms` (not before
    /// the latest version's date); returns its number.
    async fn add_terms_version(
        &self,
        brand_id: i64,
        organisation_id: i64,
        effective_from_ms: i64,
        terms: &Terms,
        created_by: i64,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Approved partners that revenue can be recorded for: (id, name).
    async fn revenue_partners(&self, brand_id: i64) -> StoreResult<Vec<(i64, String)>>;
    /// Plans the batch against the ledger (`domain::ledger::plan_import`)
    /// and, if every row passes, writes events, lines, statement totals and
    /// rollups in one transaction. Otherwise writes nothing.
    async fn import_revenue(&self, brand_id: i64, batch: ImportBatch, audit: NewAudit) -> StoreResult<ImportOutcome>;
    /// Keeps a refused import and its row errors for the import history.
    async fn record_rejected_import(
        &self,
        brand_id: i64,
        source: &str,
        row_count: usize,
        errors: &[RowError],
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn revenue_imports(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<ImportRecord>>;
    async fn revenue_import(&self, brand_id: i64, id: i64) -> StoreResult<Option<ImportRecord>>;
    /// Newest month first.
    async fn statements(
        &self,
        brand_id: i64,
        organisation_id: Option<i64>,
        status: Option<StatementStatus>,
    ) -> StoreResult<Vec<Statement>>;
    async fn statement(&self, brand_id: i64, id: i64) -> StoreResult<Option<(Statement, Vec<StatementLine>)>>;
    /// Closes a statement (rules: `domain::ledger::check_close`), adding the
    /// quarter's volume bonus, carrying in a negative balance, creating the
    /// payout of a positive one, and writing a `statement.closed` event.
    async fn close_statement(
        &self,
        brand_id: i64,
        id: i64,
        now: Month,
        closed_by: i64,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Moves a payout from the state it was seen in (at its version) to `to`.
    async fn move_payout(
        &self,
        brand_id: i64,
        payout: &Payout,
        to: PayoutStatus,
        reference: Option<&str>,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn payouts(&self, brand_id: i64, status: Option<PayoutStatus>) -> StoreResult<Vec<Payout>>;
    async fn payout(&self, brand_id: i64, id: i64) -> StoreResult<Option<Payout>>;
    /// For each quarter (its three months) with revenue but no statement for
    /// its last month, opens that statement so its close computes the
    /// quarter's volume bonus. Returns how many were opened.
    async fn open_quarter_end_statements(
        &self,
        brand_id: i64,
        quarters: &[[Month; 3]],
        now_ms: i64,
    ) -> StoreResult<u64>;
    /// Rollup figures between two months inclusive, for one partner or all.
    async fn monthly_figures(
        &self,
        brand_id: i64,
        organisation_id: Option<i64>,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<MonthlyFigure>>;
    /// One partner's customers between two months, by revenue.
    async fn customer_figures(
        &self,
        brand_id: i64,
        organisation_id: i64,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<CustomerFigure>>;
}

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

/// Opens the database named by `url` (`sqlite:…` or `postgres:…`), creating a
/// SQLite file if needed, and applies migrations.
pub async fn connect(url: &str) -> anyhow::Result<(Arc<dyn Store>, AnySessionStore)> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url).await?;
        let sessions = AnySessionStore::sqlite(store.pool().clone()).await?;
        store.migrate().await?;
        Ok((Arc::new(store), sessions))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PgStore::connect(url).await?;
        let sessions = AnySessionStore::postgres(store.pool().clone()).await?;
        store.migrate().await?;
        Ok((Arc::new(store), sessions))
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:")
    }
}

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
