//! Audit log vocabulary. Action names are stable strings: they are stored and
//! filtered on, so they never change once shipped.

use serde::{Deserialize, Serialize};

pub const SIGN_IN: &str = "auth.sign_in";
pub const SIGN_IN_FAILED: &str = "auth.sign_in_failed";
pub const SIGN_OUT: &str = "auth.sign_out";
pub const PASSWORD_CHANGED: &str = "auth.password_changed";
pub const PASSWORD_RESET_REQUESTED: &str = "auth.password_reset_requested";
pub const PASSWORD_RESET: &str = "auth.password_reset";
pub const APPLICATION_CONFIRMED: &str = "auth.application_confirmed";
pub const USER_CREATED: &str = "user.created";
pub const ROLE_CHANGED: &str = "user.role_changed";
pub const USER_DISABLED: &str = "user.disabled";
pub const USER_ENABLED: &str = "user.enabled";
pub const TIME_ZONE_CHANGED: &str = "user.time_zone_changed";
pub const EMAIL_RESENT: &str = "email.resent";
pub const APPLICATION_SUBMITTED: &str = "application.submitted";
pub const APPLICATION_SCORED: &str = "application.scored";
pub const APPLICATION_APPROVED: &str = "application.approved";
pub const APPLICATION_REJECTED: &str = "application.rejected";
pub const APPLICATION_INFO_REQUESTED: &str = "application.info_requested";
pub const APPLICATION_ANSWERED: &str = "application.answered";
pub const PLAN_ITEM_DONE: &str = "onboarding.item_done";
pub const PLAN_ITEM_UNDONE: &str = "onboarding.item_undone";
pub const TEMPLATE_CHANGED: &str = "onboarding.template_changed";
pub const MEMBER_REMOVED: &str = "organisation.member_removed";
pub const CERT_TRANSITION: &str = "certification.transition";
pub const INVITATION_SENT: &str = "invitation.sent";
pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
pub const REVENUE_IMPORTED: &str = "revenue.imported";
pub const REVENUE_IMPORT_REJECTED: &str = "revenue.import_rejected";
pub const BILLING_CONNECTED: &str = "revenue.billing_connected";
pub const BILLING_CUSTOMER_ATTRIBUTED: &str = "revenue.billing_customer_attributed";
pub const BILLING_CUSTOMER_REMOVED: &str = "revenue.billing_customer_removed";
pub const TERMS_CHANGED: &str = "revenue.terms_changed";
pub const STATEMENT_CLOSED: &str = "revenue.statement_closed";
pub const PAYOUT_APPROVED: &str = "revenue.payout_approved";
pub const PAYOUT_PAID: &str = "revenue.payout_paid";
pub const BRAND_CHANGED: &str = "brand.changed";
pub const BRAND_LOGO_CHANGED: &str = "brand.logo_changed";
pub const DOMAIN_ADDED: &str = "brand.domain_added";
pub const DOMAIN_REMOVED: &str = "brand.domain_removed";
pub const EMAIL_TEMPLATE_CHANGED: &str = "brand.email_template_changed";
pub const API_KEY_CREATED: &str = "integration.api_key_created";
pub const API_KEY_ROTATED: &str = "integration.api_key_rotated";
pub const API_KEY_REVOKED: &str = "integration.api_key_revoked";
pub const OAUTH_CLIENT_REGISTERED: &str = "integration.oauth_client_registered";
pub const OAUTH_CLIENT_REVOKED: &str = "integration.oauth_client_revoked";
pub const OAUTH_CONSENT_GIVEN: &str = "integration.oauth_consent_given";
pub const OAUTH_REPLAY_REVOKED: &str = "integration.oauth_replay_revoked";
pub const WEBHOOK_CREATED: &str = "integration.webhook_created";
pub const WEBHOOK_DELETED: &str = "integration.webhook_deleted";
pub const WEBHOOK_SECRET_ROTATED: &str = "integration.webhook_secret_rotated";
pub const WEBHOOK_ENABLED: &str = "integration.webhook_enabled";
pub const WEBHOOK_DISABLED: &str = "integration.webhook_disabled";
pub const TICKET_OPENED: &str = "support.ticket_opened";
pub const TICKET_REPLIED: &str = "support.ticket_replied";
pub const TICKET_ASSIGNED: &str = "support.ticket_assigned";
pub const TICKET_RESOLVED: &str = "support.ticket_resolved";
pub const TICKET_REOPENED: &str = "support.ticket_reopened";
pub const REVIEW_SAVED: &str = "review.saved";
pub const FUND_REQUESTED: &str = "funds.requested";
pub const FUND_APPROVED: &str = "funds.approved";
pub const FUND_REJECTED: &str = "funds.rejected";
pub const FUND_WITHDRAWN: &str = "funds.withdrawn";
pub const FUND_CLAIMED: &str = "funds.claimed";
pub const FUND_CLAIM_APPROVED: &str = "funds.claim_approved";
pub const FUND_CLAIM_REJECTED: &str = "funds.claim_rejected";
pub const LISTING_SAVED: &str = "marketplace.listing_saved";
pub const LISTING_SUBMITTED: &str = "marketplace.listing_submitted";
pub const LISTING_APPROVED: &str = "marketplace.listing_approved";
pub const LISTING_SENT_BACK: &str = "marketplace.listing_sent_back";
pub const LISTING_IMAGE_ADDED: &str = "marketplace.listing_image_added";
pub const LISTING_IMAGE_REMOVED: &str = "marketplace.listing_image_removed";
pub const LISTING_IMAGE_MOVED: &str = "marketplace.listing_image_moved";
pub const LEAD_CREATED: &str = "marketplace.lead_created";
pub const LEAD_MOVED: &str = "marketplace.lead_moved";
pub const LEAD_ROUTED: &str = "marketplace.lead_routed";
pub const DEAL_REGISTERED: &str = "marketplace.deal_registered";
pub const DEAL_MOVED: &str = "marketplace.deal_moved";

