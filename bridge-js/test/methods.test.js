import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPage, recorder, plain } from './harness.js';

const ok = (id, result) => ({ id, ok: true, result });
const fail = (id, error_code, error_msg, extra) => ({
  id,
  ok: false,
  error: Object.assign({ error_code, error_msg }, extra ? { error_extra: extra } : {}),
});

function setup() {
  const page = loadPage();
  const sdk = page.ready();
  return { page, sdk };
}

test('positional login(cb, {scope, returnScopes}) forwards the options and returns authResponse with grantedScopes', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.login(cb, { scope: 'user.info.basic,user.info.open_id', returnScopes: true });
  const msg = page.last();
  assert.deepEqual(msg, {
    id: msg.id,
    method: 'login',
    params: { scope: 'user.info.basic,user.info.open_id', returnScopes: true },
  });
  page.reply(ok(msg.id, { code: 'c1', grantedScopes: 'user.info.basic' }));
  assert.deepEqual(cb.seen, [{ authResponse: { code: 'c1', grantedScopes: 'user.info.basic' } }]);
});

test('positional login leaves grantedScopes out unless returnScopes is true', () => {
  const { page, sdk } = setup();
  let got;
  sdk.login((res) => (got = res), { scope: 'user.info.basic' });
  page.reply(ok(page.last().id, { code: 'c2', grantedScopes: 'user.info.basic' }));
  assert.deepEqual(plain(got), { authResponse: { code: 'c2' } });
  assert.equal('grantedScopes' in got.authResponse, false);
});

test('newest-style login(cb) sends no options and gets authResponse.code', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.login(cb);
  assert.deepEqual(page.last().params, {});
  page.reply(ok(page.last().id, { code: 'c3', grantedScopes: '' }));
  assert.deepEqual(cb.seen, [{ authResponse: { code: 'c3' } }]);
});

test('positional login failure gives authResponse null and the error', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.login(cb);
  page.reply(fail(page.last().id, 10001, 'user cancelled'));
  assert.deepEqual(cb.seen, [{ authResponse: null, error: { error_code: 10001, error_msg: 'user cancelled' } }]);
});

test('object login: success({code}) then complete()', () => {
  const { page, sdk } = setup();
  const order = [];
  sdk.login({
    success: (r) => order.push(['success', plain(r)]),
    fail: (e) => order.push(['fail', plain(e)]),
    complete: (...args) => order.push(['complete', args.length]),
  });
  assert.deepEqual(page.last().params, {});
  page.reply(ok(page.last().id, { code: 'c4', grantedScopes: 'user.info.basic' }));
  assert.deepEqual(order, [['success', { code: 'c4' }], ['complete', 0]]);
});

test('object login: fail({error:{error_code, error_msg, error_extra}}) then complete()', () => {
  const { page, sdk } = setup();
  const order = [];
  sdk.login({
    success: (r) => order.push(['success', plain(r)]),
    fail: (e) => order.push(['fail', plain(e)]),
    complete: () => order.push(['complete']),
  });
  page.reply(fail(page.last().id, 102102, 'no privacy policy configured'));
  assert.deepEqual(order, [
    ['fail', { error: { error_code: 102102, error_msg: 'no privacy policy configured', error_extra: {} } }],
    ['complete'],
  ]);
});

test('login uses the interactive timeout, not the short one', async () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.login(cb);
  await new Promise((r) => setTimeout(r, 45)); // past timeoutMs (30), far below interactiveTimeoutMs
  assert.deepEqual(cb.seen, []);
  page.reply(ok(page.last().id, { code: 'late-but-fine' }));
  assert.deepEqual(cb.seen, [{ authResponse: { code: 'late-but-fine' } }]);
});

test('positional authorize(cb, {scope}) always returns grantedScopes', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.authorize(cb, { scope: 'user.info.basic' });
  assert.deepEqual(page.last().params, { scope: 'user.info.basic' });
  page.reply(ok(page.last().id, { code: 'a1', grantedScopes: 'user.info.basic' }));
  assert.deepEqual(cb.seen, [{ authResponse: { code: 'a1', grantedScopes: 'user.info.basic' } }]);
});

test('authorize without a scope asks for the documented default user.info.basic', () => {
  const { page, sdk } = setup();
  sdk.authorize(() => {});
  assert.deepEqual(page.last().params, { scope: 'user.info.basic' });
  sdk.authorize({});
  assert.deepEqual(page.last().params, { scope: 'user.info.basic' });
});

test('authorize forwards bad scopes untouched: the host validates', () => {
  const { page, sdk } = setup();
  sdk.authorize({ scope: ['not', 'a', 'string'] });
  assert.deepEqual(page.last().params, { scope: ['not', 'a', 'string'] });
});

