//! `POST /v2/oauth/token/` (authorization_code, refresh_token, client_credentials) and
//! `POST /v2/oauth/revoke/`: form bodies in, flat JSON out, flat `{error, error_description,
//! log_id}` errors with OAuth's HTTP statuses.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

use super::http::{flat_error, media_type, oauth_status, read_body, LogId, ParamError, Params};
use super::{scopes, CodeExchange, IssuedTokens, OAuthError, OAuthErrorKind, Platform};

pub(crate) fn routes() -> Router<Platform> {
    Router::new()
        .route("/v2/oauth/token/", post(token))
        .route("/v2/oauth/token", post(token))
        .route("/v2/oauth/revoke/", post(revoke))
        .route("/v2/oauth/revoke", post(revoke))
}

impl From<ParamError> for OAuthError {
    fn from(err: ParamError) -> OAuthError {
        OAuthError::invalid_request(err.to_string())
    }
}

pub(crate) fn error_response(err: &OAuthError, log_id: &str) -> Response {
    flat_error(oauth_status(err.kind), err.kind.as_str(), &err.description, log_id)
}

/// Reads a form body as the v2 endpoints require, answering bad bodies in the flat error shape.
async fn read_form(platform: &Platform, headers: &HeaderMap, body: Body, log_id: &str) -> Result<Params, Response> {
    if let Some(mt) = media_type(headers) {
        if mt != "application/x-www-form-urlencoded" {
            return Err(flat_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                OAuthErrorKind::InvalidRequest.as_str(),
                &format!("Content-Type must be application/x-www-form-urlencoded, not {mt}"),
                log_id,
            ));
        }
    }
    let bytes = read_body(headers, body, platform.options().max_body_bytes)
        .await
        .map_err(|msg| flat_error(StatusCode::PAYLOAD_TOO_LARGE, OAuthErrorKind::InvalidRequest.as_str(), &msg, log_id))?;
    Ok(Params::parse(&bytes))
}

pub(crate) fn user_token_body(t: &IssuedTokens) -> Value {
    json!({
        "access_token": t.access_token,
        "expires_in": t.expires_in,
        "open_id": t.open_id,
        "refresh_expires_in": t.refresh_expires_in,
        "refresh_token": t.refresh_token,
        "scope": scopes::join(&t.scopes),
        "token_type": "Bearer",
    })
}

async fn grant(platform: &Platform, params: &Params) -> Result<Value, OAuthError> {
    let grant_type = params.require("grant_type")?;
    let client_key = params.require("client_key")?;
    let client_secret = params.require("client_secret")?;
    match grant_type {
        "authorization_code" => {
            let exchange = CodeExchange {
                client_key,
                client_secret,
                code: params.require("code")?,
                redirect_uri: params.get("redirect_uri")?,
                code_verifier: params.get("code_verifier")?,
            };
            let tokens = platform.exchange_code(exchange).await?;
            Ok(user_token_body(&tokens))
        }
        "refresh_token" => {
            let refresh = params.require("refresh_token")?;
            let tokens = platform.refresh_tokens(client_key, Some(client_secret), refresh).await?;
            Ok(user_token_body(&tokens))
        }
        "client_credentials" => {
            let t = platform.client_token(client_key, client_secret).await?;
            Ok(json!({ "access_token": t.access_token, "expires_in": t.expires_in, "token_type": "Bearer" }))
        }
        other => Err(OAuthError::new(
            OAuthErrorKind::UnsupportedGrantType,
            format!(
                "grant_type {other:?} is not supported; use authorization_code, refresh_token \
                 or client_credentials"
            ),
        )),
    }
}

async fn token(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, headers: HeaderMap, body: Body) -> Response {
    let params = match read_form(&platform, &headers, body, &log_id).await {
        Ok(params) => params,
        Err(response) => return response,
    };
    let mut response = match grant(&platform, &params).await {
        Ok(body) => Json(body).into_response(),
        Err(err) => error_response(&err, &log_id),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

async fn revoke(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, headers: HeaderMap, body: Body) -> Response {
    let params = match read_form(&platform, &headers, body, &log_id).await {
        Ok(params) => params,
        Err(response) => return response,
    };
    let result = async {
        let client_key = params.require("client_key")?;
        let client_secret = params.require("client_secret")?;
        let token = params.require("token")?;
        platform.revoke_token(client_key, Some(client_secret), token).await?;
        Ok::<_, OAuthError>(())
    }
    .await;
    match result {
        Ok(()) => Json(json!({})).into_response(),
        Err(err) => error_response(&err, &log_id),
    }
}
