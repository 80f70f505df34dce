//! Passwords, one-time tokens and the signed-in session.
//!
//! argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane) runs on the
//! blocking pool so a burst of sign-ins cannot stall the async workers.
//! One-time tokens are 256 random bits; only their SHA-256 is stored, which
//! is enough for values that cannot be guessed.

use crate::domain::session::{judge, SessionLimits, SessionVerdict};
use crate::error::AppError;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most one password hash per core runs at once (each takes 19 MiB and
/// tens of milliseconds), so a flood of anonymous posts cannot take the
/// machine's memory; a request waits at most `HASH_WAIT` for its turn.
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())))
}

/// How long a request waits for a hashing turn before "busy".
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing turn was taken for longer than `HASH_WAIT`.
    #[error("the server is busy hashing passwords")]
    Busy,
    #[error("hashing failed: {0}")]
    Failed(String),
}

impl From<HashError> for AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => AppError::Busy,
            HashError::Failed(m) => {
                tracing::error!("{m}");
                AppError::Internal
            }
        }
    }
}

/// Runs `work` on the blocking pool once a hashing turn is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
    let _turn = tokio::time::timeout(HASH_WAIT, permits().acquire())
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|_| HashError::Busy)?;
    tokio::task::spawn_blocking(work).await.map_err(|e| HashError::Failed(e.to_string()))
}

pub async fn hash_password(password: String) -> Result<String, HashError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| HashError::Failed(e.to_string()))
}

pub async fn verify_password(password: String, hash: String) -> Result<bool, HashError> {
    hashing(move || match PasswordHash::new(&hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
}

/// A hash to verify against when the account does not exist, so that an
/// unknown email costs the same time as a wrong password.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            argon2().hash_password(b"no such account", &salt).expect("hash").to_string()
        })
        .clone()
}

/// A fresh one-time token: (the value to send, the hash to store).
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&raw);
    (raw, hash)
}

pub fn hash_token(raw: &str) -> String {
    let digest = Sha256::digest(raw.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the session remembers about its sign-in. The host and brand pin the
/// session to the domain it was made on; the epoch ends it when the
/// password changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub brand_id: i64,
    pub host: String,
    pub epoch: i64,
    pub signed_in_at_ms: i64,
    pub last_seen_ms: i64,
}

pub const SESSION_KEY: &str = "auth";

impl SessionAuth {
    pub fn verdict(&self, limits: SessionLimits, now: DateTime<Utc>) -> SessionVerdict {
        judge(
            limits,
            DateTime::from_timestamp_millis(self.signed_in_at_ms).unwrap_or_default(),
            DateTime::from_timestamp_millis(self.last_seen_ms).unwrap_or_default(),
            now,
        )
    }

    /// Activity is recorded at most once a minute to spare the session table.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now.timestamp_millis() - self.last_seen_ms >= Duration::minutes(1).num_milliseconds()
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_waits_for_a_free_turn_and_gives_up_busy() {
        let all = super::permits().acquire_many(super::permits().available_permits() as u32).await.unwrap();
        let started = std::time::Instant::now();
        let r = super::hash_password("correct horse battery".into()).await;
        assert!(matches!(r, Err(super::HashError::Busy)), "{r:?}");
        assert!(started.elapsed() >= super::HASH_WAIT);
        drop(all);
        assert!(super::hash_password("correct horse battery".into()).await.is_ok());
    }

    use super::*;

    #[test]
    fn a_token_hash_is_stable_and_differs_from_the_token() {
        let (raw, hash) = new_token();
        assert_eq!(hash_token(&raw), hash);
        assert_ne!(raw, hash);
        assert_eq!(raw.len(), 43);
    }

    #[test]
    fn two_tokens_differ() {
        assert_ne!(new_token().0, new_token().0);
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery".into(), h.clone()).await.unwrap());
        assert!(!verify_password("correct horse batterY".into(), h).await.unwrap());
        assert!(!verify_password("x".into(), "not a hash".into()).await.unwrap());
    }
}
