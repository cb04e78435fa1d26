//! The matcher every conformance runner (Rust, Python, Kotlin) uses, so "the same vectors give
//! identical replies on every path" is judged by one piece of code. A runner drives the host
//! through its own bindings and hands the effects it got, as JSON, to [`conformance_match`].
//!
//! Expected values: objects match when every expected member matches (extra members in the
//! actual value are allowed); arrays match element by element with the same length; `"$any"`
//! matches anything, `"$string"` any string, `"$number"` any number, `"$contains:TEXT"` a string
//! containing TEXT; `"$save:NAME"` matches anything and remembers it as `NAME`, which later
//! steps use as `"${NAME}"`.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConformanceMatch {
    pub ok: bool,
    /// Where and how they differ; empty when they match.
    pub message: String,
    /// The variables after this match, as a JSON object.
    pub vars_json: String,
}

/// Matches `actual_json` against `expected_json`, with and into the variables `vars_json`.
#[uniffi::export]
pub fn conformance_match(expected_json: String, actual_json: String, vars_json: String) -> ConformanceMatch {
    let parse = |what: &str, text: &str| serde_json::from_str::<Value>(text).map_err(|e| format!("{what} is not JSON: {e}"));
    let outcome = (|| {
        let expected = parse("expected", &expected_json)?;
        let actual = parse("actual", &actual_json)?;
        let mut vars = match parse("vars", &vars_json)? {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err("vars must be a JSON object".to_string()),
        };
        let result = matches(&expected, &actual, "$", &mut vars);
        Ok((result, vars))
    })();
    match outcome {
        Ok((Ok(()), vars)) => ConformanceMatch {
            ok: true,
            message: String::new(),
            vars_json: Value::Object(vars).to_string(),
        },
        Ok((Err(message), vars)) => ConformanceMatch {
            ok: false,
            message,
            vars_json: Value::Object(vars).to_string(),
        },
        Err(message) => ConformanceMatch {
            ok: false,
            message,
            vars_json: vars_json.clone(),
        },
    }
}

/// `template_json` with every `"${NAME}"` (a whole string, or inside one) replaced by the variable.
#[uniffi::export]
pub fn conformance_substitute(template_json: String, vars_json: String) -> String {
    let (Ok(template), Ok(Value::Object(vars))) = (
        serde_json::from_str::<Value>(&template_json),
        serde_json::from_str::<Value>(&vars_json),
    ) else {
        return template_json;
    };
    substitute(&template, &vars).to_string()
}

fn substitute(v: &Value, vars: &Map<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if let Some(value) = vars.get(name) {
                    return value.clone();
                }
            }
            let mut out = s.clone();
            for (name, value) in vars {
                let text = match value {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("${{{name}}}"), &text);
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, vars)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), substitute(x, vars))).collect()),
        other => other.clone(),
    }
}

fn matches(expected: &Value, actual: &Value, at: &str, vars: &mut Map<String, Value>) -> Result<(), String> {
    match expected {
        Value::String(s) if s == "$any" => Ok(()),
        Value::String(s) if s == "$string" => actual
            .is_string()
            .then_some(())
            .ok_or_else(|| format!("{at}: expected a string, got {actual}")),
        Value::String(s) if s == "$number" => actual
            .is_number()
            .then_some(())
            .ok_or_else(|| format!("{at}: expected a number, got {actual}")),
        Value::String(s) if s.starts_with("$contains:") => {
            let needle = &s["$contains:".len()..];
            match actual {
                Value::String(a) if a.contains(needle) => Ok(()),
                _ => Err(format!("{at}: expected a string containing {needle:?}")),
            }
        }
        Value::String(s) if s.starts_with("$save:") => {
            vars.insert(s["$save:".len()..].to_string(), actual.clone());
            Ok(())
        }
        Value::Object(e) => {
            let Value::Object(a) = actual else {
                return Err(format!("{at}: expected an object, got {actual}"));
            };
            for (k, ev) in e {
                let av = a.get(k).unwrap_or(&Value::Null);
                matches(ev, av, &format!("{at}.{k}"), vars)?;
            }
            Ok(())
        }
        Value::Array(e) => {
            let Value::Array(a) = actual else {
                return Err(format!("{at}: expected an array, got {actual}"));
            };
            if e.len() != a.len() {
                return Err(format!("{at}: expected {} items, got {}: {actual}", e.len(), a.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                matches(ev, av, &format!("{at}[{i}]"), vars)?;
            }
            Ok(())
        }
        other if other == actual => Ok(()),
        other => Err(format!("{at}: expected {other}, got {actual}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_is_partial_for_objects_exact_for_arrays_and_captures() {
        let m = conformance_match(
            r#"[{"effect":"reply","ok":true,"result":{"code":"$save:code"}}]"#.into(),
            r#"[{"effect":"reply","id":1,"ok":true,"result":{"code":"abc"}}]"#.into(),
            "{}".into(),
        );
        assert!(m.ok, "{}", m.message);
        assert_eq!(m.vars_json, r#"{"code":"abc"}"#);
        let m = conformance_match(r#"[1,2]"#.into(), r#"[1]"#.into(), "{}".into());
        assert!(!m.ok && m.message.contains("expected 2 items"), "{}", m.message);
        let m = conformance_match(r#"{"a":{"b":"$string"}}"#.into(), r#"{"a":{"b":3}}"#.into(), "{}".into());
        assert_eq!(m.message, "$.a.b: expected a string, got 3");
        assert_eq!(
            conformance_substitute(r#"{"t":"${code}","u":"x-${code}"}"#.into(), r#"{"code":"abc"}"#.into()),
            r#"{"t":"abc","u":"x-abc"}"#
        );
    }
}
