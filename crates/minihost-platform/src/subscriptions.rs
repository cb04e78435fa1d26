//! Subscriptions (platform-spec §3.2): started or reactivated by paying a subscription order
//! (`TTMinis.createSubscription`; paid through the app store, so no Beans move), renewed on the
//! platform clock every [`SANDBOX_RENEWAL_SECS`] for [`SANDBOX_RENEWALS`] renewals, then
//! expired. [`Platform::process_subscriptions`] does what is due up to now: the delivery worker
//! runs it every second, and `/__admin/clock/advance` runs it before it answers.

use minihost_platform_api::monetization::{
    subscription_tier, DeclineReason, OrderKind, PayRequest, Subscribed, SANDBOX_RENEWALS, SANDBOX_RENEWAL_SECS,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::json;

use super::ids::IdSecret;
use super::trade_orders::{insert_order, mark_paid, order_by_id, payable, Buyer, NewOrder, OrderError};
use super::webhooks::{self, Event};
use super::{ids, Commit, Platform, PlatformError};

pub(crate) const EVENT_CREATE: &str = "minis.subscription.create";
pub(crate) const EVENT_RENEW: &str = "minis.subscription.renew";
pub(crate) const EVENT_EXPIRE: &str = "minis.subscription.expire";
pub(crate) const EVENT_REACTIVATE: &str = "minis.subscription.reactivate";

/// Subscriptions processed per write job, so renewals never hold the writer long.
const BATCH: i64 = 200;

/// A subscription as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub subscription_id: String,
    pub user_id: i64,
    pub client_key: String,
    pub host_app: String,
    pub tier_id: String,
    /// The order that started it or last reactivated it.
    pub trade_order_id: String,
    pub is_sandbox: bool,
    /// The current period, platform-clock Unix seconds.
    pub begin_time: i64,
    pub end_time: i64,
    /// When the next renewal happens; 0 when none will.
    pub next_deduct_time: i64,
    /// Renewals so far (periods after the first).
    pub renewals: u32,
    pub renewal_on: bool,
    /// `active` or `expired`.
    pub status: String,
}

impl Subscription {
    pub(crate) fn active(&self) -> bool {
        self.status == "active"
    }
}

const SUB_COLUMNS: &str = "subscription_id, user_id, client_key, host_app, tier_id, trade_order_id, is_sandbox, \
     begin_time, end_time, next_deduct_time, renewals, renewal_on, status";

fn sub_from_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        subscription_id: r.get(0)?,
        user_id: r.get(1)?,
        client_key: r.get(2)?,
        host_app: r.get(3)?,
        tier_id: r.get(4)?,
        trade_order_id: r.get(5)?,
        is_sandbox: r.get(6)?,
        begin_time: r.get(7)?,
        end_time: r.get(8)?,
        next_deduct_time: r.get(9)?,
        renewals: r.get(10)?,
        renewal_on: r.get(11)?,
        status: r.get(12)?,
    })
}

fn sub_by_id(conn: &Connection, subscription_id: &str) -> rusqlite::Result<Option<Subscription>> {
    conn.prepare_cached(&format!("SELECT {SUB_COLUMNS} FROM subscriptions WHERE subscription_id = ?1"))?
        .query_row([subscription_id], sub_from_row)
        .optional()
}

fn active_of_tier(conn: &Connection, user_id: i64, client_key: &str, tier_id: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT subscription_id FROM subscriptions WHERE user_id = ?1 AND client_key = ?2 AND tier_id = ?3 \
         AND status = 'active'",
    )?
    .query_row(params![user_id, client_key, tier_id], |r| r.get(0))
    .optional()
}

fn next_deduct(renewal_on: bool, renewals: u32, end_time: i64) -> i64 {
    if renewal_on && renewals < SANDBOX_RENEWALS {
        end_time
    } else {
        0
    }
}

fn save(conn: &Connection, s: &Subscription) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE subscriptions SET trade_order_id = ?2, begin_time = ?3, end_time = ?4, next_deduct_time = ?5, \
         renewals = ?6, renewal_on = ?7, status = ?8 WHERE subscription_id = ?1",
    )?
    .execute(params![
        s.subscription_id,
        s.trade_order_id,
        s.begin_time,
        s.end_time,
        s.next_deduct_time,
        s.renewals,
        s.renewal_on,
        s.status
    ])?;
    Ok(())
}

