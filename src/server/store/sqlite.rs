//! SQLite: one file, WAL so readers never wait for the writer, a busy timeout
//! instead of immediate "database is locked" errors, and `BEGIN IMMEDIATE`
//! so a write transaction takes the write lock up front rather than failing
//! half-way when it upgrades from a read.

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
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
    /// Write transactions take turns on this one connection: SQLite has a
    /// single writer anyway, and queueing here in order beats each writer
    /// sleeping in SQLite's busy handler and retrying.
    writer: SqlitePool,
}

impl SqliteStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

    // SQLite has a single writer, so no row can be claimed twice.
    const CLAIM_OUTBOX: &'static str = "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE done_at IS NULL AND failed_at IS NULL AND available_at <= $2 \
                      AND (locked_until IS NULL OR locked_until <= $2) ORDER BY id LIMIT $3) \
         RETURNING id, kind, payload, attempts, created_at";

    // `BEGIN IMMEDIATE` already makes every write transaction the only one.
    const LEDGER_LOCK: Option<&'static str> = None;

    const ORG_LOCK: Option<&'static str> = None;

    /// What a batch of outcome events needs to know (`record_events`): the
    /// agents it names (kind 0) and its events stored before (kind 1). `$3`
    /// and `$4` are JSON arrays of agent and event ids (`text_list`). `IN
    /// (SELECT value FROM json_each(…))` makes each event id one seek in the
    /// unique (organisation, environment, event id) index (`EXPLAIN QUERY
    /// PLAN`); joining `json_each` instead walked the partner's events.
    const BATCH_KNOWN: &'static str = "SELECT 0, a.public_id, a.public_id, a.id, a.trust_score FROM agents a \
         WHERE a.organisation_id = $1 AND a.environment = $2 AND a.public_id IN (SELECT value FROM json_each($3)) \
         UNION ALL SELECT 1, e.event_id, a.public_id, a.id, e.score_after \
         FROM agent_events e JOIN agents a ON a.id = e.agent_id \
         WHERE e.organisation_id = $1 AND e.environment = $2 AND e.event_id IN (SELECT value FROM json_each($4))";

    /// The recorded events among a batch's external ids (`$2`, a JSON
    /// array), each found through the (brand, external id) index.
    const KNOWN_EVENTS: &'static str =
        concat!(known_select!(), " WHERE e.brand_id = $1 AND e.external_id IN (SELECT value FROM json_each($2))");

    /// A list of ids as one parameter: a JSON array for `json_each`.
    fn text_list(ids: &[&str]) -> String {
        serde_json::Value::from(ids.to_vec()).to_string()
    }
    /// Multi-row statements number nothing (`?`): sqlx-sqlite finds each
    /// `$n` by asking SQLite for every parameter's name, which walks the
    /// statement's list of names, so binding `n` numbered parameters took
    /// time in `n²` (88 % of a 16,000-parameter insert).
    const NUMBERED: bool = false;
    // Plan writes need no lock of their own here either (`BEGIN IMMEDIATE`).
    const PLAN_LOCK: Option<&'static str> = None;
    const FAN_OUT_SELECT: &'static str = "SELECT id, organisation_id, event_type, payload, created_at, environment \
         FROM event_log WHERE fanned_out = FALSE ORDER BY id LIMIT $1";
    const CLAIM_DELIVERIES: &'static str = claim_deliveries_sql!("");

    pub async fn connect(url: &str, acquire_timeout: Duration) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        // No ping before each acquire (sqlx's default): a SQLite connection
        // is a file handle in this process, not a socket a server may have
        // closed, and each ping is a round trip to the connection's thread;
        // on a page of ten reads that was a tenth of the server's time.
        // Four readers: each connection keeps its own page cache, statement
        // cache and thread. Against eight, the benchmark ended 13 MB smaller
        // (80 MB against 93) with the same throughput: reads are answered
        // from memory, so more connections than the server has cores
        // mostly wait (docs/PERFORMANCE.md).
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(acquire_timeout)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(acquire_timeout)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Self { pool, writer })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Where single-statement writes go: the writer connection, in the same
    /// queue as write transactions. Sent to the readers' pool instead, they
    /// would wait in SQLite's busy handler, which sleeps and retries and
    /// rarely finds the lock free while the writer hands it from one
    /// transaction to the next.
    pub fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// Opens a write transaction on a task of its own, so that it always
    /// finishes even when the caller is dropped halfway.
    ///
    /// sqlx 0.8's SQLite `begin_with` awaits once more after `BEGIN IMMEDIATE`
    /// has run (to check the connection is in a transaction). A request whose
    /// client hangs up at that moment is cancelled there: no `Transaction` is
    /// built, nothing rolls back, and the connection goes back to the pool
    /// holding the database's write lock, with every later `begin_with` on it
    /// failing ("attempted to call begin_with at non-zero transaction depth");
    /// with one writer connection, every write of the server failed.
    /// On its own task the begin runs to the end; if nobody waits for the
    /// result any more, dropping the `Transaction` rolls it back.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        let pool = self.writer.clone();
        let begin = tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await });
        match begin.await {
            Ok(tx) => Ok(tx?),
            // Only a panic or the runtime shutting down ends the task early.
            Err(join) => Err(StoreError::Unavailable(format!("opening a write transaction: {join}"))),
        }
    }
}

