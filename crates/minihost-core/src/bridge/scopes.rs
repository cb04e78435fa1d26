//! Scope lists as the SDK takes them: the platform's parser, then the Minis-only rule.

use crate::error_codes::{BridgeError, ErrorCode};
use crate::platform::scopes::{parse_list, MINIS_SCOPES};

pub fn parse(list: &str) -> Result<Vec<String>, BridgeError> {
    let out = parse_list(list);
    if let Some(s) = out.iter().find(|s| !MINIS_SCOPES.contains(&s.as_str())) {
        return Err(BridgeError::new(
            ErrorCode::ScopeNotAllowed,
            format!("scope `{s}` is not available to Minis (allowed: {})", MINIS_SCOPES.join(", ")),
        ));
    }
    if out.is_empty() {
        return Err(BridgeError::new(ErrorCode::InvalidParams, "scope is empty"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse(" user.info.basic ,user.info.open_id,user.info.basic").unwrap(),
            ["user.info.open_id", "user.info.basic"],
            "canonical order, duplicates dropped"
        );
        assert_eq!(
            parse("user.info.basic,user.info.phone").unwrap_err().error_code,
            ErrorCode::ScopeNotAllowed
        );
        assert_eq!(parse(" , ").unwrap_err().error_code, ErrorCode::InvalidParams);
    }
}
