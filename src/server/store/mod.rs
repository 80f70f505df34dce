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
#[macro_use]
mod integration;
#[macro_use]
mod support;
#[macro_use]
mod funds;
mod postgres;
mod sqlite;

pub use funds::{FundClaim, FundMove, NewFundRequest, ProofFile};
pub use postgres::PgStore;
pub use sessions::AnySessionStore;
pub use sqlite::SqliteStore;

use crate::domain::account::{CurrentUser, InvitationView, PendingInvitation, TeamMember, UserSummary};
use crate::domain::application::{ApplicationDetail, ApplicationStatus, ApplicationSummary, Decision, NewApplication};
use crate::domain::audit::AuditEntry;
use crate::domain::brand::Brand;
use crate::domain::certification::SupportTier;
pub use crate::domain::certification::TimelineEntry as TransitionRecord;
use crate::domain::certification::{CertState, Transition};
use crate::domain::evaluation::Scores;
use crate::domain::integration::{
    AgentView, AttemptView, DeliveryView, Environment, EventIn, RequestLogEntry, Scope, TrafficHour, TrustChange,
};
use crate::domain::ledger::{
    CustomerFigure, EventInput, ImportRecord, Month, MonthlyFigure, Payout, PayoutStatus, RowError, Statement,
    StatementLine, StatementStatus,
};
use crate::domain::onboarding::{Binding, Phase, PlanItem, TemplateItem};
use crate::domain::role::{OrgRole, Role};
pub use crate::domain::scorecard::{ReviewRecord, ReviewSnapshot};
use crate::domain::support::{MessageView, Resolution, Severity, TicketClock, TicketStatus, TicketView};
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
pub trait Store:
    PartnerStore
    + CertStore
    + RevenueStore
    + BrandStore
    + IntegrationStore
    + SupportStore
    + FundStore
    + Send
    + Sync
    + 'static
{
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
/// A new API key (only its keyed hash is stored).
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub key_hash: String,
    pub hint: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// What authenticating a key needs.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    pub id: i64,
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub revoked_at_ms: Option<i64>,
    pub expires_at_ms: Option<i64>,
    /// The partner's certification state now (keys follow it).
    pub cert_state: CertState,
}

/// A stored key, for its owners' list (status is worked out by the caller).
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub name: String,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub hint: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub public_id: String,
    pub name: String,
    pub external_ref: Option<String>,
    pub customer_user_id: Option<i64>,
    pub now: DateTime<Utc>,
}

/// Who sends a batch of outcome events, and the sandbox quota that applies.
#[derive(Debug, Clone)]
pub struct EventBatch {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub events: Vec<EventIn>,
    /// (UTC day, events allowed that day) for sandbox batches.
    pub quota: Option<(i64, i64)>,
    pub now: DateTime<Utc>,
}

/// What became of one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventResult {
    pub event_id: String,
    pub agent_id: String,
    /// False when the event id was seen before (nothing changed).
    pub applied: bool,
    pub trust_score: i64,
}

#[derive(Debug, Clone)]
pub struct EventsOutcome {
    pub results: Vec<EventResult>,
    /// This was the partner's first sandbox event ever.
    pub first_sandbox_event: bool,
}

/// One API request for the request log.
#[derive(Debug, Clone)]
pub struct ApiRequestRecord {
    pub organisation_id: i64,
    pub environment: Environment,
    pub key_id: Option<i64>,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub latency_us: i64,
    pub at: DateTime<Utc>,
}

/// Where an idempotency key stands when a request arrives with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyState {
    /// First use: the request runs, then `finish_idempotent` keeps its answer.
    New,
    /// Seen with the same request: answer as before.
    Replay { status: u16, body: String },
    /// Seen with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub environment: Environment,
    pub public_id: String,
    pub url: String,
    pub patterns: Vec<String>,
    pub secret_enc: String,
    pub now: DateTime<Utc>,
}

/// A stored subscription; its secrets still encrypted.
#[derive(Debug, Clone)]
pub struct SubscriptionRecord {
    pub id: i64,
    pub public_id: String,
    pub organisation_id: i64,
    pub environment: Environment,
    pub url: String,
    pub patterns: Vec<String>,
    pub secret_enc: String,
    pub previous_secret_enc: Option<String>,
    pub previous_until_ms: Option<i64>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at_ms: i64,
}

/// A delivery claimed for an attempt.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub subscription_id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub created_at_ms: i64,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: i64,
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub duration_ms: i64,
    pub response_status: Option<u16>,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptNext {
    Delivered,
    RetryAt(DateTime<Utc>),
    /// The schedule is spent.
    GiveUp,
    /// The receiver answered 410 Gone: stop and disable the subscription.
    Disable(String),
}

