// Rewarded and interstitial ads (platform-spec §1.8). An ad object is created
// at once; the host answers `ad.create` with its id or a create error, which
// reaches onError and every later show(). Instances are single-use: the host
// refuses a second show with 11003. The ad's end arrives as the host event
// `ad.close` {ad, isEnded}; grant a reward only when isEnded is true.
//
// Rewarded errors are {error_code, error_msg}; interstitial ones are
// {errMsg, errorCode}. `load()` is not documented by TikTok and exists only
// outside strict mode.

const CLOSE_EVENT = 'ad.close';

export function createAds({ context, rpc, events, guard }) {
  const open = new Map(); // host ad id -> instance waiting for its close
  events.on(CLOSE_EVENT, (payload) => {
    const data = payload && payload.data;
    const instance = data && open.get(data.ad);
    if (!instance) return;
    open.delete(data.ad);
    instance.closed({ isEnded: data.isEnded === true });
  });

  function create(kind, options) {
    const label = kind === 'rewarded' ? 'TTMinis.createRewardedVideoAd' : 'TTMinis.createInterstitialAd';
    const shape =
      kind === 'rewarded'
        ? (e) => ({ error_code: e.error_code, error_msg: e.error_msg })
        : (e) => ({ errMsg: e.error_msg, errorCode: e.error_code });
    const adUnitId = typeof options === 'object' && options !== null ? options.adUnitId : undefined;
    const closeListeners = [];
    const errorListeners = [];
    let id = null;
    let createError = null;

    const fire = (list, what, arg) => {
      for (const fn of list.slice()) guard(`${label} ${what}`, fn, arg);
    };
    const failed = (error) => {
      const shaped = shape(error);
      fire(errorListeners, 'onError', shaped);
      return shaped;
    };
    const created = new Promise((resolve) => {
      rpc.call('ad.create', { kind, adUnitId: adUnitId === undefined ? null : adUnitId }, context.timeoutMs, (outcome) => {
        if (outcome.ok) id = outcome.result.ad;
        else createError = outcome.error;
        resolve();
      });
    }).then(() => {
      if (createError) failed(createError);
    });

    // `ad.show` registers for the close event before it is sent: the close may
    // arrive right behind the reply.
    const call = (method, timeoutMs) =>
      created.then(
        () =>
          new Promise((resolve, reject) => {
            if (createError) {
              reject(shape(createError));
              return;
            }
            const watching = method === 'ad.show' && !open.has(id);
            if (watching) open.set(id, { closed: (res) => fire(closeListeners, 'onClose', res) });
            rpc.call(method, { ad: id }, timeoutMs, (outcome) => {
              if (outcome.ok) {
                resolve();
                return;
              }
              if (watching) open.delete(id);
              reject(failed(outcome.error));
            });
          }),
      );

    const off = (list) => (fn) => {
      if (fn === undefined) list.length = 0;
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
    const on = (list, what) => (fn) => {
      if (typeof fn !== 'function') throw new TypeError(`${label}: ${what} needs a function`);
      list.push(fn);
    };

    const ad = {
      show: () => call('ad.show', context.interactiveTimeoutMs),
      onClose: on(closeListeners, 'onClose'),
      offClose: off(closeListeners),
      onError: on(errorListeners, 'onError'),
      offError: off(errorListeners),
    };
    if (!context.strict) ad.load = () => call('ad.load', context.timeoutMs);
    return ad;
  }

  return { create };
}
