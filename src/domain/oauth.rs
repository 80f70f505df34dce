//! OAuth 2.0 rules for the partner API's authorization server, as pure
//! functions: what a client may register as its redirect addresses, how an
//! authorization request's redirect and scopes are checked, PKCE's S256
//! verification, when a code may be exchanged, what a presented refresh
//! token means, and when an access token still opens the API.
//!
//! The handbook's API standard (§3.1) asks for "OAuth 2.0 with refresh
//! token support"; the rules follow the RFCs: 6749 (the framework, its
//! error codes), 7636 (PKCE, S256 only here), 8252 §7.3 (loopback
//! redirects for native apps) and the OAuth 2.0 Security BCP (RFC 9700:
//! exact redirect matching, refresh token rotation with reuse detection).

use super::certification::CertState;
use super::integration::{Environment, Scope};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

choices!(
    /// RFC 6749 §2.1: a confidential client keeps a secret; a public one
    /// (a browser or native app) cannot, and must use PKCE.
    ClientKind {
        Confidential => "confidential", "Confidential (a server that keeps a secret)";
        Public => "public", "Public (a browser or mobile app, PKCE only)";
    }
);

choices!(
    /// The error codes of RFC 6749 §4.1.2.1 and §5.2, as the token and
    /// authorization endpoints answer them.
    OAuthError {
        InvalidRequest => "invalid_request", "The request is missing a parameter or repeats one.";
        InvalidClient => "invalid_client", "The client is unknown or its authentication failed.";
        InvalidGrant => "invalid_grant", "The code or refresh token is invalid, expired, revoked or was issued to another client.";
        UnauthorizedClient => "unauthorized_client", "This client may not use this grant type.";
        UnsupportedGrantType => "unsupported_grant_type", "The grant type is not supported.";
        UnsupportedResponseType => "unsupported_response_type", "Only the authorization code response type is supported.";
        InvalidScope => "invalid_scope", "A requested scope is unknown or beyond what the client may ask.";
        AccessDenied => "access_denied", "The person declined the request.";
    }
);

choices!(
    /// The grants the token endpoint answers (RFC 6749 §4.1, §4.4, §6).
    GrantType {
        AuthorizationCode => "authorization_code", "Authorization code with PKCE (an app acting for a person)";
        ClientCredentials => "client_credentials", "Client credentials (a server acting for the partner)";
        RefreshToken => "refresh_token", "Refresh token";
    }
);

/// An access token's life: short, since a stolen one cannot be recalled
/// from a server that does not ask us (ours are checked on every call).
pub const ACCESS_TOKEN_SECONDS: i64 = 600;
/// An authorization code's life (RFC 6749 §4.1.2 recommends at most ten
/// minutes; a browser redirect takes seconds).
pub const CODE_SECONDS: i64 = 60;
/// A refresh token's life; each use replaces it with a new one.
pub const REFRESH_TOKEN_DAYS: i64 = 30;
/// How long one consent lasts before the person is asked again.
pub const GRANT_DAYS: i64 = 180;
/// A new signing key is made when the newest is this old.
pub const SIGNING_KEY_DAYS: i64 = 30;

/// Whether a signing key made at `created_ms` is still published in the
/// JWKS (and accepted): while current, and for a day after a newer one
/// took over, longer than any token it signed lives.
pub fn key_published(created_ms: i64, newest_ms: i64, now_ms: i64) -> bool {
    const DAY: i64 = 86_400_000;
    created_ms == newest_ms || now_ms - created_ms < (SIGNING_KEY_DAYS + 1) * DAY
}

/// Whether the newest signing key (made at `newest_ms`, if any) is due to
/// be replaced.
pub fn key_due(newest_ms: Option<i64>, now_ms: i64) -> bool {
    newest_ms.is_none_or(|t| now_ms - t >= SIGNING_KEY_DAYS * 86_400_000)
}

/// The redirect addresses a registration form gives, one per line: each
/// checked, none twice, at most `MAX_REDIRECTS`. A public client needs one
/// (it can only use the authorization code grant); a confidential client
/// may have none if it only uses client credentials.
pub fn parse_redirect_uris(text: &str, kind: ClientKind) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let uri = check_redirect_uri(line).map_err(|e| format!("{line}: {e}"))?;
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    if out.len() > MAX_REDIRECTS {
        return Err(format!("Register at most {MAX_REDIRECTS} redirect addresses."));
    }
    if out.is_empty() && kind == ClientKind::Public {
        return Err("A public client signs people in, so it needs a redirect address.".into());
    }
    Ok(out)
}

