//! Front matter keys of the common notes-folder layouts: Jekyll and Hugo
//! `categories`, Zenn `topics` and `published_at`, Obsidian `aliases` and templates.

use serde_json::Value;

use super::dates;

/// What these layouts add to the keys confnotes reads itself.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LayoutMeta {
    /// From `tags`, `categories`, `category`, `topics`, `keywords`: lists or comma
    /// strings, each tag once (ignoring case), without a leading `#`.
    pub tags: Vec<String>,
    pub aliases: Vec<String>,
    /// `published_at` (Zenn) as written, used when there is no `date`.
    pub published: Option<String>,
    /// The title is a template placeholder (`<% tp.file.title %>`): no title.
    pub title_is_placeholder: bool,
}

const TAG_KEYS: &[&str] = &["tags", "tag", "categories", "category", "topics", "keywords"];

/// Text of a scalar; TOML dates arrive as a one-key object.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(map) if map.len() == 1 => map.values().next().and_then(text),
        _ => None,
    }
}

fn list(v: Option<&Value>) -> Vec<String> {
    let items: Vec<String> = match v {
        Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Some(v) => text(v).map(|s| vec![s]).unwrap_or_default(),
        None => Vec::new(),
    };
    items
        .iter()
        .flat_map(|s| s.split([',', '、', '，']))
        .map(|t| t.trim().trim_start_matches('#').trim().to_string())
        .filter(|t| !t.is_empty() && !dates::is_placeholder(t))
        .collect()
}

/// Appends `new` tags not yet in `tags` (ignoring case).
pub fn merge_tags(tags: &mut Vec<String>, new: impl IntoIterator<Item = String>) {
    let mut seen: std::collections::HashSet<String> = tags.iter().map(|t| t.to_lowercase()).collect();
    for tag in new {
        if seen.insert(tag.to_lowercase()) {
            tags.push(tag);
        }
    }
}

pub fn read(front: Option<&Value>) -> LayoutMeta {
    let Some(front) = front else {
        return LayoutMeta::default();
    };
    let mut tags = Vec::new();
    for key in TAG_KEYS {
        merge_tags(&mut tags, list(front.get(*key)));
    }
    let date = |key: &str| {
        front
            .get(key)
            .and_then(text)
            .filter(|d| !dates::is_placeholder(d))
    };
    LayoutMeta {
        tags,
        aliases: list(front.get("aliases").or_else(|| front.get("alias"))),
        published: date("published_at").or_else(|| date("publishDate")),
        title_is_placeholder: front
            .get("title")
            .and_then(text)
            .is_some_and(|t| dates::is_placeholder(&t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_from_every_layout() {
        let yaml: Value = serde_yaml_ng::from_str(
            "tags: jsconf, node\ncategories: [イベント, JavaScript]\ntopics: [\"techfeed\", \"#イベント\"]\n\
             aliases: [CNDT2023]\npublished_at: 2024-01-23 09:00\ntitle: <% tp.file.title %>\n",
        )
        .unwrap();
        let meta = read(Some(&yaml));
        assert_eq!(
            meta.tags,
            ["jsconf", "node", "イベント", "JavaScript", "techfeed"]
        );
        assert_eq!(meta.aliases, ["CNDT2023"]);
        assert_eq!(meta.published.as_deref(), Some("2024-01-23 09:00"));
        assert!(meta.title_is_placeholder);
        let toml: Value = toml::from_str(
            "tags = [\"kubernetes\"]\ncategories = [\"参加レポート\"]\ndate = 2025-06-16T18:00:00+09:00\n",
        )
        .unwrap();
        assert_eq!(read(Some(&toml)).tags, ["kubernetes", "参加レポート"]);
        assert_eq!(read(None), LayoutMeta::default());
    }
}
