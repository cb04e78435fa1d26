//! The platform's content rules, derived once from the config: CSP, request filtering,
//! navigation and the bridge's ACL all read this one value, so they never disagree.

mod csp;

use crate::config::trusted_domains::TrustedDomains;
use crate::config::AppConfig;
use crate::rules;
use url::Url;

/// The scheme the app is served from (never `file://`, never a TCP port).
pub const APP_SCHEME: &str = "minihost";
/// The app's origin on shells that serve a custom scheme (desktop, iOS). One app per webview,
/// so one fixed host name suffices.
pub const APP_ORIGIN: &str = "minihost://app";
/// The app's origin on Android, whose WebView gives a custom scheme an opaque origin (no
/// storage, no same-origin fetch): an https origin that never resolves, answered by
/// `shouldInterceptRequest` (RFC 6761 reserves `.invalid`).
pub const HTTPS_APP_ORIGIN: &str = "https://app.minihost.invalid";
/// The origin of host-drawn chrome (sheets, navbar). The app page can never load it.
pub const CHROME_ORIGIN: &str = "minihost-chrome://host";
pub const CHROME_SCHEME: &str = "minihost-chrome";
/// The CSP of a host sheet: its own inline script and style, images from data: and https
/// (avatars), nothing else: no network, no frames.
pub const SHEET_CSP: &str =
    "default-src 'none'; img-src data: https:; media-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

/// Who sent a bridge message, judged by the sending page's URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The app's own page.
    App,
    /// Host chrome (sheets); may answer sheets but not call app methods.
    Chrome,
    /// Anything else: refused.
    Foreign,
}

/// Why a top-level navigation or new window was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Navigation {
    Allow,
    Block { reason: &'static str },
}

#[derive(Debug, Clone)]
pub struct Policy {
    app_origin: String,
    trusted: TrustedDomains,
    media_origin: Option<String>,
    csp: String,
}

impl Policy {
    pub fn new(config: &AppConfig) -> Policy {
        Policy::for_shell(config, APP_ORIGIN, None)
    }

    /// `app_origin` is where the shell serves the app (checked by [`app_origin`]);
    /// `media_origin` is the host's loopback media server, where shells that cannot play
    /// media from a custom scheme send `<video>`/`<audio>` (see `media_server`).
    pub fn for_shell(config: &AppConfig, app_origin: &str, media_origin: Option<String>) -> Policy {
        let csp = csp::content_security_policy(app_origin, &config.trusted_domains, media_origin.as_deref());
        Policy {
            app_origin: app_origin.to_string(),
            csp,
            trusted: config.trusted_domains.clone(),
            media_origin,
        }
    }

    /// Where the app is served: `scheme://host`, no path.
    pub fn app_origin(&self) -> &str {
        &self.app_origin
    }

    /// Is `url` on the app's origin (served by the host, never the network)?
    pub fn is_app_url(&self, url: &str) -> bool {
        origin_of(url).is_some_and(|o| o == self.app_origin)
    }

    pub fn media_origin(&self) -> Option<&str> {
        self.media_origin.as_deref()
    }

    /// The `Content-Security-Policy` header value for every app HTML response.
    pub fn csp(&self) -> &str {
        &self.csp
    }

    pub fn trusted_domains(&self) -> &TrustedDomains {
        &self.trusted
    }

    /// May the page fetch `url`? Same test as CSP's connect-src.
    pub fn allows_connect(&self, url: &str) -> bool {
        self.is_app_url(url) || self.trusted.allows(url)
    }

    /// How to comply with `rule` for `url`, given this app's config.
    pub fn hint(&self, rule: &rules::Rule, url: &str) -> String {
        rules::hint(rule, url, !self.trusted.is_empty())
    }

    /// Top-level navigation stays inside the app's origin.
    pub fn navigation(&self, url: &str) -> Navigation {
        match origin_of(url) {
            Some(o) if o == self.app_origin => Navigation::Allow,
            _ if url == "about:blank" => Navigation::Allow,
            Some(o) if o == CHROME_ORIGIN => Navigation::Block {
                reason: "host chrome is not reachable from the app",
            },
            Some(_) => Navigation::Block {
                reason: "navigation away from the app's origin is not allowed in TikTok Minis",
            },
            None => Navigation::Block { reason: "not a valid URL" },
        }
    }

    /// A sheet's webview stays on the chrome origin.
    pub fn sheet_navigation(&self, url: &str) -> bool {
        origin_of(url).as_deref() == Some(CHROME_ORIGIN)
    }

    /// New windows (`window.open`, `target=_blank`) are never opened.
    pub fn new_window(&self, _url: &str) -> Navigation {
        Navigation::Block {
            reason: "TikTok Minis cannot open new windows",
        }
    }

    /// The bridge's ACL: which surface a message came from.
    pub fn caller(&self, page_url: &str) -> Caller {
        // Fast path for the app's own pages: after `scheme://app/` the authority is exactly `app`.
        let app = self.app_origin.as_str();
        if page_url.starts_with(app) && page_url.as_bytes().get(app.len()) == Some(&b'/') {
            return Caller::App;
        }
        match origin_of(page_url).as_deref() {
            Some(o) if o == app => Caller::App,
            Some(CHROME_ORIGIN) => Caller::Chrome,
            _ => Caller::Foreign,
        }
    }
}

