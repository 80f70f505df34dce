//! The OAuth 2.0 authorization server: partners register apps on
//! Developers; an app gets access tokens by client credentials (a server of
//! the partner's) or by the authorization code with PKCE (an app a
//! partner's owner allows on the consent screen), refreshes them with
//! rotating refresh tokens, and can revoke (RFC 7009) and introspect
//! (RFC 7662) them. `/api/v1` takes the access tokens beside API keys
//! (`authenticate_access`), with the same scopes, limits and tenancy.

use crate::domain::audit;
use crate::domain::integration::{check_name, may_create_key, parse_scopes, Environment, Scope};
use crate::domain::oauth::{
    check_challenge, code_exchange, grant_allowed, may_consent, parse_redirect_uris, redirect_matches, refresh_outcome,
    requested_scopes, token_live, token_scopes, ClientKind, CodeCheck, GrantType, OAuthError, RefreshOutcome,
    RefreshState, TokenCheck, ACCESS_TOKEN_SECONDS, CODE_SECONDS, GRANT_DAYS, REFRESH_TOKEN_DAYS,
};
use crate::error::AppError;
use crate::server::checks::Checks;
use crate::server::context::{brand_url, internal, store_error, Ctx};
use crate::server::secrets::{new_api_key, new_public_id, Secrets};
use crate::server::services::integration::{integration_org, ApiCaller, Credential};
use crate::server::state::AppState;
use crate::server::store::{ClientRecord, GrantRecord, NewClient, NewCode, NewGrant, NewRefresh, Redeemed};
use crate::server::tenant::RequestMeta;
use crate::server::tokens::{AccessClaims, Confirmation, Keys, TokenFault};
use crate::views::oauth::{AuthorizeRequest, ConsentAsk, ConsentView, OAuthAppsView, OAuthClientView};
use chrono::Duration;
use serde_json::json;
use std::collections::HashMap;

/// Session key of a just-registered app's id and secret, shown once.
const NEW_CLIENT: &str = "new_oauth_client";

/// The key ring's view of the server.
fn keys(state: &AppState) -> Keys<'_> {
    Keys { store: &*state.store, secrets: Secrets::of(&state.config), now_ms: state.clock.now().timestamp_millis() }
}

/// The published signing keys (RFC 7517 JWK Set).
pub async fn jwks(state: &AppState) -> Result<serde_json::Value, TokenFault> {
    state.tokens.jwks(&keys(state)).await
}

/// The audience access tokens name: this brand's partner API.
fn audience(issuer: &str) -> String {
    format!("{issuer}/api/v1")
}

fn client_view(c: ClientRecord) -> OAuthClientView {
    OAuthClientView {
        id: c.pk,
        client_id: c.client_id,
        name: c.name,
        kind: c.kind,
        environment: c.environment,
        scopes: c.scopes,
        redirect_uris: c.redirect_uris,
        secret_hint: c.secret_hint,
        cert_bound: c.cert_bound,
        created_by: c.created_by,
        created_at_ms: c.created_at_ms,
        last_used_at_ms: c.last_used_at_ms,
        revoked_at_ms: c.revoked_at_ms,
    }
}

pub async fn apps_view(ctx: &Ctx, org: Option<i64>) -> Result<OAuthAppsView, AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    let store = &ctx.state.store;
    let rec = store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let clients = store.oauth_clients(ctx.meta.brand.id, org).await.map_err(store_error)?;
    let new_client = if can_manage {
        ctx.session.remove(NEW_CLIENT).await.map_err(|e| internal(format!("session: {e}")))?
    } else {
        None
    };
    Ok(OAuthAppsView {
        organisation_id: org,
        organisation: rec.organisation,
        can_manage,
        production_refusal: may_create_key(Environment::Production, rec.state).err(),
        clients: clients.into_iter().map(client_view).collect(),
        new_client,
        issuer: ctx.brand_url(),
    })
}

