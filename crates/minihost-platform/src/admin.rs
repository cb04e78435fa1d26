//! `/__admin/`: the test-control API, answered only for loopback peers (see `loopback_only`).
//! Create users and apps, mint codes as the bridge would, read and revoke grants, expire
//! tokens, advance the clock, and list recent requests. JSON in, JSON out; errors are flat and
//! name the bad field.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::http::{finish, post_commit, FlatError, FlatResult, JsonBody, LogId, Params};
use super::loopback_only::{loopback_only, Guard, Surface};
use super::webhooks::DeliveryStatus;
use super::{scopes, CodeRequest, HostApp, NewApp, NewUser, Platform, PlatformError, ReviewDecision};

pub(crate) fn routes(platform: &Platform) -> Router<Platform> {
    Router::new()
        .route("/__admin", get(index))
        .route("/__admin/", get(index))
        .route(
            "/__admin/users",
            get(list_users).merge(post_commit(|p: &Platform, new: NewUser| {
                p.add_user(new).map(|user| json!({ "user": user }))
            })),
        )
        .route(
            "/__admin/apps",
            get(list_apps).merge(post_commit(|p: &Platform, new: NewApp| {
                p.register_app(new).map(|(app, created)| json!({ "app": app, "created": created }))
            })),
        )
        .route("/__admin/grants", get(show_grant))
        .route("/__admin/grants/revoke", post(revoke_grants))
        .route("/__admin/codes", post(mint_code))
        .route("/__admin/tokens/expire", post(expire_token))
        .route("/__admin/clock", get(clock))
        .route("/__admin/clock/advance", post(advance_clock))
        .route("/__admin/requests", get(requests))
        .route(
            "/__admin/apps/webhook",
            post_commit(|p: &Platform, req: SetWebhook| {
                p.set_webhook_url(&req.client_key, req.webhook_url).map(|app| json!({ "app": app }))
            }),
        )
        .route("/__admin/users/beans", post(set_beans))
        .route("/__admin/ledger", get(ledger))
        .route("/__admin/orders", get(list_orders))
        .route(
            "/__admin/orders/refund",
            post_commit(|p: &Platform, req: OrderRef| {
                p.refund_order(&req.trade_order_id)
                    .map(|(order, beans)| json!({ "order": order, "beans": beans }))
            }),
        )
        .route("/__admin/subscriptions", get(list_subscriptions))
        .route(
            "/__admin/subscriptions/cancel",
            post_commit(|p: &Platform, req: SubscriptionRef| {
                p.cancel_subscription(&req.subscription_id)
                    .map(|sub| json!({ "subscription": sub }))
            }),
        )
        .route("/__admin/webhooks", get(list_webhooks))
        .route(
            "/__admin/webhooks/resend",
            post_commit(|p: &Platform, req: DeliveryRef| p.resend_webhook(req.id).map(|d| json!({ "webhook": d }))),
        )
        .route(
            "/__admin/shortdrama/review",
            post_commit(|p: &Platform, req: Review| {
                p.decide_review(req.album_id.0, req.version, req.decision.into(), req.reasons)
                    .map(move |status| json!({ "album_id": req.album_id.0, "version": req.version, "review_status": status }))
            }),
        )
        .route(
            "/__admin/apps/byteplus",
            post_commit(|p: &Platform, req: ByteplusBinding| {
                p.set_byteplus_binding(&req.client_key, req.bound)
                    .map(move |bound| json!({ "client_key": req.client_key, "bound": bound }))
            }),
        )
        .route_layer(middleware::from_fn_with_state(
            Guard {
                platform: platform.clone(),
                surface: Surface::Admin,
            },
            loopback_only,
        ))
}

/// A user named by id or username.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UserRef {
    user_id: Option<i64>,
    username: Option<String>,
}

impl UserRef {
    fn resolve(&self, platform: &Platform) -> Result<i64, FlatError> {
        match (self.user_id, self.username.as_deref()) {
            (Some(id), _) => platform
                .user(id)?
                .map(|u| u.id)
                .ok_or_else(|| PlatformError::not_found("user", id).into()),
            (None, Some(name)) => Ok(platform.user_named(name)?.id),
            (None, None) => Err(FlatError::bad_field("user_id", "user_id or username is required")),
        }
    }
}

