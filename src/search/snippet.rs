//! Finds where a query matches inside a text (for snippets and for highlighting in
//! the note view), using the same analyzer and the same prefix rules as the index.

use std::collections::HashMap;
use std::ops::Range;

use super::analyzer::{AnalyzedToken, Analyzer};
use super::compile::{cjk_run, prefix_splits, required_tokens};
use super::normalize::Normalized;
use super::query::{Query, Term};

/// One way a typed term can match: at each relative position, any of some keys
/// (compared with a token's exact text or its variant keys), and optionally a final
/// prefix.
#[derive(Debug, Clone)]
struct Pattern {
    keys: Vec<(usize, Vec<String>)>,
    prefix: Option<(usize, String)>,
}

/// The most patterns one query compiles to (words × spellings × prefix splits).
const MAX_PATTERNS: usize = 512;

/// Characters analysed beyond what a snippet can show (a quarter of it before the match,
/// the rest after): a word cut by the window's edge then falls outside the snippet.
const WINDOW_MARGIN: usize = 16;

/// How much Markdown before and after the first literal match is turned into text for a
/// snippet; from the start of a text that does not hold the words as written, how much.
const MARKDOWN_WINDOW: usize = 1024;
const MARKDOWN_HEAD: usize = 2048;

/// How many windows are analysed when the words do not occur as written.
const MAX_SCANNED_WINDOWS: usize = 16;

/// How much of a text is searched for the words written in other forms than the plain
/// and the full-width one (half-width katakana, compatibility characters): that search
/// normalises the text, which costs far more than the plain scan of the whole text.
const NORMALIZED_SCAN: usize = 16 * 1024;

/// The plain scan for the words goes through the text a block at a time.
const SCAN_BLOCK: usize = 64 * 1024;

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether `at` starts a character of UTF-8 `bytes` (or is their end).
fn is_boundary(bytes: &[u8], at: usize) -> bool {
    bytes.get(at).is_none_or(|b| b & 0xC0 != 0x80)
}

fn floor_byte_boundary(bytes: &[u8], mut at: usize) -> usize {
    at = at.min(bytes.len());
    while at > 0 && !is_boundary(bytes, at) {
        at -= 1;
    }
    at
}

fn ceil_byte_boundary(bytes: &[u8], mut at: usize) -> usize {
    at = at.min(bytes.len());
    while at < bytes.len() && !is_boundary(bytes, at) {
        at += 1;
    }
    at
}

/// `bytes` as text, checked at memory speed first (a lossy copy goes a piece at a time).
fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The longest UTF-8 text at the start of `bytes`.
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// The byte offset `chars` characters before `at` (or the start).
fn chars_before(text: &str, at: usize, chars: usize) -> usize {
    let at = floor_boundary(text, at);
    text[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i.min(at))
}

/// The byte offset `chars` characters after `at` (or the end).
fn chars_after(text: &str, at: usize, chars: usize) -> usize {
    let at = floor_boundary(text, at);
    text[at..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| at + i)
}

/// Compiled once per query, then run over any number of texts.
#[derive(Clone)]
pub struct Matcher {
    analyzer: Analyzer,
    patterns: Vec<Pattern>,
    /// Japanese words found as they are written, inside longer words too.
    literals: Vec<String>,
}

impl Matcher {
    pub fn new(query: &Query, analyzer: &Analyzer) -> Self {
        let mut this = Self {
            analyzer: analyzer.clone(),
            patterns: Vec::new(),
            literals: Vec::new(),
        };
        let query = super::synonyms::join_phrases(query, analyzer);
        for term in query.positive_terms() {
            this.add_term(term);
            if !term.quoted {
                for synonym in analyzer.synonyms().expand(&term.text, analyzer) {
                    this.add_term(&Term {
                        text: synonym,
                        quoted: false,
                        prefix: false,
                    });
                }
            }
        }
        this.patterns.truncate(MAX_PATTERNS);
        this
    }

