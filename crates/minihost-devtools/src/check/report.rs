//! How a check report is printed: for people, as JSON, or as SARIF 2.1.0 for CI.

use super::{Finding, Report, Severity};
use minihost_core::rules;
use serde_json::{json, Value};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Human => human(report),
        Format::Json => serde_json::to_string_pretty(&json_value(report)).expect("serializable") + "\n",
        Format::Sarif => serde_json::to_string_pretty(&sarif(report)).expect("serializable") + "\n",
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            f.at.file,
            f.at.line,
            f.at.column,
            label(f.severity),
            f.rule,
            f.message
        );
        if !f.frame.is_empty() {
            for l in f.frame.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
        if let Some(o) = &f.original {
            let _ = writeln!(out, "  = original source: {}:{}:{}", o.file, o.line, o.column);
            if let Some(frame) = &f.original_frame {
                for l in frame.lines() {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
        let _ = writeln!(out, "  = fix: {}", f.hint);
        let _ = writeln!(out, "  = see: minihost explain {}\n", f.rule);
    }
    let allowed: Vec<String> = report.allowed.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let _ = write!(
        out,
        "checked {} files ({} bytes): {} errors, {} warnings",
        report.files,
        report.bytes,
        report.errors(),
        report.warnings()
    );
    if !allowed.is_empty() {
        let _ = write!(out, "; allowed: {}", allowed.join(", "));
    }
    out.push('\n');
    out
}

fn json_value(report: &Report) -> Value {
    json!({
        "findings": report.findings,
        "summary": {
            "files": report.files,
            "bytes": report.bytes,
            "errors": report.errors(),
            "warnings": report.warnings(),
            "allowed": report.allowed.iter().map(|(r, n)| json!({"rule": r, "count": n})).collect::<Vec<_>>(),
        }
    })
}

fn location(file: &str, line: u32, column: u32) -> Value {
    json!({"physicalLocation": {
        "artifactLocation": {"uri": file.replace(' ', "%20")},
        "region": {"startLine": line, "startColumn": column}
    }})
}

fn sarif_result(f: &Finding) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": label(f.severity),
        "message": {"text": format!("{} (fix: {})", f.message, f.hint)},
        "locations": [location(&f.at.file, f.at.line, f.at.column)],
    });
    if let Some(o) = &f.original {
        r["relatedLocations"] = json!([{
            "id": 1,
            "message": {"text": "original source (from the source map)"},
            "physicalLocation": location(&o.file, o.line, o.column)["physicalLocation"],
        }]);
    }
    r
}

/// SARIF 2.1.0: one run, every rule described, one result per finding.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = rules::RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.explanation},
                "help": {"text": format!("{}. Run `minihost explain {}`.", r.fix, r.name)},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "minihost",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": report.findings.iter().map(sarif_result).collect::<Vec<_>>(),
        }]
    })
}
