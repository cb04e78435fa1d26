//! Navbar state and screen layout for both navbar styles.

use super::devices::{Device, Rect};
use crate::config::{Color, Navbar, NavbarStyle};
use serde::Serialize;

/// Height of the default navbar's title row, below the status bar.
pub const TITLE_BAR_HEIGHT: u32 = 44;

/// Gap between the end of the title and the capsule, as TikTok's and WeChat's navbars leave.
pub const TITLE_CAPSULE_GAP: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NavbarColorError {
    #[error("frontColor must be \"#ffffff\" or \"#000000\", got {0:?}")]
    FrontColor(String),
    #[error("backgroundColor must be a hex colour, got {0:?}")]
    BackgroundColor(String),
}

/// What the navbar shows now. `setNavigationBarColor` overrides the config's colours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NavbarState {
    pub style: NavbarStyle,
    pub theme: Theme,
    pub title: String,
    pub background: Color,
    pub front: Color,
    #[serde(skip)]
    config: Navbar,
    #[serde(skip)]
    overridden: Option<(Color, Color)>,
}

impl NavbarState {
    pub fn new(config: &Navbar, theme: Theme, title: &str) -> NavbarState {
        let mut s = NavbarState {
            style: config.style,
            theme,
            title: title.to_owned(),
            background: Color::WHITE,
            front: Color::BLACK,
            config: config.clone(),
            overridden: None,
        };
        s.recompute();
        s
    }

    fn recompute(&mut self) {
        let (bg, front) = match (self.overridden, self.theme) {
            (Some(o), _) => o,
            (None, Theme::Light) => (self.config.bg_color_light.unwrap_or(Color::WHITE), Color::BLACK),
            (None, Theme::Dark) => (self.config.bg_color_dark.unwrap_or(Color::rgb(0x12, 0x12, 0x12)), Color::WHITE),
        };
        self.background = bg;
        // Readable text even when the config picks a dark "light-mode" colour.
        self.front = if self.overridden.is_some() {
            front
        } else if bg.luminance() > 0.4 {
            Color::BLACK
        } else {
            Color::WHITE
        };
    }

    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
        self.recompute();
    }

    /// `TTMinis.setNavigationBarColor`: validates as the platform documents.
    pub fn set_colors(&mut self, front: &str, background: &str) -> Result<(), NavbarColorError> {
        let front = match front.to_ascii_lowercase().as_str() {
            "#ffffff" => Color::WHITE,
            "#000000" => Color::BLACK,
            _ => return Err(NavbarColorError::FrontColor(front.to_owned())),
        };
        let bg: Color = background
            .parse()
            .map_err(|_| NavbarColorError::BackgroundColor(background.to_owned()))?;
        self.overridden = Some((bg, front));
        self.recompute();
        Ok(())
    }
}

/// How the capsule is painted: translucent, contrasting with the navbar's text colour, as
/// TikTok draws it over light and dark navbars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CapsuleStyle {
    /// CSS colour of the capsule's fill.
    pub background: &'static str,
    /// CSS colour of its outline.
    pub border: &'static str,
}

impl NavbarState {
    pub fn capsule(&self) -> CapsuleStyle {
        let background = if self.front == Color::WHITE {
            "rgba(0,0,0,0.35)"
        } else {
            "rgba(255,255,255,0.75)"
        };
        CapsuleStyle {
            background,
            border: "rgba(128,128,128,0.35)",
        }
    }
}

/// Where each surface goes on the device screen, in CSS px.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub screen: Rect,
    pub status_bar: Rect,
    /// The default navbar (status bar excluded); `None` in custom style.
    pub navbar: Option<Rect>,
    /// The app's webview.
    pub app: Rect,
    pub capsule: Rect,
    /// Where the default navbar's title may draw: centred on the screen and ending
    /// `TITLE_CAPSULE_GAP` before the capsule, so a long title is cut, not drawn under it.
    /// `None` in custom style, which draws no title.
    pub title: Option<Rect>,
}

impl Layout {
    pub fn new(device: &Device, style: NavbarStyle) -> Layout {
        let (w, h, sb) = (device.screen_width, device.screen_height, device.status_bar_height);
        let navbar = (style == NavbarStyle::Default).then(|| Rect::new(0, sb, w, TITLE_BAR_HEIGHT));
        let app_top = navbar.map_or(sb, |n| n.bottom);
        // In default style the capsule is centred in the title row.
        let capsule = match navbar {
            Some(n) => Rect::new(
                device.capsule.left,
                n.top + (TITLE_BAR_HEIGHT - device.capsule.height) / 2,
                device.capsule.width,
                device.capsule.height,
            ),
            None => device.capsule,
        };
        let title = navbar.map(|n| {
            let right = capsule.left.saturating_sub(TITLE_CAPSULE_GAP);
            let left = w.saturating_sub(right).min(right);
            Rect::new(left, n.top, right - left, n.height)
        });
        Layout {
            screen: Rect::new(0, 0, w, h),
            status_bar: Rect::new(0, 0, w, sb),
            navbar,
            app: Rect::new(0, app_top, w, h - app_top),
            capsule,
            title,
        }
    }

