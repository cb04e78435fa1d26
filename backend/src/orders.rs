//! Paid episodes: a trade order per purchase (`/v2/minis/trade_order/create/`), the signed
//! webhook that confirms the payment, and `trade_order/query` when the webhook is late.

use crate::episodes::{self, paid};
use crate::error::{ApiError, ApiResult, JsonBody, Reauth};
use crate::identities;
use crate::sessions::CurrentUser;
use crate::Backend;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use minihost_platform_api::webhook::{self, SIGNATURE_HEADER};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

const REDEEM_SUCCESS: &str = "minis.trade_order.redeem.success";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    episode: i64,
}

/// `POST /api/orders`: a trade order for one episode, paid by the user with `TTMinis.pay`.
pub async fn create(State(backend): State<Backend>, me: CurrentUser, JsonBody(req): JsonBody<NewOrder>) -> ApiResult<Json<Value>> {
    let episode = paid(req.episode)?;
    let beans = episode.price_beans.unwrap_or_default();
    let identity = {
        let conn = backend.db();
        if let Some(by) = episodes::unlocked_by(&conn, me.id, episode.n)? {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("episode {} is already unlocked ({by})", episode.n),
            ));
        }
        identities::latest(&conn, me.id, backend.tiktok().client_key())?
            .ok_or_else(|| ApiError::unauthorized(Reauth::Login, "sign in with TikTok first: payments need a TikTok identity"))?
    };
    let mut nonce = [0u8; 6];
    rand::rng().fill_bytes(&mut nonce);
    let order_id = format!("ep{}-u{}-{}", episode.n, me.id, hex::encode(nonce));
    let name = format!("Episode {}", episode.n);
    let (tiktok, order_id, name) = (backend.tiktok(), order_id.as_str(), name.as_str());
    let trade_order_id = identities::call(&backend, &identity, |token| async move {
        tiktok.create_order(&token, order_id, name, beans).await
    })
    .await?;
    backend.db().execute(
        "INSERT INTO orders (trade_order_id, order_id, user_id, identity_id, episode, status, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'PENDING', ?6)",
        params![trade_order_id, order_id, me.id, identity.id, episode.n, crate::store::now()],
    )?;
    tracing::info!(target: "minihost_backend::orders", user_id = me.id, episode = episode.n, trade_order_id, "trade order created");
    Ok(Json(
        json!({ "trade_order_id": trade_order_id, "order_id": order_id, "episode": episode.n, "token_amount": beans }),
    ))
}

struct Order {
    user_id: i64,
    identity_id: i64,
    episode: i64,
    status: String,
}

fn order(conn: &Connection, trade_order_id: &str) -> Result<Option<Order>, rusqlite::Error> {
    conn.query_row(
        "SELECT user_id, identity_id, episode, status FROM orders WHERE trade_order_id = ?1",
        [trade_order_id],
        |r| {
            Ok(Order {
                user_id: r.get(0)?,
                identity_id: r.get(1)?,
                episode: r.get(2)?,
                status: r.get(3)?,
            })
        },
    )
    .optional()
}

/// Marks the order paid and unlocks its episode, once however often it is confirmed.
fn settle(conn: &Connection, trade_order_id: &str, how: &str) -> Result<Option<Order>, rusqlite::Error> {
    let tx = conn.unchecked_transaction()?;
    let Some(o) = order(&tx, trade_order_id)? else { return Ok(None) };
    tx.execute(
        "UPDATE orders SET status = 'SUCCESS', paid_at = COALESCE(paid_at, ?2) WHERE trade_order_id = ?1",
        params![trade_order_id, crate::store::now()],
    )?;
    if episodes::unlock(&tx, o.user_id, o.episode, "purchase")? {
        tracing::info!(target: "minihost_backend::orders", trade_order_id, how, "payment confirmed");
    }
    tx.commit()?;
    Ok(Some(Order {
        status: "SUCCESS".into(),
        ..o
    }))
}

/// `GET /api/orders/{trade_order_id}`: the order and whether its episode is unlocked. While
/// the webhook has not arrived, the platform is asked (`trade_order/query`).
pub async fn status(State(backend): State<Backend>, me: CurrentUser, Path(trade_order_id): Path<String>) -> ApiResult<Json<Value>> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, format!("no order {trade_order_id} of yours"));
    let mut o = order(&backend.db(), &trade_order_id)?
        .filter(|o| o.user_id == me.id)
        .ok_or_else(not_found)?;
    if o.status == "PENDING" {
        let identity = identities::by_id(&backend.db(), o.identity_id)?.ok_or_else(not_found)?;
        let (tiktok, id) = (backend.tiktok(), trade_order_id.as_str());
        let platform_status = identities::call(&backend, &identity, |token| async move { tiktok.order_status(&token, id).await }).await?;
        if platform_status == "SUCCESS" {
            o = settle(&backend.db(), &trade_order_id, "trade_order/query")?.ok_or_else(not_found)?;
        }
    }
    Ok(Json(json!({
        "trade_order_id": trade_order_id,
        "episode": o.episode,
        "status": o.status,
        "unlocked": o.status == "SUCCESS",
    })))
}

/// `POST /webhooks/tiktok`: a delivery from the platform. The signature is checked on the raw
/// bytes before anything is parsed; a delivery seen before is acknowledged and ignored.
pub async fn webhook(State(backend): State<Backend>, headers: HeaderMap, body: Bytes) -> ApiResult<Json<Value>> {
    let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let now = u64::try_from(crate::store::now()).unwrap_or_default();
    if let Err(e) = webhook::verify(backend.client_secret(), header, &body, now, backend.webhook_tolerance_secs()) {
        tracing::warn!(target: "minihost_backend::webhooks", error = %e, "webhook refused");
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()).with("field", SIGNATURE_HEADER));
    }
    let envelope: Value = serde_json::from_slice(&body).map_err(|e| ApiError::invalid("body", format!("is not JSON: {e}")))?;
    let event = envelope["event"].as_str().ok_or_else(|| ApiError::invalid("event", "is missing"))?;
    // `content` is a JSON document in a string.
    let content: Value = envelope["content"]
        .as_str()
        .and_then(|c| serde_json::from_str(c).ok())
        .ok_or_else(|| ApiError::invalid("content", "is not a JSON string"))?;
    let trade_order_id = content["trade_order_id"].as_str().unwrap_or_default();
    let key = format!("{event}:{trade_order_id}:{}", envelope["create_time"]);
    let conn = backend.db();
    let fresh = conn.execute(
        "INSERT OR IGNORE INTO webhook_events (key, event, received_at) VALUES (?1, ?2, ?3)",
        params![key, event, crate::store::now()],
    )? == 1;
    if !fresh {
        tracing::info!(target: "minihost_backend::webhooks", event, trade_order_id, "duplicate delivery ignored");
        return Ok(Json(json!({ "status": "duplicate" })));
    }
    if event == REDEEM_SUCCESS && settle(&conn, trade_order_id, "webhook")?.is_none() {
        tracing::warn!(target: "minihost_backend::webhooks", trade_order_id, "payment for an order this server did not create");
    }
    Ok(Json(json!({ "status": "ok" })))
}
