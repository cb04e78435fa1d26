//! `minis.config.json`: every spelling the platform's docs use, normalised into one model.
//!
//! The docs disagree (`bgColorLight` vs `lightModeBgColor`, `outputDir` vs `output`,
//! `trustedDomains` vs `allowList`, `port` as number or string, comments in examples), so
//! all of them are accepted. Every error and warning names the file, line, column and key.
//!
//! The syntax is JSON plus what the platform's own files use: `//` and `/* */` comments,
//! trailing commas, and the missing comma of the CLI's template. A leading UTF-8 BOM is
//! ignored. Everything else JSON5 would allow is an error: single-quoted strings, unquoted
//! keys, escapes such as `\x41` or `\v`, raw control characters inside strings, hex, `+1`,
//! `.5`, `Infinity`. A file that is not UTF-8 is an error at the first bad byte's offset.
//!
//! A key given twice in one object is a warning at the later copy, naming both positions,
//! and the later value wins, for every key alike: a repeated section (`dev`) replaces the
//! earlier section whole, a repeated setting replaces the earlier setting. Messages quote
//! at most 80 characters of a value.

pub mod ads;
mod color;
mod diagnostics;
mod parse;

pub use color::{BadColor, Color};
pub use diagnostics::excerpt;
pub use diagnostics::{ConfigError, Diagnostic, Severity};

pub mod trusted_domains;

use std::path::{Path, PathBuf};
use trusted_domains::TrustedDomains;

/// The file name the platform's CLI generates.
pub const CONFIG_FILE: &str = "minis.config.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NavbarStyle {
    #[default]
    Default,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Navbar {
    pub style: NavbarStyle,
    pub bg_color_light: Option<Color>,
    pub bg_color_dark: Option<Color>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dev {
    pub host: String,
    pub port: u16,
    pub client_key: Option<String>,
    pub name: Option<String>,
    pub icon_url: Option<String>,
    pub desc: Option<String>,
    pub pp_link: Option<String>,
    pub tos_link: Option<String>,
    /// `dev.ads`, by ad unit id.
    pub ads: std::collections::BTreeMap<String, ads::AdUnit>,
    /// `dev.checkAllow`: rule names `minihost check` does not report (documented exceptions).
    pub check_allow: Vec<String>,
}

impl Dev {
    /// How ad unit `id` behaves.
    pub fn ad_unit(&self, id: &str) -> ads::AdUnit {
        self.ads.get(id).cloned().unwrap_or_default()
    }
}

impl Default for Dev {
    fn default() -> Dev {
        Dev {
            host: "localhost".into(),
            port: 3000,
            client_key: None,
            name: None,
            icon_url: None,
            desc: None,
            pp_link: None,
            tos_link: None,
            ads: Default::default(),
            check_allow: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub html_entry: String,
    pub output_dir: String,
}

impl Default for Build {
    fn default() -> Build {
        Build {
            html_entry: "public/index.html".into(),
            output_dir: "build".into(),
        }
    }
}

/// The normalised app configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppConfig {
    pub navbar: Navbar,
    pub dev: Dev,
    pub build: Build,
    pub trusted_domains: TrustedDomains,
}

/// A parsed config together with its warnings.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub config: AppConfig,
    pub warnings: Vec<Diagnostic>,
}

impl AppConfig {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| ConfigError::io(path, e))?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Self::parse(path, text),
            Err(e) => Err(ConfigError::Invalid {
                file: path.to_owned(),
                errors: vec![parse::not_utf8(&bytes, e)],
                warnings: Vec::new(),
            }),
        }
    }

    /// Validates config text; `path` is used only in messages.
    pub fn parse(path: &Path, text: &str) -> Result<LoadedConfig, ConfigError> {
        let (config, diagnostics) = parse::parse(text);
        let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics.into_iter().partition(|d| d.severity == Severity::Error);
        match config {
            Some(config) if errors.is_empty() => Ok(LoadedConfig {
                path: path.to_owned(),
                config,
                warnings,
            }),
            _ => Err(ConfigError::Invalid {
                file: path.to_owned(),
                errors,
                warnings,
            }),
        }
    }
}

#[cfg(test)]
pub(crate) mod proptests;
#[cfg(test)]
mod tests;
