//! Projects laid out as real Minis apps are: a Vite root (config and the source index.html at
//! the root, the build in dist/), Create React App (public/index.html, build/), and a plain
//! static folder. Each is run by pointing minihost at the project, and its built page reports.

use crate::harness::{field, serial, Collector, Host};
use std::path::Path;

fn write(dir: &Path, files: &[(&str, String)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The built page's script: init with `key`, log in, report where it runs and the code.
fn page_script(collector: &Collector, layout: &str, key: &str) -> String {
    format!(
        r#"TTMinis.init({{ clientKey: '{key}' }});
TTMinis.login({{
  success: (res) => fetch('{url}/result/{layout}', {{ method: 'POST', body: JSON.stringify({{ href: location.href, title: document.title, code: res.code }}) }}),
  fail: (err) => fetch('{url}/result/{layout}', {{ method: 'POST', body: JSON.stringify({{ href: location.href, error: err }}) }}),
}});
"#,
        url = collector.url
    )
}

fn built_html(title: &str, script: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>
<script type="module" src="{script}"></script></head><body><div id="root">built</div></body></html>"#
    )
}

fn config(collector: &Collector, extra: &str) -> String {
    format!(r#"{{ {extra} "domain": {{ "trustedDomains": ["{}"] }} }}"#, collector.url)
}

#[test]
fn a_vite_project_root_runs_its_dist_build_and_adopts_the_page_key() {
    let _g = serial();
    let collector = Collector::start();
    let project = tempfile::tempdir().unwrap();
    // No dev.clientKey: the key the page passes to TTMinis.init is the app's.
    write(
        project.path(),
        &[
            ("minis.config.json", config(&collector, r#""build": { "outputDir": "dist" },"#)),
            (
                "package.json",
                r#"{"name":"vite-drama","scripts":{"dev":"vite","build":"vite build"}}"#.into(),
            ),
            (
                "index.html",
                r#"<div id="root"></div><script type="module" src="/src/main.tsx"></script>"#.into(),
            ),
            ("src/main.tsx", "export {}".into()),
            ("dist/index.html", built_html("Vite drama", "/assets/index-4f2a.js")),
            ("dist/assets/index-4f2a.js", page_script(&collector, "vite", "vite-real-key")),
        ],
    );
    let host = Host::start(project.path(), &[]);
    let r = collector.wait("vite", &host);
    assert_eq!(r["href"], "minihost://app/", "{r}");
    assert!(r["code"].is_string(), "the login worked under the adopted key: {r}");
    let adopted = host.wait_event("key adopted", |e| field(e, "message").starts_with("adopted the clientKey"));
    assert_eq!(field(&adopted, "client_key"), "vite-real-key");
    let registered = host.wait_event("the page's key registered", |e| {
        field(e, "message") == "registered app on the platform" && field(e, "client_key") == "vite-real-key"
    });
    // The code was minted for the adopted key: the platform exchanges it with that key's secret.
    let token = crate::harness::post_form(
        &format!("{}/v2/oauth/token/", host.platform_url()),
        &[
            ("client_key", "vite-real-key"),
            ("client_secret", field(&registered, "client_secret")),
            ("code", r["code"].as_str().unwrap()),
            ("grant_type", "authorization_code"),
        ],
    );
    assert!(token["access_token"].is_string(), "{token}");
    // Named after the project, never its build folder; the mismatch warning is gone.
    assert!(
        host.stdout_line("platform: ").contains("client_key minihost-vite-drama"),
        "the stand-in key names the project"
    );
    assert!(
        !host.events().iter().any(|e| field(e, "message").contains("differs")),
        "no key warning when the config names none"
    );
}

#[test]
fn a_create_react_app_project_runs_its_build_folder() {
    let _g = serial();
    let collector = Collector::start();
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        &[
            ("minis.config.json", config(&collector, r#""dev": { "clientKey": "cra-key" },"#)),
            ("public/index.html", r#"<div id="root"></div>"#.into()),
            ("src/index.js", "import React from 'react';".into()),
            ("build/index.html", built_html("CRA drama", "/static/js/main.1a2b.js")),
            ("build/static/js/main.1a2b.js", page_script(&collector, "cra", "cra-key")),
        ],
    );
    let host = Host::start(project.path(), &[]);
    let r = collector.wait("cra", &host);
    assert_eq!(
        (r["href"].as_str(), r["title"].as_str()),
        (Some("minihost://app/"), Some("CRA drama")),
        "{r}"
    );
    assert!(r["code"].is_string(), "{r}");
}

#[test]
fn a_plain_static_folder_is_served_as_it_is() {
    let _g = serial();
    let collector = Collector::start();
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        &[
            ("minis.config.json", config(&collector, r#""dev": { "clientKey": "plain-key" },"#)),
            ("index.html", built_html("Plain drama", "./js/app.js")),
            ("js/app.js", page_script(&collector, "plain", "plain-key")),
        ],
    );
    let host = Host::start(project.path(), &[]);
    let r = collector.wait("plain", &host);
    assert_eq!(r["title"], "Plain drama", "{r}");
    assert!(r["code"].is_string(), "{r}");
}
