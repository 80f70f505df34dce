//! PostgreSQL: for several stateless app instances behind a load balancer.
//! Outbox rows are claimed with `FOR UPDATE SKIP LOCKED` so instances share
//! the work without ever sending the same message twice at once.

use super::api_log::*;
use super::brands::*;
use super::certification::*;
use super::common::*;
use super::deals::*;
use super::funds::*;
use super::keys::*;
use super::leads::*;
use super::market::*;
use super::oauth::*;
use super::partners::*;
use super::revenue::*;
use super::sql::*;
use super::support::*;
use super::webhooks::*;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    const CLAIM_OUTBOX: &'static str = "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE done_at IS NULL AND failed_at IS NULL AND available_at <= $2 \
                      AND (locked_until IS NULL OR locked_until <= $2) ORDER BY id LIMIT $3 \
                      FOR UPDATE SKIP LOCKED) \
         RETURNING id, kind, payload, attempts, created_at";

    /// Revenue writes of one brand take turns: an import's checks (refunds
    /// left, first invoices, closed months) stay true until it commits.
    const LEDGER_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(7411000000 + $1)");

    // One partner's agent, event and fund writes run one at a time (agent limit,
    // daily quota and trust scores are read-then-write).
    const ORG_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(7412000000 + $1)");

    /// What a batch of outcome events needs to know (`record_events`): the
    /// agents it names (kind 0) and its events stored before (kind 1). `$3`
    /// and `$4` are arrays of agent and event ids. Each event id is looked up
    /// on its own (`LATERAL … LIMIT 1`, which the planner cannot turn into a
    /// join) through the unique (organisation, environment, event id)
    /// index: as one `IN` list, a partner's events not yet analysed were all
    /// walked and filtered (6 ms a batch at 27,000 events, growing).
    const BATCH_KNOWN: &'static str = "SELECT 0, a.public_id, a.public_id, a.id, a.trust_score FROM agents a \
         WHERE a.organisation_id = $1 AND a.environment = $2 AND a.public_id = ANY($3) \
         UNION ALL SELECT 1, e.event_id, a.public_id, a.id, e.score_after \
         FROM unnest(CAST($4 AS TEXT[])) AS w (event_id) \
         CROSS JOIN LATERAL (SELECT x.event_id, x.agent_id, x.score_after FROM agent_events x \
         WHERE x.organisation_id = $1 AND x.environment = $2 AND x.event_id = w.event_id LIMIT 1) e \
         JOIN agents a ON a.id = e.agent_id";

    /// The recorded events among a batch's external ids (`$2`, an array),
    /// each looked up on its own (`LATERAL … LIMIT 1`, as `BATCH_KNOWN`):
    /// as one `IN` list on a ledger not yet analysed, the planner read every
    /// event of the brand and filtered (40 ms for 400 ids at 70,000 events,
    /// growing with the ledger, so seeding slowed as it went).
    const KNOWN_EVENTS: &'static str = concat!(
        "SELECT k.* FROM unnest(CAST($2 AS TEXT[])) AS w (name) CROSS JOIN LATERAL (",
        known_select!(),
        " WHERE e.brand_id = $1 AND e.external_id = w.name LIMIT 1) k"
    );

    /// A list of ids as one parameter: a PostgreSQL `TEXT[]`.
    fn text_list(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }
    /// PostgreSQL's parameters are always numbered (`$n`).
    const NUMBERED: bool = true;
    // One partner's plan writes take turns: the stall rollups are read-then-write.
    const PLAN_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(7413000000 + $1)");
    const FAN_OUT_SELECT: &'static str = "SELECT id, organisation_id, event_type, payload, created_at, environment \
         FROM event_log WHERE fanned_out = FALSE ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED";
    const CLAIM_DELIVERIES: &'static str = claim_deliveries_sql!("FOR UPDATE SKIP LOCKED");

    pub async fn connect(url: &str, acquire_timeout: Duration) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(acquire_timeout).connect_with(options).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL takes concurrent writers: one pool for everything.
    pub fn write_pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }
}

sql_store!(PgStore, Postgres);
partner_store!(PgStore, Postgres);
cert_store!(PgStore, Postgres);
revenue_store!(PgStore, Postgres);
brand_store!(PgStore, Postgres);
key_store!(PgStore, Postgres);
api_log_store!(PgStore, Postgres);
webhook_store!(PgStore, Postgres);
support_store!(PgStore, Postgres);
fund_store!(PgStore, Postgres);
market_store!(PgStore, Postgres);
lead_store!(PgStore, Postgres);
deal_store!(PgStore, Postgres);
oauth_store!(PgStore, Postgres);
