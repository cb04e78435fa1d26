// The Contract Bride: minihost's sample mini drama.
//
// A plain H5 build output (no bundler) that uses the TTMinis SDK the way the
// platform docs recommend:
//   - silent TTMinis.login (object style) to unlock members-only episodes;
//   - TTMinis.authorize({scope: 'user.info.basic'}) for the profile, falling
//     back to login when the user declines;
//   - TTMinis.getLoginStatus, canIUse, getDeviceInfo, setNavigationBarColor,
//     share from the capsule menu, and the minis.* lifecycle events.
// The authorization code is shown, not exchanged: an app's backend trades it
// at POST /v2/oauth/token/ (the minihost platform emulator answers that too).
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
    loginBtn: $('login-btn'),
    profileBtn: $('profile-btn'),
    loginStatus: $('login-status'),
    authDetails: $('auth-details'),
    authCode: $('auth-code'),
    authScopes: $('auth-scopes'),
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

  const state = {
    status: 'unknown', // getLoginStatus: connected | not_authorized | unknown
    code: null,
    scopes: '',
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
    return error ? `${error.error_code}: ${error.error_msg}` : 'unknown error';
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

  const isLoggedIn = () => state.status === 'connected' || state.code !== null;
  const isUnlocked = (ep) => ep.free || isLoggedIn();

  // ---- account ------------------------------------------------------------

  function renderAccount() {
    const labels = {
      connected: 'Logged in. Members-only episodes are unlocked.',
      not_authorized: 'Signed in to TikTok, not yet logged in to this drama.',
      unknown: 'Not logged in. Log in to unlock episodes 4–6.',
    };
    el.loginStatus.textContent = state.code !== null ? labels.connected : labels[state.status] || labels.unknown;
    el.loginBtn.textContent = isLoggedIn() ? 'Log in again' : 'Log in';
    el.authDetails.hidden = state.code === null;
    if (state.code !== null) {
      el.authCode.textContent = state.code;
      el.authScopes.textContent = state.scopes || '(base scope)';
    }
    renderEpisodes();
  }

  function refreshLoginStatus() {
    if (typeof tt.getLoginStatus !== 'function') return;
    tt.getLoginStatus((res) => {
      state.status = res.status;
      log('status', `getLoginStatus → ${res.status}${res.error ? ` (${describeError(res.error)})` : ''}`);
      renderAccount();
      // A deep link to a members-only episode opens once the status is known.
      if (state.current === null && location.hash) route();
    });
  }

  /** Silent login, object style (mid-generation docs). Resolves to true on success. */
  function login() {
    return new Promise((resolve) => {
      el.loginBtn.disabled = true;
      tt.login({
        success(result) {
          state.code = result.code;
          log('login', `code ${result.code}`);
          toast('Logged in');
          resolve(true);
        },
        fail(err) {
          log('error', `login failed: ${describeError(err.error)}`);
          toast('Login failed');
          resolve(false);
        },
        complete() {
          el.loginBtn.disabled = false;
          refreshLoginStatus();
          renderAccount();
        },
      });
    });
  }

  /** Explicit authorization for profile data, with the documented fallback to silent login. */
  function openProfile() {
    el.profileBtn.disabled = true;
    tt.authorize({
      scope: 'user.info.basic',
      success(result) {
        state.code = result.code;
        state.scopes = result.grantedScopes;
        log('authorize', `code ${result.code}, scopes ${result.grantedScopes}`);
        toast('Profile access granted');
      },
      fail(err) {
        log('error', `authorize failed: ${describeError(err.error)}; falling back to silent login`);
        login();
      },
      complete() {
        el.profileBtn.disabled = false;
        renderAccount();
      },
    });
  }

  // ---- episodes -----------------------------------------------------------

  function renderEpisodes() {
    const items = EPISODES.map((ep) => {
      const unlocked = isUnlocked(ep);
      const item = node('li');
      const button = node('button', `episode${unlocked ? '' : ' locked'}`);
      button.type = 'button';
      button.dataset.episode = String(ep.n);
      const thumb = node('span', `thumb thumb-${((ep.n - 1) % 3) + 1}`);
      thumb.append(node('span', 'thumb-ep', `EP ${ep.n}`));
      const text = node('span', 'episode-text');
      text.append(node('span', 'episode-title', ep.title), node('span', 'episode-synopsis', ep.synopsis));
      const badge = node(
        'span',
        `badge ${unlocked ? (ep.free ? 'badge-free' : 'badge-member') : 'badge-locked'}`,
        unlocked ? (ep.free ? 'Free' : 'Member') : 'Log in',
      );
      const meta = node('span', 'episode-meta', ep.minutes);
      if (state.progress.watched.includes(ep.n)) meta.append(node('span', 'episode-watched', ' · Watched'));
      text.append(meta);
      button.append(thumb, text, badge);
      button.setAttribute('aria-label', `Episode ${ep.n}: ${ep.title}${unlocked ? '' : ' (log in to unlock)'}`);
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
      toast(`Log in to watch EP ${n}`);
      if (!(await login())) return;
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
      refreshLoginStatus();
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
    el.loginBtn.addEventListener('click', () => login());
    el.profileBtn.addEventListener('click', openProfile);
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
      el.loginBtn.disabled = true;
      el.profileBtn.disabled = true;
      renderEpisodes();
      return;
    }
    applySafeArea();
    wireLifecycle();
    wireUi();
    renderAccount();
    refreshLoginStatus();
    route();
    log('ready', `SDK ready; canIUse('login.success.code') = ${tt.canIUse('login.success.code')}`);
  }

  start();
})();
