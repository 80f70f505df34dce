//! The brand serving each host, remembered briefly (see `BrandCache`).

use super::store::{Store, StoreError};
use crate::domain::brand::Brand;

/// Which brand serves a host, remembered for a few seconds: every request
/// asks, and brands change rarely. This instance forgets at once when it
/// changes a brand or a domain (`forget`); other instances see the change
/// within `BRAND_TTL`.
#[derive(Default)]
pub struct BrandCache {
    hosts: std::sync::Mutex<std::collections::HashMap<String, (Option<Brand>, std::time::Instant)>>,
    program: std::sync::Mutex<Option<(Brand, std::time::Instant)>>,
}

pub const BRAND_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Hosts remembered at most; past it the cache starts again, so a flood of
/// made-up host names cannot grow it without limit.
const MAX_HOSTS: usize = 10_000;

impl BrandCache {
    /// The brand of a verified custom domain, if any.
    pub async fn lookup(&self, store: &dyn Store, domain: &str) -> Result<Option<Brand>, StoreError> {
        if let Some((b, at)) = self.hosts.lock().ok().and_then(|h| h.get(domain).cloned()) {
            if at.elapsed() < BRAND_TTL {
                return Ok(b);
            }
        }
        let found = store.brand_for_domain(domain).await?;
        if let Ok(mut h) = self.hosts.lock() {
            if h.len() >= MAX_HOSTS {
                h.clear();
            }
            h.insert(domain.to_owned(), (found.clone(), std::time::Instant::now()));
        }
        Ok(found)
    }

    /// The program's own brand.
    pub async fn default(&self, store: &dyn Store) -> Result<Brand, StoreError> {
        if let Some((b, at)) = self.program.lock().ok().and_then(|p| p.clone()) {
            if at.elapsed() < BRAND_TTL {
                return Ok(b);
            }
        }
        let b = store.default_brand().await?;
        if let Ok(mut p) = self.program.lock() {
            *p = Some((b.clone(), std::time::Instant::now()));
        }
        Ok(b)
    }

    pub fn forget(&self) {
        if let Ok(mut h) = self.hosts.lock() {
            h.clear();
        }
        if let Ok(mut p) = self.program.lock() {
            *p = None;
        }
    }
}
