//! The store's conformance suite, run on both engines.

use crate::helpers::{audit, Engine, TestDb};
use crate::on_both;
use chrono::{Duration, Utc};
use partner_portal::domain::role::Role;
use partner_portal::domain::token::TokenError;
use partner_portal::server::store::{NewToken, NewUser, OutgoingEmail, Store, StoreError};
use std::sync::Arc;

async fn fresh(engine: Engine) -> (TestDb, Arc<dyn Store>) {
    let db = TestDb::new(engine).await;
    let store = db.store().await;
    (db, store)
}

fn user(brand_id: i64, email: &str) -> NewUser {
    NewUser {
        brand_id,
        email: email.into(),
        display_name: "Ada".into(),
        role: Role::Manager,
        password_hash: "$argon2id$placeholder".into(),
        created_at: Utc::now(),
    }
}

fn mail(to: &str) -> OutgoingEmail {
    OutgoingEmail { from_name: None, html: None, to: to.into(), subject: "s".into(), text: "t".into() }
}

fn token(brand_id: i64, email: &str, hash: &str, user_id: Option<i64>, role: Option<Role>) -> NewToken {
    let now = Utc::now();
    NewToken {
        token_hash: hash.into(),
        brand_id,
        email: email.into(),
        user_id,
        role,
        display_name: Some("Grace".into()),
        org: None,
        created_by: None,
        created_at: now,
        expires_at: now + Duration::hours(1),
    }
}

async fn audit_count(store: &Arc<dyn Store>, brand_id: i64) -> usize {
    store.audit_entries(brand_id, None, 1000).await.unwrap().len()
}

on_both!(migrations_are_idempotent_and_seed_the_default_brand, |e| async move {
    let (_db, store) = fresh(e).await;
    store.migrate().await.unwrap();
    let brand = store.default_brand().await.unwrap();
    assert!(brand.is_default);
    assert_eq!(brand.slug, "program");
    store.ping().await.unwrap();
});

on_both!(a_duplicate_email_is_refused_and_writes_nothing, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    store.create_user(user(b, "ada@example.com"), audit(b, "user.created")).await.unwrap();
    let before = audit_count(&store, b).await;
    let err = store.create_user(user(b, "ada@example.com"), audit(b, "user.created")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(audit_count(&store, b).await, before, "a refused change leaves no audit row");
    assert_eq!(store.list_users(b).await.unwrap().len(), 1);
});

on_both!(users_of_one_brand_are_invisible_to_another, |e| async move {
    let (_db, store) = fresh(e).await;
    let program = store.default_brand().await.unwrap().id;
    let other = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    let id = store.create_user(user(other.id, "cust@acme.example"), audit(other.id, "user.created")).await.unwrap();
    assert!(store.login_record(program, "cust@acme.example").await.unwrap().is_none());
    assert!(store.session_user(program, id).await.unwrap().is_none());
    assert!(store.list_users(program).await.unwrap().is_empty());
    assert_eq!(store.list_users(other.id).await.unwrap().len(), 1);
    assert!(store.audit_entries(program, None, 100).await.unwrap().is_empty());
    // The same address may exist once per brand.
    store.create_user(user(program, "cust@acme.example"), audit(program, "user.created")).await.unwrap();
});

on_both!(only_verified_domains_resolve_to_their_brand, |e| async move {
    let (_db, store) = fresh(e).await;
    let acme = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    store.add_domain(acme.id, "portal.acme.example", Some(Utc::now())).await.unwrap();
    store.add_domain(acme.id, "pending.acme.example", None).await.unwrap();
    assert_eq!(store.brand_for_domain("portal.acme.example").await.unwrap().map(|b| b.id), Some(acme.id));
    assert!(store.brand_for_domain("pending.acme.example").await.unwrap().is_none());
    assert!(store.brand_for_domain("unknown.example").await.unwrap().is_none());
    assert!(matches!(store.add_domain(acme.id, "portal.acme.example", None).await, Err(StoreError::Conflict(_))));
});

