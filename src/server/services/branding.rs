//! White-label branding use cases: the brand's look, its logo and its
//! custom domains, for the owners of a white-label partner.

use crate::domain::account::CurrentUser;
use crate::domain::application::RevenueModel;
use crate::domain::audit;
use crate::domain::brand::Brand;
use crate::domain::email::Email;
use crate::domain::role::OrgAccess;
use crate::domain::whitelabel::{
    check_brand_colours, check_template, parse_domain, render_email, verification_record, Colour, TemplateKind,
};
use crate::error::AppError;
use crate::server::checks::Checks;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{self, Wording};
use crate::server::logo::check_logo;
use crate::server::services::partners::org_for;
use crate::server::store::{BrandLook, Logo};
use crate::views::branding::{BrandFace, BrandingView, DomainView, TemplateView};
use serde_json::json;

/// The organisation whose brand the user manages, if they may.
async fn manageable(ctx: &Ctx, user: &CurrentUser, org: Option<i64>) -> Result<(i64, bool), AppError> {
    let (org, access) = org_for(user, org)?;
    let terms = ctx.state.store.current_terms(ctx.meta.brand.id, org).await.map_err(store_error)?;
    if terms.map(|t| t.model) != Some(RevenueModel::WhiteLabel) {
        return Err(AppError::Refused("Branding is for white-label partners.".into()));
    }
    let can_edit = match access {
        OrgAccess::Staff { .. } => true,
        OrgAccess::OwnOrganisation => user.is_owner(),
    };
    Ok((org, can_edit))
}

fn is_program_host(ctx: &Ctx, domain: &str) -> bool {
    url::Url::parse(&ctx.state.config.public_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(domain)))
        .unwrap_or(false)
}

/// The face every page shows for the request's brand: name, logo, support
/// contact.
pub async fn face(ctx: &Ctx) -> Result<BrandFace, AppError> {
    let b = &ctx.meta.brand;
    let has_logo = !b.is_default && ctx.state.store.logo(b.id).await.map_err(store_error)?.is_some();
    Ok(BrandFace {
        name: b.name.clone(),
        is_default: b.is_default,
        logo: has_logo.then(|| format!("/brand/logo?v={}", b.updated_at_ms)),
        support_email: b.support_email.clone(),
        support_url: b.support_url.clone(),
    })
}

pub async fn view(ctx: &Ctx, org: Option<i64>) -> Result<BrandingView, AppError> {
    let user = ctx.require_user().await?;
    let (org, can_edit) = manageable(ctx, &user, org).await?;
    let store = &ctx.state.store;
    let brand = store.partner_brand(org).await.map_err(store_error)?;
    let (domains, has_logo, customers) = match &brand {
        Some(b) => (
            store.brand_domains(b.id).await.map_err(store_error)?,
            store.logo(b.id).await.map_err(store_error)?.is_some(),
            store.list_users(b.id).await.map_err(store_error)?,
        ),
        None => (Vec::new(), false, Vec::new()),
    };
    let organisation = store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.map(|c| c.organisation);
    let templates = match &brand {
        Some(b) => template_views(b, &store.email_templates(b.id).await.map_err(store_error)?, &user.email),
        None => Vec::new(),
    };
    Ok(BrandingView {
        organisation_id: org,
        organisation: organisation.unwrap_or_default(),
        brand,
        has_logo,
        can_edit,
        customers,
        templates,
        domains: domains
            .into_iter()
            .map(|d| DomainView { record_name: verification_record(&d.domain), record: d })
            .collect(),
    })
}

/// The look as typed on the branding form.
pub struct LookForm {
    pub name: String,
    pub primary: String,
    pub accent: String,
    pub support_email: String,
    pub support_url: String,
}

