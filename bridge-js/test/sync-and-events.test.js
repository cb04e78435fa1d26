import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONTEXT, loadPage, plain, recorder, tick } from './harness.js';

test('canIUse: exact capability strings and dot-boundary prefixes only', () => {
  const page = loadPage();
  page.install();
  const { canIUse } = page.win.TTMinis;
  const yes = ['login', 'login.success', 'login.success.code', 'login.object', 'login.object.success',
    'authorize', 'authorize.object.scope', 'getMenuButtonBoundingClientRect.return.left',
    'onShow.callback.launch_from', 'onShow.callback.launch_from.anchor', 'setNavigationBarColor'];
  const no = ['login.succ', 'logi', 'login.', '.login', 'login.success.code.x', 'login.success.cod',
    'authorize.object.scop', 'setNavigationBarColorX', 'LOGIN', 'share', ''];
  for (const schema of yes) assert.equal(canIUse(schema), true, schema);
  for (const schema of no) assert.equal(canIUse(schema), false, schema);
  for (const value of [undefined, null, 1, {}, ['login'], { toString: () => 'login' }]) {
    assert.equal(canIUse(value), false, String(value));
  }
});

test('canIUse is false for APIs this bridge does not implement, even if the host lists them', () => {
  const page = loadPage();
  page.install();
  assert.ok(BASE_CONTEXT.capabilities.includes('recharge.callback.is_success'));
  assert.equal(page.win.TTMinis.canIUse('recharge'), false);
  assert.equal(page.win.TTMinis.canIUse('recharge.callback.is_success'), false);
});

test('getDeviceInfo and getMenuButtonBoundingClientRect answer synchronously with fresh copies', () => {
  const page = loadPage();
  const sdk = page.ready();
  const info = sdk.getDeviceInfo();
  assert.deepEqual(plain(info), BASE_CONTEXT.device);
  info.bottomHeight = 999;
  assert.equal(sdk.getDeviceInfo().bottomHeight, 34);
  const rect = sdk.getMenuButtonBoundingClientRect();
  assert.deepEqual(plain(rect), { width: 0, height: 0, top: 0, right: 0, bottom: 0, left: 0 });
  rect.left = 5;
  assert.equal(sdk.getMenuButtonBoundingClientRect().left, 0);
  assert.equal(page.sent.length, 0, 'no IPC');
});

test('the custom-navbar capsule rect comes from the context', () => {
  const menuButton = { width: 87, height: 32, top: 51, right: 380, bottom: 83, left: 293 };
  const page = loadPage({ context: { ...BASE_CONTEXT, menuButton } });
  assert.deepEqual(plain(page.ready().getMenuButtonBoundingClientRect()), menuButton);
});

test('strict mode gives only the documented bottomHeight', () => {
  const page = loadPage({ context: { ...BASE_CONTEXT, strict: true } });
  assert.deepEqual(plain(page.ready().getDeviceInfo()), { bottomHeight: 34 });
});

test('on returns distinct callbackId strings; off returns whether it removed one', () => {
  const page = loadPage();
  const sdk = page.ready();
  const a = recorder();
  const b = recorder();
  const idA = sdk.on('minis.show', a);
  const idB = sdk.on('minis.show', b);
  assert.equal(typeof idA, 'string');
  assert.notEqual(idA, idB);
  page.reply({ event: 'minis.show', data: { launch_from: 'anchor' } });
  assert.equal(sdk.off('minis.show', idA), true);
  assert.equal(sdk.off('minis.show', idA), false);
  assert.equal(sdk.off('minis.hide', idB), false, 'wrong event name');
  assert.equal(sdk.off('minis.show', 'cb_nope'), false);
  page.reply({ event: 'minis.show', data: { n: 2 } });
  assert.deepEqual(a.seen, [{ data: { launch_from: 'anchor' }, error: null }]);
  assert.deepEqual(b.seen, [{ data: { launch_from: 'anchor' }, error: null }, { data: { n: 2 }, error: null }]);
});

