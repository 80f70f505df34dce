//! The SQL both engines share. `sql_store!` emits `impl Store` for an engine
//! type; statements use `$n` placeholders (numbered in order of first use,
//! which SQLite requires) and `RETURNING`, which both engines understand.
//! Each engine type supplies `begin_write()` and the `CLAIM_OUTBOX` statement.

use super::common::*;
pub(super) use crate::domain::account::{OrganisationSummary, UserColumn, UserSort};
use crate::domain::application::{PartnerKind, RevenueModel};
pub(super) use crate::domain::audit;
use crate::domain::navigation::builds_integrations;
pub(super) use crate::domain::role::OrgRole;
pub(super) use crate::domain::token::{check_redeemable, TokenPurpose};

#[async_trait]
pub trait CoreStore: Send + Sync + 'static {
    /// Applies the migrations this build carries that the database lacks.
    /// Safe to call from several instances. Migrations a newer build applied
    /// are left alone: under the expand/contract rule a newer schema still
    /// serves this build, so a rollback or a rolling deploy keeps running.
    async fn migrate(&self) -> StoreResult<()>;
    /// The migrations this build needs that the database has not applied
    /// (version and description), for a start-up that does not migrate.
    async fn pending_migrations(&self) -> StoreResult<Vec<String>>;
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
    /// Counts one attempt for `key_hash` under `scope` in the window that
    /// starts at `window_start_ms`, in one atomic step, and returns the
    /// window's count including it. A new window starts the count afresh.
    async fn count_attempt(&self, scope: &str, key_hash: &str, window_start_ms: i64) -> StoreResult<i64>;
    /// Gives back an attempt that turned out not to count (a sign-in that
    /// succeeded), if its window is still the current one.
    async fn uncount_attempt(&self, scope: &str, key_hash: &str, window_start_ms: i64) -> StoreResult<()>;
    /// Forgets counters of windows that started before `before_ms`.
    async fn prune_rate_counters(&self, before_ms: i64) -> StoreResult<()>;
    async fn record_login_failure(&self, email: &str, audit: NewAudit) -> StoreResult<()>;
    /// Clears the account's failure count and audits the sign-in.
    async fn record_login_success(&self, email: &str, audit: NewAudit) -> StoreResult<()>;
    async fn session_user(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<SessionUser>>;
    async fn list_users(&self, brand_id: i64) -> StoreResult<Vec<UserSummary>>;
    /// `limit` of the brand's users from `offset` in `sort` order (ties by
    /// email), only those whose email, name or organisation matches
    /// `search` (a `domain::listing::like_pattern`) if given; and how many
    /// match in all.
    async fn users_page(
        &self,
        brand_id: i64,
        sort: UserSort,
        search: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<UserSummary>, i64)>;
    /// Sets a user's role and disabled flag; the audit row gets before/after.
    /// Disabling ends the user's sessions.
    async fn update_user_access(&self, user_id: i64, role: Role, disabled: bool, audit: NewAudit) -> StoreResult<()>;
    /// Sets a new password and ends every other session of the user.
    async fn change_password(&self, user_id: i64, password_hash: &str, audit: NewAudit) -> StoreResult<i64>;
    /// Sets the time zone a person reads times in (`None`: UTC).
    async fn set_time_zone(&self, user_id: i64, zone: Option<&str>, audit: NewAudit) -> StoreResult<()>;

    async fn create_password_reset(&self, token: NewToken, mail: OutgoingEmail, audit: NewAudit) -> StoreResult<()>;
    /// The address an application's link was sent to, while it can still be
    /// used; the link stays unused.
    async fn application_link_email(&self, brand_id: i64, token_hash: &str, now: DateTime<Utc>) -> StoreResult<String>;
    /// Redeems a reset token: sets the password, uses the token, ends sessions.
    async fn redeem_password_reset(
        &self,
        brand_id: i64,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        client_ip: &str,
    ) -> StoreResult<i64>;
    /// Redeems an application's confirmation link the same way: the
    /// applicant's first password, audited as the address confirmed.
    async fn redeem_application_link(
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
    /// Like `audit_entries`, only entries whose action matches `area` (an
    /// `audit::area_pattern`) and whose actor, action or subject matches
    /// `search` (a `listing::like_pattern`), each if given.
    async fn audit_search(
        &self,
        brand_id: i64,
        before_id: Option<i64>,
        area: Option<&str>,
        search: Option<&str>,
        organisation_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>>;

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
    /// Gives up on a row: it is no longer tried, and administrators see it.
    async fn fail_outbox(&self, id: i64, error: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Hands back leased rows not yet tried (the worker is stopping).
    async fn release_outbox(&self, ids: &[i64]) -> StoreResult<()>;
    /// Rows not yet delivered (for tests and the operator's health view).
    async fn pending_outbox_count(&self) -> StoreResult<i64>;
    /// Emails given up on, newest first.
    async fn failed_emails(&self, limit: i64) -> StoreResult<Vec<FailedEmail>>;
    /// Queues a given-up email again from now, with a fresh delivery window.
    /// `NotFound` unless it is still failed (resent once, even if two admins
    /// click at once).
    async fn resend_email(&self, id: i64, now: DateTime<Utc>, audit: NewAudit) -> StoreResult<()>;
    /// What waits in the outbox and the webhook queue, and for how long.
    async fn backlogs(&self, now: DateTime<Utc>) -> StoreResult<Backlogs>;
    /// Connections open and idle in the pool.
    fn pool_use(&self) -> (u32, u32);
}

#[derive(sqlx::FromRow)]
pub(super) struct BrandRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub is_default: bool,
    pub organisation_id: Option<i64>,
    pub primary_colour: Option<String>,
    pub accent_colour: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
    pub updated_at: Option<i64>,
}

pub(super) const BRAND_SELECT: &str = "SELECT id, slug, name, is_default, organisation_id, primary_colour, \
     accent_colour, support_email, support_url, updated_at FROM brands";

impl From<BrandRow> for Brand {
    fn from(r: BrandRow) -> Self {
        Brand {
            id: r.id,
            slug: r.slug,
            name: r.name,
            is_default: r.is_default,
            organisation_id: r.organisation_id,
            primary_colour: r.primary_colour,
            accent_colour: r.accent_colour,
            support_email: r.support_email,
            support_url: r.support_url,
            updated_at_ms: r.updated_at.unwrap_or_default(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LoginRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub disabled_at: Option<i64>,
    pub session_epoch: i64,
}

impl From<LoginRow> for LoginRecord {
    fn from(r: LoginRow) -> Self {
        LoginRecord {
            user_id: r.id,
            email: r.email,
            password_hash: r.password_hash,
            disabled: r.disabled_at.is_some(),
            session_epoch: r.session_epoch,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionUserRow {
    pub time_zone: Option<String>,
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub org_role: Option<String>,
    pub org_model: Option<String>,
    pub org_kind: Option<String>,
    pub org_state: Option<String>,
    pub brand_name: String,
    pub session_epoch: i64,
    pub disabled_at: Option<i64>,
}

impl SessionUserRow {
    pub fn into_session_user(self) -> StoreResult<SessionUser> {
        let role: Role = self.role.parse().map_err(|_| StoreError::NotFound)?;
        let organisation = match (self.org_id, self.org_name, self.org_role) {
            (Some(id), Some(name), Some(r)) => Some(OrganisationSummary {
                id,
                name,
                org_role: r.parse().unwrap_or(OrgRole::Member),
                white_label: self.org_model.as_deref() == Some("white_label"),
                funds: crate::domain::funds::eligible(
                    self.org_model.as_deref().and_then(RevenueModel::parse),
                    self.org_state.as_deref().and_then(CertState::parse).unwrap_or(CertState::Registered),
                ),
                builds: builds_integrations(
                    self.org_kind.as_deref().and_then(PartnerKind::parse),
                    self.org_model.as_deref().and_then(RevenueModel::parse),
                ),
            }),
            _ => None,
        };
        Ok(SessionUser {
            user: CurrentUser {
                id: self.id,
                email: self.email,
                display_name: self.display_name,
                role,
                organisation,
                brand_name: self.brand_name,
                time_zone: self.time_zone,
            },
            session_epoch: self.session_epoch,
            disabled: self.disabled_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UserSummaryRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub org_name: Option<String>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

/// The user list's select, for `UserSummaryRow`.
pub(super) const USER_SUMMARY: &str =
    "SELECT u.id, u.email, u.display_name, u.role, o.name AS org_name, u.created_at, u.disabled_at \
     FROM users u LEFT JOIN organisations o ON o.id = u.org_id";

/// The user list's search: `$2` a `like_pattern` matched against email,
/// name and organisation (staff have none: an empty name).
pub(super) fn user_filter(searching: bool) -> String {
    super::common::search_clause(searching, "$2", &["u.email", "u.display_name", "COALESCE(o.name, '')"])
}

/// ORDER BY for the user list. Staff have no organisation: an empty name
/// sorts them first on both engines (their NULLs would not agree).
pub(super) fn user_order(sort: UserSort) -> String {
    let column = match sort.column {
        UserColumn::Email => "u.email",
        UserColumn::Name => "LOWER(u.display_name)",
        UserColumn::Role => "u.role",
        UserColumn::Organisation => "LOWER(COALESCE(o.name, ''))",
        UserColumn::Since => "u.created_at",
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    format!("{column} {dir}, u.email, u.id")
}

impl UserSummaryRow {
    /// `None` for a role this version does not know.
    pub fn into_summary(self) -> Option<UserSummary> {
        Some(UserSummary {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            role: self.role.parse().ok()?,
            organisation: self.org_name,
            created_at_ms: self.created_at,
            disabled: self.disabled_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TokenRow {
    pub id: i64,
    pub email: String,
    pub user_id: Option<i64>,
    pub role: Option<String>,
    pub display_name: Option<String>,
    pub created_by: Option<i64>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub org_id: Option<i64>,
    pub org_role: Option<String>,
}

impl TokenRow {
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), TokenError> {
        check_redeemable(from_ms(self.expires_at), self.used_at.map(from_ms), now)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PendingInvitationRow {
    pub email: String,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub invited_by: Option<String>,
    pub expires_at: i64,
}

impl PendingInvitationRow {
    pub fn into_pending(self) -> Option<PendingInvitation> {
        Some(PendingInvitation {
            email: self.email,
            display_name: self.display_name.unwrap_or_default(),
            role: self.role?.parse().ok()?,
            invited_by: self.invited_by.unwrap_or_default(),
            expires_at_ms: self.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_email: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub client_ip: String,
}

impl AuditRow {
    pub fn into_entry(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            at_ms: self.at,
            actor_email: self.actor_email,
            action: self.action,
            subject: self.subject,
            detail: self.detail,
            client_ip: self.client_ip,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct FailedRow {
    pub id: i64,
    pub payload: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub failed_at: i64,
}

impl From<FailedRow> for FailedEmail {
    fn from(r: FailedRow) -> Self {
        let mail: Option<OutgoingEmail> = serde_json::from_str(&r.payload).ok();
        FailedEmail {
            id: r.id,
            to: mail.as_ref().map(|m| m.to.clone()).unwrap_or_default(),
            subject: mail.map(|m| m.subject).unwrap_or_default(),
            attempts: r.attempts,
            last_error: r.last_error.unwrap_or_default(),
            created_at_ms: r.created_at,
            failed_at_ms: r.failed_at,
        }
    }
}

pub(super) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (brand_id, at, actor_id, actor_email, action, subject, detail, client_ip, organisation_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, (SELECT u.org_id FROM users u WHERE u.id = $3)))";
pub(super) const INSERT_OUTBOX: &str =
    "INSERT INTO outbox (kind, payload, created_at, available_at) VALUES ($1, $2, $3, $3)";
pub(super) const INSERT_TOKEN: &str = "INSERT INTO one_time_tokens \
    (token_hash, purpose, brand_id, email, user_id, role, display_name, created_by, created_at, expires_at, org_id, \
     org_role) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
pub(super) const SELECT_TOKEN: &str =
    "SELECT id, email, user_id, role, display_name, created_by, expires_at, used_at, org_id, org_role \
     FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND brand_id = $3";
pub(super) const SESSION_USER: &str = "SELECT u.id, u.email, u.display_name, u.role, u.org_id, o.name AS org_name, \
    u.org_role, o.revenue_model AS org_model, o.partner_kind AS org_kind, o.certification_state AS org_state, \
     b.name AS brand_name, u.session_epoch, u.disabled_at, u.time_zone \
     FROM users u JOIN brands b ON b.id = u.brand_id LEFT JOIN organisations o ON o.id = u.org_id \
     WHERE u.brand_id = $1 AND u.id = $2";
pub(super) const LOGIN_BY_EMAIL: &str = "SELECT id, email, password_hash, disabled_at, session_epoch \
     FROM users WHERE brand_id = $1 AND email = $2";
pub(super) const LOGIN_BY_ID: &str = "SELECT id, email, password_hash, disabled_at, session_epoch \
     FROM users WHERE brand_id = $1 AND id = $2";

/// Emits `impl CoreStore for $store` over sqlx database `$db`.
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Takes one of the engine's transaction locks (`LEDGER_LOCK`,
            /// `ORG_LOCK`, `PLAN_LOCK`) on `key` until the transaction ends.
            /// SQLite has none: `BEGIN IMMEDIATE` already makes each write
            /// transaction the only one.
            async fn take_lock(
                tx: &mut sqlx::Transaction<'_, $db>,
                lock: Option<&'static str>,
                key: i64,
            ) -> StoreResult<()> {
                if let Some(sql) = lock {
                    sqlx::query(sql).bind(key).execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Moves one row between a brand's per-status counts in `table`
            /// (`brand_id`, `status`, `n`; migration 0019): out of `from`
            /// (none for a new row) and into `to`. The counts change in
            /// status order, so two moves in flight on PostgreSQL lock them
            /// in the same order and never wait on each other in a cycle.
            async fn move_status_count(
                tx: &mut sqlx::Transaction<'_, $db>,
                table: &'static str,
                brand_id: i64,
                from: Option<&str>,
                to: &str,
            ) -> StoreResult<()> {
                let mut moves: Vec<(&str, i64)> = from.map(|f| (f, -1)).into_iter().collect();
                moves.push((to, 1));
                moves.sort_unstable();
                for (status, by) in moves {
                    sqlx::query(&format!(
                        "INSERT INTO {table} (brand_id, status, n) VALUES ($1, $2, $3) \
                         ON CONFLICT (brand_id, status) DO UPDATE SET n = {table}.n + excluded.n"
                    ))
                    .bind(brand_id)
                    .bind(status)
                    .bind(by)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            async fn insert_audit(tx: &mut sqlx::Transaction<'_, $db>, a: &NewAudit) -> StoreResult<()> {
                sqlx::query($crate::server::store::sql::INSERT_AUDIT)
                    .bind(a.brand_id)
                    .bind(ms(a.at))
                    .bind(a.actor_id)
                    .bind(&a.actor_email)
                    .bind(a.action)
                    .bind(&a.subject)
                    .bind(a.detail.to_string())
                    .bind(&a.client_ip)
                    .bind(a.organisation_id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Writes a program event (`deal.won`, `lead.accepted`, …) to the
            /// log that webhook delivery fans out from.
            async fn insert_program_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                organisation_id: i64,
                event_type: &str,
                payload: serde_json::Value,
                at: i64,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO event_log (brand_id, organisation_id, event_type, payload, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .bind(event_type)
                .bind(payload.to_string())
                .bind(at)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn insert_email(
                tx: &mut sqlx::Transaction<'_, $db>,
                mail: &OutgoingEmail,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let payload = serde_json::to_string(mail).expect("an email serialises");
                sqlx::query($crate::server::store::sql::INSERT_OUTBOX)
                    .bind("email")
                    .bind(payload)
                    .bind(ms(now))
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            async fn insert_token(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &NewToken,
                purpose: TokenPurpose,
            ) -> StoreResult<()> {
                sqlx::query($crate::server::store::sql::INSERT_TOKEN)
                    .bind(&t.token_hash)
                    .bind(purpose.as_str())
                    .bind(t.brand_id)
                    .bind(&t.email)
                    .bind(t.user_id)
                    .bind(t.role.map(|r| r.as_str()))
                    .bind(t.display_name.as_deref())
                    .bind(t.created_by)
                    .bind(ms(t.created_at))
                    .bind(ms(t.expires_at))
                    .bind(t.org.map(|(id, _)| id))
                    .bind(t.org.map(|(_, r)| r.as_str()))
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Loads a token for update inside `tx` and checks it may be used.
            /// Redeems a password link (a reset, or an application's
            /// confirmation) of `purpose`: sets the password, uses the link,
            /// ends sessions, and audits it as `action`.
            async fn redeem_password_link(
                &self,
                brand_id: i64,
                token_hash: &str,
                password_hash: &str,
                now: DateTime<Utc>,
                client_ip: &str,
                (purpose, action): (TokenPurpose, &'static str),
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let token = Self::take_token(&mut tx, brand_id, token_hash, purpose, now).await?;
                let user_id = token.user_id.ok_or(TokenError::Unknown)?;
                let changed = sqlx::query(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2, session_epoch = session_epoch + 1 \
                     WHERE id = $3 AND brand_id = $4",
                )
                .bind(password_hash)
                .bind(ms(now))
                .bind(user_id)
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(TokenError::Unknown.into());
                }
                let audit = NewAudit {
                    brand_id,
                    at: now,
                    actor_id: Some(user_id),
                    actor_email: token.email.clone(),
                    action,
                    subject: format!("user:{user_id}"),
                    detail: serde_json::json!({}),
                    client_ip: client_ip.to_owned(),
                    organisation_id: None,
                };
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(user_id)
            }

            async fn take_token(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                token_hash: &str,
                purpose: TokenPurpose,
                now: DateTime<Utc>,
            ) -> StoreResult<TokenRow> {
                let row: Option<TokenRow> = sqlx::query_as($crate::server::store::sql::SELECT_TOKEN)
                    .bind(token_hash)
                    .bind(purpose.as_str())
                    .bind(brand_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                let row = row.ok_or(TokenError::Unknown)?;
                row.check(now)?;
                // The `used_at IS NULL` guard makes a concurrent second use
                // update nothing, so it fails below instead of winning twice.
                let used = sqlx::query("UPDATE one_time_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                    .bind(ms(now))
                    .bind(row.id)
                    .execute(&mut **tx)
                    .await?;
                if used.rows_affected() != 1 {
                    return Err(TokenError::Used.into());
                }
                Ok(row)
            }
        }

        #[async_trait]
        impl CoreStore for $store {
            async fn migrate(&self) -> StoreResult<()> {
                let mut migrator = Self::MIGRATOR;
                migrator.set_ignore_missing(true);
                migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn pending_migrations(&self) -> StoreResult<Vec<String>> {
                let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(&self.pool)
                    .await
                {
                    Ok(v) => v,
                    // No bookkeeping table yet: nothing applied.
                    Err(sqlx::Error::Database(_)) => Vec::new(),
                    Err(e) => return Err(e.into()),
                };
                Ok(Self::MIGRATOR
                    .iter()
                    .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
                    .map(|m| format!("{} {}", m.version, m.description))
                    .collect())
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn default_brand(&self) -> StoreResult<Brand> {
                let row: BrandRow =
                    sqlx::query_as(&format!("{} WHERE is_default", $crate::server::store::sql::BRAND_SELECT))
                        .fetch_one(&self.pool)
                        .await?;
                Ok(row.into())
            }

            async fn brand_for_domain(&self, domain: &str) -> StoreResult<Option<Brand>> {
                let row: Option<BrandRow> = sqlx::query_as(
                    "SELECT b.id, b.slug, b.name, b.is_default, b.organisation_id, b.primary_colour, b.accent_colour, \
                     b.support_email, b.support_url, b.updated_at FROM brands b \
                     JOIN brand_domains d ON d.brand_id = b.id \
                     WHERE d.domain = $1 AND d.verified_at IS NOT NULL",
                )
                .bind(domain)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn create_brand(&self, slug: &str, name: &str, now: DateTime<Utc>) -> StoreResult<Brand> {
                let mut tx = self.begin_write().await?;
                let res = sqlx::query_as::<_, BrandRow>(
                    "INSERT INTO brands (slug, name, is_default, created_at) VALUES ($1, $2, FALSE, $3) \
                     RETURNING id, slug, name, is_default, organisation_id, primary_colour, accent_colour, \
                     support_email, support_url, updated_at",
                )
                .bind(slug)
                .bind(name)
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await;
                let row = match res {
                    Ok(r) => r,
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict("This brand name is taken.")),
                    Err(e) => return Err(e.into()),
                };
                tx.commit().await?;
                Ok(row.into())
            }

            async fn add_domain(
                &self,
                brand_id: i64,
                domain: &str,
                verified_at: Option<DateTime<Utc>>,
            ) -> StoreResult<()> {
                let res = sqlx::query("INSERT INTO brand_domains (domain, brand_id, verified_at) VALUES ($1, $2, $3)")
                    .bind(domain)
                    .bind(brand_id)
                    .bind(verified_at.map(ms))
                    .execute(self.write_pool())
                    .await;
                match res {
                    Ok(_) => Ok(()),
                    Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict("This domain is already in use.")),
                    Err(e) => Err(e.into()),
                }
            }

            async fn create_user(&self, u: NewUser, audit: NewAudit) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let res = sqlx::query_scalar(
                    "INSERT INTO users (brand_id, email, display_name, password_hash, role, created_at, \
                     password_changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(u.brand_id)
                .bind(&u.email)
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.role.as_str())
                .bind(ms(u.created_at))
                .fetch_one(&mut *tx)
                .await;
                let id: i64 = match res {
                    Ok(id) => id,
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict("An account with this email address already exists."))
                    }
                    Err(e) => return Err(e.into()),
                };
                let mut audit = audit;
                audit.subject = format!("user:{id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn login_record(&self, brand_id: i64, email: &str) -> StoreResult<Option<LoginRecord>> {
                let row: Option<LoginRow> = sqlx::query_as($crate::server::store::sql::LOGIN_BY_EMAIL)
                    .bind(brand_id)
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn login_record_by_id(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<LoginRecord>> {
                let row: Option<LoginRow> = sqlx::query_as($crate::server::store::sql::LOGIN_BY_ID)
                    .bind(brand_id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn count_attempt(&self, scope: &str, key_hash: &str, window_start_ms: i64) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO rate_counters (scope, key_hash, window_start, count) VALUES ($1, $2, $3, 1) \
                     ON CONFLICT (scope, key_hash) DO UPDATE SET \
                     count = CASE WHEN rate_counters.window_start = $3 THEN rate_counters.count + 1 ELSE 1 END, \
                     window_start = $3 RETURNING count",
                )
                .bind(scope)
                .bind(key_hash)
                .bind(window_start_ms)
                .fetch_one(self.write_pool())
                .await?)
            }

            async fn uncount_attempt(&self, scope: &str, key_hash: &str, window_start_ms: i64) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE rate_counters SET count = count - 1 \
                     WHERE scope = $1 AND key_hash = $2 AND window_start = $3 AND count > 0",
                )
                .bind(scope)
                .bind(key_hash)
                .bind(window_start_ms)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn prune_rate_counters(&self, before_ms: i64) -> StoreResult<()> {
                sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
                    .bind(before_ms)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn record_login_failure(&self, email: &str, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO login_failures (brand_id, email, client_ip, at) VALUES ($1, $2, $3, $4)")
                    .bind(audit.brand_id)
                    .bind(email)
                    .bind(&audit.client_ip)
                    .bind(ms(audit.at))
                    .execute(&mut *tx)
                    .await?;
                // Old failures no longer count; prune them as we go.
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(ms(audit.at - chrono::Duration::days(1)))
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_login_success(&self, email: &str, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM login_failures WHERE brand_id = $1 AND email = $2")
                    .bind(audit.brand_id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_user(&self, brand_id: i64, user_id: i64) -> StoreResult<Option<SessionUser>> {
                let row: Option<SessionUserRow> = sqlx::query_as($crate::server::store::sql::SESSION_USER)
                    .bind(brand_id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(SessionUserRow::into_session_user).transpose()
            }

            async fn list_users(&self, brand_id: i64) -> StoreResult<Vec<UserSummary>> {
                let rows: Vec<UserSummaryRow> = sqlx::query_as(&format!(
                    "{} WHERE u.brand_id = $1 ORDER BY u.email",
                    $crate::server::store::sql::USER_SUMMARY
                ))
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(UserSummaryRow::into_summary).collect())
            }

            async fn users_page(
                &self,
                brand_id: i64,
                sort: UserSort,
                search: Option<&str>,
                offset: i64,
                limit: i64,
            ) -> StoreResult<(Vec<UserSummary>, i64)> {
                use $crate::server::store::sql::{user_order, user_filter, USER_SUMMARY};
                let filter = user_filter(search.is_some());
                let count: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM users u LEFT JOIN organisations o ON o.id = u.org_id \
                     WHERE u.brand_id = $1 AND {filter}"
                ))
                .bind(brand_id)
                .bind(search.unwrap_or_default())
                .fetch_one(&self.pool)
                .await?;
                let rows: Vec<UserSummaryRow> = sqlx::query_as(&format!(
                    "{USER_SUMMARY} WHERE u.brand_id = $1 AND {filter} ORDER BY {} LIMIT $3 OFFSET $4",
                    user_order(sort)
                ))
                .bind(brand_id)
                .bind(search.unwrap_or_default())
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok((rows.into_iter().filter_map(UserSummaryRow::into_summary).collect(), count))
            }

            async fn update_user_access(
                &self,
                user_id: i64,
                role: Role,
                disabled: bool,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let before: Option<(String, Option<i64>)> =
                    sqlx::query_as("SELECT role, disabled_at FROM users WHERE id = $1 AND brand_id = $2")
                        .bind(user_id)
                        .bind(audit.brand_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let (before_role, before_disabled) = before.ok_or(StoreError::NotFound)?;
                let disabled_at = match (before_disabled, disabled) {
                    (Some(at), true) => Some(at),
                    (None, true) => Some(ms(audit.at)),
                    (_, false) => None,
                };
                // Disabling bumps the epoch so existing sessions end at once.
                sqlx::query(
                    "UPDATE users SET role = $1, disabled_at = $2, \
                     session_epoch = session_epoch + CASE WHEN $3 THEN 1 ELSE 0 END WHERE id = $4",
                )
                .bind(role.as_str())
                .bind(disabled_at)
                .bind(disabled && before_disabled.is_none())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.detail = serde_json::json!({
                    "before": { "role": before_role, "disabled": before_disabled.is_some() },
                    "after": { "role": role.as_str(), "disabled": disabled },
                });
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn change_password(&self, user_id: i64, password_hash: &str, audit: NewAudit) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let epoch: Option<i64> = sqlx::query_scalar(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2, session_epoch = session_epoch + 1 \
                     WHERE id = $3 AND brand_id = $4 RETURNING session_epoch",
                )
                .bind(password_hash)
                .bind(ms(audit.at))
                .bind(user_id)
                .bind(audit.brand_id)
                .fetch_optional(&mut *tx)
                .await?;
                let epoch = epoch.ok_or(StoreError::NotFound)?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(epoch)
            }

            async fn set_time_zone(&self, user_id: i64, zone: Option<&str>, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2 AND brand_id = $3")
                    .bind(zone)
                    .bind(user_id)
                    .bind(audit.brand_id)
                    .execute(&mut *tx)
                    .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_password_reset(
                &self,
                token: NewToken,
                mail: OutgoingEmail,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                // Only the newest link works: earlier unused ones are spent.
                sqlx::query(
                    "UPDATE one_time_tokens SET used_at = $1 \
                     WHERE brand_id = $2 AND email = $3 AND purpose = 'password_reset' AND used_at IS NULL",
                )
                .bind(ms(token.created_at))
                .bind(token.brand_id)
                .bind(&token.email)
                .execute(&mut *tx)
                .await?;
                Self::insert_token(&mut tx, &token, TokenPurpose::PasswordReset).await?;
                Self::insert_email(&mut tx, &mail, token.created_at).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn application_link_email(
                &self,
                brand_id: i64,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<String> {
                let row: Option<TokenRow> = sqlx::query_as($crate::server::store::sql::SELECT_TOKEN)
                    .bind(token_hash)
                    .bind(TokenPurpose::Application.as_str())
                    .bind(brand_id)
                    .fetch_optional(&self.pool)
                    .await?;
                let row = row.ok_or(TokenError::Unknown)?;
                row.check(now)?;
                Ok(row.email)
            }

            async fn redeem_password_reset(
                &self,
                brand_id: i64,
                token_hash: &str,
                password_hash: &str,
                now: DateTime<Utc>,
                client_ip: &str,
            ) -> StoreResult<i64> {
                let link = (TokenPurpose::PasswordReset, audit::PASSWORD_RESET);
                self.redeem_password_link(brand_id, token_hash, password_hash, now, client_ip, link).await
            }

            async fn redeem_application_link(
                &self,
                brand_id: i64,
                token_hash: &str,
                password_hash: &str,
                now: DateTime<Utc>,
                client_ip: &str,
            ) -> StoreResult<i64> {
                let link = (TokenPurpose::Application, audit::APPLICATION_CONFIRMED);
                self.redeem_password_link(brand_id, token_hash, password_hash, now, client_ip, link).await
            }

            async fn create_invitation(
                &self,
                token: NewToken,
                mail: OutgoingEmail,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE brand_id = $1 AND email = $2")
                    .bind(token.brand_id)
                    .bind(&token.email)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_some() {
                    return Err(StoreError::Conflict("An account with this email address already exists."));
                }
                // A new invitation replaces any earlier one to the same address.
                sqlx::query(
                    "UPDATE one_time_tokens SET used_at = $1 \
                     WHERE brand_id = $2 AND email = $3 AND purpose = 'invitation' AND used_at IS NULL",
                )
                .bind(ms(token.created_at))
                .bind(token.brand_id)
                .bind(&token.email)
                .execute(&mut *tx)
                .await?;
                Self::insert_token(&mut tx, &token, TokenPurpose::Invitation).await?;
                Self::insert_email(&mut tx, &mail, token.created_at).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn invitation(
                &self,
                brand_id: i64,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<InvitationView> {
                let row: Option<TokenRow> = sqlx::query_as($crate::server::store::sql::SELECT_TOKEN)
                    .bind(token_hash)
                    .bind(TokenPurpose::Invitation.as_str())
                    .bind(brand_id)
                    .fetch_optional(&self.pool)
                    .await?;
                let row = row.ok_or(TokenError::Unknown)?;
                row.check(now)?;
                Ok(InvitationView {
                    email: row.email,
                    display_name: row.display_name.unwrap_or_default(),
                    role: row.role.as_deref().and_then(|r| r.parse().ok()).ok_or(TokenError::Unknown)?,
                })
            }

            async fn accept_invitation(
                &self,
                brand_id: i64,
                token_hash: &str,
                password_hash: &str,
                now: DateTime<Utc>,
                client_ip: &str,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let token = Self::take_token(&mut tx, brand_id, token_hash, TokenPurpose::Invitation, now).await?;
                let role: Role = token.role.as_deref().and_then(|r| r.parse().ok()).ok_or(TokenError::Unknown)?;
                let res = sqlx::query_scalar(
                    "INSERT INTO users (brand_id, email, display_name, password_hash, role, created_at, \
                     password_changed_at, \
                     org_id, org_role) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id",
                )
                .bind(brand_id)
                .bind(&token.email)
                .bind(token.display_name.as_deref().unwrap_or_default())
                .bind(password_hash)
                .bind(role.as_str())
                .bind(ms(now))
                .bind(token.org_id)
                .bind(token.org_role.as_deref())
                .fetch_one(&mut *tx)
                .await;
                let user_id: i64 = match res {
                    Ok(id) => id,
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict("An account with this email address already exists."))
                    }
                    Err(e) => return Err(e.into()),
                };
                let audit = NewAudit {
                    brand_id,
                    at: now,
                    actor_id: Some(user_id),
                    actor_email: token.email.clone(),
                    action: audit::INVITATION_ACCEPTED,
                    subject: format!("user:{user_id}"),
                    detail: serde_json::json!({ "role": role.as_str(), "invited_by": token.created_by }),
                    client_ip: client_ip.to_owned(),
                    organisation_id: None,
                };
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(user_id)
            }

            async fn pending_invitations(
                &self,
                brand_id: i64,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<PendingInvitation>> {
                let rows: Vec<PendingInvitationRow> = sqlx::query_as(
                    "SELECT t.email, t.display_name, t.role, u.email AS invited_by, t.expires_at \
                     FROM one_time_tokens t LEFT JOIN users u ON u.id = t.created_by \
                     WHERE t.brand_id = $1 AND t.purpose = 'invitation' AND t.used_at IS NULL AND t.expires_at > $2 \
                     ORDER BY t.created_at DESC",
                )
                .bind(brand_id)
                .bind(ms(now))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(PendingInvitationRow::into_pending).collect())
            }

            async fn pending_org_invitations(
                &self,
                brand_id: i64,
                org_id: i64,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<PendingInvitation>> {
                let rows: Vec<PendingInvitationRow> = sqlx::query_as(
                    "SELECT t.email, t.display_name, t.role, u.email AS invited_by, t.expires_at \
                     FROM one_time_tokens t LEFT JOIN users u ON u.id = t.created_by \
                     WHERE t.brand_id = $1 AND t.org_id = $2 AND t.purpose = 'invitation' AND t.used_at IS NULL \
                     AND t.expires_at > $3 ORDER BY t.created_at DESC",
                )
                .bind(brand_id)
                .bind(org_id)
                .bind(ms(now))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(PendingInvitationRow::into_pending).collect())
            }

            async fn org_members(&self, brand_id: i64, org_id: i64) -> StoreResult<Vec<TeamMember>> {
                let rows: Vec<(i64, String, String, Option<String>, Option<i64>)> = sqlx::query_as(
                    "SELECT id, email, display_name, org_role, disabled_at FROM users \
                     WHERE brand_id = $1 AND org_id = $2 ORDER BY email",
                )
                .bind(brand_id)
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, email, display_name, org_role, disabled)| TeamMember {
                        id,
                        email,
                        display_name,
                        org_role: org_role.as_deref().and_then(|r| r.parse().ok()).unwrap_or(OrgRole::Member),
                        removed: disabled.is_some(),
                    })
                    .collect())
            }

            async fn remove_org_member(
                &self,
                brand_id: i64,
                org_id: i64,
                user_id: i64,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let target: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
                    "SELECT org_role, disabled_at FROM users WHERE id = $1 AND brand_id = $2 AND org_id = $3",
                )
                .bind(user_id)
                .bind(brand_id)
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
                let (org_role, disabled) = target.ok_or(StoreError::NotFound)?;
                if disabled.is_some() {
                    return Ok(());
                }
                if org_role.as_deref() == Some("owner") {
                    let owners: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM users WHERE org_id = $1 AND org_role = 'owner' AND disabled_at IS NULL",
                    )
                    .bind(org_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if owners <= 1 {
                        return Err(StoreError::Conflict("An organisation keeps at least one owner."));
                    }
                }
                sqlx::query("UPDATE users SET disabled_at = $1, session_epoch = session_epoch + 1 WHERE id = $2")
                    .bind(ms(audit.at))
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_audit(&self, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_entries(
                &self,
                brand_id: i64,
                before_id: Option<i64>,
                limit: i64,
            ) -> StoreResult<Vec<AuditEntry>> {
                let rows: Vec<AuditRow> = sqlx::query_as(
                    "SELECT id, at, actor_email, action, subject, detail, client_ip FROM audit_log \
                     WHERE brand_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(brand_id)
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(AuditRow::into_entry).collect())
            }

            async fn audit_search(
                &self,
                brand_id: i64,
                before_id: Option<i64>,
                area: Option<&str>,
                search: Option<&str>,
                organisation_id: Option<i64>,
                limit: i64,
            ) -> StoreResult<Vec<AuditEntry>> {
                let area_filter = if area.is_some() { "action LIKE $3" } else { "$3 = ''" };
                // One partner's entries through its own index.
                let org_filter = if organisation_id.is_some() { "organisation_id = $6" } else { "$6 IS NULL" };
                let search_filter = $crate::server::store::common::search_clause(
                    search.is_some(),
                    "$4",
                    &["actor_email", "action", "subject"],
                );
                let rows: Vec<AuditRow> = sqlx::query_as(&format!(
                    "SELECT id, at, actor_email, action, subject, detail, client_ip FROM audit_log \
                     WHERE brand_id = $1 AND id < $2 AND {area_filter} AND {search_filter} AND {org_filter} \
                     ORDER BY id DESC LIMIT $5"
                ))
                .bind(brand_id)
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(area.unwrap_or_default())
                .bind(search.unwrap_or_default())
                .bind(limit)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(AuditRow::into_entry).collect())
            }

            async fn claim_outbox(
                &self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: i64,
            ) -> StoreResult<Vec<OutboxItem>> {
                let mut tx = self.begin_write().await?;
                let rows: Vec<OutboxRow> = sqlx::query_as(Self::CLAIM_OUTBOX)
                    .bind(ms(lease_until))
                    .bind(ms(now))
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(rows
                    .into_iter()
                    .map(|r| OutboxItem {
                        id: r.id,
                        kind: r.kind,
                        payload: r.payload,
                        attempts: r.attempts,
                        created_at: from_ms(r.created_at),
                    })
                    .collect())
            }

            async fn finish_outbox(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE outbox SET done_at = $1, payload = '{}', locked_until = NULL, last_error = NULL \
                             WHERE id = $2",
                )
                .bind(ms(now))
                .bind(id)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn retry_outbox(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE outbox SET last_error = $1, available_at = $2, locked_until = NULL WHERE id = $3")
                    .bind(error)
                    .bind(ms(retry_at))
                    .bind(id)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn pending_outbox_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND failed_at IS NULL")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn fail_outbox(&self, id: i64, error: &str, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE outbox SET failed_at = $1, last_error = $2, locked_until = NULL WHERE id = $3")
                    .bind(ms(now))
                    .bind(error)
                    .bind(id)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn release_outbox(&self, ids: &[i64]) -> StoreResult<()> {
                for id in ids {
                    // Taking back the attempt the claim counted: it was never made.
                    sqlx::query(
                        "UPDATE outbox SET locked_until = NULL, attempts = attempts - 1 \
                         WHERE id = $1 AND done_at IS NULL AND attempts > 0",
                    )
                    .bind(id)
                    .execute(self.write_pool())
                    .await?;
                }
                Ok(())
            }

            async fn failed_emails(&self, limit: i64) -> StoreResult<Vec<FailedEmail>> {
                let rows: Vec<FailedRow> = sqlx::query_as(
                    "SELECT id, payload, attempts, last_error, created_at, failed_at FROM outbox \
                     WHERE failed_at IS NOT NULL AND done_at IS NULL AND kind = 'email' \
                     ORDER BY failed_at DESC, id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(FailedEmail::from).collect())
            }

            async fn resend_email(&self, id: i64, now: DateTime<Utc>, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE outbox SET failed_at = NULL, attempts = 0, available_at = $1, created_at = $1, \
                     locked_until = NULL WHERE id = $2 AND failed_at IS NOT NULL AND done_at IS NULL",
                )
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::NotFound);
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn backlogs(&self, now: DateTime<Utc>) -> StoreResult<Backlogs> {
                let (outbox, oldest, failed): (i64, Option<i64>, i64) = sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE failed_at IS NULL), \
                     MIN(created_at) FILTER (WHERE failed_at IS NULL), COUNT(*) FILTER (WHERE failed_at IS NOT NULL) \
                     FROM outbox WHERE done_at IS NULL",
                )
                .fetch_one(&self.pool)
                .await?;
                let (webhooks, hook_oldest): (i64, Option<i64>) =
                    sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM webhook_deliveries WHERE status = 'pending'")
                        .fetch_one(&self.pool)
                        .await?;
                let age = |since: Option<i64>| since.map_or(0, |t| (ms(now) - t).max(0) / 1000);
                Ok(Backlogs {
                    outbox,
                    outbox_oldest_secs: age(oldest),
                    outbox_failed: failed,
                    webhooks,
                    webhooks_oldest_secs: age(hook_oldest),
                })
            }

            fn pool_use(&self) -> (u32, u32) {
                (self.pool.size(), self.pool.num_idle() as u32)
            }
        }
    };
}
