//! The SQLite database: connections (one writer, a few readers, WAL), schema migrations, and
//! first-open initialisation (the id secret and the seeded users).

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::ids::IdSecret;
use super::{users, PlatformError};

/// How hard a commit is pushed to disk. Both keep the database consistent after a crash of the
/// process; they differ only after a power loss or kernel crash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// WAL with `synchronous=NORMAL`: a commit survives the process crashing; the last commits
    /// before a power loss may roll back.
    #[default]
    Normal,
    /// WAL with `synchronous=FULL`: every commit is fsynced before it is acknowledged.
    Full,
}

/// Migrations, applied in order; `PRAGMA user_version` counts how many ran. Append only.
const MIGRATIONS: &[&str] = &[
    r#"
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
    secret_hash    BLOB NOT NULL, -- SHA-256 of the code before its '!<id>' suffix
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

-- Access ('access'), refresh ('refresh') and client ('client') tokens, looked up by the row id
-- their value ends with. family_id is the code the token descends from (through any
-- refreshes), so a replayed code can revoke all of them.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    secret_hash BLOB NOT NULL, -- SHA-256 of the token before its '!<id>' suffix
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
"#,
    r#"
-- Hosts paired through the host API (`/__host/v1/pair`). A device token is
-- 'dvt.<secret>!<id>'; only the SHA-256 of its secret part is stored.
CREATE TABLE devices (
    id          INTEGER PRIMARY KEY,
    secret_hash BLOB NOT NULL,
    name        TEXT NOT NULL,
    loopback    INTEGER NOT NULL CHECK (loopback IN (0, 1)),
    paired_at   INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- For purging what expired (purge.rs).
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
CREATE INDEX tokens_by_revocation ON tokens (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX auth_codes_by_expiry ON auth_codes (expires_at);
"#,
    r#"
-- In-app purchase (trade_orders.rs, subscriptions.rs). order_id is the developer's own id,
-- unique per app. Subscription orders cost no Beans (token_amount 0).
CREATE TABLE trade_orders (
    id              INTEGER PRIMARY KEY,
    trade_order_id  TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('beans', 'subscription')),
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'REFUNDED')),
    client_key      TEXT NOT NULL REFERENCES apps (client_key),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    host_app        TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    order_info      TEXT NOT NULL, -- the order_info object as the app sent it (JSON)
    product_name    TEXT NOT NULL,
    image_url       TEXT,
    token_amount    INTEGER NOT NULL CHECK (token_amount >= 0),
    tier_id         TEXT,
    subscription_id TEXT,
    created_at      INTEGER NOT NULL,
    paid_at         INTEGER,
    refunded_at     INTEGER,
    UNIQUE (client_key, order_id)
) STRICT;
CREATE INDEX trade_orders_by_app ON trade_orders (client_key, id);

-- One row per change of a user's Beans, written in the transaction that changes users.beans.
CREATE TABLE beans_ledger (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    delta          INTEGER NOT NULL CHECK (delta <> 0),
    balance_after  INTEGER NOT NULL CHECK (balance_after >= 0),
    reason         TEXT NOT NULL CHECK (reason IN ('pay', 'refund', 'top_up', 'admin_set')),
    trade_order_id TEXT,
    at             INTEGER NOT NULL
) STRICT;
CREATE INDEX beans_ledger_by_user ON beans_ledger (user_id, id);
CREATE INDEX beans_ledger_by_order ON beans_ledger (trade_order_id) WHERE trade_order_id IS NOT NULL;

