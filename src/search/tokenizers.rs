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

/// Registers the three tokenizers with an index.
pub fn register(manager: &TokenizerManager, analyzer: &Analyzer) {
    for (name, stream) in [
        (EXACT, Stream::Exact),
        (VARIANT, Stream::Variant),
        (GRAM, Stream::Gram),
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
}

#[derive(Clone)]
struct FieldTokenizer {
    analyzer: Analyzer,
    stream: Stream,
}

impl FieldTokenizer {
    fn tokens(&self, text: &str) -> Vec<Token> {
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            match self.stream {
                Stream::Exact => {
                    let norm = Normalized::new(text);
                    let (exact, variants) = self.analyzer.word_streams_normalized(&norm);
                    last.original.clear();
                    last.original.push_str(text);
                    last.normalized = norm.text;
                    last.variants = Some(variants);
                    exact
                }
                Stream::Variant => match last.variants.take() {
                    Some(variants) if last.original == text => variants,
                    _ => self.analyzer.word_streams_normalized(&Normalized::new(text)).1,
                },
                Stream::Gram if last.original == text => gram_tokens(&last.normalized),
                Stream::Gram => gram_tokens(&Normalized::new(text).text),
            }
        })
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
        assert!(!streams.variants.is_empty() && !streams.grams.is_empty());
    }
}
