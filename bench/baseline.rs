//! The HTTP benchmark's yardstick: a TechEmpower-style axum + sqlx app on
//! the same database engine as the portal, so the portal's figures read as
//! a ratio to what this stack does with no product in it.
//!
//! `GET /plaintext`, `GET /db` (one random row of 10,000), `GET /fortunes`
//! (twelve rows plus one added at request time, sorted, HTML-escaped).
//! `BASELINE_DATABASE_URL` names a SQLite file or a PostgreSQL database
//! (created tables are replaced); `BASELINE_ADDR` the listening address.
//!
//! It is also the benchmark's webhook receiver: `POST /hook/{name}` answers
//! 204 (after `?delay_ms=` if given) and counts arrivals per name, which
//! `GET /hook-stats` reports. `baseline hash-time` prints the median time
//! of one password verification with the portal's own hashing.

use axum::extract::State;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use serde::Serialize;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Arrivals per receiver name: (count, first and last arrival, ms since epoch).
type Arrivals = Arc<Mutex<HashMap<String, (u64, u128, u128)>>>;

/// One pool of either engine, set up as the portal sets up its own.
#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Serialize, sqlx::FromRow)]
struct World {
    id: i32,
    #[serde(rename = "randomNumber")]
    randomnumber: i32,
}

#[derive(sqlx::FromRow)]
struct Fortune {
    id: i32,
    message: String,
}

const WORLD: &str = "SELECT id, randomnumber FROM world WHERE id = $1";
const FORTUNE: &str = "SELECT id, message FROM fortune";

async fn plaintext() -> &'static str {
    "Hello, World!"
}

async fn db(State(pool): State<Pool>) -> impl IntoResponse {
    let id: i32 = rand::thread_rng().gen_range(1..=10_000);
    let w: World = match &pool {
        Pool::Sqlite(p) => sqlx::query_as(WORLD).bind(id).fetch_one(p).await,
        Pool::Postgres(p) => sqlx::query_as(WORLD).bind(id).fetch_one(p).await,
    }
    .expect("world row");
    Json(w)
}

async fn fortunes(State(pool): State<Pool>) -> impl IntoResponse {
    let mut rows: Vec<Fortune> = match &pool {
        Pool::Sqlite(p) => sqlx::query_as(FORTUNE).fetch_all(p).await,
        Pool::Postgres(p) => sqlx::query_as(FORTUNE).fetch_all(p).await,
    }
    .expect("fortunes");
    rows.push(Fortune { id: 0, message: "Additional fortune added at request time.".into() });
    rows.sort_by(|a, b| a.message.cmp(&b.message));
    let mut html = String::with_capacity(2_048);
    html.push_str(
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>",
    );
    for f in rows {
        html.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", f.id, escape(&f.message)));
    }
    html.push_str("</table></body></html>");
    Html(html)
}

async fn hook(
    State(arrivals): State<Arrivals>,
    axum::extract::Path(name): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, u64>>,
) -> axum::http::StatusCode {
    if let Some(ms) = q.get("delay_ms") {
        tokio::time::sleep(Duration::from_millis(*ms)).await;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    let mut all = arrivals.lock().expect("arrivals");
    let e = all.entry(name).or_insert((0, now, now));
    e.0 += 1;
    e.2 = now;
    axum::http::StatusCode::NO_CONTENT
}

async fn hook_stats(State(arrivals): State<Arrivals>) -> impl IntoResponse {
    let all = arrivals.lock().expect("arrivals");
    let out: HashMap<&String, serde_json::Value> = all
        .iter()
        .map(|(k, (n, first, last))| {
            (k, serde_json::json!({ "count": n, "first_ms": *first as u64, "last_ms": *last as u64 }))
        })
        .collect();
    Json(serde_json::to_value(out).unwrap_or_default())
}

/// The median of 15 verifications with the portal's parameters, in ms.
async fn hash_time() -> anyhow::Result<()> {
    use partner_portal::server::auth::{hash_password, verify_password};
    let hash = hash_password("correct horse battery".into()).await?;
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        verify_password("correct horse battery".into(), hash.clone()).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{:.2}", times[times.len() / 2]);
    Ok(())
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

const FORTUNES: [&str; 12] = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
    "フレームワークのベンチマーク",
];

/// The tables, filled as TechEmpower's are: 10,000 worlds, twelve fortunes.
fn statements() -> Vec<String> {
    let mut rng = rand::thread_rng();
    let mut statements = vec![
        "DROP TABLE IF EXISTS world".to_owned(),
        "DROP TABLE IF EXISTS fortune".to_owned(),
        "CREATE TABLE world (id INTEGER PRIMARY KEY, randomnumber INTEGER NOT NULL)".to_owned(),
        "CREATE TABLE fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL)".to_owned(),
    ];
    let worlds: Vec<String> = (1..=10_000).map(|id| format!("({id}, {})", rng.gen_range(1..=10_000))).collect();
    statements.push(format!("INSERT INTO world (id, randomnumber) VALUES {}", worlds.join(", ")));
    let fortunes: Vec<String> =
        FORTUNES.iter().enumerate().map(|(i, m)| format!("({}, '{}')", i + 1, m.replace('\'', "''"))).collect();
    statements.push(format!("INSERT INTO fortune (id, message) VALUES {}", fortunes.join(", ")));
    statements
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("hash-time") {
        return hash_time().await;
    }
    let url = std::env::var("BASELINE_DATABASE_URL")?;
    let addr = std::env::var("BASELINE_ADDR").unwrap_or_else(|_| "127.0.0.1:3200".into());
    let statements = statements();
    let pool = if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = // The portal's pool sizes: 8 on SQLite, 16 on PostgreSQL.
        SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        for sql in &statements {
            sqlx::query(sql).execute(&pool).await?;
        }
        Pool::Sqlite(pool)
    } else {
        let pool = PgPoolOptions::new().max_connections(16).connect(&url).await?;
        for sql in &statements {
            sqlx::query(sql).execute(&pool).await?;
        }
        Pool::Postgres(pool)
    };
    let app = Router::new()
        .route("/plaintext", get(plaintext))
        .route("/db", get(db))
        .route("/fortunes", get(fortunes))
        .with_state(pool)
        .merge(
            Router::new()
                .route("/hook/{name}", axum::routing::post(hook))
                .route("/hook-stats", get(hook_stats))
                .with_state(Arrivals::default()),
        );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("baseline listening on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
