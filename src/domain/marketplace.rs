//! The marketplace: partners' listings in the public directory.
//!
//! The guide's certification path publishes a certified partner "in
//! marketplace" (`Certified --> Listed: Published in marketplace`), and its
//! listing benefits are a "Partner directory", an "Integration showcase" and
//! "Customer referrals". A listing is written by the partner's owners in
//! versions; a manager approves a version or sends it back with a note. The
//! directory shows the approved version, and only while the partner's
//! certification state is one that shows: an edit waiting for review leaves
//! the published version up, and a suspension hides the listing at once.

use super::application::{parse_website, Category, IntegrationOption, PartnerKind};
use super::certification::CertState;
use super::email::Email;
use super::showcase::ListingImage;
use serde::{Deserialize, Serialize};

choices!(
    /// Where a partner serves customers.
    Region {
        NorthAmerica => "north_america", "North America";
        LatinAmerica => "latin_america", "Latin America";
        Europe => "europe", "Europe";
        MiddleEastAfrica => "middle_east_africa", "Middle East and Africa";
        AsiaPacific => "asia_pacific", "Asia Pacific";
    }
);

choices!(
    /// The industries a partner's customers are in.
    Industry {
        Finance => "finance", "Financial services";
        Healthcare => "healthcare", "Healthcare";
        Retail => "retail", "Retail and e-commerce";
        PublicSector => "public_sector", "Public sector";
        Software => "software", "Software and internet";
        Manufacturing => "manufacturing", "Manufacturing";
        Education => "education", "Education";
    }
);

choices!(
    /// Where one version of a listing stands.
    ListingStatus {
        Draft => "draft", "Draft";
        InReview => "in_review", "Waiting for review";
        SentBack => "sent_back", "Sent back";
        Approved => "approved", "Approved";
        Superseded => "superseded", "Replaced by a later version";
    }
);

choices!(
    /// A manager's decision on a version waiting for review.
    ListingDecision {
        Approve => "approve", "Approve";
        SendBack => "send_back", "Send back";
    }
);

pub const NAME_MAX: usize = 80;
pub const SHORT_MAX: usize = 160;
pub const LONG_MAX: usize = 4000;
pub const STEPS_MAX: usize = 2000;
/// Setup steps shown on the showcase, one per line.
pub const STEPS_MAX_COUNT: usize = 12;
pub const NOTE_MAX: usize = 2000;
/// Partners on one page of the directory.
pub const DIRECTORY_PAGE: usize = 24;

/// A listing as typed into its form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingInput {
    pub name: String,
    pub short_description: String,
    pub long_description: String,
    pub kind: String,
    pub category: String,
    pub integrations: Vec<String>,
    pub regions: Vec<String>,
    pub industries: Vec<String>,
    pub website: String,
    pub support_email: String,
    pub docs_url: String,
    pub setup_steps: String,
}

/// A listing's checked content: what one version holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingContent {
    pub name: String,
    pub short_description: String,
    pub long_description: String,
    pub kind: PartnerKind,
    pub category: Category,
    pub integrations: Vec<IntegrationOption>,
    pub regions: Vec<Region>,
    /// Empty: customers of every industry.
    pub industries: Vec<Industry>,
    pub website: String,
    pub support_email: String,
    pub docs_url: Option<String>,
    /// One step per line, blank lines dropped.
    pub setup_steps: String,
}

impl ListingContent {
    /// The content back as its form's fields, to edit the next version.
    pub fn input(&self) -> ListingInput {
        ListingInput {
            name: self.name.clone(),
            short_description: self.short_description.clone(),
            long_description: self.long_description.clone(),
            kind: self.kind.key().into(),
            category: self.category.key().into(),
            integrations: self.integrations.iter().map(|i| i.key().into()).collect(),
            regions: self.regions.iter().map(|r| r.key().into()).collect(),
            industries: self.industries.iter().map(|i| i.key().into()).collect(),
            website: self.website.clone(),
            support_email: self.support_email.clone(),
            docs_url: self.docs_url.clone().unwrap_or_default(),
            setup_steps: self.setup_steps.clone(),
        }
    }

