//! The tenant-isolation matrix: routes that read or write a tenant's data, from
//! every host (the program's, partner A's and B's domains, an unknown host,
//! a spoofed X-Forwarded-Host), as every identity (admin, partner A, partner
//! B, a customer of A, anonymous). Only the owners of the data, on the host
//! they signed in on, read it; everything else is refused. Both engines.

use crate::dns_server::DnsServer;
use crate::helpers::{Client, TestApp, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::auth::AcceptInvitation;
use partner_portal::api::branding::{
    AddCustomDomain, BrandingView, GetBrandFace, GetBranding, InviteCustomer, SaveBranding, VerifyCustomDomain,
};
use partner_portal::api::certification::GetCertification;
use partner_portal::api::funds::{GetFundReview, GetFunds};
use partner_portal::api::integration::{
    CreateApiKey, CustomerAgent, DeveloperView, GetAgents, GetCustomerAgents, GetDeveloper, GetTraffic, GetWebhooks,
};
use partner_portal::api::revenue::{
    GetRevenueDashboard, GetRevenueProgram, GetStatement, RecordRevenueEvent, RevenueDashboard,
};
use partner_portal::api::scorecard::{GenerateReview, GetReview, GetReviews, ReviewsView};
use partner_portal::api::support::{GetSupport, GetSupportQueue, GetTicket};
use partner_portal::domain::role::Role;

async fn white_label_partner(app: &TestApp, admin: &mut Client, dns: &DnsServer, n: &str) -> (Client, i64, String) {
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

on_both!(no_identity_reads_another_tenants_data_from_any_host, |e| async move {
    let dns = DnsServer::start().await;
    let resolver = dns.addr.to_string();
    let app = TestApp::start_with(e, |c| c.dns_resolver = resolver).await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let (a, org_a, domain_a) = white_label_partner(&app, &mut admin, &dns, "alpha").await;
    let (b, _org_b, domain_b) = white_label_partner(&app, &mut admin, &dns, "bravo").await;
    let mut a = a;
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
    let statement = d.statements[0].id.to_string();
    // A customer of A, signed in on A's domain.
    a.call(InviteCustomer::PATH, &[("email", "carol@c.example"), ("display_name", "Carol")]).await;
    let token = app.mailed_token(&format!("https://{domain_a}/invitation")).await;
    let mut carol = app.client_on(&domain_a);
    carol.call(AcceptInvitation::PATH, &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    carol.sign_in("carol@c.example", PASSWORD).await;
    assert!(carol.whoami().await.is_some());

    // A's sandbox key opens the API under the program's brand only (an
    // unknown host is served as the program's here), never on a partner's domain.
    let form = [("name", "CI"), ("environment", "sandbox"), ("agents_read", "on"), ("agents_write", "on")];
    assert_eq!(a.call(CreateApiKey::PATH, &form).await.status, StatusCode::OK);
    let v: DeveloperView = serde_json::from_str(&a.call(GetDeveloper::PATH, &[]).await.body).unwrap();
    let key = v.new_key.unwrap().1;

    let program = app.client().host;
    for host in [program.clone(), domain_a.clone(), domain_b.clone(), "unknown.example".to_owned()] {
        let req = Request::get("/api/v1/agents").header(header::AUTHORIZATION, format!("Bearer {key}"));
        let status = app.client_on(&host).send(req.body(Body::empty()).unwrap()).await.status;
        let partner_domain = host == domain_a || host == domain_b;
        let expected = if partner_domain { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
        assert_eq!(status, expected, "A's key on {host}");
    }
    // An agent A assigns to its customer Carol: she sees it, with its score.
    let req = Request::post("/api/v1/agents")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name": "Carol's assistant", "customer": "carol@c.example"}"#))
        .unwrap();
    let created = app.client().send(req).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let mine: Vec<CustomerAgent> = serde_json::from_str(&carol.call(GetCustomerAgents::PATH, &[]).await.body).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].agent.name.as_str(), mine[0].agent.trust_score), ("Carol's assistant", 500));
    // Only customers have such a page; partners are refused it.
    assert_eq!(a.call(GetCustomerAgents::PATH, &[]).await.status, StatusCode::FORBIDDEN);
    // A ticket of A's and a quarterly review of A.
    let fields = [("subject", "Help"), ("severity", "tier2"), ("description", "Something broke.")];
    let r = a.post_multipart("/support/tickets", &fields, Some(("log.txt", b"error 42\n"))).await;
    let ticket = r.location().unwrap().trim_start_matches("/support/tickets/").split('?').next().unwrap().to_owned();
    let quarter = partner_portal::domain::ledger::Quarter::of(app.clock_now()).key();
    let fields = [("org", o.as_str()), ("quarter", quarter.as_str()), ("recommendations", "Keep going.")];
    assert_eq!(admin.call(GenerateReview::PATH, &fields).await.status, StatusCode::OK);
    let reviews: ReviewsView = serde_json::from_str(&a.call(GetReviews::PATH, &[]).await.body).unwrap();
    let review = reviews.reviews[0].id.to_string();
    let hosts = [program.clone(), domain_a.clone(), domain_b.clone(), "unknown.example".to_owned()];
    // (identity, the client it signed in with, the host where it is valid)
    let identities: Vec<(&str, Client, Option<String>)> = vec![
        ("admin", admin, Some(program.clone())),
        ("partner A", a, Some(program.clone())),
        ("partner B", b, Some(program.clone())),
        ("customer of A", carol, Some(domain_a.clone())),
        ("anonymous", app.client(), None),
    ];
    // (what, server function path, its fields)
    type Route<'a> = (&'a str, &'a str, Vec<(&'a str, String)>);
    let routes: Vec<Route> = vec![
        ("revenue dashboard of A", GetRevenueDashboard::PATH, vec![("org", o.clone())]),
        ("branding of A", GetBranding::PATH, vec![("org", o.clone())]),
        ("certification of A", GetCertification::PATH, vec![("org", o.clone())]),
        ("statement of A", GetStatement::PATH, vec![("id", statement.clone())]),
        ("program revenue", GetRevenueProgram::PATH, vec![]),
        ("co-marketing funds of A", GetFunds::PATH, vec![("org", o.clone())]),
        ("fund review queue", GetFundReview::PATH, vec![]),
        ("API keys of A", GetDeveloper::PATH, vec![("org", o.clone())]),
        ("agents of A", GetAgents::PATH, vec![("org", o.clone())]),
        ("webhooks of A", GetWebhooks::PATH, vec![("org", o.clone())]),
        ("API traffic of A", GetTraffic::PATH, vec![("org", o.clone())]),
        ("tickets of A", GetSupport::PATH, vec![("org", o.clone())]),
        ("a ticket of A", GetTicket::PATH, vec![("id", ticket.clone())]),
        ("support queue", GetSupportQueue::PATH, vec![]),
        ("reviews of A", GetReviews::PATH, vec![("org", o.clone())]),
        ("a review of A", GetReview::PATH, vec![("id", review.clone())]),
        // A write: saving A's brand (with the look it already has).
        (
            "save A's brand",
            SaveBranding::PATH,
            vec![
                ("org", o.clone()),
                ("name", "alpha".into()),
                ("primary", "%230b3d91".into()),
                ("accent", "%23b45309".into()),
                ("support_email", String::new()),
                ("support_url", String::new()),
            ],
        ),
    ];
    let mut checked = 0;
    for (who, client, valid_on) in &identities {
        for host in &hosts {
            for spoof in [false, true] {
                // The cookies of `who`, carried to `host`; with `spoof`, an
                // untrusted client also claims to be partner A's domain.
                let mut c = client.clone_on(host);
                for (what, path, fields) in &routes {
                    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let mut req = Request::post(*path)
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header(header::ORIGIN, format!("https://{host}"))
                        .header(header::ACCEPT, "application/json");
                    if spoof {
                        req = req.header("x-forwarded-host", domain_a.as_str());
                    }
                    let body = refs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
                    let status = c.send(req.body(Body::from(body)).unwrap()).await.status;
                    let signed_in_here = valid_on.as_deref() == Some(host.as_str());
                    let allowed = signed_in_here
                        && host == &program
                        && match (*who, *what) {
                            ("admin", _) => true,
                            ("partner A", "program revenue" | "support queue" | "fund review queue") => false,
                            ("partner A", _) => true,
                            _ => false,
                        };
                    if allowed {
                        assert_eq!(status, StatusCode::OK, "{who} on {host} (spoof {spoof}): {what}");
                    } else {
                        assert!(
                            matches!(
                                status,
                                StatusCode::UNAUTHORIZED
                                    | StatusCode::FORBIDDEN
                                    | StatusCode::NOT_FOUND
                                    | StatusCode::BAD_REQUEST
                            ),
                            "{who} on {host} (spoof {spoof}): {what} gave {status}"
                        );
                    }
                    checked += 1;
                }
                // Each host shows its own brand, whoever asks.
                let face: serde_json::Value =
                    serde_json::from_str(&c.call(GetBrandFace::PATH, &[]).await.body).unwrap();
                let expected = if host == &domain_a {
                    "alpha"
                } else if host == &domain_b {
                    "bravo"
                } else {
                    ""
                };
                if expected.is_empty() {
                    assert_eq!(face["is_default"], true, "{host}");
                } else {
                    assert_eq!(face["name"], expected, "{host}");
                }
            }
        }
    }
    assert_eq!(checked, identities.len() * hosts.len() * 2 * routes.len());
});
