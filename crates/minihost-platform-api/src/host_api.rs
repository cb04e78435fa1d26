//! The host API: how a host on another process or device (a phone) reaches the emulator.
//!
//! It lives under [`PREFIX`], clear of TikTok's real paths. A host first pairs
//! ([`PAIR`]) and gets a device token; every other call carries it as
//! `Authorization: Bearer <token>`. A host on the emulator's machine pairs by itself; one on
//! another machine shows the pairing token that `minihost platform serve` printed. The app's
//! client secret is never what a host authenticates with.

use serde::{Deserialize, Serialize};

pub const PREFIX: &str = "/__host/v1";
/// `POST` [`PairRequest`] → [`PairResponse`].
pub const PAIR: &str = "/__host/v1/pair";
/// `GET` → `[User]`.
pub const USERS: &str = "/__host/v1/users";
/// `GET /__host/v1/users/{username}` → [`User`] or 404.
pub const USER: &str = "/__host/v1/users/{username}";
/// `POST` [`NewApp`](crate::NewApp) → [`EnsuredApp`](crate::EnsuredApp).
pub const APPS_ENSURE: &str = "/__host/v1/apps/ensure";
/// `GET ?user_id=&client_key=` → [`Scopes`]; `POST` [`GrantRequest`] → [`Scopes`].
pub const GRANTS: &str = "/__host/v1/grants";
/// `POST` [`CodeRequest`] → [`Code`].
pub const CODES: &str = "/__host/v1/codes";

/// `GET /__host/v1/orders/{trade_order_id}` → [`TradeOrder`](crate::monetization::TradeOrder) or 404.
pub const ORDER: &str = "/__host/v1/orders/{trade_order_id}";
/// `POST` [`PayRequest`](crate::monetization::PayRequest) → [`PaidOrder`](crate::monetization::PaidOrder);
/// 409 with `reason` when declined.
pub const ORDERS_PAY: &str = "/__host/v1/orders/pay";
/// `POST` [`PayRequest`](crate::monetization::PayRequest) → [`Subscribed`](crate::monetization::Subscribed);
/// 409 with `reason` when declined.
pub const ORDERS_SUBSCRIBE: &str = "/__host/v1/orders/subscribe";
/// `POST` [`TopUp`](crate::monetization::TopUp) → [`Balance`](crate::monetization::Balance).
pub const TOP_UP: &str = "/__host/v1/wallet/top_up";
/// `POST` [`AdView`](crate::monetization::AdView) → [`AdAdmission`](crate::monetization::AdAdmission).
pub const ADS_ADMIT: &str = "/__host/v1/ads/admit";
/// `GET`: may an app play an episode now? Query `client_key`, `album_id`, `episode_id`, and
/// optionally `play_token` and `client_version` (`X.Y.Z`); answers `{"playback": …}` or
/// `{"refusal": {"reason", "message"}}`.
pub const DRAMA_PLAYBACK: &str = "/__host/v1/drama/playback";

/// Prefix of device tokens, like TikTok's `act.`/`rft.`.
pub const DEVICE_TOKEN_PREFIX: &str = "dvt.";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRequest {
    /// Shown in the emulator's log and its device list.
    pub device_name: String,
    /// Required from peers that are not on the emulator's machine.
    #[serde(default)]
    pub pairing_token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairResponse {
    pub device_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantQuery {
    pub user_id: i64,
    pub client_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRequest {
    pub user_id: i64,
    pub client_key: String,
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes {
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub code: String,
}

/// Every host API error: the flat shape of the emulator's other errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// `invalid_request`, `not_found`, `unauthorized`, `forbidden` or `internal_error`.
    pub error: String,
    pub error_description: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub log_id: String,
    /// Set on 409 answers: why a payment or subscription was declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<crate::monetization::DeclineReason>,
}

/// The path of one trade order.
pub fn order_path(trade_order_id: &str) -> String {
    segments(&["__host", "v1", "orders", trade_order_id])
}

/// The path of one user.
pub fn user_path(username: &str) -> String {
    segments(&["__host", "v1", "users", username])
}

fn segments(parts: &[&str]) -> String {
    let mut url = url::Url::parse("http://h/").expect("static URL");
    url.path_segments_mut().expect("http URLs have paths").extend(parts);
    url.path().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_paths_escape_the_name() {
        assert_eq!(user_path("alice"), "/__host/v1/users/alice");
        assert_eq!(user_path("a/../b"), "/__host/v1/users/a%2F..%2Fb");
        assert!(user_path("alice").starts_with(PREFIX));
        assert_eq!(order_path("TOID/1"), "/__host/v1/orders/TOID%2F1");
    }
}
