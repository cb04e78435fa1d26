//! `/__admin/`: the test-control API, answered only for loopback peers (see `loopback_only`).
//! Create users and apps, mint codes as the bridge would, read and revoke grants, expire
//! tokens, advance the clock, and list recent requests. JSON in, JSON out; errors are flat and
//! name the bad field.

use axum::body::Body;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::http::{read_body, LogId, Params};
use super::loopback_only::{loopback_only, Guard, Surface};
use minihost_platform_api::monetization::DeclineReason;

use super::webhooks::DeliveryStatus;
use super::{scopes, CodeRequest, HostApp, NewApp, NewUser, Platform, PlatformError};

pub(crate) fn routes(platform: &Platform) -> Router<Platform> {
    Router::new()
        .route("/__admin", get(index))
        .route("/__admin/", get(index))
        .route("/__admin/users", get(list_users).post(create_user))
        .route("/__admin/apps", get(list_apps).post(create_app))
        .route("/__admin/grants", get(show_grant))
        .route("/__admin/grants/revoke", post(revoke_grants))
        .route("/__admin/codes", post(mint_code))
        .route("/__admin/tokens/expire", post(expire_token))
        .route("/__admin/clock", get(clock))
        .route("/__admin/clock/advance", post(advance_clock))
        .route("/__admin/requests", get(requests))
        .route("/__admin/apps/webhook", post(set_webhook))
        .route("/__admin/users/beans", post(set_beans))
        .route("/__admin/ledger", get(ledger))
        .route("/__admin/orders", get(list_orders))
        .route("/__admin/orders/refund", post(refund_order))
        .route("/__admin/subscriptions", get(list_subscriptions))
        .route("/__admin/subscriptions/cancel", post(cancel_subscription))
        .route("/__admin/webhooks", get(list_webhooks))
        .route("/__admin/webhooks/resend", post(resend_webhook))
        .route_layer(middleware::from_fn_with_state(
            Guard {
                platform: platform.clone(),
                surface: Surface::Admin,
            },
            loopback_only,
        ))
}

/// An admin error: flat, with the offending field when there is one.
pub(crate) struct AdminError {
    status: StatusCode,
    error: &'static str,
    description: String,
    field: Option<String>,
    /// Why a payment or subscription was declined (409 answers).
    reason: Option<DeclineReason>,
}

impl AdminError {
    pub(crate) fn bad_request(description: impl Into<String>) -> AdminError {
        AdminError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
            field: None,
            reason: None,
        }
    }

    pub(crate) fn response(self, log_id: &str) -> Response {
        let mut body = json!({
            "error": self.error,
            "error_description": self.description,
            "log_id": log_id,
        });
        if let Some(field) = self.field {
            body["field"] = json!(field);
        }
        if let Some(reason) = self.reason {
            body["reason"] = json!(reason);
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<PlatformError> for AdminError {
    fn from(err: PlatformError) -> AdminError {
        let reason = match &err {
            PlatformError::Declined { reason, .. } => Some(*reason),
            _ => None,
        };
        let (status, error, field) = match &err {
            PlatformError::InvalidInput { field, .. } => (StatusCode::BAD_REQUEST, "invalid_request", Some(field.to_string())),
            PlatformError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", None),
            PlatformError::AlreadyExists { .. } | PlatformError::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
            PlatformError::Declined { .. } => (StatusCode::CONFLICT, "declined", None),
            e if e.is_busy() => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", None),
            _ => {
                tracing::error!(error = %err, "admin request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error", None)
            }
        };
        AdminError {
            status,
            error,
            description: err.to_string(),
            field,
            reason,
        }
    }
}

pub(crate) type AdminResult = Result<Value, AdminError>;

pub(crate) fn finish(result: AdminResult, log_id: &str) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.response(log_id),
    }
}

/// A JSON object body of an admin call. A bad body is answered at once with a flat error that
/// names the member at fault.
pub(crate) struct AdminJson<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<Platform> for AdminJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, platform: &Platform) -> Result<Self, Response> {
        let log_id = LogId::of(&req);
        let (parts, body) = req.into_parts();
        json_body(platform, &parts.headers, body)
            .await
            .map(AdminJson)
            .map_err(|e| e.response(&log_id))
    }
}

