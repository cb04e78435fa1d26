//! Mini dramas (albums) of the Media Asset library: versions made by each update under an
//! optimistic `version` lock, review decided locally (submit, withdraw, appeal, and the admin's
//! approve or reject), the online version, listing, authorising other apps, each app's BytePlus
//! binding, play tokens for old clients, and the playback decision the host asks for each
//! episode ([`Platform::playback_decision`]). The numbers are those of the table in
//! `media_assets`. Authorisation takes effect at once (TikTok says within 30 minutes).
//!
//! Apps are bound to a BytePlus account by default: an emulated app has nothing to connect, and
//! unbinding one (`/__admin/apps/byteplus`, `minihost platform app byteplus`) shows the refusal.

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::media_assets::{new_int64_id, UPLOAD_DONE};
use super::{ids, Commit, Platform, PlatformError};

/// Most episodes in one version (the update page).
pub const MAX_EPISODES: usize = 400;
/// Seconds a play token lives (UNCONFIRMED: the docs say only "a limited time").
pub const PLAY_TOKEN_TTL_SECS: u64 = 1_800;
/// The first TikTok version whose player fetches playback info itself; older ones need a play
/// token (`canIUse('getDramaInfo')`).
pub const PLAY_TOKEN_MIN_CLIENT: ClientVersion = ClientVersion(44, 5, 0);

const DRAFT: i64 = 0;
const IN_REVIEW: i64 = 1;
const APPROVED: i64 = 2;
const REJECTED: i64 = 3;
const WITHDRAWN: i64 = 4;
const APPEALING: i64 = 5;
const APPEAL_APPROVED: i64 = 6;
const APPEAL_REJECTED: i64 = 7;
const NEVER_LISTED: i64 = 0;
const LISTED: i64 = 1;
const DELISTED: i64 = 2;
const MAX_REASONS: usize = 20;
const MAX_TEXT: usize = 2_000;

/// A TikTok client version, `X.Y.Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClientVersion(pub u32, pub u32, pub u32);

impl FromStr for ClientVersion {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<ClientVersion, PlatformError> {
        let parts: Vec<u32> = s.split('.').map(str::parse).collect::<Result<_, _>>().unwrap_or_default();
        match parts[..] {
            [x, y, z] => Ok(ClientVersion(x, y, z)),
            _ => Err(PlatformError::invalid("client_version", format!("{s:?} is not X.Y.Z"))),
        }
    }
}

impl fmt::Display for ClientVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// An admin's review decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewDecision {
    Approve,
    Reject,
}

/// An episode the host may play: what the player needs, and where the bytes are served.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Playback {
    pub album_id: i64,
    pub episode_id: i64,
    pub version: i64,
    pub vid: String,
    /// The path of the video on this platform's server (`/__media/v/{vid}`, byte ranges).
    pub media_path: String,
    pub size: u64,
    /// Seconds, as the uploader gave it (0 when not given).
    pub duration: f64,
}

/// Why an episode does not play.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    NotFound,
    NotReviewed,
    Rejected,
    NotOnlineVersion,
    Delisted,
    NotAuthorised,
    NoBytePlusBinding,
    PlayTokenMissing,
    PlayTokenInvalid,
    /// The platform could not read its data.
    PlatformError,
}

impl RefusalReason {
    pub fn name(self) -> &'static str {
        match self {
            RefusalReason::NotFound => "not_found",
            RefusalReason::NotReviewed => "not_reviewed",
            RefusalReason::Rejected => "rejected",
            RefusalReason::NotOnlineVersion => "not_online_version",
            RefusalReason::Delisted => "delisted",
            RefusalReason::NotAuthorised => "not_authorised",
            RefusalReason::NoBytePlusBinding => "no_byteplus_binding",
            RefusalReason::PlayTokenMissing => "play_token_missing",
            RefusalReason::PlayTokenInvalid => "play_token_invalid",
            RefusalReason::PlatformError => "platform_error",
        }
    }
}

/// A refused playback: the reason and a message that names the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub message: String,
}

