//! The server binary itself, started on a test program's database, for
//! what only a real process shows: concurrency, signals, logs, metrics.

use crate::helpers::{temp_path, SECRET_KEY};
use crate::program::Program;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server binary on the program's database, on a free loopback port.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:port`
    pub base: String,
    log: PathBuf,
}

impl Server {
    pub async fn start(p: &Program) -> Server {
        Self::start_with(p, &[]).await
    }

    /// With more settings, which win over the defaults here.
    pub async fn start_with(p: &Program, env: &[(&str, &str)]) -> Server {
        let log = temp_path("server").with_extension("log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_partner-portal"))
            .env("DATABASE_URL", &p.app._db.url)
            .env("APP_PUBLIC_URL", &p.app.state.config.public_url)
            .env("APP_DNS_RESOLVER", p.dns.addr.to_string())
            .env("APP_OUTBOX_DIR", temp_path("server-outbox"))
            .env("APP_SECRET_KEY", SECRET_KEY)
            .env("APP_MAIL_TRANSPORT", "files")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_OUTPUT_NAME", "partner-portal")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .env_remove("APP_CONFIG")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("the server binary starts");
        let mut server = Server { child, base: String::new(), log };
        server.base = server.wait_for_address("listening on ").await;
        server
    }

    /// The `http://…` address the log names after `what`, once it does.
    pub async fn wait_for_address(&mut self, what: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.log_text();
            if let Some(i) = text.find(&format!("{what}http://")) {
                let rest = &text[i + what.len()..];
                let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                return rest[..end].trim_end_matches("/metrics").to_owned();
            } else if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited with {status}:\n{text}");
            } else if started.elapsed() > Duration::from_secs(60) {
                panic!("the server did not log {what:?} within 60 s:\n{text}");
            } else {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