-- begin_time..end_time is the current period; renewals counts the periods after the first.
CREATE TABLE subscriptions (
    id               INTEGER PRIMARY KEY,
    subscription_id  TEXT NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users (id),
    client_key       TEXT NOT NULL REFERENCES apps (client_key),
    host_app         TEXT NOT NULL,
    tier_id          TEXT NOT NULL,
    trade_order_id   TEXT NOT NULL, -- the order that started or last reactivated it
    is_sandbox       INTEGER NOT NULL CHECK (is_sandbox IN (0, 1)),
    begin_time       INTEGER NOT NULL,
    end_time         INTEGER NOT NULL,
    next_deduct_time INTEGER NOT NULL, -- 0 when no renewal is coming
    renewals         INTEGER NOT NULL CHECK (renewals >= 0),
    renewal_on       INTEGER NOT NULL CHECK (renewal_on IN (0, 1)),
    status           TEXT NOT NULL CHECK (status IN ('active', 'expired')),
    created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX subscriptions_by_user ON subscriptions (user_id, client_key, tier_id);
CREATE INDEX subscriptions_due ON subscriptions (end_time) WHERE status = 'active';

-- The webhook outbox (webhooks.rs). body is the exact bytes every attempt sends.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    client_key      TEXT NOT NULL REFERENCES apps (client_key),
    event           TEXT NOT NULL,
    trade_order_id  TEXT,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    queued_at       INTEGER NOT NULL, -- reset by a resend; retries stop 72 h after it
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_status     INTEGER,
    last_error      TEXT
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_app ON webhook_deliveries (client_key, id);

-- Admitted ad views (ads.rs); user_id NULL when nobody was signed in.
CREATE TABLE ad_views (
    id         INTEGER PRIMARY KEY,
    client_key TEXT NOT NULL,
    ad_unit_id TEXT NOT NULL,
    user_id    INTEGER,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX ad_views_by_unit ON ad_views (client_key, ad_unit_id, user_id, at);
"#,
    // The Media Asset library (media_assets.rs, dramas.rs). Enums are the numbers of the table in
    // media_assets.rs; ids are int64 as TikTok's.
    r#"
ALTER TABLE apps ADD COLUMN byteplus_bound INTEGER NOT NULL DEFAULT 1 CHECK (byteplus_bound IN (0, 1));

-- An upload job and, once it succeeded, its video; bytes in <media>/v/<vid>.
CREATE TABLE media_videos (
    id            INTEGER PRIMARY KEY,
    job_id        TEXT NOT NULL UNIQUE,
    vid           TEXT UNIQUE,
    client_key    TEXT NOT NULL REFERENCES apps (client_key),
    title         TEXT NOT NULL,
    source_url    TEXT NOT NULL,
    upload_status INTEGER NOT NULL CHECK (upload_status IN (1, 2, 3)),
    size          INTEGER NOT NULL DEFAULT 0,
    duration      REAL NOT NULL DEFAULT 0,
    error         TEXT,
    created_at    INTEGER NOT NULL,
    deleted_at    INTEGER
) STRICT;

CREATE TABLE media_images (
    open_pic_id TEXT PRIMARY KEY,
    client_key  TEXT NOT NULL REFERENCES apps (client_key),
    source_url  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE albums (
    album_id       INTEGER PRIMARY KEY,
    client_key     TEXT NOT NULL REFERENCES apps (client_key),
    online_version INTEGER,
    publish_status INTEGER NOT NULL CHECK (publish_status IN (0, 1, 2)),
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE album_versions (
    album_id       INTEGER NOT NULL REFERENCES albums (album_id),
    version        INTEGER NOT NULL,
    album_info     TEXT NOT NULL, -- JSON object, as the app sent it
    review_status  INTEGER NOT NULL CHECK (review_status BETWEEN 0 AND 7),
    review_id      INTEGER UNIQUE,
    review_reasons TEXT NOT NULL, -- JSON array of strings
    appeal_reason  TEXT,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (album_id, version)
) STRICT;

CREATE TABLE album_episodes (
    album_id   INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    episode_id INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    title      TEXT NOT NULL,
    vid        TEXT NOT NULL,
    cover_list TEXT NOT NULL, -- JSON array of open_pic_ids
    PRIMARY KEY (album_id, version, seq),
    UNIQUE (album_id, version, episode_id),
    FOREIGN KEY (album_id, version) REFERENCES album_versions (album_id, version)
) STRICT;
CREATE INDEX album_episodes_by_episode ON album_episodes (episode_id);
CREATE INDEX album_episodes_by_vid ON album_episodes (vid);

CREATE TABLE album_grants (
    album_id   INTEGER NOT NULL REFERENCES albums (album_id),
    client_key TEXT NOT NULL,
    PRIMARY KEY (album_id, client_key)
) STRICT;

CREATE TABLE play_tokens (
    token      TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    episode_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
"#,
];

const READERS: usize = 2;

/// See [`Store::data_version`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum DataVersion {
    #[default]
    Unknown,
    WalIndex([u8; 48]),
    Counter(u64),
}

/// Most jobs committed together. Bounds the latency one batch adds to the jobs behind it.
const MAX_BATCH: usize = 256;

/// A write job: runs inside the current batch's transaction and returns how to deliver its
/// result once the batch has committed (`None`) or failed to (`Some(error)`).
type Job = Box<dyn FnOnce(&mut Connection) -> Delivery + Send>;
type Delivery = Box<dyn FnOnce(Option<&rusqlite::Error>) + Send>;

/// All writes go through one writer thread that commits whatever jobs are queued together
/// (group commit): one WAL append, and with [`Durability::Full`] one fsync, per batch instead
/// of per request. A job's caller hears back only after its batch is durable. Reads use their
/// own connections and see committed state.
pub(crate) struct Store {
    jobs: Option<mpsc::Sender<Job>>,
    writer_thread: Option<std::thread::JoinHandle<()>>,
    /// The writer connection; the writer thread holds it for a batch. In-memory stores read
    /// through it between batches, as their state exists in no other connection.
    writer: Arc<Mutex<Connection>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Write jobs handed to the writer so far; see [`Store::writes_submitted`].
    submitted: AtomicU64,
    /// A read-only connection that only asks `PRAGMA data_version`, which changes whenever
    /// another connection (this store's writer, another process) commits. `None` in memory.
    watch: Option<Mutex<Connection>>,
    /// The WAL index (`-shm`), whose header every commit rewrites; see [`Store::data_version`].
    shm: Option<std::fs::File>,
    /// Batches the writer has finished; the version of an in-memory store.
    batches: Arc<AtomicU64>,
}

/// Test hook: while alive, the writer connection is held and queued writes wait. See
/// [`Platform::hold_writes`](crate::Platform::hold_writes).
#[doc(hidden)]
pub struct WriteHold<'a> {
    _writer: MutexGuard<'a, Connection>,
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves no half-done write behind (savepoints roll
    // back on drop), so the connection is still good.
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
        // Migrate before readers open so they never see a half-built schema.
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                configure(&reader)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, PlatformError>>()?;
        let watch = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        configure(&watch)?;
        let mut store = Store::start(writer, readers)?;
        store.watch = Some(Mutex::new(watch));
        let mut shm_path = path.as_os_str().to_owned();
        shm_path.push("-shm");
        store.shm = std::fs::File::open(shm_path).ok();
        Ok(store)
    }

    pub(crate) fn open_memory() -> Result<Store, PlatformError> {
        let mut writer = Connection::open_in_memory()?;
        configure(&writer)?;
        migrate(&mut writer)?;
        Store::start(writer, Vec::new())
    }

    fn start(writer: Connection, readers: Vec<Mutex<Connection>>) -> Result<Store, PlatformError> {
        let writer = Arc::new(Mutex::new(writer));
        let (jobs, queue) = mpsc::channel();
        let conn = writer.clone();
        let batches = Arc::new(AtomicU64::new(0));
        let done = batches.clone();
        let writer_thread = std::thread::Builder::new()
            .name("minihost-platform-writer".into())
            .spawn(move || write_batches(&conn, &queue, &done))
            .map_err(|source| PlatformError::Io {
                context: "cannot start the platform writer thread".into(),
                source,
            })?;
        Ok(Store {
            jobs: Some(jobs),
            writer_thread: Some(writer_thread),
            writer,
            readers,
            next_reader: AtomicUsize::new(0),
            submitted: AtomicU64::new(0),
            watch: None,
            shm: None,
            batches,
        })
    }

    /// The clock offset [`Store::save_clock_offset`] stored; 0 for a new database.
    pub(crate) fn clock_offset(&self) -> Result<u64, PlatformError> {
        let stored: Option<String> = self.read(|conn| {
            conn.query_row("SELECT value FROM meta WHERE key = 'clock_offset'", [], |r| r.get(0))
                .optional()
        })?;
        Ok(stored.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Stores the clock offset; it only grows, also when two processes advance at once.
    pub(crate) async fn save_clock_offset(&self, offset: u64) -> Result<(), PlatformError> {
        self.write_async(move |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('clock_offset', ?1) ON CONFLICT (key) DO UPDATE SET value = \
                 CASE WHEN CAST(excluded.value AS INTEGER) > CAST(value AS INTEGER) THEN excluded.value ELSE value END",
                [offset.to_string()],
            )
        })
        .await?;
        Ok(())
    }

    /// Changes whenever committed state may have changed, by this process or another one
    /// sharing the file; equal values mean nothing was committed in between. Take it before
    /// the read it validates.
    ///
    /// On a file it is the WAL-index header (the first 48 bytes of `-shm`, the copy a writer
    /// stores last; <https://www.sqlite.org/walformat.html>): every commit changes its frame
    /// count and checksums, every WAL restart its salts. One `pread` (about 0.6 µs here)
    /// against 2.4 µs for `PRAGMA data_version`, which needs a read transaction and is the
    /// fallback. A read racing a commit sees the old header (the commit is not done yet) or
    /// a mix, which differs and only costs a fresh read.
    pub(crate) fn data_version(&self) -> rusqlite::Result<DataVersion> {
        #[cfg(unix)]
        if let Some(shm) = &self.shm {
            let mut header = [0u8; 48];
            if std::os::unix::fs::FileExt::read_exact_at(shm, &mut header, 0).is_ok() && header != [0; 48] {
                return Ok(DataVersion::WalIndex(header));
            }
        }
        match &self.watch {
            Some(watch) => {
                let conn = lock(watch);
                let v: i64 = conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?;
                Ok(DataVersion::Counter(v as u64))
            }
            None => Ok(DataVersion::Counter(self.batches.load(Ordering::Acquire))),
        }
    }

    /// Loads (or on first open creates) the id secret and seeds users once per database.
    pub(crate) fn init(&self, now: u64, seed_users: bool) -> Result<IdSecret, PlatformError> {
        // Every start but the first finds the secret: a read, no write job.
        let stored: Option<String> = self.read(|conn| {
            conn.query_row("SELECT value FROM meta WHERE key = 'id_secret'", [], |r| r.get(0))
                .optional()
        })?;
        if let Some(hex) = stored {
            return IdSecret::from_hex(&hex);
        }
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            let stored: Option<String> = tx
                .query_row("SELECT value FROM meta WHERE key = 'id_secret'", [], |r| r.get(0))
                .optional()?;
            let secret = match stored {
                Some(hex) => hex,
                None => {
                    let secret = IdSecret::generate().to_hex();
                    tx.execute("INSERT INTO meta (key, value) VALUES ('id_secret', ?1)", [&secret])?;
                    if seed_users {
                        users::insert_seeds(&tx, now)?;
                    }
                    secret
                }
            };
            tx.commit()?;
            IdSecret::from_hex(&secret)
        })
    }

    fn submit<T, E, F>(&self, job: F, reply: impl FnOnce(Result<T, E>) + Send + 'static)
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let job: Job = Box::new(move |conn| {
            let result = job(conn);
            Box::new(move |commit_error| {
                reply(match commit_error {
                    Some(err) => Err(E::from(copy_error(err))),
                    None => result,
                })
            })
        });
        // The writer thread lives as long as the store; a send can fail only if it died, and
        // then the dropped reply tells the caller.
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
        self.submitted.fetch_add(1, Ordering::Relaxed);
    }

    /// For tests: holds the writer connection, so the writer thread stops at its next batch.
    pub(crate) fn hold_writes(&self) -> WriteHold<'_> {
        WriteHold {
            _writer: lock(&self.writer),
        }
    }

    /// For tests: how many write jobs have been queued for the writer, committed or not.
    pub(crate) fn writes_submitted(&self) -> u64 {
        self.submitted.load(Ordering::Relaxed)
    }

    /// Runs `job` on the writer thread and waits until its batch is committed. Use savepoints
    /// in `job` for atomicity; its error does not undo what it committed to its savepoint.
    pub(crate) fn write<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(job, move |result| {
            let _ = tx.send(result);
        });
        rx.recv().unwrap_or_else(|_| Err(E::from(writer_gone())))
    }

    /// [`Store::write`] for async callers: waits without blocking the runtime's threads, which
    /// is what lets concurrent requests share a commit.
    pub(crate) async fn write_async<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(job, move |result| {
            let _ = tx.send(result);
        });
        rx.await.unwrap_or_else(|_| Err(E::from(writer_gone())))
    }

    /// Runs `f` on a reader connection (the writer between batches when in memory). Reads see
    /// the latest committed state.
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

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the queue lets the writer finish what is queued and stop.
        self.jobs = None;
        if let Some(thread) = self.writer_thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_batches(conn: &Mutex<Connection>, queue: &mpsc::Receiver<Job>, batches: &AtomicU64) {
    while let Ok(first) = queue.recv() {
        let mut conn = lock(conn);
        // If another process holds the write lock past the busy timeout, run this batch's
        // jobs one by one: each savepoint is then its own transaction and reports its own error.
        let batched = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
        let mut deliveries: Vec<Delivery> = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)));
            match outcome {
                Ok(delivery) if batched => deliveries.push(delivery),
                Ok(delivery) => {
                    batches.fetch_add(1, Ordering::Release);
                    delivery(None)
                }
                // The job's reply was dropped with it, which its caller sees as an error.
                Err(_) => tracing::error!("a platform write job panicked"),
            }
            next = if deliveries.len() < MAX_BATCH {
                queue.try_recv().ok()
            } else {
                None
            };
        }
        if batched {
            let committed = conn.execute_batch("COMMIT");
            if committed.is_err() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            drop(conn);
            // Before the replies: a caller that saw its write done sees the new version.
            batches.fetch_add(1, Ordering::Release);
            let error = committed.err();
            for delivery in deliveries {
                delivery(error.as_ref());
            }
        }
    }
}