impl Refusal {
    fn new(reason: RefusalReason, message: impl Into<String>) -> Refusal {
        Refusal {
            reason,
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for Refusal {
    fn from(e: rusqlite::Error) -> Refusal {
        Refusal::new(RefusalReason::PlatformError, format!("the platform cannot read its data: {e}"))
    }
}

/// An album, every version with its episodes, in the Query a Mini Drama shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct AlbumView {
    pub(crate) album_id: i64,
    #[serde(skip)]
    pub(crate) client_key: String,
    pub(crate) current_version: i64,
    pub(crate) online_version: Option<i64>,
    pub(crate) publish_status: i64,
    pub(crate) album_version_list: Vec<VersionView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct VersionView {
    pub(crate) version: i64,
    pub(crate) review_status: i64,
    pub(crate) review_id: Option<i64>,
    pub(crate) album_info: Value,
    pub(crate) review_fail_reasons: Vec<String>,
    pub(crate) appeal_reason: Option<String>,
    pub(crate) episode_info_list: Vec<EpisodeView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub(crate) struct EpisodeView {
    pub(crate) episode_id: i64,
    pub(crate) seq: i64,
    pub(crate) title: String,
    pub(crate) byteplus_vid: String,
    pub(crate) cover_list: Vec<String>,
}

/// An episode of an update; `episode_id` keeps the id of an episode of an earlier version.
#[derive(Clone, Debug)]
pub(crate) struct NewEpisode {
    pub(crate) episode_id: Option<i64>,
    pub(crate) seq: i64,
    pub(crate) title: String,
    pub(crate) vid: String,
    pub(crate) cover_list: Vec<String>,
}

/// One call of Update a Mini Drama: a new version. Absent parts are the latest version's.
#[derive(Clone, Debug)]
pub(crate) struct AlbumUpdate {
    pub(crate) album_id: i64,
    /// The latest version the caller knows (0 before the first update): the optimistic lock.
    pub(crate) version: i64,
    pub(crate) album_info: Option<Map<String, Value>>,
    pub(crate) episodes: Option<Vec<NewEpisode>>,
}

/// What an update made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Updated {
    pub(crate) album_id: i64,
    pub(crate) version: i64,
    pub(crate) episode_id_map: Map<String, Value>,
    pub(crate) album_status: Value,
    pub(crate) publish_status: i64,
}

/// One item of an authorisation's `client_key_result_list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct AuthResult {
    pub(crate) client_key: String,
    pub(crate) auth_status: Option<i64>,
    pub(crate) error_code: String,
    pub(crate) error_message: String,
}

struct AlbumRow {
    client_key: String,
    online_version: Option<i64>,
    publish_status: i64,
}

fn album_row(conn: &Connection, album_id: i64) -> rusqlite::Result<Option<AlbumRow>> {
    conn.prepare_cached("SELECT client_key, online_version, publish_status FROM albums WHERE album_id = ?1")?
        .query_row([album_id], |r| {
            Ok(AlbumRow {
                client_key: r.get(0)?,
                online_version: r.get(1)?,
                publish_status: r.get(2)?,
            })
        })
        .optional()
}

/// The album if `client_key` owns it; another app's album is not found, as if it did not exist.
fn owned(conn: &Connection, client_key: &str, album_id: i64) -> Result<AlbumRow, PlatformError> {
    album_row(conn, album_id)?
        .filter(|a| a.client_key == client_key)
        .ok_or_else(|| PlatformError::not_found("album of this app", album_id))
}

fn latest_version(conn: &Connection, album_id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM album_versions WHERE album_id = ?1",
        [album_id],
        |r| r.get(0),
    )
}

fn version_status(conn: &Connection, album_id: i64, version: i64) -> Result<i64, PlatformError> {
    conn.query_row(
        "SELECT review_status FROM album_versions WHERE album_id = ?1 AND version = ?2",
        [album_id, version],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| PlatformError::not_found("version", format!("{version} of album {album_id}")))
}

fn status_name(status: i64) -> &'static str {
    match status {
        DRAFT => "not submitted",
        IN_REVIEW => "in review",
        APPROVED => "approved",
        REJECTED => "rejected",
        WITHDRAWN => "withdrawn",
        APPEALING => "appealing",
        APPEAL_APPROVED => "approved on appeal",
        _ => "rejected on appeal",
    }
}

/// Moves `version` from one of `from` to `to`, or says which state it is in.
fn transition(conn: &Connection, album_id: i64, version: i64, from: &[i64], to: i64, doing: &str) -> Result<(), PlatformError> {
    let status = version_status(conn, album_id, version)?;
    if !from.contains(&status) {
        return Err(PlatformError::Conflict(format!(
            "album {album_id} version {version} is {}; cannot {doing}",
            status_name(status)
        )));
    }
    conn.execute(
        "UPDATE album_versions SET review_status = ?3 WHERE album_id = ?1 AND version = ?2",
        params![album_id, version, to],
    )?;
    Ok(())
}

fn episodes_of(conn: &Connection, album_id: i64, version: i64) -> rusqlite::Result<Vec<EpisodeView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT episode_id, seq, title, vid, cover_list FROM album_episodes WHERE album_id = ?1 AND version = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map([album_id, version], |r| {
        let covers: String = r.get(4)?;
        Ok(EpisodeView {
            episode_id: r.get(0)?,
            seq: r.get(1)?,
            title: r.get(2)?,
            byteplus_vid: r.get(3)?,
            cover_list: serde_json::from_str(&covers).unwrap_or_default(),
        })
    })?;
    rows.collect()
}

