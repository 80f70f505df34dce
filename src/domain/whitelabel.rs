//! White-label rules (guide "White-Label Configuration"): brand colours and
//! their contrast, custom domain names, and email templates with checked
//! placeholders. Pure; the branding page, domain verification and mail
//! rendering call these.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An sRGB colour typed as `#rgb` or `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colour(pub [u8; 3]);

impl Colour {
    pub const WHITE: Colour = Colour([255, 255, 255]);

    pub fn parse(input: &str) -> Result<Colour, String> {
        let t = input.trim();
        let hex = t.strip_prefix('#').unwrap_or(t);
        let full: String = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_owned(),
            _ => return Err(format!("\"{t}\" is not a colour; use a hex code like #1d4ed8.")),
        };
        let mut rgb = [0u8; 3];
        for (i, slot) in rgb.iter_mut().enumerate() {
            *slot = u8::from_str_radix(&full[i * 2..i * 2 + 2], 16)
                .map_err(|_| format!("\"{t}\" is not a colour; use a hex code like #1d4ed8."))?;
        }
        Ok(Colour(rgb))
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0[0]) + 0.7152 * channel(self.0[1]) + 0.0722 * channel(self.0[2])
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }
}

/// The WCAG 2 contrast ratio of two colours (1 to 21).
pub fn contrast(a: Colour, b: Colour) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// A pair of colours the portal draws together, and the contrast it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContrastProblem {
    pub field: &'static str,
    pub message: String,
}

/// Checks the pairs the theme uses: white text on the primary colour (buttons,
/// the header) and primary links on white need 4.5:1 (WCAG 2 AA, normal
/// text); the accent marks focus and highlights on white and needs 3:1
/// (WCAG 2 AA, user-interface components).
pub fn check_brand_colours(primary: Colour, accent: Colour) -> Vec<ContrastProblem> {
    let mut out = Vec::new();
    let text = contrast(primary, Colour::WHITE);
    if text < 4.5 {
        out.push(ContrastProblem {
            field: "primary",
            message: format!(
                "White text on {primary} has a contrast of {text:.2}:1; it needs 4.5:1 (WCAG 2 AA), {:.2} short. Choose a darker primary colour.",
                4.5 - text
            ),
        });
    }
    let ui = contrast(accent, Colour::WHITE);
    if ui < 3.0 {
        out.push(ContrastProblem {
            field: "accent",
            message: format!(
                "{accent} on a white page has a contrast of {ui:.2}:1; it needs 3:1 (WCAG 2 AA for interface elements), {:.2} short.",
                3.0 - ui
            ),
        });
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("Enter a domain name such as partners.example.com.")]
    Empty,
    #[error("Enter the domain only: no scheme, path or port.")]
    NotJustAHost,
    #[error("An IP address cannot be a custom domain; use a domain name.")]
    IpAddress,
    #[error("\"{0}\" is not a valid domain name.")]
    Invalid(String),
    #[error("Use a domain with at least two parts, such as partners.example.com.")]
    TooShort,
}

/// A custom domain as the portal stores and compares it: lower case, ASCII
/// (IDNA: `bücher.example` → `xn--bcher-kva.example`), without a trailing
/// dot. Ports, schemes, paths and IP addresses are refused.
pub fn parse_domain(input: &str) -> Result<String, DomainError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(DomainError::Empty);
    }
    if t.contains("://") || t.contains('/') || t.contains('@') || t.contains('?') || t.contains('#') {
        return Err(DomainError::NotJustAHost);
    }
    if t.parse::<std::net::IpAddr>().is_ok() || t.trim_matches(['[', ']']).parse::<std::net::Ipv6Addr>().is_ok() {
        return Err(DomainError::IpAddress);
    }
    if t.contains(':') {
        return Err(DomainError::NotJustAHost);
    }
    let t = t.strip_suffix('.').unwrap_or(t);
    let ascii = idna::domain_to_ascii(t).map_err(|_| DomainError::Invalid(t.to_owned()))?;
    if ascii.is_empty() || ascii.len() > 253 {
        return Err(DomainError::Invalid(t.to_owned()));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err(DomainError::TooShort);
    }
    for l in &labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(DomainError::Invalid(t.to_owned()));
        }
    }
    if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
        return Err(DomainError::IpAddress);
    }
    Ok(ascii)
}

/// The DNS record that proves a partner controls `domain`.
pub fn verification_record(domain: &str) -> String {
    format!("_partner-portal-challenge.{domain}")
}

