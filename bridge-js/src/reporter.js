// One-way diagnostics for the host log: CSP violations, forbidden APIs touched,
// uncaught errors, throwing SDK callbacks. Sent as method `__report`, which the
// host never answers, so reports are not timed out.

export const REPORT_METHOD = '__report';
const REPORT_LIMIT = 500;

export function createReporter(rpc) {
  let sent = 0;
  return function report(params) {
    if (sent > REPORT_LIMIT) return;
    sent += 1;
    if (sent > REPORT_LIMIT) {
      rpc.notify(REPORT_METHOD, {
        kind: 'error',
        message: `minihost: more than ${REPORT_LIMIT} reports from this page; further reports dropped`,
      });
      return;
    }
    rpc.notify(REPORT_METHOD, params);
  };
}

/** Calls a page-supplied callback; a throw is logged and reported, never propagated. */
export function createGuard(prim, report) {
  return function guard(label, fn, arg) {
    if (typeof fn !== 'function') return;
    try {
      if (arguments.length > 2) fn(arg);
      else fn();
    } catch (e) {
      prim.consoleError(`[TTMinis] ${label} threw:`, e);
      report({
        kind: 'error',
        message: `${label} threw: ${describe(e)}`,
        stack: e && typeof e.stack === 'string' ? e.stack : undefined,
      });
    }
  };
}

export function describe(value) {
  if (value && typeof value.message === 'string') {
    return value.name ? `${value.name}: ${value.message}` : value.message;
  }
  try {
    return String(value);
  } catch (_) {
    return 'unprintable value';
  }
}
