//! Native chrome drawn with GTK: status bar, default navbar and the capsule. Cheap (no
//! extra web process) and out of the page's reach by construction.

use gtk::prelude::*;
use minihost_core::shell_api::{Layout, NavbarState, Rect};

pub struct Chrome {
    css: gtk::CssProvider,
    /// The stylesheet last loaded into `css`. Loading one restyles every widget on the screen,
    /// so a title change (most navbar updates) must not reload the same colours.
    loaded_css: std::cell::RefCell<String>,
    title: Option<gtk::Label>,
    pub more: gtk::Button,
    pub close: gtk::Button,
}

fn place(fixed: &gtk::Fixed, w: &impl IsA<gtk::Widget>, r: Rect) {
    w.set_size_request(r.width as i32, r.height as i32);
    fixed.put(w, r.left as i32, r.top as i32);
}

impl Chrome {
    /// Builds the chrome into `fixed`. The capsule goes into `overlay` so it floats over
    /// the app's webview in custom style.
    pub fn build(fixed: &gtk::Fixed, overlay: &gtk::Overlay, layout: &Layout, navbar: &NavbarState) -> Chrome {
        let css = gtk::CssProvider::new();
        let screen = gtk::prelude::WidgetExt::screen(fixed).expect("a realised window has a screen");
        gtk::StyleContext::add_provider_for_screen(&screen, &css, gtk::STYLE_PROVIDER_PRIORITY_APPLICATION);

        let status = gtk::Box::new(gtk::Orientation::Horizontal, 0);
        status.set_widget_name("mh-status");
        let clock = gtk::Label::new(Some("9:41"));
        clock.set_margin_start(24);
        let icons = gtk::Label::new(Some("▂▄▆█  ◔ 100%"));
        icons.set_margin_end(20);
        status.pack_start(&clock, false, false, 0);
        status.pack_end(&icons, false, false, 0);
        place(fixed, &status, layout.status_bar);

        if let Some(r) = layout.navbar {
            let bar = gtk::Box::new(gtk::Orientation::Horizontal, 0);
            bar.set_widget_name("mh-navbar");
            place(fixed, &bar, r);
        }
        // The label gets exactly the core's title rect: ellipsizing drops its minimum width to
        // "…" and one max char caps its natural width, so the size request decides both. A
        // long title then ends in "…" before the capsule and a short one stays centred.
        let title = layout.title.map(|r| {
            let label = gtk::Label::new(Some(&navbar.title));
            label.set_widget_name("mh-title");
            label.set_ellipsize(gtk::pango::EllipsizeMode::End);
            label.set_single_line_mode(true);
            label.set_max_width_chars(1);
            place(fixed, &label, r);
            label
        });

        let capsule = gtk::Box::new(gtk::Orientation::Horizontal, 0);
        capsule.set_widget_name("mh-capsule");
        let more = gtk::Button::with_label("•••");
        let close = gtk::Button::with_label("◉");
        more.set_tooltip_text(Some("More"));
        close.set_tooltip_text(Some("Close"));
        capsule.pack_start(&more, true, true, 0);
        capsule.pack_start(&gtk::Separator::new(gtk::Orientation::Vertical), false, false, 0);
        capsule.pack_start(&close, true, true, 0);
        let c = layout.capsule;
        capsule.set_size_request(c.width as i32, c.height as i32);
        capsule.set_halign(gtk::Align::Start);
        capsule.set_valign(gtk::Align::Start);
        capsule.set_margin_start(c.left as i32);
        capsule.set_margin_top(c.top as i32);
        overlay.add_overlay(&capsule);
        overlay.set_overlay_pass_through(&capsule, false);

        let chrome = Chrome {
            css,
            loaded_css: Default::default(),
            title,
            more,
            close,
        };
        chrome.apply(navbar);
        chrome
    }

    /// Redraws colours and title from the navbar state; reloads the stylesheet only when the
    /// colours changed.
    pub fn apply(&self, n: &NavbarState) {
        if let Some(t) = self.title.as_ref().filter(|t| t.text() != n.title) {
            t.set_text(&n.title);
        }
        let (bg, fg) = (n.background.to_string(), n.front.to_string());
        let capsule = n.capsule();
        let (capsule_bg, capsule_border) = (capsule.background, capsule.border);
        let css = format!(
            "#mh-status {{ background: {bg}; color: {fg}; font: 600 14px sans-serif; }}
             #mh-navbar {{ background: {bg}; }}
             #mh-title {{ color: {fg}; font: 600 17px sans-serif; }}
             #mh-capsule {{ background: {capsule_bg}; border: 1px solid {capsule_border}; border-radius: 16px; }}
             #mh-capsule button {{ background: none; border: none; box-shadow: none; color: {fg}; padding: 0; min-height: 0; font: 700 13px sans-serif; }}
             #mh-capsule separator {{ margin: 8px 0; background: rgba(128,128,128,0.5); min-width: 1px; }}"
        );
        if *self.loaded_css.borrow() == css {
            return;
        }
        if let Err(e) = self.css.load_from_data(css.as_bytes()) {
            tracing::error!(target: "minihost::desktop", "chrome CSS: {e}");
        }
        *self.loaded_css.borrow_mut() = css;
    }
}
