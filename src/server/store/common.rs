//! What every part of the store shares: its error, the audit and outbox
//! rows every write carries, the account records, and time conversion. The
//! domain types the store's traits speak in are brought in here once.

pub(super) use crate::domain::account::{CurrentUser, InvitationView, PendingInvitation, TeamMember, UserSummary};
pub(super) use crate::domain::application::{
    ApplicationDetail, ApplicationStatus, ApplicationSummary, Decision, NewApplication,
};
pub(super) use crate::domain::audit::AuditEntry;
pub(super) use crate::domain::brand::Brand;
pub(super) use crate::domain::certification::SupportTier;
pub use crate::domain::certification::TimelineEntry as TransitionRecord;
pub(super) use crate::domain::certification::{CertState, Transition};
pub use crate::domain::email::FailedEmail;
pub(super) use crate::domain::evaluation::Scores;
pub(super) use crate::domain::integration::{
    AgentView, AttemptView, DeliveryView, Environment, EventIn, RequestLogEntry, Scope, TrafficHour, TrustChange,
};
pub(super) use crate::domain::ledger::{
    CustomerFigure, EventInput, ImportRecord, Month, MonthlyFigure, Payout, PayoutStatus, RowError, Statement,
    StatementLine, StatementStatus,
};
pub(super) use crate::domain::onboarding::{
    Binding, PartnerColumn, PartnerSort, Phase, PlanItem, Progress, StallCount, TemplateItem,
};
pub(super) use crate::domain::role::{OrgRole, Role};
pub use crate::domain::scorecard::{ReviewRecord, ReviewSnapshot};
pub(super) use crate::domain::support::{MessageView, Resolution, Severity, TicketClock, TicketView};
pub(super) use crate::domain::terms::{Terms, TermsVersion};
pub(super) use crate::domain::token::TokenError;
pub(super) use async_trait::async_trait;
pub(super) use chrono::{DateTime, Utc};

pub type StoreResult<T> = Result<T, StoreError>;

/// A partner organisation known to belong to a brand. Only the store makes
/// one, from a lookup that checked the brand (`KeyStore::organisation_in`,
/// or the organisation of a stored API key), so a read that takes an
/// `OrgRef` cannot be pointed at another brand's partner by an id from a
/// query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgRef {
    brand_id: i64,
    id: i64,
}

impl OrgRef {
    /// Only for rows just read with their brand checked.
    pub(super) fn checked(brand_id: i64, id: i64) -> OrgRef {
        OrgRef { brand_id, id }
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn brand_id(&self) -> i64 {
        self.brand_id
    }
}

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
    /// The database could not be reached in time (down, or every
    /// connection busy): nothing was done, and trying again may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else from the database. Its text is logged, never shown.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            e => StoreError::Database(e),
        }
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
    /// The partner organisation the entry concerns when staff act on it;
    /// `None` takes the actor's own organisation, if any (a partner's
    /// person acting).
    pub organisation_id: Option<i64>,
}

impl NewAudit {
    /// The entry concerns partner `org` (staff acting on it).
    pub fn about(self, org: i64) -> NewAudit {
        NewAudit { organisation_id: Some(org), ..self }
    }
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
    pub created_at: DateTime<Utc>,
}

/// Work waiting, for the operator's metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlogs {
    pub outbox: i64,
    pub outbox_oldest_secs: i64,
    pub outbox_failed: i64,
    pub webhooks: i64,
    pub webhooks_oldest_secs: i64,
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

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A list's search as SQL: `param` (a `domain::listing::like_pattern`,
/// lower case with its wildcards escaped by `\`) found in any of `columns`,
/// compared in lower case. When not `searching` the parameter is still
/// bound, empty, and compared with itself, so every row passes and the
/// query's parameter numbering stays the same either way.
pub(super) fn search_clause(searching: bool, param: &str, columns: &[&str]) -> String {
    if !searching {
        return format!("{param} = ''");
    }
    let each: Vec<String> = columns.iter().map(|c| format!("LOWER({c}) LIKE {param} ESCAPE '\\'")).collect();
    format!("({})", each.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::search_clause;

    #[test]
    fn a_search_looks_in_every_column_and_no_search_lets_every_row_through() {
        assert_eq!(
            search_clause(true, "$2", &["u.email", "o.name"]),
            "(LOWER(u.email) LIKE $2 ESCAPE '\\' OR LOWER(o.name) LIKE $2 ESCAPE '\\')"
        );
        assert_eq!(search_clause(false, "$5", &["o.name"]), "$5 = ''");
    }
}
