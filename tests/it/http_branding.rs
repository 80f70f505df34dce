//! White-label branding over HTTP, both engines: who may brand, colour
//! contrast, logo checks, custom domains verified against a loopback DNS
//! server, and what a verified domain serves.

use crate::dns_server::DnsServer;
use crate::helpers::{Client, TestApp, HOST, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::auth::AcceptInvitation;
use partner_portal::api::auth::RequestPasswordReset;
use partner_portal::api::branding::{
    AddCustomDomain, BrandFace, BrandingView, GetBrandFace, GetBranding, InviteCustomer, SaveBranding,
    SaveEmailTemplate, SendTestEmail, VerifyCustomDomain,
};
use partner_portal::api::revenue::GetRevenueDashboard;
use partner_portal::domain::role::Role;

/// An approved partner owner (signed in) with the given revenue model.
async fn partner(app: &TestApp, manager: &mut Client, company: &str, email: &str, model: &str) -> (Client, i64) {
    app.approved_partner(manager, company, email, "reseller/var", model).await
}

fn look<'a>(name: &'a str, primary: &'a str, accent: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("primary", primary),
        ("accent", accent),
        ("support_email", "help@acme.example"),
        ("support_url", "https://help.acme.example"),
    ]
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([29, 78, 216]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A PNG whose header claims 50 000 × 50 000 pixels: decoding it would need
/// gigabytes, so it must be refused from the header alone.
fn bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let crc = crc32(&ihdr);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc.to_be_bytes());
    // A few bytes of image data: decoders read the header up to here.
    let mut idat = b"IDAT".to_vec();
    idat.extend([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    out.extend(8u32.to_be_bytes());
    out.extend(&idat);
    out.extend(crc32(&idat).to_be_bytes());
    let iend = b"IEND";
    out.extend(0u32.to_be_bytes());
    out.extend(iend);
    out.extend(crc32(iend).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

async fn upload(c: &mut Client, bytes: &[u8], file_name: &str) -> crate::helpers::Reply {
    let boundary = "XBOUNDARYX";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{file_name}\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let req = Request::post("/branding/logo")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ORIGIN, format!("http://{HOST}"))
        .body(Body::from(body))
        .unwrap();
    c.send(req).await
}

on_both!(a_white_label_partner_brands_its_portal_and_serves_it_on_a_verified_domain, |e| async move {
    let dns = DnsServer::start().await;
    let resolver = dns.addr.to_string();
    let app = TestApp::start_with(e, |c| c.dns_resolver = resolver).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut mgr = app.client();
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme White", "ada@acme.example", "white_label").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Resell", "bob@bob.example", "reseller").await;

    // Only white-label partners brand; nobody brands another partner.
    assert_eq!(bob.call(GetBranding::PATH, &[]).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(bob.call(GetBranding::PATH, &[("org", &org.to_string())]).await.status, StatusCode::FORBIDDEN);

    // Colours are checked for contrast, naming the pair and the shortfall.
    let r = ada.call(SaveBranding::PATH, &look("Acme Portal", "#7dd3fc", "#b45309")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("White text on #7dd3fc") && r.body.contains("needs 4.5:1"), "{}", r.body);
    let r = ada.call(SaveBranding::PATH, &look("Acme Portal", "#0b3d91", "#b45309")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Logos: real images only, checked by decoding.
    let r = upload(&mut ada, b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "logo.png").await;
    assert!(
        r.location().unwrap().contains("logo_error=") && r.location().unwrap().contains("PNG"),
        "{:?}",
        r.location()
    );
    let r = upload(&mut ada, &bomb(), "bomb.png").await;
    assert!(r.location().unwrap().contains("logo_error="), "{:?}", r.location());
    assert!(r.location().unwrap().contains("50000"), "the message says how large: {:?}", r.location());
    let r = upload(&mut ada, &png(64, 32), "logo.png").await;
    assert_eq!(r.location(), Some("/branding?logo=1"));

    // A custom domain: refused forms, then verified through DNS.
    let r = ada.call(AddCustomDomain::PATH, &[("domain", "https://portal.acme.test/")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ada.call(AddCustomDomain::PATH, &[("domain", "Portal.Acme.TEST.")]).await.status, StatusCode::OK);
    let v: BrandingView = serde_json::from_str(&ada.call(GetBranding::PATH, &[]).await.body).unwrap();
    let d = &v.domains[0];
    assert_eq!(
        (d.record.domain.as_str(), d.record_name.as_str()),
        ("portal.acme.test", "_partner-portal-challenge.portal.acme.test")
    );
    let r = ada.call(VerifyCustomDomain::PATH, &[("domain", "portal.acme.test")]).await;
    assert_eq!(r.body, "false");
    let v: BrandingView = serde_json::from_str(&ada.call(GetBranding::PATH, &[]).await.body).unwrap();
    assert!(v.domains[0].record.last_error.as_deref().unwrap().contains("No TXT record"), "{:?}", v.domains[0]);
    // The unverified domain serves nothing of the brand yet.
    assert_eq!(app.client().get("/tls/ask?domain=portal.acme.test").await.status, StatusCode::NOT_FOUND);
    dns.set_txt("_partner-portal-challenge.portal.acme.test", "wrong");
    ada.call(VerifyCustomDomain::PATH, &[("domain", "portal.acme.test")]).await;
    let v: BrandingView = serde_json::from_str(&ada.call(GetBranding::PATH, &[]).await.body).unwrap();
    assert!(v.domains[0].record.last_error.as_deref().unwrap().contains("\"wrong\""));
    dns.set_txt("_partner-portal-challenge.portal.acme.test", &v.domains[0].record.token);
    assert_eq!(ada.call(VerifyCustomDomain::PATH, &[("domain", "portal.acme.test")]).await.body, "true");
    assert_eq!(app.client().get("/tls/ask?domain=portal.acme.test").await.status, StatusCode::OK);
    assert_eq!(app.client().get("/tls/ask?domain=other.acme.test").await.status, StatusCode::NOT_FOUND);

    // The domain serves the brand: name, colours, logo with validators.
    let mut visitor = app.client_on("portal.acme.test");
    let face: BrandFace = serde_json::from_str(&visitor.call(GetBrandFace::PATH, &[]).await.body).unwrap();
    assert_eq!((face.name.as_str(), face.is_default), ("Acme Portal", false));
    assert_eq!(face.support_email.as_deref(), Some("help@acme.example"));
    let css = visitor.get("/brand.css").await;
    assert!(css.body.contains("--color-brand:#0b3d91"), "{}", css.body);
    let logo = visitor.get("/brand/logo").await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.headers.get(header::CONTENT_TYPE).unwrap(), "image/png");
    assert_eq!(logo.headers.get("x-content-type-options").unwrap(), "nosniff");
    let etag = logo.headers.get(header::ETAG).unwrap().to_str().unwrap().to_owned();
    let again = visitor
        .send(Request::get("/brand/logo").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap())
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // The program's own host keeps the program's look.
    let face: BrandFace = serde_json::from_str(&app.client().call(GetBrandFace::PATH, &[]).await.body).unwrap();
    assert!(face.is_default);
    assert_eq!(app.client().get("/brand.css").await.body, "");
    // A session from the program's host is worth nothing on the domain.
    let mut carried = ada.clone_on("portal.acme.test");
    assert!(carried.whoami().await.is_none());

    // Customers: invited to the domain, they exist only there.
    let invite = [("email", "carol@customer.example"), ("display_name", "Carol")];
    assert_eq!(bob.call(InviteCustomer::PATH, &invite).await.status, StatusCode::BAD_REQUEST, "not white-label");
    assert_eq!(ada.call(InviteCustomer::PATH, &invite).await.status, StatusCode::OK);
    let v: BrandingView = serde_json::from_str(&ada.call(GetBranding::PATH, &[]).await.body).unwrap();
    assert!(v.customers.is_empty(), "not until the invitation is accepted");
    let token = app.mailed_token("https://portal.acme.test/invitation").await;
    let mut carol = app.client_on("portal.acme.test");
    let r =
        carol.call(AcceptInvitation::PATH, &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    carol.sign_in("carol@customer.example", PASSWORD).await;
    let me = carol.whoami().await.unwrap();
    assert_eq!((me.role, me.brand_name.as_str()), (Role::Customer, "Acme Portal"));
    let v: BrandingView = serde_json::from_str(&ada.call(GetBranding::PATH, &[]).await.body).unwrap();
    assert_eq!(v.customers.iter().map(|c| c.email.as_str()).collect::<Vec<_>>(), vec!["carol@customer.example"]);
    // The customer sees nothing of the program or of partners.
    assert_eq!(carol.call(GetBranding::PATH, &[("org", &org.to_string())]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(carol.call(GetRevenueDashboard::PATH, &[("org", &org.to_string())]).await.status, StatusCode::FORBIDDEN);
    // The same credentials mean nothing on the program's host.
    let mut elsewhere = app.client();
    elsewhere.sign_in("carol@customer.example", PASSWORD).await;
    assert!(elsewhere.whoami().await.is_none());
    // Applications are to the program, not on a partner's domain.
    let r = app
        .client_on("portal.acme.test")
        .call(
            partner_portal::api::partners::SubmitApplication::PATH,
            &[
                ("company", "Sneaky"),
                ("website", "https://s.example"),
                ("contact_name", "S"),
                ("email", "s@s.example"),
                ("kind", "reseller/var"),
                ("category", "distribution_channels"),
                ("integration", "api"),
                ("revenue_model", "reseller"),
                ("pitch", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Emails in the brand's own words and name; the HTML part is escaped.
    let unknown = [("kind", "invitation"), ("subject", "Your {{ month }}"), ("body", "{{ link }}")];
    let r = ada.call(SaveEmailTemplate::PATH, &unknown).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("invitation_subject") && r.body.contains("Unknown placeholder {{ month }}"), "{}", r.body);
    let mine = [
        ("kind", "invitation"),
        ("subject", "Welcome to {{ brand_name }}, friend"),
        ("body", "Hi! {{ inviter }} says <b>hello</b>.\n\n{{ link }}"),
    ];
    assert_eq!(ada.call(SaveEmailTemplate::PATH, &mine).await.status, StatusCode::OK);
    let v: BrandingView = serde_json::from_str(&ada.call(GetBranding::PATH, &[]).await.body).unwrap();
    let t = v.templates.iter().find(|t| t.kind.key() == "invitation").unwrap();
    assert!(t.custom && t.preview_subject == "Welcome to Acme Portal, friend", "{t:?}");
    assert_eq!(ada.call(SendTestEmail::PATH, &[("kind", "invitation")]).await.status, StatusCode::OK);
    let mails = app.mail().await;
    let test = mails.iter().find(|m| m.contains("[Test] Welcome to Acme Portal, friend")).expect("test email");
    assert!(test.contains("Acme Portal") && test.contains("To: ada@acme.example"), "{test}");
    ada.call(InviteCustomer::PATH, &[("email", "dave@customer.example"), ("display_name", "Dave")]).await;
    let mails = app.mail().await;
    let invite = mails.iter().find(|m| m.contains("To: dave@customer.example")).expect("invitation");
    assert!(invite.contains("Subject: Welcome to Acme Portal, friend"), "{invite}");
    assert!(invite.contains("From: \"Acme Portal\"") || invite.contains("From: Acme Portal <"), "{invite}");
    assert!(invite.contains("&lt;b&gt;hello&lt;/b&gt;"), "the HTML part escapes the wording: {invite}");
    // A customer's password reset: the brand's wording, a link to its domain.
    let r = app
        .client_on("portal.acme.test")
        .call(RequestPasswordReset::PATH, &[("email", "carol@customer.example")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mails = app.mail().await;
    let reset = mails.iter().rev().find(|m| m.contains("To: carol@customer.example")).unwrap();
    assert!(
        reset.contains("Reset your Acme Portal password")
            && reset.contains("https://portal.acme.test/reset-password?token="),
        "{reset}"
    );
});
