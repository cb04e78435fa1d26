//! The crate's layers, read from its sources: domain modules use no HTTP type and no module of
//! the HTTP layer; API modules use the HTTP kit (`http`, `loopback_only`) and no other API
//! module; the kit uses no API module; only `router` imports the APIs, and only the crate root
//! imports `router`.

/// The HTTP layer: the API modules, the router and the kit.
const HTTP_LAYER: &[&str] = &[
    "admin",
    "authorize_page",
    "host_api",
    "http",
    "legacy_v1",
    "loopback_only",
    "media_api",
    "minis_api",
    "oauth",
    "router",
    "user_info_api",
];

const DOMAIN: &[&str] = &[
    "ads",
    "apps",
    "beans",
    "clock",
    "codes",
    "commit",
    "devices",
    "dramas",
    "error",
    "grants",
    "host_platform",
    "ids",
    "media_assets",
    "purge",
    "secrets",
    "store",
    "subscriptions",
    "tokens",
    "trade_orders",
    "user_info",
    "users",
    "webhooks",
];

fn source(module: &str) -> String {
    let path = format!("{}/src/{module}.rs", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The crate modules `source` names through `super::` or `crate::`, in `use` lists too.
fn crate_modules_used(source: &str) -> Vec<String> {
    let mut used = Vec::new();
    for (at, _) in source.match_indices("super::").chain(source.match_indices("crate::")) {
        let rest = &source[at..];
        let rest = &rest[rest.find("::").unwrap_or(0) + 2..];
        let names = match rest.strip_prefix('{') {
            // A `use` list: the first name of each top-level item.
            Some(list) => top_level_items(list),
            None => vec![rest],
        };
        used.extend(names.into_iter().map(|item| {
            let item = item.trim_start();
            let end = item.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(item.len());
            item[..end].to_string()
        }));
    }
    used
}

fn top_level_items(list: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0, 0, Vec::new());
    for (i, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items
}

#[test]
fn domain_modules_use_no_http() {
    for module in DOMAIN {
        let source = source(module);
        for http in ["axum", "http::", "StatusCode"] {
            assert!(!source.contains(http), "{module}.rs uses {http}");
        }
        let used = crate_modules_used(&source);
        if let Some(layer) = used.iter().find(|m| HTTP_LAYER.contains(&m.as_str())) {
            panic!("{module}.rs uses the HTTP layer's {layer}");
        }
    }
}

/// What every API module may use of the HTTP layer.
const KIT: &[&str] = &["http", "loopback_only"];

#[test]
fn only_the_router_imports_the_apis() {
    for module in HTTP_LAYER.iter().filter(|m| **m != "router") {
        let used = crate_modules_used(&source(module));
        let layer = used.iter().find(|m| HTTP_LAYER.contains(&m.as_str()) && !KIT.contains(&m.as_str()));
        assert_eq!(layer, None, "{module}.rs imports an API module or the router");
        if KIT.contains(module) {
            let api = used.iter().find(|m| HTTP_LAYER.contains(&m.as_str()) && *m != "http");
            assert_eq!(api, None, "the kit's {module}.rs imports an API module");
        }
    }
}

#[test]
fn every_module_has_a_layer() {
    let src = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap();
    for entry in src {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let module = name.trim_end_matches(".rs");
        // The crate root and the command line sit above both layers.
        let known = DOMAIN.contains(&module) || HTTP_LAYER.contains(&module) || ["lib", "cli"].contains(&module);
        assert!(known, "src/{name} is in no layer of this test");
    }
}

#[test]
fn the_reader_sees_use_lists_and_paths() {
    let used = crate_modules_used("use super::{a, b::{c, d}, e};\nfn f() { crate::g::h(); super::i::j() }");
    assert_eq!(used, ["a", "b", "e", "i", "g"]);
}
