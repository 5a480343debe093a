//! The one Japanese analyzer, for indexing and for querying. Stages, in Lucene's names:
//! character normalisation ([`super::normalize`]), segmentation (lindera + IPADIC, in
//! bounded chunks), part-of-speech stop filter, lowercase, then the variant keys of
//! [`super::variants`] and the compound grams of [`super::grams`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_dictionary::viterbi::Lattice;
use tantivy::tokenizer::Token;

use super::normalize::Normalized;
use super::synonyms::Synonyms;
use super::variants::{self, Keys};

/// Bumped whenever the analyzer's output could change, so persisted indexes rebuild.
pub const ANALYZER_VERSION: u32 = 3;

/// The longest piece of text handed to the segmenter at once. IPADIC's unknown-word
/// rule makes a run of one character class cost the square of its length, so runs are
/// cut; real sentences are cut at punctuation long before this.
const MAX_CHUNK: usize = 768;

/// One analysed token: its normalised text, where it sits in the original text (byte
/// offsets on character boundaries, for highlighting) and its position (for phrases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub position: usize,
    /// Spelling-independent keys: base form, reading, stem (see [`Keys`]).
    pub keys: Keys,
    /// A light verb (`する`, `できる`…) after another word: not required in a query.
    pub light: bool,
}

/// The analyzer, cheap to clone (the dictionary is shared, not copied).
#[derive(Clone)]
pub struct Analyzer {
    segmenter: Arc<Segmenter>,
    /// Built on first use: start-up does not pay for it.
    synonyms: Arc<OnceLock<Synonyms>>,
}

thread_local! {
    static LATTICE: RefCell<Lattice> = RefCell::new(Lattice::default());
}

/// What one text becomes in the index: the exact tokens, their variant keys at the
/// same positions, and the grams that find parts of compounds.
pub struct IndexStreams {
    pub exact: Vec<Token>,
    pub variants: Vec<Token>,
    pub grams: Vec<Token>,
}

impl Analyzer {
    /// Loads the embedded dictionary (about a millisecond and a half).
    pub fn new() -> anyhow::Result<Self> {
        Self::with(confnotes_ipadic::load())
    }

    /// The same analyzer (the same tokens), for a process that analyses a few thousand
    /// characters, as `confnotes search` does: its dictionary loads in a tenth of the
    /// time, each character costs a little more (see `confnotes_ipadic`).
    pub fn for_short_texts() -> anyhow::Result<Self> {
        Self::with(confnotes_ipadic::load_for_short_texts())
    }

    fn with(
        dictionary: lindera_dictionary::LinderaResult<lindera_dictionary::dictionary::Dictionary>,
    ) -> anyhow::Result<Self> {
        let dictionary =
            dictionary.map_err(|e| anyhow::anyhow!("cannot load the embedded IPADIC dictionary: {e}"))?;
        Ok(Self {
            segmenter: Arc::new(Segmenter::new(Mode::Normal, dictionary, None)),
            synonyms: Arc::new(OnceLock::new()),
        })
    }

    /// The synonym table (built-in and the user's).
    pub fn synonyms(&self) -> &Synonyms {
        self.synonyms.get_or_init(Synonyms::load)
    }

    /// Analyses `text`. Never fails: a segmenter error yields no tokens for that chunk.
    pub fn analyze(&self, text: &str) -> Vec<AnalyzedToken> {
        self.analyze_normalized(&Normalized::new(text))
    }

    /// Analyses text that went through the character stage already.
    pub fn analyze_normalized(&self, norm: &Normalized) -> Vec<AnalyzedToken> {
        let mut out = Vec::new();
        // Positions are numbered without the gaps dropped particles leave: tantivy's
        // phrase-prefix scorer cannot match across a gap, and a reader expects
        // `東京都庁で取り扱` to find `東京都庁で取り扱う` (and the particle to not matter).
        let mut position = 0;
        let mut previous_word = false;
        for chunk in chunks(&norm.text) {
            let Some(piece) = norm.text.get(chunk.clone()) else {
                continue;
            };
            LATTICE.with(|lattice| {
                let mut lattice = lattice.borrow_mut();
                let Ok(tokens) = self
                    .segmenter
                    .segment_with_lattice(Cow::Borrowed(piece), &mut lattice)
                else {
                    return;
                };
                for mut token in tokens {
                    let surface = token.surface.to_string();
                    let bytes = token.byte_start..token.byte_end;
                    let [pos, base, reading] = ipadic_fields(&mut token);
                    if is_stop(pos, &surface) {
                        previous_word = pos != "記号" && previous_word;
                        continue;
                    }
                    let light = previous_word && pos == "動詞" && variants::is_light_verb(base);
                    let lower = surface.to_lowercase();
                    let keys = variants::keys(&lower, base, reading);
                    let range = norm.original(chunk.start + bytes.start..chunk.start + bytes.end);
                    out.push(AnalyzedToken {
                        text: lower,
                        start: range.start,
                        end: range.end,
                        position,
                        keys,
                        light,
                    });
                    position += 1;
                    previous_word = true;
                }
            });
        }
        out
    }

