//! Webhooks (platform-spec §3.4): an outbox in SQLite and the worker that delivers it.
//!
//! An event is queued by [`enqueue`] inside the transaction that caused it (a payment, a
//! refund, a renewal), with the exact body bytes every attempt will send. The worker started by
//! [`serve_with_shutdown`](crate::serve_with_shutdown) posts due deliveries to the app's current
//! webhook URL, signed at send time with the platform clock (`Tiktok-Signature`), and retries
//! with exponential backoff on the platform clock until [`WEBHOOK_GIVE_UP_SECS`]. A delivery is
//! `pending` until an answer is recorded, so one whose answer was lost (a crash mid-send) goes
//! out again: delivery is at-least-once, and receivers de-duplicate.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use minihost_platform_api::webhook::{sign, SIGNATURE_HEADER};
use minihost_platform_api::HostApp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::{json, Value};

use super::apps::app_by_key;
use super::ids::IdSecret;
use super::{Commit, Platform, PlatformError};

/// How long one attempt may take before it counts as failed.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// Platform-clock seconds after which an undelivered webhook is given up (`failed`); the docs
/// say TikTok retries for up to 72 h.
pub const WEBHOOK_GIVE_UP_SECS: i64 = 72 * 3_600;
/// The first retry waits this long; each further one twice as long, up to [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 10;
const MAX_BACKOFF_SECS: i64 = 3_600;
/// Attempts in flight at once.
const MAX_IN_FLIGHT: usize = 32;
/// How often the worker looks for due work when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);
/// A claimed delivery is not due for anyone else this long (platform seconds): longer than an
/// attempt may take, short enough that a process that died mid-attempt is retried soon.
const LEASE_SECS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One webhook of the outbox, as `/__admin/webhooks` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub client_key: String,
    pub event: String,
    pub trade_order_id: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// Platform-clock Unix seconds: when it was queued (or queued again by a resend).
    pub queued_at: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    /// The HTTP status of the last attempt, if it got one.
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    /// The body every attempt sends, byte for byte.
    pub body: String,
}

const DELIVERY_COLUMNS: &str = "id, client_key, event, trade_order_id, status, attempts, queued_at, \
     next_attempt_at, delivered_at, last_status, last_error, body";

fn delivery_from_row(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    let status: String = r.get(4)?;
    let body: Vec<u8> = r.get(11)?;
    Ok(Delivery {
        id: r.get(0)?,
        client_key: r.get(1)?,
        event: r.get(2)?,
        trade_order_id: r.get(3)?,
        status: DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed),
        attempts: r.get(5)?,
        queued_at: r.get(6)?,
        next_attempt_at: r.get(7)?,
        delivered_at: r.get(8)?,
        last_status: r.get::<_, Option<i64>>(9)?.and_then(|s| u16::try_from(s).ok()),
        last_error: r.get(10)?,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A webhook event about to be queued.
pub(crate) struct Event<'a> {
    pub(crate) client_key: &'a str,
    /// `minis.trade_order.redeem.success`, ...
    pub(crate) event: &'static str,
    pub(crate) user_id: i64,
    pub(crate) host_app: &'a str,
    pub(crate) trade_order_id: Option<&'a str>,
    /// The members of `content` (sent as a JSON string, as the docs show).
    pub(crate) content: Value,
    pub(crate) at: i64,
}

/// Queues `event` in the caller's transaction. Apps without a webhook URL get none; returns
/// whether one was queued.
pub(crate) fn enqueue(conn: &Connection, ids: &IdSecret, event: Event<'_>) -> Result<bool, PlatformError> {
    let app = app_by_key(conn, event.client_key)?.ok_or_else(|| PlatformError::not_found("app", event.client_key))?;
    if app.webhook_url.is_none() {
        tracing::debug!(target: "minihost::platform", client_key = event.client_key, event = event.event, "no webhook_url; webhook not queued");
        return Ok(false);
    }
    let host_app: HostApp = event
        .host_app
        .parse()
        .map_err(|_| PlatformError::Corrupt(format!("unknown host app {:?}", event.host_app)))?;
    let body = json!({
        "client_key": event.client_key,
        "event": event.event,
        "create_time": event.at,
        "user_openid": ids.open_id(host_app, event.client_key, event.user_id),
        "content": event.content.to_string(),
    });
    let body = serde_json::to_vec(&body).expect("a JSON value serialises");
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries (client_key, event, trade_order_id, body, status, attempts, \
         queued_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5)",
    )?
    .execute(params![event.client_key, event.event, event.trade_order_id, body, event.at])?;
    Ok(true)
}

