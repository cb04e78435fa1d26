//! `GET /v2/user/info/`: the fields a bearer access token's scopes unlock, in the v2
//! `{data, error}` envelope with the Open API's error codes.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::json;

use super::http::{bearer_token, v2_envelope, v2_token_invalid, LogId, Params};
use super::user_info::{parse_fields, render, subject, Api, UserInfoError};
use super::{Platform, PlatformError};

pub(crate) fn routes() -> Router<Platform> {
    Router::new()
        .route("/v2/user/info/", get(get_user_info))
        .route("/v2/user/info", get(get_user_info))
}

/// A v2 error envelope with empty data.
fn v2_error(status: StatusCode, code: &str, message: &str, log_id: &str) -> Response {
    v2_envelope(status, json!({}), code, message, log_id)
}

async fn get_user_info(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let internal = |err: PlatformError| {
        tracing::error!(error = %err, "user info failed");
        v2_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error; see the server log",
            &log_id,
        )
    };
    let Some(token) = bearer_token(&headers) else {
        return v2_token_invalid(&log_id);
    };
    let subject = match subject(&platform, token) {
        Ok(Some(subject)) => subject,
        Ok(None) => return v2_token_invalid(&log_id),
        Err(err) => return internal(err),
    };
    let params = Params::from_query(query.as_deref());
    let fields = match params.require("fields") {
        Ok(list) => parse_fields(list.split(','), Api::V2),
        Err(err) => Err(format!("{err}: a comma-separated list such as open_id,display_name")),
    };
    let fields = match fields {
        Ok(fields) if fields.is_empty() => Err("fields names no field".to_string()),
        other => other,
    };
    let fields = match fields {
        Ok(fields) => fields,
        Err(message) => return v2_error(StatusCode::BAD_REQUEST, "invalid_params", &message, &log_id),
    };
    match render(&platform, &subject, &fields) {
        Ok(user) => v2_envelope(StatusCode::OK, json!({ "user": user }), "ok", "", &log_id),
        Err(UserInfoError::ScopePermissionMissed { field, scope }) => v2_error(
            StatusCode::BAD_REQUEST,
            "scope_permission_missed",
            &format!("The app is not approved for {scope}, which field {} needs.", field.name()),
            &log_id,
        ),
        Err(UserInfoError::ScopeNotAuthorized { field, scope }) => v2_error(
            StatusCode::UNAUTHORIZED,
            "scope_not_authorized",
            &format!(
                "The user did not authorize the scope required for completing this request: \
                 field {} needs {scope}.",
                field.name()
            ),
            &log_id,
        ),
    }
}