async fn index(State(platform): State<Platform>) -> Json<Value> {
    Json(json!({
        "now": platform.clock().now(),
        "endpoints": [
            "GET /__admin/users", "POST /__admin/users",
            "GET /__admin/apps", "POST /__admin/apps",
            "GET /__admin/grants?username=&client_key=", "POST /__admin/grants/revoke",
            "POST /__admin/codes", "POST /__admin/tokens/expire",
            "GET /__admin/clock", "POST /__admin/clock/advance",
            "GET /__admin/requests?limit=",
            "POST /__admin/apps/webhook",
            "POST /__admin/users/beans", "GET /__admin/ledger?username=|user_id=",
            "GET /__admin/orders?client_key=", "POST /__admin/orders/refund",
            "GET /__admin/subscriptions?client_key=", "POST /__admin/subscriptions/cancel",
            "GET /__admin/webhooks?client_key=&status=", "POST /__admin/webhooks/resend",
            "POST /__admin/shortdrama/review", "POST /__admin/apps/byteplus",
        ],
    }))
}

async fn list_users(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>) -> Response {
    finish(platform.users().map(|u| json!({ "users": u })).map_err(Into::into), &log_id)
}

async fn list_apps(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>) -> Response {
    finish(platform.apps().map(|a| json!({ "apps": a })).map_err(Into::into), &log_id)
}

async fn show_grant(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> FlatResult {
        let params = Params::from_query(query.as_deref());
        let param = |name| params.get(name).map_err(|e| FlatError::bad_request(e.to_string()));
        let user = UserRef {
            user_id: param("user_id")?
                .map(|v| v.parse().map_err(|_| FlatError::bad_request("user_id must be a number")))
                .transpose()?,
            username: param("username")?.map(str::to_string),
        };
        let user_id = user.resolve(&platform)?;
        let client_key = params
            .require("client_key")
            .map_err(|e| FlatError::bad_field("client_key", e.to_string()))?;
        let granted = platform.granted_scopes(user_id, client_key)?;
        Ok(json!({ "user_id": user_id, "client_key": client_key, "scopes": granted }))
    })();
    finish(result, &log_id)
}

// serde cannot deny unknown fields of a struct with a flattened member.
#[derive(Deserialize)]
struct RevokeGrants {
    #[serde(flatten)]
    user: UserRef,
    #[serde(default)]
    client_key: Option<String>,
}

async fn revoke_grants(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    JsonBody(req): JsonBody<RevokeGrants>,
) -> Response {
    let result = async {
        let user_id = req.user.resolve(&platform)?;
        let revoked = platform.revoke_grants(user_id, req.client_key.as_deref()).await?;
        Ok(serde_json::to_value(revoked).expect("RevokedGrant serialises"))
    }
    .await;
    finish(result, &log_id)
}

/// Scopes as a list or a comma-separated string.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeList {
    List(Vec<String>),
    Joined(String),
}

#[derive(Deserialize)]
struct MintCode {
    client_key: String,
    #[serde(flatten)]
    user: UserRef,
    scopes: ScopeList,
    #[serde(default)]
    host_app: Option<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    code_challenge: Option<String>,
}

