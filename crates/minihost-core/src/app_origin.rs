//! Everything served at the app's origin (`minihost://app`): the build output, the
//! built-in SDK paths, and HTML post-processing (CSP header, SDK URL rewriting).

use crate::assets::{Assets, Body};
use crate::dev_server::DevServer;
use crate::policy::Policy;
use crate::sdk;
use http::{header, HeaderValue, Request, Response, StatusCode};
use std::borrow::Cow;
use std::sync::Arc;

pub struct AppOrigin {
    assets: Assets,
    policy: Arc<Policy>,
    csp: HeaderValue,
    /// `minihost dev`: pages come from the app's dev server instead of files.
    dev: Option<DevServer>,
    /// `minihost dev --build`: the build output, whose changes reload the page.
    reload: Option<std::path::PathBuf>,
    /// The document-start script as an inline `<script>`, for webviews that cannot inject
    /// one themselves (Android's framework WebView).
    start_script: Option<String>,
}

/// The page's reload script in `dev --build`, and the version it polls.
const RELOAD_JS_PATH: &str = "/__minihost/dev/reload.js";
const VERSION_PATH: &str = "/__minihost/dev/version";
const RELOAD_JS: &str = "(function(){var v=null;setInterval(function(){fetch('/__minihost/dev/version',{cache:'no-store'})\
.then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v)location.reload();v=t}).catch(function(){})},500)})();\n";

impl AppOrigin {
    pub fn new(assets: Assets, policy: Arc<Policy>) -> AppOrigin {
        let csp = HeaderValue::from_str(policy.csp()).expect("CSP is built from validated origins");
        AppOrigin {
            assets,
            policy,
            csp,
            dev: None,
            reload: None,
            start_script: None,
        }
    }

    /// Puts `script` first in every HTML page served, ahead of the page's own scripts.
    pub fn with_start_script(mut self, script: &str) -> AppOrigin {
        self.start_script = Some(format!("<script>{}</script>", escape_inline_script(script)));
        self
    }

    /// Serves the dev server's responses instead of files. Its HMR websocket cannot pass the
    /// custom scheme, so the CSP admits that one ws origin besides the trusted domains.
    pub fn with_dev_server(mut self, dev: DevServer) -> AppOrigin {
        let csp = self
            .policy
            .csp()
            .replacen("connect-src ", &format!("connect-src {} ", dev.ws_origin()), 1);
        self.csp = HeaderValue::from_str(&csp).expect("CSP is built from validated origins");
        self.dev = Some(dev);
        self
    }

    /// Reloads the page when a file under `root` changes.
    pub fn with_reload(mut self, root: std::path::PathBuf) -> AppOrigin {
        self.reload = Some(root);
        self
    }

    fn text(body: String, content_type: &'static str) -> Response<Body> {
        Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CACHE_CONTROL, "no-store")
            .body(Cow::Owned(body.into_bytes()))
            .expect("static headers are valid")
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Answers one request to the app's origin.
    pub fn respond<B>(&self, req: &Request<B>) -> Response<Body> {
        let path = req.uri().path();
        if let Some(js) = sdk::builtin(path) {
            if path == sdk::SDK_PATH {
                crate::startup::phase("SDK served");
            }
            return Response::builder()
                .header(header::CONTENT_TYPE, "text/javascript; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-cache")
                .body(Cow::Borrowed(js.as_bytes()))
                .expect("static headers are valid");
        }
        if let Some(root) = &self.reload {
            match path {
                RELOAD_JS_PATH => return Self::text(RELOAD_JS.into(), "text/javascript; charset=utf-8"),
                VERSION_PATH => return Self::text(tree_version(root), "text/plain"),
                _ => {}
            }
        }
        let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
        let served = match &self.dev {
            Some(dev) => match dev.forward(req) {
                Ok(response) => {
                    tracing::debug!(target: "minihost::assets", status = %response.status(), path, "from the dev server");
                    response
                }
                Err(e) => {
                    tracing::warn!(target: "minihost::assets", path, dev_server = %dev.origin(), "the dev server does not answer: {e}; start it (for example `npm run dev`)");
                    return dev.waiting_page(&e.to_string());
                }
            },
            None => {
                let served = self.assets.serve(req.method(), path, range);
                let status = served.response.status();
                if status.is_client_error() {
                    tracing::warn!(target: "minihost::assets", %status, path, "{}", String::from_utf8_lossy(served.response.body()).trim());
                } else {
                    tracing::debug!(target: "minihost::assets", %status, path, range, bytes = served.bytes_read, "served");
                }
                served.response
            }
        };
        let status = served.status();
        let content_type = served
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_default();
        let is_html = content_type.starts_with(b"text/html");
        let is_css = content_type.starts_with(b"text/css");
        let mut response = served;
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
            let rewritten = match (&self.reload, is_html) {
                (Some(_), true) => {
                    let base = rewritten.as_deref().or(text).unwrap_or_default();
                    let tag = format!("<script src=\"{RELOAD_JS_PATH}\"></script>");
                    let at = base
                        .to_ascii_lowercase()
                        .find("<head")
                        .and_then(|h| base[h..].find('>').map(|e| h + e + 1));
                    let at = at.unwrap_or(0);
                    Some(format!("{}{tag}{}", &base[..at], &base[at..]))
                }
                _ => rewritten,
            };
            let rewritten = match (&self.start_script, is_html) {
                (Some(tag), true) => {
                    let base = rewritten.as_deref().or(text).unwrap_or_default();
                    let at = after_doctype(base);
                    Some(format!("{}{tag}{}", &base[..at], &base[at..]))
                }
                _ => rewritten,
            };
            if let Some(rewritten) = rewritten {
                response.headers_mut().insert(header::CONTENT_LENGTH, rewritten.len().into());
                *response.body_mut() = Cow::Owned(rewritten.into_bytes());
            }
        }
        response
    }
}

