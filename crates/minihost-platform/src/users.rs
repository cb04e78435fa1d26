//! Test users: profile, stats and Beans balance; validation, the seeded users, and avatars.

use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Deserialize;

use super::{Commit, Platform, PlatformError, User};

/// A user to create. Only `username` is required; the rest default sensibly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    /// Defaults to the username.
    pub display_name: Option<String>,
    /// Defaults to a generated SVG data: URI.
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub verified: bool,
    pub follower_count: i64,
    pub following_count: i64,
    pub likes_count: i64,
    pub video_count: i64,
    pub beans: i64,
}

const MAX_USERNAME: usize = 24;
const MAX_DISPLAY_NAME: usize = 30;
const MAX_BIO: usize = 80;
const MAX_AVATAR_URL: usize = 8 * 1024;

const USER_COLUMNS: &str = "id, username, display_name, avatar_url, bio, verified, \
     follower_count, following_count, likes_count, video_count, beans";

pub(crate) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        avatar_url: row.get(3)?,
        bio: row.get(4)?,
        verified: row.get(5)?,
        follower_count: row.get(6)?,
        following_count: row.get(7)?,
        likes_count: row.get(8)?,
        video_count: row.get(9)?,
        beans: row.get(10)?,
    })
}

pub(crate) fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], user_from_row)
        .optional()
}

impl NewUser {
    /// Checks every field and fills in defaults, naming the first bad field.
    fn validate(self) -> Result<User, PlatformError> {
        let username = self.username.trim().to_string();
        if username.is_empty() {
            return Err(PlatformError::invalid("username", "is required"));
        }
        if username.chars().count() > MAX_USERNAME || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return Err(PlatformError::invalid(
                "username",
                format!("{username:?} must be 1-{MAX_USERNAME} letters, digits, '_' or '.'"),
            ));
        }
        let display_name = match self.display_name {
            Some(name) => name.trim().to_string(),
            None => username.clone(),
        };
        if display_name.is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME {
            return Err(PlatformError::invalid(
                "display_name",
                format!("must be 1-{MAX_DISPLAY_NAME} characters"),
            ));
        }
        if display_name.chars().any(char::is_control) {
            return Err(PlatformError::invalid("display_name", "must not contain control characters"));
        }
        let bio = self.bio.unwrap_or_default();
        if bio.chars().count() > MAX_BIO {
            return Err(PlatformError::invalid("bio", format!("must be at most {MAX_BIO} characters")));
        }
        let avatar_url = match self.avatar_url {
            Some(url) => {
                validate_avatar_url(&url)?;
                url
            }
            None => generated_avatar(&display_name, &username),
        };
        for (field, value) in [
            ("follower_count", self.follower_count),
            ("following_count", self.following_count),
            ("likes_count", self.likes_count),
            ("video_count", self.video_count),
            ("beans", self.beans),
        ] {
            if value < 0 {
                return Err(PlatformError::invalid(field, format!("must not be negative (got {value})")));
            }
        }
        Ok(User {
            id: 0,
            username,
            display_name,
            avatar_url,
            bio,
            verified: self.verified,
            follower_count: self.follower_count,
            following_count: self.following_count,
            likes_count: self.likes_count,
            video_count: self.video_count,
            beans: self.beans,
        })
    }
}

fn validate_avatar_url(url: &str) -> Result<(), PlatformError> {
    if url.len() > MAX_AVATAR_URL {
        return Err(PlatformError::invalid(
            "avatar_url",
            format!("must be at most {MAX_AVATAR_URL} bytes"),
        ));
    }
    if url.starts_with("data:image/") {
        return Ok(());
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(()),
        _ => Err(PlatformError::invalid("avatar_url", "must be an http(s) URL or a data:image/ URI")),
    }
}

fn insert_user(conn: &Connection, user: &User, now: i64) -> Result<i64, PlatformError> {
    let inserted = conn.execute(
        "INSERT INTO users (username, display_name, avatar_url, bio, verified, follower_count, \
         following_count, likes_count, video_count, beans, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (username) DO NOTHING",
        params![
            user.username,
            user.display_name,
            user.avatar_url,
            user.bio,
            user.verified,
            user.follower_count,
            user.following_count,
            user.likes_count,
            user.video_count,
            user.beans,
            now
        ],
    )?;
    if inserted == 0 {
        return Err(PlatformError::AlreadyExists {
            what: "user",
            key: user.username.clone(),
        });
    }
    Ok(conn.last_insert_rowid())
}

/// The users a new data dir starts with. `alice` is who `minihost run` signs in by default.
fn seeds() -> Vec<NewUser> {
    vec![
        NewUser {
            username: "alice".into(),
            display_name: Some("Alice Lin".into()),
            bio: Some("Binge-watches every cliffhanger.".into()),
            verified: true,
            follower_count: 1_520,
            following_count: 180,
            likes_count: 48_200,
            video_count: 37,
            beans: 5_000,
            ..NewUser::default()
        },
        NewUser {
            username: "bob".into(),
            display_name: Some("Bob Okafor".into()),
            bio: Some("Here for the plot twists.".into()),
            follower_count: 87,
            following_count: 301,
            likes_count: 1_200,
            video_count: 4,
            beans: 120,
            ..NewUser::default()
        },
        NewUser {
            username: "carol".into(),
            display_name: Some("Carol Díaz".into()),
            bio: Some("Short dramas, long nights. 🎬 No Beans yet.".into()),
            follower_count: 15_400,
            following_count: 52,
            likes_count: 310_000,
            video_count: 212,
            beans: 0,
            ..NewUser::default()
        },
        NewUser {
            username: "dave".into(),
            display_name: Some("Dave Kim".into()),
            bio: Some("Unlocks every episode the day it drops.".into()),
            verified: true,
            follower_count: 2_000_000,
            following_count: 12,
            likes_count: 45_000_000,
            video_count: 980,
            beans: 1_000_000,
            ..NewUser::default()
        },
    ]
}

