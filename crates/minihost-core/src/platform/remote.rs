//! [`HostPlatform`] over HTTP: the host API of a running emulator (`/__host/v1/`).
//!
//! The first connection pairs and keeps the device token in the host's data dir, one per
//! platform URL, so later runs reuse it. A token the platform no longer knows is replaced by
//! pairing again. Every call has a deadline, so a platform that goes away mid-run turns into
//! an error reply, never a hung bridge.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use minihost_platform_api::host_api::{self as wire, Code, ErrorBody, GrantQuery, GrantRequest, PairRequest, PairResponse, Scopes};
use minihost_platform_api::monetization::{AdAdmission, AdView, Balance, PaidOrder, PayRequest, Subscribed, TopUp, TradeOrder};
use minihost_platform_api::{CodeRequest, EnsuredApp, HostPlatform, HostPlatformError, NewApp, User};
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

/// File in the host's data dir that remembers device tokens, by platform URL.
pub const PAIRINGS_FILE: &str = "platform-pairings.json";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub struct RemotePlatform {
    base: Url,
    client: Client,
    token: Mutex<String>,
    pairings: PathBuf,
    pairing_token: Option<String>,
}

impl std::fmt::Debug for RemotePlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemotePlatform")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl RemotePlatform {
    /// Connects to the emulator at `base_url`, pairing unless `data_dir` holds a token for it
    /// that still works. `pairing_token` is needed when the platform is on another machine.
    pub fn connect(base_url: &str, data_dir: &std::path::Path, pairing_token: Option<String>) -> Result<RemotePlatform, HostPlatformError> {
        let base = Url::parse(base_url.trim_end_matches('/')).map_err(|e| HostPlatformError::Invalid {
            field: "platform".into(),
            message: format!("{base_url:?} is not a URL: {e}"),
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(HostPlatformError::Invalid {
                field: "platform".into(),
                message: format!("{base_url:?} must be an http(s) URL"),
            });
        }
        let client = Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| HostPlatformError::Internal(format!("cannot build an HTTP client: {e}")))?;
        let remote = RemotePlatform {
            base,
            client,
            token: Mutex::new(String::new()),
            pairings: data_dir.join(PAIRINGS_FILE),
            pairing_token,
        };
        match remote.saved_token() {
            Some(saved) => {
                remote.set_token(saved);
                match remote.users() {
                    Ok(_) => {}
                    Err(HostPlatformError::Refused { .. }) => remote.pair()?,
                    Err(e) => return Err(e),
                }
            }
            None => remote.pair()?,
        }
        Ok(remote)
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn set_token(&self, token: String) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }

    fn saved(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.pairings)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn saved_token(&self) -> Option<String> {
        self.saved().remove(self.base_url())
    }

    fn pair(&self) -> Result<(), HostPlatformError> {
        let device_name = format!("minihost {} on {}", env!("CARGO_PKG_VERSION"), std::env::consts::OS);
        let body = PairRequest {
            device_name,
            pairing_token: self.pairing_token.clone(),
        };
        let paired: PairResponse = self.send(self.client.post(self.url(wire::PAIR)).json(&body))?;
        let mut all = self.saved();
        all.insert(self.base_url().to_string(), paired.device_token.clone());
        let text = serde_json::to_vec_pretty(&all).expect("a map of strings serialises");
        // Without the file the host pairs again next run; that is all it costs.
        if let Err(e) = std::fs::create_dir_all(self.pairings.parent().unwrap_or(std::path::Path::new(".")))
            .and_then(|_| std::fs::write(&self.pairings, text))
        {
            tracing::warn!(target: "minihost::platform", file = %self.pairings.display(), "cannot save the device token: {e}");
        }
        tracing::info!(target: "minihost::platform", platform = self.base_url(), "paired with the platform");
        self.set_token(paired.device_token);
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    fn authed(&self, req: RequestBuilder) -> RequestBuilder {
        let token = self.token.lock().unwrap_or_else(|p| p.into_inner()).clone();
        req.bearer_auth(token)
    }

    fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, HostPlatformError> {
        let url = self.base_url().to_string();
        let response = req.send().map_err(|e| HostPlatformError::Unreachable {
            url: url.clone(),
            cause: minihost_platform_api::error_chain(&e),
        })?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<T>()
                .map_err(|e| HostPlatformError::Internal(format!("unreadable answer from {url}: {e}")));
        }
        let body: ErrorBody = response.json().unwrap_or_else(|_| ErrorBody {
            error: "unknown".into(),
            error_description: format!("HTTP {status}"),
            field: None,
            log_id: String::new(),
            reason: None,
        });
        Err(match (status, body.reason) {
            (StatusCode::CONFLICT, Some(reason)) => HostPlatformError::Declined {
                reason,
                message: body.error_description,
            },
            (status, _) => match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => HostPlatformError::Refused {
                    url,
                    message: body.error_description,
                },
                StatusCode::NOT_FOUND => HostPlatformError::NotFound {
                    what: body.error,
                    key: body.error_description,
                },
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    HostPlatformError::Invalid {
                        field: body.field.unwrap_or_default(),
                        message: body.error_description,
                    }
                }
                _ => HostPlatformError::Internal(format!("{} (HTTP {status}, log_id {})", body.error_description, body.log_id)),
            },
        })
    }
}

