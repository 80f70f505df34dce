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
        version: "1.2.0",
        date: "2026-12-02",
        changes: &[
            "The revenue:read scope, and GraphQL `revenue` (production credentials only): commission this month \
             and year, revenue and commission by month, and statements with their lines by cursor and their payout.",
            "Deprecated operations answer with Deprecation (RFC 9745), Sunset (RFC 8594) and a Link to this page, \
             and are marked deprecated in the OpenAPI document. None is deprecated today.",
        ],
    },
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

/// An operation on its way out: still served, with notice, until its
/// sunset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deprecation {
    /// `GET`, `POST`…
    pub method: &'static str,
    /// The route as the OpenAPI document names it: `/api/v1/agents/{agent_id}`.
    pub path: &'static str,
    /// ISO date of the notice.
    pub announced: &'static str,
    /// ISO date after which it may stop answering.
    pub sunset: &'static str,
    /// What to use instead, in words.
    pub instead: &'static str,
}

/// Operations deprecated now. An entry makes the operation answer with
/// `Deprecation`, `Sunset` and `Link` headers and marks it `deprecated` in
/// the OpenAPI document; the changelog page lists it. None today: v1 has
/// only grown.
pub const DEPRECATIONS: &[Deprecation] = &[];

/// The entry of `table` for a request's method and route, if any.
pub fn deprecation<'a>(table: &'a [Deprecation], method: &str, route: &str) -> Option<&'a Deprecation> {
    table.iter().find(|d| d.method.eq_ignore_ascii_case(method) && d.path == route)
}

/// Whether an entry keeps the policy: dates that parse, and a sunset at
/// least `NOTICE_MONTHS` after the notice.
pub fn gives_notice(d: &Deprecation) -> bool {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    match (day(d.announced), day(d.sunset)) {
        (Some(from), Some(to)) => {
            from.checked_add_months(chrono::Months::new(NOTICE_MONTHS)).is_some_and(|earliest| to >= earliest)
        }
        _ => false,
    }
}

/// The response headers a deprecated operation answers with: `Deprecation`
/// as an RFC 9745 date (`@` and seconds since the epoch), `Sunset` as an
/// RFC 8594 HTTP date, and a `Link` to the changelog (RFC 9745's
/// `deprecation` relation). Dates are midnight UTC of the entry's days.
pub fn headers(d: &Deprecation, changelog: &str) -> Option<[(&'static str, String); 3]> {
    let midnight = |s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
    };
    let (announced, sunset) = (midnight(d.announced)?, midnight(d.sunset)?);
    Some([
        ("deprecation", format!("@{}", announced.timestamp())),
        ("sunset", sunset.format("%a, %d %b %Y %H:%M:%S GMT").to_string()),
        ("link", format!("<{changelog}>; rel=\"deprecation\"; type=\"text/html\"")),
    ])
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

    const OLD: Deprecation = Deprecation {
        method: "GET",
        path: "/api/v1/old/{id}",
        announced: "2027-01-15",
        sunset: "2027-07-15",
        instead: "GET /api/v1/new/{id}",
    };

    #[test]
    fn every_deprecation_gives_at_least_six_months_notice() {
        for d in DEPRECATIONS {
            assert!(gives_notice(d), "{} {} goes too soon", d.method, d.path);
        }
        assert!(gives_notice(&OLD));
        assert!(!gives_notice(&Deprecation { sunset: "2027-07-14", ..OLD }));
        assert!(!gives_notice(&Deprecation { sunset: "soon", ..OLD }));
    }

    #[test]
    fn a_deprecated_route_is_found_by_its_method_and_template_only() {
        let table = [OLD];
        assert_eq!(deprecation(&table, "get", "/api/v1/old/{id}"), Some(&OLD));
        assert_eq!(deprecation(&table, "POST", "/api/v1/old/{id}"), None);
        assert_eq!(deprecation(&table, "GET", "/api/v1/old/agt_1"), None);
    }

    #[test]
    fn the_headers_carry_the_notice_as_epoch_seconds_and_the_sunset_as_an_http_date() {
        let [dep, sunset, link] = headers(&OLD, "https://portal.example/developers/changelog").unwrap();
        // 2027-01-15T00:00:00Z, checked with `date -u -d 2027-01-15 +%s`.
        assert_eq!(dep, ("deprecation", "@1799971200".to_owned()));
        assert_eq!(sunset, ("sunset", "Thu, 15 Jul 2027 00:00:00 GMT".to_owned()));
        assert_eq!(link.1, "<https://portal.example/developers/changelog>; rel=\"deprecation\"; type=\"text/html\"");
        assert!(headers(&Deprecation { announced: "15/01/2027", ..OLD }, "x").is_none());
    }
}
