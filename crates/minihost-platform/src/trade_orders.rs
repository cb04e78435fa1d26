//! Trade orders: created by the app's server (`/v2/minis/trade_order/create/`,
//! `/v2/minis/subscription/create/`), paid once by the host's pay sheet, refunded by the admin.
//! Paying is one transaction: the checks, the debit and its ledger row, the status change and
//! the `minis.trade_order.redeem.success` webhook commit together or not at all.

use minihost_platform_api::monetization::{DeclineReason, OrderKind, OrderStatus, PaidOrder, PayRequest, TradeOrder};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::{json, Value};

use super::beans::{self, change_beans, Reason};
use super::webhooks::{self, Event};
use super::{ids, Commit, Platform, PlatformError};

pub(crate) const EVENT_REDEEM_SUCCESS: &str = "minis.trade_order.redeem.success";
pub(crate) const EVENT_REFUND_SUCCESS: &str = "minis.trade_order.refund_success";

/// Every order the emulator takes is a sandbox order: no money moves.
pub(crate) const IS_SANDBOX: bool = true;

/// A trade order with what only the platform sees: who, from which host app, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderRecord {
    #[serde(flatten)]
    pub order: TradeOrder,
    pub host_app: String,
    /// `order_info` as the app sent it.
    pub order_info: Value,
    pub paid_at: Option<i64>,
    pub refunded_at: Option<i64>,
}

/// Why the platform did not create an order; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OrderError {
    /// The app used this order id (`order_info.order_id`) before.
    #[error("order id {0} is taken")]
    OrderIdTaken(String),
    #[error("the user already has active subscription {existing} of tier {tier}")]
    AlreadySubscribed { existing: String, tier: String },
    /// No subscription of the buyer's has this id.
    #[error("no subscription {0} of this user and app")]
    NoSuchSubscription(String),
    #[error("subscription {0} is active and renews normally; nothing to reactivate")]
    NothingToReactivate(String),
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

impl From<rusqlite::Error> for OrderError {
    fn from(e: rusqlite::Error) -> OrderError {
        OrderError::Platform(e.into())
    }
}

/// Who an order is created for: the user and app of the access token.
#[derive(Clone, Debug)]
pub(crate) struct Buyer {
    pub(crate) user_id: i64,
    pub(crate) client_key: String,
    pub(crate) host_app: String,
}

/// An order about to be created, its fields checked.
#[derive(Clone, Debug)]
pub(crate) struct NewOrder {
    pub(crate) kind: OrderKind,
    pub(crate) order_id: String,
    pub(crate) order_info: Value,
    pub(crate) product_name: String,
    pub(crate) image_url: Option<String>,
    pub(crate) token_amount: i64,
    pub(crate) tier_id: Option<String>,
    pub(crate) subscription_id: Option<String>,
}

const ORDER_COLUMNS: &str = "trade_order_id, client_key, user_id, kind, status, order_id, product_name, image_url, \
     token_amount, tier_id, subscription_id, created_at, host_app, order_info, paid_at, refunded_at";

fn kind_str(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::Beans => "beans",
        OrderKind::Subscription => "subscription",
    }
}

fn record_from_row(r: &Row<'_>) -> rusqlite::Result<OrderRecord> {
    let kind: String = r.get(3)?;
    let status: String = r.get(4)?;
    let info: String = r.get(13)?;
    let corrupt = |i: usize, what: String| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into());
    Ok(OrderRecord {
        order: TradeOrder {
            trade_order_id: r.get(0)?,
            client_key: r.get(1)?,
            user_id: r.get(2)?,
            kind: match kind.as_str() {
                "beans" => OrderKind::Beans,
                "subscription" => OrderKind::Subscription,
                other => return Err(corrupt(3, format!("unknown order kind {other:?}"))),
            },
            status: match status.as_str() {
                "PENDING" => OrderStatus::Pending,
                "SUCCESS" => OrderStatus::Success,
                "REFUNDED" => OrderStatus::Refunded,
                other => return Err(corrupt(4, format!("unknown order status {other:?}"))),
            },
            order_id: r.get(5)?,
            product_name: r.get(6)?,
            image_url: r.get(7)?,
            token_amount: r.get(8)?,
            tier_id: r.get(9)?,
            subscription_id: r.get(10)?,
            created_at: r.get(11)?,
        },
        host_app: r.get(12)?,
        order_info: serde_json::from_str(&info).unwrap_or(Value::Null),
        paid_at: r.get(14)?,
        refunded_at: r.get(15)?,
    })
}