/// An app as the registration form sends it.
pub struct ClientForm {
    pub name: String,
    pub kind: String,
    pub environment: String,
    pub redirect_uris: String,
    pub scopes: Vec<String>,
    /// Tokens bound to the app's TLS client certificate (RFC 8705).
    pub cert_bound: bool,
}

/// Registers an app for the partner; its secret (confidential apps) waits
/// in the session to be shown once.
pub async fn register_client(ctx: &Ctx, org: Option<i64>, form: ClientForm) -> Result<i64, AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    let org = scope.id();
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    let mut checks = Checks::default();
    let name = checks.check("name", check_name(&form.name));
    let kind = checks.check("kind", ClientKind::parse(&form.kind).ok_or("Choose confidential or public."));
    let env = checks.check("environment", Environment::parse(&form.environment).ok_or("Choose sandbox or production."));
    let redirects = kind.and_then(|k| checks.check("redirect_uris", parse_redirect_uris(&form.redirect_uris, k)));
    let scopes = checks.check("scopes", parse_scopes(&form.scopes));
    checks.finish()?;
    let (Some(name), Some(kind), Some(env), Some(redirects), Some(scopes)) = (name, kind, env, redirects, scopes)
    else {
        return Err(internal("checked fields missing"));
    };
    let state = crate::server::services::integration::cert_state(&ctx.state, ctx.meta.brand.id, org).await?;
    may_create_key(env, state).map_err(|m| AppError::field("environment", m))?;
    let client_id = new_public_id("cli_");
    let secret = (kind == ClientKind::Confidential).then(|| new_api_key("cs_"));
    let secrets = Secrets::of(&ctx.state.config);
    let a = ctx
        .audit(
            Some(&user),
            audit::OAUTH_CLIENT_REGISTERED,
            format!("organisation:{org}"),
            json!({ "after": {
                "client_id": client_id, "name": name, "kind": kind.key(), "environment": env.key(),
                "scopes": crate::domain::integration::scopes_text(&scopes), "redirect_uris": redirects,
                "cert_bound": form.cert_bound,
            } }),
        )
        .about(org);
    let record = NewClient {
        brand_id: ctx.meta.brand.id,
        organisation_id: org,
        client_id: client_id.clone(),
        name,
        kind,
        environment: env,
        scopes,
        redirect_uris: redirects,
        secret_hash: secret.as_deref().map(|s| secrets.hash_api_key(s)),
        secret_hint: secret.as_deref().map(|s| format!("{}…", &s[..7])),
        cert_bound: form.cert_bound,
        created_by: user.email.clone(),
    };
    let id = ctx.state.store.create_oauth_client(record, a).await.map_err(store_error)?;
    ctx.session.insert(NEW_CLIENT, (client_id, secret)).await.map_err(|e| internal(format!("session write: {e}")))?;
    Ok(id)
}

/// Revokes an app: its tokens stop working at once.
pub async fn revoke_client(ctx: &Ctx, org: Option<i64>, id: i64) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (scope, can_manage) = integration_org(ctx, &user, org).await?;
    if !can_manage {
        return Err(AppError::Forbidden);
    }
    let org = scope.id();
    let a = ctx.audit(Some(&user), audit::OAUTH_CLIENT_REVOKED, format!("oauth_client:{id}"), json!({})).about(org);
    ctx.state.store.revoke_oauth_client(ctx.meta.brand.id, org, id, ctx.now(), a).await.map_err(store_error)
}

// ---- The consent screen -------------------------------------------------------

