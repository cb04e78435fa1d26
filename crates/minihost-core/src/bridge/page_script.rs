//! The one place that knows the page's entry point for replies and events: every shell turns
//! page effects into a script with [`script`] and evaluates it in the app's webview, or several
//! at once with [`batch`] (bridge-js handles an array in order).
//!
//! The JSON goes in as a string literal that bridge-js hands to `JSON.parse`: an engine reads
//! JSON text faster than the same object literal as code (in JavaScriptCore about 1 µs less
//! for a `getLoginStatus` reply and half the time for a 1 KB one).

use super::effects::{Effect, Reply};
use crate::error_codes::BridgeError;
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

/// The script that delivers `effect` to the app's page; `None` for effects that are not for it.
pub fn script(effect: &Effect) -> Option<String> {
    message(effect).map(|json| call(&json))
}

/// The script that delivers a [`Effect::SheetReply`] to the sheet's page (which defines the
/// same entry point); `None` for every other effect.
pub fn sheet_script(effect: &Effect) -> Option<String> {
    match effect {
        Effect::SheetReply(reply) => message(&Effect::Reply(reply.clone())).map(|json| call(&json)),
        _ => None,
    }
}

/// `__minihost_reply("<json>")`. A JSON string is a JavaScript string literal (ES2019 admits
/// U+2028 and U+2029 in string literals, as every engine the shells use does).
fn call(json: &str) -> String {
    let literal = serde_json::to_string(json).expect("a string serialises");
    let mut s = String::with_capacity(REPLY_ENTRY.len() + literal.len() + 2);
    s.push_str(REPLY_ENTRY);
    s.push('(');
    s.push_str(&literal);
    s.push(')');
    s
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
        [one] => call(one),
        _ => {
            let mut array = String::with_capacity(messages.iter().map(|m| m.len() + 1).sum::<usize>() + 2);
            array.push('[');
            for (i, m) in messages.iter().enumerate() {
                if i > 0 {
                    array.push(',');
                }
                array.push_str(m);
            }
            array.push(']');
            call(&array)
        }
    }
}

/// The JSON a script from [`script`] or [`batch`] delivers (for tests and tools that read
/// scripts back).
pub fn decode(script: &str) -> Option<String> {
    let literal = script.strip_prefix(REPLY_ENTRY)?.strip_prefix('(')?.strip_suffix(')')?;
    serde_json::from_str(literal).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::ErrorCode;
    use serde_json::json;

    #[test]
    fn reply_scripts() {
        let reply = script(&Effect::reply(Some(json!(3)), Ok(json!({"status":"unknown"})))).unwrap();
        assert_eq!(
            reply,
            r#"__minihost_reply("{\"id\":3,\"ok\":true,\"result\":{\"status\":\"unknown\"}}")"#
        );
        assert_eq!(decode(&reply).unwrap(), r#"{"id":3,"ok":true,"result":{"status":"unknown"}}"#);
        let e = BridgeError::new(ErrorCode::Unsupported, "no");
        assert_eq!(
            decode(&script(&Effect::reply(None, Err(e))).unwrap()).unwrap(),
            r#"{"id":null,"ok":false,"error":{"error_code":10001,"error_msg":"no"}}"#
        );
        assert_eq!(
            decode(&script(&Effect::event("minis.hide", json!({}))).unwrap()).unwrap(),
            r#"{"event":"minis.hide","data":{}}"#
        );
        assert_eq!(script(&Effect::CloseSheet { id: 1 }), None);
    }

    #[test]
    fn text_that_ends_a_string_or_a_line_stays_inside_the_literal() {
        let hostile = "\"); alert(1); (\"\\\n\u{2028}\u{2029}</script>'`${x}";
        let s = script(&Effect::reply(Some(json!(1)), Ok(json!({ "title": hostile })))).unwrap();
        assert!(!s.contains('\n'), "{s}");
        let json: serde_json::Value = serde_json::from_str(&decode(&s).unwrap()).unwrap();
        assert_eq!(json["result"]["title"], hostile);
        // One string argument: the literal ends only at the script's last quote.
        let literal = s.strip_prefix("__minihost_reply(").unwrap().strip_suffix(')').unwrap();
        assert!(serde_json::from_str::<String>(literal).is_ok(), "{literal}");
    }

    #[test]
    fn a_batch_is_one_call_with_the_messages_in_order() {
        let a = message(&Effect::reply(Some(json!(1)), Ok(json!({})))).unwrap();
        let b = message(&Effect::event("minis.show", json!({}))).unwrap();
        assert_eq!(decode(&batch(std::slice::from_ref(&a))).unwrap(), a);
        assert_eq!(
            decode(&batch(&[a, b])).unwrap(),
            r#"[{"id":1,"ok":true,"result":{}},{"event":"minis.show","data":{}}]"#
        );
    }
}
