//! Trusted domains: the origins an app may send requests to.
//!
//! The platform allows at most 20 https origins with no wildcards and no paths. minihost also
//! accepts loopback http origins so an app can talk to a local backend (with a warning).
//! Matching is by exact origin (scheme, IDNA-normalised host, port), never by string prefix.

use crate::config::excerpt;
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

/// Each variant holds the entry as written; messages quote at most 80 characters of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustedOriginError {
    #[error("`{}` is not an absolute URL", excerpt(.0))]
    NotAUrl(String),
    #[error("`{}` contains a wildcard; trusted domains must be exact origins", excerpt(.0))]
    Wildcard(String),
    #[error("`{}` uses {}:, but trusted domains must be https (http is allowed only for 127.0.0.1, [::1] or localhost)", excerpt(.0), excerpt(.1))]
    Scheme(String, String),
    #[error("`{}` has a path, query or fragment; trusted domains are origins only (scheme://host[:port])", excerpt(.0))]
    Path(String),
    #[error("`{}` has user info (`user@`), which is not allowed in a trusted domain", excerpt(.0))]
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

    /// Does `url` belong to this origin? A URL without a host never does: `Url::origin` gives
    /// `blob:https://a.example/…` the origin `https://a.example`, but a CSP host source does
    /// not match it, and this check is the CSP's.
    pub fn matches(&self, url: &Url) -> bool {
        url.has_host() && url.origin().ascii_serialization() == self.origin
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

    /// `tests/fixtures/trusted_domain_corpus.json`: lookalike hosts, userinfo, homoglyphs,
    /// ports, schemes, IPv4 spellings, through the same check the runtime makes.
    #[test]
    fn bypass_corpus() {
        #[derive(serde::Deserialize)]
        struct Corpus {
            trusted: Vec<String>,
            cases: Vec<Case>,
        }
        #[derive(serde::Deserialize)]
        struct Case {
            url: String,
            expected: String,
            why: String,
        }
        let corpus: Corpus = serde_json::from_str(include_str!("../../../../tests/fixtures/trusted_domain_corpus.json")).unwrap();
        let trusted: Vec<&str> = corpus.trusted.iter().map(String::as_str).collect();
        let config = crate::config::AppConfig {
            trusted_domains: domains(&trusted),
            ..Default::default()
        };
        let policy = crate::policy::Policy::new(&config);
        assert!(corpus.cases.len() >= 60);
        let wrong: Vec<String> = corpus
            .cases
            .iter()
            .filter(|c| {
                assert!(matches!(c.expected.as_str(), "allow" | "block"), "{}: {}", c.url, c.expected);
                policy.allows_connect(&c.url) != (c.expected == "allow")
            })
            .map(|c| format!("{:?} should {}: {}", c.url, c.expected, c.why))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
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

/// The matcher on any URL: no panic, and a match is exactly an equal (scheme, host, port)
/// after the URL parser's normalisation, checked here from the parts rather than from the
/// serialised origin the matcher compares. `PROPTEST_CASES` sets the case count (see
/// `config::proptests`).
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    const LISTED: [&str; 3] = ["https://api.example.com", "http://127.0.0.1:8787", "https://xn--bcher-kva.example"];

    fn listed() -> TrustedDomains {
        TrustedDomains::new(LISTED.iter().map(|d| TrustedOrigin::parse(d).unwrap()).collect())
    }

    fn parts(url: &Url) -> Option<(String, String, u16)> {
        Some((url.scheme().to_owned(), url.host_str()?.to_owned(), url.port_or_known_default()?))
    }

    /// URLs assembled from pieces near the listed origins: lookalike hosts, userinfo, ports,
    /// schemes, encodings.
    fn near_url() -> impl Strategy<Value = String> {
        let scheme = prop::sample::select(vec![
            "https://",
            "http://",
            "HTTPS://",
            "wss://",
            "ws://",
            "ftp://",
            "blob:https://",
            "https:",
            "https:\\\\",
            "//",
            "",
        ]);
        let userinfo = prop::sample::select(vec!["", "evil.net@", "api.example.com@", "u:p@", "@", "%40@"]);
        let host = prop_oneof![
            3 => prop::sample::select(vec![
                "api.example.com", "API.EXAMPLE.COM", "api.example.com.", "api.example.com.evil.net",
                "evilapi.example.com", "api%2Eexample.com", "аpi.example.com", "ａｐｉ.example.com",
                "127.0.0.1", "127.1", "0x7f.1", "2130706433", "0177.0.0.1", "[::1]", "[::ffff:127.0.0.1]",
                "localhost", "bücher.example", "BÜCHER.example", "xn--bcher-kva.example", "bucher.example",
                "evil.net", "",
            ])
            .prop_map(str::to_owned),
            1 => "[a-z0-9.%-]{0,12}",
        ];
        let port = prop::sample::select(vec!["", ":443", ":0443", ":8787", ":08787", ":80", ":8443", ":", ":65536"]);
        let rest = prop::sample::select(vec!["", "/", "/x?y=1", "\\\\@evil.net", "#@evil.net", "/https://api.example.com"]);
        (scheme, userinfo, host, port, rest).prop_map(|(s, u, h, p, r)| format!("{s}{u}{h}{p}{r}"))
    }

    fn check(t: &TrustedDomains, raw: &str) -> Result<(), TestCaseError> {
        let allowed = t.allows(raw);
        let want = Url::parse(raw)
            .ok()
            .as_ref()
            .and_then(parts)
            .is_some_and(|p| LISTED.iter().any(|l| parts(&Url::parse(l).unwrap()).as_ref() == Some(&p)));
        prop_assert_eq!(allowed, want, "{:?}", raw);
        Ok(())
    }

    proptest! {
        #![proptest_config(crate::config::proptests::proptest_config())]

        #[test]
        fn any_text_is_matched_by_scheme_host_and_port(raw in any::<String>()) {
            check(&listed(), &raw)?;
        }

        #[test]
        fn lookalike_urls_are_matched_by_scheme_host_and_port(raw in near_url()) {
            check(&listed(), &raw)?;
        }

        #[test]
        fn any_entry_parses_or_is_refused_and_normalises_once(raw in prop_oneof![any::<String>(), near_url()]) {
            if let Ok(origin) = TrustedOrigin::parse(&raw) {
                let again = TrustedOrigin::parse(origin.as_str());
                prop_assert_eq!(again.as_ref(), Ok(&origin));
                prop_assert!(TrustedDomains::new(vec![origin.clone()]).allows(origin.as_str()));
            }
        }
    }
}
