//! The deprecated v1 API that tutorials still use (its consent page, at `/platform/oauth/connect/`
//! and `/auth/authorize/`, is `authorize_page`'s): `POST /oauth/access_token/` and `/oauth/refresh_token/` with query
//! parameters, `POST /oauth/revoke/`, and `POST /user/info/` with a JSON body; all in v1's
//! `{data: {..., error_code}, message}` and `{data, error: {code: int}}` shapes.
//!
//! v1's numeric error codes are the Douyin-era ones (10005 missing parameter, 10007 bad code,
//! 10008 bad access token, 10010 bad refresh token, 10013 bad client credentials, 10004 scope,
//! 10002 other bad parameters); TikTok's exact v1 numbers are unconfirmed.

use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

use super::http::{media_type, oauth_status, read_body, LogId, ParamError, Params};
use super::user_info::{self, Api, UserInfoError, V1_DEFAULT_FIELDS};
use super::{scopes, CodeExchange, Commit, IssuedTokens, OAuthError, OAuthErrorKind, Platform};

const SYSTEM_ERROR: i64 = 10000;
const INVALID_PARAM: i64 = 10002;
const SCOPE_ERROR: i64 = 10004;
const MISSING_PARAM: i64 = 10005;
const BAD_CODE: i64 = 10007;
const BAD_ACCESS_TOKEN: i64 = 10008;
const BAD_REFRESH_TOKEN: i64 = 10010;
const BAD_CLIENT: i64 = 10013;

pub(crate) fn routes() -> Router<Platform> {
    let access_token = token_endpoint(BAD_CODE, exchange_code);
    let refresh_token = token_endpoint(BAD_REFRESH_TOKEN, refresh_tokens);
    Router::new()
        .route("/oauth/access_token/", access_token.clone())
        .route("/oauth/access_token", access_token)
        .route("/oauth/refresh_token/", refresh_token.clone())
        .route("/oauth/refresh_token", refresh_token)
        .route("/oauth/revoke/", post(revoke))
        .route("/oauth/revoke", post(revoke))
        .route("/user/info/", post(user_info))
        .route("/user/info", post(user_info))
}

struct V1Error {
    status: StatusCode,
    code: i64,
    description: String,
}

impl V1Error {
    fn new(status: StatusCode, code: i64, description: impl Into<String>) -> V1Error {
        V1Error {
            status,
            code,
            description: description.into(),
        }
    }

    /// An OAuth error in v1 numbers; `grant_code` is the number for a bad code or token.
    fn from_oauth(err: OAuthError, grant_code: i64) -> V1Error {
        let code = match err.kind {
            OAuthErrorKind::InvalidClient => BAD_CLIENT,
            OAuthErrorKind::InvalidGrant => grant_code,
            OAuthErrorKind::ServerError | OAuthErrorKind::TemporarilyUnavailable => SYSTEM_ERROR,
            _ => INVALID_PARAM,
        };
        V1Error::new(oauth_status(err.kind), code, err.description)
    }

    /// The `/oauth/*` shape: `{data: {captcha, desc_url, description, error_code}, message}`.
    fn oauth_response(&self, log_id: &str) -> Response {
        (
            self.status,
            Json(json!({
                "data": {
                    "captcha": "",
                    "desc_url": "",
                    "description": self.description,
                    "error_code": self.code,
                    "log_id": log_id,
                },
                "message": "error",
            })),
        )
            .into_response()
    }

    /// The `/user/info/` shape: `{data: {}, error: {code, message}}`.
    fn user_info_response(&self, log_id: &str) -> Response {
        (
            self.status,
            Json(json!({
                "data": {},
                "error": { "code": self.code, "message": self.description, "log_id": log_id },
            })),
        )
            .into_response()
    }
}

impl From<ParamError> for V1Error {
    fn from(err: ParamError) -> V1Error {
        let code = match err {
            ParamError::Missing(_) => MISSING_PARAM,
            ParamError::Repeated(_) => INVALID_PARAM,
        };
        V1Error::new(StatusCode::BAD_REQUEST, code, err.to_string())
    }
}

/// The parameters of a v1 OAuth call. A body that cannot be read is answered at once with a v1
/// error carrying the request's log id.
struct V1Params(Params);

impl FromRequest<Platform> for V1Params {
    type Rejection = Response;

