//! The backend over real HTTP against a real minihost platform on loopback: each test starts
//! both in an isolated temp dir and plays the app (codes minted as `TTMinis.login` and
//! `authorize` would get them, through the platform's admin API).

use minihost_backend::{Backend, Config, WEBHOOK_PATH};
use minihost_platform::{NewApp, Platform, PlatformOptions};
use minihost_platform_api::monetization::PayRequest;
use minihost_platform_api::webhook;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CLIENT_KEY: &str = "sample-drama";
const SECRET: &str = "sample-drama-secret-0123456789ab";

struct World {
    platform: Platform,
    platform_url: String,
    url: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        World::start_with(true).await
    }

    /// `webhook`: whether the app's webhook URL points at the backend.
    async fn start_with(webhook: bool) -> World {
        let dir = tempfile::tempdir().unwrap();
        let platform = Platform::open(&dir.path().join("platform"), PlatformOptions::default()).unwrap();
        let (platform_url, _) = minihost_platform::spawn_on_loopback(platform.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        platform
            .ensure_app(NewApp {
                client_key: CLIENT_KEY.into(),
                client_secret: Some(SECRET.into()),
                webhook_url: webhook.then(|| format!("{url}{WEBHOOK_PATH}")),
                ..NewApp::default()
            })
            .unwrap();
        let backend = Backend::open(Config::new(&platform_url, CLIENT_KEY, SECRET, dir.path().join("backend"))).unwrap();
        tokio::spawn(backend.serve(listener));
        World {
            platform,
            platform_url,
            url,
            http: reqwest::Client::new(),
            dir,
        }
    }

    async fn admin(&self, path: &str, body: Value) -> Value {
        let res = self
            .http
            .post(format!("{}{path}", self.platform_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        res.json().await.unwrap()
    }

    /// A code for `username`, as `TTMinis.login` (`user.info.open_id`) or `authorize`
    /// (`user.info.basic`) gives the page.
    async fn code(&self, username: &str, scopes: &str, host_app: &str) -> String {
        let r = self
            .admin(
                "/__admin/codes",
                json!({"client_key": CLIENT_KEY, "username": username, "scopes": scopes, "host_app": host_app}),
            )
            .await;
        r["code"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
    }

    async fn login_code(&self, username: &str) -> String {
        self.code(username, "user.info.open_id", "tiktok").await
    }

    async fn authorize_code(&self, username: &str) -> String {
        self.code(username, "user.info.basic", "tiktok").await
    }

    async fn add_user(&self, username: &str, display_name: &str) {
        let r = self
            .admin(
                "/__admin/users",
                json!({"username": username, "display_name": display_name, "beans": 1000}),
            )
            .await;
        assert_eq!(r["user"]["username"], username, "{r}");
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call("POST", path, token, Some(body)).await
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call("GET", path, Some(token), None).await
    }

    /// Signs in with TikTok; panics unless it works.
    async fn tiktok_login(&self, body: Value) -> (String, Value) {
        let (status, r) = self.post("/api/auth/tiktok", None, body).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        (r["token"].as_str().unwrap().to_string(), r["user"].clone())
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("backend").join(minihost_backend::store::DB_FILE)).unwrap()
    }

    fn platform_tokens(&self, user_id: i64) -> (String, String) {
        self.db()
            .query_row(
                "SELECT access_token, refresh_token FROM tiktok_identities WHERE user_id = ?1",
                [user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    fn platform_user(&self, username: &str) -> i64 {
        self.platform.user_by_username(username).unwrap().unwrap().id
    }

    async fn unlocked(&self, token: &str, episode: i64) -> Value {
        let (_, r) = self.get("/api/episodes", token).await;
        r["episodes"][(episode - 1) as usize]["unlocked_by"].clone()
    }

    /// Waits until the backend shows `episode` unlocked (a webhook is on its way).
    async fn wait_unlocked(&self, token: &str, episode: i64) -> Value {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let by = self.unlocked(token, episode).await;
            if !by.is_null() {
                return by;
            }
            assert!(Instant::now() < end, "episode {episode} never unlocked");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn silent_login_creates_the_user_once_and_finds_it_again() {
    let w = World::start().await;
    let (token, user) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    assert_eq!(user["tiktok"][0]["host_app"], "tiktok", "{user}");
    assert_eq!(user["nickname"], Value::Null, "a silent login reads no profile: {user}");
    let (status, me) = w.get("/api/me", &token).await;
    assert_eq!((status, &me["id"]), (StatusCode::OK, &user["id"]));
    let (_, again) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    assert_eq!(again["id"], user["id"], "the same open_id signs in to the same user");
    let users: i64 = w.db().query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn create_user_false_answers_404_then_register_link_and_the_next_login_signs_straight_in() {
    let w = World::start().await;
    let (status, err) = w
        .post(
            "/api/auth/tiktok",
            None,
            json!({"code": w.login_code("alice").await, "createUser": false}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert_eq!(err["code"], 404, "{err}");
    assert!(err["openid"].as_str().is_some_and(|o| !o.is_empty()), "{err}");
    let users: i64 = w.db().query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).unwrap();
    assert_eq!(users, 0, "createUser: false creates nothing");

    let (status, reg) = w
        .post(
            "/api/auth/register",
            None,
            json!({"email": "lin@example.com", "password": "bakery-debt-7"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let token = reg["token"].as_str().unwrap();
    let (status, linked) = w
        .post("/api/auth/link-tiktok", Some(token), json!({"code": w.login_code("alice").await}))
        .await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert_eq!(
        (&linked["message"], &linked["status"]),
        (&json!("User associated."), &json!("ok")),
        "{linked}"
    );
    assert_eq!(linked["user_id"], reg["user"]["id"]);
    assert_eq!(linked["openid"], err["openid"], "the identity the 404 named is the one bound");

    let (_, user) = w
        .tiktok_login(json!({"code": w.login_code("alice").await, "createUser": false}))
        .await;
    assert_eq!(user["id"], reg["user"]["id"], "{user}");
    assert_eq!(user["email"], "lin@example.com");

    // Another account cannot take the same identity.
    let (_, other) = w
        .post(
            "/api/auth/register",
            None,
            json!({"username": "mallory", "password": "stolen-identity"}),
        )
        .await;
    let (status, clash) = w
        .post(
            "/api/auth/link-tiktok",
            other["token"].as_str(),
            json!({"code": w.login_code("alice").await}),
        )
        .await;
    assert_eq!((status, clash["code"].clone()), (StatusCode::CONFLICT, json!(409)), "{clash}");
    assert!(
        clash["message"].as_str().unwrap().contains("already bound to another account"),
        "{clash}"
    );
}

#[tokio::test]
async fn each_host_app_is_its_own_identity() {
    let w = World::start().await;
    let (_, on_tiktok) = w
        .tiktok_login(json!({"code": w.code("alice", "user.info.open_id", "tiktok").await}))
        .await;
    let (_, on_douyin) = w
        .tiktok_login(json!({"code": w.code("alice", "user.info.open_id", "douyin").await, "hostApp": "douyin"}))
        .await;
    assert_ne!(on_tiktok["id"], on_douyin["id"], "open_ids of two host apps are never merged");
    assert_eq!(on_douyin["tiktok"][0]["host_app"], "douyin", "{on_douyin}");
    assert_ne!(on_tiktok["tiktok"][0]["openid"], on_douyin["tiktok"][0]["openid"]);
    let (status, err) = w
        .post(
            "/api/auth/tiktok",
            None,
            json!({"code": w.login_code("alice").await, "hostApp": "myspace"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "hostApp", "{err}");
}

/// Each mode of seed 001's syncUserProfile, on a new user (no prior values) and on a
/// registered one whose nickname is set and avatar never was.
#[tokio::test]
async fn sync_user_profile_overwrite_setnx_and_false() {
    let w = World::start().await;
    for (i, mode) in [json!("overwrite"), json!("setnx"), json!(false)].into_iter().enumerate() {
        let fresh = format!("fresh{i}");
        w.add_user(&fresh, &format!("Fresh {i}")).await;
        let (_, user) = w
            .tiktok_login(json!({"code": w.authorize_code(&fresh).await, "syncUserProfile": mode}))
            .await;
        if mode == json!(false) {
            assert_eq!((&user["nickname"], &user["avatar"]), (&Value::Null, &Value::Null), "{mode}: {user}");
        } else {
            assert_eq!(user["nickname"], format!("Fresh {i}"), "{mode}: {user}");
            assert!(user["avatar"].as_str().is_some_and(|a| !a.is_empty()), "{mode}: {user}");
        }

        let known = format!("known{i}");
        w.add_user(&known, &format!("Known {i}")).await;
        let (_, reg) = w
            .post(
                "/api/auth/register",
                None,
                json!({"username": format!("lin{i}"), "password": "clause-seven!", "nickname": "Lin"}),
            )
            .await;
        let token = reg["token"].as_str().unwrap();
        let (status, linked) = w
            .post(
                "/api/auth/link-tiktok",
                Some(token),
                json!({"code": w.authorize_code(&known).await, "syncUserProfile": mode}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        let (_, me) = w.get("/api/me", token).await;
        match mode.as_str() {
            Some("overwrite") => {
                assert_eq!(me["nickname"], format!("Known {i}"), "overwrite replaces: {me}");
                assert!(me["avatar"].is_string(), "{me}");
            }
            Some("setnx") => {
                assert_eq!(me["nickname"], "Lin", "setnx keeps a set field: {me}");
                assert!(me["avatar"].is_string(), "setnx fills a field never set: {me}");
            }
            _ => assert_eq!(
                (&me["nickname"], &me["avatar"]),
                (&json!("Lin"), &Value::Null),
                "false changes nothing: {me}"
            ),
        }
    }
    let (status, err) = w
        .post("/api/auth/tiktok", None, json!({"code": "x", "syncUserProfile": "always"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().unwrap().contains("syncUserProfile"), "{err}");
}

#[tokio::test]
async fn expired_tokens_ask_for_login_and_a_revoked_grant_for_authorize() {
    let w = World::start().await;
    let (token, user) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    let user_id = user["id"].as_i64().unwrap();

    // An expired access token alone is refreshed without bothering the user.
    let (access, _) = w.platform_tokens(user_id);
    w.admin("/__admin/tokens/expire", json!({"token": access})).await;
    let (status, order) = w.post("/api/orders", Some(&token), json!({"episode": 4})).await;
    assert_eq!(status, StatusCode::OK, "refreshed and retried: {order}");
    assert_ne!(w.platform_tokens(user_id).0, access, "the refreshed token is kept");

    // Access and refresh tokens both expired: the app must run TTMinis.login again.
    let (access, refresh) = w.platform_tokens(user_id);
    w.admin("/__admin/tokens/expire", json!({"token": access})).await;
    w.admin("/__admin/tokens/expire", json!({"token": refresh})).await;
    let (status, err) = w.post("/api/orders", Some(&token), json!({"episode": 5})).await;
    assert_eq!(
        (status, &err["code"], &err["reauth"]),
        (StatusCode::UNAUTHORIZED, &json!(401), &json!("login")),
        "{err}"
    );
    let (token, _) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    let (status, order) = w.post("/api/orders", Some(&token), json!({"episode": 5})).await;
    assert_eq!(status, StatusCode::OK, "after the new login: {order}");

    // The user revoked the app's access: authorize again.
    let r = w
        .admin("/__admin/grants/revoke", json!({"username": "alice", "client_key": CLIENT_KEY}))
        .await;
    assert!(r.is_object(), "{r}");
    let (status, err) = w.post("/api/orders", Some(&token), json!({"episode": 6})).await;
    assert_eq!((status, &err["reauth"]), (StatusCode::UNAUTHORIZED, &json!("authorize")), "{err}");

    // A session the backend does not know asks for login too.
    let (status, err) = w.get("/api/me", "mhs_not-a-session").await;
    assert_eq!((status, &err["reauth"]), (StatusCode::UNAUTHORIZED, &json!("login")), "{err}");
}

#[tokio::test]
async fn a_paid_order_unlocks_by_webhook_and_forged_replayed_and_duplicate_deliveries_do_not() {
    let w = World::start().await;
    let (token, user) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    w.admin("/__admin/users/beans", json!({"username": "alice", "beans": 500})).await;
    let (status, order) = w.post("/api/orders", Some(&token), json!({"episode": 4})).await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["token_amount"], 100);
    let trade_order_id = order["trade_order_id"].as_str().unwrap().to_string();
    assert!(w.unlocked(&token, 4).await.is_null(), "nothing unlocks before payment");
    w.platform
        .pay_order(PayRequest {
            trade_order_id: trade_order_id.clone(),
            user_id: w.platform_user("alice"),
            client_key: CLIENT_KEY.into(),
        })
        .wait()
        .unwrap();
    assert_eq!(w.wait_unlocked(&token, 4).await, "purchase");
    let delivered = w.platform.webhook_deliveries(Some(CLIENT_KEY), None).unwrap();
    assert_eq!(delivered.len(), 1);
    let body = delivered[0].body.clone();

    let hook = |signature: String, body: String| {
        let http = w.http.clone();
        let url = format!("{}{WEBHOOK_PATH}", w.url);
        async move {
            let res = http
                .post(url)
                .header(webhook::SIGNATURE_HEADER, signature)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    // Signed with another secret, or a body changed after signing: refused.
    let (status, err) = hook(webhook::sign("not-the-secret", now(), body.as_bytes()), body.clone()).await;
    assert_eq!((status, &err["code"]), (StatusCode::UNAUTHORIZED, &json!(401)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("does not match"), "{err}");
    let forged = body.replace("ep4", "ep5");
    let (status, _) = hook(webhook::sign(SECRET, now(), body.as_bytes()), forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A recorded delivery replayed later: its timestamp is stale.
    let (status, err) = hook(webhook::sign(SECRET, now() - 600, body.as_bytes()), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(err["message"].as_str().unwrap().contains("old"), "{err}");
    assert_eq!(hook(String::new(), body.clone()).await.0, StatusCode::UNAUTHORIZED, "unsigned");
    // The platform delivering again (at-least-once): acknowledged, unlocked once.
    let (status, dup) = hook(webhook::sign(SECRET, now(), body.as_bytes()), body.clone()).await;
    assert_eq!((status, &dup["status"]), (StatusCode::OK, &json!("duplicate")), "{dup}");
    let unlocks: i64 = w
        .db()
        .query_row(
            "SELECT COUNT(*) FROM unlocks WHERE user_id = ?1",
            [user["id"].as_i64().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unlocks, 1);
    let (_, status) = w.get(&format!("/api/orders/{trade_order_id}"), &token).await;
    assert_eq!(
        (&status["status"], &status["unlocked"]),
        (&json!("SUCCESS"), &json!(true)),
        "{status}"
    );
    let (code, again) = w.post("/api/orders", Some(&token), json!({"episode": 4})).await;
    assert_eq!(code, StatusCode::CONFLICT, "{again}");
}

#[tokio::test]
async fn without_the_webhook_the_server_confirms_with_trade_order_query() {
    let w = World::start_with(false).await;
    let (token, _) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    w.admin("/__admin/users/beans", json!({"username": "alice", "beans": 500})).await;
    let (_, order) = w.post("/api/orders", Some(&token), json!({"episode": 6})).await;
    let trade_order_id = order["trade_order_id"].as_str().unwrap().to_string();
    let (_, pending) = w.get(&format!("/api/orders/{trade_order_id}"), &token).await;
    assert_eq!(
        (&pending["status"], &pending["unlocked"]),
        (&json!("PENDING"), &json!(false)),
        "{pending}"
    );
    w.platform
        .pay_order(PayRequest {
            trade_order_id: trade_order_id.clone(),
            user_id: w.platform_user("alice"),
            client_key: CLIENT_KEY.into(),
        })
        .wait()
        .unwrap();
    let (_, paid) = w.get(&format!("/api/orders/{trade_order_id}"), &token).await;
    assert_eq!((&paid["status"], &paid["unlocked"]), (&json!("SUCCESS"), &json!(true)), "{paid}");
    assert_eq!(w.unlocked(&token, 6).await, "purchase");
    let (status, _) = w.get("/api/orders/TOIDnot-mine", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_rewarded_ad_unlocks_one_episode_only_when_watched_to_the_end() {
    let w = World::start().await;
    let (token, _) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    let (status, err) = w
        .post("/api/ads/rewarded", Some(&token), json!({"episode": 5, "isEnded": false}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(w.unlocked(&token, 5).await.is_null());
    let (status, ok) = w
        .post("/api/ads/rewarded", Some(&token), json!({"episode": 5, "isEnded": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(w.unlocked(&token, 5).await, "ad");
    assert!(w.unlocked(&token, 6).await.is_null(), "one ad, one episode");
    let (status, err) = w
        .post("/api/ads/rewarded", Some(&token), json!({"episode": 2, "isEnded": true}))
        .await;
    assert_eq!((status, &err["field"]), (StatusCode::BAD_REQUEST, &json!("episode")), "{err}");
}

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id_hashes_and_guessing_is_limited() {
    let w = World::start().await;
    let password = "the-coldest-ceo-42";
    let (status, reg) = w
        .post(
            "/api/auth/register",
            None,
            json!({"username": "lin", "email": "lin@example.com", "password": password}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert!(reg["user"].get("password_hash").is_none(), "{reg}");
    let stored: String = w.db().query_row("SELECT password_hash FROM users", [], |r| r.get(0)).unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(password));
    let raw = std::fs::read(w.dir.path().join("backend").join(minihost_backend::store::DB_FILE)).unwrap();
    assert!(
        !raw.windows(password.len()).any(|win| win == password.as_bytes()),
        "no plaintext in the file"
    );

    let (status, _) = w
        .post("/api/auth/register", None, json!({"username": "LIN", "password": "another-one-1"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "usernames are case-insensitive");
    let (status, ok) = w
        .post("/api/auth/login", None, json!({"email": "lin@example.com", "password": password}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let session = ok["token"].as_str().unwrap().to_string();
    for _ in 0..minihost_backend::rate_limit::MAX_FAILURES {
        let (status, err) = w
            .post("/api/auth/login", None, json!({"username": "lin", "password": "guess"}))
            .await;
        assert_eq!((status, &err["code"]), (StatusCode::UNAUTHORIZED, &json!(401)), "{err}");
    }
    let (status, err) = w
        .post("/api/auth/login", None, json!({"username": "lin", "password": password}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "limited even with the right password: {err}");

    let (status, _) = w.post("/api/auth/logout", Some(&session), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = w.get("/api/me", &session).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "logged out");
}

#[tokio::test]
async fn errors_are_json_with_code_and_message_naming_the_cause() {
    let w = World::start().await;
    for (path, body, status, needle) in [
        ("/api/auth/tiktok", json!({}), 400, "missing field `code`"),
        ("/api/auth/tiktok", json!({"code": "forged"}), 400, "TikTok refused it"),
        ("/api/auth/register", json!({"password": "x"}), 400, "username"),
        (
            "/api/auth/register",
            json!({"email": "nope", "password": "long-enough"}),
            400,
            "email",
        ),
        (
            "/api/auth/register",
            json!({"username": "lin", "password": "short"}),
            400,
            "password",
        ),
        ("/api/orders", json!({"episode": 4}), 401, "Bearer"),
        ("/api/nowhere", json!({}), 404, "no such endpoint"),
    ] {
        let (got, err) = w.post(path, None, body.clone()).await;
        assert_eq!(got.as_u16(), status, "{path} {body}: {err}");
        assert_eq!(err["code"], status, "{err}");
        assert!(err["message"].as_str().unwrap().contains(needle), "{path} {body}: {err}");
    }
    let (status, err) = w.call("GET", "/api/auth/login", None, None).await;
    assert_eq!((status, &err["code"]), (StatusCode::METHOD_NOT_ALLOWED, &json!(405)), "{err}");
    let res = w
        .http
        .post(format!("{}/api/auth/login", w.url))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("invalid JSON body"));
}

#[tokio::test]
async fn cors_lets_the_mini_app_origin_send_its_bearer_token() {
    let w = World::start().await;
    let preflight = |origin: &'static str| {
        w.http
            .request(reqwest::Method::OPTIONS, format!("{}/api/me", w.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let ok = preflight("minihost://app").await.unwrap();
    let headers = ok.headers();
    assert_eq!(headers["access-control-allow-origin"], "minihost://app");
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_js_client_runs_create_user_false_register_link_and_login_against_the_real_backend() {
    let w = World::start().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("client-js/test/live.mjs");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .env("BACKEND_URL", &w.url)
        .env("PLATFORM_URL", &w.platform_url)
        .env("CLIENT_KEY", CLIENT_KEY)
        .output()
        .await
        .expect("node (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let linked: i64 = w
        .db()
        .query_row(
            "SELECT user_id FROM tiktok_identities WHERE open_id = ?1",
            [report["openid"].as_str().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(json!(linked), report["user_id"]);
}

#[tokio::test]
async fn union_id_finds_the_user_across_the_same_developers_apps() {
    let w = World::start().await;
    // A second app of the same developer, whose server shares this database.
    let (key, secret) = ("sample-drama-spinoff", "spinoff-secret-0123456789abcdef0");
    w.platform
        .ensure_app(NewApp {
            client_key: key.into(),
            client_secret: Some(secret.into()),
            ..NewApp::default()
        })
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let spinoff = format!("http://{}", listener.local_addr().unwrap());
    let backend = Backend::open(Config::new(&w.platform_url, key, secret, w.dir.path().join("backend"))).unwrap();
    tokio::spawn(backend.serve(listener));

    let (_, first) = w.tiktok_login(json!({"code": w.login_code("alice").await})).await;
    let code = w
        .admin(
            "/__admin/codes",
            json!({"client_key": key, "username": "alice", "scopes": "user.info.open_id"}),
        )
        .await;
    let res = w
        .http
        .post(format!("{spinoff}/api/auth/tiktok"))
        .json(&json!({"code": code["code"], "createUser": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let user = res.json::<Value>().await.unwrap()["user"].clone();
    assert_eq!(
        user["id"], first["id"],
        "the union_id is the developer's, so it is the same user: {user}"
    );
    let ids = user["tiktok"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "{user}");
    assert_ne!(ids[0]["openid"], ids[1]["openid"], "open_ids are per app");
    assert_eq!(ids[0]["unionid"], ids[1]["unionid"]);
}
