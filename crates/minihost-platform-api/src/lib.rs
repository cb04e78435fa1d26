//! What a host needs from the TikTok platform, and how it asks for it.
//!
//! The bridge reaches the platform only through [`HostPlatform`]. Two implementations exist:
//! the emulator in process (`minihost-platform`, SQLite) and a client of a running emulator
//! over HTTP (`minihost`'s remote platform), which speaks the [`host_api`] wire format. This
//! crate holds what both sides share and nothing that needs SQLite, a server or a webview.

pub mod host_api;
pub mod loopback;
pub mod monetization;
pub mod scopes;
mod types;
pub mod webhook;

pub use types::{CodeRequest, EnsuredApp, HostApp, NewApp, UnknownHostApp, User};

/// The user's data directory for minihost (platform state, device tokens, the unpacked
/// sample), e.g. `~/.local/share/minihost` on Linux.
pub fn default_data_dir() -> std::path::PathBuf {
    directories::ProjectDirs::from("", "", "minihost")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| std::path::PathBuf::from(".minihost"))
}

/// An error and its causes on one line ("error sending request: connection refused"), each
/// cause said once.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let c = cause.to_string();
        if !text.contains(&c) {
            text = format!("{text}: {c}");
        }
        source = cause.source();
    }
    text
}

/// Why a platform call failed, in terms a host can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostPlatformError {
    /// A value the host sent is malformed or out of range; `field` names it.
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{what} not found: {key}")]
    NotFound { what: String, key: String },
    /// The platform could not be reached or did not answer in time.
    #[error("the platform at {url} is unreachable: {cause}")]
    Unreachable { url: String, cause: String },
    /// The platform refused this host (no or a bad device token, pairing refused).
    #[error("the platform at {url} refused this host: {message}")]
    Refused { url: String, message: String },
    /// The platform refused to pay or subscribe; the order is unchanged.
    #[error("{message}")]
    Declined {
        reason: monetization::DeclineReason,
        message: String,
    },
    /// The platform failed; details are in its log.
    #[error("platform error: {0}")]
    Internal(String),
}

/// The platform as a host uses it: test users, consent, codes, the app's registration, and
/// what the pay, subscribe, wallet and ad sheets need.
/// Calls block until the platform has answered (and, for writes, committed).
pub trait HostPlatform: Send + Sync {
    /// Where the platform is, for messages: `embedded (DIR)` or its base URL.
    fn describe(&self) -> String;
    /// Whether a call may wait on the network, so a shell keeps it off its UI thread. An
    /// embedded platform answers in microseconds and says no.
    fn calls_may_block(&self) -> bool {
        false
    }
    /// Registers the app unless its client_key is registered already.
    fn ensure_app(&self, app: &NewApp) -> Result<EnsuredApp, HostPlatformError>;
    /// Every test user, by id.
    fn users(&self) -> Result<Vec<User>, HostPlatformError>;
    fn user_by_username(&self, username: &str) -> Result<Option<User>, HostPlatformError>;
    /// Scopes the user has granted to the app; empty when none.
    fn granted_scopes(&self, user_id: i64, client_key: &str) -> Result<Vec<String>, HostPlatformError>;
    /// Records consent to `scopes`, keeping earlier grants; returns every scope granted now.
    fn grant(&self, user_id: i64, client_key: &str, scopes: &[String]) -> Result<Vec<String>, HostPlatformError>;
    /// Mints a single-use authorization code, exchangeable at the platform's `/v2/oauth/token/`.
    fn mint_code(&self, req: &CodeRequest) -> Result<String, HostPlatformError>;
    /// A trade order by its `TOID…`; `None` when there is none.
    fn trade_order(&self, trade_order_id: &str) -> Result<Option<monetization::TradeOrder>, HostPlatformError>;
    /// Pays a `PENDING` Beans order from the user's wallet, in one transaction with its
    /// webhook. At most once per order, however many hosts try at the same time.
    fn pay_order(&self, req: &monetization::PayRequest) -> Result<monetization::PaidOrder, HostPlatformError>;
    /// Starts (or reactivates) the subscription of a `PENDING` subscription order.
    fn subscribe(&self, req: &monetization::PayRequest) -> Result<monetization::Subscribed, HostPlatformError>;
    /// Adds Beans to a wallet (the wallet sheet's top-up).
    fn top_up(&self, req: &monetization::TopUp) -> Result<monetization::Balance, HostPlatformError>;
    /// Admits and records an ad view unless its unit's interval or daily cap forbids it.
    /// Both read the platform's clock.
    fn admit_ad(&self, view: &monetization::AdView) -> Result<monetization::AdAdmission, HostPlatformError>;
}
