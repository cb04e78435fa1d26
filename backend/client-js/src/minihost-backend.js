// The mini app's client of minihost-backend, shaped like ifanr's BaaS SDK (seed 001):
//   const api = MinihostBackend.createClient({ baseUrl });
//   const user = await api.auth.loginWithTt({ forceLogin, createUser, syncUserProfile });
//   await user.linkTt({ forceLogin, syncUserProfile });
// A plain script (no modules, no dependencies): it sets globalThis.MinihostBackend.
// Errors are HError-like `{code, message, ...}`; the session travels as a Bearer token.
(function (global) {
  'use strict';

  const PROFILE_SCOPE = 'user.info.basic';

  /** An ifanr-style error: `code` is the HTTP status (or the platform's error code). */
  class HError extends Error {
    constructor(code, message, extra) {
      super(message);
      this.name = 'HError';
      this.code = code;
      Object.assign(this, extra);
    }
  }

  /** TTMinis.login / authorize as a promise of the code. */
  function ttCode(tt, method, options) {
    return new Promise((resolve, reject) => {
      if (!tt || typeof tt[method] !== 'function') {
        reject(new HError(600, `TTMinis.${method} is not available`));
        return;
      }
      tt[method]({
        ...options,
        success: (res) => resolve(res.code),
        fail: (res) => {
          const e = (res && res.error) || {};
          reject(new HError(e.error_code || 600, e.error_msg || `${method} failed`, { denied: true }));
        },
      });
    });
  }

  function createClient(options) {
    const opts = options || {};
    const baseUrl = String(opts.baseUrl || '').replace(/\/+$/, '');
    const doFetch = opts.fetch || global.fetch.bind(global);
    const getTT = () => opts.tt || global.TTMinis;
    let session = null;

    async function send(method, path, body) {
      const headers = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (session) headers.Authorization = `Bearer ${session}`;
      let res;
      try {
        res = await doFetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (e) {
        throw new HError(0, `cannot reach ${baseUrl}: ${e && e.message ? e.message : e}`);
      }
      let data = null;
      try {
        data = await res.json();
      } catch (_) {
        data = null;
      }
      if (!res.ok) {
        const { code, message, ...extra } = data && typeof data === 'object' ? data : {};
        throw new HError(code || res.status, message || `HTTP ${res.status}`, extra);
      }
      return data;
    }

    function currentUser(user) {
      return Object.assign(Object.create(currentUserMethods), user);
    }

    const currentUserMethods = {
      /** Binds the TikTok identity of a fresh code to this (signed-in) account. */
      async linkTt(o) {
        const { forceLogin = false, syncUserProfile = 'setnx' } = o || {};
        const code = await freshCode(forceLogin);
        const data = await send('POST', '/api/auth/link-tiktok', withHost({ code, syncUserProfile }));
        return { statusCode: 200, data };
      },
    };

    const withHost = (body) => (opts.hostApp ? { ...body, hostApp: opts.hostApp } : body);

    /** A code from authorize (forceLogin) or a silent login. */
    async function freshCode(forceLogin) {
      return forceLogin ? ttCode(getTT(), 'authorize', { scope: PROFILE_SCOPE }) : ttCode(getTT(), 'login');
    }

    function signedIn(data) {
      session = data.token;
      return currentUser(data.user);
    }

    const auth = {
      /**
       * Silent login (forceLogin false) or authorize for the profile (true). When the user
       * declines authorize, the login still happens silently and the promise rejects with
       * seed 001's `{code: 603, message: 'unauthorized', id, openid}`.
       */
      async loginWithTt(o) {
        const { forceLogin = false, createUser = true, syncUserProfile = 'setnx' } = o || {};
        let code;
        let denied = false;
        if (forceLogin) {
          try {
            code = await ttCode(getTT(), 'authorize', { scope: PROFILE_SCOPE });
          } catch (e) {
            if (!e.denied) throw e;
            denied = true;
            code = await ttCode(getTT(), 'login');
          }
        } else {
          code = await ttCode(getTT(), 'login');
        }
        const user = signedIn(await send('POST', '/api/auth/tiktok', withHost({ code, createUser, syncUserProfile })));
        if (denied) {
          const bound = (user.tiktok || [])[0] || {};
          throw new HError(603, 'unauthorized', { id: user.id, openid: bound.openid });
        }
        return user;
      },
      async login(credentials) {
        return signedIn(await send('POST', '/api/auth/login', credentials));
      },
      async register(credentials) {
        return signedIn(await send('POST', '/api/auth/register', credentials));
      },
      async logout() {
        if (session) await send('POST', '/api/auth/logout', {});
        session = null;
      },
      async getCurrentUser() {
        return currentUser(await send('GET', '/api/me'));
      },
      isSignedIn: () => session !== null,
    };

    /**
     * An API call with the session. A 401 whose `reauth` says what to re-run (seed 003) gets
     * it re-run once (silent login, or authorize) and the call retried.
     */
    async function request(method, path, body) {
      try {
        return await send(method, path, body);
      } catch (e) {
        if (e.code !== 401 || (e.reauth !== 'login' && e.reauth !== 'authorize')) throw e;
        if (typeof opts.onReauth === 'function') opts.onReauth(e.reauth);
        await auth.loginWithTt({ forceLogin: e.reauth === 'authorize' });
        return send(method, path, body);
      }
    }

    return { auth, request, HError };
  }

  global.MinihostBackend = { createClient, HError };
})(globalThis);
