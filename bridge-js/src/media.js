// WebKitGTK's media stack plays only http(s), blob, data and file URLs, never a custom
// scheme. So <video>/<audio> sources on the app's origin are pointed at the host's
// loopback media server, which serves the same build output with the same path rules.
// `fetch`, images and everything else stay on the app's origin.

const MEDIA_TAGS = new Set(['VIDEO', 'AUDIO', 'SOURCE']);

export function installMediaRoute(win, context, prim) {
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
    const desc = proto && prim.getOwnPropertyDescriptor(proto, 'src');
    if (!desc || !desc.set) return;
    prim.defineProperty(proto, 'src', {
      get: desc.get,
      set(value) {
        desc.set.call(this, route(value));
      },
      enumerable: desc.enumerable,
      configurable: true,
    });
  };
  patchSrc(win.HTMLMediaElement.prototype);
  if (win.HTMLSourceElement) patchSrc(win.HTMLSourceElement.prototype);

  win.Element.prototype.setAttribute = function (name, value) {
    if (MEDIA_TAGS.has(this.tagName) && String(name).toLowerCase() === 'src') {
      return setAttribute.call(this, name, route(value));
    }
    return setAttribute.call(this, name, value);
  };

  // Parser-inserted elements: fix their src before the media element selects a resource.
  const fix = (el) => {
    if (el.nodeType !== 1) return;
    const els = MEDIA_TAGS.has(el.tagName) ? [el] : el.querySelectorAll ? el.querySelectorAll('video,audio,source') : [];
    for (const m of els) {
      const src = m.getAttribute('src');
      if (src !== null) {
        const routed = route(src);
        if (routed !== src) setAttribute.call(m, 'src', routed);
      }
    }
  };
  if (win.MutationObserver) {
    new win.MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) fix(n);
    }).observe(doc, { childList: true, subtree: true });
  }
}
