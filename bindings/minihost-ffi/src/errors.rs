//! The one public error of the bindings, mapped from the core's errors in one place.

use minihost_core::shell_api::{AppError, HostError, PackageError};

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum MinihostError {
    /// The app: no config, a bad `minis.config.json` (file, line and column in the message),
    /// no build output.
    #[error("{detail}")]
    App { detail: String },
    /// The platform is unreachable, refused this host, or lacks the test user.
    #[error("{detail}")]
    Platform { detail: String },
    /// A file could not be read or written.
    #[error("{detail}")]
    Io { detail: String },
    /// An argument is wrong; the message names it.
    #[error("{detail}")]
    Invalid { detail: String },
}

impl From<HostError> for MinihostError {
    fn from(e: HostError) -> MinihostError {
        let detail = e.to_string();
        match e {
            HostError::App(AppError::Package(PackageError::NotZip(_) | PackageError::Escapes(_))) => MinihostError::Invalid { detail },
            HostError::App(_) => MinihostError::App { detail },
            HostError::Platform { .. } | HostError::UnknownUser { .. } | HostError::NoEmulator => MinihostError::Platform { detail },
            HostError::Io { .. } => MinihostError::Io { detail },
            HostError::UnknownDevice { .. } | HostError::AppOrigin(_) | HostError::BackendOrigin { .. } => {
                MinihostError::Invalid { detail }
            }
        }
    }
}
