//! The revenue ledger in the store, both engines: imports, statements,
//! closing, payouts and rollups.

use crate::helpers::{any_mail as mail, at, audit, store_partner, walk_certification, Engine, TestDb};
use crate::on_both;
use chrono::{TimeZone, Utc};
use partner_portal::domain::application::RevenueModel;
use partner_portal::domain::ledger::{
    EventInput, EventKind, ImportRecord, LineKind, Month, PayoutStatus, StatementStatus,
};
use partner_portal::domain::revenue::{Currency, Money};
use partner_portal::domain::terms::default_terms;
use partner_portal::server::store::{ImportBatch, ImportOutcome, NewAudit, Store, StoreError};
use std::sync::Arc;

fn audit_at(b: i64, when: chrono::DateTime<Utc>) -> NewAudit {
    NewAudit { at: when, ..audit(b, "revenue.test") }
}

fn month(y: i32, m: u32) -> Month {
    Month { year: y, month: m }
}

/// A partner of `model` approved on 2026-01-05 under the default terms:
/// (db, store, brand, manager, org).
async fn partner(e: Engine, model: RevenueModel) -> (TestDb, Arc<dyn Store>, i64, i64, i64) {
    store_partner(e, model, default_terms(model)).await
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

fn ev(org: i64, row: usize, ext: &str, kind: EventKind, minor: i64, on: chrono::DateTime<Utc>) -> EventInput {
    EventInput {
        row,
        organisation_id: org,
        customer: "Globex".into(),
        occurred_ms: on.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis(),
        kind,
        amount: usd(minor),
        refunds: (kind == EventKind::Refund).then(|| "inv-1".to_owned()),
        external_id: ext.into(),
        customer_price_minor: None,
    }
}

async fn import(store: &Arc<dyn Store>, b: i64, mgr: i64, rows: Vec<EventInput>) -> Result<ImportRecord, Vec<String>> {
    let batch = ImportBatch { source: "test.csv".into(), row_count: rows.len(), rows, created_by: mgr, dry_run: false };
    match store.import_revenue(b, batch, audit_at(b, at(2026, 11, 22))).await.unwrap() {
        ImportOutcome::Imported(r) => Ok(r),
        ImportOutcome::Checked(_) => panic!("an import that is not a check was only checked"),
        ImportOutcome::Rejected(errors) => {
            Err(errors.into_iter().map(|e| format!("{}:{}", e.row, e.message)).collect())
        }
    }
}

/// Checks every statement's stored total against the sum of its lines.
async fn assert_totals_match_lines(store: &Arc<dyn Store>, b: i64, org: i64) {
    for s in store.statements(b, Some(org), None).await.unwrap() {
        let (s, lines) = store.statement(b, s.id).await.unwrap().unwrap();
        assert_eq!(s.lines_total_minor, lines.iter().map(|l| l.amount.minor).sum::<i64>(), "{}", s.month);
    }
}

on_both!(a_checked_import_returns_its_plan_and_writes_nothing, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let rows = vec![
        ev(org, 2, "inv-1", EventKind::Invoice, 100_000, at(2026, 9, 10)),
        ev(org, 3, "ref-1", EventKind::Refund, 40_000, at(2026, 10, 2)),
    ];
    let batch =
        ImportBatch { source: "t.csv".into(), row_count: 2, rows: rows.clone(), created_by: mgr, dry_run: true };
    match store.import_revenue(b, batch, audit_at(b, at(2026, 11, 22))).await.unwrap() {
        ImportOutcome::Checked(plan) => assert_eq!(plan.new.len(), 2),
        other => panic!("a check of good rows gave {other:?}"),
    }
    assert!(store.statements(b, Some(org), None).await.unwrap().is_empty(), "a check writes no statement");
    assert!(store.revenue_imports(b, None, None, 10).await.unwrap().is_empty(), "nor an import");
    // The same rows imported for real then go through as planned.
    assert_eq!(import(&store, b, mgr, rows).await.unwrap().new_count, 2);
});

