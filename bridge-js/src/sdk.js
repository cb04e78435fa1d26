// The `TTMinis` object. Before `init` only `init`, `canIUse` and the `game`
// namespace's `init` exist, so calling any other method throws a TypeError, as
// the real SDK does (platform-spec §1.1).

import { METHODS, parseCall, objectFailure } from './methods.js';
import { createCanIUse } from './capabilities.js';
import { createAds } from './ads.js';

// Event-style capability roots (`onShow.callback.launch_from.anchor`) that map
// onto `on`/`off` and `game.onShow`.
const EVENT_CAPABILITY_APIS = ['onShow', 'onHide', 'offShow', 'offHide'];
const SYNC_APIS = [
  'init',
  'canIUse',
  'getDeviceInfo',
  'getMenuButtonBoundingClientRect',
  'on',
  'off',
  'game',
  'createRewardedVideoAd',
  'createInterstitialAd',
];

export function createSdk({ context, rpc, events, guard }) {
  const implemented = new Set([...Object.keys(METHODS), ...SYNC_APIS, ...EVENT_CAPABILITY_APIS]);
  const canIUse = createCanIUse(context.capabilities, implemented);
  let initialized = false;

  // One function per method with its labels built once: a call walks no iterator (as
  // Array.from and array destructuring do) and builds no strings, which counts most before the
  // engine's JIT has warmed up, where a real app makes nearly all of its calls.
  function method(name) {
    const spec = METHODS[name];
    const label = `TTMinis.${name}`;
    const labels = {
      callback: `${label} callback`,
      success: `${label} success`,
      fail: `${label} fail`,
      complete: `${label} complete`,
    };
    return function (first, second) {
      const { opts, callback, hooks } = parseCall(spec.signature, first, second);
      const timeoutMs = spec.interactive ? context.interactiveTimeoutMs : context.timeoutMs;
      rpc.call(name, spec.params(opts), timeoutMs, (outcome) => {
        if (callback) {
          guard(
            labels.callback,
            callback,
            outcome.ok ? spec.positional(outcome.result, opts) : spec.positionalError(outcome.error, opts),
          );
        }
        if (hooks) {
          if (outcome.ok) guard(labels.success, hooks.success, spec.object(outcome.result, opts));
          else guard(labels.fail, hooks.fail, objectFailure(outcome.error));
          guard(labels.complete, hooks.complete);
        }
      });
    };
  }

  function init(options) {
    const clientKey = typeof options === 'object' && options !== null ? options.clientKey : undefined;
    rpc.notify('init', { clientKey: clientKey === undefined ? null : clientKey });
    if (!initialized) {
      initialized = true;
      Object.assign(sdk, api);
      Object.assign(sdk.game, gameApi);
    }
    return undefined;
  }

  const ads = createAds({ context, rpc, events, guard });
  const api = {
    createRewardedVideoAd: (options) => ads.create('rewarded', options),
    createInterstitialAd: (options) => ads.create('interstitial', options),
    getDeviceInfo() {
      const device = Object.assign({}, context.device);
      return context.strict ? { bottomHeight: device.bottomHeight } : device;
    },
    getMenuButtonBoundingClientRect() {
      return Object.assign({}, context.menuButton);
    },
    on: events.on,
    off: events.off,
  };
  for (const name of Object.keys(METHODS)) api[name] = method(name);

  // Game listeners get the event data itself (mini-game convention) and are
  // removed by function reference; `offShow()` with no argument removes all.
  const gameListeners = { 'minis.show': new Map(), 'minis.hide': new Map() };
  function gameOn(eventName, fn) {
    if (typeof fn !== 'function') throw new TypeError('TTMinis.game: callback must be a function');
    const id = events.on(eventName, (payload) => fn(payload.data));
    const ids = gameListeners[eventName].get(fn) || [];
    ids.push(id);
    gameListeners[eventName].set(fn, ids);
  }
  function gameOff(eventName, fn) {
    const registry = gameListeners[eventName];
    const targets = fn === undefined ? Array.from(registry.keys()) : [fn];
    for (const target of targets) {
      for (const id of registry.get(target) || []) events.off(eventName, id);
      registry.delete(target);
    }
  }
  const [gameLogin, gamePay] = [method('login'), method('pay')];
  const gameApi = {
    login(options) {
      gameLogin(typeof options === 'object' && options !== null ? options : {});
    },
    // Object style only: {trade_order_id, success, fail, complete}.
    pay(options) {
      gamePay(typeof options === 'object' && options !== null ? options : {});
    },
    onShow: (fn) => gameOn('minis.show', fn),
    offShow: (fn) => gameOff('minis.show', fn),
    onHide: (fn) => gameOn('minis.hide', fn),
    offHide: (fn) => gameOff('minis.hide', fn),
  };

  const sdk = {
    init,
    canIUse,
    game: { init },
  };
  return sdk;
}
