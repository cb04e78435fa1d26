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
mod apps;
mod authorize_page;
pub mod cli;
mod clock;
mod codes;
mod error;
mod grants;
mod http;
mod ids;
mod legacy_v1;
mod oauth;
mod scopes;
mod store;
mod tokens;
mod user_info;
mod users;

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

pub use apps::{App, NewApp, DEFAULT_DEVELOPER};
pub use clock::Clock;
pub use codes::CodeRequest;
pub use error::PlatformError;
pub use grants::RevokedGrant;
pub use http::RequestRecord;
pub use scopes::{DEFAULT_ALLOWED_SCOPES, KNOWN_SCOPES, USER_INFO_BASIC, USER_INFO_OPEN_ID, USER_INFO_PROFILE, USER_INFO_STATS};
pub use store::Durability;
pub use tokens::{AccessGrant, ClientToken, CodeExchange, IssuedTokens, OAuthError, OAuthErrorKind};
pub use users::{NewUser, User};

use ids::IdSecret;
use store::Store;

/// File name of the platform database inside a data dir.
pub const DATABASE_FILE: &str = "platform.sqlite3";

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
}

impl Default for PlatformOptions {
    fn default() -> Self {
        PlatformOptions {
            access_token_ttl: 86_400,
            refresh_token_ttl: 31_536_000,
            code_ttl: 600,
            rotate_refresh_tokens: false,
            client_token_ttl: 7_200,
            durability: Durability::default(),
            seed_users: true,
            max_body_bytes: 64 * 1024,
            request_log_capacity: 256,
        }
    }
}

/// The emulated host app a user is signed in to. open_ids differ per host app, as on ByteDance's
/// platforms, so the same user and app give different open_ids on TikTok, Douyin and Toutiao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HostApp {
    #[default]
    TikTok,
    Douyin,
    Toutiao,
}

impl HostApp {
    pub const ALL: [HostApp; 3] = [HostApp::TikTok, HostApp::Douyin, HostApp::Toutiao];

    pub fn as_str(self) -> &'static str {
        match self {
            HostApp::TikTok => "tiktok",
            HostApp::Douyin => "douyin",
            HostApp::Toutiao => "toutiao",
        }
    }
}

impl fmt::Display for HostApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HostApp {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostApp::ALL
            .into_iter()
            .find(|h| h.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| PlatformError::invalid("host_app", format!("unknown host app {s:?}; expected tiktok, douyin or toutiao")))
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
    ids: IdSecret,
    data_dir: Option<PathBuf>,
    requests: Mutex<VecDeque<RequestRecord>>,
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
        let clock = Clock::new();
        let ids = store.init(clock.now(), opts.seed_users)?;
        Ok(Platform {
            inner: Arc::new(Inner {
                store,
                clock,
                requests: Mutex::new(VecDeque::with_capacity(opts.request_log_capacity)),
                opts,
                ids,
                data_dir,
            }),
        })
    }

    /// The clock every expiry reads.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
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

    /// The whole HTTP surface: Open API v2, Login Kit for Web, legacy v1 and `/__admin/`.
    ///
    /// `/__admin/` answers only peers known to be on loopback, which needs the connect info
    /// that [`serve`] provides; without it admin requests get 403.
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    pub(crate) fn now(&self) -> i64 {
        // Unix seconds fit in i64 for the next 292 billion years; SQLite stores i64.
        i64::try_from(self.inner.clock.now()).unwrap_or(i64::MAX)
    }
}

/// Serves `platform` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, platform: Platform) -> std::io::Result<()> {
    serve_with_shutdown(listener, platform, std::future::pending()).await
}

/// Serves `platform` on `listener` until `shutdown` completes, then drains open requests.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    platform: Platform,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = platform.router().into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Serves `platform` in the background on a free port of 127.0.0.1, as `minihost run` embeds it.
/// Returns the base URL (`http://127.0.0.1:PORT`) and the server task; abort the task to stop.
pub async fn spawn_on_loopback(platform: Platform) -> std::io::Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    Ok((base_url, tokio::spawn(serve(listener, platform))))
}

/// The user's data directory for minihost, e.g. `~/.local/share/minihost` on Linux.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "minihost")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".minihost"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_app_round_trips_lowercase() {
        for host in HostApp::ALL {
            assert_eq!(host.to_string().parse::<HostApp>().unwrap(), host);
        }
        assert_eq!("Douyin".parse::<HostApp>().unwrap(), HostApp::Douyin);
        assert_eq!(HostApp::default(), HostApp::TikTok);
        let err = "wechat".parse::<HostApp>().unwrap_err();
        assert!(err.to_string().contains("host_app"), "{err}");
    }

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
