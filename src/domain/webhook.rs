//! Webhook and integration rules (guide "Webhook Event Integration",
//! "Security Requirements"; the Standard Webhooks specification): message
//! signatures, subscription patterns, the retry schedule, which addresses a
//! delivery may connect to, and how agent outcomes move a trust score.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("A signing secret looks like whsec_ followed by base64.")]
    Malformed,
}

/// The Standard Webhooks signature of a message: `v1,<base64 HMAC-SHA256 of
/// "id.timestamp.body">` under the secret `whsec_<base64 key>`.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Result<String, SecretError> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| SecretError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SecretError::Malformed)?;
    mac.update(format!("{msg_id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header during a secret rotation: one signature
/// per secret still valid, separated by spaces.
pub fn signature_header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &str) -> Result<String, SecretError> {
    let sigs: Result<Vec<String>, SecretError> = secrets.iter().map(|s| sign(s, msg_id, timestamp, body)).collect();
    Ok(sigs?.join(" "))
}

/// Whether a subscription pattern takes an event: `*` takes all, `trust.*`
/// every event of that family, anything else only that exact name.
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    let p = pattern.trim();
    if p == "*" {
        return true;
    }
    match p.strip_suffix(".*") {
        Some(family) => event_type.strip_prefix(family).is_some_and(|rest| rest.starts_with('.') && rest.len() > 1),
        None => p == event_type,
    }
}

/// Seconds to wait before each retry after a failed attempt, per Standard
/// Webhooks: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (over a day in all).
pub const RETRY_SCHEDULE_SECS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// The wait before attempt `attempt + 1` after attempt `attempt` (counted
/// from 1) failed, or `None` once the schedule is spent.
pub fn retry_delay_secs(attempt: usize) -> Option<i64> {
    attempt.checked_sub(1).and_then(|i| RETRY_SCHEDULE_SECS.get(i)).copied()
}

/// Reads a host the way `inet_aton` and browsers do, so decimal (`2130706433`),
/// hex (`0x7f000001`) and octal (`0177.0.0.1`) spellings of an address are
/// recognised as the address they name. `None` for a name.
pub fn parse_host_ip(host: &str) -> Option<IpAddr> {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = h.parse::<IpAddr>() {
        return Some(ip);
    }
    let parts: Vec<&str> = h.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let number = |p: &str| -> Option<u64> {
        if let Some(hex) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u64::from_str_radix(hex, 16).ok()
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(&p[1..], 8).ok()
        } else {
            p.parse().ok()
        }
    };
    let nums: Option<Vec<u64>> = parts.iter().map(|p| number(p)).collect();
    let nums = nums?;
    // The last part fills the remaining bytes, as inet_aton reads it.
    let (head, last) = nums.split_at(nums.len() - 1);
    if head.iter().any(|n| *n > 255) {
        return None;
    }
    let last_bytes = 4 - head.len();
    if last[0] >= 1u64 << (8 * last_bytes) {
        return None;
    }
    let mut value: u64 = 0;
    for n in head {
        value = (value << 8) | n;
    }
    value = (value << (8 * last_bytes)) | last[0];
    Some(IpAddr::V4(Ipv4Addr::from(u32::try_from(value).ok()?)))
}

/// Whether a webhook may connect to this address: only globally routable
/// ones. Loopback, private, link-local (cloud metadata), unspecified,
/// shared (CGNAT), documentation, multicast and unique-local addresses are
/// refused, also when wrapped as IPv4-mapped IPv6.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // Forms that carry an IPv4 address are judged by it: NAT64
    // (64:ff9b::/96), 6to4 (2002::/16) and the old IPv4-compatible ::a.b.c.d.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(v4(seg[6], seg[7]));
    }
    if seg[0] == 0x2002 {
        return is_public_v4(v4(seg[1], seg[2]));
    }
    if seg[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return is_public_v4(v4(seg[6], seg[7]));
    }
    let first = seg[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Site-local, deprecated but still routed inside some networks.
        || (first & 0xffc0) == 0xfec0
        || first == 0x2001 && seg[1] == 0x0db8)
}

choices!(
    /// What an agent did, as partners report it.
    Outcome {
        Success => "success", "Success";
        Failure => "failure", "Failure";
        Timeout => "timeout", "Timeout";
        PolicyViolation => "policy_violation", "Policy violation";
    }
);

