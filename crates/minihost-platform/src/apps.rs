//! Registered apps: client credentials, developer, redirect URIs, allowed scopes, webhook URL;
//! and the redirect-URI rules of Login Kit (registration limits and exact matching).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{ids, scopes, Commit, NewApp, Platform, PlatformError};
use minihost_platform_api::loopback::is_loopback_url;

/// An app as registered on the platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct App {
    pub client_key: String,
    pub client_secret: String,
    /// The developer account; apps of one developer share each user's union_id.
    pub developer: String,
    pub redirect_uris: Vec<String>,
    pub allowed_scopes: Vec<String>,
    pub webhook_url: Option<String>,
}

/// The developer of apps registered without one: a local developer owns all their apps.
pub const DEFAULT_DEVELOPER: &str = "local-developer";

const MAX_REDIRECT_URIS: usize = 10;
const MAX_REDIRECT_URI_LEN: usize = 512;

impl App {
    /// Whether `uri` is one of the registered redirect URIs. Matching is exact, except that a
    /// registered loopback URI with port `*` matches any port (Login Kit for desktop).
    pub fn redirect_uri_registered(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| redirect_uri_matches(r, uri))
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        self.allowed_scopes.iter().any(|s| s == scope)
    }
}

fn redirect_uri_matches(registered: &str, candidate: &str) -> bool {
    if !registered.contains(":*") {
        return registered == candidate;
    }
    // `:*` stands for a real port, 1-65535: never port 0 nor the literal `*`.
    match url::Url::parse(candidate) {
        Ok(url) if is_loopback_url(&url) => url
            .port_or_known_default()
            .filter(|&port| port != 0)
            .is_some_and(|port| registered.replacen(":*", &format!(":{port}"), 1) == candidate),
        _ => false,
    }
}

/// Login Kit's rules: absolute https (or http on loopback, where port `*` is allowed), static
/// (no query or fragment), shorter than 512 characters.
fn validate_redirect_uri(uri: &str) -> Result<(), PlatformError> {
    let bad = |why: &str| PlatformError::invalid("redirect_uri", format!("{uri:?} {why}"));
    if uri.len() >= MAX_REDIRECT_URI_LEN {
        return Err(bad("must be shorter than 512 characters"));
    }
    // URL parsing drops tabs and newlines silently; a stored URI must be what is compared.
    if uri.chars().any(char::is_control) {
        return Err(bad("must not contain control characters (CR, LF, tab, ...)"));
    }
    let wildcard = uri.contains(":*");
    let parsed = url::Url::parse(&uri.replacen(":*", ":1", 1)).map_err(|e| bad(&format!("is not an absolute URL ({e})")))?;
    if parsed.query().is_some() || parsed.fragment().is_some() || uri.contains(['?', '#']) {
        return Err(bad("must be static: no query string or fragment"));
    }
    let loopback = is_loopback_url(&parsed);
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must use https (http only on localhost or 127.0.0.1)")),
    }
    if wildcard && !loopback {
        return Err(bad("may use port * only on localhost or 127.0.0.1"));
    }
    Ok(())
}

fn validate_client_key(key: &str) -> Result<(), PlatformError> {
    if key.is_empty() {
        return Err(PlatformError::invalid("client_key", "is required"));
    }
    if key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        return Err(PlatformError::invalid(
            "client_key",
            format!("{key:?} must be 1-64 letters, digits, '_', '-' or '.'"),
        ));
    }
    Ok(())
}

fn validate_webhook_url(url: &str) -> Result<(), PlatformError> {
    if url.len() > 2_048 || url.chars().any(char::is_control) {
        return Err(PlatformError::invalid(
            "webhook_url",
            "must be at most 2048 characters without control characters",
        ));
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(PlatformError::invalid("webhook_url", format!("{url:?} is not an http(s) URL"))),
    }
}