/// Queues a subscription webhook for `s` at `at`.
fn notify(conn: &Connection, ids: &IdSecret, s: &Subscription, event: &'static str, at: i64) -> Result<(), PlatformError> {
    let order_id = order_by_id(conn, &s.trade_order_id)?.map(|o| o.order.order_id);
    webhooks::enqueue(
        conn,
        ids,
        Event {
            client_key: &s.client_key,
            event,
            user_id: s.user_id,
            host_app: &s.host_app,
            trade_order_id: Some(&s.trade_order_id),
            content: json!({
                "trade_order_id": s.trade_order_id,
                "order_id": order_id,
                "is_sandbox": s.is_sandbox,
                "pay_type": "IAP",
                "subscription_id": s.subscription_id,
                "tier_id": s.tier_id,
            }),
            at,
        },
    )?;
    Ok(())
}

/// Renews or expires every active subscription whose period ended by `now`, oldest first;
/// returns how many subscriptions it touched.
fn process_batch(conn: &mut Connection, ids: &IdSecret, now: i64) -> Result<usize, PlatformError> {
    let tx = conn.savepoint()?;
    let due: Vec<Subscription> = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {SUB_COLUMNS} FROM subscriptions WHERE status = 'active' AND end_time <= ?1 ORDER BY end_time LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![now, BATCH], sub_from_row)?.collect::<Result<_, _>>()?;
        rows
    };
    for mut s in due.iter().cloned() {
        while s.active() && s.end_time <= now {
            let boundary = s.end_time;
            if s.renewal_on && s.renewals < SANDBOX_RENEWALS {
                s.renewals += 1;
                s.begin_time = boundary;
                s.end_time = boundary + SANDBOX_RENEWAL_SECS;
                s.next_deduct_time = next_deduct(s.renewal_on, s.renewals, s.end_time);
                notify(&tx, ids, &s, EVENT_RENEW, boundary)?;
            } else {
                s.status = "expired".into();
                s.next_deduct_time = 0;
                notify(&tx, ids, &s, EVENT_EXPIRE, boundary)?;
            }
        }
        save(&tx, &s)?;
    }
    tx.commit()?;
    Ok(due.len())
}

impl Platform {
    pub(crate) fn create_subscription_order(&self, buyer: Buyer, new: NewOrder) -> Commit<String, OrderError> {
        let now = self.now();
        self.write(move |conn| {
            let tier = new.tier_id.clone().unwrap_or_default();
            if let Some(existing) = active_of_tier(conn, buyer.user_id, &buyer.client_key, &tier)? {
                return Err(OrderError::AlreadySubscribed { existing, tier });
            }
            insert_order(conn, &buyer, &new, now)
        })
    }

    /// A reactivation order for a subscription whose renewal is off or that expired.
    pub(crate) fn reactivate_order(&self, buyer: Buyer, subscription_id: String, mut new: NewOrder) -> Commit<String, OrderError> {
        let now = self.now();
        self.write(move |conn| {
            let sub = sub_by_id(conn, &subscription_id)?
                .filter(|s| s.user_id == buyer.user_id && s.client_key == buyer.client_key)
                .ok_or_else(|| OrderError::NoSuchSubscription(subscription_id.clone()))?;
            if sub.active() && sub.renewal_on {
                return Err(OrderError::NothingToReactivate(subscription_id));
            }
            new.tier_id = Some(sub.tier_id);
            new.subscription_id = Some(subscription_id);
            insert_order(conn, &buyer, &new, now)
        })
    }

