//! Signing and verifying webhook deliveries (platform-spec §3.4): the `Tiktok-Signature`
//! header is `t=<unix ts>,s=<hex>`, where `s` is HMAC-SHA256 keyed with the app's client
//! secret over `t + "." + raw body`. The emulator signs with [`sign`]; an app backend (or a
//! test receiver) checks with [`verify`].

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header a delivery's signature travels in.
pub const SIGNATURE_HEADER: &str = "Tiktok-Signature";

/// The docs' tolerance: a signature more than 5 minutes old is refused.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(client_secret: &str, t: u64, raw_body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(client_secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    mac
}

/// The header value for `raw_body` sent at Unix time `t`.
pub fn sign(client_secret: &str, t: u64, raw_body: &[u8]) -> String {
    let s = hex::encode(mac(client_secret, t, raw_body).finalize().into_bytes());
    format!("t={t},s={s}")
}

/// Why a delivery's signature is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The header is not `t=<digits>,s=<hex>`; the message says what is wrong.
    #[error("malformed {SIGNATURE_HEADER} header: {0}")]
    Malformed(String),
    /// The signature does not match the body and secret.
    #[error("the signature does not match the body")]
    BadSignature,
    /// The signature is older than the tolerance allows (`age` seconds).
    #[error("the signature is {age} s old, older than allowed")]
    Stale { age: u64 },
}

/// Checks `header_value` against `raw_body` (the bytes as received, before any JSON parsing).
/// `now` is the receiver's Unix time; a timestamp more than `tolerance_secs` away from it
/// (past or future) is stale. The comparison is constant-time.
pub fn verify(client_secret: &str, header_value: &str, raw_body: &[u8], now: u64, tolerance_secs: u64) -> Result<(), WebhookError> {
    let mut t: Option<u64> = None;
    let mut s: Option<Vec<u8>> = None;
    for part in header_value.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| WebhookError::Malformed(format!("part {part:?} is not key=value")))?;
        match key {
            "t" => {
                if t.is_some() {
                    return Err(WebhookError::Malformed("t is given twice".into()));
                }
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(WebhookError::Malformed(format!("t={value:?} is not a Unix timestamp")));
                }
                t = Some(
                    value
                        .parse()
                        .map_err(|_| WebhookError::Malformed(format!("t={value:?} is out of range")))?,
                );
            }
            "s" => {
                if s.is_some() {
                    return Err(WebhookError::Malformed("s is given twice".into()));
                }
                s = Some(hex::decode(value).map_err(|e| WebhookError::Malformed(format!("s is not hex: {e}")))?);
            }
            // Unknown keys are ignored, so a future scheme can be added alongside.
            _ => {}
        }
    }
    let t = t.ok_or_else(|| WebhookError::Malformed("t is missing".into()))?;
    let s = s.ok_or_else(|| WebhookError::Malformed("s is missing".into()))?;
    let age = now.abs_diff(t);
    if age > tolerance_secs {
        return Err(WebhookError::Stale { age });
    }
    mac(client_secret, t, raw_body)
        .verify_slice(&s)
        .map_err(|_| WebhookError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "app-secret-123";
    const BODY: &[u8] = br#"{"client_key":"k","event":"minis.trade_order.redeem.success"}"#;

    #[test]
    fn round_trip() {
        let header = sign(SECRET, 1_700_000_000, BODY);
        assert!(header.starts_with("t=1700000000,s="), "{header}");
        assert_eq!(header.len(), "t=1700000000,s=".len() + 64);
        verify(SECRET, &header, BODY, 1_700_000_010, DEFAULT_TOLERANCE_SECS).unwrap();
        // Whitespace after the comma is tolerated.
        verify(SECRET, &header.replace(',', ", "), BODY, 1_700_000_000, 300).unwrap();
    }

    #[test]
    fn forged_body_and_wrong_secret_are_bad_signatures() {
        let header = sign(SECRET, 1_700_000_000, BODY);
        let forged = br#"{"client_key":"k","event":"minis.trade_order.refund_success"}"#;
        assert_eq!(verify(SECRET, &header, forged, 1_700_000_000, 300), Err(WebhookError::BadSignature));
        assert_eq!(
            verify("other-secret", &header, BODY, 1_700_000_000, 300),
            Err(WebhookError::BadSignature)
        );
        // Moving the timestamp breaks the signature too.
        let moved = header.replace("t=1700000000", "t=1700000001");
        assert_eq!(verify(SECRET, &moved, BODY, 1_700_000_000, 300), Err(WebhookError::BadSignature));
    }

    #[test]
    fn stale_signatures_are_refused() {
        let header = sign(SECRET, 1_700_000_000, BODY);
        assert_eq!(
            verify(SECRET, &header, BODY, 1_700_000_301, 300),
            Err(WebhookError::Stale { age: 301 })
        );
        assert_eq!(
            verify(SECRET, &header, BODY, 1_699_999_000, 300),
            Err(WebhookError::Stale { age: 1000 })
        );
        verify(SECRET, &header, BODY, 1_700_000_300, 300).unwrap();
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        let good_s = sign(SECRET, 5, BODY).split_once(",s=").unwrap().1.to_string();
        for (header, needle) in [
            ("", "not key=value"),
            ("garbage", "not key=value"),
            (&format!("s={good_s}") as &str, "t is missing"),
            ("t=5", "s is missing"),
            (&format!("t=abc,s={good_s}"), "not a Unix timestamp"),
            (&format!("t=-5,s={good_s}"), "not a Unix timestamp"),
            (&format!("t=99999999999999999999999,s={good_s}"), "out of range"),
            ("t=5,s=zz", "not hex"),
            (&format!("t=5,t=5,s={good_s}"), "twice"),
            (&format!("t=5,s={good_s},s={good_s}"), "twice"),
        ] {
            match verify(SECRET, header, BODY, 5, 300) {
                Err(WebhookError::Malformed(why)) => assert!(why.contains(needle), "{header:?}: {why}"),
                other => panic!("{header:?}: {other:?}"),
            }
        }
        // A short but valid hex signature is simply wrong.
        assert_eq!(verify(SECRET, "t=5,s=abcd", BODY, 5, 300), Err(WebhookError::BadSignature));
    }
}
