//! Errors of the platform's Rust API. HTTP handlers map them to each API's wire shape.

use std::fmt;

use minihost_platform_api::monetization::DeclineReason;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// A caller-supplied value is malformed or out of range; `field` names it.
    #[error("invalid {field}: {message}")]
    InvalidInput { field: &'static str, message: String },
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    #[error("{what} already exists: {key}")]
    AlreadyExists { what: &'static str, key: String },
    /// A payment or subscription the platform refuses; nothing was changed.
    #[error("{message}")]
    Declined { reason: DeclineReason, message: String },
    /// The request is well formed but the state does not allow it (e.g. refunding a PENDING order).
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Stored data that this version cannot read (e.g. a newer schema).
    #[error("unreadable platform data: {0}")]
    Corrupt(String),
}

impl From<minihost_platform_api::UnknownHostApp> for PlatformError {
    fn from(e: minihost_platform_api::UnknownHostApp) -> PlatformError {
        PlatformError::invalid("host_app", e.to_string())
    }
}

impl PlatformError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        PlatformError::InvalidInput {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn declined(reason: DeclineReason, message: impl Into<String>) -> Self {
        PlatformError::Declined {
            reason,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(what: &'static str, key: impl fmt::Display) -> Self {
        PlatformError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    /// True when the caller, not the platform, is at fault.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            PlatformError::InvalidInput { .. }
                | PlatformError::NotFound { .. }
                | PlatformError::AlreadyExists { .. }
                | PlatformError::Declined { .. }
                | PlatformError::Conflict(_)
        )
    }

    /// True when SQLite stayed locked by another process past the busy timeout.
    pub(crate) fn is_busy(&self) -> bool {
        matches!(
            self,
            PlatformError::Database(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}
