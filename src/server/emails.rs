//! The email catalogue: every email the portal sends, in the program's own
//! wording, and for the emails a white-label partner may word itself (its
//! templates, `TemplateKind`), the values its template fills. Use cases say
//! which email and to whom; whose wording applies is decided here, once.

use super::context::{store_error, Ctx};
use super::store::{OutgoingEmail, Store, StoreError};
use crate::domain::application::Decision;
use crate::domain::brand::Brand;
use crate::domain::certification::CertState;
use crate::domain::role::{OrgRole, Role};
use crate::domain::whitelabel::{render_email, TemplateKind};
use crate::error::AppError;
use std::sync::Arc;

fn plain(to: &str, subject: String, text: String) -> OutgoingEmail {
    OutgoingEmail { from_name: None, html: None, to: to.to_owned(), subject, text }
}

pub fn password_reset_email(to: &str, name: &str, brand: &str, link: &str) -> OutgoingEmail {
    plain(
        to,
        format!("Reset your {brand} password"),
        format!(
            "Hello {name},\n\nSomeone asked to reset the password of your {brand} account. \
             If it was you, open this link within one hour to choose a new password:\n\n{link}\n\n\
             The link works once. If you did not ask for it, ignore this email: your password stays as it is.\n"
        ),
    )
}

pub fn invitation_email(to: &str, name: &str, role: Role, inviter: &str, brand: &str, link: &str) -> OutgoingEmail {
    plain(
        to,
        format!("You are invited to {brand}"),
        format!(
            "Hello {name},\n\n{inviter} invited you to {brand} as {role}. \
             Open this link within seven days to set your password and sign in:\n\n{link}\n\n\
             The link works once.\n",
            role = role.label().to_lowercase()
        ),
    )
}

pub fn application_received_email(to: &str, name: &str, company: &str, brand: &str, link: &str) -> OutgoingEmail {
    plain(
        to,
        format!("We received {company}'s application to {brand}"),
        format!(
            "Hello {name},\n\nThank you for applying to the {brand} partner program on behalf of {company}. \
             Confirm your email address and choose your password with this link, within seven days:\n\n{link}\n\n\
             Then sign in to follow your application. A partner manager will review it.\n"
        ),
    )
}

/// To an address that applied although it has an account: nothing was
/// created; how to get in.
pub fn existing_account_email(to: &str, brand: &str, sign_in: &str, reset: &str) -> OutgoingEmail {
    plain(
        to,
        format!("Your {brand} account"),
        format!(
            "Hello,\n\nSomeone applied to the {brand} partner program with this email address, which already \
             has an account. No new application was made.\n\nSign in at {sign_in}\nForgot your password? \
             Choose a new one at {reset}\n\nIf it was not you, you can ignore this email.\n"
        ),
    )
}

pub fn decision_email(to: &str, name: &str, brand: &str, decision: &Decision, base: &str) -> OutgoingEmail {
    let (subject, body) = match decision {
        Decision::Approve => (
            format!("Welcome to the {brand} partner program"),
            format!("your application has been approved. Sign in at {base}/login to see your onboarding plan."),
        ),
        Decision::Reject { reason } => (
            format!("Your {brand} partner application"),
            format!("thank you for your interest. We cannot accept your application at this time.\n\nReason: {reason}"),
        ),
        Decision::RequestInfo { question } => (
            format!("{brand} needs more information about your application"),
            format!(
                "a partner manager has a question about your application:\n\n{question}\n\n\
                 Answer it at {base}/application."
            ),
        ),
    };
    plain(to, subject, format!("Hello {name},\n\n{body}\n"))
}

/// A manager's decision on a partner's marketplace listing, to its owners.
/// The marketplace is the program's own, so the program's wording always.
pub fn listing_decision_email(
    to: &str,
    program: &str,
    organisation: &str,
    status: crate::domain::marketplace::ListingStatus,
    note: &str,
    link: &str,
) -> OutgoingEmail {
    let approved = status == crate::domain::marketplace::ListingStatus::Approved;
    let (subject, body) = if approved {
        (
            format!("{program}: {organisation}'s marketplace listing is approved"),
            "your marketplace listing is approved. It shows in the directory while your integration's \
             certification is listed, featured or premier."
                .to_owned(),
        )
    } else {
        (
            format!("{program}: {organisation}'s marketplace listing needs changes"),
            "a partner manager sent your marketplace listing back. Change it and send it for review again.".to_owned(),
        )
    };
    let note = if note.is_empty() { String::new() } else { format!("\n\nThe manager's note:\n{note}") };
    plain(to, subject, format!("Hello,\n\n{body}{note}\n\nYour listing: {link}\n"))
}

