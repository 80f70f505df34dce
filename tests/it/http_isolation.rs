//! The tenant-isolation matrix: routes that read or write a tenant's data, from
//! every host (the program's, partner A's and B's domains, an unknown host,
//! a spoofed X-Forwarded-Host), as every identity (admin, partner A, partner
//! B, a customer of A, anonymous), and A's API key (REST and GraphQL) and
//! OAuth access token.
//! Only the owners of the data, on the host they signed in on, read it;
//! everything else is refused. Both engines.

use crate::helpers::Client;
use crate::on_both;
use crate::program::Program;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use leptos::server_fn::ServerFn;
use partner_portal::api::branding::{GetBrandFace, GetBranding, SaveBranding};
use partner_portal::api::certification::GetCertification;
use partner_portal::api::deals::{GetDeals, GetProgramDeals};
use partner_portal::api::funds::{GetFundReview, GetFunds};
use partner_portal::api::integration::{CreateApiKey, DeveloperView, GetAgents, GetCustomerAgents, GetDeveloper};
use partner_portal::api::integration::{GetTraffic, GetWebhooks};
use partner_portal::api::leads::{GetLeads, GetProgramLeads};
use partner_portal::api::marketplace::{GetListing, GetListingQueue};
use partner_portal::api::oauth::{GetOauthApps, OAuthAppsView, RegisterOauthApp};
use partner_portal::api::revenue::{GetRevenueDashboard, GetRevenueProgram, GetStatement};
use partner_portal::api::scorecard::{GetReview, GetReviews};
use partner_portal::api::support::{GetSupport, GetSupportQueue, GetTicket};

