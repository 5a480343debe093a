//! The Markdown renderer's tests: wrapping, kinsoku, links, matches, tables, weird input.
use super::*;
use crate::ui::theme::DARK;

const LINK: Style = DARK.link;
const SELECTED_LINK: Style = DARK.selected_link;
const MATCH: Style = DARK.matched;
const CURRENT_MATCH: Style = DARK.current_match;
const CODE_BLOCK: Style = DARK.code_block;

fn go(md: &str, width: u16, find: &dyn Fn(&str) -> Vec<Range<usize>>, sel: Option<usize>) -> RenderedNote {
    let opts = RenderOptions {
        theme: &DARK,
        width,
        selected_link: sel,
        current_match: sel,
        find_matches: find,
    };
    render(md, &opts)
}

/// The lines' text, joined with newlines.
fn r(md: &str, width: u16) -> String {
    let lines: Vec<String> = go(md, width, &|_| Vec::new(), None)
        .lines
        .iter()
        .map(text)
        .collect();
    lines.join("\n")
}

fn text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

fn fits(md: &str, width: u16) -> bool {
    go(md, width, &|_| Vec::new(), None)
        .lines
        .iter()
        .all(|l| l.width() <= usize::from(width))
}

/// The text drawn in a spot's columns, and the style at its first column.
fn at(note: &RenderedNote, s: Spot) -> (String, Style) {
    let (mut col, mut out, mut style) = (0, String::new(), None);
    for span in &note.lines[s.line].spans {
        for ch in span.content.chars() {
            if (s.col_start..s.col_end).contains(&col) {
                out.push(ch);
                style.get_or_insert(span.style);
            }
            col += ch.width().unwrap_or(0) as u16;
        }
    }
    (out, style.unwrap_or_default())
}

#[test]
fn japanese_paragraph_fits_every_width_and_loses_nothing() {
    let md = "Rustの所有権は、メモリ安全性を実現する仕組みです。borrow checkerが参照の有効期間（ライフタイム）を検査します。";
    let want: String = md.chars().filter(|c| !c.is_whitespace()).collect();
    for w in 1..=40 {
        let out = r(md, w);
        assert!(
            out.lines()
                .all(|l| l.width() <= usize::from(w) && !l.starts_with(' ')),
            "{w}: {out}"
        );
        let got: String = out
            .chars()
            .filter(|c| !c.is_whitespace() && c.to_string() != CUT_SIGN)
            .collect();
        assert!(w < 2 || got == want, "width {w}: {got}");
    }
}

#[test]
fn breaks_between_cjk_with_kinsoku_and_at_latin_spaces() {
    assert_eq!(r("あいうえおかきくけこ", 10), "あいうえお\nかきくけこ");
    assert_eq!(r("あいうえ。お、かき」く", 8), "あいう\nえ。お、\nかき」く");
    assert_eq!(r("hello big world", 9), "hello big\nworld");
    assert_eq!(r("abcdefghij", 4), "abc↩\ndef↩\nghij");
    assert_eq!(r("日本語の\n文章 and\nmore", 40), "日本語の文章 and more");
    assert_eq!(r("a  \nb<br>c", 40), "a\nb\nc");
}

#[test]
fn kinsoku_holds_after_latin_words_and_cut_words_show_a_sign() {
    for md in [
        "abcdefghij、続きです",
        "https://example.com/a/very/long/path、と書く",
        "東京から大阪 〜 名古屋まで",
        "Kubernetes〜の話をする",
        "spinnaker、argo、flux、jenkins、tekton",
    ] {
        for w in 8..=24 {
            let out = r(md, w);
            assert!(
                out.lines().all(|l| !l.starts_with(['、', '〜', '。'])),
                "{md} @{w}:\n{out}"
            );
        }
    }
    // A bare URL is a link (as on GitHub), cut like a word.
    assert_eq!(
        r("see https://example.com/long", 12),
        "see\nhttps://exa↩\nmple.com/lo↩\nng[1]"
    );
    // A line that ends between words or CJK characters has no sign.
    assert!(!r("あいうえおかきくけこ hello world", 10).contains(CUT_SIGN));
}

#[test]
fn headings_are_listed_with_their_lines() {
    let note = go(
        "# 題\n\n本文\n\n## 小見出し **太字**\n\n本文",
        40,
        &|_| Vec::new(),
        None,
    );
    let got: Vec<(u8, &str, usize)> = (note.headings.iter())
        .map(|h| (h.level, h.text.as_str(), h.line))
        .collect();
    assert_eq!(got, [(1, "題", 0), (2, "小見出し 太字", 4)]);
    assert_eq!(text(&note.lines[4]), "小見出し 太字");
}

