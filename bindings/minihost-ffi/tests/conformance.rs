//! The conformance vectors (`tests/conformance/*.json`) against the core through this crate's
//! Rust API: the path with no foreign boundary. The Python and Kotlin runners drive the same
//! vectors through their bindings and judge them with the same matcher.

use minihost_ffi::{conformance_match, conformance_substitute, Consent, EffectBatch, HostConfig, HostCore, SheetAnswer, Transport};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "vectors in {}", dir.display());
    files
}

/// An app folder with the vector's config and files.
fn app(vector: &Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("minis.config.json"), vector["config"].to_string()).unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>Conformance</title>").unwrap();
    if let Some(files) = vector["files"].as_object() {
        for (name, content) in files {
            let text = match content {
                Value::String(s) => s.clone(),
                v => v["repeat"].as_str().unwrap().repeat(v["times"].as_u64().unwrap() as usize),
            };
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    dir
}

fn http(base: &str, step: &Value) -> Value {
    let client = reqwest::blocking::Client::new();
    let url = format!("{base}{}", step["path"].as_str().unwrap());
    let mut req = match step["method"].as_str().unwrap_or("GET") {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    if let Some(token) = step["bearer"].as_str() {
        req = req.bearer_auth(token);
    }
    if let Some(form) = step["form"].as_object() {
        let pairs: Vec<(String, String)> = form.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
        req = req.form(&pairs);
    } else if !step["json"].is_null() {
        req = req.json(&step["json"]);
    }
    req.send().unwrap().json().unwrap()
}

fn answer(v: &Value) -> SheetAnswer {
    match v {
        Value::String(s) => match s.as_str() {
            "allow" => SheetAnswer::Allow,
            "deny" => SheetAnswer::Deny,
            "dismiss" => SheetAnswer::Dismiss,
            "ad_ended" => SheetAnswer::AdEnded,
            other => panic!("unknown answer {other}"),
        },
        Value::Object(o) if o.contains_key("sign_in") => SheetAnswer::SignIn {
            username: o["sign_in"].as_str().unwrap().into(),
        },
        Value::Object(o) => SheetAnswer::TopUp {
            tier_id: o["top_up"].as_str().unwrap().into(),
        },
        other => panic!("unknown answer {other}"),
    }
}

fn effects(batch: EffectBatch) -> Value {
    serde_json::from_str(&batch.effects_json).unwrap()
}

fn run(path: &Path, app_origin: Option<&str>) {
    let vector: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let platform = minihost_platform::Platform::in_memory(minihost_platform::PlatformOptions::default()).unwrap();
    let (base, _server) = rt.block_on(minihost_platform::spawn_on_loopback(platform)).unwrap();
    for step in vector["setup"].as_array().into_iter().flatten() {
        http(&base, step);
    }
    let (app, data) = (app(&vector), tempfile::tempdir().unwrap());
    let host = &vector["host"];
    let core = HostCore::new(
        HostConfig {
            app_dir: Some(app.path().to_string_lossy().into()),
            app_package: None,
            data_dir: data.path().to_string_lossy().into(),
            platform_url: base.clone(),
            pairing_token: None,
            transport: Transport::Android,
            consent: match host["consent"].as_str().unwrap_or("ask") {
                "allow" => Consent::Allow,
                "deny" => Consent::Deny,
                _ => Consent::Ask,
            },
            user: match host.get("user") {
                None => Some("alice".into()),
                Some(Value::Null) => None,
                Some(u) => Some(u.as_str().unwrap().into()),
            },
            dark: false,
            client_key: None,
            app_origin: app_origin.map(str::to_string),
            start_script_in_html: None,
        },
        None,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let app = core.app_origin();
    let mut vars = json!({ "app": app }).to_string();
    for (i, raw) in vector["steps"].as_array().unwrap().iter().enumerate() {
        let step: Value = serde_json::from_str(&conformance_substitute(raw.to_string(), vars.clone())).unwrap();
        let page = step["page"].as_str().map_or_else(|| format!("{app}/index.html"), str::to_string);
        let actual = match step["do"].as_str().unwrap() {
            "message" => {
                let text = step["raw"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| step["message"].to_string());
                effects(core.handle_message(page.as_bytes(), text.as_bytes()))
            }
            "answer" => effects(core.answer_sheet(step["sheet"].as_u64().unwrap(), answer(&step["answer"]))),
            "ready" => effects(core.sheet_ready(step["sheet"].as_u64().unwrap())),
            "asset" => asset(core.resolve_asset(step["url"].as_str().unwrap().into(), step["range"].as_str().map(Into::into))),
            "intercept" => core
                .intercept_request(step["url"].as_str().unwrap().into(), step["range"].as_str().map(Into::into))
                .map_or(Value::Null, asset),
            "request_allowed" => json!(core.is_request_allowed(step["url"].as_str().unwrap().into())),
            "navigation_allowed" => json!(core.is_navigation_allowed(step["url"].as_str().unwrap().into())),
            "menu" => effects(core.menu_chosen(step["id"].as_str().unwrap().into())),
            "title" => effects(core.title_changed(step["title"].as_str().unwrap().into())),
            "http" => http(&base, &step),
            "script" => json!(core.document_start_script()),
            other => panic!("{name}: unknown step {other}"),
        };
        let m = conformance_match(step["expect"].to_string(), actual.to_string(), vars.clone());
        assert!(m.ok, "{name} at {app}, step {i} ({}): {}", step["do"], m.message);
        vars = m.vars_json;
    }
}

fn asset(r: minihost_ffi::AssetResponse) -> Value {
    let headers: Map<String, Value> = r.headers.iter().map(|h| (h.name.to_lowercase(), json!(h.value))).collect();
    let prefix = String::from_utf8_lossy(&r.body[..r.body.len().min(32)]).into_owned();
    json!({"status": r.status, "reason": r.reason, "headers": headers, "body_len": r.body.len(), "body_prefix": prefix})
}

/// Android's https origin (the default with its transport); the Kotlin runner uses it too.
#[test]
fn every_vector_passes_against_the_core_on_the_android_origin() {
    for path in vectors() {
        run(&path, None);
    }
}

/// The custom scheme of iOS and the desktop: the vectors hold for either origin.
#[test]
fn every_vector_passes_against_the_core_on_the_custom_scheme() {
    for path in vectors() {
        run(&path, Some("minihost://app"));
    }
}
