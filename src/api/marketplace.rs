//! The marketplace: a partner's listing, its review, and the public
//! directory with each listed partner's page.
// Server functions take a form's fields one by one.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
pub use crate::views::marketplace::*;
use leptos::prelude::*;

#[server]
pub async fn get_listing(org: Option<i64>) -> Result<ListingPage, AppError> {
    use crate::server::{context::serve, services::marketplace};
    serve(|ctx| async move { marketplace::page(&ctx, org).await }).await
}

/// A partner's owner saves the listing as a draft. The choice lists come
/// as repeated fields (`integrations[]`), one per ticked box; a list with
/// no box ticked is not sent at all.
#[server]
pub async fn save_listing(
    name: String,
    short_description: String,
    long_description: String,
    kind: Option<String>,
    category: Option<String>,
    integrations: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    industries: Option<Vec<String>>,
    website: String,
    support_email: String,
    docs_url: Option<String>,
    setup_steps: String,
) -> Result<i64, AppError> {
    use crate::domain::marketplace::ListingInput;
    use crate::server::{context::serve, services::marketplace};
    let listing = ListingInput {
        name,
        short_description,
        long_description,
        kind: kind.unwrap_or_default(),
        category: category.unwrap_or_default(),
        integrations: integrations.unwrap_or_default(),
        regions: regions.unwrap_or_default(),
        industries: industries.unwrap_or_default(),
        website,
        support_email,
        docs_url: docs_url.unwrap_or_default(),
        setup_steps,
    };
    serve(|ctx| async move {
        let number = marketplace::save(&ctx, &listing).await?;
        leptos_axum::redirect("/listing?saved=1");
        Ok(number)
    })
    .await
}

#[server]
pub async fn submit_listing() -> Result<i64, AppError> {
    use crate::server::{context::serve, services::marketplace};
    serve(|ctx| async move {
        let number = marketplace::submit(&ctx).await?;
        leptos_axum::redirect("/listing?submitted=1");
        Ok(number)
    })
    .await
}

#[server]
pub async fn get_listing_queue() -> Result<ListingQueue, AppError> {
    use crate::server::{context::serve, services::marketplace};
    serve(|ctx| async move { marketplace::queue(&ctx).await }).await
}

/// A manager approves version `number` of a partner's listing or sends it
/// back with a note.
#[server]
pub async fn decide_listing(org: i64, number: i64, decision: String, note: Option<String>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::marketplace};
    serve(|ctx| async move {
        let to = marketplace::decide(&ctx, org, number, &decision, note.as_deref().unwrap_or_default()).await?;
        leptos_axum::redirect(&format!("/listing?org={org}&decided={}", to.key()));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_directory(
    q: Option<String>,
    r#type: Option<String>,
    category: Option<String>,
    integration: Option<String>,
    region: Option<String>,
    industry: Option<String>,
    page: Option<usize>,
) -> Result<DirectoryPage, AppError> {
    use crate::domain::marketplace::DirectoryFilter;
    use crate::server::{context::serve, services::marketplace};
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let filter =
        DirectoryFilter::read(&s(&q), &s(&r#type), &s(&category), &s(&integration), &s(&region), &s(&industry));
    serve(|ctx| async move { marketplace::directory(&ctx, filter, page.unwrap_or(1)).await }).await
}

#[server]
pub async fn get_public_listing(slug: String) -> Result<PublicListing, AppError> {
    use crate::server::{context::serve, services::marketplace};
    serve(|ctx| async move { marketplace::public_listing(&ctx, &slug).await }).await
}
