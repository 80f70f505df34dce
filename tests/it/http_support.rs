//! Support tickets and quarterly reviews over HTTP, both engines: the clock
//! set at opening, first responses, Tier 1 resolution steps, attachments,
//! who sees what, the queue, the SLA report and the scorecard's support
//! measure.

use crate::helpers::{certify, start_with_manager, Client, Reply, TestApp, PASSWORD};
use crate::on_both;
use axum::http::{header, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::partners::{GetPartnerOverview, PartnerOverview};
use partner_portal::api::scorecard::{GenerateReview, GetReview, GetReviews, GetScorecard, ReviewsView, ScorecardView};
use partner_portal::api::support::{
    AssignTicket, GetSlaReport, GetSupport, GetSupportQueue, GetTicket, QueueView, ReopenTicket, ReportView,
    ResolveTicket, SupportView, TicketPage,
};
use partner_portal::domain::certification::SupportTier;
use partner_portal::domain::ledger::{Month, Quarter};
use partner_portal::domain::scorecard::{Rating, ReviewRecord};
use partner_portal::domain::support::{SlaState, TicketStatus};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";

async fn start(e: crate::helpers::Engine, tier1_minutes: Option<i64>) -> (TestApp, Client) {
    start_with_manager(e, |c| c.support_tier1_minutes = tier1_minutes).await
}

async fn partner(app: &TestApp, mgr: &mut Client, company: &str, email: &str) -> (Client, i64) {
    app.approved_partner(mgr, company, email, "technology/ai_platform", "technology").await
}

async fn open(c: &mut Client, subject: &str, severity: &str, file: Option<(&str, &[u8])>) -> Reply {
    let fields = [("subject", subject), ("severity", severity), ("description", "Ingest stopped at 09:12 UTC.")];
    c.post_multipart("/support/tickets", &fields, file).await
}

/// Opens a ticket that passes its checks and returns its number.
async fn opened(c: &mut Client, subject: &str, severity: &str) -> i64 {
    let r = open(c, subject, severity, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location().unwrap().to_owned();
    loc.trim_start_matches("/support/tickets/").split('?').next().unwrap().parse().unwrap()
}

async fn ticket(c: &mut Client, id: i64) -> TicketPage {
    let r = c.call(GetTicket::PATH, &[("id", &id.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn staff_queue(c: &mut Client, params: &[(&str, &str)]) -> QueueView {
    let r = c.call(GetSupportQueue::PATH, params).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn reply(c: &mut Client, id: i64, body: &str, file: Option<(&str, &[u8])>) -> Reply {
    c.post_multipart(&format!("/support/tickets/{id}/replies"), &[("body", body)], file).await
}

fn steps(all: bool) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("summary", "Ingest restarted; backlog drained by 11:00 UTC.")];
    let filled = [
        ("step_identification", "Queue consumer crashed on a malformed record; logs attached."),
        ("step_impact", "Two hours of delayed trust updates for 40 agents; no data lost."),
        ("step_plan", "We patch the parser; the partner replays the batch."),
        ("step_implementation", "Parser fixed in 2.4.1, batch replayed."),
        ("step_verification", "Scores match the replayed events; lag back under 1 s."),
        ("step_prevention", "Malformed records now go to a dead-letter queue with an alert."),
    ];
    v.extend(if all { &filled[..] } else { &filled[..2] });
    v
}

on_both!(a_ticket_keeps_its_opening_target_and_the_first_staff_reply_stops_its_clock, |e| async move {
    let (app, mut mgr) = start(e, None).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Other Co", "bob@other.example").await;
    app.mail().await;

    let r = open(&mut ada, "Ingest stopped", "tier1", Some(("shot.png", PNG))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 =
        r.location().unwrap().trim_start_matches("/support/tickets/").split('?').next().unwrap().parse().unwrap();
    let t = ticket(&mut ada, id).await;
    assert_eq!((t.ticket.tier, t.ticket.target_minutes), (SupportTier::Registered, 72 * 60));
    assert_eq!(t.ticket.clock(t.now_ms).state, SlaState::OnTrack);
    assert_eq!(t.messages.len(), 1);
    assert_eq!(t.messages[0].attachments[0].content_type, "image/png");
    let mails = app.mail().await;
    assert!(
        mails.iter().any(|m| m.contains("mgr@example.com") && m.contains(&format!("New ticket #{id}"))),
        "{mails:?}"
    );

    // Certification moves the partner to the Certified tier (24 h); the open
    // ticket keeps the 72 h it was opened with.
    certify(&app, &mut ada, &mut mgr, org).await;
    app.clock.advance(chrono::Duration::hours(60));
    ada.sign_in("ada@acme.example", PASSWORD).await;
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    bob.sign_in("bob@other.example", PASSWORD).await;
    let t = ticket(&mut ada, id).await;
    assert_eq!(t.ticket.target_minutes, 72 * 60);
    assert_eq!(t.ticket.clock(t.now_ms).state, SlaState::AtRisk, "60 of 72 hours is past 80 %");
    let s: SupportView = serde_json::from_str(&ada.call(GetSupport::PATH, &[]).await.body).unwrap();
    assert_eq!(s.tier, SupportTier::Certified, "new tickets get the new tier");

    // Another partner learns nothing about the ticket or its file.
    let r = bob.call(GetTicket::PATH, &[("id", &id.to_string())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let file_id = t.messages[0].attachments[0].id;
    assert_eq!(bob.get(&format!("/support/attachments/{file_id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(reply(&mut bob, id, "me too", None).await.status, StatusCode::NOT_FOUND);
    let r = ada.get(&format!("/support/attachments/{file_id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // The partner's own reply does not stop the clock; the manager's does.
    assert_eq!(reply(&mut ada, id, "Still down.", None).await.status, StatusCode::SEE_OTHER);
    assert!(ticket(&mut ada, id).await.ticket.first_response_ms.is_none());
    let r = reply(&mut mgr, id, "Looking now: the consumer crashed.", Some(("trace.log", b"panic at parser.rs:41\n")))
        .await;
    assert_eq!(r.location(), Some(format!("/support/tickets/{id}?done=replied").as_str()));
    let t = ticket(&mut ada, id).await;
    assert_eq!(t.ticket.clock(t.now_ms).state, SlaState::Met);
    assert_eq!(t.ticket.assignee.as_deref(), Some("Test User"), "the first responder holds the ticket");
    assert_eq!(t.messages.len(), 3);
    let mails = app.mail().await;
    assert!(mails.iter().any(|m| m.contains("ada@acme.example") && m.contains("Looking now")), "{mails:?}");

    // Tier 1 needs the six steps; a refused resolution changes nothing.
    let o = id.to_string();
    let mut fields = vec![("id", o.as_str())];
    fields.extend(steps(false));
    let r = mgr.call(ResolveTicket::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["step_plan", "step_implementation", "step_verification", "step_prevention"] {
        assert!(r.body.contains(f), "{f}: {}", r.body);
    }
    assert!(!r.body.contains("step_impact"), "{}", r.body);
    assert_eq!(ticket(&mut ada, id).await.ticket.status, TicketStatus::Open);
    let r = ada.call(ResolveTicket::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "partners do not resolve");
    let mut fields = vec![("id", o.as_str())];
    fields.extend(steps(true));
    assert_eq!(mgr.call(ResolveTicket::PATH, &fields).await.status, StatusCode::OK);
    let t = ticket(&mut ada, id).await;
    assert_eq!(t.ticket.status, TicketStatus::Resolved);
    assert_eq!(
        t.ticket.resolution.as_ref().unwrap().step("prevention"),
        "Malformed records now go to a dead-letter queue with an alert."
    );
    assert_eq!(mgr.call(ResolveTicket::PATH, &fields).await.status, StatusCode::CONFLICT);

    // A resolved ticket takes no replies until a manager reopens it.
    let r = reply(&mut ada, id, "Thanks!", None).await;
    assert!(r.location().unwrap().contains("error="), "{:?}", r.location());
    assert_eq!(ticket(&mut ada, id).await.messages.len(), 3);
    assert_eq!(
        mgr.call(ReopenTicket::PATH, &[("id", &o), ("reason", " ")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        mgr.call(ReopenTicket::PATH, &[("id", &o), ("reason", "It happened again.")]).await.status,
        StatusCode::OK
    );
    let t = ticket(&mut ada, id).await;
    assert_eq!((t.ticket.status, t.ticket.resolution.is_none()), (TicketStatus::Open, true));
    assert_eq!(t.ticket.clock(t.now_ms).state, SlaState::Met, "reopening does not restart the first-response clock");
    assert_eq!(reply(&mut ada, id, "Thanks!", None).await.status, StatusCode::SEE_OTHER);

    // Assigning: only active staff; releasing works.
    let partner_user = ada.whoami().await.unwrap().id.to_string();
    let r = mgr.call(AssignTicket::PATH, &[("id", &o), ("assignee", &partner_user)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(mgr.call(AssignTicket::PATH, &[("id", &o), ("assignee", "")]).await.status, StatusCode::OK);
    assert!(ticket(&mut mgr, id).await.ticket.assignee.is_none());

    let audit = app.state.store.audit_entries(1, None, 200).await.unwrap();
    for action in
        ["support.ticket_opened", "support.ticket_replied", "support.ticket_resolved", "support.ticket_reopened"]
    {
        assert!(audit.iter().any(|a| a.action == action && a.subject == format!("ticket:{id}")), "{action}");
    }
});

on_both!(bad_tickets_are_refused_field_by_field_and_write_nothing, |e| async move {
    let (app, mut mgr) = start(e, None).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;

    let r = ada
        .post_multipart(
            "/support/tickets",
            &[("subject", "  "), ("severity", "tier9"), ("description", "It broke.")],
            Some(("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00")),
        )
        .await;
    assert_eq!(r.location(), Some("/support?failed=1#open"));
    let s: SupportView = serde_json::from_str(&ada.call(GetSupport::PATH, &[]).await.body).unwrap();
    assert!(s.tickets.is_empty());
    let draft = s.draft.expect("the draft comes back with its errors");
    let fields: Vec<&str> = draft.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["subject", "severity", "file"]);
    assert_eq!(draft.description, "It broke.");
    let s: SupportView = serde_json::from_str(&ada.call(GetSupport::PATH, &[]).await.body).unwrap();
    assert!(s.draft.is_none(), "a draft is shown once");

    // Too large for the limit: refused before anything is written.
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    let r = open(&mut ada, "Big log", "tier3", Some(("big.log", &big))).await;
    assert!(r.location().unwrap().starts_with("/support"), "{:?}", r.location());
    let s: SupportView = serde_json::from_str(&ada.call(GetSupport::PATH, &[]).await.body).unwrap();
    assert!(s.tickets.is_empty());

    // Staff do not open tickets as partners; signed-out visitors sign in.
    let r = open(&mut mgr, "Hello", "tier3", None).await;
    assert!(r.location().unwrap().contains("error="), "{:?}", r.location());
    let mut anon = app.client();
    assert_eq!(open(&mut anon, "Hello", "tier3", None).await.location(), Some("/login?next=/support"));
    // A post from another site is refused by the origin check.
    let req = axum::http::Request::post("/support/tickets")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .header(header::ORIGIN, "https://evil.example")
        .body(axum::body::Body::from("--x--\r\n"))
        .unwrap();
    assert_eq!(ada.send(req).await.status, StatusCode::FORBIDDEN);
    let s: SupportView = serde_json::from_str(&ada.call(GetSupport::PATH, &[]).await.body).unwrap();
    assert!(s.tickets.is_empty());
});

on_both!(the_queue_puts_the_soonest_due_first_and_the_report_counts_met_and_breached, |e| async move {
    // Tier 1 tickets are answered within an hour here, tighter than 72 h.
    let (app, mut mgr) = start(e, Some(60)).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let minor = opened(&mut ada, "Typo in docs", "tier3").await;
    let critical = opened(&mut ada, "Data missing", "tier1").await;
    let queue: QueueView = serde_json::from_str(&mgr.call(GetSupportQueue::PATH, &[]).await.body).unwrap();
    let order: Vec<i64> = queue.tickets.iter().map(|t| t.id).collect();
    assert_eq!(order, [critical, minor]);
    assert_eq!(queue.tickets[0].target_minutes, 60);
    let r = ada.call(GetSupportQueue::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the queue is for staff");

    // Searched by subject or partner, in any case, without JavaScript too.
    let found: QueueView = serde_json::from_str(&mgr.call(GetSupportQueue::PATH, &[("q", "TYPO")]).await.body).unwrap();
    assert_eq!(found.tickets.iter().map(|t| t.id).collect::<Vec<_>>(), [minor]);
    let by_partner: QueueView =
        serde_json::from_str(&mgr.call(GetSupportQueue::PATH, &[("q", "acme")]).await.body).unwrap();
    assert_eq!(by_partner.tickets.len(), 2);
    let html = mgr.get("/support/queue?show=open&q=missing").await.body;
    assert!(html.contains(">Data missing<") && !html.contains(">Typo in docs<"), "{html}");
    assert!(html.contains(r#"name="show" value="open""#) && html.contains(r#"value="missing""#), "{html}");
    let none = mgr.get("/support/queue?q=nothing%25").await.body;
    assert!(none.contains("No ticket’s subject or partner contains “nothing%”."), "{none}");

    // Ordered by a chosen column on the server, counted and paged; a page
    // past the end shows the last.
    let ids = |q: &QueueView| q.tickets.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(&staff_queue(&mut mgr, &[("sort", "opened")]).await), [critical, minor], "the newest first");
    assert_eq!(ids(&staff_queue(&mut mgr, &[("sort", "opened"), ("dir", "asc")]).await), [minor, critical]);
    assert_eq!(ids(&staff_queue(&mut mgr, &[("sort", "severity"), ("dir", "desc")]).await), [minor, critical]);
    let last = staff_queue(&mut mgr, &[("sort", "severity"), ("page", "99")]).await;
    assert_eq!((ids(&last), last.page, last.pages, last.total), (vec![critical, minor], 1, 1, 2));
    let html = mgr.get("/support/queue?show=open&q=a&sort=severity&dir=desc").await.body;
    assert!(html.contains(r#"aria-sort="descending""#), "{html}");
    assert!(
        html.contains(r#"href="?q=a&amp;show=open&amp;sort=opened&amp;dir=desc""#),
        "headers keep the search: {html}"
    );

    // The report counts tickets by the month they were opened in, which the
    // 90 minutes below may leave (a run late on a month's last day).
    let month = Month::of(app.clock_now()).key();
    app.clock.advance(chrono::Duration::minutes(90));
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    ada.sign_in("ada@acme.example", PASSWORD).await;
    let t = ticket(&mut mgr, critical).await;
    assert_eq!(t.ticket.clock(t.now_ms).state, SlaState::Breached);
    // The partner's page counts open and late tickets in the database, as
    // the ticket's own clock does: late until answered, and for good once
    // answered late.
    let late = |body: &str| {
        let o: PartnerOverview = serde_json::from_str(body).unwrap();
        (o.open_tickets, o.breached_tickets)
    };
    let overview = [("org", org.to_string())];
    let overview: Vec<(&str, &str)> = overview.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(late(&mgr.call(GetPartnerOverview::PATH, &overview).await.body), (2, 1));
    assert_eq!(reply(&mut mgr, minor, "Fixed, thanks.", None).await.status, StatusCode::SEE_OTHER);
    assert_eq!(reply(&mut mgr, critical, "Sorry for the wait.", None).await.status, StatusCode::SEE_OTHER);
    assert_eq!(late(&mgr.call(GetPartnerOverview::PATH, &overview).await.body), (2, 1));

    let r = mgr.call(GetSlaReport::PATH, &[("month", &month)]).await;
    let report: ReportView = serde_json::from_str(&r.body).unwrap();
    let registered = &report.tiers.iter().find(|(t, _)| *t == SupportTier::Registered).unwrap().1;
    assert_eq!((registered.opened, registered.met, registered.breached), (2, 1, 1));
    assert_eq!(report.total.met_bps(), Some(5_000));
    assert_eq!(mgr.call(GetSlaReport::PATH, &[("month", "2026-13")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ada.call(GetSlaReport::PATH, &[("month", &month)]).await.status, StatusCode::FORBIDDEN);

    let card: ScorecardView =
        serde_json::from_str(&mgr.call(GetScorecard::PATH, &[("org", &org.to_string())]).await.body).unwrap();
    let support = card.measures.iter().find(|m| m.key == "support").unwrap();
    assert_eq!((support.rating, support.value.as_str()), (Rating::Red, "50.00 % (1 of 2 on time)"));
});

on_both!(managers_save_quarterly_reviews_that_their_partner_reads, |e| async move {
    let (app, mut mgr) = start(e, None).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Other Co", "bob@other.example").await;
    opened(&mut ada, "Question", "tier3").await;
    let o = org.to_string();
    let quarter = Quarter::of(app.clock_now()).key();

    let r = mgr.call(GenerateReview::PATH, &[("org", &o), ("quarter", "1999-Q1"), ("recommendations", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("quarter") && r.body.contains("recommendations"), "{}", r.body);
    let r = ada.call(GenerateReview::PATH, &[("org", &o), ("quarter", &quarter), ("recommendations", "Mine")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let fields = [("org", o.as_str()), ("quarter", quarter.as_str()), ("recommendations", "Move to production keys.")];
    assert_eq!(mgr.call(GenerateReview::PATH, &fields).await.status, StatusCode::OK);
    let v: ReviewsView = serde_json::from_str(&ada.call(GetReviews::PATH, &[]).await.body).unwrap();
    assert_eq!(v.reviews.len(), 1);
    assert!(v.quarters.is_empty(), "partners do not generate");
    let review = &v.reviews[0];
    assert!(review.snapshot.partial, "the quarter is still running");
    assert_eq!(review.recommendations, "Move to production keys.");
    assert!(
        review.snapshot.business.iter().any(|(k, v)| k == "Support tickets opened" && v == "1"),
        "{:?}",
        review.snapshot.business
    );
    assert_eq!(review.snapshot.measures.len(), 8);

    // Generating again replaces the quarter's review.
    let fields = [("org", o.as_str()), ("quarter", quarter.as_str()), ("recommendations", "Revised.")];
    assert_eq!(mgr.call(GenerateReview::PATH, &fields).await.status, StatusCode::OK);
    let v: ReviewsView = serde_json::from_str(&mgr.call(GetReviews::PATH, &[("org", &o)]).await.body).unwrap();
    assert_eq!((v.reviews.len(), v.reviews[0].id, v.reviews[0].recommendations.as_str()), (1, review.id, "Revised."));
    assert_eq!(v.quarters.len(), 5);

    let id = review.id.to_string();
    let r: ReviewRecord = serde_json::from_str(&ada.call(GetReview::PATH, &[("id", &id)]).await.body).unwrap();
    assert_eq!(r.organisation_id, org);
    assert_eq!(bob.call(GetReview::PATH, &[("id", &id)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.call(GetReviews::PATH, &[("org", &o)]).await.status, StatusCode::FORBIDDEN);
});
