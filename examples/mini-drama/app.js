// The Contract Bride: minihost's sample mini drama.
//
// A plain H5 build output (no bundler) that uses the TTMinis SDK and its own server
// (backend/ in the minihost repository) the way the platform docs recommend:
//   - on start, a silent login (TTMinis.login → POST /api/auth/tiktok, createUser: false);
//     a new TikTok user may start watching or link the account they already have (seed 001);
//   - "Me" authorizes user.info.basic for the profile, falling back to login on deny;
//   - a locked episode unlocks by a rewarded ad watched to the end, or by a purchase
//     (POST /api/orders → TTMinis.pay → the server's signed webhook);
//   - a 401 from the server re-runs login or authorize (the client library does it);
//   - getDeviceInfo, setNavigationBarColor, share from the capsule menu, minis.* events.
(function () {
  'use strict';

  const EPISODES = [
    { n: 1, title: 'Clause Seven', minutes: '0:06', free: true, clip: 'media/ep1.mp4',
      synopsis: 'A bakery in debt, a contract on the table, and a groom who never smiles.' },
    { n: 2, title: 'Midnight at the Manor', minutes: '0:06', free: true, clip: 'media/ep2.mp4',
      synopsis: 'Lin moves into the manor and finds a locked door on the third floor.' },
    { n: 3, title: 'A Secret Unveiled', minutes: '0:06', free: true, clip: 'media/ep3.mp4',
      synopsis: 'The housekeeper knows who really owns the bakery’s debt.' },
    { n: 4, title: 'The Gala', minutes: '0:06', free: false, clip: 'media/ep1.mp4',
      synopsis: 'A charity gala, an ex-fiancée, and a dance nobody planned.' },
    { n: 5, title: 'Breach of Contract', minutes: '0:06', free: false, clip: 'media/ep2.mp4',
      synopsis: 'Clause seven is broken, and both of them know it.' },
    { n: 6, title: 'Renewal', minutes: '0:06', free: false, clip: 'media/ep3.mp4',
      synopsis: 'One year later, a new contract with a single clause.' },
  ];
  const PROGRESS_KEY = 'sample-drama.progress';

  const tt = window.TTMinis;
  const $ = (id) => document.getElementById(id);
  const el = {
    continueBtn: $('continue'),
    meBtn: $('me-btn'),
    loginStatus: $('login-status'),
    profile: $('profile'),
    profileAvatar: $('profile-avatar'),
    profileName: $('profile-name'),
    welcome: $('welcome'),
    startBtn: $('start-btn'),
    linkForm: $('link-form'),
    linkEmail: $('link-email'),
    linkPassword: $('link-password'),
    linkRegister: $('link-register'),
    unlock: $('unlock'),
    unlockTitle: $('unlock-title'),
    unlockAd: $('unlock-ad'),
    unlockBuy: $('unlock-buy'),
    unlockCancel: $('unlock-cancel'),
    list: $('episode-list'),
    log: $('log'),
    logCount: $('log-count'),
    home: $('home'),
    player: $('player'),
    back: $('back'),
    video: $('video'),
    playerTitle: $('player-title'),
    episodeTitle: $('episode-title'),
    episodeSynopsis: $('episode-synopsis'),
    prev: $('prev'),
    next: $('next'),
    toast: $('toast'),
  };

  const AD_UNIT = 'episode-unlock';
  const backendUrl = window.SAMPLE_BACKEND_URL || '';
  const api = backendUrl && window.MinihostBackend
    ? window.MinihostBackend.createClient({ baseUrl: backendUrl, onReauth: (what) => log('reauth', `server asked to re-run ${what}`) })
    : null;

  const state = {
    session: 'pending', // pending | signed-in | new (no account yet) | offline
    user: null,
    unlocked: new Set(), // paid episodes the server says this user may watch
    offer: null, // the episode the unlock card offers
    current: null,
    progress: loadProgress(),
  };

  // ---- small helpers ------------------------------------------------------

  function node(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function log(kind, message) {
    const item = node('li');
    const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    item.append(node('span', 'log-time', time), node('span', `log-kind log-${kind}`, kind), node('span', 'log-msg', message));
    el.log.prepend(item);
    while (el.log.children.length > 50) el.log.lastElementChild.remove();
    el.logCount.textContent = String(el.log.children.length);
  }

  let toastTimer = 0;
  function toast(message) {
    el.toast.textContent = message;
    el.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.toast.hidden = true;
    }, 2600);
  }

  function describeError(error) {
    if (!error) return 'unknown error';
    return error.error_code !== undefined ? `${error.error_code}: ${error.error_msg}` : `${error.code}: ${error.message}`;
  }

  function loadProgress() {
    try {
      const saved = JSON.parse(localStorage.getItem(PROGRESS_KEY) || '{}');
      return { last: Number(saved.last) || 1, watched: Array.isArray(saved.watched) ? saved.watched : [] };
    } catch (_) {
      return { last: 1, watched: [] };
    }
  }

  function saveProgress() {
    try {
      localStorage.setItem(PROGRESS_KEY, JSON.stringify(state.progress));
    } catch (_) {
      // Storage full or disabled: progress is a nicety.
    }
  }

  const isUnlocked = (ep) => ep.free || state.unlocked.has(ep.n);

  // ---- account ------------------------------------------------------------

  function setSession(session, user) {
    state.session = session;
    if (user !== undefined) state.user = user;
    document.body.dataset.session = session;
    renderAccount();
  }

  function renderAccount() {
    const u = state.user;
    const labels = {
      pending: 'Signing in…',
      'signed-in': u && (u.nickname || u.email || u.username) ? `Signed in as ${u.nickname || u.email || u.username}.` : 'Signed in with TikTok.',
      new: 'Welcome! You have no account here yet.',
      offline: 'No server: start the sample with `minihost run` to unlock episodes 4–6.',
    };
    el.loginStatus.textContent = labels[state.session];
    el.welcome.hidden = state.session !== 'new';
    el.meBtn.disabled = !api;
    el.profile.hidden = !(u && u.nickname);
    if (u && u.nickname) {
      el.profileName.textContent = u.nickname;
      if (u.avatar) el.profileAvatar.src = u.avatar;
    }
    renderEpisodes();
  }

  async function refreshEpisodes() {
    const { episodes } = await api.request('GET', '/api/episodes');
    state.unlocked = new Set(episodes.filter((e) => e.unlocked && e.price_beans !== null).map((e) => e.n));
    renderEpisodes();
  }

  function signedIn(user, how) {
    log('login', `${how}: user ${user.id}${user.tiktok && user.tiktok[0] ? `, openid ${user.tiktok[0].openid}` : ''}`);
    setSession('signed-in', user);
    return refreshEpisodes();
  }

  /** Silent login on start. A TikTok user without an account is offered to link one. */
  async function startSession() {
    if (!api) {
      setSession('offline');
      return;
    }
    try {
      await signedIn(await api.auth.loginWithTt({ createUser: false }), 'silent login');
    } catch (e) {
      if (e.code === 404) {
        log('login', 'no account yet for this TikTok user');
        setSession('new');
      } else {
        log('error', `login failed: ${describeError(e)}`);
        setSession('offline');
      }
    }
    if (state.current === null && location.hash) route();
  }

  /**
   * "Me": authorize for the profile; a declined authorize keeps the silent login (603).
   * `overwrite` refreshes a profile synced before (seed 001's advice for re-authorizing).
   */
  async function openProfile() {
    el.meBtn.disabled = true;
    try {
      await signedIn(await api.auth.loginWithTt({ forceLogin: true, syncUserProfile: 'overwrite' }), 'authorize');
      toast('Profile updated');
    } catch (e) {
      if (e.code === 603) {
        log('authorize', `declined; still signed in as user ${e.id}`);
        await signedIn(await api.auth.getCurrentUser(), 'login fallback');
      } else if (e.code === 404) {
        setSession('new');
      } else {
        log('error', `authorize failed: ${describeError(e)}`);
      }
    } finally {
      el.meBtn.disabled = false;
    }
  }

  async function linkAccount(register) {
    const credentials = { email: el.linkEmail.value.trim(), password: el.linkPassword.value };
    try {
      const user = register ? await api.auth.register(credentials) : await api.auth.login(credentials);
      const res = await user.linkTt();
      log('link', `${res.data.message} openid ${res.data.openid} → user ${res.data.user_id}`);
      await signedIn(await api.auth.getCurrentUser(), 'linked');
      toast('TikTok linked to your account');
    } catch (e) {
      log('error', `linking failed: ${describeError(e)}`);
      toast(e.message || 'Linking failed');
    }
  }

  // ---- unlocking ----------------------------------------------------------

  function offerUnlock(ep) {
    state.offer = ep;
    el.unlockTitle.textContent = `Unlock EP ${ep.n}: ${ep.title}`;
    el.unlockBuy.textContent = 'Buy for 100 Beans';
    el.unlock.hidden = false;
    el.unlock.scrollIntoView({ block: 'nearest' });
  }

  function unlocked(ep, how) {
    el.unlock.hidden = true;
    state.unlocked.add(ep.n);
    log('unlock', `EP ${ep.n} unlocked by ${how}`);
    toast(`EP ${ep.n} unlocked`);
    renderEpisodes();
    requestEpisode(ep.n);
  }

  const pay = (tradeOrderId) =>
    new Promise((resolve) => tt.pay((res) => resolve(res), { trade_order_id: tradeOrderId }));

  /** Buys the offered episode; the server unlocks it when TikTok confirms the payment. */
  async function buy() {
    const ep = state.offer;
    try {
      const order = await api.request('POST', '/api/orders', { episode: ep.n });
      log('order', `trade order ${order.trade_order_id} for EP ${ep.n}`);
      const paid = await pay(order.trade_order_id);
      if (!paid.is_success) {
        log('error', `pay: ${describeError(paid.error)}`);
        return;
      }
      // The webhook usually arrives first; the server asks TikTok when it has not.
      for (;;) {
        const status = await api.request('GET', `/api/orders/${order.trade_order_id}`);
        if (status.unlocked) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      unlocked(ep, 'purchase');
    } catch (e) {
      log('error', `purchase failed: ${describeError(e)}`);
      toast(e.message || 'Purchase failed');
    }
  }

  /** A rewarded ad watched to the end unlocks the offered episode; closing it early does not. */
  function watchAd() {
    const ep = state.offer;
    const ad = tt.createRewardedVideoAd({ adUnitId: AD_UNIT });
    ad.onClose(async ({ isEnded }) => {
      if (!isEnded) {
        log('ad', `closed early: EP ${ep.n} stays locked`);
        toast('Watch the ad to the end to unlock');
        return;
      }
      try {
        await api.request('POST', '/api/ads/rewarded', { episode: ep.n, isEnded });
        unlocked(ep, 'ad');
      } catch (e) {
        log('error', `ad reward failed: ${describeError(e)}`);
      }
    });
    ad.onError((e) => log('error', `ad: ${describeError(e)}`));
    ad.show().catch((e) => log('error', `ad show: ${describeError(e)}`));
  }

  // ---- episodes -----------------------------------------------------------

  function renderEpisodes() {
    const items = EPISODES.map((ep) => {
      const unlocked = isUnlocked(ep);
      const item = node('li');
      const button = node('button', `episode${unlocked ? '' : ' locked'}`);
      button.type = 'button';
      button.dataset.episode = String(ep.n);
      button.dataset.unlocked = String(unlocked);
      const thumb = node('span', `thumb thumb-${((ep.n - 1) % 3) + 1}`);
      thumb.append(node('span', 'thumb-ep', `EP ${ep.n}`));
      const text = node('span', 'episode-text');
      text.append(node('span', 'episode-title', ep.title), node('span', 'episode-synopsis', ep.synopsis));
      const badge = node(
        'span',
        `badge ${unlocked ? (ep.free ? 'badge-free' : 'badge-member') : 'badge-locked'}`,
        unlocked ? (ep.free ? 'Free' : 'Unlocked') : 'Unlock',
      );
      const meta = node('span', 'episode-meta', ep.minutes);
      if (state.progress.watched.includes(ep.n)) meta.append(node('span', 'episode-watched', ' · Watched'));
      text.append(meta);
      button.append(thumb, text, badge);
      button.setAttribute('aria-label', `Episode ${ep.n}: ${ep.title}${unlocked ? '' : ' (locked)'}`);
      item.append(button);
      return item;
    });
    el.list.replaceChildren(...items);
    const last = EPISODES.find((ep) => ep.n === state.progress.last) || EPISODES[0];
    el.continueBtn.textContent = state.progress.watched.length > 0 ? `Continue EP ${last.n}` : 'Play EP 1';
  }

  async function requestEpisode(n) {
    const ep = EPISODES.find((e) => e.n === n);
    if (!ep) return;
    if (!isUnlocked(ep)) {
      if (state.session === 'signed-in') offerUnlock(ep);
      else toast(state.session === 'new' ? 'Start watching or link your account first' : `EP ${n} needs the sample's server`);
      return;
    }
    if (location.hash === `#ep/${n}`) route();
    else location.hash = `ep/${n}`;
  }

  // ---- player -------------------------------------------------------------

  function navbarColors(inPlayer) {
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    if (inPlayer) return { frontColor: '#ffffff', backgroundColor: '#000000' };
    return dark
      ? { frontColor: '#ffffff', backgroundColor: '#121212' }
      : { frontColor: '#000000', backgroundColor: '#ffffff' };
  }

  function applyNavbar(inPlayer) {
    if (!tt.canIUse('setNavigationBarColor')) return;
    tt.setNavigationBarColor(navbarColors(inPlayer), (res) => {
      if (!res.is_success) log('error', `setNavigationBarColor: ${describeError(res.error)}`);
    });
  }

  function showEpisode(ep) {
    state.current = ep;
    el.home.hidden = true;
    el.player.hidden = false;
    el.playerTitle.textContent = `EP ${ep.n} / ${EPISODES.length}`;
    el.episodeTitle.textContent = `EP ${ep.n} · ${ep.title}`;
    // Episodes 4-6 reuse the three sample clips.
    const footage = EPISODES.find((e) => e.clip === ep.clip);
    el.episodeSynopsis.textContent = footage.n === ep.n ? ep.synopsis : `${ep.synopsis} (Sample footage from EP ${footage.n}.)`;
    el.prev.disabled = ep.n === 1;
    el.next.disabled = ep.n === EPISODES.length;
    if (el.video.getAttribute('src') !== ep.clip || el.video.dataset.episode !== String(ep.n)) {
      el.video.dataset.episode = String(ep.n);
      el.video.src = ep.clip;
    }
    el.video.play().catch(() => {
      // Autoplay may need a tap; the native controls are there.
    });
    state.progress.last = ep.n;
    saveProgress();
    applyNavbar(true);
    if (tt.canIUse('reportEvent')) {
      tt.reportEvent({ eventName: 'episode_play', params: { episode: ep.n } });
    }
    window.scrollTo(0, 0);
  }

  function showHome() {
    state.current = null;
    el.video.pause();
    el.player.hidden = true;
    el.home.hidden = false;
    applyNavbar(false);
    renderEpisodes();
  }

  function route() {
    const match = /^#ep\/(\d+)$/.exec(location.hash);
    const ep = match && EPISODES.find((e) => e.n === Number(match[1]));
    if (ep && isUnlocked(ep)) showEpisode(ep);
    else showHome();
  }

  // ---- platform wiring ----------------------------------------------------

  function applySafeArea() {
    const { bottomHeight } = tt.getDeviceInfo();
    document.documentElement.style.setProperty('--tt-bottom-height', `${Number(bottomHeight) || 0}px`);
  }

  function wireLifecycle() {
    tt.on('minis.launch', ({ data }) => {
      log('launch', JSON.stringify(data));
      const match = data && typeof data.query === 'string' ? /(?:^|&)ep=(\d+)/.exec(data.query) : null;
      if (match) requestEpisode(Number(match[1]));
    });
    tt.on('minis.show', ({ data }) => {
      log('show', JSON.stringify(data));
    });
    tt.on('minis.hide', ({ data }) => {
      log('hide', JSON.stringify(data));
      el.video.pause();
    });
    tt.on('minis.share', () => {
      const ep = state.current || EPISODES[0];
      log('share', `sharing EP ${ep.n}`);
      tt.share(
        (res) => log(res.is_success ? 'share' : 'error', res.is_success ? 'share content set' : `share: ${describeError(res.error)}`),
        { title: `The Contract Bride · EP ${ep.n}`, desc: ep.synopsis, query: `ep=${ep.n}` },
      );
    });
  }

  function wireUi() {
    el.meBtn.addEventListener('click', openProfile);
    el.startBtn.addEventListener('click', async () => {
      try {
        await signedIn(await api.auth.loginWithTt({ createUser: true }), 'new account');
      } catch (e) {
        log('error', `login failed: ${describeError(e)}`);
      }
    });
    el.linkForm.addEventListener('submit', (event) => {
      event.preventDefault();
      linkAccount(false);
    });
    el.linkRegister.addEventListener('click', () => el.linkForm.reportValidity() && linkAccount(true));
    el.unlockAd.addEventListener('click', watchAd);
    el.unlockBuy.addEventListener('click', buy);
    el.unlockCancel.addEventListener('click', () => {
      el.unlock.hidden = true;
    });
    el.continueBtn.addEventListener('click', () => requestEpisode(state.progress.last));
    el.list.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-episode]');
      if (button) requestEpisode(Number(button.dataset.episode));
    });
    el.back.addEventListener('click', () => {
      location.hash = '';
    });
    el.prev.addEventListener('click', () => state.current && requestEpisode(state.current.n - 1));
    el.next.addEventListener('click', () => state.current && requestEpisode(state.current.n + 1));
    el.video.addEventListener('ended', () => {
      const ep = state.current;
      if (!ep) return;
      if (!state.progress.watched.includes(ep.n)) state.progress.watched.push(ep.n);
      saveProgress();
      if (ep.n < EPISODES.length) requestEpisode(ep.n + 1);
    });
    el.video.addEventListener('error', () => log('error', `video failed to load: ${el.video.currentSrc}`));
    window.addEventListener('hashchange', route);
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyNavbar(state.current !== null));
  }

  function start() {
    if (!tt || typeof tt.login !== 'function') {
      el.loginStatus.textContent = 'TTMinis is not available: open this app in minihost.';
      el.meBtn.disabled = true;
      renderEpisodes();
      return;
    }
    applySafeArea();
    wireLifecycle();
    wireUi();
    renderAccount();
    route();
    startSession();
    log('ready', `SDK ready; canIUse('login.success.code') = ${tt.canIUse('login.success.code')}`);
  }

  start();
})();
