//! The Media Asset library's files: video upload jobs (fetched from `http(s)://` with a bound on
//! time and size, or read from a `file://` path under the rules below), images, video deletion,
//! and where the bytes live (`<data dir>/media/`, or a temporary dir removed with an in-memory
//! platform). The emulator does not parse the media: any bytes are a video, and a video's
//! duration is what the uploader said (`duration`, seconds; the docs give none) or 0.
//!
//! A `file://` source is read only for a loopback client and, once the server accepts remote
//! hosts (`platform serve --allow-remote`), only under the `--media-dir` it was given, so an
//! upload is never a way to read the machine's files.
//!
//! The numbers the docs do not give are the emulator's. This is the one table of them; every
//! row marked UNCONFIRMED is a choice, the others are the docs' (P) or third-party notes' (S):
//!
//! | field | value | meaning | source |
//! |---|---|---|---|
//! | `upload_status` | 1 / 2 / 3 | processing / done (`vid` set) / failed | S |
//! | `result_type` | 1 / 2 / 3 | registered now (import by `vid`) / async job (by `url`) / rejected | S |
//! | `review_status` | 0 | not submitted (a draft) | UNCONFIRMED |
//! | | 1 | in review | UNCONFIRMED |
//! | | 2 | approved | UNCONFIRMED (S shows 2 beside an online version) |
//! | | 3 | rejected | UNCONFIRMED |
//! | | 4 | withdrawn | UNCONFIRMED |
//! | | 5 | appealing | UNCONFIRMED |
//! | | 6 | appeal approved (playable as approved) | UNCONFIRMED |
//! | | 7 | appeal rejected | UNCONFIRMED |
//! | `publish_status` | 0 / 1 / 2 | never listed / listed / delisted | 0 UNCONFIRMED; 1, 2 as the list/delist `status` (P) |
//! | `album_status` | 1 / 2 / 3 | not released / updating / completed | P |
//! | `operate_type` | 1 / 2 | grant / remove | S |
//! | `auth_status` | 1 / 2 | authorized / removed | S |
//! | `priority_score` | 1 / 2 | urgent / normal | P |
//! | `appeal_item_type` | 1 / 2 | drama / episode | P |
//! | `error.code` | `ok`; `invalid_params` (400), `access_token_invalid` (401), `not_found` (404), `conflict` (409: the version lock, a review state, listing before online), `temporarily_unavailable` (503), `internal_error` (500) | the Media Asset API's codes and HTTP statuses | UNCONFIRMED |
//! | authorisation item `error_code` | `ok`, `not_found`, `invalid_params`, `permission_denied` (another developer's app) | per target app | UNCONFIRMED |
//! | play token lifetime | [`PLAY_TOKEN_TTL_SECS`](crate::PLAY_TOKEN_TTL_SECS) | seconds on the platform clock | UNCONFIRMED |

use std::path::{Path, PathBuf};

use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use tokio::io::AsyncWriteExt;

use super::{ids, Commit, Platform, PlatformError};

/// `upload_status` of a job still fetching.
pub(crate) const UPLOAD_PROCESSING: i64 = 1;
/// `upload_status` of a job whose video is stored: its `vid` is usable.
pub(crate) const UPLOAD_DONE: i64 = 2;
/// `upload_status` of a job that failed; `error` says why.
pub(crate) const UPLOAD_FAILED: i64 = 3;

/// Most videos one delete call takes (the docs: 1 to 20).
pub(crate) const MAX_DELETE: usize = 20;
const MAX_TITLE: usize = 256;

/// Where the media files live. A platform in memory gets a temporary dir, removed with it.
pub(crate) struct MediaRoot {
    dir: PathBuf,
    temporary: bool,
}

impl MediaRoot {
    pub(crate) fn new(data_dir: Option<&Path>) -> MediaRoot {
        match data_dir {
            Some(dir) => MediaRoot {
                dir: dir.join("media"),
                temporary: false,
            },
            None => MediaRoot {
                dir: std::env::temp_dir().join(format!("minihost-media-{}-{}", std::process::id(), ids::random_alphanumeric(12))),
                temporary: true,
            },
        }
    }

    fn video(&self, vid: &str) -> PathBuf {
        self.dir.join("v").join(vid)
    }
}

