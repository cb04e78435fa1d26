//! The backend's SQLite database: accounts, sessions, TikTok identities with their platform
//! tokens, unlocks, orders and the webhook deliveries already handled.

use rusqlite::Connection;
use std::path::Path;

const SCHEMA: &str = "
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
";

/// Opens (and creates or migrates) the database in `data_dir`, which must exist.
pub fn open(data_dir: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(data_dir.join(DB_FILE))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// The database file under `--data-dir`.
pub const DB_FILE: &str = "backend.sqlite";

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
