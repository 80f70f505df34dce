//! Partner applications: what an applicant tells us, parsed and checked on
//! the server, and the statuses an application moves through.

use super::email::Email;
use serde::{Deserialize, Serialize};

choices!(
    /// The partner type and sub-type in one choice (guide "Partner Types").
    PartnerKind {
        AiPlatform => "technology/ai_platform", "Technology: AI platform";
        CloudProvider => "technology/cloud_provider", "Technology: cloud provider";
        AgentFramework => "technology/agent_framework", "Technology: agent framework";
        SystemIntegrator => "solution/system_integrator", "Solution: system integrator";
        Consultancy => "solution/consultancy", "Solution: consultancy";
        Isv => "solution/isv", "Solution: ISV";
        Var => "reseller/var", "Reseller: VAR";
        Distributor => "reseller/distributor", "Reseller: distributor";
        Regional => "reseller/regional", "Reseller: regional partner";
    }
);

impl PartnerKind {
    /// The partner types that group the sub-types: key and label.
    pub const TYPES: [(&'static str, &'static str); 3] =
        [("technology", "Technology partners"), ("solution", "Solution partners"), ("reseller", "Resellers")];

    /// `technology`, `solution` or `reseller`.
    pub fn partner_type(self) -> &'static str {
        self.key().split('/').next().unwrap_or_default()
    }
}

choices!(
    /// Handbook §1.2 partnership categories.
    Category {
        TechnologyIntegration => "technology_integration", "Technology Integration";
        DomainExpertise => "domain_expertise", "Domain Expertise";
        DistributionChannels => "distribution_channels", "Distribution Channels";
        CoDevelopment => "co_development", "Co-Development";
    }
);

choices!(
    IntegrationOption {
        Sdk => "sdk", "SDK";
        Api => "api", "API";
        Webhook => "webhook", "Webhook";
        WhiteLabel => "white_label", "White-label";
    }
);

choices!(
    RevenueModel {
        Referral => "referral", "Referral";
        Reseller => "reseller", "Reseller";
        Technology => "technology", "Technology";
        WhiteLabel => "white_label", "White-label";
    }
);

choices!(
    ApplicationStatus {
        Submitted => "submitted", "Waiting for review";
        InfoRequested => "info_requested", "More information requested";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
    }
);

impl ApplicationStatus {
    /// Managers may decide only on applications waiting for them.
    pub fn awaits_manager(self) -> bool {
        self == ApplicationStatus::Submitted
    }
}

/// What the public form sends, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationInput {
    pub company: String,
    pub website: String,
    pub contact_name: String,
    pub email: String,
    pub kind: String,
    pub category: String,
    pub integration: String,
    pub revenue_model: String,
    pub pitch: String,
}

/// A checked application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub company: String,
    pub website: String,
    /// The website's host without `www.`, to spot duplicate applications.
    pub company_domain: String,
    pub contact_name: String,
    pub email: Email,
    pub kind: PartnerKind,
    pub category: Category,
    pub integration: IntegrationOption,
    pub revenue_model: RevenueModel,
    pub pitch: String,
}

pub const PITCH_MAX: usize = 4000;

/// A required text field, trimmed; a problem is added to `errors` under `field`.
pub(crate) fn required_text(
    field: &'static str,
    v: &str,
    max: usize,
    errors: &mut Vec<(&'static str, String)>,
) -> String {
    let t = v.trim();
    if t.is_empty() {
        errors.push((field, "This field is required.".into()));
    } else if t.chars().count() > max {
        errors.push((field, format!("Use at most {max} characters.")));
    } else if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.push((field, "Remove control characters.".into()));
    } else if t.chars().any(super::text::is_direction_control) {
        errors.push((field, super::text::DIRECTION_CONTROLS.into()));
    }
    t.to_owned()
}

