//! The catalog on disk: `stamps.bin` (what each indexed file looked like), `notes.bin`
//! (the parsed files) and `changes.bin` (small updates since), read back as one list
//! in scan order and written after each index commit it describes.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::library::{FileStamp, ParsedFile};
use crate::core::parse::MAX_NOTE_BYTES;
use crate::core::parse::PARSER_VERSION;
use crate::core::scan::Listings;
use crate::core::{Event, Library, Warning};
use crate::search::analyzer::ANALYZER_VERSION;
use crate::search::index::SCHEMA_VERSION;

/// The stamps of the indexed files: small, read by every start to see what changed.
pub(super) const STAMPS: &str = "stamps.bin";
/// The parsed notes (without their text), read when the library is needed.
pub(super) const CATALOG: &str = "notes.bin";
/// Updates since `notes.bin` and `stamps.bin` were written (see [`Delta`]).
pub(super) const LOG: &str = "changes.bin";
/// What each note folder held when last read ([`Listings`]): not part of the catalog,
/// only what saves the next scan reading the folders that did not change.
pub(super) const FOLDERS: &str = "folders.bin";
/// The first events of the library, newest first: what the app's first frame shows
/// (see [`Front`]).
const FRONT: &str = "front.bin";

/// How many events the first frame is given: more than a screen shows.
const FRONT_EVENTS: usize = 300;

/// The layout of these files and what they promise: 2 since they keep the notes as
/// linked (a warm start does not link them again), 3 since `notes.bin` has the event
/// ids and warnings too (a warm start reads only the start of `stamps.bin`).
const STORE_VERSION: u32 = 3;

/// Everything that makes an old cache unusable when it changes.
fn format_id() -> String {
    format!(
        "store-{STORE_VERSION}/parser-{PARSER_VERSION}/schema-{SCHEMA_VERSION}/analyzer-{ANALYZER_VERSION}/{}",
        confnotes_ipadic::DICTIONARY_ID
    )
}

/// A file as the catalog keeps it, with the event id its documents carry (`None`: it
/// has no documents in the index).
pub(super) type Kept = (ParsedFile, Option<String>);

/// `stamps.bin`: what each indexed file looked like. Written after `notes.bin`, so it
/// is the mark of a finished update.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Stamps {
    format: String,
    pub generation: u64,
    pub files: Vec<Stamp>,
    /// The library's warnings, so a search that loads no note can still show them.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Stamp {
    pub path: PathBuf,
    pub stamp: FileStamp,
    pub event_id: Option<String>,
}

impl Stamp {
    fn of(file: &ParsedFile, event_id: &Option<String>) -> Stamp {
        Stamp {
            path: file.path.clone(),
            stamp: file.stamp,
            event_id: event_id.clone(),
        }
    }
}

/// `notes.bin` after its format: the parsed files with the event id each one's
/// documents carry, in the same order as the stamps, and the library's warnings.
#[derive(Debug, Deserialize)]
struct ParsedFiles {
    generation: u64,
    #[serde(deserialize_with = "exact_vec")]
    files: Vec<Kept>,
    warnings: Vec<Warning>,
}

/// One record of `changes.bin`, the log of updates since the last `notes.bin` and
/// `stamps.bin`: what one update changed, so a saved note does not rewrite the whole
/// catalog. Records follow each other by generation.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Delta {
    pub generation: u64,
    pub removed: Vec<PathBuf>,
    /// New or changed files with their event id, and their place in the new order.
    pub upserts: Vec<(u32, ParsedFile, Option<String>)>,
    pub warnings: Vec<Warning>,
}

/// The catalog as read from disk: base files plus the change log.
#[derive(Debug, Default)]
pub(super) struct Catalog {
    pub generation: u64,
    pub files: Vec<ParsedFile>,
    pub event_ids: Vec<Option<String>>,
    pub warnings: Vec<Warning>,
    pub sizes: Sizes,
    /// The only files that may have changed since, when known ([`super::Store::changed_only`]).
    pub only: Option<Vec<PathBuf>>,
    /// The library linked from these files, when this process has it (a store kept).
    pub library: Option<std::sync::Arc<Library>>,
}

/// Sizes of `notes.bin` and of the change log after it: a log grown past a part of the
/// base is folded into a new base.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Sizes {
    pub base_bytes: u64,
    pub log_bytes: u64,
}

/// Checks the format first, so another version is told apart from a damaged file.
fn decode<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<(T, u64), String> {
    let bytes = match fs::read(dir.join(name)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "its {name} is missing (made by an older confnotes, or never finished)"
            ))
        }
        Err(e) => return Err(format!("its {name} cannot be read ({e})")),
    };
    let (format, _) =
        postcard::take_from_bytes::<String>(&bytes).map_err(|_| format!("its {name} is damaged"))?;
    if format != format_id() {
        return Err(format!("it was built by another version ({format})"));
    }
    let value = postcard::from_bytes(&bytes).map_err(|_| format!("its {name} is damaged"))?;
    Ok((value, bytes.len() as u64))
}

