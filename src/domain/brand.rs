//! A brand is the face a request is served under: the program's own, or a
//! white-label partner's on its verified domain. Every tenant-owned row
//! belongs to exactly one brand.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    pub id: i64,
    pub slug: String,
    /// The display name: page titles, the header, email sender name.
    pub name: String,
    pub is_default: bool,
    /// The white-label partner that owns this brand, if any.
    pub organisation_id: Option<i64>,
    /// `#rrggbb`; `None` keeps the program's colours.
    pub primary_colour: Option<String>,
    pub accent_colour: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
    /// Changes whenever the look changes, for cache validators.
    pub updated_at_ms: i64,
}

/// A custom domain of a brand and where its verification stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRecord {
    pub domain: String,
    /// The TXT record value that proves control.
    pub token: String,
    pub verified_at_ms: Option<i64>,
    pub checked_at_ms: Option<i64>,
    pub last_error: Option<String>,
    /// Consecutive failed checks.
    pub failures: i64,
}

/// Failed re-checks in a row after which a verified domain stops serving.
pub const MAX_DOMAIN_FAILURES: i64 = 3;

/// The CSS a brand's pages load after the main stylesheet: its colours as
/// the theme variables, on `selector` (`:root` for the whole page, or a
/// preview box). Colours must already be checked `#rrggbb` values.
pub fn brand_css(selector: &str, primary: Option<&str>, accent: Option<&str>) -> String {
    let mut vars = String::new();
    if let Some(p) = primary {
        vars.push_str(&format!("--color-brand:{p};"));
    }
    if let Some(a) = accent {
        vars.push_str(&format!("--color-brand-accent:{a};"));
    }
    if vars.is_empty() {
        String::new()
    } else {
        format!("{selector}{{{vars}}}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_without_colours_adds_no_css() {
        assert_eq!(brand_css(":root", None, None), "");
        assert_eq!(brand_css(":root", Some("#112233"), None), ":root{--color-brand:#112233;}\n");
        assert_eq!(
            brand_css(".brand-preview", Some("#112233"), Some("#445566")),
            ".brand-preview{--color-brand:#112233;--color-brand-accent:#445566;}\n"
        );
    }
}
