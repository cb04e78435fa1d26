// The client against a scripted backend (fetch) and a scripted TTMinis: what it sends, what
// it keeps, and how it reacts to 404, 603 and 401 answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/minihost-backend.js';

const { createClient } = globalThis.MinihostBackend;

/** TTMinis whose login/authorize hand out numbered codes, authorize optionally declined. */
function fakeTT({ denyAuthorize = false } = {}) {
  const calls = [];
  let n = 0;
  const answer = (method) => (o) => {
    calls.push(method);
    if (method === 'authorize' && denyAuthorize) o.fail({ error: { error_code: 10003, error_msg: 'the user denied authorization' } });
    else o.success({ code: `${method}-${++n}` });
  };
  return { calls, login: answer('login'), authorize: answer('authorize') };
}

/** A fetch that answers from `routes` ("POST /api/x" → (body, headers) => [status, json]). */
function fakeFetch(routes) {
  const seen = [];
  const f = async (url, init) => {
    const path = new URL(url).pathname;
    const body = init.body ? JSON.parse(init.body) : undefined;
    seen.push({ route: `${init.method} ${path}`, body, auth: init.headers.Authorization });
    const route = routes[`${init.method} ${path}`];
    const [status, json] = route ? route(body, init.headers) : [404, { code: 404, message: 'no such endpoint' }];
    return { ok: status < 300, status, json: async () => json };
  };
  return { seen, f };
}

const alice = { id: 7, username: null, email: null, nickname: null, avatar: null, tiktok: [{ openid: 'oa', host_app: 'tiktok' }] };

test('loginWithTt logs in silently by default and sends the session as a Bearer token', async () => {
  const tt = fakeTT();
  const api = fakeFetch({
    'POST /api/auth/tiktok': (body) => [200, { token: `s-${body.code}`, user: alice }],
    'GET /api/me': () => [200, alice],
  });
  const client = createClient({ baseUrl: 'http://127.0.0.1:9/', tt, fetch: api.f });
  const user = await client.auth.loginWithTt();
  assert.equal(user.id, 7);
  assert.equal(typeof user.linkTt, 'function');
  assert.deepEqual(tt.calls, ['login']);
  assert.deepEqual(api.seen[0].body, { code: 'login-1', createUser: true, syncUserProfile: 'setnx' });
  await client.auth.getCurrentUser();
  assert.equal(api.seen[1].auth, 'Bearer s-login-1');
});

test('createUser: false rejects with the 404 HError and the openid to bind', async () => {
  const api = fakeFetch({
    'POST /api/auth/tiktok': () => [404, { code: 404, message: 'no account is bound', openid: 'oa' }],
  });
  const client = createClient({ baseUrl: 'http://b', tt: fakeTT(), fetch: api.f });
  await assert.rejects(client.auth.loginWithTt({ createUser: false }), (e) => e.code === 404 && e.openid === 'oa');
  assert.equal(api.seen[0].body.createUser, false);
  assert.equal(client.auth.isSignedIn(), false);
});

test('a declined authorize falls back to silent login and rejects with 603, id and openid', async () => {
  const tt = fakeTT({ denyAuthorize: true });
  const api = fakeFetch({ 'POST /api/auth/tiktok': (b) => [200, { token: `s-${b.code}`, user: alice }] });
  const client = createClient({ baseUrl: 'http://b', tt, fetch: api.f });
  await assert.rejects(client.auth.loginWithTt({ forceLogin: true }), (e) => {
    assert.deepEqual([e.code, e.message, e.id, e.openid], [603, 'unauthorized', 7, 'oa']);
    return true;
  });
  assert.deepEqual(tt.calls, ['authorize', 'login']);
  assert.equal(client.auth.isSignedIn(), true, 'the basic identity is signed in');
});

test('linkTt binds a fresh code and answers like ifanr: {statusCode, data}', async () => {
  const tt = fakeTT();
  const linked = { message: 'User associated.', openid: 'oa', status: 'ok', user_id: 3 };
  const api = fakeFetch({
    'POST /api/auth/login': () => [200, { token: 'pw', user: { ...alice, id: 3, tiktok: [] } }],
    'POST /api/auth/link-tiktok': () => [200, linked],
  });
  const client = createClient({ baseUrl: 'http://b', tt, fetch: api.f, hostApp: 'douyin' });
  const user = await client.auth.login({ email: 'lin@example.com', password: 'x' });
  const res = await user.linkTt({ forceLogin: true, syncUserProfile: 'overwrite' });
  assert.deepEqual(res, { statusCode: 200, data: linked });
  assert.deepEqual(api.seen[1].body, { code: 'authorize-1', syncUserProfile: 'overwrite', hostApp: 'douyin' });
  assert.equal(api.seen[1].auth, 'Bearer pw');
});

test('a 401 asking for login re-runs the silent login once and retries the call', async () => {
  const tt = fakeTT();
  let orders = 0;
  const api = fakeFetch({
    'POST /api/auth/tiktok': (b) => [200, { token: `s-${b.code}`, user: alice }],
    'POST /api/orders': (_, h) =>
      ++orders === 1 ? [401, { code: 401, message: 'expired', reauth: 'login' }] : [200, { trade_order_id: 'T', auth: h.Authorization }],
  });
  const reauths = [];
  const client = createClient({ baseUrl: 'http://b', tt, fetch: api.f, onReauth: (w) => reauths.push(w) });
  await client.auth.loginWithTt();
  const order = await client.request('POST', '/api/orders', { episode: 4 });
  assert.deepEqual(order, { trade_order_id: 'T', auth: 'Bearer s-login-2' });
  assert.deepEqual(tt.calls, ['login', 'login']);
  assert.deepEqual(reauths, ['login']);
});

test('a 401 asking for authorize re-runs authorize; other errors pass through as HErrors', async () => {
  const tt = fakeTT();
  let calls = 0;
  const api = fakeFetch({
    'POST /api/auth/tiktok': (b) => [200, { token: `s-${b.code}`, user: alice }],
    'GET /api/episodes': () => (++calls === 1 ? [401, { code: 401, message: 'revoked', reauth: 'authorize' }] : [200, { episodes: [] }]),
    'POST /api/ads/rewarded': () => [422, { code: 422, message: 'the ad was closed before its end: no reward', field: 'isEnded' }],
  });
  const client = createClient({ baseUrl: 'http://b', tt, fetch: api.f });
  assert.deepEqual(await client.request('GET', '/api/episodes'), { episodes: [] });
  assert.deepEqual(tt.calls, ['authorize']);
  await assert.rejects(client.request('POST', '/api/ads/rewarded', {}), (e) => e.code === 422 && e.field === 'isEnded');
  const offline = createClient({ baseUrl: 'http://b', tt, fetch: async () => { throw new Error('ECONNREFUSED'); } });
  await assert.rejects(offline.request('GET', '/api/me'), (e) => e.code === 0 && /ECONNREFUSED/.test(e.message));
});
