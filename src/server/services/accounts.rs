//! Sign-in, sign-out, passwords and invitations.

use crate::domain::account::{parse_display_name, CurrentUser, InvitationView};
use crate::domain::audit;
use crate::domain::email::Email;
use crate::domain::email::FailedEmail;
use crate::domain::password::check_new_password;
use crate::domain::role::{may_change_role, may_invite, may_set_disabled, Permission, Role};
use crate::domain::throttle::{
    LINK_ADDRESS, RESET_ADDRESS, RESET_MAILBOX, SIGN_IN_ACCOUNT, SIGN_IN_ACCOUNT_ADDRESS, SIGN_IN_ADDRESS,
};
use crate::domain::token::TokenPurpose;
use crate::error::AppError;
use crate::server::auth::{
    dummy_hash, hash_password, hash_token, new_token, verify_password, SessionAuth, SESSION_KEY,
};
use crate::server::checks::Checks;
use crate::server::context::{internal, store_error, Ctx};
use crate::server::emails::{self, invitation_email, Wording};
use crate::server::store::{NewToken, StoreError};
use crate::server::throttle;
use crate::views::admin::{AuditPage, UsersData, AUDIT_PAGE_SIZE};
use serde_json::json;

pub const BAD_CREDENTIALS: &str = "The email address or password is not correct.";

pub async fn sign_in(ctx: &Ctx, email: &str, password: &str) -> Result<CurrentUser, AppError> {
    let mut checks = Checks::default();
    let email = checks.check("email", Email::parse(email));
    if password.is_empty() {
        checks.check::<(), _>("password", Err("Enter your password."));
    }
    checks.finish()?;
    let email = email.expect("checked");
    let now = ctx.now();
    let brand_id = ctx.meta.brand.id;
    let store = &ctx.state.store;

    // Counted before the password is checked, so guesses sent at once
    // cannot all slip under the limits; given back if the password is right.
    let ip = ctx.meta.client_ip.as_str();
    let account_address = format!("{brand_id}|{email}|{ip}");
    let account = format!("{brand_id}|{email}");
    let limits =
        [(SIGN_IN_ACCOUNT_ADDRESS, account_address.as_str()), (SIGN_IN_ACCOUNT, &account), (SIGN_IN_ADDRESS, ip)];
    let counted = match throttle::count(ctx, &limits).await? {
        Ok(counted) => counted.provisional(ctx),
        Err(over) => {
            metrics::counter!("signin_throttled_total").increment(1);
            return Err(AppError::Throttled(format!(
                "Too many failed sign-ins. Try again in {} minutes, or reset your password.",
                over.minutes
            )));
        }
    };

    let record = store.login_record(brand_id, email.as_str()).await.map_err(store_error)?;
    // Always run one argon2 verification so timing does not reveal whether
    // the account exists.
    let hash = record.as_ref().map(|r| r.password_hash.clone()).unwrap_or_else(dummy_hash);
    let matches = verify_password(password.to_owned(), hash).await?;
    let record = match record {
        Some(r) if matches && !r.disabled => r,
        other => {
            let mut a = ctx.audit(None, audit::SIGN_IN_FAILED, format!("email:{email}"), json!({}));
            a.actor_email = email.to_string();
            a.actor_id = other.map(|r| r.user_id);
            counted.keep();
            store.record_login_failure(email.as_str(), a).await.map_err(store_error)?;
            metrics::counter!("signin_failures_total").increment(1);
            return Err(AppError::Refused(BAD_CREDENTIALS.into()));
        }
    };

    counted.give_back().await;

    // A new id at sign-in, so an id planted before sign-in is worthless.
    ctx.session.cycle_id().await.map_err(|e| internal(format!("cycle session: {e}")))?;
    let auth = SessionAuth {
        user_id: record.user_id,
        brand_id,
        host: ctx.meta.host.clone(),
        epoch: record.session_epoch,
        signed_in_at_ms: now.timestamp_millis(),
        last_seen_ms: now.timestamp_millis(),
    };
    ctx.session.insert(SESSION_KEY, auth).await.map_err(|e| internal(format!("session write: {e}")))?;
    ctx.forget_user();
    let user = store.session_user(brand_id, record.user_id).await.map_err(store_error)?.ok_or(AppError::Internal)?.user;
    store
        .record_login_success(
            email.as_str(),
            ctx.audit(Some(&user), audit::SIGN_IN, format!("user:{}", user.id), json!({})),
        )
        .await
        .map_err(store_error)?;
    Ok(user)
}

