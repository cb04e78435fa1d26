//! The developer commands: `check` (the platform's rules, statically), `init` (scaffold the
//! config and the SDK tags), `build` (the upload package), `dev` (the dev server through the
//! host's app origin).

pub mod build;
pub mod check;
pub mod init;
