//! The engine over the fixture notes: loading, links, and every kind of query.

use confnotes::core::{LinkTarget, SessionRef};
use confnotes::search::{parse_query, Matcher, Snippet};

use crate::common::{fixtures, Fixture};

const SPINNAKER: &str = "2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信";
const MONITORING: &str = "2019-0416-cloud-native-meetup#監視基盤の刷新";
const SECRETS: &str = "gitops-day#gitopsと秘匿情報";
const ARGO: &str = "gitops-day#argo-cd";
const KNATIVE: &str = "2019-03-27-serverless-day#knative-で作るサーバーレス基盤";
const CANARY: &str = "2019-03-27-serverless-day#ｶﾅﾘｱリリースの自動化";

fn fixture() -> Fixture {
    Fixture::new(&fixtures(), false)
}

#[test]
fn loads_real_world_layouts() {
    let f = fixture();
    let lib = &f.library;
    assert!(lib.warnings.is_empty(), "{:?}", lib.warnings);
    let summary: Vec<(&str, &str, Vec<String>, usize)> = lib
        .events
        .iter()
        .map(|e| (e.id.as_str(), e.title.as_str(), e.dates.clone(), e.sessions.len()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("gitops-day", "GitOps Day 2020", vec!["2020-02-10".to_string()], 2),
            (
                "2019-0416-cloud-native-meetup",
                "Cloud Native Meetup Tokyo #7",
                vec!["2019-04-16".to_string()],
                2
            ),
            (
                "2019-03-27-serverless-day",
                "[参加レポート]Serverless Day",
                vec!["2019-03-27".to_string()],
                2
            ),
        ]
    );
    let argo = lib.event("gitops-day").unwrap().session("argo-cd").unwrap();
    assert_eq!(argo.speakers, ["山本 三郎", "伊藤 四郎"]);
    assert_eq!(argo.tags, ["argo-cd", "gitops"]);
    let report = lib.event("gitops-day").unwrap().report.clone().unwrap();
    assert_eq!(report.author.as_deref(), Some("テスト太郎"));
    // The Q&A sub-heading stays inside its session.
    let monitoring = lib
        .event("2019-0416-cloud-native-meetup")
        .unwrap()
        .session("監視基盤の刷新")
        .unwrap();
    assert!(monitoring.body.contains("Thanos"));
}

#[test]
fn links_resolve_across_folders_and_backlinks_are_computed() {
    let f = fixture();
    let lib = &f.library;
    let argo = lib.event("gitops-day").unwrap().session("argo-cd").unwrap();
    let (event, session) = SPINNAKER.split_once('#').unwrap();
    assert_eq!(
        argo.links[0].target,
        LinkTarget::Note(SessionRef::new(event, session))
    );
    let spinnaker = lib.event(event).unwrap().session(session).unwrap();
    assert_eq!(spinnaker.backlinks, [SessionRef::new("gitops-day", "argo-cd")]);
    let argo_back: Vec<String> = argo.backlinks.iter().map(|b| b.to_string()).collect();
    assert_eq!(argo_back, [CANARY]);
}

#[test]
fn english_and_japanese_terms() {
    let f = fixture();
    assert_eq!(f.ids("SealedSecrets"), [SECRETS]);
    assert_eq!(f.ids("kubeseal"), [SECRETS]);
    assert_eq!(f.ids("秘匿情報"), [SECRETS, SPINNAKER]);
    // Synonyms (`CD`, `continuous delivery`) may add hits, never above the words typed.
    assert_eq!(f.ids("継続的デリバリ").first().map(String::as_str), Some(ARGO));
    assert!(f.ids("存在しない言葉").is_empty());
}

#[test]
fn title_match_ranks_before_a_passing_mention() {
    let f = fixture();
    let ids = f.ids("Spinnaker");
    assert_eq!(ids.first().map(String::as_str), Some(SPINNAKER), "{ids:?}");
    assert!(
        ids.contains(&MONITORING.to_string()) && ids.contains(&ARGO.to_string()),
        "{ids:?}"
    );
    let ids = f.ids("Knative");
    assert_eq!(ids.first().map(String::as_str), Some(KNATIVE));
}

