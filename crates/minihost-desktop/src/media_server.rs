//! Loopback HTTP for `<video>` and `<audio>`. WebKitGTK's media stack plays only http(s),
//! blob, data and file URLs, never a custom scheme, so bridge-js points media sources at
//! this server. It serves the same build output through the same `Assets` (same path
//! rules), streaming bodies instead of reading them whole; a random token in every path
//! keeps other local clients out.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{header, StatusCode};
use minihost_core::shell_api::{Assets, MediaRoute};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

struct Media {
    assets: Assets,
    prefix: String,
}

/// A bound media server; `run` serves it.
pub struct MediaServer {
    listener: tokio::net::TcpListener,
    /// `http://127.0.0.1:PORT`, for the CSP's media-src.
    pub origin: String,
    /// `http://127.0.0.1:PORT/TOKEN/`, for bridge-js.
    pub base: String,
    router: axum::Router,
}

impl MediaServer {
    pub async fn bind(assets: Assets) -> std::io::Result<MediaServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let token: String = hex::encode(rand::random::<[u8; 16]>());
        let base = format!("{origin}/{token}/");
        let media = Arc::new(Media {
            assets,
            prefix: format!("/{token}/"),
        });
        let router = axum::Router::new().fallback(serve).with_state(media);
        Ok(MediaServer {
            listener,
            origin,
            base,
            router,
        })
    }

    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).await
    }
}

/// The [`minihost_core::shell_api::MediaServer`] the desktop gives its host: bound and served on the
/// host's runtime.
pub fn serve_media(assets: Assets, runtime: &tokio::runtime::Runtime) -> std::io::Result<MediaRoute> {
    let media = runtime.block_on(MediaServer::bind(assets))?;
    let route = MediaRoute {
        origin: media.origin.clone(),
        base: media.base.clone(),
    };
    runtime.spawn(async move {
        if let Err(e) = media.run().await {
            tracing::error!(target: "minihost::assets", "media server stopped: {e}");
        }
    });
    Ok(route)
}

async fn serve(State(media): State<Arc<Media>>, req: Request) -> Response {
    let Some(path) = req.uri().path().strip_prefix(media.prefix.as_str()).map(|p| format!("/{p}")) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .expect("static response");
    };
    let method = req.method().clone();
    let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let m = media.clone();
    let p = path.clone();
    let r = range.clone();
    // Resolving touches the file system: keep it off the async workers.
    let opened = tokio::task::spawn_blocking(move || m.assets.open(&method, &p, r.as_deref(), None)).await;
    let mut response = match opened {
        Err(_) => Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(Body::empty())
            .expect("static response"),
        Ok(Err(served)) => {
            tracing::debug!(target: "minihost::assets", status = %served.response.status(), path, via = "media", "served");
            let (parts, body) = served.response.into_parts();
            Response::from_parts(parts, Body::from(body.into_owned()))
        }
        Ok(Ok(opened)) => {
            let (parts, slice) = opened.response.into_parts();
            tracing::debug!(target: "minihost::assets", status = %parts.status, path, range, bytes = slice.as_ref().map_or(0, |s| s.len), via = "media", "streaming");
            let body = match slice {
                None => Body::empty(),
                Some(s) => {
                    // Streamed in small reads with backpressure: memory stays bounded
                    // however much of the file the player asks for.
                    let mut file = tokio::fs::File::from_std(s.file);
                    let seek = file.seek(std::io::SeekFrom::Start(s.start)).await;
                    if let Err(e) = seek {
                        tracing::error!(target: "minihost::assets", path, "seek failed: {e}");
                        return Response::builder()
                            .status(StatusCode::INTERNAL_SERVER_ERROR)
                            .body(Body::empty())
                            .expect("static response");
                    }
                    Body::from_stream(ReaderStream::with_capacity(file.take(s.len), 64 * 1024))
                }
            };
            Response::from_parts(parts, body)
        }
    };
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_ranges_behind_the_token_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.mp4"), vec![7u8; 1000]).unwrap();
        let server = MediaServer::bind(Assets::new(dir.path()).unwrap()).await.unwrap();
        let (base, origin) = (server.base.clone(), server.origin.clone());
        tokio::spawn(server.run());
        let client = reqwest::Client::new();
        let res = client
            .get(format!("{base}a.mp4"))
            .header("Range", "bytes=10-19")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 206);
        assert_eq!(res.headers()["content-range"], "bytes 10-19/1000");
        assert_eq!(res.bytes().await.unwrap().len(), 10);
        assert_eq!(
            client.get(format!("{origin}/a.mp4")).send().await.unwrap().status(),
            404,
            "no token, no file"
        );
        assert_eq!(client.get(format!("{origin}/wrongtoken/a.mp4")).send().await.unwrap().status(), 404);
        assert_eq!(client.get(format!("{base}..%2fx")).send().await.unwrap().status(), 403);
        let whole = client.get(format!("{base}a.mp4")).send().await.unwrap();
        assert_eq!(
            (whole.status().as_u16(), whole.bytes().await.unwrap().len()),
            (200, 1000),
            "streamed whole"
        );
    }
}