    fn add_term(&mut self, term: &Term) {
        if let Some(run) = cjk_run(&term.text) {
            self.literals.push(run.into_iter().collect());
        }
        let tokens = required_tokens(self.analyzer.analyze(&term.text), term.quoted);
        let Some(first) = tokens.first() else { return };
        let rel = |t: &AnalyzedToken| t.position - first.position;
        let exact = |t: &AnalyzedToken| (rel(t), vec![t.text.clone()]);
        self.patterns.push(Pattern {
            keys: tokens.iter().map(exact).collect(),
            prefix: None,
        });
        if tokens.iter().any(|t| !t.keys.query.is_empty()) {
            let any_spelling = |t: &AnalyzedToken| {
                let mut keys = vec![t.text.clone()];
                keys.extend(t.keys.query.iter().cloned());
                (rel(t), keys)
            };
            self.patterns.push(Pattern {
                keys: tokens.iter().map(any_spelling).collect(),
                prefix: None,
            });
        }
        if term.prefix && !term.quoted {
            for (split, glued) in prefix_splits(&tokens) {
                self.patterns.push(Pattern {
                    keys: tokens[..split].iter().map(exact).collect(),
                    prefix: Some((rel(&tokens[split]), glued)),
                });
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.literals.is_empty()
    }

    /// A one-line snippet of `text` around its first match, with the matched spans.
    /// Only a window around the match is analysed, so the work is proportional to the
    /// snippet, not to the text: the window is found by a plain scan for the words as
    /// written, else by analysing the text a window at a time (a bounded number).
    pub fn snippet(&self, text: &str, max_chars: usize) -> Snippet {
        // What the snippet can show around a match at `at`, and a margin.
        let lead = max_chars / 4 + WINDOW_MARGIN;
        let tail = max_chars + WINDOW_MARGIN;
        let window = |at: usize| chars_before(text, at, lead)..chars_after(text, at, tail);
        // The windows after the first: the text from its start, one after another (made
        // only if the first has no match).
        let scanned = std::iter::successors(Some(0..0), |previous: &Range<usize>| {
            let start = previous.end;
            (start < text.len()).then(|| start..chars_after(text, start, lead + tail).max(start + 1))
        })
        .skip(1)
        .take(MAX_SCANNED_WINDOWS);
        let candidates = self
            .first_literal(text.as_bytes())
            .map(window)
            .into_iter()
            .chain(scanned);
        for range in candidates {
            let part = &text[range.clone()];
            let spans = self.find(part);
            if !spans.is_empty() {
                return Snippet::new(part, &spans, max_chars).within(range.start > 0, range.end < text.len());
            }
        }
        let head = 0..chars_after(text, 0, lead + tail);
        Snippet::new(&text[head.clone()], &[], max_chars).within(false, head.end < text.len())
    }

    /// A snippet of a note's Markdown: only the lines around the first place the words
    /// occur as written are turned into plain text, so a long note costs what its
    /// snippet costs (a note without them is read from its start, a bounded part).
    pub fn markdown_snippet(&self, markdown: &str, max_chars: usize) -> Snippet {
        self.markdown_snippet_of(markdown.as_bytes(), max_chars)
    }

    /// [`Matcher::markdown_snippet`] of a note's text as read: only the part turned into
    /// plain text needs to be (and is checked to be) UTF-8, not the whole note.
    pub fn markdown_snippet_of(&self, markdown: &[u8], max_chars: usize) -> Snippet {
        let literal = self.first_literal(markdown);
        let at = literal.unwrap_or(0);
        // From the start of its paragraph, if that is near, so that its Markdown reads right.
        let from = floor_byte_boundary(markdown, at.saturating_sub(MARKDOWN_WINDOW));
        let from = markdown
            .get(from..at)
            .and_then(|s| memchr::memmem::rfind(s, b"\n\n"))
            .map_or(from, |i| from + i + 2);
        let after = if literal.is_some() {
            MARKDOWN_WINDOW
        } else {
            MARKDOWN_HEAD
        };
        let to = floor_byte_boundary(markdown, at.saturating_add(after));
        let to = markdown
            .get(to..)
            .and_then(|s| memchr::memchr(b'\n', s))
            .map_or(markdown.len(), |i| to + i);
        let part = markdown.get(from..to).unwrap_or(markdown);
        // The whole text too: a reference link's definition may be outside the window.
        let text = crate::core::text::plain_text_within(&lossy(part), &lossy(markdown));
        self.snippet(&text, max_chars)
            .within(from > 0, to < markdown.len())
    }

    /// Where the first of the query's words occurs as written (ASCII letters in any case,
    /// in half or full width), as a byte offset into `text`; or, in the first
    /// [`NORMALIZED_SCAN`] bytes, written in another form that NFKC folds. A Japanese
    /// word whole (`環境変数`) is looked for before the first words of its patterns
    /// (`環境`), which may occur alone, where nothing matches.
    fn first_literal(&self, text: &[u8]) -> Option<usize> {
        let usable = |k: &&str| !k.starts_with('~') && !k.is_empty();
        let whole: Vec<&str> = self.literals.iter().map(String::as_str).filter(usable).collect();
        let parts: Vec<&str> = self
            .patterns
            .iter()
            .flat_map(|p| p.keys.first().into_iter().flat_map(|(_, keys)| keys.iter()))
            .chain(
                self.patterns
                    .iter()
                    .filter_map(|p| p.prefix.as_ref().map(|(_, k)| k)),
            )
            .map(String::as_str)
            .filter(usable)
            .collect();
        // Most notes write the word as it is searched: a plain scan finds it at memory
        // speed, in a long text too.
        let wide: Vec<String> = parts.iter().filter_map(|n| full_width(n)).collect();
        let parts_any_width: Vec<&str> = parts
            .iter()
            .copied()
            .chain(wide.iter().map(String::as_str))
            .collect();
        if let Some(at) = find_folded(text, &whole).or_else(|| find_folded(text, &parts_any_width)) {
            return Some(at);
        }
        let head = utf8_prefix(text.get(..NORMALIZED_SCAN).unwrap_or(text));
        let norm = Normalized::new(head);
        let mut haystack = norm.text.clone();
        haystack.make_ascii_lowercase();
        let first = |needles: &[&str]| needles.iter().filter_map(|n| haystack.find(n)).min();
        let at = first(&whole).or_else(|| first(&parts))?;
        Some(norm.original(at..at + 1).start)
    }

    /// Byte ranges of every match in `text` (on its character boundaries), sorted and
    /// merged. Linear in the text for a given query.
    pub fn find(&self, text: &str) -> Vec<Range<usize>> {
        if self.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let norm = Normalized::new(text);
        let tokens = self.analyzer.analyze_normalized(&norm);
        let has = |i: usize, want: &[String]| {
            tokens
                .get(i)
                .is_some_and(|t| want.iter().any(|w| *w == t.text || t.keys.indexed.contains(w)))
        };
        // Patterns by each of their first keys, so each token is checked only against
        // those that can start there.
        let mut by_first: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut prefix_only: Vec<usize> = Vec::new();
        for (n, p) in self.patterns.iter().enumerate() {
            match p.keys.first() {
                Some((_, keys)) => {
                    for k in keys {
                        by_first.entry(k.as_str()).or_default().push(n);
                    }
                }
                None => prefix_only.push(n),
            }
        }
        let mut spans: Vec<Range<usize>> = Vec::new();
        let mut candidates: Vec<usize> = Vec::new();
        for (i, start) in tokens.iter().enumerate() {
            candidates.clear();
            candidates.extend(
                std::iter::once(start.text.as_str())
                    .chain(start.keys.indexed.iter().map(String::as_str))
                    .filter_map(|k| by_first.get(k))
                    .flatten()
                    .chain(prefix_only.iter()),
            );
            candidates.sort_unstable();
            candidates.dedup();
            for pattern in candidates.iter().filter_map(|&n| self.patterns.get(n)) {
                let mut end = start.end;
                let ok = pattern.keys.iter().all(|(rel, want)| {
                    let hit = has(i + rel, want);
                    if let (true, Some(t)) = (hit, tokens.get(i + rel)) {
                        end = end.max(t.end);
                    }
                    hit
                });
                let ok = ok
                    && pattern
                        .prefix
                        .as_ref()
                        .is_none_or(|(rel, want)| match tokens.get(i + rel) {
                            Some(t) if t.text.starts_with(want.as_str()) => {
                                end = end.max(t.end);
                                true
                            }
                            _ => false,
                        });
                if ok {
                    spans.push(start.start..end);
                }
            }
        }
        for literal in &self.literals {
            for (at, found) in norm.text.match_indices(literal.as_str()) {
                spans.push(norm.original(at..at + found.len()));
            }
        }
        merge(spans)
    }
}

/// `needle` with its ASCII characters in full width (`ｓｐｉｎｎａｋｅｒ`), if it has any.
fn full_width(needle: &str) -> Option<String> {
    let wide = |c: char| match c {
        '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
        c => c,
    };
    needle
        .contains(|c: char| c.is_ascii_graphic())
        .then(|| needle.chars().map(wide).collect())
}

/// ASCII and full-width Latin capitals made small, in place: the same length in bytes,
/// so offsets stay those of the text.
fn fold_case(bytes: &mut [u8]) {
    bytes.make_ascii_lowercase();
    // Ａ..Ｚ (EF BC A1..BA) to ａ..ｚ (EF BD 81..9A).
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == 0xEF && bytes[i + 1] == 0xBC && (0xA1..=0xBA).contains(&bytes[i + 2]) {
            bytes[i + 1] = 0xBD;
            bytes[i + 2] -= 0x20;
            i += 3;
        } else {
            i += 1;
        }
    }
}

/// The first place any of `needles` (folded already) occurs in `text` with its case
/// folded ([`fold_case`]). Needles without Latin letters are looked for in the text as
/// it is; the others in a folded copy made a block at a time (each block overlapping
/// the next by the longest needle), so a long text is never copied whole.
fn find_folded(text: &[u8], needles: &[&str]) -> Option<usize> {
    let has_letters = |n: &&str| {
        n.chars()
            .any(|c| c.is_ascii_alphabetic() || ('ａ'..='ｚ').contains(&c))
    };
    let (folded, plain): (Vec<&str>, Vec<&str>) = needles.iter().copied().partition(has_letters);
    let first = |hay: &[u8], needles: &[&str]| {
        needles
            .iter()
            .filter_map(|n| memchr::memmem::find(hay, n.as_bytes()))
            .min()
    };
    let in_plain = first(text, &plain);
    let longest = folded.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut block = Vec::new();
    let mut start = 0;
    // Only as far as a plain needle was found: a folded one must come before it.
    let limit = in_plain.unwrap_or(text.len());
    while longest > 0 && start < limit {
        let end = ceil_byte_boundary(text, start + SCAN_BLOCK + longest);
        block.clear();
        block.extend_from_slice(text.get(start..end)?);
        fold_case(&mut block);
        if let Some(at) = first(&block, &folded) {
            return Some((start + at).min(limit));
        }
        start = ceil_byte_boundary(text, start + SCAN_BLOCK);
        if end >= text.len() {
            break;
        }
    }
    in_plain
}

fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// A one-line excerpt of a text with the matched spans (byte ranges into `text`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    pub spans: Vec<Range<usize>>,
}

