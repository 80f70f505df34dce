//! Co-marketing funds in the store, both engines: requests against the
//! quarter's budget, decisions under version and state guards, claims, the
//! ledger line of an approved claim, and bounty lines.

use crate::helpers::{any_mail as mail, at, audit, store_partner, walk_certification, Engine, TestDb};
use crate::on_both;
use chrono::{TimeZone, Utc};
use partner_portal::domain::application::RevenueModel;
use partner_portal::domain::funds::{ActivityKind, FundStatus};
use partner_portal::domain::ledger::LineKind;
use partner_portal::domain::terms::default_terms;
use partner_portal::server::store::{FundClaim, FundMove, NewAudit, NewFundRequest, ProofFile, Store, StoreError};
use std::sync::Arc;

fn day(y: i32, m: u32, d: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap().timestamp_millis()
}

fn audit_at(b: i64, when: chrono::DateTime<Utc>) -> NewAudit {
    NewAudit { at: when, ..audit(b, "funds.test") }
}

/// A partner of `model` approved on 2026-01-05 with a fund budget of
/// `budget` (minor units, USD) from then: (db, store, brand, manager, org).
async fn partner(e: Engine, model: RevenueModel, budget: i64) -> (TestDb, Arc<dyn Store>, i64, i64, i64) {
    let mut terms = default_terms(model);
    terms.fund_budget_minor = Some(budget);
    store_partner(e, model, terms).await
}

fn req(org: i64, by: i64, activity_ms: i64, amount: i64) -> NewFundRequest {
    NewFundRequest {
        organisation_id: org,
        kind: ActivityKind::Webinar,
        title: "Agents in production".into(),
        activity_ms,
        requested_minor: amount,
        requested_by: by,
    }
}

async fn owner(store: &Arc<dyn Store>, b: i64, org: i64) -> i64 {
    store.org_members(b, org).await.unwrap()[0].id
}

fn change(id: i64, version: i64, from: FundStatus, to: FundStatus, note: Option<&str>, by: i64) -> FundMove<'_> {
    FundMove { id, organisation_id: None, version, from, to, note, by }
}

on_both!(requests_fit_the_quarters_budget_and_one_over_it_writes_nothing, |e| async move {
    let (_db, store, b, _mgr, org) = partner(e, RevenueModel::Technology, 500_000).await;
    let ada = owner(&store, b, org).await;
    let q2 = day(2026, 5, 20);
    let first = store.request_funds(b, &req(org, ada, q2, 375_000), audit_at(b, at(2026, 4, 2))).await.unwrap();
    assert!(first.is_ok());
    // Exactly what remains fits; one cent more does not.
    let over = store.request_funds(b, &req(org, ada, q2, 125_001), audit_at(b, at(2026, 4, 2))).await.unwrap();
    let over = over.unwrap_err();
    assert_eq!(over.remaining.minor, 125_000);
    assert_eq!(over.to_string(), "Only $1,250.00 remains of the Q2 2026 fund budget of $5,000.00.");
    assert_eq!(store.fund_requests(b, org).await.unwrap().len(), 1, "the refused request left nothing");
    // Another quarter has its own budget.
    let q3 = store.request_funds(b, &req(org, ada, day(2026, 7, 1), 500_000), audit_at(b, at(2026, 4, 2))).await;
    assert!(q3.unwrap().is_ok());
    let exact = store.request_funds(b, &req(org, ada, q2, 125_000), audit_at(b, at(2026, 4, 2))).await.unwrap();
    assert!(exact.is_ok());
    let list = store.fund_requests(b, org).await.unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|r| r.status == FundStatus::Requested && r.requested.currency.code() == "USD"));
});

