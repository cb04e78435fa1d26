use super::*;

fn ok(text: &str) -> LoadedConfig {
    AppConfig::parse(Path::new("minis.config.json"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Renders every error as `line:col key: message` for compact assertions.
fn errors(text: &str) -> Vec<String> {
    let err = AppConfig::parse(Path::new("minis.config.json"), text).expect_err("config was accepted");
    err.errors()
        .iter()
        .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.key.as_deref().unwrap_or("-"), d.message))
        .collect()
}

fn warnings(text: &str) -> Vec<String> {
    ok(text)
        .warnings
        .iter()
        .map(|d| format!("{}:{} {}", d.line, d.column, d.key.as_deref().unwrap_or("-")))
        .collect()
}

#[test]
fn documented_table_shape() {
    let c = ok(r##"{
  "navbar": {"style": "custom", "bgColorLight": "#ffffff", "bgColorDark": "#000000"},
  "dev": {"host": "localhost", "port": 4000, "clientKey": "ck1"},
  "build": {"outputDir": "dist", "htmlEntry": "index.html"},
  "domain": {"trustedDomains": ["https://api.example.com"]}
}"##)
    .config;
    assert_eq!(c.navbar.style, NavbarStyle::Custom);
    assert_eq!(c.navbar.bg_color_light, Some(Color::WHITE));
    assert_eq!(c.navbar.bg_color_dark, Some(Color::BLACK));
    assert_eq!(
        (c.dev.host.as_str(), c.dev.port, c.dev.client_key.as_deref()),
        ("localhost", 4000, Some("ck1"))
    );
    assert_eq!((c.build.output_dir.as_str(), c.build.html_entry.as_str()), ("dist", "index.html"));
    assert!(c.trusted_domains.allows("https://api.example.com/x"));
}

#[test]
fn example_shape_with_alternate_spellings_comments_and_string_port() {
    // The docs' own example: lightModeBgColor, port as a string, build.output, allowList,
    // and a trailing comma.
    let c = ok(r##"{
  "navbar": { "lightModeBgColor": "#fff", "darkModeBgColor": "#111111", },
  "dev": { "port": "3001", "host": "localhost" },
  "build": { "output": "build", "htmlEntry": "public/index.html" },
  "domain": { "allowList": ["https://www.xxx.com"] }
}"##)
    .config;
    assert_eq!(c.navbar.bg_color_light, Some(Color::WHITE));
    assert_eq!(c.navbar.bg_color_dark, Some(Color::rgb(0x11, 0x11, 0x11)));
    assert_eq!(c.dev.port, 3001);
    assert_eq!(c.build.output_dir, "build");
    assert!(c.trusted_domains.allows("https://www.xxx.com/"));
}

#[test]
fn cli_template_with_line_comment_and_missing_comma() {
    let c = ok(r##"{
  "dev": {
    "_comment": "clientKey" // The client key of the app.
    "clientKey": "your-client-key",
    "name": "{{your_game_name}}",
    "host": "localhost",
    "port": 3000,
    "iconUrl": "{{your_icon_url}}",
    "desc": "{{your_description}}",
    "ppLink": "{{your_private_policy_url}}",
    "tosLink": "{{your_terms_of_service_url}}"
  },
  "navbar": { "bgColorLight": "#ffffff", "bgColorDark": "#000000" },
  "build": { "htmlEntry": "index.html", "outputDir": "dist" }
}"##);
    assert_eq!(c.config.dev.client_key.as_deref(), Some("your-client-key"));
    assert_eq!(c.config.dev.tos_link.as_deref(), Some("{{your_terms_of_service_url}}"));
    assert_eq!(
        warnings("{}"),
        ["1:1 domain.trustedDomains"],
        "missing trusted domains is a warning"
    );
}

#[test]
fn defaults_apply() {
    let c = ok(r#"{"domain": {"trustedDomains": []}}"#).config;
    assert_eq!(c.navbar.style, NavbarStyle::Default);
    assert_eq!((c.dev.host.as_str(), c.dev.port), ("localhost", 3000));
    assert_eq!(
        (c.build.output_dir.as_str(), c.build.html_entry.as_str()),
        ("build", "public/index.html")
    );
    assert!(c.trusted_domains.is_empty());
}

#[test]
fn syntax_errors_have_line_and_column() {
    let e = errors("{\n  \"dev\": {\n    \"port\": 3000\n  \n");
    assert_eq!(e.len(), 1);
    assert_eq!(e, ["2:10 -: invalid JSON: Unterminated object"]);
    assert!(errors("")[0].contains("empty"));
    assert_eq!(errors("[1]"), ["1:1 -: the config must be a JSON object, found an array"]);
}

#[test]
fn wrong_types_name_the_key() {
    assert_eq!(errors(r#"{"navbar": []}"#), ["1:12 navbar: expected an object, found an array"]);
    assert_eq!(
        errors(r#"{"dev": {"port": true}}"#),
        ["1:18 dev.port: expected a number, found a boolean"]
    );
    assert_eq!(
        errors(r#"{"dev": {"port": "70000"}}"#),
        ["1:18 dev.port: `70000` is not a TCP port (1-65535)"]
    );
    assert_eq!(
        errors(r#"{"dev": {"clientKey": 5}}"#),
        ["1:23 dev.clientKey: expected a string, found a number"]
    );
    assert_eq!(
        errors(r#"{"navbar": {"style": "fancy"}}"#),
        ["1:22 navbar.style: `fancy` is not a navbar style; use \"default\" or \"custom\""]
    );
    assert_eq!(
        errors(r#"{"domain": {"trustedDomains": "https://a.com"}}"#),
        ["1:31 domain.trustedDomains: expected an array of origins, found a string"]
    );
    assert_eq!(
        errors(r#"{"build": {"outputDir": "../elsewhere"}}"#),
        ["1:25 build.outputDir: `../elsewhere` must be a relative path inside the project"]
    );
}

#[test]
fn bad_colour_names_key_and_position() {
    let text = "{\n  \"navbar\": {\n    \"darkModeBgColor\": \"black\"\n  }\n}";
    assert_eq!(
        errors(text),
        ["3:24 navbar.darkModeBgColor: `black` is not a hex colour (expected #rgb, #rrggbb or #rrggbbaa)"]
    );
}

#[test]
fn conflicting_spellings_are_an_error_but_equal_ones_are_fine() {
    assert_eq!(
        errors(r##"{"navbar": {"bgColorLight": "#fff", "lightModeBgColor": "#000"}}"##),
        ["1:37 navbar.lightModeBgColor: conflicts with `navbar.bgColorLight`; these are two spellings of one setting"]
    );
    ok(r##"{"navbar": {"bgColorLight": "#fff", "lightModeBgColor": "#fff"}}"##);
}

#[test]
fn trusted_domain_errors() {
    let e = errors(r#"{"domain": {"trustedDomains": ["https://ok.com", "https://*.a.com", "http://b.com", "https://c.com/api"]}}"#);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e[0].starts_with("1:50 domain.trustedDomains[1]: `https://*.a.com` contains a wildcard"),
        "{}",
        e[0]
    );
    assert!(
        e[1].starts_with("1:69 domain.trustedDomains[2]: `http://b.com` uses http:"),
        "{}",
        e[1]
    );
    assert!(
        e[2].starts_with("1:85 domain.trustedDomains[3]: `https://c.com/api` has a path"),
        "{}",
        e[2]
    );
}

#[test]
fn more_than_twenty_domains() {
    let list: Vec<String> = (0..21).map(|i| format!("\"https://d{i}.example\"")).collect();
    let e = errors(&format!(r#"{{"domain": {{"allowList": [{}]}}}}"#, list.join(",")));
    assert_eq!(e, ["1:26 domain.allowList: 21 entries; the platform allows at most 20"]);
}

#[test]
fn loopback_http_is_a_warning_and_unknown_keys_too() {
    let w = warnings(r#"{"domain": {"trustedDomains": ["http://127.0.0.1:8787"]}, "extra": 1, "dev": {"hots": "x", "_note": "ok"}}"#);
    assert_eq!(w, ["1:32 domain.trustedDomains[0]", "1:59 extra", "1:79 dev.hots"]);
}

#[test]
fn error_display_names_the_file() {
    let err = AppConfig::parse(Path::new("app/minis.config.json"), r#"{"dev": {"port": []}}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "app/minis.config.json:1:18: error: dev.port: expected a number, found an array\n\
         app/minis.config.json:1:1: warning: domain.trustedDomains: missing; TikTok requires it, and without it the app may not fetch any server"
    );
}
