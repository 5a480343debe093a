//! Dates from paths and front matter as real notes folders write them; never an impossible one.

use std::path::Path;

/// Whether `2024-02-29`, `2019-07` or `2017` names a day, month or year that exists.
pub fn is_real(date: &str) -> bool {
    let mut parts = date.split('-');
    let number = |p: Option<&str>| p.and_then(|p| p.parse::<u32>().ok());
    let year = number(parts.next());
    let month = parts.next().map(|m| number(Some(m)));
    let day = parts.next().map(|d| number(Some(d)));
    match (year, month, day) {
        (Some(_), None, None) => true,
        (Some(_), Some(Some(m)), None) => (1..=12).contains(&m),
        (Some(y), Some(Some(m)), Some(Some(d))) => (1..=12).contains(&m) && d >= 1 && d <= days_in(y, m),
        _ => false,
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A value left by a note template (Obsidian Templater `<% tp.date.now() %>`, core
/// templates and Hugo archetypes `{{date}}`): no value, and nothing to warn about.
pub fn is_placeholder(value: &str) -> bool {
    value.contains("<%") || value.contains("{{")
}

/// `YYYY-MM-DD` at the start of `name`, followed by nothing or a non-digit.
fn leading_date(name: &str) -> Option<String> {
    let head = name.get(..10)?;
    let b = head.as_bytes();
    let shape = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-' || *c == b'_' || *c == b'.',
        _ => c.is_ascii_digit(),
    });
    let boundary = name
        .get(10..)
        .and_then(|rest| rest.chars().next())
        .is_none_or(|c| !c.is_ascii_digit());
    let date = head.replace(['_', '.'], "-");
    (shape && boundary && is_real(&date)).then_some(date)
}

/// `MMDD` at the start of a folder under a year folder (`2019/0416-event/`).
fn month_day(year: &str, rest: &str) -> Option<String> {
    let year_ok = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
    let mmdd = rest.get(..4)?;
    let boundary = rest
        .get(4..)
        .and_then(|r| r.chars().next())
        .is_none_or(|c| !c.is_ascii_digit());
    if !(year_ok && boundary && mmdd.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let date = format!("{year}-{}-{}", mmdd.get(..2)?, mmdd.get(2..)?);
    is_real(&date).then_some(date)
}

/// The date a path gives a note, most specific first: the file name
/// (`2023-11-18-jsconf.md`, `2024-02-16 日記.md`), then the nearest folder named by a
/// date (`minutes/2021-05-14/README.md`), then a year folder holding a `MMDD-name`
/// (`2019/0416-event/README.md`).
pub fn from_path(rel: &Path) -> Option<String> {
    let parts: Vec<&str> = rel.components().filter_map(|c| c.as_os_str().to_str()).collect();
    let stem = rel.file_stem().and_then(|s| s.to_str());
    if let Some(date) = stem.and_then(leading_date) {
        return Some(date);
    }
    let folders = parts.len().saturating_sub(1);
    let dirs = parts.get(..folders).unwrap_or_default();
    if let Some(date) = dirs.iter().rev().find_map(|d| leading_date(d)) {
        return Some(date);
    }
    let named = parts.get(1..).unwrap_or_default();
    parts
        .iter()
        .zip(named)
        .find_map(|(year, rest)| month_day(year, rest))
}

/// A title from a note's id when it has no other: without its leading date
/// (`2023-11-18-jsconf-day1` → `jsconf-day1`, `2024-02-16-日記` → `日記`).
pub fn title_from_id(id: &str) -> String {
    let rest = match leading_date(id) {
        Some(_) => id.get(10..).unwrap_or_default(),
        None => id,
    };
    let rest = rest.trim_start_matches(['-', '_', ' ', '.']);
    if rest.is_empty() {
        id.to_string()
    } else {
        rest.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_dates() {
        assert!(is_real("2024-02-29"));
        assert!(!is_real("2023-02-29"));
        assert!(!is_real("2018-20-18"));
        assert!(!is_real("2018-04-31"));
        assert!(!is_real("2018-00"));
        assert!(is_real("2017"));
        assert!(!is_real("20x7"));
    }

    #[test]
    fn dates_from_paths() {
        let date = |p: &str| from_path(Path::new(p));
        assert_eq!(date("_posts/2018/2018-05-12-x.md").as_deref(), Some("2018-05-12"));
        assert_eq!(
            date("2019/0416-some-event/README.md").as_deref(),
            Some("2019-04-16")
        );
        assert_eq!(date("日記/2024-02-16 日記.md").as_deref(), Some("2024-02-16"));
        assert_eq!(
            date("minutes/2021-05-14/README.md").as_deref(),
            Some("2021-05-14")
        );
        assert_eq!(date("2018/2018-20-18-x.md"), None);
        assert_eq!(date("2019/1399-x/README.md"), None);
        assert_eq!(date("notes/x.md"), None);
        assert_eq!(date("2019-07-cndt.md"), None);
    }

    #[test]
    fn titles_from_ids() {
        assert_eq!(title_from_id("2023-11-18-jsconf-day1"), "jsconf-day1");
        assert_eq!(title_from_id("2024-02-16-日記"), "日記");
        assert_eq!(title_from_id("2021-05-14"), "2021-05-14");
        assert_eq!(title_from_id("gitops-day"), "gitops-day");
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder("<% tp.date.now(\"YYYY-MM-DD\") %>"));
        assert!(is_placeholder("{{date}}"));
        assert!(!is_placeholder("2024-02-16"));
    }
}
