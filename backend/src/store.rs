//! The backend's SQLite database: accounts, sessions, TikTok identities with their platform
//! tokens, unlocks, orders and the webhook deliveries already handled; and its migrations.

use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};

/// Migrations, applied in order, each in a transaction of its own; `PRAGMA user_version` counts
/// how many ran. Append only. The first is the schema that backends before versioning created
/// without recording a version, hence `IF NOT EXISTS`: such a database is at version 0 with
/// these tables already there.
const MIGRATIONS: &[&str] = &["
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT UNIQUE COLLATE NOCASE,
    email TEXT UNIQUE COLLATE NOCASE,
    -- argon2id PHC string; NULL for users who only ever signed in with TikTok.
    password_hash TEXT,
    -- NULL means never set: what syncUserProfile = 'setnx' fills.
    nickname TEXT,
    avatar TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
-- One TikTok identity per (app, host app, open_id): the same person has another open_id on
-- Douyin or Toutiao, so host_app is part of the key. The platform tokens are bearer secrets:
-- a production server encrypts them at rest.
CREATE TABLE IF NOT EXISTS tiktok_identities (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    client_key TEXT NOT NULL,
    host_app TEXT NOT NULL,
    open_id TEXT NOT NULL,
    union_id TEXT,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    scopes TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (client_key, host_app, open_id)
);
CREATE INDEX IF NOT EXISTS identities_by_union ON tiktok_identities (host_app, union_id);
CREATE TABLE IF NOT EXISTS unlocks (
    user_id INTEGER NOT NULL REFERENCES users(id),
    episode INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('purchase', 'ad')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, episode)
);
CREATE TABLE IF NOT EXISTS orders (
    trade_order_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    identity_id INTEGER NOT NULL REFERENCES tiktok_identities(id),
    episode INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCESS')),
    created_at INTEGER NOT NULL,
    paid_at INTEGER
);
-- Deliveries are at-least-once: a key seen before is a duplicate.
CREATE TABLE IF NOT EXISTS webhook_events (
    key TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
"];

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "{} has schema version {found}, which this minihost-backend does not know (it knows up to {known}); \
         use a newer minihost-backend or another --data-dir",
        file.display()
    )]
    TooNew { file: PathBuf, found: i64, known: usize },
}

/// Opens (and creates or migrates) the database in `data_dir`, which must exist. A database
/// of a newer schema than this backend knows is refused, not changed.
pub fn open(data_dir: &Path) -> Result<Connection, StoreError> {
    let file = data_dir.join(DB_FILE);
    let mut conn = Connection::open(&file)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn, &file)?;
    Ok(conn)
}

/// Applies the migrations `file` has not had, one transaction each. The version is read inside
/// the write transaction, so two processes opening one file apply each migration once.
fn migrate(conn: &mut Connection, file: &Path) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let applied = usize::try_from(found).ok().filter(|&v| v <= MIGRATIONS.len());
        let Some(applied) = applied else {
            return Err(StoreError::TooNew {
                file: file.to_path_buf(),
                found,
                known: MIGRATIONS.len(),
            });
        };
        let Some(migration) = MIGRATIONS.get(applied) else {
            return Ok(());
        };
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

/// The database file under `--data-dir`.
pub const DB_FILE: &str = "backend.sqlite";

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_new_database_gets_every_migration() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(dir.path()).unwrap();
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
        drop(conn);
        assert_eq!(
            version(&open(dir.path()).unwrap()),
            MIGRATIONS.len() as i64,
            "reopening changes nothing"
        );
    }

    #[test]
    fn a_database_from_before_versioning_is_migrated_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        // What backends before versioning left: the schema, no version recorded.
        let old = Connection::open(dir.path().join(DB_FILE)).unwrap();
        old.execute_batch(MIGRATIONS[0]).unwrap();
        old.execute("INSERT INTO users (username, nickname, created_at) VALUES ('ann', 'Ann', 1)", [])
            .unwrap();
        old.execute("INSERT INTO webhook_events (key, event, received_at) VALUES ('k1', 'e', 2)", [])
            .unwrap();
        assert_eq!(version(&old), 0);
        drop(old);

        let conn = open(dir.path()).unwrap();
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
        let user: (String, String) = conn
            .query_row("SELECT username, nickname FROM users", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(user, ("ann".to_string(), "Ann".to_string()));
        let events: i64 = conn.query_row("SELECT COUNT(*) FROM webhook_events", [], |r| r.get(0)).unwrap();
        assert_eq!(events, 1);
    }

    #[test]
    fn a_database_of_a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let newer = MIGRATIONS.len() as i64 + 1;
        let file = dir.path().join(DB_FILE);
        Connection::open(&file).unwrap().pragma_update(None, "user_version", newer).unwrap();

        let err = open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found, .. } if found == newer), "{err:?}");
        let message = err.to_string();
        for part in [
            file.display().to_string(),
            format!("schema version {newer}"),
            format!("up to {}", MIGRATIONS.len()),
        ] {
            assert!(message.contains(&part), "{message:?} lacks {part:?}");
        }
        let conn = Connection::open(&file).unwrap();
        assert_eq!(version(&conn), newer);
        let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0, "nothing was created");
    }
}