/// Checks a registration and fills in defaults, naming the first bad field.
fn validate(new: NewApp) -> Result<App, PlatformError> {
    let client_key = new.client_key.trim().to_string();
    validate_client_key(&client_key)?;
    let client_secret = match new.client_secret {
        Some(secret) => {
            if secret.len() < 8 || secret.len() > 128 || !secret.chars().all(|c| c.is_ascii_graphic()) {
                return Err(PlatformError::invalid(
                    "client_secret",
                    "must be 8-128 printable ASCII characters without spaces",
                ));
            }
            secret
        }
        None => ids::new_client_secret(),
    };
    let developer = match new.developer {
        Some(d) if d.trim().is_empty() || d.len() > 128 => return Err(PlatformError::invalid("developer", "must be 1-128 characters")),
        Some(d) => d.trim().to_string(),
        None => DEFAULT_DEVELOPER.to_string(),
    };
    let mut redirect_uris: Vec<String> = Vec::new();
    for uri in new.redirect_uris {
        validate_redirect_uri(&uri)?;
        if !redirect_uris.contains(&uri) {
            redirect_uris.push(uri);
        }
    }
    if redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(PlatformError::invalid(
            "redirect_uri",
            format!("at most {MAX_REDIRECT_URIS} redirect URIs per app"),
        ));
    }
    let allowed_scopes = match new.allowed_scopes {
        Some(list) => {
            let list = scopes::canonical(list.iter().map(String::as_str));
            if let Some(bad) = list.iter().find(|s| !scopes::is_known(s)) {
                return Err(PlatformError::invalid(
                    "allowed_scopes",
                    format!("unknown scope {bad:?}; known: {}", scopes::KNOWN_SCOPES.join(", ")),
                ));
            }
            if list.is_empty() {
                return Err(PlatformError::invalid("allowed_scopes", "must not be empty"));
            }
            list
        }
        None => scopes::DEFAULT_ALLOWED_SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(url) = &new.webhook_url {
        validate_webhook_url(url)?;
    }
    Ok(App {
        client_key,
        client_secret,
        developer,
        redirect_uris,
        allowed_scopes,
        webhook_url: new.webhook_url,
    })
}

const APP_COLUMNS: &str = "client_key, client_secret, developer, redirect_uris, allowed_scopes, webhook_url";

fn app_from_row(row: &Row<'_>) -> rusqlite::Result<App> {
    let redirect_json: String = row.get(3)?;
    let redirect_uris = serde_json::from_str(&redirect_json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e)))?;
    let allowed: String = row.get(4)?;
    Ok(App {
        client_key: row.get(0)?,
        client_secret: row.get(1)?,
        developer: row.get(2)?,
        redirect_uris,
        allowed_scopes: scopes::split_stored(&allowed),
        webhook_url: row.get(5)?,
    })
}

pub(crate) fn app_by_key(conn: &Connection, client_key: &str) -> rusqlite::Result<Option<App>> {
    conn.prepare_cached(&format!("SELECT {APP_COLUMNS} FROM apps WHERE client_key = ?1"))?
        .query_row([client_key], app_from_row)
        .optional()
}

impl Platform {
    /// Registers the app unless `client_key` is already registered. Answers the app as stored
    /// and whether it was created; an existing app is returned unchanged.
    pub fn register_app(&self, app: NewApp) -> Commit<(App, bool)> {
        self.prepare(|| {
            let app = validate(app)?;
            // On every start but the first the app is there: a read, no write on the start path.
            if let Some(existing) = self.inner.store.read(|conn| app_by_key(conn, &app.client_key))? {
                return Ok(self.answer(Ok((existing, false))));
            }
            let now = self.now();
            Ok(self.write(move |conn| {
                let redirect_json = serde_json::to_string(&app.redirect_uris).expect("a list of strings serialises");
                let inserted = conn.execute(
                    "INSERT INTO apps (client_key, client_secret, developer, redirect_uris, \
                     allowed_scopes, webhook_url, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (client_key) DO NOTHING",
                    params![
                        app.client_key,
                        app.client_secret,
                        app.developer,
                        redirect_json,
                        scopes::join(&app.allowed_scopes),
                        app.webhook_url,
                        now
                    ],
                )?;
                if inserted == 1 {
                    return Ok((app, true));
                }
                let existing = app_by_key(conn, &app.client_key)?.ok_or_else(|| PlatformError::not_found("app", &app.client_key))?;
                Ok((existing, false))
            }))
        })
    }

