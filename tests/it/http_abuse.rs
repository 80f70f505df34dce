//! Bounded abuse: attempts sent at once cannot slip under the limits, the
//! limits are shared through the database, reset mail to one mailbox is
//! bounded, applications from one address are bounded, and applying with an
//! existing account's address reveals nothing. Both engines.

use crate::helpers::{Client, TestApp, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use partner_portal::api::auth::{RequestPasswordReset, SignIn};
use partner_portal::api::partners::SubmitApplication;
use partner_portal::domain::role::Role;
use partner_portal::server::services::accounts::BAD_CREDENTIALS;

/// `n` sign-ins at once from one address; how many had their password
/// checked (answered "not correct") and how many were refused unchecked.
async fn guesses_at_once(app: &TestApp, n: usize, email: impl Fn(usize) -> String) -> (usize, usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let mut c = app.client();
            let email = email(i);
            tokio::spawn(async move {
                c.call(SignIn::PATH, &[("email", &email), ("password", "wrong password here")]).await
            })
        })
        .collect();
    let (mut checked, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        if r.body.contains(BAD_CREDENTIALS) {
            checked += 1;
        } else if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        } else {
            panic!("unexpected answer {}: {}", r.status, r.body);
        }
    }
    (checked, refused)
}

on_both!(fifty_guesses_at_once_at_one_account_get_five_password_checks, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let (checked, refused) = guesses_at_once(&app, 50, |_| "ada@example.com".into()).await;
    assert_eq!((checked, refused), (5, 45));
    // The owner elsewhere is not locked out.
    let mut owner = app.client();
    owner.peer = "198.51.100.20:1234".parse().unwrap();
    assert_eq!(owner.sign_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
});

on_both!(a_hundred_sign_ins_at_once_for_unknown_accounts_get_twenty_checks, |e| async move {
    let app = TestApp::start(e).await;
    let (checked, refused) = guesses_at_once(&app, 100, |i| format!("nobody{i}@example.com")).await;
    assert_eq!((checked, refused), (20, 80));
});

on_both!(reset_mail_to_one_mailbox_is_bounded_and_one_address_cannot_ask_endlessly, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("victim@example.com", Role::Manager).await;
    // Thirty requests for one mailbox from thirty addresses: three emails.
    for i in 0..30 {
        let mut c = app.client();
        c.peer = format!("198.51.100.{}:1000", i + 1).parse().unwrap();
        let r = c.call(RequestPasswordReset::PATH, &[("email", "victim@example.com")]).await;
        assert_eq!(r.status, StatusCode::OK, "the same answer every time: {}", r.body);
    }
    let mails = app.mail().await;
    assert_eq!(mails.iter().filter(|m| m.contains("victim@example.com")).count(), 3);
    // One address asking for many mailboxes is refused after ten.
    let mut c = app.client();
    let answers: Vec<StatusCode> = reset_requests(&mut c, 12).await;
    assert_eq!(answers.iter().filter(|s| **s == StatusCode::OK).count(), 10);
    assert_eq!(answers.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
});

async fn reset_requests(c: &mut Client, n: usize) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(c.call(RequestPasswordReset::PATH, &[("email", &format!("someone{i}@example.com"))]).await.status);
    }
    out
}

fn application(company: &str, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("company", company.to_owned()),
        ("website", "https://partner.example".into()),
        ("contact_name", "Ada".into()),
        ("email", email.to_owned()),
        ("kind", "reseller/var".into()),
        ("category", "distribution_channels".into()),
        ("integration", "api".into()),
        ("revenue_model", "reseller".into()),
        ("pitch", "We partner.".into()),
    ]
}

async fn apply(c: &mut Client, company: &str, email: &str) -> crate::helpers::Reply {
    let fields = application(company, email);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.call(SubmitApplication::PATH, &refs).await
}

on_both!(applications_from_one_address_are_bounded, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    let mut answers = Vec::new();
    for i in 0..8 {
        answers.push(apply(&mut c, &format!("Company {i}"), &format!("owner{i}@company{i}.example")).await.status);
    }
    assert_eq!(answers[..5], [StatusCode::OK; 5]);
    assert_eq!(answers[5..], [StatusCode::TOO_MANY_REQUESTS; 3]);
    let b = app.state.store.default_brand().await.unwrap().id;
    assert_eq!(
        app.state.store.application_queue(b, "submitted", "", 0, 100).await.unwrap().0.len(),
        5,
        "refused ones wrote nothing"
    );
});

on_both!(applying_with_an_existing_accounts_address_reveals_nothing_and_tells_its_owner, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Manager).await;
    let mut c = app.client();
    let fresh = apply(&mut c, "Fresh Co", "new@fresh.example").await;
    let existing = apply(&mut c, "Ada Co", "ada@example.com").await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!((existing.status, existing.body.as_str()), (fresh.status, fresh.body.as_str()), "the same answer");
    let b = app.state.store.default_brand().await.unwrap().id;
    let queue = app.state.store.application_queue(b, "submitted", "", 0, 100).await.unwrap().0;
    assert_eq!(queue.len(), 1, "no application for the existing account");
    let mails = app.mail().await;
    let to_ada = mails.iter().find(|m| m.contains("To: ada@example.com")).expect("ada hears of it");
    assert!(to_ada.contains("already has an account") && to_ada.contains("/forgot-password"), "{to_ada}");
});

on_both!(a_refused_huge_ticket_is_kept_as_a_draft_only_up_to_its_limits, |e| async move {
    let (app, mut mgr) = crate::helpers::start_with_manager(e, |_| {}).await;
    let (mut p, _) = app.approved_partner(&mut mgr, "Acme", "ada@acme.example", "reseller/var", "reseller").await;
    let huge = "x".repeat(4 * 1024 * 1024);
    let fields = [("subject", "Help"), ("severity", "tier2"), ("description", huge.as_str())];
    let r = p.post_multipart("/support/tickets", &fields, None).await;
    assert!(r.location().unwrap_or_default().starts_with("/support"), "{} {:?}", r.status, r.location());
    let page = p.get("/support").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.len() < 200_000, "the page carries {} bytes", page.body.len());
    assert!(page.body.contains("xxxxxxxxxx"), "what was typed comes back, clipped");
});

on_both!(names_with_direction_controls_are_refused_and_nothing_is_written, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    let r = apply(&mut c, "Acme\u{202E}moc.evil", "ada@acme.example").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"company\"") && r.body.contains("direction-control"), "{}", r.body);
    let b = app.state.store.default_brand().await.unwrap().id;
    assert!(app.state.store.application_queue(b, "submitted", "", 0, 100).await.unwrap().0.is_empty());
    assert!(app.state.store.login_record(b, "ada@acme.example").await.unwrap().is_none(), "no account either");
});
