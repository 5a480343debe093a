//! Parses one Markdown note file into an [`Event`]: front matter (YAML or TOML), the
//! event title, sessions with their field lists, and the raw links in each part.

use std::ops::Range;

use pulldown_cmark::{Event as MdEvent, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use super::model::{Event, Link, LinkTarget, Report, Session, Warning};
use super::slug::{slug, Slugger};

/// Markdown extensions confnotes understands (and renders).
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_FOOTNOTES
}

/// Bumped whenever parsing could give a different result, so cached parses are redone.
pub const PARSER_VERSION: u32 = 2;

/// What parsing a file gives: the event (with unresolved links), anchors of every
/// heading (for resolving links to sub-headings), and warnings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParsedNote {
    /// Shared with the library once linked.
    pub event: std::sync::Arc<Event>,
    /// Every heading anchor in the file, with the session it falls in ("" = overview),
    /// but for the sessions' own headings (their anchor is their id).
    pub anchors: Vec<(String, String)>,
    pub warnings: Vec<Warning>,
}

/// Why a file was skipped as a whole.
#[derive(Debug)]
pub struct ParseError(pub String);

struct Heading {
    level: HeadingLevel,
    text: String,
    anchor: String,
    /// Byte range of the heading itself in the source.
    range: Range<usize>,
}

/// Parses a note. `id` is the event id and `source` the name used in messages;
/// `path_date` is a date taken from the path (`2019/0416-x/README.md`), if any.
pub fn parse_note(
    id: &str,
    source: &str,
    text: &str,
    path_date: Option<String>,
) -> Result<ParsedNote, ParseError> {
    let text = normalize_text(text);
    let mut warnings = Vec::new();
    let (front, body_start) = split_front_matter(&text)?;
    let fm = FrontMatter::from_value(front.unwrap_or(Value::Null));
    let body = &text[body_start..];
    let line_base = text[..body_start].matches('\n').count();
    let line_of = |offset: usize| line_base + body[..offset.min(body.len())].matches('\n').count() + 1;

    let headings = collect_headings(body);
    let h1: Vec<usize> = (0..headings.len())
        .filter(|&i| headings[i].level == HeadingLevel::H1)
        .collect();
    let has_h2 = headings.iter().any(|h| h.level == HeadingLevel::H2);
    let has_fm_title = fm.title.is_some();
    // Which heading (if any) is the event title, and which level the sessions are:
    // `##` under a single `#` title; `#` when the title comes from front matter or
    // there are several `#` headings (a Jekyll post whose talks are `#` headings).
    let (title_index, session_level) = match h1.as_slice() {
        [] => (None, HeadingLevel::H2),
        [only] if !has_fm_title || has_h2 => (Some(*only), HeadingLevel::H2),
        [first, ..] if !has_fm_title && has_h2 && body[..headings[*first].range.start].trim().is_empty() => {
            (Some(*first), HeadingLevel::H2)
        }
        _ => (None, HeadingLevel::H1),
    };
    let title_heading = title_index.map(|i| &headings[i]);
    let title = fm
        .title
        .clone()
        .or_else(|| title_heading.map(|h| h.text.clone()))
        .unwrap_or_else(|| id.to_string());

    let session_headings: Vec<&Heading> = headings
        .iter()
        .enumerate()
        .filter(|(i, h)| h.level == session_level && Some(*i) != title_index)
        .map(|(_, h)| h)
        .collect();

    // The overview runs from after the title heading (or the start) to the first session.
    let overview_start = title_heading.map_or(0, |h| h.range.end);
    let overview_end = session_headings.first().map_or(body.len(), |h| h.range.start);
    let overview_range = overview_start.min(overview_end)..overview_end;

    let mut event = Event {
        id: id.to_string(),
        title,
        dates: if fm.dates.is_empty() {
            path_date.into_iter().collect()
        } else {
            fm.dates.clone()
        },
        venue: fm.venue.clone(),
        url: fm.url.clone(),
        tags: fm.tags.clone(),
        report: fm.report.clone(),
        source: source.to_string(),
        file: source.to_string(),
        overview: body[overview_range.clone()].trim().to_string(),
        has_text: true,
        bundled: false,
        overview_links: collect_links(body, overview_range.clone(), &line_of),
        sessions: Vec::new(),
    };

    let mut anchors = Vec::new();
    for (i, heading) in session_headings.iter().enumerate() {
        let end = session_headings.get(i + 1).map_or(body.len(), |h| h.range.start);
        let section = heading.range.end..end;
        let (fields, fields_end) = parse_fields(body, section.clone());
        let mut session = Session {
            id: heading.anchor.clone(),
            title: heading.text.clone(),
            line: line_of(heading.range.start),
            ..Session::default()
        };
        for field in fields {
            apply_field(&mut session, &field, source, line_of(field.offset), &mut warnings);
        }
        let body_range = fields_end..end;
        session.body = body[body_range.clone()].trim().to_string();
        session.links = collect_links(body, body_range, &line_of);
        if session.body.is_empty() {
            warnings.push(Warning {
                file: source.to_string(),
                line: Some(session.line),
                message: format!("session \"{}\" has no text", session.title),
            });
        }
        event.sessions.push(session);
    }

    // Every heading's anchor belongs to the session it sits in, so a link to a
    // sub-heading (`#qa-1`) still finds its session.
    for heading in &headings {
        let owner = event
            .sessions
            .iter()
            .zip(&session_headings)
            .rev()
            .find(|(_, h)| h.range.start <= heading.range.start)
            .map(|(s, _)| s.id.clone())
            .unwrap_or_default();
        // A session's own heading is its id: the library adds those back.
        if heading.anchor != owner {
            anchors.push((heading.anchor.clone(), owner));
        }
    }

    Ok(ParsedNote {
        event: std::sync::Arc::new(event),
        anchors,
        warnings,
    })
}

