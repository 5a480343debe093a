//! Parses one Markdown note file into an [`Event`]: front matter (YAML or TOML), the
//! event title, sessions with their field lists, and the raw links in each part.
//! Linear in the size of the note, whatever it holds.

use std::ops::Range;
use std::sync::Arc;

use pulldown_cmark::{Event as MdEvent, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::footnotes::Footnotes;
pub use super::frontmatter::{date_part, ParseError};
use super::frontmatter::{split_front_matter, split_list, FrontMatter};
use super::linkrefs::{LinkDefs, PartLinks};
use super::model::{Event, Link, Session, Warning};
use super::outline::{outline, OutlineHeading};
use super::slug::{slug, Slugger};
use super::{dates, inline_tags, layouts};

/// Markdown extensions confnotes understands (and renders).
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_WIKILINKS
}

/// Bumped whenever parsing could give a different result, so cached parses are redone.
pub const PARSER_VERSION: u32 = 6;

/// A note longer than this is read and indexed up to here (its last whole line before
/// it), with a warning. 2 MB is ten times the longest real event note; past it is a
/// log or a dump pasted by mistake, whose every open (read, parse, render: linear, but
/// on the screen's thread) would otherwise freeze the app for seconds.
pub const MAX_NOTE_BYTES: usize = 2 << 20;

/// Warnings kept per note; the rest are counted in one more.
const MAX_WARNINGS: usize = 100;

/// What parsing a file gives: the event (with unresolved links), anchors of every
/// heading (for resolving links to sub-headings), and warnings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParsedNote {
    /// Shared with the library once linked.
    pub event: Arc<Event>,
    /// Every heading anchor in the file, with the session it falls in ("" = overview),
    /// but for the sessions' own headings (their anchor is their id).
    pub anchors: Vec<(String, String)>,
    pub warnings: Vec<Warning>,
}

struct Heading {
    level: HeadingLevel,
    text: String,
    anchor: String,
    /// Byte range of the heading itself in the source.
    range: Range<usize>,
}

/// 1-based line numbers of byte offsets in the body, by binary search over its line
/// breaks (counting them from the start for each offset was quadratic).
struct Lines {
    breaks: Vec<usize>,
    /// Lines before the body (the front matter).
    base: usize,
}

impl Lines {
    fn new(body: &str, base: usize) -> Self {
        let breaks = body
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Lines { breaks, base }
    }

    fn line(&self, offset: usize) -> usize {
        self.base + self.breaks.partition_point(|&b| b < offset) + 1
    }
}

/// Parses a note. `id` is the event id and `source` the name used in messages;
/// `path_date` is a date taken from the path (`2019/0416-x/README.md`), if any.
pub fn parse_note(
    id: &str,
    source: &str,
    text: &str,
    path_date: Option<String>,
) -> Result<ParsedNote, ParseError> {
    let mut warnings = Vec::new();
    if let Some(head) = cut_to_limit(text) {
        warnings.push(Warning {
            file: source.to_string(),
            line: None,
            message: format!(
                "larger than {} MB: only the first {} bytes are read and indexed",
                MAX_NOTE_BYTES >> 20,
                head.len()
            ),
        });
    }
    let text = note_text(text);
    let (front, body_start) = split_front_matter(&text)?;
    let meta = layouts::read(front.as_ref().map(|f| &f.value));
    let (mut fm, fm_warnings) = FrontMatter::read(front, source);
    if meta.title_is_placeholder {
        fm.title = None;
    }
    warnings.extend(fm_warnings);
    let body = text.get(body_start..).unwrap_or_default();
    let base = text.get(..body_start).unwrap_or_default().matches('\n').count();
    let lines = Lines::new(body, base);
    let line_of = |offset: usize| lines.line(offset);

    let (headings, mut link_defs) = collect_headings(body);
    let outline_headings: Vec<OutlineHeading> = headings
        .iter()
        .map(|h| OutlineHeading {
            level: level_number(h.level),
            range: h.range.clone(),
            text: &h.text,
        })
        .collect();
    let outline = outline(body, &outline_headings, fm.title.as_deref());
    let title_heading = outline.title.and_then(|i| headings.get(i));
    let title = fm
        .title
        .clone()
        .or_else(|| title_heading.map(|h| h.text.clone()))
        .filter(|t| !dates::is_placeholder(t))
        .unwrap_or_else(|| dates::title_from_id(id));
    let session_headings: Vec<&Heading> = outline
        .sessions
        .iter()
        .filter_map(|s| headings.get(s.heading))
        .collect();

    // The overview runs from after the title heading (or the start) to the first
    // session or day.
    let overview_start = title_heading.map_or(0, |h| h.range.end);
    let overview_end = outline.overview_end;
    let overview_range = overview_start.min(overview_end)..overview_end;
    let overview_at = trimmed(body, overview_range.clone());
    let mut footnotes = Footnotes::scan(body, markdown_options());
    let overview_part = footnotes.part(body, overview_range.clone());
    let mut part_links = PartLinks::new(&mut link_defs, overview_range.clone());
    let mut overview_links = part_links.collect(body, overview_range, &line_of);
    for added in overview_part.added {
        overview_links.extend(part_links.collect(body, added, &line_of));
    }
    let overview = part_links.text(&overview_part.text);
    let mut tags = fm.tags;
    layouts::merge_tags(&mut tags, meta.tags);
    layouts::merge_tags(&mut tags, inline_tags::inline_tags(&overview, markdown_options()));

    let mut event = Event {
        id: id.to_string(),
        title,
        dates: if !fm.dates.is_empty() {
            fm.dates
        } else {
            let published = meta.published.as_deref().and_then(date_part);
            published.or(path_date).into_iter().collect()
        },
        venue: fm.venue,
        url: fm.url,
        tags,
        aliases: meta.aliases,
        report: fm.report.map(Box::new),
        source: source.to_string(),
        file: source.to_string(),
        overview,
        overview_at: shifted(overview_at, body_start),
        has_text: true,
        bundled: false,
        overview_links,
        sessions: Vec::with_capacity(session_headings.len()),
    };

    for (spec, heading) in outline.sessions.iter().zip(&session_headings) {
        let context = spec
            .context
            .and_then(|i| headings.get(i))
            .map(|h| h.text.as_str());
        let place = (*heading, context, spec.end.max(heading.range.end));
        let parts = (&mut footnotes, &mut link_defs);
        let mut session = parse_session(body, place, parts, (source, &line_of), &mut warnings);
        session.body_at = shifted(session.body_at, body_start);
        event.sessions.push(session);
    }
    let anchors = anchors(&headings, &session_headings, &event.sessions);
    bound_warnings(&mut warnings, source);

    Ok(ParsedNote {
        event: Arc::new(event),
        anchors,
        warnings,
    })
}

