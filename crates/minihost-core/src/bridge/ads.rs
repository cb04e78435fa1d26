//! Rewarded and interstitial ads. bridge-js's ad objects call `ad.create`, `ad.load` and
//! `ad.show`; the host keeps the instances of the current page, applies the ad unit's
//! `dev.ads` settings and the platform's frequency and daily cap, and shows the ad sheet.
//! `show()` is answered when the ad plays; its end comes as the `ad.close` event with
//! `isEnded`, the only thing a reward may be based on (there is no server-side verification).

use super::{Bridge, BridgeError, Effect, Envelope, ErrorCode, Flow, FlowCall, Outcome, Step};
use crate::platform::monetization::{AdAdmission, AdView};
use crate::shell::sheets::{AdKind, ConsentMode, Sheet};
use serde::Deserialize;
use serde_json::json;

/// The event that tells an ad object it was closed: `{ad, isEnded}`.
pub const CLOSE_EVENT: &str = "ad.close";
/// Ad instances one page may hold; shown ones are dropped first when it fills up.
const MAX_INSTANCES: usize = 256;
const MAX_UNIT_ID_BYTES: usize = 256;

#[derive(Debug)]
pub(super) struct Instance {
    kind: AdKind,
    unit: String,
    shown: bool,
}

#[derive(Deserialize)]
struct Handle {
    ad: u64,
}

/// The `ad.close` event of the flow's ad.
pub(super) fn closed(p: &FlowCall, ended: bool) -> Effect {
    let Flow::Ad { ad, unit, .. } = &p.flow else {
        unreachable!("only ad flows show ad sheets")
    };
    tracing::info!(target: "minihost::ads", ad, unit, ended, "ad closed");
    Effect::event(CLOSE_EVENT, json!({ "ad": ad, "isEnded": ended }))
}