/// The areas of the audit log an administrator can narrow it to: the part
/// of each action name before its dot, with a label.
pub const AREAS: [(&str, &str); 15] = [
    ("auth", "Sign-in and passwords"),
    ("user", "Users"),
    ("invitation", "Invitations"),
    ("application", "Applications"),
    ("onboarding", "Onboarding"),
    ("certification", "Certification"),
    ("review", "Reviews"),
    ("revenue", "Revenue"),
    ("funds", "Co-marketing funds"),
    ("marketplace", "Marketplace"),
    ("integration", "Integration"),
    ("support", "Support"),
    ("brand", "Branding"),
    ("organisation", "Partners"),
    ("email", "Emails"),
];

/// The `LIKE` pattern of an area's actions (`auth.%`); `None` for an area
/// the log does not have, which then lists every entry.
pub fn area_pattern(area: &str) -> Option<String> {
    AREAS.iter().find(|(key, _)| *key == area).map(|(key, _)| format!("{key}.%"))
}

/// One row of the audit log as shown to an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor_email: String,
    pub action: String,
    pub subject: String,
    /// JSON text: before/after values or other context.
    pub detail: String,
    pub client_ip: String,
}

/// A human description of an action name for the audit page.
pub fn describe(action: &str) -> &'static str {
    match action {
        SIGN_IN => "Signed in",
        SIGN_IN_FAILED => "Failed sign-in",
        SIGN_OUT => "Signed out",
        PASSWORD_CHANGED => "Changed password",
        APPLICATION_CONFIRMED => "Confirmed the address and set a first password",
        PASSWORD_RESET_REQUESTED => "Requested a password reset",
        PASSWORD_RESET => "Reset password by emailed link",
        USER_CREATED => "Created user",
        ROLE_CHANGED => "Changed role",
        USER_DISABLED => "Disabled account",
        USER_ENABLED => "Re-enabled account",
        TIME_ZONE_CHANGED => "Changed time zone",
        EMAIL_RESENT => "Sent a failed email again",
        INVITATION_SENT => "Sent invitation",
        CERT_TRANSITION => "Moved a certification",
        LISTING_SAVED => "Saved a marketplace listing",
        LISTING_SUBMITTED => "Sent a marketplace listing for review",
        LISTING_APPROVED => "Approved a marketplace listing",
        LISTING_SENT_BACK => "Sent a marketplace listing back",
        LISTING_IMAGE_ADDED => "Added a picture to a marketplace listing",
        LISTING_IMAGE_REMOVED => "Removed a picture from a marketplace listing",
        LISTING_IMAGE_MOVED => "Moved a screenshot of a marketplace listing",
        LEAD_CREATED => "Asked to be contacted by a partner",
        LEAD_MOVED => "Moved a lead on",
        LEAD_ROUTED => "Offered a lead to a partner",
        DEAL_REGISTERED => "Registered a deal",
        DEAL_MOVED => "Moved a deal on",
        MEMBER_REMOVED => "Removed a colleague",
        APPLICATION_SUBMITTED => "Applied to the program",
        APPLICATION_SCORED => "Scored an application",
        APPLICATION_APPROVED => "Approved an application",
        APPLICATION_REJECTED => "Rejected an application",
        APPLICATION_INFO_REQUESTED => "Asked an applicant for information",
        APPLICATION_ANSWERED => "Answered a request for information",
        PLAN_ITEM_DONE => "Ticked an onboarding item",
        PLAN_ITEM_UNDONE => "Unticked an onboarding item",
        TEMPLATE_CHANGED => "Changed the onboarding template",
        INVITATION_ACCEPTED => "Accepted invitation",
        REVENUE_IMPORTED => "Recorded revenue",
        REVENUE_IMPORT_REJECTED => "Tried a revenue import that was refused",
        BILLING_CONNECTED => "Connected the billing feed",
        BILLING_CUSTOMER_ATTRIBUTED => "Attributed a billing customer to a partner",
        BILLING_CUSTOMER_REMOVED => "Removed a billing customer's attribution",
        TERMS_CHANGED => "Changed revenue-share terms",
        STATEMENT_CLOSED => "Closed a statement",
        PAYOUT_APPROVED => "Approved a payout",
        PAYOUT_PAID => "Marked a payout paid",
        BRAND_CHANGED => "Changed a brand",
        BRAND_LOGO_CHANGED => "Uploaded a brand logo",
        DOMAIN_ADDED => "Added a custom domain",
        DOMAIN_REMOVED => "Removed a custom domain",
        EMAIL_TEMPLATE_CHANGED => "Changed an email template",
        API_KEY_CREATED => "Created an API key",
        API_KEY_ROTATED => "Rotated an API key",
        API_KEY_REVOKED => "Revoked an API key",
        OAUTH_CLIENT_REGISTERED => "Registered an OAuth app",
        OAUTH_CLIENT_REVOKED => "Revoked an OAuth app",
        OAUTH_CONSENT_GIVEN => "Allowed an OAuth app to act for the partner",
        OAUTH_REPLAY_REVOKED => "An OAuth code or refresh token came back after use: its grant was revoked",
        WEBHOOK_CREATED => "Added a webhook subscription",
        WEBHOOK_DELETED => "Deleted a webhook subscription",
        WEBHOOK_SECRET_ROTATED => "Rotated a webhook secret",
        WEBHOOK_ENABLED => "Enabled a webhook subscription",
        WEBHOOK_DISABLED => "Disabled a webhook subscription",
        TICKET_OPENED => "Opened a support ticket",
        TICKET_REPLIED => "Replied to a support ticket",
        TICKET_ASSIGNED => "Assigned a support ticket",
        TICKET_RESOLVED => "Resolved a support ticket",
        TICKET_REOPENED => "Reopened a support ticket",
        REVIEW_SAVED => "Saved a quarterly review",
        _ => "Other change",
    }
}

