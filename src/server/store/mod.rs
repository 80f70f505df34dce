//! Persistence. `Store` is the one door to the database: each method is a use
//! case that commits as a whole (including the audit and outbox rows it
//! implies) or not at all. Two implementations share their SQL text through
//! the `sql_store!` macro in `sql.rs`; the few statements that differ per
//! engine live in `sqlite.rs` and `postgres.rs`.

mod common;
mod sessions;
#[macro_use]
mod sql;
#[macro_use]
mod partners;
#[macro_use]
mod certification;
#[macro_use]
mod revenue;
#[macro_use]
mod brands;
#[macro_use]
mod keys;
#[macro_use]
mod api_log;
#[macro_use]
mod webhooks;
#[macro_use]
mod support;
#[macro_use]
mod funds;
#[macro_use]
mod market;
#[macro_use]
mod leads;
#[macro_use]
mod deals;
#[macro_use]
mod oauth;
mod postgres;
mod sqlite;

pub use api_log::*;
pub use brands::*;
pub use certification::*;
pub use common::*;
pub use deals::*;
pub use funds::*;
pub use keys::*;
pub use leads::*;
pub use market::*;
pub use oauth::*;
pub use partners::*;
pub use postgres::PgStore;
pub use revenue::*;
pub use sessions::AnySessionStore;
pub use sql::CoreStore;
pub use sqlite::SqliteStore;
pub use support::*;
pub use webhooks::*;

use std::sync::Arc;
use std::time::Duration;

/// Declares `Store` as all its parts together, and implements it for
/// anything that implements every part, from one list.
macro_rules! umbrella {
    ($(#[$doc:meta])* $($part:ident),+) => {
        $(#[$doc])*
        pub trait Store: $($part +)+ Send + Sync + 'static {}

        impl<T> Store for T where T: $($part +)+ Send + Sync + 'static {}
    };
}

umbrella!(
    /// The one door to the database: every feature's use cases. Each part is
    /// a trait of its own beside its SQL; both engines implement them all.
    CoreStore,
    PartnerStore,
    CertStore,
    RevenueStore,
    BrandStore,
    KeyStore,
    ApiLogStore,
    WebhookStore,
    SupportStore,
    FundStore,
    MarketStore,
    LeadStore,
    DealStore,
    OAuthStore
);

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// How long a request waits for a connection before the database counts
    /// as unavailable (a 503, not a hang).
    pub acquire_timeout: Duration,
    /// Apply missing migrations at start (development, single instances);
    /// otherwise refuse to start if this build needs one (`partner-portal
    /// migrate` runs them as a deploy step).
    pub migrate: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { acquire_timeout: Duration::from_secs(5), migrate: true }
    }
}

/// Opens the database named by `url` (`sqlite:…` or `postgres:…`), creating a
/// SQLite file if needed, and applies migrations.
pub async fn connect(url: &str) -> anyhow::Result<(Arc<dyn Store>, AnySessionStore)> {
    connect_with(url, &DbOptions::default()).await
}

pub async fn connect_with(url: &str, options: &DbOptions) -> anyhow::Result<(Arc<dyn Store>, AnySessionStore)> {
    let (store, sessions): (Arc<dyn Store>, AnySessionStore) = if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url, options.acquire_timeout).await?;
        let sessions = AnySessionStore::sqlite(store.pool().clone(), store.write_pool().clone()).await?;
        (Arc::new(store), sessions)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PgStore::connect(url, options.acquire_timeout).await?;
        let sessions = AnySessionStore::postgres(store.pool().clone()).await?;
        (Arc::new(store), sessions)
    } else {
        anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:")
    };
    if options.migrate {
        store.migrate().await?;
    } else {
        let pending = store.pending_migrations().await?;
        if !pending.is_empty() {
            anyhow::bail!(
                "the database lacks migrations this build needs ({}): run `partner-portal migrate` first",
                pending.join(", ")
            );
        }
    }
    Ok((store, sessions))
}