/// An authorization request's error, sent back to the app's redirect
/// address with its `state` (RFC 6749 §4.1.2.1).
fn error_redirect(redirect_uri: &str, error: OAuthError, state: &str) -> String {
    let mut url = format!("{redirect_uri}{}error={}", if redirect_uri.contains('?') { '&' } else { '?' }, error.key());
    url.push_str(&format!("&error_description={}", enc(error.label())));
    if !state.is_empty() {
        url.push_str(&format!("&state={}", enc(state)));
    }
    url
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The client an authorization request names, if it may be answered at
/// its redirect address on this brand.
async fn authorizing_client(ctx: &Ctx, req: &AuthorizeRequest) -> Result<Result<ClientRecord, String>, AppError> {
    let client = ctx.state.store.oauth_client(&req.client_id).await.map_err(store_error)?;
    let Some(client) = client.filter(|c| c.brand_id == ctx.meta.brand.id && c.revoked_at_ms.is_none()) else {
        return Ok(Err("This app is not registered here, or it was revoked. Tell its makers.".into()));
    };
    // RFC 6749 §3.1.2.3 and RFC 9700: the address must be one registered,
    // and is required, so an attacker cannot pick where the code goes.
    if !redirect_matches(&client.redirect_uris, &req.redirect_uri) {
        return Ok(Err("This app asked to send you to an address it did not register, so we stopped here.".into()));
    }
    Ok(Ok(client))
}

/// What the consent screen shows for an authorization request.
pub async fn consent(ctx: &Ctx, req: AuthorizeRequest) -> Result<ConsentView, AppError> {
    let user = ctx.require_user().await?;
    let client = match authorizing_client(ctx, &req).await? {
        Ok(c) => c,
        Err(message) => return Ok(ConsentView::Refused { message }),
    };
    if req.response_type != "code" {
        let url = error_redirect(&req.redirect_uri, OAuthError::UnsupportedResponseType, &req.state);
        return Ok(ConsentView::Return { url });
    }
    // PKCE is required of every client here (RFC 9700 §2.1.1), S256 only.
    if check_challenge(&req.code_challenge_method, &req.code_challenge).is_err() {
        return Ok(ConsentView::Return {
            url: error_redirect(&req.redirect_uri, OAuthError::InvalidRequest, &req.state),
        });
    }
    let scopes = match requested_scopes(&req.scope, &client.scopes) {
        Ok(s) => s,
        Err(e) => return Ok(ConsentView::Return { url: error_redirect(&req.redirect_uri, e, &req.state) }),
    };
    let same_org = user.organisation.as_ref().is_some_and(|o| o.id == client.organisation_id);
    let refusal = may_consent(same_org, user.is_owner())
        .and_then(|()| may_create_key(client.environment, client.cert_state))
        .err();
    Ok(ConsentView::Ask(Box::new(ConsentAsk {
        app: client.name,
        partner: client.organisation,
        environment: client.environment,
        scopes,
        redirect_uri: req.redirect_uri.clone(),
        refusal,
        request: req,
    })))
}

/// The person allowed or declined: the address to send them to, with a
/// code or with `access_denied`.
pub async fn decide(ctx: &Ctx, req: AuthorizeRequest, allow: bool) -> Result<String, AppError> {
    let user = ctx.require_user().await?;
    // Everything is checked again: the form's fields came back from the
    // browser and may have been edited.
    let view = consent(ctx, req).await?;
    let (scopes, req, refusal) = match view {
        ConsentView::Refused { message } => return Err(AppError::Conflict(message)),
        ConsentView::Return { url } => return Ok(url),
        ConsentView::Ask(ask) => (ask.scopes, ask.request, ask.refusal),
    };
    if !allow {
        return Ok(error_redirect(&req.redirect_uri, OAuthError::AccessDenied, &req.state));
    }
    if let Some(m) = refusal {
        return Err(AppError::Conflict(m));
    }
    let client = ctx.state.store.oauth_client(&req.client_id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let code = new_api_key("ac_");
    let now = ctx.now();
    let record = NewCode {
        code_hash: Secrets::of(&ctx.state.config).hash_api_key(&code),
        client_pk: client.pk,
        user_id: user.id,
        redirect_uri: req.redirect_uri.clone(),
        scopes: scopes.clone(),
        challenge: req.code_challenge.clone(),
        created_at: now,
        expires_at: now + Duration::seconds(CODE_SECONDS),
    };
    let a = ctx
        .audit(
            Some(&user),
            audit::OAUTH_CONSENT_GIVEN,
            format!("oauth_client:{}", client.pk),
            json!({ "client_id": client.client_id, "scopes": crate::domain::integration::scopes_text(&scopes) }),
        )
        .about(client.organisation_id);
    ctx.state.store.create_code(record, a).await.map_err(store_error)?;
    let sep = if req.redirect_uri.contains('?') { '&' } else { '?' };
    let mut url = format!("{}{sep}code={}", req.redirect_uri, enc(&code));
    if !req.state.is_empty() {
        url.push_str(&format!("&state={}", enc(&req.state)));
    }
    // RFC 9207: the issuer beside the code, so a client talking to several
    // servers can tell which one answered.
    url.push_str(&format!("&iss={}", enc(&ctx.brand_url())));
    Ok(url)
}

// ---- The token, revocation and introspection endpoints -------------------------

/// A refusal at the token, revocation or introspection endpoint: the
/// error code (RFC 6749 §5.2), its description and the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthFailure {
    pub error: &'static str,
    pub description: String,
    pub status: u16,
}

impl OAuthFailure {
    fn new(error: OAuthError, description: impl Into<String>) -> Self {
        // §5.2: a failed client authentication is 401, the rest 400.
        let status = if error == OAuthError::InvalidClient { 401 } else { 400 };
        OAuthFailure { error: error.key(), description: description.into(), status }
    }

    fn plain(error: OAuthError) -> Self {
        Self::new(error, error.label())
    }
}

fn server_fault(e: impl std::fmt::Display) -> OAuthFailure {
    tracing::error!(error = %e, "authorization server");
    OAuthFailure { error: "server_error", description: "Something went wrong on our side.".into(), status: 500 }
}

/// The client credentials a request presents: `client_secret_basic`
/// (RFC 6749 §2.3.1, the default) or `client_secret_post`, or only a
/// `client_id` for a public client.
pub struct Presented {
    pub basic: Option<(String, String)>,
    pub form: HashMap<String, String>,
}

impl Presented {
    fn field(&self, name: &str) -> &str {
        self.form.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Reads `Authorization: Basic …`: the id and secret, each form-encoded
/// (RFC 6749 §2.3.1).
pub fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    use base64::Engine;
    let (scheme, value) = header?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((decode(id)?, decode(secret)?))
}

/// The client a request authenticates as on `brand_id`.
async fn authenticate_client(state: &AppState, brand_id: i64, p: &Presented) -> Result<ClientRecord, OAuthFailure> {
    let posted = (p.form.get("client_id"), p.form.get("client_secret"));
    let (id, secret) = match (&p.basic, posted) {
        (Some(_), (_, Some(_))) => {
            return Err(OAuthFailure::new(OAuthError::InvalidRequest, "Use one way to authenticate the client."))
        }
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone())),
        (None, (Some(id), secret)) => (id.clone(), secret.cloned()),
        (None, (None, _)) => return Err(OAuthFailure::plain(OAuthError::InvalidClient)),
    };
    let client = state.store.oauth_client(&id).await.map_err(server_fault)?;
    let client = client
        .filter(|c| c.brand_id == brand_id && c.revoked_at_ms.is_none())
        .ok_or_else(|| OAuthFailure::plain(OAuthError::InvalidClient))?;
    let secrets = Secrets::of(&state.config);
    let ok = match (&client.secret_hash, secret.as_deref()) {
        (Some(hash), Some(s)) => secrets.api_key_matches(s, hash),
        // A public client has no secret to check (PKCE stands in for it).
        (None, None) => true,
        _ => false,
    };
    if !ok {
        return Err(OAuthFailure::plain(OAuthError::InvalidClient));
    }
    // Apps follow the partner's standing, as keys do.
    may_create_key(client.environment, client.cert_state)
        .map_err(|m| OAuthFailure::new(OAuthError::UnauthorizedClient, m))?;
    Ok(client)
}