/// Drops a UTF-8 BOM and turns CRLF / CR line ends into LF (line numbers stay right).
fn normalize_text(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

/// Splits `---` YAML or `+++` TOML front matter from the body.
fn split_front_matter(text: &str) -> Result<(Option<Value>, usize), ParseError> {
    for (fence, is_yaml) in [("---", true), ("+++", false)] {
        let Some(rest) = text.strip_prefix(fence) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix('\n') else {
            continue;
        };
        let start = fence.len() + 1;
        let mut offset = start;
        for line in rest.split_inclusive('\n') {
            let trimmed = line.trim_end();
            if trimmed == fence || (is_yaml && trimmed == "...") {
                let raw = &text[start..offset];
                let value = if is_yaml {
                    serde_yaml_ng::from_str::<Value>(raw)
                        .map_err(|e| ParseError(format!("malformed YAML front matter: {e}")))?
                } else {
                    toml::from_str::<Value>(raw)
                        .map_err(|e| ParseError(format!("malformed TOML front matter: {e}")))?
                };
                return Ok((Some(value), offset + line.len()));
            }
            offset += line.len();
        }
        return Err(ParseError(format!(
            "front matter opened with `{fence}` is never closed"
        )));
    }
    Ok((None, 0))
}

/// The front matter keys confnotes reads; everything else (Jekyll's `layout`, …) is ignored.
#[derive(Debug, Default)]
struct FrontMatter {
    title: Option<String>,
    dates: Vec<String>,
    venue: Option<String>,
    url: Option<String>,
    tags: Vec<String>,
    report: Option<Report>,
}

impl FrontMatter {
    fn from_value(value: Value) -> Self {
        let get = |key: &str| value.get(key).and_then(scalar);
        let mut dates: Vec<String> = match value.get("dates") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(scalar)
                .filter_map(|d| date_part(&d))
                .collect(),
            Some(v) => scalar(v)
                .into_iter()
                .flat_map(|s| s.split(',').filter_map(date_part).collect::<Vec<_>>())
                .collect(),
            None => Vec::new(),
        };
        if dates.is_empty() {
            dates.extend(get("date").and_then(|d| date_part(&d)));
            dates.extend(get("end_date").and_then(|d| date_part(&d)));
        }
        let report = match value.get("report") {
            Some(Value::Object(map)) => Some(Report {
                title: map.get("title").and_then(scalar),
                author: map.get("author").and_then(scalar),
                blog: map.get("blog").and_then(scalar),
                url: map.get("url").and_then(scalar),
            }),
            Some(v) => scalar(v).map(|title| Report {
                title: Some(title),
                ..Report::default()
            }),
            None => None,
        };
        let report = report.or_else(|| {
            get("author").map(|author| Report {
                author: Some(author),
                ..Report::default()
            })
        });
        FrontMatter {
            title: get("title"),
            dates,
            venue: get("venue").or_else(|| get("location")),
            url: get("url"),
            tags: list(value.get("tags")),
            report,
        }
    }
}

