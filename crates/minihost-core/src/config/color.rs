//! Hex colours as the platform accepts them (`#rgb`, `#rrggbb`, `#rrggbbaa`).

use std::fmt;
use std::str::FromStr;

/// An sRGB colour with alpha, parsed from a CSS hex string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Color {
    pub const WHITE: Color = Color::rgb(0xff, 0xff, 0xff);
    pub const BLACK: Color = Color::rgb(0, 0, 0);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 0xff }
    }

    /// Relative luminance (WCAG), used to pick readable text on a background.
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not a hex colour (expected #rgb, #rrggbb or #rrggbbaa)", super::excerpt(.0))]
pub struct BadColor(pub String);

impl FromStr for Color {
    type Err = BadColor;

    fn from_str(s: &str) -> Result<Color, BadColor> {
        let bad = || BadColor(s.to_owned());
        let hex = s.strip_prefix('#').ok_or_else(bad)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let nibble = |i: usize| u8::from_str_radix(&hex[i..=i], 16).map(|v| v * 17);
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16);
        let c = match hex.len() {
            3 => Color::rgb(nibble(0).unwrap(), nibble(1).unwrap(), nibble(2).unwrap()),
            6 => Color::rgb(byte(0).unwrap(), byte(2).unwrap(), byte(4).unwrap()),
            8 => Color {
                a: byte(6).unwrap(),
                ..Color::rgb(byte(0).unwrap(), byte(2).unwrap(), byte(4).unwrap())
            },
            _ => return Err(bad()),
        };
        Ok(c)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)?;
        if self.a != 0xff {
            write!(f, "{:02x}", self.a)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Color {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_hex_form() {
        assert_eq!("#fff".parse(), Ok(Color::WHITE));
        assert_eq!("#000000".parse(), Ok(Color::BLACK));
        assert_eq!("#FF8800".parse::<Color>().unwrap().to_string(), "#ff8800");
        assert_eq!(
            "#11223344".parse::<Color>().unwrap(),
            Color {
                r: 0x11,
                g: 0x22,
                b: 0x33,
                a: 0x44
            }
        );
    }

    #[test]
    fn rejects_non_hex() {
        for bad in ["", "fff", "#ff", "#ggg", "#12345", "red", "rgb(0,0,0)", "#ffffff ", "#+12345"] {
            assert!(bad.parse::<Color>().is_err(), "{bad:?} parsed");
        }
    }
}
