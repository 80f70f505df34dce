//! Integration tests: one binary. Store tests run the same cases on SQLite
//! and PostgreSQL; HTTP tests drive the real router in-process.
//!
//! PostgreSQL is reached at `TEST_POSTGRES_URL` (default: the local server,
//! `postgres://postgres@127.0.0.1:5432/test`); each test gets a fresh
//! database, dropped afterwards.

mod binary;
mod certification;
mod crash;
mod dns_server;
mod fuzz;
mod graphql;
mod helpers;
mod http_abuse;
mod http_auth;
mod http_billing;
mod http_branding;
mod http_deals;
mod http_funds;
mod http_inbox;
mod http_integration;
mod http_invite;
mod http_isolation;
mod http_marketplace;
mod http_oauth;
mod http_operations;
mod http_panics;
mod http_partner_overview;
mod http_partners;
mod http_revenue;
mod http_support;
mod instances;
mod lifecycle;
mod load;
mod mtls;
mod nginx;
mod oauth_interop;
mod outage;
mod program;
mod sdk;
mod seed;
mod startup;
mod store;
mod store_funds;
mod store_partners;
mod store_revenue;
mod upgrade;