impl Drop for MediaRoot {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// An int64 id in TikTok's examples' range (`7300000000000000001`), random so ids do not tell
/// how many dramas exist.
pub(crate) fn new_int64_id() -> i64 {
    7_300_000_000_000_000_000 + rand::rng().random_range(0..100_000_000_000_000_000)
}

/// Where an upload's bytes come from, checked against the rules of the module doc.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    Web(url::Url),
    File(PathBuf),
}

/// Who sent an upload: the file rules depend on it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Uploader<'a> {
    pub(crate) client_key: &'a str,
    /// The request came from this machine (a loopback peer under a loopback `Host`).
    pub(crate) loopback: bool,
}

impl Platform {
    /// The checked source of `url` for `uploader`; `field` names it in errors.
    pub(crate) fn media_source(&self, field: &'static str, url: &str, uploader: Uploader<'_>) -> Result<Source, PlatformError> {
        let bad = |why: String| PlatformError::invalid(field, why);
        let parsed = url::Url::parse(url).map_err(|e| bad(format!("{url:?} is not an absolute URL ({e})")))?;
        match parsed.scheme() {
            "http" | "https" => Ok(Source::Web(parsed)),
            "file" => {
                if !uploader.loopback {
                    return Err(bad("a file:// source is accepted only from this machine (a loopback client)".into()));
                }
                let path = parsed
                    .to_file_path()
                    .map_err(|()| bad(format!("{url:?} is not an absolute local path")))?;
                let real = path
                    .canonicalize()
                    .map_err(|e| bad(format!("{} cannot be read: {e}", path.display())))?;
                if !real.is_file() {
                    return Err(bad(format!("{} is not a file", path.display())));
                }
                if self.remote_pairing_allowed() {
                    let inside = self
                        .inner
                        .opts
                        .media_dir
                        .as_ref()
                        .and_then(|d| d.canonicalize().ok())
                        .is_some_and(|d| real.starts_with(d));
                    if !inside {
                        return Err(bad(format!(
                            "{} is outside the media dir; a server that accepts remote hosts reads files only under \
                             `platform serve --media-dir DIR`",
                            path.display()
                        )));
                    }
                }
                Ok(Source::File(real))
            }
            other => Err(bad(format!("scheme {other}: is not supported; use http(s):// or file://"))),
        }
    }

    /// Copies `source` to `dest` within the fetch time and size bounds, answering the size.
    async fn fetch(&self, source: &Source, dest: &Path) -> Result<u64, String> {
        let opts = &self.inner.opts;
        let limit = opts.max_media_bytes;
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let copy = async {
            let mut out = tokio::fs::File::create(dest)
                .await
                .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
            let too_large = || format!("the source is larger than {limit} bytes");
            let size = match source {
                Source::File(path) => {
                    let len = tokio::fs::metadata(path).await.map_err(|e| e.to_string())?.len();
                    if len > limit {
                        return Err(too_large());
                    }
                    let mut file = tokio::fs::File::open(path).await.map_err(|e| e.to_string())?;
                    tokio::io::copy(&mut file, &mut out).await.map_err(|e| e.to_string())?
                }
                Source::Web(url) => {
                    let client = reqwest::Client::builder()
                        .connect_timeout(opts.media_fetch_timeout)
                        .build()
                        .map_err(|e| e.to_string())?;
                    let mut response = client
                        .get(url.clone())
                        .send()
                        .await
                        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
                    if !response.status().is_success() {
                        return Err(format!("{url} answered {}", response.status()));
                    }
                    let mut size = 0u64;
                    while let Some(chunk) = response.chunk().await.map_err(|e| format!("reading {url} failed: {e}"))? {
                        size += chunk.len() as u64;
                        if size > limit {
                            return Err(too_large());
                        }
                        out.write_all(&chunk).await.map_err(|e| e.to_string())?;
                    }
                    size
                }
            };
            out.flush().await.map_err(|e| e.to_string())?;
            Ok(size)
        };
        let result = match tokio::time::timeout(opts.media_fetch_timeout, copy).await {
            Ok(result) => result,
            Err(_) => Err(format!("the source did not finish within {:?}", opts.media_fetch_timeout)),
        };
        if result.is_err() {
            let _ = tokio::fs::remove_file(dest).await;
        }
        result
    }

