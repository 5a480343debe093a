//! The domain core: notes, how they are parsed from Markdown, and the links between
//! them. No UI and no search here.

pub mod browse;
pub mod bundled;
pub mod frontmatter;
pub mod library;
pub mod model;
pub mod parse;
pub mod scan;
pub mod slug;
pub mod text;

pub use library::{Library, NotesSource};
pub use model::{Event, Link, LinkTarget, Session, SessionRef, Warning};
