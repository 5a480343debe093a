//! Where notes come from: the config file in the platform's config directory, plus
//! command-line folders.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::{NotesSource, Warning};

/// `config.toml` in the platform config directory (`~/.config/confnotes/` on Linux).
#[derive(Debug, Default, Deserialize)]
pub struct ConfigFile {
    /// Folders of Markdown notes, read in addition to the bundled set.
    #[serde(default)]
    pub notes: Vec<PathBuf>,
    /// Leave the bundled notes out.
    #[serde(default)]
    pub no_bundled: bool,
    /// Extra synonym groups: each a list of spellings of one concept
    /// (`synonyms = [["社内勉強会", "LT会"]]`), added to the built-in table.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
    /// The app's colours: `base = "dark"` or `"light"`, then styles by name
    /// (`match = "black on yellow"`); see `ui::theme`.
    #[serde(default)]
    pub theme: toml::Table,
    /// Key bindings of one's own: action name = key or list of keys
    /// (`zoom = "Z"`, `back = ["ctrl-o", "H"]`); see `app::keymap::Bindings`.
    #[serde(default)]
    pub keys: toml::Table,
}

/// The default config path, or `$CONFNOTES_CONFIG` when set.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CONFNOTES_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "confnotes").map(|d| d.config_dir().join("config.toml"))
}

/// The platform cache directory for persistent indexes, or `$CONFNOTES_CACHE` when set.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CONFNOTES_CACHE") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "confnotes").map(|d| d.cache_dir().to_path_buf())
}

/// The keys of the config file, for suggestions when one is misspelt.
const KEYS: &[&str] = &["notes", "no_bundled", "synonyms", "theme", "keys"];

/// Reads the config file if it exists. A broken file is a warning, not a failure; an
/// unknown key is a warning (with the key it may have meant) and the rest applies.
pub fn read_config(path: &Path) -> (ConfigFile, Vec<Warning>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (ConfigFile::default(), Vec::new()),
        Err(e) => {
            return (
                ConfigFile::default(),
                vec![config_warning(path, None, format!("cannot read: {e}"))],
            )
        }
    };
    let mut table = match toml::from_str::<toml::Table>(&text) {
        Ok(table) => table,
        Err(e) => {
            let line = e.span().map(|s| line_at(&text, s.start));
            let warning = config_warning(path, line, format!("ignored: {}", e.message()));
            return (ConfigFile::default(), vec![warning]);
        }
    };
    let mut warnings = Vec::new();
    let unknown: Vec<String> = table
        .keys()
        .filter(|k| !KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        table.remove(&key);
        let suggestion = KEYS
            .iter()
            .map(|k| (*k, strsim::levenshtein(k, &key.to_lowercase())))
            .min_by_key(|(_, d)| *d)
            .filter(|(_, d)| *d <= 3)
            .map(|(k, _)| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        let line = key_line(&text, &key);
        let message = format!(
            "unknown key `{}`{suggestion}; the rest of the file applies",
            crate::core::model::quote(&key)
        );
        warnings.push(config_warning(path, line, message));
    }
    match ConfigFile::deserialize(table) {
        Ok(mut config) => {
            let base = path.parent().unwrap_or(Path::new("."));
            config.notes = config.notes.into_iter().map(|p| expand(&p, base)).collect();
            (config, warnings)
        }
        Err(e) => {
            warnings.push(config_warning(path, None, format!("ignored: {}", e.message())));
            (ConfigFile::default(), warnings)
        }
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// The line where a top-level `key =` is set, if it can be found.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .or_else(|| l.trim_start().strip_prefix(&format!("\"{key}\"")))
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

fn config_warning(path: &Path, line: Option<usize>, message: String) -> Warning {
    Warning {
        file: path.display().to_string(),
        line,
        message,
    }
}

/// `~/x` to the home folder; relative paths are relative to the config file.
fn expand(p: &Path, base: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~") {
        if let Some(home) = directories::BaseDirs::new() {
            return home.home_dir().join(rest);
        }
    }
    if p.is_relative() {
        base.join(p)
    } else {
        p.to_path_buf()
    }
}

/// Combines the config file with command-line options.
pub fn notes_source(cli_dirs: &[PathBuf], no_bundled: bool) -> (NotesSource, Vec<Warning>) {
    let mut warnings = Vec::new();
    let config = match config_path() {
        Some(path) => {
            let (config, problems) = read_config(&path);
            warnings.extend(problems);
            config
        }
        None => ConfigFile::default(),
    };
    crate::search::synonyms::set_user_groups(config.synonyms);
    let mut dirs = config.notes;
    dirs.extend(cli_dirs.iter().cloned());
    dirs.dedup();
    (
        NotesSource {
            bundled: !(no_bundled || config.no_bundled),
            dirs,
        },
        warnings,
    )
}

/// The app's theme and key bindings from the config file (and `NO_COLOR`), with what is
/// wrong in them as warnings naming the file.
pub fn ui_settings() -> (
    crate::ui::theme::Theme,
    crate::app::keymap::Bindings,
    Vec<Warning>,
) {
    // A file that does not parse at all is already reported by `notes_source`.
    let (config, path) = match config_path() {
        Some(path) => (read_config(&path).0, path),
        None => (ConfigFile::default(), PathBuf::new()),
    };
    let (theme, mut errors) = crate::ui::theme::from_config(&config.theme, crate::ui::theme::no_color());
    let (bindings, key_errors) = crate::app::keymap::Bindings::from_table(&config.keys);
    errors.extend(key_errors);
    let warnings = errors
        .into_iter()
        .map(|e| config_warning(&path, None, e))
        .collect();
    (theme, bindings, warnings)
}