/// Only `</script` (any case) ends an inline script early; `<\/` means the same in a JS string.
fn escape_inline_script(script: &str) -> String {
    let lower = script.to_ascii_lowercase();
    let mut out = String::with_capacity(script.len());
    let mut last = 0;
    for (at, _) in lower.match_indices("</script") {
        out.push_str(&script[last..at + 1]);
        out.push('\\');
        last = at + 1;
    }
    out.push_str(&script[last..]);
    out
}

/// Where a script may go first without changing the document's mode: after `<!doctype ...>`
/// if the page starts with one, else at the very start (the parser opens `<head>` for it).
fn after_doctype(html: &str) -> usize {
    let start = html.len() - html.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']).len();
    let rest = &html[start..];
    if rest.get(..9).is_some_and(|t| t.eq_ignore_ascii_case("<!doctype")) {
        if let Some(end) = rest.find('>') {
            return start + end + 1;
        }
    }
    0
}

/// Changes when any file under `root` is added, removed, resized or touched.
fn tree_version(root: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    fn walk(dir: &std::path::Path, h: &mut std::collections::hash_map::DefaultHasher) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Ok(meta) = e.metadata() else { continue };
            e.file_name().hash(h);
            if meta.is_dir() {
                walk(&e.path(), h);
            } else {
                meta.len().hash(h);
                meta.modified().ok().hash(h);
            }
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    walk(root, &mut h);
    format!("{:016x}", h.finish())
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
        // The plain SDK tag is inlined: one request fewer on the page's critical path.
        assert_eq!(
            std::str::from_utf8(index.body()).unwrap(),
            r#"<script>__minihost_sdk_install();</script>"#
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

    #[test]
    fn dev_build_pages_poll_a_version_that_changes_with_the_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html><head><title>x</title></head>").unwrap();
        let config = AppConfig::parse(Path::new("c"), "{}").unwrap().config;
        let origin = AppOrigin::new(Assets::new(dir.path()).unwrap(), Arc::new(Policy::new(&config))).with_reload(dir.path().into());
        let get = |p: &str| origin.respond(&Request::get(format!("minihost://app{p}")).body(()).unwrap());
        let page = get("/");
        assert_eq!(
            std::str::from_utf8(page.body()).unwrap(),
            "<!doctype html><head><script src=\"/__minihost/dev/reload.js\"></script><title>x</title></head>"
        );
        assert!(std::str::from_utf8(get(RELOAD_JS_PATH).body())
            .unwrap()
            .contains("location.reload()"));
        let v1 = get(VERSION_PATH).body().to_vec();
        assert_eq!(get(VERSION_PATH).body().to_vec(), v1);
        std::fs::write(dir.path().join("app.js"), "1").unwrap();
        assert_ne!(get(VERSION_PATH).body().to_vec(), v1);
    }

    #[test]
    fn a_start_script_goes_first_and_cannot_close_its_tag() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<!DOCTYPE html>\n<html><head><script src=app.js></script>",
        )
        .unwrap();
        std::fs::write(dir.path().join("bare.html"), "<p>hi").unwrap();
        std::fs::write(dir.path().join("app.js"), "let a = 1;").unwrap();
        let config = AppConfig::parse(Path::new("c.json"), "{}").unwrap().config;
        let origin = AppOrigin::new(Assets::new(dir.path()).unwrap(), Arc::new(Policy::new(&config)))
            .with_start_script("window.name = '</SCRIPT><b>';");
        let get = |p: &str| {
            let r = origin.respond(&Request::get(format!("minihost://app{p}")).body(()).unwrap());
            String::from_utf8(r.body().to_vec()).unwrap()
        };
        assert_eq!(
            get("/index.html"),
            "<!DOCTYPE html><script>window.name = '<\\/SCRIPT><b>';</script>\n<html><head><script src=app.js></script>"
        );
        assert!(get("/bare.html").starts_with("<script>window.name"));
        assert_eq!(get("/app.js"), "let a = 1;");
    }
}
