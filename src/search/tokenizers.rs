//! The analyzer as tantivy's tokenizers, one per token stream of a free-text part:
//! exact words, their variant keys, and compound grams. Tantivy analyses each field's
//! text in its own indexing threads, so no tokens are serialised between threads.

use std::cell::RefCell;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager};

use super::analyzer::{gram_tokens, Analyzer};
use super::normalize::Normalized;

/// The exact words (positions kept, for phrases).
pub const EXACT: &str = "confnotes_ja";
/// The variant keys of those words.
pub const VARIANT: &str = "confnotes_ja_variant";
/// The grams that find parts of compounds.
pub const GRAM: &str = "confnotes_ja_gram";
/// Exact words of a text that repeats in document after document (an event's id and
/// title, in each of its sessions): analysed once per run of equal texts.
pub const REPEATED: &str = "confnotes_ja_repeated";

/// Registers the three tokenizers with an index.
pub fn register(manager: &TokenizerManager, analyzer: &Analyzer) {
    for (name, stream) in [
        (EXACT, Stream::Exact),
        (VARIANT, Stream::Variant),
        (GRAM, Stream::Gram),
        (REPEATED, Stream::Repeated),
    ] {
        let tokenizer = FieldTokenizer {
            analyzer: analyzer.clone(),
            stream,
        };
        manager.register(name, TextAnalyzer::from(tokenizer));
    }
}

#[derive(Clone, Copy, Debug)]
enum Stream {
    Exact,
    Variant,
    Gram,
    Repeated,
}

/// What the exact tokenizer saw last on this thread: the original text, its form after
/// the character stage, and the variant keys of its words. Tantivy indexes a document's
/// fields in field order, and each part's variant and gram fields follow its exact
/// field: one character stage and one segmentation serve all three. Keyed by the text
/// itself, so any other order costs only work done twice, never a wrong token.
#[derive(Default)]
struct Last {
    original: String,
    normalized: String,
    variants: Option<Vec<Token>>,
}

thread_local! {
    static LAST: RefCell<Last> = RefCell::new(Last::default());
    static LAST_REPEATED: RefCell<(String, Vec<Token>)> = const { RefCell::new((String::new(), Vec::new())) };
}

#[derive(Clone)]
struct FieldTokenizer {
    analyzer: Analyzer,
    stream: Stream,
}

impl FieldTokenizer {
    fn tokens(&self, text: &str) -> Vec<Token> {
        let words = |text: &str| self.analyzer.word_streams_normalized(&Normalized::new(text));
        match self.stream {
            Stream::Exact => LAST.with(|last| {
                let mut last = last.borrow_mut();
                let norm = Normalized::new(text);
                let (exact, variants) = self.analyzer.word_streams_normalized(&norm);
                last.original.clear();
                last.original.push_str(text);
                last.normalized = norm.text;
                last.variants = Some(variants);
                exact
            }),
            Stream::Variant => {
                let cached = LAST.with(|last| {
                    let mut last = last.borrow_mut();
                    let hit = last.original == text;
                    last.variants.take().filter(|_| hit)
                });
                cached.unwrap_or_else(|| words(text).1)
            }
            Stream::Gram => LAST.with(|last| {
                let last = last.borrow();
                if last.original == text {
                    gram_tokens(&last.normalized)
                } else {
                    gram_tokens(&Normalized::new(text).text)
                }
            }),
            Stream::Repeated => LAST_REPEATED.with(|last| {
                let mut last = last.borrow_mut();
                if last.0 != text {
                    last.1 = words(text).0;
                    last.0.clear();
                    last.0.push_str(text);
                }
                last.1.clone()
            }),
        }
    }
}

impl Tokenizer for FieldTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        VecStream {
            tokens: self.tokens(text).into_iter(),
            current: Token::default(),
        }
    }
}

/// Tokens computed ahead, handed out one by one.
pub struct VecStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl TokenStream for VecStream {
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

    fn texts(manager: &TokenizerManager, name: &str, text: &str) -> Vec<String> {
        let mut analyzer = manager.get(name).unwrap();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn each_stream_matches_the_analyzer_in_any_order() {
        let analyzer = Analyzer::new().unwrap();
        let manager = TokenizerManager::default();
        register(&manager, &analyzer);
        let text = "ユーザーが申し込みを使った OpenShift の記録";
        let streams = analyzer.index_streams(text);
        let words = |v: &[Token]| v.iter().map(|t| t.text.clone()).collect::<Vec<_>>();
        // Variant before exact (no cache), after exact (cache), and after another text.
        assert_eq!(texts(&manager, VARIANT, text), words(&streams.variants));
        assert_eq!(texts(&manager, EXACT, text), words(&streams.exact));
        assert_eq!(texts(&manager, VARIANT, text), words(&streams.variants));
        texts(&manager, EXACT, "別の文章");
        assert_eq!(texts(&manager, VARIANT, text), words(&streams.variants));
        assert_eq!(texts(&manager, GRAM, text), words(&streams.grams));
        for _ in 0..2 {
            assert_eq!(texts(&manager, REPEATED, text), words(&streams.exact));
            assert_eq!(texts(&manager, REPEATED, "別の文章"), ["別", "文章"]);
        }
        assert!(!streams.variants.is_empty() && !streams.grams.is_empty());
    }
}
