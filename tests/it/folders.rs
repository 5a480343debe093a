//! Real notes folders (Obsidian, Jekyll, Hugo, Zenn, meeting notes) read the way their
//! own tools show them: through the library and through the command line.

use std::fs;
use std::path::{Path, PathBuf};

use confnotes::core::{Event, LinkTarget, SessionRef};
use serde_json::Value;

use crate::common::{confnotes, Fixture};

fn folder(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/folders")
        .join(kind)
}

fn event<'a>(f: &'a Fixture, id: &str) -> &'a Event {
    f.library.event(id).unwrap_or_else(|| {
        panic!(
            "no event {id}: {:?}",
            f.library.events.iter().map(|e| &e.id).collect::<Vec<_>>()
        )
    })
}

fn titles(e: &Event) -> Vec<&str> {
    e.sessions.iter().map(|s| s.title.as_str()).collect()
}

/// (text, target) of every link of the event's overview and sessions.
fn links(e: &Event) -> Vec<(String, LinkTarget)> {
    e.overview_links
        .iter()
        .chain(e.sessions.iter().flat_map(|s| &s.links))
        .map(|l| (l.text.clone(), l.target.clone()))
        .collect()
}

fn note(event: &str, session: &str) -> LinkTarget {
    LinkTarget::Note(SessionRef::new(event, session))
}

