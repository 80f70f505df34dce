//! The password policy (OWASP ASVS level 1): long enough, not absurdly long,
//! and not one of the passwords every attacker tries first.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least {MIN_CHARS} characters.")]
    TooShort,
    #[error("Use at most {MAX_CHARS} characters.")]
    TooLong,
    #[error("This password is too common; choose another.")]
    TooCommon,
    #[error("Don't use your email address as your password.")]
    SameAsEmail,
    #[error("The two passwords don't match.")]
    Mismatch,
}

pub const MIN_CHARS: usize = 12;
/// argon2 accepts more, but a cap keeps hashing time bounded.
pub const MAX_CHARS: usize = 128;

const COMMON: &[&str] = &[
    "123456789012",
    "password1234",
    "passwordpassword",
    "qwertyuiopas",
    "111111111111",
    "letmeinletmein",
    "administrator",
    "changemechangeme",
    "welcome12345",
    "iloveyou1234",
    "partnerportal",
    "000000000000",
    "abcdefghijkl",
    "password123!",
    "qwerty123456",
];

/// Checks a new password against the policy. `email` is the account's address.
pub fn check_new_password(password: &str, confirm: &str, email: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered.as_str()) || lowered.chars().all(|c| lowered.starts_with(c)) {
        return Err(PasswordError::TooCommon);
    }
    if !email.is_empty() && lowered == email.to_lowercase() {
        return Err(PasswordError::SameAsEmail);
    }
    if password != confirm {
        return Err(PasswordError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_unusual_password_is_accepted() {
        assert_eq!(check_new_password("correct horse battery", "correct horse battery", "a@example.com"), Ok(()));
    }

    #[test]
    fn a_short_password_is_refused() {
        assert_eq!(check_new_password("short", "short", ""), Err(PasswordError::TooShort));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = "ééééééééééé"; // 11 characters, 22 bytes
        assert_eq!(check_new_password(p, p, ""), Err(PasswordError::TooShort));
    }

    #[test]
    fn an_overlong_password_is_refused() {
        let p = "x".repeat(MAX_CHARS) + "yz";
        assert_eq!(check_new_password(&p, &p, ""), Err(PasswordError::TooLong));
    }

    #[test]
    fn common_and_repeated_passwords_are_refused() {
        assert_eq!(check_new_password("Password1234", "Password1234", ""), Err(PasswordError::TooCommon));
        assert_eq!(check_new_password("aaaaaaaaaaaaaa", "aaaaaaaaaaaaaa", ""), Err(PasswordError::TooCommon));
    }

    #[test]
    fn the_email_address_is_not_a_password() {
        assert_eq!(
            check_new_password("Ada@example.com", "Ada@example.com", "ada@example.com"),
            Err(PasswordError::SameAsEmail)
        );
    }

    #[test]
    fn the_confirmation_must_match() {
        assert_eq!(
            check_new_password("correct horse battery", "correct horse batterx", ""),
            Err(PasswordError::Mismatch)
        );
    }
}
