//! Error codes the bridge puts in `error.error_code`. Where TikTok documents a code (ads,
//! subscriptions) minihost uses it; for the cases it documents none, minihost's are fixed here.
//! [`ErrorCode::ALL`] is the one table, [`ErrorCode::AD_CREATE`] and [`ErrorCode::AD_SHOW`]
//! say which of its codes TikTok documents for each ad call, and a test holds bridge-js's
//! typings, its timeout code and the README to it.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    /// Ads (documented for `create`, no meaning given).
    AdCreate500 = 500,
    /// The method does not exist (or not in this host version). Ads also document it for
    /// `create` and `show`, with no meaning given.
    Unsupported = 10001,
    /// `params` has a wrong type or value; the message names the field.
    InvalidParams = 10002,
    /// The user cancelled or denied a sheet.
    UserDenied = 10003,
    /// No test user is signed in and none was picked.
    NotLoggedIn = 10004,
    /// The message came from a surface not allowed to call this method.
    Forbidden = 10005,
    /// The message exceeds `MAX_MESSAGE_BYTES`.
    TooLarge = 10006,
    /// Not JSON, or not an `{id, method, params}` envelope.
    Malformed = 10007,
    /// A scope Minis may not request (only user.info.basic and user.info.open_id).
    ScopeNotAllowed = 10008,
    /// `pay`: the user has too few Beans and did not top up.
    InsufficientBeans = 10009,
    /// `pay`: the trade order was paid already, is another user's, or is a subscription's.
    OrderNotPayable = 10010,
    /// `pay`/`createSubscription`: no such trade order on the platform.
    OrderNotFound = 10011,
    /// Ads (documented for `create`, no meaning given).
    AdCreate11001 = 11001,
    /// Ads (documented for `show`, no meaning given).
    AdShow11002 = 11002,
    /// Ads (documented): this instance was shown already; create one per show.
    AdAlreadyShown = 11003,
    /// Ads (documented): too soon after the unit's previous ad.
    AdTooSoon = 11004,
    /// Ads (documented): the unit's daily limit is reached.
    AdCapReached = 11005,
    /// Ads (documented for `create`, no meaning given).
    AdCreate20000 = 20000,
    /// Ads (documented for `create`): minihost's "no fill" (`dev.ads.*.noFill`). TikTok lists
    /// 20001 without a meaning; that it means no fill is UNCONFIRMED.
    AdNoFill = 20001,
    /// Ads (documented for `create`, no meaning given).
    AdCreate20002 = 20002,
    /// Ads (documented for `create`, no meaning given).
    AdCreate20003 = 20003,
    /// Ads (documented for `create`, no meaning given).
    AdCreate20007 = 20007,
    /// Ads (documented for `create` and `show`): the user exited before the ad finished.
    AdUserExited = 30001,
    /// The host failed (e.g. the platform database); details are in the host log. Ads also
    /// document it for `create` and `show`, with no meaning given.
    Internal = 50000,
    /// The platform could not be reached or refused this host (a remote platform went away).
    PlatformUnavailable = 50001,
    /// No reply came in time. Raised by bridge-js, never by the host.
    Timeout = 50002,
    /// Ads (documented for `show`, no meaning given).
    AdShow50101 = 50101,
    /// Ads (documented for `show`, no meaning given).
    AdShow50102 = 50102,
    /// Ads (documented for `show`, no meaning given).
    AdShow50103 = 50103,
    /// Ads (documented for `show`, no meaning given).
    AdShow50104 = 50104,
    /// Ads (documented for `show`, no meaning given).
    AdShow50105 = 50105,
    /// Ads (documented for `show`, no meaning given).
    AdShow50106 = 50106,
    /// Ads (documented for `show`, no meaning given).
    AdShow50107 = 50107,
    /// `createSubscription` (documented; a string in its callback): a required parameter is empty.
    SubscriptionParamEmpty = 116101,
    /// `createSubscription` (documented): client internal error.
    SubscriptionInternal = 116502,
    /// `createSubscription` (documented): user-side error (another user's order, already subscribed).
    SubscriptionUserError = 116600,
    /// `createSubscription` (documented meaning inferred, UNCONFIRMED): the user cancelled.
    SubscriptionCancelled = 116601,
}

