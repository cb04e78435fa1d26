//! `syncUserProfile` (seed 001): how the TikTok profile fetched after an authorize lands on
//! the user record. `overwrite` replaces, `setnx` fills only fields never set, `false`
//! changes nothing.

use rusqlite::{params, Connection};
use serde::de::{self, Deserializer};
use serde::Deserialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncMode {
    Overwrite,
    #[default]
    Setnx,
    Never,
}

impl<'de> Deserialize<'de> for SyncMode {
    /// `"overwrite"`, `"setnx"`, and `false` or `"false"`, as ifanr's SDK sends them.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SyncMode, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(false) => Ok(SyncMode::Never),
            serde_json::Value::String(s) => match s.as_str() {
                "overwrite" => Ok(SyncMode::Overwrite),
                "setnx" => Ok(SyncMode::Setnx),
                "false" => Ok(SyncMode::Never),
                other => Err(de::Error::custom(format!(
                    "syncUserProfile {other:?} is not one of \"overwrite\", \"setnx\", false"
                ))),
            },
            other => Err(de::Error::custom(format!(
                "syncUserProfile {other} is not one of \"overwrite\", \"setnx\", false"
            ))),
        }
    }
}

/// The profile fields `/v2/user/info/` gives with `user.info.basic`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub nickname: Option<String>,
    pub avatar: Option<String>,
}

impl Profile {
    pub fn from_user_info(user: &serde_json::Value) -> Profile {
        let text = |k: &str| user[k].as_str().filter(|s| !s.is_empty()).map(str::to_string);
        Profile {
            nickname: text("display_name"),
            avatar: text("avatar_url"),
        }
    }
}

/// Applies `profile` to user `user_id` as `mode` says. A field TikTok did not send is never
/// cleared.
pub fn apply(conn: &Connection, user_id: i64, profile: &Profile, mode: SyncMode) -> Result<(), rusqlite::Error> {
    let sql = match mode {
        SyncMode::Never => return Ok(()),
        SyncMode::Overwrite => "UPDATE users SET nickname = COALESCE(?2, nickname), avatar = COALESCE(?3, avatar) WHERE id = ?1",
        SyncMode::Setnx => "UPDATE users SET nickname = COALESCE(nickname, ?2), avatar = COALESCE(avatar, ?3) WHERE id = ?1",
    };
    conn.execute(sql, params![user_id, profile.nickname, profile.avatar])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<SyncMode, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn modes_parse_as_ifanr_sends_them() {
        assert_eq!(parse("\"overwrite\"").unwrap(), SyncMode::Overwrite);
        assert_eq!(parse("\"setnx\"").unwrap(), SyncMode::Setnx);
        assert_eq!(parse("false").unwrap(), SyncMode::Never);
        assert_eq!(parse("\"false\"").unwrap(), SyncMode::Never);
        let err = parse("\"always\"").unwrap_err().to_string();
        assert!(err.contains("\"always\" is not one of"), "{err}");
        assert!(parse("true").is_err());
    }
}
