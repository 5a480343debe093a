//! Which note a person means by an id: exact, in any case, a unique prefix, or a title.

use unicode_normalization::UnicodeNormalization;

use crate::core::{Library, SessionRef};

/// How many candidates an ambiguous id lists.
pub const SHOWN_CANDIDATES: usize = 20;

#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    One(SessionRef),
    None,
    /// Several notes fit equally well, in the order `list` prints them.
    Many(Vec<SessionRef>),
}

/// Case and width folded, so `ＳＰＩＮＮＡＫＥＲ` and `Spinnaker` are the same.
fn fold(s: &str) -> String {
    s.trim().nfkc().flat_map(char::to_lowercase).collect()
}

/// One note and the names it answers to, folded.
struct Candidate {
    r: SessionRef,
    full: String,
    id: String,
    title: String,
}

/// Tries, in order: the exact id (as `Library::find` takes it); the id or the title in
/// any case; a prefix of the id or of the title. The first step that finds anything
/// decides, so an exact id is never ambiguous with a longer one it prefixes.
pub fn find(library: &Library, query: &str) -> Found {
    if let Some(r) = library.find(query) {
        return Found::One(r);
    }
    let q = fold(query);
    if q.is_empty() {
        return Found::None;
    }
    let candidates: Vec<Candidate> = library
        .events
        .iter()
        .flat_map(|e| {
            let overview = Candidate {
                r: SessionRef::new(&e.id, ""),
                full: fold(&e.id),
                id: fold(&e.id),
                title: fold(&e.title),
            };
            std::iter::once(overview).chain(e.sessions.iter().map(|s| Candidate {
                r: SessionRef::new(&e.id, &s.id),
                full: fold(&format!("{}#{}", e.id, s.id)),
                id: fold(&s.id),
                title: fold(&s.title),
            }))
        })
        .collect();
    let exact = |c: &Candidate| c.full == q || c.id == q || c.title == q;
    // A prefix of an event's id names the event, not also each of its sessions.
    let by_full_id = |c: &Candidate| c.full.starts_with(&q) && (c.r.session.is_empty() || q.contains('#'));
    let prefix = |c: &Candidate| by_full_id(c) || c.id.starts_with(&q) || c.title.starts_with(&q);
    for test in [&exact as &dyn Fn(&Candidate) -> bool, &prefix] {
        let mut found: Vec<SessionRef> = candidates
            .iter()
            .filter(|c| test(c))
            .map(|c| c.r.clone())
            .collect();
        found.dedup();
        match found.len() {
            0 => continue,
            1 => return found.pop().map_or(Found::None, Found::One),
            _ => return Found::Many(found),
        }
    }
    Found::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::NotesSource;

    fn library() -> Library {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("2019-07-meetup.md"),
            "# Meetup\n\n## コロプラが実践しているSpinnakerを用いたデプロイ戦略\n\nx\n\n## Spinnaker 入門\n\ny\n\n## Argo CD\n\nz\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("2019-08-other.md"),
            "# Other\n\n## Argo Rollouts\n\nw\n",
        )
        .unwrap();
        Library::load(&NotesSource {
            bundled: false,
            dirs: vec![dir.path().to_path_buf()],
        })
    }

    fn one(l: &Library, q: &str) -> String {
        match find(l, q) {
            Found::One(r) => r.to_string(),
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn any_case_prefix_or_title() {
        let l = library();
        let long = "2019-07-meetup#コロプラが実践しているspinnakerを用いたデプロイ戦略";
        assert_eq!(one(&l, long), long);
        assert_eq!(
            one(
                &l,
                "2019-07-meetup#コロプラが実践しているSpinnakerを用いたデプロイ戦略"
            ),
            long
        );
        assert_eq!(one(&l, "コロプラ"), long);
        assert_eq!(one(&l, "spinnaker 入門"), "2019-07-meetup#spinnaker-入門");
        assert_eq!(one(&l, "ＡＲＧＯ ＣＤ"), "2019-07-meetup#argo-cd");
        assert_eq!(one(&l, "2019-08"), "2019-08-other");
        assert_eq!(find(&l, "zzz"), Found::None);
        assert_eq!(find(&l, "  "), Found::None);
    }

    #[test]
    fn an_ambiguous_prefix_lists_the_candidates() {
        let l = library();
        match find(&l, "argo") {
            Found::Many(c) => {
                let ids: Vec<String> = c.iter().map(ToString::to_string).collect();
                assert_eq!(ids, ["2019-07-meetup#argo-cd", "2019-08-other#argo-rollouts"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
