//! Sign-in, sessions and passwords over HTTP, through the real router.

use crate::helpers::{Client, TestApp, HOST, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use chrono::Duration;
use leptos::server_fn::ServerFn;
use partner_portal::api::auth::{ChangePassword, RequestPasswordReset, ResetPassword, SignIn, SignOut};
use partner_portal::domain::role::Role;
use partner_portal::server::services::accounts::BAD_CREDENTIALS;

fn error_text(body: &str) -> String {
    // Server function errors arrive as the JSON of `AppError`.
    body.to_owned()
}

on_both!(a_wrong_password_and_an_unknown_email_get_the_same_answer, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    let wrong = c.sign_in("ada@example.com", "not the password at all").await;
    let unknown = c.sign_in("nobody@example.com", "not the password at all").await;
    assert_eq!(wrong.status, unknown.status);
    assert_ne!(wrong.status, StatusCode::OK);
    assert!(error_text(&wrong.body).contains(BAD_CREDENTIALS), "{}", wrong.body);
    assert_eq!(wrong.body, unknown.body);
    assert!(c.session_cookie().is_none(), "a failed sign-in creates no session");
    assert!(c.whoami().await.is_none());
});

on_both!(signing_in_sets_a_host_only_secure_cookie_and_signing_out_ends_the_session, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    let r = c.sign_in("Ada@Example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let set_cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("__Host-pp_session="), "{set_cookie}");
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attr), "{attr} missing in {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    assert_eq!(c.whoami().await.unwrap().email, "ada@example.com");

    let stolen = c.session_cookie().unwrap();
    let r = c.call(SignOut::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(c.whoami().await.is_none());
    // The old cookie is worthless: the session is gone on the server.
    let mut replay = app.client();
    replay.cookies.insert("__Host-pp_session".into(), stolen);
    assert!(replay.whoami().await.is_none());
});

on_both!(signing_in_rotates_the_session_id, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    c.sign_in("ada@example.com", PASSWORD).await;
    let first = c.session_cookie().unwrap();
    c.sign_in("ada@example.com", PASSWORD).await;
    let second = c.session_cookie().unwrap();
    assert_ne!(first, second);
    let mut old = app.client();
    old.cookies.insert("__Host-pp_session".into(), first);
    assert!(old.whoami().await.is_none(), "the pre-rotation id no longer works");
    assert!(c.whoami().await.is_some());
});

on_both!(repeated_failures_lock_that_address_out_of_the_account_for_a_while, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    for _ in 0..5 {
        let r = c.sign_in("ada@example.com", "wrong password here").await;
        assert!(r.body.contains(BAD_CREDENTIALS), "{}", r.body);
    }
    // From the guessing address even the right password is refused now,
    // with a time to wait.
    let r = c.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Too many failed sign-ins"), "{}", r.body);
    assert!(c.whoami().await.is_none());
    // The owner, from an address that has not been failing, still signs in:
    // guessing cannot lock anyone out (the tight limit is per account and
    // address, as OWASP advises against lockout denial of service).
    let mut owner = app.client();
    owner.peer = "198.51.100.20:1234".parse().unwrap();
    assert_eq!(owner.sign_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    assert!(owner.whoami().await.is_some());
    app.clock.advance(Duration::minutes(16));
    assert_eq!(c.sign_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
});

on_both!(right_passwords_sent_at_once_never_lock_the_account, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    // Twelve sign-ins at once from one address: each is counted before its
    // check, so some are refused while the limit (5) is full, but none may
    // leave the account shut once the right ones have been given back.
    let mut running = Vec::new();
    for _ in 0..12 {
        let mut c = app.client();
        running.push(tokio::spawn(async move { c.sign_in("ada@example.com", PASSWORD).await.status }));
    }
    let mut answers = Vec::new();
    for r in running {
        answers.push(r.await.unwrap());
    }
    assert!(answers.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS), "{answers:?}");
    assert!(answers.contains(&StatusCode::OK), "{answers:?}");
    let mut c = app.client();
    assert_eq!(c.sign_in("ada@example.com", PASSWORD).await.status, StatusCode::OK, "after {answers:?}");
});

on_both!(one_address_guessing_many_accounts_is_throttled, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    for i in 0..20 {
        c.sign_in(&format!("guess{i}@example.com"), "wrong password here").await;
    }
    let r = c.sign_in("ada@example.com", PASSWORD).await;
    assert!(r.body.contains("Too many"), "{}", r.body);
    let mut elsewhere = app.client();
    elsewhere.peer = "198.51.100.20:1234".parse().unwrap();
    assert_eq!(elsewhere.sign_in("ada@example.com", PASSWORD).await.status, StatusCode::OK);
});