on_both!(an_import_writes_lines_statements_and_rollups_and_a_second_import_changes_nothing, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let rows = vec![
        ev(org, 2, "inv-1", EventKind::Invoice, 100_000, at(2026, 9, 10)),
        ev(org, 3, "inv-2", EventKind::Invoice, 12_345, at(2026, 10, 1)),
        ev(org, 4, "ref-1", EventKind::Refund, 40_000, at(2026, 10, 2)),
    ];
    let first = import(&store, b, mgr, rows.clone()).await.unwrap();
    assert_eq!((first.new_count, first.unchanged_count), (3, 0));
    let statements = store.statements(b, Some(org), None).await.unwrap();
    let months: Vec<_> = statements.iter().map(|s| (s.month, s.lines_total_minor)).collect();
    // 20 % margin: 200.00; then 24.69 (24.69 from 24.690) minus 80.00.
    assert_eq!(months, vec![(month(2026, 10), 2_469 - 8_000), (month(2026, 9), 20_000)]);
    let (_, lines) = store.statement(b, statements[0].id).await.unwrap().unwrap();
    assert_eq!(lines[1].kind, LineKind::Clawback);
    assert_eq!((lines[1].refunds_external_id.as_deref(), lines[1].terms_version), (Some("inv-1"), Some(1)));
    let figures = store.monthly_figures(b, Some(org), month(2026, 1), month(2026, 12)).await.unwrap();
    let got: Vec<_> = figures.iter().map(|f| (f.month, f.revenue_minor, f.commission_minor)).collect();
    assert_eq!(got, vec![(month(2026, 9), 100_000, 20_000), (month(2026, 10), 12_345 - 40_000, 2_469 - 8_000)]);
    let customers = store.customer_figures(b, org, month(2026, 1), month(2026, 12)).await.unwrap();
    assert_eq!((customers[0].customer.as_str(), customers[0].revenue_minor), ("Globex", 72_345));

    let again = import(&store, b, mgr, rows).await.unwrap();
    assert_eq!((again.new_count, again.unchanged_count), (0, 3));
    assert_eq!(store.monthly_figures(b, Some(org), month(2026, 1), month(2026, 12)).await.unwrap(), figures);
    assert_totals_match_lines(&store, b, org).await;
    let imports = store.revenue_imports(b, None, None, 10).await.unwrap();
    assert_eq!(imports.len(), 2);
    // Newest first, a page at a time, and narrowed to what was imported.
    let older = store.revenue_imports(b, Some(imports[0].id), None, 10).await.unwrap();
    assert_eq!(older.iter().map(|i| i.id).collect::<Vec<_>>(), [imports[1].id]);
    assert_eq!(store.revenue_imports(b, None, Some(true), 10).await.unwrap().len(), 2);
    assert!(store.revenue_imports(b, None, Some(false), 10).await.unwrap().is_empty());
});

on_both!(one_bad_row_leaves_the_ledger_untouched, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let rows = vec![
        ev(org, 2, "inv-1", EventKind::Invoice, 100_000, at(2026, 9, 10)),
        ev(org, 3, "ref-1", EventKind::Refund, 100_001, at(2026, 9, 11)),
    ];
    let errors = import(&store, b, mgr, rows).await.unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("3:"), "{errors:?}");
    assert!(store.statements(b, Some(org), None).await.unwrap().is_empty());
    assert!(store.monthly_figures(b, None, month(2026, 1), month(2026, 12)).await.unwrap().is_empty());
    assert!(store.revenue_imports(b, None, None, 10).await.unwrap().is_empty(), "the store keeps no trace by itself");
    // Events dated before the partner's first terms have nothing to compute with.
    let early = import(&store, b, mgr, vec![ev(org, 2, "inv-0", EventKind::Invoice, 1, at(2026, 1, 4))]).await;
    assert!(early.unwrap_err()[0].contains("No revenue-share terms"));
    let id = store.record_rejected_import(b, "bad.csv", 2, &[], audit_at(b, at(2026, 11, 22))).await.unwrap();
    let rec = store.revenue_import(b, id).await.unwrap().unwrap();
    assert!(!rec.imported);
});