/// A successful token response's body (RFC 6749 §5.1).
pub type TokenBody = serde_json::Value;

/// Issues an access token for `grant` (and hands back its body).
async fn access_token(
    state: &AppState,
    meta: &RequestMeta,
    grant: &GrantRecord,
    scopes: &[Scope],
    refresh: Option<String>,
) -> Result<TokenBody, OAuthFailure> {
    let iss = brand_url(state, meta);
    let now = state.clock.now().timestamp();
    let client = &grant.client;
    let scope = crate::domain::integration::scopes_text(scopes);
    let claims = AccessClaims {
        aud: audience(&iss),
        iss,
        sub: grant.user_id.map(|u| format!("user:{u}")).unwrap_or_else(|| client.client_id.clone()),
        client_id: client.client_id.clone(),
        exp: (now + ACCESS_TOKEN_SECONDS).min(grant.expires_at_ms / 1000),
        iat: now,
        jti: new_public_id(""),
        scope: scope.clone(),
        org: client.organisation_id,
        env: client.environment.key().to_owned(),
        sid: grant.id.clone(),
        cnf: client.cert_bound.then(|| meta.client_cert.clone().map(|t| Confirmation { x5t_s256: t })).flatten(),
    };
    let expires_in = claims.exp - now;
    let token = state.tokens.sign(&keys(state), &claims).await.map_err(|e| server_fault(format!("{e:?}")))?;
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": scope,
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    Ok(body)
}

