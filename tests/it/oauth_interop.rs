//! The authorization server against a client no one here wrote: Authlib
//! (PyPI) drives both grants, refresh, reuse detection, revocation and
//! introspection against the server binary (`tests/interop/oauth_client.py`).
//!
//! Needs Authlib and requests in the virtualenv `.ci/setup` makes
//! (`~/.cache/partner-portal/venv`), or `PP_PYTHON` naming a Python that has
//! them.

use crate::binary::Server;
use crate::helpers::{Engine, HOST};
use crate::on_both;
use crate::program::Program;
use leptos::server_fn::ServerFn;
use partner_portal::api::oauth::{GetOauthApps, OAuthAppsView, RegisterOauthApp};

pub(crate) fn python() -> String {
    std::env::var("PP_PYTHON").unwrap_or_else(|_| {
        let venv = format!("{}/.cache/partner-portal/venv/bin/python", std::env::var("HOME").unwrap_or_default());
        if std::path::Path::new(&venv).exists() {
            venv
        } else {
            "python3".into()
        }
    })
}

/// Registers an app for partner A; its client id and secret.
async fn register(p: &mut Program, kind: &str, redirects: &str, scopes: &[&str]) -> (String, Option<String>) {
    let mut form = vec![("name", "Interop"), ("kind", kind), ("environment", "sandbox"), ("redirect_uris", redirects)];
    form.extend(scopes.iter().map(|s| (*s, "on")));
    let r = p.a.call(RegisterOauthApp::PATH, &form).await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
    let v: OAuthAppsView = serde_json::from_str(&p.a.call(GetOauthApps::PATH, &[]).await.body).unwrap();
    v.new_client.expect("shown once")
}

async fn interop(e: Engine) {
    let mut p = Program::start(e).await;
    let (confidential, secret) = register(&mut p, "confidential", "", &["agents_read", "certification_read"]).await;
    let (public, _) = register(&mut p, "public", "http://127.0.0.1/callback", &["agents_read"]).await;
    let cookie: Vec<String> = p.a.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let server = Server::start(&p).await;
    let out = std::process::Command::new(python())
        .arg("tests/interop/oauth_client.py")
        .env("PORTAL_BASE", &server.base)
        .env("PORTAL_HOST", HOST)
        .env("CONFIDENTIAL_ID", confidential)
        .env("CONFIDENTIAL_SECRET", secret.expect("a confidential app's secret"))
        .env("PUBLIC_ID", public)
        .env("OWNER_COOKIE", cookie.join("; "))
        // Authlib refuses plain HTTP unless told this is a local test.
        .env("AUTHLIB_INSECURE_TRANSPORT", "1")
        .output()
        .expect("python runs (install Authlib: pip install authlib requests)");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{report}");
    assert!(out.status.success(), "the OAuth client found problems:\n{report}\nserver log:\n{}", server.log_text());
    assert!(report.contains("all OAuth interoperability checks passed"), "{report}");
}

on_both!(authlib_drives_both_grants_refresh_reuse_revocation_and_introspection, interop);
