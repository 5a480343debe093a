//! The rules that read meaning from a note's path alone: which files are notes, and
//! the event id and date a path suggests. One home, for the scan, the library and the
//! loader's watcher alike.

use std::path::Path;

/// `2019-07-cndt.md` -> `2019-07-cndt`; `2019/0416-x/README.md` -> `2019-0416-x`.
/// Made for every note of every scan: written without a step that allocates twice.
pub fn id_from_path(rel: &Path) -> String {
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("note");
    // No character outside ASCII lowercases to one of these letters but the Kelvin
    // sign (`k`), which none has: comparing ASCII alone gives what lowercasing gave.
    let generic = ["readme", "index", "_index"]
        .iter()
        .any(|g| stem.eq_ignore_ascii_case(g));
    let mut raw = String::with_capacity(rel.as_os_str().len());
    if generic {
        let dirs = rel.parent().into_iter().flat_map(Path::components);
        for dir in dirs.filter_map(|c| c.as_os_str().to_str()) {
            if !raw.is_empty() {
                raw.push('-');
            }
            raw.push_str(dir);
        }
    }
    if raw.is_empty() {
        raw.push_str(stem);
    }
    let dash = |c: char| c.is_whitespace() || c == '#' || c == '/';
    let id = if raw.contains(dash) {
        raw.chars().map(|c| if dash(c) { '-' } else { c }).collect()
    } else {
        raw
    };
    if id.is_empty() {
        "note".into()
    } else {
        id
    }
}

/// A date from the path: `2019/0416-x/README.md`, or a Jekyll name `2019-03-27-x.md`.
pub fn date_from_path(rel: &Path) -> Option<String> {
    super::dates::from_path(rel)
}

/// A dot file or folder, skipped by the scan.
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A Markdown file by its extension: `.md` or `.markdown`, in any case.
pub fn is_note_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// A README at the top of a notes folder describes the folder, not an event.
pub fn is_folder_readme(rel: &Path) -> bool {
    rel.components().count() == 1
        && rel
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_dates_from_paths() {
        assert_eq!(id_from_path(Path::new("2019-07-cndt.md")), "2019-07-cndt");
        assert_eq!(
            id_from_path(Path::new("2019/0416-some-event/README.md")),
            "2019-0416-some-event"
        );
        assert_eq!(
            date_from_path(Path::new("2019/0416-some-event/README.md")).as_deref(),
            Some("2019-04-16")
        );
        assert_eq!(
            date_from_path(Path::new("_posts/2019-03-27-k8s-day.md")).as_deref(),
            Some("2019-03-27")
        );
        assert_eq!(date_from_path(Path::new("notes/x.md")), None);
    }

    /// The way ids were first worked out (lowercased, collected, joined): the quicker
    /// one must give the same id for every path.
    fn id_as_first_written(rel: &Path) -> String {
        let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("note");
        let raw = if ["readme", "index", "_index"].contains(&stem.to_lowercase().as_str()) {
            let dirs: Vec<&str> = rel
                .parent()
                .map(|p| p.components().filter_map(|c| c.as_os_str().to_str()).collect())
                .unwrap_or_default();
            if dirs.is_empty() {
                stem.to_string()
            } else {
                dirs.join("-")
            }
        } else {
            stem.to_string()
        };
        let id: String = raw
            .chars()
            .map(|c| {
                if c.is_whitespace() || c == '#' || c == '/' {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        if id.is_empty() {
            "note".into()
        } else {
            id
        }
    }

    #[test]
    fn ids_are_what_they_always_were() {
        for path in [
            "README.md",
            "ReadMe.markdown",
            "x/_Index.md",
            "a b/#c/INDEX.md",
            "2019/0416-x/readme.md",
            "Ｒｅａｄｍｅ.md",
            "ＲＥＡＤＭＥ/README.md",
            "dir/KELVIN-\u{212A}.md",
            "日本 語/ノート 1.md",
            ".md",
            "a/.md",
            "/abs/README.md",
            "tab\there.md",
            "",
        ] {
            let path = Path::new(path);
            assert_eq!(id_from_path(path), id_as_first_written(path), "{path:?}");
        }
    }

    #[test]
    fn which_files_are_notes() {
        assert!(is_note_name(Path::new("a/b.MD")));
        assert!(is_note_name(Path::new("b.markdown")));
        assert!(!is_note_name(Path::new("b.txt")));
        assert!(!is_note_name(Path::new("md")));
        assert!(is_folder_readme(Path::new("ReadMe.md")));
        assert!(!is_folder_readme(Path::new("x/README.md")));
        assert!(is_hidden(std::ffi::OsStr::new(".git")));
        assert!(!is_hidden(std::ffi::OsStr::new("a.md")));
    }
}
