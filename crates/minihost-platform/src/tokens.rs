//! Access, refresh and client tokens: exchanging codes, refreshing (with optional rotation),
//! client credentials, revocation, expiry, and resolving a bearer token. Errors are OAuth's
//! (`invalid_grant`, ...), independent of any wire format.

use rusqlite::{params, Connection, Row};

use super::apps::{app_by_key, App};
use super::ids::IdSecret;
use super::{codes, scopes, secrets, Commit, HostApp, Platform, PlatformError};

/// The OAuth 2.0 error classes TikTok's token endpoints return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthErrorKind {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    UnsupportedGrantType,
    UnsupportedResponseType,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
}

impl OAuthErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorKind::InvalidRequest => "invalid_request",
            OAuthErrorKind::InvalidClient => "invalid_client",
            OAuthErrorKind::InvalidGrant => "invalid_grant",
            OAuthErrorKind::InvalidScope => "invalid_scope",
            OAuthErrorKind::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorKind::UnsupportedResponseType => "unsupported_response_type",
            OAuthErrorKind::AccessDenied => "access_denied",
            OAuthErrorKind::ServerError => "server_error",
            OAuthErrorKind::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", kind.as_str())]
pub struct OAuthError {
    pub kind: OAuthErrorKind,
    pub description: String,
}

impl OAuthError {
    pub fn new(kind: OAuthErrorKind, description: impl Into<String>) -> OAuthError {
        OAuthError {
            kind,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new(OAuthErrorKind::InvalidRequest, description)
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new(OAuthErrorKind::InvalidGrant, description)
    }

    fn invalid_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new(OAuthErrorKind::InvalidClient, description)
    }
}

impl From<PlatformError> for OAuthError {
    fn from(err: PlatformError) -> OAuthError {
        match err {
            PlatformError::InvalidInput { field, message } => OAuthError::invalid_request(format!("{field}: {message}")),
            PlatformError::NotFound { .. } | PlatformError::AlreadyExists { .. } => OAuthError::invalid_request(err.to_string()),
            err if err.is_busy() => OAuthError::new(OAuthErrorKind::TemporarilyUnavailable, "the platform database is busy; retry"),
            err => {
                tracing::error!(error = %err, "platform failure");
                OAuthError::new(OAuthErrorKind::ServerError, "internal error; see the server log")
            }
        }
    }
}

impl From<rusqlite::Error> for OAuthError {
    fn from(err: rusqlite::Error) -> OAuthError {
        PlatformError::from(err).into()
    }
}

/// A `grant_type=authorization_code` request.
#[derive(Clone, Copy, Debug)]
pub struct CodeExchange<'a> {
    pub client_key: &'a str,
    pub client_secret: &'a str,
    pub code: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

/// A user access token with its refresh token, as the token endpoints return them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
    pub open_id: String,
    pub scopes: Vec<String>,
    pub user_id: i64,
    pub client_key: String,
}

/// A `clt.` app token from client_credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientToken {
    pub access_token: String,
    pub expires_in: u64,
}

/// What a valid user access token stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessGrant {
    pub user_id: i64,
    pub client_key: String,
    pub host_app: HostApp,
    pub scopes: Vec<String>,
    pub expires_at: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
    Client,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Access => "access",
            Kind::Refresh => "refresh",
            Kind::Client => "client",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Access => "act.",
            Kind::Refresh => "rft.",
            Kind::Client => "clt.",
        }
    }
}

/// What a token and a code both record: their row, app, host app, scopes and expiry.
struct Issue {
    id: i64,
    client_key: String,
    host_app: String,
    scopes: String,
    expires_at: i64,
}

impl Issue {
    /// Columns 1 to 4 of a [`secrets::find`] query: `client_key, host_app, scopes, expires_at`.
    fn read(id: i64, r: &Row<'_>) -> rusqlite::Result<Issue> {
        Ok(Issue {
            id,
            client_key: r.get(1)?,
            host_app: r.get(2)?,
            scopes: r.get(3)?,
            expires_at: r.get(4)?,
        })
    }
}

struct TokenRow {
    issue: Issue,
    kind: String,
    user_id: Option<i64>,
    family_id: Option<i64>,
    revoked_at: Option<i64>,
}

