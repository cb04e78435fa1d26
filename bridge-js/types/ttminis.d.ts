// Type declarations for the TTMinis JS SDK as provided by minihost
// (bridge-js/dist/minihost-bridge.js). Call styles follow TikTok's three doc
// generations; each method that has more than one is declared as overloads.
//
// `TTMinis` exists once the page has loaded an SDK URL
// (https://connect.tiktok-minis.com/drama/sdk.js, .../game/sdk.js or
// https://developers.tiktok.com/js/minis.js). Until `TTMinis.init` runs, only
// `init`, `canIUse` and `game.init` exist: calling anything else throws a
// TypeError, as the real SDK does.

declare namespace TTMinis {
  /**
   * Every `error_code` minihost's bridge produces, with its meaning: the host's
   * table (ErrorCode::ALL in src/bridge/errors.rs, whose tests hold this list and
   * the README to it). `error_code` stays `number` because other codes, e.g. the
   * platform's, can be passed through.
   *
   * bridge-js raises four of them itself, when the host never answered usefully:
   * - 50002: no reply from the host within `timeoutMs` (15 s by default; login and
   *   authorize use the interactive timeout, 10 min by default).
   *   error_msg: "timeout: no reply from host within <ms> ms". Never sent by the host.
   * - 50000: "host bridge unavailable: ..." (the native endpoint threw, or never
   *   appeared and the queue overflowed).
   * - 10007: "malformed reply from host" (`ok: false` without an error object).
   * - 10002: "invalid params: ..." (the options could not be serialised, e.g. a
   *   cycle; nothing is sent).
   */
  interface BridgeErrorCodes {
    500: 'ad create error (meaning undocumented)';
    10001: 'unsupported method';
    10002: 'invalid params (the message names the field)';
    10003: 'user denied or cancelled';
    10004: 'not logged in';
    10005: 'caller not allowed';
    10006: 'message over 1 MiB';
    10007: 'malformed message';
    10008: 'scope not available to Minis';
    10009: 'not enough Beans';
    10010: 'trade order already paid, of another user, or not a Beans order';
    10011: 'unknown trade order';
    11001: 'ad create error (meaning undocumented)';
    11002: 'ad show error (meaning undocumented)';
    11003: 'ad instance already shown (create one per show)';
    11004: 'ad shown too soon after the previous one';
    11005: 'ad daily limit reached';
    20000: 'ad create error (meaning undocumented)';
    20001: 'no ad to fill the unit (meaning unconfirmed)';
    20002: 'ad create error (meaning undocumented)';
    20003: 'ad create error (meaning undocumented)';
    20007: 'ad create error (meaning undocumented)';
    30001: 'ad: user exited before it finished';
    50000: 'host error';
    50001: 'platform unreachable';
    50002: 'no reply in time (from bridge-js)';
    50101: 'ad show error (meaning undocumented)';
    50102: 'ad show error (meaning undocumented)';
    50103: 'ad show error (meaning undocumented)';
    50104: 'ad show error (meaning undocumented)';
    50105: 'ad show error (meaning undocumented)';
    50106: 'ad show error (meaning undocumented)';
    50107: 'ad show error (meaning undocumented)';
    116101: 'subscription: required parameter empty';
    116502: 'subscription: client internal error';
    116600: 'subscription: user-side error';
    116601: 'subscription: user cancelled';
  }

  /** One of the codes in `BridgeErrorCodes`. */
  type BridgeErrorCode = keyof BridgeErrorCodes;

  /** Error in positional callbacks: `res.error`. */
  interface ApiError {
    error_code: number;
    error_msg: string;
    error_extra?: Record<string, unknown>;
  }

  /** Argument of `fail` in the object style. */
  interface FailResult {
    error: {
      error_code: number;
      error_msg: string;
      error_extra: Record<string, unknown>;
    };
  }

  /** The object call style: `api({ ...options, success, fail, complete })`. */
  interface ObjectCallbacks<Success> {
    success?: (result: Success) => void;
    fail?: (result: FailResult) => void;
    /** Runs after `success` or `fail`. */
    complete?: () => void;
  }

  // ---- authentication -----------------------------------------------------

  interface LoginOptions {
    /** Comma-separated scopes, e.g. "user.info.basic". */
    scope?: string;
    /** When true, `authResponse.grantedScopes` lists the granted scopes. */
    returnScopes?: boolean;
  }

