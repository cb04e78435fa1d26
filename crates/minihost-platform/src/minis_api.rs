//! The Minis server APIs under `/v2/minis/` (platform-spec §3.1–3.3): tiers, trade orders and
//! subscriptions, called by the app's server with `Authorization: Bearer <user access token>`.
//! Every answer is the v2 envelope `{data, error: {code, message, log_id}}`, with the Minis
//! error codes as strings (`"40001000"`, ...) and `"ok"` on success.
//!
//! HTTP statuses are the emulator's choice (UNCONFIRMED): 200 for business errors (2xxxxxxx),
//! 400 for 40001000, 401 for a bad token (`access_token_invalid`, as `/v2/user/info/`), 500 for
//! 50001000. So is the mapping of the subscription-state codes (spec §3.3, UNCONFIRMED):
//! 20021101 already subscribed, 20021102 no such subscription, 20021103 cannot reactivate.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Router};
use minihost_platform_api::monetization::{beans_tier, subscription_tier, OrderKind, BEANS_TIERS};
use serde_json::{json, Map, Value};

use super::http::{bearer_token, read_body, v2_envelope, v2_token_invalid, LogId};
use super::subscriptions::Subscription;
use super::trade_orders::{Buyer, NewOrder, OrderError, OrderRecord, IS_SANDBOX};
use super::user_info::subject;
use super::{Platform, PlatformError};

const MAX_TEXT: usize = 512;
const MAX_LIST: usize = 100;
/// Largest Beans price of one order (the largest tier is 7000; this leaves room).
const MAX_TOKEN_AMOUNT: i64 = 10_000_000;

/// A Minis API failure, with its documented code.
#[derive(Debug)]
enum MinisError {
    /// 40001000; the message names the field.
    InvalidParams(String),
    /// 20001003.
    TierInvalid(String),
    /// 20011002.
    OrderNotFound(String),
    /// 20021002.
    OrderIdExists(String),
    /// 20021101 (UNCONFIRMED).
    AlreadySubscribed(String),
    /// 20021102 (UNCONFIRMED).
    SubscriptionNotFound(String),
    /// 20021103 (UNCONFIRMED).
    CannotReactivate(String),
    /// 50001000.
    Internal(PlatformError),
}

impl From<OrderError> for MinisError {
    fn from(e: OrderError) -> MinisError {
        match e {
            OrderError::OrderIdTaken(id) => MinisError::OrderIdExists(id),
            OrderError::AlreadySubscribed { .. } => MinisError::AlreadySubscribed(e.to_string()),
            OrderError::NoSuchSubscription(id) => MinisError::SubscriptionNotFound(id),
            OrderError::NothingToReactivate(_) => MinisError::CannotReactivate(e.to_string()),
            OrderError::Platform(e) => e.into(),
        }
    }
}

impl From<PlatformError> for MinisError {
    fn from(e: PlatformError) -> MinisError {
        match e {
            PlatformError::InvalidInput { field, message } => MinisError::InvalidParams(format!("{field}: {message}")),
            other => MinisError::Internal(other),
        }
    }
}

impl MinisError {
    fn code(&self) -> &'static str {
        match self {
            MinisError::InvalidParams(_) => "40001000",
            MinisError::TierInvalid(_) => "20001003",
            MinisError::OrderNotFound(_) => "20011002",
            MinisError::OrderIdExists(_) => "20021002",
            MinisError::AlreadySubscribed(_) => "20021101",
            MinisError::SubscriptionNotFound(_) => "20021102",
            MinisError::CannotReactivate(_) => "20021103",
            MinisError::Internal(_) => "50001000",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            MinisError::InvalidParams(_) => StatusCode::BAD_REQUEST,
            MinisError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::OK,
        }
    }

    fn message(&self) -> String {
        match self {
            MinisError::InvalidParams(m) => format!("invalid parameters: {m}"),
            MinisError::TierInvalid(t) => format!("tier invalid: {t}"),
            MinisError::OrderNotFound(id) => format!("order not existed: {id}"),
            MinisError::OrderIdExists(id) => format!("outer order id existed: {id}"),
            MinisError::AlreadySubscribed(m) | MinisError::CannotReactivate(m) => m.clone(),
            MinisError::SubscriptionNotFound(id) => format!("subscription not existed: {id}"),
            MinisError::Internal(e) => {
                tracing::error!(error = %e, "minis API failure");
                "internal error; see the server log".into()
            }
        }
    }

    fn response(self, log_id: &str) -> Response {
        let (status, code, message) = (self.status(), self.code(), self.message());
        v2_envelope(status, json!({}), code, &message, log_id)
    }
}

fn invalid(field: &str, why: impl std::fmt::Display) -> MinisError {
    MinisError::InvalidParams(format!("{field} {why}"))
}

