//! Applications, decisions and onboarding plans in the store, both engines.

use crate::helpers::{audit, Engine, TestDb};
use crate::on_both;
use chrono::{Duration, Utc};
use partner_portal::domain::application::{
    ApplicationInput, ApplicationStatus, Decision, NewApplication, RevenueModel,
};
use partner_portal::domain::certification::{CertActor, CertEvent};
use partner_portal::domain::evaluation::Scores;
use partner_portal::domain::listing::like_pattern;
use partner_portal::domain::onboarding::{
    stalls, Binding, PartnerColumn, PartnerSort, Phase, PlanItem, Stall, StallCount,
};
use partner_portal::domain::role::{OrgRole, Role};
use partner_portal::domain::terms::{default_terms, Terms};
use partner_portal::server::store::{Actor, DecisionRecord, NewToken, NewUser, OutgoingEmail, Store, StoreError};
use std::sync::Arc;

fn input(company: &str, email: &str) -> NewApplication {
    ApplicationInput {
        company: company.into(),
        website: "https://acme.example".into(),
        contact_name: "Ada".into(),
        email: email.into(),
        kind: "reseller/var".into(),
        category: "distribution_channels".into(),
        integration: "api".into(),
        revenue_model: "reseller".into(),
        pitch: "We sell.".into(),
    }
    .parse()
    .unwrap()
}

fn token(b: i64, email: &str, hash: &str) -> NewToken {
    let now = Utc::now();
    NewToken {
        token_hash: hash.into(),
        brand_id: b,
        email: email.into(),
        user_id: None,
        role: None,
        display_name: None,
        org: None,
        created_by: None,
        created_at: now,
        expires_at: now + Duration::days(7),
    }
}

fn rec<'a>(
    application_id: i64,
    version: i64,
    decision: &'a Decision,
    terms: &'a Terms,
    decided_by: i64,
) -> DecisionRecord<'a> {
    DecisionRecord { application_id, version, decision, terms, decided_by }
}

fn mail() -> OutgoingEmail {
    OutgoingEmail { from_name: None, html: None, to: "a@example.com".into(), subject: "s".into(), text: "t".into() }
}

async fn setup(e: Engine) -> (TestDb, Arc<dyn Store>, i64, i64) {
    let db = TestDb::new(e).await;
    let store = db.store().await;
    let b = store.default_brand().await.unwrap().id;
    let manager = store
        .create_user(
            NewUser {
                brand_id: b,
                email: "mgr@example.com".into(),
                display_name: "Manager".into(),
                role: Role::Manager,
                password_hash: "x".into(),
                created_at: Utc::now(),
            },
            audit(b, "user.created"),
        )
        .await
        .unwrap();
    (db, store, b, manager)
}

async fn apply(store: &Arc<dyn Store>, b: i64, company: &str, email: &str) -> i64 {
    store
        .submit_application(
            b,
            &input(company, email),
            "!",
            token(b, email, &format!("t-{email}")),
            mail(),
            audit(b, "application.submitted"),
        )
        .await
        .unwrap()
}

/// Acme applies and is approved at version 0; returns its organisation.
async fn approved_org(store: &Arc<dyn Store>, b: i64, mgr: i64) -> i64 {
    let id = apply(store, b, "Acme", "ada@acme.example").await;
    let terms = default_terms(RevenueModel::Reseller);
    store
        .decide_application(b, rec(id, 0, &Decision::Approve, &terms, mgr), mail(), audit(b, "x"))
        .await
        .unwrap()
        .unwrap()
}

on_both!(submitting_creates_the_applicant_and_a_queued_application, |e| async move {
    let (_db, store, b, _) = setup(e).await;
    let id = apply(&store, b, "Acme", "ada@acme.example").await;
    let rec = store.login_record(b, "ada@acme.example").await.unwrap().unwrap();
    let app = store.application_of_user(b, rec.user_id).await.unwrap().unwrap();
    assert_eq!((app.id, app.status), (id, ApplicationStatus::Submitted));
    assert_eq!(store.pending_outbox_count().await.unwrap(), 1);
    let before = store.audit_entries(b, None, 100).await.unwrap().len();
    let dup = store
        .submit_application(b, &input("Acme 2", "ada@acme.example"), "!", token(b, "x", "t2"), mail(), audit(b, "x"))
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
    assert_eq!(
        store.application_queue(b, "", "", 0, 100).await.unwrap().0.len(),
        1,
        "a refused application stores nothing"
    );
    assert_eq!(store.audit_entries(b, None, 100).await.unwrap().len(), before);
    assert_eq!(store.pending_outbox_count().await.unwrap(), 1);
});