    /// [`Platform::register_app`], waited for.
    pub fn ensure_app(&self, app: NewApp) -> Result<(App, bool), PlatformError> {
        self.register_app(app).wait()
    }

    /// Sets (or with `None` clears) where the app's webhooks go. Queued deliveries go to the
    /// URL current when they are sent.
    pub fn set_webhook_url(&self, client_key: &str, webhook_url: Option<String>) -> Commit<App> {
        self.prepare(|| {
            if let Some(url) = &webhook_url {
                validate_webhook_url(url)?;
            }
            let client_key = client_key.to_string();
            let set = self.write(move |conn| {
                let changed = conn.execute(
                    "UPDATE apps SET webhook_url = ?2 WHERE client_key = ?1",
                    params![client_key, webhook_url],
                )?;
                if changed == 0 {
                    return Err(PlatformError::not_found("app", &client_key));
                }
                app_by_key(conn, &client_key)?.ok_or_else(|| PlatformError::not_found("app", &client_key))
            });
            Ok(set.waking_webhooks())
        })
    }

    pub fn app(&self, client_key: &str) -> Result<Option<App>, PlatformError> {
        Ok(self.inner.store.read(|conn| app_by_key(conn, client_key))?)
    }

    /// All registered apps, by client_key.
    pub fn apps(&self) -> Result<Vec<App>, PlatformError> {
        self.inner.store.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("SELECT {APP_COLUMNS} FROM apps ORDER BY client_key"))?;
            let apps = stmt.query_map([], app_from_row)?.collect::<Result<_, _>>()?;
            Ok(apps)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlatformOptions;

    fn platform() -> Platform {
        Platform::in_memory(PlatformOptions::default()).unwrap()
    }