    /// Analyses `text` into the three token streams of an indexed field.
    pub fn index_streams(&self, text: &str) -> IndexStreams {
        let norm = Normalized::new(text);
        let (exact, variants) = self.word_streams_normalized(&norm);
        IndexStreams {
            exact,
            variants,
            grams: gram_tokens(&norm.text),
        }
    }

    /// The exact words of text after the character stage, and their variant keys at
    /// the same positions.
    pub fn word_streams_normalized(&self, norm: &Normalized) -> (Vec<Token>, Vec<Token>) {
        let tokens = self.analyze_normalized(norm);
        let mut exact = Vec::with_capacity(tokens.len());
        let mut variants = Vec::with_capacity(tokens.len());
        for t in &tokens {
            for key in &t.keys.indexed {
                variants.push(token(key.clone(), t.position, t.start..t.end));
            }
        }
        // A loanword the segmenter cut in two (`インター|フェイス`) is also keyed whole.
        for run in katakana_runs(&tokens) {
            let (Some(first), Some(last)) = (run.first(), run.last()) else {
                continue;
            };
            let whole: String = run.iter().map(|t| t.text.as_str()).collect();
            for key in variants::katakana_fold(&whole).into_iter().chain([whole.clone()]) {
                variants.push(token(key, first.position, first.start..last.end));
            }
        }
        for t in tokens {
            exact.push(token(t.text, t.position, t.start..t.end));
        }
        (exact, variants)
    }
}

/// Runs of two or more katakana tokens written together (no gap between them).
pub fn katakana_runs(tokens: &[AnalyzedToken]) -> Vec<&[AnalyzedToken]> {
    let katakana = |t: &AnalyzedToken| {
        t.text
            .chars()
            .all(|c| variants::script(c) == variants::Script::Katakana)
    };
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 0..=tokens.len() {
        let joined = i > start
            && i < tokens.len()
            && katakana(&tokens[i])
            && katakana(&tokens[i - 1])
            && tokens[i - 1].end == tokens[i].start;
        if !joined {
            if i - start >= 2 {
                runs.extend(tokens.get(start..i));
            }
            start = i;
        }
    }
    runs
}

/// The compound grams of text after the character stage (no segmentation needed).
pub fn gram_tokens(normalized: &str) -> Vec<Token> {
    super::grams::grams(normalized)
        .into_iter()
        .enumerate()
        .map(|(i, g)| token(g, i, 0..0))
        .collect()
}

fn token(text: String, position: usize, offsets: Range<usize>) -> Token {
    Token {
        offset_from: offsets.start,
        offset_to: offsets.end,
        position,
        text,
        position_length: 1,
    }
}

/// IPADIC's part of speech, base form and reading of a token (fields 0, 6 and 7).
/// A dictionary word's fields are read in place from the dictionary's bytes: lindera
/// would first copy all nine into a vector, a sixth of the analyzer's time.
fn ipadic_fields<'t>(token: &'t mut lindera::token::Token) -> [&'t str; 3] {
    let id = token.word_id;
    if id.is_system() && !id.is_unknown() {
        if let Some(fields) = system_word_fields(&token.dictionary.prefix_dictionary, id.id()) {
            return fields;
        }
    }
    let mut details = token.details_iter();
    let pos = details.next().unwrap_or("");
    let base = details.nth(5).unwrap_or("*");
    let reading = details.next().unwrap_or("*");
    [pos, base, reading]
}

/// Fields 0, 6 and 7 of a system dictionary word: `words_idx_data` holds a u32 offset
/// per word into `words_data`, where a u32 length precedes the NUL-separated fields.
/// None where the bytes are not laid out so (then lindera's own reading is used).
fn system_word_fields(
    dictionary: &lindera_dictionary::dictionary::prefix_dictionary::PrefixDictionary,
    id: u32,
) -> Option<[&str; 3]> {
    let u32_at = |data: &[u8], at: usize| -> Option<usize> {
        let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    };
    let words: &[u8] = &dictionary.words_data;
    let start = u32_at(
        &dictionary.words_idx_data,
        usize::try_from(id).ok()?.checked_mul(4)?,
    )?;
    let len = u32_at(words, start)?;
    let joined = words.get(start.checked_add(4)?..start.checked_add(4)?.checked_add(len)?)?;
    let mut fields = joined.split(|&b| b == 0);
    let pos = std::str::from_utf8(fields.next()?).ok()?;
    let base = std::str::from_utf8(fields.nth(5)?).ok()?;
    let reading = std::str::from_utf8(fields.next()?).ok()?;
    Some([pos, base, reading])
}