/// Checks a shell's app origin: `scheme://host[:port]` exactly, not the chrome origin.
pub fn app_origin(origin: &str) -> Result<String, String> {
    match origin_of(origin) {
        Some(o) if o == origin.trim_end_matches('/') && o != CHROME_ORIGIN => Ok(o),
        Some(_) if origin.starts_with(CHROME_ORIGIN) => Err(format!("{origin:?} is the host chrome's origin")),
        _ => Err(format!("{origin:?} is not an origin (scheme://host, with no path, query or user)")),
    }
}

/// `scheme://host[:port]` of a URL, also for custom schemes (whose `Url::origin` is opaque).
pub fn origin_of(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppConfig;
    use std::path::Path;

    fn policy(domains: &str) -> Policy {
        let text = format!(r#"{{"domain": {{"trustedDomains": [{domains}]}}}}"#);
        Policy::new(&AppConfig::parse(Path::new("c.json"), &text).unwrap().config)
    }

    #[test]
    fn connect_is_own_origin_plus_trusted_domains() {
        let p = policy(r#""https://api.example.com", "http://127.0.0.1:9000""#);
        assert!(p.allows_connect("minihost://app/data.json"));
        assert!(p.allows_connect("https://api.example.com/v1"));
        assert!(p.allows_connect("http://127.0.0.1:9000/x"));
        assert!(!p.allows_connect("http://127.0.0.1:9001/x"));
        assert!(!p.allows_connect("https://api.example.com.evil.com/"));
        assert!(!p.allows_connect("minihost-chrome://host/sheet"));
        assert!(!p.allows_connect("minihost://app.evil/"));
    }

    #[test]
    fn navigation_stays_in_the_app() {
        let p = policy("");
        assert_eq!(p.navigation("minihost://app/episode/2.html"), Navigation::Allow);
        assert_eq!(p.navigation("about:blank"), Navigation::Allow);
        for away in [
            "https://example.com/",
            "file:///etc/passwd",
            "minihost-chrome://host/consent",
            "javascript:alert(1)",
            "data:text/html,x",
            "minihost://other/",
        ] {
            assert!(matches!(p.navigation(away), Navigation::Block { .. }), "{away} allowed");
        }
        assert!(matches!(p.new_window("minihost://app/"), Navigation::Block { .. }));
    }

    #[test]
    fn caller_is_judged_by_exact_origin() {
        let p = policy("");
        assert_eq!(p.caller("minihost://app/index.html"), Caller::App);
        assert_eq!(p.caller("minihost-chrome://host/sheet.html"), Caller::Chrome);
        for foreign in [
            "https://evil.com/",
            "minihost://app.evil.com/",
            "minihost://app:81/",
            "",
            "about:blank",
        ] {
            assert_eq!(p.caller(foreign), Caller::Foreign, "{foreign}");
        }
    }

    #[test]
    fn caller_fast_path_agrees_with_parsing() {
        let p = policy("");
        for url in [
            "minihost://app/",
            "minihost://app/a/b.html?x=1#y",
            "minihost://app/%2e%2e/x",
            "minihost://app//double",
            "MINIHOST://APP/upper",
            "minihost://app?q",
            "minihost://app#f",
            "minihost://app",
            "minihost://apple/",
            "minihost://app@evil/",
            "minihost://app:80/",
        ] {
            let parsed = match origin_of(url).as_deref() {
                Some(APP_ORIGIN) => Caller::App,
                Some(CHROME_ORIGIN) => Caller::Chrome,
                _ => Caller::Foreign,
            };
            assert_eq!(p.caller(url), parsed, "{url}");
        }
    }

    #[test]
    fn an_https_app_origin_replaces_the_scheme_everywhere() {
        let text = r#"{"domain": {"trustedDomains": ["https://api.example.com"]}}"#;
        let config = AppConfig::parse(Path::new("c.json"), text).unwrap().config;
        let p = Policy::for_shell(&config, HTTPS_APP_ORIGIN, None);
        assert_eq!(p.caller("https://app.minihost.invalid/index.html"), Caller::App);
        assert_eq!(p.caller("minihost://app/index.html"), Caller::Foreign);
        assert_eq!(p.caller("https://app.minihost.invalid.evil.com/"), Caller::Foreign);
        assert_eq!(p.navigation("https://app.minihost.invalid/ep/2.html"), Navigation::Allow);
        assert!(matches!(p.navigation("minihost://app/"), Navigation::Block { .. }));
        assert!(p.allows_connect("https://app.minihost.invalid/data.json"));
        assert!(!p.allows_connect("http://app.minihost.invalid/data.json"));
        assert!(
            p.csp().starts_with("default-src 'self' https://app.minihost.invalid;"),
            "{}",
            p.csp()
        );
        assert!(!p.csp().contains("minihost://"));
    }

    #[test]
    fn a_shell_origin_is_an_origin_and_not_the_chrome() {
        assert_eq!(app_origin(HTTPS_APP_ORIGIN).as_deref(), Ok(HTTPS_APP_ORIGIN));
        assert_eq!(app_origin("minihost://app/").as_deref(), Ok(APP_ORIGIN));
        for bad in [
            "https://a.test/path",
            "https://u@a.test",
            "minihost-chrome://host",
            "not a url",
            "https://a.test?q",
        ] {
            let e = app_origin(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }
}
