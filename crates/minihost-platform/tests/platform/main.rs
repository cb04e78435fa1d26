//! The platform emulator's integration tests, one binary with a module per API: the Minis and
//! Login Kit flows, the token endpoint, user info, legacy v1, the admin and host APIs and their
//! loopback-only guard, hostile input, purging, persistence, the CLI, the invariant that
//! writes never block a runtime worker, and the crate's layers.

mod support;

mod admin;
mod cli;
mod commits;
mod host_api;
mod hostile;
mod layers;
mod legacy_v1;
mod login_kit;
mod loopback_only;
mod media_assets;
mod minis_flow;
mod oauth;
mod persistence;
mod purge;
mod subscriptions;
mod trade_orders;
mod user_info;
mod webhooks;