/// The content type is already checked: every route taking one sits behind `loopback_only`,
/// which wants `application/json` on every write.
async fn json_body<T: DeserializeOwned>(platform: &Platform, headers: &HeaderMap, body: Body) -> Result<T, AdminError> {
    let bytes = read_body(headers, body, platform.options().max_body_bytes)
        .await
        .map_err(|msg| AdminError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..AdminError::bad_request(msg)
        })?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &bytes[..]
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| AdminError::bad_request(format!("bad JSON body: {e}")))?;
    // serde would also read a struct from an array, positionally; admin bodies are objects.
    if !value.is_object() {
        return Err(AdminError::bad_request("the body must be a JSON object"));
    }
    serde_json::from_value::<T>(value.clone()).map_err(|e| match blame_member::<T>(&value) {
        Some(member) => AdminError {
            field: Some(member.clone()),
            ..AdminError::bad_request(format!("bad JSON body: {member}: {e}"))
        },
        None => AdminError::bad_request(format!("bad JSON body: {e}")),
    })
}

/// The member of `body` that `T` rejects, found by reading each member alone (serde_json's
/// type errors do not say where they are). Missing-member errors are what reading one member
/// alone is expected to give, so they do not count.
fn blame_member<T: DeserializeOwned>(body: &Value) -> Option<String> {
    body.as_object()?.iter().find_map(|(key, member)| {
        let alone = Value::Object(serde_json::Map::from_iter([(key.clone(), member.clone())]));
        match serde_json::from_value::<T>(alone) {
            Err(e) if !e.to_string().starts_with("missing field") => Some(key.clone()),
            _ => None,
        }
    })
}

/// A user named by id or username.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UserRef {
    user_id: Option<i64>,
    username: Option<String>,
}

impl UserRef {
    fn resolve(&self, platform: &Platform) -> Result<i64, AdminError> {
        match (self.user_id, self.username.as_deref()) {
            (Some(id), _) => platform
                .user(id)?
                .map(|u| u.id)
                .ok_or_else(|| PlatformError::not_found("user", id).into()),
            (None, Some(name)) => platform
                .user_by_username(name)?
                .map(|u| u.id)
                .ok_or_else(|| PlatformError::not_found("user", name).into()),
            (None, None) => Err(AdminError {
                field: Some("user_id".into()),
                ..AdminError::bad_request("user_id or username is required")
            }),
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
        ],
    }))
}

async fn list_users(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>) -> Response {
    finish(platform.users().map(|u| json!({ "users": u })).map_err(Into::into), &log_id)
}

async fn create_user(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    AdminJson(new): AdminJson<NewUser>,
) -> Response {
    finish(
        platform
            .add_user_async(new)
            .await
            .map(|user| json!({ "user": user }))
            .map_err(Into::into),
        &log_id,
    )
}

async fn list_apps(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>) -> Response {
    finish(platform.apps().map(|a| json!({ "apps": a })).map_err(Into::into), &log_id)
}

async fn create_app(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    AdminJson(new): AdminJson<NewApp>,
) -> Response {
    let result = platform
        .ensure_app_async(new)
        .await
        .map(|(app, created)| json!({ "app": app, "created": created }));
    finish(result.map_err(Into::into), &log_id)
}

