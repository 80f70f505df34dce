//! `partner-portal seed` on both engines: every application and
//! certification state, a ledger with statements, agents, tickets, and a
//! refusal to seed a database that already holds a program.

use crate::helpers::{scalar, Engine, TestDb};
use crate::on_both;
use partner_portal::server::config::{Config, Secret};
use partner_portal::server::seed::{seed, SeedOptions};
use sqlx::Connection;

on_both!(seeding_makes_every_state_a_ledger_agents_and_tickets_and_refuses_a_second_time, |e: Engine| async move {
    let db = TestDb::new(e).await;
    let config = Config { database_url: Secret::new(&db.url), ..Config::default() };
    let opts = SeedOptions { partners: 40, ledger: 4_000, demo: false, password: "seeded password 2026".into() };
    let made = seed(&config, &opts).await.unwrap();
    assert_eq!((made.partners, made.approved, made.ledger_rows), (40, 32, 4_000));
    assert_eq!(made.api_partners.len(), 2);

    let url = db.url.clone();
    let count = move |sql: String| {
        let url = url.clone();
        async move { scalar(&url, &sql).await }
    };
    assert_eq!(count("SELECT COUNT(*) FROM applications".into()).await, 40);
    for status in ["submitted", "info_requested", "rejected", "approved"] {
        let n = count(format!("SELECT COUNT(*) FROM applications WHERE status = '{status}'")).await;
        assert!(n > 0, "no application {status}");
    }
    let states = count("SELECT COUNT(DISTINCT certification_state) FROM organisations".into()).await;
    assert_eq!(states, 10, "every certification state");
    assert_eq!(count("SELECT COUNT(*) FROM revenue_events".into()).await, 4_000);
    assert!(count("SELECT COUNT(*) FROM statements".into()).await > 0);
    assert!(count("SELECT COUNT(*) FROM agents".into()).await > 0);
    assert!(count("SELECT COUNT(*) FROM support_tickets".into()).await > 0);
    // Everyone seeded signs in with the one password.
    let hashes = count("SELECT COUNT(DISTINCT password_hash) FROM users".into()).await;
    assert_eq!(hashes, 1);

    // The program's rollups agree with the partners' own figures.
    use partner_portal::domain::ledger::Month;
    use std::collections::BTreeMap;
    let store = db.store().await;
    let (first, last) = (Month { year: 2000, month: 1 }, Month { year: 2100, month: 12 });
    let all = store.monthly_figures(1, None, first, last).await.unwrap();
    let mut by_month: BTreeMap<(Month, String), (i64, i64)> = BTreeMap::new();
    let mut by_partner: BTreeMap<(i32, i64), i64> = BTreeMap::new();
    for f in &all {
        let e = by_month.entry((f.month, f.currency.code().to_owned())).or_default();
        (e.0, e.1) = (e.0 + f.revenue_minor, e.1 + f.commission_minor);
        *by_partner.entry((f.month.year, f.organisation_id)).or_default() += f.revenue_minor;
    }
    let program = store.program_monthly_totals(1, first, last).await.unwrap();
    let program: BTreeMap<(Month, String), (i64, i64)> = program
        .into_iter()
        .map(|f| ((f.month, f.currency.code().to_owned()), (f.revenue_minor, f.commission_minor)))
        .collect();
    assert_eq!(program, by_month);
    let year = all.iter().map(|f| f.month.year).max().unwrap();
    let mut expected: Vec<(i64, i64)> =
        by_partner.iter().filter(|((y, _), _)| *y == year).map(|((_, o), r)| (*o, *r)).collect();
    expected.sort_by_key(|e| std::cmp::Reverse(e.1));
    expected.truncate(5);
    let top = store.top_partners(1, year, false, 5).await.unwrap();
    assert_eq!(top.iter().map(|t| (t.0, t.3)).collect::<Vec<_>>(), expected, "the year's top five by revenue");

    let again = seed(&config, &opts).await.unwrap_err().to_string();
    assert!(again.contains("already holds applications"), "{again}");
    assert_eq!(count("SELECT COUNT(*) FROM applications".into()).await, 40, "nothing added");
});

