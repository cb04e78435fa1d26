//! The wire format of page messages: `{id, method, params}` in. Replies go out through
//! [`page_script`](super::page_script).

use crate::error_codes::{BridgeError, ErrorCode};
use serde::Deserialize;
use serde_json::Value;

/// Larger messages are refused unread (after the length check).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// A number or string; `None` for one-way messages.
    pub id: Option<Value>,
    pub method: String,
    pub params: Value,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    id: Option<Value>,
    // Defaulted so a message without a method is refused by the check below, which knows
    // the id, rather than by serde, which does not.
    #[serde(default)]
    method: Value,
    #[serde(default)]
    params: Value,
}

impl Envelope {
    /// Parses a page message. On error, the id (when it could be read) comes back too so the
    /// error reaches the right call.
    pub fn parse(raw: &str) -> Result<Envelope, (Option<Value>, BridgeError)> {
        if raw.len() > MAX_MESSAGE_BYTES {
            let msg = format!("message of {} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit", raw.len());
            return Err((None, BridgeError::new(ErrorCode::TooLarge, msg)));
        }
        let env: RawEnvelope =
            serde_json::from_str(raw).map_err(|e| (None, BridgeError::new(ErrorCode::Malformed, format!("not a bridge message: {e}"))))?;
        let id = match env.id {
            None | Some(Value::Null) => None,
            Some(id @ (Value::Number(_) | Value::String(_))) => Some(id),
            Some(_) => return Err((None, BridgeError::new(ErrorCode::Malformed, "`id` must be a number or a string"))),
        };
        let method = match env.method {
            Value::String(m) if !m.is_empty() && m.len() <= 128 => m,
            _ => return Err((id, BridgeError::new(ErrorCode::Malformed, "`method` must be a non-empty string"))),
        };
        let params = match env.params {
            Value::Null => Value::Object(Default::default()),
            p @ Value::Object(_) => p,
            _ => return Err((id, BridgeError::new(ErrorCode::InvalidParams, "`params` must be an object"))),
        };
        Ok(Envelope { id, method, params })
    }

    /// Decodes `params` into a method's parameter type; the error names the field.
    pub fn params<T: serde::de::DeserializeOwned>(&self) -> Result<T, BridgeError> {
        serde_path_to_error::deserialize(&self.params).map_err(|e| {
            let path = e.path().to_string();
            let msg = if path == "." {
                format!("invalid params: {}", e.inner())
            } else {
                format!("invalid params: {path}: {}", e.inner())
            };
            BridgeError::new(ErrorCode::InvalidParams, msg)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(raw: &str) -> (Option<Value>, ErrorCode, String) {
        let (id, e) = Envelope::parse(raw).unwrap_err();
        (id, e.error_code, e.error_msg)
    }

    #[test]
    fn parses_calls_and_one_way_messages() {
        let e = Envelope::parse(r#"{"id":7,"method":"login","params":{"scope":"a"}}"#).unwrap();
        assert_eq!((e.id, e.method.as_str(), e.params), (Some(json!(7)), "login", json!({"scope":"a"})));
        let e = Envelope::parse(r#"{"method":"init"}"#).unwrap();
        assert_eq!((e.id, e.params), (None, json!({})));
    }

    #[test]
    fn hostile_messages_get_coded_errors() {
        assert_eq!(err("not json").1, ErrorCode::Malformed);
        assert_eq!(err("[1,2]").1, ErrorCode::Malformed);
        assert_eq!(err(r#"{"id":{},"method":"x"}"#).1, ErrorCode::Malformed);
        assert_eq!(
            err(r#"{"id":1,"method":5}"#),
            (Some(json!(1)), ErrorCode::Malformed, "`method` must be a non-empty string".into())
        );
        assert_eq!(err(r#"{"id":"a","method":"x","params":[1]}"#).0, Some(json!("a")));
        assert_eq!(
            err(r#"{"id":3,"params":{}}"#),
            (Some(json!(3)), ErrorCode::Malformed, "`method` must be a non-empty string".into()),
            "a message without a method still gets its id back"
        );
        let huge = format!(r#"{{"id":1,"method":"x","params":{{"p":"{}"}}}}"#, "a".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(err(&huge).1, ErrorCode::TooLarge);
    }

    #[test]
    fn params_errors_name_the_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct P {
            scope: Option<String>,
        }
        let e = Envelope::parse(r#"{"id":1,"method":"login","params":{"scope":5}}"#).unwrap();
        let msg = e.params::<P>().unwrap_err().error_msg;
        assert_eq!(msg, "invalid params: scope: invalid type: integer `5`, expected a string");
    }
}

/// `Envelope::parse` on any text and any JSON: no panic, and every refusal is coded.
/// `PROPTEST_CASES` sets the case count (see `config::proptests`).
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            prop::sample::select(vec![String::new(), "init".into(), "__report".into(), "x".repeat(129)]).prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{0,3}|id|method|params", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A message with each field present, absent or of any type.
    fn envelope() -> impl Strategy<Value = Value> {
        let field = || prop::option::of(json());
        (field(), field(), field()).prop_map(|(id, method, params)| {
            let mut m = serde_json::Map::new();
            for (k, v) in [("id", id), ("method", method), ("params", params)] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m)
        })
    }

    fn check(raw: &str) -> Result<(), TestCaseError> {
        match Envelope::parse(raw) {
            Ok(e) => {
                prop_assert!(!e.method.is_empty() && e.method.len() <= 128);
                prop_assert!(e.params.is_object());
                prop_assert!(matches!(e.id, None | Some(Value::Number(_) | Value::String(_))));
            }
            Err((id, e)) => {
                let known = ErrorCode::ALL.iter().any(|(c, _)| *c == e.error_code);
                prop_assert!(known, "uncoded error {}: {}", e.code(), e.error_msg);
                prop_assert!(!e.error_msg.is_empty());
                prop_assert!(matches!(id, None | Some(Value::Number(_) | Value::String(_))));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(crate::config::proptests::proptest_config())]

        #[test]
        fn any_text_parses_or_gets_a_coded_error(raw in any::<String>()) {
            check(&raw)?;
        }

        #[test]
        fn any_json_parses_or_gets_a_coded_error(v in json()) {
            check(&v.to_string())?;
        }

        #[test]
        fn any_envelope_shape_parses_or_gets_a_coded_error(v in envelope()) {
            let raw = v.to_string();
            check(&raw)?;
            // A well-formed id comes back with the error, so the reply reaches its call.
            // (Compared as read back: serde_json's float printing does not round-trip exactly.)
            let sent: Value = serde_json::from_str(&raw).unwrap();
            let id = sent.get("id").filter(|id| id.is_number() || id.is_string());
            if let Err((got, e)) = Envelope::parse(&raw) {
                prop_assert_eq!(got.as_ref(), id, "{}", e.error_msg);
            }
        }
    }
}
