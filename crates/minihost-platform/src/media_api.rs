//! TikTok's Media Asset API under `/v2/sg/shortdrama/` (drama-player.md §2.4–2.5), called by
//! the app's server with `Authorization: Bearer <client access token>` (`client_credentials`):
//! JSON bodies or query strings in, the v2 envelope `{data, error: {code, message, log_id}}`
//! out, int64 ids as JSON numbers (a numeric string is accepted too). The codes and statuses
//! are in the table of `media_assets`.
//!
//! Also `GET /__media/v/{vid}`: a stored video with byte ranges (RFC 9110 §14: one range, 206
//! with `Content-Range`, 416 beyond the end, the whole file otherwise), streamed from disk.
//! It is the host's, behind the host API's guard (`loopback_only`); the host finds a video's
//! path in the playback decision (`/__host/v1/drama/playback`).

use std::io::SeekFrom;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use minihost_platform_api::loopback::is_loopback_ip;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::dramas::{AlbumUpdate, NewEpisode};
use super::http::{bearer_token, flat_error, read_body, v2_envelope, v2_token_invalid, FlatError, LogId, Params};
use super::loopback_only::{host_is_loopback, loopback_only, Guard, Surface};
use super::media_assets::{NewVideo, Uploader, UPLOAD_DONE};
use super::{Platform, PlatformError};

const BASE: &str = "/v2/sg/shortdrama/";

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Image,
    UploadVideo,
    QueryVideo,
    DeleteVideos,
    CreateAlbum,
    UpdateAlbum,
    QueryAlbum,
    SubmitReview,
    WithdrawReview,
    AppealReview,
    OnlineVersion,
    AlbumStatus,
    Authorize,
    PlayToken,
}

const POSTS: &[(&str, Endpoint)] = &[
    ("image", Endpoint::Image),
    ("video", Endpoint::UploadVideo),
    ("video/delete", Endpoint::DeleteVideos),
    ("album/create", Endpoint::CreateAlbum),
    ("album/update", Endpoint::UpdateAlbum),
    ("album/review/submit", Endpoint::SubmitReview),
    ("album/review/withdraw", Endpoint::WithdrawReview),
    ("album/review/appeal", Endpoint::AppealReview),
    ("album/online_version", Endpoint::OnlineVersion),
    ("album/status", Endpoint::AlbumStatus),
    ("album/authorize", Endpoint::Authorize),
];

const GETS: &[(&str, Endpoint)] = &[
    ("video", Endpoint::QueryVideo),
    ("album/query", Endpoint::QueryAlbum),
    ("play_token", Endpoint::PlayToken),
];

pub(crate) fn routes(platform: &Platform) -> Router<Platform> {
    let mut router = Router::new();
    // `video` is both a POST (upload) and a GET (query) path, so each path gets one method router.
    let mut paths: Vec<(&str, axum::routing::MethodRouter<Platform>)> = Vec::new();
    for &(path, endpoint) in POSTS.iter().chain(GETS) {
        let handler = move |state: State<Platform>, log_id: Extension<LogId>, req: Request| handle(state, log_id, req, endpoint);
        let method = if matches!(endpoint, Endpoint::QueryVideo | Endpoint::QueryAlbum | Endpoint::PlayToken) {
            get(handler)
        } else {
            post(handler)
        };
        match paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(method),
            None => paths.push((path, method)),
        }
    }
    for (path, method) in paths {
        router = router
            .route(&format!("{BASE}{path}/"), method.clone())
            .route(&format!("{BASE}{path}"), method);
    }
    let media = Router::new()
        .route("/__media/v/{vid}", get(serve_video))
        .route_layer(middleware::from_fn_with_state(
            Guard {
                platform: platform.clone(),
                surface: Surface::HostApi,
            },
            loopback_only,
        ));
    router.merge(media)
}

