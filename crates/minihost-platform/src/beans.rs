//! The Beans wallet: every change of `users.beans` goes through [`change_beans`], which writes
//! the ledger row in the same transaction, so the ledger always sums to the balances. Top-ups
//! (the wallet sheet) and the admin's set-balance live here; paying and refunding are in
//! `trade_orders`.

use minihost_platform_api::monetization::{Balance, TopUp};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Commit, Platform, PlatformError};

/// Largest single top-up, and the largest balance an admin may set.
pub(crate) const MAX_BEANS: i64 = 1_000_000_000_000;

/// Why a balance changed, as the ledger records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    Pay,
    Refund,
    TopUp,
    AdminSet,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Pay => "pay",
            Reason::Refund => "refund",
            Reason::TopUp => "top_up",
            Reason::AdminSet => "admin_set",
        }
    }
}

/// One row of the Beans ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub user_id: i64,
    pub delta: i64,
    pub balance_after: i64,
    /// `pay`, `refund`, `top_up` or `admin_set`.
    pub reason: String,
    pub trade_order_id: Option<String>,
    /// Platform-clock Unix seconds.
    pub at: i64,
}

pub(crate) fn balance(conn: &Connection, user_id: i64) -> Result<i64, PlatformError> {
    conn.prepare_cached("SELECT beans FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| PlatformError::not_found("user", user_id))
}

/// Adds `delta` (may be negative) to the user's Beans and records it; returns the new balance.
/// Call inside the caller's savepoint. A balance that would go negative fails the CHECK.
pub(crate) fn change_beans(
    conn: &Connection,
    user_id: i64,
    delta: i64,
    reason: Reason,
    trade_order_id: Option<&str>,
    now: i64,
) -> Result<i64, PlatformError> {
    let after: i64 = conn
        .prepare_cached("UPDATE users SET beans = beans + ?1 WHERE id = ?2 RETURNING beans")?
        .query_row(params![delta, user_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| PlatformError::not_found("user", user_id))?;
    conn.prepare_cached(
        "INSERT INTO beans_ledger (user_id, delta, balance_after, reason, trade_order_id, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![user_id, delta, after, reason.as_str(), trade_order_id, now])?;
    Ok(after)
}

fn check_amount(field: &'static str, beans: i64, min: i64) -> Result<(), PlatformError> {
    if beans < min || beans > MAX_BEANS {
        return Err(PlatformError::invalid(
            field,
            format!("must be a whole number of Beans from {min} to {MAX_BEANS} (got {beans})"),
        ));
    }
    Ok(())
}

impl Platform {
    /// Adds Beans to a wallet, with its ledger row.
    pub fn top_up(&self, req: TopUp) -> Commit<Balance> {
        self.prepare(|| {
            check_amount("beans", req.beans, 1)?;
            let now = self.now();
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                let beans = change_beans(&tx, req.user_id, req.beans, Reason::TopUp, None, now)?;
                tx.commit()?;
                Ok(Balance {
                    user_id: req.user_id,
                    beans,
                })
            }))
        })
    }

    /// Sets a user's balance (admin), recording the difference in the ledger. Answers the
    /// balance and the delta (0 when it was already `beans`, and then nothing is recorded).
    pub fn set_beans(&self, user_id: i64, beans: i64) -> Commit<(Balance, i64)> {
        self.prepare(|| {
            check_amount("beans", beans, 0)?;
            let now = self.now();
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                let delta = beans - balance(&tx, user_id)?;
                if delta != 0 {
                    change_beans(&tx, user_id, delta, Reason::AdminSet, None, now)?;
                }
                tx.commit()?;
                Ok((Balance { user_id, beans }, delta))
            }))
        })
    }

    /// A user's ledger, oldest first.
    pub fn ledger(&self, user_id: i64) -> Result<Vec<LedgerEntry>, PlatformError> {
        self.inner.store.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, user_id, delta, balance_after, reason, trade_order_id, at FROM beans_ledger \
                 WHERE user_id = ?1 ORDER BY id",
            )?;
            let rows = stmt
                .query_map([user_id], |r| {
                    Ok(LedgerEntry {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        delta: r.get(2)?,
                        balance_after: r.get(3)?,
                        reason: r.get(4)?,
                        trade_order_id: r.get(5)?,
                        at: r.get(6)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }
}
