//! Markdown to ratatui lines, wrapped to a width (being written).