on_both!(statements_close_in_order_pay_positive_balances_and_carry_negative_ones, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    import(
        &store,
        b,
        mgr,
        vec![
            ev(org, 2, "inv-1", EventKind::Invoice, 100_000, at(2026, 8, 10)),
            ev(org, 3, "inv-2", EventKind::Invoice, 10_000, at(2026, 9, 10)),
        ],
    )
    .await
    .unwrap();
    let now = month(2026, 11);
    let list = store.statements(b, Some(org), None).await.unwrap();
    let (sep, aug) = (list[0].id, list[1].id);
    let out_of_order = store.close_statement(b, sep, now, mgr, vec![], audit_at(b, at(2026, 11, 2))).await.unwrap_err();
    assert!(matches!(out_of_order, StoreError::Rule(ref m) if m.contains("August 2026")), "{out_of_order:?}");
    store.close_statement(b, aug, now, mgr, vec![mail()], audit_at(b, at(2026, 11, 2))).await.unwrap();
    // A refund dated in closed August arrives late: it lands in September, labelled August.
    import(&store, b, mgr, vec![ev(org, 2, "ref-1", EventKind::Refund, 90_000, at(2026, 8, 20))]).await.unwrap();
    let (s, lines) = store.statement(b, sep).await.unwrap().unwrap();
    let late = lines.iter().find(|l| l.kind == LineKind::Clawback).unwrap();
    assert_eq!((late.belongs, late.adjustment, late.amount.minor), (month(2026, 8), true, -18_000));
    assert_eq!(s.lines_total_minor, 2_000 - 18_000);
    store.close_statement(b, sep, now, mgr, vec![], audit_at(b, at(2026, 11, 2))).await.unwrap();
    let closed = store.statement(b, sep).await.unwrap().unwrap().0;
    assert_eq!(
        (closed.status, closed.balance_minor, closed.payout.is_none()),
        (StatementStatus::Closed, Some(-16_000), true)
    );
    // Closed statements never change: August still shows what it closed with.
    let aug_now = store.statement(b, aug).await.unwrap().unwrap();
    assert_eq!((aug_now.0.balance_minor, aug_now.1.len()), (Some(20_000), 1));
    // October carries September's negative balance in.
    import(&store, b, mgr, vec![ev(org, 2, "inv-3", EventKind::Invoice, 100_000, at(2026, 10, 3))]).await.unwrap();
    let oct = store.statements(b, Some(org), Some(StatementStatus::Open)).await.unwrap()[0].id;
    store.close_statement(b, oct, now, mgr, vec![], audit_at(b, at(2026, 11, 2))).await.unwrap();
    let oct = store.statement(b, oct).await.unwrap().unwrap().0;
    assert_eq!((oct.carried_in_minor, oct.balance_minor), (-16_000, Some(4_000)));
    assert_eq!(oct.payout.as_ref().map(|p| p.amount.minor), Some(4_000));
    // November is not over yet.
    import(&store, b, mgr, vec![ev(org, 2, "inv-4", EventKind::Invoice, 1_000, at(2026, 11, 3))]).await.unwrap();
    let nov = store.statements(b, Some(org), Some(StatementStatus::Open)).await.unwrap()[0].id;
    let early = store.close_statement(b, nov, now, mgr, vec![], audit_at(b, at(2026, 11, 3))).await.unwrap_err();
    assert!(matches!(early, StoreError::Rule(_)));
    assert_eq!(store.pending_outbox_count().await.unwrap(), 3, "two applicant emails and one statement email");

    // Payouts: pending → approved → paid, each at the version seen.
    let pending = store.payouts(b, Some(PayoutStatus::Pending)).await.unwrap();
    assert_eq!(pending.len(), 2);
    // The program page lists the oldest waiting payouts and counts the rest,
    // and the statements of finished months still open.
    let (waiting, total) = store.payouts_waiting(b, 1).await.unwrap();
    assert_eq!((waiting.len(), total, waiting[0].id), (1, 2, pending[0].id));
    let (closable, total) = store.closable_statements(b, month(2026, 11), 10).await.unwrap();
    assert!(closable.iter().all(|s| s.status == StatementStatus::Open && s.month < month(2026, 11)));
    assert_eq!(closable.len() as i64, total);
    let (_, later) = store.closable_statements(b, month(2026, 12), 10).await.unwrap();
    assert_eq!(later, total + 1, "November counts once it is over");
    // Its totals and ranking add up what the partner's own figures say.
    let own = store.monthly_figures(b, Some(org), month(2026, 1), month(2026, 11)).await.unwrap();
    let program = store.program_monthly_totals(b, month(2026, 1), month(2026, 11)).await.unwrap();
    let key = |f: &partner_portal::domain::ledger::MonthlyFigure| (f.month, f.revenue_minor, f.commission_minor);
    assert_eq!(program.iter().map(key).collect::<Vec<_>>(), own.iter().map(key).collect::<Vec<_>>());
    let top = store.top_partners(b, 2026, true, 20).await.unwrap();
    let (revenue, commission) = own.iter().fold((0, 0), |t, f| (t.0 + f.revenue_minor, t.1 + f.commission_minor));
    assert_eq!(top.iter().map(|t| (t.0, t.3, t.4)).collect::<Vec<_>>(), vec![(org, revenue, commission)]);
    assert!(store.top_partners(b, 2026, false, 0).await.unwrap().is_empty());
    let p = pending[0].clone();
    store.move_payout(b, &p, PayoutStatus::Approved, None, mgr, audit_at(b, at(2026, 11, 4))).await.unwrap();
    let stale = store.move_payout(b, &p, PayoutStatus::Approved, None, mgr, audit_at(b, at(2026, 11, 4))).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    // Waiting: those to approve first, then those to pay, each oldest first.
    let (waiting, total) = store.payouts_waiting(b, 10).await.unwrap();
    let order: Vec<_> = waiting.iter().map(|w| (w.id, w.status)).collect();
    assert_eq!((order, total), (vec![(pending[1].id, PayoutStatus::Pending), (p.id, PayoutStatus::Approved)], 2));
    let approved = store.payouts(b, Some(PayoutStatus::Approved)).await.unwrap().remove(0);
    store
        .move_payout(b, &approved, PayoutStatus::Paid, Some("WIRE-1"), mgr, audit_at(b, at(2026, 11, 5)))
        .await
        .unwrap();
    let paid = store.payouts(b, Some(PayoutStatus::Paid)).await.unwrap().remove(0);
    assert_eq!(paid.reference.as_deref(), Some("WIRE-1"));
    assert_totals_match_lines(&store, b, org).await;
});