on_both!(partners_without_a_budget_or_eligibility_are_refused, |e| async move {
    let (_db, store, b, _mgr, org) = partner(e, RevenueModel::Technology, 0).await;
    let ada = owner(&store, b, org).await;
    let r = store.request_funds(b, &req(org, ada, day(2026, 5, 1), 100), audit_at(b, at(2026, 4, 2))).await;
    assert!(matches!(r, Err(StoreError::Rule(m)) if m.contains("No co-marketing fund budget")));
    let (_db2, store2, b2, _mgr2, org2) = partner(e, RevenueModel::Reseller, 100_000).await;
    let ada2 = owner(&store2, b2, org2).await;
    let r = store2.request_funds(b2, &req(org2, ada2, day(2026, 5, 1), 100), audit_at(b2, at(2026, 4, 2))).await;
    assert!(matches!(r, Err(StoreError::Rule(m)) if m.contains("Premier")), "a reseller below Premier");
    assert!(store2.fund_requests(b2, org2).await.unwrap().is_empty());
});

on_both!(concurrent_requests_cannot_both_exceed_the_budget_and_approvals_recheck_it, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Technology, 500_000).await;
    let ada = owner(&store, b, org).await;
    let q2 = day(2026, 5, 20);
    // Two requests of 3,000.00 at once against 5,000.00: exactly one is stored.
    let (s1, s2) = (store.clone(), store.clone());
    let (n1, n2) = (req(org, ada, q2, 300_000), req(org, ada, q2, 300_000));
    let (r1, r2) = tokio::join!(
        s1.request_funds(b, &n1, audit_at(b, at(2026, 4, 2))),
        s2.request_funds(b, &n2, audit_at(b, at(2026, 4, 2))),
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert!(r1.is_ok() != r2.is_ok(), "one fits, the other is refused: {r1:?} {r2:?}");
    let a = r1.or(r2).unwrap();
    let c = store.request_funds(b, &req(org, ada, q2, 200_000), audit_at(b, at(2026, 4, 2))).await.unwrap().unwrap();
    // The manager lowers the budget to 4,000.00: approving either request is
    // refused, naming what remains beside the other waiting one.
    let mut terms = default_terms(RevenueModel::Technology);
    terms.fund_budget_minor = Some(400_000);
    store.add_terms_version(b, org, day(2026, 4, 1), false, &terms, mgr, audit(b, "terms")).await.unwrap();
    let approve = |id| change(id, 1, FundStatus::Requested, FundStatus::Approved, None, mgr);
    let refused = store.move_fund_request(b, approve(c), vec![mail()], audit_at(b, at(2026, 4, 3))).await.unwrap();
    assert_eq!(refused.unwrap_err().to_string(), "Only $1,000.00 remains of the Q2 2026 fund budget of $4,000.00.");
    assert!(store.move_fund_request(b, approve(a), vec![], audit_at(b, at(2026, 4, 3))).await.unwrap().is_err());
    // A rejection needs no budget; then the other request fits.
    let reject = change(c, 1, FundStatus::Requested, FundStatus::Rejected, Some("Over budget"), mgr);
    store.move_fund_request(b, reject, vec![mail()], audit_at(b, at(2026, 4, 3))).await.unwrap().unwrap();
    store.move_fund_request(b, approve(a), vec![mail()], audit_at(b, at(2026, 4, 3))).await.unwrap().unwrap();
    let r = store.fund_request(b, a).await.unwrap().unwrap();
    assert_eq!((r.status, r.approved.map(|m| m.minor), r.version), (FundStatus::Approved, Some(300_000), 2));
    // The same approval again, at the old version: refused, nothing changes.
    let again = store.move_fund_request(b, approve(a), vec![mail()], audit_at(b, at(2026, 4, 3))).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    assert_eq!(store.fund_request(b, a).await.unwrap().unwrap().version, 2);
});

