//! Login Kit for Web: `GET /v2/auth/authorize/` renders a consent page (pick a test user, see
//! the scopes, Allow or Deny) whose form posts back to the same path, which then redirects to
//! the exact registered redirect_uri. Problems with client_key or redirect_uri get an error page,
//! never a redirect. The legacy v1 authorize paths (`/platform/oauth/connect/`, `/auth/authorize/`)
//! are served here too, with `LEGACY = true`.

use std::fmt::Write as _;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::apps::App;
use super::http::{media_type, read_body, LogId, ParamError, Params};
use super::{codes, scopes, CodeRequest, HostApp, OAuthErrorKind, Platform, PlatformError, User};

/// Remembers which test user last consented in this browser, so a later authorization that asks
/// for nothing new can skip the page (unless `disable_auto_auth=1`), as TikTok's does.
const USER_COOKIE: &str = "minihost_platform_uid";

pub(crate) fn routes() -> Router<Platform> {
    Router::new()
        .route("/v2/auth/authorize/", get(show::<false>).post(decide::<false>))
        .route("/v2/auth/authorize", get(show::<false>).post(decide::<false>))
        .route("/platform/oauth/connect/", get(show::<true>).post(decide::<true>))
        .route("/platform/oauth/connect", get(show::<true>).post(decide::<true>))
        .route("/auth/authorize/", get(show::<true>).post(decide::<true>))
        .route("/auth/authorize", get(show::<true>).post(decide::<true>))
}

/// A validated authorization request.
struct AuthRequest {
    app: App,
    scopes: Vec<String>,
    redirect_uri: String,
    state: Option<String>,
    code_challenge: Option<String>,
    disable_auto_auth: bool,
}

enum Failure {
    /// Shown as a page: the redirect target is unknown or untrusted.
    Page { status: StatusCode, message: String },
    /// Sent back to the (registered) redirect_uri as `error=...`.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthErrorKind,
        description: String,
    },
}

impl From<ParamError> for Failure {
    fn from(err: ParamError) -> Failure {
        Failure::Page {
            status: StatusCode::BAD_REQUEST,
            message: err.to_string(),
        }
    }
}