#[test]
fn github_and_zenn_extensions_are_drawn() {
    let md =
        "<blockquote class=\"twitter-tweet\"><p>わかりやすい &amp; 速い</p>&mdash; 参加者</blockquote>\n\n\
              押す <kbd>Ctrl</kbd>+<b>C</b> :tada: https://x.y/z\n\n:::message\n注意\n:::\n\n- [ ] todo\n";
    assert_eq!(
        r(md, 40),
        "わかりやすい & 速い\n— 参加者\n\n押す Ctrl+C 🎉 https://x.y/z[1]\n\n│ ℹ 注意\n\n☐ todo"
    );
    let note = go(md, 40, &|_| Vec::new(), None);
    assert_eq!(note.links[0].href, "https://x.y/z");
}

#[test]
fn lists_have_bullets_numbers_tasks_and_hanging_indent() {
    let md = "- aaa bbb ccc ddd\n  - 入れ子の項目です\n- [x] done\n-\n\n3. one\n4. two";
    let want = "• aaa bbb\n  ccc ddd\n  ◦ 入れ子の\n    項目です\n☑ done\n• \n\n3. one\n4. two";
    assert_eq!(r(md, 12), want);
    let deep: String = (0..12)
        .map(|d| format!("{}- 項目{d} text\n", "  ".repeat(d)))
        .collect();
    assert!((1..=20).all(|w| fits(&format!("> > {deep}"), w)));
}

#[test]
fn links_and_images_are_numbered_spotted_and_selectable() {
    let note = go(
        "前 [リンク](https://a.example) と ![会場の写真](hall.png)",
        80,
        &|_| Vec::new(),
        Some(1),
    );
    assert_eq!(text(&note.lines[0]), "前 リンク[1] と [image: 会場の写真][2]");
    let [a, b] = &note.links[..] else {
        panic!("{:?}", note.links)
    };
    assert_eq!(
        (a.href.as_str(), a.text.as_str()),
        ("https://a.example", "リンク")
    );
    assert_eq!((b.href.as_str(), b.text.as_str()), ("hall.png", "会場の写真"));
    let (shown, style) = at(&note, a.spots[0]);
    assert_eq!((shown.as_str(), style), ("リンク", LINK));
    assert_eq!(
        at(&note, b.spots[0]),
        ("[image: 会場の写真]".into(), LINK.patch(SELECTED_LINK))
    );

    let note = go("x [alpha beta gamma](u)", 8, &|_| Vec::new(), None);
    let pieces: Vec<String> = note.links[0].spots.iter().map(|&s| at(&note, s).0).collect();
    assert_eq!(pieces, ["alpha", "beta", "gamma"]);
}

#[test]
fn matches_cross_style_changes_and_wrap_into_pieces() {
    let find = |s: &str| -> Vec<Range<usize>> { s.match_indices("東京").map(|(i, _)| i..i + 6).collect() };
    let note = go("今日は**東**京と東京へ", 40, &find, Some(1));
    assert_eq!(note.matches, [spot(0, 6, 10), spot(0, 12, 16)]);
    assert_eq!(at(&note, note.matches[0]), ("東京".into(), BOLD.patch(MATCH)));
    assert_eq!(at(&note, note.matches[1]), ("東京".into(), CURRENT_MATCH));
    assert_eq!(
        go("あい東京", 6, &find, None).matches,
        [spot(0, 4, 6), spot(1, 0, 2)]
    );
    // Ranges off char boundaries, out of bounds or backwards are ignored.
    let note = go(
        "あいう",
        10,
        &|_| vec![1..2, 0..1000, Range { start: 3, end: 1 }, 0..3],
        None,
    );
    assert_eq!(note.matches, [spot(0, 0, 2)]);
}

#[test]
fn tables_align_japanese_or_fall_back() {
    let md = "| 名前 | 役割 |\n|---|--:|\n| 山田太郎 | 発表 |\n| Bob | 司会者 |";
    let want = "名前     │   役割\n─────────┼───────\n山田太郎 │   発表\nBob      │ 司会者";
    assert_eq!(r(md, 40), want);
    assert_eq!(r(md, 16), "名前: 山田太郎\n役割: 発表\n\n名前: Bob\n役割: 司会者");
}

