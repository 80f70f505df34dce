//! The billing feed over HTTP: an administrator connects Stripe, a manager
//! attributes customers, and signed webhooks become revenue once.

use crate::helpers::{Client, Reply, TestApp, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hmac::{Hmac, Mac};
use leptos::server_fn::ServerFn;
use partner_portal::api::revenue::{
    AttributeBillingCustomer, ConnectStripe, GetBillingSettings, GetRevenueDashboard, GetRevenueImports,
    RemoveBillingCustomer,
};
use partner_portal::domain::role::Role;
use partner_portal::views::revenue::{BillingSettings, ImportList, RevenueDashboard};
use sha2::Sha256;

const SECRET: &str = "whsec_feedtest0123456789abcdef";

fn signature(t: i64, payload: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

fn delivery(payload: &str, signature: &str) -> Request<Body> {
    Request::post("/billing/stripe")
        .header(header::CONTENT_TYPE, "application/json")
        .header("stripe-signature", signature)
        .body(Body::from(payload.to_owned()))
        .unwrap()
}

async fn deliver(app: &TestApp, payload: &str) -> Reply {
    let t = app.clock_now().timestamp();
    app.client().send(delivery(payload, &signature(t, payload, SECRET))).await
}

fn invoice_paid(event: &str, invoice: &str, customer: &str, cents: i64, paid_at: i64) -> String {
    format!(
        r#"{{"id":"{event}","object":"event","type":"invoice.paid","created":{paid_at},"data":{{"object":{{
        "id":"{invoice}","object":"invoice","customer":"{customer}","amount_paid":{cents},"currency":"usd",
        "status_transitions":{{"paid_at":{paid_at}}}}}}}}}"#
    )
}

