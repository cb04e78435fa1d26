// Compiled by `npm run typecheck` (tsc --noEmit): every documented call form
// must type-check, and each `@ts-expect-error` line must stay an error.

TTMinis.init({ clientKey: 'sample-drama' });
const usable: boolean = TTMinis.canIUse('login.success.code');

// login: oldest positional, newest positional, object style
TTMinis.login(
  (res) => {
    const code: string | undefined = res.authResponse?.code;
    const scopes: string | undefined = res.authResponse?.grantedScopes;
    const failure: number | undefined = res.error?.error_code;
    console.log(code, scopes, failure);
  },
  { scope: 'user.info.basic', returnScopes: true },
);
TTMinis.login((res) => console.log(res.authResponse === null ? res.error?.error_msg : res.authResponse.code));
TTMinis.login({
  success: (result) => console.log(result.code),
  fail: (err) => console.log(err.error.error_code, err.error.error_msg, err.error.error_extra),
  complete: () => console.log('done'),
});
TTMinis.login();

// authorize: both styles
TTMinis.authorize((res) => console.log(res.authResponse?.grantedScopes), { scope: 'user.info.basic' });
TTMinis.authorize({
  scope: 'user.info.basic',
  success: (result) => {
    const granted: string = result.grantedScopes;
    console.log(granted);
  },
  fail: () => TTMinis.login({ success: (r) => console.log(r.code) }),
});

// getLoginStatus
TTMinis.getLoginStatus((res) => {
  const status: 'connected' | 'not_authorized' | 'unknown' = res.status;
  console.log(status);
}, { clientKey: '', scope: '' });
TTMinis.getLoginStatus({ success: (res) => console.log(res.status) });

// navigation bar, share, analytics
TTMinis.setNavigationBarColor({ frontColor: '#ffffff', backgroundColor: '#101010' }, (res) => console.log(res.is_success));
TTMinis.share((res) => console.log(res.is_success, res.error), { title: 'Episode 2', query: 'ep=2' });
TTMinis.reportEvent({ eventName: 'play', params: { ep: 2 }, callback: (res) => console.log(res.isSuccess) });

// synchronous answers
const bottom: number = TTMinis.getDeviceInfo().bottomHeight;
const rect = TTMinis.getMenuButtonBoundingClientRect();
console.log(usable, bottom, rect.left + rect.width);

// events
const id: string = TTMinis.on('minis.show', ({ data, error }) => console.log(data?.launch_from, error?.error_msg));
const removed: boolean = TTMinis.off('minis.show', id);
console.log(removed, window.TTMinis === TTMinis);

// games
TTMinis.game.init({ clientKey: 'k' });
TTMinis.game.login({ success: (r) => console.log(r.code) });
const onShow = (data: TTMinis.LifecycleData | null) => console.log(data);
TTMinis.game.onShow(onShow);
TTMinis.game.offShow(onShow);
TTMinis.game.offHide();

// payments and ads
TTMinis.pay((res) => console.log(res.is_success, res.trade_order_id, res.error?.error_code), { trade_order_id: 't1' });
TTMinis.game.pay({ trade_order_id: 't1', success: (r) => console.log(r.trade_order_id) });
TTMinis.openBalance((res) => console.log(res.is_success), { type: 'BEANS' });
TTMinis.createSubscription((res) => console.log(res.subscription_id, res.error?.error_code.length), { trade_order_id: 't3' });
const rewarded = TTMinis.createRewardedVideoAd({ adUnitId: 'u1' });
rewarded.onClose((res) => console.log(res.isEnded));
rewarded.onError((err) => console.log(err.error_code));
rewarded.show().catch((err: TTMinis.RewardedAdError) => console.log(err.error_msg));
TTMinis.createInterstitialAd({ adUnitId: 'u2' }).onError((err) => console.log(err.errorCode, err.errMsg));

// ---- must not compile ----
// @ts-expect-error frontColor accepts only '#ffffff' or '#000000'
TTMinis.setNavigationBarColor({ frontColor: 'red', backgroundColor: '#000000' });
// @ts-expect-error the object style's success gets {code}, not an authResponse
TTMinis.login({ success: (r) => console.log(r.authResponse) });
// @ts-expect-error login takes a callback or an options object
TTMinis.login(42);
// @ts-expect-error init needs a clientKey
TTMinis.init({});
// @ts-expect-error pay needs a trade_order_id
TTMinis.pay((res) => console.log(res), {});
// @ts-expect-error interstitial errors are {errMsg, errorCode}
TTMinis.createInterstitialAd({ adUnitId: 'u' }).onError((err) => console.log(err.error_code));
// @ts-expect-error off needs the callbackId string returned by on
TTMinis.off('minis.show', () => {});
// @ts-expect-error canIUse returns a boolean
const notString: string = TTMinis.canIUse('login');

const bridgeCode: TTMinis.BridgeErrorCode = 50000;
console.log(bridgeCode, notString);