    async fn from_request(req: Request, platform: &Platform) -> Result<Self, Response> {
        let log_id = LogId::of(&req);
        let (parts, body) = req.into_parts();
        v1_params(platform, parts.uri.query(), &parts.headers, body)
            .await
            .map(V1Params)
            .map_err(|e| e.oauth_response(&log_id))
    }
}

/// v1 takes its parameters in the query string; a form body, when sent, is read too.
async fn v1_params(platform: &Platform, query: Option<&str>, headers: &HeaderMap, body: Body) -> Result<Params, V1Error> {
    let bytes = read_body(headers, body, platform.options().max_body_bytes)
        .await
        .map_err(|msg| V1Error::new(StatusCode::PAYLOAD_TOO_LARGE, INVALID_PARAM, msg))?;
    let mut text = query.unwrap_or("").to_string();
    if !bytes.is_empty() && media_type(headers).as_deref() == Some("application/x-www-form-urlencoded") {
        text.push('&');
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    Ok(Params::parse(text.as_bytes()))
}

fn token_reply(result: Result<IssuedTokens, V1Error>, log_id: &str) -> Response {
    let t = match result {
        Ok(tokens) => tokens,
        Err(err) => return err.oauth_response(log_id),
    };
    Json(json!({
        "data": {
            "access_token": t.access_token,
            "captcha": "",
            "desc_url": "",
            "description": "",
            "error_code": 0,
            "expires_in": t.expires_in,
            "log_id": log_id,
            "open_id": t.open_id,
            "refresh_expires_in": t.refresh_expires_in,
            "refresh_token": t.refresh_token,
            "scope": scopes::join(&t.scopes),
        },
        "message": "success",
    }))
    .into_response()
}

fn expect_grant_type(params: &Params, expected: &str) -> Result<(), V1Error> {
    let grant_type = params.require("grant_type")?;
    if grant_type != expected {
        return Err(V1Error::new(
            StatusCode::BAD_REQUEST,
            INVALID_PARAM,
            format!("grant_type must be {expected} here, not {grant_type:?}"),
        ));
    }
    Ok(())
}

/// Tokens being issued, or why the parameters asked for none.
type Issuing = Result<Commit<IssuedTokens, OAuthError>, V1Error>;

/// A v1 token endpoint: `issue` reads the parameters and prepares the tokens; an OAuth error
/// answers with `grant_code` for a bad code or token.
fn token_endpoint(grant_code: i64, issue: fn(&Platform, &Params) -> Issuing) -> MethodRouter<Platform> {
    post(
        move |State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, V1Params(params): V1Params| async move {
            let result = match issue(&platform, &params) {
                Ok(tokens) => tokens.await.map_err(|e| V1Error::from_oauth(e, grant_code)),
                Err(e) => Err(e),
            };
            token_reply(result, &log_id)
        },
    )
}

fn exchange_code(platform: &Platform, params: &Params) -> Issuing {
    let client_key = params.require("client_key")?;
    let client_secret = params.require("client_secret")?;
    let code = params.require("code")?;
    expect_grant_type(params, "authorization_code")?;
    Ok(platform.exchange_code(CodeExchange {
        client_key,
        client_secret,
        code,
        redirect_uri: None,
        code_verifier: None,
    }))
}

fn refresh_tokens(platform: &Platform, params: &Params) -> Issuing {
    let client_key = params.require("client_key")?;
    let refresh = params.require("refresh_token")?;
    expect_grant_type(params, "refresh_token")?;
    // v1 refresh does not send client_secret; when it is sent, it must be right.
    let secret = params.get("client_secret")?;
    Ok(platform.refresh_tokens(client_key, secret, refresh))
}

async fn revoke(State(platform): State<Platform>, Extension(LogId(log_id)): Extension<LogId>, V1Params(params): V1Params) -> Response {
    let result = async {
        let open_id = params.require("open_id")?;
        let token = params.require("access_token")?;
        let subject = user_info::subject(&platform, token)
            .map_err(|e| V1Error::from_oauth(e.into(), BAD_ACCESS_TOKEN))?
            .ok_or_else(|| V1Error::new(StatusCode::UNAUTHORIZED, BAD_ACCESS_TOKEN, "access_token is invalid or expired"))?;
        if subject.open_id(&platform) != open_id {
            return Err(V1Error::new(
                StatusCode::BAD_REQUEST,
                INVALID_PARAM,
                "open_id does not match the access_token",
            ));
        }
        platform
            .revoke_token(subject.client_key(), None, token)
            .await
            .map_err(|e| V1Error::from_oauth(e, BAD_ACCESS_TOKEN))
    }
    .await;
    match result {
        Ok(_) => Json(json!({
            "data": { "description": "", "error_code": 0, "log_id": log_id },
            "message": "success",
        }))
        .into_response(),
        Err(err) => err.oauth_response(&log_id),
    }
}

/// Reads a string member of the JSON request, naming it when it has the wrong type.
fn string_member<'a>(body: &'a Value, name: &'static str) -> Result<&'a str, V1Error> {
    match body.get(name) {
        None | Some(Value::Null) => Err(ParamError::Missing(name).into()),
        Some(Value::String(s)) if s.is_empty() => Err(ParamError::Missing(name).into()),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(V1Error::new(
            StatusCode::BAD_REQUEST,
            INVALID_PARAM,
            format!("{name} must be a string"),
        )),
    }
}

async fn user_info(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        if let Some(mt) = media_type(&headers).filter(|mt| mt != "application/json") {
            return Err(V1Error::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                INVALID_PARAM,
                format!("the body must be application/json, not {mt}"),
            ));
        }
        let bytes = read_body(&headers, body, platform.options().max_body_bytes)
            .await
            .map_err(|msg| V1Error::new(StatusCode::PAYLOAD_TOO_LARGE, INVALID_PARAM, msg))?;
        let body: Value = serde_json::from_slice(&bytes)
            .map_err(|e| V1Error::new(StatusCode::BAD_REQUEST, INVALID_PARAM, format!("the body is not valid JSON: {e}")))?;
        if !body.is_object() {
            return Err(V1Error::new(
                StatusCode::BAD_REQUEST,
                INVALID_PARAM,
                "the body must be a JSON object",
            ));
        }
        let token = string_member(&body, "access_token")?;
        let open_id = string_member(&body, "open_id")?;
        let fields = match body.get("fields") {
            None | Some(Value::Null) => V1_DEFAULT_FIELDS.to_vec(),
            Some(Value::Array(items)) => {
                let names = items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .ok_or_else(|| V1Error::new(StatusCode::BAD_REQUEST, INVALID_PARAM, "fields must be an array of strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                user_info::parse_fields(names, Api::V1).map_err(|msg| V1Error::new(StatusCode::BAD_REQUEST, INVALID_PARAM, msg))?
            }
            Some(_) => {
                return Err(V1Error::new(
                    StatusCode::BAD_REQUEST,
                    INVALID_PARAM,
                    "fields must be an array of strings",
                ))
            }
        };
        let fields = if fields.is_empty() { V1_DEFAULT_FIELDS.to_vec() } else { fields };
        let token_invalid = || V1Error::new(StatusCode::UNAUTHORIZED, BAD_ACCESS_TOKEN, "access_token is invalid or expired");
        let subject = user_info::subject(&platform, token)
            .map_err(|e| V1Error::from_oauth(e.into(), BAD_ACCESS_TOKEN))?
            .ok_or_else(token_invalid)?;
        if subject.open_id(&platform) != open_id {
            return Err(V1Error::new(
                StatusCode::BAD_REQUEST,
                INVALID_PARAM,
                "open_id does not match the access_token",
            ));
        }
        user_info::render(&platform, &subject, &fields).map_err(|err| match err {
            UserInfoError::ScopePermissionMissed { field, scope } => V1Error::new(
                StatusCode::BAD_REQUEST,
                SCOPE_ERROR,
                format!("the app is not approved for {scope}, which field {} needs", field.name()),
            ),
            UserInfoError::ScopeNotAuthorized { field, scope } => V1Error::new(
                StatusCode::UNAUTHORIZED,
                SCOPE_ERROR,
                format!("the user did not authorize {scope}, which field {} needs", field.name()),
            ),
        })
    }
    .await;
    match result {
        Ok(user) => Json(json!({
            "data": { "user": user },
            "error": { "code": 0, "message": "", "log_id": log_id },
        }))
        .into_response(),
        Err(err) => err.user_info_response(&log_id),
    }
}
