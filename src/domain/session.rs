//! Session lifetime rules, enforced on the server with the injected clock:
//! a session ends after a period without requests (idle) and, whatever the
//! activity, a fixed time after sign-in (absolute).

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits { idle: Duration::minutes(30), absolute: Duration::hours(12) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionVerdict {
    Valid,
    IdleTimeout,
    AbsoluteTimeout,
}

pub fn judge(
    limits: SessionLimits,
    signed_in_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SessionVerdict {
    if now - signed_in_at >= limits.absolute {
        SessionVerdict::AbsoluteTimeout
    } else if now - last_seen_at >= limits.idle {
        SessionVerdict::IdleTimeout
    } else {
        SessionVerdict::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn an_active_session_is_valid() {
        let l = SessionLimits::default();
        assert_eq!(judge(l, t0(), t0() + Duration::minutes(50), t0() + Duration::minutes(60)), SessionVerdict::Valid);
    }

    #[test]
    fn a_session_left_idle_ends() {
        let l = SessionLimits::default();
        assert_eq!(judge(l, t0(), t0(), t0() + Duration::minutes(30)), SessionVerdict::IdleTimeout);
    }

    #[test]
    fn a_busy_session_still_ends_at_the_absolute_limit() {
        let l = SessionLimits::default();
        let now = t0() + Duration::hours(12);
        assert_eq!(judge(l, t0(), now - Duration::seconds(1), now), SessionVerdict::AbsoluteTimeout);
    }
}
