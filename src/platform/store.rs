//! The SQLite database: connections (one writer, a few readers, WAL), schema migrations, and
//! first-open initialisation (the id secret and the seeded users).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::ids::IdSecret;
use super::{users, PlatformError};

/// How hard a commit is pushed to disk. Both keep the database consistent after a crash of the
/// process; they differ only after a power loss or kernel crash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// WAL with `synchronous=NORMAL`: a commit survives the process crashing; the last commits
    /// before a power loss may roll back.
    #[default]
    Normal,
    /// WAL with `synchronous=FULL`: every commit is fsynced before it is acknowledged.
    Full,
}

/// Migrations, applied in order; `PRAGMA user_version` counts how many ran. Append only.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name    TEXT NOT NULL,
    avatar_url      TEXT NOT NULL,
    bio             TEXT NOT NULL,
    verified        INTEGER NOT NULL CHECK (verified IN (0, 1)),
    follower_count  INTEGER NOT NULL CHECK (follower_count >= 0),
    following_count INTEGER NOT NULL CHECK (following_count >= 0),
    likes_count     INTEGER NOT NULL CHECK (likes_count >= 0),
    video_count     INTEGER NOT NULL CHECK (video_count >= 0),
    beans           INTEGER NOT NULL CHECK (beans >= 0),
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE apps (
    client_key     TEXT PRIMARY KEY,
    client_secret  TEXT NOT NULL,
    developer      TEXT NOT NULL,
    redirect_uris  TEXT NOT NULL, -- JSON array of strings
    allowed_scopes TEXT NOT NULL, -- comma-joined
    webhook_url    TEXT,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE grants (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    client_key TEXT NOT NULL REFERENCES apps (client_key),
    scopes     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_key)
) STRICT;

CREATE TABLE auth_codes (
    id             INTEGER PRIMARY KEY,
    code_hash      TEXT NOT NULL UNIQUE,
    client_key     TEXT NOT NULL REFERENCES apps (client_key),
    user_id        INTEGER NOT NULL REFERENCES users (id),
    host_app       TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    redirect_uri   TEXT,
    code_challenge TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) STRICT;

-- Access ('access'), refresh ('refresh') and client ('client') tokens. family_id is the code the
-- token descends from (through any refreshes), so a replayed code can revoke all of them.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh', 'client')),
    client_key TEXT NOT NULL REFERENCES apps (client_key),
    user_id    INTEGER REFERENCES users (id),
    host_app   TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    family_id  INTEGER REFERENCES auth_codes (id),
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_user_app ON tokens (user_id, client_key);
"#];

const READERS: usize = 2;

pub(crate) struct Store {
    writer: Mutex<Connection>,
    /// Empty for in-memory stores, whose state exists only in the writer connection.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves no half-done write behind (the transaction
    // rolls back on drop), so the connection is still good.
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    pub(crate) fn open_file(path: &Path, durability: Durability) -> Result<Store, PlatformError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(PlatformError::Corrupt(format!(
                "{} cannot use WAL (journal_mode={mode})",
                path.display()
            )));
        }
        let sync = match durability {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        };
        writer.pragma_update(None, "synchronous", sync)?;
        if let Ok(v) = std::env::var("PROBE_CKPT") { writer.pragma_update(None, "wal_autocheckpoint", v.parse::<i64>().unwrap())?; }
        // Migrate before readers open so they never see a half-built schema.
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&reader)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, PlatformError>>()?;
        Ok(Store {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    pub(crate) fn open_memory() -> Result<Store, PlatformError> {
        let mut writer = Connection::open_in_memory()?;
        configure(&writer)?;
        migrate(&mut writer)?;
        Ok(Store {
            writer: Mutex::new(writer),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Loads (or on first open creates) the id secret and seeds users once per database.
    pub(crate) fn init(&self, now: u64, seed_users: bool) -> Result<IdSecret, PlatformError> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stored: Option<String> = tx
                .query_row("SELECT value FROM meta WHERE key = 'id_secret'", [], |r| {
                    r.get(0)
                })
                .optional()?;
            let secret = match stored {
                Some(hex) => IdSecret::from_hex(&hex)?,
                None => {
                    let secret = IdSecret::generate();
                    tx.execute(
                        "INSERT INTO meta (key, value) VALUES ('id_secret', ?1)",
                        [secret.to_hex()],
                    )?;
                    if seed_users {
                        users::insert_seeds(&tx, now)?;
                    }
                    secret
                }
            };
            tx.commit()?;
            Ok(secret)
        })
    }

    /// Runs `f` on the single writer connection. Keep `f` short: it holds the write lock.
    pub(crate) fn write<T, E>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        f(&mut lock(&self.writer))
    }

    /// Runs `f` on a reader connection (the writer when in memory). Reads see the latest
    /// committed state.
    pub(crate) fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        if self.readers.is_empty() {
            return f(&lock(&self.writer));
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Ok(conn) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return f(&conn);
            }
        }
        f(&lock(&self.readers[start % self.readers.len()]))
    }
}

fn configure(conn: &Connection) -> Result<(), PlatformError> {
    // Another process (the CLI, a second server) may hold the write lock briefly.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), PlatformError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(PlatformError::Corrupt(format!(
            "the platform database has schema version {version}, newer than this minihost \
             understands ({known}); use a newer minihost or another data dir"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{HostApp, Platform, PlatformOptions};

    #[test]
    fn reopening_keeps_the_secret_and_seeds_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        let users = first.users().unwrap();
        let open_id = first.open_id(HostApp::TikTok, "k", users[0].id);
        drop(first);
        let again = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        assert_eq!(again.users().unwrap(), users);
        assert_eq!(again.open_id(HostApp::TikTok, "k", users[0].id), open_id);
        let mode: String = again
            .inner
            .store
            .read(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::platform::DATABASE_FILE);
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Platform::open(dir.path(), PlatformOptions::default()).unwrap_err();
        assert!(err.to_string().contains("schema version 99"), "{err}");
    }

    #[test]
    fn different_data_dirs_have_different_secrets() {
        let a = Platform::in_memory(PlatformOptions::default()).unwrap();
        let b = Platform::in_memory(PlatformOptions::default()).unwrap();
        assert_ne!(
            a.open_id(HostApp::TikTok, "k", 1),
            b.open_id(HostApp::TikTok, "k", 1)
        );
    }
}
