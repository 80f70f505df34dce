//! Server functions: one file per feature. Each is thin: build the request
//! context, call a service, return its result. Server-only imports live
//! inside the function bodies so the browser build never sees them.

pub mod admin;
pub mod auth;
pub mod branding;
pub mod certification;
pub mod deals;
pub mod funds;
pub mod integration;
pub mod leads;
pub mod marketplace;
pub mod oauth;
pub mod partners;
pub mod revenue;
pub mod scorecard;
pub mod support;