async fn show_grant(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> AdminResult {
        let params = Params::from_query(query.as_deref());
        let param = |name| params.get(name).map_err(|e| AdminError::bad_request(e.to_string()));
        let user = UserRef {
            user_id: param("user_id")?
                .map(|v| v.parse().map_err(|_| AdminError::bad_request("user_id must be a number")))
                .transpose()?,
            username: param("username")?.map(str::to_string),
        };
        let user_id = user.resolve(&platform)?;
        let client_key = params.require("client_key").map_err(|e| AdminError {
            field: Some("client_key".into()),
            ..AdminError::bad_request(e.to_string())
        })?;
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
    AdminJson(req): AdminJson<RevokeGrants>,
) -> Response {
    let result = async {
        let user_id = req.user.resolve(&platform)?;
        let revoked = platform.revoke_grants_async(user_id, req.client_key.as_deref()).await?;
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
    AdminJson(req): AdminJson<MintCode>,
) -> Response {
    let result: AdminResult = async {
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
            .mint_code_async(CodeRequest {
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
    AdminJson(req): AdminJson<ExpireToken>,
) -> Response {
    let result = async {
        if platform.expire_token_async(&req.token).await? {
            Ok(json!({ "expired": true, "now": platform.clock().now() }))
        } else {
            Err(AdminError {
                status: StatusCode::NOT_FOUND,
                error: "not_found",
                description: "no such token".into(),
                field: Some("token".into()),
                reason: None,
            })
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
    AdminJson(req): AdminJson<Advance>,
) -> Response {
    // What the new time makes due happens before the answer, so tests see it at once.
    let (now, processed) = match platform.advance_clock(req.seconds).await {
        Ok(done) => done,
        Err(e) => return AdminError::from(e).response(&log_id),
    };
    tracing::info!(seconds = req.seconds, now, processed, log_id, "platform clock advanced");
    platform.wake_webhooks();
    Json(json!({ "now": now, "offset": platform.clock().offset(), "subscriptions_processed": processed })).into_response()
}

async fn requests(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> AdminResult {
        let params = Params::from_query(query.as_deref());
        let limit = match params.get("limit").map_err(|e| AdminError::bad_request(e.to_string()))? {
            Some(v) => v.parse::<usize>().map_err(|_| AdminError {
                field: Some("limit".into()),
                ..AdminError::bad_request("limit must be a non-negative integer")
            })?,
            None => 50,
        };
        Ok(json!({ "requests": platform.recent_requests(limit) }))
    })();
    finish(result, &log_id)
}

fn missing(field: &str, description: &str) -> AdminError {
    AdminError {
        field: Some(field.into()),
        ..AdminError::bad_request(description)
    }
}

/// An optional query parameter, or a 400 naming it.
fn query_param(params: &Params, name: &'static str) -> Result<Option<String>, AdminError> {
    params
        .get(name)
        .map(|v| v.map(str::to_string))
        .map_err(|e| missing(name, &e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetWebhook {
    client_key: String,
    webhook_url: Option<String>,
}

async fn set_webhook(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    AdminJson(req): AdminJson<SetWebhook>,
) -> Response {
    let result = platform
        .set_webhook_url_async(&req.client_key, req.webhook_url)
        .await
        .map(|app| json!({ "app": app }));
    finish(result.map_err(Into::into), &log_id)
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
    AdminJson(req): AdminJson<SetBeans>,
) -> Response {
    let result = async {
        let user_id = req.user.resolve(&platform)?;
        let (balance, delta) = platform.set_beans_async(user_id, req.beans).await?;
        Ok(json!({ "user_id": balance.user_id, "beans": balance.beans, "delta": delta }))
    }
    .await;
    finish(result, &log_id)
}

fn user_from_query(platform: &Platform, params: &Params) -> Result<i64, AdminError> {
    let user = UserRef {
        user_id: query_param(params, "user_id")?
            .map(|v| v.parse().map_err(|_| missing("user_id", "user_id must be a number")))
            .transpose()?,
        username: query_param(params, "username")?,
    };
    user.resolve(platform)
}

async fn ledger(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> AdminResult {
        let user_id = user_from_query(&platform, &Params::from_query(query.as_deref()))?;
        let beans = platform.user(user_id)?.map(|u| u.beans).unwrap_or_default();
        Ok(json!({ "user_id": user_id, "beans": beans, "entries": platform.ledger(user_id)? }))
    })();
    finish(result, &log_id)
}

async fn list_orders(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> AdminResult {
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

async fn refund_order(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    AdminJson(req): AdminJson<OrderRef>,
) -> Response {
    let result = platform
        .refund_order_async(&req.trade_order_id)
        .await
        .map(|(order, beans)| json!({ "order": order, "beans": beans }));
    finish(result.map_err(Into::into), &log_id)
}

async fn list_subscriptions(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| -> AdminResult {
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

async fn cancel_subscription(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    AdminJson(req): AdminJson<SubscriptionRef>,
) -> Response {
    let result = platform
        .cancel_subscription_async(&req.subscription_id)
        .await
        .map(|sub| json!({ "subscription": sub }));
    finish(result.map_err(Into::into), &log_id)
}

async fn list_webhooks(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| -> AdminResult {
        let params = Params::from_query(query.as_deref());
        let client_key = query_param(&params, "client_key")?;
        let status = match query_param(&params, "status")? {
            Some(s) => Some(DeliveryStatus::parse(&s).ok_or_else(|| missing("status", "status must be pending, delivered or failed"))?),
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

async fn resend_webhook(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    AdminJson(req): AdminJson<DeliveryRef>,
) -> Response {
    let result = platform.resend_webhook_async(req.id).await.map(|d| json!({ "webhook": d }));
    finish(result.map_err(Into::into), &log_id)
}