/// Where a new agent's trust score starts.
pub const INITIAL_TRUST: i64 = 500;

impl Outcome {
    /// How far one outcome moves a trust score.
    pub fn delta(self) -> i64 {
        match self {
            Outcome::Success => 5,
            Outcome::Timeout => -10,
            Outcome::Failure => -20,
            Outcome::PolicyViolation => -100,
        }
    }
}

/// The trust-score rule: each outcome adds its delta, and the score stays
/// within 0 to 1000. Deterministic: the same events give the same score.
pub fn apply_outcome(score: i64, outcome: Outcome) -> i64 {
    (score + outcome.delta()).clamp(0, 1_000)
}

/// The body of a delivery (Standard Webhooks' recommended shape): the
/// event's type, when it happened, and its data.
pub fn envelope(event_type: &str, at_ms: i64, data: &serde_json::Value) -> String {
    let at = super::format::rfc3339_ms(at_ms);
    serde_json::json!({ "type": event_type, "timestamp": at, "data": data }).to_string()
}

/// The message id of an event's deliveries: the same on every attempt and
/// replay, so receivers can drop duplicates.
pub fn message_id(event_log_id: i64) -> String {
    format!("msg_{event_log_id:010}")
}

/// Reads an allow-list entry: an address (`127.0.0.1`, `::1`) or a CIDR
/// block (`10.0.0.0/8`). Returns the network and prefix length.
pub fn parse_cidr(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match entry.trim().split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (entry.trim(), None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    (len <= max).then_some((ip, len))
}

/// Whether `ip` falls inside one of the allow-list's blocks.
pub fn allowed_by(list: &[(IpAddr, u8)], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    list.iter().any(|(net, len)| match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = if *len == 0 { 0 } else { u32::MAX << (32 - u32::from(*len)) };
            u32::from(*n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = if *len == 0 { 0 } else { u128::MAX << (128 - u32::from(*len)) };
            u128::from(*n) & mask == u128::from(a) & mask
        }
        _ => false,
    })
}

/// Whether a delivery may connect to `ip`: public, or allow-listed.
pub fn may_connect(list: &[(IpAddr, u8)], ip: IpAddr) -> bool {
    is_public_address(ip) || allowed_by(list, ip)
}

