//! What each note folder held when a scan last read it, kept in the cache between runs
//! so that the next scan reads only the folders that changed.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// What each folder held when a scan last read it, kept between runs: a folder whose
/// stamp has not moved since is not read again (opening and reading a folder costs
/// more than the stat of its notes, and note folders are often one note each).
///
/// A folder's change and modification times move when an entry is added to it,
/// removed or renamed (an editor's save by rename included), not when a file in it is
/// written: its notes are always stat'ed. The filtering by ignore rules is kept too,
/// so the listing is trusted only while the ignore files above it are as they were.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Listings {
    /// By the folder's path: a string, which hashes and compares far quicker than a
    /// `PathBuf` (by components), and is stored as the same bytes. A folder whose path
    /// is not UTF-8 is not kept.
    #[serde(deserialize_with = "sized_map")]
    pub(super) folders: HashMap<String, Listing>,
    /// Folders read by the scan that made this (not taken from the last one).
    #[serde(skip)]
    pub listed: usize,
}

/// Folders a map read from the cache makes room for at once: growing a map of 100,000
/// listings step by step cost more than reading them. (A damaged count asks no more.)
const MAX_PRESIZED: usize = 1 << 18;

fn sized_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<HashMap<String, Listing>, D::Error> {
    struct Sized;
    impl<'de> serde::de::Visitor<'de> for Sized {
        type Value = HashMap<String, Listing>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("folder listings by path")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut folders = HashMap::with_capacity(map.size_hint().unwrap_or(0).min(MAX_PRESIZED));
            while let Some((path, listing)) = map.next_entry()? {
                folders.insert(path, listing);
            }
            Ok(folders)
        }
    }
    d.deserialize_map(Sized)
}

impl Listings {
    /// How many notes the folders held: room to make for a scan's.
    pub(super) fn notes(&self) -> usize {
        self.folders.values().map(|l| l.notes.len()).sum()
    }

    pub fn len(&self) -> usize {
        self.folders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.folders.is_empty()
    }
}

/// Entries of a folder by name, each with whether it is a symlink.
pub(super) type Names = Vec<(String, bool)>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Listing {
    pub(super) stamp: FolderStamp,
    /// Sub-folders to walk.
    pub(super) folders: Names,
    /// Note files.
    pub(super) notes: Names,
    /// Its `.gitignore` and `.ignore`, as they were.
    pub(super) ignore_files: Vec<IgnoreFile>,
    /// Trusted by the scan under way: kept for the next one.
    #[serde(skip)]
    pub(super) kept: Kept,
}

/// A mark set from any thread of a walk.
#[derive(Debug, Default)]
pub(super) struct Kept(pub(super) std::sync::atomic::AtomicBool);

impl Clone for Kept {
    fn clone(&self) -> Kept {
        Kept(std::sync::atomic::AtomicBool::new(self.0.load(Ordering::Relaxed)))
    }
}

/// A folder's (or an ignore file's) identity and change times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FolderStamp {
    inode: u64,
    size: u64,
    mtime_ns: i128,
    /// Unlike the modification time, no program can set it back.
    ctime_ns: i128,
}

/// Changed this long before a listing, a folder is trusted to have been seen whole:
/// a change made later gets a later time (file system times are coarser than the
/// clock, as for git's "racily clean" files).
pub(super) const SETTLED: Duration = Duration::from_secs(3);

impl FolderStamp {
    #[cfg(unix)]
    pub(super) fn of(meta: &fs::Metadata) -> Option<FolderStamp> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Some(FolderStamp {
            inode: meta.ino(),
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without a change time that no program sets, every folder is read.
    #[cfg(not(unix))]
    pub(super) fn of(_: &fs::Metadata) -> Option<FolderStamp> {
        None
    }

    /// Whether both times are `settle` or more before `listed` (when the listing began).
    pub(super) fn settled(&self, listed: SystemTime, settle: Duration) -> bool {
        let listed = listed
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let latest = self.mtime_ns.max(self.ctime_ns);
        latest + (settle.as_nanos() as i128) < listed
    }
}

/// An ignore file as a listing saw it: its rules are trusted while it is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct IgnoreFile {
    name: String,
    stamp: FolderStamp,
}

impl IgnoreFile {
    pub(super) fn of(dir: &Path, name: &std::ffi::OsStr) -> Option<IgnoreFile> {
        let meta = fs::metadata(dir.join(name)).ok()?;
        Some(IgnoreFile {
            name: name.to_str()?.to_string(),
            stamp: FolderStamp::of(&meta)?,
        })
    }

    pub(super) fn unchanged(&self, dir: &Path) -> bool {
        IgnoreFile::of(dir, std::ffi::OsStr::new(&self.name)).as_ref() == Some(self)
    }
}