async fn mint_code(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    JsonBody(req): JsonBody<MintCode>,
) -> Response {
    let result: FlatResult = async {
        let user_id = req.user.resolve(&platform)?;
        let host_app = match req.host_app.as_deref() {
            Some(h) => h.parse::<HostApp>().map_err(PlatformError::from)?,
            None => HostApp::TikTok,
        };
        let scopes = match req.scopes {
            ScopeList::List(list) => list,
            ScopeList::Joined(text) => scopes::parse_list(&text),
        };
        let code = platform
            .mint_code(CodeRequest {
                client_key: req.client_key.clone(),
                user_id,
                scopes,
                redirect_uri: req.redirect_uri,
                code_challenge: req.code_challenge,
                host_app,
            })
            .await?;
        Ok(json!({
            "code": code,
            "open_id": platform.open_id(host_app, &req.client_key, user_id),
            "expires_in": platform.options().code_ttl,
        }))
    }
    .await;
    finish(result, &log_id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpireToken {
    token: String,
}

async fn expire_token(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    JsonBody(req): JsonBody<ExpireToken>,
) -> Response {
    let result = async {
        if platform.expire_token(&req.token).await? {
            Ok(json!({ "expired": true, "now": platform.clock().now() }))
        } else {
            Err(FlatError::new(StatusCode::NOT_FOUND, "not_found", "no such token").with_field("token"))
        }
    }
    .await;
    finish(result, &log_id)
}

async fn clock(State(platform): State<Platform>) -> Json<Value> {
    let clock = platform.clock();
    Json(json!({ "now": clock.now(), "offset": clock.offset() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: u64,
}

async fn advance_clock(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    JsonBody(req): JsonBody<Advance>,
) -> Response {
    // What the new time makes due happens before the answer, so tests see it at once.
    let (now, processed) = match platform.advance_clock(req.seconds).await {
        Ok(done) => done,
        Err(e) => return FlatError::from(e).response(&log_id),
    };
    tracing::info!(seconds = req.seconds, now, processed, log_id, "platform clock advanced");
    platform.wake_webhooks();
    Json(json!({ "now": now, "offset": platform.clock().offset(), "subscriptions_processed": processed })).into_response()
}

async fn requests(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> FlatResult {
        let params = Params::from_query(query.as_deref());
        let limit = match params.get("limit").map_err(|e| FlatError::bad_request(e.to_string()))? {
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| FlatError::bad_field("limit", "limit must be a non-negative integer"))?,
            None => 50,
        };
        Ok(json!({ "requests": platform.recent_requests(limit) }))
    })();
    finish(result, &log_id)
}

/// An optional query parameter, or a 400 naming it.
fn query_param(params: &Params, name: &'static str) -> Result<Option<String>, FlatError> {
    params
        .get(name)
        .map(|v| v.map(str::to_string))
        .map_err(|e| FlatError::bad_field(name, e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetWebhook {
    client_key: String,
    webhook_url: Option<String>,
}

#[derive(Deserialize)]
struct SetBeans {
    #[serde(flatten)]
    user: UserRef,
    beans: i64,
}

async fn set_beans(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    JsonBody(req): JsonBody<SetBeans>,
) -> Response {
    let result = async {
        let user_id = req.user.resolve(&platform)?;
        let (balance, delta) = platform.set_beans(user_id, req.beans).await?;
        Ok(json!({ "user_id": balance.user_id, "beans": balance.beans, "delta": delta }))
    }
    .await;
    finish(result, &log_id)
}

fn user_from_query(platform: &Platform, params: &Params) -> Result<i64, FlatError> {
    let user = UserRef {
        user_id: query_param(params, "user_id")?
            .map(|v| v.parse().map_err(|_| FlatError::bad_field("user_id", "user_id must be a number")))
            .transpose()?,
        username: query_param(params, "username")?,
    };
    user.resolve(platform)
}

async fn ledger(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> FlatResult {
        let user_id = user_from_query(&platform, &Params::from_query(query.as_deref()))?;
        let beans = platform.user(user_id)?.map(|u| u.beans).unwrap_or_default();
        Ok(json!({ "user_id": user_id, "beans": beans, "entries": platform.ledger(user_id)? }))
    })();
    finish(result, &log_id)
}

async fn list_orders(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> FlatResult {
        let client_key = query_param(&Params::from_query(query.as_deref()), "client_key")?;
        Ok(json!({ "orders": platform.orders(client_key.as_deref())? }))
    })();
    finish(result, &log_id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderRef {
    trade_order_id: String,
}

async fn list_subscriptions(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| -> FlatResult {
        let client_key = query_param(&Params::from_query(query.as_deref()), "client_key")?;
        Ok(json!({ "subscriptions": platform.subscriptions(client_key.as_deref(), None)? }))
    })();
    finish(result, &log_id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionRef {
    subscription_id: String,
}

async fn list_webhooks(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| -> FlatResult {
        let params = Params::from_query(query.as_deref());
        let client_key = query_param(&params, "client_key")?;
        let status = match query_param(&params, "status")? {
            Some(s) => Some(
                DeliveryStatus::parse(&s).ok_or_else(|| FlatError::bad_field("status", "status must be pending, delivered or failed"))?,
            ),
            None => None,
        };
        Ok(json!({ "webhooks": platform.webhook_deliveries(client_key.as_deref(), status)? }))
    })();
    finish(result, &log_id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryRef {
    id: i64,
}

/// An int64 id as a JSON number or a numeric string (JavaScript clients lose digits of numbers).
#[derive(Clone, Copy, Debug)]
struct Int64(i64);

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Int64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(i64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Number(n) => Ok(Int64(n)),
            Either::Text(s) => s.parse().map(Int64).map_err(|_| serde::de::Error::custom("not an integer")),
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Approve,
    Reject,
}

impl From<Decision> for ReviewDecision {
    fn from(d: Decision) -> ReviewDecision {
        match d {
            Decision::Approve => ReviewDecision::Approve,
            Decision::Reject => ReviewDecision::Reject,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Review {
    album_id: Int64,
    version: i64,
    decision: Decision,
    #[serde(default)]
    reasons: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ByteplusBinding {
    client_key: String,
    bound: bool,
}
