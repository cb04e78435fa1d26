//! Session tokens: what `Authorization: Bearer` carries on every call after login (a mini
//! app runs on its own origin, so cookies are no option). Only a SHA-256 of each token is
//! stored, so a copy of the database signs no one in.

use crate::error::{ApiError, Reauth};
use crate::Backend;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

const SESSION_SECS: i64 = 30 * 24 * 3600;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn issue(conn: &Connection, user_id: i64) -> Result<String, rusqlite::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("mhs_{}", hex::encode(bytes));
    let now = crate::store::now();
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash(&token), user_id, now, now + SESSION_SECS],
    )?;
    Ok(token)
}

pub fn revoke(conn: &Connection, token: &str) -> Result<(), rusqlite::Error> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash(token)])?;
    Ok(())
}

/// The signed-in user of a request, and the session token it came with.
pub struct CurrentUser {
    pub id: i64,
    pub token: String,
}

impl FromRequestParts<Backend> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, backend: &Backend) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized(Reauth::Login, "sign in first: no Authorization: Bearer session token"))?;
        let user_id: Option<i64> = backend
            .db()
            .query_row(
                "SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                params![hash(token), crate::store::now()],
                |r| r.get(0),
            )
            .optional()?;
        let id = user_id.ok_or_else(|| ApiError::unauthorized(Reauth::Login, "the session token is unknown or expired; sign in again"))?;
        Ok(CurrentUser {
            id,
            token: token.to_string(),
        })
    }
}