    pub fn steps(&self) -> Vec<&str> {
        steps(&self.setup_steps)
    }
}

/// One version of a listing, with who wrote and decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingVersion {
    pub number: i64,
    pub status: ListingStatus,
    pub content: ListingContent,
    pub written_by: String,
    pub written_at_ms: i64,
    pub submitted_at_ms: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    /// The manager's note: why it was sent back, or a word on approval.
    pub note: Option<String>,
    /// Its logo and screenshots.
    pub images: Vec<ListingImage>,
}

/// A partner's listing: its latest version and the one the directory shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub organisation_id: i64,
    pub organisation: String,
    pub slug: String,
    pub state: CertState,
    pub latest: ListingVersion,
    pub published: Option<ListingVersion>,
}

impl Listing {
    /// Whether the directory shows it now.
    pub fn shown(&self) -> bool {
        self.published.is_some() && shows_in_directory(self.state)
    }
}

/// A partner as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub slug: String,
    /// For the server's own use (a referral's partner); never sent out.
    #[serde(skip)]
    pub organisation_id: i64,
    pub state: CertState,
    pub content: ListingContent,
    /// The published version's pictures: its logo alone in a page of the
    /// directory, every picture on the partner's own page.
    pub images: Vec<ListingImage>,
}

/// A version waiting for a manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingQueueItem {
    pub organisation_id: i64,
    pub organisation: String,
    pub name: String,
    pub number: i64,
    pub submitted_at_ms: i64,
    /// Whether an earlier version is already published (this is an edit).
    pub published: bool,
}

/// The setup steps of a showcase: one per non-blank line.
pub fn steps(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// Every key of `keys` read as a `T`, once each, in `T`'s own order; the
/// first unknown key refuses the lot.
fn pick_all<T: Copy + PartialEq>(keys: &[String], all: &[T], parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    let mut chosen = Vec::new();
    for k in keys {
        chosen.push(parse(k.trim())?);
    }
    Some(all.iter().copied().filter(|v| chosen.contains(v)).collect())
}

impl ListingInput {
    /// Checks every field and reports all problems at once, by field name.
    pub fn parse(&self) -> Result<ListingContent, Vec<(&'static str, String)>> {
        use super::application::required_text as text;
        let mut errors = Vec::new();
        let name = text("name", &self.name, NAME_MAX, &mut errors);
        let short_description = text("short_description", &self.short_description, SHORT_MAX, &mut errors);
        if short_description.contains('\n') {
            errors.push(("short_description", "Keep the short description to one line.".into()));
        }
        let long_description = text("long_description", &self.long_description, LONG_MAX, &mut errors);
        let setup_steps = if self.setup_steps.trim().is_empty() {
            errors.push(("setup_steps", "List the steps to set the integration up, one per line.".into()));
            String::new()
        } else {
            let t = text("setup_steps", &self.setup_steps, STEPS_MAX, &mut errors);
            let lines = steps(&t);
            if lines.len() > STEPS_MAX_COUNT {
                errors.push(("setup_steps", format!("Use at most {STEPS_MAX_COUNT} steps, one per line.")));
            }
            lines.join("\n")
        };
        let kind = PartnerKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(("kind", "Choose a partner type.".into()));
        }
        let category = Category::parse(&self.category);
        if category.is_none() {
            errors.push(("category", "Choose a category.".into()));
        }
        let integrations = pick_all(&self.integrations, IntegrationOption::ALL, IntegrationOption::parse);
        match &integrations {
            Some(list) if !list.is_empty() => {}
            _ => errors.push(("integrations", "Choose at least one way to integrate.".into())),
        }
        let regions = pick_all(&self.regions, Region::ALL, Region::parse);
        match &regions {
            Some(list) if !list.is_empty() => {}
            _ => errors.push(("regions", "Choose at least one region you serve.".into())),
        }
        let industries = pick_all(&self.industries, Industry::ALL, Industry::parse);
        if industries.is_none() {
            errors.push(("industries", "Choose industries from the list.".into()));
        }
        let website = parse_website(&self.website).map_err(|e| errors.push(("website", e.into()))).ok();
        let support_email =
            Email::parse(&self.support_email).map_err(|e| errors.push(("support_email", e.to_string())));
        let docs_url = if self.docs_url.trim().is_empty() {
            Some(None)
        } else {
            parse_website(&self.docs_url)
                .map(|(url, _)| Some(url))
                .map_err(|e| errors.push(("docs_url", e.into())))
                .ok()
        };
        match (kind, category, integrations, regions, industries, website, support_email, docs_url) {
            (
                Some(kind),
                Some(category),
                Some(integrations),
                Some(regions),
                Some(industries),
                Some((website, _)),
                Ok(email),
                Some(docs_url),
            ) if errors.is_empty() => Ok(ListingContent {
                name,
                short_description,
                long_description,
                kind,
                category,
                integrations,
                regions,
                industries,
                website,
                support_email: email.as_str().to_owned(),
                docs_url,
                setup_steps,
            }),
            _ => Err(errors),
        }
    }
}