on_both!(sessions_end_when_idle_and_at_the_absolute_limit, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    c.sign_in("ada@example.com", PASSWORD).await;
    app.clock.advance(Duration::minutes(29));
    assert!(c.whoami().await.is_some(), "activity within the idle limit keeps the session");
    app.clock.advance(Duration::minutes(31));
    assert!(c.whoami().await.is_none(), "idle for 31 minutes ends it");

    c.sign_in("ada@example.com", PASSWORD).await;
    for _ in 0..40 {
        app.clock.advance(Duration::minutes(20));
        if c.whoami().await.is_none() {
            break;
        }
    }
    // 12 hours is 36 steps of 20 minutes: it must have ended by then.
    assert!(c.whoami().await.is_none());
});

on_both!(a_session_cookie_replayed_on_another_host_is_refused, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    c.sign_in("ada@example.com", PASSWORD).await;
    let mut elsewhere: Client = app.client_on("other.example");
    elsewhere.cookies = c.cookies.clone();
    assert!(elsewhere.whoami().await.is_none());
    assert!(c.whoami().await.is_some(), "the session still works where it was made");
});

on_both!(state_changing_requests_from_another_origin_are_refused, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let c = app.client();
    let body = "email=ada%40example.com&password=correct+horse+battery+staple";
    for (origin, fetch_site) in [(Some("https://evil.example"), None), (None, Some("cross-site")), (None, None)] {
        let mut req =
            axum::http::Request::post(SignIn::PATH).header("content-type", "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(s) = fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        let mut c2 = app.client();
        let r = c2.send(req.body(axum::body::Body::from(body)).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "origin {origin:?} / {fetch_site:?}");
        assert!(c2.session_cookie().is_none());
    }
    drop(c);
});

on_both!(a_password_reset_link_works_once_and_expires, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Manager).await;
    let mut c = app.client();
    let r = c.call(RequestPasswordReset::PATH, &[("email", "ada@example.com")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let unknown = c.call(RequestPasswordReset::PATH, &[("email", "nobody@example.com")]).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (r.status, r.body.as_str()),
        "no hint whether the account exists"
    );
    let token = app.mailed_token(&format!("https://{HOST}/reset-password")).await;
    assert_eq!(app.mail().await.len(), 1, "only the real account got mail");
    // A reset link is not an application's: the welcome page does not take it.
    let welcome = c.get(&format!("/welcome?token={token}")).await.body;
    assert!(!welcome.contains("Thank you for applying") && welcome.contains("not valid"), "{welcome}");

    let weak = c.call(ResetPassword::PATH, &[("token", &token), ("password", "short"), ("confirm", "short")]).await;
    assert!(weak.body.contains("at least 12"), "{}", weak.body);
    let new = "a brand new long passphrase";
    let ok = c.call(ResetPassword::PATH, &[("token", &token), ("password", new), ("confirm", new)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let reused = c.call(ResetPassword::PATH, &[("token", &token), ("password", new), ("confirm", new)]).await;
    assert!(reused.body.contains("already been used"), "{}", reused.body);

    assert!(c.sign_in("ada@example.com", PASSWORD).await.body.contains(BAD_CREDENTIALS));
    assert_eq!(c.sign_in("ada@example.com", new).await.status, StatusCode::OK);

    c.call(RequestPasswordReset::PATH, &[("email", "ada@example.com")]).await;
    let token = app.mailed_token(&format!("https://{HOST}/reset-password")).await;
    app.clock.advance(Duration::minutes(61));
    let late = c.call(ResetPassword::PATH, &[("token", &token), ("password", new), ("confirm", new)]).await;
    assert!(late.body.contains("expired"), "{}", late.body);
});

on_both!(a_reset_ends_sessions_signed_in_with_the_old_password, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Manager).await;
    let mut thief = app.client();
    thief.sign_in("ada@example.com", PASSWORD).await;
    let mut owner = app.client();
    owner.call(RequestPasswordReset::PATH, &[("email", "ada@example.com")]).await;
    let token = app.mailed_token("/reset-password").await;
    let new = "a brand new long passphrase";
    owner.call(ResetPassword::PATH, &[("token", &token), ("password", new), ("confirm", new)]).await;
    assert!(thief.whoami().await.is_none());
});

