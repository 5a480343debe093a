//! The note parser on any text: no panic, session lines inside the file, unique ids.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(note) = confnotes::core::parse::parse_note("ev", "ev.md", text, None) else {
        return;
    };
    let lines = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .matches('\n')
        .count()
        + 1;
    let mut ids = HashSet::new();
    for s in &note.event.sessions {
        assert!(s.line >= 1 && s.line <= lines, "line {} of {lines}", s.line);
        assert!(!s.id.is_empty());
        assert!(ids.insert(s.id.as_str()), "duplicate id {:?}", s.id);
    }
});