/// A due delivery with where and how to send it.
struct Due {
    id: i64,
    url: String,
    secret: String,
    body: Vec<u8>,
}

/// What one attempt got.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn backoff_secs(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    (FIRST_BACKOFF_SECS << doublings).min(MAX_BACKOFF_SECS)
}

fn record_job(id: i64, outcome: Outcome, now: i64) -> impl FnOnce(&mut Connection) -> Result<(), PlatformError> + Send + 'static {
    move |conn| {
        let row: Option<(i64, i64)> = conn
            .prepare_cached("SELECT attempts, queued_at FROM webhook_deliveries WHERE id = ?1 AND status = 'pending'")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((attempts, queued_at)) = row else {
            return Ok(());
        };
        let attempts = attempts + 1;
        let status = outcome.status.map(i64::from);
        if outcome.delivered() {
            conn.prepare_cached(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?2, delivered_at = ?3, \
                 last_status = ?4, last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, attempts, now, status])?;
            return Ok(());
        }
        let error = outcome
            .error
            .unwrap_or_else(|| format!("HTTP {}", outcome.status.unwrap_or_default()));
        let next = now.saturating_add(backoff_secs(attempts));
        let final_status = if now.saturating_sub(queued_at) >= WEBHOOK_GIVE_UP_SECS {
            "failed"
        } else {
            "pending"
        };
        conn.prepare_cached(
            "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4, \
             last_status = ?5, last_error = ?6 WHERE id = ?1",
        )?
        .execute(params![id, final_status, attempts, next, status, error])?;
        Ok(())
    }
}

fn due(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, a.webhook_url, a.client_secret, d.body FROM webhook_deliveries AS d \
         JOIN apps AS a ON a.client_key = d.client_key \
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND a.webhook_url IS NOT NULL \
         ORDER BY d.next_attempt_at, d.id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![now, limit as i64], |r| {
            Ok(Due {
                id: r.get(0)?,
                url: r.get(1)?,
                secret: r.get(2)?,
                body: r.get(3)?,
            })
        })?
        .collect();
    rows
}

/// Claims the due deliveries `ids` by moving each one's next attempt a lease ahead, so another
/// process on the same data dir does not send it too. Returns the ones this call claimed.
fn claim_job(ids: Vec<i64>, now: i64) -> impl FnOnce(&mut Connection) -> Result<Vec<i64>, PlatformError> + Send + 'static {
    move |conn| {
        let mut stmt = conn.prepare_cached(
            "UPDATE webhook_deliveries SET next_attempt_at = ?3 \
             WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2",
        )?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            if stmt.execute(params![id, now, now + LEASE_SECS])? == 1 {
                claimed.push(id);
            }
        }
        Ok(claimed)
    }
}

async fn attempt(client: &reqwest::Client, due: &Due, now: u64) -> Outcome {
    let sent = client
        .post(&due.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sign(&due.secret, now, &due.body))
        .body(due.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) => Outcome {
            status: Some(response.status().as_u16()),
            error: None,
        },
        Err(e) => Outcome {
            status: None,
            error: Some(if e.is_timeout() {
                format!("no answer within {WEBHOOK_TIMEOUT:?}")
            } else {
                minihost_platform_api::error_chain(&e)
            }),
        },
    }
}

impl Platform {
    /// Wakes the delivery worker (after a delivery was queued or the clock moved).
    pub(crate) fn wake_webhooks(&self) {
        self.inner.webhooks_due.notify_one();
    }

