//! Paired hosts: the device tokens the host API authenticates, and the pairing token that lets
//! a host on another machine pair.

use rusqlite::params;

use super::ids;
use super::secrets::{self, NewSecret};
use super::{Commit, Platform, PlatformError};
use minihost_platform_api::host_api::DEVICE_TOKEN_PREFIX;

/// A host paired through the host API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: i64,
    pub name: String,
    /// Paired from this machine.
    pub loopback: bool,
}

const MAX_DEVICE_NAME: usize = 64;

impl Platform {
    /// Lets hosts on other machines pair with the token returned (printed by `platform serve`).
    /// Until this is called, only loopback peers can pair.
    pub fn allow_remote_pairing(&self) -> String {
        let mut slot = self.inner.pairing_token.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(|| format!("pair-{}", ids::new_client_secret())).clone()
    }

    /// Whether [`Platform::allow_remote_pairing`] has been called.
    pub(crate) fn remote_pairing_allowed(&self) -> bool {
        self.inner.pairing_token.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Whether `token` is the pairing token of [`Platform::allow_remote_pairing`].
    pub(crate) fn pairing_token_matches(&self, token: &str) -> bool {
        let slot = self.inner.pairing_token.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_deref().is_some_and(|t| secrets::same(t.as_bytes(), token.as_bytes()))
    }

    /// Records a paired host and answers its device token (`dvt.…`).
    pub fn pair_device(&self, name: &str, loopback: bool) -> Commit<String> {
        self.prepare(|| {
            let name = name.trim().to_string();
            if name.is_empty() || name.chars().count() > MAX_DEVICE_NAME || name.chars().any(char::is_control) {
                return Err(PlatformError::invalid(
                    "device_name",
                    format!("must be 1-{MAX_DEVICE_NAME} printable characters"),
                ));
            }
            let secret = NewSecret::generate(DEVICE_TOKEN_PREFIX);
            let now = self.now();
            Ok(self.write(move |conn| {
                conn.prepare_cached("INSERT INTO devices (secret_hash, name, loopback, paired_at) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![secret.hash, name, loopback, now])?;
                Ok(secret.finish(conn.last_insert_rowid()))
            }))
        })
    }

    /// The paired host a device token belongs to.
    pub fn device_by_token(&self, token: &str) -> Result<Option<Device>, PlatformError> {
        if !token.starts_with(DEVICE_TOKEN_PREFIX) {
            return Ok(None);
        }
        let query = "SELECT secret_hash, name, loopback FROM devices WHERE id = ?1";
        let device = self.inner.store.read(|conn| {
            secrets::find(conn, token, query, |id, r| {
                Ok(Device {
                    id,
                    name: r.get(1)?,
                    loopback: r.get(2)?,
                })
            })
        })?;
        Ok(device)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Platform, PlatformOptions};

    #[tokio::test]
    async fn device_tokens_resolve_only_whole() {
        let p = Platform::in_memory(PlatformOptions::default()).unwrap();
        let token = p.pair_device("phone", false).await.unwrap();
        assert!(token.starts_with("dvt."), "{token}");
        let device = p.device_by_token(&token).unwrap().unwrap();
        assert_eq!((device.name.as_str(), device.loopback), ("phone", false));
        let forged = format!("dvt.{}", &token[5..]);
        assert_eq!(p.device_by_token(&forged).unwrap(), None);
        assert_eq!(p.device_by_token(&token.replace("dvt.", "act.")).unwrap(), None);
        assert_eq!(p.device_by_token("dvt.x!99").unwrap(), None);
        assert!(p.pair_device(" ", true).await.is_err());
        assert!(p.pair_device("a\nb", true).await.is_err());
    }

    #[test]
    fn remote_pairing_is_off_until_allowed() {
        let p = Platform::in_memory(PlatformOptions::default()).unwrap();
        assert!(!p.pairing_token_matches(""));
        let t = p.allow_remote_pairing();
        assert_eq!(p.allow_remote_pairing(), t, "one token per platform");
        assert!(p.pairing_token_matches(&t));
        assert!(!p.pairing_token_matches("pair-wrong"));
    }
}
