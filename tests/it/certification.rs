//! Certification: store (both engines), the scheduler, and HTTP rules.

use crate::helpers::{audit, Client, TestApp, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use chrono::Duration;
use leptos::server_fn::ServerFn;
use partner_portal::api::certification::{CertView, FireCertificationEvent, GetCertification};
use partner_portal::domain::certification::{transition, CertActor, CertEvent, CertState, SupportTier};
use partner_portal::domain::onboarding::Binding;
use partner_portal::domain::role::Role;
use partner_portal::server::services::certification::run_scheduler_once;
use partner_portal::server::store::{Actor, StoreError, TransitionWrite};

/// An approved partner owner, signed in, and a signed-in manager.
async fn partner_and_manager(app: &TestApp) -> (Client, Client, i64) {
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let (p, org) = app
        .approved_partner(&mut manager, "Agents Inc", "ada@agents.example", "technology/ai_platform", "technology")
        .await;
    (p, manager, org)
}

async fn cert(c: &mut Client, org: i64) -> CertView {
    let r = c.call(GetCertification::PATH, &[("org", &org.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn fire(
    c: &mut Client,
    org: i64,
    version: i64,
    event: &str,
    note: &str,
    evidence: &str,
) -> crate::helpers::Reply {
    c.call(
        FireCertificationEvent::PATH,
        &[
            ("org", &org.to_string()),
            ("version", &version.to_string()),
            ("event", event),
            ("note", note),
            ("evidence", evidence),
            ("back", "/certification"),
        ],
    )
    .await
}

on_both!(a_partner_is_reviewed_sent_back_resubmits_and_is_certified, |e| async move {
    let app = TestApp::start(e).await;
    let (mut p, mut m, org) = partner_and_manager(&app).await;
    let v = cert(&mut p, org).await;
    assert_eq!((v.state, v.tier, v.allowed.clone()), (CertState::Registered, SupportTier::Registered, vec![]));
    assert_eq!(fire(&mut m, org, v.version, "sandbox_access_granted", "", "").await.status, StatusCode::OK);
    let v = cert(&mut p, org).await;
    assert_eq!(v.allowed, vec![CertEvent::IntegrationBuilt]);
    assert_eq!(fire(&mut p, org, v.version, "integration_built", "", "").await.status, StatusCode::OK);
    let v = cert(&mut p, org).await;
    let no_evidence = fire(&mut p, org, v.version, "submitted_for_review", "", " ").await;
    assert_eq!(no_evidence.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_evidence.body);
    assert_eq!(
        fire(&mut p, org, v.version, "submitted_for_review", "", "Tests: https://ci.example/run/1").await.status,
        StatusCode::OK
    );
    // The partner cannot certify itself, even posting the form directly.
    let v = cert(&mut p, org).await;
    let own = fire(&mut p, org, v.version, "passed", "", "").await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert!(own.body.contains("You may not"), "{}", own.body);
    assert_eq!(cert(&mut p, org).await.state, CertState::Review, "a refused transition changes nothing");
    let needs_note = fire(&mut m, org, v.version, "issues_found", " ", "").await;
    assert_eq!(needs_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fire(&mut m, org, v.version, "issues_found", "Retry logic missing", "").await.status, StatusCode::OK);
    assert!(
        app.mail().await.iter().any(|mail| mail.contains("Retry logic missing")),
        "the partner is emailed the notes"
    );
    let v = cert(&mut p, org).await;
    assert_eq!(v.state, CertState::Development);
    fire(&mut p, org, v.version, "integration_built", "", "").await;
    let v = cert(&mut p, org).await;
    fire(&mut p, org, v.version, "submitted_for_review", "", "Retries added").await;
    let v = cert(&mut m, org).await;
    let stale = fire(&mut m, org, v.version - 1, "passed", "", "").await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a stale version is refused");
    assert_eq!(fire(&mut m, org, v.version, "passed", "", "").await.status, StatusCode::OK);
    let v = cert(&mut p, org).await;
    assert_eq!((v.state, v.tier), (CertState::Certified, SupportTier::Certified));
    assert_eq!(v.timeline.len(), 7);
    assert_eq!(v.timeline[3].note, "Retry logic missing");
    let plan = app.state.store.plan(1, org).await.unwrap();
    let ticked: Vec<_> = plan.iter().filter(|i| i.done_at_ms.is_some()).filter_map(|i| i.binding).collect();
    assert!(ticked.contains(&Binding::CertificationSubmitted) && ticked.contains(&Binding::Certified), "{ticked:?}");
});

on_both!(concurrent_transitions_on_one_partner_cannot_both_win, |e| async move {
    let app = TestApp::start(e).await;
    let (_p, _m, org) = partner_and_manager(&app).await;
    let store = app.state.store.clone();
    let rec = store.certification(1, org).await.unwrap().unwrap();
    let t = transition(rec.state, None, CertEvent::SandboxAccessGranted, CertActor::Manager, "").unwrap();
    let mut tasks = Vec::new();
    for i in 0..4 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let actor = Actor { id: None, label: format!("racer {i}") };
            let w = TransitionWrite {
                organisation_id: org,
                version: rec.version,
                transition: t,
                actor: &actor,
                note: "",
                evidence: "",
            };
            s.record_transition(1, w, Vec::new(), audit(1, "certification.transition")).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.certification_history(1, org).await.unwrap().len(), 1, "the losers wrote nothing");
});

on_both!(the_scheduler_starts_recertification_after_twelve_months_once, |e| async move {
    let app = TestApp::start(e).await;
    let (mut p, mut m, org) = partner_and_manager(&app).await;
    for (who, event, evidence) in [
        (1, "sandbox_access_granted", ""),
        (0, "integration_built", ""),
        (0, "submitted_for_review", "evidence"),
        (1, "passed", ""),
        (1, "published", ""),
    ] {
        if event == "published" {
            crate::helpers::approved_listing(&mut p, &mut m, org, "Agents Inc").await;
        }
        let c = if who == 0 { &mut p } else { &mut m };
        let v = cert(c, org).await;
        assert_eq!(fire(c, org, v.version, event, "", evidence).await.status, StatusCode::OK, "{event}");
    }
    app.clock.advance(Duration::days(300));
    assert_eq!(run_scheduler_once(&app.state).await.unwrap(), (0, 0));
    app.clock.advance(Duration::days(40));
    assert_eq!(run_scheduler_once(&app.state).await.unwrap(), (0, 1), "the 30-day reminder");
    assert!(app.mail().await.iter().any(|mail| mail.contains("due in 30 days")));
    assert_eq!(run_scheduler_once(&app.state).await.unwrap(), (0, 0), "reminded once");
    app.clock.advance(Duration::days(30));
    // Two instances running at once move the partner once.
    let other = app.second_instance().await;
    let (a, b) = tokio::join!(run_scheduler_once(&app.state), run_scheduler_once(&other.state));
    assert_eq!(a.unwrap().0 + b.unwrap().0, 1);
    // A year later the old session has long expired.
    assert!(m.whoami().await.is_none());
    m.sign_in("mgr@example.com", PASSWORD).await;
    let v = cert(&mut m, org).await;
    assert_eq!(
        (v.state, v.interrupted, v.tier),
        (CertState::Recertification, Some(CertState::Listed), SupportTier::Certified)
    );
    assert_eq!(fire(&mut m, org, v.version, "recertification_passed", "", "").await.status, StatusCode::OK);
    assert_eq!(cert(&mut m, org).await.state, CertState::Listed, "back where it was");
    assert_eq!(run_scheduler_once(&app.state).await.unwrap(), (0, 0), "the twelve months restart");
});

#[test]
fn the_overview_flags_old_recertifications_and_measures_days_in_each_state() {
    use partner_portal::server::services::certification::build_overview;
    use partner_portal::server::store::{CertRecord, TransitionRecord};
    let day = 86_400_000;
    let now = chrono::DateTime::from_timestamp_millis(400 * day).unwrap();
    let rec = |id: i64, state: CertState, since: i64| CertRecord {
        organisation_id: id,
        organisation: format!("P{id}"),
        state,
        interrupted: None,
        version: 0,
        certified_at_ms: None,
        state_since_ms: since * day,
    };
    let t = |from: CertState, to: CertState, at: i64| TransitionRecord {
        from,
        to,
        event: CertEvent::IntegrationBuilt,
        actor: "x".into(),
        note: String::new(),
        evidence: String::new(),
        at_ms: at * day,
    };
    let all = vec![
        rec(1, CertState::Recertification, 330),
        rec(2, CertState::Recertification, 350),
        rec(3, CertState::Review, 390),
        rec(4, CertState::Listed, 10),
    ];
    // Partner 3 entered development on day 300, testing on 304, review on 390;
    // partner 4 entered development on day 1, testing on day 9.
    let transitions = vec![
        (3, t(CertState::Registered, CertState::Development, 300)),
        (4, t(CertState::Registered, CertState::Development, 1)),
        (3, t(CertState::Development, CertState::Testing, 304)),
        (4, t(CertState::Development, CertState::Testing, 9)),
        (3, t(CertState::Testing, CertState::Review, 390)),
    ];
    let o = build_overview(&all, &transitions, now);
    let stale: Vec<_> = o.stale_recertifications.iter().map(|w| w.organisation_id).collect();
    assert_eq!(stale, vec![1], "only the recertification open for more than 60 days");
    assert_eq!(o.review.len(), 1);
    let dev = o.funnel.iter().find(|(s, _, _)| *s == CertState::Development).unwrap();
    assert_eq!(dev.2, Some(4), "development took 4 and 8 days: the lower middle is 4");
    let testing = o.funnel.iter().find(|(s, _, _)| *s == CertState::Testing).unwrap();
    assert_eq!(testing.2, Some(86));
    assert_eq!(o.funnel.iter().find(|(s, _, _)| *s == CertState::Recertification).unwrap().1, 2);
    let longest: Vec<_> = o.longest_waiting.iter().map(|w| w.organisation_id).collect();
    assert_eq!(longest, vec![1, 2, 3], "listed partners are not waiting; oldest first");
}