/// A list made at the length its encoding gives (up to a million items ahead), not
/// grown by doubling: the catalog of 100,000 notes would pass through copies of itself.
fn exact_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Exact<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Exact<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(Exact(std::marker::PhantomData))
}

/// The change log's records that follow generation `base`, in order, and the log's
/// size. A record cut short (a crash while appending) ends the log.
fn read_log(dir: &Path, base: u64) -> (Vec<Delta>, u64) {
    let Ok(bytes) = fs::read(dir.join(LOG)) else {
        return (Vec::new(), 0);
    };
    let mut deltas: Vec<Delta> = Vec::new();
    let mut rest = bytes.as_slice();
    let mut next = base + 1;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        let (Some(record), Some(after)) = (tail.get(..len), tail.get(len..)) else {
            break;
        };
        rest = after;
        let Ok(delta) = postcard::from_bytes::<Delta>(record) else {
            break;
        };
        if delta.generation < next {
            continue; // already in the base
        }
        if delta.generation != next {
            break;
        }
        next += 1;
        deltas.push(delta);
    }
    (deltas, bytes.len() as u64)
}

/// Applies one logged update to a list in scan order: `key` names an item's file.
fn apply<T>(
    list: &mut Vec<T>,
    delta: &Delta,
    key: impl Fn(&T) -> &Path,
    make: impl Fn(&ParsedFile, &Option<String>) -> T,
) {
    if !delta.removed.is_empty() {
        let removed: HashSet<&Path> = delta.removed.iter().map(PathBuf::as_path).collect();
        list.retain(|item| !removed.contains(key(item)));
    }
    // A saved note is one record: looked for directly rather than by a map of all.
    let at: Option<HashMap<PathBuf, usize>> = (delta.upserts.len() > 8).then(|| {
        list.iter()
            .enumerate()
            .map(|(i, item)| (key(item).to_path_buf(), i))
            .collect()
    });
    let find = |list: &[T], path: &Path| match &at {
        Some(at) => at.get(path).copied(),
        None => list.iter().position(|item| key(item) == path),
    };
    let mut added = Vec::new();
    for (place, file, id) in &delta.upserts {
        match find(list, &file.path) {
            Some(i) => list[i] = make(file, id),
            None => added.push((*place as usize, make(file, id))),
        }
    }
    // Inserted in order of their final places, every earlier item is already there.
    for (place, item) in added {
        list.insert(place.min(list.len()), item);
    }
}

/// The stamps alone (what `confnotes search` compares a scan with), the log applied.
pub(super) fn read_stamps(dir: &Path) -> Result<Stamps, String> {
    let (mut stamps, _): (Stamps, u64) = decode(dir, STAMPS)?;
    let (deltas, _) = read_log(dir, stamps.generation);
    for delta in &deltas {
        apply(&mut stamps.files, delta, |s| &s.path, Stamp::of);
        stamps.generation = delta.generation;
        stamps.warnings.clone_from(&delta.warnings);
    }
    Ok(stamps)
}

/// The catalog of the index commit `generation`: the base with the log records up to
/// it, or a base written for that commit and not put in place yet (the update stopped
/// between the two: see [`write_base`]). `None`: the newest there is (the index is not
/// usable; the catalog is still a good cache of parsed files). Also whether it came
/// from such a base, which the caller puts in place when it holds the lock.
pub(super) fn read_catalog(dir: &Path, generation: Option<u64>) -> Result<(Catalog, bool), String> {
    if let Some(wanted) = generation {
        if base_generation(dir, &next(CATALOG)).ok() == Some(wanted) {
            return read_base(dir, &next(CATALOG), Some(wanted)).map(|c| (c, true));
        }
    }
    let catalog = read_base(dir, CATALOG, generation)?;
    match generation {
        Some(wanted) if catalog.generation != wanted => {
            Err("it does not match its catalog (an interrupted update?)".into())
        }
        _ => Ok((catalog, false)),
    }
}