/// Keys stored in one column as `,a,b,` so that a filter is one
/// `LIKE '%,a,%'` (`tag_pattern`) on either engine.
pub fn tags<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(",");
    for k in keys {
        out.push_str(k);
        out.push(',');
    }
    out
}

/// The `LIKE` pattern that finds `key` among `tags`. Keys are the fixed
/// ASCII words of a `choices!` list, so nothing needs escaping.
pub fn tag_pattern(key: &str) -> String {
    format!("%,{key},%")
}

/// The keys of a `tags` column.
pub fn untag(column: &str) -> impl Iterator<Item = &str> {
    column.split(',').filter(|k| !k.is_empty())
}

/// Whether a partner in `state` shows in the directory, given an approved
/// version. Certification decides: the guide lists it from "Listed". The
/// annual review leaves it up; failing it suspends, which hides it.
pub fn shows_in_directory(state: CertState) -> bool {
    SHOWN_STATES.contains(&state)
}

/// The certification badge a shown partner carries: its state, except that
/// the annual review is the program's business, not a visitor's, so it
/// reads as listed.
pub fn badge_label(state: CertState) -> &'static str {
    match state {
        CertState::Recertification => CertState::Listed.label(),
        s => s.label(),
    }
}

/// The states in which the directory shows a partner, for its SQL.
pub const SHOWN_STATES: [CertState; 4] =
    [CertState::Listed, CertState::Featured, CertState::Premier, CertState::Recertification];

/// Whether a partner in `state` may write a listing: once certified, and
/// not while suspended. The annual review does not stop it.
pub fn may_write_listing(state: CertState) -> bool {
    matches!(
        state,
        CertState::Certified
            | CertState::Listed
            | CertState::Featured
            | CertState::Premier
            | CertState::Recertification
    )
}

/// The directory's order: premier partners first, then featured, then
/// the rest (each group by name).
pub fn directory_rank(state: CertState) -> u8 {
    match state {
        CertState::Premier => 0,
        CertState::Featured => 1,
        _ => 2,
    }
}

/// Where a saved edit goes, given the status of the listing's latest
/// version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditTarget {
    /// A version of its own: the first, or one after a decided version
    /// (whose content stays as it was approved).
    NewVersion,
    /// The latest version, still a draft or sent back.
    Latest,
}

pub const IN_REVIEW_EDIT: &str = "A manager is reviewing your listing. You can change it again once they have decided.";

pub fn edit_target(latest: Option<ListingStatus>) -> Result<EditTarget, &'static str> {
    match latest {
        None | Some(ListingStatus::Approved | ListingStatus::Superseded) => Ok(EditTarget::NewVersion),
        Some(ListingStatus::Draft | ListingStatus::SentBack) => Ok(EditTarget::Latest),
        Some(ListingStatus::InReview) => Err(IN_REVIEW_EDIT),
    }
}

