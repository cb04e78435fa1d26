//! The local TikTok platform: users, apps, grants, codes and tokens in SQLite, served over HTTP.
//!
//! One [`Platform`] value is the whole emulator. The bridge calls it in process (for example
//! [`Platform::mint_code`] for `TTMinis.login`), and [`Platform::router`] serves the same model
//! over HTTP at the paths the real servers use (`/v2/oauth/token/`, `/v2/user/info/`,
//! `/v2/auth/authorize/`, the legacy v1 paths and the loopback-only `/__admin/` API), so an app
//! backend switches to it by base URL alone.
//!
//! Every expiry reads [`Platform::clock`], which tests and `/__admin/clock/advance` move forward.

mod admin;
mod ads;
mod apps;
mod authorize_page;
mod beans;
pub mod cli;
mod clock;
mod codes;
mod commit;
mod devices;
mod dramas;
mod error;
mod grants;
mod host_api;
mod host_platform;
mod http;
mod ids;
mod legacy_v1;
mod loopback_only;
mod media_api;
mod media_assets;
mod minis_api;
mod oauth;
mod purge;
mod router;
mod secrets;
mod store;
mod subscriptions;
mod tokens;
mod trade_orders;
mod user_info;
mod user_info_api;
mod users;
mod webhooks;

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

pub use apps::{App, DEFAULT_DEVELOPER};
pub use beans::LedgerEntry;
pub use clock::Clock;
pub use commit::Commit;
pub use devices::Device;
pub use dramas::{
    ClientVersion, ImportedDrama, ImportedEpisode, Playback, Refusal, RefusalReason, ReviewDecision, PLAY_TOKEN_MIN_CLIENT,
    PLAY_TOKEN_TTL_SECS,
};
pub use error::PlatformError;
pub use grants::RevokedGrant;
pub use minihost_platform_api::scopes::{
    DEFAULT_ALLOWED_SCOPES, KNOWN_SCOPES, USER_INFO_BASIC, USER_INFO_OPEN_ID, USER_INFO_PROFILE, USER_INFO_STATS,
};
pub use minihost_platform_api::{default_data_dir, CodeRequest, HostApp, NewApp, User};
#[doc(hidden)]
pub use purge::StoredRows;
pub use purge::{Purged, PURGE_GRACE_SECS};
pub use router::RequestRecord;
pub use store::Durability;
#[doc(hidden)]
pub use store::WriteHold;
pub use subscriptions::Subscription;
pub use tokens::{AccessGrant, ClientToken, CodeExchange, IssuedTokens, OAuthError, OAuthErrorKind};
pub use trade_orders::OrderRecord;
pub use users::NewUser;
pub use webhooks::{Delivery, DeliveryStatus, WEBHOOK_GIVE_UP_SECS, WEBHOOK_TIMEOUT};

use minihost_platform_api::scopes;

use ids::IdSecret;
use store::Store;

/// File name of the platform database inside a data dir.
pub const DATABASE_FILE: &str = "platform.sqlite3";

/// Seconds an access token lives by default (Minis docs; newer Login Kit docs say 7200).
pub const DEFAULT_ACCESS_TOKEN_TTL: u64 = 86_400;
/// Seconds a refresh token lives by default (Minis docs; newer docs say 15552000).
pub const DEFAULT_REFRESH_TOKEN_TTL: u64 = 31_536_000;
/// Seconds an authorization code stays exchangeable by default.
pub const DEFAULT_CODE_TTL: u64 = 600;
/// Seconds a client token lives by default.
pub const DEFAULT_CLIENT_TOKEN_TTL: u64 = 7_200;

/// Lifetimes and behaviour of the emulated platform. `Default` matches the Minis docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformOptions {
    /// Seconds an access token (`act.`) lives. Minis docs: 86400; newer Login Kit docs: 7200.
    pub access_token_ttl: u64,
    /// Seconds a refresh token (`rft.`) lives. Minis docs: 31536000; newer docs: 15552000.
    pub refresh_token_ttl: u64,
    /// Seconds an authorization code stays exchangeable.
    pub code_ttl: u64,
    /// Issue a new refresh token on each refresh and revoke the one used.
    pub rotate_refresh_tokens: bool,
    /// Seconds a client token (`clt.`, from client_credentials) lives.
    pub client_token_ttl: u64,
    /// How hard SQLite syncs a commit to disk (file-backed platforms only).
    pub durability: Durability,
    /// Seed the test users on the first open of a data dir.
    pub seed_users: bool,
    /// Largest accepted form or JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// How many recent requests `/__admin/requests` remembers.
    pub request_log_capacity: usize,
    /// The only dir a `file://` upload may read from once remote hosts are allowed
    /// (`platform serve --allow-remote --media-dir D`); without it such uploads are refused.
    pub media_dir: Option<PathBuf>,
    /// How long the emulator waits for an upload's `http(s)://` source, connecting included.
    pub media_fetch_timeout: Duration,
    /// Largest accepted video or image upload, in bytes.
    pub max_media_bytes: u64,
}