pub async fn save(ctx: &Ctx, org: Option<i64>, form: LookForm) -> Result<Brand, AppError> {
    let user = ctx.require_user().await?;
    let (org, can_edit) = manageable(ctx, &user, org).await?;
    if !can_edit {
        return Err(AppError::Forbidden);
    }
    let mut checks = Checks::default();
    let name = checks.check("name", crate::domain::account::parse_display_name(&form.name));
    let primary = checks.check("primary", Colour::parse(&form.primary));
    let accent = checks.check("accent", Colour::parse(&form.accent));
    let support_email = if form.support_email.trim().is_empty() {
        Some(None)
    } else {
        checks.check("support_email", Email::parse(&form.support_email).map(|e| Some(e.as_str().to_owned())))
    };
    let support_url = match form.support_url.trim() {
        "" => Some(None),
        u => checks.check(
            "support_url",
            url::Url::parse(u)
                .ok()
                .filter(|p| p.scheme() == "https" && p.host_str().is_some())
                .map(|p| Some(p.to_string()))
                .ok_or("Enter an https:// address."),
        ),
    };
    if let (Some(p), Some(a)) = (primary, accent) {
        for problem in check_brand_colours(p, a) {
            checks.check::<(), _>(problem.field, Err(problem.message));
        }
    }
    checks.finish()?;
    let look = BrandLook {
        name: name.unwrap_or_default(),
        primary_colour: primary.map(|c| c.to_string()),
        accent_colour: accent.map(|c| c.to_string()),
        support_email: support_email.flatten(),
        support_url: support_url.flatten(),
    };
    let a = ctx
        .audit(
            Some(&user),
            audit::BRAND_CHANGED,
            format!("organisation:{org}"),
            json!({ "after": {
        "name": look.name, "primary": look.primary_colour, "accent": look.accent_colour,
        "support_email": look.support_email, "support_url": look.support_url } }),
        )
        .about(org);
    let done = ctx.state.store.save_partner_brand(org, &look, ctx.now(), a).await.map_err(store_error);
    ctx.state.brands.forget();
    done
}

async fn own_brand(ctx: &Ctx, user: &CurrentUser, org: Option<i64>) -> Result<(i64, Brand), AppError> {
    let (org, can_edit) = manageable(ctx, user, org).await?;
    if !can_edit {
        return Err(AppError::Forbidden);
    }
    let brand = ctx
        .state
        .store
        .partner_brand(org)
        .await
        .map_err(store_error)?
        .ok_or_else(|| AppError::Refused("Save your brand's name and colours first.".into()))?;
    Ok((org, brand))
}

pub async fn upload_logo(ctx: &Ctx, org: Option<i64>, bytes: &[u8]) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, brand) = own_brand(ctx, &user, org).await?;
    let checked = check_logo(bytes).map_err(|m| AppError::field("logo", m))?;
    let logo = Logo {
        content_type: checked.content_type.to_owned(),
        bytes: bytes.to_vec(),
        width: i64::from(checked.width),
        height: i64::from(checked.height),
        etag: checked.etag,
    };
    let a = ctx
        .audit(
            Some(&user),
            audit::BRAND_LOGO_CHANGED,
            format!("organisation:{org}"),
            json!({ "type": logo.content_type, "width": logo.width, "height": logo.height, "bytes": bytes.len() }),
        )
        .about(org);
    let done = ctx.state.store.save_logo(brand.id, &logo, ctx.now(), a).await.map_err(store_error);
    ctx.state.brands.forget();
    done
}

/// The partner's logo, for its own branding page.
pub async fn own_logo(ctx: &Ctx, org: Option<i64>) -> Result<Option<Logo>, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = manageable(ctx, &user, org).await?;
    let Some(brand) = ctx.state.store.partner_brand(org).await.map_err(store_error)? else { return Ok(None) };
    ctx.state.store.logo(brand.id).await.map_err(store_error)
}

