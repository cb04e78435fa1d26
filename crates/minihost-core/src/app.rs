//! Finding the app to run: a project root (serve its `build.outputDir`), a build output
//! (a folder with `minis.config.json` next to `index.html`), or the bundled sample.

use crate::config::{AppConfig, ConfigError, LoadedConfig, CONFIG_FILE};
use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

/// The sample mini drama, embedded so `minihost run` works from any directory.
static SAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../examples/mini-drama");

#[derive(Debug)]
pub struct App {
    /// The folder served at the app's origin.
    pub root: PathBuf,
    /// The folder that holds `minis.config.json` (the project root, or the build output itself).
    pub project: PathBuf,
    pub config: LoadedConfig,
    /// Something the developer should know about how the app was found.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}: no such directory", .0.display())]
    NoDir(PathBuf),
    #[error("{}: no {CONFIG_FILE} here; point minihost at a mini app project or its build output", .0.display())]
    NoConfig(PathBuf),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{}: the build output (build.outputDir = {output_dir:?} in {}) does not exist; build the app first (for example `npm run build`)", .dir.display(), .config.display())]
    NoBuild { dir: PathBuf, output_dir: String, config: PathBuf },
    #[error("{}: no index.html at the root of the build output", .0.display())]
    NoIndex(PathBuf),
    #[error(
        "{}: this index.html is the bundler's source entry (it loads {entry}), not a build; run `{command}` first, then minihost serves {} (build.outputDir)",
        .index.display(),
        .output.display()
    )]
    SourceEntry {
        index: PathBuf,
        entry: String,
        command: String,
        output: PathBuf,
    },
    #[error(transparent)]
    Package(#[from] crate::package::PackageError),
    #[error("cannot unpack the bundled sample into {}: {source}", .dir.display())]
    Sample { dir: PathBuf, source: std::io::Error },
}

/// Output folders of common setups, tried when the configured one has no build: Vite's and
/// Create React App's.
const COMMON_OUTPUT_DIRS: [&str; 2] = ["dist", "build"];

impl App {
    /// Finds what to serve for `dir`: a project root whose `build.outputDir` holds an
    /// `index.html` is served from there; a folder whose own `index.html` is a build (or a
    /// plain static app) is served as it is. `minis.config.json` is read from `dir` either way.
    pub fn resolve(dir: &Path) -> Result<App, AppError> {
        if !dir.is_dir() {
            return Err(AppError::NoDir(dir.to_owned()));
        }
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(AppError::NoConfig(dir.to_owned()));
        }
        let config = AppConfig::load(&config_path)?;
        let output_dir = config.config.build.output_dir.clone();
        let configured = dir.join(&output_dir);
        let mut notes = Vec::new();
        let app = |root: PathBuf, notes| App {
            root,
            project: dir.to_owned(),
            config,
            notes,
        };
        if configured != dir && configured.join("index.html").is_file() {
            return Ok(app(configured, notes));
        }
        let index = dir.join("index.html");
        if index.is_file() {
            let Some(entry) = source_entry(dir, &std::fs::read_to_string(&index).unwrap_or_default()) else {
                return Ok(app(dir.to_owned(), notes));
            };
            // A bundler's source entry: serve its build if one of the usual folders has it.
            if let Some(found) = COMMON_OUTPUT_DIRS
                .iter()
                .map(|d| dir.join(d))
                .find(|d| d.join("index.html").is_file())
            {
                notes.push(format!(
                    "{}: build.outputDir is {output_dir:?}, but the build is in {}; serving that (set build.outputDir to silence this)",
                    config_path.display(),
                    found.display()
                ));
                return Ok(app(found, notes));
            }
            return Err(AppError::SourceEntry {
                index,
                entry,
                command: build_command(dir),
                output: configured,
            });
        }
        if !configured.is_dir() {
            return Err(AppError::NoBuild {
                dir: configured,
                output_dir,
                config: config_path,
            });
        }
        Err(AppError::NoIndex(configured))
    }

    /// A project served from its dev server: only its config is read; the project folder
    /// stands in as the root for media files.
    pub fn dev_server(dir: &Path) -> Result<App, AppError> {
        if !dir.is_dir() {
            return Err(AppError::NoDir(dir.to_owned()));
        }
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(AppError::NoConfig(dir.to_owned()));
        }
        Ok(App {
            root: dir.to_owned(),
            project: dir.to_owned(),
            config: AppConfig::load(&config_path)?,
            notes: Vec::new(),
        })
    }

    /// Unpacks the embedded sample under `cache` (once per version) and resolves it.
    pub fn sample(cache: &Path) -> Result<App, AppError> {
        let dir = cache.join(format!("sample-{}", env!("CARGO_PKG_VERSION")));
        let marker = dir.join(".complete");
        if !marker.exists() {
            let err = |source| AppError::Sample { dir: dir.clone(), source };
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).map_err(err)?;
            SAMPLE.extract(&dir).map_err(err)?;
            std::fs::write(&marker, b"").map_err(err)?;
        }
        App::resolve(&dir)
    }

    /// The app's name for the navbar and the generated client key: `dev.name`, else the
    /// project's package.json `name`, else the project folder's name (never the build
    /// folder's).
    pub fn title(&self) -> String {
        let c = &self.config.config.dev;
        c.name
            .clone()
            .filter(|n| !n.contains("{{") && !n.trim().is_empty())
            .or_else(|| package_json(&self.project).and_then(|p| p.name).filter(|n| !n.trim().is_empty()))
            .unwrap_or_else(|| {
                let project = self.project.canonicalize().unwrap_or_else(|_| self.project.clone());
                project
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "Mini".into())
            })
    }
}

