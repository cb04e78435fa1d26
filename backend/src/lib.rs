//! The sample mini drama's server, and the reference for an app backend on TikTok Minis:
//!
//! - [`tiktok_login`]: `loginWithTt` and `linkTt` (seed 001) over the platform's OAuth code
//!   exchange and user info, with [`profile_sync`] applying `syncUserProfile`;
//! - [`accounts`]: register and log in with a password (argon2id), sessions as bearer tokens;
//! - [`identities`]: the platform tokens held per TikTok identity, and the 401 → refresh →
//!   "re-run login or authorize" rule (seed 003);
//! - [`orders`] and [`episodes`]: trade orders, the signed webhook, unlocks by purchase or ad.
//!
//! It reaches the platform only over HTTP ([`tiktok`]), so the same code runs against
//! `https://open.tiktokapis.com` or a minihost platform.

pub mod accounts;
pub mod episodes;
pub mod error;
pub mod identities;
pub mod orders;
pub mod profile_sync;
pub mod rate_limit;
pub mod sessions;
pub mod store;
pub mod tiktok;
pub mod tiktok_login;
pub mod users;

use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tower_http::cors::CorsLayer;

/// Where the backend keeps its data and how it reaches the platform.
#[derive(Clone, Debug)]
pub struct Config {
    /// `https://open.tiktokapis.com`, or a minihost platform's URL.
    pub platform_url: String,
    pub client_key: String,
    /// Authenticates the code exchange and keys the webhook signatures.
    pub client_secret: String,
    pub data_dir: PathBuf,
    /// Origins whose pages may call the API (the mini app's origin is `minihost://app`).
    pub allowed_origins: Vec<String>,
    /// How old a webhook signature may be (the docs say 5 minutes).
    pub webhook_tolerance_secs: u64,
}

impl Config {
    pub fn new(platform_url: &str, client_key: &str, client_secret: &str, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            platform_url: platform_url.to_string(),
            client_key: client_key.to_string(),
            client_secret: client_secret.to_string(),
            data_dir: data_dir.into(),
            allowed_origins: vec!["minihost://app".into()],
            webhook_tolerance_secs: minihost_platform_api::webhook::DEFAULT_TOLERANCE_SECS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("cannot create the data dir {dir}: {source}")]
    DataDir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database in {dir}: {source}")]
    Database {
        dir: String,
        #[source]
        source: store::StoreError,
    },
    #[error("allowed origin {0:?} is not a valid header value")]
    Origin(String),
}

/// A running backend's state; cheap to clone.
#[derive(Clone)]
pub struct Backend(Arc<Inner>);

struct Inner {
    db: Mutex<Connection>,
    tiktok: tiktok::TikTok,
    logins: rate_limit::LoginLimiter,
    config: Config,
}

impl Backend {
    pub fn open(config: Config) -> Result<Backend, BackendError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| BackendError::DataDir {
            dir: config.data_dir.display().to_string(),
            source,
        })?;
        let db = store::open(&config.data_dir).map_err(|source| BackendError::Database {
            dir: config.data_dir.display().to_string(),
            source,
        })?;
        for origin in &config.allowed_origins {
            HeaderValue::from_str(origin).map_err(|_| BackendError::Origin(origin.clone()))?;
        }
        Ok(Backend(Arc::new(Inner {
            db: Mutex::new(db),
            tiktok: tiktok::TikTok::new(&config.platform_url, &config.client_key, &config.client_secret),
            logins: rate_limit::LoginLimiter::default(),
            config,
        })))
    }

    /// Every endpoint. The webhook path is what to register as the app's webhook URL.
    pub fn router(&self) -> Router {
        let origins: Vec<HeaderValue> = self.0.config.allowed_origins.iter().filter_map(|o| o.parse().ok()).collect();
        let cors = CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
        Router::new()
            .route("/api/health", get(|| async { "ok" }))
            .route("/api/auth/tiktok", post(tiktok_login::login_with_tiktok))
            .route("/api/auth/link-tiktok", post(tiktok_login::link_tiktok))
            .route("/api/auth/register", post(accounts::register))
            .route("/api/auth/login", post(accounts::login))
            .route("/api/auth/logout", post(accounts::logout))
            .route("/api/me", get(accounts::me))
            .route("/api/episodes", get(episodes::list))
            .route("/api/ads/rewarded", post(episodes::rewarded))
            .route("/api/orders", post(orders::create))
            .route("/api/orders/{trade_order_id}", get(orders::status))
            .route(WEBHOOK_PATH, post(orders::webhook))
            .fallback(|| async { error::ApiError::new(axum::http::StatusCode::NOT_FOUND, "no such endpoint") })
            .method_not_allowed_fallback(|method: Method| async move {
                error::ApiError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not allowed here"))
            })
            .layer(cors)
            .with_state(self.clone())
    }

    /// Serves until the listener fails.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.0.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn tiktok(&self) -> &tiktok::TikTok {
        &self.0.tiktok
    }

    pub(crate) fn logins(&self) -> &rate_limit::LoginLimiter {
        &self.0.logins
    }

    pub(crate) fn client_secret(&self) -> &str {
        &self.0.config.client_secret
    }

    pub(crate) fn webhook_tolerance_secs(&self) -> u64 {
        self.0.config.webhook_tolerance_secs
    }
}

/// Where the platform delivers webhooks, under the backend's base URL.
pub const WEBHOOK_PATH: &str = "/webhooks/tiktok";
