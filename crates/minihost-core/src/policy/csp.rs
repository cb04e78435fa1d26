//! The Content-Security-Policy that enforces the platform's script and network rules.
//!
//! No 'unsafe-eval' (so eval, `new Function` and string timers fail), no frames, scripts and
//! styles only from the app's origin, requests only to the trusted domains. Fonts are the
//! platform's documented exception. Media and images may come from anywhere over https:
//! dramas stream from CDNs and the platform only restricts scripts, styles and requests.

use crate::config::trusted_domains::TrustedDomains;

pub(super) fn content_security_policy(app_origin: &str, trusted: &TrustedDomains, media_origin: Option<&str>) -> String {
    let trusted: String = trusted.iter().map(|o| format!(" {o}")).collect();
    let media: String = media_origin.map(|o| format!(" {o}")).unwrap_or_default();
    let own = format!("'self' {app_origin}");
    [
        format!("default-src {own}"),
        format!("script-src {own} 'unsafe-inline'"),
        format!("style-src {own} 'unsafe-inline'"),
        format!("connect-src {own}{trusted}"),
        format!("img-src {own} data: blob: https:{trusted}"),
        format!("media-src {own} data: blob: https:{trusted}{media}"),
        format!("font-src {own} data: https:"),
        format!("worker-src {own} blob:"),
        "frame-src 'none'".to_owned(),
        "child-src 'none'".to_owned(),
        "object-src 'none'".to_owned(),
        format!("base-uri {own}"),
        format!("form-action {own}"),
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::trusted_domains::TrustedOrigin;

    #[test]
    fn csp_text() {
        let trusted = TrustedDomains::new(vec![
            TrustedOrigin::parse("https://api.example.com").unwrap(),
            TrustedOrigin::parse("http://127.0.0.1:8787").unwrap(),
        ]);
        let csp = content_security_policy("minihost://app", &trusted, Some("http://127.0.0.1:9999"));
        assert_eq!(
            csp,
            "default-src 'self' minihost://app; \
             script-src 'self' minihost://app 'unsafe-inline'; \
             style-src 'self' minihost://app 'unsafe-inline'; \
             connect-src 'self' minihost://app https://api.example.com http://127.0.0.1:8787; \
             img-src 'self' minihost://app data: blob: https: https://api.example.com http://127.0.0.1:8787; \
             media-src 'self' minihost://app data: blob: https: https://api.example.com http://127.0.0.1:8787 http://127.0.0.1:9999; \
             font-src 'self' minihost://app data: https:; \
             worker-src 'self' minihost://app blob:; \
             frame-src 'none'; child-src 'none'; object-src 'none'; \
             base-uri 'self' minihost://app; form-action 'self' minihost://app"
        );
        assert!(!csp.contains("unsafe-eval"));
    }
}
