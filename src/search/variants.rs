//! The variant stage: keys under which different spellings of one word meet. Kanji
//! words meet by their kanji (`申し込み` = `申込み` = `申込`, `使う` = `使った` = `使える`),
//! kana and kanji spellings by the reading of the base form (`できる` = `出来る`),
//! katakana loanwords without their final long-vowel mark (`ユーザー` = `ユーザ`), English
//! words by their Snowball stem (`deployments` = `deploy`).

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Marks that keep readings apart from words: a reading is only ever compared with a
/// reading, and a kanji word's reading only with a kana spelling, so a kanji query
/// never meets a homophone written in other kanji (`機械` / `機会`).
const READING_OF_KANJI: &str = "~k";
const READING_OF_KANA: &str = "~r";

/// Writing systems, for keys and for cutting text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Kanji,
    Hiragana,
    Katakana,
    Latin,
    Digit,
    Space,
    Other,
}

pub fn script(c: char) -> Script {
    match c {
        '\u{3041}'..='\u{309F}' => Script::Hiragana,
        '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' => Script::Katakana,
        '\u{3005}'
        | '\u{3006}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}' => Script::Kanji,
        '\u{20000}'..='\u{2FA1F}' => Script::Kanji,
        c if c.is_ascii_digit() => Script::Digit,
        c if c.is_whitespace() => Script::Space,
        c if c.is_alphabetic() && (c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c)) => Script::Latin,
        _ => Script::Other,
    }
}

pub fn is_cjk(c: char) -> bool {
    matches!(script(c), Script::Kanji | Script::Hiragana | Script::Katakana)
}

/// The keys of one token: what the index holds for it beside its exact text (only
/// where that differs), and what a query for it looks up beside its exact text (in
/// the exact words and in the keys alike).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub indexed: Vec<String>,
    pub query: Vec<String>,
}

/// Verbs that only carry a noun (`導入する`, `利用できる`): not a word a reader requires.
pub fn is_light_verb(base: &str) -> bool {
    matches!(
        base,
        "する"
            | "できる"
            | "出来る"
            | "いる"
            | "ある"
            | "なる"
            | "れる"
            | "られる"
            | "せる"
            | "させる"
            | "くる"
            | "いく"
    )
}

pub fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The keys of a token: `lower` is its lowercased surface; `base` and `reading` come
/// from IPADIC (`*` when unknown).
pub fn keys(lower: &str, base: &str, reading: &str) -> Keys {
    let has_kanji = lower.chars().any(|c| script(c) == Script::Kanji);
    let all = |s: Script| lower.chars().all(|c| script(c) == s);
    if has_kanji {
        // Kanji words meet by their kanji: okurigana and conjugation drop out.
        let skeleton: String = lower.chars().filter(|&c| script(c) != Script::Hiragana).collect();
        let reading = base_reading(lower, base, reading);
        let mixed = skeleton.len() != lower.len();
        let mut k = Keys::default();
        if mixed {
            k.indexed.push(skeleton.clone());
            k.indexed
                .extend(reading.iter().map(|r| format!("{READING_OF_KANJI}{r}")));
        }
        k.query.push(skeleton);
        k.query
            .extend(reading.iter().map(|r| format!("{READING_OF_KANA}{r}")));
        return k;
    }
    if all(Script::Hiragana) {
        let Some(reading) = base_reading(lower, base, reading) else {
            return Keys::default();
        };
        return Keys {
            indexed: vec![format!("{READING_OF_KANA}{reading}")],
            query: vec![
                format!("{READING_OF_KANA}{reading}"),
                format!("{READING_OF_KANJI}{reading}"),
            ],
        };
    }
    if all(Script::Katakana) {
        let stem = katakana_stem(lower).to_string();
        let mut k = Keys {
            indexed: if stem != lower {
                vec![stem.clone()]
            } else {
                Vec::new()
            },
            query: vec![stem],
        };
        if let Some(fold) = katakana_fold(lower) {
            k.indexed.push(fold.clone());
            k.query.push(fold);
        }
        return k;
    }
    let stem = if lower.len() >= 3 && lower.chars().all(|c| c.is_ascii_alphabetic()) {
        stemmer().stem(lower).into_owned()
    } else {
        return Keys::default();
    };
    Keys {
        indexed: if stem != lower {
            vec![stem.clone()]
        } else {
            Vec::new()
        },
        query: vec![stem],
    }
}

/// A loanword's spelling-free key: `ー` dropped throughout, an `イ` that lengthens an
/// e-row sound dropped (`プレイヤー` = `プレーヤー` = `プレヤ`, `インターフェイス` =
/// `インタフェース`), `ヴ` and `ウィ` spelled plainly. Only for katakana words of four or
/// more characters, and only where it differs from [`katakana_stem`].
pub fn katakana_fold(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || !chars.iter().all(|&c| script(c) == Script::Katakana) {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    let mut previous = None;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let folded = match (c, next) {
            ('ー', _) => None,
            ('イ', _) if previous.is_some_and(is_e_row) => None,
            ('ヴ', Some('ァ' | 'ィ' | 'ェ' | 'ォ')) => None,
            ('ヴ', _) => Some('ブ'),
            ('ァ', _) if previous == Some('ヴ') => Some('バ'),
            ('ィ', _) if previous == Some('ヴ') => Some('ビ'),
            ('ェ', _) if previous == Some('ヴ') => Some('ベ'),
            ('ォ', _) if previous == Some('ヴ') => Some('ボ'),
            ('ィ', _) if previous == Some('ウ') => Some('イ'),
            ('ェ', _) if previous == Some('ウ') => Some('エ'),
            _ => Some(c),
        };
        out.extend(folded);
        previous = Some(c);
    }
    (out.chars().count() >= 2 && out != katakana_stem(word)).then_some(out)
}

