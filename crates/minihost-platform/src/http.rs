//! The helper kit of every HTTP API: log ids, body size limits, parameter parsing that names
//! the bad field, the v2 envelope, and the flat JSON errors and bodies of the OAuth, admin and
//! host APIs, with the one mapping of [`PlatformError`] and OAuth errors to statuses. It imports
//! no API module; `router` does.

use std::fmt;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::{Extension, Json};
use minihost_platform_api::monetization::DeclineReason;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::{Commit, OAuthErrorKind, Platform, PlatformError};

/// The header that carries every response's log id, as on TikTok's servers.
pub(crate) const LOG_ID_HEADER: &str = "x-tt-logid";

/// The log id of the request being handled; also in the `x-tt-logid` response header.
#[derive(Clone, Debug)]
pub(crate) struct LogId(pub(crate) String);

impl LogId {
    /// The log id the request layer gave `req` (empty outside that layer).
    pub(crate) fn of(req: &Request) -> String {
        req.extensions().get::<LogId>().map(|l| l.0.clone()).unwrap_or_default()
    }
}

/// A flat `{error, error_description, log_id}` body, the shape of v2 OAuth and admin errors.
pub(crate) fn flat_error(status: StatusCode, error: &'static str, description: &str, log_id: &str) -> Response {
    FlatError::new(status, error, description).response(log_id)
}

