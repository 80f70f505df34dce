//! Applications and onboarding over HTTP: validation, access, events.

use crate::helpers::{Client, TestApp, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use partner_portal::api::auth::{ConfirmApplication, ResetPassword};
use partner_portal::api::partners::{
    AnswerApplication, DecideApplication, GetApplicationQueue, GetApplicationReview, GetOnboardingPlan,
    GetPartnersOverview, PartnersOverview, PlanView, Review, ScoreApplication, SetPlanItem, SubmitApplication,
};
use partner_portal::domain::onboarding::Binding;
use partner_portal::domain::role::Role;

fn form<'a>(company: &'a str, email: &'a str, website: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("company", company),
        ("website", website),
        ("contact_name", "Ada"),
        ("email", email),
        ("kind", "technology/ai_platform"),
        ("category", "technology_integration"),
        ("integration", "sdk"),
        ("revenue_model", "referral"),
        ("pitch", "Agents for everyone."),
    ]
}

/// Applies, sets the password through the emailed link, and signs in.
async fn applicant(app: &TestApp, company: &str, email: &str) -> Client {
    let mut c = app.client();
    let r = c.call(SubmitApplication::PATH, &form(company, email, "https://agents.example")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The emailed link welcomes the applicant by the address it confirms,
    // asks for a first password (never a "new" one), and is not used up by
    // being looked at.
    let token = app.mailed_token("/welcome").await;
    let page = c.get(&format!("/welcome?token={token}")).await;
    assert!(page.body.contains("Thank you for applying") && page.body.contains(email), "{}", page.body);
    assert!(!page.body.contains("new password"), "{}", page.body);
    // It is a link of its own kind: the password reset form refuses it.
    let pair = [("token", token.as_str()), ("password", PASSWORD), ("confirm", PASSWORD)];
    let as_reset = c.call(ResetPassword::PATH, &pair).await;
    assert!(as_reset.body.contains("not valid"), "{}", as_reset.body);
    let r = c.call(ConfirmApplication::PATH, &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let used = c.get(&format!("/welcome?token={token}")).await;
    assert!(!used.body.contains("Thank you for applying") && used.body.contains("sign in"), "{}", used.body);
    // The audit log says the address was confirmed, not that a password was reset.
    let brand = app.state.store.default_brand().await.unwrap().id;
    let newest = app.state.store.audit_entries(brand, None, 1).await.unwrap();
    assert_eq!(newest[0].action, "auth.application_confirmed");
    assert_eq!(c.sign_in(email, PASSWORD).await.status, StatusCode::OK);
    c
}

async fn approve(app: &TestApp, manager: &mut Client) -> i64 {
    let q = manager.call(GetApplicationQueue::PATH, &[("status", "submitted"), ("kind", "")]).await;
    let id = serde_json::from_str::<serde_json::Value>(&q.body).unwrap()["items"][0]["id"].as_i64().unwrap();
    let r = manager
        .call(
            DecideApplication::PATH,
            &[("id", &id.to_string()), ("version", "0"), ("decision", "approve"), ("text", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let _ = app;
    id
}

on_both!(a_bad_application_reports_every_field_and_stores_nothing, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    let mut bad = form("", "not-an-email", "ftp://nowhere");
    bad[4] = ("kind", "alien");
    let r = c.call(SubmitApplication::PATH, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["\"company\"", "\"email\"", "\"website\"", "\"kind\""] {
        assert!(r.body.contains(f), "{f}: {}", r.body);
    }
    assert!(app.mail().await.is_empty());
    assert!(app
        .state
        .store
        .login_record(app.state.store.default_brand().await.unwrap().id, "not-an-email")
        .await
        .unwrap()
        .is_none());
});

on_both!(applicants_and_partners_cannot_review_and_only_see_their_own_plan, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let mut ada = applicant(&app, "Agents Inc", "ada@agents.example").await;
    assert_eq!(
        ada.call(GetApplicationQueue::PATH, &[("status", ""), ("kind", "")]).await.status,
        StatusCode::FORBIDDEN
    );
    let r = ada.call(GetOnboardingPlan::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "no plan before approval");
    approve(&app, &mut manager).await;

    let mut bob = applicant(&app, "Other Co", "bob@other.example").await;
    approve(&app, &mut manager).await;
    let ada_plan: PlanView = serde_json::from_str(&ada.call(GetOnboardingPlan::PATH, &[]).await.body).unwrap();
    let bob_plan: PlanView = serde_json::from_str(&bob.call(GetOnboardingPlan::PATH, &[]).await.body).unwrap();
    assert_ne!(ada_plan.organisation_id, bob_plan.organisation_id);
    let peek = bob.call(GetOnboardingPlan::PATH, &[("org", &ada_plan.organisation_id.to_string())]).await;
    assert_eq!(peek.status, StatusCode::FORBIDDEN, "a partner cannot read another partner's plan");
    let item = ada_plan.items[0].id.to_string();
    let org = ada_plan.organisation_id.to_string();
    let tick =
        bob.call(SetPlanItem::PATH, &[("org", &org), ("item", &item), ("done", "true"), ("back", "/plan")]).await;
    assert_eq!(tick.status, StatusCode::FORBIDDEN, "nor tick its items");
    let tick = bob
        .call(
            SetPlanItem::PATH,
            &[("org", &bob_plan.organisation_id.to_string()), ("item", &item), ("done", "true"), ("back", "/plan")],
        )
        .await;
    assert_eq!(tick.status, StatusCode::NOT_FOUND, "an item of another plan is not found in one's own");
    // A manager may tick any partner's item.
    let ok =
        manager.call(SetPlanItem::PATH, &[("org", &org), ("item", &item), ("done", "true"), ("back", "/plan")]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let ada_plan: PlanView = serde_json::from_str(&ada.call(GetOnboardingPlan::PATH, &[]).await.body).unwrap();
    assert_eq!((ada_plan.overall.done, ada_plan.items[0].done_by.as_deref()), (1, Some("mgr@example.com")));
});

on_both!(scoring_deciding_and_answering_follow_the_rules, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let mut ada = applicant(&app, "Agents Inc", "ada@agents.example").await;
    let q = manager.call(GetApplicationQueue::PATH, &[("status", ""), ("kind", "technology")]).await;
    let id =
        serde_json::from_str::<serde_json::Value>(&q.body).unwrap()["items"][0]["id"].as_i64().unwrap().to_string();

    let mut fields = vec![
        ("id", id.as_str()),
        ("strategic_alignment", "6"),
        ("market_impact", "10"),
        ("technical_compatibility", "10"),
        ("operational_feasibility", "10"),
        ("financial_value", "11"),
        ("strategic_alignment_note", "n"),
        ("market_impact_note", "n"),
        ("technical_compatibility_note", "n"),
        ("operational_feasibility_note", ""),
        ("financial_value_note", "n"),
    ];
    let bad = manager.call(ScoreApplication::PATH, &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("financial_value") && bad.body.contains("operational_feasibility_note"), "{}", bad.body);
    fields[5] = ("financial_value", "10");
    fields[9] = ("operational_feasibility_note", "fine");
    assert_eq!(manager.call(ScoreApplication::PATH, &fields).await.status, StatusCode::OK);
    let review: Review =
        serde_json::from_str(&manager.call(GetApplicationReview::PATH, &[("id", &id)]).await.body).unwrap();
    let summary = review.summary.unwrap();
    assert_eq!(summary.mean_tenths, 90);
    assert_eq!(summary.recommendation.label(), "below threshold");

    let no_reason = manager
        .call(DecideApplication::PATH, &[("id", &id), ("version", "0"), ("decision", "reject"), ("text", " ")])
        .await;
    assert!(no_reason.body.contains("reason"), "{}", no_reason.body);
    let ask = manager
        .call(
            DecideApplication::PATH,
            &[("id", &id), ("version", "0"), ("decision", "request_info"), ("text", "Which models?")],
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    assert!(app.mail().await.iter().any(|m| m.contains("Which models?")), "the question is emailed");
    let stale = manager
        .call(DecideApplication::PATH, &[("id", &id), ("version", "0"), ("decision", "approve"), ("text", "")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let r = ada.call(AnswerApplication::PATH, &[("answer", "GPT and Claude")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let review: Review =
        serde_json::from_str(&manager.call(GetApplicationReview::PATH, &[("id", &id)]).await.body).unwrap();
    assert_eq!(review.application.info_answer.as_deref(), Some("GPT and Claude"));
    let version = review.application.version.to_string();
    let ok = manager
        .call(
            DecideApplication::PATH,
            &[("id", &id), ("version", &version), ("decision", "reject"), ("text", "Not now")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(app.mail().await.iter().any(|m| m.contains("Not now")), "the reason is emailed");
});

on_both!(bound_events_tick_their_items_and_show_in_progress, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let mut ada = applicant(&app, "Agents Inc", "ada@agents.example").await;
    approve(&app, &mut manager).await;
    let plan: PlanView = serde_json::from_str(&ada.call(GetOnboardingPlan::PATH, &[]).await.body).unwrap();
    let org = plan.organisation_id;
    for b in [Binding::SandboxKeyCreated, Binding::CertificationSubmitted] {
        assert_eq!(app.state.store.raise_onboarding_event(org, b, app.clock_now()).await.unwrap(), 1);
    }
    let plan: PlanView = serde_json::from_str(&ada.call(GetOnboardingPlan::PATH, &[]).await.body).unwrap();
    assert_eq!(plan.overall.done, 2);
    let ticked: Vec<_> = plan.items.iter().filter(|i| i.done_at_ms.is_some()).map(|i| i.title.as_str()).collect();
    assert_eq!(ticked, vec!["Get sandbox access", "Submit for certification"]);
    let r = manager.call(GetPartnersOverview::PATH, &[("sort", "progress")]).await;
    let overview: PartnersOverview = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("{}", r.body));
    assert_eq!(overview.partners[0].progress.done, 2);

    // The list without JavaScript: headers that order it (the current one
    // marked and turning around), a search kept in the box and in the
    // links, and a sentence when nothing matches.
    let html = manager.get("/manager/partners?sort=overdue&q=agents").await.body;
    assert!(html.contains(r#"aria-sort="descending""#), "{html}");
    assert!(html.contains(r#"href="?q=agents&amp;sort=overdue&amp;dir=asc""#), "{html}");
    assert!(html.contains(r#"href="?q=agents&amp;sort=name&amp;dir=asc""#), "{html}");
    assert!(html.contains(r#"name="q""#) && html.contains(r#"value="agents""#), "{html}");
    assert!(html.contains(">Agents Inc<") && html.contains("Page 1 of 1 (1 partner)"), "{html}");
    // A browser's form sends a space as "+".
    let spaced = manager.get("/manager/partners?q=agents+inc").await.body;
    assert!(spaced.contains(">Agents Inc<") && spaced.contains(r#"value="agents inc""#), "{spaced}");
    let none = manager.get("/manager/partners?q=zz%25").await.body;
    assert!(none.contains("No partner’s name contains “zz%”."), "{none}");
    assert!(none.contains(">Clear search<") && !none.contains(">Agents Inc<"), "{none}");
});

on_both!(owners_invite_and_remove_colleagues_and_members_cannot, |e| async move {
    use partner_portal::api::auth::AcceptInvitation;
    use partner_portal::api::partners::{GetTeam, InviteColleague, RemoveColleague, TeamView};
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let mut ada = applicant(&app, "Agents Inc", "ada@agents.example").await;
    approve(&app, &mut manager).await;
    // Approval made Ada the owner; her session sees it at once.
    let r = ada
        .call(
            InviteColleague::PATH,
            &[("email", "bob@agents.example"), ("display_name", "Bob"), ("org_role", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bad = ada.call(InviteColleague::PATH, &[("email", "x"), ("display_name", ""), ("org_role", "king")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["\"email\"", "\"display_name\"", "\"org_role\""] {
        assert!(bad.body.contains(f), "{f}: {}", bad.body);
    }
    let token = app.mailed_token("/invitation").await;
    let mut bob = app.client();
    let pw = "bob chooses a long passphrase";
    assert_eq!(
        bob.call(AcceptInvitation::PATH, &[("token", &token), ("password", pw), ("confirm", pw)]).await.status,
        StatusCode::OK
    );
    bob.sign_in("bob@agents.example", pw).await;
    let me = bob.whoami().await.unwrap();
    let org = me.organisation.unwrap();
    assert_eq!((org.name.as_str(), org.org_role.as_str()), ("Agents Inc", "member"));
    let team: TeamView = serde_json::from_str(&bob.call(GetTeam::PATH, &[]).await.body).unwrap();
    assert_eq!((team.members.len(), team.can_manage), (2, false));
    let denied = bob
        .call(InviteColleague::PATH, &[("email", "eve@agents.example"), ("display_name", "Eve"), ("org_role", "owner")])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "members do not invite");
    let ada_id = team.members.iter().find(|m| m.email == "ada@agents.example").unwrap().id.to_string();
    assert_eq!(bob.call(RemoveColleague::PATH, &[("user_id", &ada_id)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        ada.call(RemoveColleague::PATH, &[("user_id", &ada_id)]).await.status,
        StatusCode::BAD_REQUEST,
        "not oneself"
    );

    let bob_id = me.id.to_string();
    assert_eq!(ada.call(RemoveColleague::PATH, &[("user_id", &bob_id)]).await.status, StatusCode::OK);
    assert!(bob.whoami().await.is_none(), "a removed colleague is signed out");
    assert!(bob.sign_in("bob@agents.example", pw).await.body.contains("not correct"));
    // Someone outside the organisation cannot be removed through it.
    let mgr_id = manager.whoami().await.unwrap().id.to_string();
    assert_eq!(ada.call(RemoveColleague::PATH, &[("user_id", &mgr_id)]).await.status, StatusCode::NOT_FOUND);
});

on_both!(admins_edit_the_plan_template_and_bad_items_are_refused_whole, |e| async move {
    use partner_portal::api::partners::{AddTemplateItem, GetPlanTemplate, RemoveTemplateItem};
    use partner_portal::domain::onboarding::TemplateItem;
    let app = TestApp::start(e).await;
    app.create_user("admin@example.com", Role::Admin).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let before: Vec<TemplateItem> = serde_json::from_str(&admin.call(GetPlanTemplate::PATH, &[]).await.body).unwrap();

    let bad =
        admin.call(AddTemplateItem::PATH, &[("phase", "week_13"), ("title", "  "), ("binding", "moon_landing")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["\"phase\"", "\"title\"", "\"binding\""] {
        assert!(bad.body.contains(f), "{f}: {}", bad.body);
    }
    let denied =
        manager.call(AddTemplateItem::PATH, &[("phase", "preparation"), ("title", "x"), ("binding", "")]).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "only admins edit the template");
    let after_refusals: Vec<TemplateItem> =
        serde_json::from_str(&admin.call(GetPlanTemplate::PATH, &[]).await.body).unwrap();
    assert_eq!(after_refusals, before, "refused edits change nothing");

    let ok = admin
        .call(AddTemplateItem::PATH, &[("phase", "business_alignment"), ("title", "Joint webinar"), ("binding", "")])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let now: Vec<TemplateItem> = serde_json::from_str(&admin.call(GetPlanTemplate::PATH, &[]).await.body).unwrap();
    let added = now.iter().find(|t| t.title == "Joint webinar").unwrap();
    let r = admin.call(RemoveTemplateItem::PATH, &[("id", &added.id.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        admin.call(RemoveTemplateItem::PATH, &[("id", &added.id.to_string())]).await.status,
        StatusCode::NOT_FOUND
    );
    let log = admin.call(partner_portal::api::admin::AuditLog::PATH, &[]).await.body;
    assert!(log.contains("onboarding.template_changed"));
});

on_both!(an_applicant_opening_a_partners_page_is_told_it_opens_on_approval, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut ada = applicant(&app, "Agents Inc", "ada@agents.example").await;
    for path in ["/plan", "/developers", "/support", "/revenue", "/certification"] {
        let r = ada.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.body.contains("This page opens once your application is approved."), "{path}: {}", r.body);
    }
    // Anyone else still reads a plain "Not found." for what is not there.
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let r = manager.get("/revenue").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("once your application is approved") && r.body.contains("Not found."), "{}", r.body);
});

on_both!(an_applicants_home_says_where_the_application_stands_with_the_question_or_the_reason, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut manager = app.client();
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let mut ada = applicant(&app, "Agents Inc", "ada@agents.example").await;
    let home = ada.get("/").await;
    assert!(
        home.body.contains("waiting for a partner manager&#x27;s review")
            || home.body.contains("waiting for a partner manager's review"),
        "{}",
        home.body
    );

    let q = manager.call(GetApplicationQueue::PATH, &[("status", "submitted"), ("kind", "")]).await;
    let id =
        serde_json::from_str::<serde_json::Value>(&q.body).unwrap()["items"][0]["id"].as_i64().unwrap().to_string();
    let ask =
        [("id", id.as_str()), ("version", "0"), ("decision", "request_info"), ("text", "Which banks do you serve?")];
    assert_eq!(manager.call(DecideApplication::PATH, &ask).await.status, StatusCode::OK);
    let home = ada.get("/").await;
    assert!(
        home.body.contains("Which banks do you serve?") && home.body.contains("Answer the question"),
        "{}",
        home.body
    );

    let r = ada.call(AnswerApplication::PATH, &[("answer", "Regional ones.")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let review: Review =
        serde_json::from_str(&manager.call(GetApplicationReview::PATH, &[("id", &id)]).await.body).unwrap();
    let version = review.application.version.to_string();
    let no =
        [("id", id.as_str()), ("version", version.as_str()), ("decision", "reject"), ("text", "Not a fit this year.")];
    assert_eq!(manager.call(DecideApplication::PATH, &no).await.status, StatusCode::OK);
    let home = ada.get("/").await;
    assert!(home.body.contains("The reason given: Not a fit this year."), "{}", home.body);
    assert!(!home.body.contains("waiting for a partner manager"));
});
