//! The guard in front of the surfaces meant for this machine only, `/__admin/` and
//! `/__host/v1/`. A TCP peer on loopback is not enough: a DNS-rebinding page reaches us from
//! loopback under a foreign `Host`, and any page can send a "simple" cross-site POST (no
//! preflight) with a foreign `Origin`. So the guard also wants a loopback `Host`, no foreign
//! browser `Origin`, and `application/json` on every write, which no browser sends cross-site
//! without a CORS preflight (that we never answer).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use minihost_platform_api::loopback::{is_loopback_authority, is_loopback_ip, is_loopback_url};

use super::http::{flat_error, media_type, LogId};
use super::Platform;

/// Which surface a [`Guard`] stands in front of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Surface {
    /// `/__admin/`: loopback peers only.
    Admin,
    /// `/__host/v1/`: phones on other machines reach it by a LAN address once remote pairing is
    /// allowed, so then any `Host` passes; pairing without the pairing token still needs a
    /// loopback `Host` (see [`host_is_loopback`]).
    HostApi,
}

#[derive(Clone)]
pub(crate) struct Guard {
    pub(crate) platform: Platform,
    pub(crate) surface: Surface,
}

/// The `Host` the client asked for: the header, or the URI's authority under HTTP/2.
fn requested_host<'a>(headers: &'a HeaderMap, uri: &'a Uri) -> Option<&'a str> {
    match headers.get(header::HOST) {
        Some(value) => value.to_str().ok(),
        None => uri.authority().map(|a| a.as_str()),
    }
}

/// Whether the request names this machine in its `Host`.
pub(crate) fn host_is_loopback(headers: &HeaderMap, uri: &Uri) -> bool {
    requested_host(headers, uri).is_some_and(is_loopback_authority)
}

/// Why a request is refused: status and description.
fn refusal(surface: Surface, remote_pairing: bool, req: &Request) -> Option<(StatusCode, String)> {
    let forbidden = |why: String| Some((StatusCode::FORBIDDEN, why));
    let name = match surface {
        Surface::Admin => "the admin API",
        Surface::HostApi => "the host API",
    };
    if surface == Surface::Admin {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        if !peer.is_some_and(|addr| is_loopback_ip(addr.ip())) {
            return forbidden(format!("{name} answers loopback peers only"));
        }
    }
    let any_host = surface == Surface::HostApi && remote_pairing;
    if !any_host && !host_is_loopback(req.headers(), req.uri()) {
        let host = requested_host(req.headers(), req.uri()).unwrap_or("(none)");
        return forbidden(format!(
            "{name} answers only requests whose Host is loopback (127.0.0.1, localhost or [::1]), not {host:?}"
        ));
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let loopback = origin
            .to_str()
            .ok()
            .and_then(|o| url::Url::parse(o).ok())
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && is_loopback_url(&u));
        if !loopback {
            let origin = String::from_utf8_lossy(origin.as_bytes());
            return forbidden(format!("{name} refuses cross-site requests (Origin {origin:?} is not loopback)"));
        }
    }
    let write = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if write {
        match media_type(req.headers()) {
            Some(mt) if mt == "application/json" => {}
            found => {
                let found = found.map_or("no Content-Type".to_string(), |mt| format!("Content-Type {mt}"));
                return Some((
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!("{name} takes writes only as application/json, not {found}"),
                ));
            }
        }
    }
    None
}

pub(crate) async fn loopback_only(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let remote_pairing = guard.surface == Surface::HostApi && guard.platform.remote_pairing_allowed();
    let Some((status, why)) = refusal(guard.surface, remote_pairing, &req) else {
        return next.run(req).await;
    };
    tracing::warn!(target: "minihost::platform", path = req.uri().path(), %status, why, "refused a request to a loopback-only API");
    let error = if status == StatusCode::FORBIDDEN {
        "forbidden"
    } else {
        "invalid_request"
    };
    flat_error(status, error, &why, &LogId::of(&req))
}
