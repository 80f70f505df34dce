//! Revenue over HTTP: who may record, read and download what; the CSV
//! import endpoint; terms editing rules. Both engines.

use crate::helpers::{Client, TestApp, HOST, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::revenue::{
    ApprovePayouts, ClosePastStatements, GetImportCheck, GetRevenueDashboard, GetRevenueImport, GetRevenueImports,
    GetRevenueProgram, GetStatement, ImportList, MovePayout, RecordRevenueEvent, RevenueDashboard, SaveRevenueTerms,
    StatementView,
};
use partner_portal::domain::ledger::{
    seen_payouts, total_per_currency, ImportRecord, PayoutStatus, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS,
};
use partner_portal::domain::revenue::format_money;
use partner_portal::domain::role::Role;
use partner_portal::views::revenue::{ImportCheck, ProgramView};

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// An approved reseller owner (signed in) and a signed-in manager.
async fn partner_and_manager(app: &TestApp, company: &str, email: &str) -> (Client, Client, i64) {
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let (p, org) = app.approved_partner(&mut manager, company, email, "reseller/var", "reseller").await;
    (p, manager, org)
}

pub(crate) fn event<'a>(org: &'a str, ext: &'a str, amount: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("partner", org),
        ("customer", "Globex"),
        ("date", date),
        ("amount", amount),
        ("currency", "USD"),
        ("kind", "invoice"),
        ("refunds", ""),
        ("external_id", ext),
        ("customer_price", ""),
    ]
}

pub(crate) async fn upload(c: &mut Client, csv: &str) -> crate::helpers::Reply {
    upload_bytes(c, csv.as_bytes()).await
}

async fn upload_bytes(c: &mut Client, file: &[u8]) -> crate::helpers::Reply {
    upload_as(c, file, "").await
}

/// Sends the import form with its `mode` ("check" for the check button).
async fn upload_as(c: &mut Client, file: &[u8], mode: &str) -> crate::helpers::Reply {
    let boundary = "XBOUNDARYX";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"revenue.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"csv\"\r\n\r\n\r\n--{boundary}\r\n\
             Content-Disposition: form-data; name=\"mode\"\r\n\r\n{mode}\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    let req = Request::post("/manager/revenue/import")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ORIGIN, format!("http://{HOST}"))
        .body(Body::from(body))
        .unwrap();
    c.send(req).await
}