/// One session: from its heading to `end`, under its day or track heading if any,
/// with its field list, body, links and inline tags.
fn parse_session(
    body: &str,
    (heading, context, end): (&Heading, Option<&str>, usize),
    (footnotes, link_defs): (&mut Footnotes, &mut LinkDefs),
    (source, line_of): (&str, &dyn Fn(usize) -> usize),
    warnings: &mut Vec<Warning>,
) -> Session {
    let range = heading.range.end.min(end)..end;
    let (fields, fields_end) = parse_fields(body, range);
    let mut session = Session {
        id: heading.anchor.clone(),
        title: heading.text.clone(),
        context: context.map(str::to_string),
        line: line_of(heading.range.start),
        ..Session::default()
    };
    for field in fields {
        apply_field(&mut session, &field, source, line_of(field.offset), warnings);
    }
    let body_range = fields_end.min(end)..end;
    session.body_at = trimmed(body, body_range.clone());
    let part = footnotes.part(body, body_range.clone());
    let mut part_links = PartLinks::new(link_defs, heading.range.start..end);
    // A heading written as a link (`## [Talk](https://…)`) keeps its link.
    let heading_links = part_links.collect(body, heading.range.clone(), line_of);
    link_from_heading(&mut session, heading_links.first());
    session.links = heading_links;
    session
        .links
        .extend(part_links.collect(body, body_range, line_of));
    for added in part.added {
        session.links.extend(part_links.collect(body, added, line_of));
    }
    session.body = part_links.text(&part.text);
    let tags = inline_tags::inline_tags(&session.body, markdown_options());
    layouts::merge_tags(&mut session.tags, tags);
    // A heading with nothing under it (`## 休憩`, a title-only talk) is normal.
    session
}

/// Every heading's anchor with the session it sits in, so a link to a sub-heading
/// (`#qa-1`) still finds its session. Headings and sessions are both in document
/// order: one walk pairs them.
fn anchors(
    headings: &[Heading],
    session_headings: &[&Heading],
    sessions: &[Session],
) -> Vec<(String, String)> {
    let mut anchors = Vec::new();
    let mut next = 0;
    for heading in headings {
        while session_headings
            .get(next)
            .is_some_and(|h| h.range.start <= heading.range.start)
        {
            next += 1;
        }
        let owner = next
            .checked_sub(1)
            .and_then(|i| sessions.get(i))
            .map(|s| s.id.clone())
            .unwrap_or_default();
        // A session's own heading is its id: the library adds those back.
        if heading.anchor != owner {
            anchors.push((heading.anchor.clone(), owner));
        }
    }
    anchors
}