impl ErrorCode {
    /// Every code, with the meaning the README and bridge-js's typings give it.
    pub const ALL: [(ErrorCode, &'static str); 37] = [
        (ErrorCode::AdCreate500, "ad create error (meaning undocumented)"),
        (ErrorCode::Unsupported, "unsupported method"),
        (ErrorCode::InvalidParams, "invalid params (the message names the field)"),
        (ErrorCode::UserDenied, "user denied or cancelled"),
        (ErrorCode::NotLoggedIn, "not logged in"),
        (ErrorCode::Forbidden, "caller not allowed"),
        (ErrorCode::TooLarge, "message over 1 MiB"),
        (ErrorCode::Malformed, "malformed message"),
        (ErrorCode::ScopeNotAllowed, "scope not available to Minis"),
        (ErrorCode::InsufficientBeans, "not enough Beans"),
        (
            ErrorCode::OrderNotPayable,
            "trade order already paid, of another user, or not a Beans order",
        ),
        (ErrorCode::OrderNotFound, "unknown trade order"),
        (ErrorCode::AdCreate11001, "ad create error (meaning undocumented)"),
        (ErrorCode::AdShow11002, "ad show error (meaning undocumented)"),
        (ErrorCode::AdAlreadyShown, "ad instance already shown (create one per show)"),
        (ErrorCode::AdTooSoon, "ad shown too soon after the previous one"),
        (ErrorCode::AdCapReached, "ad daily limit reached"),
        (ErrorCode::AdCreate20000, "ad create error (meaning undocumented)"),
        (ErrorCode::AdNoFill, "no ad to fill the unit (meaning unconfirmed)"),
        (ErrorCode::AdCreate20002, "ad create error (meaning undocumented)"),
        (ErrorCode::AdCreate20003, "ad create error (meaning undocumented)"),
        (ErrorCode::AdCreate20007, "ad create error (meaning undocumented)"),
        (ErrorCode::AdUserExited, "ad: user exited before it finished"),
        (ErrorCode::Internal, "host error"),
        (ErrorCode::PlatformUnavailable, "platform unreachable"),
        (ErrorCode::Timeout, "no reply in time (from bridge-js)"),
        (ErrorCode::AdShow50101, "ad show error (meaning undocumented)"),
        (ErrorCode::AdShow50102, "ad show error (meaning undocumented)"),
        (ErrorCode::AdShow50103, "ad show error (meaning undocumented)"),
        (ErrorCode::AdShow50104, "ad show error (meaning undocumented)"),
        (ErrorCode::AdShow50105, "ad show error (meaning undocumented)"),
        (ErrorCode::AdShow50106, "ad show error (meaning undocumented)"),
        (ErrorCode::AdShow50107, "ad show error (meaning undocumented)"),
        (ErrorCode::SubscriptionParamEmpty, "subscription: required parameter empty"),
        (ErrorCode::SubscriptionInternal, "subscription: client internal error"),
        (ErrorCode::SubscriptionUserError, "subscription: user-side error"),
        (ErrorCode::SubscriptionCancelled, "subscription: user cancelled"),
    ];

    /// The codes TikTok documents for creating an ad (platform-spec §1.8), in its order:
    /// what `dev.ads.*.createError` may force.
    pub const AD_CREATE: [ErrorCode; 10] = [
        ErrorCode::AdCreate11001,
        ErrorCode::AdCreate20000,
        ErrorCode::AdNoFill,
        ErrorCode::AdCreate20002,
        ErrorCode::AdCreate20003,
        ErrorCode::AdCreate20007,
        ErrorCode::AdUserExited,
        ErrorCode::Internal,
        ErrorCode::AdCreate500,
        ErrorCode::Unsupported,
    ];

    /// The codes TikTok documents for `show()`, in its order: what `dev.ads.*.showError`
    /// may force.
    pub const AD_SHOW: [ErrorCode; 14] = [
        ErrorCode::Unsupported,
        ErrorCode::AdShow11002,
        ErrorCode::AdAlreadyShown,
        ErrorCode::AdTooSoon,
        ErrorCode::AdCapReached,
        ErrorCode::AdUserExited,
        ErrorCode::Internal,
        ErrorCode::AdShow50101,
        ErrorCode::AdShow50102,
        ErrorCode::AdShow50103,
        ErrorCode::AdShow50104,
        ErrorCode::AdShow50105,
        ErrorCode::AdShow50106,
        ErrorCode::AdShow50107,
    ];

    /// The number on the wire.
    pub const fn code(self) -> u32 {
        self as u32
    }
}

/// On the wire a code is its number.
impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BridgeError {
    pub error_code: ErrorCode,
    pub error_msg: String,
}

impl BridgeError {
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> BridgeError {
        BridgeError {
            error_code: code,
            error_msg: msg.into(),
        }
    }

