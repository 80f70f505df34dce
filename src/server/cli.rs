//! Command-line administration. The first admin is created here, with the
//! password read from standard input so it never lands in shell history.

use super::auth::hash_password;
use super::clock::{Clock, SystemClock};
use super::config::Config;
use super::store::{self, NewAudit, NewUser, StoreError};
use crate::domain::account::parse_display_name;
use crate::domain::audit;
use crate::domain::email::Email;
use crate::domain::password::check_new_password;
use crate::domain::role::Role;
use std::io::Read;

pub const USAGE: &str = "usage:
  partner-portal                                   serve the portal
  partner-portal admin create --email EMAIL [--name NAME]
                                                   create an administrator; the password is read from stdin";

/// Runs a command if the arguments name one; `None` means "serve".
pub async fn run(args: &[String]) -> Option<anyhow::Result<()>> {
    match args.first().map(String::as_str) {
        None => None,
        Some("admin") if args.get(1).map(String::as_str) == Some("create") => Some(admin_create(&args[2..]).await),
        Some("help") | Some("--help") | Some("-h") => {
            println!("{USAGE}");
            Some(Ok(()))
        }
        Some(other) => Some(Err(anyhow::anyhow!("unknown command {other}\n{USAGE}"))),
    }
}

async fn admin_create(args: &[String]) -> anyhow::Result<()> {
    let mut email = None;
    let mut name = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--email" => email = it.next().cloned(),
            "--name" => name = it.next().cloned(),
            other => anyhow::bail!("unknown option {other}\n{USAGE}"),
        }
    }
    let email = Email::parse(&email.ok_or_else(|| anyhow::anyhow!("--email is required\n{USAGE}"))?)
        .map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name =
        parse_display_name(name.as_deref().unwrap_or("Administrator")).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    check_new_password(&password, &password, email.as_str()).map_err(|e| anyhow::anyhow!("password: {e}"))?;

    let config = Config::load()?;
    let (store, _) = store::connect(config.database_url.expose()).await?;
    let brand = store.default_brand().await?;
    let now = SystemClock.now();
    let user = NewUser {
        brand_id: brand.id,
        email: email.to_string(),
        display_name: name,
        role: Role::Admin,
        password_hash: hash_password(password).await?,
        created_at: now,
    };
    let audit = NewAudit {
        brand_id: brand.id,
        at: now,
        actor_id: None,
        actor_email: "command line".into(),
        action: audit::USER_CREATED,
        subject: String::new(),
        detail: serde_json::json!({ "after": { "email": email.as_str(), "role": "admin" } }),
        client_ip: "local".into(),
    };
    match store.create_user(user, audit).await {
        Ok(id) => {
            println!("created administrator {email} (id {id})");
            Ok(())
        }
        Err(StoreError::Conflict(m)) => anyhow::bail!("{m}"),
        Err(e) => Err(e.into()),
    }
}