/// Whether a client of `kind` with `redirects` may use `grant`: client
/// credentials need a secret (RFC 6749 §4.4), and the authorization code
/// needs somewhere to send the code.
pub fn grant_allowed(kind: ClientKind, has_redirects: bool, grant: GrantType) -> Result<(), OAuthError> {
    match grant {
        GrantType::ClientCredentials if kind == ClientKind::Public => Err(OAuthError::UnauthorizedClient),
        GrantType::AuthorizationCode if !has_redirects => Err(OAuthError::UnauthorizedClient),
        _ => Ok(()),
    }
}

/// Who may consent to an app acting for them: an owner of the partner that
/// registered it, since an owner is who may create API keys with the same
/// scopes.
pub fn may_consent(same_organisation: bool, is_owner: bool) -> Result<(), String> {
    match (same_organisation, is_owner) {
        (true, true) => Ok(()),
        (true, false) => Err("Only an owner of your organisation can allow an app to act for it.".into()),
        (false, _) => Err("This app belongs to another partner; it cannot act for your organisation.".into()),
    }
}

/// RFC 8705 §3.1: the SHA-256 thumbprint (`x5t#S256`) of the client
/// certificate a TLS-terminating proxy passed on, base64url without
/// padding. The proxy sends the certificate URL-encoded as PEM (nginx's
/// `$ssl_client_escaped_cert`) or as base64 DER (Caddy's
/// `{tls_client_certificate_der_base64}`); `None` for anything else.
pub fn cert_thumbprint(header: &str) -> Option<String> {
    use base64::engine::general_purpose::STANDARD;
    let text: String = form_urlencoded::parse(format!("c={}", header.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let body = match text.split_once("-----BEGIN CERTIFICATE-----") {
        Some((_, rest)) => rest.split_once("-----END CERTIFICATE-----")?.0.to_owned(),
        None => text,
    };
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD.decode(b64).ok().filter(|d| d.len() > 32 && d[0] == 0x30)?;
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(der)))
}

/// Redirect addresses one client may register.
pub const MAX_REDIRECTS: usize = 5;
const REDIRECT_MAX_LEN: usize = 2000;

/// A redirect address a client registers, checked: absolute, HTTPS (or
/// plain HTTP on the loopback interface, RFC 8252 §7.3), without a fragment
/// (RFC 6749 §3.1.2) and without spaces or control characters. It is kept
/// exactly as written, since requests must match it exactly.
pub fn check_redirect_uri(input: &str) -> Result<String, String> {
    let uri = input.trim();
    if uri.is_empty() {
        return Err("Give the address to send people back to, such as https://app.example.com/callback.".into());
    }
    if uri.len() > REDIRECT_MAX_LEN {
        return Err(format!("Keep the address under {REDIRECT_MAX_LEN} characters."));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The address cannot contain spaces or control characters.".into());
    }
    if uri.contains('#') {
        return Err("A redirect address cannot have a fragment (#…).".into());
    }
    let (secure, rest) = match (uri.strip_prefix("https://"), uri.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err("Use an https:// address (http:// only for 127.0.0.1, [::1] or localhost).".into()),
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err("The address needs a host name, without a user name or password.".into());
    }
    if !secure && !is_loopback(authority) {
        return Err("Use https:// for addresses other than 127.0.0.1, [::1] or localhost.".into());
    }
    Ok(uri.to_owned())
}

/// The host of `authority` (`host[:port]`) is the loopback interface.
fn is_loopback(authority: &str) -> bool {
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default().to_owned()
    };
    matches!(host.to_ascii_lowercase().as_str(), "127.0.0.1" | "[::1]" | "localhost")
}

/// Whether an authorization request's `redirect_uri` is one the client
/// registered: compared as exact strings (RFC 9700 §4.1.3), except that a
/// loopback address may name any port (RFC 8252 §7.3), as native apps take
/// whichever port is free.
pub fn redirect_matches(registered: &[String], asked: &str) -> bool {
    registered.iter().any(|r| r == asked || same_but_loopback_port(r, asked))
}

