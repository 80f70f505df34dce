//! The types that cross the wire between server functions and pages, one
//! file per feature. Compiled for the server and the browser; they depend
//! only on `domain`. Services build them, pages render them.

pub mod admin;
pub mod branding;
pub mod certification;
pub mod deals;
pub mod form;
pub mod funds;
pub mod integration;
pub mod leads;
pub mod marketplace;
pub mod oauth;
pub mod partners;
pub mod revenue;
pub mod scorecard;
pub mod support;