  interface AuthResponse {
    /** Single-use authorization code; exchange it at POST /v2/oauth/token/. */
    code: string;
    /** Comma-separated granted scopes; present only when `returnScopes` was true. */
    grantedScopes?: string;
  }

  interface LoginResponse {
    /** `null` on failure or cancel. */
    authResponse: AuthResponse | null;
    error?: ApiError;
  }

  interface LoginResult {
    code: string;
    /** Present only when `returnScopes` was true. */
    grantedScopes?: string;
  }

  interface AuthorizeOptions {
    /** Comma-separated scopes; defaults to "user.info.basic". Minis allow user.info.basic and user.info.open_id. */
    scope?: string;
  }

  interface AuthorizeResult {
    code: string;
    grantedScopes: string;
  }

  interface AuthorizeResponse {
    authResponse: AuthorizeResult | null;
    error?: ApiError;
  }

  type LoginStatus = 'connected' | 'not_authorized' | 'unknown';

  interface LoginStatusResponse {
    /** 'unknown' (with `error`) when the host could not answer. */
    status: LoginStatus;
    error?: ApiError;
  }

  /** Accepted for compatibility with seed docs; not sent to the host. */
  interface LoginStatusOptions {
    clientKey?: string;
    scope?: string;
  }

  // ---- UI, share, analytics -----------------------------------------------

  interface NavigationBarColorOptions {
    /** Colour of buttons, title and status bar: only '#ffffff' or '#000000'. */
    frontColor: '#ffffff' | '#000000';
    /** Hex colour, e.g. '#1a1a1a'. */
    backgroundColor: string;
  }

  interface SuccessResponse {
    is_success: boolean;
    error?: ApiError;
  }

  interface ShareOptions {
    title: string;
    desc?: string;
    imageUrl?: string;
    /** Handed to the Mini when a recipient opens the share. */
    query?: string;
  }

  interface ReportEventResponse {
    isSuccess: boolean;
    error?: ApiError;
  }

  interface ReportEventOptions {
    eventName: string;
    params?: Record<string, unknown>;
    callback?: (res: ReportEventResponse) => void;
  }

  interface DeviceInfo {
    /** Bottom safe-area inset, px. */
    bottomHeight: number;
    /** Developer builds only (absent in strict mode). */
    screenWidth?: number;
    screenHeight?: number;
    platform?: string;
    system?: string;
  }

  /** Capsule button rect in px from the screen's top-left; all zeros with navbar.style "default". */
  interface MenuButtonRect {
    width: number;
    height: number;
    top: number;
    right: number;
    bottom: number;
    left: number;
  }

  // ---- events -------------------------------------------------------------

  type EventName = 'minis.launch' | 'minis.show' | 'minis.hide' | 'minis.destroy' | 'minis.share';

  interface LifecycleData {
    /** e.g. 'anchor' (see canIUse('onShow.callback.launch_from.anchor')). */
    launch_from?: string;
    query?: string;
    [key: string]: unknown;
  }

  interface EventPayload<Data = LifecycleData> {
    data: Data | null;
    error: ApiError | null;
  }

  /** Returns a callbackId for `off`. A `minis.launch` that arrived earlier is delivered once to each later listener. */
  type EventCallback<Data = LifecycleData> = (payload: EventPayload<Data>) => void;

  // ---- payments, subscriptions, ads ---------------------------------------

  interface PayOptions {
    /** From your server's POST /v2/minis/trade_order/create/. Each can be paid once. */
    trade_order_id: string;
    log_extra?: string;
  }

  /** Not proof of payment: confirm on the server (trade_order/query or the webhook). */
  interface PayResponse {
    is_success: boolean;
    trade_order_id: string;
    error?: ApiError;
  }

  interface PayResult {
    is_success: true;
    trade_order_id: string;
  }

  interface SubscriptionOptions {
    /** From POST /v2/minis/subscription/create/ (or reactivate/). */
    trade_order_id: string;
  }

  interface SubscriptionResponse {
    is_success: boolean;
    trade_order_id: string;
    subscription_id?: string;
    /** Codes are strings here, as documented: '116101', '116502', '116600', '116601'. */
    error?: { error_code: string; error_msg: string };
  }

