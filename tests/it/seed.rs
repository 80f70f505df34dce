//! `partner-portal seed` on both engines: every application and
//! certification state, a ledger with statements, agents, tickets, and a
//! refusal to seed a database that already holds a program.

use crate::helpers::{scalar, Engine, TestDb};
use crate::on_both;
use partner_portal::server::config::{Config, Secret};
use partner_portal::server::seed::{seed, SeedOptions};

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

    let again = seed(&config, &opts).await.unwrap_err().to_string();
    assert!(again.contains("already holds applications"), "{again}");
    assert_eq!(count("SELECT COUNT(*) FROM applications".into()).await, 40, "nothing added");
});