/// Parts of speech that carry no meaning for search (particles, auxiliary verbs,
/// symbols, fillers), and anything with no letter or digit in it.
fn is_stop(pos: &str, surface: &str) -> bool {
    matches!(
        pos,
        "助詞" | "助動詞" | "記号" | "フィラー" | "その他" | "非言語音"
    ) || !surface.chars().any(char::is_alphanumeric)
}

/// Splits normalised text into pieces of at most about [`MAX_CHUNK`] bytes, cut where a
/// word cannot continue: a space or punctuation, else a change of script, else anywhere
/// on a character boundary. Linear in the text.
fn chunks(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(text.len() / MAX_CHUNK + 1);
    let mut start = 0;
    while text.len() - start > MAX_CHUNK {
        let window_end = floor_char_boundary(text, start + MAX_CHUNK);
        let window = &text[start..window_end];
        let cut = best_cut(window).map_or(window_end, |c| start + c);
        let cut = if cut <= start { window_end } else { cut };
        out.push(start..cut);
        start = cut;
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// Where to cut a too-long window: after the last break character in its second half,
/// else at its last change of script.
fn best_cut(window: &str) -> Option<usize> {
    let half = window.len() / 2;
    let mut last_break = None;
    let mut last_change = None;
    let mut previous: Option<variants::Script> = None;
    for (i, c) in window.char_indices() {
        if i >= half && (c.is_whitespace() || matches!(c, '。' | '、' | '.' | ',' | '!' | '?')) {
            last_break = Some(i + c.len_utf8());
        }
        let script = variants::script(c);
        if previous.is_some_and(|p| p != script) && i > 0 {
            last_change = Some(i);
        }
        previous = Some(script);
    }
    last_break.or(last_change)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
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
    fn joined_words_are_separate_tokens() {
        let a = Analyzer::new().unwrap();
        let t = texts(&a, "クラウド・ネイティブ・コンピューティング");
        assert!(t.contains(&"ネイティブ".to_string()), "{t:?}");
    }

    #[test]
    fn offsets_point_to_whole_characters_of_the_original() {
        let a = Analyzer::new().unwrap();
        for text in [
            "ｓｐｉｎｎａｋｅｒで秘匿情報",
            "㈱サンプルの山田さん",
            "⅓ ⅔ ⑴ ⒈ ㍘ ㏠ 日",
        ] {
            for t in a.analyze(text) {
                assert!(text.get(t.start..t.end).is_some(), "{text:?} {t:?}");
            }
        }
        let text = "ｓｐｉｎｎａｋｅｒで";
        let first = &a.analyze(text)[0];
        assert_eq!(&text[first.start..first.end], "ｓｐｉｎｎａｋｅｒ");
        let text = "㈱サンプル";
        let kabu = a.analyze(text).into_iter().find(|t| t.text == "株").unwrap();
        assert_eq!(&text[kabu.start..kabu.end], "㈱");
    }

    #[test]
    fn positions_leave_no_gap_where_particles_were() {
        let a = Analyzer::new().unwrap();
        let tokens = a.analyze("東京都庁で取り扱う");
        let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 2], "{tokens:?}");
    }

    #[test]
    fn long_runs_are_cut_into_bounded_chunks() {
        let text = "あ".repeat(5000);
        let pieces = chunks(&text);
        assert!(pieces.iter().all(|r| r.len() <= MAX_CHUNK), "{pieces:?}");
        assert_eq!(pieces.last().map(|r| r.end), Some(text.len()));
        let a = Analyzer::new().unwrap();
        assert!(!a.analyze(&"a1".repeat(2500)).is_empty());
    }

    #[test]
    fn dictionary_fields_read_in_place_equal_lindera_s_own() {
        let a = Analyzer::new().unwrap();
        let text = "申し込みを出来るだけ早く使った。ユーザーはＫｕｂｅｒｎｅｔｅｓで東京都庁へ行きました";
        let mut lattice = Lattice::default();
        let tokens = a
            .segmenter
            .segment_with_lattice(Cow::Borrowed(text), &mut lattice)
            .unwrap();
        let mut checked = 0;
        for mut token in tokens {
            let ours = ipadic_fields(&mut token).map(str::to_string);
            let details: Vec<String> = token.details_iter().map(str::to_string).collect();
            let theirs = [0, 6, 7].map(|i| details.get(i).cloned().unwrap_or_else(|| "*".into()));
            assert_eq!(ours, theirs, "{}", token.surface);
            checked += 1;
        }
        assert!(checked > 10);
    }

    #[test]
    fn light_verbs_after_a_word_are_marked() {
        let a = Analyzer::new().unwrap();
        let tokens = a.analyze("導入する");
        assert_eq!(tokens.iter().filter(|t| t.light).count(), 1, "{tokens:?}");
        assert!(!a.analyze("する")[0].light);
    }
}
