//! `minihost init`: writes `minis.config.json` (seed 003's generated keys, with the entry and
//! output folder detected for Vite, Create React App or a plain folder) and puts the SDK and
//! Eruda tags first in the HTML entry's `<head>`. A second run changes nothing; an existing
//! config is never rewritten, and a broken one is reported and left as it is.

use anyhow::{bail, Context, Result};
use minihost_core::config::{AppConfig, CONFIG_FILE};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub const SDK_URL: &str = "https://connect.tiktok-minis.com/drama/sdk.js";
pub const ERUDA_URL: &str = "https://connect.tiktok-minis.com/libs/eruda.js";
pub const CLIENT_KEY_PLACEHOLDER: &str = "your-client-key";

#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub client_key: Option<String>,
    /// Never ask; take what was detected.
    pub yes: bool,
    /// Add the Eruda console.
    pub console: bool,
}

/// What kind of project a folder is, by its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    Vite,
    CreateReactApp,
    Plain,
}

impl Setup {
    pub fn detect(dir: &Path) -> Setup {
        let pkg = std::fs::read_to_string(dir.join("package.json")).unwrap_or_default();
        let has_dep = |name: &str| pkg.contains(&format!("\"{name}\""));
        let vite_config = ["vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts"]
            .iter()
            .any(|f| dir.join(f).is_file());
        if vite_config || has_dep("vite") {
            Setup::Vite
        } else if has_dep("react-scripts") {
            Setup::CreateReactApp
        } else {
            Setup::Plain
        }
    }

    /// `(htmlEntry, outputDir, dev port)`.
    fn defaults(self, dir: &Path) -> (String, String, u16) {
        let entry = if dir.join("index.html").is_file() || !dir.join("public/index.html").is_file() {
            "index.html"
        } else {
            "public/index.html"
        };
        match self {
            Setup::Vite => (entry.into(), "dist".into(), 5173),
            Setup::CreateReactApp => ("public/index.html".into(), "build".into(), 3000),
            Setup::Plain => (entry.into(), ".".into(), 3000),
        }
    }
}

/// Runs init in `dir`; returns one line per thing done or left alone.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<Vec<String>> {
    if !dir.is_dir() {
        bail!("{}: no such directory", dir.display());
    }
    let mut report = Vec::new();
    let config_path = dir.join(CONFIG_FILE);
    let (entry, key) = if config_path.is_file() {
        // An existing config is the developer's: validated, never rewritten.
        let loaded = AppConfig::load(&config_path)?;
        report.push(format!("{}: exists, left unchanged", config_path.display()));
        let key = opts.client_key.clone().or(loaded.config.dev.client_key.clone());
        (
            loaded.config.build.html_entry.clone(),
            key.unwrap_or_else(|| CLIENT_KEY_PLACEHOLDER.into()),
        )
    } else {
        let setup = Setup::detect(dir);
        let (entry, output, port) = setup.defaults(dir);
        let key = match &opts.client_key {
            Some(k) => k.clone(),
            None if !opts.yes && std::io::stdin().is_terminal() => ask("client key", CLIENT_KEY_PLACEHOLDER)?,
            None => CLIENT_KEY_PLACEHOLDER.into(),
        };
        let text = config_text(&key, &project_name(dir), port, &entry, &output);
        std::fs::write(&config_path, text).with_context(|| format!("{}: cannot write", config_path.display()))?;
        report.push(format!(
            "{}: written ({setup:?} project: build.htmlEntry {entry:?}, build.outputDir {output:?}, dev.port {port})",
            config_path.display()
        ));
        if key == CLIENT_KEY_PLACEHOLDER {
            report.push(format!(
                "replace \"{CLIENT_KEY_PLACEHOLDER}\" with your app's client key in {CONFIG_FILE} and in TTMinis.init"
            ));
        }
        (entry, key)
    };
    let html_path = dir.join(&entry);
    let html = std::fs::read_to_string(&html_path)
        .with_context(|| format!("{}: cannot read the HTML entry (build.htmlEntry)", html_path.display()))?;
    match inject(&html, &key, opts.console) {
        Some(new) => {
            std::fs::write(&html_path, new).with_context(|| format!("{}: cannot write", html_path.display()))?;
            report.push(format!("{}: added the SDK tags at the start of <head>", html_path.display()));
        }
        None => report.push(format!("{}: already loads the SDK, left unchanged", html_path.display())),
    }
    Ok(report)
}

fn ask(what: &str, default: &str) -> Result<String> {
    eprint!("{what} [{default}]: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim();
    Ok(if line.is_empty() { default.to_owned() } else { line.to_owned() })
}

fn project_name(dir: &Path) -> String {
    let pkg = std::fs::read_to_string(dir.join("package.json")).ok();
    let from_pkg = pkg
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned));
    from_pkg.unwrap_or_else(|| {
        std::fs::canonicalize(dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "mini-app".into())
    })
}