on_both!(managers_record_revenue_and_partners_read_only_their_own, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (mut ada, mut mgr, org) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let (mut bob, _, org_b) = partner_and_manager(&app, "Resell Two", "bob@two.example").await;
    let today = app.clock_now().date_naive().to_string();
    let o = org.to_string();

    // Partners cannot record revenue; bad input is refused by field.
    let r = ada.call(RecordRevenueEvent::PATH, &event(&o, "inv-1", "100.00", &today)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = mgr.call(RecordRevenueEvent::PATH, &event(&o, "inv-1", "100.001", "2999-01-01")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("amount") && r.body.contains("date"), "{}", r.body);
    let r = mgr.call(RecordRevenueEvent::PATH, &event(&o, "inv-1", "100.00", &today)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = ada.call(GetRevenueDashboard::PATH, &[]).await;
    let d: RevenueDashboard = serde_json::from_str(&r.body).unwrap();
    assert_eq!(d.month_to_date.iter().map(|m| m.minor).collect::<Vec<_>>(), vec![2_000]);
    assert_eq!(d.customers[0].customer, "Globex");
    let statement = d.statements[0].id;

    // Another partner sees neither the dashboard nor the statement nor its CSV.
    assert_eq!(bob.call(GetRevenueDashboard::PATH, &[("org", &o)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.call(GetStatement::PATH, &[("id", &statement.to_string())]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.get(&format!("/statements/{statement}/csv")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.client().get(&format!("/statements/{statement}/csv")).await.status, StatusCode::SEE_OTHER);
    let bobs: RevenueDashboard = serde_json::from_str(&bob.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    assert!(bobs.statements.is_empty() && bobs.organisation_id == org_b);

    let csv = ada.get(&format!("/statements/{statement}/csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("line,kind,customer,event"), "{}", csv.body);
    assert!(csv.body.contains("commission,Globex,inv-1") && csv.body.contains(",20.00,USD"), "{}", csv.body);
    let view: StatementView =
        serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &statement.to_string())]).await.body).unwrap();
    assert!(!view.can_manage);
    assert_eq!(ada.call(GetRevenueProgram::PATH, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ada.call(ClosePastStatements::PATH, &[]).await.status, StatusCode::FORBIDDEN);
});

on_both!(a_csv_import_with_a_bad_row_imports_nothing_and_its_fix_imports_once, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (mut ada, mut mgr, _org) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let today = app.clock_now().date_naive().to_string();
    let bad = format!(
        "partner,customer,date,amount,currency,kind,refunds,external_id\n\
         Resell One,Globex,{today},100.00,USD,invoice,,inv-1\n\
         Resell One,Globex,{today},150.00,USD,refund,inv-1,ref-1\n\
         Nobody,Initech,{today},10,USD,invoice,,inv-2\n"
    );
    let r = upload(&mut ada, &bad).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "partners cannot import");
    let r = upload(&mut mgr, &bad).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id = r.location().unwrap().rsplit('/').next().unwrap().to_owned();
    let rec: ImportRecord = serde_json::from_str(&mgr.call(GetRevenueImport::PATH, &[("id", &id)]).await.body).unwrap();
    assert!(!rec.imported);
    let lines: Vec<_> = rec.errors.iter().map(|e| (e.row, e.field.as_str())).collect();
    assert_eq!(lines, vec![(3, "refunds"), (4, "partner")], "{:?}", rec.errors);
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    assert!(d.statements.is_empty(), "nothing was imported");

    let good = bad.replace("150.00,USD,refund", "50.00,USD,refund").replace("Nobody", "resell one");
    for expected_new in [3, 0] {
        let r = upload(&mut mgr, &good).await;
        let id = r.location().unwrap().rsplit('/').next().unwrap().to_owned();
        let rec: ImportRecord =
            serde_json::from_str(&mgr.call(GetRevenueImport::PATH, &[("id", &id)]).await.body).unwrap();
        assert!(rec.imported, "{:?}", rec.errors);
        assert_eq!(rec.new_count, expected_new);
    }
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    // 20 % of 100.00 - 50.00 + 10.00.
    assert_eq!(d.month_to_date[0].minor, 2_000 - 1_000 + 200);

    // The list of every import: newest first, narrowed to the refused one.
    let list = |show: &'static str| [("show", show)];
    let all: ImportList = serde_json::from_str(&mgr.call(GetRevenueImports::PATH, &list("")).await.body).unwrap();
    let results: Vec<_> = all.imports.iter().map(|i| (i.imported, i.new_count)).collect();
    assert_eq!((results, all.older_than), (vec![(true, 0), (true, 3), (false, 0)], None));
    let refused: ImportList =
        serde_json::from_str(&mgr.call(GetRevenueImports::PATH, &list("refused")).await.body).unwrap();
    assert_eq!(refused.imports.iter().map(|i| i.errors.len()).collect::<Vec<_>>(), [2]);
    let html = mgr.get("/manager/revenue/imports?show=refused").await.body;
    assert!(html.contains("Refused: 2 problems") && !html.contains("already recorded"), "{html}");
    assert_eq!(ada.call(GetRevenueImports::PATH, &list("")).await.status, StatusCode::FORBIDDEN);
});

on_both!(an_upload_turned_away_unread_records_nothing_and_sends_the_form_back_saying_why, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (_ada, mut mgr, _org) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let header = b"partner,customer,date,amount,currency,kind,refunds,external_id\n".to_vec();
    let mut latin1 = header.clone();
    latin1.extend_from_slice(b"Resell One,Soci\xe9t\xe9 G\xe9n\xe9rale,2026-01-02,10,USD,invoice,,inv-1\n");
    let mut too_large = header.clone();
    while too_large.len() <= MAX_IMPORT_BYTES {
        too_large.extend_from_slice(b"Resell One,Globex,2026-01-02,10.00,USD,invoice,,inv-000000000000000000000\n");
    }
    // Just over the file's limit (checked after the read), and past what the
    // read itself takes.
    let mut far_too_large = too_large.clone();
    far_too_large.extend_from_slice(&vec![b'x'; 3 * MAX_IMPORT_BYTES]);
    let cases =
        [(b" \n".to_vec(), "empty"), (latin1, "not-utf8"), (too_large, "too-large"), (far_too_large, "too-large")];
    for (file, why) in cases {
        let r = upload_bytes(&mut mgr, &file).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{why}");
        assert_eq!(r.location(), Some(format!("/manager/revenue?import_refused={why}#import").as_str()));
    }
    let p: ProgramView = serde_json::from_str(&mgr.call(GetRevenueProgram::PATH, &[]).await.body).unwrap();
    assert!(p.imports.is_empty(), "nothing recorded: {:?}", p.imports);

    // Over the row limit: read, refused as a whole, and kept in the history.
    let mut rows = String::from_utf8(header).unwrap();
    for k in 0..=MAX_IMPORT_ROWS {
        rows.push_str(&format!("Resell One,Globex,2026-01-02,1,USD,invoice,,inv-{k}\n"));
    }
    let r = upload(&mut mgr, &rows).await;
    let id = r.location().unwrap().rsplit('/').next().unwrap().to_owned();
    let rec: ImportRecord = serde_json::from_str(&mgr.call(GetRevenueImport::PATH, &[("id", &id)]).await.body).unwrap();
    assert!(!rec.imported);
    assert!(rec.errors[0].message.contains("more than 5,000 rows"), "{:?}", rec.errors);
});

on_both!(a_statement_shows_its_lines_fifty_to_a_page_and_its_csv_has_them_all, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (mut ada, mut mgr, _org) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let today = app.clock_now().date_naive().to_string();
    let mut csv = "partner,customer,date,amount,currency,kind,refunds,external_id\n".to_owned();
    for i in 0..120 {
        csv.push_str(&format!("Resell One,Globex,{today},10.00,USD,invoice,,inv-{i}\n"));
    }
    assert_eq!(upload(&mut mgr, &csv).await.status, StatusCode::SEE_OTHER);
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    let id = d.statements[0].id.to_string();
    let page = |v: &StatementView| (v.page, v.pages, v.lines_count, v.lines.len());
    let first: StatementView = serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &id)]).await.body).unwrap();
    assert_eq!(page(&first), (1, 3, 120, 50));
    let third: StatementView =
        serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &id), ("page", "3")]).await.body).unwrap();
    assert_eq!(page(&third), (3, 3, 120, 20));
    assert_ne!(first.lines[0].id, third.lines[0].id);
    let past: StatementView =
        serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &id), ("page", "99")]).await.body).unwrap();
    assert_eq!(page(&past), (3, 3, 120, 20), "past the end: the last page");
    let far = ada.call(GetStatement::PATH, &[("id", &id), ("page", "18446744073709551615")]).await;
    let far: StatementView = serde_json::from_str(&far.body).unwrap_or_else(|_| panic!("{}", far.body));
    assert_eq!(page(&far), (3, 3, 120, 20), "beyond what an offset holds: the last page");
    // The page links work without JavaScript.
    let html = ada.get(&format!("/statements/{id}?page=2")).await;
    assert!(html.body.contains("Page 2 of 3 (120 lines)"), "{}", html.body);
    assert!(
        html.body.contains("href=\"?page=1#lines\"") && html.body.contains("href=\"?page=3#lines\""),
        "{}",
        html.body
    );
    let all = ada.get(&format!("/statements/{id}/csv")).await;
    assert_eq!(all.body.matches("commission,Globex,inv-").count(), 120);
});

