//! Host sheets: login picker and consent. The bridge asks for one; a shell draws it in a
//! surface the app cannot reach and reports the answer. Closing a sheet counts as deny.

use serde::{Deserialize, Serialize};

/// How sheets are answered: by a person (`Ask`) or automatically, for scripted runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ConsentMode {
    #[default]
    Ask,
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeInfo {
    pub scope: String,
    pub description: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserChoice {
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sheet {
    /// Pick a test user to sign in to the host.
    Login { app_name: String, users: Vec<UserChoice> },
    /// Grant scopes not yet granted to this app.
    Consent {
        app_name: String,
        user: UserChoice,
        scopes: Vec<ScopeInfo>,
    },
}

impl Sheet {
    pub fn kind(&self) -> &'static str {
        match self {
            Sheet::Login { .. } => "login",
            Sheet::Consent { .. } => "consent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum SheetAnswer {
    SignIn {
        username: String,
    },
    Allow,
    Deny,
    /// The sheet was closed without a choice.
    Dismiss,
}
