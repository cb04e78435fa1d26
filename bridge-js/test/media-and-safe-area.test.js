import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONTEXT, loadPage } from './harness.js';

// Just enough DOM for media routing: elements with a `src` accessor and setAttribute,
// a document with a base URL, URL, and a MutationObserver the test can drive.
const FAKE_DOM = `
  globalThis.URL = URL;
  class Element {
    constructor(tag) { this.tagName = tag; this.nodeType = 1; this.attrs = {}; }
    setAttribute(n, v) { this.attrs[n.toLowerCase()] = String(v); }
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; }
    querySelectorAll() { return []; }
  }
  class HTMLMediaElement extends Element {}
  Object.defineProperty(HTMLMediaElement.prototype, 'src', {
    get() { return this.getAttribute('src') || ''; },
    set(v) { Element.prototype.setAttribute.call(this, 'src', v); },
    configurable: true, enumerable: true,
  });
  class HTMLSourceElement extends Element {}
  Object.defineProperty(HTMLSourceElement.prototype, 'src', Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'src'));
  globalThis.Element = Element;
  globalThis.HTMLMediaElement = HTMLMediaElement;
  globalThis.HTMLSourceElement = HTMLSourceElement;
  globalThis.observers = [];
  globalThis.MutationObserver = class { constructor(cb) { this.cb = cb; observers.push(this); } observe() {} };
`;

const CONTEXT = { ...BASE_CONTEXT, appOrigin: 'minihost://app', mediaBase: 'http://127.0.0.1:9/tok/', safeArea: { top: 0, right: 0, bottom: 34, left: 0 } };

test('media sources on the app origin are routed to the media server', () => {
  const p = loadPage({ context: CONTEXT, dom: FAKE_DOM.replace("globalThis.URL = URL;", "document.baseURI = 'minihost://app/episodes/index.html';") });
  const v = p.run("new HTMLMediaElement('VIDEO')");
  v.src = 'media/ep1.mp4';
  assert.equal(v.getAttribute('src'), 'http://127.0.0.1:9/tok/episodes/media/ep1.mp4');
  v.setAttribute('src', '/media/ep2.mp4');
  assert.equal(v.getAttribute('src'), 'http://127.0.0.1:9/tok/media/ep2.mp4');
  const s = p.run("new HTMLSourceElement('SOURCE')");
  s.src = 'minihost://app/a.webm';
  assert.equal(s.getAttribute('src'), 'http://127.0.0.1:9/tok/a.webm');
});

test('other origins and other elements are left alone', () => {
  const p = loadPage({ context: CONTEXT, dom: FAKE_DOM.replace("globalThis.URL = URL;", "document.baseURI = 'minihost://app/';") });
  const v = p.run("new HTMLMediaElement('VIDEO')");
  v.src = 'https://cdn.example.com/ep1.mp4';
  assert.equal(v.getAttribute('src'), 'https://cdn.example.com/ep1.mp4');
  v.src = 'blob:minihost://app/123';
  assert.equal(v.getAttribute('src'), 'blob:minihost://app/123');
  const img = p.run("new Element('IMG')");
  img.setAttribute('src', 'poster.png');
  assert.equal(img.getAttribute('src'), 'poster.png', 'images stay on the app origin');
});

test('parser-inserted media elements are rewritten when they are added', () => {
  const p = loadPage({ context: CONTEXT, dom: FAKE_DOM.replace("globalThis.URL = URL;", "document.baseURI = 'minihost://app/';") });
  const v = p.run("const v = new HTMLMediaElement('VIDEO'); Element.prototype.setAttribute.call(v, 'src', 'big.mp4'); v");
  assert.equal(v.getAttribute('src'), 'http://127.0.0.1:9/tok/big.mp4', 'setAttribute is patched on the prototype');
  const raw = p.run("const w = new HTMLMediaElement('VIDEO'); w.attrs.src = 'clip.mp4'; w");
  p.run('observers[0].cb([{ addedNodes: [w] }])');
  assert.equal(raw.getAttribute('src'), 'http://127.0.0.1:9/tok/clip.mp4');
});

test('no media base: nothing is patched', () => {
  const p = loadPage({ context: BASE_CONTEXT, dom: FAKE_DOM.replace("globalThis.URL = URL;", "document.baseURI = 'minihost://app/';") });
  const v = p.run("new HTMLMediaElement('VIDEO')");
  v.src = 'media/ep1.mp4';
  assert.equal(v.getAttribute('src'), 'media/ep1.mp4');
});

test('safe-area insets become CSS variables on :root', () => {
  const dom = `document.adoptedStyleSheets = [];
    globalThis.CSSStyleSheet = class { replaceSync(css) { this.css = css; } };`;
  const p = loadPage({ context: CONTEXT, dom });
  const sheets = p.run('document.adoptedStyleSheets');
  assert.equal(sheets.length, 1);
  assert.equal(sheets[0].css, ':root{--minihost-safe-area-inset-top:0px;--minihost-safe-area-inset-right:0px;--minihost-safe-area-inset-bottom:34px;--minihost-safe-area-inset-left:0px}');
});
