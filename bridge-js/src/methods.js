// The asynchronous TTMinis methods, as data: what each sends to the host and
// how the host's canonical result becomes the shape each documented call style
// promises. Validation of values lives in the host; this table only forwards.
//
// Call styles (platform-spec §1.2):
//   positional   api(cb, opts)        -> cb(result | {..., error})
//   options-first api(opts, cb)       -> same, for setNavigationBarColor
//   object       api({...opts, success, fail, complete})
//                                     -> success(res) | fail({error}), then complete()
//   callback key api({...opts, callback}) -> callback(result | {..., error}), for reportEvent

const isObject = (v) => typeof v === 'object' && v !== null;

function pick(source, keys) {
  const out = {};
  if (!isObject(source)) return out;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out;
}

function positionalError(error) {
  const out = { error_code: error.error_code, error_msg: error.error_msg };
  if (error.error_extra) out.error_extra = error.error_extra;
  return out;
}

const scopesOf = (result) => (typeof result.grantedScopes === 'string' ? result.grantedScopes : '');

const authResult = (withScopes) => (result) =>
  withScopes ? { code: result.code, grantedScopes: scopesOf(result) } : { code: result.code };

const isSuccessShape = (key) => ({
  positional: () => ({ [key]: true }),
  positionalError: (error) => ({ [key]: false, error: positionalError(error) }),
  object: () => ({ [key]: true }),
});

/**
 * name -> {
 *   signature: 'callback-first' | 'options-first' | 'callback-key',
 *   interactive: uses context.interactiveTimeoutMs (may show a host sheet),
 *   params(opts): canonical host input,
 *   positional(result, opts), positionalError(error, opts), object(result, opts)
 * }
 */
export const METHODS = {
  login: {
    signature: 'callback-first',
    interactive: true,
    params: (opts) => pick(opts, ['scope', 'returnScopes']),
    positional: (result, opts) => ({
      authResponse: authResult(isObject(opts) && opts.returnScopes === true)(result),
    }),
    positionalError: (error) => ({ authResponse: null, error: positionalError(error) }),
    object: (result, opts) => authResult(isObject(opts) && opts.returnScopes === true)(result),
  },
  authorize: {
    signature: 'callback-first',
    interactive: true,
    params: (opts) => ({
      scope: isObject(opts) && opts.scope !== undefined ? opts.scope : 'user.info.basic',
    }),
    positional: (result) => ({ authResponse: authResult(true)(result) }),
    positionalError: (error) => ({ authResponse: null, error: positionalError(error) }),
    object: authResult(true),
  },
  getLoginStatus: {
    signature: 'callback-first',
    interactive: false,
    params: () => ({}),
    positional: (result) => ({ status: result.status }),
    positionalError: (error) => ({ status: 'unknown', error: positionalError(error) }),
    object: (result) => ({ status: result.status }),
  },
  setNavigationBarColor: {
    signature: 'options-first',
    interactive: false,
    params: (opts) => pick(opts, ['frontColor', 'backgroundColor']),
    ...isSuccessShape('is_success'),
  },
  share: {
    signature: 'callback-first',
    interactive: false,
    params: (opts) => pick(opts, ['title', 'desc', 'imageUrl', 'query']),
    ...isSuccessShape('is_success'),
  },
  pay: {
    signature: 'callback-first',
    interactive: true,
    params: (opts) => pick(opts, ['trade_order_id']),
    positional: (result) => ({ is_success: true, trade_order_id: result.trade_order_id }),
    positionalError: (error, opts) => ({
      is_success: false,
      trade_order_id: isObject(opts) ? opts.trade_order_id : undefined,
      error: positionalError(error),
    }),
    object: (result) => ({ is_success: true, trade_order_id: result.trade_order_id }),
  },
  createSubscription: {
    signature: 'callback-first',
    interactive: true,
    params: (opts) => pick(opts, ['trade_order_id']),
    positional: (result) => ({
      is_success: true,
      trade_order_id: result.trade_order_id,
      subscription_id: result.subscription_id,
    }),
    // Documented with string codes ('116101', ...).
    positionalError: (error, opts) => ({
      is_success: false,
      trade_order_id: isObject(opts) ? opts.trade_order_id : undefined,
      error: { error_code: String(error.error_code), error_msg: error.error_msg },
    }),
    object: (result) => ({
      is_success: true,
      trade_order_id: result.trade_order_id,
      subscription_id: result.subscription_id,
    }),
  },
  openBalance: {
    signature: 'callback-first',
    interactive: true,
    params: (opts) => pick(opts, ['type']),
    ...isSuccessShape('is_success'),
  },
  reportEvent: {
    signature: 'callback-key',
    interactive: false,
    params: (opts) => pick(opts, ['eventName', 'params']),
    ...isSuccessShape('isSuccess'),
  },
};

/**
 * Splits the arguments of a call into `{opts, callback, hooks}`:
 * `callback` receives the positional shape, `hooks` is {success, fail, complete}.
 */
export function parseCall(signature, first, second) {
  if (signature === 'callback-first' && typeof first === 'function') {
    return { opts: isObject(second) ? second : {}, callback: first, hooks: null };
  }
  if (signature === 'options-first' && typeof second === 'function') {
    return { opts: isObject(first) ? first : {}, callback: second, hooks: null };
  }
  const opts = isObject(first) ? first : {};
  if (signature === 'callback-key') {
    return { opts, callback: typeof opts.callback === 'function' ? opts.callback : null, hooks: opts };
  }
  return { opts, callback: null, hooks: opts };
}

/** The `fail` argument of the object style. */
export function objectFailure(error) {
  return {
    error: {
      error_code: error.error_code,
      error_msg: error.error_msg,
      error_extra: error.error_extra || {},
    },
  };
}
