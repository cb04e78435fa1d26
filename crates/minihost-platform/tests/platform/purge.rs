//! Purging dead codes and tokens: client tokens from a load run go once expired past the grace
//! period, while live tokens, and the rows replay and reuse detection revoke through, stay.

use minihost_platform::{
    CodeExchange, CodeRequest, IssuedTokens, NewApp, OAuthError, OAuthErrorKind, Platform, PlatformOptions, Purged,
    DEFAULT_CLIENT_TOKEN_TTL, PURGE_GRACE_SECS, USER_INFO_BASIC,
};

struct Fixture {
    platform: Platform,
    secret: String,
    alice: i64,
}

fn fixture(rotate: bool) -> Fixture {
    let platform = Platform::in_memory(PlatformOptions {
        rotate_refresh_tokens: rotate,
        ..PlatformOptions::default()
    })
    .unwrap();
    let (app, _) = platform
        .ensure_app(NewApp {
            client_key: "awload".into(),
            ..NewApp::default()
        })
        .unwrap();
    let alice = platform.user_by_username("alice").unwrap().unwrap().id;
    Fixture {
        platform,
        secret: app.client_secret,
        alice,
    }
}

impl Fixture {
    fn code(&self) -> String {
        self.platform
            .mint_code(CodeRequest {
                client_key: "awload".into(),
                user_id: self.alice,
                scopes: vec![USER_INFO_BASIC.into()],
                ..CodeRequest::default()
            })
            .wait()
            .unwrap()
    }

    fn exchange(&self, code: &str) -> Result<IssuedTokens, OAuthError> {
        self.platform
            .exchange_code(CodeExchange {
                client_key: "awload",
                client_secret: &self.secret,
                code,
                redirect_uri: None,
                code_verifier: None,
            })
            .wait()
    }
}

#[test]
fn purge_drops_expired_client_tokens_and_codes_but_keeps_live_tokens() {
    let f = fixture(false);
    for _ in 0..600 {
        f.platform.client_token("awload", &f.secret).wait().unwrap();
    }
    let unused_code = f.code();
    let user = f.exchange(&f.code()).unwrap();
    let before = f.platform.stored_rows().unwrap();
    assert_eq!((before.codes, before.tokens), (2, 602));

    // Nothing is dead yet; then only the unused code has been dead past the grace period.
    assert_eq!(f.platform.purge_expired().unwrap(), Purged::default());
    f.platform.clock().advance(DEFAULT_CLIENT_TOKEN_TTL);
    assert_eq!(f.platform.purge_expired().unwrap(), Purged { tokens: 0, codes: 1 });

    f.platform.clock().advance(PURGE_GRACE_SECS);
    let live_client = f.platform.client_token("awload", &f.secret).wait().unwrap();
    assert_eq!(f.platform.purge_expired().unwrap(), Purged { tokens: 600, codes: 0 });
    let after = f.platform.stored_rows().unwrap();
    assert_eq!(
        (after.codes, after.tokens),
        (1, 3),
        "the used code, the user's two tokens and the new client token"
    );
    assert!(live_client.access_token.starts_with("clt."));

    // The user's tokens still work, and the unused code is gone.
    assert!(f.platform.resolve_access_token(&user.access_token).unwrap().is_some());
    f.platform
        .refresh_tokens("awload", Some(&f.secret), &user.refresh_token)
        .wait()
        .unwrap();
    assert_eq!(f.exchange(&unused_code).unwrap_err().kind, OAuthErrorKind::InvalidGrant);
}

#[test]
fn purge_keeps_what_replay_and_reuse_detection_revoke_through() {
    let f = fixture(true);
    let code = f.code();
    let first = f.exchange(&code).unwrap();
    let rotated = f
        .platform
        .refresh_tokens("awload", Some(&f.secret), &first.refresh_token)
        .wait()
        .unwrap();
    // Past the expiry of the code and the first two access tokens, plus grace.
    f.platform.clock().advance(86_400 + PURGE_GRACE_SECS);
    let renewed = f
        .platform
        .refresh_tokens("awload", Some(&f.secret), &rotated.refresh_token)
        .wait()
        .unwrap();
    f.platform.purge_expired().unwrap();

    // The used code's family has live tokens, so a replay still revokes them...
    assert_eq!(f.exchange(&code).unwrap_err().kind, OAuthErrorKind::InvalidGrant);
    assert_eq!(f.platform.resolve_access_token(&renewed.access_token).unwrap(), None);

    // ...and once the whole family is dead and past grace, all of it goes.
    f.platform.clock().advance(PURGE_GRACE_SECS);
    f.platform.purge_expired().unwrap();
    let left = f.platform.stored_rows().unwrap();
    assert_eq!((left.codes, left.tokens), (0, 0));
}

#[test]
fn purge_keeps_a_rotated_refresh_token_while_its_family_lives() {
    let f = fixture(true);
    let first = f.exchange(&f.code()).unwrap();
    let rotated = f
        .platform
        .refresh_tokens("awload", Some(&f.secret), &first.refresh_token)
        .wait()
        .unwrap();
    f.platform.clock().advance(PURGE_GRACE_SECS + 1);
    f.platform.purge_expired().unwrap();
    // The rotated-out token is still known, so its reuse still revokes the family.
    let reuse = f
        .platform
        .refresh_tokens("awload", Some(&f.secret), &first.refresh_token)
        .wait()
        .unwrap_err();
    assert!(reuse.description.contains("revoked"), "{reuse}");
    assert_eq!(f.platform.resolve_access_token(&rotated.access_token).unwrap(), None);
}
