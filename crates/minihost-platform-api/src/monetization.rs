//! In-app purchase as host and platform share it: Beans tiers, subscription tiers, trade
//! orders, what the pay and subscribe sheets ask the platform to do, and ad admission.
//!
//! Facts: platform-spec §1.6–1.8 and §3. Trade orders are created by the app's server
//! (`/v2/minis/trade_order/create/`, `/v2/minis/subscription/create/`); the host only reads
//! them for its sheets and pays or subscribes with the signed-in user's consent.

use serde::{Deserialize, Serialize};

/// A fixed Beans recharge tier (`utility/get_tier_infos/`). TikTok fixes tiers; developers
/// cannot invent them. Prices are the emulator's: one sample tier of the docs prices 100 Beans
/// at about US$1.19, and the rest follow that rate (UNCONFIRMED beyond that one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BeansTier {
    pub tier_id: &'static str,
    pub tier_name: &'static str,
    pub token_amount: i64,
    /// Price in the currency's minor unit (cents).
    pub price_cents: i64,
    pub currency: &'static str,
    pub symbol: &'static str,
}

pub const BEANS_TIERS: &[BeansTier] = &[
    BeansTier {
        tier_id: "beans_70",
        tier_name: "70 Beans",
        token_amount: 70,
        price_cents: 83,
        currency: "USD",
        symbol: "$",
    },
    BeansTier {
        tier_id: "beans_100",
        tier_name: "100 Beans",
        token_amount: 100,
        price_cents: 119,
        currency: "USD",
        symbol: "$",
    },
    BeansTier {
        tier_id: "beans_350",
        tier_name: "350 Beans",
        token_amount: 350,
        price_cents: 417,
        currency: "USD",
        symbol: "$",
    },
    BeansTier {
        tier_id: "beans_700",
        tier_name: "700 Beans",
        token_amount: 700,
        price_cents: 833,
        currency: "USD",
        symbol: "$",
    },
    BeansTier {
        tier_id: "beans_1400",
        tier_name: "1400 Beans",
        token_amount: 1400,
        price_cents: 1666,
        currency: "USD",
        symbol: "$",
    },
    BeansTier {
        tier_id: "beans_3500",
        tier_name: "3500 Beans",
        token_amount: 3500,
        price_cents: 4165,
        currency: "USD",
        symbol: "$",
    },
    BeansTier {
        tier_id: "beans_7000",
        tier_name: "7000 Beans",
        token_amount: 7000,
        price_cents: 8330,
        currency: "USD",
        symbol: "$",
    },
];

pub fn beans_tier(tier_id: &str) -> Option<&'static BeansTier> {
    BEANS_TIERS.iter().find(|t| t.tier_id == tier_id)
}

/// A subscription tier. Only the documented sandbox tiers exist in the emulator; in sandbox a
/// subscription renews every [`SANDBOX_RENEWAL_SECS`], [`SANDBOX_RENEWALS`] times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SubscriptionTier {
    pub tier_id: &'static str,
    pub tier_name: &'static str,
    pub price_cents: i64,
    pub currency: &'static str,
    pub symbol: &'static str,
    /// The billing period a production tier of this kind would have, in months.
    pub period_months: u32,
    pub is_sandbox: bool,
}

pub const SUBSCRIPTION_TIERS: &[SubscriptionTier] = &[
    SubscriptionTier {
        tier_id: "sandbox_499_1M",
        tier_name: "Monthly (sandbox)",
        price_cents: 499,
        currency: "USD",
        symbol: "$",
        period_months: 1,
        is_sandbox: true,
    },
    SubscriptionTier {
        tier_id: "sandbox_1347_3M",
        tier_name: "Quarterly (sandbox)",
        price_cents: 1347,
        currency: "USD",
        symbol: "$",
        period_months: 3,
        is_sandbox: true,
    },
    SubscriptionTier {
        tier_id: "sandbox_699_1M",
        tier_name: "Monthly Plus (sandbox)",
        price_cents: 699,
        currency: "USD",
        symbol: "$",
        period_months: 1,
        is_sandbox: true,
    },
    SubscriptionTier {
        tier_id: "sandbox_1887_3M",
        tier_name: "Quarterly Plus (sandbox)",
        price_cents: 1887,
        currency: "USD",
        symbol: "$",
        period_months: 3,
        is_sandbox: true,
    },
];

/// Seconds between renewals of a sandbox subscription (documented: every 5 minutes).
pub const SANDBOX_RENEWAL_SECS: i64 = 300;
/// How many times a sandbox subscription renews before it expires (documented: 12).
pub const SANDBOX_RENEWALS: u32 = 12;

pub fn subscription_tier(tier_id: &str) -> Option<&'static SubscriptionTier> {
    SUBSCRIPTION_TIERS.iter().find(|t| t.tier_id == tier_id)
}