/// A Media Asset API failure: its status, code and message.
struct ApiError(StatusCode, &'static str, String);

fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, "invalid_params", format!("{field} {message}"))
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> ApiError {
        match &e {
            PlatformError::InvalidInput { field, message } => invalid(field, message),
            PlatformError::NotFound { .. } => ApiError(StatusCode::NOT_FOUND, "not_found", e.to_string()),
            PlatformError::Conflict(_) | PlatformError::AlreadyExists { .. } | PlatformError::Declined { .. } => {
                ApiError(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            e if e.is_busy() => ApiError(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", e.to_string()),
            _ => {
                tracing::error!(error = %e, "a Media Asset API call failed");
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", e.to_string())
            }
        }
    }
}

/// The members of a JSON body or a query string, read so that errors name the member.
struct Fields(Map<String, Value>);

impl Fields {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => s.parse().map(Some).map_err(|_| invalid(key, "must be an integer")),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| invalid(key, "must be an integer")),
        }
    }

    fn int(&self, key: &str) -> Result<i64, ApiError> {
        self.opt_int(key)?.ok_or_else(|| invalid(key, "is required"))
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(key, "must be a string")),
        }
    }

    fn string(&self, key: &str) -> Result<String, ApiError> {
        self.opt_string(key)?.ok_or_else(|| invalid(key, "is required"))
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, ApiError> {
        match self.get(key) {
            None => Err(invalid(key, "is required")),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| invalid(&format!("{key}[{i}]"), "must be a string"))
                })
                .collect(),
            Some(_) => Err(invalid(key, "must be an array of strings")),
        }
    }
}

/// Whether the request came from this machine: a loopback peer under a loopback `Host`.
fn from_loopback(req: &Request) -> bool {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    peer.is_some_and(|addr| is_loopback_ip(addr.ip())) && host_is_loopback(req.headers(), req.uri())
}

async fn handle(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    req: Request,
    endpoint: Endpoint,
) -> Response {
    let app = match bearer_token(req.headers()).map(|t| platform.client_token_app(t)) {
        Some(Ok(Some(app))) => app,
        Some(Err(e)) => return error_response(e.into(), &log_id),
        _ => return v2_token_invalid(&log_id),
    };
    let loopback = from_loopback(&req);
    let result = async {
        let fields = read_fields(&platform, req).await?;
        for key in ["client_key", "client-key"] {
            if fields.opt_string(key)?.is_some_and(|k| k != app) {
                return Err(invalid(key, format!("is not the app of the access token ({app})")));
            }
        }
        dispatch(
            &platform,
            Uploader {
                client_key: &app,
                loopback,
            },
            &fields,
            endpoint,
        )
        .await
    }
    .await;
    match result {
        Ok(data) => v2_envelope(StatusCode::OK, data, "ok", "", &log_id),
        Err(e) => error_response(e, &log_id),
    }
}

fn error_response(ApiError(status, code, message): ApiError, log_id: &str) -> Response {
    v2_envelope(status, json!({}), code, &message, log_id)
}

/// The query string's pairs, the `client-key` header, and the JSON body's members, in one map.
async fn read_fields(platform: &Platform, req: Request) -> Result<Fields, ApiError> {
    let (parts, body) = req.into_parts();
    let mut map = Map::new();
    let params = Params::from_query(parts.uri.query());
    for key in [
        "client_key",
        "byteplus_account_id",
        "job_id",
        "vid",
        "album_id",
        "version",
        "episode_id",
    ] {
        if let Some(v) = params.get(key).map_err(|e| invalid(key, e))? {
            map.insert(key.into(), json!(v));
        }
    }
    if let Some(v) = parts.headers.get("client-key").and_then(|v| v.to_str().ok()) {
        map.insert("client-key".into(), json!(v));
    }
    let bytes = read_body(&parts.headers, body, platform.options().max_body_bytes)
        .await
        .map_err(|m| invalid("body", m))?;
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| invalid("body", format!("is not JSON: {e}")))?;
        let Value::Object(members) = value else {
            return Err(invalid("body", "must be a JSON object"));
        };
        map.extend(members);
    }
    Ok(Fields(map))
}

