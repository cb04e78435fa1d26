//! The SDK the page loads: the bridge-js bundle (injected at document start), the scripts
//! served for the documented SDK URLs, and Eruda, all embedded and answered offline.

use crate::bridge::HostContext;

/// The bridge-js bundle, built from `bridge-js/src` and committed.
pub const BRIDGE_JS: &str = include_str!("../../../bridge-js/dist/minihost-bridge.js");
/// Eruda, vendored from its npm package (`bridge-js/vendor/eruda`).
pub const ERUDA_JS: &str = include_str!("../../../bridge-js/vendor/eruda/eruda.js");

const CONTEXT_PLACEHOLDER: &str = "/*__MINIHOST_CONTEXT__*/null";

/// Where the app's HTML is pointed instead of the platform's CDN.
pub const SDK_PATH: &str = "/__minihost/sdk.js";
pub const ERUDA_PATH: &str = "/__minihost/eruda.js";

/// The documented SDK and console URLs, with the local path that answers each.
pub const INTERCEPTED: &[(&str, &str)] = &[
    ("https://connect.tiktok-minis.com/drama/sdk.js", SDK_PATH),
    ("https://connect.tiktok-minis.com/game/sdk.js", SDK_PATH),
    ("https://developers.tiktok.com/js/minis.js", SDK_PATH),
    ("https://connect.tiktok-minis.com/libs/eruda.js", ERUDA_PATH),
];

/// The script served for the SDK URLs: it exposes `TTMinis` from the injected bridge.
const SDK_INSTALL_JS: &str = "__minihost_sdk_install();\n";

/// A plain SDK tag as the page gets it: the script inline (see [`rewrite_html`]).
pub const SDK_INLINE: &str = "<script>__minihost_sdk_install();</script>";

/// The document-start script for an app webview.
pub fn init_script(context: &HostContext) -> String {
    BRIDGE_JS.replacen(CONTEXT_PLACEHOLDER, &context.to_json(), 1)
}

/// Serves `/__minihost/...` paths; `None` for anything else.
pub fn builtin(path: &str) -> Option<&'static str> {
    match path {
        SDK_PATH => Some(SDK_INSTALL_JS),
        ERUDA_PATH => Some(ERUDA_JS),
        _ => None,
    }
}

/// Points the page's SDK `<script>` URLs at the host (also `http:` and protocol-relative
/// spellings). Returns `None` when the HTML names none of them, so nothing is copied.
///
/// A plain SDK tag (`<script src="...sdk.js"></script>`, nothing else on it) becomes the one
/// line it would load, inline: one request fewer before the page's own scripts run. A tag with
/// other attributes (`onload`, `async`, `id`) keeps its `src`, and so does every tag of a page
/// with a CSP of its own, which may not allow inline script.
pub fn rewrite_html(html: &str) -> Option<String> {
    if !html.contains("tiktok-minis.com") && !html.contains("developers.tiktok.com") {
        return None;
    }
    let mut out = html.to_owned();
    for (url, local) in INTERCEPTED {
        let rest = url.trim_start_matches("https:");
        for spelling in [url.to_string(), format!("http:{rest}"), rest.to_owned()] {
            out = out
                .replace(&format!("\"{spelling}\""), &format!("\"{local}\""))
                .replace(&format!("'{spelling}'"), &format!("'{local}'"));
        }
    }
    const PAGE_CSP: &[u8] = b"content-security-policy";
    if !out.as_bytes().windows(PAGE_CSP.len()).any(|w| w.eq_ignore_ascii_case(PAGE_CSP)) {
        for q in ['"', '\''] {
            let tag = format!("<script src={q}{SDK_PATH}{q}></script>");
            if out.contains(&tag) {
                out = out.replace(&tag, SDK_INLINE);
                crate::startup::phase("SDK served");
            }
        }
    }
    Some(out)
}

/// WebKitGTK reports `env(safe-area-inset-*)` as 0, so served CSS reads the device's insets
/// from the variables bridge-js defines instead. `None` when there is nothing to rewrite.
pub fn rewrite_safe_area(css: &str) -> Option<String> {
    css.contains("env(safe-area-inset-")
        .then(|| css.replace("env(safe-area-inset-", "var(--minihost-safe-area-inset-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_has_exactly_one_context_slot() {
        assert_eq!(BRIDGE_JS.matches(CONTEXT_PLACEHOLDER).count(), 1);
    }

    #[test]
    fn rewrites_every_documented_sdk_url() {
        let html = r#"<script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>
<script src='//connect.tiktok-minis.com/game/sdk.js'></script>
<script src="https://developers.tiktok.com/js/minis.js"></script>
<script src="http://connect.tiktok-minis.com/libs/eruda.js"></script>
<a href="https://connect.tiktok-minis.com/drama/sdk.jsx">not a script</a>"#;
        let out = rewrite_html(html).unwrap();
        // The three plain SDK tags are inlined; Eruda is fetched from the host.
        assert_eq!(out.matches(SDK_INLINE).count(), 3, "{out}");
        assert_eq!(SDK_INLINE, format!("<script>{}</script>", SDK_INSTALL_JS.trim_end()));
        assert_eq!(out.matches(SDK_PATH).count(), 0, "{out}");
        assert_eq!(out.matches(ERUDA_PATH).count(), 1);
        assert!(out.contains("sdk.jsx\""), "unrelated URLs stay");
        assert_eq!(rewrite_html("<p>no sdk</p>"), None);
    }

    #[test]
    fn an_sdk_tag_with_more_on_it_or_under_a_page_csp_keeps_its_src() {
        for html in [
            r#"<script src="https://connect.tiktok-minis.com/drama/sdk.js" onload="start()"></script>"#,
            r#"<script async src="https://connect.tiktok-minis.com/drama/sdk.js"></script>"#,
            r#"<meta http-equiv="Content-Security-Policy" content="script-src 'self'"><script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>"#,
        ] {
            let out = rewrite_html(html).unwrap();
            assert!(
                out.contains(&format!("\"{SDK_PATH}\"")) && !out.contains("__minihost_sdk_install"),
                "{out}"
            );
        }
    }

    #[test]
    fn builtins() {
        assert_eq!(builtin(SDK_PATH), Some(SDK_INSTALL_JS));
        assert!(builtin(ERUDA_PATH).unwrap().len() > 100_000);
        assert_eq!(builtin("/__minihost/other"), None);
    }
}
