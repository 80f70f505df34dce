//! Sessions live in the application database through tower-sessions' sqlx
//! store. The layer is generic over one store type, so this enum picks the
//! engine at run time.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub enum AnySessionStore {
    /// Sessions are read through the readers' pool and written through the
    /// writer connection, like the rest of the SQLite store.
    Sqlite {
        read: SqliteStore,
        write: SqliteStore,
    },
    Postgres(PostgresStore),
}

impl AnySessionStore {
    pub async fn sqlite(read: sqlx::SqlitePool, write: sqlx::SqlitePool) -> anyhow::Result<Self> {
        let write = SqliteStore::new(write);
        write.migrate().await?;
        Ok(Self::Sqlite { read: SqliteStore::new(read), write })
    }

    pub async fn postgres(pool: sqlx::PgPool) -> anyhow::Result<Self> {
        let s = PostgresStore::new(pool);
        s.migrate().await?;
        Ok(Self::Postgres(s))
    }
}

#[async_trait]
impl SessionStore for AnySessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite { write, .. } => write.create(record).await,
            Self::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite { write, .. } => write.save(record).await,
            Self::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite { read, .. } => read.load(id).await,
            Self::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite { write, .. } => write.delete(id).await,
            Self::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for AnySessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite { write, .. } => write.delete_expired().await,
            Self::Postgres(s) => s.delete_expired().await,
        }
    }
}