on_both!(a_reseller_earns_the_volume_bonus_of_the_threshold_its_quarter_reached, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let mut terms = default_terms(RevenueModel::Reseller);
    terms.bonus_schedule = vec![(200_000, 5_000), (500_000, 20_000)];
    let from = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap().timestamp_millis();
    assert_eq!(store.add_terms_version(b, org, from, false, &terms, mgr, audit(b, "terms")).await.unwrap(), 2);
    let before = store.add_terms_version(b, org, from - 1, false, &terms, mgr, audit(b, "terms")).await.unwrap_err();
    assert!(matches!(before, StoreError::Rule(_)));
    import(
        &store,
        b,
        mgr,
        vec![
            ev(org, 2, "inv-1", EventKind::Invoice, 150_000, at(2026, 7, 10)),
            ev(org, 3, "inv-2", EventKind::Invoice, 100_000, at(2026, 9, 10)),
        ],
    )
    .await
    .unwrap();
    for s in store.statements(b, Some(org), None).await.unwrap().into_iter().rev() {
        store.close_statement(b, s.id, month(2026, 11), mgr, vec![], audit(b, "close")).await.unwrap();
    }
    let sep = store.statements(b, Some(org), None).await.unwrap().remove(0);
    let (_, lines) = store.statement(b, sep.id).await.unwrap().unwrap();
    let bonus = lines.iter().find(|l| l.kind == LineKind::Bonus).unwrap();
    assert_eq!((bonus.base.minor, bonus.amount.minor, bonus.terms_version), (250_000, 5_000, Some(2)));
    assert_eq!(sep.balance_minor, Some(20_000 + 5_000));
    assert_totals_match_lines(&store, b, org).await;
});

