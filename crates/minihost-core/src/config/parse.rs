//! Walks the JSONC syntax tree (comments and trailing commas appear in the platform's own
//! examples) and builds an `AppConfig`, keeping positions for every finding. The accepted
//! syntax and the duplicate-key rule are described in the parent module.

use super::ads::AdUnit;
use super::{excerpt, AppConfig, Color, Diagnostic, NavbarStyle, Severity};
use crate::config::trusted_domains::{TrustedDomains, TrustedOrigin, MAX_TRUSTED_DOMAINS};
use jsonc_parser::ast::{Object, ObjectProp, ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::ParseStringErrorKind;
use jsonc_parser::{CollectOptions, ParseOptions};
use std::collections::HashMap;

/// JSON, plus comments, trailing commas and missing commas (the CLI's template lacks one);
/// none of JSON5's other extensions.
const SYNTAX: ParseOptions = ParseOptions {
    allow_comments: true,
    allow_trailing_commas: true,
    allow_missing_commas: true,
    allow_loose_object_property_names: false,
    allow_single_quoted_strings: false,
    allow_hexadecimal_numbers: false,
    allow_unary_plus_numbers: false,
    allow_bare_decimal_point_numbers: false,
    allow_non_finite_numbers: false,
    allow_extended_string_escapes: false,
};

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
            // A key path holds the file's own key names, which may be as long as any value.
            key: key.map(|k| excerpt(&k).into_owned()),
            message,
        });
    }

    fn position(&self, at: usize) -> String {
        let (line, column) = line_col(self.text, at);
        format!("{line}:{column}")
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
    // Offsets come from jsonc-parser; a bad one must shift a column, not panic.
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
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

/// The finding for a file that is not UTF-8: the offset of the first bad byte, and its line
/// and column in the text before it.
pub(super) fn not_utf8(bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let at = e.valid_up_to();
    let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
    let before = before.strip_prefix('\u{feff}').unwrap_or(before);
    let (line, column) = line_col(before, before.len());
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    let hint = if utf16 { "; it looks like UTF-16, save it as UTF-8" } else { "" };
    Diagnostic {
        severity: Severity::Error,
        line,
        column,
        key: None,
        message: format!("not UTF-8: byte 0x{:02x} at byte offset {at}{hint}", bytes[at]),
    }
}

/// What to do instead, for the JSON5 extensions a JSONC user is likely to try.
fn syntax_hint(kind: &ParseErrorKind) -> &'static str {
    match kind {
        ParseErrorKind::SingleQuotedStringsNotAllowed => "; JSON strings use double quotes",
        ParseErrorKind::ExpectedStringObjectProperty => "; keys must be double-quoted strings",
        ParseErrorKind::String(ParseStringErrorKind::InvalidEscape) => "; JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
        _ => "",
    }
}

/// JSON forbids raw U+0000 to U+001F inside strings (JSONC too); jsonc-parser lets them
/// through, so every string in the tree is checked.
fn raw_control_characters(cx: &mut Ctx, v: &Value) {
    let check = |cx: &mut Ctx, start: usize, end: usize| {
        let literal = &cx.text[start..end];
        if let Some((i, c)) = literal.char_indices().find(|(_, c)| u32::from(*c) < 0x20) {
            let msg = format!(
                "invalid JSON: raw control character U+{:04X} in a string; escape it as \\u{:04x}",
                u32::from(c),
                u32::from(c)
            );
            cx.push(Severity::Error, start + i, None, msg);
        }
    };
    match v {
        Value::StringLit(s) => check(cx, s.start(), s.end()),
        Value::Object(o) => {
            for p in &o.properties {
                if let ObjectPropName::String(s) = &p.name {
                    check(cx, s.start(), s.end());
                }
                raw_control_characters(cx, &p.value);
            }
        }
        Value::Array(a) => {
            for e in &a.elements {
                raw_control_characters(cx, e);
            }
        }
        Value::NumberLit(_) | Value::BooleanLit(_) | Value::NullKeyword(_) => {}
    }
}

