//! Error codes the bridge puts in `error.error_code`. The platform documents no client
//! codes for these cases, so minihost's are fixed here and in bridge-js's typings.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    /// The method does not exist (or not in this host version).
    Unsupported = 10001,
    /// `params` has a wrong type or value; the message names the field.
    InvalidParams = 10002,
    /// The user cancelled or denied a sheet.
    UserDenied = 10003,
    /// No test user is signed in and none was picked.
    NotLoggedIn = 10004,
    /// The message came from a surface not allowed to call this method.
    Forbidden = 10005,
    /// The message exceeds `MAX_MESSAGE_BYTES`.
    TooLarge = 10006,
    /// Not JSON, or not an `{id, method, params}` envelope.
    Malformed = 10007,
    /// A scope Minis may not request (only user.info.basic and user.info.open_id).
    ScopeNotAllowed = 10008,
    /// The host failed (e.g. the platform database); details are in the host log.
    Internal = 50000,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BridgeError {
    pub error_code: u32,
    pub error_msg: String,
}

impl BridgeError {
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> BridgeError {
        BridgeError {
            error_code: code as u32,
            error_msg: msg.into(),
        }
    }

    pub fn code(&self) -> u32 {
        self.error_code
    }
}

impl From<crate::platform::PlatformError> for BridgeError {
    fn from(e: crate::platform::PlatformError) -> BridgeError {
        tracing::error!(target: "minihost::bridge", error = %e, "platform error during a bridge call");
        BridgeError::new(ErrorCode::Internal, format!("platform error: {e}"))
    }
}
