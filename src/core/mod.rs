//! The domain core: notes, how they are parsed from Markdown, and the links between
//! them. No UI and no search here.

pub mod browse;
pub mod bundled;
pub mod dates;
pub mod footnotes;
pub mod frontmatter;
pub mod gfm;
pub mod inline_tags;
pub mod layouts;
pub mod library;
pub mod linkrefs;
mod listings;
pub mod model;
pub mod outline;
pub mod parse;
pub mod paths;
pub mod preview;
mod resolve;
pub mod scan;
pub mod slug;
pub mod text;
pub mod wikilink;

pub use library::{Library, NotesSource};
pub use model::{Event, Link, LinkTarget, Session, SessionRef, Warning};