fn same_but_loopback_port(registered: &str, asked: &str) -> bool {
    let split = |u: &str| -> Option<(String, String)> {
        let rest = u.strip_prefix("http://")?;
        let cut = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(cut);
        if !is_loopback(authority) {
            return None;
        }
        let host = match authority.strip_prefix('[') {
            Some(v6) => format!("[{}", v6.split(']').next().unwrap_or_default()),
            None => authority.split(':').next().unwrap_or_default().to_owned(),
        };
        Some((host, tail.to_owned()))
    };
    matches!((split(registered), split(asked)), (Some(a), Some(b)) if a == b)
}

/// RFC 7636 §4.1: a code verifier is 43 to 128 characters of
/// `[A-Za-z0-9-._~]`.
pub fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier: BASE64URL(SHA256(verifier)), without
/// padding (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether the verifier a token request presents answers the challenge its
/// authorization request made. Only S256 is accepted: `plain` would hand
/// the secret to whoever saw the authorization request.
pub fn verify_pkce(method: &str, challenge: &str, verifier: &str) -> bool {
    method == "S256" && valid_verifier(verifier) && s256_challenge(verifier) == challenge
}

/// A challenge as an authorization request sends it: S256 and the 43
/// characters of a base64url SHA-256.
pub fn check_challenge(method: &str, challenge: &str) -> Result<(), OAuthError> {
    let well_formed =
        challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if method == "S256" && well_formed {
        Ok(())
    } else {
        Err(OAuthError::InvalidRequest)
    }
}

/// The scopes a request asks for (space-separated, RFC 6749 §3.3), each
/// known and among those the client was registered with; none asked means
/// all of the client's.
pub fn requested_scopes(asked: &str, client: &[Scope]) -> Result<Vec<Scope>, OAuthError> {
    let mut out: Vec<Scope> = Vec::new();
    for key in asked.split(' ').filter(|k| !k.is_empty()) {
        let scope = Scope::parse(key).ok_or(OAuthError::InvalidScope)?;
        if !client.contains(&scope) {
            return Err(OAuthError::InvalidScope);
        }
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    Ok(if out.is_empty() { client.to_vec() } else { out })
}

/// What a presented refresh token leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Unused and current: issue a new pair and retire this token.
    Rotate,
    /// Already used: someone holds a copy, so the whole family (every
    /// token descended from the same grant) is revoked (RFC 9700 §4.14.2).
    RevokeFamily,
    /// Expired, or its family was revoked: refused with `invalid_grant`.
    Refuse,
}

/// The state of a stored refresh token as the store reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshState {
    pub used: bool,
    pub family_revoked: bool,
    pub expires_at_ms: i64,
}

pub fn refresh_outcome(token: RefreshState, now_ms: i64) -> RefreshOutcome {
    if token.family_revoked {
        RefreshOutcome::Refuse
    } else if token.used {
        RefreshOutcome::RevokeFamily
    } else if now_ms >= token.expires_at_ms {
        RefreshOutcome::Refuse
    } else {
        RefreshOutcome::Rotate
    }
}

/// Everything that decides whether an access token still opens the API:
/// what it claims, and its grant and app as stored now.
#[derive(Debug, Clone, Copy)]
pub struct TokenCheck<'a> {
    pub now_ms: i64,
    /// The brand the request came to.
    pub brand_id: i64,
    /// The thumbprint of the certificate the trusted proxy passed, if any.
    pub presented_cert: Option<&'a str>,
    pub claimed_client: &'a str,
    pub claimed_org: i64,
    /// The `cnf.x5t#S256` the token is bound to, if any.
    pub bound_to: Option<&'a str>,
    pub grant_expires_at_ms: i64,
    pub grant_revoked: bool,
    pub client_id: &'a str,
    pub client_brand: i64,
    pub client_org: i64,
    pub client_revoked: bool,
    pub environment: Environment,
    pub cert_state: CertState,
}

