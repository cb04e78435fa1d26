//! The platform's content rules by name, with what each forbids, why, and how to comply. A
//! violation seen at run time (a CSP report, a blocked API, a refused navigation) is logged
//! under its rule's name with a hint, and `minihost explain RULE` prints the same text.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    /// One line: what the rule forbids.
    pub summary: &'static str,
    /// What the platform says, and the exceptions it documents.
    pub explanation: &'static str,
    /// How to comply, in general; [`hint`] makes it concrete for one violation.
    pub fix: &'static str,
}

pub const TRUSTED_DOMAINS: Rule = Rule {
    name: "trusted-domains",
    summary: "requests go only to origins listed in domain.trustedDomains",
    explanation: "TikTok Minis load data only from the app's own files and from the origins the \
                  developer lists in minis.config.json's domain.trustedDomains (exact origins: \
                  scheme, host and port). fetch, XHR, WebSocket, EventSource and sendBeacon to \
                  any other origin are blocked.",
    fix: "add the origin to domain.trustedDomains in minis.config.json",
};

pub const NO_EVAL: Rule = Rule {
    name: "no-eval",
    summary: "no eval, new Function or string timers",
    explanation: "The platform's content security policy has no 'unsafe-eval': eval(), \
                  new Function(...), and setTimeout/setInterval with a string are blocked.",
    fix: "pass a function to setTimeout/setInterval, parse JSON with JSON.parse, and build \
          without eval-based source maps (for example devtool: 'source-map' in webpack)",
};

pub const OWN_SCRIPTS: Rule = Rule {
    name: "own-scripts",
    summary: "scripts load only from the app's own files",
    explanation: "External <script src> is blocked. The only exceptions are the SDK URLs the docs \
                  give (connect.tiktok-minis.com/drama/sdk.js, .../game/sdk.js, \
                  developers.tiktok.com/js/minis.js) and the Eruda console, which the host answers.",
    fix: "bundle the script or copy it into the build output and load it by a relative path",
};

pub const OWN_STYLESHEETS: Rule = Rule {
    name: "own-stylesheets",
    summary: "stylesheets load only from the app's own files; font files may load over https",
    explanation: "External <link rel=stylesheet> (a Google Fonts CSS URL, a CDN theme) is blocked. \
                  Font files themselves may come from any https origin.",
    fix: "download the stylesheet into the build output and link it locally; for web fonts, \
          self-host the font CSS (its @font-face rules may keep pointing at https font files)",
};

pub const NO_IFRAMES: Rule = Rule {
    name: "no-iframes",
    summary: "no iframes, frames or plugin objects",
    explanation: "frame-src, child-src and object-src are 'none': no iframe loads, whatever its URL.",
    fix: "render the content in the app's own page instead of a frame",
};

pub const BLOCKED_APIS: Rule = Rule {
    name: "blocked-apis",
    summary: "no clipboard, geolocation or vibration APIs",
    explanation: "navigator.clipboard, navigator.geolocation and navigator.vibrate are not \
                  available to TikTok Minis; calls fail.",
    fix: "remove the call or guard it with feature detection and a fallback",
};

pub const IN_APP_NAVIGATION: Rule = Rule {
    name: "in-app-navigation",
    summary: "the page stays on the app's origin; no new windows",
    explanation: "Top-level navigation away from the app's origin and window.open / \
                  target=_blank are refused.",
    fix: "route inside the app (history.pushState) and fetch external data from a trusted domain",
};

pub const MINIS_CONFIG: Rule = Rule {
    name: "minis-config",
    summary: "minis.config.json is valid and has the keys the platform requires",
    explanation: "minis.config.json configures the navbar, the dev server, the build and the \
                  trusted domains (domain.trustedDomains is required). minihost reads every \
                  documented spelling; an error here stops run, check and build.",
    fix: "correct the key at the position given; `minihost init` writes a complete file",
};

pub const REQUIRED_INTEGRATION: Rule = Rule {
    name: "required-integration",
    summary: "the app calls the capabilities TikTok requires: silent login, a rewarded ad, the navbar",
    explanation: "Seed 003 (\"Integrate APIs\") marks silent login (TTMinis.login) as required, \
                  says rewarded ads (TTMinis.createRewardedVideoAd) are required for mini apps, \
                  and expects the navbar colours in minis.config.json. `minihost check` warns \
                  when the build shows none of them; it cannot see code paths it cannot parse.",
    fix: "call TTMinis.login at start, create a rewarded ad with TTMinis.createRewardedVideoAd, \
          and set navbar.bgColorLight / navbar.bgColorDark in minis.config.json",
};

