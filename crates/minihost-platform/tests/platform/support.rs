//! A real platform server on 127.0.0.1:0 per test, each with its own data dir, and a reqwest
//! client that never follows redirects (tests look at each Location themselves); or the router
//! called in process with `oneshot` ([`Direct`]), where the test says who the peer is.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use axum::body::Body;
use axum::extract::ConnectInfo;
use minihost_platform::{App, CodeRequest, NewApp, Platform, PlatformOptions, User};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tower::ServiceExt;

pub const REDIRECT: &str = "https://drama.example.com/auth/callback";

pub struct Server {
    pub platform: Platform,
    pub base: String,
    pub http: reqwest::Client,
    task: JoinHandle<std::io::Result<()>>,
    /// The data dir of [`Server::temp`], removed when the server is dropped.
    _dir: Option<TempDir>,
}

impl Server {
    pub async fn start(platform: Platform) -> Server {
        let (base, task) = minihost_platform::spawn_on_loopback(platform.clone()).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Server {
            platform,
            base,
            http,
            task,
            _dir: None,
        }
    }

    /// A server on a fresh data dir that lives as long as the server.
    pub async fn temp(opts: PlatformOptions) -> Server {
        let dir = data_dir();
        let mut server = Server::open(dir.path(), opts).await;
        server._dir = Some(dir);
        server
    }

    pub async fn open(dir: &Path, opts: PlatformOptions) -> Server {
        Server::start(Platform::open(dir, opts).unwrap()).await
    }

    /// Stops serving and waits until the server task (and its platform handle) is gone.
    pub async fn stop(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn user(&self, username: &str) -> User {
        self.platform.user_by_username(username).unwrap().unwrap()
    }

    pub fn app(&self, client_key: &str, redirect_uris: &[&str]) -> App {
        self.platform
            .ensure_app(NewApp {
                client_key: client_key.into(),
                redirect_uris: redirect_uris.iter().map(|s| s.to_string()).collect(),
                ..NewApp::default()
            })
            .unwrap()
            .0
    }

    /// POSTs a form to `/v2/oauth/token/`.
    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        let response = self.http.post(self.url("/v2/oauth/token/")).form(form).send().await.unwrap();
        Reply::read(response).await
    }

    /// `grant_type=client_credentials` for `app`: a client token (`clt.`).
    pub async fn client_credentials(&self, app: &App) -> Reply {
        self.token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
        ])
        .await
    }

    pub async fn exchange(&self, app: &App, code: &str) -> Reply {
        self.token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ])
        .await
    }

    pub async fn refresh(&self, app: &App, refresh_token: &str) -> Reply {
        self.token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    pub async fn user_info(&self, access_token: &str, fields: &str) -> Reply {
        let response = self
            .http
            .get(self.url("/v2/user/info/"))
            .query(&[("fields", fields)])
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Reply {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        Reply::read(response).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::read(self.http.get(self.url(path)).send().await.unwrap()).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A code for `username` as `TTMinis.login` mints it: no redirect_uri, no PKCE.
pub fn minis_code(server: &Server, client_key: &str, username: &str, scopes: &[&str]) -> String {
    server
        .platform
        .mint_code(CodeRequest {
            client_key: client_key.into(),
            user_id: server.user(username).id,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..CodeRequest::default()
        })
        .wait()
        .unwrap()
}

pub fn authorize_url(server: &Server, path: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url(path)).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// A peer on this machine, for [`Call::peer`].
pub const LOOPBACK: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 50_000);
/// A peer on another machine of the LAN.
pub const REMOTE: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)), 50_000);

/// [`Platform::router`] called in process with `tower::ServiceExt::oneshot`: no socket, so the
/// peer is only what the request's `ConnectInfo` says.
pub struct Direct {
    pub platform: Platform,
    router: axum::Router,
}

impl Direct {
    pub fn in_memory() -> Direct {
        let platform = Platform::in_memory(PlatformOptions::default()).unwrap();
        Direct {
            router: platform.router(),
            platform,
        }
    }

    pub async fn send(&self, call: Call) -> Reply {
        let response = self.router.clone().oneshot(call.into_request()).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        Reply::new(parts.status, parts.headers, text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// POSTs a form to `/v2/oauth/token/`.
    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        self.send(Call::post("/v2/oauth/token/").form(form)).await
    }
}

/// A request for [`Direct::send`].
pub struct Call {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    peer: Option<SocketAddr>,
}

impl Call {
    /// A request as a local client sends it: `Host: 127.0.0.1:8787`, no body.
    pub fn new(method: Method, path: &str) -> Call {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8787"));
        Call {
            method,
            path: path.to_string(),
            headers,
            body: Vec::new(),
            peer: None,
        }
    }

    pub fn get(path: &str) -> Call {
        Call::new(Method::GET, path)
    }

