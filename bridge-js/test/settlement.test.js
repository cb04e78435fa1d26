import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPage, recorder, tick } from './harness.js';

// BASE_CONTEXT.timeoutMs is 30 ms; waits stay at or below 50 ms.
const PAST_TIMEOUT = 50;

test('a call with no reply times out once with error_code 50002', async () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  await tick(PAST_TIMEOUT);
  assert.deepEqual(cb.seen, [
    { status: 'unknown', error: { error_code: 50002, error_msg: 'timeout: no reply from host within 30 ms' } },
  ]);
});

test('a reply after the timeout is dropped', async () => {
  const page = loadPage();
  const sdk = page.ready();
  const failCb = recorder();
  const success = recorder();
  const complete = recorder();
  sdk.setNavigationBarColor({ frontColor: '#000000', backgroundColor: '#ffffff', success, fail: failCb, complete });
  const { id } = page.last();
  await tick(PAST_TIMEOUT);
  page.reply({ id, ok: true, result: {} });
  assert.equal(success.seen.length, 0);
  assert.equal(failCb.seen.length, 1);
  assert.equal(failCb.seen[0].error.error_code, 50002);
  assert.equal(complete.seen.length, 1);
});

test('a reply before the timeout cancels it: exactly one settlement', async () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  page.reply({ id: page.last().id, ok: true, result: { status: 'connected' } });
  await tick(PAST_TIMEOUT);
  assert.deepEqual(cb.seen, [{ status: 'connected' }]);
});

test('duplicate replies settle once; the first wins', () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  const { id } = page.last();
  page.reply({ id, ok: true, result: { status: 'connected' } });
  page.reply({ id, ok: true, result: { status: 'unknown' } });
  page.reply({ id, ok: false, error: { error_code: 1, error_msg: 'x' } });
  assert.deepEqual(cb.seen, [{ status: 'connected' }]);
});

test('replies for unknown ids and junk messages are ignored', () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  const { id } = page.last();
  for (const junk of [
    { id: id + 1000, ok: true, result: { status: 'connected' } },
    { id: String(id), ok: true, result: { status: 'connected' } },
    { ok: true, result: {} },
    null,
    42,
    'not json',
    '[]',
    { event: 7 },
  ]) {
    assert.doesNotThrow(() => page.reply(junk));
  }
  assert.deepEqual(cb.seen, []);
  page.reply(JSON.stringify({ id, ok: true, result: { status: 'connected' } }));
  assert.deepEqual(cb.seen, [{ status: 'connected' }], 'a JSON string reply works too');
});

test('ids of init notifications and reports never match a pending call', () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  sdk.init({ clientKey: 'again' });
  page.reply({ id: page.last().id, ok: true, result: { status: 'connected' } });
  assert.deepEqual(cb.seen, []);
});

test('an error reply without an error object becomes error_code 10007', () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  sdk.login(cb);
  page.reply({ id: page.last().id, ok: false });
  assert.deepEqual(cb.seen, [
    { authResponse: null, error: { error_code: 10007, error_msg: 'malformed reply from host' } },
  ]);
});

test('unserialisable params settle with error_code 10002 and send nothing', async () => {
  const page = loadPage();
  const sdk = page.ready();
  const cb = recorder();
  const params = {};
  params.self = params;
  sdk.reportEvent({ eventName: 'loop', params, callback: cb });
  assert.equal(page.sent.length, 0);
  await tick(0);
  assert.equal(cb.seen.length, 1);
  assert.equal(cb.seen[0].isSuccess, false);
  assert.equal(cb.seen[0].error.error_code, 10002);
});

test('a throwing callback is logged and reported, and the bridge keeps working', () => {
  const page = loadPage();
  const sdk = page.ready();
  const complete = recorder();
  sdk.login({
    success() {
      throw new Error('boom in success');
    },
    complete,
  });
  page.reply({ id: page.last().id, ok: true, result: { code: 'c' } });
  assert.equal(complete.seen.length, 1, 'complete still runs after success threw');
  assert.equal(page.errors.length, 1);
  assert.match(String(page.errors[0][0]), /TTMinis\.login success threw/);
  const report = page.reports().at(-1);
  assert.equal(report.kind, 'error');
  assert.match(report.message, /boom in success/);

  const cb = recorder();
  sdk.getLoginStatus(cb);
  page.reply({ id: page.last().id, ok: true, result: { status: 'connected' } });
  assert.deepEqual(cb.seen, [{ status: 'connected' }]);
});

test('a page that replaces JSON and timers after boot does not break the bridge', async () => {
  const page = loadPage();
  const sdk = page.ready();
  page.run(`
    JSON.stringify = function () { return '"hijacked"'; };
    JSON.parse = function () { return null; };
    window.setTimeout = function () { return 0; };
    window.console.error = function () {};
  `);
  const cb = recorder();
  sdk.getLoginStatus(cb);
  assert.equal(page.last().method, 'getLoginStatus');
  page.reply(page.run(`'{"id": ${page.last().id}, "ok": true, "result": {"status": "connected"}}'`));
  assert.deepEqual(cb.seen, [{ status: 'connected' }]);
  sdk.getLoginStatus(cb);
  await tick(PAST_TIMEOUT);
  assert.equal(cb.seen.length, 2, 'the captured setTimeout still runs the timeout');
});

test('a batch of replies and events settles each call once, in order, past a throwing callback', () => {
  const page = loadPage();
  const sdk = page.ready();
  const order = [];
  sdk.getLoginStatus(() => order.push('a'));
  const a = page.last().id;
  sdk.getLoginStatus(() => {
    order.push('b');
    throw new Error('app bug');
  });
  const b = page.last().id;
  sdk.getLoginStatus((res) => order.push(`c:${res.status}`));
  const c = page.last().id;
  page.reply([
    { id: b, ok: true, result: { status: 'connected' } },
    { id: a, ok: true, result: { status: 'connected' } },
    { id: a, ok: true, result: { status: 'unknown' } },
    { id: c, ok: true, result: { status: 'unknown' } },
  ]);
  assert.deepEqual(order, ['b', 'a', 'c:unknown']);
});

test('calls in flight share one timeout timer and each still times out once', async () => {
  const count = 'const st = setTimeout; globalThis.timers = 0; globalThis.setTimeout = (f, ms) => { globalThis.timers++; return st(f, ms); };';
  const page = loadPage({ dom: count });
  const sdk = page.ready();
  const before = page.run('timers');
  const cbs = Array.from({ length: 500 }, () => recorder());
  for (const cb of cbs) sdk.getLoginStatus(cb);
  assert.equal(page.run('timers') - before, 1, 'one timer armed for 500 calls');
  await tick(PAST_TIMEOUT);
  for (const cb of cbs) assert.deepEqual(cb.seen.map((r) => r.error.error_code), [50002]);
});
