//! The one place that knows the page's entry point for replies and events: every shell turns
//! page effects into a script with [`script`] and evaluates it in the app's webview, or several
//! at once with [`batch`] (bridge-js handles an array in order).

use super::effects::{Effect, Reply};
use super::errors::BridgeError;
use serde::Serialize;
use serde_json::Value;

/// The page's entry point for replies and events (defined non-writable by bridge-js).
pub const REPLY_ENTRY: &str = "__minihost_reply";

#[derive(Serialize)]
#[serde(untagged)]
enum Outgoing<'a> {
    Ok {
        id: &'a Value,
        ok: bool,
        result: &'a Value,
    },
    Err {
        id: Option<&'a Value>,
        ok: bool,
        error: &'a BridgeError,
    },
    Event {
        event: &'a str,
        data: &'a Value,
    },
}

/// The script that delivers `effect` to the page; `None` for effects that are not for it.
pub fn script(effect: &Effect) -> Option<String> {
    message(effect).map(|json| format!("{REPLY_ENTRY}({json})"))
}

/// The JSON message for `effect`, to pass to [`batch`]; `None` for effects not for the page.
pub fn message(effect: &Effect) -> Option<String> {
    let out = match effect {
        Effect::Reply(Reply {
            id: Some(id),
            result: Ok(result),
        }) => Outgoing::Ok { id, ok: true, result },
        // A success needs an id to reach its caller; the bridge never makes one without.
        Effect::Reply(Reply { id: None, result: Ok(_) }) => return None,
        Effect::Reply(Reply { id, result: Err(error) }) => Outgoing::Err {
            id: id.as_ref(),
            ok: false,
            error,
        },
        Effect::Event { name, data } => Outgoing::Event { event: name, data },
        _ => return None,
    };
    // Serialising these shapes cannot fail: keys are strings, values are JSON.
    Some(serde_json::to_string(&out).expect("reply serialises"))
}

/// One script delivering `messages` (from [`message`]) in order.
pub fn batch(messages: &[String]) -> String {
    match messages {
        [one] => format!("{REPLY_ENTRY}({one})"),
        _ => {
            let len = messages.iter().map(|m| m.len() + 1).sum::<usize>() + REPLY_ENTRY.len() + 4;
            let mut s = String::with_capacity(len);
            s.push_str(REPLY_ENTRY);
            s.push_str("([");
            for (i, m) in messages.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(m);
            }
            s.push_str("])");
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::ErrorCode;
    use serde_json::json;

    #[test]
    fn reply_scripts() {
        assert_eq!(
            script(&Effect::reply(Some(json!(3)), Ok(json!({"status":"unknown"})))).unwrap(),
            r#"__minihost_reply({"id":3,"ok":true,"result":{"status":"unknown"}})"#
        );
        let e = BridgeError::new(ErrorCode::Unsupported, "no");
        assert_eq!(
            script(&Effect::reply(None, Err(e))).unwrap(),
            r#"__minihost_reply({"id":null,"ok":false,"error":{"error_code":10001,"error_msg":"no"}})"#
        );
        assert_eq!(
            script(&Effect::event("minis.hide", json!({}))).unwrap(),
            r#"__minihost_reply({"event":"minis.hide","data":{}})"#
        );
        assert_eq!(script(&Effect::CloseSheet { id: 1 }), None);
    }

    #[test]
    fn a_batch_is_one_call_with_the_messages_in_order() {
        let a = message(&Effect::reply(Some(json!(1)), Ok(json!({})))).unwrap();
        let b = message(&Effect::event("minis.show", json!({}))).unwrap();
        assert_eq!(batch(std::slice::from_ref(&a)), format!("__minihost_reply({a})"));
        assert_eq!(
            batch(&[a, b]),
            r#"__minihost_reply([{"id":1,"ok":true,"result":{}},{"event":"minis.show","data":{}}])"#
        );
    }
}
