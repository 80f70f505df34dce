//! The marketplace over HTTP, both engines: a listing written by the
//! partner's owners, reviewed by a manager, published with the
//! certification's `listed` state and hidden by a suspension; the public
//! directory's filters, search and pages, its partner pages and sitemap;
//! who may write and decide; and none of it on a white-label domain.

use crate::helpers::{
    approved_listing, call_with, certify, fire_cert_event, listing_fields, start_with_manager, Client, TestApp,
    PASSWORD,
};
use crate::on_both;
use crate::program::Program;
use axum::http::StatusCode;
use chrono::Duration;
use leptos::server_fn::ServerFn;
use partner_portal::api::admin::{GetInbox, InboxView};
use partner_portal::api::certification::GetCertification;
use partner_portal::api::deals::{DealsPage, GetDeals};
use partner_portal::api::leads::{
    ActOnLead, AskForContact, GetLeads, GetProgramLeads, LeadsPage, ProgramLeads, RouteLead,
};
use partner_portal::api::marketplace::{
    DecideListing, DirectoryPage, GetDirectory, GetListing, GetListingQueue, GetPublicListing, ListingPage,
    ListingQueue, PublicListing, SaveListing, SubmitListing,
};
use partner_portal::domain::certification::CertState;
use partner_portal::domain::inbox::Queue;
use partner_portal::domain::leads::{clock, clock_words, Lead, LeadStatus};
use partner_portal::domain::marketplace::ListingStatus;
use partner_portal::domain::showcase::ImageKind;
use partner_portal::server::services::leads::return_overdue;

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
    assert!(html.body.contains("<title>Acme Agents · Partner directory · Partner Portal</title>"));
    assert!(html.body.contains("Add the webhook"));
    // For search engines: the canonical address and the one-line description.
    let head = html.body.split("</head>").next().unwrap();
    assert!(head.contains(r#"<link rel="canonical" href="https://portal.test/marketplace/acme-agents"/>"#), "{head}");
    assert!(head.contains(r#"<meta name="description" content="Acme Agents scores every agent call."/>"#), "{head}");
    let listing_page = visitor.get("/marketplace?region=europe&page=1").await.body;
    assert!(listing_page.contains(r#"<link rel="canonical" href="https://portal.test/marketplace"/>"#));
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

fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([shade, 78, 216]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Posts the pictures form; returns where it sent the browser.
async fn upload(c: &mut Client, kind: &str, alt: &str, bytes: &[u8]) -> String {
    let r = c.post_file("/listing/images", &[("kind", kind), ("alt", alt)], "image", Some(("pic.png", bytes))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.headers[axum::http::header::LOCATION].to_str().unwrap().to_owned()
}

async fn picture_form(c: &mut Client, action: &str, fields: &[(&str, &str)]) -> String {
    let r = c.submit(&format!("/listing/images/{action}"), fields, "/listing").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.headers[axum::http::header::LOCATION].to_str().unwrap().to_owned()
}

fn pictures(page: &ListingPage) -> Vec<(ImageKind, i64, String)> {
    let l = page.listing.as_ref().unwrap();
    l.latest.images.iter().map(|i| (i.kind, i.position, i.alt.clone())).collect()
}

on_both!(a_listing_shows_a_logo_and_up_to_six_screenshots_once_their_version_is_approved, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut ada, org) = certified_partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = certified_partner(&app, &mut mgr, "Bravo Bots", "bob@bravo.example").await;
    let mut visitor = app.client();

    // Pictures join a saved listing.
    let to = upload(&mut ada, "logo", "", &png(64, 32, 1)).await;
    assert!(to.contains("pictures=refused") && to.contains("e_image=Save+your+listing"), "{to}");
    assert!(listing(&mut ada, None).await.listing.is_none());
    assert_eq!(call_with(&mut ada, SaveListing::PATH, &listing_fields("Acme Agents", "europe")).await.body, "1");

    // A logo, then refusals that keep what was typed and write nothing.
    assert_eq!(upload(&mut ada, "logo", "", &png(64, 32, 1)).await, "/listing?pictures=added#listing-pictures");
    let to = upload(&mut ada, "screenshot", " ", &png(40, 30, 2)).await;
    assert!(to.contains("e_alt=Describe") && to.contains("kind=screenshot"), "{to}");
    let to = upload(&mut ada, "screenshot", "The trust dashboard", b"hello, not an image").await;
    assert!(to.contains("e_image=The+file+is+not+a+PNG") && to.contains("alt=The+trust+dashboard"), "{to}");
    let to = upload(&mut ada, "banner", "x", &png(40, 30, 2)).await;
    assert!(to.contains("e_kind="), "{to}");
    assert_eq!(pictures(&listing(&mut ada, None).await), [(ImageKind::Logo, 0, String::new())]);

    // Six screenshots and no seventh.
    for n in 1..=6u8 {
        let to = upload(&mut ada, "screenshot", &format!("Screen {n}"), &png(40, 30, 10 + n)).await;
        assert!(to.contains("pictures=added"), "{to}");
    }
    let to = upload(&mut ada, "screenshot", "Screen 7", &png(40, 30, 20)).await;
    assert!(to.contains("at+most+6"), "{to}");
    assert_eq!(pictures(&listing(&mut ada, None).await).len(), 7);

    // Moved, and one removed; the ends refuse to move further.
    assert!(picture_form(&mut ada, "move", &[("position", "2"), ("direction", "earlier")]).await.contains("moved"));
    let first = picture_form(&mut ada, "move", &[("position", "1"), ("direction", "earlier")]).await;
    assert!(first.contains("already+first"), "{first}");
    assert!(picture_form(&mut ada, "remove", &[("position", "6")]).await.contains("removed"));
    assert!(picture_form(&mut ada, "remove", &[("position", "6")]).await.contains("no+longer+there"));
    let alts: Vec<String> = pictures(&listing(&mut ada, None).await).into_iter().skip(1).map(|p| p.2).collect();
    assert_eq!(alts, ["Screen 2", "Screen 1", "Screen 3", "Screen 4", "Screen 5"]);

    // The partner's people and its managers see the draft's pictures; other
    // partners and strangers do not.
    let page = listing(&mut ada, None).await;
    let logo_id = page.listing.as_ref().unwrap().latest.images[0].id;
    let r = ada.get(&format!("/listing/images/{logo_id}")).await;
    assert_eq!((r.status, r.headers["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    assert_eq!(mgr.get(&format!("/listing/images/{logo_id}?org={org}")).await.status, StatusCode::OK);
    assert_eq!(bob.get(&format!("/listing/images/{logo_id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.get(&format!("/listing/images/{logo_id}?org={org}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(visitor.get(&format!("/listing/images/{logo_id}")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        picture_form(&mut bob, "remove", &[("position", "0")]).await,
        "/listing?pictures=refused&e_image=Save+your+listing+first%3A+its+pictures+belong+to+a+version+of+it.#listing-pictures",
        "another partner's form acts on its own listing only"
    );
    assert_eq!(pictures(&listing(&mut ada, None).await).len(), 6);
    assert_eq!(visitor.get(&format!("/marketplace/acme-agents/images/{logo_id}")).await.status, StatusCode::NOT_FOUND);

    // In review: nothing changes.
    assert_eq!(ada.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);
    let to = upload(&mut ada, "screenshot", "Late", &png(40, 30, 30)).await;
    assert!(to.contains("reviewing+your+listing"), "{to}");
    // Sent back, a picture changes the same version, a draft again.
    assert_eq!(decide(&mut mgr, org, 1, "send_back", "Add a screenshot of setup.").await.status, StatusCode::OK);
    assert!(upload(&mut ada, "screenshot", "Setup", &png(40, 30, 31)).await.contains("added"));
    let latest = listing(&mut ada, None).await.listing.unwrap().latest;
    assert_eq!((latest.number, latest.status, latest.images.len()), (1, ListingStatus::Draft, 7));
    assert_eq!(ada.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);
    assert_eq!(decide(&mut mgr, org, 1, "approve", "").await.status, StatusCode::OK);
    fire_cert_event(&app, &mut mgr, org, "published", "", "").await;

    // Published: the directory's card has the logo, the partner's page every
    // picture, served to anyone with a validator.
    let d = directory(&mut visitor, &[]).await;
    assert_eq!(d.entries[0].images.iter().map(|i| i.kind).collect::<Vec<_>>(), [ImageKind::Logo]);
    let r = visitor.call(GetPublicListing::PATH, &[("slug", "acme-agents")]).await;
    let public: PublicListing = serde_json::from_str(&r.body).unwrap();
    assert_eq!(public.entry.images.len(), 7);
    let html = visitor.get("/marketplace/acme-agents").await.body;
    assert!(html.contains(&format!("/marketplace/acme-agents/images/{logo_id}")), "{html}");
    assert!(html.contains(r#"alt="Acme Agents logo""#) && html.contains("<figcaption") && html.contains("Screen 2"));
    let r = visitor.get(&format!("/marketplace/acme-agents/images/{logo_id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "image/png");
    let etag = r.headers["etag"].to_str().unwrap().to_owned();
    let req = axum::http::Request::get(format!("/marketplace/acme-agents/images/{logo_id}"))
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(visitor.send(req).await.status, StatusCode::NOT_MODIFIED);
    assert_eq!(visitor.get(&format!("/marketplace/other/images/{logo_id}")).await.status, StatusCode::NOT_FOUND);

    // A new logo makes version 2, a draft copying the rest; version 1 stays
    // up with its own logo until version 2 is approved.
    assert!(upload(&mut ada, "logo", "", &png(48, 48, 99)).await.contains("added"));
    let page = listing(&mut ada, None).await;
    let latest = &page.listing.as_ref().unwrap().latest;
    assert_eq!((latest.number, latest.status, latest.images.len()), (2, ListingStatus::Draft, 7));
    let new_logo = latest.images[0].id;
    assert_ne!(new_logo, logo_id);
    assert_eq!(latest.images[0].width, 48);
    let old = visitor.get(&format!("/marketplace/acme-agents/images/{logo_id}")).await;
    assert_eq!(old.status, StatusCode::OK, "the published logo stays");
    assert_eq!(visitor.get(&format!("/marketplace/acme-agents/images/{new_logo}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ada.call(SubmitListing::PATH, &[]).await.status, StatusCode::OK);
    assert_eq!(decide(&mut mgr, org, 2, "approve", "").await.status, StatusCode::OK);
    assert_eq!(visitor.get(&format!("/marketplace/acme-agents/images/{new_logo}")).await.status, StatusCode::OK);
    assert_eq!(visitor.get(&format!("/marketplace/acme-agents/images/{logo_id}")).await.status, StatusCode::NOT_FOUND);

    // A suspension hides the pictures with the listing.
    fire_cert_event(&app, &mut mgr, org, "annual_review_due", "", "").await;
    fire_cert_event(&app, &mut mgr, org, "recertification_failed", "Failing health checks.", "").await;
    assert_eq!(visitor.get(&format!("/marketplace/acme-agents/images/{new_logo}")).await.status, StatusCode::NOT_FOUND);
});

/// The contact form's fields as a visitor fills them.
fn referral(slug: &str, started: &str, company: &str) -> Vec<(&'static str, String)> {
    vec![
        ("slug", slug.to_owned()),
        ("started", started.to_owned()),
        ("company", company.to_owned()),
        ("name", "Nia Northwind".into()),
        ("email", "nia@northwind.example".into()),
        ("country", "Portugal".into()),
        ("need", "Trust scores for our support bots.".into()),
        ("consent", "on".into()),
        ("website", String::new()),
    ]
}

async fn partner_leads(c: &mut Client) -> LeadsPage {
    let r = c.call(GetLeads::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn program(m: &mut Client) -> ProgramLeads {
    let r = m.call(GetProgramLeads::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn act(c: &mut Client, lead: &Lead, action: &str, reason: &str) -> crate::helpers::Reply {
    let fields = [
        ("id", lead.id.to_string()),
        ("version", lead.version.to_string()),
        ("action", action.to_owned()),
        ("reason", reason.to_owned()),
    ];
    call_with(c, ActOnLead::PATH, &fields).await
}

async fn route(m: &mut Client, lead: &Lead, org: i64) -> crate::helpers::Reply {
    let fields =
        [("id", lead.id.to_string()), ("version", lead.version.to_string()), ("organisation", org.to_string())];
    call_with(m, RouteLead::PATH, &fields).await
}

on_both!(a_visitors_request_becomes_a_lead_the_partner_answers_in_time_or_the_managers_offer_on, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut ada, a) = certified_partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, b) = certified_partner(&app, &mut mgr, "Bravo Bots", "bob@bravo.example").await;
    for (p, org, name) in [(&mut ada, a, "Acme Agents"), (&mut bob, b, "Bravo Bots")] {
        approved_listing(p, &mut mgr, org, name).await;
        fire_cert_event(&app, &mut mgr, org, "published", "", "").await;
    }
    let mut visitor = app.client();
    let page: PublicListing =
        serde_json::from_str(&visitor.call(GetPublicListing::PATH, &[("slug", "acme-agents")]).await.body).unwrap();
    let started = page.form_started.clone();
    app.mail().await;

    // Sent faster than a person types, or with a forged start: refused.
    let r = call_with(&mut visitor, AskForContact::PATH, &referral("acme-agents", &started, "Northwind")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("That was quick"), "{}", r.body);
    app.clock.advance(Duration::seconds(20));
    let forged = format!("{}.forged", started.split('.').next().unwrap());
    let r = call_with(&mut visitor, AskForContact::PATH, &referral("acme-agents", &forged, "Northwind")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The trap field filled: told all is well, nothing written.
    let mut trapped = referral("acme-agents", &started, "Spam Inc");
    trapped.retain(|(k, _)| *k != "website");
    trapped.push(("website", "http://spam.example".into()));
    assert_eq!(call_with(&mut visitor, AskForContact::PATH, &trapped).await.status, StatusCode::OK);
    // No consent: the field is named and nothing is written.
    let mut no_consent = referral("acme-agents", &started, "Northwind");
    no_consent.retain(|(k, _)| *k != "consent");
    let r = call_with(&mut visitor, AskForContact::PATH, &no_consent).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"consent\""), "{}", r.body);
    assert!(program(&mut mgr).await.leads.is_empty(), "refused requests write nothing");
    assert!(!app.mail().await.iter().any(|m| m.contains("Northwind") || m.contains("Spam Inc")), "and send nothing");

    // A good request: offered to Acme with a two-day clock.
    let r = call_with(&mut visitor, AskForContact::PATH, &referral("acme-agents", &started, "Northwind")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mail = app.mail().await;
    assert!(mail.iter().any(|m| m.contains("ada@acme.example") && m.contains("a new lead from Northwind")), "{mail:?}");
    assert!(mail.iter().any(|m| m.contains("nia@northwind.example") && m.contains("Acme Agents will contact you")));
    let mine = partner_leads(&mut ada).await;
    assert_eq!(mine.leads.len(), 1);
    let lead = mine.leads[0].clone();
    assert_eq!((lead.status, lead.company.as_str()), (LeadStatus::Offered, "Northwind"));
    assert_eq!(clock_words(clock(lead.respond_by_ms.unwrap(), mine.now_ms)), "2 days left");
    // Another partner neither sees nor touches it.
    assert!(partner_leads(&mut bob).await.leads.is_empty());
    assert_eq!(act(&mut bob, &lead, "accept", "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(route(&mut bob, &lead, b).await.status, StatusCode::FORBIDDEN);

    // Declining needs a reason; it goes back to the managers.
    assert_eq!(act(&mut ada, &lead, "decline", " ").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(act(&mut ada, &lead, "decline", "Outside our region").await.status, StatusCode::OK);
    assert!(partner_leads(&mut ada).await.leads.is_empty());
    let all = program(&mut mgr).await;
    let back = all.leads[0].clone();
    assert_eq!((back.status, back.note.as_deref()), (LeadStatus::Returned, Some("Outside our region")));
    let r = act(&mut ada, &lead, "accept", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("no longer offered to you"), "{}", r.body);

    // Offered to Bravo, who lets the clock run out: back with the managers.
    assert_eq!(route(&mut mgr, &back, b).await.status, StatusCode::OK);
    assert!(app.mail().await.iter().any(|m| m.contains("Bravo Bots will contact you")));
    let offered = partner_leads(&mut bob).await.leads[0].clone();
    assert_eq!(offered.note, None, "Bravo does not read why Acme declined");
    app.clock.advance(Duration::hours(47));
    assert_eq!(return_overdue(&app.state).await.unwrap(), 0);
    app.clock.advance(Duration::hours(2));
    assert_eq!(return_overdue(&app.state).await.unwrap(), 1);
    // Two days on, the sessions have lapsed.
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    ada.sign_in("ada@acme.example", PASSWORD).await;
    let back = program(&mut mgr).await.leads[0].clone();
    assert_eq!(back.status, LeadStatus::Returned);
    assert!(back.note.unwrap().contains("Not accepted in time"));
    // A stale offer form changes nothing.
    assert_eq!(route(&mut mgr, &offered, a).await.status, StatusCode::CONFLICT);

    // Offered to Acme again, accepted and walked to won; stages do not skip back.
    let back = program(&mut mgr).await.leads[0].clone();
    assert_eq!(route(&mut mgr, &back, a).await.status, StatusCode::OK);
    let mut lead = partner_leads(&mut ada).await.leads[0].clone();
    for (step, to) in [
        ("accept", LeadStatus::Accepted),
        ("contacted", LeadStatus::Contacted),
        ("qualified", LeadStatus::Qualified),
        ("won", LeadStatus::Won),
    ] {
        assert_eq!(act(&mut ada, &lead, step, "").await.status, StatusCode::OK, "{step}");
        lead = partner_leads(&mut ada).await.leads[0].clone();
        assert_eq!(lead.status, to);
    }
    assert_eq!(act(&mut ada, &lead, "lost", "").await.status, StatusCode::BAD_REQUEST, "a won lead is closed");
    assert_eq!(route(&mut mgr, &lead, b).await.status, StatusCode::BAD_REQUEST, "a taken lead stays");
    // Acme's funnel: one lead taken and won, accepted some 49 hours after the request.
    let r = ada.call(GetDeals::PATH, &[]).await;
    let f = serde_json::from_str::<DealsPage>(&r.body).unwrap().funnel.expect("Acme has a lead");
    assert_eq!((f.lead_count(), f.leads_won(), f.acceptance(), f.lead_conversion()), (1, 1, Some(100), Some(100)));
    assert!(f.time_to_accept_minutes().unwrap() >= 49 * 60, "{f:?}");

    // Asked of the program from the directory: the lead waits with the
    // managers, and the visitor is told the partner team will choose.
    let d = directory(&mut visitor, &[]).await;
    app.clock.advance(Duration::seconds(10));
    let sent_before = app.mail().await.len();
    let r = call_with(&mut visitor, AskForContact::PATH, &referral("", &d.form_started, "Contoso")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let asked = program(&mut mgr).await.leads.into_iter().find(|l| l.company == "Contoso").expect("the lead");
    assert_eq!((asked.status, asked.organisation_id), (LeadStatus::Returned, None));
    let mail = app.mail().await.split_off(sent_before);
    assert!(
        mail.iter().any(|m| m.contains("nia@northwind.example") && m.contains("partner team will pass it")),
        "{mail:?}"
    );
    assert!(!mail.iter().any(|m| m.contains("acme.example") || m.contains("bravo.example")), "no partner is told yet");
    // An hour on, the address may ask again; the staff sign in again.
    app.clock.advance(Duration::minutes(61));
    mgr.sign_in("mgr@example.com", PASSWORD).await;

    // A form left open two days is drawn again. Five requests an hour from
    // one address; the sixth waits.
    let r = call_with(&mut visitor, AskForContact::PATH, &referral("bravo-bots", &started, "Stale Co")).await;
    assert!(r.body.contains("opened too long ago"), "{}", r.body);
    let page: PublicListing =
        serde_json::from_str(&visitor.call(GetPublicListing::PATH, &[("slug", "bravo-bots")]).await.body).unwrap();
    let started = page.form_started;
    app.clock.advance(Duration::seconds(30));
    for n in 0..5 {
        let r =
            call_with(&mut visitor, AskForContact::PATH, &referral("bravo-bots", &started, &format!("Co {n}"))).await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.body);
    }
    let r = call_with(&mut visitor, AskForContact::PATH, &referral("bravo-bots", &started, "One too many")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // Not for a partner who is not shown.
    fire_cert_event(&app, &mut mgr, b, "annual_review_due", "", "").await;
    fire_cert_event(&app, &mut mgr, b, "recertification_failed", "Failing health checks.", "").await;
    let r = call_with(&mut app.client(), AskForContact::PATH, &referral("bravo-bots", &started, "Late Co")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});