    pub fn post(path: &str) -> Call {
        Call::new(Method::POST, path)
    }

    pub fn form(mut self, pairs: &[(&str, &str)]) -> Call {
        self.body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes();
        self.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
    }

    pub fn json(mut self, body: &Value) -> Call {
        self.body = serde_json::to_vec(body).unwrap();
        self.header(header::CONTENT_TYPE, "application/json")
    }

    pub fn bearer(self, token: &str) -> Call {
        self.header(header::AUTHORIZATION, &format!("Bearer {token}"))
    }

    /// The TCP peer, as `serve` would record it.
    pub fn peer(mut self, addr: SocketAddr) -> Call {
        self.peer = Some(addr);
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: &str) -> Call {
        self.headers.insert(name, HeaderValue::from_str(value).unwrap());
        self
    }

    pub fn without_header(mut self, name: header::HeaderName) -> Call {
        self.headers.remove(name);
        self
    }

    /// A body sent as is, with whatever Content-Type the test set (or none).
    pub fn raw_body(mut self, body: &[u8]) -> Call {
        self.body = body.to_vec();
        self
    }

    fn into_request(self) -> axum::http::Request<Body> {
        let mut request = axum::http::Request::builder()
            .method(self.method)
            .uri(self.path)
            .body(Body::from(self.body))
            .unwrap();
        *request.headers_mut() = self.headers;
        if let Some(addr) = self.peer {
            request.extensions_mut().insert(ConnectInfo(addr));
        }
        request
    }
}

/// A response read whole. Reading asserts the log id header every response must carry.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub log_id: String,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        Reply::try_read(response).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Reply::read`] that says what is wrong instead of panicking.
    pub async fn try_read(response: reqwest::Response) -> Result<Reply, String> {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(|e| format!("{status} body unreadable: {e}"))?;
        Reply::new(status, headers, text)
    }

    fn new(status: StatusCode, headers: HeaderMap, text: String) -> Result<Reply, String> {
        let log_id = headers
            .get("x-tt-logid")
            .ok_or_else(|| format!("{status} response without x-tt-logid: {text}"))?
            .to_str()
            .map_err(|e| format!("x-tt-logid is not text: {e}"))?
            .to_string();
        if log_id.len() != 34 {
            return Err(format!("log id {log_id:?} is not 34 characters"));
        }
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            return Err(format!("500: {text}"));
        }
        Ok(Reply {
            status,
            headers,
            text,
            log_id,
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The Location header parsed as a URL, for 302 replies.
    pub fn location(&self) -> url::Url {
        assert_eq!(self.status, StatusCode::FOUND, "{}", self.text);
        let location = self.headers.get("location").expect("Location header");
        url::Url::parse(location.to_str().unwrap()).unwrap()
    }

    /// `field` of a JSON body, as a string.
    pub fn str(&self, pointer: &str) -> String {
        self.json()
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.text))
            .to_string()
    }

    /// Asserts a flat OAuth error and returns its description.
    pub fn assert_oauth_error(&self, status: StatusCode, error: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text);
        let body = self.json();
        assert_eq!(body["error"], error, "{}", self.text);
        assert_eq!(body["log_id"], self.log_id.as_str());
        body["error_description"].as_str().unwrap().to_string()
    }

    /// Asserts a v2 `{data, error}` error envelope and returns its message.
    pub fn assert_api_error(&self, status: StatusCode, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text);
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{}", self.text);
        assert_eq!(body["error"]["log_id"], self.log_id.as_str());
        assert_eq!(body["data"], serde_json::json!({}));
        body["error"]["message"].as_str().unwrap().to_string()
    }
}