/// The total of each of the partner's statements, in cents.
async fn totals(partner: &mut Client) -> Vec<i64> {
    let d: RevenueDashboard = serde_json::from_str(&partner.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    d.statements.iter().map(|s| s.lines_total_minor).collect()
}

async fn imports(mgr: &mut Client) -> ImportList {
    serde_json::from_str(&mgr.call(GetRevenueImports::PATH, &[]).await.body).unwrap()
}

on_both!(stripe_deliveries_are_verified_attributed_and_recorded_once, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut mgr = app.client();
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    let (mut ada, org) =
        app.approved_partner(&mut mgr, "Feed Resell", "ada@feed.example", "reseller/var", "reseller").await;
    let now = app.clock_now().timestamp();
    let paid = invoice_paid("evt_1", "in_1", "cus_A", 100_000, now - 60);

    // Nothing is connected yet.
    assert_eq!(deliver(&app, &paid).await.status, StatusCode::NOT_FOUND);

    // Managers cannot connect; an administrator's secret must look like Stripe's.
    assert_eq!(mgr.call(ConnectStripe::PATH, &[("secret", SECRET)]).await.status, StatusCode::FORBIDDEN);
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let r = admin.call(ConnectStripe::PATH, &[("secret", "sk_live_123")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("whsec_"), "{}", r.body);
    assert_eq!(admin.call(ConnectStripe::PATH, &[("secret", SECRET)]).await.status, StatusCode::OK);
    let s: BillingSettings = serde_json::from_str(&mgr.call(GetBillingSettings::PATH, &[]).await.body).unwrap();
    let link = s.connected.expect("connected");
    assert_eq!(link.hint, "whsec_…cdef", "shown by its last characters only");
    assert!(!s.can_connect && s.endpoint.ends_with("/billing/stripe"));
    // Kept encrypted: the stored form is not the secret.
    let stored = app.state.store.billing_connection(1).await.unwrap().unwrap();
    assert!(!stored.secret_sealed.contains("feedtest"), "{}", stored.secret_sealed);

    // A customer nobody attributed: refused, listed with why, nothing recorded.
    let r = deliver(&app, &paid).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("cus_A is not attributed"), "{}", r.body);
    assert!(totals(&mut ada).await.is_empty());
    let list = imports(&mut mgr).await;
    assert_eq!((list.imports[0].source.as_str(), list.imports[0].imported), ("Stripe evt_1", false));

    // Attribution is checked, then Stripe's retry records the invoice.
    let o = org.to_string();
    let r = mgr.call(AttributeBillingCustomer::PATH, &[("customer", "cus A"), ("partner", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("spaces") && r.body.contains("Choose a partner"), "{}", r.body);
    let r = mgr.call(AttributeBillingCustomer::PATH, &[("customer", "cus_A"), ("partner", "999999")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        ada.call(AttributeBillingCustomer::PATH, &[("customer", "cus_A"), ("partner", &o)]).await.status,
        StatusCode::FORBIDDEN
    );
    let r = mgr.call(AttributeBillingCustomer::PATH, &[("customer", "cus_A"), ("partner", &o)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = deliver(&app, &paid).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"recorded\":1"), "{}", r.body);
    // 20 % margin on 1,000.00.
    assert_eq!(totals(&mut ada).await, [20_000]);

    // The same delivery twice at once (Stripe's retry racing the first):
    // one records it, the other finds it recorded.
    let second = invoice_paid("evt_2", "in_2", "cus_A", 50_000, now - 30);
    let t = app.clock_now().timestamp();
    let sig = signature(t, &second, SECRET);
    let (mut c1, mut c2) = (app.client(), app.client());
    let (a, b) = tokio::join!(c1.send(delivery(&second, &sig)), c2.send(delivery(&second, &sig)));
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK), "{} / {}", a.body, b.body);
    let mut answers = [a.body.contains("\"recorded\":1"), b.body.contains("\"recorded\":1")];
    answers.sort();
    assert_eq!(answers, [false, true], "exactly one recorded it: {} / {}", a.body, b.body);
    assert_eq!(totals(&mut ada).await, [30_000]);

    // A tampered payload, another secret, no header, and a replay from
    // more than five minutes ago are refused and change nothing.
    let tampered = second.replace("50000", "5000000");
    let r = app.client().send(delivery(&tampered, &sig)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let other = signature(t, &second, "whsec_someoneelse0123456789");
    assert_eq!(app.client().send(delivery(&second, &other)).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.client().send(delivery(&second, "")).await.status, StatusCode::BAD_REQUEST);
    let old = signature(t - 301, &second, SECRET);
    let r = app.client().send(delivery(&second, &old)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("replay"), "{}", r.body);
    assert_eq!(totals(&mut ada).await, [30_000]);

    // A refund of part of the first invoice claws back its share.
    let refund = format!(
        r#"{{"id":"evt_3","type":"charge.refunded","created":{now},"data":{{"object":{{"id":"ch_1",
        "customer":"cus_A","invoice":"in_1","currency":"usd","amount_refunded":25000,"created":{now}}},
        "previous_attributes":{{"amount_refunded":0}}}}}}"#
    );
    let r = deliver(&app, &refund).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(totals(&mut ada).await, [30_000 - 5_000]);

    // Partners' webhook subscribers hear of it: one notice per delivery
    // that created or reversed commission, none for the duplicate.
    let events = |kind: &'static str| {
        let url = app._db.url.clone();
        async move {
            let sql = format!("SELECT COUNT(*) FROM event_log WHERE organisation_id = {org} AND event_type = '{kind}'");
            crate::helpers::scalar(&url, &sql).await
        }
    };
    assert_eq!((events("commission.created").await, events("commission.reversed").await), (2, 1));

    // Other event types are acknowledged and ignored.
    let other = r#"{"id":"evt_4","type":"customer.created","created":1,"data":{"object":{}}}"#;
    let r = deliver(&app, other).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("ignored"), "{}", r.body);

    // Attributions are listed, and removed.
    let s: BillingSettings = serde_json::from_str(&mgr.call(GetBillingSettings::PATH, &[]).await.body).unwrap();
    assert_eq!(
        s.customers.iter().map(|c| (c.customer_ref.as_str(), c.organisation_id)).collect::<Vec<_>>(),
        [("cus_A", org)]
    );
    assert!(s.connected.unwrap().last_delivery_ms.is_some());
    assert_eq!(mgr.call(RemoveBillingCustomer::PATH, &[("customer", "cus_A")]).await.status, StatusCode::OK);
    assert_eq!(mgr.call(RemoveBillingCustomer::PATH, &[("customer", "cus_A")]).await.status, StatusCode::NOT_FOUND);
    let entries = app.state.store.audit_entries(1, None, 50).await.unwrap();
    for action in
        ["revenue.billing_connected", "revenue.billing_customer_attributed", "revenue.billing_customer_removed"]
    {
        assert!(entries.iter().any(|e| e.action == action), "{action} is audited");
    }
    let feed = entries.iter().find(|e| e.action == "revenue.imported").expect("the feed's import is audited");
    assert_eq!(feed.actor_email, "admin@example.com", "under the administrator who connected it");
});