on_both!(an_approved_claim_writes_exactly_one_ledger_line, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Technology, 500_000).await;
    let ada = owner(&store, b, org).await;
    let when = day(2026, 5, 20);
    let id = store.request_funds(b, &req(org, ada, when, 200_000), audit_at(b, at(2026, 4, 2))).await.unwrap().unwrap();
    let ok = store
        .move_fund_request(
            b,
            change(id, 1, FundStatus::Requested, FundStatus::Approved, None, mgr),
            vec![mail()],
            audit_at(b, at(2026, 4, 3)),
        )
        .await
        .unwrap();
    assert!(ok.is_ok());
    let claim = |amount: i64, version: i64| FundClaim {
        id,
        organisation_id: org,
        version,
        amount_minor: amount,
        link: Some("https://blog.example.com/webinar".into()),
        file: Some(ProofFile {
            content_type: "application/pdf".into(),
            file_name: "proof.pdf".into(),
            bytes: b"%PDF-1.7 proof".to_vec(),
        }),
        by: ada,
    };
    // Above the approved amount, or before the activity: refused by the guards.
    let over = store.claim_funds(b, claim(200_001, 2), audit_at(b, at(2026, 5, 21))).await;
    assert!(matches!(over, Err(StoreError::Conflict(_))));
    let early = store.claim_funds(b, claim(150_000, 2), audit_at(b, at(2026, 5, 19))).await;
    assert!(matches!(early, Err(StoreError::Conflict(_))));
    assert_eq!(store.fund_request(b, id).await.unwrap().unwrap().status, FundStatus::Approved);
    // A claim of 1,500.00 with proof.
    store.claim_funds(b, claim(150_000, 2), audit_at(b, at(2026, 5, 21))).await.unwrap();
    let r = store.fund_request(b, id).await.unwrap().unwrap();
    assert_eq!((r.status, r.claim.map(|c| c.minor)), (FundStatus::Claimed, Some(150_000)));
    assert_eq!(r.claim_file, Some(("application/pdf".to_owned(), 14)));
    let (file_org, file) = store.fund_proof_file(b, id).await.unwrap().unwrap();
    assert_eq!((file_org, file.bytes.as_slice()), (org, b"%PDF-1.7 proof".as_slice()));
    // Rejected: back to approved, proof gone; claimed again.
    store
        .move_fund_request(
            b,
            change(id, 3, FundStatus::Claimed, FundStatus::Approved, Some("Blurry receipt"), mgr),
            vec![mail()],
            audit_at(b, at(2026, 5, 22)),
        )
        .await
        .unwrap()
        .unwrap();
    let r = store.fund_request(b, id).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.claim_note.as_deref(), r.claim_file.clone()),
        (FundStatus::Approved, Some("Blurry receipt"), None)
    );
    store.claim_funds(b, claim(150_000, 4), audit_at(b, at(2026, 5, 23))).await.unwrap();
    // Approved: one fund line of 1,500.00 on the May statement.
    let pay = change(id, 5, FundStatus::Claimed, FundStatus::Paid, None, mgr);
    store.move_fund_request(b, pay, vec![mail()], audit_at(b, at(2026, 5, 24))).await.unwrap().unwrap();
    let again = store.move_fund_request(b, pay, vec![mail()], audit_at(b, at(2026, 5, 24))).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "a second approval of the same claim is refused");
    let statements = store.statements(b, Some(org), None).await.unwrap();
    assert_eq!(statements.len(), 1);
    let (s, lines) = store.statement(b, statements[0].id).await.unwrap().unwrap();
    assert_eq!(s.month.key(), "2026-05");
    let fund_lines: Vec<_> = lines.iter().filter(|l| l.kind == LineKind::Fund).collect();
    assert_eq!(fund_lines.len(), 1);
    assert_eq!(fund_lines[0].amount.minor, 150_000);
    assert_eq!(fund_lines[0].fund_activity.as_deref(), Some("Webinar: Agents in production"));
    assert_eq!(s.lines_total_minor, 150_000);
    let r = store.fund_request(b, id).await.unwrap().unwrap();
    assert_eq!((r.status, r.statement_id), (FundStatus::Paid, Some(s.id)));
    // The approved amount still counts against the quarter.
    let over = store.request_funds(b, &req(org, ada, when, 300_001), audit_at(b, at(2026, 5, 25))).await.unwrap();
    assert_eq!(over.unwrap_err().remaining.minor, 300_000);
});

