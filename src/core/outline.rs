//! Which headings of a note are its title, its sessions, and their day or track.

use std::ops::Range;

/// A heading as the outline needs it: level (1 for `#`), where it is, its text.
pub struct OutlineHeading<'a> {
    pub level: u8,
    pub range: Range<usize>,
    pub text: &'a str,
}

/// One session heading, with the `#` heading it sits under when that is a day or a
/// track (`# 1日目` / `## talk`), and where its section ends.
#[derive(Debug, PartialEq, Eq)]
pub struct SessionHeading {
    pub heading: usize,
    pub context: Option<usize>,
    pub end: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Outline {
    pub title: Option<usize>,
    pub sessions: Vec<SessionHeading>,
    /// Where the overview ends: the first session or day heading.
    pub overview_end: usize,
}

/// `##` headings that are parts of one talk, not talks: under a `#` talk they stay
/// in its body.
const SUBSECTIONS: &[&str] = &[
    "概要",
    "感想",
    "所感",
    "まとめ",
    "質疑応答",
    "質疑",
    "q&a",
    "qa",
    "メモ",
    "資料",
    "参考",
    "参考資料",
    "参考リンク",
    "内容",
    "背景",
    "課題",
    "発表内容",
    "スライド",
    "動画",
    "補足",
    "議事録",
    "振り返り",
    "summary",
    "notes",
    "links",
    "slides",
    "references",
    "questions",
];

fn is_subsection(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    SUBSECTIONS.iter().any(|s| lower == *s)
}

/// A `#` heading that names a day, a track or a block of talks rather than a talk.
fn names_a_group(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let digits_then = |suffix: &str| {
        let rest = lower.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
        rest.len() < lower.len() && rest.starts_with(suffix)
    };
    let words = [
        "day",
        "track",
        "トラック",
        "lt",
        "lightning",
        "ライトニング",
        "セッション",
        "午前",
        "午後",
        "room",
        "ルーム",
        "hall",
        "ホール",
        "会場",
        "スポンサー",
        "sponsor",
    ];
    digits_then("日目")
        || (lower.starts_with("第") && lower.contains("日"))
        || words.iter().any(|w| lower.starts_with(w))
        || digits_then("月")
        || digits_then("/")
        || digits_then("-")
}

/// Works out a note's outline. Sessions are the `##` headings under a single `#` title
/// (or with no `#` at all); in a note of several `#` headings (or whose title is in
/// its front matter) each `#` heading is a session, unless it holds `##` talks: a day
/// or track (`# 1日目`, `# LT`), whose `##` headings are the sessions, with it as their
/// context. Such a heading with text of its own before its first talk is a session too.
pub fn outline(body: &str, headings: &[OutlineHeading], fm_title: Option<&str>) -> Outline {
    let h1: Vec<usize> = (0..headings.len())
        .filter(|&i| headings.get(i).is_some_and(|h| h.level == 1))
        .collect();
    let has_h2 = headings.iter().any(|h| h.level == 2);
    let at_top = |i: usize| {
        headings
            .get(i)
            .is_some_and(|h| body.get(..h.range.start).unwrap_or_default().trim().is_empty())
    };
    let repeats_title = |i: usize| {
        headings
            .get(i)
            .is_some_and(|h| Some(h.text.trim()) == fm_title.map(str::trim))
    };
    let title = match h1.as_slice() {
        [] => None,
        [only] if fm_title.is_none() || (has_h2 && (at_top(*only) || repeats_title(*only))) => Some(*only),
        [first, ..] if (fm_title.is_none() || repeats_title(*first)) && has_h2 && at_top(*first) => {
            Some(*first)
        }
        _ => None,
    };
    let groups: Vec<usize> = h1.iter().copied().filter(|&i| Some(i) != title).collect();
    let mut sessions: Vec<(usize, Option<usize>)> = Vec::new();
    let mut boundaries: Vec<usize> = Vec::new();
    let first_group = groups.first().copied().unwrap_or(headings.len());
    for (i, h) in headings.iter().enumerate().take(first_group) {
        if h.level == 2 {
            sessions.push((i, None));
        }
    }
    for (n, &g) in groups.iter().enumerate() {
        let next = groups.get(n + 1).copied().unwrap_or(headings.len());
        let children: Vec<usize> = (g + 1..next)
            .filter(|&i| headings.get(i).is_some_and(|h| h.level == 2))
            .collect();
        let Some(head) = headings.get(g) else { continue };
        let preamble = children
            .first()
            .and_then(|&c| headings.get(c))
            .and_then(|c| body.get(head.range.end..c.range.start))
            .unwrap_or_default();
        let talks = !children.is_empty()
            && !children
                .iter()
                .all(|&c| headings.get(c).is_some_and(|h| is_subsection(h.text)));
        let groups_talks = talks && (preamble.trim().is_empty() || names_a_group(head.text));
        if !groups_talks {
            sessions.push((g, None));
            continue;
        }
        boundaries.push(head.range.start);
        if !preamble.trim().is_empty() {
            sessions.push((g, None));
        }
        sessions.extend(children.into_iter().map(|c| (c, Some(g))));
    }
    boundaries.extend(
        sessions
            .iter()
            .filter_map(|&(i, _)| headings.get(i).map(|h| h.range.start)),
    );
    boundaries.sort_unstable();
    let end_after = |start: usize| {
        let at = boundaries.partition_point(|&b| b <= start);
        boundaries.get(at).copied().unwrap_or(body.len())
    };
    let sessions = sessions
        .into_iter()
        .filter_map(|(heading, context)| {
            let start = headings.get(heading)?.range.start;
            Some(SessionHeading {
                heading,
                context,
                end: end_after(start),
            })
        })
        .collect();
    Outline {
        title,
        sessions,
        overview_end: boundaries.first().copied().unwrap_or(body.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headings of a Markdown text, found naively (the tests hold no code fences).
    fn headings(body: &str) -> Vec<OutlineHeading<'_>> {
        let mut out = Vec::new();
        let mut offset = 0;
        for line in body.split_inclusive('\n') {
            let level = line.bytes().take_while(|b| *b == b'#').count();
            if level > 0 && line.as_bytes().get(level) == Some(&b' ') {
                out.push(OutlineHeading {
                    level: level as u8,
                    range: offset..offset + line.len(),
                    text: line.get(level..).unwrap_or_default().trim(),
                });
            }
            offset += line.len();
        }
        out
    }

    /// (session title, context title) for each session.
    fn sessions(body: &str, fm_title: Option<&str>) -> Vec<(String, Option<String>)> {
        let hs = headings(body);
        outline(body, &hs, fm_title)
            .sessions
            .iter()
            .map(|s| {
                let text = |i: usize| hs[i].text.to_string();
                (text(s.heading), s.context.map(text))
            })
            .collect()
    }

    fn pair(title: &str, context: Option<&str>) -> (String, Option<String>) {
        (title.to_string(), context.map(str::to_string))
    }

    #[test]
    fn days_hold_talks_and_a_lone_day_stays() {
        let body = "intro\n\n# 1日目\n\n## A\n\ntext\n\n## B\n\n# 2日目\n\n## C\n\n# 懇親会\n\n楽しかった\n";
        assert_eq!(
            sessions(body, Some("Event")),
            [
                pair("A", Some("1日目")),
                pair("B", Some("1日目")),
                pair("C", Some("2日目")),
                pair("懇親会", None)
            ]
        );
        let hs = headings(body);
        let o = outline(body, &hs, Some("Event"));
        // B ends where the next day starts, not at C.
        assert_eq!(o.sessions[1].end, hs[3].range.start);
        assert_eq!(o.overview_end, hs[0].range.start);
    }

    #[test]
    fn talks_at_h1_with_lightning_talks_under_lt() {
        let body =
            "# Talk A\n\n- speaker: x\n\n## 感想\n\n良い\n\n# Talk B\n\nb\n\n# LT\n\n## LT 1\n\n## LT 2\n";
        assert_eq!(
            sessions(body, Some("Meetup")),
            [
                pair("Talk A", None),
                pair("Talk B", None),
                pair("LT 1", Some("LT")),
                pair("LT 2", Some("LT"))
            ]
        );
    }

    #[test]
    fn a_single_title_keeps_its_talks_plain() {
        let body = "# Event\n\n## A\n\n## B\n";
        assert_eq!(sessions(body, None), [pair("A", None), pair("B", None)]);
        assert_eq!(outline(body, &headings(body), None).title, Some(0));
        // The title repeated under front matter is still the title.
        assert_eq!(outline(body, &headings(body), Some("Event")).title, Some(0));
    }

    #[test]
    fn a_day_with_an_introduction_is_a_session_too() {
        let body = "# 1日目\n\n会場は新宿。\n\n## A\n\n# 2日目\n\n## B\n";
        assert_eq!(
            sessions(body, Some("Conf")),
            [
                pair("1日目", None),
                pair("A", Some("1日目")),
                pair("B", Some("2日目"))
            ]
        );
    }
}