pub(crate) fn insert_seeds(conn: &Connection, now: i64) -> Result<(), PlatformError> {
    for seed in seeds() {
        insert_user(conn, &seed.validate()?, now)?;
    }
    Ok(())
}

/// A round avatar with the user's initial, as an SVG data: URI (no network needed to show it).
fn generated_avatar(display_name: &str, username: &str) -> String {
    const COLORS: [&str; 6] = ["#fe2c55", "#25f4ee", "#7b61ff", "#ff9f0a", "#30d158", "#0a84ff"];
    let initial = display_name
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    let initial = match initial.as_str() {
        "<" | ">" | "&" | "\"" | "'" => "?".to_string(),
        _ => initial,
    };
    let color = COLORS[username.bytes().map(usize::from).sum::<usize>() % COLORS.len()];
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"720\" viewBox=\"0 0 100 100\">\
         <circle cx=\"50\" cy=\"50\" r=\"50\" fill=\"{color}\"/>\
         <text x=\"50\" y=\"66\" font-family=\"sans-serif\" font-size=\"48\" text-anchor=\"middle\" fill=\"#fff\">{initial}</text></svg>"
    );
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

impl Platform {
    /// Creates a test user. Fails with `AlreadyExists` if the username is taken
    /// (case-insensitively).
    pub fn add_user(&self, user: NewUser) -> Commit<User> {
        self.prepare(|| {
            let user = user.validate()?;
            let now = self.now();
            Ok(self.write(move |conn| {
                let id = insert_user(conn, &user, now)?;
                Ok(User { id, ..user })
            }))
        })
    }

    /// All users, oldest first.
    pub fn users(&self) -> Result<Vec<User>, PlatformError> {
        self.inner.store.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
            let users = stmt.query_map([], user_from_row)?.collect::<Result<_, _>>()?;
            Ok(users)
        })
    }

    pub fn user(&self, id: i64) -> Result<Option<User>, PlatformError> {
        Ok(self.inner.store.read(|conn| user_by_id(conn, id))?)
    }

    /// The user named `username` (ignoring case), or `NotFound`.
    pub fn user_named(&self, username: &str) -> Result<User, PlatformError> {
        self.user_by_username(username)?
            .ok_or_else(|| PlatformError::not_found("user", username))
    }

    /// Looks a user up by username, ignoring case.
    pub fn user_by_username(&self, username: &str) -> Result<Option<User>, PlatformError> {
        let found = self.inner.store.read(|conn| {
            conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"))?
                .query_row([username.trim()], user_from_row)
                .optional()
        })?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlatformOptions;

    fn platform() -> Platform {
        Platform::in_memory(PlatformOptions::default()).unwrap()
    }

    #[test]
    fn seeds_are_distinct_and_include_alice() {
        let users = platform().users().unwrap();
        assert!(users.len() >= 3);
        assert_eq!(users[0].username, "alice");
        let mut names: Vec<_> = users.iter().map(|u| &u.display_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), users.len());
        assert!(users.iter().all(|u| u.avatar_url.starts_with("data:image/svg+xml")));
        assert!(users.iter().any(|u| u.beans == 0) && users.iter().any(|u| u.beans > 0));
    }

    #[test]
    fn seeding_can_be_turned_off() {
        let opts = PlatformOptions {
            seed_users: false,
            ..PlatformOptions::default()
        };
        assert!(Platform::in_memory(opts).unwrap().users().unwrap().is_empty());
    }

    #[test]
    fn add_user_fills_defaults_and_rejects_duplicates_case_insensitively() {
        let p = platform();
        let eve = p
            .add_user(NewUser {
                username: "eve".into(),
                beans: 10,
                ..NewUser::default()
            })
            .wait()
            .unwrap();
        assert_eq!(eve.display_name, "eve");
        assert_eq!(p.user_by_username("EVE").unwrap().unwrap(), eve);
        assert_eq!(p.user(eve.id).unwrap().unwrap(), eve);
        let err = p
            .add_user(NewUser {
                username: "Eve".into(),
                ..NewUser::default()
            })
            .wait()
            .unwrap_err();
        assert!(matches!(err, PlatformError::AlreadyExists { .. }), "{err}");
    }

    #[test]
    fn bad_users_name_the_bad_field() {
        let p = platform();
        let cases = [
            (NewUser::default(), "username"),
            (
                NewUser {
                    username: "has space".into(),
                    ..NewUser::default()
                },
                "username",
            ),
            (
                NewUser {
                    username: "x".repeat(25),
                    ..NewUser::default()
                },
                "username",
            ),
            (
                NewUser {
                    username: "ok".into(),
                    display_name: Some(" ".into()),
                    ..NewUser::default()
                },
                "display_name",
            ),
            (
                NewUser {
                    username: "ok".into(),
                    bio: Some("b".repeat(81)),
                    ..NewUser::default()
                },
                "bio",
            ),
            (
                NewUser {
                    username: "ok".into(),
                    avatar_url: Some("javascript:alert(1)".into()),
                    ..NewUser::default()
                },
                "avatar_url",
            ),
            (
                NewUser {
                    username: "ok".into(),
                    beans: -1,
                    ..NewUser::default()
                },
                "beans",
            ),
            (
                NewUser {
                    username: "ok".into(),
                    likes_count: -5,
                    ..NewUser::default()
                },
                "likes_count",
            ),
        ];
        for (user, field) in cases {
            match p.add_user(user).wait() {
                Err(PlatformError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected invalid {field}, got {other:?}"),
            }
        }
        assert!(p.user_by_username("ok").unwrap().is_none());
    }
}