/// Keeps the first warnings of a note and counts the rest: a generated note with a
/// hundred thousand field typos is one problem, not a hundred thousand lines.
fn bound_warnings(warnings: &mut Vec<Warning>, source: &str) {
    if warnings.len() > MAX_WARNINGS {
        let more = warnings.len() - MAX_WARNINGS;
        warnings.truncate(MAX_WARNINGS);
        warnings.push(Warning {
            file: source.to_string(),
            line: None,
            message: format!("… and {more} more warnings in this note"),
        });
    }
}

/// `range` of `text`, or nothing if it is not one (offsets come from the Markdown parser).
fn section(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or_default()
}

/// `range` of `text` without the white space at either end (empty if it is not a range
/// of `text`).
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(part) = text.get(range.clone()) else {
        return 0..0;
    };
    let start = range.start + (part.len() - part.trim_start().len());
    start..start + part.trim().len()
}

fn shifted(range: Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

/// The text a note is parsed from, which its offsets (`Session::body_at`) refer to: cut
/// to [`MAX_NOTE_BYTES`], without a BOM, with LF line ends.
pub fn note_text(text: &str) -> String {
    normalize_text(cut_to_limit(text).unwrap_or(text))
}

/// The part of an over-long note that is read: up to its last line break before
/// [`MAX_NOTE_BYTES`], or its last whole character when it is one long line. `None`
/// when the note is within the limit.
pub fn cut_to_limit(text: &str) -> Option<&str> {
    if text.len() <= MAX_NOTE_BYTES {
        return None;
    }
    let mut end = MAX_NOTE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or_default();
    match head.rfind('\n') {
        // Only a break in the last half: a note of few long lines is not halved.
        Some(at) if at >= end / 2 => head.get(..at + 1),
        _ => Some(head),
    }
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

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The link of a heading written as one becomes the session's video (a video site) or
/// slides, when the field list gives neither.
fn link_from_heading(session: &mut Session, link: Option<&Link>) {
    let Some(link) = link.filter(|l| l.href.starts_with("http")) else {
        return;
    };
    if session.slides.is_some() || session.video.is_some() {
        return;
    }
    let video = ["youtube.com", "youtu.be", "vimeo.com"]
        .iter()
        .any(|site| link.href.contains(site));
    let field = if video {
        &mut session.video
    } else {
        &mut session.slides
    };
    *field = Some(link.href.clone());
}

/// The headings of `body`, and its link reference definitions (read by the same parse).
fn collect_headings(body: &str) -> (Vec<Heading>, LinkDefs) {
    let mut slugger = Slugger::default();
    let mut out = Vec::new();
    let mut current: Option<(HeadingLevel, Option<String>, usize, String)> = None;
    let events = Parser::new_ext(body, markdown_options()).into_offset_iter();
    let defs = LinkDefs::new(events.reference_definitions(), body.len());
    for (event, range) in events {
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
                    let base = explicit.unwrap_or_else(|| slug(&text));
                    // An empty id would read as the event's overview.
                    let base = if base.is_empty() {
                        "section".to_string()
                    } else {
                        base
                    };
                    out.push(Heading {
                        level,
                        text,
                        anchor: slugger.unique(base),
                        range: start..range.end,
                    });
                }
            }
            _ => {}
        }
    }
    (out, defs)
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
fn parse_fields(body: &str, range: Range<usize>) -> (Vec<Field>, usize) {
    let text = section(body, range.clone());
    let mut fields = Vec::new();
    let mut offset = range.start;
    let mut end = range.start;
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
                return (Vec::new(), range.start);
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
        (Vec::new(), range.start)
    }
}

fn split_key_value(item: &str) -> Option<(String, String)> {
    let idx = item.find([':', '：'])?;
    let key = item.get(..idx)?.trim();
    // Keys are short words; `Q: なぜ…` or a URL's `https:` are not fields.
    if key.is_empty() || key.chars().count() > 16 || key.contains(char::is_whitespace) {
        return None;
    }
    let sep_len = item.get(idx..)?.chars().next().map_or(1, char::len_utf8);
    let value = item.get(idx + sep_len..)?.trim();
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
    fn bodies_are_found_in_the_note_text_at_their_offsets() {
        let text = "\u{feff}---\r\ntitle: T\r\n---\r\n\r\n# T\r\n\r\n概要。\r\n\r\n## 一つ目\r\n\r\n- speaker: A\r\n\r\n本文 **一**。\r\n\r\n## 空\r\n\r\n## 三つ目\r\n\r\n  本文三  \r\n";
        let event = parse(text).event;
        let at = note_text(text);
        assert_eq!(at.get(event.overview_at.clone()), Some("概要。"));
        let bodies: Vec<&str> = event
            .sessions
            .iter()
            .map(|s| at.get(s.body_at.clone()).unwrap())
            .collect();
        assert_eq!(bodies, ["本文 **一**。", "", "本文三"]);
        for s in &event.sessions {
            assert_eq!(at.get(s.body_at.clone()), Some(s.body.as_str()));
        }
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