/// `"$4.99"` for 499 cents.
pub fn format_price(symbol: &str, cents: i64) -> String {
    format!("{symbol}{}.{:02}", cents / 100, cents % 100)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// A one-time purchase paid in Beans (`TTMinis.pay`).
    Beans,
    /// The first or a reactivating order of a subscription (`TTMinis.createSubscription`).
    Subscription,
}

/// The states the docs show: `PENDING`, `SUCCESS`, and `REFUNDED` after a refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Success,
    Refunded,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Success => "SUCCESS",
            OrderStatus::Refunded => "REFUNDED",
        }
    }
}

/// A trade order as the host's sheets show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeOrder {
    /// `TOID…`, what `TTMinis.pay` and `createSubscription` are given.
    pub trade_order_id: String,
    pub client_key: String,
    /// The platform user whose access token created it; only they can pay it.
    pub user_id: i64,
    pub kind: OrderKind,
    pub status: OrderStatus,
    /// The developer's own order id (`order_info.order_id`).
    pub order_id: String,
    pub product_name: String,
    #[serde(default)]
    pub image_url: Option<String>,
    /// Beans price; 0 for subscription orders.
    pub token_amount: i64,
    /// Subscription orders: the tier.
    #[serde(default)]
    pub tier_id: Option<String>,
    /// Reactivation orders: the subscription they reactivate.
    #[serde(default)]
    pub subscription_id: Option<String>,
    /// Platform-clock Unix seconds.
    pub created_at: i64,
}

impl TradeOrder {
    /// Whether `user_id` in app `client_key` may pay this order with `kind`'s method now: the
    /// order is the app's and the user's, of that kind, and still `PENDING`; checked in that
    /// order. The one check behind the host's pay sheets and the platform's pay and subscribe.
    pub fn check_payable(&self, client_key: &str, user_id: i64, kind: OrderKind) -> Result<(), NotPayable> {
        if self.client_key != client_key {
            return Err(NotPayable::OtherApp {
                order_app: self.client_key.clone(),
                app: client_key.to_string(),
            });
        }
        if self.user_id != user_id {
            return Err(NotPayable::OtherUser);
        }
        if self.kind != kind {
            return Err(NotPayable::WrongKind(self.kind));
        }
        if self.status != OrderStatus::Pending {
            return Err(NotPayable::NotPending(self.status));
        }
        Ok(())
    }
}

/// Why a trade order cannot be paid as asked. `Display` completes "trade order TOID… ".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotPayable {
    #[error("belongs to app {order_app}, not {app}")]
    OtherApp { order_app: String, app: String },
    #[error("was created for another user")]
    OtherUser,
    /// The order is of this kind, not the one its method pays.
    #[error("{}", match .0 {
        OrderKind::Subscription => "is a subscription order; start it with createSubscription",
        OrderKind::Beans => "is a Beans order; pay it with pay",
    })]
    WrongKind(OrderKind),
    #[error("is {}; each trade order is paid once, create a new one", .0.as_str())]
    NotPending(OrderStatus),
}

impl NotPayable {
    /// The decline the platform answers with.
    pub fn reason(&self) -> DeclineReason {
        match self {
            NotPayable::OtherApp { .. } | NotPayable::OtherUser => DeclineReason::NotYours,
            NotPayable::WrongKind(_) => DeclineReason::WrongKind,
            NotPayable::NotPending(_) => DeclineReason::AlreadyPaid,
        }
    }

    /// The refusal as a host tells its signed-in user `username`: the `Display` text, naming
    /// them where the order is another user's ("was created for another user, not @alice").
    pub fn naming(&self, username: &str) -> String {
        match self {
            NotPayable::OtherUser => format!("{self}, not @{username}"),
            _ => self.to_string(),
        }
    }
}

/// Pay (or subscribe with) trade order `trade_order_id` as `user_id` of app `client_key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRequest {
    pub trade_order_id: String,
    pub user_id: i64,
    pub client_key: String,
}

/// A paid Beans order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidOrder {
    pub trade_order_id: String,
    /// The user's Beans after the debit.
    pub balance: i64,
}

/// A subscription started or reactivated by paying its trade order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribed {
    pub trade_order_id: String,
    pub subscription_id: String,
}

/// Adds Beans to a user's wallet (the wallet's top-up, `openBalance`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopUp {
    pub user_id: i64,
    pub beans: i64,
}

/// A user's Beans after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub user_id: i64,
    pub beans: i64,
}

/// Why the platform refused to pay or subscribe. The order is left as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// The user has fewer Beans than the order costs.
    InsufficientBeans,
    /// The order is no longer `PENDING` (each trade order is paid at most once).
    AlreadyPaid,
    /// The order belongs to another user or app.
    NotYours,
    /// A Beans order given to `createSubscription`, or a subscription order to `pay`.
    WrongKind,
    /// The user already has an active subscription of this tier.
    AlreadySubscribed,
}