fn check_text(field: &'static str, text: &str) -> Result<(), PlatformError> {
    if text.trim().is_empty() || text.len() > MAX_TEXT {
        return Err(PlatformError::invalid(field, format!("must be 1 to {MAX_TEXT} bytes")));
    }
    Ok(())
}

/// Checks an update's parts that need no database.
fn check_update(update: &AlbumUpdate) -> Result<(), PlatformError> {
    if let Some(info) = &update.album_info {
        if let Some(title) = info.get("title") {
            check_text("album_info.title", title.as_str().unwrap_or_default())?;
        }
        if let Some(status) = info.get("album_status") {
            if !status.as_i64().is_some_and(|s| (1..=3).contains(&s)) {
                return Err(PlatformError::invalid("album_info.album_status", "must be 1, 2 or 3"));
            }
        }
    }
    let Some(episodes) = &update.episodes else {
        return Ok(());
    };
    if episodes.len() > MAX_EPISODES {
        return Err(PlatformError::invalid(
            "episode_info_list",
            format!("has {} episodes; a version holds at most {MAX_EPISODES}", episodes.len()),
        ));
    }
    for (i, ep) in episodes.iter().enumerate() {
        if ep.seq < 1 || episodes[..i].iter().any(|e| e.seq == ep.seq) {
            return Err(PlatformError::invalid(
                "episode_info_list",
                format!("item {i}: seq must be a positive number used once"),
            ));
        }
        if ep.episode_id.is_some() && episodes[..i].iter().any(|e| e.episode_id == ep.episode_id) {
            return Err(PlatformError::invalid(
                "episode_info_list",
                format!("item {i}: episode_id is used twice"),
            ));
        }
        check_text("episode_info_list.title", &ep.title)?;
    }
    Ok(())
}

/// Writes a new version of an owned album after the lock check; see [`AlbumUpdate`].
fn insert_version(conn: &Connection, client_key: &str, update: AlbumUpdate, now: i64) -> Result<Updated, PlatformError> {
    let album = owned(conn, client_key, update.album_id)?;
    let album_id = update.album_id;
    let latest = latest_version(conn, album_id)?;
    if update.version != latest {
        return Err(PlatformError::Conflict(format!(
            "album {album_id} is at version {latest}, not {}; query it and update from version {latest}",
            update.version
        )));
    }
    let info = match update.album_info {
        Some(info) => info,
        None if latest > 0 => {
            let stored: String = conn.query_row(
                "SELECT album_info FROM album_versions WHERE album_id = ?1 AND version = ?2",
                [album_id, latest],
                |r| r.get(0),
            )?;
            serde_json::from_str(&stored).unwrap_or_default()
        }
        None => return Err(PlatformError::invalid("album_info", "is required on the first update of a drama")),
    };
    if latest == 0 && !info.contains_key("title") {
        return Err(PlatformError::invalid(
            "album_info.title",
            "is required on the first update of a drama",
        ));
    }
    let episodes = match update.episodes {
        Some(list) => list,
        None => episodes_of(conn, album_id, latest)?
            .into_iter()
            .map(|e| NewEpisode {
                episode_id: Some(e.episode_id),
                seq: e.seq,
                title: e.title,
                vid: e.byteplus_vid,
                cover_list: e.cover_list,
            })
            .collect(),
    };
    let version = latest + 1;
    conn.execute(
        "INSERT INTO album_versions (album_id, version, album_info, review_status, review_reasons, created_at) \
         VALUES (?1, ?2, ?3, ?4, '[]', ?5)",
        params![album_id, version, Value::Object(info.clone()).to_string(), DRAFT, now],
    )?;
    let mut map = Map::new();
    for ep in episodes {
        let usable: Option<i64> = conn
            .query_row(
                "SELECT upload_status FROM media_videos WHERE vid = ?1 AND client_key = ?2 AND deleted_at IS NULL",
                [&ep.vid, client_key],
                |r| r.get(0),
            )
            .optional()?;
        if usable != Some(UPLOAD_DONE) {
            return Err(PlatformError::invalid(
                "episode_info_list.byteplus_vid",
                format!("{:?} (seq {}) is not a video this app uploaded (upload_status 2)", ep.vid, ep.seq),
            ));
        }
        for pic in &ep.cover_list {
            let known: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM media_images WHERE open_pic_id = ?1 AND client_key = ?2)",
                [pic, client_key],
                |r| r.get(0),
            )?;
            if !known {
                return Err(PlatformError::invalid(
                    "episode_info_list.cover_list",
                    format!("{pic:?} is not an image this app uploaded"),
                ));
            }
        }
        let episode_id = match ep.episode_id {
            Some(id) => {
                let ours: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM album_episodes WHERE album_id = ?1 AND episode_id = ?2)",
                    [album_id, id],
                    |r| r.get(0),
                )?;
                if !ours {
                    return Err(PlatformError::invalid(
                        "episode_info_list.episode_id",
                        format!("{id} is no episode of album {album_id}"),
                    ));
                }
                id
            }
            None => new_int64_id(),
        };
        conn.execute(
            "INSERT INTO album_episodes (album_id, version, episode_id, seq, title, vid, cover_list) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                album_id,
                version,
                episode_id,
                ep.seq,
                ep.title,
                ep.vid,
                json!(ep.cover_list).to_string()
            ],
        )?;
        map.insert(format!("seq_{}", ep.seq), json!(episode_id));
    }
    Ok(Updated {
        album_id,
        version,
        episode_id_map: map,
        album_status: info.get("album_status").cloned().unwrap_or(Value::Null),
        publish_status: album.publish_status,
    })
}