    #[test]
    fn a_warm_start_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let app = || NewApp {
            client_key: "warm".into(),
            ..NewApp::default()
        };
        let first = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        assert!(first.ensure_app(app()).unwrap().1);
        drop(first);
        // What `minihost run` does on every later start: open, register the app if missing.
        let again = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        assert!(!again.ensure_app(app()).unwrap().1);
        assert_eq!(again.writes_submitted(), 0, "no write job on a warm start");
        // A bad app is still refused, registered or not.
        let bad = NewApp {
            client_key: "warm".into(),
            redirect_uris: vec!["not a url".into()],
            ..NewApp::default()
        };
        assert!(again.ensure_app(bad).is_err());
    }

    #[test]
    fn ensure_app_creates_once_and_generates_a_secret() {
        let p = platform();
        let (app, created) = p
            .ensure_app(NewApp {
                client_key: "awdrama".into(),
                ..NewApp::default()
            })
            .unwrap();
        assert!(created);
        assert_eq!(app.client_secret.len(), 32);
        assert_eq!(app.developer, DEFAULT_DEVELOPER);
        assert_eq!(app.allowed_scopes, scopes::KNOWN_SCOPES);
        let (again, created) = p
            .ensure_app(NewApp {
                client_key: "awdrama".into(),
                client_secret: Some("another-secret".into()),
                ..NewApp::default()
            })
            .unwrap();
        assert!(!created);
        assert_eq!(again, app);
        assert_eq!(p.app("awdrama").unwrap(), Some(app));
        assert_eq!(p.app("missing").unwrap(), None);
    }

    #[test]
    fn redirect_uris_follow_login_kit_rules() {
        for ok in [
            "https://example.com/cb",
            "http://localhost:3000/cb",
            "http://127.0.0.1:*/callback",
            "http://[::1]:8080/cb",
        ] {
            validate_redirect_uri(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "http://example.com/cb",
            "https://example.com/cb?x=1",
            "https://example.com/cb#frag",
            "https://example.com:*/cb",
            "/relative",
            "ftp://example.com/cb",
        ] {
            let err = validate_redirect_uri(bad).unwrap_err();
            assert!(err.to_string().contains("redirect_uri"), "{bad}: {err}");
        }
        let long = format!("https://example.com/{}", "a".repeat(500));
        assert!(validate_redirect_uri(&long).is_err());
    }

    #[test]
    fn redirect_matching_is_exact_except_loopback_wildcard_port() {
        assert!(redirect_uri_matches("https://a.com/cb", "https://a.com/cb"));
        assert!(!redirect_uri_matches("https://a.com/cb", "https://a.com/cb/"));
        assert!(!redirect_uri_matches("https://a.com/cb", "https://a.com/cb?x=1"));
        assert!(!redirect_uri_matches("https://a.com/cb", "https://A.com/cb"));
        assert!(redirect_uri_matches("http://127.0.0.1:*/cb", "http://127.0.0.1:4567/cb"));
        assert!(!redirect_uri_matches("http://127.0.0.1:*/cb", "http://127.0.0.1:4567/other"));
        assert!(!redirect_uri_matches("http://127.0.0.1:*/cb", "http://evil.com:4567/cb"));
        assert!(redirect_uri_matches("http://127.0.0.1:*/cb", "http://127.0.0.1:1/cb"));
        assert!(redirect_uri_matches("http://127.0.0.1:*/cb", "http://127.0.0.1:65535/cb"));
        assert!(redirect_uri_matches("http://localhost:*/cb", "http://localhost:80/cb"));
    }

    #[test]
    fn wildcard_port_matches_only_ports_1_to_65535() {
        let registered = "http://127.0.0.1:*/cb";
        for candidate in [
            "http://127.0.0.1:*/cb",
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:00/cb",
            "http://127.0.0.1:65536/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:/cb",
        ] {
            assert!(!redirect_uri_matches(registered, candidate), "{candidate}");
        }
    }

    #[test]
    fn redirect_uris_with_control_characters_are_refused_by_name() {
        for bad in [
            "https://example.com/c\r\nb",
            "https://example.com/cb\n",
            "http://127.0.0.1:*/c\tb",
            "https://exa\u{0}mple.com/cb",
            "https://example.com/cb\u{7f}",
        ] {
            let err = validate_redirect_uri(bad).unwrap_err();
            assert!(matches!(err, PlatformError::InvalidInput { field: "redirect_uri", .. }), "{bad:?}");
            assert!(err.to_string().contains("control characters"), "{bad:?}: {err}");
        }
        let p = platform();
        let err = p
            .ensure_app(NewApp {
                client_key: "k".into(),
                redirect_uris: vec!["https://example.com/cb\r\nSet-Cookie: x=1".into()],
                ..NewApp::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("redirect_uri"), "{err}");
        assert_eq!(p.app("k").unwrap(), None);
    }

    #[test]
    fn bad_apps_name_the_bad_field_and_store_nothing() {
        let p = platform();
        let cases = [
            (NewApp::default(), "client_key"),
            (
                NewApp {
                    client_key: "a b".into(),
                    ..NewApp::default()
                },
                "client_key",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    client_secret: Some("short".into()),
                    ..NewApp::default()
                },
                "client_secret",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    redirect_uris: vec!["http://x.com/cb".into()],
                    ..NewApp::default()
                },
                "redirect_uri",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    allowed_scopes: Some(vec!["video.list".into()]),
                    ..NewApp::default()
                },
                "allowed_scopes",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    allowed_scopes: Some(vec![]),
                    ..NewApp::default()
                },
                "allowed_scopes",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    webhook_url: Some("nope".into()),
                    ..NewApp::default()
                },
                "webhook_url",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    developer: Some("".into()),
                    ..NewApp::default()
                },
                "developer",
            ),
            (
                NewApp {
                    client_key: "k".into(),
                    redirect_uris: (0..11).map(|i| format!("https://a.com/{i}")).collect(),
                    ..NewApp::default()
                },
                "redirect_uri",
            ),
        ];
        for (app, field) in cases {
            match p.ensure_app(app) {
                Err(PlatformError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected invalid {field}, got {other:?}"),
            }
        }
        assert!(p.apps().unwrap().is_empty());
    }
}