on_both!(a_reset_token_works_once_and_only_before_it_expires, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    let uid = store.create_user(user(b, "ada@example.com"), audit(b, "user.created")).await.unwrap();
    let epoch0 = store.login_record(b, "ada@example.com").await.unwrap().unwrap().session_epoch;
    store
        .create_password_reset(
            token(b, "ada@example.com", "h1", Some(uid), None),
            mail("ada@example.com"),
            audit(b, "x"),
        )
        .await
        .unwrap();
    let now = Utc::now();

    let unknown = store.redeem_password_reset(b, "nope", "new", now, "ip").await.unwrap_err();
    assert!(matches!(unknown, StoreError::Token(TokenError::Unknown)));
    let late = store.redeem_password_reset(b, "h1", "new", now + Duration::hours(2), "ip").await.unwrap_err();
    assert!(matches!(late, StoreError::Token(TokenError::Expired)));
    let other_brand = store.create_brand("acme", "Acme", now).await.unwrap();
    let wrong_brand = store.redeem_password_reset(other_brand.id, "h1", "new", now, "ip").await.unwrap_err();
    assert!(matches!(wrong_brand, StoreError::Token(TokenError::Unknown)));

    assert_eq!(store.redeem_password_reset(b, "h1", "newhash", now, "ip").await.unwrap(), uid);
    let rec = store.login_record(b, "ada@example.com").await.unwrap().unwrap();
    assert_eq!(rec.password_hash, "newhash");
    assert_eq!(rec.session_epoch, epoch0 + 1, "a reset ends existing sessions");
    let again = store.redeem_password_reset(b, "h1", "other", now, "ip").await.unwrap_err();
    assert!(matches!(again, StoreError::Token(TokenError::Used)));
    assert_eq!(store.login_record(b, "ada@example.com").await.unwrap().unwrap().password_hash, "newhash");
});

on_both!(a_new_reset_link_spends_the_previous_one, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    let uid = store.create_user(user(b, "ada@example.com"), audit(b, "user.created")).await.unwrap();
    store
        .create_password_reset(token(b, "ada@example.com", "old", Some(uid), None), mail("a@x.io"), audit(b, "x"))
        .await
        .unwrap();
    store
        .create_password_reset(token(b, "ada@example.com", "new", Some(uid), None), mail("a@x.io"), audit(b, "x"))
        .await
        .unwrap();
    let old = store.redeem_password_reset(b, "old", "p", Utc::now(), "ip").await.unwrap_err();
    assert!(matches!(old, StoreError::Token(TokenError::Used)));
    store.redeem_password_reset(b, "new", "p", Utc::now(), "ip").await.unwrap();
});

on_both!(an_invitation_creates_the_account_once, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    let now = Utc::now();
    store
        .create_invitation(
            token(b, "grace@example.com", "inv", None, Some(Role::Manager)),
            mail("grace@example.com"),
            audit(b, "x"),
        )
        .await
        .unwrap();
    assert_eq!(store.pending_invitations(b, now).await.unwrap().len(), 1);
    assert_eq!(store.pending_outbox_count().await.unwrap(), 1, "the email is queued with the invitation");
    let view = store.invitation(b, "inv", now).await.unwrap();
    assert_eq!((view.email.as_str(), view.role), ("grace@example.com", Role::Manager));

    let id = store.accept_invitation(b, "inv", "hash", now, "ip").await.unwrap();
    let su = store.session_user(b, id).await.unwrap().unwrap();
    assert_eq!(su.user.role, Role::Manager);
    assert_eq!(su.user.display_name, "Grace");
    assert!(store.pending_invitations(b, now).await.unwrap().is_empty());
    let again = store.accept_invitation(b, "inv", "hash", now, "ip").await.unwrap_err();
    assert!(matches!(again, StoreError::Token(TokenError::Used)));

    let dup = store
        .create_invitation(
            token(b, "grace@example.com", "inv2", None, Some(Role::Manager)),
            mail("g@x.io"),
            audit(b, "x"),
        )
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
    assert_eq!(store.pending_outbox_count().await.unwrap(), 1, "a refused invitation queues no email");
});

