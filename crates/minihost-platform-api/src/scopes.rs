//! OAuth scopes: the ones the platform knows, the one table of their consent wording, and the
//! one scope-list parser (the platform's endpoints and the bridge both use it).

pub const USER_INFO_OPEN_ID: &str = "user.info.open_id";
pub const USER_INFO_BASIC: &str = "user.info.basic";
pub const USER_INFO_PROFILE: &str = "user.info.profile";
pub const USER_INFO_STATS: &str = "user.info.stats";

/// Every scope the emulator grants, in the canonical order scope lists are stored and returned.
pub const KNOWN_SCOPES: [&str; 4] = [USER_INFO_OPEN_ID, USER_INFO_BASIC, USER_INFO_PROFILE, USER_INFO_STATS];

/// What an app may request when it is registered without `allowed_scopes`.
pub const DEFAULT_ALLOWED_SCOPES: [&str; 4] = KNOWN_SCOPES;

/// The scopes a Mini may request through `TTMinis.login`/`authorize`.
pub const MINIS_SCOPES: [&str; 2] = [USER_INFO_OPEN_ID, USER_INFO_BASIC];

/// The line a consent screen (the host's sheet and the platform's web page) shows for a scope.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        USER_INFO_OPEN_ID => "Know who you are on this app (your open ID)",
        USER_INFO_BASIC => "Read your profile info (avatar and display name)",
        USER_INFO_PROFILE => "Read your profile details (username, bio, verification)",
        USER_INFO_STATS => "Read your stats (followers, following, likes, videos)",
        _ => "Unknown permission",
    }
}

pub fn is_known(scope: &str) -> bool {
    KNOWN_SCOPES.contains(&scope)
}

/// Splits a scope parameter. TikTok documents commas; spaces (RFC 6749's separator) are also
/// accepted. Duplicates and empty items are dropped; order is canonical.
pub fn parse_list(text: &str) -> Vec<String> {
    let items: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    canonical(items)
}

/// Deduplicates and orders scopes: known scopes in [`KNOWN_SCOPES`] order, unknown ones after,
/// in their first-seen order.
pub fn canonical<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.iter().any(|s| s == item) {
            out.push(item.to_string());
        }
    }
    out.sort_by_key(|s| KNOWN_SCOPES.iter().position(|k| k == s).unwrap_or(usize::MAX));
    out
}

pub fn join(scopes: &[String]) -> String {
    scopes.join(",")
}

/// Reads a stored, comma-joined scope list.
pub fn split_stored(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_commas_and_spaces_and_orders_canonically() {
        assert_eq!(
            parse_list("user.info.stats, user.info.basic,,user.info.basic user.info.open_id"),
            vec![USER_INFO_OPEN_ID, USER_INFO_BASIC, USER_INFO_STATS]
        );
        assert!(parse_list(" , ").is_empty());
    }

    #[test]
    fn unknown_scopes_survive_parsing_so_validation_can_name_them() {
        assert_eq!(parse_list("video.list,user.info.basic"), vec![USER_INFO_BASIC, "video.list"]);
        assert!(!is_known("video.list"));
    }

    #[test]
    fn stored_lists_round_trip() {
        let scopes = parse_list("user.info.basic,user.info.profile");
        assert_eq!(split_stored(&join(&scopes)), scopes);
        assert!(split_stored("").is_empty());
    }
}