/// The base `name` with the log records that follow it, up to `generation`.
fn read_base(dir: &Path, name: &str, generation: Option<u64>) -> Result<Catalog, String> {
    let upto = generation.unwrap_or(u64::MAX);
    if base_generation(dir, name)? > upto {
        return Err("it does not match its catalog (an interrupted update?)".into());
    }
    let (notes, base_bytes): (ParsedFiles, u64) = decode_streaming(dir, name)?;
    // `stamps.bin` is written with it (what `confnotes search` reads instead): found
    // with the same generation, in place or beside it, it says the base is whole.
    let stamps = base_generation(dir, STAMPS);
    if stamps.as_ref().ok() != Some(&notes.generation)
        && base_generation(dir, &next(STAMPS)).ok() != Some(notes.generation)
    {
        return Err(match stamps {
            Err(why) => why,
            Ok(_) => "its notes.bin and stamps.bin disagree (an interrupted update?)".into(),
        });
    }
    let mut entries = notes.files;
    let (deltas, log_bytes) = read_log(dir, notes.generation);
    let mut generation = notes.generation;
    let mut warnings = notes.warnings;
    // A record past the index's commit was written for a commit that did not happen.
    for delta in deltas.into_iter().take_while(|d| d.generation <= upto) {
        apply(
            &mut entries,
            &delta,
            |(f, _)| &f.path,
            |f, id| (f.clone(), id.clone()),
        );
        generation = delta.generation;
        warnings = delta.warnings;
    }
    // Taken apart in place: the files of 100,000 notes are not copied beside them.
    let event_ids = entries.iter_mut().map(|(_, id)| id.take()).collect();
    let files = entries.into_iter().map(|(file, _)| file).collect();
    Ok(Catalog {
        generation,
        files,
        event_ids,
        warnings,
        sizes: Sizes {
            base_bytes,
            log_bytes,
        },
        only: None,
        library: None,
    })
}

/// Where a base is written before the commit it describes.
fn next(name: &str) -> String {
    format!("{name}.next")
}

/// The generation a base file (`notes.bin`, `stamps.bin`) was written for, from its
/// first bytes.
fn base_generation(dir: &Path, name: &str) -> Result<u64, String> {
    let mut head = Vec::new();
    let file = fs::File::open(dir.join(name)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("its {name} is missing (made by an older confnotes, or never finished)")
        }
        _ => format!("its {name} cannot be read ({e})"),
    })?;
    // The format and the generation come first, in far less than this.
    file.take(4096)
        .read_to_end(&mut head)
        .map_err(|e| format!("its {name} cannot be read ({e})"))?;
    let damaged = |_| format!("its {name} is damaged");
    let (format, rest) = postcard::take_from_bytes::<String>(&head).map_err(damaged)?;
    if format != format_id() {
        return Err(format!("it was built by another version ({format})"));
    }
    postcard::take_from_bytes::<u64>(rest)
        .map(|(generation, _)| generation)
        .map_err(damaged)
}

/// Like [`decode`], reading the file as it decodes it rather than whole first: the
/// catalog of 100,000 notes is a hundred megabytes that need not be in memory twice.
fn decode_streaming<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<(T, u64), String> {
    let file = match fs::File::open(dir.join(name)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "its {name} is missing (made by an older confnotes, or never finished)"
            ))
        }
        Err(e) => return Err(format!("its {name} cannot be read ({e})")),
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let damaged = |_| format!("its {name} is damaged");
    // Each string is decoded through this buffer: none is longer than a note.
    let mut scratch = vec![0u8; 2 * MAX_NOTE_BYTES + (64 << 10)];
    let reader = std::io::BufReader::with_capacity(256 << 10, file);
    let (format, (reader, _)) = postcard::from_io::<String, _>((reader, &mut scratch)).map_err(damaged)?;
    if format != format_id() {
        return Err(format!("it was built by another version ({format})"));
    }
    let (value, _) = postcard::from_io::<T, _>((reader, &mut scratch)).map_err(damaged)?;
    Ok((value, size))
}

/// Appends one update's record to the change log, when it is small next to the base;
/// `false` when the base should be written anew instead.
pub(super) fn append_log(dir: &Path, sizes: &mut Sizes, delta: &Delta) -> anyhow::Result<bool> {
    let record = postcard::to_stdvec(delta)?;
    if sizes.base_bytes == 0 || sizes.log_bytes + record.len() as u64 > sizes.base_bytes / 4 {
        return Ok(false);
    }
    let mut log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(LOG))?;
    let mut bytes = (record.len() as u32).to_le_bytes().to_vec();
    bytes.extend_from_slice(&record);
    log.write_all(&bytes)?;
    sizes.log_bytes += bytes.len() as u64;
    Ok(true)
}

/// Writes a new base for the commit `generation`, before that commit: beside the base
/// in place (`notes.bin.next`, `stamps.bin.next`), which stays the catalog of the index
/// until the commit is done and [`promote_base`] puts the new one in its place. An
/// update stopped anywhere on the way leaves a catalog for whichever commit the index
/// has (see [`read_catalog`]).
pub(super) fn write_base(
    dir: &Path,
    generation: u64,
    entries: &[(&ParsedFile, &Option<String>)],
    warnings: Vec<Warning>,
    sizes: &mut Sizes,
) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct ParsedFilesRef<'a> {
        format: String,
        generation: u64,
        files: &'a [(&'a ParsedFile, &'a Option<String>)],
        warnings: &'a [Warning],
    }
    let notes = ParsedFilesRef {
        format: format_id(),
        generation,
        files: entries,
        warnings: &warnings,
    };
    sizes.base_bytes = write_whole(dir, CATALOG, &notes)?;
    let stamps = Stamps {
        format: format_id(),
        generation,
        files: entries.iter().map(|(f, id)| Stamp::of(f, id)).collect(),
        warnings,
    };
    write_whole(dir, STAMPS, &stamps)?;
    Ok(())
}

