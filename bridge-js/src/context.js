// The host-provided context: the JSON object the host substitutes into the bundle
// before injecting it. Every field is optional here so that an un-substituted
// bundle (context `null`) still boots with safe defaults.

const DEFAULT_TIMEOUT_MS = 15000;
const DEFAULT_INTERACTIVE_TIMEOUT_MS = 600000;

const DEVICE_DEFAULTS = { bottomHeight: 0 };
const RECT_KEYS = ['width', 'height', 'top', 'right', 'bottom', 'left'];

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

function positiveMs(value, fallback) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function detectTransport(win) {
  if (win.ipc) return 'ipc';
  if (win.MinihostAndroid) return 'android';
  if (win.webkit && win.webkit.messageHandlers && win.webkit.messageHandlers.minihost) return 'ios';
  return 'ipc';
}

export function normalizeContext(raw, win) {
  const ctx = isObject(raw) ? raw : {};
  const transport = ['ipc', 'android', 'ios'].includes(ctx.transport)
    ? ctx.transport
    : detectTransport(win);
  const device = Object.assign({}, DEVICE_DEFAULTS, isObject(ctx.device) ? ctx.device : {});
  const menu = isObject(ctx.menuButton) ? ctx.menuButton : {};
  const menuButton = {};
  for (const key of RECT_KEYS) menuButton[key] = typeof menu[key] === 'number' ? menu[key] : 0;
  return {
    transport,
    clientKey: typeof ctx.clientKey === 'string' ? ctx.clientKey : null,
    hostVersion: typeof ctx.hostVersion === 'string' ? ctx.hostVersion : '0.0.0',
    capabilities: Array.isArray(ctx.capabilities)
      ? ctx.capabilities.filter((c) => typeof c === 'string' && c !== '')
      : [],
    device,
    menuButton,
    timeoutMs: positiveMs(ctx.timeoutMs, DEFAULT_TIMEOUT_MS),
    interactiveTimeoutMs: positiveMs(ctx.interactiveTimeoutMs, DEFAULT_INTERACTIVE_TIMEOUT_MS),
    strict: ctx.strict === true,
    appOrigin: typeof ctx.appOrigin === 'string' ? ctx.appOrigin : null,
    mediaBase: typeof ctx.mediaBase === 'string' ? ctx.mediaBase : null,
    safeArea: isObject(ctx.safeArea) ? ctx.safeArea : null,
  };
}
