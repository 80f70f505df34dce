//! What the marketplace pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::certification::SupportTier;
use crate::domain::marketplace::{DirectoryEntry, DirectoryFilter, Listing, ListingInput, ListingQueueItem};
use serde::{Deserialize, Serialize};

/// A partner's listing editor (its owners) or a manager's view of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPage {
    pub organisation_id: i64,
    pub organisation: String,
    /// The partner's owners write; members and staff read.
    pub can_write: bool,
    /// Why the partner cannot write a listing yet (its certification).
    pub not_yet: Option<String>,
    pub staff: bool,
    pub listing: Option<Listing>,
    /// The form's fields: the latest version, or a start from the
    /// partner's application.
    pub draft: ListingInput,
    /// The directory page's address while the listing shows.
    pub public_path: Option<String>,
}

/// Listings waiting for a manager, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingQueue {
    pub items: Vec<ListingQueueItem>,
}

/// One page of the public directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub program: String,
    pub entries: Vec<DirectoryEntry>,
    pub total: i64,
    pub page: usize,
    pub pages: usize,
    pub filter: DirectoryFilter,
    /// When the "ask the partner team" form was drawn, signed.
    pub form_started: String,
}

/// A partner's public page: its listing and integration showcase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicListing {
    pub program: String,
    pub entry: DirectoryEntry,
    pub support_tier: SupportTier,
    /// When the contact form was drawn, signed (`services::leads`).
    pub form_started: String,
}
