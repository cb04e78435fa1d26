//! The series' episodes, which ones the user has unlocked, and the rewarded-ad unlock.

use crate::error::{ApiError, ApiResult, JsonBody};
use crate::sessions::CurrentUser;
use crate::Backend;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

/// One episode of the catalogue: free, or sold for `price_beans`.
pub struct Episode {
    pub n: i64,
    pub price_beans: Option<i64>,
}

/// The sample drama: three free episodes, three paid ones.
pub const CATALOGUE: [Episode; 6] = [
    Episode { n: 1, price_beans: None },
    Episode { n: 2, price_beans: None },
    Episode { n: 3, price_beans: None },
    Episode {
        n: 4,
        price_beans: Some(100),
    },
    Episode {
        n: 5,
        price_beans: Some(100),
    },
    Episode {
        n: 6,
        price_beans: Some(100),
    },
];

/// A paid episode, or a 400 naming `field`.
pub fn paid(n: i64) -> ApiResult<&'static Episode> {
    match CATALOGUE.iter().find(|e| e.n == n) {
        Some(e) if e.price_beans.is_some() => Ok(e),
        Some(_) => Err(ApiError::invalid("episode", format!("episode {n} is free"))),
        None => Err(ApiError::invalid(
            "episode",
            format!("there is no episode {n} (1-{})", CATALOGUE.len()),
        )),
    }
}

pub fn unlocked_by(conn: &Connection, user_id: i64, episode: i64) -> Result<Option<String>, rusqlite::Error> {
    conn.query_row(
        "SELECT source FROM unlocks WHERE user_id = ?1 AND episode = ?2",
        params![user_id, episode],
        |r| r.get(0),
    )
    .optional()
}

/// Unlocks once; returns whether this call did it.
pub fn unlock(conn: &Connection, user_id: i64, episode: i64, source: &str) -> Result<bool, rusqlite::Error> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO unlocks (user_id, episode, source, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, episode, source, crate::store::now()],
    )?;
    if n == 1 {
        tracing::info!(target: "minihost_backend::episodes", user_id, episode, source, "episode unlocked");
    }
    Ok(n == 1)
}

/// `GET /api/episodes`: every episode, with whether (and how) this user may watch it.
pub async fn list(State(backend): State<Backend>, me: CurrentUser) -> ApiResult<Json<Value>> {
    let conn = backend.db();
    let mut episodes = Vec::new();
    for e in &CATALOGUE {
        let by = match e.price_beans {
            None => Some("free".to_string()),
            Some(_) => unlocked_by(&conn, me.id, e.n)?,
        };
        episodes.push(json!({ "n": e.n, "price_beans": e.price_beans, "unlocked": by.is_some(), "unlocked_by": by }));
    }
    Ok(Json(json!({ "episodes": episodes })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdWatched {
    episode: i64,
    /// `onClose`'s `isEnded`: the ad was watched to the end.
    is_ended: bool,
}

/// `POST /api/ads/rewarded`: a rewarded ad watched to the end unlocks one episode. The
/// platform has no server-side ad verification, so this trusts the client's report.
pub async fn rewarded(State(backend): State<Backend>, me: CurrentUser, JsonBody(req): JsonBody<AdWatched>) -> ApiResult<Json<Value>> {
    paid(req.episode)?;
    if !req.is_ended {
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "the ad was closed before its end: no reward").with("field", "isEnded"),
        );
    }
    let conn = backend.db();
    if let Some(by) = unlocked_by(&conn, me.id, req.episode)? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("episode {} is already unlocked ({by})", req.episode),
        ));
    }
    unlock(&conn, me.id, req.episode, "ad")?;
    Ok(Json(json!({ "episode": req.episode, "unlocked": true, "unlocked_by": "ad" })))
}
