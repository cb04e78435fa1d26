//! Signing in with TikTok (seed 001's `loginWithTt`) and binding a TikTok identity to the
//! signed-in account (`linkTt`). Both exchange a fresh code from `TTMinis.login` or
//! `TTMinis.authorize` at the platform, read who it is, and apply `syncUserProfile`.

use crate::error::{ApiError, ApiResult, JsonBody};
use crate::identities::{self, platform_error};
use crate::profile_sync::{self, Profile, SyncMode};
use crate::sessions::{self, CurrentUser};
use crate::tiktok::{TikTokError, Tokens};
use crate::{users, Backend};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use minihost_platform_api::scopes::USER_INFO_BASIC;
use minihost_platform_api::HostApp;
use serde::Deserialize;
use serde_json::{json, Value};

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginWithTt {
    code: String,
    #[serde(default = "yes")]
    create_user: bool,
    #[serde(default)]
    sync_user_profile: SyncMode,
    /// Which host app the code came from (tiktok, douyin, toutiao): open_ids differ per host.
    #[serde(default)]
    host_app: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkTt {
    code: String,
    #[serde(default)]
    sync_user_profile: SyncMode,
    #[serde(default)]
    host_app: Option<String>,
}

/// Who a code belongs to, as the platform says.
struct Verified {
    host_app: &'static str,
    tokens: Tokens,
    union_id: Option<String>,
    /// Present when the code carries `user.info.basic` (an authorize, not a silent login).
    profile: Option<Profile>,
}

async fn verify(backend: &Backend, code: &str, host_app: Option<&str>) -> ApiResult<Verified> {
    let host_app = match host_app {
        None => HostApp::TikTok,
        Some(h) => h.parse::<HostApp>().map_err(|e| ApiError::invalid("hostApp", e))?,
    };
    if code.trim().is_empty() {
        return Err(ApiError::invalid(
            "code",
            "is empty; pass the code TTMinis.login or authorize returned",
        ));
    }
    let tokens = backend.tiktok().exchange_code(code).await.map_err(|e| match e {
        TikTokError::Rejected { code: c, message } if c == "invalid_grant" => ApiError::invalid(
            "code",
            format!("TikTok refused it ({c}: {message}); get a fresh one from TTMinis.login"),
        ),
        e => platform_error(e),
    })?;
    let basic = tokens.has_scope(USER_INFO_BASIC);
    let fields: &[&str] = if basic {
        &["open_id", "union_id", "display_name", "avatar_url"]
    } else {
        &["open_id", "union_id"]
    };
    let info = backend
        .tiktok()
        .user_info(&tokens.access_token, fields)
        .await
        .map_err(platform_error)?;
    if info["open_id"].as_str() != Some(tokens.open_id.as_str()) {
        return Err(platform_error(TikTokError::BadAnswer {
            url: "/v2/user/info/".into(),
            why: "its open_id is not the token's".into(),
        }));
    }
    Ok(Verified {
        host_app: host_app.as_str(),
        union_id: info["union_id"].as_str().map(str::to_string),
        profile: basic.then(|| Profile::from_user_info(&info)),
        tokens,
    })
}

fn signed_in(backend: &Backend, user_id: i64, token: String) -> ApiResult<Json<Value>> {
    let user = users::load(&backend.db(), user_id)?.ok_or_else(|| ApiError::internal("user vanished"))?;
    Ok(Json(json!({ "token": token, "user": user })))
}

/// `POST /api/auth/tiktok`: finds the user by open_id on this host app (else by union_id,
/// shared by the developer's apps), creates one unless `createUser` is false, and signs in.
pub async fn login_with_tiktok(State(backend): State<Backend>, JsonBody(req): JsonBody<LoginWithTt>) -> ApiResult<Json<Value>> {
    let v = verify(&backend, &req.code, req.host_app.as_deref()).await?;
    let client_key = backend.tiktok().client_key().to_string();
    let (user_id, created, token) = {
        let conn = backend.db();
        let tx = conn.unchecked_transaction()?;
        let known = match identities::user_of(&tx, &client_key, v.host_app, &v.tokens.open_id)? {
            Some(id) => Some(id),
            None => match &v.union_id {
                Some(union) => identities::user_of_union(&tx, v.host_app, union)?,
                None => None,
            },
        };
        let (user_id, created) = match known {
            Some(id) => (id, false),
            None if !req.create_user => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "no account is bound to this TikTok user; register or log in, then link it",
                )
                .with("openid", v.tokens.open_id.as_str()));
            }
            None => (users::create(&tx)?, true),
        };
        identities::bind(&tx, user_id, &client_key, v.host_app, &v.tokens, v.union_id.as_deref())?;
        if let Some(profile) = &v.profile {
            profile_sync::apply(&tx, user_id, profile, req.sync_user_profile)?;
        }
        let token = sessions::issue(&tx, user_id)?;
        tx.commit()?;
        (user_id, created, token)
    };
    tracing::info!(target: "minihost_backend::auth", user_id, host_app = v.host_app, created, profile = v.profile.is_some(), "signed in with TikTok");
    signed_in(&backend, user_id, token)
}

/// `POST /api/auth/link-tiktok`: binds the code's TikTok identity to the signed-in account, so
/// the next TikTok login signs straight in.
pub async fn link_tiktok(State(backend): State<Backend>, me: CurrentUser, JsonBody(req): JsonBody<LinkTt>) -> ApiResult<Json<Value>> {
    let v = verify(&backend, &req.code, req.host_app.as_deref()).await?;
    let client_key = backend.tiktok().client_key().to_string();
    {
        let conn = backend.db();
        let tx = conn.unchecked_transaction()?;
        if let Some(owner) = identities::user_of(&tx, &client_key, v.host_app, &v.tokens.open_id)? {
            if owner != me.id {
                return Err(
                    ApiError::new(StatusCode::CONFLICT, "this TikTok identity is already bound to another account")
                        .with("openid", v.tokens.open_id.as_str()),
                );
            }
        }
        identities::bind(&tx, me.id, &client_key, v.host_app, &v.tokens, v.union_id.as_deref())?;
        if let Some(profile) = &v.profile {
            profile_sync::apply(&tx, me.id, profile, req.sync_user_profile)?;
        }
        tx.commit()?;
    }
    tracing::info!(target: "minihost_backend::auth", user_id = me.id, host_app = v.host_app, "TikTok identity linked");
    Ok(Json(json!({
        "message": "User associated.",
        "openid": v.tokens.open_id,
        "status": "ok",
        "user_id": me.id,
    })))
}