on_both!(the_queue_filters_and_flags_applications_from_the_same_domain, |e| async move {
    let (_db, store, b, _) = setup(e).await;
    apply(&store, b, "Acme", "one@acme.example").await;
    apply(&store, b, "Acme Again", "two@acme.example").await;
    let q = store.application_queue(b, "submitted", "reseller", 0, 100).await.unwrap().0;
    assert_eq!(q.len(), 2);
    assert!(q.iter().all(|a| a.duplicates == 1));
    assert!(q[0].created_at_ms <= q[1].created_at_ms, "oldest first");
    assert!(store.application_queue(b, "approved", "", 0, 100).await.unwrap().0.is_empty());
    assert!(store.application_queue(b, "", "technology", 0, 100).await.unwrap().0.is_empty());
    let detail = store.application(b, q[0].id).await.unwrap().unwrap();
    assert_eq!(detail.duplicates.len(), 1);
    let other = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    assert!(store.application(other.id, q[0].id).await.unwrap().is_none(), "another brand cannot see it");
});

on_both!(a_manager_rescoring_replaces_their_scorecard, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let id = apply(&store, b, "Acme", "ada@acme.example").await;
    let notes = ["a", "b", "c", "d", "e"].map(String::from);
    store.save_scorecard(b, id, mgr, Scores([5, 5, 5, 5, 5]), &notes, audit(b, "application.scored")).await.unwrap();
    store.save_scorecard(b, id, mgr, Scores([9, 9, 8, 7, 8]), &notes, audit(b, "application.scored")).await.unwrap();
    let d = store.application(b, id).await.unwrap().unwrap();
    assert_eq!(d.scorecards.len(), 1);
    assert_eq!(d.scorecards[0].scores, Scores([9, 9, 8, 7, 8]));
    assert_eq!(d.scorecards[0].notes[4], "e");
});

on_both!(approval_creates_the_organisation_with_terms_and_a_dated_plan, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let id = apply(&store, b, "Acme", "ada@acme.example").await;
    let d = store.application(b, id).await.unwrap().unwrap();
    let terms = default_terms(RevenueModel::Reseller);
    let a = audit(b, "application.approved");
    let now = a.at;
    let org = store
        .decide_application(b, rec(id, d.version, &Decision::Approve, &terms, mgr), mail(), a)
        .await
        .unwrap()
        .unwrap();

    let user = store.login_record(b, "ada@acme.example").await.unwrap().unwrap();
    let su = store.session_user(b, user.user_id).await.unwrap().unwrap();
    let o = su.user.organisation.unwrap();
    assert_eq!((o.id, o.name.as_str(), o.org_role), (org, "Acme", OrgRole::Owner));
    assert_eq!(store.current_terms(b, org).await.unwrap().unwrap().margin_bps, Some(2_000));
    let plan = store.plan(b, org).await.unwrap();
    assert_eq!(plan.len(), 23);
    assert_eq!(plan[0].phase, Phase::Preparation);
    assert_eq!(plan[0].due_at_ms, Phase::Preparation.due(now).timestamp_millis());
    assert_eq!(plan.last().unwrap().due_at_ms, Phase::LaunchAndOptimization.due(now).timestamp_millis());

    let again =
        store.decide_application(b, rec(id, d.version, &Decision::Approve, &terms, mgr), mail(), audit(b, "x")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "a stale or repeated decision is refused");
    let page = store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Name), None, now, 0, 50).await.unwrap();
    assert_eq!((page.len(), page[0].progress.total), (1, 23), "and creates nothing");
});

on_both!(a_request_for_information_returns_to_the_queue_when_answered, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let id = apply(&store, b, "Acme", "ada@acme.example").await;
    let terms = default_terms(RevenueModel::Reseller);
    let ask = Decision::RequestInfo { question: "Which regions?".into() };
    store.decide_application(b, rec(id, 0, &ask, &terms, mgr), mail(), audit(b, "x")).await.unwrap();
    let user = store.login_record(b, "ada@acme.example").await.unwrap().unwrap().user_id;
    let mine = store.application_of_user(b, user).await.unwrap().unwrap();
    assert_eq!(
        (mine.status, mine.info_question.as_deref()),
        (ApplicationStatus::InfoRequested, Some("Which regions?"))
    );
    let early = store.save_scorecard(b, id, mgr, Scores([7; 5]), &Default::default(), audit(b, "x")).await;
    assert!(matches!(early, Err(StoreError::Conflict(_))), "no scoring while the applicant is asked");
    store.answer_application(b, user, "Europe", audit(b, "x")).await.unwrap();
    assert!(store.answer_application(b, user, "again", audit(b, "x")).await.is_err());
    let d = store.application(b, id).await.unwrap().unwrap();
    assert_eq!((d.status, d.info_answer.as_deref()), (ApplicationStatus::Submitted, Some("Europe")));
    let no = Decision::Reject { reason: "Not a fit".into() };
    store.decide_application(b, rec(id, d.version, &no, &terms, mgr), mail(), audit(b, "x")).await.unwrap();
    let d = store.application(b, id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.decision_reason.as_deref(), d.decided_by.as_deref()),
        (ApplicationStatus::Rejected, Some("Not a fit"), Some("mgr@example.com"))
    );
    assert!(d.organisation_id.is_none());
});