choices!(
    /// The emails a white-label partner may word itself.
    TemplateKind {
        Invitation => "invitation", "Invitation";
        PasswordReset => "password_reset", "Password reset";
        CertificationDecision => "certification_decision", "Certification decision";
        StatementReady => "statement_ready", "Statement ready";
        FundDecision => "fund_decision", "Co-marketing fund decision";
    }
);

impl TemplateKind {
    /// The placeholders a template of this kind may use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            TemplateKind::Invitation => &["brand_name", "recipient_email", "support_email", "link", "inviter"],
            TemplateKind::PasswordReset => &["brand_name", "recipient_email", "support_email", "link"],
            TemplateKind::CertificationDecision => {
                &["brand_name", "recipient_email", "support_email", "link", "organisation", "state", "note"]
            }
            TemplateKind::StatementReady => {
                &["brand_name", "recipient_email", "support_email", "link", "organisation", "month", "currency"]
            }
            TemplateKind::FundDecision => &[
                "brand_name",
                "recipient_email",
                "support_email",
                "link",
                "organisation",
                "activity",
                "outcome",
                "note",
            ],
        }
    }
}

impl TemplateKind {
    /// The wording used until a partner writes its own.
    pub fn default_template(self) -> (&'static str, &'static str) {
        match self {
            TemplateKind::Invitation => (
                "You are invited to {{ brand_name }}",
                "Hello,\n\n{{ inviter }} invited you to {{ brand_name }}.\n\nCreate your account here; the link works once, within 7 days:\n{{ link }}\n\nQuestions? Write to {{ support_email }}.\n",
            ),
            TemplateKind::PasswordReset => (
                "Reset your {{ brand_name }} password",
                "Hello,\n\nSomeone asked to reset the password of {{ recipient_email }}. If it was you, choose a new password here; the link works once, within an hour:\n{{ link }}\n\nIf it was not you, ignore this email.\n",
            ),
            TemplateKind::CertificationDecision => (
                "{{ brand_name }} certification: {{ organisation }} is now {{ state }}",
                "Hello,\n\n{{ organisation }}'s certification is now {{ state }}.\n\n{{ note }}\n\nSee the details at {{ link }}\n",
            ),
            TemplateKind::StatementReady => (
                "{{ brand_name }}: your {{ month }} statement is ready",
                "Hello,\n\nThe {{ month }} statement for {{ organisation }} in {{ currency }} is closed.\n\nSee every line, and download it as CSV, at {{ link }}\n",
            ),
            TemplateKind::FundDecision => (
                "{{ brand_name }} co-marketing funds: {{ activity }}: {{ outcome }}",
                "Hello,\n\n{{ organisation }}'s co-marketing fund request \"{{ activity }}\": {{ outcome }}.\n\n{{ note }}\n\nSee your requests at {{ link }}\n",
            ),
        }
    }

    /// Example values for previews and test emails.
    pub fn sample_values(self, brand_name: &str, support_email: &str, to: &str) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("brand_name", brand_name.to_owned()),
            ("recipient_email", to.to_owned()),
            ("support_email", support_email.to_owned()),
            ("link", "https://portal.example/link?token=sample".to_owned()),
        ];
        match self {
            TemplateKind::Invitation => v.push(("inviter", "Ada Owner".to_owned())),
            TemplateKind::PasswordReset => {}
            TemplateKind::CertificationDecision => {
                v.push(("organisation", "Example Customer Ltd".to_owned()));
                v.push(("state", "Certified".to_owned()));
                v.push(("note", "All checks passed.".to_owned()));
            }
            TemplateKind::StatementReady => {
                v.push(("organisation", "Example Customer Ltd".to_owned()));
                v.push(("month", "November 2026".to_owned()));
                v.push(("currency", "USD".to_owned()));
            }
            TemplateKind::FundDecision => {
                v.push(("organisation", "Example Customer Ltd".to_owned()));
                v.push(("activity", "Webinar: Agents in production".to_owned()));
                v.push(("outcome", "approved for $2,500.00".to_owned()));
                v.push(("note", String::new()));
            }
        }
        v
    }
}