pub(crate) fn routes() -> Router<Platform> {
    const ROUTES: &[(&str, Endpoint)] = &[
        ("utility/get_tier_infos", Endpoint::GetTierInfos),
        ("utility/check_redeem_amounts", Endpoint::CheckRedeemAmounts),
        ("trade_order/create", Endpoint::CreateOrder),
        ("trade_order/query", Endpoint::QueryOrder),
        ("subscription/create", Endpoint::CreateSubscription),
        ("subscription/reactivate", Endpoint::Reactivate),
        ("subscription/get_active_list", Endpoint::ActiveList),
        ("subscription/get_subscription_info", Endpoint::SubscriptionInfo),
        ("subscription/get_trade_order_info", Endpoint::TradeOrderInfo),
        ("subscription/get_subscription_tier_info", Endpoint::SubscriptionTierInfo),
    ];
    let mut router = Router::new();
    for &(path, endpoint) in ROUTES {
        let handler = move |state: State<Platform>, log_id: Extension<LogId>, headers: HeaderMap, body: Body| {
            handle(state, log_id, headers, body, endpoint)
        };
        router = router
            .route(&format!("/v2/minis/{path}/"), post(handler))
            .route(&format!("/v2/minis/{path}"), post(handler));
    }
    router
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    GetTierInfos,
    CheckRedeemAmounts,
    CreateOrder,
    QueryOrder,
    CreateSubscription,
    Reactivate,
    ActiveList,
    SubscriptionInfo,
    TradeOrderInfo,
    SubscriptionTierInfo,
}

async fn handle(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    headers: HeaderMap,
    body: Body,
    endpoint: Endpoint,
) -> Response {
    let Some(token) = bearer_token(&headers) else {
        return v2_token_invalid(&log_id);
    };
    let buyer = match subject(&platform, token) {
        Ok(Some(s)) => Buyer {
            user_id: s.user_id(),
            client_key: s.client_key().to_string(),
            host_app: s.host_app().as_str().to_string(),
        },
        Ok(None) => return v2_token_invalid(&log_id),
        Err(e) => return MinisError::Internal(e).response(&log_id),
    };
    let result = async {
        let bytes = read_body(&headers, body, platform.options().max_body_bytes)
            .await
            .map_err(|m| invalid("body", m))?;
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        let req: Value = serde_json::from_slice(bytes).map_err(|e| invalid("body", format!("is not JSON: {e}")))?;
        let req = Req(req.as_object().ok_or_else(|| invalid("body", "must be a JSON object"))?);
        dispatch(&platform, buyer, &req, endpoint).await
    }
    .await;
    match result {
        Ok(data) => v2_envelope(StatusCode::OK, data, "ok", "", &log_id),
        Err(e) => e.response(&log_id),
    }
}