struct CodeRow {
    issue: Issue,
    user_id: i64,
    redirect_uri: Option<String>,
    challenge: Option<String>,
    used_at: Option<i64>,
}

fn token_row(conn: &Connection, token: &str) -> rusqlite::Result<Option<TokenRow>> {
    let query = "SELECT secret_hash, client_key, host_app, scopes, expires_at, kind, user_id, family_id, revoked_at \
                 FROM tokens WHERE id = ?1";
    secrets::find(conn, token, query, |id, r| {
        Ok(TokenRow {
            issue: Issue::read(id, r)?,
            kind: r.get(5)?,
            user_id: r.get(6)?,
            family_id: r.get(7)?,
            revoked_at: r.get(8)?,
        })
    })
}

fn code_row(conn: &Connection, code: &str) -> rusqlite::Result<Option<CodeRow>> {
    let query = "SELECT secret_hash, client_key, host_app, scopes, expires_at, user_id, redirect_uri, code_challenge, \
                 used_at FROM auth_codes WHERE id = ?1";
    secrets::find(conn, code, query, |id, r| {
        Ok(CodeRow {
            issue: Issue::read(id, r)?,
            user_id: r.get(5)?,
            redirect_uri: r.get(6)?,
            challenge: r.get(7)?,
            used_at: r.get(8)?,
        })
    })
}

#[derive(Clone, Copy)]
struct NewToken<'a> {
    kind: Kind,
    client_key: &'a str,
    user_id: Option<i64>,
    host_app: &'a str,
    scopes: &'a str,
    family_id: Option<i64>,
    ttl: u64,
}

fn insert_token(conn: &Connection, t: NewToken<'_>, now: i64) -> rusqlite::Result<String> {
    let secret = secrets::NewSecret::generate(t.kind.prefix());
    let expires_at = now.saturating_add(i64::try_from(t.ttl).unwrap_or(i64::MAX));
    conn.prepare_cached(
        "INSERT INTO tokens (secret_hash, kind, client_key, user_id, host_app, scopes, family_id, \
         issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        secret.hash,
        t.kind.as_str(),
        t.client_key,
        t.user_id,
        t.host_app,
        t.scopes,
        t.family_id,
        now,
        expires_at
    ])?;
    Ok(secret.finish(conn.last_insert_rowid()))
}

fn revoke_family(conn: &Connection, family_id: i64, now: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE tokens SET revoked_at = ?1 WHERE family_id = ?2 AND revoked_at IS NULL")?
        .execute(params![now, family_id])
}

/// Checks client credentials. `secret` is `None` only where an API does not send it (v1
/// refresh); a wrong secret is always refused.
fn authenticate(conn: &Connection, client_key: &str, secret: Option<&str>) -> Result<App, OAuthError> {
    let app =
        app_by_key(conn, client_key)?.ok_or_else(|| OAuthError::invalid_client(format!("client_key {client_key:?} is not registered")))?;
    if let Some(secret) = secret {
        if !secrets::same(secret.as_bytes(), app.client_secret.as_bytes()) {
            return Err(OAuthError::invalid_client(format!(
                "client_secret is wrong for client_key {client_key:?}"
            )));
        }
    }
    Ok(app)
}

fn remaining(expires_at: i64, now: i64) -> u64 {
    expires_at.saturating_sub(now).max(0).unsigned_abs()
}

/// The grant behind a user access token that is known, unexpired at `now` and not revoked.
pub(crate) fn live_access_grant(conn: &Connection, token: &str, now: i64) -> Result<Option<AccessGrant>, PlatformError> {
    let Some(row) = token_row(conn, token)? else {
        return Ok(None);
    };
    let (Some(user_id), true, None, true) = (
        row.user_id,
        row.kind == Kind::Access.as_str(),
        row.revoked_at,
        now < row.issue.expires_at,
    ) else {
        return Ok(None);
    };
    Ok(Some(AccessGrant {
        user_id,
        host_app: parse_host(&row.issue.host_app)?,
        client_key: row.issue.client_key,
        scopes: scopes::split_stored(&row.issue.scopes),
        expires_at: row.issue.expires_at.max(0).unsigned_abs(),
    }))
}