on_both!(
    the_review_queue_and_the_partner_list_show_fifty_a_page_with_links_that_keep_the_filters,
    |e: Engine| async move {
        use leptos::server_fn::ServerFn;
        use partner_portal::api::partners::GetApplicationQueue;
        use partner_portal::views::partners::QueueView;
        let app = crate::helpers::TestApp::start(e).await;
        let config = Config { database_url: Secret::new(&app._db.url), ..Config::default() };
        let password = "seeded password 2026";
        let opts = SeedOptions { partners: 120, ledger: 0, demo: false, password: password.into() };
        seed(&config, &opts).await.unwrap();
        let mut mgr = app.client();
        mgr.sign_in("manager@seed.example", password).await;

        let queue = |page: &'static str| {
            let mut c = app.client();
            c.cookies = mgr.cookies.clone();
            async move {
                let r = c.call(GetApplicationQueue::PATH, &[("status", ""), ("kind", ""), ("page", page)]).await;
                serde_json::from_str::<QueueView>(&r.body).unwrap_or_else(|_| panic!("{}", r.body))
            }
        };
        let first = queue("1").await;
        assert_eq!((first.page, first.pages, first.total, first.items.len()), (1, 3, 120, 50));
        let last = queue("3").await;
        assert_eq!((last.page, last.items.len()), (3, 20));
        assert!(first.items.iter().all(|a| last.items.iter().all(|b| a.id != b.id)));
        assert_eq!(queue("9").await.page, 3, "past the end: the last page");

        let far = mgr.get("/manager/applications?status=&kind=&page=18446744073709551615").await;
        assert!(far.body.contains("Page 3 of 3 (120 applications)"), "the last page: {}", far.body);
        let html = mgr.get("/manager/applications?status=&kind=&page=2").await;
        assert!(html.body.contains("Page 2 of 3 (120 applications)"), "{}", html.body);
        assert!(html.body.contains("href=\"?status=&amp;kind=&amp;page=3\""), "{}", html.body);

        // The partner list pages the same way, in the order chosen.
        use partner_portal::api::partners::GetPartnersOverview;
        use partner_portal::views::partners::PartnersOverview;
        let r = mgr.call(GetPartnersOverview::PATH, &[("sort", "progress"), ("page", "2")]).await;
        let o: PartnersOverview = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("{}", r.body));
        assert_eq!((o.page, o.pages, o.total, o.partners.len()), (2, 2, 96, 46));
        let list = |sort: &'static str, page: &'static str| {
            let mut c = app.client();
            c.cookies = mgr.cookies.clone();
            async move {
                let r = c.call(GetPartnersOverview::PATH, &[("sort", sort), ("page", page)]).await;
                serde_json::from_str::<PartnersOverview>(&r.body).unwrap_or_else(|_| panic!("{}", r.body))
            }
        };
        let (a, b) = (list("", "1").await, list("", "2").await);
        let names: Vec<&str> = a.partners.iter().chain(&b.partners).map(|p| p.organisation.as_str()).collect();
        assert!(names.windows(2).all(|w| w[0] <= w[1]) && names.len() == 96, "by name across pages: {names:?}");
        let slow = list("progress", "1").await;
        let percents: Vec<usize> = slow.partners.iter().map(|p| p.progress.percent()).collect();
        assert!(percents.windows(2).all(|w| w[0] <= w[1]), "least progress first: {percents:?}");
        let late = list("overdue", "1").await;
        let overdue: Vec<usize> = late.partners.iter().map(|p| p.progress.overdue).collect();
        assert!(overdue.windows(2).all(|w| w[0] >= w[1]) && overdue[0] > 0, "most overdue first: {overdue:?}");
        assert!(!a.stalls.is_empty(), "where partners stall is counted across the program");
        let html = mgr.get("/manager/partners?sort=progress").await;
        assert!(
            html.body.contains("Page 1 of 2 (96 partners)")
                && html.body.contains("href=\"?sort=progress&amp;dir=asc&amp;page=2\""),
            "{}",
            html.body
        );
    }
);