on_both!(a_backdated_version_goes_before_the_others_and_applies_until_the_next_takes_effect, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let first = store.terms_versions(b, org).await.unwrap()[0].effective_from_ms;
    let mut older = default_terms(RevenueModel::Reseller);
    older.margin_bps = Some(2_500);
    let earlier = first - 90 * 86_400_000;
    let refused = store.add_terms_version(b, org, earlier, false, &older, mgr, audit(b, "terms")).await.unwrap_err();
    assert!(matches!(refused, StoreError::Rule(_)), "only a backdated version may go before the latest");
    assert_eq!(store.add_terms_version(b, org, earlier, true, &older, mgr, audit(b, "terms")).await.unwrap(), 2);
    let versions = store.terms_versions(b, org).await.unwrap();
    let in_force = |at: i64| partner_portal::domain::terms::in_force(&versions, at).map(|v| v.version);
    assert_eq!(
        (in_force(earlier - 1), in_force(earlier), in_force(first - 1), in_force(first)),
        (None, Some(2), Some(2), Some(1))
    );
});

on_both!(a_technology_partner_earns_its_certification_bounty_once, |e| async move {
    use partner_portal::domain::certification::{CertActor, CertEvent};
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Technology).await;
    let mut terms = default_terms(RevenueModel::Technology);
    terms.bounties = vec![("certified".into(), 250_000)];
    let from = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap().timestamp_millis();
    store.add_terms_version(b, org, from, false, &terms, mgr, audit(b, "terms")).await.unwrap();
    let steps = [
        (CertEvent::SandboxAccessGranted, CertActor::System),
        (CertEvent::IntegrationBuilt, CertActor::Partner),
        (CertEvent::SubmittedForReview, CertActor::Partner),
        (CertEvent::Passed, CertActor::Manager),
        (CertEvent::Published, CertActor::Manager),
    ];
    walk_certification(&store, b, org, mgr, &steps).await;
    let statements = store.statements(b, Some(org), None).await.unwrap();
    assert_eq!(statements.len(), 1);
    let (s, lines) = store.statement(b, statements[0].id).await.unwrap().unwrap();
    let bounties: Vec<_> = lines.iter().map(|l| (l.kind, l.milestone.clone(), l.amount.minor)).collect();
    assert_eq!(bounties, vec![(LineKind::Bounty, Some("certified".to_owned()), 250_000)], "listed has no bounty");
    assert_eq!(s.lines_total_minor, 250_000);
});

on_both!(random_ledgers_keep_statement_totals_equal_to_their_lines_and_reimports_change_nothing, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Referral).await;
    // A small deterministic generator: the same "random" ledger every run.
    let mut seed: u64 = 0x5eed_1234_abcd;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut batches: Vec<Vec<EventInput>> = Vec::new();
    let mut invoices: Vec<(String, String, i64, i64, chrono::DateTime<Utc>)> = Vec::new();
    for batch in 0..3 {
        let mut rows = Vec::new();
        for i in 0..25 {
            let row = rows.len() + 2;
            let day = at(2026, 2 + next(9) as u32, 1 + next(28) as u32);
            let refundable = invoices.iter().position(|(_, _, total, left, on)| *left > 0 && *on <= day && *total > 0);
            if let Some(k) = refundable.filter(|_| next(4) == 0) {
                let part = 1 + next(invoices[k].3 as u64) as i64;
                invoices[k].3 -= part;
                let mut r = ev(org, row, &format!("ref-{batch}-{i}"), EventKind::Refund, part, day);
                r.customer = invoices[k].1.clone();
                r.refunds = Some(invoices[k].0.clone());
                rows.push(r);
            } else {
                let minor = 1 + next(500_000) as i64;
                let mut inv = ev(org, row, &format!("inv-{batch}-{i}"), EventKind::Invoice, minor, day);
                inv.customer = format!("customer-{}", next(5));
                invoices.push((inv.external_id.clone(), inv.customer.clone(), minor, minor, day));
                rows.push(inv);
            }
        }
        batches.push(rows);
    }
    for (i, rows) in batches.iter().enumerate() {
        let rec = import(&store, b, mgr, rows.clone()).await.unwrap();
        assert_eq!(rec.new_count as usize, rows.len());
        if i == 0 {
            // Close the oldest months so later batches land partly as adjustments.
            let mut open = store.statements(b, Some(org), Some(StatementStatus::Open)).await.unwrap();
            open.sort_by_key(|s| s.month);
            for s in open.iter().take(3) {
                store.close_statement(b, s.id, month(2026, 11), mgr, vec![], audit(b, "close")).await.unwrap();
            }
        }
    }
    assert_totals_match_lines(&store, b, org).await;
    let figures = store.monthly_figures(b, Some(org), month(2026, 1), month(2026, 12)).await.unwrap();
    let lines_sum: i64 = {
        let mut sum = 0;
        for s in store.statements(b, Some(org), None).await.unwrap() {
            sum += store.statement(b, s.id).await.unwrap().unwrap().1.iter().map(|l| l.amount.minor).sum::<i64>();
        }
        sum
    };
    assert_eq!(figures.iter().map(|f| f.commission_minor).sum::<i64>(), lines_sum, "rollups agree with the lines");
    for rows in &batches {
        let again = import(&store, b, mgr, rows.clone()).await.unwrap();
        assert_eq!((again.new_count, again.unchanged_count as usize), (0, rows.len()));
    }
    assert_eq!(store.monthly_figures(b, Some(org), month(2026, 1), month(2026, 12)).await.unwrap(), figures);
});

