//! The client of TikTok's server APIs (or the minihost platform at the same paths): the code
//! exchange and refresh at `/v2/oauth/token/`, `/v2/user/info/`, and trade orders under
//! `/v2/minis/`. Only this module speaks HTTP to the platform.

use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum TikTokError {
    /// A resource API refused the access token (`access_token_invalid`, HTTP 401): expired or
    /// revoked; or the user did not grant the scope (`scope_not_authorized`).
    #[error("TikTok refused the access token: {0}")]
    TokenInvalid(String),
    /// A token-endpoint error (`invalid_grant`, ...) or a business error code.
    #[error("TikTok answered {code}: {message}")]
    Rejected { code: String, message: String },
    #[error("cannot reach TikTok at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("unexpected answer from {url}: {why}")]
    BadAnswer { url: String, why: String },
}

/// What `/v2/oauth/token/` returns for a user.
#[derive(Clone, Debug, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub open_id: String,
    pub scope: String,
}

impl Tokens {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split([',', ' ']).any(|s| s == scope)
    }
}

#[derive(Clone)]
pub struct TikTok {
    http: reqwest::Client,
    base: String,
    client_key: String,
    client_secret: String,
}

impl TikTok {
    pub fn new(base: &str, client_key: &str, client_secret: &str) -> TikTok {
        TikTok {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("a client with a timeout builds"),
            base: base.trim_end_matches('/').to_string(),
            client_key: client_key.to_string(),
            client_secret: client_secret.to_string(),
        }
    }

    pub fn client_key(&self) -> &str {
        &self.client_key
    }

    pub async fn exchange_code(&self, code: &str) -> Result<Tokens, TikTokError> {
        self.token(&[("grant_type", "authorization_code"), ("code", code)]).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, TikTokError> {
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)])
            .await
    }

    async fn token(&self, grant: &[(&str, &str)]) -> Result<Tokens, TikTokError> {
        let url = format!("{}/v2/oauth/token/", self.base);
        let mut form = vec![
            ("client_key", self.client_key.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        form.extend_from_slice(grant);
        let body = self.send(&url, self.http.post(&url).form(&form)).await?;
        if let Some(error) = body["error"].as_str().filter(|e| !e.is_empty()) {
            let message = body["error_description"].as_str().unwrap_or_default().to_string();
            return Err(TikTokError::Rejected {
                code: error.to_string(),
                message,
            });
        }
        serde_json::from_value(body).map_err(|e| TikTokError::BadAnswer { url, why: e.to_string() })
    }

    /// The user's fields from `/v2/user/info/`; which ones answer depends on the token's scopes.
    pub async fn user_info(&self, access_token: &str, fields: &[&str]) -> Result<Value, TikTokError> {
        let url = format!("{}/v2/user/info/?fields={}", self.base, fields.join(","));
        let data = self.v2(&url, self.http.get(&url).bearer_auth(access_token)).await?;
        Ok(data["user"].clone())
    }

    /// `trade_order/create`: a Beans order the user then pays with `TTMinis.pay`.
    pub async fn create_order(&self, access_token: &str, order_id: &str, product_name: &str, beans: i64) -> Result<String, TikTokError> {
        let url = format!("{}/v2/minis/trade_order/create/", self.base);
        let body = json!({
            "token_type": "BEANS",
            "token_amount": beans,
            "order_info": { "order_id": order_id, "product_name": product_name },
        });
        let data = self.v2(&url, self.http.post(&url).bearer_auth(access_token).json(&body)).await?;
        data["trade_order_id"].as_str().map(str::to_string).ok_or(TikTokError::BadAnswer {
            url,
            why: "no data.trade_order_id".into(),
        })
    }

    /// `trade_order/query`: `PENDING`, `SUCCESS` or `REFUNDED`.
    pub async fn order_status(&self, access_token: &str, trade_order_id: &str) -> Result<String, TikTokError> {
        let url = format!("{}/v2/minis/trade_order/query/", self.base);
        let body = json!({ "trade_order_id": trade_order_id });
        let data = self.v2(&url, self.http.post(&url).bearer_auth(access_token).json(&body)).await?;
        data["trade_order_status"]
            .as_str()
            .map(str::to_string)
            .ok_or(TikTokError::BadAnswer {
                url,
                why: "no data.trade_order_status".into(),
            })
    }

    /// A v2 resource call: `{data, error: {code, message}}`, `code` "ok" on success.
    async fn v2(&self, url: &str, req: reqwest::RequestBuilder) -> Result<Value, TikTokError> {
        let body = self.send(url, req).await?;
        let code = body["error"]["code"].as_str().unwrap_or_default();
        let message = body["error"]["message"].as_str().unwrap_or_default().to_string();
        match code {
            "ok" => Ok(body["data"].clone()),
            "access_token_invalid" | "scope_not_authorized" => Err(TikTokError::TokenInvalid(message)),
            "" => Err(TikTokError::BadAnswer {
                url: url.to_string(),
                why: "no error.code".into(),
            }),
            code => Err(TikTokError::Rejected {
                code: code.to_string(),
                message,
            }),
        }
    }

    async fn send(&self, url: &str, req: reqwest::RequestBuilder) -> Result<Value, TikTokError> {
        let unreachable = |source| TikTokError::Unreachable {
            url: url.to_string(),
            source,
        };
        let res = req.send().await.map_err(unreachable)?;
        let status = res.status();
        let body: Value = res.json().await.map_err(|e| TikTokError::BadAnswer {
            url: url.to_string(),
            why: format!("HTTP {status}, body is not JSON: {e}"),
        })?;
        Ok(body)
    }
}