test('object authorize({scope, success, fail, complete}): allow and deny', () => {
  const { page, sdk } = setup();
  const success = recorder();
  const failCb = recorder();
  const complete = recorder();
  sdk.authorize({ scope: 'user.info.basic', success, fail: failCb, complete });
  page.reply(ok(page.last().id, { code: 'a2', grantedScopes: 'user.info.basic' }));
  assert.deepEqual(success.seen, [{ code: 'a2', grantedScopes: 'user.info.basic' }]);

  sdk.authorize({ scope: 'user.info.basic', success, fail: failCb, complete });
  page.reply(fail(page.last().id, 10002, 'user denied', { scope: 'user.info.basic' }));
  assert.deepEqual(failCb.seen, [
    { error: { error_code: 10002, error_msg: 'user denied', error_extra: { scope: 'user.info.basic' } } },
  ]);
  assert.equal(complete.seen.length, 2);
});

test('positional authorize failure gives authResponse null and the error', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.authorize(cb, { scope: 'user.info.basic' });
  page.reply(fail(page.last().id, 10002, 'user denied'));
  assert.deepEqual(cb.seen, [{ authResponse: null, error: { error_code: 10002, error_msg: 'user denied' } }]);
});

test('getLoginStatus(cb, opts) sends {} and returns the status; the object style works too', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.getLoginStatus(cb, { clientKey: '', scope: '' });
  assert.deepEqual(page.last().params, {});
  page.reply(ok(page.last().id, { status: 'not_authorized' }));
  assert.deepEqual(cb.seen, [{ status: 'not_authorized' }]);

  const success = recorder();
  const complete = recorder();
  sdk.getLoginStatus({ success, complete });
  page.reply(ok(page.last().id, { status: 'connected' }));
  assert.deepEqual(success.seen, [{ status: 'connected' }]);
  assert.equal(complete.seen.length, 1);
});

test('getLoginStatus failure reports unknown with the error', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.getLoginStatus(cb);
  page.reply(fail(page.last().id, 500, 'platform down'));
  assert.deepEqual(cb.seen, [{ status: 'unknown', error: { error_code: 500, error_msg: 'platform down' } }]);
});

test('setNavigationBarColor(opts, cb) forwards the colours and maps is_success', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.setNavigationBarColor({ frontColor: '#ffffff', backgroundColor: '#112233', extra: 1 }, cb);
  assert.deepEqual(page.last().params, { frontColor: '#ffffff', backgroundColor: '#112233' });
  page.reply(ok(page.last().id, {}));
  sdk.setNavigationBarColor({ frontColor: 'red', backgroundColor: '#112233' }, cb);
  assert.deepEqual(page.last().params, { frontColor: 'red', backgroundColor: '#112233' }, 'no validation in JS');
  page.reply(fail(page.last().id, 40001, 'frontColor must be #ffffff or #000000'));
  assert.deepEqual(cb.seen, [
    { is_success: true },
    { is_success: false, error: { error_code: 40001, error_msg: 'frontColor must be #ffffff or #000000' } },
  ]);
});

test('share(cb, opts) forwards the share content and maps is_success', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.share(cb, { title: 'Ep 3', desc: 'd', imageUrl: 'https://x/y.png', query: 'ep=3', other: true });
  assert.deepEqual(page.last().params, { title: 'Ep 3', desc: 'd', imageUrl: 'https://x/y.png', query: 'ep=3' });
  page.reply(ok(page.last().id, {}));
  assert.deepEqual(cb.seen, [{ is_success: true }]);
});

test('reportEvent({eventName, params, callback}) uses camelCase isSuccess', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.reportEvent({ eventName: 'play', params: { ep: 1 }, callback: cb });
  assert.deepEqual(page.last().params, { eventName: 'play', params: { ep: 1 } });
  page.reply(ok(page.last().id, {}));
  sdk.reportEvent({ eventName: 'play', params: {}, callback: cb });
  page.reply(fail(page.last().id, 1, 'bad event'));
  assert.deepEqual(cb.seen, [{ isSuccess: true }, { isSuccess: false, error: { error_code: 1, error_msg: 'bad event' } }]);
});

test('game.login is the object style over the same bridge method', () => {
  const { page, sdk } = setup();
  const success = recorder();
  sdk.game.login({ success });
  assert.equal(page.last().method, 'login');
  page.reply(ok(page.last().id, { code: 'g1' }));
  assert.deepEqual(success.seen, [{ code: 'g1' }]);
});

test('a call without any callback still reaches the host and settles quietly', () => {
  const { page, sdk } = setup();
  sdk.login();
  sdk.getLoginStatus();
  assert.deepEqual(page.sent.map((m) => m.method), ['login', 'getLoginStatus']);
  page.reply(ok(page.sent[0].id, { code: 'x' }));
  page.reply(fail(page.sent[1].id, 1, 'x'));
  assert.deepEqual(page.errors, []);
});