fn parse_host(stored: &str) -> Result<HostApp, PlatformError> {
    stored
        .parse()
        .map_err(|_| PlatformError::Corrupt(format!("unknown host app {stored:?} in tokens")))
}

/// What token jobs need from the options, copied so that jobs own all their inputs.
#[derive(Clone, Copy)]
struct Lifetimes {
    access: u64,
    refresh: u64,
    client: u64,
    rotate: bool,
}

/// `tokens` with their open_id: their user in their app as seen from `host_app`.
fn with_open_id(ids: &IdSecret, tokens: IssuedTokens, host_app: &str) -> Result<IssuedTokens, OAuthError> {
    let open_id = ids.open_id(parse_host(host_app)?, &tokens.client_key, tokens.user_id);
    Ok(IssuedTokens { open_id, ..tokens })
}

fn check_redirect_uri(bound: Option<&str>, sent: Option<&str>) -> Result<(), OAuthError> {
    match (bound, sent) {
        (Some(_), None) => Err(OAuthError::invalid_request(
            "redirect_uri is required: this code was issued with a redirect_uri",
        )),
        (Some(bound), Some(sent)) if bound != sent => Err(OAuthError::invalid_grant(
            "redirect_uri does not match the one used at authorization",
        )),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "redirect_uri was not used at authorization (Minis codes take none)",
        )),
        _ => Ok(()),
    }
}

fn check_verifier(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (Some(_), None) => Err(OAuthError::invalid_request(
            "code_verifier is required: this code was issued with a code_challenge",
        )),
        (Some(challenge), Some(verifier)) => {
            if !codes::verifier_is_well_formed(verifier) {
                return Err(OAuthError::invalid_request(
                    "code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~",
                ));
            }
            if codes::challenge_for_verifier(verifier) != challenge {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge (hex SHA-256)",
                ));
            }
            Ok(())
        }
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier was sent but no code_challenge was used at authorization",
        )),
        (None, None) => Ok(()),
    }
}

impl Platform {
    fn lifetimes(&self) -> Lifetimes {
        let opts = &self.inner.opts;
        Lifetimes {
            access: opts.access_token_ttl,
            refresh: opts.refresh_token_ttl,
            client: opts.client_token_ttl,
            rotate: opts.rotate_refresh_tokens,
        }
    }