impl Platform {
    /// A new, empty drama owned by `client_key`.
    pub(crate) fn create_album(&self, client_key: &str) -> Commit<i64> {
        let (client_key, now) = (client_key.to_string(), self.now());
        self.write(move |conn| {
            let album_id = new_int64_id();
            conn.execute(
                "INSERT INTO albums (album_id, client_key, publish_status, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![album_id, client_key, NEVER_LISTED, now],
            )?;
            Ok(album_id)
        })
    }

    /// Update a Mini Drama: a new version (see [`AlbumUpdate`]), atomic.
    pub(crate) fn update_album(&self, client_key: &str, update: AlbumUpdate) -> Commit<Updated> {
        let (client_key, now) = (client_key.to_string(), self.now());
        self.prepare(|| {
            check_update(&update)?;
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                let updated = insert_version(&tx, &client_key, update, now)?;
                tx.commit()?;
                Ok(updated)
            }))
        })
    }

    /// Query a Mini Drama: one version, or all when `version` is `None`.
    pub(crate) fn album(&self, client_key: &str, album_id: i64, version: Option<i64>) -> Result<AlbumView, PlatformError> {
        self.inner.store.read(|conn| {
            let album = owned(conn, client_key, album_id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT version, review_status, review_id, album_info, review_reasons, appeal_reason FROM album_versions \
                 WHERE album_id = ?1 AND (?2 IS NULL OR version = ?2) ORDER BY version",
            )?;
            let rows = stmt.query_map(params![album_id, version], |r| {
                let info: String = r.get(3)?;
                let reasons: String = r.get(4)?;
                Ok(VersionView {
                    version: r.get(0)?,
                    review_status: r.get(1)?,
                    review_id: r.get(2)?,
                    album_info: serde_json::from_str(&info).unwrap_or(Value::Null),
                    review_fail_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                    appeal_reason: r.get(5)?,
                    episode_info_list: Vec::new(),
                })
            })?;
            let mut versions = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            if version.is_some() && versions.is_empty() {
                return Err(PlatformError::not_found(
                    "version",
                    format!("{} of album {album_id}", version.unwrap_or(0)),
                ));
            }
            for v in &mut versions {
                v.episode_info_list = episodes_of(conn, album_id, v.version)?;
            }
            Ok(AlbumView {
                album_id,
                current_version: latest_version(conn, album_id)?,
                client_key: album.client_key,
                online_version: album.online_version,
                publish_status: album.publish_status,
                album_version_list: versions,
            })
        })
    }

    /// Submit for review: a draft or withdrawn version goes in review; answers its `review_id`.
    pub(crate) fn submit_review(&self, client_key: &str, album_id: i64, version: i64) -> Commit<i64> {
        let client_key = client_key.to_string();
        self.write(move |conn| {
            let tx = conn.savepoint()?;
            owned(&tx, &client_key, album_id)?;
            transition(&tx, album_id, version, &[DRAFT, WITHDRAWN], IN_REVIEW, "submit it for review")?;
            let review_id = new_int64_id();
            tx.execute(
                "UPDATE album_versions SET review_id = ?3, review_reasons = '[]' WHERE album_id = ?1 AND version = ?2",
                params![album_id, version, review_id],
            )?;
            tx.commit()?;
            Ok(review_id)
        })
    }

    /// Withdraw a review: only a version in review.
    pub(crate) fn withdraw_review(&self, client_key: &str, album_id: i64, version: i64) -> Commit<()> {
        let client_key = client_key.to_string();
        self.write(move |conn| {
            owned(conn, &client_key, album_id)?;
            transition(
                conn,
                album_id,
                version,
                &[IN_REVIEW],
                WITHDRAWN,
                "withdraw it (only a version in review can be)",
            )
        })
    }

    /// Appeal a rejection of the version reviewed as `review_id`; `item_id` is the album
    /// (`item_type` 1) or one of the version's episodes (2).
    pub(crate) fn appeal_review(&self, client_key: &str, album_id: i64, review_id: i64, item: (i64, i64), reason: String) -> Commit<()> {
        let client_key = client_key.to_string();
        self.prepare(|| {
            check_text("appeal_reason", &reason)?;
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                owned(&tx, &client_key, album_id)?;
                let version: i64 = tx
                    .query_row(
                        "SELECT version FROM album_versions WHERE album_id = ?1 AND review_id = ?2",
                        [album_id, review_id],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| PlatformError::not_found("review", review_id))?;
                let item_ok = match item {
                    (1, id) => id == album_id,
                    (2, id) => episodes_of(&tx, album_id, version)?.iter().any(|e| e.episode_id == id),
                    _ => return Err(PlatformError::invalid("appeal_item_type", "must be 1 (drama) or 2 (episode)")),
                };
                if !item_ok {
                    return Err(PlatformError::invalid(
                        "item_id",
                        format!("{} is not the drama or an episode of its version {version}", item.1),
                    ));
                }
                transition(
                    &tx,
                    album_id,
                    version,
                    &[REJECTED],
                    APPEALING,
                    "appeal (only a rejected version can be)",
                )?;
                tx.execute(
                    "UPDATE album_versions SET appeal_reason = ?3 WHERE album_id = ?1 AND version = ?2",
                    params![album_id, version, reason],
                )?;
                tx.commit()?;
                Ok(())
            }))
        })
    }

    /// The local reviewer's decision on a version in review or appealing. Answers the new
    /// `review_status`.
    pub fn decide_review(&self, album_id: i64, version: i64, decision: ReviewDecision, reasons: Vec<String>) -> Commit<i64> {
        self.prepare(|| {
            if reasons.len() > MAX_REASONS {
                return Err(PlatformError::invalid("reasons", format!("at most {MAX_REASONS}")));
            }
            for reason in &reasons {
                check_text("reasons", reason)?;
            }
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                album_row(&tx, album_id)?.ok_or_else(|| PlatformError::not_found("album", album_id))?;
                let status = version_status(&tx, album_id, version)?;
                let to = match (status, decision) {
                    (IN_REVIEW, ReviewDecision::Approve) => APPROVED,
                    (IN_REVIEW, ReviewDecision::Reject) => REJECTED,
                    (APPEALING, ReviewDecision::Approve) => APPEAL_APPROVED,
                    (APPEALING, ReviewDecision::Reject) => APPEAL_REJECTED,
                    _ => {
                        return Err(PlatformError::Conflict(format!(
                            "album {album_id} version {version} is {}; only a version in review or appealing is decided \
                             (submit it with POST /v2/sg/shortdrama/album/review/submit/)",
                            status_name(status)
                        )))
                    }
                };
                tx.execute(
                    "UPDATE album_versions SET review_status = ?3, review_reasons = ?4 WHERE album_id = ?1 AND version = ?2",
                    params![album_id, version, to, json!(reasons).to_string()],
                )?;
                tx.commit()?;
                Ok(to)
            }))
        })
    }

    /// Set the online version: an approved version whose videos all still exist.
    pub(crate) fn set_online_version(&self, client_key: &str, album_id: i64, version: i64) -> Commit<()> {
        let client_key = client_key.to_string();
        self.write(move |conn| {
            owned(conn, &client_key, album_id)?;
            let status = version_status(conn, album_id, version)?;
            if status != APPROVED && status != APPEAL_APPROVED {
                return Err(PlatformError::Conflict(format!(
                    "album {album_id} version {version} is {}; only an approved version can go online",
                    status_name(status)
                )));
            }
            let gone: Vec<String> = episodes_of(conn, album_id, version)?
                .into_iter()
                .filter(|e| !video_usable(conn, &e.byteplus_vid).unwrap_or(false))
                .map(|e| e.byteplus_vid)
                .collect();
            if !gone.is_empty() {
                return Err(PlatformError::Conflict(format!(
                    "the videos {} of version {version} were deleted",
                    gone.join(", ")
                )));
            }
            conn.execute(
                "UPDATE albums SET online_version = ?2 WHERE album_id = ?1",
                params![album_id, version],
            )?;
            Ok(())
        })
    }

    /// List (1) or delist (2); listing needs an online version.
    pub(crate) fn set_album_status(&self, client_key: &str, album_id: i64, status: i64) -> Commit<i64> {
        let client_key = client_key.to_string();
        self.prepare(|| {
            if status != LISTED && status != DELISTED {
                return Err(PlatformError::invalid("status", "must be 1 (listed) or 2 (delisted)"));
            }
            Ok(self.write(move |conn| {
                let album = owned(conn, &client_key, album_id)?;
                if status == LISTED && album.online_version.is_none() {
                    return Err(PlatformError::Conflict(format!(
                        "album {album_id} has no online version; set one with POST /v2/sg/shortdrama/album/online_version/ before listing"
                    )));
                }
                conn.execute(
                    "UPDATE albums SET publish_status = ?2 WHERE album_id = ?1",
                    params![album_id, status],
                )?;
                Ok(status)
            }))
        })
    }

    /// Grants (`operate_type` 1) or removes (2) other apps' right to play the album; an app of
    /// another developer is refused item by item.
    pub(crate) fn authorize_album(
        &self,
        client_key: &str,
        album_id: i64,
        operate_type: i64,
        targets: Vec<String>,
    ) -> Commit<Vec<AuthResult>> {
        let client_key = client_key.to_string();
        self.prepare(|| {
            if operate_type != 1 && operate_type != 2 {
                return Err(PlatformError::invalid("operate_type", "must be 1 (grant) or 2 (remove)"));
            }
            if targets.is_empty() || targets.len() > 100 {
                return Err(PlatformError::invalid("target_client_key_list", "must have 1 to 100 client keys"));
            }
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                owned(&tx, &client_key, album_id)?;
                let developer_of = |key: &str| -> rusqlite::Result<Option<String>> {
                    tx.query_row("SELECT developer FROM apps WHERE client_key = ?1", [key], |r| r.get(0))
                        .optional()
                };
                let owner_developer = developer_of(&client_key)?;
                let mut results = Vec::new();
                for target in targets {
                    let refused = match developer_of(&target)? {
                        None => Some(("not_found", format!("no app {target}"))),
                        Some(_) if target == client_key => Some(("invalid_params", "the owner needs no authorisation".into())),
                        Some(d) if Some(&d) != owner_developer.as_ref() => {
                            Some(("permission_denied", format!("app {target} belongs to another developer ({d})")))
                        }
                        Some(_) => None,
                    };
                    if let Some((code, message)) = refused {
                        results.push(AuthResult {
                            client_key: target,
                            auth_status: None,
                            error_code: code.into(),
                            error_message: message,
                        });
                        continue;
                    }
                    let sql = if operate_type == 1 {
                        "INSERT OR IGNORE INTO album_grants (album_id, client_key) VALUES (?1, ?2)"
                    } else {
                        "DELETE FROM album_grants WHERE album_id = ?1 AND client_key = ?2"
                    };
                    tx.execute(sql, params![album_id, target])?;
                    results.push(AuthResult {
                        client_key: target,
                        auth_status: Some(operate_type),
                        error_code: "ok".into(),
                        error_message: String::new(),
                    });
                }
                tx.commit()?;
                Ok(results)
            }))
        })
    }

    /// Binds or unbinds an app's BytePlus account. Answers the app's new state.
    pub fn set_byteplus_binding(&self, client_key: &str, bound: bool) -> Commit<bool> {
        let client_key = client_key.to_string();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE apps SET byteplus_bound = ?2 WHERE client_key = ?1",
                params![client_key, bound],
            )?;
            if changed == 0 {
                return Err(PlatformError::not_found("app", &client_key));
            }
            Ok(bound)
        })
    }

    /// A play token for an old client, for an episode `client_key` may play now (everything
    /// but the token is checked).
    pub(crate) fn play_token(&self, client_key: &str, episode_id: i64) -> Commit<String> {
        let now = self.now();
        self.prepare(|| {
            let album_id: Option<i64> = self.inner.store.read(|conn| {
                conn.query_row(
                    "SELECT album_id FROM album_episodes WHERE episode_id = ?1 LIMIT 1",
                    [episode_id],
                    |r| r.get(0),
                )
                .optional()
            })?;
            let album_id = album_id.ok_or_else(|| PlatformError::not_found("episode", episode_id))?;
            self.playback_decision(client_key, album_id, episode_id, None, None)
                .map_err(|refusal| PlatformError::Conflict(refusal.message))?;
            let token = format!("pat.{}", ids::random_alphanumeric(40));
            let client_key = client_key.to_string();
            let expires_at = now.saturating_add(PLAY_TOKEN_TTL_SECS as i64);
            Ok(self.write(move |conn| {
                conn.execute(
                    "INSERT INTO play_tokens (token, client_key, episode_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![token, client_key, episode_id, expires_at],
                )?;
                Ok(token)
            }))
        })
    }

    /// Whether `client_key` may play `episode_id` of `album_id` now, as TikTok's player
    /// decides: the drama exists, the app owns it or was authorised, the app has a BytePlus
    /// binding, the episode is in the online version (approved), the drama is listed, and, for a
    /// client older than [`PLAY_TOKEN_MIN_CLIENT`], a live play token of this app and episode.
    /// `client_version` `None` is the newest client.
    pub fn playback_decision(
        &self,
        client_key: &str,
        album_id: i64,
        episode_id: i64,
        play_token: Option<&str>,
        client_version: Option<ClientVersion>,
    ) -> Result<Playback, Refusal> {
        let now = self.now();
        let token_needed = client_version.is_some_and(|v| v < PLAY_TOKEN_MIN_CLIENT);
        let req = PlaybackRequest {
            client_key,
            album_id,
            episode_id,
            play_token: play_token.filter(|_| token_needed),
            token_needed,
            now,
        };
        self.inner.store.read(|conn| decide(conn, &req))
    }
}

