//! The one Japanese analyzer used for indexing and for querying: NFKC normalisation,
//! lindera with the embedded IPADIC, particle/auxiliary-verb/symbol stop tags, lowercase.

use std::collections::HashSet;
use std::sync::Arc;

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_analysis::character_filter::unicode_normalize::{
    UnicodeNormalizeCharacterFilter, UnicodeNormalizeKind,
};
use lindera_analysis::character_filter::BoxCharacterFilter;
use lindera_analysis::token_filter::japanese_stop_tags::JapaneseStopTagsTokenFilter;
use lindera_analysis::token_filter::lowercase::LowercaseTokenFilter;
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_analysis::tokenizer::Tokenizer as LinderaTokenizer;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which the analyzer is registered in the tantivy index.
pub const ANALYZER_NAME: &str = "confnotes_ja";

/// Bumped whenever the analyzer's output could change, so persisted indexes rebuild.
pub const ANALYZER_VERSION: u32 = 1;

/// Parts of speech that carry no meaning for search. IPADIC tags have four levels;
/// the stop filter compares all four, so each entry is padded with `*`.
const STOP_TAGS: &[&str] = &[
    "助詞",
    "助詞,格助詞",
    "助詞,格助詞,一般",
    "助詞,格助詞,引用",
    "助詞,格助詞,連語",
    "助詞,接続助詞",
    "助詞,係助詞",
    "助詞,副助詞",
    "助詞,間投助詞",
    "助詞,並立助詞",
    "助詞,終助詞",
    "助詞,副助詞／並立助詞／終助詞",
    "助詞,連体化",
    "助詞,副詞化",
    "助詞,特殊",
    "助動詞",
    "記号",
    "記号,一般",
    "記号,読点",
    "記号,句点",
    "記号,空白",
    "記号,括弧開",
    "記号,括弧閉",
    "その他,間投",
    "フィラー",
    "非言語音",
];

/// One analysed token: its normalised text, where it sits in the original text
/// (byte offsets, for highlighting) and its position (for phrases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub position: usize,
}

/// The analyzer, cheap to clone (the dictionary is shared, not copied).
#[derive(Clone)]
pub struct Analyzer {
    inner: Arc<LinderaTokenizer>,
}

impl Analyzer {
    /// Loads the embedded dictionary and builds the filter chain (about a millisecond).
    pub fn new() -> anyhow::Result<Self> {
        let dictionary = confnotes_ipadic::load()
            .map_err(|e| anyhow::anyhow!("cannot load the embedded IPADIC dictionary: {e}"))?;
        let segmenter = Segmenter::new(Mode::Normal, dictionary, None);
        let mut tokenizer = LinderaTokenizer::new(segmenter);
        tokenizer.append_character_filter(BoxCharacterFilter::from(UnicodeNormalizeCharacterFilter::new(
            UnicodeNormalizeKind::NFKC,
        )));
        let tags: HashSet<String> = STOP_TAGS.iter().map(|t| pad_tag(t)).collect();
        tokenizer.append_token_filter(BoxTokenFilter::from(JapaneseStopTagsTokenFilter::new(tags)));
        tokenizer.append_token_filter(BoxTokenFilter::from(LowercaseTokenFilter::new()));
        Ok(Self {
            inner: Arc::new(tokenizer),
        })
    }

    /// Analyses `text`. Never fails: a tokenizer error (which lindera-tantivy would turn
    /// into a panic) yields no tokens for that text.
    pub fn analyze(&self, text: &str) -> Vec<AnalyzedToken> {
        let mut out = Vec::new();
        self.analyze_into(text, |t| out.push(t));
        out
    }

