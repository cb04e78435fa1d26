//! The shell model: what a shell draws (device frame, status bar, navbar, capsule, theme)
//! and the host sheets it shows. Shells render this; they decide nothing themselves.

pub mod devices;
mod navbar;
pub mod sheet_page;
pub mod sheets;

pub use devices::{Device, Os, Rect, DEVICES};
pub use navbar::{CapsuleStyle, Layout, NavbarColorError, NavbarState, Theme, TITLE_BAR_HEIGHT, TITLE_CAPSULE_GAP};