on_both!(plan_items_tick_by_hand_and_by_bound_events, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let org = approved_org(&store, b, mgr).await;
    let plan = store.plan(b, org).await.unwrap();
    let first = plan[0].id;
    let actor = Actor { id: Some(mgr), label: "mgr@example.com".into() };
    store.set_plan_item(b, org, first, true, &actor, audit(b, "onboarding.item_done")).await.unwrap();
    let item = store.plan(b, org).await.unwrap().into_iter().find(|i| i.id == first).unwrap();
    assert_eq!(item.done_by.as_deref(), Some("mgr@example.com"));
    store.set_plan_item(b, org, first, false, &actor, audit(b, "onboarding.item_undone")).await.unwrap();
    assert!(store.plan(b, org).await.unwrap()[0].done_at_ms.is_none());
    let other = store.create_brand("acme", "Acme", Utc::now()).await.unwrap();
    assert!(matches!(
        store.set_plan_item(other.id, org, first, true, &actor, audit(other.id, "x")).await,
        Err(StoreError::NotFound)
    ));

    assert_eq!(store.raise_onboarding_event(org, Binding::SandboxKeyCreated, Utc::now()).await.unwrap(), 1);
    assert_eq!(
        store.raise_onboarding_event(org, Binding::SandboxKeyCreated, Utc::now()).await.unwrap(),
        0,
        "only once"
    );
    let sandbox =
        store.plan(b, org).await.unwrap().into_iter().find(|i| i.binding == Some(Binding::SandboxKeyCreated)).unwrap();
    assert_eq!((sandbox.title.as_str(), sandbox.done_by.as_deref()), ("Get sandbox access", Some("system")));
});

on_both!(template_edits_leave_existing_plans_alone, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let org = approved_org(&store, b, mgr).await;
    let new_id =
        store.add_template_item(Phase::Preparation, "Meet the partner manager", None, audit(b, "x")).await.unwrap();
    let template = store.template_items().await.unwrap();
    assert_eq!(template.len(), 24);
    let added = template.iter().find(|t| t.id == new_id).unwrap();
    assert_eq!((added.phase, added.position), (Phase::Preparation, 7));
    store.remove_template_item(template[0].id, audit(b, "x")).await.unwrap();
    assert_eq!(store.plan(b, org).await.unwrap().len(), 23);
    assert!(matches!(store.remove_template_item(template[0].id, audit(b, "x")).await, Err(StoreError::NotFound)));
});

on_both!(an_organisation_keeps_at_least_one_owner, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let org = approved_org(&store, b, mgr).await;
    let ada = store.login_record(b, "ada@acme.example").await.unwrap().unwrap().user_id;
    let last = store.remove_org_member(b, org, ada, audit(b, "x")).await;
    assert!(matches!(last, Err(StoreError::Conflict(_))));
    let mut t = token(b, "co@acme.example", "co");
    t.role = Some(Role::Partner);
    t.display_name = Some("Co Owner".into());
    t.org = Some((org, OrgRole::Owner));
    store.create_invitation(t, mail(), audit(b, "x")).await.unwrap();
    assert_eq!(store.pending_org_invitations(b, org, Utc::now()).await.unwrap().len(), 1);
    let co = store.accept_invitation(b, "co", "h", Utc::now(), "ip").await.unwrap();
    let members = store.org_members(b, org).await.unwrap();
    assert_eq!(members.iter().filter(|m| m.org_role == OrgRole::Owner).count(), 2);
    store.remove_org_member(b, org, ada, audit(b, "x")).await.unwrap();
    assert!(store.session_user(b, ada).await.unwrap().unwrap().disabled);
    assert!(matches!(store.remove_org_member(b, org, co, audit(b, "x")).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.remove_org_member(b, org + 1, co, audit(b, "x")).await, Err(StoreError::NotFound)));
});