pub async fn sign_out(ctx: &Ctx) -> Result<(), AppError> {
    if let Some(user) = ctx.user().await? {
        ctx.state
            .store
            .record_audit(ctx.audit(Some(&user), audit::SIGN_OUT, format!("user:{}", user.id), json!({})))
            .await
            .map_err(store_error)?;
    }
    ctx.end_session().await;
    Ok(())
}

/// Sends a reset link if the account exists; answers the same either way.
pub async fn request_password_reset(ctx: &Ctx, email: &str) -> Result<(), AppError> {
    let mut checks = Checks::default();
    let email = checks.check("email", Email::parse(email));
    checks.finish()?;
    let email = email.expect("checked");
    let store = &ctx.state.store;
    let brand_id = ctx.meta.brand.id;
    if let Err(over) = throttle::count(ctx, &[(RESET_ADDRESS, ctx.meta.client_ip.as_str())]).await? {
        return Err(over.refusal("password reset requests"));
    }
    // A mailbox gets a few links an hour however many people ask; beyond
    // that the answer is the same, so it reveals nothing.
    let mailbox = format!("{brand_id}|{email}");
    if throttle::count(ctx, &[(RESET_MAILBOX, mailbox.as_str())]).await?.is_err() {
        return Ok(());
    }
    let Some(record) = store.login_record(brand_id, email.as_str()).await.map_err(store_error)? else {
        return Ok(());
    };
    if record.disabled {
        return Ok(());
    }
    let user = store.session_user(brand_id, record.user_id).await.map_err(store_error)?.ok_or(AppError::Internal)?.user;
    let now = ctx.now();
    let (raw, hash) = new_token();
    let link = format!("{}/reset-password?token={raw}", ctx.brand_url());
    // A white-label brand's customer hears in its wording, on its domain.
    let own_brand = (!ctx.meta.brand.is_default).then_some(&ctx.meta.brand);
    let wording = Wording::PasswordReset { name: user.display_name.clone(), link };
    let mail = emails::compose(store, own_brand, &ctx.meta.brand.name, email.as_str(), &wording).await?;
    let token = NewToken {
        token_hash: hash,
        brand_id,
        email: email.to_string(),
        user_id: Some(user.id),
        role: None,
        display_name: None,
        org: None,
        created_by: None,
        created_at: now,
        expires_at: now + TokenPurpose::PasswordReset.lifetime(),
    };
    let mut a = ctx.audit(Some(&user), audit::PASSWORD_RESET_REQUESTED, format!("user:{}", user.id), json!({}));
    a.actor_id = Some(user.id);
    store.create_password_reset(token, mail, a).await.map_err(store_error)
}

/// The address an application's confirmation link was sent to, for the
/// welcome page; the link is not used up by looking.
pub async fn welcome(ctx: &Ctx, token: &str) -> Result<String, AppError> {
    ctx.state.store.application_link_email(ctx.meta.brand.id, &hash_token(token), ctx.now()).await.map_err(store_error)
}

pub async fn reset_password(ctx: &Ctx, token: &str, password: &str, confirm: &str) -> Result<(), AppError> {
    redeem_link(ctx, token, password, confirm, false).await
}

/// An applicant's first password through the application's emailed link;
/// the audit log records the address as confirmed, not a reset.
pub async fn confirm_application(ctx: &Ctx, token: &str, password: &str, confirm: &str) -> Result<(), AppError> {
    redeem_link(ctx, token, password, confirm, true).await
}