/// Whether the latest version can be sent for review, or why not.
pub fn can_submit(latest: Option<ListingStatus>) -> Result<(), &'static str> {
    match latest {
        Some(ListingStatus::Draft | ListingStatus::SentBack) => Ok(()),
        None => Err("Save your listing before sending it for review."),
        Some(ListingStatus::InReview) => Err("Your listing is already waiting for review."),
        Some(ListingStatus::Approved | ListingStatus::Superseded) => {
            Err("This version is already approved. Save a change to send a new version.")
        }
    }
}

/// The status a decision gives the version in review, checking the note a
/// sending back needs.
pub fn decide(
    decision: ListingDecision,
    note: &str,
) -> Result<(ListingStatus, Option<String>), (&'static str, String)> {
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(("note", format!("Use at most {NOTE_MAX} characters.")));
    }
    match decision {
        ListingDecision::Approve => Ok((ListingStatus::Approved, (!note.is_empty()).then(|| note.to_owned()))),
        ListingDecision::SendBack if note.is_empty() => {
            Err(("note", "Say what to change, so the partner can fix it.".into()))
        }
        ListingDecision::SendBack => Ok((ListingStatus::SentBack, Some(note.to_owned()))),
    }
}

pub const NOT_APPROVED: &str =
    "Approve the partner's marketplace listing first: only an approved listing is published.";

/// A listing's address in the directory: its first name in lower-case
/// ASCII words joined by `-` (at most 60 characters), `partner` if nothing
/// is left. Fixed when the listing is first saved, so links keep working.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "partner".into()
    } else {
        out
    }
}

/// The directory's filters as read from its address: unknown keys are
/// dropped, so only fixed words reach the query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryFilter {
    pub q: String,
    /// `technology`, `solution` or `reseller`.
    pub partner_type: Option<String>,
    pub category: Option<Category>,
    pub integration: Option<IntegrationOption>,
    pub region: Option<Region>,
    pub industry: Option<Industry>,
}

impl DirectoryFilter {
    pub fn read(q: &str, partner_type: &str, category: &str, integration: &str, region: &str, industry: &str) -> Self {
        DirectoryFilter {
            q: q.trim().chars().take(100).collect(),
            partner_type: PartnerKind::TYPES.iter().find(|(t, _)| *t == partner_type).map(|(t, _)| (*t).to_owned()),
            category: Category::parse(category),
            integration: IntegrationOption::parse(integration),
            region: Region::parse(region),
            industry: Industry::parse(industry),
        }
    }

    /// The filters as address parameters, empty ones left out.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: Option<&str>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                out.push((k, v.to_owned()));
            }
        };
        put("q", Some(&self.q));
        put("type", self.partner_type.as_deref());
        put("category", self.category.map(Category::key));
        put("integration", self.integration.map(IntegrationOption::key));
        put("region", self.region.map(Region::key));
        put("industry", self.industry.map(Industry::key));
        out
    }

    pub fn is_empty(&self) -> bool {
        self.params().is_empty()
    }
}

/// The directory's canonical address for the page at `path` with `query`:
/// filters and searches are views of the first page, so only a page number
/// stays. `None` for a path that is not a directory page.
pub fn canonical_path(path: &str, query: Option<&str>) -> Option<String> {
    let rest = path.strip_prefix("/marketplace")?;
    match rest {
        "" | "/" => {
            let page = query
                .unwrap_or_default()
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|p| *p > 1);
            Some(match page {
                Some(p) => format!("/marketplace?page={p}"),
                None => "/marketplace".to_owned(),
            })
        }
        slug if slug.len() > 1 && !slug[1..].contains('/') => Some(format!("/marketplace{slug}")),
        _ => None,
    }
}

