// Compiled by `npm run typecheck`, never run: the typings accept the documented calls and
// refuse wrong ones.
import type { Client, CurrentUser, HError, LinkResult } from '../src/minihost-backend';

declare const client: Client;

async function documented(): Promise<void> {
  const user: CurrentUser = await client.auth.loginWithTt({ forceLogin: true, createUser: false, syncUserProfile: 'setnx' });
  await client.auth.loginWithTt({ syncUserProfile: false });
  const linked: LinkResult = await user.linkTt({ forceLogin: false, syncUserProfile: 'overwrite' });
  const id: number = linked.data.user_id;
  await client.auth.login({ email: 'lin@example.com', password: 'x' });
  await client.auth.register({ username: 'lin', password: 'x', nickname: 'Lin' });
  const episodes = await client.request<{ episodes: unknown[] }>('GET', '/api/episodes');
  void [id, episodes.episodes.length];
  try {
    await client.request('POST', '/api/orders', { episode: 4 });
  } catch (e) {
    const err = e as HError;
    if (err.code === 401 && err.reauth === 'authorize') await client.auth.loginWithTt({ forceLogin: true });
  }
  globalThis.MinihostBackend.createClient({ baseUrl: 'http://127.0.0.1:8788', hostApp: 'douyin' });
}

async function refused(): Promise<void> {
  // @ts-expect-error syncUserProfile is overwrite, setnx or false
  await client.auth.loginWithTt({ syncUserProfile: 'always' });
  // @ts-expect-error a password is required
  await client.auth.login({ email: 'lin@example.com' });
  // @ts-expect-error only the three host apps
  globalThis.MinihostBackend.createClient({ baseUrl: 'x', hostApp: 'myspace' });
}

void [documented, refused];
