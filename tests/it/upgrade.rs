//! A database from an earlier version, migrated to this one, both engines:
//! what it held keeps working under the new schema.

use crate::helpers::{Engine, TestDb};
use crate::on_both;
use sqlx::migrate::Migrator;
use std::path::Path;
use std::str::FromStr;

/// Migrates `db` up to (not including) `version`, then runs each of
/// `statements` on it, as an earlier release would have left it.
async fn as_before(e: Engine, db: &TestDb, version: i64, statements: &[String]) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(match e {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    });
    let mut earlier = Migrator::new(folder).await.unwrap();
    earlier.migrations = earlier.migrations.iter().filter(|m| m.version < version).cloned().collect::<Vec<_>>().into();
    match e {
        Engine::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url).unwrap().create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            earlier.run(&pool).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            earlier.run(&pool).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

on_both!(links_sent_with_applications_before_links_had_their_own_purpose_still_open_the_welcome_page, |e| async move {
    use partner_portal::server::auth::hash_token;
    let db = TestDb::new(e).await;
    let now = chrono::Utc::now();
    let at = now.timestamp_millis();
    // Before 0021 both were stored as resets: an application's link for a
    // week, a reset for an hour.
    let link = |raw: &str, email: &str, lasts_ms: i64| {
        format!(
            "INSERT INTO one_time_tokens (token_hash, purpose, brand_id, email, created_at, expires_at) \
             VALUES ('{}', 'password_reset', 1, '{email}', {at}, {})",
            hash_token(raw),
            at + lasts_ms
        )
    };
    let statements =
        [link("applied", "ada@apply.example", 7 * 86_400_000), link("reset", "bo@reset.example", 3_600_000)];
    as_before(e, &db, 21, &statements).await;
    let store = db.store().await;
    let brand = store.default_brand().await.unwrap().id;
    assert_eq!(store.application_link_email(brand, &hash_token("applied"), now).await.unwrap(), "ada@apply.example");
    assert!(store.application_link_email(brand, &hash_token("reset"), now).await.is_err(), "a reset stays a reset");
});