fn template_views(brand: &Brand, custom: &[(String, String, String)], to: &str) -> Vec<TemplateView> {
    TemplateKind::ALL
        .iter()
        .map(|kind| {
            let own = custom.iter().find(|(k, _, _)| k == kind.key());
            let (subject, body) = match own {
                Some((_, s, b)) => (s.clone(), b.clone()),
                None => {
                    let (s, b) = kind.default_template();
                    (s.to_owned(), b.to_owned())
                }
            };
            let sample = kind.sample_values(&brand.name, brand.support_email.as_deref().unwrap_or(""), to);
            let preview = render_email(&subject, &body, &sample);
            TemplateView {
                kind: *kind,
                placeholders: kind.placeholders().iter().map(|p| (*p).to_owned()).collect(),
                custom: own.is_some(),
                subject,
                body,
                preview_subject: preview.subject,
                preview_text: preview.text,
            }
        })
        .collect()
}

pub async fn save_template(ctx: &Ctx, org: Option<i64>, kind: &str, subject: &str, body: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, brand) = own_brand(ctx, &user, org).await?;
    let kind = TemplateKind::parse(kind).ok_or_else(|| AppError::Refused("Unknown email kind.".into()))?;
    let errors = check_template(kind, subject, body);
    if !errors.is_empty() {
        // Named per kind: the page shows several templates' forms at once.
        return Err(AppError::Invalid(
            errors
                .into_iter()
                .map(|(f, m)| crate::error::FieldError { field: format!("{}_{f}", kind.key()), message: m })
                .collect(),
        ));
    }
    let a = ctx
        .audit(
            Some(&user),
            audit::EMAIL_TEMPLATE_CHANGED,
            format!("organisation:{org}"),
            json!({ "kind": kind.key(), "after": { "subject": subject, "body": body } }),
        )
        .about(org);
    ctx.state.store.save_email_template(brand.id, kind.key(), subject.trim(), body, a).await.map_err(store_error)
}

pub async fn reset_template(ctx: &Ctx, org: Option<i64>, kind: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, brand) = own_brand(ctx, &user, org).await?;
    let kind = TemplateKind::parse(kind).ok_or_else(|| AppError::Refused("Unknown email kind.".into()))?;
    let a = ctx
        .audit(
            Some(&user),
            audit::EMAIL_TEMPLATE_CHANGED,
            format!("organisation:{org}"),
            json!({ "kind": kind.key(), "after": "default" }),
        )
        .about(org);
    ctx.state.store.reset_email_template(brand.id, kind.key(), a).await.map_err(store_error)
}

/// Sends the saved wording, filled with sample values, to the signed-in user.
pub async fn send_test(ctx: &Ctx, org: Option<i64>, kind: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (_, brand) = own_brand(ctx, &user, org).await?;
    let kind = TemplateKind::parse(kind).ok_or_else(|| AppError::Refused("Unknown email kind.".into()))?;
    let sample = kind.sample_values(&brand.name, brand.support_email.as_deref().unwrap_or(""), &user.email);
    let mut mail = emails::branded_email(&ctx.state.store, &brand, kind, &user.email, &sample).await?;
    mail.subject = format!("[Test] {}", mail.subject);
    ctx.state.store.queue_email(mail, ctx.now()).await.map_err(store_error)
}

