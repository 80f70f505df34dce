//! OAuth apps on Developers, and the consent screen's reading.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
pub use crate::views::oauth::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn back(org: Option<i64>, flag: &str) -> String {
    match org {
        Some(o) => format!("/developers/apps?org={o}&{flag}"),
        None => format!("/developers/apps?{flag}"),
    }
}

#[server]
pub async fn get_oauth_apps(org: Option<i64>) -> Result<OAuthAppsView, AppError> {
    use crate::server::{context::serve, services::oauth};
    serve(|ctx| async move { oauth::apps_view(&ctx, org).await }).await
}

/// Scopes arrive as one checkbox each, so the form works without JavaScript.
#[server]
pub async fn register_oauth_app(
    org: Option<i64>,
    name: String,
    kind: String,
    environment: String,
    redirect_uris: String,
    cert_bound: Option<String>,
    agents_read: Option<String>,
    agents_write: Option<String>,
    events_write: Option<String>,
    webhooks_manage: Option<String>,
    certification_read: Option<String>,
    leads_read: Option<String>,
    deals_read: Option<String>,
    deals_write: Option<String>,
    revenue_read: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{context::serve, services::oauth};
    serve(|ctx| async move {
        let scopes = crate::api::integration::checked_scopes([
            agents_read,
            agents_write,
            events_write,
            webhooks_manage,
            certification_read,
            leads_read,
            deals_read,
            deals_write,
            revenue_read,
        ]);
        let form =
            oauth::ClientForm { name, kind, environment, redirect_uris, scopes, cert_bound: cert_bound.is_some() };
        let id = oauth::register_client(&ctx, org, form).await?;
        leptos_axum::redirect(&back(org, &format!("registered={id}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn revoke_oauth_app(org: Option<i64>, id: i64) -> Result<(), AppError> {
    use crate::server::{context::serve, services::oauth};
    serve(|ctx| async move {
        oauth::revoke_client(&ctx, org, id).await?;
        leptos_axum::redirect(&back(org, &format!("revoked={id}")));
        Ok(())
    })
    .await
}

/// The consent screen for an authorization request; a request the app
/// should hear about sends the browser back to it at once.
#[server]
pub async fn get_consent(request: AuthorizeRequest) -> Result<ConsentView, AppError> {
    use crate::server::{context::serve, services::oauth};
    serve(|ctx| async move {
        let view = oauth::consent(&ctx, request).await?;
        if let ConsentView::Return { url } = &view {
            leptos_axum::redirect(url);
        }
        Ok(view)
    })
    .await
}