#[test]
fn code_blocks_keep_indentation_and_fit() {
    let md = "```rust\nfn main() {\n\tlet x = \"とても長い文字列リテラル\";\n}\n```";
    let note = go(md, 40, &|_| Vec::new(), None);
    assert_eq!(text(&note.lines[0]).trim_end(), "fn main() {");
    assert!(text(&note.lines[1]).starts_with("    let x"));
    assert_eq!(note.lines[1].spans[0].style, CODE_BLOCK);
    assert!((1..=20).all(|w| fits(md, w)));
}

#[test]
fn headings_quotes_rules_and_blank_lines() {
    let md = "## セッション\n本文\n\n> **感想**: よかった\n>\n> > 入れ子\n\n---";
    let want = format!(
        "セッション\n\n本文\n\n│ 感想: よかった\n│\n│ │ 入れ子\n\n{}",
        "─".repeat(20)
    );
    assert_eq!(r(md, 20), want);
    assert_eq!(r("", 20) + &r("  \n\n\t\n", 20) + &r("<!-- c -->", 20), "");
}

#[test]
fn weird_input_never_panics_or_overflows() {
    let parts = "# 見出し¦- ¦  - ¦1. ¦> ¦**太¦*斜¦~~x¦`co¦```\n¦\t¦\u{7}¦\u{301}¦  ¦👨\u{200D}👩¦❤\u{FE0F}¦[l](u)¦![i](p)\
        ¦| a | 表 |\n|-|-|\n| 1 |¦\n¦\n\n¦  \n¦あいう¦word ¦averyveryverylongword¦<b>x</b>¦<br>¦[^1]¦[^1]: 注¦---¦- [ ] t¦。」¦\r\n";
    let parts: Vec<&str> = parts.split('¦').collect();
    let find = |s: &str| -> Vec<Range<usize>> { (0..s.len()).step_by(3).map(|i| i..i + 2).collect() };
    let mut seed = 7u64;
    for round in 0..5000 {
        let mut md = String::new();
        for _ in 0..(round % 13) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            md.push_str(parts[(seed >> 33) as usize % parts.len()]);
        }
        let width = (round % 14 + 1) as u16;
        let note = go(&md, width, &find, Some(0));
        assert!(
            note.lines.iter().all(|l| l.width() <= usize::from(width)),
            "{md:?} @{width}"
        );
        let mut spots = note
            .matches
            .iter()
            .chain(note.links.iter().flat_map(|l| &l.spots));
        assert!(
            spots.all(|s| s.col_start < s.col_end && usize::from(s.col_end) <= note.lines[s.line].width())
        );
        assert!(note.matches.is_sorted_by_key(|s| (s.line, s.col_start)), "{md:?}");
    }
}

#[test]
fn footnotes_are_numbered_by_first_reference_and_listed_where_asked() {
    let md = format!(
        "後の注[^b]、先の注[^a]、未定義[^none]、再び[^B]。\n\n[^a]: 注A[^c]\n[^b]: 注B\n[^c]: 注の注\n[^z]: 誰も参照しない\n\n{FOOTNOTES_HERE}\n\n**Linked from**\n"
    );
    assert_eq!(
        r(&md, 60),
        "後の注¹[1]、先の注²[2]、未定義[^none]、再び¹[3]。\n\
         \n\
         ────────────────────────────────────────────────────────────\n\
         \n\
         Footnotes\n\
         \n\
         1. 注B ↑[4]\n\
         2. 注A³[5] ↑[6]\n\
         3. 注の注 ↑[7]\n\
         [^z] 誰も参照しない\n\
         \n\
         Linked from"
    );
    let note = go(&md, 60, &|_| Vec::new(), None);
    let hrefs: Vec<&str> = note.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        hrefs,
        [
            "confnotes-place:fn-1",
            "confnotes-place:fn-2",
            "confnotes-place:fn-1",
            "confnotes-place:fnref-1",
            "confnotes-place:fn-3",
            "confnotes-place:fnref-2",
            "confnotes-place:fnref-3"
        ]
    );
    let places: Vec<(&str, usize)> = note.places.iter().map(|(p, l)| (p.as_str(), *l)).collect();
    assert_eq!(places, [("fn-1", 6), ("fn-2", 7), ("fn-3", 8)]);
    // Without the marker, at the very end; a note without footnotes draws no list.
    assert!(r("本文[^1]\n\n[^1]: 注\n", 40).ends_with("1. 注 ↑[2]"));
    assert_eq!(r("本文 [^1] だけ\n", 40), "本文 [^1] だけ");
}