/// Invites a customer of the white-label partner: the account lives in the
/// partner's brand and the emailed link opens on its verified domain, the
/// only place the customer can sign in.
pub async fn invite_customer(ctx: &Ctx, org: Option<i64>, email: &str, name: &str) -> Result<(), AppError> {
    use crate::domain::account::parse_display_name;
    use crate::domain::role::Role;
    use crate::domain::token::TokenPurpose;
    use crate::server::store::NewToken;
    let user = ctx.require_user().await?;
    let (org, brand) = own_brand(ctx, &user, org).await?;
    let mut checks = Checks::default();
    let email = checks.check("email", Email::parse(email));
    let name = checks.check("display_name", parse_display_name(name));
    checks.finish()?;
    let (Some(email), Some(name)) = (email, name) else { return Err(AppError::Internal) };
    let store = &ctx.state.store;
    let domain = store
        .brand_domains(brand.id)
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|d| d.verified_at_ms.is_some())
        .ok_or_else(|| AppError::Refused("Verify a custom domain first: customers sign in there.".into()))?;
    let base = ctx.url_for_domain(&domain.domain);
    let now = ctx.now();
    let (raw, hash) = crate::server::auth::new_token();
    let link = format!("{base}/invitation?token={raw}");
    let wording = Wording::Invitation { name: name.clone(), inviter: user.display_name.clone(), link };
    let mail = emails::compose(store, Some(&brand), &ctx.meta.brand.name, email.as_str(), &wording).await?;
    let token = NewToken {
        token_hash: hash,
        brand_id: brand.id,
        email: email.to_string(),
        user_id: None,
        role: Some(Role::Customer),
        display_name: Some(name),
        org: None,
        created_by: Some(user.id),
        created_at: now,
        expires_at: now + TokenPurpose::Invitation.lifetime(),
    };
    let a = ctx
        .audit(
            Some(&user),
            audit::INVITATION_SENT,
            format!("email:{email}"),
            json!({ "after": { "email": email.as_str(), "role": "customer", "organisation": org, "brand": brand.id } }),
        )
        .about(org);
    store.create_invitation(token, mail, a).await.map_err(|e| match store_error(e) {
        AppError::Conflict(m) => AppError::field("email", m),
        other => other,
    })
}

pub async fn add_domain(ctx: &Ctx, org: Option<i64>, domain: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, brand) = own_brand(ctx, &user, org).await?;
    let domain = parse_domain(domain).map_err(|e| AppError::field("domain", e.to_string()))?;
    if is_program_host(ctx, &domain) {
        return Err(AppError::field("domain", "That is the program's own address; use a domain of yours."));
    }
    let (token, _) = crate::server::auth::new_token();
    let a = ctx
        .audit(Some(&user), audit::DOMAIN_ADDED, format!("organisation:{org}"), json!({ "domain": domain }))
        .about(org);
    let done = ctx.state.store.request_domain(brand.id, &domain, &format!("pp-{token}"), a).await.map_err(store_error);
    ctx.state.brands.forget();
    done
}

pub async fn remove_domain(ctx: &Ctx, org: Option<i64>, domain: &str) -> Result<(), AppError> {
    let user = ctx.require_user().await?;
    let (org, brand) = own_brand(ctx, &user, org).await?;
    let a = ctx
        .audit(Some(&user), audit::DOMAIN_REMOVED, format!("organisation:{org}"), json!({ "domain": domain }))
        .about(org);
    let done = ctx.state.store.remove_domain(brand.id, domain, a).await.map_err(store_error);
    ctx.state.brands.forget();
    done
}

/// Looks the domain's TXT record up now and records the outcome.
pub async fn verify_domain(ctx: &Ctx, org: Option<i64>, domain: &str) -> Result<bool, AppError> {
    let user = ctx.require_user().await?;
    let (_, brand) = own_brand(ctx, &user, org).await?;
    let store = &ctx.state.store;
    let record = store
        .brand_domains(brand.id)
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|d| d.domain == domain)
        .ok_or(AppError::NotFound)?;
    let outcome = ctx.state.verifier.check(&record.domain, &record.token).await;
    store
        .domain_checked(&record.domain, outcome.as_ref().map(|_| ()).map_err(String::as_str), ctx.now())
        .await
        .map_err(store_error)?;
    ctx.state.brands.forget();
    Ok(outcome.is_ok())
}

/// Re-checks verified domains not checked for a day; several instances
/// share the work (each check is claimed once).
pub async fn recheck_domains_once(
    state: &crate::server::state::AppState,
) -> Result<usize, crate::server::store::StoreError> {
    let now = state.clock.now();
    let due = state.store.claim_domain_checks(now - chrono::Duration::hours(24), now).await?;
    for (domain, token) in &due {
        let outcome = state.verifier.check(domain, token).await;
        if let Err(e) = &outcome {
            tracing::warn!(domain, error = %e, "custom domain check failed");
        }
        state.store.domain_checked(domain, outcome.as_ref().map(|_| ()).map_err(String::as_str), now).await?;
        state.brands.forget();
    }
    Ok(due.len())
}