impl Bridge {
    /// `ad.create {kind, adUnitId}` → `{ad}`, or the unit's forced create error.
    pub(super) fn create_ad(&self, env: &Envelope) -> Outcome {
        #[derive(Deserialize)]
        struct P {
            kind: String,
            #[serde(rename = "adUnitId")]
            ad_unit_id: Option<serde_json::Value>,
        }
        let p: P = env.params()?;
        let kind = match p.kind.as_str() {
            "rewarded" => AdKind::Rewarded,
            "interstitial" => AdKind::Interstitial,
            other => {
                return Err(BridgeError::new(
                    ErrorCode::InvalidParams,
                    format!("kind: {other:?} is not an ad kind"),
                ))
            }
        };
        let unit = match p.ad_unit_id {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() && s.len() <= MAX_UNIT_ID_BYTES => s,
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                return Err(BridgeError::new(
                    ErrorCode::InvalidParams,
                    format!("adUnitId is over {MAX_UNIT_ID_BYTES} bytes ({})", s.len()),
                ))
            }
            _ => {
                return Err(BridgeError::new(
                    ErrorCode::InvalidParams,
                    "adUnitId is required: the ad unit id from the developer portal",
                ))
            }
        };
        let settings = self.ad_units.get(&unit).cloned().unwrap_or_default();
        if settings.no_fill {
            return Err(BridgeError::new(
                ErrorCode::AdNoFill,
                format!("no ad to fill unit {unit} (dev.ads.{unit}.noFill)"),
            ));
        }
        if let Some(code) = settings.create_error {
            return Err(BridgeError::new(
                code,
                format!("ad unit {unit} failed to create (dev.ads.{unit}.createError)"),
            ));
        }
        let mut st = self.state();
        if st.ads.len() >= MAX_INSTANCES {
            st.ads.retain(|_, i| !i.shown);
            if st.ads.len() >= MAX_INSTANCES {
                return Err(BridgeError::new(
                    ErrorCode::InvalidParams,
                    format!("this page holds {MAX_INSTANCES} ad instances never shown; show or drop some first"),
                ));
            }
        }
        let id = st.next_ad;
        st.next_ad += 1;
        st.ads.insert(id, Instance { kind, unit, shown: false });
        Ok(json!({ "ad": id }))
    }

    /// `ad.load {ad}` (outside strict mode): the emulated network has the ad at once.
    pub(super) fn load_ad(&self, env: &Envelope) -> Outcome {
        let h: Handle = env.params()?;
        match self.state().ads.get(&h.ad) {
            Some(_) => Ok(json!({})),
            None => Err(unknown(h.ad)),
        }
    }

    /// `ad.show {ad}`: single use, then the unit's forced show error, then the platform's
    /// interval and daily cap, then the ad sheet in its turn.
    pub(super) fn show_ad(&self, env: &Envelope) -> Result<Vec<Effect>, BridgeError> {
        let h: Handle = env.params()?;
        let call = Self::call_id(env)?;
        let (view, kind, settings, page) = {
            let mut st = self.state();
            let Some(instance) = st.ads.get_mut(&h.ad) else {
                return Err(unknown(h.ad));
            };
            if std::mem::replace(&mut instance.shown, true) {
                return Err(BridgeError::new(
                    ErrorCode::AdAlreadyShown,
                    "this ad instance was shown already; create a new one for every show",
                ));
            }
            let (kind, unit) = (instance.kind, instance.unit.clone());
            let settings = self.ad_units.get(&unit).cloned().unwrap_or_default();
            if let Some(code) = settings.show_error {
                return Err(BridgeError::new(
                    code,
                    format!("ad unit {unit} failed to show (dev.ads.{unit}.showError)"),
                ));
            }
            let view = AdView {
                client_key: st.client_key.clone(),
                ad_unit_id: unit,
                user_id: st.user.as_ref().map(|u| u.id),
                min_interval_secs: settings.min_interval_secs,
                daily_cap: settings.daily_cap,
            };
            (view, kind, settings, st.page)
        };
        // The platform admits the ad with no lock held.
        let unit = view.ad_unit_id.clone();
        match self.platform.admit_ad(&view)? {
            AdAdmission::Admitted => {}
            AdAdmission::TooSoon { retry_after_secs } => {
                return Err(BridgeError::new(
                    ErrorCode::AdTooSoon,
                    format!(
                        "ad unit {unit} shows at most every {} s; try again in {retry_after_secs} s",
                        settings.min_interval_secs
                    ),
                ))
            }
            AdAdmission::CapReached { cap } => {
                return Err(BridgeError::new(
                    ErrorCode::AdCapReached,
                    format!("ad unit {unit} reached its daily cap of {cap}"),
                ))
            }
        }
        tracing::info!(target: "minihost::ads", ad = h.ad, unit, ?kind, "ad show");
        Ok(self.start(FlowCall {
            call,
            flow: Flow::Ad { ad: h.ad, kind, unit },
            scopes: Vec::new(),
            page,
        }))
    }

    /// An ad's turn: its sheet, or in scripted runs (`--consent allow|deny`) watched to the
    /// end or closed early at once.
    pub(super) fn ad_step(&self, p: &FlowCall, kind: AdKind, unit: &str) -> Step {
        let settings = self.ad_units.get(unit).cloned().unwrap_or_default();
        match self.opts.consent {
            ConsentMode::Ask => Step::Show(Sheet::Ad {
                ad_kind: kind,
                ad_unit_id: unit.to_string(),
                duration_secs: settings.duration_secs,
                load_delay_ms: settings.load_delay_ms,
            }),
            mode => Step::Done(vec![
                Effect::reply(Some(p.call.clone()), Ok(json!({}))),
                closed(p, mode == ConsentMode::Allow),
            ]),
        }
    }
}

fn unknown(ad: u64) -> BridgeError {
    BridgeError::new(
        ErrorCode::InvalidParams,
        format!("ad: no ad instance {ad} on this page; create one with createRewardedVideoAd or createInterstitialAd"),
    )
}