#[derive(serde::Deserialize, Default)]
struct PackageJson {
    name: Option<String>,
    #[serde(default)]
    scripts: std::collections::HashMap<String, String>,
}

fn package_json(dir: &Path) -> Option<PackageJson> {
    serde_json::from_slice(&std::fs::read(dir.join("package.json")).ok()?).ok()
}

/// How this project builds: `npm run build` when package.json has a build script.
fn build_command(dir: &Path) -> String {
    match package_json(dir) {
        Some(p) if p.scripts.contains_key("build") => {
            let runner = if dir.join("pnpm-lock.yaml").is_file() {
                "pnpm"
            } else if dir.join("yarn.lock").is_file() {
                "yarn"
            } else {
                "npm"
            };
            format!("{runner} run build")
        }
        _ => "your bundler's build".into(),
    }
}

/// The first script of `html` that only a bundler can serve: a TypeScript or JSX file, or a
/// module script whose file is not in `dir` (a dev-server path such as `/src/main.js`).
fn source_entry(dir: &Path, html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut offset = 0;
    while let Some(start) = rest.find("<script") {
        let tag_end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
        let tag = &html[offset + start..offset + tag_end];
        if let Some(src) = attribute(tag, "src") {
            let path = src.split(['?', '#']).next().unwrap_or("");
            let is_source = [".ts", ".tsx", ".jsx", ".mts"].iter().any(|ext| path.ends_with(ext));
            let is_module = attribute(tag, "type").is_some_and(|t| t.eq_ignore_ascii_case("module"));
            let local = !path.contains("://") && !path.starts_with("//");
            let missing = local && !dir.join(path.trim_start_matches('/')).is_file();
            if local && (is_source || (is_module && missing)) {
                return Some(src.to_string());
            }
        }
        offset += tag_end;
        rest = &lower[offset..];
    }
    None
}