/// Seed 003's generated file, plus `domain.trustedDomains` (required by the platform).
fn config_text(key: &str, name: &str, port: u16, entry: &str, output: &str) -> String {
    let s = |v: &str| serde_json::to_string(v).expect("a string serializes");
    format!(
        r##"{{
  "dev": {{
    "clientKey": {key},
    "name": {name},
    "host": "localhost",
    "port": {port},
    "iconUrl": "{{{{your_icon_url}}}}",
    "desc": "{{{{your_description}}}}",
    "ppLink": "{{{{your_private_policy_url}}}}",
    "tosLink": "{{{{your_terms_of_service_url}}}}"
  }},
  "navbar": {{
    "bgColorLight": "#ffffff",
    "bgColorDark": "#000000"
  }},
  "build": {{
    "htmlEntry": {entry},
    "outputDir": {output}
  }},
  "domain": {{
    "trustedDomains": []
  }}
}}
"##,
        key = s(key),
        name = s(name),
        entry = s(entry),
        output = s(output),
    )
}

/// The HTML with the SDK (and console) tags first in `<head>`, in the file's own line ending
/// and indentation; `None` when it already loads the SDK.
pub fn inject(html: &str, key: &str, console: bool) -> Option<String> {
    let has_sdk = minihost_core::sdk::INTERCEPTED
        .iter()
        .filter(|(_, local)| *local == minihost_core::sdk::SDK_PATH)
        .any(|(u, _)| html.contains(u.trim_start_matches("https:")));
    let has_console = html.contains("eruda");
    if has_sdk && (has_console || !console) {
        return None;
    }
    let eol = if html.contains("\r\n") { "\r\n" } else { "\n" };
    let lower = html.to_ascii_lowercase();
    // After the `<head>` tag, else after `<html>`, else at the top.
    let after = ["<head", "<html"]
        .iter()
        .find_map(|t| {
            let mut from = 0;
            while let Some(i) = lower[from..].find(t) {
                let at = from + i;
                let next = lower.as_bytes().get(at + t.len()).copied();
                if matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')) {
                    return lower[at..].find('>').map(|e| at + e + 1);
                }
                from = at + t.len();
            }
            None
        })
        .unwrap_or(0);
    let tag_line_start = html[..after].rfind('\n').map_or(0, |i| i + 1);
    let tag_indent: String = html[tag_line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    // The indentation of the next non-blank line, as the head's children are indented.
    let rest = &html[after..];
    let child_indent = rest
        .split('\n')
        .skip(1)
        .find(|l| !l.trim().is_empty())
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').collect::<String>())
        .filter(|i| i.len() > tag_indent.len())
        .unwrap_or_else(|| if after == 0 { String::new() } else { format!("{tag_indent}  ") });
    let unit = if child_indent.contains('\t') { "\t" } else { "  " };
    let i = &child_indent;
    let key_js = serde_json::to_string(key).expect("a string serializes");
    let mut lines = Vec::new();
    if !has_sdk {
        lines.push(format!("{i}<script src=\"{SDK_URL}\"></script>"));
        lines.push(format!("{i}<script>"));
        lines.push(format!("{i}{unit}TTMinis.init({{ clientKey: {key_js} }});"));
        lines.push(format!("{i}</script>"));
    }
    if console && !has_console {
        lines.push(format!("{i}<script src=\"{ERUDA_URL}\"></script>"));
        lines.push(format!("{i}<script>"));
        lines.push(format!("{i}{unit}eruda.init();"));
        lines.push(format!("{i}</script>"));
    }
    let block: String = lines.iter().map(|l| format!("{eol}{l}")).collect();
    let mut out = String::with_capacity(html.len() + block.len());
    out.push_str(&html[..after]);
    if after == 0 {
        out.push_str(block.trim_start_matches(eol));
        out.push_str(eol);
    } else {
        out.push_str(&block);
    }
    out.push_str(&html[after..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_first_in_head_with_the_files_line_endings_and_indentation() {
        let html = "<!doctype html>\r\n<html>\r\n\t<head>\r\n\t\t<meta charset=\"utf-8\">\r\n\t</head>\r\n</html>\r\n";
        let out = inject(html, "k1", true).unwrap();
        assert!(out.starts_with("<!doctype html>\r\n<html>\r\n\t<head>\r\n\t\t<script src=\"https://connect.tiktok-minis.com/drama/sdk.js\"></script>\r\n\t\t<script>\r\n\t\t\tTTMinis.init({ clientKey: \"k1\" });\r\n"), "{out:?}");
        assert!(out.contains("\t\t<script src=\"https://connect.tiktok-minis.com/libs/eruda.js\"></script>\r\n\t\t<script>\r\n\t\t\teruda.init();\r\n\t\t</script>\r\n\t\t<meta charset"));
        assert!(!out.replace("\r\n", "").contains('\n'));
        assert_eq!(inject(&out, "k1", true), None);
        let no_console = inject("<head>\n</head>", "k", false).unwrap();
        assert!(!no_console.contains("eruda"));
        assert_eq!(inject(&no_console, "k", false), None);
        // A <header> is not the <head>.
        let odd = inject("<header></header>", "k", false).unwrap();
        assert!(odd.starts_with("<script src="), "{odd}");
    }
}