/// What an entry acted on, as people read it ("Partner #5"), and the page
/// that shows it, where there is one.
pub fn readable_subject(subject: &str) -> (String, Option<String>) {
    let Some((kind, id)) = subject.split_once(':') else {
        return (subject.to_owned(), None);
    };
    let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let (label, page) = match kind {
        "organisation" => ("Partner", numeric.then(|| format!("/manager/partners/{id}"))),
        "application" => ("Application", numeric.then(|| format!("/manager/applications/{id}"))),
        "ticket" => ("Ticket", numeric.then(|| format!("/support/tickets/{id}"))),
        "statement" => ("Statement", numeric.then(|| format!("/statements/{id}"))),
        "revenue_import" => ("Revenue import", numeric.then(|| format!("/manager/revenue/imports/{id}"))),
        "review" => ("Review", numeric.then(|| format!("/reviews/{id}"))),
        "user" => ("User", None),
        "email" if !numeric => return (format!("Email address {id}"), None),
        "email" => ("Email", None),
        "api_key" => ("API key", None),
        "fund_request" => ("Fund request", None),
        "onboarding_item" => ("Onboarding item", None),
        other => return (format!("{} {id}", humanise(other)), None),
    };
    let shown = if numeric { format!("{label} #{id}") } else { format!("{label} {id}") };
    (shown, page)
}

