//! Walks the JSONC syntax tree (comments and trailing commas appear in the platform's own
//! examples) and builds an `AppConfig`, keeping positions for every finding.

use super::{AppConfig, Color, Diagnostic, NavbarStyle, Severity};
use crate::policy::trusted_domains::{TrustedDomains, TrustedOrigin, MAX_TRUSTED_DOMAINS};
use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};

struct Ctx<'t> {
    text: &'t str,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, at: usize, key: Option<String>, message: String) {
        let (line, column) = line_col(self.text, at);
        self.out.push(Diagnostic {
            severity,
            line,
            column,
            key,
            message,
        });
    }

    fn error(&mut self, at: usize, key: &str, message: impl Into<String>) {
        self.push(Severity::Error, at, Some(key.to_owned()), message.into());
    }

    fn warn(&mut self, at: usize, key: &str, message: impl Into<String>) {
        self.push(Severity::Warning, at, Some(key.to_owned()), message.into());
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

pub(super) fn parse(text: &str) -> (Option<AppConfig>, Vec<Diagnostic>) {
    let mut cx = Ctx { text, out: Vec::new() };
    let ast = match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()) {
        Ok(r) => r.value,
        Err(e) => {
            cx.out.push(Diagnostic {
                severity: Severity::Error,
                line: e.line_display(),
                column: e.column_display(),
                key: None,
                message: format!("invalid JSON: {}", e.kind()),
            });
            return (None, cx.out);
        }
    };
    let root = match ast {
        Some(Value::Object(o)) => o,
        Some(other) => {
            let msg = format!("the config must be a JSON object, found {}", type_name(&other));
            cx.push(Severity::Error, other.start(), None, msg);
            return (None, cx.out);
        }
        None => {
            cx.push(Severity::Error, 0, None, "the file is empty; expected a JSON object".into());
            return (None, cx.out);
        }
    };
    let mut config = AppConfig::default();
    let mut saw_domains = false;
    for prop in &root.properties {
        let name = prop.name.as_str();
        match name {
            "navbar" => section(&mut cx, prop, |cx, o| navbar(cx, o, &mut config)),
            "dev" => section(&mut cx, prop, |cx, o| dev(cx, o, &mut config)),
            "build" => section(&mut cx, prop, |cx, o| build(cx, o, &mut config)),
            "domain" => section(&mut cx, prop, |cx, o| {
                saw_domains |= domain(cx, o, &mut config);
            }),
            _ => unknown(&mut cx, prop, ""),
        }
    }
    if !saw_domains {
        cx.push(
            Severity::Warning,
            root.start(),
            Some("domain.trustedDomains".into()),
            "missing; TikTok requires it, and without it the app may not fetch any server".into(),
        );
    }
    (Some(config), cx.out)
}

fn unknown(cx: &mut Ctx, prop: &ObjectProp, parent: &str) {
    let name = prop.name.as_str();
    if name.starts_with('_') {
        return; // `_comment` and friends, as in the platform's own template
    }
    let key = if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    };
    cx.warn(prop.start(), &key, "unknown key, ignored");
}

fn section(cx: &mut Ctx, prop: &ObjectProp, f: impl FnOnce(&mut Ctx, &Object)) {
    match &prop.value {
        Value::Object(o) => f(cx, o),
        v => cx.error(v.start(), prop.name.as_str(), format!("expected an object, found {}", type_name(v))),
    }
}

/// Resolves a key that has several documented spellings. Two spellings with different
/// values are an error; the same value twice is accepted.
fn aliased<'a, 'b>(cx: &mut Ctx, o: &'b Object<'a>, parent: &str, names: &[&str]) -> Option<&'b ObjectProp<'a>> {
    let mut found: Option<&ObjectProp> = None;
    for prop in o.properties.iter().filter(|p| names.contains(&p.name.as_str())) {
        match found {
            None => found = Some(prop),
            Some(first) if same_value(cx.text, &first.value, &prop.value) => {}
            Some(first) => {
                let msg = format!(
                    "conflicts with `{parent}.{}`; these are two spellings of one setting",
                    first.name.as_str()
                );
                cx.error(prop.start(), &format!("{parent}.{}", prop.name.as_str()), msg);
            }
        }
    }
    found
}

fn same_value(text: &str, a: &Value, b: &Value) -> bool {
    text[a.start()..a.end()] == text[b.start()..b.end()]
}

fn string<'v>(cx: &mut Ctx, key: &str, v: &'v Value) -> Option<&'v str> {
    match v {
        Value::StringLit(s) => Some(&s.value),
        other => {
            cx.error(other.start(), key, format!("expected a string, found {}", type_name(other)));
            None
        }
    }
}

fn known_keys(cx: &mut Ctx, o: &Object, parent: &str, known: &[&str]) {
    for p in &o.properties {
        if !known.contains(&p.name.as_str()) {
            unknown(cx, p, parent);
        }
    }
}

fn color(cx: &mut Ctx, key: &str, v: &Value) -> Option<Color> {
    let s = string(cx, key, v)?;
    match s.parse() {
        Ok(c) => Some(c),
        Err(e) => {
            cx.error(v.start(), key, e.to_string());
            None
        }
    }
}

