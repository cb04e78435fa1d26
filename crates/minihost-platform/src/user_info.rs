//! User info: the fields each scope unlocks, who an access token speaks for, and rendering
//! that user's fields, as v1's and v2's user info endpoints share them.

use serde_json::{json, Map, Value};

use super::apps::{app_by_key, App};
use super::scopes::{USER_INFO_BASIC, USER_INFO_OPEN_ID, USER_INFO_PROFILE, USER_INFO_STATS};
use super::tokens::live_access_grant;
use super::users::user_by_id;
use super::{AccessGrant, Platform, PlatformError, User};

/// Which API generation a field name is looked up for: v1 also has `avatar_url_200`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    V1,
    V2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    OpenId,
    UnionId,
    AvatarUrl,
    AvatarUrl100,
    AvatarUrl200,
    AvatarLargeUrl,
    DisplayName,
    BioDescription,
    ProfileDeepLink,
    IsVerified,
    Username,
    FollowerCount,
    FollowingCount,
    LikesCount,
    VideoCount,
}

const FIELDS: [(&str, Field); 15] = [
    ("open_id", Field::OpenId),
    ("union_id", Field::UnionId),
    ("avatar_url", Field::AvatarUrl),
    ("avatar_url_100", Field::AvatarUrl100),
    ("avatar_url_200", Field::AvatarUrl200),
    ("avatar_large_url", Field::AvatarLargeUrl),
    ("display_name", Field::DisplayName),
    ("bio_description", Field::BioDescription),
    ("profile_deep_link", Field::ProfileDeepLink),
    ("is_verified", Field::IsVerified),
    ("username", Field::Username),
    ("follower_count", Field::FollowerCount),
    ("following_count", Field::FollowingCount),
    ("likes_count", Field::LikesCount),
    ("video_count", Field::VideoCount),
];

/// The fields v1 returns when a request names none: the basic profile.
pub(crate) const V1_DEFAULT_FIELDS: [Field; 7] = [
    Field::OpenId,
    Field::UnionId,
    Field::AvatarUrl,
    Field::AvatarUrl100,
    Field::AvatarUrl200,
    Field::AvatarLargeUrl,
    Field::DisplayName,
];

impl Field {
    pub(crate) fn parse(name: &str, api: Api) -> Option<Field> {
        FIELDS
            .iter()
            .find(|(n, f)| *n == name && (api == Api::V1 || *f != Field::AvatarUrl200))
            .map(|(_, f)| *f)
    }

    pub(crate) fn name(self) -> &'static str {
        FIELDS.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).unwrap_or("?")
    }

    pub(crate) fn known_names(api: Api) -> String {
        FIELDS
            .iter()
            .filter(|(_, f)| api == Api::V1 || *f != Field::AvatarUrl200)
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Scopes any one of which unlocks the field (post-2024-migration mapping).
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Field::OpenId | Field::UnionId => &[USER_INFO_OPEN_ID, USER_INFO_BASIC],
            Field::AvatarUrl | Field::AvatarUrl100 | Field::AvatarUrl200 | Field::AvatarLargeUrl | Field::DisplayName => &[USER_INFO_BASIC],
            Field::BioDescription | Field::ProfileDeepLink | Field::IsVerified | Field::Username => &[USER_INFO_PROFILE],
            Field::FollowerCount | Field::FollowingCount | Field::LikesCount | Field::VideoCount => &[USER_INFO_STATS],
        }
    }
}

/// Parses a field list, naming the first unknown field. Duplicates are dropped.
pub(crate) fn parse_fields<'a>(names: impl IntoIterator<Item = &'a str>, api: Api) -> Result<Vec<Field>, String> {
    let mut fields = Vec::new();
    for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        let field =
            Field::parse(name, api).ok_or_else(|| format!("unknown field {name:?} in fields; known: {}", Field::known_names(api)))?;
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    Ok(fields)
}