fn video_usable(conn: &Connection, vid: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM media_videos WHERE vid = ?1 AND upload_status = ?2 AND deleted_at IS NULL)",
        params![vid, UPLOAD_DONE],
        |r| r.get(0),
    )
}

struct PlaybackRequest<'a> {
    client_key: &'a str,
    album_id: i64,
    episode_id: i64,
    play_token: Option<&'a str>,
    token_needed: bool,
    now: i64,
}

const REVIEW_HINT: &str = "approve it with `minihost platform drama review ALBUM VERSION --approve`";

fn decide(conn: &Connection, req: &PlaybackRequest<'_>) -> Result<Playback, Refusal> {
    use RefusalReason as R;
    let (album_id, episode_id, client_key) = (req.album_id, req.episode_id, req.client_key);
    let album = album_row(conn, album_id)?.ok_or_else(|| {
        Refusal::new(
            R::NotFound,
            format!(
                "album {album_id} does not exist; create it with POST /v2/sg/shortdrama/album/create/ or `minihost platform drama import`"
            ),
        )
    })?;
    let granted: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM album_grants WHERE album_id = ?1 AND client_key = ?2)",
        params![album_id, client_key],
        |r| r.get(0),
    )?;
    if album.client_key != client_key && !granted {
        return Err(Refusal::new(
            R::NotAuthorised,
            format!(
                "app {client_key} neither owns album {album_id} (app {} does) nor was authorised; the owner grants it with \
                 POST /v2/sg/shortdrama/album/authorize/",
                album.client_key
            ),
        ));
    }
    let bound: Option<bool> = conn
        .query_row("SELECT byteplus_bound FROM apps WHERE client_key = ?1", [client_key], |r| r.get(0))
        .optional()?;
    if bound != Some(true) {
        return Err(Refusal::new(
            R::NoBytePlusBinding,
            format!(
                "app {client_key} has no BytePlus account bound; bind it with `minihost platform app byteplus --client-key {client_key}` \
                 or POST /__admin/apps/byteplus"
            ),
        ));
    }
    // The version that plays it: the online one, else the newest that has the episode.
    let holder = |online_only: bool| -> rusqlite::Result<Option<(i64, i64, String)>> {
        conn.query_row(
            "SELECT v.version, v.review_status, e.vid FROM album_episodes e JOIN album_versions v \
             ON v.album_id = e.album_id AND v.version = e.version \
             WHERE e.album_id = ?1 AND e.episode_id = ?2 AND (?3 IS NULL OR e.version = ?3) ORDER BY v.version DESC LIMIT 1",
            params![
                album_id,
                episode_id,
                if online_only { album.online_version.or(Some(-1)) } else { None }
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
    };
    let (version, vid) = match holder(true)? {
        Some((version, _, vid)) => (version, vid),
        None => {
            let (version, status, _) = holder(false)?.ok_or_else(|| {
                Refusal::new(
                    R::NotFound,
                    format!("episode {episode_id} is in no version of album {album_id}; add it with POST /v2/sg/shortdrama/album/update/"),
                )
            })?;
            let at = format!("album {album_id} version {version}");
            return Err(match status {
                IN_REVIEW | APPEALING => Refusal::new(R::NotReviewed, format!("{at} is {}; {REVIEW_HINT}", status_name(status))),
                DRAFT | WITHDRAWN => Refusal::new(
                    R::NotReviewed,
                    format!(
                        "{at} is {}; submit it with POST /v2/sg/shortdrama/album/review/submit/, then {REVIEW_HINT}",
                        status_name(status)
                    ),
                ),
                REJECTED | APPEAL_REJECTED => Refusal::new(
                    R::Rejected,
                    format!(
                        "{at} was {}; upload a fixed version with POST /v2/sg/shortdrama/album/update/ or appeal",
                        status_name(status)
                    ),
                ),
                _ => Refusal::new(
                    R::NotOnlineVersion,
                    format!(
                        "{at} is approved but the online version is {}; set it with POST /v2/sg/shortdrama/album/online_version/",
                        album.online_version.map_or("none".to_string(), |v| v.to_string())
                    ),
                ),
            });
        }
    };
    if album.publish_status != LISTED {
        let state = if album.publish_status == DELISTED {
            "is delisted"
        } else {
            "was never listed"
        };
        return Err(Refusal::new(
            R::Delisted,
            format!("album {album_id} {state}; list it with POST /v2/sg/shortdrama/album/status/ {{\"status\": 1}}"),
        ));
    }
    if req.token_needed {
        let fix = "get one from GET /v2/sg/shortdrama/play_token/ and pass it as getVideoByToken.playAuthToken";
        let token = req.play_token.ok_or_else(|| {
            Refusal::new(
                R::PlayTokenMissing,
                format!("a TikTok client older than {PLAY_TOKEN_MIN_CLIENT} needs a play token; {fix}"),
            )
        })?;
        let live: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM play_tokens WHERE token = ?1 AND client_key = ?2 AND episode_id = ?3 AND expires_at > ?4)",
            params![token, client_key, episode_id, req.now],
            |r| r.get(0),
        )?;
        if !live {
            return Err(Refusal::new(
                R::PlayTokenInvalid,
                format!("the play token is unknown, expired, or for another app or episode than {episode_id}; {fix}"),
            ));
        }
    }
    let (size, duration): (i64, f64) = conn.query_row("SELECT size, duration FROM media_videos WHERE vid = ?1", [&vid], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(Playback {
        album_id,
        episode_id,
        version,
        media_path: format!("/__media/v/{vid}"),
        vid,
        size: size.max(0) as u64,
        duration,
    })
}

