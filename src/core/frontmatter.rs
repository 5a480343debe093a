//! A note's front matter (YAML `---` or TOML `+++`): the keys confnotes reads, checked.

use std::collections::HashMap;

use serde_json::Value;

use super::model::{quote, quote_lines, Report, Warning};

/// Why a file was skipped as a whole.
#[derive(Debug)]
pub struct ParseError(pub String);

/// The front matter as written: its value and its text, for finding keys' lines.
pub struct RawFrontMatter<'a> {
    pub value: Value,
    pub text: &'a str,
    pub is_yaml: bool,
}

/// Splits `---` YAML or `+++` TOML front matter from the body: the front matter, if
/// any, and where the body starts.
pub fn split_front_matter(text: &str) -> Result<(Option<RawFrontMatter<'_>>, usize), ParseError> {
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
                let raw = text.get(start..offset).unwrap_or_default();
                let value = if is_yaml {
                    serde_yaml_ng::from_str::<Value>(raw).map_err(|e| {
                        ParseError(format!(
                            "malformed YAML front matter: {}",
                            quote_lines(&e.to_string())
                        ))
                    })?
                } else {
                    parse_toml(raw)?
                };
                let front = RawFrontMatter {
                    value,
                    text: raw,
                    is_yaml,
                };
                return Ok((Some(front), offset + line.len()));
            }
            offset += line.len();
        }
        return Err(ParseError(format!(
            "front matter opened with `{fence}` is never closed"
        )));
    }
    Ok((None, 0))
}

/// TOML front matter. TOML refuses a key given twice, where YAML parsers keep the last:
/// a note with one is read as YAML would be (the earlier lines left out), and the
/// duplicate is reported like a YAML one, rather than the whole note skipped.
fn parse_toml(raw: &str) -> Result<Value, ParseError> {
    let error = match toml::from_str::<Value>(raw) {
        Ok(value) => return Ok(value),
        Err(e) => ParseError(format!(
            "malformed TOML front matter: {}",
            quote_lines(&e.to_string())
        )),
    };
    let lines: Vec<&str> = raw.split_inclusive('\n').collect();
    let top_level = lines
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .unwrap_or(lines.len());
    let key = |i: usize| lines.get(i).and_then(|l| top_level_key(l, false));
    let mut last: HashMap<&str, usize> = HashMap::new();
    for i in 0..top_level {
        if let Some(k) = key(i) {
            last.insert(k, i);
        }
    }
    let mut kept = String::with_capacity(raw.len());
    let mut dropped = false;
    for (i, line) in lines.iter().enumerate() {
        let overridden = i < top_level && key(i).is_some_and(|k| last.get(k) != Some(&i));
        dropped |= overridden;
        if !overridden {
            kept.push_str(line);
        }
    }
    if !dropped {
        return Err(error);
    }
    toml::from_str::<Value>(&kept).map_err(|_| error)
}

/// The front matter keys confnotes reads; everything else (Jekyll's `layout`, …) is ignored.
#[derive(Debug, Default)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub dates: Vec<String>,
    pub venue: Option<String>,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub report: Option<Report>,
}

/// Reads values and reports those of the wrong kind, with the line of their key.
struct Checker<'a> {
    source: &'a str,
    lines: Vec<&'a str>,
    /// Top-level keys and the 0-based lines in the front matter where they are first
    /// and last given (parsers keep the last).
    keys: HashMap<String, (usize, usize)>,
    warnings: Vec<Warning>,
}

/// The front matter's first line is the file's second (after the fence).
const FIRST_LINE: usize = 2;

impl<'a> Checker<'a> {
    fn new(raw: &RawFrontMatter<'a>, source: &'a str) -> Self {
        let mut this = Checker {
            source,
            lines: raw.text.lines().collect(),
            keys: HashMap::new(),
            warnings: Vec::new(),
        };
        for i in 0..this.lines.len() {
            let line = this.lines.get(i).copied().unwrap_or_default();
            if !raw.is_yaml && line.trim_start().starts_with('[') {
                break; // a TOML table: its keys are not top-level
            }
            let Some(key) = top_level_key(line, raw.is_yaml) else {
                continue;
            };
            match this.keys.get_mut(key) {
                Some((first, last)) => {
                    *last = i;
                    let first = *first;
                    // Parsers keep the last (see `parse_toml`), which may not be meant.
                    this.warn(
                        i,
                        format!(
                            "front matter `{}` is given twice (first on line {}); the last one is used",
                            quote(key),
                            first + FIRST_LINE
                        ),
                    );
                }
                None => {
                    this.keys.insert(key.to_string(), (i, i));
                }
            }
        }
        this
    }

    fn warn(&mut self, line: usize, message: String) {
        self.warnings.push(Warning {
            file: self.source.to_string(),
            line: Some(line + FIRST_LINE),
            message,
        });
    }

    /// The line of a top-level key (the last time it is given, which is the one used).
    fn line_of(&self, key: &str) -> usize {
        self.keys.get(key).map_or(0, |&(_, last)| last)
    }

    /// The line of `key` nested in a block mapping under the top-level `parent`.
    fn nested_line_of(&self, parent: &str, key: &str) -> usize {
        let start = self.line_of(parent);
        self.lines
            .iter()
            .enumerate()
            .skip(start + 1)
            .take_while(|(_, l)| l.starts_with([' ', '\t']))
            .find(|(_, l)| top_level_key(l.trim_start(), true) == Some(key))
            .map_or(start, |(i, _)| i)
    }

