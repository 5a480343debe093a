//! The bundled notes: complete, linked, and findable.

use std::collections::BTreeSet;

use confnotes::core::bundled::BUNDLED;
use confnotes::core::LinkTarget;

use crate::common::Fixture;

fn bundled() -> Fixture {
    let empty = tempfile::tempdir().unwrap();
    let mut f = Fixture::new(empty.path(), true);
    f.library
        .warnings
        .retain(|w| !w.file.contains(&empty.path().display().to_string()));
    f
}

/// Event ids of the hits.
fn events(f: &Fixture, query: &str) -> BTreeSet<String> {
    f.ids(query)
        .into_iter()
        .map(|id| id.split('#').next().unwrap_or_default().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_data_file_is_bundled() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    on_disk.sort();
    let mut bundled: Vec<String> = BUNDLED.iter().map(|(n, _)| n.to_string()).collect();
    bundled.sort();
    assert_eq!(on_disk, bundled);
}

#[test]
fn five_events_with_every_session_their_source_covers() {
    let f = bundled();
    assert!(
        f.library.warnings.is_empty(),
        "bundled notes must load cleanly: {:#?}",
        f.library.warnings
    );
    let counts: Vec<(&str, usize)> = f
        .library
        .events
        .iter()
        .map(|e| (e.id.as_str(), e.sessions.len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("2019-07-cndt", 18),
            ("2019-03-k8s-day", 5),
            ("2018-04-container-days", 8),
            ("2017-12-kubecon-na", 17),
            // Its report gives no date, so it is undated and listed last.
            ("2019-07-k8s-meetup-tokyo-21", 7),
        ]
    );
    for e in &f.library.events {
        assert!(!e.overview.trim().is_empty(), "{} has no overview", e.id);
        let undated = e.id == "2019-07-k8s-meetup-tokyo-21";
        assert_eq!(e.dates.is_empty(), undated, "{} dates: {:?}", e.id, e.dates);
        assert!(e.report.is_some(), "{} names no source report", e.id);
        for s in &e.sessions {
            assert!(!s.body.trim().is_empty(), "{}#{} has an empty body", e.id, s.id);
            assert!(!s.tags.is_empty(), "{}#{} has no tags", e.id, s.id);
        }
    }
    let meetup = f.library.event("2019-07-k8s-meetup-tokyo-21").unwrap();
    let titles: Vec<&str> = meetup.sessions.iter().map(|s| s.title.as_str()).collect();
    assert!(
        titles.contains(&"GitOpsでも秘匿情報をバッチリ扱う方法、SealedSecretsとは?"),
        "{titles:?}"
    );
    let cndt = f.library.event("2019-07-cndt").unwrap();
    let codes: Vec<&str> = cndt.sessions.iter().filter_map(|s| s.code.as_deref()).collect();
    for code in ["1D2", "1B3", "2A4", "2A5"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn every_link_resolves_and_threads_cross_events() {
    let f = bundled();
    let mut cross = 0;
    for e in &f.library.events {
        for s in &e.sessions {
            for l in &s.links {
                assert!(
                    !matches!(l.target, LinkTarget::Dangling | LinkTarget::Unresolved),
                    "{}:{} {}",
                    e.source,
                    l.line,
                    l.href
                );
                if let LinkTarget::Note(t) = &l.target {
                    if t.event != e.id {
                        cross += 1;
                    }
                }
            }
        }
    }
    assert!(cross >= 30, "only {cross} links between events");
    // The Spinnaker thread links the three Spinnaker talks together.
    let spinnaker = f
        .library
        .event("2018-04-container-days")
        .unwrap()
        .session("spinnaker-を利用した-kubernetes-への継続的デリバリ")
        .unwrap();
    let back: BTreeSet<String> = spinnaker.backlinks.iter().map(|b| b.event.clone()).collect();
    assert!(
        back.contains("2019-07-k8s-meetup-tokyo-21") && back.contains("2017-12-kubecon-na"),
        "{back:?}"
    );
}

#[test]
fn the_queries_the_issue_names() {
    let f = bundled();
    assert_eq!(
        events(&f, "Spinnaker"),
        set(&[
            "2017-12-kubecon-na",
            "2018-04-container-days",
            "2019-07-k8s-meetup-tokyo-21"
        ])
    );
    let sealed = "2019-07-k8s-meetup-tokyo-21#gitopsでも秘匿情報をバッチリ扱う方法sealedsecretsとは";
    assert_eq!(f.ids("SealedSecrets").first().map(String::as_str), Some(sealed));
    assert_eq!(f.ids("秘匿情報").first().map(String::as_str), Some(sealed));
    assert_eq!(
        f.ids("継続的デリバリ").first().map(String::as_str),
        Some("2018-04-container-days#spinnaker-を利用した-kubernetes-への継続的デリバリ")
    );
}

#[test]
fn more_queries_over_the_bundled_notes() {
    let f = bundled();
    let first = |q: &str| f.ids(q).into_iter().next().unwrap_or_default();
    assert_eq!(
        first("kubeseal"),
        "2019-07-k8s-meetup-tokyo-21#gitopsでも秘匿情報をバッチリ扱う方法sealedsecretsとは"
    );
    assert_eq!(first("Argo CD"), "2019-07-k8s-meetup-tokyo-21#argo-cd-実践ガイド");
    assert_eq!(first("HPA"), "2018-04-container-days#horizontal-pod-autoscalers");
    assert_eq!(
        first("k8s-prometheus-adapter"),
        "2018-04-container-days#horizontal-pod-autoscalers"
    );
    assert_eq!(
        first("Nomad"),
        "2019-07-cndt#circle-ci-20-を支える2つのコンテナクラスター"
    );
    assert_eq!(
        first("Stolon"),
        "2019-07-cndt#cloud-native-storage-が拓く-database-on-k8s-の世界"
    );
    assert_eq!(
        first("AKE"),
        "2018-04-container-days#サイバーエージェントにおけるプライベートコンテナ基盤-ake-を支える技術"
    );
    assert_eq!(
        first("speaker:amsy810"),
        "2019-03-k8s-day#kubernetescontainer-による開発の導入難易度とメリット"
    );
    assert!(first("Knative").starts_with("2019-07-cndt#"));
    assert_eq!(
        events(&f, "Prometheus").len(),
        5,
        "Prometheus runs through all five events"
    );
    assert!(events(&f, "Istio").len() >= 3);
    assert!(events(&f, "メルカリ").contains("2018-04-container-days"));
    assert!(events(&f, "サービスメッシュ").len() >= 2);
    assert_eq!(events(&f, "year:2017 spinnaker"), set(&["2017-12-kubecon-na"]));
    assert_eq!(events(&f, "event:cndt knative"), set(&["2019-07-cndt"]));
    assert!(events(&f, "tag:sealedsecrets").contains("2019-07-k8s-meetup-tokyo-21"));
    // Typed half-way, in full width, or in another case.
    assert_eq!(events(&f, "Spinn"), events(&f, "Spinnaker"));
    assert_eq!(events(&f, "ｓｐｉｎｎａｋｅｒ"), events(&f, "spinnaker"));
    assert_eq!(first("秘匿情"), first("秘匿情報"));
    assert!(!f.ids("カナリア").is_empty());
    assert_eq!(f.ids("ｶﾅﾘｱ"), f.ids("カナリア"));
    // Exclusion removes the Spinnaker talks from a CI/CD search.
    let without = f.ids("ci-cd -spinnaker");
    assert!(
        !without.is_empty() && !without.iter().any(|id| id.contains("spinnaker")),
        "{without:?}"
    );
}