#[test]
fn the_last_word_is_a_prefix_while_typing() {
    let f = fixture();
    assert_eq!(f.ids("Spinn").first().map(String::as_str), Some(SPINNAKER));
    assert_eq!(f.ids("秘匿情"), [SECRETS, SPINNAKER]);
    assert_eq!(f.ids("kubes"), [SECRETS]);
    // A complete word followed by a space is no longer a prefix.
    assert!(f.ids("kubes ").is_empty());
    // Partial input that segments differently from the whole word.
    assert_eq!(f.ids("持ち込"), [SECRETS]);
    // Leading words, a dropped particle, then a prefix.
    assert_eq!(f.ids("東京都庁で取り扱"), [SECRETS]);
    assert_eq!(f.ids("東京都庁で取り扱う"), [SECRETS]);
}

#[test]
fn width_and_case_fold() {
    let f = fixture();
    assert_eq!(
        f.ids("ｓｐｉｎｎａｋｅｒ").first().map(String::as_str),
        Some(SPINNAKER)
    );
    assert_eq!(f.ids("SPINNAKER"), f.ids("spinnaker"));
    // Half-width katakana in the query and in the note both fold to full width.
    assert!(f.ids("ｶﾅﾘｱ").contains(&CANARY.to_string()));
    assert!(f.ids("カナリア").contains(&SPINNAKER.to_string()));
    assert!(f.ids("KNATIVE").contains(&KNATIVE.to_string()));
}

#[test]
fn phrases_and_exclusion() {
    let f = fixture();
    assert_eq!(f.ids("\"継続的デリバリ\""), [ARGO]);
    assert!(f.ids("\"デリバリ 継続的\"").is_empty());
    let ids = f.ids("spinnaker -prometheus");
    assert!(!ids.contains(&SPINNAKER.to_string()) && !ids.contains(&MONITORING.to_string()));
    assert!(ids.contains(&ARGO.to_string()));
}

#[test]
fn filters() {
    let f = fixture();
    assert_eq!(f.ids("tag:sealedsecrets"), [SECRETS]);
    assert_eq!(f.ids("spinnaker tag:gitops"), [ARGO]);
    assert_eq!(f.ids("speaker:佐藤"), [SPINNAKER]);
    assert_eq!(f.ids("speaker:hanako"), [SPINNAKER]);
    assert_eq!(f.ids("spinnaker event:gitops"), [ARGO]);
    let y2019 = f.ids("spinnaker year:2019");
    assert!(
        !y2019.is_empty() && y2019.iter().all(|id| id.starts_with("2019-")),
        "{y2019:?}"
    );
    assert!(f.ids("spinnaker year:2021").is_empty());
    assert_eq!(f.ids("argo OR kubeseal").len(), 3);
    assert!(!f.ids("spinnaker -tag:gitops").contains(&ARGO.to_string()));
}

#[test]
fn any_input_is_accepted() {
    let f = fixture();
    for input in [
        "\"unclosed",
        "AND (",
        ")",
        "-",
        "\"",
        "tag:",
        "year:abc",
        "speaker:",
        "OR",
        "::",
        "の",
        "(((",
        "- - -",
        "\u{0}",
        "🦀",
        "ｱ",
        "\"\"",
        "event:\"",
    ] {
        let _ = f.ids(input);
    }
    assert_eq!(f.ids("\"kubeseal"), [SECRETS]);
    assert_eq!(f.ids("(kubeseal AND"), [SECRETS]);
}

#[test]
fn snippets_carry_the_matched_spans() {
    let f = fixture();
    let query = parse_query("秘匿情報 kubeseal");
    let matcher = Matcher::new(&query, &f.index.analyzer);
    let session = f
        .library
        .event("gitops-day")
        .unwrap()
        .session("gitopsと秘匿情報")
        .unwrap();
    let text = confnotes::core::parse::plain_text(&session.body);
    let snippet = Snippet::new(&text, &matcher.find(&text), 60);
    let matched: Vec<&str> = snippet.spans.iter().map(|s| &snippet.text[s.clone()]).collect();
    assert_eq!(matched, ["kubeseal", "秘匿情報"]);
}
