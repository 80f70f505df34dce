//! Deal registration over HTTP, both engines: a registration checked field
//! by field, a rival partner's registration of the same customer kept with
//! the conflict for the managers, approval and its protection window (the
//! warning 14 days before, the expiry), who may decide and close what, and
//! a won deal's customer carrying its revenue to the registering partner.

use crate::helpers::{call_with, certify, start_with_manager, Client, TestApp};
use crate::http_integration::{api, new_key, Receiver};
use crate::http_revenue::upload;
use crate::on_both;
use axum::http::StatusCode;
use chrono::Duration;
use leptos::server_fn::ServerFn;
use partner_portal::api::deals::{
    CloseDeal, DealsPage, DecideDeal, GetDeals, GetProgramDeals, ProgramDeals, RegisterDeal,
};
use partner_portal::api::revenue::{GetRevenueDashboard, GetStatement, RevenueDashboard, StatementView};
use partner_portal::domain::deals::{Deal, DealStatus};
use partner_portal::domain::DAY_MS;
use partner_portal::server::services::deals::tend;
use partner_portal::server::services::webhooks::{deliver_once, Deliverer};
use serde_json::{json, Value};

/// A registration as a partner fills the form.
fn deal(company: &str, domain: &str, products: &str, close_on: &str) -> Vec<(&'static str, String)> {
    vec![
        ("company", company.to_owned()),
        ("domain", domain.to_owned()),
        ("contact_name", "Nia Northwind".into()),
        ("contact_email", "nia@northwind.example".into()),
        ("products", products.to_owned()),
        ("value", "12000.00".into()),
        ("currency", "USD".into()),
        ("close_on", close_on.to_owned()),
    ]
}