/// An ad about to be shown: the platform records it if frequency and cap allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdView {
    pub client_key: String,
    pub ad_unit_id: String,
    /// Counted per signed-in user, or per device when nobody is signed in (`None`).
    #[serde(default)]
    pub user_id: Option<i64>,
    /// Seconds that must pass after this unit's previous admitted view (0: none).
    #[serde(default)]
    pub min_interval_secs: u64,
    /// Most views of this unit per platform-clock day (UTC); `None`: no cap.
    #[serde(default)]
    pub daily_cap: Option<u32>,
}

/// Whether an ad may be shown now. `Admitted` has been recorded as a view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "admission", rename_all = "snake_case")]
pub enum AdAdmission {
    Admitted,
    /// Shown too soon after the previous one (11004).
    TooSoon {
        retry_after_secs: u64,
    },
    /// The day's cap is reached (11005).
    CapReached {
        cap: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_are_unique_and_priced() {
        for (i, t) in BEANS_TIERS.iter().enumerate() {
            assert!(t.token_amount > 0 && t.price_cents > 0, "{t:?}");
            assert!(BEANS_TIERS[..i].iter().all(|o| o.tier_id != t.tier_id), "{}", t.tier_id);
        }
        assert_eq!(beans_tier("beans_100").unwrap().price_cents, 119, "the documented sample tier");
        for id in ["sandbox_499_1M", "sandbox_1347_3M", "sandbox_699_1M", "sandbox_1887_3M"] {
            assert!(subscription_tier(id).is_some_and(|t| t.is_sandbox), "{id}");
        }
        assert_eq!(format_price("$", 499), "$4.99");
        assert_eq!(format_price("$", 5), "$0.05");
    }

    fn order(kind: OrderKind, status: OrderStatus) -> TradeOrder {
        TradeOrder {
            trade_order_id: "TOID1".into(),
            client_key: "app".into(),
            user_id: 7,
            kind,
            status,
            order_id: "o1".into(),
            product_name: "Episode 2".into(),
            image_url: None,
            token_amount: 100,
            tier_id: None,
            subscription_id: None,
            created_at: 0,
        }
    }

    #[test]
    fn a_pending_order_is_payable_by_its_user_in_its_app_with_its_method() {
        let beans = order(OrderKind::Beans, OrderStatus::Pending);
        assert_eq!(beans.check_payable("app", 7, OrderKind::Beans), Ok(()));
        let sub = order(OrderKind::Subscription, OrderStatus::Pending);
        assert_eq!(sub.check_payable("app", 7, OrderKind::Subscription), Ok(()));
    }

    #[test]
    fn refusals_are_checked_app_user_kind_status_in_that_order() {
        let paid_sub = order(OrderKind::Subscription, OrderStatus::Success);
        let refused = |client_key, user_id, kind| paid_sub.check_payable(client_key, user_id, kind).unwrap_err();
        assert_eq!(
            refused("other", 8, OrderKind::Beans),
            NotPayable::OtherApp {
                order_app: "app".into(),
                app: "other".into()
            }
        );
        assert_eq!(refused("app", 8, OrderKind::Beans), NotPayable::OtherUser);
        assert_eq!(refused("app", 7, OrderKind::Beans), NotPayable::WrongKind(OrderKind::Subscription));
        assert_eq!(
            refused("app", 7, OrderKind::Subscription),
            NotPayable::NotPending(OrderStatus::Success)
        );
    }

    #[test]
    fn refusals_say_why_and_what_to_do() {
        use {DeclineReason as R, NotPayable as N, OrderKind as K, OrderStatus as S};
        let other_app = N::OtherApp {
            order_app: "app".into(),
            app: "other".into(),
        };
        let cases = [
            (other_app, "belongs to app app, not other", R::NotYours),
            (N::OtherUser, "was created for another user", R::NotYours),
            (
                N::WrongKind(K::Subscription),
                "is a subscription order; start it with createSubscription",
                R::WrongKind,
            ),
            (N::WrongKind(K::Beans), "is a Beans order; pay it with pay", R::WrongKind),
            (
                N::NotPending(S::Refunded),
                "is REFUNDED; each trade order is paid once, create a new one",
                R::AlreadyPaid,
            ),
        ];
        for (refusal, text, reason) in cases {
            assert_eq!((refusal.to_string().as_str(), refusal.reason()), (text, reason));
        }
        // A host names its signed-in user where the order is another user's.
        assert_eq!(NotPayable::OtherUser.naming("alice"), "was created for another user, not @alice");
        let paid = NotPayable::NotPending(OrderStatus::Success);
        assert_eq!(paid.naming("alice"), paid.to_string());
    }

    #[test]
    fn wire_spellings() {
        assert_eq!(serde_json::to_value(OrderStatus::Success).unwrap(), "SUCCESS");
        assert_eq!(
            serde_json::to_value(DeclineReason::InsufficientBeans).unwrap(),
            "insufficient_beans"
        );
        let a: AdAdmission = serde_json::from_str(r#"{"admission":"too_soon","retry_after_secs":3}"#).unwrap();
        assert_eq!(a, AdAdmission::TooSoon { retry_after_secs: 3 });
    }
}
