//! The whole HTTP surface: every API's routes under one router, a log id on every response,
//! the recent-request log behind `/__admin/requests`, and the answers for unknown paths and
//! methods. The API modules share the helpers of `http` and import nothing from here.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Extension, Router};
use serde::Serialize;

use super::http::{flat_error, LogId, LOG_ID_HEADER};
use super::{admin, authorize_page, host_api, ids, legacy_v1, media_api, minis_api, oauth, user_info_api, Platform};

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
        .merge(user_info_api::routes())
        .merge(minis_api::routes())
        .merge(media_api::routes(&platform))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_log_masks_secrets() {
        let uri: http::Uri = "/oauth/access_token/?client_key=k&client_secret=s3&code=c".parse().unwrap();
        assert_eq!(redacted_path(&uri), "/oauth/access_token/?client_key=k&client_secret=***&code=***");
    }
}
