import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPage, recorder } from './harness.js';

for (const entry of ['__minihost_reply', '__minihost_sdk_install']) {
  test(`${entry} cannot be overwritten, redefined, deleted or shadowed by the page`, () => {
    const page = loadPage();
    const original = page.win[entry];
    assert.equal(typeof original, 'function');
    page.run(`window.${entry} = function () {}`);
    assert.equal(page.win[entry], original, 'sloppy assignment is ignored');
    assert.equal(page.run(`(function () { 'use strict'; try { window.${entry} = 1; return 'assigned'; } catch (e) { return e.constructor.name; } })()`), 'TypeError');
    assert.equal(page.run(`try { Object.defineProperty(window, '${entry}', { value: 1 }); 'redefined' } catch (e) { e.constructor.name }`), 'TypeError');
    assert.equal(page.run(`delete window.${entry}`), false);
    for (const decl of [`let ${entry} = 1;`, `const ${entry} = 1;`, `class ${entry} {}`]) {
      assert.throws(() => page.run(decl), (e) => e.name === 'SyntaxError', decl);
    }
    page.run(`var ${entry} = 2;`);
    assert.equal(page.win[entry], original, 'var does not replace it');
    assert.equal(page.run(`Object.keys(window).includes('${entry}')`), false, 'not enumerable');
    assert.equal(page.win[entry], original);
  });
}

test('replies still arrive after the page tried to hijack the entry point', () => {
  const page = loadPage();
  const sdk = page.ready();
  page.run(`window.__minihost_reply = function () { window.stolen = true; };`);
  const cb = recorder();
  sdk.getLoginStatus(cb);
  page.run(`__minihost_reply({ id: ${page.last().id}, ok: true, result: { status: 'connected' } })`);
  assert.deepEqual(cb.seen, [{ status: 'connected' }]);
  assert.equal(page.win.stolen, undefined);
});

test('navigator.clipboard, geolocation and vibrate are undefined and stay so', () => {
  const page = loadPage();
  for (const name of ['clipboard', 'geolocation', 'vibrate']) {
    assert.equal(page.run(`typeof navigator.${name}`), 'undefined', name);
    assert.equal(page.run(`try { Object.defineProperty(Navigator.prototype, '${name}', { value: 1 }); 'redefined' } catch (e) { e.constructor.name }`), 'TypeError', name);
    page.run(`navigator.${name} = { fake: true }`);
    assert.equal(page.run(`typeof navigator.${name}`), 'undefined', `${name} after assignment`);
  }
  assert.equal(page.run('typeof navigator.userAgent'), 'string', 'other navigator APIs are untouched');
});

test('touching a forbidden navigator API is reported once per API', () => {
  const page = loadPage();
  page.run('navigator.clipboard; navigator.clipboard; navigator.geolocation; navigator.vibrate');
  assert.deepEqual(page.reports(), [
    { kind: 'api', api: 'navigator.clipboard' },
    { kind: 'api', api: 'navigator.geolocation' },
    { kind: 'api', api: 'navigator.vibrate' },
  ]);
  for (const message of page.sent) assert.equal(message.method, '__report');
});

test('window.open returns null, cannot be restored, and is reported', () => {
  const page = loadPage();
  assert.equal(page.run(`window.open('https://evil.example/', '_blank')`), null);
  page.run('window.open = function () { return {}; }');
  assert.equal(page.run('window.open()'), null);
  assert.deepEqual(page.reports(), [
    { kind: 'api', api: 'window.open', url: 'https://evil.example/' },
    { kind: 'api', api: 'window.open', url: null },
  ]);
});

test('securitypolicyviolation events are forwarded as one-way csp reports', async () => {
  const page = loadPage();
  page.ready();
  const event = new Event('securitypolicyviolation');
  Object.assign(event, {
    effectiveDirective: 'script-src',
    violatedDirective: 'script-src-elem',
    blockedURI: 'eval',
    sourceFile: 'app://localhost/app.js',
    lineNumber: 12,
    columnNumber: 5,
    sample: 'eval("1+1")',
  });
  page.win.document.dispatchEvent(event);
  const message = page.last();
  assert.ok(Number.isInteger(message.id));
  assert.deepEqual(message, {
    id: message.id,
    method: '__report',
    params: {
      kind: 'csp',
      directive: 'script-src',
      blockedURL: 'eval',
      sourceFile: 'app://localhost/app.js',
      line: 12,
      column: 5,
      sample: 'eval("1+1")',
    },
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(page.sent.length, 1, 'reports are never retried or timed out');
});

test('a csp event with only violatedDirective still names the directive', () => {
  const page = loadPage();
  const event = new Event('securitypolicyviolation');
  Object.assign(event, { violatedDirective: 'frame-src', blockedURI: 'https://x.example/' });
  page.win.document.dispatchEvent(event);
  assert.equal(page.reports()[0].directive, 'frame-src');
  assert.equal(page.reports()[0].blockedURL, 'https://x.example/');
});

test('uncaught errors and unhandled rejections are reported', () => {
  const page = loadPage();
  const error = new Event('error');
  Object.assign(error, {
    message: 'Uncaught ReferenceError: foo is not defined',
    filename: 'app://localhost/app.js',
    lineno: 3,
    colno: 9,
    error: new ReferenceError('foo is not defined'),
  });
  page.win.dispatchEvent(error);
  const rejection = new Event('unhandledrejection');
  rejection.reason = new Error('fetch failed');
  page.win.dispatchEvent(rejection);
  const [first, second] = page.reports();
  assert.equal(first.kind, 'error');
  assert.equal(first.message, 'Uncaught ReferenceError: foo is not defined');
  assert.equal(first.sourceFile, 'app://localhost/app.js');
  assert.equal(first.line, 3);
  assert.equal(first.column, 9);
  assert.match(first.stack, /ReferenceError/);
  assert.equal(second.kind, 'error');
  assert.match(second.message, /unhandled promise rejection: Error: fetch failed/);
});

function violation(page, fields) {
  const event = new Event('securitypolicyviolation');
  Object.assign(event, fields);
  page.win.document.dispatchEvent(event);
}

test('a repeated violation from the same place is reported once', () => {
  const page = loadPage();
  const eruda = { effectiveDirective: 'script-src', blockedURI: 'eval', sourceFile: 'https://connect.tiktok-minis.com/libs/eruda.js', lineNumber: 2, columnNumber: 133642 };
  for (let i = 0; i < 18; i++) violation(page, eruda);
  violation(page, { ...eruda, columnNumber: 7 });
  assert.deepEqual(page.reports().map((r) => r.column), [133642, 7]);
});

test('a flood of reports is capped', () => {
  const page = loadPage();
  for (let i = 0; i < 700; i++) violation(page, { effectiveDirective: 'img-src', lineNumber: i });
  const reports = page.reports();
  assert.equal(reports.length, 501);
  assert.match(reports.at(-1).message, /further reports dropped/);
});
