//! The character stage of analysis: NFKC, word joiners and controls turned into spaces,
//! with a map from every normalised byte back to whole characters of the original.

use std::ops::Range;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Text after the character stage, and where each piece of it came from.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    pub text: String,
    /// One entry per source group (a character and the marks that compose with it):
    /// (start in `text`, range in the original). Sorted by the first field.
    map: Vec<(usize, Range<usize>)>,
}

/// Characters that join words without being part of either (`クラウド・ネイティブ`): a
/// reader searching `ネイティブ` expects to find the compound.
fn is_joiner(c: char) -> bool {
    matches!(c, '・' | '･' | '·' | '‧')
}

/// Marks that NFKC composes with the character before them, so they must be
/// normalised together with it (`か` + U+3099, `ｶ` + `ﾞ`).
fn joins_previous(c: char) -> bool {
    !c.is_ascii() && (canonical_combining_class(c) != 0 || matches!(c, '\u{FF9E}' | '\u{FF9F}'))
}

impl Normalized {
    pub fn new(original: &str) -> Normalized {
        let mut text = String::with_capacity(original.len() + original.len() / 8);
        let mut map = Vec::with_capacity(original.len() / 2);
        let mut chars = original.char_indices().peekable();
        let mut group = String::new();
        while let Some((start, c)) = chars.next() {
            let mut end = start + c.len_utf8();
            if c.is_ascii() && !joins_next(chars.peek()) {
                map.push((text.len(), start..end));
                text.push(if c.is_ascii_control() { ' ' } else { c });
                continue;
            }
            group.clear();
            group.push(c);
            while let Some(&(i, next)) = chars.peek() {
                if !joins_previous(next) {
                    break;
                }
                group.push(next);
                end = i + next.len_utf8();
                chars.next();
            }
            map.push((text.len(), start..end));
            // Most characters (kana, kanji) are their own NFKC: no normaliser is run.
            let mut single = group.chars();
            if let (Some(only), None) = (single.next(), single.next()) {
                if is_nfkc_quick(std::iter::once(only)) == IsNormalized::Yes {
                    text.push(if only.is_control() || is_joiner(only) || is_invisible(only) {
                        ' '
                    } else {
                        only
                    });
                    continue;
                }
            }
            for n in group.nfkc() {
                if n.is_control() || is_joiner(n) || is_invisible(n) {
                    text.push(' ');
                } else {
                    text.push(n);
                }
            }
        }
        Normalized { text, map }
    }

    /// The original byte range covering the normalised byte range `range`: always whole
    /// characters of the original (a match inside `㈱`'s `(株)` covers all of `㈱`).
    pub fn original(&self, range: Range<usize>) -> Range<usize> {
        if self.map.is_empty() {
            return 0..0;
        }
        let group_of = |byte: usize| self.map.partition_point(|(s, _)| *s <= byte).saturating_sub(1);
        let first = &self.map[group_of(range.start)].1;
        let last = &self.map[group_of(range.end.saturating_sub(1).max(range.start))].1;
        first.start..last.end.max(first.start)
    }
}

fn joins_next(next: Option<&(usize, char)>) -> bool {
    next.is_some_and(|&(_, c)| joins_previous(c))
}

/// Format characters that show nothing (zero-width spaces and joiners, bidi controls,
/// the BOM): never part of a token, and a bidi override never reaches a snippet.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(original: &str) -> Normalized {
        let n = Normalized::new(original);
        for i in 0..=n.text.len() {
            for j in i..=n.text.len() {
                let r = n.original(i..j);
                assert!(
                    original.get(r.clone()).is_some(),
                    "{original:?} {i}..{j} -> {r:?}"
                );
            }
        }
        n
    }

    #[test]
    fn maps_expanded_characters_back_whole() {
        let n = check("㈱サンプル");
        assert_eq!(n.text, "(株)サンプル");
        let at = n.text.find('株').unwrap();
        assert_eq!(n.original(at..at + '株'.len_utf8()), 0..'㈱'.len_utf8());
        check("⅓ ⅔ ⑴ ⒈ ㍘ ㏠ ﬁ");
    }

    #[test]
    fn composes_half_width_and_combining_marks() {
        let n = check("ｶﾞｲﾄﾞ と か\u{3099}");
        assert_eq!(n.text, "ガイド と が");
    }

    #[test]
    fn joiners_and_controls_become_spaces() {
        let n = check("クラウド・ネイティブ\u{1b}]2;x\u{7}");
        assert_eq!(n.text, "クラウド ネイティブ ]2;x ");
        let n = check("a\u{200b}b\u{202e}c");
        assert_eq!(n.text, "a b c");
    }
}
