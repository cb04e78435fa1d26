//! The bridge: one reply for every page message, and the host behaviour behind each
//! `TTMinis` method. Shells only move strings in and carry out the returned effects, which
//! are data ([`Effect`]); [`page_script`] turns replies and events into the page's script.
//!
//! Architecture Invariant: `handle` never panics on page input and always yields exactly one
//! reply for a call with an id (immediately, or when its sheet is answered).

mod ads;
mod capabilities;
mod context;
pub mod cost;
mod effects;
mod envelope;
mod log;
pub mod page_script;
mod purchases;
mod scopes;

pub use crate::error_codes::{BridgeError, ErrorCode};
pub use capabilities::{CAPABILITIES, HOST_VERSION};
pub use context::HostContext;
pub use effects::{Effect, Reply};
pub use envelope::{Envelope, MAX_MESSAGE_BYTES};
pub use log::BridgeLog;

use crate::config::ads::AdUnit;
use crate::config::AppConfig;
use crate::platform::{scopes::describe as describe_scope, CodeRequest, HostApp, HostPlatform, User};
use crate::policy::{Caller, Policy};
use crate::shell::sheets::{AdKind, ConsentMode, ScopeInfo, Sheet, SheetAnswer, UserChoice};
use crate::shell::{NavbarState, Theme};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Which IPC channel a message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    App,
    Chrome,
}

impl Surface {
    /// A reply to a call that came on this channel, addressed to the page that made it.
    fn reply(self, id: Option<Value>, result: Result<Value, BridgeError>) -> Effect {
        match self {
            Surface::App => Effect::reply(id, result),
            Surface::Chrome => Effect::SheetReply(Reply { id, result }),
        }
    }
}

/// Session settings fixed for a run.
#[derive(Debug, Clone)]
pub struct BridgeOptions {
    /// The app's client key for this session.
    pub client_key: String,
    /// The key is a stand-in (no `--client-key`, no `dev.clientKey`): the one the page passes
    /// to `TTMinis.init` is adopted instead.
    pub adopt_page_key: bool,
    pub app_name: String,
    pub host_app: HostApp,
    pub consent: ConsentMode,
    /// Username signed in at start; `None` starts signed out.
    pub user: Option<String>,
    pub theme: Theme,
}

/// What a call that may need a sheet is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Flow {
    Login { return_scopes: bool },
    Authorize,
    Pay { trade_order_id: String },
    Subscribe { trade_order_id: String },
    Wallet,
    Ad { ad: u64, kind: AdKind, unit: String },
}

impl Flow {
    /// Every flow but an ad needs a signed-in user first.
    fn needs_user(&self) -> bool {
        !matches!(self, Flow::Ad { .. })
    }
}

/// A call on its way through its sheets.
#[derive(Debug)]
struct FlowCall {
    call: Value,
    flow: Flow,
    /// Login and authorize: the scopes asked for.
    scopes: Vec<String>,
    /// The page it came from ([`State::page`]); a flow of a replaced page is dropped.
    page: u64,
}

/// What a flow's platform calls read and may change: the session copied when its turn began,
/// so that no platform call runs under the state lock.
#[derive(Debug, Clone)]
struct Session {
    user: Option<User>,
    client_key: String,
}

/// A flow's turn on the sheet queue. While it is out (its platform calls running, no lock
/// held) [`State::busy`] keeps other flows from starting.
struct Turn {
    session: Session,
    /// The page the turn's effects are owed to.
    page: u64,
    /// Effects already made in this turn (a sheet answer's reply).
    owed: Vec<Effect>,
}

/// The sheet on screen and the call it holds up.
#[derive(Debug)]
struct OpenSheet {
    id: u64,
    flow: FlowCall,
    sheet: Sheet,
    /// An ad's `show()` is answered once its sheet says the ad is playing.
    owes_show_reply: bool,
}

/// Where a flow goes next: a sheet to show, or it is done with these effects.
#[allow(clippy::large_enum_variant)] // a return value, moved once into the open sheet
enum Step {
    Show(Sheet),
    Done(Vec<Effect>),
}

