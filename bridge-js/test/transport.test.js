import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONTEXT, loadPage, recorder, tick } from './harness.js';

for (const endpoint of ['android', 'ios']) {
  test(`the ${endpoint} transport posts the same envelope`, () => {
    const page = loadPage({ context: { ...BASE_CONTEXT, transport: endpoint }, endpoint });
    const sdk = page.ready();
    const cb = recorder();
    sdk.getLoginStatus(cb);
    assert.equal(page.last().method, 'getLoginStatus');
    assert.equal(typeof page.raw.at(-1), 'string', 'messages are JSON strings');
    page.reply({ id: page.last().id, ok: true, result: { status: 'unknown' } });
    assert.deepEqual(cb.seen, [{ status: 'unknown' }]);
  });
}

test('the transport follows the context, not whichever endpoint exists', () => {
  const page = loadPage({ context: { ...BASE_CONTEXT, transport: 'android' }, endpoint: 'ipc' });
  page.install();
  page.win.TTMinis.init({ clientKey: 'k' });
  assert.equal(page.sent.length, 0);
});

test('messages sent before the native endpoint exists are queued, in order, and flushed when it appears', async () => {
  const page = loadPage({ endpoint: 'none' });
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  sdk.share(() => {}, { title: 't' });
  const received = [];
  page.win.ipc = { postMessage: (m) => received.push(JSON.parse(m)) };
  await tick(25);
  assert.deepEqual(received.map((m) => m.method), ['init', 'getLoginStatus', 'share']);
  page.reply({ id: received[1].id, ok: true, result: { status: 'connected' } });
  assert.deepEqual(cb.seen, [{ status: 'connected' }]);
});

test('a queued call still times out if the endpoint never appears', async () => {
  const page = loadPage({ endpoint: 'none' });
  const sdk = page.ready();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  await tick(50);
  assert.equal(cb.seen.length, 1);
  assert.equal(cb.seen[0].error.error_code, 50002);
});

test('an endpoint that throws settles the call with error_code 50000', async () => {
  const page = loadPage();
  const sdk = page.ready();
  page.breakEndpoint('native side gone');
  const failCb = recorder();
  sdk.login({ fail: failCb });
  await tick(0);
  assert.equal(failCb.seen.length, 1);
  assert.equal(failCb.seen[0].error.error_code, 50000);
  assert.match(failCb.seen[0].error.error_msg, /native side gone/);
});

test('replacing window.ipc after boot does not redirect bridge traffic', () => {
  const page = loadPage();
  const sdk = page.ready();
  const stolen = [];
  page.win.ipc = { postMessage: (m) => stolen.push(m) };
  sdk.getLoginStatus(() => {});
  assert.equal(stolen.length, 0);
  assert.equal(page.last().method, 'getLoginStatus');
});
