// Built-ins captured when the document-start script runs, before any page script.
// A page may later replace JSON.stringify, timers or console; the bridge keeps
// working with the originals. This is robustness, not a security boundary: the
// host validates everything it receives.

export function capturePrimordials(win) {
  const con = win.console || {};
  const noop = () => {};
  const bindOr = (obj, name, fallback) =>
    obj && typeof obj[name] === 'function' ? obj[name].bind(obj) : fallback;
  return {
    stringify: JSON.stringify,
    parse: JSON.parse,
    isArray: Array.isArray,
    apply: Reflect.apply,
    defineProperty: Object.defineProperty,
    getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
    getPrototypeOf: Object.getPrototypeOf,
    setTimeout: bindOr(win, 'setTimeout', null),
    clearTimeout: bindOr(win, 'clearTimeout', noop),
    // Monotonic where there is one: call deadlines must not move with the wall clock.
    now: bindOr(win.performance, 'now', Date.now),
    consoleError: bindOr(con, 'error', noop),
  };
}