/// The token endpoint (RFC 6749 §3.2).
pub async fn token(state: &AppState, meta: &RequestMeta, p: Presented) -> Result<TokenBody, OAuthFailure> {
    let grant_type =
        GrantType::parse(p.field("grant_type")).ok_or_else(|| OAuthFailure::plain(OAuthError::UnsupportedGrantType))?;
    let client = authenticate_client(state, meta.brand.id, &p).await?;
    grant_allowed(client.kind, !client.redirect_uris.is_empty(), grant_type).map_err(OAuthFailure::plain)?;
    if client.cert_bound && meta.client_cert.is_none() {
        return Err(OAuthFailure::new(
            OAuthError::InvalidClient,
            "This app's tokens are bound to its certificate: connect with it (mutual TLS).",
        ));
    }
    let now = state.clock.now();
    let secrets = Secrets::of(&state.config);
    match grant_type {
        GrantType::ClientCredentials => {
            let scopes = requested_scopes(p.field("scope"), &client.scopes).map_err(OAuthFailure::plain)?;
            let grant = NewGrant {
                id: new_public_id("grt_"),
                client_pk: client.pk,
                user_id: None,
                scopes: scopes.clone(),
                created_at: now,
                expires_at: now + Duration::seconds(ACCESS_TOKEN_SECONDS),
            };
            state.store.create_grant(grant.clone()).await.map_err(server_fault)?;
            let record = GrantRecord {
                id: grant.id,
                user_id: None,
                scopes: scopes.clone(),
                expires_at_ms: grant.expires_at.timestamp_millis(),
                revoked_at_ms: None,
                client,
            };
            // RFC 6749 §4.4.3: no refresh token; the client asks again.
            access_token(state, meta, &record, &scopes, None).await
        }
        GrantType::AuthorizationCode => {
            let bad = || OAuthFailure::plain(OAuthError::InvalidGrant);
            let code_hash = secrets.hash_api_key(p.field("code"));
            let code = state.store.code(&code_hash).await.map_err(server_fault)?.ok_or_else(bad)?;
            let check = CodeCheck {
                same_client: code.client_pk == client.pk,
                same_redirect: code.redirect_uri == p.field("redirect_uri"),
                used: code.used_at_ms.is_some(),
                expires_at_ms: code.expires_at_ms,
                now_ms: now.timestamp_millis(),
                challenge: &code.challenge,
                verifier: p.field("code_verifier"),
            };
            if let Err((error, why)) = code_exchange(&check) {
                return Err(match why {
                    Some(why) => OAuthFailure::new(error, why),
                    None => bad(),
                });
            }
            let grant = NewGrant {
                id: new_public_id("grt_"),
                client_pk: client.pk,
                user_id: Some(code.user_id),
                scopes: code.scopes.clone(),
                created_at: now,
                expires_at: now + Duration::days(GRANT_DAYS),
            };
            let refresh = new_api_key("rt_");
            let new = NewRefresh {
                token_hash: secrets.hash_api_key(&refresh),
                scopes: code.scopes.clone(),
                created_at: now,
                expires_at: now + Duration::days(REFRESH_TOKEN_DAYS),
            };
            match state.store.redeem_code(&code_hash, grant.clone(), new, now).await.map_err(server_fault)? {
                Redeemed::AlreadyUsed => {
                    tracing::warn!(client_id = client.client_id, "an authorization code was presented twice");
                    audit_replay(state, meta, &client, "authorization_code").await;
                    Err(OAuthFailure::new(OAuthError::InvalidGrant, "The code was already used."))
                }
                Redeemed::Issued => {
                    let record = GrantRecord {
                        id: grant.id,
                        user_id: grant.user_id,
                        scopes: grant.scopes,
                        expires_at_ms: grant.expires_at.timestamp_millis(),
                        revoked_at_ms: None,
                        client,
                    };
                    access_token(state, meta, &record, &code.scopes, Some(refresh)).await
                }
            }
        }
        GrantType::RefreshToken => {
            let bad = || OAuthFailure::plain(OAuthError::InvalidGrant);
            let old_hash = secrets.hash_api_key(p.field("refresh_token"));
            let old = state.store.refresh_token(&old_hash).await.map_err(server_fault)?.ok_or_else(bad)?;
            // RFC 6749 §6: bound to the client it was issued to.
            if old.grant.client.pk != client.pk {
                return Err(bad());
            }
            let now_ms = now.timestamp_millis();
            let family_revoked = old.grant.revoked_at_ms.is_some() || old.grant.expires_at_ms <= now_ms;
            let token_state =
                RefreshState { used: old.used_at_ms.is_some(), family_revoked, expires_at_ms: old.expires_at_ms };
            match refresh_outcome(token_state, now_ms) {
                RefreshOutcome::Refuse => return Err(bad()),
                RefreshOutcome::RevokeFamily => {
                    state.store.revoke_grant(&old.grant.id, client.pk, now).await.map_err(server_fault)?;
                    tracing::warn!(client_id = client.client_id, "a used refresh token came back: grant revoked");
                    audit_replay(state, meta, &client, "refresh_token").await;
                    return Err(OAuthFailure::new(OAuthError::InvalidGrant, "This refresh token was already used."));
                }
                RefreshOutcome::Rotate => {}
            }
            // A narrower scope may be asked for this access token; the new
            // refresh token keeps the grant's (RFC 6749 §6).
            let scopes = requested_scopes(p.field("scope"), &old.scopes).map_err(OAuthFailure::plain)?;
            let refresh = new_api_key("rt_");
            let new = NewRefresh {
                token_hash: secrets.hash_api_key(&refresh),
                scopes: old.scopes.clone(),
                created_at: now,
                expires_at: (now + Duration::days(REFRESH_TOKEN_DAYS))
                    .min(chrono::DateTime::from_timestamp_millis(old.grant.expires_at_ms).unwrap_or(now)),
            };
            match state.store.rotate_refresh(&old_hash, &old.grant.id, new, now).await.map_err(server_fault)? {
                Redeemed::AlreadyUsed => {
                    audit_replay(state, meta, &client, "refresh_token").await;
                    Err(OAuthFailure::new(OAuthError::InvalidGrant, "This refresh token was already used."))
                }
                Redeemed::Issued => access_token(state, meta, &old.grant, &scopes, Some(refresh)).await,
            }
        }
    }
}

