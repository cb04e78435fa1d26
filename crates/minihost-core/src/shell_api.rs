//! The one door into the core for a shell. The desktop shell, the FFI crate (Android, iOS,
//! Python), the tests that drive a `Host` and a shell yet to be written import this module and
//! nothing else of the core: the [`Host`] facade, the [`Effect`]s it returns with the page
//! script each becomes, the schemes, sheets and their answers, the theme and layout, the
//! per-transport defaults, the ordered worker for a platform that may block, and the page
//! outbox that batches replies per main-loop turn.

pub use crate::app::AppError;
pub use crate::assets::Assets;
pub use crate::assets::{Body, MAX_CHUNK};
pub use crate::bridge::{cost, page_script, BridgeError, Effect, ErrorCode, Reply};
pub use crate::host::{
    AppSource, EmbeddedPlatform, Host, HostError, HostOptions, MediaRoute, MediaServer, MenuItem, PlatformChoice, RequestRoute, SheetPage,
    Transport, CAPSULE_MENU,
};
pub use crate::package::PackageError;
pub use crate::platform::HostPlatformError;
pub use crate::policy::{APP_ORIGIN, CHROME_SCHEME, HTTPS_APP_ORIGIN};
pub use crate::shell::devices::{Device, Os, DEFAULT_DEVICE, DEVICES};
pub use crate::shell::sheets::{ConsentMode, Sheet, SheetAnswer};
pub use crate::shell::{Layout, NavbarState, Rect, Theme};
pub use crate::startup;

use std::sync::mpsc;

/// Most page messages one script carries; a longer turn flushes early.
pub const MAX_BATCH: usize = 256;

/// Replies and events on their way to the app's page, in order. The first of a main-loop turn
/// goes out at once; later ones in the same turn wait for its end and go out together as one
/// script ([`page_script::batch`]), so a burst of calls costs one evaluation per turn.
#[derive(Debug, Default)]
pub struct PageOutbox {
    messages: Vec<String>,
    replies: usize,
    turn_open: bool,
}

/// What a shell does after [`PageOutbox::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing for the page now.
    Wait,
    /// Evaluate [`PageOutbox::take`] now.
    Flush,
    /// Evaluate [`PageOutbox::take`] now, and call [`PageOutbox::turn_ended`] when this
    /// main-loop turn ends (an idle callback).
    FlushAndWatchTurn,
}

/// One script for the page, and how many replies it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageScript {
    pub script: String,
    pub replies: usize,
}

impl PageOutbox {
    /// Queues the page effects among `effects` (others are the shell's to render).
    pub fn push(&mut self, effects: &[Effect]) -> Delivery {
        let t = cost::start();
        for effect in effects {
            if let Some(message) = page_script::message(effect) {
                self.messages.push(message);
                self.replies += usize::from(matches!(effect, Effect::Reply(_)));
            }
        }
        cost::add(cost::Stage::Render, t);
        if self.messages.is_empty() {
            Delivery::Wait
        } else if !self.turn_open {
            self.turn_open = true;
            Delivery::FlushAndWatchTurn
        } else if self.messages.len() >= MAX_BATCH {
            Delivery::Flush
        } else {
            Delivery::Wait
        }
    }

    /// The script for what is queued, if anything.
    pub fn take(&mut self) -> Option<PageScript> {
        if self.messages.is_empty() {
            return None;
        }
        let t = cost::start();
        let script = page_script::batch(&self.messages);
        cost::add(cost::Stage::Render, t);
        self.messages.clear();
        Some(PageScript {
            script,
            replies: std::mem::take(&mut self.replies),
        })
    }

    /// The main-loop turn ended: what it queued after its first message.
    pub fn turn_ended(&mut self) -> Option<PageScript> {
        self.turn_open = false;
        self.take()
    }
}

/// Which page a message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The app's page, at `url`.
    Page { url: String, body: String },
    /// A sheet's page, at `url`.
    Sheet { url: String, body: String },
}

