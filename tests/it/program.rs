//! A program with something of everything, built over HTTP as its people
//! would: an admin, a manager, two white-label partners (A and B) serving
//! verified domains, a customer of A on A's domain, and A's statement, API
//! key, agent, webhook, ticket and quarterly review. The isolation matrix and
//! the concurrency test start from it.

use crate::dns_server::DnsServer;
use crate::helpers::{Client, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::auth::AcceptInvitation;
use partner_portal::api::branding::VerifyCustomDomain;
use partner_portal::api::branding::{AddCustomDomain, BrandingView, GetBranding, InviteCustomer, SaveBranding};
use partner_portal::api::integration::{CreateApiKey, CreateWebhook, CustomerAgent, DeveloperView, GetCustomerAgents};
use partner_portal::api::integration::{GetDeveloper, GetWebhooks, WebhooksView};
use partner_portal::api::revenue::{GetRevenueDashboard, RecordRevenueEvent, RevenueDashboard};
use partner_portal::api::scorecard::{GenerateReview, GetReviews, ReviewsView};
use partner_portal::domain::role::Role;

pub struct Program {
    pub dns: DnsServer,
    pub app: TestApp,
    pub admin: Client,
    pub manager: Client,
    pub a: Client,
    pub b: Client,
    /// A customer of A, signed in on A's domain.
    pub carol: Client,
    pub org_a: i64,
    pub domain_a: String,
    pub domain_b: String,
    /// A's sandbox API key.
    pub key: String,
    pub statement: i64,
    /// The public id of the agent A assigned to Carol.
    pub agent: String,
    pub webhook: String,
    pub ticket: i64,
    pub review: i64,
    /// A's application, as the review queue shows it.
    pub application: i64,
}

/// Approves `n` as a white-label partner, brands it, and verifies the
/// custom domain `n.test` against the tests' DNS server.
pub async fn white_label_partner(app: &TestApp, admin: &mut Client, dns: &DnsServer, n: &str) -> (Client, i64, String) {
    let email = format!("owner@{n}.example");
    let (mut p, org) = app.approved_partner(admin, n, &email, "reseller/var", "white_label").await;
    let look = [("name", n), ("primary", "#0b3d91"), ("accent", "#b45309"), ("support_email", ""), ("support_url", "")];
    assert_eq!(p.call(SaveBranding::PATH, &look).await.status, StatusCode::OK);
    let domain = format!("{n}.test");
    p.call(AddCustomDomain::PATH, &[("domain", &domain)]).await;
    let v: BrandingView = serde_json::from_str(&p.call(GetBranding::PATH, &[]).await.body).unwrap();
    dns.set_txt(&v.domains[0].record_name, &v.domains[0].record.token);
    assert_eq!(p.call(VerifyCustomDomain::PATH, &[("domain", &domain)]).await.body, "true");
    (p, org, domain)
}

impl Program {
    pub async fn start(e: crate::helpers::Engine) -> Program {
        let dns = DnsServer::start().await;
        let resolver = dns.addr.to_string();
        let app = TestApp::start_with(e, |c| c.dns_resolver = resolver).await;
        app.create_user("admin@example.com", Role::Admin).await;
        app.create_user("mgr@example.com", Role::Manager).await;
        let mut admin = app.client();
        admin.sign_in("admin@example.com", PASSWORD).await;
        let mut manager = app.client();
        manager.sign_in("mgr@example.com", PASSWORD).await;
        let (mut a, org_a, domain_a) = white_label_partner(&app, &mut admin, &dns, "alpha").await;
        let (b, _, domain_b) = white_label_partner(&app, &mut admin, &dns, "bravo").await;

        // A statement of A's.
        let today = app.clock_now().date_naive().to_string();
        let o = org_a.to_string();
        let event = [
            ("partner", o.as_str()),
            ("customer", "Globex"),
            ("date", today.as_str()),
            ("amount", "10.00"),
            ("currency", "USD"),
            ("kind", "invoice"),
            ("refunds", ""),
            ("external_id", "inv-a"),
            ("customer_price", ""),
        ];
        assert_eq!(admin.call(RecordRevenueEvent::PATH, &event).await.status, StatusCode::OK);
        let d: RevenueDashboard = serde_json::from_str(&a.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
        let statement = d.statements[0].id;

        // A customer of A, signed in on A's domain.
        a.call(InviteCustomer::PATH, &[("email", "carol@c.example"), ("display_name", "Carol")]).await;
        let token = app.mailed_token(&format!("https://{domain_a}/invitation")).await;
        let mut carol = app.client_on(&domain_a);
        carol.call(AcceptInvitation::PATH, &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
        carol.sign_in("carol@c.example", PASSWORD).await;
        assert!(carol.whoami().await.is_some());

        // A's sandbox key, and an agent A assigns to Carol.
        let form = [("name", "CI"), ("environment", "sandbox"), ("agents_read", "on"), ("agents_write", "on")];
        assert_eq!(a.call(CreateApiKey::PATH, &form).await.status, StatusCode::OK);
        let v: DeveloperView = serde_json::from_str(&a.call(GetDeveloper::PATH, &[]).await.body).unwrap();
        let key = v.new_key.unwrap().1;
        let req = Request::post("/api/v1/agents")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"name": "Carol's assistant", "customer": "carol@c.example"}"#))
            .unwrap();
        let created = app.client().send(req).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let agent = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["id"]
            .as_str()
            .expect("the agent's id")
            .to_owned();
        let mine: Vec<CustomerAgent> =
            serde_json::from_str(&carol.call(GetCustomerAgents::PATH, &[]).await.body).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0].agent.name.as_str(), mine[0].agent.trust_score), ("Carol's assistant", 500));

        // A sandbox webhook subscription of A's.
        let form = [("environment", "sandbox"), ("url", "https://93.184.215.14/hooks"), ("patterns", "trust.*")];
        let r = a.call(CreateWebhook::PATH, &form).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let w: WebhooksView = serde_json::from_str(&a.call(GetWebhooks::PATH, &[]).await.body).unwrap();
        let webhook = w.subscriptions[0].id.clone();

        // A ticket of A's and a quarterly review of A.
        let fields = [("subject", "Help"), ("severity", "tier2"), ("description", "Something broke.")];
        let r = a.post_multipart("/support/tickets", &fields, Some(("log.txt", b"error 42\n"))).await;
        let ticket = r.location().unwrap().trim_start_matches("/support/tickets/").split('?').next().unwrap();
        let ticket = ticket.parse().expect("a ticket id");
        let quarter = partner_portal::domain::ledger::Quarter::of(app.clock_now()).key();
        let fields = [("org", o.as_str()), ("quarter", quarter.as_str()), ("recommendations", "Keep going.")];
        assert_eq!(admin.call(GenerateReview::PATH, &fields).await.status, StatusCode::OK);
        let reviews: ReviewsView = serde_json::from_str(&a.call(GetReviews::PATH, &[]).await.body).unwrap();
        let review = reviews.reviews[0].id;
        let owner = a.whoami().await.expect("A's owner is signed in").id;
        let application = app.state.store.application_of_user(1, owner).await.unwrap().expect("A's application").id;

        Program {
            dns,
            app,
            admin,
            manager,
            a,
            b,
            carol,
            org_a,
            domain_a,
            domain_b,
            key,
            statement,
            agent,
            webhook,
            ticket,
            review,
            application,
        }
    }
}
