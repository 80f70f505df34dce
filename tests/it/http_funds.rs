//! Co-marketing funds over HTTP, both engines: who may request, decide,
//! claim and download what; field errors that change nothing; an approved
//! claim's line on the partner's statement; the decision emails.

use crate::helpers::{Client, TestApp, HOST, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::funds::{DecideFundRequest, FundReview, FundsView, GetFundReview, GetFunds, RequestFunds};
use partner_portal::api::revenue::{
    GetRevenueDashboard, GetStatement, RevenueDashboard, SaveRevenueTerms, StatementView,
};
use partner_portal::domain::funds::{BountyState, FundStatus};
use partner_portal::domain::ledger::LineKind;
use partner_portal::domain::role::Role;

async fn funds(c: &mut Client, org: Option<i64>) -> FundsView {
    let org = org.map(|o| o.to_string()).unwrap_or_default();
    let fields: Vec<(&str, &str)> = if org.is_empty() { vec![] } else { vec![("org", org.as_str())] };
    let r = c.call(GetFunds::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn claim(c: &mut Client, id: i64, version: i64, amount: &str, link: &str, file: &[u8]) -> crate::helpers::Reply {
    let boundary = "XBOUNDARYX";
    let mut body = Vec::new();
    for (name, value) in [("version", version.to_string()), ("amount", amount.to_owned()), ("link", link.to_owned())] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"receipt.txt\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(format!("/funds/{id}/claim"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ORIGIN, format!("https://{HOST}"))
        .body(Body::from(body))
        .unwrap();
    c.send(req).await
}

fn decide<'a>(id: &'a str, version: &'a str, action: &'a str, reason: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("id", id), ("version", version), ("action", action), ("reason", reason), ("back", "/funds/review")]
}

on_both!(a_technology_partner_requests_is_approved_claims_and_is_paid_on_its_statement, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut mgr = app.client();
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    let (mut ada, org) =
        app.approved_partner(&mut mgr, "Tech One", "ada@tech.example", "technology/ai_platform", "technology").await;
    let (mut bob, _) =
        app.approved_partner(&mut mgr, "Resell Two", "bob@two.example", "reseller/var", "reseller").await;
    let today = app.clock_now().date_naive().to_string();

    // No budget yet: the page says so and the server refuses a request.
    let v = funds(&mut ada, None).await;
    assert!(v.budget.is_none() && !v.can_request);
    assert!(v.no_budget.unwrap().contains("No co-marketing fund budget"));
    let form = |amount: &'static str| {
        vec![("kind", "webinar"), ("title", "Agents in production"), ("date", today.as_str()), ("amount", amount)]
    };
    assert_eq!(ada.call(RequestFunds::PATH, &form("100.00")).await.status, StatusCode::BAD_REQUEST);
    // A reseller below Premier has none either.
    assert!(funds(&mut bob, None).await.no_budget.unwrap().contains("Premier"));

    // The manager sets 5,000.00 a quarter.
    let o = org.to_string();
    let terms = [
        ("org", o.as_str()),
        ("effective", today.as_str()),
        ("currency", "USD"),
        ("fund_budget", "5000.00"),
        ("bounty_certified", "2500.00"),
        ("bounty_listed", ""),
    ];
    let r = mgr.call(SaveRevenueTerms::PATH, &terms).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = funds(&mut ada, None).await;
    assert_eq!(v.budget.unwrap().remaining().minor, 500_000);
    assert!(v.can_request);
    assert_eq!(
        v.bounties.iter().map(|b| (b.milestone.as_str(), b.amount.minor, b.state)).collect::<Vec<_>>(),
        vec![("certified", 250_000, BountyState::Open)]
    );

    // Bad input: every field's problem at once, nothing written.
    let bad = [("kind", "podcast"), ("title", " "), ("date", "2000-01-01"), ("amount", "-3")];
    let r = ada.call(RequestFunds::PATH, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["kind", "title", "date", "amount"] {
        assert!(r.body.contains(&format!("\"{f}\"")), "{f}: {}", r.body);
    }
    let r = ada.call(RequestFunds::PATH, &form("3750.00")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let over = ada.call(RequestFunds::PATH, &form("1250.01")).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.body.contains("Only $1,250.00 remains") && over.body.contains("$5,000.00"), "{}", over.body);
    let v = funds(&mut ada, None).await;
    assert_eq!(v.requests.len(), 1);
    let id = v.requests[0].id.to_string();
    // Staff cannot request on a partner's behalf.
    assert_eq!(mgr.call(RequestFunds::PATH, &form("1.00")).await.status, StatusCode::NOT_FOUND);

    // Other partners neither read nor decide it; the partner does not decide.
    assert_eq!(bob.call(GetFunds::PATH, &[("org", &o)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.call(DecideFundRequest::PATH, &decide(&id, "1", "approve", "")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.call(DecideFundRequest::PATH, &decide(&id, "1", "withdraw", "")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ada.call(DecideFundRequest::PATH, &decide(&id, "1", "approve", "")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ada.call(GetFundReview::PATH, &[]).await.status, StatusCode::FORBIDDEN);

    // The manager's queue; a rejection needs a reason.
    let q: FundReview = serde_json::from_str(&mgr.call(GetFundReview::PATH, &[]).await.body).unwrap();
    assert_eq!(q.items.len(), 1);
    assert_eq!(q.items[0].budget.unwrap().committed.minor, 375_000);
    let r = mgr.call(DecideFundRequest::PATH, &decide(&id, "1", "reject", "  ")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("reason"), "{}", r.body);
    let r = mgr.call(DecideFundRequest::PATH, &decide(&id, "1", "approve", "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(mgr.call(DecideFundRequest::PATH, &decide(&id, "1", "approve", "")).await.status, StatusCode::CONFLICT);
    let mails = app.mail().await;
    assert!(mails.iter().any(|m| m.contains("To: ada@tech.example") && m.contains("approved for $3,750.00")));

    // Claims: above the approved amount, a bad link and a file that is not
    // a PDF, PNG or JPEG are all refused at once; nothing changes.
    let r = claim(&mut ada, v.requests[0].id, 2, "3750.01", "javascript:alert(1)", b"<html>").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let back = r.location().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("/funds?claim={id}")) && back.contains("e_link") && back.contains("e_file"),
        "{back}"
    );
    assert!(back.contains("e_amount"), "{back}");
    assert_eq!(funds(&mut ada, None).await.requests[0].status, FundStatus::Approved);
    // Another partner cannot claim it.
    let r = claim(&mut bob, v.requests[0].id, 2, "100.00", "https://b.example.com/x", b"").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let pdf = b"%PDF-1.7\n% proof of the webinar\n";
    let r = claim(&mut ada, v.requests[0].id, 2, "3500.00", "https://blog.example.com/webinar", pdf).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some(format!("/funds?claimed={id}").as_str())));

    // The proof: the partner and staff download it; nobody else.
    for c in [&mut ada, &mut mgr] {
        let r = c.get(&format!("/funds/{id}/proof")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers[header::CONTENT_DISPOSITION], "attachment; filename=\"receipt.pdf\"");
        assert_eq!(r.body.as_bytes(), pdf);
    }
    assert_eq!(bob.get(&format!("/funds/{id}/proof")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.client().get(&format!("/funds/{id}/proof")).await.status, StatusCode::SEE_OTHER);

    // The claim approved: one fund line on the partner's statement.
    let r = mgr.call(DecideFundRequest::PATH, &decide(&id, "3", "approve_claim", "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        mgr.call(DecideFundRequest::PATH, &decide(&id, "3", "approve_claim", "")).await.status,
        StatusCode::CONFLICT
    );
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    assert_eq!(d.month_to_date.iter().map(|m| m.minor).collect::<Vec<_>>(), vec![350_000]);
    let s = d.statements[0].id.to_string();
    let v: StatementView = serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &s)]).await.body).unwrap();
    let lines: Vec<_> = v.lines.iter().map(|l| (l.kind, l.amount.minor, l.fund_activity.clone())).collect();
    assert_eq!(lines, vec![(LineKind::Fund, 350_000, Some("Webinar: Agents in production".to_owned()))]);
    let csv = ada.get(&format!("/statements/{s}/csv")).await;
    assert!(csv.body.contains("fund,,Webinar: Agents in production"), "{}", csv.body);
    let v = funds(&mut ada, None).await;
    assert_eq!((v.requests[0].status, v.requests[0].statement_id), (FundStatus::Paid, Some(d.statements[0].id)));
    assert!(app.mail().await.iter().any(|m| m.contains("claim of $3,500.00 approved")));

    // The pages render for the partner, staff and the queue.
    let page = ada.get("/funds").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Co-marketing funds") && page.body.contains("Agents in production"));
    assert!(mgr.get(&format!("/funds?org={org}")).await.body.contains("Agents in production"));
    assert!(mgr.get("/funds/review").await.body.contains("Nothing is waiting"));
});

on_both!(a_partner_withdraws_a_waiting_request_and_its_budget_is_free_again, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut mgr = app.client();
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    let (mut ada, org) =
        app.approved_partner(&mut mgr, "Tech One", "ada@tech.example", "technology/ai_platform", "technology").await;
    let today = app.clock_now().date_naive().to_string();
    let o = org.to_string();
    let terms = [("org", o.as_str()), ("effective", today.as_str()), ("currency", "EUR"), ("fund_budget", "1000")];
    assert_eq!(mgr.call(SaveRevenueTerms::PATH, &terms).await.status, StatusCode::OK);
    let form = [("kind", "blog_post"), ("title", "How we use agents"), ("date", today.as_str()), ("amount", "1000")];
    assert_eq!(ada.call(RequestFunds::PATH, &form).await.status, StatusCode::OK);
    let over = ada.call(RequestFunds::PATH, &form).await;
    assert!(over.body.contains("Nothing remains of the"), "{}", over.body);
    let id = funds(&mut ada, None).await.requests[0].id.to_string();
    let r = ada.call(DecideFundRequest::PATH, &decide(&id, "1", "withdraw", "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = funds(&mut ada, None).await;
    assert_eq!(v.requests[0].status, FundStatus::Withdrawn);
    assert_eq!(v.budget.unwrap().remaining().to_string(), "1000.00 EUR");
    assert_eq!(ada.call(RequestFunds::PATH, &form).await.status, StatusCode::OK);
});
