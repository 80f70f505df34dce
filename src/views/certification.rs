//! What the certification pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::certification::{CertEvent, CertState, SupportTier};
use serde::{Deserialize, Serialize};

pub use crate::domain::certification::TimelineEntry;

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
