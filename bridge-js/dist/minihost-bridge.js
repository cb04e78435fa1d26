/*! minihost bridge 0.1.0: the TTMinis SDK over the host bridge. Generated from bridge-js/src by `npm run build`; do not edit. */
(function (__minihostContext) {
"use strict";
(() => {
  // src/primordials.js
  function capturePrimordials(win) {
    const con = win.console || {};
    const noop = () => {
    };
    const bindOr = (obj, name, fallback) => obj && typeof obj[name] === "function" ? obj[name].bind(obj) : fallback;
    return {
      stringify: JSON.stringify,
      parse: JSON.parse,
      isArray: Array.isArray,
      apply: Reflect.apply,
      defineProperty: Object.defineProperty,
      getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
      getPrototypeOf: Object.getPrototypeOf,
      setTimeout: bindOr(win, "setTimeout", null),
      clearTimeout: bindOr(win, "clearTimeout", noop),
      // Monotonic where there is one: call deadlines must not move with the wall clock.
      now: bindOr(win.performance, "now", Date.now),
      consoleError: bindOr(con, "error", noop)
    };
  }

  // src/context.js
  var DEFAULT_TIMEOUT_MS = 15e3;
  var DEFAULT_INTERACTIVE_TIMEOUT_MS = 6e5;
  var DEVICE_DEFAULTS = { bottomHeight: 0 };
  var RECT_KEYS = ["width", "height", "top", "right", "bottom", "left"];
  var isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
  function positiveMs(value, fallback) {
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
  }
  function detectTransport(win) {
    if (win.ipc) return "ipc";
    if (win.MinihostAndroid) return "android";
    if (win.webkit && win.webkit.messageHandlers && win.webkit.messageHandlers.minihost) return "ios";
    return "ipc";
  }
  function normalizeContext(raw, win) {
    const ctx = isObject(raw) ? raw : {};
    const transport = ["ipc", "android", "ios"].includes(ctx.transport) ? ctx.transport : detectTransport(win);
    const device = Object.assign({}, DEVICE_DEFAULTS, isObject(ctx.device) ? ctx.device : {});
    const menu = isObject(ctx.menuButton) ? ctx.menuButton : {};
    const menuButton = {};
    for (const key of RECT_KEYS) menuButton[key] = typeof menu[key] === "number" ? menu[key] : 0;
    return {
      transport,
      clientKey: typeof ctx.clientKey === "string" ? ctx.clientKey : null,
      hostVersion: typeof ctx.hostVersion === "string" ? ctx.hostVersion : "0.0.0",
      capabilities: Array.isArray(ctx.capabilities) ? ctx.capabilities.filter((c) => typeof c === "string" && c !== "") : [],
      device,
      menuButton,
      timeoutMs: positiveMs(ctx.timeoutMs, DEFAULT_TIMEOUT_MS),
      interactiveTimeoutMs: positiveMs(ctx.interactiveTimeoutMs, DEFAULT_INTERACTIVE_TIMEOUT_MS),
      strict: ctx.strict === true,
      appOrigin: typeof ctx.appOrigin === "string" ? ctx.appOrigin : null,
      mediaBase: typeof ctx.mediaBase === "string" ? ctx.mediaBase : null,
      safeArea: isObject(ctx.safeArea) ? ctx.safeArea : null
    };
  }

  // src/transport.js
  var LOCATORS = {
    ipc: (win) => win.ipc,
    android: (win) => win.MinihostAndroid,
    ios: (win) => win.webkit && win.webkit.messageHandlers && win.webkit.messageHandlers.minihost
  };
  function createTransport(kind, win, { apply }) {
    const locate = LOCATORS[kind] || LOCATORS.ipc;
    let target = null;
    let post = null;
    function resolve() {
      try {
        const found = locate(win);
        if (found && typeof found.postMessage === "function") {
          target = found;
          post = found.postMessage;
        }
      } catch (_) {
      }
    }
    resolve();
    return {
      kind,
      send(message) {
        if (!post) resolve();
        if (!post) return false;
        apply(post, target, [message]);
        return true;
      }
    };
  }

  // src/rpc.js
  var TIMEOUT_CODE = 50002;
  var ERROR_CODES = Object.freeze({
    TIMEOUT: TIMEOUT_CODE,
    TRANSPORT: 5e4,
    MALFORMED_REPLY: 10007,
    UNSERIALISABLE_PARAMS: 10002
  });
  var OUTBOX_LIMIT = 256;
  var OUTBOX_RETRY_MS = 20;
  function createRpc({ transport, prim }) {
    let nextId = 1;
    const pending = /* @__PURE__ */ new Map();
    let outbox = [];
    let flushTimer = null;
    let sweepTimer = null;
    let sweepAt = Infinity;
    const later = (fn) => prim.setTimeout ? prim.setTimeout(fn, 0) : fn();
    function finish(id, outcome) {
      const entry = pending.get(id);
      if (!entry) return;
      pending.delete(id);
      if (outbox.length > 0) outbox = outbox.filter((m) => m.id !== id);
      entry.settle(outcome);
    }
    function arm(deadline) {
      if (!prim.setTimeout || deadline >= sweepAt) return;
      if (sweepTimer !== null) prim.clearTimeout(sweepTimer);
      sweepAt = deadline;
      sweepTimer = prim.setTimeout(sweep, Math.max(0, deadline - prim.now()));
    }
    function sweep() {
      sweepTimer = null;
      sweepAt = Infinity;
      const t = prim.now();
      const expired = [];
      let next = Infinity;
      for (const [id, entry] of pending) {
        if (entry.deadline === null) continue;
        if (entry.deadline <= t) expired.push([id, entry.timeoutMs]);
        else if (entry.deadline < next) next = entry.deadline;
      }
      for (const [id, timeoutMs] of expired) {
        finish(id, {
          ok: false,
          error: {
            error_code: ERROR_CODES.TIMEOUT,
            error_msg: `timeout: no reply from host within ${timeoutMs} ms`
          }
        });
      }
      if (next !== Infinity) arm(Math.max(next, t + 1));
    }
    function flush() {
      flushTimer = null;
      while (outbox.length > 0) {
        const message = outbox[0];
        let sent;
        try {
          sent = transport.send(message.text);
        } catch (e) {
          outbox.shift();
          finish(message.id, transportError(e));
          continue;
        }
        if (!sent) break;
        outbox.shift();
      }
      if (outbox.length > 0 && flushTimer === null && prim.setTimeout) {
        flushTimer = prim.setTimeout(flush, OUTBOX_RETRY_MS);
      }
    }
    function post(id, text) {
      if (outbox.length > 0) {
        enqueue(id, text);
        flush();
        return;
      }
      let sent;
      try {
        sent = transport.send(text);
      } catch (e) {
        later(() => finish(id, transportError(e)));
        return;
      }
      if (!sent) {
        enqueue(id, text);
        flush();
      }
    }
    function enqueue(id, text) {
      if (outbox.length >= OUTBOX_LIMIT) {
        const dropped = outbox.shift();
        finish(dropped.id, {
          ok: false,
          error: { error_code: ERROR_CODES.TRANSPORT, error_msg: "host bridge unavailable: message queue full" }
        });
      }
      outbox.push({ id, text });
    }
    function encode(id, method, params) {
      try {
        return { text: prim.stringify({ id, method, params }) };
      } catch (e) {
        return { error: e };
      }
    }
    function call(method, params, timeoutMs, settle) {
      const id = nextId++;
      const entry = { settle, deadline: null, timeoutMs };
      pending.set(id, entry);
      const encoded = encode(id, method, params);
      if (encoded.error) {
        later(
          () => finish(id, {
            ok: false,
            error: {
              error_code: ERROR_CODES.UNSERIALISABLE_PARAMS,
              error_msg: `invalid params: ${String(encoded.error && encoded.error.message)}`
            }
          })
        );
        return id;
      }
      if (prim.setTimeout) {
        entry.deadline = prim.now() + timeoutMs;
        arm(entry.deadline);
      }
      post(id, encoded.text);
      return id;
    }
    function notify(method, params) {
      const id = nextId++;
      const encoded = encode(id, method, params);
      if (encoded.error) return false;
      post(id, encoded.text);
      return true;
    }
    function receive(reply) {
      const id = reply.id;
      if (typeof id !== "number" || !pending.has(id)) return;
      if (reply.ok === true) {
        const result = reply.result;
        finish(id, { ok: true, result: typeof result === "object" && result !== null ? result : {} });
      } else {
        finish(id, { ok: false, error: normalizeError(reply.error) });
      }
    }
    return { call, notify, receive };
  }
  function transportError(e) {
    return {
      ok: false,
      error: {
        error_code: ERROR_CODES.TRANSPORT,
        error_msg: `host bridge unavailable: ${String(e && e.message ? e.message : e)}`
      }
    };
  }
  function normalizeError(error) {
    if (typeof error !== "object" || error === null) {
      return { error_code: ERROR_CODES.MALFORMED_REPLY, error_msg: "malformed reply from host" };
    }
    const code = typeof error.error_code === "number" ? error.error_code : Number(error.error_code);
    const out = {
      error_code: Number.isFinite(code) ? code : ERROR_CODES.MALFORMED_REPLY,
      error_msg: typeof error.error_msg === "string" ? error.error_msg : "unknown error"
    };
    if (typeof error.error_extra === "object" && error.error_extra !== null) {
      out.error_extra = error.error_extra;
    }
    return out;
  }

  // src/reporter.js
  var REPORT_METHOD = "__report";
  var REPORT_LIMIT = 500;
  function createReporter(rpc) {
    let sent = 0;
    return function report(params) {
      if (sent > REPORT_LIMIT) return;
      sent += 1;
      if (sent > REPORT_LIMIT) {
        rpc.notify(REPORT_METHOD, {
          kind: "error",
          message: `minihost: more than ${REPORT_LIMIT} reports from this page; further reports dropped`
        });
        return;
      }
      rpc.notify(REPORT_METHOD, params);
    };
  }
  function createGuard(prim, report) {
    return function guard(label, fn, arg) {
      if (typeof fn !== "function") return;
      try {
        if (arguments.length > 2) fn(arg);
        else fn();
      } catch (e) {
        prim.consoleError(`[TTMinis] ${label} threw:`, e);
        report({
          kind: "error",
          message: `${label} threw: ${describe(e)}`,
          stack: e && typeof e.stack === "string" ? e.stack : void 0
        });
      }
    };
  }
  function describe(value) {
    if (value && typeof value.message === "string") {
      return value.name ? `${value.name}: ${value.message}` : value.message;
    }
    try {
      return String(value);
    } catch (_) {
      return "unprintable value";
    }
  }

  // src/events.js
  var STICKY_EVENTS = /* @__PURE__ */ new Set(["minis.launch"]);
  function createEvents({ prim, guard }) {
    let nextId = 1;
    const listeners = /* @__PURE__ */ new Map();
    const sticky = /* @__PURE__ */ new Map();
    const later = (fn) => prim.setTimeout ? prim.setTimeout(fn, 0) : fn();
    function on(eventName, callback) {
      if (typeof eventName !== "string" || eventName === "") {
        throw new TypeError("TTMinis.on: eventName must be a non-empty string");
      }
      if (typeof callback !== "function") {
        throw new TypeError("TTMinis.on: callback must be a function");
      }
      const id = `cb_${nextId++}`;
      let group = listeners.get(eventName);
      if (!group) {
        group = /* @__PURE__ */ new Map();
        listeners.set(eventName, group);
      }
      group.set(id, callback);
      if (sticky.has(eventName)) {
        const payload = sticky.get(eventName);
        later(() => {
          if (group.get(id) === callback) {
            guard(`TTMinis.on('${eventName}') callback`, callback, payload);
          }
        });
      }
      return id;
    }
    function off(eventName, callbackId) {
      const group = listeners.get(eventName);
      return group ? group.delete(callbackId) : false;
    }
    function emit(eventName, data, error) {
      const payload = { data: data === void 0 ? null : data, error: error === void 0 ? null : error };
      if (STICKY_EVENTS.has(eventName)) sticky.set(eventName, payload);
      const group = listeners.get(eventName);
      if (!group) return;
      for (const [id, fn] of Array.from(group)) {
        if (group.get(id) === fn) guard(`TTMinis.on('${eventName}') callback`, fn, payload);
      }
    }
    return { on, off, emit };
  }

  // src/policy.js
  var FORBIDDEN_NAVIGATOR_APIS = ["clipboard", "geolocation", "vibrate"];
  function installPolicy(win, { prim, report }) {
    const touched = /* @__PURE__ */ new Set();
    function reportApiOnce(api, extra) {
      if (touched.has(api)) return;
      touched.add(api);
      report(Object.assign({ kind: "api", api }, extra));
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
          return void 0;
        },
        set() {
        },
        enumerable: true,
        configurable: false
      };
      for (const target of [proto, nav]) {
        if (!target || target === nav && !Object.prototype.hasOwnProperty.call(nav, name)) continue;
        try {
          prim.defineProperty(target, name, descriptor);
        } catch (_) {
        }
      }
    }
  }
  function replaceWindowOpen(win, prim, report) {
    const open = function open2(url) {
      report({ kind: "api", api: "window.open", url: url === void 0 ? null : String(url) });
      return null;
    };
    try {
      prim.defineProperty(win, "open", { value: open, writable: false, configurable: false, enumerable: true });
    } catch (_) {
    }
  }
  var DISTINCT_CSP_LIMIT = 1e3;
  function forwardCspViolations(win, prim, report) {
    const doc = win.document;
    if (!doc || typeof doc.addEventListener !== "function") return;
    const seen = /* @__PURE__ */ new Set();
    doc.addEventListener(
      "securitypolicyviolation",
      (e) => {
        const params = {
          kind: "csp",
          directive: e.effectiveDirective || e.violatedDirective || null,
          blockedURL: e.blockedURI === void 0 ? null : e.blockedURI,
          sourceFile: e.sourceFile || null,
          line: typeof e.lineNumber === "number" ? e.lineNumber : null,
          column: typeof e.columnNumber === "number" ? e.columnNumber : null,
          sample: e.sample || null
        };
        const key = prim.stringify(params);
        if (seen.has(key) || seen.size >= DISTINCT_CSP_LIMIT) return;
        seen.add(key);
        report(params);
      },
      true
    );
  }
  function forwardUncaughtErrors(win, report) {
    if (typeof win.addEventListener !== "function") return;
    win.addEventListener(
      "error",
      (e) => {
        const target = e.target;
        if (target && target !== win && typeof target.tagName === "string") {
          const url = target.currentSrc || target.src || target.href || null;
          report({
            kind: "error",
            message: `failed to load <${target.tagName.toLowerCase()}>${url ? ` ${url}` : ""}`,
            sourceFile: url,
            line: null,
            column: null
          });
          return;
        }
        report({
          kind: "error",
          message: typeof e.message === "string" && e.message !== "" ? e.message : describe(e.error),
          sourceFile: e.filename || null,
          line: typeof e.lineno === "number" ? e.lineno : null,
          column: typeof e.colno === "number" ? e.colno : null,
          stack: e.error && typeof e.error.stack === "string" ? e.error.stack : void 0
        });
      },
      true
    );
    win.addEventListener("unhandledrejection", (e) => {
      const reason = e.reason;
      report({
        kind: "error",
        message: `unhandled promise rejection: ${describe(reason)}`,
        sourceFile: null,
        line: null,
        column: null,
        stack: reason && typeof reason.stack === "string" ? reason.stack : void 0
      });
    });
  }

  // src/media.js
  var MEDIA_TAGS = /* @__PURE__ */ new Set(["VIDEO", "AUDIO", "SOURCE"]);
  function installMediaRoute(win, context, prim) {
    const base = context.mediaBase;
    const origin = context.appOrigin;
    const doc = win.document;
    if (!base || !origin || !doc || !win.HTMLMediaElement || !win.URL) return;
    const prefix = `${origin}/`;
    const setAttribute = win.Element.prototype.setAttribute;
    const route = (value) => {
      let url;
      try {
        url = new win.URL(String(value), doc.baseURI).href;
      } catch (_) {
        return value;
      }
      return url.startsWith(prefix) ? base + url.slice(prefix.length) : value;
    };
    const patchSrc = (proto) => {
      const desc = proto && prim.getOwnPropertyDescriptor(proto, "src");
      if (!desc || !desc.set) return;
      prim.defineProperty(proto, "src", {
        get: desc.get,
        set(value) {
          desc.set.call(this, route(value));
        },
        enumerable: desc.enumerable,
        configurable: true
      });
    };
    patchSrc(win.HTMLMediaElement.prototype);
    if (win.HTMLSourceElement) patchSrc(win.HTMLSourceElement.prototype);
    win.Element.prototype.setAttribute = function(name, value) {
      if (MEDIA_TAGS.has(this.tagName) && String(name).toLowerCase() === "src") {
        return setAttribute.call(this, name, route(value));
      }
      return setAttribute.call(this, name, value);
    };
    const fix = (el) => {
      if (el.nodeType !== 1) return;
      const els = MEDIA_TAGS.has(el.tagName) ? [el] : el.querySelectorAll ? el.querySelectorAll("video,audio,source") : [];
      for (const m of els) {
        const src = m.getAttribute("src");
        if (src !== null) {
          const routed = route(src);
          if (routed !== src) setAttribute.call(m, "src", routed);
        }
      }
    };
    if (win.MutationObserver) {
      new win.MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) fix(n);
      }).observe(doc, { childList: true, subtree: true });
    }
  }

  // src/safe-area.js
  var SIDES = ["top", "right", "bottom", "left"];
  function installSafeArea(win, context) {
    const inset = context.safeArea;
    const doc = win.document;
    if (!inset || !doc) return;
    const css = `:root{${SIDES.map((s) => `--minihost-safe-area-inset-${s}:${Number(inset[s]) || 0}px`).join(";")}}`;
    if (win.CSSStyleSheet && "adoptedStyleSheets" in doc) {
      try {
        const sheet = new win.CSSStyleSheet();
        sheet.replaceSync(css);
        doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
        return;
      } catch (_) {
      }
    }
    const add = () => {
      const style = doc.createElement("style");
      style.textContent = css;
      (doc.head || doc.documentElement).appendChild(style);
    };
    if (doc.documentElement) add();
    else doc.addEventListener("DOMContentLoaded", add, { once: true });
  }

  // src/methods.js
  var isObject2 = (v) => typeof v === "object" && v !== null;
  function pick(source, keys) {
    const out = {};
    if (!isObject2(source)) return out;
    for (const key of keys) {
      if (source[key] !== void 0) out[key] = source[key];
    }
    return out;
  }
  function positionalError(error) {
    const out = { error_code: error.error_code, error_msg: error.error_msg };
    if (error.error_extra) out.error_extra = error.error_extra;
    return out;
  }
  var scopesOf = (result) => typeof result.grantedScopes === "string" ? result.grantedScopes : "";
  var authResult = (withScopes) => (result) => withScopes ? { code: result.code, grantedScopes: scopesOf(result) } : { code: result.code };
  var isSuccessShape = (key) => ({
    positional: () => ({ [key]: true }),
    positionalError: (error) => ({ [key]: false, error: positionalError(error) }),
    object: () => ({ [key]: true })
  });
  var METHODS = {
    login: {
      signature: "callback-first",
      interactive: true,
      params: (opts) => pick(opts, ["scope", "returnScopes"]),
      positional: (result, opts) => ({
        authResponse: authResult(isObject2(opts) && opts.returnScopes === true)(result)
      }),
      positionalError: (error) => ({ authResponse: null, error: positionalError(error) }),
      object: (result, opts) => authResult(isObject2(opts) && opts.returnScopes === true)(result)
    },
    authorize: {
      signature: "callback-first",
      interactive: true,
      params: (opts) => ({
        scope: isObject2(opts) && opts.scope !== void 0 ? opts.scope : "user.info.basic"
      }),
      positional: (result) => ({ authResponse: authResult(true)(result) }),
      positionalError: (error) => ({ authResponse: null, error: positionalError(error) }),
      object: authResult(true)
    },
    getLoginStatus: {
      signature: "callback-first",
      interactive: false,
      params: () => ({}),
      positional: (result) => ({ status: result.status }),
      positionalError: (error) => ({ status: "unknown", error: positionalError(error) }),
      object: (result) => ({ status: result.status })
    },
    setNavigationBarColor: {
      signature: "options-first",
      interactive: false,
      params: (opts) => pick(opts, ["frontColor", "backgroundColor"]),
      ...isSuccessShape("is_success")
    },
    share: {
      signature: "callback-first",
      interactive: false,
      params: (opts) => pick(opts, ["title", "desc", "imageUrl", "query"]),
      ...isSuccessShape("is_success")
    },
    pay: {
      signature: "callback-first",
      interactive: true,
      params: (opts) => pick(opts, ["trade_order_id"]),
      positional: (result) => ({ is_success: true, trade_order_id: result.trade_order_id }),
      positionalError: (error, opts) => ({
        is_success: false,
        trade_order_id: isObject2(opts) ? opts.trade_order_id : void 0,
        error: positionalError(error)
      }),
      object: (result) => ({ is_success: true, trade_order_id: result.trade_order_id })
    },
    createSubscription: {
      signature: "callback-first",
      interactive: true,
      params: (opts) => pick(opts, ["trade_order_id"]),
      positional: (result) => ({
        is_success: true,
        trade_order_id: result.trade_order_id,
        subscription_id: result.subscription_id
      }),
      // Documented with string codes ('116101', ...).
      positionalError: (error, opts) => ({
        is_success: false,
        trade_order_id: isObject2(opts) ? opts.trade_order_id : void 0,
        error: { error_code: String(error.error_code), error_msg: error.error_msg }
      }),
      object: (result) => ({
        is_success: true,
        trade_order_id: result.trade_order_id,
        subscription_id: result.subscription_id
      })
    },
    openBalance: {
      signature: "callback-first",
      interactive: true,
      params: (opts) => pick(opts, ["type"]),
      ...isSuccessShape("is_success")
    },
    reportEvent: {
      signature: "callback-key",
      interactive: false,
      params: (opts) => pick(opts, ["eventName", "params"]),
      ...isSuccessShape("isSuccess")
    }
  };
  function parseCall(signature, args) {
    const [first, second] = args;
    if (signature === "callback-first" && typeof first === "function") {
      return { opts: isObject2(second) ? second : {}, callback: first, hooks: null };
    }
    if (signature === "options-first" && typeof second === "function") {
      return { opts: isObject2(first) ? first : {}, callback: second, hooks: null };
    }
    const opts = isObject2(first) ? first : {};
    if (signature === "callback-key") {
      return { opts, callback: typeof opts.callback === "function" ? opts.callback : null, hooks: opts };
    }
    return { opts, callback: null, hooks: opts };
  }
  function objectFailure(error) {
    return {
      error: {
        error_code: error.error_code,
        error_msg: error.error_msg,
        error_extra: error.error_extra || {}
      }
    };
  }

  // src/capabilities.js
  function createCanIUse(capabilities, implementedApis) {
    const usable = capabilities.filter((cap) => implementedApis.has(cap.split(".")[0]));
    return function canIUse(schema) {
      if (typeof schema !== "string" || schema === "") return false;
      const prefix = `${schema}.`;
      return usable.some((cap) => cap === schema || cap.startsWith(prefix));
    };
  }

  // src/ads.js
  var CLOSE_EVENT = "ad.close";
  function createAds({ context, rpc, events, guard }) {
    const open = /* @__PURE__ */ new Map();
    events.on(CLOSE_EVENT, (payload) => {
      const data = payload && payload.data;
      const instance = data && open.get(data.ad);
      if (!instance) return;
      open.delete(data.ad);
      instance.closed({ isEnded: data.isEnded === true });
    });
    function create(kind, options) {
      const label = kind === "rewarded" ? "TTMinis.createRewardedVideoAd" : "TTMinis.createInterstitialAd";
      const shape = kind === "rewarded" ? (e) => ({ error_code: e.error_code, error_msg: e.error_msg }) : (e) => ({ errMsg: e.error_msg, errorCode: e.error_code });
      const adUnitId = typeof options === "object" && options !== null ? options.adUnitId : void 0;
      const closeListeners = [];
      const errorListeners = [];
      let id = null;
      let createError = null;
      const fire = (list, what, arg) => {
        for (const fn of list.slice()) guard(`${label} ${what}`, fn, arg);
      };
      const failed = (error) => {
        const shaped = shape(error);
        fire(errorListeners, "onError", shaped);
        return shaped;
      };
      const created = new Promise((resolve) => {
        rpc.call("ad.create", { kind, adUnitId: adUnitId === void 0 ? null : adUnitId }, context.timeoutMs, (outcome) => {
          if (outcome.ok) id = outcome.result.ad;
          else createError = outcome.error;
          resolve();
        });
      }).then(() => {
        if (createError) failed(createError);
      });
      const call = (method, timeoutMs) => created.then(
        () => new Promise((resolve, reject) => {
          if (createError) {
            reject(shape(createError));
            return;
          }
          const watching = method === "ad.show" && !open.has(id);
          if (watching) open.set(id, { closed: (res) => fire(closeListeners, "onClose", res) });
          rpc.call(method, { ad: id }, timeoutMs, (outcome) => {
            if (outcome.ok) {
              resolve();
              return;
            }
            if (watching) open.delete(id);
            reject(failed(outcome.error));
          });
        })
      );
      const off = (list) => (fn) => {
        if (fn === void 0) list.length = 0;
        const i = list.indexOf(fn);
        if (i >= 0) list.splice(i, 1);
      };
      const on = (list, what) => (fn) => {
        if (typeof fn !== "function") throw new TypeError(`${label}: ${what} needs a function`);
        list.push(fn);
      };
      const ad = {
        show: () => call("ad.show", context.interactiveTimeoutMs),
        onClose: on(closeListeners, "onClose"),
        offClose: off(closeListeners),
        onError: on(errorListeners, "onError"),
        offError: off(errorListeners)
      };
      if (!context.strict) ad.load = () => call("ad.load", context.timeoutMs);
      return ad;
    }
    return { create };
  }

  // src/sdk.js
  var EVENT_CAPABILITY_APIS = ["onShow", "onHide", "offShow", "offHide"];
  var SYNC_APIS = [
    "init",
    "canIUse",
    "getDeviceInfo",
    "getMenuButtonBoundingClientRect",
    "on",
    "off",
    "game",
    "createRewardedVideoAd",
    "createInterstitialAd"
  ];
  function createSdk({ context, rpc, events, guard }) {
    const implemented = /* @__PURE__ */ new Set([...Object.keys(METHODS), ...SYNC_APIS, ...EVENT_CAPABILITY_APIS]);
    const canIUse = createCanIUse(context.capabilities, implemented);
    let initialized = false;
    function invoke(name, args) {
      const spec = METHODS[name];
      const { opts, callback, hooks } = parseCall(spec.signature, args);
      const timeoutMs = spec.interactive ? context.interactiveTimeoutMs : context.timeoutMs;
      const label = `TTMinis.${name}`;
      rpc.call(name, spec.params(opts), timeoutMs, (outcome) => {
        if (callback) {
          guard(
            `${label} callback`,
            callback,
            outcome.ok ? spec.positional(outcome.result, opts) : spec.positionalError(outcome.error, opts)
          );
        }
        if (hooks) {
          if (outcome.ok) guard(`${label} success`, hooks.success, spec.object(outcome.result, opts));
          else guard(`${label} fail`, hooks.fail, objectFailure(outcome.error));
          guard(`${label} complete`, hooks.complete);
        }
      });
    }
    function init(options) {
      const clientKey = typeof options === "object" && options !== null ? options.clientKey : void 0;
      rpc.notify("init", { clientKey: clientKey === void 0 ? null : clientKey });
      if (!initialized) {
        initialized = true;
        Object.assign(sdk, api);
        Object.assign(sdk.game, gameApi);
      }
      return void 0;
    }
    const ads = createAds({ context, rpc, events, guard });
    const api = {
      createRewardedVideoAd: (options) => ads.create("rewarded", options),
      createInterstitialAd: (options) => ads.create("interstitial", options),
      getDeviceInfo() {
        const device = Object.assign({}, context.device);
        return context.strict ? { bottomHeight: device.bottomHeight } : device;
      },
      getMenuButtonBoundingClientRect() {
        return Object.assign({}, context.menuButton);
      },
      on: events.on,
      off: events.off
    };
    for (const name of Object.keys(METHODS)) {
      api[name] = function() {
        invoke(name, Array.from(arguments));
      };
    }
    const gameListeners = { "minis.show": /* @__PURE__ */ new Map(), "minis.hide": /* @__PURE__ */ new Map() };
    function gameOn(eventName, fn) {
      if (typeof fn !== "function") throw new TypeError("TTMinis.game: callback must be a function");
      const id = events.on(eventName, (payload) => fn(payload.data));
      const ids = gameListeners[eventName].get(fn) || [];
      ids.push(id);
      gameListeners[eventName].set(fn, ids);
    }
    function gameOff(eventName, fn) {
      const registry = gameListeners[eventName];
      const targets = fn === void 0 ? Array.from(registry.keys()) : [fn];
      for (const target of targets) {
        for (const id of registry.get(target) || []) events.off(eventName, id);
        registry.delete(target);
      }
    }
    const gameApi = {
      login(options) {
        invoke("login", [typeof options === "object" && options !== null ? options : {}]);
      },
      // Object style only: {trade_order_id, success, fail, complete}.
      pay(options) {
        invoke("pay", [typeof options === "object" && options !== null ? options : {}]);
      },
      onShow: (fn) => gameOn("minis.show", fn),
      offShow: (fn) => gameOff("minis.show", fn),
      onHide: (fn) => gameOn("minis.hide", fn),
      offHide: (fn) => gameOff("minis.hide", fn)
    };
    const sdk = {
      init,
      canIUse,
      game: { init }
    };
    return sdk;
  }

  // src/bridge.js
  var REPLY_ENTRY = "__minihost_reply";
  var INSTALL_ENTRY = "__minihost_sdk_install";
  function boot(win, rawContext) {
    const prim = capturePrimordials(win);
    if (prim.getOwnPropertyDescriptor(win, REPLY_ENTRY)) return;
    const context = normalizeContext(rawContext, win);
    const transport = createTransport(context.transport, win, prim);
    const rpc = createRpc({ transport, prim });
    const report = createReporter(rpc);
    const guard = createGuard(prim, report);
    const events = createEvents({ prim, guard });
    let sdk = null;
    function reply(message) {
      let msg = message;
      try {
        if (typeof msg === "string") msg = prim.parse(msg);
      } catch (e) {
        prim.consoleError("[TTMinis] unparseable message from host:", e);
        return;
      }
      if (prim.isArray(msg)) {
        for (let i = 0; i < msg.length; i++) {
          try {
            one(msg[i]);
          } catch (e) {
            prim.consoleError("[TTMinis] error while handling a host message:", e);
          }
        }
      } else {
        one(msg);
      }
    }
    function one(msg) {
      if (typeof msg !== "object" || msg === null) return;
      if (typeof msg.event === "string") {
        events.emit(msg.event, msg.data, msg.error);
      } else {
        rpc.receive(msg);
      }
    }
    function install() {
      if (!sdk) sdk = createSdk({ context, rpc, events, guard });
      if (win.TTMinis === sdk) return;
      try {
        prim.defineProperty(win, "TTMinis", { value: sdk, writable: true, configurable: true, enumerable: true });
      } catch (_) {
        win.TTMinis = sdk;
      }
    }
    const fixed = (value) => ({ value, writable: false, configurable: false, enumerable: false });
    prim.defineProperty(win, REPLY_ENTRY, fixed(reply));
    prim.defineProperty(win, INSTALL_ENTRY, fixed(install));
    installPolicy(win, { prim, report });
    installMediaRoute(win, context, prim);
    installSafeArea(win, context);
  }

  // src/entry.js
  boot(globalThis, __minihostContext);
})();
})(/*__MINIHOST_CONTEXT__*/null);