    /// Records an upload job (`upload_status` 1) and answers its `job_id`; the fetch is
    /// [`Platform::finish_video_upload`]'s.
    pub(crate) fn begin_video_upload(&self, client_key: &str, new: NewVideo) -> Commit<String> {
        let client_key = client_key.to_string();
        let now = self.now();
        self.prepare(|| {
            let title = new.title.trim().to_string();
            if title.is_empty() || title.len() > MAX_TITLE {
                return Err(PlatformError::invalid("title", format!("must be 1 to {MAX_TITLE} bytes")));
            }
            if !(new.duration.is_finite() && new.duration >= 0.0) {
                return Err(PlatformError::invalid("duration", "must be a non-negative number of seconds"));
            }
            let job_id = format!("vod:job:{}", rand::rng().random_range(1_000_000_000u64..10_000_000_000));
            Ok(self.write(move |conn| {
                conn.execute(
                    "INSERT INTO media_videos (job_id, client_key, title, source_url, upload_status, duration, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![job_id, client_key, title, new.url, UPLOAD_PROCESSING, new.duration, now],
                )?;
                Ok(job_id)
            }))
        })
    }

    /// Fetches the job's source into the media dir and marks the job done with a new `vid`, or
    /// failed with the reason. Answers the job as it ended.
    pub(crate) async fn finish_video_upload(&self, job_id: &str, source: Source) -> Result<VideoJob, PlatformError> {
        let vid = format!("v0d000{}", ids::random_alphanumeric(26).to_ascii_lowercase());
        let path = self.inner.media.video(&vid);
        let fetched = self.fetch(&source, &path).await;
        if let Err(why) = &fetched {
            tracing::warn!(target: "minihost::platform", job_id, why, "a video upload failed");
        }
        let job = job_id.to_string();
        self.write(move |conn| {
            match &fetched {
                Ok(size) => conn.execute(
                    "UPDATE media_videos SET upload_status = ?2, vid = ?3, size = ?4 WHERE job_id = ?1",
                    params![job, UPLOAD_DONE, vid, *size as i64],
                )?,
                Err(why) => conn.execute(
                    "UPDATE media_videos SET upload_status = ?2, error = ?3 WHERE job_id = ?1",
                    params![job, UPLOAD_FAILED, why],
                )?,
            };
            Ok::<_, PlatformError>(())
        })
        .await?;
        let job = self.video_job(None, Some(job_id), None)?;
        job.ok_or_else(|| PlatformError::not_found("upload job", job_id))
    }