/// A rendered email: subject and text with the values filled in, and an
/// HTML alternative in which the template and every value are escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn render_email(subject: &str, body: &str, values: &[(&str, String)]) -> RenderedEmail {
    let plain = |s: &str| s.replace(['\r', '\n'], " ");
    // A subject is one header line, whatever the template or values hold.
    let subject = render(subject, values, plain).replace(['\r', '\n'], " ");
    let text = render(body, values, |s| s.to_owned());
    let escaped_template = escape_html(body);
    let html_body = render(&escaped_template, values, escape_html);
    let paragraphs: Vec<String> = html_body
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", p.trim().replace('\n', "<br>")))
        .collect();
    RenderedEmail { subject, text, html: paragraphs.join("\n") }
}

/// The placeholders `{{ name }}` in a template text, or why it cannot be read.
fn placeholders_in(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("A placeholder opened with {{ is not closed with }}.")?;
        let name = after[..end].trim();
        if name.is_empty() || name.contains('{') {
            return Err("Write placeholders as {{ name }}.".into());
        }
        out.push(name.to_owned());
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("A }} has no matching {{.".into());
    }
    Ok(out)
}

/// Checks a template's subject and body: every placeholder must be one this
/// kind offers, and the body must contain the link when the kind has one.
pub fn check_template(kind: TemplateKind, subject: &str, body: &str) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    for (field, text, max) in [("subject", subject, 200usize), ("body", body, 10_000)] {
        if text.trim().is_empty() {
            errors.push((field, "This field is required.".to_owned()));
            continue;
        }
        if text.chars().count() > max {
            errors.push((field, format!("Use at most {max} characters.")));
            continue;
        }
        match placeholders_in(text) {
            Err(e) => errors.push((field, e)),
            Ok(names) => {
                let unknown: Vec<String> =
                    names.into_iter().filter(|n| !kind.placeholders().contains(&n.as_str())).collect();
                if !unknown.is_empty() {
                    errors.push((
                        field,
                        format!(
                            "Unknown placeholder {}. You can use: {}.",
                            unknown.iter().map(|u| format!("{{{{ {u} }}}}")).collect::<Vec<_>>().join(", "),
                            kind.placeholders().iter().map(|p| format!("{{{{ {p} }}}}")).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if subject.contains('\n') || subject.contains('\r') {
        errors.push(("subject", "The subject is one line.".to_owned()));
    }
    let has_link = placeholders_in(body).is_ok_and(|names| names.iter().any(|n| n == "link"));
    if errors.is_empty() && kind.placeholders().contains(&"link") && !has_link {
        errors
            .push(("body", "The body must contain {{ link }}: it is how the recipient acts on the email.".to_owned()));
    }
    errors
}

/// Fills a checked template. `escape` is applied to every value (HTML
/// escaping for an HTML part; identity for plain text).
pub fn render(text: &str, values: &[(&str, String)], escape: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        if let Some((_, v)) = values.iter().find(|(k, _)| *k == name) {
            out.push_str(&escape(v));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_from_short_and_long_hex() {
        assert_eq!(Colour::parse("#1d4ed8"), Ok(Colour([0x1d, 0x4e, 0xd8])));
        assert_eq!(Colour::parse("fff"), Ok(Colour::WHITE));
        assert!(Colour::parse("#12345").is_err() && Colour::parse("blue").is_err() && Colour::parse("#ggg").is_err());
        assert_eq!(Colour([0x1d, 0x4e, 0xd8]).to_string(), "#1d4ed8");
    }

    #[test]
    fn contrast_follows_the_wcag_formula() {
        assert!((contrast(Colour([0, 0, 0]), Colour::WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(Colour::WHITE, Colour::WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1 grey.
        let grey = contrast(Colour::parse("#767676").unwrap(), Colour::WHITE);
        assert!((4.53..4.55).contains(&grey), "{grey}");
    }

    #[test]
    fn a_pale_primary_is_refused_with_the_pair_and_the_shortfall() {
        let problems = check_brand_colours(Colour::parse("#7dd3fc").unwrap(), Colour::parse("#1d4ed8").unwrap());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "primary");
        assert!(problems[0].message.contains("White text on #7dd3fc"), "{}", problems[0].message);
        assert!(problems[0].message.contains("needs 4.5:1"));
        let yellow_accent = check_brand_colours(Colour::parse("#1d4ed8").unwrap(), Colour::parse("#fde047").unwrap());
        assert_eq!(yellow_accent.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["accent"]);
        assert!(check_brand_colours(Colour::parse("#1d4ed8").unwrap(), Colour::parse("#b45309").unwrap()).is_empty());
    }

    #[test]
    fn domains_are_stored_lower_case_ascii_without_the_trailing_dot() {
        assert_eq!(parse_domain(" Partners.Example.COM. ").unwrap(), "partners.example.com");
        assert_eq!(parse_domain("bücher.example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(parse_domain("xn--bcher-kva.example").unwrap(), "xn--bcher-kva.example");
    }

    #[test]
    fn ports_schemes_addresses_and_malformed_names_are_refused() {
        assert_eq!(parse_domain("portal.example.com:8443"), Err(DomainError::NotJustAHost));
        assert_eq!(parse_domain("https://portal.example.com"), Err(DomainError::NotJustAHost));
        assert_eq!(parse_domain("portal.example.com/login"), Err(DomainError::NotJustAHost));
        assert_eq!(parse_domain("127.0.0.1"), Err(DomainError::IpAddress));
        assert_eq!(parse_domain("[::1]"), Err(DomainError::IpAddress));
        assert_eq!(parse_domain("::1"), Err(DomainError::IpAddress));
        assert_eq!(parse_domain("localhost"), Err(DomainError::TooShort));
        assert_eq!(parse_domain(""), Err(DomainError::Empty));
        for bad in [
            "-bad.example",
            "bad-.example",
            "a..example",
            "under_score.example",
            &format!("{}.example", "a".repeat(64)),
        ] {
            assert!(matches!(parse_domain(bad), Err(DomainError::Invalid(_))), "{bad}");
        }
        assert_eq!(verification_record("partners.example.com"), "_partner-portal-challenge.partners.example.com");
    }

    #[test]
    fn templates_may_use_only_their_kinds_placeholders_and_must_carry_the_link() {
        let ok =
            check_template(TemplateKind::Invitation, "Join {{ brand_name }}", "Hello {{recipient_email}}, {{ link }}");
        assert!(ok.is_empty(), "{ok:?}");
        let unknown = check_template(TemplateKind::PasswordReset, "Hi {{ month }}", "{{ link }}");
        assert_eq!(unknown[0].0, "subject");
        assert!(unknown[0].1.contains("{{ month }}") && unknown[0].1.contains("You can use"));
        assert_eq!(check_template(TemplateKind::PasswordReset, "Reset", "No link here")[0].0, "body");
        assert!(check_template(TemplateKind::PasswordReset, "Reset", "{{ link")[0].1.contains("not closed"));
        assert!(check_template(TemplateKind::PasswordReset, "Two\nlines", "{{ link }}")[0].1.contains("one line"));
    }

    #[test]
    fn every_default_template_passes_its_own_check_and_renders_with_sample_values() {
        for kind in TemplateKind::ALL {
            let (subject, body) = kind.default_template();
            assert!(check_template(*kind, subject, body).is_empty(), "{kind:?}");
            let r = render_email(subject, body, &kind.sample_values("Acme", "help@acme.example", "c@x.example"));
            assert!(!r.subject.contains("{{") && !r.text.contains("{{"), "{r:?}");
        }
    }

    #[test]
    fn the_html_part_escapes_the_partners_wording_and_the_values() {
        let values = [("brand_name", "Acme <Cloud>".to_owned()), ("link", "https://x.example/?a=1&b=2".to_owned())];
        let r = render_email("Hi {{ brand_name }}\n", "<b>Welcome</b> to {{ brand_name }}\n\n{{ link }}", &values);
        assert_eq!(r.subject, "Hi Acme <Cloud> ");
        assert_eq!(r.text, "<b>Welcome</b> to Acme <Cloud>\n\nhttps://x.example/?a=1&b=2");
        assert_eq!(
            r.html,
            "<p>&lt;b&gt;Welcome&lt;/b&gt; to Acme &lt;Cloud&gt;</p>\n<p>https://x.example/?a=1&amp;b=2</p>"
        );
    }

    #[test]
    fn rendering_escapes_every_value_it_fills_in() {
        let values = [("brand_name", "<b>Acme & Co</b>".to_owned()), ("link", "https://x.example/?a=1&b=2".to_owned())];
        let html = render("<p>{{ brand_name }}</p><a href=\"{{link}}\">go</a>", &values, escape_html);
        assert_eq!(html, "<p>&lt;b&gt;Acme &amp; Co&lt;/b&gt;</p><a href=\"https://x.example/?a=1&amp;b=2\">go</a>");
        assert_eq!(render("Hi {{ brand_name }}", &values, |s| s.to_owned()), "Hi <b>Acme & Co</b>");
    }
}
