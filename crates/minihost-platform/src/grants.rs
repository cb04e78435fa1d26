//! Grants: which scopes each user has consented to for each app, and revoking that consent.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::apps::{app_by_key, App};
use super::{scopes, users, Commit, Platform, PlatformError};

/// What [`Platform::revoke_grants`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RevokedGrant {
    /// Apps whose grant was removed.
    pub client_keys: Vec<String>,
    /// Access and refresh tokens that stopped working.
    pub revoked_tokens: usize,
}

pub(crate) fn granted(conn: &Connection, user_id: i64, client_key: &str) -> rusqlite::Result<Vec<String>> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT scopes FROM grants WHERE user_id = ?1 AND client_key = ?2")?
        .query_row(params![user_id, client_key], |r| r.get(0))
        .optional()?;
    Ok(stored.map(|s| scopes::split_stored(&s)).unwrap_or_default())
}

/// Checks that every scope is known and allowed for `app`, naming the first one that is not.
pub(crate) fn check_scopes(app: &App, requested: &[String]) -> Result<(), PlatformError> {
    if requested.is_empty() {
        return Err(PlatformError::invalid("scope", "at least one scope is required"));
    }
    for scope in requested {
        if !scopes::is_known(scope) {
            return Err(PlatformError::invalid(
                "scope",
                format!("unknown scope {scope:?}; known: {}", scopes::KNOWN_SCOPES.join(", ")),
            ));
        }
        if !app.allows_scope(scope) {
            return Err(PlatformError::invalid(
                "scope",
                format!("app {} may not request {scope:?}", app.client_key),
            ));
        }
    }
    Ok(())
}

/// Adds `requested` to the user's grant for the app and returns everything granted now.
/// The caller has checked the app, the user and the scopes.
pub(crate) fn add(conn: &Connection, user_id: i64, client_key: &str, requested: &[String], now: i64) -> rusqlite::Result<Vec<String>> {
    let mut all = granted(conn, user_id, client_key)?;
    all.extend(requested.iter().cloned());
    let all = scopes::canonical(all.iter().map(String::as_str));
    conn.prepare_cached(
        "INSERT INTO grants (user_id, client_key, scopes, updated_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id, client_key) DO UPDATE SET scopes = excluded.scopes, \
         updated_at = excluded.updated_at",
    )?
    .execute(params![user_id, client_key, scopes::join(&all), now])?;
    Ok(all)
}

/// Loads the app and user a grant or code is for, or says which one is missing.
pub(crate) fn app_and_user(conn: &Connection, client_key: &str, user_id: i64) -> Result<App, PlatformError> {
    let app = app_by_key(conn, client_key)?.ok_or_else(|| PlatformError::not_found("app", client_key))?;
    if users::user_by_id(conn, user_id)?.is_none() {
        return Err(PlatformError::not_found("user", user_id));
    }
    Ok(app)
}

/// Answers of [`Platform::granted_scopes`] (asked on every `getLoginStatus`), valid while the
/// store's data version is the one they were read at: any commit, by this process or another
/// one sharing the file, empties it.
#[derive(Default)]
pub(crate) struct GrantCache {
    version: crate::store::DataVersion,
    entries: Vec<(i64, String, Vec<String>)>,
}

/// Users × apps one host asks about are few; past this the cache starts over.
const GRANT_CACHE_ENTRIES: usize = 64;

impl Platform {
    /// Scopes `user_id` has granted to `client_key`'s app; empty when none.
    pub fn granted_scopes(&self, user_id: i64, client_key: &str) -> Result<Vec<String>, PlatformError> {
        // The version is taken before the read, so an answer is never filed under a version
        // newer than the state it was read from.
        let version = self.inner.store.data_version()?;
        {
            let cache = self.grant_cache();
            if cache.version == version {
                if let Some((_, _, scopes)) = cache.entries.iter().find(|(u, k, _)| *u == user_id && k == client_key) {
                    return Ok(scopes.clone());
                }
            }
        }
        let scopes = self.inner.store.read(|conn| granted(conn, user_id, client_key))?;
        let mut cache = self.grant_cache();
        if cache.version != version || cache.entries.len() >= GRANT_CACHE_ENTRIES {
            cache.entries.clear();
            cache.version = version;
        }
        cache.entries.push((user_id, client_key.to_string(), scopes.clone()));
        Ok(scopes)
    }