async fn redeem_link(ctx: &Ctx, token: &str, password: &str, confirm: &str, application: bool) -> Result<(), AppError> {
    let mut checks = Checks::default();
    checks.check("password", check_new_password(password, confirm, ""));
    checks.finish()?;
    if let Err(over) = throttle::count(ctx, &[(LINK_ADDRESS, ctx.meta.client_ip.as_str())]).await? {
        return Err(over.refusal("attempts"));
    }
    let hash = hash_password(password.to_owned()).await?;
    let (store, brand, ip) = (&ctx.state.store, ctx.meta.brand.id, ctx.meta.client_ip.as_str());
    let redeemed = if application {
        store.redeem_application_link(brand, &hash_token(token), &hash, ctx.now(), ip).await
    } else {
        store.redeem_password_reset(brand, &hash_token(token), &hash, ctx.now(), ip).await
    };
    redeemed.map_err(store_error)?;
    // Whoever was signed in here before is not necessarily the owner.
    ctx.end_session().await;
    Ok(())
}

/// Sets the zone the signed-in person reads times in: a known IANA name,
/// or empty for UTC. Anyone signed in may choose their own.
pub async fn set_time_zone(ctx: &Ctx, zone: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let mut checks = Checks::default();
    let zone = checks.check("zone", crate::domain::format::check_zone(zone));
    checks.finish()?;
    let zone = zone.flatten();
    let a = ctx.audit(
        Some(&user),
        audit::TIME_ZONE_CHANGED,
        format!("user:{}", user.id),
        json!({ "time_zone": { "before": user.time_zone, "after": zone } }),
    );
    ctx.state.store.set_time_zone(user.id, zone.as_deref(), a).await.map_err(store_error)
}

pub async fn change_password(ctx: &Ctx, current: &str, password: &str, confirm: &str) -> Result<(), AppError> {
    let user = ctx.require(Permission::ChangeOwnPassword).await?;
    let store = &ctx.state.store;
    let record = store
        .login_record_by_id(ctx.meta.brand.id, user.id)
        .await
        .map_err(store_error)?
        .ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::default();
    checks.check("password", check_new_password(password, confirm, &user.email));
    if !verify_password(current.to_owned(), record.password_hash).await? {
        checks.check::<(), _>("current", Err("Your current password is not correct."));
    }
    checks.finish()?;
    let hash = hash_password(password.to_owned()).await?;
    let epoch = store
        .change_password(
            user.id,
            &hash,
            ctx.audit(Some(&user), audit::PASSWORD_CHANGED, format!("user:{}", user.id), json!({})),
        )
        .await
        .map_err(store_error)?;
    // Other sessions end with the old epoch; this one carries on.
    let mut auth: SessionAuth = ctx
        .session
        .get(SESSION_KEY)
        .await
        .map_err(|e| internal(format!("session read: {e}")))?
        .ok_or(AppError::Unauthenticated)?;
    auth.epoch = epoch;
    ctx.session.cycle_id().await.map_err(|e| internal(format!("cycle session: {e}")))?;
    ctx.session.insert(SESSION_KEY, auth).await.map_err(|e| internal(format!("session write: {e}")))?;
    ctx.forget_user();
    Ok(())
}

