//! Values that cross between host and platform: users, host apps, app registrations, codes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The emulated host app a user is signed in to. open_ids differ per host app, as on ByteDance's
/// platforms, so the same user and app give different open_ids on TikTok, Douyin and Toutiao.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostApp {
    #[default]
    TikTok,
    Douyin,
    Toutiao,
}

impl HostApp {
    pub const ALL: [HostApp; 3] = [HostApp::TikTok, HostApp::Douyin, HostApp::Toutiao];

    pub fn as_str(self) -> &'static str {
        match self {
            HostApp::TikTok => "tiktok",
            HostApp::Douyin => "douyin",
            HostApp::Toutiao => "toutiao",
        }
    }
}

impl fmt::Display for HostApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown host app {0:?}; expected tiktok, douyin or toutiao")]
pub struct UnknownHostApp(pub String);

impl FromStr for HostApp {
    type Err = UnknownHostApp;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HostApp::ALL
            .into_iter()
            .find(|h| h.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownHostApp(s.to_string()))
    }
}

/// A TikTok user of the emulated platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    pub bio: String,
    pub verified: bool,
    pub follower_count: i64,
    pub following_count: i64,
    pub likes_count: i64,
    pub video_count: i64,
    /// TikTok Beans, the currency of in-app purchases.
    pub beans: i64,
}

/// An app to register. Only `client_key` is required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewApp {
    pub client_key: String,
    /// Generated (32 characters) when absent.
    pub client_secret: Option<String>,
    /// Login Kit redirect URIs; the Minis flow needs none.
    pub redirect_uris: Vec<String>,
    /// Defaults to the platform's local developer.
    pub developer: Option<String>,
    pub webhook_url: Option<String>,
    /// Defaults to every scope the emulator knows.
    pub allowed_scopes: Option<Vec<String>>,
}

/// The answer to registering an app the host runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnsuredApp {
    pub client_key: String,
    /// True when this call registered it.
    pub created: bool,
    /// The client secret, told only to the host that registered the app.
    pub client_secret: Option<String>,
}

/// What a new authorization code is bound to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRequest {
    pub client_key: String,
    pub user_id: i64,
    pub scopes: Vec<String>,
    /// Set by Login Kit flows; the exchange must then send the same value. `None` for Minis.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// Hex SHA-256 of the PKCE code_verifier; the exchange must then send the verifier.
    #[serde(default)]
    pub code_challenge: Option<String>,
    #[serde(default)]
    pub host_app: HostApp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_app_round_trips_lowercase() {
        for host in HostApp::ALL {
            assert_eq!(host.to_string().parse::<HostApp>().unwrap(), host);
            assert_eq!(serde_json::to_value(host).unwrap(), serde_json::json!(host.as_str()));
        }
        assert_eq!("Douyin".parse::<HostApp>().unwrap(), HostApp::Douyin);
        assert_eq!(HostApp::default(), HostApp::TikTok);
        let err = "wechat".parse::<HostApp>().unwrap_err();
        assert!(err.to_string().contains("wechat"), "{err}");
    }
}
