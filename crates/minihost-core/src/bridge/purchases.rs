//! `pay`, `createSubscription` and `openBalance`: the trade order is read from the platform,
//! shown on a sheet, and paid only when the signed-in user confirms. The client's result is
//! not proof of payment; the app's server confirms through `trade_order/query` or a webhook.

use super::{choice, Bridge, BridgeError, Effect, ErrorCode, Flow, FlowCall, Session, Step};
use crate::platform::monetization::{
    beans_tier, format_price, subscription_tier, OrderKind, PayRequest, TopUp, TradeOrder, BEANS_TIERS, SANDBOX_RENEWAL_SECS,
};
use crate::platform::User;
use crate::shell::sheets::{ConsentMode, OrderLine, Sheet, SheetAnswer, TierChoice};
use serde::Deserialize;
use serde_json::json;

/// `createSubscription` documents its own codes (strings in its callback): every error of
/// the flow is said in them.
pub(super) fn subscription_error(e: BridgeError) -> BridgeError {
    let code = match e.error_code {
        ErrorCode::InvalidParams | ErrorCode::SubscriptionParamEmpty => ErrorCode::SubscriptionParamEmpty,
        ErrorCode::UserDenied | ErrorCode::SubscriptionCancelled => ErrorCode::SubscriptionCancelled,
        ErrorCode::Internal | ErrorCode::PlatformUnavailable => ErrorCode::SubscriptionInternal,
        _ => ErrorCode::SubscriptionUserError,
    };
    BridgeError::new(code, e.error_msg)
}

fn tier_choice(t: &crate::platform::monetization::BeansTier) -> TierChoice {
    TierChoice {
        tier_id: t.tier_id.to_string(),
        beans: t.token_amount,
        price: format_price(t.symbol, t.price_cents),
    }
}

/// The smallest tier that covers `shortfall` Beans (the largest when none does).
fn covering(shortfall: i64) -> TierChoice {
    let tier = BEANS_TIERS
        .iter()
        .find(|t| t.token_amount >= shortfall)
        .unwrap_or(&BEANS_TIERS[BEANS_TIERS.len() - 1]);
    tier_choice(tier)
}

fn line(order: &TradeOrder) -> OrderLine {
    OrderLine {
        trade_order_id: order.trade_order_id.clone(),
        product_name: order.product_name.clone(),
        image_url: order.image_url.clone(),
        beans: order.token_amount,
    }
}