/// A scalar as text; TOML dates arrive as a one-key object and are unwrapped.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(map) if map.len() == 1 => map.values().next().and_then(scalar),
        _ => None,
    }
}

fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).map(|s| split_list(&s)).unwrap_or_default(),
        None => Vec::new(),
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '、', '，'])
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// `2019-03-27 13:42` -> `2019-03-27`; partial dates (`2019-07`, `2017`) are kept.
pub fn date_part(s: &str) -> Option<String> {
    let s = s.trim();
    let digits_ok = |part: &str, n: usize| part.len() == n && part.bytes().all(|b| b.is_ascii_digit());
    for len in [10, 7, 4] {
        let Some(candidate) = s.get(..len) else { continue };
        let parts: Vec<&str> = candidate.split(['-', '/']).collect();
        let ok = match parts.as_slice() {
            [y, m, d] => digits_ok(y, 4) && digits_ok(m, 2) && digits_ok(d, 2),
            [y, m] => digits_ok(y, 4) && digits_ok(m, 2),
            [y] => digits_ok(y, 4),
            _ => false,
        };
        let boundary_ok = s[len..].chars().next().is_none_or(|c| !c.is_ascii_digit());
        if ok && boundary_ok {
            return Some(candidate.replace('/', "-"));
        }
    }
    None
}