on_both!(withdrawn_and_rejected_requests_free_their_budget_and_partners_touch_only_their_own, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Technology, 100_000).await;
    let ada = owner(&store, b, org).await;
    let when = day(2026, 5, 20);
    let a = store.request_funds(b, &req(org, ada, when, 100_000), audit_at(b, at(2026, 4, 2))).await.unwrap().unwrap();
    // Another organisation cannot withdraw it.
    let foreign = FundMove {
        organisation_id: Some(org + 1000),
        ..change(a, 1, FundStatus::Requested, FundStatus::Withdrawn, None, ada)
    };
    assert!(matches!(store.move_fund_request(b, foreign, vec![], audit(b, "x")).await, Err(StoreError::NotFound)));
    // Nor can another brand see it.
    assert!(store.fund_request(b + 1000, a).await.unwrap().is_none());
    let own = FundMove {
        organisation_id: Some(org),
        ..change(a, 1, FundStatus::Requested, FundStatus::Withdrawn, None, ada)
    };
    store.move_fund_request(b, own, vec![], audit(b, "x")).await.unwrap().unwrap();
    let c = store.request_funds(b, &req(org, ada, when, 100_000), audit_at(b, at(2026, 4, 2))).await.unwrap().unwrap();
    store
        .move_fund_request(
            b,
            change(c, 1, FundStatus::Requested, FundStatus::Rejected, Some("Off-brand"), mgr),
            vec![mail()],
            audit(b, "x"),
        )
        .await
        .unwrap()
        .unwrap();
    let r = store.fund_request(b, c).await.unwrap().unwrap();
    assert_eq!((r.status, r.decision_note.as_deref()), (FundStatus::Rejected, Some("Off-brand")));
    assert!(store.request_funds(b, &req(org, ada, when, 100_000), audit(b, "x")).await.unwrap().is_ok());
    assert_eq!(store.fund_queue(b).await.unwrap().len(), 1, "only the waiting request is queued");
});

on_both!(a_premier_partner_of_any_model_draws_on_its_budget, |e| async move {
    let (_db, store, b, _mgr, org) = partner(e, RevenueModel::Reseller, 100_000).await;
    let ada = owner(&store, b, org).await;
    let pool_url = _db.url.clone();
    // Set the state directly: the certification path has its own tests.
    if pool_url.starts_with("sqlite") {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&pool_url).await.unwrap();
        sqlx::query("UPDATE organisations SET certification_state = 'premier' WHERE id = $1")
            .bind(org)
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&pool_url).await.unwrap();
        sqlx::query("UPDATE organisations SET certification_state = 'premier' WHERE id = $1")
            .bind(org)
            .execute(&mut c)
            .await
            .unwrap();
    }
    let r = store.request_funds(b, &req(org, ada, day(2026, 5, 1), 100_000), audit(b, "x")).await.unwrap();
    assert!(r.is_ok());
});

on_both!(bounty_lines_carry_their_payout_state, |e| async move {
    use partner_portal::domain::certification::{CertActor, CertEvent};
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Technology, 0).await;
    let mut terms = default_terms(RevenueModel::Technology);
    terms.bounties = vec![("certified".into(), 250_000), ("listed".into(), 100_000)];
    store.add_terms_version(b, org, day(2026, 1, 5), false, &terms, mgr, audit(b, "terms")).await.unwrap();
    assert!(store.bounty_lines(b, org).await.unwrap().is_empty(), "open: no line yet");
    let steps = [
        (CertEvent::SandboxAccessGranted, CertActor::System),
        (CertEvent::IntegrationBuilt, CertActor::Partner),
        (CertEvent::SubmittedForReview, CertActor::Partner),
        (CertEvent::Passed, CertActor::Manager),
    ];
    walk_certification(&store, b, org, mgr, &steps).await;
    let lines = store.bounty_lines(b, org).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0].0.as_str(), lines[0].1.minor, lines[0].2), ("certified", 250_000, None), "earned, not paid");
    assert!(store.bounty_lines(b + 1000, org).await.unwrap().is_empty(), "another brand sees none");
});
