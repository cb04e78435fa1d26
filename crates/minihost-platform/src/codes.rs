//! Authorization codes: minting them (bridge login/authorize and the consent page) bound to app,
//! user, scopes, redirect_uri and PKCE challenge; and TikTok's hex-SHA-256 PKCE rules.

use rusqlite::params;
use sha2::{Digest, Sha256};

use super::{grants, scopes, secrets, CodeRequest, Commit, Platform, PlatformError};

/// Checks a `code_challenge` (TikTok's variant: 64 hex digits of SHA-256, not base64url) and
/// returns it lower-cased.
pub(crate) fn normalize_code_challenge(challenge: &str) -> Result<String, PlatformError> {
    if challenge.len() == 64 && challenge.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(challenge.to_ascii_lowercase())
    } else {
        Err(PlatformError::invalid(
            "code_challenge",
            "must be the hex SHA-256 of the code_verifier (64 hex digits); TikTok does not \
             use base64url here",
        ))
    }
}

/// RFC 7636's verifier syntax: 43-128 characters of `[A-Za-z0-9-._~]`.
pub(crate) fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
}

pub(crate) fn challenge_for_verifier(verifier: &str) -> String {
    hex::encode(Sha256::digest(verifier.as_bytes()))
}

impl Platform {
    /// Mints a single-use authorization code, as `TTMinis.login`/`authorize` and the consent page
    /// do. Minting records the user's consent to the scopes (see [`Platform::grant`]). The code
    /// expires after [`PlatformOptions::code_ttl`](super::PlatformOptions::code_ttl) seconds.
    pub fn mint_code(&self, req: CodeRequest) -> Commit<String> {
        self.prepare(|| {
            let requested = scopes::canonical(req.scopes.iter().map(String::as_str));
            let challenge = req.code_challenge.as_deref().map(normalize_code_challenge).transpose()?;
            let secret = secrets::NewSecret::generate("");
            let now = self.now();
            let expires_at = now.saturating_add(i64::try_from(self.inner.opts.code_ttl).unwrap_or(i64::MAX));
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                let app = grants::app_and_user(&tx, &req.client_key, req.user_id)?;
                grants::check_scopes(&app, &requested)?;
                if let Some(uri) = &req.redirect_uri {
                    if !app.redirect_uri_registered(uri) {
                        return Err(PlatformError::invalid(
                            "redirect_uri",
                            format!("{uri:?} is not registered for app {}", app.client_key),
                        ));
                    }
                }
                grants::add(&tx, req.user_id, &app.client_key, &requested, now)?;
                tx.prepare_cached(
                    "INSERT INTO auth_codes (secret_hash, client_key, user_id, host_app, scopes, \
                     redirect_uri, code_challenge, created_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    secret.hash,
                    app.client_key,
                    req.user_id,
                    req.host_app.as_str(),
                    scopes::join(&requested),
                    req.redirect_uri,
                    challenge,
                    now,
                    expires_at
                ])?;
                let id = tx.last_insert_rowid();
                tx.commit()?;
                Ok(secret.finish(id))
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewApp, PlatformOptions, USER_INFO_OPEN_ID};

    #[test]
    fn tiktok_pkce_uses_hex_sha256() {
        // SHA-256("abc")
        assert_eq!(
            challenge_for_verifier("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let upper = challenge_for_verifier("abc").to_ascii_uppercase();
        assert_eq!(normalize_code_challenge(&upper).unwrap(), challenge_for_verifier("abc"));
        // The RFC 7636 base64url form of the same digest is refused with a pointer to the cause.
        let err = normalize_code_challenge("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0").unwrap_err();
        assert!(err.to_string().contains("hex"), "{err}");
    }

    #[test]
    fn verifier_syntax() {
        assert!(verifier_is_well_formed(&"a".repeat(43)));
        assert!(verifier_is_well_formed(&format!("{}-._~", "Z9".repeat(20))));
        assert!(!verifier_is_well_formed(&"a".repeat(42)));
        assert!(!verifier_is_well_formed(&"a".repeat(129)));
        assert!(!verifier_is_well_formed(&format!("{} ", "a".repeat(43))));
    }

    #[test]
    fn mint_code_checks_bindings_and_records_the_grant() {
        let p = Platform::in_memory(PlatformOptions::default()).unwrap();
        p.ensure_app(NewApp {
            client_key: "k".into(),
            redirect_uris: vec!["https://a.com/cb".into()],
            ..NewApp::default()
        })
        .unwrap();
        let alice = p.user_by_username("alice").unwrap().unwrap().id;
        let req = CodeRequest {
            client_key: "k".into(),
            user_id: alice,
            scopes: vec![USER_INFO_OPEN_ID.into()],
            ..CodeRequest::default()
        };
        let code = p.mint_code(req.clone()).wait().unwrap();
        assert!(code.len() > 40 && code.contains('!'), "{code}");
        assert_ne!(code, p.mint_code(req.clone()).wait().unwrap());
        assert_eq!(p.granted_scopes(alice, "k").unwrap(), vec![USER_INFO_OPEN_ID]);

        let bad_uri = CodeRequest {
            redirect_uri: Some("https://b.com/cb".into()),
            ..req.clone()
        };
        assert!(matches!(
            p.mint_code(bad_uri).wait(),
            Err(PlatformError::InvalidInput { field: "redirect_uri", .. })
        ));
        let bad_challenge = CodeRequest {
            code_challenge: Some("xyz".into()),
            ..req.clone()
        };
        assert!(matches!(
            p.mint_code(bad_challenge).wait(),
            Err(PlatformError::InvalidInput {
                field: "code_challenge",
                ..
            })
        ));
        let no_scope = CodeRequest {
            scopes: vec![],
            ..req.clone()
        };
        assert!(matches!(
            p.mint_code(no_scope).wait(),
            Err(PlatformError::InvalidInput { field: "scope", .. })
        ));
        let no_user = CodeRequest {
            user_id: 777,
            ..req.clone()
        };
        assert!(matches!(
            p.mint_code(no_user).wait(),
            Err(PlatformError::NotFound { what: "user", .. })
        ));
        let no_app = CodeRequest {
            client_key: "nope".into(),
            ..req
        };
        assert!(matches!(
            p.mint_code(no_app).wait(),
            Err(PlatformError::NotFound { what: "app", .. })
        ));
    }
}
