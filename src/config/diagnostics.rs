//! Config errors and warnings, positioned by line and column.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding in a config file. `key` is the dotted path, e.g. `domain.trustedDomains[2]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub key: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn display<'a>(&'a self, file: &'a Path) -> impl fmt::Display + 'a {
        DisplayIn { d: self, file }
    }
}

struct DisplayIn<'a> {
    d: &'a Diagnostic,
    file: &'a Path,
}

impl fmt::Display for DisplayIn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {sev}: ", self.file.display(), self.d.line, self.d.column)?;
        if let Some(key) = &self.d.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.d.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", file.display())]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{}", render(file, errors, warnings))]
    Invalid {
        file: PathBuf,
        errors: Vec<Diagnostic>,
        warnings: Vec<Diagnostic>,
    },
}

impl ConfigError {
    pub(crate) fn io(file: &Path, source: std::io::Error) -> ConfigError {
        ConfigError::Io {
            file: file.to_owned(),
            source,
        }
    }

    /// The errors found (empty for I/O failures).
    pub fn errors(&self) -> &[Diagnostic] {
        match self {
            ConfigError::Io { .. } => &[],
            ConfigError::Invalid { errors, .. } => errors,
        }
    }
}

/// Compiler-style lines, errors first; warnings ride along so one run shows every finding.
fn render(file: &Path, errors: &[Diagnostic], warnings: &[Diagnostic]) -> String {
    errors
        .iter()
        .chain(warnings)
        .map(|d| d.display(file).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
