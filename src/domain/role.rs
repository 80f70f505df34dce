//! Who may do what. The server enforces these functions; the UI uses the same
//! functions only to decide which links and buttons to show.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role in the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Program owner: everything a manager can, plus users and settings.
    Admin,
    /// A partner manager of the program.
    Manager,
    /// Staff of a partner organisation.
    Partner,
    /// An end customer of a white-label partner.
    Customer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Partner, Role::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Partner => "partner",
            Role::Customer => "customer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Manager => "Partner manager",
            Role::Partner => "Partner",
            Role::Customer => "Customer",
        }
    }

    /// Program staff work on the program's own domain and see every partner.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role: {0}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A partner user's standing inside its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgRole {
    Owner,
    Member,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Owner => "owner",
            OrgRole::Member => "member",
        }
    }
}

impl FromStr for OrgRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(OrgRole::Owner),
            "member" => Ok(OrgRole::Member),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// Things a signed-in user may ask for. Later features add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ListUsers,
    InviteManager,
    ReadAuditLog,
    ChangeOwnPassword,
    /// Review, score and decide partner applications; see every partner.
    ReviewApplications,
    /// Edit the onboarding plan template.
    ManagePlanTemplate,
    /// Record revenue, edit terms, close statements and move payouts.
    ManageRevenue,
    /// See the emails the outbox gave up on and send them again (they may
    /// hold anyone's links, so administrators only).
    ManageFailedEmails,
    /// Give revenue-share terms an effective date in the past, with a
    /// reason: moving an existing program's history in, or correcting one.
    /// Administrators only, since it changes what imported history earns.
    BackdateTerms,
    /// Connect the program's billing system (its signing secret lets
    /// whoever holds it record revenue). Administrators only.
    ConnectBilling,
}

/// Whether `role` holds `permission`.
pub fn can(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ListUsers | Permission::InviteManager | Permission::ReadAuditLog => role == Role::Admin,
        Permission::ChangeOwnPassword => true,
        Permission::ReviewApplications | Permission::ManageRevenue => role.is_staff(),
        Permission::ManagePlanTemplate
        | Permission::ManageFailedEmails
        | Permission::BackdateTerms
        | Permission::ConnectBilling => role == Role::Admin,
    }
}

/// Roles an inviter may hand out by invitation.
pub fn may_invite(inviter: Role, invitee: Role) -> bool {
    matches!((inviter, invitee), (Role::Admin, Role::Manager) | (Role::Admin, Role::Admin))
}

/// How someone may act on a partner organisation's records (plan,
/// certification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAccess {
    /// Program staff act on any partner; `admin` adds admin-only actions.
    Staff { admin: bool },
    /// A partner acts on its own organisation only.
    OwnOrganisation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAccessError {
    /// No organisation was named and the user has none.
    NoOrganisation,
    Forbidden,
}

/// Which organisation a request concerns (`requested`, else the user's own)
/// and how the user may act on it.
pub fn organisation_access(
    role: Role,
    own_org: Option<i64>,
    requested: Option<i64>,
) -> Result<(i64, OrgAccess), OrgAccessError> {
    let org = requested.or(own_org).ok_or(OrgAccessError::NoOrganisation)?;
    match role {
        Role::Admin => Ok((org, OrgAccess::Staff { admin: true })),
        Role::Manager => Ok((org, OrgAccess::Staff { admin: false })),
        Role::Partner if own_org == Some(org) => Ok((org, OrgAccess::OwnOrganisation)),
        _ => Err(OrgAccessError::Forbidden),
    }
}

/// Partner owners invite and remove the people of their organisation.
pub fn may_manage_team(role: Role, org_role: Option<OrgRole>) -> bool {
    role == Role::Partner && org_role == Some(OrgRole::Owner)
}

/// Why an administrator may not make a change to another account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessChangeError {
    #[error("You cannot change your own role or disable your own account.")]
    OwnAccount,
    #[error("Only program staff can be given a staff role here.")]
    NotStaff,
    #[error("You don't have access to this.")]
    NotAllowed,
}

/// Whether `actor` may give `target` (currently `current`) the role `new_role`.
/// Partner and customer roles follow from organisations, not from this
/// switch; and nobody changes their own role, so an admin always remains.
pub fn may_change_role(actor: Role, current: Role, new_role: Role, is_self: bool) -> Result<(), AccessChangeError> {
    if actor != Role::Admin {
        return Err(AccessChangeError::NotAllowed);
    }
    if is_self {
        return Err(AccessChangeError::OwnAccount);
    }
    if !current.is_staff() || !new_role.is_staff() {
        return Err(AccessChangeError::NotStaff);
    }
    Ok(())
}

