//! Architecture invariant: every HTTP handler that writes awaits its commit without blocking a
//! runtime worker. The server runs on a one-worker runtime with the writer held; each writing
//! request must then wait, and a read sent meanwhile must still be answered. A handler that
//! blocked on its commit would take the only worker with it, and the read would never come.

use std::net::Ipv4Addr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use minihost_platform::{CodeRequest, NewApp, Platform, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::support::{data_dir, ConsentForm, REDIRECT};

/// Far beyond any honest answer on a loaded machine; reached only when something hangs.
const DEADLINE: Duration = Duration::from_secs(30);

type Outcome = Result<(StatusCode, String), String>;

/// Requests sent from a runtime of their own, answered on std channels the test thread waits on.
struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn start(&self, request: RequestBuilder) -> mpsc::Receiver<Outcome> {
        let (tx, rx) = mpsc::channel();
        self.runtime.spawn(async move {
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    response.text().await.map(|text| (status, text)).map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(outcome);
        });
        rx
    }

    fn wait(rx: &mpsc::Receiver<Outcome>, what: &str) -> (StatusCode, String) {
        match rx.recv_timeout(DEADLINE) {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => panic!("{what}: {e}"),
            Err(_) => panic!("{what}: no answer within {DEADLINE:?}"),
        }
    }

    /// Sends a request and waits for a 2xx or 3xx answer (for setting up, with the writer free).
    fn ok(&self, request: RequestBuilder) -> String {
        let (status, text) = Client::wait(&self.start(request), "setup");
        assert!(status.is_success() || status.is_redirection(), "setup: {status}: {text}");
        text
    }

    fn json(&self, request: RequestBuilder) -> Value {
        serde_json::from_str(&self.ok(request)).unwrap()
    }
}

/// Serves `platform` on 127.0.0.1 from a `current_thread` runtime on a thread of its own.
fn serve_on_one_worker(platform: Platform) -> (String, tokio::sync::oneshot::Sender<()>, std::thread::JoinHandle<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let shutdown = async move {
            let _ = stopped.await;
        };
        runtime
            .block_on(minihost_platform::serve_with_shutdown(listener, platform, shutdown))
            .unwrap();
    });
    (base, stop, thread)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "{what}: still waiting after {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn query(client: &Client, path: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&client.url(path)).unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url.to_string()
}