    /// A job of `client_key` (any app's when `None`) by `vid`, which wins, or by `job_id`.
    pub(crate) fn video_job(
        &self,
        client_key: Option<&str>,
        job_id: Option<&str>,
        vid: Option<&str>,
    ) -> Result<Option<VideoJob>, PlatformError> {
        let (column, key) = match (vid, job_id) {
            (Some(vid), _) => ("vid", vid),
            (None, Some(job)) => ("job_id", job),
            (None, None) => return Err(PlatformError::invalid("job_id", "job_id or vid is required")),
        };
        let job = self.inner.store.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM media_videos WHERE {column} = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR client_key = ?2)"
            ))?
            .query_row(params![key, client_key], job_from_row)
            .optional()
        })?;
        Ok(job)
    }

    /// The stored file and size of a usable video.
    pub(crate) fn video_file(&self, vid: &str) -> Result<Option<(PathBuf, u64)>, PlatformError> {
        Ok(self
            .video_job(None, None, Some(vid))?
            .filter(|j| j.upload_status == UPLOAD_DONE)
            .map(|j| (self.inner.media.video(vid), j.size)))
    }

    /// Deletes each of `vids` the app owns, except those an online version plays; answers one
    /// result per vid (a partial success is a success). The bytes go with the row.
    pub(crate) fn delete_videos(&self, client_key: &str, vids: Vec<String>) -> Commit<Vec<Deleted>> {
        let client_key = client_key.to_string();
        let now = self.now();
        let files: Vec<PathBuf> = vids.iter().map(|v| self.inner.media.video(v)).collect();
        self.prepare(|| {
            if vids.is_empty() || vids.len() > MAX_DELETE {
                return Err(PlatformError::invalid("vid_list", format!("must have 1 to {MAX_DELETE} vids")));
            }
            for (i, vid) in vids.iter().enumerate() {
                if vid.trim().is_empty() {
                    return Err(PlatformError::invalid("vid_list", format!("item {i} is empty")));
                }
                if vids[..i].contains(vid) {
                    return Err(PlatformError::invalid("vid_list", format!("{vid} is listed twice")));
                }
            }
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                let results = vids
                    .into_iter()
                    .zip(files)
                    .map(|(vid, file)| delete_one(&tx, &client_key, vid, &file, now))
                    .collect::<Result<Vec<_>, PlatformError>>()?;
                tx.commit()?;
                Ok(results)
            }))
        })
    }

    /// Fetches an image (a drama or episode cover) and answers its `open_pic_id`.
    pub(crate) async fn upload_image(&self, client_key: &str, source: Source, source_url: String) -> Result<String, PlatformError> {
        let open_pic_id = hex::encode(rand::rng().random::<[u8; 16]>());
        let path = self.inner.media.dir.join("i").join(&open_pic_id);
        let size = self
            .fetch(&source, &path)
            .await
            .map_err(|why| PlatformError::invalid("image_url", why))?;
        let (client_key, id, now) = (client_key.to_string(), open_pic_id.clone(), self.now());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO media_images (open_pic_id, client_key, source_url, size, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, client_key, source_url, size as i64, now],
            )
        })
        .await?;
        Ok(open_pic_id)
    }
}

fn delete_one(conn: &Connection, client_key: &str, vid: String, file: &Path, now: i64) -> Result<Deleted, PlatformError> {
    let owned: Option<String> = conn
        .query_row(
            "SELECT client_key FROM media_videos WHERE vid = ?1 AND deleted_at IS NULL",
            [&vid],
            |r| r.get(0),
        )
        .optional()?;
    let refusal = if owned.as_deref() != Some(client_key) {
        Some(format!("no video {vid} of this app"))
    } else if online_album_playing(conn, &vid)?.is_some() {
        Some(format!(
            "video {vid} is played by an online version; set another online version first"
        ))
    } else {
        None
    };
    if let Some(message) = refusal {
        return Ok(Deleted {
            vid,
            deleted: false,
            message,
        });
    }
    conn.execute("UPDATE media_videos SET deleted_at = ?2 WHERE vid = ?1", params![vid, now])?;
    // The row is what makes a vid usable; a file left behind by a failed removal is only space.
    let _ = std::fs::remove_file(file);
    Ok(Deleted {
        vid,
        deleted: true,
        message: String::new(),
    })
}

/// The album whose online version plays `vid`, if one does.
pub(crate) fn online_album_playing(conn: &Connection, vid: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT a.album_id FROM albums a JOIN album_episodes e ON e.album_id = a.album_id AND e.version = a.online_version \
         WHERE e.vid = ?1 LIMIT 1",
        [vid],
        |r| r.get(0),
    )
    .optional()
}

/// A video to upload by URL.
#[derive(Clone, Debug)]
pub(crate) struct NewVideo {
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) duration: f64,
}

/// An upload job and, once done, its video.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct VideoJob {
    pub(crate) job_id: String,
    pub(crate) vid: Option<String>,
    pub(crate) client_key: String,
    pub(crate) title: String,
    pub(crate) upload_status: i64,
    pub(crate) size: u64,
    pub(crate) duration: f64,
    pub(crate) error: Option<String>,
}

const JOB_COLUMNS: &str = "job_id, vid, client_key, title, upload_status, size, duration, error";

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<VideoJob> {
    Ok(VideoJob {
        job_id: r.get(0)?,
        vid: r.get(1)?,
        client_key: r.get(2)?,
        title: r.get(3)?,
        upload_status: r.get(4)?,
        size: r.get::<_, i64>(5)?.max(0) as u64,
        duration: r.get(6)?,
        error: r.get(7)?,
    })
}

/// One item of a delete's `result_list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Deleted {
    pub(crate) vid: String,
    pub(crate) deleted: bool,
    pub(crate) message: String,
}
