//! tower-sessions' store over PostgreSQL (`db::sessions`), so every replica shares sessions.
//! Rows are keyed by the SHA-256 of the session id: the table alone cannot be replayed.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::{ExpiredDeletion, SessionStore};

/// Sessions in the `web_session` table.
#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: db::PgPool,
}

impl PgSessionStore {
    pub fn new(pool: db::PgPool) -> Self {
        PgSessionStore { pool }
    }
}

fn key(id: &Id) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn expiry(at: OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(at.unix_timestamp(), 0).unwrap_or_default()
}

fn backend(error: db::Error) -> Error {
    Error::Backend(error.to_string())
}

fn encode(record: &Record) -> Result<serde_json::Value> {
    serde_json::to_value(&record.data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = encode(record)?;
        while !db::sessions::create(&self.pool, &key(&record.id), &data, expiry(record.expiry_date))
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        db::sessions::save(&self.pool, &key(&record.id), &encode(record)?, expiry(record.expiry_date))
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some((data, expires_at)) = db::sessions::load(&self.pool, &key(id)).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_value(data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp(expires_at.timestamp()).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        db::sessions::delete(&self.pool, &key(id)).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for PgSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        db::sessions::delete_expired(&self.pool).await.map(|_| ()).map_err(backend)
    }
}