test('each event name reaches only its listeners, and an event error is passed through', () => {
  const page = loadPage();
  const sdk = page.ready();
  const show = recorder();
  const hide = recorder();
  const share = recorder();
  sdk.on('minis.show', show);
  sdk.on('minis.hide', hide);
  sdk.on('minis.share', share);
  page.reply({ event: 'minis.hide', data: {} });
  page.reply({ event: 'minis.share', data: null, error: { error_code: 1, error_msg: 'x' } });
  assert.equal(show.seen.length, 0);
  assert.deepEqual(hide.seen, [{ data: {}, error: null }]);
  assert.deepEqual(share.seen, [{ data: null, error: { error_code: 1, error_msg: 'x' } }]);
});

test('on rejects a missing callback with a TypeError', () => {
  const page = loadPage();
  page.ready();
  assert.equal(page.run(`try { TTMinis.on('minis.show'); 'ok' } catch (e) { e.constructor.name }`), 'TypeError');
});

test('minis.launch before any listener is delivered once to a late listener', async () => {
  const page = loadPage();
  page.reply({ event: 'minis.launch', data: { launch_from: 'feed', query: 'ep=2' } });
  const sdk = page.ready();
  const late = recorder();
  sdk.on('minis.launch', late);
  assert.deepEqual(late.seen, [], 'delivered asynchronously, like a real event');
  await tick(0);
  await tick(0);
  assert.deepEqual(late.seen, [{ data: { launch_from: 'feed', query: 'ep=2' }, error: null }]);
  const show = recorder();
  sdk.on('minis.show', show);
  await tick(0);
  assert.equal(show.seen.length, 0, 'only launch is buffered');
});

test('a late launch listener removed before delivery gets nothing', async () => {
  const page = loadPage();
  page.reply({ event: 'minis.launch', data: {} });
  const sdk = page.ready();
  const late = recorder();
  sdk.off('minis.launch', sdk.on('minis.launch', late));
  await tick(0);
  assert.equal(late.seen.length, 0);
});

test('a throwing event listener does not stop the others', () => {
  const page = loadPage();
  const sdk = page.ready();
  const after = recorder();
  sdk.on('minis.hide', () => {
    throw new Error('listener broke');
  });
  sdk.on('minis.hide', after);
  page.reply({ event: 'minis.hide', data: {} });
  assert.equal(after.seen.length, 1);
  assert.equal(page.errors.length, 1);
});

test('game.onShow/onHide receive the event data; offShow removes by function or all', () => {
  const page = loadPage();
  const sdk = page.ready();
  const a = recorder();
  const b = recorder();
  const h = recorder();
  sdk.game.onShow(a);
  sdk.game.onShow(b);
  sdk.game.onHide(h);
  page.reply({ event: 'minis.show', data: { scene: 1 } });
  sdk.game.offShow(a);
  page.reply({ event: 'minis.show', data: { scene: 2 } });
  sdk.game.offShow();
  page.reply({ event: 'minis.show', data: { scene: 3 } });
  page.reply({ event: 'minis.hide', data: { scene: 4 } });
  sdk.game.offHide(h);
  page.reply({ event: 'minis.hide', data: { scene: 5 } });
  assert.deepEqual(a.seen, [{ scene: 1 }]);
  assert.deepEqual(b.seen, [{ scene: 1 }, { scene: 2 }]);
  assert.deepEqual(h.seen, [{ scene: 4 }]);
});

test('host-internal events such as host.theme go through the same dispatch', () => {
  const page = loadPage();
  const sdk = page.ready();
  const theme = recorder();
  sdk.on('host.theme', theme);
  page.reply({ event: 'host.theme', data: { theme: 'dark' } });
  assert.deepEqual(theme.seen, [{ data: { theme: 'dark' }, error: null }]);
});
