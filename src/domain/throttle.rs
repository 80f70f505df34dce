//! Limits on attempts: sign-ins, applications, password resets and
//! invitations. Each limit allows `max` attempts per key in a fixed window
//! (the window an instant falls in, the same on every instance). An attempt
//! is counted before the expensive or revealing work, in one atomic step, so
//! concurrent attempts cannot all slip under the limit; a sign-in that
//! succeeds gives its count back, so the counts are of failures.
//!
//! Sign-in follows OWASP's advice on lockout denial of service: the tight
//! limit is per account *and* client address, so someone guessing from one
//! address cannot lock the owner out elsewhere; a higher ceiling per account
//! bounds guessing from many addresses, and one per address bounds one
//! address trying many accounts.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is counted; part of the stored key.
    pub scope: &'static str,
    pub max: i64,
    pub window_minutes: i64,
    /// Counted per client address alone, so many people behind one address
    /// (an office, a proxy without `APP_TRUSTED_PROXIES`) share it.
    pub per_address: bool,
}

const fn limit(scope: &'static str, max: i64, window_minutes: i64) -> Limit {
    Limit { scope, max, window_minutes, per_address: false }
}

const fn address_limit(scope: &'static str, max: i64, window_minutes: i64) -> Limit {
    Limit { scope, max, window_minutes, per_address: true }
}

/// Failed sign-ins to one account from one client address.
pub const SIGN_IN_ACCOUNT_ADDRESS: Limit = limit("sign_in:account_address", 5, 15);
/// Failed sign-ins to one account from anywhere.
pub const SIGN_IN_ACCOUNT: Limit = limit("sign_in:account", 50, 15);
/// Failed sign-ins from one client address to any account (offices share
/// addresses, so higher than per account).
pub const SIGN_IN_ADDRESS: Limit = address_limit("sign_in:address", 20, 15);
/// Applications from one client address.
pub const APPLY_ADDRESS: Limit = address_limit("apply:address", 5, 60);
/// Requests to be contacted by a partner, from one client address.
pub const REFER_ADDRESS: Limit = address_limit("refer:address", 5, 60);
/// Password-reset requests from one client address.
pub const RESET_ADDRESS: Limit = address_limit("reset:address", 10, 60);
/// Reset emails to one mailbox, whoever asks.
pub const RESET_MAILBOX: Limit = limit("reset:mailbox", 3, 60);
/// Invitations accepted and passwords set by link, from one client address.
pub const LINK_ADDRESS: Limit = address_limit("link:address", 20, 60);

impl Limit {
    pub fn window(self) -> Duration {
        Duration::minutes(self.window_minutes)
    }

    /// The start of the window `now` falls in, in Unix milliseconds.
    pub fn window_start_ms(self, now: DateTime<Utc>) -> i64 {
        let ms = now.timestamp_millis();
        ms - ms.rem_euclid(self.window().num_milliseconds())
    }

    /// The limit with a per-address maximum multiplied by `factor` (for a
    /// deployment where many people share one address); others unchanged.
    pub fn scaled(self, factor: i64) -> Limit {
        if self.per_address {
            Limit { max: self.max.saturating_mul(factor.max(1)), ..self }
        } else {
            self
        }
    }

    /// Whether the `count`-th attempt in the window goes over the limit.
    pub fn exceeded_by(self, count: i64) -> bool {
        count > self.max
    }

    /// When the window `now` falls in ends.
    pub fn resets_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.window_start_ms(now)).unwrap_or(now) + self.window()
    }
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
        DateTime::from_timestamp(1_700_000_100, 0).unwrap()
    }

    #[test]
    fn the_attempt_after_the_maximum_is_refused() {
        assert!(!SIGN_IN_ACCOUNT_ADDRESS.exceeded_by(5));
        assert!(SIGN_IN_ACCOUNT_ADDRESS.exceeded_by(6));
    }

    #[test]
    fn instants_in_one_window_share_its_start_and_the_next_window_starts_afresh() {
        let l = SIGN_IN_ACCOUNT_ADDRESS;
        let start = l.window_start_ms(t0());
        assert_eq!(start % (15 * 60_000), 0);
        assert!(start <= t0().timestamp_millis());
        let same = DateTime::from_timestamp_millis(start + 14 * 60_000).unwrap();
        assert_eq!(l.window_start_ms(same), start);
        assert_eq!(l.window_start_ms(l.resets_at(t0())), start + 15 * 60_000);
    }

    #[test]
    fn the_owners_own_address_has_a_limit_tighter_than_the_account_ceiling() {
        let maxima = [SIGN_IN_ACCOUNT_ADDRESS.max, SIGN_IN_ADDRESS.max, SIGN_IN_ACCOUNT.max];
        assert!(maxima.windows(2).all(|w| w[0] < w[1]), "{maxima:?}");
        let scopes = [SIGN_IN_ACCOUNT_ADDRESS, SIGN_IN_ACCOUNT, SIGN_IN_ADDRESS, APPLY_ADDRESS, RESET_ADDRESS];
        let mut names: Vec<_> = scopes.iter().map(|l| l.scope).collect();
        names.dedup();
        assert_eq!(names.len(), scopes.len(), "every limit counts apart");
    }

    #[test]
    fn only_per_address_limits_scale_for_shared_addresses() {
        assert_eq!(APPLY_ADDRESS.scaled(10).max, 50);
        assert_eq!(SIGN_IN_ACCOUNT_ADDRESS.scaled(10).max, SIGN_IN_ACCOUNT_ADDRESS.max);
        assert_eq!(SIGN_IN_ACCOUNT.scaled(10).max, SIGN_IN_ACCOUNT.max);
        assert_eq!(RESET_MAILBOX.scaled(10).max, RESET_MAILBOX.max);
    }

    #[test]
    fn waiting_time_is_rounded_up_to_whole_minutes() {
        assert_eq!(minutes_to_wait(t0() + Duration::seconds(61), t0()), 2);
        assert_eq!(minutes_to_wait(t0(), t0() + Duration::seconds(5)), 0);
    }
}