pub(crate) fn order_by_id(conn: &Connection, trade_order_id: &str) -> rusqlite::Result<Option<OrderRecord>> {
    conn.prepare_cached(&format!("SELECT {ORDER_COLUMNS} FROM trade_orders WHERE trade_order_id = ?1"))?
        .query_row([trade_order_id], record_from_row)
        .optional()
}

/// Inserts a PENDING order and returns its `TOID…`.
pub(crate) fn insert_order(conn: &Connection, buyer: &Buyer, new: &NewOrder, now: i64) -> Result<String, OrderError> {
    let trade_order_id = ids::new_public_id("TOID");
    let inserted = conn
        .prepare_cached(
            "INSERT INTO trade_orders (trade_order_id, kind, status, client_key, user_id, host_app, order_id, \
             order_info, product_name, image_url, token_amount, tier_id, subscription_id, created_at) \
             VALUES (?1, ?2, 'PENDING', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
             ON CONFLICT (client_key, order_id) DO NOTHING",
        )?
        .execute(params![
            trade_order_id,
            kind_str(new.kind),
            buyer.client_key,
            buyer.user_id,
            buyer.host_app,
            new.order_id,
            new.order_info.to_string(),
            new.product_name,
            new.image_url,
            new.token_amount,
            new.tier_id,
            new.subscription_id,
            now
        ])?;
    if inserted == 0 {
        return Err(OrderError::OrderIdTaken(new.order_id.clone()));
    }
    Ok(trade_order_id)
}

/// The order of a pay or subscribe, if the caller may pay it with `kind`'s method now
/// ([`TradeOrder::check_payable`]); declined otherwise.
pub(crate) fn payable(conn: &Connection, req: &PayRequest, kind: OrderKind) -> Result<OrderRecord, PlatformError> {
    let record = order_by_id(conn, &req.trade_order_id)?.ok_or_else(|| PlatformError::not_found("trade order", &req.trade_order_id))?;
    record
        .order
        .check_payable(&req.client_key, req.user_id, kind)
        .map_err(|why| PlatformError::declined(why.reason(), format!("trade order {} {why}", req.trade_order_id)))?;
    Ok(record)
}

pub(crate) fn mark_paid(conn: &Connection, trade_order_id: &str, subscription_id: Option<&str>, now: i64) -> Result<(), PlatformError> {
    let changed = conn
        .prepare_cached(
            "UPDATE trade_orders SET status = 'SUCCESS', paid_at = ?2, subscription_id = COALESCE(?3, subscription_id) \
             WHERE trade_order_id = ?1 AND status = 'PENDING'",
        )?
        .execute(params![trade_order_id, now, subscription_id])?;
    if changed != 1 {
        return Err(PlatformError::Corrupt(format!(
            "trade order {trade_order_id} changed under its payment"
        )));
    }
    Ok(())
}

impl Platform {
    pub(crate) fn create_order(&self, buyer: Buyer, new: NewOrder) -> Commit<String, OrderError> {
        let now = self.now();
        self.write(move |conn| insert_order(conn, &buyer, &new, now))
    }

    /// One order with its platform-side details.
    pub fn order_record(&self, trade_order_id: &str) -> Result<Option<OrderRecord>, PlatformError> {
        Ok(self.inner.store.read(|conn| order_by_id(conn, trade_order_id))?)
    }

