//! `minihost check`: the platform's rules, checked statically over a build output. Every
//! finding names the same rule the runtime logs (`minihost_core::rules`), with file, line,
//! column (UTF-16 code units, as editors and SARIF count) and a code frame; a finding in a
//! bundle with a source map also names the original source position.

mod html;
mod js;
pub mod report;
mod source_map;

use minihost_core::config::trusted_domains::TrustedDomains;
use minihost_core::config::{AppConfig, ConfigError, Diagnostic, LoadedConfig, CONFIG_FILE};
use minihost_core::rules::{self, Rule};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A finding before it is placed: a byte offset in the text checked.
#[derive(Debug, Clone)]
pub struct Raw {
    pub rule: Rule,
    pub severity: Severity,
    pub offset: usize,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    #[serde(flatten)]
    pub at: Location,
    pub message: String,
    pub hint: String,
    /// The lines around the position, with a caret; long (minified) lines are cut around it.
    #[serde(skip)]
    pub frame: String,
    /// Where the source map puts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<Location>,
    #[serde(skip)]
    pub original_frame: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct CheckOptions {
    /// Rule names not reported (`--allow`), on top of the config's `dev.checkAllow`.
    pub allow: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Findings dropped by `--allow` or `dev.checkAllow`, by rule.
    pub allowed: Vec<(String, usize)>,
    pub files: usize,
    pub bytes: u64,
    /// The config as loaded, when it is valid.
    pub config: Option<LoadedConfig>,
    /// The folder checked.
    pub root: PathBuf,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).count()
    }
}

/// The build output of a project (`build.outputDir`, else `dist/` or `build/` when they
/// hold an index.html), or the folder itself.
pub fn output_root(dir: &Path, config: Option<&AppConfig>) -> PathBuf {
    if let Some(c) = config {
        let configured = dir.join(&c.build.output_dir);
        if configured != dir && configured.is_dir() {
            return configured;
        }
    }
    if dir.join("index.html").is_file() {
        return dir.to_owned();
    }
    ["dist", "build"]
        .iter()
        .map(|d| dir.join(d))
        .find(|d| d.join("index.html").is_file())
        .unwrap_or_else(|| dir.to_owned())
}

/// Checks a project, a build output, or one file.
pub fn check_path(path: &Path, opts: &CheckOptions) -> anyhow::Result<Report> {
    for a in &opts.allow {
        if rules::find(a).is_none() {
            let known: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
            anyhow::bail!("--allow {a}: no such rule; rules: {}", known.join(", "));
        }
    }
    let mut report = Report::default();
    if path.is_file() {
        report.root = path.parent().unwrap_or(Path::new(".")).to_owned();
        // One file is checked with the trusted domains of the project it belongs to.
        let project = path.ancestors().skip(1).map(|d| d.join(CONFIG_FILE)).find(|c| c.is_file());
        let config_text = project.as_deref().and_then(|c| std::fs::read_to_string(c).ok());
        let trusted = project
            .as_deref()
            .and_then(|c| AppConfig::load(c).ok())
            .map(|l| l.config.trusted_domains)
            .unwrap_or_default();
        let ctx = Ctx {
            base: report.root.clone(),
            trusted,
            has_domain_section: config_text.as_deref().is_some_and(|t| t.contains("\"domain\"")),
        };
        let mut uses = js::Uses::default();
        check_file(&ctx, path, &mut report, &mut uses)?;
        apply_allow(&mut report, &opts.allow);
        return Ok(report);
    }
    if !path.is_dir() {
        anyhow::bail!("{}: no such file or directory", path.display());
    }
    let config_path = path.join(CONFIG_FILE);
    let config_text = std::fs::read_to_string(&config_path).ok();
    let mut findings = Vec::new();
    let loaded = if config_path.is_file() {
        match AppConfig::load(&config_path) {
            Ok(l) => {
                findings.extend(config_findings(path, &config_path, config_text.as_deref(), &l.warnings));
                Some(l)
            }
            Err(e @ ConfigError::Io { .. }) => return Err(e.into()),
            Err(ConfigError::Invalid { errors, warnings, .. }) => {
                let all: Vec<Diagnostic> = errors.into_iter().chain(warnings).collect();
                findings.extend(config_findings(path, &config_path, config_text.as_deref(), &all));
                None
            }
        }
    } else {
        findings.push(Finding {
            rule: rules::MINIS_CONFIG.name,
            severity: Severity::Warning,
            at: Location {
                file: CONFIG_FILE.into(),
                line: 1,
                column: 1,
            },
            message: format!("no {CONFIG_FILE}; checking with no trusted domains"),
            hint: "run `minihost init` to create one".into(),
            frame: String::new(),
            original: None,
            original_frame: None,
        });
        None
    };
    let config = loaded.as_ref().map(|l| &l.config);
    let root = output_root(path, config);
    let ctx = Ctx {
        base: path.to_owned(),
        trusted: config.map(|c| c.trusted_domains.clone()).unwrap_or_default(),
        has_domain_section: config_text.as_deref().is_some_and(|t| t.contains("\"domain\"")),
    };
    report.findings = findings;
    let mut uses = js::Uses::default();
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut html = Vec::new();
    for f in &files {
        if check_file(&ctx, f, &mut report, &mut uses)? {
            html.push(f.clone());
        }
    }
    if let (Some(l), Some(entry)) = (&loaded, html.first()) {
        audit(&ctx, l, entry, &uses, &mut report);
    }
    let mut allow = opts.allow.clone();
    if let Some(l) = &loaded {
        allow.extend(l.config.dev.check_allow.iter().cloned());
    }
    apply_allow(&mut report, &allow);
    report.root = root;
    report.config = loaded;
    Ok(report)
}

