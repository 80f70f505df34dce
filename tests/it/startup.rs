//! Start-up fails closed: in production (secure cookies on a public URL)
//! the server binary refuses to start without a secret key or a chosen mail
//! transport, and says what to set.

use std::process::Command;

fn start(env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-portal"));
    for name in ["APP_SECRET_KEY", "APP_SMTP_URL", "APP_MAIL_TRANSPORT", "APP_CONFIG", "APP_COOKIE_SECURE"] {
        cmd.env_remove(name);
    }
    // An address nothing listens on: the server must stop before using it.
    cmd.env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none").env("LEPTOS_SITE_ADDR", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the server binary runs")
}

#[test]
fn production_without_a_secret_key_or_mail_transport_refuses_to_start_and_says_what_to_set() {
    let out = start(&[("APP_PUBLIC_URL", "https://partners.example.com")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("APP_SECRET_KEY is not set") && err.contains("APP_MAIL_TRANSPORT=files"), "{err}");
}

#[test]
fn production_with_a_secret_and_a_transport_gets_past_the_configuration() {
    let key = "k".repeat(40);
    let env = [("APP_PUBLIC_URL", "https://partners.example.com"), ("APP_SECRET_KEY", key.as_str())];
    let out = start(&[env[0], env[1], ("APP_MAIL_TRANSPORT", "files")]);
    // It goes on to the database, which is not there.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("the configuration cannot serve"), "{err}");
}