    /// What `getMenuButtonBoundingClientRect` returns: zeros unless the navbar is custom.
    pub fn menu_button_rect(&self) -> Rect {
        if self.navbar.is_some() {
            Rect::ZERO
        } else {
            self.capsule
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn navbar(light: Option<&str>, dark: Option<&str>) -> Navbar {
        Navbar {
            style: NavbarStyle::Default,
            bg_color_light: light.map(|c| c.parse().unwrap()),
            bg_color_dark: dark.map(|c| c.parse().unwrap()),
        }
    }

    #[test]
    fn theme_picks_config_colour_and_readable_text() {
        let mut s = NavbarState::new(&navbar(Some("#ffeedd"), Some("#202040")), Theme::Light, "t");
        assert_eq!((s.background.to_string(), s.front), ("#ffeedd".into(), Color::BLACK));
        s.set_theme(Theme::Dark);
        assert_eq!((s.background.to_string(), s.front), ("#202040".into(), Color::WHITE));
    }

    #[test]
    fn set_colors_validates_like_the_platform() {
        let mut s = NavbarState::new(&navbar(None, None), Theme::Light, "t");
        assert_eq!(
            s.set_colors("#ff0000", "#000000"),
            Err(NavbarColorError::FrontColor("#ff0000".into()))
        );
        assert_eq!(s.set_colors("#fff", "#000000"), Err(NavbarColorError::FrontColor("#fff".into())));
        assert_eq!(
            s.set_colors("#ffffff", "blue"),
            Err(NavbarColorError::BackgroundColor("blue".into()))
        );
        assert_eq!(s.background, Color::WHITE, "a rejected call changes nothing");
        s.set_colors("#FFFFFF", "#336699").unwrap();
        assert_eq!((s.front, s.background.to_string()), (Color::WHITE, "#336699".into()));
        s.set_theme(Theme::Dark);
        assert_eq!(s.background.to_string(), "#336699", "an explicit colour outlives theme changes");
    }

    #[test]
    fn capsule_contrasts_with_the_navbar_text() {
        let mut s = NavbarState::new(&navbar(None, None), Theme::Light, "t");
        assert_eq!(s.capsule().background, "rgba(255,255,255,0.75)");
        s.set_theme(Theme::Dark);
        assert_eq!(s.capsule().background, "rgba(0,0,0,0.35)");
    }

    #[test]
    fn layouts() {
        let d = Device::find("iphone-14").unwrap();
        let def = Layout::new(d, NavbarStyle::Default);
        assert_eq!(def.navbar, Some(Rect::new(0, 47, 390, 44)));
        assert_eq!((def.app.top, def.app.height), (91, 844 - 91));
        assert_eq!(def.menu_button_rect(), Rect::ZERO);
        assert_eq!((def.capsule.top, def.capsule.bottom), (53, 85));
        let custom = Layout::new(d, NavbarStyle::Custom);
        assert_eq!(custom.navbar, None);
        assert_eq!((custom.app.top, custom.app.height), (47, 844 - 47));
        assert_eq!(custom.menu_button_rect(), d.capsule);
        assert_eq!(def.title, Some(Rect::new(102, 47, 186, 44)));
        assert_eq!(custom.title, None, "custom style draws no title");
    }

    #[test]
    fn title_is_centred_and_ends_before_the_capsule_on_every_device() {
        for d in crate::shell::DEVICES {
            let l = Layout::new(d, NavbarStyle::Default);
            let (t, n) = (l.title.unwrap(), l.navbar.unwrap());
            assert!(
                t.right + TITLE_CAPSULE_GAP <= l.capsule.left,
                "{}: {t:?} runs into {:?}",
                d.id,
                l.capsule
            );
            assert_eq!(t.left, d.screen_width - t.right, "{}: centred on the screen", d.id);
            assert_eq!((t.top, t.height), (n.top, n.height), "{}: the title row", d.id);
            assert!(t.width >= d.screen_width / 3, "{}: room for a title, got {} px", d.id, t.width);
            assert_eq!(Layout::new(d, NavbarStyle::Custom).title, None, "{}", d.id);
        }
    }
}