/// Records that a used code or refresh token came back and its grant was
/// revoked: a copy is in someone else's hands, which the partner's audit
/// log should show. The revocation stands even if this write fails.
async fn audit_replay(state: &AppState, meta: &RequestMeta, client: &ClientRecord, presented: &str) {
    let entry = crate::server::store::NewAudit {
        brand_id: client.brand_id,
        at: state.clock.now(),
        actor_id: None,
        actor_email: String::new(),
        action: audit::OAUTH_REPLAY_REVOKED,
        subject: format!("oauth_client:{}", client.pk),
        detail: json!({ "client_id": client.client_id, "presented": presented }),
        client_ip: meta.client_ip.clone(),
        organisation_id: Some(client.organisation_id),
    };
    if let Err(e) = state.store.record_audit(entry).await {
        tracing::error!(error = %e, "auditing a replayed OAuth credential");
    }
}

/// A token's grant, if it is an access token this server signed for this
/// brand, or a refresh token; `None` for anything else.
async fn grant_of_token(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
) -> Result<Option<(GrantRecord, TokenKind)>, OAuthFailure> {
    let hash = Secrets::of(&state.config).hash_api_key(token);
    if let Some(r) = state.store.refresh_token(&hash).await.map_err(server_fault)? {
        let kind = TokenKind::Refresh { expires_at_ms: r.expires_at_ms, used: r.used_at_ms.is_some() };
        return Ok(Some((r.grant, kind)));
    }
    let iss = brand_url(state, meta);
    let claims = match state.tokens.verify(&keys(state), token, &iss, &audience(&iss)).await {
        Ok(c) => c,
        Err(TokenFault::Invalid) => return Ok(None),
        Err(TokenFault::Store(e)) => return Err(server_fault(e)),
    };
    let grant = state.store.grant(&claims.sid).await.map_err(server_fault)?;
    Ok(grant.map(|g| (g, TokenKind::Access(Box::new(claims)))))
}

