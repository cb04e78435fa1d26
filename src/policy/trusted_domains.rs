//! Trusted domains: the origins an app may send requests to.
//!
//! The platform allows at most 20 https origins with no wildcards and no paths. minihost also
//! accepts loopback http origins so an app can talk to a local backend (with a warning).
//! Matching is by exact origin (scheme, IDNA-normalised host, port), never by string prefix.

use crate::platform::loopback::is_loopback_url;
use std::fmt;
use url::Url;

/// The platform's limit on `domain.trustedDomains`.
pub const MAX_TRUSTED_DOMAINS: usize = 20;

/// One trusted origin, normalised (`https://bücher.example` is stored as `https://xn--bcher-kva.example`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrustedOrigin {
    origin: String,
    loopback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustedOriginError {
    #[error("`{0}` is not an absolute URL")]
    NotAUrl(String),
    #[error("`{0}` contains a wildcard; trusted domains must be exact origins")]
    Wildcard(String),
    #[error("`{0}` uses {1}:, but trusted domains must be https (http is allowed only for 127.0.0.1, [::1] or localhost)")]
    Scheme(String, String),
    #[error("`{0}` has a path, query or fragment; trusted domains are origins only (scheme://host[:port])")]
    Path(String),
    #[error("`{0}` has user info (`user@`), which is not allowed in a trusted domain")]
    UserInfo(String),
}

impl TrustedOrigin {
    pub fn parse(raw: &str) -> Result<TrustedOrigin, TrustedOriginError> {
        if raw.contains('*') {
            return Err(TrustedOriginError::Wildcard(raw.to_owned()));
        }
        let url = Url::parse(raw).map_err(|_| TrustedOriginError::NotAUrl(raw.to_owned()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TrustedOriginError::UserInfo(raw.to_owned()));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(TrustedOriginError::Path(raw.to_owned()));
        }
        let loopback = is_loopback_url(&url);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            other => return Err(TrustedOriginError::Scheme(raw.to_owned(), other.to_owned())),
        }
        if url.host().is_none() {
            return Err(TrustedOriginError::NotAUrl(raw.to_owned()));
        }
        Ok(TrustedOrigin {
            origin: url.origin().ascii_serialization(),
            loopback,
        })
    }

    /// `scheme://host[:port]`, ASCII-serialised: the form CSP and `Origin` headers use.
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// A plain-http loopback origin, accepted for local backends.
    pub fn is_loopback_http(&self) -> bool {
        self.loopback && self.origin.starts_with("http:")
    }

    /// Does `url` belong to this origin?
    pub fn matches(&self, url: &Url) -> bool {
        url.origin().ascii_serialization() == self.origin
    }
}

impl fmt::Display for TrustedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

/// The app's list of trusted origins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedDomains(Vec<TrustedOrigin>);

impl TrustedDomains {
    pub fn new(origins: Vec<TrustedOrigin>) -> TrustedDomains {
        TrustedDomains(origins)
    }

    pub fn iter(&self) -> impl Iterator<Item = &TrustedOrigin> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Is a request to `url` allowed? Unparseable URLs never are.
    pub fn allows(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|u| self.0.iter().any(|o| o.matches(&u)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(list: &[&str]) -> TrustedDomains {
        TrustedDomains::new(list.iter().map(|d| TrustedOrigin::parse(d).unwrap()).collect())
    }

    #[test]
    fn exact_origin_matches_any_path() {
        let t = domains(&["https://example.com"]);
        assert!(t.allows("https://example.com/api/v1?x=1"));
        assert!(t.allows("https://example.com:443/"));
        assert!(t.allows("HTTPS://EXAMPLE.COM/Path"), "scheme and host are case-insensitive");
    }

    #[test]
    fn lookalikes_are_refused() {
        let t = domains(&["https://example.com"]);
        for evil in [
            "https://example.com.evil.com/",
            "https://evil.com/example.com",
            "https://example.com@evil.com/",
            "https://evil.com/?https://example.com",
            "https://example.com:8443/",
            "http://example.com/",
            "https://sub.example.com/",
            "https://examp1e.com/",
            "https://exämple.com/",
            "wss://example.com/",
            "not a url",
            "",
        ] {
            assert!(!t.allows(evil), "{evil} was allowed");
        }
    }

    #[test]
    fn idn_is_normalised_to_punycode() {
        let t = domains(&["https://bücher.example"]);
        assert_eq!(t.iter().next().unwrap().as_str(), "https://xn--bcher-kva.example");
        assert!(t.allows("https://xn--bcher-kva.example/x"));
        assert!(t.allows("https://BÜCHER.example/x"));
        assert!(!t.allows("https://bucher.example/x"));
    }

    #[test]
    fn ports_are_part_of_the_origin() {
        let t = domains(&["http://127.0.0.1:8787"]);
        assert!(t.allows("http://127.0.0.1:8787/v2/user/info/"));
        assert!(!t.allows("http://127.0.0.1:8788/"));
        assert!(!t.allows("https://127.0.0.1:8787/"));
        assert!(t.iter().next().unwrap().is_loopback_http());
    }

    #[test]
    fn invalid_entries_name_the_problem() {
        use TrustedOriginError::*;
        type Check = fn(&TrustedOriginError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("https://*.example.com", |e| matches!(e, Wildcard(_))),
            ("*", |e| matches!(e, Wildcard(_))),
            ("http://example.com", |e| matches!(e, Scheme(..))),
            ("ftp://example.com", |e| matches!(e, Scheme(..))),
            ("https://example.com/api", |e| matches!(e, Path(_))),
            ("https://example.com/?q", |e| matches!(e, Path(_))),
            ("https://example.com/#f", |e| matches!(e, Path(_))),
            ("https://example.com//", |e| matches!(e, Path(_))),
            ("https://user@example.com", |e| matches!(e, UserInfo(_))),
            ("example.com", |e| matches!(e, NotAUrl(_))),
        ];
        for (raw, ok) in cases {
            let err = TrustedOrigin::parse(raw).unwrap_err();
            assert!(ok(&err), "{raw}: unexpected {err:?}");
        }
    }

    #[test]
    fn trailing_slash_is_tolerated() {
        assert_eq!(
            TrustedOrigin::parse("https://example.com/").unwrap().as_str(),
            "https://example.com"
        );
        assert!(TrustedOrigin::parse("http://localhost:3000").unwrap().is_loopback_http());
        assert!(TrustedOrigin::parse("http://[::1]:3000").unwrap().is_loopback_http());
    }
}
