//! SQL for the OAuth 2.0 authorization server, shared by both engines
//! through `oauth_store!`: clients, grants, single-use codes, rotating
//! refresh tokens and signing keys. Every "use once" step is an `UPDATE …
//! WHERE used_at IS NULL`, so of two requests presenting the same code or
//! refresh token only one finds it unused.

use super::common::*;
pub use crate::domain::oauth::ClientKind;

/// A client to register (its secret, if any, only as a keyed hash).
#[derive(Debug, Clone)]
pub struct NewClient {
    pub brand_id: i64,
    pub organisation_id: i64,
    pub client_id: String,
    pub name: String,
    pub kind: ClientKind,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub redirect_uris: Vec<String>,
    pub secret_hash: Option<String>,
    pub secret_hint: Option<String>,
    pub cert_bound: bool,
    pub created_by: String,
}

/// A registered client, with its partner's standing now.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub pk: i64,
    pub brand_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub client_id: String,
    pub name: String,
    pub kind: ClientKind,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub redirect_uris: Vec<String>,
    pub secret_hash: Option<String>,
    pub secret_hint: Option<String>,
    pub cert_bound: bool,
    pub created_by: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
    pub cert_state: CertState,
}

impl ClientRecord {
    /// The client's organisation, as the integration reads take it.
    pub fn org(&self) -> OrgRef {
        OrgRef::checked(self.brand_id, self.organisation_id)
    }
}

/// What a person or the client itself allowed; tokens name it.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub id: String,
    pub client_pk: i64,
    pub user_id: Option<i64>,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct GrantRecord {
    pub id: String,
    pub user_id: Option<i64>,
    pub scopes: Vec<Scope>,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub client: ClientRecord,
}