on_both!(a_statement_reads_as_a_document_with_a_summary_subtotals_and_a_printable_copy_of_every_line, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (mut ada, mut mgr, _org) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let (mut bob, _, _) = partner_and_manager(&app, "Resell Two", "bob@two.example").await;
    let today = app.clock_now().date_naive().to_string();
    let mut csv = "partner,customer,date,amount,currency,kind,refunds,external_id\n".to_owned();
    for i in 0..55 {
        csv.push_str(&format!("Resell One,Globex,{today},10.00,USD,invoice,,inv-{i}\n"));
    }
    csv.push_str(&format!("Resell One,Initech,{today},250.00,USD,invoice,,big-1\n"));
    csv.push_str(&format!("Resell One,Globex,{today},5.00,USD,refund,inv-0,ref-1\n"));
    assert_eq!(upload(&mut mgr, &csv).await.status, StatusCode::SEE_OTHER);
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    let id = d.statements[0].id.to_string();

    // 20 % of 550.00 and 250.00, less 20 % of the 5.00 refund.
    let v: StatementView = serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &id)]).await.body).unwrap();
    let s = v.summary;
    assert_eq!((s.gross_minor, s.commission_minor, s.clawbacks_minor), (80_000, 16_000, -100));
    assert_eq!((s.lines_total_minor, s.payable_minor), (15_900, None), "open: nothing payable yet");
    let customers: Vec<_> = v.by_customer.iter().map(|r| (r.label.as_str(), r.lines, r.amount_minor)).collect();
    assert_eq!(customers, [("Globex", 56, 10_900), ("Initech", 1, 5_000)]);
    let kinds: Vec<_> = v.by_kind.iter().map(|r| (r.label.as_str(), r.base_minor)).collect();
    assert_eq!(kinds, [("Commission", Some(80_000)), ("Refund clawback", Some(-500))]);

    // The page reads the summary and subtotals over every line, and lists
    // 50 lines with their base and rate; the printable copy lists all 57.
    let html = ada.get(&format!("/statements/{id}")).await.body;
    for text in ["Revenue invoiced this month", "$800.00", "Refund clawbacks", "-$1.00", "Lines total", "$159.00"] {
        assert!(html.contains(text), "{text} missing: {html}");
    }
    assert!(html.find(">Globex<").unwrap() < html.find(">Initech<").unwrap(), "largest customer first");
    assert_eq!(html.matches("data-line=").count(), 50);
    assert!(html.contains("href=\"/statements/") && html.contains("/print\""), "{html}");
    let print = ada.get(&format!("/statements/{id}/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert_eq!(print.body.matches("data-line=").count(), 57);
    assert!(print.body.contains("Lines (57)") && print.body.contains("$800.00"), "{}", print.body);
    assert_eq!(bob.get(&format!("/statements/{id}/print")).await.status, StatusCode::NOT_FOUND);

    // Closed next month: what it carried in and what is payable.
    app.clock.advance(chrono::Duration::days(40));
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    ada.sign_in("ada@one.example", PASSWORD).await;
    assert_eq!(mgr.call(ClosePastStatements::PATH, &[]).await.status, StatusCode::OK);
    let v: StatementView = serde_json::from_str(&ada.call(GetStatement::PATH, &[("id", &id)]).await.body).unwrap();
    assert_eq!((v.summary.payable_minor, v.summary.carried_forward_minor), (Some(15_900), Some(0)));
    let html = ada.get(&format!("/statements/{id}")).await.body;
    assert!(html.contains("Payable") && html.contains("Carried in from earlier statements"), "{html}");
});

