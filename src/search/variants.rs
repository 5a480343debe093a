//! The variant stage: keys under which different spellings of one word meet. Kanji
//! words meet by their kanji (`申し込み` = `申込み` = `申込`, `使う` = `使った` = `使える`),
//! kana and kanji spellings by the reading of the base form (`できる` = `出来る`),
//! katakana loanwords without their final long-vowel mark (`ユーザー` = `ユーザ`), English
//! words by their Snowball stem (`deployments` = `deploy`).

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Marks that keep the kinds of key apart in the variant field.
const KANJI: &str = "~s";
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

/// The keys of one token. `primary` is what a query for it looks for first;
/// `secondary` is the other spelling (kana for kanji, kanji for kana).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub primary: Option<String>,
    pub secondary: Option<String>,
    /// What the index holds for it beside `primary` (a kanji word's reading, marked as
    /// written in kanji, so that a kanji query never meets a homophone in other kanji).
    indexed_reading: Option<String>,
}

impl Keys {
    /// The variant-field tokens of a word whose exact text is `exact`.
    pub fn indexed(&self, exact: &str) -> Vec<String> {
        let mut out = vec![self.primary.clone().unwrap_or_else(|| exact.to_string())];
        out.extend(self.indexed_reading.clone());
        out
    }

    /// What a query looks for in the variant field, first and second choice.
    pub fn query(&self, exact: &str) -> (String, Option<String>) {
        (
            self.primary.clone().unwrap_or_else(|| exact.to_string()),
            self.secondary.clone(),
        )
    }
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

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The keys of a token: `lower` is its lowercased surface; `base` and `reading` come
/// from IPADIC (`*` when unknown).
pub fn keys(lower: &str, base: &str, reading: &str) -> Keys {
    let has_kanji = lower.chars().any(|c| script(c) == Script::Kanji);
    let all = |s: Script| lower.chars().all(|c| script(c) == s);
    if has_kanji {
        let skeleton: String = lower.chars().filter(|&c| script(c) != Script::Hiragana).collect();
        let reading = base_reading(lower, base, reading);
        return Keys {
            primary: Some(format!("{KANJI}{skeleton}")),
            secondary: reading.as_ref().map(|r| format!("{READING_OF_KANA}{r}")),
            indexed_reading: reading.map(|r| format!("{READING_OF_KANJI}{r}")),
        };
    }
    if all(Script::Hiragana) {
        let Some(reading) = base_reading(lower, base, reading) else {
            return Keys::default();
        };
        return Keys {
            primary: Some(format!("{READING_OF_KANA}{reading}")),
            secondary: Some(format!("{READING_OF_KANJI}{reading}")),
            indexed_reading: None,
        };
    }
    if all(Script::Katakana) {
        return Keys {
            primary: Some(katakana_stem(lower).to_string()),
            ..Keys::default()
        };
    }
    if lower.len() >= 3 && lower.chars().all(|c| c.is_ascii_alphabetic()) {
        let stem = stemmer().stem(lower);
        if stem != lower {
            return Keys {
                primary: Some(stem.into_owned()),
                ..Keys::default()
            };
        }
    }
    Keys::default()
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

    fn primary(a: &Analyzer, text: &str) -> Vec<String> {
        a.analyze(text)
            .into_iter()
            .filter(|t| !t.light)
            .map(|t| t.keys.query(&t.text).0)
            .collect()
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
            let keys: Vec<_> = group.iter().map(|w| primary(&a, w)).collect();
            assert!(keys.windows(2).all(|w| w[0] == w[1]), "{group:?}: {keys:?}");
        }
    }

    #[test]
    fn kana_and_kanji_spellings_meet_by_reading() {
        let a = Analyzer::new().unwrap();
        for (kana, kanji) in [("できる", "出来る"), ("わかる", "分かる")] {
            let k = &a.analyze(kana)[0];
            let j = &a.analyze(kanji)[0];
            let (kana_primary, kana_secondary) = k.keys.query(&k.text);
            assert!(
                j.keys.indexed(&j.text).contains(&kana_secondary.unwrap()),
                "{k:?} {j:?}"
            );
            assert_eq!(Some(kana_primary), j.keys.query(&j.text).1, "{k:?} {j:?}");
        }
    }

    #[test]
    fn long_vowels_and_english_stems() {
        assert_eq!(katakana_stem("ユーザー"), "ユーザ");
        assert_eq!(katakana_stem("キー"), "キー");
        let a = Analyzer::new().unwrap();
        assert_eq!(primary(&a, "ブラウザー"), primary(&a, "ブラウザ"));
        assert_eq!(primary(&a, "deployments"), primary(&a, "deployed"));
        assert_eq!(primary(&a, "clusters"), ["cluster"]);
    }
}
