//! The order of `minis.*` lifecycle events, decided once for every shell: `launch` and `show`
//! when the first app page has loaded, then `hide`/`show` as visibility changes, `destroy` once.

#[derive(Debug, Default)]
pub(super) struct Lifecycle {
    launched: bool,
    visible: bool,
    destroyed: bool,
}

impl Lifecycle {
    pub(super) fn loaded(&mut self, app_page: bool) -> Vec<&'static str> {
        if !app_page || self.launched || self.destroyed {
            return vec![];
        }
        self.launched = true;
        self.visible = true;
        vec!["minis.launch", "minis.show"]
    }

    pub(super) fn visibility(&mut self, visible: bool) -> Vec<&'static str> {
        if !self.launched || self.destroyed || self.visible == visible {
            return vec![];
        }
        self.visible = visible;
        vec![if visible { "minis.show" } else { "minis.hide" }]
    }

    pub(super) fn close(&mut self) -> Vec<&'static str> {
        if self.destroyed {
            return vec![];
        }
        self.destroyed = true;
        vec!["minis.destroy"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_once_then_hide_show_then_destroy_once() {
        let mut l = Lifecycle::default();
        assert!(l.visibility(false).is_empty(), "nothing before launch");
        assert!(l.loaded(false).is_empty(), "a non-app page does not launch");
        assert_eq!(l.loaded(true), ["minis.launch", "minis.show"]);
        assert!(l.loaded(true).is_empty(), "a reload does not launch again");
        assert!(l.visibility(true).is_empty(), "already visible");
        assert_eq!(l.visibility(false), ["minis.hide"]);
        assert!(l.visibility(false).is_empty());
        assert_eq!(l.visibility(true), ["minis.show"]);
        assert_eq!(l.close(), ["minis.destroy"]);
        assert!(l.close().is_empty() && l.visibility(false).is_empty());
    }
}
