//! Search quality, one test per class of issue 10, over small notes written here: what a
//! Japanese reader means is found, and what matches best ranks first.

use std::path::Path;

use confnotes::search::{parse_query, Matcher, Tier};

use crate::common::Fixture;

const NOTES: &[(&str, &str)] = &[
    (
        "2024-05-obs.md",
        "---\ntitle: Observability Meetup #3\ndate: 2024-05-10\nvenue: 京都リサーチパーク\ntags: [observability]\n---\n\n# Observability Meetup #3\n\n京都で開かれた回。\n\n## メトリクス収集の実践\n\n- speaker: 山田\n\n- Prometheus\n  - exporter\n  - Alertmanager\n\n<details><summary>当日の補足</summary>\n\nGrafana Loki の構成図\n\n</details>\n\nサーバー一台あたりのメモリー使用量を可観測性の観点で見る。\n\n## 引継ぎと申込み\n\n- speaker: 佐藤\n\n運用の引継ぎ手順と、申込みフォームの取扱い。ツールは誰でも使える状態にした。出来ることから動かしてみる、と話していた。\n\n## ストレージ\n\n- speaker: 鈴木\n\nブロックストレージとコンテナ基盤を OpenShift と TensorFlow で試した。クラウド・ネイティブ・コンピューティングの定義にも触れた。Kubernetes clusters were deployed twice.\n\n関連: [ロードバランサーの話](2024-06-net.md#ロードバランサー入門)\n",
    ),
    (
        "2024-06-net.md",
        "---\ntitle: Network Night\ndate: 2024-06-01\nvenue: 東京都港区\n---\n\n# Network Night\n\n東京都内の会場。\n\n## ロードバランサー入門\n\n- speaker: 田中\n\nL4 と L7 の違い。ユーザからの接続を分散する。デプロイの度に設定を見直す。\n\n## 京都の事例\n\n- speaker: 高橋\n\n京都のデータセンターでの運用事例。\n\n## 雑談\n\n- speaker: 伊藤\n\nスイッチの話。\n",
    ),
];

fn fixture() -> (tempfile::TempDir, Fixture) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in NOTES {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let f = Fixture::new(dir.path(), false);
    (dir, f)
}

fn has(ids: &[String], id: &str) -> bool {
    ids.iter().any(|i| i == id)
}

const METRICS: &str = "2024-05-obs#メトリクス収集の実践";
const HANDOVER: &str = "2024-05-obs#引継ぎと申込み";
const STORAGE: &str = "2024-05-obs#ストレージ";
const LB: &str = "2024-06-net#ロードバランサー入門";
const KYOTO: &str = "2024-06-net#京都の事例";

#[test]
fn block_boundaries_separate_words_and_html_text_is_found() {
    let (_d, f) = fixture();
    assert!(has(&f.ids("exporter "), METRICS));
    assert!(has(&f.ids("alertmanager "), METRICS));
    assert!(has(&f.ids("当日の補足 "), METRICS));
    assert!(has(&f.ids("Loki "), METRICS));
    assert!(f.ids("prometheusexporter ").is_empty());
}

#[test]
fn long_vowel_spellings_find_each_other() {
    let (_d, f) = fixture();
    assert!(has(&f.ids("サーバ "), METRICS));
    assert!(has(&f.ids("メモリ "), METRICS));
    assert!(has(&f.ids("ユーザー "), LB));
    assert!(has(&f.ids("ロードバランサ "), LB));
}

#[test]
fn okurigana_and_kana_kanji_variants_find_each_other() {
    let (_d, f) = fixture();
    for q in ["引き継ぎ ", "引継 ", "申し込み ", "申込 ", "取り扱い ", "できる "] {
        assert!(has(&f.ids(q), HANDOVER), "{q}: {:?}", f.ids(q));
    }
}

#[test]
fn inflected_forms_and_english_stems_match() {
    let (_d, f) = fixture();
    for q in ["使う ", "使った ", "動かす ", "deploy ", "cluster "] {
        let ids = f.ids(q);
        assert!(has(&ids, HANDOVER) || has(&ids, STORAGE), "{q}: {ids:?}");
    }
    // A trailing light verb is not a required word.
    assert!(has(&f.ids("引き継ぎする "), HANDOVER));
    assert!(has(&f.ids("デプロイする "), LB));
}

#[test]
fn parts_of_compounds_are_found_and_rank_below_whole_words() {
    let (_d, f) = fixture();
    for q in ["ストレージ ", "基盤 ", "ネイティブ ", "shift ", "Flow "] {
        assert!(has(&f.ids(q), STORAGE), "{q}: {:?}", f.ids(q));
    }
    // `京都` inside `東京都` is found, below a note about Kyoto.
    let ids = f.ids("京都 ");
    assert_eq!(ids.first().map(String::as_str), Some(KYOTO), "{ids:?}");
    assert!(has(&ids, "2024-06-net"), "{ids:?}");
}

