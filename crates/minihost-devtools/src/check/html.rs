//! The HTML rules: external `<script src>` and stylesheets, frames; inline scripts, event
//! handler attributes (`onclick=`) and `javascript:` URLs are handed to the JavaScript rules. A small tokenizer: tags, attributes, comments and raw-text
//! elements, which is all these rules need.

use super::{Raw, Severity};
use minihost_core::rules;

/// Script in a page: its text's byte range in the file, whether it is a module, and for an
/// attribute the decoded code (entities resolved; `start` is where the raw value begins).
pub struct InlineScript {
    pub start: usize,
    pub end: usize,
    pub module: bool,
    pub code: Option<String>,
}

struct Attr {
    name: String,
    value: String,
    /// The raw value's byte range in the file.
    start: usize,
    end: usize,
}

struct Tag {
    name: String,
    start: usize,
    attrs: Vec<Attr>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).map(|a| a.value.as_str())
    }
}

/// Attributes whose value is a URL the browser may run as `javascript:`.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "formaction", "xlink:href"];

/// Code the page runs from attributes: `on*` handlers and `javascript:` URLs.
fn attribute_scripts(tag: &Tag) -> impl Iterator<Item = InlineScript> + '_ {
    tag.attrs.iter().filter_map(|a| {
        let code = if a.name.starts_with("on") && a.name.len() > 2 {
            a.value.clone()
        } else if URL_ATTRIBUTES.contains(&a.name.as_str()) {
            let v = a.value.trim_start();
            v.get(..11)
                .filter(|scheme| scheme.eq_ignore_ascii_case("javascript:"))
                .map(|_| v[11..].to_string())?
        } else {
            return None;
        };
        (!code.trim().is_empty()).then_some(InlineScript {
            start: a.start,
            end: a.end,
            module: false,
            code: Some(code),
        })
    })
}

/// Whether `url` leaves the app's own files: `http(s):` or protocol-relative.
pub fn is_external(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("http://") || u.starts_with("https://") || u.starts_with("//")
}

/// The SDK and console URLs the host answers itself (any scheme spelling).
fn is_intercepted(url: &str) -> bool {
    let rest = |u: &str| {
        let u = u.trim();
        let u = u.strip_prefix("https:").or_else(|| u.strip_prefix("http:")).unwrap_or(u);
        u.to_owned()
    };
    let mine = rest(url);
    minihost_core::sdk::INTERCEPTED.iter().any(|(u, _)| rest(u) == mine)
}

pub fn check(text: &str) -> (Vec<Raw>, Vec<InlineScript>) {
    let mut out = Vec::new();
    let mut scripts = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(rel) = text[i..].find('<') {
        let at = i + rel;
        let rest = &text[at..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(text.len(), |e| at + e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            i = rest.find('>').map_or(text.len(), |e| at + e + 1);
            continue;
        }
        let name_len = rest[1..].bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'-').count();
        if name_len == 0 {
            i = at + 1;
            continue;
        }
        let name = rest[1..1 + name_len].to_ascii_lowercase();
        let (attrs, end) = attributes(text, at + 1 + name_len);
        let tag = Tag { name, start: at, attrs };
        scripts.extend(attribute_scripts(&tag));
        i = end;
        match tag.name.as_str() {
            "script" => {
                let close = find_ci(text, end, "</script").unwrap_or(text.len());
                match tag.attr("src") {
                    Some(src) if is_external(src) && !is_intercepted(src) => out.push(Raw {
                        rule: rules::OWN_SCRIPTS,
                        severity: Severity::Error,
                        offset: tag.start,
                        message: format!("external script {}", minihost_core::config::excerpt(src)),
                        hint: None,
                    }),
                    Some(_) => {}
                    None => {
                        let ty = tag.attr("type").unwrap_or("").trim().to_ascii_lowercase();
                        let js = ty.is_empty() || ty == "module" || ty.contains("javascript") || ty.contains("ecmascript");
                        if js && b[end..close].iter().any(|c| !c.is_ascii_whitespace()) {
                            scripts.push(InlineScript {
                                start: end,
                                end: close,
                                module: ty == "module",
                                code: None,
                            });
                        }
                    }
                }
                i = close;
            }
            "style" => {
                let close = find_ci(text, end, "</style").unwrap_or(text.len());
                out.extend(check_css(&text[end..close]).into_iter().map(|mut r| {
                    r.offset += end;
                    r
                }));
                i = close;
            }
            "link" => {
                let rel = tag.attr("rel").unwrap_or("").to_ascii_lowercase();
                let href = tag.attr("href").unwrap_or("");
                if rel.split_ascii_whitespace().any(|r| r == "stylesheet") && is_external(href) {
                    out.push(Raw {
                        rule: rules::OWN_STYLESHEETS,
                        severity: Severity::Error,
                        offset: tag.start,
                        message: format!("external stylesheet {}", minihost_core::config::excerpt(href)),
                        hint: Some(rules::hint(&rules::OWN_STYLESHEETS, href, true)),
                    });
                }
            }
            "iframe" | "frame" | "object" | "embed" => out.push(Raw {
                rule: rules::NO_IFRAMES,
                severity: Severity::Error,
                offset: tag.start,
                message: format!("<{}> element", tag.name),
                hint: None,
            }),
            "textarea" | "title" => {
                i = find_ci(text, end, &format!("</{}", tag.name)).unwrap_or(text.len());
            }
            _ => {}
        }
    }
    (out, scripts)
}

