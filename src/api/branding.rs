//! White-label branding: the brand's look, logo and custom domains, and the
//! face (name, logo, support contact) every page shows for its brand.

use crate::api::error::AppError;
use crate::domain::brand::{Brand, DomainRecord};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainView {
    pub record: DomainRecord,
    /// The TXT record's name to create.
    pub record_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandingView {
    pub organisation_id: i64,
    pub organisation: String,
    /// `None` until the first save.
    pub brand: Option<Brand>,
    pub has_logo: bool,
    pub can_edit: bool,
    pub domains: Vec<DomainView>,
    /// The partner's customers: accounts of its brand.
    pub customers: Vec<crate::domain::account::UserSummary>,
    /// Its emails, each with its wording and a preview with sample values.
    pub templates: Vec<TemplateView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub kind: crate::domain::whitelabel::TemplateKind,
    pub placeholders: Vec<String>,
    /// The partner wrote its own (else the built-in wording shows).
    pub custom: bool,
    pub subject: String,
    pub body: String,
    pub preview_subject: String,
    pub preview_text: String,
}

/// What the page frame shows of the brand the request is served under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandFace {
    pub name: String,
    pub is_default: bool,
    /// The logo's address with a version, if the brand has one.
    pub logo: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
}

#[server]
pub async fn get_brand_face() -> Result<BrandFace, AppError> {
    use crate::server::context::Ctx;
    let ctx = Ctx::load().await?;
    let b = &ctx.meta.brand;
    let has_logo =
        !b.is_default && ctx.state.store.logo(b.id).await.map_err(crate::server::context::store_error)?.is_some();
    Ok(BrandFace {
        name: b.name.clone(),
        is_default: b.is_default,
        logo: has_logo.then(|| format!("/brand/logo?v={}", b.updated_at_ms)),
        support_email: b.support_email.clone(),
        support_url: b.support_url.clone(),
    })
}

#[server]
pub async fn get_branding(org: Option<i64>) -> Result<BrandingView, AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(async move { branding::view(&Ctx::load().await?, org).await }.await)
}

#[cfg(feature = "ssr")]
fn back(org: Option<i64>, flag: &str) -> String {
    match org {
        Some(o) => format!("/branding?org={o}&{flag}"),
        None => format!("/branding?{flag}"),
    }
}

#[server]
pub async fn save_branding(
    org: Option<i64>,
    name: String,
    primary: String,
    accent: String,
    support_email: String,
    support_url: String,
) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            let form = branding::LookForm { name, primary, accent, support_email, support_url };
            branding::save(&Ctx::load().await?, org, form).await?;
            leptos_axum::redirect(&back(org, "saved=1"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn add_custom_domain(org: Option<i64>, domain: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            branding::add_domain(&Ctx::load().await?, org, &domain).await?;
            leptos_axum::redirect(&back(org, "domain=added"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn verify_custom_domain(org: Option<i64>, domain: String) -> Result<bool, AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            let ok = branding::verify_domain(&Ctx::load().await?, org, &domain).await?;
            leptos_axum::redirect(&back(org, if ok { "domain=verified" } else { "domain=failed" }));
            Ok(ok)
        }
        .await,
    )
}

#[server]
pub async fn invite_customer(org: Option<i64>, email: String, display_name: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            branding::invite_customer(&Ctx::load().await?, org, &email, &display_name).await?;
            leptos_axum::redirect(&back(org, "invited=1"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn save_email_template(
    org: Option<i64>,
    kind: String,
    subject: String,
    body: String,
) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            branding::save_template(&Ctx::load().await?, org, &kind, &subject, &body).await?;
            leptos_axum::redirect(&back(org, &format!("template={kind}")));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn reset_email_template(org: Option<i64>, kind: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            branding::reset_template(&Ctx::load().await?, org, &kind).await?;
            leptos_axum::redirect(&back(org, &format!("template={kind}")));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn send_test_email(org: Option<i64>, kind: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            branding::send_test(&Ctx::load().await?, org, &kind).await?;
            leptos_axum::redirect(&back(org, "test_sent=1"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn remove_custom_domain(org: Option<i64>, domain: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::branding};
    crate::server::context::respond(
        async move {
            branding::remove_domain(&Ctx::load().await?, org, &domain).await?;
            leptos_axum::redirect(&back(org, "domain=removed"));
            Ok(())
        }
        .await,
    )
}