async fn deals(c: &mut Client, org: Option<i64>) -> DealsPage {
    let org = org.map(|o| o.to_string()).unwrap_or_default();
    let fields: Vec<(&str, &str)> = if org.is_empty() { vec![] } else { vec![("org", org.as_str())] };
    let r = c.call(GetDeals::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn program(m: &mut Client) -> ProgramDeals {
    let r = m.call(GetProgramDeals::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn decide(m: &mut Client, d: &Deal, action: &str, note: &str) -> crate::helpers::Reply {
    let fields = [
        ("id", d.id.to_string()),
        ("version", d.version.to_string()),
        ("action", action.to_owned()),
        ("note", note.to_owned()),
    ];
    call_with(m, DecideDeal::PATH, &fields).await
}

async fn close(c: &mut Client, d: &Deal, action: &str, customer: &str) -> crate::helpers::Reply {
    let fields = [
        ("id", d.id.to_string()),
        ("version", d.version.to_string()),
        ("action", action.to_owned()),
        ("customer", customer.to_owned()),
    ];
    call_with(c, CloseDeal::PATH, &fields).await
}

/// Two approved partners (resellers, so revenue earns them commission).
async fn two_partners(app: &TestApp, mgr: &mut Client) -> ((Client, i64), (Client, i64)) {
    let a = app.approved_partner(mgr, "Resell One", "ada@one.example", "reseller/var", "reseller").await;
    let b = app.approved_partner(mgr, "Resell Two", "bob@two.example", "reseller/var", "reseller").await;
    (a, b)
}

fn in_days(app: &TestApp, days: i64) -> String {
    (app.clock_now() + Duration::days(days)).date_naive().to_string()
}

on_both!(
    a_rival_registration_goes_to_the_managers_with_both_and_the_won_customers_revenue_is_the_registrants,
    |e| async move {
        let (app, mut mgr) = start_with_manager(e, |_| {}).await;
        let ((mut ada, a), (mut bob, b)) = two_partners(&app, &mut mgr).await;
        let close_on = in_days(&app, 60);
        app.mail().await;

        // Bad input: every problem at once, and nothing written.
        let bad = vec![
            ("company", String::new()),
            ("domain", "localhost".into()),
            ("contact_name", "Nia".into()),
            ("contact_email", "nia".into()),
            ("products", " , ".into()),
            ("value", "0".into()),
            ("currency", "USD".into()),
            ("close_on", in_days(&app, -1)),
        ];
        let r = call_with(&mut ada, RegisterDeal::PATH, &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        for field in ["company", "domain", "contact_email", "products", "value", "close_on"] {
            assert!(r.body.contains(&format!("\"{field}\"")), "{field} in {}", r.body);
        }
        assert!(deals(&mut ada, None).await.deals.is_empty());
        assert!(program(&mut mgr).await.deals.is_empty());

        let r = call_with(
            &mut ada,
            RegisterDeal::PATH,
            &deal("Northwind Bank", "https://www.northwind.example", "Trust scores", &close_on),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mine = deals(&mut ada, None).await.deals.remove(0);
        assert_eq!(
            (mine.status, mine.domain.as_str(), mine.conflict_with),
            (DealStatus::Registered, "northwind.example", None)
        );

        // Bob claims the same customer (by domain): kept, with the conflict
        // noted for the managers, who see both deals.
        let r = call_with(&mut bob, RegisterDeal::PATH, &deal("Northwind", "northwind.example", "Billing", &close_on))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let rival = deals(&mut bob, None).await.deals.remove(0);
        assert_eq!(rival.conflict_with, None, "which deal of whom it conflicts with is the managers' to know");
        let seen = program(&mut mgr).await.deals.into_iter().find(|d| d.id == rival.id).unwrap();
        assert_eq!(seen.conflict_with, Some(mine.id));
        // Another company with no product in common on another domain: no conflict.
        let r = call_with(&mut bob, RegisterDeal::PATH, &deal("Globex", "globex.example", "Billing", &close_on)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let globex = deals(&mut bob, None).await.deals[0].id;
        assert_eq!(program(&mut mgr).await.deals.into_iter().find(|d| d.id == globex).unwrap().conflict_with, None);
        let p = program(&mut mgr).await;
        assert_eq!(p.deals.len(), 3);
        assert!(p.deals.iter().all(|d| d.status == DealStatus::Registered), "waiting ones first");
        assert!(p.deals.iter().any(|d| d.id == mine.id) && p.deals.iter().any(|d| d.conflict_with == Some(mine.id)));

        // Partners neither decide nor see each other's deals; managers do not close.
        assert_eq!(decide(&mut ada, &mine, "approve", "").await.status, StatusCode::FORBIDDEN);
        assert_eq!(close(&mut bob, &mine, "lost", "").await.status, StatusCode::NOT_FOUND);
        assert_eq!(bob.call(GetDeals::PATH, &[("org", &a.to_string())]).await.status, StatusCode::FORBIDDEN);
        assert!(deals(&mut bob, None).await.deals.iter().all(|d| d.organisation_id == b));
        let r = close(&mut ada, &mine, "won", "Northwind").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "a deal is approved before it is won: {}", r.body);

        // Approval starts the window and emails the owners.
        let r = decide(&mut mgr, &mine, "approve", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mine = deals(&mut ada, None).await.deals.remove(0);
        let now = app.clock_now().timestamp_millis();
        assert_eq!((mine.status, mine.protected_until_ms), (DealStatus::Approved, Some(now + 90 * DAY_MS)));
        let mail = app.mail().await;
        assert!(
            mail.iter().any(|m| m.contains("ada@one.example") && m.contains("Northwind Bank is approved")),
            "{mail:?}"
        );
        assert_eq!(decide(&mut mgr, &mine, "approve", "").await.status, StatusCode::BAD_REQUEST, "decided already");

        // The rival cannot be approved while Ada is protected; turning it down
        // needs a note.
        let r = decide(&mut mgr, &rival, "approve", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("Resell One") && r.body.contains(&format!("#{}", mine.id)), "{}", r.body);
        let r = decide(&mut mgr, &rival, "reject", " ").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(deals(&mut bob, None).await.deals[1].status, DealStatus::Registered, "nothing changed");
        let r = decide(&mut mgr, &rival, "reject", "Resell One registered Northwind first.").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let rival = deals(&mut bob, None).await.deals.into_iter().find(|d| d.id == rival.id).unwrap();
        assert_eq!(
            (rival.status, rival.note.as_deref()),
            (DealStatus::Rejected, Some("Resell One registered Northwind first."))
        );

        // Won, naming the customer as revenue imports do.
        let r = close(&mut ada, &mine, "won", " ").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = close(&mut ada, &mine, "won", "Northwind Bank").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // One won deal per customer: Bob's Globex deal, approved, cannot
        // claim Ada's customer when it is won.
        let globex = deals(&mut bob, None).await.deals.into_iter().find(|d| d.company == "Globex").unwrap();
        assert_eq!(decide(&mut mgr, &globex, "approve", "").await.status, StatusCode::OK);
        let globex = deals(&mut bob, None).await.deals.into_iter().find(|d| d.company == "Globex").unwrap();
        let r = close(&mut bob, &globex, "won", "NORTHWIND BANK").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains(&format!("deal #{}", mine.id)), "{}", r.body);

        // Revenue of that customer with no partner named goes to Ada.
        let today = app.clock_now().date_naive().to_string();
        // The import takes the partner column empty for that customer.
        let csv = format!(
        "partner,customer,date,amount,currency,kind,external_id\n,Northwind Bank,{today},1000.00,USD,invoice,inv-nw-1\n"
    );
        let r = upload(&mut mgr, &csv).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let csv = format!(
            "partner,customer,date,amount,currency,kind,external_id\n,Globex,{today},5.00,USD,invoice,inv-gx-1\n"
        );
        upload(&mut mgr, &csv).await;
        let bobs: RevenueDashboard =
            serde_json::from_str(&bob.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
        assert!(bobs.statements.is_empty(), "nothing reached Bob");
        let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
        let id = d.statements[0].id.to_string();
        let s: StatementView = serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &id)]).await.body).unwrap();
        assert!(
            serde_json::to_string(&s).unwrap().contains("inv-nw-1"),
            "the won deal's invoice is on Ada's statement"
        );
        let page = deals(&mut ada, None).await;
        let won = page.deals.iter().find(|d| d.id == mine.id).unwrap();
        assert_eq!((won.status, won.customer_ref.as_deref()), (DealStatus::Won, Some("Northwind Bank")));
        assert_eq!(page.revenue.iter().map(|(d, m)| (*d, m.minor)).collect::<Vec<_>>(), [(mine.id, 100_000)]);
        // The deal links to the events behind its revenue by their ids.
        let events: Vec<(i64, &str, i64)> =
            page.events.iter().map(|e| (e.deal_id, e.external_id.as_str(), e.amount.minor)).collect();
        assert_eq!(events, [(mine.id, "inv-nw-1", 100_000)]);
        assert!(deals(&mut bob, None).await.events.is_empty(), "Bob's page lists none of Ada's");
        assert_eq!(program(&mut mgr).await.revenue.len(), 1);
        // The funnels: Ada's own, and every partner's for the managers.
        let f = page.funnel.clone().expect("Ada has deals");
        assert_eq!((f.deal_count(), f.deals_won(), f.win_rate()), (1, 1, Some(100)));
        assert_eq!(f.revenue.iter().map(|m| m.minor).collect::<Vec<_>>(), [100_000]);
        let all = program(&mut mgr).await.funnels;
        let rows: Vec<(&str, i64, Option<u32>)> =
            all.iter().map(|f| (f.organisation.as_str(), f.deal_count(), f.win_rate())).collect();
        assert_eq!(rows, [("Resell One", 1, Some(100)), ("Resell Two", 2, None)]);
        // Staff read a partner's deals; they do not register for it.
        assert_eq!(deals(&mut mgr, Some(a)).await.deals.len(), 1);
        assert!(!deals(&mut mgr, Some(a)).await.can_act);
    }
);

on_both!(a_protection_warns_its_partner_fourteen_days_before_it_ends_and_then_expires, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let ((mut ada, _), (mut bob, _)) = two_partners(&app, &mut mgr).await;
    let close_on = in_days(&app, 30);
    let r =
        call_with(&mut ada, RegisterDeal::PATH, &deal("Initech", "initech.example", "Agent audit", &close_on)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = deals(&mut ada, None).await.deals.remove(0);
    assert_eq!(decide(&mut mgr, &mine, "approve", "").await.status, StatusCode::OK);
    app.mail().await;

    // Day 75: more than 14 days left, nothing to do.
    app.clock.advance(Duration::days(75));
    assert_eq!(tend(&app.state).await.unwrap(), (0, 0));
    // Day 77: the owners are told once.
    app.clock.advance(Duration::days(2));
    assert_eq!(tend(&app.state).await.unwrap(), (1, 0));
    assert_eq!(tend(&app.state).await.unwrap(), (0, 0), "once per deal");
    let mail = app.mail().await;
    assert!(mail.iter().any(|m| m.contains("ada@one.example") && m.contains("protection on Initech ends")), "{mail:?}");

    // A rival's registration now conflicts, and cannot be approved.
    ada.sign_in("ada@one.example", crate::helpers::PASSWORD).await;
    bob.sign_in("bob@two.example", crate::helpers::PASSWORD).await;
    mgr.sign_in("mgr@example.com", crate::helpers::PASSWORD).await;
    let later = in_days(&app, 30);
    let r =
        call_with(&mut bob, RegisterDeal::PATH, &deal("Initech Inc.", "initech.co.uk", "agent AUDIT", &later)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rival = deals(&mut bob, None).await.deals.remove(0);
    let seen = program(&mut mgr).await.deals.into_iter().find(|d| d.id == rival.id).unwrap();
    assert_eq!(seen.conflict_with, Some(mine.id), "same company, a product in common");
    assert_eq!(decide(&mut mgr, &rival, "approve", "").await.status, StatusCode::BAD_REQUEST);

    // Day 91: the window has ended; the deal expires and the rival may be approved.
    app.clock.advance(Duration::days(14));
    assert_eq!(tend(&app.state).await.unwrap(), (0, 1));
    assert_eq!(tend(&app.state).await.unwrap(), (0, 0));
    ada.sign_in("ada@one.example", crate::helpers::PASSWORD).await;
    bob.sign_in("bob@two.example", crate::helpers::PASSWORD).await;
    mgr.sign_in("mgr@example.com", crate::helpers::PASSWORD).await;
    let expired = deals(&mut ada, None).await.deals.remove(0);
    assert_eq!(expired.status, DealStatus::Expired);
    assert_eq!(close(&mut ada, &expired, "won", "Initech").await.status, StatusCode::BAD_REQUEST, "closed");
    let r = decide(&mut mgr, &rival, "approve", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
});

on_both!(
    partners_register_and_read_deals_and_read_leads_with_production_keys_and_hear_of_them_by_webhook,
    |e| async move {
        let rx = Receiver::start().await;
        let (app, mut mgr) = start_with_manager(e, |c| c.webhook_allow_private = vec!["127.0.0.1".into()]).await;
        let (mut ada, org) = app
            .approved_partner(&mut mgr, "Acme Agents", "ada@acme.example", "technology/ai_platform", "technology")
            .await;
        let sandbox = new_key(&mut ada, "sandbox").await;
        let mut c = app.client();
        // Leads and deals are production data.
        for path in ["/api/v1/deals", "/api/v1/leads"] {
            let (s, v, _) = api(&mut c, "GET", path, &sandbox, None).await;
            assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("production_only")), "{path}");
        }
        certify(&app, &mut ada, &mut mgr, org).await;
        let live = new_key(&mut ada, "production").await;
        let form = [("environment", "production"), ("url", rx.url.as_str()), ("patterns", "deal.*")];
        let r = ada.call(partner_portal::api::integration::CreateWebhook::PATH, &form).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // Bad input: a 422 naming the fields, and nothing registered.
        let close_on = in_days(&app, 45);
        let bad = json!({
            "company": "Northwind", "domain": "http://", "contact_name": "Nia", "contact_email": "nia@northwind.example",
            "products": [], "value_minor": 0, "currency": "USD", "close_on": close_on,
        });
        let (s, v, _) = api(&mut c, "POST", "/api/v1/deals", &live, Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> =
            v["error"]["fields"].as_array().unwrap().iter().filter_map(|f| f["field"].as_str()).collect();
        assert_eq!(fields, ["domain", "products", "value_minor"], "{v}");
        let (_, list, _) = api(&mut c, "GET", "/api/v1/deals", &live, None).await;
        assert_eq!(list["data"].as_array().unwrap().len(), 0);

        let good = json!({
            "company": "Northwind Bank", "domain": "northwind.example", "contact_name": "Nia",
            "contact_email": "nia@northwind.example", "products": ["Trust scores"], "value_minor": 1_250_000,
            "currency": "EUR", "close_on": close_on,
        });
        let (s, deal, _) = api(&mut c, "POST", "/api/v1/deals", &live, Some(good)).await;
        assert_eq!(s, StatusCode::CREATED, "{deal}");
        assert_eq!((deal["status"].as_str(), deal["value_minor"].as_i64()), (Some("registered"), Some(1_250_000)));
        let (_, list, _) = api(&mut c, "GET", "/api/v1/deals", &live, None).await;
        assert_eq!(list["data"][0]["id"], deal["id"]);
        let (s, leads, _) = api(&mut c, "GET", "/api/v1/leads", &live, None).await;
        assert_eq!((s, leads["data"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));

        // A manager's approval: both steps reach the partner's receiver.
        let mine = deals(&mut ada, None).await.deals.remove(0);
        assert_eq!(decide(&mut mgr, &mine, "approve", "").await.status, StatusCode::OK);
        app.state.store.fan_out(app.clock_now(), 100).await.unwrap();
        deliver_once(&app.state, &Deliverer::new(&app.state.config).unwrap()).await.unwrap();
        let kinds: Vec<(String, Value)> = rx
            .hits()
            .into_iter()
            .map(|(_, body)| serde_json::from_str::<Value>(&body).unwrap())
            .map(|v| (v["type"].as_str().unwrap_or_default().to_owned(), v["data"].clone()))
            .collect();
        // Deliveries run side by side, so in any order.
        let mut types: Vec<&str> = kinds.iter().map(|(t, _)| t.as_str()).collect();
        types.sort();
        assert_eq!(types, ["deal.approved", "deal.registered"], "{kinds:?}");
        let approved = &kinds.iter().find(|(t, _)| t == "deal.approved").unwrap().1;
        assert_eq!(approved["deal_id"], deal["id"]);
        assert!(approved["protected_until"].as_i64().is_some() && approved.get("contact_email").is_none());
    }
);
