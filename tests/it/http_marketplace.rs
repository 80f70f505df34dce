//! The marketplace over HTTP, both engines: a listing written by the
//! partner's owners, reviewed by a manager, published with the
//! certification's `listed` state and hidden by a suspension; the public
//! directory's filters, search and pages, its partner pages and sitemap;
//! who may write and decide; and none of it on a white-label domain.

use crate::helpers::{
    approved_listing, call_with, certify, fire_cert_event, listing_fields, start_with_manager, Client, TestApp,
};
use crate::on_both;
use crate::program::Program;
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use partner_portal::api::admin::{GetInbox, InboxView};
use partner_portal::api::certification::GetCertification;
use partner_portal::api::marketplace::{
    DecideListing, DirectoryPage, GetDirectory, GetListing, GetListingQueue, GetPublicListing, ListingPage,
    ListingQueue, SaveListing, SubmitListing,
};
use partner_portal::domain::certification::CertState;
use partner_portal::domain::inbox::Queue;
use partner_portal::domain::marketplace::ListingStatus;

async fn listing(c: &mut Client, org: Option<i64>) -> ListingPage {
    let org = org.map(|o| o.to_string()).unwrap_or_default();
    let fields: Vec<(&str, &str)> = if org.is_empty() { vec![] } else { vec![("org", org.as_str())] };
    let r = c.call(GetListing::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn directory(c: &mut Client, fields: &[(&str, &str)]) -> DirectoryPage {
    let r = c.call(GetDirectory::PATH, fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

fn names(d: &DirectoryPage) -> Vec<String> {
    d.entries.iter().map(|e| e.content.name.clone()).collect()
}

async fn certified_partner(app: &TestApp, mgr: &mut Client, company: &str, email: &str) -> (Client, i64) {
    let (mut p, org) = app.approved_partner(mgr, company, email, "technology/ai_platform", "technology").await;
    certify(app, &mut p, mgr, org).await;
    (p, org)
}

async fn decide(m: &mut Client, org: i64, number: i64, decision: &str, note: &str) -> crate::helpers::Reply {
    let fields = [
        ("org", org.to_string()),
        ("number", number.to_string()),
        ("decision", decision.to_owned()),
        ("note", note.to_owned()),
    ];
    call_with(m, DecideListing::PATH, &fields).await
}

on_both!(a_listing_is_reviewed_before_it_shows_and_shows_only_while_the_partner_is_listed, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut ada, org) =
        app.approved_partner(&mut mgr, "Acme Agents", "ada@acme.example", "technology/ai_platform", "technology").await;
    let mut visitor = app.client();

    // Before certification there is nothing to write.
    let page = listing(&mut ada, None).await;
    assert!(!page.can_write && page.not_yet.is_some(), "{page:?}");
    let r = call_with(&mut ada, SaveListing::PATH, &listing_fields("Acme Agents", "europe")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    certify(&app, &mut ada, &mut mgr, org).await;

    // Bad input names every problem and writes nothing.
    let mut bad = listing_fields("", "atlantis");
    bad.retain(|(k, _)| *k != "integrations[]");
    let r = call_with(&mut ada, SaveListing::PATH, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in ["name", "integrations", "regions"] {
        assert!(r.body.contains(&format!("\"{field}\"")), "{field}: {}", r.body);
    }
    assert!(listing(&mut ada, None).await.listing.is_none(), "a refused save writes nothing");

    // Publication needs an approved listing.
    let cert = ada.call(GetCertification::PATH, &[]).await;
    let version = serde_json::from_str::<serde_json::Value>(&cert.body).unwrap()["version"].to_string();
    let fields = [
        ("org", org.to_string()),
        ("version", version),
        ("event", "published".to_owned()),
        ("note", String::new()),
        ("evidence", String::new()),
        ("back", "/certification".to_owned()),
    ];
    let r = call_with(&mut mgr, partner_portal::api::certification::FireCertificationEvent::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("approved listing"), "{}", r.body);

    // Saved, sent, sent back with a note (which is required), changed, sent
    // again and approved.
    let r = call_with(&mut ada, SaveListing::PATH, &listing_fields("Acme Agents", "europe")).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "1"));
    assert_eq!(ada.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);
    let r = call_with(&mut ada, SaveListing::PATH, &listing_fields("Changed", "europe")).await;
    assert_ne!(r.status, StatusCode::OK, "no change while it is reviewed: {}", r.body);
    let q: ListingQueue = serde_json::from_str(&mgr.call(GetListingQueue::PATH, &[]).await.body).unwrap();
    assert_eq!(q.items.iter().map(|i| (i.organisation_id, i.number)).collect::<Vec<_>>(), [(org, 1)]);
    let inbox: InboxView = serde_json::from_str(&mgr.call(GetInbox::PATH, &[]).await.body).unwrap();
    let line = inbox.lines.iter().find(|l| l.queue == Queue::Listings).unwrap();
    assert_eq!(line.waiting, 1, "the manager's inbox counts it");
    assert!(inbox.items.iter().any(|i| i.href == format!("/listing?org={org}")));
    assert_eq!(decide(&mut mgr, org, 1, "send_back", " ").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.mail().await;
    assert_eq!(decide(&mut mgr, org, 1, "send_back", "Name the regions you serve.").await.status, StatusCode::OK);
    let mail = app.mail().await;
    assert!(
        mail.iter().any(|m| m.contains("ada@acme.example") && m.contains("Name the regions you serve.")),
        "{mail:?}"
    );
    let page = listing(&mut ada, None).await;
    let l = page.listing.unwrap();
    assert_eq!(
        (l.latest.status, l.latest.note.as_deref()),
        (ListingStatus::SentBack, Some("Name the regions you serve."))
    );
    let r = call_with(&mut ada, SaveListing::PATH, &listing_fields("Acme Agents", "north_america")).await;
    assert_eq!(r.body, "1", "a sent-back version is changed in place");
    assert_eq!(ada.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);
    assert_eq!(decide(&mut mgr, org, 1, "approve", "").await.status, StatusCode::OK);
    assert!(mgr.call(GetListingQueue::PATH, &[]).await.body.contains("\"items\":[]"));

    // Approved but only certified: not in the directory yet.
    assert!(directory(&mut visitor, &[]).await.entries.is_empty());
    fire_cert_event(&app, &mut mgr, org, "published", "", "").await;
    let d = directory(&mut visitor, &[]).await;
    assert_eq!(names(&d), ["Acme Agents"]);
    let slug = d.entries[0].slug.clone();
    assert_eq!(slug, "acme-agents");
    let html = visitor.get(&format!("/marketplace/{slug}")).await;
    assert_eq!(html.status, StatusCode::OK);
    let canonical = "<link href=\"https://portal.test/marketplace/acme-agents\" rel=\"canonical\">";
    assert!(html.body.contains(canonical), "{}", html.body);
    assert!(html.body.contains("<title>Acme Agents · Partner directory · Partner Portal</title>"));
    assert!(html.body.contains("name=\"description\" content=\"Acme Agents scores every agent call.\""));
    assert!(html.body.contains("Add the webhook"));
    let sitemap = visitor.get("/sitemap.xml").await;
    assert!(sitemap.body.contains("<loc>https://portal.test/marketplace/acme-agents</loc>"), "{}", sitemap.body);

    // An edit in review leaves the published version up.
    let r = call_with(&mut ada, SaveListing::PATH, &listing_fields("Acme Agents Two", "europe")).await;
    assert_eq!(r.body, "2");
    assert_eq!(ada.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);
    assert_eq!(names(&directory(&mut visitor, &[]).await), ["Acme Agents"]);
    assert_eq!(decide(&mut mgr, org, 2, "approve", "").await.status, StatusCode::OK);
    assert_eq!(names(&directory(&mut visitor, &[]).await), ["Acme Agents Two"]);
    assert_eq!(visitor.get(&format!("/marketplace/{slug}")).await.status, StatusCode::OK, "the address stays");

    // A suspension hides it at once; the page is gone too.
    fire_cert_event(&app, &mut mgr, org, "annual_review_due", "", "").await;
    assert_eq!(names(&directory(&mut visitor, &[]).await), ["Acme Agents Two"], "the annual review leaves it up");
    fire_cert_event(&app, &mut mgr, org, "recertification_failed", "Failing health checks.", "").await;
    let cert: serde_json::Value = serde_json::from_str(&ada.call(GetCertification::PATH, &[]).await.body).unwrap();
    assert_eq!(cert["state"], serde_json::json!(CertState::Suspended));
    assert!(directory(&mut visitor, &[]).await.entries.is_empty());
    let r = visitor.call(GetPublicListing::PATH, &[("slug", &slug)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get(&format!("/marketplace/{slug}")).await.status, StatusCode::NOT_FOUND);
    assert!(!visitor.get("/sitemap.xml").await.body.contains("acme-agents"));
});

on_both!(the_directory_searches_filters_and_pages_and_only_owners_write_and_managers_decide, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut ada, a) = certified_partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, b) = certified_partner(&app, &mut mgr, "Bravo Bots", "bob@bravo.example").await;
    // A third certified partner, without a listing, never shows.
    certified_partner(&app, &mut mgr, "Charlie Cloud", "cat@charlie.example").await;
    approved_listing(&mut ada, &mut mgr, a, "Acme Agents").await;
    let mut fields = listing_fields("Bravo Bots", "asia_pacific");
    fields.push(("industries[]", "healthcare".into()));
    assert_eq!(call_with(&mut bob, SaveListing::PATH, &fields).await.status, StatusCode::OK);
    assert_eq!(bob.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);

    // Another partner and the partner itself cannot decide; a partner cannot
    // open another's listing.
    assert_eq!(decide(&mut ada, b, 1, "approve", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(decide(&mut bob, b, 1, "approve", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(ada.call(GetListing::PATH, &[("org", &b.to_string())]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ada.call(GetListingQueue::PATH, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(decide(&mut mgr, b, 1, "approve", "").await.status, StatusCode::OK);
    // Deciding the same version twice is refused and changes nothing.
    assert_ne!(decide(&mut mgr, b, 1, "send_back", "Too late.").await.status, StatusCode::OK);
    assert_eq!(listing(&mut bob, None).await.listing.unwrap().latest.status, ListingStatus::Approved);
    for org in [a, b] {
        fire_cert_event(&app, &mut mgr, org, "published", "", "").await;
    }
    fire_cert_event(&app, &mut mgr, b, "high_performance", "", "").await;

    let mut visitor = app.client();
    assert_eq!(names(&directory(&mut visitor, &[]).await), ["Bravo Bots", "Acme Agents"], "featured first");
    assert_eq!(names(&directory(&mut visitor, &[("region", "europe")]).await), ["Acme Agents"]);
    assert_eq!(names(&directory(&mut visitor, &[("industry", "healthcare")]).await), ["Bravo Bots"]);
    assert_eq!(names(&directory(&mut visitor, &[("q", "bravo")]).await), ["Bravo Bots"]);
    assert_eq!(names(&directory(&mut visitor, &[("q", "scores every")]).await).len(), 2, "descriptions too");
    assert!(directory(&mut visitor, &[("q", "100%_")]).await.entries.is_empty(), "wildcards are plain text");
    assert_eq!(names(&directory(&mut visitor, &[("type", "technology"), ("integration", "webhook")]).await).len(), 2);
    assert!(directory(&mut visitor, &[("type", "reseller")]).await.entries.is_empty());
    let d = directory(&mut visitor, &[("region", "<script>"), ("page", "9")]).await;
    assert_eq!(
        (d.entries.len(), d.page, d.pages),
        (2, 1, 1),
        "unknown words are dropped, a page past the end is the last"
    );
    let html = visitor.get("/marketplace?region=asia_pacific").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Bravo Bots") && !html.body.contains("Acme Agents"), "{}", html.body);
    assert!(html.body.contains("Featured") && html.body.contains("Certified support"));

    // Staff read a partner's listing but do not write it.
    let page = listing(&mut mgr, Some(a)).await;
    assert!(page.staff && !page.can_write);
});

on_both!(white_label_domains_have_no_directory_and_listings_follow_their_brand, |e| async move {
    let Program { app, a, domain_a, mut manager, org_a, .. } = Program::start(e).await;
    let mut a = a;
    let mut on_domain = app.client_on(&domain_a);
    assert_eq!(on_domain.call(GetDirectory::PATH, &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(on_domain.get("/marketplace").await.status, StatusCode::NOT_FOUND);
    assert_eq!(on_domain.get("/sitemap.xml").await.status, StatusCode::NOT_FOUND);
    // The program's host answers, and a partner's session carried to its
    // domain is worth nothing there.
    assert_eq!(app.client().call(GetDirectory::PATH, &[]).await.status, StatusCode::OK);
    let mut carried = a.clone_on(&domain_a);
    assert_ne!(carried.call(GetListing::PATH, &[]).await.status, StatusCode::OK);
    let page = listing(&mut a, None).await;
    assert_eq!(page.organisation_id, org_a);
    let _ = listing(&mut manager, Some(org_a)).await;
});