/// A manager's decision on a registered deal, to the partner's owners: the
/// protection's end, or why it was turned down.
pub fn deal_decision_email(
    to: &str,
    program: &str,
    company: &str,
    approved_until: Option<&str>,
    note: &str,
    link: &str,
) -> OutgoingEmail {
    let (subject, body) = match approved_until {
        Some(until) => (
            format!("{program}: your deal with {company} is approved"),
            format!(
                "your registration of the deal with {company} is approved. No other partner can register \
                 {company} while it is protected, until {until}."
            ),
        ),
        None => (
            format!("{program}: your deal with {company} was not approved"),
            format!("a partner manager turned down your registration of the deal with {company}."),
        ),
    };
    let note = if note.is_empty() { String::new() } else { format!("\n\nThe manager's note:\n{note}") };
    plain(to, subject, format!("Hello,\n\n{body}{note}\n\nYour deals: {link}\n"))
}

/// An approved deal's protection ends soon, to the partner's owners.
pub fn deal_expiring_email(to: &str, program: &str, company: &str, until: &str, link: &str) -> OutgoingEmail {
    plain(
        to,
        format!("{program}: your protection on {company} ends on {until}"),
        format!(
            "Hello,\n\nyour registered deal with {company} is protected until {until}. Mark it as won when the \
             customer signs; after that date other partners may register {company}.\n\nYour deals: {link}\n"
        ),
    )
}

/// A lead offered to a partner, to its owners: who asked, and by when to
/// answer. The visitor's contact details are on the page, behind sign-in.
pub fn lead_offered_email(to: &str, program: &str, company: &str, hours: i64, link: &str) -> OutgoingEmail {
    plain(
        to,
        format!("{program}: a new lead from {company}"),
        format!(
            "Hello,\n\n{company} asked to be contacted by you through the {program} partner directory. \
             Accept or decline it within {hours} hours; after that it goes back to the partner managers.\n\n\
             Your leads: {link}\n"
        ),
    )
}

/// The visitor's copy of a request: which partner will contact them.
pub fn lead_received_email(to: &str, program: &str, name: &str, partner: Option<&str>) -> OutgoingEmail {
    let who = match partner {
        Some(p) => format!("{p} will contact you about it"),
        None => format!("the {program} partner team will pass it to a partner who will contact you"),
    };
    plain(
        to,
        format!("{program}: we have your request"),
        format!(
            "Hello {name},\n\nthank you for your request through the {program} partner directory. {who}.\n\n\
             You receive this email because you asked to be contacted.\n"
        ),
    )
}

/// An email a white-label partner may word in its own templates.
pub enum Wording {
    PasswordReset { name: String, link: String },
    Invitation { name: String, inviter: String, link: String },
    CertificationDecision { organisation: String, from: CertState, to: CertState, note: String, link: String },
    StatementReady { organisation: String, month: String, currency: String, link: String },
    FundDecision { organisation: String, activity: String, outcome: String, note: String, link: String },
}

impl Wording {
    fn kind(&self) -> TemplateKind {
        match self {
            Wording::PasswordReset { .. } => TemplateKind::PasswordReset,
            Wording::Invitation { .. } => TemplateKind::Invitation,
            Wording::CertificationDecision { .. } => TemplateKind::CertificationDecision,
            Wording::StatementReady { .. } => TemplateKind::StatementReady,
            Wording::FundDecision { .. } => TemplateKind::FundDecision,
        }
    }

    /// What the brand's template may use, besides the brand's own values.
    fn values(&self) -> Vec<(&'static str, String)> {
        match self {
            Wording::PasswordReset { link, .. } => vec![("link", link.clone())],
            Wording::Invitation { inviter, link, .. } => vec![("link", link.clone()), ("inviter", inviter.clone())],
            Wording::CertificationDecision { organisation, to, note, link, .. } => vec![
                ("organisation", organisation.clone()),
                ("state", to.label().to_owned()),
                ("note", note.clone()),
                ("link", link.clone()),
            ],
            Wording::StatementReady { organisation, month, currency, link } => vec![
                ("organisation", organisation.clone()),
                ("month", month.clone()),
                ("currency", currency.clone()),
                ("link", link.clone()),
            ],
            Wording::FundDecision { organisation, activity, outcome, note, link } => vec![
                ("organisation", organisation.clone()),
                ("activity", activity.clone()),
                ("outcome", outcome.clone()),
                ("note", note.clone()),
                ("link", link.clone()),
            ],
        }
    }

