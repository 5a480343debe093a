//! GitHub-style heading anchors, so links written for GitHub resolve here too.

use std::borrow::Cow;
use std::collections::HashMap;

/// The anchor GitHub gives a heading: lowercase, letters/digits/`-`/`_` kept (any
/// script), spaces to `-`, everything else dropped.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            // Combining marks (e.g. the voiced mark in decomposed kana) belong to the letter.
            c if is_mark(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x3099..=0x309A)
}

/// Hands out unique anchors in document order, the way GitHub numbers duplicates.
#[derive(Default)]
pub struct Slugger<'a> {
    seen: HashMap<Cow<'a, str>, usize, foldhash::fast::RandomState>,
}

impl<'a> Slugger<'a> {
    /// Room for `n` names without growing (the event ids of every note).
    pub fn with_capacity(n: usize) -> Self {
        Slugger {
            seen: HashMap::with_capacity_and_hasher(n, foldhash::fast::RandomState::default()),
        }
    }

    pub fn unique(&mut self, base: String) -> String {
        self.unique_of(Cow::Owned(base)).into_owned()
    }

    /// [`Slugger::unique`] of a borrowed name, copied only when it must change: event
    /// ids of 100,000 notes are made unique on every save.
    pub fn unique_of(&mut self, base: Cow<'a, str>) -> Cow<'a, str> {
        if !self.seen.contains_key(&*base) {
            self.seen.insert(base.clone(), 0);
            return base;
        }
        loop {
            let count = self.seen.get(&*base).copied().unwrap_or(0) + 1;
            if let Some(seen) = self.seen.get_mut(&*base) {
                *seen = count;
            }
            let candidate = format!("{base}-{count}");
            if !self.seen.contains_key(candidate.as_str()) {
                self.seen.insert(Cow::Owned(candidate.clone()), 0);
                return Cow::Owned(candidate);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_slugs() {
        assert_eq!(slug("Circle CI 2.0"), "circle-ci-20");
        assert_eq!(
            slug("GitOpsでも秘匿情報をバッチリ扱う方法、SealedSecretsとは?"),
            "gitopsでも秘匿情報をバッチリ扱う方法sealedsecretsとは"
        );
        assert_eq!(
            slug("Spinnaker を利用した Kubernetes への継続的デリバリ"),
            "spinnaker-を利用した-kubernetes-への継続的デリバリ"
        );
        assert_eq!(
            slug("KubeCon Opening Keynote - Project Update"),
            "kubecon-opening-keynote---project-update"
        );
        assert_eq!(slug("Q&A"), "qa");
    }

    #[test]
    fn duplicates_are_numbered() {
        let mut s = Slugger::default();
        assert_eq!(s.unique("qa".into()), "qa");
        assert_eq!(s.unique("qa".into()), "qa-1");
        assert_eq!(s.unique("qa".into()), "qa-2");
    }
}
