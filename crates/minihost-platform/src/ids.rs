//! Identifiers: open_id and union_id derivation, public ids (`TOID…`, `SUB…`), client secrets
//! and log ids. Bearer secrets (tokens, codes) are in `secrets`.

use hmac::{Hmac, Mac};
use rand::distr::Alphanumeric;
use rand::{Rng, RngCore};
use sha2::Sha256;

use super::{HostApp, PlatformError};

type HmacSha256 = Hmac<Sha256>;

/// The per-data-dir key behind open_id and union_id. Knowing it is knowing every mapping from
/// ids to users, so it never leaves the database.
pub(crate) struct IdSecret([u8; 32]);

impl IdSecret {
    pub(crate) fn generate() -> IdSecret {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        IdSecret(key)
    }

    pub(crate) fn from_hex(text: &str) -> Result<IdSecret, PlatformError> {
        let bytes = hex::decode(text).map_err(|e| PlatformError::Corrupt(format!("id secret is not hex: {e}")))?;
        let key = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| PlatformError::Corrupt("id secret is not 32 bytes".into()))?;
        Ok(IdSecret(key))
    }

    pub(crate) fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub(crate) fn open_id(&self, host_app: HostApp, client_key: &str, user_id: i64) -> String {
        self.derive(&["open_id", host_app.as_str(), client_key, &user_id.to_string()])
    }

    pub(crate) fn union_id(&self, developer: &str, user_id: i64) -> String {
        self.derive(&["union_id", developer, &user_id.to_string()])
    }

    /// HMAC over length-prefixed parts (so ("ab","c") and ("a","bc") differ), shaped as a UUID
    /// like the ids in TikTok's v2 examples.
    fn derive(&self, parts: &[&str]) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        let h = hex::encode(&digest[..16]);
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }
}

pub(crate) fn random_alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A public id such as `TOID…` or `SUB…`: the prefix and 24 random letters and digits.
pub(crate) fn new_public_id(prefix: &str) -> String {
    format!("{prefix}{}", random_alphanumeric(24))
}

pub(crate) fn new_client_secret() -> String {
    random_alphanumeric(32)
}

/// TikTok's log_id shape: UTC `YYYYMMDDhhmmss` followed by 20 upper-case hex digits.
pub(crate) fn new_log_id(unix_secs: u64) -> String {
    let days = i64::try_from(unix_secs / 86_400).unwrap_or(i64::MAX / 2);
    let secs = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut noise = [0u8; 10];
    rand::rng().fill_bytes(&mut noise);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}{}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        hex::encode_upper(noise)
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(byte: u8) -> IdSecret {
        IdSecret([byte; 32])
    }

    #[test]
    fn open_id_is_stable_and_scoped_by_host_app_app_and_user() {
        let s = secret(7);
        let base = s.open_id(HostApp::TikTok, "app1", 1);
        assert_eq!(base, s.open_id(HostApp::TikTok, "app1", 1));
        assert_ne!(base, s.open_id(HostApp::Douyin, "app1", 1));
        assert_ne!(base, s.open_id(HostApp::Toutiao, "app1", 1));
        assert_ne!(base, s.open_id(HostApp::TikTok, "app2", 1));
        assert_ne!(base, s.open_id(HostApp::TikTok, "app1", 2));
        assert_ne!(base, secret(8).open_id(HostApp::TikTok, "app1", 1));
        assert_eq!(base.len(), 36);
        assert_eq!(base.matches('-').count(), 4);
    }

    #[test]
    fn union_id_is_scoped_by_developer_and_user_only() {
        let s = secret(1);
        assert_eq!(s.union_id("dev", 3), s.union_id("dev", 3));
        assert_ne!(s.union_id("dev", 3), s.union_id("other", 3));
        assert_ne!(s.union_id("dev", 3), s.union_id("dev", 4));
        assert_ne!(s.union_id("dev", 3), s.open_id(HostApp::TikTok, "dev", 3));
    }

    #[test]
    fn derivation_is_unambiguous_across_part_boundaries() {
        let s = secret(2);
        assert_ne!(s.union_id("ab", 12), s.union_id("ab1", 2));
    }

    #[test]
    fn secret_round_trips_through_hex_and_rejects_garbage() {
        let s = IdSecret::generate();
        let again = IdSecret::from_hex(&s.to_hex()).unwrap();
        assert_eq!(s.open_id(HostApp::TikTok, "k", 1), again.open_id(HostApp::TikTok, "k", 1));
        assert!(IdSecret::from_hex("zz").is_err());
        assert!(IdSecret::from_hex("abcd").is_err());
    }

    #[test]
    fn log_id_has_utc_timestamp_prefix() {
        // 2023-07-01T12:34:56Z
        let id = new_log_id(1_688_214_896);
        assert!(id.starts_with("20230701123456"), "{id}");
        assert_eq!(id.len(), 34);
        assert!(id[14..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert!(new_log_id(0).starts_with("19700101000000"));
        assert!(new_log_id(951_782_400).starts_with("20000229"));
    }
}
