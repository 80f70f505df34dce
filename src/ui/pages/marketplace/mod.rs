//! The marketplace: partners' listings, their review, and the public
//! directory with each partner's showcase, leads and deal registration.

mod deals;
mod directory;
mod editor;
mod leads;
mod pictures;
mod queue;

pub use deals::{DealsPage, ProgramDealsPage};
pub use directory::{MarketplacePage, MarketplacePartnerPage};
pub use editor::ListingEditorPage;
pub use leads::{LeadsPage, ProgramLeadsPage};
pub use queue::ListingQueuePage;