    /// The program's own wording, signed with the program's name.
    fn program(&self, to: &str, program: &str) -> OutgoingEmail {
        match self {
            Wording::PasswordReset { name, link } => password_reset_email(to, name, program, link),
            Wording::Invitation { name, inviter, link } => {
                invitation_email(to, name, Role::Customer, inviter, program, link)
            }
            Wording::CertificationDecision { organisation, from, to: state, note, link } => {
                let note = if note.trim().is_empty() {
                    String::new()
                } else {
                    format!("\n\nNote from your partner manager:\n{note}")
                };
                plain(
                    to,
                    format!("{program} certification: {organisation} is now {}", state.label().to_lowercase()),
                    format!(
                        "Hello,\n\n{organisation}'s certification moved from {} to {}.{note}\n\nSee the details at {link}.\n",
                        from.label(),
                        state.label()
                    ),
                )
            }
            Wording::StatementReady { organisation, month, currency, link } => plain(
                to,
                format!("{program}: your {month} statement is ready"),
                format!(
                    "Hello,\n\nThe {month} statement for {organisation} in {currency} is closed.\n\n\
                     See every line, and download it as CSV, at {link}.\n"
                ),
            ),
            Wording::FundDecision { organisation, activity, outcome, note, link } => plain(
                to,
                format!("{program}: co-marketing funds for \"{activity}\": {outcome}"),
                format!(
                    "Hello,\n\n{organisation}'s co-marketing fund request \"{activity}\": {outcome}.\n\n{}\
                     See your requests at {link}\n",
                    if note.is_empty() { String::new() } else { format!("{note}\n\n") }
                ),
            ),
        }
    }
}

/// `email` to `to`: in `brand`'s own wording when the recipient belongs to
/// a white-label brand, else in the program's (signed `program`).
pub async fn compose(
    store: &Arc<dyn Store>,
    brand: Option<&Brand>,
    program: &str,
    to: &str,
    email: &Wording,
) -> Result<OutgoingEmail, AppError> {
    match brand {
        Some(b) => branded_email(store, b, email.kind(), to, &email.values()).await,
        None => Ok(email.program(to, program)),
    }
}

/// `email` to every owner of `org`, each in the partner's own brand's
/// wording if it is a white-label partner.
pub async fn to_owners(ctx: &Ctx, org: i64, email: &Wording) -> Result<Vec<OutgoingEmail>, AppError> {
    let store = &ctx.state.store;
    let own_brand = store.partner_brand(org).await.map_err(store_error)?;
    let mut mails = Vec::new();
    for owner in owner_addresses(store, ctx.meta.brand.id, org).await.map_err(store_error)? {
        mails.push(compose(store, own_brand.as_ref(), &ctx.meta.brand.name, &owner, email).await?);
    }
    Ok(mails)
}

/// The addresses of a partner's current owners: whom the program writes to
/// about the partner's listing, leads and deals.
pub async fn owner_addresses(store: &Arc<dyn Store>, brand: i64, org: i64) -> Result<Vec<String>, StoreError> {
    let members = store.org_members(brand, org).await?;
    Ok(members.into_iter().filter(|m| !m.removed && m.org_role == OrgRole::Owner).map(|m| m.email).collect())
}

/// A white-label brand's wording of `kind` (its saved template, or the
/// default one), filled with `values` and the brand's own.
pub async fn branded_email(
    store: &Arc<dyn Store>,
    brand: &Brand,
    kind: TemplateKind,
    to: &str,
    values: &[(&str, String)],
) -> Result<OutgoingEmail, AppError> {
    let custom = store.email_templates(brand.id).await.map_err(store_error)?;
    let (subject, body) =
        custom.iter().find(|(k, _, _)| k == kind.key()).map(|(_, s, b)| (s.clone(), b.clone())).unwrap_or_else(|| {
            let (s, b) = kind.default_template();
            (s.to_owned(), b.to_owned())
        });
    let mut all: Vec<(&str, String)> = vec![
        ("brand_name", brand.name.clone()),
        ("recipient_email", to.to_owned()),
        ("support_email", brand.support_email.clone().unwrap_or_default()),
    ];
    all.extend(values.iter().cloned());
    let r = render_email(&subject, &body, &all);
    Ok(OutgoingEmail {
        to: to.to_owned(),
        subject: r.subject,
        text: r.text,
        from_name: Some(brand.name.clone()),
        html: Some(r.html),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_email_carries_the_link_and_says_how_long_it_lasts() {
        let m = password_reset_email("a@example.com", "Ada", "Partner Portal", "https://x/reset?token=t");
        assert!(m.text.contains("https://x/reset?token=t"));
        assert!(m.text.contains("within one hour"));
    }

    #[test]
    fn a_note_appears_in_the_programs_certification_email_only_when_given() {
        let email = |note: &str| Wording::CertificationDecision {
            organisation: "Acme".into(),
            from: CertState::Review,
            to: CertState::Development,
            note: note.into(),
            link: "https://p/certification".into(),
        };
        let with = email("Fix the retries.").program("a@x", "Portal");
        assert!(with.text.contains("Note from your partner manager:\nFix the retries."), "{}", with.text);
        assert_eq!(with.subject, "Portal certification: Acme is now development");
        assert!(!email(" ").program("a@x", "Portal").text.contains("Note from"));
    }
}