impl Bridge {
    /// `pay`, `createSubscription`, `openBalance`: checks the params and starts the flow.
    pub(super) fn start_purchase(&self, env: &super::Envelope) -> Result<Vec<Effect>, BridgeError> {
        #[derive(Deserialize)]
        struct P {
            trade_order_id: Option<serde_json::Value>,
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let subscription = env.method == "createSubscription";
        let p: P = env.params().map_err(|e| if subscription { subscription_error(e) } else { e })?;
        let call = Self::call_id(env)?;
        let order_id = || -> Result<String, BridgeError> {
            match &p.trade_order_id {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Some(serde_json::Value::String(_)) | None => Err(BridgeError::new(
                    if subscription {
                        ErrorCode::SubscriptionParamEmpty
                    } else {
                        ErrorCode::InvalidParams
                    },
                    "trade_order_id is required: the TOID… your server got from trade_order/create",
                )),
                Some(_) => Err(BridgeError::new(
                    if subscription {
                        ErrorCode::SubscriptionParamEmpty
                    } else {
                        ErrorCode::InvalidParams
                    },
                    "trade_order_id must be a string",
                )),
            }
        };
        let flow = match env.method.as_str() {
            "pay" => Flow::Pay {
                trade_order_id: order_id()?,
            },
            "createSubscription" => Flow::Subscribe {
                trade_order_id: order_id()?,
            },
            _ => {
                if let Some(kind) = p.kind.as_deref().filter(|k| *k != "BEANS") {
                    return Err(BridgeError::new(
                        ErrorCode::InvalidParams,
                        format!("type: {kind:?} is not a wallet; the only one is \"BEANS\""),
                    ));
                }
                Flow::Wallet
            }
        };
        let page = self.state().page;
        Ok(self.start(FlowCall {
            call,
            flow,
            scopes: Vec::new(),
            page,
        }))
    }

    /// The order, if `user` may pay it with `kind`'s method now.
    fn payable(&self, s: &Session, user: &User, trade_order_id: &str, kind: OrderKind) -> Result<TradeOrder, BridgeError> {
        let order = self
            .platform
            .trade_order(trade_order_id)?
            .ok_or_else(|| BridgeError::new(ErrorCode::OrderNotFound, format!("no trade order {trade_order_id} on the platform")))?;
        // The platform checks the same when it pays; asking first spares the user a sheet.
        order.check_payable(&s.client_key, user.id, kind).map_err(|why| {
            BridgeError::new(
                ErrorCode::OrderNotPayable,
                format!("trade order {trade_order_id} {}", why.naming(&user.username)),
            )
        })?;
        Ok(order)
    }

    fn balance(&self, user: &User) -> Result<i64, BridgeError> {
        Ok(self.platform.user_by_username(&user.username)?.map_or(0, |u| u.beans))
    }

    pub(super) fn pay_step(&self, s: &Session, p: &FlowCall, trade_order_id: &str) -> Result<Step, BridgeError> {
        let user = s.user.clone().expect("signed in by step");
        let order = self.payable(s, &user, trade_order_id, OrderKind::Beans)?;
        match self.opts.consent {
            ConsentMode::Ask => {
                let balance = self.balance(&user)?;
                Ok(Step::Show(Sheet::Pay {
                    app_name: self.opts.app_name.clone(),
                    user: choice(&user),
                    top_up: (balance < order.token_amount).then(|| covering(order.token_amount - balance)),
                    order: line(&order),
                    balance,
                }))
            }
            ConsentMode::Allow => Ok(Step::Done(vec![self.pay_now(s, p, &user)])),
            ConsentMode::Deny => Err(BridgeError::new(ErrorCode::UserDenied, "payment cancelled (--consent deny)")),
        }
    }

    pub(super) fn subscribe_step(&self, s: &Session, p: &FlowCall, trade_order_id: &str) -> Result<Step, BridgeError> {
        let user = s.user.clone().expect("signed in by step");
        let order = self.payable(s, &user, trade_order_id, OrderKind::Subscription)?;
        let tier = order.tier_id.as_deref().and_then(subscription_tier);
        match self.opts.consent {
            ConsentMode::Ask => Ok(Step::Show(Sheet::Subscribe {
                app_name: self.opts.app_name.clone(),
                user: choice(&user),
                tier_name: tier.map_or_else(|| order.tier_id.clone().unwrap_or_default(), |t| t.tier_name.to_string()),
                price: tier.map_or_else(String::new, |t| {
                    let period = if t.is_sandbox {
                        format!("{} min (sandbox)", SANDBOX_RENEWAL_SECS / 60)
                    } else {
                        format!("{} month(s)", t.period_months)
                    };
                    format!("{} / {period}", format_price(t.symbol, t.price_cents))
                }),
                sandbox: tier.is_none_or(|t| t.is_sandbox),
                order: line(&order),
            })),
            ConsentMode::Allow => Ok(Step::Done(vec![self.subscribe_now(s, p, &user)])),
            ConsentMode::Deny => Err(BridgeError::new(ErrorCode::UserDenied, "subscription cancelled (--consent deny)")),
        }
    }

    pub(super) fn wallet_step(&self, s: &Session, p: &FlowCall) -> Result<Step, BridgeError> {
        let user = s.user.clone().expect("signed in by step");
        match self.opts.consent {
            ConsentMode::Ask => Ok(Step::Show(Sheet::Wallet {
                user: choice(&user),
                balance: self.balance(&user)?,
                tiers: BEANS_TIERS.iter().map(tier_choice).collect(),
            })),
            _ => Ok(Step::Done(vec![Effect::reply(
                Some(p.call.clone()),
                Ok(json!({ "is_success": true })),
            )])),
        }
    }

    fn order_request(s: &Session, p: &FlowCall, user: &User) -> PayRequest {
        let trade_order_id = match &p.flow {
            Flow::Pay { trade_order_id } | Flow::Subscribe { trade_order_id } => trade_order_id.clone(),
            _ => String::new(),
        };
        PayRequest {
            trade_order_id,
            user_id: user.id,
            client_key: s.client_key.clone(),
        }
    }

    /// Pays the flow's order; the platform debits, marks it paid and queues its webhook in one
    /// transaction.
    fn pay_now(&self, s: &Session, p: &FlowCall, user: &User) -> Effect {
        let req = Self::order_request(s, p, user);
        match self.platform.pay_order(&req) {
            Ok(paid) => {
                tracing::info!(target: "minihost::bridge", trade_order_id = paid.trade_order_id, balance = paid.balance, user = user.username, "trade order paid");
                Effect::reply(
                    Some(p.call.clone()),
                    Ok(json!({ "is_success": true, "trade_order_id": paid.trade_order_id })),
                )
            }
            Err(e) => self.fail(p, e.into()),
        }
    }

    fn subscribe_now(&self, s: &Session, p: &FlowCall, user: &User) -> Effect {
        let req = Self::order_request(s, p, user);
        match self.platform.subscribe(&req) {
            Ok(sub) => {
                tracing::info!(target: "minihost::bridge", trade_order_id = sub.trade_order_id, subscription_id = sub.subscription_id, user = user.username, "subscription started");
                Effect::reply(
                    Some(p.call.clone()),
                    Ok(json!({ "is_success": true, "trade_order_id": sub.trade_order_id, "subscription_id": sub.subscription_id })),
                )
            }
            Err(e) => self.fail(p, e.into()),
        }
    }

    /// Buys tier `tier_id` for the signed-in user; the flow's sheet is then shown again with
    /// the new balance.
    fn top_up(&self, s: &Session, p: FlowCall, tier_id: &str) -> Answered {
        let Some(tier) = beans_tier(tier_id) else {
            return Answered::failed(
                self,
                &p,
                BridgeError::new(ErrorCode::InvalidParams, format!("no Beans tier {tier_id:?}")),
            );
        };
        let Some(user) = &s.user else {
            return Answered::failed(self, &p, BridgeError::new(ErrorCode::NotLoggedIn, "no user is signed in"));
        };
        match self.platform.top_up(&TopUp {
            user_id: user.id,
            beans: tier.token_amount,
        }) {
            Ok(balance) => {
                tracing::info!(target: "minihost::bridge", user = user.username, beans = tier.token_amount, balance = balance.beans, "wallet topped up");
                Answered::Again(p)
            }
            Err(e) => Answered::failed(self, &p, e.into()),
        }
    }

    /// A pay, subscribe or wallet sheet was answered.
    pub(super) fn answer_purchase(&self, s: &Session, p: FlowCall, shown: &Sheet, answer: SheetAnswer) -> Answered {
        let Some(user) = s.user.clone() else {
            return Answered::failed(self, &p, BridgeError::new(ErrorCode::NotLoggedIn, "no user is signed in"));
        };
        Answered::Done(match (shown, answer) {
            (Sheet::Pay { .. } | Sheet::Wallet { .. }, SheetAnswer::TopUp { tier_id }) => return self.top_up(s, p, &tier_id),
            (Sheet::Pay { .. }, SheetAnswer::Allow) => vec![self.pay_now(s, &p, &user)],
            (Sheet::Pay { balance, order, .. }, _) if *balance < order.beans => vec![self.fail(
                &p,
                BridgeError::new(
                    ErrorCode::InsufficientBeans,
                    format!(
                        "@{} has {balance} Beans, the order costs {}, and did not top up",
                        user.username, order.beans
                    ),
                ),
            )],
            (Sheet::Pay { .. }, _) => vec![self.fail(&p, BridgeError::new(ErrorCode::UserDenied, "payment cancelled by the user"))],
            (Sheet::Subscribe { .. }, SheetAnswer::Allow) => vec![self.subscribe_now(s, &p, &user)],
            (Sheet::Subscribe { .. }, _) => {
                vec![self.fail(&p, BridgeError::new(ErrorCode::UserDenied, "subscription cancelled by the user"))]
            }
            // The wallet is closed however it is left: opening it succeeded.
            _ => vec![Effect::reply(Some(p.call.clone()), Ok(json!({ "is_success": true })))],
        })
    }
}

/// What answering a purchase sheet leads to.
pub(super) enum Answered {
    /// The flow is over with these effects.
    Done(Vec<Effect>),
    /// The flow's sheet again (after a top-up).
    Again(FlowCall),
}

impl Answered {
    fn failed(bridge: &Bridge, p: &FlowCall, e: BridgeError) -> Answered {
        Answered::Done(vec![bridge.fail(p, e)])
    }
}
