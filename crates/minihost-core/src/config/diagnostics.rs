//! Config errors and warnings, positioned by line and column.

use std::borrow::Cow;
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

/// How many characters of a value a message quotes.
const MAX_QUOTED_CHARS: usize = 80;

/// A value as messages quote it: at most `MAX_QUOTED_CHARS` characters with an ellipsis, and
/// control characters escaped, so a 10 MB string or an ANSI escape in a config never reaches
/// the terminal whole.
pub fn excerpt(value: &str) -> Cow<'_, str> {
    let plain = value.len() <= MAX_QUOTED_CHARS && !value.chars().any(char::is_control);
    if plain {
        return Cow::Borrowed(value);
    }
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX_QUOTED_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
