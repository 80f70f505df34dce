//! One partner as program staff see it, over HTTP on both engines: the
//! header (type, model, owner, year-to-date figures), the tabs that follow
//! its model, the header on the partner's own pages opened by staff, and the
//! partner's menu grouped by task without pages that do not apply to it.

use crate::helpers::{start_with_manager, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use partner_portal::api::admin::{AuditLog, AuditPage};
use partner_portal::api::partners::{GetPartnerHeader, GetPartnerOverview, PartnerHeader, PartnerOverview};
use partner_portal::api::revenue::RecordRevenueEvent;
use partner_portal::domain::role::Role;

on_both!(staff_see_one_partner_with_its_header_and_tabs_and_partners_see_only_their_own_menu, |e| async move {
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut tech, t) =
        app.approved_partner(&mut mgr, "Acme AI", "owner@acme.example", "technology/ai_platform", "technology").await;
    let (mut resale, r) =
        app.approved_partner(&mut mgr, "Resell Co", "owner@resell.example", "reseller/var", "reseller").await;
    let today = app.clock_now().date_naive().to_string();
    let (ts, rs) = (t.to_string(), r.to_string());
    let event = [
        ("partner", ts.as_str()),
        ("customer", "Globex"),
        ("date", today.as_str()),
        ("amount", "1000.00"),
        ("currency", "USD"),
        ("kind", "invoice"),
        ("refunds", ""),
        ("external_id", "inv-1"),
        ("customer_price", ""),
    ];
    let reply = mgr.call(RecordRevenueEvent::PATH, &event).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let reply = mgr.call(GetPartnerOverview::PATH, &[("org", &ts)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let o: PartnerOverview = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(o.header.organisation, "Acme AI");
    assert_eq!(o.header.kind, "Technology: AI platform");
    assert_eq!(o.header.model, "Technology");
    assert_eq!(o.header.owner.as_ref().map(|(_, e)| e.as_str()), Some("owner@acme.example"));
    assert_eq!(
        o.header.revenue_ytd.iter().map(|m| (m.minor, m.currency.code())).collect::<Vec<_>>(),
        [(100_000, "USD")]
    );
    assert_eq!(o.header.commission_ytd.len(), 1, "{:?}", o.header.commission_ytd);
    assert!(o.header.builds && o.header.funds && !o.header.white_label);
    assert!(o.plan.is_some_and(|p| p.total > 0 && p.done == 0));
    assert!(o.members.iter().any(|m| m.email == "owner@acme.example"));
    assert_eq!(o.open_tickets, 0);

    let h: PartnerHeader = serde_json::from_str(&mgr.call(GetPartnerHeader::PATH, &[("org", &rs)]).await.body).unwrap();
    assert!(!h.builds && !h.funds, "a reseller builds no integration and has no funds");
    assert!(h.revenue_ytd.is_empty());

    // The overview page and its tabs, server-rendered.
    let page = mgr.get(&format!("/manager/partners/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Partner pages") && page.body.contains("$1,000.00"), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/developers?org={t}\"")));
    let page = mgr.get(&format!("/manager/partners/{r}")).await;
    assert!(!page.body.contains(&format!("href=\"/developers?org={r}\"")), "no integration tab for a reseller");
    // A partner's own page opened by staff says whose it is.
    let plan = mgr.get(&format!("/plan?org={r}")).await;
    assert!(plan.body.contains("data-testid=\"partner-header\"") && plan.body.contains("Resell Co"), "{}", plan.body);
    assert_eq!(mgr.get("/manager/partners/999999").await.status, StatusCode::NOT_FOUND);

    // Partners have no overview of anyone, themselves included.
    assert_eq!(tech.call(GetPartnerOverview::PATH, &[("org", &ts)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(tech.call(GetPartnerHeader::PATH, &[("org", &rs)]).await.status, StatusCode::FORBIDDEN);
    let own = tech.get(&format!("/plan?org={t}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.body.contains("data-testid=\"partner-header\""), "no staff header for the partner");

    // Menus by task: the developer pages for the technology partner only.
    // (A reseller still reaches Developers from its certification card, for
    // the sandbox key its certification asks for.)
    let menu = |html: &str| {
        let start = html.find("aria-label=\"Main\"").expect("the main navigation");
        html[start..start + html[start..].find("</nav>").unwrap()].to_owned()
    };
    let nav = menu(&tech.get("/").await.body);
    assert!(nav.contains(">Build") && nav.contains("href=\"/developers\""), "{nav}");
    let nav = menu(&resale.get("/").await.body);
    assert!(nav.contains(">Earn") && !nav.contains("href=\"/developers\""), "{nav}");

    // The audit log names what was acted on and links it to its page;
    // details read as labelled lines, not JSON.
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let audit = admin.get("/admin/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("href=\"/manager/revenue/imports/1\""), "{}", audit.body);
    assert!(audit.body.contains("Revenue import #1") && audit.body.contains("User #"), "{}", audit.body);
    assert!(audit.body.contains(">Rows<"), "details as labelled lines: {}", audit.body);
    assert!(!audit.body.contains("{&quot;") && !audit.body.contains("{\"organisation"), "{}", audit.body);

    // Narrowed to one area, and searched by who, what or subject; the
    // older-entries link would keep both.
    let revenue = admin.get("/admin/audit?area=revenue").await.body;
    assert!(revenue.contains("Revenue import #1") && !revenue.contains(">Signed in<"), "{revenue}");
    assert!(revenue.contains(r#"<option value="revenue" selected"#), "{revenue}");
    let signed = admin.get("/admin/audit?area=auth&q=ADMIN%40example").await.body;
    assert!(signed.contains(">Signed in<") && signed.contains("admin@example.com"), "{signed}");
    assert!(!signed.contains("mgr@example.com"), "only the admin's entries: {signed}");
    let none = admin.get("/admin/audit?q=%25none%25").await.body;
    assert!(none.contains("No entries match"), "{none}");
    let r = admin.call(AuditLog::PATH, &[("area", "revenue"), ("q", "import:1")]).await;
    let page: AuditPage = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("{}", r.body));
    assert!(!page.entries.is_empty() && page.entries.iter().all(|e| e.action.starts_with("revenue.")), "{page:?}");
    assert!(page.entries.iter().all(|e| e.subject.contains("import:1")), "{page:?}");

    // One partner's history: what its people did and what staff did to it,
    // for administrators only, as the last of the partner's tabs.
    tech.sign_in("owner@acme.example", PASSWORD).await;
    let r = admin.call(AuditLog::PATH, &[("org", &ts)]).await;
    let page: AuditPage = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("{}", r.body));
    let actions: Vec<_> = page.entries.iter().map(|e| (e.actor_email.as_str(), e.action.as_str())).collect();
    assert!(actions.contains(&("owner@acme.example", "auth.sign_in")), "{actions:?}");
    assert!(actions.contains(&("mgr@example.com", "revenue.imported")), "the event recorded for it: {actions:?}");
    assert!(actions.contains(&("mgr@example.com", "application.approved")), "its approval: {actions:?}");
    assert!(!actions.iter().any(|(who, _)| *who == "owner@resell.example"), "{actions:?}");
    assert_eq!(page.organisation_id, Some(t));
    let h: PartnerHeader =
        serde_json::from_str(&admin.call(GetPartnerHeader::PATH, &[("org", &ts)]).await.body).unwrap();
    assert!(h.audit);
    let h: PartnerHeader = serde_json::from_str(&mgr.call(GetPartnerHeader::PATH, &[("org", &ts)]).await.body).unwrap();
    assert!(!h.audit, "managers do not read the audit log");
    assert_eq!(mgr.call(AuditLog::PATH, &[("org", &ts)]).await.status, StatusCode::FORBIDDEN);
    let html = admin.get(&format!("/admin/audit?org={t}")).await.body;
    assert!(html.contains("data-testid=\"partner-header\"") && html.contains("Audit log of this partner"), "{html}");
    assert!(html.contains(&format!(r#"name="org" value="{t}""#)), "the search keeps the partner: {html}");
});
