//! The one error shape every endpoint answers with: JSON `{code, message}` (ifanr's HError),
//! `code` being the HTTP status, plus fields that help the app act (`reauth`, `openid`, `field`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

/// What the app must re-run after a 401: silent `TTMinis.login`, or `TTMinis.authorize`
/// when the user withdrew consent (seed 003: "prompt the frontend to re-initiate").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reauth {
    Login,
    Authorize,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    extra: Map<String, Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// A 400 naming the request field at fault.
    pub fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, format!("{field}: {message}")).with("field", field)
    }

    pub fn unauthorized(reauth: Reauth, message: impl Into<String>) -> ApiError {
        let action = match reauth {
            Reauth::Login => "login",
            Reauth::Authorize => "authorize",
        };
        ApiError::new(StatusCode::UNAUTHORIZED, message).with("reauth", action)
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    /// A failure that is ours, not the caller's: logged in full, answered without details.
    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        tracing::error!(target: "minihost_backend", error = %err, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log")
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> ApiError {
        ApiError::internal(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("code".into(), self.status.as_u16().into());
        body.insert("message".into(), self.message.into());
        body.extend(self.extra);
        (self.status, Json(Value::Object(body))).into_response()
    }
}

/// A JSON request body whose errors are [`ApiError`]s naming what is wrong.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")))?;
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
    }
}