#[derive(Debug, Clone)]
pub struct NewCode {
    pub code_hash: String,
    pub client_pk: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: Vec<Scope>,
    pub challenge: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct CodeRecord {
    pub client_pk: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: Vec<Scope>,
    pub challenge: String,
    pub expires_at_ms: i64,
    pub used_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewRefresh {
    pub token_hash: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RefreshRecord {
    pub grant: GrantRecord,
    pub scopes: Vec<Scope>,
    pub expires_at_ms: i64,
    pub used_at_ms: Option<i64>,
}

/// What redeeming a code or a refresh token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// Claimed now: the new grant or token was stored.
    Issued,
    /// Someone used it first: the grant it led to is revoked.
    AlreadyUsed,
}

/// A token signing key as stored (the private part sealed).
#[derive(Debug, Clone)]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_sealed: String,
    pub x: String,
    pub y: String,
    pub created_at_ms: i64,
}

#[async_trait]
pub trait OAuthStore: Send + Sync + 'static {
    async fn create_oauth_client(&self, client: NewClient, audit: NewAudit) -> StoreResult<i64>;
    /// A partner's clients, newest first.
    async fn oauth_clients(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ClientRecord>>;
    /// A client by the identifier it sends, in any brand (callers compare).
    async fn oauth_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>>;
    /// Revokes a client and every grant it holds, at once.
    async fn revoke_oauth_client(
        &self,
        brand_id: i64,
        organisation_id: i64,
        pk: i64,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Records use, at most once a minute per client.
    async fn touch_oauth_client(&self, pk: i64, now: DateTime<Utc>) -> StoreResult<()>;

    /// A grant with no refresh token (client credentials), or the consent
    /// behind an authorization code (audited).
    async fn create_grant(&self, grant: NewGrant) -> StoreResult<()>;
    async fn grant(&self, id: &str) -> StoreResult<Option<GrantRecord>>;
    /// Revokes a grant (and so every token naming it); `false` if it was
    /// not this client's.
    async fn revoke_grant(&self, id: &str, client_pk: i64, now: DateTime<Utc>) -> StoreResult<bool>;

    async fn create_code(&self, code: NewCode, audit: NewAudit) -> StoreResult<()>;
    async fn code(&self, code_hash: &str) -> StoreResult<Option<CodeRecord>>;
    /// Marks the code used and stores its grant and first refresh token, in
    /// one transaction; if it was used already, revokes the grant the first
    /// use made (RFC 6749 §4.1.2) and stores nothing.
    async fn redeem_code(
        &self,
        code_hash: &str,
        grant: NewGrant,
        refresh: NewRefresh,
        now: DateTime<Utc>,
    ) -> StoreResult<Redeemed>;
    async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshRecord>>;
    /// Marks `old_hash` used and stores `new` in its grant; if it was used
    /// already (a copy is in someone else's hands), revokes the grant.
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        grant_id: &str,
        new: NewRefresh,
        now: DateTime<Utc>,
    ) -> StoreResult<Redeemed>;

    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRow>>;
    async fn add_signing_key(&self, key: SigningKeyRow) -> StoreResult<()>;
    /// Deletes codes, grants and refresh tokens that expired before
    /// `before`; returns how many grants went.
    async fn forget_expired_oauth(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

pub(super) const CLIENT_SELECT: &str = "SELECT c.id, c.brand_id, c.organisation_id, o.name AS organisation, \
     c.client_id, c.name, \
     c.kind, c.environment, c.scopes, c.redirect_uris, c.secret_hash, c.secret_hint, c.cert_bound, c.created_by, c.created_at, \
     c.revoked_at, c.last_used_at, o.certification_state \
     FROM oauth_clients c JOIN organisations o ON o.id = c.organisation_id";

#[derive(sqlx::FromRow)]
pub(super) struct ClientRow {
    id: i64,
    brand_id: i64,
    organisation_id: i64,
    organisation: String,
    client_id: String,
    name: String,
    kind: String,
    environment: String,
    scopes: String,
    redirect_uris: String,
    secret_hash: Option<String>,
    secret_hint: Option<String>,
    cert_bound: bool,
    created_by: String,
    created_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    certification_state: String,
}

pub(super) fn client_of(r: ClientRow) -> ClientRecord {
    ClientRecord {
        pk: r.id,
        brand_id: r.brand_id,
        organisation_id: r.organisation_id,
        organisation: r.organisation,
        client_id: r.client_id,
        name: r.name,
        kind: ClientKind::parse(&r.kind).unwrap_or(ClientKind::Public),
        environment: Environment::parse(&r.environment).unwrap_or(Environment::Sandbox),
        scopes: crate::domain::integration::scopes_from_text(&r.scopes),
        redirect_uris: r.redirect_uris.lines().map(str::to_owned).collect(),
        secret_hash: r.secret_hash,
        secret_hint: r.secret_hint,
        cert_bound: r.cert_bound,
        created_by: r.created_by,
        created_at_ms: r.created_at,
        revoked_at_ms: r.revoked_at,
        last_used_at_ms: r.last_used_at,
        // An unknown state authenticates nothing.
        cert_state: CertState::parse(&r.certification_state).unwrap_or(CertState::Suspended),
    }
}

/// A grant's own columns, read beside its client's.
pub(super) type GrantTuple = (String, Option<i64>, String, i64, Option<i64>, i64);

pub(super) const GRANT_COLUMNS: &str = "g.id, g.user_id, g.scopes, g.expires_at, g.revoked_at, g.client_pk";

pub(super) fn grant_of(g: GrantTuple, client: ClientRecord) -> GrantRecord {
    GrantRecord {
        id: g.0,
        user_id: g.1,
        scopes: crate::domain::integration::scopes_from_text(&g.2),
        expires_at_ms: g.3,
        revoked_at_ms: g.4,
        client,
    }
}

/// Emits `impl OAuthStore for $store`.
macro_rules! oauth_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// A grant and its client, read in two short queries on the
            /// same connection or pool.
            async fn grant_with_client<'e, E>(exec: E, id: &str) -> StoreResult<Option<GrantRecord>>
            where
                E: sqlx::Executor<'e, Database = $db> + Copy,
            {
                use $crate::server::store::oauth::{client_of, grant_of, ClientRow, GrantTuple, GRANT_COLUMNS};
                let g: Option<GrantTuple> =
                    sqlx::query_as(&format!("SELECT {GRANT_COLUMNS} FROM oauth_grants g WHERE g.id = $1"))
                        .bind(id)
                        .fetch_optional(exec)
                        .await?;
                let Some(g) = g else { return Ok(None) };
                let c: ClientRow =
                    sqlx::query_as(&format!("{} WHERE c.id = $1", $crate::server::store::oauth::CLIENT_SELECT))
                        .bind(g.5)
                        .fetch_one(exec)
                        .await?;
                Ok(Some(grant_of(g, client_of(c))))
            }

            async fn insert_grant(tx: &mut sqlx::Transaction<'_, $db>, g: &NewGrant) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO oauth_grants (id, client_pk, user_id, scopes, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&g.id)
                .bind(g.client_pk)
                .bind(g.user_id)
                .bind($crate::domain::integration::scopes_text(&g.scopes))
                .bind(ms(g.created_at))
                .bind(ms(g.expires_at))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn insert_refresh(
                tx: &mut sqlx::Transaction<'_, $db>,
                grant_id: &str,
                r: &NewRefresh,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, scopes, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&r.token_hash)
                .bind(grant_id)
                .bind($crate::domain::integration::scopes_text(&r.scopes))
                .bind(ms(r.created_at))
                .bind(ms(r.expires_at))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl OAuthStore for $store {
            async fn create_oauth_client(&self, c: NewClient, audit: NewAudit) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO oauth_clients (brand_id, organisation_id, client_id, name, kind, environment, \
                     scopes, redirect_uris, secret_hash, secret_hint, cert_bound, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(c.brand_id)
                .bind(c.organisation_id)
                .bind(&c.client_id)
                .bind(&c.name)
                .bind(c.kind.key())
                .bind(c.environment.key())
                .bind($crate::domain::integration::scopes_text(&c.scopes))
                .bind(c.redirect_uris.join("\n"))
                .bind(&c.secret_hash)
                .bind(&c.secret_hint)
                .bind(c.cert_bound)
                .bind(&c.created_by)
                .bind(ms(audit.at))
                .fetch_one(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn oauth_clients(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<ClientRecord>> {
                use $crate::server::store::oauth::{client_of, ClientRow, CLIENT_SELECT};
                let rows: Vec<ClientRow> = sqlx::query_as(&format!(
                    "{CLIENT_SELECT} WHERE c.brand_id = $1 AND c.organisation_id = $2 ORDER BY c.id DESC"
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(client_of).collect())
            }

            async fn oauth_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
                use $crate::server::store::oauth::{client_of, ClientRow, CLIENT_SELECT};
                let row: Option<ClientRow> = sqlx::query_as(&format!("{CLIENT_SELECT} WHERE c.client_id = $1"))
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(client_of))
            }

            async fn revoke_oauth_client(
                &self,
                brand_id: i64,
                organisation_id: i64,
                pk: i64,
                now: DateTime<Utc>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE oauth_clients SET revoked_at = $4 \
                     WHERE brand_id = $1 AND organisation_id = $2 AND id = $3 AND revoked_at IS NULL",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .bind(pk)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("UPDATE oauth_grants SET revoked_at = $2 WHERE client_pk = $1 AND revoked_at IS NULL")
                    .bind(pk)
                    .bind(ms(now))
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn touch_oauth_client(&self, pk: i64, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE oauth_clients SET last_used_at = $1 WHERE id = $2 \
                     AND (last_used_at IS NULL OR last_used_at < $1 - 60000)",
                )
                .bind(ms(now))
                .bind(pk)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn create_grant(&self, grant: NewGrant) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::insert_grant(&mut tx, &grant).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn grant(&self, id: &str) -> StoreResult<Option<GrantRecord>> {
                Self::grant_with_client(&self.pool, id).await
            }

            async fn revoke_grant(&self, id: &str, client_pk: i64, now: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE oauth_grants SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND client_pk = $2",
                )
                .bind(id)
                .bind(client_pk)
                .bind(ms(now))
                .execute(self.write_pool())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn create_code(&self, c: NewCode, audit: NewAudit) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO oauth_codes (code_hash, client_pk, user_id, redirect_uri, scopes, challenge, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&c.code_hash)
                .bind(c.client_pk)
                .bind(c.user_id)
                .bind(&c.redirect_uri)
                .bind($crate::domain::integration::scopes_text(&c.scopes))
                .bind(&c.challenge)
                .bind(ms(c.created_at))
                .bind(ms(c.expires_at))
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn code(&self, code_hash: &str) -> StoreResult<Option<CodeRecord>> {
                let row: Option<(i64, i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT client_pk, user_id, redirect_uri, scopes, challenge, expires_at, used_at \
                     FROM oauth_codes WHERE code_hash = $1",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(client_pk, user_id, redirect_uri, scopes, challenge, expires, used)| CodeRecord {
                    client_pk,
                    user_id,
                    redirect_uri,
                    scopes: $crate::domain::integration::scopes_from_text(&scopes),
                    challenge,
                    expires_at_ms: expires,
                    used_at_ms: used,
                }))
            }

            async fn redeem_code(
                &self,
                code_hash: &str,
                grant: NewGrant,
                refresh: NewRefresh,
                now: DateTime<Utc>,
            ) -> StoreResult<Redeemed> {
                let mut tx = self.begin_write().await?;
                let claimed =
                    sqlx::query("UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL")
                        .bind(code_hash)
                        .bind(ms(now))
                        .execute(&mut *tx)
                        .await?;
                if claimed.rows_affected() == 0 {
                    sqlx::query(
                        "UPDATE oauth_grants SET revoked_at = COALESCE(revoked_at, $2) \
                         WHERE id = (SELECT grant_id FROM oauth_codes WHERE code_hash = $1)",
                    )
                    .bind(code_hash)
                    .bind(ms(now))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(Redeemed::AlreadyUsed);
                }
                Self::insert_grant(&mut tx, &grant).await?;
                Self::insert_refresh(&mut tx, &grant.id, &refresh).await?;
                // Named after the grant exists: the foreign key is checked
                // at once on PostgreSQL.
                sqlx::query("UPDATE oauth_codes SET grant_id = $2 WHERE code_hash = $1")
                    .bind(code_hash)
                    .bind(&grant.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Redeemed::Issued)
            }

            async fn refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshRecord>> {
                let row: Option<(String, String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT grant_id, scopes, expires_at, used_at FROM oauth_refresh_tokens WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some((grant_id, scopes, expires, used)) = row else { return Ok(None) };
                let Some(grant) = Self::grant_with_client(&self.pool, &grant_id).await? else { return Ok(None) };
                Ok(Some(RefreshRecord {
                    grant,
                    scopes: $crate::domain::integration::scopes_from_text(&scopes),
                    expires_at_ms: expires,
                    used_at_ms: used,
                }))
            }

            async fn rotate_refresh(
                &self,
                old_hash: &str,
                grant_id: &str,
                new: NewRefresh,
                now: DateTime<Utc>,
            ) -> StoreResult<Redeemed> {
                let mut tx = self.begin_write().await?;
                let claimed = sqlx::query(
                    "UPDATE oauth_refresh_tokens SET used_at = $2 \
                     WHERE token_hash = $1 AND grant_id = $3 AND used_at IS NULL",
                )
                .bind(old_hash)
                .bind(ms(now))
                .bind(grant_id)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() == 0 {
                    sqlx::query("UPDATE oauth_grants SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
                        .bind(grant_id)
                        .bind(ms(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    return Ok(Redeemed::AlreadyUsed);
                }
                Self::insert_refresh(&mut tx, grant_id, &new).await?;
                tx.commit().await?;
                Ok(Redeemed::Issued)
            }

            async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRow>> {
                let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT kid, private_sealed, x, y, created_at FROM oauth_signing_keys ORDER BY created_at DESC",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kid, private_sealed, x, y, created)| SigningKeyRow {
                        kid,
                        private_sealed,
                        x,
                        y,
                        created_at_ms: created,
                    })
                    .collect())
            }

            async fn add_signing_key(&self, k: SigningKeyRow) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO oauth_signing_keys (kid, private_sealed, x, y, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&k.kid)
                .bind(&k.private_sealed)
                .bind(&k.x)
                .bind(&k.y)
                .bind(k.created_at_ms)
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn forget_expired_oauth(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                let cut = ms(before);
                sqlx::query(
                    "DELETE FROM oauth_codes WHERE expires_at < $1 \
                     OR grant_id IN (SELECT id FROM oauth_grants WHERE expires_at < $1)",
                )
                .bind(cut)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM oauth_refresh_tokens \
                     WHERE grant_id IN (SELECT id FROM oauth_grants WHERE expires_at < $1)",
                )
                .bind(cut)
                .execute(&mut *tx)
                .await?;
                let gone = sqlx::query("DELETE FROM oauth_grants WHERE expires_at < $1")
                    .bind(cut)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(gone)
            }
        }
    };
}
