// Typings of minihost-backend.js (a plain script that sets globalThis.MinihostBackend).

export type SyncUserProfile = 'overwrite' | 'setnx' | false | 'false';

export interface TikTokIdentity {
  client_key: string;
  host_app: 'tiktok' | 'douyin' | 'toutiao';
  openid: string;
  unionid: string | null;
}

export interface User {
  id: number;
  username: string | null;
  email: string | null;
  nickname: string | null;
  avatar: string | null;
  tiktok: TikTokIdentity[];
}

export interface LinkResult {
  statusCode: 200;
  data: { message: 'User associated.'; openid: string; status: 'ok'; user_id: number };
}

export interface CurrentUser extends User {
  linkTt(options?: { forceLogin?: boolean; syncUserProfile?: SyncUserProfile }): Promise<LinkResult>;
}

/** `{code, message}`; `code` is the HTTP status, 603 for a declined authorize, 0 offline. */
export interface HError extends Error {
  code: number;
  message: string;
  /** On a 401: what the app must re-run. */
  reauth?: 'login' | 'authorize';
  /** On 404 (no account yet) and 603 (authorize declined). */
  openid?: string;
  /** On 603: the user signed in anyway with the basic identity. */
  id?: number;
  field?: string;
}

export interface Credentials {
  username?: string;
  email?: string;
  password: string;
  nickname?: string;
}

export interface Client {
  auth: {
    loginWithTt(options?: { forceLogin?: boolean; createUser?: boolean; syncUserProfile?: SyncUserProfile }): Promise<CurrentUser>;
    login(credentials: Credentials): Promise<CurrentUser>;
    register(credentials: Credentials): Promise<CurrentUser>;
    logout(): Promise<void>;
    getCurrentUser(): Promise<CurrentUser>;
    isSignedIn(): boolean;
  };
  /** A call with the session; a 401 asking for login or authorize re-runs it once, then retries. */
  request<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

export interface ClientOptions {
  /** The backend, e.g. `http://127.0.0.1:8788`; it must be in the app's trustedDomains. */
  baseUrl: string;
  /** Defaults to globalThis.TTMinis. */
  tt?: unknown;
  fetch?: typeof fetch;
  /** tiktok (default), douyin or toutiao: open_ids differ per host app. */
  hostApp?: 'tiktok' | 'douyin' | 'toutiao';
  /** Told before a 401 makes the client re-run login or authorize. */
  onReauth?: (what: 'login' | 'authorize') => void;
}

declare global {
  var MinihostBackend: { createClient(options: ClientOptions): Client };
}