fn apply_allow(report: &mut Report, allow: &[String]) {
    for a in allow {
        let before = report.findings.len();
        report.findings.retain(|f| f.rule != a);
        let n = before - report.findings.len();
        if n > 0 && !report.allowed.iter().any(|(r, _)| r == a) {
            report.allowed.push((a.clone(), n));
        }
    }
    report
        .findings
        .sort_by(|a, b| (&a.at.file, a.at.line, a.at.column, a.rule).cmp(&(&b.at.file, b.at.line, b.at.column, b.rule)));
}

struct Ctx {
    /// Paths are shown relative to this folder.
    base: PathBuf,
    trusted: TrustedDomains,
    has_domain_section: bool,
}

impl Ctx {
    fn display(&self, p: &Path) -> String {
        let rel = p.strip_prefix(&self.base).unwrap_or(p);
        rel.to_string_lossy().replace('\\', "/")
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ty) = e.file_type() else { continue };
        if ty.is_dir() {
            if name != "node_modules" && !name.starts_with('.') {
                collect(&p, out);
            }
        } else if ty.is_file() && kind(&p).is_some() {
            out.push(p);
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Js(Option<bool>),
    Html,
    Css,
}

fn kind(p: &Path) -> Option<Kind> {
    match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "js" => Some(Kind::Js(None)),
        "mjs" => Some(Kind::Js(Some(true))),
        "cjs" => Some(Kind::Js(Some(false))),
        "html" | "htm" => Some(Kind::Html),
        "css" => Some(Kind::Css),
        _ => None,
    }
}

/// Checks one file; returns whether it is HTML.
fn check_file(ctx: &Ctx, path: &Path, report: &mut Report, uses: &mut js::Uses) -> anyhow::Result<bool> {
    let kind = kind(path).unwrap_or(Kind::Js(None));
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    report.files += 1;
    report.bytes += bytes.len() as u64;
    let text = String::from_utf8_lossy(&bytes);
    let opts = js::Options {
        module: None,
        trusted: &ctx.trusted,
        has_domain_section: ctx.has_domain_section,
    };
    let raws = match kind {
        Kind::Js(module) => {
            let (r, u) = js::check(&text, &js::Options { module, ..opts });
            merge(uses, u);
            r
        }
        Kind::Css => html::check_css(&text),
        Kind::Html => {
            let (mut raws, scripts) = html::check(&text);
            for s in scripts {
                // A handler's code is a function body (it may `return`): parse it as one.
                const HANDLER: &str = "(function (event) {\n";
                let (code, prefix) = match &s.code {
                    Some(code) => (format!("{HANDLER}{code}\n}})"), HANDLER.len()),
                    None => (text[s.start..s.end].to_string(), 0),
                };
                let (r, u) = js::check(
                    &code,
                    &js::Options {
                        module: Some(s.module),
                        ..opts
                    },
                );
                merge(uses, u);
                let len = s.end - s.start;
                raws.extend(r.into_iter().map(|mut r| {
                    // Decoded attribute code may be shorter than its raw value: stay inside it.
                    r.offset = s.start + r.offset.saturating_sub(prefix).min(len);
                    r
                }));
            }
            raws
        }
    };
    if raws.is_empty() {
        return Ok(kind == Kind::Html);
    }
    let lines = Lines::new(&text);
    let map = matches!(kind, Kind::Js(_)).then(|| source_map::load(path, &text)).flatten();
    let file = ctx.display(path);
    for r in raws {
        let (line, column) = lines.locate(r.offset);
        let (original, original_frame) = match &map {
            Some(m) => match m.lookup(line, column, &ctx.base) {
                Some((loc, frame)) => (Some(loc), frame),
                None => (None, None),
            },
            None => (None, None),
        };
        report.findings.push(Finding {
            rule: r.rule.name,
            severity: r.severity,
            at: Location {
                file: file.clone(),
                line,
                column,
            },
            hint: r.hint.unwrap_or_else(|| r.rule.fix.to_owned()),
            message: r.message,
            frame: lines.frame(r.offset),
            original,
            original_frame,
        });
    }
    Ok(kind == Kind::Html)
}

fn merge(a: &mut js::Uses, b: js::Uses) {
    a.login |= b.login;
    a.rewarded_ad |= b.rewarded_ad;
    a.navbar_call |= b.navbar_call;
}

