//! The partner API's request log, written in batches. Logging each call in
//! its own write transaction doubled the writes of every API read (and
//! SQLite has one writer), so calls are kept here and written together:
//! once a second, when 256 are waiting, before this instance shows anyone
//! their traffic, and at shutdown. A crash loses at most the last second of
//! the log, never an answered change. Keys' last-used times are written at
//! most once a minute per key, which is all the key list shows.

use super::store::{ApiRequestRecord, Store, StoreResult};
use std::collections::HashMap;
use std::sync::Mutex;

/// Calls waiting beyond this (the database is away) are dropped and counted
/// rather than held without limit.
const MAX_PENDING: usize = 10_000;
pub const FLUSH_AT: usize = 256;

#[derive(Default)]
pub struct TrafficLog {
    pending: Mutex<Vec<ApiRequestRecord>>,
    /// Key id → when its use was last written (ms).
    touched: Mutex<HashMap<i64, i64>>,
}

impl TrafficLog {
    /// Keeps a call for the next batch; true when a batch is due now.
    pub fn push(&self, record: ApiRequestRecord) -> bool {
        let Ok(mut pending) = self.pending.lock() else { return false };
        if pending.len() >= MAX_PENDING {
            metrics::counter!("api_log_dropped_total").increment(1);
            return true;
        }
        pending.push(record);
        pending.len() >= FLUSH_AT
    }

    /// Writes what is waiting in one transaction; on failure the calls go
    /// back to wait for the next try.
    pub async fn flush(&self, store: &dyn Store) -> StoreResult<usize> {
        let batch = match self.pending.lock() {
            Ok(mut p) if !p.is_empty() => std::mem::take(&mut *p),
            _ => return Ok(0),
        };
        let n = batch.len();
        if let Err(e) = store.record_api_requests(&batch).await {
            if let Ok(mut p) = self.pending.lock() {
                let room = MAX_PENDING.saturating_sub(p.len());
                p.extend(batch.into_iter().take(room));
            }
            return Err(e);
        }
        Ok(n)
    }

    /// `flush`, with a failure logged (the calls wait for the next try).
    pub async fn write_waiting(&self, store: &dyn Store) {
        if let Err(e) = self.flush(store).await {
            tracing::warn!(error = %e, "API request log");
        }
    }

    /// Whether key `id`'s use at `now_ms` should be written: at most once a
    /// minute per key from this instance.
    pub fn should_touch(&self, id: i64, now_ms: i64) -> bool {
        let Ok(mut touched) = self.touched.lock() else { return true };
        match touched.get(&id) {
            Some(last) if now_ms - last < 60_000 => false,
            _ => {
                touched.insert(id, now_ms);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_use_is_written_at_most_once_a_minute() {
        let log = TrafficLog::default();
        assert!(log.should_touch(1, 0));
        assert!(!log.should_touch(1, 59_999));
        assert!(log.should_touch(2, 59_999), "each key on its own clock");
        assert!(log.should_touch(1, 60_000));
    }

    #[test]
    fn a_batch_is_due_once_enough_calls_wait() {
        let log = TrafficLog::default();
        let record = ApiRequestRecord {
            organisation_id: 1,
            environment: crate::domain::integration::Environment::Sandbox,
            key_id: Some(1),
            method: "GET".into(),
            route: "/api/v1/agents".into(),
            status: 200,
            latency_us: 100,
            at: chrono::Utc::now(),
        };
        let due: Vec<bool> = (0..FLUSH_AT).map(|_| log.push(record.clone())).collect();
        assert!(due[..FLUSH_AT - 1].iter().all(|d| !d));
        assert!(due[FLUSH_AT - 1]);
    }
}
