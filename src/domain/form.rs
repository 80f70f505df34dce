//! What a refused form keeps for the page it is sent back to, and where on
//! that page it lands. A browser without JavaScript posts the form and
//! follows a redirect back; the page it gets must show the form as typed
//! (never a password), its errors, and open at the form, not the top.

/// The hidden field that tells repeated forms of one action apart (one per
/// table row, say): a draft goes back only to the form with the same key.
pub const KEY_FIELD: &str = "__form_key";

/// The most a form's body may weigh for its draft to be kept. Larger posts
/// (none of the portal's typed forms come close) go through untouched.
pub const MAX_DRAFT_BYTES: usize = 64 * 1024;

/// How long a draft waits for its page. A draft is taken by the first load
/// of the page it was refused on; one that is never fetched (the redirect
/// not followed) must not come back hours later.
pub const DRAFT_TTL_MS: i64 = 10 * 60 * 1000;

/// Whether a posted field may be kept to fill the form in again. Secrets
/// are never kept: they would sit in the session store in clear, and
/// browsers do not fill a password back in either.
pub fn keeps_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !["password", "secret", "token", "confirm", "current"].iter().any(|s| lower.contains(s))
}

/// The id of the place on a page where the form of a server function sits,
/// so a redirect back can open the page there (`/page#form-sign_in`).
/// Server functions are named by their path (`/api/sign_in…`).
pub fn anchor(server_fn_path: &str) -> String {
    let name = server_fn_path.rsplit('/').next().unwrap_or_default();
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect();
    format!("form-{safe}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_other_secrets_are_never_kept_but_typed_text_is() {
        for name in ["password", "new_password", "Password", "confirm", "current", "secret", "reset_token"] {
            assert!(!keeps_field(name), "{name}");
        }
        for name in ["email", "company", "description", "amount_minor", KEY_FIELD, "next"] {
            assert!(keeps_field(name), "{name}");
        }
    }

    #[test]
    fn a_forms_place_is_named_after_its_server_function_in_characters_an_id_allows() {
        assert_eq!(anchor("/api/sign_in17062"), "form-sign_in17062");
        assert_eq!(anchor("/api/record_event"), "form-record_event");
        assert_eq!(anchor("/api/odd\"name<x>"), "form-oddnamex");
        assert_eq!(anchor(""), "form-");
    }
}
