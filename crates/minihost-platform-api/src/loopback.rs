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

/// True when an HTTP `Host` value (host and optional port, nothing else) names this machine:
/// `localhost`, a 127.0.0.0/8 address or `[::1]`, with a port of 1-65535 or none.
pub fn is_loopback_authority(authority: &str) -> bool {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, port)) => (ip, port),
            None => return false,
        },
        None => match authority.find(':') {
            Some(i) => authority.split_at(i),
            None => (authority, ""),
        },
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u16>().ok())
            .is_some_and(|p| p != 0);
    let host_ok = if authority.starts_with('[') {
        host.parse::<std::net::Ipv6Addr>().is_ok_and(|ip| is_loopback_ip(IpAddr::V6(ip)))
    } else {
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    };
    port_ok && host_ok
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

    #[test]
    fn loopback_authorities() {
        for a in [
            "127.0.0.1",
            "127.0.0.1:8787",
            "localhost",
            "LocalHost:1",
            "[::1]",
            "[::1]:65535",
            "127.1.2.3:80",
        ] {
            assert!(is_loopback_authority(a), "{a}");
        }
        for a in [
            "",
            "evil.example",
            "localhost.evil.com",
            "127.0.0.1.nip.io",
            "127.0.0.1:0",
            "127.0.0.1:65536",
            "127.0.0.1:",
            "127.0.0.1:+80",
            "127.0.0.1:80/x",
            "user@127.0.0.1",
            "[::1",
            "[::2]:80",
            "::1",
            "0.0.0.0:80",
            "192.168.1.5:8787",
        ] {
            assert!(!is_loopback_authority(a), "{a}");
        }
    }
}