struct State {
    client_key: String,
    /// What `TTMinis.init` has already said about the key (said once per session).
    key_settled: bool,
    user: Option<User>,
    navbar: NavbarState,
    /// At most one sheet is shown at a time.
    open: Option<OpenSheet>,
    /// Flows that reached a sheet while another was open, in call order. Each is moved on again
    /// when its turn comes, so it sees what the sheets before it changed (a sign-in, a grant).
    waiting: VecDeque<FlowCall>,
    next_sheet: u64,
    /// A flow's turn is out: its platform calls run without the lock (see [`Turn`]).
    busy: bool,
    /// Counts page loads; replies owed to an older page are dropped.
    page: u64,
    /// Ad instances of the current page, by id.
    ads: HashMap<u64, ads::Instance>,
    next_ad: u64,
}

/// Ends a flow's turn if a platform call panics during it, so the queue is not held for
/// ever: the state stays usable after a panic, as its lock does.
struct TurnOnUnwind<'a>(&'a Bridge);

impl Drop for TurnOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state().busy = false;
            self.0.turn_free.notify_all();
        }
    }
}

impl State {
    fn session(&self) -> Session {
        Session {
            user: self.user.clone(),
            client_key: self.client_key.clone(),
        }
    }
}

pub struct Bridge {
    policy: Arc<Policy>,
    platform: Arc<dyn HostPlatform>,
    opts: BridgeOptions,
    /// `dev.ads` of the config.
    ad_units: BTreeMap<String, AdUnit>,
    state: Mutex<State>,
    /// Signalled when a flow's turn ends ([`State::busy`] cleared).
    turn_free: Condvar,
    log: Option<BridgeLog>,
}

type Outcome = Result<Value, BridgeError>;

/// The scope silent login grants.
pub const SILENT_SCOPE: &str = "user.info.open_id";

