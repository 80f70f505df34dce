//! API fuzzing with a client no one here wrote: schemathesis (PyPI) reads
//! `/api/v1/openapi.json` and sends generated requests, valid and invalid,
//! to every operation with a key holding every scope. No answer may be a
//! server error, and every answer must match the document (status, schema,
//! headers).
//!
//! Needs `schemathesis` (`.ci/setup` installs it into a virtualenv, see
//! `SCHEMATHESIS`). `PP_FUZZ_EXAMPLES` sets examples per operation (default
//! 25; the reliability suite runs 200).

use crate::binary::Server;
use crate::helpers::Engine;
use crate::on_both;
use crate::program::Program;

fn schemathesis() -> String {
    std::env::var("SCHEMATHESIS").unwrap_or_else(|_| {
        let venv = format!("{}/.cache/partner-portal/venv/bin/schemathesis", std::env::var("HOME").unwrap_or_default());
        if std::path::Path::new(&venv).exists() {
            venv
        } else {
            "schemathesis".into()
        }
    })
}

async fn fuzz(e: Engine) {
    let mut p = Program::start(e).await;
    let scopes = ["agents_read", "agents_write", "events_write", "webhooks_manage", "certification_read"];
    let key = crate::binary::partner_key(&mut p, "Fuzz", &scopes).await;
    // Rate limits are tested elsewhere; here they would only hide the
    // operations behind 429s.
    let limits = [
        ("APP_API_RATE_PER_SECOND", "10000"),
        ("APP_API_RATE_BURST", "10000"),
        ("APP_API_AUTH_FAILURES_PER_SECOND", "10000"),
        ("APP_API_AUTH_FAILURES_BURST", "10000"),
    ];
    let server = Server::start_with(&p, &limits).await;
    let examples = std::env::var("PP_FUZZ_EXAMPLES").unwrap_or_else(|_| "25".into());
    let out = std::process::Command::new(schemathesis())
        .args(["run", &format!("{}/api/v1/openapi.json", server.base)])
        .args(["--header", &format!("Authorization: Bearer {key}")])
        // `positive_data_acceptance` assumes every body the schema allows is
        // accepted; the API also applies rules no schema can state (an
        // agent must exist, a receiver's host must resolve to a public
        // address), answered 422 with the field named.
        .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", &examples, "--workers", "2", "--seed", "1"])
        .args(["--request-timeout", "15", "--no-color"])
        .env("NO_COLOR", "1")
        .output()
        .expect("schemathesis runs (install it: pip install schemathesis)");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{report}");
    let panics = server.log_text().lines().filter(|l| l.contains("panicked")).count();
    assert_eq!(panics, 0, "the server panicked");
    assert!(out.status.success(), "schemathesis found problems:\n{report}");
}

on_both!(schemathesis_finds_no_server_error_and_no_answer_outside_the_document, fuzz);
