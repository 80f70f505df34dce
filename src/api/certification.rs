//! Certification: the partner's standing, its timeline, and the events that
//! move it.

use crate::api::error::AppError;
pub use crate::domain::certification::TimelineEntry;
use crate::domain::certification::{CertEvent, CertState, SupportTier};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertView {
    pub organisation_id: i64,
    pub organisation: String,
    pub state: CertState,
    pub interrupted: Option<CertState>,
    pub version: i64,
    pub state_since_ms: i64,
    pub certified_at_ms: Option<i64>,
    pub timeline: Vec<TimelineEntry>,
    /// The events the viewer may fire now.
    pub allowed: Vec<CertEvent>,
    pub tier: SupportTier,
    pub next_step: String,
}

/// A partner in a queue or list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub organisation_id: i64,
    pub organisation: String,
    pub state: CertState,
    pub since_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertOverview {
    pub now_ms: i64,
    /// Submissions in review, oldest first.
    pub review: Vec<Waiting>,
    /// Recertifications open for more than 60 days.
    pub stale_recertifications: Vec<Waiting>,
    /// Per state: partners now in it, and the median days spent in it.
    pub funnel: Vec<(CertState, usize, Option<i64>)>,
    /// The ten partners longest in their current state (not yet listed).
    pub longest_waiting: Vec<Waiting>,
}

#[server]
pub async fn get_certification(org: Option<i64>) -> Result<CertView, AppError> {
    use crate::server::{context::Ctx, services::certification};
    crate::server::context::respond(async move { certification::view(&Ctx::load().await?, org).await }.await)
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
    use crate::server::{context::Ctx, services::certification};
    crate::server::context::respond(
        async move {
            certification::fire(&Ctx::load().await?, org, version, &event, &note, &evidence).await?;
            leptos_axum::redirect(&safe_redirect_target(Some(&back)));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn get_certification_overview() -> Result<CertOverview, AppError> {
    use crate::server::{context::Ctx, services::certification};
    crate::server::context::respond(async move { certification::overview(&Ctx::load().await?).await }.await)
}
