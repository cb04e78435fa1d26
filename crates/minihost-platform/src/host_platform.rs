//! The emulator as a host's platform: the host operations that answer in the host API's types,
//! which both [`HostPlatform`] in process and the host API over HTTP (`host_api`) call.

use minihost_platform_api::monetization::{AdAdmission, AdView, Balance, PaidOrder, PayRequest, Subscribed, TopUp, TradeOrder};
use minihost_platform_api::{CodeRequest, EnsuredApp, HostPlatform, HostPlatformError, NewApp, User};

use super::{Commit, Platform, PlatformError};

impl From<PlatformError> for HostPlatformError {
    fn from(e: PlatformError) -> HostPlatformError {
        match e {
            PlatformError::InvalidInput { field, message } => HostPlatformError::Invalid {
                field: field.to_string(),
                message,
            },
            PlatformError::NotFound { what, key } => HostPlatformError::NotFound {
                what: what.to_string(),
                key,
            },
            PlatformError::Declined { reason, message } => HostPlatformError::Declined { reason, message },
            other => HostPlatformError::Internal(other.to_string()),
        }
    }
}

impl Platform {
    /// Registers a host's app ([`Platform::register_app`]), telling its secret only to the host
    /// that registered it.
    pub fn ensure_host_app(&self, app: NewApp) -> Commit<EnsuredApp> {
        self.register_app(app).map(|(app, created)| EnsuredApp {
            client_key: app.client_key,
            created,
            client_secret: created.then_some(app.client_secret),
        })
    }

    /// A trade order as the host's sheets show it.
    pub fn trade_order(&self, trade_order_id: &str) -> Result<Option<TradeOrder>, PlatformError> {
        Ok(self.order_record(trade_order_id)?.map(|record| record.order))
    }
}

impl HostPlatform for Platform {
    fn describe(&self) -> String {
        match self.data_dir() {
            Some(dir) => format!("the embedded platform (data in {})", dir.display()),
            None => "the embedded platform (in memory)".into(),
        }
    }

    fn ensure_app(&self, app: &NewApp) -> Result<EnsuredApp, HostPlatformError> {
        Ok(self.ensure_host_app(app.clone()).wait()?)
    }

    fn users(&self) -> Result<Vec<User>, HostPlatformError> {
        Ok(Platform::users(self)?)
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>, HostPlatformError> {
        Ok(Platform::user_by_username(self, username)?)
    }

    fn granted_scopes(&self, user_id: i64, client_key: &str) -> Result<Vec<String>, HostPlatformError> {
        Ok(Platform::granted_scopes(self, user_id, client_key)?)
    }

    fn grant(&self, user_id: i64, client_key: &str, scopes: &[String]) -> Result<Vec<String>, HostPlatformError> {
        Ok(Platform::grant(self, user_id, client_key, scopes).wait()?)
    }

    fn mint_code(&self, req: &CodeRequest) -> Result<String, HostPlatformError> {
        Ok(Platform::mint_code(self, req.clone()).wait()?)
    }

    fn trade_order(&self, trade_order_id: &str) -> Result<Option<TradeOrder>, HostPlatformError> {
        Ok(Platform::trade_order(self, trade_order_id)?)
    }

    fn pay_order(&self, req: &PayRequest) -> Result<PaidOrder, HostPlatformError> {
        Ok(Platform::pay_order(self, req.clone()).wait()?)
    }

    fn subscribe(&self, req: &PayRequest) -> Result<Subscribed, HostPlatformError> {
        Ok(Platform::subscribe(self, req.clone()).wait()?)
    }

    fn top_up(&self, req: &TopUp) -> Result<Balance, HostPlatformError> {
        Ok(Platform::top_up(self, req.clone()).wait()?)
    }

    fn admit_ad(&self, view: &AdView) -> Result<AdAdmission, HostPlatformError> {
        Ok(Platform::admit_ad(self, view.clone()).wait()?)
    }
}