    /// Delivers due webhooks and runs due subscription renewals until its future is dropped.
    pub(crate) async fn deliver_webhooks(self) -> Infallible {
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a plain HTTP client builds");
        let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
        let permits = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
        // Attempts are aborted with the worker, so a stopped server sends nothing more.
        let mut attempts = tokio::task::JoinSet::new();
        loop {
            while attempts.try_join_next().is_some() {}
            if let Err(e) = self.process_subscriptions().await {
                tracing::warn!(target: "minihost::platform", error = %e, "processing due subscriptions failed");
            }
            let now = self.now();
            match self.claim_due(now, &in_flight).await {
                Ok(batch) => {
                    for d in batch {
                        let Ok(permit) = permits.clone().acquire_owned().await else {
                            break;
                        };
                        let (platform, client, in_flight) = (self.clone(), client.clone(), in_flight.clone());
                        attempts.spawn(async move {
                            let outcome = attempt(&client, &d, platform.clock().now()).await;
                            let delivered = outcome.delivered();
                            let recorded = platform.write(record_job(d.id, outcome, platform.now())).await;
                            if let Err(e) = recorded {
                                tracing::warn!(target: "minihost::platform", id = d.id, error = %e, "recording a webhook attempt failed; it will be sent again");
                            }
                            tracing::debug!(target: "minihost::platform", id = d.id, delivered, "webhook attempt");
                            in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&d.id);
                            drop(permit);
                            // A failed attempt may be due again at once (the clock may have moved).
                            platform.wake_webhooks();
                        });
                    }
                }
                Err(e) => tracing::warn!(target: "minihost::platform", error = %e, "reading due webhooks failed"),
            }
            tokio::select! {
                _ = self.inner.webhooks_due.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Due deliveries, each claimed for this process and marked in flight (read first, so an
    /// idle poll writes nothing). One whose attempt is still running is left alone even when an
    /// advanced clock has expired its lease: it is marked before the claim and unmarked only
    /// after its outcome is committed, so a claim either sees it in flight or sees it recorded.
    async fn claim_due(&self, now: i64, in_flight: &Mutex<HashSet<i64>>) -> Result<Vec<Due>, PlatformError> {
        let mut due = self.inner.store.read(|conn| due(conn, now, 256))?;
        due.retain(|d| in_flight.lock().unwrap_or_else(|p| p.into_inner()).insert(d.id));
        if due.is_empty() {
            return Ok(due);
        }
        let claimed = self.write(claim_job(due.iter().map(|d| d.id).collect(), now)).await;
        let mut marked = in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(e) => {
                due.iter().for_each(|d| _ = marked.remove(&d.id));
                return Err(e);
            }
        };
        due.retain(|d| claimed.contains(&d.id) || !marked.remove(&d.id));
        Ok(due)
    }

    /// The outbox, newest first, optionally of one app and in one status.
    pub fn webhook_deliveries(&self, client_key: Option<&str>, status: Option<DeliveryStatus>) -> Result<Vec<Delivery>, PlatformError> {
        self.inner.store.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE (?1 IS NULL OR client_key = ?1) \
                 AND (?2 IS NULL OR status = ?2) ORDER BY id DESC LIMIT 1000"
            ))?;
            let rows = stmt
                .query_map(params![client_key, status.map(DeliveryStatus::as_str)], delivery_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// Queues a delivered or failed webhook again, due now, with the same body.
    pub fn resend_webhook(&self, id: i64) -> Commit<Delivery> {
        let now = self.now();
        let resend = self.write(move |conn| {
            let tx = conn.savepoint()?;
            let status: String = tx
                .query_row("SELECT status FROM webhook_deliveries WHERE id = ?1", [id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| PlatformError::not_found("webhook delivery", id))?;
            if status == "pending" {
                return Err(PlatformError::Conflict(format!("webhook delivery {id} is pending already")));
            }
            tx.execute(
                "UPDATE webhook_deliveries SET status = 'pending', queued_at = ?2, next_attempt_at = ?2, \
                 delivered_at = NULL WHERE id = ?1",
                params![id, now],
            )?;
            let delivery = tx.query_row(
                &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?1"),
                [id],
                delivery_from_row,
            )?;
            tx.commit()?;
            Ok(delivery)
        });
        resend.waking_webhooks()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let steps: Vec<i64> = (1..=11).map(backoff_secs).collect();
        assert_eq!(steps, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(backoff_secs(1_000), 3_600);
        assert_eq!(backoff_secs(0), 10);
    }
}
