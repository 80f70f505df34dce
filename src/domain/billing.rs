//! The billing feed: revenue a program's billing system reports itself.
//! Stripe signs each webhook (`Stripe-Signature: t=…,v1=…`, HMAC-SHA256 of
//! `t.payload` under the endpoint's signing secret); `invoice.paid` becomes
//! an invoice and `charge.refunded` a refund of the charge's invoice, each
//! with the Stripe object's id as its external id, so a delivery repeated
//! (Stripe retries until it gets a 2xx) never counts twice.

use super::ledger::EventKind;
use super::revenue::{Currency, Money};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How far a signature's timestamp may be from now: Stripe's libraries'
/// default tolerance. An older delivery is a replay.
pub const SIGNATURE_TOLERANCE_S: i64 = 300;

/// Why a Stripe delivery's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=` in the header.
    Malformed,
    /// The timestamp is more than the tolerance from now.
    Stale,
    /// No `v1` signature matches the payload under the secret.
    Mismatch,
}

impl SignatureError {
    pub fn message(&self) -> &'static str {
        match self {
            SignatureError::Malformed => "The Stripe-Signature header is missing or has no t= and v1= parts.",
            SignatureError::Stale => {
                "The signature's timestamp is more than five minutes from now: a replay is refused."
            }
            SignatureError::Mismatch => {
                "No v1 signature matches this payload under the connected signing secret (whsec_…)."
            }
        }
    }
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Checks a `Stripe-Signature` header against the raw payload: its `t` is
/// within the tolerance of `now_s` and one of its `v1` values (several
/// during a secret's rotation) is the HMAC-SHA256 of `t.payload` keyed with
/// the whole secret. Returns the signed timestamp.
pub fn verify_stripe_signature(header: &str, payload: &[u8], secret: &str, now_s: i64) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(hex_bytes(v)),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return Err(SignatureError::Malformed) };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let signed = |sig: &[u8]| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac.verify_slice(sig).is_ok()
    };
    if !signatures.iter().any(|s| signed(s)) {
        return Err(SignatureError::Mismatch);
    }
    if (now_s - t).abs() > SIGNATURE_TOLERANCE_S {
        return Err(SignatureError::Stale);
    }
    Ok(t)
}

/// Whether a signing secret as pasted looks like Stripe's (`whsec_` and at
/// least 16 more characters, no spaces).
pub fn check_signing_secret(secret: &str) -> Result<(), String> {
    let rest = secret.strip_prefix("whsec_").unwrap_or_default();
    if rest.len() < 16 || rest.len() > 200 || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("Paste the endpoint's signing secret from Stripe: it starts with whsec_.".into());
    }
    Ok(())
}

/// The last characters of a secret, to recognise it without showing it.
pub fn secret_hint(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("whsec_…{tail}")
}

/// A billing customer id as a manager types it (Stripe's `cus_…`): printable,
/// no spaces, at most 255 characters.
pub fn check_customer_ref(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Required: the customer's id in Stripe (cus_…).".into());
    }
    if t.len() > 255 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A customer id has no spaces and at most 255 characters.".into());
    }
    Ok(t.to_owned())
}

/// A billing customer attributed to a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCustomer {
    pub customer_ref: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub created_at_ms: i64,
}

/// One revenue event a delivery reports, for the customer's partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub customer_ref: String,
    pub kind: EventKind,
    pub amount: Money,
    pub occurred_ms: i64,
    pub external_id: String,
    /// A refund's invoice.
    pub refunds: Option<String>,
}

/// What a delivery comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Events to record (none for an invoice paid at zero).
    Record { event_id: String, events: Vec<FeedEvent> },
    /// A type the feed does not record; answered 200 so Stripe stops sending.
    Ignored { event_id: String, kind: String },
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: serde_json::Value,
    #[serde(default)]
    previous_attributes: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Invoice {
    id: String,
    customer: Option<String>,
    amount_paid: i64,
    currency: String,
    #[serde(default)]
    status_transitions: Transitions,
}

#[derive(Deserialize, Default)]
struct Transitions {
    paid_at: Option<i64>,
}

#[derive(Deserialize)]
struct Charge {
    id: String,
    customer: Option<String>,
    invoice: Option<String>,
    currency: String,
    amount_refunded: i64,
    created: i64,
    #[serde(default)]
    refunds: Option<RefundList>,
}

#[derive(Deserialize)]
struct RefundList {
    data: Vec<Refund>,
}

#[derive(Deserialize)]
struct Refund {
    id: String,
    amount: i64,
    created: i64,
    status: Option<String>,
}

fn currency(code: &str) -> Result<Currency, String> {
    Currency::parse(&code.to_ascii_uppercase()).map_err(|_| format!("Unknown currency \"{code}\"."))
}