impl Bridge {
    pub fn new(
        policy: Arc<Policy>,
        platform: Arc<dyn HostPlatform>,
        config: &AppConfig,
        opts: BridgeOptions,
        log: Option<BridgeLog>,
    ) -> Result<Bridge, BridgeError> {
        let user = match &opts.user {
            Some(name) => Some(
                platform
                    .user_by_username(name)?
                    .ok_or_else(|| BridgeError::new(ErrorCode::NotLoggedIn, format!("no test user `{name}` on the platform")))?,
            ),
            None => None,
        };
        let navbar = NavbarState::new(&config.navbar, opts.theme, &opts.app_name);
        let state = State {
            client_key: opts.client_key.clone(),
            key_settled: false,
            user,
            navbar,
            open: None,
            waiting: VecDeque::new(),
            next_sheet: 1,
            busy: false,
            page: 0,
            ads: HashMap::new(),
            next_ad: 1,
        };
        Ok(Bridge {
            policy,
            platform,
            opts,
            ad_units: config.dev.ads.clone(),
            state: Mutex::new(state),
            turn_free: Condvar::new(),
            log,
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not wedge the bridge: the state stays usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn navbar(&self) -> NavbarState {
        self.state().navbar.clone()
    }

    pub fn signed_in(&self) -> Option<User> {
        self.state().user.clone()
    }

    /// Handles one message from the app's webview, whose current URL is `page_url`.
    pub fn handle(&self, page_url: &str, raw: &str) -> Vec<Effect> {
        self.handle_from(Surface::App, page_url, raw)
    }

    /// Handles one message from a host sheet's webview.
    pub fn handle_chrome(&self, page_url: &str, raw: &str) -> Vec<Effect> {
        self.handle_from(Surface::Chrome, page_url, raw)
    }

    fn handle_from(&self, surface: Surface, page_url: &str, raw: &str) -> Vec<Effect> {
        if let Some(log) = &self.log {
            log.incoming(page_url, raw);
        }
        let effects = self.dispatch(surface, page_url, raw);
        if let Some(log) = &self.log {
            log.effects(&effects);
        }
        effects
    }

    fn dispatch(&self, surface: Surface, page_url: &str, raw: &str) -> Vec<Effect> {
        let t = cost::start();
        let parsed = Envelope::parse(raw);
        cost::add(cost::Stage::Parse, t);
        let env = match parsed {
            Ok(env) => env,
            Err((id, e)) => {
                tracing::warn!(target: "minihost::bridge", page = page_url, code = e.code(), "{}", e.error_msg);
                return vec![surface.reply(id, Err(e))];
            }
        };
        // Both the channel and the page's origin must agree: the app's webview showing a
        // chrome URL is still the app.
        match (surface, self.policy.caller(page_url)) {
            (Surface::App, Caller::App) => self.app_call(env, page_url),
            (Surface::Chrome, Caller::Chrome) => self.chrome_call(env),
            _ => {
                let e = BridgeError::new(ErrorCode::Forbidden, format!("bridge calls are not accepted from {page_url}"));
                tracing::warn!(target: "minihost::bridge", page = page_url, method = env.method, "refused a call from a foreign origin");
                vec![surface.reply(env.id, Err(e))]
            }
        }
    }

    fn app_call(&self, env: Envelope, page_url: &str) -> Vec<Effect> {
        // `init` and `__report` are one-way; sent with an id they are still answered once.
        let one_way = env.id.is_none() && matches!(env.method.as_str(), "init" | "__report");
        let mut effects = Vec::new();
        let outcome: Option<Outcome> = match env.method.as_str() {
            "init" => {
                crate::startup::phase("TTMinis.init received");
                self.init(&env);
                Some(Ok(json!({})))
            }
            "__report" => {
                report(&env.params, page_url, &self.policy);
                Some(Ok(json!({})))
            }
            "login" | "authorize" => self.started(self.start_flow(&env), &mut effects),
            "pay" | "createSubscription" | "openBalance" => self.started(self.start_purchase(&env), &mut effects),
            "ad.create" => Some(self.create_ad(&env)),
            "ad.load" => Some(self.load_ad(&env)),
            "ad.show" => self.started(self.show_ad(&env), &mut effects),
            "getLoginStatus" => Some(self.login_status()),
            "setNavigationBarColor" => Some(self.set_navbar_colors(&env, &mut effects)),
            "share" => Some(env.params::<ShareParams>().map(|p| {
                tracing::info!(target: "minihost::bridge", title = p.title, "share content set");
                json!({"is_success": true})
            })),
            "reportEvent" => Some(env.params::<ReportEventParams>().map(|p| {
                // Params can be large; the info line names their keys, debug has the whole value.
                // Field values are only computed when the level is enabled.
                tracing::info!(
                    target: "minihost::analytics",
                    event = p.event_name,
                    param_keys = %p.params.as_object().map(|o| o.keys().map(String::as_str).collect::<Vec<_>>().join(",")).unwrap_or_default(),
                    "reportEvent"
                );
                tracing::debug!(target: "minihost::analytics", event = p.event_name, params = %p.params, "reportEvent params");
                json!({"isSuccess": true})
            })),
            m if m.starts_with("sheet.") => Some(Err(BridgeError::new(
                ErrorCode::Forbidden,
                "host sheets cannot be answered by the app",
            ))),
            m => Some(Err(BridgeError::new(
                ErrorCode::Unsupported,
                format!("`{m}` is not a TTMinis method this host supports"),
            ))),
        };
        if let (Some(outcome), false) = (outcome, one_way) {
            effects.push(self.reply(&env, outcome));
        }
        effects
    }

    /// A flow that started gave its effects (its reply may come later); one that could not
    /// start is answered at once.
    fn started(&self, start: Result<Vec<Effect>, BridgeError>, effects: &mut Vec<Effect>) -> Option<Outcome> {
        match start {
            Ok(effs) => {
                effects.extend(effs);
                None
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// The id a flow's reply goes to; flows need one.
    fn call_id(env: &Envelope) -> Result<Value, BridgeError> {
        env.id
            .clone()
            .ok_or_else(|| BridgeError::new(ErrorCode::Malformed, format!("`{}` needs an `id`", env.method)))
    }

    fn reply(&self, env: &Envelope, outcome: Outcome) -> Effect {
        match (&env.id, outcome) {
            (Some(id), Ok(v)) => Effect::reply(Some(id.clone()), Ok(v)),
            (id, Err(e)) => {
                // A user saying no is normal; anything else is a mistake the developer should see.
                if matches!(e.error_code, ErrorCode::UserDenied | ErrorCode::NotLoggedIn) {
                    tracing::info!(target: "minihost::bridge", method = env.method, code = e.code(), "{}", e.error_msg);
                } else {
                    tracing::warn!(target: "minihost::bridge", method = env.method, code = e.code(), "{}", e.error_msg);
                }
                Effect::reply(id.clone(), Err(e))
            }
            (None, Ok(_)) => {
                let e = BridgeError::new(ErrorCode::Malformed, format!("`{}` needs an `id` to reply to", env.method));
                Effect::reply(None, Err(e))
            }
        }
    }

    fn init(&self, env: &Envelope) {
        #[derive(Deserialize)]
        struct P {
            #[serde(rename = "clientKey")]
            client_key: Option<String>,
        }
        let page_key = match env.params::<P>() {
            Ok(P { client_key }) => client_key.filter(|k| !k.trim().is_empty()),
            Err(e) => {
                tracing::warn!(target: "minihost::bridge", "TTMinis.init: {}", e.error_msg);
                return;
            }
        };
        let config_key = {
            let mut st = self.state();
            if page_key.as_deref() == Some(st.client_key.as_str()) {
                tracing::info!(target: "minihost::bridge", client_key = st.client_key, "TTMinis.init");
                return;
            }
            if std::mem::replace(&mut st.key_settled, true) {
                return;
            }
            st.client_key.clone()
        };
        match page_key {
            Some(key) if self.opts.adopt_page_key => match self.platform.ensure_app(&crate::platform::minis_app(&key)) {
                Ok(registered) => {
                    tracing::info!(
                        target: "minihost::bridge",
                        client_key = key,
                        "adopted the clientKey passed to TTMinis.init for this session: minis.config.json has no dev.clientKey"
                    );
                    if let Some(secret) = registered.client_secret {
                        tracing::info!(target: "minihost::bridge", client_key = key, client_secret = secret, "registered app on the platform");
                    }
                    self.state().client_key = key;
                }
                Err(e) => tracing::warn!(target: "minihost::bridge", client_key = key, "cannot register the page's clientKey: {e}"),
            },
            page => tracing::warn!(
                target: "minihost::bridge",
                page = ?page,
                config = config_key,
                "TTMinis.init clientKey differs from the app's; TikTok would reject this app's login"
            ),
        }
    }

    /// The client key the session uses now.
    pub fn client_key(&self) -> String {
        self.state().client_key.clone()
    }

    fn login_status(&self) -> Outcome {
        let (user, client_key) = {
            let st = self.state();
            (st.user.clone(), st.client_key.clone())
        };
        let status = match user {
            None => "unknown",
            Some(u) => {
                let t = cost::start();
                let granted = self.platform.granted_scopes(u.id, &client_key);
                cost::add(cost::Stage::Platform, t);
                if granted?.is_empty() {
                    "not_authorized"
                } else {
                    "connected"
                }
            }
        };
        Ok(json!({ "status": status }))
    }

    fn set_navbar_colors(&self, env: &Envelope, effects: &mut Vec<Effect>) -> Outcome {
        #[derive(Deserialize)]
        struct P {
            #[serde(rename = "frontColor")]
            front: String,
            #[serde(rename = "backgroundColor")]
            background: String,
        }
        let p: P = env.params()?;
        let mut st = self.state();
        st.navbar
            .set_colors(&p.front, &p.background)
            .map_err(|e| BridgeError::new(ErrorCode::InvalidParams, e.to_string()))?;
        effects.push(Effect::Navbar(st.navbar.clone()));
        Ok(json!({ "is_success": true }))
    }

    /// Starts login/authorize. Returns the effects (a reply, or a sheet to show).
    fn start_flow(&self, env: &Envelope) -> Result<Vec<Effect>, BridgeError> {
        #[derive(Deserialize)]
        struct P {
            scope: Option<String>,
            #[serde(rename = "returnScopes")]
            return_scopes: Option<bool>,
        }
        let p: P = env.params()?;
        let call = Self::call_id(env)?;
        let (flow, default_scope) = match env.method.as_str() {
            "login" => (
                Flow::Login {
                    return_scopes: p.return_scopes.unwrap_or(false),
                },
                SILENT_SCOPE,
            ),
            _ => (Flow::Authorize, "user.info.basic"),
        };
        let scopes = scopes::parse(p.scope.as_deref().unwrap_or(default_scope))?;
        let page = self.state().page;
        Ok(self.start(FlowCall { call, flow, scopes, page }))
    }

    /// Starts a flow: it runs now if the sheet queue is free, else waits its turn.
    fn start(&self, p: FlowCall) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.run_flows(None, Some(p), &mut effects);
        effects
    }

    /// Runs flow `next` when the sheet queue is free (else it waits in line behind the open
    /// sheet), then the flows waiting in line, in call order, until one opens a sheet or none
    /// is left. A flow moves on by its own steps: sign in, its sheet, its reply. Its platform
    /// calls run outside the state lock while [`State::busy`] holds the queue for it; a call
    /// from another thread waits for that turn (never a UI thread's calls, which take only the
    /// state lock). `held` is a turn the caller took already (a sheet answer).
    fn run_flows(&self, held: Option<Turn>, next: Option<FlowCall>, effects: &mut Vec<Effect>) {
        let _unwinding = TurnOnUnwind(self);
        let (mut turn, mut next) = match held {
            Some(turn) => (turn, next),
            None => {
                let Some(p) = next else { return };
                let mut st = self.state();
                while st.busy && st.open.is_none() {
                    st = self.turn_free.wait(st).unwrap_or_else(|p| p.into_inner());
                }
                if p.page != st.page {
                    tracing::debug!(target: "minihost::bridge", call = %p.call, "dropped a call of a replaced page");
                    return;
                }
                st.waiting.push_back(p);
                if st.open.is_some() {
                    tracing::debug!(target: "minihost::bridge", queued = st.waiting.len(), "a sheet is open; the call waits its turn");
                    return;
                }
                let next = st.waiting.pop_front();
                st.busy = true;
                let turn = Turn {
                    session: st.session(),
                    page: next.as_ref().map_or(st.page, |p| p.page),
                    owed: Vec::new(),
                };
                (turn, next)
            }
        };
        loop {
            let step = next.as_ref().map(|p| self.step(&mut turn.session, p));
            let mut st = self.state();
            st.user = turn.session.user.clone();
            if turn.page == st.page {
                effects.append(&mut turn.owed);
                if let (Some(p), Some(step)) = (next.take(), step) {
                    match step {
                        Ok(Step::Show(sheet)) => effects.push(self.open(&mut st, p, sheet)),
                        Ok(Step::Done(done)) => effects.extend(done),
                        Err(e) => effects.push(self.fail(&p, e)),
                    }
                }
            } else {
                tracing::debug!(target: "minihost::bridge", "the page was replaced during a flow; its replies are dropped");
            }
            next = st.open.is_none().then(|| st.waiting.pop_front()).flatten();
            let Some(p) = &next else {
                st.busy = false;
                self.turn_free.notify_all();
                return;
            };
            turn = Turn {
                session: st.session(),
                page: p.page,
                owed: Vec::new(),
            };
        }
    }

    /// Puts `sheet` on screen for flow `p`.
    fn open(&self, st: &mut State, p: FlowCall, sheet: Sheet) -> Effect {
        let id = st.next_sheet;
        st.next_sheet += 1;
        let owes_show_reply = matches!(p.flow, Flow::Ad { .. });
        st.open = Some(OpenSheet {
            id,
            flow: p,
            sheet: sheet.clone(),
            owes_show_reply,
        });
        Effect::ShowSheet { id, sheet }
    }

    /// The error reply of a flow, in the codes its method documents.
    fn fail(&self, p: &FlowCall, e: BridgeError) -> Effect {
        let e = match p.flow {
            Flow::Subscribe { .. } => purchases::subscription_error(e),
            _ => e,
        };
        Effect::reply(Some(p.call.clone()), Err(e))
    }

    /// The flow's next step from `s`; platform calls happen here, with no lock held.
    fn step(&self, s: &mut Session, p: &FlowCall) -> Result<Step, BridgeError> {
        if p.flow.needs_user() && s.user.is_none() {
            match self.opts.consent {
                ConsentMode::Ask => {
                    return Ok(Step::Show(Sheet::Login {
                        app_name: self.opts.app_name.clone(),
                        users: self.user_choices()?,
                    }))
                }
                ConsentMode::Allow => {
                    let first = self.platform.users()?.into_iter().next();
                    s.user = Some(first.ok_or_else(|| BridgeError::new(ErrorCode::NotLoggedIn, "the platform has no test users"))?);
                }
                ConsentMode::Deny => {
                    return Err(BridgeError::new(
                        ErrorCode::NotLoggedIn,
                        "login cancelled: no user is signed in (--consent deny)",
                    ))
                }
            }
        }
        match &p.flow {
            Flow::Login { .. } | Flow::Authorize => self.consent_step(s, p),
            Flow::Pay { trade_order_id } => self.pay_step(s, p, trade_order_id),
            Flow::Subscribe { trade_order_id } => self.subscribe_step(s, p, trade_order_id),
            Flow::Wallet => self.wallet_step(s, p),
            Flow::Ad { kind, unit, .. } => Ok(self.ad_step(p, *kind, unit)),
        }
    }

    /// Login and authorize once signed in: ask for scopes not granted yet, then mint a code.
    fn consent_step(&self, s: &Session, p: &FlowCall) -> Result<Step, BridgeError> {
        let user = s.user.clone().expect("signed in by step");
        let granted = self.platform.granted_scopes(user.id, &s.client_key)?;
        let missing: Vec<&String> = p.scopes.iter().filter(|s| *s != SILENT_SCOPE && !granted.contains(s)).collect();
        if missing.is_empty() {
            return Ok(Step::Done(vec![self.finish(s, p)]));
        }
        match self.opts.consent {
            ConsentMode::Ask => Ok(Step::Show(Sheet::Consent {
                app_name: self.opts.app_name.clone(),
                user: choice(&user),
                scopes: missing
                    .iter()
                    .map(|s| ScopeInfo {
                        scope: s.to_string(),
                        description: describe_scope(s),
                    })
                    .collect(),
            })),
            ConsentMode::Allow => {
                self.platform.grant(user.id, &s.client_key, &p.scopes)?;
                Ok(Step::Done(vec![self.finish(s, p)]))
            }
            ConsentMode::Deny => Err(denied()),
        }
    }

    /// All consent is in place: grant the silent scope and mint a code.
    fn finish(&self, s: &Session, p: &FlowCall) -> Effect {
        let outcome = (|| -> Outcome {
            let user = s
                .user
                .as_ref()
                .ok_or_else(|| BridgeError::new(ErrorCode::NotLoggedIn, "no user is signed in"))?;
            let granted = self.platform.grant(user.id, &s.client_key, &[SILENT_SCOPE.to_owned()])?;
            let code = self.platform.mint_code(&CodeRequest {
                client_key: s.client_key.clone(),
                user_id: user.id,
                scopes: granted.clone(),
                redirect_uri: None,
                code_challenge: None,
                host_app: self.opts.host_app,
            })?;
            let granted = granted.join(",");
            Ok(match p.flow {
                Flow::Login { return_scopes: false } => json!({ "code": code }),
                _ => json!({ "code": code, "grantedScopes": granted }),
            })
        })();
        Effect::reply(Some(p.call.clone()), outcome)
    }

    fn user_choices(&self) -> Result<Vec<UserChoice>, BridgeError> {
        Ok(self.platform.users()?.iter().map(choice).collect())
    }

    /// Messages from host chrome: sheet answers, and a sheet saying it is ready for input.
    fn chrome_call(&self, env: Envelope) -> Vec<Effect> {
        #[derive(Deserialize)]
        struct P {
            sheet: u64,
            #[serde(flatten)]
            answer: SheetAnswer,
        }
        if env.method == "sheet.ready" {
            // The sheet's page has loaded and focused its default action: keys now reach it.
            #[derive(Deserialize)]
            struct R {
                sheet: u64,
            }
            return match env.params::<R>() {
                Ok(r) => self.sheet_ready(r.sheet),
                Err(e) => {
                    tracing::warn!(target: "minihost::bridge", "bad sheet.ready: {}", e.error_msg);
                    vec![]
                }
            };
        }
        if env.method != "sheet.answer" {
            let e = BridgeError::new(ErrorCode::Forbidden, format!("host chrome cannot call `{}`", env.method));
            return vec![Surface::Chrome.reply(env.id, Err(e))];
        }
        // Sent with an id, the answer itself is answered once, on the sheet's page.
        let (mut effects, outcome) = match env.params::<P>() {
            Ok(p) => (self.answer(p.sheet, p.answer), Ok(json!({}))),
            Err(e) => {
                tracing::warn!(target: "minihost::bridge", "bad sheet answer: {}", e.error_msg);
                (vec![], Err(e))
            }
        };
        if env.id.is_some() {
            effects.push(Surface::Chrome.reply(env.id, outcome));
        }
        effects
    }

    /// A sheet was answered (by a person, a test or automation). The answer's platform calls
    /// (sign-in, grant, pay, top-up) run in the answered flow's turn, outside the state lock.
    pub fn answer(&self, sheet: u64, answer: SheetAnswer) -> Vec<Effect> {
        let (open, session) = {
            let mut st = self.state();
            let Some(open) = st.open.take_if(|o| o.id == sheet) else {
                tracing::warn!(target: "minihost::bridge", sheet, "answer for a sheet that is not open");
                return vec![];
            };
            st.busy = true;
            (open, st.session())
        };
        let _unwinding = TurnOnUnwind(self);
        let mut effects = vec![Effect::CloseSheet { id: sheet }];
        let OpenSheet {
            flow: p,
            sheet: shown,
            owes_show_reply,
            ..
        } = open;
        let mut turn = Turn {
            session,
            page: p.page,
            owed: Vec::new(),
        };
        if owes_show_reply {
            // Closed while loading: show() still resolved, onClose says it did not end.
            turn.owed.push(Effect::reply(Some(p.call.clone()), Ok(json!({}))));
        }
        let again = match (&shown, answer) {
            (Sheet::Login { .. }, SheetAnswer::SignIn { username }) => match self.platform.user_by_username(&username) {
                Ok(Some(user)) => {
                    tracing::info!(target: "minihost::bridge", user = user.username, "signed in from the login sheet");
                    turn.session.user = Some(user);
                    Some(p)
                }
                Ok(None) => self.failed(
                    &mut turn,
                    &p,
                    BridgeError::new(ErrorCode::NotLoggedIn, format!("no test user `{username}`")),
                ),
                Err(e) => self.failed(&mut turn, &p, e.into()),
            },
            (Sheet::Login { .. }, _) => self.failed(
                &mut turn,
                &p,
                BridgeError::new(ErrorCode::NotLoggedIn, "login cancelled by the user"),
            ),
            (Sheet::Consent { scopes, .. }, SheetAnswer::Allow) => {
                let scopes: Vec<String> = scopes.iter().map(|s| s.scope.clone()).collect();
                let s = &turn.session;
                let reply = match s.user.as_ref().map(|u| self.platform.grant(u.id, &s.client_key, &scopes)) {
                    Some(Ok(_)) => self.finish(s, &p),
                    Some(Err(e)) => self.fail(&p, e.into()),
                    None => self.fail(&p, BridgeError::new(ErrorCode::NotLoggedIn, "no user is signed in")),
                };
                turn.owed.push(reply);
                None
            }
            (Sheet::Consent { .. }, _) => self.failed(&mut turn, &p, denied()),
            (Sheet::Pay { .. } | Sheet::Subscribe { .. } | Sheet::Wallet { .. }, answer) => {
                match self.answer_purchase(&turn.session, p, &shown, answer) {
                    purchases::Answered::Again(p) => Some(p),
                    purchases::Answered::Done(done) => {
                        turn.owed.extend(done);
                        None
                    }
                }
            }
            (Sheet::Ad { .. }, answer) => {
                turn.owed.push(ads::closed(&p, answer == SheetAnswer::AdEnded));
                None
            }
        };
        self.run_flows(Some(turn), again, &mut effects);
        effects
    }

    /// Owes `p`'s error reply in `turn`; the flow goes no further.
    fn failed(&self, turn: &mut Turn, p: &FlowCall, e: BridgeError) -> Option<FlowCall> {
        turn.owed.push(self.fail(p, e));
        None
    }

    /// A sheet's page has loaded and focused its default action (an ad: it is playing).
    pub fn sheet_ready(&self, sheet: u64) -> Vec<Effect> {
        let mut st = self.state();
        let Some(open) = st.open.as_mut().filter(|o| o.id == sheet) else {
            tracing::debug!(target: "minihost::bridge", sheet, "ready for a sheet that is not open");
            return vec![];
        };
        tracing::info!(target: "minihost::bridge", sheet, kind = open.sheet.kind(), "sheet ready");
        if std::mem::take(&mut open.owes_show_reply) {
            return vec![Effect::reply(Some(open.flow.call.clone()), Ok(json!({})))];
        }
        vec![]
    }

    /// The app's page is being replaced. bridge-js numbers calls per page, so replies still
    /// owed to the old page must not reach the new one: the open sheet is closed unanswered and
    /// waiting calls are dropped.
    pub fn page_changed(&self) -> Vec<Effect> {
        let mut st = self.state();
        st.page += 1;
        st.waiting.clear();
        st.ads.clear();
        st.open.take().map(|o| Effect::CloseSheet { id: o.id }).into_iter().collect()
    }

    /// The sheet on screen, if any.
    pub fn open_sheet(&self) -> Option<(u64, Sheet)> {
        self.state().open.as_ref().map(|o| (o.id, o.sheet.clone()))
    }

    /// Sheets open or waiting their turn.
    pub fn pending_sheets(&self) -> usize {
        let st = self.state();
        usize::from(st.open.is_some()) + st.waiting.len()
    }

    /// The page's `document.title` changed; the default navbar shows it.
    pub fn set_title(&self, title: &str) -> Vec<Effect> {
        let mut st = self.state();
        if title.trim().is_empty() || st.navbar.title == title {
            return vec![];
        }
        st.navbar.title = title.to_owned();
        vec![Effect::Navbar(st.navbar.clone())]
    }

    pub fn theme(&self) -> Theme {
        self.state().navbar.theme
    }

    /// Switches the theme: the shell redraws chrome and webviews, the page hears `host.theme`.
    pub fn set_theme(&self, theme: Theme) -> Vec<Effect> {
        let mut st = self.state();
        if st.navbar.theme == theme {
            return vec![];
        }
        st.navbar.set_theme(theme);
        vec![
            Effect::Theme(theme),
            Effect::Navbar(st.navbar.clone()),
            Effect::event("host.theme", json!({ "theme": theme })),
        ]
    }

    /// A lifecycle event for the page (`minis.launch`, `minis.show`, `minis.hide`, ...).
    pub fn lifecycle(&self, event: &str) -> Effect {
        let data = match event {
            "minis.launch" | "minis.show" => json!({ "launch_from": "anchor", "query": {} }),
            _ => json!({}),
        };
        tracing::debug!(target: "minihost::bridge", event, "lifecycle");
        Effect::event(event, data)
    }
}

fn denied() -> BridgeError {
    BridgeError::new(ErrorCode::UserDenied, "the user denied authorization")
}

fn choice(u: &User) -> UserChoice {
    UserChoice {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        avatar_url: u.avatar_url.clone(),
    }
}

#[derive(Deserialize)]
struct ShareParams {
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct ReportEventParams {
    #[serde(rename = "eventName")]
    event_name: String,
    #[serde(default)]
    params: Value,
}

/// A one-way report from bridge-js: CSP violations, blocked APIs, uncaught errors. Each
/// violation is logged under its rule's name with a hint saying how to comply.
/// Violations raised by the HTML parser carry no source file; the page is the source then.
fn report(params: &Value, page_url: &str, policy: &Policy) {
    use crate::rules;
    let s = |k: &str| params.get(k).and_then(Value::as_str).unwrap_or("");
    let n = |k: &str| params.get(k).and_then(Value::as_u64).unwrap_or(0);
    let source = || {
        let file = match s("sourceFile") {
            "" => page_url,
            f => f,
        };
        format!("{file}:{}:{}", n("line"), n("column"))
    };
    match s("kind") {
        "csp" => {
            let rule = rules::for_csp(s("directive"), s("blockedURL"));
            tracing::warn!(
                target: "minihost::policy",
                rule = rule.map_or("csp", |r| r.name),
                directive = s("directive"),
                blocked_url = s("blockedURL"),
                source = source(),
                sample = s("sample"),
                hint = rule.map(|r| policy.hint(&r, s("blockedURL"))).unwrap_or_default(),
                "CSP violation"
            )
        }
        "api" => tracing::warn!(
            target: "minihost::policy",
            rule = rules::BLOCKED_APIS.name,
            api = s("api"),
            hint = rules::BLOCKED_APIS.fix,
            "blocked web API used (unavailable in TikTok Minis)"
        ),
        "navigation" | "window.open" => tracing::warn!(
            target: "minihost::policy",
            rule = rules::IN_APP_NAVIGATION.name,
            url = s("url"),
            kind = s("kind"),
            hint = rules::IN_APP_NAVIGATION.fix,
            "blocked navigation"
        ),
        "error" => tracing::warn!(
            target: "minihost::page",
            source = source(),
            "uncaught: {}",
            s("message")
        ),
        other => tracing::info!(target: "minihost::page", kind = other, report = %params, "page report"),
    }
}

#[cfg(test)]
mod tests;
