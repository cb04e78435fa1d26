//! Which hosts and addresses are this machine. The one definition for trusted-domain rules,
//! redirect-URI wildcards and the loopback-only HTTP surfaces.

use std::net::IpAddr;

/// True for 127.0.0.0/8, `::1` and IPv4-mapped loopback (`::ffff:127.0.0.1`).
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// True when the URL's host is `localhost` or a loopback address.
pub fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => is_loopback_ip(IpAddr::V6(ip)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses() {
        for ip in ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"] {
            assert!(is_loopback_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["10.0.0.2", "::ffff:192.168.1.4", "0.0.0.0"] {
            assert!(!is_loopback_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn loopback_urls() {
        for u in [
            "http://localhost:3000",
            "http://LOCALHOST",
            "http://127.0.0.1:8787/x",
            "http://[::1]:1",
        ] {
            assert!(is_loopback_url(&url::Url::parse(u).unwrap()), "{u}");
        }
        for u in [
            "http://localhost.evil.com",
            "http://128.0.0.1",
            "https://example.com",
            "data:text/plain,x",
        ] {
            assert!(!is_loopback_url(&url::Url::parse(u).unwrap()), "{u}");
        }
    }
}
