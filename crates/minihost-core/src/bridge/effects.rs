//! What the core asks a shell to do, as data. Each shell renders these for its webview and
//! native chrome; none of them needs to parse a script to learn what happened.

use crate::error_codes::BridgeError;
use crate::shell::sheets::Sheet;
use crate::shell::{NavbarState, Theme};
use serde_json::{json, Value};

/// The answer to one bridge call.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The call's id; `None` when the message was unreadable before its id.
    pub id: Option<Value>,
    pub result: Result<Value, BridgeError>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Deliver this reply to the app's page.
    Reply(Reply),
    /// Deliver this reply to the sheet's page, whose call it answers (the sheet channel's own
    /// calls; see [`page_script::sheet_script`](super::page_script::sheet_script)).
    SheetReply(Reply),
    /// Deliver an event (`minis.show`, `host.theme`, ...) to the app's page.
    Event { name: String, data: Value },
    /// Show a host sheet; answer it with `Host::answer_sheet`. One is shown at a time.
    ShowSheet { id: u64, sheet: Sheet },
    /// Close a sheet (answered, or its page went away).
    CloseSheet { id: u64 },
    /// Redraw the navbar.
    Navbar(NavbarState),
    /// Switch the colour scheme of native chrome and webviews.
    Theme(Theme),
}

impl Effect {
    pub fn reply(id: Option<Value>, result: Result<Value, BridgeError>) -> Effect {
        Effect::Reply(Reply { id, result })
    }

    pub fn event(name: &str, data: Value) -> Effect {
        Effect::Event {
            name: name.to_owned(),
            data,
        }
    }

    /// Whether this effect goes to the app's page (as opposed to native chrome).
    pub fn is_for_page(&self) -> bool {
        matches!(self, Effect::Reply(_) | Effect::Event { .. })
    }

    /// The effect as JSON, for logs, recorders and foreign shells.
    pub fn to_json(&self) -> Value {
        match self {
            Effect::Reply(Reply { id, result: Ok(v) }) => json!({ "effect": "reply", "id": id, "ok": true, "result": v }),
            Effect::Reply(Reply { id, result: Err(e) }) => json!({ "effect": "reply", "id": id, "ok": false, "error": e }),
            Effect::SheetReply(Reply { id, result: Ok(v) }) => json!({ "effect": "sheet_reply", "id": id, "ok": true, "result": v }),
            Effect::SheetReply(Reply { id, result: Err(e) }) => json!({ "effect": "sheet_reply", "id": id, "ok": false, "error": e }),
            Effect::Event { name, data } => json!({ "effect": "event", "name": name, "data": data }),
            Effect::ShowSheet { id, sheet } => json!({ "effect": "show_sheet", "id": id, "sheet": sheet }),
            Effect::CloseSheet { id } => json!({ "effect": "close_sheet", "id": id }),
            Effect::Navbar(n) => json!({ "effect": "navbar", "navbar": n }),
            Effect::Theme(t) => json!({ "effect": "theme", "theme": t }),
        }
    }
}
