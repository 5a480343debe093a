//! The command line: the app, `search`, `list`, `show`, `open`, `edit`, `completions`, `man`.

mod args;
mod browse;
mod check;
mod find;
mod hits;
mod json;
mod search;
mod text;
mod thp;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::core::model::Event;
use crate::core::scan::NoteFile;
use crate::core::{Library, NotesSource, SessionRef, Warning};
use crate::notes::Notes;
use crate::printable::{block, line};
use crate::search::Analyzer;
use crate::stars::Stars;

/// A terminal reader for tech-event notes, with Japanese full-text search.
#[derive(Debug, Parser)]
#[command(name = "confnotes", version, about, after_help = text::query_help())]
pub struct Cli {
    /// A folder of Markdown notes to read as well (repeatable).
    #[arg(long = "notes", value_name = "DIR", global = true)]
    pub notes: Vec<PathBuf>,
    /// Leave the bundled notes out.
    #[arg(long, global = true)]
    pub no_bundled: bool,
    /// Rebuild the search index of note folders from scratch.
    #[arg(long, global = true)]
    pub rebuild_index: bool,
    /// Colour in the output: auto (when stdout is a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE forces it), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto", global = true)]
    pub color: ColorWhen,
    /// Print every warning about the notes, not just how many there are.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether to colour stdout, after the conventions of NO_COLOR and CLICOLOR_FORCE.
    pub fn enabled(self) -> bool {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto if set("CLICOLOR_FORCE") => true,
            ColorWhen::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
            ColorWhen::Auto => std::io::stdout().is_terminal(),
        }
    }
}

/// The most hits `search` prints: every hit is a file read for its snippet.
const MAX_LIMIT: usize = 10_000;

/// `--limit`: one message for zero, negative, huge and non-numeric values alike.
fn parse_limit(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {MAX_LIMIT}")),
    }
}

