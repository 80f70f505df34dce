//! Certificate-bound access tokens (RFC 8705) through a real TLS proxy:
//! nginx terminates TLS, asks for a client certificate signed by the test's
//! own CA (made with the `openssl` command), and passes it on in
//! `X-Client-Cert`, as the README's example does. An app registered as
//! certificate-bound gets tokens only over its certificate, and the API
//! takes them only with the same certificate.
//!
//! Needs nginx and openssl (`.ci/setup` installs nginx; openssl is Debian's).

use crate::binary::Server;
use crate::helpers::{temp_path, Engine, HOST};
use crate::nginx::Nginx;
use crate::on_both;
use crate::program::Program;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use leptos::server_fn::ServerFn;
use partner_portal::api::oauth::{GetOauthApps, OAuthAppsView, RegisterOauthApp};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA, a server certificate for 127.0.0.1 and two client certificates.
fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let ca = ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA"];
    openssl(dir, &[&["req", "-x509"], &ec[..], &ca[..]].concat());
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    std::fs::write(dir.join("client.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n").unwrap();
    for (name, ext) in [("server", "server.ext"), ("client", "client.ext"), ("other", "client.ext")] {
        let (key, csr, pem) = (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"));
        let cn = format!("/CN={name}");
        openssl(dir, &[&["req"], &ec[..], &["-keyout", &key, "-out", &csr, "-subj", &cn]].concat());
        openssl(
            dir,
            &["x509", "-req", "-in", &csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", &pem]
                .into_iter()
                .chain(["-days", "2", "-extfile", ext])
                .collect::<Vec<_>>(),
        );
    }
}

/// RFC 8705's thumbprint of a PEM certificate, worked out here from the DER
/// `openssl` prints.
fn thumbprint(dir: &Path, pem: &str) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(["x509", "-in", pem, "-outform", "DER"])
        .output()
        .expect("openssl runs");
    URL_SAFE_NO_PAD.encode(Sha256::digest(&out.stdout))
}

fn client(dir: &Path, identity: Option<&str>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    let mut b = reqwest::Client::builder().no_proxy().use_rustls_tls().add_root_certificate(ca);
    if let Some(name) = identity {
        let mut pem = std::fs::read(dir.join(format!("{name}.pem"))).unwrap();
        pem.extend(std::fs::read(dir.join(format!("{name}.key"))).unwrap());
        b = b.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

async fn mtls(e: Engine) {
    let dir = temp_path("mtls");
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let mut p = Program::start(e).await;
    let form = [
        ("name", "Ledger sync"),
        ("kind", "confidential"),
        ("environment", "sandbox"),
        ("redirect_uris", ""),
        ("cert_bound", "on"),
        ("agents_read", "on"),
    ];
    assert_eq!(p.a.call(RegisterOauthApp::PATH, &form).await.status, axum::http::StatusCode::OK);
    let v: OAuthAppsView = serde_json::from_str(&p.a.call(GetOauthApps::PATH, &[]).await.body).unwrap();
    let (id, secret) = v.new_client.unwrap();
    let secret = secret.unwrap();
    assert!(v.clients[0].cert_bound);

    // The portal believes the client certificate header only from its proxy.
    let server = Server::start_with(&p, &[("APP_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let upstream = server.base.clone();
    let d = dir.display().to_string();
    let http = move |port: u16, _: &Path| {
        format!(
            "server {{\n\
               listen 127.0.0.1:{port} ssl;\n\
               ssl_certificate {d}/server.pem;\n\
               ssl_certificate_key {d}/server.key;\n\
               ssl_client_certificate {d}/ca.pem;\n\
               ssl_verify_client optional;\n\
               location / {{\n\
                 proxy_pass {upstream};\n\
                 proxy_set_header Host {HOST};\n\
                 proxy_set_header X-Forwarded-For $remote_addr;\n\
                 proxy_set_header X-Client-Cert $ssl_client_escaped_cert;\n\
               }}\n\
             }}\n"
        )
    };
    let nginx = Nginx::launch("https", http, &client(&dir, None)).await;
    let token_url = format!("{}/oauth/token", nginx.base);
    let token_with = |c: reqwest::Client| {
        let (url, id, secret) = (token_url.clone(), id.clone(), secret.clone());
        async move {
            let r = c.post(url).basic_auth(id, Some(secret)).form(&[("grant_type", "client_credentials")]);
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            (status, serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap())
        }
    };

    // Without its certificate the app gets no token.
    let (status, body) = token_with(client(&dir, None)).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
    // With it, the token names the certificate's thumbprint.
    let (status, body) = token_with(client(&dir, Some("client"))).await;
    assert_eq!(status, 200, "{body} {}", nginx.errors());
    let token = body["access_token"].as_str().unwrap().to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["cnf"]["x5t#S256"], thumbprint(&dir, "client.pem"));

    // The API takes it only over the same certificate.
    let agents = format!("{}/api/v1/agents", nginx.base);
    for (who, expected) in [(Some("client"), 200), (None, 401), (Some("other"), 401)] {
        let r = client(&dir, who).get(&agents).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), expected, "the token over {who:?}");
    }
    // A header a client writes itself is replaced by the proxy's.
    let forged = thumbprint(&dir, "client.pem");
    let r = client(&dir, Some("other")).get(&agents).bearer_auth(&token).header("x-client-cert", forged);
    assert_eq!(r.send().await.unwrap().status().as_u16(), 401);
    drop(nginx);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(a_certificate_bound_token_works_only_over_its_certificate_through_a_tls_proxy, mtls);
