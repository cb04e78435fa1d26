//! The wire format of page messages: `{id, method, params}` in. Replies go out through
//! [`page_script`](super::page_script).

use super::errors::{BridgeError, ErrorCode};
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

    fn err(raw: &str) -> (Option<Value>, u32, String) {
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
        assert_eq!(err("not json").1, ErrorCode::Malformed as u32);
        assert_eq!(err("[1,2]").1, ErrorCode::Malformed as u32);
        assert_eq!(err(r#"{"id":{},"method":"x"}"#).1, ErrorCode::Malformed as u32);
        assert_eq!(
            err(r#"{"id":1,"method":5}"#),
            (
                Some(json!(1)),
                ErrorCode::Malformed as u32,
                "`method` must be a non-empty string".into()
            )
        );
        assert_eq!(err(r#"{"id":"a","method":"x","params":[1]}"#).0, Some(json!("a")));
        let huge = format!(r#"{{"id":1,"method":"x","params":{{"p":"{}"}}}}"#, "a".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(err(&huge).1, ErrorCode::TooLarge as u32);
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