  interface RewardedAdError {
    error_code: number;
    error_msg: string;
    sub_error_code?: number;
  }

  interface InterstitialAdError {
    errMsg: string;
    errorCode: number;
  }

  interface AdCloseResult {
    /** Grant the reward only when true: there is no server-side verification. */
    isEnded: boolean;
  }

  /** Single-use: create a new instance for every show (a second show rejects with 11003). */
  interface Ad<E> {
    /** Resolves when the ad plays; rejects with the error on failure. */
    show(): Promise<void>;
    /** Not documented by TikTok; absent in strict mode. */
    load?(): Promise<void>;
    onClose(callback: (res: AdCloseResult) => void): void;
    /** Without a callback, removes every onClose listener. */
    offClose(callback?: (res: AdCloseResult) => void): void;
    onError(callback: (err: E) => void): void;
    offError(callback?: (err: E) => void): void;
  }

  type RewardedVideoAd = Ad<RewardedAdError>;
  type InterstitialAd = Ad<InterstitialAdError>;

  // ---- games --------------------------------------------------------------

  interface Game {
    init(options: { clientKey: string }): void;
    login(options?: ObjectCallbacks<LoginResult>): void;
    onShow(callback: (data: LifecycleData | null) => void): void;
    /** Without a callback, removes every onShow listener. */
    offShow(callback?: (data: LifecycleData | null) => void): void;
    onHide(callback: (data: LifecycleData | null) => void): void;
    offHide(callback?: (data: LifecycleData | null) => void): void;
    pay(options: PayOptions & ObjectCallbacks<PayResult>): void;
  }

  interface SDK {
    /** Synchronous. Attaches the other methods; the host checks clientKey against minis.config.json. */
    init(options: { clientKey: string }): void;

    /** `${api}.${method}.${param}.${option}` or any dot-boundary prefix of it, e.g. 'login.success.code'. */
    canIUse(schema: string): boolean;

    /** Oldest docs: positional with options. Newest docs: `login(callback)`, a silent login. */
    login(callback: (res: LoginResponse) => void, options?: LoginOptions): void;
    /** Mid-generation docs: object style. */
    login(options?: LoginOptions & ObjectCallbacks<LoginResult>): void;

    authorize(callback: (res: AuthorizeResponse) => void, options?: AuthorizeOptions): void;
    authorize(options: AuthorizeOptions & ObjectCallbacks<AuthorizeResult>): void;

    getLoginStatus(callback: (res: LoginStatusResponse) => void, options?: LoginStatusOptions): void;
    getLoginStatus(options: ObjectCallbacks<{ status: LoginStatus }>): void;

    setNavigationBarColor(options: NavigationBarColorOptions, callback?: (res: SuccessResponse) => void): void;
    setNavigationBarColor(options: NavigationBarColorOptions & ObjectCallbacks<{ is_success: true }>): void;

    /** Call inside a `minis.share` listener; supplies the share content only. */
    share(callback: (res: SuccessResponse) => void, options: ShareOptions): void;
    share(options: ShareOptions & ObjectCallbacks<{ is_success: true }>): void;

    reportEvent(options: ReportEventOptions & ObjectCallbacks<{ isSuccess: true }>): void;

    getDeviceInfo(): DeviceInfo;
    getMenuButtonBoundingClientRect(): MenuButtonRect;

    on(eventName: EventName, callback: EventCallback): string;
    on(eventName: string, callback: EventCallback<unknown>): string;
    off(eventName: string, callbackId: string): boolean;

    game: Game;

    /** Opens the host's payment sheet for a trade order your server created. */
    pay(callback: (res: PayResponse) => void, options: PayOptions): void;
    pay(options: PayOptions & ObjectCallbacks<PayResult>): void;
    /** Opens the Beans wallet (balance and top-up). */
    openBalance(callback: (res: SuccessResponse) => void, options?: { type: 'BEANS' }): void;
    createSubscription(callback: (res: SubscriptionResponse) => void, options: SubscriptionOptions): void;

    createRewardedVideoAd(options: { adUnitId: string }): RewardedVideoAd;
    /** SDK >= 0.3.0. */
    createInterstitialAd(options: { adUnitId: string }): InterstitialAd;
  }
}

declare var TTMinis: TTMinis.SDK;

interface Window {
  TTMinis: TTMinis.SDK;
}
