//! The one integration-test binary (each extra one would relink the 50 MB dictionary).

mod browse;
mod cli;
mod commands;
mod common;
mod data;
mod folders;
mod fresh;
mod parser;
mod picker;
mod props;
mod quality;
mod relevance;
mod search;
mod store;
mod tmux;
mod topk;
mod tui;
