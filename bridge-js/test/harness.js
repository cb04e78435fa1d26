// Loads the shipped bundle (dist/minihost-bridge.js) into a fresh `vm` realm
// that plays a webview page at document start: a window global, a navigator
// with the APIs browsers have, a document that dispatches events, and a fake
// native endpoint that records every message the page sends.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_FILE = join(root, 'dist', 'minihost-bridge.js');
export const DIST = readFileSync(DIST_FILE, 'utf8');
export const CONTEXT_TOKEN = '/*__MINIHOST_CONTEXT__*/null';

export const BASE_CONTEXT = Object.freeze({
  transport: 'ipc',
  clientKey: 'sample-drama',
  hostVersion: '44.2.0',
  capabilities: [
    'login',
    'login.success.code',
    'login.object.success',
    'authorize.object.scope',
    'getMenuButtonBoundingClientRect.return.left',
    'onShow.callback.launch_from.anchor',
    'setNavigationBarColor',
    'recharge.callback.is_success',
  ],
  device: { bottomHeight: 34, screenWidth: 390, screenHeight: 844, platform: 'ios', system: 'iOS 17.0' },
  menuButton: { width: 0, height: 0, top: 0, right: 0, bottom: 0, left: 0 },
  timeoutMs: 30,
  interactiveTimeoutMs: 10000,
  strict: false,
});

/** Substitutes the context as the host does. */
export function substitute(context) {
  return DIST.replace(CONTEXT_TOKEN, () => JSON.stringify(context));
}

const PAGE_SETUP = `
  globalThis.window = globalThis;
  globalThis.self = globalThis;
  class Navigator {}
  Object.defineProperty(Navigator.prototype, 'clipboard', {
    get() { return { writeText() { return Promise.resolve(); } }; }, configurable: true, enumerable: true });
  Object.defineProperty(Navigator.prototype, 'geolocation', {
    get() { return { getCurrentPosition() {} }; }, configurable: true, enumerable: true });
  Navigator.prototype.vibrate = function vibrate() { return true; };
  Object.defineProperty(Navigator.prototype, 'userAgent', { get() { return 'vm'; }, configurable: true });
  globalThis.navigator = new Navigator();
  globalThis.open = function open() { return { closed: false }; };
`;

/**
 * Boots a page. Options:
 *   context       the context object (null leaves the token unsubstituted)
 *   endpoint      'ipc' | 'android' | 'ios' | 'none': which native object exists
 *   dom           extra page setup code run before the bundle (fake DOM classes)
 * Returns helpers: win, sent (parsed messages), calls(method), reply(msg),
 * run(code), errors (console.error calls), install().
 */
export function loadPage({ context = BASE_CONTEXT, endpoint = 'ipc', dom = '' } = {}) {
  const sent = [];
  const errors = [];
  const raw = [];
  const sandbox = vm.createContext(dom ? { URL } : {});
  vm.runInContext(PAGE_SETUP, sandbox);
  const win = vm.runInContext('globalThis', sandbox);

  const windowEvents = new EventTarget();
  win.addEventListener = windowEvents.addEventListener.bind(windowEvents);
  win.removeEventListener = windowEvents.removeEventListener.bind(windowEvents);
  win.dispatchEvent = windowEvents.dispatchEvent.bind(windowEvents);
  win.document = new EventTarget();
  // Unref'd, so a page's pending long timeouts never keep the test process alive.
  win.setTimeout = (fn, ms) => setTimeout(fn, ms).unref();
  win.clearTimeout = (t) => clearTimeout(t);
  win.console = {
    log() {},
    warn() {},
    error: (...args) => errors.push(args),
  };

  const state = { brokenEndpoint: null };
  const endpointObject = {
    postMessage(message) {
      if (state.brokenEndpoint) throw new Error(state.brokenEndpoint);
      raw.push(message);
      sent.push(JSON.parse(message));
    },
  };
  if (endpoint === 'ipc') win.ipc = endpointObject;
  if (endpoint === 'android') win.MinihostAndroid = endpointObject;
  if (endpoint === 'ios') win.webkit = { messageHandlers: { minihost: endpointObject } };

  if (dom) vm.runInContext(dom, sandbox);
  const source = context === null ? DIST : substitute(context);
  vm.runInContext(source, sandbox, { filename: 'minihost-bridge.js' });

  const page = {
    win,
    sandbox,
    sent,
    raw,
    errors,
    endpointObject,
    /** Makes the native endpoint throw this message from now on. */
    breakEndpoint: (message) => {
      state.brokenEndpoint = message;
    },
    run: (code) => vm.runInContext(code, sandbox),
    install: () => win.__minihost_sdk_install(),
    /** Installs the SDK and calls init, then forgets the init message. */
    ready(clientKey = 'sample-drama') {
      page.install();
      win.TTMinis.init({ clientKey });
      sent.length = 0;
      return win.TTMinis;
    },
    reply: (message) => win.__minihost_reply(message),
    calls: (method) => sent.filter((m) => m.method === method),
    last: () => sent[sent.length - 1],
    reports: () => sent.filter((m) => m.method === '__report').map((m) => m.params),
  };
  return page;
}

/** Plain JSON copy, so values from the vm realm compare with deepStrictEqual. */
export const plain = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records every invocation of a callback as a plain copy of its argument(s). */
export function recorder() {
  const seen = [];
  const fn = (...args) => {
    seen.push(args.length === 0 ? '(no args)' : plain(args[0]));
  };
  fn.seen = seen;
  return fn;
}
