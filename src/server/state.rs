//! Everything a request handler may need, built once at start-up and handed
//! to server functions through Leptos context.

use super::clock::Clock;
use super::config::Config;
use super::store::Store;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Looks up custom domains' verification records.
    pub verifier: Arc<super::dns::DomainVerifier>,
    /// API calls waiting to be logged.
    pub traffic: Arc<super::traffic::TrafficLog>,
    /// Which brand serves which host, remembered briefly.
    pub brands: Arc<super::brand_cache::BrandCache>,
    /// The keys OAuth access tokens are signed with.
    pub tokens: Arc<super::tokens::KeyRing>,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