/// Every rollup table, as one text per row. Counts that went back to zero
/// are left out: the store keeps such a row, a backfill never makes one.
const ROLLUPS: &[&str] = &[
    "SELECT brand_id || '|' || currency || '|' || month || '|' || revenue_minor || '|' || commission_minor \
     FROM revenue_program_monthly",
    "SELECT organisation_id || '|' || currency || '|' || year || '|' || brand_id || '|' || revenue_minor || '|' || \
     commission_minor FROM revenue_yearly",
    "SELECT brand_id || '|' || title || '|' || days || '|' || n FROM onboarding_done_days WHERE n <> 0",
    "SELECT brand_id || '|' || title || '|' || due_day || '|' || n FROM onboarding_open_due WHERE n <> 0",
    "SELECT brand_id || '|' || month || '|' || n FROM statements_open_monthly WHERE n <> 0",
    "SELECT brand_id || '|' || status || '|' || n FROM payout_status_counts WHERE n <> 0",
    "SELECT brand_id || '|' || n FROM onboarding_plan_counts",
    "SELECT brand_id || '|' || status || '|' || n FROM application_status_counts WHERE n <> 0",
];

async fn rollups(url: &str) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for sql in ROLLUPS {
        let mut rows: Vec<String> = if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        };
        rows.sort();
        all.push(rows);
    }
    all
}

async fn execute(url: &str, statements: &[&str]) {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        for sql in statements {
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        for sql in statements {
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
}

on_both!(
    rollups_rebuilt_by_their_migrations_equal_the_ones_kept_while_the_program_was_written,
    |e: Engine| async move {
        use crate::helpers::audit;
        use partner_portal::domain::ledger::{Month, PayoutStatus, StatementStatus};
        let db = TestDb::new(e).await;
        let config = Config { database_url: Secret::new(&db.url), ..Config::default() };
        let opts = SeedOptions { partners: 30, ledger: 3_000, demo: false, password: "seeded password 2026".into() };
        seed(&config, &opts).await.unwrap();
        let store = db.store().await;
        let manager = scalar(&db.url, "SELECT MIN(id) FROM users WHERE role = 'manager'").await;
        // Close each partner's oldest statement of a finished month, then
        // approve one payout and pay another: every count moves.
        let now = Month::of(chrono::Utc::now());
        let mut open = store.statements(1, None, Some(StatementStatus::Open)).await.unwrap();
        open.sort_by_key(|s| (s.organisation_id, s.currency.code().to_owned(), s.month));
        open.dedup_by_key(|s| (s.organisation_id, s.currency.code().to_owned()));
        let mut closed = 0;
        for s in open.iter().filter(|s| s.month < now).take(12) {
            store.close_statement(1, s.id, now, manager, vec![], audit(1, "close")).await.unwrap();
            closed += 1;
        }
        assert!(closed >= 5, "only {closed} statements to close");
        let pending = store.payouts(1, Some(PayoutStatus::Pending)).await.unwrap();
        assert!(pending.len() >= 2, "{} payouts", pending.len());
        store.move_payout(1, &pending[0], PayoutStatus::Approved, None, manager, audit(1, "approve")).await.unwrap();
        store.move_payout(1, &pending[1], PayoutStatus::Approved, None, manager, audit(1, "approve")).await.unwrap();
        let approved = store.payouts(1, Some(PayoutStatus::Approved)).await.unwrap();
        store.move_payout(1, &approved[0], PayoutStatus::Paid, Some("W-1"), manager, audit(1, "pay")).await.unwrap();
        drop(store);

        let kept = rollups(&db.url).await;
        assert!(kept.iter().all(|rows| !rows.is_empty()), "every rollup has rows: {kept:?}");
        // The database as it was before the rollups' migrations, with all
        // the data they read; connecting applies them again.
        execute(
            &db.url,
            &[
                "DROP TABLE revenue_program_monthly",
                "DROP TABLE revenue_yearly",
                "DROP TABLE onboarding_done_days",
                "DROP TABLE onboarding_open_due",
                "DROP INDEX onboarding_items_open_by_due",
                "DROP TABLE statements_open_monthly",
                "DROP TABLE payout_status_counts",
                "DROP TABLE onboarding_plan_counts",
                "DROP TABLE application_status_counts",
                "DELETE FROM _sqlx_migrations WHERE version IN (16, 17, 19)",
            ],
        )
        .await;
        let store = db.store().await;
        assert!(store.pending_migrations().await.unwrap().is_empty());
        let rebuilt = rollups(&db.url).await;
        for (sql, (k, r)) in ROLLUPS.iter().zip(kept.iter().zip(&rebuilt)) {
            assert_eq!(k, r, "{sql}");
        }
    }
);
