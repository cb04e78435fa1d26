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

/// Every finding as `line:col key: message`, warnings included, in the order reported.
fn findings(text: &str) -> Vec<String> {
    let render = |d: &Diagnostic| format!("{}:{} {}: {}", d.line, d.column, d.key.as_deref().unwrap_or("-"), d.message);
    match AppConfig::parse(Path::new("minis.config.json"), text) {
        Ok(c) => c.warnings.iter().map(render).collect(),
        Err(ConfigError::Invalid { errors, warnings, .. }) => errors.iter().chain(&warnings).map(render).collect(),
        Err(e) => panic!("{e}"),
    }
}

const DOMAINS: &str = r#""domain": {"trustedDomains": []}"#;

#[test]
fn a_leading_byte_order_mark_is_ignored() {
    let c = ok(&format!("\u{feff}{{\"dev\": {{\"port\": 4000}}, {DOMAINS}}}"));
    assert_eq!(c.config.dev.port, 4000);
    // Positions are counted after the BOM, as editors show them.
    assert_eq!(
        errors("\u{feff}{\"dev\": {\"port\": true}}"),
        ["1:18 dev.port: expected a number, found a boolean"]
    );
    // Only a leading one: a BOM anywhere else is not JSON whitespace.
    assert!(errors("{\u{feff}}")[0].contains("invalid JSON"));
}