/// rusqlite errors are not `Clone`; every job of a failed batch gets its own copy.
fn copy_error(err: &rusqlite::Error) -> rusqlite::Error {
    match err {
        rusqlite::Error::SqliteFailure(code, message) => rusqlite::Error::SqliteFailure(*code, message.clone()),
        other => rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR), Some(other.to_string())),
    }
}

fn writer_gone() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some("the platform writer stopped".into()),
    )
}

fn configure(conn: &Connection) -> Result<(), PlatformError> {
    // Another process (the CLI, a second server) may hold the write lock briefly.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), PlatformError> {
    let known = MIGRATIONS.len() as i64;
    // An up-to-date schema (every start but the first) needs no write lock.
    if conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? == known {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
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
    use crate::{HostApp, Platform, PlatformOptions};

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
        let path = dir.path().join(crate::DATABASE_FILE);
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = Platform::open(dir.path(), PlatformOptions::default()).unwrap_err();
        assert!(err.to_string().contains("schema version 99"), "{err}");
    }

    #[test]
    fn a_panicking_write_job_fails_alone_and_the_writer_goes_on() {
        let platform = Platform::in_memory(PlatformOptions::default()).unwrap();
        let store = &platform.inner.store;
        let failed: Result<(), PlatformError> = store.write(|_| panic!("job bug"));
        assert!(failed.unwrap_err().to_string().contains("writer"));
        let count: i64 = store
            .write(|conn| conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)))
            .unwrap();
        assert!(count > 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_async_writes_all_commit_and_are_visible_to_readers() {
        let dir = tempfile::tempdir().unwrap();
        let platform = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let platform = platform.clone();
                tokio::spawn(async move {
                    platform
                        .inner
                        .store
                        .write_async(move |conn| conn.execute("INSERT INTO meta (key, value) VALUES (?1, 'v')", [format!("k{i}")]))
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 1);
        }
        let count: i64 = platform
            .inner
            .store
            .read(|conn| conn.query_row("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(count, 200);
    }

    #[test]
    fn a_failed_statement_in_a_batch_does_not_undo_the_others() {
        let platform = Platform::in_memory(PlatformOptions::default()).unwrap();
        let store = &platform.inner.store;
        let dup = store.write(|conn| conn.execute("INSERT INTO meta (key, value) VALUES ('id_secret', 'x')", []));
        assert!(dup.is_err(), "the key exists");
        store
            .write(|conn| conn.execute("INSERT INTO meta (key, value) VALUES ('other', 'y')", []))
            .unwrap();
        let n: i64 = store
            .read(|conn| conn.query_row("SELECT COUNT(*) FROM meta", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn different_data_dirs_have_different_secrets() {
        let a = Platform::in_memory(PlatformOptions::default()).unwrap();
        let b = Platform::in_memory(PlatformOptions::default()).unwrap();
        assert_ne!(a.open_id(HostApp::TikTok, "k", 1), b.open_id(HostApp::TikTok, "k", 1));
    }
}
