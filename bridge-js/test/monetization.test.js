import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPage, recorder, plain, BASE_CONTEXT } from './harness.js';

const ok = (id, result) => ({ id, ok: true, result });
const fail = (id, error_code, error_msg) => ({ id, ok: false, error: { error_code, error_msg } });
const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(context) {
  const page = loadPage(context ? { context } : {});
  const sdk = page.ready();
  return { page, sdk };
}

test('pay(cb, {trade_order_id}) sends the id and gives {is_success, trade_order_id}', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.pay(cb, { trade_order_id: 'TOID1', log_extra: { a: 1 } });
  assert.deepEqual(plain(page.last()), { id: page.last().id, method: 'pay', params: { trade_order_id: 'TOID1' } });
  page.reply(ok(page.last().id, { is_success: true, trade_order_id: 'TOID1' }));
  assert.deepEqual(cb.seen, [{ is_success: true, trade_order_id: 'TOID1' }]);
});

test('a failed pay keeps the trade_order_id and the error', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.pay(cb, { trade_order_id: 'TOID2' });
  page.reply(fail(page.last().id, 10009, 'not enough Beans'));
  assert.deepEqual(cb.seen, [
    { is_success: false, trade_order_id: 'TOID2', error: { error_code: 10009, error_msg: 'not enough Beans' } },
  ]);
});

test('game.pay is object style: success, then complete; fail carries the error', () => {
  const { page, sdk } = setup();
  const seen = [];
  sdk.game.pay({
    trade_order_id: 'TOID3',
    success: (r) => seen.push(['success', plain(r)]),
    fail: (r) => seen.push(['fail', plain(r)]),
    complete: () => seen.push(['complete']),
  });
  assert.equal(page.last().method, 'pay');
  page.reply(ok(page.last().id, { is_success: true, trade_order_id: 'TOID3' }));
  sdk.game.pay({ trade_order_id: 'TOID4', fail: (r) => seen.push(['fail', plain(r)]) });
  page.reply(fail(page.last().id, 10010, 'already paid'));
  assert.deepEqual(seen, [
    ['success', { is_success: true, trade_order_id: 'TOID3' }],
    ['complete'],
    ['fail', { error: { error_code: 10010, error_msg: 'already paid', error_extra: {} } }],
  ]);
});

test('createSubscription gives subscription_id, and its error codes are strings as documented', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.createSubscription(cb, { trade_order_id: 'TOID5' });
  page.reply(ok(page.last().id, { trade_order_id: 'TOID5', subscription_id: 'SUB1' }));
  sdk.createSubscription(cb, {});
  page.reply(fail(page.last().id, 116101, 'trade_order_id is required'));
  assert.deepEqual(cb.seen, [
    { is_success: true, trade_order_id: 'TOID5', subscription_id: 'SUB1' },
    { is_success: false, error: { error_code: '116101', error_msg: 'trade_order_id is required' } },
  ]);
});

test('openBalance(cb, {type}) forwards the type and gives is_success', () => {
  const { page, sdk } = setup();
  const cb = recorder();
  sdk.openBalance(cb, { type: 'BEANS' });
  assert.deepEqual(plain(page.last().params), { type: 'BEANS' });
  page.reply(ok(page.last().id, { is_success: true }));
  assert.deepEqual(cb.seen, [{ is_success: true }]);
});

/** Creates a rewarded ad and answers its ad.create with id `ad`. */
async function createdAd(page, sdk, ad = 7, kind = 'createRewardedVideoAd') {
  const instance = sdk[kind]({ adUnitId: 'unit-1' });
  const create = page.last();
  assert.deepEqual(plain(create.params), {
    kind: kind === 'createRewardedVideoAd' ? 'rewarded' : 'interstitial',
    adUnitId: 'unit-1',
  });
  page.reply(ok(create.id, { ad }));
  await flush();
  return instance;
}

test('a rewarded ad: show resolves when the host says it plays; onClose gets isEnded', async () => {
  const { page, sdk } = setup();
  const ad = await createdAd(page, sdk);
  const closes = recorder();
  ad.onClose(closes);
  let shown = false;
  const showing = ad.show().then(() => (shown = true));
  await flush();
  const show = page.last();
  assert.deepEqual(plain(show), { id: show.id, method: 'ad.show', params: { ad: 7 } });
  page.reply(ok(show.id, {}));
  await showing;
  assert.equal(shown, true);
  page.reply({ event: 'ad.close', data: { ad: 7, isEnded: true } });
  page.reply({ event: 'ad.close', data: { ad: 7, isEnded: true } });
  assert.deepEqual(closes.seen, [{ isEnded: true }], 'one close per show');
});

test('a close right behind the show reply still reaches onClose; offClose removes a listener', async () => {
  const { page, sdk } = setup();
  const ad = await createdAd(page, sdk, 9);
  const kept = recorder();
  const removed = recorder();
  ad.onClose(kept);
  ad.onClose(removed);
  ad.offClose(removed);
  const showing = ad.show();
  await flush();
  page.reply(ok(page.last().id, {}));
  page.reply({ event: 'ad.close', data: { ad: 9, isEnded: false } });
  await showing;
  assert.deepEqual(kept.seen, [{ isEnded: false }]);
  assert.deepEqual(removed.seen, []);
});

test('a failed show rejects with {error_code, error_msg} and reaches onError', async () => {
  const { page, sdk } = setup();
  const ad = await createdAd(page, sdk);
  const errors = recorder();
  ad.onError(errors);
  const showing = ad.show();
  await flush();
  page.reply(fail(page.last().id, 11003, 'shown already'));
  await assert.rejects(showing, (e) => {
    assert.deepEqual(plain(e), { error_code: 11003, error_msg: 'shown already' });
    return true;
  });
  assert.deepEqual(errors.seen, [{ error_code: 11003, error_msg: 'shown already' }]);
});

test('a create error reaches onError, and show rejects with it without asking the host', async () => {
  const { page, sdk } = setup();
  const ad = sdk.createRewardedVideoAd({ adUnitId: 'unit-1' });
  const errors = recorder();
  ad.onError(errors);
  page.reply(fail(page.last().id, 20001, 'no fill'));
  await flush();
  assert.deepEqual(errors.seen, [{ error_code: 20001, error_msg: 'no fill' }]);
  const before = page.sent.length;
  await assert.rejects(ad.show(), (e) => plain(e).error_code === 20001);
  assert.equal(page.sent.length, before, 'nothing sent');
});

test('interstitial errors are {errMsg, errorCode}', async () => {
  const { page, sdk } = setup();
  const ad = await createdAd(page, sdk, 3, 'createInterstitialAd');
  const errors = recorder();
  ad.onError(errors);
  const showing = ad.show();
  await flush();
  page.reply(fail(page.last().id, 11004, 'too soon'));
  await assert.rejects(showing, (e) => {
    assert.deepEqual(plain(e), { errMsg: 'too soon', errorCode: 11004 });
    return true;
  });
  assert.deepEqual(errors.seen, [{ errMsg: 'too soon', errorCode: 11004 }]);
});

test('load() exists only outside strict mode', async () => {
  const { page, sdk } = setup();
  const ad = await createdAd(page, sdk);
  assert.equal(typeof ad.load, 'function');
  const loading = ad.load();
  await flush();
  assert.equal(page.last().method, 'ad.load');
  page.reply(ok(page.last().id, {}));
  await loading;
  const strict = setup(Object.assign({}, BASE_CONTEXT, { strict: true }));
  assert.equal(strict.sdk.createRewardedVideoAd({ adUnitId: 'u' }).load, undefined);
});