#[test]
fn obsidian_wiki_links_resolve_by_name_alias_and_nearest_path() {
    let f = Fixture::new(&folder("obsidian"), false);
    let cndt = event(&f, "CloudNative-Days-Tokyo-2023");
    let l = links(cndt);
    assert!(
        l.contains(&("当日の日記".into(), note("2023-12-11-日記", ""))),
        "{l:?}"
    );
    assert!(
        l.contains(&("Kubernetes".into(), note("Kubernetes", ""))),
        "{l:?}"
    );
    assert!(
        l.contains(&("OTel".into(), note("OpenTelemetry", ""))),
        "shown by its alias: {l:?}"
    );
    assert!(
        l.contains(&("kubernetes".into(), note("Kubernetes", ""))),
        "any case: {l:?}"
    );
    assert!(
        l.contains(&(
            "技術/OpenTelemetry#Collector の構成".into(),
            note("OpenTelemetry", "collector-の構成")
        )),
        "{l:?}"
    );
    assert!(
        l.contains(&("存在しないノート".into(), LinkTarget::Dangling)),
        "{l:?}"
    );
    // Two notes are called Kubernetes: the nearest to the linking note wins.
    let archive = event(&f, "2019-振り返り");
    assert_eq!(links(archive)[0].1, note("Kubernetes-1", ""));
    // An embed (`![[…]]`) and an alias (`[[CNDT2023]]`) are links too.
    let k8s = event(&f, "Kubernetes");
    let l = links(k8s);
    assert!(
        l.contains(&("技術/OpenTelemetry".into(), note("OpenTelemetry", ""))),
        "{l:?}"
    );
    assert!(
        l.contains(&("CNDT2023".into(), note("CloudNative-Days-Tokyo-2023", ""))),
        "{l:?}"
    );
    // A Markdown link with a wrong folder finds the note by its unique file name.
    let otel = event(&f, "OpenTelemetry");
    assert_eq!(links(otel)[0].1, note("CloudNative-Days-Tokyo-2023", ""));
    // Wiki links count in backlinks.
    let talk = cndt.session("opentelemetry-で始めるオブザーバビリティ").unwrap();
    assert_eq!(talk.backlinks, [SessionRef::new("Kubernetes", "")]);
    // The one dangling link is the one link warning.
    let link_warnings: Vec<String> = f
        .library
        .warnings
        .iter()
        .filter(|w| w.message.contains("link"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(link_warnings.len(), 1, "{link_warnings:?}");
    assert!(
        link_warnings[0].contains("CloudNative Days Tokyo 2023.md:35: wiki link `[[存在しないノート]]`"),
        "{link_warnings:?}"
    );
}

#[test]
fn obsidian_tags_daily_notes_and_templates() {
    let f = Fixture::new(&folder("obsidian"), false);
    let cndt = event(&f, "CloudNative-Days-Tokyo-2023");
    assert_eq!(cndt.tags, ["イベント", "cloudnative", "kubernetes"]);
    let talk = &cndt.sessions[0];
    assert_eq!(
        talk.tags,
        ["opentelemetry", "observability"],
        "not in code, not #123"
    );
    assert_eq!(event(&f, "Kubernetes").tags, ["kubernetes", "技術メモ"]);
    assert_eq!(
        event(&f, "OpenTelemetry").tags,
        ["opentelemetry", "技術メモ", "observability"]
    );
    // An event's tags are its sessions' for `tag:`.
    let hits = f.ids("tag:イベント");
    assert!(hits.contains(&format!("{}#{}", cndt.id, talk.id)), "{hits:?}");
    assert!(!f
        .ids("tag:コードの中はタグではない")
        .iter()
        .any(|h| h.contains("CloudNative")));

    let daily = event(&f, "2024-02-16-日記");
    assert_eq!(
        (daily.title.as_str(), daily.dates.as_slice()),
        ("日記", ["2024-02-16".to_string()].as_slice())
    );
    assert_eq!(
        daily.sessions[0].tags,
        ["日報"],
        "a tag in a section is its session's"
    );
    // A template's placeholders are no date, no title and no warning.
    let template = event(&f, "イベントメモ");
    assert_eq!(template.title, "イベントメモ");
    assert!(template.dates.is_empty());
    assert!(
        !f.library.warnings.iter().any(|w| w.file.contains("Templates")),
        "{:?}",
        f.library.warnings
    );
    // Empty sessions (休憩, 懇親会) are normal.
    assert!(!f.library.warnings.iter().any(|w| w.message.contains("no text")));
    assert_eq!(titles(cndt).last(), Some(&"懇親会"));
}

#[test]
fn jekyll_days_tracks_and_talks_at_h1() {
    let f = Fixture::new(&folder("jekyll"), false);
    let js = event(&f, "2023-11-18-jsconf-jp-2023");
    assert_eq!(js.dates, ["2023-11-18"]);
    assert_eq!(
        titles(js),
        [
            "1日目",
            "OpenTelemetry で見る Node.js の内部",
            "ランチ",
            "Deno の今",
            "Bun と Node.js のベンチマーク",
            "懇親会"
        ]
    );
    // The day is a field of its own, not part of the title.
    let contexts: Vec<Option<&str>> = js.sessions.iter().map(|s| s.context.as_deref()).collect();
    assert_eq!(
        contexts,
        [
            None,
            Some("1日目"),
            Some("1日目"),
            Some("1日目"),
            Some("2日目"),
            Some("2日目")
        ]
    );
    assert_eq!(js.sessions[1].id, "opentelemetry-で見る-nodejs-の内部");
    // A heading written as a link keeps it.
    assert_eq!(
        js.sessions[1].slides.as_deref(),
        Some("https://speakerdeck.com/example/otel-node")
    );
    assert_eq!(
        js.sessions[1].links[0].target,
        LinkTarget::Web("https://speakerdeck.com/example/otel-node".into())
    );
    // `#` in a code fence and `##word` are no headings: they stay in the body.
    let body = f.library.text(js, Some("opentelemetry-で見る-nodejs-の内部"));
    assert!(
        body.contains("# 1日目のメモ") && body.contains("##見出しではない行"),
        "{body}"
    );
    assert!(!body.contains("Deno"), "a talk ends at the next one: {body}");
    // The talk is its speaker's, and its day is searchable.
    let talk = format!("{}#{}", js.id, js.sessions[1].id);
    assert_eq!(f.ids("speaker:鈴木").first(), Some(&talk));
    assert!(f
        .ids("2日目 bun")
        .first()
        .is_some_and(|h| h.ends_with("bun-と-nodejs-のベンチマーク")));
    // `day:` and `track:` filter by it; its words alone find the day's talks, each
    // below a note whose own text holds them.
    let day1 = f.ids("day:1日目");
    assert_eq!(day1.len(), 3, "{day1:?}");
    assert!(day1
        .iter()
        .all(|h| ["opentelemetry", "ランチ", "deno"].iter().any(|t| h.contains(t))));
    assert_eq!(f.ids("track:2日目").len(), 2);
    assert!(f.ids("day:3日目").is_empty());
    assert_eq!(f.ids("-day:1日目 deno"), Vec::<String>::new());
    let words = f.ids("1日目");
    assert_eq!(
        words.first().map(String::as_str),
        Some("2023-11-18-jsconf-jp-2023#1日目")
    );
    assert_eq!(
        words.len(),
        4,
        "the day's own text, then its three talks: {words:?}"
    );
    assert!(!words.iter().any(|h| h.contains("bun")), "{words:?}");
    assert!(js.tags.contains(&"JavaScript".to_string()) && js.tags.contains(&"node".to_string()));

    let meetup = event(&f, "2019-03-27-serverless-meetup");
    assert_eq!(
        titles(meetup),
        [
            "AWS Lambda のコールドスタート対策",
            "Step Functions で作るワークフロー",
            "Lambda のログを Athena で見る",
            "SAM と CDK の使い分け"
        ]
    );
    assert_eq!(meetup.sessions[2].context.as_deref(), Some("LT"));
    assert_eq!(f.ids("track:lt").len(), 2);
    assert!(f
        .ids("コールドスタートの話")
        .iter()
        .any(|h| h.contains("コールドスタート対策")));
    // `_posts/2018/2018-05-12-x.md` is 2018-05-12, not `2018-20-18`.
    assert_eq!(event(&f, "2018-05-12-gotanda-rb").dates, ["2018-05-12"]);
}

/// Footnotes whose definitions sit at the end of the file (in the last session) go
/// with the sessions that reference them: shown there, and found there by search.
#[test]
fn footnotes_go_with_the_session_that_references_them() {
    let f = Fixture::new(&folder("jekyll"), false);
    let js = event(&f, "2023-11-18-jsconf-jp-2023");
    let text = |id: &str| f.library.text(js, Some(id));
    let otel = text("opentelemetry-で見る-nodejs-の内部");
    assert!(
        otel.contains("[^elu]: Event Loop Utilization") && otel.contains("[^gc]: 詳しくは"),
        "{otel}"
    );
    assert!(!otel.contains("[^bench]:"), "{otel}");
    assert!(text("bun-と-nodejs-のベンチマーク").contains("[^bench]: 同じマシンで"));
    assert_eq!(text("懇親会"), "", "the definitions left the last session");
    // A link inside a moved footnote is the referencing session's.
    let session = js.session("opentelemetry-で見る-nodejs-の内部").unwrap();
    assert!(
        session
            .links
            .iter()
            .any(|l| l.href == "https://v8.dev/blog/trash-talk"),
        "{:?}",
        session.links
    );
    assert_eq!(
        f.ids("ウォームアップ"),
        ["2023-11-18-jsconf-jp-2023#bun-と-nodejs-のベンチマーク"]
    );
    assert_eq!(
        f.ids("eventLoopUtilization"),
        ["2023-11-18-jsconf-jp-2023#opentelemetry-で見る-nodejs-の内部"]
    );
    let zenn = Fixture::new(&folder("zenn"), false);
    assert_eq!(
        zenn.ids("再帰型"),
        ["techfeed-conf-report#typescript-の型パズルは役に立つか"]
    );
}

/// Reference-style links (`[text][ref]`, `[ref]`) whose definitions sit at the end of
/// the file, in its last session, work in every session as on GitHub: links with
/// their text, one to another note resolved and counted in its backlinks, the link
/// text searchable; a definition in a code fence is none, and the first one wins.
#[test]
fn reference_links_use_the_definitions_at_the_end_of_the_file() {
    let f = Fixture::new(&folder("jekyll"), false);
    let meetup = event(&f, "2019-03-27-serverless-meetup");
    let web = |url: &str| LinkTarget::Web(url.into());
    assert_eq!(
        meetup
            .overview_links
            .iter()
            .map(|l| (l.text.clone(), l.target.clone()))
            .collect::<Vec<_>>(),
        [(
            "connpass のページ".into(),
            web("https://serverless.connpass.com/event/12/")
        )]
    );
    let l = links(meetup);
    for link in [
        (
            "公式ドキュメント",
            web("https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html"),
        ),
        ("Amazon States Language", web("https://states-language.net/")),
        (
            "五反田.rb で聞いた Ruby の話",
            note("2018-05-12-gotanda-rb", "ruby-25-の新機能"),
        ),
    ] {
        assert!(l.contains(&(link.0.into(), link.1.clone())), "{link:?} in {l:?}");
    }
    let step = "step-functions-で作るワークフロー";
    let ruby = event(&f, "2018-05-12-gotanda-rb");
    assert_eq!(ruby.sessions[0].backlinks, [SessionRef::new(&meetup.id, step)]);
    // The session's text carries the definitions it uses, and only those.
    let text = f.library.text(meetup, Some(step));
    assert!(
        text.ends_with("[Amazon States Language]: https://states-language.net/\n[gotanda]: 2018/2018-05-12-gotanda-rb.md#ruby-25-の新機能"),
        "{text}"
    );
    assert!(!text.contains("[connpass]:"), "{text}");
    // Found by the link's text, in the session that holds the link.
    assert_eq!(f.ids("\"States Language\""), [format!("{}#{step}", meetup.id)]);
    // (The last session shows the word in its code block.)
    assert_eq!(f.ids("connpass").first(), Some(&meetup.id));
    assert!(f.library.warnings.is_empty(), "{:?}", f.library.warnings);

    // The command line: the links and the backlink, in text and JSON.
    let tmp = tempfile::tempdir().unwrap();
    let blog = folder("jekyll");
    let blog = blog.to_str().unwrap();
    let (_, stdout, _) = run(tmp.path(), &["--notes", blog, "show", "step functions"]);
    assert!(
        stdout.contains("  五反田.rb で聞いた Ruby の話 → 2018-05-12-gotanda-rb#ruby-25-の新機能\n"),
        "{stdout}"
    );
    let (_, stdout, _) = run(tmp.path(), &["--notes", blog, "show", "ruby 2.5", "--json"]);
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        shown["backlinks"][0].as_str(),
        Some(format!("{}#{step}", meetup.id).as_str()),
        "{shown}"
    );
    // A search's snippet, a window of a long session, shows the link's text too.
    let notes = tmp.path().join("long");
    fs::create_dir_all(&notes).unwrap();
    let after: Vec<String> = (0..400).map(|i| format!("後の段落 {i} です。")).collect();
    fs::write(
        notes.join("n.md"),
        format!(
            "# E\n\n## A\n\n[Argo CD の資料][argo] を見た。\n\n{}\n\n## B\n\n[argo]: https://argo-cd.readthedocs.io/\n",
            after.join("\n\n")
        ),
    )
    .unwrap();
    let (_, stdout, _) = run(
        tmp.path(),
        &["--notes", notes.to_str().unwrap(), "search", "資料"],
    );
    assert!(
        stdout.contains("Argo CD の資料 を見た。") && !stdout.contains("[argo]"),
        "{stdout}"
    );
}

/// The day or track is `context` in JSON and shown with the session in text output.
#[test]
fn the_day_is_its_own_field_in_json_and_text() {
    let tmp = tempfile::tempdir().unwrap();
    let blog = folder("jekyll");
    let blog = blog.to_str().unwrap();
    let (code, stdout, _) = run(
        tmp.path(),
        &["--notes", blog, "search", "--json", "day:2日目 bun"],
    );
    assert_eq!(code, 0);
    let hits: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(hits[0]["session"], "Bun と Node.js のベンチマーク");
    assert_eq!(hits[0]["context"], "2日目");
    let (_, stdout, _) = run(
        tmp.path(),
        &[
            "--notes",
            blog,
            "show",
            "--json",
            "2023-11-18-jsconf-jp-2023#deno-の今",
        ],
    );
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (shown["session"].as_str(), shown["context"].as_str()),
        (Some("Deno の今"), Some("1日目"))
    );
    let (_, stdout, _) = run(
        tmp.path(),
        &["--notes", blog, "show", "--json", "2019-03-27-serverless-meetup"],
    );
    let overview: Value = serde_json::from_str(&stdout).unwrap();
    assert!(overview["context"].is_null(), "{overview}");
    assert!(overview["sessions"][0]["context"].is_null());
    assert_eq!(overview["sessions"][2]["context"], "LT");
    let (_, stdout, _) = run(tmp.path(), &["--notes", blog, "search", "deno"]);
    assert!(
        stdout.starts_with("JSConf JP 2023 に参加しました › 1日目 › Deno の今"),
        "{stdout}"
    );
    let (_, stdout, _) = run(tmp.path(), &["--notes", blog, "list"]);
    assert!(
        stdout.contains("  2日目 › Bun と Node.js のベンチマーク — 高橋 四郎\n"),
        "{stdout}"
    );
    let (_, stdout, _) = run(tmp.path(), &["--notes", blog, "show", "deno-の今"]);
    assert!(stdout.contains("\nday/track:   1日目\n"), "{stdout}");
}

