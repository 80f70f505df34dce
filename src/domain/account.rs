//! What the browser may know about the signed-in user. Deliberately free of
//! anything secret: this type is serialised to the client.

use super::listing::{Column, Order, Sort};
use super::role::{OrgRole, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation: Option<OrganisationSummary>,
    pub brand_name: String,
    /// The IANA zone times are shown in; UTC when `None`.
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl CurrentUser {
    /// A partner's account whose application is not approved yet: it has no
    /// organisation, so a partner's pages are not open to it.
    pub fn is_applicant(&self) -> bool {
        self.role == Role::Partner && self.organisation.is_none()
    }

    /// Whether the user is an owner of their partner organisation: owners
    /// change what the program shows of the partner (listing, brand, keys).
    pub fn is_owner(&self) -> bool {
        self.organisation.as_ref().is_some_and(|o| o.org_role == super::role::OrgRole::Owner)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    pub id: i64,
    pub name: String,
    pub org_role: OrgRole,
    /// A white-label partner: it has a brand of its own to manage.
    #[serde(default)]
    pub white_label: bool,
    /// A technology or Premier partner: co-marketing funds apply to it.
    #[serde(default)]
    pub funds: bool,
    /// It builds an integration (`navigation::builds_integrations`): the
    /// developer pages are in its menu.
    #[serde(default)]
    pub builds: bool,
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_display_name(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter a name.");
    }
    if s.chars().count() > 100 {
        return Err("A name is at most 100 characters.");
    }
    if s.chars().any(char::is_control) {
        return Err("A name cannot contain control characters.");
    }
    if s.chars().any(super::text::is_direction_control) {
        return Err(super::text::DIRECTION_CONTROLS);
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_is_trimmed() {
        assert_eq!(parse_display_name("  Ada Lovelace "), Ok("Ada Lovelace".to_owned()));
    }

    #[test]
    fn empty_long_and_control_names_are_refused() {
        assert!(parse_display_name(" ").is_err());
        assert!(parse_display_name(&"x".repeat(101)).is_err());
        assert!(parse_display_name("a\u{0}b").is_err());
    }
}

/// A row of the admin's user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation: Option<String>,
    pub created_at_ms: i64,
    pub disabled: bool,
}

choices!(
    /// The columns of the admins' user list.
    UserColumn {
        Email => "email", "Email";
        Name => "name", "Name";
        Role => "role", "Role";
        Organisation => "organisation", "Organisation";
        Since => "since", "Since";
    }
);

/// The columns that order the user list, by email first (the default);
/// the newest accounts come first when "Since" is chosen.
pub const USER_COLUMNS: [Column; 5] =
    [Column::up("email"), Column::up("name"), Column::up("role"), Column::up("organisation"), Column::down("since")];

/// The order of the user list; ties go by email.
pub type UserSort = Sort<UserColumn>;

impl UserSort {
    pub fn of(order: &Order) -> UserSort {
        Sort::read(order, UserColumn::parse, UserColumn::Email)
    }
}

/// Users listed per page.
pub const USERS_PAGE: usize = 50;

/// A person of a partner organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub org_role: OrgRole,
    pub removed: bool,
}

/// An invitation that has been sent and not yet accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at_ms: i64,
}

/// What the invitation page shows before the invitee sets a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Where to send a user after sign-in: only a path on this site, never an
/// absolute or protocol-relative URL (which would make an open redirect).
pub fn safe_redirect_target(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(p)
            if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod redirect_tests {
    use super::safe_redirect_target;

    #[test]
    fn a_local_path_is_kept() {
        assert_eq!(safe_redirect_target(Some("/admin/users?x=1")), "/admin/users?x=1");
    }

    #[test]
    fn anything_that_could_leave_the_site_goes_home() {
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", "/a\nb"] {
            assert_eq!(safe_redirect_target(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_redirect_target(None), "/");
    }
}