impl Default for PlatformOptions {
    fn default() -> Self {
        PlatformOptions {
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            code_ttl: DEFAULT_CODE_TTL,
            rotate_refresh_tokens: false,
            client_token_ttl: DEFAULT_CLIENT_TOKEN_TTL,
            durability: Durability::default(),
            seed_users: true,
            max_body_bytes: 64 * 1024,
            request_log_capacity: 256,
            media_dir: None,
            media_fetch_timeout: Duration::from_secs(30),
            max_media_bytes: 1 << 30,
        }
    }
}

/// The platform emulator. Cheap to clone; every clone shares one database, clock and secret.
#[derive(Clone)]
pub struct Platform {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Clock,
    opts: PlatformOptions,
    ids: Arc<IdSecret>,
    /// Wakes the webhook delivery worker: a delivery was queued or the clock moved.
    webhooks_due: Notify,
    /// The data version at which the stored clock offset was last read (see `catch_up_clock`).
    clock_read_at: Mutex<store::DataVersion>,
    /// Held while due subscriptions are processed, and by a clock advance from the move until
    /// its processing is done, so the advance reports what it made due, not the worker.
    subscriptions_due: tokio::sync::Mutex<()>,
    data_dir: Option<PathBuf>,
    requests: Mutex<VecDeque<RequestRecord>>,
    /// Set once remote pairing is allowed (`platform serve --allow-remote`).
    pairing_token: Mutex<Option<String>>,
    grant_cache: Mutex<grants::GrantCache>,
    /// Where uploaded videos and images are kept (see `media_assets`).
    media: media_assets::MediaRoot,
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Platform")
            .field("data_dir", &self.inner.data_dir)
            .field("opts", &self.inner.opts)
            .finish_non_exhaustive()
    }
}

impl Platform {
    /// Opens (creating if needed) `data_dir/platform.sqlite3`, migrating it and seeding the test
    /// users on first open. Several processes may open the same data dir at once.
    pub fn open(data_dir: &Path, opts: PlatformOptions) -> Result<Platform, PlatformError> {
        std::fs::create_dir_all(data_dir).map_err(|source| PlatformError::Io {
            context: format!("cannot create data dir {}", data_dir.display()),
            source,
        })?;
        let store = Store::open_file(&data_dir.join(DATABASE_FILE), opts.durability)?;
        Platform::with_store(store, opts, Some(data_dir.to_path_buf()))
    }

    /// A platform whose state lives only as long as the value (and its clones).
    pub fn in_memory(opts: PlatformOptions) -> Result<Platform, PlatformError> {
        Platform::with_store(Store::open_memory()?, opts, None)
    }

    fn with_store(store: Store, opts: PlatformOptions, data_dir: Option<PathBuf>) -> Result<Platform, PlatformError> {
        let clock = Clock::with_offset(store.clock_offset()?);
        let ids = store.init(clock.now(), opts.seed_users)?;
        Ok(Platform {
            inner: Arc::new(Inner {
                store,
                clock,
                requests: Mutex::new(VecDeque::with_capacity(opts.request_log_capacity)),
                pairing_token: Mutex::new(None),
                opts,
                ids: Arc::new(ids),
                webhooks_due: Notify::new(),
                subscriptions_due: tokio::sync::Mutex::new(()),
                clock_read_at: Mutex::default(),
                grant_cache: Mutex::default(),
                media: media_assets::MediaRoot::new(data_dir.as_deref()),
                data_dir,
            }),
        })
    }

    /// The clock every expiry reads, caught up with an advance another process on the same
    /// data dir stored.
    pub fn clock(&self) -> &Clock {
        self.catch_up_clock();
        &self.inner.clock
    }

    /// Reads the stored clock offset again when anything was committed since the last read
    /// (one `pread` of the WAL index when nothing was), so two servers on one data dir agree on
    /// the time right after either advances it.
    fn catch_up_clock(&self) {
        // A platform in memory shares its data with no other process.
        if self.inner.data_dir.is_none() {
            return;
        }
        let Ok(version) = self.inner.store.data_version() else {
            return;
        };
        let read_at = || self.inner.clock_read_at.lock().unwrap_or_else(|p| p.into_inner());
        // Starts `Unknown`, which no read returns, so the first call reads.
        if version == *read_at() {
            return;
        }
        // Not under the lock, which every request takes.
        match self.inner.store.clock_offset() {
            Ok(offset) => {
                self.inner.clock.raise_to(offset);
                *read_at() = version;
            }
            Err(e) => tracing::warn!(target: "minihost::platform", error = %e, "cannot read the stored clock offset"),
        }
    }