/// Whether a correctly signed token is still good: its grant and app
/// unrevoked and unexpired, on their own brand, for the app and partner it
/// names, the partner still allowed the app's environment (a suspended
/// partner's production tokens stop), and a bound token presented with its
/// certificate (RFC 8705 §3).
pub fn token_live(t: &TokenCheck) -> bool {
    !t.grant_revoked
        && t.grant_expires_at_ms > t.now_ms
        && !t.client_revoked
        && t.client_brand == t.brand_id
        && t.client_id == t.claimed_client
        && t.client_org == t.claimed_org
        && super::integration::may_create_key(t.environment, t.cert_state).is_ok()
        && t.bound_to.is_none_or(|thumb| t.presented_cert == Some(thumb))
}

/// The scopes a token grants: those it claims that its app still holds.
pub fn token_scopes(claimed: &str, client: &[Scope]) -> Vec<Scope> {
    super::integration::scopes_from_text(claimed).into_iter().filter(|s| client.contains(s)).collect()
}

/// A stored authorization code as a token request meets it.
#[derive(Debug, Clone, Copy)]
pub struct CodeCheck<'a> {
    /// The code was issued to the client presenting it.
    pub same_client: bool,
    /// The redirect address asked for matches the one the code was sent to.
    pub same_redirect: bool,
    pub used: bool,
    pub expires_at_ms: i64,
    pub now_ms: i64,
    pub challenge: &'a str,
    pub verifier: &'a str,
}