/// For a host whose messages may wait on the network ([`Host::messages_may_block`]): one
/// worker thread handles page and sheet messages in arrival order and hands each message's
/// effects to `deliver` (which returns `false` once the shell is gone), so a stalled platform
/// never freezes a UI thread.
#[derive(Debug, Clone)]
pub struct MessageWorker(mpsc::Sender<Message>);

impl MessageWorker {
    /// `None` when the host's messages answer at once, or when no thread can be started (the
    /// shell then handles them on its UI thread).
    pub fn start(host: std::sync::Arc<Host>, deliver: impl Fn(Vec<Effect>) -> bool + Send + 'static) -> Option<MessageWorker> {
        if !host.messages_may_block() {
            return None;
        }
        let (tx, rx) = mpsc::channel::<Message>();
        let started = std::thread::Builder::new().name("minihost-messages".into()).spawn(move || {
            for message in rx {
                let effects = match message {
                    Message::Page { url, body } => host.handle_message(&url, &body),
                    Message::Sheet { url, body } => host.handle_sheet_message(&url, &body),
                };
                if !effects.is_empty() && !deliver(effects) {
                    break;
                }
            }
        });
        match started {
            Ok(_) => Some(MessageWorker(tx)),
            Err(e) => {
                tracing::warn!(target: "minihost::shell", "cannot start the message thread: {e}; platform calls run on the UI thread");
                None
            }
        }
    }

    pub fn send(&self, message: Message) {
        // The thread ends only when its shell is gone.
        let _ = self.0.send(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn reply(id: u64) -> Effect {
        Effect::reply(Some(json!(id)), Ok(json!({})))
    }

    #[test]
    fn the_first_message_of_a_turn_goes_at_once_and_the_rest_at_its_end() {
        let mut outbox = PageOutbox::default();
        assert_eq!(outbox.push(&[Effect::Theme(Theme::Dark)]), Delivery::Wait, "not for the page");
        assert_eq!(outbox.push(&[reply(1)]), Delivery::FlushAndWatchTurn);
        assert_eq!(outbox.take().map(|s| s.replies), Some(1));
        assert_eq!(outbox.push(&[reply(2), Effect::event("minis.show", json!({}))]), Delivery::Wait);
        assert_eq!(outbox.push(&[reply(3)]), Delivery::Wait);
        let end = outbox.turn_ended().expect("the rest of the turn");
        assert_eq!(end.replies, 2);
        let batch: Vec<serde_json::Value> = serde_json::from_str(&page_script::decode(&end.script).unwrap()).unwrap();
        assert_eq!(batch.len(), 3, "one script, in order");
        assert_eq!(outbox.push(&[reply(4)]), Delivery::FlushAndWatchTurn, "a new turn");
    }

    #[test]
    fn a_long_turn_flushes_every_max_batch_messages() {
        let mut outbox = PageOutbox::default();
        outbox.push(&[reply(0)]);
        outbox.take();
        let deliveries: Vec<Delivery> = (1..=MAX_BATCH as u64).map(|i| outbox.push(&[reply(i)])).collect();
        assert!(deliveries[..MAX_BATCH - 1].iter().all(|d| *d == Delivery::Wait));
        assert_eq!(deliveries[MAX_BATCH - 1], Delivery::Flush);
    }

    #[test]
    fn each_transport_has_its_origin_and_start_script_defaults() {
        let opts = |t| HostOptions::for_shell(AppSource::Sample, PathBuf::from("d"), t);
        let android = opts(Transport::Android);
        assert_eq!(
            (android.app_origin.as_str(), android.start_script_in_html),
            (HTTPS_APP_ORIGIN, true)
        );
        for t in [Transport::Ios, Transport::Ipc] {
            let o = opts(t);
            assert_eq!((o.app_origin.as_str(), o.start_script_in_html, o.transport), (APP_ORIGIN, false, t));
        }
    }
}