    /// Moves the clock forward by `secs`, stored with the data so a restart keeps the time
    /// (codes, tokens, renewals and ad days already judged by it stay judged), then renews and
    /// expires what the new time made due. Returns the new time and how many subscriptions
    /// changed; the delivery worker of this process cannot take them in between.
    pub async fn advance_clock(&self, secs: u64) -> Result<(u64, usize), PlatformError> {
        let _due = self.inner.subscriptions_due.lock().await;
        let now = self.inner.clock.advance(secs);
        self.inner.store.save_clock_offset(self.inner.clock.offset()).await?;
        let processed = self.process_due_subscriptions().await?;
        Ok((now, processed))
    }

    pub fn options(&self) -> &PlatformOptions {
        &self.inner.opts
    }

    /// The data dir this platform was opened on; `None` when in memory.
    pub fn data_dir(&self) -> Option<&Path> {
        self.inner.data_dir.as_deref()
    }

    /// The open_id of `user_id` in `client_key`'s app as seen from `host_app`: stable, and
    /// different for every (host app, app, user).
    pub fn open_id(&self, host_app: HostApp, client_key: &str, user_id: i64) -> String {
        self.inner.ids.open_id(host_app, client_key, user_id)
    }

    /// The union_id of `user_id` under `developer`: the same in all of that developer's apps.
    pub fn union_id(&self, developer: &str, user_id: i64) -> String {
        self.inner.ids.union_id(developer, user_id)
    }

    /// The whole HTTP surface: Open API v2, Login Kit for Web, legacy v1, the Media Asset API
    /// (`/v2/sg/shortdrama/`), its videos (`/__media/v/{vid}`) and `/__admin/`.
    ///
    /// `/__admin/` answers only peers known to be on loopback, which needs the connect info
    /// that [`serve`] provides; without it admin requests get 403.
    pub fn router(&self) -> axum::Router {
        router::router(self.clone())
    }

    /// Test hook: holds the writer until the value is dropped, so every write waits for its
    /// commit while reads of a file-backed platform go on (in memory, reads wait too).
    #[doc(hidden)]
    pub fn hold_writes(&self) -> WriteHold<'_> {
        self.inner.store.hold_writes()
    }

    /// Test hook: how many writes have been handed to the writer, so a test can tell that a
    /// request is waiting for its commit.
    #[doc(hidden)]
    pub fn writes_submitted(&self) -> u64 {
        self.inner.store.writes_submitted()
    }

    pub(crate) fn now(&self) -> i64 {
        // Unix seconds fit in i64 for the next 292 billion years; SQLite stores i64.
        i64::try_from(self.clock().now()).unwrap_or(i64::MAX)
    }
}

/// Serves `platform` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, platform: Platform) -> std::io::Result<()> {
    serve_with_shutdown(listener, platform, std::future::pending()).await
}

/// Serves `platform` on `listener` until `shutdown` completes, then drains open requests.
/// Meanwhile it purges dead codes and tokens every minute ([`Platform::purge_expired`]),
/// renews and expires subscriptions as the platform clock reaches them, and delivers queued
/// webhooks.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    platform: Platform,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = platform.router().into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    // Not spawned: the purger (and its platform handle) goes when this future does.
    tokio::select! {
        served = server => served,
        never = platform.clone().purge_periodically() => match never {},
        never = platform.deliver_webhooks() => match never {},
    }
}

/// Serves `platform` in the background on a free port of 127.0.0.1, as `minihost run` embeds it.
/// Returns the base URL (`http://127.0.0.1:PORT`) and the server task; abort the task to stop.
pub async fn spawn_on_loopback(platform: Platform) -> std::io::Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    Ok((base_url, tokio::spawn(serve(listener, platform))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_match_the_minis_docs() {
        let opts = PlatformOptions::default();
        assert_eq!(
            (opts.access_token_ttl, opts.refresh_token_ttl, opts.code_ttl),
            (86_400, 31_536_000, 600)
        );
        assert_eq!(opts.client_token_ttl, 7_200);
        assert!(!opts.rotate_refresh_tokens);
    }

    #[test]
    fn default_data_dir_ends_in_minihost() {
        assert!(default_data_dir().ends_with("minihost"));
    }

    #[test]
    fn platform_is_send_and_sync() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Platform>();
    }
}
