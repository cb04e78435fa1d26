//! Everything served at the app's origin (`minihost://app`): the build output, the
//! built-in SDK paths, and HTML post-processing (CSP header, SDK URL rewriting).

use crate::assets::{Assets, Body};
use crate::policy::Policy;
use crate::sdk;
use http::{header, HeaderValue, Request, Response, StatusCode};
use std::borrow::Cow;
use std::sync::Arc;

pub struct AppOrigin {
    assets: Assets,
    policy: Arc<Policy>,
    csp: HeaderValue,
}

impl AppOrigin {
    pub fn new(assets: Assets, policy: Arc<Policy>) -> AppOrigin {
        let csp = HeaderValue::from_str(policy.csp()).expect("CSP is built from validated origins");
        AppOrigin { assets, policy, csp }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Answers one request to the app's origin.
    pub fn respond<B>(&self, req: &Request<B>) -> Response<Body> {
        let path = req.uri().path();
        if let Some(js) = sdk::builtin(path) {
            return Response::builder()
                .header(header::CONTENT_TYPE, "text/javascript; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-cache")
                .body(Cow::Borrowed(js.as_bytes()))
                .expect("static headers are valid");
        }
        let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
        let served = self.assets.serve(req.method(), path, range);
        let status = served.response.status();
        if status.is_client_error() {
            tracing::warn!(target: "minihost::assets", %status, path, "{}", String::from_utf8_lossy(served.response.body()).trim());
        } else {
            tracing::debug!(target: "minihost::assets", %status, path, range, bytes = served.bytes_read, "served");
        }
        let content_type = served
            .response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_default();
        let is_html = content_type.starts_with(b"text/html");
        let is_css = content_type.starts_with(b"text/css");
        let mut response = served.response;
        if is_html {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        }
        if (is_html || is_css) && status == StatusCode::OK {
            let text = std::str::from_utf8(response.body()).ok();
            let rewritten = text.and_then(|t| {
                let t = if is_html { sdk::rewrite_html(t) } else { None };
                let base = t.as_deref().or(text)?;
                sdk::rewrite_safe_area(base).or(t)
            });
            if let Some(rewritten) = rewritten {
                response.headers_mut().insert(header::CONTENT_LENGTH, rewritten.len().into());
                *response.body_mut() = Cow::Owned(rewritten.into_bytes());
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppConfig;
    use std::path::Path;

    #[test]
    fn html_gets_csp_and_local_sdk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            r#"<script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("app.js"), "1").unwrap();
        let config = AppConfig::parse(Path::new("c"), r#"{"domain":{"trustedDomains":["https://a.example"]}}"#)
            .unwrap()
            .config;
        let origin = AppOrigin::new(Assets::new(dir.path()).unwrap(), Arc::new(Policy::new(&config)));
        let get = |p: &str| origin.respond(&Request::get(format!("minihost://app{p}")).body(()).unwrap());
        let index = get("/");
        assert!(index.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("connect-src 'self' minihost://app https://a.example"));
        assert_eq!(
            std::str::from_utf8(index.body()).unwrap(),
            r#"<script src="/__minihost/sdk.js"></script>"#
        );
        assert_eq!(index.headers()[header::CONTENT_LENGTH], index.body().len().to_string().as_str());
        assert!(get("/app.js").headers().get(header::CONTENT_SECURITY_POLICY).is_none());
        assert_eq!(get("/__minihost/sdk.js").body().as_ref(), b"__minihost_sdk_install();\n");
        assert_eq!(get("/../x").status(), 403);
        std::fs::write(dir.path().join("a.css"), "b{padding-bottom:env(safe-area-inset-bottom, 8px)}").unwrap();
        assert_eq!(
            get("/a.css").body().as_ref(),
            b"b{padding-bottom:var(--minihost-safe-area-inset-bottom, 8px)}"
        );
    }
}
