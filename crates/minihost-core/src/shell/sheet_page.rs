//! The HTML of a host sheet, for shells that draw sheets in a webview of their own
//! (desktop today; Android and iOS can reuse it). It answers through the shell's transport with
//! `sheet.answer`; the app's page never sees this document.

use super::sheets::{AdKind, OrderLine, Sheet, UserChoice};
use super::Theme;
use base64::Engine as _;

/// The host's bundled ad creative (`media/generate.sh`), played by every ad sheet.
pub const AD_CREATIVE: &[u8] = include_bytes!("media/ad-creative.mp4");

/// The creative as base64 for its `data:` URL, encoded once.
static AD_CREATIVE_BASE64: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| base64::engine::general_purpose::STANDARD.encode(AD_CREATIVE));

/// Escapes text for HTML text and quoted attributes alike.
fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_quoted_attribute(s)
}

fn avatar(url: &str, name: &str) -> String {
    if url.starts_with("data:image/") || url.starts_with("https://") {
        format!(r#"<img class="avatar" src="{}" alt="">"#, escape(url))
    } else {
        format!(
            r#"<span class="avatar">{}</span>"#,
            escape(&name.chars().next().unwrap_or('?').to_string())
        )
    }
}

fn who(user: &UserChoice) -> String {
    format!(
        r#"<div class="who">{}<span>{}</span></div>"#,
        avatar(&user.avatar_url, &user.display_name),
        escape(&user.display_name)
    )
}

fn product(order: &OrderLine, price: &str) -> String {
    let image = match order.image_url.as_deref() {
        Some(url) if url.starts_with("https://") || url.starts_with("data:image/") => {
            format!(r#"<img class="thumb" src="{}" alt="">"#, escape(url))
        }
        _ => String::new(),
    };
    format!(
        r#"<div class="product">{image}<span><b>{}</b><small>{}</small></span><span class="price">{}</span></div>"#,
        escape(&order.product_name),
        escape(&order.trade_order_id),
        escape(price)
    )
}

/// Renders sheet `id`. Buttons carry their answer in `data-answer` / `data-user`. The
/// default action has focus, so Enter accepts and Escape dismisses, as in native dialogs.
/// `post` is the shell's transport (a JavaScript function expression taking the message
/// string), so the sheet page reaches the shell the way the app's page does.
pub fn render(id: u64, sheet: &Sheet, theme: Theme, post: &str) -> String {
    let body = match sheet {
        Sheet::Login { app_name, users } => {
            let rows: String = users
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    format!(
                        r#"<button class="row" data-answer="sign_in" data-user="{}"{}>{}<span><b>{}</b><small>@{}</small></span></button>"#,
                        escape(&u.username),
                        if i == 0 { " autofocus" } else { "" },
                        avatar(&u.avatar_url, &u.display_name),
                        escape(&u.display_name),
                        escape(&u.username)
                    )
                })
                .collect();
            format!(
                r#"<h1>Log in to TikTok</h1><p class="sub">to continue to <b>{}</b>. Pick a test user:</p><div class="list">{rows}</div>"#,
                escape(app_name)
            )
        }
        Sheet::Pay {
            app_name,
            user,
            order,
            balance,
            top_up,
        } => {
            let short = order.beans - balance;
            let (note, actions) = match top_up {
                Some(t) => (
                    format!(r#"<p class="note short">You need {short} more Beans.</p>"#),
                    format!(
                        r#"<button class="secondary" data-answer="deny">Cancel</button><button class="primary" data-answer="top_up" data-tier="{}" autofocus>Top up {} Beans · {}</button>"#,
                        escape(&t.tier_id),
                        t.beans,
                        escape(&t.price)
                    ),
                ),
                None => (
                    String::new(),
                    format!(
                        r#"<button class="secondary" data-answer="deny">Cancel</button><button class="primary" data-answer="allow" autofocus>Pay {} Beans</button>"#,
                        order.beans
                    ),
                ),
            };
            format!(
                r#"{}<h1>Confirm purchase</h1><p class="sub">in <b>{}</b></p>{}<p class="balance">Balance: <b>{balance}</b> Beans</p>{note}<div class="actions">{actions}</div>"#,
                who(user),
                escape(app_name),
                product(order, &format!("{} Beans", order.beans)),
            )
        }
        Sheet::Subscribe {
            app_name,
            user,
            order,
            tier_name,
            price,
            sandbox,
        } => format!(
            r#"{}<h1>Subscribe in <b>{}</b></h1>{}<p class="note">{}{}</p>
<div class="actions"><button class="secondary" data-answer="deny">Cancel</button><button class="primary" data-answer="allow" autofocus>Subscribe</button></div>"#,
            who(user),
            escape(app_name),
            product(order, price),
            escape(tier_name),
            if *sandbox {
                " · sandbox: renews every 5 minutes, 12 times"
            } else {
                ""
            },
        ),
        Sheet::Wallet { user, balance, tiers } => {
            let buttons: String = tiers
                .iter()
                .map(|t| {
                    format!(
                        r#"<button class="tier" data-answer="top_up" data-tier="{}"><b>{}</b><small>{}</small></button>"#,
                        escape(&t.tier_id),
                        t.beans,
                        escape(&t.price)
                    )
                })
                .collect();
            format!(
                r#"{}<h1>Beans</h1><p class="big" id="balance">{balance}</p><p class="sub">Top up (test wallet, no money moves):</p><div class="tiers">{buttons}</div>
<div class="actions"><button class="primary" data-answer="dismiss" autofocus>Done</button></div>"#,
                who(user)
            )
        }
        Sheet::Ad {
            ad_kind,
            ad_unit_id,
            duration_secs,
            load_delay_ms,
        } => {
            let label = match ad_kind {
                AdKind::Rewarded => "Reward in",
                AdKind::Interstitial => "Ad ends in",
            };
            let video = &*AD_CREATIVE_BASE64;
            format!(
                r#"<div class="ad" id="ad" data-duration="{duration_secs}" data-delay="{load_delay_ms}"><video id="creative" muted loop playsinline preload="auto" src="data:video/mp4;base64,{video}"></video>
<div class="ad-top"><span class="tag">Ad · {}</span><span id="countdown" data-label="{label}">Loading ad…</span></div></div>"#,
                escape(ad_unit_id)
            )
        }
        Sheet::Consent { app_name, user, scopes } => {
            let items: String = scopes
                .iter()
                .map(|s| format!(r#"<li><b>{}</b><small>{}</small></li>"#, escape(s.description), escape(&s.scope)))
                .collect();
            format!(
                r#"<div class="who">{}<span>{}</span></div><h1><b>{}</b> would like to access</h1><ul class="scopes">{items}</ul>
<div class="actions"><button class="secondary" data-answer="deny">Cancel</button><button class="primary" data-answer="allow" autofocus>Allow</button></div>"#,
                avatar(&user.avatar_url, &user.display_name),
                escape(&user.display_name),
                escape(app_name)
            )
        }
    };
    let kind = sheet.kind();
    let scheme = match theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    format!(
        r#"<!doctype html><html data-theme="{scheme}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>minihost sheet</title><style>{CSS}</style></head>
<body data-kind="{kind}"><div class="backdrop" data-answer="dismiss"></div>
<section class="sheet" id="sheet" data-sheet="{id}" data-kind="{kind}" role="dialog" aria-modal="true">
<button class="close" data-answer="dismiss" aria-label="Close">×</button>{body}</section>
<script>var __minihost_post={post};{SCRIPT}</script></body></html>"#
    )
}

const CSS: &str = r#"
:root{--bg:#fff;--fg:#161823;--muted:#8a8b91;--line:#e3e3e4;--accent:#fe2c55}
[data-theme=dark]{--bg:#1f1f23;--fg:#f1f1f2;--muted:#a0a0a6;--line:#3a3a40}
*{box-sizing:border-box}html,body{margin:0;height:100%;font:15px/1.4 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:transparent}
.backdrop{position:fixed;inset:0;background:rgba(0,0,0,.5)}
.sheet{position:fixed;left:0;right:0;bottom:0;background:var(--bg);color:var(--fg);border-radius:16px 16px 0 0;padding:28px 20px calc(20px + env(safe-area-inset-bottom));box-shadow:0 -4px 24px rgba(0,0,0,.2)}
h1{font-size:18px;margin:8px 0 12px;text-align:center;font-weight:600}.sub{color:var(--muted);text-align:center;margin:0 0 16px}
.close{position:absolute;right:12px;top:8px;border:0;background:none;font-size:26px;color:var(--muted);cursor:pointer}
.list{display:flex;flex-direction:column;gap:8px}.row{display:flex;gap:12px;align-items:center;padding:10px 12px;border:1px solid var(--line);border-radius:10px;background:none;color:inherit;text-align:left;font:inherit;cursor:pointer}
.row span{display:flex;flex-direction:column}small{color:var(--muted);font-size:12px}
.avatar{width:40px;height:40px;border-radius:50%;background:var(--line);display:inline-flex;align-items:center;justify-content:center;font-weight:600;object-fit:cover}
.who{display:flex;flex-direction:column;align-items:center;gap:6px;color:var(--muted)}
.scopes{list-style:none;padding:0;margin:0 0 20px;border-top:1px solid var(--line)}.scopes li{display:flex;flex-direction:column;padding:12px 4px;border-bottom:1px solid var(--line)}
.actions{display:flex;gap:12px}.actions button{flex:1;height:44px;border-radius:6px;font:inherit;font-weight:600;cursor:pointer;border:0}
.primary{background:var(--accent);color:#fff}.secondary{background:var(--line);color:var(--fg)}
.product{display:flex;gap:12px;align-items:center;padding:12px;border:1px solid var(--line);border-radius:10px;margin:0 0 12px}
.product span{display:flex;flex-direction:column;flex:1}.product .price{flex:none;font-weight:600}.thumb{width:48px;height:48px;border-radius:6px;object-fit:cover}
.balance{text-align:center;margin:0 0 8px}.note{text-align:center;color:var(--muted);margin:0 0 16px}.short{color:var(--accent)}
.big{font-size:40px;font-weight:700;text-align:center;margin:0}.tiers{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin:0 0 16px}
.tier{display:flex;flex-direction:column;align-items:center;padding:10px 4px;border:1px solid var(--line);border-radius:10px;background:none;color:inherit;font:inherit;cursor:pointer}
body[data-kind=ad] .backdrop{background:#000}body[data-kind=ad] .sheet{inset:0;border-radius:0;padding:0;background:#000;color:#fff}
.ad{position:absolute;inset:0}.ad video{width:100%;height:100%;object-fit:cover}
.ad-top{position:absolute;left:12px;right:48px;top:10px;display:flex;justify-content:space-between;font-size:13px}
.ad-top span{background:rgba(0,0,0,.55);padding:4px 8px;border-radius:12px}body[data-kind=ad] .close{color:#fff;z-index:1}
"#;

const SCRIPT: &str = r#"(function(){
var sheet=+document.getElementById('sheet').dataset.sheet,sent=false;
function post(m,p){__minihost_post(JSON.stringify(m==='sheet.answer'?{id:1,method:m,params:p}:{method:m,params:p}));}
// The host answers sheet.answer on this page; an error here is the host's, so it is logged.
window.__minihost_reply=function(j){var r=JSON.parse(j);if(r.ok===false)console.error('minihost: '+r.error.error_msg);};
function answer(a,b){if(sent)return;sent=true;var p={sheet:sheet,answer:a};if(b&&b.dataset.user)p.username=b.dataset.user;
if(b&&b.dataset.tier)p.tier_id=b.dataset.tier;post('sheet.answer',p);}
document.addEventListener('click',function(e){var b=e.target.closest('[data-answer]');if(b)answer(b.dataset.answer,b);});
document.addEventListener('keydown',function(e){if(e.key==='Escape')answer('dismiss');});
var first=document.querySelector('[autofocus]');if(first)first.focus();
var ad=document.getElementById('ad');
if(!ad){post('sheet.ready',{sheet:sheet});return;}
// An ad: load for data-delay ms, then play and count down data-duration s; it closes itself
// at the end (watched to the end). Closing before that is closing early.
var left=+ad.dataset.duration,cd=document.getElementById('countdown'),v=document.getElementById('creative');
setTimeout(function(){
var p=v.play();if(p&&p.catch)p.catch(function(){});
post('sheet.ready',{sheet:sheet});
function tick(){if(sent)return;if(left<=0){cd.textContent='Ended';answer('ad_ended');return;}
cd.textContent=cd.dataset.label+' '+left+' s';left--;setTimeout(tick,1000);}
tick();},+ad.dataset.delay);
})();"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Transport;
    use crate::shell::sheets::{ScopeInfo, UserChoice};

    #[test]
    fn escapes_everything_it_prints() {
        let user = UserChoice {
            username: "<b>".into(),
            display_name: "\"x\"".into(),
            avatar_url: "javascript:alert(1)".into(),
        };
        let html = render(
            3,
            &Sheet::Login {
                app_name: "<script>".into(),
                users: vec![user],
            },
            Theme::Dark,
            "function(s){window.ipc.postMessage(s)}",
        );
        assert!(!html.contains("<script>\""), "app name is escaped");
        assert!(html.contains("&lt;script&gt;") && html.contains("data-user=\"&lt;b&gt;\""));
        assert!(!html.contains("javascript:alert"), "only data: or https: avatars are loaded");
        assert!(html.contains(r#"data-sheet="3""#) && html.contains(r#"data-theme="dark""#));
    }

    #[test]
    fn consent_lists_scopes_with_allow_and_deny() {
        let user = UserChoice {
            username: "alice".into(),
            display_name: "Alice".into(),
            avatar_url: String::new(),
        };
        let sheet = Sheet::Consent {
            app_name: "Drama".into(),
            user,
            scopes: vec![ScopeInfo {
                scope: "user.info.basic".into(),
                description: "Profile",
            }],
        };
        let html = render(1, &sheet, Theme::Light, "function(s){window.ipc.postMessage(s)}");
        for needle in [
            "user.info.basic",
            r#"data-answer="allow""#,
            r#"data-answer="deny""#,
            r#"data-answer="dismiss""#,
            r#"data-kind="consent""#,
        ] {
            assert!(html.contains(needle), "{needle}");
        }
    }

    #[test]
    fn the_sheet_page_posts_through_the_shells_transport() {
        let sheet = Sheet::Wallet {
            user: UserChoice {
                username: "alice".into(),
                display_name: "Alice".into(),
                avatar_url: String::new(),
            },
            balance: 0,
            tiers: vec![],
        };
        for transport in [Transport::Ipc, Transport::Android, Transport::Ios] {
            let html = render(1, &sheet, Theme::Light, transport.post_message_js());
            assert!(
                html.contains(&format!("var __minihost_post={};", transport.post_message_js())),
                "{transport:?}"
            );
            assert!(
                !html.contains("window.ipc.postMessage(JSON"),
                "{transport:?}: no transport of its own"
            );
        }
    }
}
