//! User records as the API shows them (`GET /api/me`, every login answer): the account and
//! the TikTok identities bound to it. Password hashes and platform tokens never leave here.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub nickname: Option<String>,
    pub avatar: Option<String>,
    pub tiktok: Vec<Identity>,
}

/// A bound TikTok identity: which app and host app it came from, and its ids there.
#[derive(Debug, Serialize)]
pub struct Identity {
    pub client_key: String,
    pub host_app: String,
    pub openid: String,
    pub unionid: Option<String>,
}

pub fn create(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.execute("INSERT INTO users (created_at) VALUES (?1)", [crate::store::now()])?;
    Ok(conn.last_insert_rowid())
}

pub fn load(conn: &Connection, id: i64) -> Result<Option<User>, rusqlite::Error> {
    let user = conn
        .query_row("SELECT username, email, nickname, avatar FROM users WHERE id = ?1", [id], |r| {
            Ok(User {
                id,
                username: r.get(0)?,
                email: r.get(1)?,
                nickname: r.get(2)?,
                avatar: r.get(3)?,
                tiktok: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut user) = user else { return Ok(None) };
    let mut stmt =
        conn.prepare_cached("SELECT client_key, host_app, open_id, union_id FROM tiktok_identities WHERE user_id = ?1 ORDER BY id")?;
    user.tiktok = stmt
        .query_map([id], |r| {
            Ok(Identity {
                client_key: r.get(0)?,
                host_app: r.get(1)?,
                openid: r.get(2)?,
                unionid: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(user))
}