/// Whether a code may be exchanged (RFC 6749 §4.1.3, RFC 7636 §4.6), or
/// why not. A used code passes here: the store's single claim finds it
/// used and revokes what it gave (RFC 6749 §4.1.2).
pub fn code_exchange(c: &CodeCheck) -> Result<(), (OAuthError, Option<&'static str>)> {
    if !c.same_client || !c.same_redirect {
        return Err((OAuthError::InvalidGrant, None));
    }
    if !c.used && c.expires_at_ms <= c.now_ms {
        return Err((OAuthError::InvalidGrant, Some("The code expired; start again.")));
    }
    if !verify_pkce("S256", c.challenge, c.verifier) {
        return Err((OAuthError::InvalidGrant, Some("The code verifier does not match.")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_token() -> TokenCheck<'static> {
        TokenCheck {
            now_ms: 1_000,
            brand_id: 1,
            presented_cert: None,
            claimed_client: "cl_1",
            claimed_org: 7,
            bound_to: None,
            grant_expires_at_ms: 2_000,
            grant_revoked: false,
            client_id: "cl_1",
            client_brand: 1,
            client_org: 7,
            client_revoked: false,
            environment: Environment::Sandbox,
            cert_state: CertState::Development,
        }
    }

    #[test]
    fn a_token_is_live_only_while_its_grant_app_partner_and_certificate_all_hold() {
        let ok = live_token();
        assert!(token_live(&ok));
        assert!(!token_live(&TokenCheck { grant_revoked: true, ..ok }));
        assert!(!token_live(&TokenCheck { grant_expires_at_ms: 1_000, ..ok }));
        assert!(!token_live(&TokenCheck { client_revoked: true, ..ok }));
        assert!(!token_live(&TokenCheck { brand_id: 2, ..ok }), "another brand's host");
        assert!(!token_live(&TokenCheck { claimed_client: "cl_2", ..ok }));
        assert!(!token_live(&TokenCheck { claimed_org: 8, ..ok }));
        let production = TokenCheck { environment: Environment::Production, cert_state: CertState::Certified, ..ok };
        assert!(token_live(&production));
        assert!(!token_live(&TokenCheck { cert_state: CertState::Suspended, ..production }));
        let bound = TokenCheck { bound_to: Some("thumb"), ..ok };
        assert!(!token_live(&bound), "a bound token without its certificate");
        assert!(!token_live(&TokenCheck { presented_cert: Some("other"), ..bound }));
        assert!(token_live(&TokenCheck { presented_cert: Some("thumb"), ..bound }));
        assert!(token_live(&TokenCheck { presented_cert: Some("thumb"), ..ok }), "a certificate on an unbound token");
    }

    #[test]
    fn a_token_never_grants_a_scope_its_app_no_longer_holds() {
        let app = [Scope::AgentsRead, Scope::DealsRead];
        assert_eq!(token_scopes("agents:read agents:write deals:read nonsense", &app), app.to_vec());
        assert!(token_scopes("agents:write", &app).is_empty());
    }

    #[test]
    fn a_code_is_exchanged_by_its_client_at_its_address_in_time_with_its_verifier() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = s256_challenge(verifier);
        let ok = CodeCheck {
            same_client: true,
            same_redirect: true,
            used: false,
            expires_at_ms: 2_000,
            now_ms: 1_000,
            challenge: &challenge,
            verifier,
        };
        assert_eq!(code_exchange(&ok), Ok(()));
        assert_eq!(code_exchange(&CodeCheck { same_client: false, ..ok }), Err((OAuthError::InvalidGrant, None)));
        assert_eq!(code_exchange(&CodeCheck { same_redirect: false, ..ok }), Err((OAuthError::InvalidGrant, None)));
        let late = CodeCheck { now_ms: 2_000, ..ok };
        assert_eq!(code_exchange(&late).unwrap_err().1, Some("The code expired; start again."));
        assert_eq!(code_exchange(&CodeCheck { used: true, ..late }), Ok(()), "a replay reaches the store's claim");
        let wrong = CodeCheck { verifier: "another-verifier-of-forty-three-characters-xx", ..ok };
        assert_eq!(code_exchange(&wrong).unwrap_err().1, Some("The code verifier does not match."));
    }

    #[test]
    fn the_s256_challenge_of_rfc_7636s_example_verifier_is_the_rfcs() {
        // RFC 7636, Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256_challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(verify_pkce("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", verifier));
    }

    #[test]
    fn pkce_refuses_plain_a_wrong_verifier_and_a_malformed_one() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(!verify_pkce("plain", verifier, verifier));
        assert!(!verify_pkce("S256", &s256_challenge(verifier), &verifier.replace('d', "e")));
        let short = "a".repeat(42);
        assert!(!verify_pkce("S256", &s256_challenge(&short), &short), "43 characters at least");
        let spaced = format!("{} x", "a".repeat(50));
        assert!(!verify_pkce("S256", &s256_challenge(&spaced), &spaced));
        assert!(check_challenge("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").is_ok());
        assert_eq!(check_challenge("plain", &"a".repeat(43)), Err(OAuthError::InvalidRequest));
        assert_eq!(
            check_challenge("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"),
            Err(OAuthError::InvalidRequest)
        );
    }

    #[test]
    fn redirect_addresses_are_https_or_loopback_without_fragments_or_credentials() {
        assert!(check_redirect_uri("https://app.example.com/callback?x=1").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8765/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]/cb").is_ok());
        assert!(check_redirect_uri("http://localhost:3000/cb").is_ok());
        for bad in [
            "",
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https://user:pw@app.example.com/cb",
            "https:///cb",
            "ftp://app.example.com/cb",
            "https://app.example.com/c b",
            "http://127.0.0.1.evil.example/cb",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redirect_matches_exactly_except_for_a_loopback_port() {
        let registered = vec!["https://app.example.com/cb".to_owned(), "http://127.0.0.1/cb".to_owned()];
        assert!(redirect_matches(&registered, "https://app.example.com/cb"));
        assert!(!redirect_matches(&registered, "https://app.example.com/cb/"));
        assert!(!redirect_matches(&registered, "https://app.example.com/cb?x=1"));
        assert!(!redirect_matches(&registered, "https://APP.example.com/cb"));
        assert!(redirect_matches(&registered, "http://127.0.0.1:51234/cb"));
        assert!(!redirect_matches(&registered, "http://127.0.0.1:51234/other"));
        assert!(!redirect_matches(&registered, "http://localhost:51234/cb"), "another loopback name is not the same");
    }

    #[test]
    fn scopes_asked_must_be_the_clients_and_none_asked_means_all_of_them() {
        let client = [Scope::AgentsRead, Scope::DealsRead];
        assert_eq!(requested_scopes("", &client), Ok(client.to_vec()));
        assert_eq!(requested_scopes("deals:read  deals:read", &client), Ok(vec![Scope::DealsRead]));
        assert_eq!(requested_scopes("deals:write", &client), Err(OAuthError::InvalidScope));
        assert_eq!(requested_scopes("admin", &client), Err(OAuthError::InvalidScope));
    }

    #[test]
    fn a_certificate_passed_as_escaped_pem_or_base64_der_has_the_same_thumbprint() {
        // A DER SEQUENCE stands in for a certificate: the thumbprint is of the bytes.
        let der: Vec<u8> = std::iter::once(0x30).chain((0..64).map(|i| i as u8)).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n{}\n-----END CERTIFICATE-----\n", &b64[..40], &b64[40..]);
        // As nginx's `$ssl_client_escaped_cert` writes it: spaces as %20.
        let escaped = form_urlencoded::byte_serialize(pem.as_bytes()).collect::<String>().replace('+', "%20");
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(&der));
        assert_eq!(cert_thumbprint(&escaped).as_deref(), Some(expected.as_str()));
        assert_eq!(cert_thumbprint(&b64).as_deref(), Some(expected.as_str()));
        assert_eq!(cert_thumbprint(""), None);
        assert_eq!(cert_thumbprint("not a certificate"), None);
        assert_eq!(cert_thumbprint("-----BEGIN CERTIFICATE-----AAAA"), None, "unterminated");
    }

    #[test]
    fn a_signing_key_stays_published_a_day_past_its_rotation() {
        const DAY: i64 = 86_400_000;
        assert!(key_due(None, 0), "the first key is made on first use");
        assert!(!key_due(Some(0), SIGNING_KEY_DAYS * DAY - 1));
        assert!(key_due(Some(0), SIGNING_KEY_DAYS * DAY));
        let newest = SIGNING_KEY_DAYS * DAY;
        assert!(key_published(0, newest, newest + DAY - 1), "still checks tokens it signed");
        assert!(!key_published(0, newest, newest + DAY));
        assert!(key_published(newest, newest, newest + 400 * DAY), "the newest is always published");
    }

    #[test]
    fn redirect_lists_are_checked_line_by_line_and_a_public_client_needs_one() {
        let ok = parse_redirect_uris(
            "https://a.example/cb\n\n  https://a.example/cb \nhttp://127.0.0.1/cb",
            ClientKind::Public,
        );
        assert_eq!(ok, Ok(vec!["https://a.example/cb".to_owned(), "http://127.0.0.1/cb".to_owned()]));
        assert!(parse_redirect_uris("", ClientKind::Public).is_err());
        assert_eq!(parse_redirect_uris("", ClientKind::Confidential), Ok(vec![]));
        let bad = parse_redirect_uris("https://a.example/cb\nhttp://a.example/cb", ClientKind::Confidential);
        assert!(bad.unwrap_err().starts_with("http://a.example/cb: "), "names the line at fault");
        let six: String = (0..6).map(|i| format!("https://a.example/{i}\n")).collect();
        assert!(parse_redirect_uris(&six, ClientKind::Confidential).is_err());
    }

    #[test]
    fn a_public_client_cannot_use_client_credentials_nor_a_client_without_redirects_the_code() {
        use GrantType::*;
        assert_eq!(grant_allowed(ClientKind::Public, true, ClientCredentials), Err(OAuthError::UnauthorizedClient));
        assert_eq!(
            grant_allowed(ClientKind::Confidential, false, AuthorizationCode),
            Err(OAuthError::UnauthorizedClient)
        );
        assert!(grant_allowed(ClientKind::Confidential, false, ClientCredentials).is_ok());
        assert!(grant_allowed(ClientKind::Public, true, AuthorizationCode).is_ok());
        assert!(grant_allowed(ClientKind::Public, true, RefreshToken).is_ok());
    }

    #[test]
    fn only_an_owner_of_the_apps_partner_may_consent() {
        assert!(may_consent(true, true).is_ok());
        assert!(may_consent(true, false).is_err());
        assert!(may_consent(false, true).is_err());
    }

    #[test]
    fn a_used_refresh_token_revokes_its_family_and_an_expired_one_is_refused() {
        let fresh = RefreshState { used: false, family_revoked: false, expires_at_ms: 1_000 };
        assert_eq!(refresh_outcome(fresh, 999), RefreshOutcome::Rotate);
        assert_eq!(refresh_outcome(fresh, 1_000), RefreshOutcome::Refuse);
        assert_eq!(refresh_outcome(RefreshState { used: true, ..fresh }, 10), RefreshOutcome::RevokeFamily);
        let revoked = RefreshState { used: true, family_revoked: true, ..fresh };
        assert_eq!(
            refresh_outcome(revoked, 10),
            RefreshOutcome::Refuse,
            "a revoked family is refused, not revoked again"
        );
    }
}