/// `@import` of a stylesheet from another origin.
pub fn check_css(css: &str) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = find_ci(css, from, "@import") {
        let at = rel;
        let rest = css[at + 7..].trim_start();
        let rest = rest.strip_prefix("url(").unwrap_or(rest).trim_start();
        let url: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ')' | ';') && !c.is_whitespace())
            .collect();
        if is_external(&url) {
            out.push(Raw {
                rule: rules::OWN_STYLESHEETS,
                severity: Severity::Error,
                offset: at,
                message: format!("@import of external stylesheet {}", minihost_core::config::excerpt(&url)),
                hint: Some(rules::hint(&rules::OWN_STYLESHEETS, &url, true)),
            });
        }
        from = at + 7;
    }
    out
}

/// The attributes after a tag name, decoded, and the offset after the tag's `>`.
fn attributes(text: &str, mut i: usize) -> (Vec<Attr>, usize) {
    let b = text.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (attrs, b.len());
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = text[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        let (mut vs, mut ve) = (i, i);
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                vs = i + 1;
                ve = b[vs..].iter().position(|c| *c == q).map_or(b.len(), |p| vs + p);
                value = html_escape::decode_html_entities(&text[vs..ve]).into_owned();
                i = (ve + 1).min(b.len());
            } else {
                vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                ve = i;
                value = html_escape::decode_html_entities(&text[vs..i]).into_owned();
            }
        }
        if name.is_empty() {
            i += 1;
        } else {
            attrs.push(Attr {
                name,
                value,
                start: vs,
                end: ve,
            });
        }
    }
}

/// The offset of `needle` (ASCII, lowercase) in `text` from `from`, ignoring ASCII case.
fn find_ci(text: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = &text.as_bytes()[from.min(text.len())..];
    let n = needle.as_bytes();
    hay.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n)).map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_inline_scripts() {
        let html = r#"<!doctype html><!-- <iframe> --><head>
<script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>
<script src="//cdn.example.com/x.js"></script>
<link rel="preconnect" href="https://fonts.gstatic.com">
<link rel=stylesheet href="https://fonts.googleapis.com/css2?family=Inter">
<link rel="stylesheet" href="/local.css">
<script type="application/json">{"eval": 1}</script>
<script>TTMinis.init({clientKey: "k"})</script>
</head><body><iframe src="/x"></iframe><textarea><iframe></textarea></body>"#;
        let (raw, scripts) = check(html);
        let names: Vec<&str> = raw.iter().map(|r| r.rule.name).collect();
        assert_eq!(
            names,
            ["own-scripts", "own-stylesheets", "no-iframes"],
            "{:?}",
            raw.iter().map(|r| &r.message).collect::<Vec<_>>()
        );
        assert_eq!(scripts.len(), 1);
        assert_eq!(&html[scripts[0].start..scripts[0].end], r#"TTMinis.init({clientKey: "k"})"#);
    }

    #[test]
    fn handlers_and_javascript_urls_are_code() {
        let html = r#"<a href=" JavaScript:go(1)" onclick='a(&quot;x&quot;)' data-on="no" onx=""><form action="/send">"#;
        let (_, scripts) = check(html);
        let code: Vec<&str> = scripts.iter().map(|s| s.code.as_deref().unwrap()).collect();
        assert_eq!(code, ["go(1)", r#"a("x")"#]);
        assert_eq!(&html[scripts[1].start..scripts[1].end], "a(&quot;x&quot;)");
    }

    #[test]
    fn css_imports() {
        let raw =
            check_css("@import url('https://cdn.example.com/a.css'); @import \"./b.css\"; @font-face{src:url(https://f.example/x.woff2)}");
        assert_eq!(raw.len(), 1);
        assert!(raw[0].message.contains("cdn.example.com"));
    }
}
