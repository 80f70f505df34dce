//! Layered configuration: built-in defaults, then an optional TOML file
//! (`APP_CONFIG=path`), then `APP_*` environment variables (plus the
//! conventional `DATABASE_URL`). Secrets are wrapped so they never print.

use serde::Deserialize;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

/// A value that must never reach a log line.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How emails leave the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// By SMTP, to `smtp_url`.
    Smtp,
    /// As `.eml` files in `outbox_dir`, for someone to pick up.
    Files,
}

/// What to do with a request whose Host is not a known domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownHost {
    /// Serve it under the program's default brand.
    Default,
    /// Answer 404.
    Reject,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; may hold a password, so it is secret.
    pub database_url: Secret,
    /// The program's own base URL, used in emailed links (never the
    /// request's Host, which a client controls).
    pub public_url: String,
    /// Set `Secure` and the `__Host-` prefix on the session cookie. Turn off
    /// only for plain-HTTP local use on a non-localhost name.
    pub cookie_secure: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// `smtp://user:pass@host:587` or `smtps://…`; when empty, emails are
    /// written as `.eml` files to `outbox_dir`.
    pub smtp_url: Secret,
    /// Chosen explicitly, or (unset) SMTP when `smtp_url` is set and files
    /// otherwise; production refuses to guess files (see `problems`).
    pub mail_transport: Option<MailTransport>,
    pub mail_from: String,
    pub outbox_dir: PathBuf,
    /// Addresses of reverse proxies whose `X-Forwarded-For` and
    /// `X-Forwarded-Host` headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    pub unknown_host: UnknownHost,
    /// How often the background worker looks for outbox rows, in ms.
    pub worker_interval_ms: u64,
    /// Where custom-domain TXT records are looked up: "system" (the
    /// machine's resolver) or `ip:port` of a DNS server.
    pub dns_resolver: String,
    /// The server's own secret: API keys are stored as its keyed hash and
    /// webhook signing secrets encrypted under it. Every instance needs the
    /// same value.
    pub secret_key: Secret,
    /// Addresses (or CIDR blocks) webhooks may reach although they are not
    /// public: for tests and private deployments. Empty in production.
    pub webhook_allow_private: Vec<String>,
    /// Per-key API rate limit: requests per second, and the burst allowed.
    pub api_rate_per_second: u32,
    pub api_rate_burst: u32,
    /// Requests without a valid key allowed per client address: a second's
    /// worth, and the burst. Guessing keys costs a hash and a lookup each.
    pub api_auth_failures_per_second: u32,
    pub api_auth_failures_burst: u32,
    /// A first-response target for Tier 1 (critical) tickets, in minutes,
    /// when it should be tighter than the partner's support tier's.
    pub support_tier1_minutes: Option<i64>,
    /// How long a partner has to accept or decline a lead, in hours.
    pub lead_response_hours: i64,
    /// How many days an approved deal registration protects its partner.
    pub deal_protection_days: i64,
    /// Log lines as JSON objects (`APP_LOG_FORMAT=json`) instead of text.
    pub log_json: bool,
    /// Where `/metrics` (Prometheus) is served: an address of its own, so
    /// it is never reachable through the public one. Unset: no metrics.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// How long a request waits for a database connection, in ms, before
    /// the database counts as unavailable (503).
    pub db_wait_ms: u64,
    /// Apply missing migrations at start; off for deploys that run
    /// `partner-portal migrate` as a step of their own.
    pub migrate_on_start: bool,
    /// On SIGTERM or SIGINT, how long requests in flight and background
    /// rounds may take to finish, in seconds.
    pub shutdown_grace_seconds: u64,
    /// The longest a request may take before it is answered 408, in seconds.
    pub request_timeout_seconds: u64,
    /// How long the outbox keeps retrying an email before giving up on it,
    /// in hours (administrators see given-up emails and can send them again).
    pub mail_give_up_hours: i64,
    /// Multiplies the limits counted per client address alone (sign-ins from
    /// one address, applications, reset requests), where many people share
    /// one address.
    pub address_limit_factor: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: Secret::new("sqlite://data/partner-portal.db"),
            public_url: "http://127.0.0.1:3000".into(),
            cookie_secure: true,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            smtp_url: Secret::default(),
            mail_transport: None,
            mail_from: "Partner Portal <no-reply@partner-portal.localhost>".into(),
            outbox_dir: PathBuf::from("data/outbox"),
            trusted_proxies: Vec::new(),
            unknown_host: UnknownHost::Default,
            worker_interval_ms: 1000,
            dns_resolver: "system".into(),
            secret_key: Secret::default(),
            webhook_allow_private: Vec::new(),
            api_rate_per_second: 50,
            api_rate_burst: 100,
            api_auth_failures_per_second: 5,
            api_auth_failures_burst: 20,
            support_tier1_minutes: None,
            lead_response_hours: crate::domain::leads::DEFAULT_RESPONSE_HOURS,
            deal_protection_days: crate::domain::deals::DEFAULT_PROTECTION_DAYS,
            log_json: false,
            metrics_addr: None,
            db_wait_ms: 2_000,
            migrate_on_start: true,
            shutdown_grace_seconds: 20,
            request_timeout_seconds: 30,
            mail_give_up_hours: 24,
            address_limit_factor: 1,
        }
    }
}