pub async fn invite(ctx: &Ctx, email: &str, name: &str, role: &str) -> Result<String, AppError> {
    let inviter = ctx.require(Permission::InviteManager).await?;
    let mut checks = Checks::default();
    let email = checks.check("email", Email::parse(email));
    let name = checks.check("display_name", parse_display_name(name));
    let role = checks.check("role", role.parse::<Role>().map_err(|_| "Choose a role."));
    if let Some(r) = role {
        if !may_invite(inviter.role, r) {
            checks.check::<(), _>("role", Err("You cannot invite someone with this role."));
        }
    }
    checks.finish()?;
    let (email, name, role) = (email.expect("checked"), name.expect("checked"), role.expect("checked"));
    let now = ctx.now();
    let (raw, hash) = new_token();
    let link = format!("{}/invitation?token={raw}", ctx.public_url());
    let mail = invitation_email(email.as_str(), &name, role, &inviter.display_name, &ctx.meta.brand.name, &link);
    let token = NewToken {
        token_hash: hash,
        brand_id: ctx.meta.brand.id,
        email: email.to_string(),
        user_id: None,
        role: Some(role),
        display_name: Some(name.clone()),
        org: None,
        created_by: Some(inviter.id),
        created_at: now,
        expires_at: now + TokenPurpose::Invitation.lifetime(),
    };
    let a = ctx.audit(
        Some(&inviter),
        audit::INVITATION_SENT,
        format!("email:{email}"),
        json!({ "after": { "email": email.as_str(), "role": role.as_str(), "display_name": name } }),
    );
    ctx.state.store.create_invitation(token, mail, a).await.map_err(|e| match store_error(e) {
        AppError::Conflict(m) => AppError::field("email", m),
        other => other,
    })?;
    Ok(email.to_string())
}

pub async fn invitation(ctx: &Ctx, token: &str) -> Result<InvitationView, AppError> {
    ctx.state.store.invitation(ctx.meta.brand.id, &hash_token(token), ctx.now()).await.map_err(store_error)
}

pub async fn accept_invitation(ctx: &Ctx, token: &str, password: &str, confirm: &str) -> Result<(), AppError> {
    let view = invitation(ctx, token).await?;
    let mut checks = Checks::default();
    checks.check("password", check_new_password(password, confirm, &view.email));
    checks.finish()?;
    if let Err(over) = throttle::count(ctx, &[(LINK_ADDRESS, ctx.meta.client_ip.as_str())]).await? {
        return Err(over.refusal("attempts"));
    }
    let hash = hash_password(password.to_owned()).await?;
    ctx.state
        .store
        .accept_invitation(ctx.meta.brand.id, &hash_token(token), &hash, ctx.now(), &ctx.meta.client_ip)
        .await
        .map_err(store_error)?;
    ctx.end_session().await;
    Ok(())
}