    /// `grant_type=authorization_code`. The code is consumed only by a successful exchange; a
    /// second use fails with `invalid_grant` and revokes every token minted from the code.
    pub fn exchange_code(&self, req: CodeExchange<'_>) -> Commit<IssuedTokens, OAuthError> {
        let client_key = req.client_key.to_string();
        let client_secret = req.client_secret.to_string();
        let code = req.code.to_string();
        let redirect_uri = req.redirect_uri.map(str::to_string);
        let code_verifier = req.code_verifier.map(str::to_string);
        let (life, now, ids) = (self.lifetimes(), self.now(), self.inner.ids.clone());
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            authenticate(&tx, &client_key, Some(&client_secret))?;
            let Some(code) = code_row(&tx, &code)? else {
                return Err(OAuthError::invalid_grant("code is invalid or was never issued"));
            };
            if code.issue.client_key != client_key {
                return Err(OAuthError::invalid_grant("code was issued to a different client_key"));
            }
            if code.used_at.is_some() {
                let revoked = revoke_family(&tx, code.issue.id, now)?;
                tx.commit()?;
                tracing::warn!(client_key, revoked, "authorization code replayed; its tokens are revoked");
                return Err(OAuthError::invalid_grant(
                    "code has already been used; the tokens issued from it are now revoked",
                ));
            }
            if now >= code.issue.expires_at {
                return Err(OAuthError::invalid_grant("code has expired"));
            }
            check_redirect_uri(code.redirect_uri.as_deref(), redirect_uri.as_deref())?;
            check_verifier(code.challenge.as_deref(), code_verifier.as_deref())?;
            tx.prepare_cached("UPDATE auth_codes SET used_at = ?1 WHERE id = ?2")?
                .execute(params![now, code.issue.id])?;
            let access = NewToken {
                kind: Kind::Access,
                client_key: &client_key,
                user_id: Some(code.user_id),
                host_app: &code.issue.host_app,
                scopes: &code.issue.scopes,
                family_id: Some(code.issue.id),
                ttl: life.access,
            };
            let refresh = NewToken {
                kind: Kind::Refresh,
                ttl: life.refresh,
                ..access
            };
            let refresh_token = insert_token(&tx, refresh, now)?;
            let access_token = insert_token(&tx, access, now)?;
            tx.commit()?;
            with_open_id(
                &ids,
                IssuedTokens {
                    access_token,
                    expires_in: life.access,
                    refresh_token,
                    refresh_expires_in: life.refresh,
                    open_id: String::new(),
                    scopes: scopes::split_stored(&code.issue.scopes),
                    user_id: code.user_id,
                    client_key,
                },
                &code.issue.host_app,
            )
        })
    }

    /// `grant_type=refresh_token`: a new access token with the same scopes. With
    /// `rotate_refresh_tokens` the refresh token is replaced and the old one revoked; otherwise
    /// the same refresh token comes back with its remaining lifetime. Reusing a revoked refresh
    /// token revokes every token of its authorization (RFC 9700 §4.14.2). `client_secret: None`
    /// skips the secret check, for the v1 API that does not send it.
    pub fn refresh_tokens(&self, client_key: &str, client_secret: Option<&str>, refresh_token: &str) -> Commit<IssuedTokens, OAuthError> {
        let client_key = client_key.to_string();
        let client_secret = client_secret.map(str::to_string);
        let refresh_token = refresh_token.to_string();
        let (life, now, ids) = (self.lifetimes(), self.now(), self.inner.ids.clone());
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            authenticate(&tx, &client_key, client_secret.as_deref())?;
            let row = token_row(&tx, &refresh_token)?
                .filter(|r| r.kind == Kind::Refresh.as_str())
                .ok_or_else(|| OAuthError::invalid_grant("refresh_token is invalid or was never issued"))?;
            if row.issue.client_key != client_key {
                return Err(OAuthError::invalid_grant("refresh_token was issued to a different client_key"));
            }
            if row.revoked_at.is_some() {
                // A revoked (e.g. rotated) refresh token in use means it leaked: RFC 9700 §4.14.2.
                let revoked = match row.family_id {
                    Some(family) => revoke_family(&tx, family, now)?,
                    None => 0,
                };
                tx.commit()?;
                tracing::warn!(
                    client_key,
                    family = row.family_id,
                    revoked,
                    "revoked refresh token reused; every token of its authorization is now revoked"
                );
                return Err(OAuthError::invalid_grant(
                    "refresh_token has been revoked; reusing it revoked every token of its authorization",
                ));
            }
            if now >= row.issue.expires_at {
                return Err(OAuthError::invalid_grant("refresh_token has expired"));
            }
            let user_id = row
                .user_id
                .ok_or_else(|| PlatformError::Corrupt("refresh token without a user".into()))?;
            let access = NewToken {
                kind: Kind::Access,
                client_key: &client_key,
                user_id: Some(user_id),
                host_app: &row.issue.host_app,
                scopes: &row.issue.scopes,
                family_id: row.family_id,
                ttl: life.access,
            };
            let access_token = insert_token(&tx, access, now)?;
            let (refresh_token, refresh_expires_in) = if life.rotate {
                tx.prepare_cached("UPDATE tokens SET revoked_at = ?1 WHERE id = ?2")?
                    .execute(params![now, row.issue.id])?;
                let next = NewToken {
                    kind: Kind::Refresh,
                    ttl: life.refresh,
                    ..access
                };
                (insert_token(&tx, next, now)?, life.refresh)
            } else {
                (refresh_token, remaining(row.issue.expires_at, now))
            };
            tx.commit()?;
            with_open_id(
                &ids,
                IssuedTokens {
                    access_token,
                    expires_in: life.access,
                    refresh_token,
                    refresh_expires_in,
                    open_id: String::new(),
                    scopes: scopes::split_stored(&row.issue.scopes),
                    user_id,
                    client_key,
                },
                &row.issue.host_app,
            )
        })
    }

    /// `grant_type=client_credentials`: an app token (`clt.`) with no user and no refresh token.
    pub fn client_token(&self, client_key: &str, client_secret: &str) -> Commit<ClientToken, OAuthError> {
        let client_key = client_key.to_string();
        let client_secret = client_secret.to_string();
        let (life, now) = (self.lifetimes(), self.now());
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            authenticate(&tx, &client_key, Some(&client_secret))?;
            let token = NewToken {
                kind: Kind::Client,
                client_key: &client_key,
                user_id: None,
                host_app: HostApp::TikTok.as_str(),
                scopes: "",
                family_id: None,
                ttl: life.client,
            };
            let access_token = insert_token(&tx, token, now)?;
            tx.commit()?;
            Ok(ClientToken {
                access_token,
                expires_in: life.client,
            })
        })
    }

    /// Revokes `token` (access or refresh) together with every token of the same authorization,
    /// so neither the access nor the refresh token works afterwards. Unknown tokens are not an
    /// error (revocation is idempotent, RFC 7009); answers whether a live token was found.
    /// `client_secret: None` skips the secret check, for the v1 API that does not send it.
    pub fn revoke_token(&self, client_key: &str, client_secret: Option<&str>, token: &str) -> Commit<bool, OAuthError> {
        let client_key = client_key.to_string();
        let client_secret = client_secret.map(str::to_string);
        let token = token.to_string();
        let now = self.now();
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            authenticate(&tx, &client_key, client_secret.as_deref())?;
            let Some(row) = token_row(&tx, &token)? else {
                return Ok(false);
            };
            if row.issue.client_key != client_key {
                return Err(OAuthError::invalid_request("token was issued to a different client_key"));
            }
            let revoked = match row.family_id {
                Some(family) => revoke_family(&tx, family, now)?,
                None => tx.execute(
                    "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                    params![now, row.issue.id],
                )?,
            };
            tx.commit()?;
            Ok(revoked > 0)
        })
    }

    /// What a user access token stands for, or `None` when it is unknown, expired, revoked or
    /// not a user access token.
    pub fn resolve_access_token(&self, token: &str) -> Result<Option<AccessGrant>, PlatformError> {
        let now = self.now();
        self.inner.store.read(|conn| live_access_grant(conn, token, now))
    }

    /// The app a live client token (`clt.`, from client_credentials) stands for; `None` when
    /// the token is unknown, expired, revoked or of another kind.
    pub(crate) fn client_token_app(&self, token: &str) -> Result<Option<String>, PlatformError> {
        let now = self.now();
        let row = self.inner.store.read(|conn| token_row(conn, token))?;
        Ok(row
            .filter(|r| r.kind == Kind::Client.as_str() && r.revoked_at.is_none() && now < r.issue.expires_at)
            .map(|r| r.issue.client_key))
    }

    /// Makes `token` (any kind) expire now. Answers whether the token exists.
    pub fn expire_token(&self, token: &str) -> Commit<bool> {
        let now = self.now();
        let token = token.to_string();
        self.write(move |conn| {
            let Some(row) = token_row(conn, &token)? else {
                return Ok(false);
            };
            let changed = conn.execute(
                "UPDATE tokens SET expires_at = MIN(expires_at, ?1) WHERE id = ?2",
                params![now, row.issue.id],
            )?;
            Ok(changed > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CodeRequest, NewApp, PlatformOptions, USER_INFO_BASIC};

    struct Fixture {
        p: Platform,
        secret: String,
        alice: i64,
    }

    fn fixture(opts: PlatformOptions) -> Fixture {
        let p = Platform::in_memory(opts).unwrap();
        let (app, _) = p
            .ensure_app(NewApp {
                client_key: "k".into(),
                redirect_uris: vec!["https://a.com/cb".into()],
                ..NewApp::default()
            })
            .unwrap();
        let alice = p.user_by_username("alice").unwrap().unwrap().id;
        Fixture {
            p,
            secret: app.client_secret,
            alice,
        }
    }

    impl Fixture {
        fn code(&self, redirect_uri: Option<&str>, challenge: Option<String>) -> String {
            self.p
                .mint_code(CodeRequest {
                    client_key: "k".into(),
                    user_id: self.alice,
                    scopes: vec![USER_INFO_BASIC.into()],
                    redirect_uri: redirect_uri.map(String::from),
                    code_challenge: challenge,
                    host_app: HostApp::Douyin,
                })
                .wait()
                .unwrap()
        }

        fn exchange(&self, code: &str) -> Result<IssuedTokens, OAuthError> {
            self.p
                .exchange_code(CodeExchange {
                    client_key: "k",
                    client_secret: &self.secret,
                    code,
                    redirect_uri: None,
                    code_verifier: None,
                })
                .wait()
        }
    }

    #[test]
    fn exchange_issues_tokens_bound_to_the_code() {
        let f = fixture(PlatformOptions::default());
        let t = f.exchange(&f.code(None, None)).unwrap();
        assert!(t.access_token.starts_with("act.") && t.refresh_token.starts_with("rft."));
        assert_eq!((t.expires_in, t.refresh_expires_in), (86_400, 31_536_000));
        assert_eq!(t.open_id, f.p.open_id(HostApp::Douyin, "k", f.alice));
        let grant = f.p.resolve_access_token(&t.access_token).unwrap().unwrap();
        assert_eq!(grant.user_id, f.alice);
        assert_eq!(grant.host_app, HostApp::Douyin);
        assert_eq!(grant.scopes, vec![USER_INFO_BASIC]);
        // A refresh token is not an access token.
        assert_eq!(f.p.resolve_access_token(&t.refresh_token).unwrap(), None);
    }

    #[test]
    fn replay_fails_and_revokes_the_first_exchange() {
        let f = fixture(PlatformOptions::default());
        let code = f.code(None, None);
        let t = f.exchange(&code).unwrap();
        assert_eq!(f.exchange(&code).unwrap_err().kind, OAuthErrorKind::InvalidGrant);
        assert_eq!(f.p.resolve_access_token(&t.access_token).unwrap(), None);
        let refresh = f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap_err();
        assert_eq!(refresh.kind, OAuthErrorKind::InvalidGrant);
    }

    #[test]
    fn failed_checks_do_not_consume_the_code() {
        let f = fixture(PlatformOptions::default());
        let verifier = "v".repeat(50);
        let code = f.code(Some("https://a.com/cb"), Some(codes::challenge_for_verifier(&verifier)));
        let attempt = |uri: Option<&str>, v: Option<&str>, secret: &str| {
            f.p.exchange_code(CodeExchange {
                client_key: "k",
                client_secret: secret,
                code: &code,
                redirect_uri: uri,
                code_verifier: v,
            })
            .wait()
        };
        let kind = |r: Result<IssuedTokens, OAuthError>| r.unwrap_err().kind;
        assert_eq!(
            kind(attempt(Some("https://a.com/cb"), Some(&verifier), "wrong-secret")),
            OAuthErrorKind::InvalidClient
        );
        assert_eq!(kind(attempt(None, Some(&verifier), &f.secret)), OAuthErrorKind::InvalidRequest);
        assert_eq!(
            kind(attempt(Some("https://a.com/other"), Some(&verifier), &f.secret)),
            OAuthErrorKind::InvalidGrant
        );
        assert_eq!(
            kind(attempt(Some("https://a.com/cb"), None, &f.secret)),
            OAuthErrorKind::InvalidRequest
        );
        assert_eq!(
            kind(attempt(Some("https://a.com/cb"), Some("short"), &f.secret)),
            OAuthErrorKind::InvalidRequest
        );
        assert_eq!(
            kind(attempt(Some("https://a.com/cb"), Some(&"w".repeat(50)), &f.secret)),
            OAuthErrorKind::InvalidGrant
        );
        attempt(Some("https://a.com/cb"), Some(&verifier), &f.secret).unwrap();
    }

    #[test]
    fn codes_expire_by_the_clock() {
        let f = fixture(PlatformOptions::default());
        let code = f.code(None, None);
        f.p.clock().advance(600);
        let err = f.exchange(&code).unwrap_err();
        assert_eq!(err.kind, OAuthErrorKind::InvalidGrant);
        assert!(err.description.contains("expired"), "{err}");
    }

    #[test]
    fn refresh_without_rotation_keeps_the_refresh_token() {
        let f = fixture(PlatformOptions::default());
        let t = f.exchange(&f.code(None, None)).unwrap();
        f.p.clock().advance(100);
        let r = f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap();
        assert_eq!(r.refresh_token, t.refresh_token);
        assert!(r.refresh_expires_in <= 31_536_000 - 100);
        assert_ne!(r.access_token, t.access_token);
        assert_eq!(r.open_id, t.open_id);
        f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap();
    }

    #[test]
    fn refresh_with_rotation_revokes_the_used_refresh_token() {
        let f = fixture(PlatformOptions {
            rotate_refresh_tokens: true,
            ..PlatformOptions::default()
        });
        let t = f.exchange(&f.code(None, None)).unwrap();
        let r = f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap();
        assert_ne!(r.refresh_token, t.refresh_token);
        let r2 = f.p.refresh_tokens("k", Some(&f.secret), &r.refresh_token).wait().unwrap();
        assert!(f.p.resolve_access_token(&r2.access_token).unwrap().is_some());
    }

    #[test]
    fn reusing_a_rotated_refresh_token_revokes_its_whole_family_only() {
        let f = fixture(PlatformOptions {
            rotate_refresh_tokens: true,
            ..PlatformOptions::default()
        });
        let t = f.exchange(&f.code(None, None)).unwrap();
        let other = f.exchange(&f.code(None, None)).unwrap();
        let r = f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap();
        let r2 = f.p.refresh_tokens("k", Some(&f.secret), &r.refresh_token).wait().unwrap();

        let err = f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap_err();
        assert_eq!(err.kind, OAuthErrorKind::InvalidGrant);
        assert!(err.description.contains("revoked every token"), "{err}");
        for access in [&t.access_token, &r.access_token, &r2.access_token] {
            assert_eq!(f.p.resolve_access_token(access).unwrap(), None);
        }
        let newest = f.p.refresh_tokens("k", Some(&f.secret), &r2.refresh_token).wait().unwrap_err();
        assert_eq!(newest.kind, OAuthErrorKind::InvalidGrant);
        // Another authorization of the same user and app is untouched.
        assert!(f.p.resolve_access_token(&other.access_token).unwrap().is_some());
        f.p.refresh_tokens("k", Some(&f.secret), &other.refresh_token).wait().unwrap();
    }

    #[test]
    fn revoke_kills_access_and_refresh_of_the_same_authorization_only() {
        let f = fixture(PlatformOptions::default());
        let a = f.exchange(&f.code(None, None)).unwrap();
        let b = f.exchange(&f.code(None, None)).unwrap();
        assert!(f.p.revoke_token("k", Some(&f.secret), &a.access_token).wait().unwrap());
        assert_eq!(f.p.resolve_access_token(&a.access_token).unwrap(), None);
        assert!(f.p.refresh_tokens("k", Some(&f.secret), &a.refresh_token).wait().is_err());
        assert!(f.p.resolve_access_token(&b.access_token).unwrap().is_some());
        assert!(!f.p.revoke_token("k", Some(&f.secret), "act.unknown").wait().unwrap());
    }

    #[test]
    fn client_tokens_are_clt_and_not_user_tokens() {
        let f = fixture(PlatformOptions::default());
        let t = f.p.client_token("k", &f.secret).wait().unwrap();
        assert!(t.access_token.starts_with("clt."));
        assert_eq!(t.expires_in, 7_200);
        assert_eq!(f.p.resolve_access_token(&t.access_token).unwrap(), None);
        assert_eq!(
            f.p.client_token("k", "nope").wait().unwrap_err().kind,
            OAuthErrorKind::InvalidClient
        );
        assert_eq!(
            f.p.client_token("zz", "nope").wait().unwrap_err().kind,
            OAuthErrorKind::InvalidClient
        );
    }

    #[test]
    fn expire_token_and_clock_expiry() {
        let f = fixture(PlatformOptions::default());
        let t = f.exchange(&f.code(None, None)).unwrap();
        assert!(f.p.expire_token(&t.access_token).wait().unwrap());
        assert_eq!(f.p.resolve_access_token(&t.access_token).unwrap(), None);
        assert!(!f.p.expire_token("act.nope").wait().unwrap());
        let t2 = f.p.refresh_tokens("k", Some(&f.secret), &t.refresh_token).wait().unwrap();
        f.p.clock().advance(86_400);
        assert_eq!(f.p.resolve_access_token(&t2.access_token).unwrap(), None);
    }
}