/// The guide's `X-Signature` header: `sha256=` and the hex HMAC-SHA256 of
/// `timestamp.body` under the same key as the Standard Webhooks signature.
pub fn legacy_signature(secret: &str, timestamp: i64, body: &str) -> Result<String, SecretError> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| SecretError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SecretError::Malformed)?;
    mac.update(format!("{timestamp}.{body}").as_bytes());
    Ok(format!("sha256={}", mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// The `X-Signature` header under every secret in force: during a rotation's
/// grace, one `sha256=` value per secret, newest first, separated by ", ",
/// so a receiver still holding the old secret keeps verifying.
pub fn legacy_signature_header(secrets: &[&str], timestamp: i64, body: &str) -> Result<String, SecretError> {
    let values: Result<Vec<String>, SecretError> =
        secrets.iter().map(|s| legacy_signature(s, timestamp, body)).collect();
    Ok(values?.join(", "))
}

/// Whether a receiver's answer ends a delivery: any 2xx.
pub fn is_delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_reference_message_signs_to_its_published_signature() {
        let sig = sign(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        assert!(sign("whsec_***", "m", 1, "b").is_err());
    }

    #[test]
    fn during_a_rotation_every_valid_secret_signs() {
        let h = signature_header(
            &["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "m",
            1,
            "b",
        )
        .unwrap();
        assert_eq!(h.split(' ').count(), 2);
        assert!(h.split(' ').all(|s| s.starts_with("v1,")));
    }

    #[test]
    fn patterns_take_all_a_family_or_one_exact_event() {
        assert!(pattern_matches("*", "cert.state_changed"));
        assert!(pattern_matches("trust.*", "trust.score_changed"));
        assert!(!pattern_matches("trust.*", "trustee.created"));
        assert!(!pattern_matches("trust.*", "trust"));
        assert!(pattern_matches("payout.paid", "payout.paid"));
        assert!(!pattern_matches("payout.paid", "payout.paid.late"));
    }

    #[test]
    fn retries_follow_the_standard_schedule_for_over_a_day_then_stop() {
        assert_eq!(retry_delay_secs(1), Some(5));
        assert_eq!(retry_delay_secs(2), Some(300));
        assert_eq!(retry_delay_secs(7), Some(36_000));
        assert_eq!(retry_delay_secs(8), None);
        assert!(RETRY_SCHEDULE_SECS.iter().sum::<i64>() > 86_400);
    }

    #[test]
    fn private_loopback_link_local_and_disguised_addresses_are_refused() {
        for host in [
            "127.0.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "2130706433",
            "0x7f000001",
            "0177.0.0.1",
            "0x7f.1",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "::10.0.0.1",
        ] {
            let ip = parse_host_ip(host).unwrap_or_else(|| panic!("{host} is an address"));
            assert!(!is_public_address(ip), "{host} must be refused");
        }
        for host in ["93.184.216.34", "2606:4700::1111", "172.32.0.1", "64:ff9b::5db8:d822", "2002:5db8:d822::1"] {
            assert!(is_public_address(parse_host_ip(host).unwrap()), "{host} is public");
        }
        assert_eq!(parse_host_ip("hooks.example.com"), None);
        assert_eq!(parse_host_ip("2130706433"), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }

    #[test]
    fn the_allow_list_lets_named_private_blocks_through_and_nothing_else() {
        let list: Vec<_> = ["127.0.0.1", "10.0.0.0/8"].iter().map(|e| parse_cidr(e).unwrap()).collect();
        assert!(may_connect(&list, "127.0.0.1".parse().unwrap()));
        assert!(may_connect(&list, "::ffff:127.0.0.1".parse().unwrap()));
        assert!(may_connect(&list, "10.200.0.1".parse().unwrap()));
        assert!(!may_connect(&list, "127.0.0.2".parse().unwrap()));
        assert!(!may_connect(&list, "192.168.0.1".parse().unwrap()));
        assert!(!may_connect(&[], "169.254.169.254".parse().unwrap()));
        assert!(may_connect(&[], "93.184.216.34".parse().unwrap()));
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
        assert_eq!(parse_cidr("example.com"), None);
    }

    #[test]
    fn the_guide_signature_is_hex_hmac_of_timestamp_and_body() {
        let s = legacy_signature("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", 1_649_367_553, "{}").unwrap();
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64, "{s}");
        assert_ne!(s, legacy_signature("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", 1_649_367_554, "{}").unwrap());
        assert!(is_delivered(204) && !is_delivered(302) && !is_delivered(410));
    }

    #[test]
    fn an_envelope_carries_type_time_and_data() {
        let body = envelope("payout.paid", 0, &serde_json::json!({ "amount": 5 }));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "payout.paid");
        assert_eq!(v["timestamp"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["data"]["amount"], 5);
        assert_eq!(message_id(42), "msg_0000000042");
    }

    #[test]
    fn outcomes_move_the_trust_score_within_zero_and_a_thousand() {
        assert_eq!(apply_outcome(INITIAL_TRUST, Outcome::Success), 505);
        assert_eq!(apply_outcome(INITIAL_TRUST, Outcome::PolicyViolation), 400);
        assert_eq!(apply_outcome(998, Outcome::Success), 1_000);
        assert_eq!(apply_outcome(50, Outcome::PolicyViolation), 0);
        let replay = |events: &[Outcome]| events.iter().fold(INITIAL_TRUST, |s, e| apply_outcome(s, *e));
        let events = [Outcome::Success, Outcome::Failure, Outcome::Timeout, Outcome::Success];
        assert_eq!(replay(&events), replay(&events));
        assert_eq!(replay(&events), 480);
    }

    #[test]
    fn during_a_rotation_the_legacy_header_carries_a_value_under_each_secret() {
        let (new, old) = ("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let header = legacy_signature_header(&[new, old], 1_649_367_553, "{}").unwrap();
        let values: Vec<&str> = header.split(", ").collect();
        assert_eq!(values.len(), 2);
        assert_eq!(values[0], legacy_signature(new, 1_649_367_553, "{}").unwrap());
        assert_eq!(values[1], legacy_signature(old, 1_649_367_553, "{}").unwrap());
        assert_eq!(legacy_signature_header(&[new], 1, "{}").unwrap(), legacy_signature(new, 1, "{}").unwrap());
    }
}
