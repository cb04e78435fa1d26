//! The host API (`/__host/v1/`): what a host in another process or on a phone asks of the
//! emulator. Pairing gives a device token; every other call needs one. A loopback peer pairs
//! by itself; any other peer needs the pairing token `platform serve --allow-remote` printed.
//! `loopback_only` guards every route: a loopback `Host` (any once remote pairing is allowed),
//! no foreign `Origin`, JSON writes.
//! The wire format is `minihost_platform_api::host_api`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use minihost_platform_api::host_api::{self as wire, Code, GrantQuery, GrantRequest, PairRequest, PairResponse, Scopes};
use minihost_platform_api::loopback::is_loopback_ip;
use serde_json::json;

use super::http::{bearer_token, finish, flat_error, post_commit, FlatError, FlatResult, JsonBody, LogId, Params};
use super::loopback_only::{host_is_loopback, loopback_only, Guard, Surface};
use super::{ClientVersion, CodeRequest, Platform, PlatformError};

pub(crate) fn routes(platform: &Platform) -> Router<Platform> {
    let paired = Router::new()
        .route(wire::USERS, get(users))
        .route(wire::USER, get(user))
        .route(wire::APPS_ENSURE, post_commit(Platform::ensure_host_app))
        .route(
            wire::GRANTS,
            get(granted).merge(post_commit(|p: &Platform, req: GrantRequest| {
                p.grant(req.user_id, &req.client_key, &req.scopes).map(|scopes| Scopes { scopes })
            })),
        )
        .route(
            wire::CODES,
            post_commit(|p: &Platform, req: CodeRequest| p.mint_code(req).map(|code| Code { code })),
        )
        .route(wire::ORDER, get(order))
        .route(wire::ORDERS_PAY, post_commit(Platform::pay_order))
        .route(wire::ORDERS_SUBSCRIBE, post_commit(Platform::subscribe))
        .route(wire::TOP_UP, post_commit(Platform::top_up))
        .route(wire::ADS_ADMIT, post_commit(Platform::admit_ad))
        .route(wire::DRAMA_PLAYBACK, get(playback))
        .route_layer(middleware::from_fn_with_state(platform.clone(), paired_only));
    Router::new()
        .route(wire::PAIR, post(pair))
        .merge(paired)
        .route_layer(middleware::from_fn_with_state(
            Guard {
                platform: platform.clone(),
                surface: Surface::HostApi,
            },
            loopback_only,
        ))
}

async fn paired_only(State(platform): State<Platform>, req: Request, next: Next) -> Response {
    let log_id = LogId::of(&req);
    let token = bearer_token(req.headers()).map(str::to_string);
    let device = match token.as_deref().map(|t| platform.device_by_token(t)) {
        Some(Ok(Some(device))) => device,
        Some(Err(e)) => return FlatError::from(e).response(&log_id),
        _ => {
            tracing::warn!(target: "minihost::platform", path = req.uri().path(), "host API call without a valid device token");
            return flat_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                &format!(
                    "a valid device token is required (Authorization: Bearer dvt.…); pair first at POST {}",
                    wire::PAIR
                ),
                &log_id,
            );
        }
    };
    let mut req = req;
    req.extensions_mut().insert(device);
    next.run(req).await
}

async fn pair(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    uri: Uri,
    JsonBody(req): JsonBody<PairRequest>,
) -> Response {
    // A loopback peer under a foreign Host is a DNS-rebinding page, not this machine.
    let loopback = peer.is_some_and(|Extension(ConnectInfo(addr))| is_loopback_ip(addr.ip())) && host_is_loopback(&headers, &uri);
    let allowed = loopback || req.pairing_token.as_deref().is_some_and(|t| platform.pairing_token_matches(t));
    if !allowed {
        tracing::warn!(target: "minihost::platform", device = req.device_name, "refused to pair a host from another machine");
        return flat_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a host on another machine pairs with the pairing token that `minihost platform serve --allow-remote` prints",
            &log_id,
        );
    }
    let result: FlatResult = async {
        let device_token = platform.pair_device(&req.device_name, loopback).await?;
        tracing::info!(target: "minihost::platform", device = req.device_name, loopback, "host paired");
        Ok(json!(PairResponse { device_token }))
    }
    .await;
    finish(result, &log_id)
}

async fn users(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>) -> Response {
    finish(platform.users().map(|u| json!(u)).map_err(Into::into), &log_id)
}

async fn user(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, Path(username): Path<String>) -> Response {
    finish(platform.user_named(&username).map(|u| json!(u)).map_err(Into::into), &log_id)
}

async fn granted(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    query: Result<Query<GrantQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let result = match query {
        Ok(Query(q)) => platform
            .granted_scopes(q.user_id, &q.client_key)
            .map(|scopes| json!(Scopes { scopes }))
            .map_err(Into::into),
        Err(e) => Err(FlatError::bad_request(format!("user_id and client_key are required: {e}"))),
    };
    finish(result, &log_id)
}

async fn order(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    Path(trade_order_id): Path<String>,
) -> Response {
    let result = match platform.trade_order(&trade_order_id) {
        Ok(Some(order)) => Ok(json!(order)),
        Ok(None) => Err(PlatformError::not_found("trade order", &trade_order_id).into()),
        Err(e) => Err(e.into()),
    };
    finish(result, &log_id)
}

/// The playback decision ([`Platform::playback_decision`]): a refusal is an answer, not an error.
async fn playback(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, RawQuery(query): RawQuery) -> Response {
    let result = (|| -> FlatResult {
        let params = Params::from_query(query.as_deref());
        let param = |name: &'static str| params.get(name).map_err(|e| FlatError::bad_field(name, e.to_string()));
        let required = |name: &'static str| param(name)?.ok_or_else(|| FlatError::bad_field(name, format!("{name} is required")));
        let int = |name: &'static str| {
            required(name)?
                .parse::<i64>()
                .map_err(|_| FlatError::bad_field(name, format!("{name} must be an integer")))
        };
        let client_version = param("client_version")?.map(str::parse::<ClientVersion>).transpose()?;
        let decision = platform.playback_decision(
            required("client_key")?,
            int("album_id")?,
            int("episode_id")?,
            param("play_token")?,
            client_version,
        );
        Ok(match decision {
            Ok(playback) => json!({ "playback": playback }),
            Err(refusal) => json!({ "refusal": refusal }),
        })
    })();
    finish(result, &log_id)
}