/// How `search` and `list` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    /// One JSON array (or object, for `show`).
    Json,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    fn new(json: bool, jsonl: bool) -> Format {
        match (json, jsonl) {
            (_, true) => Format::Jsonl,
            (true, false) => Format::Json,
            _ => Format::Text,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Search every note; ranked hits, one per session.
    Search {
        /// The query (words are joined with spaces). A word after the first may start
        /// with `-` (an exclusion); a query that starts with `-` goes after `--`.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// At most this many hits (1 to 10000).
        #[arg(long, short = 'n', default_value_t = 20, value_parser = parse_limit, allow_hyphen_values = true)]
        limit: usize,
        /// Print a JSON array instead of text.
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        /// Print one JSON object per line.
        #[arg(long)]
        jsonl: bool,
    },
    /// List events and their sessions, with the ids `show`, `open` and `edit` take.
    List {
        /// Print a JSON array of events instead of text.
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        /// Print one JSON object per session (overviews included).
        #[arg(long)]
        jsonl: bool,
    },
    /// Show one session (or an event's overview and sessions) as text, with links and
    /// backlinks.
    Show {
        /// An id (`event#session`, `event`, a session id), in any case, a unique prefix
        /// of one, or a session's title.
        #[arg(required = true, num_args = 1..)]
        id: Vec<String>,
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Open the app on one session.
    Open {
        /// As for `show`.
        #[arg(required = true, num_args = 1..)]
        id: Vec<String>,
    },
    /// Open a session's note in $VISUAL or $EDITOR, at its line.
    Edit {
        /// As for `show`.
        #[arg(required = true, num_args = 1..)]
        id: Vec<String>,
    },
    /// List every speaker (one person per handle: `@x`, `x`, `Name (@x)`) with their
    /// sessions across events.
    Speakers {
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        #[arg(long)]
        jsonl: bool,
    },
    /// List every tag with its number of sessions (an event's tags count for its sessions).
    Tags {
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        #[arg(long)]
        jsonl: bool,
    },
    /// List the starred sessions (`s` in the app, `star`, `unstar`; `is:starred` in a query).
    Starred {
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        #[arg(long)]
        jsonl: bool,
    },
    /// Star a session.
    Star {
        /// As for `show`.
        #[arg(required = true, num_args = 1..)]
        id: Vec<String>,
    },
    /// Remove a session's star.
    Unstar {
        /// As for `show`, or a starred id whose note is gone.
        #[arg(required = true, num_args = 1..)]
        id: Vec<String>,
    },
    /// List every warning about the notes with its file and line; exit status 1 when
    /// one is an error (a note skipped, a link to a missing note).
    Check,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Show how a text is analysed (tokens, spelling keys, grams) and how it is
    /// understood as a query (clauses, variants, synonyms, prefixes).
    Analyze {
        /// The text or query.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        text: Vec<String>,
    },
}

pub fn run() -> anyhow::Result<ExitCode> {
    crate::timing::mark("started");
    thp::allow(false);
    let cli = Cli::parse_from(args::with_query_last(
        &Cli::command(),
        std::env::args_os().collect(),
    ));
    if let Some(result) = cli.command.as_ref().and_then(without_notes) {
        return result;
    }
    let (source, config_warnings) = crate::config::notes_source(&cli.notes, cli.no_bundled);
    let Some(command) = cli.command else {
        thp::allow(true);
        return crate::app::run_tui(source, config_warnings, cli.rebuild_index, None);
    };
    let colour = cli.color.enabled();
    // crossterm otherwise reads NO_COLOR itself, which `--color always` overrides.
    crossterm::style::force_color_output(colour);
    let cache = crate::config::cache_dir();
    // A search over the cache runs on another core while this one scans the folders;
    // its answer is used if the scan finds the notes as the index has them.
    let early = match (&command, &cache, cli.rebuild_index) {
        (Command::Search { query, limit, .. }, Some(cache), false) => Some(search::Early::start(
            crate::notes::store_dir(&source, cache),
            query.join(" "),
            *limit,
        )),
        _ => None,
    };
    // The folders' listings kept in the cache spare reading every folder again (at
    // 100,000 notes, most of the scan).
    let kept = cache.as_deref().filter(|_| !cli.rebuild_index);
    let (files, scan_warnings) = scan_kept(&source, kept);
    crate::timing::mark("scanned");
    check::say_empty_folders(&source.dirs, &files);
    let verbose = cli.verbose;
    // Buffered: a long listing is one write per block, not per line; flushed in
    // `finish` so that a failed flush is reported (or ignored for a closed pipe).
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let (
        true,
        Command::Search {
            json: false,
            jsonl: false,
            ..
        },
    ) = (files.is_empty(), &command)
    {
        // "no notes in DIR" is said: "no matches" would send the user looking for
        // a better query.
        return finish(Ok(ExitCode::SUCCESS), &mut out);
    }
    // A search over an unchanged cache needs only the index and the files of its
    // hits: no note is loaded.
    if let (
        Some(early),
        Command::Search {
            query,
            limit,
            json,
            jsonl,
        },
    ) = (early, &command)
    {
        let input = query.join(" ");
        if let search::Answer::Fresh(warnings, found) = early.answer(&files, &input, *limit) {
            crate::timing::mark("fresh index searched");
            check::print_summary(
                config_warnings.iter().chain(&scan_warnings).chain(&warnings),
                verbose,
                cache.as_deref(),
            );
            let format = Format::new(*json, *jsonl);
            let result = found.and_then(|found| search::print(found, &input, format, colour, &mut out));
            crate::timing::mark("output written");
            return finish(result, &mut out);
        }
    }
    let (notes, _) = Notes::refresh(
        &source,
        None,
        &files,
        scan_warnings,
        cache.as_deref(),
        cli.rebuild_index,
        &mut crate::notes::stderr_progress(),
    )?;
    crate::timing::mark("notes ready");
    let library = &notes.library;
    if let Command::Check = command {
        let result = check::report(config_warnings.iter().chain(&library.warnings), &mut out);
        return finish(result, &mut out);
    }
    check::print_summary(
        config_warnings.iter().chain(&library.warnings),
        verbose,
        cache.as_deref(),
    );
    let result = match command {
        Command::Search {
            query,
            limit,
            json,
            jsonl,
        } => {
            let input = query.join(" ");
            search::find(&notes.index, &hits::FromLibrary::new(library), &input, limit)
                .and_then(|found| search::print(found, &input, Format::new(json, jsonl), colour, &mut out))
        }
        Command::List { json, jsonl } => match Format::new(json, jsonl) {
            Format::Text => text::list(library, colour, &mut out),
            format => json::list(library, format, &mut out),
        },
        Command::Show { id, json } => match resolve_or_explain(library, &id.join(" ")) {
            Some(r) if json => json::show(library, &r, &mut out),
            Some(r) if std::io::stdout().is_terminal() => {
                let mut text = Vec::new();
                let code = text::show(library, &r, colour, &mut text)?;
                page(&text, &mut out).map(|()| code)
            }
            Some(r) => text::show(library, &r, colour, &mut out),
            None => Ok(ExitCode::from(1)),
        },
        Command::Open { id } => match resolve_or_explain(library, &id.join(" ")) {
            Some(r) => {
                drop(out);
                return crate::app::run_tui(source, config_warnings, false, Some(r));
            }
            None => return Ok(ExitCode::from(1)),
        },
        Command::Edit { id } => match resolve_or_explain(library, &id.join(" ")) {
            Some(r) => {
                drop(out);
                return edit(library, &r);
            }
            None => return Ok(ExitCode::from(1)),
        },
        Command::Speakers { json, jsonl } => {
            browse::list_speakers(library, Format::new(json, jsonl), &mut out)
        }
        Command::Tags { json, jsonl } => browse::list_tags(library, Format::new(json, jsonl), &mut out),
        Command::Starred { json, jsonl } => {
            let stars = Stars::load(crate::stars::default_path())?;
            browse::list_starred(library, &stars, Format::new(json, jsonl), &mut out)
        }
        Command::Star { id } => set_star(library, &id.join(" "), true, &mut out),
        Command::Unstar { id } => set_star(library, &id.join(" "), false, &mut out),
        Command::Completions { .. } | Command::Man | Command::Analyze { .. } | Command::Check => {
            Ok(ExitCode::SUCCESS)
        }
    };
    crate::timing::mark("output written");
    finish(result, &mut out)
}

/// `star` / `unstar`: a note found as `show` finds it; a starred id whose note is gone
/// can still be unstarred by that id.
/// The note files of `source`, read from the folders that changed since the listings
/// kept under `cache`; this scan's listings kept in turn when it read a folder and has
/// some to keep (folders changed in the last seconds have none: writing would cost
/// each search over a folder just made a write, for nothing).
fn scan_kept(source: &NotesSource, cache: Option<&std::path::Path>) -> (Vec<NoteFile>, Vec<Warning>) {
    let Some(cache) = cache else {
        return crate::core::scan::scan(source.bundled, &source.dirs);
    };
    let dir = crate::notes::store_dir(source, cache);
    let found = crate::core::scan::scan_with(source.bundled, &source.dirs, crate::store::read_listings(&dir));
    if found.listings.listed > 0 && !found.listings.is_empty() && std::fs::create_dir_all(&dir).is_ok() {
        // Only a saving for the next scan: nothing is lost if it cannot be written.
        let _ = crate::store::write_listings(&dir, &found.listings);
    }
    (found.files, found.warnings)
}

fn set_star(library: &Library, text: &str, starring: bool, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let mut stars = Stars::load(crate::stars::default_path())?;
    let gone = (!starring && stars.ids().any(|s| s == text)).then(|| {
        let (e, s) = text.split_once('#').unwrap_or((text, ""));
        SessionRef::new(e, s)
    });
    let Some(r) = gone.or_else(|| resolve_or_explain(library, text)) else {
        return Ok(ExitCode::from(1));
    };
    stars.set(&r, starring)?;
    let done = if starring { "starred" } else { "unstarred" };
    writeln!(out, "{done} {}", line(&r.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Text longer than the terminal goes through `$PAGER` (`less` without one; `LESS=FRX`
/// unless set, as git does: colours kept, short text printed as is); if the pager
/// cannot start, the text is printed.
fn page(text: &[u8], out: &mut impl Write) -> anyhow::Result<()> {
    let rows = crossterm::terminal::size().map_or(u16::MAX, |(_, rows)| rows);
    let lines = text.iter().filter(|b| **b == b'\n').count();
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less".to_string());
    let mut words = pager.split_whitespace();
    if let (true, Some(program)) = (lines >= usize::from(rows), words.next()) {
        let mut command = std::process::Command::new(program);
        command.args(words).stdin(std::process::Stdio::piped());
        if std::env::var_os("LESS").is_none() {
            command.env("LESS", "FRX");
        }
        if let Ok(mut child) = command.spawn() {
            if let Some(mut stdin) = child.stdin.take() {
                // The reader may quit before reading it all (`q` in less).
                let _ = stdin.write_all(text);
            }
            child.wait()?;
            return Ok(());
        }
    }
    out.write_all(text)?;
    Ok(())
}

/// The commands that read no note: completions, the man page, `analyze`.
fn without_notes(command: &Command) -> Option<anyhow::Result<ExitCode>> {
    let bytes = match command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "confnotes", &mut out);
            out
        }
        Command::Man => {
            let mut out = Vec::new();
            if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
                return Some(Err(e.into()));
            }
            out
        }
        Command::Analyze { text } => {
            let analyzer = match Analyzer::new() {
                Ok(a) => a,
                Err(e) => return Some(Err(e)),
            };
            let text = text.join(" ");
            let out = format!(
                "As note text:\n{}\nAs a query:\n{}\n",
                crate::search::explain::analysis(&analyzer, &text),
                crate::search::explain::query(&analyzer, &text)
            );
            block(&out).into_owned().into_bytes()
        }
        _ => return None,
    };
    Some(finish(write_all(&bytes), &mut std::io::stdout()))
}

fn write_all(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    std::io::stdout().lock().write_all(bytes)?;
    Ok(ExitCode::SUCCESS)
}

fn finish(result: anyhow::Result<ExitCode>, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let result = result.and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        // A closed pipe (`confnotes list | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// Whether the error, or anything under it, is a write to a closed pipe: serde_json wraps
/// the `io::Error` in its own type, which a plain downcast misses.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// The note `query` names, or `None` after saying on stderr why not (with the
/// candidates when it is ambiguous).
fn resolve_or_explain(library: &Library, query: &str) -> Option<SessionRef> {
    let mut err = std::io::stderr().lock();
    match find::find(library, query) {
        find::Found::One(r) => return Some(r),
        find::Found::Many(candidates) => {
            let _ = writeln!(err, "confnotes: {:?} matches more than one note:", line(query));
            for r in candidates.iter().take(find::SHOWN_CANDIDATES) {
                let _ = writeln!(err, "  {}  {}", line(&r.to_string()), line(&title_of(library, r)));
            }
            if candidates.len() > find::SHOWN_CANDIDATES {
                let more = candidates.len() - find::SHOWN_CANDIDATES;
                let _ = writeln!(err, "  … and {more} more");
            }
        }
        find::Found::None => {
            let _ = writeln!(err, "confnotes: no session or event with id {:?}", line(query));
            let _ = writeln!(
                err,
                "  ids look like `2019-07-cndt#serverless-and-knative`; `confnotes list` lists them"
            );
        }
    }
    None
}

/// `event › session` for messages.
fn title_of(library: &Library, r: &SessionRef) -> String {
    match resolve(library, r) {
        Some((e, Some(s))) => format!("{} › {}", e.title, s.title),
        Some((e, None)) => e.title.clone(),
        None => String::new(),
    }
}

/// The session (or overview) a reference points at.
fn resolve<'a>(
    library: &'a Library,
    r: &SessionRef,
) -> Option<(&'a Event, Option<&'a crate::core::model::Session>)> {
    let event = library.event(&r.event)?;
    if r.session.is_empty() {
        return Some((event, None));
    }
    Some((event, Some(event.session(&r.session)?)))
}

/// `confnotes edit`: `$VISUAL` or `$EDITOR` (`vi` without either) with `+LINE FILE`, the
/// way vi, vim, nano, emacs and kakoune take a line.
fn edit(library: &Library, r: &SessionRef) -> anyhow::Result<ExitCode> {
    let Some((event, session)) = resolve(library, r) else {
        return Ok(ExitCode::from(1));
    };
    if event.bundled {
        eprintln!(
            "confnotes: {} is a bundled note, built into the binary: there is no file to edit",
            line(&r.to_string())
        );
        return Ok(ExitCode::from(1));
    }
    let at = session.map_or(1, |s| s.line.max(1));
    let status = crate::app::external::run_editor(std::path::Path::new(&event.file), at)?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_word_after_the_first_may_start_with_a_hyphen() {
        let argv = [
            "confnotes",
            "search",
            "spinnaker",
            "-jenkins",
            "--json",
            "-n",
            "3",
        ];
        let cli = Cli::try_parse_from(args::with_query_last(
            &Cli::command(),
            argv.map(Into::into).to_vec(),
        ))
        .unwrap();
        match cli.command {
            Some(Command::Search {
                query, limit, json, ..
            }) => {
                assert_eq!(query, ["spinnaker", "-jenkins"]);
                assert_eq!(limit, 3);
                assert!(json);
            }
            other => panic!("{other:?}"),
        }
    }
}