enum TokenKind {
    Access(Box<AccessClaims>),
    Refresh { expires_at_ms: i64, used: bool },
}

/// RFC 7009: revokes the grant behind a token the client holds. Unknown
/// tokens, and other clients' tokens, are answered the same (nothing to
/// say), as §2.2 asks.
pub async fn revoke(state: &AppState, meta: &RequestMeta, p: Presented) -> Result<(), OAuthFailure> {
    let client = authenticate_client(state, meta.brand.id, &p).await?;
    let token = p.field("token");
    if token.is_empty() {
        return Err(OAuthFailure::new(OAuthError::InvalidRequest, "Give the token to revoke."));
    }
    if let Some((grant, _)) = grant_of_token(state, meta, token).await? {
        if grant.client.pk == client.pk {
            state.store.revoke_grant(&grant.id, client.pk, state.clock.now()).await.map_err(server_fault)?;
        }
    }
    Ok(())
}

/// RFC 7662: what a token the client holds stands for, or only
/// `{"active": false}`.
pub async fn introspect(state: &AppState, meta: &RequestMeta, p: Presented) -> Result<TokenBody, OAuthFailure> {
    let client = authenticate_client(state, meta.brand.id, &p).await?;
    // §2.1 wants the caller authorised: a public client's id is no proof.
    if client.kind == ClientKind::Public {
        return Err(OAuthFailure::new(OAuthError::UnauthorizedClient, "Introspection needs a confidential client."));
    }
    let inactive = json!({ "active": false });
    let Some((grant, kind)) = grant_of_token(state, meta, p.field("token")).await? else { return Ok(inactive) };
    let now_ms = state.clock.now().timestamp_millis();
    if grant.client.pk != client.pk || grant.revoked_at_ms.is_some() || grant.expires_at_ms <= now_ms {
        return Ok(inactive);
    }
    Ok(match kind {
        TokenKind::Access(c) => json!({
            "active": true, "token_type": "Bearer", "scope": c.scope, "client_id": c.client_id,
            "sub": c.sub, "exp": c.exp, "iat": c.iat, "iss": c.iss, "aud": c.aud, "jti": c.jti,
            "org": c.org, "env": c.env, "cnf": c.cnf,
        }),
        TokenKind::Refresh { used: true, .. } => inactive,
        TokenKind::Refresh { expires_at_ms, .. } if expires_at_ms <= now_ms => inactive,
        TokenKind::Refresh { expires_at_ms, .. } => json!({
            "active": true, "token_type": "refresh_token",
            "scope": crate::domain::integration::scopes_text(&grant.scopes),
            "client_id": grant.client.client_id, "exp": expires_at_ms / 1000,
            "org": grant.client.organisation_id, "env": grant.client.environment.key(),
        }),
    })
}