    fn analyze_into(&self, text: &str, mut sink: impl FnMut(AnalyzedToken)) {
        let Ok(tokens) = self.inner.tokenize(text) else {
            return;
        };
        // Positions are renumbered without the gaps dropped particles leave: tantivy's
        // phrase-prefix scorer cannot match across a gap, and a reader expects
        // `東京都庁で取り扱` to find `東京都庁で取り扱う` (and the particle to not matter).
        let mut position = 0;
        for token in tokens {
            if token.surface.trim().is_empty() {
                continue;
            }
            // Offsets are corrected back to the original text by lindera; clamp them so a
            // slice never panics even if a filter maps them oddly.
            let end = token.byte_end.min(text.len());
            let start = token.byte_start.min(end);
            sink(AnalyzedToken {
                text: token.surface.into_owned(),
                start,
                end,
                position,
            });
            position += 1;
        }
    }

    /// Analyses `text` into tantivy's tokens (for the index, or pre-tokenized fields).
    pub fn tantivy_tokens(&self, text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        self.analyze_into(text, |t| {
            tokens.push(Token {
                offset_from: t.start,
                offset_to: t.end,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
        });
        tokens
    }

    /// Analyses a single short string and joins its tokens: the normal form used for
    /// exact-match keys such as tags.
    pub fn normalize_key(&self, text: &str) -> String {
        self.analyze(text)
            .into_iter()
            .map(|t| t.text)
            .collect::<Vec<_>>()
            .join("")
    }
}

/// How a typed term that is still being typed can match: for each split point, the
/// leading tokens as a phrase and the rest glued into one prefix (`持ち込` must find
/// `持ち込む`, `秘匿情` must find `秘匿|情報`). Yields (split, glued prefix). Only what
/// was typed as one run is glued (no space, no dropped particle inside).
pub fn prefix_splits(tokens: &[AnalyzedToken]) -> Vec<(usize, String)> {
    (0..tokens.len())
        .filter(|&split| !tokens[split..].windows(2).any(|w| w[1].start != w[0].end))
        .map(|split| (split, tokens[split..].iter().map(|t| t.text.as_str()).collect()))
        .collect()
}

fn pad_tag(tag: &str) -> String {
    let mut parts: Vec<&str> = tag.split(',').collect();
    while parts.len() < 4 {
        parts.push("*");
    }
    parts.join(",")
}

/// The analyzer as a tantivy tokenizer.
#[derive(Clone)]
pub struct TantivyAnalyzer {
    analyzer: Analyzer,
}

impl TantivyAnalyzer {
    pub fn new(analyzer: Analyzer) -> Self {
        Self { analyzer }
    }
}

pub struct AnalyzedStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl Tokenizer for TantivyAnalyzer {
    type TokenStream<'a> = AnalyzedStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzedStream {
        AnalyzedStream {
            tokens: self.analyzer.tantivy_tokens(text).into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for AnalyzedStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(a: &Analyzer, s: &str) -> Vec<String> {
        a.analyze(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folds_width_and_case_and_drops_particles() {
        let a = Analyzer::new().unwrap();
        assert_eq!(
            texts(&a, "Spinnaker を利用した Kubernetes への継続的デリバリ"),
            ["spinnaker", "利用", "し", "kubernetes", "継続", "的", "デリバリ"]
        );
        assert_eq!(texts(&a, "ＡＢＣ１２３ｶﾀｶﾅ"), ["abc", "123", "カタカナ"]);
        assert_eq!(texts(&a, "ｓｐｉｎｎａｋｅｒ"), ["spinnaker"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let a = Analyzer::new().unwrap();
        let text = "ｓｐｉｎｎａｋｅｒで秘匿情報";
        for t in a.analyze(text) {
            assert!(text.get(t.start..t.end).is_some(), "{t:?}");
        }
        let first = &a.analyze(text)[0];
        assert_eq!(&text[first.start..first.end], "ｓｐｉｎｎａｋｅｒ");
    }

    #[test]
    fn positions_leave_no_gap_where_particles_were() {
        let a = Analyzer::new().unwrap();
        let tokens = a.analyze("東京都庁で取り扱う");
        let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 2], "{tokens:?}");
    }
}
