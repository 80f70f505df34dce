//! The command line: serving (the default), migrating the database as a
//! deploy step, and creating the first administrator (the password read
//! from standard input so it never lands in shell history).

use super::auth::hash_password;
use super::clock::{Clock, SystemClock};
use super::config::Config;
use super::store::{self, NewAudit, NewUser, StoreError};
use crate::domain::account::parse_display_name;
use crate::domain::audit;
use crate::domain::email::Email;
use crate::domain::password::check_new_password;
use crate::domain::role::Role;
use clap::{Parser, Subcommand};
use std::io::Read;

/// Partner Portal: a partner program's portal. Configuration comes from
/// `APP_*` variables and `DATABASE_URL` (see the README).
#[derive(Debug, Parser)]
#[command(name = "partner-portal", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (what runs without a command).
    Serve,
    /// Apply the database migrations this build carries, then exit. Run it
    /// before starting instances with APP_MIGRATE_ON_START=false.
    Migrate,
    /// Fill an empty database with a generated program: a small believable
    /// one to click through (--demo), or one at the scale given, for
    /// measuring. Everyone seeded signs in with one password, generated and
    /// printed unless --password-stdin gives it.
    Seed(SeedArgs),
    /// Administration.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Twelve partners with believable names, a few thousand ledger rows.
    #[arg(long, conflicts_with_all = ["partners", "ledger"])]
    pub demo: bool,
    /// How many partners apply (every application and certification state).
    #[arg(long, default_value_t = 12)]
    pub partners: usize,
    /// How many revenue ledger rows, spread over the revenue partners.
    #[arg(long, default_value_t = 3_000)]
    pub ledger: usize,
    /// Read the seeded accounts' password from standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create an administrator; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

/// Applies what the database lacks and says what was there and what is now.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let options = store::DbOptions { migrate: false, ..Default::default() };
    let (store, _) = match store::connect_with(config.database_url.expose(), &options).await {
        Ok(opened) => opened,
        // It lacks migrations: that is what this command is for.
        Err(_) => store::connect_with(config.database_url.expose(), &store::DbOptions::default()).await?,
    };
    let before = store.pending_migrations().await?;
    store.migrate().await?;
    if before.is_empty() {
        println!("the database is up to date");
    } else {
        println!("applied: {}", before.join(", "));
    }
    Ok(())
}

pub async fn admin_create(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = parse_display_name(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    check_new_password(&password, &password, email.as_str()).map_err(|e| anyhow::anyhow!("password: {e}"))?;

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
        organisation_id: None,
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

pub async fn seed(config: &Config, args: SeedArgs) -> anyhow::Result<()> {
    use super::seed::{manager_email, seed, SeedOptions};
    let password = if args.password_stdin {
        let mut password = String::new();
        std::io::stdin().read_to_string(&mut password)?;
        password.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        super::secrets::new_public_id("demo")
    };
    let opts = SeedOptions { partners: args.partners, ledger: args.ledger, demo: args.demo, password };
    check_new_password(&opts.password, &opts.password, &manager_email(&opts))
        .map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let started = std::time::Instant::now();
    let made = seed(config, &opts).await?;
    println!(
        "seeded {} partners ({} approved), {} ledger rows, {} agents with {} events, {} tickets in {:.1} s",
        made.partners,
        made.approved,
        made.ledger_rows,
        made.agents,
        made.agent_events,
        made.tickets,
        started.elapsed().as_secs_f64()
    );
    println!("manager: {}", manager_email(&opts));
    if let Some(owner) = &made.reseller_owner {
        println!("reseller: {owner}");
    }
    for (owner, key, agent) in &made.api_partners {
        println!("technology partner: {owner} key: {key} agent: {agent}");
    }
    if !args.password_stdin {
        println!("password for every seeded account: {}", opts.password);
    }
    Ok(())
}