on_both!(attempts_are_counted_atomically_per_window_and_given_back, |e| async move {
    let (_db, store) = fresh(e).await;
    // Twenty attempts at once on one key: each gets its own count.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.count_attempt("sign_in:account", "k1", 1_000).await.unwrap() })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap());
    }
    counts.sort();
    assert_eq!(counts, (1..=20).collect::<Vec<i64>>());
    assert_eq!(store.count_attempt("sign_in:address", "k1", 1_000).await.unwrap(), 1, "scopes count apart");
    store.uncount_attempt("sign_in:account", "k1", 1_000).await.unwrap();
    assert_eq!(store.count_attempt("sign_in:account", "k1", 1_000).await.unwrap(), 20, "given back");
    store.uncount_attempt("sign_in:account", "k1", 500).await.unwrap();
    assert_eq!(
        store.count_attempt("sign_in:account", "k1", 1_000).await.unwrap(),
        21,
        "an old window gives nothing back"
    );
    assert_eq!(store.count_attempt("sign_in:account", "k1", 2_000).await.unwrap(), 1, "a new window starts afresh");
    store.prune_rate_counters(1_500).await.unwrap();
    assert_eq!(store.count_attempt("sign_in:address", "k1", 1_000).await.unwrap(), 1, "pruned");
});

on_both!(outbox_rows_are_leased_retried_and_redacted, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    store
        .create_invitation(
            token(b, "a@example.com", "t1", None, Some(Role::Manager)),
            mail("a@example.com"),
            audit(b, "x"),
        )
        .await
        .unwrap();
    let now = Utc::now();
    let claimed = store.claim_outbox(now, now + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert!(claimed[0].payload.contains("a@example.com"));
    assert!(
        store.claim_outbox(now, now + Duration::minutes(5), 10).await.unwrap().is_empty(),
        "a leased row is not handed out again"
    );
    store.retry_outbox(claimed[0].id, "smtp down", now + Duration::seconds(10)).await.unwrap();
    assert!(
        store.claim_outbox(now, now + Duration::minutes(5), 10).await.unwrap().is_empty(),
        "not before its retry time"
    );
    let later = now + Duration::seconds(11);
    let again = store.claim_outbox(later, later + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    store.finish_outbox(again[0].id, later).await.unwrap();
    assert_eq!(store.pending_outbox_count().await.unwrap(), 0);
    let expired_lease = later + Duration::hours(1);
    assert!(
        store.claim_outbox(expired_lease, expired_lease, 10).await.unwrap().is_empty(),
        "a delivered row is never sent again"
    );
});

on_both!(concurrent_workers_never_claim_the_same_row, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    for i in 0..40 {
        let email = format!("u{i}@example.com");
        store
            .create_invitation(
                token(b, &email, &format!("t{i}"), None, Some(Role::Manager)),
                mail(&email),
                audit(b, "x"),
            )
            .await
            .unwrap();
    }
    let now = Utc::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let got = s.claim_outbox(now, now + Duration::minutes(5), 3).await.unwrap();
                if got.is_empty() {
                    break ids;
                }
                ids.extend(got.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40));
});

on_both!(the_audit_log_pages_backwards_from_the_newest, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    for _ in 0..5 {
        store.record_audit(audit(b, "auth.sign_in")).await.unwrap();
    }
    let first = store.audit_entries(b, None, 3).await.unwrap();
    assert_eq!(first.len(), 3);
    assert!(first[0].id > first[1].id);
    let rest = store.audit_entries(b, Some(first[2].id), 3).await.unwrap();
    assert_eq!(rest.len(), 2);
    assert!(rest[0].id < first[2].id);
});

on_both!(a_password_change_moves_the_session_epoch, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    let uid = store.create_user(user(b, "ada@example.com"), audit(b, "user.created")).await.unwrap();
    let epoch = store.change_password(uid, "h2", audit(b, "auth.password_changed")).await.unwrap();
    assert_eq!(epoch, 1);
    let rec = store.login_record_by_id(b, uid).await.unwrap().unwrap();
    assert_eq!((rec.password_hash.as_str(), rec.session_epoch), ("h2", 1));
    let other = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    assert!(matches!(store.change_password(uid, "h3", audit(other.id, "x")).await, Err(StoreError::NotFound)));
});

