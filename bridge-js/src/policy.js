// Platform rules the page must feel (platform-spec §1.14), installed before any
// page script: clipboard, geolocation and vibration do not exist, window.open
// opens nothing, and every CSP violation, forbidden-API touch and uncaught
// error is reported to the host log. The host's CSP and navigation filter are
// the enforcement; these shims make the page see what TikTok's webview shows.

import { describe } from './reporter.js';

const FORBIDDEN_NAVIGATOR_APIS = ['clipboard', 'geolocation', 'vibrate'];

export function installPolicy(win, { prim, report }) {
  const touched = new Set();
  function reportApiOnce(api, extra) {
    if (touched.has(api)) return;
    touched.add(api);
    report(Object.assign({ kind: 'api', api }, extra));
  }

  hideNavigatorApis(win, prim, reportApiOnce);
  replaceWindowOpen(win, prim, report);
  forwardCspViolations(win, prim, report);
  forwardUncaughtErrors(win, report);
}

function hideNavigatorApis(win, prim, reportApiOnce) {
  const nav = win.navigator;
  if (!nav) return;
  const proto = prim.getPrototypeOf(nav);
  for (const name of FORBIDDEN_NAVIGATOR_APIS) {
    const descriptor = {
      get() {
        reportApiOnce(`navigator.${name}`);
        return undefined;
      },
      set() {},
      enumerable: true,
      configurable: false,
    };
    // Prototype first (where browsers keep these), then an own property if one exists.
    for (const target of [proto, nav]) {
      if (!target || (target === nav && !Object.prototype.hasOwnProperty.call(nav, name))) continue;
      try {
        prim.defineProperty(target, name, descriptor);
      } catch (_) {
        // Already non-configurable: nothing more a script can do.
      }
    }
  }
}

function replaceWindowOpen(win, prim, report) {
  const open = function open(url) {
    report({ kind: 'api', api: 'window.open', url: url === undefined ? null : String(url) });
    return null;
  };
  try {
    prim.defineProperty(win, 'open', { value: open, writable: false, configurable: false, enumerable: true });
  } catch (_) {
    // Leave the host's navigation filter to refuse the new window.
  }
}

// The same violation from the same place is reported once: libraries such as
// Eruda probe eval or load data: fonts in loops, which would drown the log.
const DISTINCT_CSP_LIMIT = 1000;

function forwardCspViolations(win, prim, report) {
  const doc = win.document;
  if (!doc || typeof doc.addEventListener !== 'function') return;
  const seen = new Set();
  doc.addEventListener(
    'securitypolicyviolation',
    (e) => {
      const params = {
        kind: 'csp',
        directive: e.effectiveDirective || e.violatedDirective || null,
        blockedURL: e.blockedURI === undefined ? null : e.blockedURI,
        sourceFile: e.sourceFile || null,
        line: typeof e.lineNumber === 'number' ? e.lineNumber : null,
        column: typeof e.columnNumber === 'number' ? e.columnNumber : null,
        sample: e.sample || null,
      };
      const key = prim.stringify(params);
      if (seen.has(key) || seen.size >= DISTINCT_CSP_LIMIT) return;
      seen.add(key);
      report(params);
    },
    true,
  );
}

function forwardUncaughtErrors(win, report) {
  if (typeof win.addEventListener !== 'function') return;
  // Capturing, so resource load failures (which do not bubble) are seen too.
  win.addEventListener(
    'error',
    (e) => {
      const target = e.target;
      if (target && target !== win && typeof target.tagName === 'string') {
        const url = target.currentSrc || target.src || target.href || null;
        report({
          kind: 'error',
          message: `failed to load <${target.tagName.toLowerCase()}>${url ? ` ${url}` : ''}`,
          sourceFile: url,
          line: null,
          column: null,
        });
        return;
      }
      report({
        kind: 'error',
        message: typeof e.message === 'string' && e.message !== '' ? e.message : describe(e.error),
        sourceFile: e.filename || null,
        line: typeof e.lineno === 'number' ? e.lineno : null,
        column: typeof e.colno === 'number' ? e.colno : null,
        stack: e.error && typeof e.error.stack === 'string' ? e.error.stack : undefined,
      });
    },
    true,
  );
  win.addEventListener('unhandledrejection', (e) => {
    const reason = e.reason;
    report({
      kind: 'error',
      message: `unhandled promise rejection: ${describe(reason)}`,
      sourceFile: null,
      line: null,
      column: null,
      stack: reason && typeof reason.stack === 'string' ? reason.stack : undefined,
    });
  });
}