    /// Starts (or reactivates) the subscription of a PENDING subscription order.
    pub fn subscribe(&self, req: PayRequest) -> Commit<Subscribed> {
        let now = self.now();
        let ids = self.inner.ids.clone();
        let subscribe = self.write(move |conn| {
            let tx = conn.savepoint()?;
            let record = payable(&tx, &req, OrderKind::Subscription)?;
            let order = &record.order;
            let tier_id = order.tier_id.clone().unwrap_or_default();
            let tier = subscription_tier(&tier_id).ok_or_else(|| PlatformError::Corrupt(format!("order with unknown tier {tier_id:?}")))?;
            let already = || {
                PlatformError::declined(
                    DeclineReason::AlreadySubscribed,
                    format!("the user already has an active subscription of tier {tier_id}"),
                )
            };
            let (sub, event) = match &order.subscription_id {
                None => {
                    if active_of_tier(&tx, order.user_id, &order.client_key, &tier_id)?.is_some() {
                        return Err(already());
                    }
                    let sub = Subscription {
                        subscription_id: ids::new_public_id("SUB"),
                        user_id: order.user_id,
                        client_key: order.client_key.clone(),
                        host_app: record.host_app.clone(),
                        tier_id: tier_id.clone(),
                        trade_order_id: order.trade_order_id.clone(),
                        is_sandbox: tier.is_sandbox,
                        begin_time: now,
                        end_time: now + SANDBOX_RENEWAL_SECS,
                        next_deduct_time: now + SANDBOX_RENEWAL_SECS,
                        renewals: 0,
                        renewal_on: true,
                        status: "active".into(),
                    };
                    tx.prepare_cached(&format!(
                        "INSERT INTO subscriptions ({SUB_COLUMNS}, created_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                    ))?
                    .execute(params![
                        sub.subscription_id,
                        sub.user_id,
                        sub.client_key,
                        sub.host_app,
                        sub.tier_id,
                        sub.trade_order_id,
                        sub.is_sandbox,
                        sub.begin_time,
                        sub.end_time,
                        sub.next_deduct_time,
                        sub.renewals,
                        sub.renewal_on,
                        sub.status,
                        now
                    ])?;
                    (sub, EVENT_CREATE)
                }
                Some(id) => {
                    let mut sub = sub_by_id(&tx, id)?.ok_or_else(|| PlatformError::not_found("subscription", id))?;
                    if sub.active() && sub.renewal_on {
                        return Err(already());
                    }
                    if !sub.active() {
                        if active_of_tier(&tx, sub.user_id, &sub.client_key, &sub.tier_id)?.is_some() {
                            return Err(already());
                        }
                        sub.status = "active".into();
                        sub.begin_time = now;
                        sub.end_time = now + SANDBOX_RENEWAL_SECS;
                        sub.renewals = 0;
                    }
                    sub.renewal_on = true;
                    sub.trade_order_id = order.trade_order_id.clone();
                    sub.next_deduct_time = next_deduct(true, sub.renewals, sub.end_time);
                    save(&tx, &sub)?;
                    (sub, EVENT_REACTIVATE)
                }
            };
            mark_paid(&tx, &order.trade_order_id, Some(&sub.subscription_id), now)?;
            notify(&tx, &ids, &sub, event, now)?;
            tx.commit()?;
            Ok(Subscribed {
                trade_order_id: req.trade_order_id,
                subscription_id: sub.subscription_id,
            })
        });
        subscribe.waking_webhooks()
    }

    /// Renews and expires what is due by the platform clock; returns how many subscriptions
    /// changed. Idempotent: what is done is not due any more.
    pub async fn process_subscriptions(&self) -> Result<usize, PlatformError> {
        let _due = self.inner.subscriptions_due.lock().await;
        self.process_due_subscriptions().await
    }

    /// [`Platform::process_subscriptions`] for a caller that holds `subscriptions_due`.
    pub(crate) async fn process_due_subscriptions(&self) -> Result<usize, PlatformError> {
        let now = self.now();
        let mut total = 0;
        while self.subscriptions_due(now)? {
            let ids = self.inner.ids.clone();
            total += self.write(move |conn| process_batch(conn, &ids, now)).await?;
        }
        if total > 0 {
            self.wake_webhooks();
        }
        Ok(total)
    }

    fn subscriptions_due(&self, now: i64) -> Result<bool, PlatformError> {
        Ok(self.inner.store.read(|conn| {
            conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE status = 'active' AND end_time <= ?1)")?
                .query_row([now], |r| r.get(0))
        })?)
    }

    pub fn subscription(&self, subscription_id: &str) -> Result<Option<Subscription>, PlatformError> {
        Ok(self.inner.store.read(|conn| sub_by_id(conn, subscription_id))?)
    }

    /// Subscriptions of one app (and one user, when given), newest first.
    pub fn subscriptions(&self, client_key: Option<&str>, user_id: Option<i64>) -> Result<Vec<Subscription>, PlatformError> {
        self.inner.store.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {SUB_COLUMNS} FROM subscriptions WHERE (?1 IS NULL OR client_key = ?1) \
                 AND (?2 IS NULL OR user_id = ?2) ORDER BY id DESC"
            ))?;
            let rows = stmt
                .query_map(params![client_key, user_id], sub_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// Turns renewal off: the subscription stays valid to the end of its period, then expires.
    pub fn cancel_subscription(&self, subscription_id: &str) -> Commit<Subscription> {
        let subscription_id = subscription_id.to_string();
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            let mut sub = sub_by_id(&tx, &subscription_id)?.ok_or_else(|| PlatformError::not_found("subscription", &subscription_id))?;
            if !sub.active() {
                return Err(PlatformError::Conflict(format!(
                    "subscription {subscription_id} has expired already"
                )));
            }
            sub.renewal_on = false;
            sub.next_deduct_time = 0;
            save(&tx, &sub)?;
            tx.commit()?;
            Ok(sub)
        })
    }
}