fn navbar(cx: &mut Ctx, o: &Object, config: &mut AppConfig) {
    known_keys(
        cx,
        o,
        "navbar",
        &["style", "bgColorLight", "lightModeBgColor", "bgColorDark", "darkModeBgColor"],
    );
    if let Some(p) = o.get("style") {
        if let Some(s) = string(cx, "navbar.style", &p.value) {
            match s {
                "default" => config.navbar.style = NavbarStyle::Default,
                "custom" => config.navbar.style = NavbarStyle::Custom,
                other => cx.error(
                    p.value.start(),
                    "navbar.style",
                    format!("`{other}` is not a navbar style; use \"default\" or \"custom\""),
                ),
            }
        }
    }
    if let Some(p) = aliased(cx, o, "navbar", &["bgColorLight", "lightModeBgColor"]) {
        config.navbar.bg_color_light = color(cx, &format!("navbar.{}", p.name.as_str()), &p.value);
    }
    if let Some(p) = aliased(cx, o, "navbar", &["bgColorDark", "darkModeBgColor"]) {
        config.navbar.bg_color_dark = color(cx, &format!("navbar.{}", p.name.as_str()), &p.value);
    }
}

fn dev(cx: &mut Ctx, o: &Object, config: &mut AppConfig) {
    const TEXT_KEYS: [&str; 7] = ["host", "clientKey", "name", "iconUrl", "desc", "ppLink", "tosLink"];
    known_keys(cx, o, "dev", &[&TEXT_KEYS[..], &["port"]].concat());
    let dev = &mut config.dev;
    for key in TEXT_KEYS {
        let Some(p) = o.get(key) else { continue };
        let dotted = format!("dev.{key}");
        let Some(s) = string(cx, &dotted, &p.value) else { continue };
        if key == "clientKey" && s.trim().is_empty() {
            cx.error(p.value.start(), &dotted, "must not be empty");
            continue;
        }
        let s = s.to_owned();
        match key {
            "host" => dev.host = s,
            "clientKey" => dev.client_key = Some(s),
            "name" => dev.name = Some(s),
            "iconUrl" => dev.icon_url = Some(s),
            "desc" => dev.desc = Some(s),
            "ppLink" => dev.pp_link = Some(s),
            _ => dev.tos_link = Some(s),
        }
    }
    if let Some(p) = o.get("port") {
        let raw = match &p.value {
            Value::NumberLit(n) => Some(n.value.to_string()),
            Value::StringLit(s) => Some(s.value.to_string()),
            other => {
                cx.error(other.start(), "dev.port", format!("expected a number, found {}", type_name(other)));
                None
            }
        };
        if let Some(raw) = raw {
            match raw.trim().parse::<u16>() {
                Ok(port) if port > 0 => dev.port = port,
                _ => cx.error(p.value.start(), "dev.port", format!("`{raw}` is not a TCP port (1-65535)")),
            }
        }
    }
}

fn build(cx: &mut Ctx, o: &Object, config: &mut AppConfig) {
    known_keys(cx, o, "build", &["htmlEntry", "outputDir", "output"]);
    if let Some(p) = o.get("htmlEntry") {
        if let Some(s) = relative_path(cx, "build.htmlEntry", &p.value) {
            config.build.html_entry = s;
        }
    }
    if let Some(p) = aliased(cx, o, "build", &["outputDir", "output"]) {
        if let Some(s) = relative_path(cx, &format!("build.{}", p.name.as_str()), &p.value) {
            config.build.output_dir = s;
        }
    }
}

/// A path inside the project: relative, no `..`.
fn relative_path(cx: &mut Ctx, key: &str, v: &Value) -> Option<String> {
    let s = string(cx, key, v)?;
    let p = std::path::Path::new(s);
    let escapes = p
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
    if s.trim().is_empty() || escapes {
        cx.error(v.start(), key, format!("`{s}` must be a relative path inside the project"));
        return None;
    }
    Some(s.to_owned())
}

/// Returns whether a trusted-domain list was given.
fn domain(cx: &mut Ctx, o: &Object, config: &mut AppConfig) -> bool {
    known_keys(cx, o, "domain", &["trustedDomains", "allowList"]);
    let Some(p) = aliased(cx, o, "domain", &["trustedDomains", "allowList"]) else {
        return false;
    };
    let key = format!("domain.{}", p.name.as_str());
    let Value::Array(list) = &p.value else {
        cx.error(
            p.value.start(),
            &key,
            format!("expected an array of origins, found {}", type_name(&p.value)),
        );
        return true;
    };
    if list.elements.len() > MAX_TRUSTED_DOMAINS {
        let msg = format!("{} entries; the platform allows at most {MAX_TRUSTED_DOMAINS}", list.elements.len());
        cx.error(list.start(), &key, msg);
    }
    let mut origins: Vec<TrustedOrigin> = Vec::new();
    for (i, v) in list.elements.iter().enumerate() {
        let item = format!("{key}[{i}]");
        let Some(raw) = string(cx, &item, v) else { continue };
        match TrustedOrigin::parse(raw) {
            Ok(origin) => {
                if origin.is_loopback_http() {
                    cx.warn(
                        v.start(),
                        &item,
                        format!("`{origin}` is a plain-http loopback origin: fine for a local backend, rejected by TikTok"),
                    );
                }
                if origins.contains(&origin) {
                    cx.warn(v.start(), &item, format!("`{origin}` is listed twice"));
                } else {
                    origins.push(origin);
                }
            }
            Err(e) => cx.error(v.start(), &item, e.to_string()),
        }
    }
    config.trusted_domains = TrustedDomains::new(origins);
    true
}
