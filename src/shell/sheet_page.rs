//! The HTML of a host sheet, for shells that draw sheets in a webview of their own
//! (desktop today; Android and iOS can reuse it). It answers through `window.ipc` with
//! `sheet.answer`; the app's page never sees this document.

use super::sheets::Sheet;
use super::Theme;

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

/// Renders sheet `id`. Buttons carry their answer in `data-answer` / `data-user`. The
/// default action has focus, so Enter accepts and Escape dismisses, as in native dialogs.
pub fn render(id: u64, sheet: &Sheet, theme: Theme) -> String {
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
<body><div class="backdrop" data-answer="dismiss"></div>
<section class="sheet" id="sheet" data-sheet="{id}" data-kind="{kind}" role="dialog" aria-modal="true">
<button class="close" data-answer="dismiss" aria-label="Close">×</button>{body}</section>
<script>{SCRIPT}</script></body></html>"#
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
"#;

const SCRIPT: &str = r#"(function(){
var sheet=+document.getElementById('sheet').dataset.sheet,sent=false;
function answer(a,user){if(sent)return;sent=true;var p={sheet:sheet,answer:a};if(user)p.username=user;
window.ipc.postMessage(JSON.stringify({id:1,method:'sheet.answer',params:p}));}
document.addEventListener('click',function(e){var b=e.target.closest('[data-answer]');if(b)answer(b.dataset.answer,b.dataset.user);});
document.addEventListener('keydown',function(e){if(e.key==='Escape')answer('dismiss');});
var first=document.querySelector('[autofocus]');if(first)first.focus();
window.ipc.postMessage(JSON.stringify({method:'sheet.ready',params:{sheet:sheet}}));
})();"#;

#[cfg(test)]
mod tests {
    use super::*;
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
        let html = render(1, &sheet, Theme::Light);
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
}
