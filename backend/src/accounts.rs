//! Accounts with a password: register, log in, log out and `GET /api/me`. Passwords are
//! stored only as argon2id hashes; checking one is constant-time, and an unknown account
//! costs a hash check too, so timing does not tell which accounts exist.

use crate::error::{ApiError, ApiResult, JsonBody};
use crate::sessions::{self, CurrentUser};
use crate::{users, Backend};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rusqlite::{params, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::LazyLock;

const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 256;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    password: String,
    /// Register only: a nickname of the user's choosing (a later `setnx` sync keeps it).
    #[serde(default)]
    nickname: Option<String>,
}

fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Compared against when the account does not exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("not a real password").expect("argon2 hashes"));

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn validate(c: &Credentials) -> ApiResult<()> {
    if c.username.is_none() && c.email.is_none() {
        return Err(ApiError::invalid("username", "give a username or an email"));
    }
    if let Some(u) = &c.username {
        let ok = (3..=32).contains(&u.chars().count()) && u.chars().all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch));
        if !ok {
            return Err(ApiError::invalid("username", "must be 3-32 letters, digits, '_', '.' or '-'"));
        }
    }
    if let Some(e) = &c.email {
        let ok = e.len() <= 254 && e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
        if !ok {
            return Err(ApiError::invalid("email", "is not an email address"));
        }
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)
}

/// `POST /api/auth/register` with a username or an email (or both) and a password.
pub async fn register(State(backend): State<Backend>, JsonBody(c): JsonBody<Credentials>) -> ApiResult<(StatusCode, Json<Value>)> {
    validate(&c)?;
    let len = c.password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&len) {
        return Err(ApiError::invalid(
            "password",
            format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    let password = c.password.clone();
    let hash = blocking(move || hash_password(&password)).await??;
    let (user_id, token) = {
        let conn = backend.db();
        let tx = conn.unchecked_transaction()?;
        let taken: Option<String> = tx
            .query_row(
                "SELECT CASE WHEN username = ?1 THEN 'username' ELSE 'email' END FROM users \
                 WHERE username = ?1 OR email = ?2 LIMIT 1",
                params![c.username, c.email],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(field) = taken {
            return Err(ApiError::new(StatusCode::CONFLICT, format!("{field} is already registered")).with("field", field));
        }
        tx.execute(
            "INSERT INTO users (username, email, password_hash, nickname, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.username, c.email, hash, c.nickname, crate::store::now()],
        )?;
        let user_id = tx.last_insert_rowid();
        let token = sessions::issue(&tx, user_id)?;
        tx.commit()?;
        (user_id, token)
    };
    tracing::info!(target: "minihost_backend::auth", user_id, "registered");
    let user = users::load(&backend.db(), user_id)?;
    Ok((StatusCode::CREATED, Json(json!({ "token": token, "user": user }))))
}

/// `POST /api/auth/login` with a username or an email and the password.
pub async fn login(State(backend): State<Backend>, JsonBody(c): JsonBody<Credentials>) -> ApiResult<Json<Value>> {
    validate(&c)?;
    let key = c.username.as_deref().or(c.email.as_deref()).unwrap_or_default().to_lowercase();
    if let Err(wait) = backend.logins().check(&key) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many wrong passwords; try again in {wait} s"),
        )
        .with("retry_after", wait));
    }
    let found: Option<(i64, Option<String>)> = backend
        .db()
        .query_row(
            "SELECT id, password_hash FROM users WHERE (?1 IS NOT NULL AND username = ?1) OR (?2 IS NOT NULL AND email = ?2)",
            params![c.username, c.email],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (user_id, stored) = match found {
        Some((id, Some(hash))) => (Some(id), hash),
        _ => (None, DUMMY_HASH.clone()),
    };
    let password = c.password.clone();
    let matches = blocking(move || password_matches(&password, &stored)).await?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        backend.logins().failed(&key);
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong username, email or password"));
    };
    backend.logins().succeeded(&key);
    let token = sessions::issue(&backend.db(), user_id)?;
    tracing::info!(target: "minihost_backend::auth", user_id, "signed in with a password");
    let user = users::load(&backend.db(), user_id)?;
    Ok(Json(json!({ "token": token, "user": user })))
}

/// `POST /api/auth/logout`: ends this session only.
pub async fn logout(State(backend): State<Backend>, me: CurrentUser) -> ApiResult<Json<Value>> {
    sessions::revoke(&backend.db(), &me.token)?;
    Ok(Json(json!({ "status": "ok" })))
}

/// `GET /api/me`.
pub async fn me(State(backend): State<Backend>, me: CurrentUser) -> ApiResult<Json<users::User>> {
    users::load(&backend.db(), me.id)?
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "the signed-in user no longer exists"))
}