on_both!(terms_versions_are_checked_and_closing_creates_a_payout_managers_move, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (mut ada, mut mgr, org) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let o = org.to_string();
    let today = app.clock_now().date_naive().to_string();
    let terms = |margin: &'static str, effective: String| {
        vec![
            ("org", o.clone()),
            ("effective", effective),
            ("currency", "USD".to_owned()),
            ("margin", margin.to_owned()),
            ("bonus_schedule", "1000.00 = 50.00".to_owned()),
        ]
    };
    let out_of_range = terms("31", today.clone());
    let r = mgr.call(SaveRevenueTerms::PATH, &as_refs(&out_of_range)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("margin"), "{}", r.body);
    let past = terms("25", "2000-01-01".to_owned());
    assert_eq!(mgr.call(SaveRevenueTerms::PATH, &as_refs(&past)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        ada.call(SaveRevenueTerms::PATH, &as_refs(&terms("25", today.clone()))).await.status,
        StatusCode::FORBIDDEN
    );
    let ok = terms("25", today.clone());
    assert_eq!(mgr.call(SaveRevenueTerms::PATH, &as_refs(&ok)).await.status, StatusCode::OK);
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    assert_eq!((d.terms.len(), d.current_version), (2, Some(2)));
    assert_eq!(d.bonus.as_ref().unwrap().next.unwrap().0.minor, 100_000);

    mgr.call(RecordRevenueEvent::PATH, &event(&o, "inv-1", "100.00", &today)).await;
    // Next month, the statement can close: it pays out 25.00.
    app.clock.advance(chrono::Duration::days(40));
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    ada.sign_in("ada@one.example", PASSWORD).await;
    let r = mgr.call(ClosePastStatements::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    let p = d.statements.iter().find_map(|s| s.payout.clone()).unwrap();
    assert_eq!(p.amount.minor, 2_500);
    let id = p.id.to_string();
    let pay = |action: &'static str, version: String, reference: &'static str| {
        vec![
            ("id", id.clone()),
            ("version", version),
            ("action", action.to_owned()),
            ("reference", reference.to_owned()),
            ("back", "/manager/revenue".to_owned()),
        ]
    };
    let early = pay("pay", p.version.to_string(), "WIRE-1");
    assert_eq!(mgr.call(MovePayout::PATH, &as_refs(&early)).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        ada.call(MovePayout::PATH, &as_refs(&pay("approve", p.version.to_string(), ""))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        mgr.call(MovePayout::PATH, &as_refs(&pay("approve", p.version.to_string(), ""))).await.status,
        StatusCode::OK
    );
    let no_ref = pay("pay", (p.version + 1).to_string(), "");
    assert_eq!(mgr.call(MovePayout::PATH, &as_refs(&no_ref)).await.status, StatusCode::BAD_REQUEST);
    let paid = pay("pay", (p.version + 1).to_string(), "WIRE-1");
    assert_eq!(mgr.call(MovePayout::PATH, &as_refs(&paid)).await.status, StatusCode::OK);
    let d: RevenueDashboard = serde_json::from_str(&ada.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    let paid = d.statements.iter().find_map(|s| s.payout.clone()).unwrap();
    assert_eq!(paid.reference.as_deref(), Some("WIRE-1"));
    assert!(app.mail().await.iter().any(|m| m.contains("statement is ready")));
});

on_both!(payouts_approved_together_name_their_total_first_and_go_all_or_none, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let (mut ada, mut mgr, one) = partner_and_manager(&app, "Resell One", "ada@one.example").await;
    let (_, _, two) = partner_and_manager(&app, "Resell Two", "bo@two.example").await;
    let today = app.clock_now().date_naive().to_string();
    for (org, ext) in [(one, "inv-1"), (two, "inv-2")] {
        let o = org.to_string();
        let r = mgr.call(RecordRevenueEvent::PATH, &event(&o, ext, "100.00", &today)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    app.clock.advance(chrono::Duration::days(40));
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    ada.sign_in("ada@one.example", PASSWORD).await;
    assert_eq!(mgr.call(ClosePastStatements::PATH, &[]).await.status, StatusCode::OK);
    let program = |body: String| serde_json::from_str::<ProgramView>(&body).unwrap();
    let v = program(mgr.call(GetRevenueProgram::PATH, &[]).await.body);
    let pending: Vec<_> = v.payouts.iter().filter(|p| p.status == PayoutStatus::Pending).cloned().collect();
    assert_eq!(pending.len(), 2);
    let total = total_per_currency(pending.iter().map(|p| p.amount));
    assert_eq!(total.len(), 1);

    // The page names the count and total before anything is approved.
    let page = mgr.get("/manager/revenue").await;
    let label = format!("Approve 2 payouts: {}", format_money(total[0]));
    assert!(page.body.contains(&label), "{label} not in the page");

    // Seen at an old version, one payout refuses them all.
    let mut stale = pending.clone();
    stale[1].version += 1;
    let r = mgr.call(ApprovePayouts::PATH, &[("seen", &seen_payouts(&stale))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let v = program(mgr.call(GetRevenueProgram::PATH, &[]).await.body);
    assert_eq!(v.payouts.iter().filter(|p| p.status == PayoutStatus::Pending).count(), 2, "nothing approved");
    for bad in ["", "1:x", "999999:0"] {
        assert_ne!(mgr.call(ApprovePayouts::PATH, &[("seen", bad)]).await.status, StatusCode::OK, "{bad:?}");
    }
    assert_eq!(
        ada.call(ApprovePayouts::PATH, &[("seen", &seen_payouts(&pending))]).await.status,
        StatusCode::FORBIDDEN
    );

    let r = mgr.call(ApprovePayouts::PATH, &[("seen", &seen_payouts(&pending))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = program(mgr.call(GetRevenueProgram::PATH, &[]).await.body);
    assert!(v.payouts.iter().all(|p| p.status == PayoutStatus::Approved), "{:?}", v.payouts);
    // Each approval is a payout.approved program event for its partner.
    let approved =
        crate::helpers::scalar(&app._db.url, "SELECT COUNT(*) FROM event_log WHERE event_type = 'payout.approved'")
            .await;
    assert_eq!(approved, pending.len() as i64);
    // Without JavaScript the form lands back on the payouts, saying how many.
    let r = mgr.submit(ApprovePayouts::PATH, &[("seen", &seen_payouts(&pending))], "/manager/revenue").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(r.location().unwrap().starts_with("/manager/revenue"), "{:?}", r.location());
});

async fn import(mgr: &mut Client, csv: &str) -> ImportRecord {
    let r = upload(mgr, csv).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().unwrap().rsplit('/').next().unwrap().to_owned();
    serde_json::from_str(&mgr.call(GetRevenueImport::PATH, &[("id", &id)]).await.body).unwrap()
}

/// Each statement as a partner reads it: month, currency, status, total,
/// balance, and its payout's amount.
async fn statements_of(c: &mut Client) -> Vec<(String, String, String, i64, Option<i64>, Option<i64>)> {
    let d: RevenueDashboard = serde_json::from_str(&c.call(GetRevenueDashboard::PATH, &[]).await.body).unwrap();
    let mut out: Vec<_> = d
        .statements
        .iter()
        .map(|s| {
            (
                s.month.key(),
                s.currency.code().to_owned(),
                s.status.key().to_owned(),
                s.lines_total_minor,
                s.balance_minor,
                s.payout.as_ref().map(|p| p.amount.minor),
            )
        })
        .collect();
    out.sort();
    out
}

on_both!(a_year_of_history_imported_under_backdated_terms_closes_as_living_through_it_did, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    app.create_user("admin@example.com", Role::Admin).await;
    // One partner lives through a year: revenue each month, each month
    // closed in the next.
    let (mut live, mut mgr, live_org) = partner_and_manager(&app, "Live Resell", "ada@live.example").await;
    let began = app.clock_now().date_naive().to_string();
    let lo = live_org.to_string();
    let mut history = "partner,customer,date,amount,currency,kind,refunds,external_id\n".to_owned();
    for (i, amount) in ["100.00", "250.00", "80.00", "40.00", "0.50", "300.00"].iter().cycle().take(12).enumerate() {
        let day = app.clock_now().date_naive().to_string();
        let ext = format!("inv-{i}");
        let r = mgr.call(RecordRevenueEvent::PATH, &event(&lo, &ext, amount, &day)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        history.push_str(&format!("Moved Resell,Globex,{day},{amount},USD,invoice,,old-{i}\n"));
        app.clock.advance(chrono::Duration::days(31));
        mgr.sign_in("mgr@example.com", PASSWORD).await;
        assert_eq!(mgr.call(ClosePastStatements::PATH, &[]).await.status, StatusCode::OK);
    }
    live.sign_in("ada@live.example", PASSWORD).await;
    let lived = statements_of(&mut live).await;
    assert_eq!(lived.iter().filter(|s| s.2 == "closed").count(), 12, "{lived:?}");

    // Another partner joins today with the same history in its old system.
    let (mut moved, _, moved_org) = partner_and_manager(&app, "Moved Resell", "bob@moved.example").await;
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    let refused = import(&mut mgr, &history).await;
    assert!(!refused.imported && refused.errors[0].message.contains("No revenue-share terms"), "{refused:?}");
    let mo = moved_org.to_string();
    let terms = |reason: &str| {
        vec![
            ("org", mo.clone()),
            ("effective", began.clone()),
            ("currency", "USD".to_owned()),
            ("margin", "20".to_owned()),
            ("bonus_schedule", String::new()),
            ("reason", reason.to_owned()),
        ]
    };
    // A manager cannot backdate; an administrator can, saying why.
    let r = mgr.call(SaveRevenueTerms::PATH, &as_refs(&terms("Moving the program's history in"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("administrator"), "{}", r.body);
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let r = admin.call(SaveRevenueTerms::PATH, &as_refs(&terms(""))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("reason"), "{}", r.body);
    let r = admin.call(SaveRevenueTerms::PATH, &as_refs(&terms("Moving the program's history in"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let entries = app.state.store.audit_entries(1, None, 20).await.unwrap();
    let backdated = entries.iter().find(|e| e.action == "revenue.terms_changed").expect("the terms change is audited");
    assert!(backdated.detail.contains("\"backdated\":true") && backdated.detail.contains("history in"));

    // A check first: it names where every line would land and writes
    // nothing, not even an entry in the import history.
    let imports_before = app.state.store.revenue_imports(1, None, None, 100).await.unwrap().len();
    let r = upload_as(&mut admin, history.as_bytes(), "check").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/manager/revenue/check")));
    let check: Option<ImportCheck> = serde_json::from_str(&admin.call(GetImportCheck::PATH, &[]).await.body).unwrap();
    let check = check.expect("the check is kept for its page");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    assert!(check.summary.contains("12 new events to 12 statements of 1 partner"), "{}", check.summary);
    assert_eq!(check.statements.len(), 12);
    assert!(check.statements.iter().all(|s| s.partner == "Moved Resell" && s.past && s.events == 1));
    assert!(statements_of(&mut moved).await.is_empty(), "a check writes no statement");
    assert_eq!(app.state.store.revenue_imports(1, None, None, 100).await.unwrap().len(), imports_before);
    // A check of a file with a bad row names it, and still writes nothing.
    let bad = history.replacen("Moved Resell,Globex", "Nobody,Globex", 1);
    assert_eq!(upload_as(&mut admin, bad.as_bytes(), "check").await.status, StatusCode::SEE_OTHER);
    let check: Option<ImportCheck> = serde_json::from_str(&admin.call(GetImportCheck::PATH, &[]).await.body).unwrap();
    let check = check.unwrap();
    assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
    assert!(
        check.summary.starts_with("Importing this file would be refused: 1 problem in 12 rows"),
        "{}",
        check.summary
    );
    assert_eq!(app.state.store.revenue_imports(1, None, None, 100).await.unwrap().len(), imports_before);
    // Partners cannot check files, nor read a manager's check.
    assert_eq!(upload_as(&mut moved, history.as_bytes(), "check").await.status, StatusCode::FORBIDDEN);

    // The history imports in one go, and closing the past months gives the
    // statements living through them gave.
    let rec = import(&mut admin, &history).await;
    assert!(rec.imported, "{:?}", rec.errors);
    assert_eq!(rec.new_count, 12);
    assert_eq!(admin.call(ClosePastStatements::PATH, &[]).await.status, StatusCode::OK);
    moved.sign_in("bob@moved.example", PASSWORD).await;
    assert_eq!(statements_of(&mut moved).await, lived);
});