/// Parses a website into (normalised URL, domain). Only http(s) with a
/// dotted host name.
pub fn parse_website(input: &str) -> Result<(String, String), &'static str> {
    let t = input.trim();
    let with_scheme = if t.contains("://") { t.to_owned() } else { format!("https://{t}") };
    let (scheme, rest) = with_scheme.split_once("://").ok_or("Enter a web address like https://example.com.")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err("Enter a web address starting with https://.");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let host = host.rsplit_once('@').map(|(_, h)| h.to_owned()).unwrap_or(host);
    let host = host.split(':').next().unwrap_or_default().to_owned();
    let valid = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !valid || with_scheme.len() > 300 {
        return Err("Enter a web address like https://example.com.");
    }
    let domain = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    Ok((with_scheme, domain))
}

impl ApplicationInput {
    /// Checks every field and reports all problems at once, by field name.
    pub fn parse(&self) -> Result<NewApplication, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let company = required_text("company", &self.company, 200, &mut errors);
        let contact_name = required_text("contact_name", &self.contact_name, 100, &mut errors);
        let pitch = required_text("pitch", &self.pitch, PITCH_MAX, &mut errors);
        let website = match parse_website(&self.website) {
            Ok(w) => Some(w),
            Err(e) => {
                errors.push(("website", e.into()));
                None
            }
        };
        let email = match Email::parse(&self.email) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push(("email", e.to_string()));
                None
            }
        };
        let mut pick = |field: &'static str, msg: &str, ok: bool| {
            if !ok {
                errors.push((field, msg.to_owned()));
            }
        };
        let kind = PartnerKind::parse(&self.kind);
        pick("kind", "Choose a partner type.", kind.is_some());
        let category = Category::parse(&self.category);
        pick("category", "Choose a category.", category.is_some());
        let integration = IntegrationOption::parse(&self.integration);
        pick("integration", "Choose an integration option.", integration.is_some());
        let revenue_model = RevenueModel::parse(&self.revenue_model);
        pick("revenue_model", "Choose a revenue model.", revenue_model.is_some());
        match (website, email, kind, category, integration, revenue_model) {
            (
                Some((website, company_domain)),
                Some(email),
                Some(kind),
                Some(category),
                Some(integration),
                Some(revenue_model),
            ) if errors.is_empty() => Ok(NewApplication {
                company,
                website,
                company_domain,
                contact_name,
                email,
                kind,
                category,
                integration,
                revenue_model,
                pitch,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ApplicationInput {
        ApplicationInput {
            company: "Acme Robotics".into(),
            website: "www.acme-robotics.example".into(),
            contact_name: "Ada Lovelace".into(),
            email: "ada@acme-robotics.example".into(),
            kind: "technology/agent_framework".into(),
            category: "technology_integration".into(),
            integration: "sdk".into(),
            revenue_model: "technology".into(),
            pitch: "We build agents.".into(),
        }
    }

    #[test]
    fn a_complete_application_parses_and_knows_its_domain() {
        let a = good().parse().unwrap();
        assert_eq!(a.website, "https://www.acme-robotics.example");
        assert_eq!(a.company_domain, "acme-robotics.example");
        assert_eq!(a.kind.partner_type(), "technology");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = ApplicationInput { kind: "alien".into(), website: "ftp://x".into(), ..ApplicationInput::default() };
        let fields: Vec<_> = bad.parse().unwrap_err().into_iter().map(|(f, _)| f).collect();
        for f in
            ["company", "contact_name", "pitch", "website", "email", "kind", "category", "integration", "revenue_model"]
        {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn websites_must_be_web_addresses_with_a_real_host() {
        assert_eq!(parse_website("https://Example.com/about").unwrap().1, "example.com");
        assert_eq!(parse_website("http://user@www.example.org:8080").unwrap().1, "example.org");
        for bad in ["javascript:alert(1)", "https://localhost", "https://exa mple.com", "", "https://.com"] {
            assert!(parse_website(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_choice_round_trips_through_its_key() {
        for k in PartnerKind::ALL {
            assert_eq!(PartnerKind::parse(k.key()), Some(*k));
        }
        for m in RevenueModel::ALL {
            assert_eq!(RevenueModel::parse(m.key()), Some(*m));
        }
        assert_eq!(ApplicationStatus::parse("approved"), Some(ApplicationStatus::Approved));
    }

    #[test]
    fn a_rejection_needs_a_reason_and_a_request_needs_a_question() {
        assert_eq!(Decision::parse("approve", ""), Ok(Decision::Approve));
        assert_eq!(Decision::parse("reject", " no "), Ok(Decision::Reject { reason: "no".into() }));
        assert_eq!(Decision::parse("reject", "  ").unwrap_err().0, "reason");
        assert_eq!(Decision::parse("request_info", "").unwrap_err().0, "question");
        assert_eq!(Decision::parse("request_info", &"x".repeat(4001)).unwrap_err().0, "question");
        assert_eq!(Decision::parse("delete", "x").unwrap_err().0, "decision");
    }

    #[test]
    fn every_sub_type_belongs_to_a_listed_partner_type() {
        for k in PartnerKind::ALL {
            assert!(PartnerKind::TYPES.iter().any(|(t, _)| *t == k.partner_type()), "{k:?}");
        }
    }

    #[test]
    fn only_submitted_applications_await_a_manager() {
        assert!(ApplicationStatus::Submitted.awaits_manager());
        assert!(!ApplicationStatus::InfoRequested.awaits_manager());
        assert!(!ApplicationStatus::Approved.awaits_manager());
    }
}

/// A row of the managers' review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub id: i64,
    pub company: String,
    pub company_domain: String,
    pub kind: PartnerKind,
    pub category: Category,
    pub status: ApplicationStatus,
    pub created_at_ms: i64,
    pub scorecards: i64,
    /// Other applications from the same company domain.
    pub duplicates: i64,
}

/// One manager's scorecard with a note per criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scorecard {
    pub manager_id: i64,
    pub manager: String,
    pub scores: super::evaluation::Scores,
    pub notes: [String; 5],
    pub scored_at_ms: i64,
}

/// Everything about one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDetail {
    pub id: i64,
    pub version: i64,
    pub company: String,
    pub website: String,
    pub company_domain: String,
    pub contact_name: String,
    pub email: String,
    pub kind: PartnerKind,
    pub category: Category,
    pub integration: IntegrationOption,
    pub revenue_model: RevenueModel,
    pub pitch: String,
    pub status: ApplicationStatus,
    pub info_question: Option<String>,
    pub info_answer: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub organisation_id: Option<i64>,
    pub scorecards: Vec<Scorecard>,
    pub duplicates: Vec<ApplicationSummary>,
}

/// What a manager decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Approve,
    Reject { reason: String },
    RequestInfo { question: String },
}

impl Decision {
    /// Parses a manager's decision form: `approve`, `reject` (a reason is
    /// required, it is emailed) or `request_info` (the question is required).
    /// An error names the field to fix.
    pub fn parse(kind: &str, text: &str) -> Result<Decision, (&'static str, String)> {
        let text = text.trim();
        let field = if kind == "reject" { "reason" } else { "question" };
        if text.chars().count() > 4000 {
            return Err((field, "Use at most 4000 characters.".into()));
        }
        match kind {
            "approve" => Ok(Decision::Approve),
            "reject" if !text.is_empty() => Ok(Decision::Reject { reason: text.to_owned() }),
            "reject" => Err(("reason", "Give the applicant a reason.".into())),
            "request_info" if !text.is_empty() => Ok(Decision::RequestInfo { question: text.to_owned() }),
            "request_info" => Err(("question", "Write the question for the applicant.".into())),
            _ => Err(("decision", "Choose a decision.".into())),
        }
    }

    pub fn status(&self) -> ApplicationStatus {
        match self {
            Decision::Approve => ApplicationStatus::Approved,
            Decision::Reject { .. } => ApplicationStatus::Rejected,
            Decision::RequestInfo { .. } => ApplicationStatus::InfoRequested,
        }
    }
}
