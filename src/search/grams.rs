//! The compound stage: grams that find a word inside a longer one. Runs of Japanese
//! script become overlapping bigrams (`コンテナ基盤` holds `基盤`, whatever the
//! segmenter made of it), Latin words their CamelCase and letter/digit parts
//! (`OpenShift` holds `shift`). Matches here rank below whole words.

use super::variants::{script, Script};

/// Grams of normalised text, in order.
pub fn grams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let s = script(c);
        if matches!(s, Script::Kanji | Script::Hiragana | Script::Katakana) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if matches!(s, Script::Latin | Script::Digit) {
            flush_run(&mut run, &mut out);
            word.push(c);
        } else {
            flush_run(&mut run, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_run(&mut run, &mut out);
    flush_word(&mut word, &mut out);
    out
}

/// The bigrams of one run of Japanese script (a lone character stands as itself).
pub fn bigrams(run: &[char]) -> Vec<String> {
    if run.len() == 1 {
        return vec![run[0].to_string()];
    }
    run.windows(2).map(|w| w.iter().collect()).collect()
}

/// A run's bigrams, less those with hiragana in them: particles, okurigana and endings,
/// which the words themselves (and their spelling keys) already find, and which would
/// make the gram field half as large again.
fn flush_run(run: &mut Vec<char>, out: &mut Vec<String>) {
    if !run.is_empty() {
        out.extend(bigrams(run).into_iter().filter(|g| !has_kana(g)));
        run.clear();
    }
}

/// A gram with a hiragana character in it: not indexed.
pub fn has_kana(gram: &str) -> bool {
    gram.chars().any(|c| script(c) == Script::Hiragana)
}

fn flush_word(word: &mut String, out: &mut Vec<String>) {
    let parts = word_parts(word);
    if parts.len() > 1 {
        out.extend(parts.into_iter().filter(|p| p.len() >= 2));
    }
    word.clear();
}

/// A Latin word's parts at case changes and letter/digit boundaries, lowercased
/// (`TensorFlow` -> tensor, flow; `HTTPServer` -> http, server; `k8s` -> k, 8, s).
pub fn word_parts(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (prev, cur) = (chars[i - 1], chars[i]);
        let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
        let boundary = (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next_lower)
            || (prev.is_ascii_digit() != cur.is_ascii_digit());
        if boundary {
            parts.push(chars[start..i].iter().collect::<String>().to_lowercase());
            start = i;
        }
    }
    if start < chars.len() {
        parts.push(chars[start..].iter().collect::<String>().to_lowercase());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_runs_become_bigrams() {
        assert_eq!(grams("コンテナ基盤"), ["コン", "ンテ", "テナ", "ナ基", "基盤"]);
        assert_eq!(grams("東京 都"), ["東京", "都"]);
        assert_eq!(grams("申し込みフォーム"), ["フォ", "ォー", "ーム"]);
    }

    #[test]
    fn latin_words_split_at_case_and_digits() {
        assert_eq!(word_parts("TensorFlow"), ["tensor", "flow"]);
        assert_eq!(word_parts("HTTPServer"), ["http", "server"]);
        assert_eq!(word_parts("python3"), ["python", "3"]);
        assert_eq!(grams("OpenShift と kubernetes"), ["open", "shift"]);
    }
}
