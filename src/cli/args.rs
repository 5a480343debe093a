//! `search spinnaker -jenkins`: a query word after the first may start with `-`.
//!
//! clap either takes every such word as a flag (`unexpected argument '-j'`) or, with
//! `allow_hyphen_values`, swallows the real options after the query too (`-n 5`, `--json`).
//! So the arguments of `search` are sorted before clap sees them: its options (known to
//! clap, with their values) first, then `--`, then the query words in their order. A short
//! option glued to its value is recognised when the value is a number (`-n5`, not `-nginx`).

use std::ffi::OsString;

use clap::{Arg, Command};

/// The options `cmd` and its subcommand `sub` accept: (`--long`s, `-s`horts, takes a value).
fn options(cmd: &Command, sub: &str) -> Vec<(Vec<String>, bool)> {
    let args = cmd.get_arguments().chain(
        cmd.find_subcommand(sub)
            .into_iter()
            .flat_map(Command::get_arguments),
    );
    let mut options: Vec<(Vec<String>, bool)> = args
        .filter(|a| !a.is_positional())
        .map(|a: &Arg| {
            let mut names: Vec<String> = a
                .get_long_and_visible_aliases()
                .into_iter()
                .flatten()
                .map(|l| format!("--{l}"))
                .collect();
            names.extend(
                a.get_short_and_visible_aliases()
                    .into_iter()
                    .flatten()
                    .map(|s| format!("-{s}")),
            );
            (names, a.get_action().takes_values())
        })
        .collect();
    // clap's own, added when the command is built.
    options.push((vec!["--help".into(), "-h".into()], false));
    options
}

/// Reorders `search`'s arguments so that clap reads a hyphenated query word as a word.
pub fn with_query_last(cmd: &Command, args: Vec<OsString>) -> Vec<OsString> {
    let options = options(cmd, "search");
    // (takes a value) of a known option, matched as `--long`, `--long=v`, `-s`, `-sv`.
    let known = |arg: &str| -> Option<bool> {
        options.iter().find_map(|(names, value)| {
            names
                .iter()
                .any(|n| {
                    arg == n
                        || (n.starts_with("--") && arg.starts_with(&format!("{n}=")))
                        || (*value
                            && !n.starts_with("--")
                            && arg
                                .strip_prefix(n.as_str())
                                .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())))
                })
                .then_some(*value && !arg.contains('=') && names.iter().any(|n| n == arg))
        })
    };
    let Some(search_at) = find_subcommand(&args, &known) else {
        return args;
    };
    if args.get(search_at).and_then(|a| a.to_str()) != Some("search") {
        return args;
    }
    let mut head: Vec<OsString> = args.get(..=search_at).map(<[_]>::to_vec).unwrap_or_default();
    let mut words = Vec::new();
    let mut rest = args.into_iter().skip(search_at + 1);
    while let Some(arg) = rest.next() {
        let Some(s) = arg.to_str() else {
            words.push(arg);
            continue;
        };
        if s == "--" {
            words.extend(rest.by_ref());
            break;
        }
        match known(s) {
            // Before the first word, anything with a hyphen is left to clap (which
            // explains an unknown one).
            Some(takes_value) if s.starts_with('-') => {
                head.push(arg);
                if takes_value {
                    head.extend(rest.next());
                }
            }
            _ if s.starts_with('-') && words.is_empty() => head.push(arg),
            _ => words.push(arg),
        }
    }
    head.push("--".into());
    head.extend(words);
    head
}

/// Where the subcommand is: the first word that is neither an option nor its value.
fn find_subcommand(args: &[OsString], known: &impl Fn(&str) -> Option<bool>) -> Option<usize> {
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        let s = arg.to_str()?;
        if s == "--" || !s.starts_with('-') {
            return (s != "--").then_some(i);
        }
        i += if known(s) == Some(true) { 2 } else { 1 };
    }
    None
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    fn sorted(args: &str) -> Vec<String> {
        let args: Vec<OsString> = args.split(' ').map(OsString::from).collect();
        with_query_last(&Cli::command(), args)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn hyphenated_words_go_after_the_options() {
        assert_eq!(
            sorted("confnotes search spinnaker -jenkins --json -n 3"),
            [
                "confnotes",
                "search",
                "--json",
                "-n",
                "3",
                "--",
                "spinnaker",
                "-jenkins"
            ]
        );
        assert_eq!(
            sorted("confnotes --notes /x search --limit=2 a -tag:x -n5 b"),
            [
                "confnotes",
                "--notes",
                "/x",
                "search",
                "--limit=2",
                "-n5",
                "--",
                "a",
                "-tag:x",
                "b"
            ]
        );
        assert_eq!(
            sorted("confnotes search -- -jenkins spinnaker"),
            ["confnotes", "search", "--", "-jenkins", "spinnaker"]
        );
        // Before any word, an unknown option stays one (clap explains it).
        assert_eq!(
            sorted("confnotes search -x a"),
            ["confnotes", "search", "-x", "--", "a"]
        );
        assert_eq!(
            sorted("confnotes search web -nginx"),
            ["confnotes", "search", "--", "web", "-nginx"]
        );
    }

    #[test]
    fn other_commands_are_left_alone() {
        assert_eq!(sorted("confnotes list --json"), ["confnotes", "list", "--json"]);
        assert_eq!(
            sorted("confnotes --notes search list"),
            ["confnotes", "--notes", "search", "list"]
        );
        assert_eq!(sorted("confnotes"), ["confnotes"]);
    }
}
