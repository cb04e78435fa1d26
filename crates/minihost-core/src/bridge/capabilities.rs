//! The `canIUse` table: `api.method.param.option` strings this host supports.
//! bridge-js answers `canIUse(schema)` from it: a schema is supported when it equals an
//! entry or is a dot-boundary prefix of one.

pub const HOST_VERSION: &str = "44.2.0";

pub const CAPABILITIES: &[&str] = &[
    "init.object.clientKey",
    "canIUse.return",
    "login.callback.authResponse.code",
    "login.callback.authResponse.grantedScopes",
    "login.object.scope",
    "login.object.returnScopes",
    "login.object.success",
    "login.object.fail",
    "login.object.complete",
    "login.success.code",
    "authorize.callback.authResponse.code",
    "authorize.callback.authResponse.grantedScopes",
    "authorize.object.scope",
    "authorize.object.success",
    "authorize.object.fail",
    "authorize.object.complete",
    "authorize.success.code",
    "authorize.success.grantedScopes",
    "getLoginStatus.callback.status",
    "getDeviceInfo.return.bottomHeight",
    "getDeviceInfo.return.screenWidth",
    "getDeviceInfo.return.screenHeight",
    "getDeviceInfo.return.platform",
    "getDeviceInfo.return.system",
    "getMenuButtonBoundingClientRect.return.width",
    "getMenuButtonBoundingClientRect.return.height",
    "getMenuButtonBoundingClientRect.return.top",
    "getMenuButtonBoundingClientRect.return.right",
    "getMenuButtonBoundingClientRect.return.bottom",
    "getMenuButtonBoundingClientRect.return.left",
    "setNavigationBarColor.object.frontColor",
    "setNavigationBarColor.object.backgroundColor",
    "setNavigationBarColor.callback.is_success",
    "on.return",
    "off.return",
    "onShow.callback.launch_from.anchor",
    "onHide.callback",
    "onLaunch.callback.launch_from.anchor",
    "share.object.title",
    "share.object.desc",
    "share.object.imageUrl",
    "share.object.query",
    "share.callback.is_success",
    "reportEvent.object.eventName",
    "reportEvent.object.params",
    "reportEvent.callback.isSuccess",
    "pay.object.trade_order_id",
    "pay.object.log_extra",
    "pay.callback.is_success",
    "pay.callback.trade_order_id",
    "pay.callback.error",
    "openBalance.object.type.BEANS",
    "openBalance.callback.is_success",
    "createSubscription.object.trade_order_id",
    "createSubscription.callback.is_success",
    "createSubscription.callback.trade_order_id",
    "createSubscription.callback.subscription_id",
    "createRewardedVideoAd.object.adUnitId",
    "createRewardedVideoAd.return.show",
    "createRewardedVideoAd.return.onClose.isEnded",
    "createRewardedVideoAd.return.offClose",
    "createRewardedVideoAd.return.onError",
    "createRewardedVideoAd.return.offError",
    "createInterstitialAd.object.adUnitId",
    "createInterstitialAd.return.show",
    "createInterstitialAd.return.onClose.isEnded",
    "createInterstitialAd.return.offClose",
    "createInterstitialAd.return.onError",
    "createInterstitialAd.return.offError",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples_are_supported() {
        for example in [
            "login.success.code",
            "authorize.object.scope",
            "getMenuButtonBoundingClientRect.return.left",
            "onShow.callback.launch_from.anchor",
        ] {
            assert!(CAPABILITIES.contains(&example), "{example}");
        }
        for e in CAPABILITIES {
            assert!(!e.is_empty() && !e.ends_with('.') && !e.contains(".."), "{e}");
        }
    }
}
