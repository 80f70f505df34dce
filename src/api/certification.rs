//! Certification: the partner's standing, its timeline, and the events that
//! move it.

use crate::error::AppError;
pub use crate::views::certification::*;
use leptos::prelude::*;

#[server]
pub async fn get_certification(org: Option<i64>) -> Result<CertView, AppError> {
    use crate::server::{context::serve, services::certification};
    serve(|ctx| async move { certification::view(&ctx, org).await }).await
}

#[server]
pub async fn fire_certification_event(
    org: i64,
    version: i64,
    event: String,
    note: String,
    evidence: String,
    back: String,
) -> Result<(), AppError> {
    use crate::domain::account::safe_redirect_target;
    use crate::server::{context::serve, services::certification};
    serve(|ctx| async move {
        certification::fire(&ctx, org, version, &event, &note, &evidence).await?;
        leptos_axum::redirect(&safe_redirect_target(Some(&back)));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_certification_overview() -> Result<CertOverview, AppError> {
    use crate::server::{context::serve, services::certification};
    serve(|ctx| async move { certification::overview(&ctx).await }).await
}