/// Reads a verified Stripe event. `invoice.paid`: an invoice of
/// `amount_paid` on its paid day. `charge.refunded`: a refund of the
/// charge's invoice per refund listed on the charge (API versions that list
/// them), else one for the change of `amount_refunded` since the previous
/// state the event carries, keyed by the charge and its new total.
pub fn stripe_delivery(payload: &[u8]) -> Result<Delivery, String> {
    let env: Envelope = serde_json::from_slice(payload).map_err(|e| format!("Not a Stripe event: {e}."))?;
    let event_id = env.id;
    match env.kind.as_str() {
        "invoice.paid" => {
            let inv: Invoice = serde_json::from_value(env.data.object).map_err(|e| format!("Not an invoice: {e}."))?;
            let customer_ref = inv.customer.ok_or("The invoice names no customer.")?;
            if inv.amount_paid <= 0 {
                return Ok(Delivery::Record { event_id, events: Vec::new() });
            }
            let at = inv.status_transitions.paid_at.unwrap_or(env.created);
            let events = vec![FeedEvent {
                customer_ref,
                kind: EventKind::Invoice,
                amount: Money::new(inv.amount_paid, currency(&inv.currency)?),
                occurred_ms: at * 1000,
                external_id: inv.id,
                refunds: None,
            }];
            Ok(Delivery::Record { event_id, events })
        }
        "charge.refunded" => {
            let ch: Charge = serde_json::from_value(env.data.object).map_err(|e| format!("Not a charge: {e}."))?;
            let customer_ref = ch.customer.ok_or("The charge names no customer.")?;
            let invoice = ch.invoice.ok_or(
                "The charge names no invoice, so there is no commission to claw back from; record the refund by hand \
                 if it was for a partner's customer.",
            )?;
            let currency = currency(&ch.currency)?;
            let refund = |external_id: String, minor: i64, at_s: i64| FeedEvent {
                customer_ref: customer_ref.clone(),
                kind: EventKind::Refund,
                amount: Money::new(minor, currency),
                occurred_ms: at_s * 1000,
                external_id,
                refunds: Some(invoice.clone()),
            };
            let events = match ch.refunds.filter(|l| !l.data.is_empty()) {
                Some(list) => list
                    .data
                    .into_iter()
                    .filter(|r| r.amount > 0 && r.status.as_deref().is_none_or(|s| s == "succeeded"))
                    .map(|r| refund(r.id, r.amount, r.created))
                    .collect(),
                None => {
                    let before = env
                        .data
                        .previous_attributes
                        .as_ref()
                        .and_then(|p| p.get("amount_refunded"))
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or(0);
                    let change = ch.amount_refunded - before;
                    let at = if env.created > 0 { env.created } else { ch.created };
                    if change > 0 {
                        vec![refund(format!("{}:refunded:{}", ch.id, ch.amount_refunded), change, at)]
                    } else {
                        Vec::new()
                    }
                }
            };
            Ok(Delivery::Record { event_id, events })
        }
        other => Ok(Delivery::Ignored { event_id, kind: other.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_0123456789abcdef";

    fn sign(t: i64, payload: &str, secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{payload}").as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_signature_is_the_hmac_of_the_timestamp_and_payload_under_the_whole_secret() {
        // Stripe's documented example shape: t, then v1 (and a legacy v0).
        let payload = r#"{"id":"evt_1"}"#;
        let header = format!("t=1700000000,v1={},v0=deadbeef", sign(1_700_000_000, payload, SECRET));
        assert_eq!(verify_stripe_signature(&header, payload.as_bytes(), SECRET, 1_700_000_100), Ok(1_700_000_000));
    }

    #[test]
    fn a_tampered_payload_another_secret_or_a_missing_part_is_refused() {
        let payload = r#"{"id":"evt_1","amount":100}"#;
        let header = format!("t=1700000000,v1={}", sign(1_700_000_000, payload, SECRET));
        let now = 1_700_000_000;
        let tampered = payload.replace("100", "900");
        assert_eq!(verify_stripe_signature(&header, tampered.as_bytes(), SECRET, now), Err(SignatureError::Mismatch));
        assert_eq!(
            verify_stripe_signature(&header, payload.as_bytes(), "whsec_other_0123456789", now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify_stripe_signature("v1=abcd", payload.as_bytes(), SECRET, now), Err(SignatureError::Malformed));
        assert_eq!(
            verify_stripe_signature("t=1700000000", payload.as_bytes(), SECRET, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(verify_stripe_signature("", payload.as_bytes(), SECRET, now), Err(SignatureError::Malformed));
    }

    #[test]
    fn a_delivery_signed_more_than_five_minutes_ago_is_a_replay() {
        let payload = r#"{"id":"evt_1"}"#;
        let header = format!("t=1700000000,v1={}", sign(1_700_000_000, payload, SECRET));
        assert!(verify_stripe_signature(&header, payload.as_bytes(), SECRET, 1_700_000_300).is_ok());
        assert_eq!(
            verify_stripe_signature(&header, payload.as_bytes(), SECRET, 1_700_000_301),
            Err(SignatureError::Stale)
        );
        // A replay with a fresh timestamp but the old signature fails the HMAC.
        let replay = header.replace("t=1700000000", "t=1700000400");
        assert_eq!(
            verify_stripe_signature(&replay, payload.as_bytes(), SECRET, 1_700_000_400),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn during_a_rotation_any_v1_signature_may_match() {
        let payload = "{}";
        let header = format!(
            "t=1700000000,v1={},v1={}",
            sign(1_700_000_000, payload, "whsec_old_0123456789abcdef"),
            sign(1_700_000_000, payload, SECRET)
        );
        assert!(verify_stripe_signature(&header, payload.as_bytes(), SECRET, 1_700_000_000).is_ok());
    }

    #[test]
    fn a_paid_invoice_is_an_invoice_event_of_its_amount_paid_on_its_paid_day() {
        let payload = r#"{"id":"evt_9","type":"invoice.paid","created":1700000500,"data":{"object":{
            "id":"in_1","object":"invoice","customer":"cus_A","amount_paid":12345,"currency":"eur",
            "status_transitions":{"paid_at":1700000000}}}}"#;
        let Delivery::Record { event_id, events } = stripe_delivery(payload.as_bytes()).unwrap() else { panic!() };
        assert_eq!(event_id, "evt_9");
        assert_eq!(
            events,
            [FeedEvent {
                customer_ref: "cus_A".into(),
                kind: EventKind::Invoice,
                amount: Money::new(12_345, Currency::parse("EUR").unwrap()),
                occurred_ms: 1_700_000_000_000,
                external_id: "in_1".into(),
                refunds: None,
            }]
        );
    }

    #[test]
    fn a_refunded_charge_refunds_its_invoice_per_listed_refund_or_by_the_change_in_amount_refunded() {
        let listed = r#"{"id":"evt_2","type":"charge.refunded","created":1700001000,"data":{"object":{
            "id":"ch_1","customer":"cus_A","invoice":"in_1","currency":"usd","amount_refunded":3000,"created":1,
            "refunds":{"data":[{"id":"re_1","amount":1000,"created":1700000900,"status":"succeeded"},
                               {"id":"re_2","amount":2000,"created":1700001000,"status":"succeeded"},
                               {"id":"re_3","amount":500,"created":1700001000,"status":"failed"}]}}}}"#;
        let Delivery::Record { events, .. } = stripe_delivery(listed.as_bytes()).unwrap() else { panic!() };
        let got: Vec<_> =
            events.iter().map(|e| (e.external_id.as_str(), e.amount.minor, e.refunds.as_deref())).collect();
        assert_eq!(got, [("re_1", 1_000, Some("in_1")), ("re_2", 2_000, Some("in_1"))]);
        assert!(events.iter().all(|e| e.kind == EventKind::Refund));

        // Newer API versions do not list refunds on the charge.
        let delta = r#"{"id":"evt_3","type":"charge.refunded","created":1700002000,"data":{"object":{
            "id":"ch_1","customer":"cus_A","invoice":"in_1","currency":"usd","amount_refunded":3000,"created":1},
            "previous_attributes":{"amount_refunded":1000}}}"#;
        let Delivery::Record { events, .. } = stripe_delivery(delta.as_bytes()).unwrap() else { panic!() };
        let got: Vec<_> = events.iter().map(|e| (e.external_id.as_str(), e.amount.minor, e.occurred_ms)).collect();
        assert_eq!(got, [("ch_1:refunded:3000", 2_000, 1_700_002_000_000)]);
    }

    #[test]
    fn other_event_types_are_ignored_and_a_refund_without_an_invoice_says_why_it_cannot_be_recorded() {
        let other = r#"{"id":"evt_4","type":"customer.created","created":1,"data":{"object":{}}}"#;
        assert_eq!(
            stripe_delivery(other.as_bytes()),
            Ok(Delivery::Ignored { event_id: "evt_4".into(), kind: "customer.created".into() })
        );
        let no_invoice = r#"{"id":"evt_5","type":"charge.refunded","created":1,"data":{"object":{
            "id":"ch_9","customer":"cus_A","currency":"usd","amount_refunded":100,"created":1}}}"#;
        assert!(stripe_delivery(no_invoice.as_bytes()).unwrap_err().contains("names no invoice"));
        assert!(stripe_delivery(b"not json").unwrap_err().starts_with("Not a Stripe event"));
    }

    #[test]
    fn a_signing_secret_must_look_like_stripes_and_is_shown_by_its_last_characters() {
        assert!(check_signing_secret(SECRET).is_ok());
        assert!(check_signing_secret("sk_live_abc").is_err());
        assert!(check_signing_secret("whsec_short").is_err());
        assert_eq!(secret_hint(SECRET), "whsec_…cdef");
        assert_eq!(check_customer_ref("  cus_123 "), Ok("cus_123".into()));
        assert!(check_customer_ref("cus 123").is_err());
        assert!(check_customer_ref("").is_err());
    }
}
