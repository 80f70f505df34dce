//! What the server's own secret (`APP_SECRET_KEY`) protects: API keys are
//! stored as a keyed hash (they are long and random, so a fast hash is
//! enough and lookups stay one index probe), and webhook signing secrets,
//! which must be read back to sign, are encrypted with ChaCha20-Poly1305.
//! Two sub-keys are derived from the one secret so neither use can stand in
//! for the other.

use super::config::Config;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::distributions::{Alphanumeric, DistString};
use rand::RngCore;
use sha2::Sha256;

/// Used only when `APP_SECRET_KEY` is unset (local development); start-up
/// warns when a secure deployment runs on it.
const DEVELOPMENT_SECRET: &str = "partner-portal development secret: set APP_SECRET_KEY";

pub struct Secrets {
    hash_key: [u8; 32],
    seal_key: [u8; 32],
    counter_key: [u8; 32],
}

fn derive(secret: &str, label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Secrets {
    pub fn of(config: &Config) -> Self {
        let secret = match config.secret_key.expose() {
            "" => DEVELOPMENT_SECRET,
            s => s,
        };
        Secrets {
            hash_key: derive(secret, "api-key-hash"),
            seal_key: derive(secret, "webhook-secret-seal"),
            counter_key: derive(secret, "rate-counter-key"),
        }
    }

    /// The stored form of an API key.
    pub fn hash_api_key(&self, key: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hash_key).expect("HMAC takes any key length");
        mac.update(key.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `presented` is the secret whose `hash_api_key` is `stored`
    /// (hex), compared in constant time by the MAC's own verification: for
    /// secrets found by their owner's id rather than by their hash.
    pub fn api_key_matches(&self, presented: &str, stored: &str) -> bool {
        let expected: Option<Vec<u8>> = stored
            .len()
            .is_multiple_of(2)
            .then(|| (0..stored.len()).step_by(2).map(|i| u8::from_str_radix(stored.get(i..i + 2)?, 16).ok()).collect())
            .flatten();
        let Some(expected) = expected else { return false };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hash_key).expect("HMAC takes any key length");
        mac.update(presented.as_bytes());
        mac.verify_slice(&expected).is_ok()
    }

    /// The stored key of a rate counter: a keyed hash, so the table holds no
    /// email or client address that a dump could read back.
    pub fn hash_counter_key(&self, scope: &str, key: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.counter_key).expect("HMAC takes any key length");
        mac.update(scope.as_bytes());
        mac.update(b"\0");
        mac.update(key.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Encrypts a secret for storage: base64 of nonce and ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.seal_key));
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend_from_slice(&cipher.encrypt(&nonce, plain.as_bytes()).expect("encryption of a short secret"));
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    /// Decrypts a sealed secret; `None` if it was sealed under another key
    /// or altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let blob = base64::engine::general_purpose::STANDARD.decode(sealed).ok()?;
        if blob.len() < 28 {
            return None;
        }
        let (nonce, ct) = blob.split_at(12);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.seal_key));
        String::from_utf8(cipher.decrypt(Nonce::from_slice(nonce), ct).ok()?).ok()
    }
}

/// A new API key for an environment: its prefix and 40 random letters and
/// digits (about 238 bits).
pub fn new_api_key(prefix: &str) -> String {
    format!("{prefix}{}", Alphanumeric.sample_string(&mut OsRng, 40))
}

/// A public id such as `agt_…`: not secret, only unguessable.
pub fn new_public_id(prefix: &str) -> String {
    format!("{prefix}{}", Alphanumeric.sample_string(&mut OsRng, 20))
}

/// A Standard Webhooks signing secret: `whsec_` and 24 random bytes.
pub fn new_webhook_secret() -> String {
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Secret;

    #[test]
    fn sealed_secrets_open_only_under_the_same_server_secret() {
        let a = Secrets::of(&Config { secret_key: Secret::new("a".repeat(32)), ..Config::default() });
        let b = Secrets::of(&Config { secret_key: Secret::new("b".repeat(32)), ..Config::default() });
        let sealed = a.seal("whsec_abc");
        assert_ne!(sealed, a.seal("whsec_abc"), "a fresh nonce each time");
        assert_eq!(a.open(&sealed).as_deref(), Some("whsec_abc"));
        assert_eq!(b.open(&sealed), None);
        assert_eq!(a.open("not base64!"), None);
    }

    #[test]
    fn api_key_hashes_are_keyed_and_stable() {
        let a = Secrets::of(&Config { secret_key: Secret::new("a".repeat(32)), ..Config::default() });
        let b = Secrets::of(&Config { secret_key: Secret::new("b".repeat(32)), ..Config::default() });
        assert_eq!(a.hash_api_key("pk_test_x"), a.hash_api_key("pk_test_x"));
        assert_ne!(a.hash_api_key("pk_test_x"), b.hash_api_key("pk_test_x"));
        assert_eq!(a.hash_api_key("pk_test_x").len(), 64);
        let key = new_api_key("pk_live_");
        assert!(key.starts_with("pk_live_") && key.len() == 48);
        assert!(new_webhook_secret().starts_with("whsec_"));
        assert!(crate::domain::webhook::sign(&new_webhook_secret(), "m", 1, "b").is_ok());
    }

    #[test]
    fn a_secret_matches_only_its_own_stored_hash() {
        let a = Secrets::of(&Config { secret_key: Secret::new("a".repeat(32)), ..Config::default() });
        let stored = a.hash_api_key("cs_secret");
        assert!(a.api_key_matches("cs_secret", &stored));
        assert!(!a.api_key_matches("cs_secreT", &stored));
        assert!(!a.api_key_matches("cs_secret", &stored[..62]));
        assert!(!a.api_key_matches("cs_secret", &format!("{}zz", &stored[..62])));
        assert!(!a.api_key_matches("cs_secret", ""));
    }
}
