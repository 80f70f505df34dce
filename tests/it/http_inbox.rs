//! The staff inbox over HTTP, both engines: every queue counted, late work
//! first, each line leading to its queue, and staff only.

use crate::helpers::{fire_cert_event, start_with_manager, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use chrono::Duration;
use leptos::server_fn::ServerFn;
use partner_portal::api::admin::{GetInbox, InboxView};
use partner_portal::api::partners::{GetPartnerHome, PartnerHome, SubmitApplication};
use partner_portal::domain::inbox::Queue;

fn waiting(v: &InboxView, q: Queue) -> (usize, usize) {
    let l = v.lines.iter().find(|l| l.queue == q).unwrap();
    (l.waiting, l.late)
}

on_both!(the_inbox_counts_every_queue_puts_late_work_first_and_is_for_staff_only, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let empty: InboxView = serde_json::from_str(&mgr.call(GetInbox::PATH, &[]).await.body).unwrap();
    assert_eq!(empty.lines.len(), Queue::ALL.len(), "a clear queue still has its line");
    assert!(empty.lines.iter().all(|l| l.waiting == 0) && empty.items.is_empty());

    let (mut p, org) =
        app.approved_partner(&mut mgr, "Acme AI", "owner@acme.example", "technology/ai_platform", "technology").await;
    // An application a week and a day old, and a ticket just opened.
    let fields = [
        ("company", "Waiting Co"),
        ("website", "https://waiting.example"),
        ("contact_name", "Wen"),
        ("email", "wen@waiting.example"),
        ("kind", "reseller/var"),
        ("category", "distribution_channels"),
        ("integration", "api"),
        ("revenue_model", "reseller"),
        ("pitch", "We resell."),
    ];
    let r = app.client().call(SubmitApplication::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.clock.advance(Duration::days(8));
    // Sessions idle that long are over: sign in again.
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    p.sign_in("owner@acme.example", PASSWORD).await;
    fire_cert_event(&app, &mut mgr, org, "sandbox_access_granted", "", "").await;
    fire_cert_event(&app, &mut p, org, "integration_built", "", "").await;
    fire_cert_event(&app, &mut p, org, "submitted_for_review", "", "https://docs.example/acme").await;
    let fields = [("subject", "Scores stopped"), ("severity", "tier2"), ("description", "Since 09:12 UTC.")];
    let r = p.post_multipart("/support/tickets", &fields, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = mgr.call(GetInbox::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: InboxView = serde_json::from_str(&r.body).unwrap();
    assert_eq!(waiting(&v, Queue::Applications), (1, 1), "eight days waiting is late");
    assert_eq!(waiting(&v, Queue::Certifications), (1, 0));
    assert_eq!(waiting(&v, Queue::Tickets), (1, 0), "a ticket inside its first-response target");
    assert_eq!(v.items[0].queue, Queue::Applications, "late work comes first");
    assert_eq!(v.items[0].organisation, "Waiting Co");
    assert!(v.items.iter().any(|i| i.queue == Queue::Tickets && i.target_ms.is_some()));

    // Past the ticket's target it is late too, and due earlier than the
    // application: it moves to the top.
    app.clock.advance(Duration::days(4));
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    p.sign_in("owner@acme.example", PASSWORD).await;
    let v: InboxView = serde_json::from_str(&mgr.call(GetInbox::PATH, &[]).await.body).unwrap();
    assert_eq!(waiting(&v, Queue::Tickets), (1, 1));
    assert_eq!(v.items[0].queue, Queue::Applications, "due a week after arriving, before the ticket's target");
    assert_eq!(v.items[1].queue, Queue::Tickets);

    // The home page shows it, each tile leading to its queue.
    let home = mgr.get("/").await;
    assert!(home.body.contains("Waiting for you"), "{}", home.body);
    assert!(home.body.contains("href=\"/manager/applications?status=submitted\""));
    assert!(home.body.contains("href=\"/support/queue\""));

    // Partners have no inbox, and their home does not offer one, nor
    // answer with the inbox's refusal to a client that is not a browser.
    assert_eq!(p.call(GetInbox::PATH, &[]).await.status, StatusCode::FORBIDDEN);
    assert!(!p.get("/").await.body.contains("Waiting for you"));
    let plain = p.send(axum::http::Request::get("/").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(plain.status, StatusCode::OK, "a partner's home without Accept: text/html");
    let plain = mgr.send(axum::http::Request::get("/").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(plain.status, StatusCode::OK, "a manager's home without Accept: text/html");
});

on_both!(a_partners_home_names_a_ticket_past_its_target_and_staff_have_no_partner_home, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut p, _) =
        app.approved_partner(&mut mgr, "Acme AI", "owner@acme.example", "technology/ai_platform", "technology").await;
    let home: PartnerHome = serde_json::from_str(&p.call(GetPartnerHome::PATH, &[]).await.body).unwrap();
    assert!(home.alerts.is_empty() && home.next_payout.is_none() && home.month_to_date.is_empty());

    let fields = [("subject", "Scores stopped"), ("severity", "tier2"), ("description", "Since 09:12 UTC.")];
    assert_eq!(p.post_multipart("/support/tickets", &fields, None).await.status, StatusCode::SEE_OTHER);
    app.clock.advance(Duration::days(4));
    p.sign_in("owner@acme.example", PASSWORD).await;
    let home: PartnerHome = serde_json::from_str(&p.call(GetPartnerHome::PATH, &[]).await.body).unwrap();
    assert_eq!(home.alerts.len(), 1, "{:?}", home.alerts);
    assert!(home.alerts[0].text.contains("past its response target"), "{:?}", home.alerts);
    assert!(home.alerts[0].href.starts_with("/support/tickets/"));
    let page = p.get("/").await;
    assert!(page.body.contains("Needs your attention") && page.body.contains("Next payout"), "{}", page.body);

    mgr.sign_in("mgr@example.com", PASSWORD).await;
    assert_eq!(mgr.call(GetPartnerHome::PATH, &[]).await.status, StatusCode::NOT_FOUND, "staff have no organisation");
});