/// Deletes grants (with their codes and refresh tokens) that ended over a
/// day ago: client credentials make one per token, so they would pile up.
pub async fn forget_expired(state: &AppState) -> Result<u64, AppError> {
    let before = state.clock.now() - Duration::days(1);
    state.store.forget_expired_oauth(before).await.map_err(store_error)
}

/// RFC 8414: the authorization server's metadata for this brand.
pub fn metadata(state: &AppState, meta: &RequestMeta) -> serde_json::Value {
    let iss = brand_url(state, meta);
    json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "introspection_endpoint": format!("{iss}/oauth/introspect"),
        "scopes_supported": Scope::ALL.iter().map(|s| s.key()).collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GrantType::ALL.iter().map(|g| g.key()).collect::<Vec<_>>(),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "tls_client_certificate_bound_access_tokens": true,
        "service_documentation": format!("{iss}/developers/apps"),
    })
}

/// The caller behind an access token on `/api/v1`: signed here for this
/// brand, unexpired, its grant and client not revoked, and the partner in
/// a standing that allows the client's environment.
pub async fn authenticate_access(state: &AppState, meta: &RequestMeta, token: &str) -> Option<ApiCaller> {
    let iss = brand_url(state, meta);
    let claims = match state.tokens.verify(&keys(state), token, &iss, &audience(&iss)).await {
        Ok(c) => c,
        Err(TokenFault::Invalid) => return None,
        Err(TokenFault::Store(e)) => {
            tracing::error!(error = e, "access token check");
            return None;
        }
    };
    let grant = match state.store.grant(&claims.sid).await {
        Ok(g) => g?,
        Err(e) => {
            tracing::error!(error = %e, "access token grant");
            return None;
        }
    };
    let c = &grant.client;
    let check = TokenCheck {
        now_ms: state.clock.now().timestamp_millis(),
        brand_id: meta.brand.id,
        presented_cert: meta.client_cert.as_deref(),
        claimed_client: &claims.client_id,
        claimed_org: claims.org,
        bound_to: claims.cnf.as_ref().map(|cnf| cnf.x5t_s256.as_str()),
        grant_expires_at_ms: grant.expires_at_ms,
        grant_revoked: grant.revoked_at_ms.is_some(),
        client_id: &c.client_id,
        client_brand: c.brand_id,
        client_org: c.organisation_id,
        client_revoked: c.revoked_at_ms.is_some(),
        environment: c.environment,
        cert_state: c.cert_state,
    };
    if !token_live(&check) {
        return None;
    }
    let scopes = token_scopes(&claims.scope, &c.scopes);
    Some(ApiCaller {
        credential: Credential::Client { pk: c.pk, client_id: c.client_id.clone() },
        user_id: grant.user_id,
        brand_id: c.brand_id,
        organisation_id: c.organisation_id,
        org: c.org(),
        environment: c.environment,
        scopes,
    })
}