on_both!(a_quarter_without_revenue_in_its_last_month_still_gets_its_bonus, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let mut terms = default_terms(RevenueModel::Reseller);
    terms.bonus_schedule = vec![(100_000, 7_000)];
    let from = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap().timestamp_millis();
    store.add_terms_version(b, org, from, false, &terms, mgr, audit(b, "terms")).await.unwrap();
    import(&store, b, mgr, vec![ev(org, 2, "inv-1", EventKind::Invoice, 150_000, at(2026, 7, 10))]).await.unwrap();
    let q3 = month(2026, 9).quarter_months();
    assert_eq!(store.open_quarter_end_statements(b, &[q3], 0).await.unwrap(), 1);
    assert_eq!(store.open_quarter_end_statements(b, &[q3], 0).await.unwrap(), 0, "opened once");
    let mut open = store.statements(b, Some(org), Some(StatementStatus::Open)).await.unwrap();
    open.sort_by_key(|s| s.month);
    assert_eq!(open.iter().map(|s| s.month).collect::<Vec<_>>(), vec![month(2026, 7), month(2026, 9)]);
    for s in &open {
        store.close_statement(b, s.id, month(2026, 11), mgr, vec![], audit(b, "close")).await.unwrap();
    }
    let sep = store.statement(b, open[1].id).await.unwrap().unwrap();
    assert_eq!(sep.1.iter().map(|l| (l.kind, l.amount.minor)).collect::<Vec<_>>(), vec![(LineKind::Bonus, 7_000)]);
    assert_eq!(sep.0.payout.map(|p| p.amount.minor), Some(7_000));
});

on_both!(a_referral_line_dates_its_first_year_from_the_customers_first_invoice_in_any_earlier_import, |e| async move {
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Referral).await;
    import(&store, b, mgr, vec![ev(org, 2, "inv-1", EventKind::Invoice, 10_000, at(2026, 2, 3))]).await.unwrap();
    let mut other = ev(org, 3, "inv-3", EventKind::Invoice, 10_000, at(2026, 5, 6));
    other.customer = "Initech".into();
    import(&store, b, mgr, vec![ev(org, 2, "inv-2", EventKind::Invoice, 10_000, at(2026, 5, 5)), other]).await.unwrap();
    let may = store.statements(b, Some(org), None).await.unwrap().into_iter().find(|s| s.month == month(2026, 5));
    let (_, lines) = store.statement(b, may.unwrap().id).await.unwrap().unwrap();
    let first =
        |ext: &str| lines.iter().find(|l| l.event_external_id.as_deref() == Some(ext)).unwrap().first_invoice_ms;
    let day =
        |d: chrono::DateTime<Utc>| Some(d.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis());
    assert_eq!(first("inv-2"), day(at(2026, 2, 3)), "Globex was first invoiced in the earlier import");
    assert_eq!(first("inv-3"), day(at(2026, 5, 6)), "Initech's first invoice is this one");
});