#[test]
fn writing_handlers_wait_for_their_commit_without_blocking_the_worker() {
    // In memory, reads go through the writer connection, so only a file shows the invariant.
    let dir = data_dir();
    let platform = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
    let (base, stop, server) = serve_on_one_worker(platform.clone());
    let client = Client {
        runtime: tokio::runtime::Runtime::new().unwrap(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base,
    };
    let http = &client.http;

    // Fixtures, made while the writer is free.
    let secret = "held-secret";
    let key = "awheld";
    platform
        .ensure_app(NewApp {
            client_key: key.into(),
            client_secret: Some(secret.into()),
            redirect_uris: vec![REDIRECT.into()],
            ..NewApp::default()
        })
        .unwrap();
    let id = |name: &str| platform.user_by_username(name).unwrap().unwrap().id;
    let (alice, bob, carol, dave) = (id("alice"), id("bob"), id("carol"), id("dave"));
    let code = |user_id: i64| {
        platform
            .mint_code(CodeRequest {
                client_key: key.into(),
                user_id,
                scopes: vec![USER_INFO_BASIC.into()],
                ..CodeRequest::default()
            })
            .wait()
            .unwrap()
    };
    let exchange = |user_id: i64| {
        let form = [
            ("client_key", key.to_string()),
            ("client_secret", secret.to_string()),
            ("code", code(user_id)),
            ("grant_type", "authorization_code".to_string()),
        ];
        client.json(http.post(client.url("/v2/oauth/token/")).form(&form))
    };
    let to_expire = exchange(alice)["access_token"].as_str().unwrap().to_string();
    let to_refresh = exchange(bob)["refresh_token"].as_str().unwrap().to_string();
    let to_revoke = exchange(dave)["access_token"].as_str().unwrap().to_string();
    let v1 = exchange(dave);
    let (v1_open_id, v1_access) = (v1["open_id"].as_str().unwrap(), v1["access_token"].as_str().unwrap());
    let v1_refresh = exchange(bob)["refresh_token"].as_str().unwrap().to_string();
    platform.grant(carol, key, &[USER_INFO_OPEN_ID.into()]).wait().unwrap();
    let consent = |path: &str| {
        let page = client.ok(http.get(query(
            &client,
            path,
            &[
                ("client_key", key),
                ("scope", USER_INFO_BASIC),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
            ],
        )));
        let mut form = ConsentForm::parse(&page).hidden;
        form.push(("user_id".into(), alice.to_string()));
        form.push(("decision".into(), "allow".into()));
        http.post(client.url(path)).form(&form)
    };
    let pair = |name: &str| http.post(client.url("/__host/v1/pair")).json(&json!({"device_name": name}));
    let device: Value = client.json(pair("fixture-host"));
    let device = device["device_token"].as_str().unwrap();
    let v1_code = code(alice);

    let writes: Vec<(&str, RequestBuilder)> = vec![
        (
            "admin: create user",
            http.post(client.url("/__admin/users")).json(&json!({"username": "held"})),
        ),
        (
            "admin: create app",
            http.post(client.url("/__admin/apps")).json(&json!({"client_key": "awheld2"})),
        ),
        (
            "admin: mint code",
            http.post(client.url("/__admin/codes"))
                .json(&json!({"client_key": key, "username": "alice", "scopes": USER_INFO_BASIC})),
        ),
        (
            "admin: expire token",
            http.post(client.url("/__admin/tokens/expire")).json(&json!({"token": to_expire})),
        ),
        (
            "admin: revoke grants",
            http.post(client.url("/__admin/grants/revoke"))
                .json(&json!({"user_id": carol, "client_key": key})),
        ),
        (
            "token: authorization_code",
            http.post(client.url("/v2/oauth/token/")).form(&[
                ("client_key", key),
                ("client_secret", secret),
                ("code", &code(carol)),
                ("grant_type", "authorization_code"),
            ]),
        ),
        (
            "token: refresh_token",
            http.post(client.url("/v2/oauth/token/")).form(&[
                ("client_key", key),
                ("client_secret", secret),
                ("refresh_token", &to_refresh),
                ("grant_type", "refresh_token"),
            ]),
        ),
        (
            "token: client_credentials",
            http.post(client.url("/v2/oauth/token/")).form(&[
                ("client_key", key),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
            ]),
        ),
        (
            "revoke",
            http.post(client.url("/v2/oauth/revoke/"))
                .form(&[("client_key", key), ("client_secret", secret), ("token", &to_revoke)]),
        ),
        ("consent: v2 allow", consent("/v2/auth/authorize/")),
        ("consent: v1 allow", consent("/platform/oauth/connect/")),
        (
            "v1: access_token",
            http.post(query(
                &client,
                "/oauth/access_token/",
                &[
                    ("client_key", key),
                    ("client_secret", secret),
                    ("code", &v1_code),
                    ("grant_type", "authorization_code"),
                ],
            )),
        ),
        (
            "v1: refresh_token",
            http.post(query(
                &client,
                "/oauth/refresh_token/",
                &[("client_key", key), ("grant_type", "refresh_token"), ("refresh_token", &v1_refresh)],
            )),
        ),
        (
            "v1: revoke",
            http.post(query(
                &client,
                "/oauth/revoke/",
                &[("open_id", v1_open_id), ("access_token", v1_access)],
            )),
        ),
        ("host: pair", pair("held-host")),
        (
            "host: ensure app",
            http.post(client.url("/__host/v1/apps/ensure"))
                .bearer_auth(device)
                .json(&json!({"client_key": "awheld3"})),
        ),
        (
            "host: grant",
            http.post(client.url("/__host/v1/grants"))
                .bearer_auth(device)
                .json(&json!({"user_id": dave, "client_key": key, "scopes": [USER_INFO_OPEN_ID]})),
        ),
        (
            "host: mint code",
            http.post(client.url("/__host/v1/codes"))
                .bearer_auth(device)
                .json(&json!({"user_id": dave, "client_key": key, "scopes": [USER_INFO_OPEN_ID]})),
        ),
    ];

    for (name, request) in writes {
        let users = serde_json::to_value(platform.users().unwrap()).unwrap();
        let submitted = platform.writes_submitted();
        let hold = platform.hold_writes();
        let write = client.start(request);
        wait_until(&format!("{name}: reaching the writer"), || platform.writes_submitted() > submitted);

        let read = client.start(http.get(client.url("/__admin/users")));
        let (status, text) = Client::wait(&read, &format!("{name}: a read while the write waits (a blocked worker?)"));
        assert_eq!(status, StatusCode::OK, "{name}: {text}");
        let read: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read["users"], users, "{name}: a read saw uncommitted state");
        assert!(
            matches!(write.try_recv(), Err(mpsc::TryRecvError::Empty)),
            "{name}: answered before its commit"
        );

        drop(hold);
        let (status, text) = Client::wait(&write, name);
        assert!(status.is_success() || status.is_redirection(), "{name}: {status}: {text}");
    }
    // Once released, the held writes committed.
    assert_eq!(platform.users().unwrap().iter().filter(|u| u.username == "held").count(), 1);

    let _ = stop.send(());
    drop(client);
    server.join().unwrap();
}