pub(crate) enum UserInfoError {
    /// The app is not approved for any scope that unlocks the field.
    ScopePermissionMissed { field: Field, scope: &'static str },
    /// The user did not grant any scope that unlocks the field.
    ScopeNotAuthorized { field: Field, scope: &'static str },
}

/// Who a live access token speaks for: its grant, its app and its user, read in one snapshot.
pub(crate) struct Subject {
    grant: AccessGrant,
    app: App,
    user: User,
}

impl Subject {
    pub(crate) fn open_id(&self, platform: &Platform) -> String {
        platform.open_id(self.grant.host_app, &self.grant.client_key, self.user.id)
    }

    pub(crate) fn client_key(&self) -> &str {
        &self.grant.client_key
    }

    pub(crate) fn user_id(&self) -> i64 {
        self.user.id
    }

    pub(crate) fn host_app(&self) -> super::HostApp {
        self.grant.host_app
    }
}

/// The subject of `token`, or `None` when the token is not a live user access token (or its
/// user or app is gone).
pub(crate) fn subject(platform: &Platform, token: &str) -> Result<Option<Subject>, PlatformError> {
    let now = platform.now();
    platform.inner.store.read(|conn| {
        let Some(grant) = live_access_grant(conn, token, now)? else {
            return Ok(None);
        };
        let app = app_by_key(conn, &grant.client_key)?;
        let user = user_by_id(conn, grant.user_id)?;
        Ok(app.zip(user).map(|(app, user)| Subject { grant, app, user }))
    })
}

/// The requested fields of the subject's user, checking the app's and the user's scopes.
pub(crate) fn render(platform: &Platform, subject: &Subject, fields: &[Field]) -> Result<Map<String, Value>, UserInfoError> {
    let Subject { grant, app, user } = subject;
    for &field in fields {
        if !field.scopes().iter().any(|s| app.allows_scope(s)) {
            return Err(UserInfoError::ScopePermissionMissed {
                field,
                scope: field.scopes()[field.scopes().len() - 1],
            });
        }
    }
    for &field in fields {
        if !field.scopes().iter().any(|s| grant.scopes.iter().any(|g| g == s)) {
            return Err(UserInfoError::ScopeNotAuthorized {
                field,
                scope: field.scopes()[field.scopes().len() - 1],
            });
        }
    }
    let mut out = Map::new();
    for &field in fields {
        let value = match field {
            Field::OpenId => json!(platform.open_id(grant.host_app, &grant.client_key, user.id)),
            Field::UnionId => json!(platform.union_id(&app.developer, user.id)),
            Field::AvatarUrl | Field::AvatarUrl100 | Field::AvatarUrl200 | Field::AvatarLargeUrl => {
                json!(user.avatar_url)
            }
            Field::DisplayName => json!(user.display_name),
            Field::BioDescription => json!(user.bio),
            Field::ProfileDeepLink => json!(format!("https://www.tiktok.com/@{}", user.username)),
            Field::IsVerified => json!(user.verified),
            Field::Username => json!(user.username),
            Field::FollowerCount => json!(user.follower_count),
            Field::FollowingCount => json!(user.following_count),
            Field::LikesCount => json!(user.likes_count),
            Field::VideoCount => json!(user.video_count),
        };
        out.insert(field.name().to_string(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_and_scopes_follow_the_migration_table() {
        assert_eq!(Field::parse("open_id", Api::V2), Some(Field::OpenId));
        assert_eq!(Field::parse("avatar_url_200", Api::V2), None);
        assert_eq!(Field::parse("avatar_url_200", Api::V1), Some(Field::AvatarUrl200));
        assert_eq!(Field::parse("email", Api::V2), None);
        assert_eq!(Field::Username.scopes(), &[USER_INFO_PROFILE]);
        assert_eq!(Field::LikesCount.scopes(), &[USER_INFO_STATS]);
        assert!(Field::UnionId.scopes().contains(&USER_INFO_OPEN_ID));
        for (name, field) in FIELDS {
            assert_eq!(field.name(), name);
        }
    }

    #[test]
    fn parse_fields_names_the_unknown_one() {
        assert_eq!(
            parse_fields("open_id, display_name,open_id,".split(','), Api::V2).unwrap(),
            vec![Field::OpenId, Field::DisplayName]
        );
        let err = parse_fields(["open_id", "email"], Api::V2).unwrap_err();
        assert!(err.contains("\"email\""), "{err}");
    }
}
