import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST, CONTEXT_TOKEN, loadPage, plain } from './harness.js';

test('the bundle holds the context token exactly once', () => {
  assert.equal(DIST.split(CONTEXT_TOKEN).length - 1, 1);
});

test('an unsubstituted bundle still boots with defaults', () => {
  const page = loadPage({ context: null });
  const sdk = page.ready();
  assert.equal(sdk.getDeviceInfo().bottomHeight, 0);
  assert.equal(sdk.canIUse('login'), false);
  sdk.getLoginStatus(() => {});
  assert.equal(page.last().method, 'getLoginStatus');
});

test('TTMinis exists only after the SDK URL ran __minihost_sdk_install', () => {
  const page = loadPage();
  assert.equal(page.run('typeof TTMinis'), 'undefined');
  page.install();
  assert.equal(page.run('typeof TTMinis'), 'object');
});

test('before init only init, canIUse and game.init exist; other methods throw TypeError', () => {
  const page = loadPage();
  page.install();
  assert.deepEqual(plain(page.run('Object.keys(TTMinis)')), ['init', 'canIUse', 'game']);
  assert.deepEqual(plain(page.run('Object.keys(TTMinis.game)')), ['init']);
  for (const call of [
    'TTMinis.login(function () {})',
    'TTMinis.authorize({ scope: "user.info.basic" })',
    'TTMinis.getLoginStatus(function () {})',
    'TTMinis.getDeviceInfo()',
    'TTMinis.on("minis.show", function () {})',
    'TTMinis.game.login({})',
  ]) {
    const name = page.run(`try { ${call}; 'no error' } catch (e) { e.constructor.name }`);
    assert.equal(name, 'TypeError', call);
  }
  assert.equal(page.sent.length, 0, 'nothing reached the host');
});

test('init is synchronous, returns undefined, sends only init, and attaches the methods', () => {
  const page = loadPage();
  page.install();
  const result = page.win.TTMinis.init({ clientKey: 'sample-drama' });
  assert.equal(result, undefined);
  assert.equal(page.sent.length, 1);
  const [message] = page.sent;
  assert.ok(Number.isInteger(message.id));
  assert.deepEqual(message, { id: message.id, method: 'init', params: { clientKey: 'sample-drama' } });
  for (const name of ['login', 'authorize', 'getLoginStatus', 'setNavigationBarColor', 'share', 'reportEvent',
    'getDeviceInfo', 'getMenuButtonBoundingClientRect', 'on', 'off', 'pay', 'openBalance', 'createSubscription',
    'createRewardedVideoAd', 'createInterstitialAd']) {
    assert.equal(typeof page.win.TTMinis[name], 'function', name);
  }
  for (const name of ['checkBalance', 'recharge', 'navigateToBalance', 'changeSubscription']) {
    assert.equal(page.win.TTMinis[name], undefined, `${name} is not part of this bridge`);
  }
  for (const name of ['init', 'login', 'pay', 'onShow', 'offShow', 'onHide', 'offHide']) {
    assert.equal(typeof page.win.TTMinis.game[name], 'function', `game.${name}`);
  }
});

test('init twice is harmless; a missing clientKey is sent as null for the host to report', () => {
  const page = loadPage();
  page.install();
  const sdk = page.win.TTMinis;
  sdk.init({ clientKey: 'a' });
  const login = sdk.login;
  sdk.init();
  assert.equal(sdk.login, login);
  assert.deepEqual(page.sent.map((m) => m.params), [{ clientKey: 'a' }, { clientKey: null }]);
  assert.notEqual(page.sent[0].id, page.sent[1].id);
});

test('loading the SDK URL twice keeps the same, initialised object', () => {
  const page = loadPage();
  page.install();
  const sdk = page.win.TTMinis;
  sdk.init({ clientKey: 'k' });
  page.install();
  assert.equal(page.win.TTMinis, sdk);
  assert.equal(typeof page.win.TTMinis.login, 'function');
  page.run('TTMinis = undefined');
  page.install();
  assert.equal(page.win.TTMinis, sdk);
});

test('the game SDK initialises through TTMinis.game.init as well', () => {
  const page = loadPage();
  page.install();
  page.win.TTMinis.game.init({ clientKey: 'g' });
  assert.deepEqual(page.sent[0].params, { clientKey: 'g' });
  assert.equal(typeof page.win.TTMinis.game.login, 'function');
  assert.equal(typeof page.win.TTMinis.login, 'function');
});

test('a second injection of the bundle into the same page leaves the first bridge in charge', () => {
  const page = loadPage();
  const reply = page.win.__minihost_reply;
  page.run(DIST.replace(CONTEXT_TOKEN, '{"timeoutMs": 1}'));
  assert.equal(page.win.__minihost_reply, reply);
});

test('methods called in the same task as init go out in order with unique ids', () => {
  const page = loadPage();
  page.run(`
    __minihost_sdk_install();
    TTMinis.init({ clientKey: 'sample-drama' });
    TTMinis.getLoginStatus(function () {});
    TTMinis.login({});
  `);
  assert.deepEqual(page.sent.map((m) => m.method), ['init', 'getLoginStatus', 'login']);
  assert.equal(new Set(page.sent.map((m) => m.id)).size, 3);
});