/// `org_role` → "Org role".
fn humanise(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn plain(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// An entry's details as labelled lines instead of JSON: a change reads
/// "Role: manager → admin", anything else "Label: value". Text that is not
/// a JSON object is shown as it is.
pub fn readable_detail(detail: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(detail) else {
        return if detail.trim().is_empty() { Vec::new() } else { vec![("Details".to_owned(), detail.to_owned())] };
    };
    let empty = serde_json::Map::new();
    let before = map.get("before").and_then(|v| v.as_object());
    let after = map.get("after").and_then(|v| v.as_object());
    let mut lines = Vec::new();
    if before.is_some() || after.is_some() {
        let (b, a) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
        let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
        keys.dedup();
        let mut seen = std::collections::HashSet::new();
        for k in keys.into_iter().filter(|k| seen.insert(*k)) {
            let value = match (b.get(k), a.get(k)) {
                (Some(old), Some(new)) => format!("{} → {}", plain(old), plain(new)),
                (None, Some(new)) => plain(new),
                (Some(old), None) => format!("{} → —", plain(old)),
                (None, None) => continue,
            };
            lines.push((humanise(k), value));
        }
    }
    for (k, v) in &map {
        let change = (k == "before" && before.is_some()) || (k == "after" && after.is_some());
        if !change {
            lines.push((humanise(k), plain(v)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_action_has_a_description() {
        for a in [
            SIGN_IN,
            SIGN_IN_FAILED,
            SIGN_OUT,
            PASSWORD_CHANGED,
            PASSWORD_RESET_REQUESTED,
            PASSWORD_RESET,
            USER_CREATED,
            INVITATION_SENT,
            INVITATION_ACCEPTED,
            REVENUE_IMPORTED,
            BILLING_CONNECTED,
            BILLING_CUSTOMER_ATTRIBUTED,
            BILLING_CUSTOMER_REMOVED,
            TERMS_CHANGED,
            STATEMENT_CLOSED,
            PAYOUT_PAID,
        ] {
            assert_ne!(describe(a), "Other change", "{a}");
        }
    }

    #[test]
    fn a_subject_reads_as_a_name_and_links_to_its_page_where_it_has_one() {
        assert_eq!(readable_subject("organisation:5"), ("Partner #5".into(), Some("/manager/partners/5".into())));
        assert_eq!(readable_subject("user:7"), ("User #7".into(), None));
        assert_eq!(readable_subject("email:ada@example.com"), ("Email address ada@example.com".into(), None));
        assert_eq!(readable_subject("webhook:wh_ab12"), ("Webhook wh_ab12".into(), None));
        assert_eq!(readable_subject("program"), ("program".into(), None));
    }

    #[test]
    fn details_read_as_labelled_lines_and_changes_as_before_and_after() {
        let lines = readable_detail(
            r#"{"organisation": 5, "before": {"role": "manager"}, "after": {"role": "admin", "done": true}}"#,
        );
        assert_eq!(
            lines,
            vec![
                ("Role".to_owned(), "manager → admin".to_owned()),
                ("Done".to_owned(), "yes".to_owned()),
                ("Organisation".to_owned(), "5".to_owned()),
            ]
        );
        assert_eq!(
            readable_detail(r#"{"scopes": ["agents:read", "events:write"], "note": null}"#),
            vec![("Note".to_owned(), "—".to_owned()), ("Scopes".to_owned(), "agents:read, events:write".to_owned())]
        );
        assert_eq!(readable_detail("{}"), Vec::<(String, String)>::new());
        assert_eq!(readable_detail("not json"), vec![("Details".to_owned(), "not json".to_owned())]);
    }

    #[test]
    fn every_action_belongs_to_an_area_an_administrator_can_choose() {
        // Every action constant of this file, read from its source.
        let actions: Vec<&str> = include_str!("audit.rs")
            .lines()
            .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \""))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert!(actions.len() > 50, "{actions:?}");
        for action in actions {
            let area = action.split('.').next().unwrap();
            assert!(area_pattern(area).is_some(), "{action} has no area");
        }
        assert_eq!(area_pattern("auth").as_deref(), Some("auth.%"));
        assert_eq!(area_pattern("auth.%' OR 1=1"), None);
    }
}