#[test]
fn messages_quote_at_most_eighty_characters_of_a_value() {
    // The probe's 10 MB once; 1 MB elsewhere keeps the debug build quick.
    let err = errors(&format!(r#"{{"dev": {{"port": "{}"}}}}"#, "9".repeat(10 << 20)));
    assert_eq!(err, [format!("1:18 dev.port: `{}…` is not a TCP port (1-65535)", "9".repeat(80))]);
    let huge = "x".repeat(1 << 20);
    let quoted = format!("`{}…`", "x".repeat(80));
    let quoted_url = format!("`https://{}…`", "x".repeat(72));
    for text in [
        format!(r#"{{"navbar": {{"style": "{huge}"}}}}"#),
        format!(r#"{{"navbar": {{"bgColorLight": "{huge}"}}}}"#),
        format!(r#"{{"dev": {{"port": "{huge}"}}}}"#),
        format!(r#"{{"build": {{"outputDir": "{huge}/.."}}}}"#),
        format!(r#"{{"domain": {{"trustedDomains": ["{huge}"]}}}}"#),
        format!(r#"{{"domain": {{"trustedDomains": ["https://{huge}/path"]}}}}"#),
    ] {
        let err = AppConfig::parse(Path::new("minis.config.json"), &text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.len() < 400, "{} bytes: {}", shown.len(), &shown[..400]);
        assert!(shown.contains(&quoted) || shown.contains(&quoted_url), "{shown}");
    }
    // Key names are quoted the same way, and so are warnings.
    let w = findings(&format!(r#"{{"{huge}": 1, {DOMAINS}}}"#));
    assert_eq!(w, [format!("1:2 {}…: unknown key, ignored", "x".repeat(80))]);
    // A 10 MB value nobody complains about is kept whole.
    let c = ok(&format!(r#"{{"dev": {{"name": "{huge}"}}, {DOMAINS}}}"#));
    assert_eq!(c.config.dev.name.map(|n| n.len()), Some(1 << 20));
}

#[test]
fn quoted_values_have_control_characters_escaped() {
    assert_eq!(
        errors(r#"{"navbar": {"style": "\u001b[31mred"}}"#),
        ["1:22 navbar.style: `\\u{1b}[31mred` is not a navbar style; use \"default\" or \"custom\""]
    );
}

#[test]
fn a_repeated_section_replaces_the_earlier_one_whole() {
    let text = format!("{{\n  \"dev\": {{\"port\": 4000, \"name\": \"first\"}},\n  \"dev\": {{\"port\": 5000}},\n  {DOMAINS}\n}}");
    let c = ok(&text);
    assert_eq!((c.config.dev.port, c.config.dev.name), (5000, None));
    assert_eq!(
        findings(&text),
        ["3:3 dev: repeated key; this value replaces the one at 2:3 (the later one wins)"]
    );
}

#[test]
fn a_repeated_setting_keeps_the_later_value() {
    let text = format!(r#"{{"dev": {{"clientKey": "first", "clientKey": "second"}}, {DOMAINS}}}"#);
    assert_eq!(ok(&text).config.dev.client_key.as_deref(), Some("second"));
    assert_eq!(
        findings(&text),
        ["1:32 dev.clientKey: repeated key; this value replaces the one at 1:10 (the later one wins)"]
    );
}

#[test]
fn a_repeated_setting_is_validated_as_its_later_value() {
    assert_eq!(
        findings(r#"{"navbar": {"style": "default", "style": "bogus"}}"#),
        [
            "1:42 navbar.style: `bogus` is not a navbar style; use \"default\" or \"custom\"",
            "1:33 navbar.style: repeated key; this value replaces the one at 1:13 (the later one wins)",
            "1:1 domain.trustedDomains: missing; TikTok requires it, and without it the app may not fetch any server",
        ]
    );
    // The other way round the bad value is the one replaced, so it is not an error.
    let text = format!(r#"{{"navbar": {{"style": "bogus", "style": "custom"}}, {DOMAINS}}}"#);
    assert_eq!(ok(&text).config.navbar.style, NavbarStyle::Custom);
}

#[test]
fn a_repeated_spelling_is_a_repeat_not_a_conflict() {
    let text = format!(r#"{{"build": {{"outputDir": "dist", "outputDir": "out"}}, {DOMAINS}}}"#);
    assert_eq!(ok(&text).config.build.output_dir, "out");
    assert_eq!(
        findings(&text),
        ["1:33 build.outputDir: repeated key; this value replaces the one at 1:12 (the later one wins)"]
    );
    // Two different spellings are still a conflict.
    assert!(errors(r#"{"build": {"outputDir": "dist", "output": "out"}}"#)[0].contains("two spellings"));
}

#[test]
fn repeated_trusted_domains_and_comment_keys() {
    let text = r#"{"domain": {"trustedDomains": ["https://a.example"], "trustedDomains": ["https://b.example"]}}"#;
    let c = ok(text).config;
    assert!(!c.trusted_domains.allows("https://a.example/") && c.trusted_domains.allows("https://b.example/"));
    assert_eq!(
        findings(text),
        ["1:54 domain.trustedDomains: repeated key; this value replaces the one at 1:13 (the later one wins)"]
    );
    // `_comment` keys are comments; the CLI template repeats them.
    assert_eq!(
        findings(&format!(r#"{{"_comment": "a", "_comment": "b", {DOMAINS}}}"#)),
        Vec::<String>::new()
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(&path, b"{\n  \"dev\": {\"name\": \"caf\xe9\"}\n}").unwrap();
    let err = AppConfig::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:2:23: error: not UTF-8: byte 0xe9 at byte offset 24", path.display())
    );
    std::fs::write(&path, b"\xff\xfe{\x00}\x00").unwrap();
    let err = AppConfig::load(&path).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("1:1: error: not UTF-8: byte 0xff at byte offset 0; it looks like UTF-16, save it as UTF-8"),
        "{err}"
    );
    // A BOM before the bad byte counts in the offset but not in the column.
    std::fs::write(&path, b"\xef\xbb\xbf{\"a\xc0\": 1}").unwrap();
    assert!(AppConfig::load(&path)
        .unwrap_err()
        .to_string()
        .ends_with("1:4: error: not UTF-8: byte 0xc0 at byte offset 6"));
}

#[test]
fn json5_syntax_is_refused_with_a_position() {
    for (text, expected) in [
        (
            "{\n  'dev': {}\n}",
            "2:3 -: invalid JSON: Single-quoted strings are not allowed; JSON strings use double quotes",
        ),
        (
            r#"{"dev": {"host": 'localhost'}}"#,
            "1:18 -: invalid JSON: Single-quoted strings are not allowed; JSON strings use double quotes",
        ),
        (
            "{\n  dev: {}\n}",
            "2:3 -: invalid JSON: Expected string for object property; keys must be double-quoted strings",
        ),
        (
            r#"{"dev": {"name": "\x41"}}"#,
            "1:19 -: invalid JSON: Invalid escape; JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
        ),
        (
            r#"{"dev": {"name": "\v"}}"#,
            "1:19 -: invalid JSON: Invalid escape; JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
        ),
        (
            r#"{"dev": {"port": 0xBB8}}"#,
            "1:18 -: invalid JSON: Hexadecimal numbers are not allowed",
        ),
        (
            r#"{"dev": {"port": +3000}}"#,
            "1:18 -: invalid JSON: Unary plus on numbers is not allowed",
        ),
        (
            r#"{"dev": {"port": .5}}"#,
            "1:18 -: invalid JSON: Leading or trailing decimal points on numbers are not allowed",
        ),
        (r#"{"dev": {"port": Infinity}}"#, "1:18 -: invalid JSON: Unexpected token"),
    ] {
        assert_eq!(errors(text), [expected], "{text}");
    }
}

#[test]
fn raw_control_characters_in_strings_are_refused() {
    for (text, expected) in [
        (
            "{\"dev\": {\"name\": \"a\tb\"}}",
            "1:20 -: invalid JSON: raw control character U+0009 in a string; escape it as \\u0009",
        ),
        (
            "{\"dev\": {\"name\": \"a\nb\"}}",
            "1:20 -: invalid JSON: raw control character U+000A in a string; escape it as \\u000a",
        ),
        (
            "{\"dev\": {\"na\u{0}me\": 1}}",
            "1:13 -: invalid JSON: raw control character U+0000 in a string; escape it as \\u0000",
        ),
        (
            "{\"x\": [[\"\u{1f}\"]]}",
            "1:10 -: invalid JSON: raw control character U+001F in a string; escape it as \\u001f",
        ),
    ] {
        assert_eq!(errors(text), [expected], "{text:?}");
    }
    // Escaped, they are fine; so are tabs and newlines between tokens.
    assert_eq!(
        ok("{\"dev\":\t{\"name\": \"a\\tb\"},\r\n\"domain\": {\"trustedDomains\": []}}")
            .config
            .dev
            .name
            .as_deref(),
        Some("a\tb")
    );
}

#[test]
fn comments_and_trailing_commas_are_accepted() {
    let c = ok(r#"// minis.config.json
{
  /* the dev server */
  "dev": {
    "port": 4000, // not the default
    "host": "localhost",
  },
  "domain": { "trustedDomains": ["https://api.example.com",], },
}
"#)
    .config;
    assert_eq!(c.dev.port, 4000);
    assert!(c.trusted_domains.allows("https://api.example.com/x"));
}

/// The stricter syntax must not break a config this repository ships or tests with (the
/// e2e harness fills in the `{{...}}` placeholders the same way).
#[test]
fn every_config_in_the_repository_still_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = std::fs::read_dir(root.join("tests/fixtures/apps")).unwrap();
    let apps = fixtures.map(|e| e.unwrap().path()).chain([root.join("examples/mini-drama")]);
    for file in apps.map(|dir| dir.join(CONFIG_FILE)).filter(|f| f.exists()) {
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("{{COLLECTOR}}", "http://127.0.0.1:9")
            .replace("{{NAVBAR_STYLE}}", "custom");
        AppConfig::parse(&file, &text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn ad_units_are_checked_against_the_documented_codes() {
    let config = AppConfig::parse(
        Path::new("c"),
        r#"{"dev": {"ads": {"u1": {"durationSeconds": 3, "dailyCap": 2, "noFill": true, "showError": 50101}}}}"#,
    )
    .unwrap()
    .config;
    let u1 = config.dev.ad_unit("u1");
    assert_eq!(
        (u1.duration_secs, u1.daily_cap, u1.no_fill, u1.show_error.map(|c| c.code())),
        (3, Some(2), true, Some(50101))
    );
    assert_eq!(config.dev.ad_unit("other"), super::ads::AdUnit::default());
    let e = errors(r#"{"dev": {"ads": {"u": {"createError": 12345, "durationSeconds": 0, "noFill": 1}}}}"#);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e[0].contains("dev.ads.u.createError: 12345 is not a documented create code; use one of [11001, 20000,"),
        "{e:?}"
    );
    assert!(e[1].contains("dev.ads.u.durationSeconds: 0 is not between 1 and 120"), "{e:?}");
    assert!(e[2].contains("dev.ads.u.noFill: expected true or false"), "{e:?}");
    assert_eq!(
        errors(r#"{"dev": {"ads": {"u": 5}}}"#),
        ["1:23 dev.ads.u: expected an object, found a number"]
    );
    let w = warnings(r#"{"domain": {"trustedDomains": []}, "dev": {"ads": {"u": {"colour": 1}}}}"#);
    assert_eq!(w, ["1:58 dev.ads.u.colour"], "an unknown ad unit key is named");
}