on_both!(the_partner_list_is_counted_paged_and_ordered_by_the_database, |e| async move {
    let (_db, store, b, mgr) = setup(e).await;
    let terms = default_terms(RevenueModel::Reseller);
    let mut orgs = Vec::new();
    // Created out of name order, so the name order is the store's doing.
    for (company, email) in [("Cora", "c@cora.example"), ("Acme", "a@acme.example"), ("Beta", "b@beta.example")] {
        let id = apply(&store, b, company, email).await;
        let v = store.application(b, id).await.unwrap().unwrap().version;
        let org = store
            .decide_application(
                b,
                rec(id, v, &Decision::Approve, &terms, mgr),
                mail(),
                audit(b, "application.approved"),
            )
            .await
            .unwrap()
            .unwrap();
        orgs.push(org);
    }
    let (cora, beta) = (orgs[0], orgs[2]);
    let listed =
        store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Name), None, Utc::now(), 0, 50).await.unwrap();
    let start = listed.iter().find(|p| p.organisation_id == cora).unwrap().approved_at_ms;
    let start = chrono::DateTime::from_timestamp_millis(start).unwrap();
    let later = start + Duration::days(3) + Duration::hours(1);
    store.raise_onboarding_event(cora, Binding::SandboxKeyCreated, later).await.unwrap();
    store.raise_onboarding_event(beta, Binding::SandboxKeyCreated, later).await.unwrap();
    store.raise_onboarding_event(beta, Binding::CertificationSubmitted, later).await.unwrap();
    let names = |rows: Vec<partner_portal::server::store::OrgProgress>| {
        rows.into_iter().map(|r| (r.organisation, r.progress.done, r.progress.overdue)).collect::<Vec<_>>()
    };

    assert_eq!(store.planned_partner_count(b, None).await.unwrap(), 3);
    let by_name =
        names(store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Name), None, later, 1, 2).await.unwrap());
    assert_eq!(by_name, vec![("Beta".into(), 2, 0), ("Cora".into(), 1, 0)]);
    let by_progress = names(
        store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Progress), None, later, 0, 50).await.unwrap(),
    );
    assert_eq!(by_progress, vec![("Acme".into(), 0, 0), ("Cora".into(), 1, 0), ("Beta".into(), 2, 0)]);
    // Nothing is overdue three days in, so the overdue order falls back to names.
    let by_overdue = names(
        store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Overdue), None, later, 0, 50).await.unwrap(),
    );
    assert_eq!(by_overdue.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), vec!["Acme", "Beta", "Cora"]);
    let year = later + Duration::days(365);
    let by_overdue = names(
        store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Overdue), None, year, 0, 50).await.unwrap(),
    );
    assert_eq!(by_overdue, vec![("Acme".into(), 0, 23), ("Cora".into(), 1, 22), ("Beta".into(), 2, 21)]);

    // Either direction, by approval, and a search by name (any case, with
    // wildcards taken literally) that the count agrees with.
    let store = &store;
    let page = |column, descending, search: Option<&'static str>| {
        let sort = PartnerSort { column, descending };
        let pattern = search.map(like_pattern);
        async move {
            let rows = store.partner_progress_page(b, sort, pattern.as_deref(), later, 0, 50).await.unwrap();
            let count = store.planned_partner_count(b, pattern.as_deref()).await.unwrap();
            (rows.into_iter().map(|r| r.organisation).collect::<Vec<_>>(), count)
        }
    };
    assert_eq!(page(PartnerColumn::Name, true, None).await.0, ["Cora", "Beta", "Acme"]);
    assert_eq!(page(PartnerColumn::Progress, true, None).await.0, ["Beta", "Cora", "Acme"]);
    let newest_first = page(PartnerColumn::Approved, true, None).await.0;
    assert_eq!(newest_first.len(), 3);
    assert_eq!(page(PartnerColumn::Approved, false, None).await.0, newest_first.into_iter().rev().collect::<Vec<_>>());
    assert_eq!(page(PartnerColumn::Name, false, Some("ET")).await, (vec!["Beta".to_owned()], 1));
    assert_eq!(
        page(PartnerColumn::Overdue, true, Some("a")).await,
        (vec!["Acme".into(), "Beta".into(), "Cora".into()], 3)
    );
    assert_eq!(page(PartnerColumn::Progress, false, Some("%")).await, (vec![], 0));

    let ranked = stalls(&store.stall_counts(b, year).await.unwrap());
    let sandbox = ranked.iter().find(|s| s.title == "Get sandbox access").unwrap();
    assert_eq!((sandbox.overdue, sandbox.completed, sandbox.median_days), (1, 2, Some(3)));
    assert_eq!(ranked.iter().filter(|s| s.overdue == 3).count(), 21, "every other item is overdue everywhere");
});