on_both!(access_changes_record_before_and_after_and_disabling_ends_sessions, |e| async move {
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    let uid = store.create_user(user(b, "ada@example.com"), audit(b, "user.created")).await.unwrap();
    store.update_user_access(uid, Role::Admin, false, audit(b, "user.role_changed")).await.unwrap();
    let su = store.session_user(b, uid).await.unwrap().unwrap();
    assert_eq!((su.user.role, su.disabled, su.session_epoch), (Role::Admin, false, 0));
    store.update_user_access(uid, Role::Admin, true, audit(b, "user.disabled")).await.unwrap();
    let su = store.session_user(b, uid).await.unwrap().unwrap();
    assert_eq!((su.disabled, su.session_epoch), (true, 1));
    let log = store.audit_entries(b, None, 2).await.unwrap();
    assert_eq!(log[0].action, "user.disabled");
    let detail: serde_json::Value = serde_json::from_str(&log[0].detail).unwrap();
    assert_eq!(detail["before"]["disabled"], false);
    assert_eq!(detail["after"]["disabled"], true);
    let detail: serde_json::Value = serde_json::from_str(&log[1].detail).unwrap();
    assert_eq!((detail["before"]["role"].as_str(), detail["after"]["role"].as_str()), (Some("manager"), Some("admin")));
    let other = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    assert!(matches!(
        store.update_user_access(uid, Role::Manager, false, audit(other.id, "x")).await,
        Err(StoreError::NotFound)
    ));
});

on_both!(the_user_list_is_searched_ordered_and_paged_by_the_database_within_its_brand, |e| async move {
    use partner_portal::domain::account::{UserColumn, UserSort};
    use partner_portal::domain::listing::like_pattern;
    let (_db, store) = fresh(e).await;
    let b = store.default_brand().await.unwrap().id;
    let other = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    let t0 = Utc::now();
    for (i, (email, name, role)) in [
        ("zoe@example.com", "Zoë Admin", Role::Admin),
        ("bob@example.com", "bob 100%", Role::Manager),
        ("ada@example.com", "Ada", Role::Manager),
    ]
    .into_iter()
    .enumerate()
    {
        let u =
            NewUser { display_name: name.into(), role, created_at: t0 + Duration::minutes(i as i64), ..user(b, email) };
        store.create_user(u, audit(b, "user.created")).await.unwrap();
    }
    store.create_user(user(other.id, "ada@other.example"), audit(other.id, "user.created")).await.unwrap();
    let store = &store;
    let list = |column, descending, search: Option<&'static str>, offset| async move {
        let pattern = search.map(like_pattern);
        let sort = UserSort { column, descending };
        let (users, total) = store.users_page(b, sort, pattern.as_deref(), offset, 2).await.unwrap();
        (users.into_iter().map(|u| u.email).collect::<Vec<_>>(), total)
    };
    let emails = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(list(UserColumn::Email, false, None, 0).await, (emails(&["ada@example.com", "bob@example.com"]), 3));
    assert_eq!(list(UserColumn::Email, false, None, 2).await, (emails(&["zoe@example.com"]), 3));
    assert_eq!(list(UserColumn::Since, true, None, 0).await.0, emails(&["ada@example.com", "bob@example.com"]));
    assert_eq!(list(UserColumn::Name, true, None, 0).await.0, emails(&["zoe@example.com", "bob@example.com"]));
    assert_eq!(list(UserColumn::Role, false, None, 0).await.0, emails(&["zoe@example.com", "ada@example.com"]));
    // Any case, in email or name, wildcards literal, this brand only.
    assert_eq!(list(UserColumn::Email, false, Some("ADA"), 0).await, (emails(&["ada@example.com"]), 1));
    assert_eq!(list(UserColumn::Email, false, Some("100%"), 0).await, (emails(&["bob@example.com"]), 1));
    assert_eq!(list(UserColumn::Email, false, Some("_"), 0).await, (vec![], 0));
});