impl Config {
    /// Defaults, then the file named by `APP_CONFIG`, then the environment.
    pub fn load() -> anyhow::Result<Self> {
        let mut cfg = match std::env::var("APP_CONFIG") {
            Ok(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read config file {path}: {e}"))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {path}: {e}"))?
            }
            Err(_) => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        Ok(cfg)
    }

    /// Applies `APP_*` variables read through `get` (a function, for tests).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = get("DATABASE_URL").or_else(|| get("APP_DATABASE_URL")) {
            self.database_url = Secret::new(v);
        }
        if let Some(v) = get("APP_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = get("APP_COOKIE_SECURE") {
            self.cookie_secure = parse_bool("APP_COOKIE_SECURE", &v)?;
        }
        if let Some(v) = get("APP_SESSION_IDLE_MINUTES") {
            self.session_idle_minutes =
                v.parse().map_err(|_| anyhow::anyhow!("APP_SESSION_IDLE_MINUTES: not a number"))?;
        }
        if let Some(v) = get("APP_SESSION_ABSOLUTE_HOURS") {
            self.session_absolute_hours =
                v.parse().map_err(|_| anyhow::anyhow!("APP_SESSION_ABSOLUTE_HOURS: not a number"))?;
        }
        if let Some(v) = get("APP_SMTP_URL") {
            self.smtp_url = Secret::new(v);
        }
        if let Some(v) = get("APP_MAIL_TRANSPORT") {
            self.mail_transport = match v.as_str() {
                "smtp" => Some(MailTransport::Smtp),
                "files" => Some(MailTransport::Files),
                _ => anyhow::bail!("APP_MAIL_TRANSPORT must be smtp or files"),
            };
        }
        if let Some(v) = get("APP_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = get("APP_OUTBOX_DIR") {
            self.outbox_dir = PathBuf::from(v);
        }
        if let Some(v) = get("APP_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().map_err(|_| anyhow::anyhow!("APP_TRUSTED_PROXIES: {s} is not an IP address")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = get("APP_UNKNOWN_HOST") {
            self.unknown_host = match v.as_str() {
                "default" => UnknownHost::Default,
                "reject" => UnknownHost::Reject,
                _ => anyhow::bail!("APP_UNKNOWN_HOST must be default or reject"),
            };
        }
        if let Some(v) = get("APP_WORKER_INTERVAL_MS") {
            self.worker_interval_ms = v.parse().map_err(|_| anyhow::anyhow!("APP_WORKER_INTERVAL_MS: not a number"))?;
        }
        if let Some(v) = get("APP_DNS_RESOLVER") {
            self.dns_resolver = v;
        }
        if let Some(v) = get("APP_SECRET_KEY") {
            if v.len() < 32 {
                anyhow::bail!("APP_SECRET_KEY must be at least 32 characters");
            }
            self.secret_key = Secret::new(v);
        }
        if let Some(v) = get("APP_WEBHOOK_ALLOW_PRIVATE") {
            self.webhook_allow_private =
                v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            for entry in &self.webhook_allow_private {
                if crate::domain::webhook::parse_cidr(entry).is_none() {
                    anyhow::bail!("APP_WEBHOOK_ALLOW_PRIVATE: {entry} is not an address or CIDR block");
                }
            }
        }
        let positive = |name: &str, v: String| -> anyhow::Result<u64> {
            v.parse().ok().filter(|n| *n > 0).ok_or_else(|| anyhow::anyhow!("{name}: a positive number"))
        };
        if let Some(v) = get("APP_API_RATE_PER_SECOND") {
            self.api_rate_per_second = v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| anyhow::anyhow!("APP_API_RATE_PER_SECOND: a positive number"))?;
        }
        if let Some(v) = get("APP_API_RATE_BURST") {
            self.api_rate_burst = v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| anyhow::anyhow!("APP_API_RATE_BURST: a positive number"))?;
        }
        if let Some(v) = get("APP_API_AUTH_FAILURES_PER_SECOND") {
            self.api_auth_failures_per_second = positive("APP_API_AUTH_FAILURES_PER_SECOND", v)? as u32;
        }
        if let Some(v) = get("APP_API_AUTH_FAILURES_BURST") {
            self.api_auth_failures_burst = positive("APP_API_AUTH_FAILURES_BURST", v)? as u32;
        }
        if let Some(v) = get("APP_SUPPORT_TIER1_MINUTES") {
            self.support_tier1_minutes = Some(
                v.parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| anyhow::anyhow!("APP_SUPPORT_TIER1_MINUTES: a positive number of minutes"))?,
            );
        }
        if let Some(v) = get("APP_LEAD_RESPONSE_HOURS") {
            self.lead_response_hours = positive("APP_LEAD_RESPONSE_HOURS", v)? as i64;
        }
        if let Some(v) = get("APP_DEAL_PROTECTION_DAYS") {
            self.deal_protection_days = positive("APP_DEAL_PROTECTION_DAYS", v)? as i64;
        }
        if let Some(v) = get("APP_LOG_FORMAT") {
            self.log_json = match v.as_str() {
                "json" => true,
                "text" => false,
                _ => anyhow::bail!("APP_LOG_FORMAT must be text or json"),
            };
        }
        if let Some(v) = get("APP_METRICS_ADDR") {
            self.metrics_addr = if v.is_empty() {
                None
            } else {
                Some(v.parse().map_err(|_| anyhow::anyhow!("APP_METRICS_ADDR: an address such as 127.0.0.1:9100"))?)
            };
        }
        if let Some(v) = get("APP_DB_WAIT_MS") {
            self.db_wait_ms = positive("APP_DB_WAIT_MS", v)?;
        }
        if let Some(v) = get("APP_MIGRATE_ON_START") {
            self.migrate_on_start = parse_bool("APP_MIGRATE_ON_START", &v)?;
        }
        if let Some(v) = get("APP_SHUTDOWN_GRACE_SECONDS") {
            self.shutdown_grace_seconds = positive("APP_SHUTDOWN_GRACE_SECONDS", v)?;
        }
        if let Some(v) = get("APP_REQUEST_TIMEOUT_SECONDS") {
            self.request_timeout_seconds = positive("APP_REQUEST_TIMEOUT_SECONDS", v)?;
        }
        if let Some(v) = get("APP_MAIL_GIVE_UP_HOURS") {
            self.mail_give_up_hours = positive("APP_MAIL_GIVE_UP_HOURS", v)? as i64;
        }
        if let Some(v) = get("APP_ADDRESS_LIMIT_FACTOR") {
            self.address_limit_factor = positive("APP_ADDRESS_LIMIT_FACTOR", v)? as i64;
        }
        url::Url::parse(&self.public_url).map_err(|e| anyhow::anyhow!("APP_PUBLIC_URL: {e}"))?;
        Ok(())
    }

    /// Serving for real: secure cookies on a public URL that is not this
    /// machine. A development run (`http://127.0.0.1:3000`, or cookies
    /// without `Secure`) needs no configuration.
    pub fn is_production(&self) -> bool {
        let local =
            url::Url::parse(&self.public_url).ok().and_then(|u| u.host_str().map(str::to_owned)).is_some_and(|h| {
                h == "localhost" || h.ends_with(".localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            });
        self.cookie_secure && !local
    }

    /// The transport emails actually take.
    pub fn mail_transport(&self) -> MailTransport {
        self.mail_transport.unwrap_or(if self.smtp_url.expose().is_empty() {
            MailTransport::Files
        } else {
            MailTransport::Smtp
        })
    }

    /// What stops this configuration from serving, each with what to set.
    /// Production fails closed: no development secret, no emails quietly
    /// written to files.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let key = self.secret_key.expose();
        if !key.is_empty() && key.len() < 32 {
            out.push("APP_SECRET_KEY must be at least 32 characters.".to_owned());
        }
        if self.mail_transport == Some(MailTransport::Smtp) && self.smtp_url.expose().is_empty() {
            out.push("APP_MAIL_TRANSPORT=smtp needs APP_SMTP_URL (smtp://user:password@host:587).".to_owned());
        }
        if self.is_production() {
            if key.is_empty() {
                out.push(
                    "APP_SECRET_KEY is not set. In production (secure cookies on a public APP_PUBLIC_URL) set a \
                     random secret of at least 32 characters, the same on every instance, for example the output \
                     of `openssl rand -base64 48`."
                        .to_owned(),
                );
            }
            if self.mail_transport.is_none() && self.smtp_url.expose().is_empty() {
                out.push(
                    "No mail transport. In production set APP_SMTP_URL (smtp://user:password@host:587), or \
                     APP_MAIL_TRANSPORT=files to write emails into APP_OUTBOX_DIR on purpose."
                        .to_owned(),
                );
            }
        }
        out
    }

    pub fn session_cookie_name(&self) -> &'static str {
        // Browsers accept the `__Host-` prefix only on Secure cookies.
        if self.cookie_secure {
            "__Host-pp_session"
        } else {
            "pp_session"
        }
    }

    /// One line per setting, secrets shown only as set or not.
    pub fn describe(&self) -> String {
        format!(
            "database={} public_url={} cookie_secure={} session_idle={}m session_absolute={}h mail={} outbox_dir={} trusted_proxies={:?} unknown_host={:?} secret_key={} webhook_allow_private={:?}",
            redact_url(self.database_url.expose()),
            self.public_url,
            self.cookie_secure,
            self.session_idle_minutes,
            self.session_absolute_hours,
            match self.mail_transport() { MailTransport::Files => "files".to_owned(), MailTransport::Smtp => format!("smtp {}", redact_url(self.smtp_url.expose())) },
            self.outbox_dir.display(),
            self.trusted_proxies,
            self.unknown_host,
            if self.secret_key.expose().is_empty() { "development default" } else { "set" },
            self.webhook_allow_private,
        )
    }
}

