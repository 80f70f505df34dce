//! What each person can reach: the main navigation grouped by task, and the
//! tabs of a partner as program staff see it. Both follow the same facts
//! about the partner (its revenue model and type), so a reseller is never
//! offered the developer pages of a technology partner, by the menu or by
//! the tabs.

use super::account::CurrentUser;
use super::application::{PartnerKind, RevenueModel};
use super::role::{can, Permission, Role};

/// A link of the navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
}

/// Links that belong to one task ("Earn": revenue and funds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavGroup {
    pub label: &'static str,
    pub links: Vec<NavLink>,
}

impl NavGroup {
    /// Whether the page at `path` is one of the group's.
    pub fn holds(&self, path: &str) -> bool {
        self.links.iter().any(|l| leads_to(&l.href, path))
    }
}

/// Whether a navigation link leads to the page shown or to the section it
/// is in: "/" only to itself, any other link to its own path and to what
/// lies under it (`/revenue` for `/revenue/statements/3`, not `/revenues`).
/// A link's query (`?org=7`) is not part of the comparison.
pub fn leads_to(href: &str, path: &str) -> bool {
    let href = href.split('?').next().unwrap_or_default();
    if href == "/" {
        return path == "/";
    }
    path.strip_prefix(href).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether a partner builds an integration (API keys, webhooks, agents, the
/// API scorecard): technology and solution partners, and any partner paid
/// as a technology or white-label partner. Resellers and referral partners
/// sell and refer; their menus leave the developer pages out.
pub fn builds_integrations(kind: Option<PartnerKind>, model: Option<RevenueModel>) -> bool {
    matches!(model, Some(RevenueModel::Technology | RevenueModel::WhiteLabel))
        || kind.is_some_and(|k| k.partner_type() != "reseller")
}

fn link(href: &str, label: &'static str) -> NavLink {
    NavLink { href: href.to_owned(), label }
}

fn group(label: &'static str, links: Vec<Option<NavLink>>) -> Option<NavGroup> {
    let links: Vec<NavLink> = links.into_iter().flatten().collect();
    (!links.is_empty()).then_some(NavGroup { label, links })
}

/// The main navigation of a signed-in person, grouped by task. Home and
/// Account are not in it: the header always shows them.
pub fn menu(user: &CurrentUser) -> Vec<NavGroup> {
    let staff = can(user.role, Permission::ReviewApplications);
    let admin = can(user.role, Permission::ListUsers);
    let mut groups: Vec<Option<NavGroup>> = Vec::new();
    if staff {
        groups.push(group(
            "Work",
            vec![
                Some(link("/manager/applications", "Applications")),
                Some(link("/support/queue", "Support queue")),
                Some(link("/funds/review", "Fund requests")),
                Some(link("/manager/listings", "Listings")),
                Some(link("/manager/leads", "Leads")),
                Some(link("/manager/deals", "Deals")),
            ],
        ));
        groups.push(group(
            "Partners",
            vec![Some(link("/manager/partners", "Partners")), Some(link("/manager/certification", "Certification"))],
        ));
        groups.push(group(
            "Money",
            vec![
                Some(link("/manager/revenue", "Revenue and payouts")),
                Some(link("/manager/statements", "Statements")),
                Some(link("/support/report", "Support SLAs")),
            ],
        ));
    }
    if admin {
        groups.push(group(
            "Program",
            vec![
                Some(link("/admin/users", "Users")),
                Some(link("/admin/audit", "Audit log")),
                Some(link("/admin/emails", "Failed emails")),
                Some(link("/admin/onboarding-template", "Onboarding template")),
            ],
        ));
    }
    match (&user.organisation, user.role) {
        (Some(o), Role::Partner) => {
            groups.push(group(
                "Grow",
                vec![
                    Some(link("/plan", "Onboarding")),
                    Some(link("/certification", "Certification")),
                    Some(link("/listing", "Marketplace listing")),
                    Some(link("/leads", "Leads")),
                    Some(link("/deals", "Deals")),
                    Some(link("/reviews", "Reviews")),
                ],
            ));
            groups.push(group(
                "Earn",
                vec![Some(link("/revenue", "Revenue")), o.funds.then(|| link("/funds", "Co-marketing funds"))],
            ));
            groups.push(group(
                "Build",
                vec![
                    o.builds.then(|| link("/developers", "Developers")),
                    o.builds.then(|| link("/scorecard", "Scorecard")),
                    o.white_label.then(|| link("/branding", "Branding")),
                ],
            ));
            groups.push(group("Help", vec![Some(link("/support", "Support")), Some(link("/team", "Team"))]));
        }
        (None, Role::Partner) => groups.push(group("Apply", vec![Some(link("/application", "Application"))])),
        (_, Role::Customer) => groups.push(group("Agents", vec![Some(link("/agents", "Agents"))])),
        _ => {}
    }
    groups.into_iter().flatten().collect()
}

/// What staff need to know of a partner to choose its tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerFacts {
    pub builds: bool,
    pub funds: bool,
    pub white_label: bool,
    /// The viewer may read the audit log (administrators).
    pub audit: bool,
}

/// The tabs of one partner for program staff: its overview first, then the
/// partner's own pages opened for that partner (`?org=`).
pub fn partner_tabs(org: i64, facts: PartnerFacts) -> Vec<NavLink> {
    let of = |path: &str, label| link(&format!("{path}?org={org}"), label);
    [
        Some(link(&format!("/manager/partners/{org}"), "Overview")),
        Some(of("/plan", "Plan")),
        Some(of("/certification", "Certification")),
        Some(of("/listing", "Listing")),
        Some(of("/leads", "Leads")),
        Some(of("/deals", "Deals")),
        Some(of("/revenue", "Revenue")),
        facts.builds.then(|| of("/developers", "Integration")),
        facts.builds.then(|| of("/scorecard", "Scorecard")),
        Some(of("/support", "Tickets")),
        facts.funds.then(|| of("/funds", "Funds")),
        Some(of("/reviews", "Reviews")),
        facts.white_label.then(|| of("/branding", "Branding")),
        facts.audit.then(|| of("/admin/audit", "Audit")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Which tab is the page at `path`: the longest link that leads to it, so
/// `/developers/webhooks` shows under Integration.
pub fn current_tab<'a>(tabs: &'a [NavLink], path: &str) -> Option<&'a NavLink> {
    tabs.iter().filter(|t| leads_to(&t.href, path)).max_by_key(|t| t.href.split('?').next().unwrap_or_default().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::OrganisationSummary;
    use crate::domain::role::OrgRole;

    fn person(role: Role, org: Option<OrganisationSummary>) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "a@example.com".into(),
            display_name: "A".into(),
            role,
            organisation: org,
            brand_name: "P".into(),
            time_zone: None,
        }
    }

    fn org(builds: bool, funds: bool, white_label: bool) -> Option<OrganisationSummary> {
        Some(OrganisationSummary { id: 7, name: "Acme".into(), org_role: OrgRole::Owner, white_label, funds, builds })
    }

    fn hrefs(groups: &[NavGroup]) -> Vec<String> {
        groups.iter().flat_map(|g| g.links.iter().map(|l| l.href.clone())).collect()
    }

    #[test]
    fn a_link_is_current_on_its_page_and_the_pages_under_it_and_home_only_on_itself() {
        assert!(leads_to("/", "/"));
        assert!(!leads_to("/", "/revenue"));
        assert!(leads_to("/revenue", "/revenue"));
        assert!(leads_to("/manager/revenue", "/manager/revenue/imports/3"));
        assert!(!leads_to("/revenue", "/revenues"));
        assert!(!leads_to("/support", "/support-desk"));
        assert!(!leads_to("/funds", "/manager/funds"));
        assert!(leads_to("/plan?org=7", "/plan"));
    }

    #[test]
    fn resellers_and_referral_partners_are_not_offered_the_developer_pages() {
        assert!(!builds_integrations(Some(PartnerKind::Var), Some(RevenueModel::Reseller)));
        assert!(!builds_integrations(Some(PartnerKind::Distributor), Some(RevenueModel::Referral)));
        assert!(builds_integrations(Some(PartnerKind::AiPlatform), Some(RevenueModel::Referral)));
        assert!(builds_integrations(Some(PartnerKind::Consultancy), Some(RevenueModel::Reseller)));
        assert!(builds_integrations(Some(PartnerKind::Regional), Some(RevenueModel::WhiteLabel)));
        let reseller = hrefs(&menu(&person(Role::Partner, org(false, false, false))));
        assert!(!reseller.contains(&"/developers".to_owned()));
        assert!(!reseller.contains(&"/scorecard".to_owned()));
        assert!(reseller.contains(&"/revenue".to_owned()));
        let tech = hrefs(&menu(&person(Role::Partner, org(true, true, false))));
        assert!(tech.contains(&"/developers".to_owned()) && tech.contains(&"/funds".to_owned()));
    }

    #[test]
    fn a_partner_menu_groups_its_pages_by_task_and_drops_empty_groups() {
        let groups = menu(&person(Role::Partner, org(false, false, false)));
        let labels: Vec<_> = groups.iter().map(|g| g.label).collect();
        assert_eq!(labels, ["Grow", "Earn", "Help"]);
        let white_label = menu(&person(Role::Partner, org(false, false, true)));
        assert!(hrefs(&white_label).contains(&"/branding".to_owned()));
    }

    #[test]
    fn staff_see_work_partners_and_money_and_only_admins_see_the_program() {
        let manager: Vec<_> = menu(&person(Role::Manager, None)).iter().map(|g| g.label).collect();
        assert_eq!(manager, ["Work", "Partners", "Money"]);
        let admin: Vec<_> = menu(&person(Role::Admin, None)).iter().map(|g| g.label).collect();
        assert_eq!(admin, ["Work", "Partners", "Money", "Program"]);
    }

    #[test]
    fn an_applicant_reaches_only_the_application_and_a_customer_only_the_agents() {
        assert_eq!(hrefs(&menu(&person(Role::Partner, None))), ["/application"]);
        assert_eq!(hrefs(&menu(&person(Role::Customer, None))), ["/agents"]);
    }

    #[test]
    fn a_partners_tabs_follow_its_model_and_open_its_pages_for_it() {
        let facts = PartnerFacts { builds: false, funds: false, white_label: false, audit: false };
        let tabs = partner_tabs(7, facts);
        let labels: Vec<_> = tabs.iter().map(|t| t.label).collect();
        assert_eq!(
            labels,
            ["Overview", "Plan", "Certification", "Listing", "Leads", "Deals", "Revenue", "Tickets", "Reviews"]
        );
        assert_eq!(tabs[1].href, "/plan?org=7");
        let all = partner_tabs(7, PartnerFacts { builds: true, funds: true, white_label: true, audit: true });
        assert_eq!(all.len(), 14);
        assert_eq!(all.last().map(|t| t.href.as_str()), Some("/admin/audit?org=7"), "for administrators only");
    }

    #[test]
    fn a_page_under_a_tab_shows_as_that_tab() {
        let tabs = partner_tabs(7, PartnerFacts { builds: true, funds: false, white_label: false, audit: true });
        assert_eq!(current_tab(&tabs, "/admin/audit").map(|t| t.label), Some("Audit"));
        assert_eq!(current_tab(&tabs, "/developers/webhooks").map(|t| t.label), Some("Integration"));
        assert_eq!(current_tab(&tabs, "/manager/partners/7").map(|t| t.label), Some("Overview"));
        assert_eq!(current_tab(&tabs, "/statements/3"), None);
    }
}
