//! TikTok identities bound to users, with the platform tokens the server holds for them, and
//! the one place a platform 401 is handled: refresh once, else tell the app what to re-run.

use crate::error::{ApiError, ApiResult, Reauth};
use crate::tiktok::{TikTokError, Tokens};
use crate::Backend;
use axum::http::StatusCode;
use rusqlite::{params, Connection, OptionalExtension};

/// An identity whose tokens a platform call uses.
#[derive(Clone, Debug)]
pub struct Identity {
    pub id: i64,
    pub user_id: i64,
    pub open_id: String,
    access_token: String,
    refresh_token: String,
}

/// The user bound to `open_id` on `host_app` for app `client_key`.
pub fn user_of(conn: &Connection, client_key: &str, host_app: &str, open_id: &str) -> Result<Option<i64>, rusqlite::Error> {
    conn.query_row(
        "SELECT user_id FROM tiktok_identities WHERE client_key = ?1 AND host_app = ?2 AND open_id = ?3",
        params![client_key, host_app, open_id],
        |r| r.get(0),
    )
    .optional()
}

/// The user another app of the same developer bound to `union_id`, on the same host app.
pub fn user_of_union(conn: &Connection, host_app: &str, union_id: &str) -> Result<Option<i64>, rusqlite::Error> {
    conn.query_row(
        "SELECT user_id FROM tiktok_identities WHERE host_app = ?1 AND union_id = ?2 ORDER BY id LIMIT 1",
        params![host_app, union_id],
        |r| r.get(0),
    )
    .optional()
}

/// Binds the identity to `user_id` (or refreshes its tokens when it is already bound).
pub fn bind(
    conn: &Connection,
    user_id: i64,
    client_key: &str,
    host_app: &str,
    tokens: &Tokens,
    union_id: Option<&str>,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO tiktok_identities (user_id, client_key, host_app, open_id, union_id, access_token, \
         refresh_token, scopes, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (client_key, host_app, open_id) DO UPDATE SET union_id = COALESCE(excluded.union_id, union_id), \
         access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
         scopes = excluded.scopes, updated_at = excluded.updated_at",
        params![
            user_id,
            client_key,
            host_app,
            tokens.open_id,
            union_id,
            tokens.access_token,
            tokens.refresh_token,
            tokens.scope,
            crate::store::now()
        ],
    )?;
    Ok(())
}

/// The identity of `user_id` on app `client_key` that signed in last.
pub fn latest(conn: &Connection, user_id: i64, client_key: &str) -> Result<Option<Identity>, rusqlite::Error> {
    conn.query_row(
        "SELECT id, open_id, access_token, refresh_token FROM tiktok_identities \
         WHERE user_id = ?1 AND client_key = ?2 ORDER BY updated_at DESC, id DESC LIMIT 1",
        params![user_id, client_key],
        |r| {
            Ok(Identity {
                id: r.get(0)?,
                user_id,
                open_id: r.get(1)?,
                access_token: r.get(2)?,
                refresh_token: r.get(3)?,
            })
        },
    )
    .optional()
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<Identity>, rusqlite::Error> {
    conn.query_row(
        "SELECT user_id, open_id, access_token, refresh_token FROM tiktok_identities WHERE id = ?1",
        [id],
        |r| {
            Ok(Identity {
                id,
                user_id: r.get(0)?,
                open_id: r.get(1)?,
                access_token: r.get(2)?,
                refresh_token: r.get(3)?,
            })
        },
    )
    .optional()
}

/// Runs a platform call with the identity's access token. A 401 gets one refresh and one
/// retry; when the refresh fails too, the app is told to re-run login (tokens expired) or
/// authorize (the user revoked the grant), as seed 003 asks.
pub async fn call<T, F, Fut>(backend: &Backend, identity: &Identity, f: F) -> ApiResult<T>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, TikTokError>>,
{
    match f(identity.access_token.clone()).await {
        Err(TikTokError::TokenInvalid(why)) => {
            tracing::info!(target: "minihost_backend::tiktok", identity = identity.id, why, "platform token refused; refreshing");
        }
        other => return other.map_err(platform_error),
    }
    let tokens = match backend.tiktok().refresh(&identity.refresh_token).await {
        Ok(tokens) => tokens,
        Err(TikTokError::Rejected { code, message }) => {
            // TikTok says "revoked" when the user withdrew the app's access.
            let reauth = if message.contains("revoked") {
                Reauth::Authorize
            } else {
                Reauth::Login
            };
            tracing::info!(target: "minihost_backend::tiktok", identity = identity.id, code, message, ?reauth, "refresh refused");
            return Err(ApiError::unauthorized(
                reauth,
                format!("TikTok no longer accepts this login ({code}: {message})"),
            ));
        }
        Err(e) => return Err(platform_error(e)),
    };
    backend.db().execute(
        "UPDATE tiktok_identities SET access_token = ?2, refresh_token = ?3, scopes = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            identity.id,
            tokens.access_token,
            tokens.refresh_token,
            tokens.scope,
            crate::store::now()
        ],
    )?;
    match f(tokens.access_token).await {
        Err(TikTokError::TokenInvalid(why)) => Err(ApiError::unauthorized(
            Reauth::Authorize,
            format!("TikTok refused a fresh token: {why}"),
        )),
        other => other.map_err(platform_error),
    }
}

/// A platform failure the app cannot fix by signing in again.
pub fn platform_error(e: TikTokError) -> ApiError {
    match e {
        TikTokError::TokenInvalid(why) => ApiError::unauthorized(Reauth::Login, format!("TikTok refused the token: {why}")),
        TikTokError::Rejected { code, message } => {
            ApiError::new(StatusCode::BAD_GATEWAY, format!("TikTok refused the request ({code}: {message})")).with("platform_code", code)
        }
        e @ (TikTokError::Unreachable { .. } | TikTokError::BadAnswer { .. }) => {
            tracing::warn!(target: "minihost_backend::tiktok", error = %e, "platform call failed");
            ApiError::new(StatusCode::BAD_GATEWAY, e.to_string())
        }
    }
}