    /// A text value; a list or a mapping is reported and ignored.
    fn text(&mut self, value: Option<&Value>, key: &str, line: usize) -> Option<String> {
        let value = value?;
        let text = scalar(value);
        if text.is_none() && !value.is_null() && !is_empty_text(value) {
            self.warn(
                line,
                format!(
                    "front matter `{}` should be text, not {}; ignored",
                    quote(key),
                    kind(value)
                ),
            );
        }
        text
    }

    /// A date; anything else is reported and ignored.
    fn date(&mut self, value: Option<&Value>, key: &str) -> Option<String> {
        let line = self.line_of(key);
        let text = self.text(value, key, line)?;
        let date = date_part(&text);
        // A template's placeholder (`<% tp.date.now() %>`) is no date, and no mistake.
        if date.is_none() && !super::dates::is_placeholder(&text) {
            self.warn(
                line,
                format!("front matter `{key}` is not a date: {:?}; ignored", quote(&text)),
            );
        }
        date
    }

    fn dates(&mut self, value: &Value) -> Vec<String> {
        let line = self.line_of("dates");
        let items: Vec<String> = match value {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| self.text(Some(v), "dates", line))
                .collect(),
            v => self
                .text(Some(v), "dates", line)
                .map(|s| s.split(',').map(|d| d.trim().to_string()).collect())
                .unwrap_or_default(),
        };
        let mut dates = Vec::with_capacity(items.len());
        for item in items {
            match date_part(&item) {
                Some(date) => dates.push(date),
                None => self.warn(
                    line,
                    format!(
                        "front matter `dates` has something that is not a date: {:?}; ignored",
                        quote(&item)
                    ),
                ),
            }
        }
        dates
    }

    fn list(&mut self, value: Option<&Value>, key: &str) -> Vec<String> {
        let line = self.line_of(key);
        match value {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| self.text(Some(v), key, line))
                .collect(),
            v => self
                .text(v, key, line)
                .map(|s| split_list(&s))
                .unwrap_or_default(),
        }
    }

    fn report(&mut self, value: &Value) -> Option<Report> {
        let line = self.line_of("report");
        match value {
            Value::Object(map) if !is_toml_datetime(value) => {
                let mut field = |key: &str| {
                    let line = self.nested_line_of("report", key);
                    self.text(map.get(key), key, line)
                };
                Some(Report {
                    title: field("title"),
                    author: field("author"),
                    blog: field("blog"),
                    url: field("url"),
                })
            }
            v => self.text(Some(v), "report", line).map(|title| Report {
                title: Some(title),
                ..Report::default()
            }),
        }
    }
}

impl FrontMatter {
    /// The keys confnotes reads, and warnings about those of the wrong kind.
    pub fn read(raw: Option<RawFrontMatter<'_>>, source: &str) -> (Self, Vec<Warning>) {
        let Some(raw) = raw else {
            return (FrontMatter::default(), Vec::new());
        };
        let mut c = Checker::new(&raw, source);
        let value = &raw.value;
        if !value.is_object() && !value.is_null() {
            c.warn(
                0,
                format!(
                    "front matter should be a mapping of keys, not {}; ignored",
                    kind(value)
                ),
            );
        }
        let text = |c: &mut Checker, key: &str| {
            let line = c.line_of(key);
            c.text(value.get(key), key, line)
        };
        let title = text(&mut c, "title");
        let venue = text(&mut c, "venue").or_else(|| text(&mut c, "location"));
        let url = text(&mut c, "url");
        let mut dates = value.get("dates").map(|v| c.dates(v)).unwrap_or_default();
        if dates.is_empty() {
            dates.extend(c.date(value.get("date"), "date"));
            dates.extend(c.date(value.get("end_date"), "end_date"));
        }
        let tags = c.list(value.get("tags"), "tags");
        let report = match value.get("report") {
            Some(v) => c.report(v),
            None => text(&mut c, "author").map(|author| Report {
                author: Some(author),
                ..Report::default()
            }),
        };
        let front = FrontMatter {
            title,
            dates,
            venue,
            url,
            tags,
            report,
        };
        let mut warnings = c.warnings;
        warnings.sort_by_key(|w| w.line);
        (front, warnings)
    }
}

/// The key a `key: value` (YAML) or `key = value` (TOML) line at the top level sets.
fn top_level_key(line: &str, is_yaml: bool) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    let sep = if is_yaml { ':' } else { '=' };
    let (key, rest) = line.split_once(sep)?;
    if is_yaml && !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None; // `http://…` in a scalar, not a key
    }
    let key = key.trim().trim_matches(['"', '\'']);
    (!key.is_empty()).then_some(key)
}

/// TOML dates arrive as a one-key object.
fn is_toml_datetime(v: &Value) -> bool {
    matches!(v, Value::Object(map) if map.len() == 1 && map.keys().all(|k| k.starts_with("$__toml_private")))
}

fn is_empty_text(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.trim().is_empty())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
        Value::Null => "empty",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
    }
}

/// A scalar as text; TOML dates are unwrapped.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(map) if is_toml_datetime(v) => map.values().next().and_then(scalar),
        _ => None,
    }
}

/// A list written as one text: `a, b`, also with Japanese commas.
pub fn split_list(s: &str) -> Vec<String> {
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
        let boundary_ok = s
            .get(len..)
            .and_then(|rest| rest.chars().next())
            .is_none_or(|c| !c.is_ascii_digit());
        if ok && boundary_ok && super::dates::is_real(&candidate.replace('/', "-")) {
            return Some(candidate.replace('/', "-"));
        }
    }
    None
}
