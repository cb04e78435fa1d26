//! The platform as a host reaches it. The bridge holds an `Arc<dyn HostPlatform>` and cannot
//! tell which one it has: the emulator in process (given by the CLI) or [`RemotePlatform`],
//! a client of a running `minihost platform serve` (what a phone uses).

mod remote;

pub use minihost_platform_api::{
    default_data_dir, host_api, loopback, monetization, scopes, CodeRequest, EnsuredApp, HostApp, HostPlatform, HostPlatformError, NewApp,
    User,
};
pub use remote::RemotePlatform;

/// The registration of a Mini the host runs: it may ask only for the Minis scopes (the
/// emulator enforces that at the token endpoint too).
pub fn minis_app(client_key: &str) -> NewApp {
    NewApp {
        client_key: client_key.to_string(),
        allowed_scopes: Some(scopes::MINIS_SCOPES.iter().map(|s| s.to_string()).collect()),
        ..NewApp::default()
    }
}