/// The tags a directory page's head gains for search engines: its
/// canonical address and its description, escaped.
pub fn head_tags(canonical_url: &str, description: &str) -> String {
    use super::whitelabel::escape_html;
    format!(
        "<link rel=\"canonical\" href=\"{}\"/><meta name=\"description\" content=\"{}\"/>",
        escape_html(canonical_url),
        escape_html(description.trim())
    )
}

/// A sitemap (sitemaps.org 0.9) of `urls`, escaped for XML.
pub fn sitemap_xml(urls: &[String]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for u in urls {
        let escaped = u
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;");
        out.push_str(&format!("  <url><loc>{escaped}</loc></url>\n"));
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_page_is_canonical_without_its_filters_and_a_partner_page_as_itself() {
        assert_eq!(canonical_path("/marketplace", Some("region=europe&q=bank")).as_deref(), Some("/marketplace"));
        assert_eq!(
            canonical_path("/marketplace", Some("region=europe&page=3")).as_deref(),
            Some("/marketplace?page=3")
        );
        assert_eq!(canonical_path("/marketplace/", Some("page=1")).as_deref(), Some("/marketplace"));
        assert_eq!(canonical_path("/marketplace/acme-agents", None).as_deref(), Some("/marketplace/acme-agents"));
        assert_eq!(canonical_path("/marketplace/a/b", None), None);
        assert_eq!(canonical_path("/marketplaces", None), None);
        assert_eq!(
            head_tags("https://p.example/marketplace", "Banks & \"bots\""),
            "<link rel=\"canonical\" href=\"https://p.example/marketplace\"/>\
             <meta name=\"description\" content=\"Banks &amp; &quot;bots&quot;\"/>"
        );
    }

    fn input() -> ListingInput {
        ListingInput {
            name: "Acme Agents".into(),
            short_description: "Trust scores inside your agent runtime.".into(),
            long_description: "Acme checks every agent call against its trust score.".into(),
            kind: "technology/agent_framework".into(),
            category: "technology_integration".into(),
            integrations: vec!["webhook".into(), "api".into(), "api".into()],
            regions: vec!["europe".into()],
            industries: vec![],
            website: "acme.example".into(),
            support_email: "Help@Acme.example".into(),
            docs_url: String::new(),
            setup_steps: "Install the plugin\n\n  Paste your API key  \n".into(),
        }
    }

    #[test]
    fn a_complete_listing_is_read_with_its_choices_in_list_order_and_its_steps_trimmed() {
        let c = input().parse().unwrap();
        assert_eq!(c.integrations, [IntegrationOption::Api, IntegrationOption::Webhook]);
        assert_eq!(c.website, "https://acme.example");
        assert_eq!(c.support_email, "help@acme.example");
        assert_eq!(c.docs_url, None);
        assert_eq!(c.steps(), ["Install the plugin", "Paste your API key"]);
        assert_eq!(c.input().parse().unwrap(), c, "a saved listing edits back to itself");
    }

    #[test]
    fn every_problem_of_a_listing_is_named_by_its_field_at_once() {
        let bad = ListingInput {
            name: " ".into(),
            short_description: "x".repeat(SHORT_MAX + 1),
            kind: "martian".into(),
            integrations: vec![],
            regions: vec!["atlantis".into()],
            industries: vec!["finance".into(), "gambling".into()],
            website: "ftp://acme".into(),
            support_email: "nobody".into(),
            docs_url: "javascript:alert(1)".into(),
            setup_steps: (0..=STEPS_MAX_COUNT).map(|i| format!("step {i}\n")).collect(),
            ..input()
        };
        let fields: Vec<&str> = bad.parse().unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "name",
                "short_description",
                "setup_steps",
                "kind",
                "integrations",
                "regions",
                "industries",
                "website",
                "support_email",
                "docs_url"
            ]
        );
    }

    #[test]
    fn listed_partners_show_until_suspended_and_premier_comes_first() {
        for s in [CertState::Listed, CertState::Featured, CertState::Premier] {
            assert!(shows_in_directory(s), "{s:?}");
        }
        assert!(!shows_in_directory(CertState::Suspended) && !shows_in_directory(CertState::Certified));
        assert!(shows_in_directory(CertState::Recertification), "the annual review leaves it up");
        assert_eq!(badge_label(CertState::Recertification), badge_label(CertState::Listed), "and is not shown");
        assert_eq!(badge_label(CertState::Premier), CertState::Premier.label());
        assert!(directory_rank(CertState::Premier) < directory_rank(CertState::Featured));
        assert!(directory_rank(CertState::Featured) < directory_rank(CertState::Listed));
        assert!(!may_write_listing(CertState::Review) && !may_write_listing(CertState::Suspended));
    }

    #[test]
    fn an_edit_of_a_decided_version_starts_a_new_one_and_a_version_in_review_cannot_change() {
        assert_eq!(edit_target(None), Ok(EditTarget::NewVersion));
        assert_eq!(edit_target(Some(ListingStatus::Approved)), Ok(EditTarget::NewVersion));
        assert_eq!(edit_target(Some(ListingStatus::SentBack)), Ok(EditTarget::Latest));
        assert_eq!(edit_target(Some(ListingStatus::InReview)), Err(IN_REVIEW_EDIT));
        assert!(can_submit(Some(ListingStatus::Draft)).is_ok());
        assert!(can_submit(Some(ListingStatus::InReview)).is_err());
        assert!(can_submit(None).is_err());
    }

    #[test]
    fn sending_a_listing_back_needs_a_note_and_approving_does_not() {
        assert_eq!(decide(ListingDecision::Approve, " "), Ok((ListingStatus::Approved, None)));
        assert_eq!(decide(ListingDecision::SendBack, "").unwrap_err().0, "note");
        assert_eq!(
            decide(ListingDecision::SendBack, " Add setup steps "),
            Ok((ListingStatus::SentBack, Some("Add setup steps".into())))
        );
    }

    #[test]
    fn a_sitemap_lists_every_address_escaped_for_xml() {
        let xml = sitemap_xml(&["https://p.example/marketplace".into(), "https://p.example/a?b=1&c=2".into()]);
        assert!(xml.starts_with("<?xml"));
        assert!(xml.contains("<loc>https://p.example/marketplace</loc>"));
        assert!(xml.contains("<loc>https://p.example/a?b=1&amp;c=2</loc>"));
        assert_eq!(xml.matches("<url>").count(), 2);
    }

    #[test]
    fn a_slug_is_lower_case_ascii_words_and_never_empty() {
        assert_eq!(slug("Acme Agents, Inc."), "acme-agents-inc");
        assert_eq!(slug("  Über--Tools  "), "ber-tools");
        assert_eq!(slug("日本"), "partner");
        assert!(slug(&"a".repeat(200)).len() <= 60);
    }

    #[test]
    fn tags_are_found_by_their_pattern_and_read_back() {
        let t = tags(["api", "webhook"]);
        assert_eq!(t, ",api,webhook,");
        assert_eq!(tag_pattern("api"), "%,api,%");
        assert_eq!(untag(&t).collect::<Vec<_>>(), ["api", "webhook"]);
        assert_eq!(untag(",").count(), 0);
    }

    #[test]
    fn directory_filters_drop_unknown_words_and_keep_known_ones_in_the_address() {
        let f = DirectoryFilter::read(" acme ", "technology", "nope", "api", "europe", "'; DROP");
        assert_eq!(f.partner_type.as_deref(), Some("technology"));
        assert_eq!((f.category, f.industry), (None, None));
        assert_eq!(
            f.params(),
            [
                ("q", "acme".to_owned()),
                ("type", "technology".to_owned()),
                ("integration", "api".to_owned()),
                ("region", "europe".to_owned())
            ]
        );
        assert!(DirectoryFilter::read("", "x", "", "", "", "").is_empty());
    }
}
