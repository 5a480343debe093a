//! Finds notes by name the way Obsidian does: `[[Note]]`, `[[folder/Note]]`, and a
//! relative link whose folder is wrong but whose file name is unique.

use std::collections::HashMap;
use std::path::Path;

/// Every loaded note by its file name (lowercase, without `.md`), and by its
/// front matter aliases.
#[derive(Default)]
pub struct NameIndex {
    /// Each note's path as lowercase components, the last without its extension.
    paths: Vec<Vec<String>>,
    by_name: HashMap<String, Vec<usize>>,
    by_alias: HashMap<String, Vec<usize>>,
}

fn without_note_extension(name: &str) -> &str {
    let lower = name.to_lowercase();
    for ext in [".md", ".markdown"] {
        if lower.ends_with(ext) {
            return name.get(..name.len() - ext.len()).unwrap_or(name);
        }
    }
    name
}

fn components(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .map(str::to_lowercase)
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = without_note_extension(last).to_string();
    }
    parts
}

/// Notes of one name looked at for a `[[folder/Name]]` link, and compared for
/// nearness: linking stays linear in a vault of ten thousand `README.md`.
const MAX_SCAN: usize = 1024;
const MAX_NEAREST: usize = 64;

/// A wiki link's target split into the note's name and the heading (`Note#Heading`);
/// a block reference (`#^id`) is the note itself.
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('#') {
        Some((name, heading)) if !heading.starts_with('^') && !heading.trim().is_empty() => {
            (name.trim(), Some(heading.trim()))
        }
        Some((name, _)) => (name.trim(), None),
        None => (target.trim(), None),
    }
}

/// File types a vault keeps next to its notes; `[[Node.js]]` is still a note.
const ATTACHMENTS: &[&str] = &[
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "bmp",
    "avif",
    "pdf",
    "mp3",
    "mp4",
    "webm",
    "mov",
    "wav",
    "ogg",
    "m4a",
    "canvas",
    "excalidraw",
    "csv",
    "zip",
];

/// A wiki link to a file that is not a note (`![[diagram.png]]`).
pub fn is_attachment(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ATTACHMENTS.contains(&e.to_lowercase().as_str()))
}

impl NameIndex {
    pub fn new<'a>(notes: impl Iterator<Item = (&'a Path, &'a [String])>) -> NameIndex {
        let mut index = NameIndex::default();
        for (i, (path, aliases)) in notes.enumerate() {
            let parts = components(path);
            if let Some(name) = parts.last() {
                index.by_name.entry(name.clone()).or_default().push(i);
            }
            for alias in aliases {
                index
                    .by_alias
                    .entry(alias.trim().to_lowercase())
                    .or_default()
                    .push(i);
            }
            index.paths.push(parts);
        }
        // Shortest path first: what Obsidian picks when nothing is nearer, and what is
        // looked at first when a name is very common.
        let paths = &index.paths;
        for list in index.by_name.values_mut().chain(index.by_alias.values_mut()) {
            list.sort_by(|a, b| {
                paths
                    .get(*a)
                    .map(Vec::len)
                    .cmp(&paths.get(*b).map(Vec::len))
                    .then(paths.get(*a).cmp(&paths.get(*b)))
            });
        }
        index
    }

    /// The note `[[name]]` means from the note at `from`: by file name anywhere, a
    /// path (`folder/Note`) matching the end of the note's path, case-insensitive;
    /// among several, the nearest to `from`. An alias when no file has the name.
    pub fn wiki(&self, from: &Path, name: &str) -> Option<usize> {
        let wanted: Vec<String> = without_note_extension(name.trim_start_matches('/'))
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_lowercase)
            .collect();
        let last = wanted.last()?;
        let ends_with = |i: &usize| self.paths.get(*i).is_some_and(|p| p.ends_with(&wanted));
        let by_name: Vec<usize> = self
            .by_name
            .get(last)
            .map(|c| c.iter().copied().take(MAX_SCAN).filter(ends_with).collect())
            .unwrap_or_default();
        if !by_name.is_empty() {
            return self.nearest(from, &by_name);
        }
        let alias = without_note_extension(name.trim()).to_lowercase();
        self.by_alias.get(&alias).and_then(|c| self.nearest(from, c))
    }

    /// The note a relative link's file name names, when exactly one note has it.
    pub fn unique_file(&self, file: &str) -> Option<usize> {
        let name = Path::new(file).file_name()?.to_str()?;
        match self
            .by_name
            .get(&without_note_extension(name).to_lowercase())?
            .as_slice()
        {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// Of `candidates` (shortest path first), the one sharing the most folders with
    /// `from`, then the one with the shortest path, then the first by path.
    fn nearest(&self, from: &Path, candidates: &[usize]) -> Option<usize> {
        if candidates.len() > MAX_NEAREST {
            return candidates.first().copied();
        }
        let here = components(from);
        let folders = here.len().saturating_sub(1);
        let here = here.get(..folders).unwrap_or_default();
        candidates.iter().copied().min_by_key(|&i| {
            let path = self.paths.get(i).map(Vec::as_slice).unwrap_or_default();
            let shared = path.iter().zip(here).take_while(|(a, b)| a == b).count();
            (usize::MAX - shared, path.len(), path.to_vec())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(paths: &[&str]) -> NameIndex {
        let aliases: Vec<String> = vec!["k8s".into()];
        NameIndex::new(paths.iter().enumerate().map(|(i, p)| {
            let a: &[String] = if i == 0 { &aliases } else { &[] };
            (Path::new(*p), a)
        }))
    }

    #[test]
    fn obsidian_resolution() {
        let idx = index(&[
            "v/Kubernetes.md",
            "v/アーカイブ/Kubernetes.md",
            "v/技術/OpenTelemetry.md",
        ]);
        let from_root = Path::new("v/日記/x.md");
        let from_archive = Path::new("v/アーカイブ/y.md");
        assert_eq!(
            idx.wiki(from_root, "kubernetes"),
            Some(0),
            "nearest: the shorter path"
        );
        assert_eq!(
            idx.wiki(from_archive, "Kubernetes"),
            Some(1),
            "nearest: the same folder"
        );
        assert_eq!(idx.wiki(from_root, "アーカイブ/Kubernetes"), Some(1));
        assert_eq!(idx.wiki(from_root, "技術/OpenTelemetry.md"), Some(2));
        assert_eq!(idx.wiki(from_root, "その他/OpenTelemetry"), None);
        assert_eq!(idx.wiki(from_root, "K8s"), Some(0), "by alias");
        assert_eq!(idx.wiki(from_root, "nothing"), None);
        assert_eq!(idx.unique_file("../wrong/OpenTelemetry.md"), Some(2));
        assert_eq!(idx.unique_file("Kubernetes.md"), None, "two notes have that name");
    }

    #[test]
    fn targets() {
        assert_eq!(split_target("Note#見出し"), ("Note", Some("見出し")));
        assert_eq!(split_target("Note#^abc"), ("Note", None));
        assert_eq!(split_target("Note"), ("Note", None));
        assert!(is_attachment("図.png"));
        assert!(!is_attachment("Note.md"));
        assert!(!is_attachment("Note"));
        assert!(!is_attachment("Node.js"));
    }
}
