//! Counting attempts against the limits of `domain::throttle`, in the
//! database so every instance shares the counts, before the expensive or
//! revealing work is done.

use super::context::{store_error, Ctx};
use super::secrets::Secrets;
use crate::domain::throttle::{minutes_to_wait, Limit};
use crate::error::AppError;

/// Attempts counted; a sign-in that succeeds gives them back.
pub struct Counted(Vec<(&'static str, String, i64)>);

/// A limit was reached: when its window ends.
pub struct Exceeded {
    pub limit: Limit,
    pub minutes: i64,
}

impl Exceeded {
    /// The refusal a person reads: what to do and how long to wait.
    pub fn refusal(&self, what: &str) -> AppError {
        AppError::Throttled(format!(
            "Too many {what} from here. Try again in {} minute{}.",
            self.minutes,
            if self.minutes == 1 { "" } else { "s" }
        ))
    }
}

/// Counts one attempt against each `(limit, key)`; the first limit gone over
/// refuses, and a refused attempt is given back everywhere it was counted:
/// it was never tried, so it must not keep the limit shut. (Otherwise a few
/// right passwords sent at once, each counted before its check, would lock
/// the account for the whole window.)
pub async fn count(ctx: &Ctx, limits: &[(Limit, &str)]) -> Result<Result<Counted, Exceeded>, AppError> {
    let secrets = Secrets::of(&ctx.state.config);
    let now = ctx.now();
    let mut counted = Vec::new();
    for (limit, key) in limits {
        let limit = limit.scaled(ctx.state.config.address_limit_factor);
        let hash = secrets.hash_counter_key(limit.scope, key);
        let window = limit.window_start_ms(now);
        let n = ctx.state.store.count_attempt(limit.scope, &hash, window).await.map_err(store_error)?;
        counted.push((limit.scope, hash, window));
        if limit.exceeded_by(n) {
            Counted(counted).give_back(ctx).await;
            return Ok(Err(Exceeded { limit, minutes: minutes_to_wait(limit.resets_at(now), now).max(1) }));
        }
    }
    Ok(Ok(Counted(counted)))
}

impl Counted {
    /// The attempts turned out not to count (the password was right).
    pub async fn give_back(self, ctx: &Ctx) {
        uncount(&*ctx.state.store, self.0).await;
    }

    /// Counted until the outcome is known: see `Provisional`.
    pub fn provisional(self, ctx: &Ctx) -> Provisional {
        Provisional { entries: self.0, store: ctx.state.store.clone() }
    }
}

async fn uncount(store: &dyn super::store::Store, entries: Vec<(&'static str, String, i64)>) {
    for (scope, hash, window) in entries {
        if let Err(e) = store.uncount_attempt(scope, &hash, window).await {
            tracing::warn!(error = %e, "could not give back a counted attempt");
        }
    }
}

/// Attempts that count only if the check they guard fails (a wrong
/// password): `keep` them then, `give_back` when the check passed. Dropped
/// undecided (an error such as a full hashing queue, or the client gone
/// and the request cancelled), they give themselves back, so nothing but a
/// checked failure can fill a limit.
pub struct Provisional {
    entries: Vec<(&'static str, String, i64)>,
    store: std::sync::Arc<dyn super::store::Store>,
}

impl Provisional {
    pub fn keep(mut self) {
        self.entries.clear();
    }

    pub async fn give_back(mut self) {
        uncount(&*self.store, std::mem::take(&mut self.entries)).await;
    }
}

impl Drop for Provisional {
    fn drop(&mut self) {
        if self.entries.is_empty() {
            return;
        }
        let (store, entries) = (self.store.clone(), std::mem::take(&mut self.entries));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { uncount(&*store, entries).await });
        }
    }
}