async fn dispatch(platform: &Platform, buyer: Buyer, req: &Req<'_>, endpoint: Endpoint) -> Result<Value, MinisError> {
    match endpoint {
        Endpoint::GetTierInfos => {
            req.beans_token_type()?;
            let mut infos = Map::new();
            for id in req.string_list("tier_ids")? {
                let tier = beans_tier(&id).ok_or_else(|| {
                    let known: Vec<&str> = BEANS_TIERS.iter().map(|t| t.tier_id).collect();
                    MinisError::TierInvalid(format!("{id:?} (known: {})", known.join(", ")))
                })?;
                infos.insert(
                    id,
                    json!({
                        "tier_id": tier.tier_id,
                        "tier_name": tier.tier_name,
                        "token_type": "BEANS",
                        "token_amount": tier.token_amount,
                        "price": decimal(tier.price_cents),
                        "currency": tier.currency,
                        "symbol": tier.symbol,
                    }),
                );
            }
            Ok(json!({ "tier_infos": infos }))
        }
        Endpoint::CheckRedeemAmounts => {
            req.beans_token_type()?;
            let amounts = req.list("token_amounts")?;
            // UNCONFIRMED: the docs give one `valid` for the whole list; the emulator calls an
            // amount valid when it is a positive whole number of Beans within the order limit.
            let valid = amounts.iter().all(|a| a.as_i64().is_some_and(|n| n > 0 && n <= MAX_TOKEN_AMOUNT));
            Ok(json!({ "valid": valid }))
        }
        Endpoint::CreateOrder => {
            req.beans_token_type()?;
            let token_amount = req.int("token_amount")?;
            if token_amount <= 0 || token_amount > MAX_TOKEN_AMOUNT {
                return Err(invalid(
                    "token_amount",
                    format!("must be from 1 to {MAX_TOKEN_AMOUNT} Beans (got {token_amount})"),
                ));
            }
            let info = req.object("order_info")?;
            for key in ["order_url", "product_id", "quantity_unit"] {
                info.opt_string(key)?;
            }
            if let Some(q) = info.0.get("quantity").filter(|v| !v.is_null()) {
                if q.as_i64().is_none_or(|n| n <= 0) {
                    return Err(invalid(&info.path("quantity"), "must be a positive integer"));
                }
            }
            let image_url = match info.opt_string("image_url")? {
                Some(url) => Some(url),
                // The in-app purchase doc's field table spells it so.
                None => info.opt_string("iamge_url")?,
            };
            let new = NewOrder {
                kind: OrderKind::Beans,
                order_id: info.string("order_id")?,
                product_name: info.string("product_name")?,
                order_info: Value::Object(info.0.clone()),
                image_url,
                token_amount,
                tier_id: None,
                subscription_id: None,
            };
            let trade_order_id = platform.create_order(buyer, new).await?;
            Ok(json!({ "trade_order_id": trade_order_id }))
        }
        Endpoint::QueryOrder => {
            let order = own_order(platform, &buyer, &req.string("trade_order_id")?)?;
            Ok(json!({
                "trade_order_id": order.order.trade_order_id,
                "trade_order_status": order.order.status.as_str(),
            }))
        }
        Endpoint::CreateSubscription => {
            let tier_id = req.string("tier_id")?;
            if subscription_tier(&tier_id).is_none() {
                return Err(MinisError::TierInvalid(format!("{tier_id:?} is not a subscription tier")));
            }
            let new = subscription_order(req, Some(tier_id), None)?;
            let trade_order_id = platform.create_subscription_order(buyer, new).await?;
            Ok(json!({ "trade_order_id": trade_order_id }))
        }
        Endpoint::Reactivate => {
            let subscription_id = req.string("subscription_id")?;
            let new = subscription_order(req, None, Some(subscription_id.clone()))?;
            let trade_order_id = platform.reactivate_order(buyer, subscription_id, new).await?;
            Ok(json!({ "trade_order_id": trade_order_id }))
        }
        Endpoint::ActiveList => {
            let now = platform.now();
            let subs: Vec<Value> = platform
                .subscriptions(Some(&buyer.client_key), Some(buyer.user_id))?
                .iter()
                .filter(|s| s.active())
                .map(|s| subscription_item(s, now))
                .collect();
            Ok(json!({ "subscriptions": subs }))
        }
        Endpoint::SubscriptionInfo => {
            let id = req.string("subscription_id")?;
            let sub = own_subscription(platform, &buyer, &id)?;
            Ok(subscription_item(&sub, platform.now()))
        }
        Endpoint::TradeOrderInfo => {
            let o = own_order(platform, &buyer, &req.string("trade_order_id")?)?;
            Ok(json!({
                "trade_order_id": o.order.trade_order_id,
                "order_id": o.order.order_id,
                "trade_order_status": o.order.status.as_str(),
                "order_type": match o.order.kind { OrderKind::Beans => "BEANS", OrderKind::Subscription => "SUBSCRIPTION" },
                "product_name": o.order.product_name,
                "token_amount": o.order.token_amount,
                "tier_id": o.order.tier_id,
                "subscription_id": o.order.subscription_id,
                "is_sandbox": IS_SANDBOX,
                "pay_type": "IAP",
                "create_time": o.order.created_at,
                "pay_time": o.paid_at,
                "refund_time": o.refunded_at,
            }))
        }
        Endpoint::SubscriptionTierInfo => {
            let ids = req.string_list("tier_ids")?;
            // UNCONFIRMED: the values of device_platform; any non-empty string is taken.
            req.string("device_platform")?;
            let mut infos = Map::new();
            for id in ids {
                let tier = subscription_tier(&id).ok_or_else(|| MinisError::TierInvalid(format!("{id:?} is not a subscription tier")))?;
                infos.insert(
                    id,
                    json!({
                        "tier_id": tier.tier_id,
                        "tier_name": tier.tier_name,
                        "price": decimal(tier.price_cents),
                        "currency": tier.currency,
                        "symbol": tier.symbol,
                        "period_months": tier.period_months,
                        "is_sandbox": tier.is_sandbox,
                        "sandbox_renewal_secs": minihost_platform_api::monetization::SANDBOX_RENEWAL_SECS,
                    }),
                );
            }
            Ok(json!({ "tier_infos": infos }))
        }
    }
}

fn own_order(platform: &Platform, buyer: &Buyer, trade_order_id: &str) -> Result<OrderRecord, MinisError> {
    platform
        .order_record(trade_order_id)?
        .filter(|o| o.order.client_key == buyer.client_key)
        .ok_or_else(|| MinisError::OrderNotFound(trade_order_id.to_string()))
}