/// The HTTP status of an OAuth error of `kind`, as v2's token endpoints answer it.
pub(crate) fn oauth_status(kind: OAuthErrorKind) -> StatusCode {
    match kind {
        OAuthErrorKind::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthErrorKind::AccessDenied => StatusCode::FORBIDDEN,
        OAuthErrorKind::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        OAuthErrorKind::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The v2 envelope of the Open API and the Minis API: `{data, error: {code, message, log_id}}`.
pub(crate) fn v2_envelope(status: StatusCode, data: Value, code: &str, message: &str, log_id: &str) -> Response {
    (
        status,
        Json(json!({ "data": data, "error": { "code": code, "message": message, "log_id": log_id } })),
    )
        .into_response()
}

/// What the v2 APIs answer to a missing, unknown, expired or revoked access token.
pub(crate) fn v2_token_invalid(log_id: &str) -> Response {
    v2_envelope(
        StatusCode::UNAUTHORIZED,
        json!({}),
        "access_token_invalid",
        "The access token is invalid or not found in the request.",
        log_id,
    )
}

/// A flat error with the offending field and the reason of a decline when there are ones, as
/// the admin and host APIs answer.
pub(crate) struct FlatError {
    status: StatusCode,
    error: &'static str,
    description: String,
    field: Option<String>,
    /// Why a payment or subscription was declined (409 answers).
    reason: Option<DeclineReason>,
}

impl FlatError {
    pub(crate) fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> FlatError {
        FlatError {
            status,
            error,
            description: description.into(),
            field: None,
            reason: None,
        }
    }

    pub(crate) fn bad_request(description: impl Into<String>) -> FlatError {
        FlatError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// A 400 that names `field`.
    pub(crate) fn bad_field(field: &str, description: impl Into<String>) -> FlatError {
        FlatError {
            field: Some(field.into()),
            ..FlatError::bad_request(description)
        }
    }

    /// The same error, naming `field`.
    pub(crate) fn with_field(self, field: &str) -> FlatError {
        FlatError {
            field: Some(field.into()),
            ..self
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

impl From<PlatformError> for FlatError {
    fn from(err: PlatformError) -> FlatError {
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
        FlatError {
            status,
            error,
            description: err.to_string(),
            field,
            reason,
        }
    }
}

pub(crate) type FlatResult = Result<Value, FlatError>;

/// The JSON answer of `result`, or its flat error.
pub(crate) fn finish(result: FlatResult, log_id: &str) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.response(log_id),
    }
}

/// A `POST` route that commits `op` of the JSON body and answers its value as JSON: the writes
/// of the admin and host APIs.
pub(crate) fn post_commit<Req, T>(op: fn(&Platform, Req) -> Commit<T>) -> MethodRouter<Platform>
where
    Req: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
{
    post(
        move |State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, JsonBody(req): JsonBody<Req>| async move {
            finish(op(&platform, req).await.map(|value| json!(value)).map_err(Into::into), &log_id)
        },
    )
}

/// A JSON object body of an admin or host API call. A bad body is answered at once with a flat
/// error that names the member at fault.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<Platform> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, platform: &Platform) -> Result<Self, Response> {
        let log_id = LogId::of(&req);
        let (parts, body) = req.into_parts();
        json_body(platform, &parts.headers, body)
            .await
            .map(JsonBody)
            .map_err(|e| e.response(&log_id))
    }
}

/// The content type is already checked: every route taking one sits behind `loopback_only`,
/// which wants `application/json` on every write.
async fn json_body<T: DeserializeOwned>(platform: &Platform, headers: &HeaderMap, body: Body) -> Result<T, FlatError> {
    let bytes = read_body(headers, body, platform.options().max_body_bytes)
        .await
        .map_err(|msg| FlatError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..FlatError::bad_request(msg)
        })?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &bytes[..]
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| FlatError::bad_request(format!("bad JSON body: {e}")))?;
    // serde would also read a struct from an array, positionally; admin bodies are objects.
    if !value.is_object() {
        return Err(FlatError::bad_request("the body must be a JSON object"));
    }
    serde_json::from_value::<T>(value.clone()).map_err(|e| match blame_member::<T>(&value) {
        Some(member) => FlatError::bad_field(&member, format!("bad JSON body: {member}: {e}")),
        None => FlatError::bad_request(format!("bad JSON body: {e}")),
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

/// Reads a whole request body, refusing more than `limit` bytes.
pub(crate) async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, String> {
    let too_large = || format!("request body exceeds {limit} bytes");
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    // A body that cannot be read in full is either too large or abandoned by the client; the
    // answer matters only in the first case.
    axum::body::to_bytes(body, limit).await.map_err(|_| too_large())
}

/// The media type of the request body, lower-cased without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
}

/// The token of an `Authorization: Bearer ...` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Decoded `application/x-www-form-urlencoded` pairs (a query string or a form body).
#[derive(Clone, Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParamError {
    Missing(&'static str),
    Repeated(&'static str),
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::Missing(name) => write!(f, "{name} is required"),
            ParamError::Repeated(name) => write!(f, "{name} must be given only once"),
        }
    }
}

impl Params {
    pub(crate) fn parse(bytes: &[u8]) -> Params {
        Params(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub(crate) fn from_query(query: Option<&str>) -> Params {
        Params::parse(query.unwrap_or("").as_bytes())
    }

    /// The parameter's value; an empty value counts as absent.
    pub(crate) fn get(&self, name: &'static str) -> Result<Option<&str>, ParamError> {
        let mut found = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = found.next();
        if found.next().is_some() {
            return Err(ParamError::Repeated(name));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    pub(crate) fn require(&self, name: &'static str) -> Result<&str, ParamError> {
        self.get(name)?.ok_or(ParamError::Missing(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_name_missing_and_repeated_fields() {
        let p = Params::parse(b"a=1&b=&c=x%20y&c=z&d=%FF");
        assert_eq!(p.get("a"), Ok(Some("1")));
        assert_eq!(p.get("b"), Ok(None));
        assert_eq!(p.require("b"), Err(ParamError::Missing("b")));
        assert_eq!(p.get("c"), Err(ParamError::Repeated("c")));
        assert_eq!(p.get("d"), Ok(Some("\u{FFFD}")));
        assert_eq!(ParamError::Missing("code").to_string(), "code is required");
    }

    #[test]
    fn bearer_parsing() {
        use axum::http::HeaderValue;
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer act.x"));
        assert_eq!(bearer_token(&h), Some("act.x"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }
}