    fn grant_cache(&self) -> std::sync::MutexGuard<'_, GrantCache> {
        self.inner.grant_cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the user's consent to `scopes` for the app, keeping earlier grants, and answers
    /// every scope granted now.
    pub fn grant(&self, user_id: i64, client_key: &str, scopes: &[String]) -> Commit<Vec<String>> {
        let requested = scopes::canonical(scopes.iter().map(String::as_str));
        let now = self.now();
        let client_key = client_key.to_string();
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            let app = app_and_user(&tx, &client_key, user_id)?;
            check_scopes(&app, &requested)?;
            let all = add(&tx, user_id, &client_key, &requested, now)?;
            tx.commit()?;
            Ok(all)
        })
    }

    /// Withdraws the user's consent for one app (or for every app when `client_key` is `None`)
    /// and revokes the user tokens those apps hold, as "remove access" in TikTok's settings does.
    pub fn revoke_grants(&self, user_id: i64, client_key: Option<&str>) -> Commit<RevokedGrant> {
        let now = self.now();
        let client_key = client_key.map(str::to_string);
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            if users::user_by_id(&tx, user_id)?.is_none() {
                return Err(PlatformError::not_found("user", user_id));
            }
            let client_keys: Vec<String> = {
                let mut stmt = tx.prepare(
                    "DELETE FROM grants WHERE user_id = ?1 AND (?2 IS NULL OR client_key = ?2) \
                     RETURNING client_key",
                )?;
                let keys = stmt
                    .query_map(params![user_id, client_key], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                keys
            };
            let revoked_tokens = tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE user_id = ?2 \
                 AND (?3 IS NULL OR client_key = ?3) AND revoked_at IS NULL",
                params![now, user_id, client_key],
            )?;
            tx.commit()?;
            let mut client_keys = client_keys;
            client_keys.sort();
            Ok(RevokedGrant {
                client_keys,
                revoked_tokens,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID};

    fn setup() -> (Platform, i64) {
        let p = Platform::in_memory(PlatformOptions::default()).unwrap();
        p.ensure_app(NewApp {
            client_key: "k1".into(),
            allowed_scopes: Some(vec![USER_INFO_OPEN_ID.into(), USER_INFO_BASIC.into()]),
            ..NewApp::default()
        })
        .unwrap();
        let alice = p.user_by_username("alice").unwrap().unwrap();
        (p, alice.id)
    }

    #[test]
    fn cached_grants_see_writes_by_another_connection_to_the_file() {
        // Two platforms on one file share nothing but SQLite, as two processes would.
        let dir = tempfile::tempdir().unwrap();
        let reader = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        let writer = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
        writer
            .ensure_app(NewApp {
                client_key: "k1".into(),
                ..NewApp::default()
            })
            .unwrap();
        let alice = reader.user_by_username("alice").unwrap().unwrap().id;
        for _ in 0..2 {
            assert!(reader.granted_scopes(alice, "k1").unwrap().is_empty());
        }
        writer.grant(alice, "k1", &[USER_INFO_BASIC.into()]).wait().unwrap();
        for _ in 0..2 {
            assert_eq!(reader.granted_scopes(alice, "k1").unwrap(), vec![USER_INFO_BASIC]);
        }
        writer.revoke_grants(alice, Some("k1")).wait().unwrap();
        assert!(reader.granted_scopes(alice, "k1").unwrap().is_empty());
        // And its own writes, through its own writer.
        reader.grant(alice, "k1", &[USER_INFO_OPEN_ID.into()]).wait().unwrap();
        assert_eq!(reader.granted_scopes(alice, "k1").unwrap(), vec![USER_INFO_OPEN_ID]);
        assert_eq!(writer.granted_scopes(alice, "k1").unwrap(), vec![USER_INFO_OPEN_ID]);
    }

    #[test]
    fn grants_accumulate_in_canonical_order() {
        let (p, alice) = setup();
        assert!(p.granted_scopes(alice, "k1").unwrap().is_empty());
        assert_eq!(
            p.grant(alice, "k1", &[USER_INFO_BASIC.into()]).wait().unwrap(),
            vec![USER_INFO_BASIC]
        );
        assert_eq!(
            p.grant(alice, "k1", &[USER_INFO_OPEN_ID.into()]).wait().unwrap(),
            vec![USER_INFO_OPEN_ID, USER_INFO_BASIC]
        );
        assert_eq!(p.granted_scopes(alice, "k1").unwrap(), vec![USER_INFO_OPEN_ID, USER_INFO_BASIC]);
    }

    #[test]
    fn grant_rejects_unknown_app_user_and_disallowed_scope() {
        let (p, alice) = setup();
        assert!(matches!(
            p.grant(alice, "nope", &[USER_INFO_BASIC.into()]).wait(),
            Err(PlatformError::NotFound { what: "app", .. })
        ));
        assert!(matches!(
            p.grant(9_999, "k1", &[USER_INFO_BASIC.into()]).wait(),
            Err(PlatformError::NotFound { what: "user", .. })
        ));
        let err = p.grant(alice, "k1", &["user.info.stats".into()]).wait().unwrap_err();
        assert!(matches!(err, PlatformError::InvalidInput { field: "scope", .. }), "{err}");
        assert!(p.grant(alice, "k1", &[]).wait().is_err());
        assert!(p.granted_scopes(alice, "k1").unwrap().is_empty());
    }

    #[test]
    fn revoking_grants_forgets_consent() {
        let (p, alice) = setup();
        p.grant(alice, "k1", &[USER_INFO_BASIC.into()]).wait().unwrap();
        let revoked = p.revoke_grants(alice, Some("k1")).wait().unwrap();
        assert_eq!(revoked.client_keys, vec!["k1"]);
        assert!(p.granted_scopes(alice, "k1").unwrap().is_empty());
        assert!(p.revoke_grants(alice, None).wait().unwrap().client_keys.is_empty());
        assert!(p.revoke_grants(424_242, None).wait().is_err());
    }
}