async fn dispatch(platform: &Platform, uploader: Uploader<'_>, f: &Fields, endpoint: Endpoint) -> Result<Value, ApiError> {
    let app = uploader.client_key;
    Ok(match endpoint {
        Endpoint::Image => {
            let url = f.string("image_url")?;
            let source = platform.media_source("image_url", &url, uploader)?;
            json!({ "open_pic_id": platform.upload_image(app, source, url).await? })
        }
        Endpoint::UploadVideo => match (f.opt_string("url")?, f.opt_string("vid")?) {
            (Some(url), _) => {
                let source = platform.media_source("url", &url, uploader)?;
                let duration = match f.get("duration") {
                    None => 0.0,
                    Some(v) => v.as_f64().ok_or_else(|| invalid("duration", "must be a number of seconds"))?,
                };
                let new = NewVideo {
                    url,
                    title: f.string("title")?,
                    duration,
                };
                let job_id = platform.begin_video_upload(app, new).await?;
                let (platform, job) = (platform.clone(), job_id.clone());
                // The upload answers at once; the client polls Query Video for the outcome.
                tokio::spawn(async move { platform.finish_video_upload(&job, source).await });
                json!({ "job_id": job_id, "result_type": 2 })
            }
            (None, Some(vid)) => {
                let job = platform.video_job(Some(app), None, Some(&vid))?;
                match job.filter(|j| j.upload_status == UPLOAD_DONE) {
                    Some(_) => json!({ "vid": vid, "byteplus_vid": vid, "result_type": 1 }),
                    None => json!({ "vid": vid, "result_type": 3 }),
                }
            }
            (None, None) => return Err(invalid("url", "is required when no vid is given")),
        },
        Endpoint::QueryVideo => {
            let job = platform
                .video_job(Some(app), f.opt_string("job_id")?.as_deref(), f.opt_string("vid")?.as_deref())?
                .ok_or_else(|| PlatformError::not_found("video or upload job of this app", "given"))?;
            let done = job.upload_status == UPLOAD_DONE;
            json!({
                "job_id": job.job_id,
                "vid": job.vid,
                "upload_status": job.upload_status,
                "title": job.title,
                "byteplus_url": job.vid.as_ref().filter(|_| done).map(|v| format!("/__media/v/{v}")),
                "raw_video_info_json": json!({ "size": job.size, "duration": job.duration }).to_string(),
                "error_message": job.error,
            })
        }
        Endpoint::DeleteVideos => {
            let vids = f.strings("vid_list")?;
            let results = platform.delete_videos(app, vids).await?;
            let list: Vec<Value> = results
                .into_iter()
                .map(|d| {
                    json!({
                        "vid": d.vid,
                        "status": if d.deleted { "success" } else { "failed" },
                        "error_code": if d.deleted { "ok" } else { "conflict" },
                        "error_message": d.message,
                    })
                })
                .collect();
            json!({ "result_list": list })
        }
        Endpoint::CreateAlbum => json!({ "album_id": platform.create_album(app).await? }),
        Endpoint::UpdateAlbum => {
            let operation = f.opt_int("operation_type")?.unwrap_or(1);
            if operation != 1 {
                return Err(invalid("operation_type", "must be 1 (create or update a draft)"));
            }
            let album_info = match f.get("album_info") {
                None => None,
                Some(Value::Object(info)) => Some(info.clone()),
                Some(_) => return Err(invalid("album_info", "must be an object")),
            };
            let update = AlbumUpdate {
                album_id: f.int("album_id")?,
                version: f.opt_int("version")?.unwrap_or(0),
                album_info,
                episodes: f.get("episode_info_list").map(episodes).transpose()?,
            };
            json!(platform.update_album(app, update).await?)
        }
        Endpoint::QueryAlbum => json!(platform.album(app, f.int("album_id")?, f.opt_int("version")?)?),
        Endpoint::SubmitReview => {
            let (album_id, version) = (f.int("album_id")?, f.int("version")?);
            if !matches!(f.opt_int("priority_score")?, None | Some(1) | Some(2)) {
                return Err(invalid("priority_score", "must be 1 (urgent) or 2 (normal)"));
            }
            let review_id = platform.submit_review(app, album_id, version).await?;
            json!({ "album_id": album_id, "version": version, "review_id": review_id })
        }
        Endpoint::WithdrawReview => {
            platform.withdraw_review(app, f.int("album_id")?, f.int("version")?).await?;
            json!({})
        }
        Endpoint::AppealReview => {
            let item = (f.int("appeal_item_type")?, f.int("item_id")?);
            platform
                .appeal_review(app, f.int("album_id")?, f.int("review_id")?, item, f.string("appeal_reason")?)
                .await?;
            json!({})
        }
        Endpoint::OnlineVersion => {
            let (album_id, version) = (f.int("album_id")?, f.int("version")?);
            platform.set_online_version(app, album_id, version).await?;
            json!({ "album_id": album_id, "online_version": version })
        }
        Endpoint::AlbumStatus => {
            let album_id = f.int("album_id")?;
            let status = platform.set_album_status(app, album_id, f.int("status")?).await?;
            json!({ "album_id": album_id, "publish_status": status })
        }
        Endpoint::Authorize => {
            let targets = f.strings("target_client_key_list")?;
            let results = platform
                .authorize_album(app, f.int("album_id")?, f.int("operate_type")?, targets)
                .await?;
            json!({ "client_key_result_list": results })
        }
        Endpoint::PlayToken => {
            let token = platform.play_token(app, f.int("episode_id")?).await?;
            json!({ "play_auth_token": token, "expires_in": super::PLAY_TOKEN_TTL_SECS })
        }
    })
}

