//! Sign-in throttling: after too many recent failures for one account or one
//! client address, sign-in is refused without checking the password until
//! the window has moved on.

use chrono::{DateTime, Duration, Utc};

/// Failed attempts within this window count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures per account before it is locked for the rest of the window.
pub const MAX_PER_ACCOUNT: usize = 5;
/// Failures per client address; higher because offices share addresses.
pub const MAX_PER_ADDRESS: usize = 20;

pub fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

/// Given the times of recent failures (any order) and a limit, returns when
/// the next attempt is allowed, or `None` if one is allowed now.
pub fn blocked_until(failures: &[DateTime<Utc>], limit: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut recent: Vec<_> = failures.iter().copied().filter(|t| *t > now - window()).collect();
    if recent.len() < limit {
        return None;
    }
    recent.sort();
    // The attempt becomes possible when enough failures have aged out that
    // fewer than `limit` remain in the window.
    let oldest_that_must_expire = recent[recent.len() - limit];
    Some(oldest_that_must_expire + window())
}

/// Whole minutes to wait, rounded up, for a message to the user.
pub fn minutes_to_wait(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (until - now).num_seconds().max(0);
    (secs + 59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn fewer_failures_than_the_limit_do_not_block() {
        let f: Vec<_> = (0..4).map(|i| t0() + Duration::seconds(i)).collect();
        assert_eq!(blocked_until(&f, MAX_PER_ACCOUNT, t0() + Duration::seconds(10)), None);
    }

    #[test]
    fn reaching_the_limit_blocks_until_the_oldest_failure_ages_out() {
        let f: Vec<_> = (0..5).map(|i| t0() + Duration::minutes(i)).collect();
        let now = t0() + Duration::minutes(5);
        assert_eq!(blocked_until(&f, 5, now), Some(t0() + window()));
        assert_eq!(minutes_to_wait(t0() + window(), now), 10);
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let f: Vec<_> = (0..5).map(|i| t0() + Duration::seconds(i)).collect();
        assert_eq!(blocked_until(&f, 5, t0() + window() + Duration::seconds(1)), None);
    }

    #[test]
    fn waiting_time_is_rounded_up_to_whole_minutes() {
        assert_eq!(minutes_to_wait(t0() + Duration::seconds(61), t0()), 2);
        assert_eq!(minutes_to_wait(t0(), t0() + Duration::seconds(5)), 0);
    }
}