/// The value of attribute `name` in an HTML start tag (quoted or bare).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
        let after = lower[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - after.len() + 1;
        let value = tag[value_start..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_is_served_as_is() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(CONFIG_FILE), "{}").unwrap();
        std::fs::write(d.path().join("index.html"), "x").unwrap();
        assert_eq!(App::resolve(d.path()).unwrap().root, d.path());
    }

    #[test]
    fn project_root_serves_output_dir() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(CONFIG_FILE), r#"{"build":{"output":"dist"}}"#).unwrap();
        let err = App::resolve(d.path()).unwrap_err().to_string();
        assert!(err.contains("dist") && err.contains("build the app first"), "{err}");
        std::fs::create_dir(d.path().join("dist")).unwrap();
        assert!(matches!(App::resolve(d.path()), Err(AppError::NoIndex(_))));
        std::fs::write(d.path().join("dist/index.html"), "x").unwrap();
        assert_eq!(App::resolve(d.path()).unwrap().root, d.path().join("dist"));
    }

    #[test]
    fn missing_config_and_bad_config() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(App::resolve(d.path()), Err(AppError::NoConfig(_))));
        assert!(matches!(App::resolve(&d.path().join("nope")), Err(AppError::NoDir(_))));
        std::fs::write(d.path().join(CONFIG_FILE), "{\"dev\":{\"port\":true}}").unwrap();
        let err = App::resolve(d.path()).unwrap_err().to_string();
        assert!(
            err.lines()
                .next()
                .unwrap()
                .ends_with("minis.config.json:1:16: error: dev.port: expected a number, found a boolean"),
            "{err}"
        );
    }

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    const VITE_INDEX: &str = r#"<!doctype html><html><head><title>Drama</title></head>
<body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>"#;

    #[test]
    fn a_vite_project_root_is_served_from_its_build() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                (CONFIG_FILE, r#"{"build":{"outputDir":"dist"}}"#),
                ("index.html", VITE_INDEX),
                ("src/main.tsx", "x"),
                ("package.json", r#"{"name":"vite-drama","scripts":{"build":"vite build"}}"#),
            ],
        );
        let err = App::resolve(d.path()).unwrap_err();
        assert!(
            matches!(&err, AppError::SourceEntry { entry, .. } if entry == "/src/main.tsx"),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("run `npm run build` first") && text.contains("dist"), "{text}");
        write(
            d.path(),
            &[("dist/index.html", "<script type=module src=/assets/index-1a2b.js></script>")],
        );
        let app = App::resolve(d.path()).unwrap();
        assert_eq!(app.root, d.path().join("dist"));
        assert!(app.notes.is_empty());
        assert_eq!(app.title(), "vite-drama", "named after package.json, not `dist`");
    }

    #[test]
    fn a_build_in_the_usual_folder_is_found_when_the_config_names_none() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[(CONFIG_FILE, "{}"), ("index.html", VITE_INDEX), ("dist/index.html", "built")],
        );
        let app = App::resolve(d.path()).unwrap();
        assert_eq!(app.root, d.path().join("dist"));
        assert!(app.notes[0].contains("build.outputDir"), "{:?}", app.notes);
        let name = d.path().file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(app.title(), name, "the project folder's name");
    }

    #[test]
    fn create_react_app_layout_serves_build() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                (CONFIG_FILE, "{}"),
                ("public/index.html", "<div id=root></div>"),
                ("build/index.html", "built"),
            ],
        );
        assert_eq!(App::resolve(d.path()).unwrap().root, d.path().join("build"));
    }

    #[test]
    fn a_plain_static_folder_is_served_as_it_is() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            &[
                (CONFIG_FILE, "{}"),
                (
                    "index.html",
                    r#"<script type="module" src="./app.js"></script><script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>"#,
                ),
                ("app.js", "1"),
            ],
        );
        assert_eq!(App::resolve(d.path()).unwrap().root, d.path());
        let err = |html: &str| {
            write(d.path(), &[("index.html", html)]);
            App::resolve(d.path()).map(|a| a.root)
        };
        assert!(
            err("<script type=module src='/src/main.js'></script>").is_err(),
            "a module the folder lacks"
        );
        assert!(err("<SCRIPT SRC=\"main.jsx\"></SCRIPT>").is_err(), "JSX needs a bundler");
        assert!(
            err("<script src=app.js></script><p>src=\"/src/x.ts\"</p>").is_ok(),
            "only script tags count"
        );
    }

    #[test]
    fn attributes_are_read_quoted_or_bare() {
        assert_eq!(attribute(r#"<script type="module" src='/a.js'"#, "src"), Some("/a.js"));
        assert_eq!(attribute("<script src=/b.js defer", "src"), Some("/b.js"));
        assert_eq!(attribute(r#"<script data-src="x" src="y""#, "src"), Some("y"));
        assert_eq!(attribute("<script defer", "src"), None);
    }
}