#[test]
fn synonyms_find_other_spellings_of_a_concept() {
    let (_d, f) = fixture();
    assert!(has(&f.ids("observability "), METRICS));
    assert!(has(&f.ids("load balancer "), LB));
    assert!(has(&f.ids("deploy "), LB));
}

#[test]
fn words_across_an_event_and_partial_matches() {
    let (_d, f) = fixture();
    let q = parse_query("ロードバランサー 京都 ");
    let hits = f.index.search(&q, 20).unwrap();
    assert!(!hits.is_empty());
    assert_eq!(hits[0].tier, Tier::Event, "{hits:?}");
    // Tiers never go back up: every-word notes, then event-wide, then partial.
    assert!(hits.windows(2).all(|w| w[0].tier <= w[1].tier), "{hits:?}");
    assert!(!hits.iter().any(|h| h.tier == Tier::All), "{hits:?}");
    // No note and no event holds both: the best partial matches, marked so.
    let q = parse_query("Alertmanager スイッチ ");
    let hits = f.index.search(&q, 20).unwrap();
    assert!(
        !hits.is_empty() && hits.iter().all(|h| h.tier == Tier::Partial),
        "{hits:?}"
    );
    // A note with every word comes first.
    let hits = f.index.search(&parse_query("Prometheus Grafana "), 20).unwrap();
    assert_eq!(hits[0].session.to_string(), METRICS);
    assert_eq!(hits[0].tier, Tier::All);
}

#[test]
fn link_text_and_event_words_do_not_make_every_session_a_hit() {
    let (_d, f) = fixture();
    // The venue is the event's, found at its overview only.
    assert_eq!(f.ids("リサーチパーク "), ["2024-05-obs"]);
    // A session that only links to the load-balancer note ranks below it.
    let ids = f.ids("ロードバランサー ");
    assert_eq!(ids.first().map(String::as_str), Some(LB), "{ids:?}");
}

#[test]
fn or_between_filters_and_unknown_keys_as_text() {
    let (_d, f) = fixture();
    let ids = f.ids("speaker:田中 OR speaker:高橋");
    assert!(has(&ids, LB) && has(&ids, KYOTO) && ids.len() == 2, "{ids:?}");
    let ids = f.ids("year:2023 OR year:2024 ");
    assert!(ids.len() >= 7, "{ids:?}");
    // `L4:` is no filter: its words are searched.
    assert!(has(&f.ids("L4:L7 "), LB) || has(&f.ids("L4 L7 "), LB));
    assert_eq!(f.ids("L4:L7 ").is_empty(), f.ids("\"L4 L7\"").is_empty());
}

#[test]
fn highlights_variants_compound_parts_and_synonyms() {
    let (_d, f) = fixture();
    let text = "運用の引継ぎ手順と、ブロックストレージと可観測性。";
    for (q, want) in [
        ("引き継ぎ", "引継ぎ"),
        ("ストレージ", "ストレージ"),
        ("observability ", "可観測性"),
    ] {
        let m = Matcher::new(&parse_query(q), &f.index.analyzer);
        let found: Vec<&str> = m.find(text).into_iter().map(|r| &text[r]).collect();
        assert!(found.iter().any(|s| s.contains(want)), "{q}: {found:?}");
    }
}

#[test]
fn analyze_command_explains_the_query() {
    let out = crate::common::confnotes(Path::new("/nonexistent-confnotes"))
        .args(["analyze", "デプロイする", "tag:ci", "OR", "tag:cd"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("synonyms") && text.contains("deploy") && text.contains("not required: する"),
        "{text}"
    );
    assert!(text.contains("any of"), "{text}");
}

#[test]
fn characters_that_nfkc_expands_never_break_a_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(
        notes.join("x.md"),
        "# 株の会\n\n## 話\n\n㈱サンプルの山田さん。⅓ ⅔ ⑴ ⒈ ㍘ ㏠ の表記。\n",
    )
    .unwrap();
    for q in ["株", "（", "(株)", "1", "日", "サンプル"] {
        let out = crate::common::confnotes(dir.path())
            .args(["--no-bundled", "--notes"])
            .arg(&notes)
            .args(["search", "--json", q])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for hit in hits.as_array().unwrap() {
            let snippet = hit["snippet"].as_str().unwrap();
            for m in hit["matches"].as_array().unwrap() {
                let (start, end) = (
                    m["start"].as_u64().unwrap() as usize,
                    m["end"].as_u64().unwrap() as usize,
                );
                let text: String = snippet.chars().skip(start).take(end - start).collect();
                assert_eq!(text, m["text"].as_str().unwrap(), "{q}");
            }
        }
        if q == "株" {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("\"text\": \"㈱\""), "{text}");
        }
    }
}
