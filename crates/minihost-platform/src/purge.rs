//! Purging codes and tokens that can no longer matter, so that a long-running or load-tested
//! platform stays bounded. A row goes once it has been dead for [`PURGE_GRACE_SECS`] by the
//! platform clock; what code-replay and refresh-reuse detection need stays while the
//! authorization it would revoke still has a live token.

use std::convert::Infallible;
use std::time::Duration;

use rusqlite::{params, Connection};

use super::{Platform, PlatformError};

/// Seconds a token or code is kept after it expired (or, where allowed, was revoked), so that
/// for a while it is still refused as "expired" rather than "invalid".
pub const PURGE_GRACE_SECS: u64 = 3_600;

/// How often [`serve`](crate::serve) purges.
pub(crate) const PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// Most rows one write job deletes per statement, so a purge never holds the writer long.
const BATCH: usize = 5_000;

/// What [`Platform::purge_expired`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub tokens: usize,
    pub codes: usize,
}

/// Test hook: how many codes and tokens the database holds.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredRows {
    pub codes: u64,
    pub tokens: u64,
}

/// One batch. Deletable are: any token expired before `cutoff`; access and client tokens revoked
/// before it (they are refused the same as unknown ones); revoked refresh tokens whose family
/// has no live token left (a reuse would revoke nothing); and codes expired before it that no
/// token descends from (a used code with tokens is what replay detection revokes through).
fn purge_batch(conn: &mut Connection, now: i64, cutoff: i64) -> rusqlite::Result<Purged> {
    let limit = BATCH as i64;
    let tx = conn.savepoint()?;
    let mut tokens = tx
        .prepare_cached("DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE expires_at <= ?1 LIMIT ?2)")?
        .execute(params![cutoff, limit])?;
    tokens += tx
        .prepare_cached(
            "DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE revoked_at <= ?1 AND \
             (kind IN ('access', 'client') OR NOT EXISTS (SELECT 1 FROM tokens AS live \
             WHERE live.family_id = tokens.family_id AND live.revoked_at IS NULL AND live.expires_at > ?2)) \
             LIMIT ?3)",
        )?
        .execute(params![cutoff, now, limit])?;
    let codes = tx
        .prepare_cached(
            "DELETE FROM auth_codes WHERE id IN (SELECT id FROM auth_codes WHERE expires_at <= ?1 \
             AND NOT EXISTS (SELECT 1 FROM tokens WHERE tokens.family_id = auth_codes.id) LIMIT ?2)",
        )?
        .execute(params![cutoff, limit])?;
    tx.commit()?;
    Ok(Purged { tokens, codes })
}

impl Platform {
    /// Deletes the codes and tokens that have been dead for [`PURGE_GRACE_SECS`] by the
    /// platform clock, in batches that each go through the writer. [`serve`](crate::serve) runs
    /// this every minute.
    pub fn purge_expired(&self) -> Result<Purged, PlatformError> {
        let mut total = Purged::default();
        loop {
            let now = self.now();
            let cutoff = now.saturating_sub(i64::try_from(PURGE_GRACE_SECS).unwrap_or(i64::MAX));
            let batch = self.write(move |conn| purge_batch(conn, now, cutoff)).wait()?;
            total.tokens += batch.tokens;
            total.codes += batch.codes;
            if batch.tokens < BATCH && batch.codes < BATCH {
                return Ok(total);
            }
        }
    }

    /// Purges every [`PURGE_INTERVAL`]; never returns, so it ends when its future is dropped.
    pub(crate) async fn purge_periodically(self) -> Infallible {
        let start = tokio::time::Instant::now() + PURGE_INTERVAL;
        let mut ticks = tokio::time::interval_at(start, PURGE_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Batch after batch, waited for on a blocking thread, off the runtime's workers.
            let platform = self.clone();
            match tokio::task::spawn_blocking(move || platform.purge_expired()).await {
                Ok(Ok(purged)) => tracing::debug!(target: "minihost::platform", ?purged, "purged expired codes and tokens"),
                Ok(Err(e)) => tracing::warn!(target: "minihost::platform", error = %e, "purging expired codes and tokens failed"),
                Err(e) => tracing::error!(target: "minihost::platform", error = %e, "the purge panicked"),
            }
        }
    }

    /// Test hook: how many codes and tokens are stored.
    #[doc(hidden)]
    pub fn stored_rows(&self) -> Result<StoredRows, PlatformError> {
        self.inner.store.read(|conn| {
            let count = |table: &str| conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get::<_, i64>(0));
            Ok(StoredRows {
                codes: count("auth_codes")?.unsigned_abs(),
                tokens: count("tokens")?.unsigned_abs(),
            })
        })
    }
}