#[test]
fn hugo_zenn_and_meeting_folders() {
    let hugo = Fixture::new(&folder("hugo"), false);
    let kubecon = event(&hugo, "kubecon-japan");
    assert_eq!(kubecon.dates, ["2025-06-16"]);
    assert_eq!(kubecon.tags, ["kubernetes", "イベント", "参加レポート"]);

    let zenn = Fixture::new(&folder("zenn"), false);
    let report = event(&zenn, "techfeed-conf-report");
    assert_eq!(report.dates, ["2024-01-23"]);
    assert_eq!(report.tags, ["techfeed", "イベント", "typescript"]);
    assert_eq!(report.sessions.len(), 2);
    // A front matter shown inside a code fence gives no tags.
    assert_eq!(event(&zenn, "draft-example").tags, ["markdown"]);

    let meetings = Fixture::new(&folder("meetings"), false);
    let first = event(&meetings, "2021-05-14");
    assert_eq!(
        (first.title.as_str(), first.dates.as_slice()),
        ("チーム定例", ["2021-05-14".to_string()].as_slice())
    );
    let second = event(&meetings, "2021-06-11");
    assert_eq!(second.dates, ["2021-06-11"]);
    assert_eq!(links(second)[0].1, note("2021-05-14", ""));
    assert!(
        meetings.library.warnings.is_empty(),
        "{:?}",
        meetings.library.warnings
    );
}