pub fn query_param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The hidden inputs and action of the consent page's form, as a browser would submit them.
pub struct ConsentForm {
    pub action: String,
    pub hidden: Vec<(String, String)>,
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl ConsentForm {
    pub fn parse(html: &str) -> ConsentForm {
        let action = html
            .split("<form method=\"post\" action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(unescape)
            .expect("consent page has a POST form");
        let hidden = html
            .split("<input type=\"hidden\" name=\"")
            .skip(1)
            .map(|chunk| {
                let (name, rest) = chunk.split_once('"').unwrap();
                let value = rest.strip_prefix(" value=\"").and_then(|r| r.split('"').next()).unwrap();
                (name.to_string(), unescape(value))
            })
            .collect();
        ConsentForm { action, hidden }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.hidden.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Submits the form as the browser would after the user clicks `decision`.
    pub async fn submit(&self, server: &Server, user_id: Option<i64>, decision: &str) -> Reply {
        let mut form = self.hidden.clone();
        if let Some(id) = user_id {
            form.push(("user_id".into(), id.to_string()));
        }
        form.push(("decision".into(), decision.into()));
        let response = server.http.post(server.url(&self.action)).form(&form).send().await.unwrap();
        Reply::read(response).await
    }
}

pub fn pkce_pair() -> (String, String) {
    use sha2::{Digest, Sha256};
    let verifier: String = (0..64)
        .map(|i| b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"[(i * 7 + 3) % 66] as char)
        .collect();
    let challenge = hex::encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn data_dir() -> TempDir {
    tempfile::tempdir().unwrap()
}

/// A user access token of `username` for `client_key`, as the app's server holds it.
pub async fn access_token(server: &Server, client_key: &str, username: &str) -> String {
    let app = server.platform.app(client_key).unwrap().expect("app registered");
    let code = minis_code(server, client_key, username, &[minihost_platform::USER_INFO_OPEN_ID]);
    server.exchange(&app, &code).await.str("/access_token")
}

impl Server {
    /// POSTs `body` to `/v2/minis/{path}/` with the user access token.
    pub async fn minis(&self, path: &str, token: &str, body: Value) -> Reply {
        let url = self.url(&format!("/v2/minis/{path}/"));
        Reply::read(self.http.post(url).bearer_auth(token).json(&body).send().await.unwrap()).await
    }

    /// The `data` of a successful Minis API call.
    pub async fn minis_ok(&self, path: &str, token: &str, body: Value) -> Value {
        let reply = self.minis(path, token, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.json()["error"]["code"], "ok", "{path}: {}", reply.text);
        reply.json()["data"].clone()
    }

    /// A new Beans order of `token_amount` with developer order id `order_id`.
    pub async fn beans_order(&self, token: &str, order_id: &str, token_amount: i64) -> String {
        let data = self
            .minis_ok(
                "trade_order/create",
                token,
                serde_json::json!({
                    "token_type": "BEANS",
                    "token_amount": token_amount,
                    "order_info": {"order_id": order_id, "product_name": "Episode 7", "quantity": 1, "quantity_unit": "episode"},
                }),
            )
            .await;
        data["trade_order_id"].as_str().unwrap().to_string()
    }

    /// Pairs as a host on loopback and returns the device token.
    pub async fn pair(&self) -> String {
        self.admin_post(
            minihost_platform_api::host_api::PAIR,
            serde_json::json!({"device_name": "test-host"}),
        )
        .await
        .str("/device_token")
    }

    /// POSTs to a host API route with the device token.
    pub async fn host_post(&self, device_token: &str, path: &str, body: Value) -> Reply {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(device_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }

    /// An app whose webhooks go to `url`.
    pub fn app_with_webhook(&self, client_key: &str, url: &str) -> App {
        self.platform
            .ensure_app(NewApp {
                client_key: client_key.into(),
                webhook_url: Some(url.into()),
                ..NewApp::default()
            })
            .unwrap()
            .0
    }

    /// Polls the outbox until `done` holds for it, or panics after 30 s.
    pub async fn wait_for_outbox(
        &self,
        what: &str,
        done: impl Fn(&[minihost_platform::Delivery]) -> bool,
    ) -> Vec<minihost_platform::Delivery> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let deliveries = self.platform.webhook_deliveries(None, None).unwrap();
            if done(&deliveries) {
                return deliveries;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: outbox is {deliveries:#?}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// One request a [`Receiver`] got.
#[derive(Clone, Debug)]
pub struct Hit {
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The envelope's `content`, parsed from the JSON string it is sent as.
    pub fn content(&self) -> Value {
        serde_json::from_str(self.json()["content"].as_str().expect("content is a JSON string")).unwrap()
    }
}

/// A webhook receiver on 127.0.0.1: records every request and answers the scripted statuses in
/// order, then 200.
pub struct Receiver {
    pub url: String,
    hits: std::sync::Arc<std::sync::Mutex<Vec<Hit>>>,
    arrived: std::sync::Arc<tokio::sync::Notify>,
    task: JoinHandle<()>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Receiver {
        use std::sync::{Arc, Mutex};
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let arrived = Arc::new(tokio::sync::Notify::new());
        let script = Arc::new(Mutex::new(std::collections::VecDeque::from(script.to_vec())));
        let (h, a) = (hits.clone(), arrived.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (hits, arrived, script) = (h.clone(), a.clone(), script.clone());
                async move {
                    let signature = headers
                        .get(minihost_platform_api::webhook::SIGNATURE_HEADER)
                        .map(|v| v.to_str().unwrap().to_string());
                    hits.lock().unwrap().push(Hit {
                        signature,
                        body: body.to_vec(),
                    });
                    arrived.notify_waiters();
                    let status = script.lock().unwrap().pop_front().unwrap_or(200);
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, hits, arrived, task }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (30 s at most) and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let notified = self.arrived.notified();
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("{} of {n} webhooks arrived within 30 s: {hits:?}", self.hits().len());
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
