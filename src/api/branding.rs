//! White-label branding: the brand's look, logo and custom domains, and the
//! face (name, logo, support contact) every page shows for its brand.

use crate::error::AppError;
pub use crate::views::branding::*;
use leptos::prelude::*;

#[server]
pub async fn get_brand_face() -> Result<BrandFace, AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move { branding::face(&ctx).await }).await
}

#[server]
pub async fn get_branding(org: Option<i64>) -> Result<BrandingView, AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move { branding::view(&ctx, org).await }).await
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
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        let form = branding::LookForm { name, primary, accent, support_email, support_url };
        branding::save(&ctx, org, form).await?;
        leptos_axum::redirect(&back(org, "saved=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn add_custom_domain(org: Option<i64>, domain: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        branding::add_domain(&ctx, org, &domain).await?;
        leptos_axum::redirect(&back(org, "domain=added"));
        Ok(())
    })
    .await
}

#[server]
pub async fn verify_custom_domain(org: Option<i64>, domain: String) -> Result<bool, AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        let ok = branding::verify_domain(&ctx, org, &domain).await?;
        leptos_axum::redirect(&back(org, if ok { "domain=verified" } else { "domain=failed" }));
        Ok(ok)
    })
    .await
}

#[server]
pub async fn invite_customer(org: Option<i64>, email: String, display_name: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        branding::invite_customer(&ctx, org, &email, &display_name).await?;
        leptos_axum::redirect(&back(org, "invited=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn save_email_template(
    org: Option<i64>,
    kind: String,
    subject: String,
    body: String,
) -> Result<(), AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        branding::save_template(&ctx, org, &kind, &subject, &body).await?;
        leptos_axum::redirect(&back(org, &format!("template={kind}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn reset_email_template(org: Option<i64>, kind: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        branding::reset_template(&ctx, org, &kind).await?;
        leptos_axum::redirect(&back(org, &format!("template={kind}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn send_test_email(org: Option<i64>, kind: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        branding::send_test(&ctx, org, &kind).await?;
        leptos_axum::redirect(&back(org, "test_sent=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn remove_custom_domain(org: Option<i64>, domain: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::branding};
    serve(|ctx| async move {
        branding::remove_domain(&ctx, org, &domain).await?;
        leptos_axum::redirect(&back(org, "domain=removed"));
        Ok(())
    })
    .await
}