#[async_trait]
pub trait IntegrationStore: Send + Sync + 'static {
    /// Stores a key; returns its id and whether it is the partner's first
    /// sandbox key.
    async fn create_api_key(&self, key: NewApiKey, audit: NewAudit) -> StoreResult<(i64, bool)>;
    async fn api_keys(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Ends `old_id` at `old_ends` and stores its replacement, in one
    /// transaction; refused if the old key is revoked or already rotated.
    async fn rotate_api_key(
        &self,
        old_id: i64,
        old_ends: DateTime<Utc>,
        new: NewApiKey,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    async fn revoke_api_key(
        &self,
        brand_id: i64,
        organisation_id: i64,
        id: i64,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn key_by_hash(&self, key_hash: &str) -> StoreResult<Option<KeyAuth>>;
    /// Records use, at most once a minute per key (keeps writes cheap).
    async fn touch_api_key(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;

    /// Registers an agent unless the environment already holds `limit`.
    async fn register_agent(&self, agent: NewAgent, limit: Option<i64>) -> StoreResult<AgentView>;
    async fn agents(&self, organisation_id: i64, env: Environment) -> StoreResult<Vec<AgentView>>;
    async fn agent_count(&self, organisation_id: i64, env: Environment) -> StoreResult<i64>;
    async fn agent(&self, organisation_id: i64, env: Environment, public_id: &str) -> StoreResult<Option<AgentView>>;
    /// Newest first.
    async fn trust_history(&self, public_id: &str, limit: i64) -> StoreResult<Vec<TrustChange>>;
    /// Agents assigned to a white-label customer, any partner environment.
    async fn customer_agents(&self, customer_user_id: i64) -> StoreResult<Vec<AgentView>>;
    /// Applies a batch in one transaction: repeated event ids change
    /// nothing; each new event moves its agent's score
    /// (`webhook::apply_outcome`) and writes `trust.score_changed`. A sandbox
    /// batch that would pass the day's quota writes nothing
    /// (`StoreError::Rule("quota")`); an unknown agent fails the batch
    /// (`StoreError::NotFound`).
    async fn record_events(&self, batch: EventBatch) -> StoreResult<EventsOutcome>;
    /// Sandbox events used on a UTC day.
    async fn sandbox_events_on(&self, organisation_id: i64, day: i64) -> StoreResult<i64>;
    /// Clears every sandbox agent and its outcome events once per week number
    /// (whichever instance claims the week does it). Returns whether this
    /// call did it.
    async fn reset_sandbox(&self, week: i64) -> StoreResult<bool>;

    async fn record_api_request(&self, r: ApiRequestRecord) -> StoreResult<()>;
    /// Hourly rollups since `since`, oldest first, both environments.
    async fn api_traffic(&self, organisation_id: i64, since: DateTime<Utc>) -> StoreResult<Vec<TrafficHour>>;
    /// Newest first.
    async fn recent_api_requests(&self, organisation_id: i64, limit: i64) -> StoreResult<Vec<RequestLogEntry>>;
    /// Forgets request-log rows and idempotency keys older than `before`.
    async fn prune_api_log(&self, before: DateTime<Utc>) -> StoreResult<()>;

    async fn begin_idempotent(
        &self,
        organisation_id: i64,
        env: Environment,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<IdempotencyState>;
    /// Keeps the answer; a `None` status forgets the key so it can be retried.
    async fn finish_idempotent(
        &self,
        organisation_id: i64,
        env: Environment,
        key: &str,
        answer: Option<(u16, String)>,
    ) -> StoreResult<()>;

    async fn create_subscription(&self, sub: NewSubscription, audit: NewAudit) -> StoreResult<SubscriptionRecord>;
    async fn subscriptions(&self, organisation_id: i64) -> StoreResult<Vec<SubscriptionRecord>>;
    async fn subscription(&self, organisation_id: i64, public_id: &str) -> StoreResult<Option<SubscriptionRecord>>;
    async fn subscription_by_id(&self, id: i64) -> StoreResult<Option<SubscriptionRecord>>;
    /// Deletes a subscription and cancels its pending deliveries.
    async fn delete_subscription(&self, id: i64, now: DateTime<Utc>, audit: NewAudit) -> StoreResult<()>;
    /// Swaps in a new secret; the old one also signs until `previous_until`.
    async fn rotate_subscription_secret(
        &self,
        id: i64,
        secret_enc: &str,
        previous_until: DateTime<Utc>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn set_subscription_active(&self, id: i64, active: bool, audit: NewAudit) -> StoreResult<()>;
    /// Queues one delivery (a test, or a replay of an earlier one).
    async fn queue_delivery(
        &self,
        subscription_id: i64,
        event_log_id: Option<i64>,
        msg_id: &str,
        event_type: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Turns `event_log` rows not yet fanned out into deliveries for the
    /// subscriptions that take them, marking them in the same transaction.
    /// Returns how many events it read.
    async fn fan_out(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<usize>;
    /// Claims due deliveries until `lease_until` (several instances never
    /// claim the same one).
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<DueDelivery>>;
    async fn finish_attempt(&self, attempt: AttemptRecord, next: AttemptNext) -> StoreResult<()>;
    /// Newest first, with the last attempt's response status and error, and
    /// each delivery's body.
    async fn deliveries(&self, subscription_id: i64, limit: i64) -> StoreResult<Vec<(DeliveryView, String)>>;
    async fn delivery(&self, subscription_id: i64, id: i64) -> StoreResult<Option<(DeliveryView, String)>>;
    async fn attempts(&self, delivery_id: i64) -> StoreResult<Vec<AttemptView>>;
    /// Delivery attempts to a partner's receivers from `since` until
    /// before `until`: (answered 2xx, all).
    async fn webhook_attempt_counts(
        &self,
        organisation_id: i64,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<(i64, i64)>;
}

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