fn collect_headings(body: &str) -> Vec<Heading> {
    let mut slugger = Slugger::default();
    let mut out = Vec::new();
    let mut current: Option<(HeadingLevel, Option<String>, usize, String)> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            MdEvent::Start(Tag::Heading { level, id, .. }) => {
                current = Some((level, id.map(|s| s.to_string()), range.start, String::new()));
            }
            MdEvent::Text(t) | MdEvent::Code(t) => {
                if let Some((_, _, _, text)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            MdEvent::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit, start, text)) = current.take() {
                    let text = text.trim().to_string();
                    let anchor = match explicit {
                        Some(id) => slugger.unique(id),
                        None => slugger.unique(slug(&text)),
                    };
                    out.push(Heading {
                        level,
                        text,
                        anchor,
                        range: start..range.end,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// One `key: value` item of a session's field list.
struct Field {
    key: String,
    value: String,
    offset: usize,
}

/// Reads the field list right under a session heading. Returns the fields and where
/// the body starts. A list that is not made of `key: value` items with at least one
/// known key is left in the body.
fn parse_fields(body: &str, section: Range<usize>) -> (Vec<Field>, usize) {
    let text = &body[section.clone()];
    let mut fields = Vec::new();
    let mut offset = section.start;
    let mut end = section.start;
    let mut started = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if started {
                break;
            }
            offset += line.len();
            end = offset;
            continue;
        }
        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
            .or_else(|| trimmed.strip_prefix("+ "));
        let Some((key, value)) = item.and_then(split_key_value) else {
            if started && line.starts_with([' ', '\t']) {
                // A nested list under a field item: this is content, not a field list.
                return (Vec::new(), section.start);
            }
            break;
        };
        started = true;
        fields.push(Field { key, value, offset });
        offset += line.len();
        end = offset;
    }
    if fields.iter().any(|f| canonical_key(&f.key).is_some()) {
        (fields, end)
    } else {
        (Vec::new(), section.start)
    }
}

fn split_key_value(item: &str) -> Option<(String, String)> {
    let idx = item.find([':', '：'])?;
    let key = item[..idx].trim();
    // Keys are short words; `Q: なぜ…` or a URL's `https:` are not fields.
    if key.is_empty() || key.chars().count() > 16 || key.contains(char::is_whitespace) {
        return None;
    }
    let sep_len = item[idx..].chars().next().map_or(1, char::len_utf8);
    let value = item[idx + sep_len..].trim();
    if value.starts_with("//") {
        return None;
    }
    Some((key.to_string(), value.to_string()))
}

/// Field names, English and Japanese, mapped to their canonical name.
pub const FIELD_KEYS: &[(&str, &str)] = &[
    ("speaker", "speaker"),
    ("speakers", "speaker"),
    ("登壇者", "speaker"),
    ("スピーカー", "speaker"),
    ("affiliation", "affiliation"),
    ("所属", "affiliation"),
    ("code", "code"),
    ("セッションコード", "code"),
    ("slides", "slides"),
    ("slide", "slides"),
    ("スライド", "slides"),
    ("資料", "slides"),
    ("video", "video"),
    ("動画", "video"),
    ("tags", "tags"),
    ("tag", "tags"),
    ("タグ", "tags"),
];

fn canonical_key(key: &str) -> Option<&'static str> {
    let lower = key.to_lowercase();
    FIELD_KEYS.iter().find(|(k, _)| *k == lower).map(|(_, c)| *c)
}

fn apply_field(session: &mut Session, field: &Field, source: &str, line: usize, warnings: &mut Vec<Warning>) {
    let value = field.value.clone();
    match canonical_key(&field.key) {
        Some("speaker") => session.speakers.extend(split_list(&value)),
        Some("affiliation") => session.affiliation = Some(value),
        Some("code") => session.code = Some(value),
        Some("slides") => session.slides = Some(value),
        Some("video") => session.video = Some(value),
        Some("tags") => session
            .tags
            .extend(split_list(&value).into_iter().map(|t| t.to_lowercase())),
        _ => {
            let suggestion = FIELD_KEYS
                .iter()
                .map(|(k, _)| (*k, strsim::levenshtein(k, &field.key.to_lowercase())))
                .min_by_key(|(_, d)| *d)
                .filter(|(_, d)| *d <= 2)
                .map(|(k, _)| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            warnings.push(Warning {
                file: source.to_string(),
                line: Some(line),
                message: format!("unknown session field `{}`{suggestion}", field.key),
            });
        }
    }
}

/// Links (not images) in `range` of `body`, with their line numbers; unresolved.
fn collect_links(body: &str, range: Range<usize>, line_of: &dyn Fn(usize) -> usize) -> Vec<Link> {
    let mut links = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    let slice = &body[range.clone()];
    for (event, r) in Parser::new_ext(slice, markdown_options()).into_offset_iter() {
        match event {
            MdEvent::Start(Tag::Link { dest_url, .. }) => {
                open = Some((dest_url.to_string(), range.start + r.start, String::new()));
            }
            MdEvent::Text(t) | MdEvent::Code(t) => {
                if let Some((_, _, text)) = open.as_mut() {
                    text.push_str(&t);
                }
            }
            MdEvent::End(TagEnd::Link) => {
                if let Some((href, offset, text)) = open.take() {
                    links.push(Link {
                        text,
                        href,
                        line: line_of(offset),
                        target: LinkTarget::Unresolved,
                    });
                }
            }
            _ => {}
        }
    }
    links
}

/// The readable text of a Markdown fragment: what gets indexed and shown in snippets.
/// Block boundaries become newlines; link targets and markup are dropped.
pub fn plain_text(markdown: &str) -> String {
    super::text::plain_text(markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedNote {
        parse_note("ev", "ev.md", text, None).unwrap()
    }

    #[test]
    fn front_matter_title_and_sessions() {
        let note = parse(
            "---\ntitle: Meetup\ndates: [2019-07-22, 2019-07-23]\ntags: [k8s]\nlayout: post\n---\n\n# Meetup\n\nOverview text.\n\n## First talk\n\n- speaker: A, B\n- tags: Spinnaker, CI\n\nBody one.\n\n## Second {#two}\n\nBody two.\n",
        );
        let e = &note.event;
        assert_eq!(e.title, "Meetup");
        assert_eq!(e.dates, ["2019-07-22", "2019-07-23"]);
        assert_eq!(e.overview, "Overview text.");
        assert_eq!(e.sessions.len(), 2);
        assert_eq!(e.sessions[0].id, "first-talk");
        assert_eq!(e.sessions[0].speakers, ["A", "B"]);
        assert_eq!(e.sessions[0].tags, ["spinnaker", "ci"]);
        assert_eq!(e.sessions[0].body, "Body one.");
        assert_eq!(e.sessions[1].id, "two");
        assert_eq!(e.sessions[1].line, 19);
        assert!(note.warnings.is_empty(), "{:?}", note.warnings);
    }

    #[test]
    fn jekyll_post_sessions_are_h1() {
        let note = parse("---\ntitle: \"[参加レポート]Day\"\ndate: 2019-03-27 13:42\n---\n\n- intro\n\n# Talk A\n\n- 株式会社X 山田 氏\n\ntext\n\n# Talk B\n\ntext\n");
        assert_eq!(note.event.dates, ["2019-03-27"]);
        assert_eq!(note.event.sessions.len(), 2);
        assert_eq!(note.event.sessions[0].body, "- 株式会社X 山田 氏\n\ntext");
    }

    #[test]
    fn readme_without_front_matter() {
        let note = parse_note(
            "x",
            "x",
            "\u{feff}# Event\r\n\r\n## S1\r\n\r\nbody\r\n",
            Some("2019-04-16".into()),
        )
        .unwrap();
        assert_eq!(note.event.title, "Event");
        assert_eq!(note.event.dates, ["2019-04-16"]);
        assert_eq!(note.event.sessions[0].title, "S1");
        assert_eq!(note.event.sessions[0].body, "body");
    }

    #[test]
    fn typo_in_field_warns_with_line() {
        let note = parse("# E\n\n## S\n\n- speeker: A\n- tags: x\n\nbody\n");
        assert_eq!(note.warnings.len(), 1);
        assert_eq!(note.warnings[0].line, Some(5));
        assert!(note.warnings[0].message.contains("did you mean `speaker`"));
    }

    #[test]
    fn a_plain_list_stays_in_the_body() {
        let note = parse("# E\n\n## S\n\n- 結論: 良い\n- 次: 試す\n");
        assert!(note.event.sessions[0].body.starts_with("- 結論"));
        assert!(note.warnings.is_empty());
    }

    #[test]
    fn malformed_front_matter_is_an_error() {
        assert!(parse_note("x", "x.md", "---\ntitle: [unclosed\n---\n# T\n", None).is_err());
        assert!(parse_note("x", "x.md", "---\ntitle: x\n# T\n", None).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(date_part("2019-03-27 13:42").as_deref(), Some("2019-03-27"));
        assert_eq!(date_part("2019-07").as_deref(), Some("2019-07"));
        assert_eq!(date_part("2017").as_deref(), Some("2017"));
        assert_eq!(date_part("20170"), None);
        assert_eq!(date_part("soon"), None);
    }
}
