//! OAuth access tokens: JWTs signed with ES256 (P-256) by the
//! `jsonwebtoken` crate, and the keys behind them. Keys live in the
//! database (the private half sealed under the server's secret), so every
//! instance behind the load balancer signs and checks with the same set; a
//! new key is made every `SIGNING_KEY_DAYS` and the previous one stays in
//! the published JWKS a day longer than any token it signed can live.

use super::secrets::Secrets;
use super::store::{SigningKeyRow, Store};
use crate::domain::oauth::{key_due, key_published};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::EncodePrivateKey;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::RwLock;

/// How long an instance trusts its copy of the key set before reading it
/// again (another instance may have rotated).
const RELOAD_AFTER: Duration = Duration::from_secs(60);
/// An unknown `kid` reads the set again, but not more often than this: a
/// stream of made-up key ids must not become a stream of queries.
const UNKNOWN_KID_RELOAD: Duration = Duration::from_secs(5);

/// What the key ring works with: the store its keys live in, the server's
/// secrets (which seal them) and the server's clock.
pub struct Keys<'a> {
    pub store: &'a dyn Store,
    pub secrets: Secrets,
    pub now_ms: i64,
}

/// An access token's claims (the JWT profile of RFC 9068, with the
/// partner's organisation and environment).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The person who consented (`user:<id>`), or the client itself.
    pub sub: String,
    pub client_id: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// Space-separated, as RFC 6749 §3.3 writes scopes.
    pub scope: String,
    pub org: i64,
    pub env: String,
    /// The grant the token belongs to: revoking it stops the token.
    pub sid: String,
    /// RFC 8705 §3: the certificate the token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
}

struct LiveKey {
    kid: String,
    x: String,
    y: String,
    signing: Option<EncodingKey>,
    checking: DecodingKey,
}

struct Loaded {
    /// When it was read, by the server's clock (which tests move).
    at_ms: i64,
    /// Published keys, newest first.
    keys: Vec<LiveKey>,
}

#[derive(Default)]
pub struct KeyRing {
    loaded: RwLock<Option<Loaded>>,
    /// One reload at a time per instance: two would each make a key.
    reloading: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
pub enum TokenFault {
    /// The store could not be read or written.
    Store(String),
    /// The token is malformed, wrongly signed, expired or not for us.
    Invalid,
}

/// A new P-256 key: its PKCS#8 DER and the public point's coordinates.
fn new_key() -> (Vec<u8>, String, String) {
    loop {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        // A random 256-bit string is a valid scalar with overwhelming
        // likelihood; the rare one at or past the curve order is drawn again.
        let Ok(secret) = p256::SecretKey::from_slice(&bytes) else { continue };
        let Ok(der) = secret.to_pkcs8_der() else { continue };
        let point = secret.public_key().to_sec1_point(false);
        let raw = point.as_bytes();
        if raw.len() != 65 {
            continue;
        }
        return (der.as_bytes().to_vec(), URL_SAFE_NO_PAD.encode(&raw[1..33]), URL_SAFE_NO_PAD.encode(&raw[33..65]));
    }
}

impl KeyRing {
    async fn load(&self, state: &Keys<'_>) -> Result<(), TokenFault> {
        let store_fault = |e: super::store::StoreError| TokenFault::Store(e.to_string());
        let now_ms = state.now_ms;
        let mut rows = state.store.signing_keys().await.map_err(store_fault)?;
        if key_due(rows.first().map(|r| r.created_at_ms), now_ms) {
            let (der, x, y) = new_key();
            let kid = super::secrets::new_public_id("k");
            let sealed = state.secrets.seal(&URL_SAFE_NO_PAD.encode(&der));
            let row = SigningKeyRow { kid, private_sealed: sealed, x, y, created_at_ms: now_ms };
            state.store.add_signing_key(row).await.map_err(store_fault)?;
            tracing::info!("made a new access token signing key");
            rows = state.store.signing_keys().await.map_err(store_fault)?;
        }
        let newest = rows.first().map(|r| r.created_at_ms).unwrap_or(now_ms);
        let secrets = &state.secrets;
        let keys = rows
            .into_iter()
            .filter(|r| key_published(r.created_at_ms, newest, now_ms))
            .filter_map(|r| {
                let checking = DecodingKey::from_ec_components(&r.x, &r.y).ok()?;
                // A key sealed under another secret still checks tokens
                // but cannot sign; start-up logs say why.
                let signing = secrets
                    .open(&r.private_sealed)
                    .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
                    .map(|der| EncodingKey::from_ec_der(&der));
                Some(LiveKey { kid: r.kid, x: r.x, y: r.y, signing, checking })
            })
            .collect();
        *self.loaded.write().await = Some(Loaded { at_ms: now_ms, keys });
        Ok(())
    }