/// Where partners stall, counted from every plan item as the page once did:
/// completions by whole days from plan start, and what is overdue at `now`.
fn stall_reference(plans: &[(i64, Vec<PlanItem>)], now: chrono::DateTime<Utc>) -> Vec<Stall> {
    let counts: Vec<StallCount> = plans
        .iter()
        .flat_map(|(start, items)| {
            items.iter().map(move |i| StallCount {
                title: i.title.clone(),
                days: i.done_at_ms.map(|d| (d - start) / 86_400_000),
                count: 1,
                overdue: usize::from(i.is_overdue(now)),
            })
        })
        .collect();
    stalls(&counts)
}

on_both!(
    where_partners_stall_agrees_with_every_plan_item_through_ticks_unticks_and_automatic_completions,
    |e| async move {
        let (_db, store, b, mgr) = setup(e).await;
        let terms = default_terms(RevenueModel::Reseller);
        let mut orgs = Vec::new();
        for (company, email) in [("Acme", "a@acme.example"), ("Beta", "b@beta.example"), ("Cora", "c@cora.example")] {
            let id = apply(&store, b, company, email).await;
            let r = rec(id, 0, &Decision::Approve, &terms, mgr);
            orgs.push(store.decide_application(b, r, mail(), audit(b, "x")).await.unwrap().unwrap());
        }
        let actor = Actor { id: Some(mgr), label: "mgr@example.com".into() };
        let plan = store.plan(b, orgs[0]).await.unwrap();
        let tick = {
            let (store, actor) = (store.clone(), actor.clone());
            move |org: i64, item: i64, done: bool| {
                let (store, actor) = (store.clone(), actor.clone());
                async move { store.set_plan_item(b, org, item, done, &actor, audit(b, "x")).await.unwrap() }
            }
        };
        tick(orgs[0], plan[0].id, true).await;
        tick(orgs[0], plan[1].id, true).await;
        tick(orgs[0], plan[1].id, false).await;
        tick(orgs[0], plan[2].id, true).await;
        tick(orgs[0], plan[2].id, true).await;
        tick(orgs[0], plan[3].id, false).await;
        let start = store
            .partner_progress_page(b, PartnerSort::by(PartnerColumn::Name), None, Utc::now(), 0, 50)
            .await
            .unwrap()[0]
            .approved_at_ms;
        let start = chrono::DateTime::from_timestamp_millis(start).unwrap();
        store.raise_onboarding_event(orgs[1], Binding::SandboxKeyCreated, start + Duration::days(10)).await.unwrap();
        store.raise_onboarding_event(orgs[2], Binding::SandboxKeyCreated, start + Duration::days(2)).await.unwrap();
        store.raise_onboarding_event(orgs[2], Binding::SandboxKeyCreated, start + Duration::days(5)).await.unwrap();
        // Submitting for review and passing tick their items inside the certification transition.
        let steps = [
            (CertEvent::SandboxAccessGranted, CertActor::System),
            (CertEvent::IntegrationBuilt, CertActor::Partner),
            (CertEvent::SubmittedForReview, CertActor::Partner),
            (CertEvent::Passed, CertActor::Manager),
        ];
        crate::helpers::walk_certification(&store, b, orgs[2], mgr, &steps).await;
        // Two managers toggling one item at once: each toggle moves it once.
        let toggles: Vec<_> = (0..2)
            .map(|k| {
                let tick = tick.clone();
                let (org, item) = (orgs[0], plan[4].id);
                tokio::spawn(async move {
                    for n in 0..12 {
                        tick(org, item, (n + k) % 2 == 0).await;
                    }
                })
            })
            .collect();
        for t in toggles {
            t.await.unwrap();
        }

        let mut plans = Vec::new();
        for page in
            store.partner_progress_page(b, PartnerSort::by(PartnerColumn::Name), None, Utc::now(), 0, 50).await.unwrap()
        {
            plans.push((page.approved_at_ms, store.plan(b, page.organisation_id).await.unwrap()));
        }
        let due = chrono::DateTime::from_timestamp_millis(plan[0].due_at_ms).unwrap();
        let ms = Duration::milliseconds(1);
        for now in [start, due - ms, due, due + ms, due + Duration::hours(30), start + Duration::days(400)] {
            let kept = stalls(&store.stall_counts(b, now).await.unwrap());
            assert_eq!(kept, stall_reference(&plans, now), "at {now}");
        }
        assert!(
            stall_reference(&plans, due + ms).iter().any(|s| s.overdue > 0),
            "the times above reach an overdue item"
        );
    }
);
