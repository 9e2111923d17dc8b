//! Backlot: a static site generator for developer portals.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! `crawl` → `model` → `catalog` → `docs` → `site`/`render` → `output`,
//! driven by `pipeline` and the `cli`; every read of repository content
//! goes through `tree`.

pub mod apidocs;
pub mod atomic;
pub mod background;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod crawl;
pub mod diag;
pub mod docs;
pub mod forge;
pub mod incremental;
pub mod migrate;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod source;
pub mod tree;