on_both!(the_statement_list_is_narrowed_searched_ordered_and_paged_by_the_database_within_its_brand, |e| async move {
    use partner_portal::domain::listing::like_pattern;
    use partner_portal::domain::statement::{StatementColumn, StatementShow, StatementSort};
    use partner_portal::server::store::StatementFilter;
    let (_db, store, b, mgr, org) = partner(e, RevenueModel::Reseller).await;
    let rows = vec![
        ev(org, 2, "inv-1", EventKind::Invoice, 100_000, at(2026, 8, 10)),
        ev(org, 3, "inv-2", EventKind::Invoice, 50_000, at(2026, 9, 10)),
        ev(org, 4, "inv-3", EventKind::Invoice, 10_000, at(2026, 10, 10)),
    ];
    import(&store, b, mgr, rows).await.unwrap();
    let newest_first = store.statements(b, Some(org), None).await.unwrap();
    let (oct, sep, aug) = (newest_first[0].id, newest_first[1].id, newest_first[2].id);
    for id in [aug, sep] {
        store.close_statement(b, id, month(2026, 11), mgr, vec![], audit_at(b, at(2026, 11, 2))).await.unwrap();
    }
    let store = &store;
    let list = |brand: i64, show: StatementShow, column, descending, search: Option<&'static str>, offset| async move {
        let (status, payout) = show.states();
        let filter = StatementFilter { search: search.map(like_pattern), status, payout };
        let sort = StatementSort { column, descending };
        let (page, total) = store.statements_page(brand, &filter, sort, offset, 2).await.unwrap();
        (page.iter().map(|s| s.id).collect::<Vec<_>>(), total)
    };
    use StatementColumn::{Balance, Commission, Month as M};
    use StatementShow::{All, AwaitingApproval, AwaitingPayment, Closed, Open};
    assert_eq!(list(b, All, M, true, None, 0).await, (vec![oct, sep], 3));
    assert_eq!(list(b, All, M, true, None, 2).await, (vec![aug], 3), "the second page");
    // Commission: 20 % of 1,000.00, 500.00 and 100.00.
    assert_eq!(list(b, All, Commission, true, None, 0).await, (vec![aug, sep], 3));
    assert_eq!(list(b, All, Commission, false, None, 0).await, (vec![oct, sep], 3));
    // October is open and has no balance: last in either direction.
    assert_eq!(list(b, All, Balance, false, None, 0).await, (vec![sep, aug], 3));
    assert_eq!(list(b, All, Balance, true, None, 2).await, (vec![oct], 3));
    assert_eq!(list(b, Open, M, true, None, 0).await, (vec![oct], 1));
    assert_eq!(list(b, Closed, M, true, None, 0).await, (vec![sep, aug], 2));
    assert_eq!(list(b, AwaitingApproval, M, true, None, 0).await, (vec![sep, aug], 2));
    let aug_payout = store.statement(b, aug).await.unwrap().unwrap().0.payout.unwrap();
    store.move_payout(b, &aug_payout, PayoutStatus::Approved, None, mgr, audit_at(b, at(2026, 11, 3))).await.unwrap();
    assert_eq!(list(b, AwaitingApproval, M, true, None, 0).await, (vec![sep], 1));
    assert_eq!(list(b, AwaitingPayment, M, true, None, 0).await, (vec![aug], 1));
    // The partner's name, in any case; wildcards are taken literally.
    assert_eq!(list(b, Open, M, true, Some("aCM"), 0).await, (vec![oct], 1));
    assert_eq!(list(b, All, M, true, Some("a%"), 0).await, (vec![], 0));
    let other = store.create_brand("other", "Other", Utc::now()).await.unwrap();
    assert_eq!(list(other.id, All, M, true, None, 0).await, (vec![], 0), "another brand sees none of them");
});