pub const PARSE_ERROR: Rule = Rule {
    name: "parse-error",
    summary: "every script of the build parses as JavaScript",
    explanation: "`minihost check` parses each script with oxc; a file that does not parse cannot \
                  be checked for the other rules, and would fail in the webview too.",
    fix: "fix the syntax error at the position given, or exclude the file from the build output",
};

pub const RULES: [Rule; 10] = [
    TRUSTED_DOMAINS,
    NO_EVAL,
    OWN_SCRIPTS,
    OWN_STYLESHEETS,
    NO_IFRAMES,
    BLOCKED_APIS,
    IN_APP_NAVIGATION,
    MINIS_CONFIG,
    REQUIRED_INTEGRATION,
    PARSE_ERROR,
];

pub fn find(name: &str) -> Option<Rule> {
    RULES.into_iter().find(|r| r.name == name)
}

/// The rule a CSP report broke, from its effective directive and blocked URL.
pub fn for_csp(directive: &str, blocked_url: &str) -> Option<Rule> {
    let directive = directive.trim();
    match directive {
        _ if blocked_url == "eval" || blocked_url == "wasm-eval" => Some(NO_EVAL),
        "connect-src" | "img-src" | "media-src" => Some(TRUSTED_DOMAINS),
        "script-src" | "script-src-elem" | "script-src-attr" | "worker-src" => Some(OWN_SCRIPTS),
        "style-src" | "style-src-elem" | "style-src-attr" => Some(OWN_STYLESHEETS),
        "frame-src" | "child-src" | "object-src" => Some(NO_IFRAMES),
        _ => None,
    }
}

/// The concrete fix for one violation of `rule` involving `url`. `has_domain_section` says
/// whether minis.config.json has a `domain` section yet.
pub fn hint(rule: &Rule, url: &str, has_domain_section: bool) -> String {
    match rule.name {
        "trusted-domains" => match url::Url::parse(url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o.starts_with("http"))
        {
            Some(origin) if has_domain_section => format!("add \"{origin}\" to domain.trustedDomains in minis.config.json"),
            Some(origin) => format!(
                "add \"{origin}\" to domain.trustedDomains in minis.config.json (it has no domain section yet: \
                 \"domain\": {{\"trustedDomains\": [\"{origin}\"]}})"
            ),
            None => rule.fix.to_string(),
        },
        "own-stylesheets" if url.contains("fonts.googleapis.com") => {
            format!("{}: save {url} into the build output and link that copy", rule.fix)
        }
        _ => rule.fix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for r in RULES {
            assert_eq!(find(r.name), Some(r));
            assert_eq!(RULES.iter().filter(|o| o.name == r.name).count(), 1, "{}", r.name);
            assert!(hint(&r, "https://x.example/a", true).len() > 20, "{} has a hint", r.name);
        }
        assert_eq!(find("nope"), None);
    }

    #[test]
    fn csp_reports_map_to_rules() {
        assert_eq!(for_csp("connect-src", "https://api.example.com/x"), Some(TRUSTED_DOMAINS));
        assert_eq!(for_csp("script-src", "eval"), Some(NO_EVAL));
        assert_eq!(for_csp("script-src-elem", "https://cdn.example.com/a.js"), Some(OWN_SCRIPTS));
        assert_eq!(
            for_csp("style-src-elem", "https://fonts.googleapis.com/css2"),
            Some(OWN_STYLESHEETS)
        );
        assert_eq!(for_csp("frame-src", "https://example.com/"), Some(NO_IFRAMES));
        assert_eq!(for_csp("base-uri", "x"), None);
    }

    #[test]
    fn hints_name_the_exact_change() {
        assert_eq!(
            hint(&TRUSTED_DOMAINS, "https://api.example.com/v1/episodes?x=1", true),
            "add \"https://api.example.com\" to domain.trustedDomains in minis.config.json"
        );
        let no_section = hint(&TRUSTED_DOMAINS, "http://127.0.0.1:8080/x", false);
        assert!(
            no_section.contains("\"http://127.0.0.1:8080\"") && no_section.contains("no domain section"),
            "{no_section}"
        );
        let font = hint(&OWN_STYLESHEETS, "https://fonts.googleapis.com/css2?family=Inter", true);
        assert!(
            font.contains("self-host the font CSS") && font.contains("fonts.googleapis.com"),
            "{font}"
        );
        assert_eq!(hint(&NO_IFRAMES, "https://x.example/", true), NO_IFRAMES.fix);
    }
}