sql_store!(SqliteStore, Sqlite);
partner_store!(SqliteStore, Sqlite);
cert_store!(SqliteStore, Sqlite);
revenue_store!(SqliteStore, Sqlite);
brand_store!(SqliteStore, Sqlite);
key_store!(SqliteStore, Sqlite);
api_log_store!(SqliteStore, Sqlite);
webhook_store!(SqliteStore, Sqlite);
support_store!(SqliteStore, Sqlite);
fund_store!(SqliteStore, Sqlite);
market_store!(SqliteStore, Sqlite);
lead_store!(SqliteStore, Sqlite);
deal_store!(SqliteStore, Sqlite);
oauth_store!(SqliteStore, Sqlite);

#[cfg(test)]
mod tests {
    //! SQLite picks its index per query without table statistics, so a
    //! filter's wording decides whether one partner's page reads that
    //! partner's rows or walks the program's. These read the planner's
    //! choice (`EXPLAIN QUERY PLAN`) for the reads that must stay narrow.
    use super::SqliteStore;
    use crate::server::store::sql::CoreStore;
    use std::time::Duration;

    async fn plan(store: &SqliteStore, sql: &str) -> String {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(store.pool()).await.unwrap();
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
    }

    /// A migrated database in a file of its own, removed (with its WAL
    /// files) when dropped.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        async fn open(name: &str) -> (Self, SqliteStore) {
            let path = std::env::temp_dir().join(format!("pp-{name}-{}.db", std::process::id()));
            let store =
                SqliteStore::connect(&format!("sqlite://{}", path.display()), Duration::from_secs(5)).await.unwrap();
            store.migrate().await.unwrap();
            (Self(path), store)
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    #[tokio::test]
    async fn one_partners_tickets_and_ticket_clocks_are_read_through_the_partners_index() {
        let (_db, store) = TempDb::open("plan").await;
        let support = |org, status| super::super::support::ticket_filter(org, status);
        let tickets = format!(
            "{} WHERE {} ORDER BY t.opened_at DESC, t.id DESC LIMIT 50",
            super::super::support::TICKET_SELECT,
            support(true, false)
        )
        .replace("$1", "1")
        .replace("$2", "5")
        .replace("$3", "NULL");
        let one = plan(&store, &tickets).await;
        assert!(one.contains("support_tickets_by_org"), "{one}");
        let program =
            plan(&store, &tickets.replace("+t.brand_id = 1 AND t.organisation_id = 5", "t.brand_id = 1")).await;
        assert!(!program.contains("support_tickets_by_org"), "the program's list has no partner: {program}");
        let clocks = format!(
            "SELECT opened_at FROM support_tickets t WHERE {} AND t.organisation_id = 5 \
             AND t.opened_at >= 0 AND t.opened_at < 1 ORDER BY t.opened_at",
            super::super::support::BRAND_NOT_INDEXED.replace("$1", "1")
        );
        let clocks = plan(&store, &clocks).await;
        assert!(
            clocks.contains("support_tickets_by_org (organisation_id=? AND opened_at>? AND opened_at<?)"),
            "{clocks}"
        );
    }

    /// A request cancelled while its write transaction is being opened
    /// (a client that hangs up) must leave the database writable: the
    /// cancelled begin is polled once, twice, … and then dropped, at every
    /// point it can stop.
    #[tokio::test]
    async fn a_write_transaction_abandoned_while_it_opens_leaves_the_database_writable() {
        use sqlx::{ConnectOptions, Connection, Executor};
        use std::future::Future;
        use std::task::Poll;

        let (db, store) = TempDb::open("cancel").await;
        let abandon = async {
            for stop_after in 0..12 {
                for _ in 0..8 {
                    let begin = store.begin_write();
                    tokio::pin!(begin);
                    let mut polls = 0;
                    std::future::poll_fn(|cx| match begin.as_mut().poll(cx) {
                        Poll::Ready(_) => Poll::Ready(()),
                        Poll::Pending if polls >= stop_after => Poll::Ready(()),
                        Poll::Pending => {
                            polls += 1;
                            Poll::Pending
                        }
                    })
                    .await;
                }
            }
        };
        // Without the fix a begin waits for a lock no one will release.
        tokio::time::timeout(Duration::from_secs(30), abandon)
            .await
            .expect("abandoned begins left the database locked");
        // Dropped transactions roll back on the connections' own threads.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut other = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db.0)
            .busy_timeout(Duration::ZERO)
            .connect()
            .await
            .unwrap();
        other.execute("BEGIN IMMEDIATE").await.expect("no abandoned transaction holds the write lock");
        other.execute("ROLLBACK").await.unwrap();
        other.close().await.unwrap();
        for _ in 0..16 {
            let write = tokio::time::timeout(Duration::from_secs(10), store.begin_write()).await;
            write
                .expect("a write opens in time")
                .expect("the writer connection opens a write again")
                .commit()
                .await
                .unwrap();
        }
    }
}