/// Another account of this request's brand, or `NotFound`.
async fn user_in_brand(ctx: &Ctx, user_id: i64) -> Result<crate::server::store::SessionUser, AppError> {
    ctx.state.store.session_user(ctx.meta.brand.id, user_id).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// An administrator changes another staff member's role.
pub async fn change_role(ctx: &Ctx, user_id: i64, role: &str) -> Result<(), AppError> {
    let admin = ctx.require(Permission::ListUsers).await?;
    let new_role: Role = role.parse().map_err(|_| AppError::field("role", "Choose a role."))?;
    let target = user_in_brand(ctx, user_id).await?;
    may_change_role(admin.role, target.user.role, new_role, admin.id == user_id)
        .map_err(|e| AppError::Refused(e.to_string()))?;
    if target.user.role == new_role {
        return Ok(());
    }
    let a = ctx.audit(Some(&admin), audit::ROLE_CHANGED, format!("user:{user_id}"), json!({}));
    ctx.state.store.update_user_access(user_id, new_role, target.disabled, a).await.map_err(store_error)
}

/// An administrator disables or re-enables another account.
pub async fn set_disabled(ctx: &Ctx, user_id: i64, disabled: bool) -> Result<(), AppError> {
    let admin = ctx.require(Permission::ListUsers).await?;
    may_set_disabled(admin.role, admin.id == user_id).map_err(|e| AppError::Refused(e.to_string()))?;
    let target = user_in_brand(ctx, user_id).await?;
    if target.disabled == disabled {
        return Ok(());
    }
    let action = if disabled { audit::USER_DISABLED } else { audit::USER_ENABLED };
    let a = ctx.audit(Some(&admin), action, format!("user:{user_id}"), json!({}));
    ctx.state.store.update_user_access(user_id, target.user.role, disabled, a).await.map_err(store_error)
}

/// The users page: one page of the brand's users in the chosen order (`USER_COLUMNS`),
/// only those whose email, name or organisation holds `q` if given, and
/// the invitations still waiting; a page past the end shows the last.
pub async fn users_overview(ctx: &Ctx, sort: &str, dir: &str, q: &str, page: usize) -> Result<UsersData, AppError> {
    use crate::domain::account::{UserSort, USERS_PAGE, USER_COLUMNS};
    use crate::domain::listing::{like_pattern, order, page_of, search};
    let viewer = ctx.require(Permission::ListUsers).await?;
    let (store, brand) = (&ctx.state.store, ctx.meta.brand.id);
    let order = order(&USER_COLUMNS, sort, dir);
    let search = search(q);
    let pattern = search.as_deref().map(like_pattern);
    let per = USERS_PAGE as i64;
    let sort = UserSort::of(&order);
    // Read before the count can clamp it, so kept within what an offset
    // holds; a page past the end is read again as the last below.
    let asked = page.clamp(1, u32::MAX as usize) as i64;
    let (mut users, total) =
        store.users_page(brand, sort, pattern.as_deref(), (asked - 1) * per, per).await.map_err(store_error)?;
    let (page, pages) = page_of(page, total.max(0) as usize, USERS_PAGE);
    if users.is_empty() && total > 0 {
        let last = (page as i64 - 1) * per;
        users = store.users_page(brand, sort, pattern.as_deref(), last, per).await.map_err(store_error)?.0;
    }
    let invitations = store.pending_invitations(brand, ctx.now()).await.map_err(store_error)?;
    Ok(UsersData { viewer_id: viewer.id, users, invitations, order, search, page, pages, total: total.max(0) as usize })
}

/// One page of the audit log, newest first, from before the entry
/// `before`: only the `area` chosen (`audit::AREAS`), entries whose actor,
/// action or subject holds `q`, and those concerning partner `org`, each if
/// given. The brand bounds the search, so another brand's partner number
/// finds nothing.
pub async fn audit_page(
    ctx: &Ctx,
    before: Option<i64>,
    area: &str,
    q: &str,
    org: Option<i64>,
) -> Result<AuditPage, AppError> {
    use crate::domain::listing::{like_pattern, search};
    ctx.require(Permission::ReadAuditLog).await?;
    let area_pattern = audit::area_pattern(area);
    let search = search(q);
    let pattern = search.as_deref().map(like_pattern);
    let entries = ctx
        .state
        .store
        .audit_search(ctx.meta.brand.id, before, area_pattern.as_deref(), pattern.as_deref(), org, AUDIT_PAGE_SIZE)
        .await
        .map_err(store_error)?;
    let older = (entries.len() as i64 == AUDIT_PAGE_SIZE).then(|| entries.last().map(|e| e.id)).flatten();
    let area = area_pattern.map(|_| area.to_owned());
    Ok(AuditPage { entries, older, area, search, organisation_id: org })
}

/// The emails the outbox gave up on, newest first.
pub async fn failed_emails(ctx: &Ctx) -> Result<Vec<FailedEmail>, AppError> {
    ctx.require(Permission::ManageFailedEmails).await?;
    ctx.state.store.failed_emails(200).await.map_err(store_error)
}

/// Queues a given-up email again, with a fresh delivery window.
pub async fn resend_email(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let admin = ctx.require(Permission::ManageFailedEmails).await?;
    let a = ctx.audit(Some(&admin), audit::EMAIL_RESENT, format!("email:{id}"), json!({}));
    ctx.state.store.resend_email(id, ctx.now(), a).await.map_err(|e| match e {
        StoreError::NotFound => {
            AppError::Conflict("This email is no longer waiting: it was sent again already.".into())
        }
        other => store_error(other),
    })
}
