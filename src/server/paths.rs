//! Which part of the site a path belongs to, for the layers that treat
//! parts differently before any route is matched.

/// Whether a path belongs to the bearer-authenticated API: no cookies, so no
/// origin check, and failures answer in the API's error shape.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/v1/") || path == "/api/graphql"
}

/// The OAuth endpoints clients call with their own credentials (a secret or
/// a code verifier), never a cookie: like the API, no origin check.
pub fn is_oauth_client_path(path: &str) -> bool {
    matches!(path, "/oauth/token" | "/oauth/revoke" | "/oauth/introspect")
}

/// Where the program's billing system posts its webhooks. The payload's
/// signature authenticates it (`domain::billing`), never a cookie: no
/// origin check.
pub const STRIPE_HOOK_PATH: &str = "/billing/stripe";

/// Whether a path takes signed webhooks from another system.
pub fn is_signed_hook_path(path: &str) -> bool {
    path == STRIPE_HOOK_PATH
}

/// The OAuth consent screen (its page and its form's answer).
pub const CONSENT_PATH: &str = "/oauth/authorize";