    /// Every order (of one app, when given), newest first.
    pub fn orders(&self, client_key: Option<&str>) -> Result<Vec<OrderRecord>, PlatformError> {
        self.inner.store.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ORDER_COLUMNS} FROM trade_orders WHERE (?1 IS NULL OR client_key = ?1) ORDER BY id DESC"
            ))?;
            let rows = stmt.query_map([client_key], record_from_row)?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// Pays a PENDING Beans order from the user's wallet. Declined (nothing changed) when the
    /// order is another's, not a Beans order, not PENDING, or costs more than the balance.
    pub fn pay_order(&self, req: PayRequest) -> Commit<PaidOrder> {
        let now = self.now();
        let ids = self.inner.ids.clone();
        let pay = self.write(move |conn| {
            let tx = conn.savepoint()?;
            let record = payable(&tx, &req, OrderKind::Beans)?;
            let order = &record.order;
            let balance = beans::balance(&tx, order.user_id)?;
            if balance < order.token_amount {
                return Err(PlatformError::declined(
                    DeclineReason::InsufficientBeans,
                    format!(
                        "the balance is {balance} Beans and {} costs {} Beans",
                        order.product_name, order.token_amount
                    ),
                ));
            }
            let after = change_beans(
                &tx,
                order.user_id,
                -order.token_amount,
                Reason::Pay,
                Some(&order.trade_order_id),
                now,
            )?;
            mark_paid(&tx, &order.trade_order_id, None, now)?;
            webhooks::enqueue(
                &tx,
                &ids,
                Event {
                    client_key: &order.client_key,
                    event: EVENT_REDEEM_SUCCESS,
                    user_id: order.user_id,
                    host_app: &record.host_app,
                    trade_order_id: Some(&order.trade_order_id),
                    content: json!({
                        "trade_order_id": order.trade_order_id,
                        "order_id": order.order_id,
                        "is_sandbox": IS_SANDBOX,
                        "token_amount": order.token_amount,
                    }),
                    at: now,
                },
            )?;
            tx.commit()?;
            Ok(PaidOrder {
                trade_order_id: req.trade_order_id,
                balance: after,
            })
        });
        pay.waking_webhooks()
    }

    /// Refunds a SUCCESS Beans order: REFUNDED, the Beans back with a ledger row, and the
    /// `minis.trade_order.refund_success` webhook. Returns the refunded order and the balance.
    pub fn refund_order(&self, trade_order_id: &str) -> Commit<(OrderRecord, i64)> {
        let now = self.now();
        let ids = self.inner.ids.clone();
        let trade_order_id = trade_order_id.to_string();
        let refund = self.write(move |conn| {
            let tx = conn.savepoint()?;
            let record = order_by_id(&tx, &trade_order_id)?.ok_or_else(|| PlatformError::not_found("trade order", &trade_order_id))?;
            let order = &record.order;
            if order.kind != OrderKind::Beans {
                return Err(PlatformError::Conflict(format!(
                    "trade order {trade_order_id} is a subscription order; only Beans orders are refunded here"
                )));
            }
            if order.status != OrderStatus::Success {
                return Err(PlatformError::Conflict(format!(
                    "trade order {trade_order_id} is {}; only a SUCCESS order can be refunded",
                    order.status.as_str()
                )));
            }
            let balance = change_beans(&tx, order.user_id, order.token_amount, Reason::Refund, Some(&trade_order_id), now)?;
            tx.execute(
                "UPDATE trade_orders SET status = 'REFUNDED', refunded_at = ?2 WHERE trade_order_id = ?1",
                params![trade_order_id, now],
            )?;
            webhooks::enqueue(
                &tx,
                &ids,
                Event {
                    client_key: &order.client_key,
                    event: EVENT_REFUND_SUCCESS,
                    user_id: order.user_id,
                    host_app: &record.host_app,
                    trade_order_id: Some(&trade_order_id),
                    content: json!({
                        "trade_order_id": trade_order_id,
                        "order_id": order.order_id,
                        "is_sandbox": IS_SANDBOX,
                        "refund_amount": order.token_amount,
                    }),
                    at: now,
                },
            )?;
            let refunded = order_by_id(&tx, &trade_order_id)?.ok_or_else(|| PlatformError::not_found("trade order", &trade_order_id))?;
            tx.commit()?;
            Ok((refunded, balance))
        });
        refund.waking_webhooks()
    }
}
