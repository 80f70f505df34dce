//! The partner API's versions and what changed in each, newest first: the
//! changelog page shows them, and the OpenAPI document carries the newest
//! version. The handbook's API standard (§3.1) asks for "semantic
//! versioning with deprecation policies"; the policy is stated once here.

/// What the API promises about change, as the changelog page and the
/// document's description state it.
pub const POLICY: &str = "The API document follows semantic versioning. Within /api/v1 changes are additive only \
     (new operations, new optional fields and parameters, new enum values announced here): a minor version. An \
     operation that will go away is first marked deprecated in the document and answers with Deprecation and \
     Sunset headers and a link to this page, and keeps working for at least six months after the notice.";

/// Months between a deprecation notice and the earliest removal.
pub const NOTICE_MONTHS: u32 = 6;

/// One version of the API document.
pub struct Change {
    pub version: &'static str,
    /// ISO date it was released.
    pub date: &'static str,
    pub changes: &'static [&'static str],
}

pub const CHANGES: &[Change] = &[
    Change {
        version: "1.1.0",
        date: "2026-12-02",
        changes: &[
            "OAuth 2.0 access tokens are accepted wherever an API key is, with the same scopes and limits \
             (client credentials, or the authorization code with PKCE; see Developers → OAuth apps).",
            "Certificate-bound access tokens (RFC 8705) for apps registered with a TLS client certificate.",
            "GET /api/v1/me: the caller's organisation, environment, credential, scopes, rate limit and sandbox \
             quotas.",
            "GraphQL at POST /api/graphql (read only): the caller, agents with trust history by cursor, \
             certification with its timeline, webhook subscriptions with deliveries; schema at \
             /api/graphql/schema.graphql.",
        ],
    },
    Change {
        version: "1.0.0",
        date: "2026-11-01",
        changes: &["Agents, trust scores and outcome events; webhook subscriptions; certification status; leads and \
             deal registration. API keys per environment, idempotency keys and one error shape."],
    },
];

/// The current version of the API document.
pub fn current() -> &'static str {
    CHANGES[0].version
}

/// Whether `version` is `MAJOR.MINOR.PATCH` of plain numbers.
pub fn is_semver(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(v: &str) -> Vec<u64> {
        v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
    }

    #[test]
    fn every_version_is_semantic_and_the_list_runs_newest_first_within_major_one() {
        for c in CHANGES {
            assert!(is_semver(c.version), "{}", c.version);
            assert!(c.version.starts_with("1."), "v1 documents only: {}", c.version);
            assert!(!c.changes.is_empty());
        }
        for pair in CHANGES.windows(2) {
            assert!(order(pair[0].version) > order(pair[1].version), "{} after {}", pair[0].version, pair[1].version);
            assert!(pair[0].date >= pair[1].date);
        }
        assert_eq!(current(), CHANGES[0].version);
        assert!(!is_semver("1.1") && !is_semver("v1.1.0") && !is_semver("1.a.0"));
    }
}