fn run(cache: &Path, args: &[&str]) -> (i32, String, String) {
    let out = confnotes(cache).arg("--no-bundled").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn one_summary_line_and_check_lists_every_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = folder("obsidian");
    let vault = vault.to_str().unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["--notes", vault, "search", "kubernetes"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Kubernetes"), "{stdout}");
    assert_eq!(stderr, "confnotes: 2 warnings: run confnotes check\n");
    let (_, _, verbose) = run(tmp.path(), &["--notes", vault, "list", "--verbose"]);
    assert_eq!(verbose.lines().count(), 2, "{verbose}");
    let (code, stdout, _) = run(tmp.path(), &["--notes", vault, "check"]);
    assert_eq!(code, 0, "dangling wiki links are warnings: {stdout}");
    assert!(
        stdout.contains(
            "CloudNative Days Tokyo 2023.md:35: warning: wiki link `[[存在しないノート]]` matches no note"
        ),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 errors, 2 warnings\n"), "{stdout}");

    // A broken Markdown link and a skipped file are errors: the exit status says so.
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(notes.join("a.md"), "# A\n\n## S\n\n[壊れた](nowhere.md)\n").unwrap();
    fs::write(notes.join("b.md"), "---\ntitle: [oops\n---\n").unwrap();
    let (code, stdout, _) = run(tmp.path(), &["--notes", notes.to_str().unwrap(), "check"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("a.md:5: error: link `nowhere.md` points nowhere"),
        "{stdout}"
    );
    assert!(
        stdout.contains("b.md: error: skipped: malformed YAML"),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 errors, 0 warnings\n"), "{stdout}");
}

/// A warning quotes at most a line of text: a man page's heading in a link, a long
/// value in the front matter, a long config key are cut with `…`.
#[test]
fn warnings_quote_long_text_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    let heading = "オプション一覧と環境変数についての詳しい説明".repeat(40);
    fs::write(
        notes.join("man.md"),
        format!(
            "---\ndate: {heading}\n---\n# man\n\n## 本文\n\n[見出し](other.md#{heading}) [[{heading}]]\n"
        ),
    )
    .unwrap();
    fs::write(
        tmp.path().join("no-config.toml"),
        format!("{} = 1\n", "k".repeat(500)),
    )
    .unwrap();
    let out = confnotes(tmp.path())
        .args(["--no-bundled", "--notes", notes.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let warnings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(": warning: ") || l.contains(": error: "))
        .collect();
    assert_eq!(warnings.len(), 4, "{stdout}");
    for line in warnings {
        let message = line
            .split_once("ing: ")
            .or_else(|| line.split_once("error: "))
            .unwrap()
            .1;
        assert!(message.chars().count() < 160, "{line}");
        assert!(message.contains("…"), "{line}");
    }
}

#[test]
fn an_empty_folder_says_so_and_a_config_typo_is_pointed_out() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let empty_arg = empty.to_str().unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["--notes", empty_arg, "search", "kubernetes"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "", "not 'no matches'");
    assert!(stderr.contains(&format!("no notes in {empty_arg}")), "{stderr}");

    // `note` for `notes`: reported with a suggestion, and `no_bundled` still applies.
    fs::write(
        tmp.path().join("no-config.toml"),
        format!(
            "note = [{:?}]\nnotes = [{:?}]\nno_bundled = true\n",
            "x",
            folder("hugo")
        ),
    )
    .unwrap();
    let out = confnotes(tmp.path())
        .args(["list", "--json", "--verbose"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no-config.toml:1: unknown key `note` (did you mean `notes`?)"),
        "{stderr}"
    );
    let events: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"kubecon-japan") && !ids.iter().any(|i| i.starts_with("2019-07")),
        "{ids:?}"
    );
}

/// The app: a wiki link is drawn by its alias and followed with the keyboard; a day
/// is shown with its talks.
#[test]
fn the_app_follows_wiki_links_and_shows_days() {
    use confnotes::app::App;

    use crate::tui::{app_in, press, screen, type_text};

    let open = |kind: &str| app_in(&folder(kind), 120, 32);
    let current = |app: &App| {
        app.note
            .key
            .and_then(|k| k.to_ref(&app.notes.library))
            .unwrap()
            .to_string()
    };
    let mut app = open("obsidian");
    press(&mut app, "/");
    type_text(&mut app, "トレースとメトリクス");
    press(&mut app, "enter enter");
    assert_eq!(
        current(&app),
        "CloudNative-Days-Tokyo-2023#opentelemetry-で始めるオブザーバビリティ"
    );
    let shown = screen(&app);
    assert!(
        shown.contains("OTel[1]") && !shown.contains("[[OpenTelemetry"),
        "{shown}"
    );
    press(&mut app, "1");
    assert_eq!(current(&app), "OpenTelemetry");
    assert!(screen(&app).contains("OpenTelemetry のメモ"));
    press(&mut app, "b");
    assert_eq!(
        current(&app),
        "CloudNative-Days-Tokyo-2023#opentelemetry-で始めるオブザーバビリティ"
    );
    // An overlay over Japanese titles keeps its left border: no wide character sits
    // across it (a terminal would draw that character, not the border).
    press(&mut app, "esc w");
    let terminal = crate::tui::terminal(&app);
    let buffer = terminal.backend().buffer();
    let border = (0..buffer.area.width)
        .find(|&x| buffer[(x, 2)].symbol() == "╔")
        .unwrap();
    for y in 3..buffer.area.height - 3 {
        assert_eq!(buffer[(border, y)].symbol(), "║", "row {y}");
        let left = buffer[(border - 1, y)].symbol();
        assert!(
            unicode_width::UnicodeWidthStr::width(left) <= 1,
            "a wide {left:?} covers the border on row {y}"
        );
    }
    press(&mut app, "esc");

    let mut app = open("jekyll");
    press(&mut app, "/");
    type_text(&mut app, "bun");
    press(&mut app, "enter");
    let shown = screen(&app);
    // The day goes with the talk in the list and in the note's header, not in its title.
    assert!(
        shown.contains("Bun と Node.js のベンチマーク")
            && !shown.contains("ベンチマーク (2日目)")
            && shown.contains("2日目 · 高橋 四郎")
            && shown.contains("JSConf JP 2023 に参加しました › 2日目 · 2023-11-18"),
        "{shown}"
    );
}

fn app_on(kind: &str, width: u16, height: u16) -> confnotes::app::App {
    crate::tui::app_in(&folder(kind), width, height)
}

/// The app: a footnote reference is a numbered link (in a table cell too); following
/// it scrolls to the footnote after the text, whose own link (or `b`) comes back.
#[test]
fn the_app_draws_and_follows_footnotes() {
    use crate::tui::{press, screen};

    let mut app = app_on("jekyll", 100, 24);
    press(&mut app, "l j j enter");
    let top = screen(&app);
    assert!(
        top.contains("イベントループの計測の話¹[2]。")
            && top.contains("ELU¹[3]")
            && top.contains("ガベージコレクション²[4]の停止"),
        "{top}"
    );
    assert!(!top.contains("[^elu]") && !top.contains("Footnotes"), "{top}");
    let links = &app.note.rendered.links;
    let back_link = links.iter().position(|l| l.href.ends_with("fnref-1"));
    assert!(back_link.is_some(), "{links:?}");

    press(&mut app, "2");
    let footnote = screen(&app);
    assert!(app.note.scroll > 0);
    assert!(
        footnote.contains("Footnotes")
            && footnote.contains("1. Event Loop Utilization")
            && footnote.contains("2. 詳しくは V8 のブログ[6] を参照。 ↑[7]"),
        "{footnote}"
    );
    assert!(footnote.contains("→ footnote 1"), "{footnote}");
    assert_eq!(app.note.selected_link, back_link, "Enter goes back");
    // The table's reference is the same footnote: no second number.
    assert!(!footnote.contains("3. "), "{footnote}");

    press(&mut app, "enter");
    assert!(screen(&app).contains("→ where footnote 1 is referenced"));
    assert!(screen(&app).contains("イベントループの計測の話¹[2]。"));
    press(&mut app, "b");
    assert_eq!(app.note.selected_link, back_link);
    press(&mut app, "b");
    assert_eq!(app.note.scroll, 0);
    assert!(screen(&app).contains("イベントループの計測の話¹[2]。"));
    assert_eq!(app.note.selected_link, Some(1), "the reference followed");
    // `]` says what a footnote link is, not its internal address: the table cell's
    // reference is footnote 1 again.
    press(&mut app, "]");
    let said = app.status.clone().unwrap_or_default();
    assert!(
        said.starts_with("[3] footnote 1: Event Loop Utilization。"),
        "{said}"
    );
}

/// The app: a reference-style link whose definition is at the end of the file is a
/// numbered link in its session, and following it to another note works; that note
/// lists the session under "Linked from".
#[test]
fn the_app_draws_and_follows_reference_links() {
    use crate::tui::{press, screen, type_text};

    let mut app = app_on("jekyll", 100, 30);
    press(&mut app, "/");
    type_text(&mut app, "状態機械");
    press(&mut app, "enter enter");
    let shown = screen(&app);
    assert!(
        shown.contains("Language[1]") && shown.contains("話[2]を思い出した"),
        "{shown}"
    );
    assert!(
        !shown.contains("[gotanda]") && !shown.contains("states-language.net"),
        "{shown}"
    );
    let hrefs: Vec<&str> = app.note.rendered.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        hrefs.get(..2),
        Some(
            [
                "https://states-language.net/",
                "2018/2018-05-12-gotanda-rb.md#ruby-25-の新機能"
            ]
            .as_slice()
        )
    );
    press(&mut app, "2");
    let shown = screen(&app);
    assert!(shown.contains("yield_self の話"), "{shown}");
    assert!(
        shown.contains("Linked from") && shown.contains("Step Functions で作るワークフロー"),
        "{shown}"
    );
}

/// The app says which folders give no note, and why, instead of an empty screen.
#[test]
fn the_app_says_a_folder_holds_no_notes() {
    use confnotes::app::{Action, App};
    use confnotes::core::scan::empty_folders;
    use confnotes::core::NotesSource;
    use confnotes::notes::Notes;

    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    fs::write(empty.join("README.md"), "# この フォルダ について\n").unwrap();
    let missing = tmp.path().join("conference-notes").join("missing");
    let dirs = vec![empty.clone(), missing.clone()];
    let said = empty_folders(&dirs, &[]);
    assert_eq!(
        said,
        [
            format!("no notes in {}", empty.display()),
            format!("no notes in {}: it does not exist", missing.display())
        ]
    );
    assert_eq!(
        empty_folders(&[], &[]),
        ["no notes: give a folder of them with --notes DIR"]
    );
    let source = NotesSource { bundled: false, dirs };
    let notes = Notes::open(&source, None, false, &mut |_| {}).unwrap();
    let mut app = App::new(notes, Vec::new(), (100, 24));
    assert!(!crate::tui::screen(&app).contains("no notes in"));
    app.update(Action::EmptyFolders(said));
    let shown = crate::tui::screen(&app);
    assert!(!shown.contains("no matches"), "{shown}");
    let pane = shown.lines().nth(1).unwrap_or_default();
    assert!(pane.contains("no notes in"), "the events pane says it: {shown}");
    assert!(shown.contains("missing: it does"), "{shown}");
    // The narrow events pane breaks a long path after a `/`, not inside a name.
    let events_pane: Vec<&str> = (shown.lines())
        .filter_map(|l| l.split(['│', '┃']).nth(1))
        .map(str::trim_end)
        .collect();
    assert!(
        events_pane.iter().any(|l| l.ends_with("conference-notes/"))
            && events_pane.iter().any(|l| l.starts_with("missing: it")),
        "{shown}"
    );
    assert!(shown.contains("confnotes reads the Markdown files"), "{shown}");
    let status = shown.lines().last().unwrap_or_default();
    assert!(
        status.contains("no notes in"),
        "the status line says it: {status}"
    );
    // A search over no notes is no notes, not "no matches".
    crate::tui::press(&mut app, "/");
    crate::tui::type_text(&mut app, "kubernetes");
    assert!(!crate::tui::screen(&app).contains("no matches"));
}

/// Days, inline tags, wiki links, bare URLs, emoji and Zenn blocks by the thousand
/// read right, and nested blocks do not pile up. How long it takes (linear) is the
/// `folder layouts` series of `cargo bench --bench hostile`, not a timed test.
#[test]
fn folder_layouts_by_the_thousand() {
    use confnotes::core::gfm::for_display;
    use confnotes::core::library::parse_file;
    use confnotes::core::parse::markdown_options;
    use confnotes::core::scan::NoteFile;
    use confnotes::core::Library;

    let n = 20_000;
    let text: &'static str = Box::leak(folder_layouts_note(n).into_boxed_str());
    let file = parse_file(&NoteFile::from_text(Path::new("v/ev.md"), text));
    let library = Library::link(&mut [file], Vec::new());
    let shown = for_display(text, markdown_options());
    let sessions = &library.events[0].sessions;
    assert_eq!(sessions.len(), n);
    assert_eq!(sessions[n - 1].context.as_deref(), Some("19999日目"));
    assert_eq!(sessions[n - 1].tags, ["tag19999"]);
    assert!(shown.len() < text.len() * 3, "nested blocks do not pile up");
}

/// The note of [`folder_layouts_by_the_thousand`] (the bench builds the same).
fn folder_layouts_note(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "# {i}日目\n\n## talk {i}\n\n#tag{i} [[Note {i}|n]] :tada: https://x.y/{i}\n:::message\n"
        ));
    }
    text
}