fn own_subscription(platform: &Platform, buyer: &Buyer, id: &str) -> Result<Subscription, MinisError> {
    platform
        .subscription(id)?
        .filter(|s| s.client_key == buyer.client_key && s.user_id == buyer.user_id)
        .ok_or_else(|| MinisError::SubscriptionNotFound(id.to_string()))
}

/// The item shape of `get_active_list/` and `get_subscription_info/` (`next_duduct_time` is the
/// docs' spelling).
fn subscription_item(s: &Subscription, now: i64) -> Value {
    json!({
        "subscription_id": s.subscription_id,
        "tier_id": s.tier_id,
        "is_subscription_rights_valid": s.active() && now < s.end_time,
        "is_renewal_normal": s.active() && s.renewal_on,
        "trade_order_id": s.trade_order_id,
        "is_sandbox": s.is_sandbox,
        "begin_time": s.begin_time,
        "end_time": s.end_time,
        "next_duduct_time": s.next_deduct_time,
        "pay_type": "IAP",
    })
}

fn subscription_order(req: &Req<'_>, tier_id: Option<String>, subscription_id: Option<String>) -> Result<NewOrder, MinisError> {
    let info = req.object("order_info")?;
    info.opt_string("order_url")?;
    if let Some(detail) = info.0.get("order_detail").filter(|v| !v.is_null()) {
        if !detail.is_string() && !detail.is_object() {
            return Err(invalid(&info.path("order_detail"), "must be a string or an object"));
        }
    }
    Ok(NewOrder {
        kind: OrderKind::Subscription,
        order_id: info.string("order_id")?,
        product_name: info.string("product_name")?,
        order_info: Value::Object(info.0.clone()),
        image_url: None,
        token_amount: 0,
        tier_id,
        subscription_id,
    })
}

/// `"1.19"` for 119 cents.
fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A JSON object of a request, read member by member so that errors name the member by its
/// full path (`order_info.product_name`).
struct Req<'a>(&'a Map<String, Value>);

/// A nested object, with its path.
struct Obj<'a>(&'a Map<String, Value>, String);

impl Obj<'_> {
    fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.1)
    }

    fn string(&self, key: &str) -> Result<String, MinisError> {
        required_string(self.0, &self.path(key))
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, MinisError> {
        optional_string(self.0.get(key), &self.path(key))
    }
}

fn required_string(map: &Map<String, Value>, path: &str) -> Result<String, MinisError> {
    let key = path.rsplit('.').next().unwrap_or(path);
    match map.get(key) {
        None | Some(Value::Null) => Err(invalid(path, "is required")),
        Some(Value::String(s)) if s.trim().is_empty() => Err(invalid(path, "must not be empty")),
        Some(Value::String(s)) if s.len() > MAX_TEXT => Err(invalid(path, format!("must be at most {MAX_TEXT} bytes"))),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(invalid(path, "must be a string")),
    }
}

fn optional_string(value: Option<&Value>, path: &str) -> Result<Option<String>, MinisError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() > MAX_TEXT * 4 => Err(invalid(path, format!("must be at most {} bytes", MAX_TEXT * 4))),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(path, "must be a string")),
    }
}

impl Req<'_> {
    fn string(&self, key: &str) -> Result<String, MinisError> {
        required_string(self.0, key)
    }

    fn int(&self, key: &str) -> Result<i64, MinisError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Err(invalid(key, "is required")),
            Some(v) => v.as_i64().ok_or_else(|| invalid(key, "must be an integer")),
        }
    }

    fn object(&self, key: &str) -> Result<Obj<'_>, MinisError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Err(invalid(key, "is required")),
            Some(Value::Object(map)) => Ok(Obj(map, key.to_string())),
            Some(_) => Err(invalid(key, "must be an object")),
        }
    }

    fn list(&self, key: &str) -> Result<&Vec<Value>, MinisError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Err(invalid(key, "is required")),
            Some(Value::Array(list)) if list.is_empty() => Err(invalid(key, "must not be empty")),
            Some(Value::Array(list)) if list.len() > MAX_LIST => Err(invalid(key, format!("must have at most {MAX_LIST} items"))),
            Some(Value::Array(list)) => Ok(list),
            Some(_) => Err(invalid(key, "must be an array")),
        }
    }

    fn string_list(&self, key: &str) -> Result<Vec<String>, MinisError> {
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| invalid(&format!("{key}[{i}]"), "must be a non-empty string"))
            })
            .collect()
    }

    /// `token_type` must be `BEANS`, the only token the docs name.
    fn beans_token_type(&self) -> Result<(), MinisError> {
        let t = self.string("token_type")?;
        if t != "BEANS" {
            return Err(invalid("token_type", format!("must be \"BEANS\" (got {t:?})")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_decimal_strings() {
        assert_eq!(decimal(119), "1.19");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(8330), "83.30");
    }
}