on_both!(no_identity_reads_another_tenants_data_from_any_host, |e| async move {
    let Program { app, admin, a, b, carol, org_a, domain_a, domain_b, key, statement, ticket, review, agent, .. } =
        Program::start(e).await;
    let (mut a, mut b) = (a, b);
    let (o, statement, ticket, review) =
        (org_a.to_string(), statement.to_string(), ticket.to_string(), review.to_string());

    // A's sandbox key opens the API under the program's brand only (an
    // unknown host is served as the program's here), never on a partner's domain.
    let program = app.client().host;
    for host in [program.clone(), domain_a.clone(), domain_b.clone(), "unknown.example".to_owned()] {
        let req = Request::get("/api/v1/agents").header(header::AUTHORIZATION, format!("Bearer {key}"));
        let status = app.client_on(&host).send(req.body(Body::empty()).unwrap()).await.status;
        let partner_domain = host == domain_a || host == domain_b;
        let expected = if partner_domain { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
        assert_eq!(status, expected, "A's key on {host}");
    }
    // So does an OAuth access token of A's, and its client authenticates
    // on the program's host only.
    let form = [
        ("name", "Sync"),
        ("kind", "confidential"),
        ("environment", "sandbox"),
        ("redirect_uris", ""),
        ("agents_read", "on"),
    ];
    assert_eq!(a.call(RegisterOauthApp::PATH, &form).await.status, StatusCode::OK);
    let v: OAuthAppsView = serde_json::from_str(&a.call(GetOauthApps::PATH, &[]).await.body).unwrap();
    let (id, secret) = v.new_client.unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{}", secret.unwrap()));
    let token_request = || {
        Request::post("/oauth/token")
            .header(header::AUTHORIZATION, format!("Basic {basic}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("grant_type=client_credentials"))
            .unwrap()
    };
    let issued = app.client().send(token_request()).await;
    let token: serde_json::Value = serde_json::from_str(&issued.body).unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    for host in [program.clone(), domain_a.clone(), domain_b.clone(), "unknown.example".to_owned()] {
        let req = Request::get("/api/v1/agents").header(header::AUTHORIZATION, format!("Bearer {token}"));
        let status = app.client_on(&host).send(req.body(Body::empty()).unwrap()).await.status;
        let partner_domain = host == domain_a || host == domain_b;
        let expected = if partner_domain { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
        assert_eq!(status, expected, "A's access token on {host}");
        let status = app.client_on(&host).send(token_request()).await.status;
        let expected = if partner_domain { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
        assert_eq!(status, expected, "A's OAuth client on {host}");
    }
    // GraphQL is behind the same gate: A's key reads A's agents on the
    // program's host only, and B's key never reads A's agent.
    let gql = |credential: &str, query: &str| {
        Request::post("/api/graphql")
            .header(header::AUTHORIZATION, format!("Bearer {credential}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::json!({ "query": query }).to_string()))
            .unwrap()
    };
    let ask = format!("{{ agent(id: \"{agent}\") {{ id trustScore }} }}");
    for host in [program.clone(), domain_a.clone(), domain_b.clone(), "unknown.example".to_owned()] {
        let reply = app.client_on(&host).send(gql(&key, &ask)).await;
        if host == domain_a || host == domain_b {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "GraphQL with A's key on {host}");
        } else {
            let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(v["data"]["agent"]["id"], agent.as_str(), "GraphQL with A's key on {host}: {v}");
        }
    }
    let form = [("name", "B"), ("environment", "sandbox"), ("agents_read", "on")];
    assert_eq!(b.call(CreateApiKey::PATH, &form).await.status, StatusCode::OK);
    let v: DeveloperView = serde_json::from_str(&b.call(GetDeveloper::PATH, &[]).await.body).unwrap();
    let b_key = v.new_key.unwrap().1;
    let reply = app.client().send(gql(&b_key, &ask)).await;
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["errors"][0]["extensions"]["code"], "not_found", "B's key on A's agent: {v}");
    let reply = app.client().send(gql(&b_key, "{ agents(first: 100) { edges { node { id } } } }")).await;
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["data"]["agents"]["edges"], serde_json::json!([]), "B sees none of A's agents: {v}");
    // Only customers have a page of their agents; partners are refused it.
    assert_eq!(a.call(GetCustomerAgents::PATH, &[]).await.status, StatusCode::FORBIDDEN);
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
        ("OAuth apps of A", GetOauthApps::PATH, vec![("org", o.clone())]),
        ("agents of A", GetAgents::PATH, vec![("org", o.clone())]),
        ("webhooks of A", GetWebhooks::PATH, vec![("org", o.clone())]),
        ("API traffic of A", GetTraffic::PATH, vec![("org", o.clone())]),
        ("tickets of A", GetSupport::PATH, vec![("org", o.clone())]),
        ("a ticket of A", GetTicket::PATH, vec![("id", ticket.clone())]),
        ("support queue", GetSupportQueue::PATH, vec![]),
        ("reviews of A", GetReviews::PATH, vec![("org", o.clone())]),
        ("a review of A", GetReview::PATH, vec![("id", review.clone())]),
        ("marketplace listing of A", GetListing::PATH, vec![("org", o.clone())]),
        ("listing review queue", GetListingQueue::PATH, vec![]),
        ("leads of A", GetLeads::PATH, vec![("org", o.clone())]),
        ("deals of A", GetDeals::PATH, vec![("org", o.clone())]),
        ("program leads", GetProgramLeads::PATH, vec![]),
        ("program deals", GetProgramDeals::PATH, vec![]),
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
                            (
                                "partner A",
                                "program revenue"
                                | "support queue"
                                | "fund review queue"
                                | "listing review queue"
                                | "program leads"
                                | "program deals",
                            ) => false,
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

// Staff open any partner's pages with `?org=`, but only within their brand:
// an organisation of another brand is not found, whatever its id.
on_both!(staff_reach_no_integration_data_of_another_brands_organisation, |e| async move {
    let Program { app, mut admin, mut manager, org_a, .. } = Program::start(e).await;
    let url = app._db.url.clone();
    let brand = crate::helpers::scalar(
        &url,
        "INSERT INTO brands (slug, name, created_at) VALUES ('elsewhere', 'Elsewhere', 0) RETURNING id",
    )
    .await;
    let other = crate::helpers::scalar(
        &url,
        &format!("INSERT INTO organisations (brand_id, name, created_at) VALUES ({brand}, 'Other', 0) RETURNING id"),
    )
    .await;
    for path in [GetAgents::PATH, GetTraffic::PATH, GetWebhooks::PATH, GetDeveloper::PATH, GetOauthApps::PATH] {
        for (who, client) in [("admin", &mut admin), ("manager", &mut manager)] {
            let own = client.call(path, &[("org", &org_a.to_string())]).await.status;
            assert_eq!(own, StatusCode::OK, "{who} on {path} for a partner of the brand");
            let theirs = client.call(path, &[("org", &other.to_string())]).await.status;
            assert_eq!(theirs, StatusCode::NOT_FOUND, "{who} on {path} for another brand's organisation");
        }
    }
});