/// Encodes `value` into `next(name)`, whole or not at all, as it goes (the catalog of
/// 100,000 notes is a hundred megabytes, not to be held in memory on the way), and
/// returns its size.
fn write_whole(dir: &Path, name: &str, value: &impl Serialize) -> anyhow::Result<u64> {
    let tmp = dir.join(format!("{name}.tmp"));
    let file = fs::File::create(&tmp)?;
    let mut writer = postcard::to_io(value, std::io::BufWriter::with_capacity(256 << 10, file))?;
    writer.flush()?;
    drop(writer);
    let size = fs::metadata(&tmp)?.len();
    fs::rename(&tmp, dir.join(next(name)))?;
    Ok(size)
}

/// Puts the base written for the commit just done in place, and drops the change log,
/// whose records it holds. (`stamps.bin` first: a `notes.bin.next` left is what
/// tells that this was not done.)
pub(super) fn promote_base(dir: &Path, sizes: &mut Sizes) -> anyhow::Result<()> {
    for name in [STAMPS, CATALOG] {
        match fs::rename(dir.join(next(name)), dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    // Its records are older than the new base: harmless if this fails.
    let _ = fs::remove_file(dir.join(LOG));
    sizes.log_bytes = 0;
    Ok(())
}

/// The folder listings the last scan left; none when there are none or they are from
/// another version.
pub fn read_listings(dir: &Path) -> Listings {
    decode_streaming::<Listings>(dir, FOLDERS).map_or_else(|_| Listings::default(), |(l, _)| l)
}

/// Keeps the listings of a scan for the next one (whole or not at all: another process
/// may write its own meanwhile, and either is right).
pub fn write_listings(dir: &Path, listings: &Listings) -> anyhow::Result<()> {
    static WRITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    // Its own file for each writing, of any process or thread: the last put in place wins.
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!("{FOLDERS}.{}-{n}.tmp", std::process::id()));
    // Encoded as it is written: the listings of 100,000 folders are megabytes.
    let file = fs::File::create(&tmp)?;
    let mut writer = postcard::to_io(
        &(format_id(), listings),
        std::io::BufWriter::with_capacity(256 << 10, file),
    )?;
    writer.flush()?;
    drop(writer);
    fs::rename(&tmp, dir.join(FOLDERS))?;
    Ok(())
}

/// `front.bin`: the newest events of the library as the last update left it, with
/// the generation they go with. Decoding the whole catalog takes time in proportion to
/// the notes (half a second for 100,000); a first frame needs a screenful of events.
#[derive(Serialize, Deserialize)]
pub(super) struct Front {
    format: String,
    pub generation: u64,
    /// How many events the whole library has.
    pub total: usize,
    /// Each event with the file it came from and its name in messages, which the
    /// event itself does not keep.
    events: Vec<(String, String, Event)>,
    pub warnings: Vec<Warning>,
}

impl Front {
    /// The events, as a library of its own.
    pub fn library(self) -> Library {
        let events = self
            .events
            .into_iter()
            .map(|(file, source, mut event)| {
                event.file = file;
                event.source = source;
                std::sync::Arc::new(event)
            })
            .collect();
        Library {
            events,
            warnings: self.warnings,
        }
    }
}

pub(super) fn read_front(dir: &Path) -> Result<Front, String> {
    decode::<Front>(dir, FRONT).map(|(front, _)| front)
}

/// Writes the front of `library` for generation `generation`, with the warnings the
/// catalog keeps.
pub(super) fn write_front(
    dir: &Path,
    generation: u64,
    library: &Library,
    warnings: &[Warning],
) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct FrontRef<'a> {
        format: String,
        generation: u64,
        total: usize,
        events: Vec<(&'a str, &'a str, &'a Event)>,
        warnings: &'a [Warning],
    }
    let front = FrontRef {
        format: format_id(),
        generation,
        total: library.events.len(),
        events: library
            .events
            .iter()
            .take(FRONT_EVENTS)
            .map(|e| (e.file.as_str(), e.source.as_str(), &**e))
            .collect(),
        warnings,
    };
    let tmp = dir.join(format!("{FRONT}.tmp"));
    fs::write(&tmp, postcard::to_stdvec(&front)?)?;
    fs::rename(&tmp, dir.join(FRONT))?;
    Ok(())
}