impl From<PlatformError> for Failure {
    fn from(err: PlatformError) -> Failure {
        let status = if err.is_client_error() {
            StatusCode::BAD_REQUEST
        } else {
            tracing::error!(error = %err, "authorize page failed");
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Failure::Page {
            status,
            message: err.to_string(),
        }
    }
}

fn validate(platform: &Platform, params: &Params, legacy: bool) -> Result<AuthRequest, Failure> {
    let page = |message: String| Failure::Page {
        status: StatusCode::BAD_REQUEST,
        message,
    };
    let client_key = params.require("client_key")?;
    let app = platform
        .app(client_key)?
        .ok_or_else(|| page(format!("client_key {client_key:?} is not a registered app")))?;
    let redirect_uri = params.require("redirect_uri")?;
    // The registered URIs are not listed: anyone can load this page for any client_key.
    if !app.redirect_uri_registered(redirect_uri) {
        return Err(page(format!(
            "redirect_uri {redirect_uri:?} is not registered for app {client_key}; no redirect was made"
        )));
    }
    let state = params.get("state")?.map(str::to_string);
    let redirect = |error: OAuthErrorKind, description: String| Failure::Redirect {
        redirect_uri: redirect_uri.to_string(),
        state: state.clone(),
        error,
        description,
    };
    let to_redirect = |err: ParamError| redirect(OAuthErrorKind::InvalidRequest, err.to_string());
    match params.get("response_type").map_err(to_redirect)? {
        Some("code") => {}
        Some(other) => {
            return Err(redirect(
                OAuthErrorKind::UnsupportedResponseType,
                format!("response_type {other:?} is not supported; use code"),
            ))
        }
        None => return Err(redirect(OAuthErrorKind::InvalidRequest, "response_type is required (code)".into())),
    }
    let Some(scope_param) = params.get("scope").map_err(to_redirect)? else {
        return Err(redirect(OAuthErrorKind::InvalidScope, "scope is required".into()));
    };
    let requested = scopes::parse_list(scope_param);
    if requested.is_empty() {
        return Err(redirect(OAuthErrorKind::InvalidScope, "scope names no scope".into()));
    }
    for scope in &requested {
        if !scopes::is_known(scope) {
            return Err(redirect(OAuthErrorKind::InvalidScope, format!("unknown scope {scope:?}")));
        }
        if !app.allows_scope(scope) {
            return Err(redirect(
                OAuthErrorKind::InvalidScope,
                format!("app {client_key} is not approved for scope {scope:?}"),
            ));
        }
    }
    let code_challenge = if legacy {
        None
    } else {
        match params.get("code_challenge").map_err(to_redirect)? {
            None => None,
            Some(challenge) => {
                let challenge =
                    codes::normalize_code_challenge(challenge).map_err(|e| redirect(OAuthErrorKind::InvalidRequest, e.to_string()))?;
                match params.get("code_challenge_method").map_err(to_redirect)? {
                    Some("S256") => Some(challenge),
                    other => {
                        return Err(redirect(
                            OAuthErrorKind::InvalidRequest,
                            format!(
                                "code_challenge_method must be S256 when code_challenge is \
                                 given (got {other:?})"
                            ),
                        ))
                    }
                }
            }
        }
    };
    let disable_auto_auth = matches!(params.get("disable_auto_auth").map_err(to_redirect)?, Some("1") | Some("true"));
    Ok(AuthRequest {
        redirect_uri: redirect_uri.to_string(),
        app,
        scopes: requested,
        state,
        code_challenge,
        disable_auto_auth,
    })
}

/// Mints a code for `user_id` and redirects back with `code`, `scopes` and `state`.
async fn approve(platform: &Platform, req: &AuthRequest, user_id: i64, legacy: bool) -> Result<Response, Failure> {
    let code = platform
        .mint_code(CodeRequest {
            client_key: req.app.client_key.clone(),
            user_id,
            scopes: req.scopes.clone(),
            // v1 token exchange takes no redirect_uri, so v1 codes are not bound to one.
            redirect_uri: (!legacy).then(|| req.redirect_uri.clone()),
            code_challenge: req.code_challenge.clone(),
            host_app: HostApp::TikTok,
        })
        .await?;
    let joined = scopes::join(&req.scopes);
    let mut pairs = vec![("code", code.as_str()), ("scopes", joined.as_str())];
    if let Some(state) = &req.state {
        pairs.push(("state", state));
    }
    let mut response = redirect_to(&req.redirect_uri, &pairs)?;
    let cookie = format!("{USER_COOKIE}={user_id}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

fn redirect_to(uri: &str, pairs: &[(&str, &str)]) -> Result<Response, Failure> {
    let mut url = url::Url::parse(uri).map_err(|e| Failure::Page {
        status: StatusCode::BAD_REQUEST,
        message: format!("redirect_uri {uri:?} is not a URL: {e}"),
    })?;
    url.query_pairs_mut().extend_pairs(pairs);
    let location = HeaderValue::from_str(url.as_str()).map_err(|_| Failure::Page {
        status: StatusCode::BAD_REQUEST,
        message: "redirect_uri cannot be used in a Location header".into(),
    })?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

fn respond(result: Result<Response, Failure>, log_id: &str) -> Response {
    match result {
        Ok(response) => response,
        Err(Failure::Page { status, message }) => error_page(status, &message, log_id),
        Err(Failure::Redirect {
            redirect_uri,
            state,
            error,
            description,
        }) => {
            let mut pairs = vec![("error", error.as_str()), ("error_description", description.as_str())];
            if let Some(state) = &state {
                pairs.push(("state", state));
            }
            match redirect_to(&redirect_uri, &pairs) {
                Ok(response) => response,
                Err(_) => error_page(StatusCode::BAD_REQUEST, &description, log_id),
            }
        }
    }
}

fn cookie_user(headers: &HeaderMap) -> Option<i64> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == USER_COOKIE)
        .and_then(|(_, value)| value.parse().ok())
}

async fn show<const LEGACY: bool>(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_query(query.as_deref());
    let result: Result<Response, Failure> = async {
        let req = validate(&platform, &params, LEGACY)?;
        let remembered = cookie_user(&headers);
        if let (false, Some(user_id)) = (req.disable_auto_auth, remembered) {
            let granted = platform.granted_scopes(user_id, &req.app.client_key)?;
            if req.scopes.iter().all(|s| granted.contains(s)) {
                return approve(&platform, &req, user_id, LEGACY).await;
            }
        }
        let users = platform.users()?;
        Ok(consent_page(&req, &users, remembered, uri.path(), &log_id))
    }
    .await;
    respond(result, &log_id)
}

async fn decide<const LEGACY: bool>(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if media_type(&headers).is_some_and(|mt| mt != "application/x-www-form-urlencoded") {
        return error_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the consent form must be posted as application/x-www-form-urlencoded",
            &log_id,
        );
    }
    let bytes = match read_body(&headers, body, platform.options().max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(message) => return error_page(StatusCode::PAYLOAD_TOO_LARGE, &message, &log_id),
    };
    let params = Params::parse(&bytes);
    let result: Result<Response, Failure> = async {
        let req = validate(&platform, &params, LEGACY)?;
        match params.require("decision")? {
            "deny" => Err(Failure::Redirect {
                redirect_uri: req.redirect_uri.clone(),
                state: req.state.clone(),
                error: OAuthErrorKind::AccessDenied,
                description: "The user denied the authorization request.".into(),
            }),
            "allow" => {
                let user_id = params
                    .require("user_id")
                    .map_err(|_| Failure::Page {
                        status: StatusCode::BAD_REQUEST,
                        message: "user_id is required: pick a test user".into(),
                    })?
                    .parse::<i64>()
                    .map_err(|_| Failure::Page {
                        status: StatusCode::BAD_REQUEST,
                        message: "user_id must be a user's numeric id".into(),
                    })?;
                approve(&platform, &req, user_id, LEGACY).await
            }
            other => Err(Failure::Page {
                status: StatusCode::BAD_REQUEST,
                message: format!("decision must be allow or deny, not {other:?}"),
            }),
        }
    }
    .await;
    respond(result, &log_id)
}

/// Escapes text for HTML text and quoted attributes alike.
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_quoted_attribute(text)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f1f1f2;margin:0;padding:24px;color:#161823}\
main{max-width:440px;margin:0 auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 2px 12px #0002}\
h1{font-size:20px;margin:0 0 4px}.sub{color:#6b6d76;font-size:13px;margin:0 0 16px}\
fieldset{border:0;padding:0;margin:0 0 16px}legend{font-weight:600;margin-bottom:8px}\
.user{display:flex;align-items:center;gap:10px;padding:8px;border:1px solid #e3e3e4;border-radius:8px;margin-bottom:6px;cursor:pointer}\
.user img{width:40px;height:40px;border-radius:50%}.user small{color:#6b6d76}\
ul{padding-left:18px}li{margin:6px 0}code{font-size:12px;color:#6b6d76}\
.actions{display:flex;gap:12px}button{flex:1;padding:12px;border-radius:8px;border:1px solid #d0d0d3;background:#fff;font-size:15px;cursor:pointer}\
button.primary{background:#fe2c55;border-color:#fe2c55;color:#fff}.to{font-size:12px;color:#6b6d76;word-break:break-all}\
footer{text-align:center;color:#a0a1a7;font-size:11px;margin-top:16px}";

fn page(status: StatusCode, title: &str, body: &str, log_id: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · minihost platform</title><style>{STYLE}</style></head><body><main>{body}</main>\
         <footer>minihost platform emulator · log_id {}</footer></body></html>",
        esc(title),
        esc(log_id)
    );
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; frame-ancestors 'none'"),
    );
    response
}

fn error_page(status: StatusCode, message: &str, log_id: &str) -> Response {
    let body = format!(
        "<h1>Authorization failed</h1><p class=\"sub\">The request cannot be completed.</p><p id=\"error\">{}</p>",
        esc(message)
    );
    page(status, "Authorization failed", &body, log_id)
}

fn consent_page(req: &AuthRequest, users: &[User], remembered: Option<i64>, action: &str, log_id: &str) -> Response {
    let app = &req.app;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{} wants to access your TikTok account</h1><p class=\"sub\">Developer: {}</p>\
         <form method=\"post\" action=\"{}\"><fieldset><legend>Continue as</legend>",
        esc(&app.client_key),
        esc(&app.developer),
        esc(action)
    );
    if users.is_empty() {
        body.push_str("<p>No test users exist. Add one with <code>minihost platform user add</code>.</p>");
    }
    let selected = remembered
        .filter(|id| users.iter().any(|u| u.id == *id))
        .or(users.first().map(|u| u.id));
    for user in users {
        let _ = write!(
            body,
            "<label class=\"user\"><input type=\"radio\" name=\"user_id\" value=\"{}\"{}>\
             <img src=\"{}\" alt=\"\"><span><b>{}</b><br><small>@{}</small></span></label>",
            user.id,
            if Some(user.id) == selected { " checked" } else { "" },
            esc(&user.avatar_url),
            esc(&user.display_name),
            esc(&user.username)
        );
    }
    body.push_str("</fieldset><p><b>This app will be able to:</b></p><ul>");
    for scope in &req.scopes {
        let _ = write!(body, "<li>{} <code>{}</code></li>", esc(scopes::describe(scope)), esc(scope));
    }
    body.push_str("</ul>");
    let mut hidden = vec![
        ("client_key", app.client_key.clone()),
        ("redirect_uri", req.redirect_uri.clone()),
        ("response_type", "code".to_string()),
        ("scope", scopes::join(&req.scopes)),
    ];
    if let Some(state) = &req.state {
        hidden.push(("state", state.clone()));
    }
    if let Some(challenge) = &req.code_challenge {
        hidden.push(("code_challenge", challenge.clone()));
        hidden.push(("code_challenge_method", "S256".to_string()));
    }
    for (name, value) in hidden {
        let _ = write!(body, "<input type=\"hidden\" name=\"{name}\" value=\"{}\">", esc(&value));
    }
    let allow = if users.is_empty() {
        ""
    } else {
        "<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"primary\">Allow</button>"
    };
    let _ = write!(
        body,
        "<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>{allow}</div>\
         <p class=\"to\">You will be redirected to {}</p></form>",
        esc(&req.redirect_uri)
    );
    page(StatusCode::OK, &format!("Authorize {}", app.client_key), &body, log_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_attribute_and_text_contexts() {
        let raw = "<a href=\"x\">'&'</a>";
        let escaped = esc(raw);
        assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
        assert_eq!(html_escape::decode_html_entities(&escaped), raw);
    }

    #[test]
    fn cookie_user_is_read_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; minihost_platform_uid=42; b=2"));
        assert_eq!(cookie_user(&h), Some(42));
        h.insert(header::COOKIE, HeaderValue::from_static("minihost_platform_uid=x"));
        assert_eq!(cookie_user(&h), None);
    }

    #[test]
    fn redirect_appends_to_the_registered_uri() {
        let response = redirect_to("https://a.com/cb", &[("code", "c d"), ("state", "s&t")]).ok().unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()[header::LOCATION], "https://a.com/cb?code=c+d&state=s%26t");
    }
}
