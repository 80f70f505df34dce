//! What the branding pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::brand::{Brand, DomainRecord};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainView {
    pub record: DomainRecord,
    /// The TXT record's name to create.
    pub record_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandingView {
    pub organisation_id: i64,
    pub organisation: String,
    /// `None` until the first save.
    pub brand: Option<Brand>,
    pub has_logo: bool,
    pub can_edit: bool,
    pub domains: Vec<DomainView>,
    /// The partner's customers: accounts of its brand.
    pub customers: Vec<crate::domain::account::UserSummary>,
    /// Its emails, each with its wording and a preview with sample values.
    pub templates: Vec<TemplateView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub kind: crate::domain::whitelabel::TemplateKind,
    pub placeholders: Vec<String>,
    /// The partner wrote its own (else the built-in wording shows).
    pub custom: bool,
    pub subject: String,
    pub body: String,
    pub preview_subject: String,
    pub preview_text: String,
}

/// What the page frame shows of the brand the request is served under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandFace {
    pub name: String,
    pub is_default: bool,
    /// The logo's address with a version, if the brand has one.
    pub logo: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
}
