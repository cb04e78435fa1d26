// Run by backend/tests/api.rs against a real backend and platform: seed 001's multi-platform
// path through the client. createUser: false → 404 → register → linkTt → the next login
// signs straight in. TTMinis is played by the platform's admin API (codes for alice).
import assert from 'node:assert/strict';
import '../src/minihost-backend.js';

const { BACKEND_URL, PLATFORM_URL, CLIENT_KEY } = process.env;
const code = async () => {
  const res = await fetch(`${PLATFORM_URL}/__admin/codes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_key: CLIENT_KEY, username: 'alice', scopes: 'user.info.open_id' }),
  });
  return (await res.json()).code;
};
const tt = { login: (o) => code().then((c) => o.success({ code: c }), o.fail), authorize: (o) => tt.login(o) };
const client = () => globalThis.MinihostBackend.createClient({ baseUrl: BACKEND_URL, tt });

const first = client();
const missing = await first.auth.loginWithTt({ createUser: false }).then(
  () => assert.fail('a new TikTok user must not be created'),
  (e) => e,
);
assert.equal(missing.code, 404, missing.message);
const user = await first.auth.register({ email: 'lin@example.com', password: 'bakery-debt-7' });
const linked = await user.linkTt();
assert.equal(linked.statusCode, 200);
assert.equal(linked.data.message, 'User associated.');
assert.equal(linked.data.user_id, user.id);
assert.equal(linked.data.openid, missing.openid);

const again = await client().auth.loginWithTt({ createUser: false });
assert.equal(again.id, user.id);
assert.equal(again.email, 'lin@example.com');
console.log(JSON.stringify({ user_id: again.id, openid: linked.data.openid }));
