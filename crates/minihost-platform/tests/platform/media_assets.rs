//! The Media Asset API (`/v2/sg/shortdrama/`) over a real socket: uploads by `file://` and by
//! URL (one that never answers ends failed), the drama's versions, review and publishing, the
//! playback decision with each refusal, play tokens on the platform clock, byte ranges on the
//! served video, bad input, the admin review route and the CLI's `drama review` and `import`.

use std::path::Path;
use std::time::Duration;

use minihost_platform::cli::{self, DramaCommand, PlatformCommand};
use minihost_platform::{ClientVersion, Platform, PlatformOptions, RefusalReason};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{data_dir, Call, Direct, Reply, Server, REMOTE};

const APP: &str = "awdrama";
const OTHER: &str = "awdramatwo";

fn opts() -> PlatformOptions {
    PlatformOptions {
        media_fetch_timeout: Duration::from_millis(500),
        ..PlatformOptions::default()
    }
}

/// A server with two apps of one developer; answers it and `APP`'s client token.
async fn setup(opts: PlatformOptions) -> (Server, String) {
    let server = Server::temp(opts).await;
    server.app(OTHER, &[]);
    let token = client_token(&server, APP).await;
    (server, token)
}

async fn client_token(server: &Server, client_key: &str) -> String {
    let app = server.app(client_key, &[]);
    server.client_credentials(&app).await.str("/access_token")
}

async fn call(server: &Server, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
    let mut req = server
        .http
        .request(method, server.url(&format!("/v2/sg/shortdrama/{path}")))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    Reply::read(req.send().await.unwrap()).await
}