impl HostPlatform for RemotePlatform {
    fn calls_may_block(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        format!("the platform at {}", self.base_url())
    }

    fn ensure_app(&self, app: &NewApp) -> Result<EnsuredApp, HostPlatformError> {
        self.send(self.authed(self.client.post(self.url(wire::APPS_ENSURE))).json(app))
    }

    fn users(&self) -> Result<Vec<User>, HostPlatformError> {
        self.send(self.authed(self.client.get(self.url(wire::USERS))))
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>, HostPlatformError> {
        match self.send(self.authed(self.client.get(self.url(&wire::user_path(username))))) {
            Ok(user) => Ok(Some(user)),
            Err(HostPlatformError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn granted_scopes(&self, user_id: i64, client_key: &str) -> Result<Vec<String>, HostPlatformError> {
        let query = GrantQuery {
            user_id,
            client_key: client_key.to_string(),
        };
        let found: Scopes = self.send(self.authed(self.client.get(self.url(wire::GRANTS))).query(&query))?;
        Ok(found.scopes)
    }

    fn grant(&self, user_id: i64, client_key: &str, scopes: &[String]) -> Result<Vec<String>, HostPlatformError> {
        let body = GrantRequest {
            user_id,
            client_key: client_key.to_string(),
            scopes: scopes.to_vec(),
        };
        let granted: Scopes = self.send(self.authed(self.client.post(self.url(wire::GRANTS))).json(&body))?;
        Ok(granted.scopes)
    }

    fn mint_code(&self, req: &CodeRequest) -> Result<String, HostPlatformError> {
        let code: Code = self.send(self.authed(self.client.post(self.url(wire::CODES))).json(req))?;
        Ok(code.code)
    }

    fn trade_order(&self, trade_order_id: &str) -> Result<Option<TradeOrder>, HostPlatformError> {
        match self.send(self.authed(self.client.get(self.url(&wire::order_path(trade_order_id))))) {
            Ok(order) => Ok(Some(order)),
            Err(HostPlatformError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn pay_order(&self, req: &PayRequest) -> Result<PaidOrder, HostPlatformError> {
        self.send(self.authed(self.client.post(self.url(wire::ORDERS_PAY))).json(req))
    }

    fn subscribe(&self, req: &PayRequest) -> Result<Subscribed, HostPlatformError> {
        self.send(self.authed(self.client.post(self.url(wire::ORDERS_SUBSCRIBE))).json(req))
    }

    fn top_up(&self, req: &TopUp) -> Result<Balance, HostPlatformError> {
        self.send(self.authed(self.client.post(self.url(wire::TOP_UP))).json(req))
    }

    fn admit_ad(&self, view: &AdView) -> Result<AdAdmission, HostPlatformError> {
        self.send(self.authed(self.client.post(self.url(wire::ADS_ADMIT))).json(view))
    }
}