on_both!(changing_the_password_keeps_this_session_and_ends_the_others, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Manager).await;
    let mut here = app.client();
    let mut there = app.client();
    here.sign_in("ada@example.com", PASSWORD).await;
    there.sign_in("ada@example.com", PASSWORD).await;
    let new = "another long passphrase";
    let bad = here.call(ChangePassword::PATH, &[("current", "wrong one"), ("password", new), ("confirm", new)]).await;
    assert!(bad.body.contains("current password is not correct"), "{}", bad.body);
    let ok = here.call(ChangePassword::PATH, &[("current", PASSWORD), ("password", new), ("confirm", new)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(here.whoami().await.is_some());
    assert!(there.whoami().await.is_none());
});

on_both!(a_form_posted_without_javascript_redirects_and_reports_errors_in_the_page, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("ada@example.com", Role::Admin).await;
    let mut c = app.client();
    let r = c
        .submit(SignIn::PATH, &[("email", "ada@example.com"), ("password", "nope nope nope"), ("next", "")], "/login")
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    // Back to the form's place on a clean address; the refusal and what was
    // typed wait in the session for that page's next load.
    let anchor = partner_portal::domain::form::anchor(SignIn::PATH);
    assert_eq!(r.location(), Some(format!("/login#{anchor}").as_str()));
    let page = c.get("/login").await;
    assert!(page.body.contains("The email address or password is not correct."), "the error is rendered on the page");
    assert!(page.body.contains("value=\"ada@example.com\""), "the email comes back as typed");
    assert!(!page.body.contains("nope nope nope"), "a password never comes back");
    assert!(page.body.contains(&format!("id=\"{anchor}\"")), "the page has the place the address opens at");
    let again = c.get("/login").await;
    assert!(!again.body.contains("The email address or password is not correct."), "the flash is shown once");
    assert!(!again.body.contains("value=\"ada@example.com\""));
    // Another visitor's load of the page finds nothing of it.
    c.submit(SignIn::PATH, &[("email", "ada@example.com"), ("password", "nope nope nope"), ("next", "")], "/login")
        .await;
    let stranger = app.client().get("/login").await;
    assert!(!stranger.body.contains("ada@example.com"));
    // A flash waits only for its own page, and not for long.
    assert!(!c.get("/forgot-password").await.body.contains("is not correct"));
    app.clock.advance(Duration::minutes(11));
    assert!(!c.get("/login").await.body.contains("is not correct"), "a flash left unread for ten minutes is dropped");

    let r = c
        .submit(
            SignIn::PATH,
            &[("email", "ada@example.com"), ("password", PASSWORD), ("next", "/admin/users")],
            "/login",
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::FOUND, Some("/admin/users")));
    let r = c
        .submit(
            SignIn::PATH,
            &[("email", "ada@example.com"), ("password", PASSWORD), ("next", "https://evil.example/")],
            "/login",
        )
        .await;
    assert_eq!(r.location(), Some("/"), "no open redirect");
    let page = c.get("/").await;
    assert!(page.body.contains("ada@example.com"));
});

on_both!(pages_carry_security_headers_and_health_endpoints_answer, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    let page = c.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'nonce-"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry the response's nonce");
    assert_eq!(page.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(page.headers.get("referrer-policy").is_some());
    assert!(page.headers.get("strict-transport-security").is_some());
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(c.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
});

on_both!(instances_sharing_a_database_share_sessions_and_throttling, |e| async move {
    let a = TestApp::start(e).await;
    let b = a.second_instance().await;
    a.create_user("ada@example.com", Role::Admin).await;
    let mut on_a = a.client();
    on_a.sign_in("ada@example.com", PASSWORD).await;
    let mut on_b = b.client();
    on_b.cookies = on_a.cookies.clone();
    assert_eq!(
        on_b.whoami().await.unwrap().email,
        "ada@example.com",
        "a session made on one instance works on the other"
    );
    on_b.call(SignOut::PATH, &[]).await;
    assert!(on_a.whoami().await.is_none(), "signing out on one instance ends it on all");

    let mut attacker_a = a.client();
    let mut attacker_b = b.client();
    for i in 0..5 {
        let c = if i % 2 == 0 { &mut attacker_a } else { &mut attacker_b };
        c.sign_in("ada@example.com", "wrong password here").await;
    }
    assert!(
        attacker_a.sign_in("ada@example.com", PASSWORD).await.body.contains("Too many"),
        "failures add up across instances"
    );
});
