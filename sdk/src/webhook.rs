//! Checks a webhook delivery's signature (Standard Webhooks): HMAC-SHA256
//! over `id.timestamp.body` under the subscription's secret, compared in
//! constant time, with the timestamp within a tolerance so an old
//! delivery cannot be replayed.

use crate::Error;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Verifies the `webhook-signature` header (several `v1,<base64>`
/// separated by spaces while a secret rotates; any one may match) for a
/// delivery with `webhook-id` `id` and `webhook-timestamp` `timestamp`,
/// sent at most `tolerance` from `now`.
pub fn verify_webhook(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    signature_header: &str,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), Error> {
    let sent: u64 = timestamp.parse().map_err(|_| Error::BadSignature)?;
    let now = now.duration_since(UNIX_EPOCH).map_err(|_| Error::BadSignature)?.as_secs();
    if now.abs_diff(sent) > tolerance.as_secs() {
        return Err(Error::BadSignature);
    }
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).map_err(|_| Error::BadSignature)?;
    for sig in signature_header.split(' ') {
        let Some(b64) = sig.strip_prefix("v1,") else { continue };
        let Ok(given) = STANDARD.decode(b64) else { continue };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(|_| Error::BadSignature)?;
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        if mac.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err(Error::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_example_verifies_and_changes_do_not() {
        // The Standard Webhooks specification's example.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let ts = "1614265330";
        let body = br#"{"test": 2432232314}"#;
        let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let at = UNIX_EPOCH + Duration::from_secs(1_614_265_330);
        let five = Duration::from_secs(300);
        assert_eq!(verify_webhook(secret, id, ts, body, sig, at, five), Ok(()));
        let rotating = format!("v1,bm90IHRoaXMgb25l {sig}");
        assert_eq!(verify_webhook(secret, id, ts, body, &rotating, at, five), Ok(()), "any signature may match");
        assert!(verify_webhook(secret, id, ts, br#"{"test": 1}"#, sig, at, five).is_err());
        assert!(verify_webhook(secret, "msg_other", ts, body, sig, at, five).is_err());
        let late = at + Duration::from_secs(301);
        assert_eq!(verify_webhook(secret, id, ts, body, sig, late, five), Err(Error::BadSignature), "replayed");
    }
}
