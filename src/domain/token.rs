//! One-time links (password reset, invitation): what they are for, how long
//! they live, and whether one may still be used.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenPurpose {
    PasswordReset,
    Invitation,
    /// An application's emailed link: confirms the address and sets the
    /// applicant's first password, on the welcome page only.
    Application,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::Application => "application",
        }
    }

    /// A reset link is short-lived because it grants an account; an
    /// invitation, or the link sent with an application, waits for someone
    /// who may be away for a few days.
    pub fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::PasswordReset => Duration::hours(1),
            TokenPurpose::Invitation | TokenPurpose::Application => Duration::days(7),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("This link is not valid. Ask for a new one.")]
    Unknown,
    #[error("This link has expired. Ask for a new one.")]
    Expired,
    #[error("This link has already been used. Ask for a new one.")]
    Used,
}

/// Decides whether a stored token may be redeemed at `now`.
pub fn check_redeemable(
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    if used_at.is_some() {
        return Err(TokenError::Used);
    }
    if now >= expires_at {
        return Err(TokenError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn a_fresh_unused_token_is_redeemable() {
        let exp = t0() + TokenPurpose::PasswordReset.lifetime();
        assert_eq!(check_redeemable(exp, None, t0()), Ok(()));
    }

    #[test]
    fn a_reset_link_expires_after_an_hour() {
        let exp = t0() + TokenPurpose::PasswordReset.lifetime();
        assert_eq!(check_redeemable(exp, None, t0() + Duration::minutes(59)), Ok(()));
        assert_eq!(check_redeemable(exp, None, t0() + Duration::hours(1)), Err(TokenError::Expired));
    }

    #[test]
    fn an_invitation_lasts_a_week() {
        let exp = t0() + TokenPurpose::Invitation.lifetime();
        assert_eq!(check_redeemable(exp, None, t0() + Duration::days(6)), Ok(()));
        assert_eq!(check_redeemable(exp, None, t0() + Duration::days(7)), Err(TokenError::Expired));
    }

    #[test]
    fn a_used_token_is_refused_even_before_expiry() {
        let exp = t0() + Duration::hours(1);
        assert_eq!(check_redeemable(exp, Some(t0()), t0()), Err(TokenError::Used));
    }
}