impl Snippet {
    /// About `max_chars` characters around the first match (or the start of the text),
    /// on one line, with `…` where it was cut.
    pub fn new(text: &str, spans: &[Range<usize>], max_chars: usize) -> Snippet {
        let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let n = char_starts.len();
        let char_of = |byte: usize| char_starts.partition_point(|&b| b < byte);
        let focus = spans.first().map_or(0, |s| char_of(s.start));
        let mut from = focus.saturating_sub(max_chars / 4);
        // Start at a line or sentence break close before the match, if there is one.
        if let Some(p) = (from..focus).rev().take(max_chars / 4).find(|&c| {
            let b = char_starts[c];
            matches!(text[b..].chars().next(), Some('\n' | '。' | '.'))
        }) {
            from = p + 1;
        }
        let to = (from + max_chars).min(n);
        from = from.min(to);
        let byte_from = char_starts.get(from).copied().unwrap_or(text.len());
        let byte_to = char_starts.get(to).copied().unwrap_or(text.len());
        let body = &text[byte_from..byte_to];
        let lead = body.len() - body.trim_start().len();
        let body_trimmed = body.trim();
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let shift = out.len() as isize - (byte_from + lead) as isize;
        // Same byte length, so the spans stay valid: nothing from a note reaches the
        // terminal as a control sequence, and a snippet is one line.
        for c in body_trimmed.chars() {
            if c.is_control() || is_bidi_control(c) {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            } else {
                out.push(c);
            }
        }
        if to < n {
            out.push('…');
        }
        let spans = spans
            .iter()
            .filter(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end) && s.start < s.end)
            .filter(|s| s.start >= byte_from + lead && s.end <= byte_from + lead + body_trimmed.len())
            .map(|s| ((s.start as isize + shift) as usize)..((s.end as isize + shift) as usize))
            .collect();
        Snippet { text: out, spans }
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl Snippet {
    /// Marks a snippet cut from a window of a longer text as cut where the window was.
    fn within(mut self, cut_before: bool, cut_after: bool) -> Snippet {
        if cut_before && !self.text.starts_with('…') {
            self.text.insert(0, '…');
            let shift = '…'.len_utf8();
            for s in &mut self.spans {
                *s = s.start + shift..s.end + shift;
            }
        }
        if cut_after && !self.text.ends_with('…') {
            self.text.push('…');
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    #[test]
    fn finds_exact_prefix_and_width_folded_matches() {
        let a = Analyzer::new().unwrap();
        let text = "SealedSecrets で秘匿情報を扱う。ｓｐｉｎｎａｋｅｒ も使う";
        let m = Matcher::new(&parse("秘匿情"), &a);
        let spans = m.find(text);
        assert_eq!(
            spans.iter().map(|s| &text[s.clone()]).collect::<Vec<_>>(),
            ["秘匿情報"]
        );
        let m = Matcher::new(&parse("spinnaker sealed"), &a);
        let found: Vec<&str> = m.find(text).iter().map(|s| &text[s.clone()]).collect();
        assert_eq!(found, ["SealedSecrets", "ｓｐｉｎｎａｋｅｒ"]);
    }

    #[test]
    fn snippet_of_a_long_text_analyses_a_window_around_the_match() {
        let a = Analyzer::new().unwrap();
        let text = format!(
            "{}Ｓｐｉｎｎａｋｅｒ を使う。{}",
            "前置きの文。".repeat(20_000),
            "後ろ。".repeat(20_000)
        );
        let m = Matcher::new(&parse("spinnaker "), &a);
        let s = m.snippet(&text, 60);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{}", s.text);
        assert_eq!(s.spans.len(), 1);
        assert_eq!(&s.text[s.spans[0].clone()], "Ｓｐｉｎｎａｋｅｒ");
        // Found by its spelling key only: still found, in a bounded number of windows.
        let m = Matcher::new(&parse("引き継ぎ "), &a);
        let s = m.snippet("前置き。引継ぎの手順。", 60);
        assert_eq!(&s.text[s.spans[0].clone()], "引継ぎ");
        let s = m.snippet("関係のない文。", 60);
        assert!(s.spans.is_empty() && s.text == "関係のない文。");
    }

    #[test]
    fn a_markdown_snippet_needs_utf8_only_where_it_is_cut() {
        let a = Analyzer::new().unwrap();
        let m = Matcher::new(&parse("spinnaker "), &a);
        let mut note = "前置き。\n\n".repeat(400).into_bytes();
        note.extend_from_slice(&[0xFF, 0xFE]);
        note.extend_from_slice("\n\n".repeat(600).as_bytes());
        note.extend_from_slice("ここで **Spinnaker** を使う。\n\n".as_bytes());
        note.extend_from_slice(&[0xC3]);
        let s = m.markdown_snippet_of(&note, 60);
        assert_eq!(&s.text[s.spans[0].clone()], "Spinnaker", "{}", s.text);
        assert!(s.text.contains("ここで Spinnaker を使う。"), "{}", s.text);
        // Bytes that are not UTF-8 inside the part: replaced, not a panic.
        let s = m.markdown_snippet_of(b"\xE3\x81 spinnaker \xFF", 60);
        assert_eq!(&s.text[s.spans[0].clone()], "spinnaker", "{}", s.text);
    }

    #[test]
    fn snippet_spans_follow_the_cut() {
        let text = format!("{}Spinnaker は便利。{}", "前置き。".repeat(30), "後ろ".repeat(40));
        let a = Analyzer::new().unwrap();
        let spans = Matcher::new(&parse("spinnaker "), &a).find(&text);
        let s = Snippet::new(&text, &spans, 40);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{}", s.text);
        assert_eq!(s.spans.len(), 1);
        assert_eq!(&s.text[s.spans[0].clone()], "Spinnaker");
        assert!(s.text.chars().count() <= 42);
    }
}