    /// The code's number, as the reply carries it.
    pub fn code(&self) -> u32 {
        self.error_code.code()
    }
}

impl From<crate::platform::HostPlatformError> for BridgeError {
    fn from(e: crate::platform::HostPlatformError) -> BridgeError {
        use crate::platform::monetization::DeclineReason;
        use crate::platform::HostPlatformError::{Declined, Refused, Unreachable};
        if let Declined { reason, message } = &e {
            let code = match reason {
                DeclineReason::InsufficientBeans => ErrorCode::InsufficientBeans,
                DeclineReason::AlreadyPaid | DeclineReason::NotYours | DeclineReason::WrongKind => ErrorCode::OrderNotPayable,
                DeclineReason::AlreadySubscribed => ErrorCode::SubscriptionUserError,
            };
            tracing::info!(target: "minihost::bridge", ?reason, "the platform declined: {message}");
            return BridgeError::new(code, message.clone());
        }
        tracing::error!(target: "minihost::bridge", error = %e, "platform error during a bridge call");
        let code = match e {
            Unreachable { .. } | Refused { .. } => ErrorCode::PlatformUnavailable,
            _ => ErrorCode::Internal,
        };
        BridgeError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    const README: &str = include_str!("../../../README.md");
    const TYPINGS: &str = include_str!("../../../bridge-js/types/ttminis.d.ts");
    const RPC_JS: &str = include_str!("../../../bridge-js/src/rpc.js");

    /// The array of the named variants, and a match on them with no wildcard: it does not
    /// compile unless every variant is named, so a new one must be added here, and then
    /// [`all_has_every_variant_once`] fails until it is in `ErrorCode::ALL`.
    macro_rules! every_variant {
        ($($v:ident),* $(,)?) => {{
            fn _exhaustive(c: ErrorCode) {
                match c {
                    $(ErrorCode::$v => {})*
                }
            }
            [$(ErrorCode::$v),*]
        }};
    }

    fn every_variant() -> Vec<ErrorCode> {
        every_variant!(
            AdCreate500,
            Unsupported,
            InvalidParams,
            UserDenied,
            NotLoggedIn,
            Forbidden,
            TooLarge,
            Malformed,
            ScopeNotAllowed,
            InsufficientBeans,
            OrderNotPayable,
            OrderNotFound,
            AdCreate11001,
            AdShow11002,
            AdAlreadyShown,
            AdTooSoon,
            AdCapReached,
            AdCreate20000,
            AdNoFill,
            AdCreate20002,
            AdCreate20003,
            AdCreate20007,
            AdUserExited,
            Internal,
            PlatformUnavailable,
            Timeout,
            AdShow50101,
            AdShow50102,
            AdShow50103,
            AdShow50104,
            AdShow50105,
            AdShow50106,
            AdShow50107,
            SubscriptionParamEmpty,
            SubscriptionInternal,
            SubscriptionUserError,
            SubscriptionCancelled,
        )
        .to_vec()
    }

    /// `(code, meaning)` of every row of `ErrorCode::ALL`, in order.
    fn table() -> Vec<(u32, &'static str)> {
        ErrorCode::ALL.iter().map(|&(c, m)| (c.code(), m)).collect()
    }

    #[test]
    fn all_has_every_variant_once() {
        for v in every_variant() {
            let n = ErrorCode::ALL.iter().filter(|(c, _)| *c == v).count();
            assert_eq!(n, 1, "{v:?} is listed {n} times in ErrorCode::ALL, not once");
        }
        assert_eq!(ErrorCode::ALL.len(), every_variant().len(), "ErrorCode::ALL has extra rows");
    }

    #[test]
    fn codes_are_distinct_and_meanings_present() {
        let rows = table();
        for (i, (code, meaning)) in rows.iter().enumerate() {
            assert!(!meaning.trim().is_empty(), "{code} has no meaning");
            assert!(
                !meaning.contains('|') && !meaning.contains('\''),
                "{code}: meaning {meaning:?} cannot go in a table"
            );
            for (other, _) in &rows[i + 1..] {
                assert_ne!(code, other, "error code {code} is in ErrorCode::ALL twice");
            }
        }
    }

    /// The ad lists are platform-spec §1.8's, number for number and in its order.
    #[test]
    fn ad_lists_are_the_documented_codes() {
        let numbers = |codes: &[ErrorCode]| codes.iter().map(|c| c.code()).collect::<Vec<_>>();
        assert_eq!(
            numbers(&ErrorCode::AD_CREATE),
            [11001, 20000, 20001, 20002, 20003, 20007, 30001, 50000, 500, 10001]
        );
        assert_eq!(
            numbers(&ErrorCode::AD_SHOW),
            [10001, 11002, 11003, 11004, 11005, 30001, 50000, 50101, 50102, 50103, 50104, 50105, 50106, 50107]
        );
    }

    /// The rows of the README's `| code | meaning |` table.
    fn readme_rows() -> Vec<String> {
        let mut lines = README.lines().map(str::trim);
        lines
            .find(|l| *l == "| code | meaning |")
            .expect("README.md has no `| code | meaning |` table of bridge error codes");
        let sep = lines.next().unwrap_or_default();
        assert!(
            sep.starts_with("|-") || sep.starts_with("| -"),
            "README.md: no separator under `| code | meaning |`"
        );
        lines.take_while(|l| l.starts_with('|')).map(str::to_string).collect()
    }

    #[test]
    fn readme_table_is_error_code_all() {
        let expected: Vec<String> = table().iter().map(|(c, m)| format!("| {c} | {m} |")).collect();
        let rows = readme_rows();
        for row in &expected {
            assert!(
                rows.contains(row),
                "README.md's error table lacks the row `{row}`; it has {rows:#?}"
            );
        }
        assert_eq!(
            rows, expected,
            "README.md's error table differs from ErrorCode::ALL (extra rows or order)"
        );
    }

    /// The `NNNNN: 'meaning';` entries of `interface BridgeErrorCodes` in the typings.
    fn typed_codes() -> Vec<(u32, String)> {
        let start = TYPINGS
            .find("interface BridgeErrorCodes {")
            .expect("bridge-js/types/ttminis.d.ts has no `interface BridgeErrorCodes {`");
        let body = &TYPINGS[start..];
        let body = &body[..body.find('}').expect("unclosed interface BridgeErrorCodes")];
        body.lines()
            .skip(1)
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("/*") && !l.starts_with('*'))
            .map(|l| {
                let (code, meaning) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("ttminis.d.ts BridgeErrorCodes: unexpected line {l:?}"));
                let code = code
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("ttminis.d.ts: {code:?} is not a code"));
                let meaning = meaning.trim().trim_end_matches(';').trim().trim_matches('\'');
                (code, meaning.to_string())
            })
            .collect()
    }

    #[test]
    fn typings_list_error_code_all() {
        let expected: Vec<(u32, String)> = table().iter().map(|&(c, m)| (c, m.to_string())).collect();
        let typed = typed_codes();
        for (code, meaning) in &expected {
            assert!(
                TYPINGS.contains(&format!("{code}: '{meaning}';")),
                "bridge-js/types/ttminis.d.ts lacks `{code}: '{meaning}';` in BridgeErrorCodes"
            );
        }
        assert_eq!(typed, expected, "ttminis.d.ts BridgeErrorCodes differs from ErrorCode::ALL");
    }

    /// The value of a `const NAME = <number>;` line in rpc.js.
    fn js_const(name: &str) -> u32 {
        let prefix = format!("const {name} = ");
        let line = RPC_JS
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(&prefix).or_else(|| l.strip_prefix(&format!("export {prefix}"))))
            .unwrap_or_else(|| panic!("bridge-js/src/rpc.js defines no `const {name} = ...;`"));
        let value = line.trim_end_matches(';').trim();
        value
            .parse()
            .unwrap_or_else(|_| panic!("rpc.js: {name} = {value:?} is not a number"))
    }

    #[test]
    fn bridge_js_times_out_with_the_timeout_code() {
        assert_eq!(
            js_const("TIMEOUT_CODE"),
            ErrorCode::Timeout.code(),
            "bridge-js/src/rpc.js TIMEOUT_CODE is not ErrorCode::Timeout"
        );
    }

    #[test]
    fn bridge_js_local_codes_are_in_the_table() {
        let start = RPC_JS
            .find("const ERROR_CODES = Object.freeze({")
            .expect("bridge-js/src/rpc.js has no `const ERROR_CODES = Object.freeze({`");
        let body = &RPC_JS[start..];
        let body = &body[..body.find("});").expect("unclosed ERROR_CODES")];
        let codes: Vec<(u32, ErrorCode)> = ErrorCode::ALL.iter().map(|&(c, _)| (c.code(), c)).collect();
        let mut timeout_seen = false;
        for line in body
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
        {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("rpc.js ERROR_CODES: unexpected line {line:?}"));
            let value = value.trim().trim_end_matches(',').trim();
            let code = if value == "TIMEOUT_CODE" {
                js_const("TIMEOUT_CODE")
            } else {
                value
                    .parse()
                    .unwrap_or_else(|_| panic!("rpc.js ERROR_CODES.{name}: {value:?} is not a number"))
            };
            let variant = codes.iter().find(|(c, _)| *c == code).map(|(_, v)| *v);
            assert!(variant.is_some(), "rpc.js ERROR_CODES.{name} = {code} is not in ErrorCode::ALL");
            if variant == Some(ErrorCode::Timeout) {
                assert_eq!(name.trim(), "TIMEOUT", "rpc.js: only TIMEOUT may use the timeout code, not {name}");
                timeout_seen = true;
            }
        }
        assert!(timeout_seen, "rpc.js ERROR_CODES has no TIMEOUT entry with the timeout code");
    }
}
