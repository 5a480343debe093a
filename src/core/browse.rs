//! Notes by person and by topic: speakers folded into one person when their handle
//! matches (`@amsy810`, `amsy810`, `青山 真也 (@amsy810)`), and tags with their counts.

use std::collections::{BTreeMap, HashMap};

use unicode_normalization::UnicodeNormalization;

use super::model::SessionRef;
use super::Library;

/// One person and every session they spoke at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    /// What identifies them: a lowercase handle, or the name without spaces.
    pub key: String,
    /// The fullest way they were written (a name with its handle if any note gives it).
    pub name: String,
    /// Every spelling seen, for searching and showing.
    pub spellings: Vec<String>,
    pub sessions: Vec<SessionRef>,
}

/// A handle in a speaker field: `@name`, or the whole field when it is one word of
/// ASCII letters, digits, `_` and `-`.
pub fn handle(speaker: &str) -> Option<String> {
    let text: String = speaker.nfkc().collect();
    if let Some(at) = text.find('@') {
        let h: String = text[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect();
        let h = h.trim_end_matches('.');
        return (!h.is_empty()).then(|| h.to_ascii_lowercase());
    }
    let t = text.trim();
    (!t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    .then(|| t.to_ascii_lowercase())
}

/// A speaker's name without its handle, spaces or brackets (`青山 真也 (@amsy810)` ->
/// `青山真也`), for matching a name written without the handle.
fn bare_name(speaker: &str) -> String {
    let text: String = speaker.nfkc().collect();
    let cut = text.find('@').unwrap_or(text.len());
    text[..cut]
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）' | '[' | ']'))
        .collect::<String>()
        .to_lowercase()
}

/// Every speaker in the library, most sessions first.
pub fn speakers(library: &Library) -> Vec<Speaker> {
    // A name written with a handle anywhere ties the name to that handle everywhere.
    let mut handle_of_name: HashMap<String, String> = HashMap::new();
    for event in &library.events {
        for s in &event.sessions {
            for sp in &s.speakers {
                if let (Some(h), name) = (handle(sp), bare_name(sp)) {
                    if sp.contains('@') && !name.is_empty() {
                        handle_of_name.entry(name).or_insert(h);
                    }
                }
            }
        }
    }
    let mut by_key: BTreeMap<String, Speaker> = BTreeMap::new();
    for event in &library.events {
        for s in &event.sessions {
            for sp in &s.speakers {
                let sp = sp.trim();
                let name = bare_name(sp);
                let key = handle(sp)
                    .or_else(|| handle_of_name.get(&name).cloned())
                    .unwrap_or(name);
                if key.is_empty() {
                    continue;
                }
                let entry = by_key.entry(key.clone()).or_insert_with(|| Speaker {
                    key,
                    name: sp.to_string(),
                    spellings: Vec::new(),
                    sessions: Vec::new(),
                });
                if !entry.spellings.iter().any(|x| x == sp) {
                    entry.spellings.push(sp.to_string());
                }
                // The fullest spelling names them: one with both a name and a handle.
                if sp.chars().count() > entry.name.chars().count() {
                    entry.name = sp.to_string();
                }
                let r = SessionRef::new(event.id.clone(), s.id.clone());
                if !entry.sessions.contains(&r) {
                    entry.sessions.push(r);
                }
            }
        }
    }
    let mut out: Vec<Speaker> = by_key.into_values().collect();
    out.sort_by(|a, b| b.sessions.len().cmp(&a.sessions.len()).then(a.key.cmp(&b.key)));
    out
}

/// Every tag with the sessions that carry it (their own or their event's), most first.
pub fn tags(library: &Library) -> Vec<(String, Vec<SessionRef>)> {
    let mut by_tag: BTreeMap<String, Vec<SessionRef>> = BTreeMap::new();
    for event in &library.events {
        for s in &event.sessions {
            let mut seen: Vec<String> = Vec::new();
            for tag in s.tags.iter().chain(&event.tags) {
                let key: String = tag.trim().nfkc().collect::<String>().to_lowercase();
                if key.is_empty() || seen.contains(&key) {
                    continue;
                }
                seen.push(key.clone());
                by_tag
                    .entry(key)
                    .or_default()
                    .push(SessionRef::new(event.id.clone(), s.id.clone()));
            }
        }
    }
    let mut out: Vec<(String, Vec<SessionRef>)> = by_tag.into_iter().collect();
    out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_fold_spellings_of_one_person() {
        assert_eq!(handle("@amsy810").as_deref(), Some("amsy810"));
        assert_eq!(handle("amsy810").as_deref(), Some("amsy810"));
        assert_eq!(handle("青山 真也 (@amsy810)").as_deref(), Some("amsy810"));
        assert_eq!(handle("＠Amsy810").as_deref(), Some("amsy810"));
        assert_eq!(handle("青山 真也"), None);
        assert_eq!(bare_name("青山 真也 (@amsy810)"), "青山真也");
    }
}
