//! The platform's content rules, derived once from the config: CSP, request filtering,
//! navigation and the bridge's ACL all read this one value.

pub mod trusted_domains;