fn parse_bool(name: &str, v: &str) -> anyhow::Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => anyhow::bail!("{name} must be true or false"),
    }
}

/// Hides the password of a URL such as `postgres://user:pw@host/db`.
pub fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => u.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "DATABASE_URL" => Some("postgres://u:pw@db/x".into()),
            "APP_COOKIE_SECURE" => Some("false".into()),
            "APP_TRUSTED_PROXIES" => Some("10.0.0.1, ::1".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.database_url.expose(), "postgres://u:pw@db/x");
        assert!(!c.cookie_secure);
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.session_cookie_name(), "pp_session");
    }

    #[test]
    fn the_description_never_shows_passwords() {
        let c = Config {
            database_url: Secret::new("postgres://u:hunter2@db/x"),
            smtp_url: Secret::new("smtp://mailer:s3cret@mail.example.com:587"),
            ..Config::default()
        };
        let d = c.describe();
        assert!(!d.contains("hunter2") && !d.contains("s3cret"), "{d}");
        assert!(format!("{c:?}").contains("[redacted]"));
    }

    fn production() -> Config {
        Config { public_url: "https://partners.example.com".into(), ..Config::default() }
    }

    #[test]
    fn production_without_a_secret_key_or_a_mail_transport_is_refused_with_what_to_set() {
        let problems = production().problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("APP_SECRET_KEY") && problems[0].contains("32"));
        assert!(problems[1].contains("APP_SMTP_URL") && problems[1].contains("APP_MAIL_TRANSPORT=files"));
    }

    #[test]
    fn production_with_a_secret_and_files_chosen_on_purpose_starts() {
        let c = Config {
            secret_key: Secret::new("k".repeat(32)),
            mail_transport: Some(MailTransport::Files),
            ..production()
        };
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        assert_eq!(c.mail_transport(), MailTransport::Files);
    }

    #[test]
    fn development_needs_no_configuration() {
        assert!(!Config::default().is_production());
        assert!(Config::default().problems().is_empty());
        let plain_http = Config { cookie_secure: false, ..production() };
        assert!(!plain_http.is_production());
        let localhost = Config { public_url: "https://app.localhost:8443".into(), ..Config::default() };
        assert!(!localhost.is_production());
    }

    #[test]
    fn smtp_chosen_without_a_url_is_refused_everywhere() {
        let c = Config { mail_transport: Some(MailTransport::Smtp), ..Config::default() };
        assert!(c.problems()[0].contains("APP_SMTP_URL"));
    }

    #[test]
    fn a_short_secret_from_a_file_is_refused_too() {
        let c = Config { secret_key: Secret::new("short"), ..Config::default() };
        assert!(c.problems()[0].contains("at least 32"));
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let mut c = Config::default();
        let e = c.apply_env(|k| (k == "APP_COOKIE_SECURE").then(|| "maybe".into())).unwrap_err();
        assert!(e.to_string().contains("APP_COOKIE_SECURE"));
    }
}