    /// Reads the key set again if it is older than `age` (checked again
    /// once this instance's reload turn comes).
    async fn reload_if_older(&self, state: &Keys<'_>, age: Duration) -> Result<(), TokenFault> {
        let now_ms = state.now_ms;
        let age = age.as_millis() as i64;
        let stale = || async { self.loaded.read().await.as_ref().is_none_or(|l| now_ms - l.at_ms > age) };
        if !stale().await {
            return Ok(());
        }
        let _turn = self.reloading.lock().await;
        if stale().await {
            self.load(state).await?;
        }
        Ok(())
    }

    async fn fresh(&self, state: &Keys<'_>) -> Result<(), TokenFault> {
        self.reload_if_older(state, RELOAD_AFTER).await
    }

    /// Signs `claims` with the newest key.
    pub async fn sign(&self, state: &Keys<'_>, claims: &AccessClaims) -> Result<String, TokenFault> {
        self.fresh(state).await?;
        let loaded = self.loaded.read().await;
        let key = loaded
            .as_ref()
            .and_then(|l| l.keys.iter().find(|k| k.signing.is_some()))
            .ok_or_else(|| TokenFault::Store("no signing key can be opened with this APP_SECRET_KEY".into()))?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.kid.clone());
        // RFC 9068 §2.1: access tokens say so in their type.
        header.typ = Some("at+jwt".into());
        let signing = key.signing.as_ref().ok_or(TokenFault::Invalid)?;
        jsonwebtoken::encode(&header, claims, signing).map_err(|e| TokenFault::Store(e.to_string()))
    }

    /// The claims of a token this server signed for `issuer` and
    /// `audience`, unexpired; checks nothing about the grant.
    pub async fn verify(
        &self,
        state: &Keys<'_>,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<AccessClaims, TokenFault> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenFault::Invalid)?;
        if header.alg != Algorithm::ES256 || header.typ.as_deref() != Some("at+jwt") {
            return Err(TokenFault::Invalid);
        }
        let kid = header.kid.ok_or(TokenFault::Invalid)?;
        self.fresh(state).await?;
        let known = |l: &Option<Loaded>| l.as_ref().is_some_and(|l| l.keys.iter().any(|k| k.kid == kid));
        if !known(&*self.loaded.read().await) {
            self.reload_if_older(state, UNKNOWN_KID_RELOAD).await?;
        }
        let loaded = self.loaded.read().await;
        let key = loaded.as_ref().and_then(|l| l.keys.iter().find(|k| k.kid == kid)).ok_or(TokenFault::Invalid)?;
        let mut v = Validation::new(Algorithm::ES256);
        v.set_issuer(&[issuer]);
        v.set_audience(&[audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // The server's clock decides (tests move it); the crate's own check
        // would read the system clock.
        v.validate_exp = false;
        v.leeway = 0;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key.checking, &v).map_err(|_| TokenFault::Invalid)?;
        if data.claims.exp <= state.now_ms / 1000 {
            return Err(TokenFault::Invalid);
        }
        Ok(data.claims)
    }

    /// The published keys as a JWK Set (RFC 7517 §5).
    pub async fn jwks(&self, state: &Keys<'_>) -> Result<serde_json::Value, TokenFault> {
        self.fresh(state).await?;
        let loaded = self.loaded.read().await;
        let keys: Vec<serde_json::Value> = loaded
            .as_ref()
            .map(|l| {
                l.keys
                    .iter()
                    .map(|k| {
                        serde_json::json!({
                            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
                            "kid": k.kid, "x": k.x, "y": k.y,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(serde_json::json!({ "keys": keys }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_signs_a_token_its_published_coordinates_check() {
        let (der, x, y) = new_key();
        let claims = AccessClaims {
            iss: "https://p.example".into(),
            aud: "https://p.example/api/v1".into(),
            sub: "cli_a".into(),
            client_id: "cli_a".into(),
            exp: 4_000_000_000,
            iat: 1,
            jti: "j".into(),
            scope: "agents:read".into(),
            org: 7,
            env: "sandbox".into(),
            sid: "g".into(),
            cnf: Some(Confirmation { x5t_s256: "t".into() }),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &EncodingKey::from_ec_der(&der))
            .expect("signs");
        let mut v = Validation::new(Algorithm::ES256);
        v.set_audience(&["https://p.example/api/v1"]);
        let check = DecodingKey::from_ec_components(&x, &y).unwrap();
        assert_eq!(jsonwebtoken::decode::<AccessClaims>(&token, &check, &v).unwrap().claims, claims);
        let (_, other_x, other_y) = new_key();
        let other = DecodingKey::from_ec_components(&other_x, &other_y).unwrap();
        assert!(jsonwebtoken::decode::<AccessClaims>(&token, &other, &v).is_err(), "another key's signature fails");
    }
}