/// What [`Platform::import_drama`] made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportedDrama {
    pub album_id: i64,
    pub version: i64,
    pub episodes: Vec<ImportedEpisode>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportedEpisode {
    pub seq: i64,
    pub episode_id: i64,
    pub vid: String,
    pub title: String,
}

impl Platform {
    /// The dev shortcut behind `minihost platform drama import`: every file of `files` (in the
    /// order given) becomes an episode of one new drama of `client_key`, which is then
    /// submitted, approved, set online and listed, so it plays at once.
    pub async fn import_drama(&self, client_key: &str, files: Vec<std::path::PathBuf>) -> Result<ImportedDrama, PlatformError> {
        self.app(client_key)?.ok_or_else(|| PlatformError::not_found("app", client_key))?;
        if files.is_empty() || files.len() > MAX_EPISODES {
            return Err(PlatformError::invalid("dir", format!("must hold 1 to {MAX_EPISODES} videos")));
        }
        let mut episodes = Vec::new();
        for (i, file) in files.iter().enumerate() {
            let title = file
                .file_stem()
                .map_or_else(|| format!("Episode {}", i + 1), |s| s.to_string_lossy().into_owned());
            let source = super::media_assets::Source::File(file.clone());
            let new = super::media_assets::NewVideo {
                url: format!("file://{}", file.display()),
                title: title.clone(),
                duration: 0.0,
            };
            let job_id = self.begin_video_upload(client_key, new).await?;
            let job = self.finish_video_upload(&job_id, source).await?;
            let vid = job
                .vid
                .ok_or_else(|| PlatformError::invalid("dir", format!("{}: {}", file.display(), job.error.unwrap_or_default())))?;
            episodes.push(NewEpisode {
                episode_id: None,
                seq: i as i64 + 1,
                title,
                vid,
                cover_list: Vec::new(),
            });
        }
        let album_id = self.create_album(client_key).await?;
        let info = json!({ "title": format!("Imported drama {album_id}"), "album_status": 3, "seq_num": episodes.len() });
        let update = AlbumUpdate {
            album_id,
            version: 0,
            album_info: info.as_object().cloned(),
            episodes: Some(episodes.clone()),
        };
        let updated = self.update_album(client_key, update).await?;
        let version = updated.version;
        self.submit_review(client_key, album_id, version).await?;
        self.decide_review(album_id, version, ReviewDecision::Approve, Vec::new()).await?;
        self.set_online_version(client_key, album_id, version).await?;
        self.set_album_status(client_key, album_id, LISTED).await?;
        let episodes = episodes
            .into_iter()
            .map(|e| ImportedEpisode {
                seq: e.seq,
                episode_id: updated
                    .episode_id_map
                    .get(&format!("seq_{}", e.seq))
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                vid: e.vid,
                title: e.title,
            })
            .collect();
        Ok(ImportedDrama {
            album_id,
            version,
            episodes,
        })
    }
}
