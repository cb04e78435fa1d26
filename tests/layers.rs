//! The crates show the layers, and `cargo metadata` holds them: what each crate links (its
//! normal dependencies, transitively) leaves out what its layer must not know.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Each workspace crate and what must never be in its normal dependency closure.
const LAYERS: &[(&str, &[&str])] = &[
    // The core every shell drives: no webview, no emulator, no CLI or server framework.
    (
        "minihost-core",
        &[
            "wry",
            "tao",
            "gtk",
            "webkit2gtk",
            "rusqlite",
            "libsqlite3-sys",
            "axum",
            "clap",
            "oxc_parser",
            "minihost-platform",
            "minihost-backend",
            "minihost-desktop",
            "minihost-devtools",
        ],
    ),
    // A foreign shell's library gets the core and uniffi, nothing of the desktop or emulator.
    // (Not `clap`: metadata unifies uniffi's features with the workspace's bindgen, whose `cli`
    // brings it.)
    (
        "minihost-ffi",
        &[
            "wry",
            "tao",
            "gtk",
            "rusqlite",
            "axum",
            "minihost-platform",
            "minihost-desktop",
            "minihost-devtools",
        ],
    ),
    // The desktop shell adapts the core; it knows neither the emulator nor the developer tools.
    (
        "minihost-desktop",
        &[
            "rusqlite",
            "clap",
            "oxc_parser",
            "minihost-platform",
            "minihost-backend",
            "minihost-devtools",
        ],
    ),
    // The developer tools read an app; they open no window and start no platform.
    (
        "minihost-devtools",
        &[
            "wry",
            "tao",
            "gtk",
            "rusqlite",
            "axum",
            "clap",
            "minihost-platform",
            "minihost-backend",
            "minihost-desktop",
        ],
    ),
    // The emulator is TikTok's side: it knows nothing of the host.
    ("minihost-platform", &["minihost-core", "wry", "tao", "gtk", "oxc_parser"]),
    // The reference backend is an app's server: it reaches the platform over HTTP only.
    ("minihost-backend", &["minihost-platform", "minihost-core", "wry", "tao"]),
    // What host and platform share is types and signing, nothing that runs.
    (
        "minihost-platform-api",
        &["minihost-core", "minihost-platform", "axum", "rusqlite", "tokio"],
    ),
];

/// `cargo metadata` for this machine's Linux target.
fn metadata() -> &'static Value {
    static META: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    META.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--filter-platform"])
            .arg(format!("{}-unknown-linux-gnu", std::env::consts::ARCH))
            .arg("--manifest-path")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .output()
            .unwrap();
        assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    })
}

/// Package name → the names of its normal dependencies, transitively.
fn closures(meta: &Value) -> HashMap<String, BTreeSet<String>> {
    let name_of: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let normal: HashMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    let mut out = HashMap::new();
    for member in meta["workspace_members"].as_array().unwrap() {
        let mut seen = BTreeSet::new();
        let mut todo = vec![member.as_str().unwrap()];
        while let Some(id) = todo.pop() {
            for dep in &normal[id] {
                if seen.insert(name_of[dep].to_string()) {
                    todo.push(dep);
                }
            }
        }
        out.insert(name_of[member.as_str().unwrap()].to_string(), seen);
    }
    out
}

#[test]
fn each_crate_links_only_what_its_layer_may_know() {
    let closures = closures(metadata());
    for (krate, banned) in LAYERS {
        let links = closures.get(*krate).unwrap_or_else(|| panic!("{krate} is not a workspace member"));
        let found: Vec<&&str> = banned.iter().filter(|b| links.contains(**b)).collect();
        assert!(found.is_empty(), "{krate} links {found:?}; its layer must not know them");
    }
}

/// The check above is not vacuous: the CLI, which assembles every layer, links each of them.
#[test]
fn the_cli_links_every_layer() {
    let closures = closures(metadata());
    let cli = &closures["minihost"];
    for layer in [
        "minihost-core",
        "minihost-desktop",
        "minihost-devtools",
        "minihost-platform",
        "minihost-backend",
        "wry",
        "clap",
    ] {
        assert!(cli.contains(layer), "minihost links {layer}");
    }
}

/// Shells and the tests that drive a `Host` as a shell would come in through one door:
/// `minihost_core::shell_api`, never another module of the core.
#[test]
fn shells_reach_the_core_only_through_the_shell_api() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shells = [
        "crates/minihost-desktop/src",
        "bindings/minihost-ffi/src",
        "tests/support",
        "tests/host.rs",
        "tests/purchases.rs",
        "tests/stalled_platform.rs",
        "tests/toy_shell.rs",
    ];
    let mut files = Vec::new();
    for path in shells.map(|p| root.join(p)) {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            files.push(path);
        }
    }
    let mut reached = 0;
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("minihost_core::") {
                reached += 1;
                let path = &line[at + "minihost_core::".len()..];
                assert!(
                    path.starts_with("shell_api"),
                    "{}:{}: reaches minihost_core::{path} around the shell API",
                    file.display(),
                    n + 1
                );
            }
        }
    }
    assert!(reached >= shells.len(), "each of them uses the core ({reached} uses found)");
}

/// The core's modules (`crates/minihost-core/src/*`) as `module -> modules it names`, from
/// `crate::module` paths in production code (test modules and files left out).
fn core_imports() -> HashMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/minihost-core/src");
    let modules: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "lib.rs"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    let names: BTreeSet<&str> = modules.iter().map(|(n, _)| n.as_str()).collect();
    let mut imports = HashMap::new();
    for (name, path) in &modules {
        let mut files = vec![path.clone()];
        let mut found = BTreeSet::new();
        while let Some(file) = files.pop() {
            if file.is_dir() {
                files.extend(std::fs::read_dir(&file).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let stem = file.file_stem().unwrap().to_string_lossy();
            if stem == "tests" || stem == "proptests" || file.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let production = text.split("#[cfg(test)]").next().unwrap();
            for (at, _) in production.match_indices("crate::") {
                let rest = &production[at + "crate::".len()..];
                let module: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if module != *name && names.contains(module.as_str()) {
                    found.insert(module);
                }
            }
        }
        imports.insert(name.clone(), found);
    }
    imports
}

/// The core's modules form layers: no module reaches back to one that reaches it (config and
/// policy, or the bridge and the config, once named each other).
#[test]
fn the_cores_modules_import_no_circle() {
    let imports = core_imports();
    assert!(
        imports["host"].contains("bridge") && imports["policy"].contains("config"),
        "the scan sees imports: {imports:?}"
    );
    for (module, direct) in &imports {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = direct.iter().collect();
        while let Some(next) = todo.pop() {
            assert_ne!(next, module, "{module} reaches itself through its imports: {imports:?}");
            if seen.insert(next) {
                todo.extend(imports[next].iter());
            }
        }
    }
}
