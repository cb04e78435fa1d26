//! HTTP plumbing shared by every API: the router, log ids on every response, the recent-request
//! log, body size limits, and parameter parsing that names the bad field.

use std::fmt;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use serde::Serialize;
use serde_json::json;

use super::{admin, authorize_page, host_api, ids, legacy_v1, minis_api, oauth, user_info, Platform};

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

/// One entry of `/__admin/requests`. Secrets in the query string are masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// Platform-clock Unix seconds.
    pub at: u64,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub log_id: String,
}

pub(crate) fn router(platform: Platform) -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(user_info::routes())
        .merge(minis_api::routes())
        .merge(authorize_page::routes())
        .merge(legacy_v1::routes())
        .merge(admin::routes(&platform))
        .merge(host_api::routes(&platform))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(platform.clone(), observe))
        .with_state(platform)
}

async fn observe(State(platform): State<Platform>, mut req: Request, next: Next) -> Response {
    let log_id = ids::new_log_id(platform.clock().now());
    let method = req.method().to_string();
    let path = redacted_path(req.uri());
    req.extensions_mut().insert(LogId(log_id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&log_id) {
        response.headers_mut().insert(LOG_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, %log_id, "platform request");
    platform.record(RequestRecord {
        at: platform.clock().now(),
        method,
        path,
        status,
        log_id,
    });
    response
}

impl Platform {
    fn record(&self, entry: RequestRecord) {
        let capacity = self.inner.opts.request_log_capacity;
        if capacity == 0 {
            return;
        }
        let mut log = self.inner.requests.lock().unwrap_or_else(|p| p.into_inner());
        while log.len() >= capacity {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// The most recent requests the HTTP server answered, oldest first.
    pub fn recent_requests(&self, limit: usize) -> Vec<RequestRecord> {
        let log = self.inner.requests.lock().unwrap_or_else(|p| p.into_inner());
        log.iter().skip(log.len().saturating_sub(limit)).cloned().collect()
    }
}

const SECRET_PARAMS: [&str; 7] = [
    "client_secret",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "token",
    "open_id",
];

fn redacted_path(uri: &http::Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.path().to_string();
    };
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let masked = SECRET_PARAMS.contains(&k.as_ref());
        out.append_pair(&k, if masked { "***" } else { &v });
    }
    format!("{}?{}", uri.path(), out.finish())
}

/// A flat `{error, error_description, log_id}` body, the shape of v2 OAuth and admin errors.
pub(crate) fn flat_error(status: StatusCode, error: &str, description: &str, log_id: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description, "log_id": log_id })),
    )
        .into_response()
}

async fn not_found(Extension(LogId(log_id)): Extension<LogId>, method: Method, uri: http::Uri) -> Response {
    flat_error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("no platform endpoint at {method} {}", uri.path()),
        &log_id,
    )
}

async fn method_not_allowed(Extension(LogId(log_id)): Extension<LogId>, method: Method, uri: http::Uri) -> Response {
    flat_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("{} does not accept {method}", uri.path()),
        &log_id,
    )
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
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer act.x"));
        assert_eq!(bearer_token(&h), Some("act.x"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn request_log_masks_secrets() {
        let uri: http::Uri = "/oauth/access_token/?client_key=k&client_secret=s3&code=c".parse().unwrap();
        assert_eq!(redacted_path(&uri), "/oauth/access_token/?client_key=k&client_secret=***&code=***");
    }
}