pub(super) fn parse(text: &str) -> (Option<AppConfig>, Vec<Diagnostic>) {
    // Editors on Windows write a BOM; it is not part of the JSON text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cx = Ctx { text, out: Vec::new() };
    let ast = match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &SYNTAX) {
        Ok(r) => r.value,
        Err(e) => {
            let msg = format!("invalid JSON: {}{}", e.kind(), syntax_hint(e.kind()));
            cx.push(Severity::Error, e.range().start, None, msg);
            return (None, cx.out);
        }
    };
    if let Some(v) = &ast {
        raw_control_characters(&mut cx, v);
        if !cx.out.is_empty() {
            return (None, cx.out);
        }
    }
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
    for prop in Props::new(&mut cx, &root, "").iter() {
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

/// `_comment` and friends, as in the platform's own template: ignored, even when repeated.
fn is_comment_key(name: &str) -> bool {
    name.starts_with('_')
}

fn dotted(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// An object's properties with repeated keys resolved: the later copy replaces the earlier
/// one (as in `JSON.parse`), with a warning naming both positions.
struct Props<'a> {
    list: Vec<&'a ObjectProp<'a>>,
}

impl<'a> Props<'a> {
    fn new(cx: &mut Ctx, o: &'a Object<'a>, parent: &str) -> Props<'a> {
        let mut slots: Vec<Option<&ObjectProp>> = Vec::with_capacity(o.properties.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for prop in &o.properties {
            let name = prop.name.as_str();
            if let Some(earlier) = seen.insert(name, slots.len()) {
                if let Some(first) = slots[earlier].take() {
                    if !is_comment_key(name) {
                        let msg = format!(
                            "repeated key; this value replaces the one at {} (the later one wins)",
                            cx.position(first.start())
                        );
                        cx.warn(prop.start(), &dotted(parent, name), msg);
                    }
                }
            }
            slots.push(Some(prop));
        }
        Props {
            list: slots.into_iter().flatten().collect(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'a ObjectProp<'a>> + '_ {
        self.list.iter().copied()
    }

    fn get(&self, name: &str) -> Option<&'a ObjectProp<'a>> {
        self.iter().find(|p| p.name.as_str() == name)
    }
}

fn unknown(cx: &mut Ctx, prop: &ObjectProp, parent: &str) {
    let name = prop.name.as_str();
    if !is_comment_key(name) {
        cx.warn(prop.start(), &dotted(parent, name), "unknown key, ignored");
    }
}

fn section<'a>(cx: &mut Ctx, prop: &'a ObjectProp<'a>, f: impl FnOnce(&mut Ctx, &Props<'a>)) {
    let name = prop.name.as_str();
    match &prop.value {
        Value::Object(o) => {
            let props = Props::new(cx, o, name);
            f(cx, &props)
        }
        v => cx.error(v.start(), name, format!("expected an object, found {}", type_name(v))),
    }
}

/// Resolves a key that has several documented spellings. Two spellings with different
/// values are an error; the same value twice is accepted.
fn aliased<'a>(cx: &mut Ctx, o: &Props<'a>, parent: &str, names: &[&str]) -> Option<&'a ObjectProp<'a>> {
    let mut found: Option<&ObjectProp> = None;
    for prop in o.iter().filter(|p| names.contains(&p.name.as_str())) {
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

fn known_keys(cx: &mut Ctx, o: &Props, parent: &str, known: &[&str]) {
    for p in o.iter() {
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

fn navbar(cx: &mut Ctx, o: &Props, config: &mut AppConfig) {
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
                    format!("`{}` is not a navbar style; use \"default\" or \"custom\"", excerpt(other)),
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

fn dev(cx: &mut Ctx, o: &Props, config: &mut AppConfig) {
    const TEXT_KEYS: [&str; 7] = ["host", "clientKey", "name", "iconUrl", "desc", "ppLink", "tosLink"];
    known_keys(cx, o, "dev", &[&TEXT_KEYS[..], &["port", "ads", "checkAllow"]].concat());
    if let Some(p) = o.get("ads") {
        section(cx, p, |cx, units| ads(cx, units, &mut config.dev.ads));
    }
    if let Some(p) = o.get("checkAllow") {
        config.dev.check_allow = check_allow(cx, &p.value);
    }
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
                _ => cx.error(
                    p.value.start(),
                    "dev.port",
                    format!("`{}` is not a TCP port (1-65535)", excerpt(&raw)),
                ),
            }
        }
    }
}

/// `dev.checkAllow`: an array of rule names (`minihost explain` lists them).
fn check_allow(cx: &mut Ctx, v: &Value) -> Vec<String> {
    let Value::Array(list) = v else {
        cx.error(
            v.start(),
            "dev.checkAllow",
            format!("expected an array of rule names, found {}", type_name(v)),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, e) in list.elements.iter().enumerate() {
        let key = format!("dev.checkAllow[{i}]");
        let Some(name) = string(cx, &key, e) else { continue };
        if crate::rules::find(name).is_some() {
            out.push(name.to_owned());
        } else {
            let known: Vec<&str> = crate::rules::RULES.iter().map(|r| r.name).collect();
            cx.error(
                e.start(),
                &key,
                format!("`{}` is not a rule; rules: {}", excerpt(name), known.join(", ")),
            );
        }
    }
    out
}

/// `dev.ads`: one object per ad unit id.
fn ads(cx: &mut Ctx, units: &Props, out: &mut std::collections::BTreeMap<String, AdUnit>) {
    use super::ads::{MAX_AD_SECS, MAX_LOAD_DELAY_MS};
    use crate::error_codes::ErrorCode;
    const KEYS: [&str; 7] = [
        "durationSeconds",
        "minIntervalSeconds",
        "dailyCap",
        "noFill",
        "createError",
        "showError",
        "loadDelayMs",
    ];
    for unit in units.iter() {
        let id = unit.name.as_str();
        let parent = format!("dev.ads.{id}");
        let Value::Object(o) = &unit.value else {
            cx.error(
                unit.value.start(),
                &parent,
                format!("expected an object, found {}", type_name(&unit.value)),
            );
            continue;
        };
        let o = Props::new(cx, o, &parent);
        known_keys(cx, &o, &parent, &KEYS);
        let mut ad = AdUnit::default();
        for p in o.iter() {
            let name = p.name.as_str();
            let key = format!("{parent}.{name}");
            if name == "noFill" {
                match &p.value {
                    Value::BooleanLit(b) => ad.no_fill = b.value,
                    v => cx.error(v.start(), &key, format!("expected true or false, found {}", type_name(v))),
                }
                continue;
            }
            let Some(n) = whole_number(cx, &key, &p.value) else { continue };
            let bad = |cx: &mut Ctx, why: String| cx.error(p.value.start(), &key, why);
            // A forced code must be one TikTok documents for that call.
            let documented = |cx: &mut Ctx, call: &str, codes: &[ErrorCode]| {
                let code = codes.iter().copied().find(|c| u64::from(c.code()) == n);
                if code.is_none() {
                    let numbers: Vec<u32> = codes.iter().map(|c| c.code()).collect();
                    bad(cx, format!("{n} is not a documented {call} code; use one of {numbers:?}"));
                }
                code
            };
            match name {
                "durationSeconds" if (1..=u64::from(MAX_AD_SECS)).contains(&n) => ad.duration_secs = n as u32,
                "durationSeconds" => bad(cx, format!("{n} is not between 1 and {MAX_AD_SECS} seconds")),
                "minIntervalSeconds" => ad.min_interval_secs = n,
                "dailyCap" => ad.daily_cap = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                "loadDelayMs" if n <= u64::from(MAX_LOAD_DELAY_MS) => ad.load_delay_ms = n as u32,
                "loadDelayMs" => bad(cx, format!("{n} is over {MAX_LOAD_DELAY_MS} ms")),
                "createError" => ad.create_error = documented(cx, "create", &ErrorCode::AD_CREATE).or(ad.create_error),
                "showError" => ad.show_error = documented(cx, "show", &ErrorCode::AD_SHOW).or(ad.show_error),
                _ => {}
            }
        }
        out.insert(id.to_owned(), ad);
    }
}

/// A JSON number that is a whole number >= 0.
fn whole_number(cx: &mut Ctx, key: &str, v: &Value) -> Option<u64> {
    match v {
        Value::NumberLit(n) => match n.value.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                cx.error(v.start(), key, format!("`{}` is not a whole number >= 0", excerpt(n.value)));
                None
            }
        },
        other => {
            cx.error(other.start(), key, format!("expected a number, found {}", type_name(other)));
            None
        }
    }
}

fn build(cx: &mut Ctx, o: &Props, config: &mut AppConfig) {
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
        cx.error(
            v.start(),
            key,
            format!("`{}` must be a relative path inside the project", excerpt(s)),
        );
        return None;
    }
    Some(s.to_owned())
}

/// Returns whether a trusted-domain list was given.
fn domain(cx: &mut Ctx, o: &Props, config: &mut AppConfig) -> bool {
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
                        format!(
                            "`{}` is a plain-http loopback origin: fine for a local backend, rejected by TikTok",
                            excerpt(origin.as_str())
                        ),
                    );
                }
                if origins.contains(&origin) {
                    cx.warn(v.start(), &item, format!("`{}` is listed twice", excerpt(origin.as_str())));
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
