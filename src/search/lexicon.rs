//! SudachiDict's synonym lexemes (`sudachi/`, built by `tools/sudachi_synonyms.py`):
//! the spelling variants, English spelling, translations and abbreviations of about
//! 25,000 words. Looked up by binary search in the embedded text, so a search pays
//! nothing to load it.

use std::cmp::Ordering;

const LEXEMES: &str = include_str!("sudachi/lexemes.txt");
/// `key<TAB>byte offset in LEXEMES`, sorted by key.
const INDEX: &str = include_str!("sudachi/index.txt");

/// A form's lookup key: NFKC, lowercase, without whitespace and `・`.
pub fn key(form: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    form.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && *c != '・')
        .collect()
}

/// The other forms of every lexeme `form` belongs to (as a form that may trigger an
/// expansion), in the table's order.
pub fn forms(form: &str) -> Vec<&'static str> {
    let wanted = key(form);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for offset in offsets(&wanted) {
        let line = LEXEMES
            .get(offset..)
            .and_then(|rest| rest.lines().next())
            .unwrap_or("");
        for f in line.split('\t') {
            if key(f) != wanted && !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// The lexeme offsets listed for `wanted`: the run of equal keys found by binary search
/// over the index's lines.
fn offsets(wanted: &str) -> Vec<usize> {
    let bytes = INDEX.as_bytes();
    // The first line whose key is not below `wanted`.
    let (mut lo, mut hi) = (0, bytes.len());
    while lo < hi {
        let mid = line_start(bytes, lo + (hi - lo) / 2);
        let (k, _, end) = entry(mid);
        match k.cmp(wanted) {
            Ordering::Less => lo = end,
            _ if mid <= lo => break,
            _ => hi = mid,
        }
    }
    let mut out = Vec::new();
    let mut at = lo;
    while at < bytes.len() {
        let (k, offset, end) = entry(at);
        if k != wanted {
            break;
        }
        out.extend(offset);
        at = end;
    }
    out
}

/// The start of the line holding byte `at`.
fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(..at)
        .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
        .map_or(0, |i| i + 1)
}

/// The key and offset of the index line starting at `at`, and where the next line starts.
fn entry(at: usize) -> (&'static str, Option<usize>, usize) {
    let rest = INDEX.get(at..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    let end = at + line.len() + 1;
    let (k, offset) = line.split_once('\t').unwrap_or((line, ""));
    (k, offset.parse().ok(), end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_line_is_sorted_and_keyed_as_rust_keys_it() {
        let mut previous = "";
        for line in INDEX.lines() {
            let (k, offset) = line.split_once('\t').unwrap();
            assert!(previous <= k, "{previous:?} > {k:?}");
            previous = k;
            let offset: usize = offset.parse().unwrap();
            let lexeme = LEXEMES[offset..].lines().next().unwrap();
            assert!(lexeme.split('\t').any(|f| key(f) == k), "{k:?} not in {lexeme:?}");
        }
    }

    #[test]
    fn forms_of_a_lexeme_find_each_other() {
        assert!(forms("retry").contains(&"リトライ"));
        assert!(forms("リトライ").contains(&"retry"));
        assert!(forms("インタフェース").contains(&"インターフェース"));
        assert!(forms("ＷＥＢ").contains(&"ウェブ"));
        assert!(forms("秘匿情報とは無関係な語").is_empty());
        assert!(forms("").is_empty());
        // The first and last keys of the index are found too.
        for line in [INDEX.lines().next().unwrap(), INDEX.lines().last().unwrap()] {
            let k = line.split('\t').next().unwrap();
            assert!(!offsets(k).is_empty(), "{k}");
        }
    }
}