/// `episode_info_list` of an update.
fn episodes(value: &Value) -> Result<Vec<NewEpisode>, ApiError> {
    let Value::Array(items) = value else {
        return Err(invalid("episode_info_list", "must be an array"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(map) = item else {
                return Err(invalid(&format!("episode_info_list[{i}]"), "must be an object"));
            };
            let ep = Fields(map.clone());
            let named = |e: ApiError| ApiError(e.0, e.1, format!("episode_info_list[{i}].{}", e.2));
            let covers = match ep.get("cover_list") {
                None => Vec::new(),
                Some(_) => ep.strings("cover_list").map_err(named)?,
            };
            Ok(NewEpisode {
                episode_id: ep.opt_int("episode_id").map_err(named)?,
                seq: ep.int("seq").map_err(named)?,
                title: ep.string("title").map_err(named)?,
                vid: ep.string("byteplus_vid").map_err(named)?,
                cover_list: covers,
            })
        })
        .collect()
}

/// The one range of a `Range` header against `size`: `Ok(None)` serves the whole file (no
/// header, another unit, several ranges or bad syntax: RFC 9110 lets a server ignore them);
/// `Err(())` is unsatisfiable.
fn byte_range(headers: &HeaderMap, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(a), Ok(b)) if a <= b => (a, b.min(size.saturating_sub(1))),
        (Ok(a), Err(_)) if last.is_empty() => (a, size.saturating_sub(1)),
        (Err(_), Ok(n)) if first.is_empty() && n > 0 => (size.saturating_sub(n), size.saturating_sub(1)),
        (Err(_), Ok(0)) if first.is_empty() => return Err(()),
        _ => return Ok(None),
    };
    if range.0 >= size {
        return Err(());
    }
    Ok(Some(range))
}

async fn serve_video(
    State(platform): State<Platform>,
    Extension(LogId(log_id)): Extension<LogId>,
    Path(vid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (path, size) = match platform.video_file(&vid) {
        Ok(Some(found)) => found,
        Ok(None) => return flat_error(StatusCode::NOT_FOUND, "not_found", &format!("no video {vid}"), &log_id),
        Err(e) => return FlatError::from(e).response(&log_id),
    };
    let range = match byte_range(&headers, size) {
        Ok(range) => range,
        Err(()) => {
            let mut response = flat_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                &format!("video {vid} has {size} bytes"),
                &log_id,
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return response;
        }
    };
    let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
    let len = if size == 0 { 0 } else { end - start + 1 };
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(e) => return flat_error(StatusCode::NOT_FOUND, "not_found", &format!("video {vid} is gone: {e}"), &log_id),
    };
    if start > 0 && file.seek(SeekFrom::Start(start)).await.is_err() {
        return flat_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "cannot seek the video", &log_id);
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file.take(len)));
    let mut response = (
        if range.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        },
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("video/mp4")),
            (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        ],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if range.is_some() {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            headers.insert(header::CONTENT_RANGE, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Result<Option<(u64, u64)>, ()> {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        byte_range(&h, size)
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(range("bytes=90-200", 100), Ok(Some((90, 99))));
        assert_eq!(range("bytes=95-", 100), Ok(Some((95, 99))));
        assert_eq!(range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(range("bytes=-500", 100), Ok(Some((0, 99))));
        assert_eq!(range("bytes=100-", 100), Err(()));
        assert_eq!(range("bytes=-0", 100), Err(()));
        assert_eq!(range("bytes=5-2", 100), Ok(None));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(range("items=0-1", 100), Ok(None));
    }
}