fn config_findings(base: &Path, path: &Path, text: Option<&str>, diags: &[Diagnostic]) -> Vec<Finding> {
    let file = path.strip_prefix(base).unwrap_or(path).to_string_lossy().into_owned();
    diags
        .iter()
        .map(|d| {
            let frame = text.map(|t| frame_at(t, d.line as u32, d.column)).unwrap_or_default();
            Finding {
                rule: rules::MINIS_CONFIG.name,
                severity: match d.severity {
                    minihost_core::config::Severity::Error => Severity::Error,
                    minihost_core::config::Severity::Warning => Severity::Warning,
                },
                at: Location {
                    file: file.clone(),
                    line: d.line as u32,
                    column: d.column as u32,
                },
                message: match &d.key {
                    Some(k) => format!("{k}: {}", d.message),
                    None => d.message.clone(),
                },
                hint: rules::MINIS_CONFIG.fix.into(),
                frame,
                original: None,
                original_frame: None,
            }
        })
        .collect()
}

/// Seed 003's required capabilities, as warnings: what the build shows no sign of.
fn audit(ctx: &Ctx, config: &LoadedConfig, entry: &Path, uses: &js::Uses, report: &mut Report) {
    let nav = &config.config.navbar;
    let navbar = nav.bg_color_light.is_some() || nav.bg_color_dark.is_some() || uses.navbar_call;
    let entry = ctx.display(entry);
    let config_file = ctx.display(&config.path);
    let mut warn = |file: &str, message: &str| {
        report.findings.push(Finding {
            rule: rules::REQUIRED_INTEGRATION.name,
            severity: Severity::Warning,
            at: Location {
                file: file.to_owned(),
                line: 1,
                column: 1,
            },
            message: message.to_owned(),
            hint: rules::REQUIRED_INTEGRATION.fix.into(),
            frame: String::new(),
            original: None,
            original_frame: None,
        });
    };
    if !uses.login {
        warn(&entry, "no call to TTMinis.login (silent login is required)");
    }
    if !uses.rewarded_ad {
        warn(
            &entry,
            "no call to TTMinis.createRewardedVideoAd (rewarded ads are required for mini apps)",
        );
    }
    if !navbar {
        warn(
            &config_file,
            "navbar colours are not configured (navbar.bgColorLight / navbar.bgColorDark)",
        );
    }
}

/// Line starts of a text, to place byte offsets.
pub(crate) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// 1-based line and UTF-16 column.
    pub(crate) fn locate(&self, offset: usize) -> (u32, u32) {
        let offset = floor_char(self.text, offset);
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let col: usize = self.text[self.starts[line]..offset].chars().map(char::len_utf16).sum();
        (line as u32 + 1, col as u32 + 1)
    }

    pub(crate) fn frame(&self, offset: usize) -> String {
        let (line, _) = self.locate(offset);
        let offset = floor_char(self.text, offset);
        let start = self.starts[line as usize - 1];
        let end = self.starts.get(line as usize).map_or(self.text.len(), |e| e - 1);
        let chars = self.text[start..offset].chars().count();
        line_frame(&self.text[start..end], line, chars + 1)
    }
}

fn floor_char(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A one-line code frame: the line (cut to 100 characters around `column`, a char count) and
/// a caret under the position.
pub(crate) fn frame_at(text: &str, line: u32, column: usize) -> String {
    match text.split('\n').nth(line as usize - 1) {
        Some(l) => line_frame(l, line, column),
        None => String::new(),
    }
}

fn line_frame(l: &str, line: u32, column: usize) -> String {
    let l = l.trim_end_matches('\r');
    let chars: Vec<char> = l.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
    let col = column.saturating_sub(1).min(chars.len());
    let from = col.saturating_sub(40);
    let to = (col + 60).min(chars.len());
    let mut shown: String = chars[from..to].iter().filter(|c| !c.is_control()).collect();
    let mut caret = col - from;
    if from > 0 {
        shown.insert(0, '…');
        caret += 1;
    }
    if to < chars.len() {
        shown.push('…');
    }
    let gutter = line.to_string();
    format!("{gutter} | {shown}\n{} | {}^", " ".repeat(gutter.len()), " ".repeat(caret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16_and_frames_are_cut_around_the_position() {
        let text = "a\n😀😀x = 1;\n";
        let l = Lines::new(text);
        let off = text.find('x').unwrap();
        assert_eq!(l.locate(off), (2, 5));
        assert_eq!(l.frame(off), "2 | 😀😀x = 1;\n  |   ^");
        let long = format!("{}eval(1){}", "a".repeat(500), "b".repeat(500));
        let f = Lines::new(&long).frame(500);
        assert!(
            f.starts_with("1 | …aaa") && f.contains("eval(1)") && f.lines().next().unwrap().ends_with('…'),
            "{f}"
        );
        assert_eq!(f.lines().nth(1).unwrap().find('^'), Some(4 + 41));
    }
}
