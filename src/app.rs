//! Finding the app to run: a project root (serve its `build.outputDir`), a build output
//! (a folder with `minis.config.json` next to `index.html`), or the bundled sample.

use crate::config::{AppConfig, ConfigError, LoadedConfig, CONFIG_FILE};
use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

/// The sample mini drama, embedded so `minihost run` works from any directory.
static SAMPLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/examples/mini-drama");

#[derive(Debug)]
pub struct App {
    /// The folder served at the app's origin.
    pub root: PathBuf,
    pub config: LoadedConfig,
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
    #[error("cannot unpack the bundled sample into {}: {source}", .dir.display())]
    Sample { dir: PathBuf, source: std::io::Error },
}

impl App {
    pub fn resolve(dir: &Path) -> Result<App, AppError> {
        if !dir.is_dir() {
            return Err(AppError::NoDir(dir.to_owned()));
        }
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(AppError::NoConfig(dir.to_owned()));
        }
        let config = AppConfig::load(&config_path)?;
        let root = if dir.join("index.html").is_file() {
            dir.to_owned()
        } else {
            let out = dir.join(&config.config.build.output_dir);
            if !out.is_dir() {
                return Err(AppError::NoBuild {
                    dir: out,
                    output_dir: config.config.build.output_dir.clone(),
                    config: config_path,
                });
            }
            if !out.join("index.html").is_file() {
                return Err(AppError::NoIndex(out));
            }
            out
        };
        Ok(App { root, config })
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

    /// The app's title for the navbar: `dev.name`, or the folder name.
    pub fn title(&self) -> String {
        let c = &self.config.config.dev;
        c.name.clone().filter(|n| !n.contains("{{")).unwrap_or_else(|| {
            self.root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Mini".into())
        })
    }
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
}