/// Whether `actor` may disable or re-enable an account.
pub fn may_set_disabled(actor: Role, is_self: bool) -> Result<(), AccessChangeError> {
    match (actor, is_self) {
        (Role::Admin, false) => Ok(()),
        (Role::Admin, true) => Err(AccessChangeError::OwnAccount),
        _ => Err(AccessChangeError::NotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_reach_any_organisation_and_partners_only_their_own() {
        use OrgAccessError::*;
        assert_eq!(organisation_access(Role::Manager, None, Some(7)), Ok((7, OrgAccess::Staff { admin: false })));
        assert_eq!(organisation_access(Role::Admin, None, Some(7)), Ok((7, OrgAccess::Staff { admin: true })));
        assert_eq!(organisation_access(Role::Partner, Some(3), None), Ok((3, OrgAccess::OwnOrganisation)));
        assert_eq!(organisation_access(Role::Partner, Some(3), Some(3)), Ok((3, OrgAccess::OwnOrganisation)));
        assert_eq!(organisation_access(Role::Partner, Some(3), Some(7)), Err(Forbidden));
        assert_eq!(organisation_access(Role::Customer, None, Some(7)), Err(Forbidden));
        assert_eq!(organisation_access(Role::Partner, None, None), Err(NoOrganisation));
        assert_eq!(organisation_access(Role::Manager, None, None), Err(NoOrganisation));
    }

    #[test]
    fn only_administrators_backdate_terms_though_managers_edit_them() {
        assert!(can(Role::Admin, Permission::BackdateTerms));
        assert!(!can(Role::Manager, Permission::BackdateTerms));
        assert!(can(Role::Manager, Permission::ManageRevenue));
        assert!(!can(Role::Partner, Permission::BackdateTerms));
        assert!(can(Role::Admin, Permission::ConnectBilling) && !can(Role::Manager, Permission::ConnectBilling));
    }

    #[test]
    fn only_partner_owners_manage_their_team() {
        assert!(may_manage_team(Role::Partner, Some(OrgRole::Owner)));
        assert!(!may_manage_team(Role::Partner, Some(OrgRole::Member)));
        assert!(!may_manage_team(Role::Partner, None));
        assert!(!may_manage_team(Role::Admin, None));
    }

    #[test]
    fn an_admin_moves_staff_between_staff_roles() {
        assert_eq!(may_change_role(Role::Admin, Role::Manager, Role::Admin, false), Ok(()));
        assert_eq!(may_change_role(Role::Admin, Role::Admin, Role::Manager, false), Ok(()));
    }

    #[test]
    fn nobody_changes_their_own_role_so_an_admin_always_remains() {
        assert_eq!(may_change_role(Role::Admin, Role::Admin, Role::Manager, true), Err(AccessChangeError::OwnAccount));
        assert_eq!(may_set_disabled(Role::Admin, true), Err(AccessChangeError::OwnAccount));
    }

    #[test]
    fn partner_and_customer_roles_are_not_assigned_by_this_switch() {
        assert_eq!(may_change_role(Role::Admin, Role::Partner, Role::Manager, false), Err(AccessChangeError::NotStaff));
        assert_eq!(
            may_change_role(Role::Admin, Role::Manager, Role::Customer, false),
            Err(AccessChangeError::NotStaff)
        );
    }

    #[test]
    fn only_admins_change_roles_or_disable_accounts() {
        for actor in [Role::Manager, Role::Partner, Role::Customer] {
            assert_eq!(may_change_role(actor, Role::Manager, Role::Admin, false), Err(AccessChangeError::NotAllowed));
            assert_eq!(may_set_disabled(actor, false), Err(AccessChangeError::NotAllowed));
        }
        assert_eq!(may_set_disabled(Role::Admin, false), Ok(()));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_manage_users_and_read_the_audit_log() {
        for role in Role::ALL {
            let admin = role == Role::Admin;
            assert_eq!(can(role, Permission::ListUsers), admin);
            assert_eq!(can(role, Permission::InviteManager), admin);
            assert_eq!(can(role, Permission::ReadAuditLog), admin);
            assert_eq!(can(role, Permission::ManageFailedEmails), admin);
        }
    }

    #[test]
    fn staff_review_applications_and_only_admins_edit_the_plan_template() {
        for role in Role::ALL {
            assert_eq!(can(role, Permission::ReviewApplications), role.is_staff());
            assert_eq!(can(role, Permission::ManageRevenue), role.is_staff());
            assert_eq!(can(role, Permission::ManagePlanTemplate), role == Role::Admin);
        }
    }

    #[test]
    fn everyone_may_change_their_own_password() {
        for role in Role::ALL {
            assert!(can(role, Permission::ChangeOwnPassword));
        }
    }

    #[test]
    fn admins_invite_staff_and_nobody_else_does() {
        assert!(may_invite(Role::Admin, Role::Manager));
        assert!(may_invite(Role::Admin, Role::Admin));
        assert!(!may_invite(Role::Admin, Role::Customer));
        assert!(!may_invite(Role::Manager, Role::Manager));
        assert!(!may_invite(Role::Partner, Role::Manager));
        assert!(!may_invite(Role::Customer, Role::Admin));
    }

    #[test]
    fn staff_are_admins_and_managers() {
        assert!(Role::Admin.is_staff());
        assert!(Role::Manager.is_staff());
        assert!(!Role::Partner.is_staff());
        assert!(!Role::Customer.is_staff());
    }
}
