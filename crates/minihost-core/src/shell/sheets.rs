//! Host sheets: login picker, consent, payment, subscription, the Beans wallet and ads. The
//! bridge asks for one; a shell draws it in a surface the app cannot reach and reports the
//! answer. Closing a sheet counts as deny (for an ad: closed before the end).

use serde::{Deserialize, Serialize};

/// How sheets are answered: by a person (`Ask`) or automatically, for scripted runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentMode {
    #[default]
    Ask,
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeInfo {
    pub scope: String,
    pub description: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserChoice {
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
}

/// What a pay or subscribe sheet sells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    pub trade_order_id: String,
    pub product_name: String,
    pub image_url: Option<String>,
    /// Beans price (0 for subscriptions).
    pub beans: i64,
}

/// A Beans recharge tier the wallet offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierChoice {
    pub tier_id: String,
    pub beans: i64,
    /// `$1.19`.
    pub price: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdKind {
    Rewarded,
    Interstitial,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sheet {
    /// Pick a test user to sign in to the host.
    Login { app_name: String, users: Vec<UserChoice> },
    /// Grant scopes not yet granted to this app.
    Consent {
        app_name: String,
        user: UserChoice,
        scopes: Vec<ScopeInfo>,
    },
    /// Confirm a Beans purchase. With too few Beans, `top_up` is the smallest tier that covers
    /// the difference, and the primary action buys it instead.
    Pay {
        app_name: String,
        user: UserChoice,
        order: OrderLine,
        balance: i64,
        top_up: Option<TierChoice>,
    },
    /// Confirm a subscription.
    Subscribe {
        app_name: String,
        user: UserChoice,
        order: OrderLine,
        tier_name: String,
        /// `$4.99 / month`.
        price: String,
        sandbox: bool,
    },
    /// The Beans wallet: the balance and the tiers to top up with.
    Wallet {
        user: UserChoice,
        balance: i64,
        tiers: Vec<TierChoice>,
    },
    /// A full-screen ad: the host's creative, a countdown and a close button. It is watched
    /// to the end when the countdown of `duration_secs` ran out before it was closed.
    Ad {
        ad_kind: AdKind,
        ad_unit_id: String,
        duration_secs: u32,
        /// The simulated load before it plays.
        load_delay_ms: u32,
    },
}

impl Sheet {
    pub fn kind(&self) -> &'static str {
        match self {
            Sheet::Login { .. } => "login",
            Sheet::Consent { .. } => "consent",
            Sheet::Pay { .. } => "pay",
            Sheet::Subscribe { .. } => "subscribe",
            Sheet::Wallet { .. } => "wallet",
            Sheet::Ad { .. } => "ad",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum SheetAnswer {
    SignIn {
        username: String,
    },
    /// Allow, pay, subscribe: the sheet's primary action.
    Allow,
    Deny,
    /// The sheet was closed without a choice.
    Dismiss,
    /// Buy Beans tier `tier_id` (wallet, or a pay sheet short of Beans).
    TopUp {
        tier_id: String,
    },
    /// The ad's countdown ran out while it was on screen.
    AdEnded,
}
