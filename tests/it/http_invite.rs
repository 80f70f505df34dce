//! Admins invite colleagues; invitees set a password through the link.

use crate::helpers::{TestApp, PASSWORD};
use crate::on_both;
use axum::http::StatusCode;
use chrono::Duration;
use leptos::server_fn::ServerFn;
use partner_portal::api::admin::{AuditLog, ChangeRole, GetUsersOverview, InviteUser};
use partner_portal::api::auth::AcceptInvitation;
use partner_portal::domain::role::Role;

on_both!(an_admin_invites_a_manager_who_sets_a_password_and_signs_in, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let r = admin
        .call(
            InviteUser::PATH,
            &[("email", "Grace@Example.com"), ("display_name", "Grace Hopper"), ("role", "manager")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let overview = admin.call(GetUsersOverview::PATH, &[]).await;
    assert!(overview.body.contains("grace@example.com"), "pending invitation listed: {}", overview.body);

    let token = app.mailed_token("/invitation").await;
    let mut grace = app.client();
    let page = grace.get(&format!("/invitation?token={token}")).await;
    assert!(
        page.body.contains("Grace Hopper") && page.body.contains("Partner manager"),
        "the invitation page names the invitee"
    );
    let pw = "grace chooses a long one";
    let mismatch = grace
        .call(AcceptInvitation::PATH, &[("token", &token), ("password", pw), ("confirm", "something else entirely")])
        .await;
    assert!(mismatch.body.contains("match"), "{}", mismatch.body);
    let ok = grace.call(AcceptInvitation::PATH, &[("token", &token), ("password", pw), ("confirm", pw)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(grace.sign_in("grace@example.com", pw).await.status, StatusCode::OK);
    let me = grace.whoami().await.unwrap();
    assert_eq!((me.role, me.display_name.as_str()), (Role::Manager, "Grace Hopper"));

    // Managers do not manage users.
    let denied = grace.call(GetUsersOverview::PATH, &[]).await;
    assert!(denied.body.contains("Forbidden"), "{}", denied.body);
    let denied =
        grace.call(InviteUser::PATH, &[("email", "x@example.com"), ("display_name", "X"), ("role", "manager")]).await;
    assert!(denied.body.contains("Forbidden"), "{}", denied.body);

    let log = admin.call(AuditLog::PATH, &[]).await.body;
    for action in ["invitation.sent", "invitation.accepted", "auth.sign_in"] {
        assert!(log.contains(action), "{action} audited: {log}");
    }
});

on_both!(an_invitation_is_validated_and_refused_whole, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let bad =
        admin.call(InviteUser::PATH, &[("email", "not-an-email"), ("display_name", " "), ("role", "customer")]).await;
    assert_ne!(bad.status, StatusCode::OK);
    for field in ["\"email\"", "\"display_name\"", "\"role\""] {
        assert!(bad.body.contains(field), "{field} reported: {}", bad.body);
    }
    let dup = admin
        .call(InviteUser::PATH, &[("email", "admin@example.com"), ("display_name", "Me"), ("role", "manager")])
        .await;
    assert!(dup.body.contains("already exists"), "{}", dup.body);
    assert!(app.mail().await.is_empty(), "nothing was sent for refused invitations");
});

on_both!(an_expired_invitation_cannot_be_accepted, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    admin.call(InviteUser::PATH, &[("email", "late@example.com"), ("display_name", "Late"), ("role", "manager")]).await;
    let token = app.mailed_token("/invitation").await;
    app.clock.advance(Duration::days(8));
    let mut late = app.client();
    let pw = "a long enough password";
    let r = late.call(AcceptInvitation::PATH, &[("token", &token), ("password", pw), ("confirm", pw)]).await;
    assert!(r.body.contains("expired"), "{}", r.body);
    assert!(late.sign_in("late@example.com", pw).await.body.contains("not correct"));
});

on_both!(signed_out_visitors_cannot_read_admin_data, |e| async move {
    let app = TestApp::start(e).await;
    let mut anon = app.client();
    let r = anon.call(GetUsersOverview::PATH, &[]).await;
    assert!(r.body.contains("Unauthenticated"), "{}", r.body);
    let page = anon.get("/admin/users").await;
    assert!(page.body.contains("Please sign in"));
});

on_both!(an_admin_changes_roles_and_disables_accounts_but_not_their_own, |e| async move {
    use partner_portal::api::admin::{ChangeRole, SetAccountDisabled};
    let app = TestApp::start(e).await;
    let admin_id = app.create_user("admin@example.com", Role::Admin).await;
    let manager_id = app.create_user("grace@example.com", Role::Manager).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let mut grace = app.client();
    grace.sign_in("grace@example.com", PASSWORD).await;

    let own = admin.call(ChangeRole::PATH, &[("user_id", &admin_id.to_string()), ("role", "manager")]).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST, "{}", own.body);
    assert!(own.body.contains("your own role"));
    let denied = grace.call(ChangeRole::PATH, &[("user_id", &admin_id.to_string()), ("role", "manager")]).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let ok = admin.call(ChangeRole::PATH, &[("user_id", &manager_id.to_string()), ("role", "admin")]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(grace.whoami().await.unwrap().role, Role::Admin, "the new role applies at once");

    let off = admin.call(SetAccountDisabled::PATH, &[("user_id", &manager_id.to_string()), ("disabled", "true")]).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert!(grace.whoami().await.is_none(), "disabling ends the sessions");
    assert!(grace.sign_in("grace@example.com", PASSWORD).await.body.contains("not correct"));
    let self_off =
        admin.call(SetAccountDisabled::PATH, &[("user_id", &admin_id.to_string()), ("disabled", "true")]).await;
    assert_eq!(self_off.status, StatusCode::BAD_REQUEST);

    admin.call(SetAccountDisabled::PATH, &[("user_id", &manager_id.to_string()), ("disabled", "false")]).await;
    assert_eq!(grace.sign_in("grace@example.com", PASSWORD).await.status, StatusCode::OK);
    let log = admin.call(AuditLog::PATH, &[]).await.body;
    for action in ["user.role_changed", "user.disabled", "user.enabled"] {
        assert!(log.contains(action), "{action} audited");
    }
});

on_both!(the_user_list_sorts_by_its_headers_and_searches_without_javascript, |e| async move {
    let app = TestApp::start(e).await;
    app.create_user("admin@example.com", Role::Admin).await;
    app.clock.advance(Duration::minutes(1));
    app.create_user("grace@example.com", Role::Manager).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let html = admin.get("/admin/users?sort=since").await.body;
    assert!(html.contains(r#"aria-sort="descending""#), "newest first: {html}");
    assert!(html.contains(r#"href="?sort=since&amp;dir=asc""#), "the header turns the order around: {html}");
    assert!(html.find("data-email=\"grace@").unwrap() < html.find("data-email=\"admin@").unwrap(), "{html}");
    assert!(html.contains("Page 1 of 1 (2 accounts)"), "{html}");
    let html = admin.get("/admin/users?q=GRACE&sort=email&dir=desc").await.body;
    assert!(html.contains("data-email=\"grace@") && !html.contains("data-email=\"admin@"), "{html}");
    assert!(html.contains(r#"value="GRACE""#) && html.contains(r#"name="sort" value="email""#), "{html}");
    assert!(html.contains("Page 1 of 1 (1 account)"), "{html}");
    // A page far past the end (beyond what an SQL offset holds) shows the last.
    let far = admin.get("/admin/users?page=18446744073709551615").await;
    assert_eq!(far.status, StatusCode::OK);
    assert!(far.body.contains("Page 1 of 1 (2 accounts)"), "{}", far.body);
    let html = admin.get("/admin/users?q=nobody").await.body;
    assert!(html.contains("Nobody’s name, email or organisation contains “nobody”."), "{html}");

    // A change made from a searched, ordered page returns to that page.
    let grace = html_id(&admin.get("/admin/users?q=grace").await.body);
    let list = "?q=grace&sort=since&dir=asc&page=1&next=//elsewhere";
    let fields = [("user_id", grace.as_str()), ("role", "admin"), ("list", list)];
    let r = admin.submit(ChangeRole::PATH, &fields, "/admin/users?q=grace&sort=since&dir=asc").await;
    assert_eq!(r.location(), Some("/admin/users?q=grace&sort=since&dir=asc&page=1&updated=1"), "{}", r.body);
});

/// The id in the first row's role form of a user list page.
fn html_id(html: &str) -> String {
    let at = html.find(r#"name="user_id" value=""#).expect("a row with actions") + r#"name="user_id" value=""#.len();
    html[at..].split('"').next().unwrap().to_owned()
}

on_both!(a_person_chooses_a_time_zone_and_pages_show_times_in_it_with_utc_on_hover, |e| async move {
    use partner_portal::api::auth::SetTimeZone;
    let app = TestApp::start(e).await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let utc = admin.get("/admin/users").await.body;
    assert!(first_time(&utc).ends_with(" UTC"), "UTC until chosen: {utc}");

    // An unknown zone is refused by field and changes nothing.
    let r = admin.call(SetTimeZone::PATH, &[("zone", "Europe/Atlantis")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("zone") && r.body.contains("Choose a time zone from the list."), "{}", r.body);
    assert_eq!(admin.whoami().await.unwrap().time_zone, None);

    let r = admin.call(SetTimeZone::PATH, &[("zone", "Asia/Tokyo")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(admin.whoami().await.unwrap().time_zone.as_deref(), Some("Asia/Tokyo"));
    let tokyo = admin.get("/admin/users").await.body;
    assert!(first_time(&tokyo).ends_with(" JST"), "{tokyo}");
    let hover = tokyo.split("<time ").nth(1).unwrap().split('>').next().unwrap();
    assert!(hover.contains("title=\"") && hover.ends_with(" UTC\""), "UTC on hover: {hover}");
    let account = admin.get("/account").await.body;
    assert!(account.contains(r#"<option value="Asia/Tokyo" selected"#), "{account}");
    let log = admin.call(AuditLog::PATH, &[("q", "time_zone")]).await.body;
    assert!(log.contains("user.time_zone_changed") && log.contains("Asia/Tokyo"), "{log}");

    // Back to UTC with the empty choice.
    assert_eq!(admin.call(SetTimeZone::PATH, &[("zone", "")]).await.status, StatusCode::OK);
    assert_eq!(admin.whoami().await.unwrap().time_zone, None);
});

/// The text of the first `<time>` of a page, without hydration markers.
fn first_time(html: &str) -> String {
    let element = html.split("<time ").nth(1).expect("a time on the page");
    let text = element.split_once('>').unwrap().1.split("</time>").next().unwrap();
    text.replace("<!>", "")
}
