//! Scope lists as the SDK takes them: comma-separated, Minis-only.

use super::errors::{BridgeError, ErrorCode};

/// The only scopes a Mini may request.
pub const MINIS_SCOPES: &[&str] = &["user.info.basic", "user.info.open_id"];

pub fn parse(list: &str) -> Result<Vec<String>, BridgeError> {
    let mut out: Vec<String> = Vec::new();
    for s in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !MINIS_SCOPES.contains(&s) {
            return Err(BridgeError::new(
                ErrorCode::ScopeNotAllowed,
                format!("scope `{s}` is not available to Minis (allowed: {})", MINIS_SCOPES.join(", ")),
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
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
            ["user.info.basic", "user.info.open_id"]
        );
        assert_eq!(
            parse("user.info.basic,user.info.phone").unwrap_err().error_code,
            ErrorCode::ScopeNotAllowed as u32
        );
        assert_eq!(parse(" , ").unwrap_err().error_code, ErrorCode::InvalidParams as u32);
    }
}
