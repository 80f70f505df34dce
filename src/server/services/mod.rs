//! Use cases: validate input, apply domain rules, call the store. Server
//! functions call these and do nothing else but map errors.

pub mod accounts;
pub mod billing;
pub mod branding;
pub mod certification;
pub mod deals;
pub mod explorer;
pub mod funds;
pub mod home;
pub mod inbox;
pub mod integration;
pub mod leads;
pub mod marketplace;
pub mod oauth;
pub mod partner_overview;
pub mod partners;
pub mod revenue;
pub mod scorecard;
pub mod support;
pub mod webhooks;