async fn post(server: &Server, path: &str, token: &str, body: Value) -> Value {
    let reply = call(server, Method::POST, path, token, Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    assert_eq!(reply.json()["error"]["code"], "ok");
    reply.json()["data"].clone()
}

async fn get(server: &Server, path: &str, token: &str) -> Value {
    let reply = call(server, Method::GET, path, token, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply.json()["data"].clone()
}

fn write_video(dir: &Path, name: &str, len: usize) -> String {
    let path = dir.join(name);
    // Any bytes are a video: the emulator does not parse media.
    std::fs::write(&path, (0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>()).unwrap();
    format!("file://{}", path.display())
}

/// Polls Query Video until the job is no longer processing; answers the last query.
async fn wait_job(server: &Server, token: &str, job_id: &str) -> Value {
    for _ in 0..1_500 {
        let data = get(server, &format!("video?job_id={job_id}"), token).await;
        if data["upload_status"] != 1 {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {job_id} never ended");
}

async fn upload(server: &Server, token: &str, url: &str) -> String {
    let data = post(server, "video/", token, json!({ "url": url, "title": "ep", "duration": 61.5 })).await;
    assert_eq!(data["result_type"], 2);
    let job = wait_job(server, token, data["job_id"].as_str().unwrap()).await;
    assert_eq!(job["upload_status"], 2, "{job}");
    job["vid"].as_str().unwrap().to_string()
}

/// A drama whose first version holds `vids` as episodes 1.. (a draft); answers its id and the
/// episode ids.
async fn drama(server: &Server, token: &str, vids: &[&str]) -> (i64, Vec<i64>) {
    let album_id = post(server, "album/create/", token, json!({})).await["album_id"].as_i64().unwrap();
    let episodes: Vec<Value> = vids
        .iter()
        .enumerate()
        .map(|(i, vid)| json!({ "seq": i + 1, "title": format!("Episode {}", i + 1), "byteplus_vid": vid }))
        .collect();
    let body = json!({ "album_id": album_id, "version": 0, "album_info": { "title": "Night Shift", "album_status": 2 }, "episode_info_list": episodes });
    let data = post(server, "album/update/", token, body).await;
    assert_eq!(data["version"], 1);
    let ids = (1..=vids.len())
        .map(|i| data["episode_id_map"][format!("seq_{i}")].as_i64().unwrap())
        .collect();
    (album_id, ids)
}

async fn review(server: &Server, album_id: i64, version: i64, decision: &str) -> Reply {
    server
        .admin_post(
            "/__admin/shortdrama/review",
            json!({ "album_id": album_id.to_string(), "version": version, "decision": decision, "reasons": ["blurry"] }),
        )
        .await
}

fn refusal(platform: &Platform, client: &str, album: i64, episode: i64) -> RefusalReason {
    platform.playback_decision(client, album, episode, None, None).unwrap_err().reason
}

#[tokio::test]
async fn a_drama_goes_from_upload_through_review_to_playback_with_byte_ranges() {
    let (server, token) = setup(opts()).await;
    let dir = data_dir();
    let cover = post(
        &server,
        "image",
        &token,
        json!({ "image_url": write_video(dir.path(), "cover.jpg", 10) }),
    )
    .await;
    assert_eq!(cover["open_pic_id"].as_str().unwrap().len(), 32);
    let v1 = upload(&server, &token, &write_video(dir.path(), "01.mp4", 1000)).await;
    let v2 = upload(&server, &token, &write_video(dir.path(), "02.mp4", 10)).await;
    let by_vid = get(&server, &format!("video?vid={v1}&client_key={APP}"), &token).await;
    assert_eq!(by_vid["raw_video_info_json"], json!({ "size": 1000, "duration": 61.5 }).to_string());
    let (album, eps) = drama(&server, &token, &[&v1, &v2]).await;

    // The optimistic lock: version 0 is no longer the latest.
    let stale = json!({ "album_id": album, "version": 0, "album_info": { "title": "x" } });
    let reply = call(&server, Method::POST, "album/update/", &token, Some(stale)).await;
    assert!(reply.assert_api_error(StatusCode::CONFLICT, "conflict").contains("version 1"));

    // Online only after approval; listing only once online.
    let online = json!({ "album_id": album, "version": 1 });
    let early = call(&server, Method::POST, "album/online_version/", &token, Some(online.clone())).await;
    assert!(early.assert_api_error(StatusCode::CONFLICT, "conflict").contains("not submitted"));
    let list = json!({ "album_id": album, "status": 1 });
    let reply = call(&server, Method::POST, "album/status/", &token, Some(list.clone())).await;
    assert!(reply.assert_api_error(StatusCode::CONFLICT, "conflict").contains("online version"));

    // Submit, withdraw, submit again, approve.
    let submitted = post(
        &server,
        "album/review/submit/",
        &token,
        json!({ "album_id": album, "version": 1, "priority_score": 2 }),
    )
    .await;
    assert!(submitted["review_id"].as_i64().unwrap() > 0);
    post(
        &server,
        "album/review/withdraw/",
        &token,
        json!({ "album_id": album, "version": 1 }),
    )
    .await;
    let again = call(
        &server,
        Method::POST,
        "album/review/withdraw/",
        &token,
        Some(json!({ "album_id": album, "version": 1 })),
    )
    .await;
    again.assert_api_error(StatusCode::CONFLICT, "conflict");
    post(&server, "album/review/submit/", &token, json!({ "album_id": album, "version": 1 })).await;
    let approved = review(&server, album, 1, "approve").await;
    assert_eq!(approved.json()["review_status"], 2, "{}", approved.text);
    assert_eq!(review(&server, album, 1, "approve").await.status, StatusCode::CONFLICT);
    post(&server, "album/online_version/", &token, online).await;
    post(&server, "album/status/", &token, list).await;

    let queried = get(&server, &format!("album/query/?album_id={album}"), &token).await;
    assert_eq!(
        (queried["online_version"].as_i64(), queried["publish_status"].as_i64()),
        (Some(1), Some(1))
    );
    let version = &queried["album_version_list"][0];
    assert_eq!(version["review_status"], 2);
    assert_eq!(version["episode_info_list"][1]["episode_id"], eps[1]);
    assert_eq!(version["episode_info_list"][0]["byteplus_vid"], v1.as_str());

    // An online version's video is not deleted; an unused one is, in the same call.
    let spare = upload(&server, &token, &write_video(dir.path(), "03.mp4", 5)).await;
    let deleted = post(&server, "video/delete/", &token, json!({ "vid_list": [v1, spare] })).await;
    assert_eq!(deleted["result_list"][0]["status"], "failed", "{deleted}");
    assert_eq!(deleted["result_list"][1]["status"], "success");

    // The host asks for the decision, then reads the bytes with ranges.
    let pair = server.admin_post("/__host/v1/pair", json!({ "device_name": "test" })).await;
    let device = pair.str("/device_token");
    let url = server.url(&format!(
        "/__host/v1/drama/playback?client_key={APP}&album_id={album}&episode_id={}",
        eps[0]
    ));
    let decision = Reply::read(server.http.get(url).bearer_auth(&device).send().await.unwrap())
        .await
        .json();
    let media = decision["playback"]["media_path"]
        .as_str()
        .unwrap_or_else(|| panic!("{decision}"))
        .to_string();
    assert_eq!(decision["playback"]["vid"], v1.as_str());
    let fetch = |range: &'static str| server.http.get(server.url(&media)).header("range", range).send();
    let ranged = fetch("bytes=10-19").await.unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["content-range"], "bytes 10-19/1000");
    assert_eq!(ranged.bytes().await.unwrap().to_vec(), (10..20u8).collect::<Vec<u8>>());
    let whole = server.http.get(server.url(&media)).send().await.unwrap();
    assert_eq!((whole.status(), whole.bytes().await.unwrap().len()), (StatusCode::OK, 1000));
    let beyond = fetch("bytes=1000-").await.unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.headers()["content-range"], "bytes */1000");
}

#[tokio::test]
async fn each_playback_refusal_names_its_reason_and_fix() {
    let (server, token) = setup(opts()).await;
    let p = &server.platform;
    let dir = data_dir();
    let vid = upload(&server, &token, &write_video(dir.path(), "a.mp4", 64)).await;
    let (album, eps) = drama(&server, &token, &[&vid]).await;
    let ep = eps[0];
    assert_eq!(refusal(p, APP, album + 1, ep), RefusalReason::NotFound);
    assert_eq!(refusal(p, APP, album, ep + 1), RefusalReason::NotFound);
    assert_eq!(refusal(p, APP, album, ep), RefusalReason::NotReviewed);
    post(&server, "album/review/submit/", &token, json!({ "album_id": album, "version": 1 })).await;
    let in_review = p.playback_decision(APP, album, ep, None, None).unwrap_err();
    assert_eq!(in_review.reason, RefusalReason::NotReviewed);
    assert!(
        in_review.message.contains(&format!("album {album} version 1 is in review")),
        "{}",
        in_review.message
    );
    assert!(in_review.message.contains("minihost platform drama review"));

    // Rejected, appealed, rejected on appeal... then approved on a second appeal's version.
    review(&server, album, 1, "reject").await;
    assert_eq!(refusal(p, APP, album, ep), RefusalReason::Rejected);
    let queried = get(&server, &format!("album/query/?album_id={album}&version=1"), &token).await;
    let review_id = queried["album_version_list"][0]["review_id"].as_i64().unwrap();
    assert_eq!(queried["album_version_list"][0]["review_fail_reasons"], json!(["blurry"]));
    let appeal = json!({ "album_id": album, "review_id": review_id.to_string(), "appeal_item_type": 2, "item_id": ep, "appeal_reason": "it is sharp" });
    post(&server, "album/review/appeal/", &token, appeal).await;
    assert_eq!(refusal(p, APP, album, ep), RefusalReason::NotReviewed);
    assert_eq!(review(&server, album, 1, "approve").await.json()["review_status"], 6);
    assert_eq!(refusal(p, APP, album, ep), RefusalReason::NotOnlineVersion);
    post(&server, "album/online_version/", &token, json!({ "album_id": album, "version": 1 })).await;
    assert_eq!(refusal(p, APP, album, ep), RefusalReason::Delisted);
    post(&server, "album/status/", &token, json!({ "album_id": album, "status": 1 })).await;
    assert!(p.playback_decision(APP, album, ep, None, None).is_ok());

    // A second version in review leaves the online one playing; its new episode is not online.
    let vid2 = upload(&server, &token, &write_video(dir.path(), "b.mp4", 8)).await;
    let v2 = json!({ "album_id": album, "version": 1, "episode_info_list": [
        { "episode_id": ep, "seq": 1, "title": "One", "byteplus_vid": vid },
        { "seq": 2, "title": "Two", "byteplus_vid": vid2 } ] });
    let new_ep = post(&server, "album/update/", &token, v2).await["episode_id_map"]["seq_2"]
        .as_i64()
        .unwrap();
    post(&server, "album/review/submit/", &token, json!({ "album_id": album, "version": 2 })).await;
    review(&server, album, 2, "approve").await;
    assert!(p.playback_decision(APP, album, ep, None, None).is_ok());
    assert_eq!(refusal(p, APP, album, new_ep), RefusalReason::NotOnlineVersion);

    // Another app of the same developer: refused until authorised, then refused unbound.
    assert_eq!(refusal(p, OTHER, album, ep), RefusalReason::NotAuthorised);
    let grant = json!({ "album_id": album, "operate_type": 1, "target_client_key_list": [OTHER, "nosuchapp"] });
    let results = post(&server, "album/authorize/", &token, grant).await["client_key_result_list"].clone();
    assert_eq!(
        (results[0]["auth_status"].as_i64(), results[1]["error_code"].as_str()),
        (Some(1), Some("not_found"))
    );
    assert!(p.playback_decision(OTHER, album, ep, None, None).is_ok());
    let unbind = server
        .admin_post("/__admin/apps/byteplus", json!({ "client_key": OTHER, "bound": false }))
        .await;
    assert_eq!(unbind.status, StatusCode::OK, "{}", unbind.text);
    assert_eq!(refusal(p, OTHER, album, ep), RefusalReason::NoBytePlusBinding);

    // Old clients need a play token of this app and episode, living on the platform clock.
    let old = Some(ClientVersion(44, 4, 0));
    assert_eq!(
        p.playback_decision(APP, album, ep, None, old).unwrap_err().reason,
        RefusalReason::PlayTokenMissing
    );
    let minted = get(&server, &format!("play_token/?client_key={APP}&episode_id={ep}"), &token).await;
    let play_token = minted["play_auth_token"].as_str().unwrap();
    assert!(p.playback_decision(APP, album, ep, Some(play_token), old).is_ok());
    assert!(p
        .playback_decision(APP, album, ep, Some(play_token), Some(ClientVersion(44, 5, 0)))
        .is_ok());
    let wrong = p.playback_decision(APP, album, ep, Some("pat.nope"), old).unwrap_err();
    assert_eq!(wrong.reason, RefusalReason::PlayTokenInvalid);
    server
        .admin_post(
            "/__admin/clock/advance",
            json!({ "seconds": minihost_platform::PLAY_TOKEN_TTL_SECS }),
        )
        .await;
    let expired = p.playback_decision(APP, album, ep, Some(play_token), old).unwrap_err();
    assert_eq!(expired.reason, RefusalReason::PlayTokenInvalid);
    let unplayable = call(&server, Method::GET, &format!("play_token/?episode_id={new_ep}"), &token, None).await;
    unplayable.assert_api_error(StatusCode::CONFLICT, "conflict");

    // Delisted at last.
    post(&server, "album/status/", &token, json!({ "album_id": album, "status": 2 })).await;
    assert_eq!(refusal(p, APP, album, ep), RefusalReason::Delisted);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let (server, token) = setup(opts()).await;
    let bad = |path: &'static str, body: Value| {
        let (server, token) = (&server, &token);
        async move {
            call(server, Method::POST, path, token, Some(body))
                .await
                .assert_api_error(StatusCode::BAD_REQUEST, "invalid_params")
        }
    };
    assert!(bad("album/update/", json!({})).await.contains("album_id is required"));
    assert!(bad("album/update/", json!({ "album_id": true }))
        .await
        .contains("album_id must be an integer"));
    assert!(bad("album/update/", json!({ "album_id": 1, "episode_info_list": {} }))
        .await
        .contains("must be an array"));
    assert!(bad("video/", json!({ "title": "t" })).await.contains("url"));
    assert!(bad("video/", json!({ "url": "file:///no/such/minihost/video.mp4", "title": "t" }))
        .await
        .contains("cannot be read"));
    assert!(bad("video/", json!({ "url": "ftp://example.com/v.mp4", "title": "t" }))
        .await
        .contains("scheme"));
    let mut twenty: Vec<String> = (0..19).map(|i| format!("v{i}")).collect();
    twenty.push("v3".into());
    assert!(bad("video/delete/", json!({ "vid_list": twenty }))
        .await
        .contains("v3 is listed twice"));
    let many: Vec<String> = (0..21).map(|i| format!("v{i}")).collect();
    assert!(bad("video/delete/", json!({ "vid_list": many })).await.contains("1 to 20"));
    assert!(bad("video/delete/", json!({ "vid_list": [1] })).await.contains("vid_list[0]"));
    let album = post(&server, "album/create/", &token, json!({})).await["album_id"]
        .as_i64()
        .unwrap();
    let episodes: Vec<Value> = (1..=401).map(|i| json!({ "seq": i, "title": "t", "byteplus_vid": "v" })).collect();
    let too_many = bad(
        "album/update/",
        json!({ "album_id": album, "album_info": { "title": "t" }, "episode_info_list": episodes }),
    )
    .await;
    assert!(too_many.contains("at most 400"), "{too_many}");
    let unknown_vid = json!({ "album_id": album, "album_info": { "title": "t" }, "episode_info_list": [{ "seq": 1, "title": "t", "byteplus_vid": "v0dnope" }] });
    assert!(bad("album/update/", unknown_vid).await.contains("byteplus_vid"));
    assert!(bad("album/update/", json!({ "album_id": album, "client_key": OTHER }))
        .await
        .contains("client_key"));

    // No token, or a user token, is not a client token.
    let anon = Reply::read(
        server
            .http
            .post(server.url("/v2/sg/shortdrama/album/create/"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    anon.assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    // Another app's album does not exist for this one.
    let other = client_token(&server, OTHER).await;
    let reply = call(&server, Method::GET, &format!("album/query/?album_id={album}"), &other, None).await;
    reply.assert_api_error(StatusCode::NOT_FOUND, "not_found");

    // file:// from another machine is refused before the path is even looked at.
    let direct = Direct::in_memory();
    let app = direct
        .platform
        .ensure_app(minihost_platform::NewApp {
            client_key: APP.into(),
            ..Default::default()
        })
        .unwrap()
        .0;
    let t = direct
        .token(&[
            ("client_key", APP),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
        ])
        .await
        .str("/access_token");
    let remote = Call::post("/v2/sg/shortdrama/video/")
        .bearer(&t)
        .peer(REMOTE)
        .json(&json!({ "url": "file:///etc/hostname", "title": "t" }));
    let msg = direct
        .send(remote)
        .await
        .assert_api_error(StatusCode::BAD_REQUEST, "invalid_params");
    assert!(msg.contains("loopback client"), "{msg}");
}

#[tokio::test]
async fn a_remote_enabled_server_reads_files_only_under_its_media_dir() {
    let media = data_dir();
    let outside = data_dir();
    let (server, token) = setup(PlatformOptions {
        media_dir: Some(media.path().to_path_buf()),
        ..opts()
    })
    .await;
    server.platform.allow_remote_pairing();
    let url = write_video(outside.path(), "x.mp4", 4);
    let reply = call(&server, Method::POST, "video/", &token, Some(json!({ "url": url, "title": "t" }))).await;
    assert!(reply
        .assert_api_error(StatusCode::BAD_REQUEST, "invalid_params")
        .contains("outside the media dir"));
    // A link out of the media dir is judged by where it leads.
    let link = media.path().join("link.mp4");
    std::os::unix::fs::symlink(outside.path().join("x.mp4"), &link).unwrap();
    let reply = call(
        &server,
        Method::POST,
        "video/",
        &token,
        Some(json!({ "url": format!("file://{}", link.display()), "title": "t" })),
    )
    .await;
    reply.assert_api_error(StatusCode::BAD_REQUEST, "invalid_params");
    upload(&server, &token, &write_video(media.path(), "in.mp4", 4)).await;
}

#[tokio::test]
async fn a_source_that_never_answers_ends_the_job_failed() {
    let (server, token) = setup(opts()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts and holds every connection without a byte of answer.
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let data = post(
        &server,
        "video/",
        &token,
        json!({ "url": format!("http://{addr}/ep1.mp4"), "title": "slow" }),
    )
    .await;
    let job = wait_job(&server, &token, data["job_id"].as_str().unwrap()).await;
    assert_eq!(job["upload_status"], 3, "{job}");
    assert!(job["vid"].is_null());
    assert!(job["error_message"].as_str().unwrap().contains("did not finish"), "{job}");
    held.abort();
}

#[tokio::test]
async fn the_cli_imports_a_dir_as_a_playable_drama_and_reviews_versions() {
    let dir = data_dir();
    let videos = data_dir();
    for name in ["02-two.mp4", "01-one.mp4", "03-three.mp4"] {
        write_video(videos.path(), name, 32);
    }
    let platform = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
    platform
        .ensure_app(minihost_platform::NewApp {
            client_key: APP.into(),
            ..Default::default()
        })
        .unwrap();
    let imported = cli::import_dir(&platform, videos.path(), APP).await.unwrap();
    let titles: Vec<&str> = imported.episodes.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["01-one", "02-two", "03-three"]);
    for ep in &imported.episodes {
        let playback = platform
            .playback_decision(APP, imported.album_id, ep.episode_id, None, None)
            .unwrap();
        assert_eq!(playback.vid, ep.vid);
    }
    // An unknown app imports nothing.
    assert!(cli::import_dir(&platform, videos.path(), "nosuchapp").await.is_err());

    // `drama review` decides a version in review; another decision on it is refused.
    let server = Server::start(platform.clone()).await;
    let token = client_token(&server, APP).await;
    let album = imported.album_id;
    let next = json!({ "album_id": album, "version": 1, "album_info": { "title": "Renamed" } });
    assert_eq!(post(&server, "album/update/", &token, next).await["version"], 2);
    post(&server, "album/review/submit/", &token, json!({ "album_id": album, "version": 2 })).await;
    let review = |approve: bool| {
        cli::run(PlatformCommand::Drama(DramaCommand::Review {
            data_dir: Some(dir.path().to_path_buf()),
            album_id: album,
            version: 2,
            approve,
            reject: !approve,
            reasons: vec!["too dark".into()],
        }))
    };
    review(false).await.unwrap();
    let queried = get(&server, &format!("album/query/?album_id={album}&version=2"), &token).await;
    assert_eq!(queried["album_version_list"][0]["review_status"], 3);
    assert_eq!(queried["album_version_list"][0]["review_fail_reasons"], json!(["too dark"]));
    assert!(review(true).await.unwrap_err().to_string().contains("rejected"));
}