fn is_e_row(c: char) -> bool {
    matches!(
        c,
        'エ' | 'ケ' | 'ゲ' | 'セ' | 'ゼ' | 'テ' | 'デ' | 'ネ' | 'ヘ' | 'ベ' | 'ペ' | 'メ' | 'レ' | 'ェ'
    )
}

/// Lucene's katakana stem rule: a final `ー` is dropped from words of four or more
/// characters (`ユーザー` -> `ユーザ`, but `キー` stays).
pub fn katakana_stem(word: &str) -> &str {
    match word.strip_suffix('ー') {
        Some(stem) if word.chars().count() >= 4 => stem,
        _ => word,
    }
}

/// The katakana reading of the token's base form: IPADIC gives the reading of the
/// conjugated surface (`使っ` -> `ツカッ`), so the surface's kana ending is swapped for
/// the base form's (`ツカ` + `ウ`).
fn base_reading(surface: &str, base: &str, reading: &str) -> Option<String> {
    if reading == "*" || reading.is_empty() {
        return None;
    }
    if base == "*" || base == surface {
        return Some(reading.to_string());
    }
    let common = surface
        .chars()
        .zip(base.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let surface_tail: String = surface.chars().skip(common).map(to_katakana).collect();
    let base_tail: String = base.chars().skip(common).map(to_katakana).collect();
    let stem = reading.strip_suffix(surface_tail.as_str())?;
    Some(format!("{stem}{base_tail}"))
}

fn to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Analyzer;

    /// Whether a query for `query` finds a note saying `doc` through the keys.
    fn meets(a: &Analyzer, query: &str, doc: &str) -> bool {
        let q: Vec<_> = a.analyze(query).into_iter().filter(|t| !t.light).collect();
        let d = a.analyze(doc);
        q.len() == 1
            && d.iter().any(|d| {
                q[0].keys
                    .query
                    .iter()
                    .any(|k| *k == d.text || d.keys.indexed.contains(k))
            })
    }

    #[test]
    fn okurigana_variants_share_a_key() {
        let a = Analyzer::new().unwrap();
        for group in [
            &["申し込み", "申込み", "申込"][..],
            &["引き継ぎ", "引継ぎ"],
            &["取り扱い", "取扱い"],
            &["使う", "使った", "使える"],
        ] {
            for q in group {
                for d in group {
                    assert!(
                        meets(&a, q, d),
                        "{q} -> {d}: {:?} {:?}",
                        a.analyze(q),
                        a.analyze(d)
                    );
                }
            }
        }
    }

    #[test]
    fn kana_and_kanji_spellings_meet_by_reading_not_homophones() {
        let a = Analyzer::new().unwrap();
        for (kana, kanji) in [("できる", "出来る"), ("わかる", "分かる")] {
            assert!(meets(&a, kana, kanji) && meets(&a, kanji, kana), "{kana} {kanji}");
        }
        assert!(!meets(&a, "機械", "機会"));
    }

    #[test]
    fn loanword_spellings_meet_even_when_cut_in_two() {
        let a = Analyzer::new().unwrap();
        let (_, keys) = a.word_streams_normalized(&crate::search::normalize::Normalized::new(
            "インターフェイスを決める",
        ));
        let keys: Vec<&str> = keys.iter().map(|t| t.text.as_str()).collect();
        assert!(keys.contains(&"インタフェス"), "{keys:?}");
    }

    #[test]
    fn loanword_spellings_meet() {
        let a = Analyzer::new().unwrap();
        for (query, doc) in [
            ("プレーヤー", "プレイヤーの登録"),
            ("プレイヤー", "プレーヤーの登録"),
            ("インターフェース", "インタフェースを決める"),
            ("ヴァリデーション", "バリデーションの話"),
        ] {
            assert!(meets(&a, query, doc), "{query} / {doc}");
        }
        assert_eq!(katakana_fold("キー"), None);
        assert_eq!(katakana_fold("ユーザ"), None, "nothing to fold");
        assert_eq!(katakana_fold("ゲーム"), None, "short words keep their spelling");
        assert!(!meets(&a, "メモリー", "メモを取る"));
    }

    #[test]
    fn long_vowels_and_english_stems() {
        assert_eq!(katakana_stem("ユーザー"), "ユーザ");
        assert_eq!(katakana_stem("キー"), "キー");
        let a = Analyzer::new().unwrap();
        for (q, d) in [
            ("ブラウザー", "ブラウザ"),
            ("ブラウザ", "ブラウザー"),
            ("deployments", "deployed"),
            ("cluster", "clusters"),
            ("deployed", "deploy"),
        ] {
            assert!(meets(&a, q, d), "{q} {d}");
        }
    }
}
